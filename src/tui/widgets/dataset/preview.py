"""The preview table: one page of canonical conversations, one table row per message.

Roles are coloured from the theme, long text is wrapped to the content column (rich wraps by
terminal cells, so CJK text, two cells a character, lines up), and a message longer than a few
lines is cut with an ellipsis. Rows that cannot be read show the start of the raw record and why.
Moving the cursor past the first or last row asks the screen for the neighbouring page.
"""
from __future__ import annotations

import re
from typing import Iterable

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from tui.i18n import t
from tui.messages import text_of

from .source import PreviewRow

ROLE_WIDTH = 9           # "assistant"
MAX_MESSAGE_LINES = 6
MAX_MESSAGE_CHARS = 4000  # a 5 MB line is cut before wrapping: the preview is for reading, not for the whole text
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
ROLE_COLOURS = {"system": "accent", "user": "primary", "assistant": "success", "tool": "warning", "text": "secondary"}
MARKS = {"error": "✖", "warning": "▲", "info": "·"}
MARK_COLOURS = {"error": "error", "warning": "warning", "info": "secondary"}


def clean(text: str) -> str:
    """Text safe to draw: tabs as spaces, control characters as a visible replacement character."""
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[:MAX_MESSAGE_CHARS] + "…"
    return _CONTROL.sub("\ufffd", text.replace("\t", "    ").replace("\r\n", "\n"))


class PreviewTable(DataTable):
    """A DataTable of the current page; `show_rows` fills it."""

    BINDINGS = [
        Binding("ctrl+home", "first_row", show=False),
        Binding("ctrl+end", "last_row", show=False),
    ]

    class EdgeReached(Message):
        """The cursor tried to leave the page: direction -1 (previous page) or +1 (next page)."""

        def __init__(self, direction: int, jump: bool = False) -> None:
            super().__init__()
            self.direction = direction
            self.jump = jump  # to the very first / last row of the file

    def __init__(self, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.row_meta: list[tuple[int, int]] = []
        """(record index, message index) of every table row."""
        self._rows: list[PreviewRow] = []
        self._marks: dict[int, str] = {}
        self._line_width = 6
        self._content_width = 40
        self._built_width = 0
        self._pending: tuple[int | None, int | None, bool] | None = None

    # -- filling
    def _colour(self, name: str, fallback: str) -> Style:
        value = self.app.theme_variables.get(name) if self.is_attached else None
        return Style(color=value or fallback)

    def content_width(self) -> int:
        return self._content_width

    def _layout_widths(self) -> None:
        # Hidden (another pane in front, or not shown yet): wrap for the screen; on_resize re-wraps once visible.
        width = self.size.width or max(40, self.app.size.width - 2)
        self._built_width = self.size.width
        last_line = max((r.line for r in self._rows), default=1)
        self._line_width = max(cell_len(str(last_line)) + 2, 6)
        # Each column has one cell of padding either side; keep two cells for the scrollbar.
        self._content_width = max(12, width - (self._line_width + 2) - (ROLE_WIDTH + 2) - 2 - 2)

    def show_rows(self, rows: list[PreviewRow], marks: dict[int, str], focus_index: int | None = None,
                  focus_message: int | None = None, at_end: bool = False) -> None:
        """Replaces the table with `rows`; puts the cursor on (focus_index, focus_message), or the last row when at_end.

        While the table has no width yet (hidden behind another pane, or shown a moment ago) the rows
        are kept and laid out when it gets one (on_resize), so they are wrapped once, at the right width.
        """
        self._rows = rows
        self._marks = marks
        if not self.size.width:
            self._pending = (focus_index, focus_message, at_end)
            self._built_width = 0
            self.clear(columns=True)
            self.row_meta = []
            return
        self._pending = None
        self._rebuild(focus_index, focus_message, at_end)

    def refresh_layout(self, marks: dict[int, str] | None = None) -> None:
        """Re-wraps the current page (after a resize, or when the findings arrive), keeping the cursor row."""
        if marks is not None:
            self._marks = marks
        if self._pending is not None or not self.size.width:
            self._built_width = 0  # stale: laid out again when it gets a width (on_resize)
            return
        current = self.cursor_location_meta()
        self._rebuild(current[0] if current else None, current[1] if current else None, False)

    def cursor_location_meta(self) -> tuple[int, int] | None:
        if not self.row_meta or not (0 <= self.cursor_row < len(self.row_meta)):
            return None
        return self.row_meta[self.cursor_row]

    def _rebuild(self, focus_index: int | None, focus_message: int | None, at_end: bool) -> None:
        self._layout_widths()
        self.clear(columns=True)
        self.add_column(t("dataset.col.line"), width=self._line_width, key="line")
        self.add_column(t("dataset.col.role"), width=ROLE_WIDTH, key="role")
        self.add_column(t("dataset.col.content"), width=self._content_width, key="content")
        self.row_meta = []
        target = None
        for row in self._rows:
            for j, (role, content) in enumerate(self._cells(row)):
                lines = self._wrap(content)
                line_cell = self._line_cell(row) if j == 0 else Text("")
                self.add_row(line_cell, role, Text("\n").join(lines), height=max(1, len(lines)), key=f"{row.index}:{j}")
                if focus_index == row.index and (target is None or j == focus_message):
                    target = len(self.row_meta)
                self.row_meta.append((row.index, j))
        if at_end and self.row_meta:
            target = len(self.row_meta) - 1
        if target is not None:
            self.move_cursor(row=target, animate=False, scroll=True)

    def _line_cell(self, row: PreviewRow) -> Text:
        text = Text(str(row.line), style="bold" if row.example is None else "")
        sev = self._marks.get(row.line)
        if sev:
            text.append(" " + MARKS[sev], style=self._colour(MARK_COLOURS[sev], "red"))
        return text

    def _wrap(self, content: Text) -> list[Text]:
        lines = list(content.wrap(self.app.console, self._content_width, overflow="fold"))
        if len(lines) > MAX_MESSAGE_LINES:
            lines = lines[:MAX_MESSAGE_LINES]
            last = lines[-1]
            last.truncate(max(1, self._content_width - 1))
            last.rstrip()
            last.append("…", style="dim")
        for line in lines:
            line.rstrip()
        return lines or [Text("")]

    def _cells(self, row: PreviewRow) -> Iterable[tuple[Text, Text]]:
        ex = row.example
        if ex is None:
            body = Text(clean(row.raw), style="dim")
            for p in row.problems[:3]:
                body.append("\n✖ " + ((p.field + ": ") if p.field else "") + text_of(p),
                            style=self._colour("error", "red"))
            yield Text("✖", style=self._colour("error", "red")), body
            return
        if ex.messages is None:
            yield Text("text", style=self._colour(ROLE_COLOURS["text"], "cyan")), Text(clean(ex.text or ""))
            return
        for m in ex.messages:
            role = Text(m.role, style=self._colour(ROLE_COLOURS.get(m.role, "foreground"), "white") + Style(bold=True))
            body = Text()
            if m.weight == 0:
                body.append(t("dataset.preview.weight0") + " ", style="dim italic")
            if m.name:
                body.append(f"[{m.name}] ", style="dim")
            if m.reasoning is not None:
                # The reasoning trace before the answer, dim (as a thinking model shows it), cut to a few lines.
                head = (t("dataset.preview.thinking") + " " + clean(m.reasoning[:600]) if m.reasoning
                        else t("dataset.preview.thinking_empty"))
                body.append(head + "\n", style="dim italic")
            body.append(clean(m.content))
            for call in m.tool_calls or []:
                fn = call.get("function", call) if isinstance(call, dict) else {}
                args = fn.get("arguments", "") if isinstance(fn, dict) else ""
                if not isinstance(args, str):
                    args = str(args)
                body.append(("\n" if body.plain else "") + f"→ {fn.get('name', '?')}({clean(args)[:300]})",
                            style="italic " + (self.app.theme_variables.get("secondary", "cyan") if self.is_attached else "cyan"))
            if not body.plain:
                body.append(t("dataset.preview.empty"), style="dim italic")
            yield role, body
        if ex.media:
            kinds = ", ".join(dict.fromkeys(kind for _, kind in ex.media))
            yield (Text("media", style=self._colour("warning", "yellow")),
                   Text(t("dataset.preview.media", kind=kinds) + " " + ", ".join(f for f, _ in ex.media[:4]),
                        style="dim italic"))

    def on_resize(self, event) -> None:
        # Wrapping depends on the width: re-wrap the page when it changes (or the table is first shown).
        if self._rows and event.size.width and event.size.width != self._built_width:
            self.call_later(self._rewrap_if_needed)

    def _rewrap_if_needed(self) -> None:
        if self._rows and self.size.width and self.size.width != self._built_width:
            if self._pending is not None:
                focus_index, focus_message, at_end = self._pending
                self._pending = None
                self._rebuild(focus_index, focus_message, at_end)
            else:
                self.refresh_layout()

    # -- paging at the edges
    def action_cursor_down(self) -> None:
        if self.row_meta and self.cursor_row >= len(self.row_meta) - 1:
            self.post_message(self.EdgeReached(+1))
            return
        super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.row_meta and self.cursor_row <= 0:
            self.post_message(self.EdgeReached(-1))
            return
        super().action_cursor_up()

    def action_page_down(self) -> None:
        if self.row_meta and self.cursor_row >= len(self.row_meta) - 1:
            self.post_message(self.EdgeReached(+1))
            return
        super().action_page_down()

    def action_page_up(self) -> None:
        if self.row_meta and self.cursor_row <= 0:
            self.post_message(self.EdgeReached(-1))
            return
        super().action_page_up()

    def action_first_row(self) -> None:
        self.post_message(self.EdgeReached(-1, jump=True))

    def action_last_row(self) -> None:
        self.post_message(self.EdgeReached(+1, jump=True))
