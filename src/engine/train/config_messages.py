"""Config problems as messages (`config.<type>`): the English templates, and pydantic's errors turned into
them with their location (`field`, the dotted `loc`), `type` and context kept as parameters.

A pydantic error type without a template here keeps pydantic's own English (code `config.<type>` all the
same, so a translation can be added later by code alone). The Chinese is in tui/i18n/msg_config.py.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from engine.inputs import clip, echo
from engine.messages import EngineMessage, format_template, message, register

TEMPLATES: dict[str, str] = {
    # pydantic's error types users hit (https://docs.pydantic.dev/latest/errors/validation_errors/)
    "config.missing": "{field}: required",
    "config.extra_forbidden": "{field}: unknown key; allowed keys: {allowed}",
    "config.extra_forbidden.suggest": "{field}: unknown key (did you mean '{suggestion}'?); allowed keys: {allowed}",
    "config.literal_error": "{field}: {value} is not allowed; use one of {expected}",
    "config.greater_than": "{field}: Input should be greater than {gt} (got {value})",
    "config.greater_than_equal": "{field}: Input should be greater than or equal to {ge} (got {value})",
    "config.less_than": "{field}: Input should be less than {lt} (got {value})",
    "config.less_than_equal": "{field}: Input should be less than or equal to {le} (got {value})",
    "config.int_parsing": "{field}: Input should be a valid integer, unable to parse string as an integer (got {value})",
    "config.int_from_float": "{field}: Input should be a valid integer, got a number with a fractional part (got {value})",
    "config.int_type": "{field}: Input should be a valid integer (got {value})",
    "config.float_parsing": "{field}: Input should be a valid number, unable to parse string as a number (got {value})",
    "config.float_type": "{field}: Input should be a valid number (got {value})",
    "config.bool_parsing": "{field}: Input should be a valid boolean, unable to interpret input (got {value})",
    "config.bool_type": "{field}: Input should be a valid boolean (got {value})",
    "config.string_type": "{field}: Input should be a valid string (got {value})",
    "config.string_too_short": "{field}: String should have at least {min_length} character(s) (got {value})",
    "config.string_too_long": "{field}: String should have at most {max_length} character(s) (got {value})",
    "config.list_type": "{field}: Input should be a valid list (got {value})",
    "config.model_type": "{field}: Input should be a mapping of keys (got {value})",
    # tunewiz's own validators (RunConfig's field validators raise these types)
    "config.name_not_folder_name": "{field}: use letters, digits, '.', '_' and '-' (it becomes a folder name) (got {value})",
    "config.node_rank_not_below_nnodes": "{field}: must be below nnodes ({nnodes}): nodes count from 0 (got {value})",
    # problems tunewiz finds before or after pydantic (engine/train/config.py)
    "config.invalid": "{source}: invalid config",
    "config.more": "... and {count:,} more problems",
    "config.not_mapping": "the file must hold a YAML mapping of keys, not {kind}",
    "config.not_mapping.file": "the file must hold a YAML mapping of keys",
    "config.number_too_long": "{field}: a {digits:,}-digit number is far too large for any setting; "
                              "give a whole number up to {max:,}",
    "config.number_too_large": "{field}: {number} is too large for any setting; give a whole number up to {max:,}",
    "config.dpo_adapter_full": "dpo.from_adapter: an adapter trains on as an adapter; use dpo.tuning lora or qlora, or "
                               "merge it first (tunewiz export RUN) and set model to the merged folder for full tuning",
    "config.dpo_packing": "packing: DPO compares whole chosen and rejected answers and does not pack pairs; "
                          "set packing: false",
    "config.set_no_equals": "--set {item}: expected key=value, e.g. --set max_steps=20",
    "config.set_too_deep": "--set {key}: {levels:,} levels of keys; a config has at most 3 (e.g. --set lora.r=8)",
    "config.file_not_found": "file not found",
    "config.not_a_file": "not a file",
    "config.file_too_large": "{size:,} bytes: a run config is a few hundred bytes; is this the right file? "
                             "(give the YAML config, not the dataset)",
    "config.not_utf8": "not UTF-8 text; save the file as UTF-8",
    "config.unreadable": "cannot read it ({reason})",
    "config.yaml_invalid": "not valid YAML ({problem})",
    "config.yaml_invalid.at": "line {line}, column {column}: not valid YAML ({problem})",
}
register(TEMPLATES)

# The validator messages pydantic carries inside the error (its `msg`); shown only where someone prints
# the ValidationError itself: `describe` builds the text from TEMPLATES.
VALIDATOR_TEXT = {
    "name_not_folder_name": "use letters, digits, '.', '_' and '-' (it becomes a folder name)",
    "node_rank_not_below_nnodes": "must be below nnodes ({nnodes}): nodes count from 0",
}


def loc_text(loc: tuple[Any, ...]) -> str:
    """pydantic's location as the dotted key a user writes (`lora.r`, `data.0.path`)."""
    return ".".join(str(p) for p in loc) or "(top level)"


def expected_values(expected: str) -> list[str]:
    """The choices in pydantic's literal_error context ("'a', 'b' or 'c'" -> ["'a'", "'b'", "'c'"])."""
    return [part for part in re.split(r", | or ", expected) if part]


def json_value(value: Any) -> Any:
    """A context value as raw JSON: numbers, strings and booleans as they are (a whole float as an int, as
    pydantic's own message shows it: "greater than 0"); anything else as its repr."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value if isinstance(value, (int, float, str, bool)) or value is None else echo(value)


def describe(error: Mapping[str, Any], allowed: list[str] | None = None, suggestion: str | None = None) -> EngineMessage:
    """One pydantic error (an item of `ValidationError.errors()`) as a `config.<type>` message. `allowed`
    (the keys at that level) and `suggestion` (the closest one) serve `extra_forbidden`."""
    loc = tuple(error.get("loc", ()))
    kind = str(error.get("type", ""))
    ctx = {k: json_value(v) for k, v in (error.get("ctx") or {}).items() if k != "error"}
    # The given value is echoed within bounds: an alias bomb or a megabyte string must not become the message.
    params: dict[str, Any] = {"field": loc_text(loc), "loc": [json_value(p) for p in loc], "type": kind,
                              "value": echo(error.get("input")), **ctx}
    if kind == "extra_forbidden":
        params["allowed"] = list(allowed or [])
        if suggestion:
            return message("config.extra_forbidden.suggest", **params, suggestion=suggestion)
        return message("config.extra_forbidden", **params)
    if kind in ("literal_error", "enum"):
        params["expected"] = expected_values(clip(str(ctx.get("expected", ""))))
        return message("config.literal_error", **params)
    code = f"config.{kind}"
    try:
        return message(code, **params)
    except (KeyError, ValueError, IndexError):
        # No template (or one that needs a context value this error lacks): pydantic's English.
        return EngineMessage(code, params, f"{params['field']}: {clip(str(error.get('msg', '')))} (got {params['value']})")


def report_text(source: str, texts: list[str], header: str | None = None, more: str | None = None,
                shown: int = 30) -> str:
    """The whole report: "SOURCE: invalid config" and one "  - problem" line each, at most `shown` of them
    (then "... and N more problems"). `header` and `more` are given already rendered (another language)."""
    lines = texts[:shown]
    if len(texts) > len(lines):
        lines = lines + [more or english_text("config.more", count=len(texts) - len(lines))]
    return (header or english_text("config.invalid", source=source)) + "\n" + "\n".join(f"  - {p}" for p in lines)


def english_text(code: str, **params: Any) -> str:
    return message(code, **params).text


def problem(code: str, **params: Any) -> EngineMessage:
    """A config problem tunewiz finds itself (not pydantic): a registered `config.*` code."""
    return message(code, **params)


def unstructured(text: str) -> EngineMessage:
    """A problem that has only English (from a helper that returns text); shown as it is in every language."""
    return EngineMessage("config.text", {}, text)


__all__ = ["TEMPLATES", "VALIDATOR_TEXT", "describe", "expected_values", "format_template", "loc_text", "problem",
           "unstructured"]
