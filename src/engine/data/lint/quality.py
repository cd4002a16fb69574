"""The quality rules of a text: a compiled multi-pattern scan says which rules may fire, the exact patterns decide.

One Hyperscan scan (the `hyperscan` package: Intel's Hyperscan, or Vectorscan on ARM, compiled into the
wheel) over a text's UTF-8 bytes reports which quality rules' patterns may match in it. Each rule's
scanner expressions (rules.SCAN_PATTERNS) match a superset of its exact `re` pattern, so a rule the scan
does not name cannot find anything, and the findings themselves always come from the exact patterns
(`quality_issues`), with Python's `re` semantics. A row's texts are scanned once, joined by newlines; each match
is placed in the text it ends in (`issues_at`), and only those texts, and only the rules their matches
name, get the exact patterns. bench/RESULTS.md ("Lint on realistic data") has the measurements that
chose Hyperscan over one combined `re` and over RE2.

`gate(text)` (the rules worth running on a text) and `text_gate_hit(text)` are kept for callers that
check one text at a time (e.g. OpenAI preference files).
"""
from __future__ import annotations

import os
import threading
from bisect import bisect_left
from typing import Any

import hyperscan
from xxhash import xxh3_128_hexdigest

from ...demo import tunewiz_home
from .. import rules as R
from ..parts import msg

ALL_QUALITY = frozenset({"secret", "pii-email", "pii-phone", "pii-id-number", "placeholder", "markup", "mojibake",
                         "control-chars"})


def _expressions() -> tuple[list[bytes], list[int], tuple[tuple[str, ...], ...]]:
    """The scanner's expressions, their Hyperscan flags and, per expression id, the codes a match calls for."""
    expressions: list[bytes] = []
    flags: list[int] = []
    codes: list[tuple[str, ...]] = []
    for code, exprs in R.SCAN_PATTERNS.items():
        for pattern, caseless in exprs:
            expressions.append(pattern)
            flags.append(hyperscan.HS_FLAG_CASELESS if caseless else 0)
            codes.append((code,))
    expressions.append(R.utf8_alternation(R.other_digits()))
    flags.append(0)
    codes.append(R.SCAN_OTHER_DIGITS)
    expressions.append(R.utf8_alternation([ord(c) for c in R.CASE_EXTRA]))
    flags.append(0)
    codes.append(R.SCAN_CASE_EXTRA)
    return expressions, flags, tuple(codes)


def _machine() -> str:
    """The CPU architecture (what platform.machine() says, without importing platform)."""
    return os.uname().machine if hasattr(os, "uname") else os.environ.get("PROCESSOR_ARCHITECTURE", "")


def _build() -> tuple[Any, tuple[tuple[str, ...], ...]]:
    """The compiled scanner and its id -> codes table. Compiling takes ~0.2 s, so the compiled database is
    kept in tunewiz's cache folder (keyed by the expressions, the Hyperscan build and the machine) and
    loaded from there (~0.1 ms) on later runs; a missing, stale or unreadable copy is compiled again."""
    expressions, flags, codes = _expressions()
    # (xxh3, not hashlib: importing hashlib's OpenSSL costs ~7 ms, paid by every `tunewiz lint`)
    key = xxh3_128_hexdigest(repr((expressions, flags, hyperscan.__version__, _machine())).encode())[:20]
    path = tunewiz_home() / "lint" / f"quality-{key}.hsdb"
    try:
        return hyperscan.loadb(path.read_bytes(), hyperscan.HS_MODE_BLOCK), codes
    except (OSError, hyperscan.error):
        pass
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(expressions=expressions, ids=list(range(len(expressions))), elements=len(expressions), flags=flags)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(hyperscan.dumpb(db))
        os.replace(tmp, path)
        for old in path.parent.glob("quality-*.hsdb"):
            if old != path:
                old.unlink(missing_ok=True)  # a copy for other expressions (an older tunewiz)
    except OSError:
        pass  # a read-only home: compile on every run
    return db, codes


DB, ID_CODES = _build()
_local = threading.local()


def scratch() -> Any:
    """This thread's Hyperscan scratch space (one scan at a time may use it)."""
    s = getattr(_local, "scratch", None)
    if s is None:
        s = _local.scratch = hyperscan.Scratch(DB)
    return s


def on_match(expr_id: int, start: int, end: int, flags: int, hits: list) -> None:
    hits.append((expr_id, end))


def scan_ids(b: bytes, space: Any | None = None) -> list[tuple[int, int]]:
    """(expression id, end offset) of every place a scanner expression matches in `b` (each end once)."""
    hits: list[tuple[int, int]] = []
    # Positional: (data, match_event_handler, flags, context, scratch). The binding parses keywords slowly:
    # ~1.3 us of a ~2 us call, on every row (bench/RESULTS.md, sixth round).
    DB.scan(b, on_match, 0, hits, space or scratch())
    return hits


def codes_of(hits: list[tuple[int, int]]) -> set[str]:
    out: set[str] = set()
    for i, _ in hits:
        out.update(ID_CODES[i])
    return out


def issues_at(texts: list[str], hits: list[tuple[int, int]], lazy: bool = False) -> list[tuple[int, str, Any]]:
    """(text index, code, message) for a row whose texts, joined by newlines, were scanned with these hits:
    each hit is placed in the text it ends in, and each such text gets the exact patterns of the rules its
    hits name. (A match of an exact pattern inside one text is also a scanner match ending inside it.)
    `lazy`: the messages are LazyMessages (the scan makes those of the findings it keeps)."""
    if not hits:
        return []
    issues = lazy_quality_issues if lazy else quality_issues
    last = len(texts) - 1
    if last:  # the byte offset where each text ends in the joined bytes (up to the last hit)
        ends: list[int] = []
        pos, top = -1, hits[0][1] if len(hits) == 1 else max([end for _, end in hits])
        for t in texts:
            pos += 1 + (len(t) if t.isascii() else len(t.encode("utf-8", "surrogatepass")))
            ends.append(pos)
            if pos >= top:
                break
    if len(hits) == 1:  # (most rows with a hit: one e-mail address) the text it ends in, without the sets
        i, end = hits[0]
        k = min(bisect_left(ends, end), last) if last else 0
        return [(k, code, message) for code, message in issues(texts[k], ID_CODES[i])]
    wanted: dict[int, set[str]] = {}
    if not last:  # one text: every hit is in it
        codes = wanted[0] = set()
        for i, _ in hits:
            codes.update(ID_CODES[i])
    else:
        for i, end in hits:
            k = min(bisect_left(ends, end), last)
            wanted.setdefault(k, set()).update(ID_CODES[i])
    return [(k, code, message) for k in sorted(wanted) for code, message in issues(texts[k], wanted[k])]


def gate(text: str) -> set[str]:
    """The quality rules worth running on this text: a superset of those that will find something."""
    ids = scan_ids(text.encode("utf-8", "surrogatepass"))
    return codes_of(ids) if ids else set()


def text_gate_hit(text: str) -> bool:
    """False means no quality rule can find anything in this text."""
    return bool(scan_ids(text.encode("utf-8", "surrogatepass")))


def field_issues(fields: list[tuple[str | None, str]], space: Any | None = None) -> list[tuple[str | None, str, str]]:
    """(field, code, message): the quality findings of a row's fields, from one scan of their joined text."""
    texts = [t for _, t in fields]
    hits = scan_ids("\n".join(texts).encode("utf-8", "surrogatepass"), space)
    return [(fields[k][0], code, message) for k, code, message in issues_at(texts, hits)] if hits else []


# The longest local part rules.EMAIL takes ("{1,64}" before its "@"): tests/test_lint_speed.py checks it.
EMAIL_LOCAL_MAX = 64


class LazyMessage:
    """A finding's coded message, made (`make()`) only when the finding is kept: most counted findings of a
    large file are not (LintOptions.max_per_code), and making a message costs more than finding it.
    `masked(code, text)`: the message's one param is `masked=rules.mask(text)`, masked when made."""
    __slots__ = ("code", "params", "to_mask")

    def __init__(self, code: str, **params: Any) -> None:
        self.code, self.params, self.to_mask = code, params, None

    @classmethod
    def masked(cls, code: str, text: str) -> "LazyMessage":
        m = cls.__new__(cls)  # (one per PII finding of a large file: without __init__'s keyword packing)
        m.code, m.params, m.to_mask = code, None, text
        return m

    def make(self) -> Any:
        if self.to_mask is not None:
            return msg(self.code, masked=R.mask(self.to_mask))
        return msg(self.code, **self.params)


def quality_issues(text: str, wanted: set[str] | frozenset[str] = ALL_QUALITY) -> list[tuple[str, Any]]:
    """The quality findings (code, message) for one string, at most one per code; `wanted` limits the rules run."""
    return [(code, m.make()) for code, m in lazy_quality_issues(text, wanted)]


def lazy_quality_issues(text: str, wanted: set[str] | frozenset[str] = ALL_QUALITY) -> list[tuple[str, LazyMessage]]:
    """`quality_issues` with each message still to be made (LazyMessage)."""
    out: list[tuple[str, LazyMessage]] = []
    m = R.SECRET.search(text) if "secret" in wanted else None
    if m:
        out.append(("secret", LazyMessage.masked("lint.secret", m.group())))
    m = None
    if "pii-email" in wanted and (at := text.find("@")) >= 0:
        # Every match holds an "@" within 64 characters of its start (the local part is 1-64 characters), so the
        # first match starts at most 64 before the first "@"; the look-behind still sees the text before `pos`.
        # Every match also starts with a match of EMAIL_LOCAL_RUN, so the first match starts at its first one or
        # later: EMAIL.match there (the common case, ~2x faster than a search), else a search after it.
        # That first run is the local-part characters right before the first "@" (none of them is an "@"), at most
        # 64: their count is what `rstrip` takes off the 64 characters before it (~0.1 us, where the run's regex
        # search from 64 back takes ~2 us). With none, the run ends at a later "@": the regex finds it.
        lo = at - EMAIL_LOCAL_MAX if at > EMAIL_LOCAL_MAX else 0
        start = lo + len(text[lo:at].rstrip(R.EMAIL_LOCAL_CHARS))
        if start == at:
            run = R.EMAIL_LOCAL_RUN.search(text, lo)
            start = run.start() if run is not None else -1
        if start >= 0:
            m = R.EMAIL.match(text, start) or R.EMAIL.search(text, start + 1)
    if m:
        out.append(("pii-email", LazyMessage.masked("lint.pii-email", m.group())))
    m = (R.CN_MOBILE.search(text) or R.INTL_PHONE.search(text)) if "pii-phone" in wanted else None
    if m:
        out.append(("pii-phone", LazyMessage.masked("lint.pii-phone", m.group())))
    for m in (R.CN_ID.finditer(text) if "pii-id-number" in wanted else ()):
        if R.cn_id_valid(m.group()):
            out.append(("pii-id-number", LazyMessage.masked("lint.pii-id-number", m.group())))
            break
    m = R.PLACEHOLDER.search(text) if "placeholder" in wanted else None
    if m:
        out.append(("placeholder", LazyMessage("lint.placeholder" + (".identity" if m.group().startswith("{{") else ""),
                                               text=repr(m.group()[:40]))))   # ("XXX…" has no end)
    m = R.MARKUP.search(text) if "markup" in wanted else None
    if m:
        out.append(("markup", LazyMessage("lint.markup", text=repr(m.group()[:30]))))
    m = R.MOJIBAKE.search(text) if "mojibake" in wanted else None
    if m:
        out.append(("mojibake", LazyMessage("lint.mojibake", text=repr(m.group()))))
    m = R.CONTROL.search(text) if "control-chars" in wanted else None
    if m:
        out.append(("control-chars", LazyMessage("lint.control-chars", codepoint=f"U+{ord(m.group()):04X}")))
    return out
