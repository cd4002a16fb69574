"""What the pieces of one training process share: the run directory, its event writer and status,
and the stop request.

A module of its own so that the trainer (trainer.py) and the entry point (`python -m
engine.train.run`, run.py) both import it, and neither imports the other's `__main__` module.
"""
from __future__ import annotations

import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import runs
from engine.events import EventWriter
from engine.train.config import RunConfig

if TYPE_CHECKING:
    from typing_extensions import Unpack


class StopFlag:
    """Set by SIGTERM/SIGINT; the trainer callback checkpoints and stops at the next step end."""

    def __init__(self) -> None:
        self.requested = False
        self.signal_name: str | None = None

    def install(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._handle)
        # The trainer must survive its terminal closing (it runs in its own session anyway).
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    def _handle(self, signum: int, frame: Any) -> None:
        self.requested = True
        self.signal_name = signal.Signals(signum).name


class RunContext:
    """What the trainer pieces share: the run directory, the event writer, the status."""

    def __init__(self, run_dir: Path, config: RunConfig) -> None:
        self.run_dir = run_dir
        self.config = config
        self.events = EventWriter(run_dir / runs.EVENTS_FILE)
        self.stop = StopFlag()

    def status(self, **fields: Unpack[runs.RunStatus]) -> None:
        """Merges `fields` into status.json (runs.RunStatus names them)."""
        runs.write_status(self.run_dir, **fields)

    def log(self, message: str, level: str = "info") -> None:
        print(f"[{level}] {message}", flush=True)
        self.events.write("log", level=level, message=message)
