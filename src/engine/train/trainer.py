"""Model loading, data preparation and the training loop (TRL's SFTTrainer) for one run.

Why TRL: it brings packing (best-fit decreasing; rows kept as rows without flash-attention, see
RowPackedCollator) and label building from
`assistant_masks`, on top of the HF Trainer's checkpointing and resume. tunewiz adds what TRL does
not do for arbitrary chat templates (assistant masks, see tokenize.py), the event stream, and the
endings (stop, OOM, failure) with advice.
"""
from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from engine import runs, upstream
from engine.train import checkpoints, faults
from engine.message_parts import part, parts
from engine.train.errors import TrainingError, coded_failure
from engine.train.event_callback import make_event_callback
from engine.train.lm_head import use_fast_cpu_lm_head
from engine.train.template import setup_run
from engine.train.tracking import tracking_arguments
from engine.train.tokenize import TokenizedSet, ensure_chat_template, tokenize_examples

if TYPE_CHECKING:
    from engine.train.context import RunContext

MIN_EVAL_ROWS = 20  # below this an eval split is too small to mean anything


# -- model ------------------------------------------------------------------------------------
# Any one of these lets transformers build a tokenizer (fast JSON, SentencePiece, BPE, WordPiece).
TOKENIZER_FILES = ("tokenizer.json", "tokenizer.model", "spiece.model", "vocab.json", "vocab.txt")


def tokenizer_failure(model_path: str, exc: Exception) -> TrainingError:
    """Why a tokenizer did not load, in one message. transformers' own message often starts with a line
    ending in "from one of:" and lists internals after it, so a model folder is looked at directly."""
    folder = Path(model_path)
    if folder.is_dir() and not any((folder / name).is_file() for name in TOKENIZER_FILES):
        present = sorted(p.name for p in folder.iterdir())
        more = [part("end.part.and-more", count=len(present) - 8)] if len(present) > 8 else []
        return coded_failure("tokenizer-files-missing", path=model_path, expected=list(TOKENIZER_FILES),
                             present=present[:8] or part("end.part.nothing"), more=parts(more, sep=""))
    detail = " ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    if len(detail) > 400:
        detail = detail[:400] + " ..."
    return coded_failure("tokenizer-unloadable", path=model_path, detail=detail or type(exc).__name__)


def resolve_model(ctx: "RunContext") -> str:
    """The path or hub id to load, converting the demo model on first use."""
    from engine.demo import DemoModelMissing, resolve_model_path
    model = ctx.config.model
    try:
        resolved = resolve_model_path(model, on_stage=lambda m, code, params: ctx.log(m, code=code, params=params))
    except DemoModelMissing as exc:
        raise coded_failure("demo-missing") from None
    from engine.launch import looks_like_local_path
    if looks_like_local_path(resolved):
        path = Path(resolved).expanduser()
        if not path.exists():
            raise coded_failure("model-path-missing", path=str(path))
        if not (path / "config.json").is_file():
            raise coded_failure("model-no-config", path=str(path))
        _check_remote_code(ctx, json.loads((path / "config.json").read_text()), str(path))
        return str(path.resolve())
    return resolved


def _check_remote_code(ctx: "RunContext", config_json: dict, where: str) -> None:
    if config_json.get("auto_map") and not ctx.config.trust_remote_code:
        raise coded_failure("remote-code", where=where)


def pick_precision(requested: str) -> tuple[str, bool]:
    """(dtype name, on_gpu). auto = bf16 where the GPU has it, fp16 on older GPUs, fp32 on the CPU."""
    import torch
    cuda = torch.cuda.is_available()
    if requested == "auto":
        if not cuda:
            return "fp32", False
        return ("bf16" if torch.cuda.is_bf16_supported() else "fp16"), True
    if requested in ("bf16", "fp16") and not cuda:
        return requested, False
    return requested, cuda


def native_bf16(on_gpu: bool) -> bool:
    """Whether bf16 matmuls run natively here (not emulated): the GPU's answer, or oneDNN's on the CPU."""
    import torch
    if on_gpu:
        return torch.cuda.is_bf16_supported()
    if upstream.mismatch("torch.mkldnn_bf16"):  # torch has no public question for it
        return False  # then 4-bit layers compute in fp32: slower, same result
    return bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def load_model(ctx: "RunContext", model_path: str, precision: str, on_gpu: bool,
               adapter_from: str | None = None) -> Any:
    """The model to train: `config.tuning` decides 4-bit or not and a new LoRA adapter or none;
    `adapter_from` (a saved adapter folder) is loaded as the trainable adapter instead of a new one."""
    import torch
    from transformers import AutoModelForCausalLM

    config = ctx.config
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[precision]
    kwargs: dict[str, Any] = {"dtype": dtype, "trust_remote_code": config.trust_remote_code}
    if on_gpu:
        kwargs["device_map"] = {"": torch.cuda.current_device()}
    if config.tuning == "qlora":
        from transformers import BitsAndBytesConfig
        # The guide's QLoRA settings: NF4 with double quantisation, bf16 compute. In fp32 runs the 4-bit
        # layers still compute in bf16 where the hardware does bf16 natively (bf16 GPUs, CPUs with
        # AVX512-BF16/AMX): the weights are 4-bit anyway, and fp32 there only costs time.
        compute = dtype if precision != "fp32" else (torch.bfloat16 if native_bf16(on_gpu) else torch.float32)
        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=compute)
        if not on_gpu:
            kwargs["device_map"] = {"": "cpu"}
    try:
        model = AutoModelForCausalLM.from_pretrained(model_path, **kwargs)
    except ValueError as exc:
        if "trust_remote_code" in str(exc):
            raise coded_failure("remote-code-needed", path=model_path) from None
        raise
    except OSError as exc:
        raise coded_failure("model-unloadable", path=model_path, detail=str(exc).splitlines()[0]) from None
    if config.gradient_checkpointing:
        model.config.use_cache = False
    if config.tuning == "qlora":
        from peft import prepare_model_for_kbit_training
        model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=config.gradient_checkpointing)
        if on_gpu and dtype != torch.float32:
            # prepare_model_for_kbit_training upcasts every non-quantised weight (embeddings, lm_head,
            # norms) to fp32: ~2 GB more on a 7B model, and an fp32 residual stream. They stay frozen
            # under QLoRA, so keep them in the compute dtype; the LoRA weights peft adds stay fp32.
            for param in model.parameters():
                if param.dtype == torch.float32:
                    param.data = param.data.to(dtype)
    if config.uses_lora and adapter_from:
        from peft import PeftModel
        try:
            model = PeftModel.from_pretrained(model, adapter_from, is_trainable=True)
        except (OSError, ValueError, RuntimeError, KeyError) as exc:
            detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise coded_failure("adapter-unloadable", adapter=str(adapter_from), path=model_path, detail=detail) from None
    elif config.uses_lora:
        from peft import LoraConfig, get_peft_model
        lora = config.lora
        targets = lora.target_modules if lora.target_modules == "all-linear" else list(lora.target_modules)
        dropout = lora.dropout
        while True:
            try:
                model = get_peft_model(model, LoraConfig(r=lora.r, lora_alpha=lora.alpha, lora_dropout=dropout,
                                                         target_modules=targets, task_type="CAUSAL_LM"))
                break
            except ValueError as exc:
                if dropout and "lora_dropout" in str(exc):
                    # peft adapts stacked expert weights (Qwen3-MoE, ...) as parameters, where an input
                    # dropout cannot be factored out: it refuses any dropout rather than train without it.
                    ctx.notice("lora-dropout-experts", "warning", dropout=dropout, detail=str(exc).splitlines()[0])
                    dropout = 0.0
                    continue
                raise coded_failure("lora-targets", detail=str(exc)) from None
        if not on_gpu:
            from engine.train.lora_dropout import use_cpu_lora_dropout
            use_cpu_lora_dropout(model)  # torch's CPU dropout was the costliest part of a LoRA step
    return model


def quantization_of(model: Any) -> dict[str, Any] | None:
    """The `start` event's `quantization`: what the loaded model's 4-bit layers are, read from the
    layers themselves (not from the config that asked for them), so a run reports what it trained.

    {"bits": 4, "layers": number of bitsandbytes Linear4bit layers, "quant_type": "nf4" | "fp4",
    "double_quant": bool, "compute_dtype": "bfloat16" | "float16" | "float32"}; None when no layer
    is 4-bit. Mixed values (never made by tunewiz) are joined with commas."""
    if "bitsandbytes" not in sys.modules:
        return None  # nothing loaded bitsandbytes, so no layer can be 4-bit (and importing it costs time)
    if upstream.mismatch("bitsandbytes.quant_state"):
        return None  # the layers no longer say it the way read here (train() logged why)
    import bitsandbytes as bnb
    layers = [m for m in model.modules()
              if isinstance(m, bnb.nn.Linear4bit) and getattr(m.weight, "quant_state", None) is not None]
    if not layers:
        return None

    def one(values: list[Any]) -> str:
        return ",".join(sorted({str(v).removeprefix("torch.") for v in values}))

    return {"bits": 4, "layers": len(layers), "quant_type": one([m.weight.quant_state.quant_type for m in layers]),
            "double_quant": all(bool(m.weight.quant_state.nested) for m in layers),
            "compute_dtype": one([m.compute_dtype for m in layers])}


# -- data ---------------------------------------------------------------------------------------
def load_rows(ctx: "RunContext", tokenizer: Any) -> tuple[TokenizedSet, TokenizedSet | None, int]:
    """Reads every data source, tokenizes, splits off the eval rows. Fails on any unreadable row."""
    from engine.data.formats import DatasetError, read_examples

    config = ctx.config
    if not config.data:
        raise coded_failure("data-none")
    examples = []
    problems = []
    for source in config.data:
        try:
            result = read_examples(source.path, source.format)
        except DatasetError as exc:
            raise coded_failure("data-unreadable", detail=str(exc)) from None
        problems.extend(result.problems)
        examples.extend(result.examples)
        ctx.log(f"read {len(result.examples)} examples from {source.path} (format: {result.format})")
    if problems:
        more = [part("end.part.more-rows", count=len(problems) - 10)] if len(problems) > 10 else []
        raise coded_failure("data-bad-rows", count=len(problems), rows="\n".join(f"  {p}" for p in problems[:10]),
                            more=parts(more, sep=""))
    if not examples:
        raise coded_failure("data-empty")
    if config.method == "cpt" and any(e.is_chat for e in examples):
        ctx.log("method cpt on chat data: every token of the rendered conversations is trained", "warning")
    rng = random.Random(config.seed)
    order = list(range(len(examples)))
    rng.shuffle(order)
    n_eval = int(round(len(examples) * config.eval_split))
    if config.eval_split > 0 and n_eval < MIN_EVAL_ROWS:
        ctx.log(f"eval_split {config.eval_split} of {len(examples)} rows gives {n_eval} rows, fewer than "
                f"{MIN_EVAL_ROWS}: no eval split (add data or raise eval_split)", "warning")
        n_eval = 0
    eval_examples = [examples[i] for i in order[:n_eval]]
    train_examples = [examples[i] for i in order[n_eval:]]
    train_on = "all" if config.method == "cpt" else config.train_on
    thinking = setup_run(ctx, tokenizer, examples)  # logs what the template renders, writes chat_template.json
    train_set = tokenize_examples(tokenizer, train_examples, config.max_length, train_on, enable_thinking=thinking)
    eval_set = tokenize_examples(tokenizer, eval_examples, config.max_length, train_on,
                                 enable_thinking=thinking) if eval_examples else None
    ctx.log(f"train: {train_set.summary()}")
    if eval_set:
        ctx.log(f"eval: {eval_set.summary()}")
    if train_set.truncated:
        ctx.notice("examples-truncated", "warning", truncated=train_set.truncated, total=len(train_examples),
                   share=100 * train_set.truncated / max(1, len(train_examples)), max_length=config.max_length)
    if train_set.template_fallbacks:
        ctx.notice("template-generation-prompt-differs", "warning", examples=train_set.template_fallbacks)
    if not train_set.rows:
        raise coded_failure("data-nothing-to-learn")
    return train_set, eval_set, len(train_examples)


# -- events -------------------------------------------------------------------------------------
# Row-packed batches carry their padding mask under this key; the trainer takes it out before the
# model sees the batch (an attention mask would switch off the per-row packed-sequence masking).
REAL_TOKENS_KEY = "tunewiz_real_tokens"
# Attention kernels that read packed-sequence boundaries themselves (TRL's flattened batch suits them).
VARLEN_ATTENTION = ("flash_attention_2", "flash_attention_3")


class TokenCounter:
    """Counts non-padding tokens and sequences of the micro-batches the model actually trains on.

    Counted in `training_step`, not in the collator: the dataloader prefetches a batch ahead, which
    would shift the counts across step (and epoch) boundaries."""

    def __init__(self) -> None:
        self.tokens = 0
        self.samples = 0

    def count(self, batch: Any) -> None:
        real = batch.get(REAL_TOKENS_KEY)
        if real is not None:  # row-packed: sequences start at position 0 inside the real tokens
            self.tokens += int(real.sum())
            self.samples += int(((batch["position_ids"] == 0) & real.bool()).sum())
        elif batch.get("attention_mask") is not None:
            self.tokens += int(batch["attention_mask"].sum())
            self.samples += int(batch["attention_mask"].shape[0])
        else:  # padding-free packed batch: every token is real; each sequence starts at position 0
            self.tokens += int(batch["input_ids"].numel())
            positions = batch.get("position_ids")
            self.samples += int((positions == 0).sum()) if positions is not None else int(batch["input_ids"].shape[0])


class RowPackedCollator:
    """Packed batches as rows ([batch, longest row]) instead of TRL's one flattened sequence.

    TRL's padding-free packing joins a whole batch into one [1, batch x max_length] sequence: right
    for flash-attention's varlen kernels, but with SDPA or eager attention (every CPU, and GPUs
    without flash-attn) attention is then computed over the whole joined sequence and masked, so a
    batch of 4 pays 4x the attention it needs. Here each packed row keeps its own position ids and
    no attention mask, and transformers builds a block-diagonal causal mask per row from them:
    no token sees another sequence, and no attention is spent across rows."""

    def __init__(self, pad_token_id: int) -> None:
        from trl.trainer.sft_trainer import DataCollatorForLanguageModeling
        self.inner = DataCollatorForLanguageModeling(pad_token_id=pad_token_id, padding_free=False,
                                                     return_position_ids=True)

    def __call__(self, examples: list[dict[str, Any]]) -> dict[str, Any]:
        import torch
        batch = self.inner(examples)
        real = batch.pop("attention_mask")
        positions = batch["position_ids"]
        for row, used in enumerate(real.sum(dim=1).tolist()):  # the padding at a row's end: one more sequence
            positions[row, used:] = torch.arange(positions.shape[1] - used)
        # No loss across a boundary: the last token of one sequence does not predict the next one's first.
        batch["labels"][batch["position_ids"] == 0] = -100
        batch[REAL_TOKENS_KEY] = real
        return batch


def make_trainer_class(counter: TokenCounter) -> Any:
    from trl import SFTTrainer

    class CountingSFTTrainer(SFTTrainer):
        def training_step(self, model, inputs, *args, **kwargs):
            counter.count(inputs)
            inputs.pop(REAL_TOKENS_KEY, None)
            return super().training_step(model, inputs, *args, **kwargs)

        def prediction_step(self, model, inputs, *args, **kwargs):
            inputs.pop(REAL_TOKENS_KEY, None)
            return super().prediction_step(model, inputs, *args, **kwargs)

    return CountingSFTTrainer


def use_row_packing(trainer: Any, model: Any, tokenizer: Any) -> str | None:
    """Swaps TRL's flattened packed batches for row-packed ones unless a varlen attention kernel is in
    use, and SDPA for its per-sequence variant (packed_attention.py). Returns what was done, or None."""
    from engine.train.packed_attention import use_packed_sdpa
    if upstream.mismatch("transformers.attn_implementation") or upstream.mismatch("trl.sft_collator"):
        return None  # TRL's own padding-free packing (describe_paths says so)
    implementation = getattr(getattr(model, "config", None), "_attn_implementation", None)
    if implementation in VARLEN_ATTENTION:
        return None
    trainer.data_collator = RowPackedCollator(tokenizer.pad_token_id)
    if use_packed_sdpa(model):
        return "rows of up to max_length; attention runs per packed sequence (SDPA, no flash-attention here)"
    return f"rows of up to max_length with a per-row sequence mask ({implementation} attention)"


def describe_paths(config: Any, model: Any, trainer: Any, on_gpu: bool, lm_head_installed: bool) -> str:
    """One train.log line naming the path each speed-up took in this run: the LM head's loss (tunewiz's
    CPU head or TRL's kernel), LoRA's input dropout (tunewiz's CPU dropout on N layers or torch's),
    packing (none, TRL's padding-free, or rows) and the attention implementation. Read once, from
    what is installed in the model and trainer, before the first step."""
    from engine.train.lm_head import cpu_head_refusal
    from engine.train.lora_dropout import count_cpu_lora_dropouts
    from engine.train.packed_attention import ATTENTION_NAME

    changed = "its names changed upstream, see the warning"
    if not lm_head_installed:
        head = f"TRL's kernel ({changed})"
    else:
        refusal = cpu_head_refusal(model)
        head = "tunewiz's CPU head" if refusal is None else f"TRL's kernel ({refusal})"

    if not config.uses_lora:
        dropout = f"none (method {config.method})"
    elif on_gpu:
        dropout = "torch's (GPU)"
    elif not config.lora.dropout:
        dropout = "none (lora.dropout 0)"
    else:
        replaced = count_cpu_lora_dropouts(model)
        dropout = (f"tunewiz's CPU dropout on {replaced} layers" if replaced
                   else f"torch's ({changed})" if upstream.mismatch("peft.lora_dropout") else "torch's")

    attention = (None if upstream.mismatch("transformers.attn_implementation")
                 else getattr(getattr(model, "config", None), "_attn_implementation", None))
    if not config.packing:
        packing = "none"
    elif isinstance(trainer.data_collator, RowPackedCollator):
        packing = ("rows, attention per packed sequence (SDPA)" if attention == ATTENTION_NAME
                   else f"rows with a per-row sequence mask ({attention} attention)")
    elif attention in VARLEN_ATTENTION:
        packing = "TRL's padding-free (one flattened sequence per batch, varlen attention)"
    else:
        packing = f"TRL's padding-free ({changed})"
    return f"paths in use: LM head loss: {head}; LoRA dropout: {dropout}; packing: {packing}; attention: {attention}"


# -- the run ------------------------------------------------------------------------------------
def resume_checkpoint(ctx: "RunContext", resume: bool) -> Path | None:
    """The checkpoint a resume continues from (None for a fresh start); fails when there is none."""
    if not resume:
        return None
    checkpoint = runs.last_checkpoint(ctx.run_dir)
    if checkpoint is None:
        raise coded_failure("resume-no-checkpoint", checkpoints=str(ctx.run_dir / runs.CHECKPOINTS_DIR),
                            config=str(ctx.run_dir / runs.CONFIG_FILE))
    ctx.notice("resuming", "info", checkpoint=str(checkpoint))
    return checkpoint


def prepare_tokenizer(ctx: "RunContext") -> tuple[str, str, bool, Any]:
    """Imports the libraries, seeds torch, finds the model and loads its tokenizer (with a pad token and a
    chat template). Returns (model path, precision, on_gpu, tokenizer)."""
    config = ctx.config
    ctx.log(f"loading libraries (model {config.model}, method {config.method})")
    import torch
    from transformers import AutoTokenizer

    torch.manual_seed(config.seed)
    model_path = resolve_model(ctx)
    precision, on_gpu = pick_precision(config.precision)
    if config.tuning == "qlora" and not on_gpu:
        ctx.log("QLoRA on the CPU: bitsandbytes runs 4-bit layers on the CPU, slowly; fine for a try-out", "warning")
    try:
        tokenizer = AutoTokenizer.from_pretrained(model_path, trust_remote_code=config.trust_remote_code)
    except (OSError, ValueError) as exc:
        raise tokenizer_failure(model_path, exc) from None
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    if ensure_chat_template(tokenizer):
        ctx.log("the model has no chat template; using ChatML (<|im_start|>role ... <|im_end|>)", "warning")
    return model_path, precision, on_gpu, tokenizer


def training_arguments(ctx: "RunContext", staging: Path, precision: str, on_gpu: bool, *,
                       has_eval: bool) -> dict[str, Any]:
    """The TrainingArguments every method shares (SFTConfig here, DPOConfig in dpo.py): schedule, logging
    every step, checkpoints staged then renamed, eval, precision, seeds, the trackers (report_to) and the
    multi-process settings."""
    config = ctx.config
    return dict(
        output_dir=str(staging),  # each checkpoint is renamed into checkpoints/ once whole (checkpoints.py)
        per_device_train_batch_size=config.batch_size,
        per_device_eval_batch_size=config.batch_size,
        gradient_accumulation_steps=config.grad_accum,
        num_train_epochs=config.epochs,
        max_steps=config.max_steps or -1,
        learning_rate=config.effective_learning_rate(),
        lr_scheduler_type="cosine",
        warmup_steps=0.03,
        logging_steps=1,
        logging_first_step=True,
        save_strategy="steps",
        save_steps=config.save_steps,
        eval_strategy="steps" if has_eval else "no",
        eval_steps=config.save_steps,
        metric_for_best_model="eval_loss" if has_eval else None,  # which checkpoint rotation keeps
        bf16=precision == "bf16" and on_gpu,
        fp16=precision == "fp16" and on_gpu,
        use_cpu=not on_gpu,
        gradient_checkpointing=config.gradient_checkpointing,
        gradient_checkpointing_kwargs={"use_reentrant": False} if config.gradient_checkpointing else None,
        seed=config.seed,
        data_seed=config.seed,
        **tracking_arguments(ctx.run_dir, list(config.report_to)),  # files in <run>/tracking/ (tracking.py)
        max_length=config.max_length,
        dataset_num_proc=None,
        disable_tqdm=True,
        save_only_model=False,
        **ctx.training_arguments(),  # more than one process: engine/train/distributed.py
    )


def train(ctx: "RunContext", resume: bool = False) -> str:
    """Trains one run to its end. Returns 'completed' or 'stopped'; raises on failure."""
    config = ctx.config
    run_dir = ctx.run_dir
    if config.method == "dpo":  # preference pairs: TRL's DPOTrainer, same run directory and events
        from engine.train.dpo import train_dpo
        return train_dpo(ctx, resume)
    checkpoint = resume_checkpoint(ctx, resume)
    from trl import SFTConfig

    model_path, precision, on_gpu, tokenizer = prepare_tokenizer(ctx)
    train_set, eval_set, train_rows = load_rows(ctx, tokenizer)

    from datasets import Dataset
    train_ds = Dataset.from_list(train_set.rows)
    eval_ds = Dataset.from_list(eval_set.rows) if eval_set and eval_set.rows else None

    ctx.log(f"loading the model ({precision} on {'GPU' if on_gpu else 'CPU'})")
    model = load_model(ctx, model_path, precision, on_gpu)
    injected = faults.install()  # test-only, None unless $TUNEWIZ_TEST_FAULTS is set
    staging, size = checkpoints.prepare(ctx, model, model_path, best_by_eval=eval_ds is not None)

    args = SFTConfig(**training_arguments(ctx, staging, precision, on_gpu, has_eval=eval_ds is not None),
                     packing=config.packing)
    counter = TokenCounter()
    lm_head_installed = use_fast_cpu_lm_head()  # before TRL adds its fused head: see lm_head.py
    trainer = make_trainer_class(counter)(model=model, args=args, train_dataset=train_ds, eval_dataset=eval_ds,
                                          processing_class=tokenizer)
    packing_mode = use_row_packing(trainer, model, tokenizer) if config.packing else None
    if packing_mode:
        ctx.log(f"packing: {packing_mode}")
    if "bitsandbytes" in sys.modules:
        upstream.mismatch("bitsandbytes.quant_state")  # checked now, for the start event, so it is logged here
    for problem in upstream.mismatches_found().values():
        ctx.log(f"{problem}; tunewiz takes the library's own path instead (engine/upstream.py)", "warning")
    ctx.log(describe_paths(config, model, trainer, on_gpu, lm_head_installed))
    for callback in ctx.rank_callbacks(counter):  # before the event callback: stop agreement, summed tokens
        trainer.add_callback(callback)
    trainer.add_callback(make_event_callback(ctx, counter, train_rows, train_set.tokens, config.model))
    if injected is not None:
        trainer.add_callback(injected)
    with checkpoints.disk_full_ends_run(run_dir, size):
        trainer.train(resume_from_checkpoint=str(checkpoint) if checkpoint else None)
    checkpoints.finish_staging(staging, trainer.args.should_save)  # every checkpoint in it was published

    if ctx.stop.requested:
        return "stopped"
    out = Path(config.output_dir) if config.output_dir else run_dir / (runs.ADAPTER_DIR if config.uses_lora else runs.MODEL_DIR)
    ctx.log(f"saving the {'adapter' if config.uses_lora else 'model'} to {out}")
    with checkpoints.disk_full_ends_run(run_dir, size):
        trainer.model.save_pretrained(out)
        tokenizer.save_pretrained(out)
    final_step = trainer.state.global_step
    if eval_ds is not None and not any("eval_loss" in entry and entry.get("step") == final_step
                                       for entry in trainer.state.log_history):
        trainer.evaluate()  # its on_log writes the eval event; skipped when the last step was just evaluated
    ctx.status(output=str(out))
    return "completed"
