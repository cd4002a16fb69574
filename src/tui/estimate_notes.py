"""The estimator's notes (engine.memory.Estimate.notes) in the user's language: a note made by the estimator
(engine.estimate_messages.Note) is said from its code and params; a plain English note (a model spec's own,
engine/catalog.py) is shown as it is."""
from __future__ import annotations

from typing import Any

from tui.messages import message_text


def note_text(note: Any) -> str:
    """One note in the current language (its English where the catalog has no translation)."""
    code, params = getattr(note, "code", None), getattr(note, "params", None)
    if isinstance(code, str) and isinstance(params, dict):
        return message_text(code, params, str(note))
    return str(note)
