"""Faults of a run on two processes (torchrun, gloo, the tiny model on the CPU): a rank killed mid-run, the
supervisor killed while a rank writes its part of a checkpoint, a full disk on one rank; each then resumed
or checked against one uninterrupted two-process run with the same seed. And the checkpoints several ranks
write: every rank's part is in before rank 0 renames the folder out of checkpoints/.writing, rotation keeps
the newest save_total_limit plus the best. Faults come from the test-only TUNEWIZ_TEST_FAULTS
(src/engine/train/faults.py; only_rank=R puts them on one rank)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import REPO, events_of, memorise_rows, write_jsonl
from engine.events import read_events
from engine.launch import wait_for_end
from engine.runs import last_checkpoint, pid_alive, read_status
from engine.train import checkpoints

TUNEWIZ = [sys.executable, "-m", "tui.cli"]
STEPS = 8  # 36 training rows, 2 ranks x batch 2: 9 steps an epoch; checkpoints at 2, 4, 6, 8
RANK_FILES = ("rng_state_0.pth", "rng_state_1.pth")  # each rank's part of a checkpoint
RANK0_FILES = ("adapter_model.safetensors", "optimizer.pt", "scheduler.pt", "trainer_state.json")


def tunewiz(*args: str, runs_dir: Path, faults: str | None = None, timeout: float = 240,
            check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "TUNEWIZ_RUNS_DIR": str(runs_dir)}
    env.pop("TUNEWIZ_TEST_FAULTS", None)
    if faults:
        env["TUNEWIZ_TEST_FAULTS"] = faults
    result = subprocess.run(TUNEWIZ + list(args), capture_output=True, text=True, timeout=timeout, env=env)
    if check and result.returncode != 0:
        pytest.fail(f"tunewiz {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


def write_config(folder: Path, model_dir: Path, name: str, **overrides) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = [{"messages": [{"role": "user", "content": f"Where is parcel {i}?"},
                          {"role": "assistant", "content": f"Parcel {i} was delayed by the courier."}]}
            for i in range(40)] + memorise_rows(20)
    data = write_jsonl(folder / "faults.jsonl", rows)
    config = {"model": str(model_dir), "method": "lora", "data": str(data), "runs_dir": str(folder / "runs"),
              "max_steps": STEPS, "batch_size": 2, "grad_accum": 1, "learning_rate": 5e-3, "max_length": 64,
              "eval_split": 0.4, "gradient_checkpointing": False, "save_steps": 2, "lora": {"r": 8, "alpha": 16},
              "nproc_per_node": 2, "name": name}
    config.update(overrides)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def kept_steps(run_dir: Path) -> list[int]:
    return [step for step, _ in checkpoints.checkpoints_of(run_dir / "checkpoints")]


def assert_whole(checkpoint: Path) -> None:
    """Every rank's part and rank 0's whole share are in the folder."""
    present = {f.name for f in checkpoint.iterdir()}
    missing = [name for name in RANK_FILES + RANK0_FILES if name not in present]
    assert not missing, f"{checkpoint.name} lacks {missing}"


def rank_pids(run_dir: Path) -> list[int]:
    return [json.loads((run_dir / "ranks" / f"rank-{r}.json").read_text())["pid"] for r in (0, 1)]


def wait_for(condition, run_dir: Path, what: str, timeout: float = 150) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"no {what}:\n" + (run_dir / "train.log").read_text()[-3000:]
        time.sleep(0.1)


def step_seen(run_dir: Path, step: int) -> bool:
    return any(e["type"] == "step" and e["step"] == step for e in read_events(run_dir / "events.jsonl"))


def end_leftovers(*pids: int) -> None:
    for pid in pids:
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)


def assert_resume_joins(run_dir: Path, runs_dir: Path, reference: Path, from_step: int) -> list[dict]:
    """`tunewiz resume` continues from checkpoint-<from_step> on two processes with the reference's losses."""
    resumed = tunewiz("resume", run_dir.name, runs_dir=runs_dir)
    assert f"checkpoint-{from_step}" in resumed.stderr
    events = events_of(run_dir)
    starts = [i for i, e in enumerate(events) if e["type"] == "start"]
    assert len(starts) == 2 and events[starts[1]]["resumed_from_step"] == from_step
    assert events[starts[1]]["world_size"] == 2
    assert events[-1]["type"] == "end" and events[-1]["status"] == "completed"
    after = [e for e in events[starts[1]:] if e["type"] == "step"]
    assert [e["step"] for e in after] == list(range(from_step + 1, STEPS + 1))  # the step count continues
    ref = {e["step"]: e for e in events_of(reference) if e["type"] == "step"}
    # Both ranks' data order, the optimizer, the schedule and each rank's RNG continue: the same curve.
    for event in after:
        assert event["loss"] == pytest.approx(ref[event["step"]]["loss"], rel=1e-4), event["step"]
        assert event["lr"] == pytest.approx(ref[event["step"]]["lr"], rel=1e-6), event["step"]
    assert not (run_dir / "checkpoints" / checkpoints.STAGING).exists()
    for _, folder in checkpoints.checkpoints_of(run_dir / "checkpoints"):
        assert_whole(folder)
    return events


REFERENCE_SEEN: dict[str, bool] = {}  # what the reference run showed while it ran


@pytest.fixture(scope="module")
def reference(tmp_path_factory, tiny_model_dir) -> Path:
    """One uninterrupted two-process run: the loss curve the faulted runs must join. Rank 0 ends training
    three seconds late (after HF's last collective), so rank 1 leaves trainer.train() first; whether the
    staging folder is still there then is kept for the test below (rank 1 removed it under rank 0's Trainer,
    which was still listing it, and such runs failed now and then)."""
    folder = tmp_path_factory.mktemp("reference")
    result = tunewiz("train", str(write_config(folder, tiny_model_dir, "reference")), "--detach",
                     runs_dir=folder / "runs", faults="train_end_delay_s=3,only_rank=0")
    run_dir = Path(result.stdout.strip().splitlines()[-1])
    wait_for(lambda: "training ends 3 s late" in (run_dir / "train.log").read_text(), run_dir, "rank 0's late end")
    time.sleep(1.5)  # rank 1 has left trainer.train()
    REFERENCE_SEEN["staging kept while rank 0 ends"] = (run_dir / "checkpoints" / checkpoints.STAGING).is_dir()
    assert wait_for_end(run_dir, timeout=120, poll=0.2) == "completed", (run_dir / "train.log").read_text()[-3000:]
    return run_dir


# -- checkpoints written by several ranks -------------------------------------------------------------
def test_two_ranks_checkpoints_are_published_whole_once_and_rotated(reference):
    events = events_of(reference)
    assert next(e for e in events if e["type"] == "start")["world_size"] == 2
    # Rank 0 alone publishes and removes the staging folder: rank 1, done first, left it alone.
    assert REFERENCE_SEEN["staging kept while rank 0 ends"]
    # One checkpoint event per save, and nothing left in the staging folder.
    assert [e["step"] for e in events if e["type"] == "checkpoint"] == [2, 4, 6, 8]
    assert not (reference / "checkpoints" / checkpoints.STAGING).exists()
    evals = {e["step"]: e["eval_loss"] for e in events if e["type"] == "eval"}
    best = min(evals, key=evals.get)
    assert set(kept_steps(reference)) == {6, 8, best}  # save_total_limit 2 + the best by eval loss
    for _, folder in checkpoints.checkpoints_of(reference / "checkpoints"):
        assert_whole(folder)  # rank 1's RNG state is in: it was written before the rename
    state = json.loads((reference / "checkpoints" / "checkpoint-8" / "trainer_state.json").read_text())
    assert state["best_global_step"] == best
    assert state["best_model_checkpoint"] == str(reference / "checkpoints" / f"checkpoint-{best}")


# -- a rank killed mid-run, then resume -----------------------------------------------------------------
def test_a_rank_killed_mid_run_fails_naming_it_and_resume_joins_the_loss_curve(
        tmp_path, tiny_model_dir, reference, request):
    runs_dir = tmp_path / "runs"
    config = write_config(tmp_path, tiny_model_dir, "rank-killed")
    # Rank 1 freezes after step 7 (checkpoint 6 written); rank 0 goes on and waits for it in step 8's all-reduce.
    result = tunewiz("train", str(config), "--detach", runs_dir=runs_dir, faults="hang_after_step=7,only_rank=1")
    run_dir = Path(result.stdout.strip().splitlines()[-1])
    wait_for(lambda: step_seen(run_dir, 7), run_dir, "step 7")
    supervisor = read_status(run_dir)["pid"]
    rank0, rank1 = rank_pids(run_dir)
    request.addfinalizer(lambda: end_leftovers(supervisor, rank0, rank1))
    os.kill(rank1, signal.SIGKILL)
    assert wait_for_end(run_dir, timeout=90, poll=0.2) == "failed"
    end = events_of(run_dir)[-1]
    assert f"rank 1 (pid {rank1}) was killed by SIGKILL" in end["error"], end
    assert f"tunewiz resume {run_dir.name}" in end["advice"]
    listed = json.loads(tunewiz("runs", "--json", runs_dir=runs_dir).stdout)
    assert [(r["name"], r["state"]) for r in listed] == [("rank-killed", "failed")]
    assert not step_seen(run_dir, 8) and kept_steps(run_dir) == [4, 6]
    wait_for(lambda: not any(pid_alive(p) for p in (supervisor, rank0)), run_dir, "end of every process", 30)

    assert_resume_joins(run_dir, runs_dir, reference, from_step=6)


# -- killed while a rank writes its part of a checkpoint ------------------------------------------------
def test_a_checkpoint_is_renamed_only_after_every_rank_wrote_and_a_kill_mid_write_resumes_from_the_last(
        tmp_path, tiny_model_dir, reference, request):
    runs_dir = tmp_path / "runs"
    config = write_config(tmp_path, tiny_model_dir, "killed-mid-write")
    # Rank 1 never writes its RNG state into checkpoint-6; rank 0 writes all of its share.
    result = tunewiz("train", str(config), "--detach", runs_dir=runs_dir, faults="hang_in_checkpoint=6,only_rank=1")
    run_dir = Path(result.stdout.strip().splitlines()[-1])
    staging = run_dir / "checkpoints" / checkpoints.STAGING / "checkpoint-6"
    published = run_dir / "checkpoints" / "checkpoint-6"
    wait_for(lambda: (staging / "trainer_state.json").is_file() or published.is_dir(), run_dir,
             "rank 0's share of checkpoint-6")
    supervisor = read_status(run_dir)["pid"]
    ranks = rank_pids(run_dir)
    request.addfinalizer(lambda: end_leftovers(supervisor, *ranks))
    time.sleep(2)  # time enough for rank 0 to rename, were it not waiting for rank 1
    # Rank 0 waits for rank 1: checkpoint-6 stays under the temporary name, the published ones are whole.
    assert kept_steps(run_dir) == [2, 4] and "rng_state_1.pth" not in {f.name for f in staging.iterdir()}
    assert [e["step"] for e in events_of(run_dir) if e["type"] == "checkpoint"] == [2, 4]
    assert read_status(run_dir)["state"] == "running"

    os.kill(supervisor, signal.SIGKILL)
    wait_for(lambda: not any(pid_alive(p) for p in ranks), run_dir, "end of the ranks", 40)
    listed = json.loads(tunewiz("runs", "--json", runs_dir=runs_dir).stdout)
    assert [(r["name"], r["state"]) for r in listed] == [("killed-mid-write", "crashed")]
    assert last_checkpoint(run_dir) == run_dir / "checkpoints" / "checkpoint-4"
    assert_whole(run_dir / "checkpoints" / "checkpoint-4")

    events = assert_resume_joins(run_dir, runs_dir, reference, from_step=4)
    assert [e["step"] for e in events if e["type"] == "checkpoint"] == [2, 4, 6, 8]


# -- a full disk on one rank ----------------------------------------------------------------------------
def test_a_full_disk_on_one_rank_fails_the_run_naming_it_and_no_half_checkpoint_stays(tmp_path, tiny_model_dir):
    runs_dir = tmp_path / "runs"
    config = write_config(tmp_path, tiny_model_dir, "full-disk", eval_split=0)
    result = tunewiz("train", str(config), runs_dir=runs_dir, faults="enospc_at_checkpoint=6,only_rank=1",
                     check=False)
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    run_dir = runs_dir / "full-disk"
    end = events_of(run_dir)[-1]
    assert end["status"] == "failed" and end["code"] == "disk-full"
    assert end["error"].startswith("rank 1: disk full while writing checkpoint-6 into "), end["error"]
    assert "checkpoint-4 is intact" in end["error"] and "tunewiz resume full-disk" in end["advice"]
    assert end["params"]["last_checkpoint"] == str(run_dir / "checkpoints" / "checkpoint-4")
    # Rank 0's share of checkpoint-6 is removed once no rank writes; the earlier checkpoints stay whole.
    assert kept_steps(run_dir) == [2, 4] and not (run_dir / "checkpoints" / checkpoints.STAGING).exists()
    for step in (2, 4):
        assert_whole(run_dir / "checkpoints" / f"checkpoint-{step}")
