"""The tail of train.log: the last lines that fit, nothing more.

Not Textual's `Log`: a `Log` grows its virtual size with every line, and that asks the whole screen
for a new layout — on a 200x60 monitor that was most of the app's CPU while a run logs a line a
step. A tail has a fixed size, so new lines only repaint this widget. The whole log is the file.
"""
from __future__ import annotations

from collections import deque
from typing import Iterable

from rich.text import Text
from textual.widget import Widget


class LogTail(Widget):
    def __init__(self, placeholder: str = "", max_lines: int = 500, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._lines: deque[str] = deque(maxlen=max_lines)
        self._placeholder = placeholder

    @property
    def lines(self) -> list[str]:
        return list(self._lines)

    def write_lines(self, lines: Iterable[str]) -> None:
        self._lines.extend(line.expandtabs(4) for line in lines)
        self.refresh()

    def clear(self) -> None:
        self._lines.clear()
        self.refresh()

    def render(self) -> Text:
        if not self._lines:
            return Text(self._placeholder, style="dim")
        height = max(1, self.size.height)
        shown = list(self._lines)[-height:]
        return Text("\n".join(shown), no_wrap=True, overflow="ellipsis", end="")
