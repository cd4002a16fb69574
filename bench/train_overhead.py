#!/usr/bin/env python3
"""Benchmark 1 of issue 2: the cost of tunewiz's trainer over a plain transformers + peft script.

Runs `../shared/bench-reference/plain_peft_train.py` (the guide's section B3 script, corrected so it
runs; used as it is) and `tunewiz train` with identical settings (model, data, batch, max_length,
LoRA r/alpha/dropout/targets, no packing, no gradient checkpointing, no eval, no checkpoints) on the
same model and data, one after the other in one run, alternating for `--rounds`. Compares the
steady-state non-padding tokens/s (first step excluded as warm-up). Target: ratio >= 0.95.

    python bench/train_overhead.py [--methods lora,qlora] [--max-steps 15] [--rounds 1]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import BENCH_REFERENCE, OUT, REPO, demo_dir, print_table, run_tunewiz, save_json  # noqa: E402


def run_reference(model: str, data: str, method: str, args: argparse.Namespace) -> float:
    script = BENCH_REFERENCE / "plain_peft_train.py"
    if not script.is_file():
        sys.exit(f"the yardstick {script} is missing (it lives in the shared folder beside the repo)")
    out_dir = OUT / f"plain-{method}"
    cmd = [sys.executable, str(script), "--model", model, "--data", data, "--method", method,
           "--max-steps", str(args.max_steps), "--max-length", str(args.max_length),
           "--batch-size", str(args.batch_size), "--lora-r", str(args.lora_r), "--output", str(out_dir)]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"reference {method} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])["tokens_per_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--methods", default="lora,qlora")
    parser.add_argument("--max-steps", type=int, default=15)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--batch-size", type=int, default=2)
    parser.add_argument("--lora-r", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--data", default=str(REPO / "sample_data" / "support_openai.jsonl"))
    args = parser.parse_args()
    model = demo_dir()
    rows, results = [], {}
    for method in args.methods.split(","):
        plain, ours = [], []
        for _ in range(args.rounds):
            plain.append(run_reference(model, args.data, method, args))
            settings = {"model": model, "method": method, "data": args.data, "max_steps": args.max_steps,
                        "max_length": args.max_length, "batch_size": args.batch_size, "grad_accum": 1,
                        "learning_rate": 2e-4, "gradient_checkpointing": False, "packing": False,
                        "lora": {"r": args.lora_r, "alpha": 2 * args.lora_r, "dropout": 0.05,
                                 "target_modules": "all-linear"}}
            rate, _, _ = run_tunewiz(settings, f"overhead-{method}")
            ours.append(rate)
        p, o = statistics.median(plain), statistics.median(ours)
        results[method] = {"plain_tokens_per_s": plain, "tunewiz_tokens_per_s": ours, "ratio": o / p}
        rows.append([method, f"{p:.1f}", f"{o:.1f}", f"{o / p:.3f}"])
    print_table(rows, ["method", "plain peft tok/s", "tunewiz tok/s", "ratio (target >= 0.95)"])
    save_json("train_overhead.json", {"args": vars(args), "results": results})


if __name__ == "__main__":
    main()
