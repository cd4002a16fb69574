"""Chat with a run: its base model and its tuned adapter side by side, or any OpenAI-compatible endpoint.

One model load serves both sides. The adapter is attached to the base once (peft's `PeftModel`); the
base side runs with the adapter disabled — peft's `disable_adapter()` switch, which routes every LoRA
layer through its frozen base weights only (flipped directly on the LoRA layers, see `_adapters_off`,
because the context manager itself costs tens of milliseconds per call). So "base" is exactly the
base model, bit for bit, and the weights sit in memory once, not twice.
The two sides share the model, so they take turns (a lock); remote endpoints run alongside.

Tokens stream through transformers' `TextIteratorStreamer`: `generate` runs in its own thread and the
caller iterates text pieces as they are decoded. A `Stopper` ends a generation at the next token
(a stopping criterion) or closes a remote HTTP stream.

Nothing here imports torch, transformers, peft or openai at module level (start-up stays fast), and
nothing imports textual: the TUI and the command line both drive this module.

API keys are read from the environment when a request is made and are never stored: transcripts
record the endpoint's URL, model and the *name* of the variable that held the key.
"""
from __future__ import annotations

import contextlib
import json
import os
import queue
import threading
import time
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Protocol

from engine import runs

# (fraction 0..1 or None when unknown, message)
Progress = Callable[[float | None, str], None]

TRANSCRIPTS_DIR = "transcripts"
# Special tokens that end an assistant turn in common chat templates; generation stops on any of them
# that the tokenizer knows, even where a model's generation_config lists only the document end token.
END_OF_TURN_TOKENS = ("<|im_end|>", "<|eot_id|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "</s>",
                      "<|user|>", "<|observation|>")
DEFAULT_TIMEOUT_S = 60.0
OPENAI_KEY_ENV = "OPENAI_API_KEY"


# -- errors and settings ------------------------------------------------------------------------
class ChatError(Exception):
    """A problem the user can act on: `message` says what, `advice` says what to do."""

    def __init__(self, message: str, advice: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.advice = advice

    def __str__(self) -> str:
        return f"{self.message}\n{self.advice}" if self.advice else self.message


@dataclass
class Sampling:
    """The settings both sides of a comparison generate with."""

    temperature: float = 0.7
    """0 = greedy (deterministic); higher = more varied."""
    top_p: float = 0.9
    """Nucleus sampling: sample from the smallest set of tokens whose probability reaches top_p."""
    max_new_tokens: int = 256
    """Upper bound on the length of each answer."""
    seed: int | None = None
    """Fixed seed for sampling; None picks one per turn (the same for both sides of that turn)."""

    def problems(self) -> list[str]:
        """Every invalid field at once, each as `field: what is allowed`."""
        out = []
        if not (0.0 <= self.temperature <= 2.0):
            out.append(f"temperature: {self.temperature:g} is outside 0–2 (0 = greedy)")
        if not (0.0 < self.top_p <= 1.0):
            out.append(f"top_p: {self.top_p:g} must be above 0 and at most 1")
        if not (1 <= self.max_new_tokens <= 32768):
            out.append(f"max_new_tokens: {self.max_new_tokens} must be between 1 and 32768")
        return out

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Reply:
    """One answer of one side: its text and how it went."""

    text: str = ""
    tokens: int = 0
    first_token_s: float | None = None   # from the request to the first visible text
    seconds: float = 0.0
    stopped: bool = False                # the user stopped it
    finish: str | None = None            # "stop" (end of turn), "length" (max_new_tokens), "stopped", "error"
    error: ChatError | None = None
    note: str | None = None              # e.g. max_new_tokens lowered to fit the context
    seed: int | None = None

    @property
    def tokens_per_s(self) -> float | None:
        if self.tokens < 2 or self.first_token_s is None or self.seconds <= self.first_token_s:
            return None
        # Decode speed: tokens after the first over the time after the first (prefill excluded).
        return (self.tokens - 1) / (self.seconds - self.first_token_s)

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "error"}
        out["error"] = {"message": self.error.message, "advice": self.error.advice} if self.error else None
        out["tokens_per_s"] = self.tokens_per_s
        return out


class Stopper:
    """Stops generations: sets a flag that local generation checks every token, and runs callbacks
    (closing remote HTTP streams) so a stalled read ends at once too. Thread-safe."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    @property
    def stopped(self) -> bool:
        return self._event.is_set()

    def stop(self) -> None:
        with self._lock:
            self._event.set()
            callbacks = list(self._callbacks)
        for callback in callbacks:
            try:
                callback()
            except Exception:  # closing an already closed stream: nothing to do
                pass

    def on_stop(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Registers `callback` (run at once when already stopped); returns its removal."""
        with self._lock:
            if not self._event.is_set():
                self._callbacks.append(callback)
                return lambda: self._remove(callback)
        callback()
        return lambda: None

    def _remove(self, callback: Callable[[], None]) -> None:
        with self._lock:
            if callback in self._callbacks:
                self._callbacks.remove(callback)


# -- what a run gives us to chat with -----------------------------------------------------------
@dataclass
class RunModel:
    """The weights of a run to chat with, and its base model, found on disk."""

    run_dir: Path
    name: str
    method: str
    kind: str                     # "adapter" (LoRA/QLoRA) or "model" (full SFT / cpt: a whole model)
    weights: Path                 # the adapter folder, or the whole-model folder
    base: str                     # local folder or hub id of the base model
    base_source: str              # where `base` was found (for messages)
    trust_remote_code: bool = False
    precision: str = "auto"
    checkpoint: str | None = None  # "checkpoint-40" when not the final weights
    state: str = "completed"
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.checkpoint})" if self.checkpoint else self.name


def _read_config(run_dir: Path) -> dict[str, Any]:
    """The run's config with defaults filled in; tolerant of a config written by another version."""
    import yaml
    try:
        raw = yaml.safe_load((run_dir / runs.CONFIG_FILE).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ChatError(f"Cannot read {run_dir / runs.CONFIG_FILE}: {exc}",
                        "The run directory is damaged; pick another run.") from None
    if not isinstance(raw, dict):
        raise ChatError(f"{run_dir / runs.CONFIG_FILE} does not hold a mapping of keys",
                        "The run directory is damaged; pick another run.")
    return {"model": raw.get("model", "demo"), "method": raw.get("method", "lora"),
            "output_dir": raw.get("output_dir"), "trust_remote_code": bool(raw.get("trust_remote_code", False)),
            "precision": raw.get("precision", "auto"), "save_steps": raw.get("save_steps")}


def _looks_local(model: str) -> bool:
    return model.startswith(("/", ".", "~")) or Path(model).expanduser().exists()


def _has_adapter(folder: Path) -> bool:
    return (folder / "adapter_config.json").is_file() and any(
        (folder / f).is_file() for f in ("adapter_model.safetensors", "adapter_model.bin"))


def _has_model(folder: Path) -> bool:
    return (folder / "config.json").is_file()


def _checkpoint_folder(run_dir: Path, checkpoint: str) -> Path:
    as_path = Path(checkpoint).expanduser()
    if as_path.is_dir():
        return as_path.resolve()
    name = checkpoint if checkpoint.startswith("checkpoint-") else f"checkpoint-{checkpoint}"
    folder = run_dir / runs.CHECKPOINTS_DIR / name
    if not folder.is_dir():
        have = sorted((p.name for p in (run_dir / runs.CHECKPOINTS_DIR).glob("checkpoint-*") if p.is_dir()),
                      key=lambda n: int(n.rsplit("-", 1)[-1]) if n.rsplit("-", 1)[-1].isdigit() else 0)
        listed = ", ".join(have) if have else "none"
        raise ChatError(f"Run {run_dir.name} has no checkpoint '{checkpoint}' (looked for {folder}).",
                        f"Checkpoints of this run: {listed}.")
    return folder


def _weights(run_dir: Path, config: dict[str, Any], checkpoint: str | None) -> tuple[str, Path, str | None, list[str]]:
    """(kind, weights folder, checkpoint name or None, notes); raises ChatError when there are none yet."""
    info = runs.run_info(run_dir)
    method = str(config["method"])
    kind = "adapter" if method in ("lora", "qlora") else "model"
    final = Path(config["output_dir"]) if config["output_dir"] else \
        run_dir / (runs.ADAPTER_DIR if kind == "adapter" else runs.MODEL_DIR)
    present = _has_adapter if kind == "adapter" else _has_model
    if checkpoint:
        weights = _checkpoint_folder(run_dir, checkpoint)
        if not present(weights):
            raise ChatError(f"{weights} holds no {'adapter' if kind == 'adapter' else 'model'} weights.",
                            "Pick another checkpoint, or the final weights (no --checkpoint).")
        return kind, weights, weights.name, []
    if present(final):
        return kind, final, None, []
    latest = runs.last_checkpoint(run_dir)
    if latest is not None and present(latest):
        return kind, latest, latest.name, [f"run {run_dir.name} has no final {kind} yet ({info.state}); using its "
                                           f"latest checkpoint, {latest.name}"]
    raise _nothing_yet(run_dir, info, kind, final, config.get("save_steps"))


def available_weights(run_dir: str | Path) -> tuple[str | None, str]:
    """What a run offers to chat with, cheaply (no base lookup): ("adapter" | "model" | "checkpoint-N",
    "") or (None, why not). For run lists."""
    run_dir = Path(run_dir)
    try:
        kind, _, checkpoint, _ = _weights(run_dir, _read_config(run_dir), None)
    except ChatError as exc:
        return None, exc.message
    return (checkpoint or kind), ""


def locate_run_model(run_dir: str | Path, checkpoint: str | None = None, base: str | None = None) -> RunModel:
    """Finds the weights to chat with (final adapter/model, or a checkpoint) and the base model.

    Raises ChatError when the run has nothing to chat with yet or its base model cannot be found;
    the message says where it looked and how to point at the right place.
    """
    run_dir = Path(run_dir).resolve()
    if not runs.is_run_dir(run_dir):
        raise ChatError(f"{run_dir} is not a run directory (no {runs.CONFIG_FILE}).",
                        "Give a run name from `tunewiz runs` or the path of a folder under runs/.")
    config = _read_config(run_dir)
    kind, weights, chosen_checkpoint, notes = _weights(run_dir, config, checkpoint)
    base_model, source = _find_base(run_dir, config, weights, kind, base)
    return RunModel(run_dir=run_dir, name=run_dir.name, method=str(config["method"]), kind=kind, weights=weights,
                    base=base_model, base_source=source, trust_remote_code=config["trust_remote_code"],
                    precision=str(config["precision"]), checkpoint=chosen_checkpoint,
                    state=runs.run_info(run_dir).state, notes=notes)


def _nothing_yet(run_dir: Path, info: runs.RunInfo, kind: str, final: Path, save_steps: Any) -> ChatError:
    what = "adapter" if kind == "adapter" else "saved model"
    if info.state in runs.ACTIVE_STATES:
        where = f"step {info.step or 0}" + (f" of {info.total_steps}" if info.total_steps else "")
        every = f" (every {save_steps} steps)" if save_steps else ""
        return ChatError(f"Run {run_dir.name} has no {what} yet: it is {info.state} at {where} and has not "
                         f"written a checkpoint{every}.",
                         "Chat with it once its first checkpoint is written, or when it ends.")
    if info.state in ("failed", "oom", "crashed"):
        why = f" {info.error}" if info.error else ""
        return ChatError(f"Run {run_dir.name} ended ({info.state}) before saving an {what}.{why}".replace(
                         "an saved", "a saved"),
                         info.advice or f"See {run_dir / runs.LOG_FILE}; fix the cause and resume or start it again.")
    return ChatError(f"Run {run_dir.name} has no {what}: {final} is missing and there is no checkpoint.",
                     f"Train it (`tunewiz resume {run_dir}` continues a stopped run) or pick another run.")


def _find_base(run_dir: Path, config: dict[str, Any], weights: Path, kind: str,
               override: str | None) -> tuple[str, str]:
    """(base model, where it came from). Order: the explicit override, the run's config, the adapter's
    own record of its base. Local folders must exist and hold config.json; hub ids are tried as given."""
    looked: list[str] = []
    candidates: list[tuple[str, str]] = []
    if override:
        candidates.append((override, "--base"))
    else:
        model = str(config["model"])
        if model == "demo":
            from engine.demo import DemoModelMissing, demo_model_dir, is_demo_cached
            try:
                return str(demo_model_dir()), "the demo model" + ("" if is_demo_cached() else " (converted now)")
            except DemoModelMissing as exc:
                raise ChatError(f"The base of run {run_dir.name} is the demo model, which is not installed.",
                                str(exc)) from None
        candidates.append((model, f"{runs.CONFIG_FILE} `model`"))
        recorded = _recorded_base(weights) if kind == "adapter" else None
        if recorded and recorded != model:
            candidates.append((recorded, "adapter_config.json `base_model_name_or_path`"))
    for candidate, source in candidates:
        if _looks_local(candidate):
            path = Path(candidate).expanduser()
            if path.is_dir() and _has_model(path):
                return str(path.resolve()), source
            looked.append(f"{path} ({source}): " + ("no config.json there" if path.exists() else "does not exist"))
        else:
            return candidate, source  # a hub id: loading says whether it is in the cache or reachable
    where = "\n".join(f"  - {line}" for line in looked)
    raise ChatError(f"The base model of run {run_dir.name} was not found. Looked at:\n{where}",
                    "Point at the base model folder: `tunewiz chat RUN --base /path/to/model` "
                    "(in the app: Settings → base model path). It must be the model the run was trained from.")


def _recorded_base(adapter_dir: Path) -> str | None:
    try:
        value = json.loads((adapter_dir / "adapter_config.json").read_text()).get("base_model_name_or_path")
    except (OSError, ValueError):
        return None
    return value if isinstance(value, str) and value else None


# -- generation helpers -------------------------------------------------------------------------
def _make_streamer(tokenizer: Any, timeout: float | None = None) -> Any:
    """A TextIteratorStreamer that counts generated tokens and hands text on at once.

    The stock streamer holds back symbols and punctuation until the next space (so a console does not
    print half of some formatting); the first piece of an answer that opens with "**" or "1." then
    waits a whole decode step. Here every token's text goes out as soon as it decodes to complete
    characters; only an unfinished multi-byte character (decoded as U+FFFD) waits for its rest."""
    from transformers import TextIteratorStreamer

    class EagerCountingStreamer(TextIteratorStreamer):
        def __init__(self) -> None:
            super().__init__(tokenizer, skip_prompt=True, timeout=timeout, skip_special_tokens=True)
            self.tokens = 0

        def put(self, value: Any) -> None:
            if len(value.shape) > 1:
                value = value[0]
            if self.skip_prompt and self.next_tokens_are_prompt:
                self.next_tokens_are_prompt = False
                return
            self.tokens += int(value.numel())
            self.token_cache.extend(value.tolist())
            text = self.tokenizer.decode(self.token_cache, **self.decode_kwargs)
            if text.endswith("\ufffd"):
                return
            printable = text[self.print_len:]
            if text.endswith("\n"):
                # Decode from the last token on, as the parent does: keeps decoding O(line), and the
                # kept token preserves the leading space of the next line for SentencePiece tokenizers.
                self.token_cache = self.token_cache[-1:]
                self.print_len = len(self.tokenizer.decode(self.token_cache, **self.decode_kwargs))
            else:
                self.print_len = len(text)
            if printable:
                self.on_finalized_text(printable)

    return EagerCountingStreamer()


def _stop_criterion(should_stop: Callable[[], bool]) -> Any:
    import torch
    from transformers import StoppingCriteria

    class StopOnRequest(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            return torch.full((input_ids.shape[0],), should_stop(), dtype=torch.bool, device=input_ids.device)

    return StopOnRequest()


def end_token_ids(tokenizer: Any, model: Any) -> list[int]:
    """Ids that end an answer: the model's own, the tokenizer's eos and known end-of-turn tokens."""
    ids: list[int] = []
    configured = getattr(getattr(model, "generation_config", None), "eos_token_id", None)
    for value in (configured if isinstance(configured, list) else [configured], [tokenizer.eos_token_id]):
        ids.extend(v for v in value if isinstance(v, int))
    vocab = tokenizer.get_vocab()
    special = set(getattr(tokenizer, "all_special_tokens", []) or []) | set(
        str(t) for t in (getattr(tokenizer, "added_tokens_decoder", {}) or {}).values())
    for token in END_OF_TURN_TOKENS:
        if token in vocab and token in special:
            ids.append(vocab[token])
    return sorted(set(ids))


def render_messages(tokenizer: Any, messages: list[dict[str, str]]) -> tuple[list[dict[str, str]], str | None]:
    """Messages the chat template accepts. Templates without a system role get the system prompt at the
    start of the first user message instead (with a note), rather than failing."""
    try:
        tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        return messages, None
    except Exception as exc:  # jinja2 TemplateError, raised by the template's own raise_exception
        if not messages or messages[0]["role"] != "system" or len(messages) < 2:
            raise ChatError(f"The model's chat template rejected the conversation: {exc}",
                            "Clear the conversation; if it persists the template needs alternating "
                            "user/assistant turns.") from None
        system, rest = messages[0]["content"], [dict(m) for m in messages[1:]]
        rest[0]["content"] = f"{system}\n\n{rest[0]['content']}"
        return rest, "this chat template has no system role; the system prompt was put before the first message"


# -- local models -------------------------------------------------------------------------------
class LocalChat:
    """One loaded model (base + adapter) that answers as the base (adapter off) or as the tuned model."""

    def __init__(self, target: RunModel, device: str | None = None) -> None:
        self.target = target
        self.device_request = device
        self.model: Any = None          # PeftModel for adapters; the tuned model for whole-model runs
        self.base_model: Any = None     # only for whole-model runs (two separate models)
        self.tokenizer: Any = None
        self.context_length: int | None = None
        self.device = "cpu"
        self.dtype = "fp32"
        self.lock = threading.Lock()    # one generation at a time on this model
        self.end_ids: list[int] = []
        self.load_seconds: float | None = None
        self._tuner_layers: list[Any] | None = None
        # More `generate` settings (e.g. repetition_penalty, min_new_tokens), the same for both sides.
        self.generate_kwargs: dict[str, Any] = {}

    # loading
    def load(self, progress: Progress | None = None) -> list[str]:
        """Loads tokenizer, base and adapter. Returns notes for the user. Raises ChatError."""
        say = progress or (lambda fraction, message: None)
        started = time.perf_counter()
        target = self.target
        notes = list(target.notes)
        say(0.02, "loading libraries (torch, transformers, peft)")
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        on_gpu = torch.cuda.is_available() and self.device_request != "cpu"
        self.device = "cuda" if on_gpu else "cpu"
        self.dtype = _pick_dtype(target.precision, on_gpu, torch)
        dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[self.dtype]
        say(0.08, "reading the tokenizer")
        token_source = str(target.weights) if (target.weights / "tokenizer_config.json").is_file() else target.base
        try:
            tokenizer = AutoTokenizer.from_pretrained(token_source, trust_remote_code=target.trust_remote_code)
        except (OSError, ValueError) as exc:
            raise ChatError(f"Cannot load the tokenizer of {token_source}: {str(exc).splitlines()[0]}",
                            _base_advice(target)) from None
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        from engine.train.tokenize import ensure_chat_template
        if ensure_chat_template(tokenizer):
            notes.append("the model has no chat template; using ChatML, as training did")
        self.tokenizer = tokenizer

        kwargs: dict[str, Any] = {"dtype": dtype, "trust_remote_code": target.trust_remote_code,
                                  "device_map": {"": 0 if on_gpu else "cpu"}}
        if target.method == "qlora":
            from transformers import BitsAndBytesConfig
            # The adapter was trained on the 4-bit NF4 base: chat with that same base.
            kwargs["quantization_config"] = BitsAndBytesConfig(
                load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                bnb_4bit_compute_dtype=dtype)
            notes.append("QLoRA run: the base is loaded in 4-bit NF4, as in training")
        size = _weights_size(target.base)
        size_text = f" ({size / 2**30:.1f} GiB on disk)" if size else ""
        base_fraction = 0.75 if target.kind == "adapter" else 0.45
        say(0.12, f"loading the base model {target.base}{size_text}, {self.dtype} on {self.device.upper()}")
        base = _load_causal_lm(target.base, kwargs, target, 0.12, base_fraction, say)
        if target.kind == "adapter":
            say(0.88, f"attaching the adapter {target.weights}")
            self.model = _attach_adapter(base, target)
            recorded = _recorded_base(target.weights)
            if recorded and Path(recorded.rstrip("/")).name != Path(target.base.rstrip("/")).name:
                # Same shapes load silently; a different model name is worth a look.
                notes.append(f"the adapter was trained on {recorded}; it is attached to {target.base}")
        else:
            self.base_model = base.eval()
            say(0.5, f"loading the tuned model {target.weights} (a whole model: memory for two)")
            self.model = _load_causal_lm(str(target.weights), kwargs, target, 0.5, 0.95, say)
            notes.append("whole-model run: base and tuned are two models, so memory is twice one model")
        self.model.eval()
        self.context_length = _context_length(self.model, tokenizer)
        self.end_ids = end_token_ids(tokenizer, self.model)
        self.load_seconds = time.perf_counter() - started
        say(1.0, f"ready in {self.load_seconds:.1f} s")
        return notes

    def close(self) -> None:
        """Frees the model's memory (the app calls this when the chat pane closes)."""
        with self.lock:
            self.model = self.base_model = None
        import gc
        gc.collect()
        try:
            import torch
            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:
            pass

    @property
    def loaded(self) -> bool:
        return self.model is not None

    # prompts
    def encode(self, messages: list[dict[str, str]]) -> tuple[dict[str, Any], str | None]:
        """Tokenizes a conversation with the chat template; raises ChatError when it does not fit."""
        messages, note = render_messages(self.tokenizer, messages)
        encoded = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True,
                                                     return_dict=True, return_tensors="pt")
        length = int(encoded["input_ids"].shape[1])
        if self.context_length and length >= self.context_length:
            raise ChatError(f"The conversation is {length} tokens; this model reads at most "
                            f"{self.context_length}.",
                            "Clear the conversation, or shorten the prompt or the system prompt.")
        return {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"]}, note

    def logits(self, messages: list[dict[str, str]], adapter: bool = True) -> Any:
        """Next-token logits over the prompt, with the adapter on or off (for checks and tests)."""
        import torch
        inputs, _ = self.encode(messages)
        inputs = {k: v.to(self._input_device()) for k, v in inputs.items()}
        with self.lock, torch.inference_mode(), self._side(adapter):
            return self._model_for(adapter)(**inputs).logits.float().cpu()

    def _input_device(self) -> Any:
        return next(self.model.parameters()).device

    def _model_for(self, adapter: bool) -> Any:
        return self.base_model if (self.base_model is not None and not adapter) else self.model

    def _side(self, adapter: bool) -> Any:
        """The context the base side runs in: the adapter switched off, the weights shared."""
        if adapter or self.base_model is not None or not hasattr(self.model, "disable_adapter"):
            return contextlib.nullcontext()
        if self._tuner_layers is None:
            from peft.tuners.tuners_utils import BaseTunerLayer
            self._tuner_layers = [m for m in self.model.modules()
                                  if isinstance(m, BaseTunerLayer) and hasattr(m, "_disable_adapters")]
        if self._tuner_layers:
            return _adapters_off(self._tuner_layers)
        return self.model.disable_adapter()

    # generation
    def stream(self, messages: list[dict[str, str]], sampling: Sampling, stopper: Stopper | None = None,
               adapter: bool = True, reply: Reply | None = None) -> Iterator[str]:
        """Yields the answer's text piece by piece as tokens are generated. Fills `reply` as it goes.

        Raises ChatError for a prompt that does not fit, running out of memory, or a generation error.
        """
        if not self.loaded:
            raise ChatError("The model is not loaded.", "Wait for loading to finish, or pick a run.")
        import torch
        stopper = stopper or Stopper()
        reply = reply if reply is not None else Reply()
        started = time.perf_counter()
        inputs, note = self.encode(messages)
        prompt_tokens = int(inputs["input_ids"].shape[1])
        max_new = sampling.max_new_tokens
        if self.context_length and prompt_tokens + max_new > self.context_length:
            max_new = self.context_length - prompt_tokens
            note = (note + "; " if note else "") + (f"max new tokens lowered to {max_new} to fit the "
                                                     f"{self.context_length}-token context")
        reply.note = note
        seed = sampling.seed if sampling.seed is not None else int.from_bytes(os.urandom(4), "little")
        reply.seed = seed
        streamer = _make_streamer(self.tokenizer)
        model = self._model_for(adapter)
        device = self._input_device()
        kwargs: dict[str, Any] = {k: v.to(device) for k, v in inputs.items()}
        kwargs.update(max_new_tokens=max_new, streamer=streamer, pad_token_id=self.tokenizer.pad_token_id,
                      eos_token_id=self.end_ids or None)
        from transformers import StoppingCriteriaList
        abandoned = threading.Event()  # the consumer stopped iterating: end this generation only
        kwargs["stopping_criteria"] = StoppingCriteriaList(
            [_stop_criterion(lambda: stopper.stopped or abandoned.is_set())])
        if sampling.temperature > 0:
            kwargs.update(do_sample=True, temperature=sampling.temperature, top_p=sampling.top_p, top_k=None)
        else:
            kwargs.update(do_sample=False, temperature=None, top_p=None, top_k=None)
        kwargs.update(self.generate_kwargs)
        failure: list[BaseException] = []
        output: list[Any] = []

        def generate() -> None:
            try:
                with torch.inference_mode(), self._side(adapter):
                    torch.manual_seed(seed)  # same seed for both sides: the same random draws
                    output.append(model.generate(**kwargs))
            except BaseException as exc:  # handed to the consumer; the stream must end either way
                failure.append(exc)
                streamer.end()

        with self.lock:
            thread = threading.Thread(target=generate, name="tunewiz-generate", daemon=True)
            thread.start()
            drained = False
            try:
                for piece in streamer:
                    if not piece:
                        continue
                    if reply.first_token_s is None:
                        reply.first_token_s = time.perf_counter() - started
                    reply.text += piece
                    reply.tokens = streamer.tokens
                    yield piece
                drained = True
            finally:
                # A consumer that stops iterating early must not leave generate running on the model.
                if not drained:
                    abandoned.set()
                thread.join()
        reply.tokens = streamer.tokens
        reply.seconds = time.perf_counter() - started
        if failure:
            raise _generation_error(failure[0], self)
        reply.stopped = stopper.stopped
        if reply.stopped:
            reply.finish = "stopped"
        else:
            last = int(output[0][0, -1]) if output else None
            reply.finish = "stop" if last in self.end_ids else "length" if reply.tokens >= max_new else "stop"


@contextlib.contextmanager
def _adapters_off(layers: list[Any]) -> Iterator[None]:
    """What peft's `PeftModel.disable_adapter()` does for LoRA layers, without its per-call cost.

    `disable_adapter()` first runs `get_model_status()` over the whole module tree and then toggles
    `requires_grad` on every adapter weight: 40-65 ms of CPU per call on the demo model here, paid
    before every base answer's first token (it alone pushed time-to-first-token to 0.73x a bare
    generate). The forward pass only reads each layer's `_disable_adapters` flag, the flag
    `disable_adapter()` sets through `enable_adapters(False)`; flipping it on the cached layers takes
    microseconds. Gradients are irrelevant here (inference only). tests/test_chat.py checks the
    result is bit for bit the plain base model and what `disable_adapter()` gives."""
    previous = [layer._disable_adapters for layer in layers]
    for layer in layers:
        layer._disable_adapters = True
    try:
        yield
    finally:
        for layer, was in zip(layers, previous):
            layer._disable_adapters = was


def _pick_dtype(precision: str, on_gpu: bool, torch: Any) -> str:
    if not on_gpu:
        return "fp32"  # CPU matmuls in 16-bit are slow and bf16 sampling differs; fp32 is the honest base
    if precision in ("bf16", "fp16", "fp32"):
        return "fp16" if precision == "bf16" and not torch.cuda.is_bf16_supported() else precision
    return "bf16" if torch.cuda.is_bf16_supported() else "fp16"


def _weights_size(model: str) -> int | None:
    folder = Path(model).expanduser()
    if not folder.is_dir():
        return None
    return sum(p.stat().st_size for p in folder.glob("*.safetensors")) or \
        sum(p.stat().st_size for p in folder.glob("*.bin")) or None


def _base_advice(target: RunModel) -> str:
    return ("Check the path or hub id (offline: download the model and give its folder with "
            "`tunewiz chat RUN --base /path/to/model`; in the app: Settings → base model path). "
            f"It was taken from {target.base_source}.")


class _LoadProgress:
    """Reports transformers' weight-loading loop as progress. transformers 5 walks the parameters in
    `core_model_loading` under a tqdm bar; that bar is the only hook into a long (minutes for 7B+)
    load, so it is swapped for this one while we load. Where the hook is missing (another
    transformers version), loading simply reports its stages."""

    _lock = threading.Lock()

    def __init__(self, start: float, end: float, say: Progress, label: str) -> None:
        self.start, self.end, self.say, self.label = start, end, say, label

    def __enter__(self) -> "_LoadProgress":
        self._lock.acquire()
        try:
            import transformers.core_model_loading as loading
            self.module, self.original = loading, getattr(loading, "tqdm", None)
        except ImportError:
            self.module = self.original = None
        if self.original is not None:
            self.module.tqdm = self._wrap
        return self

    def _wrap(self, iterable: Any = None, *args: Any, **kwargs: Any) -> Any:
        total = kwargs.get("total") or (len(iterable) if hasattr(iterable, "__len__") else None)
        if not total or iterable is None:
            return iterable
        return self._iterate(iterable, total)

    def _iterate(self, iterable: Any, total: int) -> Iterator[Any]:
        step = max(1, total // 50)
        for index, item in enumerate(iterable):
            if index % step == 0:
                share = index / total
                self.say(self.start + (self.end - self.start) * share, f"{self.label}: {share:.0%} of the weights")
            yield item

    def __exit__(self, *exc: Any) -> None:
        if self.original is not None:
            self.module.tqdm = self.original
        self._lock.release()


def _load_causal_lm(source: str, kwargs: dict[str, Any], target: RunModel, start: float, end: float,
                    say: Progress) -> Any:
    from transformers import AutoModelForCausalLM
    try:
        with _LoadProgress(start, end, say, f"loading {Path(source).name or source}"):
            return AutoModelForCausalLM.from_pretrained(source, **kwargs)
    except ValueError as exc:
        if "trust_remote_code" in str(exc):
            raise ChatError(f"{source} needs its own Python code and the run has trust_remote_code off.",
                            "Read that code, then set trust_remote_code: true in the run's config.yaml.") from None
        raise ChatError(f"Cannot load {source}: {str(exc).splitlines()[0]}", _base_advice(target)) from None
    except OSError as exc:
        raise ChatError(f"Cannot load the model {source}: {str(exc).splitlines()[0]}", _base_advice(target)) from None
    except Exception as exc:
        if _is_oom(exc):
            raise ChatError(f"Out of memory loading {source}.",
                            "Close other programs on the GPU (a training run?), or chat on the CPU.") from None
        raise


def _attach_adapter(base: Any, target: RunModel) -> Any:
    """PeftModel over `base`. A base of another shape or architecture is a clear ChatError."""
    from peft import PeftModel
    mismatch = ChatError(
        "", f"The adapter was trained on {_recorded_base(target.weights) or 'another model'} "
            f"(adapter_config.json); point --base (Settings → base model path) at that model.")
    try:
        with warnings.catch_warnings():
            # peft asks transformers a deprecated question while attaching; not the user's concern.
            warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
            model = PeftModel.from_pretrained(base, str(target.weights), is_trainable=False)
    except RuntimeError as exc:  # "size mismatch for ...lora_A.weight"
        first = next((line.strip() for line in str(exc).splitlines() if "size mismatch" in line), str(exc).splitlines()[0])
        mismatch.message = (f"The adapter {target.weights} does not fit the base model {target.base}: {first}")
        raise mismatch from None
    except (ValueError, KeyError) as exc:  # target modules missing in this architecture
        mismatch.message = (f"The adapter {target.weights} does not fit the base model {target.base}: "
                            f"{str(exc).splitlines()[0]}")
        raise mismatch from None
    missing = _adapter_keys_not_loaded(model, target.weights)
    if missing:
        mismatch.message = (f"The adapter {target.weights} does not fit the base model {target.base}: "
                            f"{len(missing)} of the base's LoRA layers have no weights in the adapter "
                            f"(e.g. {missing[0]}).")
        raise mismatch
    return model


def _adapter_keys_not_loaded(model: Any, adapter_dir: Path) -> list[str]:
    """LoRA weights the model expects but the adapter file does not have (a different layer count)."""
    from peft import get_peft_model_state_dict
    saved = adapter_dir / "adapter_model.safetensors"
    if not saved.is_file():
        return []
    from safetensors import safe_open
    with safe_open(str(saved), framework="pt") as handle:
        keys = set(handle.keys())
    expected = set(get_peft_model_state_dict(model).keys())
    return sorted(expected - keys)


def _context_length(model: Any, tokenizer: Any) -> int | None:
    config = getattr(model, "config", None)
    for holder in (config, getattr(config, "text_config", None)):
        value = getattr(holder, "max_position_embeddings", None) if holder is not None else None
        if isinstance(value, int) and value > 0:
            return value
    value = getattr(tokenizer, "model_max_length", None)
    return value if isinstance(value, int) and 0 < value < 10_000_000 else None


def _is_oom(exc: BaseException) -> bool:
    return "out of memory" in str(exc).lower() or type(exc).__name__ == "OutOfMemoryError"


def _generation_error(exc: BaseException, chat: LocalChat) -> ChatError:
    if isinstance(exc, ChatError):
        return exc
    if _is_oom(exc):
        return ChatError(f"Out of memory while generating on the {chat.device.upper()}.",
                         "Lower max new tokens, clear the conversation, or free the GPU (a training run?).")
    return ChatError(f"Generation failed: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}",
                     "Clear the conversation and try again; the log has details.")


# -- backends: what a column of the chat talks to ----------------------------------------------
class Backend(Protocol):
    """Something that answers a conversation as a stream of text pieces."""

    exclusive: object | None
    """Backends with the same (non-None) `exclusive` share one model and answer one after the other."""

    def label(self) -> str: ...

    def describe(self) -> dict[str, Any]: ...

    def stream(self, messages: list[dict[str, str]], sampling: Sampling, stopper: Stopper,
               reply: Reply) -> Iterator[str]: ...


class LocalBackend:
    """The base (adapter off) or the tuned side of a loaded LocalChat."""

    def __init__(self, chat: LocalChat, adapter: bool) -> None:
        self.chat = chat
        self.adapter = adapter
        self.exclusive = chat

    def label(self) -> str:
        target = self.chat.target
        return f"tuned · {target.label}" if self.adapter else f"base · {Path(target.base).name or target.base}"

    def describe(self) -> dict[str, Any]:
        target = self.chat.target
        return {"kind": "local", "side": "tuned" if self.adapter else "base", "run": str(target.run_dir),
                "base_model": target.base, "weights": str(target.weights) if self.adapter else None,
                "checkpoint": target.checkpoint, "device": self.chat.device, "dtype": self.chat.dtype}

    def stream(self, messages: list[dict[str, str]], sampling: Sampling, stopper: Stopper,
               reply: Reply) -> Iterator[str]:
        return self.chat.stream(messages, sampling, stopper, adapter=self.adapter, reply=reply)


class RemoteBackend:
    """Any OpenAI-compatible chat-completions endpoint through the official `openai` client: OpenAI
    itself (including `ft:` models), vLLM, Ollama, llama.cpp's server, ..."""

    exclusive = None

    def __init__(self, model: str, base_url: str | None = None, api_key_env: str = OPENAI_KEY_ENV,
                 timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self.model = model.strip()
        self.base_url = (base_url or "").strip() or None
        self.api_key_env = api_key_env.strip() or OPENAI_KEY_ENV
        self.timeout = timeout

    def problems(self) -> list[str]:
        out = []
        if not self.model:
            out.append("model: give the model name the endpoint serves (e.g. ft:gpt-4o-mini-2024-07-18:org::id)")
        if self.base_url and not self.base_url.startswith(("http://", "https://")):
            out.append(f"base URL: {self.base_url!r} must start with http:// or https:// "
                       "(e.g. http://localhost:8000/v1)")
        if not (0 < self.timeout <= 3600):
            out.append(f"timeout: {self.timeout:g} s must be between 0 and 3600")
        return out

    @property
    def where(self) -> str:
        return self.base_url or "api.openai.com"

    def label(self) -> str:
        return f"{self.model} @ {self.where}"

    def describe(self) -> dict[str, Any]:
        # The key's *name* only: the value never leaves the environment.
        return {"kind": "openai-compatible", "base_url": self.base_url, "model": self.model,
                "api_key_env": self.api_key_env}

    def _client(self) -> Any:
        from openai import OpenAI
        key = os.environ.get(self.api_key_env)
        if not key:
            if self.base_url is None:
                raise ChatError(f"{self.api_key_env} is not set, and OpenAI needs an API key.",
                                f"Export it in the shell that starts tunewiz: export {self.api_key_env}=sk-... "
                                "(tunewiz reads it from the environment and never stores it).")
            key = "unused"  # local servers (vLLM, Ollama, llama.cpp) accept any key unless started with one
        return OpenAI(api_key=key, base_url=self.base_url, timeout=self.timeout, max_retries=0)

    def stream(self, messages: list[dict[str, str]], sampling: Sampling, stopper: Stopper,
               reply: Reply) -> Iterator[str]:
        problems = self.problems()
        if problems:
            raise ChatError("The endpoint settings are incomplete: " + "; ".join(problems),
                            "Fix them in Settings (or the --model / --base-url options).")
        client = self._client()
        started = time.perf_counter()
        params: dict[str, Any] = {"model": self.model, "messages": messages, "stream": True,
                                  "max_tokens": sampling.max_new_tokens, "top_p": sampling.top_p,
                                  "temperature": sampling.temperature}
        if sampling.seed is not None:
            params["seed"] = sampling.seed
        reply.seed = sampling.seed
        try:
            response = client.chat.completions.create(**params)
        except Exception as exc:
            raise self._error(exc) from None
        # The response is read in a helper thread: a blocked socket read cannot be interrupted from
        # outside (closing the response does not wake it), so Stop must not wait for the server.
        items: queue.Queue = queue.Queue()
        done, stop_signal = object(), object()

        def read() -> None:
            try:
                for chunk in response:
                    items.put(chunk)
                    if stopper.stopped:
                        break
            except BaseException as exc:  # handed to the consumer
                items.put(exc)
            finally:
                items.put(done)
                try:
                    response.close()
                except Exception:
                    pass

        remove = stopper.on_stop(lambda: items.put(stop_signal))
        threading.Thread(target=read, name="tunewiz-endpoint-read", daemon=True).start()
        try:
            while True:
                item = items.get()
                if item is done or item is stop_signal or stopper.stopped:
                    break
                if isinstance(item, BaseException):
                    raise self._error(item) from None
                for choice in item.choices or []:
                    delta = choice.delta
                    piece = (getattr(delta, "content", None) or "") if delta else ""
                    refusal = getattr(delta, "refusal", None) if delta else None
                    if refusal:
                        piece += refusal
                    if choice.finish_reason:
                        reply.finish = "length" if choice.finish_reason == "length" else "stop"
                    if piece:
                        if reply.first_token_s is None:
                            reply.first_token_s = time.perf_counter() - started
                        reply.text += piece
                        reply.tokens += 1  # one streamed piece is one token on the servers we know
                        yield piece
        finally:
            remove()
            if stopper.stopped:
                try:
                    response.close()  # best effort: lets the server notice the client went away
                except Exception:
                    pass
            reply.seconds = time.perf_counter() - started
        if stopper.stopped:
            reply.stopped, reply.finish = True, "stopped"
        elif reply.finish is None:
            reply.finish = "stop"

    def _error(self, exc: BaseException) -> ChatError:
        return remote_error(exc, self.where, self.model, self.timeout, self.api_key_env)


def remote_error(exc: BaseException, where: str, model: str, timeout: float, key_env: str) -> ChatError:
    """An openai/httpx exception as a message a user can act on."""
    import openai
    if isinstance(exc, ChatError):
        return exc
    # Errors raised while reading a stream come from the client's HTTP library (httpx, or httpx2 in
    # newer openai releases) unwrapped; they are recognised by class name so either works.
    names = {cls.__name__ for cls in type(exc).__mro__}
    if isinstance(exc, (openai.APITimeoutError, TimeoutError)) or any("Timeout" in n for n in names):
        return ChatError(f"{where} did not answer within {timeout:g} s (timed out).",
                         "Check that the server is up and not overloaded, or raise the timeout "
                         "(Settings, or --timeout).")
    if isinstance(exc, (openai.APIConnectionError, ConnectionError)) or names & {"TransportError", "NetworkError"}:
        cause = exc.__cause__ or exc.__context__ or exc
        return ChatError(f"Cannot connect to {where}: {_short(cause)}.",
                         "Is the server running and the base URL right? vLLM: `vllm serve MODEL` → "
                         "http://localhost:8000/v1; Ollama → http://localhost:11434/v1; llama.cpp → "
                         "http://localhost:8080/v1.")
    if isinstance(exc, openai.APIStatusError):
        status, text = exc.status_code, _server_message(exc)
        if status == 401:
            return ChatError(f"{where} refused the request: the API key was not accepted (401). {text}",
                             f"Set {key_env} in the environment to a valid key for this endpoint.")
        if status == 403:
            return ChatError(f"{where} refused the request (403 forbidden). {text}",
                             "The key has no access to this model; check the organisation or project.")
        if status == 404:
            return ChatError(f"{where} has no model '{model}' (404). {text}",
                             "Check the model name: for a fine-tuned OpenAI model use the job's "
                             "fine_tuned_model (ft:…); for vLLM the --served-model-name.")
        if status == 429:
            return ChatError(f"{where} refused the request: rate limit or quota reached (429). {text}",
                             "Wait a moment and try again, or check the account's quota.")
        if status == 400 and ("context" in text.lower() or "too long" in text.lower() or "maximum" in text.lower()):
            return ChatError(f"The conversation is longer than {model}'s context. {text}",
                             "Clear the conversation, or shorten the prompt or system prompt.")
        if status >= 500:
            return ChatError(f"{where} failed with a server error ({status}). {text}",
                             "Try again; if it persists, check the server's log.")
        return ChatError(f"{where} refused the request ({status}). {text}",
                         "Check the model name and the sampling settings.")
    return ChatError(f"The request to {where} failed: {_short(exc)}", "Try again; check the endpoint settings.")


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _server_message(exc: Any) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
        if message:
            return str(message)
    return str(getattr(exc, "message", "") or "")


# -- conversations ------------------------------------------------------------------------------
@dataclass
class Turn:
    user: str
    replies: dict[str, Reply]
    sampling: dict[str, Any]
    t: float = field(default_factory=time.time)
    columns: dict[str, dict[str, Any]] | None = None  # what answered in each column (backends change)


class Conversation:
    """Shared user messages; each column keeps its own answers as its history (multi-turn)."""

    def __init__(self, system: str = "") -> None:
        self.system = system
        self.turns: list[Turn] = []
        self.started = time.time()

    def messages(self, column: str, user: str) -> list[dict[str, str]]:
        """The conversation as `column` saw it, plus the new user message."""
        out: list[dict[str, str]] = []
        if self.system.strip():
            out.append({"role": "system", "content": self.system})
        for turn in self.turns:
            reply = turn.replies.get(column)
            if reply is None or reply.error is not None or not reply.text:
                continue  # a failed answer leaves no half-turn behind (templates want user/assistant pairs)
            out.append({"role": "user", "content": turn.user})
            out.append({"role": "assistant", "content": reply.text})
        out.append({"role": "user", "content": user})
        return out

    def add(self, user: str, replies: dict[str, Reply], sampling: Sampling,
            columns: dict[str, dict[str, Any]] | None = None) -> Turn:
        turn = Turn(user=user, replies=replies, sampling=sampling.to_dict(), columns=columns)
        self.turns.append(turn)
        return turn

    def clear(self) -> None:
        self.turns.clear()
        self.started = time.time()


def run_columns(jobs: list[tuple[str, Backend, list[dict[str, str]]]], sampling: Sampling, stopper: Stopper,
                on_piece: Callable[[str, str], None] | None = None,
                on_done: Callable[[str, Reply], None] | None = None) -> dict[str, Reply]:
    """Answers every (column, backend, messages) job. Jobs on one model take turns in the given order
    (base, then tuned); jobs on different backends run at the same time. Errors end up in
    `Reply.error`; this never raises for a backend's failure."""
    if sampling.seed is None:
        # One seed for the whole turn: both sides sample with the same random draws.
        sampling = Sampling(sampling.temperature, sampling.top_p, sampling.max_new_tokens,
                            int.from_bytes(os.urandom(4), "little"))
    replies = {column: Reply() for column, _, _ in jobs}
    groups: dict[int, list[tuple[str, Backend, list[dict[str, str]]]]] = {}
    for job in jobs:
        key = id(job[1].exclusive) if job[1].exclusive is not None else id(job)
        groups.setdefault(key, []).append(job)

    def run_group(group: list[tuple[str, Backend, list[dict[str, str]]]]) -> None:
        for column, backend, messages in group:
            reply = replies[column]
            if stopper.stopped:
                reply.stopped, reply.finish = True, "stopped"
            else:
                try:
                    for piece in backend.stream(messages, sampling, stopper, reply):
                        if on_piece:
                            on_piece(column, piece)
                except ChatError as exc:
                    reply.error, reply.finish = exc, "error"
                except Exception as exc:  # never a traceback in the pane: say what broke
                    reply.error = ChatError(f"{type(exc).__name__}: {exc}", "This looks like a bug in tunewiz.")
                    reply.finish = "error"
            if on_done:
                on_done(column, reply)

    threads = [threading.Thread(target=run_group, args=(g,), daemon=True) for g in list(groups.values())[1:]]
    for thread in threads:
        thread.start()
    if groups:
        run_group(next(iter(groups.values())))
    for thread in threads:
        thread.join()
    return replies


# -- transcripts ---------------------------------------------------------------------------------
def transcript_path(run_dir: str | Path | None, started: float, runs_dir: str | Path | None = None) -> Path:
    """`<run>/transcripts/chat-<time>.jsonl`; chats without a run go under `<runs_dir>/transcripts/`."""
    folder = Path(run_dir) if run_dir else (Path(runs_dir) if runs_dir else runs.default_runs_dir())
    return folder / TRANSCRIPTS_DIR / f"chat-{time.strftime('%Y%m%d-%H%M%S', time.localtime(started))}.jsonl"


def save_transcript(path: str | Path, conversation: Conversation, columns: dict[str, dict[str, Any]]) -> Path:
    """Writes the whole conversation as JSONL (a `session` line, then one `turn` line per prompt).

    Rewritten atomically on each save, so saving twice updates one file instead of duplicating turns.
    `columns` maps a column to its backend's `describe()` (the backends at saving time; each turn also
    records those that answered it): URLs and key *names*, never key values."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [{"v": 1, "type": "session", "t": conversation.started, "system": conversation.system,
              "columns": columns}]
    for index, turn in enumerate(conversation.turns):
        line = {"v": 1, "type": "turn", "t": turn.t, "turn": index, "user": turn.user, "sampling": turn.sampling,
                "replies": {column: reply.to_dict() for column, reply in turn.replies.items()}}
        if turn.columns is not None:
            line["columns"] = turn.columns
        lines.append(line)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    os.replace(tmp, path)
    return path


# -- sharing the GPU with a training run --------------------------------------------------------
@dataclass
class Trainer:
    pid: int
    run: str
    cuda_visible: str | None       # the trainer's CUDA_VISIBLE_DEVICES (None: unset or unreadable)
    env_known: bool = True


def active_trainers(runs_dir: str | Path | None = None) -> list[Trainer]:
    """Live tunewiz trainers: the active runs under `runs_dir`, and any other `engine.train.run`
    process of this machine (a run started from another folder still uses the GPU)."""
    found: dict[int, str] = {}
    for info in runs.list_runs(runs_dir):
        if info.state in runs.ACTIVE_STATES:
            pid = (runs.read_status(info.path) or {}).get("pid")
            if runs.is_trainer_process(pid):
                found[pid] = info.name
    proc = Path("/proc")
    if proc.is_dir():
        for entry in proc.iterdir():
            if not entry.name.isdigit() or int(entry.name) in found or int(entry.name) == os.getpid():
                continue
            try:
                cmdline = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"engine.train.run" in cmdline and runs.pid_alive(int(entry.name)):
                run = next((Path(a.decode(errors="replace")).name for a in cmdline[cmdline.index(b"engine.train.run") + 1:]
                            if a and not a.startswith(b"-")), "?")
                found[int(entry.name)] = run
    out = []
    for pid, run in sorted(found.items()):
        try:
            env = dict(item.split(b"=", 1) for item in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
                       if b"=" in item)
            visible = env.get(b"CUDA_VISIBLE_DEVICES")
            out.append(Trainer(pid, run, visible.decode() if visible is not None else None))
        except OSError:
            out.append(Trainer(pid, run, None, env_known=False))
    return out


def gpu_sharing_warning(runs_dir: str | Path | None = None, trainers: list[Trainer] | None = None,
                        gpus_for: Callable[[dict[str, str]], list[Any]] | None = None) -> str | None:
    """A warning when a training run uses the GPU this chat will load onto (None when there is none).

    GPUs are compared by UUID as each process sees them through its own CUDA_VISIBLE_DEVICES, so
    index renumbering cannot hide a shared card. `trainers` and `gpus_for` are injectable for tests."""
    trainers = active_trainers(runs_dir) if trainers is None else trainers
    if not trainers:
        return None
    if gpus_for is None:
        from engine.hardware import detect_gpus

        def gpus_for(env: dict[str, str]) -> list[Any]:
            return detect_gpus(env=env)[0]
    ours = gpus_for(dict(os.environ))
    names = ", ".join(f"{t.run} (pid {t.pid})" for t in trainers)
    if not ours:
        return (f"Training run {names} is running on this machine: chat and training share the CPU, "
                "so both will be slower.")
    mine = ours[0]  # chat loads onto CUDA device 0 of this process
    base_env = {k: v for k, v in os.environ.items() if k != "CUDA_VISIBLE_DEVICES"}
    for trainer in trainers:
        env = dict(base_env)
        if trainer.cuda_visible is not None:
            env["CUDA_VISIBLE_DEVICES"] = trainer.cuda_visible
        theirs = {g.uuid for g in gpus_for(env)}
        if mine.uuid in theirs:
            maybe = "" if trainer.env_known else " probably"
            return (f"Training run {trainer.run} (pid {trainer.pid}) is{maybe} using the same GPU "
                    f"({mine.name}, GPU {mine.index}, {mine.free_gb:.1f} GiB free). Chatting there slows "
                    "training and can run it out of memory; chat after it ends, or start tunewiz with "
                    "CUDA_VISIBLE_DEVICES set to another GPU.")
    return None
