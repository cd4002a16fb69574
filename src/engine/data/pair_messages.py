"""Messages of preference pairs, in every shape the pair formats use: `{role, content}` (OpenAI, TRL,
LLaMA-Factory v1) and `{from, value}` (ShareGPT), content a string or a list of parts (read by parts.py,
the SFT readers' own helpers), reasoning from `reasoning_content` or a leading `<think>…</think>`.

`PairRow` collects one row's problems (errors and warnings) so that no reader raises.
"""
from __future__ import annotations

import json
from typing import Any

from .canonical import Message, Problem
from .parts import (THINK_OPEN, call_problem, calls_from_text, msg as coded, openai_calls, read_content, read_reasoning_field,
                    split_think, type_name, type_part)

__all__ = ["ROLES", "PairRow", "read_message", "read_messages", "side_text"]

ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant", "tool": "tool",
         "function": "tool",
         # ShareGPT's tags (LLaMA-Factory defaults) and spellings seen in the wild
         "human": "user", "gpt": "assistant", "observation": "tool", "function_call": "assistant", "model": "assistant",
         "chatgpt": "assistant"}


class PairRow:
    """Collects the problems of one row while it is read."""
    __slots__ = ("src", "line", "problems", "errors")

    def __init__(self, src: str, line: int | None) -> None:
        self.src = src
        self.line = line
        self.problems: list[Problem] = []
        self.errors = 0

    def bad(self, fld: str | None, message: Any, code: str, severity: str = "error") -> None:
        """A problem; `message` is a coded message (parts.msg) or English text."""
        self.problems.append(Problem.of(self.src, self.line, fld, message, code=code, severity=severity))
        self.errors += severity == "error"


def _content(row: PairRow, content: Any, fld: str, msg: Message, tools_out: list) -> bool:
    """Fills msg.content (and reasoning / tool calls from parts, through parts.py, the SFT readers' own
    helpers); False when the content is unreadable. Media parts: one warning a row."""
    got = read_content(row, content, fld)  # type: ignore[arg-type]  # PairRow has RowProblems.bad()
    if got is None:
        return False
    msg.content = got.text
    if got.reasoning is not None:
        msg.reasoning = got.reasoning
    if got.tool_calls:
        msg.tool_calls = (msg.tool_calls or []) + got.tool_calls
    if got.tools:
        tools_out.extend(got.tools)
    if got.media and not any(p.code == "multimodal" for p in row.problems):  # once a row (a shared prompt repeats it)
        where, kind = got.media[0]
        row.bad(where, coded("lint.multimodal.pair", kind=kind), "multimodal", "warning")
    return True


def read_message(row: PairRow, m: Any, fld: str, tools_out: list) -> Message | None:
    """One message: {role, content} (OpenAI, TRL, v1) or {from, value} (ShareGPT)."""
    if not isinstance(m, dict):
        row.bad(fld, coded("lint.mistyped-key.pair-message", got=type_part(m)), "mistyped-key")
        return None
    rkey, ckey = ("role", "content") if "role" in m or "from" not in m else ("from", "value")
    role = m.get(rkey)
    if role is None:
        row.bad(f"{fld}.{rkey}", coded("lint.missing-key.pair-role", key=rkey), "missing-key")
        return None
    if not isinstance(role, str):
        row.bad(f"{fld}.{rkey}", coded("lint.mistyped-key.string", got=type_part(role)), "mistyped-key")
        return None
    canon = ROLES.get(role) or ROLES.get(role.strip().lower())
    if canon is None:
        row.bad(f"{fld}.{rkey}", coded("lint.unknown-role.pair", role=role[:40]), "unknown-role")
        return None
    msg = Message(role=canon, content="", source_role=role if role != canon else None)
    calls = m.get("tool_calls")
    if calls is not None:
        if not isinstance(calls, list) or not all(isinstance(c, dict) for c in calls):
            row.bad(f"{fld}.tool_calls", coded("lint.mistyped-key.pair-tool-calls", got=type_part(calls)), "mistyped-key")
            return None
        msg.tool_calls = calls or None
    content = m.get(ckey)
    if role == "function_call":  # ShareGPT: the value is the call itself
        got, why = (calls_from_text(content) if isinstance(content, str) else
                    ((c, None) if (c := openai_calls(content)) else (None, f"{type_name(content)}, not a call")))
        if got is None:
            row.bad(f"{fld}.{ckey}", call_problem(content), "tool-args-invalid")
            return None
        msg.tool_calls = got
    elif content is None:
        if not msg.tool_calls:
            row.bad(f"{fld}.{ckey}", coded("lint.missing-key.pair-content", key=ckey), "missing-key")
            return None
    elif not _content(row, content, f"{fld}.{ckey}", msg, tools_out):
        return None
    ok, rc = read_reasoning_field(row, m, fld)  # type: ignore[arg-type]
    if not ok:
        return None
    if rc is not None and rc.strip():
        msg.reasoning = rc
    if canon == "assistant" and msg.reasoning is None and THINK_OPEN in msg.content:
        msg.reasoning, msg.content = split_think(msg.content)
    for key in ("name", "tool_call_id"):
        if isinstance(m.get(key), str):
            setattr(msg, key, m[key])
    return msg


def read_messages(row: PairRow, value: Any, fld: str, tools_out: list, *, side: bool) -> list[Message] | None:
    """A list of messages; a string is one message (the user's for a prompt, the assistant's for a side),
    one object a list of one."""
    if isinstance(value, str):
        return [Message("assistant" if side else "user", value)]
    if isinstance(value, dict):
        m = read_message(row, value, fld, tools_out)
        return [m] if m else None
    if not isinstance(value, list):
        row.bad(fld, coded("lint.mistyped-key.pair-messages", got=type_part(value)), "mistyped-key")
        return None
    out: list[Message] = []
    ok = True
    for i, m in enumerate(value):
        msg = read_message(row, m, f"{fld}[{i}]", tools_out)
        if msg is None:
            ok = False
        else:
            out.append(msg)
    return out if ok else None


def side_text(messages: list[Message]) -> str:
    """All the text of a side (or prompt) that training sees: contents, reasoning and tool calls."""
    parts: list[str] = []
    for m in messages:
        if m.reasoning:
            parts.append(m.reasoning)
        parts.append(m.content)
        if m.tool_calls:
            parts.append(json.dumps(m.tool_calls, ensure_ascii=False, sort_keys=True))
    return "\n".join(p for p in parts if p)
