#!/usr/bin/env python3
"""Monitor benchmark 4: the trainer's throughput with the monitor attached vs detached. Target ≥ 0.98.

One long LoRA run (`tunewiz train --detach`) is watched in alternating windows: W seconds with
nothing attached, then W seconds with the real app in a 200x60 pseudo-terminal showing its monitor,
and so on (--pairs times). The app is started before and closed after its window (start-up and
shutdown are not counted; a settle time separates windows). Throughput in a window = non-padding
tokens of the step events that ended in it / the steps' own durations. Alternating windows of one
run, side by side, cancel most of the drift of a machine shared with other work; the ratio is
attached/detached over all windows, with the per-pair ratios and their median.

The default model is the demo model (SmolLM2-135M-Instruct), the product's default, at the step
rate a user of it sees (a step every few seconds on this CPU). --model small is a stress case: a small random
Llama (4 layers, hidden 256) at ~13 steps/s, so the app parses and draws 13 step events a second.
On a CPU box the trainer uses every core, so anything the monitor spends is taken from training;
on a GPU box the trainer waits on the GPU and the app's CPU costs it nothing.

    python bench/monitor_throughput.py [--pairs 6] [--window 30] [--model demo|small]
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from monitor_common import REPO, PtyApp, load_average, verdict  # noqa: E402

TARGET = 0.98
SETTLE = 3.0


def model_path(choice: str, scratch: Path) -> str:
    if choice == "small":
        sys.path.insert(0, str(REPO / "tests"))
        from tiny_model import build_tiny_model
        return str(build_tiny_model(scratch / "small-model", layers=4, hidden=256))
    from _common import demo_dir
    return demo_dir()


def window_rate(events: list[dict], start: float, end: float) -> tuple[float, float, int]:
    """(tokens, seconds, steps) of the step events that ended inside [start, end)."""
    tokens = seconds = 0.0
    count = 0
    for e in events:
        if e.get("type") == "step" and start <= (e.get("t") or 0) < end and e.get("tokens_per_s"):
            tokens += e["tokens"]
            seconds += e["tokens"] / e["tokens_per_s"]
            count += 1
    return tokens, seconds, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=6)
    parser.add_argument("--window", type=float, default=30.0)
    parser.add_argument("--model", default="demo", choices=("demo", "small"))
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--batch-size", type=int, default=4)
    args = parser.parse_args()
    print(f"load average before: {load_average()} (2 CPUs, shared with other sessions)", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        runs_dir = scratch / "runs"
        runs_dir.mkdir()
        config = {"model": model_path(args.model, scratch), "method": "lora", "runs_dir": str(runs_dir),
                  "name": "throughput", "data": str(REPO / "sample_data" / "support_openai.jsonl"),
                  "max_steps": 1_000_000, "save_steps": 1_000_000, "eval_split": 0, "max_length": args.max_length,
                  "batch_size": args.batch_size, "grad_accum": 1, "learning_rate": 2e-4,
                  "gradient_checkpointing": False, "packing": False,
                  "lora": {"r": 16, "alpha": 32, "dropout": 0.05, "target_modules": "all-linear"}}
        path = scratch / "run.yaml"
        path.write_text(yaml.safe_dump(config))
        result = subprocess.run([sys.executable, "-m", "tui.cli", "train", str(path), "--detach"], capture_output=True,
                                text=True, env={**os.environ, "PYTHONPATH": str(REPO / "src")})
        if result.returncode != 0:
            sys.exit(f"tunewiz train failed\n{result.stderr[-3000:]}")
        run_dir = Path(result.stdout.strip().splitlines()[-1])
        events_path = run_dir / "events.jsonl"
        windows: list[tuple[bool, float, float, float | None]] = []  # (attached, start, end, app CPU %)
        try:
            deadline = time.time() + 600
            while not (events_path.exists() and '"type": "step"' in events_path.read_text()):
                if time.time() > deadline:
                    sys.exit("the trainer did not start stepping within 10 minutes")
                time.sleep(1)
            time.sleep(SETTLE)
            for pair in range(args.pairs):
                for attached in ((False, True) if pair % 2 == 0 else (True, False)):
                    app = None
                    if attached:
                        app = PtyApp(runs_dir, "monitor", {"run_dir": str(run_dir)}, size=(200, 60))
                        app.wait_for("throughput", timeout=60)
                        app.keep = False
                        time.sleep(SETTLE)
                        cpu0, bytes0 = app.cpu_seconds(), app.bytes_read
                    own0 = time.process_time()
                    start = time.time()
                    time.sleep(args.window)
                    end = time.time()
                    own = 100 * (time.process_time() - own0) / (end - start)
                    cpu = None
                    if app is not None:
                        cpu = 100 * (app.cpu_seconds() - cpu0) / (end - start)
                        rate = (app.bytes_read - bytes0) / (end - start) / 1024
                        app.close()
                    windows.append((attached, start, end, cpu))
                    time.sleep(SETTLE)
                    print(f"pair {pair}: {'attached' if attached else 'detached'} window done; load {load_average()}; "
                          f"this script's CPU {own:.1f} %"
                          + (f"; app CPU {cpu:.1f} % of one core, {rate:.1f} KiB/s to its terminal"
                             if cpu is not None else ""), flush=True)
            time.sleep(2)  # the last window's steps are written
        finally:
            # The run is endless by design: end it (no checkpoint needed), whatever happened above.
            for _ in range(60):
                try:
                    pid = json.loads((run_dir / "status.json").read_text())["pid"]
                    break
                except (OSError, ValueError, KeyError):
                    time.sleep(0.5)
            else:
                pid = None
            if pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        events = [json.loads(line) for line in events_path.read_text().splitlines() if line.strip()]
        per_pair: dict[int, dict[bool, float]] = {}
        totals = {True: [0.0, 0.0, 0], False: [0.0, 0.0, 0]}
        for index, (attached, start, end, cpu) in enumerate(windows):
            tokens, seconds, count = window_rate(events, start, end)
            rate = tokens / seconds if seconds else 0.0
            per_pair.setdefault(index // 2, {})[attached] = rate
            totals[attached][0] += tokens
            totals[attached][1] += seconds
            totals[attached][2] += count
            print(f"window {index}: {'attached' if attached else 'detached'}  {count:4d} steps  {rate:8.1f} tokens/s"
                  + (f"  app CPU {cpu:.1f} %" if cpu is not None else ""))
        attached_rate = totals[True][0] / totals[True][1]
        detached_rate = totals[False][0] / totals[False][1]
        ratios = [p[True] / p[False] for p in per_pair.values() if p.get(False)]
        cpus = [w[3] for w in windows if w[3] is not None]
        ratio = attached_rate / detached_rate
        print(f"detached {detached_rate:.1f} tokens/s ({totals[False][2]} steps), attached {attached_rate:.1f} tokens/s "
              f"({totals[True][2]} steps); ratio {ratio:.3f}; pair ratios {', '.join(f'{r:.3f}' for r in ratios)} "
              f"(median {statistics.median(ratios):.3f}); target ≥ {TARGET} ({verdict(ratio >= TARGET)}); "
              f"app CPU while attached: median {statistics.median(cpus):.1f} % of one core")
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
