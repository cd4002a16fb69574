"""Errors of the training subprocess (a module of its own: `run.py` also runs as __main__)."""
from __future__ import annotations


class TrainingError(Exception):
    """A failure with a message and advice a user can act on (no traceback needed)."""

    def __init__(self, message: str, advice: str) -> None:
        super().__init__(message)
        self.advice = advice
