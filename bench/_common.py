"""Shared helpers for the benchmarks: run `tunewiz train` and read its steady-state throughput."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
BENCH_REFERENCE = SHARED / "bench-reference"
OUT = REPO / "bench" / "out"


def steady_tokens_per_s(run_dir: Path, skip: int = 1) -> tuple[float, int]:
    """Non-padding tokens/s over the step events after the first `skip` (warm-up) steps."""
    from engine.events import read_events
    steps = [e for e in read_events(run_dir / "events.jsonl") if e["type"] == "step"][skip:]
    tokens = sum(e["tokens"] for e in steps)
    seconds = sum(e["tokens"] / e["tokens_per_s"] for e in steps if e["tokens_per_s"])
    return (tokens / seconds if seconds else 0.0), len(steps)


def run_tunewiz(settings: dict, label: str) -> tuple[float, int, Path]:
    OUT.mkdir(parents=True, exist_ok=True)
    runs_dir = Path(tempfile.mkdtemp(prefix="bench-runs-", dir=OUT))
    config = {"runs_dir": str(runs_dir), "name": label, "eval_split": 0, "save_steps": 100000, **settings}
    path = runs_dir / f"{label}.yaml"
    path.write_text(yaml.safe_dump(config))
    result = subprocess.run([sys.executable, "-m", "tui.cli", "train", str(path)], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    run_dir = runs_dir / label
    if result.returncode != 0:
        sys.exit(f"{label}: tunewiz train failed\n{result.stderr[-3000:]}")
    rate, steps = steady_tokens_per_s(run_dir)
    return rate, steps, run_dir


def demo_dir() -> str:
    from engine.demo import demo_model_dir
    return str(demo_model_dir(progress=lambda m: print(m, file=sys.stderr)))


def print_table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths))  # noqa: E731
    print(line(header))
    print("  ".join("-" * w for w in widths))
    for r in rows:
        print(line(r))


def save_json(name: str, payload: dict) -> Path:
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / name
    path.write_text(json.dumps(payload, indent=1))
    return path
