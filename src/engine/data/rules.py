"""The lint rules' stable codes, severities and one-line descriptions (docs/lint-codes.md mirrors this).

Codes never change meaning once released: scripts gate on them. Severity is the default; a few
rules are stricter for `--target openai` (noted in `OPENAI_SEVERITY`).
"""
from __future__ import annotations

import re

ERROR, WARNING, INFO = "error", "warning", "info"

# code -> (default severity, what it means)
CODES: dict[str, tuple[str, str]] = {
    # file level: the file cannot be read at all (exit 2)
    "file-missing": (ERROR, "the file does not exist"),
    "file-unreadable": (ERROR, "the path is a folder or cannot be opened"),
    "file-empty": (ERROR, "the file is empty or holds only blank space"),
    "file-binary": (ERROR, "a binary or compressed file, not text"),
    "encoding": (ERROR, "not UTF-8 (GBK/GB18030 and UTF-16 are recognised and the iconv command given)"),
    "not-json": (ERROR, "the file is neither JSON, JSONL nor .txt"),
    "unknown-format": (ERROR, "no row matches a known dataset format"),
    # file level: readable, but something about the file as a whole
    "bom": (WARNING, "a UTF-8 byte-order mark at the start; some loaders choke on it"),
    "json-array": (INFO, "the file is one JSON array rather than JSONL (OpenAI needs JSONL)"),
    "json-pretty-printed": (WARNING, "pretty-printed JSON object(s) where JSONL wants one object per line"),
    "blank-lines": (WARNING, "blank lines between JSONL rows"),
    "truncated-last-line": (ERROR, "the last line is cut off (the file was not completely written or copied)"),
    "line-too-large": (WARNING, "one line is too large to be one training example"),
    "mixed-formats": (ERROR, "rows of different formats in one file"),
    "ignored-keys": (INFO, "keys that no reader uses (e.g. id, source); they are ignored"),
    # row level: structure
    "json-invalid": (ERROR, "the row is not valid JSON"),
    "json-too-deep": (ERROR, "the JSON is nested too deeply to be a training example"),
    "not-an-object": (ERROR, "the row is not a JSON object"),
    "missing-key": (ERROR, "a required key is missing"),
    "mistyped-key": (ERROR, "a key has the wrong type (e.g. a number where text belongs)"),
    "empty-conversation": (ERROR, "the message list is empty"),
    "unknown-role": (ERROR, "a role no chat template knows"),
    "bad-weight": (ERROR, "a message weight other than 0 or 1, or a loss_weight that is not a number of 0 or more"),
    "alpaca-no-output": (ERROR, "an Alpaca row without output"),
    "empty-answer": (ERROR, "an assistant turn with no text and no tool call"),
    "empty-content": (WARNING, "a system, user or tool turn with no text"),
    "system-not-first": (ERROR, "a system message after the first turn"),
    "role-order": (WARNING, "user and assistant turns do not alternate, or the conversation starts with the assistant"),
    "tool-order": (ERROR, "a tool result without a preceding tool call, or a call without its result (ShareGPT function_call/observation)"),
    "no-assistant": (ERROR, "no assistant turn: nothing to learn"),
    "no-trainable-turn": (WARNING, "every assistant turn has weight (or loss_weight) 0: nothing to learn"),
    "not-ending-with-assistant": (WARNING, "the conversation ends with a turn that is not the assistant's"),
    "weight-not-assistant": (WARNING, "weight on a non-assistant message (only assistant turns are trained)"),
    # today's shapes (lint/shapes.py): content parts, reasoning traces, tool calls, media
    "unknown-part": (ERROR, "a content part of a type no reader knows (text, reasoning, tool_call, image_url, ...)"),
    "think-unclosed": (ERROR, "a <think> without its </think> (or the reverse) in a turn's text"),
    "reasoning-mixed": (WARNING, "reasoning traces in some rows and not in others"),
    "tool-args-invalid": (ERROR, "a tool call (or its arguments, or a ShareGPT function_call) that is not valid JSON"),
    "tool-call-unanswered": (ERROR, "a tool call without its result (by tool_call_id, or in order) before the conversation goes on"),
    "tool-result-unmatched": (ERROR, "a tool result whose tool_call_id matches no earlier call, or one result more than calls"),
    "tool-unknown-function": (WARNING, "a call to a function that the row's tools do not define"),
    "multimodal": (WARNING, "rows with images, audio, video or files, which are dropped (tunewiz trains text models)"),
    # quality
    "duplicate": (WARNING, "an exact duplicate of an earlier row"),
    "near-duplicate": (WARNING, "equal to an earlier row after lower-casing and removing whitespace"),
    "train-eval-overlap": (WARNING, "a training row that is also in the eval file"),
    "placeholder": (WARNING, "template or placeholder text ({{name}}, XXX, TODO, lorem ipsum, ……)"),
    "markup": (WARNING, "HTML tags or entities left over from scraping"),
    "mojibake": (WARNING, "garbled text from a wrong encoding round-trip (锟斤拷, Ã©, �)"),
    "control-chars": (WARNING, "control or invisible characters"),
    "pii-email": (WARNING, "an e-mail address"),
    "pii-phone": (WARNING, "a phone number (including Chinese mobile numbers)"),
    "pii-id-number": (WARNING, "a Chinese resident ID number (checksum verified)"),
    "secret": (ERROR, "an API key, token or private key"),
    "short-answers": (WARNING, "most answers are a few characters: a classifier fits better"),
    "few-rows": (WARNING, "fewer than 500 examples: fine-tuning rarely helps"),
    # length
    "too-long": (WARNING, "the example is longer than --max-length and would be truncated"),
    "token-estimate": (INFO, "token counts are estimated because no tokenizer could be loaded"),
    "template-drops-reasoning": (WARNING, "rows carry reasoning traces that the model's chat template does not render (needs --model)"),
    # OpenAI target
    "openai-format": (ERROR, "OpenAI fine-tuning takes only chat JSONL with messages"),
    "openai-too-few": (ERROR, "fewer than 10 examples (OpenAI's minimum)"),
    "openai-token-limit": (ERROR, "the example exceeds the model's per-example token limit"),
    "openai-unsupported-key": (ERROR, "a key OpenAI's fine-tuning API rejects"),
    # linting two files
    "eval-problems": (WARNING, "the eval file has problems of its own"),
    # Preference pairs (DPO): every pair format (engine/data/preference.py); some are OpenAI's own (openai_ft/preference.py)
    "pref-format": (ERROR, "the row is not a preference pair of the file's format (TRL, LLaMA-Factory, OpenAI preference)"),
    "pref-last-turn": (ERROR, "the prompt's (input's) last turn is not from the user (or a tool result)"),
    "pref-output-count": (ERROR, "a preferred or non-preferred output is not a list of exactly one message (OpenAI)"),
    "pref-output-role": (ERROR, "a chosen / rejected (preferred / non-preferred) side does not start with the assistant's answer"),
    "pref-identical": (WARNING, "the chosen and rejected answers are the same: the pair teaches nothing"),
    "pref-empty-side": (ERROR, "the chosen or rejected side has no answer (no text, no tool call)"),
    "pref-no-prompt": (ERROR, "the pair has no prompt (no user turn before the answers)"),
    "pref-prompt-mismatch": (ERROR, "the two sides of a whole-conversation pair differ before the answer: no shared prompt"),
    "pref-length-bias": (WARNING, "the chosen answer is the longer (or shorter) one in more than 80% of pairs"),
    "pref-too-few": (WARNING, "fewer than 500 usable pairs: preference tuning rarely helps"),
    # `tunewiz openai validate`: the model and method asked for (problems of the job, not of a row)
    "openai-unknown-model": (ERROR, "the model is not one of OpenAI's fine-tunable models in the catalog"),
    "openai-model-shut-down": (ERROR, "the model (and its fine-tunes) is shut down on the given date"),
    "openai-jobs-ended": (ERROR, "OpenAI no longer takes new fine-tuning jobs on the given date"),
    "openai-method-unsupported": (ERROR, "the fine-tuning method is not offered for this model"),
    "openai-bad-epochs": (ERROR, "the epoch count is outside OpenAI's range (1-50)"),
}

# Stricter severities when the file is meant for OpenAI's API, which rejects these outright.
OPENAI_SEVERITY: dict[str, str] = {"json-array": ERROR, "json-pretty-printed": ERROR, "blank-lines": ERROR,
                                   "bom": ERROR, "weight-not-assistant": ERROR}

# ------------------------------------------------------------------------------------------------
# Detailed quality patterns, run on one string at a time (only when a cheap gate has fired).

EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}(?![\w-])")
# Where EMAIL's local part could start: every EMAIL match starts with a match of this. Beginning with a class (no
# look-behind), `re` skips to its candidates in C; lint/quality.py then tries EMAIL.match there.
EMAIL_LOCAL_RUN = re.compile(r"[A-Za-z0-9._%+-]{1,64}@")
# The characters of EMAIL's local-part class, for `str.rstrip` (tests/test_lint_speed.py checks them against the class).
EMAIL_LOCAL_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._%+-"
CN_MOBILE = re.compile(r"(?<![\d.])(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}(?![\d.])")
INTL_PHONE = re.compile(r"(?<![\w+])\+\d{1,3}[ -]?\(?\d{1,4}\)?(?:[ -]?\d{2,4}){2,4}(?!\d)|\(\d{3}\) ?\d{3}-\d{4}(?!\d)")
CN_ID = re.compile(r"(?<!\d)[1-8]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![\dXx])")
SECRET = re.compile(
    r"\b(?:sk-(?:proj-|ant-|live-)?[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,}"
    r"|hf_[A-Za-z0-9]{30,}|xox[abprs]-[A-Za-z0-9-]{10,}|AIza[0-9A-Za-z_-]{35})(?![A-Za-z0-9_-])"
    r"|-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----")
# XXX/TODO are case-sensitive: "todo" in running text is a word, not a marker.
PLACEHOLDER = re.compile(r"\{\{\s*[^{}\s][^{}]{0,40}\}\}|(?<![A-Za-z])(?:X{3,}|x{3,}|TODO|TBD|FIXME)(?![A-Za-z])"
                              r"|(?i:lorem ipsum)|\[(?i:your name|name|company)\]|\[(?:姓名|名字|公司名?|产品名?)\]")
ELLIPSIS_ONLY = re.compile(r"^[\s.。…·]+$")
MARKUP = re.compile(r"</?(?:p|div|span|br|a|b|i|u|strong|em|ul|ol|li|table|tr|td|th|img|h[1-6]|font|html|body|head|script|style|iframe)"
                    r"(?:\s[^<>]{0,200})?/?>|&(?:nbsp|amp|lt|gt|quot|apos|#\d{2,6}|#x[0-9a-fA-F]{2,5});", re.IGNORECASE)
# UTF-8 bytes read as Latin-1/cp1252: a lead letter (Ã, å, è...) followed by continuation-byte
# characters; three-byte CJK characters become lead + two of them ("è®¢" for 订).
_CONT = "\u0080-\u00bf\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
MOJIBAKE = re.compile(f"\ufffd|锟斤拷|烫烫烫|屯屯屯|[\u00e0-\u00ef][{_CONT}]{{2}}|[\u00c2\u00c3][{_CONT}]|â€")
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u2060\ufeff\ufffe]")

# ------------------------------------------------------------------------------------------------
# The quality scanner: one pass of a compiled multi-pattern scanner (Hyperscan, through the `hyperscan`
# package) over a text's UTF-8 bytes says which quality rules may find something in it; only those rules'
# exact patterns above then run, on the fields the scanner points at, so the findings are those of the
# exact patterns. Each code's scanner expressions match a SUPERSET of what its exact patterns match:
# the exact pattern with its look-arounds and `\b` dropped and its repeat limits loosened, on bytes, or
# just a part every match must hold (the e-mail's "x@y", the phone's "+9", the tag's "<p", the "{{"), which
# keeps the scan fast: tails like `[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*` doubled its cost.
# Two things Python's `re` does that a byte pattern would not are covered by extra expressions instead
# (tests/test_lint_speed.py checks both against every code point):
# - `\d` matches every Unicode decimal digit; the byte patterns take ASCII 0-9, and any other decimal
#   digit in the text calls for every rule that uses `\d` (SCAN_OTHER_DIGITS);
# - with IGNORECASE, "İ" and "ı" match i, "ſ" matches s and the Kelvin sign matches k; the byte patterns
#   ignore ASCII case only, and any of these four calls for every case-insensitive rule (SCAN_CASE_EXTRA).
# A code's expressions: (pattern bytes, ASCII case-insensitive).

# The first of each run of ten non-ASCII decimal digits (0..9) in Unicode 14.0 (Python 3.11's tables); a
# Python with other tables computes the list at import (`other_digits`).
OTHER_DIGIT_BLOCKS_UNICODE = "14.0.0"
OTHER_DIGIT_BLOCKS = (
    0x660, 0x6f0, 0x7c0, 0x966, 0x9e6, 0xa66, 0xae6, 0xb66, 0xbe6, 0xc66, 0xce6, 0xd66, 0xde6, 0xe50, 0xed0, 0xf20,
    0x1040, 0x1090, 0x17e0, 0x1810, 0x1946, 0x19d0, 0x1a80, 0x1a90, 0x1b50, 0x1bb0, 0x1c40, 0x1c50, 0xa620, 0xa8d0,
    0xa900, 0xa9d0, 0xa9f0, 0xaa50, 0xabf0, 0xff10, 0x104a0, 0x10d30, 0x11066, 0x110f0, 0x11136, 0x111d0, 0x112f0,
    0x11450, 0x114d0, 0x11650, 0x116c0, 0x11730, 0x118e0, 0x11950, 0x11c50, 0x11d50, 0x11da0, 0x16a60, 0x16ac0,
    0x16b50, 0x1d7ce, 0x1d7d8, 0x1d7e2, 0x1d7ec, 0x1d7f6, 0x1e140, 0x1e2f0, 0x1e950, 0x1fbf0)
# Characters other than ASCII letters that Python's IGNORECASE matches to an ASCII letter.
CASE_EXTRA = "\u0130\u0131\u017f\u212a"


def other_digits() -> list[int]:
    """Every non-ASCII character Python's `re` takes for `\\d` (the decimal digits), by these Unicode tables."""
    import unicodedata
    if unicodedata.unidata_version == OTHER_DIGIT_BLOCKS_UNICODE:
        return [b + i for b in OTHER_DIGIT_BLOCKS for i in range(10)]
    import sys
    return [c for c in range(0x80, sys.maxunicode + 1) if chr(c).isdecimal()]


def utf8_alternation(codepoints: list[int]) -> bytes:
    """A byte pattern matching exactly the UTF-8 forms of these characters (runs sharing all but their last
    byte become one class)."""
    groups: dict[bytes, list[int]] = {}
    for cp in codepoints:
        e = chr(cp).encode("utf-8")
        groups.setdefault(e[:-1], []).append(e[-1])
    parts = [b"".join(b"\\x%02x" % x for x in prefix) + b"[" + b"".join(b"\\x%02x" % x for x in sorted(set(last))) + b"]"
             for prefix, last in groups.items()]
    return b"(?:" + b"|".join(parts) + b")"


_HEX = lambda s: "".join(f"\\x{x:02x}" for x in s.encode("utf-8")).encode()  # noqa: E731
# UTF-8 of the characters in MOJIBAKE's `_CONT` class (a superset: every character of the class is in it).
_CONT_BYTES = rb"(?:\xc2[\x80-\xbf]|\xe2[\x80-\x84][\x80-\xbf]|\xc5[\x92-\xbe]|\xc6\x92|\xcb[\x86\x9c])"
SCAN_PATTERNS: dict[str, tuple[tuple[bytes, bool], ...]] = {
    "secret": ((rb"sk-[A-Za-z0-9_-]{20}|AKIA[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22}"
                rb"|hf_[A-Za-z0-9]{30}|xox[abprs]-[A-Za-z0-9-]{10}|AIza[0-9A-Za-z_-]{35}|-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----",
                False),),
    "pii-email": ((rb"[A-Za-z0-9._%+-]@[A-Za-z0-9-]", False),),
    "pii-phone": ((rb"1[3-9][0-9](?:[- ]?[0-9]{4}){2}", False),
                  (rb"\+[0-9]", False),
                  (rb"\([0-9]{3}\) ?[0-9]{3}-[0-9]{4}", False)),
    "pii-id-number": ((rb"[1-8][0-9]{5}(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx]", False),),
    "placeholder": ((rb"\{\{", False), (rb"XXX|xxx|TODO|TBD|FIXME", False), (rb"lorem ipsum", True),
                    (rb"\[(?:your name|name|company)\]", True),
                    (rb"\[(?:" + b"|".join(_HEX(w) for w in ("姓名", "名字", "公司", "公司名", "产品", "产品名")) + rb")\]", False)),
    "markup": ((rb"</?(?:p|div|span|br|a|b|i|u|strong|em|ul|ol|li|table|tr|td|th|img|h[1-6]|font|html|body|head|script"
                rb"|style|iframe)", True),
               (rb"&(?:nbsp|amp|lt|gt|quot|apos|#[0-9]{2,6}|#x[0-9a-f]{2,5});", True)),
    "mojibake": ((rb"\xef\xbf\xbd|" + _HEX("锟斤拷") + b"|" + _HEX("烫烫烫") + b"|" + _HEX("屯屯屯")
                  + rb"|\xc3[\xa0-\xaf]" + _CONT_BYTES + _CONT_BYTES + rb"|\xc3[\x82\x83]" + _CONT_BYTES
                  + rb"|\xc3\xa2\xe2\x82\xac", False),),
    "control-chars": ((rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\x8b-\x8f\xa8\xa9]|\xe2\x81\xa0"
                       rb"|\xef\xbb\xbf|\xef\xbf\xbe", False),),
}
# The codes whose exact patterns use `\d`, and those with case-insensitive parts.
SCAN_OTHER_DIGITS = ("pii-phone", "pii-id-number", "markup")
SCAN_CASE_EXTRA = ("placeholder", "markup")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def cn_id_valid(s: str) -> bool:
    """Checks the ISO 7064 MOD 11-2 check digit of an 18-character Chinese resident ID."""
    total = sum(int(c) * w for c, w in zip(s[:17], _ID_WEIGHTS))
    return "10X98765432"[total % 11] == s[17].upper()


def mask(s: str) -> str:
    """Shows enough of a sensitive match to find it, not enough to leak it."""
    if len(s) <= 6:
        return s[0] + "*" * (len(s) - 1)
    return s[:3] + "*" * min(len(s) - 5, 16) + s[-2:]   # (at most 16 stars: a secret can run on for megabytes)
