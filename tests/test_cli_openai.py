"""`tunewiz openai …` as a user meets it: real `tunewiz` subprocesses (and the detached follower they
start) against the fake OpenAI service on 127.0.0.1 — start and follow to the end, leave and come back
after the follower died, cancel, list, chat with base vs tuned, and the refusals (no key, a file with
errors, training_not_available), with the key found nowhere on disk."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fake_openai_server import DEFAULT_KEY, FakeOpenAI

from engine.events import read_events
from engine.runs import read_status, run_info

TUNEWIZ = [sys.executable, "-m", "tui.cli"]
SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "support_openai.jsonl"
MODEL = "gpt-4o-mini-2024-07-18"


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def env(fake, tmp_path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "AZURE_OPENAI_"))}
    return {**base, "OPENAI_API_KEY": DEFAULT_KEY, "OPENAI_BASE_URL": fake.base_url,
            "TUNEWIZ_RUNS_DIR": str(tmp_path / "runs"), "TUNEWIZ_FOLLOW_POLL_S": "0.1"}


def tunewiz(*args: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(TUNEWIZ + list(args), capture_output=True, text=True, timeout=timeout, env=env)


def small_file(tmp_path: Path, rows: int = 12) -> Path:
    path = tmp_path / "train.jsonl"
    path.write_text("\n".join(SAMPLE.read_text(encoding="utf-8").splitlines()[:rows]) + "\n", encoding="utf-8")
    return path


def steps(run_dir: Path) -> list[int]:
    return [e["step"] for e in read_events(run_dir / "events.jsonl") if e["type"] == "step"]


def posted(fake: FakeOpenAI, suffix: str) -> list[dict]:
    return [r for r in fake.requests if r["method"] == "POST" and r["path"].endswith(suffix)]


def test_start_follows_the_job_to_its_end_and_the_run_is_like_a_local_one(fake, env, tmp_path):
    result = tunewiz("openai", "start", str(small_file(tmp_path)), "--model", MODEL, "--epochs", "2",
                     "--suffix", "desk", env=env)
    said = result.stderr
    assert result.returncode == 0, said
    run_dir = Path(result.stdout.strip().splitlines()[-1])  # the run directory, last, as `tunewiz train` does
    assert "sk-…6789 from OPENAI_API_KEY works" in said and "(100%)" in said
    assert "step 6/6" in said and "end  completed" in said and "Traceback" not in said
    assert steps(run_dir) == [1, 2, 3, 4, 5, 6]
    info = run_info(run_dir)
    assert info.state == "completed" and info.backend == "compatible"

    listed = json.loads(tunewiz("runs", "--json", env=env).stdout)
    assert [(r["name"], r["state"], r["backend"]) for r in listed] == [(run_dir.name, "completed", "compatible")]
    jobs = json.loads(tunewiz("openai", "list", "--json", env=env).stdout)
    assert jobs[0]["run"] == run_dir.name and jobs[0]["fine_tuned_model"].startswith(f"ft:{MODEL}:")

    chat = tunewiz("openai", "chat", run_dir.name, "--prompt", "where is my order", "--compare", "--json", env=env)
    assert chat.returncode == 0, chat.stderr
    assert json.loads(chat.stdout) == {"base": "Base model here: where is my order",
                                       "tuned": "Tuned model here: where is my order"}
    saved = tunewiz("chat", run_dir.name, "--prompt", "and my refund?", "--save", env=env)  # the local-run command
    assert saved.returncode == 0 and "Tuned model here: and my refund?" in saved.stdout, saved.stderr
    assert list(run_dir.rglob("*.jsonl")) and any("transcript" in str(p) for p in run_dir.rglob("*"))
    # The key is in no file tunewiz wrote (run directory, log, status, events, job record, transcript).
    for path in run_dir.rglob("*"):
        if path.is_file():
            assert DEFAULT_KEY not in path.read_text(encoding="utf-8", errors="replace"), path


def test_watch_takes_over_from_a_follower_that_died_without_a_step_twice(fake, env, tmp_path):
    fake.auto_advance = False
    started = tunewiz("openai", "start", str(small_file(tmp_path)), "--model", MODEL, "--detach", env=env)
    assert started.returncode == 0, started.stderr
    run_dir = Path(started.stdout.strip().splitlines()[-1])
    job_id = json.loads((run_dir / "remote_job.json").read_text())["job_id"]
    fake.advance(job_id, 3)  # validating -> queued -> running: steps 1-2
    deadline = time.monotonic() + 20
    # (the status can lag the events by one poll: the follower reads the job's state before its events)
    while (steps(run_dir) != [1, 2] or read_status(run_dir).get("state") != "running") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert steps(run_dir) == [1, 2]
    pid = read_status(run_dir)["pid"]
    os.kill(pid, signal.SIGKILL)  # the follower dies (a reboot, the OOM killer): the job goes on
    deadline = time.monotonic() + 10
    while run_info(run_dir).followed and time.monotonic() < deadline:
        time.sleep(0.05)
    assert run_info(run_dir).state == "running" and not run_info(run_dir).followed
    fake.advance(job_id, 3)
    # Plain `tunewiz watch` (as for a local run) notices nobody follows the job and follows it again.
    watched = tunewiz("watch", run_dir.name, "--plain", "--timeout", "60", env=env)
    assert watched.returncode == 0, watched.stderr + watched.stdout
    assert "following job" in watched.stderr and "again" in watched.stderr
    assert steps(run_dir) == [1, 2, 3, 4, 5, 6]
    assert sum(e["type"] == "end" for e in read_events(run_dir / "events.jsonl")) == 1


def test_cancel_ends_the_run_stopped(fake, env, tmp_path):
    fake.auto_advance = False
    started = tunewiz("openai", "start", str(small_file(tmp_path)), "--model", MODEL, "--detach", env=env)
    run_dir = Path(started.stdout.strip().splitlines()[-1])
    job_id = json.loads((run_dir / "remote_job.json").read_text())["job_id"]
    fake.advance(job_id, 3)
    stop = tunewiz("stop", run_dir.name, env=env)  # the local-run command says which one to use
    assert stop.returncode == 2 and f"tunewiz openai cancel {run_dir.name}" in stop.stderr
    cancelled = tunewiz("openai", "cancel", run_dir.name, env=env)
    assert cancelled.returncode == 0, cancelled.stderr
    assert f"{job_id}: cancelled" in cancelled.stderr
    watched = tunewiz("openai", "watch", run_dir.name, "--plain", "--timeout", "30", env=env)
    assert watched.returncode == 3, watched.stdout + watched.stderr  # as `tunewiz watch`: 3 = stopped
    assert run_info(run_dir).state == "stopped"


def test_no_key_says_where_keys_come_from_and_sends_nothing(fake, env, tmp_path):
    del env["OPENAI_API_KEY"]
    result = tunewiz("openai", "start", str(small_file(tmp_path)), "--model", MODEL, env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "OPENAI_API_KEY is not set" in result.stderr and "never writes it to disk" in result.stderr
    assert not posted(fake, "/files") and not (tmp_path / "runs").exists()


def test_a_file_with_errors_is_refused_before_anything_is_uploaded(fake, env, tmp_path):
    bad = tmp_path / "bad.jsonl"
    rows = SAMPLE.read_text(encoding="utf-8").splitlines()[:12] + ['{"messages": "not a list"}']
    bad.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = tunewiz("openai", "start", str(bad), "--model", MODEL, env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr + result.stdout
    assert "not sent" in result.stderr and "mistyped-key" in result.stdout
    assert not posted(fake, "/files")


def test_training_not_available_explains_the_date_rule_and_the_open_model_way(fake, env, tmp_path):
    fake.training_not_available = True
    result = tunewiz("openai", "start", str(small_file(tmp_path)), "--model", MODEL, env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    text = " ".join(result.stderr.split())
    assert "training_not_available" in text and "60 days" in text and "2027-01-06" in text
    assert "open model on the same file" in text
    run_dir = next((tmp_path / "runs").iterdir())
    assert run_info(run_dir).state == "failed"  # recorded, with the upload's file id: nothing lost


def test_the_openai_commands_speak_chinese_under_lang_zh(fake, env, tmp_path):
    # The service's refusal (coded), the command's own words, and no key of the app (Ctrl+O) on a command line.
    fake.training_not_available = True
    result = tunewiz("--lang", "zh", "openai", "start", str(small_file(tmp_path)), "--model", MODEL, env=env)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    text = " ".join(result.stderr.split())
    assert "错误：" in text and "2027-01-06" in text and "tunewiz advise" in text and "Ctrl+O" not in text, text
    assert "来自 $OPENAI_API_KEY 的密钥" in text or "的密钥 sk-" in text, text       # the key check, said in Chinese
    assert "refuses" not in text and "error:" not in text, text
    out = tunewiz("--lang", "zh", "openai", "validate", str(small_file(tmp_path)), "--model", MODEL, "--epochs", "2",
                  env=env)
    assert out.returncode == 0, out.stderr
    assert "12 行可用 · 0 个错误，1 个警告" in out.stdout and "费用 $" in out.stdout and "× 2 轮" in out.stdout, out.stdout
    assert "billed" not in out.stdout and "usable" not in out.stdout
    bad = tunewiz("--lang", "zh", "openai", "list", "--service", "nope", env=env)
    assert bad.returncode == 2 and "--service 'nope'：请用 openai、azure、compatible 之一。" in bad.stderr, bad.stderr


def test_validate_exit_codes_match_lint(env, tmp_path):
    good = tunewiz("openai", "validate", str(small_file(tmp_path)), "--model", MODEL, "--epochs", "2", env=env)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "cost $" in good.stdout and "× 2 epoch(s)" in good.stdout
    missing = tunewiz("openai", "validate", str(tmp_path / "nope.jsonl"), env=env)
    assert missing.returncode == 2 and "Traceback" not in missing.stderr + missing.stdout
    dpo = tunewiz("openai", "validate", str(small_file(tmp_path)), "--model", "gpt-3.5-turbo-0125",
                  "--method", "dpo", "--json", env=env)
    assert dpo.returncode == 1
    assert "openai-method-unsupported" in {p["code"] for p in json.loads(dpo.stdout)["problems"]}


@pytest.mark.parametrize("record", ['{"job_id": ', '[1, 2]', '{"job_id": 7, "service": "x"}',
                                    '{"job_id": "ftjob-x", "service": {"kind": 5}, "checkpoints": "no"}'])
def test_a_damaged_job_record_gets_a_message_not_a_traceback(env, tmp_path, record):
    run_dir = tmp_path / "runs" / "broken"
    run_dir.mkdir(parents=True)
    (run_dir / "remote_job.json").write_text(record)
    (run_dir / "status.json").write_text('{"state": "completed", "backend": "openai"}')
    for args in (("openai", "watch", "broken", "--timeout", "5"), ("openai", "chat", "broken", "--prompt", "hi"),
                 ("openai", "cancel", "broken"), ("runs",)):
        result = tunewiz(*args, env=env, timeout=60)
        said = result.stdout + result.stderr
        assert "Traceback" not in said, (args, said)
        assert result.returncode in (0, 1, 2), (args, said)
