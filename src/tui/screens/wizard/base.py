"""The base of every wizard step: the step bar, the Next/Back/Quit keys, leaving with a result.

A step is a screen that the wizard's flow coroutine pushes with `push_screen_wait` and that ends
by dismissing itself with what the flow should do next: "next", "back", "done", "started" or
("goto", step). Answers live in the wizard's `WizardState`, so leaving never loses them.

Steps know the wizard only as a `WizardHost` (what they use of it); `flow.WizardScreen` is the
one implementation. So no step imports the flow, which imports every step.
"""
from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any, Iterable, Mapping, Protocol, runtime_checkable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.command import Hit, Hits, Provider
from textual.containers import VerticalScroll
from textual.events import Resize
from textual.widget import Widget
from textual.widgets import Footer, Header, Static

from tui.i18n import t
from tui.screens.base import TunewizScreen
from tui.screens.wizard.state import OpenAISession, WizardState

CSS_PATH = "../../styles/wizard.tcss"


@runtime_checkable
class WizardHost(Protocol):
    """What a step uses of the wizard that pushed it."""

    state: WizardState
    """The answers so far, shared by every step."""
    nvml: Any
    """An NVML-like object for hardware detection (None: the real pynvml)."""
    env: Mapping[str, str] | None
    """The environment hardware detection reads (None: os.environ)."""
    launched: tuple[Path, Any] | None
    """(run directory, trainer process) once Start succeeded; the review step sets it."""
    openai: OpenAISession
    """The OpenAI steps' memory-only session (a typed API key); never part of `state`."""

    def resolved_runs_dir(self) -> Path:
        """Where a started run's directory goes (absolute)."""
        ...


class StepCommands(Provider):
    """Command palette: jump back to any step already reached."""

    async def search(self, query: str) -> Hits:
        screen = self.screen
        if not isinstance(screen, StepScreen):
            return
        matcher = self.matcher(query)
        state = screen.state
        steps = state.steps()
        for index, step in enumerate(steps[: state.furthest + 1]):
            title = t("wizard.cmd.goto", n=index + 1, step=t(f"wizard.step.{step}"))
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(screen.leave, ("goto", step)),
                          help=t("wizard.cmd.help"))


class StepScreen(TunewizScreen):
    CSS_PATH = CSS_PATH
    COMMANDS = {StepCommands}
    STEP = ""
    WIDE: int | None = None
    """From this many columns the screen gets the class wz-wide (a side-by-side layout)."""
    BINDINGS = [
        Binding("ctrl+n", "next", "wizard.key.next"),
        Binding("escape", "back", "key.back"),
        # priority, like the app's own ctrl+q, so the footer shows it (a shown binding of the same
        # key wins only over a non-priority one)
        Binding("ctrl+q", "app.quit", "key.quit", priority=True),
    ]

    def __init__(self, wizard: WizardHost, index: int, total: int) -> None:
        super().__init__(classes="wz-step")
        self.wizard = wizard
        self.index = index
        self.total = total
        self._leaving = False

    @property
    def state(self) -> WizardState:
        return self.wizard.state

    # -- layout -------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(self.step_bar_text(), id="wz-stepbar", markup=False)
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> Iterable[Widget]:
        with VerticalScroll(id="wz-body"):
            yield from self.compose_content()

    def compose_content(self) -> Iterable[Widget]:
        return []

    def on_mount(self) -> None:
        self._apply_width(self.app.size.width)

    def on_resize(self, event: Resize) -> None:
        self._apply_width(event.size.width)

    def _apply_width(self, width: int) -> None:
        if self.WIDE is not None:
            self.set_class(width >= self.WIDE, "wz-wide")

    def step_bar_text(self) -> str:
        dots = "".join("●" if i <= self.index else "○" for i in range(self.total))
        return f"{dots}  {t('wizard.step_of', n=self.index + 1, total=self.total)} · {t(f'wizard.step.{self.STEP}')}"

    def refresh_step_bar(self) -> None:
        self.total = len(self.state.steps())
        self.query_one("#wz-stepbar", Static).update(self.step_bar_text())

    # -- leaving ------------------------------------------------------------------------------------
    def save(self) -> None:
        """Keeps what is on the screen in the state (called before any way out)."""

    def ready_for_next(self) -> bool:
        """True when Next may go on; otherwise shows why (inline) and returns False."""
        return True

    def leave(self, result: Any) -> None:
        if self._leaving or not self.is_attached:
            return
        if self.app.screen is not self:
            return
        self._leaving = True
        self.save()
        self.dismiss(result)

    def action_next(self) -> None:
        if self.ready_for_next():
            self.leave("next")

    def action_back(self) -> None:
        self.leave("back")


def message_row(id: str) -> Static:
    """An inline message line (error or hint), hidden while empty."""
    widget = Static("", id=id, classes="wz-message", markup=False)
    widget.display = False
    return widget


def show_message(widget: Static, text: str | None, kind: str = "error") -> None:
    widget.update(text or "")
    widget.display = bool(text)
    for name in ("error", "warning", "ok", "info"):
        widget.set_class(name == kind, f"-{name}")
