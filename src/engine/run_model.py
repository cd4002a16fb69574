"""A run's weights on disk and in memory: which weights to use (final adapter or model, or a
checkpoint), which base model they belong to, and loading them with transformers and peft.

Chat (`engine.chat`) and export (`engine.export`) both load runs through here. Every problem a user
can act on is a `ModelLoadError` whose message says where it looked and whose advice says what to do.

Nothing here imports torch, transformers or peft at module level (start-up stays fast), and
nothing imports textual.
"""
from __future__ import annotations

import json
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from engine import runs
from engine.message_parts import part, parts
from engine.methods import ADAPTER_METHODS
from engine.train.errors import is_oom

# (fraction 0..1 or None when unknown, message)
Progress = Callable[[float | None, str], None]


class ModelLoadError(Exception):
    """A problem the user can act on: `message` says what, `advice` says what to do.

    Chat raises it for its own problems too, under the name `engine.chat.ChatError` (the same class)."""

    def __init__(self, message: str, advice: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.advice = advice

    def __str__(self) -> str:
        return f"{self.message}\n{self.advice}" if self.advice else self.message

    @classmethod
    def coded(cls, name: str, **params: Any) -> "ModelLoadError":
        """The registered message `load.<name>` and its advice `load.<name>.advice` (engine/load_messages.py): the
        English as `message` and `advice`, and `message_code` + `params` for the user's language."""
        from engine import load_messages  # noqa: F401  (registers the load.* codes)
        from engine.messages import english
        error = cls(english(f"load.{name}", params), english(f"load.{name}.advice", params))
        error.message_code, error.params = f"load.{name}", params
        return error


# -- which weights, which base ----------------------------------------------------------------
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
    tuning: str = ""              # how the weights trained: the method, or dpo.tuning for a dpo run (lora |
                                  # qlora | full): "qlora" means a 4-bit base, whatever the method

    def __post_init__(self) -> None:
        self.tuning = self.tuning or self.method

    @property
    def label(self) -> str:
        return f"{self.name} ({self.checkpoint})" if self.checkpoint else self.name


def _read_config(run_dir: Path) -> dict[str, Any]:
    """The run's config with defaults filled in; tolerant of a config written by another version."""
    import yaml
    try:
        raw = yaml.safe_load((run_dir / runs.CONFIG_FILE).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
        raise ModelLoadError.coded("config-unreadable", path=str(run_dir / runs.CONFIG_FILE), error=str(exc)) from None
    if not isinstance(raw, dict):
        raise ModelLoadError.coded("config-not-mapping", path=str(run_dir / runs.CONFIG_FILE))
    dpo = raw.get("dpo") if isinstance(raw.get("dpo"), dict) else {}
    method = raw.get("method", "lora")
    return {"model": raw.get("model", "demo"), "method": method,
            # which weights the run saved: the method, or for dpo how it tuned (adapter or whole model)
            "tuning": dpo.get("tuning", "lora") if method == "dpo" else method,
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
        raise ModelLoadError.coded("no-checkpoint" if have else "no-checkpoint-none", run=run_dir.name,
                                   checkpoint=checkpoint, folder=str(folder), listed=have)
    return folder


def _weights(run_dir: Path, config: dict[str, Any], checkpoint: str | None) -> tuple[str, Path, str | None, list[str]]:
    """(kind, weights folder, checkpoint name or None, notes); raises ModelLoadError when there are none yet."""
    info = runs.run_info(run_dir)
    method = str(config["method"])
    kind = "adapter" if str(config.get("tuning", method)) in ADAPTER_METHODS else "model"
    final = Path(config["output_dir"]) if config["output_dir"] else \
        run_dir / (runs.ADAPTER_DIR if kind == "adapter" else runs.MODEL_DIR)
    present = _has_adapter if kind == "adapter" else _has_model
    if checkpoint:
        weights = _checkpoint_folder(run_dir, checkpoint)
        if not present(weights):
            raise ModelLoadError.coded("no-adapter-weights" if kind == "adapter" else "no-model-weights",
                                       weights=str(weights))
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
    except ModelLoadError as exc:
        return None, exc.message
    return (checkpoint or kind), ""


def locate_run_model(run_dir: str | Path, checkpoint: str | None = None, base: str | None = None) -> RunModel:
    """Finds the weights to chat with (final adapter/model, or a checkpoint) and the base model.

    Raises ModelLoadError when the run has nothing to chat with yet or its base model cannot be found;
    the message says where it looked and how to point at the right place.
    """
    run_dir = Path(run_dir).resolve()
    if not runs.is_run_dir(run_dir):
        raise ModelLoadError.coded("not-a-run", path=str(run_dir), config=runs.CONFIG_FILE)
    config = _read_config(run_dir)
    kind, weights, chosen_checkpoint, notes = _weights(run_dir, config, checkpoint)
    base_model, source = _find_base(run_dir, config, weights, kind, base)
    return RunModel(run_dir=run_dir, name=run_dir.name, method=str(config["method"]), tuning=str(config["tuning"]),
                    kind=kind, weights=weights,
                    base=base_model, base_source=source, trust_remote_code=config["trust_remote_code"],
                    precision=str(config["precision"]), checkpoint=chosen_checkpoint,
                    state=runs.run_info(run_dir).state, notes=notes)


def _nothing_yet(run_dir: Path, info: runs.RunInfo, kind: str, final: Path, save_steps: Any) -> ModelLoadError:
    if info.state in runs.ACTIVE_STATES:
        at = part("load.part.at-step-of", step=info.step or 0, total=info.total_steps) if info.total_steps else \
            part("load.part.at-step", step=info.step or 0)
        name = ("no-adapter-yet" if kind == "adapter" else "no-model-yet") + ("" if save_steps else "-plain")
        every = {"every": part("load.part.every", steps=save_steps)} if save_steps else {}
        return ModelLoadError.coded(name, run=run_dir.name, state=info.state, at=at, **every)
    if info.state in ("failed", "oom", "crashed"):
        # The ending's own messages (its end event's code) where it has them, so they follow the user's language.
        code, end_params = runs.run_ending(run_dir, info.state)
        error = _ending_part(code, "", end_params, info.error)
        advice = _ending_part(code, ".advice", end_params, info.advice)
        name = ("ended-before-adapter" if kind == "adapter" else "ended-before-model") + ("" if error else "-plain")
        return ModelLoadError.coded(name, run=run_dir.name, state=info.state, error=error or "",
                                    advice=advice or part("load.part.see-log", log=str(run_dir / runs.LOG_FILE)))
    return ModelLoadError.coded("no-adapter" if kind == "adapter" else "no-model", run=run_dir.name, final=str(final),
                                run_dir=str(run_dir))


def _ending_part(code: str | None, suffix: str, params: Any, stored: str | None) -> Any:
    """The ending's message `end.<code><suffix>` as a part, where the run recorded that text and its params fit this
    tunewiz's template; else the stored English (a run written by another version)."""
    if code and stored:
        from engine.messages import english
        try:
            english(f"end.{code}{suffix}", params)
            return part(f"end.{code}{suffix}", **params)
        except (KeyError, IndexError, ValueError, TypeError):
            pass
    return stored


def _find_base(run_dir: Path, config: dict[str, Any], weights: Path, kind: str,
               override: str | None) -> tuple[str, str]:
    """(base model, where it came from). Order: the explicit override, the run's config, the adapter's
    own record of its base. Local folders must exist and hold config.json; hub ids are tried as given."""
    looked: list[dict[str, Any]] = []   # load.part.looked-* parts
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
                raise ModelLoadError.coded("demo-missing", run=run_dir.name, detail=str(exc)) from None
        candidates.append((model, f"{runs.CONFIG_FILE} `model`"))
        recorded = recorded_base(weights) if kind == "adapter" else None
        if recorded and recorded != model:
            candidates.append((recorded, "adapter_config.json `base_model_name_or_path`"))
    for candidate, source in candidates:
        if _looks_local(candidate):
            path = Path(candidate).expanduser()
            if path.is_dir() and _has_model(path):
                return str(path.resolve()), source
            looked.append(part("load.part.looked-no-config" if path.exists() else "load.part.looked-missing",
                               path=str(path), source=source))
        else:
            return candidate, source  # a hub id: loading says whether it is in the cache or reachable
    raise ModelLoadError.coded("base-not-found", run=run_dir.name, where=parts(looked, "\n"))


def recorded_base(adapter_dir: Path) -> str | None:
    """The base model an adapter records it was trained on (adapter_config.json), if any."""
    try:
        value = json.loads((adapter_dir / "adapter_config.json").read_text()).get("base_model_name_or_path")
    except (OSError, ValueError):
        return None
    return value if isinstance(value, str) and value else None


# -- loading ----------------------------------------------------------------------------------
def pick_dtype(precision: str, on_gpu: bool, torch: Any) -> str:
    """The dtype ("bf16" | "fp16" | "fp32") to load in for the run's `precision` on this device."""
    if not on_gpu:
        return "fp32"  # CPU matmuls in 16-bit are slow and bf16 sampling differs; fp32 is the honest base
    if precision in ("bf16", "fp16", "fp32"):
        return "fp16" if precision == "bf16" and not torch.cuda.is_bf16_supported() else precision
    return "bf16" if torch.cuda.is_bf16_supported() else "fp16"


def weights_size(model: str) -> int | None:
    """Bytes of a local model folder's weight files; None for a hub id or a folder without weights."""
    folder = Path(model).expanduser()
    if not folder.is_dir():
        return None
    return sum(p.stat().st_size for p in folder.glob("*.safetensors")) or \
        sum(p.stat().st_size for p in folder.glob("*.bin")) or None


class LoadProgress:
    """Reports transformers' weight-loading loop as progress. transformers 5 walks the parameters in
    `core_model_loading` under a tqdm bar; that bar is the only hook into a long (minutes for 7B+)
    load, so it is swapped for this one while we load. Where the hook is missing (another
    transformers version), loading simply reports its stages."""

    _lock = threading.Lock()

    def __init__(self, start: float, end: float, say: Progress, label: str) -> None:
        self.start, self.end, self.say, self.label = start, end, say, label

    def __enter__(self) -> "LoadProgress":
        self._lock.acquire()
        try:
            import transformers.core_model_loading as loading
            self.module, self.original = loading, getattr(loading, "tqdm", None)
        except ImportError:
            self.module = self.original = None
        from engine import upstream
        if self.original is not None and upstream.mismatch("transformers.loading_tqdm"):
            self.module = self.original = None  # the hook changed shape: report the stages only
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


def load_causal_lm(source: str, kwargs: dict[str, Any], target: RunModel, start: float, end: float,
                   say: Progress) -> Any:
    """`AutoModelForCausalLM.from_pretrained(source, **kwargs)`, reporting progress from `start` to `end`;
    a missing model, code the run does not trust or running out of memory is a ModelLoadError."""
    from transformers import AutoModelForCausalLM
    try:
        with LoadProgress(start, end, say, f"loading {Path(source).name or source}"):
            return AutoModelForCausalLM.from_pretrained(source, **kwargs)
    except ValueError as exc:
        if "trust_remote_code" in str(exc):
            raise ModelLoadError.coded("remote-code", source=source) from None
        raise ModelLoadError.coded("cannot-load", source=source, error=str(exc).splitlines()[0],
                                   base_source=target.base_source) from None
    except OSError as exc:
        raise ModelLoadError.coded("cannot-load-model", source=source, error=str(exc).splitlines()[0],
                                   base_source=target.base_source) from None
    except Exception as exc:
        if is_oom(exc):
            raise ModelLoadError.coded("oom-loading", source=source) from None
        raise


def attach_adapter(base: Any, target: RunModel) -> Any:
    """PeftModel over `base`. A base of another shape or architecture is a clear ModelLoadError."""
    from peft import PeftModel
    trained_on = recorded_base(target.weights)
    unknown = "" if trained_on else "-unknown"   # adapter_config.json names no base

    def mismatch(error: str) -> ModelLoadError:
        return ModelLoadError.coded(f"adapter-mismatch{unknown}", weights=str(target.weights), base=target.base,
                                    error=error, trained_on=trained_on)
    try:
        with warnings.catch_warnings():
            # peft asks transformers a deprecated question while attaching; not the user's concern.
            warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
            model = PeftModel.from_pretrained(base, str(target.weights), is_trainable=False)
    except RuntimeError as exc:  # "size mismatch for ...lora_A.weight"
        first = next((line.strip() for line in str(exc).splitlines() if "size mismatch" in line), str(exc).splitlines()[0])
        raise mismatch(first) from None
    except (ValueError, KeyError) as exc:  # target modules missing in this architecture
        raise mismatch(str(exc).splitlines()[0]) from None
    missing = _adapter_keys_not_loaded(model, target.weights)
    if missing:
        raise ModelLoadError.coded(f"adapter-layers-missing{unknown}", weights=str(target.weights), base=target.base,
                                   missing=len(missing), example=missing[0], trained_on=trained_on)
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
