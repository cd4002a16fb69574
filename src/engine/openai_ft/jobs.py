"""An OpenAI / Azure fine-tuning job as a tunewiz run: upload the files (with progress), wait for the
service to process them, create the job with today's `method` shape, and record everything in a run
directory under the same runs directory as local runs.

The run directory holds `remote_job.json` (RemoteJob, below: the service, file and job ids, the model;
never a key) instead of `config.yaml`, and the usual `events.jsonl` / `status.json` / `train.log`,
written by the follower (follow.py), so the monitor, `tunewiz runs` and `tunewiz watch` show a job
like a local run.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, TypedDict

from engine import catalog, runs
from engine.events import EventWriter
from engine.openai_ft.service import FineTuneError, Service, explain

METHODS = ("supervised", "dpo")
FILE_POLL_S = 1.0
FILE_WAIT_S = 30 * 60.0          # the service processes large files for minutes; beyond this, say so
UPLOAD_CHUNK = 1 << 20

# The service's job status -> the run's state (RunStatus.state / EndEvent.status).
JOB_STATES: dict[str, str] = {
    "validating_files": "starting", "queued": "starting", "running": "running", "paused": "running",
    "succeeded": "completed", "cancelled": "stopped", "failed": "failed",
}
FINISHED_JOB_STATES = ("succeeded", "cancelled", "failed")


class FileRecord(TypedDict):
    """A file uploaded for the job."""
    id: str | None          # the service's file id (None until uploaded)
    path: str               # the local file, as given (never modified)
    bytes: int
    sha256: str             # of the local file when uploaded: tells later whether it changed


class RemoteJob(TypedDict, total=False):
    """remote_job.json: an OpenAI / Azure job's record in its run directory. The one definition of its
    fields; written by this module and the follower, read by `tunewiz openai …`, the monitor and chat."""
    service: dict[str, Any]          # Service.describe(): kind, base_url, azure_endpoint, api_version, key_env
    model: str                       # the model as requested (a snapshot id, an alias or an ft: name)
    base_model: str                  # its catalog snapshot (limits, price, tiktoken encoding)
    method: str                      # "supervised" | "dpo"
    hyperparameters: dict[str, Any]  # what tunewiz asked for (n_epochs, ...); absent ones are the service's "auto"
    suffix: str | None
    training_file: FileRecord
    validation_file: FileRecord | None
    job_id: str | None               # ftjob-... once created
    fine_tuned_model: str | None     # ft:... once the job succeeded
    checkpoints: list[dict[str, Any]]  # {id, step, model, metrics} as listed by the service
    estimate: dict[str, Any]         # validate's figures: examples, tokens_per_epoch, epochs, cost_usd
    created_at: float                # unix time the run directory was made


def read_job(run_dir: str | Path) -> RemoteJob | None:
    """The run's remote_job.json, or None when it is missing or not a JSON object. Fields of the wrong
    type (a damaged or hand-edited file) read as absent, so no reader trips over them."""
    try:
        value = json.loads((Path(run_dir) / runs.REMOTE_JOB_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    kinds: dict[str, type | tuple[type, ...]] = {
        "service": dict, "model": str, "base_model": str, "method": str, "hyperparameters": dict, "suffix": str,
        "training_file": dict, "validation_file": dict, "job_id": str, "fine_tuned_model": str,
        "checkpoints": list, "estimate": dict, "created_at": (int, float)}
    job = RemoteJob(**{k: v for k, v in value.items() if k in kinds and isinstance(v, kinds[k])})  # type: ignore[misc]
    if "checkpoints" in job:
        job["checkpoints"] = [c for c in job["checkpoints"] if isinstance(c, dict)]
    return job


def write_job(run_dir: str | Path, job: RemoteJob) -> None:
    path = Path(run_dir) / runs.REMOTE_JOB_FILE
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(job, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def update_job(run_dir: str | Path, **fields: Any) -> RemoteJob:
    job = read_job(run_dir) or RemoteJob()
    job.update(fields)  # type: ignore[typeddict-item]
    write_job(run_dir, job)
    return job


def default_run_name(model: str, now: datetime | None = None) -> str:
    """openai-gpt-4o-mini-1201-161256: the model's family name (its snapshot date dropped) and when,
    short enough for the runs list at 80 columns."""
    base = re.sub(r"-(\d{4}-\d{2}-\d{2}|\d{4})$", "", catalog.openai_base_model(model).lower())
    stem = re.sub(r"[^a-z0-9.]+", "-", base).strip("-")[:24] or "job"
    return f"openai-{stem}-{(now or datetime.now()).strftime('%m%d-%H%M%S')}"


def create_run_dir(runs_dir: str | Path, name: str | None, job: RemoteJob) -> Path:
    """`<runs_dir>/<name>/` with remote_job.json; a name taken gets a numeric suffix (runs never mix)."""
    root = Path(runs_dir).expanduser()
    base = name or default_run_name(job.get("model") or "job")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}", base):
        raise FineTuneError("bad-name", f"--name {base!r}: a run name is letters, digits, '.', '_' and '-'.",
                            "Choose another name.", name=base)
    run_dir, n = root / base, 2
    while run_dir.exists():
        run_dir, n = root / f"{base}-{n}", n + 1
    run_dir.mkdir(parents=True)
    os.chmod(run_dir, 0o700)  # the owner's only: it names the account's files and jobs
    job.setdefault("created_at", time.time())
    write_job(run_dir, job)
    return run_dir.resolve()


def file_record(path: str | Path) -> FileRecord:
    p = Path(path)
    digest = hashlib.sha256()
    with open(p, "rb") as handle:
        for block in iter(lambda: handle.read(UPLOAD_CHUNK), b""):
            digest.update(block)
    return FileRecord(id=None, path=str(p), bytes=p.stat().st_size, sha256=digest.hexdigest())


class _ProgressReader:
    """A file object the client's HTTP library reads in chunks; each read reports the bytes sent."""

    def __init__(self, path: Path, report: Callable[[int, int], None]) -> None:
        self._handle = open(path, "rb")
        self._total = path.stat().st_size
        self._report = report
        self.name = path.name

    def read(self, size: int = -1) -> bytes:
        data = self._handle.read(size if size and size > 0 else UPLOAD_CHUNK)
        self._report(self._handle.tell(), self._total)
        return data

    def seek(self, offset: int, whence: int = 0) -> int:  # a retry starts the upload over
        return self._handle.seek(offset, whence)

    def tell(self) -> int:
        return self._handle.tell()

    def close(self) -> None:
        self._handle.close()


def upload(client: Any, service: Service, path: str | Path,
           progress: Callable[[int, int], None] | None = None) -> str:
    """Uploads `path` with purpose "fine-tune"; returns the file id. `progress(sent, total)` as it goes."""
    p = Path(path)
    reader = _ProgressReader(p, progress or (lambda sent, total: None))
    try:
        created = client.files.create(file=(p.name, reader, "application/jsonl"), purpose="fine-tune")
    except Exception as exc:
        raise explain(exc, service, doing=f"the upload of {p.name}") from None
    finally:
        reader.close()
    return created.id


def wait_processed(client: Any, service: Service, file_id: str, name: str,
                   say: Callable[[str], None] | None = None, poll_s: float = FILE_POLL_S,
                   timeout_s: float = FILE_WAIT_S) -> None:
    """Waits until the service has processed the file; its rejection becomes a FineTuneError with the
    service's own message (which names the line)."""
    deadline = time.monotonic() + timeout_s
    shown = None
    while True:
        try:
            info = client.files.retrieve(file_id)
        except Exception as exc:
            raise explain(exc, service, doing=f"checking {name}") from None
        status = getattr(info, "status", None) or "processed"  # services without the field process at once
        if status != shown and say:
            say(f"{name}: {status}")
            shown = status
        if status == "processed":
            return
        if status in ("error", "deleted", "failed"):
            details = getattr(info, "status_details", None) or "no details given"
            raise FineTuneError("file-rejected", f"{service.label} rejected {name} ({file_id}): {details}",
                                f"Fix what it names (tunewiz openai validate {name} checks the same rules), "
                                "then start again.", file=name, file_id=file_id, details=details)
        if time.monotonic() > deadline:
            raise FineTuneError("file-slow", f"{service.label} has not finished processing {name} ({file_id}) "
                                f"after {timeout_s / 60:.0f} minutes.",
                                "Try again later; the upload is kept at the service under that id.", file_id=file_id)
        time.sleep(poll_s)


def method_body(method: str, hyperparameters: dict[str, Any]) -> dict[str, Any]:
    """Today's `method` shape: {"type": m, m: {"hyperparameters": {...}}} (the top-level
    `hyperparameters` field is deprecated)."""
    if method not in METHODS:
        raise FineTuneError("bad-method", f"--method {method!r}: use one of {', '.join(METHODS)}.", "Choose one.",
                            method=method)
    return {"type": method, method: {"hyperparameters": dict(hyperparameters)}}


def create_job(client: Any, service: Service, job: RemoteJob) -> Any:
    """Creates the fine-tuning job from the record's uploaded files; returns the service's job object."""
    params: dict[str, Any] = {"model": job["model"], "training_file": job["training_file"]["id"],
                              "method": method_body(job.get("method", "supervised"), job.get("hyperparameters") or {})}
    if job.get("validation_file"):
        params["validation_file"] = job["validation_file"]["id"]
    if job.get("suffix"):
        params["suffix"] = job["suffix"]
    try:
        return client.fine_tuning.jobs.create(**params)
    except Exception as exc:
        raise explain(exc, service, model=job["model"], doing="creating the fine-tuning job") from None


def start_job(client: Any, service: Service, runs_dir: str | Path, *, training: str | Path,
              validation: str | Path | None, model: str, method: str = "supervised", epochs: int | None = None,
              suffix: str | None = None, name: str | None = None, estimate: dict[str, Any] | None = None,
              say: Callable[[str], None] | None = None,
              upload_progress: Callable[[str, int, int], None] | None = None) -> tuple[Path, Any]:
    """Uploads the file(s), waits for processing, creates the job; returns (run directory, job).

    The run directory is made first, so a failure after it (a rejected file, a refused job) is
    recorded there with its message (status `failed`, an `end` event) rather than lost."""
    say = say or (lambda m: None)
    hyper = {"n_epochs": epochs} if epochs else {}
    job = RemoteJob(service=service.describe(), model=model, base_model=catalog.openai_base_model(model),
                    method=method, hyperparameters=hyper, suffix=suffix, training_file=file_record(training),
                    validation_file=file_record(validation) if validation else None, job_id=None,
                    fine_tuned_model=None, checkpoints=[], estimate=estimate or {})
    method_body(method, hyper)  # a bad method fails before anything is made
    run_dir = create_run_dir(runs_dir, name, job)
    runs.write_status(run_dir, state="starting", name=run_dir.name, model=model, method=method,
                      started_at=time.time(), step=0, error=None, advice=None, backend=service.kind,
                      remote_state="uploading")
    try:
        for key in ("training_file", "validation_file"):
            record = job.get(key)
            if not record:
                continue
            label = Path(record["path"]).name
            say(f"uploading {label} ({record['bytes'] / 1e6:.1f} MB) to {service.label}")
            record["id"] = upload(client, service, record["path"],
                                  (lambda sent, total, label=label: upload_progress(label, sent, total))
                                  if upload_progress else None)
            update_job(run_dir, **{key: record})
            wait_processed(client, service, record["id"], label, say)
        created = create_job(client, service, job)
    except FineTuneError as err:
        fail_before_job(run_dir, err)
        raise
    update_job(run_dir, job_id=created.id)
    runs.write_status(run_dir, remote_state=created.status, state=JOB_STATES.get(created.status, "starting"))
    writer = EventWriter(run_dir / runs.EVENTS_FILE)
    try:
        writer.write("log", level="info", message=f"created fine-tuning job {created.id} ({method}, {model}) at "
                     f"{service.where}")
    finally:
        writer.close()
    return run_dir, created


def fail_before_job(run_dir: Path, err: FineTuneError) -> None:
    """Records a failure that came before the job existed (nothing runs at the service)."""
    writer = EventWriter(run_dir / runs.EVENTS_FILE)
    try:
        writer.write("end", status="failed", error=err.message, advice=err.advice)
    finally:
        writer.close()
    runs.write_status(run_dir, state="failed", error=err.message, advice=err.advice, ended_at=time.time())


def cancel(client: Any, service: Service, job_id: str) -> Any:
    try:
        return client.fine_tuning.jobs.cancel(job_id)
    except Exception as exc:
        raise explain(exc, service, doing=f"cancelling {job_id}") from None


def list_jobs(client: Any, service: Service, limit: int = 20) -> list[Any]:
    """The account's most recent jobs, newest first."""
    try:
        page = client.fine_tuning.jobs.list(limit=limit)
        return list(page.data)
    except Exception as exc:
        raise explain(exc, service, doing="listing jobs") from None


def job_error_text(job: Any) -> tuple[str | None, str | None]:
    """(what failed, what to change) for a failed job, from the service's error object."""
    error = getattr(job, "error", None)
    if error is None:
        return None, None
    message = getattr(error, "message", None) or "the service gave no message"
    code = getattr(error, "code", None)
    param = getattr(error, "param", None)
    what = f"the job failed: {message}" + (f" (code {code}" + (f", field {param}" if param else "") + ")" if code else "")
    low = f"{message} {code or ''}".lower()
    if "token" in low and ("limit" in low or "exceed" in low or "too long" in low):
        advice = "Shorten or split the longest examples (tunewiz openai validate FILE lists them), then start again."
    elif "file" in low or "format" in low or "line" in low:
        advice = "Fix the file where the message says (tunewiz openai validate FILE), then start again."
    elif "quota" in low or "billing" in low or "limit" in low:
        advice = "Check the account's billing and limits, then start again."
    else:
        advice = "Change what the message names and start again, or train an open model on the same file."
    return what, advice


def chat_backends(job: RemoteJob, *, compare: bool = False, checkpoint: int | None = None,
                  deployment: str | None = None, base_deployment: str | None = None, key: Any = None,
                  timeout: float = 60.0) -> dict[str, Any]:
    """The chat pane's columns for a job: "tuned" (the fine-tuned model, or a checkpoint's model) and,
    with `compare`, "base" (the model it was trained from). Azure serves deployments, not models:
    `deployment` / `base_deployment` name them (default: the model names). Raises FineTuneError when
    there is nothing to chat with yet."""
    from engine.chat.remote import RemoteBackend
    service = Service.from_record(job.get("service") or {})
    tuned = job.get("fine_tuned_model")
    if checkpoint is not None:
        found = [c for c in job.get("checkpoints") or [] if c.get("step") == checkpoint]
        if not found:
            steps = ", ".join(str(c.get("step")) for c in job.get("checkpoints") or []) or "none yet"
            raise FineTuneError("no-checkpoint", f"the job has no checkpoint at step {checkpoint} (listed: {steps}).",
                                "Give one of the listed steps.", step=checkpoint)
        tuned = found[0].get("model")
    if not tuned:
        raise FineTuneError("no-model-yet", "the job has no fine-tuned model yet (it is made when the job succeeds).",
                            "Wait for it (tunewiz openai watch RUN), or chat with a checkpoint (--checkpoint STEP).")

    def backend(model: str) -> Any:
        return RemoteBackend(model, service.base_url, service.key_env, timeout, api_key=key,
                             azure_endpoint=service.azure_endpoint if service.kind == "azure" else None,
                             api_version=service.api_version)
    columns = {"tuned": backend(deployment or tuned)}
    if compare:
        columns = {"base": backend(base_deployment or job.get("base_model") or job.get("model") or ""), **columns}
    return columns
