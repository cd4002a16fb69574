"""Figures as text for people: durations, losses, rates and one-line charts.

Shared by the monitor screen, the runs screen and `tunewiz watch` / `tunewiz train`'s plain lines,
so every front end writes a figure the same way. Plain strings only: no textual import, so the
command line can use it without loading the app.
"""
from __future__ import annotations


def format_duration(seconds: float | None) -> str:
    """`m:ss`, `h:mm:ss`, or `NdHHh` from a day on; "-" for None."""
    if seconds is None:
        return "-"
    seconds = int(max(0, seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours >= 24:
        return f"{hours // 24}d{hours % 24:02d}h"
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def format_loss(value: float | None, nonfinite: str | None = None) -> str:
    """Four decimals (three significant digits from 1000 on); None shows `nonfinite` (e.g. "nan") or "-"."""
    if value is None:
        return nonfinite or "-"
    return f"{value:.4f}" if abs(value) < 1000 else f"{value:.3g}"


def format_rate(value: float | None) -> str:
    """A per-second rate: whole numbers with thousands separators from 100 on, else one decimal."""
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
