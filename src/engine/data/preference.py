"""Preference pairs (DPO data): one reader for every pair format, into `canonical.PreferencePair`.

Formats (names in `PAIR_FORMATS`), auto-detected per record by `detect_pair_format` and per file by
majority over its first records:

- ``trl``: TRL's ``prompt`` / ``chosen`` / ``rejected``. Plain strings ("standard") or lists of
  ``{role, content}`` messages ("conversational"). Without ``prompt`` ("implicit prompt") chosen and
  rejected are whole conversations that share their beginning: the pair is split at the longest common
  prefix, which must end with the user's turn (strings: the common text, cut back to a space, as TRL's
  ``extract_prompt`` does).
- ``sharegpt-pairs``: LLaMA-Factory's ShareGPT ranking data (``ranking: true``): ``conversations``
  of ``from`` / ``value`` turns ending with the human's, ``chosen`` / ``rejected`` one ``{from: gpt, value}``
  each, optional ``system`` and ``tools`` (a JSON string).
- ``alpaca-pairs``: LLaMA-Factory's Alpaca ranking data: ``instruction``, ``input``, optional ``system``
  and ``history``, ``chosen`` / ``rejected`` strings.
- ``llamafactory-v1-pairs``: LLaMA-Factory v1's DPO samples: ``chosen_messages`` / ``rejected_messages``,
  two whole conversations of v1 messages (``content`` a list of ``{type, value}`` parts), split like
  TRL's implicit prompt.
- ``openai-preference``: OpenAI's preference JSONL: ``input`` (``messages``, ``tools``),
  ``preferred_output`` / ``non_preferred_output`` (one assistant message each). The OpenAI platform's
  own rules (keys it rejects, token limits, price) are `engine.openai_ft.preference`'s.

Message content may be a string or a list of parts: OpenAI's ``{"type": "text", "text"}`` and
LLaMA-Factory v1's ``{"type": "text" | "reasoning" | "tool_call", "value"}``; text parts are joined,
``reasoning`` parts become `Message.reasoning`, ``tool_call`` parts tool calls; image, audio and video
parts are dropped with a warning (tunewiz trains text models). An assistant's ``reasoning_content`` or
a leading ``<think>…</think>`` also becomes `Message.reasoning`.

Reading never raises for a bad row: each problem is a `Problem` naming file, line and field, with a
stable code (docs/lint-codes.md) and what to do. Warnings (a dropped image) keep the row.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

from .canonical import Message, PreferencePair, Problem
from .pair_messages import PairRow, read_messages, side_text
from .parts import msg as coded, parse_tools, type_part
from .records import DatasetError, FileInfo, iter_records_of, sniff

__all__ = ["PAIR_FORMATS", "PairReadResult", "detect_pair_format", "detect_pair_file", "looks_like_pair_file",
           "parse_pair", "read_pairs", "iter_pairs", "side_text", "LF_COLUMNS"]

# name -> one line of help: what a row looks like.
PAIR_FORMATS: dict[str, str] = {
    "trl": '{"prompt": [...] or "...", "chosen": [{"role": "assistant", "content": "..."}] or "...", "rejected": ...} '
           "(TRL; without prompt, chosen/rejected are whole conversations sharing the prompt)",
    "sharegpt-pairs": '{"conversations": [{"from": "human", "value": "..."}], "chosen": {"from": "gpt", "value": "..."}, '
                      '"rejected": {"from": "gpt", "value": "..."}} (LLaMA-Factory ShareGPT, ranking: true)',
    "alpaca-pairs": '{"instruction": "...", "input": "", "chosen": "...", "rejected": "..."} '
                    "(LLaMA-Factory Alpaca, ranking: true)",
    "llamafactory-v1-pairs": '{"chosen_messages": [...], "rejected_messages": [...]} '
                             "(LLaMA-Factory v1: two whole conversations of {type, value} content parts)",
    "openai-preference": '{"input": {"messages": [...]}, "preferred_output": [{"role": "assistant", "content": "..."}], '
                         '"non_preferred_output": [...]} (OpenAI preference fine-tuning)',
}
# The two sides' keys in each format, as a user reads them in messages.
SIDE_KEYS: dict[str, tuple[str, str]] = {
    "trl": ("chosen", "rejected"), "sharegpt-pairs": ("chosen", "rejected"), "alpaca-pairs": ("chosen", "rejected"),
    "llamafactory-v1-pairs": ("chosen_messages", "rejected_messages"),
    "openai-preference": ("preferred_output", "non_preferred_output"),
}
# LLaMA-Factory's dataset_info.json column names (`columns`), with their defaults.
LF_COLUMNS = {"prompt": "instruction", "query": "input", "chosen": "chosen", "rejected": "rejected",
              "messages": "conversations", "system": "system", "tools": "tools", "history": "history"}

@dataclass
class PairReadResult:
    """Everything read from one preference file. `problems` holds the rows that could not be read (errors,
    left out of `pairs`); `warnings` what was noticed about rows that were read (e.g. a dropped image)."""
    pairs: list[PreferencePair]
    problems: list[Problem]
    format: str
    rows: int
    layout: str = ""
    warnings: list[Problem] = field(default_factory=list)


# ------------------------------------------------------------------------------------------------
# detection

def detect_pair_format(obj: Any) -> str | None:
    """The pair format one parsed record looks like, or None when it is not a preference pair."""
    if not isinstance(obj, dict):
        return None
    if "preferred_output" in obj or "non_preferred_output" in obj:
        return "openai-preference"
    if "chosen_messages" in obj or "rejected_messages" in obj:
        return "llamafactory-v1-pairs"
    if "chosen" not in obj and "rejected" not in obj:
        return None
    msgs = obj.get("conversations", obj.get("messages"))
    if msgs is not None:
        return "sharegpt-pairs"
    if "instruction" in obj or "history" in obj or ("input" in obj and "prompt" not in obj):
        return "alpaca-pairs"
    return "trl"


_HEAD_NEEDLES = (b'"chosen', b'"rejected', b'"preferred_output', b'"non_preferred_output')


def looks_like_pair_file(path: str | Path) -> bool:
    """Cheap first test (the file's first 64 KB mention a pair key), never raises: False means the file is
    surely not a pair file, True that `detect_pair_file` is worth asking."""
    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16)
    except OSError:
        return False
    return any(n in head for n in _HEAD_NEEDLES)


def detect_pair_file(info: FileInfo, sample: int = 50) -> str | None:
    """The pair format of a sniffed file by majority over its first `sample` readable records, or None when
    most of them are not pairs (an SFT file). Never raises for the file's content."""
    if info.layout == "text":
        return None
    counts: dict[str, int] = {}
    seen = 0
    try:
        for _line, rec in iter_records_of(info):
            if isinstance(rec, Problem):
                continue
            fmt = detect_pair_format(rec)
            counts[fmt or ""] = counts.get(fmt or "", 0) + 1
            seen += 1
            if seen >= sample:
                break
    except DatasetError:
        return None
    best = max(counts, key=lambda k: counts[k], default="")
    return best or None


# ------------------------------------------------------------------------------------------------
# one row

def _empty(side: list[Message]) -> bool:
    return not any(m.content.strip() or m.tool_calls for m in side if m.role == "assistant")


def pair_example(fmt: str) -> dict[str, Any]:
    """PAIR_FORMATS[fmt] as a message part (`lint.example.pairs.<fmt>`)."""
    from engine.message_parts import part
    return part(f"lint.example.pairs.{fmt}")


def _check_sides(row: PairRow, prompt: list[Message], sides: tuple[list[Message], list[Message]],
                 keys: tuple[str, str], implicit: bool) -> bool:
    """The checks every format shares: a prompt ending with the user's turn, sides that are answers, not empty."""
    ok = True
    if not prompt or not any(m.role == "user" for m in prompt):
        row.bad(None, coded("lint.pref-no-prompt"), "pref-no-prompt")
        ok = False
    elif prompt[-1].role not in ("user", "tool"):
        row.bad(None if implicit else "prompt", coded("lint.pref-last-turn", role=prompt[-1].role, chosen=keys[0],
                                                      rejected=keys[1]), "pref-last-turn")
        ok = False
    for key, side in zip(keys, sides):
        if side and side[0].role != "assistant":
            row.bad(f"{key}[0]", coded("lint.pref-output-role", key=key, role=side[0].role), "pref-output-role")
            ok = False
        elif _empty(side):
            row.bad(key, coded("lint.pref-empty-side", key=key), "pref-empty-side")
            ok = False
    return ok


def _split_common(row: PairRow, a: list[Message], b: list[Message], keys: tuple[str, str]
                  ) -> tuple[list[Message], list[Message], list[Message]] | None:
    """(prompt, chosen, rejected) of two whole conversations: split at their longest common prefix."""
    n = 0
    while n < min(len(a), len(b)) and a[n].to_template_dict() == b[n].to_template_dict():
        n += 1
    if n < len(a) and n < len(b) and (a[n].role != "assistant" or b[n].role != "assistant"):
        row.bad(f"{keys[1]}[{n}]", coded("lint.pref-prompt-mismatch", chosen=keys[0], rejected=keys[1], turn=n,
                                         role_a=a[n].role, role_b=b[n].role), "pref-prompt-mismatch")
        return None
    if n == 0 and a and b:
        row.bad(keys[0], coded("lint.pref-prompt-mismatch.first", chosen=keys[0], rejected=keys[1]), "pref-prompt-mismatch")
        return None
    # back off to the last user/tool turn: equal assistant turns after it are part of both answers
    while n and a[n - 1].role == "assistant":
        n -= 1
    return a[:n], a[n:], b[n:]


def _split_text(row: PairRow, a: str, b: str, keys: tuple[str, str]) -> tuple[str, str, str] | None:
    """TRL's implicit prompt for plain strings: the common text, cut back to a space."""
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    if n < min(len(a), len(b)):
        while n and not a[n - 1].isspace():
            n -= 1
    if n and a[n - 1] == " " and n < min(len(a), len(b)):  # as TRL: the space before the answers goes with them
        n -= 1
    if not a[:n].strip():
        row.bad(keys[0], coded("lint.pref-no-prompt.text", chosen=keys[0], rejected=keys[1]), "pref-no-prompt")
        return None
    return a[:n], a[n:], b[n:]


def _strip_prompt(prompt: list[Message], side: list[Message]) -> list[Message]:
    """A side that repeats the prompt before its answer (a common export), without the repetition."""
    k = len(prompt)
    if k and len(side) > k and [m.to_template_dict() for m in side[:k]] == [m.to_template_dict() for m in prompt]:
        return side[k:]
    return side


def _system_first(row: PairRow, obj: dict, key: str, prompt: list[Message]) -> None:
    if key in obj and obj[key] is not None:
        if not isinstance(obj[key], str):
            row.bad(key, coded("lint.mistyped-key.string", got=type_part(obj[key])), "mistyped-key")
        elif obj[key].strip() and not (prompt and prompt[0].role == "system"):
            prompt.insert(0, Message("system", obj[key]))


def _read_trl(row: PairRow, obj: dict, cols: dict[str, str], tools: list) -> tuple | None:
    keys = (cols["chosen"], cols["rejected"])
    pkey = cols.get("trl_prompt", "prompt")
    for k in keys:
        if k not in obj or obj[k] is None:
            row.bad(k, coded("lint.missing-key.pair", key=k, example=pair_example("trl")), "missing-key")
    if row.errors:
        return None
    a, b = obj[keys[0]], obj[keys[1]]
    if pkey not in obj and isinstance(a, str) and isinstance(b, str):
        split = _split_text(row, a, b, keys)
        if split is None:
            return None
        return [Message("user", split[0])], [Message("assistant", split[1])], [Message("assistant", split[2])], True
    chosen = read_messages(row, a, keys[0], tools, side=True)
    rejected = read_messages(row, b, keys[1], tools, side=True)
    if pkey in obj:
        prompt = read_messages(row, obj[pkey], pkey, tools, side=False)
        if prompt is None or chosen is None or rejected is None:
            return None
        chosen, rejected = _strip_prompt(prompt, chosen), _strip_prompt(prompt, rejected)
        implicit = False
    else:
        if chosen is None or rejected is None:
            return None
        split3 = _split_common(row, chosen, rejected, keys)
        if split3 is None:
            return None
        prompt, chosen, rejected = split3
        implicit = True
    _system_first(row, obj, "system", prompt)
    return prompt, chosen, rejected, implicit


def _read_v1(row: PairRow, obj: dict, tools: list) -> tuple | None:
    keys = SIDE_KEYS["llamafactory-v1-pairs"]
    for k in keys:
        if k not in obj or obj[k] is None:
            row.bad(k, coded("lint.missing-key.pair", key=k, example=pair_example("llamafactory-v1-pairs")), "missing-key")
    if row.errors:
        return None
    a = read_messages(row, obj[keys[0]], keys[0], tools, side=True)
    b = read_messages(row, obj[keys[1]], keys[1], tools, side=True)
    if a is None or b is None:
        return None
    split3 = _split_common(row, a, b, keys)
    if split3 is None:
        return None
    return (*split3, True)


def _read_sharegpt(row: PairRow, obj: dict, cols: dict[str, str], tools: list) -> tuple | None:
    key = cols["messages"] if cols["messages"] in obj else "messages" if "messages" in obj else cols["messages"]
    keys = (cols["chosen"], cols["rejected"])
    if key not in obj:
        row.bad(key, coded("lint.missing-key.pair", key=key, example=pair_example("sharegpt-pairs")), "missing-key")
    for k in keys:
        if k not in obj or obj[k] is None:
            row.bad(k, coded("lint.missing-key.sharegpt-side" + (".better" if k == keys[0] else ".worse"), key=k),
                    "missing-key")
    if row.errors:
        return None
    prompt = read_messages(row, obj[key], key, tools, side=False)
    chosen = read_messages(row, obj[keys[0]], keys[0], tools, side=True)
    rejected = read_messages(row, obj[keys[1]], keys[1], tools, side=True)
    if prompt is None or chosen is None or rejected is None:
        return None
    _system_first(row, obj, cols["system"], prompt)
    return prompt, chosen, rejected, False


def _read_alpaca(row: PairRow, obj: dict, cols: dict[str, str], tools: list) -> tuple | None:
    p, q = cols["prompt"], cols["query"]
    keys = (cols["chosen"], cols["rejected"])
    texts = []
    for k in (p, q):
        v = obj.get(k)
        if v is None:
            continue
        if not isinstance(v, str):
            row.bad(k, coded("lint.mistyped-key.string", got=type_part(v)), "mistyped-key")
        elif v:
            texts.append(v)
    if p not in obj and q not in obj:
        row.bad(p, coded("lint.missing-key.pair", key=p, example=pair_example("alpaca-pairs")), "missing-key")
    sides = []
    for k in keys:
        v = obj.get(k)
        if v is None:
            row.bad(k, coded("lint.missing-key.alpaca-side" + (".better" if k == keys[0] else ".worse"), key=k), "missing-key")
        else:
            sides.append(read_messages(row, v, k, tools, side=True))
    history: list[Message] = []
    h = obj.get(cols["history"])
    if h:
        if not isinstance(h, list):
            row.bad(cols["history"], coded("lint.mistyped-key.history", got=type_part(h)), "mistyped-key")
        for i, pair in enumerate(h if isinstance(h, list) else []):
            if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
                row.bad(f"{cols['history']}[{i}]", coded("lint.mistyped-key.history-pair.plain"), "mistyped-key")
                continue
            history += [Message("user", pair[0]), Message("assistant", pair[1])]
    if row.errors or len(sides) != 2 or None in sides:
        return None
    # LLaMA-Factory's rule: instruction and input joined by a newline.
    prompt = history + [Message("user", "\n".join(texts))]
    _system_first(row, obj, cols["system"], prompt)
    return prompt, sides[0], sides[1], False


def _read_openai(row: PairRow, obj: dict, tools: list) -> tuple | None:
    keys = SIDE_KEYS["openai-preference"]
    inp = obj.get("input")
    if inp is None:
        row.bad("input", coded("lint.missing-key.openai-input"), "missing-key")
    elif not isinstance(inp, dict):
        row.bad("input", coded("lint.mistyped-key.openai-input", got=type_part(inp)), "mistyped-key")
    elif "messages" not in inp:
        row.bad("input.messages", coded("lint.missing-key.openai-input-messages"), "missing-key")
    for k in keys:
        if k not in obj or obj[k] is None:
            row.bad(k, coded("lint.missing-key.openai-output", key=k), "missing-key")
    if row.errors:
        return None
    prompt = read_messages(row, inp["messages"], "input.messages", tools, side=False)
    t = parse_tools(row, inp.get("tools"), "input.tools")
    if t:
        tools.extend(t)
    chosen = read_messages(row, obj[keys[0]], keys[0], tools, side=True)
    rejected = read_messages(row, obj[keys[1]], keys[1], tools, side=True)
    if prompt is None or chosen is None or rejected is None:
        return None
    return prompt, chosen, rejected, False


def parse_pair(obj: Any, format: str, source: str, line: int | None, *,
               columns: dict[str, str] | None = None) -> tuple[PreferencePair | None, list[Problem]]:
    """One record as a PreferencePair, or None with the problems that stop it (warnings come with a pair too).

    `format` is one of PAIR_FORMATS; `columns` maps LLaMA-Factory's column names (`LF_COLUMNS`) to the
    file's keys (`prompt` also renames TRL's prompt key)."""
    if format not in PAIR_FORMATS:
        raise ValueError(f"unknown pair format {format!r}; expected one of {', '.join(PAIR_FORMATS)}")
    row = PairRow(source, line)
    if not isinstance(obj, dict):
        row.bad(None, coded("lint.not-an-object.pair", got=type_part(obj), format=format, example=pair_example(format)),
                "not-an-object")
        return None, row.problems
    cols = dict(LF_COLUMNS)
    if columns:
        cols.update({k: v for k, v in columns.items() if isinstance(v, str)})
        if "prompt" in columns and format == "trl":
            cols["trl_prompt"] = columns["prompt"]
    other = detect_pair_format(obj)
    if not columns and (other is None or other != format):  # renamed columns: the readers name what is missing
        example = pair_example(format)
        if other:
            m = coded("lint.mixed-formats.pair", other=other, format=format, example=example)
        elif {"messages", "conversations", "instruction"} & set(obj):
            m = coded("lint.pref-format.sft", format=format, example=example)
        else:
            m = coded("lint.pref-format", format=format, example=example, keys=[repr(k)[:60] for k in list(obj)[:5]] or ["none"])
        row.bad(None, m, "mixed-formats" if other else "pref-format")
        return None, row.problems
    tools: list[dict[str, Any]] = []
    if format != "openai-preference" and cols["tools"] in obj:
        tools.extend(parse_tools(row, obj[cols["tools"]], cols["tools"]) or [])
    readers: dict[str, Callable[[], tuple | None]] = {
        "trl": lambda: _read_trl(row, obj, cols, tools),
        "sharegpt-pairs": lambda: _read_sharegpt(row, obj, cols, tools),
        "alpaca-pairs": lambda: _read_alpaca(row, obj, cols, tools),
        "llamafactory-v1-pairs": lambda: _read_v1(row, obj, tools),
        "openai-preference": lambda: _read_openai(row, obj, tools),
    }
    got = readers[format]()
    if got is None or row.errors:
        return None, row.problems
    prompt, chosen, rejected, implicit = got
    keys = (cols["chosen"], cols["rejected"]) if format != "llamafactory-v1-pairs" and format != "openai-preference" \
        else SIDE_KEYS[format]
    if not _check_sides(row, prompt, (chosen, rejected), keys, implicit):
        return None, row.problems
    used = {cols["chosen"], cols["rejected"], cols.get("trl_prompt", "prompt"), cols["messages"], "messages",
            cols["prompt"], cols["query"], cols["system"], cols["tools"], cols["history"], *SIDE_KEYS[format], "input"}
    extra = {k: v for k, v in obj.items() if k not in used}
    return PreferencePair(source, line, prompt, chosen, rejected, tools=tools or None, extra=extra), row.problems


# ------------------------------------------------------------------------------------------------
# files

def _resolve_format(info: FileInfo, format: str) -> str:
    if format == "auto":
        fmt = detect_pair_file(info)
        if fmt is None:
            from engine.message_parts import parts
            raise DatasetError(coded("lint.unknown-format.pairs", path=str(info.path), examples=parts(
                [pair_example(f) for f in PAIR_FORMATS], "; ")), path=str(info.path), code="unknown-format")
        return fmt
    if format not in PAIR_FORMATS:
        raise DatasetError(coded("lint.unknown-format.pair-option", format=repr(format)[:60], formats=list(PAIR_FORMATS)),
                           code="bad-argument")
    return format


def iter_pairs(path: str | Path, format: str = "auto", *, columns: dict | None = None
               ) -> tuple[FileInfo, str, Iterator[tuple[int, Any, PreferencePair | None, list[Problem]]]]:
    """(file info, format, iterator of (line, record, pair or None, problems)) over a pair file: the streaming
    form of `read_pairs`, for the linter. Raises DatasetError when the file cannot be read at all."""
    info = sniff(path)
    fmt = _resolve_format(info, format)
    src = str(path)

    def gen() -> Iterator[tuple[int, Any, PreferencePair | None, list[Problem]]]:
        for line, rec in iter_records_of(info):
            if isinstance(rec, Problem):
                yield line, rec, None, [rec]
                continue
            pair, probs = parse_pair(rec, fmt, src, line, columns=columns)
            yield line, rec, pair, probs
    return info, fmt, gen()


def read_pairs(path: str | Path, format: str = "auto", *, columns: dict | None = None) -> PairReadResult:
    """Reads every preference pair of a file.

    `format` is "auto" (detected from the first rows) or one of PAIR_FORMATS; `columns` LLaMA-Factory's
    column map (dataset_info.json). Rows that cannot be read become Problems (file, line, field, code, what
    to do) and are left out of `pairs`. Raises DatasetError only when the file cannot be read at all."""
    info, fmt, rows = iter_pairs(path, format, columns=columns)
    pairs: list[PreferencePair] = []
    problems: list[Problem] = []
    warnings: list[Problem] = []
    n = 0
    for _line, _rec, pair, probs in rows:
        n += 1
        if pair is not None:
            pairs.append(pair)
        for p in probs:
            (problems if p.severity == "error" else warnings).append(p)
    return PairReadResult(pairs=pairs, problems=problems, format=fmt, rows=n, layout=info.layout, warnings=warnings)
