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

# Cheap gates for the fast path. They fire on a superset of what the detailed patterns find.
# One character-class scan over a row's text finds every candidate for most rules: rare
# punctuation ('@' e-mail, '<' '&' markup, '{' '[' placeholders, '+' phones), control and invisible
# characters, mojibake's usual letters, and the rare letters of placeholder words and secret
# prefixes (XXX/xxx/FIXME, TODO/TBD, xox-, AKIA/PRIVATE KEY, AIza, the '_' of ghp_/hf_/github_pat_).
GATE_CHARS = re.compile("[@<&{\\[+\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u2060\ufeff\ufffe\ufffd锟烫屯\u00c2\u00c3\u00e0-\u00efXxKzD_]")
# Which detailed rules a candidate character calls for.
GATE_CLASS: dict[str, tuple[str, ...]] = {
    "@": ("pii-email",), "<": ("markup",), "&": ("markup",), "{": ("placeholder",), "[": ("placeholder",),
    "+": ("pii-phone",), "X": ("placeholder",), "x": ("placeholder", "secret"), "D": ("placeholder",), "K": ("secret",), "z": ("secret",),
    "_": ("secret",), "锟": ("mojibake",), "烫": ("mojibake",), "屯": ("mojibake",),
    "\ufffd": ("mojibake",),
    **{chr(c): ("mojibake",) for c in (0xC2, 0xC3, *range(0xE0, 0xF0))},
}
# The same character set split for the linter's hot path, where `re` would cost ~5 ns a CJK character:
# the ASCII and Latin-1 members of GATE_CHARS are looked for as UTF-8 bytes (every U+0080..U+00FF
# character starts with byte C2 or C3, which no other character uses): one memchr each over the
# row's JSON line, or one `bytes.translate` of its text; the few others with `in` (a memchr each).
# tests/test_lint_speed.py checks that GATE_BYTES + GATE_WIDE cover GATE_CHARS.
GATE_BYTES = b"@<&{[+XxKzD_" + bytes(range(0x09)) + b"\x0b\x0c" + bytes(range(0x0e, 0x20)) + b"\x7f\xc2\xc3"
GATE_WIDE: tuple[str, ...] = ("\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2028", "\u2029", "\u2060", "\ufeff", "\ufffe",
                              "\ufffd", "锟", "烫", "屯")
# Needles without a rare character, checked with plain substring tests.
GATE_SUBSTRINGS: tuple[tuple[str, str], ...] = (("sk-", "secret"), ("orem ipsum", "placeholder"))
# Literal-prefix scans (fast in `re`): Chinese mobile numbers, which also catch every ID number
# born in 19xx ("19" + 9 digits: pii-id-number is checked with them); ID numbers born in 20xx;
# US-style "(415) 555-0100".
GATE_DIGITS_MOBILE = re.compile(r"1[3-9]\d[- ]?\d{4}[- ]?\d{4}")
GATE_DIGITS_ID20 = re.compile(r"20\d{9}[\dXx]")
GATE_US_PHONE = re.compile(r"\(\d{3}\) ?\d{3}-\d{4}")
# Control characters can only appear escaped in JSON text: \u00XX, \b, \f.
GATE_RAW_CONTROL = re.compile(rb"\\(?:u00[01][0-9a-fA-F]|u007[fF]|u00[89][0-9a-fA-F]|u20(?:0[b-fB-F]|2[89]|60)|u[fF][eE][fF][fFeE]|[bf])")

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def cn_id_valid(s: str) -> bool:
    """Checks the ISO 7064 MOD 11-2 check digit of an 18-character Chinese resident ID."""
    total = sum(int(c) * w for c, w in zip(s[:17], _ID_WEIGHTS))
    return "10X98765432"[total % 11] == s[17].upper()


def mask(s: str) -> str:
    """Shows enough of a sensitive match to find it, not enough to leak it."""
    if len(s) <= 6:
        return s[0] + "*" * (len(s) - 1)
    return s[:3] + "*" * (len(s) - 5) + s[-2:]
