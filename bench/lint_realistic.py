#!/usr/bin/env python3
"""Lint throughput on realistic data: `tunewiz lint` against the bare reference validator, in one run.

    python bench/lint_realistic.py [--mb 60] [--rounds 5] [--file PATH]

The benchmark file of bench/lint_throughput.py is generated CJK chat where 0.5% of rows carry anything
a quality rule looks at. Real data is different: order numbers, dates, prices, e-mail addresses, URLs
and tool calls in most rows. This script builds an OpenAI-format JSONL of about --mb MB under bench/out/
(gitignored; reused when already there) from real rows:

- the sample data's customer-service chats (sample_data/support_openai.jsonl, bilingual, with their
  order numbers, prices and dates), with every digit run redrawn (same length), and in a third of the
  rows (and in every row without a digit) a user turn gets an e-mail address, a date and an
  order-tracking URL;
- LLaMA-Factory's tool-call set (../shared/peer-data/llamafactory/glaive_toolcall_zh_demo.json, its
  conversations that call a tool; a third of the rows) converted to OpenAI messages: `tools` schemas,
  assistant `tool_calls` with JSON arguments, `tool` results, numbers redrawn, random call ids.

Rows are thus almost never byte-identical; the few that are (a tool conversation without a number
drawn twice) are real duplicates that lint reports, as it would in a user's file. Then it runs
../shared/bench-reference/reference_validate.py (as it is), `tunewiz lint FILE --json --no-tokenizer`
(default workers) and the same with `--workers 1`, alternately, --rounds times, and prints wall and CPU
ratios (reference / tunewiz; > 1 means tunewiz is faster), per round and as the median of the paired
rounds. `--file` runs the same comparison on any other file (e.g. bench/out/cjk_chat_200mb.jsonl).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lint_throughput import REFERENCE, compile_sources, lint_cmd, run  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
SUPPORT = REPO / "sample_data" / "support_openai.jsonl"
TOOLS = REPO.parent / "shared" / "peer-data" / "llamafactory" / "glaive_toolcall_zh_demo.json"

NAMES = ["zhang.wei", "li.na", "wang.fang", "liu.yang", "chen.jing", "emma.taylor", "noah.smith", "olivia.brown",
         "j.martin", "sophie.dubois", "kenji.sato", "maria.garcia", "ahmed.khan", "anna.k", "tom_h", "mei-ling"]
DOMAINS = ["example.com", "mail.example.org", "qq.example.cn", "163.example.net", "company.example.co.uk"]
EXTRA_EN = ["My e-mail is {email}, ordered on {date}. Tracking page: https://track.example.com/o/{num}",
            "Please reply to {email}. The order ({num}) was placed {date}, see https://shop.example.com/orders/{num}?ref=mail"]
EXTRA_ZH = ["我的邮箱是 {email}，{date} 下的单，物流链接 https://track.example.com/o/{num}",
            "请发到 {email}，订单 {num}，{date} 付款，详情见 https://shop.example.com/orders/{num}"]
DIGITS = re.compile(r"\d+")


def _redraw(text: str, rnd: random.Random) -> str:
    """Every digit run replaced by random digits of the same length (a leading digit stays non-zero)."""
    def sub(m: re.Match) -> str:
        s = m.group()
        first = str(rnd.randint(1, 9)) if s[0] != "0" else "0"
        return first + "".join(str(rnd.randint(0, 9)) for _ in s[1:])
    return DIGITS.sub(sub, text)


def _tool_row(row: dict, rnd: random.Random) -> dict:
    """One row of glaive_toolcall_zh_demo.json (ShareGPT with function_call / observation) as an OpenAI
    tool-call row with its numbers redrawn and random call ids (as OpenAI's are)."""
    tools = [{"type": "function", "function": t} for t in json.loads(row["tools"] or "[]")]
    msgs: list[dict] = []
    call = 0
    call_id = "call_0"
    for turn in row["conversations"]:
        role, value = turn["from"], turn["value"]
        if role == "human":
            msgs.append({"role": "user", "content": _redraw(value, rnd)})
        elif role == "gpt":
            msgs.append({"role": "assistant", "content": _redraw(value, rnd)})
        elif role == "function_call":
            call += 1
            fc = json.loads(_redraw(value, rnd))
            call_id = f"call_{call}_" + "".join(rnd.choice("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
                                                  for _ in range(12))
            msgs.append({"role": "assistant", "tool_calls": [{
                "id": call_id, "type": "function",
                "function": {"name": fc["name"], "arguments": json.dumps(fc["arguments"], ensure_ascii=False)}}]})
        elif role == "observation":
            msgs.append({"role": "tool", "tool_call_id": call_id, "content": _redraw(value, rnd)})
    row_out: dict = {"messages": msgs}
    if tools:
        row_out["tools"] = tools
    return row_out


def generate(path: Path, mb: int, seed: int = 7, tool_share: float = 1 / 3) -> dict:
    """Writes about `mb` MB of realistic rows; returns how many of each kind."""
    import orjson
    counts = {"support": 0, "support_with_email_url": 0, "tool_call": 0}
    if path.exists() and abs(path.stat().st_size - mb * 1_000_000) < 2_000_000:
        return counts
    rnd = random.Random(seed)
    support = [orjson.loads(line) for line in SUPPORT.read_bytes().splitlines() if line.strip()]
    # Only the conversations that call a tool (the others are plain chats).
    tools = [r for r in json.loads(TOOLS.read_text(encoding="utf-8")) if any(t["from"] == "function_call" for t in r["conversations"])]
    target = mb * 1_000_000
    written = 0
    tmp = path.with_suffix(".partial")
    with open(tmp, "wb") as f:
        while written < target:
            if rnd.random() < tool_share:
                row = _tool_row(rnd.choice(tools), rnd)
                counts["tool_call"] += 1
                line = orjson.dumps(row)
            else:
                row = rnd.choice(support)
                msgs = [dict(m, content=_redraw(m["content"], rnd)) for m in row["messages"]]
                counts["support"] += 1
                # A third of the rows, and every row without a digit (it would repeat an earlier one).
                if rnd.random() < 1 / 3 or not any(DIGITS.search(m["content"]) for m in msgs):
                    counts["support_with_email_url"] += 1
                    users = [i for i, m in enumerate(msgs) if m["role"] == "user"]
                    i = rnd.choice(users)
                    zh = any("\u4e00" <= c <= "\u9fff" for c in msgs[i]["content"])
                    extra = rnd.choice(EXTRA_ZH if zh else EXTRA_EN).format(
                        email=f"{rnd.choice(NAMES)}{rnd.randint(1, 999)}@{rnd.choice(DOMAINS)}",
                        date=f"2026-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
                        num=rnd.randint(10**6, 10**9))
                    msgs[i] = dict(msgs[i], content=msgs[i]["content"] + (" " if not zh else "。") + extra)
                line = orjson.dumps({"messages": msgs})
            line += b"\n"
            f.write(line)
            written += len(line)
    tmp.replace(path)
    return counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--tool-share", type=float, default=1 / 3, help="share of tool-call rows (default 1/3)")
    ap.add_argument("--src", type=Path, help="time the lint of another source tree (e.g. an older revision's src/)")
    ap.add_argument("--file", type=Path, help="benchmark this file instead of the generated realistic one")
    args = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.file:
        data = args.file
    else:
        share = round(args.tool_share * 100)
        data = OUT / (f"realistic_{args.mb}mb.jsonl" if share == 33 else f"realistic_{args.mb}mb_tools{share}.jsonl")
        print(f"generating {data} ...", flush=True)
        made = generate(data, args.mb, tool_share=args.tool_share)
        if any(made.values()):
            print(f"  rows: {made}", flush=True)
    if args.src:
        os.environ["PYTHONPATH"] = str(args.src.resolve())  # ahead of the installed (editable) tunewiz
    compile_sources(args.src)
    size_mb = data.stat().st_size / 1e6
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()}; file {size_mb:.1f} MB", flush=True)
    if not REFERENCE.is_file():
        sys.exit(f"the reference validator is missing: {REFERENCE}")
    paired: dict[str, list[float]] = {"wall": [], "cpu": [], "wall_workers_1": [], "cpu_workers_1": []}
    findings = None
    for i in range(args.rounds):
        load = os.getloadavg()[0]
        r = run([sys.executable, str(REFERENCE), str(data)])
        o = run(lint_cmd(data))
        s = run(lint_cmd(data, "--workers", "1"))
        out = json.loads(o["stdout"])
        one = json.loads(s["stdout"])
        timing = ("seconds", "scan_mb_per_s")
        if out["findings"] != one["findings"] or ({k: v for k, v in out["stats"].items() if k not in timing}
                                                  != {k: v for k, v in one["stats"].items() if k not in timing}):
            sys.exit("the default and --workers 1 runs disagree")
        findings = out["stats"].get("findings_by_code")
        paired["wall"].append(r["wall"] / o["wall"])
        paired["cpu"].append(r["cpu"] / o["cpu"])
        paired["wall_workers_1"].append(r["wall"] / s["wall"])
        paired["cpu_workers_1"].append(r["cpu"] / s["cpu"])
        print(f"  round {i + 1} (load {load:.1f}): reference {r['wall']:.2f} s wall / {r['cpu']:.2f} CPU s; "
              f"tunewiz {o['wall']:.2f} / {o['cpu']:.2f} (ratio {paired['wall'][-1]:.2f} wall, {paired['cpu'][-1]:.2f} CPU); "
              f"--workers 1 {s['wall']:.2f} / {s['cpu']:.2f} (ratio {paired['wall_workers_1'][-1]:.2f} wall, "
              f"{paired['cpu_workers_1'][-1]:.2f} CPU)", flush=True)
    print(json.dumps({"file": str(data), "file_mb": round(size_mb, 1), "rounds": args.rounds,
                      "ratio_median_of_rounds": {k: round(statistics.median(v), 3) for k, v in paired.items()},
                      "ratio_best_round": {k: round(max(v), 3) for k, v in paired.items()},
                      "findings_by_code": findings, "load_average": [round(x, 2) for x in os.getloadavg()]}, indent=1))


if __name__ == "__main__":
    main()
