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

import orjson

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
# The field names of the first contents, made once ("messages[3].content").
FIELD_NAMES_MAX = 256
CONTENT_FIELDS = tuple(f"messages[{i}].content" for i in range(FIELD_NAMES_MAX))


class SimpleRow:
    """What `read_simple_row` learns about a row in its one pass: the fields and what the scan needs of its
    messages (each also derivable from the Example; tests/test_lint_fast_rows.py compares), and the `Example`
    itself, made only when asked for (`ex`): the scan needs it only for a row with something to report."""
    __slots__ = ("obj", "src", "line", "_ex", "fields", "field_bytes", "order_key", "estimate", "calls", "answer",
                 "roles", "tool_turns", "tools_clean", "tools_json")

    def __init__(self, obj: dict, src: str, line: int | None, fields: list[tuple[str, str]], field_bytes: list[bytes],
                 order_key: tuple, estimate: float, calls: list[dict], answer: str | None, roles: tuple[str, ...],
                 tool_turns: bool, tools_clean: bool, tools_json: bytes | None = None) -> None:
        self.obj, self.src, self.line, self._ex = obj, src, line, None
        # (field_bytes: each field's text in UTF-8, encoded once for the token estimate; joined by b"\n" they are
        # the row's texts joined by "\n" and encoded, which the quality scan and the duplicate key read)
        self.fields, self.field_bytes, self.order_key, self.estimate = fields, field_bytes, order_key, estimate
        self.calls, self.answer, self.roles = calls, answer, roles
        # (tools_json: the row's `tools` as orjson writes them, when the tool-call walk wrote them; else None)
        self.tool_turns, self.tools_clean, self.tools_json = tool_turns, tools_clean, tools_json

    @property
    def ex(self) -> Example:
        """The Example `formats.parse_row(obj, "openai", src, line)` builds (the row is known to be simple)."""
        if self._ex is None:
            out = []
            for m in self.obj["messages"]:
                get = m.get
                calls, tcid = get("tool_calls"), get("tool_call_id")
                out.append(Message(m["role"], get("content") or "", None, calls or None, get("name"),
                                   tcid if isinstance(tcid, str) else None))
            self._ex = Example(self.src, self.line, messages=out, tools=self.obj.get("tools") or None)
        return self._ex


def simple_openai_row(obj: dict, src: str, line: int | None) -> tuple[Example, list[tuple[str, str]]] | None:
    """(the Example `parse_row(obj, "openai", src, line)` would return with no problems, `content_fields(obj,
    "openai")`), or None when the row is not in the simple shape (read it with `parse_row`). `obj`: a dict."""
    row = read_simple_row(obj, src, line)
    return None if row is None else (row.ex, row.fields)


_names_by_json: dict[bytes, set[str]] = {}   # a file's rows share a few tool lists: their names, by their JSON
NAMES_BY_JSON_MAX = 4096


def _tool_names(tools: list[dict]) -> set[str]:
    """The function names a row's `tools` define (as shapes._tool_names reads them)."""
    known: set[str] = set()
    for t in tools:
        fn = t.get("function")
        fn = fn if isinstance(fn, dict) else t
        name = fn.get("name")
        if isinstance(name, str):
            known.add(name)
    return known


def read_simple_row(obj: dict, src: str, line: int | None) -> SimpleRow | None:
    """`simple_openai_row` and, from the same pass over the messages: the turn-shape key of
    `simple_order_findings`, the sum of the messages' `stats.estimate_text` (reasoning: none), the calls of all
    turns in order, the last answer's text (an assistant turn without calls; None: none), the roles, whether any
    turn has calls or is a tool result (else the tool-call checks have nothing to look at), and whether
    `shapes.tool_findings("openai", ...)` would find nothing (`tools_clean`: then the scan skips it).

    The tool-call walk is `shapes._tool_findings` for such a row (no ShareGPT function_call turns; every call a
    dict whose `function`, when present, is a dict), stopping at its first finding."""
    if not obj.keys() <= SIMPLE_TOP_KEYS:
        return None
    msgs = obj.get("messages")
    if type(msgs) is not list or not msgs:
        return None
    tools = obj.get("tools")
    if tools is not None and tools != []:
        if type(tools) is not list or not all(type(t) is dict for t in tools):
            return None  # a JSON string (LLaMA-Factory), one object, or something the reader reports
    fields: list[tuple[str, str]] = []
    field_bytes: list[bytes] = []
    key: list[tuple] = []
    estimate = 0.0
    all_calls: list[dict] = []
    roles_seen: list[str] = []
    answer: str | None = None
    tool_turns = False
    # The tool-call walk: the ids of the calls awaiting a result, whether any call had an id, the function
    # names `tools` defines (read at the first call), and whether it has found nothing so far.
    pending: list[str | None] = []
    any_ids = False
    known: set[str] | None = None
    tools_json: bytes | None = None
    clean = True
    previous = None
    keys, roles, names, ellipsis = SIMPLE_MESSAGE_KEYS, SIMPLE_ROLES, CONTENT_FIELDS, R.ELLIPSIS_ONLY.match
    loads, decode_error = orjson.loads, orjson.JSONDecodeError
    for i, m in enumerate(msgs):
        if type(m) is not dict:
            return None
        if len(m) == 2 and "content" in m and "role" in m:   # a plain turn (most): nothing else to look up
            role, content, calls, name = m["role"], m["content"], None, None
        elif m.keys() <= keys:
            get = m.get
            role, content, calls, name = get("role"), get("content"), get("tool_calls"), get("name")
            if calls is not None:
                if type(calls) is not list:
                    return None
                for c in calls:
                    if type(c) is not dict or not isinstance(c.get("function", {}), dict):
                        return None
            if name is not None and type(name) is not str:
                return None
        else:
            return None
        if type(role) is not str or role not in roles:
            return None
        if content is None:
            if not calls:
                return None  # a missing or null content without calls: the reader reports it
            content = ""
            n = 0
        elif type(content) is not str or "think>" in content:
            return None
        else:
            fields.append((names[i] if i < FIELD_NAMES_MAX else f"messages[{i}].content", content))
            encoded = content.encode("utf-8", "surrogatepass")
            field_bytes.append(encoded)
            # stats.estimate_text(content), from the bytes at hand: one token per 3.5 ASCII characters, one per
            # other character (a UTF-8 byte count above the length counts those)
            n, nb = len(content), len(encoded)
            if nb == n:
                estimate += n / 3.5
            else:
                non_ascii = (nb - n) / 2
                estimate += non_ascii + (n - non_ascii) / 3.5
        # (what the scan reads of the turn: as simple_order_findings, Scan._generic)
        key.append((role, not calls, not content or content.isspace(), n < 12 and ellipsis(content) is not None))
        roles_seen.append(role)
        if role == "tool":  # (a result: calls on it are counted, never walked, as _tool_findings does)
            tool_turns = True
            if calls:
                all_calls.extend(calls)
            if clean:
                tcid = m.get("tool_call_id")
                if isinstance(tcid, str) and tcid and tcid in pending:
                    pending.remove(tcid)  # (the first equal one, as _tool_findings pops)
                elif isinstance(tcid, str) and tcid and (any_ids or pending):
                    clean = False  # an id no waiting call has
                elif pending:
                    pending.pop(0)
                elif previous == "tool":
                    clean = False  # one result more than there were calls
            previous = role
            continue
        if pending:
            if previous == "tool":
                clean = False  # some results came, not all
            pending = []
        previous = role
        if calls:
            all_calls.extend(calls)
            tool_turns = True
            if clean:
                if known is None:
                    known, tools_json = _known_names(tools)
                for c in calls:
                    fn = c.get("function", c)
                    args = fn.get("arguments")
                    if isinstance(args, str) and args.strip():
                        try:
                            loads(args)
                        except decode_error:
                            clean = False
                    fname = fn.get("name")
                    if known and isinstance(fname, str) and fname != "?" and fname not in known:
                        clean = False
                    cid = c.get("id")
                    cid = cid if isinstance(cid, str) else None
                    any_ids = any_ids or cid is not None
                    pending.append(cid)
        elif role == "assistant":
            answer = content
    if pending and previous == "tool":
        clean = False  # the conversation ends awaiting results
    return SimpleRow(obj, src, line, fields, field_bytes, tuple(key), estimate, all_calls, answer, tuple(roles_seen),
                     tool_turns, clean, tools_json)


def _known_names(tools: Any) -> tuple[set[str], bytes | None]:
    """(the function names `tools` defines, `tools` as orjson writes it, None if not written): the names come
    from a cache by that JSON (the scan writes it anyway, for the token estimate), else from `_tool_names`."""
    if not tools:
        return set(), None
    try:
        tools_json = orjson.dumps(tools)
    except orjson.JSONEncodeError:   # too deep to write: the scan says so (Scan._simple)
        return _tool_names(tools), None
    known = _names_by_json.get(tools_json)
    if known is None:
        known = _tool_names(tools)
        if len(_names_by_json) < NAMES_BY_JSON_MAX:
            _names_by_json[tools_json] = known
    return known, tools_json


def simple_order_findings(obj: dict, ex: Example) -> list[RowFinding]:
    """`rows.order_findings("openai", obj, ex, ...)` for a row read by `simple_openai_row`, remembering the turn
    shapes on which it found nothing. Of such a row's messages it reads only the role, whether there are
    calls, whether the content is blank and whether it is a short "……" (weights and source roles are None),
    so a row whose turns have a shape found clean before is clean."""
    return order_findings_by_key(obj, ex, order_key(ex))


def order_key(ex: Example) -> tuple:
    """The turn shape `simple_order_findings` remembers (what `order_findings` reads of a simple row's turns)."""
    ellipsis = R.ELLIPSIS_ONLY.match
    return tuple([(m.role, not m.tool_calls, not m.content or m.content.isspace(),
                   len(m.content) < 12 and ellipsis(m.content) is not None) for m in ex.messages or ()])


def row_order_findings(row: SimpleRow) -> list[RowFinding]:
    """`simple_order_findings` of a row read by `read_simple_row` (its Example made only for a new shape)."""
    if row.order_key in _clean_order:
        return []
    return order_findings_by_key(row.obj, row.ex, row.order_key)


def order_findings_by_key(obj: dict, ex: Example, key: tuple) -> list[RowFinding]:
    """`simple_order_findings` with the row's turn-shape key already made (`SimpleRow.order_key`)."""
    if key in _clean_order:
        return []
    found = list(order_findings("openai", obj, ex, None, None))
    if not found and len(_clean_order) < CLEAN_ORDER_MAX:
        _clean_order.add(key)
    return found
