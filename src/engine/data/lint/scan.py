"""The scan: one streaming pass over a file's rows, counting everything the report needs.

`Scan` holds what a pass learns (findings kept and counted, error lines, duplicate records, the
counts behind the statistics); `merge` joins the scans of consecutive byte ranges. Its `record`
checks one parsed row: plain OpenAI chat rows take `_fast_openai` (shape and order checked with a
few C-level operations), anything else the full reader (`formats.parse_row`, the reference
semantics). `scan_jsonl_range` is the linter's hot loop over JSONL lines: it has the steps of
`_fast_openai` written out inline with local names, so keep the two in step (tests/test_lint_speed.py
checks that they agree). Quality rules: one Hyperscan scan of a row's joined texts (`quality.scan_ids`);
only a row it names a rule in has its fields scanned and checked (`quality.field_issues`).
"""
from __future__ import annotations

import operator
import os
from array import array
from collections import Counter
from typing import Any

import orjson

from .. import rules as R
from ..canonical import Example, Problem
from ..formats import detect_record_format, parse_row
from ..jsonsafe import WRITE_DEPTH, unwritable
from ..parts import is_v1_row, msg
from ..records import BOM, line_problem
from ..stats import estimate_text
from . import dupes, quality
from .dupes import LOWER, SIGNED, WS_DELETE, DupStore, h64, rmtree
from .fast_rows import SimpleRow, read_simple_row, row_order_findings
from .model import Finding, LintOptions, Tick
from .quality import LazyMessage, issues_at, scan_ids
from .rows import KNOWN_TOP_KEYS, content_fields, openai_key_findings, order_findings
from .shapes import shape_findings, tool_findings

TICK_EVERY = 1023               # lines between two progress ticks (a mask: n & TICK_EVERY == 0)
SHORT_ANSWER_TOKENS = 3         # an answer this short is a label: a classifier fits better

# The ideal role sequence (after an optional system message) for n turns.
ALTERNATION = [(("user", "assistant") * 129)[:n] for n in range(257)]
ROLE = operator.itemgetter("role")
CONTENT = operator.itemgetter("content")
# Role sequences the fast path takes: the ideal alternation, after an optional system message. One per length
# (even: user first; odd: system first), so a row's roles are compared with FAST_ROLES[len], and the row's duplicate
# key hashes that tuple, whose strings' hashes are cached (a row's own role strings are new, each hashed anew).
FAST_ROLES: list[tuple[str, ...] | None] = [None] + [
    ALTERNATION[n] if n % 2 == 0 else ("system",) + ALTERNATION[n - 1] for n in range(1, 257)]


class Scan:
    """Everything one scan learns about a file (or a byte range of it): findings kept and counted, the
    lines of error rows, duplicate records, and the counts behind the statistics. Picklable: a forked
    worker sends its scan back, and `merge` joins them."""

    def __init__(self, src: str, fmt: str, detected: bool, opts: LintOptions, dup_bits: int = 0,
                 tmp_base: str | None = None) -> None:
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
        self.dups = DupStore(dup_bits, tmp_base)
        # The stores of this scan and of the ranges merged into it, with their line offsets.
        self.dup_stores: list[tuple[DupStore, int]] = [(self.dups, 0)]
        self.cur_occ = 0  # place of the current record among those starting on its line (arrays: several)
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
        # Today's shapes (lint/shapes.py): rows with a reasoning trace, rows with only empty ones (Qwen3's
        # no-thinking form: deliberate), rows whose media is dropped, and the first lines of each.
        # (Fast-path rows are plain role/content chats: no reasoning, no media.)
        self.reasoning_rows = 0
        self.reasoning_first: list[int] = []
        self.reasoning_empty_rows = 0
        self.no_reasoning_first: list[int] = []
        self.media_rows = 0
        self.media_kinds: Counter = Counter()
        self.media_first: list[tuple[int, str]] = []
        self.v1_rows = 0  # rows in LLaMA-Factory v1's shape, read by the openai reader

    def cleanup(self) -> None:
        """Removes the temp files of the duplicate records (of this scan and of the ranges merged into it)."""
        for store, _ in self.dup_stores:
            store.cleanup()
        for d in self.tmp_dirs:
            rmtree(d)
        self.tmp_dirs = []

    # -- findings
    def severity_of(self, code: str) -> str:
        """A finding's severity, unless `add` is given one: the code's, stricter for --target openai."""
        if self.openai and code in R.OPENAI_SEVERITY:
            return R.OPENAI_SEVERITY[code]
        return R.CODES[code][0]

    def count_unkept(self, code: str, n: int) -> None:
        """`n` more findings of `code` (not errors) that the report only counts: `add` would keep none of them."""
        assert self.kept_per_code[code] >= self.cap or not n
        self.counts[code] += n
        self.sev[self.severity_of(code)] += n

    def add(self, code: str, line: int | None, fld: str | None, message: Any, severity: str | None = None) -> None:
        """One finding; `message` is an EngineMessage (engine/messages.py), a LazyMessage (made only if the finding
        is kept) or, where none exists yet, English."""
        sev = severity or R.CODES[code][0]   # (severity_of, written out: once per finding)
        if self.openai and code in R.OPENAI_SEVERITY and severity is None:
            sev = R.OPENAI_SEVERITY[code]
        self.counts[code] += 1
        self.sev[sev] += 1
        if sev == R.ERROR and line is not None and self.opts.track_rows:
            if not self.error_lines or self.error_lines[-1] != line:
                self.error_lines.append(line)
        if self.kept_per_code[code] < self.cap:
            self.kept_per_code[code] += 1
            self.kept.append(Finding.of(code, sev, line, fld, message.make() if type(message) is LazyMessage else message))

    def problem(self, p: Problem) -> None:
        self.add(p.code or "json-invalid", p.line, p.field, p.engine_message())

    def unreadable(self, p: Problem) -> None:
        """A record that could not be read at all: always an error (--fix rejects it)."""
        self.add(p.code or "json-invalid", p.line, p.field, p.engine_message(), R.ERROR)

    # -- rows
    def blank_line(self, n: int) -> None:
        self.blank += 1
        if len(self.blank_first) < 5:
            self.blank_first.append(n)

    def record(self, n: int, raw: bytes | None, obj: Any) -> None:
        """One parsed record (raw: its JSONL bytes, or its orjson.dumps; None for a text row or a row that
        orjson cannot write)."""
        self.rows += 1
        if isinstance(obj, Problem):
            self.unreadable(obj)
            return
        if raw is None and self._unwritable(n, obj):
            return
        if self.fmt == "openai" and type(obj) is dict and self._fast_openai(n, raw, obj):
            return
        self._generic(n, raw, obj)

    def _unwritable(self, n: int, obj: Any) -> bool:
        """A row holding a value no writer can hold (Python's json, which reads arrays, accepts lone
        surrogates, integers beyond 64 bits and deeper nesting than orjson writes) is an error, so that
        --fix rejects what lint reports. `raw` None: the caller's orjson.dumps failed, or a text row."""
        bad = unwritable(obj)
        if bad is None:
            return False
        self.add(bad[0], n, bad[1], bad[2], R.ERROR)
        return True

    def _fast_openai(self, n: int, raw: bytes | None, obj: dict) -> bool:
        """The common case, checked with a few C-level operations; False = let the full path decide.
        (`scan_jsonl_range` has the same steps written out inline: keep the two in step.)"""
        msgs = obj.get("messages")
        if type(msgs) is not list or not msgs or len(obj) != 1 or len(msgs) > 256:
            return False
        try:
            roles = tuple(map(ROLE, msgs))
            contents = list(map(CONTENT, msgs))
            # Every message has role and content, so equal sums mean no message has other keys.
            if sum(map(len, msgs)) != 2 * len(msgs) or roles != FAST_ROLES[len(msgs)]:
                return False  # other keys, an unusual order or a role outside system/user/assistant: full checks
            blob = "\n".join(contents)  # TypeError unless every content is a string
        except (KeyError, TypeError):
            return False
        if not all(map(str.strip, contents)):
            return False  # an empty turn: the full path names it
        if "think>" in blob:
            return False  # a reasoning trace inside the content: the full path reads and checks it
        if min(map(len, contents)) < 12 and any(R.ELLIPSIS_ONLY.match(c) for c in contents if len(c) < 12):
            return False
        self.fast_rows += 1
        self.examples += 1
        self.formats["openai"] += 1
        self.turns[len(msgs)] += 1
        b = blob.encode("utf-8", "surrogatepass")
        self._quality(n, blob, raw, obj, b=b)
        nb, nc = len(b), len(blob)
        non_ascii = (nb - nc) / 2
        self.tokens[int(non_ascii + (nc - non_ascii) / 3.5) + 4 * len(msgs) + 1] += 1
        self._answer(n, contents[-1])
        self._hashes(n, raw, obj, b, roles)
        return True

    def _generic(self, n: int, raw: bytes | None, obj: Any) -> None:
        """Full checks through the reader: structure, order, quality, counts."""
        # Tool-call rows and others of one simple shape: a fast reader builds the same Example and fields, and
        # such a row has no key _keys reports, no v1 parts and no media (fast_rows.py).
        simple = read_simple_row(obj, self.src, n) if self.fmt == "openai" and type(obj) is dict else None
        if simple is not None and self._simple(n, raw, obj, simple):
            return
        # A JSONL row (read by orjson) nested deeper than orjson writes: see `record`. Being too deep
        # takes as many brackets as levels, so the check counts them for a row that long (one pass: the bytes
        # left when they are deleted).
        if raw is not None and len(raw) > 2 * WRITE_DEPTH and len(raw) - len(raw.translate(None, b"[{")) >= WRITE_DEPTH \
                and self._unwritable(n, obj):
            return
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
            for code, fld, message in shape_findings(self.fmt, obj, ex, fields, self.opts.columns, self.opts.tags):
                self.add(code, n, fld, message)
            self._shapes(n, obj, ex)
            est = sum(estimate_text(m.content) + (estimate_text(m.reasoning) if m.reasoning else 0)
                      for m in ex.messages) + 4 * len(ex.messages) + 1
            calls = [c for m in ex.messages if m.tool_calls for c in m.tool_calls]
            if calls:
                est += len(orjson.dumps(calls)) / 3.5
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
        b = blob.encode("utf-8", "surrogatepass")
        self._quality(n, blob, raw, obj, fields, b)
        self._hashes(n, raw, obj, b, roles)

    def _simple(self, n: int, raw: bytes | None, obj: dict, row: SimpleRow) -> bool:
        """`_generic` for a row read by `fast_rows.read_simple_row`: the same checks and counts, from what that
        reader learned in its pass (turn shape, estimates, calls, last answer, roles). False (nothing counted):
        the row is for the full path after all."""
        # Too deep for orjson to write (`_generic`'s check, bounded more cheaply): only the calls and the tools
        # can nest, and the token estimate writes both anyway. A row is at most 3 levels above its calls' list
        # and 1 above its tools, and each level is a bracket of theirs; a tool list recurs from row to row.
        tools = obj.get("tools")
        try:
            calls_json = orjson.dumps(row.calls) if row.calls else b""
            tools_json = row.tools_json if row.tools_json is not None else orjson.dumps(tools) if tools else b""
        except orjson.JSONEncodeError:  # nested deeper than orjson writes
            return self._unwritable(n, obj)
        if raw is not None and max(3 + _brackets(calls_json), 1 + _tool_brackets(tools_json)) >= WRITE_DEPTH \
                and self._unwritable(n, obj):
            return True
        fields = row.fields
        self.formats["openai"] += 1
        self.examples += 1
        nm = len(row.roles)
        self.turns[nm] += 1
        for code, fld, message in row_order_findings(row):
            self.add(code, n, fld, message)
        # (shape_findings' other checks look for think tags, which such a row's texts lack)
        if not row.tools_clean:
            for code, fld, message in tool_findings("openai", obj, row.ex, self.opts.columns, self.opts.tags):
                self.add(code, n, fld, message)
        if len(self.no_reasoning_first) < 5:  # no reasoning, no media, not v1 (fast_rows.py)
            self.no_reasoning_first.append(n)
        est = row.estimate + 4 * nm + 1
        if calls_json:
            est += len(calls_json) / 3.5
        if tools_json:
            est += len(tools_json) / 3.5
        if row.answer is not None:
            self._answer(n, row.answer)
        self.tokens[int(est)] += 1
        b = b"\n".join(row.field_bytes)   # (= the fields' texts joined by "\n", encoded)
        self._quality(n, "", raw, obj, fields, b)
        self._hashes(n, raw, obj, b, row.roles)
        return True

    def _shapes(self, n: int, obj: Any, ex: Example) -> None:
        """Counts the row's reasoning traces and media for the file-wide findings (and LLaMA-Factory v1 rows)."""
        if self.fmt == "openai" and is_v1_row(obj):
            self.v1_rows += 1
        said = [m.reasoning for m in ex.messages or () if m.role == "assistant" and m.reasoning is not None]
        if any(said):
            self.reasoning_rows += 1
            if len(self.reasoning_first) < 5:
                self.reasoning_first.append(n)
        elif said:
            self.reasoning_empty_rows += 1
        elif len(self.no_reasoning_first) < 5:
            self.no_reasoning_first.append(n)
        if ex.media:
            self.media_rows += 1
            self.media_kinds.update(kind for _, kind in ex.media)
            if len(self.media_first) < 5:
                self.media_first.append((n, ex.media[0][0]))

    def _answer(self, n: int, text: str) -> None:
        self.answers += 1
        if len(text) <= 12 and estimate_text(text.strip()) <= SHORT_ANSWER_TOKENS:
            self.short += 1
            if len(self.short_first) < 5:
                self.short_first.append(n)

    def _hashes(self, n: int, raw: bytes | None, obj: Any, blob_bytes: bytes, roles: tuple | list) -> None:
        # Normalised: roles + text, lower-cased (ASCII), all ASCII whitespace removed. Exact: the row's bytes (a
        # JSONL line stripped; else the row as orjson writes it). Both are 64-bit hashes, enough within one run
        # (a false match ~1e-8 at a million rows).
        self.dups.add(hash((tuple(roles), h64(blob_bytes.translate(LOWER, WS_DELETE)))),
                      h64(raw if raw is not None else orjson.dumps(obj)) - SIGNED, n | self.cur_occ << 32)

    def _keys(self, n: int, obj: dict) -> None:
        if self.openai:
            for fld, message in openai_key_findings(obj):
                self.add("openai-unsupported-key", n, fld, message)
            return
        known = KNOWN_TOP_KEYS.get(self.fmt, frozenset())
        if self.opts.columns:
            known = known | frozenset(self.opts.columns.values())
        for k in obj:
            if k not in known and (k in self.ignored or len(self.ignored) < 50):
                self.ignored[k] += 1

    # -- order and content of a conversation
    def _order(self, n: int, obj: Any, ex: Example) -> None:
        for code, fld, message in order_findings(self.fmt, obj, ex, self.opts.columns, self.opts.tags):
            self.add(code, n, fld, message)

    # -- quality
    def _quality(self, n: int, blob: str, raw: bytes | None, obj: Any,
                 fields: list[tuple[str | None, str]] | None = None, b: bytes | None = None) -> None:
        """The quality findings of a row: one scan of its fields' texts joined by newlines (without `fields`, a
        fast-path row: blob is its contents joined), b that in UTF-8 when known, then the exact patterns where
        the scan points."""
        if b is None:
            b = ("\n".join(t for _, t in fields) if fields is not None else blob).encode("utf-8", "surrogatepass")
        hits = scan_ids(b)
        if not hits:
            return
        if fields is None:
            fields = content_fields(obj, self.fmt, self.opts.columns, self.opts.tags)
        texts = [t for _, t in fields]
        for k, code, message in issues_at(texts, hits, lazy=True):
            self.add(code, n, fields[k][0], message)


def _brackets(json_bytes: bytes) -> int:
    """The "[" and "{" in written JSON: at least as many as its levels of nesting."""
    return len(json_bytes) - len(json_bytes.translate(None, b"[{"))


_tool_bracket_counts: dict[bytes, int] = {}   # a file's rows share a few tool lists


def _tool_brackets(tools_json: bytes) -> int:
    count = _tool_bracket_counts.get(tools_json)
    if count is None:
        count = _brackets(tools_json)
        if len(_tool_bracket_counts) < 4096:
            _tool_bracket_counts[tools_json] = count
    return count


def row_findings(src: str, fmt: str, detected: bool, opts: LintOptions, line: int, obj: Any) -> list[Finding]:
    """The findings the scan makes about one record on its own (its structure, order and quality; nothing
    file-wide, no duplicates), as `lint_file` would report them: --fix gives a row's errors as its reasons.
    `detected`: the file's format was detected (not given); `obj`: the parsed record, not a Problem."""
    scan = Scan(src, fmt, detected, opts)
    try:
        raw = None if isinstance(obj, str) else orjson.dumps(obj)
    except orjson.JSONEncodeError:
        raw = None  # the full path says why it cannot be written
    scan.record(line, raw, obj)
    return scan.kept


def merge(parts: list[Scan]) -> Scan:
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
        out.reasoning_rows += s.reasoning_rows
        out.reasoning_empty_rows += s.reasoning_empty_rows
        out.reasoning_first = (out.reasoning_first + [x + offset for x in s.reasoning_first])[:5]
        out.no_reasoning_first = (out.no_reasoning_first + [x + offset for x in s.no_reasoning_first])[:5]
        out.media_rows += s.media_rows
        out.v1_rows += s.v1_rows
        out.media_kinds.update(s.media_kinds)
        out.media_first = (out.media_first + [(x + offset, f) for x, f in s.media_first])[:5]
        if s.max_line > out.max_line:
            out.max_line, out.max_line_at = s.max_line, s.max_line_at + offset
        offset += s.last_line
    out.last_line = offset
    return out


def scan_jsonl_range(path: str, start: int, end: int, bom: bool, scan: Scan, tick: Tick | None = None) -> Scan:
    """Scans JSONL lines whose first byte lies in [start, end); line numbers are relative to `start`.

    This is the linter's hot loop. Plain chat rows of an OpenAI file are checked right here: the
    steps of `Scan._fast_openai` written out with local names (keep the two in step); every other
    row goes through `Scan`. Temp files of the scan are removed if it ends with an exception."""
    try:
        return _scan_jsonl_lines(path, start, end, bom, scan, tick)
    except BaseException:
        scan.dups.cleanup()
        raise


def _scan_jsonl_lines(path: str, start: int, end: int, bom: bool, scan: Scan, tick: Tick | None) -> Scan:
    loads = orjson.loads
    decode_error = orjson.JSONDecodeError
    fast = scan.fmt == "openai"
    store = scan.dups
    dparts, dmask, dheld, dchunk = store.parts, store.mask, store.held, store.chunk
    tokens, turns = scan.tokens, scan.turns
    tokens_get, turns_get = tokens.get, turns.get
    fast_roles, role_of, content_of = FAST_ROLES, ROLE, CONTENT
    ellipsis = R.ELLIPSIS_ONLY.match
    # (module-qualified: these locals take the names of the module's own functions)
    h64, signed = dupes.h64, SIGNED
    hs_scan, on_match, space = quality.DB.scan, quality.on_match, quality.scratch()
    lower, ws = LOWER, WS_DELETE
    strip, isdict, islist = str.strip, dict, list
    rows = fast_rows = 0
    max_line = scan.max_line
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
                    scan.add("truncated-last-line", n, None, msg("lint.truncated-last-line"))
                else:
                    scan.unreadable(line_problem(scan.src, n, body, e))
                continue
            if fast and type(obj) is isdict and len(obj) == 1:
                msgs = obj.get("messages")
                nm = len(msgs) if type(msgs) is islist else 0
                if 0 < nm <= 256:
                    try:
                        roles = tuple(map(role_of, msgs))
                        contents = list(map(content_of, msgs))
                        # Every message has role and content, so equal sums mean no message has other keys.
                        ok = sum(map(len, msgs)) == 2 * nm and roles == fast_roles[nm]
                        blob = "\n".join(contents) if ok else ""  # TypeError unless every content is a string
                    except (KeyError, TypeError):
                        ok = False
                    # A `<think>` / `</think>` in a text sends the row to the full path, which reads reasoning.
                    # (In the texts, not the line: a writer may escape "<" and ">", as Go's encoding/json does.)
                    if ok and "think>" in blob:
                        ok = False
                    # No empty turn, no short "……" turn: the shortest stripped text decides (0: an empty turn;
                    # under 12 chars: look closer, as _fast_openai does).
                    if ok and ((shortest := min(map(len, map(strip, contents)))) >= 12 or shortest and not any(
                            ellipsis(c) for c in contents if len(c) < 12)):
                        fast_rows += 1
                        turns[nm] = turns_get(nm, 0) + 1
                        b = blob.encode("utf-8", "surrogatepass")
                        # quality.scan_ids(b), written out: one scan of the joined texts (the fields are
                        # the contents, named as rows.content_fields names them).
                        hits: list[tuple[int, int]] = []
                        hs_scan(b, on_match, 0, hits, space)   # (positional: see quality.scan_ids)
                        if hits:
                            for k, code, message in issues_at(contents, hits, lazy=True):
                                scan.add(code, n, f"messages[{k}].content", message)
                        nb, nc = len(b), len(blob)
                        non_ascii = (nb - nc) / 2
                        v = int(non_ascii + (nc - non_ascii) / 3.5) + 4 * nm + 1
                        tokens[v] = tokens_get(v, 0) + 1
                        last = contents[-1]
                        if len(last) <= 12 and estimate_text(last.strip()) <= SHORT_ANSWER_TOKENS:
                            scan.short += 1
                            if len(scan.short_first) < 5:
                                scan.short_first.append(n)
                        h = hash((fast_roles[nm], h64(b.translate(lower, ws))))   # (== roles)
                        dparts[h & dmask].fromlist([h, h64(body) - signed, n])
                        dheld += 1
                        if dheld >= dchunk:
                            store.held = dheld
                            store.spill()
                            dheld = 0
                        continue
            # Anything else: the full checks (which add their duplicate record through the store).
            store.held = dheld
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
