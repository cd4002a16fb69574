"""Picking a dataset file: a directory tree that lists only dataset files, and path completion for the Input."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from textual.suggester import Suggester
from textual.widgets import DirectoryTree

DATASET_SUFFIXES = (".json", ".jsonl", ".txt")
# Folders nobody keeps datasets in, and that can be huge.
SKIP_DIRS = {"node_modules", "__pycache__", ".git", ".venv", "venv", ".mypy_cache", ".pytest_cache"}


def is_dataset_file(path: Path) -> bool:
    return path.suffix.lower() in DATASET_SUFFIXES


class DatasetTree(DirectoryTree):
    """Folders and .json/.jsonl/.txt files; hidden entries are left out."""

    def filter_paths(self, paths: Iterable[Path]) -> Iterable[Path]:
        out = []
        for p in paths:
            if p.name.startswith(".") or p.name in SKIP_DIRS:
                continue
            try:
                if p.is_dir() or is_dataset_file(p):
                    out.append(p)
            except OSError:  # a broken link or a folder we may not read
                continue
        return out


class PathSuggester(Suggester):
    """Completes the typed path from the file system: folders, and dataset files."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

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
            if not is_dir and not is_dataset_file(full):
                continue
            # Keep what the user typed (e.g. "~/") and complete only the last part.
            return value[: len(value) - len(stem)] + name + (os.sep if is_dir else "")
        return None
