"""Texts more than one wizard step shows, in the current language.

Steps never import each other (the import contract in pyproject.toml says so): what two steps
both show lives here, what two steps both compute lives in `state`.
"""
from __future__ import annotations

from typing import Any

from tui.i18n import t
from tui.messages import wind_down_text  # noqa: F401  (the wizard's steps take it from here)

TERMS = ("weights", "lora_params", "gradients", "optimizer", "activations", "logits", "reference", "cuda_overhead",
         "runtime_overhead")
"""The memory estimate's breakdown terms the wizard names (each has a `wizard.term.*` text)."""


def method_long(method: str | None, dpo_tuning: str | None = None) -> str:
    """A method as the headlines name it; DPO with the tuning it trains with ("DPO with LoRA ...")."""
    if not method:
        return ""
    if method == "dpo":
        return t("wizard.method.dpo", tuning=t(f"wizard.method_short.{dpo_tuning or 'lora'}"))
    return t(f"wizard.method.{method}")


def method_short(method: str, dpo_tuning: str | None = None) -> str:
    """A method as a fit bar labels it ("LoRA", "DPO·QLoRA")."""
    if method == "dpo":
        tuning = t("wizard.method_short." + (dpo_tuning or "lora"))
        return f"DPO·{tuning}"
    return t(f"wizard.method_short.{method}")


def breakdown_text(e: Any) -> str:
    """One line of an `engine.memory.Estimate`: where the memory goes, term by term, and the total."""
    parts = [f"{t(f'wizard.term.{k}')} {v:.2f}" for k, v in e.breakdown.items() if k in TERMS and v >= 0.005]
    return t("wizard.model.breakdown", parts=" · ".join(parts), total=e.total_gb)


# -- the OpenAI steps ----------------------------------------------------------------------------------
def openai_facts_text(today: Any) -> str:
    """OpenAI's wind-down on `today` (the catalog's own sentence; in Chinese the same dated facts) and
    Azure OpenAI's schedule per family, each line from the catalog's dated facts."""
    from engine.catalog import AZURE_FINE_TUNING, OPENAI_WIND_DOWN as W
    from tui.i18n import language
    if language() == "en":
        lines = [W.sentence(today)]
    else:
        jobs, shut = W.days_left(today)
        lines = [t("openai.facts.winddown" if jobs > 0 else "openai.facts.winddown_past",
                   notice=W.notice.value, never=W.never_fine_tuned_blocked.value, inactive=W.inactive_blocked.value,
                   window=W.inactive_days.value, jobs=W.new_jobs_end.value, jobs_days=jobs,
                   shut=W.models_shut_down.value, shut_days=max(shut, 0))]
    for schedule in AZURE_FINE_TUNING.values():
        english, coded = schedule.message(today)
        lines.append(english if language() == "en" else t(f"openai.facts.{coded['code']}", **coded["params"]))
    return "\n".join(lines)


