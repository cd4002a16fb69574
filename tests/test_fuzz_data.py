"""Property-based fuzzing of the dataset readers, the linter and `--fix` (hypothesis).

Generated files of every format and layout, with hostile values (lone surrogates, integers beyond 64
bits and beyond Python's digit limit, nesting around orjson's limits, NUL and odd unicode, wrong types,
NaN) and hostile bytes (truncated lines, BOMs, CRLF, GBK, invalid UTF-8, blank and half-object lines).
The properties a user relies on: no traceback; exit codes 0/1/2 as documented (2 exactly when the file
cannot be read); `--json` is valid JSON; with --fix, kept + rejected = rows, every line of both files is
JSON, and the cleaned file lints without errors.

Reproducible (derandomize, no example database). 10,000 generated inputs by default; a longer run:
    TUNEWIZ_FUZZ_EXAMPLES=100000 .venv/bin/python -m pytest -q -p no:cacheprovider tests/test_fuzz_data.py
(the number is the total over the tests, shared out in the proportions below).
"""
from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.data.canonical import Example
from engine.data.fix import fix_file
from engine.data.formats import FORMATS, parse_row, read_examples
from engine.data.lint import LintOptions, lint_file, row_findings
from engine.data.records import DatasetError, iter_records
from engine.data.writers import to_format_dict

TOTAL = int(os.environ.get("TUNEWIZ_FUZZ_EXAMPLES", "10000"))
# Shares of TOTAL per test: the cheap row-level test takes most, the CLI the fewest.
SHARE = {"rows": 0.33, "read": 0.17, "lint_fix": 0.47, "cli": 0.03}


def fuzz(share: str) -> Any:
    return settings(max_examples=max(10, int(TOTAL * SHARE[share])), deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck), print_blob=True)


# --------------------------------------------------------------------------- hostile values

# Placeholders swapped for raw JSON text after json.dumps (which cannot write these itself).
DEEP = {f"@@deep{d}@@": "[" * d + "]" * d for d in (253, 254, 255, 300, 1100)}
RAW = {**DEEP, "@@int400@@": "9" * 400, "@@int5000@@": "7" * 5000, "@@nan@@": "NaN", "@@inf@@": "-Infinity"}

ODD = ["\ud800", "\udfff", "a\udc80b", "\x00", "\u200b", "\ufeff", "\u202e", "锟斤拷", "Ã©", "\r\n", "\x1b[31m", "…", "……",
       "{{name}}", "TODO", "<b>x</b>", "&amp;", "sk-" + "A" * 30, "x@example.com", "138 0013 8000", "  ", "", "\\u0000",
       "😀"[:1], "\U0001f600", "ﬁ", "İ", "\u0301", " trailing  ", "a" * 300]

text = st.one_of(
    st.text(max_size=20),
    st.text(alphabet=st.characters(min_codepoint=0xD7F0, max_codepoint=0xE010), max_size=6),  # surrogates around
    st.sampled_from(ODD),
    st.lists(st.sampled_from(ODD), min_size=2, max_size=4).map("".join),
)
scalar = st.one_of(
    st.none(), st.booleans(), st.integers(-(2 ** 70), 2 ** 70), st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0, 1, -1, 2 ** 63 - 1, 2 ** 63, 2 ** 64 - 1, 2 ** 64, -(2 ** 63) - 1, 1e308, -0.0]),
    st.sampled_from(sorted(RAW)), text,
)
value = st.recursive(scalar, lambda c: st.one_of(st.lists(c, max_size=3), st.dictionaries(text, c, max_size=3)),
                     max_leaves=5)
content = st.one_of(text, text, text, value)           # mostly text, sometimes anything
role = st.one_of(st.sampled_from(["system", "user", "assistant", "tool", "developer", "function", "User", "bot"]), value)


@st.composite
def openai_row(draw: Any, key: str = "messages") -> Any:
    msgs = []
    for i in range(draw(st.integers(0, 4))):
        m: dict[str, Any] = {"role": draw(st.one_of(st.just("user" if i % 2 == 0 else "assistant"), role)),
                             "content": draw(content)}
        if draw(st.integers(0, 5)) == 0:
            m["tool_calls"] = draw(st.one_of(value, st.lists(st.fixed_dictionaries(
                {"id": text, "type": st.just("function"), "function": st.one_of(value, st.fixed_dictionaries(
                    {"name": text, "arguments": st.one_of(text, value)}))}), max_size=2)))
        if draw(st.integers(0, 6)) == 0:
            m[draw(st.sampled_from(["weight", "name", "tool_call_id", "function_call", "extra"]))] = draw(value)
        if draw(st.integers(0, 12)) == 0:
            del m[draw(st.sampled_from(["role", "content"]))]
        msgs.append(m)
    row: dict[str, Any] = {key: draw(st.one_of(st.just(msgs), st.just(msgs), value))}
    if draw(st.integers(0, 4)) == 0:
        row["tools"] = draw(st.one_of(value, st.lists(st.fixed_dictionaries({"type": st.just("function"),
                                                                             "function": value}), max_size=2)))
    if draw(st.integers(0, 4)) == 0:
        row[draw(text)] = draw(value)
    return row


@st.composite
def alpaca_row(draw: Any) -> Any:
    row = {k: draw(content) for k in ("instruction", "input", "output") if draw(st.integers(0, 8))}
    if draw(st.integers(0, 3)) == 0:
        row["history"] = draw(st.one_of(value, st.lists(st.lists(content, min_size=2, max_size=2), max_size=2)))
    if draw(st.integers(0, 3)) == 0:
        row[draw(st.sampled_from(["system", "tools", "id"]))] = draw(value)
    return row


@st.composite
def sharegpt_row(draw: Any) -> Any:
    turns = []
    for i in range(draw(st.integers(0, 5))):
        frm = draw(st.one_of(st.sampled_from(["human", "gpt", "function_call", "observation", "system"]), role))
        val = draw(st.one_of(content, value)) if frm == "function_call" else draw(content)
        turns.append({"from": frm, "value": val})
    row: dict[str, Any] = {"conversations": turns}
    if draw(st.integers(0, 3)) == 0:
        row["tools"] = draw(st.one_of(value, value.map(lambda v: json.dumps(v))))
    if draw(st.integers(0, 4)) == 0:
        row["system"] = draw(content)
    return row


def row_of(fmt: str) -> Any:
    return {"openai": openai_row(), "conversation": openai_row("conversation"), "alpaca": alpaca_row(),
            "sharegpt": sharegpt_row(), "text": st.one_of(st.fixed_dictionaries({"text": content}), text)}[fmt]


any_row = st.one_of(*[row_of(f) for f in FORMATS], value)


def dump(row: Any, ascii_only: bool, indent: int | None = None) -> str:
    s = json.dumps(row, ensure_ascii=ascii_only, indent=indent)
    for k, v in RAW.items():
        if k in s:
            s = s.replace(f'"{k}"', v)
    return s


# --------------------------------------------------------------------------- hostile files
# Files are built from a seed hypothesis draws (with the layout, format and mutations as its own
# choices): drawing every value through hypothesis costs ~10 ms a file, a seeded generator ~0.1 ms,
# which buys ten times the files in the same budget.

MUTATIONS = ["bom", "crlf", "truncate", "blank", "dup_line", "dup_same_line", "gbk", "garbage", "half_object",
             "nul", "bad_utf8", "trailing_comma"]
ROLES = ["system", "user", "assistant", "tool", "developer", "function", "User", "bot"]
SCALARS = [None, True, False, 0, 1, -1, 2, 2 ** 63 - 1, 2 ** 63, 2 ** 64 - 1, 2 ** 64, -(2 ** 63) - 1, 2 ** 70, 1e308,
           -0.0, 0.5, *sorted(RAW)]


def r_text(rng: random.Random) -> str:
    k = rng.random()
    if k < 0.35:
        return "".join(chr(rng.choice((rng.randint(32, 126), rng.randint(0x4E00, 0x4FFF), rng.randint(0, 0x2FFFF))))
                       for _ in range(rng.randint(0, 24))).encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass")
    if k < 0.8:
        return rng.choice(ODD)
    return "".join(rng.choice(ODD) for _ in range(rng.randint(2, 4)))


def r_value(rng: random.Random, depth: int = 0) -> Any:
    k = rng.random()
    if depth > 2 or k < 0.5:
        return rng.choice(SCALARS) if k < 0.25 else r_text(rng)
    if k < 0.75:
        return [r_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {r_text(rng): r_value(rng, depth + 1) for _ in range(rng.randint(0, 3))}


def r_content(rng: random.Random) -> Any:
    return r_text(rng) if rng.random() < 0.8 else r_value(rng)


def r_role(rng: random.Random, good: str) -> Any:
    k = rng.random()
    return good if k < 0.7 else rng.choice(ROLES) if k < 0.9 else r_value(rng)


def r_row(rng: random.Random, fmt: str) -> Any:
    if fmt in ("openai", "conversation"):
        msgs: list[dict[str, Any]] = []
        for i in range(rng.randint(0, 4)):
            m: dict[str, Any] = {"role": r_role(rng, "user" if i % 2 == 0 else "assistant"), "content": r_content(rng)}
            if rng.random() < 0.15:
                m["tool_calls"] = r_value(rng) if rng.random() < 0.3 else [
                    {"id": r_text(rng), "type": "function", "function": r_value(rng) if rng.random() < 0.3 else
                     {"name": r_text(rng), "arguments": r_content(rng)}} for _ in range(rng.randint(1, 2))]
            if rng.random() < 0.15:
                m[rng.choice(["weight", "name", "tool_call_id", "function_call", "extra"])] = r_value(rng)
            if rng.random() < 0.08:
                del m[rng.choice(["role", "content"])]
            msgs.append(m)
        row: dict[str, Any] = {"messages" if fmt == "openai" else "conversation": msgs if rng.random() < 0.9 else r_value(rng)}
        if rng.random() < 0.2:
            row["tools"] = r_value(rng) if rng.random() < 0.5 else [{"type": "function", "function": r_value(rng)}]
    elif fmt == "alpaca":
        row = {k: r_content(rng) for k in ("instruction", "input", "output") if rng.random() < 0.9}
        if rng.random() < 0.25:
            row["history"] = r_value(rng) if rng.random() < 0.4 else [[r_content(rng), r_content(rng)]]
    elif fmt == "sharegpt":
        turns = []
        for i in range(rng.randint(0, 4)):
            frm = r_role(rng, ["human", "gpt"][i % 2]) if rng.random() < 0.8 else rng.choice(
                ["function_call", "observation", "system"])
            turns.append({"from": frm, "value": r_value(rng) if frm == "function_call" and rng.random() < 0.5 else r_content(rng)})
        row = {"conversations": turns}
        if rng.random() < 0.25:
            v = r_value(rng)
            row["tools"] = v if rng.random() < 0.5 else json.dumps(v)
    else:
        return r_text(rng) if rng.random() < 0.3 else {"text": r_content(rng)}
    if rng.random() < 0.2:
        row[r_text(rng)] = r_value(rng)
    return row


@st.composite
def dataset_file(draw: Any) -> tuple[str, bytes, int]:
    """(file suffix, bytes, rows written). Rows of one format (sometimes a stray one of another)."""
    fmt = draw(st.sampled_from(FORMATS))
    rng = random.Random(draw(st.integers(0, 2 ** 32)))
    rows = [r_row(rng, fmt) for _ in range(draw(st.integers(1, 5)))]
    if draw(st.integers(0, 5)) == 0:
        rows.insert(rng.randint(0, len(rows)), r_row(rng, rng.choice(FORMATS)) if rng.random() < 0.8 else r_value(rng))
    layout = draw(st.sampled_from(["jsonl", "jsonl", "array", "array_line", "pretty", "txt"]))
    ascii_only = draw(st.booleans())
    muts = draw(st.lists(st.sampled_from(MUTATIONS), max_size=3, unique=True))
    if "dup_line" in muts:
        rows.append(rows[0])
    if layout == "txt":
        body = "\n".join(r if isinstance(r, str) else dump(r, ascii_only) for r in rows)
        suffix = ".txt"
    elif layout == "jsonl":
        body = "\n".join(dump(r, ascii_only) for r in rows)
        if "half_object" in muts:
            body += "\n" + rng.choice(['{"messages": [', '{"messages": [1,', "{", "[", '  {"a": 1},'])
        if "garbage" in muts:
            body += "\n" + r_text(rng)
        suffix = rng.choice([".jsonl", ".json"])
    elif layout in ("array", "array_line"):
        parts = [dump(r, ascii_only, None if layout == "array_line" else 2) for r in rows]
        if "dup_same_line" in muts:
            parts.append(parts[0])
        sep = ", " if layout == "array_line" else ",\n"
        body = "[" + sep.join(parts) + ("," if "trailing_comma" in muts else "") + "]"
        suffix = rng.choice([".json", ".jsonl"])
    else:
        body = "\n".join(dump(r, ascii_only, 2) for r in rows)
        suffix = ".jsonl"
    if "blank" in muts:
        body = body.replace("\n", "\n\n  \n", 1) + "\n\n"
    if "crlf" in muts:
        body = body.replace("\n", "\r\n")
    data = body.encode("utf-8", "surrogatepass")         # a lone surrogate becomes invalid UTF-8 bytes
    if "gbk" in muts:
        data = body.encode("gbk", "replace") if rng.random() < 0.5 else data + "\n客服回复".encode("gbk")
    if "bad_utf8" in muts:
        at = rng.randint(0, len(data))
        data = data[:at] + b"\xff\xfe\xc3" + data[at:]
    if "nul" in muts:
        at = rng.randint(0, len(data))
        data = data[:at] + b"\x00" + data[at:]
    if "truncate" in muts and len(data) > 2:
        data = data[:rng.randint(1, len(data) - 1)]
    if "bom" in muts:
        data = b"\xef\xbb\xbf" + data
    return suffix, data, len(rows)


@pytest.fixture(scope="module")
def work() -> Any:
    d = Path(tempfile.mkdtemp(prefix="tunewiz-fuzz-"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def write(work: Path, suffix: str, data: bytes) -> Path:
    for p in work.iterdir():
        p.unlink()
    p = work / ("data" + suffix)
    p.write_bytes(data)
    return p


def lines_of(p: Path) -> list[bytes]:
    return [x for x in p.read_bytes().split(b"\n") if x]


# --------------------------------------------------------------------------- the properties

@fuzz("rows")
@given(fmt=st.sampled_from(FORMATS), obj=any_row, to=st.sampled_from(["openai", "alpaca", "sharegpt", "conversation", "text"]))
def test_one_row_reads_lints_and_converts_without_a_traceback(fmt: str, obj: Any, to: str) -> None:
    """A parsed row (as Python's json gives it, hostile values and all) in every reader, the row checks
    and every writer: problems and ValueErrors, never another exception."""
    obj = _loads_or_none(dump(obj, True))               # placeholders become deep lists, huge ints, NaN
    if obj is None:                                      # (deeper or longer than Python's json reads)
        return
    ex, probs = parse_row(obj, fmt, "f.jsonl", 3)
    assert ex is not None or probs
    for p in probs:
        assert p.line == 3 and p.message and p.code
    for f in row_findings("f.jsonl", fmt, True, LintOptions(track_rows=False), 3, obj):
        assert f.severity in ("error", "warning", "info") and isinstance(f.message, str)
    if isinstance(ex, Example):
        try:
            to_format_dict(ex, to)
        except (ValueError, RecursionError):
            pass


def _loads_or_none(s: str) -> Any:
    try:
        return json.loads(s)
    except (ValueError, RecursionError):
        return None


@fuzz("read")
@given(f=dataset_file())
def test_readers_give_rows_or_problems_or_a_dataset_error(work: Path, f: tuple[str, bytes, int]) -> None:
    suffix, data, _ = f
    p = write(work, suffix, data)
    try:
        records = list(iter_records(p))
        res = read_examples(p)
    except DatasetError as e:
        assert str(e) and e.code
        return
    assert res.rows == len(records) and len(res.examples) <= res.rows
    for line, rec in records:
        assert line >= 1


@fuzz("lint_fix")
@given(f=dataset_file(), to=st.sampled_from([None, None, "openai", "alpaca", "sharegpt"]))
def test_lint_and_fix_keep_their_contract(work: Path, f: tuple[str, bytes, int], to: str | None) -> None:
    suffix, data, _ = f
    p = write(work, suffix, data)
    r = lint_file(p)
    assert r.exit_code() in (0, 1, 2) and (r.exit_code() == 2) == (r.fatal is not None)
    json.dumps(r.to_json())
    if r.fatal is not None:
        return
    assert r.exit_code() == (1 if r.severities.get("error") else 0)
    out = work / "clean.jsonl"
    try:
        res = fix_file(p, r, out, to)
    except DatasetError as e:  # only: raw text cannot become a chat format
        assert to is not None and r.format == "text", e
        return
    kept, rejected = lines_of(out), lines_of(Path(res.rejected_path))
    assert res.kept + res.rejected == res.rows == r.rows
    assert (len(kept), len(rejected)) == (res.kept, res.rejected)
    for x in rejected:
        row = orjson.loads(x)
        assert row["line"] >= 1 and row["reasons"] and ("row" in row or "row_text" in row or "error" in row)
    for x in kept:
        orjson.loads(x)
    if res.kept:
        again = lint_file(out)
        errors = [fd.to_dict() for fd in again.findings if fd.severity == "error"]
        assert not errors and again.rows == res.kept, (errors, data[:300])


@fuzz("cli")
@given(f=dataset_file(), fix=st.booleans())
def test_cli_json_is_always_json_with_a_documented_exit_code(work: Path, f: tuple[str, bytes, int], fix: bool) -> None:
    from cli_runner import CliRunner

    from tui.cli import app
    suffix, data, _ = f
    p = write(work, suffix, data)
    args = ["lint", str(p), "--json", "--no-tokenizer"] + (["--fix", str(work / "clean.jsonl")] if fix else [])
    res = CliRunner().invoke(app, args, catch_exceptions=False)
    assert res.exit_code in (0, 1, 2)
    if res.stdout.strip():
        d = json.loads(res.stdout)
        assert set(d) == {"file", "format", "rows", "findings", "stats"}
        assert (res.exit_code == 2) == (d["format"] is None) or (fix and res.exit_code == 2)
        if fix and d["format"] is not None and "fix" in d["stats"]:
            fx = d["stats"]["fix"]
            assert fx["kept"] + fx["rejected"] == fx["rows"] == d["rows"]
    else:
        assert res.exit_code == 2 and fix  # --fix refused (e.g. text to a chat format): a message, exit 2
