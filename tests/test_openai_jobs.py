"""The OpenAI / Azure fine-tuning engine (engine.openai_ft) with the real `openai` client against the
fake service on 127.0.0.1 (tests/fake_openai_server.py): upload, processing, job creation, following
into a run directory (resumable without duplicates, through network drops), and every failure the
issue lists, each as a coded message that says what to do."""
from __future__ import annotations

import json
import threading
import time
from datetime import date
from pathlib import Path

import pytest

from fake_openai_server import DEFAULT_KEY, FakeOpenAI

from engine import runs
from engine.events import read_events, validate_event
from engine.monitoring import RunWatcher
from engine.openai_ft import (ApiKey, FineTuneError, Follower, Service, cancel, check_key, make_client, read_job,
                              retry_notices, start_job)
from engine.openai_ft.jobs import chat_backends

SAMPLE = Path(__file__).resolve().parents[1] / "sample_data" / "support_openai.jsonl"


@pytest.fixture
def fake():
    with FakeOpenAI(auto_advance=False) as server:
        yield server


def _service(fake: FakeOpenAI) -> Service:
    return Service(kind="compatible", base_url=fake.base_url)


def _client(fake: FakeOpenAI, key: str = DEFAULT_KEY, retries: int = 0):
    return make_client(_service(fake), ApiKey(key, "typed"), timeout=5, max_retries=retries)


def _small_file(tmp_path: Path, rows: int = 12) -> Path:
    path = tmp_path / "train.jsonl"
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()[:rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _start(fake: FakeOpenAI, tmp_path: Path, **kw):
    return start_job(_client(fake), _service(fake), tmp_path / "runs", training=kw.pop("training", None)
                     or _small_file(tmp_path), validation=kw.pop("validation", None),
                     model=kw.pop("model", "gpt-4o-mini-2024-07-18"), **kw)


def _events(run_dir: Path) -> list[dict]:
    return read_events(run_dir / runs.EVENTS_FILE)


def test_a_job_is_a_run_whose_metrics_become_step_and_eval_events(fake, tmp_path):
    train = _small_file(tmp_path)
    sent: list[tuple[int, int]] = []
    run_dir, job = _start(fake, tmp_path, training=train, validation=train, epochs=3, suffix="support",
                          upload_progress=lambda label, done, total: sent.append((done, total)))
    # The upload reported its progress up to the whole file, and the job uses today's method shape.
    assert sent and sent[-1] == (train.stat().st_size, train.stat().st_size)
    create = [r for r in fake.requests if r["method"] == "POST" and r["path"].endswith("/fine_tuning/jobs")][-1]
    assert create["json"]["method"] == {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 3}}}
    assert create["json"]["suffix"] == "support" and create["json"]["validation_file"]
    record = read_job(run_dir)
    assert run_dir.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert record["job_id"] == job.id and record["training_file"]["id"] and record["service"]["key_env"]
    assert runs.run_info(run_dir).backend == "compatible"

    follower = Follower(run_dir, _client(fake), _service(fake), poll_s=0.01)
    while follower.poll() not in ("succeeded",):
        fake.advance(job.id)
    events = _events(run_dir)
    for event in events:
        validate_event(event)
    steps = [e["step"] for e in events if e["type"] == "step"]
    assert steps == [1, 2, 3, 4, 5, 6]
    losses = [e["loss"] for e in events if e["type"] == "step"]
    assert losses == sorted(losses, reverse=True) and losses[0] == pytest.approx(1.6)
    assert [e["step"] for e in events if e["type"] == "eval"] == [2, 4, 6]
    assert [e["step"] for e in events if e["type"] == "checkpoint"] == [2, 4, 6]
    assert events[-1]["type"] == "end" and events[-1]["status"] == "completed"
    status = runs.read_status(run_dir)
    assert status["state"] == "completed" and status["output"].startswith("ft:gpt-4o-mini-2024-07-18:")
    assert status["step"] == 6 and status["total_steps"] == 6 and status["remote_state"] == "succeeded"
    assert read_job(run_dir)["fine_tuned_model"] == status["output"]
    assert len(read_job(run_dir)["checkpoints"]) == 3
    # The monitor reads it like a local run.
    watcher = RunWatcher(run_dir)
    while watcher.poll() or watcher.catching_up:
        pass
    snap = watcher.snapshot()
    assert snap.state == "completed" and snap.step == 6 and snap.backend == "compatible"


def test_a_follower_that_starts_again_writes_no_step_twice(fake, tmp_path):
    run_dir, job = _start(fake, tmp_path)
    first = Follower(run_dir, _client(fake), _service(fake))
    for _ in range(4):  # validating, queued, running: steps 1-2, 3-4
        fake.advance(job.id)
        first.poll()
    seen = [e["step"] for e in _events(run_dir) if e["type"] == "step"]
    assert seen == [1, 2, 3, 4]
    # A new follower (after a reboot, a closed terminal) from the job id alone.
    again = Follower(run_dir, _client(fake), _service(fake))
    again.poll()
    assert [e["step"] for e in _events(run_dir) if e["type"] == "step"] == [1, 2, 3, 4]
    for _ in range(3):
        fake.advance(job.id)
    again.poll()
    events = _events(run_dir)
    assert [e["step"] for e in events if e["type"] == "step"] == [1, 2, 3, 4, 5, 6]
    assert sum(e["type"] == "start" for e in events) == 1 and sum(e["type"] == "end" for e in events) == 1
    ids = [(e["type"], e.get("remote_id")) for e in events if e.get("remote_id")]
    assert len(ids) == len(set(ids))


def test_the_follower_waits_out_a_network_drop_and_carries_on(fake, tmp_path):
    run_dir, job = _start(fake, tmp_path)
    fake.auto_advance = True
    fake.stop()  # the network goes away before the follower's first look
    said: list[str] = []
    follower = Follower(run_dir, _client(fake), _service(fake), poll_s=0.05, say=said.append)
    result: dict = {}
    thread = threading.Thread(target=lambda: result.setdefault("state", follower.run()), daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not any("Cannot reach" in s for s in said) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert any("Cannot reach" in s and "goes on at the service" in s for s in said)
    assert runs.run_info(run_dir).state == "starting"  # not failed, not crashed: the job still lives
    fake.start()  # same port: the network is back
    thread.join(30)
    assert result.get("state") == "completed"
    events = _events(run_dir)
    assert any(e["type"] == "log" and e["level"] == "warning" and "Cannot reach" in e["message"] for e in events)
    assert any(e["type"] == "log" and e["message"].startswith("reconnected") for e in events)
    assert [e["step"] for e in events if e["type"] == "step"] == [1, 2, 3, 4, 5, 6]


def test_a_follower_stops_after_a_long_outage_and_says_how_to_follow_again(fake, tmp_path):
    run_dir, job = _start(fake, tmp_path)
    fake.stop()
    follower = Follower(run_dir, _client(fake), _service(fake), poll_s=0.02, max_outage_s=0.2)
    assert follower.run() == "starting"  # it returns (no process left retrying forever); the job is untouched
    last = _events(run_dir)[-1]
    assert last["type"] == "log" and "gave up following" in last["message"]
    assert f"tunewiz openai watch {run_dir.name}" in last["message"]


def test_a_remote_run_whose_follower_is_gone_is_not_crashed(fake, tmp_path):
    run_dir, job = _start(fake, tmp_path)
    runs.write_status(run_dir, pid=2**22 + 12345, pid_start=1, state="running")  # a follower that died
    info = runs.run_info(run_dir)
    assert info.state == "running" and info.followed is False
    watcher = RunWatcher(run_dir)
    watcher.poll()
    snap = watcher.snapshot()
    assert snap.state == "running" and snap.followed is False


def test_a_wrong_key_is_refused_with_what_to_do(fake):
    with pytest.raises(FineTuneError) as caught:
        check_key(_client(fake, "sk-wrong-key-000000000"), _service(fake))
    assert caught.value.code == "auth" and "401" in caught.value.message
    assert "OPENAI_API_KEY" in caught.value.advice
    assert check_key(_client(fake), _service(fake)) > 0


def test_training_not_available_is_explained_with_the_date_rule_and_nothing_is_lost(fake, tmp_path):
    fake.training_not_available = True
    with pytest.raises(FineTuneError) as caught:
        _start(fake, tmp_path)
    error = caught.value
    assert error.code == "training-not-available"
    assert "2026-07-02" in error.message and "2027-01-06" in error.message and "60 days" in error.message
    assert "open model" in error.advice
    run_dir = next((tmp_path / "runs").iterdir())
    status = runs.read_status(run_dir)
    assert status["state"] == "failed" and "training_not_available" in status["error"]
    assert read_job(run_dir)["training_file"]["id"]  # the upload is recorded: it can be reused
    assert _events(run_dir)[-1]["type"] == "end"


def test_a_model_the_service_cannot_fine_tune_names_the_ones_it_can(fake, tmp_path):
    with pytest.raises(FineTuneError) as caught:
        _start(fake, tmp_path, model="gpt-4.1-nano-2025-04-14")
    assert caught.value.code == "model-not-fine-tunable"
    assert "gpt-4.1-nano-2025-04-14" in caught.value.message
    assert "gpt-4o-mini-2024-07-18" in caught.value.advice


def test_rate_limits_are_retried_by_the_client_and_the_wait_is_shown(fake, tmp_path):
    fake.rate_limit_next(2, retry_after_s=0.1)
    said: list[str] = []
    with retry_notices(said.append):
        assert check_key(_client(fake, retries=3), _service(fake)) > 0
    assert len([s for s in said if s.startswith("retrying request in")]) == 2
    assert all("rate limit" in s for s in said)
    from tui.i18n import set_language
    from tui.messages import text_of
    set_language("zh")
    try:   # the notice is coded: the explanation follows --lang (the client's own words stay as it logs them)
        assert all(text_of(s).startswith("retrying request in") and "触发了速率限制或服务繁忙" in text_of(s) for s in said)
    finally:
        set_language("en")
    fake.rate_limit_next(1)
    with pytest.raises(FineTuneError) as caught:
        check_key(_client(fake, retries=0), _service(fake))
    assert caught.value.code == "rate-limited" and "429" in caught.value.message


def test_a_file_the_service_rejects_gives_its_message(fake, tmp_path):
    fake.reject_file_reason = "Invalid file format. Line 3, key \"messages\": must be a list."
    with pytest.raises(FineTuneError) as caught:
        _start(fake, tmp_path)
    assert caught.value.code == "file-rejected" and "Line 3" in caught.value.message
    assert "tunewiz openai validate" in caught.value.advice


def test_a_failed_job_ends_failed_with_the_services_error_and_what_to_change(fake, tmp_path):
    fake.fail_at_step = 2
    fake.fail_error = {"code": "invalid_training_file", "param": "training_file",
                       "message": "Line 7: the example exceeds the token limit of 65536."}
    run_dir, job = _start(fake, tmp_path)
    follower = Follower(run_dir, _client(fake), _service(fake))
    for _ in range(6):
        fake.advance(job.id)
        if follower.poll() == "failed":
            break
    end = _events(run_dir)[-1]
    assert end["type"] == "end" and end["status"] == "failed"
    assert "Line 7" in end["error"] and "training_file" in end["error"]
    assert "Shorten or split" in end["advice"]
    assert runs.run_info(run_dir).state == "failed"


def test_a_cancelled_job_ends_stopped(fake, tmp_path):
    run_dir, job = _start(fake, tmp_path)
    fake.advance(job.id, 3)
    assert cancel(_client(fake), _service(fake), job.id).status == "cancelled"
    Follower(run_dir, _client(fake), _service(fake)).poll()
    assert _events(run_dir)[-1]["status"] == "stopped"
    assert runs.run_info(run_dir).state == "stopped"
    with pytest.raises(FineTuneError):  # cancelling a finished job: the service's refusal, explained
        cancel(_client(fake), _service(fake), job.id)


def test_azure_jobs_use_its_paths_api_version_and_key_header(fake, tmp_path, monkeypatch):
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", DEFAULT_KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    service = Service.from_env(azure_endpoint=fake.azure_endpoint, api_version="2024-10-21")
    assert service.kind == "azure" and service.key_env == "AZURE_OPENAI_API_KEY"
    client = make_client(service, service.key(), timeout=5, max_retries=0)
    run_dir, job = start_job(client, service, tmp_path / "runs", training=_small_file(tmp_path), validation=None,
                             model="gpt-4o-mini-2024-07-18")
    fake.auto_advance = True
    Follower(run_dir, client, service, poll_s=0.01).run()
    assert runs.run_info(run_dir).state == "completed"
    azure = [r for r in fake.requests if r["path"].startswith("/openai/")]
    assert azure and all(r["query"].get("api-version") == "2024-10-21" for r in azure)
    assert all(r["headers"].get("api-key") == DEFAULT_KEY for r in azure)
    columns = chat_backends(read_job(run_dir), compare=True)
    assert columns["tuned"].azure_endpoint == fake.azure_endpoint


def test_chat_compares_the_fine_tuned_model_with_its_base(fake, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", DEFAULT_KEY)
    from engine.chat import Reply, Sampling, Stopper
    run_dir, job = _start(fake, tmp_path)
    with pytest.raises(FineTuneError) as early:
        chat_backends(read_job(run_dir), compare=True)
    assert early.value.code == "no-model-yet"
    fake.auto_advance = True
    Follower(run_dir, _client(fake), _service(fake), poll_s=0.01).run()
    columns = chat_backends(read_job(run_dir), compare=True)
    answers = {}
    for column, backend in columns.items():
        answers[column] = "".join(backend.stream([{"role": "user", "content": "hello there"}], Sampling(),
                                                 Stopper(), Reply()))
    assert answers["base"].startswith("Base model here") and answers["tuned"].startswith("Tuned model here")
    assert columns["tuned"].model.startswith("ft:") and columns["base"].model == "gpt-4o-mini-2024-07-18"
    ckpt = chat_backends(read_job(run_dir), checkpoint=2)
    assert ckpt["tuned"].model.endswith(":ckpt-step-2")


def test_the_key_is_never_written_anywhere(fake, tmp_path):
    run_dir, job = _start(fake, tmp_path)
    fake.auto_advance = True
    Follower(run_dir, _client(fake), _service(fake), poll_s=0.01).run()
    key = ApiKey(DEFAULT_KEY, "typed")
    assert DEFAULT_KEY not in repr(key) and DEFAULT_KEY not in str(key) and DEFAULT_KEY not in f"{key}"
    for path in run_dir.rglob("*"):
        if path.is_file():
            assert DEFAULT_KEY.encode() not in path.read_bytes(), path
    record = json.loads((run_dir / runs.REMOTE_JOB_FILE).read_text())
    assert record["service"]["key_env"] == "OPENAI_API_KEY"


def test_the_dates_rule_the_403_sentence(fake, tmp_path):
    # On 2027-01-07 no organisation can create jobs: the sentence says so instead of the 60-day rule.
    from engine.openai_ft import explain
    import openai
    fake.training_not_available = True
    try:
        _client(fake).fine_tuning.jobs.create(model="gpt-4o-mini-2024-07-18", training_file="file-x")
    except openai.APIStatusError as exc:
        later = explain(exc, _service(fake), today=date(2027, 1, 7))
        now = explain(exc, _service(fake), today=date(2026, 12, 1))
    assert later.code == now.code == "training-not-available"
    assert "2027-01-06" in later.message and "60 days" not in later.message
    assert "60 days" in now.message
