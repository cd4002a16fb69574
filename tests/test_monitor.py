"""The monitor screen with Pilot on synthetic runs: live updates, every bad-input case, stop with a
confirmation, GPUs, both languages at 80x24 and 200x60. (A real tiny training run: test_monitor_live.py.)"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from monitor_synth import FakeNvml, SyntheticRun, dead_pid, write_long_run
from tui.app import TunewizApp
from tui.i18n import t
from pilot_support import until



def text_of(screen, widget_id: str) -> str:
    return str(screen.query_one(f"#{widget_id}").render())


def monitor_app(run_dir: Path, lang: str = "en", **kwargs) -> TunewizApp:
    args = {"run_dir": str(run_dir), "poll_seconds": 0.05, **kwargs}
    return TunewizApp(lang=lang, runs_dir=run_dir.parent, start="monitor", start_args=args)


def footer_keys(screen) -> dict[str, bool]:
    """Shown bindings -> enabled."""
    return {b.binding.key: b.enabled for b in screen.active_bindings.values() if b.binding.show}


async def test_live_run_fills_charts_advances_progress_and_shows_the_end(runs_dir):
    run = SyntheticRun(runs_dir, "live")
    app = monitor_app(run.dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "MonitorScreen", what="monitor")
        screen = app.screen
        await until(pilot, lambda: screen.snapshots_applied > 0, what="a first snapshot")
        assert t("monitor.waiting") in text_of(screen, "mon-banner")
        run.start(total_steps=50)
        for step in range(1, 21):
            run.step(step)
        run.eval(20, 1.1)
        await until(pilot, lambda: "step 20/50" in text_of(screen, "mon-progress"), what="step 20")
        await until(pilot, lambda: screen._snapshot.series is not None and len(screen._snapshot.series.loss[0]) == 20
                    or screen.query_one("#chart-loss")._series is not None
                    and len(screen.query_one("#chart-loss")._series.loss[0]) == 20, what="chart points")
        assert "eval 1.1000" in text_of(screen, "mon-figures")
        assert footer_keys(screen)["s"] is True and footer_keys(screen)["c"] is False
        for step in range(21, 51):
            run.step(step)
        run.status(output=str(run.dir / "adapter"))  # the trainer records where it saved before it ends
        run.end("completed")
        await until(pilot, lambda: screen._snapshot.state == "completed", what="completed")
        await pilot.pause(0.2)
        assert "100%" in text_of(screen, "mon-progress") and "step 50/50" in text_of(screen, "mon-progress")
        banner = text_of(screen, "mon-banner")
        assert "Completed at step 50" in banner and str(run.dir / "adapter") in banner
        assert footer_keys(screen)["c"] is True and footer_keys(screen)["s"] is False
        opened = []
        app.open_screen = lambda name, **kw: opened.append((name, kw)) or True
        await pilot.press("c")
        assert opened == [("chat", {"run_dir": str(run.dir)})]


@pytest.mark.parametrize("case", ["partial", "unknown", "nonfinite", "empty", "deleted", "crashed", "failed", "oom"])
async def test_bad_input_is_shown_for_what_it_is(runs_dir, case):
    run = SyntheticRun(runs_dir, f"case-{case}", pid=dead_pid() if case == "crashed" else None,
                       state=None if case == "empty" else "running")
    expect: str
    if case != "empty":
        run.start(total_steps=10)
        run.step(1)
    if case == "partial":
        run.raw('{"v": 1, "t": 1.0, "type": "step", "step": 2, "lo')
        expect = "step 1/10"
    elif case == "unknown":
        run.raw('{"v": 1, "t": 1.0, "type": "telemetry"}\n{"v": 1, "type": "step", "step": 2, "loss": 1.0, "extra": {}}\nnot json\n')
        expect = "Skipped 1 events of an unknown type (telemetry)"
    elif case == "nonfinite":
        run.step(2, loss=float("nan"))
        expect = "The loss is not finite (nan) at 1 steps, first at step 2"
    elif case == "empty":
        (run.dir / "events.jsonl").touch()
        expect = t("monitor.waiting")
    elif case == "deleted":
        expect = "no longer exists"
    elif case == "crashed":
        run.train_log("Killed")
        expect = "is gone without writing an end event"
    else:
        run.end(case, "CUDA out of memory" if case == "oom" else "ValueError: boom", "lower batch_size")
        expect = "What to do: lower batch_size"
    app = monitor_app(run.dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "MonitorScreen", what="monitor")
        screen = app.screen
        await until(pilot, lambda: screen.snapshots_applied > 0, what="a snapshot")
        if case == "deleted":
            shutil.rmtree(run.dir)
        everything = lambda: " ".join(text_of(screen, w) for w in ("mon-head", "mon-progress", "mon-banner"))  # noqa: E731
        await until(pilot, lambda: expect in everything(), timeout=5, what=f"{expect!r} in {everything()!r}")
        if case in ("crashed", "deleted", "failed", "oom"):
            assert footer_keys(screen)["s"] is False  # nothing to stop
            assert t(f"runs.state.{'deleted' if case == 'deleted' else case}") in text_of(screen, "mon-head")
        if case == "crashed":
            assert "tunewiz train" in text_of(screen, "mon-banner")
            await until(pilot, lambda: "Killed" in "\n".join(screen.query_one("#mon-log").lines), what="log tail")
        if case == "partial":
            run.raw('ss": 0.5}\n')  # the writer finishes the line
            await until(pilot, lambda: "step 2/10" in text_of(screen, "mon-progress"), what="the completed line")


async def test_stop_asks_first_then_the_trainer_checkpoints_and_stops(tmp_path, tiny_model_dir, runs_dir, monkeypatch):
    """A real trainer (`python -m engine.train.run`, started by the engine's launch, as the wizard does) on the
    tiny model: `s` asks first, `n` leaves it running, `y` stops it with a real checkpoint."""
    import yaml

    from conftest import memorise_rows, write_jsonl
    from engine.events import read_events
    from engine.launch import start_run
    from engine.runs import last_checkpoint
    from engine.train.config import load_config

    # One thread: on a busy 2-core machine torch's default pool makes each tiny step far slower.
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    data = write_jsonl(tmp_path / "train.jsonl", memorise_rows())
    config = {"model": str(tiny_model_dir), "method": "lora", "data": str(data), "runs_dir": str(runs_dir),
              "name": "stoppable", "max_steps": 100_000, "save_steps": 100_000, "batch_size": 4, "grad_accum": 1,
              "max_length": 64, "eval_split": 0, "gradient_checkpointing": False, "lora": {"r": 8, "alpha": 16}}
    config_path = tmp_path / "run.yaml"
    config_path.write_text(yaml.safe_dump(config))
    run_dir, trainer = start_run(load_config(config_path))
    try:
        app = monitor_app(run_dir)
        async with app.run_test(size=(100, 30)) as pilot:
            await until(pilot, lambda: type(app.screen).__name__ == "MonitorScreen", what="monitor")
            screen = app.screen
            await until(pilot, lambda: trainer.poll() is None and screen._snapshot is not None
                        and screen._snapshot.state == "running" and (screen._snapshot.step or 0) >= 2,
                        timeout=180, what=f"running ({(run_dir / 'train.log').read_text()[-2000:]})")
            await pilot.press("s")
            await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="the question")
            await pilot.press("n")  # no: nothing happens
            await until(pilot, lambda: app.screen is screen, what="back on the monitor")
            await pilot.pause(0.3)
            assert trainer.poll() is None
            assert not any(e["type"] in ("checkpoint", "end") for e in read_events(run_dir / "events.jsonl"))
            await pilot.press("s")
            await until(pilot, lambda: type(app.screen).__name__ == "ConfirmScreen", what="the question again")
            await pilot.press("y")
            await until(pilot, lambda: screen._snapshot.state == "stopped", timeout=60, what="stopped")
            assert trainer.wait(timeout=30) == 0
            events = read_events(run_dir / "events.jsonl")
            assert events[-1]["type"] == "end" and events[-1]["status"] == "stopped"
            stopped_at = [e for e in events if e["type"] == "step"][-1]["step"]
            saved = [e for e in events if e["type"] == "checkpoint"]
            assert [e["step"] for e in saved] == [stopped_at]  # save_steps is far away: this is the stop's
            folder = Path(saved[0]["path"])
            assert folder == run_dir / "checkpoints" / f"checkpoint-{stopped_at}" and last_checkpoint(run_dir) == folder
            held = {f.name for f in folder.iterdir()}
            assert {"adapter_model.safetensors", "adapter_config.json", "optimizer.pt", "trainer_state.json"} <= held, held
            assert (folder / "adapter_model.safetensors").stat().st_size > 0 and (folder / "optimizer.pt").stat().st_size > 0
            await pilot.pause(0.3)
            banner = text_of(screen, "mon-banner")
            assert "after writing a checkpoint" in banner and "tunewiz resume stoppable" in banner
            assert t("runs.state.stopped") in text_of(screen, "mon-head")
            assert f"step {stopped_at}/100000" in text_of(screen, "mon-progress")
            assert footer_keys(screen)["s"] is False
    finally:
        if trainer.poll() is None:
            trainer.kill()
            trainer.wait(timeout=10)


async def test_gpu_panel_shows_nvml_samples_and_the_trainers_own_figures(runs_dir):
    run = SyntheticRun(runs_dir, "on-gpu")
    run.start(total_steps=10)
    run.step(1, gpu_mem_alloc_gb=20.5, gpu_mem_reserved_gb=28.0, gpu_mem_peak_gb=31.25)
    app = monitor_app(run.dir, nvml=FakeNvml(run_pid=os.getpid()))
    async with app.run_test(size=(200, 60)) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "MonitorScreen", what="monitor")
        screen = app.screen
        await until(pilot, lambda: "A100" in text_of(screen, "mon-gpu"), what="GPU panel")
        panel = text_of(screen, "mon-gpu")
        assert "40.0/80.0 GiB" in panel and "util 97%" in panel and "65°C" in panel and "350/400 W" in panel
        assert "this run 30.0 GiB" in panel and "RTX 4090" in panel
        assert "allocated 20.5 · reserved 28.0 · peak 31.2 GiB" in panel
        assert "rank 0" not in panel  # one process: no per-rank rows


async def test_gpu_panel_has_a_row_per_rank_when_more_than_one_process_trains(runs_dir):
    run = SyntheticRun(runs_dir, "two-ranks")
    run.start(total_steps=10)
    run.step(1, gpu_mem_alloc_gb=20.5, gpu_mem_reserved_gb=28.0, gpu_mem_peak_gb=31.25,
             gpu_mem_per_rank_gb=[28.0, 29.75])
    app = monitor_app(run.dir, nvml=FakeNvml(run_pid=os.getpid()))
    async with app.run_test(size=(200, 60)) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "MonitorScreen", what="monitor")
        screen = app.screen
        await until(pilot, lambda: "rank 1" in text_of(screen, "mon-gpu"), what="per-rank rows")
        panel = text_of(screen, "mon-gpu")
        assert "rank 0: 28.0 GiB reserved" in panel and "rank 1: 29.8 GiB reserved" in panel


@pytest.mark.parametrize("lang, size", [("en", (80, 24)), ("zh", (80, 24)), ("en", (200, 60)), ("zh", (200, 60))])
async def test_layout_in_both_languages_at_both_sizes(runs_dir, lang, size):
    run = SyntheticRun(runs_dir, "sizes")
    run.start(total_steps=100)
    for step in range(1, 41):
        run.step(step)
    run.train_log(*[f"line {i}" for i in range(40)])
    app = monitor_app(run.dir, lang=lang)
    async with app.run_test(size=size) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "MonitorScreen", what="monitor")
        screen = app.screen
        await until(pilot, lambda: screen.charts_applied > 0, what="charts")
        await pilot.pause(0.2)
        compact = size[0] < screen.COMPACT_WIDTH
        assert screen.has_class("-compact") is compact
        assert screen.query_one("#mon-side").display is not compact or screen.query_one("#mon-side").styles.display == "none"
        progress = text_of(screen, "mon-progress")
        assert (t("monitor.step", step=40, total=100)) in progress
        assert t("runs.state.running") in text_of(screen, "mon-head")
        keys = footer_keys(screen)
        assert {"s", "c", "z", "escape"} <= set(keys) and ("v" in keys) is compact
        for widget in screen.query("MetricChart"):
            if widget.display and widget.region.width:
                assert widget.render_seconds > 0  # drawn by plotext, not the placeholder
        if compact:
            await pilot.press("v")
            await pilot.pause(0.1)
            assert screen.query_one("#chart-loss").styles.display == "none"
            assert screen.query_one("#chart-lr").region.width > 0
        await pilot.press("z")
        await pilot.pause(0.1)
        assert screen.query_one("#mon-bottom").region.height == 0
        app.save_screenshot(str(runs_dir / "shot.svg"))  # renders without error


async def test_reattach_to_a_long_run_draws_the_whole_history_at_once(runs_dir):
    run_dir = write_long_run(runs_dir, "long", 100_000, eval_every=1000)
    app = monitor_app(run_dir)
    async with app.run_test(size=(120, 40)) as pilot:
        started = time.monotonic()
        await until(pilot, lambda: type(app.screen).__name__ == "MonitorScreen", what="monitor")
        screen = app.screen
        await until(pilot, lambda: screen.charts_applied > 0, what="the first chart")
        first = time.monotonic() - started
        series = screen.query_one("#chart-loss")._series
        assert series.loss[0][0] <= 100 and series.loss[0][-1] == 100_000 and len(series.loss[0]) <= screen._points + 1
        assert "step 100000/100000" in text_of(screen, "mon-progress")
        assert first < 5.0, first  # the benchmark holds the 1 s bar; this shares 2 cores with other tests
        await until(pilot, lambda: screen._snapshot is not None and not screen._snapshot.provisional
                    and screen._snapshot.step_events == 100_000, what="the exact history")


async def test_escape_goes_back_to_the_runs_list(runs_dir):
    run = SyntheticRun(runs_dir, "back")
    run.start(total_steps=10)
    app = monitor_app(run.dir)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "MonitorScreen", what="monitor")
        await pilot.press("escape")
        await until(pilot, lambda: type(app.screen).__name__ == "RunsScreen", what="runs")


async def test_a_run_name_that_does_not_exist_is_a_message_not_a_crash(runs_dir):
    runs_dir.mkdir(parents=True)
    app = TunewizApp(lang="en", runs_dir=runs_dir, start="monitor", start_args={"run": "nope"})
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "MonitorScreen", what="monitor")
        await pilot.pause(0.2)
        assert "No run 'nope'" in text_of(app.screen, "mon-banner")


def test_screens_and_watch_do_not_import_torch():
    code = ("import tui.screens.monitor, tui.screens.runs, tui.commands.watch, sys; "
            "print(sorted(m for m in ('torch', 'transformers', 'trl', 'peft') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_a_dpo_run_shows_its_reward_margin_and_accuracy_chart(runs_dir, lang):
    run = SyntheticRun(runs_dir, f"dpo-{lang}", method="dpo")
    run.start(total_steps=30, tuning="lora", reference="base", beta=0.1, loss_type="sigmoid")
    for step in range(1, 21):
        run.step(step, loss=0.69 - step * 0.01, reward_margin=step * 0.05, reward_accuracy=min(1.0, 0.4 + step * 0.03))
    app = monitor_app(run.dir, lang=lang)
    async with app.run_test(size=(200, 60)) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "MonitorScreen", what="monitor")
        screen = app.screen
        chart = screen.query_one("#chart-pref")
        await until(pilot, lambda: chart._series is not None and len(chart._series.reward_margin[0]) == 20,
                    what="the preference chart's points")
        await pilot.pause(0.2)
        assert chart.display and chart.size.height >= 4  # on screen beside the loss, not hidden
        assert chart._series.reward_margin[1][-1] == pytest.approx(1.0)
        assert chart._series.reward_accuracy[1][-1] == pytest.approx(1.0)
        assert str(chart.border_title) == t("monitor.chart.pref")
        figures = text_of(screen, "mon-figures")
        assert t("monitor.margin", margin="+1.000") in figures and t("monitor.accuracy", accuracy="100%") in figures
        assert t("monitor.reference.base") in text_of(screen, "mon-head")
        assert "dpo (lora)" in text_of(screen, "mon-head")
        drawn = chart.render()
        assert not hasattr(drawn, "plain") or t("monitor.chart.waiting") not in drawn.plain  # a drawing, not the placeholder


async def test_an_sft_run_has_no_preference_chart(runs_dir):
    run = SyntheticRun(runs_dir, "sft")
    run.start(total_steps=10)
    for step in range(1, 6):
        run.step(step)
    app = monitor_app(run.dir)
    async with app.run_test(size=(200, 60)) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "MonitorScreen", what="monitor")
        screen = app.screen
        await until(pilot, lambda: screen.query_one("#chart-loss")._series is not None, what="charts")
        await pilot.pause(0.1)
        assert not screen.query_one("#chart-pref").display
        assert "margin" not in text_of(screen, "mon-figures")


def test_watch_says_its_live_view_and_its_own_lines_in_chinese(runs_dir):
    # `tunewiz watch` on a terminal (its live view) and when it stops following (--timeout) use the monitor screen's
    # words in the --lang language; the step lines of --plain stay one English log format
    import io

    from engine.monitoring import RunWatcher
    from rich.console import Console
    from tui.commands.watch import follow, live_view
    from tui.i18n import set_language
    run = SyntheticRun(runs_dir, "watched")
    run.start(total_steps=10)
    for n in (1, 2, 3):
        run.step(n, gpu_mem_alloc_gb=1.5, gpu_mem_reserved_gb=2.0, gpu_mem_peak_gb=2.25)
    watcher = RunWatcher(run.dir)
    while True:
        watcher.poll()
        if not watcher.catching_up:
            break
    set_language("zh")
    try:
        console = Console(record=True, width=80, color_system=None)
        console.print(live_view(watcher.snapshot(60), [], 80))
        view = console.export_text()
        out = io.StringIO()
        code = follow(run.dir, plain=True, interval=0.02, only_new=False, timeout=0.2, out=out)
    finally:
        set_language("en")
    assert "第 3/10 步" in view and "已用" in view and "剩余" in view and "损失" in view and "学习率" in view, view
    assert "训练进程：已分配 1.5  已保留 2.0  峰值 2.2 GiB" in view, view
    assert "elapsed" not in view and "tok/s" not in view
    assert "● 训练中" in view and "剩余 …" not in view     # the label measured in cells: nothing cut off at 80 columns
    assert code == 124 and "超时：watched 仍处于 running（第 3 步），它会继续运行" in out.getvalue(), out.getvalue()
    assert "step 3/10" in out.getvalue()   # the plain step lines: the English log format
