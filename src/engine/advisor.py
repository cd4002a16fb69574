"""The decision tree of DESIGN.md as pure functions: answers + hardware -> Recommendation.

Every recommendation carries its reasons, each tagged with the rule that produced it, so the
screens and `tunewiz advise --json` can show why. Memory decisions are never thresholds written
here: each candidate (model, method, batch, checkpointing) is priced by `engine.memory.estimate`
and kept only when it fits the GPU with a little headroom.

Rule order (DESIGN.md "The decision tree", the guide's sections B1 and B4):
 1. knowledge goal -> RAG (fine-tuning does not add reliable facts)
 2. data checks: < 10 examples refuses OpenAI (its minimum), < 500 warns (guide B4.5);
    very short answers -> a classifier is the better tool (guide B4.4)
 3. domain goal with a raw corpus -> continual pretraining, if it fits
 4. no GPU -> OpenAI when allowed, else the demo model on the CPU, or rent a GPU (sized here)
 5. method by memory on the chosen model: full, else LoRA, else QLoRA
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

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from engine.advice_rules import RULES
from engine.catalog import (AZURE_FINE_TUNING, OPENAI_EPOCHS_ASSUMED, OPENAI_WIND_DOWN, ModelConfigError, ModelSpec,
                            OpenAIModel, UnknownModelError, default_openai_model, get_model, resolve_model_spec,
                            smaller_models)
from engine.hardware import Hardware
from engine.memory import GIB, SHARDINGS, Estimate, estimate
from engine.methods import ADAPTER_METHODS, DEFAULT_LEARNING_RATES, WHOLE_MODEL_METHODS

Goal = Literal["knowledge", "style", "task", "domain"]
GOALS: tuple[str, ...] = ("knowledge", "style", "task", "domain")
Route = Literal["rag", "openai", "open"]
"""Which way the advice goes: retrieval, OpenAI's fine-tuning, or an open model trained here
(`Recommendation.path`, "path" in `tunewiz advise --json`)."""

DEFAULT_MODEL = "Qwen/Qwen2.5-7B-Instruct"   # the guide's first choice for Chinese, strong in English
DEFAULT_CPT_MODEL = "Qwen/Qwen2.5-7B"        # continual pretraining starts from a base model
DEFAULT_OPENAI_MODEL = "gpt-4o-mini-2024-07-18"   # the guide's own example (section A2), cheapest 4o;
# on a given day the advice uses engine.catalog.default_openai_model(today), never a shut-down model
OPENAI_MIN_EXAMPLES = 10                     # OpenAI rejects smaller training files
FEW_EXAMPLES = 500                           # guide B4.5: below this fine-tuning rarely helps
SHORT_OUTPUT_TOKENS = 5                      # labels and one-word answers (guide B4.4)
# Keep this share of the GPU free on top of the estimate (which already counts the CUDA context and
# fragmentation): other processes, a display server, and the estimate's own error.
HEADROOM_FRACTION = 0.05
# Batch sizes tried, largest first; gradient accumulation tops the effective batch up to this.
BATCH_SIZES = (8, 4, 2, 1)
EFFECTIVE_BATCH = 16
LENGTHS = (256, 512, 1024, 2048, 4096, 8192)
DEFAULT_MAX_LENGTH = 1024                    # RunConfig's default when the data's length is unknown
# Cards one can rent, by memory (GB): T4/V100, RTX 4090/A10/L4, A100-40, A6000/L40S, A100/H100, H200.
RENTABLE_GB = (16, 24, 40, 48, 80, 141)
# DESIGN.md: LoRA on the demo model runs at ~150-180 tokens/s on a 2-core CPU.
CPU_DEMO_TOKENS_PER_S = 160


class AdviceError(ValueError):
    """Answers that make no sense (negative counts, an unknown goal); the message says which."""


@dataclass(frozen=True)
class Answers:
    goal: str = "task"                      # knowledge | style | task | domain
    examples: int | None = None             # clean training examples (None: not known yet)
    avg_tokens: int | None = None           # tokens per example, prompt and answer together
    avg_output_tokens: int | None = None    # tokens per answer (labels are 1-3)
    raw_corpus: bool | None = None          # domain goal: raw text rather than Q&A pairs (default yes)
    cloud_ok: bool = False                  # data may go to OpenAI and the org can still create jobs there
    needs_weights: bool = False             # must own / self-host the resulting weights
    model: str | None = None                # a catalog id/alias, hub id or local path


@dataclass(frozen=True)
class TrainerProfile:
    """What the trainer does that moves memory; the default is tunewiz's trainer as it is today."""
    # QLoRA: peft's prepare_model_for_kbit_training upcasts the frozen non-quantised weights to fp32;
    # tunewiz's trainer casts them back to the compute dtype on a GPU (engine/train/trainer.py).
    kbit_upcast: bool = False
    loss_impl: str = "chunked"    # TRL's fused LM head
    lora_r: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.05
    optimizer: str = "adamw"


TUNEWIZ_TRAINER = TrainerProfile()


@dataclass(frozen=True)
class Reason:
    rule: str
    """The id of the rule behind it (engine.advice_rules.RULES)."""
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "text": self.text}


@dataclass
class Recommendation:
    path: Route
    method: str | None                          # lora | qlora | full | cpt | None
    model: str | None
    settings: dict[str, Any]
    reasons: list[Reason]
    estimate: Estimate | None = None            # the chosen configuration's estimate
    fit: dict[str, Estimate] = field(default_factory=dict)   # per method, for the chosen model (fit bars)
    device: str | None = None                   # cuda | cpu
    vram_gb: float | None = None
    alternatives: list[str] = field(default_factory=list)
    next_steps: list[str] = field(default_factory=list)
    world_size: int = 1                         # training processes, one per GPU (settings' nproc_per_node)
    sharding: str | None = None                 # ddp | zero2 | zero3 | fsdp when world_size > 1

    def rules(self) -> list[str]:
        return [r.rule for r in self.reasons]

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "method": self.method, "model": self.model, "settings": dict(self.settings),
                "reasons": [r.to_dict() for r in self.reasons], "device": self.device, "vram_gb": self.vram_gb,
                "estimate": self.estimate.to_dict() if self.estimate else None,
                "fit": {m: {"total_gb": e.total_gb, "fits": e.fits, "margin_gb": e.margin_gb, "verdict": e.verdict}
                        for m, e in self.fit.items()},
                "alternatives": list(self.alternatives), "next_steps": list(self.next_steps),
                "world_size": self.world_size, "sharding": self.sharding}


# -- small pure helpers ----------------------------------------------------------------------------
def validate(answers: Answers) -> None:
    """Raises AdviceError listing every answer that makes no sense."""
    problems = []
    if answers.goal not in GOALS:
        problems.append(f"goal {answers.goal!r} is not one of {', '.join(GOALS)}")
    for name in ("examples", "avg_tokens", "avg_output_tokens"):
        value = getattr(answers, name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            problems.append(f"{name} must be a whole number of at least 0, not {value!r}")
    if isinstance(answers.avg_tokens, int) and answers.avg_tokens == 0:
        problems.append("avg_tokens must be at least 1")
    if problems:
        raise AdviceError("; ".join(problems))


def pick_max_length(avg_tokens: int | None, spec: ModelSpec | None) -> int:
    """Room for about twice the average example (long tails), from a few standard lengths."""
    if not avg_tokens:
        length = DEFAULT_MAX_LENGTH
    else:
        length = next((n for n in LENGTHS if n >= 2 * avg_tokens), LENGTHS[-1])
    if spec is not None:
        length = min(length, spec.max_position_embeddings)
    return length


def pick_epochs(examples: int | None, method: str | None) -> int:
    """Fewer passes on more data: long training on small data overfits and forgets (guide B4.6)."""
    if method == "cpt":
        return 1
    if examples is None or examples < 1000:
        return 3
    return 2 if examples < 10_000 else 1


def _usable_gb(hardware: Hardware) -> tuple[float, str] | None:
    gpu = hardware.best_gpu
    if gpu is None:
        return None
    usable = min(gpu.total_gb, gpu.free_gb) if gpu.free_gb else gpu.total_gb
    return usable, gpu.name


def _fits(e: Estimate, vram: float) -> bool:
    return e.total_gb + HEADROOM_FRACTION * vram <= vram


def best_settings(spec: ModelSpec, method: str, max_length: int, vram: float,
                  profile: TrainerProfile = TUNEWIZ_TRAINER, *, sharding: str = "ddp",
                  world_size: int = 1) -> Estimate | None:
    """The fastest configuration of `method` that fits: no checkpointing if a batch of 2+ fits
    without it (it costs ~30% speed), else checkpointing with the largest batch that fits.
    With `sharding` over `world_size` GPUs the estimate (and the batch) is per GPU."""
    candidates = [(False, b) for b in BATCH_SIZES if b >= 2] + [(True, b) for b in BATCH_SIZES]
    for ckpt, batch in candidates:
        e = _estimate(spec, method, max_length, batch, ckpt, vram, profile, sharding=sharding, world=world_size)
        if _fits(e, vram):
            return e
    return None


def _estimate(spec: ModelSpec, method: str, seq_len: int, batch: int, ckpt: bool, vram: float | None,
              profile: TrainerProfile, device: str = "cuda", sharding: str = "ddp", world: int = 1) -> Estimate:
    return estimate(spec, method, seq_len, batch, grad_checkpointing=ckpt, lora_r=profile.lora_r,
                    optimizer=profile.optimizer, precision="fp32" if device == "cpu" else "bf16",
                    vram_gb=vram, lora_dropout=profile.lora_dropout, kbit_upcast=profile.kbit_upcast,
                    loss_impl=profile.loss_impl, device=device, sharding=sharding,  # type: ignore[arg-type]
                    world_size=world)


def smallest_rentable(spec: ModelSpec, methods: tuple[str, ...], max_length: int,
                      profile: TrainerProfile = TUNEWIZ_TRAINER) -> tuple[int, Estimate] | None:
    """The smallest common GPU that trains `spec` with one of `methods` (leanest settings)."""
    for size in RENTABLE_GB:
        for method in methods:
            e = _estimate(spec, method, max_length, 1, True, size, profile)
            if _fits(e, size):
                return size, e
    return None


def _settings(spec_id: str, method: str, e: Estimate, answers: Answers, profile: TrainerProfile) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "model": spec_id, "method": method, "epochs": pick_epochs(answers.examples, method),
        "learning_rate": DEFAULT_LEARNING_RATES[method], "max_length": e.seq_len, "batch_size": e.batch,
        "grad_accum": max(1, EFFECTIVE_BATCH // e.batch), "gradient_checkpointing": e.gradient_checkpointing,
    }
    if method in ADAPTER_METHODS:
        settings["lora"] = {"r": profile.lora_r, "alpha": profile.lora_alpha}
    if answers.examples is not None and answers.examples < 200:
        # Tiny sets: an effective batch of 16 would give only a handful of optimizer steps.
        settings["grad_accum"] = max(1, 8 // e.batch)
    return settings


def _reason(rule: str, variant: str | None = None, **values: Any) -> Reason:
    """A reason in the words registered for `rule` (engine.advice_rules; KeyError for an unregistered id)."""
    return Reason(rule, RULES[rule].text(variant, **values))


def _model_reasons(spec: ModelSpec) -> list[Reason]:
    out = []
    if spec.trust_remote_code:
        out.append(_reason("trust-remote-code", model=spec.id))
    if spec.gated:
        out.append(_reason("gated-model", model=spec.id))
    if spec.license and not spec.license.startswith(("Apache", "MIT")):
        out.append(_reason("license", model=spec.short_name, license=spec.license))
    return out


def _why_not(e: Estimate, vram: float) -> str:
    label = "full SFT" if e.method == "full" else e.method.upper() if e.method != "cpt" else "continual pretraining"
    return f"{label} needs {e.total_gb:.1f} GB even at batch 1 with gradient checkpointing (> {vram:.0f} GB)"


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
        return _rag(answers)

    openai_ok = answers.cloud_ok and not answers.needs_weights
    openai_considered = openai_ok            # OpenAI was an option: its facts are stated, whatever the path
    jobs_left, shut_left = OPENAI_WIND_DOWN.days_left(today)
    if answers.cloud_ok and answers.needs_weights:
        reasons.append(_reason("own-weights"))
    if openai_ok and jobs_left <= 0:         # "from 2027-01-06 no new jobs": closed on that day already
        openai_ok = False
        reasons.append(_reason("openai-closed", "shut" if shut_left <= 0 else None,
                               date=OPENAI_WIND_DOWN.new_jobs_end.value,
                               shut_down=OPENAI_WIND_DOWN.models_shut_down.value, days=shut_left))
    n = answers.examples
    if n is not None and n < OPENAI_MIN_EXAMPLES:
        if answers.cloud_ok:
            openai_ok = False
            reasons.append(_reason("openai-minimum", minimum=OPENAI_MIN_EXAMPLES, examples=n))
            openai_considered = False        # refused for the file itself: no OpenAI or Azure job either
    if n is not None and n < FEW_EXAMPLES:
        reasons.append(_reason("few-examples", examples=n, few=FEW_EXAMPLES))
    short = (answers.avg_output_tokens is not None and answers.avg_output_tokens <= SHORT_OUTPUT_TOKENS)
    if short:
        reasons.append(_reason("short-texts", tokens=answers.avg_output_tokens))
        alternatives.append("classifier: fine-tune a small encoder (e.g. bert-base-chinese / xlm-roberta) as a classifier")

    cpt = answers.goal == "domain" and answers.raw_corpus is not False
    if answers.goal == "domain" and not cpt:
        reasons.append(_reason("domain-pairs"))
    methods: tuple[str, ...] = ("cpt",) if cpt else ("full", "lora", "qlora")
    fallback_methods: tuple[str, ...] = ADAPTER_METHODS if cpt else ()
    model_id = answers.model or (DEFAULT_CPT_MODEL if cpt else DEFAULT_MODEL)
    spec = resolve_model_spec(model_id)
    max_length = pick_max_length(answers.avg_tokens, spec)
    if cpt:
        reasons.append(_reason("domain-corpus"))

    usable = _usable_gb(hardware)
    if usable is None:
        reasons.append(_reason("no-gpu", note=hardware.note or "none detected"))
        if openai_ok:
            return _openai(answers, reasons, alternatives, today, spec, methods + fallback_methods, max_length, profile)
        return _stated(_cpu_or_rent(answers, hardware, reasons, alternatives, spec, methods + fallback_methods,
                                    max_length, profile), openai_considered, today)
    vram, gpu_name = usable
    gpu = hardware.best_gpu
    if gpu is not None and gpu.free_gb and gpu.free_gb < 0.9 * gpu.total_gb:
        reasons.append(_reason("gpu-busy", gpu=gpu.name, free=gpu.free_gb, total=gpu.total_gb))

    if gpu is not None and not gpu.bf16:
        # Pre-Ampere cards train in fp16, and the HF Trainer cannot unscale fp16 gradients of fp16
        # weights: full SFT and continual pretraining fail there, adapters work.
        reasons.append(_reason("no-bf16", gpu=gpu.name, major=gpu.compute_capability[0],
                               minor=gpu.compute_capability[1]))
        if cpt:
            reasons.append(_reason("cpt-needs-bf16"))
        methods = tuple(m for m in methods if m not in WHOLE_MODEL_METHODS) or ADAPTER_METHODS
        fallback_methods = tuple(m for m in fallback_methods if m not in WHOLE_MODEL_METHODS)
    fit = {m: _estimate(spec, m, max_length, 1, True, vram, profile) for m in (("cpt", "lora", "qlora") if cpt
                                                                                else ("full", "lora", "qlora"))}
    chosen = _first_fit(spec, methods, max_length, vram, profile)
    one_card = chosen or (_first_fit(spec, fallback_methods, max_length, vram, profile) if fallback_methods else None)
    shard = _sharded(spec, methods + fallback_methods, one_card, max_length, hardware, profile, sharding)
    if shard is not None:
        chosen = shard
    elif chosen is None and fallback_methods:
        chosen = one_card
        if chosen is not None:
            reasons.append(_reason("cpt-too-big", model=spec.id, why_not=_why_not(fit["cpt"], vram),
                                   method=chosen.method.upper()))
    rejected = [fit[m] for m in fit if m in methods + fallback_methods]
    if chosen is None:
        notes = [note for e in rejected for note in e.notes if "fp32" in note][:1]
        lean = min(rejected, key=lambda e: e.total_gb)
        for smaller in smaller_models(spec):
            chosen = _first_fit(smaller, methods, max_length, vram, profile) or (
                _first_fit(smaller, fallback_methods, max_length, vram, profile) if fallback_methods else None)
            shard = _sharded(smaller, methods + fallback_methods, chosen, max_length, hardware, profile, sharding)
            one_card, chosen = chosen, shard or chosen
            if chosen is not None:
                reasons.append(_reason("smaller-model", "with-note" if notes else None, model=spec.id,
                                       gpu=gpu_name, vram=vram, why_not=_why_not(lean, vram), smaller=smaller.id,
                                       note=notes[0] if notes else None))
                spec = smaller
                fit = {m: _estimate(spec, m, max_length, 1, True, vram, profile) for m in fit}
                break
        if chosen is None:
            reasons.append(_reason("too-small-gpu", vram=vram, max_length=max_length, why_not=_why_not(lean, vram)))
            if openai_ok:
                return _openai(answers, reasons, alternatives, today, spec, methods + fallback_methods, max_length,
                               profile)
            return _stated(_cpu_or_rent(answers, hardware, reasons, alternatives, spec, methods + fallback_methods,
                                        max_length, profile), openai_considered, today)

    method = chosen.method
    order = {"full": "Full SFT", "lora": "LoRA (16-bit base)", "qlora": "QLoRA (4-bit base)", "cpt": "Continual pretraining"}
    skipped = [m for m in ("full", "lora") if m in fit and list(fit).index(m) < list(fit).index(method)
               and m in methods + fallback_methods]
    why = "; ".join(f"{order[m]} would need {fit[m].total_gb:.1f} GB" for m in skipped)
    checkpointing = ("with gradient checkpointing" if chosen.gradient_checkpointing
                     else "without gradient checkpointing")
    world, mode = _world(hardware, chosen, shard)
    settings = _settings(spec.id, method, chosen, answers, profile)
    if shard is not None:
        gpus, card_gb, card_name = _cards(hardware)
        reasons.append(_reason("multi-gpu-shard", "lighter" if one_card is not None else None, method=order[method],
                               model=chosen.model, single=fit[method].total_gb, gpu=card_name, vram=card_gb,
                               mode=SHARDING_NAMES[mode], n=gpus, divided=SHARDING_DIVIDES[mode],
                               need=chosen.total_gb, max_length=chosen.seq_len, batch=chosen.batch,
                               checkpointing=checkpointing, spare=card_gb - chosen.total_gb,
                               lighter=f"{order[one_card.method]}, {one_card.total_gb:.1f} GB" if one_card else None))
        if mode == "fsdp":
            alternatives.append("deepspeed: ZeRO-3 divides the same states (distributed: deepspeed, deepspeed_stage: "
                                "3; install deepspeed yourself)")
    else:
        reasons.append(_reason("memory-fit", "skipped" if why else None, method=order[method], model=chosen.model,
                               need=chosen.total_gb, max_length=chosen.seq_len, batch=chosen.batch,
                               checkpointing=checkpointing, vram=vram, spare=vram - chosen.total_gb, skipped=why))
    if world > 1:
        settings.update(_distributed_settings(mode, world, chosen, answers))
        if shard is None:
            reasons.append(_reason("multi-gpu-ddp", n=world, need=chosen.total_gb, grad_accum=settings["grad_accum"],
                                   effective=chosen.batch * settings["grad_accum"] * world))
    if chosen.gradient_checkpointing:
        reasons.append(_reason("gradient-checkpointing"))
    reasons.extend(_model_reasons(spec))
    reasons.append(_reason("forgetting", epochs=pick_epochs(n, method)))
    if openai_ok:
        oa_model = default_openai_model(today)
        if oa_model is not None:
            alternatives.append(f"openai: {oa_model.id} is the least effort, but {OPENAI_WIND_DOWN.sentence(today)}")
        reasons.append(_reason("openai-wind-down", "open-path", wind_down=OPENAI_WIND_DOWN.sentence(today)))
    rec = Recommendation(path="open", method=method, model=spec.id,
                         settings=settings, reasons=reasons, world_size=world, sharding=mode if world > 1 else None,
                         estimate=chosen, fit=fit, device="cuda", vram_gb=vram, alternatives=alternatives,
                         next_steps=[f"tunewiz lint YOUR_DATA.jsonl --model {spec.id}",
                                     "put these settings and `data: YOUR_DATA.jsonl` in CONFIG.yaml, then "
                                     "tunewiz train CONFIG.yaml --detach"])
    return _stated(rec, openai_considered, today)


# -- more than one GPU --------------------------------------------------------------------------------
SHARDING_NAMES = {"fsdp": "FSDP", "zero3": "DeepSpeed ZeRO-3", "zero2": "DeepSpeed ZeRO-2", "ddp": "DDP"}
SHARDING_DIVIDES = {"fsdp": "the weights, gradients and optimizer states",
                    "zero3": "the weights, gradients and optimizer states",
                    "zero2": "the gradients and optimizer states", "ddp": "nothing"}
# Methods that can be sharded: QLoRA's 4-bit weights are stored as uint8 beside bf16 ones, which FSDP
# cannot flatten together unless the quantisation storage type matches (tunewiz's trainer leaves it).
SHARDABLE = ("full", "cpt", "lora")


def _cards(hardware: Hardware) -> tuple[int, float, str]:
    """(GPUs, the usable GB of the smallest, its name): every rank holds as much as the others."""
    usable = [(min(g.total_gb, g.free_gb) if g.free_gb else g.total_gb, g.name) for g in hardware.gpus]
    gb, name = min(usable)
    return len(usable), gb, name


def _sharded(spec: ModelSpec, methods: tuple[str, ...], one_card: Estimate | None, max_length: int,
             hardware: Hardware, profile: TrainerProfile, sharding: str | None) -> Estimate | None:
    """With 2+ GPUs: the first method, preferred over what one card holds, that fits sharded on each."""
    if len(hardware.gpus) < 2 or sharding == "ddp":
        return None
    n, card_gb, _ = _cards(hardware)
    for method in methods:
        if one_card is not None and method == one_card.method:
            return None                      # one card holds this method already: DDP, not sharding
        if method not in SHARDABLE:
            continue
        found = best_settings(spec, method, max_length, card_gb, profile, sharding=sharding or "fsdp", world_size=n)
        if found is not None:
            return found
    return None


def _world(hardware: Hardware, chosen: Estimate, shard: Estimate | None) -> tuple[int, str]:
    """(processes, sharding) the recommendation trains with: every GPU when the chosen settings fit each."""
    if shard is not None:
        return len(hardware.gpus), str(shard.assumptions["sharding"])
    if len(hardware.gpus) >= 2 and _fits(chosen, _cards(hardware)[1]):
        return len(hardware.gpus), "ddp"
    return 1, "ddp"


def _distributed_settings(mode: str, world: int, chosen: Estimate, answers: Answers) -> dict[str, Any]:
    """RunConfig keys of a run over `world` GPUs; grad_accum keeps the effective batch across them."""
    target = 8 if answers.examples is not None and answers.examples < 200 else EFFECTIVE_BATCH
    out: dict[str, Any] = {"nproc_per_node": world, "grad_accum": max(1, target // (chosen.batch * world)),
                           "distributed": "deepspeed" if mode.startswith("zero") else mode}
    if mode.startswith("zero"):
        out["deepspeed_stage"] = int(mode[-1])
    return out


def _stated(rec: Recommendation, openai_considered: bool, today: date) -> Recommendation:
    """An open-model recommendation where OpenAI was an option ends with what remains of it (Azure) and the
    open model trained on the same file."""
    if openai_considered:
        rec.reasons.extend(_openai_afterwards(today))
    return rec


def _first_fit(spec: ModelSpec, methods: tuple[str, ...], max_length: int, vram: float,
               profile: TrainerProfile) -> Estimate | None:
    for method in methods:
        found = best_settings(spec, method, max_length, vram, profile)
        if found is not None:
            return found
    return None


def _rag(answers: Answers) -> Recommendation:
    reasons = [_reason("knowledge-goal"), _reason("no-reliable-facts")]
    return Recommendation(
        path="rag", method=None, model=None, settings={}, reasons=reasons,
        alternatives=["style + facts: fine-tune (LoRA) for tone and format, and keep the facts in RAG"],
        next_steps=[
            "Split the documents into ~300-800 token chunks with some overlap, keeping titles and source ids.",
            "Embed the chunks with a multilingual embedding model (e.g. BAAI/bge-m3 for Chinese and English).",
            "Store them in a vector index (FAISS, Chroma, pgvector) and retrieve the top 3-8 chunks per question.",
            "Put the retrieved chunks in the prompt and ask the model to answer only from them, citing the source.",
            "Write 30-50 real questions with known answers and measure retrieval hits and answer accuracy.",
            "If the tone or format is still wrong, fine-tune for style afterwards: `tunewiz advise --goal style`.",
        ])


def _openai_eligibility(today: date) -> list[Reason]:
    """Who may still create jobs on `today` (nothing to say before OpenAI's first block)."""
    w = OPENAI_WIND_DOWN
    values = {"never_since": w.never_fine_tuned_blocked.value, "inactive_since": w.inactive_blocked.value,
              "days": w.inactive_days.value, "error": w.blocked_error.value["code"]}
    if today >= date.fromisoformat(w.inactive_blocked.value):
        return [_reason("openai-eligibility", **values)]
    if today >= date.fromisoformat(w.never_fine_tuned_blocked.value):
        return [_reason("openai-eligibility", "never-fine-tuned", **values)]
    return []


def _openai_afterwards(today: date) -> list[Reason]:
    """Where OpenAI was an option: Azure's own schedule while it lasts, and always the open model."""
    out = []
    azure = [msg for msg in (s.message(today) for s in AZURE_FINE_TUNING.values())
             if msg[1]["code"] != "azure-ft-ended"]
    if azure:
        out.append(_reason("openai-azure", schedule=" ".join(text for text, _ in azure)))
    out.append(_reason("open-alternative"))
    return out


def _openai(answers: Answers, reasons: list[Reason], alternatives: list[str], today: date, spec: ModelSpec,
            methods: tuple[str, ...], max_length: int, profile: TrainerProfile) -> Recommendation:
    model: OpenAIModel | None = default_openai_model(today)
    assert model is not None and model.fine_tunable(today)   # only called while new jobs are open
    reasons.append(_reason("openai-path", model=model.id))
    reasons.extend(_openai_eligibility(today))
    reasons.append(_reason("openai-wind-down", wind_down=OPENAI_WIND_DOWN.sentence(today)))
    settings: dict[str, Any] = {"model": model.id, "epochs": "auto"}
    if answers.examples and answers.avg_tokens:
        tokens = answers.examples * answers.avg_tokens
        price = model.training_price_per_1m.value
        cost = tokens * OPENAI_EPOCHS_ASSUMED * price / 1e6
        settings["estimated_cost_usd"] = round(cost, 2)
        reasons.append(_reason("openai-cost", cost=cost, tokens=tokens, epochs=OPENAI_EPOCHS_ASSUMED, price=price,
                               as_of=model.training_price_per_1m.as_of))
        if answers.avg_tokens > model.example_tokens.value:
            reasons.append(_reason("openai-example-limit", avg_tokens=answers.avg_tokens, model=model.id,
                                   limit=model.example_tokens.value))
    reasons.extend(_openai_afterwards(today))
    rent = smallest_rentable(spec, methods, max_length, profile)
    if rent is not None:
        size, e = rent
        alternatives.append(f"own weights: rent a {size} GB GPU and run {e.method.upper()} on {spec.id} "
                            f"(needs {e.total_gb:.1f} GB)")
    refused, _ = OPENAI_WIND_DOWN.training_not_available(today)
    return Recommendation(path="openai", method=None, model=model.id, settings=settings, reasons=reasons,
                          alternatives=alternatives,
                          next_steps=[f"tunewiz lint YOUR_DATA.jsonl --target openai --model {model.id}  "
                                      "(OpenAI's rules, token count, cost)",
                                      f"create the fine-tuning job before {OPENAI_WIND_DOWN.new_jobs_end.value}",
                                      f"if that fails with 403 training_not_available: {refused}"])


def _cpu_or_rent(answers: Answers, hardware: Hardware, reasons: list[Reason], alternatives: list[str],
                 spec: ModelSpec, methods: tuple[str, ...], max_length: int, profile: TrainerProfile) -> Recommendation:
    demo = get_model("demo")
    assert demo is not None  # a catalog constant
    rent = smallest_rentable(spec, methods, max_length, profile)
    if rent is not None:
        size, e = rent
        reasons.append(_reason("rent-gpu", model=spec.id, size=size, method=e.method.upper(), need=e.total_gb,
                               max_length=max_length))
        alternatives.append(f"rent a {size} GB GPU: {e.method} on {spec.id}")
    cpu_length = min(max_length, 512)
    e = _estimate(demo, "lora", cpu_length, 2, False, hardware.ram_gb or None, profile, device="cpu")
    ram = hardware.ram_available_gb or hardware.ram_gb
    if ram and e.total_gb > ram:
        reasons.append(_reason("low-ram", need=e.total_gb, ram=ram))
    if answers.examples and answers.avg_tokens:
        tokens = answers.examples * min(answers.avg_tokens, cpu_length) * pick_epochs(answers.examples, "lora")
        hours = tokens / CPU_DEMO_TOKENS_PER_S / 3600
        reasons.append(_reason("cpu-demo", "with-time", cores=hardware.cpu_cores, need=e.total_gb,
                               duration=_duration(hours), tokens_per_s=CPU_DEMO_TOKENS_PER_S))
    else:
        reasons.append(_reason("cpu-demo", cores=hardware.cpu_cores, need=e.total_gb))
    settings = {"model": "demo", "method": "lora", "epochs": pick_epochs(answers.examples, "lora"),
                "learning_rate": DEFAULT_LEARNING_RATES["lora"], "max_length": cpu_length, "batch_size": 2,
                "grad_accum": 4, "gradient_checkpointing": False,
                "lora": {"r": profile.lora_r, "alpha": profile.lora_alpha}}
    return Recommendation(path="open", method="lora", model="demo", settings=settings, reasons=reasons, estimate=e,
                          device="cpu", alternatives=alternatives,
                          next_steps=["tunewiz lint YOUR_DATA.jsonl",
                                      "put these settings and `data: YOUR_DATA.jsonl` in CONFIG.yaml, then "
                                      "tunewiz train CONFIG.yaml"])


def _duration(hours: float) -> str:
    if hours < 1:
        return f"{max(1, math.ceil(hours * 60))} min"
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.0f} days"


__all__ = ["Answers", "TrainerProfile", "SHARDING_NAMES", "TUNEWIZ_TRAINER", "Reason", "Recommendation", "AdviceError", "advise",
           "validate", "best_settings", "smallest_rentable", "pick_max_length", "pick_epochs", "GOALS", "Route",
           "UnknownModelError", "ModelConfigError", "GIB"]
