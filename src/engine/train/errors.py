"""Errors of the training subprocess (a module of its own: `run.py` also runs as __main__), and how
to tell running out of memory from other failures (the trainer and chat both need to)."""
from __future__ import annotations

import sys


class TrainingError(Exception):
    """A failure with a message and advice a user can act on (no traceback needed)."""

    def __init__(self, message: str, advice: str) -> None:
        super().__init__(message)
        self.advice = advice


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
