"""Polish seen over SSH at 80x24 (issue 16): the runs table at any width, the loss chart's tick labels,
the ETA after the first step, library warnings in the monitor's log, the demo model's conversion."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.cells import cell_len

TUNEWIZ = [sys.executable, "-m", "tui.cli"]

RUNS = [  # name, model, method, state
    ("qwen2.5-0.5b-instruct-lora-20261201-101500", "Qwen/Qwen2.5-0.5B-Instruct", "lora", "completed"),
    ("demo-dpo-20261201-120000", "demo", "dpo", "failed"),
    ("support-bot", "/home/me/models/llama-3.2-1b", "qlora", "stopped"),
]


@pytest.fixture
def three_runs(tmp_path) -> Path:
    root = tmp_path / "runs"
    for i, (name, model, method, state) in enumerate(RUNS):
        run = root / name
        run.mkdir(parents=True)
        (run / "config.yaml").write_text("model: demo\n")
        (run / "status.json").write_text(json.dumps({
            "state": state, "model": model, "method": method, "step": 120 + i, "total_steps": 300,
            "last_loss": 1.2345678, "started_at": time.time() - 3600 * (i + 1), "updated_at": time.time()}))
    return root


def runs_output(root: Path, columns: int | None) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    if columns is not None:
        env["COLUMNS"] = str(columns)
    result = subprocess.run(TUNEWIZ + ["runs", "--runs-dir", str(root)], capture_output=True, text=True,
                            timeout=60, env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def table_cells(lines: list[str]) -> tuple[list[str], list[list[str]]]:
    """The header and the body rows of a rich table, split at its column borders."""
    header = [c.strip() for c in lines[1].strip("┃").split("┃")]
    rows = [[c.strip() for c in line.strip("│").split("│")] for line in lines[3:-1]]
    return header, rows


@pytest.mark.parametrize("columns", [80, 200, None], ids=["80-columns", "200-columns", "pipe"])
def test_runs_fits_the_width_by_leaving_columns_out_never_by_emptying_them(three_runs, columns):
    lines = runs_output(three_runs, columns)
    header, rows = table_cells(lines)
    assert len(rows) == 3
    assert {row[0] for row in rows} == {name for name, *_ in RUNS}  # every name whole
    for row in rows:
        assert len(row) == len(header) and all(cell for cell in row), row  # no empty column
    assert header[:2] == ["name", "state"]
    if columns == 80:
        assert all(cell_len(line) <= 80 for line in lines), lines
        assert "step" in header and "loss" in header
        assert "method" not in header  # left out, not squeezed
    else:  # wide, or a pipe without $COLUMNS: every column, the hub id whole
        assert header == ["name", "state", "model", "method", "step", "loss", "started", "updated"]
        assert "Qwen/Qwen2.5-0.5B-Instruct" in {row[2] for row in rows}
        assert "llama-3.2-1b" in {row[2] for row in rows}  # a local path: its folder's name


def test_a_narrow_terminal_shortens_hub_ids_before_leaving_the_model_out(tmp_path):
    from types import SimpleNamespace
    from tui.runs_table import layout
    run = SimpleNamespace(name="short", state="completed", model="Qwen/Qwen2.5-0.5B-Instruct", method="lora",
                          step=3, total_steps=10, last_loss=1.5, started_at=time.time(), updated_at=time.time())
    plan = layout([run], 90)
    assert plan.short_model and "model" in plan.columns and plan.width <= 90
    assert layout([run], 200).columns == ["name", "state", "model", "method", "step", "loss", "started", "updated"]
