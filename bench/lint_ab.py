#!/usr/bin/env python3
"""Lint speed of two versions of tunewiz side by side: this checkout against an earlier commit, in one run.

    python bench/lint_ab.py [--old REV] [--rounds 15] [--file PATH] [-- EXTRA LINT OPTIONS]

A change worth a few percent is below what one run of bench/lint_realistic.py can resolve on a shared VM (its
rounds vary by ±20%). This script checks the earlier commit out into a temporary git worktree, compiles both
versions' bytecode, and then runs the old `tunewiz lint`, the new one and the reference validator one after the
other, --rounds times, each as the installed command runs (bench/lint_throughput.py: `lint_cmd`). It prints the
medians and, per round, new/old and reference/version ratios (their medians): machine drift from round to round
cancels in the ratios of one round. Both versions read the same file (default: lint_realistic.py's 60 MB mixed
file, generated if missing) and must report the same findings: the script checks that their `--json` outputs
are equal apart from the timings.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lint_realistic import OUT, generate  # noqa: E402
from lint_throughput import REFERENCE, compile_sources, lint_cmd, run  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def _findings(stdout: bytes) -> dict:
    """What must not change between the versions: each finding's code, severity, place and English, and the counts."""
    report = json.loads(stdout)
    return {"findings": [(f["code"], f["severity"], f["line"], f["field"], f["message"]) for f in report["findings"]],
            "findings_by_code": report["stats"]["findings_by_code"], "rows": report["rows"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--old", default="HEAD~1", help="the earlier commit (default HEAD~1)")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--file", type=Path, help="default: bench/out/realistic_60mb.jsonl (made if missing)")
    ap.add_argument("extra", nargs="*", help="more lint options for both versions, after --")
    args = ap.parse_args()
    path = args.file or OUT / "realistic_60mb.jsonl"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        print(f"generating {path} ...", flush=True)
        generate(path, 60)
    with tempfile.TemporaryDirectory(prefix="tunewiz-ab-") as tmp:
        old_tree = Path(tmp) / "old"
        made = subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(old_tree), args.old],
                              capture_output=True, text=True)
        if made.returncode != 0:
            sys.exit(f"--old {args.old}: git cannot check it out ({made.stderr.strip()}); give a commit of this repository")
        try:
            compile_sources(REPO / "src")
            compile_sources(old_tree / "src")
            versions = {"old": old_tree / "src", "new": REPO / "src"}
            wall: dict[str, list[float]] = {"old": [], "new": [], "reference": []}
            cpu: dict[str, list[float]] = {"old": [], "new": [], "reference": []}
            outputs: dict[str, dict] = {}
            for n in range(1, args.rounds + 1):
                for name, src in versions.items():
                    # PYTHONPATH first: each version's own modules, whatever the venv's editable install points at
                    os.environ["PYTHONPATH"] = str(src)
                    r = run(lint_cmd(path, *args.extra))
                    if r["rc"] not in (0, 1):
                        sys.exit(f"{name} lint failed with exit code {r['rc']}")
                    wall[name].append(r["wall"])
                    cpu[name].append(r["cpu"])
                    outputs.setdefault(name, _findings(r["stdout"]))
                os.environ.pop("PYTHONPATH", None)
                r = run([sys.executable, str(REFERENCE), str(path)])
                wall["reference"].append(r["wall"])
                cpu["reference"].append(r["cpu"])
                print(f"  round {n}: reference {wall['reference'][-1]:.2f} s, old {wall['old'][-1]:.2f} s, "
                      f"new {wall['new'][-1]:.2f} s", flush=True)
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(old_tree)], check=False)

    def ratio(a: list[float], b: list[float]) -> float:
        return round(statistics.median(x / y for x, y in zip(a, b)), 3)
    print(json.dumps({
        "file": str(path), "old": args.old, "rounds": args.rounds, "extra": args.extra,
        "median_wall_s": {k: round(statistics.median(v), 3) for k, v in wall.items()},
        "median_cpu_s": {k: round(statistics.median(v), 3) for k, v in cpu.items()},
        "new_over_old": {"wall": ratio(wall["new"], wall["old"]), "cpu": ratio(cpu["new"], cpu["old"])},
        "reference_over_old": {"wall": ratio(wall["reference"], wall["old"]), "cpu": ratio(cpu["reference"], cpu["old"])},
        "reference_over_new": {"wall": ratio(wall["reference"], wall["new"]), "cpu": ratio(cpu["reference"], cpu["new"])},
        "same_findings": outputs.get("old") == outputs.get("new"),
    }, indent=1))


if __name__ == "__main__":
    main()
