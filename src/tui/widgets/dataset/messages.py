"""Typed messages the dataset screen's workers post back (workers never touch widgets).

Every message carries the `generation` of the load that produced it: opening another file, or
changing the target, starts a new generation, and messages of an older one are dropped.
"""
from __future__ import annotations

from typing import Any

from textual.message import Message


class LoadProgress(Message):
    """How far a long step has got: phase (index, tokenizer, scan, tokens, fix), done of total (0 = unknown)."""

    def __init__(self, generation: int, phase: str, done: int, total: int) -> None:
        super().__init__()
        self.generation = generation
        self.phase = phase
        self.done = done
        self.total = total

    def can_replace(self, message: Message) -> bool:
        # A UI that falls behind only needs the newest figure.
        return isinstance(message, LoadProgress)


class SourceReady(Message):
    """The file is readable, its format detected and its rows indexed: the preview can start."""

    def __init__(self, generation: int, source: Any) -> None:
        super().__init__()
        self.generation = generation
        self.source = source


class LintDone(Message):
    """The linter's report for the file."""

    def __init__(self, generation: int, report: Any) -> None:
        super().__init__()
        self.generation = generation
        self.report = report


class LoadFailed(Message):
    """The file cannot be read at all (or something unexpected happened): a message for the user."""

    def __init__(self, generation: int, message: str, code: str) -> None:
        super().__init__()
        self.generation = generation
        self.message = message
        self.code = code


class PageReady(Message):
    """Rows for the preview, and which row to put the cursor on."""

    def __init__(self, generation: int, serial: int, page: int, rows: list, focus_index: int | None,
                 focus_message: int | None, at_end: bool) -> None:
        super().__init__()
        self.generation = generation
        self.serial = serial
        self.page = page
        self.rows = rows
        self.focus_index = focus_index
        self.focus_message = focus_message
        self.at_end = at_end


class FixWritten(Message):
    """`--fix` wrote its files (result) or failed (error)."""

    def __init__(self, result: Any | None, error: str | None) -> None:
        super().__init__()
        self.result = result
        self.error = error
