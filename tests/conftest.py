from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tiny_model import build_tiny_model  # noqa: E402


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture(scope="session", autouse=True)
def no_followers_left_behind(tmp_path_factory):
    """A test that fails half-way may leave an OpenAI job's follower (`python -m engine.openai_ft RUN`)
    retrying a fake service that has gone: at the end of the session, stop those of this session's runs."""
    yield
    import signal
    base = str(tmp_path_factory.getbasetemp()).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"engine.openai_ft" in cmdline and any(arg.startswith(base) for arg in cmdline):
            try:
                os.kill(int(entry.name), signal.SIGKILL)
            except OSError:
                pass


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture
def runs_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "runs"
    monkeypatch.setenv("TUNEWIZ_RUNS_DIR", str(folder))
    return folder


def events_of(run_dir: Path) -> list:
    """A run's events, each checked against the event schema (engine/events.py)."""
    from engine.events import read_events, validate_event
    events = read_events(run_dir / "events.jsonl")
    for event in events:
        validate_event(event)
    return events


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def memorise_rows(n: int = 16) -> list[dict]:
    """A tiny dataset the model can memorise: the same question, the same answer."""
    return [{"messages": [{"role": "system", "content": "You are the support desk."},
                          {"role": "user", "content": "Where is my parcel?"},
                          {"role": "assistant", "content": "The parcel was delayed by the courier; we are sorry."}]}
            for _ in range(n)]
