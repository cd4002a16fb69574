"""The advisor's other routes and its multi-GPU plans: RAG, OpenAI's fine-tuning, the CPU / a rented GPU,
and how several GPUs share a model (engine.advisor applies them; split from it, which re-exports them)."""
from __future__ import annotations

import math
from datetime import date
from typing import Any

from engine.advice_core import (CPU_DEMO_TOKENS_PER_S, Coded, EFFECTIVE_BATCH, GUIDE_MODELS, Answers, Reason, Recommendation,
                                TrainerProfile, best_settings, estimate_for, fits_with_headroom, make_reason,
                                pick_epochs, smallest_rentable)
from engine.catalog import (AZURE_FINE_TUNING, OPENAI_EPOCHS_ASSUMED, OPENAI_MODELS, OPENAI_WIND_DOWN, ModelSpec, OpenAIModel,
                            default_openai_model, get_model)
from engine.hardware import Hardware
from engine.memory import Estimate
from engine.message_parts import part, parts
from engine.methods import DEFAULT_LEARNING_RATES

# -- more than one GPU --------------------------------------------------------------------------------
SHARDING_NAMES = {"fsdp": "FSDP", "zero3": "DeepSpeed ZeRO-3", "zero2": "DeepSpeed ZeRO-2", "ddp": "DDP"}
# What each way divides among the GPUs: the code of its words (engine.advice_messages).
SHARDING_DIVIDES = {"fsdp": "advice.part.divides.all", "zero3": "advice.part.divides.all",
                    "zero2": "advice.part.divides.grads", "ddp": "advice.part.divides.nothing"}
# Methods that can be sharded: QLoRA's 4-bit weights are stored as uint8 beside bf16 ones, which FSDP
# cannot flatten together unless the quantisation storage type matches (tunewiz's trainer leaves it).
SHARDABLE = ("full", "cpt", "lora")


def cards(hardware: Hardware) -> tuple[int, float, str]:
    """(GPUs, the usable GB of the smallest, its name): every rank holds as much as the others."""
    usable = [(min(g.total_gb, g.free_gb) if g.free_gb else g.total_gb, g.name) for g in hardware.gpus]
    gb, name = min(usable)
    return len(usable), gb, name


def sharded(spec: ModelSpec, methods: tuple[str, ...], one_card: Estimate | None, max_length: int,
             hardware: Hardware, profile: TrainerProfile, sharding: str | None) -> Estimate | None:
    """With 2+ GPUs: the first method, preferred over what one card holds, that fits sharded on each."""
    if len(hardware.gpus) < 2 or sharding == "ddp":
        return None
    n, card_gb, _ = cards(hardware)
    for method in methods:
        if one_card is not None and method == one_card.method:
            return None                      # one card holds this method already: DDP, not sharding
        if method not in SHARDABLE:
            continue
        found = best_settings(spec, method, max_length, card_gb, profile, sharding=sharding or "fsdp", world_size=n)
        if found is not None:
            return found
    return None


def world_of(hardware: Hardware, chosen: Estimate, shard: Estimate | None) -> tuple[int, str]:
    """(processes, sharding) the recommendation trains with: every GPU when the chosen settings fit each."""
    if shard is not None:
        return len(hardware.gpus), str(shard.assumptions["sharding"])
    if len(hardware.gpus) >= 2 and fits_with_headroom(chosen, cards(hardware)[1]):
        return len(hardware.gpus), "ddp"
    return 1, "ddp"


def distributed_settings(mode: str, world: int, chosen: Estimate, answers: Answers) -> dict[str, Any]:
    """RunConfig keys of a run over `world` GPUs; grad_accum keeps the effective batch across them."""
    target = 8 if answers.examples is not None and answers.examples < 200 else EFFECTIVE_BATCH
    out: dict[str, Any] = {"nproc_per_node": world, "grad_accum": max(1, target // (chosen.batch * world)),
                           "distributed": "deepspeed" if mode.startswith("zero") else mode}
    if mode.startswith("zero"):
        out["deepspeed_stage"] = int(mode[-1])
    return out


def stated(rec: Recommendation, openai_considered: bool, today: date) -> Recommendation:
    """An open-model recommendation where OpenAI was an option ends with what remains of it (Azure) and the
    open model trained on the same file."""
    if openai_considered:
        rec.reasons.extend(openai_afterwards(today))
    return rec


def first_fit(spec: ModelSpec, methods: tuple[str, ...], max_length: int, vram: float,
               profile: TrainerProfile) -> Estimate | None:
    for method in methods:
        found = best_settings(spec, method, max_length, vram, profile)
        if found is not None:
            return found
    return None


def rag_path(answers: Answers) -> Recommendation:
    reasons = [make_reason("knowledge-goal"), make_reason("no-reliable-facts")]
    return Recommendation(
        path="rag", method=None, model=None, settings={}, reasons=reasons,
        alternatives=[Coded("advice.alt.rag-style")],
        next_steps=[Coded(f"advice.next.rag-{name}") for name in ("chunks", "embed", "index", "prompt", "measure", "style")])


def openai_eligibility(today: date) -> list[Reason]:
    """Who may still create jobs on `today` (nothing to say before OpenAI's first block)."""
    w = OPENAI_WIND_DOWN
    values = {"never_since": w.never_fine_tuned_blocked.value, "inactive_since": w.inactive_blocked.value,
              "days": w.inactive_days.value, "error": w.blocked_error.value["code"]}
    if today >= date.fromisoformat(w.inactive_blocked.value):
        return [make_reason("openai-eligibility", **values)]
    if today >= date.fromisoformat(w.never_fine_tuned_blocked.value):
        return [make_reason("openai-eligibility", "never-fine-tuned", **values)]
    return []


def openai_afterwards(today: date) -> list[Reason]:
    """Where OpenAI was an option: Azure's own schedule while it lasts, and always the open model."""
    out = []
    azure = [msg for msg in (s.message(today) for s in AZURE_FINE_TUNING.values())
             if msg[1]["code"] != "azure-ft-ended"]
    if azure:
        out.append(make_reason("openai-azure", schedule=parts(
            [part(f"advice.azure.{coded['code']}", **coded["params"]) for _, coded in azure], sep=" ")))
    out.append(make_reason("open-alternative"))
    return out


def openai_path(answers: Answers, reasons: list[Reason], alternatives: list[str], today: date, spec: ModelSpec,
            methods: tuple[str, ...], max_length: int, profile: TrainerProfile) -> Recommendation:
    model: OpenAIModel | None = default_openai_model(today)
    assert model is not None and model.fine_tunable(today)   # only called while new jobs are open
    reasons.append(make_reason("openai-path", model=model.id))
    reasons.extend(openai_eligibility(today))
    reasons.append(make_reason("openai-wind-down", wind_down=wind_down_part(today)))
    settings: dict[str, Any] = {"model": model.id, "epochs": "auto"}
    if answers.examples and answers.avg_tokens:
        tokens = answers.examples * answers.avg_tokens
        price = model.training_price_per_1m.value
        cost = tokens * OPENAI_EPOCHS_ASSUMED * price / 1e6
        settings["estimated_cost_usd"] = round(cost, 2)
        reasons.append(make_reason("openai-cost", cost=cost, tokens=tokens, epochs=OPENAI_EPOCHS_ASSUMED, price=price,
                               as_of=model.training_price_per_1m.as_of))
        if answers.avg_tokens > model.example_tokens.value:
            reasons.append(make_reason("openai-example-limit", avg_tokens=answers.avg_tokens, model=model.id,
                                   limit=model.example_tokens.value))
    reasons.extend(openai_afterwards(today))
    rent = smallest_rentable(spec, methods, max_length, profile)
    if rent is not None:
        size, e = rent
        alternatives.append(Coded("advice.alt.own-weights", size=size, method=part(f"advice.part.name.{e.method}"),
                                  model=spec.id, need=e.total_gb))
    refused, coded = OPENAI_WIND_DOWN.training_not_available(today)
    return Recommendation(path="openai", method=None, model=model.id, settings=settings, reasons=reasons,
                          alternatives=alternatives,
                          next_steps=[Coded("advice.next.lint-openai", data="YOUR_DATA.jsonl", model=model.id),
                                      Coded("advice.next.openai-before", date=OPENAI_WIND_DOWN.new_jobs_end.value),
                                      # the refusal's words are the OpenAI area's (openai.err.<code>), its English
                                      # the catalog's: a part that carries its text
                                      Coded("advice.next.openai-403", refused={"code": f"openai.err.{coded['code']}",
                                                                               "params": coded["params"],
                                                                               "text": refused})])


def cpu_or_rent(answers: Answers, hardware: Hardware, reasons: list[Reason], alternatives: list[str],
                 spec: ModelSpec, methods: tuple[str, ...], max_length: int, profile: TrainerProfile) -> Recommendation:
    demo = get_model("demo")
    assert demo is not None  # a catalog constant
    rent = smallest_rentable(spec, methods, max_length, profile)
    if rent is not None:
        size, e = rent
        reasons.append(make_reason("rent-gpu", model=spec.id, size=size, method=part(f"advice.part.name.{e.method}"),
                               need=e.total_gb, max_length=max_length))
        alternatives.append(Coded("advice.alt.rent", size=size, method=e.method, model=spec.id))
    cpu_length = min(max_length, 512)
    e = estimate_for(demo, "lora", cpu_length, 2, False, hardware.ram_gb or None, profile, device="cpu")
    ram = hardware.ram_available_gb or hardware.ram_gb
    if ram and e.total_gb > ram:
        reasons.append(make_reason("low-ram", need=e.total_gb, ram=ram))
    if answers.examples and answers.avg_tokens:
        tokens = answers.examples * min(answers.avg_tokens, cpu_length) * pick_epochs(answers.examples, "lora")
        hours = tokens / CPU_DEMO_TOKENS_PER_S / 3600
        reasons.append(make_reason("cpu-demo", "with-time", cores=hardware.cpu_cores, need=e.total_gb,
                               duration=duration_text(hours), tokens_per_s=CPU_DEMO_TOKENS_PER_S))
    else:
        reasons.append(make_reason("cpu-demo", cores=hardware.cpu_cores, need=e.total_gb))
    settings = {"model": "demo", "method": "lora", "epochs": pick_epochs(answers.examples, "lora"),
                "learning_rate": DEFAULT_LEARNING_RATES["lora"], "max_length": cpu_length, "batch_size": 2,
                "grad_accum": 4, "gradient_checkpointing": False,
                "lora": {"r": profile.lora_r, "alpha": profile.lora_alpha}}
    return Recommendation(path="open", method="lora", model="demo", settings=settings, reasons=reasons, estimate=e,
                          device="cpu", alternatives=alternatives,
                          next_steps=[Coded("advice.next.lint", data="YOUR_DATA.jsonl"),
                                      Coded("advice.next.config", data="YOUR_DATA.jsonl")])


def duration_text(hours: float) -> dict[str, Any]:
    """A rough duration as a part: minutes under an hour, hours under two days, else days."""
    if hours < 1:
        return part("advice.part.minutes", minutes=max(1, math.ceil(hours * 60)))
    if hours < 48:
        return part("advice.part.hours", hours=hours)
    return part("advice.part.days", days=hours / 24)


def wind_down_part(today: date) -> dict[str, Any]:
    """OpenAI's wind-down on `today` as a part: the catalog's dated facts, each in the tense `today` gives it
    (the same facts and order as OPENAI_WIND_DOWN.sentence)."""
    w = OPENAI_WIND_DOWN
    jobs, shut = w.days_left(today)
    passed = [date.fromisoformat(f.value) <= today for f in (w.never_fine_tuned_blocked, w.inactive_blocked)]
    facts = [part("advice.wd.never-since" if passed[0] else "advice.wd.never-from", date=w.never_fine_tuned_blocked.value)]
    if jobs > 0:
        facts.append(part("advice.wd.inactive-since" if passed[1] else "advice.wd.inactive-from",
                          date=w.inactive_blocked.value, days=w.inactive_days.value))
        facts.append(part("advice.wd.jobs-end", date=w.new_jobs_end.value, days=jobs))
    else:
        facts.append(part("advice.wd.jobs-ended", date=w.new_jobs_end.value))
    for m in OPENAI_MODELS:
        if m.shut_down is not None and m.shut_down is not w.models_shut_down:
            left = (date.fromisoformat(m.shut_down.value) - today).days
            facts.append(part("advice.wd.model-shut-ahead", model=m.id, date=m.shut_down.value, days=left) if left > 0
                         else part("advice.wd.model-shut", model=m.id, date=m.shut_down.value))
    facts.append(part("advice.wd.shut-ahead", date=w.models_shut_down.value, days=shut) if shut > 0
                 else part("advice.wd.shut-past", date=w.models_shut_down.value))
    return part("advice.wd.sentence", notice=w.notice.value, facts=parts(facts))


def todays_default(reasons: list[Reason], alternatives: list[str], model: str) -> None:
    """No model was asked for: say that today's default was used, and name the guide's models with why each
    might still be the one to pick."""
    reasons.append(make_reason("todays-default", model=model))
    alternatives.extend(Coded(why, model=guide_model) for guide_model, why in GUIDE_MODELS)
