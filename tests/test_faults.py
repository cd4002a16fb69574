"""Faults a long run meets: a SIGKILL (then resume), a full disk, too little disk, running out of memory,
and checkpoints that would fill the disk. Real trainer subprocesses on the tiny model; the faults that
cannot be caused on demand on a CPU box (ENOSPC, CUDA OOM, a trainer frozen at a known step) come from
the test-only TUNEWIZ_TEST_FAULTS hook (src/engine/train/faults.py)."""
from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from conftest import events_of, memorise_rows, write_jsonl
from engine.catalog import get_model, resolve_model_spec
from engine.events import read_events
from engine.memory import OOM_HEADROOM_FRACTION, estimate, propose_after_oom
from engine.runs import is_trainer_process, pid_alive
from engine.train import checkpoints
from engine.train.config import load_config

from test_train import TUNEWIZ, tunewiz


def write_config(tmp_path: Path, model_dir: Path, runs_dir: Path, name: str, **overrides) -> Path:
    rows = [{"messages": [{"role": "user", "content": f"Where is parcel {i}?"},
                          {"role": "assistant", "content": f"Parcel {i} was delayed by the courier."}]}
            for i in range(40)] + memorise_rows(20)
    data = write_jsonl(tmp_path / "faults.jsonl", rows)
    # 60 rows, 40 % held out: 36 training rows = 9 batches of 4, so 12 steps cross an epoch boundary.
    config = {"model": str(model_dir), "method": "lora", "data": str(data), "runs_dir": str(runs_dir),
              "max_steps": 12, "batch_size": 4, "grad_accum": 1, "learning_rate": 5e-3, "max_length": 64,
              "eval_split": 0.4, "gradient_checkpointing": False, "save_steps": 4, "lora": {"r": 8, "alpha": 16},
              "name": name}
    config.update(overrides)
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def faults(spec: str) -> dict:
    return {"TUNEWIZ_TEST_FAULTS": spec}


def kept_steps(run_dir: Path) -> list[int]:
    return [step for step, _ in checkpoints.checkpoints_of(run_dir / "checkpoints")]


@pytest.fixture(scope="module")
def reference(tmp_path_factory, tiny_model_dir) -> Path:
    """One uninterrupted run: the loss curve a killed-and-resumed run must join, and the rotation."""
    tmp = tmp_path_factory.mktemp("reference")
    config = write_config(tmp, tiny_model_dir, tmp / "runs", "reference", save_steps=2)
    result = tunewiz("train", str(config), check=True)
    return Path(result.stdout.strip().splitlines()[-1])


# -- checkpoints that do not fill the disk ---------------------------------------------------------------
def test_checkpoints_rotate_to_the_newest_n_plus_the_best_and_lora_ones_stay_small(reference):
    events = events_of(reference)
    assert [e["step"] for e in events if e["type"] == "checkpoint"] == [2, 4, 6, 8, 10, 12]
    evals = {e["step"]: e["eval_loss"] for e in events if e["type"] == "eval"}
    best = min(evals, key=evals.get)
    assert set(kept_steps(reference)) == {10, 12, best}  # save_total_limit 2 + the best by eval loss
    assert not (reference / "checkpoints" / ".writing").exists()  # nothing half-written left behind
    last = reference / "checkpoints" / "checkpoint-12"
    assert json.loads((last / "trainer_state.json").read_text())["best_global_step"] == best
    # A LoRA checkpoint holds the adapter and AdamW's states of the adapter only, never the base weights.
    files = {f.name: f.stat().st_size for f in last.iterdir()}
    assert "adapter_model.safetensors" in files and not any(n.startswith(("model", "pytorch_model")) for n in files)
    assert files["optimizer.pt"] < 3 * files["adapter_model.safetensors"]
    # The size logged before training is the size on disk, within a factor of two.
    logged = next(e["message"] for e in events if e["type"] == "log" and e["message"].startswith("each checkpoint"))
    assert "keeping the newest 2 and the best by eval loss" in logged
    number, unit = re.search(r"takes about ([\d.]+) (B|KB|MB|GB)", logged).groups()
    estimated = float(number) * 1024 ** ["B", "KB", "MB", "GB"].index(unit)
    assert sum(files.values()) / 2 < estimated < 2 * sum(files.values())


def test_rotation_keeps_an_older_best_checkpoint_beside_the_newest(tmp_path):
    for step in (2, 4, 6, 8, 10):
        (tmp_path / f"checkpoint-{step}").mkdir()
    (tmp_path / ".writing").mkdir()
    gone = checkpoints.rotate(tmp_path, keep=2, best_step=4)
    assert sorted(p.name for p in gone) == ["checkpoint-2", "checkpoint-6"]
    assert [s for s, _ in checkpoints.checkpoints_of(tmp_path)] == [4, 8, 10]
    assert (tmp_path / ".writing").is_dir()  # the staging folder is not a checkpoint


# -- SIGKILL, then resume ----------------------------------------------------------------------------------
def test_a_sigkilled_trainer_is_crashed_everywhere_and_resume_joins_the_loss_curve(
        tmp_path, tiny_model_dir, runs_dir, reference, request):
    from engine.monitoring import RunWatcher

    config = write_config(tmp_path, tiny_model_dir, runs_dir, "killed", save_steps=2)
    # The trainer freezes after step 11 (checkpoint 10 written, step 11 not), then gets SIGKILL.
    result = tunewiz("train", str(config), "--detach", check=True, env=faults("hang_after_step=11"))
    run_dir = Path(result.stdout.strip().splitlines()[-1])
    pid = int(re.search(r"trainer pid (\d+)", result.stderr).group(1))
    request.addfinalizer(lambda: is_trainer_process(pid) and os.kill(pid, signal.SIGKILL))
    deadline = time.monotonic() + 120
    while not any(e["type"] == "step" and e["step"] == 11 for e in read_events(run_dir / "events.jsonl")):
        assert pid_alive(pid) and time.monotonic() < deadline, (run_dir / "train.log").read_text()
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)
    while pid_alive(pid):
        time.sleep(0.05)

    listed = json.loads(tunewiz("runs", "--json", check=True).stdout)
    assert [(r["name"], r["state"]) for r in listed] == [("killed", "crashed")]
    watcher = RunWatcher(run_dir)
    watcher.poll()
    assert watcher.snapshot().state == "crashed"
    watched = subprocess.run(TUNEWIZ + ["watch", "killed"], capture_output=True, text=True, timeout=60)
    assert watched.returncode == 5 and "crashed" in watched.stdout + watched.stderr

    resumed = tunewiz("resume", "killed", check=True)
    assert "checkpoint-10" in resumed.stderr
    events = events_of(run_dir)
    starts = [i for i, e in enumerate(events) if e["type"] == "start"]
    assert len(starts) == 2 and events[starts[1]]["resumed_from_step"] == 10
    assert events[-1]["type"] == "end" and events[-1]["status"] == "completed"
    after = [e for e in events[starts[1]:] if e["type"] == "step"]
    assert [e["step"] for e in after] == [11, 12]  # the step count continues
    ref = {e["step"]: e for e in events_of(reference) if e["type"] == "step"}
    # The same data order, optimizer state, schedule and RNG: the same losses as the uninterrupted run.
    for event in after:
        assert event["loss"] == pytest.approx(ref[event["step"]]["loss"], rel=1e-4), event["step"]
        assert event["lr"] == pytest.approx(ref[event["step"]]["lr"], rel=1e-6)
    before_kill = {e["step"]: e["loss"] for e in events[:starts[1]] if e["type"] == "step"}
    assert before_kill[11] == pytest.approx(ref[11]["loss"], rel=1e-4)


# -- a full disk -------------------------------------------------------------------------------------------
def test_a_full_disk_while_checkpointing_fails_naming_the_path_and_the_last_checkpoint_resumes(
        tmp_path, tiny_model_dir, runs_dir):
    config = write_config(tmp_path, tiny_model_dir, runs_dir, "full-disk", eval_split=0)
    result = tunewiz("train", str(config), env=faults("enospc_at_checkpoint=8"))
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    run_dir = runs_dir.resolve() / "full-disk"
    # No half-written checkpoint-8 under the name resume looks for; checkpoint-4 whole.
    assert kept_steps(run_dir) == [4] and not (run_dir / "checkpoints" / ".writing").exists()
    assert (run_dir / "checkpoints" / "checkpoint-4" / "optimizer.pt").is_file()
    end = events_of(run_dir)[-1]
    assert end["status"] == "failed" and end["code"] == "disk-full"
    assert f"disk full while writing checkpoint-8 into {run_dir / 'checkpoints'}" in end["error"]
    assert "a checkpoint of this run needs about" in end["error"] and "checkpoint-4 is intact" in end["error"]
    assert end["params"]["last_checkpoint"] == str(run_dir / "checkpoints" / "checkpoint-4")
    assert "tunewiz resume full-disk" in end["advice"]

    tunewiz("resume", "full-disk", check=True)
    events = events_of(run_dir)
    start = max(i for i, e in enumerate(events) if e["type"] == "start")
    assert events[start]["resumed_from_step"] == 4
    assert [e["step"] for e in events[start:] if e["type"] == "step"] == list(range(5, 13))
    assert events[-1]["status"] == "completed" and kept_steps(run_dir) == [8, 12]


def test_too_little_disk_for_one_checkpoint_fails_before_training_with_the_numbers(
        tmp_path, tiny_model_dir, runs_dir):
    config = write_config(tmp_path, tiny_model_dir, runs_dir, "no-room", eval_split=0)
    result = tunewiz("train", str(config), env=faults("free_bytes=4096"))
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    events = events_of(runs_dir.resolve() / "no-room")
    assert not [e for e in events if e["type"] == "step"]  # no training time spent
    end = events[-1]
    assert end["status"] == "failed" and end["code"] == "checkpoint-no-space"
    assert "has 4.0 KB free; one checkpoint of this run needs about" in end["error"]
    assert end["params"]["free_bytes"] == 4096 and end["params"]["needed_bytes"] > 4096
    assert "runs_dir" in end["advice"]


def test_room_for_one_checkpoint_but_not_for_all_the_run_keeps_is_a_warning(tmp_path, monkeypatch):
    size = checkpoints.CheckpointSize(weights=100 << 20, optimizer=200 << 20, other=1 << 20)
    monkeypatch.setattr(checkpoints, "FREE_BYTES_HOOK", [2 * size.total])
    warning = checkpoints.check_free_space(tmp_path, size, keep=2, best=True)
    assert "holds up to 4 checkpoints of 301.0 MB" in warning and "602.0 MB free" in warning
    monkeypatch.setattr(checkpoints, "FREE_BYTES_HOOK", [4 * size.total])
    assert checkpoints.check_free_space(tmp_path, size, keep=2, best=True) is None


# -- out of memory -----------------------------------------------------------------------------------------
def test_out_of_memory_ends_with_next_settings_the_estimator_says_fit(tmp_path, tiny_model_dir, runs_dir):
    config = write_config(tmp_path, tiny_model_dir, runs_dir, "too-big", eval_split=0, batch_size=16,
                          max_length=2048)
    result = tunewiz("train", str(config), env=faults("oom_at_step=2,vram_gb=1.0"))
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    run_dir = runs_dir.resolve() / "too-big"
    end = events_of(run_dir)[-1]
    assert end["status"] == "oom" and end["code"] == "oom-retry"
    retry = end["retry_settings"]
    assert retry == {"batch_size": 2, "grad_accum": 8}  # 16 x 1 → 2 x 8: the effective batch is kept
    assert "batch_size 16 → 2, grad_accum 1 → 8 (effective batch kept)" in end["advice"]
    assert f"tunewiz train {run_dir / 'config.yaml'} --set batch_size=2 --set grad_accum=8" in end["advice"]
    # What ran out does not fit a 1 GB GPU by the estimator; the proposal does, with headroom.
    spec = resolve_model_spec(str(tiny_model_dir))
    before = estimate(spec, "lora", 2048, 16, False, lora_r=8)
    after_config = load_config(run_dir / "config.yaml", [f"{k}={v}" for k, v in retry.items()])
    after = estimate(spec, "lora", after_config.max_length, after_config.batch_size,
                     after_config.gradient_checkpointing, lora_r=8)
    assert before.total_gb > 1.0 * (1 - OOM_HEADROOM_FRACTION) >= after.total_gb
    assert end["params"]["estimate_gb"] == after.total_gb and end["params"]["vram_gb"] == 1.0


def test_next_settings_after_an_oom_on_a_real_model_keep_the_effective_batch():
    spec = get_model("Qwen/Qwen2.5-7B-Instruct")
    plan = propose_after_oom(spec, "lora", 8, 2, 4096, False, vram_gb=24)
    assert plan.fits and plan.after.total_gb <= 24 * (1 - OOM_HEADROOM_FRACTION)
    assert plan.settings["batch_size"] * plan.settings["grad_accum"] == 16
    # Full SFT that ran out on 80 GB: halving the batch is not enough, so the method changes.
    plan = propose_after_oom(spec, "full", 4, 4, 2048, True, vram_gb=80)
    assert plan.settings["method"] == "lora" and plan.fits
    # Nothing tunewiz can change fits a 32B on 8 GB: the lightest settings, said so.
    plan = propose_after_oom(get_model("Qwen/Qwen2.5-32B-Instruct"), "lora", 1, 16, 4096, True, vram_gb=8)
    assert plan.fits is False and "still too much" in plan.describe()
