"""One column of the chat pane: a title naming its model, the conversation as that model saw it,
and a line of statistics for the last answer. Answers grow piece by piece as tokens stream in."""
from __future__ import annotations

import re
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from engine.chat import split_reasoning
from tui.i18n import t

# C0/C1 control characters other than newline and tab: a model can emit them (random or broken
# models do), and written raw they would move the cursor or switch terminal modes.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    return _CONTROL.sub("\ufffd", text)


class ChatMessage(Static):
    """A user message, an answer (which grows while streaming), or a notice (error, stopped)."""

    text: reactive[str] = reactive("", layout=True)
    """The message text as received (shown with control characters replaced)."""

    def __init__(self, role: str, text: str = "", classes: str = "", **kwargs: Any) -> None:
        super().__init__("", markup=False, classes=f"chat-message {role} {classes}".strip(), **kwargs)
        self.role = role
        self.set_reactive(ChatMessage.text, text)

    def on_mount(self) -> None:
        self._show()

    def append(self, piece: str) -> None:
        self.text += piece

    def watch_text(self) -> None:
        self._show()

    def _show(self) -> None:
        if self.role == "user":
            self.update(Text.assemble((f"{t('chat.you')}: ", "bold"), printable(self.text)))
        elif self.role == "assistant":
            # A reasoning model's thinking is shown dimmed above its answer, apart from it.
            reasoning, answer = split_reasoning(self.text)
            # Models often open with a newline; the column's spacing already separates the answer.
            answer_text = Text(printable(answer.lstrip("\n")))
            if reasoning is None:
                self.update(answer_text)
            else:
                parts: list[Any] = [(f"{t('chat.thinking')}: ", "dim bold"), (printable(reasoning), "dim italic")]
                if answer.strip():
                    parts += ["\n\n", answer_text]
                self.update(Text.assemble(*parts))
        else:
            self.update(Text(printable(self.text.lstrip("\n"))))


class ChatColumn(Vertical):
    """A titled, scrolling conversation for one model (base, tuned, or an endpoint)."""

    can_focus = False

    def __init__(self, column: str, **kwargs: Any) -> None:
        super().__init__(classes="chat-column", **kwargs)
        self.column = column
        self.current: ChatMessage | None = None
        self.waiting = False  # the stats line says "waiting for the other column"

    def compose(self) -> ComposeResult:
        yield VerticalScroll(id=f"{self.column}-scroll", classes="chat-scroll")
        yield Static("", id=f"{self.column}-stats", classes="chat-stats muted", markup=False)

    @property
    def scroll(self) -> VerticalScroll:
        return self.query_one(VerticalScroll)

    def set_title(self, title: str) -> None:
        self.border_title = title

    def show_empty(self, empty: bool) -> None:
        self.set_class(empty, "empty")
        if empty and not self.scroll.children:
            self.scroll.mount(ChatMessage("notice", t("chat.col.empty"), classes="hint"))
        elif not empty:
            for hint in self.scroll.query(".hint"):
                hint.remove()

    def add_user(self, text: str) -> None:
        for hint in self.scroll.query(".hint"):
            hint.remove()
        self.scroll.mount(ChatMessage("user", text))
        self._to_end()

    def start_answer(self) -> ChatMessage:
        self.current = ChatMessage("assistant")
        self.scroll.mount(self.current)
        self.set_stats("")
        self._to_end()
        return self.current

    def add_piece(self, piece: str) -> None:
        if self.current is None:
            self.start_answer()
        assert self.current is not None
        if self.waiting:
            self.waiting = False
            self.set_stats("")
        scroll = self.scroll
        # Follow the answer while the view is at its end; a user who scrolled up to read stays put.
        following = scroll.scroll_y >= scroll.max_scroll_y - 1
        self.current.append(piece)
        if following:
            self._to_end()

    def end_answer(self, reply: Any) -> None:
        """Marks the end of an answer: stopped, cut at max tokens, or an error with its advice."""
        self.waiting = False
        if reply.stopped:
            self.scroll.mount(ChatMessage("notice", t("chat.stopped"), classes="stopped"))
        elif reply.finish == "length":
            self.scroll.mount(ChatMessage("notice", t("chat.length"), classes="length"))
        if reply.error is not None:
            if self.current is not None and not self.current.text:
                self.current.remove()
            from tui.messages import error_parts
            said, advice = error_parts(reply.error)   # in the user's language where the error is coded
            text = f"{t('chat.failed')}: {said}" + (f"\n{advice}" if advice else "")
            self.scroll.mount(ChatMessage("notice", text, classes="error"))
        if reply.note:
            self.scroll.mount(ChatMessage("notice", reply.note, classes="note"))
        rate = reply.tokens_per_s
        first = reply.first_token_s
        self.set_stats(t("chat.stats", tokens=reply.tokens, rate=f"{rate:.1f}" if rate else "–",
                         first=f"{first:.2f}" if first is not None else "–") if reply.tokens else "")
        self.current = None
        self._to_end()

    def _to_end(self) -> None:
        self.call_after_refresh(self.scroll.scroll_end, animate=False, immediate=True)

    def set_waiting(self) -> None:
        self.waiting = True
        self.set_stats(t("chat.col.waiting"))

    def set_stats(self, text: str) -> None:
        self.query_one(f"#{self.column}-stats", Static).update(text)

    def clear(self) -> None:
        self.current = None
        self.scroll.remove_children()
        self.set_stats("")

    @property
    def answer_text(self) -> str:
        """The text of the answer streaming now, or of the last one (for tests and copying)."""
        answers = [m for m in self.scroll.query(ChatMessage) if m.role == "assistant"]
        return answers[-1].text if answers else ""
