"""The two branches that do not train here: RAG (next steps, and "fine-tune for style + RAG for
facts") and OpenAI's last step (what will be sent where and what it costs, then upload, create the
job, start its follower and open the monitor on the run)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from textual import work
from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, ProgressBar, Static

from tui.i18n import t
from tui.screens.wizard.base import StepScreen, WizardHost, message_row, show_message
from tui.screens.wizard.state import OpenAISession, absolute_path, parse_epochs, sample_data_path
from tui.messages import fine_tune_error_text

RAG_STEPS = 6


class EndStep(StepScreen):
    BINDINGS = [
        Binding("ctrl+n", "done", "wizard.key.done"),
        Binding("enter", "done", "wizard.key.done", show=False),
        Binding("escape", "back", "key.back"),
        Binding("ctrl+q", "app.quit", "key.quit", priority=True),
    ]

    def on_mount(self) -> None:
        self.query_one("#wz-body").focus()

    def action_done(self) -> None:
        self.leave("done")


class RagEndStep(EndStep):
    STEP = "rag_end"
    BINDINGS = [Binding("s", "style", "wizard.key.style")]

    def compose_content(self) -> Iterable[Widget]:
        yield Static(t("wizard.rag.title"), classes="wz-title")
        yield Static(t("wizard.rag.intro"), classes="wz-why")
        steps = "\n".join(f"{i}. {t(f'wizard.rag.step{i}')}" for i in range(1, RAG_STEPS + 1))
        yield Static(steps, id="wz-rag-steps", markup=False)
        yield Static(t("wizard.rag.combo"), id="wz-rag-combo", classes="wz-callout -info", markup=False)
        yield Static(t("wizard.rag.cli"), classes="wz-muted", markup=False)

    def action_style(self) -> None:
        # "Fine-tune for style + RAG for facts": the same answers, with style as the goal.
        self.state.goal = "style"
        self.leave(("goto", "recommend"))


class JobNews(Message):
    """From the start worker: a service message, upload progress, or the outcome."""

    def __init__(self, say: str | None = None, progress: tuple[str, int, int] | None = None,
                 done: tuple[Path, Any] | None = None, error: Any = None) -> None:
        super().__init__()
        self.say, self.progress, self.done, self.error = say, progress, done, error


class OpenAIStartStep(StepScreen):
    """What will be sent where and what it costs; Ctrl+S asks once, then uploads and starts the job."""

    STEP = "openai_start"
    BINDINGS = [Binding("ctrl+n", "next", "wizard.key.next", show=False),
                Binding("ctrl+s", "start", "openai.start.key"),
                Binding("ctrl+o", "open_model", "openai.key.open_model")]

    def __init__(self, wizard: WizardHost, index: int, total: int) -> None:
        super().__init__(wizard, index, total)
        found = getattr(wizard, "openai", None)
        self.session = found if isinstance(found, OpenAISession) else OpenAISession()
        self.starting = False

    def compose_content(self) -> Iterable[Widget]:
        yield Static(t("openai.start.title"), classes="wz-title")
        yield Static(self.plan_text(), id="oa-plan", classes="wz-plan", markup=False)
        yield Static(t("openai.start.money"), id="oa-money", classes="wz-callout", markup=False)
        yield ProgressBar(total=100, show_eta=False, id="oa-upload")
        yield Static("", id="oa-said", classes="wz-muted", markup=False)
        yield message_row("oa-start-msg")
        yield Static(t("openai.start.hint"), classes="wz-muted", markup=False)
        with Widget(classes="oa-alt"):
            yield Button(t("openai.alt.button"), id="oa-alt-button", compact=True)
            yield Static(t("openai.alt.why"), classes="wz-muted oa-alt-why", markup=False)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#oa-upload", ProgressBar).display = False
        self.query_one("#wz-body").focus()

    def service(self) -> Any:
        return self.state.oa.make_service()

    def plan_text(self) -> str:
        oa, v = self.state.oa, self.state.oa.validation
        service, key = self.service(), self.session.key
        files = Path(oa.file_text.strip()).name + (f" + {Path(oa.validation_text.strip()).name}"
                                                   if oa.validation_text.strip() else "")
        epochs, _ = parse_epochs(oa.epochs_text)
        label = service.label if service.kind in ("openai", "azure") else t("openai.start.compatible")
        lines = [t("openai.start.send", files=files, label=label, where=service.where),
                 t("openai.start.job", model=oa.model or "?", method=t(f"openai.method.{oa.method}"),
                   epochs=epochs or t("openai.file.auto"), suffix=oa.suffix or "-")]
        if v is not None:
            lines.append(t("openai.start.examples", examples=v.examples, tokens=v.tokens_per_epoch or 0))
            if v.cost_usd is not None and v.price is not None:
                lines.append(t("openai.start.cost", cost=v.cost_usd, epochs=v.epochs, price=v.price.value,
                               as_of=v.price.as_of))
        if key is not None:
            lines.append(t("openai.start.key_line", masked=key.masked(),
                           source=t("openai.key.typed") if key.source == "typed" else key.source))
        lines.append(t("openai.start.run_dir", path=str(self.wizard.resolved_runs_dir())))
        return "\n".join(lines)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "oa-alt-button":
            self.action_open_model()

    def action_open_model(self) -> None:
        oa = self.state.oa
        sample = sample_data_path()
        self.state.open_model_instead(oa.file_text or self.state.data_text or (str(sample) if sample else ""))
        self.leave(("goto", "recommend"))

    def ready_for_next(self) -> bool:
        self.notify(t("openai.start.start_hint"))
        return False

    def action_start(self) -> None:
        if self.wizard.launched is not None:
            self.leave("started")
            return
        if self.starting:
            return
        oa = self.state.oa
        if oa.validation is None or oa.validated_for != oa.validation_key() or oa.validation.exit_code() != 0:
            show_message(self.query_one("#oa-start-msg", Static), t("openai.start.not_validated"))
            return
        if self.session.key is None:
            show_message(self.query_one("#oa-start-msg", Static), t("openai.start.no_key"))
            return
        from tui.widgets.confirm import ConfirmScreen
        v = oa.validation
        cost = f"${v.cost_usd:,.2f}" if v.cost_usd is not None else "?"
        service = self.service()
        label = service.label if service.kind in ("openai", "azure") else t("openai.start.compatible")
        body = t("openai.start.confirm_body", file=Path(oa.file_text.strip()).name, label=label,
                 where=self.service().where, model=oa.model, cost=cost)
        self.app.push_screen(ConfirmScreen(t("openai.start.confirm_title"), body, t("openai.start.yes"),
                                           t("openai.start.no")), self.confirmed)

    def confirmed(self, yes: bool | None) -> None:
        if not yes or self.starting:
            return
        self.starting = True
        show_message(self.query_one("#oa-start-msg", Static), t("openai.start.starting"), "info")
        self.query_one("#oa-upload", ProgressBar).display = True
        self.start_job()

    @work(thread=True, exclusive=True, exit_on_error=False, group="oa-start")
    def start_job(self) -> None:
        from engine.openai_ft import FineTuneError, make_client, retry_notices, spawn_follower, start_job
        oa, v, key, service = self.state.oa, self.state.oa.validation, self.session.key, self.service()
        epochs, _ = parse_epochs(oa.epochs_text)
        estimate = {"examples": v.examples, "tokens_per_epoch": v.tokens_per_epoch, "epochs": v.epochs,
                    "cost_usd": v.cost_usd, "exact": v.exact}
        say = lambda text: self.post_message(JobNews(say=text))  # noqa: E731
        try:
            client = make_client(service, key)
            with retry_notices(say):
                run_dir, job = start_job(
                    client, service, self.wizard.resolved_runs_dir(), training=absolute_path(oa.file_text.strip()),
                    validation=absolute_path(oa.validation_text.strip()) if oa.validation_text.strip() else None,
                    model=oa.model or "", method=oa.method, epochs=epochs, suffix=oa.suffix or None,
                    estimate=estimate, say=say,
                    upload_progress=lambda label, sent, total: self.post_message(JobNews(progress=(label, sent, total))))
            typed = key.source == "typed"
            process = spawn_follower(run_dir, key_value=key.reveal() if typed else None,
                                     key_env=service.key_env if typed else None)
        except FineTuneError as err:
            self.post_message(JobNews(error=err))
            return
        except Exception as exc:  # a full disk, a read-only runs directory: a message, never a traceback
            self.post_message(JobNews(error=f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(JobNews(say=t("openai.start.created", job=job.id, run=run_dir.name), done=(run_dir, process)))

    def on_job_news(self, message: JobNews) -> None:
        if message.say:
            self.query_one("#oa-said", Static).update(message.say)
        if message.progress is not None:
            label, sent, total = message.progress
            bar = self.query_one("#oa-upload", ProgressBar)
            bar.update(total=max(total, 1), progress=sent)
        if message.error is not None:
            self.starting = False
            text = message.error if isinstance(message.error, str) else fine_tune_error_text(message.error)
            show_message(self.query_one("#oa-start-msg", Static), text)
            self.notify(t("openai.start.failed"), severity="error")
        if message.done is not None:
            self.starting = False
            self.wizard.launched = message.done
            self.leave("started")

    def on_screen_resume(self) -> None:
        if self.wizard.launched is not None:
            self.leave("started")
