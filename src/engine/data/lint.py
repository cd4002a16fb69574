"""The dataset linter: every rule of docs/lint-codes.md in one streaming pass, plus token statistics.

Design for speed (a 200 MB file should lint at least as fast as a bare `json.loads` loop):
- JSONL is read as bytes and parsed with orjson; large files are split at line boundaries and
  scanned by forked worker processes, whose results are merged.
- Plain chat rows take a fast path that checks shape and order with a few comparisons; anything
  unusual falls back to the full reader (`formats.parse_row`), which is the reference semantics.
- Quality rules run as cheap gates (one character-class scan, one literal-alternation scan, a
  few literal-prefix digit scans) over each row's text; only rows that trip a gate get the
  detailed per-field regexes.
- Duplicates are found from 8-byte hashes kept in flat arrays (20 bytes a row, no per-row
  Python objects), sorted once at the end; statistics are kept as value counts, so memory is
  nearly constant in the file size.
"""
from __future__ import annotations

import operator
import os
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson

from . import rules as R
from .canonical import Example, Message, Problem
from .formats import FORMAT_HELP, SHAREGPT_TAGS, detect_record_format, parse_row, _detect_from
from .records import BOM, DatasetError, FileInfo, iter_records_of, line_problem, sniff
from .stats import (EstimateCounter, TokenCounter, distribution, estimate_text, histogram, openai_default_epochs,
                    openai_model_info)

LARGE_LINE = 1_000_000          # bytes: one example this large is almost surely several, or a whole file
FEW_ROWS = 500                  # the guide's minimum for fine-tuning to help
OPENAI_MIN_ROWS = 10
TICK_EVERY = 1023               # lines between two progress ticks (a mask: n & TICK_EVERY == 0)
SHORT_ANSWER_TOKENS = 3         # an answer this short is a label: a classifier fits better
PARALLEL_MIN_BYTES = 48 << 20   # below this, forking workers costs more than it saves

OPENAI_TOP_KEYS = frozenset({"messages", "tools", "parallel_tool_calls", "functions"})
OPENAI_MSG_KEYS = frozenset({"role", "content", "name", "function_call", "weight", "tool_calls", "tool_call_id"})
KNOWN_TOP_KEYS = {
    "openai": OPENAI_TOP_KEYS,
    "conversation": frozenset({"conversation", "tools"}),
    "sharegpt": frozenset({"conversations", "messages", "system", "tools"}),
    "alpaca": frozenset({"instruction", "input", "output", "system", "history", "tools"}),
    "text": frozenset({"text"}),
}
# The ideal role sequence (after an optional system message) for n turns.
_ALT = [tuple("user" if i % 2 == 0 else "assistant" for i in range(n)) for n in range(257)]
_WS_DELETE = b" \t\n\r\x0b\x0c"
_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
_ROLE = operator.itemgetter("role")
_CONTENT = operator.itemgetter("content")


# Progress callback: (phase, done, total); total 0 means unknown. It may raise to abandon the lint.
Tick = Callable[[str, int, int], None]


@dataclass
class Finding:
    """One lint finding. `line` is the 1-based line in the file (None for file-wide findings)."""
    code: str
    severity: str
    line: int | None
    field: str | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "line": self.line, "field": self.field, "message": self.message}


@dataclass
class LintOptions:
    """What to lint for. `format` "auto" detects; `target` "open" (local training) or "openai"."""
    format: str = "auto"
    target: str = "open"
    model: str | None = None
    max_length: int | None = None
    eval_path: str | None = None
    columns: dict[str, str] | None = None
    tags: dict[str, str] | None = None
    # Findings kept per code (all are counted); the JSON report lists the kept ones.
    max_per_code: int = 1000
    # Worker processes for large JSONL files (None = one per CPU, at most 8; 1 = no workers).
    workers: int | None = None
    parallel_min_bytes: int = PARALLEL_MIN_BYTES
    # Collect every erroring line (needed by --fix); cheap, on by default.
    track_rows: bool = True


@dataclass
class LintReport:
    """Everything the linter found out about one file."""
    file: str
    format: str | None
    rows: int
    findings: list[Finding]
    stats: dict[str, Any]
    counts: Counter = field(default_factory=Counter)       # every finding by code, kept or not
    severities: Counter = field(default_factory=Counter)   # every finding by severity
    fatal: Finding | None = None                            # set when the file cannot be read at all
    layout: str = ""
    # Lines to drop in --fix: error rows, and later copies of duplicates / eval-overlap rows.
    reject_lines: dict[int, list[tuple[str, str]]] = field(default_factory=dict)

    def exit_code(self, strict: bool = False) -> int:
        """0: no errors (warnings allowed unless strict); 1: errors; 2: the file cannot be read."""
        if self.fatal is not None:
            return 2
        if self.severities.get(R.ERROR):
            return 1
        if strict and self.severities.get(R.WARNING):
            return 1
        return 0

    def to_json(self) -> dict[str, Any]:
        """The stable `--json` object: file, format, rows, findings, stats."""
        return {"file": self.file, "format": self.format, "rows": self.rows,
                "findings": [f.to_dict() for f in self.findings], "stats": self.stats}


# ------------------------------------------------------------------------------------------------
# per-file scanning state (picklable: workers send it back to be merged)

class _Scan:
    def __init__(self, src: str, fmt: str, detected: bool, opts: LintOptions) -> None:
        self.src = src
        self.fmt = fmt
        self.detected = detected
        self.opts = opts
        self.openai = opts.target == "openai"
        self.cap = opts.max_per_code
        self.kept: list[Finding] = []
        self.kept_per_code: Counter = Counter()
        self.counts: Counter = Counter()
        self.sev: Counter = Counter()
        self.error_lines = array("I")
        self.norm = array("q")
        self.exact = array("q")
        self.dup_lines = array("I")
        self.rows = 0
        self.examples = 0
        self.blank = 0
        self.blank_first: list[int] = []
        self.turns: Counter = Counter()
        self.tokens: Counter = Counter()
        self.answers = 0
        self.short = 0
        self.short_first: list[int] = []
        self.ignored: Counter = Counter()
        self.formats: Counter = Counter()
        self.max_line = 0
        self.max_line_at = 0
        self.last_line = 0
        self.fast_rows = 0

    # -- findings
    def add(self, code: str, line: int | None, fld: str | None, message: str, severity: str | None = None) -> None:
        sev = severity or R.CODES[code][0]
        if self.openai and code in R.OPENAI_SEVERITY and severity is None:
            sev = R.OPENAI_SEVERITY[code]
        self.counts[code] += 1
        self.sev[sev] += 1
        if sev == R.ERROR and line is not None and self.opts.track_rows:
            if not self.error_lines or self.error_lines[-1] != line:
                self.error_lines.append(line)
        if self.kept_per_code[code] < self.cap:
            self.kept_per_code[code] += 1
            self.kept.append(Finding(code, sev, line, fld, message))

    def problem(self, p: Problem) -> None:
        self.add(p.code or "json-invalid", p.line, p.field, p.message)

    # -- rows
    def blank_line(self, n: int) -> None:
        self.blank += 1
        if len(self.blank_first) < 5:
            self.blank_first.append(n)

    def record(self, n: int, raw: bytes | None, obj: Any) -> None:
        """One parsed record (raw: its JSONL bytes, when there is a line)."""
        self.rows += 1
        if isinstance(obj, Problem):
            self.problem(obj)
            return
        if self.fmt == "openai" and type(obj) is dict and self._fast_openai(n, raw, obj):
            return
        self._generic(n, raw, obj)

    def _fast_openai(self, n: int, raw: bytes | None, obj: dict) -> bool:
        """The common case, checked with a few C-level operations; False = let the full path decide."""
        msgs = obj.get("messages")
        if type(msgs) is not list or not msgs or len(obj) != 1 or len(msgs) > 256:
            return False
        try:
            roles = tuple(map(_ROLE, msgs))
            contents = list(map(_CONTENT, msgs))
            # Every message has role and content, so equal sums mean no message has other keys.
            if sum(map(len, msgs)) != 2 * len(msgs):
                return False
            blob = "\n".join(contents)  # TypeError unless every content is a string
        except (KeyError, TypeError):
            return False
        if not all(map(str.strip, contents)):
            return False  # an empty turn: the full path names it
        if min(map(len, contents)) < 12 and any(R.ELLIPSIS_ONLY.match(c) for c in contents if len(c) < 12):
            return False
        body = roles[1:] if roles[0] == "system" else roles
        if len(body) % 2 or body != _ALT[len(body)]:
            return False  # unusual order or a role outside system/user/assistant: full checks
        self.fast_rows += 1
        self.examples += 1
        self.formats["openai"] += 1
        self.turns[len(msgs)] += 1
        self._quality(n, blob, raw, obj)
        b = blob.encode("utf-8", "surrogatepass")
        nb, nc = len(b), len(blob)
        non_ascii = (nb - nc) / 2
        self.tokens[int(non_ascii + (nc - non_ascii) / 3.5) + 4 * len(msgs) + 1] += 1
        self._answer(n, contents[-1])
        self._hashes(n, raw, obj, b, roles)
        return True

    def _generic(self, n: int, raw: bytes | None, obj: Any) -> None:
        """Full checks through the reader: structure, order, quality, counts."""
        ex, probs = parse_row(obj, self.fmt, self.src, n, columns=self.opts.columns, tags=self.opts.tags,
                              file_format_detected=self.detected)
        for p in probs:
            self.problem(p)
        rec_fmt = detect_record_format(obj)
        if rec_fmt:
            self.formats[rec_fmt] += 1
        if ex is None:
            return
        self.examples += 1
        if isinstance(obj, dict):
            self._keys(n, obj)
        fields = content_fields(obj, self.fmt, self.opts.columns, self.opts.tags)
        blob = "\n".join(t for _, t in fields)
        if ex.messages is not None:
            self.turns[len(ex.messages)] += 1
            self._order(n, obj, ex)
            est = sum(estimate_text(m.content) for m in ex.messages) + 4 * len(ex.messages) + 1
            if ex.tools:
                est += len(orjson.dumps(ex.tools)) / 3.5
            answers = [m for m in ex.messages if m.role == "assistant" and not m.tool_calls and m.source_role != "function_call"]
            if answers:
                self._answer(n, answers[-1].content)
            roles = tuple(m.role for m in ex.messages)
        else:
            est = estimate_text(ex.text or "") + 1
            roles = ("text",)
        self.tokens[int(est)] += 1
        self._quality(n, blob, raw, obj, fields)
        b = blob.encode("utf-8", "surrogatepass")
        self._hashes(n, raw, obj, b, roles)

    def _answer(self, n: int, text: str) -> None:
        self.answers += 1
        if len(text) <= 12 and estimate_text(text.strip()) <= SHORT_ANSWER_TOKENS:
            self.short += 1
            if len(self.short_first) < 5:
                self.short_first.append(n)

    def _hashes(self, n: int, raw: bytes | None, obj: Any, blob_bytes: bytes, roles: tuple | list) -> None:
        # Exact: the row's bytes. Normalised: roles + text, lower-cased (ASCII), all ASCII whitespace
        # removed. Python's 64-bit hash is enough within one run (collisions ~1e-8 at a million rows).
        self.exact.append(hash(raw if raw is not None else orjson.dumps(obj)))
        self.norm.append(hash((tuple(roles), blob_bytes.translate(_LOWER, _WS_DELETE))))
        self.dup_lines.append(n)

    def _keys(self, n: int, obj: dict) -> None:
        if self.openai:
            bad = [k for k in obj if k not in OPENAI_TOP_KEYS]
            if bad:
                self.add("openai-unsupported-key", n, bad[0], f"OpenAI rejects the key(s) {', '.join(map(repr, bad[:5]))}; "
                         f"remove them (--fix does) — a row may hold only messages, tools, parallel_tool_calls.")
            msgs = obj.get("messages")
            if isinstance(msgs, list):
                for i, m in enumerate(msgs):
                    if isinstance(m, dict):
                        extra = [k for k in m if k not in OPENAI_MSG_KEYS]
                        if extra:
                            self.add("openai-unsupported-key", n, f"messages[{i}].{extra[0]}",
                                     f"OpenAI rejects message key(s) {', '.join(map(repr, extra[:5]))}; allowed: "
                                     f"{', '.join(sorted(OPENAI_MSG_KEYS))}.")
            return
        known = KNOWN_TOP_KEYS.get(self.fmt, frozenset())
        if self.opts.columns:
            known = known | frozenset(self.opts.columns.values())
        for k in obj:
            if k not in known and (k in self.ignored or len(self.ignored) < 50):
                self.ignored[k] += 1

    # -- order and content of a conversation
    def _order(self, n: int, obj: Any, ex: Example) -> None:
        msgs = ex.messages or []
        fld = _field_namer(self.fmt, obj, ex, self.opts.columns, self.opts.tags)
        sharegpt = self.fmt == "sharegpt"
        for i, m in enumerate(msgs):
            is_call = bool(m.tool_calls) or m.source_role == "function_call"
            if m.role == "system" and i > 0:
                self.add("system-not-first", n, fld(i), "a system message after the first turn; chat templates "
                         "only place the system prompt first. Move it to the start or merge it into the first system message.")
            if not m.content.strip() and not is_call:
                if m.role == "assistant":
                    self.add("empty-answer", n, fld(i), "the assistant turn is empty: training would teach the model to "
                             "say nothing. Write the answer or drop the row.")
                else:
                    self.add("empty-content", n, fld(i), f"the {m.role} turn is empty; fill it in or remove the turn.")
            elif len(m.content) < 12 and R.ELLIPSIS_ONLY.match(m.content):
                self.add("placeholder", n, fld(i), f"the {m.role} turn is only {m.content.strip()!r}: placeholder text "
                         "left in the data. Write the real text or drop the row.")
            if m.weight is not None and m.role != "assistant":
                self.add("weight-not-assistant", n, fld(i) + ".weight" if fld(i) else None,
                         f"weight on a {m.role} message has no effect (only assistant turns are trained); remove it.")
            if m.role == "tool":
                prev = msgs[i - 1] if i else None
                if prev is None or not (prev.role == "tool" or prev.tool_calls or prev.source_role == "function_call"):
                    what = "an observation" if sharegpt else "a tool result"
                    call = "function_call" if sharegpt else "assistant message with tool_calls"
                    self.add("tool-order", n, fld(i), f"{what} without a preceding {call}; put the call right before it.")
            if is_call and i + 1 < len(msgs) and msgs[i + 1].role != "tool":
                what = "function_call" if sharegpt else "tool call"
                self.add("tool-order", n, fld(i), f"a {what} must be followed by its result "
                         f"({'observation' if sharegpt else 'a tool message'}), found {msgs[i + 1].source_role or msgs[i + 1].role}.")
        body = [m for m in msgs if m.role != "system"]
        if body and body[0].role == "assistant":
            self.add("role-order", n, fld(msgs.index(body[0])), "the conversation starts with the assistant; "
                     "the first turn after the system prompt should be the user's.")
        for i in range(1, len(msgs)):
            a, b = msgs[i - 1], msgs[i]
            if a.role == b.role and a.role in ("user", "assistant") and not (a.tool_calls or a.source_role == "function_call"):
                self.add("role-order", n, fld(i), f"two {b.role} turns in a row; user and assistant should alternate "
                         "(merge the two turns, or insert the missing one). LLaMA-Factory rejects such rows.")
                break
        assistants = [m for m in msgs if m.role == "assistant"]
        if not assistants:
            self.add("no-assistant", n, None, "no assistant turn: there is nothing for the model to learn from this row. "
                     "Add the answer or drop the row.")
        elif all(m.weight == 0 for m in assistants):
            self.add("no-trainable-turn", n, None, "every assistant turn has weight 0, so nothing in this row is trained.")
        if msgs and msgs[-1].role != "assistant" and assistants:
            self.add("not-ending-with-assistant", n, fld(len(msgs) - 1), f"the conversation ends with a {msgs[-1].source_role or msgs[-1].role} "
                     "turn; nothing after the last assistant answer is learned. Drop the trailing turn(s) or add the answer.")

    # -- quality
    def _quality(self, n: int, blob: str, raw: bytes | None, obj: Any,
                 fields: list[tuple[str | None, str]] | None = None) -> None:
        wanted = _gate(blob)
        if raw is not None and b"\\" in raw and R.GATE_RAW_CONTROL.search(raw):
            wanted.add("control-chars")
        if not wanted:
            return
        if fields is None:
            fields = content_fields(obj, self.fmt, self.opts.columns, self.opts.tags)
        for fld, text in fields:
            for code, message in quality_issues(text, wanted):
                self.add(code, n, fld, message)


def _gate(blob: str) -> set[str]:
    """The quality rules worth running on this text: a superset of those that will find something."""
    wanted: set[str] = set()
    for c in set(R.GATE_CHARS.findall(blob)):
        wanted.update(R.GATE_CLASS.get(c, ("control-chars",)))
    for needle, code in R.GATE_SUBSTRINGS:
        if needle in blob:
            wanted.add(code)
    if R.GATE_DIGITS_MOBILE.search(blob):
        wanted.update(("pii-phone", "pii-id-number"))
    if R.GATE_DIGITS_ID20.search(blob):
        wanted.add("pii-id-number")
    if R.GATE_US_PHONE.search(blob):
        wanted.add("pii-phone")
    return wanted


ALL_QUALITY = frozenset({"secret", "pii-email", "pii-phone", "pii-id-number", "placeholder", "markup", "mojibake",
                         "control-chars"})


def quality_issues(text: str, wanted: set[str] | frozenset[str] = ALL_QUALITY) -> list[tuple[str, str]]:
    """The quality findings (code, message) for one string, at most one per code; `wanted` limits the rules run."""
    out: list[tuple[str, str]] = []
    m = R.SECRET.search(text) if "secret" in wanted else None
    if m:
        out.append(("secret", f"looks like an API key or private key ({R.mask(m.group())}); remove it from the data "
                    "and revoke the key — training data ends up in the model."))
    m = R.EMAIL.search(text) if "pii-email" in wanted else None
    if m:
        out.append(("pii-email", f"contains an e-mail address ({R.mask(m.group())}); replace personal data with a "
                    "placeholder the model can learn (e.g. user@example.com) or remove it."))
    m = (R.CN_MOBILE.search(text) or R.INTL_PHONE.search(text)) if "pii-phone" in wanted else None
    if m:
        out.append(("pii-phone", f"contains a phone number ({R.mask(m.group())}); mask it (e.g. 138****0000) unless "
                    "it is a public service number."))
    for m in (R.CN_ID.finditer(text) if "pii-id-number" in wanted else ()):
        if R.cn_id_valid(m.group()):
            out.append(("pii-id-number", f"contains a Chinese resident ID number ({R.mask(m.group())}); remove it."))
            break
    m = R.PLACEHOLDER.search(text) if "placeholder" in wanted else None
    if m:
        hint = (" (LLaMA-Factory's identity.json expects you to replace {{name}}/{{author}} with your model's name)"
                if m.group().startswith("{{") else "")
        out.append(("placeholder", f"contains template text {m.group()!r}; fill it in{hint} or drop the row."))
    m = R.MARKUP.search(text) if "markup" in wanted else None
    if m:
        out.append(("markup", f"contains markup {m.group()[:30]!r} left from scraping; strip HTML tags and entities."))
    m = R.MOJIBAKE.search(text) if "mojibake" in wanted else None
    if m:
        out.append(("mojibake", f"contains garbled text {m.group()!r} (an encoding mix-up, e.g. UTF-8 read as Latin-1 or GBK); "
                    "re-export the source as UTF-8."))
    m = R.CONTROL.search(text) if "control-chars" in wanted else None
    if m:
        out.append(("control-chars", f"contains the invisible character U+{ord(m.group()):04X}; remove it "
                    "(it wastes tokens and can break templates)."))
    return out


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
                    out.append((f"{key}[{i}].content", "".join(p.get("text", "") for p in c if isinstance(p, dict) and isinstance(p.get("text"), str))))
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


def _field_namer(fmt: str, obj: Any, ex: Example, columns: dict[str, str] | None,
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


# ------------------------------------------------------------------------------------------------
# reading the file (optionally a byte range of it, in a worker)

def _scan_jsonl_range(path: str, start: int, end: int, bom: bool, scan: _Scan, tick: Tick | None = None) -> _Scan:
    """Scans JSONL lines whose first byte lies in [start, end); line numbers are relative to `start`."""
    loads = orjson.loads
    pos = start
    n = 0
    with open(path, "rb", buffering=1 << 20) as f:
        f.seek(start)
        for raw in f:
            if pos >= end:
                break
            pos += len(raw)
            n += 1
            if tick is not None and not n & TICK_EVERY:
                tick("scan", pos - start, end - start)
            if n == 1 and start == 0 and bom and raw.startswith(BOM):
                raw = raw[3:]
            size = len(raw)
            if size > scan.max_line:
                scan.max_line, scan.max_line_at = size, n
            body = raw.strip()
            if not body:
                scan.blank_line(n)
                continue
            try:
                obj = loads(body)
            except orjson.JSONDecodeError as e:
                scan.rows += 1
                if not raw.endswith(b"\n") and pos >= os.path.getsize(path):
                    scan.add("truncated-last-line", n, None, "the last line is cut off (no closing brace / newline): "
                             "the file was not completely written or copied. Re-export it, or drop this line.")
                else:
                    scan.problem(line_problem(scan.src, n, body, e))
                continue
            scan.record(n, body, obj)
    scan.last_line = n
    return scan


def _worker(args: tuple) -> _Scan:
    path, start, end, bom, src, fmt, detected, opts = args
    return _scan_jsonl_range(path, start, end, bom, _Scan(src, fmt, detected, opts))


def _split(path: str, size: int, parts: int) -> list[tuple[int, int]]:
    """Byte ranges that start at line starts."""
    bounds = [0]
    with open(path, "rb") as f:
        for k in range(1, parts):
            f.seek(size * k // parts)
            f.readline()
            p = f.tell()
            if p > bounds[-1] and p < size:
                bounds.append(p)
    bounds.append(size)
    return [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def _merge(parts: list[_Scan]) -> _Scan:
    """Joins the scans of consecutive ranges, shifting their line numbers."""
    out = parts[0]
    offset = out.last_line
    for s in parts[1:]:
        for f in s.kept:
            if f.line is not None:
                f.line += offset
            if out.kept_per_code[f.code] < out.cap:
                out.kept_per_code[f.code] += 1
                out.kept.append(f)
        out.counts.update(s.counts)
        out.sev.update(s.sev)
        out.error_lines.extend(x + offset for x in s.error_lines)
        out.norm.extend(s.norm)
        out.exact.extend(s.exact)
        out.dup_lines.extend(x + offset for x in s.dup_lines)
        out.rows += s.rows
        out.examples += s.examples
        out.fast_rows += s.fast_rows
        out.blank += s.blank
        out.blank_first = (out.blank_first + [x + offset for x in s.blank_first])[:5]
        out.turns.update(s.turns)
        out.tokens.update(s.tokens)
        out.answers += s.answers
        out.short += s.short
        out.short_first = (out.short_first + [x + offset for x in s.short_first])[:5]
        out.ignored.update(s.ignored)
        out.formats.update(s.formats)
        if s.max_line > out.max_line:
            out.max_line, out.max_line_at = s.max_line, s.max_line_at + offset
        offset += s.last_line
    out.last_line = offset
    return out


def _count_lines(path: str) -> int:
    n = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            n += chunk.count(b"\n")
    return n + 1


def _scan_file(info: FileInfo, fmt: str, detected: bool, opts: LintOptions, src: str, tick: Tick | None = None) -> _Scan:
    path = str(info.path)
    if info.layout == "jsonl":
        workers = opts.workers if opts.workers is not None else min(8, os.cpu_count() or 1)
        # With a progress callback the scan stays in this process (forked workers cannot report back).
        if workers > 1 and info.size >= opts.parallel_min_bytes and tick is None:
            try:
                import multiprocessing as mp
                ctx = mp.get_context("fork")
                ranges = _split(path, info.size, workers)
                with ctx.Pool(len(ranges)) as pool:
                    parts = pool.map(_worker, [(path, a, b, info.bom, src, fmt, detected, opts) for a, b in ranges])
                return _merge(parts)
            except (ValueError, OSError, ImportError):
                pass  # no fork on this platform, or no room for workers: one process does it
        return _scan_jsonl_range(path, 0, info.size, info.bom, _Scan(src, fmt, detected, opts), tick)
    scan = _Scan(src, fmt, detected, opts)
    total_lines = _count_lines(path) if tick is not None else 0
    for n, rec in iter_records_of(info):
        raw = None if isinstance(rec, (Problem, str)) else orjson.dumps(rec)
        scan.record(n, raw, rec)
        scan.last_line = n
        if tick is not None and not scan.rows & TICK_EVERY:
            tick("scan", n, total_lines)
    return scan


# ------------------------------------------------------------------------------------------------
# duplicates (numpy only here, at the end: one sort of flat arrays)

def _duplicates(scan: _Scan) -> tuple[list[tuple[int, int, bool]], Any, Any]:
    """(line, line of first copy, exact?) for every later copy; and the norm/line arrays for overlap checks."""
    import numpy as np
    norm = np.frombuffer(scan.norm, dtype=np.int64) if len(scan.norm) else np.zeros(0, np.int64)
    exact = np.frombuffer(scan.exact, dtype=np.int64) if len(scan.exact) else np.zeros(0, np.int64)
    lines = np.frombuffer(scan.dup_lines, dtype=np.uint32) if len(scan.dup_lines) else np.zeros(0, np.uint32)
    if len(norm) < 2:
        return [], norm, lines
    order = np.argsort(norm, kind="stable")  # stable: within a group, rows stay in file order
    sn = norm[order]
    dup_pos = np.flatnonzero(sn[1:] == sn[:-1]) + 1
    # The first row of each group is where its key first appears in the sorted keys.
    first_pos = np.searchsorted(sn, sn[dup_pos], side="left")
    del sn  # keep peak memory to two arrays of the row count
    rows = order[dup_pos]
    firsts = order[first_pos]
    del order
    is_exact = exact[rows] == exact[firsts]
    out = list(zip(lines[rows].tolist(), lines[firsts].tolist(), is_exact.tolist()))
    out.sort()
    return out, norm, lines


# ------------------------------------------------------------------------------------------------
# the token pass (only with a real tokenizer; the estimate is computed in the scan)

def _iter_token_items(info: FileInfo, fmt: str, opts: LintOptions, skip: set[int]) -> Iterator[tuple[int, Any, Any]]:
    """(line, conversation as template dicts or text, tools) for every readable row."""
    src = str(info.path)
    for n, rec in iter_records_of(info):
        if isinstance(rec, Problem) or n in skip:
            continue
        if fmt == "openai" and type(rec) is dict and len(rec) == 1:
            msgs = rec.get("messages")
            if type(msgs) is list and all(type(m) is dict and len(m) == 2 and type(m.get("content")) is str for m in msgs):
                yield n, msgs, None
                continue
        ex, _ = parse_row(rec, fmt, src, n, columns=opts.columns, tags=opts.tags)
        if ex is None:
            continue
        if ex.messages is None:
            yield n, ex.text or "", None
        else:
            yield n, [m.to_template_dict() for m in ex.messages], ex.tools


def count_tokens(info: FileInfo, fmt: str, opts: LintOptions, counter: TokenCounter, skip: set[int],
                 progress: Callable[[int], None] | None = None, batch: int = 256) -> list[tuple[int, int]]:
    """(line, tokens) for every readable row, counted in batches."""
    out: list[tuple[int, int]] = []
    chats: list[tuple[int, Any, Any]] = []
    texts: list[tuple[int, str]] = []

    def flush() -> None:
        if chats:
            lens = counter.count_chats([c for _, c, _ in chats], [t for _, _, t in chats])
            out.extend(zip((n for n, _, _ in chats), lens))
            chats.clear()
        if texts:
            lens = counter.count_texts([t for _, t in texts])
            out.extend(zip((n for n, _ in texts), lens))
            texts.clear()
        if progress:
            progress(len(out))

    for n, item, tools in _iter_token_items(info, fmt, opts, skip):
        if isinstance(item, str):
            texts.append((n, item))
        else:
            chats.append((n, item, tools))
        if len(chats) + len(texts) >= batch:
            flush()
    flush()
    out.sort()
    return out


# ------------------------------------------------------------------------------------------------
# the entry point

def lint_file(path: str | Path, opts: LintOptions | None = None, *, counter: TokenCounter | None = None,
              counter_notice: str | None = None, progress: Callable[[str], None] | None = None,
              tick: Tick | None = None) -> LintReport:
    """Lints one dataset file. Never raises for the file's content: an unreadable file gives a report
    with `fatal` set (exit code 2). `counter` counts tokens (None: the labelled estimate).

    `tick(phase, done, total)` reports progress now and then for a progress bar: phase "scan" (bytes
    of a JSONL file, else lines) and "tokens" (rows counted with the tokenizer); total 0 = unknown.
    Whatever `tick` raises propagates, which is how a caller (a UI worker) abandons a lint. With a
    `tick` the scan stays in this process (no forked workers: they could not report progress, and
    forking a multi-threaded UI process is unsafe)."""
    opts = opts or LintOptions()
    say = progress or (lambda m: None)
    src = str(path)
    t0 = time.perf_counter()
    try:
        info = sniff(path)
        detected = opts.format == "auto"
        fmt = _detect_from(info) if detected else opts.format
        if fmt not in FORMAT_HELP:
            raise DatasetError(f"unknown format {opts.format!r}; use one of auto, {', '.join(FORMAT_HELP)}.", code="unknown-format")
    except DatasetError as e:
        fatal = Finding(e.code if e.code in R.CODES else "file-unreadable", R.ERROR, None, None, e.message)
        return LintReport(file=src, format=None, rows=0, findings=[fatal], stats={}, fatal=fatal,
                          counts=Counter({fatal.code: 1}), severities=Counter({R.ERROR: 1}))
    say(f"scanning {src} ({info.size / 1e6:.1f} MB, {fmt}, {info.layout})")
    scan = _scan_file(info, fmt, detected, opts, src, tick)
    scan_seconds = time.perf_counter() - t0

    # -- file-level findings
    if info.bom:
        scan.add("bom", 1, None, "the file starts with a UTF-8 byte-order mark (BOM); some loaders (and OpenAI) reject it. "
                 "Save as 'UTF-8' without BOM, or let --fix drop it.")
    suffix = info.path.suffix.lower()
    if info.layout == "array":
        sev = R.ERROR if scan.openai else (R.WARNING if suffix == ".jsonl" else R.INFO)
        scan.add("json-array", 1, None, "the file is one JSON array" + (" although it is named .jsonl" if suffix == ".jsonl" else "")
                 + ". tunewiz reads it, but it is loaded whole into memory and OpenAI only accepts JSONL (one object per line); "
                 "--fix OUT writes JSONL.", severity=sev)
    if info.layout == "concatenated":
        scan.add("json-pretty-printed", 1, None, "the file holds pretty-printed JSON objects spread over several lines; "
                 "JSONL needs one whole object per line. tunewiz can read it, most tools cannot: re-save with one "
                 "json.dumps(obj, ensure_ascii=False) per line, `jq -c . FILE`, or --fix OUT.")
    if scan.blank:
        scan.add("blank-lines", scan.blank_first[0], None, f"{scan.blank} blank line(s) (first at line(s) "
                 f"{', '.join(map(str, scan.blank_first))}); strict JSONL readers fail on them. Delete them or use --fix.")
    if scan.max_line > LARGE_LINE:
        scan.add("line-too-large", scan.max_line_at, None, f"line {scan.max_line_at} is {scan.max_line / 1e6:.1f} MB: far "
                 "beyond any model's context, so it is probably several examples (or a whole file) on one line. Split it.")
    if len(scan.formats) > 1:
        main = fmt
        others = {k: v for k, v in scan.formats.items() if k != main}
        if others and not scan.counts.get("mixed-formats"):
            scan.add("mixed-formats", None, None, f"rows of several formats: {', '.join(f'{v} {k}' for k, v in scan.formats.most_common())}; "
                     "keep one format per file.", severity=R.WARNING)
    if scan.ignored:
        keys = ", ".join(f"{k} ({v})" for k, v in scan.ignored.most_common(8))
        scan.add("ignored-keys", None, None, f"keys no {fmt} reader uses are ignored: {keys}.")
    if scan.answers >= 20 and scan.short * 2 >= scan.answers:
        scan.add("short-answers", scan.short_first[0] if scan.short_first else None, None,
                 f"{scan.short} of {scan.answers} answers are {SHORT_ANSWER_TOKENS} tokens or fewer (e.g. lines "
                 f"{', '.join(map(str, scan.short_first))}): that is a labelling task, where a small classification model "
                 "is cheaper and more reliable than fine-tuning an LLM.")
    if scan.examples < FEW_ROWS:
        scan.add("few-rows", None, None, f"only {scan.examples} usable example(s); with fewer than {FEW_ROWS} clean "
                 "examples fine-tuning rarely helps (the guide's rule of thumb). Collect more, or try prompting / RAG first.")
    if scan.openai:
        if fmt != "openai":
            scan.add("openai-format", None, None, f"the file is {fmt}; OpenAI fine-tuning takes only chat JSONL "
                     f"({FORMAT_HELP['openai']}). Convert it: tunewiz lint {src} --fix OUT.jsonl --to openai.")
        if scan.examples < OPENAI_MIN_ROWS:
            scan.add("openai-too-few", None, None, f"{scan.examples} usable example(s); OpenAI requires at least "
                     f"{OPENAI_MIN_ROWS} (and suggests 50–100 to see an effect).")

    # -- duplicates and train/eval overlap
    dups, norm, lines = _duplicates(scan)
    n_exact = n_near = 0
    reject: dict[int, list[tuple[str, str]]] = {}
    for line, first, exact in dups:
        code = "duplicate" if exact else "near-duplicate"
        if exact:
            n_exact += 1
            msg = f"exact duplicate of line {first}; duplicates over-weight one answer. Drop it (--fix does)."
        else:
            n_near += 1
            msg = f"same text as line {first} apart from case/whitespace; drop one of them (--fix does)."
        scan.add(code, line, None, msg)
        reject.setdefault(line, []).append((code, msg))
    eval_stats: dict[str, Any] | None = None
    if opts.eval_path:
        eval_stats = _overlap(scan, opts, norm, lines, reject)

    # -- tokens
    token_lines: list[tuple[int, int]] | None = None
    counter = counter or EstimateCounter("no tokenizer requested")
    if counter.exact:
        say(f"counting tokens with {counter.label}")
        skip = set(scan.error_lines)
        token_tick = (lambda k: tick("tokens", k, scan.examples)) if tick is not None else None
        token_lines = count_tokens(info, fmt, opts, counter, skip, progress=token_tick)
        tokens = Counter(n for _, n in token_lines)
    else:
        tokens = scan.tokens
        scan.add("token-estimate", None, None, f"token counts are an estimate: {counter_notice or counter.label}.")
    over = 0
    limit_name, limit_entry = openai_model_info(opts.model) if scan.openai else (None, None)
    if token_lines is not None:
        for line, n in token_lines:
            if opts.max_length and n > opts.max_length:
                over += 1
                scan.add("too-long", line, None, f"{n} tokens, more than --max-length {opts.max_length}: the end would be cut "
                         "off in training (the answer, usually). Shorten it, split it, or raise max_length.")
            if limit_entry and n > limit_entry["example_limit"]:
                scan.add("openai-token-limit", line, None, f"{n} tokens, over {limit_name}'s limit of "
                         f"{limit_entry['example_limit']} per example; OpenAI would truncate or reject it.")
    elif opts.max_length or limit_entry:
        # Estimated lengths are per value, not per line: report counts, not lines.
        over = sum(c for v, c in tokens.items() if opts.max_length and v > opts.max_length)
        if over:
            scan.add("too-long", None, None, f"about {over} example(s) are estimated longer than --max-length "
                     f"{opts.max_length}; load a tokenizer (see token-estimate) to get their lines.")
        if limit_entry:
            n_lim = sum(c for v, c in tokens.items() if v > limit_entry["example_limit"])
            if n_lim:
                scan.add("openai-token-limit", None, None, f"about {n_lim} example(s) are estimated over {limit_name}'s "
                         f"limit of {limit_entry['example_limit']} tokens per example.")

    for line in scan.error_lines:
        reject.setdefault(line, []).append(("error", "row has errors"))

    stats = _stats(scan, info, fmt, tokens, counter, counter_notice, over, n_exact, n_near, limit_name, limit_entry)
    if eval_stats is not None:
        stats["eval"] = eval_stats
    stats["seconds"] = round(time.perf_counter() - t0, 3)
    stats["scan_mb_per_s"] = round(info.size / 1e6 / scan_seconds, 1) if scan_seconds > 0 else None
    findings = sorted(scan.kept, key=lambda f: (f.line is not None, f.line or 0))
    return LintReport(file=src, format=fmt, rows=scan.rows, findings=findings, stats=stats, counts=scan.counts,
                      severities=scan.sev, layout=info.layout, reject_lines=reject)


def _overlap(scan: _Scan, opts: LintOptions, norm: Any, lines: Any, reject: dict[int, list[tuple[str, str]]]) -> dict[str, Any]:
    """Marks training rows whose normalised text is also in the eval file."""
    import numpy as np
    eopts = LintOptions(format="auto", target=opts.target, columns=opts.columns, tags=opts.tags, workers=opts.workers,
                        max_per_code=opts.max_per_code)
    try:
        einfo = sniff(opts.eval_path)
        efmt = _detect_from(einfo)
    except DatasetError as e:
        scan.add("eval-problems", None, None, f"the eval file cannot be read: {e.message}", severity=R.ERROR)
        return {"file": opts.eval_path, "rows": 0, "overlap": 0}
    escan = _scan_file(einfo, efmt, True, eopts, str(opts.eval_path))
    enorm = np.frombuffer(escan.norm, dtype=np.int64) if len(escan.norm) else np.zeros(0, np.int64)
    elines = np.frombuffer(escan.dup_lines, dtype=np.uint32) if len(escan.dup_lines) else np.zeros(0, np.uint32)
    _, ti, ei = np.intersect1d(norm, enorm, return_indices=True)
    hits = np.isin(norm, enorm)
    first_eval = dict(zip(enorm[ei].tolist(), elines[ei].tolist()))
    n = 0
    for k in np.flatnonzero(hits).tolist():
        n += 1
        line = int(lines[k])
        msg = (f"also in the eval file {opts.eval_path} (line {first_eval.get(int(norm[k]))}); a row in both makes the "
               "eval loss look better than the model is. Remove it from one of them (--fix drops it from training).")
        scan.add("train-eval-overlap", line, None, msg)
        reject.setdefault(line, []).append(("train-eval-overlap", msg))
    e_err = escan.sev.get(R.ERROR, 0)
    if e_err:
        scan.add("eval-problems", None, None, f"the eval file {opts.eval_path} has {e_err} error(s) of its own; "
                 f"run `tunewiz lint {opts.eval_path}` to see them.")
    return {"file": str(opts.eval_path), "format": efmt, "rows": escan.rows, "examples": escan.examples, "overlap": n,
            "errors": e_err}


def _stats(scan: _Scan, info: FileInfo, fmt: str, tokens: Counter, counter: TokenCounter, notice: str | None,
           over: int, n_exact: int, n_near: int, limit_name: str | None, limit_entry: dict | None) -> dict[str, Any]:
    total = int(sum(v * c for v, c in tokens.items()))
    st: dict[str, Any] = {
        "format": fmt, "layout": info.layout, "bytes": info.size, "rows": scan.rows, "examples": scan.examples,
        "rejected_rows": len(set(scan.error_lines)), "blank_lines": scan.blank,
        "turns": distribution(scan.turns),
        "tokens": {"counter": counter.label, "exact": counter.exact, "per_example": distribution(tokens), "total": total,
                   "histogram": histogram(tokens), "over_max_length": over},
        "duplicates": {"exact": n_exact, "near": n_near},
        "short_answers": scan.short,
        "findings_by_code": dict(sorted(scan.counts.items())),
        "errors": scan.sev.get(R.ERROR, 0), "warnings": scan.sev.get(R.WARNING, 0), "infos": scan.sev.get(R.INFO, 0),
        "findings_truncated": any(scan.counts[c] > scan.kept_per_code[c] for c in scan.counts),
    }
    if notice:
        st["tokens"]["notice"] = notice
    if limit_name is not None:
        n = scan.examples
        oa: dict[str, Any] = {"model": limit_name}
        if limit_entry:
            cap = limit_entry["example_limit"]
            billed = int(sum(min(v, cap) * c for v, c in tokens.items()))
            epochs = openai_default_epochs(n)
            price = limit_entry["price_per_1m"]
            oa.update({"price_per_1m_tokens_usd": price, "example_limit": cap, "billed_tokens_per_epoch": billed,
                       "cost_per_epoch_usd": round(billed * price / 1e6, 4), "default_epochs": epochs,
                       "cost_default_epochs_usd": round(billed * price * epochs / 1e6, 4),
                       "estimated": not counter.exact, "price_source": limit_entry.get("source")})
            if limit_entry.get("wind_down"):
                oa["wind_down"] = limit_entry["wind_down"]
        else:
            from engine import catalog
            oa["note"] = (f"{limit_name} is not a fine-tunable OpenAI model in the catalog; use one of "
                          f"{', '.join(m.id for m in catalog.openai_models())}")
        st["openai"] = oa
    return st
