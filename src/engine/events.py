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

try:  # orjson parses event lines ~3x faster than json; json stays the fallback for odd input
    import orjson as _orjson
except ImportError:  # pragma: no cover - orjson is a declared dependency
    _orjson = None

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


def parse_event_line(raw: bytes) -> dict[str, Any]:
    """One event line as a dict; a line that is not a JSON object becomes a warning `log` event."""
    try:
        event = _orjson.loads(raw) if _orjson is not None else json.loads(raw)
    except ValueError:
        try:
            event = json.loads(raw)  # orjson rejects NaN/Infinity literals that foreign writers emit
        except ValueError:
            event = None
    if not isinstance(event, dict):
        return {"v": SCHEMA_VERSION, "t": None, "type": "log", "level": "warning",
                "message": f"unreadable event line: {raw[:120]!r}"}
    return event


class EventReader:
    """Reads `events.jsonl` incrementally: the one reader of the stream (the monitor, `watch`,
    `train`'s progress lines and `read_events` all use it).

    Whole lines only: a partial last line is kept back until it is complete, and a line that is not
    JSON comes back as a `log` event saying so rather than stopping the reader. `read_chunk()` reads
    at most `chunk_bytes` (so one poll of a huge file never stalls a UI); `read_new()` reads all
    that is there. When the file is replaced or truncated (a run directory deleted and made again)
    the reader starts over from its beginning and sets `replaced`."""

    def __init__(self, path: str | Path, chunk_bytes: int = 4 << 20) -> None:
        self.path = Path(path)
        self.chunk_bytes = chunk_bytes
        self.offset = 0
        self.size = 0
        self._pending = b""
        self._identity: tuple[int, int] | None = None
        self.replaced = False  # set when the file changed identity; the caller starts over

    @property
    def backlog(self) -> int:
        """Bytes written but not read yet (as of the last read)."""
        return max(0, self.size - self.offset)

    def skip_existing(self) -> None:
        """Start after what the file holds now (to follow only new events)."""
        try:
            stat = self.path.stat()
            self.offset = self.size = stat.st_size
            self._identity = (stat.st_dev, stat.st_ino)
        except OSError:
            self.offset = self.size = 0
        self._pending = b""

    def read_chunk(self) -> list[dict[str, Any]]:
        try:
            with open(self.path, "rb") as handle:
                stat = os.fstat(handle.fileno())
                identity = (stat.st_dev, stat.st_ino)
                if self._identity is not None and (identity != self._identity or stat.st_size < self.offset):
                    self.replaced = True
                    self.offset, self._pending = 0, b""
                self._identity = identity
                self.size = stat.st_size
                if stat.st_size <= self.offset:
                    return []
                handle.seek(self.offset)
                chunk = handle.read(self.chunk_bytes)
        except (FileNotFoundError, NotADirectoryError, PermissionError, IsADirectoryError):
            self.size = 0
            return []
        self.offset += len(chunk)
        lines = (self._pending + chunk).split(b"\n")
        self._pending = lines.pop()  # b"" when the data ended with a newline
        return [parse_event_line(raw) for raw in lines if raw.strip()]

    def read_new(self) -> list[dict[str, Any]]:
        """Every whole line added since the last read."""
        events = self.read_chunk()
        while self.backlog:  # each chunk advances the offset, or finds the file shorter (backlog 0)
            events.extend(self.read_chunk())
        return events


def read_events(path: str | Path) -> list[dict[str, Any]]:
    """All complete events of a file (tolerates a partial last line)."""
    return EventReader(path).read_new()


def iter_events(path: str | Path) -> Iterator[dict[str, Any]]:
    yield from read_events(path)
