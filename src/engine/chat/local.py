"""Chat with a run's own weights: its base model and its tuned adapter side by side.

One model load serves both sides. The adapter is attached to the base once (peft's `PeftModel`); the
base side runs with the adapter disabled — peft's `disable_adapter()` switch, which routes every LoRA
layer through its frozen base weights only (flipped directly on the LoRA layers, see `_adapters_off`,
because the context manager itself costs tens of milliseconds per call). So "base" is exactly the
base model, bit for bit, and the weights sit in memory once, not twice.
The two sides share the model, so they take turns (a lock).

Tokens stream through transformers' `TextIteratorStreamer`: `generate` runs in its own thread and the
caller iterates text pieces as they are decoded. A `Stopper` ends a generation at the next token
(a stopping criterion).

Nothing here imports torch, transformers or peft at module level (start-up stays fast).
"""
from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from engine import runs
from engine.chat.session import ChatError, Reply, Sampling, Stopper
from engine.run_model import (Progress, RunModel, attach_adapter, load_causal_lm, pick_dtype,
                              recorded_base, weights_size)
from engine.train.errors import is_oom

# Special tokens that end an assistant turn in common chat templates; generation stops on any of them
# that the tokenizer knows, even where a model's generation_config lists only the document end token.
END_OF_TURN_TOKENS = ("<|im_end|>", "<|eot_id|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "</s>",
                      "<|user|>", "<|observation|>")


# -- generation helpers -------------------------------------------------------------------------
def _make_streamer(tokenizer: Any, timeout: float | None = None) -> Any:
    """A TextIteratorStreamer that counts generated tokens and hands text on at once.

    The stock streamer holds back symbols and punctuation until the next space (so a console does not
    print half of some formatting); the first piece of an answer that opens with "**" or "1." then
    waits a whole decode step. Here every token's text goes out as soon as it decodes to complete
    characters; only an unfinished multi-byte character (decoded as U+FFFD) waits for its rest."""
    from transformers import TextIteratorStreamer

    from engine import upstream

    if upstream.mismatch("transformers.streamer_state"):
        # Another transformers: its streamer's state is not what the eager put() below relies on, so
        # count tokens around the stock put() (text then waits for the next space, as stock does).
        class CountingStreamer(TextIteratorStreamer):
            def __init__(self) -> None:
                super().__init__(tokenizer, skip_prompt=True, timeout=timeout, skip_special_tokens=True)
                self.tokens = 0
                self.prompt_seen = False

            def put(self, value: Any) -> None:
                if self.prompt_seen:
                    self.tokens += int(value.numel())
                self.prompt_seen = True
                super().put(value)

        return CountingStreamer()

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


def render_messages(tokenizer: Any, messages: list[dict[str, str]],
                    template_kwargs: dict[str, Any] | None = None) -> tuple[list[dict[str, str]], str | None]:
    """Messages the chat template accepts. Templates without a system role get the system prompt at the
    start of the first user message instead (with a note), rather than failing. `template_kwargs` go to the
    template (the run's `enable_thinking`)."""
    try:
        tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True, **(template_kwargs or {}))
        return messages, None
    except Exception as exc:  # jinja2 TemplateError, raised by the template's own raise_exception
        if not messages or messages[0]["role"] != "system" or len(messages) < 2:
            raise ChatError.coded("template-rejected", error=str(exc)) from None
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
        # What the chat template gets besides the messages: the run's recorded `enable_thinking`
        # (chat_template.json), so both sides are prompted exactly as training rendered its data.
        self.template_kwargs: dict[str, Any] = {}
        # The recorded thinking setting when the template has a thinking switch (None otherwise): for display.
        self.thinking: bool | None = None

    # loading
    def load(self, progress: Progress | None = None) -> list[str]:
        """Loads tokenizer, base and adapter. Returns notes for the user. Raises ChatError."""
        say = progress or (lambda fraction, message: None)
        started = time.perf_counter()
        target = self.target
        notes = list(target.notes)
        say(0.02, "loading libraries (torch, transformers, peft)")
        import torch
        from transformers import AutoTokenizer

        on_gpu = torch.cuda.is_available() and self.device_request != "cpu"
        self.device = "cuda" if on_gpu else "cpu"
        self.dtype = pick_dtype(target.precision, on_gpu, torch)
        dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[self.dtype]
        say(0.08, "reading the tokenizer")
        token_source = str(target.weights) if (target.weights / "tokenizer_config.json").is_file() else target.base
        try:
            tokenizer = AutoTokenizer.from_pretrained(token_source, trust_remote_code=target.trust_remote_code)
        except (OSError, ValueError) as exc:
            raise ChatError.coded("cannot-load-tokenizer", source=token_source, error=str(exc).splitlines()[0],
                                  base_source=target.base_source) from None
        if tokenizer.pad_token is None:
            tokenizer.pad_token = tokenizer.eos_token
        from engine.train.tokenize import ensure_chat_template
        if ensure_chat_template(tokenizer):
            notes.append("the model has no chat template; using ChatML, as training did")
        self.tokenizer = tokenizer
        notes.extend(self._render_like_training(tokenizer))

        kwargs: dict[str, Any] = {"dtype": dtype, "trust_remote_code": target.trust_remote_code,
                                  "device_map": {"": 0 if on_gpu else "cpu"}}
        if target.tuning == "qlora":  # a QLoRA run, or a DPO run with dpo.tuning qlora
            from transformers import BitsAndBytesConfig
            # The adapter was trained on the 4-bit NF4 base: chat with that same base.
            kwargs["quantization_config"] = BitsAndBytesConfig(
                load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
                bnb_4bit_compute_dtype=dtype)
            notes.append("QLoRA run: the base is loaded in 4-bit NF4, as in training")
        size = weights_size(target.base)
        size_text = f" ({size / 2**30:.1f} GiB on disk)" if size else ""
        base_fraction = 0.75 if target.kind == "adapter" else 0.45
        say(0.12, f"loading the base model {target.base}{size_text}, {self.dtype} on {self.device.upper()}")
        base = load_causal_lm(target.base, kwargs, target, 0.12, base_fraction, say)
        if target.kind == "adapter":
            say(0.88, f"attaching the adapter {target.weights}")
            self.model = attach_adapter(base, target)
            recorded = recorded_base(target.weights)
            if recorded and Path(recorded.rstrip("/")).name != Path(target.base.rstrip("/")).name:
                # Same shapes load silently; a different model name is worth a look.
                notes.append(f"the adapter was trained on {recorded}; it is attached to {target.base}")
        else:
            self.base_model = base.eval()
            say(0.5, f"loading the tuned model {target.weights} (a whole model: memory for two)")
            self.model = load_causal_lm(str(target.weights), kwargs, target, 0.5, 0.95, say)
            notes.append("whole-model run: base and tuned are two models, so memory is twice one model")
        self.model.eval()
        self.context_length = _context_length(self.model, tokenizer)
        self.end_ids = end_token_ids(tokenizer, self.model)
        self.load_seconds = time.perf_counter() - started
        say(1.0, f"ready in {self.load_seconds:.1f} s")
        return notes

    def _render_like_training(self, tokenizer: Any) -> list[str]:
        """Takes the run's thinking setting from its chat_template.json; notes what the user should know."""
        from engine.train.template import read_record, template_hash
        record = read_record(self.target.run_dir)
        if record is None:
            return []
        self.template_kwargs = {"enable_thinking": record["enable_thinking"]}
        notes = []
        if record.get("thinking_switch"):
            self.thinking = record["enable_thinking"]
            notes.append(f"thinking {'on' if record['enable_thinking'] else 'off'}, as in training "
                         f"(enable_thinking={str(record['enable_thinking']).lower()})")
        recorded = record.get("template_sha256")
        if recorded and recorded != template_hash(tokenizer):
            notes.append("this tokenizer's chat template differs from the one training used; answers may differ")
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
        messages, note = render_messages(self.tokenizer, messages, self.template_kwargs)
        encoded = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True,
                                                     return_dict=True, return_tensors="pt", **self.template_kwargs)
        length = int(encoded["input_ids"].shape[1])
        if self.context_length and length >= self.context_length:
            raise ChatError.coded("context", tokens=length, context=self.context_length)
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

            from engine import upstream
            # Another peft without the flag as we use it: fall back to its public disable_adapter().
            self._tuner_layers = [] if upstream.mismatch("peft.disable_adapters") else [
                m for m in self.model.modules() if isinstance(m, BaseTunerLayer) and hasattr(m, "_disable_adapters")]
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
            raise ChatError.coded("not-loaded")
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


def _context_length(model: Any, tokenizer: Any) -> int | None:
    config = getattr(model, "config", None)
    for holder in (config, getattr(config, "text_config", None)):
        value = getattr(holder, "max_position_embeddings", None) if holder is not None else None
        if isinstance(value, int) and value > 0:
            return value
    value = getattr(tokenizer, "model_max_length", None)
    return value if isinstance(value, int) and 0 < value < 10_000_000 else None


def _generation_error(exc: BaseException, chat: LocalChat) -> ChatError:
    if isinstance(exc, ChatError):
        return exc
    if is_oom(exc):
        return ChatError.coded("oom-generating", device=chat.device.upper())
    return ChatError.coded("generation-failed",
                           error=f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")


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


# -- sharing the GPU with a training run --------------------------------------------------------
def gpu_sharing_warning(runs_dir: str | Path | None = None, trainers: list[runs.Trainer] | None = None,
                        gpus_for: Callable[[dict[str, str]], list[Any]] | None = None) -> str | None:
    """A warning when a training run uses the GPU this chat will load onto (None when there is none).

    GPUs are compared by UUID as each process sees them through its own CUDA_VISIBLE_DEVICES, so
    index renumbering cannot hide a shared card. `trainers` and `gpus_for` are injectable for tests."""
    trainers = runs.active_trainers(runs_dir) if trainers is None else trainers
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
