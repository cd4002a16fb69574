"""Runs: every run under the runs directory, live; Enter attaches the monitor.

The list comes from each run's status.json (engine.runs.list_runs): cheap to read every two
seconds, in a thread, whatever the length of the runs. States are the engine's, so a trainer that
died without an end event shows as `crashed` here too.
"""
from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Footer, Header, Static

from engine import runs
from tui.formatting import format_loss
from tui.i18n import t
from tui.screens.base import TunewizScreen, localize_bindings

COLUMNS = ("name", "state", "step", "loss", "model", "method", "started", "updated")
STATE_COLOURS = {"starting": "text-primary", "running": "text-primary", "stopping": "text-warning",
                 "completed": "text-success", "stopped": "text-warning", "failed": "text-error",
                 "oom": "text-error", "crashed": "text-error"}


class RunsTable(DataTable):
    """The table of runs; Enter (attach) is shown in the footer, which DataTable's own binding is not."""

    BINDINGS = [Binding("enter", "select_cursor", "runs.key.attach")]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        localize_bindings(self)


class RunsListed(Message):
    def __init__(self, found: list[runs.RunInfo], error: str | None) -> None:
        super().__init__()
        self.found = found
        self.error = error

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RunsListed)


def when(ts: float | None) -> str:
    return datetime.fromtimestamp(ts).strftime("%m-%d %H:%M") if ts else "-"


def ago(ts: float | None, now: float) -> str:
    if not ts:
        return "-"
    seconds = max(0.0, now - ts)
    if seconds < 60:
        return t("runs.ago.now")
    if seconds < 3600:
        return t("runs.ago.minutes", n=int(seconds // 60))
    if seconds < 86400:
        return t("runs.ago.hours", n=int(seconds // 3600))
    return t("runs.ago.days", n=int(seconds // 86400))


def short_model(model: str | None) -> str:
    if not model:
        return "-"
    return Path(model).name if model.startswith(("/", ".", "~")) else model


class RunsScreen(TunewizScreen):
    CSS_PATH = "../styles/runs.tcss"
    BINDINGS = [
        Binding("a", "attach", "runs.key.attach", show=False),
        Binding("s", "stop", "runs.key.stop"),
        Binding("c", "chat", "runs.key.chat"),
        Binding("r", "refresh", "runs.key.refresh"),
        Binding("escape", "back", "key.back"),
    ]
    REFRESH_SECONDS = 2.0

    def __init__(self, runs_dir: str | Path | None = None, **_: object) -> None:
        super().__init__()
        self._runs_dir_arg = Path(runs_dir) if runs_dir else None
        self._runs: dict[str, runs.RunInfo] = {}
        self._order: list[str] = []
        self.loads = 0  # completed listings, for tests

    @property
    def runs_dir(self) -> Path:
        return self._runs_dir_arg or getattr(self.app, "runs_dir", None) or runs.default_runs_dir()

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="runs-heading", classes="heading", markup=False)
        yield Static(id="runs-empty", markup=False)
        table = RunsTable(id="runs-table", cursor_type="row", zebra_stripes=True)
        yield table
        yield Static(id="runs-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#runs-table", DataTable)
        for column in COLUMNS:
            table.add_column(t(f"runs.col.{column}"), key=column)
        table.focus()
        self._load()
        self.set_interval(self.REFRESH_SECONDS, self._load)
        self._warm_up()

    @work(thread=True, exit_on_error=False, group="runs-warm-up", description="import the monitor")
    def _warm_up(self) -> None:
        # The monitor (and plotext) import in ~0.15 s; done now, Enter on a run draws at once.
        import importlib
        importlib.import_module("tui.screens.monitor")

    def on_screen_resume(self) -> None:
        self._load()  # back from the monitor: show what changed meanwhile

    @work(thread=True, exclusive=True, exit_on_error=False, group="runs-list", description="list runs")
    def _load(self) -> None:
        try:
            found = runs.list_runs(self.runs_dir)
            error = None
        except OSError as exc:  # a runs directory we may not read: say so, keep the screen
            found, error = [], str(exc)
        self.post_message(RunsListed(found, error))

    def on_runs_listed(self, message: RunsListed) -> None:
        self.loads += 1
        table = self.query_one("#runs-table", DataTable)
        found = message.found
        keys = [r.path for r in found]
        self._runs = {r.path: r for r in found}
        root = self.runs_dir
        heading = self.query_one("#runs-heading", Static)
        empty = self.query_one("#runs-empty", Static)
        if message.error:
            empty.update(t("runs.read_error", error=message.error))
        elif not found:
            empty.update(t("runs.empty", dir=root) if root.is_dir() else t("runs.missing_dir", dir=root))
        empty.display = bool(message.error or not found)
        table.display = bool(found)
        heading.update(t("runs.heading", count=len(found), dir=root))
        now = time.time()
        if keys != self._order:
            # Runs came or went: rebuild in order, keeping the cursor on the same run.
            selected = self._selected_key()
            table.clear()
            for info in found:
                table.add_row(*self._cells(info, now), key=info.path)
            self._order = keys
            if selected in keys:
                table.move_cursor(row=keys.index(selected))
        else:
            for info in found:
                for column, value in zip(COLUMNS, self._cells(info, now)):
                    table.update_cell(info.path, column, value)
        self._show_detail()
        self.refresh_bindings()

    def _cells(self, info: runs.RunInfo, now: float) -> list[Text]:
        colour = self.app.theme_variables.get(STATE_COLOURS.get(info.state, "text"), "")
        try:
            state = Text(t(f"runs.state.{info.state}"), style=f"bold {colour}" if colour.startswith("#") else "bold")
        except Exception:
            state = Text(info.state)
        if info.step is not None and info.total_steps:
            step = f"{info.step}/{info.total_steps}"
        elif info.step is not None:
            step = str(info.step)
        else:
            step = "-"
        loss = format_loss(info.last_loss) if isinstance(info.last_loss, (int, float)) else "-"
        method = info.method or "-"
        if info.backend != "local":  # a job at OpenAI / Azure: where it trains, and whether anything follows it
            method = f"{t(f'runs.backend.{info.backend}')} · {method}"
            if not info.followed:
                state.append(" " + t("runs.unfollowed"), style="dim")
        return [Text(info.name), state, Text(step, justify="right"), Text(loss, justify="right"),
                Text(short_model(info.model)), Text(method), Text(when(info.started_at)),
                Text(ago(info.updated_at, now))]

    def _selected_key(self) -> str | None:
        table = self.query_one("#runs-table", DataTable)
        if not table.row_count:
            return None
        try:
            return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        except Exception:
            return None

    def _selected(self) -> runs.RunInfo | None:
        key = self._selected_key()
        return self._runs.get(key) if key else None

    def _show_detail(self) -> None:
        info = self._selected()
        lines = []
        if info is not None:
            lines.append(t("runs.detail", path=info.path))
            from tui.message_parts import ending_texts
            code, params = runs.run_ending(info.path, info.state) if info.error or info.advice else (None, None)
            error, advice = ending_texts(code, params, info.error, info.advice)   # in the current language
            if error:
                lines.append(t("runs.detail_error", error=error))
            if advice:
                lines.append(t("runs.detail_advice", advice=advice))
        self.query_one("#runs-detail", Static).update("\n".join(lines))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()
        self.refresh_bindings()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_attach()

    # -- actions -----------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("attach", "stop", "chat"):
            info = self._selected()
            if info is None:
                return None
            if action == "stop":
                return True if info.state in runs.ACTIVE_STATES else None
            if action == "chat":
                return True if info.state == "completed" else None
        return True

    def action_attach(self) -> None:
        info = self._selected()
        if info is None:
            return
        if not Path(info.path).is_dir():
            self.notify(t("runs.gone"), severity="warning")
            self._load()
            return
        self.app.open_screen("monitor", run_dir=info.path)

    def action_stop(self) -> None:
        from tui.widgets.confirm import ask_and_stop
        info = self._selected()
        if info is not None:
            ask_and_stop(self, Path(info.path))

    def action_chat(self) -> None:
        info = self._selected()
        if info is not None and info.state == "completed":
            self.app.open_screen("chat", run_dir=info.path)

    def action_refresh(self) -> None:
        self._load()
        self.notify(t("runs.refreshed"), timeout=1.5)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()
