"""Messages the engine produces, stored without a language: a stable `code`, its `params` (raw JSON
values: numbers, strings, lists, never English fragments) and the English `text` built from ONE registry
of templates.

Why: messages cross a process and a file (trainer -> events.jsonl -> `tunewiz watch` in another locale,
`--json`), so the TUI and the plain-text commands render them in the user's language by the code
(`tui.messages.message_text`) and fall back to the English text stored beside it.

The registry: each domain keeps its English templates in a light module of pure data (no heavy imports)
listed in `DOMAIN_HOMES` by its domains, which calls `register` at import. Codes are `<domain>.<name>`: lint findings
`lint.<code>`, advisor rules `advice.<rule>`, run endings `end.<reason>`, config problems `config.<type>`.
Templates use `str.format` placeholders (`{count}`, `{size:.1f}`); a list parameter is shown joined with
", " (`render_params`). The Chinese texts live in the TUI's catalog under the same code (tui/i18n/msg_*.py);
docs/messages.md shows both side by side and a test keeps it current.
"""
from __future__ import annotations

import importlib
import string
from dataclasses import dataclass, field
from typing import Any, Mapping

# Which modules register each domain's English templates (`<domain>.<name>` codes): a code not registered yet imports
# its own domain's modules, not every domain's. Add a domain's module here (tests/test_messages.py checks this table
# against what each module registers).
DOMAIN_HOMES: dict[str, tuple[str, ...]] = {
    "lint": ("engine.data.lint_messages", "engine.openai_pref_messages"),
    "config": ("engine.train.config_messages",),
    "advice": ("engine.advice_messages",),
    "end": ("engine.train.end_messages",), "log": ("engine.train.end_messages",),
    "export": ("engine.export_messages",), "gguf": ("engine.export_messages",), "ollama": ("engine.export_messages",),
    "tracking": ("engine.export_messages",),
    "preflight": ("engine.launch_messages",),
    "estimate": ("engine.estimate_messages",),
    "run": ("engine.run_messages",),
    "hardware": ("engine.hardware_messages",),
    "load": ("engine.load_messages",),
}
# Every such module, once (imported by `registered()`, so a listing of every code is complete whichever modules the
# caller happened to import).
DOMAIN_MODULES: tuple[str, ...] = tuple(dict.fromkeys(m for homes in DOMAIN_HOMES.values() for m in homes))

_registry: dict[str, str] = {}
_loaded = False


@dataclass(frozen=True)
class EngineMessage:
    """One message: its stable code, raw parameters and the English text (built from the registry)."""
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    text: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The form events.jsonl and `--json` carry: {"code", "params", "text"}."""
        return {"code": self.code, "params": dict(self.params), "text": self.text}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "EngineMessage":
        """Back from `to_dict` (e.g. read from events.jsonl); a missing text is rebuilt from the registry."""
        code, params = str(data.get("code", "")), dict(data.get("params") or {})
        return cls(code, params, str(data.get("text") or english(code, params)))

    def __str__(self) -> str:
        return self.text


def register(codes: Mapping[str, str]) -> None:
    """Adds English templates by code. Registering a code again with another text is a bug (two sources
    of truth) and raises ValueError; the same text again is harmless (a module imported twice)."""
    for code, template in codes.items():
        if "." not in code:
            raise ValueError(f"message code {code!r} has no domain prefix (lint., config., advice., end., ...)")
        old = _registry.get(code)
        if old is not None and old != template:
            raise ValueError(f"message code {code!r} registered twice with different English")
        placeholders(template)   # a malformed template fails here, at import, not when a user hits it
        _registry[code] = template


def load_all() -> None:
    """Imports every domain's template module (once)."""
    global _loaded
    if not _loaded:
        for name in DOMAIN_MODULES:
            importlib.import_module(name)
        _loaded = True


def registered() -> dict[str, str]:
    """Every registered code -> its English template, all domains loaded."""
    load_all()
    return dict(_registry)


def domain(code: str) -> str:
    """The domain of a code: the part before the first dot (`lint.bom` -> `lint`)."""
    return code.split(".", 1)[0]


def placeholders(template: str) -> set[tuple[str, str]]:
    """The (name, format spec) pairs a template uses; ZH and EN of a code must use the same ones."""
    return {(name, spec or "") for _, name, spec, _ in string.Formatter().parse(template) if name is not None}


def render_params(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters ready for `str.format`: a list or tuple becomes its items joined with ", "."""
    return {k: (", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v) for k, v in params.items()}


def format_template(template: str, params: Mapping[str, Any]) -> str:
    """`template` filled with `params` (lists joined); raises KeyError/ValueError when they do not fit."""
    return template.format(**render_params(params))


def plain_params(params: Mapping[str, Any]) -> bool:
    """True when every value is exactly a str, int or float (no list to join, no part to resolve): such params
    go into a template as they are. (Cheap: findings are made by the thousand.)"""
    for v in params.values():
        t = type(v)
        if t is not str and t is not int and t is not float:
            return False
    return True


_english_params: Any = None   # engine.message_parts.english_params, imported on first use (it imports this module)


def template(code: str) -> str:
    """The English template of a code, its domain's modules imported if it is not registered yet (every domain's,
    for a domain not in DOMAIN_HOMES); KeyError if unknown."""
    found = _registry.get(code)
    if found is None:
        for name in DOMAIN_HOMES.get(domain(code), ()):
            importlib.import_module(name)
        found = _registry.get(code)
        if found is None:
            load_all()
            found = _registry[code]
    return found


def english(code: str, params: Mapping[str, Any] | None = None) -> str:
    """The English text of a code with these parameters. An unregistered code raises KeyError."""
    global _english_params
    text = template(code)
    if not params:
        return text.format()
    if plain_params(params):
        return text.format(**params)
    if any(isinstance(v, Mapping) for v in params.values()):   # parts (engine.message_parts): their English first
        if _english_params is None:
            from engine.message_parts import english_params
            _english_params = english_params
        params = _english_params(params)
    return format_template(text, params)


def plain_message(code: str, params: dict[str, Any]) -> EngineMessage:
    """`message(code, **params)` for params already known to be plain (`plain_params`): no second check. (Lint
    makes these by the thousand: one per kept finding, one per duplicate row.)"""
    text = template(code)
    return EngineMessage(code, params, text.format(**params) if params else text.format())


def message(code: str, **params: Any) -> EngineMessage:
    """An `EngineMessage` for a registered code, its English built from the registry."""
    return EngineMessage(code, params, english(code, params))


class Coded(str):
    """A registered message as its English text (a str: progress callbacks, printing and `in` keep working) that
    also carries its `code` and raw `params`, so a screen or command says it in the user's language
    (tui.messages.text_of). For what the engine reports while it works (`progress` / `say` callbacks)."""
    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, **params: Any) -> "Coded":
        text = super().__new__(cls, english(code, params))
        text.code, text.params = code, params
        return text


def templates(domain_name: str) -> dict[str, str]:
    """The registered codes of one domain (`lint`, `config`, ...) -> English template, in registration order."""
    return {code: text for code, text in registered().items() if domain(code) == domain_name}


def domains() -> list[str]:
    """Every domain that has registered codes, sorted (registration order depends on what a process imported first)."""
    return sorted({domain(code) for code in registered()})
