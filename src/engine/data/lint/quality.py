"""The quality gate: which quality rules are worth running on a text, decided cheaply.

`gate(text)` is the exact gate: the quality rules (codes) that may find something in the text, from
one character-class scan and a few literal tests (the tables are in rules.py: GATE_CHARS, GATE_CLASS,
GATE_SUBSTRINGS, GATE_BYTES, GATE_WIDE). `gate_hit` is a cheaper superset test for a fast-path row,
made on its JSON line with one memchr per rare byte; only rows it lets through get `gate`, and then
`quality_issues` runs the detailed per-field regexes of the rules `gate` named. The scan loop
(`scan.scan_jsonl_range`) has `gate_hit` written out inline: keep the two in step.
"""
from __future__ import annotations

from typing import Callable

from .. import rules as R

# Bytes that are not candidates of the quality gate (deleted by translate: what is left is a candidate).
GATE_DEL = bytes(c for c in range(256) if c not in R.GATE_BYTES)
# True when the text holds one of the gate's rare non-Latin-1 characters (a chain of `in`, built from the rules).
has_wide: Callable[[str], bool] = eval("lambda s: " + " or ".join(f"{c!r} in s" for c in R.GATE_WIDE))  # noqa: S307
# The same test as `b.translate(None, GATE_DEL)` made on a fast-path row's JSON line instead, with one memchr a
# byte (`int in bytes`), valid when the line has no \u, \b or \f escape: then every character of its contents
# is in the line as its own UTF-8 bytes, and the rest of the line ({"messages":[{"role":"user","content":...)
# holds none of these bytes. Left out: control bytes, which valid JSON never holds raw, and the structural
# '{' '[', which are looked for in the text.
line_gate: Callable[[bytes], bool] = eval("lambda raw: " + " or ".join(  # noqa: S307
    f"{c} in raw" for c in R.GATE_BYTES if c >= 0x20 and c not in b"{["))
# `has_wide` for a row whose JSON line holds every character of its texts as UTF-8 (no \u escape): the
# invisible characters of U+2000..U+2FFF (8 of them) all start with byte E2 in UTF-8, so they are only
# looked for in the text when that byte is in the line (one memchr). The others start with bytes that
# CJK text is full of (EF: full-width punctuation; E5, E7, E9: ideographs), so they are looked for directly.
_WIDE_E2 = [c for c in R.GATE_WIDE if c.encode()[0] == 0xE2]
line_wide: Callable[[bytes, str], bool] = eval(  # noqa: S307
    f"lambda raw, s: (0xE2 in raw and ({' or '.join(f'{c!r} in s' for c in _WIDE_E2)})) or "
    + " or ".join(f"{c!r} in s" for c in R.GATE_WIDE if c not in _WIDE_E2))


def gate_hit(blob: str, b: bytes, raw: bytes | None) -> bool:
    """A cheap superset test of `gate` for a fast-path row (blob: its texts joined by newlines, b: blob in
    UTF-8, raw: its JSON line or None): False means `gate(blob)` is empty. (`scan.scan_jsonl_range` has the
    same test written out inline.)"""
    if raw is not None and not (92 in raw and (b"\\u" in raw or b"\\b" in raw or b"\\f" in raw)):
        hit = (line_gate(raw) or "{" in blob or "[" in blob or (45 in raw and "sk-" in blob)
               or (not blob.isascii() and line_wide(raw, blob)))
    else:
        hit = b.translate(None, GATE_DEL) or "sk-" in blob or (not blob.isascii() and has_wide(blob))
    return bool(hit or "orem ipsum" in blob or R.GATE_DIGITS_MOBILE.search(blob)
                or ("20" in blob and R.GATE_DIGITS_ID20.search(blob)) or ("(" in blob and R.GATE_US_PHONE.search(blob)))


def text_gate_hit(text: str) -> bool:
    """`gate_hit` for one text on its own (no JSON line): False means `gate(text)` is empty."""
    return gate_hit(text, text.encode("utf-8", "surrogatepass"), None)


def gate(blob: str) -> set[str]:
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
