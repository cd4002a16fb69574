"""Texts more than one wizard step shows, in the current language.

Steps never import each other (the import contract in pyproject.toml says so): what two steps
both show lives here, what two steps both compute lives in `state`.
"""
from __future__ import annotations

from typing import Any

from tui.i18n import t

TERMS = ("weights", "lora_params", "gradients", "optimizer", "activations", "logits", "cuda_overhead",
         "runtime_overhead")
"""The memory estimate's breakdown terms the wizard names (each has a `wizard.term.*` text)."""


def wind_down_text() -> str:
    """OpenAI's wind-down as dated facts from the catalog, in the current language."""
    from engine.catalog import OPENAI_WIND_DOWN
    jobs, shut = OPENAI_WIND_DOWN.days_left()
    return t("wizard.winddown.text" if jobs >= 0 else "wizard.winddown.past",
             jobs=OPENAI_WIND_DOWN.new_jobs_end.value, jobs_days=max(jobs, 0),
             shut=OPENAI_WIND_DOWN.models_shut_down.value, shut_days=max(shut, 0),
             as_of=OPENAI_WIND_DOWN.new_jobs_end.as_of)


def breakdown_text(e: Any) -> str:
    """One line of an `engine.memory.Estimate`: where the memory goes, term by term, and the total."""
    parts = [f"{t(f'wizard.term.{k}')} {v:.2f}" for k, v in e.breakdown.items() if k in TERMS and v >= 0.005]
    return t("wizard.model.breakdown", parts=" · ".join(parts), total=e.total_gb)
