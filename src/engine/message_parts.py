"""Messages built from parts: a parameter may itself be a message, so a sentence that depends on a choice
(which method, with or without gradient checkpointing, which of the OpenAI wind-down's dates have passed)
stays a code and raw values instead of an English fragment.

A part is `{"code": ..., "params": {...}}` (`part(code, **params)`; an EngineMessage's `to_dict()`, whose
`text` is used where its code or params do not fit the registry); a list of parts is
`{"parts": [...], "sep": "; "}` (`parts([...], sep)`). Both are plain JSON, so they travel inside an
event's or a reason's `params` and are rendered again in any language: `english_params` gives the
English (engine.messages' registry), `tui.message_parts.render` the user's language.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from engine.messages import Coded, EngineMessage, english


def part(code: str, **params: Any) -> dict[str, Any]:
    """A message used as another message's parameter (its English is built when the parent's is)."""
    return {"code": code, "params": params}


def parts(items: Iterable[Mapping[str, Any]], sep: str = "; ") -> dict[str, Any]:
    """Several parts shown one after the other, joined with `sep` (punctuation, not words)."""
    return {"parts": [dict(item) for item in items], "sep": sep}


def as_part(value: Any) -> Any:
    """An EngineMessage or a Coded str as a part, so another message can carry it as a parameter (and say it in the
    reader's language); anything else as it is."""
    return part(value.code, **value.params) if isinstance(value, (EngineMessage, Coded)) else value


def is_part(value: Any) -> bool:
    return isinstance(value, Mapping) and isinstance(value.get("code"), str) and isinstance(value.get("params"), Mapping)


def is_parts(value: Any) -> bool:
    return isinstance(value, Mapping) and isinstance(value.get("parts"), list) and isinstance(value.get("sep"), str)


def resolve(params: Mapping[str, Any], text_of: Any, sep_of: Any = None) -> dict[str, Any]:
    """`params` with every part (and list of parts) replaced by `text_of(code, params, its stored English or
    None)`; a list's
    separator goes through `sep_of` (a language's own punctuation) when given."""
    def value(v: Any) -> Any:
        if is_part(v):
            text = v.get("text") if isinstance(v.get("text"), str) else None
            try:
                return text_of(v["code"], resolve(v["params"], text_of, sep_of), text)
            except (KeyError, IndexError, ValueError, TypeError):
                if text is not None:   # a part that carries its English (an EngineMessage's dict)
                    return text
                raise
        if is_parts(v):
            return (sep_of(v["sep"]) if sep_of else v["sep"]).join(value(item) for item in v["parts"])
        return v
    return {key: value(v) for key, v in params.items()}


def english_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters with their parts in English, ready for a template."""
    return resolve(params, lambda code, values, _text: english(code, values))


def composed(code: str, **params: Any) -> EngineMessage:
    """An EngineMessage whose params may hold parts: the params stay raw (parts included), the text is
    the English of the whole."""
    return EngineMessage(code, params, english(code, english_params(params)))


def codes_in(params: Mapping[str, Any]) -> list[str]:
    """Every part code used in `params`, depth first (for tests and docs)."""
    out: list[str] = []
    for v in params.values():
        if is_part(v):
            out.append(v["code"])
            out.extend(codes_in(v["params"]))
        elif is_parts(v):
            for item in v["parts"]:
                out.append(item["code"])
                out.extend(codes_in(item["params"]))
    return out
