"""The OpenAI branch's first two steps: where the job goes and the API key (checked with one cheap
request), then the file, model, method and epochs (validated by the engine: errors, tokens, cost).
The third, upload and start, is `ends.OpenAIStartStep`.

The key never reaches `WizardState`: a typed key lives in the wizard's `OpenAISession` (memory only,
an engine `ApiKey` whose repr is masked), its field is a password field (dots on screen and in
screenshots), and the detached follower gets it through its environment only.

Every step offers "train an open model on the same file instead" (Ctrl+O): tunewiz reads OpenAI
JSONL, so the open path starts with that file.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from textual import on, work
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Label, RadioButton, RadioSet, Select, Static

from tui.i18n import t
from tui.screens.wizard.base import StepScreen, WizardHost, message_row, show_message
from tui.screens.wizard.state import OpenAISession, absolute_path, parse_epochs, sample_data_path
from tui.messages import fine_tune_error_text, model_problem_text, text_of
from tui.screens.wizard.texts import openai_facts_text

MAX_FINDINGS = 5
SUFFIX_MAX = 64


def session_of(wizard: Any) -> OpenAISession:
    """The wizard's memory-only OpenAI session (made on first use)."""
    found = getattr(wizard, "openai", None)
    if not isinstance(found, OpenAISession):
        found = OpenAISession()
        wizard.openai = found
    return found


def default_file(state: Any) -> str:
    """The file the OpenAI steps start from: the one chosen so far, else the wizard's dataset, else the sample."""
    if state.oa.file_text.strip():
        return state.oa.file_text
    if state.data_text.strip():
        return state.data_text
    sample = sample_data_path()
    return str(sample) if sample is not None else ""


class OpenAIStep(StepScreen):
    """What every OpenAI step shares: the open-model alternative (Ctrl+O or its button)."""

    BINDINGS = [Binding("ctrl+o", "open_model", "openai.key.open_model")]

    def compose_alternative(self) -> Iterable[Widget]:
        with Vertical(classes="oa-alt"):
            yield Button(t("openai.alt.button"), id="oa-alt-button", compact=True)
            yield Static(t("openai.alt.why"), classes="wz-muted oa-alt-why", markup=False)

    @on(Button.Pressed, "#oa-alt-button")
    def alternative_pressed(self) -> None:
        self.action_open_model()

    def action_open_model(self) -> None:
        self.save()
        self.state.open_model_instead(default_file(self.state))
        self.leave(("goto", "recommend"))


# -- 1. where the job goes, and the key ----------------------------------------------------------------
class KeyChecked(Message):
    def __init__(self, signature: str, key: Any, models: int, error: Any) -> None:
        super().__init__()
        self.signature, self.key, self.models, self.error = signature, key, models, error


class OpenAIKeyStep(OpenAIStep):
    STEP = "openai_key"
    BINDINGS = [Binding("ctrl+r", "check", "openai.key.check")]

    def __init__(self, wizard: WizardHost, index: int, total: int) -> None:
        super().__init__(wizard, index, total)
        self.session = session_of(wizard)
        self.checking = False
        self._next_after_check = False
        oa = self.state.oa
        import os
        oa.azure_endpoint = oa.azure_endpoint or os.environ.get("AZURE_OPENAI_ENDPOINT", "")
        oa.api_version = oa.api_version or os.environ.get("OPENAI_API_VERSION", "")

    def compose_content(self) -> Iterable[Widget]:
        oa = self.state.oa
        yield Static(t("openai.key.title"), classes="wz-title")
        yield Static(openai_facts_text(self.state.day()), id="oa-facts", classes="wz-callout", markup=False)
        yield Static(t("openai.key.service"), classes="wz-label")
        openai_service = oa.make_service() if oa.kind != "azure" else None
        first = (t("openai.key.service_compatible", where=openai_service.where)
                 if openai_service is not None and openai_service.kind == "compatible" else t("openai.key.service_openai"))
        with RadioSet(id="oa-service"):
            yield RadioButton(first, value=oa.kind != "azure", id="oa-kind-openai")
            yield RadioButton(t("openai.key.service_azure"), value=oa.kind == "azure", id="oa-kind-azure")
        with Vertical(id="oa-azure"):
            with Horizontal(classes="wz-row"):
                yield Label(t("openai.key.endpoint"), classes="wz-field-label oa-label")
                yield Input(oa.azure_endpoint, placeholder="https://NAME.openai.azure.com", id="oa-endpoint",
                            compact=True)
            with Horizontal(classes="wz-row"):
                yield Label(t("openai.key.api_version"), classes="wz-field-label oa-label")
                yield Input(oa.api_version, placeholder="2024-10-21", id="oa-api-version", compact=True)
        yield Static("", id="oa-key-source", classes="wz-plan", markup=False)
        with Horizontal(classes="wz-row"):
            yield Label(t("openai.key.label"), classes="wz-field-label oa-label")
            typed = self.session.key.reveal() if self.session.key is not None and self.session.key.source == "typed" else ""
            yield Input(typed, password=True, id="oa-key", compact=True, placeholder=t("openai.key.placeholder"))
        yield message_row("oa-key-msg")
        yield Static(t("openai.key.hint"), classes="wz-muted", markup=False)
        yield from self.compose_alternative()

    def on_mount(self) -> None:
        super().on_mount()
        self.show_service()
        self.query_one("#oa-key", Input).focus()

    # -- what is on screen -----------------------------------------------------------------------------
    def typed_key(self) -> str:
        return self.query_one("#oa-key", Input).value.strip()

    def service(self) -> Any:
        self.save_fields()
        return self.state.oa.make_service()

    def save_fields(self) -> None:
        oa = self.state.oa
        oa.kind = "azure" if self.query_one("#oa-kind-azure", RadioButton).value else "openai"
        oa.azure_endpoint = self.query_one("#oa-endpoint", Input).value.strip()
        oa.api_version = self.query_one("#oa-api-version", Input).value.strip()

    def save(self) -> None:
        self.save_fields()
        typed = self.typed_key()
        if typed:
            from engine.openai_ft import ApiKey
            if self.session.key is None or self.session.key.reveal() != typed:
                self.session.key, self.session.checked_for = ApiKey(typed, "typed"), None
        elif self.session.key is not None and self.session.key.source == "typed":
            self.session.key, self.session.checked_for = None, None

    def show_service(self) -> None:
        service = self.service()
        self.query_one("#oa-azure").display = service.kind == "azure"
        env_key = service.key()
        source = self.query_one("#oa-key-source", Static)
        if env_key is not None:
            source.update(t("openai.key.from_env", env=service.key_env, masked=env_key.masked(), label=service.label))
            source.set_class(False, "-error")
        else:
            where = "openai.key.where_azure" if service.kind == "azure" else "openai.key.where_openai"
            source.update(t("openai.key.none", env=service.key_env, label=service.label) + "\n" + t(where))
        self.query_one("#oa-key", Input).placeholder = t(
            "openai.key.placeholder_override" if env_key is not None else "openai.key.placeholder")

    @on(RadioSet.Changed, "#oa-service")
    def service_changed(self) -> None:
        self.show_service()
        show_message(self.query_one("#oa-key-msg", Static), None)

    @on(Input.Changed, "#oa-endpoint, #oa-api-version, #oa-key")
    def field_changed(self) -> None:
        show_message(self.query_one("#oa-key-msg", Static), None)

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_check()

    # -- the check -------------------------------------------------------------------------------------
    def signature(self, service: Any, key: Any) -> str:
        return f"{service.describe()}|{key.source}|{key.masked()}|{len(key.reveal())}"

    def action_check(self) -> None:
        if self.checking:
            return
        service = self.service()
        key = service.key(self.typed_key() or None)
        msg = self.query_one("#oa-key-msg", Static)
        if key is None:
            from engine.openai_ft import no_key_error
            show_message(msg, fine_tune_error_text(no_key_error(service)))
            self._next_after_check = False
            return
        self.checking = True
        show_message(msg, t("openai.key.checking", label=service.label, where=service.where), "info")
        self.check(service, key, self.signature(service, key))

    @work(thread=True, exclusive=True, exit_on_error=False, group="oa-key-check")
    def check(self, service: Any, key: Any, signature: str) -> None:
        from engine.openai_ft import FineTuneError, check_key, make_client
        try:
            models = check_key(make_client(service, key, timeout=30, max_retries=1), service)
        except FineTuneError as err:
            self.post_message(KeyChecked(signature, key, 0, err))
            return
        except Exception as exc:  # the client itself failing: still a message, never a traceback
            from engine.openai_ft import explain
            self.post_message(KeyChecked(signature, key, 0, explain(exc, service)))
            return
        self.post_message(KeyChecked(signature, key, models, None))

    def on_key_checked(self, message: KeyChecked) -> None:
        self.checking = False
        msg = self.query_one("#oa-key-msg", Static)
        go_on, self._next_after_check = self._next_after_check, False
        if message.error is not None:
            show_message(msg, fine_tune_error_text(message.error))
            return
        key, service = message.key, self.service()
        self.session.key, self.session.checked_for = key, message.signature
        show_message(msg, t("openai.key.ok", masked=key.masked(), source=t("openai.key.typed")
                            if key.source == "typed" else key.source, label=service.label, models=message.models), "ok")
        if go_on:
            self.leave("next")

    def ready_for_next(self) -> bool:
        service = self.service()
        key = service.key(self.typed_key() or None)
        if key is not None and self.session.checked_for == self.signature(service, key):
            self.session.key = key
            return True
        self._next_after_check = True   # check first; a good answer goes on by itself
        self.action_check()
        return False


# -- 2. file, model, method, epochs --------------------------------------------------------------------
class Validated(Message):
    def __init__(self, key: str, validation: Any, error: str | None) -> None:
        super().__init__()
        self.key, self.validation, self.error = key, validation, error


def model_choices(today: Any) -> list[tuple[str, str]]:
    """(label, id) of the catalog's OpenAI models that can be fine-tuned on `today`."""
    from engine.catalog import openai_models
    out = []
    for m in openai_models():
        if m.fine_tunable(today):
            label = t("openai.file.model_option", model=m.id, price=m.training_price_per_1m.value,
                      methods=", ".join(m.methods))
            out.append((label, m.id))
    return out


class OpenAIFileStep(OpenAIStep):
    STEP = "openai_file"
    BINDINGS = [Binding("ctrl+r", "validate", "openai.file.validate"),
                Binding("ctrl+l", "dataset_screen", "openai.file.dataset_screen")]

    def __init__(self, wizard: WizardHost, index: int, total: int) -> None:
        super().__init__(wizard, index, total)
        self.validating: str | None = None
        self._next_after_check = False
        self._dataset_screen: Any = None
        oa, today = self.state.oa, self.state.day()
        oa.file_text = default_file(self.state)
        self.choices = model_choices(today)
        ids = [m for _, m in self.choices]
        if oa.model not in ids:
            from engine.catalog import default_openai_model, get_openai_model
            rec_model = get_openai_model(getattr(self.state.rec, "model", None) or "")
            default = default_openai_model(today)
            oa.model = rec_model.id if rec_model is not None and rec_model.id in ids else \
                default.id if default is not None and default.id in ids else (ids[0] if ids else None)

    def methods(self) -> list[str]:
        from engine.catalog import get_openai_model
        model = get_openai_model(self.state.oa.model or "")
        return list(model.methods) if model is not None else ["supervised"]

    def compose_content(self) -> Iterable[Widget]:
        oa = self.state.oa
        yield Static(t("openai.file.title"), classes="wz-title")
        yield Static(t("openai.file.why"), classes="wz-why", markup=False)
        if not self.choices:
            yield Static(t("openai.file.no_models", date=self.state.day().isoformat()), id="oa-no-models",
                         classes="wz-callout", markup=False)
        rows = (("openai.file.file", Input(oa.file_text, id="oa-file", compact=True, select_on_focus=False)),
                ("openai.file.validation", Input(oa.validation_text, id="oa-valfile", compact=True,
                                                 placeholder=t("openai.file.optional"))),
                ("openai.file.model", Select(self.choices, value=oa.model if oa.model else Select.BLANK,
                                             id="oa-model", compact=True, allow_blank=not self.choices,
                                             prompt=t("openai.file.no_model"))),
                ("openai.file.method", Select([(t(f"openai.method.{m}"), m) for m in self.methods()],
                                              value=oa.method if oa.method in self.methods() else "supervised",
                                              id="oa-method", compact=True, allow_blank=False)),
                ("openai.file.epochs", Input(oa.epochs_text, id="oa-epochs", compact=True,
                                             placeholder=t("openai.file.auto"))),
                ("openai.file.suffix", Input(oa.suffix, id="oa-suffix", compact=True, max_length=SUFFIX_MAX,
                                             placeholder=t("openai.file.suffix_hint"))))
        for label, widget in rows:
            with Horizontal(classes="wz-row"):
                yield Label(t(label), classes="wz-field-label oa-label")
                yield widget
        yield message_row("oa-file-msg")
        yield Static("", id="oa-result", classes="wz-plan", markup=False)
        yield Static("", id="oa-findings", classes="wz-muted", markup=False)
        yield Static("", id="oa-notice", classes="wz-muted", markup=False)
        yield Static(t("openai.file.hint"), classes="wz-muted", markup=False)
        yield from self.compose_alternative()

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#oa-file", Input).focus()
        oa = self.state.oa
        if oa.validation is not None and oa.validated_for == oa.validation_key():
            self.show_validation(oa.validation)
        else:
            self.action_validate()

    def save(self) -> None:
        oa = self.state.oa
        oa.file_text = self.query_one("#oa-file", Input).value
        oa.validation_text = self.query_one("#oa-valfile", Input).value
        model = self.query_one("#oa-model", Select).value
        oa.model = model if isinstance(model, str) else None
        method = self.query_one("#oa-method", Select).value
        oa.method = method if isinstance(method, str) else "supervised"
        oa.epochs_text = self.query_one("#oa-epochs", Input).value
        oa.suffix = self.query_one("#oa-suffix", Input).value.strip()

    @on(Select.Changed, "#oa-model")
    def model_changed(self) -> None:
        self.save()
        methods = self.methods()
        select = self.query_one("#oa-method", Select)
        select.set_options([(t(f"openai.method.{m}"), m) for m in methods])
        select.value = self.state.oa.method if self.state.oa.method in methods else "supervised"
        self.mark_stale()

    @on(Select.Changed, "#oa-method")
    @on(Input.Changed, "#oa-file, #oa-valfile, #oa-epochs")
    def field_changed(self) -> None:
        self.mark_stale()

    @on(Input.Submitted)
    def submitted(self) -> None:
        self.action_validate()

    def mark_stale(self) -> None:
        self.save()
        oa = self.state.oa
        if oa.validated_for is not None and oa.validated_for != oa.validation_key():
            self.query_one("#oa-result", Static).update(t("openai.file.stale"))

    # -- validation ----------------------------------------------------------------------------------------
    def field_problem(self) -> str | None:
        oa = self.state.oa
        if not oa.file_text.strip():
            return t("openai.file.err.empty")
        for text in (oa.file_text, oa.validation_text):
            if text.strip() and not Path(text.strip()).expanduser().is_file():
                return t("openai.file.err.missing", path=text.strip())
        if not oa.model:
            return t("openai.file.no_models", date=self.state.day().isoformat())
        _, error = parse_epochs(oa.epochs_text)
        return t(error) if error else None

    def action_validate(self) -> None:
        self.save()
        oa = self.state.oa
        msg = self.query_one("#oa-file-msg", Static)
        problem = self.field_problem()
        if problem:
            show_message(msg, problem)
            self._next_after_check = False
            return
        key = oa.validation_key()
        if self.validating == key:
            return
        self.validating = key
        show_message(msg, t("openai.file.validating", file=Path(oa.file_text.strip()).name), "info")
        epochs, _ = parse_epochs(oa.epochs_text)
        self.run_validation(key, absolute_path(oa.file_text.strip()), oa.model, oa.method, epochs,
                            absolute_path(oa.validation_text.strip()) if oa.validation_text.strip() else None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="oa-validate")
    def run_validation(self, key: str, path: str, model: str | None, method: str, epochs: int | None,
                       validation: str | None) -> None:
        from engine.openai_ft.validate import validate_file
        try:
            found = validate_file(path, model=model, method=method, epochs=epochs, validation=validation,
                                  today=self.state.day())
        except Exception as exc:  # validate_file never raises for content; anything else is still a message
            self.post_message(Validated(key, None, f"{type(exc).__name__}: {exc}"))
            return
        self.post_message(Validated(key, found, None))

    def on_validated(self, message: Validated) -> None:
        if self.validating == message.key:
            self.validating = None
        oa = self.state.oa
        go_on, self._next_after_check = self._next_after_check, False
        msg = self.query_one("#oa-file-msg", Static)
        if message.error is not None:
            show_message(msg, message.error)
            return
        if message.key != oa.validation_key():
            return                 # the fields changed meanwhile: a newer check follows
        oa.validation, oa.validated_for = message.validation, message.key
        self.show_validation(message.validation)
        if go_on and message.validation.exit_code() == 0:
            self.leave("next")

    def show_validation(self, v: Any) -> None:
        msg = self.query_one("#oa-file-msg", Static)
        report = v.report
        errors, warnings = report.severities.get("error", 0), report.severities.get("warning", 0)
        if v.validation_report is not None:
            errors += v.validation_report.severities.get("error", 0)
            warnings += v.validation_report.severities.get("warning", 0)
        lines = []
        if report.fatal is not None:
            lines.append(t("openai.file.fatal", error=text_of(report.fatal)))
        else:
            lines.append(t("openai.file.summary", rows=report.rows, examples=v.examples, errors=errors,
                           warnings=warnings))
            if v.cost_usd is not None and v.price is not None:
                lines.append(t("openai.file.cost", cost=v.cost_usd, tokens=v.tokens_per_epoch or 0, epochs=v.epochs,
                               auto="" if v.epochs_given else t("openai.file.auto_epochs"),
                               estimate="" if v.exact else t("openai.file.estimate"), price=v.price.value,
                               as_of=v.price.as_of, source=v.price.source))
        result = self.query_one("#oa-result", Static)
        result.update("\n".join(lines))
        result.set_class(v.exit_code() != 0, "-error")
        findings = [model_problem_text(p) for p in v.problems]
        shown = [f for f in report.findings if f.severity in ("error", "warning")][:MAX_FINDINGS]
        for f in shown:
            mark = "✖" if f.severity == "error" else "▲"
            where = t("openai.file.line", line=f.line) if f.line else ""
            field = f" [{f.field}]" if f.field else ""
            findings.append(f"{mark} {where}{field} {f.code}: {text_of(f)}".replace("  ", " "))
        more = errors + warnings - len(shown)
        if more > 0:
            findings.append(t("openai.file.more", n=more))
        self.query_one("#oa-findings", Static).update("\n".join(findings))
        self.query_one("#oa-notice", Static).update(t("openai.file.notice", notice=v.notice) if v.notice else "")
        if v.exit_code() != 0:
            show_message(msg, t("openai.file.blocked"))
        elif warnings:
            show_message(msg, t("openai.file.ok_warnings", n=warnings), "warning")
        else:
            show_message(msg, t("openai.file.ok"), "ok")

    def ready_for_next(self) -> bool:
        self.save()
        oa = self.state.oa
        if oa.validation is not None and oa.validated_for == oa.validation_key():
            if oa.validation.exit_code() == 0:
                return True
            show_message(self.query_one("#oa-file-msg", Static), t("openai.file.blocked"))
            return False
        self._next_after_check = True
        self.action_validate()
        return False

    # -- the dataset screen --------------------------------------------------------------------------------
    def action_dataset_screen(self) -> None:
        self.save()
        from tui.app import load_screen_class
        screen_class = load_screen_class("dataset")
        if screen_class is None:
            self.notify(t("wizard.data.no_screen"), severity="warning")
            return
        text = self.state.oa.file_text.strip()
        path = text if text and Path(text).expanduser().is_file() else None
        try:
            self._dataset_screen = screen_class(path=path, target="openai", model=self.state.oa.model)
        except TypeError:
            self._dataset_screen = screen_class(path=path)
        self.app.push_screen(self._dataset_screen)

    def on_screen_resume(self) -> None:
        screen, self._dataset_screen = self._dataset_screen, None
        path = getattr(screen, "path", None) if screen is not None else None
        if path and str(path) != self.query_one("#oa-file", Input).value:
            self.query_one("#oa-file", Input).value = str(path)
            self.call_after_refresh(self.action_validate)
