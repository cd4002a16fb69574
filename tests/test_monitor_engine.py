"""engine.monitoring and engine.history without a UI: series folding, the edge cases of bad input,
state, ETA, GPUs (engine.hardware.GpuSampler), the plain-text sparkline."""
from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine import monitoring
from engine.events import make_event
from engine.hardware import GpuSampler
from engine.history import Envelope, RunHistory, Smoother, overview_history
from engine.monitoring import DELETED, LogTail, RunWatcher
from tui.formatting import sparkline
from monitor_synth import FakeNvml, SyntheticRun, dead_pid, write_long_run


# -- series ---------------------------------------------------------------------------------------
def test_envelope_keeps_min_max_and_mean_of_a_long_series_in_bounded_buckets():
    env = Envelope(capacity=64)
    ys = [math.sin(i / 50) for i in range(100_000)]
    ys[54_321] = 9.0  # one spike must survive any downsampling
    for i, y in enumerate(ys):
        env.append(i, y)
    assert len(env) == 100_000 and len(env._n) <= 64
    xs, vals = env.points(40, "envelope")
    assert len(xs) <= 40 and xs == sorted(xs)
    assert max(vals) == 9.0 and xs[vals.index(9.0)] == 54_321
    assert min(vals) == pytest.approx(min(ys), abs=1e-9)
    mx, means = env.points(20, "mean")
    assert len(mx) <= 20 and abs(sum(means) / len(means) - sum(ys) / len(ys)) < 0.05
    lx, last = env.points(20, "last")
    assert lx[-1] == 99_999 and last[-1] == ys[-1]


def test_envelope_short_series_is_drawn_point_for_point_and_truncates_on_resume():
    env = Envelope()
    for i in range(1, 11):
        env.append(i, float(i))
    assert env.points(100, "envelope") == ([float(i) for i in range(1, 11)], [float(i) for i in range(1, 11)])
    env.truncate_after(6)
    assert env.last_x() == 6 and len(env) == 6


def test_smoother_is_debiased():
    smoother = Smoother(0.9)
    assert smoother.add(2.0) == pytest.approx(2.0)  # not dragged towards zero
    for _ in range(200):
        value = smoother.add(1.0)
    assert value == pytest.approx(1.0, abs=1e-6)


def test_sparkline():
    assert sparkline([1, 2, 3, 4, 5, 6, 7, 8], 8) == "▁▂▃▄▅▆▇█"
    assert len(sparkline(list(range(1000)), 30)) == 30
    assert sparkline([], 10) == "" and sparkline([5.0] * 4, 4) == "▄▄▄▄"


# -- bad input ------------------------------------------------------------------------------------
def watch(run_dir: Path) -> RunWatcher:
    watcher = RunWatcher(run_dir)
    watcher.poll()
    while watcher.catching_up:
        watcher.poll()
    return watcher


def test_partial_last_line_waits_until_it_is_complete(runs_dir):
    run = SyntheticRun(runs_dir, "partial")
    run.start(10)
    run.step(1)
    line = json.dumps({"v": 1, "t": time.time(), "type": "step", "step": 2, "loss": 1.5})
    run.raw(line[:25])  # the writer is mid-line
    watcher = watch(run.dir)
    assert watcher.snapshot().step == 1 and watcher.history.unreadable == 0
    run.raw(line[25:] + "\n")
    watcher.poll()
    assert watcher.snapshot().step == 2 and watcher.snapshot().loss == 1.5


def test_unknown_types_fields_garbage_and_wrong_types_are_counted_not_fatal(runs_dir):
    run = SyntheticRun(runs_dir, "odd")
    run.start(10)
    run.raw('{"v": 1, "t": 1.0, "type": "telemetry", "x": 1}\n')       # unknown type
    run.raw('{"v": 2, "t": 1.0, "type": "step", "step": 1, "loss": 2.0, "new_field": [1, 2]}\n')  # unknown field
    run.raw("this is not json\n")
    run.raw("[1, 2, 3]\n")                                                 # JSON, not an object
    run.raw('{"type": "step", "step": "three", "loss": "high"}\n')       # wrong types
    run.raw('{"type": "eval", "step": 1, "eval_loss": NaN}\n')            # a foreign writer's NaN
    run.raw('{"type": "step", "step": 2, "loss": 1e999, "t": "yesterday"}\n')  # inf literal, bad time
    run.raw(b"\xff\xfe broken bytes \n")
    snapshot = watch(run.dir).snapshot(100)
    assert snapshot.step == 2 and snapshot.loss is None and snapshot.nonfinite == 1
    assert snapshot.unknown_types == {"telemetry": 1}
    assert snapshot.unreadable == 3 and snapshot.malformed == 1
    assert snapshot.series.loss == ([1.0], [2.0])
    assert snapshot.eval_loss is None


def test_nonfinite_loss_is_counted_marked_and_kept_out_of_the_curve(runs_dir):
    run = SyntheticRun(runs_dir, "nan")
    run.start(10)
    for step, loss in enumerate([2.0, 1.5, float("nan"), float("inf"), 1.2], start=1):
        run.step(step, loss=loss)
    events = [json.loads(l) for l in (run.dir / "events.jsonl").read_text().splitlines()]
    assert events[3]["loss"] is None and events[3]["loss_nonfinite"] == "nan"  # the writer's contract
    snapshot = watch(run.dir).snapshot(100)
    assert snapshot.nonfinite == 2 and snapshot.first_nonfinite_step == 3
    assert snapshot.series.loss[0] == [1.0, 2.0, 5.0]
    assert snapshot.series.nonfinite_steps == [3.0, 4.0]
    assert snapshot.loss == 1.2 and snapshot.loss_nonfinite is None
    assert all(math.isfinite(y) for y in snapshot.series.loss_smooth[1])


def test_empty_events_file_and_no_status_yet(runs_dir):
    run = SyntheticRun(runs_dir, "empty", state=None)
    (run.dir / "events.jsonl").touch()
    snapshot = watch(run.dir).snapshot(100)
    assert snapshot.state == "starting" and snapshot.step is None and snapshot.step_events == 0
    assert snapshot.series.loss == ([], []) and snapshot.elapsed_s is None and snapshot.eta_s is None


def test_trainer_gone_without_an_end_event_is_crashed_with_advice(runs_dir):
    run = SyntheticRun(runs_dir, "ghost", pid=dead_pid())
    run.start(10)
    run.step(1)
    snapshot = watch(run.dir).snapshot()
    assert snapshot.state == "crashed" and not snapshot.active
    assert "without writing an end event" in snapshot.advice and "tunewiz train" in snapshot.advice
    (run.dir / "checkpoints" / "checkpoint-1").mkdir(parents=True)
    (run.dir / "checkpoints" / "checkpoint-1" / "trainer_state.json").write_text("{}")
    assert f"tunewiz resume {run.dir.name}" in watch(run.dir).snapshot().advice


def test_deleted_run_directory_keeps_the_history_and_says_so(runs_dir):
    run = SyntheticRun(runs_dir, "doomed")
    run.start(10)
    run.step(1)
    watcher = watch(run.dir)
    shutil.rmtree(run.dir)
    assert watcher.poll() is True
    snapshot = watcher.snapshot(50)
    assert snapshot.state == DELETED and snapshot.step == 1 and not snapshot.active


def test_end_states_carry_error_and_advice_and_resume_reopens(runs_dir):
    run = SyntheticRun(runs_dir, "oom")
    run.start(10)
    run.step(1)
    run.end("oom", "CUDA out of memory", "lower batch_size")
    watcher = watch(run.dir)
    snapshot = watcher.snapshot()
    assert (snapshot.state, snapshot.error, snapshot.advice) == ("oom", "CUDA out of memory", "lower batch_size")
    run.start(10, resumed_from_step=1)  # resumed: a start after an end makes it active again
    run.status(state="running")
    watcher.poll()
    assert watcher.snapshot().state == "running" and watcher.history.end is None


def test_elapsed_counts_training_segments_and_eta_follows_the_recent_rate(runs_dir):
    run = SyntheticRun(runs_dir, "timing")
    t0 = time.time() - 1000
    run.raw(json.dumps({"v": 1, "t": t0, "type": "start", "total_steps": 100}) + "\n")
    for step in range(1, 11):
        run.step(step, t=t0 + step * 2.0)  # 2 s a step
    run.raw(json.dumps({"v": 1, "t": t0 + 20, "type": "end", "status": "stopped"}) + "\n")
    # resumed 500 s later: the gap is not training time
    run.raw(json.dumps({"v": 1, "t": t0 + 520, "type": "start", "total_steps": 100, "resumed_from_step": 10}) + "\n")
    for step in range(11, 21):
        run.step(step, t=t0 + 520 + (step - 10) * 2.0)
    history = RunHistory()
    for line in (run.dir / "events.jsonl").read_text().splitlines():
        history.ingest(json.loads(line))
    assert history.training_seconds(now=None, active=False) == pytest.approx(40.0)
    assert history.seconds_per_step() == pytest.approx(2.0)
    assert history.eta_seconds(now=t0 + 540, active=True) == pytest.approx(80 * 2.0)
    assert history.eta_seconds(now=t0 + 550, active=True) == pytest.approx(150.0)  # counts down between events
    assert history.eta_seconds(now=t0 + 540, active=False) is None


def test_reattach_to_100k_steps_overview_first_then_exact(runs_dir):
    run_dir = write_long_run(runs_dir, "long", 100_000, eval_every=1000)
    started = time.perf_counter()
    watcher = RunWatcher(run_dir)
    watcher.poll()
    first = watcher.snapshot(400)
    first_seconds = time.perf_counter() - started
    assert first.provisional and first.step == 100_000 and first.state == "completed"
    assert first.series.loss[0][0] <= 100 and first.series.loss[0][-1] >= 99_000  # the whole range at once
    assert len(first.series.eval[0]) == 100
    assert first_seconds < 2.0, first_seconds  # 1 s is the benchmark's bar; this runs beside other tests
    while watcher.catching_up:
        watcher.poll()
    exact = watcher.snapshot(400)
    assert not exact.provisional and exact.step_events == 100_000 and len(exact.series.loss[0]) <= 400
    assert exact.series.loss[0][-1] == 100_000


def test_overview_ignores_a_partial_last_line(runs_dir):
    run_dir = write_long_run(runs_dir, "cut", 2000, state="running")
    with open(run_dir / "events.jsonl", "ab") as handle:
        handle.write(b'{"v": 1, "t": 1.0, "type": "step", "step": 2001, "lo')
    history, covered = overview_history(run_dir / "events.jsonl", steps_wanted=100)
    assert history.step == 2000 and covered < (run_dir / "events.jsonl").stat().st_size


def spaced_run(path: Path, separators: tuple[str, str] | None, steps: int = 300, tail_logs: int = 0) -> None:
    """A finished run's events written with `separators` (None: json.dumps' default, as EventWriter),
    with `tail_logs` info lines between the last step and the end."""
    t0 = time.time() - 1000
    events = [make_event("start", model="m", method="lora", world_size=1, total_steps=steps, trainable_params=1,
                         total_params=2, dataset_rows=3, dataset_tokens=4)]
    for step in range(1, steps + 1):
        events.append(make_event("step", step=step, epoch=step / steps, loss=3.0 - step / steps, lr=1e-4,
                                 grad_norm=1.0, tokens=100, tokens_per_s=50.0, samples_per_s=1.0))
        if step % 100 == 0:
            events.append(make_event("eval", step=step, eval_loss=2.5 - step / 1000))
            events.append(make_event("checkpoint", step=step, path=f"checkpoints/checkpoint-{step}"))
    events += [make_event("log", level="info", message=f"saving, part {k} " + "." * 80) for k in range(tail_logs)]
    events += [make_event("log", level="warning", message="odd"), make_event("end", status="completed", error=None, advice=None)]
    for k, event in enumerate(events):
        event["t"] = t0 + k
    path.write_text("".join(json.dumps(e, separators=separators) + "\n" for e in events))


# Compact (a writer with separators=(",", ":")), and other whitespace JSON allows around the colon.
SPACINGS = {"compact": (",", ":"), "spaced": (" , ", " : "), "tabs": (",\t", "\t:\t")}


@pytest.mark.parametrize("spacing", sorted(SPACINGS))
def test_overview_finds_every_kind_of_line_however_the_json_is_spaced(tmp_path, spacing):
    """The quick overview finds step and other lines by their bytes: json.dumps' default spacing is
    EventWriter's habit, not the schema, so a compactly written file must read the same."""
    # ~120 KB of log lines after the last step: the latest step is found however far back it is
    spaced_run(tmp_path / "default.jsonl", None, tail_logs=800)
    spaced_run(tmp_path / "other.jsonl", SPACINGS[spacing], tail_logs=800)
    assert b'"type": "step"' not in (tmp_path / "other.jsonl").read_bytes()
    reference, _ = overview_history(tmp_path / "default.jsonl", steps_wanted=50)
    history, covered = overview_history(tmp_path / "other.jsonl", steps_wanted=50)
    assert covered == (tmp_path / "other.jsonl").stat().st_size
    assert history.step == reference.step == 300 and history.last_loss == reference.last_loss == 2.0
    assert 10 <= history.step_events <= 52  # some of ~steps_wanted sampled lines, plus the exact latest one
    assert history.total_steps == 300 and history.end["status"] == "completed"
    assert history.series(100).eval == reference.series(100).eval == ([100.0, 200.0, 300.0], [2.4, 2.3, 2.2])
    assert history.checkpoints == 3 and [w["message"] for w in history.warnings] == ["odd"]


def test_a_compact_events_file_is_watched_like_a_default_one(runs_dir, monkeypatch):
    """Attaching to a long compact file: the first (overview) snapshot already shows the whole run."""
    monkeypatch.setattr(monitoring, "OVERVIEW_BYTES", 4096)  # this small file counts as long
    run = SyntheticRun(runs_dir, "compact", state=None)  # no status.json: only the events say anything
    spaced_run(run.dir / "events.jsonl", SPACINGS["compact"])
    watcher = RunWatcher(run.dir, chunk_bytes=16384)
    watcher.poll()
    first = watcher.snapshot(100)
    assert first.provisional and first.step == 300 and first.state == "completed" and first.eval_loss == 2.2
    assert first.series.loss[0][0] <= 10 and first.series.loss[0][-1] == 300
    while watcher.catching_up:
        watcher.poll()
    exact = watcher.snapshot(100)
    assert not exact.provisional and exact.step_events == 300 and exact.checkpoints == 3


def test_log_tail_reads_the_end_incrementally_and_keeps_the_last_rewrite(tmp_path):
    path = tmp_path / "train.log"
    path.write_text("".join(f"line {i}\n" for i in range(10_000)))
    tail = LogTail(path, max_lines=5)
    assert tail.poll() and list(tail.lines) == [f"line {i}" for i in range(9995, 10_000)]
    with open(path, "a") as handle:
        handle.write("progress 10%\rprogress 50%\rprogress 100%\npartial")
    assert tail.poll() and tail.lines[-1] == "progress 100%"
    path.write_text("fresh\n")  # truncated / replaced
    tail.poll()
    assert tail.lines[-1] == "fresh"


def test_replaced_events_file_starts_over(runs_dir):
    run = SyntheticRun(runs_dir, "again")
    run.start(10)
    for step in range(1, 6):
        run.step(step)
    watcher = watch(run.dir)
    (run.dir / "events.jsonl").unlink()
    fresh = SyntheticRun(runs_dir, "again")
    fresh.start(10)
    fresh.step(1)
    watcher.poll()
    assert watcher.snapshot().step_events == 1


# -- GPUs -----------------------------------------------------------------------------------------
def test_gpu_sampler_reads_each_gpu_and_survives_unsupported_readings():
    fake = FakeNvml()
    sampler = GpuSampler(fake, env={})
    a100, rtx = sampler.sample()
    assert (a100.name, a100.mem_total_gb, a100.mem_used_gb, a100.util_pct, a100.temp_c) == \
        ("NVIDIA A100-SXM4-80GB", 80.0, 40.0, 97.0, 65.0)
    assert (a100.power_w, a100.power_limit_w, a100.process_mem_gb) == (350.0, 400.0, {4242: 30.0})
    assert rtx.power_w is None and rtx.mem_fraction == 0.5
    sampler.close()
    assert fake.inits == 0  # every init is matched by a shutdown


def test_gpu_sampler_honours_cuda_visible_devices_and_no_nvml_is_a_note():
    only_second = GpuSampler(FakeNvml(), env={"CUDA_VISIBLE_DEVICES": "1"}).sample()
    assert [(g.index, g.name) for g in only_second] == [(0, "NVIDIA RTX 4090")]

    class NoDriver(FakeNvml):
        def nvmlInit(self):
            raise RuntimeError("Driver Not Loaded")

    sampler = GpuSampler(NoDriver(), env={})
    assert sampler.sample() == [] and "no NVIDIA GPU" in str(sampler.note)


def test_engine_monitoring_is_headless_and_light():
    code = ("import engine.monitoring, engine.history, engine.hardware, tui.formatting, sys; "
            "print(sorted(m for m in ('textual', 'torch', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
