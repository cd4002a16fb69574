"""What the pieces of one training process share: the run directory, its event writer and status,
and the stop request.

A module of its own so that the trainer (trainer.py) and the entry point (`python -m
engine.train.run`, run.py) both import it, and neither imports the other's `__main__` module.

With more than one process (engine/train/distributed.py) every rank has a RunContext, but only
rank 0 writes events and status: the others print their log lines to train.log, prefixed with
their rank, and their `events` write nothing.
"""
from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import runs
from engine.events import EventWriter, make_event
from engine.train.config import RunConfig

if TYPE_CHECKING:
    from typing_extensions import Unpack


def process_rank() -> int:
    """This process's global rank as the launcher (torchrun) set it; 0 for a single process."""
    try:
        return int(os.environ.get("RANK", "0"))
    except ValueError:
        return 0


def process_world_size() -> int:
    try:
        return max(1, int(os.environ.get("WORLD_SIZE", "1")))
    except ValueError:
        return 1


class StopFlag:
    """Set by SIGTERM/SIGINT; the trainer callback checkpoints and stops at the next step end.

    With more than one process the ranks must stop at the same step (or one waits forever in the
    next all-reduce): a signal then only marks the stop `pending`, and distributed.RankSyncCallback
    turns it into `requested` on every rank at once, at a step end (`agree`)."""

    def __init__(self, world_size: int = 1) -> None:
        self.world_size = world_size
        self.requested = False
        self.pending = False
        self.synced = False  # set by RankSyncCallback; without it a signal stops this rank on its own
        self.signal_name: str | None = None

    def install(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._handle)
        # The trainer must survive its terminal closing (it runs in its own session anyway).
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    def _handle(self, signum: int, frame: Any) -> None:
        self.signal_name = signal.Signals(signum).name
        if self.world_size > 1 and self.synced:
            self.pending = True
        else:
            self.requested = True

    def agree(self, anyone_asked: bool) -> None:
        """Every rank calls this with the all-reduced `pending` (distributed.RankSyncCallback)."""
        if anyone_asked:
            self.requested = True
            self.signal_name = self.signal_name or "SIGTERM"


class _NoEvents:
    """The event writer of ranks other than 0: events are still checked against the schema, never written."""

    def write(self, kind: str, **fields: Any) -> dict[str, Any]:
        return make_event(kind, **fields)

    def close(self) -> None:
        pass


class RunContext:
    """What the trainer pieces share: the run directory, the event writer, the status."""

    def __init__(self, run_dir: Path, config: RunConfig) -> None:
        self.run_dir = run_dir
        self.config = config
        self.rank = process_rank()
        self.world_size = process_world_size()
        self.is_writer = self.rank == 0  # the one process that writes events.jsonl and status.json
        self.events: EventWriter | _NoEvents = (EventWriter(run_dir / runs.EVENTS_FILE) if self.is_writer
                                                else _NoEvents())
        self.stop = StopFlag(self.world_size)
        # Filled by distributed.RankSyncCallback at each step log: figures from every rank.
        self.rank_figures: dict[str, Any] = {}

    def status(self, **fields: Unpack[runs.RunStatus]) -> None:
        """Merges `fields` into status.json (runs.RunStatus names them); rank 0 only."""
        if self.is_writer:
            runs.write_status(self.run_dir, **fields)

    def log(self, message: str, level: str = "info", *, code: str | None = None,
            params: dict[str, Any] | None = None) -> None:
        """A line in train.log and a `log` event; `code`/`params` let screens word it in their language."""
        prefix = f"[rank {self.rank}] " if self.world_size > 1 else ""
        print(f"[{level}] {prefix}{code + ': ' if code else ''}{message}", flush=True)
        coded: dict[str, Any] = {"code": code, "params": params or {}} if code else {}
        self.events.write("log", level=level, message=message, **coded)

    def notice(self, code: str, level: str = "warning", **params: Any) -> None:
        """`log` of a registered notice (`log.<code>`, engine.train.end_messages): its English from the
        registry, its code and raw params in the event, so `tunewiz watch` says it in the user's language."""
        from engine.train.end_messages import notice_text
        self.log(notice_text(code, **params), level, code=code, params=params)

    # -- what the trainer asks when more than one process trains (distributed.py) ----------------
    def training_arguments(self) -> dict[str, Any]:
        """Extra TrainingArguments for this run: the collective timeout, FSDP or DeepSpeed settings,
        per-node checkpoints. Empty for one process."""
        if self.world_size <= 1:
            return {}
        from engine.train.distributed import training_arguments
        return training_arguments(self.config, self.run_dir)

    def rank_callbacks(self, counter: Any) -> list[Any]:
        """TrainerCallbacks to add before the event callback: the ranks agree on stopping and sum their
        token counts into `counter`. None for one process."""
        if self.world_size <= 1:
            return []
        from engine.train.distributed import RankSyncCallback
        return [RankSyncCallback(self, counter)]

    def rank_step_fields(self) -> dict[str, Any]:
        """Step-event fields only a multi-process run has (`gpu_mem_per_rank_gb`)."""
        return {k: v for k, v in self.rank_figures.items() if k == "gpu_mem_per_rank_gb"}
