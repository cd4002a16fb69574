"""Dataset: the training file. The dataset screen picks, previews and lints it when that screen is
available; otherwise (and always, for a quick path) a path input checked with
`engine.data.formats.detect_format`, then a quick lint for the row and token counts the time
estimate needs."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from tui.i18n import t
from tui.screens.wizard.base import StepScreen, WizardHost, message_row, show_message
from tui.screens.wizard.state import DataInfo, absolute_path, quick_check, sample_data_path
from tui.widgets.paths import PathSuggester


class DataChecked(Message):
    def __init__(self, info: DataInfo) -> None:
        super().__init__()
        self.info = info


def check_format(text: str) -> tuple[str | None, str | None]:
    """(format, error message) of a typed dataset path, cheaply (the first rows only). Preference pairs
    (TRL, LLaMA-Factory, OpenAI's preference JSONL) are a format too."""
    from engine.data.formats import DatasetError, detect_format, sniff
    from engine.data.preference import detect_pair_file, looks_like_pair_file
    if not text.strip():
        return None, t("wizard.data.err.empty")
    path = Path(text.strip()).expanduser()
    if not path.exists():
        return None, t("wizard.data.err.missing", path=str(path))
    if path.is_dir():
        return None, t("wizard.data.err.folder", path=str(path))
    try:
        if looks_like_pair_file(path):
            pairs = detect_pair_file(sniff(path))
            if pairs is not None:
                return pairs, None
        return detect_format(path), None
    except DatasetError as exc:
        return None, str(exc)
    except Exception as exc:  # unreadable in some way the reader did not foresee
        return None, f"{path}: {type(exc).__name__}: {exc}"


def summary_text(info: DataInfo) -> str:
    if info.fatal:
        return t("wizard.data.fatal", error=info.fatal)
    parts = [t("wizard.data.format", format=info.format or "?")]
    if info.rows is not None:
        parts.append(t("wizard.data.rows", rows=info.rows, examples=info.examples if info.examples is not None else "?"))
    if info.tokens_total:
        parts.append(t("wizard.data.tokens", total=info.tokens_total, mean=info.tokens_mean or 0))
    parts.append(t("wizard.data.findings", errors=info.errors, warnings=info.warnings))
    source = t("wizard.data.source.screen") if info.source == "dataset-screen" else t("wizard.data.source.quick")
    return " · ".join(parts) + f"  ({source})"


class DatasetStep(StepScreen):
    STEP = "dataset"
    BINDINGS = [Binding("ctrl+o", "open_dataset_screen", "wizard.key.lint"),
                Binding("ctrl+t", "use_sample", "wizard.key.sample")]

    def __init__(self, wizard: WizardHost, index: int, total: int) -> None:
        super().__init__(wizard, index, total)
        self.format: str | None = None
        self.error: str | None = None
        self._dataset_screen: Any = None

    def compose_content(self) -> Iterable[Widget]:
        yield Static(t("wizard.data.title"), classes="wz-title")
        why = t("wizard.data.why")
        if self.state.plan is not None and self.state.plan.method == "cpt":
            why += "\n" + t("wizard.data.why_cpt")
        yield Static(why, classes="wz-why")
        with Horizontal(classes="wz-row"):
            yield Label(t("wizard.data.label"), classes="wz-field-label")
            yield Input(self.state.data_text, placeholder=t("wizard.data.placeholder"), id="wz-data-path",
                        compact=True, suggester=PathSuggester(), select_on_focus=False)
        yield message_row("wz-data-msg")
        yield Static("", id="wz-data-summary", classes="wz-plan", markup=False)
        sample = sample_data_path()
        hints = [t("wizard.data.hint_screen")]
        if sample is not None:
            hints.append(t("wizard.data.hint_sample", path=str(sample)))
        yield Static("\n".join(hints), id="wz-data-hints", classes="wz-why", markup=False)

    def on_mount(self) -> None:
        self.query_one("#wz-data-path", Input).focus()
        if self.state.data_text.strip():
            self.validate_path(self.state.data_text, check=self.state.data is None
                               or self.state.data.path != absolute_path(self.state.data_text))
            if self.state.data is not None:
                self.show_info(self.state.data)

    @on(Input.Changed, "#wz-data-path")
    def path_changed(self, event: Input.Changed) -> None:
        self.state.data_text = event.value
        path = Path(event.value.strip()).expanduser() if event.value.strip() else None
        if path is not None and path.is_file():
            self.validate_path(event.value, check=False)
        else:
            self.format = None
            self.error = None
            show_message(self.query_one("#wz-data-msg", Static), None)
            self.query_one("#wz-data-summary", Static).update("")

    @on(Input.Submitted, "#wz-data-path")
    def path_submitted(self, event: Input.Submitted) -> None:
        if self.validate_path(event.value):
            self.action_next()

    def validate_path(self, text: str, check: bool = True) -> bool:
        fmt, error = check_format(text)
        self.format, self.error = fmt, error
        message = self.query_one("#wz-data-msg", Static)
        if error:
            show_message(message, error)
            self.query_one("#wz-data-summary", Static).update("")
            return False
        warning = None
        if self.state.plan is not None and self.state.plan.method == "cpt" and fmt != "text":
            warning = t("wizard.data.warn_cpt", format=fmt)
        elif self.state.plan is not None and self.state.plan.method != "cpt" and fmt == "text":
            warning = t("wizard.data.warn_text")
        show_message(message, warning, "warning")
        path = absolute_path(text)
        if check or self.state.data is None or self.state.data.path != path:
            self.query_one("#wz-data-summary", Static).update(t("wizard.data.checking", format=fmt))
            self.check(path)
        return True

    @work(thread=True, exclusive=True, exit_on_error=False, group="wizard-data")
    def check(self, path: str) -> None:
        from textual.worker import get_current_worker
        worker = get_current_worker()
        try:
            info = quick_check(path, lambda: worker.is_cancelled)
        except InterruptedError:
            return
        except Exception as exc:
            info = DataInfo(path=path, fatal=f"{type(exc).__name__}: {exc}")
        if not worker.is_cancelled:
            self.post_message(DataChecked(info))

    def on_data_checked(self, message: DataChecked) -> None:
        if absolute_path(self.state.data_text or ".") != message.info.path:
            return
        self.state.data = message.info
        self.show_info(message.info)

    def show_info(self, info: DataInfo) -> None:
        summary = self.query_one("#wz-data-summary", Static)
        summary.update(summary_text(info))
        summary.set_class(bool(info.fatal), "-error")
        if info.fatal:
            show_message(self.query_one("#wz-data-msg", Static), info.fatal)
        elif info.errors:
            show_message(self.query_one("#wz-data-msg", Static), t("wizard.data.warn_errors", errors=info.errors),
                         "warning")

    # -- actions ------------------------------------------------------------------------------------
    def action_use_sample(self) -> None:
        sample = sample_data_path()
        if sample is None:
            self.notify(t("wizard.data.no_sample"), severity="warning")
            return
        self.query_one("#wz-data-path", Input).value = str(sample)

    def action_open_dataset_screen(self) -> None:
        from tui.app import load_screen_class
        screen_class = load_screen_class("dataset")
        if screen_class is None:
            self.notify(t("wizard.data.no_screen"), severity="warning")
            self.query_one("#wz-data-path", Input).focus()
            return
        text = self.state.data_text.strip()
        path = text if text and Path(text).expanduser().is_file() else None
        plan = self.state.plan
        try:
            self._dataset_screen = screen_class(path=path, target="open", model=plan.model if plan else None)
        except TypeError:      # an older or newer dataset screen without those options: the file alone
            self._dataset_screen = screen_class(path=path)
        self.app.push_screen(self._dataset_screen)

    def on_screen_resume(self) -> None:
        screen, self._dataset_screen = self._dataset_screen, None
        if screen is None:
            return
        path = getattr(screen, "path", None)
        if not path:
            return
        report = getattr(screen, "report", None)
        if report is not None and getattr(screen, "target", "open") == "open":
            # The dataset screen's lint (with the real tokenizer) replaces the quick check.
            info = DataInfo.from_report(absolute_path(str(path)), report, source="dataset-screen")
            self.workers.cancel_group(self, "wizard-data")
            self.state.data = info
            self.show_info(info)
        self.query_one("#wz-data-path", Input).value = str(path)

    def ready_for_next(self) -> bool:
        if not self.validate_path(self.state.data_text, check=False):
            self.query_one("#wz-data-path", Input).focus()
            return False
        if self.state.data is not None and self.state.data.fatal and \
                self.state.data.path == absolute_path(self.state.data_text):
            return False
        return True
