"""The advisor's preference route: "make it prefer answer A over B" with chosen/rejected pairs -> DPO.

DPO trains an adapter on the model (LoRA on a 16-bit base, else QLoRA on a 4-bit one), chosen and
rejected answers together, against a reference that is the same base with the adapter switched off.
Every choice is priced by engine.memory.estimate(method="dpo", dpo_tuning=...). Without pairs the
advice is to collect them or to do supervised fine-tuning first (engine.advisor handles that case).
"""
from __future__ import annotations

from engine.advice_core import (DPO_ADVISED_TUNINGS, Coded, RENTABLE_GB, Answers, Reason, Recommendation, TrainerProfile,
                                best_settings, checkpointing_part, estimate_for, fits_with_headroom, make_reason, model_reasons,
                                pick_epochs, run_settings, usable_gb)
from engine.catalog import ModelSpec, get_model, smaller_models
from engine.hardware import Hardware
from engine.memory import Estimate
from engine.message_parts import as_part, part

# DPO's tunings as a reason names them (parts: engine.advice_messages).
TUNING_LABELS = {tuning: part(f"advice.part.method.dpo-{tuning}") for tuning in ("lora", "qlora", "full")}
DPO_QLORA = part("advice.part.name.dpo-qlora")


def first_dpo_fit(spec: ModelSpec, max_length: int, vram: float, profile: TrainerProfile) -> Estimate | None:
    """The fastest DPO configuration that fits, trying LoRA before QLoRA."""
    for tuning in DPO_ADVISED_TUNINGS:
        found = best_settings(spec, "dpo", max_length, vram, profile, dpo_tuning=tuning)
        if found is not None:
            return found
    return None


def smallest_rentable_dpo(spec: ModelSpec, max_length: int, profile: TrainerProfile) -> tuple[int, Estimate] | None:
    for size in RENTABLE_GB:
        for tuning in DPO_ADVISED_TUNINGS:
            e = estimate_for(spec, "dpo", max_length, 1, True, size, profile, dpo_tuning=tuning)
            if fits_with_headroom(e, size):
                return size, e
    return None


def preference_plan(answers: Answers, hardware: Hardware, reasons: list[Reason], alternatives: list[str],
                    spec: ModelSpec, max_length: int, profile: TrainerProfile) -> Recommendation:
    """DPO on this hardware: the model asked for (or a smaller one), LoRA or QLoRA by memory."""
    reasons.append(make_reason("preference-dpo", beta=0.1))
    if not spec.instruct and spec.id != "demo":
        reasons.append(make_reason("preference-sft-first", model=spec.id))
    usable = usable_gb(hardware)
    if usable is None:
        return _cpu(answers, hardware, reasons, alternatives, spec, max_length, profile)
    vram, gpu_name = usable
    chosen = first_dpo_fit(spec, max_length, vram, profile)
    if chosen is None:
        lean = estimate_for(spec, "dpo", max_length, 1, True, vram, profile, dpo_tuning="qlora")
        for smaller in smaller_models(spec):
            chosen = first_dpo_fit(smaller, max_length, vram, profile)
            if chosen is not None:
                reasons.append(make_reason("smaller-model", model=spec.id, gpu=gpu_name, vram=vram,
                                           why_not=part("advice.part.why-not", method=DPO_QLORA,
                                                        need=lean.total_gb, vram=vram),
                                           smaller=smaller.id, note=None))
                spec = smaller
                break
    if chosen is None:
        reasons.append(make_reason("too-small-gpu", vram=vram, max_length=max_length,
                                   why_not=part("advice.part.needs", method=DPO_QLORA, need=lean.total_gb)))
        return _cpu(answers, hardware, reasons, alternatives, spec, max_length, profile)
    fit = {"dpo": estimate_for(spec, "dpo", max_length, 1, True, vram, profile, dpo_tuning=chosen.shape)}
    skipped = (part("advice.part.would-need", method=part("advice.part.name.lora"),
                    need=estimate_for(spec, 'dpo', max_length, 1, True, vram, profile).total_gb)
               if chosen.shape == "qlora" else None)
    reasons.append(make_reason("memory-fit", "skipped" if skipped else None, method=TUNING_LABELS[chosen.shape],
                               model=spec.id, need=chosen.total_gb, max_length=chosen.seq_len, batch=chosen.batch,
                               checkpointing=checkpointing_part(chosen.gradient_checkpointing), vram=vram,
                               spare=vram - chosen.total_gb, skipped=skipped))
    if chosen.gradient_checkpointing:
        reasons.append(make_reason("gradient-checkpointing"))
    reasons.extend(model_reasons(spec))
    reasons.append(make_reason("forgetting", epochs=pick_epochs(answers.examples, "dpo")))
    alternatives.append(Coded("advice.alt.full-dpo", need=estimate_for(spec, 'dpo', max_length, 1, True, vram,
                                                                      profile, dpo_tuning='full').total_gb))
    return Recommendation(path="open", method="dpo", model=spec.id,
                          settings=run_settings(spec.id, "dpo", chosen, answers, profile), reasons=reasons,
                          estimate=chosen, fit=fit, device="cuda", vram_gb=vram, alternatives=alternatives,
                          next_steps=[Coded("advice.next.lint-pairs", data="YOUR_PAIRS.jsonl", model=spec.id),
                                      Coded("advice.next.config-detach", data="YOUR_PAIRS.jsonl")])


def _cpu(answers: Answers, hardware: Hardware, reasons: list[Reason], alternatives: list[str], spec: ModelSpec,
         max_length: int, profile: TrainerProfile) -> Recommendation:
    """No GPU (or none that holds DPO): a rented GPU sized for it, and the demo model on the CPU meanwhile."""
    if hardware.best_gpu is None:
        reasons.append(make_reason("no-gpu", note=as_part(hardware.note) or part("advice.part.none-detected")))
    rent = smallest_rentable_dpo(spec, max_length, profile)
    if rent is not None:
        size, e = rent
        reasons.append(make_reason("rent-gpu", model=spec.id, size=size, method=TUNING_LABELS[e.shape], need=e.total_gb,
                                   max_length=max_length))
        alternatives.append(Coded("advice.alt.rent", size=size, method=TUNING_LABELS[e.shape], model=spec.id))
    demo = get_model("demo")
    assert demo is not None  # a catalog constant
    length = min(max_length, 512)
    e = estimate_for(demo, "dpo", length, 1, False, hardware.ram_gb or None, profile, device="cpu")
    reasons.append(make_reason("cpu-demo", "dpo", cores=hardware.cpu_cores, need=e.total_gb))
    settings = run_settings("demo", "dpo", e, answers, profile)
    settings.update(grad_accum=4, gradient_checkpointing=False)
    return Recommendation(path="open", method="dpo", model="demo", settings=settings, reasons=reasons, estimate=e,
                          device="cpu", alternatives=alternatives,
                          next_steps=[Coded("advice.next.lint", data="YOUR_PAIRS.jsonl"),
                                      Coded("advice.next.config", data="YOUR_PAIRS.jsonl")])
