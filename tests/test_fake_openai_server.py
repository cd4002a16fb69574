"""The fake OpenAI / Azure OpenAI fine-tuning service, driven by the real `openai` client: other tests
trust it to behave like the service, so every route, page and failure switch is checked here."""
from __future__ import annotations

import base64
import json
import time
import urllib.error
import urllib.request

import openai
import pytest
from openai import AzureOpenAI, OpenAI

from fake_openai_server import FakeOpenAI

TRAIN = b"".join(json.dumps({"messages": [{"role": "user", "content": f"q{i}"},
                                          {"role": "assistant", "content": f"a{i}"}]}).encode() + b"\n"
                 for i in range(8))
API_VERSION = "2025-04-01-preview"


@pytest.fixture
def fake():
    with FakeOpenAI() as server:
        yield server


def client_for(fake: FakeOpenAI, **kwargs) -> OpenAI:
    return OpenAI(api_key=fake.api_key, base_url=fake.base_url, **{"max_retries": 0, **kwargs})


def azure_for(fake: FakeOpenAI, **kwargs) -> AzureOpenAI:
    return AzureOpenAI(api_key=fake.api_key, azure_endpoint=fake.azure_endpoint, api_version=API_VERSION,
                       **{"max_retries": 0, **kwargs})


def processed_file(client: OpenAI, content: bytes = TRAIN, name: str = "train.jsonl") -> str:
    uploaded = client.files.create(file=(name, content), purpose="fine-tune")
    return client.files.wait_for_processing(uploaded.id, poll_interval=0.01, max_wait_seconds=2).id


def run_to_end(client: OpenAI, job_id: str) -> tuple[list[str], openai.types.fine_tuning.FineTuningJob]:
    seen = []
    job = client.fine_tuning.jobs.retrieve(job_id)
    for _ in range(50):
        seen.append(job.status)
        if job.status in ("succeeded", "failed", "cancelled"):
            break
        job = client.fine_tuning.jobs.retrieve(job_id)
    return seen, job


def test_an_upload_is_processed_on_the_next_look_and_a_bad_line_is_named(fake):
    client = client_for(fake)
    uploaded = client.files.create(file=("train.jsonl", TRAIN), purpose="fine-tune")
    assert (uploaded.status, uploaded.bytes, uploaded.filename, uploaded.purpose) == (
        "uploaded", len(TRAIN), "train.jsonl", "fine-tune")
    assert fake.requests[-1]["form"] == {"purpose": "fine-tune", "file": "train.jsonl"}
    assert client.files.retrieve(uploaded.id).status == "processed"
    assert client.files.content(uploaded.id).content == TRAIN

    bad = client.files.create(file=("bad.jsonl", b'{"messages": []}\n[1, 2]\n'), purpose="fine-tune")
    bad = client.files.retrieve(bad.id)
    assert bad.status == "error" and bad.status_details.startswith("Invalid file format. Line 2:")

    with pytest.raises(openai.BadRequestError) as caught:
        client.files.create(file=("train.jsonl", TRAIN), purpose="assistants")
    assert caught.value.body["param"] == "purpose"
    assert [f.id for f in client.files.list()] == [bad.id, uploaded.id]  # newest first
    assert client.files.delete(bad.id).deleted and bad.id not in fake.files


def test_a_job_runs_to_success_with_metrics_checkpoints_and_events_paged_by_the_client(fake):
    client = client_for(fake)
    training, validation = processed_file(client), processed_file(client, name="valid.jsonl")
    method = {"type": "supervised", "supervised": {"hyperparameters": {"n_epochs": 3, "batch_size": "auto"}}}
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini-2024-07-18", training_file=training,
                                         validation_file=validation, suffix="support", seed=7, method=method,
                                         metadata={"run": "r1"})
    assert fake.requests[-1]["json"]["method"] == method  # the body exactly as the client sent it
    assert (job.status, job.seed, job.suffix, job.metadata, job.fine_tuned_model) == (
        "validating_files", 7, "support", {"run": "r1"}, None)
    assert job.id.startswith("ftjob-") and job.method.supervised.hyperparameters.n_epochs == 3

    statuses, job = run_to_end(client, job.id)
    assert statuses == ["queued", "running", "running", "running", "succeeded"]  # 6 steps, 2 a tick
    short = job.id[6:14]
    assert job.fine_tuned_model == f"ft:gpt-4o-mini-2024-07-18:fake-org:support:{short}"
    assert job.trained_tokens > 0 and job.finished_at and job.hyperparameters.batch_size == 1

    before = len(fake.requests)
    events = list(client.fine_tuning.jobs.list_events(job.id, limit=4))
    pages = fake.requests[before:]
    assert len(pages) >= 4 and pages[1]["query"]["after"] == events[3].id  # the client walked the cursor
    assert len({e.id for e in events}) == len(events) and all(e.id.startswith("ftevent-") for e in events)
    assert [e.created_at for e in events] == sorted((e.created_at for e in events), reverse=True)
    messages = [e.message for e in reversed(events)]  # oldest first to read the story
    assert messages[0].startswith(f"Validating training file: {training}")
    assert messages[1:3] == ["Files validated, moving job to queued state", "Fine-tuning job started"]
    assert messages[-1] == "The job has successfully completed"
    assert [m for m in messages if m.startswith("Checkpoint")] == [f"Checkpoint created at step {k}" for k in (2, 4, 6)]

    steps = [e.data for e in reversed(events) if e.type == "metrics"]
    assert [d["step"] for d in steps] == [1, 2, 3, 4, 5, 6] and all(d["total_steps"] == 6 for d in steps)
    losses = [d["train_loss"] for d in steps]
    assert losses == sorted(losses, reverse=True) and losses[0] == pytest.approx(1.6)
    assert ["valid_loss" in d for d in steps] == [False, True, False, True, False, True]
    assert ["full_valid_loss" in d for d in steps] == [False] * 5 + [True]
    assert next(e for e in events if e.type == "metrics").message.startswith("Step 6/6: training loss=")

    checkpoints = list(client.fine_tuning.jobs.checkpoints.list(job.id, limit=2))
    assert [c.step_number for c in checkpoints] == [6, 4, 2]
    assert checkpoints[0].fine_tuned_model_checkpoint == f"{job.fine_tuned_model}:ckpt-step-6"
    assert checkpoints[0].metrics.full_valid_loss is not None and checkpoints[-1].metrics.train_loss == 1.28

    assert job.fine_tuned_model in [m.id for m in client.models.list()]
    csv = base64.b64decode(client.files.content(job.result_files[0]).content).decode()
    assert csv.splitlines()[0].startswith("step,train_loss") and len(csv.splitlines()) == 7


def test_jobs_list_newest_first_across_pages_and_by_metadata(fake):
    client = client_for(fake)
    training = processed_file(client)
    ids = [client.fine_tuning.jobs.create(model="gpt-4.1-mini-2025-04-14", training_file=training,
                                          metadata={"n": str(i)}).id for i in range(3)]
    before = len(fake.requests)
    assert [j.id for j in client.fine_tuning.jobs.list(limit=2)] == ids[::-1]
    assert len(fake.requests) - before == 2
    assert [j.id for j in client.fine_tuning.jobs.list(metadata={"n": "1"})] == [ids[1]]
    with pytest.raises(openai.BadRequestError):
        client.fine_tuning.jobs.list(after="ftjob-nope")


def test_a_dpo_job_keeps_its_method_shape(fake):
    client = client_for(fake)
    training = processed_file(client)
    method = {"type": "dpo", "dpo": {"hyperparameters": {"beta": 0.2, "n_epochs": 2}}}
    job = client.fine_tuning.jobs.create(model="gpt-4.1-2025-04-14", training_file=training, method=method)
    assert job.method.type == "dpo" and job.method.dpo.hyperparameters.beta == 0.2
    statuses, job = run_to_end(client, job.id)
    assert job.status == "succeeded" and job.method.dpo.hyperparameters.n_epochs == 2
    # two epochs: checkpoints at the end of each
    assert [c.step_number for c in client.fine_tuning.jobs.checkpoints.list(job.id)] == [6, 3]


def test_job_creation_refusals_say_what_is_wrong(fake):
    client = client_for(fake)
    training = processed_file(client)
    with pytest.raises(openai.BadRequestError) as caught:
        client.fine_tuning.jobs.create(model="gpt-9-turbo", training_file=training)
    assert caught.value.code == "model_not_available"
    assert caught.value.body["message"] == "Model gpt-9-turbo is not available for fine-tuning or does not exist."

    with pytest.raises(openai.BadRequestError) as caught:
        client.fine_tuning.jobs.create(model="gpt-4o-mini-2024-07-18", training_file="file-missing")
    assert "file-missing" in caught.value.message and caught.value.body["param"] == "training_file"

    waiting = client.files.create(file=("t.jsonl", TRAIN), purpose="fine-tune").id
    with pytest.raises(openai.BadRequestError) as caught:
        client.fine_tuning.jobs.create(model="gpt-4o-mini-2024-07-18", training_file=training,
                                       validation_file=waiting)
    assert waiting in caught.value.message and "uploaded, not processed" in caught.value.message

    fake.reject_file_reason = "Invalid file format. Example 3: too many tokens."
    rejected_id = client.files.create(file=("r.jsonl", TRAIN), purpose="fine-tune").id
    rejected = client.files.wait_for_processing(rejected_id, poll_interval=0.01, max_wait_seconds=2)
    assert rejected.status == "error" and rejected.status_details == fake.reject_file_reason
    with pytest.raises(openai.BadRequestError) as caught:
        client.fine_tuning.jobs.create(model="gpt-4o-mini-2024-07-18", training_file=rejected.id)
    assert "too many tokens" in caught.value.message

    fake.training_not_available = True
    with pytest.raises(openai.PermissionDeniedError) as caught:
        client.fine_tuning.jobs.create(model="gpt-4o-mini-2024-07-18", training_file=training)
    assert caught.value.status_code == 403 and caught.value.code == "training_not_available"
    assert fake.jobs == {}


def test_cancel_stops_a_job_and_a_finished_job_cannot_be_cancelled(fake):
    client = client_for(fake)
    training = processed_file(client)
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini-2024-07-18", training_file=training)
    client.fine_tuning.jobs.retrieve(job.id)
    cancelled = client.fine_tuning.jobs.cancel(job.id)
    assert cancelled.status == "cancelled" and client.fine_tuning.jobs.retrieve(job.id).status == "cancelled"
    assert next(iter(client.fine_tuning.jobs.list_events(job.id))).message == "Fine-tuning job cancelled"
    with pytest.raises(openai.BadRequestError) as caught:
        client.fine_tuning.jobs.cancel(job.id)
    assert "already cancelled" in caught.value.message
    with pytest.raises(openai.NotFoundError):
        client.fine_tuning.jobs.retrieve("ftjob-unknown")


def test_fail_at_step_fails_the_job_with_the_given_error(fake):
    client = client_for(fake)
    fake.fail_at_step = 3
    fake.fail_error = {"code": "invalid_training_file", "message": "Training file has too few examples.",
                       "param": "training_file"}
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini-2024-07-18", training_file=processed_file(client))
    statuses, job = run_to_end(client, job.id)
    assert statuses[-1] == "failed" and job.fine_tuned_model is None and job.finished_at
    assert (job.error.code, job.error.message, job.error.param) == (
        "invalid_training_file", "Training file has too few examples.", "training_file")
    events = list(client.fine_tuning.jobs.list_events(job.id))
    assert (events[0].level, events[0].message) == ("error", "Training file has too few examples.")
    assert max(e.data["step"] for e in events if e.type == "metrics") == 3


def test_without_auto_advance_only_advance_moves_a_job():
    with FakeOpenAI(auto_advance=False, total_steps=4) as fake:
        client = client_for(fake)
        job = client.fine_tuning.jobs.create(model="gpt-4o-mini-2024-07-18", training_file=processed_file(client))
        assert [client.fine_tuning.jobs.retrieve(job.id).status for _ in range(3)] == ["validating_files"] * 3
        fake.advance(job.id, 3)
        assert fake.jobs[job.id]["status"] == "running" and fake.steps_done[job.id] == 2
        fake.advance(job.id)
        assert client.fine_tuning.jobs.retrieve(job.id).status == "succeeded"


def test_keys_are_checked_and_never_echoed(fake):
    with pytest.raises(openai.AuthenticationError) as caught:
        OpenAI(api_key="sk-wrong-secret-key-9876", base_url=fake.base_url, max_retries=0).models.list()
    assert caught.value.code == "invalid_api_key"
    assert caught.value.message.endswith("Incorrect API key provided: sk-...9876.")
    assert "wrong-secret" not in json.dumps(caught.value.body)
    with pytest.raises(openai.AuthenticationError):
        AzureOpenAI(api_key="wrong", azure_endpoint=fake.azure_endpoint, api_version=API_VERSION,
                    max_retries=0).files.list()


def test_azure_paths_need_api_version_and_the_api_key_header(fake):
    azure = azure_for(fake)
    training = processed_file(azure)
    record = fake.requests[-1]
    assert record["path"] == f"/openai/files/{training}" and record["query"] == {"api-version": API_VERSION}
    assert record["headers"]["api-key"] == fake.api_key and "authorization" not in record["headers"]
    statuses, job = run_to_end(azure, azure.fine_tuning.jobs.create(model="gpt-4o-2024-08-06",
                                                                   training_file=training).id)
    assert job.status == "succeeded"
    stream = azure.chat.completions.create(model=job.fine_tuned_model, stream=True,
                                           messages=[{"role": "user", "content": "where is it"}])
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "Tuned model here: where is it"
    assert fake.requests[-1]["path"].startswith("/openai/deployments/") and fake.requests[-1]["path"].endswith(
        "/chat/completions")
    with pytest.raises(openai.NotFoundError) as caught:
        azure.chat.completions.create(model="no-such-deployment", messages=[{"role": "user", "content": "x"}])
    assert caught.value.code == "DeploymentNotFound"

    request = urllib.request.Request(f"{fake.azure_endpoint}/openai/fine_tuning/jobs",
                                     headers={"api-key": fake.api_key})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5)
    assert caught.value.code == 400 and "api-version" in json.loads(caught.value.read())["error"]["message"]


def test_chat_streams_word_by_word_and_knows_its_models(fake):
    client = client_for(fake)
    stream = client.chat.completions.create(model="gpt-4o-mini-2024-07-18", stream=True,
                                            stream_options={"include_usage": True},
                                            messages=[{"role": "system", "content": "Be brief."},
                                                      {"role": "user", "content": "hello there"}])
    chunks = list(stream)
    pieces = [c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content]
    assert pieces == ["Base", " model", " here:", " hello", " there"]
    assert chunks[-1].usage.completion_tokens == 5 and fake.requests[-1]["json"]["stream"] is True
    reply = client.chat.completions.create(model="gpt-3.5-turbo-0125", max_tokens=2,
                                           messages=[{"role": "user", "content": "a b c"}])
    assert (reply.choices[0].message.content, reply.choices[0].finish_reason) == ("Base model", "length")
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="ft:gpt-4o-mini-2024-07-18:fake-org::nothere",
                                       messages=[{"role": "user", "content": "x"}])
    assert caught.value.code == "model_not_found"


def test_rate_limits_are_waited_out_by_client_retries_or_surface_without_them(fake):
    fake.rate_limit_next(2, retry_after_s=0.05)
    started = time.monotonic()
    assert len(client_for(fake, max_retries=2).models.list().data) == 5
    assert time.monotonic() - started >= 0.1
    assert [r["status"] for r in fake.requests] == [429, 429, 200]
    fake.rate_limit_next(1, retry_after_s=0.3)
    with pytest.raises(openai.RateLimitError) as caught:
        client_for(fake).models.list()
    assert caught.value.response.headers["retry-after-ms"] == "300" and caught.value.code == "rate_limit_exceeded"
    assert client_for(fake).models.list().data  # the switch is used up


def test_dropped_connections_are_connection_errors_and_retries_get_through(fake):
    fake.drop_next(1)
    with pytest.raises(openai.APIConnectionError):
        client_for(fake).models.list()
    fake.drop_next(1)
    assert client_for(fake, max_retries=1).models.list().data
    assert [r["status"] for r in fake.requests] == ["dropped", "dropped", 200]


def test_restart_listens_again_on_the_same_port_with_the_same_state(fake):
    client = client_for(fake)
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini-2024-07-18", training_file=processed_file(client))
    url = fake.base_url
    fake.stop()
    with pytest.raises(openai.APIConnectionError):
        client.fine_tuning.jobs.retrieve(job.id)
    fake.start()
    assert fake.base_url == url and client.fine_tuning.jobs.retrieve(job.id).status == "queued"
    fake.restart()
    assert fake.base_url == url and client.fine_tuning.jobs.retrieve(job.id).status == "running"


def test_a_stream_cut_by_restart_ends_without_a_finish_reason(fake):
    fake.stream_delay_s = 0.3
    stream = client_for(fake).chat.completions.create(model="gpt-4o-2024-08-06", stream=True,
                                                      messages=[{"role": "user", "content": "one two three four"}])
    chunks = iter(stream)
    assert next(chunks).choices[0].delta.role == "assistant"
    fake.restart()
    rest = list(chunks)  # the client sees the connection end early: no "stop", no [DONE]
    assert all(c.choices[0].finish_reason is None for c in rest if c.choices)
    assert len(rest) < 6 and client_for(fake).models.list().data
