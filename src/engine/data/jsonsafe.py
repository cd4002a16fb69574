"""JSON values that tunewiz can always write back (or say precisely why not).

Python's `json` (which reads JSON arrays and pretty-printed files) accepts values that orjson (which
writes every cleaned row, the rejected file and `--json`) cannot write: a lone UTF-16 surrogate
(`"\\ud800"` without its pair), an integer beyond 64 bits, nesting deeper than `WRITE_DEPTH` levels.
`unwritable` finds the first such value with its field, so the linter reports it as a row error and
`--fix` rejects the row; `to_json_text` writes any value the readers can produce as ASCII JSON text
(for the rejected file, which must hold every row it is given); `scrub` makes strings writable
(lone surrogates become `\\udXXX` text) for reports that quote file names or values.
"""
from __future__ import annotations

import json
import re
from typing import Any

import orjson

WRITE_DEPTH = 254           # levels of nested lists/objects orjson writes (255 raise)
_I64_MIN, _U64_MAX = -(1 << 63), (1 << 64) - 1
_KEY_CHARS = 40             # a key quoted in a field path is cut to this many characters

__all__ = ["WRITE_DEPTH", "unwritable", "to_json_text", "scrub", "safe_text"]


def safe_text(s: str) -> str:
    """`s` with any lone surrogate written as `\\udXXX` text (always encodable as UTF-8)."""
    try:
        s.encode("utf-8")
        return s
    except UnicodeEncodeError:
        return s.encode("utf-8", "backslashreplace").decode("utf-8")


def _key(path: str, k: Any) -> str:
    k = safe_text(str(k))
    k = k if len(k) <= _KEY_CHARS else k[:_KEY_CHARS] + "…"
    return f"{path}.{k}" if path else k


def _deep_field(path: str) -> str | None:
    """The field a too-deep value hangs from: the path without its trailing list indices, at most 8 steps."""
    path = re.sub(r"(\[\d+\])+$", "", path)
    steps = re.findall(r"\[\d+\]|[^.\[]+", path)
    if len(steps) > 8:
        path = "".join(s if s.startswith("[") or i == 0 else "." + s for i, s in enumerate(steps[:8])) + "…"
    return path or None


def unwritable(obj: Any) -> tuple[str, str | None, Any] | None:
    """Why `obj` cannot be written as JSON: (lint code, field path or None, message), or None when it can."""
    try:
        orjson.dumps(obj)
        return None
    except orjson.JSONEncodeError:
        pass
    from .parts import msg   # (parts imports this module)
    # Walk without recursion (the value may be nested about as deep as the interpreter allows).
    stack: list[tuple[Any, str, int]] = [(obj, "", 0)]
    while stack:
        v, path, depth = stack.pop()
        fld = path or None
        if isinstance(v, str):
            try:
                v.encode("utf-8")
            except UnicodeEncodeError as e:
                return ("json-invalid", fld, msg("lint.json-invalid.surrogate", codepoint=f"\\u{ord(v[e.start]):04x}"))
        elif isinstance(v, bool) or v is None or isinstance(v, float):
            continue
        elif isinstance(v, int):
            if not _I64_MIN <= v <= _U64_MAX:
                return ("json-invalid", fld, msg("lint.json-invalid.big-int", digits=len(str(abs(v)))))
        elif isinstance(v, (list, dict)):
            if depth >= WRITE_DEPTH:
                return ("json-too-deep", _deep_field(path), msg("lint.json-too-deep.write", depth=WRITE_DEPTH))
            if isinstance(v, dict):
                items = list(v.items())
                for k, _ in items:
                    if isinstance(k, str):
                        try:
                            k.encode("utf-8")
                        except UnicodeEncodeError:
                            return ("json-invalid", _key(path, k), "the key holds a lone UTF-16 surrogate, which is "
                                    "not valid Unicode; rename the key.")
                stack.extend((x, _key(path, k), depth + 1) for k, x in reversed(items))
            else:
                stack.extend((v[i], f"{path}[{i}]", depth + 1) for i in range(len(v) - 1, -1, -1))
    return ("json-invalid", None, "the row cannot be written back as JSON; check it for unusual values.")


def _scalar_text(v: Any) -> str:
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, str):
        return json.dumps(v)                    # ASCII: a lone surrogate becomes the escape it was read from
    if isinstance(v, (int, float)):
        try:
            return json.dumps(v)
        except ValueError:                      # an int over Python's digit limit: keep its digits as text
            return json.dumps(f"int:{v:x}")
    return json.dumps(safe_text(str(v)))


def to_json_text(obj: Any) -> str:
    """`obj` as ASCII JSON text, however deep or odd its values (lone surrogates escaped, big integers exact)."""
    out: list[str] = []
    # Items: ("v", value) to write, or ("t", text) to copy.
    stack: list[tuple[str, Any]] = [("v", obj)]
    while stack:
        kind, v = stack.pop()
        if kind == "t":
            out.append(v)
        elif isinstance(v, dict):
            out.append("{")
            stack.append(("t", "}"))
            items = list(v.items())
            for i in range(len(items) - 1, -1, -1):
                k, x = items[i]
                stack.append(("v", x))
                stack.append(("t", ("," if i else "") + json.dumps(str(k)) + ":"))
        elif isinstance(v, (list, tuple)):
            out.append("[")
            stack.append(("t", "]"))
            for i in range(len(v) - 1, -1, -1):
                stack.append(("v", v[i]))
                if i:
                    stack.append(("t", ","))
        else:
            out.append(_scalar_text(v))
    return "".join(out)


def scrub(obj: Any) -> Any:
    """A copy of a report-like value (dicts, lists, strings, numbers) that orjson can write: strings and
    keys with lone surrogates escaped, integers beyond 64 bits as text. For shallow objects (reports)."""
    if isinstance(obj, str):
        return safe_text(obj)
    if isinstance(obj, dict):
        return {scrub(k) if isinstance(k, str) else k: scrub(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [scrub(v) for v in obj]
    if isinstance(obj, int) and not isinstance(obj, bool) and not _I64_MIN <= obj <= _U64_MAX:
        return str(obj)
    return obj
