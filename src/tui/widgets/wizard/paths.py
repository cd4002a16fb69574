"""Completes a typed file path from the folder it names (tab or → accepts, like a shell)."""
from __future__ import annotations

import os
from pathlib import Path

from textual.suggester import Suggester


class PathSuggester(Suggester):
    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        if not value or value.endswith(os.sep + os.sep):
            return None
        expanded = os.path.expanduser(value)
        folder, _, prefix = expanded.rpartition(os.sep)
        base = Path(folder or ".") if folder or not expanded.startswith(os.sep) else Path(os.sep)
        try:
            names = sorted(entry.name for entry in os.scandir(base) if entry.name.startswith(prefix)
                           and (prefix.startswith(".") or not entry.name.startswith(".")))
        except OSError:
            return None
        if not names or names[0] == prefix:
            return None
        name = names[0]
        suffix = os.sep if (base / name).is_dir() else ""
        return value[: len(value) - len(prefix)] + name + suffix
