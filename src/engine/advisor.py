"""The decision tree of DESIGN.md as pure functions: answers + hardware -> Recommendation.

Every recommendation carries its reasons, each tagged with the rule that produced it, so the
screens and `tunewiz advise --json` can show why. Memory decisions are never thresholds written
here: each candidate (model, method, batch, checkpointing) is priced by `engine.memory.estimate`
and kept only when it fits the GPU with a little headroom.

Rule order (DESIGN.md "The decision tree", the guide's sections B1 and B4):
 1. knowledge goal -> RAG (fine-tuning does not add reliable facts)
 2. data checks: < 10 examples refuses OpenAI (its minimum), < 500 warns (guide B4.5);
    very short answers -> a classifier is the better tool (guide B4.4)
 3. domain goal with a raw corpus -> continual pretraining, if it fits; preference goal with
    chosen/rejected pairs -> DPO, LoRA else QLoRA (engine.advice_preference); without pairs: collect
    them or do SFT first (the plan is then SFT)
 4. no GPU -> OpenAI when allowed, else the demo model on the CPU, or rent a GPU (sized here)
 5. method by memory on the chosen model: full, else LoRA, else QLoRA. Without a model asked for,
    today's default (Qwen3-8B); the guide's models are named alternatives
 6. nothing fits -> the largest smaller catalog model that fits, else OpenAI when allowed,
    else the demo model / a rented GPU
 2+ GPUs: a method one card cannot hold that fits sharded on each (FSDP, or ZeRO when asked) wins
    over a lighter method or a smaller model; settings that fit one card get DDP, for speed
An OpenAI recommendation always states the platform's wind-down as it stands on `today` (which
rules are in force, what has shut down, what existing fine-tuned models can still do), who may still
create jobs, Azure OpenAI's own schedule for its existing customers, and the open-model alternative
(the same OpenAI JSONL file trains an open model). Once new jobs have ended (2027-01-06) the
advice never routes to OpenAI, and the default OpenAI model is never one shut down on `today`.

Each reason's rule id, English text and source are registered once in `engine.advice_rules`
(docs/advice-rules.md is generated from it); the tree below only fills in the numbers.
"""
from __future__ import annotations

from datetime import date

from engine.advice_core import (  # noqa: F401  (re-exported: callers import them from engine.advisor)
    BATCH_SIZES, CPU_DEMO_TOKENS_PER_S, DEFAULT_CPT_MODEL, DPO_ADVISED_TUNINGS, GUIDE_MODELS, DEFAULT_MAX_LENGTH, DEFAULT_MODEL, DEFAULT_OPENAI_MODEL,
    EFFECTIVE_BATCH, FEW_EXAMPLES, GOALS, HEADROOM_FRACTION, LENGTHS, OPENAI_MIN_EXAMPLES, RENTABLE_GB,
    SHORT_OUTPUT_TOKENS, TUNEWIZ_TRAINER, AdviceError, Answers, Goal, Reason, Recommendation, Route, TrainerProfile,
    best_settings, estimate_for, fits_with_headroom, make_reason, model_reasons, pick_epochs, pick_max_length,
    Coded, checkpointing_part, method_part, run_settings, smallest_rentable, usable_gb, validate, why_not)
from engine.advice_preference import preference_plan
from engine.advice_paths import (  # noqa: F401
    SHARDABLE, SHARDING_DIVIDES, SHARDING_NAMES, cards, cpu_or_rent, distributed_settings, first_fit, openai_path,
    rag_path, sharded, stated, todays_default, wind_down_part, world_of)
from engine.catalog import (OPENAI_WIND_DOWN, ModelConfigError, UnknownModelError, default_openai_model,  # noqa: F401
                            resolve_model_spec, smaller_models)
from engine.hardware import Hardware
from engine.memory import GIB, SHARDINGS  # noqa: F401
from engine.message_parts import as_part, part, parts
from engine.methods import ADAPTER_METHODS, WHOLE_MODEL_METHODS


# -- the tree ---------------------------------------------------------------------------------------
def advise(answers: Answers, hardware: Hardware, *, profile: TrainerProfile = TUNEWIZ_TRAINER,
           today: date | None = None, sharding: str | None = None) -> Recommendation:
    """The recommendation for these answers on this hardware. Raises AdviceError for nonsense
    answers and UnknownModelError / ModelConfigError for a model it cannot describe.

    `sharding`, with two or more GPUs: how a model that one card cannot hold is divided among them
    (fsdp | zero3 | zero2; None: fsdp), or "ddp" to never shard."""
    validate(answers)
    if sharding is not None and sharding not in SHARDINGS:
        raise AdviceError(f"sharding {sharding!r} is not one of {', '.join(SHARDINGS)}")
    today = today or date.today()
    reasons: list[Reason] = []
    alternatives: list[str] = []

    if answers.goal == "knowledge":
        return rag_path(answers)

    openai_ok = answers.cloud_ok and not answers.needs_weights
    openai_considered = openai_ok            # OpenAI was an option: its facts are stated, whatever the path
    jobs_left, shut_left = OPENAI_WIND_DOWN.days_left(today)
    if answers.cloud_ok and answers.needs_weights:
        reasons.append(make_reason("own-weights"))
    if openai_ok and jobs_left <= 0:         # "from 2027-01-06 no new jobs": closed on that day already
        openai_ok = False
        reasons.append(make_reason("openai-closed", "shut" if shut_left <= 0 else None,
                               date=OPENAI_WIND_DOWN.new_jobs_end.value,
                               shut_down=OPENAI_WIND_DOWN.models_shut_down.value, days=shut_left))
    n = answers.examples
    if n is not None and n < OPENAI_MIN_EXAMPLES:
        if answers.cloud_ok:
            openai_ok = False
            reasons.append(make_reason("openai-minimum", minimum=OPENAI_MIN_EXAMPLES, examples=n))
            openai_considered = False        # refused for the file itself: no OpenAI or Azure job either
    if n is not None and n < FEW_EXAMPLES:
        reasons.append(make_reason("few-examples", examples=n, few=FEW_EXAMPLES))
    short = (answers.avg_output_tokens is not None and answers.avg_output_tokens <= SHORT_OUTPUT_TOKENS)
    if short:
        reasons.append(make_reason("short-texts", tokens=answers.avg_output_tokens))
        alternatives.append(Coded("advice.alt.classifier"))

    preference = answers.goal == "preference"
    if preference and answers.pairs is False:
        reasons.append(make_reason("preference-needs-pairs"))
        preference = False                   # the plan is supervised fine-tuning on the single answers
    cpt = answers.goal == "domain" and answers.raw_corpus is not False
    if answers.goal == "domain" and not cpt:
        reasons.append(make_reason("domain-pairs"))
    methods: tuple[str, ...] = ("cpt",) if cpt else ("full", "lora", "qlora")
    fallback_methods: tuple[str, ...] = ADAPTER_METHODS if cpt else ()
    model_id = answers.model or (DEFAULT_CPT_MODEL if cpt else DEFAULT_MODEL)
    spec = resolve_model_spec(model_id)
    max_length = pick_max_length(answers.avg_tokens, spec)
    if cpt:
        reasons.append(make_reason("domain-corpus"))
    if preference:
        rec = preference_plan(answers, hardware, reasons, alternatives, spec, max_length, profile)
        if answers.model is None and rec.model != "demo":
            todays_default(rec.reasons, rec.alternatives, DEFAULT_MODEL)
        return stated(rec, openai_considered, today)

    usable = usable_gb(hardware)
    if usable is None:
        reasons.append(make_reason("no-gpu", note=as_part(hardware.note) or part("advice.part.none-detected")))
        if openai_ok:
            return openai_path(answers, reasons, alternatives, today, spec, methods + fallback_methods, max_length, profile)
        return stated(cpu_or_rent(answers, hardware, reasons, alternatives, spec, methods + fallback_methods,
                                    max_length, profile), openai_considered, today)
    vram, gpu_name = usable
    gpu = hardware.best_gpu
    if gpu is not None and gpu.free_gb and gpu.free_gb < 0.9 * gpu.total_gb:
        reasons.append(make_reason("gpu-busy", gpu=gpu.name, free=gpu.free_gb, total=gpu.total_gb))

    if gpu is not None and not gpu.bf16:
        # Pre-Ampere cards train in fp16, and the HF Trainer cannot unscale fp16 gradients of fp16
        # weights: full SFT and continual pretraining fail there, adapters work.
        reasons.append(make_reason("no-bf16", gpu=gpu.name, major=gpu.compute_capability[0],
                               minor=gpu.compute_capability[1]))
        if cpt:
            reasons.append(make_reason("cpt-needs-bf16"))
        methods = tuple(m for m in methods if m not in WHOLE_MODEL_METHODS) or ADAPTER_METHODS
        fallback_methods = tuple(m for m in fallback_methods if m not in WHOLE_MODEL_METHODS)
    fit = {m: estimate_for(spec, m, max_length, 1, True, vram, profile) for m in (("cpt", "lora", "qlora") if cpt
                                                                                else ("full", "lora", "qlora"))}
    chosen = first_fit(spec, methods, max_length, vram, profile)
    one_card = chosen or (first_fit(spec, fallback_methods, max_length, vram, profile) if fallback_methods else None)
    shard = sharded(spec, methods + fallback_methods, one_card, max_length, hardware, profile, sharding)
    if shard is not None:
        chosen = shard
    elif chosen is None and fallback_methods:
        chosen = one_card
        if chosen is not None:
            reasons.append(make_reason("cpt-too-big", model=spec.id, why_not=why_not(fit["cpt"], vram),
                                   method=part(f"advice.part.name.{chosen.method}")))
    rejected = [fit[m] for m in fit if m in methods + fallback_methods]
    if chosen is None:
        notes = [note for e in rejected for note in e.notes if "fp32" in note][:1]
        lean = min(rejected, key=lambda e: e.total_gb)
        for smaller in smaller_models(spec):
            chosen = first_fit(smaller, methods, max_length, vram, profile) or (
                first_fit(smaller, fallback_methods, max_length, vram, profile) if fallback_methods else None)
            shard = sharded(smaller, methods + fallback_methods, chosen, max_length, hardware, profile, sharding)
            one_card, chosen = chosen, shard or chosen
            if chosen is not None:
                reasons.append(make_reason("smaller-model", "with-note" if notes else None, model=spec.id,
                                       gpu=gpu_name, vram=vram, why_not=why_not(lean, vram), smaller=smaller.id,
                                       note=notes[0] if notes else None))
                spec = smaller
                fit = {m: estimate_for(spec, m, max_length, 1, True, vram, profile) for m in fit}
                break
        if chosen is None:
            reasons.append(make_reason("too-small-gpu", vram=vram, max_length=max_length, why_not=why_not(lean, vram)))
            if openai_ok:
                return openai_path(answers, reasons, alternatives, today, spec, methods + fallback_methods, max_length,
                               profile)
            return stated(cpu_or_rent(answers, hardware, reasons, alternatives, spec, methods + fallback_methods,
                                        max_length, profile), openai_considered, today)

    method = chosen.method
    skipped = [m for m in ("full", "lora") if m in fit and list(fit).index(m) < list(fit).index(method)
               and m in methods + fallback_methods]
    why = parts([part("advice.part.would-need", method=method_part(m), need=fit[m].total_gb) for m in skipped])
    checkpointing = checkpointing_part(chosen.gradient_checkpointing)
    world, mode = world_of(hardware, chosen, shard)
    settings = run_settings(spec.id, method, chosen, answers, profile)
    if shard is not None:
        gpus, card_gb, card_name = cards(hardware)
        lighter = (part("advice.part.lighter", method=method_part(one_card.method), need=one_card.total_gb)
                   if one_card else None)
        reasons.append(make_reason("multi-gpu-shard", "lighter" if one_card is not None else None,
                               method=method_part(method), model=chosen.model, single=fit[method].total_gb,
                               gpu=card_name, vram=card_gb, mode=SHARDING_NAMES[mode], n=gpus,
                               divided=part(SHARDING_DIVIDES[mode]), need=chosen.total_gb, max_length=chosen.seq_len,
                               batch=chosen.batch, checkpointing=checkpointing, spare=card_gb - chosen.total_gb,
                               lighter=lighter))
        if mode == "fsdp":
            alternatives.append(Coded("advice.alt.deepspeed"))
    else:
        reasons.append(make_reason("memory-fit", "skipped" if skipped else None, method=method_part(method),
                               model=chosen.model, need=chosen.total_gb, max_length=chosen.seq_len, batch=chosen.batch,
                               checkpointing=checkpointing, vram=vram, spare=vram - chosen.total_gb, skipped=why))
    if world > 1:
        settings.update(distributed_settings(mode, world, chosen, answers))
        if shard is None:
            reasons.append(make_reason("multi-gpu-ddp", n=world, need=chosen.total_gb, grad_accum=settings["grad_accum"],
                                   effective=chosen.batch * settings["grad_accum"] * world))
    if chosen.gradient_checkpointing:
        reasons.append(make_reason("gradient-checkpointing"))
    reasons.extend(model_reasons(spec))
    if answers.model is None:
        todays_default(reasons, alternatives, DEFAULT_CPT_MODEL if cpt else DEFAULT_MODEL)
    reasons.append(make_reason("forgetting", epochs=pick_epochs(n, method)))
    if openai_ok:
        oa_model = default_openai_model(today)
        if oa_model is not None:
            alternatives.append(Coded("advice.alt.openai", model=oa_model.id, wind_down=wind_down_part(today)))
        reasons.append(make_reason("openai-wind-down", "open-path", wind_down=wind_down_part(today)))
    rec = Recommendation(path="open", method=method, model=spec.id,
                         settings=settings, reasons=reasons, world_size=world, sharding=mode if world > 1 else None,
                         estimate=chosen, fit=fit, device="cuda", vram_gb=vram, alternatives=alternatives,
                         next_steps=[Coded("advice.next.lint-model", data="YOUR_DATA.jsonl", model=spec.id),
                                     Coded("advice.next.config-detach", data="YOUR_DATA.jsonl")])
    return stated(rec, openai_considered, today)


__all__ = ["Answers", "TrainerProfile", "SHARDING_NAMES", "TUNEWIZ_TRAINER", "Reason", "Recommendation", "AdviceError", "advise",
           "validate", "best_settings", "smallest_rentable", "pick_max_length", "pick_epochs", "GOALS", "Route",
           "UnknownModelError", "ModelConfigError", "GIB"]
