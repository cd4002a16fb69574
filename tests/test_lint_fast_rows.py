"""The fast reader of simple OpenAI rows (tool calls, tools, names: lint/fast_rows.py) builds what the full
reader builds, and lint reports the same with and without it, on generated rows full of what tool-call data
gets wrong (unanswered calls, ids that match nothing, broken arguments, unknown functions, wrong types,
turns out of order, reasoning fields, weights, empty and "……" turns, personal data)."""
from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.data.formats import parse_row
from engine.data.lint import LintOptions, lint_file
from engine.data.lint import scan as scan_module
from engine.data.lint.fast_rows import order_key, read_simple_row, simple_openai_row
from engine.data.lint.shapes import tool_findings
from engine.data.lint.rows import content_fields
from engine.data.stats import estimate_text

TEXTS = ["你好，我想查一下订单。", "Please check order 4423478 for me.", "a@b.co", "13812345678", "", " ", "……", "...",
         "<think>hm</think>ok", "好的", "{\"age\": 19}", "sk-" + "a" * 24, "谢谢，再见。", "{{name}}", "\u200b"]
NAMES = ["get_weather", "calculate_age", "search", "?", ""]
ARGS = ['{"city": "北京"}', '{"a": 1', "", "  ", "[1, 2]", "not json", '{"birthdate": "1990-01-01"}']
IDS = ["call_1", "call_2", "call_3", "", None, 7]

SETTINGS = settings(max_examples=400, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck), print_blob=True)


@st.composite
def tool_call(draw: Any) -> Any:
    fn: Any = {"name": draw(st.sampled_from(NAMES)), "arguments": draw(st.sampled_from(ARGS))}
    if draw(st.integers(0, 19)) == 0:
        fn = draw(st.sampled_from(["text", None, 3, ["x"]]))
    call: Any = {"type": "function", "function": fn}
    cid = draw(st.sampled_from(IDS))
    if cid is not None:
        call["id"] = cid
    if draw(st.integers(0, 29)) == 0:
        call = draw(st.sampled_from(["call", 1, None]))
    return call


@st.composite
def message(draw: Any) -> Any:
    kind = draw(st.sampled_from(["user", "assistant", "call", "tool", "system", "odd"]))
    m: dict[str, Any]
    if kind == "call":
        m = {"role": "assistant", "tool_calls": draw(st.lists(tool_call(), max_size=3))}
        c = draw(st.integers(0, 5))
        if c == 1:
            m["content"] = None
        elif c == 2:
            m["content"] = draw(st.sampled_from(TEXTS))
        elif c == 3:
            m["tool_calls"] = draw(st.sampled_from([None, "x", {}]))
    elif kind == "tool":
        m = {"role": "tool", "content": draw(st.sampled_from(TEXTS))}
        cid = draw(st.sampled_from(IDS))
        if cid is not None:
            m["tool_call_id"] = cid
    elif kind == "odd":
        m = {"role": draw(st.sampled_from(["developer", "function", "bot", " User", 3, None])),
             "content": draw(st.sampled_from(TEXTS))}
    else:
        m = {"role": kind, "content": draw(st.sampled_from(TEXTS))}
    extra = draw(st.integers(0, 14))
    if extra == 1:
        m["name"] = draw(st.sampled_from(["alice", 5, None]))
    elif extra == 2:
        m["weight"] = draw(st.sampled_from([0, 1, 2]))
    elif extra == 3:
        m["reasoning_content"] = draw(st.sampled_from(["想一想", "", 1]))
    elif extra == 4:
        m["content"] = draw(st.sampled_from([[{"type": "text", "text": "hi"}], 5, None, {"a": 1}]))
    elif extra == 5:
        m["function_call"] = {"name": "f", "arguments": "{}"}
    elif extra == 6:
        m["loss_weight"] = 1
    elif extra == 7:
        m.pop("role", None)
    return m


@st.composite
def row(draw: Any) -> Any:
    msgs: Any = draw(st.lists(message(), min_size=0, max_size=7))
    out: dict[str, Any] = {"messages": msgs}
    t = draw(st.integers(0, 9))
    if t < 5:
        out["tools"] = [{"type": "function", "function": {"name": n, "parameters": {}}}
                        for n in draw(st.lists(st.sampled_from(NAMES[:3]), max_size=2))]
    elif t == 5:
        out["tools"] = draw(st.sampled_from(["[]", "", {"name": "search"}, [1], None, '[{"name": "search"}]']))
    x = draw(st.integers(0, 19))
    if x == 1:
        out["images"] = ["a.png"]
    elif x == 2:
        out["id"] = 3
    elif x == 3:
        out["messages"] = draw(st.sampled_from([None, "hi", {}]))
    return out


@st.composite
def conversation(draw: Any) -> Any:
    """A mostly well-formed tool conversation (what real files hold), with texts that are sometimes blank, "……"
    or personal data, and now and then an id or name that matches nothing."""
    texts = st.sampled_from(TEXTS)
    msgs: list[dict[str, Any]] = [{"role": "system", "content": draw(texts)}] if draw(st.booleans()) else []
    for _ in range(draw(st.integers(1, 3))):
        msgs.append({"role": "user", "content": draw(texts)})
        for _ in range(draw(st.integers(0, 2))):
            calls = [{"id": f"call_{len(msgs)}_{j}", "type": "function",
                      "function": {"name": draw(st.sampled_from(NAMES[:3])), "arguments": draw(st.sampled_from(ARGS[:2]))}}
                     for j in range(draw(st.integers(1, 2)))]
            msgs.append({"role": "assistant", "tool_calls": calls})
            for c in calls:
                cid = c["id"] if draw(st.integers(0, 9)) else "call_x"
                msgs.append({"role": "tool", "tool_call_id": cid, "content": draw(texts)})
        msgs.append({"role": "assistant", "content": draw(texts)})
    out: dict[str, Any] = {"messages": msgs}
    if draw(st.booleans()):
        out["tools"] = [{"type": "function", "function": {"name": n}} for n in NAMES[:draw(st.integers(1, 3))]]
    return out


def any_row() -> Any:
    return st.one_of(row(), conversation())


@SETTINGS
@given(any_row())
def test_the_fast_reader_builds_what_the_full_reader_builds(obj: Any):
    fast = simple_openai_row(obj, "f.jsonl", 7)
    if fast is None:
        return  # the full reader reads it
    ex, probs = parse_row(obj, "openai", "f.jsonl", 7)
    assert not probs, probs
    assert fast[0] == ex
    assert fast[1] == content_fields(obj, "openai")
    # What the same pass learns for the scan equals what the scan would derive from the full reader's Example.
    row = read_simple_row(obj, "f.jsonl", 7)
    msgs = ex.messages
    assert row.order_key == order_key(ex)
    assert row.estimate == sum(estimate_text(m.content) for m in msgs)
    assert b"\n".join(row.field_bytes) == "\n".join(t for _, t in fast[1]).encode("utf-8", "surrogatepass")
    assert row.calls == [c for m in msgs if m.tool_calls for c in m.tool_calls]
    answers = [m.content for m in msgs if m.role == "assistant" and not m.tool_calls]
    assert row.answer == (answers[-1] if answers else None)
    assert row.roles == tuple(m.role for m in msgs)
    assert row.tool_turns == any(m.tool_calls or m.role == "tool" for m in msgs)
    # The tool-call walk over the row's dicts agrees with the one over the Example.
    assert row.tools_clean == (not list(tool_findings("openai", obj, ex)))


def _call(cid: str | None, name: str = "search", args: str = "{}") -> dict:
    c: dict[str, Any] = {"type": "function", "function": {"name": name, "arguments": args}}
    if cid is not None:
        c["id"] = cid
    return c


def _turns(*spec: Any) -> list[dict]:
    """u: a user turn; a: an answer; ("c", call, ...): an assistant turn with calls; ("t", id or None): a result."""
    out: list[dict] = []
    for s in spec:
        if s == "u":
            out.append({"role": "user", "content": "Where is parcel 3?"})
        elif s == "a":
            out.append({"role": "assistant", "content": "On its way."})
        elif s[0] == "c":
            out.append({"role": "assistant", "tool_calls": list(s[1:])})
        else:
            out.append({"role": "tool", "content": "{}", **({"tool_call_id": s[1]} if s[1] is not None else {})})
    return out


TOOLS = [{"type": "function", "function": {"name": "search"}}, {"name": "lookup"}]


@pytest.mark.parametrize("msgs, tools", [
    (_turns("u", ("c", _call("1")), ("t", "1"), "a"), TOOLS),                                    # clean
    (_turns("u", ("c", _call("1"), _call("2")), ("t", "2"), ("t", "1"), "a"), TOOLS),             # results out of order
    (_turns("u", ("c", _call(None)), ("t", None), ("t", None), "a"), None),                       # one result too many
    (_turns("u", ("t", None), "a"), None),                                                         # a result, no call
    (_turns("u", ("c", _call("1")), ("t", "9"), "a"), None),                                      # an id matching nothing
    (_turns("u", ("c", _call(None)), ("t", "9"), "a"), None),                                     # an id, calls without
    (_turns("u", ("c", _call("1"), _call("2")), ("t", "1"), "u", "a"), None),                     # one result of two
    (_turns("u", ("c", _call("1")), "u", "a"), None),                                              # no result at all
    (_turns("u", ("c", _call("1"), _call("2")), ("t", "1")), None),                               # ends awaiting one
    (_turns("u", ("c", _call("1", args='{"a": 1')), ("t", "1"), "a"), None),                      # broken arguments
    (_turns("u", ("c", _call("1", args="  ")), ("t", "1"), "a"), None),                           # blank arguments
    (_turns("u", ("c", _call("1", name="weather")), ("t", "1"), "a"), TOOLS),                     # unknown function
    (_turns("u", ("c", _call("1", name="lookup")), ("t", "1"), "a"), TOOLS),                      # known by a bare tool
    (_turns("u", ("c", _call("1", name="?")), ("t", "1"), "a"), TOOLS),                           # a "?" name
    (_turns("u", ("c", {"id": "1", "name": "weather", "arguments": "x"}), ("t", "1"), "a"), TOOLS),  # no "function"
    (_turns("u", ("c", _call("1"), _call("1")), ("t", "1"), ("t", "1"), "a"), None),              # a repeated id
    (_turns("u", ("c", _call("1")), ("t", "1"), ("t", None), "a"), None),                         # an extra, no id
    ([*_turns("u", ("c", _call("1"))), {"role": "tool", "tool_call_id": "1", "content": "{}",
                                        "tool_calls": [_call("2")]}, *_turns("a")], None),         # calls on a result
])
def test_the_tool_call_walk_over_dicts_finds_what_the_full_check_finds(msgs: list[dict], tools: Any):
    obj: dict[str, Any] = {"messages": msgs, **({"tools": tools} if tools else {})}
    row = read_simple_row(obj, "f", 1)
    assert row is not None and row.tool_turns
    expected = list(tool_findings("openai", obj, row.ex))
    assert row.tools_clean == (not expected), expected


def test_the_fast_reader_takes_tool_call_rows():
    obj = {"messages": [{"role": "user", "content": "几岁？"},
                        {"role": "assistant", "tool_calls": [{"id": "c1", "type": "function",
                                                              "function": {"name": "calculate_age", "arguments": "{}"}}]},
                        {"role": "tool", "tool_call_id": "c1", "content": "{\"age\": 19}"},
                        {"role": "assistant", "content": "19 岁。"}],
           "tools": [{"type": "function", "function": {"name": "calculate_age"}}]}
    assert simple_openai_row(obj, "f", 1) is not None
    assert simple_openai_row({**obj, "id": 1}, "f", 1) is None


def _key(report: Any) -> tuple:
    findings = [(f.code, f.severity, f.line, f.field, f.message) for f in report.findings]
    stats = {k: v for k, v in report.stats.items() if k not in ("seconds", "scan_mb_per_s")}
    return report.rows, findings, stats, sorted(report.reject_lines.items())


@pytest.mark.parametrize("target", ["open", "openai"])
def test_lint_reports_the_same_with_and_without_the_fast_reader(tmp_path: Path, monkeypatch, target: str):
    rows: list[Any] = []

    @settings(max_examples=600, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(any_row())
    def collect(obj: Any) -> None:
        rows.append(obj)
    collect()
    # Each row again with other texts in its turns (the same turn shape: the fast path remembers shapes found
    # clean), then some rows twice (duplicates) and upper-cased (near-duplicates or unknown roles).
    rnd = random.Random(5)
    for obj in list(rows):
        for _ in range(2):
            msgs = obj.get("messages")
            if isinstance(msgs, list):
                rows.append({**obj, "messages": [{**m, "content": rnd.choice(TEXTS)} if isinstance(m, dict) and
                                                 isinstance(m.get("content"), str) else m for m in msgs]})
    path = tmp_path / "tools.jsonl"
    lines = [json.dumps(r, ensure_ascii=False) for r in rows]
    path.write_text("\n".join(lines + lines[:50] + [x.upper() for x in lines[50:80]]) + "\n", encoding="utf-8")
    opts = LintOptions(workers=1, max_per_code=100000, target=target)
    fast = _key(lint_file(path, opts))
    taken = sum(simple_openai_row(r, "f", 1) is not None for r in rows)
    assert taken > 50  # the fast reader took part
    monkeypatch.setattr(scan_module, "read_simple_row", lambda obj, src, line: None)
    assert _key(lint_file(path, opts)) == fast
