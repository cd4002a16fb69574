"""The linter's speed paths give exactly the answers of the plain ones: the quality scanner (Hyperscan),
the inline fast path, bounded-memory duplicate records (spilled to temp files, partitioned, split again),
forked workers (and their failure), and the rules for when forking happens at all."""
from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
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


# ------------------------------------------------------------------------------------------------ the scanner

def test_the_scanners_digit_and_case_tables_are_pythons():
    # What a byte pattern cannot see is covered by two extra expressions: every non-ASCII character that
    # Python's `re` takes for \d, and every non-ASCII character IGNORECASE matches to an ASCII letter.
    digit, letter = re.compile(r"\d"), re.compile(r"(?i)[a-z]")
    digits, case = [], []
    for cp in range(0x80, 0x110000):
        c = chr(cp)
        if digit.match(c):
            digits.append(cp)
        if letter.match(c):
            case.append(c)
    assert R.other_digits() == digits and "".join(case) == R.CASE_EXTRA
    for cp in digits + [ord(c) for c in R.CASE_EXTRA]:
        assert Q.scan_ids(chr(cp).encode()), hex(cp)


FRAGMENTS = ["你好", "订单 44234785。", "13812345678", "+86 138 1234 5678", "(415) 555-0100", "a@b.co", "11010519491231002X",
             "201001011234", "sk-" + "a" * 24, "AKIA" + "B" * 16, "ghp_" + "c" * 36, "{{name}}", "{", "[", "[姓名]", "XXX",
             "TODO", "Lorem Ipsum", "lorem ipsum", "<p>", "&amp;", "\ufffd", "锟斤拷", "烫烫烫", "屯屯屯", "Ã©", "â€", "é",
             "\x01", "\x7f", "\x85", "\u200b", "\u2028", "\ufeff", "\ufffe", "\t", "\n", " ", "……", "Hello", "１３８", "٣",
             # what only Python's Unicode rules match: other digits, case-insensitive non-ASCII letters
             "١٣٨١٢٣٤٥٦٧٨", "1３８１２３４５６７８", "LOREM IPſUM", "lorem ıpsum", "<ſpan>", "<İmg src=x>", "&#١٢٣;", "[NAME]",
             "[ſomething]", "\u212a", "(４１５) ５５５-０１００", "+٤٤ ٢٠ ٧٩٤٦ ٠٩٥٨",
             # near misses and ordinary text with digits, dates, e-mail-like and URL text
             "Order #A-38442 on 2026-03-14", "https://shop.example.com/o/123456?ref=mail", "user@localhost", "@mention",
             "x@y.z", "sk-short", "github_pat_" + "d" * 22, "-----BEGIN PRIVATE KEY-----", "xoxb-1234567890",
             "{{ }}", "{{a}", "1990-01-01", "¥1,299.00", "3 到 5 个工作日"]


def test_the_scanner_names_every_rule_the_exact_patterns_find():
    # Each rule's scanner expressions match a superset of its exact pattern: whatever `quality_issues` finds
    # with every rule on, the scan names; and a row's field_issues are exactly every rule on every field.
    rnd = random.Random(5)
    for _ in range(20000):
        fields = [(f"f{i}", "".join(rnd.choice(FRAGMENTS) for _ in range(rnd.randint(0, 4)))) for i in range(rnd.randint(1, 4))]
        for _, text in fields:
            found = {code for code, _ in Q.quality_issues(text)}
            assert found <= Q.gate(text), (text, found)
            assert Q.text_gate_hit(text) or not found
        every = [(fld, code, msg) for fld, text in fields for code, msg in Q.quality_issues(text)]
        assert Q.field_issues(fields) == every, fields


class _EveryRule:
    """A stand-in scanner that names every rule at every place of every text: the exact patterns decide everything."""

    def scan(self, b, match_event_handler, flags=0, context=None, scratch=None):
        for end in range(len(b) + 1):
            for i in range(len(Q.ID_CODES)):
                match_event_handler(i, 0, end, 0, context)


def test_the_email_rule_finds_the_first_address_when_it_starts_its_search_near_the_first_at():
    # quality looks for an address from 64 characters before the first "@" (the longest local part): the same
    # first match as a search of the whole text, also with local parts of 63-66 characters, a look-behind
    # character just before where the search starts, and "@"s that begin no address.
    assert "]{1,%d}@" % Q.EMAIL_LOCAL_MAX in R.EMAIL.pattern
    # (where the first local part starts is found with rstrip(EMAIL_LOCAL_CHARS): exactly the pattern's class)
    local_class = R.EMAIL_LOCAL_RUN.pattern.split("]")[0] + "]"
    assert local_class + "{1,%d}@" % Q.EMAIL_LOCAL_MAX in R.EMAIL.pattern
    assert {c for c in map(chr, range(0x3000)) if re.fullmatch(local_class, c)} == set(R.EMAIL_LOCAL_CHARS)
    rnd = random.Random(3)
    alphabet = ["a", "B", "7", ".", "+", "-", "%", "_", "@", " ", "你", "x.io", "@b.co", "\n"]
    for n in range(3000):
        local = "".join(rnd.choice("ab.+-%_9") for _ in range(rnd.choice([1, 5, 62, 63, 64, 65, 66, 70, 130])))
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12))) + local + "@mail.example.com" + \
            "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 12)))
        if n % 3 == 0:
            text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 40))) + text
        want = R.EMAIL.search(text)
        got = [m for code, m in Q.lazy_quality_issues(text, {"pii-email"})]
        assert [m.make().params["masked"] for m in got] == ([R.mask(want.group())] if want else []), text


def test_lint_with_the_scanner_equals_lint_with_every_rule_on_every_field(tricky, reference, monkeypatch):
    # The scanner only decides which exact patterns run, never what they find: the report is the same
    # as with every rule run on every field of every row (fast path and full path, 1 and 3 workers).
    assert reference[2]["findings_by_code"].get("pii-email") and reference[2]["findings_by_code"].get("placeholder")
    monkeypatch.setattr(Q, "DB", _EveryRule())
    for workers in (1, 3):
        assert _key(lint_file(tricky, LintOptions(workers=workers, parallel_min_bytes=1, max_per_code=100000))) == reference


def test_the_compiled_scanner_is_cached_and_a_bad_copy_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("TUNEWIZ_HOME", str(tmp_path))
    db, codes = Q._build()
    cached = list((tmp_path / "lint").glob("quality-*.hsdb"))
    assert len(cached) == 1 and codes == Q.ID_CODES
    loaded, _ = Q._build()                       # from the cache
    cached[0].write_bytes(b"not a database")
    rebuilt, _ = Q._build()                      # compiled again, and the copy replaced
    for d in (db, loaded, rebuilt):
        hits: list[int] = []
        d.scan("写信到 a@b.co".encode(), match_event_handler=Q.on_match, context=hits, scratch=Q.hyperscan.Scratch(d))
        assert Q.codes_of(hits) == {"pii-email"}
    assert cached[0].read_bytes() != b"not a database"


def test_fast_role_sequences_are_the_ideal_alternation_after_an_optional_system_prompt():
    def old_rule(roles: tuple) -> bool:
        body = roles[1:] if roles[0] == "system" else roles
        return not len(body) % 2 and body == S.ALTERNATION[len(body)]
    rnd = random.Random(3)
    for _ in range(20000):
        roles = tuple(rnd.choice(["system", "user", "assistant", "tool", "bot"]) for _ in range(rnd.randint(1, 9)))
        assert (roles == S.FAST_ROLES[len(roles)]) == old_rule(roles), roles
    assert S.FAST_ROLES[256] == S.ALTERNATION[256] and S.FAST_ROLES[255] == ("system",) + S.ALTERNATION[254]


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


def _ranges_by_process(monkeypatch, slow_child: float = 0.0, fail_child_after: int | None = None) -> dict[int, list]:
    """Records which process scans which range (and can slow the children down or make them fail after
    some ranges): {pid: [range start, ...]} written by every process into a pipe the test reads."""
    real = P.scan_jsonl_range
    parent = os.getpid()
    r, w = os.pipe()
    done_here: list[int] = []

    def recorded(path, start, end, bom, scan, tick=None):
        if os.getpid() != parent:
            if fail_child_after is not None and len(done_here) >= fail_child_after:
                raise MemoryError("worker out of memory")
            time.sleep(slow_child)
        out = real(path, start, end, bom, scan, tick)
        done_here.append(start)
        os.write(w, f"{os.getpid()} {start}\n".encode())
        return out
    monkeypatch.setattr(P, "scan_jsonl_range", recorded)

    def read() -> dict[int, list]:
        os.close(w)
        with os.fdopen(r) as f:
            seen: dict[int, list] = {}
            for line in f:
                pid, start = map(int, line.split())
                seen.setdefault(pid, []).append(start)
            return seen
    return read


def test_workers_take_ranges_from_a_queue_so_a_slow_one_takes_fewer(tricky, reference, monkeypatch):
    ranges = P._chunks(str(tricky), tricky.stat().st_size, 2)
    assert len(ranges) > 4 and ranges[0][0] == 0 and ranges[-1][1] == tricky.stat().st_size
    assert all(a < b == c for (a, b), (c, _) in zip(ranges, ranges[1:]))          # consecutive, no gaps
    assert [b - a for a, b in ranges[:3]] == sorted([b - a for a, b in ranges[:3]], reverse=True)  # large first
    # The child waits 1.5 s before each range: more than this process takes for a range even on a loaded CI machine
    # (with 0.3 s, a CI run once saw this process's first, largest range of slow-path rows take as long as six of
    # the child's, and each took six).
    seen = _ranges_by_process(monkeypatch, slow_child=1.5)
    assert _key(lint_file(tricky, LintOptions(workers=2, parallel_min_bytes=1, max_per_code=100000))) == reference
    by_pid = seen()
    here = by_pid.pop(os.getpid())
    (child,) = by_pid.values()
    assert len(here) > len(child) >= 1, (here, child)     # the child, 1.5 s late per range, took fewer
    assert sorted(here + child) == [a for a, _ in ranges]  # each range scanned once


def test_a_worker_that_fails_midway_has_its_remaining_ranges_scanned_here(tricky, reference, monkeypatch):
    seen = _ranges_by_process(monkeypatch, slow_child=0.05, fail_child_after=1)
    assert _key(lint_file(tricky, LintOptions(workers=2, parallel_min_bytes=1, max_per_code=100000))) == reference
    by_pid = seen()
    assert sum(len(v) for pid, v in by_pid.items() if pid != os.getpid()) == 1   # the child did one, then failed


@pytest.mark.parametrize("workers,cap", [(2, 7), (2, 40), (3, 40)])
def test_findings_kept_per_code_are_the_first_in_the_file_whatever_the_workers(tricky, workers, cap):
    # Each process's ranges share one budget of kept findings: the report keeps the file's first `cap` per code
    # (with 40, some codes' first ones lie in several ranges scanned by different processes).
    one = lint_file(tricky, LintOptions(workers=1, max_per_code=cap))
    many = lint_file(tricky, LintOptions(workers=workers, parallel_min_bytes=1, max_per_code=cap))
    assert any(0 < n < cap * 2 for n in one.counts.values()) and _key(many) == _key(one)


def _burn(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


@pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="busy_elsewhere reads Linux's /proc/stat")
def test_a_cpu_busy_in_another_process_counts_and_this_process_s_own_does_not():
    P.busy_elsewhere()  # the window starts now
    _burn(0.4)          # this process: not "elsewhere"
    own = P.busy_elsewhere()
    child = subprocess.Popen([sys.executable, "-c", "import time\nend = time.monotonic() + 0.6\n"
                              "while time.monotonic() < end: pass"])
    time.sleep(0.5)     # another process burns a CPU meanwhile
    other = P.busy_elsewhere()
    child.wait()
    assert own is not None and other is not None
    # (Other tests may keep CPUs busy too: the child's CPU shows as the difference.)
    assert other >= own + 0.1, (own, other)
    P.busy_elsewhere()
    time.sleep(0.001)
    assert P.busy_elsewhere() is None  # a millisecond is too short to tell


@pytest.mark.skipif(not os.path.exists("/proc/stat"), reason="busy_elsewhere reads Linux's /proc/stat")
def test_tunewiz_lint_plans_its_workers_by_what_is_busy_now_not_by_the_load_average(tmp_path):
    # The command's CPU window starts when tunewiz starts (tui/cli.py imports engine.cpu_busy first), so by the time
    # it plans its workers it has seen enough ticks to tell; a window opened later (at the lint package's import) had
    # ~10 ms, too short, and the 1-minute load average (which the previous command leaves high) decided instead.
    p = tmp_path / "d.jsonl"
    p.write_text(json.dumps({"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]})
                 + "\n", encoding="utf-8")
    script = ("import sys\n"
              "from tui.cli import main\n"
              "import engine.data.lint.parallel as P\n"
              "plan, seen = P.plan_workers, []\n"
              "def spy(*a):\n"
              "    seen.append(P.busy_elsewhere())\n"
              "    return plan(*a)\n"
              "P.plan_workers = spy\n"
              f"sys.argv = ['tunewiz', 'lint', {str(p)!r}, '--json', '--no-tokenizer']\n"
              "try:\n"
              "    main()\n"
              "except SystemExit:\n"
              "    pass\n"
              "print('SEEN', seen, file=sys.stderr)\n")
    r = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    seen = r.stderr.rsplit("SEEN", 1)[-1].strip()
    assert seen.startswith("[") and seen != "[None]" and seen != "[]", r.stderr[-2000:]


def test_forking_only_when_it_is_safe_and_useful(monkeypatch):
    opts = LintOptions()
    big = opts.parallel_min_bytes
    monkeypatch.setattr(P, "usable_cpus", lambda: 4)
    # In a full test run other tests may leave threads behind (Textual, chat workers): pretend this
    # process has only its main thread, then add one explicitly below.
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    # What other processes keep busy now decides (busy_elsewhere, from /proc/stat) ...
    monkeypatch.setattr(os, "cpu_count", lambda: 4)
    for elsewhere, workers in ((0.0, 4), (0.3, 4), (1.0, 3), (2.6, 1), (3.9, 1)):
        monkeypatch.setattr(P, "busy_elsewhere", lambda: elsewhere)
        assert P.plan_workers(opts, big, None) == workers, elsewhere
    # ... and where it cannot tell (too short a time, no /proc/stat), the 1-minute load average.
    monkeypatch.setattr(P, "busy_elsewhere", lambda: None)
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
    assert P.plan_workers(LintOptions(workers=10 ** 6), big, None) == 256            # asked for, but not a fork bomb
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert P.plan_workers(opts, big, None) == 1                      # another thread: no automatic fork
    monkeypatch.setattr(P, "usable_cpus", lambda: 1)
    assert P.plan_workers(opts, big, None) == 1


@pytest.mark.parametrize("workers", [1, 3])
def test_duplicate_exactness_is_decided_by_the_rows_bytes(tmp_path, workers):
    # Fast-path rows (plain chats) and full-path rows (a message weight), in one process and in ranges spread
    # over forked workers (each worker keys its rows; the pass after the scan decides).
    a = json.dumps({"messages": [{"role": "user", "content": "Hello  World"}, {"role": "assistant", "content": "好的"}]},
                   ensure_ascii=False)
    b = a.replace("Hello  World", "hello world")        # one character shorter
    c = a.replace("Hello  World", "HELLO  WORLD")       # as long as a: only its bytes tell
    w = a.replace('"好的"}', '"好的", "weight": 1}').replace("Hello  World", "Good  Day")   # the full path
    w2 = w.replace("Good  Day", "good day")
    p = tmp_path / "d.jsonl"
    # (the last line without its newline)
    p.write_text("\n".join([a, b, a, "  " + a + " ", b, c, w, w2, w, a]), encoding="utf-8")
    r = lint_file(p, LintOptions(workers=workers, parallel_min_bytes=1))
    got = [(f.code, f.line, re.search(r"line (\d+)", f.message).group(1)) for f in r.findings if "duplicate" in f.code]
    # Every later copy points at the first of its group; exact = the same bytes (surrounding blanks aside).
    assert got == [("near-duplicate", 2, "1"), ("duplicate", 3, "1"), ("duplicate", 4, "1"), ("near-duplicate", 5, "1"),
                   ("near-duplicate", 6, "1"), ("near-duplicate", 8, "7"), ("duplicate", 9, "7"), ("duplicate", 10, "1")]


def test_no_room_for_a_worker_means_this_process_scans_its_range(tricky, reference, monkeypatch):
    def no_fork():
        raise OSError(11, "Resource temporarily unavailable")
    monkeypatch.setattr(os, "fork", no_fork)
    assert _key(lint_file(tricky, LintOptions(workers=3, parallel_min_bytes=1, max_per_code=100000))) == reference
