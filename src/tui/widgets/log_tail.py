"""The tail of train.log: the last lines that fit, nothing more.

Not Textual's `Log`: a `Log` grows its virtual size with every line, and that asks the whole screen
for a new layout — on a 200x60 monitor that was most of the app's CPU while a run logs a line a
step. A tail has a fixed size, so new lines only repaint this widget. The whole log is the file.

Python warnings raised inside installed libraries (`.../site-packages/x.py:12: FutureWarning: ...
deprecated and will be removed in v6`, and the source line Python prints under each) would fill the
panel: they are counted into one line at its top, and the rest shows the user's and tunewiz's lines.
train.log keeps them whole.
"""
from __future__ import annotations

import re
from collections import deque
from typing import Iterable

from rich.text import Text
from textual.widget import Widget

from tui.i18n import t

# How Python's warnings module prints a warning: "FILE:LINE: CATEGORY: message".
WARNING_LINE = re.compile(r"^(?P<file>\S.*?\.py):\d+: (?P<category>[A-Za-z_]*Warning): ")
LIBRARY_PATHS = ("site-packages", "dist-packages")


def is_library_warning(line: str) -> bool:
    """A warning raised inside an installed package (not by tunewiz or the user's own code)."""
    match = WARNING_LINE.match(line)
    return bool(match) and any(part in match.group("file") for part in LIBRARY_PATHS)


class LogTail(Widget):
    def __init__(self, placeholder: str = "", max_lines: int = 500, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: deque[str] = deque(maxlen=max_lines)
        self._placeholder = placeholder
        self._in_warning = False  # the previous line was a library warning: its indented source line follows
        self.library_warnings = 0
        """Library warnings left out of the panel (since the last clear)."""

    @property
    def lines(self) -> list[str]:
        return list(self._lines)

    def write_lines(self, lines: Iterable[str]) -> None:
        for line in lines:
            if is_library_warning(line):
                self.library_warnings += 1
                self._in_warning = True
                continue
            if self._in_warning and line[:1].isspace():
                continue  # "  warnings.warn(" under the warning
            self._in_warning = False
            self._lines.append(line.expandtabs(4))
        self.refresh()

    def clear(self) -> None:
        self._lines.clear()
        self.library_warnings = 0
        self._in_warning = False
        self.refresh()

    def render(self) -> Text:
        height = max(1, self.size.height)
        text = Text(no_wrap=True, overflow="ellipsis", end="")
        if self.library_warnings:
            text.append(t("monitor.log.library_warnings", count=self.library_warnings), style="dim italic")
            height -= 1
            if self._lines and height > 0:
                text.append("\n")
        if not self._lines:
            if not self.library_warnings:
                text.append(self._placeholder, style="dim")
            return text
        if height > 0:
            text.append("\n".join(list(self._lines)[-height:]))
        return text
