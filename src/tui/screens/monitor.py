"""Monitor: one run, live — loss, learning rate, tokens/s, GPUs, progress, log tail, end state.

Everything comes from the run directory (engine.monitoring.RunWatcher), never from the trainer
process: the app can die, the SSH link can drop, and a new monitor shows the whole history again.

One thread worker follows the run. It polls the files four times a second, samples NVML every two
seconds and posts an immutable `Snapshot`. Figures update on every change; chart series are sent
at most every `chart_interval` seconds, an interval that grows with what a chart costs to draw,
so a fast run does not turn the monitor into a CPU hog. Messages replace each other in the queue
(toolong's `can_replace`): a UI that falls behind skips to the newest snapshot.
"""
from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.message import Message
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from engine import runs
from engine.hardware import GpuSample, GpuSampler
from engine.demo import CONVERSION_CODE, CONVERSION_PARTS
from engine.monitoring import DELETED, RunWatcher, Snapshot
from tui.formatting import format_duration, format_loss, format_rate
from tui.i18n import t
from tui.message_parts import snapshot_ending
from tui.messages import text_of
from tui.screens.base import TunewizScreen
from tui.screens.monitor_remote import RemoteJob, remote_info
from tui.widgets.gpu_panel import GpuPanel
from tui.widgets.log_tail import LogTail
from tui.widgets.run_charts import MetricChart, legend_markup, preference_legend_markup

STATE_STYLE = {"starting": "$text-primary", "running": "$text-primary", "stopping": "$text-warning",
               "completed": "$text-success", "stopped": "$text-warning", "failed": "$text-error",
               "oom": "$text-error", "crashed": "$text-error", DELETED: "$text-error"}
CHART_VIEWS = ("loss", "lr", "tps", "pref")  # `v` at 80 columns; "pref" only for DPO runs


def state_label(state: str) -> str:
    return t(f"runs.state.{state}")


def state_markup(state: str) -> str:
    return f"[b {STATE_STYLE.get(state, '$text')}]● {escape(state_label(state))}[/]"


class MonitorUpdate(Message):
    """A new snapshot of the run (and, every few seconds, new GPU samples)."""

    def __init__(self, snapshot: Snapshot, gpus: list[GpuSample] | None, gpu_note: str | None,
                 remote: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.gpus = gpus
        self.gpu_note = gpu_note
        self.remote = remote
        """A remote job's record and state (monitor_remote.remote_info); None for a local run."""

    def can_replace(self, message: Message) -> bool:
        # A newer update supersedes this one unless it would drop chart data or GPU samples.
        return (isinstance(message, MonitorUpdate)
                and (message.snapshot.series is not None or self.snapshot.series is None)
                and (message.gpus is not None or self.gpus is None))


class MonitorProblem(Message):
    """The follower hit an unexpected error; it keeps going, the user is told once."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class MonitorScreen(TunewizScreen):
    CSS_PATH = "../styles/monitor.tcss"
    BINDINGS = [
        Binding("s", "stop", "monitor.key.stop"),
        Binding("c", "chat", "monitor.key.chat"),
        Binding("v", "cycle_chart", "monitor.key.chart"),
        Binding("z", "zoom", "monitor.key.zoom"),
        Binding("f", "follow_again", "monitor.key.follow"),
        Binding("n", "retry", "monitor.key.retry"),
        Binding("escape", "back", "monitor.key.runs"),
    ]
    POLL_SECONDS = 0.5
    GPU_SECONDS = 2.0
    MIN_CHART_SECONDS = 1.0
    CHART_COST_FACTOR = 100  # chart drawing may take at most 1/100 of the time (1 % of a core)
    # While steps stream in, the figures are repainted at most this often: a fast run (10+ steps/s)
    # would otherwise repaint on every poll; a trainer sharing the CPU loses what the app spends.
    # A change of state (an end, a crash) is shown at the next poll regardless.
    MIN_UPDATE_SECONDS = 1.0
    COMPACT_WIDTH = 110

    def __init__(self, run_dir: str | Path | None = None, run: str | None = None,
                 poll_seconds: float | None = None, nvml: Any = None, follower: Any = None,
                 api_key: Any = None, **_: Any) -> None:
        """`follower` (the process following a remote job, just started) and `api_key` (a key typed
        into the wizard, memory only) come from the wizard's OpenAI branch."""
        super().__init__()
        self.run_dir = Path(run_dir).expanduser() if run_dir else None
        self._run_name = run
        self._poll_seconds = poll_seconds or self.POLL_SECONDS
        self._nvml = nvml
        self._snapshot: Snapshot | None = None
        self._gpus: list[GpuSample] = []
        self._gpu_note: str | None = None
        self._log_seq = 0
        self._texts: dict[str, str] = {}
        self._stop_event = threading.Event()
        self._first_paint = threading.Event()  # set once the first charts are on screen
        self._points = 200
        self._view = 0
        self._problems: set[str] = set()
        self._charts: list[MetricChart] = []
        self._applied_at = float("-inf")
        self.remote: RemoteJob | None = None
        """Set once the run shows itself as an OpenAI / Azure job."""
        self._remote_args = (follower, api_key)
        self.snapshots_applied = 0  # for tests and benchmarks: how many updates reached the screen
        self.charts_applied = 0

    # -- layout ------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield Static(id="mon-head")
        yield Static(id="mon-progress")
        yield Static(id="mon-figures")
        yield Static(id="mon-banner")
        with Horizontal(id="mon-charts"):
            yield MetricChart("loss", id="chart-loss")
            with Vertical(id="mon-side"):
                yield MetricChart("lr", id="chart-lr")
                yield MetricChart("tps", id="chart-tps")
                yield MetricChart("pref", id="chart-pref")
        with Horizontal(id="mon-bottom"):
            yield GpuPanel(id="mon-gpu")
            yield Static(id="mon-job")
            yield LogTail(t("monitor.log.empty"), id="mon-log")
        yield Footer()

    def on_mount(self) -> None:
        self._charts = list(self.query(MetricChart))
        self.query_one("#chart-loss", MetricChart).border_subtitle = legend_markup()
        self.query_one("#chart-pref", MetricChart).border_subtitle = preference_legend_markup()
        log = self.query_one("#mon-log", LogTail)
        log.border_title = t("monitor.log.title")
        self._set_text("mon-head", t("monitor.title"))
        if self.run_dir is None and self._run_name:
            try:
                self.run_dir = runs.resolve_run(self._run_name, getattr(self.app, "runs_dir", None))
            except runs.RunNotFound as exc:
                self._show_banner([escape(text_of(exc))], "error")
                return
        if self.run_dir is None:
            self._show_banner([escape(t("monitor.no_run"))], "error")
            return
        self._set_text("mon-head", f"{state_markup('starting')}  [b]{escape(self.run_dir.name)}[/b]")
        self._follow(self.run_dir)
        self.set_interval(1.0, self._tick)

    def on_unmount(self) -> None:
        self._stop_event.set()  # wakes the follower at once instead of after its sleep
        self._first_paint.set()

    def on_resize(self) -> None:
        compact = self.size.width < self.COMPACT_WIDTH
        self.set_class(compact, "-compact")
        chart = self.query_one("#chart-loss", MetricChart)
        # Braille gives two dots per cell; two points per dot column is all a chart can show.
        self._points = max(64, 2 * max(chart.size.width, self.size.width // 2))
        self.refresh_bindings()

    # -- the follower (a thread) -------------------------------------------------------------------
    def _chart_interval(self) -> float:
        # Called from the follower thread: it reads plain attributes of widgets found on mount,
        # never the DOM.
        cost = sum(chart.render_seconds for chart in self._charts)
        return max(self.MIN_CHART_SECONDS, self.CHART_COST_FACTOR * cost)

    @work(thread=True, exclusive=True, exit_on_error=False, group="monitor-follow", description="follow a run")
    def _follow(self, run_dir: Path) -> None:
        worker = get_current_worker()
        watcher = RunWatcher(run_dir)
        sampler = GpuSampler(self._nvml)
        last_chart = 0.0
        last_gpu = float("-inf")
        last_post = float("-inf")
        posted_state: str | None = None
        pending = False  # events arrived that are not on screen yet
        drawn_version: tuple[int, int] | None = None
        interval = self.MIN_CHART_SECONDS
        try:
            while not worker.is_cancelled and not self._stop_event.is_set():
                catching_up = False
                try:
                    pending = watcher.poll() or pending
                    catching_up = watcher.catching_up
                    now = time.monotonic()
                    changed = pending and (watcher.state != posted_state
                                           or now - last_post >= self.MIN_UPDATE_SECONDS)
                    gpus = None
                    if now - last_gpu >= self.GPU_SECONDS:
                        last_gpu = now
                        gpus = sampler.sample()
                    version = (id(watcher.history), watcher.history.events)
                    chart_due = version != drawn_version and (drawn_version is None or now - last_chart >= interval)
                    if chart_due:
                        if catching_up and drawn_version is not None and version[0] == drawn_version[0]:
                            chart_due = False  # the exact pass is still reading: keep the overview
                    if changed or gpus is not None or chart_due:
                        snapshot = watcher.snapshot(self._points if chart_due else None)
                        if chart_due:
                            drawn_version, last_chart = version, now
                            interval = self._chart_interval()
                        remote = remote_info(run_dir) if snapshot.backend != "local" else None
                        self.post_message(MonitorUpdate(snapshot, gpus, sampler.note, remote))
                        last_post, posted_state, pending = now, snapshot.state, False
                        if chart_due and catching_up and not self._first_paint.is_set():
                            # Re-attaching to a long run: the overview is on its way to the screen.
                            # Reading the rest now would fight the first paint for the GIL; wait for it.
                            self._first_paint.wait(2.0)
                except Exception as exc:  # keep following; say it once
                    self.post_message(MonitorProblem(f"{type(exc).__name__}: {exc}"))
                if not catching_up:
                    # An ended run changes only if it is resumed: look less often.
                    active = watcher.state in runs.ACTIVE_STATES
                    self._stop_event.wait(self._poll_seconds if active else max(self._poll_seconds, 2.0))
        finally:
            sampler.close()

    # -- applying snapshots (the UI thread) --------------------------------------------------------
    def on_monitor_update(self, message: MonitorUpdate) -> None:
        snapshot = message.snapshot
        previous = self._snapshot
        self._snapshot = snapshot
        self.snapshots_applied += 1
        self._applied_at = time.monotonic()
        self.set_class(snapshot.is_preference, "-preference")
        self._show_head(snapshot)
        self._show_progress(snapshot, time.time())
        self._show_figures(snapshot)
        self._show_state(snapshot)
        if snapshot.series is not None:
            self.charts_applied += 1
            if not self._first_paint.is_set():
                self.call_after_refresh(self._first_paint.set)
            placeholder = t("monitor.chart.waiting")
            for chart in self.query(MetricChart):
                chart.show(snapshot.series, placeholder)
            loss = self.query_one("#chart-loss", MetricChart)
            loss.border_title = t("monitor.chart.loss") + (
                f" · {t('monitor.chart.overview')}" if snapshot.provisional else "")
        if message.gpus is not None:
            self._gpus, self._gpu_note = message.gpus, message.gpu_note
        if snapshot.backend != "local" and self.run_dir is not None:
            self._show_job(snapshot, message.remote)
        else:
            self.query_one("#mon-gpu", GpuPanel).update_gpus(self._gpus, self._gpu_note, snapshot)
        self._show_log(snapshot)
        if previous is None or previous.state != snapshot.state or previous.followed != snapshot.followed:
            self.refresh_bindings()

    def _show_job(self, snapshot: Snapshot, info: dict[str, Any] | None) -> None:
        """A remote job: the job panel instead of the GPUs; follows again a job nobody follows."""
        if self.remote is None:
            self.remote = RemoteJob(self, self.run_dir, *self._remote_args)
            self.add_class("-remote")
            self.query_one("#mon-job", Static).border_title = t("monitor.job.title")
        self.remote.observe(snapshot, info)
        self._set_text("mon-job", self.remote.panel(snapshot))

    def on_monitor_problem(self, message: MonitorProblem) -> None:
        if message.error not in self._problems:
            self._problems.add(message.error)
            self.notify(t("monitor.poll_error", error=message.error), severity="warning")

    def _tick(self) -> None:
        # Elapsed and ETA move every second between snapshots; only this one line is redrawn, and
        # not when a snapshot has just redrawn it.
        recent = time.monotonic() - self._applied_at < 0.9
        if self._snapshot is not None and self._snapshot.active and not recent:
            self._show_progress(self._snapshot, time.time())

    def _set_text(self, widget_id: str, markup: str) -> None:
        if self._texts.get(widget_id) != markup:  # unchanged text: no repaint, no layout
            self._texts[widget_id] = markup
            # The one-line rows never change size: repainting them skips the screen's layout pass,
            # the most expensive part of an update. Only the banner (height auto) needs one.
            self.query_one(f"#{widget_id}", Static).update(markup, layout=widget_id == "mon-banner")

    def _show_head(self, s: Snapshot) -> None:
        model = s.model or "-"
        if model.startswith(("/", ".", "~")):
            model = Path(model).name  # a local path: its folder name says enough
        method = f"{s.method} ({s.tuning})" if s.method and s.tuning else (s.method or "-")
        head = t("monitor.head", name=s.name, model=model, method=method)
        if s.reference in ("base", "adapter", "copy"):
            head += " · " + t(f"monitor.reference.{s.reference}")
        self._set_text("mon-head", f"{state_markup(s.state)}  " + escape(head))

    def _show_progress(self, s: Snapshot, now: float) -> None:
        parts = []
        if s.step is not None and s.total_steps:
            parts.append(t("monitor.step", step=s.step, total=s.total_steps))
        elif s.step is not None:
            parts.append(t("monitor.step_open", step=s.step))
        if s.epoch is not None:
            parts.append(t("monitor.epoch", epoch=f"{s.epoch:.2f}"))
        parts.append(t("monitor.elapsed", elapsed=format_duration(s.elapsed_at(now))))
        if s.active:
            parts.append(t("monitor.eta", eta=format_duration(s.eta_at(now))))
        tail = " · ".join(parts)
        fraction = s.progress
        percent = f"{fraction * 100:3.0f}% " if fraction is not None else ""
        width = max(8, min(48, self.size.width - cell_len(tail) - cell_len(percent) - 4))
        filled = round((fraction or 0.0) * width)
        colour = STATE_STYLE.get(s.state, "$text-primary")
        bar = f"[{colour}]{'━' * filled}[/][$text-muted]{'━' * (width - filled)}[/]"
        self._set_text("mon-progress", f"{bar} {percent}{escape(tail)}")

    def _show_figures(self, s: Snapshot) -> None:
        parts = [t("monitor.loss", loss=format_loss(s.loss, s.loss_nonfinite))]
        if s.smoothed_loss is not None:
            parts.append(t("monitor.smoothed", loss=format_loss(s.smoothed_loss)))
        if s.eval_loss is not None:
            parts.append(t("monitor.eval", loss=format_loss(s.eval_loss)))
        if s.reward_margin is not None:
            parts.append(t("monitor.margin", margin=f"{s.reward_margin:+.3f}"))
        if s.reward_accuracy is not None:
            parts.append(t("monitor.accuracy", accuracy=f"{s.reward_accuracy:.0%}"))
        if s.lr is not None:
            parts.append(t("monitor.lr", lr=f"{s.lr:.2e}"))
        if s.tokens_per_s is not None:
            parts.append(t("monitor.tps", tps=format_rate(s.tokens_per_s)))
        if s.grad_norm is not None:
            parts.append(t("monitor.grad", grad=f"{s.grad_norm:.3g}"))
        self._set_text("mon-figures", escape(" · ".join(parts)))

    def _show_state(self, s: Snapshot) -> None:
        lines: list[str] = []
        severity = "warning"
        step = s.step if s.step is not None else 0
        if s.state == "completed":
            severity = "success"
            key = "monitor.banner.completed_output" if s.output else "monitor.banner.completed"
            lines.append(t(key, step=step, output=s.output))
        elif s.state in ("stopped", "failed", "oom"):
            severity = "warning" if s.state == "stopped" else "error"
            lines.append(t(f"monitor.banner.{s.state}", step=step))
        elif s.state == "crashed":
            severity = "error"
            lines.append(t("monitor.banner.crashed", pid=s.pid or "?"))
        elif s.state == DELETED:
            severity = "error"
            lines.append(t("monitor.banner.deleted", path=s.run_dir))
        elif s.state in ("starting", "running") and s.step_events == 0:
            lines.append(t("monitor.job.waiting") if s.backend != "local" else t("monitor.waiting"))
            part = (s.latest_log_params or {}).get("part")
            if s.latest_log_code == CONVERSION_CODE and part in CONVERSION_PARTS:  # the demo model, on first use
                lines.append(t(f"monitor.phase.demo-convert.{part}"))
            severity = "info"
        error, advice = snapshot_ending(s)   # the end event's code + params in the current language
        if error and s.state != "crashed":
            lines.append(t("monitor.banner.error", error=error))
        if s.state == "crashed":
            advice = (t("monitor.advice.resume", name=s.name) if s.resumable else
                      t("monitor.advice.restart", config=str(Path(s.run_dir) / runs.CONFIG_FILE)))
            lines.append(t("monitor.banner.advice", advice=advice))
        elif advice:
            lines.append(t("monitor.banner.advice", advice=advice))
        if s.nonfinite:
            lines.append(t("monitor.banner.nonfinite", value=s.loss_nonfinite or "nan", count=s.nonfinite,
                           step=s.first_nonfinite_step))
            if severity in ("info", "success"):
                severity = "warning"
        if s.unknown_types:
            types = ", ".join(sorted(s.unknown_types)[:4])
            lines.append(t("monitor.banner.unknown", count=sum(s.unknown_types.values()), types=types))
        if s.unreadable:
            lines.append(t("monitor.banner.unreadable", count=s.unreadable))
        self._show_banner([escape(line) for line in lines], severity)

    def _show_banner(self, lines: list[str], severity: str) -> None:
        banner = self.query_one("#mon-banner", Static)
        banner.set_class(bool(lines), "-visible")
        for name in ("error", "warning", "success", "info"):
            banner.set_class(name == severity, f"-{name}")
        self._set_text("mon-banner", "\n".join(lines))

    def _show_log(self, s: Snapshot) -> None:
        log = self.query_one("#mon-log", LogTail)
        new = s.log_seq - self._log_seq
        if new <= 0:
            return
        lines = list(s.log_lines)
        if new < len(lines):
            lines = lines[-new:]
        else:
            log.clear()  # more arrived than the tail keeps: show the tail afresh
        self._log_seq = s.log_seq
        log.write_lines(lines)

    # -- actions -----------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        s = self._snapshot
        if action == "stop":
            return True if s is not None and s.state in runs.ACTIVE_STATES else None
        if action == "follow_again":
            return s is not None and s.backend != "local" and s.active and not s.followed
        if action == "chat":
            return True if s is not None and s.state == "completed" else None
        if action == "retry":  # out of memory, and the estimator proposed settings that fit
            return s is not None and s.state == "oom" and bool(s.retry_settings) and self.remote is None
        if action == "cycle_chart":
            return self.has_class("-compact")  # side by side when wide: nothing to cycle
        return True

    def action_stop(self) -> None:
        from tui.widgets.confirm import ask_and_stop
        if self.remote is not None:
            self.remote.ask_cancel()      # a job at a service: cancel it there (no process here to signal)
        elif self.run_dir is not None:
            ask_and_stop(self, self.run_dir)

    def action_chat(self) -> None:
        s = self._snapshot
        if s is None or s.state != "completed":
            self.notify(t("monitor.chat.not_ready", state=state_label(s.state if s else "starting")))
            return
        if self.remote is not None:
            self.remote.open_chat()       # the ft: model beside its base, at the service
            return
        self.app.open_screen("chat", run_dir=str(self.run_dir))

    def action_retry(self) -> None:
        """Offers a new run with the `oom` end's proposed settings; on yes, starts it and follows it here."""
        from tui.widgets.confirm import ConfirmScreen
        s = self._snapshot
        if s is None or not s.retry_settings or self.run_dir is None:
            return
        settings = dict(s.retry_settings)
        shown = ", ".join(f"{key} = {value}" for key, value in settings.items())

        def answered(confirmed: bool | None) -> None:
            if not confirmed:
                return
            from engine.launch import LaunchError, restart_with
            try:
                new_dir, _ = restart_with(self.run_dir, settings)
            except (LaunchError, OSError) as exc:
                self.notify(t("monitor.retry.failed", error=str(exc)), severity="error")
                return
            self.app.pop_screen()
            self.app.open_screen("monitor", run_dir=new_dir)

        self.app.push_screen(ConfirmScreen(t("monitor.retry.title"), t("monitor.retry.body", settings=shown,
                                                                        name=s.name),
                                           t("monitor.retry.yes"), t("monitor.retry.no")), answered)

    def action_follow_again(self) -> None:
        if self.remote is not None:
            self.remote.follow_again()
            if self._snapshot is not None:
                self._set_text("mon-job", self.remote.panel(self._snapshot))

    def action_cycle_chart(self) -> None:
        views = len(CHART_VIEWS) if self.has_class("-preference") else CHART_VIEWS.index("pref")
        self._view = (self._view + 1) % views
        for index, view in enumerate(CHART_VIEWS):
            self.set_class(index == self._view and view != "loss", f"-show-{view}")

    def action_zoom(self) -> None:
        self.toggle_class("-zoom")

    def action_back(self) -> None:
        stack = self.app.screen_stack
        if len(stack) >= 2 and type(stack[-2]).__name__ == "RunsScreen":
            self.app.pop_screen()
        elif len(stack) >= 2:
            self.app.pop_screen()
            self.app.open_screen("runs")
        else:
            self.app.open_screen("runs")

