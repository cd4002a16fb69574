#!/usr/bin/env python3
"""Monitor benchmark 3: re-attach to a run with 100,000 step events. Target: first full frame ≤ 1 s.

"Full frame" = the progress line at the last step and the loss chart spanning the whole run (its
x axis reaches the last step: the "100k" tick), both written to the terminal.

A. As a user: the real app in a pseudo-terminal opens on the runs screen; the benchmark waits for
   the table, presses Enter and times until the full frame is drawn (--rounds fresh apps; median).
B. In-process breakdown: time from pushing the monitor screen to the first chart (drawn from an
   overview of the file) and to the exact history (every event folded), and the same numbers for
   the engine alone (RunWatcher, no UI).

    python bench/monitor_reattach.py [--steps 100000] [--rounds 3] [--size 120x40]
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from monitor_common import PtyApp, load_average, verdict, write_long_run  # noqa: E402

TARGET = 1.0


def tick_label(steps: int) -> str:
    from tui.widgets.run_charts import step_label
    return step_label(steps)


def as_a_user(runs_dir: Path, run_dir: Path, steps: int, size: tuple[int, int]) -> tuple[float, float]:
    """(wall seconds, app CPU seconds) from Enter to the full frame on the terminal."""
    app = PtyApp(runs_dir, "runs", size=size)
    try:
        app.wait_for(run_dir.name, timeout=30)      # the table is drawn
        time.sleep(1.0)
        since = app.position()
        cpu = app.cpu_seconds()
        pressed = time.monotonic()
        app.press("\r")
        needles = [f"step {steps}/{steps}", tick_label(steps)]
        deadline = time.monotonic() + 30
        while any(app.find(n, since) is None for n in needles):
            if time.monotonic() > deadline:
                raise TimeoutError("no full frame within 30 s")
            time.sleep(0.002)
        cpu = app.cpu_seconds() - cpu  # read at once: the exact pass goes on after the frame
        return max(app.find(n, since) for n in needles) - pressed, cpu
    finally:
        app.close()


async def in_process(runs_dir: Path, run_dir: Path, size: tuple[int, int]) -> tuple[float, float]:
    from tui.app import TunewizApp
    app = TunewizApp(lang="en", runs_dir=runs_dir, start="home")
    async with app.run_test(size=size) as pilot:
        await pilot.pause(0.5)
        started = time.monotonic()
        app.open_screen("monitor", run_dir=str(run_dir))
        screen = app.screen
        while screen.charts_applied == 0:
            await pilot.pause(0.005)
        await pilot.pause(0)  # let the compositor paint it
        first = time.monotonic() - started
        while screen._snapshot is None or screen._snapshot.provisional:
            await pilot.pause(0.01)
        exact = time.monotonic() - started
    return first, exact


def engine_only(run_dir: Path) -> tuple[float, float]:
    from engine.monitoring import RunWatcher
    started = time.perf_counter()
    watcher = RunWatcher(run_dir)
    watcher.poll()
    watcher.snapshot(400)
    first = time.perf_counter() - started
    while watcher.catching_up:
        watcher.poll()
    watcher.snapshot(400)
    return first, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size", default="120x40")
    args = parser.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    print(f"load average before: {load_average()} (2 CPUs, shared with other sessions)")
    with tempfile.TemporaryDirectory() as tmp:
        runs_dir = Path(tmp) / "runs"
        run_dir = write_long_run(runs_dir, "long-run", args.steps, eval_every=1000)
        events = run_dir / "events.jsonl"
        lines = sum(1 for _ in events.open("rb"))
        print(f"run: {args.steps:,} step events, {lines:,} lines, {events.stat().st_size / 1e6:.1f} MB")
        measured = [as_a_user(runs_dir, run_dir, args.steps, size) for _ in range(args.rounds)]
        user = [wall for wall, _ in measured]
        cpu = [c for _, c in measured]
        median = statistics.median(user)
        print(f"A. Enter on the runs screen -> full frame on the terminal ({args.size} pty): "
              f"{', '.join(f'{v:.2f}' for v in user)} s; median {median:.2f} s; "
              f"target/median = {TARGET / median:.1f}x ({verdict(median <= TARGET)}); app CPU in that time: "
              f"{', '.join(f'{v:.2f}' for v in cpu)} s (median {statistics.median(cpu):.2f} s: the wall time "
              f"on an idle core)")
        first, exact = asyncio.run(in_process(runs_dir, run_dir, size))
        print(f"B. in-process: first chart {first:.2f} s (overview), exact history {exact:.2f} s")
        e_first, e_exact = engine_only(run_dir)
        print(f"   engine alone: overview snapshot {e_first:.2f} s, exact {e_exact:.2f} s")
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
