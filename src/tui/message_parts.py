"""Engine messages whose params hold parts (engine.message_parts), in the user's language: every part is
rendered first (`tui.messages.message_text`, the catalog's Chinese or the registry's English), then the
message itself; a message whose code or params this version does not know shows its stored English."""
from __future__ import annotations

from typing import Any, Mapping

# A list of parts is joined with punctuation; Chinese has its own (full-width) marks.
SEPARATORS = {"zh": {"; ": "；", ", ": "，", " ": ""}}


def separator(sep: str) -> str:
    from tui.i18n import language
    return SEPARATORS.get(language(), {}).get(sep, sep)


# Items of a list (names, formats, keys) in a sentence; Chinese enumerates with the ideographic comma.
LIST_SEPARATORS = {"zh": "、"}


def join_list(items: Any) -> str:
    """A list's items joined as the current language enumerates them ("a, b, c"; Chinese "a、b、c")."""
    from tui.i18n import language
    return LIST_SEPARATORS.get(language(), ", ").join(map(str, items))


def render(code: str | None, params: Mapping[str, Any] | None, english: str | None) -> str:
    """`code` with `params` (parts included) in the current language; `english` (the stored text) when
    there is no code, or when the code or its params do not fit this version's catalog."""
    from engine.message_parts import resolve
    from tui.messages import message_text
    if not code:
        return english or ""
    try:
        flat = resolve(params or {}, message_text, separator)
    except (KeyError, TypeError, ValueError, AttributeError):
        return english or code
    return message_text(code, flat, english)


def render_item(item: Any, code_field: str = "code", params_field: str = "params", text_field: str = "text") -> str:
    """`render` of an object or dict that carries a message (a Reason, an EngineMessage, its to_dict())."""
    get = item.get if isinstance(item, Mapping) else (lambda name, default=None: getattr(item, name, default))
    text = get(text_field)
    return render(get(code_field) or None, get(params_field) or {}, None if text is None else str(text))


def ending_texts(code: str | None, params: Mapping[str, Any] | None, error: str | None,
                 advice: str | None) -> tuple[str | None, str | None]:
    """A run's ending (the `end` event's code and params; engine.train.end_messages) as (error, advice) in
    the current language; the stored English where there is no code (an older run) or no translation."""
    if not code:
        return error, advice
    return (render(f"end.{code}", params, error) if error else None,
            render(f"end.{code}.advice", params, advice) if advice else None)


def snapshot_ending(s: Any) -> tuple[str | None, str | None]:
    """`ending_texts` of an engine.monitoring.Snapshot."""
    return ending_texts(getattr(s, "end_code", None), getattr(s, "end_params", None), s.error, s.advice)
