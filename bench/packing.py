#!/usr/bin/env python3
"""Benchmark 2 of issue 2: packing on versus off, non-padding tokens/s on variable-length data.

Same run (demo model, LoRA, the bilingual sample data) twice in one invocation, packing off then
on, alternating for `--rounds`. Target ratio >= 1.5 on the sample data.

    python bench/packing.py [--max-steps 12] [--batch-size 4] [--max-length 512] [--rounds 1]
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, demo_dir, print_table, run_tunewiz, save_json  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-steps", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--max-length", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--data", default=str(REPO / "sample_data" / "support_openai.jsonl"))
    args = parser.parse_args()
    model = demo_dir()
    rates: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(args.rounds):
        for packing in (False, True):
            settings = {"model": model, "method": "lora", "data": args.data, "max_steps": args.max_steps,
                        "max_length": args.max_length, "batch_size": args.batch_size, "grad_accum": 1,
                        "gradient_checkpointing": False, "packing": packing}
            rate, _, _ = run_tunewiz(settings, f"packing-{'on' if packing else 'off'}")
            rates[packing].append(rate)
    off, on = statistics.median(rates[False]), statistics.median(rates[True])
    print_table([["off", f"{off:.1f}"], ["on", f"{on:.1f}"]], ["packing", "non-padding tok/s"])
    print(f"ratio on/off: {on / off:.2f} (target >= 1.5)")
    save_json("packing.json", {"args": vars(args), "off": rates[False], "on": rates[True], "ratio": on / off})


if __name__ == "__main__":
    main()
