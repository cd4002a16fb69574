"""Peak training memory for one GPU, as a breakdown: what takes the memory, not just how much.

The model is the code path tunewiz actually runs (engine/train/trainer.py: TRL SFTTrainer on the HF
Trainer, bf16 autocast, peft LoRA, bitsandbytes NF4), derived from the tensors each step keeps alive:

* weights: the model as loaded. LoRA/full: 2 bytes/param in bf16. QLoRA: the block linears in NF4
  (4 bits + double-quantised block constants = 0.127 bits/param); embeddings, lm_head, norms and
  biases stay in 16-bit in bitsandbytes, and peft's `prepare_model_for_kbit_training` (which the
  trainer calls) then upcasts all of those to fp32.
* lora_params: r x (in + out) per targeted linear per block, kept in fp32 (peft upcasts adapters).
* gradients / optimizer: one gradient per trainable parameter in its own dtype; AdamW keeps two
  states per parameter in the parameter's dtype (fused AdamW, the HF default since torch 2.8). Full
  SFT runs in pure bf16 because the trainer loads the model in bf16: 2+2+4 bytes/param, no fp32
  master copy. 8-bit AdamW keeps 1 byte per state.
* activations: the tensors autograd saves per decoder block, counted op by op (RMSNorm's fp32
  copy, each LoRA layer's own cast/dropout copy of its input, q/k/v/out saved by SDPA, the MLP's
  three wide tensors). SDPA's flash/efficient kernels have no seq^2 term; the only seq^2 tensor is
  the float copy SDPA makes of a padding mask (batch x seq x seq per block). With gradient
  checkpointing only each block's input survives the forward, plus one block recomputed in backward.
* logits: TRL's SFTTrainer never materialises the (batch, seq, vocab) logits: it projects in
  4096-token x 32768-vocab tiles. The plain HF Trainer (and the guide's B3 script) does, and then
  upcasts them to fp32 for the loss: 12 bytes per token per vocab entry at the start of backward.
  That term dominates small models with large vocabularies; `loss_impl="full"` models it.
* cuda_overhead: the CUDA context (outside PyTorch's allocator, so not in max_memory_reserved) and
  the caching allocator's fragmentation.

* mixture of experts (Qwen3-MoE): every expert's weights are resident; a token's activations are
  those of its top-k experts (each gathers its tokens' hidden states, keeps 3 x moe_intermediate wide
  tensors and its weighted output) plus the router's fp32 probabilities. LoRA on the experts (peft's
  all-linear reaches them through target_parameters) folds the adapter into a merged copy of the
  block's whole expert stack on every forward, kept for the backward: one block's worth with gradient
  checkpointing, every block's without. bitsandbytes quantises nn.Linear modules only, so QLoRA
  leaves the experts unquantised.
* DPO (TRL's DPOTrainer): chosen and rejected go through the model in one batch (2 x the sequences
  of a step), first without gradients for the reference log-probs, then with them for the policy. The
  reference is the same weights with the adapter switched off for LoRA/QLoRA (no second copy) and a
  frozen 16-bit copy of the model for full DPO (no gradients, no optimizer states). TRL's fused LM
  head serves both passes, so no full logits tensor.

Sizes are GiB (what nvidia-smi and torch call "GB"). Nothing here imports torch.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from engine.catalog import ModelSpec
from engine.model_spec import NORMS_PER_BLOCK
from engine.memory_blocks import (  # noqa: F401  (re-exported: the block-level pieces of the estimate)
    DELTANET_CHUNK,
    attn_out_is_new,
    linear_attention_bytes_per_token,
    merged_expert_bytes_per_layer,
    moe_bytes_per_token_layer,
)
from engine.estimate_messages import ESTIMATE_MESSAGES, Note, note
from engine.inputs import echo
from engine.message_parts import part
from engine.methods import ADAPTER_METHODS, DPO_TUNINGS, METHODS, WHOLE_MODEL_METHODS

Optimizer = Literal["adamw", "adamw_8bit", "paged_adamw_8bit"]
Precision = Literal["bf16", "fp16", "fp32"]
LossImpl = Literal["chunked", "full"]
Device = Literal["cuda", "cpu"]
# How several processes split the model's state (RunConfig.distributed, deepspeed_stage): DDP keeps a
# whole copy per process; ZeRO-2 divides gradients and optimizer states by the world size; FSDP and
# ZeRO-3 divide the weights too, and gather one block's weights at a time for its forward and backward.
Sharding = Literal["ddp", "zero2", "zero3", "fsdp"]
SHARDINGS: tuple[str, ...] = ("ddp", "zero2", "zero3", "fsdp")

OPTIMIZERS: tuple[str, ...] = ("adamw", "adamw_8bit", "paged_adamw_8bit")
PRECISIONS: tuple[str, ...] = ("bf16", "fp16", "fp32")

GIB = 1024 ** 3
# NF4 stores 4 bits per weight; double quantisation stores one 8-bit absmax per 64-weight block and
# one fp32 absmax per 256 blocks: 8/64 + 32/(64*256) = 0.127 bits per weight on top of the 4.
NF4_BYTES_PER_PARAM = 0.5 + (8 / 64 + 32 / (64 * 256)) / 8
# 8-bit optimizers: 1 byte per state plus an fp32 absmax per 2048-value block (bitsandbytes' default).
ADAM8_BYTES_PER_STATE = 1 + 4 / 2048
# CUDA context with lazy module loading, cuBLAS/cuBLASLt workspaces and the kernels of torch,
# bitsandbytes and Triton: 0.5-1 GiB on current drivers. It sits outside PyTorch's caching allocator.
CUDA_CONTEXT_GB = 0.75
# The caching allocator reserves more than it hands out. Long-lived tensors allocated once
# (weights, gradients, optimizer states) are big blocks rounded to 2 MB: ~2% lost. Activations and
# temporaries of many sizes come and go every step and leave split, partly used blocks behind: ~15%.
# Both are starting values for bench/gpu_memory.py to calibrate.
FRAGMENTATION_STATIC = 0.02
FRAGMENTATION_DYNAMIC = 0.15
# On the CPU, glibc malloc keeps freed activation memory in per-thread arenas and RSS stays high:
# peak RSS of CPU training was 1.6-1.8x the live activations (bench/gpu_memory.py --smoke on the
# SmolLM2-135M architecture, LoRA and full, seq 512 x batch 4, fp32, 2-core box).
FRAGMENTATION_DYNAMIC_CPU = 0.7
# On the CPU the training process with torch, transformers, TRL and datasets imported peaks at
# ~0.5 GiB RSS with a negligible model (measured with bench/gpu_memory.py --smoke on a tiny config).
CPU_RUNTIME_GB = 0.5
# TRL's fused LM head tiles (trl/kernels/chunked_logprob.py).
LM_HEAD_TOKEN_TILE = 4096
LM_HEAD_VOCAB_TILE = 32768

# What each breakdown term holds, in English: the codes estimate.term.<term> (engine/estimate_messages.py).
TERM_HELP: dict[str, str] = {k[len("estimate.term."):]: v for k, v in ESTIMATE_MESSAGES.items()
                              if k.startswith("estimate.term.")}


# The largest batch a RunConfig takes (batch_size le=4096); beyond it the arithmetic leaves float range.
MAX_BATCH = 4096
MAX_SEQ_LEN = 4_194_304


class EstimateError(ValueError):
    """Arguments that make no sense for an estimate; the message says which and why."""


@dataclass(frozen=True)
class Estimate:
    model: str
    method: str
    seq_len: int
    batch: int
    gradient_checkpointing: bool
    precision: str
    optimizer: str
    lora_r: int | None
    lora_targets: list[str] | None
    params: int                       # total parameters of the model
    trainable_params: int
    breakdown: dict[str, float]       # GiB per term; sums to total_gb
    total_gb: float
    cuda_context_gb: float            # part of cuda_overhead outside PyTorch's allocator
    pageable_gb: float                # paged optimizer states that can move to CPU RAM under pressure
    vram_gb: float | None
    fits: bool | None
    margin_gb: float | None
    verdict: str                  # a Note (engine.estimate_messages): English, with its code and params
    device: str = "cuda"
    notes: list[str] = field(default_factory=list)
    assumptions: dict[str, Any] = field(default_factory=dict)
    dpo_tuning: str | None = None     # method "dpo": how it trains (lora | qlora | full)
    reference: str | None = None      # method "dpo": "adapter disabled" or "frozen copy"

    @property
    def shape(self) -> str:
        """The memory shape: the method, or for DPO the tuning it trains with (lora / qlora / full)."""
        return self.dpo_tuning or self.method

    @property
    def allocator_gb(self) -> float:
        """What torch.cuda.max_memory_reserved() should show: everything but the CUDA context and
        paged optimizer states (those live in CUDA managed memory, outside the caching allocator)."""
        return round(self.total_gb - self.cuda_context_gb - self.pageable_gb, 3)

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "method": self.method, "seq_len": self.seq_len, "batch": self.batch,
                "gradient_checkpointing": self.gradient_checkpointing, "precision": self.precision,
                "optimizer": self.optimizer, "lora_r": self.lora_r, "lora_targets": self.lora_targets,
                "params": self.params, "trainable_params": self.trainable_params,
                "total_gb": self.total_gb, "breakdown": dict(self.breakdown), "fits": self.fits,
                "vram_gb": self.vram_gb, "margin_gb": self.margin_gb, "verdict": self.verdict,
                "cuda_context_gb": self.cuda_context_gb, "allocator_gb": self.allocator_gb,
                "pageable_gb": self.pageable_gb, "device": self.device, "notes": list(self.notes),
                "note_messages": [n.to_dict() if hasattr(n, "to_dict") else {"code": "", "params": {}, "text": n}
                                  for n in self.notes],
                "assumptions": dict(self.assumptions), "dpo_tuning": self.dpo_tuning, "reference": self.reference}


def _bytes(precision: str) -> int:
    return 4 if precision == "fp32" else 2


def _check(spec: ModelSpec, method: str, seq_len: Any, batch: Any, lora_r: Any, optimizer: str,
           precision: str, vram_gb: Any, lora_dropout: Any) -> None:
    # Every echoed value goes through echo(): a 5,000-digit int cannot even be formatted by Python.
    problems = []
    if method not in METHODS:
        problems.append(f"method {echo(method)} is not one of {', '.join(METHODS)}")
    for name, value in (("seq_len", seq_len), ("batch", batch), ("lora_r", lora_r)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            problems.append(f"{name} must be a whole number of at least 1, not {echo(value)}")
    if isinstance(seq_len, int) and seq_len > MAX_SEQ_LEN:
        problems.append(f"seq_len {echo(seq_len)} is beyond any model's context (at most {MAX_SEQ_LEN:,})")
    if isinstance(batch, int) and batch > MAX_BATCH:
        problems.append(f"batch {echo(batch)} is more than the {MAX_BATCH:,} examples per step a run takes; "
                        "reach a larger effective batch with gradient accumulation")
    if isinstance(lora_r, int) and lora_r > spec.hidden_size:
        problems.append(f"lora_r {echo(lora_r)} is larger than the hidden size of {spec.id} ({spec.hidden_size}); "
                        "take a rank of at most that")
    if optimizer not in OPTIMIZERS:
        problems.append(f"optimizer {echo(optimizer)} is not one of {', '.join(OPTIMIZERS)}")
    if precision not in PRECISIONS:
        problems.append(f"precision {echo(precision)} is not one of {', '.join(PRECISIONS)}")
    if vram_gb is not None and (not isinstance(vram_gb, (int, float)) or isinstance(vram_gb, bool)
                                or not vram_gb > 0 or vram_gb > 4096):
        problems.append(f"vram_gb must be a positive number of GB (one GPU), not {echo(vram_gb)}")
    if not isinstance(lora_dropout, (int, float)) or not 0 <= lora_dropout < 1:
        problems.append(f"lora_dropout must be in [0, 1), not {echo(lora_dropout)}")
    if problems:
        raise EstimateError("; ".join(problems))


def activation_bytes_per_token_layer(spec: ModelSpec, method: str, targets: set[str], precision: str,
                                     lora_dropout: float, kbit_upcast: bool, lora_r: int = 16,
                                     device: str = "cuda", block: str = "mean") -> float:
    """Bytes autograd keeps per token for one decoder block (no checkpointing, no seq^2 terms).

    Counted tensor by tensor from what each op saves for backward (checked on the CPU against
    torch's saved-tensor hooks in tests/test_memory.py). For a model whose blocks differ (GLM-4.5's
    dense first block, Qwen3.5's linear-attention blocks) `block="mean"` gives the average over its
    blocks (times the layer count: all blocks) and `block="max"` the largest kind (the one block
    recomputed under gradient checkpointing).
    """
    sizes = [(n, block_activation_bytes_per_token(spec, attention, mlp, method, targets, precision, lora_dropout, kbit_upcast,
                              lora_r, device)) for attention, mlp, n in spec.block_kinds()]
    if block == "max":
        return max(size for _, size in sizes)
    return sum(n * size for n, size in sizes) / max(1, sum(n for n, _ in sizes))


def block_activation_bytes_per_token(spec: ModelSpec, attention: str, mlp: str, method: str, targets: set[str], precision: str,
                 lora_dropout: float, kbit_upcast: bool, lora_r: int, device: str) -> float:
    a = _bytes(precision)                      # compute dtype under autocast
    # After prepare_model_for_kbit_training the embeddings and norms are fp32, so the residual
    # stream is fp32; bitsandbytes casts each 4-bit linear's output back to its input's dtype, so
    # q/k/v and the MLP's wide tensors are fp32 too.
    s = 4 if (method == "qlora" and kbit_upcast) or precision == "fp32" else a
    trains_base = method in WHOLE_MODEL_METHODS
    h, inter = spec.hidden_size, spec.intermediate_size
    total = 0.0
    # RMSNorm upcasts its input to fp32 and keeps it plus the fp32 rsqrt; with trainable norm
    # weights it also keeps the normalised tensor for the weight's gradient.
    # Gemma's RMSNorm scales by (1 + weight) in fp32, so the normalised tensor it keeps is fp32.
    normed = 4 if spec.model_type.startswith("gemma") else a
    wide_norms, head_norms = NORMS_PER_BLOCK.get(spec.model_type, (0, 0))
    total += (2 + wide_norms) * (4 * h + 4 + (normed * h if trains_base else 0))
    if head_norms and attention == "full":
        # Qwen3 / Gemma 3 normalise q and k per head: the same fp32 copy + rsqrt per head, on q and k.
        qk = spec.q_dim + spec.kv_dim
        total += (4 * qk + 4 * (spec.num_attention_heads + spec.num_key_value_heads)
                  + (normed * qk if trains_base else 0))
    # What enters LoRA's dropout: peft's plain LoRA layer casts its input to the adapter's dtype
    # (fp32) every time; its 4-bit layer leaves the input alone under autocast.
    lora_in = 4 if method == "lora" else s
    # CUDA's fused dropout keeps a 1-byte mask; the CPU kernel keeps a noise tensor in the input dtype.
    mask = 1 if device == "cuda" else lora_in
    groups: dict[str, list] = {}
    for lin in spec.block_linears(attention, mlp):
        if lin.experts or lin.group == "router":
            continue                           # an MoE block's router and experts: counted below
        groups.setdefault(lin.group, []).append(lin)
    for group, members in groups.items():
        d_in = members[0].d_in
        if trains_base:
            # The weight gradient needs the input, once per group. o_proj's input is SDPA's output
            # seen through a transpose (flash/efficient kernels write it in that layout): no copy;
            # a gated output (Qwen3.5) or a linear-attention block's gated norm makes a new tensor.
            total += 0 if group == "attn_out" and not attn_out_is_new(spec, attention) else a * d_in
            continue
        hit = [lin for lin in members if lin.name in targets and lin.adaptable]
        if not hit:
            continue                           # frozen layers need only their weight for backward
        # lora_B keeps lora_A's output (r wide) for its weight gradient.
        total += len(hit) * a * lora_r
        cast = lora_in != a                    # autocast casts the dropout output to bf16 for lora_A
        if lora_dropout > 0:
            # Each adapted layer runs its own dropout: a mask, plus the tensor lora_A keeps.
            total += len(hit) * (mask + a) * d_in
        elif cast:
            total += len(hit) * a * d_in       # one bf16 cast per adapted layer
        elif group != "attn_out" or attn_out_is_new(spec, attention):
            total += lora_in * d_in            # lora_A keeps the very input tensor: shared by the group
        # (o_proj's uncast input is SDPA's output, which SDPA keeps anyway)
    if attention == "linear":
        total += linear_attention_bytes_per_token(spec, a)
    else:
        # SDPA keeps q, k, v, its output and the fp32 log-sum-exp. With a padding mask transformers
        # repeats k/v to every head before SDPA (the GQA fast path needs mask=None), so k/v are full width.
        kv = spec.q_dim if spec.num_key_value_heads < spec.num_attention_heads else spec.kv_dim
        total += a * (2 * spec.q_dim + 2 * kv) + 4 * spec.num_attention_heads
        if spec.attn_output_gate:
            total += 2 * a * spec.q_dim        # the gate's sigmoid and the attention output it multiplies
    if mlp == "moe":
        return total + moe_bytes_per_token_layer(spec, targets, precision, s, trains_base)
    # MLP: gate output (kept by SiLU), SiLU output and up output (kept by the product): 3 x intermediate.
    total += 3 * s * inter
    return total


def attention_bytes_per_layer(spec: ModelSpec, seq_len: int, batch: int, precision: str, padded: bool) -> float:
    """The seq^2 terms of one block: SDPA's float copy of a padding mask, or eager attention's scores."""
    a = _bytes(precision)
    out = 0.0
    if padded:
        # SDPA turns the boolean mask into an additive float bias (batch x 1 x seq x seq) on every
        # call and keeps it for backward.
        out += batch * seq_len * seq_len * a
    if spec.attention == "eager":
        # Materialised attention (Baichuan2-13B's ALiBi): the clamped scores and the softmax
        # probabilities, per head.
        out += batch * spec.num_attention_heads * seq_len * seq_len * 2 * a
    return out


def _backward_working_bytes_per_token(spec: ModelSpec, precision: str, s: int) -> float:
    # While one block runs backward, gradients of its widest tensors are alive at once: those of the
    # gate, up and SiLU outputs plus a couple of hidden-wide ones.
    a = _bytes(precision)
    mlps = {mlp for _, mlp, _ in spec.block_kinds()}
    wide = max(spec.num_experts_per_tok * spec.moe_intermediate_size if "moe" in mlps else 0,
               spec.intermediate_size if "dense" in mlps else 0)
    return 3 * s * wide + 4 * a * spec.hidden_size


def estimate(spec: ModelSpec, method: str, seq_len: int, batch: int, grad_checkpointing: bool = True,
             lora_r: int = 16, lora_targets: list[str] | str | None = None, optimizer: str = "adamw",
             precision: str = "bf16", vram_gb: float | None = None, *, lora_dropout: float = 0.05,
             kbit_upcast: bool = True, loss_impl: LossImpl = "chunked", padded: bool = True,
             device: Device = "cuda", sharding: Sharding = "ddp", world_size: int = 1,
             dpo_tuning: str = "lora", dpo_from_adapter: bool = False) -> Estimate:
    """Peak memory of one training step on one device, with the breakdown and a verdict for `vram_gb`.

    `method="dpo"` trains as `dpo_tuning` (lora | qlora | full) on chosen + rejected together (`batch`
    pairs are 2 x batch sequences) and adds the reference model (see the module docstring); with
    `dpo_from_adapter` (RunConfig dpo.from_adapter) the reference is the base plus a frozen copy of that
    SFT adapter, loaded beside the one that trains.

    `sharding` over `world_size` processes (one per GPU; `batch` is per process): "ddp" divides
    nothing, "zero2" divides gradients and optimizer states, "zero3" and "fsdp" divide weights,
    gradients and optimizer states, plus two blocks' gathered weights (the one computing, the next
    one prefetched) or the embedding, whichever is larger.

    `kbit_upcast`: QLoRA's non-quantised weights in fp32 (peft's prepare_model_for_kbit_training,
    as the trainer does). `loss_impl`: "chunked" for tunewiz's trainer (TRL's fused LM head),
    "full" for a plain HF Trainer that materialises the logits. `padded`: batches padded to a
    common length (an attention mask is passed), the default without packing. `device="cpu"`
    estimates RAM for training on the CPU (fp32 there; no CUDA context).
    """
    _check(spec, method, seq_len, batch, lora_r, optimizer, precision, vram_gb, lora_dropout)
    requested, pairs = method, batch
    if method == "dpo":
        if dpo_tuning not in DPO_TUNINGS:
            raise EstimateError(f"dpo_tuning {echo(dpo_tuning)} is not one of {', '.join(DPO_TUNINGS)}")
        method, batch = dpo_tuning, 2 * batch   # the shape it trains with; chosen and rejected in one batch
    if sharding not in SHARDINGS:
        raise EstimateError(f"sharding {sharding!r} is not one of {', '.join(SHARDINGS)}")
    if not isinstance(world_size, int) or isinstance(world_size, bool) or not 1 <= world_size <= 65536:
        raise EstimateError(f"world_size must be a whole number of processes from 1 to 65536, not {world_size!r}")
    if loss_impl not in ("chunked", "full"):
        raise EstimateError(f"loss_impl must be 'chunked' or 'full', not {loss_impl!r}")
    uses_lora = method in ADAPTER_METHODS
    targets = spec.resolve_lora_targets(lora_targets) if uses_lora else set()
    notes: list[str] = list(spec.notes)
    w = _bytes(precision)
    a = w
    n_params = spec.param_count()
    layers = spec.num_hidden_layers
    tokens = seq_len * batch
    h, vocab = spec.hidden_size, spec.vocab_size

    # -- weights --------------------------------------------------------------------------------
    largest_linear = max(lin.d_in * lin.d_out for lin in spec.linears() if lin.kind == "module")
    if method == "qlora":
        quantised = spec.quantisable_params()
        rest = n_params - quantised            # embeddings, lm_head, norms, biases (and MoE experts, routers)
        weights = quantised * NF4_BYTES_PER_PARAM + rest * (4 if kbit_upcast else w)
        # bitsandbytes dequantises each 4-bit weight to a bf16 copy for the matmul (forward and
        # backward); one such copy of the widest linear is alive at a time.
        weights += largest_linear * a
        if kbit_upcast:
            notes.append(note("qlora-fp32-kept", size=rest * 4 / GIB,
                              kept=part("estimate.part.kept-moe" if spec.is_moe else "estimate.part.kept")))
        if spec.is_moe:
            notes.append(note("qlora-moe-unquantised"))
    else:
        weights = n_params * w

    # -- trainable parameters, their gradients and optimizer states ------------------------------
    lora_n = spec.lora_params(lora_r, sorted(targets)) if uses_lora else 0
    trainable = lora_n if uses_lora else n_params
    lora_bytes = lora_n * 4                    # peft keeps adapters in fp32 even on a bf16 model
    if a != 4:
        lora_bytes += lora_n * a               # autocast caches a bf16 copy of each adapter weight per step
    state_dtype = 4 if uses_lora else w        # states and gradients follow the parameter's dtype
    gradients = trainable * state_dtype
    if optimizer == "adamw":
        optim = trainable * 2 * state_dtype
    else:
        optim = trainable * 2 * ADAM8_BYTES_PER_STATE
    pageable = optim if optimizer == "paged_adamw_8bit" else 0.0

    # -- activations ------------------------------------------------------------------------------
    per_token_layer = activation_bytes_per_token_layer(spec, method, targets, precision, lora_dropout,
                                                       kbit_upcast, lora_r, device)
    recomputed_layer = activation_bytes_per_token_layer(spec, method, targets, precision, lora_dropout,
                                                        kbit_upcast, lora_r, device, block="max")
    fp32_stream = method == "qlora" and kbit_upcast or precision == "fp32"
    s = 4 if fp32_stream else a
    per_layer_seq2 = attention_bytes_per_layer(spec, seq_len, batch, precision, padded)
    # Only softmax-attention blocks keep a seq^2 mask copy; linear-attention blocks scale with seq alone.
    full_layers = sum(n for attention, _, n in spec.block_kinds() if attention == "full")
    if spec.is_hybrid:
        notes.append(note("hybrid", linear=layers - full_layers, layers=layers,
                          cpu=part("estimate.part.hybrid-cpu") if device == "cpu" else ""))
    working = tokens * _backward_working_bytes_per_token(spec, precision, s)
    if grad_checkpointing:
        # Each block's input survives the forward; one block is recomputed (fully) during backward.
        acts = layers * tokens * s * h + tokens * recomputed_layer + per_layer_seq2 + working
    else:
        acts = layers * tokens * per_token_layer + full_layers * per_layer_seq2 + working
    # The final norm's fp32 copy and the hidden states handed to the LM head; full SFT also keeps
    # the head's input for its weight gradient.
    acts += tokens * (4 * h + s * h + (a * h if not uses_lora else 0))
    if padded:
        acts += batch * seq_len * seq_len      # the boolean 4D mask itself, built once per step
    if spec.attention == "eager" and padded:
        acts += batch * spec.num_attention_heads * seq_len * seq_len * a   # ALiBi bias, shared by blocks
    if spec.is_moe and uses_lora:
        expert_dtype = 4 if method == "qlora" and kbit_upcast or precision == "fp32" else w
        merged = merged_expert_bytes_per_layer(spec, targets, expert_dtype)
        if merged and lora_dropout > 0:
            notes.append(note("moe-dropout"))
        if merged:
            moe_layers = sum(n for _, mlp, n in spec.block_kinds() if mlp == "moe")
            acts += merged * (1 if grad_checkpointing else moe_layers)
            notes.append(note("moe-merged", size=merged / GIB, how=part("estimate.part.merged-checkpointing")
                              if grad_checkpointing else part("estimate.part.merged-all", layers=moe_layers)))

    # -- logits ----------------------------------------------------------------------------------
    if loss_impl == "full":
        # bf16 logits, their fp32 upcast and log_softmax's fp32 output in the forward; at the start
        # of backward: the saved fp32 log-probs, their gradient and the gradient of the logits.
        logits = tokens * vocab * 12
    else:
        tile_tokens = min(tokens, LM_HEAD_TOKEN_TILE)
        tile_vocab = min(vocab, LM_HEAD_VOCAB_TILE)
        logits = tile_tokens * tile_vocab * a               # the projection tile
        logits += tokens * (h * 4 + h * s)                   # fp32 gradient of the hidden states + cast
        logits += tokens * 6 * 4                             # per-token log-prob, log-Z, entropy, ...
        head_dtype = 4 if (method == "qlora" and kbit_upcast) or precision == "fp32" else w
        if head_dtype != a:
            logits += tile_vocab * h * a                     # the head's slice cast to the compute dtype
        if not uses_lora:
            logits += vocab * h * 4                          # fp32 accumulator of the head's gradient
    if world_size > 1 and sharding != "ddp":
        gradients /= world_size
        optim /= world_size
        pageable /= world_size
        if sharding in ("zero3", "fsdp"):
            block = max(sum(lin.d_in * lin.d_out for lin in spec.block_linears(att, mlp))
                        for att, mlp, _ in spec.block_kinds())
            gathered = max(2 * block, vocab * h) * (NF4_BYTES_PER_PARAM if method == "qlora" else w)
            weights = weights / world_size + gathered
            lora_bytes /= world_size
            notes.append(note("sharded", sharding=sharding, world_size=world_size, gathered=gathered / GIB))
        else:
            notes.append(note("zero2", world_size=world_size))
    reference = None
    if requested == "dpo":
        if uses_lora and dpo_from_adapter:
            reference, ref_bytes = "frozen adapter", float(lora_n * 4)
            notes.append(note("dpo-frozen-adapter", size=ref_bytes / GIB))
        elif uses_lora:
            reference, ref_bytes = "adapter disabled", 0.0
            notes.append(note("dpo-adapter-off"))
        else:
            reference, ref_bytes = "frozen copy", float(n_params * w)
            if world_size > 1 and sharding in ("zero3", "fsdp"):
                ref_bytes /= world_size
            notes.append(note("dpo-frozen-copy", dtype="fp32" if w == 4 else "16-bit", size=ref_bytes / GIB))
        notes.append(note("dpo-pairs", pairs=pairs, batch=batch))
    static = weights + lora_bytes + gradients + optim + (ref_bytes if reference else 0.0)
    dynamic = acts + logits
    dynamic_factor = FRAGMENTATION_DYNAMIC if device == "cuda" else FRAGMENTATION_DYNAMIC_CPU
    fragmentation = FRAGMENTATION_STATIC * (static - pageable) + dynamic_factor * dynamic

    # -- overhead --------------------------------------------------------------------------------
    breakdown = {"weights": weights, "lora_params": lora_bytes, "gradients": gradients, "optimizer": optim,
                 "activations": acts, "logits": logits}
    if reference:
        breakdown["reference"] = ref_bytes
    if device == "cuda":
        context = CUDA_CONTEXT_GB * GIB
        breakdown["cuda_overhead"] = context + fragmentation
    else:
        context = 0.0
        breakdown["cuda_overhead"] = 0.0
        breakdown["runtime_overhead"] = CPU_RUNTIME_GB * GIB + fragmentation
    gib = {k: round(v / GIB, 3) for k, v in breakdown.items()}
    total = round(sum(gib.values()), 2)

    if seq_len > spec.max_position_embeddings:
        notes.append(note("seq-too-long", seq_len=seq_len, context=spec.max_position_embeddings))
    if optimizer == "paged_adamw_8bit":
        notes.append(note("paged"))
    if device == "cpu" and grad_checkpointing:
        # Measured: glibc's dynamic mmap threshold keeps the memory that recomputation frees and
        # re-allocates, so peak RSS reached 1.4-2.5x this estimate; MALLOC_MMAP_THRESHOLD_=131072
        # in the trainer's environment brought it back within ~25% of the live tensors.
        notes.append(note("cpu-checkpointing"))
    if method in WHOLE_MODEL_METHODS and precision == "fp16":
        notes.append(note("fp16-full"))
    if method == "qlora" and precision == "fp32":
        notes.append(note("qlora-cpu-fp32"))

    fits, margin = None, None
    if vram_gb is not None:
        margin = round(vram_gb - total, 2)
        fits = total <= vram_gb or (pageable > 0 and total - pageable / GIB <= vram_gb)
    verdict = _verdict(total, vram_gb, margin, fits, pageable / GIB, method, grad_checkpointing, pairs, device)
    return Estimate(model=spec.id, method=requested, seq_len=seq_len, batch=pairs,
                    gradient_checkpointing=grad_checkpointing, precision=precision, optimizer=optimizer,
                    lora_r=lora_r if uses_lora else None, lora_targets=sorted(targets) if uses_lora else None,
                    params=n_params, trainable_params=trainable, breakdown=gib, total_gb=total,
                    cuda_context_gb=round(context / GIB, 3), pageable_gb=round(pageable / GIB, 3),
                    vram_gb=vram_gb, fits=fits, margin_gb=margin, verdict=verdict, device=device, notes=notes,
                    assumptions={"lora_dropout": lora_dropout if uses_lora else None,
                                 "kbit_upcast": kbit_upcast if method == "qlora" else None,
                                 "loss_impl": loss_impl, "padded": padded,
                                 "cuda_context_gb": CUDA_CONTEXT_GB if device == "cuda" else None,
                                 "fragmentation": [FRAGMENTATION_STATIC, dynamic_factor],
                                 "sharding": sharding, "world_size": world_size},
                    dpo_tuning=method if requested == "dpo" else None, reference=reference)


def _verdict(total: float, vram: float | None, margin: float | None, fits: bool | None, pageable: float,
             method: str, ckpt: bool, batch: int, device: str) -> Note:
    """The verdict beside the number: a Note (its English; code `estimate.verdict.*` and params for the TUI)."""
    from engine.message_parts import part
    if vram is None or margin is None:
        return note("verdict.needs", total=total, where=part("estimate.part.of-ram" if device == "cpu"
                                                              else "estimate.part.on-one-gpu"))
    if fits and margin >= 0:
        return note("verdict.fits", vram=vram, margin=margin, used=total / vram)
    if fits:
        return note("verdict.fits-paging", vram=vram, paged=min(pageable, -margin))
    tips = []
    if not ckpt:
        tips.append(part("estimate.part.tip-checkpointing"))
    if batch > 1:
        tips.append(part("estimate.part.tip-batch"))
    tips.append(part(f"estimate.part.tip-{method}"))
    tips = tips[:2]
    shown = (part("estimate.part.tips-two", first=tips[0], second=tips[1]) if len(tips) == 2
             else part("estimate.part.tips-one", first=tips[0]))
    return note("verdict.no-fit", vram=vram, total=total, over=-margin, tips=shown)


def estimate_methods(spec: ModelSpec, seq_len: int, batch: int, vram_gb: float | None = None,
                     methods: tuple[str, ...] = ("full", "lora", "qlora"), **kwargs: Any) -> dict[str, Estimate]:
    """One estimate per method with the same settings: what the fit bars show."""
    return {m: estimate(spec, m, seq_len, batch, vram_gb=vram_gb, **kwargs) for m in methods}


# The next settings after running out of memory live in engine/memory_retry.py; re-exported here.
from engine.memory_retry import (  # noqa: E402,F401
    MIN_RETRY_LENGTH,
    OOM_CUT_FRACTION,
    OOM_HEADROOM_FRACTION,
    RetryPlan,
    propose_after_oom,
)
