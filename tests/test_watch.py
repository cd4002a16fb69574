"""`tunewiz watch RUN` in a pipe: plain lines, the whole history, live follow, exit code = end state."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time

from monitor_synth import SyntheticRun, dead_pid

TUNEWIZ = [sys.executable, "-m", "tui.cli"]


def watch(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(TUNEWIZ + ["watch", *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "COLUMNS": "100"})


def finished(runs_dir, name: str, status: str, error=None, advice=None) -> SyntheticRun:
    run = SyntheticRun(runs_dir, name)
    run.start(total_steps=3)
    run.step(1, loss=2.0)
    run.step(2, loss=float("nan"))
    run.eval(2, 1.9)
    run.raw('{"v": 1, "t": 1.0, "type": "mystery"}\n')
    run.step(3, loss=1.5)
    run.end(status, error, advice)
    return run


def test_a_finished_run_prints_its_history_and_exits_with_its_state(runs_dir):
    run = finished(runs_dir, "done", "completed")
    result = watch("done", "--runs-dir", str(runs_dir))  # by name
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("start  model tiny-test-model  method lora  3 steps")
    assert lines[1].startswith("step 1/3  epoch 0.02  loss 2.0000  smoothed 2.0000  lr 2.00e-04  40")
    assert lines[2].startswith("step 2/3  epoch 0.04  loss nan (not finite)")
    assert "eval  step 2  eval_loss 1.9000" in lines and "end  completed" in lines
    assert sum("mystery" in line for line in lines) == 1  # no line of its own, only the closing note
    assert lines[-3].startswith("completed  done  step 3/3") and "loss 1.5000" in lines[-3]
    assert "not finite at 1 steps (first at step 2)" in lines[-2] and "unknown type (mystery)" in lines[-1]
    assert "\x1b[" not in result.stdout and "Traceback" not in result.stderr
    assert watch(str(run.dir)).returncode == 0  # by path


def test_exit_codes_name_the_end_state(runs_dir):
    finished(runs_dir, "oom", "oom", "CUDA out of memory", "lower batch_size")
    ghost = SyntheticRun(runs_dir, "ghost", pid=dead_pid())
    ghost.start(total_steps=5)
    ghost.step(1)
    result = watch("oom", "--runs-dir", str(runs_dir))
    assert result.returncode == 4
    assert "  error: CUDA out of memory" in result.stdout and "  advice: lower batch_size" in result.stdout
    result = watch("ghost", "--runs-dir", str(runs_dir))
    assert result.returncode == 5 and "without writing an end event" in result.stdout
    result = watch("nope", "--runs-dir", str(runs_dir))
    assert result.returncode == 2 and "No run 'nope'" in result.stderr and "Traceback" not in result.stderr


def test_follows_a_live_run_line_by_line_until_it_ends(runs_dir):
    run = SyntheticRun(runs_dir, "live")
    run.start(total_steps=6)
    run.step(1)
    process = subprocess.Popen(TUNEWIZ + ["watch", str(run.dir), "--interval", "0.1"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    seen: list[tuple[float, str]] = []
    reader = threading.Thread(target=lambda: [seen.append((time.monotonic(), line)) for line in process.stdout])
    reader.start()
    deadline = time.monotonic() + 20
    while not any(line.startswith("step 1/6") for _, line in seen) and time.monotonic() < deadline:
        time.sleep(0.05)
    written = {}
    for step in range(2, 7):
        written[step] = time.monotonic()
        run.step(step)
        time.sleep(0.3)
    run.end("stopped", None, "resume it later")
    assert process.wait(timeout=20) == 3  # stopped
    reader.join(timeout=5)
    lines = [line.rstrip("\n") for _, line in seen]
    assert [line.split()[1] for line in lines if line.startswith("step ")] == [f"{i}/6" for i in range(1, 7)]
    for step, at in written.items():  # each line arrived while the run went on, not at the end
        shown = next(when for when, line in seen if line.startswith(f"step {step}/6"))
        assert shown - at < 2.0
    assert "  advice: resume it later" in lines


def test_only_new_timeout_and_a_deleted_run_directory(runs_dir):
    run = SyntheticRun(runs_dir, "slow")
    run.start(total_steps=100)
    run.step(1)
    result = watch(str(run.dir), "--only-new", "--timeout", "0.5", "--interval", "0.1")
    assert result.returncode == 124 and "step 1/100" not in result.stdout and "still running" in result.stdout
    process = subprocess.Popen(TUNEWIZ + ["watch", str(run.dir), "--interval", "0.1"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    shutil.rmtree(run.dir)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 6 and "no longer exists" in out and "Traceback" not in err
