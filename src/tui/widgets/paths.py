"""Completes a typed file path from the folder it names (tab or → accepts, like a shell)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from textual.suggester import Suggester


class PathSuggester(Suggester):
    """Suggests the first entry of the named folder that starts with what was typed: folders always
    (with a trailing separator), files when `accept_file` says yes (every file by default). Hidden
    entries only when the typed name starts with a dot; what the user typed (e.g. "~/") is kept."""

    def __init__(self, accept_file: Callable[[Path], bool] | None = None) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.accept_file = accept_file

    async def get_suggestion(self, value: str) -> str | None:
        if not value or value.endswith(os.sep + os.sep):
            return None
        expanded = os.path.expanduser(value)
        folder, _, stem = expanded.rpartition(os.sep)
        base = Path(folder or ".") if folder or not expanded.startswith(os.sep) else Path(os.sep)
        try:
            names = sorted(os.listdir(base))
        except OSError:
            return None
        for name in names:
            if not name.startswith(stem) or name == stem or (name.startswith(".") and not stem.startswith(".")):
                continue
            full = base / name
            try:
                is_dir = full.is_dir()
            except OSError:
                continue
            if not is_dir and self.accept_file is not None and not self.accept_file(full):
                continue
            return value[: len(value) - len(stem)] + name + (os.sep if is_dir else "")
        return None
