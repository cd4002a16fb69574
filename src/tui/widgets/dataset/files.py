"""Picking a dataset file: a directory tree that lists only dataset files (path completion: tui.widgets.paths)."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

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
