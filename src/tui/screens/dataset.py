"""Dataset: pick a file, see its format, a preview of the canonical conversations, the findings,
the statistics (with the OpenAI cost for that target) and write a cleaned copy. A preference-pair
file (DPO data) previews as pairs (prompt, then the chosen and the rejected answer), is checked by the
pair lint (the engine's `lint_file` hands it over) and fixed in its own format.

The work happens in thread workers that post typed messages (widgets/dataset/messages.py): one
loads a file (index the rows for the preview → load the tokenizer → lint with progress), one
reads preview pages, one writes the fix. A new file, target or tokenizer choice starts a new
generation; the older worker is cancelled at its next progress tick and its messages are dropped.
The engine (engine.data) does every check; this screen only shows what it found.

Layout: at 140 columns and more, files | preview | findings over statistics; narrower, one pane
at a time, switched with 1–4 (a bar shows which). Every action has a footer key.
"""
from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path
from typing import Any

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Footer, Header, Input, Label, ProgressBar, Static
from textual.worker import get_current_worker

from tui.i18n import t
from tui.messages import text_of
from tui.screens.base import TunewizScreen
from tui.widgets.dataset.files import DatasetTree, is_dataset_file
from tui.widgets.paths import PathSuggester
from tui.widgets.dataset.findings import FindingsView
from tui.widgets.dataset.messages import FixWritten, LintDone, LoadFailed, LoadProgress, PageReady, SourceReady
from tui.widgets.dataset.preview import PreviewTable
from tui.widgets.dataset.snappy import SnappyThreads
from tui.widgets.dataset.stats import StatsPanel

PANES = ("files", "preview", "findings", "stats")
PANE_TITLES = {"files": "dataset.pane.files", "preview": "dataset.pane.preview", "findings": "dataset.pane.findings",
               "stats": "dataset.pane.stats"}
WIDE_MIN = 140      # columns from which every pane is shown at once
PAGE = 100          # records per preview page
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
_FIELD_INDEX = re.compile(r"^(?:messages|conversation)\[(\d+)\]")

# Token counters by (target, model, tokenizer wanted): loading a tokenizer takes seconds (transformers
# is imported then), so it happens once per app, inside a worker.
_COUNTERS: dict[tuple[str, str | None, bool], tuple[Any, str | None]] = {}
_COUNTERS_LOCK = threading.Lock()


def token_counter(target: str, model: str | None, tokenizer: bool) -> tuple[Any, str | None]:
    """(counter, notice) for a target; the labelled estimate when the tokenizer is off or cannot load."""
    from engine.data.stats import EstimateCounter, load_counter
    if not tokenizer:
        from engine.messages import Coded
        return EstimateCounter(Coded("lint.counter.why.tokenizer-off")), Coded("lint.notice.tokenizer-off")
    key = (target, model, tokenizer)
    with _COUNTERS_LOCK:
        if key not in _COUNTERS:
            # The OpenAI model name is for prices, not a tokenizer to load.
            _COUNTERS[key] = load_counter(target, model)  # openai: the model picks tiktoken's encoding
        return _COUNTERS[key]


class _Cancelled(Exception):
    """Raised in a worker thread at a progress tick once its worker was cancelled."""


class DatasetScreen(TunewizScreen):
    """Check a dataset file before training on it."""

    CSS_PATH = "../styles/dataset.tcss"
    BINDINGS = [
        Binding("o", "open_file", "dataset.key.open"),
        Binding("t", "toggle_target", "dataset.key.target"),
        Binding("k", "toggle_tokenizer", "dataset.key.tokenizer"),
        Binding("f", "fix", "dataset.key.fix"),
        Binding("r", "reload", "dataset.key.reload"),
        Binding("escape", "back", "key.back"),
        Binding("1", "show_pane('files')", "dataset.pane.files", show=False),
        Binding("2", "show_pane('preview')", "dataset.pane.preview", show=False),
        Binding("3", "show_pane('findings')", "dataset.pane.findings", show=False),
        Binding("4", "show_pane('stats')", "dataset.pane.stats", show=False),
    ]

    def __init__(self, path: str | os.PathLike | None = None, target: str = "open", tokenizer: bool = True,
                 model: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.initial_path = str(path) if path else None
        self.path: str | None = None
        """The file shown (None before one is opened)."""
        self.target = target if target in ("open", "openai") else "open"
        """Lint for local training ("open") or for OpenAI's fine-tuning API ("openai", with the cost)."""
        self.tokenizer = tokenizer
        """Count tokens with the real tokenizer (demo model / tiktoken); off: the labelled estimate."""
        self.model = model
        self.source: Any = None
        """The RowSource of the file (random access to rows for the preview)."""
        self.report: Any = None
        """The LintReport of the file for the current target (None while checking)."""
        self.lint_opts: Any = None
        self.checking = False
        """A load/lint is running. (Not `loading`: that is Textual's reactive that covers a widget with a spinner.)"""
        self.load_error: str | None = None
        self.page = -1
        self.active_pane = "files"
        self.narrow = True
        self.last_fix: Any = None
        self._generation = 0
        self._page_serial = 0
        self._marks: dict[int, str] = {}
        self._phase = ""
        self._progress = (0, 0)
        self._writing = False

    # ---------------------------------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="path-row"):
            yield Label(t("dataset.path.label"), id="path-label")
            yield Input(placeholder=t("dataset.path.placeholder"), id="path", compact=True,
                        suggester=PathSuggester(accept_file=is_dataset_file))
        with Horizontal(id="status-row"):
            yield Static(t("dataset.status.none"), id="summary", markup=False)
            yield ProgressBar(total=None, show_eta=False, id="progress")
        yield Static("", id="pane-bar")
        with Horizontal(id="panes"):
            with Vertical(id="files-pane", classes="pane"):
                yield DatasetTree(Path.cwd(), id="files-tree")
            with Vertical(id="preview-pane", classes="pane"):
                yield Static(t("dataset.preview.none"), id="preview-message", markup=False)
                yield PreviewTable(id="preview")
                yield Static("", id="preview-info", markup=False)
            with Vertical(id="side"):
                yield FindingsView(id="findings-pane", classes="pane")
                with VerticalScroll(id="stats-pane", classes="pane"):
                    yield StatsPanel(id="stats")
        yield Footer()

    def on_mount(self) -> None:
        for name in PANES:
            self.query_one(f"#{name}-pane").border_title = f"{PANES.index(name) + 1} {t(PANE_TITLES[name])}"
        self.query_one("#progress", ProgressBar).display = False
        self.query_one("#preview", PreviewTable).display = False
        self._apply_layout(self.app.size.width)
        if self.initial_path:
            self.query_one("#path", Input).value = self.initial_path
            self.load(self.initial_path)
        else:
            self.active_pane = "files"
            self._apply_layout(self.app.size.width)
            self.query_one("#path", Input).focus()

    def on_resize(self, event: Any) -> None:
        # The preview re-wraps itself when its own width changes (PreviewTable.on_resize).
        self._apply_layout(event.size.width)

    def _rewrap(self) -> None:
        table = self.query_one("#preview", PreviewTable)
        if table.row_meta:
            table.refresh_layout(self._marks)

    def _apply_layout(self, width: int) -> None:
        self.narrow = width < WIDE_MIN
        self.set_class(self.narrow, "-narrow")
        for name in PANES:
            self.query_one(f"#{name}-pane").set_class(name == self.active_pane, "-active")
        self.query_one("#side").set_class(self.active_pane in ("findings", "stats"), "-active")
        self._update_pane_bar()

    def _update_pane_bar(self) -> None:
        parts = []
        for i, name in enumerate(PANES, 1):
            label = t(PANE_TITLES[name])
            if name == "findings" and self.report is not None and self.report.fatal is None:
                label += f" ({sum(self.report.severities.values())})"
            style = "reverse bold" if name == self.active_pane else ""
            parts.append(f"[@click=screen.show_pane('{name}')][{style}] {i} {label} [/][/]" if style else
                         f"[@click=screen.show_pane('{name}')] {i} {label} [/]")
        self.query_one("#pane-bar", Static).update("│".join(parts))

    def action_show_pane(self, name: str, focus: bool = True) -> None:
        if name not in PANES:
            return
        self.active_pane = name
        self._apply_layout(self.app.size.width)
        if focus:
            target = {"files": "#files-tree", "preview": "#preview", "findings": "#findings-tree",
                      "stats": "#stats"}[name]
            widget = self.query_one(target)
            if name == "preview" and not widget.display:
                return
            self.call_after_refresh(widget.focus)

    # ---------------------------------------------------------------------------------------- opening
    def action_open_file(self) -> None:
        self.action_show_pane("files", focus=False)
        path_input = self.query_one("#path", Input)
        path_input.focus()
        path_input.select_all()

    @on(Input.Submitted, "#path")
    def _path_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if not value:
            return
        path = Path(os.path.expanduser(value))
        if path.is_dir():
            tree = self.query_one("#files-tree", DatasetTree)
            tree.path = path
            self.action_show_pane("files")
            return
        self.load(str(path))

    @on(DatasetTree.FileSelected, "#files-tree")
    def _file_selected(self, event: DatasetTree.FileSelected) -> None:
        event.stop()
        path = event.path
        try:
            path = path.relative_to(Path.cwd())
        except ValueError:
            pass
        self.query_one("#path", Input).value = str(path)
        self.load(str(path))

    def load(self, path: str) -> None:
        """Opens `path`: index its rows, then lint it (all in a worker)."""
        self.path = path
        self.source = None
        self.sub_title = Path(path).name
        self._start(reuse_source=False)
        self.action_show_pane("preview", focus=False)
        self.call_after_refresh(self.query_one("#preview", PreviewTable).focus)

    def _start(self, reuse_source: bool) -> None:
        if self.path is None:
            return
        self._generation += 1
        self.report = None
        self.load_error = None
        self.checking = True
        self._phase = "index" if not reuse_source else "scan"
        self._progress = (0, 0)
        from engine.data.lint import LintOptions
        self.lint_opts = LintOptions(target=self.target, model=self.model, workers=1)
        if not reuse_source:
            self.page = -1
            self._marks = {}
            table = self.query_one("#preview", PreviewTable)
            table.clear(columns=True)
            table.row_meta = []
            table.display = False
            self._preview_message(t("dataset.preview.loading", path=self.path), error=False)
            self.query_one("#preview-info", Static).update("")
        self.query_one(FindingsView).clear(t("dataset.findings.checking"))
        self.query_one("#stats", StatsPanel).show(None, self.target, t("dataset.stats.checking"))
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self._update_summary()
        self._update_pane_bar()
        self._load_worker(self._generation, self.path, self.target, self.tokenizer, self.model,
                          self.source if reuse_source else None, self.lint_opts)

    @work(thread=True, exclusive=True, exit_on_error=False, group="dataset-load", description="check a dataset file")
    def _load_worker(self, generation: int, path: str, target: str, tokenizer: bool, model: str | None,
                     source: Any, opts: Any) -> None:
        from engine.data.records import DatasetError
        worker = get_current_worker()
        last = [0.0, ""]

        def tick(phase: str, done: int, total: int) -> None:
            if worker.is_cancelled:
                raise _Cancelled
            now = time.monotonic()
            if phase != last[1] or now - last[0] >= 0.05:
                last[0], last[1] = now, phase
                self.post_message(LoadProgress(generation, phase, done, total))

        try:
            with SnappyThreads():
                self._load_steps(generation, path, target, tokenizer, model, source, opts, tick, worker)
        except _Cancelled:
            return
        except DatasetError as e:
            self.post_message(LoadFailed(generation, text_of(e), e.code))
        except Exception as e:  # noqa: BLE001 - a bug in a rule must show up as a message, not kill the app
            self.post_message(LoadFailed(generation, t("dataset.error.unexpected", error=f"{type(e).__name__}: {e}"),
                                         "internal"))

    def _load_steps(self, generation: int, path: str, target: str, tokenizer: bool, model: str | None,
                    source: Any, opts: Any, tick: Any, worker: Any) -> None:
        """Runs in the load worker's thread: index → tokenizer → lint, each step posting its result."""
        from engine.data.lint import lint_file
        from tui.widgets.dataset.source import RowSource
        if source is None:
            tick("index", 0, 0)
            source = RowSource.open(path, tick)
            self.post_message(SourceReady(generation, source))
        if tokenizer:
            tick("tokenizer", 0, 0)
        counter, notice = token_counter(target, model, tokenizer)
        tick("scan", 0, 0)
        if source.pairs and target == "openai" and source.format == "openai-preference":
            # OpenAI's own rules for its preference files (keys, one output message, limits, cost)
            from engine.openai_ft.preference import lint_preference_file
            report = lint_preference_file(path, model=model, counter=counter, counter_notice=notice)
        else:
            if source.pairs:
                opts.format = source.format  # the pair lint whatever the target (OpenAI takes no other pair format)
            report = lint_file(path, opts, counter=counter, counter_notice=notice, tick=tick)
        if worker.is_cancelled:
            return
        self.post_message(LintDone(generation, report))

    @on(LoadProgress)
    def _on_progress(self, message: LoadProgress) -> None:
        if message.generation != self._generation or not self.checking:
            return
        self._phase = message.phase
        self._progress = (message.done, message.total)
        bar = self.query_one("#progress", ProgressBar)
        if message.total:
            bar.update(total=message.total, progress=message.done)
        else:
            bar.update(total=None)
        self._update_summary()

    @on(SourceReady)
    def _on_source(self, message: SourceReady) -> None:
        if message.generation != self._generation:
            return
        self.source = message.source
        self._request_page(0, focus_index=0)

    @on(LintDone)
    def _on_lint_done(self, message: LintDone) -> None:
        if message.generation != self._generation:
            return
        report = message.report
        self.checking = False
        self.query_one("#progress", ProgressBar).display = False
        if report.fatal is not None:
            self._show_error(text_of(report.fatal))
            return
        self.report = report
        marks: dict[int, str] = {}
        for f in report.findings:
            if f.line is not None and SEVERITY_RANK.get(f.severity, 3) < SEVERITY_RANK.get(marks.get(f.line, ""), 3):
                marks[f.line] = f.severity
        self._marks = marks
        self.query_one(FindingsView).show_report(report)
        self.query_one("#stats", StatsPanel).show(report.stats, self.target)
        self._rewrap()
        self._update_summary()
        self._update_pane_bar()

    @on(LoadFailed)
    def _on_failed(self, message: LoadFailed) -> None:
        if message.generation != self._generation:
            return
        self.checking = False
        self.query_one("#progress", ProgressBar).display = False
        self._show_error(message.message)

    def _show_error(self, text: str) -> None:
        self.load_error = text
        self.report = None
        table = self.query_one("#preview", PreviewTable)
        table.display = False
        self._preview_message(t("dataset.error.title") + "\n\n" + text + "\n\n" + t("dataset.error.next"), error=True)
        self.query_one(FindingsView).clear(text)
        self.query_one("#stats", StatsPanel).show(None, self.target, t("dataset.stats.unreadable"))
        self._update_summary()
        self._update_pane_bar()
        self.action_show_pane("preview", focus=False)

    def _preview_message(self, text: str, error: bool) -> None:
        box = self.query_one("#preview-message", Static)
        box.update(text)
        box.set_class(error, "error")
        box.display = True

    # ---------------------------------------------------------------------------------------- summary
    def _colour(self, name: str) -> Style:
        return Style(color=self.app.theme_variables.get(name) or None)

    def _update_summary(self) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        if self._writing:
            text.append("⟳ " + t("dataset.phase.fix") + " ", style=self._colour("accent"))
        if self.path is None:
            text.append(t("dataset.status.none"), style="dim")
        elif self.load_error is not None:
            text.append("✖ " + t("dataset.status.unreadable"), style=self._colour("error"))
        elif self.checking:
            done, total = self._progress
            text.append("⟳ " + t(f"dataset.phase.{self._phase}"))
            if self._phase == "tokens" and total:
                text.append(f" {done:,}/{total:,}")
            if self.source is not None:
                text.append(f" · {self.source.format} · " + t("dataset.status.rows", rows=len(self.source)), style="dim")
        elif self.report is not None:
            r, st = self.report, self.report.stats
            text.append(f"{r.format}", style="bold")
            text.append(f" · {st.get('layout', '')} · " + t("dataset.status.rows", rows=r.rows) + " · ")
            sev = r.severities
            text.append(f"✖ {sev.get('error', 0)}", style=self._colour("error") if sev.get("error") else self._colour("success"))
            text.append(f" ▲ {sev.get('warning', 0)}", style=self._colour("warning") if sev.get("warning") else "")
            text.append(f" ● {sev.get('info', 0)}")
        text.append(" · " + t("dataset.status.target", target=self.target))
        text.append(" · " + t("dataset.status.tokens_on" if self.tokenizer else "dataset.status.tokens_off"))
        self.query_one("#summary", Static).update(text)

    # ---------------------------------------------------------------------------------------- preview
    def _request_page(self, page: int, focus_index: int | None = None, focus_message: int | None = None,
                      at_end: bool = False) -> None:
        if self.source is None:
            return
        self._page_serial += 1
        self._page_worker(self._generation, self._page_serial, self.source, page, focus_index, focus_message, at_end)

    @work(thread=True, exclusive=True, exit_on_error=False, group="dataset-page", description="read preview rows")
    def _page_worker(self, generation: int, serial: int, source: Any, page: int, focus_index: int | None,
                     focus_message: int | None, at_end: bool) -> None:
        try:
            rows = source.read(page * PAGE, (page + 1) * PAGE)
        except Exception as e:  # noqa: BLE001 - e.g. the file changed under us
            self.post_message(LoadFailed(generation, t("dataset.error.unexpected", error=f"{type(e).__name__}: {e}"),
                                         "internal"))
            return
        self.post_message(PageReady(generation, serial, page, rows, focus_index, focus_message, at_end))

    @on(PageReady)
    def _on_page(self, message: PageReady) -> None:
        if message.generation != self._generation or message.serial != self._page_serial:
            return
        self.page = message.page
        table = self.query_one("#preview", PreviewTable)
        self.query_one("#preview-message", Static).display = False
        table.display = True
        table.show_rows(message.rows, self._marks, message.focus_index, message.focus_message, message.at_end)
        self._update_preview_info()

    @on(DataTable.RowHighlighted, "#preview")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._update_preview_info()

    def _update_preview_info(self) -> None:
        if self.source is None:
            return
        table = self.query_one("#preview", PreviewTable)
        meta = table.cursor_location_meta()
        n = len(self.source)
        pages = max(1, -(-n // PAGE))
        if meta is None:
            text = t("dataset.preview.info_empty", rows=n)
        else:
            index = meta[0]
            text = t("dataset.preview.info", row=index + 1, rows=n, line=self.source.line_of(index),
                     page=self.page + 1, pages=pages)
        self.query_one("#preview-info", Static).update(text)

    @on(PreviewTable.EdgeReached)
    def _edge(self, event: PreviewTable.EdgeReached) -> None:
        if self.source is None:
            return
        last_page = max(0, (len(self.source) - 1) // PAGE)
        if event.jump:
            if event.direction > 0:
                self._request_page(last_page, at_end=True)
            else:
                self._request_page(0, focus_index=0)
        elif event.direction > 0 and self.page < last_page:
            self._request_page(self.page + 1, focus_index=(self.page + 1) * PAGE)
        elif event.direction < 0 and self.page > 0:
            self._request_page(self.page - 1, at_end=True)

    def jump_to_line(self, line: int, field: str | None = None) -> bool:
        """Moves the preview cursor to the row that holds `line` (the message named by `field` where known)."""
        if self.source is None:
            return False
        index = self.source.index_of_line(line)
        if index is None:
            return False
        message_index = None
        if field and self.source.pairs:
            from tui.widgets.dataset.source import pair_message_index
            row = self.source.read(index, index + 1)
            if row and row[0].example is not None:
                message_index = pair_message_index(row[0].example, field)
        elif field and self.source.format in ("openai", "conversation"):
            m = _FIELD_INDEX.match(field)
            if m:
                message_index = int(m.group(1))
        page = index // PAGE
        table = self.query_one("#preview", PreviewTable)
        if page == self.page and table.row_meta:
            rows = [k for k, (i, j) in enumerate(table.row_meta) if i == index]
            if rows:
                exact = [k for k in rows if table.row_meta[k][1] == message_index]
                table.move_cursor(row=(exact or rows)[0], animate=False, scroll=True)
                return True
        self._request_page(page, focus_index=index, focus_message=message_index)
        return True

    @on(FindingsView.Jump)
    def _jump(self, message: FindingsView.Jump) -> None:
        if message.follow and self.narrow:
            return
        self.jump_to_line(message.line, message.field)
        if not message.follow and self.narrow:
            self.action_show_pane("preview")

    # ---------------------------------------------------------------------------------------- actions
    def action_toggle_target(self) -> None:
        self.target = "openai" if self.target == "open" else "open"
        self.notify(t("dataset.target.now", target=t(f"dataset.target.{self.target}")))
        if self.path is not None and self.source is not None:
            self._start(reuse_source=True)
        else:
            self._update_summary()

    def action_toggle_tokenizer(self) -> None:
        self.tokenizer = not self.tokenizer
        self.notify(t("dataset.tokens.now_on" if self.tokenizer else "dataset.tokens.now_off"))
        if self.path is not None and self.source is not None:
            self._start(reuse_source=True)
        else:
            self._update_summary()

    def action_reload(self) -> None:
        if self.path is not None:
            self.source = None
            self._start(reuse_source=False)

    def action_back(self) -> None:
        self.workers.cancel_group(self, "dataset-load")
        self.app.pop_screen()

    def action_fix(self) -> None:
        if self.checking:
            self.notify(t("dataset.fix.wait"), severity="warning")
            return
        if self.report is None or self.report.fatal is not None or self.path is None:
            self.notify(t("dataset.fix.nothing"), severity="warning")
            return
        from tui.widgets.dataset.fix_dialog import FixDialog
        self.app.push_screen(FixDialog(self.path, self.report, self.lint_opts), self._fix_chosen)

    def _fix_chosen(self, choice: Any) -> None:
        if choice is None or self.report is None or self.path is None:
            return
        self.query_one("#progress", ProgressBar).display = True
        self.query_one("#progress", ProgressBar).update(total=None, progress=0)
        self._writing = True
        self._update_summary()
        self._fix_worker(self.path, self.report, self.lint_opts, choice.out, choice.to)

    @work(thread=True, exclusive=True, exit_on_error=False, group="dataset-fix", description="write the fixed copy")
    def _fix_worker(self, path: str, report: Any, opts: Any, out: str, to: str | None) -> None:
        from engine.data.fix import fix_file
        from engine.data.pair_lint import fix_pair_file
        from engine.data.preference import PAIR_FORMATS
        from engine.data.records import DatasetError
        try:
            with SnappyThreads():
                if report.format in PAIR_FORMATS:  # preference pairs keep their own format
                    result = fix_pair_file(path, report, out, opts)
                else:
                    result = fix_file(path, report, out, to, opts)
        except DatasetError as e:
            self.post_message(FixWritten(None, text_of(e)))
            return
        except Exception as e:  # noqa: BLE001
            self.post_message(FixWritten(None, f"{type(e).__name__}: {e}"))
            return
        self.post_message(FixWritten(result, None))

    @on(FixWritten)
    def _on_fix_written(self, message: FixWritten) -> None:
        self._writing = False
        if not self.checking:
            self.query_one("#progress", ProgressBar).display = False
        self._update_summary()
        if message.error:
            self.notify(t("dataset.fix.failed", error=message.error), severity="error", timeout=10)
            return
        r = message.result
        self.last_fix = r
        self.query_one("#stats", StatsPanel).show_fix(r)
        self.notify(t("dataset.fix.done", kept=r.kept, rows=r.rows, out=r.out, rejected=r.rejected,
                      rejected_path=r.rejected_path, format=r.format), timeout=10)
