"""A refactor must not cost speed: time the same tunewiz command on an earlier revision and on the
working tree, alternately, in one run, and print the ratio.

    python bench/revisions.py --base edd4968                 # lint on user-like files, 7 rounds
    python bench/revisions.py --base edd4968 --what monitor  # re-attach: fold a long events file

The base revision's `src/` is exported with `git archive` into bench/out/ and run through PYTHONPATH
(the same venv and libraries for both). The lint files are the ones users have: the sample data
(orders, dates, e-mails, tool calls, long and short turns), LLaMA-Factory's peer files (Chinese Alpaca,
tool calls, identity placeholders) and a 20 MB slice of the lint benchmark's CJK support chats.
Each round runs both revisions on every file, the order alternating; the ratio is base time / new
time, so above 1 means the working tree is faster. CPU seconds come from the children's rusage,
which the machine's other load disturbs less than wall time.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import OUT, REPO, SHARED, print_table  # noqa: E402

LINT_FILES = [
    REPO / "sample_data" / "support_openai.jsonl",
    REPO / "sample_data" / "support_sharegpt.json",
    REPO / "sample_data" / "support_alpaca.json",
    REPO / "sample_data" / "broken" / "pii_placeholders.jsonl",
    SHARED / "peer-data" / "llamafactory" / "glaive_toolcall_zh_demo.json",
    SHARED / "peer-data" / "llamafactory" / "alpaca_zh_demo.json",
]


def export_revision(rev: str) -> Path:
    """`src/` of `rev`, unpacked under bench/out/rev-<rev>/."""
    target = OUT / f"rev-{rev}"
    if not (target / "src").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        archive = subprocess.run(["git", "archive", "--format=tar", rev, "src"], cwd=REPO, capture_output=True,
                                 check=True).stdout
        with tempfile.TemporaryFile() as handle:
            handle.write(archive)
            handle.seek(0)
            with tarfile.open(fileobj=handle) as tar:
                tar.extractall(target)
    return target / "src"


def timed(cmd: list[str], src: Path) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds of the child, stdout) of one run of `cmd` with `src` first on the path."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(src)})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0, 1):  # lint exits 1 for a file with errors
        sys.exit(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, result.stdout


def lint_cases(slice_mb: int) -> list[tuple[str, list[str]]]:
    sys.path.insert(0, str(REPO / "bench"))
    from lint_throughput import generate
    chats = OUT / f"cjk_chat_{slice_mb}mb.jsonl"
    if not chats.exists():
        generate(chats, slice_mb)
    files = [p for p in LINT_FILES if p.exists()] + [chats]
    return [(p.name, [sys.executable, "-m", "tui.cli", "lint", str(p), "--json", "--no-tokenizer", "--workers", "1"])
            for p in files]


def monitor_cases() -> list[tuple[str, list[str]]]:
    runs_dir = OUT / "revisions-runs"
    run_dir = runs_dir / "long"
    if not (run_dir / "events.jsonl").exists():
        sys.path.insert(0, str(REPO / "tests"))
        from monitor_synth import write_long_run  # the same synthetic history as bench/monitor_reattach.py
        write_long_run(runs_dir, "long", 100_000)
    # A re-attach as the monitor does it (engine.monitoring.RunWatcher in both revisions): the overview
    # first, then the exact history until caught up, then one snapshot for a 400-column chart.
    code = ("import sys; from engine.monitoring import RunWatcher\n"
            "w = RunWatcher(sys.argv[1]); w.poll(); w.snapshot(400)\n"
            "while w.catching_up:\n    w.poll()\n"
            "w.snapshot(400)\n")
    return [("re-attach to 100k steps", [sys.executable, "-c", code, str(run_dir)])]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", required=True, help="the earlier revision (commit, tag or branch)")
    ap.add_argument("--what", choices=["lint", "monitor"], default="lint")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--slice-mb", type=int, default=20, help="size of the CJK chat file for lint")
    ap.add_argument("--only", default="", help="run only the cases whose name contains this")
    args = ap.parse_args()
    base_src, new_src = export_revision(args.base), REPO / "src"
    cases = lint_cases(args.slice_mb) if args.what == "lint" else monitor_cases()
    cases = [case for case in cases if args.only in case[0]]
    times: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for rnd in range(args.rounds):
        for name, cmd in cases:
            order = [("base", base_src), ("new", new_src)]
            if rnd % 2:
                order.reverse()
            outputs = {}
            for label, src in order:
                wall, cpu, out = timed(cmd, src)
                times.setdefault((name, label), []).append((wall, cpu))
                outputs[label] = out
            if args.what == "lint":  # same findings: timing fields aside, the reports must agree
                strip = lambda s: [ln for ln in s.splitlines() if '"seconds"' not in ln and "mb_per_s" not in ln]  # noqa: E731
                if strip(outputs["base"]) != strip(outputs["new"]):
                    sys.exit(f"{name}: the two revisions report different findings")
    rows = []
    for name, _ in cases:
        base, new = times[(name, "base")], times[(name, "new")]
        wall_ratio = statistics.median(b[0] / n[0] for b, n in zip(base, new))
        cpu_ratio = statistics.median(b[1] / n[1] for b, n in zip(base, new))
        rows.append([name, f"{min(b[0] for b in base):.3f}", f"{min(n[0] for n in new):.3f}",
                     f"{wall_ratio:.3f}", f"{cpu_ratio:.3f}"])
    print(f"base {args.base} vs working tree, {args.rounds} alternating rounds, {args.what}")
    print_table(rows, ["case", "base best wall s", "new best wall s", "median wall ratio", "median CPU ratio"])
    all_cpu = [b[1] / n[1] for (name, _) in cases for b, n in zip(times[(name, "base")], times[(name, "new")])]
    print(f"all cases: median CPU ratio {statistics.median(all_cpu):.3f} (base/new; >= 1 means no slower)")


if __name__ == "__main__":
    main()
