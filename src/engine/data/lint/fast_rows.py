"""A fast reader for the common shape of OpenAI rows that the scan's plain-chat fast path does not take:
tool calls (`tools`, assistant `tool_calls`, `tool` results), a `name`, a `tools` list beside plain chats.

`simple_openai_row(obj, src, line)` builds the `Example` that `formats.parse_row(obj, "openai", ...)`
would build, without its per-field validation, and the row's texts as `rows.content_fields` names them,
for rows whose every key and value has the one simple shape the reader accepts as it is; for anything
else it returns None and the caller reads the row with `parse_row`. The row's checks (turn order, tool calls and results, quality) then run on that `Example`
exactly as for a row read by `parse_row` (lint/rows.py, lint/shapes.py), so the findings are the same;
tests/test_lint_fast_rows.py checks that both build equal examples and fields on generated rows, and that
lint reports the same with and without this reader. Such a row has no keys the report names (OpenAI
accepts them all; none is ignored), no LLaMA-Factory v1 parts and no media, which the scan relies on.

What the shape excludes, and why each goes to the full reader: keys other than role / content /
tool_calls / tool_call_id / name (weights, reasoning fields, legacy function_call: the reader reads
and checks them), roles the reader renames (developer, function), content that is not a string (parts:
media, v1 parts), a null content without calls, a `<think>` tag (the reader lifts the trace out), `tools`
that is not a list of objects, and top-level keys other than messages and tools (media columns, keys the
report names).
"""
from __future__ import annotations

from typing import Any

from .. import rules as R
from ..canonical import Example, Message
from .rows import RowFinding, order_findings

# Role names the reader keeps as they are (it renames "developer" and "function").
SIMPLE_ROLES = frozenset({"system", "user", "assistant", "tool"})
SIMPLE_MESSAGE_KEYS = frozenset({"role", "content", "tool_calls", "tool_call_id", "name"})
SIMPLE_TOP_KEYS = frozenset({"messages", "tools"})
# The most turn shapes `simple_order_findings` remembers as clean (a few hundred in a real file).
CLEAN_ORDER_MAX = 4096
_clean_order: set[tuple] = set()


def simple_openai_row(obj: dict, src: str, line: int | None) -> tuple[Example, list[tuple[str, str]]] | None:
    """(the Example `parse_row(obj, "openai", src, line)` would return with no problems, `content_fields(obj,
    "openai")`), or None when the row is not in the simple shape (read it with `parse_row`). `obj`: a dict."""
    if not obj.keys() <= SIMPLE_TOP_KEYS:
        return None
    msgs = obj.get("messages")
    if type(msgs) is not list or not msgs:
        return None
    tools = obj.get("tools")
    if tools is not None and tools != []:
        if type(tools) is not list or not all(type(t) is dict for t in tools):
            return None  # a JSON string (LLaMA-Factory), one object, or something the reader reports
    out: list[Message] = []
    fields: list[tuple[str, str]] = []
    for i, m in enumerate(msgs):
        if type(m) is not dict or not m.keys() <= SIMPLE_MESSAGE_KEYS:
            return None
        role = m.get("role")
        if type(role) is not str or role not in SIMPLE_ROLES:
            return None
        calls = m.get("tool_calls")
        if calls is not None:
            if type(calls) is not list:
                return None
            for c in calls:
                if type(c) is not dict or not isinstance(c.get("function", {}), dict):
                    return None
        content = m.get("content")
        if content is None:
            if not calls:
                return None  # a missing or null content without calls: the reader reports it
            content = ""
        elif type(content) is not str or "think>" in content:
            return None
        else:
            fields.append((f"messages[{i}].content", content))
        name = m.get("name")
        if name is not None and type(name) is not str:
            return None
        tcid = m.get("tool_call_id")
        out.append(Message(role, content, None, calls or None, name, tcid if isinstance(tcid, str) else None))
    return Example(src, line, messages=out, tools=tools or None), fields


def simple_order_findings(obj: dict, ex: Example) -> list[RowFinding]:
    """`rows.order_findings("openai", obj, ex, ...)` for a row read by `simple_openai_row`, remembering the turn
    shapes on which it found nothing. Of such a row's messages it reads only the role, whether there are
    calls, whether the content is blank and whether it is a short "……" (weights and source roles are None),
    so a row whose turns have a shape found clean before is clean."""
    ellipsis = R.ELLIPSIS_ONLY.match
    key = tuple([(m.role, not m.tool_calls, not m.content or m.content.isspace(),
                  len(m.content) < 12 and ellipsis(m.content) is not None) for m in ex.messages or ()])
    if key in _clean_order:
        return []
    found = list(order_findings("openai", obj, ex, None, None))
    if not found and len(_clean_order) < CLEAN_ORDER_MAX:
        _clean_order.add(key)
    return found
