"""One message's pieces in today's shapes, read into the canonical form (the readers in formats.py use these).

- Content as a list of parts: OpenAI's (``{"type": "text", "text"}``, ``image_url``, ``input_audio``,
  ``file``) and LLaMA-Factory v1's (``{"type": "text" | "reasoning" | "tool_call" | "image_url" |
  "video_url" | "audio_url", "value"}``). Text parts join into ``content``; ``reasoning`` parts become
  `Message.reasoning`; ``tool_call`` parts (value: JSON ``{"name", "arguments"}`` or a list of them)
  become `Message.tool_calls` in OpenAI's form; media parts are recorded (field, kind) for lint.
- Reasoning traces: a ``reasoning_content`` (or ``reasoning`` / ``thinking``) string field, v1
  ``reasoning`` parts, or ``<think>...</think>`` at the start of an assistant's text (`split_think`).
- Per-message weights: OpenAI ``weight`` (0 or 1) and v1 ``loss_weight`` (a number >= 0).
- Tool calls: OpenAI form from ``{"name", "arguments"}`` objects (ShareGPT ``function_call``, v1).

`RowProblems` collects what is wrong with one row, with its line and field, so no reader raises.
"""
from __future__ import annotations

import json
import math
from typing import Any

import orjson

from engine.messages import plain_message, plain_params

from .canonical import Problem
from .jsonsafe import to_json_text

THINK_OPEN, THINK_CLOSE = "<think>", "</think>"
# String fields that hold an assistant's reasoning trace, in the order they are looked for.
REASONING_KEYS: tuple[str, ...] = ("reasoning_content", "reasoning", "thinking")
# Content part types -> what they are. Text parts: OpenAI ("text", Responses API "input_text" /
# "output_text", "refusal") and v1 ("text", its text under "value").
TEXT_PARTS = frozenset({"text", "input_text", "output_text", "refusal"})
REASONING_PARTS = frozenset({"reasoning", "thinking"})
TOOL_CALL_PARTS = frozenset({"tool_call", "tool_calls"})
MEDIA_PARTS: dict[str, str] = {
    "image_url": "image", "image": "image", "input_image": "image",
    "video_url": "video", "video": "video",
    "audio_url": "audio", "input_audio": "audio", "audio": "audio",
    "file": "file", "input_file": "file",
}
# LLaMA-Factory's multimodal columns beside the conversation (paths or URLs of each row's media).
MEDIA_COLUMNS: dict[str, str] = {"images": "image", "videos": "video", "audios": "audio"}
KNOWN_PARTS = ", ".join(["text", "reasoning", "tool_call", *sorted(k for k in MEDIA_PARTS if k.endswith("_url"))])


def type_part(v: Any) -> dict[str, Any]:
    """`type_name` as a message part (engine.message_parts): `lint.type.<kind>`, said in the user's language."""
    from engine.message_parts import part
    if v is None:
        return part("lint.type.null")
    if isinstance(v, bool):
        return part("lint.type.bool")
    if isinstance(v, (int, float)):
        return part("lint.type.number", value=v)
    for kind, cls in (("string", str), ("list", list), ("object", dict)):
        if isinstance(v, cls):
            return part(f"lint.type.{kind}")
    return part("lint.type.other", name=type(v).__name__)


def msg(code: str, **params: Any) -> Any:
    """A coded lint message (engine/data/lint_messages.py) whose params may hold parts (`type_part`).
    Params of plain strings and numbers (most findings) skip the parts' resolution: the same message."""
    if plain_params(params):
        return plain_message(code, params)
    from engine.message_parts import composed
    return composed(code, **params)


def type_name(v: Any) -> str:
    """How a JSON value is named in a message to a user ("a list", "the number 3")."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, (int, float)):
        return f"the number {v}"
    if isinstance(v, str):
        return "a string"
    if isinstance(v, list):
        return "a list"
    if isinstance(v, dict):
        return "an object"
    return type(v).__name__


class RowProblems:
    """Collects the problems of one row while it is converted."""
    __slots__ = ("src", "line", "problems")

    def __init__(self, src: str, line: int | None) -> None:
        self.src = src
        self.line = line
        self.problems: list[Problem] = []

    def bad(self, fld: str | None, message: Any, code: str) -> None:
        """A problem; `message` is a coded message (`msg`) or English text."""
        self.problems.append(Problem.of(self.src, self.line, fld, message, code=code))

    def string(self, obj: dict, key: str, fld: str, *, required: bool = True) -> str | None:
        """obj[key] as a string; a missing or non-string value is recorded as a problem."""
        if key not in obj or obj[key] is None:
            if required:
                self.bad(fld, msg("lint.missing-key.string", key=key), "missing-key")
            return None
        v = obj[key]
        if isinstance(v, str):
            return v
        self.bad(fld, msg("lint.mistyped-key.string" + (".quote" if isinstance(v, (int, float)) else ""), got=type_part(v)),
                 "mistyped-key")
        return None


def parse_tools(row: RowProblems, value: Any, fld: str) -> list[dict[str, Any]] | None:
    """Tools as a list of dicts; LLaMA-Factory stores them as a JSON string, which is parsed."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, str):
        try:
            value = orjson.loads(value)
        except orjson.JSONDecodeError as e:
            row.bad(fld, msg("lint.mistyped-key.tools-json", error=str(e)), "mistyped-key")
            return None
        if value in (None, [], ""):
            return None
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(t, dict) for t in value):
        row.bad(fld, msg("lint.mistyped-key.tools", got=type_part(value)), "mistyped-key")
        return None
    return value


def json_text(value: Any) -> str:
    """`value` as JSON text the way LLaMA-Factory writes it (non-ASCII kept), even when nested too deep for json."""
    try:
        return json.dumps(value, ensure_ascii=False)
    except (RecursionError, ValueError):
        return to_json_text(value)


def openai_calls(value: Any) -> list[dict[str, Any]] | None:
    """`{"name", "arguments"}` (or a list of them, or OpenAI-form calls) as OpenAI tool calls; None when
    `value` is not that shape. Arguments become JSON text; a string is kept as given (lint checks it)."""
    calls = value if isinstance(value, list) else [value]
    if not calls:
        return None
    out: list[dict[str, Any]] = []
    for c in calls:
        if not isinstance(c, dict):
            return None
        if c.get("type") == "function" and isinstance(c.get("function"), dict):
            out.append(c)
            continue
        if not isinstance(c.get("name"), str):
            return None
        args = c.get("arguments", c.get("parameters", {}))
        out.append({"type": "function", "function": {"name": c["name"],
                                                     "arguments": args if isinstance(args, str) else json_text(args)}})
    return out


def calls_from_text(text: str) -> tuple[list[dict[str, Any]] | None, str | None]:
    """A tool call written as JSON text (ShareGPT function_call value, v1 tool_call part): (calls, None), or
    (None, why not) when the text is not JSON or not a {"name", "arguments"} object."""
    try:
        v = orjson.loads(text)
    except orjson.JSONDecodeError as e:
        return None, f"not valid JSON ({e})"
    calls = openai_calls(v)
    if calls is None:
        return None, 'not a {"name": ..., "arguments": {...}} object (or a list of them)'
    return calls, None


def call_problem(value: Any) -> Any:
    """Why a tool call part's value is not a call, as a coded message (None-safe: for values `openai_calls` refuses)."""
    if not isinstance(value, str):
        return msg("lint.tool-args-invalid.part-not-call", got=type_part(value))
    try:
        orjson.loads(value)
    except orjson.JSONDecodeError as e:
        return msg("lint.tool-args-invalid.part-json", error=str(e))
    return msg("lint.tool-args-invalid.part-shape")


def split_think(text: str) -> tuple[str | None, str]:
    """(reasoning, rest) of an assistant text that starts with `<think>...</think>`; (None, text) otherwise.
    The reasoning and the rest lose the newlines that joined them (what Qwen3-style templates write)."""
    s = text.lstrip()
    if not s.startswith(THINK_OPEN):
        return None, text
    end = s.find(THINK_CLOSE)
    if end < 0:
        return None, text  # unclosed: left as it is, lint names it (think-unclosed)
    return s[len(THINK_OPEN):end].strip("\n"), s[end + len(THINK_CLOSE):].lstrip("\n")


class Content:
    """What a message's content holds once read: text, reasoning, tool calls and media (field, kind)."""
    __slots__ = ("text", "reasoning", "tool_calls", "media", "tools")

    def __init__(self, text: str) -> None:
        self.text = text
        self.reasoning: str | None = None
        self.tool_calls: list[dict[str, Any]] | None = None
        self.media: list[tuple[str, str]] = []
        self.tools: list[dict[str, Any]] | None = None


def read_content(row: RowProblems, v: Any, fld: str) -> Content | None:
    """A message's content: a string, or a list of OpenAI / LLaMA-Factory v1 parts. None (with a problem
    recorded) when it is neither, or a part cannot be read."""
    if isinstance(v, str):
        return Content(v)
    if not isinstance(v, list):
        row.bad(fld, msg("lint.mistyped-key.content" + (".quote" if isinstance(v, (int, float)) else ""), got=type_part(v)),
                "mistyped-key")
        return None
    texts: list[str] = []
    reasoning: list[str] = []
    out = Content("")
    ok = True
    for i, p in enumerate(v):
        f = f"{fld}[{i}]"
        if not isinstance(p, dict) or not isinstance(p.get("type"), str):
            row.bad(f, msg("lint.mistyped-key.part-untyped", known=KNOWN_PARTS) if isinstance(p, dict) else
                    msg("lint.mistyped-key.part", known=KNOWN_PARTS, got=type_part(p)), "mistyped-key")
            ok = False
            continue
        kind = p["type"]
        if kind in MEDIA_PARTS:
            out.media.append((f, MEDIA_PARTS[kind]))
            continue
        # OpenAI keeps a part's text under its type's name ("text", "refusal"); v1 under "value".
        key = "value" if "value" in p else kind if kind in p else "text"
        val = p.get(key)
        if kind in TOOL_CALL_PARTS:
            calls, why = (calls_from_text(val) if isinstance(val, str) else
                          ((c, None) if (c := openai_calls(val)) else (None, f"{type_name(val)}, not a call")))
            if calls is None:
                row.bad(f"{f}.{key}", call_problem(val), "tool-args-invalid")
                ok = False
                continue
            out.tool_calls = (out.tool_calls or []) + calls
            continue
        if kind == "tools":
            tools = parse_tools(row, val, f"{f}.{key}")
            if tools:
                out.tools = (out.tools or []) + tools
            continue
        if kind not in TEXT_PARTS and kind not in REASONING_PARTS:
            row.bad(f + ".type", msg("lint.unknown-part", kind=kind, known=KNOWN_PARTS), "unknown-part")
            ok = False
            continue
        if not isinstance(val, str):
            row.bad(f"{f}.{key}", msg("lint.mistyped-key.part-text", kind=kind, key=key, got=type_part(val)), "mistyped-key")
            ok = False
            continue
        (texts if kind in TEXT_PARTS else reasoning).append(val)
    if not ok:
        return None
    out.text = "".join(texts)
    if reasoning:
        out.reasoning = "".join(reasoning)
    return out


def read_reasoning_field(row: RowProblems, m: dict, fld: str) -> tuple[bool, str | None]:
    """(ok, the reasoning trace) from a message's reasoning_content / reasoning / thinking string field."""
    for key in REASONING_KEYS:
        v = m.get(key)
        if v is None:
            continue
        if not isinstance(v, str):
            row.bad(f"{fld}.{key}", msg("lint.mistyped-key.reasoning", got=type_part(v)), "mistyped-key")
            return False, None
        return True, v
    return True, None


def read_weight(row: RowProblems, m: dict, fld: str, role: str) -> tuple[bool, float | None]:
    """(ok, Message.weight) from OpenAI's `weight` (0 or 1) or LLaMA-Factory v1's `loss_weight` (>= 0)."""
    weight = m.get("weight")
    if weight is not None:
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight not in (0, 1):
            row.bad(fld + ".weight", msg("lint.bad-weight", value=repr(weight)[:80]), "bad-weight")
            return False, None
        return True, weight
    lw = m.get("loss_weight")
    if lw is None:
        return True, None
    if isinstance(lw, bool) or not isinstance(lw, (int, float)) or not math.isfinite(lw) or lw < 0:
        row.bad(fld + ".loss_weight", msg("lint.bad-weight.loss", value=repr(lw)[:80]), "bad-weight")
        return False, None
    if lw == 0 and role != "assistant":
        return True, None  # v1 writes loss_weight 0 on every prompt turn: the default, not a setting
    return True, float(lw)


def is_v1_row(obj: Any) -> bool:
    """Whether a role/content row is in LLaMA-Factory v1's shape (a `loss_weight`, or parts with a "value")."""
    msgs = obj.get("messages") if isinstance(obj, dict) else None
    if not isinstance(msgs, list):
        return False
    for m in msgs:
        if isinstance(m, dict):
            if "loss_weight" in m:
                return True
            c = m.get("content")
            if isinstance(c, list) and any(isinstance(p, dict) and "value" in p for p in c):
                return True
    return False


def media_columns(obj: dict) -> list[tuple[str, str]]:
    """(field, kind) for every item of LLaMA-Factory's `images` / `videos` / `audios` columns."""
    out: list[tuple[str, str]] = []
    for key, kind in MEDIA_COLUMNS.items():
        v = obj.get(key)
        if isinstance(v, list):
            out += [(f"{key}[{i}]", kind) for i, x in enumerate(v) if x]
        elif isinstance(v, str) and v:
            out.append((key, kind))
    return out
