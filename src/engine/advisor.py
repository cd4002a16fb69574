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
An OpenAI recommendation always states the platform's wind-down dates.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from engine.catalog import (OPENAI_EPOCHS_ASSUMED, OPENAI_WIND_DOWN, ModelConfigError, ModelSpec,
                            UnknownModelError, get_model, get_openai_model, resolve_model_spec, smaller_models)
from engine.hardware import Hardware
from engine.memory import GIB, Estimate, estimate

Goal = Literal["knowledge", "style", "task", "domain"]
GOALS: tuple[str, ...] = ("knowledge", "style", "task", "domain")
Path = Literal["rag", "openai", "open"]

DEFAULT_MODEL = "Qwen/Qwen2.5-7B-Instruct"   # the guide's first choice for Chinese, strong in English
DEFAULT_CPT_MODEL = "Qwen/Qwen2.5-7B"        # continual pretraining starts from a base model
DEFAULT_OPENAI_MODEL = "gpt-4o-mini-2024-07-18"   # the guide's own example (section A2), cheapest 4o
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
# Learning rates of RunConfig.effective_learning_rate: LoRA learns fast; full weights need ~10x less.
LEARNING_RATES = {"lora": 2e-4, "qlora": 2e-4, "full": 2e-5, "cpt": 5e-5}
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
    text: str

    def to_dict(self) -> dict[str, str]:
        return {"rule": self.rule, "text": self.text}


@dataclass
class Recommendation:
    path: str                                   # rag | openai | open
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

    def rules(self) -> list[str]:
        return [r.rule for r in self.reasons]

    def to_dict(self) -> dict[str, Any]:
        return {"path": self.path, "method": self.method, "model": self.model, "settings": dict(self.settings),
                "reasons": [r.to_dict() for r in self.reasons], "device": self.device, "vram_gb": self.vram_gb,
                "estimate": self.estimate.to_dict() if self.estimate else None,
                "fit": {m: {"total_gb": e.total_gb, "fits": e.fits, "margin_gb": e.margin_gb, "verdict": e.verdict}
                        for m, e in self.fit.items()},
                "alternatives": list(self.alternatives), "next_steps": list(self.next_steps)}


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
                  profile: TrainerProfile = TUNEWIZ_TRAINER) -> Estimate | None:
    """The fastest configuration of `method` that fits: no checkpointing if a batch of 2+ fits
    without it (it costs ~30% speed), else checkpointing with the largest batch that fits."""
    candidates = [(False, b) for b in BATCH_SIZES if b >= 2] + [(True, b) for b in BATCH_SIZES]
    for ckpt, batch in candidates:
        e = _estimate(spec, method, max_length, batch, ckpt, vram, profile)
        if _fits(e, vram):
            return e
    return None


def _estimate(spec: ModelSpec, method: str, seq_len: int, batch: int, ckpt: bool, vram: float | None,
              profile: TrainerProfile, device: str = "cuda") -> Estimate:
    return estimate(spec, method, seq_len, batch, grad_checkpointing=ckpt, lora_r=profile.lora_r,
                    optimizer=profile.optimizer, precision="fp32" if device == "cpu" else "bf16",
                    vram_gb=vram, lora_dropout=profile.lora_dropout, kbit_upcast=profile.kbit_upcast,
                    loss_impl=profile.loss_impl, device=device)  # type: ignore[arg-type]


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
        "learning_rate": LEARNING_RATES[method], "max_length": e.seq_len, "batch_size": e.batch,
        "grad_accum": max(1, EFFECTIVE_BATCH // e.batch), "gradient_checkpointing": e.gradient_checkpointing,
    }
    if method in ("lora", "qlora"):
        settings["lora"] = {"r": profile.lora_r, "alpha": profile.lora_alpha}
    if answers.examples is not None and answers.examples < 200:
        # Tiny sets: an effective batch of 16 would give only a handful of optimizer steps.
        settings["grad_accum"] = max(1, 8 // e.batch)
    return settings


def _model_reasons(spec: ModelSpec) -> list[Reason]:
    out = []
    if spec.trust_remote_code:
        out.append(Reason("trust-remote-code", f"{spec.id} runs its own Python code from the hub: read it, then set "
                                               "`trust_remote_code: true` in the config (tunewiz never sets it for you)."))
    if spec.gated:
        out.append(Reason("gated-model", f"{spec.id} is gated: accept its licence on huggingface.co and log in "
                                         "(`hf auth login`) before training."))
    if spec.license and not spec.license.startswith(("Apache", "MIT")):
        out.append(Reason("license", f"{spec.short_name} licence: {spec.license}."))
    return out


def _fit_text(e: Estimate, vram: float) -> str:
    ckpt = "with gradient checkpointing" if e.gradient_checkpointing else "without gradient checkpointing"
    return (f"{e.model} needs {e.total_gb:.1f} GB (max_length {e.seq_len}, batch {e.batch}, {ckpt}) "
            f"of the {vram:.0f} GB available: {vram - e.total_gb:.1f} GB to spare")


def _why_not(e: Estimate, vram: float) -> str:
    label = "full SFT" if e.method == "full" else e.method.upper() if e.method != "cpt" else "continual pretraining"
    return f"{label} needs {e.total_gb:.1f} GB even at batch 1 with gradient checkpointing (> {vram:.0f} GB)"


# -- the tree ---------------------------------------------------------------------------------------
def advise(answers: Answers, hardware: Hardware, *, profile: TrainerProfile = TUNEWIZ_TRAINER,
           today: date | None = None) -> Recommendation:
    """The recommendation for these answers on this hardware. Raises AdviceError for nonsense
    answers and UnknownModelError / ModelConfigError for a model it cannot describe."""
    validate(answers)
    today = today or date.today()
    reasons: list[Reason] = []
    alternatives: list[str] = []

    if answers.goal == "knowledge":
        return _rag(answers)

    openai_ok = answers.cloud_ok and not answers.needs_weights
    jobs_left, _ = OPENAI_WIND_DOWN.days_left(today)
    if answers.cloud_ok and answers.needs_weights:
        reasons.append(Reason("own-weights", "You need to own the weights, so the OpenAI path is out: "
                                             "an ft: model only exists on OpenAI's servers."))
    if openai_ok and jobs_left < 0:
        openai_ok = False
        reasons.append(Reason("openai-closed", f"OpenAI stopped accepting new fine-tuning jobs on "
                                               f"{OPENAI_WIND_DOWN.new_jobs_end.value}."))
    n = answers.examples
    if n is not None and n < OPENAI_MIN_EXAMPLES:
        if answers.cloud_ok:
            openai_ok = False
            reasons.append(Reason("openai-minimum", f"OpenAI requires at least {OPENAI_MIN_EXAMPLES} training "
                                                    f"examples; you have {n}, so that path is refused."))
    if n is not None and n < FEW_EXAMPLES:
        reasons.append(Reason("few-examples", f"{n} examples is below the ~{FEW_EXAMPLES} clean examples fine-tuning "
                                              "usually needs to help (guide B4.5): collect more, or expect little "
                                              "change. Keep an eval split to see it."))
    short = (answers.avg_output_tokens is not None and answers.avg_output_tokens <= SHORT_OUTPUT_TOKENS)
    if short:
        reasons.append(Reason("short-texts", f"Answers of ~{answers.avg_output_tokens} tokens are labels, not text: a "
                                             "classification model (e.g. a fine-tuned BERT-style encoder) is cheaper, "
                                             "faster and usually more accurate (guide B4.4)."))
        alternatives.append("classifier: fine-tune a small encoder (e.g. bert-base-chinese / xlm-roberta) as a classifier")

    cpt = answers.goal == "domain" and answers.raw_corpus is not False
    if answers.goal == "domain" and not cpt:
        reasons.append(Reason("domain-pairs", "Domain goal with question/answer pairs rather than raw text: "
                                              "supervised fine-tuning on those pairs."))
    methods: tuple[str, ...] = ("cpt",) if cpt else ("full", "lora", "qlora")
    fallback_methods: tuple[str, ...] = ("lora", "qlora") if cpt else ()
    model_id = answers.model or (DEFAULT_CPT_MODEL if cpt else DEFAULT_MODEL)
    spec = resolve_model_spec(model_id)
    max_length = pick_max_length(answers.avg_tokens, spec)
    if cpt:
        reasons.append(Reason("domain-corpus", "A raw domain corpus (new vocabulary or a new language) calls for "
                                               "continual pretraining: training all weights on the raw text. It needs "
                                               "the most memory of all methods."))

    usable = _usable_gb(hardware)
    if usable is None:
        reasons.append(Reason("no-gpu", f"No GPU to train on: {hardware.note or 'none detected'}."))
        if openai_ok:
            return _openai(answers, reasons, alternatives, today, spec, methods + fallback_methods, max_length, profile)
        return _cpu_or_rent(answers, hardware, reasons, alternatives, spec, methods + fallback_methods,
                            max_length, profile)
    vram, gpu_name = usable
    gpu = hardware.best_gpu
    if gpu is not None and gpu.free_gb and gpu.free_gb < 0.9 * gpu.total_gb:
        reasons.append(Reason("gpu-busy", f"{gpu.name} has {gpu.free_gb:.1f} of {gpu.total_gb:.1f} GB free "
                                          "(other processes hold the rest): sized for what is free."))

    if gpu is not None and not gpu.bf16:
        # Pre-Ampere cards train in fp16, and the HF Trainer cannot unscale fp16 gradients of fp16
        # weights: full SFT and continual pretraining fail there, adapters work.
        reasons.append(Reason("no-bf16", f"{gpu.name} has no bf16 (compute capability "
                                         f"{gpu.compute_capability[0]}.{gpu.compute_capability[1]}): training runs "
                                         "in fp16, where only adapters (LoRA/QLoRA) train reliably."))
        if cpt:
            reasons.append(Reason("cpt-needs-bf16", "Continual pretraining updates every weight, which needs bf16; "
                                                    "LoRA on the raw text instead."))
        methods = tuple(m for m in methods if m not in ("full", "cpt")) or ("lora", "qlora")
        fallback_methods = tuple(m for m in fallback_methods if m not in ("full", "cpt"))
    fit = {m: _estimate(spec, m, max_length, 1, True, vram, profile) for m in (("cpt", "lora", "qlora") if cpt
                                                                                else ("full", "lora", "qlora"))}
    chosen = _first_fit(spec, methods, max_length, vram, profile)
    if chosen is None and fallback_methods:
        chosen = _first_fit(spec, fallback_methods, max_length, vram, profile)
        if chosen is not None:
            reasons.append(Reason("cpt-too-big", f"Continual pretraining of {spec.id}: {_why_not(fit['cpt'], vram)}. "
                                                 f"{chosen.method.upper()} on the raw text adapts the model more "
                                                 "cheaply (less new knowledge sticks than with all weights)."))
    rejected = [fit[m] for m in fit if m in methods + fallback_methods]
    if chosen is None:
        notes = [note for e in rejected for note in e.notes if "fp32" in note][:1]
        lean = min(rejected, key=lambda e: e.total_gb)
        for smaller in smaller_models(spec):
            chosen = _first_fit(smaller, methods, max_length, vram, profile) or (
                _first_fit(smaller, fallback_methods, max_length, vram, profile) if fallback_methods else None)
            if chosen is not None:
                reasons.append(Reason("smaller-model", f"{spec.id} does not fit {gpu_name} ({vram:.1f} GB): "
                                                       f"{_why_not(lean, vram)}. {smaller.id} does."
                                      + (f" ({notes[0]}.)" if notes else "")))
                spec = smaller
                fit = {m: _estimate(spec, m, max_length, 1, True, vram, profile) for m in fit}
                break
        if chosen is None:
            reasons.append(Reason("too-small-gpu", f"Nothing in the catalog fits {vram:.1f} GB for this length "
                                                   f"({max_length} tokens): {_why_not(lean, vram)}."))
            if openai_ok:
                return _openai(answers, reasons, alternatives, today, spec, methods + fallback_methods, max_length,
                               profile)
            return _cpu_or_rent(answers, hardware, reasons, alternatives, spec, methods + fallback_methods,
                                max_length, profile)

    method = chosen.method
    order = {"full": "Full SFT", "lora": "LoRA (16-bit base)", "qlora": "QLoRA (4-bit base)", "cpt": "Continual pretraining"}
    skipped = [m for m in ("full", "lora") if m in fit and list(fit).index(m) < list(fit).index(method)
               and m in methods + fallback_methods]
    why = "; ".join(f"{order[m]} would need {fit[m].total_gb:.1f} GB" for m in skipped)
    reasons.append(Reason("memory-fit", f"{order[method]} of " + _fit_text(chosen, vram)
                          + (f" ({why})." if why else ".")))
    if chosen.gradient_checkpointing:
        reasons.append(Reason("gradient-checkpointing", "Gradient checkpointing is on: it recomputes activations "
                                                         "in the backward pass (~30% slower) so the step fits."))
    reasons.extend(_model_reasons(spec))
    reasons.append(Reason("forgetting", f"{pick_epochs(n, method)} epoch(s) with an eval split: long training on "
                                        "small data overfits and forgets what the model knew (guide B4.6)."))
    if openai_ok:
        alternatives.append(f"openai: {DEFAULT_OPENAI_MODEL} is the least effort, but {OPENAI_WIND_DOWN.sentence(today)}")
        reasons.append(Reason("openai-wind-down", "OpenAI would be the least effort, but the weights would not be "
                                                  "yours and " + OPENAI_WIND_DOWN.sentence(today)))
    return Recommendation(path="open", method=method, model=spec.id,
                          settings=_settings(spec.id, method, chosen, answers, profile), reasons=reasons,
                          estimate=chosen, fit=fit, device="cuda", vram_gb=vram, alternatives=alternatives,
                          next_steps=[f"tunewiz lint YOUR_DATA.jsonl --model {spec.id}",
                                      "put these settings and `data: YOUR_DATA.jsonl` in CONFIG.yaml, then "
                                      "tunewiz train CONFIG.yaml --detach"])


def _first_fit(spec: ModelSpec, methods: tuple[str, ...], max_length: int, vram: float,
               profile: TrainerProfile) -> Estimate | None:
    for method in methods:
        found = best_settings(spec, method, max_length, vram, profile)
        if found is not None:
            return found
    return None


def _rag(answers: Answers) -> Recommendation:
    reasons = [
        Reason("knowledge-goal", "Your goal is new knowledge from documents: use retrieval (RAG), not fine-tuning. "
                                 "Fine-tuning changes how a model writes, not what it reliably knows (guide B4.1)."),
        Reason("no-reliable-facts", "Fine-tuning does not make legal conclusions, diagnoses or memorised facts "
                                    "reliable (guide B4.2); retrieval lets the model quote the source instead."),
    ]
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


def _openai(answers: Answers, reasons: list[Reason], alternatives: list[str], today: date, spec: ModelSpec,
            methods: tuple[str, ...], max_length: int, profile: TrainerProfile) -> Recommendation:
    model = get_openai_model(DEFAULT_OPENAI_MODEL)
    assert model is not None  # a catalog constant
    _, shut_days = OPENAI_WIND_DOWN.days_left(today)
    reasons.append(Reason("openai-path", f"Your data may go to OpenAI and you can still create jobs there: "
                                         f"fine-tuning {model.id} is the least effort (no GPU needed)."))
    reasons.append(Reason("openai-wind-down", OPENAI_WIND_DOWN.sentence(today) + " Anything that must keep working "
                                              "after that needs an open model whose weights you own."))
    settings: dict[str, Any] = {"model": model.id, "epochs": "auto"}
    if answers.examples and answers.avg_tokens:
        tokens = answers.examples * answers.avg_tokens
        price = model.training_price_per_1m.value
        cost = tokens * OPENAI_EPOCHS_ASSUMED * price / 1e6
        settings["estimated_cost_usd"] = round(cost, 2)
        reasons.append(Reason("openai-cost", f"About ${cost:,.2f} to train: {tokens:,} tokens x {OPENAI_EPOCHS_ASSUMED} "
                                             f"epochs x ${price:.2f}/1M (price {model.training_price_per_1m.as_of}; "
                                             "check the pricing page)."))
        if answers.avg_tokens > model.example_tokens.value:
            reasons.append(Reason("openai-example-limit", f"Examples average {answers.avg_tokens} tokens but {model.id} "
                                                          f"accepts at most {model.example_tokens.value} per example."))
    rent = smallest_rentable(spec, methods, max_length, profile)
    if rent is not None:
        size, e = rent
        alternatives.append(f"own weights: rent a {size} GB GPU and run {e.method.upper()} on {spec.id} "
                            f"(needs {e.total_gb:.1f} GB)")
    return Recommendation(path="openai", method=None, model=model.id, settings=settings, reasons=reasons,
                          alternatives=alternatives,
                          next_steps=["tunewiz lint YOUR_DATA.jsonl --target openai  (OpenAI's rules, token count, cost)",
                                      f"create the fine-tuning job before {OPENAI_WIND_DOWN.new_jobs_end.value}"])


def _cpu_or_rent(answers: Answers, hardware: Hardware, reasons: list[Reason], alternatives: list[str],
                 spec: ModelSpec, methods: tuple[str, ...], max_length: int, profile: TrainerProfile) -> Recommendation:
    demo = get_model("demo")
    assert demo is not None  # a catalog constant
    rent = smallest_rentable(spec, methods, max_length, profile)
    if rent is not None:
        size, e = rent
        reasons.append(Reason("rent-gpu", f"To train {spec.id}, rent a GPU with at least {size} GB: "
                                          f"{e.method.upper()} needs {e.total_gb:.1f} GB at max_length {max_length}, "
                                          "batch 1 with gradient checkpointing."))
        alternatives.append(f"rent a {size} GB GPU: {e.method} on {spec.id}")
    cpu_length = min(max_length, 512)
    e = _estimate(demo, "lora", cpu_length, 2, False, hardware.ram_gb or None, profile, device="cpu")
    ram = hardware.ram_available_gb or hardware.ram_gb
    if ram and e.total_gb > ram:
        reasons.append(Reason("low-ram", f"Even the demo model needs {e.total_gb:.1f} GB of RAM; {ram:.1f} GB is free."))
    text = (f"Meanwhile, the embedded demo model (SmolLM2-135M-Instruct) trains LoRA on this CPU "
            f"({hardware.cpu_cores} cores, needs ~{e.total_gb:.1f} GB RAM) to try the whole loop")
    if answers.examples and answers.avg_tokens:
        tokens = answers.examples * min(answers.avg_tokens, cpu_length) * pick_epochs(answers.examples, "lora")
        hours = tokens / CPU_DEMO_TOKENS_PER_S / 3600
        text += f"; your data would take ~{_duration(hours)} at ~{CPU_DEMO_TOKENS_PER_S} tokens/s (2-core CPU)"
    reasons.append(Reason("cpu-demo", text + ". It shows the workflow; it is too small for production quality."))
    settings = {"model": "demo", "method": "lora", "epochs": pick_epochs(answers.examples, "lora"),
                "learning_rate": LEARNING_RATES["lora"], "max_length": cpu_length, "batch_size": 2,
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


__all__ = ["Answers", "TrainerProfile", "TUNEWIZ_TRAINER", "Reason", "Recommendation", "AdviceError", "advise",
           "validate", "best_settings", "smallest_rentable", "pick_max_length", "pick_epochs", "GOALS",
           "UnknownModelError", "ModelConfigError", "GIB"]
