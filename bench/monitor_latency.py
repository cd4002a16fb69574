#!/usr/bin/env python3
"""Monitor benchmark 1: latency from a step event written to it being on screen. Target: median ≤ 1 s.

A. End to end: the real app in an 80x24 (or --size) pseudo-terminal, attached to a synthetic
   active run; the benchmark appends a step event at random moments (0.5–1.5 s apart, so writes do
   not line up with the monitor's polling) and times until "step N/" is written to the terminal.
B. The chart: the same in-process (headless app), timing until the loss chart has drawn a frame
   that includes step N (charts are paced by their drawing cost, so they lag the figures).

    python bench/monitor_latency.py [--events 40] [--size 120x40]
"""
from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from monitor_common import PtyApp, SyntheticRun, load_average, verdict  # noqa: E402

TARGET = 1.0
TOTAL = 100_000


def pty_latencies(runs_dir: Path, events: int, size: tuple[int, int]) -> list[float]:
    run = SyntheticRun(runs_dir, "latency", model="Qwen/Qwen2.5-0.5B-Instruct")
    run.start(total_steps=TOTAL)
    for step in range(1, 51):  # some history, as in any run worth watching
        run.step(step)
    app = PtyApp(runs_dir, "monitor", {"run_dir": str(run.dir)}, size=size)
    latencies = []
    try:
        app.wait_for(f"step 50/{TOTAL}", timeout=30)
        time.sleep(1.0)
        rng = random.Random(5)
        for step in range(51, 51 + events):
            time.sleep(rng.uniform(0.5, 1.5))
            since = app.position()
            written = time.monotonic()
            run.step(step)
            shown = app.wait_for(f"step {step}/{TOTAL}", since=since, timeout=10)
            latencies.append(shown - written)
    finally:
        app.close()
    return latencies


async def chart_latencies(runs_dir: Path, events: int, size: tuple[int, int]) -> tuple[list[float], float]:
    from tui.app import TunewizApp
    from tui.widgets import run_charts

    drawn: list[tuple[float, float]] = []  # (when, last step in the frame)
    original = run_charts.MetricChart.render

    def render(self):  # noqa: ANN001
        result = original(self)
        if self.kind == "loss" and self._series is not None and self._series.loss[0]:
            drawn.append((time.monotonic(), self._series.loss[0][-1]))
        return result

    run_charts.MetricChart.render = render
    run = SyntheticRun(runs_dir, "chart", model="Qwen/Qwen2.5-0.5B-Instruct")
    run.start(total_steps=TOTAL)
    for step in range(1, 51):
        run.step(step)
    app = TunewizApp(lang="en", runs_dir=runs_dir, start="monitor", start_args={"run_dir": str(run.dir)})
    latencies = []
    async with app.run_test(size=size) as pilot:
        while not drawn:
            await pilot.pause(0.05)
        await pilot.pause(1.0)
        rng = random.Random(7)
        for step in range(51, 51 + events):
            await asyncio.sleep(rng.uniform(0.5, 1.5))
            written = time.monotonic()
            run.step(step)
            while not any(last >= step for _, last in drawn[-3:]):
                await pilot.pause(0.01)
                if time.monotonic() - written > 15:
                    raise TimeoutError(f"chart never showed step {step}")
            latencies.append(next(when for when, last in drawn if last >= step) - written)
        interval = app.screen._chart_interval()
    run_charts.MetricChart.render = original
    return latencies, interval


def describe(name: str, values: list[float]) -> str:
    values = sorted(values)
    p90 = values[int(0.9 * (len(values) - 1))]
    median = statistics.median(values)
    return (f"{name}: median {median:.3f} s, p90 {p90:.3f} s, max {values[-1]:.3f} s over {len(values)} events; "
            f"target/median = {TARGET / median:.1f}x ({verdict(median <= TARGET)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=40)
    parser.add_argument("--size", default="80x24")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    print(f"load average before: {load_average()}")
    with tempfile.TemporaryDirectory() as tmp:
        text = pty_latencies(Path(tmp) / "a", args.events, size)
        print(describe(f"A. figures on the terminal ({args.size} pty)", text))
        chart, interval = asyncio.run(chart_latencies(Path(tmp) / "b", max(10, args.events // 2), size))
        print(describe(f"B. loss chart redrawn (headless {args.size})", chart) +
              f"; chart pacing interval at the end: {interval:.2f} s")
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
