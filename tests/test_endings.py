"""Every run ends readably: OOM and unexpected errors become `end` events with advice."""
from __future__ import annotations

import pytest

from conftest import memorise_rows, write_jsonl
from engine.events import read_events, validate_event
from engine.launch import create_run_dir
from engine.runs import read_status
from engine.train import run as trainer_main
from engine.train.context import StopFlag
from engine.train.config import load_config


@pytest.fixture
def run_dir(tmp_path, runs_dir, monkeypatch):
    # In-process: keep pytest's own signal handlers.
    monkeypatch.setattr(StopFlag, "install", lambda self: None)
    data = write_jsonl(tmp_path / "d.jsonl", memorise_rows(2))
    return create_run_dir(load_config(None, [f"data={data}", f"runs_dir={runs_dir}", "batch_size=8",
                                             "max_length=4096", "gradient_checkpointing=false"]))


def ending(run_dir):
    events = read_events(run_dir / "events.jsonl")
    for event in events:
        validate_event(event)
    return events[-1]


def test_cuda_out_of_memory_ends_as_oom_with_advice(run_dir, monkeypatch):
    import torch

    def boom(ctx, resume=False):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB")
    monkeypatch.setattr("engine.train.trainer.train", boom)
    assert trainer_main.main([str(run_dir)]) == 1
    end = ending(run_dir)
    assert end["status"] == "oom" and "2.00 GiB" in end["error"]
    for tip in ("batch_size (now 8", "max_length (now 4096)", "gradient_checkpointing", "qlora"):
        assert tip in end["advice"]
    assert read_status(run_dir)["state"] == "oom"


def test_an_unexpected_error_ends_failed_and_points_at_the_log(run_dir, monkeypatch):
    def boom(ctx, resume=False):
        raise RuntimeError("disk on fire")
    monkeypatch.setattr("engine.train.trainer.train", boom)
    assert trainer_main.main([str(run_dir)]) == 1
    end = ending(run_dir)
    assert end["status"] == "failed" and end["error"] == "RuntimeError: disk on fire"
    assert "train.log" in end["advice"]


def test_resume_without_a_checkpoint_says_how_to_start_again(run_dir):
    assert trainer_main.main([str(run_dir), "--resume"]) == 1
    end = ending(run_dir)
    assert end["status"] == "failed" and "no complete checkpoint" in end["error"]
    assert "tunewiz train" in end["advice"]
