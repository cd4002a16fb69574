#!/usr/bin/env python3
"""Lint throughput benchmark: `tunewiz lint` against the bare reference validator, in one run.

    python bench/lint_throughput.py [--mb 200] [--big-mb 1000] [--token-rows 20000] [--repeat 5]

1. Generates an OpenAI-format CJK customer-service chat JSONL of about --mb MB under bench/out/
   (gitignored; reused when already there), with a sprinkle of duplicates, personal data and
   placeholders so the slow paths run too.
2. Runs ../shared/bench-reference/reference_validate.py (as it is) and `tunewiz lint --json
   --no-tokenizer` (all structural and quality rules, no tokenizer) on it, alternating, best of
   --repeat each; also `--workers 1` to show the single-process speed. MB/s are file size over
   wall time of the whole command, start-up included, for both. CPU seconds (rusage of the command
   and its children) are reported beside: on a shared machine they are the steadier comparison,
   and so are ratios of runs made back to back (the median over rounds is reported too),
   and where the kernel groups CPU time by session (sched_autogroup) a forked worker cannot add CPU
   time while other sessions keep the CPUs busy, so wall time then follows CPU time.
3. Peak memory of `tunewiz lint` on the --mb file and on a --big-mb file (when the disk has room):
   the largest single process (ru_maxrss) and the whole process tree (sampled /proc RSS).
4. Token statistics with the demo model's tokenizer (chat template applied, batched): tokens/s.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "out"
REFERENCE = REPO.parent / "shared" / "bench-reference" / "reference_validate.py"

SYSTEM = ["你是某电商平台的客服助手，语气礼貌、简洁，先致歉再给出解决办法。", "你是品牌官方客服，回答要专业、温和，不推诿。"]
USER = ["我的快递三天了还没到，怎么回事？", "衣服尺码不合适，可以换货吗？", "退款什么时候到账？", "收到的杯子是碎的，怎么办？",
        "你们的客服态度太差了！", "优惠券为什么用不了？", "能开发票吗？", "商品和描述不一致，我要投诉。", "可以改收货地址吗？",
        "Can I change my shipping address?", "The parcel arrived damaged, what should I do?"]
ANSWER = ["非常抱歉给您带来不便。", "我们已经为您登记了退款申请，预计 3 到 5 个工作日内原路退回。", "请您提供一下订单号，我帮您查询物流进度。",
          "感谢您的耐心等待，售后同事会在 24 小时内联系您。", "关于您反馈的商品质量问题，我们非常重视。", "根据平台规则，签收后七天内可以无理由退货。",
          "如果包装有破损，请拍照上传，我们会优先处理。", "本店所有商品均为正品，支持专柜验货。", "您可以在“我的订单”里申请电子发票。",
          "优惠券需满足使用门槛，且部分特价商品不参与。", "We are sorry for the delay; the courier has been chased and will deliver tomorrow.",
          "Please send a photo of the damage and we will ship a replacement at no cost."]
ODD = ["如有疑问请联系 13812345678。", "发票已发送至 zhang.wei@example.com。", "您好，我是 {{name}}。", "<p>感谢您的反馈</p>"]


def generate(path: Path, mb: int, seed: int = 1) -> None:
    """Writes about `mb` MB of chat rows; 0.5% carry a quality issue, 0.5% repeat an earlier row."""
    import orjson
    if path.exists() and abs(path.stat().st_size - mb * 1_000_000) < 2_000_000:
        return
    rnd = random.Random(seed)
    target = mb * 1_000_000
    written = 0
    recent: list[bytes] = []
    tmp = path.with_suffix(".partial")
    with open(tmp, "wb") as f:
        while written < target:
            if recent and rnd.random() < 0.005:
                line = rnd.choice(recent)
            else:
                msgs = [{"role": "system", "content": rnd.choice(SYSTEM)}]
                for _ in range(rnd.randint(1, 3)):
                    msgs.append({"role": "user", "content": rnd.choice(USER) + f"订单号 {rnd.randint(10**7, 10**8)}。"})
                    text = "".join(rnd.choice(ANSWER) for _ in range(rnd.randint(3, 12)))
                    if rnd.random() < 0.005:
                        text += rnd.choice(ODD)
                    msgs.append({"role": "assistant", "content": text})
                line = orjson.dumps({"messages": msgs}) + b"\n"
                if len(recent) < 1000:
                    recent.append(line)
            f.write(line)
            written += len(line)
    tmp.replace(path)


def _tree_rss_kb(pid: int) -> int:
    """RSS of a process and all its descendants, from /proc (Linux)."""
    total = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
            with open(f"/proc/{p}/task/{p}/children") as f:
                stack += [int(x) for x in f.read().split()]
        except (OSError, ValueError):
            continue
    return total


def run(cmd: list[str]) -> dict:
    """Runs a command; wall seconds, exit code, stdout, peak RSS (largest process, and whole tree)."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    peak_tree = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_tree
        while not stop.is_set():
            peak_tree = max(peak_tree, _tree_rss_kb(p.pid))
            time.sleep(0.05)
    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out = p.stdout.read()
    _, status, rusage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    stop.set()
    t.join()
    return {"wall": wall, "rc": p.returncode, "stdout": out, "maxrss_mb": rusage.ru_maxrss / 1024, "tree_mb": peak_tree / 1024,
            # CPU seconds of the command and its waited-for children: robust when others share the CPUs.
            "cpu": rusage.ru_utime + rusage.ru_stime}


def lint_cmd(path: Path, *extra: str) -> list[str]:
    """`tunewiz lint` as the installed command runs it: tui.cli imported, not run as __main__ (which Python
    compiles from source on every run)."""
    return [sys.executable, "-c", "from tui.cli import main; main()", "lint", str(path), "--json", "--no-tokenizer", *extra]


def compile_sources(src: Path | None = None) -> None:
    """Writes the bytecode of tunewiz's modules (of `src`, default this checkout's src/) before anything is
    timed, as an installed tunewiz has it: with PYTHONDONTWRITEBYTECODE set, a module edited since its .pyc
    was written would otherwise be compiled again on every timed run."""
    import compileall
    compileall.compile_dir(str(src or REPO / "src"), quiet=1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--big-mb", type=int, default=1000)
    ap.add_argument("--token-rows", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    compile_sources()
    OUT.mkdir(parents=True, exist_ok=True)
    data = OUT / f"cjk_chat_{args.mb}mb.jsonl"
    print(f"generating {data} ...", flush=True)
    generate(data, args.mb)
    size_mb = data.stat().st_size / 1e6
    print(f"machine: {os.cpu_count()} CPUs; file {size_mb:.1f} MB", flush=True)

    ref_best = ours_best = one_best = None
    ref_cpu = ours_cpu = one_cpu = 1e9
    ref_internal = None
    ours_json = None
    rounds = []
    paired: dict[str, list[float]] = {"wall": [], "wall_single_process": [], "cpu": [], "cpu_single_process": []}
    for i in range(args.repeat):
        load = os.getloadavg()[0]
        if REFERENCE.is_file():
            r = run([sys.executable, str(REFERENCE), str(data)])
            ref_internal = json.loads(r["stdout"]).get("mb_per_s")
            ref_best = min(ref_best or 1e9, r["wall"])
            ref_cpu = min(ref_cpu, r["cpu"])
        o = run(lint_cmd(data))
        if ours_best is None or o["wall"] < ours_best["wall"]:
            ours_best = o
            ours_json = json.loads(o["stdout"])
        ours_cpu = min(ours_cpu, o["cpu"])
        s = run(lint_cmd(data, "--workers", "1"))
        one_best = min(one_best or 1e9, s["wall"])
        one_cpu = min(one_cpu, s["cpu"])
        if REFERENCE.is_file():
            paired["wall"].append(r["wall"] / o["wall"])
            paired["wall_single_process"].append(r["wall"] / s["wall"])
            paired["cpu"].append(r["cpu"] / o["cpu"])
            paired["cpu_single_process"].append(r["cpu"] / s["cpu"])
        ref_s = f"{size_mb / r['wall']:.1f} MB/s ({r['cpu']:.2f} CPU s)" if REFERENCE.is_file() else "-"
        line = (f"round {i + 1} (load {load:.1f}): reference {ref_s}, tunewiz {size_mb / o['wall']:.1f} MB/s ({o['cpu']:.2f} CPU s), "
                f"tunewiz --workers 1 {size_mb / s['wall']:.1f} MB/s ({s['cpu']:.2f} CPU s)")
        rounds.append(line)
        print("  " + line, flush=True)
    results = {"file_mb": round(size_mb, 1), "cpus": os.cpu_count(),
               "tunewiz_mb_s": round(size_mb / ours_best["wall"], 1),
               "tunewiz_single_process_mb_s": round(size_mb / one_best, 1),
               "rows": ours_json["rows"], "findings_by_code": ours_json["stats"]["findings_by_code"],
               "peak_rss_mb": {f"{args.mb}MB": {"largest_process": round(ours_best["maxrss_mb"]), "process_tree": round(ours_best["tree_mb"])}}}
    if ref_best:
        results["reference_mb_s"] = round(size_mb / ref_best, 1)
        results["reference_internal_mb_s"] = ref_internal
        results["ratio"] = round(ref_best / ours_best["wall"], 2)
        results["ratio_single_process"] = round(ref_best / one_best, 2)
        results["cpu_seconds"] = {"reference": round(ref_cpu, 2), "tunewiz": round(ours_cpu, 2), "tunewiz_workers_1": round(one_cpu, 2)}
        results["ratio_cpu_time"] = round(ref_cpu / ours_cpu, 2)
        results["ratio_cpu_time_single_process"] = round(ref_cpu / one_cpu, 2)
        # Each round's lint runs against the reference run just before it: drift between rounds cancels.
        results["ratio_median_of_rounds"] = {k: round(statistics.median(v), 2) for k, v in paired.items()}
    else:
        results["reference"] = f"skipped: {REFERENCE} not found"
    results["rounds"] = rounds

    # -- peak memory on a bigger file
    free = shutil.disk_usage(OUT).free / 1e6
    if free > args.big_mb * 2.5:
        big = OUT / f"cjk_chat_{args.big_mb}mb.jsonl"
        print(f"generating {big} ...", flush=True)
        generate(big, args.big_mb, seed=2)
        b = run(lint_cmd(big))
        results["peak_rss_mb"][f"{args.big_mb}MB"] = {"largest_process": round(b["maxrss_mb"]), "process_tree": round(b["tree_mb"])}
        results["big_file_mb_s"] = round(big.stat().st_size / 1e6 / b["wall"], 1)
        results["rss_ratio_big_vs_small"] = {
            "largest_process": round(b["maxrss_mb"] / ours_best["maxrss_mb"], 2),
            "process_tree": round(b["tree_mb"] / ours_best["tree_mb"], 2)}
    else:
        results["peak_rss_mb"][f"{args.big_mb}MB"] = f"skipped: only {free:.0f} MB free on the disk"

    # -- token statistics with the demo tokenizer
    sub = OUT / f"cjk_chat_{args.token_rows}rows.jsonl"
    with open(data, "rb") as f, open(sub, "wb") as g:
        for _ in range(args.token_rows):
            g.write(f.readline())
    sys.path.insert(0, str(REPO / "src"))
    from engine.data.lint import LintOptions, count_tokens
    from engine.data.records import sniff
    from engine.data.stats import load_counter
    counter, notice = load_counter("open", "demo")
    if notice:
        results["tokens"] = f"skipped: {notice}"
    else:
        t = time.perf_counter()
        lens = count_tokens(sniff(sub), "openai", LintOptions(), counter, set())
        dt = time.perf_counter() - t
        total = sum(n for _, n in lens)
        results["tokens"] = {"counter": counter.label, "rows": len(lens), "tokens": total,
                             "seconds": round(dt, 2), "tokens_per_s": round(total / dt)}
    results["load_average"] = [round(x, 2) for x in os.getloadavg()]
    try:
        with open("/proc/sys/kernel/sched_autogroup_enabled") as f:
            results["sched_autogroup"] = f.read().strip() == "1"
    except OSError:
        pass
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
