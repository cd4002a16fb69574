#!/usr/bin/env python3
"""Monitor benchmark 2: the app's CPU while watching an active run. Target: ≤ 5 % of one core.

The real app runs in a pseudo-terminal (the size a user has: 80x24 and 200x60) with the monitor
attached to a synthetic run that keeps writing: a step every 1/--rate seconds (default 2 steps/s,
a fast LoRA run on a GPU; also 10 steps/s as a stress case), a train.log line per step and an eval
every 50 steps. CPU = user + system seconds of the app process over --seconds, after a warm-up.
For reference: the same app on a finished run (idle), and `tunewiz watch` (rich live view).

    python bench/monitor_cpu.py [--seconds 60] [--rates 2,10] [--sizes 80x24,200x60]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from monitor_common import REPO, PtyApp, SyntheticRun, cpu_seconds, load_average, verdict  # noqa: E402

TARGET = 5.0


def writer(run: SyntheticRun, rate: float, stop: threading.Event, start_step: int) -> None:
    step = start_step
    next_at = time.monotonic()
    while not stop.is_set():
        step += 1
        run.step(step)
        run.train_log(f"{{'loss': {2 / (1 + step / 200):.4f}, 'grad_norm': 1.0, 'learning_rate': 0.0002, 'epoch': {step / 500:.2f}}}")
        if step % 50 == 0:
            run.eval(step, 2.1 / (1 + step / 200))
        next_at += 1.0 / rate
        stop.wait(max(0.0, next_at - time.monotonic()))


def measure(app_cpu, seconds: float) -> float:
    before, started = app_cpu(), time.monotonic()
    time.sleep(seconds)
    return 100.0 * (app_cpu() - before) / (time.monotonic() - started)


def active_case(root: Path, rate: float, size: tuple[int, int], seconds: float, warmup: float) -> float:
    run = SyntheticRun(root, f"active-{rate:g}-{size[0]}x{size[1]}", model="Qwen/Qwen2.5-7B-Instruct")
    run.start(total_steps=1_000_000)
    for step in range(1, 501):
        run.step(step)
    stop = threading.Event()
    thread = threading.Thread(target=writer, args=(run, rate, stop, 500), daemon=True)
    thread.start()
    app = PtyApp(root, "monitor", {"run_dir": str(run.dir)}, size=size)
    try:
        app.wait_for("step 5", timeout=30)
        time.sleep(warmup)
        return measure(app.cpu_seconds, seconds)
    finally:
        stop.set()
        thread.join()
        app.close()


def idle_case(root: Path, size: tuple[int, int], seconds: float, warmup: float) -> float:
    run = SyntheticRun(root, "finished")
    run.start(total_steps=500)
    for step in range(1, 501):
        run.step(step)
    run.end("completed")
    app = PtyApp(root, "monitor", {"run_dir": str(run.dir)}, size=size)
    try:
        app.wait_for("step 500/500", timeout=30)
        time.sleep(warmup)
        return measure(app.cpu_seconds, seconds)
    finally:
        app.close()


def watch_case(root: Path, rate: float, seconds: float, warmup: float) -> float:
    import pty
    run = SyntheticRun(root, "watched")
    run.start(total_steps=1_000_000)
    stop = threading.Event()
    thread = threading.Thread(target=writer, args=(run, rate, stop, 0), daemon=True)
    thread.start()
    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "tui.cli", "watch", str(run.dir)], stdin=slave, stdout=slave,
                               stderr=slave, env={**os.environ, "PYTHONPATH": str(REPO / "src"), "COLUMNS": "100"})
    os.close(slave)
    drain = threading.Thread(target=lambda: _drain(master), daemon=True)
    drain.start()
    try:
        time.sleep(warmup + 2)
        return measure(lambda: cpu_seconds(process.pid), seconds)
    finally:
        stop.set()
        thread.join()
        process.terminate()
        process.wait()
        os.close(master)


def _drain(fd: int) -> None:
    while True:
        try:
            if not os.read(fd, 65536):
                return
        except OSError:
            return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--rates", default="2,10")
    parser.add_argument("--sizes", default="80x24,200x60")
    args = parser.parse_args()
    print(f"load average before: {load_average()} (2 CPUs, shared with other sessions)")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for size_text in args.sizes.split(","):
            size = tuple(int(v) for v in size_text.split("x"))
            for rate in (float(r) for r in args.rates.split(",")):
                percent = active_case(root, rate, size, args.seconds, args.warmup)
                rows.append((f"monitor, active run, {rate:g} steps/s, {size_text}", percent))
                print(f"{rows[-1][0]}: {percent:.2f} % of one core; target/measured = {TARGET / max(percent, 1e-9):.1f}x "
                      f"({verdict(percent <= TARGET)})", flush=True)
        idle = idle_case(root, (200, 60), min(30.0, args.seconds), args.warmup)
        print(f"reference: monitor on a finished run, 200x60: {idle:.2f} % of one core", flush=True)
        watched = watch_case(root, float(args.rates.split(",")[0]), min(30.0, args.seconds), args.warmup)
        print(f"reference: `tunewiz watch` live view, {args.rates.split(',')[0]} steps/s: {watched:.2f} % of one core")
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
