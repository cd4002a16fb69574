"""Hostile input, made harmless: bounded echoes of rejected values, and paths that cannot exist.

`echo`: a rejected value is quoted in a message, never copied whole. A YAML alias bomb of a few hundred bytes expands to millions of values, and an integer of 5,000
digits cannot even be printed (Python refuses int -> str beyond 4,300 digits). Every message that
quotes what a user gave goes through `echo`, so its size is bounded whatever the input.
"""
from __future__ import annotations

import math
import os
import reprlib
from typing import Any

ECHO_LIMIT = 200
# Integers longer than this are described ("a 5000-digit number"), not printed.
MAX_INT_DIGITS = 40
MAX_NAME_BYTES = 255           # one path component on Linux, macOS and Windows file systems
MAX_PATH_BYTES = 4095


def long_number_digits(value: int) -> int | None:
    """How many digits `value` has when it is too long to quote (more than MAX_INT_DIGITS); None when it is not."""
    if value.bit_length() <= 4 * MAX_INT_DIGITS:     # short enough to print (and to count exactly)
        if len(str(value).lstrip("-")) <= MAX_INT_DIGITS:
            return None
    digits = int(math.log10(abs(value))) + 1       # math.log10 takes ints of any size, but rounds:
    if abs(value) < 10 ** (digits - 1):            # 10**400 - 1 would count as 401 digits
        digits -= 1
    return digits


def number_text(value: int) -> str:
    """`value` as digits, or "a 5000-digit number" when it is too long to quote (or to print at all)."""
    digits = long_number_digits(value)
    if digits is None:
        return str(value)
    return f"a {'negative ' if value < 0 else ''}{digits:,}-digit number"


def clip(text: str, limit: int = ECHO_LIMIT) -> str:
    """`text` cut to `limit` characters, ending in "…" when something was cut."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"


class _Bounded(reprlib.Repr):
    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxlist = self.maxtuple = self.maxset = self.maxfrozenset = self.maxdeque = 6
        self.maxdict = 6
        self.maxstring = 120
        self.maxother = 120

    def repr_int(self, x: int, level: int) -> str:
        return number_text(x)

    def repr_str(self, x: str, level: int) -> str:
        # reprlib builds repr(x) first; a multi-megabyte string is cut before that.
        return super().repr_str(x[: self.maxstring + 10], level)


_REPR = _Bounded()


def echo(value: Any, limit: int = ECHO_LIMIT) -> str:
    """A repr of `value` of at most `limit` characters: nested and long containers are elided."""
    try:
        text = _REPR.repr(value)
    except Exception:  # a repr that raises must not turn a clear message into a traceback
        text = f"<{type(value).__name__}>"
    return clip(text, limit)


def path_problem(value: str) -> str | None:
    """Why `value` cannot be a file path on this machine (NUL byte, unknown ~user, name too long), or None."""
    if "\0" in value:
        return "contains a NUL byte (\\0), which no file name can hold; remove it"
    if value.startswith("~"):
        user = value[1:].split("/", 1)[0]
        if os.path.expanduser(value) == value:
            who = f"no user '{clip(user, 60)}' on this machine" if user else "no home folder is known (HOME is unset)"
            return f"'{clip(value.split('/', 1)[0], 60)}': {who}; write the path out in full"
    try:
        encoded = os.fsencode(value)
    except UnicodeError:
        return "holds characters that cannot be part of a file name here (a lone surrogate); retype the path"
    for part in encoded.split(b"/"):
        if len(part) > MAX_NAME_BYTES:
            shown = clip(os.fsdecode(part), 40)
            return (f"the name '{shown}' is {len(part):,} bytes long; file systems allow {MAX_NAME_BYTES} bytes per "
                    "folder or file name")
    if len(encoded) > MAX_PATH_BYTES:
        return f"the path is {len(encoded):,} bytes long; file systems allow {MAX_PATH_BYTES:,}"
    return None
