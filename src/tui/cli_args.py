"""How the command line reads a whole-number option (an Option's `parser=`), so that a bad value gets one short
message: a plain int conversion would echo the whole value back (all 5,000 characters of it), and Python refuses to
read more than 4,300 digits at all."""
from __future__ import annotations

import sys
from typing import Any, Callable

from tui import clikit

from engine.inputs import clip, long_number_digits


# What a refused number is told with (English templates, said in the help's language: tui/i18n/cli_help.py).
NOT_WHOLE = "{value} is not a whole number."
LESS = "{value} is less than {low}."
MORE = "{value} is more than {high}."
DIGITS = "a {digits}-digit number"
NEGATIVE_DIGITS = "a negative {digits}-digit number"
TEXTS = (NOT_WHOLE, LESS, MORE, DIGITS, NEGATIVE_DIGITS)


def said_number(value: int) -> str:
    """engine.inputs.number_text in the help's language ("a 5,000-digit number" for one too long to quote)."""
    digits = long_number_digits(value)
    if digits is None:
        return str(value)
    return clikit.tr(NEGATIVE_DIGITS if value < 0 else DIGITS).format(digits=f"{digits:,}")


def whole_number(value: Any) -> int:
    """An integer option's value. A digit string longer than Python reads by default is read all the same, so
    the command's own check says what is wrong with it ("a 4,400-digit number is more than any run takes");
    anything else that is not a whole number is refused, quoted at most 200 characters long."""
    if isinstance(value, int):
        return value  # a default
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        body = text[1:] if text[:1] in "+-" else text
        if body.isascii() and body.isdigit():
            limit = sys.get_int_max_str_digits()
            sys.set_int_max_str_digits(0)
            try:
                return int(text)
            finally:
                sys.set_int_max_str_digits(limit)
    raise clikit.BadParameter(NOT_WHOLE, value=repr(clip(text)))


def whole_number_in(low: int, high: int | None = None) -> Callable[[Any], int]:
    """`whole_number` that also checks the range (a long value is never echoed back whole):
    "a 500-digit number is more than 65,535". Say the range in the option's help, which no longer shows it."""
    def parse(value: Any) -> int:
        number = whole_number(value)
        if number < low:
            raise clikit.BadParameter(LESS, value=said_number(number), low=f"{low:,}")
        if high is not None and number > high:
            raise clikit.BadParameter(MORE, value=said_number(number), high=f"{high:,}")
        return number
    return parse
