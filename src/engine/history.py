"""A run's history folded from its events: bounded series for the charts, the latest figures,
training time and ETA, and the quick overview of a long events file.

Pure computation over event dicts (engine.events' schema) and bytes: no torch, no textual, no
NVML. engine.monitoring's RunWatcher feeds it from the run directory; `tunewiz train` and `watch
--plain` fold events into a RunHistory to print their lines.

Design points:
- Series of any length are kept as a bounded number of buckets (`Envelope`): appending is O(1),
  drawing costs O(buckets), whatever the number of steps. A 100,000-step run draws as fast as a
  100-step one.
- On attaching to a long run, an overview (every k-th step line plus every other event) is built
  first (`overview_history`), so the whole history is on screen at once; the exact history
  replaces it as soon as the file has been read through.
- Bad input is data, not an exception: unknown event types and fields are counted and skipped,
  non-finite losses are counted and marked, values of the wrong type read as missing.
"""
from __future__ import annotations

import math
import re
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from engine.events import parse_event_line

SMOOTHING = 0.9            # weight of the debiased exponential moving average (TensorBoard's scheme)
ETA_WINDOW = 50            # step events used for the recent step rate
OVERVIEW_STEPS = 3000      # step lines the overview keeps (about 8 per column of a 200-column chart)


# -- values read from events and status.json: a wrong type reads as missing -------------------------
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
    """An int (a float with an integral value counts), or None for anything else (booleans too)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def text(value: Any) -> str | None:
    """None stays None; anything else as a string."""
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
    # method dpo (step events' reward_margin / reward_accuracy); empty for other runs
    reward_margin: tuple[list[float], list[float]] = ([], [])
    reward_accuracy: tuple[list[float], list[float]] = ([], [])


class RunHistory:
    """Everything the events of one run say, folded incrementally (one `ingest` per event)."""

    def __init__(self, capacity: int = 1024) -> None:
        self.loss = Envelope(capacity)
        self.loss_smooth = Envelope(capacity)
        self.eval = Envelope(capacity)
        self.eval_smooth = Envelope(capacity)
        self.lr = Envelope(capacity)
        self.tokens_per_s = Envelope(capacity)
        self.reward_margin = Envelope(capacity)    # DPO: chosen minus rejected reward, per step event
        self.reward_accuracy = Envelope(capacity)  # DPO: share of pairs ranked right, per step event
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
        self.latest_log: dict[str, Any] = {}                # the latest log event (what the trainer is doing)
        self.first_t: float | None = None
        self.last_t: float | None = None
        # Training time: the sum of the segments between each start and the last event after it,
        # so a run stopped overnight and resumed does not count the night.
        self._closed_seconds = 0.0
        self._segment_start: float | None = None
        self._segment_last: float | None = None
        self._rate: deque[tuple[float, int]] = deque(maxlen=ETA_WINDOW)
        self._rate_origin: tuple[float, int] | None = None  # (start time, step): the rate after one step

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
        self._rate_origin = (t, resumed or 0) if t is not None else None
        if resumed is not None:
            # Steps after the checkpoint are trained again; the chart shows the new ones.
            for series in (self.loss, self.loss_smooth, self.lr, self.tokens_per_s, self.reward_margin,
                           self.reward_accuracy):
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
        margin, accuracy = num(event.get("reward_margin")), num(event.get("reward_accuracy"))
        if margin is not None:
            self.reward_margin.append(step, margin)
        if accuracy is not None:
            self.reward_accuracy.append(step, accuracy)
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
        self.latest_log = event

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
        """Over the recent steps; after the first step, from the start event to it (the ETA shows at once)."""
        if len(self._rate) == 1 and self._rate_origin is not None:
            (t0, s0), (t1, s1) = self._rate_origin, self._rate[0]
        elif len(self._rate) < 2:
            return None
        else:
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
            reward_margin=self.reward_margin.points(max_points, "mean"),
            reward_accuracy=self.reward_accuracy.points(max_points, "mean"),
        )


_HANDLERS: dict[str, Callable[[RunHistory, dict[str, Any], float | None], None]] = {
    "start": RunHistory._on_start, "step": RunHistory._on_step, "eval": RunHistory._on_eval,
    "checkpoint": RunHistory._on_checkpoint, "log": RunHistory._on_log, "end": RunHistory._on_end,
}


# -- the overview of a long file ------------------------------------------------------------------
# How a line says its type, whatever the JSON spacing: `"type": "step"` (json.dumps' default, what
# EventWriter writes) or `"type":"step"` (a compact writer) or any other whitespace JSON allows.
# The exact pass parses every line; the overview finds lines by searching the bytes (in C).
_TYPE_KEY = rb'"type"\s*:\s*"'
_STEP_LINE = re.compile(_TYPE_KEY + rb'step"')
_OTHER_TYPES = re.compile(_TYPE_KEY + rb'(?!step")')
_LAST_STEP_WINDOW = 64 << 10  # the latest step line is looked for in the file's last bytes first


def _last_step_line(data: bytes, end: int) -> int:
    """Where the last step line of `data[:end]` matches, or -1: searched from the end in growing
    windows (a match cut by a window's start is found by the next, larger one)."""
    window = _LAST_STEP_WINDOW
    while True:
        low = max(0, end - window)
        last = -1
        for match in _STEP_LINE.finditer(data, low, end):
            last = match.start()
        if last >= 0 or low == 0:
            return last
        window *= 8


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
        if _STEP_LINE.search(line):
            chosen[start] = line
    last = _last_step_line(data, end)
    if last >= 0:  # the latest step is exact: the figures on screen are the real ones
        start = data.rfind(b"\n", 0, last) + 1
        chosen[start] = data[start:data.find(b"\n", start, end)]
    for offset in sorted(chosen):
        history.ingest(parse_event_line(chosen[offset]))
    return history, end
