"""Lint rules for today's data shapes: reasoning traces, tool calls and their results, media.

Row rules (`shape_findings`, run by the scan on every row read through the reader):
- ``think-unclosed``: a `<think>` without its `</think>` (or the reverse) in a turn's text;
- ``tool-args-invalid``: a call's arguments (or a ShareGPT function_call) that are not valid JSON;
- ``tool-call-unanswered`` / ``tool-result-unmatched``: calls and results that do not pair up (by
  ``tool_call_id`` where given, else in order; a ShareGPT function_call is answered by one observation);
- ``tool-unknown-function``: a call to a function that the row's ``tools`` do not define.
File rules (`reasoning_mix_finding`, `multimodal_finding`, from the scan's counts): reasoning in some
rows and not others; rows with media that tunewiz (a text trainer) drops.
Pure functions: they yield (code, field, message) and the scan adds line and severity.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Callable, Iterator

import orjson

from ..canonical import Example
from ..parts import THINK_CLOSE, THINK_OPEN, msg
from .rows import RowFinding, field_namer

# The most first-lines a file-wide finding names.
FIRST_LINES = 5
MEDIA_KINDS = ("image", "video", "audio", "file")   # the media kinds a message part names (lint.media.<kind>)


def shape_findings(fmt: str, obj: Any, ex: Example, fields: list[tuple[str | None, str]],
                   columns: dict[str, str] | None = None, tags: dict[str, str] | None = None) -> Iterator[RowFinding]:
    """The reasoning and tool-call findings of a conversation read from `obj` (`fields`: the row's texts)."""
    for fld, text in fields:
        if "think>" in text:
            opens, closes = text.count(THINK_OPEN), text.count(THINK_CLOSE)
            if opens > closes:
                yield ("think-unclosed", fld, msg("lint.think-unclosed.open"))
            elif closes > opens:
                yield ("think-unclosed", fld, msg("lint.think-unclosed.close"))
    if ex.messages and any(m.tool_calls or m.role == "tool" or m.source_role == "function_call" for m in ex.messages):
        yield from tool_findings(fmt, obj, ex, columns, tags)


def tool_findings(fmt: str, obj: Any, ex: Example, columns: dict[str, str] | None = None,
                  tags: dict[str, str] | None = None) -> Iterator[RowFinding]:
    """The tool-call findings of `shape_findings`, for a conversation known to have calls or results."""
    return _tool_findings(fmt, obj, ex, field_namer(fmt, obj, ex, columns, tags), tags)


def _call_field(fmt: str, obj: Any, fld: str | None, i: int, j: int, tags: dict[str, str] | None) -> str | None:
    """The field of call `j` of message `i` as the row spells it."""
    if fld is None:
        return None
    if fmt == "sharegpt":
        return f"{fld}.{(tags or {}).get('content_tag', 'value')}"
    key = "messages" if fmt == "openai" else "conversation"
    msgs = obj.get(key) if isinstance(obj, dict) else None
    m = msgs[i] if isinstance(msgs, list) and i < len(msgs) and isinstance(msgs[i], dict) else {}
    if "tool_calls" in m:
        return f"{fld}.tool_calls[{j}].function.arguments"
    if "function_call" in m:
        return f"{fld}.function_call.arguments"
    return f"{fld}.content"  # a LLaMA-Factory v1 tool_call part


def _tool_names(tools: list[dict[str, Any]] | None) -> set[str]:
    names: set[str] = set()
    for t in tools or []:
        fn = t.get("function") if isinstance(t.get("function"), dict) else t
        if isinstance(fn.get("name"), str):
            names.add(fn["name"])
    return names


def _tool_findings(fmt: str, obj: Any, ex: Example, fld: Callable[[int], str | None],
                   tags: dict[str, str] | None) -> Iterator[RowFinding]:
    msgs = ex.messages or []
    sharegpt = fmt == "sharegpt"
    known = _tool_names(ex.tools)
    pending: list[tuple[str | None, int, str]] = []  # (call id, message index, function name) awaiting a result
    any_ids = False
    for i, m in enumerate(msgs):
        if m.role == "tool":
            if m.tool_call_id:
                # (the first pending call is the usual answer: looked at before the search)
                hit = 0 if pending and pending[0][0] == m.tool_call_id else \
                    next((k for k, p in enumerate(pending) if p[0] == m.tool_call_id), None)
                if hit is not None:
                    pending.pop(hit)
                    continue
                if any_ids or pending:
                    waiting = [repr(p[0]) for p in pending if p[0]]
                    yield ("tool-result-unmatched", fld(i), msg("lint.tool-result-unmatched.id" + (".waiting" if pending else ""),
                                                              id=m.tool_call_id[:80], waiting=waiting))
                    continue
            if pending:
                pending.pop(0)
            elif i and msgs[i - 1].role == "tool":  # (a result right after a non-call turn: tool-order says it)
                yield ("tool-result-unmatched", fld(i), msg("lint.tool-result-unmatched.extra" + (".sharegpt" if sharegpt else "")))
            continue
        if pending and i and msgs[i - 1].role == "tool":
            # Some results came, not all (a call followed at once by another turn is tool-order's finding).
            yield from _unanswered(pending, fld)
            pending = []
        elif pending:
            pending = []
        if m.source_role == "function_call" and not m.tool_calls:
            try:
                orjson.loads(m.content)
                why = msg("lint.tool-args-invalid.function-call-shape")
            except orjson.JSONDecodeError as e:
                why = msg("lint.tool-args-invalid.function-call-json", error=str(e))
            yield ("tool-args-invalid", _call_field(fmt, obj, fld(i), i, 0, tags), why)
            pending.append((None, i, "?"))
            continue
        if not m.tool_calls:
            continue
        for j, c in enumerate(m.tool_calls):
            fn = c.get("function", c) if isinstance(c, dict) else {}
            fn = fn if isinstance(fn, dict) else {}
            name = fn.get("name") if isinstance(fn.get("name"), str) else "?"
            args = fn.get("arguments")
            if isinstance(args, str) and args.strip():
                try:
                    orjson.loads(args)
                except orjson.JSONDecodeError as e:
                    yield ("tool-args-invalid", _call_field(fmt, obj, fld(i), i, j, tags),
                           msg("lint.tool-args-invalid", name=name[:80], error=str(e)))
            if known and name != "?" and name not in known:
                yield ("tool-unknown-function", _call_field(fmt, obj, fld(i), i, j, tags),
                       msg("lint.tool-unknown-function", name=name[:80], known=sorted(known)[:6]))
            cid = c.get("id") if isinstance(c, dict) and isinstance(c.get("id"), str) else None
            any_ids = any_ids or cid is not None
            if not (sharegpt and j):  # a ShareGPT function_call (one call or a list) is answered by one observation
                pending.append((cid, i, name))
    if pending and msgs and msgs[-1].role == "tool":
        yield from _unanswered(pending, fld)


def _unanswered(pending: list[tuple[str | None, int, str]], fld: Callable[[int], str | None]) -> Iterator[RowFinding]:
    for cid, i, name in pending:
        yield ("tool-call-unanswered", fld(i), msg("lint.tool-call-unanswered.id", name=name[:80], id=cid[:80]) if cid
               else msg("lint.tool-call-unanswered", name=name[:80]))


# ------------------------------------------------------------------------------------------------
# file-wide findings from the scan's counts

def reasoning_mix_finding(with_reasoning: int, without: int, first_with: list[int],
                          first_without: list[int], answers: bool = False) -> tuple[int | None, Any] | None:
    """(line, message) when some rows (or, for pairs, `answers`) carry a reasoning trace and others none, else None."""
    if not with_reasoning or not without:
        return None
    def lines(xs: list[int]) -> list[Any]:
        return list(xs[:FIRST_LINES]) or ["?"]
    return (first_with[0] if first_with else None,
            msg("lint.reasoning-mixed" + (".answers" if answers else ""), with_reasoning=with_reasoning, without=without,
                first_with=lines(first_with), first_without=lines(first_without)))


def multimodal_finding(rows: int, kinds: Counter, first: list[tuple[int, str]]) -> tuple[int | None, Any] | None:
    """(line, message) naming the rows whose media tunewiz drops, else None."""
    if not rows:
        return None
    from engine.message_parts import part, parts
    what = parts([part(f"lint.media.{k if k in MEDIA_KINDS else 'other'}" + (".many" if n > 1 else ""), count=n, kind=k)
                  for k, n in kinds.most_common()], ", ")
    where = [f"{ln} ({f})" for ln, f in first[:FIRST_LINES]]
    return (first[0][0] if first else None, msg("lint.multimodal", rows=rows, what=what, where=where))
