"""Following a run from its directory alone: history, live figures, the log tail.

Everything the monitor screen and `tunewiz watch` show comes from here, so both show the same
figures. It reads files (events.jsonl, status.json, train.log); it never imports torch or textual,
so a watcher can attach to a run on a GPU box without touching the GPU or slowing the trainer.
The events are folded by engine.history; the GPUs are sampled by engine.hardware.GpuSampler.

Design points:
- The events file is read incrementally and in bounded chunks. On attaching to a long run, an
  overview is drawn first (engine.history.overview_history), then replaced by the exact history.
- Bad input is data, not an exception: a partial last line waits, unknown event types and fields
  are counted and skipped, a deleted run directory is a state of its own.
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from engine import runs
from engine.events import END_STATUSES, EventReader
from engine.history import ChartSeries, RunHistory, integer, num, overview_history, text

CHUNK_BYTES = 4 << 20      # one poll reads at most this much of events.jsonl
OVERVIEW_BYTES = 2 << 20   # a backlog larger than this is first drawn from an overview
LOG_TAIL_BYTES = 64 << 10  # how much of train.log is read on attach
DELETED = "deleted"        # display state of a run whose directory disappeared while watched


# -- train.log --------------------------------------------------------------------------------------
class LogTail:
    """The last lines of train.log, read incrementally (the trainer's stdout and stderr)."""

    def __init__(self, path: Path, max_lines: int = 200, first_bytes: int = LOG_TAIL_BYTES) -> None:
        self.path = path
        self.lines: deque[str] = deque(maxlen=max_lines)
        self.seq = 0  # lines seen so far, so a display can append only what is new
        self._offset: int | None = None
        self._first_bytes = first_bytes
        self._pending = b""

    def poll(self) -> bool:
        try:
            size = self.path.stat().st_size
        except OSError:
            return False
        if self._offset is None:
            self._offset = max(0, size - self._first_bytes)
            skip_partial = self._offset > 0
        else:
            skip_partial = False
            if size < self._offset:  # truncated or replaced
                self._offset, self._pending = 0, b""
        if size == self._offset:
            return False
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self._offset)
                chunk = handle.read(min(size - self._offset, 1 << 20))
        except OSError:
            return False
        self._offset += len(chunk)
        parts = (self._pending + chunk).split(b"\n")
        self._pending = parts.pop()
        if skip_partial and parts:
            parts = parts[1:]  # we started mid-line
        for raw in parts:
            # Progress bars rewrite their line with \r: the last rewrite is what a terminal shows.
            line = raw.decode("utf-8", "replace").rstrip("\r").rsplit("\r", 1)[-1]
            self.lines.append(line[:500])
            self.seq += 1
        return bool(parts)


# -- the watcher ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Snapshot:
    """Everything shown about a run at one moment. Immutable, so a UI thread can keep it."""

    run_dir: str
    name: str
    taken_at: float
    state: str                     # runs.ALL_STATES or DELETED
    active: bool
    pid: int | None
    error: str | None
    advice: str | None
    model: str | None
    method: str | None
    world_size: int | None
    total_steps: int | None
    step: int | None
    epoch: float | None
    loss: float | None
    loss_nonfinite: str | None
    smoothed_loss: float | None
    eval_loss: float | None
    eval_step: int | None
    lr: float | None
    grad_norm: float | None
    tokens_per_s: float | None
    samples_per_s: float | None
    tokens_total: int
    gpu_mem_alloc_gb: float | None
    gpu_mem_reserved_gb: float | None
    gpu_mem_peak_gb: float | None
    trainable_params: int | None
    total_params: int | None
    dataset_rows: int | None
    elapsed_s: float | None
    eta_s: float | None
    seconds_per_step: float | None
    started_at: float | None
    updated_at: float | None
    step_events: int
    nonfinite: int
    first_nonfinite_step: int | None
    checkpoints: int
    last_checkpoint_step: int | None
    resumable: bool
    output: str | None
    unknown_types: dict[str, int]
    unreadable: int
    malformed: int
    warnings: tuple[str, ...]
    log_lines: tuple[str, ...]
    log_seq: int
    provisional: bool               # drawn from an overview; the exact history is still being read
    series: ChartSeries | None = None
    backend: str = "local"          # RunStatus.backend: "local", or the service of a remote job
    followed: bool = True           # False: a remote job that no process follows now (the state is the last seen)
    retry_settings: dict[str, Any] | None = None  # an `oom` end's next settings (RunConfig keys), to restart with
    end_code: str | None = None     # the ending's code (events.EndEvent.code: its messages end.<code>[.advice]),
    end_params: dict[str, Any] | None = None   # and params, so screens say `error` / `advice` in their language
    gpu_mem_per_rank_gb: tuple[float | None, ...] = ()  # the last step's GPU memory of every rank (rank 0 first)
    # method dpo: the last step's reward margin and accuracy, and what the start event said about the run
    reward_margin: float | None = None
    reward_accuracy: float | None = None
    tuning: str | None = None       # "lora" | "qlora" | "full"
    reference: str | None = None    # "base" | "adapter" | "copy" (events.StartEvent.reference)
    # the latest log event's code and params (engine.demo's conversion parts, ...), so that screens can
    # say in their language what the trainer is doing before the first step
    latest_log_code: str | None = None
    latest_log_params: dict[str, Any] | None = None

    @property
    def is_preference(self) -> bool:
        """A DPO run: the monitor draws its reward margin and accuracy."""
        return self.method == "dpo"

    @property
    def progress(self) -> float | None:
        if self.total_steps and self.step is not None:
            return max(0.0, min(1.0, self.step / self.total_steps))
        return None

    def elapsed_at(self, now: float) -> float | None:
        """Elapsed training time at `now` (it keeps counting between snapshots while active)."""
        if self.elapsed_s is None:
            return None
        return self.elapsed_s + (max(0.0, now - self.taken_at) if self.active else 0.0)

    def eta_at(self, now: float) -> float | None:
        if self.eta_s is None:
            return None
        return max(0.0, self.eta_s - max(0.0, now - self.taken_at))


def crash_advice(name: str, pid: Any, resumable: bool, log_file: Path) -> str:
    """English advice for a trainer that vanished without an end event: `end.crashed.advice` with
    `crash_params` (engine/train/end_messages.py), which screens render in their language."""
    from engine.train.end_messages import crash_params, ending
    _, advice, _ = ending("crashed", **crash_params(name, pid, resumable, log_file, log_file.parent / runs.CONFIG_FILE))
    return str(advice)


class RunWatcher:
    """Follows one run directory. Call `poll()` regularly (it returns True when anything changed)
    and `snapshot()` for the figures. Not thread-safe: one thread owns a watcher."""

    def __init__(self, run_dir: str | Path, log_lines: int = 200, chunk_bytes: int = CHUNK_BYTES,
                 overview: bool = True, listener: Callable[[dict[str, Any], RunHistory], None] | None = None) -> None:
        """`listener(event, history)` is called for every event in file order, after it is folded
        into `history` (plain-text followers print from it); it turns the overview off."""
        self.run_dir = Path(run_dir)
        self._listener = listener
        self.name = self.run_dir.name
        self._events_path = self.run_dir / runs.EVENTS_FILE
        self._reader = EventReader(self._events_path, chunk_bytes)
        self._log = LogTail(self.run_dir / runs.LOG_FILE, max_lines=log_lines)
        self._overview_allowed = overview and listener is None
        self.history = RunHistory()
        self._exact: RunHistory | None = None   # being built while the overview is shown
        self._status: runs.RunStatus = {}  # the latest status.json, as written (unchecked values)
        self._status_key: tuple[float, int] | None = None
        self._state = "starting"
        self._exists = True
        self._pid_alive = False
        self._last_pid_check = 0.0

    @property
    def catching_up(self) -> bool:
        """True while the events file holds more than one poll reads: poll again at once."""
        return self._reader.backlog > 0 or self._exact is not None

    @property
    def state(self) -> str:
        return self._state

    def poll(self) -> bool:
        changed = False
        exists = self.run_dir.is_dir()
        if exists != self._exists:
            self._exists = exists
            changed = True
        if self._overview_allowed and self._reader.offset == 0 and self._exact is None and self.history.events == 0:
            try:
                size = self._events_path.stat().st_size
            except OSError:
                size = 0
            if size > OVERVIEW_BYTES:
                self.history, _ = overview_history(self._events_path)
                self._exact = RunHistory()
                changed = True
        events = self._reader.read_chunk()
        if self._reader.replaced:  # the file was replaced: start over
            self._reader.replaced = False
            self.history, self._exact = RunHistory(), None
            changed = True
        if self._exact is not None:
            self._exact.ingest_all(events)
            if self._reader.backlog == 0:
                self.history, self._exact = self._exact, None
                changed = True
        elif events:
            if self._listener is None:
                self.history.ingest_all(events)
            else:
                for event in events:
                    self.history.ingest(event)
                    self._listener(event, self.history)
            changed = True
        changed |= self._poll_status()
        changed |= self._log.poll()
        return changed

    def _poll_status(self) -> bool:
        path = self.run_dir / runs.STATUS_FILE
        try:
            stat = path.stat()
            key: tuple[float, int] | None = (stat.st_mtime, stat.st_size)
        except OSError:
            key = None
        status_changed = key != self._status_key
        if status_changed:
            self._status_key = key
            self._status = (runs.read_status(self.run_dir) or {}) if key else {}
        now = time.monotonic()
        # Whether the trainer still lives is asked at most once a second (and on every status
        # change): a crash shows within a second, and polling stays cheap.
        if status_changed or now - self._last_pid_check >= 1.0:
            self._last_pid_check = now
            self._pid_alive = runs.trainer_alive(self._status)
        previous = self._state
        self._state = self._resolve_state()
        return status_changed or previous != self._state

    def _resolve_state(self) -> str:
        if not self._exists:
            return DELETED
        end = self.history.end
        if end is not None and end.get("status") in END_STATUSES:
            return end["status"]  # the end event is written before status.json: it is the first word
        status_state = self._status.get("state")
        if status_state in END_STATUSES:
            return status_state
        if not self._status:
            return "starting"  # no status.json yet: the trainer is still starting up
        if status_state in runs.ACTIVE_STATES and not self._pid_alive and not runs.is_remote(self._status):
            return "crashed"  # a remote job goes on without its follower: never crashed
        return text(status_state) or "starting"

    def snapshot(self, max_points: int | None = None, now: float | None = None) -> Snapshot:
        """The figures now; with `max_points`, also the chart series downsampled to that many points."""
        now = time.time() if now is None else now
        h = self.history
        status = self._status
        state = self._state
        active = state in runs.ACTIVE_STATES
        end = h.end if (h.end and state in END_STATUSES) else None
        error = text((end or {}).get("error")) or (text(status.get("error")) if state in END_STATUSES else None)
        advice = text((end or {}).get("advice")) or (text(status.get("advice")) if state in END_STATUSES else None)
        end_code = text((end or {}).get("code")) or None
        end_params = (end or {}).get("params") if isinstance((end or {}).get("params"), dict) else None
        resumable = runs.last_checkpoint(self.run_dir) is not None if state in ("crashed", "stopped", "failed", "oom") else False
        if state == "crashed":
            advice = crash_advice(self.name, status.get("pid"), resumable, self.run_dir / runs.LOG_FILE)
            from engine.train.end_messages import crash_params
            end_code, end_params = "crashed", crash_params(self.name, status.get("pid"), resumable,
                                                           self.run_dir / runs.LOG_FILE, self.run_dir / runs.CONFIG_FILE)
        last = h.last_step
        start = h.start
        total = h.total_steps if h.total_steps is not None else integer(status.get("total_steps"))
        step = h.step if h.step is not None else integer(status.get("step"))
        warnings = tuple(f"{w.get('level')}: {text(w.get('message'))}" for w in h.warnings)
        return Snapshot(
            run_dir=str(self.run_dir), name=self.name, taken_at=now, state=state, active=active,
            pid=integer(status.get("pid")), error=error, advice=advice, end_code=end_code, end_params=end_params,
            model=text(start.get("model")) or text(status.get("model")),
            method=text(start.get("method")) or text(status.get("method")),
            world_size=integer(start.get("world_size")), total_steps=total, step=step, epoch=h.epoch,
            loss=h.last_loss, loss_nonfinite=h.last_loss_nonfinite, smoothed_loss=h.smoothed_loss,
            eval_loss=h.eval_loss, eval_step=h.eval_step, lr=num(last.get("lr")),
            grad_norm=num(last.get("grad_norm")), tokens_per_s=num(last.get("tokens_per_s")),
            samples_per_s=num(last.get("samples_per_s")), tokens_total=h.tokens_total,
            gpu_mem_alloc_gb=num(last.get("gpu_mem_alloc_gb")),
            gpu_mem_reserved_gb=num(last.get("gpu_mem_reserved_gb")),
            gpu_mem_peak_gb=num(last.get("gpu_mem_peak_gb")),
            trainable_params=integer(start.get("trainable_params")), total_params=integer(start.get("total_params")),
            dataset_rows=integer(start.get("dataset_rows")),
            elapsed_s=h.training_seconds(now, active), eta_s=h.eta_seconds(now, active),
            seconds_per_step=h.seconds_per_step(),
            started_at=num(status.get("started_at")) or h.first_t,
            updated_at=h.last_t or num(status.get("updated_at")),
            step_events=h.step_events, nonfinite=h.nonfinite, first_nonfinite_step=h.first_nonfinite_step,
            checkpoints=h.checkpoints, last_checkpoint_step=integer(h.last_checkpoint.get("step")),
            resumable=resumable, output=text(status.get("output")) if state == "completed" else None,
            unknown_types=dict(h.unknown_types), unreadable=h.unreadable, malformed=h.malformed,
            warnings=warnings, log_lines=tuple(self._log.lines), log_seq=self._log.seq,
            provisional=self._exact is not None,
            series=h.series(max_points) if max_points else None,
            backend=text(status.get("backend")) or "local" if runs.is_remote(status) else "local",
            followed=not (runs.is_remote(status) and active and not self._pid_alive),
            reward_margin=num(last.get("reward_margin")), reward_accuracy=num(last.get("reward_accuracy")),
            tuning=text(start.get("tuning")), reference=text(start.get("reference")),
            latest_log_code=text(h.latest_log.get("code")) or None,
            latest_log_params=h.latest_log.get("params") if isinstance(h.latest_log.get("params"), dict) else None,
            gpu_mem_per_rank_gb=tuple(num(v) for v in last.get("gpu_mem_per_rank_gb"))
            if isinstance(last.get("gpu_mem_per_rank_gb"), list) else (),
            retry_settings=(end or {}).get("retry_settings") if isinstance((end or {}).get("retry_settings"), dict)
            and (end or {}).get("retry_settings") else None,
        )
