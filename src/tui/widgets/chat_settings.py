"""The chat pane's settings: system prompt, sampling, what each column talks to, and the dialog that
edits them. Values are validated all at once; the dialog stays open with every problem listed."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Label, Select, Static, TextArea

from engine.chat import DEFAULT_TIMEOUT_S, OPENAI_KEY_ENV, RemoteBackend, Sampling
from tui.i18n import t
from tui.screens.base import localize_bindings

LOCAL, ENDPOINT, NONE = "local", "endpoint", "none"


@dataclass
class ColumnChoice:
    """What one column talks to: the loaded run (base or tuned side), an endpoint, or nothing."""

    kind: str = LOCAL
    model: str = ""
    base_url: str = ""


@dataclass
class ChatSettings:
    system: str = ""
    sampling: Sampling = field(default_factory=Sampling)
    left: ColumnChoice = field(default_factory=ColumnChoice)
    right: ColumnChoice = field(default_factory=ColumnChoice)
    api_key_env: str = OPENAI_KEY_ENV
    timeout: float = DEFAULT_TIMEOUT_S
    base_override: str = ""

    def copy(self) -> "ChatSettings":
        return replace(self, sampling=replace(self.sampling), left=replace(self.left), right=replace(self.right))

    def remote(self, choice: ColumnChoice) -> RemoteBackend:
        return RemoteBackend(choice.model, choice.base_url or None, self.api_key_env, self.timeout)


def _number(raw: str, name: str, kind: type, problems: list[str], blank: Any = ...) -> Any:
    raw = raw.strip()
    if not raw and blank is not ...:
        return blank
    try:
        return kind(raw)
    except ValueError:
        problems.append(t("chat.settings.bad_number", field=name, value=raw))
        return None


class ChatSettingsScreen(ModalScreen["ChatSettings | None"]):
    """Edits a copy of the settings; Ctrl+S applies them (when valid), Esc leaves them as they were."""

    CSS_PATH = "../styles/chat.tcss"
    BINDINGS = [
        Binding("ctrl+s", "apply", "chat.key.apply", priority=True),
        Binding("escape", "cancel", "chat.key.cancel"),
    ]

    def __init__(self, settings: ChatSettings, has_run: bool) -> None:
        super().__init__()
        localize_bindings(self)
        self.settings = settings.copy()
        self.has_run = has_run

    def _column_options(self, side: str) -> list[tuple[str, str]]:
        local = t("chat.settings.local_base") if side == "left" else t("chat.settings.local_tuned")
        options = [(local, LOCAL)] if self.has_run else []
        return options + [(t("chat.settings.endpoint"), ENDPOINT), (t("chat.settings.none"), NONE)]

    def compose(self) -> ComposeResult:
        s = self.settings
        with VerticalScroll(id="chat-settings", classes="dialog"):
            yield Static(t("chat.settings.title"), classes="heading")
            yield Static(t("chat.settings.help"), classes="muted help")
            yield Label(t("chat.settings.system"))
            yield TextArea(s.system, id="set-system", compact=True, tab_behavior="focus")
            with Grid(classes="settings-grid"):
                yield Label(t("chat.settings.temperature"))
                yield Input(f"{s.sampling.temperature:g}", id="set-temperature", compact=True)
                yield Label(t("chat.settings.top_p"))
                yield Input(f"{s.sampling.top_p:g}", id="set-top-p", compact=True)
                yield Label(t("chat.settings.max_new_tokens"))
                yield Input(str(s.sampling.max_new_tokens), id="set-max-new", compact=True, type="integer")
                yield Label(t("chat.settings.seed"))
                yield Input("" if s.sampling.seed is None else str(s.sampling.seed), id="set-seed", compact=True,
                            placeholder=t("chat.settings.seed_hint"), type="integer")
                for side, choice in (("left", s.left), ("right", s.right)):
                    options = self._column_options(side)
                    value = choice.kind if choice.kind in [v for _, v in options] else options[0][1]
                    yield Label(t(f"chat.settings.{side}"))
                    yield Select(options, value=value, allow_blank=False, id=f"set-{side}-kind", compact=True)
                    yield Label(f"  {t('chat.settings.url')}", classes=f"endpoint-{side}")
                    yield Input(choice.base_url, id=f"set-{side}-url", compact=True,
                                placeholder=t("chat.settings.url_hint"), classes=f"endpoint-{side}")
                    yield Label(f"  {t('chat.settings.model')}", classes=f"endpoint-{side}")
                    yield Input(choice.model, id=f"set-{side}-model", compact=True,
                                placeholder=t("chat.settings.model_hint"), classes=f"endpoint-{side}")
                yield Label(t("chat.settings.key_env"))
                yield Input(s.api_key_env, id="set-key-env", compact=True)
                yield Label(t("chat.settings.timeout"))
                yield Input(f"{s.timeout:g}", id="set-timeout", compact=True)
                yield Label(t("chat.settings.base"))
                yield Input(s.base_override, id="set-base", compact=True, placeholder=t("chat.settings.base_hint"),
                            disabled=not self.has_run)
            yield Static("", id="set-problems", classes="error")
        yield Footer()

    def on_mount(self) -> None:
        self._show_endpoint_fields()
        self.query_one("#set-temperature", Input).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        self._show_endpoint_fields()

    def _show_endpoint_fields(self) -> None:
        for side in ("left", "right"):
            endpoint = self.query_one(f"#set-{side}-kind", Select).value == ENDPOINT
            for widget in self.query(f".endpoint-{side}"):
                widget.display = endpoint

    def _read(self) -> tuple[ChatSettings, list[str]]:
        problems: list[str] = []
        value = lambda wid: self.query_one(wid, Input).value  # noqa: E731
        temperature = _number(value("#set-temperature"), t("chat.settings.temperature"), float, problems)
        top_p = _number(value("#set-top-p"), t("chat.settings.top_p"), float, problems)
        max_new = _number(value("#set-max-new"), t("chat.settings.max_new_tokens"), int, problems)
        seed = _number(value("#set-seed"), t("chat.settings.seed"), int, problems, blank=None)
        timeout = _number(value("#set-timeout"), t("chat.settings.timeout"), float, problems)
        out = self.settings.copy()
        out.system = self.query_one("#set-system", TextArea).text
        if not problems:
            out.sampling = Sampling(temperature, top_p, max_new, seed)
            out.timeout = timeout
            problems.extend(out.sampling.problems())
        out.api_key_env = value("#set-key-env").strip() or OPENAI_KEY_ENV
        out.base_override = value("#set-base").strip()
        for side in ("left", "right"):
            kind = str(self.query_one(f"#set-{side}-kind", Select).value)
            choice = ColumnChoice(kind, value(f"#set-{side}-model").strip(), value(f"#set-{side}-url").strip())
            setattr(out, side, choice)
            if kind == ENDPOINT and not problems:
                label = t(f"chat.settings.{side}")
                problems.extend(f"{label}: {p}" for p in out.remote(choice).problems())
        return out, problems

    def action_apply(self) -> None:
        settings, problems = self._read()
        if problems:
            self.query_one("#set-problems", Static).update("\n".join(problems))
            return
        self.dismiss(settings)

    def action_cancel(self) -> None:
        self.dismiss(None)
