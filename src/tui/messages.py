"""Engine messages that carry a code and parameters, in the user's language: the Chinese text is
looked up by the code, and the engine's English message is the fallback, so a code without a
translation still says something useful.

- `message_text(code, params, english)`: any message of the engine's registry (engine/messages.py:
  `lint.*`, `config.*`, `advice.*`, `end.*`, ...); its Chinese is in the i18n areas `msg_<domain>`.
- `fine_tune_error_text`, `model_problem_text`: OpenAI errors (`openai.err.<code>`, `openai.problem.<code>`).
- `wind_down_text`: OpenAI's fine-tuning wind-down, from the catalog's dates.

`python -m tui.messages --write-docs` regenerates docs/messages.md (every code's English and Chinese side
by side, one table per domain); `--check` exits 1 when it is out of date.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Mapping

from tui.i18n import language, t, tables

DOCS = Path(__file__).resolve().parents[2] / "docs" / "messages.md"


def wind_down_text() -> str:
    """OpenAI's wind-down as dated facts from the catalog, in the current language (the wizard, `tunewiz lint
    --target openai` and `tunewiz models` say it: here, not in the wizard's modules, which import Textual)."""
    from engine.catalog import OPENAI_WIND_DOWN
    jobs, shut = OPENAI_WIND_DOWN.days_left()
    return t("wizard.winddown.text" if jobs >= 0 else "wizard.winddown.past",
             jobs=OPENAI_WIND_DOWN.new_jobs_end.value, jobs_days=max(jobs, 0),
             shut=OPENAI_WIND_DOWN.models_shut_down.value, shut_days=max(shut, 0),
             as_of=OPENAI_WIND_DOWN.new_jobs_end.as_of)


def message_text(code: str, params: Mapping[str, Any] | None = None, english: str | None = None) -> str:
    """A registered engine message in the current language: the catalog's text for `code` filled with
    `params` (lists joined with ", "); the English `english` where there is no translation or the params
    do not fit it (a message written by an older or newer tunewiz); the registry's English, or the code
    itself, when no English was given."""
    from engine.messages import english as registry_english, format_template
    params = params or {}
    if any(isinstance(v, Mapping) for v in params.values()):
        # parts (engine.message_parts: "got a list"): each said in this language first
        from engine.message_parts import resolve
        from tui.message_parts import separator
        try:
            params = resolve(params, lambda c, p, e=None: message_text(c, p, e), separator)
        except (KeyError, TypeError, ValueError, AttributeError):
            return english or code
    if language() != "en" or not english:
        template = tables().get(language(), {}).get(code)
        if template is not None:
            if language() != "en":   # lists as this language enumerates them (format_template joins with ", ")
                from tui.message_parts import join_list
                params = {k: join_list(v) if isinstance(v, (list, tuple)) else v for k, v in params.items()}
            try:
                return format_template(template, params)
            except (KeyError, IndexError, ValueError, TypeError):
                pass
    if english:
        return english
    try:
        return registry_english(code, params)
    except (KeyError, IndexError, ValueError, TypeError):
        return code


def text_of(item: Any) -> str:
    """`message_text` of anything that carries a message: an EngineMessage, its `to_dict()` form
    ({"code", "params", "text"}), a lint Finding or Problem (`message_code`, `params`, `message`), a
    DatasetError (`engine_message()`), an exception without any of those (its str()), or plain English text
    (returned as it is)."""
    if isinstance(item, str):
        code, params = getattr(item, "code", None), getattr(item, "params", None)
        if isinstance(code, str) and isinstance(params, dict):   # English that carries its code (engine Coded)
            return message_text(code, params, str(item))
        return item
    if hasattr(item, "engine_message") and not hasattr(item, "message_code"):
        return text_of(item.engine_message())
    if isinstance(item, Mapping):
        code = item.get("message_code") or item.get("code") or ""
        return message_text(str(code), item.get("params") or {}, item.get("text") or item.get("message"))
    code = getattr(item, "message_code", None) or getattr(item, "code", "") or ""
    english = getattr(item, "text", None) or getattr(item, "message", None)
    if english is None and isinstance(item, BaseException):
        english = str(item)  # an uncoded error says what it says
    return message_text(str(code), getattr(item, "params", None) or {}, english if english is None else str(english))


def error_parts(exc: Any) -> tuple[str, str]:
    """(message, advice) of an engine error in the current language: by its message code where it has one
    (an export, Ollama or GGUF error: `message_code`, `params`), else its English `message` and `advice`."""
    message = getattr(exc, "message", None) or str(exc)
    advice = getattr(exc, "advice", "") or ""
    key, params = getattr(exc, "message_code", None), getattr(exc, "params", None) or {}
    if key:
        message = message_text(key, params, message)
        advice = message_text(f"{key}.advice", params, advice) if advice else advice
    return message, advice


def fine_tune_error_text(err: Any, cli: bool = False) -> str:
    """An engine FineTuneError in the current language: translated by its code where a text exists,
    else the engine's English message and advice. `cli`: for the command line, whose texts name commands
    where the app's name a key (`openai.err.<code>.cli`, tui/i18n/openai_cli.py)."""
    from tui.i18n import language
    code, params = getattr(err, "code", ""), dict(getattr(err, "params", {}) or {})
    english = f"{getattr(err, 'message', err)}\n{getattr(err, 'advice', '')}".strip()
    if language() == "en":
        return english
    if code == "training-not-available" and params.get("rule"):
        code = params["rule"]
    key = f"openai.err.{code}"
    if cli and f"{key}.cli" in tables().get(language(), {}):
        key = f"{key}.cli"
    text = t(key, **params)
    return english if text == key else text


def model_problem_text(problem: Any) -> str:
    """A validate_file model/method problem (code + params) in the current language."""
    from tui.i18n import language
    key = f"openai.problem.{problem.code}"
    if language() == "en":
        return problem.message
    params = {k: (", ".join(map(str, v)) if isinstance(v, list) else v) for k, v in problem.params.items()}
    text = t(key, **params)
    return problem.message if text == key else text


def config_error_text(exc: Any) -> str:
    """An engine ConfigError (source, coded `messages`) as its report in the current language."""
    from engine.train.config_messages import report_text
    texts = [message_text(m.code, m.params, m.text) for m in exc.messages]
    shown = 30
    more = message_text("config.more", {"count": len(texts) - shown}) if len(texts) > shown else None
    return report_text(exc.source, texts, message_text("config.invalid", {"source": exc.source}), more, shown)


def docs_markdown() -> str:
    """docs/messages.md: every registered code's English and Chinese side by side, one table per domain."""
    from engine.messages import domains, registered
    zh = tables()["zh"]
    cell = lambda text: text.replace("|", "\\|").replace("\n", "<br>")  # noqa: E731
    out = ["# Engine messages: English and Chinese", "",
           "Generated by `python -m tui.messages --write-docs` from the engine's registry (the English:",
           "engine/messages.py and each domain's template module) and the TUI's catalogs (the Chinese:",
           "src/tui/i18n/msg_<domain>.py); tests/test_messages.py fails when this file is out of date.",
           "A message stores its code, its parameters (`{name}`) and its English; the TUI and the plain-text",
           "commands show it in the user's language and fall back to the stored English.", ""]
    codes = registered()
    for name in domains():
        out += [f"## {name}", "", "| code | English | 中文 |", "| --- | --- | --- |"]
        for code, english in codes.items():
            if code.split(".", 1)[0] == name:
                out.append(f"| `{code}` | {cell(english)} | {cell(zh.get(code, '(missing)'))} |")
        out.append("")
    return "\n".join(out)


def main(argv: list[str]) -> int:
    """`--write-docs` rewrites docs/messages.md; `--check` says whether it is current (exit 1 if not)."""
    text = docs_markdown()
    if "--write-docs" in argv:
        DOCS.write_text(text, encoding="utf-8")
        print(f"wrote {DOCS}")
        return 0
    if "--check" in argv:
        current = DOCS.read_text(encoding="utf-8") if DOCS.is_file() else ""
        if current != text:
            print(f"{DOCS} is out of date: run python -m tui.messages --write-docs", file=sys.stderr)
            return 1
        return 0
    print("usage: python -m tui.messages --write-docs | --check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
