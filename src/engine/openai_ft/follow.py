"""Following an OpenAI / Azure fine-tuning job into its run directory: the service's metrics become
`step` / `eval` events, its messages `log` events, its checkpoints `checkpoint` events, its status the
run's state; at the end one `end` event. The monitor, `tunewiz runs` and `tunewiz watch` then show
the job like a local run.

Resumable from the job id alone: every event written carries the service's event id (`remote_id`),
and a follower that starts again (after a disconnect, a closed terminal, a reboot) skips the ids
already in events.jsonl, so no step is written twice. The network dropping is waited out: the job
goes on at the service whatever happens here.

`python -m engine.openai_ft RUN_DIR` is the detached follower (`spawn_follower`); the key
comes from its environment only.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable

from engine import runs
from engine.events import EventWriter, read_events
from engine.openai_ft.jobs import FINISHED_JOB_STATES, JOB_STATES, job_error_text, read_job, update_job
from engine.openai_ft.service import FineTuneError, Service, explain, make_client

FOLLOWER_MODULE = "engine.openai_ft"  # `python -m engine.openai_ft RUN_DIR` (__main__.py)
POLL_S = 10.0                 # the service updates a job every few seconds; its rate limits are per minute
MAX_BACKOFF_S = 120.0
MAX_OUTAGE_S = 6 * 3600.0     # then the follower stops (the job goes on; `tunewiz openai watch` follows it again)
EVENTS_PAGE = 100
LOG_LEVELS = {"info": "info", "warn": "warning", "warning": "warning", "error": "error", "debug": "debug"}
TRANSIENT = ("network", "timeout", "server-error", "rate-limited", "request-failed")


class Seen:
    """What events.jsonl already holds: (type, remote_id) pairs, and whether it has its start / end."""

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.keys = {(e.get("type"), e.get("remote_id")) for e in events if e.get("remote_id")}
        self.remote_ids = {e.get("remote_id") for e in events if e.get("remote_id")}
        self.started = any(e.get("type") == "start" for e in events)
        self.ended = any(e.get("type") == "end" for e in events)
        steps = [e.get("step") for e in events if e.get("type") == "step" and isinstance(e.get("step"), int)]
        self.last_step = max(steps, default=0)


def new_remote_events(client: Any, job_id: str, seen_ids: set) -> list[Any]:
    """The job's events not yet seen, oldest first. The service lists newest first, in pages: reading
    stops at the first page that reaches an event already seen."""
    fresh: list[Any] = []
    after = None
    while True:
        kwargs: dict[str, Any] = {"limit": EVENTS_PAGE}
        if after:
            kwargs["after"] = after
        page = client.fine_tuning.jobs.list_events(job_id, **kwargs)
        data = list(page.data)
        for event in data:
            if event.id in seen_ids:
                return list(reversed(fresh))
            fresh.append(event)
        if not data or not getattr(page, "has_more", False):
            return list(reversed(fresh))
        after = data[-1].id


def _num(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def events_from(remote: Any) -> list[tuple[str, dict[str, Any]]]:
    """The run events one service event becomes: (type, fields)."""
    rid, t = remote.id, float(getattr(remote, "created_at", None) or time.time())
    data = getattr(remote, "data", None)
    data = data if isinstance(data, dict) else (data.model_dump() if hasattr(data, "model_dump") else {})
    if getattr(remote, "type", None) == "metrics" and isinstance(data.get("step"), int):
        step = data["step"]
        out: list[tuple[str, dict[str, Any]]] = []
        fields: dict[str, Any] = {"step": step, "loss": _num(data.get("train_loss")), "remote_id": rid, "t": t}
        if _num(data.get("train_mean_token_accuracy")) is not None:
            fields["mean_token_accuracy"] = _num(data.get("train_mean_token_accuracy"))
        out.append(("step", fields))
        valid, full = _num(data.get("valid_loss")), _num(data.get("full_valid_loss"))
        if valid is not None or full is not None:
            # The full validation loss (the whole file, at the end) wins over the batch one when both are there.
            accuracy = _num(data.get("full_valid_mean_token_accuracy" if full is not None else "valid_mean_token_accuracy"))
            ev: dict[str, Any] = {"step": step, "eval_loss": full if full is not None else valid, "remote_id": rid, "t": t}
            if accuracy is not None:
                ev["eval_mean_token_accuracy"] = accuracy
            if full is not None and valid is not None:
                ev["eval_batch_loss"] = valid
            out.append(("eval", ev))
        return out
    level = LOG_LEVELS.get(str(getattr(remote, "level", "info")), "info")
    return [("log", {"level": level, "message": str(getattr(remote, "message", "") or ""), "remote_id": rid, "t": t})]


class Follower:
    """Follows one job into its run directory until the job ends (or `stop` is set)."""

    def __init__(self, run_dir: str | Path, client: Any, service: Service, *, poll_s: float = POLL_S,
                 say: Callable[[str], None] | None = None, stop: threading.Event | None = None,
                 max_outage_s: float = MAX_OUTAGE_S) -> None:
        self.run_dir = Path(run_dir)
        self.client, self.service = client, service
        self.poll_s = poll_s
        self.say = say or (lambda m: None)
        self.stop = stop or threading.Event()
        record = read_job(self.run_dir) or {}
        if not isinstance(record.get("job_id"), str) or not record["job_id"]:
            raise FineTuneError("no-job", f"{self.run_dir.name} has no job id: the job was never created "
                                "(see its status for why).", "Start a new job: tunewiz openai start FILE --model M.",
                                run=self.run_dir.name)
        self.job_id: str = record["job_id"]
        self.record = record
        self.seen = Seen(read_events(self.run_dir / runs.EVENTS_FILE))
        self.total_steps: int | None = None
        self.outage_since: float | None = None
        self.max_outage_s = max_outage_s

    def run(self) -> str:
        """Follows the job to its end; returns the run's end state ("completed", "stopped", "failed"), or
        its current state when stopped early."""
        runs.write_status(self.run_dir, pid=os.getpid(), pid_start=runs.process_start_ticks(os.getpid()),
                          backend=self.service.kind)
        writer = EventWriter(self.run_dir / runs.EVENTS_FILE)
        delay = self.poll_s
        try:
            while True:
                try:
                    state = self.poll_once(writer)
                    delay = self.poll_s
                except FineTuneError as err:
                    if err.code not in TRANSIENT:
                        raise
                    delay = min(MAX_BACKOFF_S, max(delay * 2, self.poll_s))
                    self._outage(writer, err, delay)
                    state = None
                    if self.outage_since is not None and time.time() - self.outage_since > self.max_outage_s:
                        text = (f"gave up following after {self.max_outage_s / 3600:g} h without an answer from "
                                f"{self.service.where}; the job goes on there: tunewiz openai watch "
                                f"{self.run_dir.name} follows it again")
                        writer.write("log", level="warning", message=text)
                        self.say(text)
                        return (runs.read_status(self.run_dir) or {}).get("state", "starting")
                if state in FINISHED_JOB_STATES:
                    return JOB_STATES[state]
                if self.stop.wait(delay):
                    return (runs.read_status(self.run_dir) or {}).get("state", "starting")
        finally:
            writer.close()

    def _outage(self, writer: EventWriter, err: FineTuneError, delay: float) -> None:
        if self.outage_since is None:
            self.outage_since = time.time()
            text = f"{err.message} Retrying every {delay:.0f} s or so; the job goes on at the service."
            writer.write("log", level="warning", message=text)
            self.say(text)

    def poll(self) -> str:
        """One round, on its own (no process bookkeeping): for callers that drive the pace themselves."""
        writer = EventWriter(self.run_dir / runs.EVENTS_FILE)
        try:
            return self.poll_once(writer)
        finally:
            writer.close()

    def poll_once(self, writer: EventWriter) -> str:
        """One round: the job, its new events, its checkpoints; returns the service's job status."""
        try:
            job = self.client.fine_tuning.jobs.retrieve(self.job_id)
            fresh = new_remote_events(self.client, self.job_id, self.seen.remote_ids)
        except Exception as exc:
            raise explain(exc, self.service, doing=f"following {self.job_id}") from None
        if self.outage_since is not None:
            text = f"reconnected to {self.service.where} after {time.time() - self.outage_since:.0f} s"
            writer.write("log", level="info", message=text)
            self.say(text)
            self.outage_since = None
        # The start event waits for the first metrics: they carry the step count the job will take.
        if not self.seen.started and any(getattr(e, "type", None) == "metrics" for e in fresh):
            self._start(writer, job, fresh)
        last_loss = None
        for remote in fresh:
            for kind, fields in events_from(remote):
                if (kind, fields.get("remote_id")) in self.seen.keys:
                    continue
                if kind == "step":
                    self.seen.last_step = max(self.seen.last_step, fields["step"])
                    last_loss = fields["loss"]
                    data = getattr(remote, "data", None) or {}
                    total = data.get("total_steps") if isinstance(data, dict) else None
                    if isinstance(total, int):
                        self.total_steps = total
                writer.write(kind, **fields)
                self.seen.keys.add((kind, fields.get("remote_id")))
                if kind == "log":
                    self.say(fields["message"])
            self.seen.remote_ids.add(remote.id)
        self._checkpoints(writer)
        status_fields: dict[str, Any] = {"remote_state": job.status, "step": self.seen.last_step}
        if self.total_steps:
            status_fields["total_steps"] = self.total_steps
        if last_loss is not None:
            status_fields["last_loss"] = last_loss
        if job.status not in FINISHED_JOB_STATES:
            status_fields["state"] = JOB_STATES.get(job.status, "running")
        runs.write_status(self.run_dir, **status_fields)
        if job.status in FINISHED_JOB_STATES:
            self._end(writer, job)
        return job.status

    def _start(self, writer: EventWriter, job: Any, fresh: list[Any]) -> None:
        totals = [d.get("total_steps") for d in (getattr(e, "data", None) for e in fresh)
                  if isinstance(d, dict) and isinstance(d.get("total_steps"), int)]
        estimate = self.record.get("estimate") or {}
        total = totals[0] if totals else None  # the service says with its first metrics (status.total_steps)
        writer.write("start", model=job.model, method=(self.record.get("method") or "supervised"), world_size=None,
                     total_steps=total, trainable_params=None, total_params=None,
                     dataset_rows=estimate.get("examples"), dataset_tokens=estimate.get("tokens_per_epoch"))
        self.seen.started = True

    def _checkpoints(self, writer: EventWriter) -> None:
        try:
            listed = list(self.client.fine_tuning.jobs.checkpoints.list(self.job_id))
        except Exception:  # checkpoints are extra information; a service without them still has a job
            return
        known = {c.get("id") for c in self.record.get("checkpoints") or []}
        added = []
        for ckpt in sorted(listed, key=lambda c: c.step_number):
            if ckpt.id in known:
                continue
            metrics = ckpt.metrics.model_dump(exclude_none=True) if getattr(ckpt, "metrics", None) else {}
            added.append({"id": ckpt.id, "step": ckpt.step_number, "model": ckpt.fine_tuned_model_checkpoint,
                          "metrics": metrics})
            if ("checkpoint", ckpt.id) not in self.seen.keys:
                writer.write("checkpoint", step=ckpt.step_number, path=ckpt.fine_tuned_model_checkpoint,
                             remote_id=ckpt.id, t=float(ckpt.created_at))
                self.seen.keys.add(("checkpoint", ckpt.id))
        if added:
            self.record["checkpoints"] = (self.record.get("checkpoints") or []) + added
            update_job(self.run_dir, checkpoints=self.record["checkpoints"])

    def _end(self, writer: EventWriter, job: Any) -> None:
        state = JOB_STATES[job.status]
        error = advice = None
        if job.status == "failed":
            error, advice = job_error_text(job)
        elif job.status == "cancelled":
            advice = "The job was cancelled; what it trained is lost unless a checkpoint is listed. Start it again to retrain."
        elif job.status == "succeeded":
            advice = f"Chat with it: tunewiz openai chat {self.run_dir.name} --compare"
        if job.fine_tuned_model:
            update_job(self.run_dir, fine_tuned_model=job.fine_tuned_model)
        if not self.seen.ended:
            writer.write("end", status=state, error=error, advice=advice)
            self.seen.ended = True
        fields: dict[str, Any] = {"state": state, "error": error, "advice": advice, "ended_at": float(
            getattr(job, "finished_at", None) or time.time())}
        if job.fine_tuned_model:
            fields["output"] = job.fine_tuned_model
        runs.write_status(self.run_dir, **fields)


def follower_alive(run_dir: str | Path) -> bool:
    """Whether a process (detached, or `tunewiz openai watch`) is following the run now."""
    # Only followers write a remote run's pid (with its start time, so a recycled pid is not taken for one).
    return runs.trainer_alive(runs.read_status(run_dir))


def spawn_follower(run_dir: str | Path, key_value: str | None = None, key_env: str | None = None) -> subprocess.Popen:
    """Starts `python -m engine.openai_ft RUN_DIR` in its own session (it outlives the terminal).
    A key typed into the app reaches it through its environment only."""
    run_dir = Path(run_dir)
    env = dict(os.environ)
    src = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env["PYTHONUNBUFFERED"] = "1"
    if key_value and key_env:
        env[key_env] = key_value
    log = open(run_dir / runs.LOG_FILE, "ab")
    try:
        return subprocess.Popen([sys.executable, "-m", FOLLOWER_MODULE, str(run_dir)], stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env,
                                cwd=str(run_dir.parent))
    finally:
        log.close()


def main(argv: list[str] | None = None) -> int:
    """The detached follower: follows RUN_DIR's job to its end, logging to stdout (train.log)."""
    import signal
    args = argv if argv is not None else sys.argv[1:]
    if len(args) != 1:
        print(f"usage: python -m {FOLLOWER_MODULE} RUN_DIR", file=sys.stderr)
        return 2
    run_dir = Path(args[0])
    record = read_job(run_dir) or {}
    service = Service.from_record(record.get("service") or {})
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: stop.set())
    say = lambda m: print(time.strftime("%H:%M:%S"), m, flush=True)  # noqa: E731
    key = service.key()
    try:
        if key is None:
            from engine.openai_ft.service import no_key_error
            raise no_key_error(service)
        follower = Follower(run_dir, make_client(service, key), service, say=say, stop=stop,
                            poll_s=float(os.environ.get("TUNEWIZ_FOLLOW_POLL_S") or POLL_S))
        state = follower.run()
    except FineTuneError as err:
        say(f"stopped following: {err}")
        runs.write_status(run_dir, error=err.message, advice=err.advice)
        return 1
    say(f"following ended: {state}")
    return 0

