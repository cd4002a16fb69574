"""Per-block pieces of the training-memory estimate (engine/memory.py) for blocks that are not a plain
decoder block: a mixture-of-experts MLP and Gated DeltaNet linear attention. Nothing here imports torch."""
from __future__ import annotations

from engine.model_spec import ModelSpec


def attn_out_is_new(spec: ModelSpec, attention: str) -> bool:
    """o_proj / out_proj reads a tensor nothing else keeps: a gated attention output or a gated norm's."""
    return attention == "linear" or spec.attn_output_gate


# fla's chunked Gated DeltaNet kernel works on 64-token chunks and keeps one chunk-local fp32 matrix
# (chunk x chunk per value head) for backward; its recurrent states are recomputed in backward.
DELTANET_CHUNK = 64


def linear_attention_bytes_per_token(spec: ModelSpec, a: int) -> float:
    """What one Gated DeltaNet block (Qwen3.5's linear attention) keeps per token for backward: linear in
    the sequence length, no seq^2 term and no KV cache. Approximate (not measured: the fused kernels of
    flash-linear-attention run on a GPU only): the causal conv1d's input and its SiLU output (q, k, v as
    the kernel keeps them), the decay g and beta per value head (fp32), the kernel's chunk-local fp32
    matrix, and the gated norm's fp32 copy, its gate z and the gate's fp32 SiLU."""
    conv_dim = 2 * spec.linear_key_dim + spec.linear_value_dim
    nv, vd = spec.linear_num_value_heads, spec.linear_value_dim
    return (2 * a * conv_dim + 2 * 4 * nv + DELTANET_CHUNK * nv * 4 + 4 * vd + a * vd + 4 * vd)


def moe_bytes_per_token_layer(spec: ModelSpec, targets: set[str], precision: str, s: int, trains_base: bool) -> float:
    """What an MoE block's router and experts keep per token for backward (transformers 5's expert
    kernels, counted with autograd's saved-tensor hooks on the CPU in tests/test_memory.py).

    The router's fp32 probabilities (4 bytes x experts) and its input when it trains; per selected
    expert (top-k of them): the fused gate_up output (2 x moe_intermediate), the activation and the
    product fed to down_proj (1 x each), the expert's output kept by the routing-weight product, the
    token's hidden state gathered for the expert when the experts train, and the routing index/weight."""
    a = 4 if precision == "fp32" else 2
    h, k = spec.hidden_size, spec.num_experts_per_tok
    experts_train = trains_base or bool(targets & {lin.name for lin in spec.linears() if lin.experts and lin.adaptable})
    router_trains = trains_base or bool(targets & {lin.name for lin in spec.linears()
                                                   if lin.group == "router" and lin.adaptable})
    total = 4 * spec.num_experts + 4 + (a * h if router_trains else 0)
    total += k * (4 * s * spec.moe_intermediate_size + s * h + (a * h if experts_train else 0) + 14)
    if spec.shared_expert_intermediate_size:
        total += 3 * s * spec.shared_expert_intermediate_size + s * h
    return total


def merged_expert_bytes_per_layer(spec: ModelSpec, targets: set[str], expert_dtype_bytes: int) -> float:
    """peft's LoRA on a stacked expert parameter: each forward folds the adapter into a merged copy of the
    block's whole stack (W + B·A, in the weight's dtype), and the expert matmuls keep views of it for
    backward. Zero when no expert stack is a LoRA target."""
    return sum(lin.params for lin in spec.linears()
               if lin.experts and lin.adaptable and lin.name in targets) * expert_dtype_bytes
