"""`tunewiz runs` as a table that fits the terminal: columns are dropped or abbreviated, never squeezed.

rich shrinks every column of a table wider than the terminal, so at 80 columns the model and method
columns came out empty and names were cut. Here each column keeps its full width, and the columns that
do not fit are left out, the least useful first (PRIORITY); a hub id in the model column is shortened to
its name before the column is dropped. Names are never cut. In a pipe without $COLUMNS nothing is left
out: lines are as long as the table needs (grep and scripts see every column; --json has all fields).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Sequence

from rich.cells import cell_len
from rich.markup import escape
from rich.table import Table

from tui.i18n import t

# What each column shows, in the order they appear.
COLUMNS = ("name", "state", "model", "method", "step", "loss", "started", "updated")
# Which columns stay when the terminal is narrow: the first ones always, then each in turn while it fits.
PRIORITY = ("name", "state", "step", "loss", "updated", "started", "model", "method")
ALWAYS = ("name", "state")
STATE_COLOURS = {"completed": "green", "running": "cyan", "starting": "cyan", "stopping": "yellow",
                 "stopped": "yellow", "failed": "red", "oom": "red", "crashed": "red"}


def _when(ts: Any) -> str:
    try:
        return datetime.fromtimestamp(ts).strftime("%m-%d %H:%M") if ts else "-"
    except (TypeError, ValueError, OverflowError, OSError):
        return "-"


def _model(model: Any, short: bool) -> str:
    if not isinstance(model, str) or not model:
        return "-"
    if model.startswith(("/", ".", "~")):
        return Path(model).name or model  # a local path: its folder name says enough
    return model.rsplit("/", 1)[-1] if short else model


def header(column: str) -> str:
    """A column's heading in the current language (i18n area `runs`)."""
    return t(f"runs.col.{column}")


def _cells(run: Any, short_model: bool) -> dict[str, str]:
    step = f"{run.step}/{run.total_steps}" if run.step is not None else "-"
    loss = f"{run.last_loss:.4f}" if isinstance(run.last_loss, (int, float)) else "-"
    return {"name": str(run.name), "state": str(run.state), "model": _model(run.model, short_model),
            "method": str(run.method or "-"), "step": step, "loss": loss,
            "started": _when(run.started_at), "updated": _when(run.updated_at)}


@dataclass
class RunsLayout:
    columns: list[str]        # the columns shown, in COLUMNS order
    short_model: bool         # hub ids shortened to their name
    width: int                # cells the table takes


def _widths(rows: list[dict[str, str]]) -> dict[str, int]:
    return {c: max([cell_len(header(c))] + [cell_len(row[c]) for row in rows]) for c in COLUMNS}


def _table_width(widths: dict[str, int], columns: Sequence[str]) -> int:
    # rich's default box: a border before each column and after the last, one cell of padding each side
    return sum(widths[c] + 3 for c in columns) + 1


def layout(found: Sequence[Any], width: int | None) -> RunsLayout:
    """Which columns fit `width` cells (None: all of them)."""
    full, short = _widths([_cells(r, False) for r in found]), _widths([_cells(r, True) for r in found])
    if width is None or _table_width(full, COLUMNS) <= width:
        return RunsLayout(list(COLUMNS), False, _table_width(full, COLUMNS))
    widths, short_model = full, False
    if _table_width(short, COLUMNS) <= width:
        return RunsLayout(list(COLUMNS), True, _table_width(short, COLUMNS))
    chosen: list[str] = []
    for column in PRIORITY:
        if column == "model" and _table_width(widths, chosen + [column]) > width:
            widths, short_model = short, True  # the hub id's name alone may still fit
        if column in ALWAYS or _table_width(widths, chosen + [column]) <= width:
            chosen.append(column)
    if "model" not in chosen:
        short_model = False
    shown = [c for c in COLUMNS if c in chosen]
    return RunsLayout(shown, short_model, _table_width(widths, shown))


def runs_table(found: Sequence[Any], width: int | None) -> tuple[Table, RunsLayout]:
    """The table of `found` runs (engine.runs.RunInfo) for a terminal `width` cells wide (None: no limit)."""
    plan = layout(found, width)
    table = Table(*(header(c) for c in plan.columns))
    for column in table.columns:
        column.no_wrap = True
    for run in found:
        cells = {c: escape(v) for c, v in _cells(run, plan.short_model).items()}
        cells["state"] = f"[{STATE_COLOURS.get(run.state, 'white')}]{cells['state']}[/]"
        table.add_row(*(cells[c] for c in plan.columns))
    return table, plan
