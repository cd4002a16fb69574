#!/usr/bin/env python3
"""Benchmark 2 of issue 2: packing on versus off, non-padding tokens/s on variable-length data.

Same run (demo model, LoRA, the bilingual sample data, max_length 1024 as in RunConfig's default)
with packing off and on, alternating for `--rounds`; the ratio is of the medians. Target >= 1.5 on
the sample data.

It also prints what packing can give at most on this data: the share of a batch that is real
tokens without packing (padded to the longest row) and with best-fit-decreasing rows, from the
demo tokenizer's lengths. On a CPU compute is spent on padded positions exactly as on real ones,
so the throughput ratio is about the ratio of those shares, less the extra attention of longer rows.

    python bench/packing.py [--max-steps 6] [--batch-size 4] [--max-length 1024] [--rounds 3]
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, demo_dir, print_table, run_tunewiz, save_json  # noqa: E402


def real_token_shares(model: str, data: str, max_length: int, batch_size: int, draws: int = 2000) -> tuple[float, float]:
    """(unpacked, packed): real tokens / tokens computed, over random batches of `batch_size` rows."""
    from transformers import AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(model)
    with open(data, encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    lengths = [min(max_length, len(tokenizer(tokenizer.apply_chat_template(r["messages"], tokenize=False))["input_ids"]))
               for r in rows]
    bins: list[int] = []  # best-fit decreasing, as TRL packs
    for length in sorted(lengths, reverse=True):
        fits = [i for i, used in enumerate(bins) if used + length <= max_length]
        if fits:
            best = max(fits, key=lambda i: bins[i])
            bins[best] += length
        else:
            bins.append(length)
    rng = random.Random(0)

    def share(items: list[int]) -> float:
        real = computed = 0
        for _ in range(draws):
            batch = rng.sample(items, min(batch_size, len(items)))
            real += sum(batch)
            computed += len(batch) * max(batch)
        return real / computed
    return share(lengths), share(bins)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-steps", type=int, default=6)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--max-length", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--data", default=str(REPO / "sample_data" / "support_openai.jsonl"))
    args = parser.parse_args()
    model = demo_dir()
    unpacked_share, packed_share = real_token_shares(model, args.data, args.max_length, args.batch_size)
    rates: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(args.rounds):
        for packing in (False, True):
            settings = {"model": model, "method": "lora", "data": args.data, "max_steps": args.max_steps,
                        "max_length": args.max_length, "batch_size": args.batch_size, "grad_accum": 1,
                        "gradient_checkpointing": False, "packing": packing}
            rate, _, _ = run_tunewiz(settings, f"packing-{'on' if packing else 'off'}")
            rates[packing].append(rate)
            print(f"packing {'on ' if packing else 'off'}: {rate:.1f} non-padding tok/s", flush=True)
    off, on = statistics.median(rates[False]), statistics.median(rates[True])
    print_table([["off", f"{off:.1f}", f"{unpacked_share:.3f}"], ["on", f"{on:.1f}", f"{packed_share:.3f}"]],
                ["packing", "non-padding tok/s", "real tokens / tokens computed"])
    print(f"ratio on/off: {on / off:.2f} (target >= 1.5); most packing can give here: "
          f"{packed_share / unpacked_share:.2f}")
    save_json("packing.json", {"args": vars(args), "off": rates[False], "on": rates[True], "ratio": on / off,
                               "real_share_unpacked": unpacked_share, "real_share_packed": packed_share})


if __name__ == "__main__":
    main()
