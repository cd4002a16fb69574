"""Following a run from its directory alone: history, live figures, the log tail, GPU samples.

Everything the monitor screen and `tunewiz watch` show comes from here, so both show the same
figures. It reads files (events.jsonl, status.json, train.log) and asks NVML; it never imports
torch or textual, so a watcher can attach to a run on a GPU box without touching the GPU or
slowing the trainer.

Design points:
- Series of any length are kept as a bounded number of buckets (`Envelope`): appending is O(1),
  drawing costs O(buckets), whatever the number of steps. A 100,000-step run draws as fast as a
  100-step one.
- The events file is read incrementally and in bounded chunks. On attaching to a long run, an
  overview (every k-th step line plus every other event) is built first, so the whole history is
  on screen at once; the exact history replaces it as soon as the file has been read through.
- Bad input is data, not an exception: a partial last line waits, unknown event types and fields
  are counted and skipped, non-finite losses are counted and marked, a deleted run directory is a
  state of its own.
"""
from __future__ import annotations

import math
import os
import re
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from engine import runs
from engine.events import END_STATUSES, EventReader, parse_event_line


SMOOTHING = 0.9            # weight of the debiased exponential moving average (TensorBoard's scheme)
ETA_WINDOW = 50            # step events used for the recent step rate
CHUNK_BYTES = 4 << 20      # one poll reads at most this much of events.jsonl
OVERVIEW_BYTES = 2 << 20   # a backlog larger than this is first drawn from an overview
OVERVIEW_STEPS = 3000      # step lines the overview keeps (about 8 per column of a 200-column chart)
LOG_TAIL_BYTES = 64 << 10  # how much of train.log is read on attach
DELETED = "deleted"        # display state of a run whose directory disappeared while watched
ACTIVE_STATES = runs.ACTIVE_STATES
_STEP_MARK = b'"type": "step"'  # how EventWriter (json.dumps) spells a step line


def num(value: Any) -> float | None:
    """A finite float, or None for anything else (null, NaN, inf, strings, booleans, huge ints)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        out = float(value)
    except OverflowError:
        return None
    return out if math.isfinite(out) else None


def integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


# -- series ---------------------------------------------------------------------------------------
class Envelope:
    """A series of any length kept as at most `capacity` buckets of consecutive points.

    Each bucket remembers its first/last x, its minimum and maximum (with their x), its sum and
    count and its last y. When the buckets run out, neighbours are merged pairwise and a bucket
    holds twice as many points. `points()` merges buckets once more down to what a chart can show:
    the min/max envelope keeps spikes visible however far the series is downsampled.
    """

    __slots__ = ("capacity", "span", "count", "_x0", "_x1", "_lo", "_lox", "_hi", "_hix", "_sum", "_n", "_last")

    def __init__(self, capacity: int = 1024) -> None:
        self.capacity = max(4, capacity)
        self.span = 1  # points per full bucket
        self.count = 0
        self._x0: list[float] = []
        self._x1: list[float] = []
        self._lo: list[float] = []
        self._lox: list[float] = []
        self._hi: list[float] = []
        self._hix: list[float] = []
        self._sum: list[float] = []
        self._n: list[int] = []
        self._last: list[float] = []

    def __len__(self) -> int:
        return self.count

    def append(self, x: float, y: float) -> None:
        self.count += 1
        if self._n and self._n[-1] < self.span:
            if y < self._lo[-1]:
                self._lo[-1], self._lox[-1] = y, x
            if y > self._hi[-1]:
                self._hi[-1], self._hix[-1] = y, x
            self._x1[-1] = x
            self._sum[-1] += y
            self._n[-1] += 1
            self._last[-1] = y
            return
        for column, value in ((self._x0, x), (self._x1, x), (self._lo, y), (self._lox, x), (self._hi, y),
                              (self._hix, x), (self._sum, y), (self._n, 1), (self._last, y)):
            column.append(value)
        if len(self._n) > self.capacity:
            self._halve()

    def _halve(self) -> None:
        size = len(self._n)
        x0, x1, lo, lox, hi, hix, sm, n, last = ([] for _ in range(9))
        for i in range(0, size, 2):
            j = i + 1 if i + 1 < size else i
            x0.append(self._x0[i])
            x1.append(self._x1[j])
            if j != i and self._lo[j] < self._lo[i]:
                lo.append(self._lo[j]); lox.append(self._lox[j])
            else:
                lo.append(self._lo[i]); lox.append(self._lox[i])
            if j != i and self._hi[j] > self._hi[i]:
                hi.append(self._hi[j]); hix.append(self._hix[j])
            else:
                hi.append(self._hi[i]); hix.append(self._hix[i])
            sm.append(self._sum[i] + (self._sum[j] if j != i else 0.0))
            n.append(self._n[i] + (self._n[j] if j != i else 0))
            last.append(self._last[j])
        self._x0, self._x1, self._lo, self._lox, self._hi, self._hix = x0, x1, lo, lox, hi, hix
        self._sum, self._n, self._last = sm, n, last
        self.span *= 2

    def last(self) -> float | None:
        return self._last[-1] if self._last else None

    def last_x(self) -> float | None:
        return self._x1[-1] if self._x1 else None

    def truncate_after(self, x: float) -> None:
        """Drops the buckets that start after `x` (a resumed run repeats the steps after its checkpoint).

        A bucket that straddles `x` is kept whole: the chart is at most one bucket off there."""
        while self._x0 and self._x0[-1] > x:
            self.count -= self._n[-1]
            for column in (self._x0, self._x1, self._lo, self._lox, self._hi, self._hix, self._sum, self._n,
                           self._last):
                column.pop()

    def points(self, max_points: int, mode: str = "envelope") -> tuple[list[float], list[float]]:
        """At most `max_points` (x, y) points for drawing.

        mode `envelope`: each group's minimum and maximum, in x order (spikes stay visible);
        `mean`: each group's mean at its last x; `last`: each group's last value."""
        buckets = len(self._n)
        if not buckets:
            return [], []
        per_group = 2 if mode == "envelope" else 1
        # envelope: one point is kept back for the latest value, so the line reaches the end
        groups = max(1, (max_points - (mode == "envelope")) // per_group)
        step = max(1, math.ceil(buckets / groups))
        xs: list[float] = []
        ys: list[float] = []
        if step == 1 and mode != "envelope":
            if mode == "last":
                return list(self._x1), list(self._last)
            return list(self._x1), [s / n for s, n in zip(self._sum, self._n)]
        for start in range(0, buckets, step):
            stop = min(start + step, buckets)
            if mode == "envelope":
                if step == 1 and self._n[start] == 1:
                    xs.append(self._x0[start]); ys.append(self._last[start])
                    continue
                lo_i = min(range(start, stop), key=self._lo.__getitem__)
                hi_i = max(range(start, stop), key=self._hi.__getitem__)
                a = (self._lox[lo_i], self._lo[lo_i])
                b = (self._hix[hi_i], self._hi[hi_i])
                first, second = (a, b) if a[0] <= b[0] else (b, a)
                xs.append(first[0]); ys.append(first[1])
                if second != first:
                    xs.append(second[0]); ys.append(second[1])
            elif mode == "last":
                xs.append(self._x1[stop - 1]); ys.append(self._last[stop - 1])
            else:
                xs.append(self._x1[stop - 1])
                ys.append(sum(self._sum[start:stop]) / sum(self._n[start:stop]))
        if mode == "envelope" and xs[-1] != self._x1[-1]:
            xs.append(self._x1[-1]); ys.append(self._last[-1])
        return xs, ys


class Smoother:
    """Debiased exponential moving average: the first points are not dragged towards zero."""

    __slots__ = ("weight", "_value", "_count")

    def __init__(self, weight: float = SMOOTHING) -> None:
        self.weight = weight
        self._value = 0.0
        self._count = 0

    def add(self, y: float) -> float:
        self._count += 1
        self._value = self.weight * self._value + (1 - self.weight) * y
        return self._value / (1 - self.weight ** self._count)


# -- history --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ChartSeries:
    """What the charts draw, already downsampled to the chart's width."""

    loss: tuple[list[float], list[float]]
    loss_smooth: tuple[list[float], list[float]]
    eval: tuple[list[float], list[float]]
    eval_smooth: tuple[list[float], list[float]]
    lr: tuple[list[float], list[float]]
    tokens_per_s: tuple[list[float], list[float]]
    nonfinite_steps: list[float]
    points: int


class RunHistory:
    """Everything the events of one run say, folded incrementally (one `ingest` per event)."""

    def __init__(self, capacity: int = 1024) -> None:
        self.loss = Envelope(capacity)
        self.loss_smooth = Envelope(capacity)
        self.eval = Envelope(capacity)
        self.eval_smooth = Envelope(capacity)
        self.lr = Envelope(capacity)
        self.tokens_per_s = Envelope(capacity)
        self._loss_smoother = Smoother()
        self._eval_smoother = Smoother()
        self.events = 0
        self.step_events = 0
        self.start: dict[str, Any] = {}           # the latest start event
        self.starts = 0
        self.resumed_from: int | None = None
        self.last_step: dict[str, Any] = {}       # the latest step event
        self.step: int | None = None
        self.epoch: float | None = None
        self.last_loss: float | None = None
        self.last_loss_nonfinite: str | None = None  # e.g. "nan" when the latest loss was not finite
        self.smoothed_loss: float | None = None
        self.eval_loss: float | None = None
        self.eval_step: int | None = None
        self.tokens_total = 0
        self.nonfinite = 0
        self.first_nonfinite_step: int | None = None
        self.nonfinite_steps: deque[int] = deque(maxlen=64)  # marks on the chart (the latest ones)
        self.checkpoints = 0
        self.last_checkpoint: dict[str, Any] = {}
        self.end: dict[str, Any] | None = None     # the end event, if it came after the latest start
        self.unknown_types: dict[str, int] = {}
        self.malformed = 0                         # known types whose fields make no sense (e.g. no step)
        self.unreadable = 0                        # lines that are not JSON objects
        self.warnings: deque[dict[str, Any]] = deque(maxlen=20)  # log events of level warning/error
        self.first_t: float | None = None
        self.last_t: float | None = None
        # Training time: the sum of the segments between each start and the last event after it,
        # so a run stopped overnight and resumed does not count the night.
        self._closed_seconds = 0.0
        self._segment_start: float | None = None
        self._segment_last: float | None = None
        self._rate: deque[tuple[float, int]] = deque(maxlen=ETA_WINDOW)

    # ingest ------------------------------------------------------------------------------------
    def ingest_all(self, events: Iterable[dict[str, Any]]) -> None:
        for event in events:
            self.ingest(event)

    def ingest(self, event: Any) -> None:
        if not isinstance(event, dict):
            self.unreadable += 1
            return
        self.events += 1
        t = num(event.get("t"))
        kind = event.get("type")
        if t is not None:
            if self.first_t is None:
                self.first_t = t
            self.last_t = t if self.last_t is None else max(self.last_t, t)
            if kind != "start" and self._segment_start is not None:
                self._segment_last = t
        handler = _HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is None:
            name = kind if isinstance(kind, str) else repr(kind)
            self.unknown_types[name[:40]] = self.unknown_types.get(name[:40], 0) + 1
            return
        handler(self, event, t)

    def _on_start(self, event: dict[str, Any], t: float | None) -> None:
        self._close_segment()
        self._segment_start = self._segment_last = t
        self.start = event
        self.starts += 1
        self.end = None  # a start after an end: the run was resumed
        self._rate.clear()
        resumed = integer(event.get("resumed_from_step"))
        self.resumed_from = resumed
        if resumed is not None:
            # Steps after the checkpoint are trained again; the chart shows the new ones.
            for series in (self.loss, self.loss_smooth, self.lr, self.tokens_per_s):
                series.truncate_after(resumed)

    def _on_step(self, event: dict[str, Any], t: float | None) -> None:
        step = integer(event.get("step"))
        if step is None:
            self.malformed += 1
            return
        self.step_events += 1
        self.last_step = event
        self.step = step
        epoch = num(event.get("epoch"))
        if epoch is not None:
            self.epoch = epoch
        loss = num(event.get("loss"))
        raw = event.get("loss")
        if loss is not None:
            self.last_loss = loss
            self.last_loss_nonfinite = None
            self.loss.append(step, loss)
            self.smoothed_loss = self._loss_smoother.add(loss)
            self.loss_smooth.append(step, self.smoothed_loss)
        elif event.get("loss_nonfinite") is not None or isinstance(raw, float):
            # The writer turns NaN/inf into null plus `loss_nonfinite`; a foreign writer may send NaN.
            self.nonfinite += 1
            self.last_loss = None
            self.last_loss_nonfinite = text(event.get("loss_nonfinite")) or str(raw)
            if self.first_nonfinite_step is None:
                self.first_nonfinite_step = step
            self.nonfinite_steps.append(step)
        lr = num(event.get("lr"))
        if lr is not None:
            self.lr.append(step, lr)
        tps = num(event.get("tokens_per_s"))
        if tps is not None:
            self.tokens_per_s.append(step, tps)
        tokens = integer(event.get("tokens"))
        if tokens is not None and tokens > 0:
            self.tokens_total += tokens
        if t is not None:
            self._rate.append((t, step))

    def _on_eval(self, event: dict[str, Any], t: float | None) -> None:
        step = integer(event.get("step"))
        loss = num(event.get("eval_loss"))
        if step is None:
            self.malformed += 1
            return
        if loss is None:
            return  # an eval without a usable loss (e.g. non-finite) has nothing to draw
        self.eval_loss, self.eval_step = loss, step
        self.eval.append(step, loss)
        self.eval_smooth.append(step, self._eval_smoother.add(loss))

    def _on_checkpoint(self, event: dict[str, Any], t: float | None) -> None:
        self.checkpoints += 1
        self.last_checkpoint = event

    def _on_log(self, event: dict[str, Any], t: float | None) -> None:
        message = text(event.get("message")) or ""
        if event.get("t") is None and message.startswith("unreadable event line"):
            self.unreadable += 1  # the reader's stand-in for a line that is not JSON
        if event.get("level") in ("warning", "error"):
            self.warnings.append(event)

    def _on_end(self, event: dict[str, Any], t: float | None) -> None:
        self.end = event
        self._close_segment()

    def _close_segment(self) -> None:
        if self._segment_start is not None and self._segment_last is not None:
            self._closed_seconds += max(0.0, self._segment_last - self._segment_start)
        self._segment_start = self._segment_last = None

    # figures -----------------------------------------------------------------------------------
    def training_seconds(self, now: float | None, active: bool) -> float | None:
        """Time spent training over every segment; the open one counts until `now` while active."""
        if self.first_t is None:
            return None
        total = self._closed_seconds
        if self._segment_start is not None:
            until = now if active and now is not None else self._segment_last
            total += max(0.0, (until or self._segment_start) - self._segment_start)
        return total

    def seconds_per_step(self) -> float | None:
        if len(self._rate) < 2:
            return None
        (t0, s0), (t1, s1) = self._rate[0], self._rate[-1]
        if s1 <= s0 or t1 <= t0:
            return None
        return (t1 - t0) / (s1 - s0)

    @property
    def total_steps(self) -> int | None:
        return integer(self.start.get("total_steps"))

    def eta_seconds(self, now: float | None, active: bool) -> float | None:
        total, rate = self.total_steps, self.seconds_per_step()
        if not active or total is None or self.step is None or rate is None:
            return None
        remaining = max(0, total - self.step) * rate
        if now is not None and self._rate:
            remaining -= max(0.0, now - self._rate[-1][0])  # counts down between events
        return max(0.0, remaining)

    def series(self, max_points: int) -> ChartSeries:
        max_points = max(8, max_points)
        return ChartSeries(
            loss=self.loss.points(max_points, "envelope"),
            loss_smooth=self.loss_smooth.points(max_points, "mean"),
            eval=self.eval.points(max_points, "envelope"),
            eval_smooth=self.eval_smooth.points(max_points, "mean"),
            lr=self.lr.points(max_points, "last"),
            tokens_per_s=self.tokens_per_s.points(max_points, "mean"),
            nonfinite_steps=[float(s) for s in self.nonfinite_steps],
            points=max_points,
        )


_HANDLERS: dict[str, Callable[[RunHistory, dict[str, Any], float | None], None]] = {
    "start": RunHistory._on_start, "step": RunHistory._on_step, "eval": RunHistory._on_eval,
    "checkpoint": RunHistory._on_checkpoint, "log": RunHistory._on_log, "end": RunHistory._on_end,
}


# -- reading the files ----------------------------------------------------------------------------
# Where a line that is not a step says its type (EventWriter's spelling; the exact pass reads
# every line whatever its spelling, the overview only needs to be quick).
_OTHER_TYPES = re.compile(rb'"type": "(?!step")')


def overview_history(path: Path, steps_wanted: int = OVERVIEW_STEPS) -> tuple[RunHistory, int]:
    """A history of the whole file from ~`steps_wanted` step lines at evenly spaced byte offsets plus
    every other line (start, eval, checkpoint, log, end: parsed exactly), and the byte offset it
    covers. The scans for lines run in C (`re`, `bytes.find`); only the chosen lines are decoded."""
    history = RunHistory()
    try:
        data = path.read_bytes()
    except OSError:
        return history, 0
    end = data.rfind(b"\n") + 1  # a partial last line is left for the exact pass
    if end == 0:
        return history, 0
    chosen: dict[int, bytes] = {}
    for match in _OTHER_TYPES.finditer(data, 0, end):
        start = data.rfind(b"\n", 0, match.start()) + 1
        chosen[start] = data[start:data.find(b"\n", match.end(), end)]
    for k in range(steps_wanted + 1):
        at = min(end - 1, k * end // steps_wanted)
        start = data.rfind(b"\n", 0, at) + 1
        if start in chosen:
            continue
        stop = data.find(b"\n", start, end)
        line = data[start:stop]
        if _STEP_MARK in line:
            chosen[start] = line
    last = data.rfind(_STEP_MARK, 0, end)
    if last >= 0:  # the latest step is exact: the figures on screen are the real ones
        start = data.rfind(b"\n", 0, last) + 1
        chosen[start] = data[start:data.find(b"\n", start, end)]
    for offset in sorted(chosen):
        history.ingest(parse_event_line(chosen[offset]))
    return history, end


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


# -- GPUs -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GpuSample:
    index: int                      # CUDA index (after CUDA_VISIBLE_DEVICES)
    name: str
    mem_used_gb: float | None
    mem_total_gb: float | None
    util_pct: float | None
    temp_c: float | None
    power_w: float | None
    power_limit_w: float | None
    process_mem_gb: dict[int, float] = field(default_factory=dict)  # pid -> GiB on this GPU

    @property
    def mem_fraction(self) -> float | None:
        if self.mem_used_gb is None or not self.mem_total_gb:
            return None
        return self.mem_used_gb / self.mem_total_gb

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "name": self.name, "mem_used_gb": self.mem_used_gb,
                "mem_total_gb": self.mem_total_gb, "util_pct": self.util_pct, "temp_c": self.temp_c,
                "power_w": self.power_w, "power_limit_w": self.power_limit_w,
                "process_mem_gb": {str(k): v for k, v in self.process_mem_gb.items()}}


class GpuSampler:
    """Samples memory, utilisation, temperature and power of each visible GPU through NVML.

    NVML is asked, not torch: no CUDA context, no GPU memory taken from the trainer. With no NVML
    or no GPU, `sample()` returns no GPUs and `note` says why; a GPU that fails one reading shows
    None for it. `nvml` is injectable (tests use a fake)."""

    def __init__(self, nvml: Any = None, env: Mapping[str, str] | None = None) -> None:
        self._nvml = nvml
        self._env = env
        self._devices: list[tuple[int, str, Any]] | None = None  # (cuda index, name, handle)
        self._initialised = False
        self.note: str | None = None

    def _open(self) -> None:
        from engine.hardware import _load_pynvml, detect_gpus
        lib = self._nvml if self._nvml is not None else _load_pynvml()
        gpus, note = detect_gpus(lib, self._env)
        self._devices = []
        self.note = note
        if not gpus or lib is None:
            return
        try:
            lib.nvmlInit()
            self._initialised = True
            self._nvml = lib
            self._devices = [(g.index, g.name, lib.nvmlDeviceGetHandleByIndex(g.nvml_index)) for g in gpus]
        except Exception as exc:  # NVML went away between detection and now
            self.note = f"NVML failed: {exc}"
            self._devices = []

    def sample(self) -> list[GpuSample]:
        if self._devices is None:
            self._open()
        lib = self._nvml
        out = []
        for index, name, handle in self._devices or []:
            used = total = util = temp = power = limit = None
            procs: dict[int, float] = {}
            try:
                mem = lib.nvmlDeviceGetMemoryInfo(handle)
                used, total = mem.used / 2**30, mem.total / 2**30
            except Exception:
                pass
            try:
                util = float(lib.nvmlDeviceGetUtilizationRates(handle).gpu)
            except Exception:
                pass
            try:
                temp = float(lib.nvmlDeviceGetTemperature(handle, 0))  # 0: NVML_TEMPERATURE_GPU
            except Exception:
                pass
            try:
                power = lib.nvmlDeviceGetPowerUsage(handle) / 1000.0  # milliwatts
            except Exception:
                pass
            try:
                limit = lib.nvmlDeviceGetEnforcedPowerLimit(handle) / 1000.0
            except Exception:
                pass
            try:
                for proc in lib.nvmlDeviceGetComputeRunningProcesses(handle):
                    memory = getattr(proc, "usedGpuMemory", None)
                    if isinstance(memory, int):
                        procs[int(proc.pid)] = memory / 2**30
            except Exception:
                pass
            out.append(GpuSample(index, name, used, total, util, temp, power, limit, procs))
        return out

    def close(self) -> None:
        if self._initialised:
            try:
                self._nvml.nvmlShutdown()
            except Exception:
                pass
            self._initialised = False
        self._devices = None


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
    """English advice for a trainer that vanished without an end event (the TUI has its own text)."""
    what = f"The trainer (pid {pid}) ended without writing an end event" if pid else \
        "The trainer ended without writing an end event"
    where = f"; it was killed (e.g. by the kernel's OOM killer, a reboot or kill -9). See the end of {log_file}."
    then = (f" Continue from the last checkpoint with `tunewiz resume {name}`." if resumable else
            f" There is no checkpoint to resume from; start it again with `tunewiz train {log_file.parent / runs.CONFIG_FILE}`.")
    return what + where + then


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
        self._status: dict[str, Any] = {}
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
        if status_state in ACTIVE_STATES and not self._pid_alive:
            return "crashed"
        return text(status_state) or "starting"

    def snapshot(self, max_points: int | None = None, now: float | None = None) -> Snapshot:
        """The figures now; with `max_points`, also the chart series downsampled to that many points."""
        now = time.time() if now is None else now
        h = self.history
        status = self._status
        state = self._state
        active = state in ACTIVE_STATES
        end = h.end if (h.end and state in END_STATUSES) else None
        error = text((end or {}).get("error")) or (text(status.get("error")) if state in END_STATUSES else None)
        advice = text((end or {}).get("advice")) or (text(status.get("advice")) if state in END_STATUSES else None)
        resumable = runs.last_checkpoint(self.run_dir) is not None if state in ("crashed", "stopped", "failed", "oom") else False
        if state == "crashed":
            advice = crash_advice(self.name, status.get("pid"), resumable, self.run_dir / runs.LOG_FILE)
        last = h.last_step
        start = h.start
        total = h.total_steps if h.total_steps is not None else integer(status.get("total_steps"))
        step = h.step if h.step is not None else integer(status.get("step"))
        warnings = tuple(f"{w.get('level')}: {text(w.get('message'))}" for w in h.warnings)
        return Snapshot(
            run_dir=str(self.run_dir), name=self.name, taken_at=now, state=state, active=active,
            pid=integer(status.get("pid")), error=error, advice=advice,
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
        )


# -- plain-text formatting shared by `tunewiz watch` and tests ------------------------------------
def format_duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(max(0, seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours >= 24:
        return f"{hours // 24}d{hours % 24:02d}h"
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_loss(value: float | None, nonfinite: str | None = None) -> str:
    if value is None:
        return nonfinite or "-"
    return f"{value:.4f}" if abs(value) < 1000 else f"{value:.3g}"


def format_rate(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def sparkline(values: list[float], width: int, floor: float | None = None) -> str:
    """A one-line chart of `values` squeezed into `width` characters (for plain terminals).

    With `floor` the scale starts there (rates read best from zero) instead of at the minimum."""
    blocks = "▁▂▃▄▅▆▇█"
    if not values or width <= 0:
        return ""
    if len(values) > width:
        per = len(values) / width
        buckets = [values[int(i * per):max(int(i * per) + 1, int((i + 1) * per))] for i in range(width)]
        values = [sum(bucket) / len(bucket) for bucket in buckets]
    lo, hi = min(values), max(values)
    if floor is not None:
        lo = min(lo, floor)
    if hi - lo < 1e-12:
        return blocks[3] * len(values)
    return "".join(blocks[min(7, int((v - lo) / (hi - lo) * 7.999))] for v in values)
