"""The linter's speed paths give exactly the answers of the plain ones: the split quality gate, the
inline fast path, bounded-memory duplicate records (spilled to temp files, partitioned, split again),
forked workers (and their failure), and the rules for when forking happens at all."""
from __future__ import annotations

import json
import os
import random
import re
import tempfile
import threading
from pathlib import Path

import orjson
import pytest

from engine.data.lint import dupes as D
from engine.data.lint import parallel as P
from engine.data.lint import quality as Q
from engine.data.lint import scan as S
from engine.data import rules as R
from engine.data.lint import LintOptions, lint_file


def _key(report) -> tuple:
    findings = [(f.code, f.severity, f.line, f.field, f.message) for f in report.findings]
    stats = {k: v for k, v in report.stats.items() if k not in ("seconds", "scan_mb_per_s")}
    return report.rows, findings, stats, sorted(report.reject_lines.items())


# ------------------------------------------------------------------------------------------------ the gate

def test_gate_bytes_and_wide_characters_cover_the_gate_character_class():
    # Every character GATE_CHARS matches is found by the hot path's split test: a GATE_BYTES byte in its
    # UTF-8 form (all of U+0080..U+00FF start with C2 or C3), or one of GATE_WIDE.
    missed = []
    for cp in range(0x110000):
        if 0xD800 <= cp < 0xE000:
            continue
        c = chr(cp)
        if R.GATE_CHARS.match(c) and c not in R.GATE_WIDE and not set(c.encode()) & set(R.GATE_BYTES):
            missed.append(hex(cp))
    assert not missed


FRAGMENTS = ["你好", "订单 44234785。", "13812345678", "+86 138 1234 5678", "(415) 555-0100", "a@b.co", "11010519491231002X",
             "201001011234", "sk-" + "a" * 24, "AKIA" + "B" * 16, "ghp_" + "c" * 36, "{{name}}", "{", "[", "[姓名]", "XXX",
             "TODO", "Lorem Ipsum", "lorem ipsum", "<p>", "&amp;", "\ufffd", "锟斤拷", "烫烫烫", "屯屯屯", "Ã©", "â€", "é",
             "\x01", "\x7f", "\x85", "\u200b", "\u2028", "\ufeff", "\ufffe", "\t", "\n", " ", "……", "Hello", "１３８", "٣"]


def test_the_cheap_gate_test_is_a_superset_of_the_gate():
    rnd = random.Random(5)
    for _ in range(20000):
        contents = ["".join(rnd.choice(FRAGMENTS) for _ in range(rnd.randint(0, 4))) for _ in range(rnd.randint(1, 4))]
        blob = "\n".join(contents)
        b = blob.encode("utf-8", "surrogatepass")
        row = {"messages": [{"role": "user", "content": c} for c in contents]}
        for raw in (orjson.dumps(row), json.dumps(row).encode(), json.dumps(row, ensure_ascii=False).encode(), None):
            if Q.gate(blob):
                assert Q.gate_hit(blob, b, raw), (contents, raw)


def test_fast_role_sequences_are_the_ideal_alternation_after_an_optional_system_prompt():
    def old_rule(roles: tuple) -> bool:
        body = roles[1:] if roles[0] == "system" else roles
        return not len(body) % 2 and body == S.ALTERNATION[len(body)]
    rnd = random.Random(3)
    for _ in range(20000):
        roles = tuple(rnd.choice(["system", "user", "assistant", "tool", "bot"]) for _ in range(rnd.randint(1, 9)))
        assert (roles in S.FAST_ROLES) == old_rule(roles), roles
    for n in (255, 256):
        alt = S.ALTERNATION[n - n % 2]
        assert (alt in S.FAST_ROLES) and (("system",) + S.ALTERNATION[254]) in S.FAST_ROLES


# ------------------------------------------------------------------------------------------------ a tricky file

def _rows(n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    clean = ["非常抱歉给您带来不便。", "请提供订单号，我帮您查询物流进度。", "Please send a photo.", "好的", "谢谢"]
    out: list[str] = []
    for i in range(n):
        r = rnd.random()
        if out and r < 0.06:
            out.append(rnd.choice(out))  # exact duplicate
            continue
        if out and r < 0.09:
            out.append(rnd.choice(out).upper())  # near duplicate (or a different format: upper-cased keys)
            continue
        def text() -> str:
            return "".join(rnd.choice(FRAGMENTS) if rnd.random() < 0.3 else rnd.choice(clean) for _ in range(rnd.randint(0, 4)))
        msgs = ([{"role": "system", "content": "你是客服助手。"}] if rnd.random() < 0.6 else [])
        for _ in range(rnd.randint(1, 3)):
            msgs += [{"role": "user", "content": text()}, {"role": "assistant", "content": text()}]
        q = rnd.random()
        if q < 0.03:
            msgs.append({"role": "user", "content": "还有吗"})
        elif q < 0.05:
            msgs[-1]["weight"] = 0
        elif q < 0.06:
            msgs[-1]["content"] = None
        row: object = {"messages": msgs}
        if rnd.random() < 0.02:
            row = [1, 2]
        line = json.dumps(row, ensure_ascii=rnd.random() < 0.2)
        if rnd.random() < 0.01:
            line = line[:-2]
        out.append(line if rnd.random() > 0.01 else "")
    return out


@pytest.fixture(scope="module")
def tricky(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("lint") / "tricky.jsonl"
    p.write_text("\n".join(_rows(6000, 11)) + "\n", encoding="utf-8")
    return p


@pytest.fixture(scope="module")
def reference(tricky) -> tuple:
    return _key(lint_file(tricky, LintOptions(workers=1, max_per_code=100000)))


@pytest.mark.parametrize("chunk,part_rows,split_rows", [(64, 64, 1 << 18), (1000, 16, 1 << 18), (50, 1 << 15, 40)])
def test_spilled_partitioned_duplicate_records_give_the_same_report(tricky, reference, monkeypatch, tmp_path, chunk,
                                                                   part_rows, split_rows):
    monkeypatch.setattr(D, "DUP_CHUNK", chunk)
    monkeypatch.setattr(D, "DUP_PART_ROWS", part_rows)
    monkeypatch.setattr(D, "DUP_SPLIT_ROWS", split_rows)
    # A private temp folder: other processes on the machine may lint at the same time.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    tmp = tempfile.gettempdir()
    tmp_before = set(os.listdir(tmp))
    for workers in (1, 3):
        r = lint_file(tricky, LintOptions(workers=workers, parallel_min_bytes=1, max_per_code=100000))
        assert _key(r) == reference
    leftovers = {d for d in set(os.listdir(tmp)) - tmp_before if d.startswith("tunewiz-lint-")}
    assert not leftovers  # temp files of the duplicate records are removed


def test_json_array_layout_takes_the_method_fast_path_with_the_same_answers(tricky, tmp_path):
    rows = [json.loads(x) for x in tricky.read_text(encoding="utf-8").splitlines() if x.strip()[-1:] in ("}", "]")
            and _loads_ok(x)]
    arr = tmp_path / "rows.json"
    arr.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    jl = tmp_path / "rows.jsonl"
    jl.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    a, b = lint_file(arr, LintOptions(max_per_code=100000)), lint_file(jl, LintOptions(max_per_code=100000))
    # Same codes and counts; lines differ (an array element starts on another line than its JSONL row).
    drop = {"json-array"}
    assert {k: v for k, v in a.counts.items() if k not in drop} == {k: v for k, v in b.counts.items() if k not in drop}
    assert a.stats["tokens"] == b.stats["tokens"] and a.stats["duplicates"] == b.stats["duplicates"]


def _loads_ok(x: str) -> bool:
    try:
        json.loads(x)
        return True
    except ValueError:
        return False


def test_train_eval_overlap_through_partitions(tricky, tmp_path, monkeypatch):
    lines = [x for x in tricky.read_text(encoding="utf-8").splitlines() if x.strip()]
    ev = tmp_path / "eval.jsonl"
    ev.write_text("\n".join(lines[::7]) + "\n", encoding="utf-8")
    base = _key(lint_file(tricky, LintOptions(workers=1, eval_path=str(ev), max_per_code=100000)))
    monkeypatch.setattr(D, "DUP_CHUNK", 100)
    monkeypatch.setattr(D, "DUP_PART_ROWS", 50)
    assert _key(lint_file(tricky, LintOptions(workers=2, parallel_min_bytes=1, eval_path=str(ev), max_per_code=100000))) == base
    assert base[2]["eval"]["overlap"] > 0


def test_remembering_clean_system_prompts_changes_nothing(tmp_path, monkeypatch):
    rnd = random.Random(8)
    prompts = ["你是客服助手。" * 40, "你是客服助手。" * 39 + "电话 13812345678", "You are helpful. " * 20 + "\u200b",
               "你是客服助手。" * 40 + "{{name}}", "Lorem Ipsum " * 30, "规则：" * 100 + "[姓名]", "短提示"]
    rows = []
    for i in range(3000):
        user = "".join(rnd.choice(FRAGMENTS) if rnd.random() < 0.2 else "请问订单的物流？" for _ in range(rnd.randint(1, 3)))
        rows.append({"messages": [{"role": "system", "content": rnd.choice(prompts)}, {"role": "user", "content": user},
                                  {"role": "assistant", "content": rnd.choice(["好的，已为您查询。", "XXX", "a@b.co 已发送。"])}]})
    p = tmp_path / "sys.jsonl"
    p.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    monkeypatch.setattr(S, "SYSTEM_CACHE_MIN", 10 ** 9)
    never = _key(lint_file(p, LintOptions(workers=1, max_per_code=100000)))
    monkeypatch.setattr(S, "SYSTEM_CACHE_MIN", 0)
    always = _key(lint_file(p, LintOptions(workers=1, max_per_code=100000)))
    assert always == never and never[2]["findings_by_code"].get("pii-phone")


# ------------------------------------------------------------------------------------------------ workers

def test_a_failing_worker_is_replaced_by_scanning_its_range_here(tricky, reference, monkeypatch):
    real = P.scan_jsonl_range
    parent = os.getpid()

    def flaky(path, start, end, bom, scan, tick=None):
        if os.getpid() != parent:
            raise MemoryError("worker out of memory")
        return real(path, start, end, bom, scan, tick)
    monkeypatch.setattr(P, "scan_jsonl_range", flaky)
    assert _key(lint_file(tricky, LintOptions(workers=3, parallel_min_bytes=1, max_per_code=100000))) == reference


def test_forking_only_when_it_is_safe_and_useful(monkeypatch):
    opts = LintOptions()
    big = opts.parallel_min_bytes
    monkeypatch.setattr(P, "usable_cpus", lambda: 4)
    # In a full test run other tests may leave threads behind (Textual, chat workers): pretend this
    # process has only its main thread, then add one explicitly below.
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    assert P.plan_workers(opts, big, None) == 4
    monkeypatch.setattr(os, "getloadavg", lambda: (2.2, 2.0, 2.0))
    assert P.plan_workers(opts, big, None) == 3                      # two CPUs busy elsewhere
    monkeypatch.setattr(os, "getloadavg", lambda: (6.0, 6.0, 6.0))
    assert P.plan_workers(opts, big, None) == 1                      # all busy: forking gains nothing
    assert P.plan_workers(LintOptions(workers=2), big, None) == 2    # unless asked for
    monkeypatch.setattr(os, "getloadavg", lambda: (0.2, 0.2, 0.2))
    assert P.plan_workers(opts, big - 1, None) == 1                  # small file
    assert P.plan_workers(opts, big, lambda *a: None) == 1           # a progress callback: stay in this process
    assert P.plan_workers(LintOptions(workers=1), big, None) == 1
    assert P.plan_workers(LintOptions(workers=3), big, None) == 3
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert P.plan_workers(opts, big, None) == 1                      # another thread: no automatic fork
    monkeypatch.setattr(P, "usable_cpus", lambda: 1)
    assert P.plan_workers(opts, big, None) == 1


def test_duplicate_exactness_compares_the_lines_bytes(tmp_path):
    a = json.dumps({"messages": [{"role": "user", "content": "Hello  World"}, {"role": "assistant", "content": "好的"}]},
                   ensure_ascii=False)
    b = a.replace("Hello  World", "hello world")
    p = tmp_path / "d.jsonl"
    p.write_text("\n".join([a, b, a, "  " + a + " ", b]) + "\n", encoding="utf-8")
    r = lint_file(p, LintOptions(workers=1))
    got = [(f.code, f.line, re.search(r"line (\d+)", f.message).group(1)) for f in r.findings if "duplicate" in f.code]
    # Every later copy points at line 1, the first of the group; exact = the same bytes (surrounding blanks aside).
    assert got == [("near-duplicate", 2, "1"), ("duplicate", 3, "1"), ("duplicate", 4, "1"), ("near-duplicate", 5, "1")]


def test_no_room_for_a_worker_means_this_process_scans_its_range(tricky, reference, monkeypatch):
    def no_fork():
        raise OSError(11, "Resource temporarily unavailable")
    monkeypatch.setattr(os, "fork", no_fork)
    assert _key(lint_file(tricky, LintOptions(workers=3, parallel_min_bytes=1, max_per_code=100000))) == reference
