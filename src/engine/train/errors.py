"""Errors of the training subprocess (a module of its own: `run.py` also runs as __main__), and how
to tell running out of memory from other failures (the trainer and chat both need to)."""
from __future__ import annotations

import sys
from typing import Any


class TrainingError(Exception):
    """A failure with a message and advice a user can act on (no traceback needed); `code` and `params`
    (when given) go into the `end` event beside the English, for screens that say it their own way."""

    def __init__(self, message: str, advice: str, code: str | None = None,
                 params: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.advice = advice
        self.code = code
        self.params = params


def coded_failure(code: str, **params: Any) -> TrainingError:
    """A TrainingError whose message and advice are the registered `end.<code>` and `end.<code>.advice`
    (engine/train/end_messages.py), with the code and params for the end event."""
    from engine.train.end_messages import ending
    error, advice, _ = ending(code, **params)
    return TrainingError(error.text if error else code, advice.text if advice else "", code=code, params=params)


def is_oom(exc: BaseException) -> bool:
    """Whether `exc` is running out of memory: torch's `OutOfMemoryError` (or a class of that name),
    or an error whose message says "out of memory" (older torch and some CUDA paths raise a plain
    RuntimeError such as "CUDA out of memory. Tried to allocate ...")."""
    # An OOM is raised by torch, so torch is already imported when it matters; this module stays light.
    torch = sys.modules.get("torch")
    oom_class = getattr(torch, "OutOfMemoryError", None) if torch is not None else None
    if isinstance(oom_class, type) and isinstance(exc, oom_class):
        return True
    return "out of memory" in str(exc).lower() or "OutOfMemoryError" in type(exc).__name__


# -- out of memory: concrete next settings ----------------------------------------------------------------
VRAM_HOOK: list[float] = []  # test-only (engine/train/faults.py): the GPU size in GB an OOM plans for


def oom_levers(config: Any) -> dict[str, Any]:
    """The general ways to need less memory, with this run's values (a list of parts: end.lever.*)."""
    from engine.message_parts import part, parts
    tips = [part("end.lever.batch", batch_size=config.batch_size), part("end.lever.length", max_length=config.max_length)]
    if not config.gradient_checkpointing:
        tips.append(part("end.lever.checkpointing"))
    if config.method in ("lora", "full", "cpt"):
        tips.append(part("end.lever.qlora"))
    tips.append(part("end.lever.estimate"))
    return parts(tips)


def gpu_size_gb() -> float | None:
    """The training GPU's memory in GB (GiB), or None without one."""
    if VRAM_HOOK:
        return VRAM_HOOK[0]
    torch = sys.modules.get("torch")
    try:
        if torch is not None and torch.cuda.is_available():
            return round(torch.cuda.get_device_properties(torch.cuda.current_device()).total_memory / 2**30, 2)
    except Exception:  # a broken CUDA state after the OOM must not hide the ending
        return None
    return None


def oom_ending(config: Any, config_file: Any, detail: str = "") -> tuple[str, str, dict[str, Any]]:
    """(error, advice, end-event fields) for a run that ran out of GPU memory: the estimator's next settings
    (engine.memory.propose_after_oom) as text and as `retry_settings` (RunConfig keys → values, what
    `--set` takes), plus code "oom-retry" and its params (the messages `end.oom-retry` and its advice).
    Without a model the estimator knows, the general levers only (code "oom"). `detail`: the first line
    of torch's message."""
    from engine.train.end_messages import ending
    params: dict[str, Any] = {"batch_size": config.batch_size, "max_length": config.max_length,
                              "method": config.method, "detail": detail, "levers": oom_levers(config)}
    try:
        plan = _plan(config)
    except Exception as exc:  # no spec (a hub model offline, an odd config.json): say what is known
        print(f"[info] no estimate for the next settings: {type(exc).__name__}: {exc}", flush=True)
        plan = None
    if plan is None or not plan.settings:
        error, advice, fields = ending("oom", **params)
        return str(error), str(advice), fields
    from engine.message_parts import part
    sets = " ".join(f"--set {key}={str(value).lower() if isinstance(value, bool) else value}"
                    for key, value in plan.settings.items())
    params.update(plan.to_params(), lead=part("end.part.lead-fits" if plan.fits else "end.part.lead-lightest"),
                  plan=plan.describe_part(), config=str(config_file), sets=sets)
    error, advice, fields = ending("oom-retry", **params)
    fields["retry_settings"] = dict(plan.settings)
    return str(error), str(advice), fields


def _plan(config: Any) -> Any:
    from engine.catalog import resolve_model_spec, spec_from_config
    from engine.memory import propose_after_oom
    try:
        spec = resolve_model_spec(config.model, online=False)
    except LookupError:
        from transformers import AutoConfig  # a hub model already in the local cache
        loaded = AutoConfig.from_pretrained(config.model, local_files_only=True,
                                            trust_remote_code=config.trust_remote_code)
        spec = spec_from_config(loaded.to_dict(), config.model, f"cached config of {config.model}")
    precision = config.precision if config.precision != "auto" else "bf16"
    targets = config.lora.target_modules if config.uses_lora else None
    return propose_after_oom(spec, config.method, config.batch_size, config.grad_accum, config.max_length,
                             config.gradient_checkpointing, lora_r=config.lora.r, lora_targets=targets,
                             precision=precision, vram_gb=gpu_size_gb(), lora_dropout=config.lora.dropout,
                             padded=not config.packing)
