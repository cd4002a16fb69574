"""One row in its own terms: the keys each format knows, the row's texts and field names, and the
structure checks (turn order, empty turns, tool calls, keys OpenAI rejects) made on a row read
through the reader. Pure functions: the scan turns what they yield into findings."""
from __future__ import annotations

from typing import Any, Callable, Iterator

from .. import rules as R
from ..canonical import Example
from ..formats import SHAREGPT_TAGS
from ..parts import MEDIA_COLUMNS, REASONING_KEYS, REASONING_PARTS, TEXT_PARTS, msg

OPENAI_TOP_KEYS = frozenset({"messages", "tools", "parallel_tool_calls", "functions"})
OPENAI_MSG_KEYS = frozenset({"role", "content", "name", "function_call", "weight", "tool_calls", "tool_call_id"})
# LLaMA-Factory's multimodal columns are read (as media the `multimodal` finding names), not ignored.
_MEDIA_KEYS = frozenset(MEDIA_COLUMNS)
KNOWN_TOP_KEYS = {
    "openai": OPENAI_TOP_KEYS | _MEDIA_KEYS,
    "conversation": frozenset({"conversation", "tools"}),
    "sharegpt": frozenset({"conversations", "messages", "system", "tools"}) | _MEDIA_KEYS,
    "alpaca": frozenset({"instruction", "input", "output", "system", "history", "tools"}) | _MEDIA_KEYS,
    "text": frozenset({"text"}),
}

# (code, field, message) of one finding about a row; the scan adds the row's line and the code's severity.
# The message is an EngineMessage (engine/data/lint_messages.py).
RowFinding = tuple[str, str | None, Any]


def order_findings(fmt: str, obj: Any, ex: Example, columns: dict[str, str] | None,
                   tags: dict[str, str] | None) -> Iterator[RowFinding]:
    """The order and content findings of a conversation read from `obj` (turn order, empty turns, tool calls)."""
    msgs = ex.messages or []
    fld = field_namer(fmt, obj, ex, columns, tags)
    sharegpt = fmt == "sharegpt"
    for i, m in enumerate(msgs):
        is_call = bool(m.tool_calls) or m.source_role == "function_call"
        if m.role == "system" and i > 0:
            yield ("system-not-first", fld(i), msg("lint.system-not-first"))
        if not m.content.strip() and not is_call:
            if m.role == "assistant":
                yield ("empty-answer", fld(i), msg("lint.empty-answer"))
            else:
                yield ("empty-content", fld(i), msg("lint.empty-content", role=m.role))
        elif len(m.content) < 12 and R.ELLIPSIS_ONLY.match(m.content):
            yield ("placeholder", fld(i), msg("lint.placeholder.only", role=m.role, text=repr(m.content.strip())))
        if m.weight is not None and m.role != "assistant":
            key = "weight" if weight_key(obj, fmt, i) != "loss_weight" else "loss_weight"
            yield ("weight-not-assistant", fld(i) + "." + key if fld(i) else None,
                   msg("lint.weight-not-assistant", key=key, role=m.role))
        if m.role == "tool":
            prev = msgs[i - 1] if i else None
            if prev is None or not (prev.role == "tool" or prev.tool_calls or prev.source_role == "function_call"):
                yield ("tool-order", fld(i), msg("lint.tool-order.result-first" + (".sharegpt" if sharegpt else "")))
        if is_call and i + 1 < len(msgs) and msgs[i + 1].role != "tool":
            yield ("tool-order", fld(i), msg("lint.tool-order.call-unanswered" + (".sharegpt" if sharegpt else ""),
                                             found=msgs[i + 1].source_role or msgs[i + 1].role))
    body = [m for m in msgs if m.role != "system"]
    if body and body[0].role == "assistant":
        yield ("role-order", fld(msgs.index(body[0])), msg("lint.role-order.assistant-first"))
    for i in range(1, len(msgs)):
        a, b = msgs[i - 1], msgs[i]
        if a.role == b.role and a.role in ("user", "assistant") and not (a.tool_calls or a.source_role == "function_call"):
            yield ("role-order", fld(i), msg("lint.role-order.twice", role=b.role))
            break
    assistants = [m for m in msgs if m.role == "assistant"]
    if not assistants:
        yield ("no-assistant", None, msg("lint.no-assistant"))
    elif all(m.weight == 0 for m in assistants):
        yield ("no-trainable-turn", None, msg("lint.no-trainable-turn"))
    if msgs and msgs[-1].role != "assistant" and assistants:
        yield ("not-ending-with-assistant", fld(len(msgs) - 1), msg("lint.not-ending-with-assistant",
                                                                     role=msgs[-1].source_role or msgs[-1].role))


def weight_key(obj: Any, fmt: str, i: int) -> str:
    """Which weight key message `i` of an OpenAI / v1 row spells ("weight" or "loss_weight")."""
    msgs = obj.get("messages" if fmt == "openai" else "conversation") if isinstance(obj, dict) else None
    m = msgs[i] if isinstance(msgs, list) and i < len(msgs) else None
    return "loss_weight" if isinstance(m, dict) and "weight" not in m and "loss_weight" in m else "weight"


def openai_key_findings(obj: dict) -> Iterator[tuple[str | None, Any]]:
    """(field, message) for every key of the row, or of one of its messages, that OpenAI rejects."""
    bad = [k for k in obj if k not in OPENAI_TOP_KEYS]
    if bad:
        yield bad[0], msg("lint.openai-unsupported-key", keys=[repr(k)[:60] for k in bad[:5]])
    msgs = obj.get("messages")
    if isinstance(msgs, list):
        for i, m in enumerate(msgs):
            if isinstance(m, dict):
                extra = [k for k in m if k not in OPENAI_MSG_KEYS]
                if extra:
                    yield f"messages[{i}].{extra[0]}", msg("lint.openai-unsupported-key.message",
                                                           keys=[repr(k)[:60] for k in extra[:5]], allowed=sorted(OPENAI_MSG_KEYS))


# ------------------------------------------------------------------------------------------------
# field names and content of a raw row, per format

def content_fields(obj: Any, fmt: str, columns: dict[str, str] | None = None,
                   tags: dict[str, str] | None = None) -> list[tuple[str | None, str]]:
    """(field, text) for every text a model would see in this row, with the row's own field names."""
    if isinstance(obj, str):
        return [(None, obj)]
    if not isinstance(obj, dict):
        return []
    out: list[tuple[str | None, str]] = []
    if fmt in ("openai", "conversation"):
        key = "messages" if fmt == "openai" else "conversation"
        for i, m in enumerate(obj.get(key) or []):
            if isinstance(m, dict):
                c = m.get("content")
                if isinstance(c, str):
                    out.append((f"{key}[{i}].content", c))
                elif isinstance(c, list):
                    out.append((f"{key}[{i}].content", "".join(_part_text(p) for p in c)))
                    # LLaMA-Factory v1 reasoning parts: their own fields, as a model sees them too.
                    out += [(f"{key}[{i}].content[{j}].value", p["value"]) for j, p in enumerate(c) if isinstance(p, dict)
                            and p.get("type") in REASONING_PARTS and isinstance(p.get("value"), str)]
                if len(m) > 2:  # (role and content alone cannot hold a reasoning field)
                    out += [(f"{key}[{i}].{k}", m[k]) for k in REASONING_KEYS if isinstance(m.get(k), str)]
    elif fmt == "sharegpt":
        cols = {"messages": "conversations", "system": "system", **(columns or {})}
        key = cols["messages"] if cols["messages"] in obj else "messages"
        ctag = (tags or {}).get("content_tag", SHAREGPT_TAGS["content_tag"])
        if isinstance(obj.get(cols["system"]), str):
            out.append((cols["system"], obj[cols["system"]]))
        for i, m in enumerate(obj.get(key) or []):
            if isinstance(m, dict):
                k = ctag if ctag in m else "content"
                if isinstance(m.get(k), str):
                    out.append((f"{key}[{i}].{k}", m[k]))
    elif fmt == "alpaca":
        cols = {"prompt": "instruction", "query": "input", "response": "output", "system": "system", "history": "history",
                **(columns or {})}
        for k in ("system", "prompt", "query", "response"):
            if isinstance(obj.get(cols[k]), str):
                out.append((cols[k], obj[cols[k]]))
        h = obj.get(cols["history"])
        if isinstance(h, list):
            for i, pair in enumerate(h):
                if isinstance(pair, list):
                    for j, t in enumerate(pair[:2]):
                        if isinstance(t, str):
                            out.append((f"{cols['history']}[{i}][{j}]", t))
    elif fmt == "text":
        key = (columns or {}).get("text") or (columns or {}).get("prompt") or "text"
        if isinstance(obj.get(key), str):
            out.append((key, obj[key]))
    return out


def _part_text(p: Any) -> str:
    """The text of one content part: OpenAI's under "text", LLaMA-Factory v1's text parts under "value"."""
    if not isinstance(p, dict):
        return ""
    t = p.get("text")
    if isinstance(t, str):
        return t
    v = p.get("value")
    return v if isinstance(v, str) and p.get("type") in TEXT_PARTS else ""


def field_namer(fmt: str, obj: Any, ex: Example, columns: dict[str, str] | None,
                 tags: dict[str, str] | None) -> Callable[[int], str | None]:
    """Maps an index into `ex.messages` back to the row's own field name."""
    msgs = ex.messages or []
    if fmt in ("openai", "conversation"):
        key = "messages" if fmt == "openai" else "conversation"
        return lambda i: f"{key}[{i}]"
    if fmt == "sharegpt":
        cols = {"messages": "conversations", "system": "system", **(columns or {})}
        key = cols["messages"] if isinstance(obj, dict) and cols["messages"] in obj else "messages"
        conv = obj.get(key) if isinstance(obj, dict) else None
        # A top-level system prompt was put in front of the turns by the reader.
        shift = 1 if msgs and isinstance(conv, list) and len(msgs) == len(conv) + 1 else 0
        return lambda i: (cols["system"] if i < shift else f"{key}[{i - shift}]")
    if fmt == "alpaca":
        cols = {"prompt": "instruction", "response": "output", "history": "history", **(columns or {})}
        has_sys = bool(msgs) and msgs[0].role == "system"
        last = len(msgs) - 1

        def name(i: int) -> str | None:
            if has_sys and i == 0:
                return "system"
            if i == last:
                return cols["response"]
            if i == last - 1:
                return cols["prompt"]
            k = i - (1 if has_sys else 0)
            return f"{cols['history']}[{k // 2}][{k % 2}]"
        return name
    return lambda i: None
