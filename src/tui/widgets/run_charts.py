"""The monitor's charts: loss (train and eval, raw and smoothed), learning rate, tokens/s, and for DPO
runs the reward margin (left axis) with the reward accuracy (right axis, 0 to 1).

Drawn with textual-plotext at the widget's size. The series arrive already downsampled (a few
hundred points whatever the run's length), so drawing costs the same for 100 or 100,000 steps.
Colours come from the app's theme variables, so every theme (and a 16-colour SSH link) works.
"""
from __future__ import annotations

import math
import time
from typing import Any

from rich.text import Text
from textual.color import Color
from textual_plotext import PlotextPlot

from engine.history import ChartSeries
from tui.i18n import t

# chart element -> theme variable (the text-* variables are made to stand out on the background)
COLOURS = {"raw": "text-secondary", "smooth": "text-primary", "eval": "text-accent", "nonfinite": "text-error",
           "lr": "text-success", "tps": "text-primary", "margin": "text-primary", "accuracy": "text-accent"}
FALLBACK = {"raw": (86, 132, 165), "smooth": (87, 165, 226), "eval": (255, 196, 115), "nonfinite": (209, 126, 146),
            "lr": (138, 212, 161), "tps": (87, 165, 226), "margin": (87, 165, 226), "accuracy": (255, 196, 115)}


class MetricChart(PlotextPlot):
    """One chart of a run. `kind` is `loss`, `lr`, `tps` or `pref` (DPO's reward margin and accuracy).
    Call `show(series)` with new data."""

    def __init__(self, kind: str, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.kind = kind
        self._series: ChartSeries | None = None
        self._placeholder = t("monitor.chart.waiting")
        self.render_seconds = 0.0
        """How long the last draw took: the screen spaces chart updates by it to keep CPU low."""
        self.border_title = t(f"monitor.chart.{kind}")

    def show(self, series: ChartSeries | None, placeholder: str | None = None) -> None:
        self._series = series
        if placeholder:
            self._placeholder = placeholder
        self.refresh()

    def _colour(self, name: str) -> Any:
        try:
            return Color.parse(self.app.theme_variables.get(COLOURS[name], "")).rgb
        except Exception:  # a theme value such as "auto 87%" is not a plain colour
            return FALLBACK[name]

    def _has_data(self) -> bool:
        s = self._series
        if s is None:
            return False
        if self.kind == "loss":
            return bool(s.loss[0] or s.eval[0] or s.nonfinite_steps)
        if self.kind == "pref":
            return bool(s.reward_margin[0] or s.reward_accuracy[0])
        return bool((s.lr if self.kind == "lr" else s.tokens_per_s)[0])

    def render_lines(self, crop: Any) -> Any:
        # Timed here, not in render(): turning plotext's ANSI text into strips costs as much again.
        # CPU time of this thread, not wall time: on a busy machine the wall clock also counts the
        # time others had the CPU, and the charts would be paced slower than their cost requires.
        started = time.thread_time()
        lines = super().render_lines(crop)
        elapsed = time.thread_time() - started
        if elapsed > 0.002:  # a real draw, not a cache hit
            self.render_seconds = elapsed
        return lines

    def render(self) -> Any:
        if not self._has_data() or self.size.width < 12 or self.size.height < 4:
            return Text(self._placeholder, style="dim", justify="center")
        plt = self.plt
        plt.clear_data()
        s = self._series
        assert s is not None
        if self.kind == "loss":
            self._draw_loss(s)
        elif self.kind == "pref":
            self._draw_preference(s)
        else:
            xs, ys = s.lr if self.kind == "lr" else s.tokens_per_s
            plt.plot(xs, ys, marker="braille", color=self._colour(self.kind))
            top = max(ys)
            if min(ys) >= 0 and top > 0:
                # Rates and learning rates read best from zero: a flat line stays flat.
                plt.ylim(0, top * 1.1)
                ticks = value_ticks(top * 1.1, max(2, min(5, self.size.height // 3)))
                label = (lambda v: f"{v:.1e}") if self.kind == "lr" else step_label
                plt.yticks(ticks, [label(v) for v in ticks])
        if self.kind in ("loss", "pref"):  # plotext's own labels print every digit (1.25777673721313499)
            ys = [y for series in self._y_values(s) for y in series if math.isfinite(y)]
            if ys:
                ticks, labels, (lo, hi) = decimal_ticks(min(ys), max(ys), max(2, min(5, self.size.height // 3)))
                plt.ylim(lo, hi)
                plt.yticks(ticks, labels)
        xs = [x for series in self._x_extent(s) for x in series]
        if xs:
            ticks = step_ticks(min(xs), max(xs), max(2, self.size.width // 14))
            plt.xticks(ticks, [step_label(x) for x in ticks])
        return super().render()

    def _x_extent(self, s: ChartSeries) -> list[list[float]]:
        if self.kind == "loss":
            return [s.loss[0][:1], s.loss[0][-1:], s.eval[0][:1], s.eval[0][-1:]]
        if self.kind == "pref":
            return [s.reward_margin[0][:1], s.reward_margin[0][-1:], s.reward_accuracy[0][:1],
                    s.reward_accuracy[0][-1:]]
        xs = (s.lr if self.kind == "lr" else s.tokens_per_s)[0]
        return [xs[:1], xs[-1:]]

    def _y_values(self, s: ChartSeries) -> list[list[float]]:
        """The values on the left axis: the losses (train, smoothed, eval), or DPO's reward margin."""
        if self.kind == "pref":
            return [s.reward_margin[1]]
        return [s.loss[1], s.loss_smooth[1], s.eval[1]]

    def _draw_loss(self, s: ChartSeries) -> None:
        plt = self.plt
        if s.loss[0]:
            plt.plot(*s.loss, marker="braille", color=self._colour("raw"))
        if s.loss_smooth[0]:
            plt.plot(*s.loss_smooth, marker="braille", color=self._colour("smooth"))
        if s.eval[0]:
            if len(s.eval_smooth[0]) > 1:
                plt.plot(*s.eval_smooth, marker="braille", color=self._colour("eval"))
            if len(s.eval[0]) <= max(4, self.size.width // 4):  # markers only while they stay apart
                plt.scatter(*s.eval, marker="●", color=self._colour("eval"))
        for step in s.nonfinite_steps[-16:]:
            plt.vline(step, color=self._colour("nonfinite"))

    def _draw_preference(self, s: ChartSeries) -> None:
        """The reward margin on the left axis (0 marked: above it the chosen answers win), the accuracy on
        the right one, fixed to 0..1 so that 0.5 (a coin toss) sits in the middle."""
        plt = self.plt
        if s.reward_margin[0]:
            plt.plot(*s.reward_margin, marker="braille", color=self._colour("margin"), yside="left")
            plt.hline(0.0, color=self._colour("raw"))
        if s.reward_accuracy[0]:
            plt.plot(*s.reward_accuracy, marker="braille", color=self._colour("accuracy"), yside="right")
            plt.ylim(0, 1, yside="right")


def legend_markup() -> str:
    """The loss chart's legend for its border (theme variables, so it follows the theme)."""
    return (f"[${COLOURS['raw']}]━ {t('monitor.legend.train')}[/] "
            f"[${COLOURS['smooth']}]━ {t('monitor.legend.smoothed')}[/] "
            f"[${COLOURS['eval']}]● {t('monitor.legend.eval')}[/]")


def preference_legend_markup() -> str:
    """The DPO chart's legend for its border."""
    return (f"[${COLOURS['margin']}]━ {t('monitor.legend.margin')}[/] "
            f"[${COLOURS['accuracy']}]━ {t('monitor.legend.accuracy')}[/]")


def step_ticks(lo: float, hi: float, count: int) -> list[float]:
    """Whole-step tick positions at a round spacing (1, 2, 5 × 10^k) between `lo` and `hi`."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / max(1, count)
    base = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    spacing = next((m * base for m in (1, 2, 5, 10) if m * base >= raw), 10 * base)
    spacing = max(1.0, spacing)
    first = math.ceil(lo / spacing) * spacing
    ticks = []
    value = first
    while value <= hi + 1e-9 and len(ticks) < 50:
        ticks.append(value)
        value += spacing
    return ticks or [lo]


def step_label(step: float) -> str:
    """12, 1.5k, 100k, 2.5M: short enough for a narrow axis."""
    step = int(round(step))
    if abs(step) >= 1_000_000:
        return f"{step / 1_000_000:.3g}M"
    if abs(step) >= 10_000:
        return f"{step / 1000:.4g}k"
    return str(step)


def value_ticks(top: float, count: int) -> list[float]:
    """`count` + 1 evenly spaced ticks from 0 to `top`."""
    return [top * i / count for i in range(count + 1)]


def decimal_ticks(lo: float, hi: float, count: int) -> tuple[list[float], list[str], tuple[float, float]]:
    """Ticks at a round spacing (1, 2, 5 x 10^k) for values from `lo` to `hi`, labelled with as many
    decimals as the spacing needs (1.20 1.25 1.30, not 1.25777673721313499), and the axis range.
    One value (lo == hi) gets a range around it a few percent wide."""
    if not hi - lo > 1e-12 * max(1.0, abs(hi)):
        pad = abs(lo) * 0.05 or 0.1
        lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / max(1, count)
    base = 10 ** math.floor(math.log10(raw))
    spacing = next(m * base for m in (1, 2, 5, 10) if m * base >= raw * (1 - 1e-9))
    decimals = max(0, -math.floor(math.log10(spacing) + 1e-9))
    first = math.ceil(lo / spacing - 1e-9)
    ticks = [i * spacing for i in range(first, first + count + 2) if i * spacing <= hi + 1e-9 * spacing]
    ticks = [0.0 if abs(v) < spacing * 1e-6 else v for v in ticks]  # no "-0.00"
    if decimals > 5:  # tiny values (a reward margin near zero): 2.5e-07 is shorter than 0.00000025
        return ticks, [f"{v:.1e}" for v in ticks], (lo, hi)
    return ticks, [f"{v:.{decimals}f}" for v in ticks], (lo, hi)
