"""String tables: English and Simplified Chinese, one module per area of the app.

Each area module (`tui/i18n/<area>.py`) defines `EN` and `ZH` dicts with the same keys, prefixed by
the area (`monitor.title`). `t(key, **values)` formats the string of the current language, falling
back to English (and to the key itself) so a missing entry never crashes a screen; a test checks
that both tables of every area are complete.
"""
from __future__ import annotations

import importlib
import locale
import os

# `msg_<domain>`: the Chinese of the engine's coded messages (engine/messages.py), English from its registry.
AREAS = ("common", "home", "wizard", "openai", "dataset", "runs", "monitor", "chat", "msg_lint", "msg_config", "msg_advice", "msg_end", "msg_log", "msg_export", "msg_preflight", "msg_estimate", "msg_pref", "msg_run", "msg_hardware", "msg_load", "serve", "export_cli", "lint_cli", "advise_cli", "openai_cli", "train_cli", "chat_cli")
LANGUAGES = ("en", "zh")

_tables: dict[str, dict[str, str]] = {}
_current = "en"


def tables() -> dict[str, dict[str, str]]:
    """language -> merged table of every area that exists."""
    if not _tables:
        merged: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
        for area in AREAS:
            try:
                module = importlib.import_module(f"tui.i18n.{area}")
            except ModuleNotFoundError:
                continue
            merged["en"].update(getattr(module, "EN", {}))
            merged["zh"].update(getattr(module, "ZH", {}))
        _tables.update(merged)
    return _tables


def detect_language(explicit: str | None = None) -> tuple[str, str | None]:
    """(language, note). Explicit choice, else $TUNEWIZ_LANG, else the locale; unknown → English with a note."""
    choice = explicit or os.environ.get("TUNEWIZ_LANG")
    if not choice:
        for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
            if os.environ.get(var):
                choice = os.environ[var]
                break
        else:
            choice = (locale.getlocale()[0] or "en")
    code = choice.split(".")[0].split("_")[0].split("-")[0].lower()
    if code in ("c", "posix", ""):
        return "en", None
    if code in LANGUAGES:
        return code, None
    return "en", f"no string table for '{choice}'; using English"


def set_language(lang: str) -> None:
    global _current
    _current = lang if lang in LANGUAGES else "en"


def language() -> str:
    return _current


def t(key: str, **values: object) -> str:
    table = tables()
    text = table.get(_current, {}).get(key) or table["en"].get(key) or key
    if values:
        try:
            return text.format(**values)
        except (KeyError, IndexError, ValueError):
            return text
    return text
