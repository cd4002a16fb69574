"""The Fix dialog: what `--fix` would write (counts, paths, format), computed by a dry run, before anything is written.

Nothing is written until the user confirms; the input is never a possible output (the engine
refuses it too). Changing the output format plans again, because a conversion can reject rows.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, Select, Static
from textual.worker import get_current_worker

from tui.i18n import t
from tui.screens.base import localize_bindings
from tui.widgets.dataset.snappy import SnappyThreads

WRITE_FORMATS = ("openai", "alpaca", "sharegpt")


@dataclass
class FixChoice:
    """What the user confirmed."""
    out: str
    to: str | None


def default_output(path: Path, fmt: str) -> Path:
    """`<stem>.clean.jsonl` beside the input (`.txt` for raw text), never an existing file."""
    suffix = ".txt" if fmt == "text" and path.suffix.lower() == ".txt" else ".jsonl"
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    candidate = path.with_name(f"{stem}.clean{suffix}")
    k = 2
    while candidate.exists() or Path(str(candidate) + ".rejected.jsonl").exists():
        candidate = path.with_name(f"{stem}.clean-{k}{suffix}")
        k += 1
    return candidate


class PlanReady(Message):
    def __init__(self, serial: int, result: Any | None, error: str | None) -> None:
        super().__init__()
        self.serial = serial
        self.result = result
        self.error = error


class PlanProgress(Message):
    def __init__(self, done: int, total: int) -> None:
        super().__init__()
        self.done = done
        self.total = total

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, PlanProgress)


class FixDialog(ModalScreen[FixChoice | None]):
    """Shows the plan of a fix and asks before writing. Dismisses with a FixChoice, or None."""

    CSS_PATH = "../../styles/dataset.tcss"
    BINDINGS = [
        Binding("escape", "cancel", "common.cancel"),
        Binding("ctrl+s", "confirm", "dataset.fix.write", show=False),
    ]

    def __init__(self, path: str, report: Any, opts: Any) -> None:
        super().__init__()
        localize_bindings(self)
        self.path = Path(path)
        self.report = report
        self.opts = opts
        self.fmt = report.format
        from engine.data.preference import PAIR_FORMATS
        self.pairs = self.fmt in PAIR_FORMATS
        """A preference-pair file: written in its own format (`pair_lint.fix_pair_file`), never converted."""
        self._serial = 0
        self._plan: Any = None
        self._plan_to: str | None = None

    def compose(self) -> ComposeResult:
        if self.pairs:
            options = [(t("dataset.fix.pairs_same", format=self.fmt), "__same__")]
        else:
            options = [(t("dataset.fix.same", format=self.fmt), "__same__")]
            options += [(f, f) for f in WRITE_FORMATS if f != self.fmt and self.fmt != "text"]
        with Vertical(id="fix-box"):
            yield Static(t("dataset.fix.title"), id="fix-title")
            yield Static(t("dataset.fix.input", path=str(self.path), format=self.fmt, rows=self.report.rows),
                         id="fix-input", markup=False)
            with Horizontal(classes="fix-row"):
                yield Label(t("dataset.fix.format"), classes="fix-label")
                yield Select(options, value="__same__", allow_blank=False, id="fix-format", compact=True)
            with Horizontal(classes="fix-row"):
                yield Label(t("dataset.fix.output"), classes="fix-label")
                yield Input(str(default_output(self.path, self.fmt)), id="fix-out", compact=True)
            yield Static("", id="fix-plan", markup=False)
            yield ProgressBar(total=None, show_eta=False, id="fix-progress")
            yield Static(t("dataset.fix.keys"), id="fix-keys", classes="muted")
            with Horizontal(id="fix-buttons"):
                yield Button(t("dataset.fix.write"), id="fix-write", variant="success", disabled=True, compact=True)
                yield Button(t("common.cancel"), id="fix-cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#fix-cancel", Button).focus()
        self._replan()

    # -- planning (a dry run of the engine's fix_file in a thread)
    def _to(self) -> str | None:
        value = self.query_one("#fix-format", Select).value
        return None if value in ("__same__", Select.NULL) else str(value)

    def _out(self) -> Path:
        return Path(os.path.expanduser(self.query_one("#fix-out", Input).value.strip() or "."))

    def _replan(self) -> None:
        self._serial += 1
        self._plan = None
        self.query_one("#fix-write", Button).disabled = True
        self.query_one("#fix-plan", Static).update(t("dataset.fix.planning"))
        self.query_one("#fix-progress", ProgressBar).display = True
        self._plan_worker(self._serial, str(self._out()), self._to())

    @work(thread=True, exclusive=True, exit_on_error=False, group="dataset-fix-plan", description="plan fix")
    def _plan_worker(self, serial: int, out: str, to: str | None) -> None:
        from engine.data.fix import fix_file
        from engine.data.pair_lint import fix_pair_file
        from engine.data.records import DatasetError
        worker = get_current_worker()

        def tick(phase: str, done: int, total: int) -> None:
            if worker.is_cancelled:
                raise _Cancelled
            self.post_message(PlanProgress(done, total))

        try:
            with SnappyThreads():
                result = (fix_pair_file(self.path, self.report, out, self.opts, dry_run=True) if self.pairs else
                          fix_file(self.path, self.report, out, to, self.opts, dry_run=True, tick=tick))
        except _Cancelled:
            return
        except DatasetError as e:
            self.post_message(PlanReady(serial, None, e.message))
            return
        except Exception as e:  # noqa: BLE001 - shown in the dialog, never a crash
            self.post_message(PlanReady(serial, None, f"{type(e).__name__}: {e}"))
            return
        self.post_message(PlanReady(serial, result, None))

    @on(PlanProgress)
    def _plan_progress(self, message: PlanProgress) -> None:
        bar = self.query_one("#fix-progress", ProgressBar)
        if message.total:
            bar.update(total=message.total, progress=message.done)

    @on(PlanReady)
    def _planned(self, message: PlanReady) -> None:
        if message.serial != self._serial:
            return
        self.query_one("#fix-progress", ProgressBar).display = False
        plan = self.query_one("#fix-plan", Static)
        if message.error:
            plan.update(t("dataset.fix.error", error=message.error))
            plan.add_class("error")
            return
        plan.remove_class("error")
        self._plan = message.result
        self._plan_to = self._to()
        self._show_plan()

    def _path_problem(self) -> str | None:
        out = self._out()
        rej = Path(str(out) + ".rejected.jsonl")
        try:
            src = self.path.resolve()
            if out.resolve() == src or rej.resolve() == src:
                return t("dataset.fix.same_as_input")
        except OSError:
            pass
        if out.is_dir():
            return t("dataset.fix.is_folder", path=str(out))
        folder = out.parent if str(out.parent) else Path(".")
        probe = folder
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if not os.access(probe, os.W_OK):
            return t("dataset.fix.not_writable", path=str(probe))
        return None

    def _show_plan(self) -> None:
        r = self._plan
        if r is None:
            return
        out = self._out()
        lines = [t("dataset.fix.plan", kept=r.kept, rejected=r.rejected, rows=r.rows),
                 t("dataset.fix.plan_out", out=str(out), format=r.format),
                 t("dataset.fix.plan_rejected", path=str(out) + ".rejected.jsonl"),
                 t("dataset.fix.untouched")]
        problem = self._path_problem()
        exists = [p for p in (out, Path(str(out) + ".rejected.jsonl")) if p.exists()]
        if problem:
            lines.append("✖ " + problem)
        elif exists:
            lines.append("▲ " + t("dataset.fix.replaces", paths=", ".join(str(p) for p in exists)))
        plan = self.query_one("#fix-plan", Static)
        plan.update("\n".join(lines))
        plan.set_class(bool(problem), "error")
        write = self.query_one("#fix-write", Button)
        write.disabled = bool(problem)
        if not problem and self.focused is self.query_one("#fix-cancel", Button):
            write.focus()

    @on(Select.Changed, "#fix-format")
    def _format_changed(self, event: Select.Changed) -> None:
        if self.is_mounted:
            self._replan()

    @on(Input.Changed, "#fix-out")
    def _out_changed(self, event: Input.Changed) -> None:
        # The counts do not depend on the path: only its checks are redone.
        self._show_plan()

    @on(Input.Submitted, "#fix-out")
    def _out_submitted(self, event: Input.Submitted) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#fix-write")
    def _write(self) -> None:
        self.action_confirm()

    @on(Button.Pressed, "#fix-cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_confirm(self) -> None:
        if self._plan is None or self._plan_to != self._to() or self._path_problem():
            self.app.bell()
            return
        self.dismiss(FixChoice(out=str(self._out()), to=self._to()))


class _Cancelled(Exception):
    """Raised inside the planning thread when the dialog went away."""
