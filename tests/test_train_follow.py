"""`tunewiz train`'s follow loop (tui/commands/train.py `_follow`) against a real child process standing in for
the trainer: Ctrl-C asks it to stop, and keeps asking until it says it is stopping."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from engine import runs

# A trainer whose first SIGTERM goes astray (as one did once in CI): it stops only at a second one, and gives up
# after 30 s (then the follow loop would have waited for nothing).
FORGETFUL_TRAINER = r"""
import os, signal, sys, time
from pathlib import Path
from engine import runs
run_dir = Path(sys.argv[1])
got = []
signal.signal(signal.SIGTERM, lambda s, f: got.append(time.monotonic()))
runs.write_status(run_dir, state="running", pid=os.getpid())
deadline = time.monotonic() + 30
while len(got) < 2 and time.monotonic() < deadline:
    time.sleep(0.05)
(run_dir / "sigterms").write_text(str(len(got)))
runs.write_status(run_dir, state="stopped" if len(got) >= 2 else "failed")
"""


def _forgetful_trainer(tmp_path: Path) -> tuple[Path, subprocess.Popen]:
    """The run directory and the process of a FORGETFUL_TRAINER, once it says it is running."""
    from tui.commands import train
    run_dir = tmp_path / "forgetful"
    run_dir.mkdir()
    env = dict(os.environ, PYTHONPATH=str(Path(train.__file__).resolve().parents[2]))
    process = subprocess.Popen([sys.executable, "-c", FORGETFUL_TRAINER, str(run_dir)], env=env)
    deadline = time.monotonic() + 60
    while (runs.read_status(run_dir) or {}).get("state") != "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    return run_dir, process


def test_ctrl_c_asks_again_until_the_trainer_says_it_is_stopping(tmp_path, monkeypatch):
    from tui.commands import train

    monkeypatch.setattr(train, "STOP_RESEND_S", 0.5)
    run_dir, process = _forgetful_trainer(tmp_path)
    try:
        ctrl_c = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT))
        ctrl_c.start()
        started = time.monotonic()
        state = train._follow(run_dir, process)
        waited = time.monotonic() - started
    finally:
        process.kill()
        process.wait()
    assert (run_dir / "sigterms").read_text() == "2"   # asked again, and the trainer stopped
    assert state == "stopped" and waited < 20, (state, waited)


def test_ctrl_c_twice_asks_again_on_leaving_while_the_trainer_has_not_said_stopping(tmp_path, monkeypatch):
    from tui.commands import train

    monkeypatch.setattr(train, "STOP_RESEND_S", 60.0)   # (no asking again while following)
    run_dir, process = _forgetful_trainer(tmp_path)
    try:
        for delay in (0.3, 0.8):
            threading.Timer(delay, os.kill, (os.getpid(), signal.SIGINT)).start()
        state = train._follow(run_dir, process)   # returns at the second Ctrl-C, leaving the trainer to finish
        assert state == "running"
        assert process.wait(timeout=20) == 0
    finally:
        process.kill()
        process.wait()
    assert (run_dir / "sigterms").read_text() == "2"
