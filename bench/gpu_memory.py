#!/usr/bin/env python3
"""The memory estimator against measured peaks, plus tokens/s and MFU, on whatever this machine has.

For each model x method x sequence length it builds a random-weight model from the catalog's
architecture numbers (`AutoModelForCausalLM.from_config`, no download: memory does not depend on
weight values), saves it once with a small word-level tokenizer, and trains a few steps two ways:

* tunewiz: the trainer `tunewiz train` runs (`engine.train.run` on a run directory), in a child
  process; the peak is the trainer's own `gpu_mem_peak_gb` (torch.cuda.max_memory_reserved) from
  its step events. Compared with `estimate(...)` for tunewiz's trainer (TRL's tiled LM head).
* plain: the overhead benchmark's yardstick, ../shared/bench-reference/plain_peft_train.py (plain
  transformers Trainer + peft, used as it is), in a child that records max_memory_reserved at exit.
  Compared with `estimate(..., loss_impl="full")`: that script materialises the full logits and
  gets gradient checkpointing only through peft's QLoRA preparation. LoRA and QLoRA only.

The ratio is measured / estimated allocator memory (the estimate minus the CUDA context, which
max_memory_reserved does not see). MFU = tokens/s x (4N for LoRA/QLoRA, 6N for full) / peak bf16
FLOP/s, N = all parameters (model FLOPs: recomputation under gradient checkpointing is not counted).

Without CUDA it runs a smoke mode with tiny configs on the CPU: it checks that the script works end
to end and reports peak RSS of each child (labelled RSS, not GPU memory) against the CPU estimate.

    python bench/gpu_memory.py                          # GPU: Qwen2.5 0.5B, 1.5B, 7B x lora,qlora,full x 1024
    python bench/gpu_memory.py --seq-lens 512,2048 --batch 2 --steps 6 --markdown
    python bench/gpu_memory.py --smoke                  # CPU smoke (the default without CUDA)
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from engine.catalog import ModelSpec, get_model  # noqa: E402
from engine.memory import estimate  # noqa: E402

OUT = REPO / "bench" / "out" / "gpu_memory"
YARDSTICK = REPO.parent / "shared" / "bench-reference" / "plain_peft_train.py"
GPU_MODELS = "Qwen/Qwen2.5-0.5B-Instruct,Qwen/Qwen2.5-1.5B-Instruct,Qwen/Qwen2.5-7B-Instruct"
# Dense bf16 peak FLOP/s by device name (vendor data sheets), for MFU. --peak-tflops overrides.
PEAK_TFLOPS = {"H200": 989.0, "H100 SXM": 989.0, "H100 80GB HBM3": 989.0, "H100 PCIe": 756.0, "H100": 989.0,
               "A100": 312.0, "L40S": 362.0, "L4": 121.0, "A10": 125.0, "RTX 4090": 165.0, "RTX 3090": 71.0}
# Tiny architectures for the CPU smoke mode: the same code paths, seconds per run.
SMOKE_SPECS = [ModelSpec(id="tiny-llama", num_hidden_layers=2, hidden_size=64, intermediate_size=160,
                         num_attention_heads=4, num_key_value_heads=2, vocab_size=600, tie_word_embeddings=True,
                         max_position_embeddings=2048, model_type="llama")]
CHATML = ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
          "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")
SPECIALS = ["[UNK]", "<|endoftext|>", "<|im_start|>", "<|im_end|>"]
ROLE_WORDS = ["system", "user", "assistant"]

# What a child process runs: the trainer or the yardstick, then its own peak memory as a JSON line.
_CHILD = r"""
import json, resource, runpy, sys
kind, arg = sys.argv[1], sys.argv[2:]
rc = 0
try:
    if kind == "tunewiz":
        from engine.train.run import main
        rc = main(arg)
    else:
        sys.argv = arg
        runpy.run_path(arg[0], run_name="__main__")
except SystemExit as exc:
    rc = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
cuda = None
try:
    import torch
    if torch.cuda.is_available():
        cuda = torch.cuda.max_memory_reserved()
except Exception:
    pass
print("BENCH_PEAK " + json.dumps({"rc": rc, "rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                                  "cuda_reserved": cuda}), flush=True)
sys.exit(rc)
"""


def hf_config(spec: ModelSpec) -> Any:
    from transformers import AutoConfig
    if spec.model_type not in ("llama", "qwen2"):
        sys.exit(f"{spec.id}: only llama/qwen2 architectures can be built without their remote code")
    return AutoConfig.for_model(
        spec.model_type, num_hidden_layers=spec.num_hidden_layers, hidden_size=spec.hidden_size,
        intermediate_size=spec.intermediate_size, num_attention_heads=spec.num_attention_heads,
        num_key_value_heads=spec.num_key_value_heads, vocab_size=spec.vocab_size, head_dim=spec.head_size,
        tie_word_embeddings=spec.tie_word_embeddings, max_position_embeddings=spec.max_position_embeddings)


def word_vocab(spec: ModelSpec) -> list[str]:
    size = min(spec.vocab_size, 4096) - len(SPECIALS) - len(ROLE_WORDS)
    return [f"w{i}" for i in range(size)]


def build_model(spec: ModelSpec, folder: Path, cuda: bool) -> Path:
    """Random weights from the config, saved in bf16 with a word-level tokenizer (one token per word,
    so example lengths are exact). Reused when already there."""
    if (folder / "config.json").is_file() and (folder / "tokenizer.json").is_file():
        return folder
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast

    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    dtype = torch.bfloat16 if cuda else torch.float32
    with torch.device("cuda" if cuda else "cpu"):
        model = AutoModelForCausalLM.from_config(hf_config(spec), dtype=dtype)
    model.save_pretrained(folder)
    del model
    if cuda:
        torch.cuda.empty_cache()
    vocab = {w: i for i, w in enumerate(SPECIALS + ROLE_WORDS + word_vocab(spec))}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="<|endoftext|>",
                                   eos_token="<|im_end|>", additional_special_tokens=["<|im_start|>"])
    fast.chat_template = CHATML
    fast.save_pretrained(folder)
    print(f"  built {spec.id} with random weights in {time.perf_counter() - started:.0f} s -> {folder}",
          file=sys.stderr)
    return folder


def write_data(path: Path, spec: ModelSpec, seq_len: int, rows: int) -> Path:
    """Chat rows whose answers overflow seq_len (3 of 4) or fill ~60% of it (1 of 4): batches are
    padded to the full length and carry an attention mask, as real unpacked batches do."""
    words = word_vocab(spec)
    lines = []
    for i in range(rows):
        n = seq_len + 16 if i % 4 else int(seq_len * 0.6)
        answer = " ".join(words[(i * 7 + j) % len(words)] for j in range(n))
        lines.append(json.dumps({"messages": [{"role": "user", "content": " ".join(words[i % 50: i % 50 + 8])},
                                              {"role": "assistant", "content": answer}]}))
    path.write_text("\n".join(lines) + "\n")
    return path


def _child(kind: str, args: list[str], cwd: Path, timeout: int) -> tuple[dict, str]:
    from engine.launch import _trainer_env  # the environment `tunewiz train` gives its trainer
    result = subprocess.run([sys.executable, "-c", _CHILD, kind, *args], capture_output=True, text=True,
                            cwd=str(cwd), env=_trainer_env(), timeout=timeout)
    peak: dict = {"rc": result.returncode}
    for line in result.stdout.splitlines():
        if line.startswith("BENCH_PEAK "):
            peak = json.loads(line[len("BENCH_PEAK "):])
    return peak, result.stdout + result.stderr


def _steady_rate(run_dir: Path) -> tuple[float | None, float | None]:
    """(non-padding tokens/s after the first step, the trainer's max_memory_reserved in bytes)."""
    from engine.events import read_events
    steps = [e for e in read_events(run_dir / "events.jsonl") if e.get("type") == "step"]
    peak = max((e.get("gpu_mem_peak_gb") or 0 for e in steps), default=0) * 2 ** 30 or None
    later = steps[1:] or steps
    tokens = sum(e.get("tokens") or 0 for e in later)
    seconds = sum((e.get("tokens") or 0) / e["tokens_per_s"] for e in later if e.get("tokens_per_s"))
    return (tokens / seconds if seconds else None), peak


def run_tunewiz(model_dir: Path, data: Path, method: str, seq: int, batch: int, steps: int, ckpt: bool,
                runs_dir: Path, timeout: int) -> dict:
    from engine.launch import create_run_dir
    from engine.train.config import RunConfig
    config = RunConfig(name=f"mem-{model_dir.name}-{method}-{seq}", model=str(model_dir), method=method,
                       data=[{"path": str(data)}], eval_split=0, max_length=seq, packing=False, max_steps=steps,
                       batch_size=batch, grad_accum=1, gradient_checkpointing=ckpt, save_steps=100_000,
                       runs_dir=str(runs_dir), learning_rate=2e-4 if method in ("lora", "qlora") else 2e-5,
                       lora={"r": 16, "alpha": 32, "dropout": 0.05, "target_modules": "all-linear"})
    run_dir = create_run_dir(config)
    peak, log = _child("tunewiz", [str(run_dir)], run_dir.parent, timeout)
    rate, trainer_peak = _steady_rate(run_dir)
    outcome = _outcome(peak.get("rc"), log)
    shutil.rmtree(run_dir / "adapter", ignore_errors=True)   # saved weights are not needed here
    shutil.rmtree(run_dir / "model", ignore_errors=True)
    return {"rc": peak.get("rc"), "outcome": outcome, "tokens_per_s": rate, "rss": peak.get("rss"),
            "cuda_reserved": trainer_peak or peak.get("cuda_reserved"), "log_tail": log[-1500:] if outcome != "ok" else ""}


def run_plain(yardstick: Path, model_dir: Path, data: Path, method: str, seq: int, batch: int, steps: int,
              out: Path, timeout: int) -> dict:
    args = [str(yardstick), "--model", str(model_dir), "--data", str(data), "--method", method,
            "--max-steps", str(steps), "--max-length", str(seq), "--batch-size", str(batch), "--lora-r", "16",
            "--targets", "all-linear", "--output", str(out / f"plain-{model_dir.name}-{method}-{seq}")]
    peak, log = _child("plain", args, out, timeout)
    rate = None
    for line in reversed(log.splitlines()):
        if line.startswith("{") and "tokens_per_s" in line:
            rate = json.loads(line)["tokens_per_s"] or None
            break
    return {"rc": peak.get("rc"), "outcome": _outcome(peak.get("rc"), log), "tokens_per_s": rate,
            "rss": peak.get("rss"), "cuda_reserved": peak.get("cuda_reserved"),
            "log_tail": log[-1500:] if peak.get("rc") else ""}


def _outcome(rc: Any, log: str) -> str:
    if rc == 0:
        return "ok"
    return "oom" if "out of memory" in log.lower() else "failed"


def peak_tflops(name: str, override: float | None) -> float | None:
    if override:
        return override
    for key, value in PEAK_TFLOPS.items():
        if key in name:
            return value
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default=None, help=f"catalog ids (default on GPU: {GPU_MODELS})")
    parser.add_argument("--methods", default="lora,qlora,full")
    parser.add_argument("--seq-lens", default=None, help="default: 1024 on GPU, 64 in smoke mode")
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--steps", type=int, default=None, help="optimizer steps per run (default 6 GPU, 3 smoke)")
    parser.add_argument("--grad-checkpointing", choices=("match", "on", "off"), default="match",
                        help="match (default): like the yardstick, off for LoRA/full and on for QLoRA "
                             "(peft's QLoRA preparation turns it on)")
    parser.add_argument("--no-plain", action="store_true", help="skip the plain transformers + peft yardstick")
    parser.add_argument("--yardstick", default=str(YARDSTICK))
    parser.add_argument("--smoke", action="store_true", help="tiny configs on the CPU (default without CUDA)")
    parser.add_argument("--peak-tflops", type=float, default=None, help="dense bf16 peak for MFU")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per training child")
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table for RESULTS.md")
    args = parser.parse_args(argv)

    import torch
    cuda = torch.cuda.is_available() and not args.smoke
    device_name = torch.cuda.get_device_name(0) if cuda else "CPU (smoke mode: peak RSS, not GPU memory)"
    vram = torch.cuda.get_device_properties(0).total_memory / 2 ** 30 if cuda else None
    if args.models:
        specs = []
        for name in args.models.split(","):
            spec = get_model(name.strip())
            if spec is None:
                parser.error(f"--models: {name!r} is not a catalog id")
            specs.append(spec)
    else:
        specs = [get_model(m) for m in GPU_MODELS.split(",")] if cuda else SMOKE_SPECS
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    bad = [m for m in methods if m not in ("lora", "qlora", "full")]
    if bad:
        parser.error(f"--methods: {', '.join(bad)} (use lora, qlora, full)")
    seq_lens = [int(s) for s in (args.seq_lens or ("1024" if cuda else "64")).split(",")]
    # The yardstick starts its clock at step 2, so 3 steps is the least that gives it a rate.
    steps = args.steps or (6 if cuda else 3)
    yardstick = Path(args.yardstick)
    plain_on = not args.no_plain and yardstick.is_file()
    out = Path(args.out).resolve()   # children run in other folders
    out.mkdir(parents=True, exist_ok=True)
    runs_dir = Path(tempfile.mkdtemp(prefix="runs-", dir=out))
    tflops = peak_tflops(device_name, args.peak_tflops) if cuda else None
    print(f"device: {device_name}" + (f", {vram:.1f} GiB" if vram else "") +
          (f", peak {tflops:g} TFLOP/s bf16" if tflops else ""))
    if not plain_on:
        print(f"plain baseline: skipped ({'--no-plain' if args.no_plain else f'yardstick not found at {yardstick}'})")

    rows: list[dict] = []
    for spec in specs:
        model_dir = build_model(spec, out / "models" / spec.id.replace("/", "--"), cuda)
        for seq in seq_lens:
            data = write_data(out / f"data-{spec.id.replace('/', '--')}-{seq}.jsonl", spec, seq,
                              rows=max(16, steps * args.batch * 2))
            for method in methods:
                ckpt = {"on": True, "off": False}.get(args.grad_checkpointing, method == "qlora")
                kw: dict[str, Any] = dict(grad_checkpointing=ckpt, device="cuda" if cuda else "cpu",
                                          precision="bf16" if cuda else "fp32", padded=args.batch > 1)
                for path in ("tunewiz", "plain"):
                    if path == "plain" and (not plain_on or method == "full"):
                        continue
                    e = estimate(spec, method, seq, args.batch, loss_impl="chunked" if path == "tunewiz" else "full",
                                 **{**kw, "grad_checkpointing": ckpt if path == "tunewiz" else method == "qlora"})
                    row = {"model": spec.id, "method": method, "seq": seq, "batch": args.batch, "path": path,
                           "ckpt": e.gradient_checkpointing, "estimate_gb": e.total_gb,
                           "estimate_allocator_gb": e.allocator_gb, "breakdown": e.breakdown}
                    if cuda and vram and e.total_gb > vram * 1.15:
                        row.update(outcome="skipped", note=f"estimate {e.total_gb:.1f} GB > {vram:.0f} GB")
                        rows.append(row)
                        print(_line(row, tflops))
                        continue
                    started = time.perf_counter()
                    if path == "tunewiz":
                        result = run_tunewiz(model_dir, data, method, seq, args.batch, steps, ckpt, runs_dir,
                                             args.timeout)
                    else:
                        result = run_plain(yardstick, model_dir, data, method, seq, args.batch, steps, out,
                                           args.timeout)
                    row.update(result, seconds=round(time.perf_counter() - started, 1))
                    measured = result.get("cuda_reserved") if cuda else result.get("rss")
                    if measured:
                        row["measured_gb"] = round(measured / 2 ** 30, 3)
                        compare = e.allocator_gb if cuda else e.total_gb
                        row["ratio"] = round(row["measured_gb"] / compare, 3) if compare else None
                    n = spec.param_count()
                    if result.get("tokens_per_s") and tflops:
                        flops = (6 if method == "full" else 4) * n * result["tokens_per_s"]
                        row["mfu"] = round(flops / (tflops * 1e12), 4)
                    rows.append(row)
                    print(_line(row, tflops), flush=True)
                    if row.get("outcome") not in ("ok", "skipped") and row.get("log_tail"):
                        print("    " + row["log_tail"].strip().replace("\n", "\n    ")[-1200:], file=sys.stderr)
    payload = {"device": device_name, "vram_gb": vram, "peak_tflops": tflops, "cuda": cuda, "steps": steps,
               "measured": "torch.cuda.max_memory_reserved" if cuda else "peak RSS of the training process",
               "rows": [{k: v for k, v in r.items() if k != "log_tail"} for r in rows]}
    (out / "results.json").write_text(json.dumps(payload, indent=1))
    if args.markdown:
        print()
        print(markdown(payload))
    shutil.rmtree(runs_dir, ignore_errors=True)
    failed = [r for r in rows if r.get("outcome") not in ("ok", "skipped", "oom")]
    return 1 if failed else 0


def _line(row: dict, tflops: float | None) -> str:
    measured = f"{row['measured_gb']:.2f}" if row.get("measured_gb") else "-"
    ratio = f"{row['ratio']:.2f}" if row.get("ratio") else "-"
    rate = f"{row['tokens_per_s']:.0f}" if row.get("tokens_per_s") else "-"
    mfu = f"{row['mfu']:.1%}" if row.get("mfu") is not None else "-"
    return (f"{row['model'][:28]:28s} {row['method']:5s} seq {row['seq']:<5d} {row['path']:7s} "
            f"ckpt={'on ' if row['ckpt'] else 'off'} est {row['estimate_allocator_gb']:6.2f} meas {measured:>6s} "
            f"ratio {ratio:>5s} tok/s {rate:>7s} MFU {mfu:>6s} {row.get('outcome', '')} {row.get('note', '')}")


def markdown(payload: dict) -> str:
    label = "measured (max_memory_reserved, GiB)" if payload["cuda"] else "measured (peak RSS, GiB; CPU smoke)"
    lines = [f"Device: {payload['device']}; {payload['steps']} steps per run; estimate = allocator part "
             "(total minus CUDA context).", "",
             f"| model | method | seq | batch | trainer | ckpt | estimate (GiB) | {label} | ratio | tokens/s | MFU |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in payload["rows"]:
        lines.append(f"| {r['model']} | {r['method']} | {r['seq']} | {r['batch']} | {r['path']} | "
                     f"{'on' if r['ckpt'] else 'off'} | {r['estimate_allocator_gb']:.2f} | "
                     f"{r.get('measured_gb', r.get('outcome', '-'))} | {r.get('ratio', '-')} | "
                     f"{round(r['tokens_per_s']) if r.get('tokens_per_s') else '-'} | "
                     f"{format(r['mfu'], '.1%') if r.get('mfu') is not None else '-'} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
