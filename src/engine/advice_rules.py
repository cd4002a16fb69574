"""The advisor's rules: every id a reason can carry, with its English text and where it comes from.

`engine.advisor` writes each reason from this table (`RULES[id].text(**values)`), so a rule's
wording lives here once, and `tunewiz advise --json` / the wizard show `rule` ids that this table
documents. The ids are a contract: scripts and the wizard's labels (`wizard.rule.<id>`) key on
them, so an id never changes meaning once released.

docs/advice-rules.md is generated from this table (a test keeps it equal):

    python -m engine.advice_rules > docs/advice-rules.md

`guide` names the section of the fine-tuning guide tunewiz's advice is built from
(DESIGN.md, "The decision tree"): A = OpenAI's fine-tuning, B1 = the methods compared, B2 = the
SFT data format, B4.n = the n-th pitfall. Rules that do not come from the guide say in `basis`
what they rest on instead (the memory estimate, the catalog's sourced facts, ...).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from string import Formatter


@dataclass(frozen=True)
class AdviceRule:
    """One rule of the decision tree, as the advisor states it."""

    id: str
    """Stable id: `Reason.rule`, and `reasons[].rule` in `tunewiz advise --json`."""
    when: str
    """When the advisor applies it (one line, for the docs)."""
    template: str
    """The reason's English text, a `str.format` template the advisor fills in."""
    guide: str | None = None
    """The guide section the rule comes from ("B4.5"), or None when it is not the guide's."""
    basis: str = ""
    """What the rule rests on besides (or instead of) the guide."""
    variants: dict[str, str] = field(default_factory=dict)
    """Other wordings of the same rule, by name (the situation each is used in)."""

    def text(self, variant: str | None = None, **values: object) -> str:
        """The reason's text: the template (or the named variant) filled with `values`."""
        template = self.template if variant is None else self.variants[variant]
        return template.format(**values)

    def templates(self) -> dict[str, str]:
        """Every wording: "" for the main template, then the variants by name."""
        return {"": self.template, **self.variants}

    def fields(self) -> set[str]:
        """The names every wording may use (what the advisor passes)."""
        return {name for template in self.templates().values()
                for _, name, _, _ in Formatter().parse(template) if name}


_WHY_NOT = ("`{why_not}` says why the leanest method tried does not fit: \"QLORA needs N GB even at batch 1 "
            "with gradient checkpointing (> V GB)\".")

RULE_LIST: tuple[AdviceRule, ...] = (
    # -- the goal ------------------------------------------------------------------------------------
    AdviceRule(
        "knowledge-goal", "the goal is new knowledge from documents (the path is RAG)",
        "Your goal is new knowledge from documents: use retrieval (RAG), not fine-tuning. Fine-tuning changes "
        "how a model writes, not what it reliably knows (guide B4.1).",
        guide="B4.1", basis="also the guide's section A: to extend a model's knowledge, use RAG, not fine-tuning"),
    AdviceRule(
        "no-reliable-facts", "with knowledge-goal: what fine-tuning cannot make reliable",
        "Fine-tuning does not make legal conclusions, diagnoses or memorised facts reliable (guide B4.2); "
        "retrieval lets the model quote the source instead.",
        guide="B4.2"),
    AdviceRule(
        "domain-corpus", "domain goal with a raw corpus: continual pretraining",
        "A raw domain corpus (new vocabulary or a new language) calls for continual pretraining: training all "
        "weights on the raw text. It needs the most memory of all methods.",
        guide="B1", basis="the guide's method table: continual pretraining injects new knowledge, 100 GB+"),
    AdviceRule(
        "domain-pairs", "domain goal with question/answer pairs: ordinary supervised fine-tuning",
        "Domain goal with question/answer pairs rather than raw text: supervised fine-tuning on those pairs.",
        guide="B2", basis="the guide's SFT data format (instruction/output pairs)"),
    AdviceRule(
        "preference-dpo", "the goal is to prefer one answer over another and the data is chosen/rejected pairs",
        "Making the model prefer answer A over answer B is preference tuning: DPO on your chosen/rejected pairs "
        "(TRL's DPOTrainer, beta {beta}). It trains an adapter against a reference that is the same base with the "
        "adapter switched off, so no second copy of the model is loaded.",
        basis="DPO (Rafailov et al. 2023) as TRL implements it; engine.memory.estimate(method='dpo')"),
    AdviceRule(
        "preference-needs-pairs", "preference goal, but the data has no chosen/rejected pairs",
        "Preference tuning learns from pairs: for each prompt a chosen and a rejected answer. Your data has single "
        "answers, so collect pairs (e.g. two samples per prompt, one marked better) or do supervised fine-tuning "
        "first; the plan below is that fine-tuning.",
        basis="DPO's input is (prompt, chosen, rejected); engine.data reads TRL, LLaMA-Factory and OpenAI pair formats"),
    AdviceRule(
        "preference-sft-first", "preference goal on a base (not instruction-tuned) model",
        "{model} is a base model: DPO works best on a model that already answers well, so fine-tune it on "
        "demonstrations first (SFT) and start DPO from that adapter (dpo.from_adapter), or pick an instruct model.",
        basis="TRL's and LLaMA-Factory's DPO recipes start from an SFT or instruct model"),
    # -- the data ------------------------------------------------------------------------------------
    AdviceRule(
        "few-examples", "fewer than ~500 examples",
        "{examples} examples is below the ~{few} clean examples fine-tuning usually needs to help (guide B4.5): "
        "collect more, or expect little change. Keep an eval split to see it.",
        guide="B4.5"),
    AdviceRule(
        "openai-minimum", "fewer than 10 examples while OpenAI is allowed: that path is refused",
        "OpenAI requires at least {minimum} training examples; you have {examples}, so that path is refused.",
        basis="OpenAI's fine-tuning API rejects training files of fewer than 10 examples"),
    AdviceRule(
        "short-texts", "answers of a few tokens (labels): a classifier is the better tool",
        "Answers of ~{tokens} tokens are labels, not text: a classification model (e.g. a fine-tuned BERT-style "
        "encoder) is cheaper, faster and usually more accurate (guide B4.4).",
        guide="B4.4"),
    AdviceRule(
        "forgetting", "every open-model plan: few epochs and an eval split",
        "{epochs} epoch(s) with an eval split: long training on small data overfits and forgets what the model "
        "knew (guide B4.6).",
        guide="B4.6", basis="fewer epochs on more data (advisor.pick_epochs)"),
    # -- OpenAI --------------------------------------------------------------------------------------
    AdviceRule(
        "own-weights", "OpenAI is allowed but the weights must be owned: the OpenAI path is out",
        "You need to own the weights, so the OpenAI path is out: an ft: model only exists on OpenAI's servers.",
        basis="DESIGN.md's decision tree: needing the weights means an open model"),
    AdviceRule(
        "openai-closed", "OpenAI is allowed but its new fine-tuning jobs have ended (from 2027-01-06): never that path",
        "OpenAI stopped accepting new fine-tuning jobs on {date}, for every organisation. Fine-tuned models you "
        "already have still answer: the gpt-4o/gpt-4.1 ones until {shut_down} ({days} days from now), others until "
        "their base model is retired.",
        basis="the catalog's sourced wind-down dates (engine.catalog.OPENAI_WIND_DOWN)",
        variants={"shut": "OpenAI stopped accepting new fine-tuning jobs on {date}, for every organisation, and the "
                          "fine-tuned gpt-4o/gpt-4.1 models stopped answering on {shut_down}; other fine-tuned models "
                          "answer until their base model is retired."}),
    AdviceRule(
        "openai-path", "no GPU (or none that fits) and OpenAI is allowed: fine-tune on OpenAI",
        "Your data may go to OpenAI and you can still create jobs there: fine-tuning {model} is the least effort "
        "(no GPU needed).",
        guide="A", basis="the guide's section A: OpenAI's own fine-tuning is the least effort"),
    AdviceRule(
        "openai-wind-down", "whenever OpenAI is recommended or was an option: its wind-down dates",
        "{wind_down} Anything that must keep working after that needs an open model whose weights you own.",
        basis="the catalog's sourced wind-down dates (engine.catalog.OPENAI_WIND_DOWN)",
        variants={"open-path": "OpenAI would be the least effort, but the weights would not be yours and "
                               "{wind_down}"}),
    AdviceRule(
        "openai-eligibility", "on the OpenAI path once OpenAI blocks some organisations (from 2026-05-07)",
        "This works only if your organisation has fine-tuned on OpenAI before and ran inference on a fine-tuned "
        "model in the past {days} days (OpenAI's rule since {inactive_since}); other organisations get 403 {error} "
        "when they create the job.",
        basis="the catalog's sourced wind-down rules (engine.catalog.OPENAI_WIND_DOWN: never_fine_tuned_blocked, "
              "inactive_blocked, blocked_error)",
        variants={"never-fine-tuned": "This works only if your organisation has fine-tuned on OpenAI before "
                                      "(OpenAI's rule since {never_since}; from {inactive_since} it must also have "
                                      "run inference on a fine-tuned model in the past {days} days); other "
                                      "organisations get 403 {error} when they create the job."}),
    AdviceRule(
        "openai-azure", "OpenAI was an option and Azure OpenAI's fine-tuning schedule has not ended",
        "Existing Azure OpenAI customers can fine-tune there, on Azure's own schedule. {schedule}",
        basis="the catalog's sourced Azure retirement dates (engine.catalog.AZURE_FINE_TUNING)"),
    AdviceRule(
        "open-alternative", "whenever OpenAI was an option: the same file trains an open model",
        "Whatever OpenAI allows you, you can train an open model on the same file: tunewiz reads OpenAI JSONL "
        "(`tunewiz lint FILE` checks it, `tunewiz train` trains it), and the weights are yours.",
        basis="DESIGN.md: tunewiz reads OpenAI chat JSONL for open models (engine.data.formats)"),
    AdviceRule(
        "openai-cost", "on the OpenAI path, when the examples and their length are known",
        "About ${cost:,.2f} to train: {tokens:,} tokens x {epochs} epochs x ${price:.2f}/1M (price {as_of}; "
        "check the pricing page).",
        basis="the catalog's sourced training price and the epochs OpenAI's 'auto' usually picks"),
    AdviceRule(
        "openai-example-limit", "on the OpenAI path, examples longer than the model accepts",
        "Examples average {avg_tokens} tokens but {model} accepts at most {limit} per example.",
        guide="A", basis="the catalog's sourced per-example token limit; the guide: OpenAI is unfit for long texts"),
    # -- the hardware --------------------------------------------------------------------------------
    AdviceRule(
        "no-gpu", "no GPU was detected (or assumed)",
        "No GPU to train on: {note}.",
        basis="engine.hardware (NVML)"),
    AdviceRule(
        "gpu-busy", "other processes hold part of the GPU's memory: plans are sized for what is free",
        "{gpu} has {free:.1f} of {total:.1f} GB free (other processes hold the rest): sized for what is free.",
        basis="engine.hardware (NVML's free memory)"),
    AdviceRule(
        "no-bf16", "the GPU has no bf16 (before Ampere): adapters only",
        "{gpu} has no bf16 (compute capability {major}.{minor}): training runs in fp16, where only adapters "
        "(LoRA/QLoRA) train reliably.",
        basis="the HF Trainer cannot unscale fp16 gradients of fp16 weights, so full SFT and continual "
              "pretraining fail there"),
    AdviceRule(
        "cpt-needs-bf16", "with no-bf16 and a raw corpus: LoRA on the raw text",
        "Continual pretraining updates every weight, which needs bf16; LoRA on the raw text instead.",
        basis="as no-bf16"),
    AdviceRule(
        "rent-gpu", "no GPU (or nothing fits) and OpenAI is not an option: the smallest common GPU that trains it",
        "To train {model}, rent a GPU with at least {size} GB: {method} needs {need:.1f} GB at max_length "
        "{max_length}, batch 1 with gradient checkpointing.",
        basis="engine.memory.estimate against the memory sizes of common cards (advisor.RENTABLE_GB)"),
    AdviceRule(
        "cpu-demo", "no GPU (or nothing fits) and OpenAI is not an option: the demo model on the CPU meanwhile",
        "Meanwhile, the embedded demo model (SmolLM2-135M-Instruct) trains LoRA on this CPU ({cores} cores, needs "
        "~{need:.1f} GB RAM) to try the whole loop. It shows the workflow; it is too small for production quality.",
        basis="DESIGN.md: the embedded demo model; its measured CPU speed",
        variants={"dpo": "Meanwhile, the embedded demo model (SmolLM2-135M-Instruct) trains DPO with LoRA on this "
                         "CPU ({cores} cores, needs ~{need:.1f} GB RAM) to try the whole loop on your pairs. It shows "
                         "the workflow; it is too small for production quality.",
                  "with-time": "Meanwhile, the embedded demo model (SmolLM2-135M-Instruct) trains LoRA on this CPU "
                               "({cores} cores, needs ~{need:.1f} GB RAM) to try the whole loop; your data would "
                               "take ~{duration} at ~{tokens_per_s} tokens/s (2-core CPU). It shows the workflow; "
                               "it is too small for production quality."}),
    AdviceRule(
        "low-ram", "with cpu-demo: not even the demo model fits the free RAM",
        "Even the demo model needs {need:.1f} GB of RAM; {ram:.1f} GB is free.",
        basis="engine.memory.estimate on the CPU"),
    # -- method and model by memory ------------------------------------------------------------------
    AdviceRule(
        "memory-fit", "the method chosen: full SFT if it fits, else LoRA, else QLoRA (the fastest settings that fit)",
        "{method} of {model} needs {need:.1f} GB (max_length {max_length}, batch {batch}, {checkpointing}) of the "
        "{vram:.0f} GB available: {spare:.1f} GB to spare.",
        guide="B1", basis="the guide's method table, priced by engine.memory.estimate with some headroom. "
                          "`{skipped}`: the faster methods that do not fit, with what each would need",
        variants={"skipped": "{method} of {model} needs {need:.1f} GB (max_length {max_length}, batch {batch}, "
                             "{checkpointing}) of the {vram:.0f} GB available: {spare:.1f} GB to spare "
                             "({skipped})."}),
    AdviceRule(
        "multi-gpu-shard", "2+ GPUs and the best method does not fit one: sharded across them (FSDP, or ZeRO when asked)",
        "{method} of {model} needs {single:.1f} GB, more than one {gpu} ({vram:.0f} GB) holds. {mode} across the {n} "
        "GPUs divides {divided} among them: {need:.1f} GB per GPU (max_length {max_length}, batch {batch} per GPU, "
        "{checkpointing}), {spare:.1f} GB to spare on each.",
        basis="engine.memory.estimate(sharding=, world_size=) on the smallest of the detected GPUs; QLoRA is never "
              "sharded (its 4-bit weights are stored as uint8, which FSDP cannot flatten with the rest)",
        variants={"lighter": "{method} of {model} needs {single:.1f} GB, more than one {gpu} ({vram:.0f} GB) holds; "
                             "one GPU alone would take {lighter} instead. {mode} across the {n} GPUs divides {divided} "
                             "among them: {need:.1f} GB per GPU (max_length {max_length}, batch {batch} per GPU, "
                             "{checkpointing}), {spare:.1f} GB to spare on each."}),
    AdviceRule(
        "multi-gpu-ddp", "2+ GPUs and the chosen settings fit one: DDP, a whole copy per GPU, for speed",
        "The {n} GPUs train together with DDP: each holds a whole copy ({need:.1f} GB, as on one GPU), so only speed "
        "grows, about {n}x the examples per step; grad_accum {grad_accum} keeps the effective batch near {effective}.",
        basis="engine.memory.estimate: DDP divides nothing; RunConfig nproc_per_node, distributed: ddp"),
    AdviceRule(
        "gradient-checkpointing", "the chosen settings need gradient checkpointing to fit",
        "Gradient checkpointing is on: it recomputes activations in the backward pass (~30% slower) so the step "
        "fits.",
        basis="engine.memory.estimate: no checkpointing whenever a batch of 2 fits without it"),
    AdviceRule(
        "cpt-too-big", "continual pretraining does not fit: LoRA/QLoRA on the raw text",
        "Continual pretraining of {model}: {why_not}. {method} on the raw text adapts the model more cheaply "
        "(less new knowledge sticks than with all weights).",
        guide="B1", basis="engine.memory.estimate. " + _WHY_NOT),
    AdviceRule(
        "smaller-model", "nothing fits the chosen model: the largest smaller catalog model that fits",
        "{model} does not fit {gpu} ({vram:.1f} GB): {why_not}. {smaller} does.",
        basis="engine.memory.estimate over the catalog. " + _WHY_NOT,
        variants={"with-note": "{model} does not fit {gpu} ({vram:.1f} GB): {why_not}. {smaller} does. ({note}.)"}),
    AdviceRule(
        "too-small-gpu", "no catalog model fits the GPU at this length",
        "Nothing in the catalog fits {vram:.1f} GB for this length ({max_length} tokens): {why_not}.",
        basis="engine.memory.estimate over the catalog. " + _WHY_NOT),
    # -- the model -----------------------------------------------------------------------------------
    AdviceRule(
        "todays-default", "no model was asked for: today's default, with the guide's models as named alternatives",
        "{model} is the default: today's generation of the guide's first choice (Qwen), Apache-2.0, strong in "
        "Chinese and English. The guide's models (Qwen2.5, GLM4, Baichuan2, Llama-3) stay available with --model; "
        "the alternatives below say when one of them still makes sense.",
        basis="the catalog's config.json-sourced entries (engine.catalog_models); DESIGN.md: today's models"),
    AdviceRule(
        "trust-remote-code", "the model runs its own code from the hub",
        "{model} runs its own Python code from the hub: read it, then set `trust_remote_code: true` in the config "
        "(tunewiz never sets it for you).",
        basis="DESIGN.md: trust_remote_code only on explicit opt-in; the catalog"),
    AdviceRule(
        "gated-model", "the model is gated on the hub",
        "{model} is gated: accept its licence on huggingface.co and log in (`hf auth login`) before training.",
        basis="the catalog"),
    AdviceRule(
        "license", "the model's licence is neither Apache nor MIT",
        "{model} licence: {license}.",
        basis="the catalog"),
)

RULES: dict[str, AdviceRule] = {rule.id: rule for rule in RULE_LIST}
"""Every rule by id."""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown() -> str:
    """docs/advice-rules.md: every rule, its guide section, when it applies and its text."""
    lines = [
        "# Advice rules",
        "",
        "<!-- Generated from src/engine/advice_rules.py: python -m engine.advice_rules > docs/advice-rules.md -->",
        "",
        "Every reason `tunewiz advise` gives (and the wizard's recommendation shows) carries the id of the",
        "rule behind it: `reasons[].rule` in `tunewiz advise --json`. The ids are stable; scripts may key on",
        "them. The texts are English templates: `{name}` is filled by the advisor (a number, a model id, a",
        "date). `guide` is the section of the fine-tuning guide the rule comes from (A: OpenAI's",
        "fine-tuning; B1: the methods compared; B2: the SFT data format; B4.n: the n-th pitfall); the",
        "last column says what else it rests on.",
        "",
        "| rule | guide | when | text | basis |",
        "|---|---|---|---|---|",
    ]
    for rule in RULE_LIST:
        texts = "<br>".join(f"*{name}:* {template}" if name else template
                            for name, template in rule.templates().items())
        lines.append(f"| `{rule.id}` | {rule.guide or ''} | {_cell(rule.when)} | {_cell(texts)} | "
                     f"{_cell(rule.basis)} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
