"""The chat pane: a run's base model (adapter off) and its tuned adapter answer the same prompt side by
side, streamed, with the same sampling settings; either column can instead talk to an
OpenAI-compatible endpoint (OpenAI `ft:` models, vLLM, Ollama, llama.cpp).

Loading and generation run in thread workers (harlequin's pattern) and report back with messages;
widgets are only touched on the UI thread. The model is loaded once: both local columns share it and
answer one after the other (`engine.chat.run_columns`), while an endpoint column answers alongside.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Footer, Header, Input, ProgressBar, Static

from engine import chat as engine_chat
from tui.i18n import t
from tui.screens.base import TunewizScreen
from tui.widgets.chat_column import ChatColumn
from tui.chat_stages import stage_text
from tui.widgets.chat_dialogs import NO_RUN, ExportScreen, RunPickerScreen
from tui.widgets.chat_settings import ENDPOINT, LOCAL, NONE, ChatSettings, ChatSettingsScreen, ColumnChoice

COLUMNS = ("base", "tuned")  # left, right
# After Esc stops an answer, a second Esc this soon is taken as part of the same "stop" gesture,
# not as "leave the pane" (which would unload a model that may have taken minutes to load).
BACK_GUARD_S = 1.0


class LoadProgress(Message):
    def __init__(self, fraction: float | None, text: str) -> None:
        super().__init__()
        self.fraction, self.text = fraction, text


class Loaded(Message):
    def __init__(self, chat: Any, notes: list[str]) -> None:
        super().__init__()
        self.chat, self.notes = chat, notes


class LoadFailed(Message):
    def __init__(self, error: engine_chat.ChatError, label: str) -> None:
        super().__init__()
        self.error, self.label = error, label


class HardwareWarning(Message):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class Piece(Message):
    """A piece of an answer's text, as soon as it is decoded."""

    def __init__(self, column: str, text: str) -> None:
        super().__init__()
        self.column, self.text = column, text


class ReplyDone(Message):
    def __init__(self, column: str, reply: engine_chat.Reply) -> None:
        super().__init__()
        self.column, self.reply = column, reply


class TurnDone(Message):
    def __init__(self, prompt: str, replies: dict[str, engine_chat.Reply], sampling: engine_chat.Sampling,
                 columns: dict[str, dict[str, Any]]) -> None:
        super().__init__()
        self.prompt, self.replies, self.sampling, self.columns = prompt, replies, sampling, columns


class ChatScreen(TunewizScreen):
    CSS_PATH = "../styles/chat.tcss"
    BINDINGS = [
        Binding("escape", "stop", "chat.key.stop"),
        Binding("escape", "back", "key.back"),
        Binding("ctrl+o", "settings", "chat.key.settings"),
        Binding("ctrl+l", "clear", "chat.key.clear"),
        Binding("ctrl+s", "save", "chat.key.save"),
        Binding("ctrl+r", "pick_run", "chat.key.run"),
        Binding("ctrl+t", "export", "chat.key.export"),
    ]

    generating: reactive[bool] = reactive(False, bindings=True)
    """True while any column is answering; switches Esc between Stop and Back."""
    model_loading: reactive[bool] = reactive(False, bindings=True)
    """True while the run's model loads."""

    def __init__(self, run_dir: str | Path | None = None, checkpoint: str | None = None, base: str | None = None,
                 endpoint: dict[str, str] | None = None,
                 backends: dict[str, engine_chat.Backend] | None = None) -> None:
        """`run_dir`: the run to load; `checkpoint`: a checkpoint of it instead of the final adapter;
        `base`: the base model when the recorded one moved; `endpoint`: {"model", "base_url"} for the
        right column; `backends`: ready backends per column (no loading; for embedding and tests)."""
        super().__init__()
        self.run_dir = Path(run_dir).resolve() if run_dir else None
        self.checkpoint = checkpoint
        self.settings = ChatSettings(base_override=base or "")
        if endpoint:
            self.settings.right = ColumnChoice(ENDPOINT, endpoint.get("model", ""), endpoint.get("base_url", ""))
            self.settings.left = ColumnChoice(NONE) if not run_dir else self.settings.left
        self.injected = dict(backends or {})
        self.local: engine_chat.LocalChat | None = None
        self.conversation = engine_chat.Conversation()
        self.stopper: engine_chat.Stopper | None = None
        self.stopped_at = 0.0
        self.load_error: engine_chat.ChatError | None = None
        self.warnings: list[str] = []

    # -- layout ---------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="chat-body"):
            yield Static("", id="chat-status", classes="muted", markup=False)
            yield Static("", id="chat-warning", markup=False)
            with Horizontal(id="chat-loading"):
                yield ProgressBar(total=100, show_eta=False, id="chat-progress")
                yield Static("", id="chat-loading-text", markup=False)
            yield Static("", id="chat-error", markup=False)
            with Horizontal(id="chat-columns"):
                for column in COLUMNS:
                    yield ChatColumn(column, id=f"col-{column}")
            yield Input(placeholder=t("chat.prompt"), id="chat-prompt")
        yield Footer()

    def on_mount(self) -> None:
        self.sub_title = t("chat.title")
        self.query_one("#chat-loading").display = False
        self.query_one("#chat-error").display = False
        self.query_one("#chat-warning").display = False
        self.query_one("#chat-prompt", Input).focus()
        if self.injected:
            self._refresh_columns()
        elif self.run_dir is not None:
            self._start_load()
        elif self.settings.right.kind == ENDPOINT:
            self._refresh_columns()
        else:
            self._refresh_columns()
            self.action_pick_run()

    def on_unmount(self) -> None:
        if self.stopper is not None:
            self.stopper.stop()
        self._release_model()

    # -- bindings -------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return self.generating  # hidden when idle: Esc then means Back
        if action == "back":
            return not self.generating
        if action in ("settings", "clear", "pick_run", "export"):
            return None if self.generating else True  # shown greyed while answering
        return True

    def action_stop(self) -> None:
        if self.stopper is not None and self.generating:
            self.stopper.stop()
            self.stopped_at = time.monotonic()
            self.query_one("#chat-status", Static).update(t("chat.stopping"))

    def action_back(self) -> None:
        if time.monotonic() - self.stopped_at < BACK_GUARD_S:
            return
        self.app.pop_screen()

    def action_settings(self) -> None:
        self.app.push_screen(ChatSettingsScreen(self.settings, has_run=self.run_dir is not None or bool(self.injected)),
                             self._apply_settings)

    def action_clear(self) -> None:
        self.conversation.clear()
        for column in self._columns():
            column.clear()
        self._refresh_columns()
        self.notify(t("chat.cleared"))

    def action_save(self) -> None:
        if not self.conversation.turns:
            self.notify(t("chat.nothing_to_save"), severity="warning")
            return
        path = engine_chat.transcript_path(self.run_dir, self.conversation.started, self.app_runs_dir)
        describe = {}
        for column in COLUMNS:
            backend = self._backend(column)
            if backend is not None:
                describe[column] = backend.describe()
        try:
            engine_chat.save_transcript(path, self.conversation, describe)
        except OSError as exc:
            self.notify(t("chat.save_failed", error=exc), severity="error")
            return
        self.notify(t("chat.saved", path=path), timeout=8)

    def action_pick_run(self) -> None:
        self.app.push_screen(RunPickerScreen(self.app_runs_dir), self._picked)

    def action_export(self) -> None:
        if self.run_dir is None:
            self.notify(t("chat.export.no_run"), severity="warning")
            return
        self.app.push_screen(ExportScreen(self.run_dir, self.settings.base_override or None, self.checkpoint))

    @property
    def app_runs_dir(self) -> Path | None:
        return getattr(self.app, "runs_dir", None)

    # -- runs and settings ----------------------------------------------------------------------
    def _picked(self, choice: str | None) -> None:
        if choice is None:
            return
        self.conversation.clear()
        for column in self._columns():
            column.clear()
        if choice == NO_RUN:
            self.run_dir = None
            self._release_model()
            for side in ("left", "right"):
                choice_now = getattr(self.settings, side)
                if choice_now.kind == LOCAL:
                    setattr(self.settings, side, ColumnChoice(NONE))
            self.query_one("#chat-error").display = False
            self._refresh_columns()
            return
        self.run_dir = Path(choice)
        self.checkpoint = None
        self.settings.base_override = ""
        for side in ("left", "right"):
            if getattr(self.settings, side).kind == NONE:
                setattr(self.settings, side, ColumnChoice(LOCAL))
        self._start_load()

    def _apply_settings(self, settings: ChatSettings | None) -> None:
        if settings is None:
            return
        reload = self.run_dir is not None and settings.base_override != self.settings.base_override
        self.settings = settings
        self.conversation.system = settings.system
        self._refresh_columns()
        if reload:
            self._start_load()

    # -- loading --------------------------------------------------------------------------------
    def _start_load(self) -> None:
        self._release_model()
        self.load_error = None
        self.model_loading = True
        self.query_one("#chat-error").display = False
        self.query_one("#chat-loading").display = True
        self.query_one("#chat-progress", ProgressBar).update(progress=0)
        label = self.run_dir.name if self.run_dir else ""
        self.query_one("#chat-loading-text", Static).update(t("chat.loading", run=label))
        self._refresh_columns()
        self._load(self.run_dir, self.checkpoint, self.settings.base_override or None)

    @work(thread=True, exclusive=True, exit_on_error=False, group="chat-load")
    def _load(self, run_dir: Path, checkpoint: str | None, base: str | None) -> None:
        from textual.worker import get_current_worker

        worker = get_current_worker()
        try:
            target = engine_chat.locate_run_model(run_dir, checkpoint=checkpoint, base=base)
            warning = engine_chat.gpu_sharing_warning(self.app_runs_dir)
            if warning:
                self.post_message(HardwareWarning(warning))
            chat = engine_chat.LocalChat(target)
            notes = chat.load(lambda fraction, text: self.post_message(LoadProgress(fraction, text)))
        except engine_chat.ChatError as exc:
            self.post_message(LoadFailed(exc, run_dir.name))
            return
        except Exception as exc:  # a library's surprise: a message in the pane, never a traceback
            self.post_message(LoadFailed(engine_chat.ChatError(f"{type(exc).__name__}: {exc}",
                                                               "See the message above; pick another run "
                                                               "(Ctrl+R) or fix the model folder."), run_dir.name))
            return
        if worker.is_cancelled:  # another run was picked meanwhile
            chat.close()
            return
        self.post_message(Loaded(chat, notes))

    def on_load_progress(self, message: LoadProgress) -> None:
        if message.fraction is not None:
            self.query_one("#chat-progress", ProgressBar).update(progress=message.fraction * 100)
        self.query_one("#chat-loading-text", Static).update(stage_text(message.text))

    def on_loaded(self, message: Loaded) -> None:
        if self.run_dir is None or message.chat.target.run_dir != self.run_dir:
            message.chat.close()  # a stale load: the user moved on
            return
        self.local = message.chat
        self.model_loading = False
        self.query_one("#chat-loading").display = False
        self.warnings = [w for w in self.warnings if w.startswith("!")] + list(message.notes)
        self._show_warnings()
        self._refresh_columns()
        self.notify(t("chat.loaded", run=message.chat.target.label, seconds=message.chat.load_seconds or 0))

    def on_load_failed(self, message: LoadFailed) -> None:
        self.model_loading = False
        self.load_error = message.error
        self.query_one("#chat-loading").display = False
        panel = self.query_one("#chat-error", Static)
        from tui.messages import error_parts
        said, advice = error_parts(message.error)   # in the user's language where the error is coded
        text = f"{t('chat.load_failed', run=message.label)}: {said}" + (f"\n{advice}" if advice else "")
        panel.update(text)
        panel.display = True
        self._refresh_columns()

    def on_hardware_warning(self, message: HardwareWarning) -> None:
        self.warnings.insert(0, "!" + message.text)
        self._show_warnings()
        self.notify(message.text, title=t("chat.gpu_warning"), severity="warning", timeout=12)

    def _show_warnings(self) -> None:
        line = self.query_one("#chat-warning", Static)
        texts = [w.lstrip("!") for w in self.warnings]
        line.update("\n".join(f"! {w}" for w in texts))
        line.set_class(any(w.startswith("!") for w in self.warnings), "warning")
        line.display = bool(texts)

    def _release_model(self) -> None:
        local, self.local = self.local, None
        if local is not None:
            # close() waits for a running generation to notice the stop; never block the UI on it.
            threading.Thread(target=local.close, name="tunewiz-chat-close", daemon=True).start()

    # -- columns --------------------------------------------------------------------------------
    def _columns(self) -> list[ChatColumn]:
        return [self.query_one(f"#col-{column}", ChatColumn) for column in COLUMNS]

    def _choice(self, column: str) -> ColumnChoice:
        return self.settings.left if column == "base" else self.settings.right

    def _backend(self, column: str) -> engine_chat.Backend | None:
        choice = self._choice(column)
        if choice.kind == ENDPOINT:
            return self.settings.remote(choice)
        if choice.kind == NONE:
            return None
        if column in self.injected:
            return self.injected[column]
        if self.local is not None:
            return engine_chat.LocalBackend(self.local, adapter=column == "tuned")
        return None

    def _title(self, column: str) -> str:
        choice = self._choice(column)
        if choice.kind == ENDPOINT:
            return t("chat.col.endpoint", model=choice.model or "?") + (f" @ {choice.base_url}" if choice.base_url else "")
        if choice.kind == NONE:
            return "—"
        if column in self.injected:
            return self.injected[column].label()
        if self.run_dir is None:
            return t(f"chat.col.{column}")
        if column == "base":
            base = self.local.target.base if self.local else (self.settings.base_override or "…")
            return t("chat.col.base_local", model=Path(base).name or base)
        label = self.local.target.label if self.local else self.run_dir.name
        return t("chat.col.tuned_local", run=label)

    def _refresh_columns(self) -> None:
        for column, widget in zip(COLUMNS, self._columns()):
            widget.set_title(self._title(column))
            usable = self._backend(column) is not None or (self.model_loading and self._choice(column).kind == LOCAL)
            widget.show_empty(not usable and not self.conversation.turns)
        self._update_status()

    def _update_status(self) -> None:
        s = self.settings.sampling
        if self.local is not None:
            run = f"{self.local.target.label} · {self.local.dtype}"
            device = self.local.device.upper()
        else:
            run = self.run_dir.name if self.run_dir else t("chat.no_run")
            device = "–"
        text = t("chat.status", run=run, device=device, temperature=s.temperature, top_p=s.top_p,
                 max_new_tokens=s.max_new_tokens)
        if s.seed is not None:
            text += t("chat.status_seed", seed=s.seed)
        thinking = getattr(self.local, "thinking", None)
        if thinking is not None:  # the run's template has a thinking switch: say how training set it
            text += t("chat.status_thinking_on" if thinking else "chat.status_thinking_off")
        self.query_one("#chat-status", Static).update(text)

    # -- asking ---------------------------------------------------------------------------------
    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "chat-prompt":
            return
        event.stop()
        prompt = event.value
        if not prompt.strip():
            return
        if self.generating:
            self.notify(t("chat.busy"), severity="warning")
            return
        jobs = []
        for column in COLUMNS:
            backend = self._backend(column)
            if backend is not None:
                jobs.append((column, backend, self.conversation.messages(column, prompt)))
        if not jobs:
            self.notify(t("chat.not_ready") if self.model_loading else t("chat.nothing_to_ask"), severity="warning")
            return
        event.input.value = ""
        sampling = self.settings.sampling
        if sampling.seed is None:  # one seed for the turn: both columns draw the same random numbers
            sampling = engine_chat.Sampling(sampling.temperature, sampling.top_p, sampling.max_new_tokens,
                                            int.from_bytes(os.urandom(4), "little"))
        first_of_group: set[int] = set()
        for column, backend, _ in jobs:
            widget = self.query_one(f"#col-{column}", ChatColumn)
            widget.show_empty(False)
            widget.add_user(prompt)
            widget.start_answer()
            group = id(backend.exclusive) if backend.exclusive is not None else id(backend)
            if group in first_of_group:
                widget.set_waiting()
            first_of_group.add(group)
        self.stopper = engine_chat.Stopper()
        self.generating = True
        self._generate(jobs, sampling, self.stopper, prompt)

    @work(thread=True, exclusive=True, exit_on_error=False, group="chat-generate")
    def _generate(self, jobs: list[tuple[str, Any, list[dict[str, str]]]], sampling: engine_chat.Sampling,
                  stopper: engine_chat.Stopper, prompt: str) -> None:
        replies = engine_chat.run_columns(
            jobs, sampling, stopper,
            on_piece=lambda column, piece: self.post_message(Piece(column, piece)),
            on_done=lambda column, reply: self.post_message(ReplyDone(column, reply)))
        answered_by = {column: backend.describe() for column, backend, _ in jobs}
        self.post_message(TurnDone(prompt, replies, sampling, answered_by))

    def on_piece(self, message: Piece) -> None:
        self.query_one(f"#col-{message.column}", ChatColumn).add_piece(message.text)

    def on_reply_done(self, message: ReplyDone) -> None:
        self.query_one(f"#col-{message.column}", ChatColumn).end_answer(message.reply)

    def on_turn_done(self, message: TurnDone) -> None:
        self.conversation.add(message.prompt, message.replies, message.sampling, message.columns)
        self.generating = False
        self.stopper = None
        self._update_status()
