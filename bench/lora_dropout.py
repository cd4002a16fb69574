#!/usr/bin/env python3
"""LoRA dropout on a CPU: torch's `nn.Dropout` against tunewiz's `CpuLoraDropout`, side by side.

Forward and backward of the dropout on one LoRA layer's input, [tokens, hidden] fp32 (default: the demo
model's hidden size 576 and a packed batch of 4 x 1,024 tokens), alternating the two for --rounds; prints
milliseconds per call (medians) and the ratio, and the drop rate each measured.

    python bench/lora_dropout.py [--tokens 4096] [--hidden 576] [--p 0.05] [--rounds 5] [--calls 20]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tokens", type=int, default=4096)
    parser.add_argument("--hidden", type=int, default=576)
    parser.add_argument("--p", type=float, default=0.05)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    import torch
    from engine.train.lora_dropout import CpuLoraDropout

    x = torch.randn(args.tokens, args.hidden, requires_grad=True)
    grad = torch.randn(args.tokens, args.hidden)
    layers = {"torch nn.Dropout": torch.nn.Dropout(args.p), "tunewiz CpuLoraDropout": CpuLoraDropout(args.p)}
    times: dict[str, list[float]] = {name: [] for name in layers}
    drop_rate: dict[str, float] = {}
    for _ in range(args.rounds):
        for name, layer in layers.items():
            layer(x).backward(grad)  # warm-up
            start = time.perf_counter()
            for _ in range(args.calls):
                y = layer(x)
                y.backward(grad)
            times[name].append((time.perf_counter() - start) / args.calls * 1e3)
            drop_rate[name] = float((y == 0).float().mean())
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, input [{args.tokens}, {args.hidden}], p={args.p}")
    for name in layers:
        print(f"{name:24s} {statistics.median(times[name]):7.2f} ms per forward+backward   drop rate {drop_rate[name]:.4f}")
    ratio = statistics.median(times["torch nn.Dropout"]) / statistics.median(times["tunewiz CpuLoraDropout"])
    print(f"speed-up: {ratio:.2f}x")


if __name__ == "__main__":
    main()
