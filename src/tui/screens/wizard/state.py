"""What the wizard knows so far, kept across steps so back/forward never loses an answer.

Everything here is plain Python on top of the engine's light modules (hardware, catalog, memory,
advisor): no Textual, no torch. The screens read and write one `WizardState`; the helpers turn
typed text into numbers with a message key when it makes no sense.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable

from engine.hardware import Hardware, assumed
from engine.messages import message
from engine.methods import ADAPTER_METHODS, WHOLE_MODEL_METHODS

# No single GPU has more than this (B300: 288 GB); a bigger figure is a typo (MB for GB, a sum of GPUs).
MAX_VRAM_GB = 512.0

GOALS = ("knowledge", "style", "task", "domain", "preference")
CORPUS = ("raw", "pairs")
CLOUD = ("yes", "not_yet", "no")
# Typical length of one example -> (avg tokens per example, avg tokens per answer). The answer
# length only matters for labels, where a classifier is the better tool (guide B4.4).
LENGTHS: dict[str, tuple[int | None, int | None]] = {
    "labels": (80, 2),
    "short": (150, None),
    "medium": (400, None),
    "long": (1000, None),
    "very_long": (3000, None),
    "unknown": (None, None),
}

# Rough training speed. GPUs: this share of the card's dense bf16 peak (typical for LoRA/SFT on one
# card), with 4N FLOPs per token for LoRA/QLoRA and 6N for full weights (DESIGN.md's MFU convention).
MFU = 0.35
GPU_PEAK_TFLOPS = (("gh200", 989), ("h200", 989), ("h100 pcie", 756), ("h100", 989), ("h800", 989),
                   ("a100", 312), ("a800", 312), ("l40s", 362), ("l40", 181), ("6000 ada", 365),
                   ("a6000", 155), ("4090", 165), ("4080", 97), ("3090", 71), ("a10", 125), ("l4", 121),
                   ("t4", 65), ("v100", 125))
# An assumed card (the "what if" input) is priced as a common card of that size.
ASSUMED_PEAK_BY_GB = ((16, 65), (24, 125), (40, 312), (48, 362), (80, 312), (141, 989))
DEMO_PARAMS = 134_515_008          # SmolLM2-135M, the model the CPU speed was measured on
CPU_TOKENS_PER_S = 160             # DESIGN.md: LoRA on the demo model, 2-core CPU
CPU_MAX_TOKENS_PER_S = 2000        # a ceiling for toy models, where per-step overhead dominates


def parse_vram(text: str) -> tuple[float | None, str | None]:
    """The "what if" GPU memory: (GB or None for "use what was detected", error key or None).

    Accepts "24", "24gb", "24 GiB", "0" (no GPU), "12,5".
    """
    raw = (text or "").strip().lower().replace(",", ".")
    for suffix in ("gib", "gb", "g"):
        if raw.endswith(suffix):
            raw = raw[: -len(suffix)].strip()
            break
    if not raw:
        return None, None
    try:
        value = float(raw)
    except ValueError:
        return None, "wizard.hw.err.number"
    if not math.isfinite(value):
        return None, "wizard.hw.err.number"
    if value < 0:
        return None, "wizard.hw.err.negative"
    if value > MAX_VRAM_GB:
        return None, "wizard.hw.err.too_big"
    if 0 < value < 1:
        return None, "wizard.hw.err.too_small"
    return value, None


def parse_count(text: str) -> tuple[int | None, str | None]:
    """A number of examples: (count or None for "not known yet", error key or None).

    Accepts "1200", "1,200", "1 200", "2k", "1.5k", "3万"/"3w" (ten thousands).
    """
    raw = (text or "").strip().lower().replace(",", "").replace("_", "").replace(" ", "").replace("，", "")
    if not raw:
        return None, None
    scale = 1
    for suffix, factor in (("k", 1000), ("千", 1000), ("万", 10_000), ("w", 10_000), ("m", 1_000_000)):
        if raw.endswith(suffix):
            raw, scale = raw[: -len(suffix)], factor
            break
    try:
        value = float(raw) * scale
    except ValueError:
        return None, "wizard.q.examples.err.number"
    if not math.isfinite(value):
        return None, "wizard.q.examples.err.number"
    if value < 0:
        return None, "wizard.q.examples.err.negative"
    if value != int(value):
        return None, "wizard.q.examples.err.whole"
    if value > 1e10:
        return None, "wizard.q.examples.err.too_big"
    return int(value), None


def parse_positive_int(text: str, low: int = 1, high: int = 1 << 22) -> int | None:
    """A whole number in [low, high] from typed text, or None."""
    raw = (text or "").strip().replace(",", "").replace("_", "")
    if not raw.isdigit():
        return None
    value = int(raw)
    return value if low <= value <= high else None


@dataclass
class Plan:
    """The model step's choices; seeded from the recommendation, then the user's."""
    model: str
    method: str
    max_length: int
    batch_size: int
    gradient_checkpointing: bool
    grad_accum: int = 4
    epochs: float = 3
    learning_rate: float | None = None
    lora_r: int = 16
    lora_alpha: int = 32
    distributed: str = "ddp"
    """RunConfig.distributed: ddp | fsdp | deepspeed (with deepspeed_stage)."""
    nproc_per_node: int | None = None
    deepspeed_stage: int = 2
    dpo_tuning: str = "lora"
    """method dpo: RunConfig.dpo.tuning (lora | qlora | full), and its beta / loss_type."""
    dpo_beta: float = 0.1
    dpo_loss_type: str = "sigmoid"
    distributed_auto: bool = True
    """The model step may switch ddp <-> fsdp as the plan fits one GPU or not (until the review edits it)."""

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> "Plan":
        lora = settings.get("lora") or {}
        dpo = settings.get("dpo") or {}
        return cls(model=str(settings.get("model") or "demo"), method=str(settings.get("method") or "lora"),
                   max_length=int(settings.get("max_length") or 1024), batch_size=int(settings.get("batch_size") or 1),
                   gradient_checkpointing=bool(settings.get("gradient_checkpointing", True)),
                   grad_accum=int(settings.get("grad_accum") or 4), epochs=settings.get("epochs") or 3,
                   learning_rate=settings.get("learning_rate"), lora_r=int(lora.get("r", 16)),
                   lora_alpha=int(lora.get("alpha", 32)), distributed=str(settings.get("distributed") or "ddp"),
                   nproc_per_node=settings.get("nproc_per_node"),
                   deepspeed_stage=int(settings.get("deepspeed_stage") or 2),
                   dpo_tuning=str(dpo.get("tuning") or "lora"), dpo_beta=float(dpo.get("beta") or 0.1),
                   dpo_loss_type=str(dpo.get("loss_type") or "sigmoid"))


@dataclass
class DataInfo:
    """What a quick check (or the dataset screen) found out about the training file."""
    path: str
    format: str | None = None
    rows: int | None = None
    examples: int | None = None
    tokens_total: int | None = None
    tokens_mean: float | None = None
    errors: int = 0
    warnings: int = 0
    fatal: str | None = None
    counter: str = ""
    source: str = "quick"          # quick | dataset-screen

    @classmethod
    def from_report(cls, path: str, report: Any, source: str = "quick") -> "DataInfo":
        """From an engine.data.lint LintReport (read defensively: only its public fields)."""
        fatal = getattr(report, "fatal", None)
        stats = getattr(report, "stats", None) or {}
        tokens = stats.get("tokens") or {}
        per = tokens.get("per_example") or {}
        return cls(path=path, format=getattr(report, "format", None), rows=getattr(report, "rows", None),
                   examples=stats.get("examples"), tokens_total=tokens.get("total"), tokens_mean=per.get("mean"),
                   errors=int(stats.get("errors") or (1 if fatal else 0)), warnings=int(stats.get("warnings") or 0),
                   fatal=getattr(fatal, "message", None) if fatal is not None else None,
                   counter=str(tokens.get("counter") or ""), source=source)


@dataclass
class OpenAIChoices:
    """What the OpenAI steps ask: where the job goes, the file, model, method, epochs. Never the API key."""
    kind: str = "openai"              # "openai" (or a compatible service from OPENAI_BASE_URL) | "azure"
    azure_endpoint: str = ""
    api_version: str = ""
    file_text: str = ""
    validation_text: str = ""
    model: str | None = None
    method: str = "supervised"
    epochs_text: str = ""             # blank: the service's "auto"
    suffix: str = ""
    validation: Any = None
    """The last engine.openai_ft.validate.Validation of the file step (None until one ran)."""
    validated_for: str | None = None
    """What that validation was for (file, validation file, model, method, epochs): a change makes it stale."""

    def validation_key(self) -> str:
        files = [absolute_path(p) if p.strip() else "" for p in (self.file_text, self.validation_text)]
        return json.dumps([*files, self.model, self.method, self.epochs_text.strip()])

    def make_service(self, environ: Any = None) -> Any:
        """The engine's Service for these choices (Azure: the endpoint and api-version typed here)."""
        from engine.openai_ft import Service
        if self.kind == "azure":
            return Service.from_env("azure", azure_endpoint=self.azure_endpoint.strip() or None,
                                    api_version=self.api_version.strip() or None, environ=environ)
        return Service.from_env(None, base_url=None, environ={k: v for k, v in (environ or os.environ).items()
                                                              if k != "AZURE_OPENAI_ENDPOINT"})


class OpenAISession:
    """What the OpenAI steps keep in memory only, on the wizard object and never in WizardState: the
    API key (an engine ApiKey, masked in every repr) and what the last good key check was for."""

    def __init__(self) -> None:
        self.key: Any = None
        self.checked_for: str | None = None


def parse_epochs(text: str) -> tuple[int | None, str | None]:
    """OpenAI's n_epochs as typed: (epochs or None for "auto", error key or None)."""
    if not (text or "").strip():
        return None, None
    value = parse_positive_int(text, 1, 50)
    return (value, None) if value is not None else (None, "oa.file.err.epochs")


@dataclass
class WizardState:
    detected: Hardware | None = None
    """What detection found (None until it has run)."""
    vram_text: str = ""
    """The "what if I rent a card?" input as typed ('' = use what was detected)."""
    goal: str | None = None
    corpus: str = "raw"
    examples_text: str = ""
    length: str | None = None
    cloud: str | None = None
    chosen_model: str | None = None
    """A model the user picked on the model step; the recommendation is then made for it."""
    rec: Any = None
    """The engine's Recommendation for the current answers."""
    plan: Plan | None = None
    plan_source: str | None = None
    """The recommendation the plan was seeded from: a new one re-seeds it, the same one keeps edits."""
    data: DataInfo | None = None
    data_text: str = ""
    review: dict[str, str] = field(default_factory=dict)
    """Config review edits (key -> text as typed), kept while the plan and data stay the same."""
    review_source: str | None = None
    furthest: int = 0
    """The furthest step index reached (the command palette can jump back to any step up to it)."""
    specs: dict[str, Any] = field(default_factory=dict)
    """Model specs already resolved (typed id/path -> ModelSpec), shared by the model and review steps."""
    today: date | None = None
    """The date the OpenAI steps judge models and the wind-down by (None: today's)."""
    oa: OpenAIChoices = field(default_factory=OpenAIChoices)
    """The OpenAI branch's answers (never the key: that lives in memory on the wizard only)."""

    # -- derived ------------------------------------------------------------------------------------
    def vram_override(self) -> float | None:
        return parse_vram(self.vram_text)[0]

    def hardware(self) -> Hardware:
        """The hardware to plan for: the detected one, or one assumed GPU of the typed size."""
        base = self.detected or Hardware(note=message("hardware.not-detected"))
        gb, error = parse_vram(self.vram_text)
        if gb is None or error:
            return base
        from tui.i18n import t
        return assumed(gb, base, name=t("wizard.hw.assumed_name", gb=gb))

    def examples(self) -> int | None:
        return parse_count(self.examples_text)[0]

    def answers(self) -> Any:
        from engine.advisor import Answers
        avg_tokens, avg_output = LENGTHS.get(self.length or "unknown", (None, None))
        return Answers(goal=self.goal or "task", examples=self.examples(), avg_tokens=avg_tokens,
                       avg_output_tokens=avg_output, raw_corpus=self.corpus != "pairs",
                       cloud_ok=self.cloud == "yes", needs_weights=self.cloud == "no", model=self.chosen_model)

    def path(self) -> str:
        return getattr(self.rec, "path", None) or "open"

    def steps(self) -> list[str]:
        """The steps of the current branch, in order."""
        steps = ["hardware", "goal"]
        if self.goal == "domain":
            steps.append("corpus")
        steps += ["examples", "length", "cloud", "recommend"]
        path = self.path()
        if path == "rag":
            steps.append("rag_end")
        elif path == "openai":
            steps += ["openai_key", "openai_file", "openai_start"]
        else:
            steps += ["model", "dataset", "review"]
        return steps

    def seed_plan(self) -> None:
        """(Re)starts the model step's plan from the recommendation when that changed."""
        rec = self.rec
        if rec is None or rec.path != "open":
            return
        key = json.dumps({"model": rec.model, "settings": rec.settings}, sort_keys=True, default=str)
        if self.plan is None or key != self.plan_source:
            self.plan = Plan.from_settings(rec.settings)
            self.plan_source = key

    def day(self) -> date:
        """The date the OpenAI steps use."""
        return self.today or date.today()

    def open_model_instead(self, file_text: str) -> None:
        """"Train an open model on the same file instead": tunewiz reads OpenAI JSONL, so the open
        path starts with that file as its dataset."""
        self.cloud = "no"
        if file_text.strip():
            self.data_text = file_text.strip()
            self.data = None

    def device(self) -> str:
        return "cuda" if self.hardware().best_gpu is not None else "cpu"


# -- estimates the screens show ----------------------------------------------------------------------
def capacity(hardware: Hardware) -> tuple[str, float | None, str]:
    """(device, GB to fit in, what it is): the best GPU's usable memory, or the RAM on a CPU."""
    gpu = hardware.best_gpu
    if gpu is not None:
        usable = min(gpu.total_gb, gpu.free_gb) if gpu.free_gb else gpu.total_gb
        return "cuda", usable, gpu.name
    return "cpu", (hardware.ram_gb or None), "RAM"


def sharding_of(distributed: str, deepspeed_stage: int = 2) -> str:
    """engine.memory's sharding for RunConfig's `distributed` (ddp | fsdp | deepspeed + stage)."""
    return f"zero{deepspeed_stage}" if distributed == "deepspeed" else distributed


def plan_estimate(spec: Any, method: str, max_length: int, batch: int, ckpt: bool, hardware: Hardware, *,
                  lora_r: int = 16, lora_targets: Any = None, lora_dropout: float = 0.05,
                  precision: str = "auto", sharding: str = "ddp", world_size: int = 1, dpo_tuning: str = "lora",
                  dpo_from_adapter: bool = False) -> Any:
    """engine.memory.estimate for this plan on this hardware (GPU memory, or RAM on the CPU); with
    `sharding` over `world_size` GPUs, per GPU."""
    from engine.memory import estimate
    device, cap, _ = capacity(hardware)
    if device == "cpu":
        prec = "fp32" if precision in ("auto", "fp32") else precision
    else:
        gpu = hardware.best_gpu
        prec = precision if precision != "auto" else ("bf16" if gpu is None or gpu.bf16 else "fp16")
    targets = None if lora_targets in (None, "all-linear") else lora_targets
    shape = dpo_tuning if method == "dpo" else method
    return estimate(spec, method, max_length, batch, grad_checkpointing=ckpt, lora_r=lora_r, dpo_tuning=dpo_tuning,
                    dpo_from_adapter=dpo_from_adapter,
                    lora_targets=targets if shape in ADAPTER_METHODS else None, precision=prec,
                    vram_gb=cap, lora_dropout=lora_dropout, device=device,  # type: ignore[arg-type]
                    sharding=sharding if device == "cuda" else "ddp", world_size=world_size if device == "cuda" else 1)


def tokens_per_second(spec: Any, method: str, hardware: Hardware, ckpt: bool) -> tuple[float, str, int]:
    """A rough training speed: (tokens/s, the card it assumes ("cpu"; "" for a typical card of the
    detected size), that card's bf16 peak in TFLOP/s)."""
    params = max(1, spec.param_count())
    gpu = hardware.best_gpu
    if gpu is None:
        # Measured on the demo model; compute grows with the parameter count.
        tps = CPU_TOKENS_PER_S * DEMO_PARAMS / params * max(1.0, hardware.cpu_cores / 2) ** 0.8
        if method in WHOLE_MODEL_METHODS:
            tps *= 0.67
        # Tiny models do not go faster than the Python and data loading around each step.
        return min(tps, CPU_MAX_TOKENS_PER_S), "cpu", 0
    name = gpu.name.lower()
    peak = next((tf for key, tf in GPU_PEAK_TFLOPS if key in name), None)
    basis = gpu.name
    if peak is None:
        peak = next((tf for gb, tf in ASSUMED_PEAK_BY_GB if gpu.total_gb <= gb + 1), 989)
        basis = ""
    flops = (6 if method in WHOLE_MODEL_METHODS else 4) * params * (4 / 3 if ckpt else 1.0)
    tps = MFU * peak * 1e12 / flops
    if method == "qlora":
        tps *= 0.75          # NF4 weights are de-quantised for every matmul
    return tps, basis, peak


def rough_seconds(data: DataInfo | None, *, epochs: float, max_steps: int | None, batch: int, grad_accum: int,
                  max_length: int, eval_split: float, tps: float) -> float | None:
    """Seconds for the run from the data's size, or None when the data is not known yet."""
    if data is None or not data.examples or not data.tokens_mean or tps <= 0:
        return None
    rows = max(1.0, data.examples * (1 - eval_split))
    per_example = min(float(data.tokens_mean), float(max_length))
    if max_steps:
        tokens = max_steps * batch * grad_accum * per_example
    else:
        tokens = rows * per_example * epochs
    return tokens / tps


def sample_data_path() -> Path | None:
    """The bundled bilingual sample (a source checkout's sample_data/), when it is there."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "sample_data" / "support_openai.jsonl"
        if candidate.is_file():
            return candidate
    return None


def absolute_path(text: str) -> str:
    """A typed path made absolute: the trainer runs in another working directory."""
    return str(Path(os.path.expanduser(text)).resolve())


def quick_check(path: str, is_cancelled: Callable[[], bool] | None = None) -> DataInfo:
    """Rows, tokens (the labelled estimate: no tokenizer load) and findings of one file.

    `is_cancelled` is polled while the file is read; when it answers True the check stops with
    InterruptedError (a worker that was cancelled)."""
    from engine.data.lint import LintOptions, lint_file
    from engine.data.stats import EstimateCounter
    from engine.messages import Coded

    def tick(phase: str, done: int, total: int) -> None:
        if is_cancelled is not None and is_cancelled():
            raise InterruptedError
    report = lint_file(path, LintOptions(workers=1), counter=EstimateCounter(Coded("lint.counter.why.quick-check")), tick=tick)
    return DataInfo.from_report(path, report)
