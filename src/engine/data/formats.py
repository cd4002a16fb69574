"""Dataset formats: detection and reading into the canonical form (writing back out: writers.py).

Supported formats (names in `FORMATS`):
- ``openai``: ``{"messages": [{"role", "content", "weight"?, "tool_calls"?, "name"?}], "tools"?}``. The same
  name covers LLaMA-Factory v1's messages (``content`` a list of ``{"type", "value"}`` parts: text,
  reasoning, tool_call, image_url / video_url / audio_url; ``loss_weight`` per message; ``tools`` as a
  JSON string): the message shape (role + content) is the same, so one reader reads both, and
  ``--fix`` without ``--to`` writes each row back in the shape it came in. Content may be a string or
  a list of parts (OpenAI's ``{"type": "text", "text"}``, v1's ``{"type": "text", "value"}``); an
  assistant's reasoning may be a ``reasoning_content`` field, v1 ``reasoning`` parts or a leading
  ``<think>...</think>`` (parts.py reads the pieces).
- ``alpaca``: ``instruction``, ``input``, ``output``, optional ``system`` and ``history``
  (``[[user, assistant], ...]``); instruction and input are joined by a newline.
- ``sharegpt``: ``conversations`` of ``from``/``value`` (human, gpt, system, function_call,
  observation), optional top-level ``system`` and ``tools``. A function_call's JSON becomes OpenAI-form
  tool calls; a gpt value (or an Alpaca output) starting with ``<think>...</think>`` has its trace lifted
  into the reasoning. LLaMA-Factory's ``images`` / ``videos`` / ``audios`` columns are recorded as media.
- ``conversation``: role/content lists under ``conversation``.
- ``text``: raw text for continual pretraining (``.txt`` one text per line, or rows with ``text``).

LLaMA-Factory's ``dataset_info.json`` entries are read with their ``columns`` and ``tags`` maps.
Reading never raises for bad rows: each becomes a `Problem` with its line and field.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import orjson

from .canonical import FORMATS, Example, Message, Problem
from .parts import (THINK_OPEN, RowProblems, calls_from_text, json_text, media_columns, msg, openai_calls, parse_tools,
                    read_content, read_reasoning_field, read_weight, split_think, type_name, type_part)
from .records import DatasetError, FileInfo, iter_records, iter_records_of, sniff
# The writers live in writers.py; they are re-exported here, where callers have always found them.
from .writers import to_alpaca_dict, to_format_dict, to_openai_dict, to_sharegpt_dict

__all__ = [
    "DatasetError", "ReadResult", "DatasetInfoEntry", "detect_format", "detect_from_info", "detect_record_format",
    "read_examples", "read_dataset_info", "read_entry", "iter_records", "parse_row",
    "to_openai_dict", "to_alpaca_dict", "to_sharegpt_dict", "to_format_dict", "FORMAT_HELP",
]

# What each format looks like, for messages that tell a user what was expected.
FORMAT_HELP: dict[str, str] = {
    "openai": '{"messages": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}]} '
              '(content may be a list of parts: {"type": "text", "text": "..."}, or LLaMA-Factory v1\'s '
              '{"type": "text", "value": "..."} with "loss_weight" per message)',
    "alpaca": '{"instruction": "...", "input": "", "output": "..."}',
    "sharegpt": '{"conversations": [{"from": "human", "value": "..."}, {"from": "gpt", "value": "..."}]}',
    "conversation": '{"conversation": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}]}',
    "text": '{"text": "..."} (or a .txt file, one text per line)',
}

# OpenAI roles -> canonical roles. `developer` is the newer name for `system`; `function` is the
# legacy name for a tool result.
_OPENAI_ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant",
                 "tool": "tool", "function": "tool"}

# ShareGPT tag defaults, the LLaMA-Factory names (`tags` in dataset_info.json).
SHAREGPT_TAGS = {"role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt",
                 "observation_tag": "observation", "function_tag": "function_call", "system_tag": "system"}
# Spellings seen in ShareGPT dumps in the wild, accepted on top of the configured tags.
_SHAREGPT_EXTRA_ROLES = {"user": "user", "assistant": "assistant", "chatgpt": "assistant", "bing": "assistant",
                         "bard": "assistant", "model": "assistant", "tool": "tool", "function": "tool"}

ALPACA_COLUMNS = {"prompt": "instruction", "query": "input", "response": "output", "history": "history",
                  "system": "system", "tools": "tools"}


@dataclass
class ReadResult:
    """Everything read from one dataset file."""
    path: str
    format: str
    examples: list[Example]
    problems: list[Problem]
    # Records in the file (non-blank lines or array elements), readable or not.
    rows: int
    # How the file is laid out: "jsonl", "array", "concatenated" or "text".
    layout: str = ""


# ---------------------------------------------------------------------------------------------
# detection

def detect_record_format(obj: Any) -> str | None:
    """The format one parsed record looks like, or None when it matches none."""
    if isinstance(obj, str):
        return "text"
    if not isinstance(obj, dict):
        return None
    msgs = obj.get("messages")
    if msgs is not None:
        # LLaMA-Factory's multimodal ShareGPT files keep from/value turns under "messages".
        if isinstance(msgs, list) and msgs and isinstance(msgs[0], dict) and "from" in msgs[0]:
            return "sharegpt"
        return "openai"
    if "conversations" in obj:
        return "sharegpt"
    if "conversation" in obj:
        return "conversation"
    if "instruction" in obj or ("output" in obj and ("input" in obj or "history" in obj)):
        return "alpaca"
    if "text" in obj:
        return "text"
    return None


def detect_from_info(info: FileInfo, sample: int = 50) -> str:
    """The format (one of FORMATS) of a sniffed file, by majority over its first `sample` readable records.

    Raises DatasetError when no record is readable or none matches a known format."""
    if info.layout == "text":
        return "text"
    counts: dict[str, int] = {}
    first_keys: list[str] | None = None
    first_line: int | None = None
    seen = 0
    for line, rec in iter_records_of(info):
        if isinstance(rec, Problem):
            continue
        if first_keys is None:
            first_line = line
            first_keys = sorted(rec)[:8] if isinstance(rec, dict) else [type(rec).__name__]
        fmt = detect_record_format(rec)
        if fmt:
            counts[fmt] = counts.get(fmt, 0) + 1
        seen += 1
        if seen >= sample:
            break
    if counts:
        return max(counts, key=lambda k: counts[k])
    p = info.path
    if first_keys is None:
        raise DatasetError(msg("lint.unknown-format.no-json", path=str(p)), path=str(p), code="unknown-format")
    from engine.message_parts import part, parts
    expected = parts([part("lint.example.named", format=k, example=example_part(k)) for k in FORMAT_HELP], "; ")
    raise DatasetError(msg("lint.unknown-format" if first_keys else "lint.unknown-format.no-keys", path=str(p),
                           line=first_line, keys=[str(k)[:60] for k in first_keys[:20]], expected=expected),
                       path=str(p), code="unknown-format")


def detect_format(path: str | Path) -> str:
    """The format (one of FORMATS) of a dataset file, from its first records; `.txt` is "text".

    Raises DatasetError when the file cannot be read or no record matches a known format.
    """
    return detect_from_info(sniff(path))


# ---------------------------------------------------------------------------------------------
# row readers

# The row collector and helpers live in parts.py; the short names keep the readers readable.
_Row = RowProblems
_tname = type_name
_parse_tools = parse_tools


def example_part(fmt: str) -> dict[str, Any]:
    """FORMAT_HELP[fmt] as a message part (`lint.example.<fmt>`; "an object" for another format)."""
    from engine.message_parts import part
    return part(f"lint.example.{fmt}" if fmt in FORMAT_HELP else "lint.example.object")


def _assistant_think(m: Message) -> Message:
    """An assistant turn whose text starts with `<think>...</think>` gets the trace lifted into `reasoning`."""
    if m.role == "assistant" and m.reasoning is None and THINK_OPEN in m.content:
        m.reasoning, m.content = split_think(m.content)
    return m


def _role_content_messages(row: _Row, msgs: Any, key: str, roles: dict[str, str], media: list[tuple[str, str]],
                           tools: list[dict[str, Any]]) -> list[Message] | None:
    """Reads a list of {role, content, ...} messages (OpenAI, LLaMA-Factory v1 and `conversation`); the
    messages' media parts are added to `media`, v1 `tools` parts to `tools`."""
    if not isinstance(msgs, list):
        row.bad(key, msg("lint.mistyped-key.messages", got=type_part(msgs)), "mistyped-key")
        return None
    if not msgs:
        row.bad(key, msg("lint.empty-conversation"), "empty-conversation")
        return None
    out: list[Message] = []
    for i, m in enumerate(msgs):
        f = f"{key}[{i}]"
        if not isinstance(m, dict):
            row.bad(f, msg("lint.mistyped-key.message", got=type_part(m)), "mistyped-key")
            continue
        role = m.get("role")
        if role is None:
            row.bad(f + ".role", msg("lint.missing-key.role"), "missing-key")
            continue
        if not isinstance(role, str):
            row.bad(f + ".role", msg("lint.mistyped-key.string", got=type_part(role)), "mistyped-key")
            continue
        canon = roles.get(role) or roles.get(role.strip().lower())
        if canon is None:
            row.bad(f + ".role", msg("lint.unknown-role", role=role[:80]), "unknown-role")
            continue
        tool_calls = m.get("tool_calls")
        if tool_calls is not None and not (isinstance(tool_calls, list) and all(
                isinstance(t, dict) and isinstance(t.get("function", {}), dict) for t in tool_calls)):
            row.bad(f + ".tool_calls", msg("lint.mistyped-key.tool-calls", got=type_part(tool_calls)), "mistyped-key")
            continue
        if m.get("function_call") and not tool_calls and isinstance(m["function_call"], dict):
            # The legacy single `function_call` is the same thing as one tool call.
            tool_calls = [{"type": "function", "function": m["function_call"]}]
        content = m.get("content")
        if content is None:
            if "content" not in m and not tool_calls:
                row.bad(f + ".content", msg("lint.missing-key.content"), "missing-key")
                continue
            if not tool_calls:
                row.bad(f + ".content", msg("lint.mistyped-key.content-null"), "mistyped-key")
                continue
            parts = read_content(row, "", f + ".content")
        else:
            parts = read_content(row, content, f + ".content")
        if parts is None:
            continue
        ok, reasoning = read_reasoning_field(row, m, f)
        if not ok:
            continue
        ok, weight = read_weight(row, m, f, canon)
        if not ok:
            continue
        name = m.get("name")
        if name is not None and not isinstance(name, str):
            row.bad(f + ".name", msg("lint.mistyped-key.string", got=type_part(name)), "mistyped-key")
            continue
        if parts.tool_calls:
            tool_calls = (tool_calls or []) + parts.tool_calls
        if parts.reasoning is not None:
            reasoning = parts.reasoning if reasoning is None else reasoning + parts.reasoning
        media += parts.media
        if parts.tools:
            tools += parts.tools
        tcid = m.get("tool_call_id")
        out.append(_assistant_think(Message(role=canon, content=parts.text, weight=weight, tool_calls=tool_calls or None,
                                            name=name, tool_call_id=tcid if isinstance(tcid, str) else None,
                                            source_role=role if role != canon else None, reasoning=reasoning)))
    return out


def _read_openai(row: _Row, obj: dict, key: str = "messages") -> Example | None:
    if key not in obj:
        row.bad(key, msg("lint.missing-key.messages", key=key, example=example_part("openai")), "missing-key")
        return None
    media: list[tuple[str, str]] = []
    part_tools: list[dict[str, Any]] = []
    msgs = _role_content_messages(row, obj[key], key, _OPENAI_ROLES, media, part_tools)
    tools = _parse_tools(row, obj.get("tools"), "tools") if "tools" in obj else None
    if row.problems or msgs is None:
        return None
    extra = {k: v for k, v in obj.items() if k not in (key, "tools")}
    return Example(row.src, row.line, messages=msgs, tools=tools or part_tools or None, extra=extra,
                   media=media + media_columns(obj))


def _read_conversation(row: _Row, obj: dict) -> Example | None:
    if "conversation" not in obj:
        row.bad("conversation", msg("lint.missing-key.expected", key="conversation", example=example_part("conversation")),
                "missing-key")
        return None
    return _read_openai(row, obj, "conversation")


def _read_alpaca(row: _Row, obj: dict, columns: dict[str, str] | None) -> Example | None:
    cols = dict(ALPACA_COLUMNS)
    if columns:
        cols.update({k: v for k, v in columns.items() if k in cols})
    p, q, r = cols["prompt"], cols["query"], cols["response"]
    instruction = row.string(obj, p, p, required=False)
    query = row.string(obj, q, q, required=False)
    if p not in obj and q not in obj:
        row.bad(p, msg("lint.missing-key.alpaca", key=p, example=example_part("alpaca")), "missing-key")
    if r not in obj or obj[r] is None:
        row.bad(r, msg("lint.alpaca-no-output", key=r), "alpaca-no-output")
        output = None
    else:
        output = row.string(obj, r, r)
    system = row.string(obj, cols["system"], cols["system"], required=False) if cols["system"] in obj else None
    history = obj.get(cols["history"])
    turns: list[Message] = []
    if history:
        if not isinstance(history, list):
            row.bad(cols["history"], msg("lint.mistyped-key.history", got=type_part(history)), "mistyped-key")
        else:
            for i, pair in enumerate(history):
                f = f"{cols['history']}[{i}]"
                if not (isinstance(pair, (list, tuple)) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
                    row.bad(f, msg("lint.mistyped-key.history-pair", got=type_part(pair)) if not isinstance(pair, list)
                            else msg("lint.mistyped-key.history-pair.list", count=len(pair)), "mistyped-key")
                    continue
                turns += [Message("user", pair[0]), _assistant_think(Message("assistant", pair[1]))]
    tools = _parse_tools(row, obj.get(cols["tools"]), cols["tools"]) if cols["tools"] in obj else None
    if row.problems:
        return None
    msgs: list[Message] = []
    if system:
        msgs.append(Message("system", system))
    msgs += turns
    # LLaMA-Factory's rule: instruction and input joined by a newline, empty parts left out.
    msgs.append(Message("user", "\n".join(x for x in (instruction, query) if x)))
    msgs.append(_assistant_think(Message("assistant", output or "")))
    extra = {k: v for k, v in obj.items() if k not in (p, q, r, cols["system"], cols["history"], cols["tools"])}
    return Example(row.src, row.line, messages=msgs, tools=tools, extra=extra, media=media_columns(obj))


def _read_sharegpt(row: _Row, obj: dict, columns: dict[str, str] | None, tags: dict[str, str] | None) -> Example | None:
    t = dict(SHAREGPT_TAGS)
    if tags:
        t.update({k: v for k, v in tags.items() if k in t and isinstance(v, str)})
    cols = {"messages": "conversations", "system": "system", "tools": "tools"}
    if columns:
        cols.update({k: v for k, v in columns.items() if k in cols})
    key = cols["messages"]
    if key not in obj:
        alt = "messages" if "messages" in obj else None
        if alt is None:
            row.bad(key, msg("lint.missing-key.expected", key=key, example=example_part("sharegpt")), "missing-key")
            return None
        key = alt
    conv = obj[key]
    if not isinstance(conv, list):
        row.bad(key, msg("lint.mistyped-key.turns", got=type_part(conv)), "mistyped-key")
        return None
    if not conv:
        row.bad(key, msg("lint.empty-conversation.sharegpt"), "empty-conversation")
        return None
    role_map = dict(_SHAREGPT_EXTRA_ROLES)
    role_map.update({t["user_tag"]: "user", t["assistant_tag"]: "assistant", t["observation_tag"]: "tool",
                     t["function_tag"]: "assistant", t["system_tag"]: "system"})
    msgs: list[Message] = []
    for i, m in enumerate(conv):
        f = f"{key}[{i}]"
        if not isinstance(m, dict):
            row.bad(f, msg("lint.mistyped-key.turn", role_tag=t["role_tag"], content_tag=t["content_tag"], got=type_part(m)),
                    "mistyped-key")
            continue
        rtag, ctag = t["role_tag"], t["content_tag"]
        if rtag not in m and "role" in m and "content" in m:
            rtag, ctag = "role", "content"  # role/content turns under a ShareGPT key: read them as such
        role = m.get(rtag)
        if role is None:
            row.bad(f"{f}.{rtag}", msg("lint.missing-key.role-tag", key=rtag, roles=sorted(
                {t["user_tag"], t["assistant_tag"], t["system_tag"], t["function_tag"], t["observation_tag"]})), "missing-key")
            continue
        if not isinstance(role, str):
            row.bad(f"{f}.{rtag}", msg("lint.mistyped-key.string", got=type_part(role)), "mistyped-key")
            continue
        canon = role_map.get(role)
        if canon is None:
            row.bad(f"{f}.{rtag}", msg("lint.unknown-role.sharegpt", role=role[:80], roles=[
                t["user_tag"], t["assistant_tag"], t["system_tag"], t["function_tag"], t["observation_tag"]]), "unknown-role")
            continue
        value = m.get(ctag)
        if value is None:
            row.bad(f"{f}.{ctag}", msg("lint.missing-key.turn-text", key=ctag), "missing-key")
            continue
        calls = None
        if not isinstance(value, str):
            # Function calls are sometimes stored as objects rather than JSON text.
            if role == t["function_tag"] and isinstance(value, (dict, list)):
                calls = openai_calls(value)
                value = json_text(value)
            else:
                row.bad(f"{f}.{ctag}", msg("lint.mistyped-key.string" + (".quote" if isinstance(value, (int, float)) else ""),
                                           got=type_part(value)), "mistyped-key")
                continue
        elif role == t["function_tag"]:
            calls = calls_from_text(value)[0]
        # A function call reads as an assistant turn with OpenAI tool calls; one that is not JSON stays text
        # (lint: tool-args-invalid).
        msgs.append(_assistant_think(Message(role=canon, content="" if calls else value, tool_calls=calls,
                                             source_role=role if role != canon else None)))
    system = None
    if cols["system"] in obj and obj[cols["system"]] is not None:
        system = row.string(obj, cols["system"], cols["system"])
    tools = _parse_tools(row, obj.get(cols["tools"]), cols["tools"]) if cols["tools"] in obj else None
    if row.problems:
        return None
    if system and not (msgs and msgs[0].role == "system"):
        msgs.insert(0, Message("system", system))
    extra = {k: v for k, v in obj.items() if k not in (key, cols["system"], cols["tools"])}
    return Example(row.src, row.line, messages=msgs, tools=tools, extra=extra, media=media_columns(obj))


def _read_text(row: _Row, obj: Any, columns: dict[str, str] | None) -> Example | None:
    if isinstance(obj, str):
        text = obj
        fld = None
    else:
        key = (columns or {}).get("text") or (columns or {}).get("prompt") or "text"
        if key not in obj:
            row.bad(key, msg("lint.missing-key.text", key=key, example=example_part("text")), "missing-key")
            return None
        text = row.string(obj, key, key)
        fld = key
        if text is None:
            return None
    if not text.strip():
        row.bad(fld, msg("lint.empty-content.text"), "empty-content")
        return None
    return Example(row.src, row.line, text=text)


def parse_row(obj: Any, format: str, source: str, line: int | None, *,
              columns: dict[str, str] | None = None, tags: dict[str, str] | None = None,
              file_format_detected: bool = False) -> tuple[Example | None, list[Problem]]:
    """Converts one parsed record to an Example, or returns the problems that stop it.

    `file_format_detected` says the format came from auto-detection, so a row of another format
    is reported as a mixed-format file rather than as missing keys.
    """
    row = _Row(source, line)
    if format == "text" and isinstance(obj, str):
        return _read_text(row, obj, columns), row.problems
    if not isinstance(obj, dict):
        row.bad(None, msg("lint.not-an-object", got=type_part(obj), example=example_part(format)), "not-an-object")
        return None, row.problems
    if format == "openai":
        ex = _read_openai(row, obj)
    elif format == "alpaca":
        ex = _read_alpaca(row, obj, columns)
    elif format == "sharegpt":
        ex = _read_sharegpt(row, obj, columns, tags)
    elif format == "conversation":
        ex = _read_conversation(row, obj)
    elif format == "text":
        ex = _read_text(row, obj, columns)
    else:
        raise ValueError(f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    if ex is None and not columns:
        other = detect_record_format(obj)
        if other and other != format:
            row.problems = [Problem.of(source, line, None, msg(
                "lint.mixed-formats.row" if file_format_detected else "lint.mixed-formats.row-given", other=other,
                format=format), code="mixed-formats")]
    return ex, row.problems


def _iter_parsed(path: str | Path, format: str, columns: dict[str, str] | None,
                 tags: dict[str, str] | None) -> tuple[FileInfo, str, Iterator[tuple[int, Any, Example | None, list[Problem]]]]:
    info = sniff(path)
    fmt = format
    detected = format == "auto"
    if detected:
        fmt = detect_from_info(info)
    elif fmt not in FORMATS:
        raise DatasetError(msg("lint.unknown-format.option", format=repr(format)[:60], formats=list(FORMATS)),
                           code="bad-argument")
    src = str(path)

    def gen() -> Iterator[tuple[int, Any, Example | None, list[Problem]]]:
        for line, rec in iter_records_of(info):
            if isinstance(rec, Problem):
                yield line, rec, None, [rec]
                continue
            ex, probs = parse_row(rec, fmt, src, line, columns=columns, tags=tags, file_format_detected=detected)
            yield line, rec, ex, probs
    return info, fmt, gen()


def read_examples(path: str | Path, format: str = "auto", *, columns: dict | None = None,
                  tags: dict | None = None) -> ReadResult:
    """Reads every row of a dataset file into canonical Examples.

    `format` is "auto" (detect from the first rows; `.txt` is text) or one of FORMATS.
    `columns`/`tags` are LLaMA-Factory's maps (see `read_dataset_info`). Rows that cannot be read
    become Problems (1-based line and field) and are left out of `examples`. Raises DatasetError
    only when the file cannot be read at all.
    """
    info, fmt, rows = _iter_parsed(path, format, columns, tags)
    examples: list[Example] = []
    problems: list[Problem] = []
    n = 0
    for _line, _rec, ex, probs in rows:
        n += 1
        if ex is not None:
            examples.append(ex)
        problems.extend(probs)
    return ReadResult(path=str(path), format=fmt, examples=examples, problems=problems, rows=n, layout=info.layout)


# ---------------------------------------------------------------------------------------------
# LLaMA-Factory dataset_info.json

@dataclass
class DatasetInfoEntry:
    """One entry of a LLaMA-Factory dataset_info.json that points at a local file."""
    name: str
    path: Path
    formatting: str  # "alpaca" | "sharegpt"
    columns: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)
    ranking: bool = False  # preference pairs (chosen/rejected): read with `read_pairs`, trained with method dpo

    @property
    def format(self) -> str:
        """The tunewiz format: alpaca entries with a prompt column and no response are raw text."""
        if self.formatting == "alpaca" and self.columns and "response" not in self.columns \
                and set(self.columns) <= {"prompt", "text"}:
            return "text"
        return self.formatting

    def read(self) -> ReadResult:
        """Reads the entry's file with its formatting, columns and tags (conversations; see `read_pairs`)."""
        if self.ranking:
            raise DatasetError(msg("lint.dataset-info.ranking", path=str(self.path), name=self.name), path=str(self.path),
                               code="bad-argument")
        return read_examples(self.path, self.format, columns=self.columns or None, tags=self.tags or None)

    def read_pairs(self) -> Any:
        """A ranking entry's preference pairs (`engine.data.preference.PairReadResult`), its columns applied."""
        from engine.data.preference import read_pairs
        fmt = "sharegpt-pairs" if self.formatting == "sharegpt" else "alpaca-pairs"
        return read_pairs(self.path, fmt, columns=self.columns or None)


def read_dataset_info(info_path: str | Path, name: str) -> DatasetInfoEntry:
    """The entry `name` of a LLaMA-Factory dataset_info.json, its file resolved beside it.

    Raises DatasetError for an unreadable info file, an unknown name, or an entry that points at a
    model hub instead of a local file. Preference (ranking) entries come back with `ranking` set.
    """
    ip = Path(info_path)
    if ip.is_dir():
        ip = ip / "dataset_info.json"
    try:
        info = orjson.loads(ip.read_bytes())
    except FileNotFoundError:
        raise DatasetError(msg("lint.dataset-info.missing", path=str(ip)), path=str(ip), code="file-missing") from None
    except orjson.JSONDecodeError as e:
        raise DatasetError(msg("lint.dataset-info.not-json", path=str(ip), error=str(e)), path=str(ip), code="not-json") from None
    except OSError as e:
        raise DatasetError(msg("lint.file-unreadable.read", path=str(ip), error=e.strerror), path=str(ip)) from None
    if not isinstance(info, dict):
        raise DatasetError(msg("lint.dataset-info.not-object", path=str(ip)), path=str(ip), code="not-json")
    entry = info.get(name)
    if entry is None:
        import difflib
        close = difflib.get_close_matches(name, list(info), n=3)
        raise DatasetError(msg("lint.dataset-info.no-name" + (".close" if close else ""), path=str(ip), name=repr(name),
                               close=close, entries=len(info)), path=str(ip), code="bad-argument")
    if not isinstance(entry, dict):
        raise DatasetError(msg("lint.dataset-info.entry-not-object", path=str(ip), name=repr(name)), path=str(ip),
                           code="mistyped-key")
    if "file_name" not in entry:
        hub = entry.get("hf_hub_url") or entry.get("ms_hub_url") or entry.get("script_url")
        raise DatasetError(msg("lint.dataset-info.no-file" + (".hub" if hub else ""), path=str(ip), name=repr(name),
                               hub=str(hub)), path=str(ip), code="bad-argument")
    formatting = entry.get("formatting", "alpaca")
    if formatting not in ("alpaca", "sharegpt"):
        raise DatasetError(msg("lint.dataset-info.formatting", path=str(ip), name=repr(name), formatting=repr(formatting)[:60]),
                           path=str(ip), code="bad-argument")
    fp = Path(entry["file_name"])
    if not fp.is_absolute():
        fp = ip.parent / fp
    columns = entry.get("columns") or {}
    tags = entry.get("tags") or {}
    return DatasetInfoEntry(name=name, path=fp, formatting=formatting,
                            columns={k: v for k, v in columns.items() if isinstance(v, str)},
                            tags={k: v for k, v in tags.items() if isinstance(v, str)}, raw=entry,
                            ranking=bool(entry.get("ranking")))


def read_entry(entry: DatasetInfoEntry) -> ReadResult:
    """Reads a dataset_info entry's file (same as `entry.read()`)."""
    return entry.read()
