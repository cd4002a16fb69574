"""Preference tuning (`method: dpo`) through TRL's DPOTrainer, in the same run directory, with the same
events, checkpoints, stop and resume as supervised runs (trainer.py).

How the policy trains is `dpo.tuning`: a LoRA adapter on a 16-bit base (lora), on a 4-bit base
(qlora), or every weight (full). The reference the policy is held near:
- a new adapter: the base model itself, computed with the adapter switched off (no second copy);
- `dpo.from_adapter` (an SFT run's adapter/): the adapter is loaded as the adapter that trains, and
  TRL loads a frozen copy of it beside it under the name "ref" (its "load the adapter twice" recipe);
  the saved adapter holds the SFT and DPO updates together, on the same base;
- full tuning: a frozen copy of the model, loaded next to the policy (twice the weights in memory).
The run records which one it used: a `log` line and the `start` event's `reference`.

The pairs are read by engine.data.preference (every pair format) and rendered here with the model's
own chat template, system turn and tools in the prompt: prompt ids are the rendered prompt with the
generation prompt, each answer's ids what the full conversation adds after them (TRL's rule: the
longest common prefix of the token ids).
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import runs
from engine.train import checkpoints, faults
from engine.message_parts import english_params, part, parts
from engine.train.errors import coded_failure
from engine.train.trainer import (MIN_EVAL_ROWS, TokenCounter, load_model, make_event_callback, prepare_tokenizer,
                                  resume_checkpoint, training_arguments)

if TYPE_CHECKING:
    from engine.data.canonical import PreferencePair
    from engine.train.config import RunConfig
    from engine.train.context import RunContext

PAIR_SHAPES_PART = part("end.part.pair-shapes")   # its words: engine/train/end_messages.py
PAIR_SHAPES = english_params({"shapes": PAIR_SHAPES_PART})["shapes"]
"""The pair shapes method: dpo reads (engine.data.preference detects them), for messages."""

REFERENCES = {
    "base": "the base model with the adapter switched off (no second copy)",
    "adapter": "a frozen copy of the starting adapter {path}",
    "copy": "a frozen copy of the model (full tuning: its weights are in memory twice)",
}
"""StartEvent.reference -> what it means (the `log` line says it with the adapter's path)."""


def reference_of(config: "RunConfig") -> tuple[str, str]:
    """(the start event's `reference`: "base" | "adapter" | "copy", the sentence for the log)."""
    if config.dpo.tuning == "full":
        return "copy", REFERENCES["copy"]
    if config.dpo.from_adapter:
        return "adapter", REFERENCES["adapter"].format(path=config.dpo.from_adapter)
    return "base", REFERENCES["base"]


# -- data ---------------------------------------------------------------------------------------
def read_pairs_of(config: "RunConfig", log: Any = None) -> list["PreferencePair"]:
    """Every pair of every data source; fails (naming the file and the shapes accepted) when a file is
    not preference data or has rows that cannot be read."""
    from engine.data.formats import DatasetError
    from engine.data.preference import PAIR_FORMATS, read_pairs

    pairs: list[PreferencePair] = []
    problems: list[Any] = []
    for source in config.data:
        # DataSource.format names the conversation formats; their pair forms are detected (or named here).
        fmt = {"sharegpt": "sharegpt-pairs", "alpaca": "alpaca-pairs"}.get(source.format, "auto")
        try:
            result = read_pairs(source.path, fmt if fmt in PAIR_FORMATS else "auto")
        except DatasetError as exc:
            raise coded_failure("pairs-unreadable", path=str(source.path), detail=str(exc),
                                shapes=PAIR_SHAPES_PART) from None
        except ValueError as exc:
            raise coded_failure("pairs-invalid", path=str(source.path), detail=str(exc), shapes=PAIR_SHAPES_PART) from None
        problems.extend(result.problems)
        pairs.extend(result.pairs)
        if log is not None:
            log(f"read {len(result.pairs)} preference pairs from {source.path} (format: {result.format})")
    if problems:
        more = [part("end.part.more-rows", count=len(problems) - 10)] if len(problems) > 10 else []
        raise coded_failure("pairs-bad-rows", count=len(problems), rows="\n".join(f"  {p}" for p in problems[:10]),
                            more=parts(more, sep=""))
    if not pairs:
        raise coded_failure("pairs-empty", shapes=PAIR_SHAPES_PART)
    return pairs


@dataclass
class PairTokens:
    """Pairs as TRL's DPOTrainer takes them tokenized: prompt_ids, chosen_ids, rejected_ids per row."""

    rows: list[dict[str, list[int]]] = field(default_factory=list)
    tokens: int = 0               # prompt + chosen + rejected tokens of every row (after truncation)
    truncated: int = 0            # pairs with a side longer than max_length (cut by TRL's collator)
    dropped: int = 0              # pairs whose prompt alone fills max_length (nothing left to compare)
    prompt_moved: int = 0         # pairs where the template renders the prompt differently before an answer

    def summary(self) -> str:
        parts = [f"{len(self.rows)} pairs, {self.tokens:,} tokens"]
        if self.truncated:
            parts.append(f"{self.truncated} truncated")
        if self.dropped:
            parts.append(f"{self.dropped} dropped: the prompt alone fills max_length")
        return "; ".join(parts)


def _common_prefix(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


def tokenize_pairs(tokenizer: Any, pairs: list["PreferencePair"], max_length: int,
                   template_kwargs: dict[str, Any] | None = None) -> PairTokens:
    """Renders each pair through the chat template (tools and system turn in the prompt) and tokenizes it."""
    out = PairTokens()
    kwargs = dict(template_kwargs or {})

    def render(messages: list[dict[str, Any]], tools: Any, generation_prompt: bool) -> list[int]:
        text = tokenizer.apply_chat_template(messages, tools=tools or None, tokenize=False,
                                             add_generation_prompt=generation_prompt, **kwargs)
        return tokenizer(text, add_special_tokens=False)["input_ids"]

    for pair in pairs:
        prompt = [m.to_template_dict() for m in pair.prompt]
        prompt_ids = render(prompt, pair.tools, True)
        chosen_full = render(prompt + [m.to_template_dict() for m in pair.chosen], pair.tools, False)
        rejected_full = render(prompt + [m.to_template_dict() for m in pair.rejected], pair.tools, False)
        cut = min(_common_prefix(prompt_ids, chosen_full), _common_prefix(prompt_ids, rejected_full))
        out.prompt_moved += int(cut < len(prompt_ids))
        if cut >= max_length:
            out.dropped += 1
            continue
        chosen, rejected = chosen_full[cut:], rejected_full[cut:]
        if cut + max(len(chosen), len(rejected)) > max_length:
            out.truncated += 1
        out.rows.append({"prompt_ids": prompt_ids[:cut], "chosen_ids": chosen, "rejected_ids": rejected})
        out.tokens += cut + min(len(chosen), max_length - cut) + min(len(rejected), max_length - cut)
    return out


def load_pairs(ctx: "RunContext", tokenizer: Any) -> tuple[PairTokens, PairTokens | None, int]:
    """Reads, splits off the eval pairs (config.eval_split, seeded) and tokenizes. Fails on unusable data."""
    config = ctx.config
    if not config.data:
        raise coded_failure("pairs-none")
    pairs = read_pairs_of(config, ctx.log)
    order = list(range(len(pairs)))
    random.Random(config.seed).shuffle(order)
    n_eval = int(round(len(pairs) * config.eval_split))
    if config.eval_split > 0 and n_eval < MIN_EVAL_ROWS:
        ctx.log(f"eval_split {config.eval_split} of {len(pairs)} pairs gives {n_eval}, fewer than {MIN_EVAL_ROWS}: "
                "no eval split (add pairs or raise eval_split)", "warning")
        n_eval = 0
    # The thinking setting, as for supervised runs: resolved from the template and the data, logged, and
    # recorded in chat_template.json so that chat and export render the way training did.
    from engine.data.canonical import Example
    from engine.train.template import setup_run
    sides = [Example(p.source, p.line, messages=p.prompt + side, tools=p.tools) for p in pairs
             for side in (p.chosen, p.rejected)]
    kwargs = {"enable_thinking": setup_run(ctx, tokenizer, sides)}
    train_set = tokenize_pairs(tokenizer, [pairs[i] for i in order[n_eval:]], config.max_length, kwargs)
    eval_set = tokenize_pairs(tokenizer, [pairs[i] for i in order[:n_eval]], config.max_length, kwargs) \
        if n_eval else None
    ctx.log(f"train: {train_set.summary()}")
    if eval_set:
        ctx.log(f"eval: {eval_set.summary()}")
    if train_set.truncated:
        ctx.log(f"{train_set.truncated} pairs are longer than max_length={config.max_length}: their answers are "
                "cut at max_length (raise max_length to compare them whole)", "warning")
    if train_set.prompt_moved:
        ctx.log(f"{train_set.prompt_moved} pairs: the chat template renders the prompt differently once an answer "
                "follows; the answers start where the renderings part", "warning")
    if not train_set.rows:
        raise coded_failure("pairs-nothing-to-compare")
    return train_set, eval_set, len(train_set.rows)


# -- the trainer --------------------------------------------------------------------------------
# What tunewiz relies on in TRL's DPOTrainer beyond its documented arguments: the hook that turns raw rows
# into prompt_ids/chosen_ids/rejected_ids (overridden to pass tunewiz's own, already tokenized pairs) and the
# names of the metrics it logs (the step events' reward fields). Checked before each DPO run.
TRL_DPO_METRICS = ("rewards/margins", "rewards/accuracies", "rewards/chosen", "rewards/rejected")


def check_trl_dpo(trainer_cls: Any = None, config_cls: Any = None) -> None:
    """Raises engine.upstream.UpstreamMismatch (naming TRL's version) unless the installed DPOTrainer and
    DPOConfig look as tunewiz uses them."""
    import dataclasses
    import inspect

    from engine.upstream import code_strings, expect_keywords, expect_positional, mismatch_error
    if trainer_cls is None or config_cls is None:
        from trl import DPOConfig, DPOTrainer
        trainer_cls, config_cls = trainer_cls or DPOTrainer, config_cls or DPOConfig
    expect_keywords(trainer_cls.__init__, ("model", "ref_model", "args", "train_dataset", "eval_dataset",
                                           "processing_class"), "DPOTrainer()", "trl")
    prepare = getattr(trainer_cls, "_prepare_dataset", None)
    if prepare is None:
        raise mismatch_error("trl", "DPOTrainer has no _prepare_dataset (tunewiz passes pairs it tokenized itself)")
    expect_positional(prepare, ("self", "dataset", "processing_class", "args", "dataset_name"),
                      "DPOTrainer._prepare_dataset", "trl")
    fields = {f.name for f in dataclasses.fields(config_cls)} if dataclasses.is_dataclass(config_cls) else set()
    missing = [name for name in ("beta", "loss_type", "precompute_ref_log_probs", "max_length") if name not in fields]
    if missing:
        raise mismatch_error("trl", f"DPOConfig has no {', '.join(missing)}")
    logged = set().union(*(code_strings(f) for klass in trainer_cls.__mro__ for f in vars(klass).values()
                           if inspect.isfunction(f)))
    absent = [key for key in TRL_DPO_METRICS if key not in logged]
    if absent:
        raise mismatch_error("trl", f"DPOTrainer no longer logs {', '.join(absent)} (the step events' reward fields)")


class PairCounter(TokenCounter):
    """Tokens of both answers' sequences; samples are pairs (a DPO batch is [chosen rows, rejected rows])."""

    def count(self, batch: Any) -> None:
        mask = batch.get("attention_mask")
        if mask is None:
            return
        self.tokens += int(mask.sum())
        self.samples += int(mask.shape[0]) // 2


def make_dpo_trainer_class(counter: TokenCounter) -> Any:
    from trl import DPOTrainer

    class CountingDPOTrainer(DPOTrainer):
        """DPOTrainer that counts the tokens it trains on and takes pairs tunewiz has already tokenized."""

        def training_step(self, model, inputs, *args, **kwargs):
            counter.count(inputs)
            return super().training_step(model, inputs, *args, **kwargs)

        def _prepare_dataset(self, dataset, processing_class, args, dataset_name):
            # tunewiz renders the pairs itself (tokenize_pairs); TRL's own tokenizing is for raw rows.
            if "prompt_ids" in getattr(dataset, "column_names", ()):
                return dataset
            return super()._prepare_dataset(dataset, processing_class, args, dataset_name)

    return CountingDPOTrainer


def _load_reference(config: "RunConfig", model_path: str, precision: str, on_gpu: bool) -> Any:
    """Full tuning's frozen reference: the same model, loaded again in the same precision."""
    import torch
    from transformers import AutoModelForCausalLM
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[precision]
    kwargs: dict[str, Any] = {"dtype": dtype, "trust_remote_code": config.trust_remote_code}
    if on_gpu:
        kwargs["device_map"] = {"": torch.cuda.current_device()}
    reference = AutoModelForCausalLM.from_pretrained(model_path, **kwargs)
    reference.requires_grad_(False)
    return reference.eval()


def train_dpo(ctx: "RunContext", resume: bool = False) -> str:
    """Trains one DPO run to its end (trainer.train hands method dpo here). Returns 'completed' or 'stopped'."""
    config = ctx.config
    run_dir = ctx.run_dir
    checkpoint = resume_checkpoint(ctx, resume)
    from engine.upstream import UpstreamMismatch
    try:
        check_trl_dpo()
    except UpstreamMismatch as exc:
        raise coded_failure("trl-mismatch", detail=str(exc)) from None
    from trl import DPOConfig

    model_path, precision, on_gpu, tokenizer = prepare_tokenizer(ctx)
    train_set, eval_set, train_pairs = load_pairs(ctx, tokenizer)

    from datasets import Dataset
    train_ds = Dataset.from_list(train_set.rows)
    eval_ds = Dataset.from_list(eval_set.rows) if eval_set and eval_set.rows else None

    reference, reference_text = reference_of(config)
    ctx.log(f"loading the model ({precision} on {'GPU' if on_gpu else 'CPU'}; DPO with {config.dpo.tuning}, "
            f"beta {config.dpo.beta}, loss {config.dpo.loss_type})")
    model = load_model(ctx, model_path, precision, on_gpu, adapter_from=config.dpo.from_adapter)
    ref_model = _load_reference(config, model_path, precision, on_gpu) if reference == "copy" else None
    ctx.log(f"DPO reference: {reference_text}")
    injected = faults.install()  # test-only, None unless $TUNEWIZ_TEST_FAULTS is set
    staging, size = checkpoints.prepare(ctx, model, model_path, best_by_eval=eval_ds is not None)

    args = DPOConfig(**training_arguments(ctx, staging, precision, on_gpu, has_eval=eval_ds is not None),
                     beta=config.dpo.beta, loss_type=[config.dpo.loss_type], precompute_ref_log_probs=False)
    counter = PairCounter()
    trainer = make_dpo_trainer_class(counter)(model=model, ref_model=ref_model, args=args, train_dataset=train_ds,
                                              eval_dataset=eval_ds, processing_class=tokenizer)
    for callback in ctx.rank_callbacks(counter):
        trainer.add_callback(callback)
    start_fields = {"tuning": config.dpo.tuning, "reference": reference, "beta": config.dpo.beta,
                    "loss_type": config.dpo.loss_type}
    trainer.add_callback(make_event_callback(ctx, counter, train_pairs, train_set.tokens, config.model,
                                             start_fields=start_fields))
    if injected is not None:
        trainer.add_callback(injected)
    with checkpoints.disk_full_ends_run(run_dir, size):
        trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    checkpoints.finish_staging(staging, trainer.args.should_save)  # every checkpoint in it was published

    if ctx.stop.requested:
        return "stopped"
    out = Path(config.output_dir) if config.output_dir else run_dir / (runs.ADAPTER_DIR if config.uses_lora
                                                                       else runs.MODEL_DIR)
    ctx.log(f"saving the {'adapter' if config.uses_lora else 'model'} to {out}")
    policy = trainer.model
    save_kwargs: dict[str, Any] = {}
    if "ref" in getattr(policy, "peft_config", {}):  # the frozen starting copy is not part of the result
        save_kwargs["selected_adapters"] = ["default"]
    with checkpoints.disk_full_ends_run(run_dir, size):
        policy.save_pretrained(out, **save_kwargs)
        tokenizer.save_pretrained(out)
    final_step = trainer.state.global_step
    if eval_ds is not None and not any("eval_loss" in entry and entry.get("step") == final_step
                                       for entry in trainer.state.log_history):
        trainer.evaluate()
    ctx.status(output=str(out))
    return "completed"
