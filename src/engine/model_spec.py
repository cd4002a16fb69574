"""What the estimator knows about one model's architecture: `ModelSpec` and its linear layers.

The catalog (engine/catalog.py, tables in engine/catalog_models.py) and config.json files for models
outside it both produce a ModelSpec. Parameter counts are computed from the architecture numbers and
checked against transformers' own models built on the `meta` device (tests/test_catalog.py).

Mixture-of-experts models (Qwen3-MoE): every block holds `num_experts` experts, each an MLP
`moe_intermediate_size` wide, and a router (`num_experts` x hidden) that sends each token to
`num_experts_per_tok` of them. In transformers 5 the experts of a block are two stacked 3-D parameters
(`experts.gate_up_proj`: experts x 2*moe_intermediate x hidden, `experts.down_proj`: experts x hidden x
moe_intermediate) and the router is a parameter too, not `nn.Linear` modules. Consequences the
estimator models:

* all experts' weights are resident, whatever few a token uses;
* peft's "all-linear" adapts q/k/v/o as modules and, through `target_parameters`, the router and every
  expert's gate_up and down projection (peft gives the fused gate_up stack rank 2r, as gate and up had
  r each); `Linear.experts` and `Linear.rank` carry that;
* bitsandbytes quantises `nn.Linear` modules only: for QLoRA the experts stay 16-bit (and
  `prepare_model_for_kbit_training` upcasts them to fp32 like every other non-quantised weight).

Not every block is alike. `block_kinds()` lists each kind of decoder block with how many there are:

* GLM-4.5 (`glm4_moe`) keeps a dense MLP (`intermediate_size` wide) in its first
  `first_k_dense_replace` blocks and experts in the rest; its always-on shared expert
  (`shared_experts`, n_shared_experts x moe_intermediate wide) has no gate, unlike Qwen's
  (`shared_expert` + `shared_expert_gate`). The router's `e_score_correction_bias` is a buffer, not a
  parameter. Its multi-token-prediction layer (`num_nextn_predict_layers`) is not loaded by
  transformers' `Glm4MoeForCausalLM`, so it is not counted.
* Qwen3.5 (`qwen3_5_text`) is a hybrid: every `full_attention_interval`-th block has gated full
  attention (q_proj also produces an output gate, twice as wide), the others Gated DeltaNet linear
  attention (`in_proj_qkv`, `in_proj_z`, `in_proj_b`, `in_proj_a`, `out_proj` linears, plus a
  depthwise causal conv1d over q/k/v, `dt_bias`, `A_log` and a gated norm per value head: parameters
  that are not linear maps, listed by `extra_params()`). Its multi-token-prediction layer and, for the
  text model transformers' `Qwen3_5ForCausalLM` builds, the vision tower are not loaded.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

AttentionKind = Literal["sdpa", "eager"]
LinearKind = Literal["module", "param"]
BlockAttention = Literal["full", "linear"]     # softmax attention, or Gated DeltaNet linear attention
BlockMlp = Literal["dense", "moe"]


class ModelConfigError(ValueError):
    """A config.json that cannot describe a model for the estimator (a field missing or nonsense)."""


@dataclass(frozen=True)
class Linear:
    """One linear map of a decoder block, as the estimator and LoRA see it."""
    name: str          # the name LoRA's target_modules / target_parameters matches (q_proj, gate_up_proj, ...)
    d_in: int
    d_out: int
    bias: bool = False
    group: str = ""    # layers that read the same input tensor share a group (q/k/v read one tensor)
    experts: int = 0   # 0: one matrix; N: a stack of N experts' matrices held as one 3-D parameter
    rank: int = 1      # multiple of LoRA's r peft gives it (2 for a fused gate_up expert stack)
    kind: LinearKind = "module"   # "module": an nn.Linear (bitsandbytes quantises it); "param": a bare parameter
    adaptable: bool = True        # peft can put LoRA on it (see PEFT_FUSED_MOE for the MoE exceptions)

    @property
    def params(self) -> int:
        return max(1, self.experts) * self.d_in * self.d_out + (self.d_out if self.bias else 0)

    def lora_params(self, r: int) -> int:
        """peft's A (rank x d_in) and B (d_out x rank) per matrix; an expert stack gets rank per expert."""
        return r * self.rank * max(1, self.experts) * (self.d_in + self.d_out) if self.adaptable else 0


# Norm weights per decoder block beyond the two hidden-wide RMSNorms every family has, by model_type:
# (extra hidden-wide norms, head-wide norms). Qwen3 and Gemma 3 normalise q and k per head; Gemma 3 and
# GLM-4-0414 ("glm4") add a norm after attention and after the MLP.
# Qwen3.5 normalises q and k per head in its full-attention blocks only (the linear-attention blocks'
# gated norm is counted by ModelSpec.extra_params).
NORMS_PER_BLOCK: dict[str, tuple[int, int]] = {"qwen3": (0, 2), "qwen3_moe": (0, 2), "gemma3_text": (2, 2), "glm4": (2, 0),
                                               "qwen3_5_text": (0, 2), "qwen3_5_moe_text": (0, 2)}
# model_types whose shared expert is Qwen's (`shared_expert` + a sigmoid `shared_expert_gate`); others
# with a shared expert use GLM-4.5's ungated `shared_experts`.
GATED_SHARED_EXPERT = ("qwen2_moe", "qwen3_next", "qwen3_5_moe_text")
# MoE model_types whose v4 checkpoints transformers 5 converts with the qwen2_moe pattern: peft maps every
# target named gate_proj / up_proj / down_proj to the stacked experts (gate_up_proj at rank 2r, down_proj)
# and the router, so an nn.Linear of that name (GLM-4.5's dense first block, a shared expert) gets no
# adapter. For other MoE model_types (Qwen3.5-MoE) peft's all-linear finds nn.Linear modules only: the
# router and the expert stacks get none.
PEFT_FUSED_MOE = ("qwen2_moe", "qwen3_moe", "glm4_moe", "qwen3_next")


@dataclass(frozen=True)
class ModelSpec:
    id: str                                   # hub id (or "demo" for the embedded model)
    num_hidden_layers: int
    hidden_size: int
    intermediate_size: int
    num_attention_heads: int
    num_key_value_heads: int
    vocab_size: int
    tie_word_embeddings: bool
    max_position_embeddings: int
    model_type: str
    head_dim: int | None = None               # None: hidden_size // num_attention_heads (Qwen3, Gemma 3: set)
    attention_bias: bool = False              # Qwen2 and GLM4 have a bias on the q/k/v projection
    attention: AttentionKind = "sdpa"         # "eager": attention scores are materialised (s^2 memory)
    trust_remote_code: bool = False
    gated: bool = False                       # the hub wants an accepted licence and a token first
    aliases: tuple[str, ...] = ()
    family: str = ""                          # models of one family form the "smaller model" ladder
    instruct: bool = False
    license: str = ""
    languages: tuple[str, ...] = ()
    hub_id: str | None = None                 # for "demo": the hub model it is a copy of
    source: str = "catalog"                   # catalog | local config.json | hub config.json
    params_stated: float | None = None        # billions, only where the structure is not modelled exactly
    lora_targets_override: tuple[str, ...] | None = None
    notes: tuple[str, ...] = ()   # engine.estimate_messages.Note: English, with code and params (estimate.spec-*)
    # -- mixture of experts (0: a dense model) --
    num_experts: int = 0
    num_experts_per_tok: int = 0
    moe_intermediate_size: int = 0
    shared_expert_intermediate_size: int = 0  # an always-on expert beside the routed ones (Qwen2-MoE style)
    norm_topk_prob: bool = False              # the top-k routing weights are renormalised to sum to 1
    # -- other architecture facts --
    first_k_dense_replace: int = 0            # MoE: the first k blocks keep a dense MLP (GLM-4.5: 1)
    # -- hybrid attention (Qwen3.5): every Nth block full attention, the others Gated DeltaNet --
    full_attention_interval: int = 0          # 0: every block has full attention
    attn_output_gate: bool = False            # q_proj also produces a gate for the attention output (2 x wide)
    linear_num_key_heads: int = 0
    linear_num_value_heads: int = 0
    linear_key_head_dim: int = 0
    linear_value_head_dim: int = 0
    linear_conv_kernel_dim: int = 0
    sliding_window: int | None = None         # local attention span of the sliding layers (Gemma 3)
    vision_params: int = 0                    # a multimodal checkpoint's vision tower + projector, loaded frozen
    # -- how it talks --
    chat_template: str = ""                   # the template family its tokenizer_config.json ships
    reasoning: bool = False                   # the template renders reasoning (enable_thinking switch)
    tools: bool = False                       # the template renders tool schemas and tool calls
    config_source: str = ""                   # where the numbers come from: the config.json's URL and read date

    # -- structure ------------------------------------------------------------------------------
    @property
    def is_moe(self) -> bool:
        return self.num_experts > 0

    @property
    def head_size(self) -> int:
        return self.head_dim or self.hidden_size // self.num_attention_heads

    @property
    def q_dim(self) -> int:
        return self.num_attention_heads * self.head_size

    @property
    def kv_dim(self) -> int:
        return self.num_key_value_heads * self.head_size

    @property
    def is_hybrid(self) -> bool:
        """Some blocks use linear attention (Qwen3.5's Gated DeltaNet) instead of softmax attention."""
        return self.full_attention_interval > 0

    @property
    def linear_key_dim(self) -> int:
        return self.linear_num_key_heads * self.linear_key_head_dim

    @property
    def linear_value_dim(self) -> int:
        return self.linear_num_value_heads * self.linear_value_head_dim

    def block_kinds(self) -> list[tuple[BlockAttention, BlockMlp, int]]:
        """Each kind of decoder block, as (attention, mlp, how many blocks), in the order they first occur."""
        counts: dict[tuple[BlockAttention, BlockMlp], int] = {}
        for i in range(self.num_hidden_layers):
            attention: BlockAttention = ("full" if not self.is_hybrid or (i + 1) % self.full_attention_interval == 0
                                         else "linear")
            mlp: BlockMlp = "moe" if self.is_moe and i >= self.first_k_dense_replace else "dense"
            counts[(attention, mlp)] = counts.get((attention, mlp), 0) + 1
        return [(attention, mlp, n) for (attention, mlp), n in counts.items()]

    def linears(self) -> list[Linear]:
        """Every linear map a decoder block of this model can have, each name once (the names LoRA
        targets; for a model whose blocks differ, the union of its kinds of block)."""
        seen: dict[str, Linear] = {}
        for attention, mlp, _ in self.block_kinds():
            for lin in self.block_linears(attention, mlp):
                seen.setdefault(lin.name, lin)
        return list(seen.values())

    def block_linears(self, attention: BlockAttention = "full", mlp: BlockMlp | None = None) -> list[Linear]:
        """The linear maps of one kind of decoder block, with the names each architecture gives them."""
        h, i, q, kv = self.hidden_size, self.intermediate_size, self.q_dim, self.kv_dim
        mlp = mlp or ("moe" if self.is_moe else "dense")
        if self.model_type == "chatglm":
            # GLM4 fuses q, k and v into one projection and gate+up into dense_h_to_4h (2 x ffn wide).
            return [Linear("query_key_value", h, q + 2 * kv, self.attention_bias, "attn_in"),
                    Linear("dense", q, h, False, "attn_out"),
                    Linear("dense_h_to_4h", h, 2 * i, False, "mlp_in"),
                    Linear("dense_4h_to_h", i, h, False, "mlp_out")]
        if self.model_type == "baichuan":
            # Baichuan2 fuses q, k and v into W_pack; no grouped-query attention.
            return [Linear("W_pack", h, q + 2 * kv, self.attention_bias, "attn_in"),
                    Linear("o_proj", q, h, False, "attn_out"),
                    Linear("gate_proj", h, i, False, "mlp_in"),
                    Linear("up_proj", h, i, False, "mlp_in"),
                    Linear("down_proj", i, h, False, "mlp_out")]
        if self.model_type in ("glm", "glm4"):
            # transformers' native GLM: separate q/k/v, fused gate+up.
            return [Linear("q_proj", h, q, self.attention_bias, "attn_in"),
                    Linear("k_proj", h, kv, self.attention_bias, "attn_in"),
                    Linear("v_proj", h, kv, self.attention_bias, "attn_in"),
                    Linear("o_proj", q, h, False, "attn_out"),
                    Linear("gate_up_proj", h, 2 * i, False, "mlp_in"),
                    Linear("down_proj", i, h, False, "mlp_out")]
        if self.model_type == "phi3":
            return [Linear("qkv_proj", h, q + 2 * kv, False, "attn_in"),
                    Linear("o_proj", q, h, False, "attn_out"),
                    Linear("gate_up_proj", h, 2 * i, False, "mlp_in"),
                    Linear("down_proj", i, h, False, "mlp_out")]
        if attention == "linear":
            # Gated DeltaNet: q/k/v in one projection (read by the conv1d), the output gate z, and the
            # per-value-head beta (b) and decay (a) inputs.
            kd, vd, nv = self.linear_key_dim, self.linear_value_dim, self.linear_num_value_heads
            mixer = [Linear("in_proj_qkv", h, 2 * kd + vd, False, "attn_in"),
                     Linear("in_proj_z", h, vd, False, "attn_in"),
                     Linear("in_proj_b", h, nv, False, "attn_in"),
                     Linear("in_proj_a", h, nv, False, "attn_in"),
                     Linear("out_proj", vd, h, False, "attn_out")]
        else:
            # Llama layout (Llama, Qwen2/3, Mistral, Gemma 3, GLM-4.5, SmolLM2 and most other decoders);
            # a gated attention output doubles q_proj (query and gate side by side).
            q_out = 2 * q if self.attn_output_gate else q
            mixer = [Linear("q_proj", h, q_out, self.attention_bias, "attn_in"),
                     Linear("k_proj", h, kv, self.attention_bias, "attn_in"),
                     Linear("v_proj", h, kv, self.attention_bias, "attn_in"),
                     Linear("o_proj", q, h, False, "attn_out")]
        fused = self.is_moe and self.model_type in PEFT_FUSED_MOE     # peft: gate/up/down_proj mean the experts
        if mlp == "moe":
            n, mi, si = self.num_experts, self.moe_intermediate_size, self.shared_expert_intermediate_size
            moe = [Linear("gate", h, n, False, "router", kind="param", adaptable=fused),
                   Linear("gate_up_proj", h, 2 * mi, False, "mlp_in", experts=n, rank=2, kind="param", adaptable=fused),
                   Linear("down_proj", mi, h, False, "mlp_out", experts=n, kind="param", adaptable=fused)]
            if si and self.model_type in GATED_SHARED_EXPERT:
                moe += [Linear("shared_expert.gate_proj", h, si, False, "shared_in", adaptable=not fused),
                        Linear("shared_expert.up_proj", h, si, False, "shared_in", adaptable=not fused),
                        Linear("shared_expert.down_proj", si, h, False, "shared_out", adaptable=not fused),
                        Linear("shared_expert_gate", h, 1, False, "shared_in")]
            elif si:
                moe += [Linear("shared_experts.gate_proj", h, si, False, "shared_in", adaptable=not fused),
                        Linear("shared_experts.up_proj", h, si, False, "shared_in", adaptable=not fused),
                        Linear("shared_experts.down_proj", si, h, False, "shared_out", adaptable=not fused)]
            return mixer + moe
        # (in an MoE model's dense blocks the MLP is named mlp.*: distinct from the expert stacks' names)
        prefix = "mlp." if self.is_moe else ""
        return mixer + [Linear(prefix + "gate_proj", h, i, False, "mlp_in", adaptable=not fused),
                        Linear(prefix + "up_proj", h, i, False, "mlp_in", adaptable=not fused),
                        Linear(prefix + "down_proj", i, h, False, "mlp_out", adaptable=not fused)]

    def extra_params(self, attention: BlockAttention) -> int:
        """Parameters of one block that are neither linear maps nor the hidden-wide norms: a Gated DeltaNet
        block's depthwise conv1d over q/k/v, its dt_bias and A_log per value head and its gated norm."""
        if attention != "linear":
            return 0
        conv = (2 * self.linear_key_dim + self.linear_value_dim) * self.linear_conv_kernel_dim
        return conv + 2 * self.linear_num_value_heads + self.linear_value_head_dim

    @property
    def default_lora_targets(self) -> tuple[str, ...]:
        """Every linear map of the block peft's "all-linear" adapts (the lm_head is excluded; for an MoE
        model see PEFT_FUSED_MOE: the router and every expert's projections through target_parameters, or
        none of them)."""
        if self.lora_targets_override is not None:
            return self.lora_targets_override
        return tuple(lin.name for lin in self.linears() if lin.adaptable)

    # -- parameter counts (exact for the modelled architectures) --------------------------------
    def embedding_params(self) -> int:
        return self.vocab_size * self.hidden_size

    def head_params(self) -> int:
        return 0 if self.tie_word_embeddings else self.vocab_size * self.hidden_size

    def linear_params(self) -> int:
        """Every block's linear maps (biases included), summed over the kinds of block."""
        return sum(n * sum(lin.params for lin in self.block_linears(att, mlp)) for att, mlp, n in self.block_kinds())

    def quantisable_params(self) -> int:
        """The weights bitsandbytes turns into NF4: every block's nn.Linear modules."""
        return sum(n * sum(lin.d_in * lin.d_out * max(1, lin.experts) for lin in self.block_linears(att, mlp)
                           if lin.kind == "module") for att, mlp, n in self.block_kinds())

    def expert_params(self) -> int:
        """All blocks' stacked expert weights (0 for a dense model)."""
        return sum(n * sum(lin.params for lin in self.block_linears(att, mlp) if lin.experts)
                   for att, mlp, n in self.block_kinds())

    def active_params(self) -> int:
        """Parameters one token passes through: an MoE block's top-k experts instead of all of them."""
        if not self.is_moe:
            return self.param_count()
        idle = self.expert_params() * (self.num_experts - self.num_experts_per_tok) // self.num_experts
        return self.param_count() - idle

    def norm_params(self) -> int:
        # Two RMSNorms per block plus the final one; Qwen3 and Gemma 3 add per-head q/k norms (Qwen3.5 in
        # its full-attention blocks), Gemma 3 and GLM-4-0414 two more hidden-wide norms.
        wide, per_head = NORMS_PER_BLOCK.get(self.model_type, (0, 0))
        total = self.hidden_size
        for attention, _, n in self.block_kinds():
            total += n * ((2 + wide) * self.hidden_size + (per_head * self.head_size if attention == "full" else 0))
        return total

    def param_count(self) -> int:
        """Total parameters, counting tied embeddings once (as `model.parameters()` does)."""
        extra = sum(n * self.extra_params(att) for att, _, n in self.block_kinds())
        return (self.embedding_params() + self.head_params() + self.norm_params() + self.vision_params
                + self.linear_params() + extra)

    @property
    def params(self) -> float:
        """Billions of parameters."""
        return round(self.params_stated if self.params_stated else self.param_count() / 1e9, 3)

    @property
    def size_label(self) -> str:
        """How people say its size: "8.19B", or "30.5B (3.4B active)" for a mixture of experts."""
        total = f"{self.params:.3g}B" if self.params >= 1 else f"{self.params * 1000:.0f}M"
        if not self.is_moe:
            return total
        return f"{total} ({self.active_params() / 1e9:.1f}B active)"

    def lora_params(self, r: int, targets: list[str] | tuple[str, ...] | str | None = None) -> int:
        """Trainable LoRA parameters: r x (in + out) for every targeted matrix of every block."""
        names = self.resolve_lora_targets(targets)
        return sum(n * sum(lin.lora_params(r) for lin in self.block_linears(att, mlp) if lin.name in names)
                   for att, mlp, n in self.block_kinds())

    def resolve_lora_targets(self, targets: list[str] | tuple[str, ...] | str | None) -> set[str]:
        if targets is None or targets == "all-linear":
            return set(self.default_lora_targets)
        if isinstance(targets, str):
            targets = [t.strip() for t in targets.split(",") if t.strip()]
        known = {lin.name for lin in self.linears()}
        unknown = [t for t in targets if t not in known]
        if unknown or not targets:
            raise ModelConfigError(
                f"LoRA target module(s) {', '.join(unknown) or '(none)'} do not exist in {self.id} "
                f"({self.model_type}); its linear layers are: {', '.join(sorted(known))} (or use all-linear)")
        return set(targets)

    @property
    def short_name(self) -> str:
        return self.id.split("/")[-1]

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["params"] = self.params
        out["default_lora_targets"] = list(self.default_lora_targets)
        out["active_params"] = self.active_params()
        out["size_label"] = self.size_label
        return out
