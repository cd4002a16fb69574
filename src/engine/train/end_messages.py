"""How runs end, in the one registry (engine.messages): the `end` event's `code` names the ending, and its
`params` fill two messages, `end.<code>` (the error) and `end.<code>.advice` (what to do), so the monitor,
`tunewiz watch` and `tunewiz runs` say them in the user's language (the Chinese: tui/i18n/msg_end.py) and
an old events.jsonl without a code still shows its English `error` / `advice`.

`end.part.*`, `end.plan.*`, `end.lever.*` are the parts those messages are built from (engine.message_parts):
the estimator's next settings after an out-of-memory ending and the general ways to need less memory.
Pure data: no heavy imports.
"""
from __future__ import annotations

from typing import Any

from engine.message_parts import composed
from engine.messages import EngineMessage, register

END_MESSAGES: dict[str, str] = {
    # the trainer's own endings (engine/train/run.py)
    "end.failed": "{exception}: {detail}",
    "end.failed.advice": "This looks like a bug or an environment problem; the full traceback is in {log}.",
    "end.stopped.advice": "Stopped on request after a checkpoint; continue with `tunewiz resume {name}`.",
    "end.interrupted.advice": "Resume with `tunewiz resume {name}`.",
    "end.config-invalid": "{header}\n  - {problems}",
    "end.config-invalid.advice": "Fix the config file and start again.",
    "end.workers-unconnected": "{exception}: {detail}",
    "end.workers-unconnected.advice": "The training processes could not connect; see {log}.",
    # out of memory (engine/train/errors.py): the general levers, or the estimator's next settings
    "end.oom": "CUDA out of memory: {detail}",
    "end.oom.advice": "Out of GPU memory: {levers}.",
    "end.oom-retry": "CUDA out of memory: {detail}",
    "end.oom-retry.advice": "Out of GPU memory; {lead}: {plan}. Start it again with them: tunewiz train {config} "
                            "{sets}. Other levers: {levers}.",
    "end.part.lead-fits": "the estimator's next settings",
    "end.part.lead-lightest": "the lightest settings tunewiz can propose",
    "end.part.on": "on",
    "end.part.off": "off",
    "end.lever.batch": "lower batch_size (now {batch_size}; raise grad_accum to keep the effective batch)",
    "end.lever.length": "lower max_length (now {max_length})",
    "end.lever.checkpointing": "turn on gradient_checkpointing",
    "end.lever.qlora": "use method: qlora (4-bit base weights)",
    "end.lever.estimate": "check `tunewiz estimate` for what fits your GPU",
    # engine.memory_retry.RetryPlan.describe
    "end.plan.none": "no setting tunewiz can change lowers the estimate",
    "end.plan": "{changes}{kept}: about {after:.1f} GB instead of {before:.1f} GB{device}",
    "end.plan.change": "{key} {before} → {after}",
    "end.plan.kept": " (effective batch kept)",
    "end.plan.about-same": " (effective batch about the same)",
    "end.plan.device": ", on a {vram:g} GB device",
    "end.plan.device-too-small": ", on a {vram:g} GB device (still too much: use a smaller model or more GPUs)",
}
register(END_MESSAGES)


def ending(code: str, **params: Any) -> tuple[EngineMessage | None, EngineMessage | None, dict[str, Any]]:
    """(error, advice, the end event's `code`/`params` fields) of an ending: each message only where
    `end.<code>` / `end.<code>.advice` is registered."""
    error = composed(f"end.{code}", **params) if f"end.{code}" in END_MESSAGES else None
    advice = composed(f"end.{code}.advice", **params) if f"end.{code}.advice" in END_MESSAGES else None
    return error, advice, {"code": code, "params": params}
