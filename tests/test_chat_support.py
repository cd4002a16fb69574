"""Shared fixtures of the chat and export tests (no tests here).

A real adapter comes from a real `tunewiz train` subprocess on the tiny random model, trained to
memorise one reply, so base and tuned answers differ. It is trained once per session and shared by
every chat/export test module (a module-level cache: each module imports these fixtures, and pytest
would otherwise build one per module).
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import memorise_rows, write_jsonl

SYSTEM = "You are the support desk."
QUESTION = "Where is my parcel?"
ANSWER = "The parcel was delayed by the courier; we are sorry."
MESSAGES = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": QUESTION}]

_cache: dict[str, Path] = {}


def train_memorised(root: Path, model_dir: Path, name: str = "memorise", method: str = "lora",
                    steps: int = 12) -> Path:
    """Runs `tunewiz train` on the tiny model; returns the run directory."""
    data = write_jsonl(root / f"{name}.jsonl", memorise_rows())
    config = {"model": str(model_dir), "method": method, "data": str(data), "runs_dir": str(root / "runs"),
              "name": name, "max_steps": steps, "batch_size": 4, "grad_accum": 1, "learning_rate": 1e-2,
              "max_length": 64, "eval_split": 0, "gradient_checkpointing": False, "save_steps": 6,
              "lora": {"r": 8, "alpha": 16}}
    path = root / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config))
    # One thread: a tiny model gains nothing from more, and on a busy 2-core machine torch's default
    # thread pool makes each step ~30x slower (spinning workers fight the other processes).
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run([sys.executable, "-m", "tui.cli", "train", str(path)], capture_output=True, text=True,
                            timeout=300, env=env)
    if result.returncode != 0:
        pytest.fail(f"training the chat fixture failed:\n{result.stdout}\n{result.stderr[-3000:]}")
    return Path(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def memorised_run(tiny_model_dir, tmp_path_factory) -> Path:
    """A completed LoRA run whose adapter answers QUESTION with ANSWER (greedy)."""
    if "lora" not in _cache:
        _cache["lora"] = train_memorised(tmp_path_factory.mktemp("chat-runs"), tiny_model_dir)
    return _cache["lora"]


@pytest.fixture(scope="session")
def local_chat(memorised_run):
    """The memorised run, loaded once for the engine tests."""
    if "chat" not in _cache:
        from engine.chat import LocalChat, locate_run_model
        chat = LocalChat(locate_run_model(memorised_run))
        chat.load()
        _cache["chat"] = chat  # type: ignore[assignment]
    return _cache["chat"]


@pytest.fixture
def run_copy(memorised_run, tmp_path) -> Path:
    """A private copy of the memorised run, to damage or change."""
    target = tmp_path / "runs" / memorised_run.name
    shutil.copytree(memorised_run, target)
    return target


def cli(*args: str, env: dict[str, str] | None = None) -> Any:
    """Runs the `tunewiz` command line in this process (Typer's CliRunner: stdout and stderr apart,
    the exit code as given). Saves a Python start-up with torch per call; the start-up itself is
    covered by test_import_hygiene."""
    from cli_runner import CliRunner

    from tui.cli import app
    return CliRunner(env=env).invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Tiny models generate faster on one thread, and the busy test machine stays fair to others."""
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
