"""`tunewiz watch RUN`: in a pipe, plain lines, the whole history, live follow, exit code = end state; on a
terminal (a real pty), the live view redrawn in place, and the exit codes of failed and interrupted watches."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time

from engine.runs import pid_alive
from monitor_synth import SyntheticRun, dead_pid
from pty_terminal import Terminal

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
    assert result.stderr.startswith("error: ")
    zh = subprocess.run(TUNEWIZ + ["--lang", "zh", "watch", "nope", "--runs-dir", str(runs_dir)], capture_output=True,
                        text=True, timeout=60)
    assert zh.returncode == 2 and zh.stderr.startswith("错误：没有名为 'nope' 的运行"), zh.stderr


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
    assert process.stdout.readline().startswith("start  model")  # it found the run (a fixed sleep lost the race under load)
    shutil.rmtree(run.dir)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 6 and "no longer exists" in out and "Traceback" not in err


# -- on a terminal --------------------------------------------------------------------------------
COLUMNS = 90
SHOW_CURSOR, HIDE_CURSOR = b"\x1b[?25h", b"\x1b[?25l"


def watch_on_a_terminal(*args: str, sigint_ignored: bool = False) -> Terminal:
    return Terminal(TUNEWIZ + ["watch", *args], columns=COLUMNS, rows=30, sigint_ignored=sigint_ignored)


def one_panel(screen: list[str]) -> list[str] | None:
    """The lines inside the screen's `tunewiz watch` panel when it holds exactly one, whole and as wide as
    the terminal (the view is redrawn in place, not stacked frame after frame); else None."""
    tops = [i for i, line in enumerate(screen) if line.startswith("╭─ tunewiz watch ")]
    bottoms = [i for i, line in enumerate(screen) if line.startswith("╰")]
    if len(tops) != 1 or len(bottoms) != 1 or bottoms[0] < tops[0]:
        return None
    panel = screen[tops[0]:bottoms[0] + 1]
    if not all(len(line) == COLUMNS and line[0] in "╭│╰" and line[-1] in "╮│╯" for line in panel):
        return None
    return [line[1:-1].strip() for line in panel[1:-1]]


def panel_showing(terminal: Terminal, needle: str, timeout: float = 30) -> list[str]:
    """Waits until the terminal shows one whole panel with `needle` in it (a redraw may be half read)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        panel = one_panel(terminal.screen())
        if panel and any(needle in line for line in panel):
            return panel
        time.sleep(0.05)
    raise AssertionError(f"no whole panel showing {needle!r}; the terminal shows:\n" + "\n".join(terminal.screen()))


BARS = "▁▂▃▄▅▆▇█"


def test_the_live_view_redraws_in_place_as_the_run_goes_on(runs_dir):
    run = SyntheticRun(runs_dir, "live")
    run.start(total_steps=6)
    run.step(1, loss=2.0)
    terminal = watch_on_a_terminal("live", "--interval", "0.1")
    try:
        panel = panel_showing(terminal, "step 1/6 · epoch 0.02")
        assert panel[0] == "● running  live  tiny-test-model · lora"
        assert "17%  step 1/6 · epoch 0.02 · elapsed" in panel[1] and "ETA" in panel[1]
        assert panel[2].startswith("loss 2.0000  smoothed 2.0000  lr 2.00e-04  401 tok/s")
        for step in range(2, 7):
            run.step(step, loss=2.0 - step / 10)
            panel = panel_showing(terminal, f"step {step}/6 · epoch")  # each step shows while the run goes on
        assert panel[2].startswith("loss 1.4000")
        bars = next(line for line in panel if line.startswith("loss      ")).split()[1]
        heights = [BARS.index(bar) for bar in bars]  # the smoothed loss, one bar a step, falling
        assert len(heights) == 6 and heights == sorted(heights, reverse=True) and heights[0] > heights[-1], bars
        run.end("completed")
        assert terminal.wait(timeout=30) == 0
    finally:
        terminal.close()
    screen = terminal.screen()
    panel = one_panel(screen)
    assert panel, "\n".join(screen)
    assert panel[0] == "● completed  live  tiny-test-model · lora" and "100%  step 6/6" in panel[1]
    assert "ETA" not in panel[1] and screen[-1].startswith("╰")  # nothing after the panel for a completed run
    raw = terminal.raw
    assert HIDE_CURSOR in raw and raw.rindex(SHOW_CURSOR) > raw.rindex(HIDE_CURSOR)  # the cursor comes back
    assert b"step 1/6  epoch" not in raw  # the live view, not the plain lines of a pipe


def test_a_failed_run_on_a_terminal_shows_why_and_exits_1(runs_dir):
    finished(runs_dir, "broken", "failed", "ValueError: the tokenizer has no chat template",
             "Give a chat_template in the model folder.")
    terminal = watch_on_a_terminal("broken")
    try:
        assert terminal.wait(timeout=60) == 1
    finally:
        terminal.close()
    screen = terminal.screen()
    panel = one_panel(screen)
    assert panel, "\n".join(screen)
    assert panel[0] == "● failed  broken  tiny-test-model · lora"
    assert "error: ValueError: the tokenizer has no chat template" in panel
    assert "advice: Give a chat_template in the model folder." in panel
    after = screen[screen.index(next(line for line in screen if line.startswith("╰"))) + 1:]
    assert after[0].startswith("failed  broken  step 3/3") and "Traceback" not in "\n".join(screen)
    assert "  error: ValueError: the tokenizer has no chat template" in after
    assert "  advice: Give a chat_template in the model folder." in after
    assert watch("broken", "--runs-dir", str(runs_dir)).returncode == 1  # in a pipe too


def test_ctrl_c_ends_the_watch_with_130_and_the_run_goes_on(runs_dir, repo):
    run_dir = runs_dir / "busy"
    run_dir.mkdir(parents=True)
    trainer = subprocess.Popen([sys.executable, str(repo / "tests" / "monitor_fake_trainer.py"), "engine.train.run",
                                str(run_dir)], start_new_session=True)  # a stand-in trainer in its own session
    try:
        deadline = time.monotonic() + 60
        while b'"step"' not in ((run_dir / "events.jsonl").read_bytes() if (run_dir / "events.jsonl").exists() else b""):
            assert time.monotonic() < deadline and trainer.poll() is None
            time.sleep(0.05)
        # Started with SIGINT ignored (as from a background job, or a CI runner started so): Ctrl-C at
        # the terminal must still end the watch.
        terminal = watch_on_a_terminal("busy", "--interval", "0.1", sigint_ignored=True)
        try:
            panel_showing(terminal, "● running  busy")
            terminal.press_ctrl_c()
            assert terminal.wait(timeout=30) == 130
        finally:
            terminal.close()
        screen = terminal.screen()
        # The terminal echoes the Ctrl-C ("^C") wherever the output then is, mid-frame too, and the
        # redraws after it land lower: only the last frame, just above the closing line, is whole.
        assert screen[-1] == "stopped watching; busy is running and keeps running", "\n".join(screen)
        top = max(i for i, line in enumerate(screen) if line.startswith("╭─ tunewiz watch "))
        panel = one_panel(screen[top:-1])
        assert panel and panel[0].startswith("● running  busy"), "\n".join(screen)
        assert "Traceback" not in "\n".join(screen)
        assert terminal.raw.rindex(SHOW_CURSOR) > terminal.raw.rindex(HIDE_CURSOR)
        # The trainer never heard the Ctrl-C: it is alive and still stepping.
        seen = (run_dir / "events.jsonl").read_bytes().count(b'"step"')
        deadline = time.monotonic() + 30
        while (run_dir / "events.jsonl").read_bytes().count(b'"step"') <= seen:
            assert time.monotonic() < deadline and trainer.poll() is None
            time.sleep(0.05)

        # In a pipe, SIGINT (what Ctrl-C sends to a pipeline) ends it the same way.
        process = subprocess.Popen(TUNEWIZ + ["watch", str(run_dir), "--interval", "0.1"], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        first = process.stdout.readline()
        assert first.startswith("start  model"), first
        # Steps the first poll may have read: the lines after them come from later polls.
        written_before = (run_dir / "events.jsonl").read_bytes().count(b'"step"')

        def next_step_shown() -> int:
            while True:
                line = process.stdout.readline()
                assert line, "the watch ended early"
                if line.startswith("step "):
                    return int(line.split()[1].split("/")[0])

        while next_step_shown() < written_before + 3:  # past the history: following the run live
            pass
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
        assert process.returncode == 130 and "Traceback" not in err, err
        assert out.splitlines()[-1] == "stopped watching; busy is running and keeps running"
        assert trainer.poll() is None and pid_alive(trainer.pid)
    finally:
        trainer.terminate()
        trainer.wait(timeout=30)
