"""The advisor's vocabulary and pricing helpers: answers, recommendations, reasons, and the estimates
behind every memory decision (engine.advisor applies them; split from it, which re-exports every name)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from engine.advice_messages import reason_code
from engine.advice_rules import RULES
from engine.catalog import ModelSpec
from engine.hardware import Hardware
from engine.memory import Estimate, estimate
from engine.message_parts import composed, part
from engine.methods import ADAPTER_METHODS, DEFAULT_LEARNING_RATES

Goal = Literal["knowledge", "style", "task", "domain", "preference"]
"""preference: "make it prefer answer A over B", learned from chosen/rejected pairs (DPO)."""
GOALS: tuple[str, ...] = ("knowledge", "style", "task", "domain", "preference")
Route = Literal["rag", "openai", "open"]
"""Which way the advice goes: retrieval, OpenAI's fine-tuning, or an open model trained here
(`Recommendation.path`, "path" in `tunewiz advise --json`)."""

DEFAULT_MODEL = "Qwen/Qwen3-8B"              # today's default: Qwen's current dense generation, Apache-2.0,
                                             # Chinese and English, thinks on request, tools in its template
DEFAULT_CPT_MODEL = "Qwen/Qwen3-8B-Base"     # continual pretraining starts from a base model
# The guide's models stay available by name (`--model`), each with why one might still pick it.
# (model, the code of why one might still pick it: its words are in engine.advice_messages)
GUIDE_MODELS: tuple[tuple[str, str], ...] = (
    ("Qwen/Qwen2.5-7B-Instruct", "advice.alt.guide.qwen2.5"),
    ("THUDM/glm-4-9b-chat", "advice.alt.guide.glm4"),
    ("baichuan-inc/Baichuan2-7B-Chat", "advice.alt.guide.baichuan2"),
    ("meta-llama/Meta-Llama-3-8B-Instruct", "advice.alt.guide.llama3"),
)
# DPO trains an adapter: 16-bit base first, then 4-bit when that does not fit (full DPO only when asked).
DPO_ADVISED_TUNINGS: tuple[str, ...] = ("lora", "qlora")
DPO_BETA = 0.1                               # TRL's default; RunConfig's dpo.beta
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
    goal: str = "task"                      # knowledge | style | task | domain | preference
    examples: int | None = None             # clean training examples (None: not known yet)
    avg_tokens: int | None = None           # tokens per example, prompt and answer together
    avg_output_tokens: int | None = None    # tokens per answer (labels are 1-3)
    raw_corpus: bool | None = None          # domain goal: raw text rather than Q&A pairs (default yes)
    cloud_ok: bool = False                  # data may go to OpenAI and the org can still create jobs there
    needs_weights: bool = False             # must own / self-host the resulting weights
    model: str | None = None                # a catalog id/alias, hub id or local path
    pairs: bool | None = None               # the data is chosen/rejected pairs (None: not known yet)


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


class Coded(str):
    """An English text (an alternative) that keeps its message code and params, so the TUI can say it in
    the user's language (tui.message_parts.render_item); everywhere else it is the plain English string."""

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, **params: Any) -> "Coded":
        message = composed(code, **params)
        text = str.__new__(cls, message.text)
        text.code, text.params = code, message.params
        return text

    @property
    def text(self) -> str:
        return str.__str__(self)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params), "text": self.text}


@dataclass(frozen=True)
class Reason:
    rule: str
    """The id of the rule behind it (engine.advice_rules.RULES)."""
    text: str
    """In English, built from the registry (engine.messages)."""
    code: str = ""
    """Its message code: `advice.<rule>` or `advice.<rule>.<variant>` (engine.advice_messages)."""
    params: dict[str, Any] = field(default_factory=dict)
    """Raw values and parts (engine.message_parts) the text is built from; the TUI renders them in the
    user's language (tui.message_parts.render)."""

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "text": self.text, "code": self.code, "params": dict(self.params)}


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
                "alternatives": [str(a) for a in self.alternatives],
                "alternative_messages": [a.to_dict() if isinstance(a, Coded) else {"code": "", "params": {}, "text": a}
                                         for a in self.alternatives],
                "next_steps": [str(s) for s in self.next_steps],
                "next_step_messages": [s.to_dict() if isinstance(s, Coded) else {"code": "", "params": {}, "text": s}
                                       for s in self.next_steps],
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


def usable_gb(hardware: Hardware) -> tuple[float, str] | None:
    gpu = hardware.best_gpu
    if gpu is None:
        return None
    usable = min(gpu.total_gb, gpu.free_gb) if gpu.free_gb else gpu.total_gb
    return usable, gpu.name


def fits_with_headroom(e: Estimate, vram: float) -> bool:
    return e.total_gb + HEADROOM_FRACTION * vram <= vram


def best_settings(spec: ModelSpec, method: str, max_length: int, vram: float,
                  profile: TrainerProfile = TUNEWIZ_TRAINER, *, sharding: str = "ddp",
                  world_size: int = 1, dpo_tuning: str = "lora") -> Estimate | None:
    """The fastest configuration of `method` that fits: no checkpointing if a batch of 2+ fits
    without it (it costs ~30% speed), else checkpointing with the largest batch that fits.
    With `sharding` over `world_size` GPUs the estimate (and the batch) is per GPU."""
    candidates = [(False, b) for b in BATCH_SIZES if b >= 2] + [(True, b) for b in BATCH_SIZES]
    for ckpt, batch in candidates:
        e = estimate_for(spec, method, max_length, batch, ckpt, vram, profile, sharding=sharding, world=world_size,
                         dpo_tuning=dpo_tuning)
        if fits_with_headroom(e, vram):
            return e
    return None


def estimate_for(spec: ModelSpec, method: str, seq_len: int, batch: int, ckpt: bool, vram: float | None,
              profile: TrainerProfile, device: str = "cuda", sharding: str = "ddp", world: int = 1,
              dpo_tuning: str = "lora") -> Estimate:
    return estimate(spec, method, seq_len, batch, grad_checkpointing=ckpt, lora_r=profile.lora_r,
                    optimizer=profile.optimizer, precision="fp32" if device == "cpu" else "bf16",
                    vram_gb=vram, lora_dropout=profile.lora_dropout, kbit_upcast=profile.kbit_upcast,
                    loss_impl=profile.loss_impl, device=device, sharding=sharding,  # type: ignore[arg-type]
                    world_size=world, dpo_tuning=dpo_tuning)


def smallest_rentable(spec: ModelSpec, methods: tuple[str, ...], max_length: int,
                      profile: TrainerProfile = TUNEWIZ_TRAINER) -> tuple[int, Estimate] | None:
    """The smallest common GPU that trains `spec` with one of `methods` (leanest settings)."""
    for size in RENTABLE_GB:
        for method in methods:
            e = estimate_for(spec, method, max_length, 1, True, size, profile)
            if fits_with_headroom(e, size):
                return size, e
    return None


def run_settings(spec_id: str, method: str, e: Estimate, answers: Answers, profile: TrainerProfile) -> dict[str, Any]:
    settings: dict[str, Any] = {
        "model": spec_id, "method": method, "epochs": pick_epochs(answers.examples, method),
        "learning_rate": DEFAULT_LEARNING_RATES[method], "max_length": e.seq_len, "batch_size": e.batch,
        "grad_accum": max(1, EFFECTIVE_BATCH // e.batch), "gradient_checkpointing": e.gradient_checkpointing,
    }
    shape = e.shape
    if method == "dpo":
        settings["dpo"] = {"tuning": shape, "beta": DPO_BETA, "loss_type": "sigmoid"}
    if shape in ADAPTER_METHODS:
        settings["lora"] = {"r": profile.lora_r, "alpha": profile.lora_alpha}
        if any("lora_dropout" in note for note in e.notes):
            settings["lora"]["dropout"] = 0.0    # peft refuses dropout on an MoE model's expert stacks
    if answers.examples is not None and answers.examples < 200:
        # Tiny sets: an effective batch of 16 would give only a handful of optimizer steps.
        settings["grad_accum"] = max(1, 8 // e.batch)
    return settings


def make_reason(rule: str, variant: str | None = None, **values: Any) -> Reason:
    """A reason in the words registered for `rule` (engine.advice_rules; KeyError for an unregistered id).
    `values` are raw values or parts (engine.message_parts.part): never English fragments."""
    RULES[rule].templates()[variant or ""]           # KeyError for an unknown rule or variant
    message = composed(reason_code(rule, variant), **values)
    return Reason(rule, message.text, message.code, message.params)


def model_reasons(spec: ModelSpec) -> list[Reason]:
    out = []
    if spec.trust_remote_code:
        out.append(make_reason("trust-remote-code", model=spec.id))
    if spec.gated:
        out.append(make_reason("gated-model", model=spec.id))
    if spec.license and not spec.license.startswith(("Apache", "MIT")):
        out.append(make_reason("license", model=spec.short_name, license=spec.license))
    return out


def why_not(e: Estimate, vram: float) -> dict[str, Any]:
    """The part saying why the leanest method tried does not fit ("QLORA needs N GB even at batch 1 ...")."""
    return part("advice.part.why-not", method=part(f"advice.part.name.{e.method}"), need=e.total_gb, vram=vram)


def method_part(method: str) -> dict[str, Any]:
    """A method as a reason names it ("LoRA (16-bit base)"); DPO tunings as `dpo-<tuning>`."""
    return part(f"advice.part.method.{method}")


def checkpointing_part(on: bool) -> dict[str, Any]:
    return part("advice.part.checkpointing." + ("on" if on else "off"))


