"""The advisor's messages in the one registry (engine.messages): every rule's reason as `advice.<rule>`
(and `advice.<rule>.<variant>`), from the templates of engine.advice_rules, plus the parts a reason is
built from (`advice.part.*`: a method's name, with or without gradient checkpointing, what a method
would need; `advice.wd.*`: the OpenAI wind-down's dated facts; `advice.azure.*`: Azure OpenAI's
schedule). A reason keeps its raw values and its parts as params (engine.message_parts), so the TUI
says it in the user's language; the Chinese is in tui/i18n/msg_advice.py.
"""
from __future__ import annotations

from engine.advice_rules import RULE_LIST
from engine.messages import register

ADVICE_PARTS: dict[str, str] = {
    # a method as a reason names it: "{method} of {model} needs ..."
    "advice.part.method.full": "Full SFT",
    "advice.part.method.lora": "LoRA (16-bit base)",
    "advice.part.method.qlora": "QLoRA (4-bit base)",
    "advice.part.method.cpt": "Continual pretraining",
    "advice.part.method.dpo-lora": "DPO with LoRA (16-bit base)",
    "advice.part.method.dpo-qlora": "DPO with QLoRA (4-bit base)",
    "advice.part.method.dpo-full": "DPO of every weight",
    # a method inside a sentence: "... : QLORA needs N GB even at batch 1"
    "advice.part.name.full": "full SFT",
    "advice.part.name.lora": "LORA",
    "advice.part.name.qlora": "QLORA",
    "advice.part.name.cpt": "continual pretraining",
    "advice.part.name.dpo-qlora": "DPO with QLoRA",
    "advice.part.checkpointing.on": "with gradient checkpointing",
    "advice.part.checkpointing.off": "without gradient checkpointing",
    "advice.part.would-need": "{method} would need {need:.1f} GB",
    "advice.part.why-not": "{method} needs {need:.1f} GB even at batch 1 with gradient checkpointing (> {vram:.0f} GB)",
    "advice.part.needs": "{method} needs {need:.1f} GB",
    "advice.part.lighter": "{method}, {need:.1f} GB",
    "advice.part.divides.all": "the weights, gradients and optimizer states",
    "advice.part.divides.grads": "the gradients and optimizer states",
    "advice.part.divides.nothing": "nothing",
    "advice.part.none-detected": "none detected",
    "advice.part.minutes": "{minutes} min",
    "advice.part.hours": "{hours:.1f} h",
    "advice.part.days": "{days:.0f} days",
    # OpenAI's wind-down, fact by fact (catalog dates; the order and the tenses follow `today`)
    "advice.wd.sentence": "OpenAI is winding down self-serve fine-tuning (notice of {notice}): {facts}.",
    "advice.wd.never-since": "organisations that never fine-tuned cannot create jobs since {date}",
    "advice.wd.never-from": "organisations that never fine-tuned cannot create jobs from {date}",
    "advice.wd.inactive-since": "since {date}, those without inference on a fine-tuned model in the past {days} days "
                                "are blocked too",
    "advice.wd.inactive-from": "from {date}, those without inference on a fine-tuned model in the past {days} days "
                               "are blocked too",
    "advice.wd.jobs-end": "no new jobs for anyone from {date} ({days} days from now)",
    "advice.wd.jobs-ended": "no new fine-tuning jobs for anyone since {date}",
    "advice.wd.model-shut": "{model} and its fine-tunes shut down on {date}",
    "advice.wd.model-shut-ahead": "{model} and its fine-tunes shut down on {date} ({days} days from now)",
    "advice.wd.shut-ahead": "the gpt-4o/gpt-4.1 fine-tunes shut down on {date} ({days} days from now); until then "
                            "existing fine-tuned models keep answering (inference continues until their base model "
                            "is retired)",
    "advice.wd.shut-past": "the gpt-4o/gpt-4.1 fine-tunes shut down on {date}; other fine-tuned models answer until "
                           "their base model is retired",
    # Azure OpenAI's schedule per family (engine.openai_catalog.AzureSchedule.message's codes and params)
    "advice.azure.azure-ft-open": "Azure OpenAI: {models} fine-tuning for existing customers until no earlier than "
                                  "{training_until} ({days} days from now), their fine-tuned deployments until "
                                  "{deployments_until} (Azure's retirement page as of {as_of}).",
    "advice.azure.azure-ft-training-may-have-ended": "Azure OpenAI: {models} fine-tuning could end from "
                                                     "{training_until} on (Azure's retirement page as of {as_of}), so "
                                                     "check whether it still trains; their fine-tuned deployments run "
                                                     "until {deployments_until}.",
    # the alternatives a recommendation names (Recommendation.alternatives)
    "advice.alt.classifier": "classifier: fine-tune a small encoder (e.g. bert-base-chinese / xlm-roberta) as a "
                             "classifier",
    "advice.alt.rag-style": "style + facts: fine-tune (LoRA) for tone and format, and keep the facts in RAG",
    "advice.alt.deepspeed": "deepspeed: ZeRO-3 divides the same states (distributed: deepspeed, deepspeed_stage: 3; "
                            "install deepspeed yourself)",
    "advice.alt.openai": "openai: {model} is the least effort, but {wind_down}",
    "advice.alt.own-weights": "own weights: rent a {size} GB GPU and run {method} on {model} (needs {need:.1f} GB)",
    "advice.alt.rent": "rent a {size} GB GPU: {method} on {model}",
    "advice.alt.full-dpo": "full DPO (dpo.tuning: full) trains every weight and keeps a frozen reference copy: "
                           "{need:.0f} GB at batch 1",
    # the next steps a recommendation lists (Recommendation.next_steps)
    "advice.next.rag-chunks": "Split the documents into ~300-800 token chunks with some overlap, keeping titles and "
                              "source ids.",
    "advice.next.rag-embed": "Embed the chunks with a multilingual embedding model (e.g. BAAI/bge-m3 for Chinese and "
                             "English).",
    "advice.next.rag-index": "Store them in a vector index (FAISS, Chroma, pgvector) and retrieve the top 3-8 chunks "
                             "per question.",
    "advice.next.rag-prompt": "Put the retrieved chunks in the prompt and ask the model to answer only from them, "
                              "citing the source.",
    "advice.next.rag-measure": "Write 30-50 real questions with known answers and measure retrieval hits and answer "
                               "accuracy.",
    "advice.next.rag-style": "If the tone or format is still wrong, fine-tune for style afterwards: `tunewiz advise "
                             "--goal style`.",
    "advice.next.lint": "tunewiz lint {data}",
    "advice.next.lint-model": "tunewiz lint {data} --model {model}",
    "advice.next.lint-pairs": "tunewiz lint {data} --model {model}  (chosen/rejected pairs)",
    "advice.next.lint-openai": "tunewiz lint {data} --target openai --model {model}  (OpenAI's rules, token count, "
                               "cost)",
    "advice.next.config": "put these settings and `data: {data}` in CONFIG.yaml, then tunewiz train CONFIG.yaml",
    "advice.next.config-detach": "put these settings and `data: {data}` in CONFIG.yaml, then tunewiz train "
                                 "CONFIG.yaml --detach",
    "advice.next.openai-before": "create the fine-tuning job before {date}",
    "advice.next.openai-403": "if that fails with 403 training_not_available: {refused}",
    # the guide's models, named beside today's default (engine.advice_core.GUIDE_MODELS)
    "advice.alt.guide.qwen2.5": "{model}: the guide's first choice; no thinking mode, so no reasoning traces to manage",
    "advice.alt.guide.glm4": "{model}: the guide's GLM4 (remote code); THUDM/GLM-4-9B-0414 is its native successor",
    "advice.alt.guide.baichuan2": "{model}: the guide's Baichuan2 (remote code, 4k context)",
    "advice.alt.guide.llama3": "{model}: the guide's Llama-3, English first (gated)",
}


def rule_codes() -> dict[str, str]:
    """`advice.<rule>` / `advice.<rule>.<variant>` -> English template, from engine.advice_rules."""
    out: dict[str, str] = {}
    for rule in RULE_LIST:
        for name, template in rule.templates().items():
            out[f"advice.{rule.id}" + (f".{name}" if name else "")] = template
    return out


def reason_code(rule: str, variant: str | None = None) -> str:
    """The message code of a rule's reason (the variant's when given)."""
    return f"advice.{rule}" + (f".{variant}" if variant else "")


register(rule_codes())
register(ADVICE_PARTS)
