"""Engine messages that carry a code and parameters, in the user's language: the Chinese text is
looked up by the code (`openai.err.<code>`, `openai.problem.<code>`), and the engine's English
message is the fallback, so a code without a translation still says something useful."""
from __future__ import annotations

from typing import Any

from tui.i18n import t


def fine_tune_error_text(err: Any) -> str:
    """An engine FineTuneError in the current language: translated by its code where a text exists,
    else the engine's English message and advice."""
    from tui.i18n import language
    code, params = getattr(err, "code", ""), dict(getattr(err, "params", {}) or {})
    english = f"{getattr(err, 'message', err)}\n{getattr(err, 'advice', '')}".strip()
    if language() == "en":
        return english
    if code == "training-not-available" and params.get("rule"):
        code = params["rule"]
    key = f"openai.err.{code}"
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
