"""The dataset linter: every rule of docs/lint-codes.md in one streaming pass, plus token statistics.

Design for speed (a 200 MB file should lint at least as fast as a bare `json.loads` loop):
- JSONL is read as bytes and parsed with orjson; large files are split at line boundaries and
  scanned by forked processes (the parent scans the first part itself), whose results are merged.
  Forking is automatic only where it is safe and pays: a single-threaded process, no progress
  callback, a large file, and CPUs that look idle (see `_plan_workers`).
- Plain chat rows take a fast path, written out inline in the scan loop, that checks shape and
  order with a few C-level operations; anything unusual falls back to the full reader
  (`formats.parse_row`), which is the reference semantics.
- Quality rules run behind cheap gates over each row: one memchr per rare ASCII/Latin-1 byte over
  its JSON line (or one `bytes.translate` of its text when escapes could hide one), a few `in`
  tests (memchr) for the rare wide characters, literal-prefix digit scans. Only rows that trip
  one get the exact gate (`_gate`) and then the detailed per-field regexes, so the findings are
  those of the exact gate.
- Duplicates: each example leaves one record (hash of its normalised text, byte offset of its
  line, line number) in 2**k hash partitions; at most DUP_CHUNK records stay in memory, the rest
  goes to temp files. At the end one partition at a time is loaded, repeated hashes are found with
  a dict, and exactness is decided by comparing the two lines' bytes. Statistics are kept as value
  counts. So memory is nearly constant in the file size.
"""
from __future__ import annotations

import operator
import os
import threading
import time
from array import array
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson

from .. import rules as R
from ..canonical import Example, Message, Problem
from ..formats import FORMAT_HELP, SHAREGPT_TAGS, detect_from_info, detect_record_format, parse_row
from ..records import BOM, DatasetError, FileInfo, iter_records_of, line_problem, sniff
from ..stats import (EstimateCounter, TokenCounter, distribution, estimate_text, histogram, openai_default_epochs,
                    openai_model_info)

LARGE_LINE = 1_000_000          # bytes: one example this large is almost surely several, or a whole file
FEW_ROWS = 500                  # the guide's minimum for fine-tuning to help
OPENAI_MIN_ROWS = 10
TICK_EVERY = 1023               # lines between two progress ticks (a mask: n & TICK_EVERY == 0)
SHORT_ANSWER_TOKENS = 3         # an answer this short is a label: a classifier fits better
PARALLEL_MIN_BYTES = 48 << 20   # below this, forking workers costs more than it saves
SYSTEM_CACHE_MIN = 200          # chars: a system prompt this long is remembered once found clean (shorter: cheaper to rescan)
DUP_CHUNK = 1 << 16             # duplicate records held in memory (24 bytes each) before they go to a temp file
DUP_PART_ROWS = 1 << 15         # records per partition aimed at when duplicates are looked for
DUP_SPLIT_ROWS = 1 << 18        # a partition larger than this (row estimate far off) is split again in memory

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
_ALT = [(("user", "assistant") * 129)[:n] for n in range(257)]
_WS_DELETE = b" \t\n\r\x0b\x0c"
_LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
_ROLE = operator.itemgetter("role")
_CONTENT = operator.itemgetter("content")
# Role sequences the fast path takes: the ideal alternation, after an optional system message.
_FAST_ROLES = frozenset([_ALT[k] for k in range(2, 257, 2)] + [("system",) + _ALT[k] for k in range(0, 256, 2)])
# Bytes that are not candidates of the quality gate (deleted by translate: what is left is a candidate).
_GATE_DEL = bytes(c for c in range(256) if c not in R.GATE_BYTES)
# True when the text holds one of the gate's rare non-Latin-1 characters (a chain of `in`, built from the rules).
_has_wide: Callable[[str], bool] = eval("lambda s: " + " or ".join(f"{c!r} in s" for c in R.GATE_WIDE))  # noqa: S307
# The same test as `b.translate(None, _GATE_DEL)` made on a fast-path row's JSON line instead, with one memchr a
# byte (`int in bytes`), valid when the line has no \u, \b or \f escape: then every character of its contents
# is in the line as its own UTF-8 bytes, and the rest of the line ({"messages":[{"role":"user","content":...)
# holds none of these bytes. Left out: control bytes, which valid JSON never holds raw, and the structural
# '{' '[', which are looked for in the text.
_line_gate: Callable[[bytes], bool] = eval("lambda raw: " + " or ".join(  # noqa: S307
    f"{c} in raw" for c in R.GATE_BYTES if c >= 0x20 and c not in b"{["))
# `_has_wide` for a row whose JSON line holds every character of its texts as UTF-8 (no \u escape): the
# invisible characters of U+2000..U+2FFF (8 of them) all start with byte E2 in UTF-8, so they are only
# looked for in the text when that byte is in the line (one memchr). The others start with bytes that
# CJK text is full of (EF: full-width punctuation; E5, E7, E9: ideographs), so they are looked for directly.
_WIDE_E2 = [c for c in R.GATE_WIDE if c.encode()[0] == 0xE2]
_line_wide: Callable[[bytes, str], bool] = eval(  # noqa: S307
    f"lambda raw, s: (0xE2 in raw and ({' or '.join(f'{c!r} in s' for c in _WIDE_E2)})) or "
    + " or ".join(f"{c!r} in s" for c in R.GATE_WIDE if c not in _WIDE_E2))
try:  # xxh3: ~10x faster than hash() on long bytes; same use (a 64-bit key within one run)
    from xxhash import xxh3_64_intdigest as _h64
except ImportError:  # pragma: no cover - xxhash comes with datasets
    _h64 = hash


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
# duplicate records in bounded memory

class _DupStore:
    """One record per example, (hash of its normalised text, exact key, line), for duplicates and overlap.

    Records go to 2**bits partitions by the hash's low bits. At most DUP_CHUNK records are held in
    memory; then they are appended to one temp file per partition. Looking for duplicates loads one
    partition at a time, so memory stays near DUP_CHUNK + one partition whatever the file size. The
    exact key is the byte offset of the row's line (JSONL: the bytes are compared at the end) or a
    hash of the row (other layouts). Picklable: a forked worker sends its store back.
    """

    def __init__(self, bits: int = 0, by_offset: bool = False, tmp_base: str | None = None) -> None:
        self.bits = bits
        self.mask = (1 << bits) - 1
        self.by_offset = by_offset
        self.tmp_base = tmp_base
        # Per partition, records flattened: h0, key0, line0, h1, key1, line1, ...
        self.parts = [array("q") for _ in range(1 << bits)]
        self.held = 0
        self.dir: str | None = None

    def add(self, h: int, key: int, line: int) -> None:
        self.parts[h & self.mask].extend((h, key, line))
        self.held += 1
        if self.held >= DUP_CHUNK:
            self.spill()

    def spill(self) -> None:
        if self.dir is None:
            import tempfile
            self.dir = tempfile.mkdtemp(prefix="tunewiz-lint-", dir=self.tmp_base)
        for p, a in enumerate(self.parts):
            if a:
                with open(os.path.join(self.dir, f"{p}.bin"), "ab") as f:
                    a.tofile(f)
                del a[:]
        self.held = 0

    def partition(self, p: int) -> array:
        """Every record of partition p, in the order they were added."""
        out = array("q")
        if self.dir is not None:
            try:
                with open(os.path.join(self.dir, f"{p}.bin"), "rb") as f:
                    out.frombytes(f.read())
            except FileNotFoundError:
                pass
        out.extend(self.parts[p])
        return out

    def cleanup(self) -> None:
        if self.dir is not None:
            _rmtree(self.dir)
            self.dir = None


def _rmtree(path: str) -> None:
    import shutil
    shutil.rmtree(path, ignore_errors=True)


def _partition(stores: list[tuple[_DupStore, int]], p: int) -> tuple[array, array, array]:
    """(hashes, exact keys, lines) of partition p over consecutive stores, lines shifted by each store's offset."""
    hs, ks, ls = array("q"), array("q"), array("q")
    for store, offset in stores:
        a = store.partition(p)
        hs.extend(a[0::3])
        ks.extend(a[1::3])
        lines = a[2::3]
        ls.extend(array("q", [x + offset for x in lines]) if offset else lines)
    return hs, ks, ls


def _dup_bits(info: FileInfo) -> int:
    """Partition bits for the duplicate records of this file: about DUP_PART_ROWS records each (rows estimated)."""
    try:
        with open(info.path, "rb") as f:
            head = f.read(1 << 20)
    except OSError:
        return 0
    lines = head.count(b"\n") + 1
    rows = info.size * lines / max(1, len(head))
    bits = 0
    while rows > DUP_PART_ROWS << bits and bits < 10:
        bits += 1
    return bits


# ------------------------------------------------------------------------------------------------
# per-file scanning state (picklable: workers send it back to be merged)

class _Scan:
    def __init__(self, src: str, fmt: str, detected: bool, opts: LintOptions, dup_bits: int = 0,
                 by_offset: bool = False, tmp_base: str | None = None) -> None:
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
        self.dups = _DupStore(dup_bits, by_offset, tmp_base)
        # The stores of this scan and of the ranges merged into it, with their line offsets.
        self.dup_stores: list[tuple[_DupStore, int]] = [(self.dups, 0)]
        self.cur_off = 0  # byte offset of the current JSONL line (the exact key when by_offset)
        self.tmp_dirs: list[str] = []  # temp folders of merged workers, removed by cleanup()
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

    def cleanup(self) -> None:
        """Removes the temp files of the duplicate records (of this scan and of the ranges merged into it)."""
        for store, _ in self.dup_stores:
            store.cleanup()
        for d in self.tmp_dirs:
            _rmtree(d)
        self.tmp_dirs = []

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
        """The common case, checked with a few C-level operations; False = let the full path decide.
        (`_scan_jsonl_range` has the same steps written out inline: keep the two in step.)"""
        msgs = obj.get("messages")
        if type(msgs) is not list or not msgs or len(obj) != 1 or len(msgs) > 256:
            return False
        try:
            roles = tuple(map(_ROLE, msgs))
            contents = list(map(_CONTENT, msgs))
            # Every message has role and content, so equal sums mean no message has other keys.
            if sum(map(len, msgs)) != 2 * len(msgs) or roles not in _FAST_ROLES:
                return False  # other keys, an unusual order or a role outside system/user/assistant: full checks
            blob = "\n".join(contents)  # TypeError unless every content is a string
        except (KeyError, TypeError):
            return False
        if not all(map(str.strip, contents)):
            return False  # an empty turn: the full path names it
        if min(map(len, contents)) < 12 and any(R.ELLIPSIS_ONLY.match(c) for c in contents if len(c) < 12):
            return False
        self.fast_rows += 1
        self.examples += 1
        self.formats["openai"] += 1
        self.turns[len(msgs)] += 1
        b = blob.encode("utf-8", "surrogatepass")
        if _gate_hit(blob, b, raw):
            self._quality(n, blob, raw, obj)
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
        # Normalised: roles + text, lower-cased (ASCII), all ASCII whitespace removed; Python's 64-bit
        # hash is enough within one run (collisions ~1e-8 at a million rows). Exact: the line's offset
        # (its bytes are compared at the end) or, without a line in a file, a hash of the row's bytes.
        d = self.dups
        d.add(hash((tuple(roles), _h64(blob_bytes.translate(_LOWER, _WS_DELETE)))),
              self.cur_off if d.by_offset else hash(raw if raw is not None else orjson.dumps(obj)), n)

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


def _gate_hit(blob: str, b: bytes, raw: bytes | None) -> bool:
    """A cheap superset test of `_gate` for a fast-path row (blob: its texts joined by newlines, b: blob in
    UTF-8, raw: its JSON line or None): False means `_gate(blob)` is empty. (`_scan_jsonl_range` has the
    same test written out inline.)"""
    if raw is not None and not (92 in raw and (b"\\u" in raw or b"\\b" in raw or b"\\f" in raw)):
        hit = (_line_gate(raw) or "{" in blob or "[" in blob or (45 in raw and "sk-" in blob)
               or (not blob.isascii() and _line_wide(raw, blob)))
    else:
        hit = b.translate(None, _GATE_DEL) or "sk-" in blob or (not blob.isascii() and _has_wide(blob))
    return bool(hit or "orem ipsum" in blob or R.GATE_DIGITS_MOBILE.search(blob)
                or ("20" in blob and R.GATE_DIGITS_ID20.search(blob)) or ("(" in blob and R.GATE_US_PHONE.search(blob)))


def _text_gate_hit(text: str) -> bool:
    """`_gate_hit` for one text on its own (no JSON line): False means `_gate(text)` is empty."""
    return _gate_hit(text, text.encode("utf-8", "surrogatepass"), None)


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
    """Scans JSONL lines whose first byte lies in [start, end); line numbers are relative to `start`.

    This is the linter's hot loop. Plain chat rows of an OpenAI file are checked right here: the
    steps of `_Scan._fast_openai` written out with local names (keep the two in step); every other
    row goes through `_Scan`. Temp files of the scan are removed if it ends with an exception."""
    try:
        return _scan_jsonl_lines(path, start, end, bom, scan, tick)
    except BaseException:
        scan.dups.cleanup()
        raise


def _scan_jsonl_lines(path: str, start: int, end: int, bom: bool, scan: _Scan, tick: Tick | None) -> _Scan:
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    fast = scan.fmt == "openai"
    store = scan.dups
    dparts, dmask, dheld = store.parts, store.mask, store.held
    tokens, turns = scan.tokens, scan.turns
    tokens_get, turns_get = tokens.get, turns.get
    fast_roles, role_of, content_of = _FAST_ROLES, _ROLE, _CONTENT
    ellipsis = R.ELLIPSIS_ONLY.match
    gate_del, has_wide, line_gate, line_wide, gate, h64 = _GATE_DEL, _has_wide, _line_gate, _line_wide, _gate, _h64
    mobile, id20, us_phone = R.GATE_DIGITS_MOBILE.search, R.GATE_DIGITS_ID20.search, R.GATE_US_PHONE.search
    lower, ws = _LOWER, _WS_DELETE
    strip, isdict, islist = str.strip, dict, list
    columns, tags = scan.opts.columns, scan.opts.tags
    clean_sys: dict[str, bool] = {}  # system prompts seen lately -> no gate test can fire on them
    rows = fast_rows = 0
    max_line = scan.max_line
    pos = start
    n = 0
    with open(path, "rb", buffering=1 << 20) as f:
        f.seek(start)
        for raw in f:
            if pos >= end:
                break
            off = pos
            pos += len(raw)
            n += 1
            if tick is not None and not n & TICK_EVERY:
                tick("scan", pos - start, end - start)
            if n == 1 and start == 0 and bom and raw.startswith(BOM):
                raw = raw[3:]
                off += 3
            size = len(raw)
            if size > max_line:
                max_line = scan.max_line = size
                scan.max_line_at = n
            body = raw.strip()
            if not body:
                scan.blank_line(n)
                continue
            rows += 1
            try:
                obj = loads(body)
            except decode_error as e:
                if not raw.endswith(b"\n") and pos >= os.path.getsize(path):
                    scan.add("truncated-last-line", n, None, "the last line is cut off (no closing brace / newline): "
                             "the file was not completely written or copied. Re-export it, or drop this line.")
                else:
                    scan.problem(line_problem(scan.src, n, body, e))
                continue
            if fast and type(obj) is isdict and len(obj) == 1:
                msgs = obj.get("messages")
                nm = len(msgs) if type(msgs) is islist else 0
                if 0 < nm <= 256:
                    try:
                        roles = tuple(map(role_of, msgs))
                        contents = list(map(content_of, msgs))
                        # Every message has role and content, so equal sums mean no message has other keys.
                        ok = sum(map(len, msgs)) == 2 * nm and roles in fast_roles
                        blob = "\n".join(contents) if ok else ""  # TypeError unless every content is a string
                    except (KeyError, TypeError):
                        ok = False
                    # No empty turn, no short "……" turn: the shortest stripped text decides (0: an empty turn;
                    # under 12 chars: look closer, as _fast_openai does).
                    if ok and ((shortest := min(map(len, map(strip, contents)))) >= 12 or shortest and not any(
                            ellipsis(c) for c in contents if len(c) < 12)):
                        fast_rows += 1
                        turns[nm] = turns_get(nm, 0) + 1
                        b = blob.encode("utf-8", "surrogatepass")
                        # _gate_hit(blob, b, body), written out. A system prompt already found clean (they
                        # repeat row after row) is left out of the text tests: no test can match across
                        # the newline after it.
                        rest = blob
                        if roles[0] == "system" and len(contents[0]) >= SYSTEM_CACHE_MIN:
                            sys_text = contents[0]
                            clean = clean_sys.get(sys_text)
                            if clean is None:
                                if len(clean_sys) >= 256:
                                    clean_sys.clear()
                                clean = clean_sys[sys_text] = not _text_gate_hit(sys_text)
                            if clean:
                                rest = blob[len(sys_text) + 1:]
                        if 92 in body and (b"\\u" in body or b"\\b" in body or b"\\f" in body):
                            hit = b.translate(None, gate_del) or "sk-" in rest or (not rest.isascii() and has_wide(rest))
                        else:
                            hit = (line_gate(body) or "{" in rest or "[" in rest or (45 in body and "sk-" in rest)
                                   or (not rest.isascii() and line_wide(body, rest)))
                        if (hit or "orem ipsum" in rest or mobile(rest)
                                or ("20" in rest and id20(rest)) or ("(" in rest and us_phone(rest))):
                            wanted = gate(blob)
                            if wanted:
                                for fld, text in content_fields(obj, "openai", columns, tags):
                                    for code, message in quality_issues(text, wanted):
                                        scan.add(code, n, fld, message)
                        nb, nc = len(b), len(blob)
                        non_ascii = (nb - nc) / 2
                        v = int(non_ascii + (nc - non_ascii) / 3.5) + 4 * nm + 1
                        tokens[v] = tokens_get(v, 0) + 1
                        last = contents[-1]
                        if len(last) <= 12 and estimate_text(last.strip()) <= SHORT_ANSWER_TOKENS:
                            scan.short += 1
                            if len(scan.short_first) < 5:
                                scan.short_first.append(n)
                        h = hash((roles, h64(b.translate(lower, ws))))
                        dparts[h & dmask].extend((h, off, n))
                        dheld += 1
                        if dheld >= DUP_CHUNK:
                            store.held = dheld
                            store.spill()
                            dheld = 0
                        continue
            # Anything else: the full checks (which add their duplicate record through the store).
            store.held = dheld
            scan.cur_off = off
            scan._generic(n, body, obj)
            dheld = store.held
    store.held = dheld
    scan.rows += rows
    if fast_rows:
        scan.fast_rows += fast_rows
        scan.examples += fast_rows
        scan.answers += fast_rows
        scan.formats["openai"] += fast_rows
    scan.last_line = n
    return scan


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
        out.dup_stores.extend((store, o + offset) for store, o in s.dup_stores)
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


def _usable_cpus() -> int:
    """CPUs this process may run on: its affinity, capped by a cgroup CPU quota (containers)."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    try:
        with open("/sys/fs/cgroup/cpu.max") as f:
            quota, period = f.read().split()[:2]
        if quota != "max":
            n = min(n, max(1, -(-int(quota) // int(period))))
    except (OSError, ValueError):
        pass
    return n


def _plan_workers(opts: LintOptions, size: int, tick: Tick | None) -> int:
    """How many processes scan a JSONL file of `size` bytes (1: this one alone).

    Automatic (opts.workers None), for a file of at least opts.parallel_min_bytes: one process per
    CPU that looks idle (usable CPUs minus the 1-minute load average, plus this one; at most 8), and
    only when forking is safe: no other thread in this process (a fork copies locks held by other
    threads). Measured on a shared 2-CPU box: with a CPU idle, two processes nearly halve the wall
    time; with the CPUs busy they gain nothing (the kernel shares CPU time between sessions, not
    processes) and cost 3-20% more CPU. With a progress callback the scan stays in this process
    (forked workers cannot report back)."""
    if tick is not None or size < opts.parallel_min_bytes or not hasattr(os, "fork"):
        return 1
    if opts.workers is not None:
        return max(1, opts.workers)
    if threading.active_count() > 1:
        return 1
    cpus = _usable_cpus()
    try:
        busy = os.getloadavg()[0]
    except (AttributeError, OSError):
        busy = 0.0
    return max(1, min(8, cpus, int(cpus - busy + 1.5)))


def _scan_forked(path: str, bom: bool, ranges: list[tuple[int, int]], new_scan: Callable[[], _Scan]) -> list[_Scan]:
    """Scans ranges[0] here and every other range in a forked child, which sends its pickled scan
    back through a pipe. A range whose child cannot be started or fails is scanned here: same result.
    (Temp files of the scans live under the caller's folder, which it removes on an exception.)"""
    import pickle
    children: list[tuple[int, int, int, int]] = []
    here: list[tuple[int, int]] = []  # ranges this process scans after all (no pipe or fork available)
    try:
        for a, b in ranges[1:]:
            try:
                r, w = os.pipe()
            except OSError:
                here.append((a, b))
                continue
            try:
                pid = os.fork()
            except OSError:  # no room for another process: this one scans the range
                os.close(r)
                os.close(w)
                here.append((a, b))
                continue
            if pid == 0:  # the child: never returns, never runs the parent's cleanup
                code = 1
                try:
                    os.close(r)
                    scan = new_scan()
                    data = pickle.dumps(_scan_jsonl_range(path, a, b, bom, scan), pickle.HIGHEST_PROTOCOL)
                    with os.fdopen(w, "wb") as fw:
                        fw.write(data)
                    code = 0
                except BaseException:  # noqa: BLE001 - reported by the exit code; the parent redoes the range
                    pass
                finally:
                    os._exit(code)
            os.close(w)
            children.append((pid, r, a, b))
        parts = {ranges[0]: _scan_jsonl_range(path, ranges[0][0], ranges[0][1], bom, new_scan())}
        while children:
            pid, r, a, b = children[0]
            with os.fdopen(r, "rb") as fr:
                data = fr.read()
            children.pop(0)
            try:
                status = os.waitpid(pid, 0)[1]
            except ChildProcessError:  # already reaped (SIGCHLD ignored): the data tells
                status = 0
            part = None
            if status == 0 and data:
                try:
                    part = pickle.loads(data)
                except Exception:  # noqa: BLE001
                    part = None
            parts[(a, b)] = part if part is not None else _scan_jsonl_range(path, a, b, bom, new_scan())
        for a, b in here:
            parts[(a, b)] = _scan_jsonl_range(path, a, b, bom, new_scan())
        return [parts[rg] for rg in ranges]
    finally:
        for pid, r, _, _ in children:  # only after an exception here: stop and reap the children
            try:
                os.kill(pid, 15)
            except OSError:
                pass
            try:
                os.close(r)
            except OSError:
                pass
            try:
                os.waitpid(pid, 0)
            except OSError:
                pass


def _scan_file(info: FileInfo, fmt: str, detected: bool, opts: LintOptions, src: str, tick: Tick | None = None,
               dup_bits: int | None = None) -> _Scan:
    """Scans a whole file. `dup_bits`: partition bits of the duplicate records (default: from the size;
    an eval file gets the training file's, so that their partitions match)."""
    path = str(info.path)
    bits = _dup_bits(info) if dup_bits is None else dup_bits
    if info.layout == "jsonl":
        workers = _plan_workers(opts, info.size, tick)
        if workers > 1:
            ranges = _split(path, info.size, workers)
            if len(ranges) > 1:
                import tempfile
                base = tempfile.mkdtemp(prefix="tunewiz-lint-")
                try:
                    parts = _scan_forked(path, info.bom, ranges,
                                         lambda: _Scan(src, fmt, detected, opts, bits, by_offset=True, tmp_base=base))
                except BaseException:
                    _rmtree(base)
                    raise
                scan = _merge(parts)
                scan.tmp_dirs.append(base)
                return scan
        return _scan_jsonl_range(path, 0, info.size, info.bom, _Scan(src, fmt, detected, opts, bits, by_offset=True), tick)
    scan = _Scan(src, fmt, detected, opts, bits)
    try:
        total_lines = _count_lines(path) if tick is not None else 0
        for n, rec in iter_records_of(info):
            raw = None if isinstance(rec, (Problem, str)) else orjson.dumps(rec)
            scan.record(n, raw, rec)
            scan.last_line = n
            if tick is not None and not scan.rows & TICK_EVERY:
                tick("scan", n, total_lines)
    except BaseException:
        scan.cleanup()
        raise
    return scan


# ------------------------------------------------------------------------------------------------
# duplicates and train/eval overlap, one hash partition at a time

class _LineBytes:
    """The stripped bytes of a JSONL line, by offset: decides exactness when two rows' texts match."""

    def __init__(self, path: str) -> None:
        self.f = open(path, "rb")
        self.cache: dict[int, bytes] = {}

    def at(self, off: int) -> bytes:
        body = self.cache.get(off)
        if body is None:
            if len(self.cache) >= 256:
                self.cache.clear()
            self.f.seek(off)
            body = self.cache[off] = self.f.readline().strip()
        return body

    def close(self) -> None:
        self.f.close()


def _dup_pairs(hs: array, shift: int) -> Iterator[tuple[int, int]]:
    """(index, index of the first record with the same hash) for every later record, by partition."""
    if len(hs) > DUP_SPLIT_ROWS and shift < 60:
        # Far more records than planned (the row estimate was off): split by the next hash bits.
        subs: list[tuple[array, array]] = [(array("q"), array("q")) for _ in range(16)]
        for i, h in enumerate(hs):
            sh, si = subs[(h >> shift) & 15]
            sh.append(h)
            si.append(i)
        for sh, si in subs:
            yield from ((si[i], si[j]) for i, j in _dup_pairs(sh, shift + 4))
        return
    first: dict[int, int] = {}
    setdefault = first.setdefault
    for i, h in enumerate(hs):
        j = setdefault(h, i)
        if j != i:
            yield i, j


def _duplicates(scan: _Scan, path: str) -> list[tuple[int, int, bool]]:
    """(line, line of first copy, exact?) for every later copy, sorted."""
    out: list[tuple[int, int, bool]] = []
    store = scan.dups
    lines_of = _LineBytes(path) if store.by_offset else None
    try:
        for p in range(1 << store.bits):
            hs, ks, ls = _partition(scan.dup_stores, p)
            if len(hs) < 2:
                continue
            for i, j in _dup_pairs(hs, store.bits):
                if lines_of is None:
                    exact = ks[i] == ks[j]
                else:
                    exact = lines_of.at(ks[i]) == lines_of.at(ks[j])
                out.append((ls[i], ls[j], exact))
    finally:
        if lines_of is not None:
            lines_of.close()
    out.sort()
    return out


def _overlap_pairs(scan: _Scan, escan: _Scan) -> list[tuple[int, int]]:
    """(training line, first eval line with the same normalised text) for every training row also in the eval file."""
    hits: list[tuple[int, int]] = []
    for p in range(1 << scan.dups.bits):
        eh, _, el = _partition(escan.dup_stores, p)
        if not eh:
            continue
        first_eval: dict[int, int] = {}
        for h, line in zip(eh, el):
            first_eval.setdefault(h, line)
        del eh, el
        th, _, tl = _partition(scan.dup_stores, p)
        get = first_eval.get
        for h, line in zip(th, tl):
            e = get(h)
            if e is not None:
                hits.append((line, e))
    hits.sort()
    return hits


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
        fmt = detect_from_info(info) if detected else opts.format
        if fmt not in FORMAT_HELP:
            raise DatasetError(f"unknown format {opts.format!r}; use one of auto, {', '.join(FORMAT_HELP)}.", code="unknown-format")
    except DatasetError as e:
        fatal = Finding(e.code if e.code in R.CODES else "file-unreadable", R.ERROR, None, None, e.message)
        return LintReport(file=src, format=None, rows=0, findings=[fatal], stats={}, fatal=fatal,
                          counts=Counter({fatal.code: 1}), severities=Counter({R.ERROR: 1}))
    say(f"scanning {src} ({info.size / 1e6:.1f} MB, {fmt}, {info.layout})")
    scan = _scan_file(info, fmt, detected, opts, src, tick)
    scan_seconds = time.perf_counter() - t0
    # Duplicate pairs (and the eval file's overlap) now, while the records' temp files exist; the
    # findings are added below, in their usual place.
    try:
        dups = _duplicates(scan, str(info.path))
        ev = _eval_overlap(scan, opts) if opts.eval_path else None
    finally:
        scan.cleanup()

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
        eval_stats = _overlap(scan, opts, ev, reject)

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


def _eval_overlap(scan: _Scan, opts: LintOptions) -> tuple[_Scan | None, str | None, list[tuple[int, int]], str | None]:
    """Scans the eval file: (its scan, its format, (training line, first eval line) overlap pairs, why it is unreadable)."""
    eopts = LintOptions(format="auto", target=opts.target, columns=opts.columns, tags=opts.tags, workers=opts.workers,
                        max_per_code=opts.max_per_code)
    try:
        einfo = sniff(opts.eval_path)
        efmt = detect_from_info(einfo)
    except DatasetError as e:
        return None, None, [], e.message
    escan = _scan_file(einfo, efmt, True, eopts, str(opts.eval_path), dup_bits=scan.dups.bits)
    try:
        hits = _overlap_pairs(scan, escan)
    finally:
        escan.cleanup()
    return escan, efmt, hits, None


def _overlap(scan: _Scan, opts: LintOptions, ev: tuple, reject: dict[int, list[tuple[str, str]]]) -> dict[str, Any]:
    """Marks training rows whose normalised text is also in the eval file."""
    escan, efmt, hits, unreadable = ev
    if escan is None:
        scan.add("eval-problems", None, None, f"the eval file cannot be read: {unreadable}", severity=R.ERROR)
        return {"file": opts.eval_path, "rows": 0, "overlap": 0}
    n = 0
    for line, first_eval in hits:
        n += 1
        msg = (f"also in the eval file {opts.eval_path} (line {first_eval}); a row in both makes the "
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
