"""The wizard: from "should I fine-tune?" to a started run.

Hardware → goal questions (one a screen) → recommendation → model and method → dataset → config
review → start (then the monitor). The RAG branch ends on a page of next steps; the OpenAI branch
asks where the job goes and for the key, then the file, model and method, then uploads and starts
the job and opens the monitor on its run.

The flow is one coroutine (Textual's `questions01.py` pattern): each step is a screen pushed with
`push_screen_wait`, which answers what to do next. The answers live in `self.state`, so going back
and forth never loses them and a changed answer changes what follows (the branch, the plan).

`WizardScreen(hardware=…)` plans for given hardware instead of detecting it, and `nvml=`/`env=`
hand a fake NVML to detection (tests, and "what if" questions from code).
"""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Mapping

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer, Header, Static

from tui.i18n import t
from tui.screens.base import TunewizScreen
from tui.screens.wizard.base import CSS_PATH
from tui.screens.wizard.state import OpenAISession, WizardState


def make_step(name: str, wizard: "WizardScreen", index: int, total: int) -> Any:
    from tui.screens.wizard import dataset_step, ends, model_step, openai_steps, questions, recommend, review
    if name == "hardware":
        return questions.HardwareStep(wizard, index, total)
    if name in questions.QUESTIONS:
        return questions.QuestionStep(wizard, index, total, name)
    factories = {"recommend": recommend.RecommendStep, "rag_end": ends.RagEndStep,
                 "openai_key": openai_steps.OpenAIKeyStep, "openai_file": openai_steps.OpenAIFileStep,
                 "openai_start": ends.OpenAIStartStep, "model": model_step.ModelStep,
                 "dataset": dataset_step.DatasetStep, "review": review.ReviewStep}
    return factories[name](wizard, index, total)


class WizardScreen(TunewizScreen):
    """Holds the answers and runs the steps; shown only for a moment between two steps."""

    CSS_PATH = CSS_PATH
    BINDINGS = [Binding("escape", "close", "key.back")]

    def __init__(self, hardware: Any = None, nvml: Any = None, env: Mapping[str, str] | None = None,
                 runs_dir: str | Path | None = None, today: date | None = None, **_: Any) -> None:
        super().__init__(classes="wz-shell")
        self.state = WizardState(detected=hardware, today=today)
        self.openai = OpenAISession()
        """The OpenAI steps' memory-only part: the API key (never in `state`)."""
        self.nvml = nvml
        """An NVML-like object for hardware detection (None: the real pynvml)."""
        self.env = env
        self.runs_dir = runs_dir
        self.index = 0
        """The current step's index in `state.steps()`."""
        self.current: Any = None
        """The step screen on show."""
        self.launched: tuple[Path, Any] | None = None
        """(run directory, trainer process) once Start succeeded."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(t("wizard.title"), id="wz-shell-text")
        yield Footer()

    def on_mount(self) -> None:
        self.run_flow()

    def action_close(self) -> None:
        self._close()

    def _close(self) -> None:
        if self.app.screen is self and len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    def resolved_runs_dir(self) -> Path:
        from engine.runs import default_runs_dir
        chosen = self.runs_dir or getattr(self.app, "runs_dir", None) or default_runs_dir()
        return Path(chosen).expanduser().resolve()

    @work(exclusive=True, group="wizard-flow", exit_on_error=False)
    async def run_flow(self) -> None:
        state = self.state
        while True:
            steps = state.steps()
            self.index = max(0, min(self.index, len(steps) - 1))
            state.furthest = max(state.furthest, self.index)
            step = make_step(steps[self.index], self, self.index, len(steps))
            self.current = step
            result = await self.app.push_screen_wait(step)
            self.current = None
            steps = state.steps()      # the answers may have changed the branch
            if result == "next":
                if self.index + 1 >= len(steps):
                    break
                self.index += 1
            elif result == "back":
                if self.index == 0:
                    break
                self.index -= 1
            elif isinstance(result, tuple) and result and result[0] == "goto":
                target = result[1]
                self.index = steps.index(target) if isinstance(target, str) and target in steps else \
                    int(target) if isinstance(target, int) else self.index
            elif result == "started":
                self._close()
                self._open_monitor()
                return
            else:                       # "done", "quit", None
                break
        self._close()

    def _open_monitor(self) -> None:
        if self.launched is None:
            return
        run_dir, process = self.launched
        self.app.notify(t("wizard.start.started", run=run_dir.name, path=str(run_dir)), timeout=8)
        remote = {"follower": process, "api_key": self.openai.key} if self.state.path() == "openai" else {}
        if not self.app.open_screen("monitor", run_dir=run_dir, **remote):
            self.app.notify(t("wizard.start.no_monitor", run=run_dir.name), severity="warning", timeout=12)
