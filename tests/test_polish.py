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


# -- the monitor: chart ticks, ETA --------------------------------------------------------------------
from monitor_synth import SyntheticRun  # noqa: E402
from pilot_support import until  # noqa: E402


def monitor_app(run_dir: Path, lang: str = "en"):
    from tui.app import TunewizApp
    return TunewizApp(lang=lang, runs_dir=run_dir.parent, start="monitor",
                      start_args={"run_dir": str(run_dir), "poll_seconds": 0.05})


def loss_axis_labels(screen) -> list[str]:
    """The numbers printed on the loss chart's left axis, as the user sees them."""
    import re
    chart = screen.query_one("#chart-loss")
    lines = chart.render().plain.splitlines()
    found = [re.match(r"\s*(-?[\d.]+(?:e[+-]?\d+)?) *[┤├│┼┬┴─]", line) for line in lines]
    assert any(found), "\n".join(lines)
    return [m.group(1) for m in found if m]


@pytest.mark.parametrize("losses", [[1.2577767372131348], [2.31, 1.92, 1.47, 1.15, 0.98, 0.83]],
                         ids=["one-point", "a-normal-range"])
async def test_the_loss_axis_is_labelled_to_the_datas_precision(runs_dir, losses):
    run = SyntheticRun(runs_dir, "ticks")
    run.start(total_steps=100)
    for step, loss in enumerate(losses, 1):
        run.step(step, loss=loss)
    app = monitor_app(run.dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "MonitorScreen", what="monitor")
        screen = app.screen
        await until(pilot, lambda: screen.charts_applied > 0, what="charts")
        await pilot.pause(0.2)
        labels = loss_axis_labels(screen)
    assert len(labels) >= 2, labels
    assert all(len(label.lstrip("-").replace(".", "")) <= 4 for label in labels), labels  # 1.25, not 1.2577767...
    values = [float(label) for label in labels]
    assert min(values) <= max(losses) + 0.5 and max(values) >= min(losses) - 0.5  # around the data
    if len(losses) == 1:
        assert min(values) < losses[0] < max(values)


async def test_the_eta_shows_after_the_first_step(runs_dir):
    run = SyntheticRun(runs_dir, "eta")
    from engine.events import make_event
    started = time.time() - 4.0
    start = make_event("start", model="tiny", method="lora", world_size=1, total_steps=101, trainable_params=1,
                       total_params=2, dataset_rows=8, dataset_tokens=64)
    start["t"] = started
    run.raw(json.dumps(start) + "\n")
    run.status(state="running", step=0, total_steps=101)
    run.step(1, t=started + 4.0)  # one step, four seconds after the start: 100 steps left, about 400 s
    from engine.monitoring import RunWatcher
    watcher = RunWatcher(run.dir)
    watcher.poll()
    snapshot = watcher.snapshot(now=started + 4.0)
    assert snapshot.eta_s == pytest.approx(400, abs=30)  # what `tunewiz watch` shows
    app = monitor_app(run.dir)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "MonitorScreen", what="monitor")
        screen = app.screen
        await until(pilot, lambda: "1/101" in str(screen.query_one("#mon-progress").render()), what="step 1")
        progress = str(screen.query_one("#mon-progress").render())
    assert "ETA 6:" in progress, progress  # 6:3x, counting down


# -- the monitor's log: library warnings counted, the user's lines shown ----------------------------
LIBRARY = "/venv/lib/python3.11/site-packages/transformers"
TRAIN_LOG = [
    "[info] loading libraries (model demo, method lora)",
    f"{LIBRARY}/modeling_utils.py:3312: FutureWarning: `is_gradient_checkpointing` is deprecated and will be "
    "removed in v6. Use `is_activation_checkpointing` instead.",
    "  warnings.warn(",
    "[warning] 3 of 64 training examples (4.7%) are longer than max_length=64 and were truncated",
    f"{LIBRARY}/training_args.py:1541: FutureWarning: `gradient_checkpointing` is deprecated and will be removed in v6.",
    '  warnings.warn(f"`{old}` is deprecated and will be removed in v6.", FutureWarning)',
    "/home/me/prepare.py:7: UserWarning: my own warning",
    "[info] paths in use: LM head loss: tunewiz's CPU head",
]


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_library_warnings_collapse_into_one_line_and_the_users_lines_show(runs_dir, lang):
    from tui.i18n import t
    run = SyntheticRun(runs_dir, "noisy")
    run.start(total_steps=10)
    run.train_log(*TRAIN_LOG)
    app = monitor_app(run.dir, lang=lang)
    async with app.run_test(size=(160, 50)) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "MonitorScreen", what="monitor")
        log = app.screen.query_one("#mon-log")
        await until(pilot, lambda: "paths in use" in log.render().plain, what="the log")
        shown = log.render().plain.splitlines()
    assert shown[0] == t("monitor.log.library_warnings", count=2)
    assert ("library warnings" if lang == "en" else "条库警告") in shown[0]
    assert shown[1:] == [TRAIN_LOG[0], TRAIN_LOG[3], TRAIN_LOG[6], TRAIN_LOG[7]]
    assert "FutureWarning" in (run.dir / "train.log").read_text()  # the file keeps them


# -- the demo model's conversion, shown while the monitor waits for the first step --------------------
def test_the_trainer_logs_each_part_of_the_demo_conversion_with_a_code(tmp_path, monkeypatch):
    """resolve_model on 'demo' with an empty cache: each part of the conversion is a coded log event in
    events.jsonl (the 30 s conversion itself is replaced by one that only reports its parts)."""
    from engine import demo
    from engine.events import read_events
    from engine.train.config import parse_config
    from engine.train.context import RunContext
    from engine.train.trainer import resolve_model

    monkeypatch.setenv("TUNEWIZ_HOME", str(tmp_path / "home"))
    source = tmp_path / "pkg" / demo.GGUF_FILE
    source.parent.mkdir()
    source.write_bytes(b"GGUF")
    monkeypatch.setattr(demo, "gguf_path", lambda: source)

    def quick_conversion(source, out, say):  # the real one takes ~30 s (tests/test_demo.py runs it)
        say("start", name=demo.DEMO_REAL_NAME)
        for part in ("tokenizer", "weights", "safetensors"):
            say(part)
        out.mkdir(parents=True)
        (out / "config.json").write_text("{}")
    monkeypatch.setattr(demo, "_convert", quick_conversion)
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    resolved = resolve_model(RunContext(run_dir, parse_config({"model": "demo"})))
    assert resolved == str(demo.demo_cache_dir())
    logs = [e for e in read_events(run_dir / "events.jsonl") if e["type"] == "log"]
    assert [(e["code"], e["params"]["part"]) for e in logs] == [
        ("demo-convert", part) for part in ("start", "tokenizer", "weights", "safetensors", "ready")]
    # each line says its stage in the user's language (`tunewiz watch`, the monitor's log); the English is as before
    from tui.i18n import set_language
    from tui.messages import message_text
    assert [e["message"] for e in logs[1:4]] == ["1/3 reading the tokenizer", "2/3 de-quantising the weights",
                                                 "3/3 writing safetensors"]
    assert logs[0]["message"] == f"converting the demo model {demo.DEMO_REAL_NAME} from GGUF (once, about 30 s)"
    set_language("zh")
    try:
        said = [message_text("log.demo-convert", e["params"], e["message"]) for e in logs]
    finally:
        set_language("en")
    assert said[0] == f"正在从 GGUF 转换演示模型 {demo.DEMO_REAL_NAME}（仅一次，约 30 秒）"
    assert said[1:4] == ["1/3 读取分词器", "2/3 反量化权重", "3/3 写入 safetensors"]
    assert said[4] == f"演示模型已就绪：{demo.demo_cache_dir()}"


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_monitor_says_which_part_of_the_demo_conversion_runs(runs_dir, lang):
    from tui.i18n import t
    run = SyntheticRun(runs_dir, "first-demo", model="demo", state="starting")
    run.writer.write("log", level="info", message="converting the demo model", code="demo-convert",
                     params={"part": "start", "seconds": 0.0})
    app = monitor_app(run.dir, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "MonitorScreen", what="monitor")
        banner = app.screen.query_one("#mon-banner")
        await until(pilot, lambda: t("monitor.phase.demo-convert.start") in str(banner.render()), what="start")
        assert t("monitor.waiting") in str(banner.render())
        run.writer.write("log", level="info", message="2/3 de-quantising the weights", code="demo-convert",
                         params={"part": "weights", "seconds": 4.2})
        await until(pilot, lambda: t("monitor.phase.demo-convert.weights") in str(banner.render()), what="weights")
        assert ("2/3" in str(banner.render())) and (("de-quantising" if lang == "en" else "反量化") in str(banner.render()))
        run.start(total_steps=10)
        run.step(1)
        await until(pilot, lambda: "2/3" not in str(banner.render()), what="the first step")
