"""The run commands as a user meets them: `tunewiz train --set`, `train` without a config, Ctrl-C once
and twice on a real terminal, `resume` in the foreground and where it must refuse, `stop` of a run
that is not there or not running, and `runs` with nothing to list.

Real `tunewiz` subprocesses, a real pty (tests/pty_terminal.py) and the tiny model. The runs that
train share one module-scoped runs directory: the interrupted run is the one that is resumed, and
the resumed (completed) run is the one that `resume` and `stop` must refuse.
"""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from conftest import memorise_rows, write_jsonl
from engine.events import read_events
from engine.runs import ACTIVE_STATES, is_trainer_process, pid_alive, read_status, run_info
from monitor_synth import SyntheticRun, dead_pid
from pty_terminal import Terminal

TUNEWIZ = [sys.executable, "-m", "tui.cli"]
MAX_STEPS = 16  # the interrupted run: enough steps that Ctrl-C after the first lands well before the end


def tunewiz(*args: str, env: dict | None = None, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(TUNEWIZ + list(args), capture_output=True, text=True, timeout=timeout, cwd=cwd,
                          env={**os.environ, **(env or {})})


def assert_clean_failure(result: subprocess.CompletedProcess, code: int, *needles: str) -> None:
    """The command refused with one readable message: the exit code, the words, never a traceback."""
    said = result.stdout + result.stderr
    assert result.returncode == code, (result.returncode, said)
    assert "Traceback" not in said, said
    for needle in needles:
        assert needle in said, (needle, said)


def steps(run_dir: Path) -> list[dict]:
    return [e for e in read_events(run_dir / "events.jsonl") if e["type"] == "step"]


def stop_trainers_left_in(runs_root: Path) -> None:
    """Teardown: no trainer outlives the tests, whatever they left behind."""
    for status_file in runs_root.glob("*/status.json"):
        pid = (read_status(status_file.parent) or {}).get("pid")
        if isinstance(pid, int) and pid != os.getpid() and is_trainer_process(pid):
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 60
            while pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.2)
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, tiny_model_dir):
    root = tmp_path_factory.mktemp("cli-runs")
    runs = root / "runs"
    data = write_jsonl(root / "train.jsonl", memorise_rows())
    config = root / "run.yaml"
    config.write_text(yaml.safe_dump({
        "model": str(tiny_model_dir), "method": "lora", "data": str(data), "runs_dir": str(runs),
        "max_steps": 8, "batch_size": 4, "grad_accum": 1, "learning_rate": 5e-3, "max_length": 64,
        "eval_split": 0, "gradient_checkpointing": False, "save_steps": 100000, "lora": {"r": 8, "alpha": 16}}))
    # One torch thread: on a busy 2-CPU machine the default pool makes each tiny step many times slower, and a
    # stopping trainer finishes its step before its checkpoint.
    yield SimpleNamespace(root=root, runs=runs, config=config,
                          env={"TUNEWIZ_RUNS_DIR": str(runs), "OMP_NUM_THREADS": "1"})
    stop_trainers_left_in(runs)


@pytest.fixture(scope="module")
def interrupted(workspace):
    """`tunewiz train CONFIG --set …` on a terminal, Ctrl-C pressed once after the first step."""
    terminal = Terminal(TUNEWIZ + ["train", str(workspace.config), "--set", "name=interrupted",
                                   "--set", f"max_steps={MAX_STEPS}", "--set", "lora.r=4"],
                        env=workspace.env, cwd=workspace.root)
    try:
        terminal.wait_for(f"step 1/{MAX_STEPS}", timeout=180)
        terminal.press_ctrl_c()
        code = terminal.wait(timeout=180)
    finally:
        terminal.close()
    return SimpleNamespace(run_dir=workspace.runs.resolve() / "interrupted", code=code, screen=terminal.text())


@pytest.fixture(scope="module")
def resumed(workspace, interrupted):
    """`tunewiz resume interrupted` in the foreground, to the end of the run."""
    stopped_at = read_status(interrupted.run_dir)["step"]
    result = tunewiz("resume", "interrupted", env=workspace.env, cwd=workspace.root)
    return SimpleNamespace(run_dir=interrupted.run_dir, stopped_at=stopped_at, result=result)


# -- train --set, train without a config ----------------------------------------------------------
def test_set_values_reach_the_runs_config(interrupted):
    saved = yaml.safe_load((interrupted.run_dir / "config.yaml").read_text())
    assert saved["name"] == "interrupted" and saved["max_steps"] == MAX_STEPS and saved["lora"]["r"] == 4
    assert saved["lora"]["alpha"] == 16 and saved["learning_rate"] == 5e-3  # the file's other values stay
    start = next(e for e in read_events(interrupted.run_dir / "events.jsonl") if e["type"] == "start")
    assert start["total_steps"] == MAX_STEPS  # and the trainer used them


def test_bad_set_values_are_refused_before_a_run_dir_exists(workspace, tmp_path):
    runs = tmp_path / "runs"
    config = tmp_path / "run.yaml"
    config.write_text(workspace.config.read_text().replace(str(workspace.runs), str(runs)))
    result = tunewiz("train", str(config), "--set", "max_step=3", "--set", "method=qlora4", "--set", "lora.rank=4")
    assert_clean_failure(result, 2, f"{config}: invalid config", "max_step: unknown key (did you mean 'max_steps'?)",
                         "method: 'qlora4' is not allowed; use one of", "lora.rank: unknown key")
    assert_clean_failure(tunewiz("train", str(config), "--set", "max_steps"), 2,
                         "--set max_steps: expected key=value, e.g. --set max_steps=20")
    assert_clean_failure(tunewiz("train", str(config), "--set", "max_steps=many"), 2,
                         "max_steps: Input should be a valid integer", "'many'")
    assert not runs.exists()


def test_messages_quote_brackets_as_typed(workspace, tmp_path):
    # Square brackets in a path or a run name are text, not rich markup: not dropped, not a traceback.
    missing = tmp_path / "[2024]" / "train.jsonl"
    assert_clean_failure(tunewiz("train", str(workspace.config), "--set", f"data={missing}"), 2,
                         f"data: file not found: {missing}")
    assert_clean_failure(tunewiz("stop", "[/bold]", "--runs-dir", str(tmp_path)), 2, "No run '[/bold]'")


def test_train_without_a_config_says_what_is_missing(tmp_path):
    result = tunewiz("train", cwd=tmp_path, env={"TUNEWIZ_RUNS_DIR": ""})
    assert_clean_failure(result, 2, "--set: cannot start",
                         "data: no dataset given; set `data:` in the config or pass --set data=FILE")
    assert list(tmp_path.iterdir()) == []  # no runs/ made
    zh = tunewiz("--lang", "zh", "train", cwd=tmp_path, env={"TUNEWIZ_RUNS_DIR": ""})
    assert zh.returncode == 2 and "错误：--set：无法开始" in zh.stderr and "cannot start" not in zh.stderr, zh.stderr


# -- Ctrl-C --------------------------------------------------------------------------------------
def test_ctrl_c_once_stops_gracefully_with_a_checkpoint(interrupted):
    screen, run_dir = interrupted.screen, interrupted.run_dir
    assert interrupted.code == 0, screen
    assert "Traceback" not in screen and "no longer waiting" not in screen
    assert "stopping: the trainer writes a checkpoint first (Ctrl-C again to stop waiting" in screen
    assert "end  stopped" in screen and screen.strip().splitlines()[-1] == str(run_dir)
    status = read_status(run_dir)
    assert run_info(run_dir).state == "stopped" and not pid_alive(status["pid"])
    stopped_at = status["step"]
    assert 1 <= stopped_at < MAX_STEPS
    events = read_events(run_dir / "events.jsonl")
    assert events[-1]["type"] == "end" and events[-1]["status"] == "stopped"
    assert [e["step"] for e in events if e["type"] == "checkpoint"] == [stopped_at]  # save_steps never came
    assert (run_dir / "checkpoints" / f"checkpoint-{stopped_at}" / "trainer_state.json").is_file()


def test_ctrl_c_twice_returns_and_leaves_the_trainer_to_finish_on_its_own(workspace):
    terminal = Terminal(TUNEWIZ + ["train", str(workspace.config), "--set", "name=twice", "--set", "max_steps=100000"],
                        env=workspace.env, cwd=workspace.root)
    run_dir = workspace.runs.resolve() / "twice"
    try:
        terminal.wait_for("step 1/100000", timeout=180)
        terminal.press_ctrl_c()
        terminal.wait_for("Ctrl-C again")
        terminal.press_ctrl_c()
        code = terminal.wait(timeout=30)
        state_on_return = run_info(run_dir).state
    finally:
        terminal.close()
    screen = terminal.text()
    assert code == 0 and "Traceback" not in screen, screen
    pid = read_status(run_dir)["pid"]
    assert ("no longer waiting: the trainer finishes its checkpoint and stops in the background; follow it with "
            f"`tunewiz watch twice` (pid {pid})") in screen
    # The tiny trainer may finish its checkpoint before the second Ctrl-C lands: either way the CLI returned.
    assert state_on_return in ACTIVE_STATES + ("stopped",) and screen.strip().splitlines()[-1] == str(run_dir)
    # The first Ctrl-C asked for a stop; without the CLI the trainer still writes its checkpoint and ends.
    deadline = time.monotonic() + 300   # (a loaded CI machine: it took over 120 s once)
    while run_info(run_dir).state in ACTIVE_STATES and time.monotonic() < deadline:
        time.sleep(0.2)
    stopped_at = read_status(run_dir)["step"]
    assert run_info(run_dir).state == "stopped"
    assert (run_dir / "checkpoints" / f"checkpoint-{stopped_at}" / "trainer_state.json").is_file()


# -- resume ---------------------------------------------------------------------------------------
def test_resume_in_the_foreground_continues_the_step_count_to_the_end(resumed):
    result, run_dir, stopped_at = resumed.result, resumed.run_dir, resumed.stopped_at
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert f"resuming interrupted from {run_dir / 'checkpoints' / f'checkpoint-{stopped_at}'} (pid " in result.stderr
    shown = [int(m) for m in re.findall(rf"^step (\d+)/{MAX_STEPS}", result.stderr, re.M)]
    assert shown == list(range(stopped_at + 1, MAX_STEPS + 1))  # only this session's steps, continuing
    assert "end  completed" in result.stderr and result.stdout.strip().splitlines()[-1] == str(run_dir)
    assert [e["step"] for e in steps(run_dir)] == list(range(1, MAX_STEPS + 1))
    starts = [e for e in read_events(run_dir / "events.jsonl") if e["type"] == "start"]
    assert [s.get("resumed_from_step") for s in starts] == [None, stopped_at]
    assert run_info(run_dir).state == "completed" and read_status(run_dir)["step"] == MAX_STEPS
    assert (run_dir / "adapter" / "adapter_config.json").is_file()


def test_resume_and_stop_refuse_a_completed_run(workspace, resumed):
    events_before = (resumed.run_dir / "events.jsonl").read_bytes()
    assert_clean_failure(tunewiz("resume", "interrupted", env=workspace.env), 2,
                         "interrupted already completed; start a new run with more epochs or max_steps instead")
    assert_clean_failure(tunewiz("stop", "interrupted", env=workspace.env), 2,
                         "interrupted is not running (state: completed)")
    assert (resumed.run_dir / "events.jsonl").read_bytes() == events_before  # nothing started, nothing stopped


def test_resume_of_an_unknown_run(runs_dir):
    SyntheticRun(runs_dir, "other").end("stopped")
    assert_clean_failure(tunewiz("resume", "nope"), 2,
                         f"No run 'nope': not a run directory and not a run name under {runs_dir}. "
                         f"Runs under {runs_dir}: other.")


def test_resume_of_a_running_run_says_stop_it_first(runs_dir):
    run = SyntheticRun(runs_dir, "busy")  # its trainer pid is this (live) test process
    run.start(total_steps=10)
    run.step(1)
    events_before = (run.dir / "events.jsonl").read_bytes()
    assert_clean_failure(tunewiz("resume", "busy"), 2,
                         f"busy is still running (pid {os.getpid()}); stop it first with `tunewiz stop busy`")
    assert (run.dir / "events.jsonl").read_bytes() == events_before and (run.dir / "train.log").read_text() == ""


@pytest.mark.parametrize("ending", ["stopped", "failed", "crashed"])
def test_resume_of_a_run_without_a_checkpoint_says_to_start_it_again(runs_dir, ending):
    run = SyntheticRun(runs_dir, "early", pid=dead_pid() if ending == "crashed" else None)
    run.start(total_steps=10)
    run.step(1)
    if ending != "crashed":
        run.end(ending, "boom" if ending == "failed" else None)
    assert run_info(run.dir).state == ending
    assert_clean_failure(tunewiz("resume", str(run.dir)), 2,
                         "early has no checkpoint to resume from (checkpoints are written every save_steps and "
                         f"on stop); start it again: tunewiz train {run.dir.resolve() / 'config.yaml'}")
    assert (run.dir / "train.log").read_text() == ""  # no trainer was started


# -- stop -----------------------------------------------------------------------------------------
def test_stop_of_an_unknown_run(runs_dir):
    assert_clean_failure(tunewiz("stop", "nope"), 2, "No run 'nope'", f"There are no runs under {runs_dir}.")


@pytest.mark.parametrize("command", ["stop", "resume", "watch"])
def test_an_unknown_run_is_said_in_chinese_under_lang_zh(runs_dir, command):
    SyntheticRun(runs_dir, "other").end("stopped")
    result = tunewiz("--lang", "zh", command, "nope")
    assert_clean_failure(result, 2, f"没有名为 'nope' 的运行：它既不是运行目录，也不是 {runs_dir} 下的运行名。",
                         f"{runs_dir} 下的运行：other。")
    assert "No run" not in result.stderr


@pytest.mark.parametrize("ending", ["completed", "failed", "stopped"])
def test_stop_of_a_finished_run(runs_dir, ending):
    run = SyntheticRun(runs_dir, "finished")
    run.start(total_steps=3)
    run.end(ending)
    result = tunewiz("stop", "finished")
    assert_clean_failure(result, 2, f"finished is not running (state: {ending})")
    assert "SIGTERM" not in result.stderr


# -- runs -----------------------------------------------------------------------------------------
def test_runs_on_an_empty_and_on_a_missing_runs_directory(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    missing = tmp_path / "missing"
    for folder in (empty, missing):
        table = tunewiz("runs", "--runs-dir", str(folder))
        assert table.returncode == 0 and table.stdout.strip() == f"No runs under {folder}.", table.stderr
        zh = tunewiz("--lang", "zh", "runs", "--runs-dir", str(folder))
        assert zh.stdout.strip() == f"{folder} 下没有训练任务。", zh.stdout
        listed = tunewiz("runs", "--json", env={"TUNEWIZ_RUNS_DIR": str(folder)})
        assert listed.returncode == 0 and json.loads(listed.stdout) == [], listed.stderr
        assert "Traceback" not in table.stderr + listed.stderr
    assert not missing.exists()  # listing creates nothing
