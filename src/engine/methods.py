"""The training methods tunewiz runs, and the defaults that belong to each.

One definition for the run config (`engine.train.config`), the memory estimate, the advisor, the
`advise`/`estimate` commands and the wizard. Standard library only: the CLI and the app's first
frame import it.
"""
from __future__ import annotations

from typing import Literal, get_args

Method = Literal["lora", "qlora", "full", "cpt", "dpo"]
"""lora: a 16-bit base + an adapter; qlora: a 4-bit NF4 base + an adapter; full: supervised
fine-tuning of every weight; cpt: continual pretraining on raw text (every weight); dpo: preference
tuning on chosen/rejected pairs (TRL's DPOTrainer), itself done as LoRA, QLoRA or on every weight
(`DPO_TUNINGS`, RunConfig's `dpo.tuning`)."""

METHODS: tuple[Method, ...] = get_args(Method)
"""Every method, in the order the config, the CLI and the wizard's method picker list them."""

SFT_METHODS: tuple[Method, ...] = ("lora", "qlora", "full", "cpt")
"""The methods that learn from text or conversations (next-token loss); each has a memory shape of its
own, so these are the methods the fit bars compare."""

PREFERENCE_METHODS: tuple[Method, ...] = ("dpo",)
"""The methods that learn from preference pairs (chosen vs rejected)."""

DPO_TUNINGS: tuple[Method, ...] = ("lora", "qlora", "full")
"""How a DPO run trains: an adapter on a 16-bit or a 4-bit base, or every weight (with a reference copy)."""

ADAPTER_METHODS: tuple[Method, ...] = ("lora", "qlora")
"""The methods that train a LoRA adapter on a frozen base (the others train every weight)."""

WHOLE_MODEL_METHODS: tuple[Method, ...] = tuple(m for m in SFT_METHODS if m not in ADAPTER_METHODS)
"""The methods that train every weight and save a whole model (full SFT, continual pretraining)."""

DEFAULT_LEARNING_RATES: dict[Method, float] = {"lora": 2e-4, "qlora": 2e-4, "full": 2e-5, "cpt": 5e-5, "dpo": 5e-6}
"""RunConfig's learning rate when a config sets none (and the advisor's): an adapter learns fast;
every weight needs ~10x less; DPO moves a policy that already answers well, so it steps lightly
(TRL's and LLaMA-Factory's DPO examples use 5e-6 to 5e-7)."""


def rate_text(rate: float) -> str:
    """A learning rate as people write it: 2e-4, 1.5e-5."""
    mantissa, exponent = f"{rate:e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def learning_rate_groups() -> list[tuple[str, str]]:
    """[(methods joined by "/", rate text)] of `DEFAULT_LEARNING_RATES`, methods with one rate
    together, in METHODS order: [("lora/qlora", "2e-4"), ("full", "2e-5"), ("cpt", "5e-5")]."""
    groups: dict[float, list[str]] = {}
    for method in METHODS:
        groups.setdefault(DEFAULT_LEARNING_RATES[method], []).append(method)
    return [("/".join(methods), rate_text(rate)) for rate, methods in groups.items()]


def learning_rate_help() -> str:
    """RunConfig's description of `learning_rate`, from the table."""
    (first_methods, first_rate), *rest = learning_rate_groups()
    return "Default: " + ", ".join([f"{first_rate} for {first_methods}"]
                                   + [f"{rate} {methods}" for methods, rate in rest]) + "."
