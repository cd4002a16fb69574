"""The event stream of a run: the one source of truth for its schema (version 1, DESIGN.md).

The trainer is the only writer of `events.jsonl`; the monitor, `tunewiz runs` and `watch` read it.
Every line is one JSON object with `v`, `t` (unix time) and `type`. Readers tolerate a partial
last line (the writer may be mid-write) and unknown types and fields.
"""
from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Any, Iterator

SCHEMA_VERSION = 1

# type -> fields every event of that type carries (values may be null where noted in DESIGN.md).
EVENT_FIELDS: dict[str, tuple[str, ...]] = {
    "start": ("model", "method", "world_size", "total_steps", "trainable_params", "total_params",
              "dataset_rows", "dataset_tokens"),
    "step": ("step", "epoch", "loss", "lr", "grad_norm", "tokens", "tokens_per_s", "samples_per_s",
             "gpu_mem_alloc_gb", "gpu_mem_reserved_gb", "gpu_mem_peak_gb"),
    "eval": ("step", "eval_loss"),
    "checkpoint": ("step", "path"),
    "log": ("level", "message"),
    "end": ("status", "error", "advice"),
}
END_STATUSES = ("completed", "stopped", "failed", "oom")
LOG_LEVELS = ("debug", "info", "warning", "error")


class EventSchemaError(ValueError):
    pass


def validate_event(event: dict[str, Any]) -> None:
    """Raises EventSchemaError when `event` breaks the version-1 schema (used by tests and the writer)."""
    if not isinstance(event, dict):
        raise EventSchemaError("an event is a JSON object")
    if event.get("v") != SCHEMA_VERSION:
        raise EventSchemaError(f"v must be {SCHEMA_VERSION}")
    if not isinstance(event.get("t"), (int, float)):
        raise EventSchemaError("t must be a unix time")
    kind = event.get("type")
    if kind not in EVENT_FIELDS:
        raise EventSchemaError(f"unknown type {kind!r}")
    missing = [f for f in EVENT_FIELDS[kind] if f not in event]
    if missing:
        raise EventSchemaError(f"{kind} event lacks {', '.join(missing)}")
    if kind == "end" and event["status"] not in END_STATUSES:
        raise EventSchemaError(f"end status must be one of {', '.join(END_STATUSES)}")
    if kind == "log" and event["level"] not in LOG_LEVELS:
        raise EventSchemaError(f"log level must be one of {', '.join(LOG_LEVELS)}")


def _clean(value: Any) -> Any:
    # JSON has no NaN/Infinity; a diverged loss is written as null plus a flag so readers never choke.
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def make_event(kind: str, **fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {"v": SCHEMA_VERSION, "t": time.time(), "type": kind}
    for name in EVENT_FIELDS[kind]:
        event[name] = None
    for name, value in fields.items():
        cleaned = _clean(value)
        if cleaned is None and value is not None:
            event[f"{name}_nonfinite"] = str(value)
        event[name] = cleaned
    validate_event(event)
    return event


class EventWriter:
    """Appends events to `events.jsonl`, one whole line per write, flushed at once."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        # O_APPEND makes each single write land at the end even if a reader has the file open.
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def write(self, kind: str, **fields: Any) -> dict[str, Any]:
        event = make_event(kind, **fields)
        os.write(self._fd, (json.dumps(event, ensure_ascii=False) + "\n").encode("utf-8"))
        return event

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class EventReader:
    """Reads `events.jsonl` incrementally: each `read_new()` returns the whole lines added since the
    last call. A partial last line is kept back until it is complete; a line that is not JSON is
    returned as a `log` event saying so rather than stopping the reader."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._offset = 0
        self._pending = b""

    def skip_existing(self) -> None:
        """Start after what the file holds now (to follow only new events)."""
        try:
            self._offset = self.path.stat().st_size
        except FileNotFoundError:
            self._offset = 0
        self._pending = b""

    def read_new(self) -> list[dict[str, Any]]:
        try:
            with open(self.path, "rb") as handle:
                handle.seek(self._offset)
                chunk = handle.read()
        except FileNotFoundError:
            return []
        self._offset += len(chunk)
        data = self._pending + chunk
        lines = data.split(b"\n")
        self._pending = lines.pop()  # b"" when the data ended with a newline
        events = []
        for raw in lines:
            if not raw.strip():
                continue
            try:
                event = json.loads(raw)
            except ValueError:
                event = {"v": SCHEMA_VERSION, "t": None, "type": "log", "level": "warning",
                         "message": f"unreadable event line: {raw[:120]!r}"}
            if isinstance(event, dict):
                events.append(event)
        return events


def read_events(path: str | Path) -> list[dict[str, Any]]:
    """All complete events of a file (tolerates a partial last line)."""
    return EventReader(path).read_new()


def iter_events(path: str | Path) -> Iterator[dict[str, Any]]:
    yield from read_events(path)
