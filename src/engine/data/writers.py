"""Writing examples back out: the one writer of each dataset format (`to_format_dict` dispatches).

Each writer takes a canonical `Example` and returns the row as a dict ready for `orjson.dumps`; it
raises ValueError for a conversation the target format cannot hold (e.g. tool turns in Alpaca).
Reasoning traces are kept: OpenAI rows get `reasoning_content` (the key Qwen3-style templates read),
ShareGPT and Alpaca answers a leading `<think>...</think>` (which the readers lift out again); a
LLaMA-Factory v1 `loss_weight` becomes OpenAI's weight 0 / 1. Media parts have no text form and are
not written (lint's `multimodal` finding names the rows). `--fix` without `--to` writes each row back
as it came (fix.py), so a v1 row keeps its parts and weights.
"""
from __future__ import annotations

import json
from typing import Any

import orjson

from .canonical import Example

__all__ = ["to_openai_dict", "to_alpaca_dict", "to_sharegpt_dict", "to_format_dict"]


def _parse_call(text: str) -> list[dict[str, Any]] | None:
    """A ShareGPT function_call text (`{"name", "arguments"}` or a list of them) as OpenAI tool calls."""
    try:
        v = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    calls = v if isinstance(v, list) else [v]
    out = []
    for c in calls:
        if not (isinstance(c, dict) and isinstance(c.get("name"), str)):
            return None
        args = c.get("arguments", {})
        out.append({"type": "function", "function": {
            "name": c["name"], "arguments": args if isinstance(args, str) else json.dumps(args, ensure_ascii=False)}})
    return out


def _with_think(text: str, reasoning: str | None) -> str:
    """An answer with its reasoning trace in front, as `<think>` text (formats without a reasoning field)."""
    if reasoning is None:
        return text
    return f"<think>\n{reasoning}\n</think>\n\n{text}"


def _openai_tools(tools: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
    if not tools:
        return None
    # LLaMA-Factory/glaive tools are bare function specs; OpenAI wants them wrapped.
    return [t if t.get("type") == "function" and "function" in t else {"type": "function", "function": t} for t in tools]


def to_openai_dict(example: Example) -> dict[str, Any]:
    """The example as an OpenAI chat fine-tuning row. Raises ValueError for raw-text examples."""
    if example.messages is None:
        raise ValueError("a raw-text example has no chat form; write it to a text file instead")
    msgs: list[dict[str, Any]] = []
    pending_ids: list[str] = []
    n_calls = 0
    for m in example.messages:
        d: dict[str, Any] = {"role": m.role, "content": m.content}
        calls = m.tool_calls
        if m.source_role == "function_call" and not calls:
            calls = _parse_call(m.content)
        if calls and not m.content:
            d["content"] = None  # a call without text (ShareGPT function_call, v1 tool_call part): OpenAI writes null
        if calls:
            fixed = []
            for c in calls:
                c = dict(c)
                if "id" not in c:
                    n_calls += 1
                    c["id"] = f"call_{n_calls}"
                c.setdefault("type", "function")
                fixed.append(c)
                pending_ids.append(c["id"])
            d["tool_calls"] = fixed
        if m.role == "tool":
            tcid = m.tool_call_id or (pending_ids.pop(0) if pending_ids else None)
            if tcid:
                d["tool_call_id"] = tcid
        if m.name:
            d["name"] = m.name
        if m.reasoning is not None:
            d["reasoning_content"] = m.reasoning  # the key Qwen3-style chat templates read
        if m.weight is not None:
            d["weight"] = 1 if m.weight > 0 else 0  # a v1 loss_weight (any number >= 0) as OpenAI's 0/1
        msgs.append(d)
    out: dict[str, Any] = {"messages": msgs}
    tools = _openai_tools(example.tools)
    if tools:
        out["tools"] = tools
    return out


def to_alpaca_dict(example: Example) -> dict[str, Any]:
    """The example as an Alpaca row (system, history pairs, last user turn, last answer).

    Raises ValueError when the conversation cannot be expressed in Alpaca (tool turns, turns that
    do not alternate user/assistant, or no final assistant answer).
    """
    if example.messages is None:
        raise ValueError("a raw-text example has no Alpaca form")
    msgs = list(example.messages)
    system = None
    if msgs and msgs[0].role == "system":
        system = msgs.pop(0).content
    if any(m.role not in ("user", "assistant") or m.tool_calls for m in msgs):
        raise ValueError("Alpaca cannot hold tool calls, tool results or a system message after the first turn")
    if len(msgs) < 2 or len(msgs) % 2 or any(m.role != ("user" if i % 2 == 0 else "assistant") for i, m in enumerate(msgs)):
        raise ValueError("Alpaca needs user/assistant turns that alternate and end with the assistant")
    out: dict[str, Any] = {"instruction": msgs[-2].content, "input": "",
                           "output": _with_think(msgs[-1].content, msgs[-1].reasoning)}
    if system:
        out["system"] = system
    if len(msgs) > 2:
        out["history"] = [[msgs[i].content, _with_think(msgs[i + 1].content, msgs[i + 1].reasoning)]
                          for i in range(0, len(msgs) - 2, 2)]
    if example.tools:
        out["tools"] = json.dumps(example.tools, ensure_ascii=False)
    return out


def to_sharegpt_dict(example: Example) -> dict[str, Any]:
    """The example as a ShareGPT row as LLaMA-Factory reads it (tools as a JSON string).

    Raises ValueError for raw-text examples and for an assistant turn that holds both text and
    tool calls (ShareGPT has no way to keep both).
    """
    if example.messages is None:
        raise ValueError("a raw-text example has no ShareGPT form")
    conv: list[dict[str, str]] = []
    for m in example.messages:
        if m.role == "assistant" and m.tool_calls:
            if m.reasoning:
                raise ValueError("an assistant turn with both reasoning and tool calls cannot be written as ShareGPT")
            if m.content.strip():
                raise ValueError("an assistant turn with both text and tool calls cannot be written as ShareGPT")
            calls = []
            for c in m.tool_calls:
                fn = c.get("function", c)
                if not isinstance(fn, dict):
                    raise ValueError("a tool call's function must be an object with name and arguments, "
                                     f"got {type(fn).__name__}")
                args = fn.get("arguments", {})
                if isinstance(args, str):
                    try:
                        args = json.loads(args)
                    except (ValueError, RecursionError):
                        pass
                calls.append({"name": fn.get("name"), "arguments": args})
            conv.append({"from": "function_call",
                         "value": json.dumps(calls[0] if len(calls) == 1 else calls, ensure_ascii=False)})
            continue
        if m.role == "assistant" and m.source_role == "function_call":
            conv.append({"from": "function_call", "value": m.content})
            continue
        tag = {"system": "system", "user": "human", "assistant": "gpt", "tool": "observation"}[m.role]
        conv.append({"from": tag, "value": _with_think(m.content, m.reasoning) if m.role == "assistant" else m.content})
    out: dict[str, Any] = {"conversations": conv}
    if example.tools:
        bare = [t["function"] if t.get("type") == "function" and isinstance(t.get("function"), dict) else t
                for t in example.tools]
        out["tools"] = json.dumps(bare, ensure_ascii=False)
    return out


def to_format_dict(example: Example, format: str) -> dict[str, Any]:
    """Dispatches to the writer of `format` (openai, alpaca, sharegpt, conversation or text)."""
    if format == "openai":
        return to_openai_dict(example)
    if format == "alpaca":
        return to_alpaca_dict(example)
    if format == "sharegpt":
        return to_sharegpt_dict(example)
    if format == "conversation":
        return {"conversation": to_openai_dict(example)["messages"]}
    if format == "text":
        if example.text is None:
            raise ValueError("a chat example has no raw-text form")
        return {"text": example.text}
    raise ValueError(f"unknown format {format!r}")
