"""A real tiny training run, watched the way a user on SSH watches it: the app that started it is
killed with its terminal, the trainer goes on, `tunewiz watch` follows it in a pipe, and a new app
re-attaches from the runs screen and shows the whole history while it advances to the end."""
from __future__ import annotations

import asyncio
import fcntl
import json
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest
import yaml

from conftest import REPO, memorise_rows, write_jsonl
from engine.events import read_events
from engine.runs import pid_alive, read_status
from tui.app import TunewizApp

TOTAL_STEPS = 16

APP_SCRIPT = """
import sys
from pathlib import Path
from engine.launch import start_run
from engine.train.config import load_config
from tui.app import TunewizApp
run_dir, _ = start_run(load_config(sys.argv[1]))  # what the wizard does when the user presses Train
Path(sys.argv[2]).write_text(str(run_dir))
TunewizApp(lang="en", runs_dir=run_dir.parent, start="monitor", start_args={"run_dir": str(run_dir)}).run()
"""


def steps(run_dir: Path) -> list[dict]:
    return [e for e in read_events(run_dir / "events.jsonl") if e["type"] == "step"]


async def wait(predicate, timeout: float, what: str, pilot=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        if pilot is not None:
            await pilot.pause(0.1)
        else:
            await asyncio.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}")


def start_app_in_a_terminal(script_args: list[str]) -> tuple[subprocess.Popen, int, bytearray]:
    """The app as a user runs it: in an 80x24 terminal (a pty), in its own session."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "TEXTUAL_ANIMATIONS": "none", "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    process = subprocess.Popen([sys.executable, "-c", APP_SCRIPT, *script_args], stdin=slave, stdout=slave,
                               stderr=slave, start_new_session=True, env=env, cwd=str(REPO))
    os.close(slave)
    screen = bytearray()

    def drain() -> None:  # a terminal reads what the app draws; an unread pty would block it
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            screen.extend(data)

    threading.Thread(target=drain, daemon=True).start()
    return process, master, screen


async def test_trainer_outlives_the_app_and_a_new_app_shows_the_whole_history(tmp_path, tiny_model_dir, runs_dir):
    data = write_jsonl(tmp_path / "train.jsonl", memorise_rows(80))
    config = {"model": str(tiny_model_dir), "method": "lora", "data": str(data), "runs_dir": str(runs_dir),
              "name": "ssh-run", "max_steps": TOTAL_STEPS, "batch_size": 4, "grad_accum": 1, "learning_rate": 5e-3,
              "max_length": 64, "eval_split": 0.25, "gradient_checkpointing": False, "save_steps": 8,
              "lora": {"r": 8, "alpha": 16}}
    config_path = tmp_path / "run.yaml"
    config_path.write_text(yaml.safe_dump(config))
    run_dir_file = tmp_path / "run_dir.txt"

    # 1. The app starts the run and shows its monitor in a terminal.
    app_process, master, drawn = start_app_in_a_terminal([str(config_path), str(run_dir_file)])
    watcher = None
    try:
        run_dir = Path(await wait(lambda: run_dir_file.is_file() and run_dir_file.read_text(), 30, "the run directory"))
        await wait(lambda: len(steps(run_dir)) >= 2, 120, "the first steps")
        assert b"ssh-run" in drawn  # the monitor was on screen
        trainer_pid = read_status(run_dir)["pid"]

        # 2. The SSH link drops: the terminal goes away and the app is killed outright.
        os.close(master)
        os.killpg(app_process.pid, signal.SIGKILL)
        app_process.wait(timeout=10)
        assert pid_alive(trainer_pid), "the trainer died with the app"
        killed_at_step = steps(run_dir)[-1]["step"]
        assert killed_at_step < TOTAL_STEPS, "the run ended before the app was killed; nothing was proven"

        # 3. A script follows it with `tunewiz watch` in a pipe.
        watcher = subprocess.Popen([sys.executable, "-m", "tui.cli", "watch", "ssh-run", "--runs-dir", str(runs_dir),
                                    "--interval", "0.2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        # 4. A new app re-attaches from the runs screen: the whole history, then progress to the end.
        app = TunewizApp(lang="en", runs_dir=runs_dir, start="runs")
        async with app.run_test(size=(100, 30)) as pilot:
            await wait(lambda: type(app.screen).__name__ == "RunsScreen" and app.screen.loads > 0, 10, "runs", pilot)
            await pilot.press("enter")
            await wait(lambda: type(app.screen).__name__ == "MonitorScreen", 10, "the monitor", pilot)
            monitor = app.screen
            await wait(lambda: monitor._snapshot is not None and monitor._snapshot.step is not None, 10, "history", pilot)
            first = monitor._snapshot
            assert first.step_events >= killed_at_step  # everything from before the re-attach is there
            if first.active:
                await wait(lambda: monitor._snapshot.step > first.step, 60, "progress", pilot)
            await wait(lambda: monitor._snapshot.state == "completed", 120, "the end", pilot)
            await wait(lambda: monitor.query_one("#chart-loss")._series is not None
                       and len(monitor.query_one("#chart-loss")._series.loss[0]) == TOTAL_STEPS, 10, "chart", pilot)
            final = monitor._snapshot
            assert final.step == TOTAL_STEPS and final.step_events == TOTAL_STEPS and final.eval_loss is not None
            assert f"step {TOTAL_STEPS}/{TOTAL_STEPS}" in str(monitor.query_one("#mon-progress").render())
            assert "Completed at step" in str(monitor.query_one("#mon-banner").render())
            assert monitor.query_one("#chart-loss")._series.eval[0]  # eval points drawn
            assert any("loss" in line for line in monitor.query_one("#mon-log").lines)  # train.log tail
            keys = {b.binding.key: b.enabled for b in monitor.active_bindings.values() if b.binding.show}
            assert keys["c"] is True and keys["s"] is False

        out, err = watcher.communicate(timeout=60)
        assert watcher.returncode == 0, err
        lines = out.splitlines()
        assert sum(1 for line in lines if line.startswith("step ")) == TOTAL_STEPS  # the whole history, in order
        assert any(line.startswith("eval  step") for line in lines)
        assert "end  completed" in lines and any(line.startswith("completed  ssh-run") for line in lines[-3:])
        assert "\x1b[" not in out  # plain lines in a pipe
        assert read_events(run_dir / "events.jsonl")[-1]["status"] == "completed"
    finally:
        if app_process.poll() is None:
            os.killpg(app_process.pid, signal.SIGKILL)
        if watcher is not None and watcher.poll() is None:
            watcher.kill()
        status = read_status(run_dir_file.read_text()) if run_dir_file.is_file() else None
        if status and pid_alive(status.get("pid")):
            os.kill(status["pid"], signal.SIGKILL)
