"""A yes/no question as a modal screen: y confirms, n or escape declines (keyboard first)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.i18n import t


def with_key(label: str, key: str) -> str:
    """A button's label with the key that presses it, "Start (y)" (as given when the caller wrote it in)."""
    return label if f"({key})" in label else f"{label} ({key})"


class ConfirmScreen(ModalScreen[bool]):
    """The keys are on the buttons and on a line below them (a modal has no footer)."""

    CSS_PATH = "../styles/confirm.tcss"
    BINDINGS = [
        Binding("y", "answer(True)", show=False),
        Binding("n", "answer(False)", show=False),
        Binding("escape", "answer(False)", show=False),
    ]

    def __init__(self, title: str, body: str, yes: str, no: str) -> None:
        super().__init__()
        self._title, self._body, self._yes, self._no = title, body, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Static(self._title, id="confirm-title", markup=False)
            yield Static(self._body, id="confirm-body", markup=False)
            with Horizontal(id="confirm-buttons"):
                yield Button(with_key(self._yes, "y"), id="confirm-yes", variant="error")
                yield Button(with_key(self._no, "n"), id="confirm-no", variant="primary")
            yield Static(t("confirm.keys"), id="confirm-keys", markup=False)

    def on_mount(self) -> None:
        # The safe answer has the focus: Enter keeps the run going.
        self.query_one("#confirm-no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


def ask_and_stop(screen: Any, run_dir: Path) -> None:
    """Asks "stop this run?" and, on yes, asks its trainer to stop gracefully (SIGTERM: it writes a
    checkpoint, then ends as `stopped`). Shared by the runs and monitor screens."""
    name = run_dir.name

    def answered(confirmed: bool | None) -> None:
        if not confirmed:
            return
        from engine.launch import LaunchError, request_stop
        try:
            request_stop(run_dir)
        except (LaunchError, OSError) as exc:  # not running any more, or not ours to signal
            screen.notify(t("monitor.stop.failed", error=str(exc)), severity="error")
            return
        screen.notify(t("monitor.stop.sent"))

    screen.app.push_screen(ConfirmScreen(t("monitor.stop.title", name=name), t("monitor.stop.body", name=name),
                                         t("monitor.stop.yes"), t("monitor.stop.no")), answered)
