"""The LM head's loss on a CPU: only labelled positions, and in few passes over the vocabulary.

TRL's SFTTrainer computes the loss with a fused LM head (`trl.trainer.utils.add_fused_lm_head`):
per-token log-probabilities, entropy and top-1 hits without materialising the [tokens, vocab]
logits. Two things about it cost a CPU dearly:

- It projects only the positions that carry a label on Triton devices; everywhere else every
  position, prompts and padding included (tile shapes stay fixed for compiled backends such as
  Neuron). A CPU compiles nothing.
- Without Triton its tiles go through generic torch code that makes about two dozen full passes over
  each [4096, 32768] tile (temporaries for masks, rescaling, gradients). On the demo model that was
  2-3x the time of the few passes below, and the head was the largest single part of a LoRA step.
  The probabilities of the forward are also kept for the backward (up to KEEP_PROBS_BYTES), which
  saves one of the head's three projections.

`use_fast_cpu_lm_head()` patches both, for CPU tensors only; anything else (GPUs, bf16 autocast,
biases, temperatures, soft-capping, other outputs) goes to TRL unchanged. Same numbers as TRL's
kernel (tests/test_lm_head.py).
"""
from __future__ import annotations

from typing import Any

CHUNK_TOKENS = 512  # a [512, vocab] fp32 tile: 100 MB at Qwen's 152k vocabulary
# The forward's probabilities are kept for the backward (saving one of the head's three projections)
# when they take at most this much memory; above it the backward recomputes them chunk by chunk.
KEEP_PROBS_BYTES = 1 << 30
SUPPORTED_OUTPUTS = frozenset({"log_probs", "entropy", "is_top1"})


def _cpu_log_prob_function() -> Any:
    import torch

    class CpuLogProb(torch.autograd.Function):
        """log p(target), entropy and "target is the first argmax" per token; gradients for the hidden
        states and (full fine-tuning) the head's weight. One [chunk, vocab] buffer, reused."""

        @staticmethod
        def forward(ctx: Any, hidden: Any, weight: Any, targets: Any) -> tuple[Any, Any, Any]:
            count = hidden.shape[0]
            log_probs = hidden.new_empty(count)
            entropy = hidden.new_empty(count)
            top1 = torch.empty(count, dtype=torch.bool, device=hidden.device)
            log_z = hidden.new_empty(count)
            vocab = weight.shape[0]
            keep = count * vocab * hidden.element_size() <= KEEP_PROBS_BYTES
            probs = hidden.new_empty((count, vocab)) if keep else hidden.new_empty((min(count, CHUNK_TOKENS), vocab))
            buffer = hidden.new_empty((min(count, CHUNK_TOKENS), vocab))
            for start in range(0, count, CHUNK_TOKENS):
                end = min(start + CHUNK_TOKENS, count)
                logits = buffer[: end - start]
                torch.mm(hidden[start:end], weight.t(), out=logits)
                target = targets[start:end]
                top1[start:end] = logits.argmax(dim=1) == target  # argmax: the first maximum, as TRL
                chunk_log_z = torch.logsumexp(logits, dim=1)
                log_z[start:end] = chunk_log_z
                log_probs[start:end] = logits.gather(1, target[:, None]).squeeze(1) - chunk_log_z
                logits.sub_(chunk_log_z[:, None])  # now log p
                chunk_probs = probs[start:end] if keep else probs[: end - start]
                torch.exp(logits, out=chunk_probs)
                entropy[start:end] = -torch.einsum("ij,ij->i", chunk_probs, logits)
            ctx.probs = probs if keep else None
            ctx.save_for_backward(hidden, weight, targets, log_z)
            ctx.mark_non_differentiable(entropy, top1)
            return log_probs, entropy, top1

        @staticmethod
        def backward(ctx: Any, grad_log_probs: Any, *_: Any) -> tuple[Any, Any, None]:
            hidden, weight, targets, log_z = ctx.saved_tensors
            need_hidden, need_weight = ctx.needs_input_grad[:2]
            if grad_log_probs is None:
                return None, None, None
            count = hidden.shape[0]
            grad_hidden = torch.empty_like(hidden) if need_hidden else None
            grad_weight = torch.zeros_like(weight) if need_weight else None
            probs, ctx.probs = ctx.probs, None  # turned into the gradient in place: usable once
            buffer = None if probs is not None else hidden.new_empty((min(count, CHUNK_TOKENS), weight.shape[0]))
            minus_one = hidden.new_full((min(count, CHUNK_TOKENS), 1), -1.0)
            for start in range(0, count, CHUNK_TOKENS):
                end = min(start + CHUNK_TOKENS, count)
                if probs is not None:
                    grad = probs[start:end]                                                # p
                else:
                    grad = buffer[: end - start]
                    torch.mm(hidden[start:end], weight.t(), out=grad)
                    grad.sub_(log_z[start:end, None]).exp_()                              # p
                grad.scatter_add_(1, targets[start:end, None], minus_one[: end - start])  # p - onehot
                grad.mul_(-grad_log_probs[start:end, None])                               # d log p / d logits
                if grad_hidden is not None:
                    torch.mm(grad, weight, out=grad_hidden[start:end])
                if grad_weight is not None:
                    grad_weight.addmm_(grad.t(), hidden[start:end])
            return grad_hidden, grad_weight, None

    return CpuLogProb


class LogProbDispatch:
    """Stands in for TRL's `_ChunkedLogProbFunction`: CPU fp32 calls it can do exactly go to
    CpuLogProb, the rest to TRL's own function. TRL calls `apply` with nine positional arguments;
    upstream.py checks TRL's signature against this one ("trl.chunked_logprob")."""

    def __init__(self, original: Any) -> None:
        self.original = original
        self.cpu = _cpu_log_prob_function()

    def apply(self, hidden: Any, weight: Any, bias: Any, targets: Any, temperature: float, chunk_size: int,
              final_logit_softcapping: float | None = None, logit_scale: float = 1.0,
              outputs: tuple[str, ...] = ("log_probs",)) -> tuple[Any, ...]:
        import torch
        exact = (hidden.device.type == "cpu" and weight.device.type == "cpu" and bias is None
                 and hidden.dtype == weight.dtype == torch.float32 and not torch.is_autocast_enabled("cpu")
                 and temperature == 1.0 and logit_scale == 1.0 and final_logit_softcapping is None
                 and set(outputs) <= SUPPORTED_OUTPUTS)
        if not exact:
            return self.original.apply(hidden, weight, bias, targets, temperature, chunk_size,
                                       final_logit_softcapping, logit_scale, outputs)
        log_probs, entropy, top1 = self.cpu.apply(hidden, weight, targets)
        return (log_probs, entropy if "entropy" in outputs else None, None, None,
                top1 if "is_top1" in outputs else None)


def use_fast_cpu_lm_head() -> bool:
    """Installs both CPU changes into TRL's fused LM head (idempotent). False, changing nothing, if this
    TRL's names no longer look as they are used here (`upstream.mismatch` says why)."""
    from engine import upstream
    if upstream.mismatch("trl.chunked_logprob") or upstream.mismatch("trl.use_triton"):
        return False
    import trl.trainer.utils as trl_utils
    choose = trl_utils._use_triton
    function = trl_utils._ChunkedLogProbFunction
    if not getattr(choose, "tunewiz_cpu_compact", False):
        def compact_on_cpu(device: Any) -> bool:
            return getattr(device, "type", None) == "cpu" or choose(device)

        compact_on_cpu.tunewiz_cpu_compact = True  # type: ignore[attr-defined]
        trl_utils._use_triton = compact_on_cpu
    if not isinstance(function, LogProbDispatch):
        trl_utils._ChunkedLogProbFunction = LogProbDispatch(function)
    return True


def cpu_head_refusal(model: Any) -> str | None:
    """Why LogProbDispatch will hand this model's LM head to TRL's kernel (on a GPU, 16-bit weights,
    a bias, scaled or soft-capped logits), or None when the CPU head computes its loss. Read once
    at the start of a run, for train.log; the same conditions as `LogProbDispatch.apply`."""
    import torch
    head = model.get_output_embeddings()
    weight = getattr(head, "weight", None)
    if weight is None:
        return "the model has no output embedding weight"
    if weight.device.type != "cpu":
        return f"the head is on {weight.device.type}"
    if weight.dtype != torch.float32:
        return f"{str(weight.dtype).removeprefix('torch.')} weights"
    if getattr(head, "bias", None) is not None:
        return "the head has a bias"
    text_config = model.config.get_text_config()
    if getattr(text_config, "final_logit_softcapping", None) is not None:
        return "soft-capped logits"
    for scale in ("logit_scale", "output_multiplier", "lm_head_multiplier", "logits_scaling"):
        if getattr(text_config, scale, None) not in (None, 1, 1.0):
            return f"scaled logits ({scale})"
    return None
