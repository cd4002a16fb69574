"""What the memory estimator notes beside its number (engine/memory.py: `Estimate.notes`), in the one registry
(engine.messages): codes `estimate.<name>`, parts `estimate.part.*`; the Chinese is tui/i18n/msg_estimate.py.

A note is a `Note`: a str (its English, so `"fp32" in note`, printing and JSON keep working) that also carries
its `code` and raw `params`, so `tunewiz estimate` and the wizard say it in the user's language
(tui.messages.text_of). Pure data: no heavy imports.
"""
from __future__ import annotations

from typing import Any

from engine.messages import Coded, register

ESTIMATE_MESSAGES: dict[str, str] = {
    "estimate.qlora-fp32-kept": "QLoRA keeps {kept} in fp32 ({size:.2f} GB) because prepare_model_for_kbit_training "
                                "upcasts them; in bf16 they would take half",
    "estimate.part.kept": "embeddings and lm_head",
    "estimate.part.kept-moe": "embeddings, lm_head and the stacked experts",
    "estimate.qlora-moe-unquantised": "bitsandbytes quantises nn.Linear layers only: this model's experts are stacked "
                                      "parameters, so QLoRA leaves them unquantised (most of its weights)",
    "estimate.hybrid": "hybrid attention: {linear} of {layers} blocks use Gated DeltaNet linear attention (memory "
                       "linear in the length, no KV cache); their activations are an estimate of "
                       "flash-linear-attention's kernels, not measured{cpu}",
    "estimate.part.hybrid-cpu": "; on the CPU transformers' PyTorch fallback keeps more (about twice, measured on a "
                                "tiny model)",
    "estimate.moe-dropout": "peft refuses lora_dropout > 0 on expert stacks (its ParamWrapper): set lora.dropout to 0, "
                            "or target the attention layers only",
    "estimate.moe-merged": "LoRA on the experts: peft merges each block's expert stack with its adapter on every "
                           "forward ({size:.2f} GB per block, kept for backward{how})",
    "estimate.part.merged-checkpointing": ", one block at a time with gradient checkpointing)",
    "estimate.part.merged-all": ", all {layers} expert blocks without gradient checkpointing)",
    "estimate.sharded": "{sharding} over {world_size} processes: each holds 1/{world_size} of the weights, gradients "
                        "and optimizer states, plus {gathered:.2f} GB of weights gathered for the block computing",
    "estimate.zero2": "ZeRO-2 over {world_size} processes: each holds 1/{world_size} of the gradients and optimizer "
                      "states and all the weights",
    "estimate.dpo-frozen-adapter": "DPO reference: the base with a frozen copy of the SFT adapter it starts from "
                                   "({size:.2f} GB; no second copy of the base)",
    "estimate.dpo-adapter-off": "DPO reference: the same weights with the adapter switched off (no second copy)",
    "estimate.dpo-frozen-copy": "DPO reference: a frozen {dtype} copy of the model ({size:.1f} GB, no gradients or "
                                "optimizer states)",
    "estimate.dpo-pairs": "DPO: {pairs} pair(s) per step = {batch} sequences (chosen and rejected together)",
    "estimate.seq-too-long": "seq_len {seq_len} is longer than the model's context ({context})",
    "estimate.paged": "paged optimizer states can move to CPU RAM when the GPU is full (slower, but no OOM)",
    "estimate.cpu-checkpointing": "on the CPU with gradient checkpointing, peak RSS can reach 1.4-2.5x this estimate "
                                  "(glibc keeps freed memory); checkpointing saves little RAM there",
    "estimate.fp16-full": "full fine-tuning of fp16 weights fails in the HF Trainer (it cannot unscale fp16 "
                          "gradients); use bf16 on Ampere or newer, or fp32",
    "estimate.qlora-cpu-fp32": "QLoRA computes in fp32 here (CPU); on a GPU it computes in bf16",
    # what a model's config.json leaves to an approximation (engine/catalog.py: ModelSpec.notes)
    "estimate.spec-context": "config.json gives a context of {context:.3g} tokens, which no model has; estimated with "
                             "4096",
    "estimate.spec-type": "model_type '{model_type}' is not modelled exactly; estimated as a Llama-style decoder",
    "estimate.spec-moe": "mixture-of-experts model_type '{model_type}' is estimated with Qwen3-MoE's layout (router + "
                         "stacked experts in every block)",
    "estimate.spec-linear": "{linear} of {layers} layers use linear attention (Gated DeltaNet) in a layout tunewiz does "
                            "not model for model_type '{model_type}': estimated as if every layer used full attention",
    "estimate.spec-linear-some": "some of {layers} layers use linear attention (Gated DeltaNet) in a layout tunewiz "
                                 "does not model for model_type '{model_type}': estimated as if every layer used full "
                                 "attention",
    # the verdict beside the number (Estimate.verdict); {where}: estimate.part.of-ram / on-one-gpu
    "estimate.verdict.needs": "needs about {total:.1f} GB {where}",
    "estimate.part.of-ram": "of RAM",
    "estimate.part.on-one-gpu": "on one GPU",
    "estimate.verdict.fits": "fits in {vram:g} GB with {margin:.1f} GB to spare ({used:.0%} used)",
    "estimate.verdict.fits-paging": "fits in {vram:g} GB only by paging {paged:.1f} GB of optimizer state to CPU RAM "
                                    "(slower)",
    # {tips}: estimate.part.tips-one / tips-two of the estimate.part.tip-* parts
    "estimate.verdict.no-fit": "does not fit in {vram:g} GB: needs {total:.1f} GB ({over:.1f} GB over); {tips}",
    "estimate.part.tips-one": "{first}",
    "estimate.part.tips-two": "{first} or {second}",
    "estimate.part.tip-checkpointing": "turn on gradient checkpointing",
    "estimate.part.tip-batch": "use batch 1 with more gradient accumulation",
    "estimate.part.tip-full": "use LoRA",
    "estimate.part.tip-cpt": "use LoRA on the raw text",
    "estimate.part.tip-lora": "use QLoRA",
    "estimate.part.tip-qlora": "use a shorter --seq-len or a smaller model",
    # what each term of the breakdown holds (engine/memory.py: TERM_HELP; `tunewiz estimate`'s table)
    "estimate.term.weights": "the base model as loaded (bf16, or NF4 for QLoRA)",
    "estimate.term.lora_params": "the LoRA adapter matrices (fp32, plus autocast's bf16 copy)",
    "estimate.term.gradients": "one gradient per trainable parameter",
    "estimate.term.optimizer": "AdamW's two moment estimates per trainable parameter",
    "estimate.term.activations": "tensors the forward pass keeps for the backward pass",
    "estimate.term.logits": "the vocabulary projection and the loss",
    "estimate.term.cuda_overhead": "CUDA context and allocator fragmentation",
    "estimate.term.runtime_overhead": "the Python process with torch imported, and malloc's unreturned memory (CPU)",
    "estimate.term.reference": "DPO's reference model: a frozen 16-bit copy for full DPO; with an adapter, the same "
                               "weights with the adapter switched off (no second copy), or with a frozen copy of the SFT "
                               "adapter it starts from",
}
register(ESTIMATE_MESSAGES)


class Note(Coded):
    """An estimator note: its English text (a str), with the `code` (`estimate.<name>`) and raw `params` it came
    from (engine.messages.Coded; parts allowed)."""

    def __new__(cls, code: str, params: dict[str, Any]) -> "Note":
        return super().__new__(cls, code, **params)

    def to_dict(self) -> dict[str, Any]:
        """{"code", "params", "text"}: the form `--json` carries (Estimate.to_dict's `note_messages`)."""
        return {"code": self.code, "params": dict(self.params), "text": str(self)}


def note(name: str, **params: Any) -> Note:
    """The note `estimate.<name>` with these params (parts allowed: engine.message_parts.part)."""
    return Note(f"estimate.{name}", params)
