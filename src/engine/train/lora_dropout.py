"""LoRA dropout on a CPU: the same dropout, from a quarter of the random draws.

peft applies `nn.Dropout(lora.dropout)` to the input of every adapted layer, so each training token
draws one random number per input feature per layer (~150k a token on the demo model). On a CPU,
torch's dropout draws each one from the Mersenne Twister separately (`bernoulli_`), and a profiled
LoRA step of the demo model spent more time there than in any matmul. `CpuLoraDropout` takes 16
random bits per element from 64-bit draws — four elements a draw — and keeps an element when its
bits are at or above the threshold: the drop probability is `p` rounded to 1/65536, elements are
independent, kept values are scaled by 1/(1-p) as in `nn.Dropout`, and the global seed governs it.
`python bench/lora_dropout.py` compares the two side by side. Anything not on a CPU goes to
`torch.nn.functional.dropout` unchanged.
"""
from __future__ import annotations

import functools
from typing import Any

_LEVELS = 1 << 16


@functools.cache
def _define_cpu_lora_dropout() -> type:
    import torch

    class CpuLoraDropout(torch.nn.Module):
        """nn.Dropout(p) for CPU tensors, drawing 16 random bits per element."""

        def __init__(self, p: float) -> None:
            super().__init__()
            if not 0.0 <= p < 1.0:
                raise ValueError(f"dropout probability must be in [0, 1), got {p}")
            self.p = p
            # int16 bits are uniform on [-32768, 32767]; P(bits < threshold) = round(p * 65536) / 65536
            self.threshold = round(p * _LEVELS) - _LEVELS // 2

        def extra_repr(self) -> str:
            return f"p={self.p}"

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            if not self.training or self.p == 0.0 or x.device.type != "cpu":
                return torch.nn.functional.dropout(x, self.p, self.training)
            count = x.numel()
            words = torch.randint(-(1 << 63), (1 << 63) - 1, ((count + 3) // 4,), dtype=torch.int64)
            bits = words.view(torch.int16)[:count].view(x.shape)
            scale = (bits >= self.threshold).to(x.dtype).mul_(1.0 / (1.0 - self.p))
            return x * scale

    return CpuLoraDropout


def count_cpu_lora_dropouts(model: Any) -> int:
    """How many of the model's modules are CpuLoraDropout (what `use_cpu_lora_dropout` left in place)."""
    cpu_lora_dropout = _define_cpu_lora_dropout()
    return sum(isinstance(module, cpu_lora_dropout) for module in model.modules())


def __getattr__(name: str) -> Any:
    # The class is defined on first use: importing the engine must not import torch (start-up time).
    if name == "CpuLoraDropout":
        return _define_cpu_lora_dropout()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def use_cpu_lora_dropout(model: Any) -> int:
    """Replaces peft's `nn.Dropout` on every LoRA layer's input with CpuLoraDropout (same p); returns
    how many were replaced. Dropout has no weights: saved adapters are unchanged. Replaces nothing
    (0) where peft no longer keeps the dropout as used here (`upstream.mismatch("peft.lora_dropout")`)."""
    import torch

    from engine import upstream
    if upstream.mismatch("peft.lora_dropout"):
        return 0
    cpu_lora_dropout = _define_cpu_lora_dropout()
    replaced = 0
    for module in model.modules():
        dropouts = getattr(module, "lora_dropout", None)
        if not isinstance(dropouts, torch.nn.ModuleDict):
            continue
        for name, dropout in list(dropouts.items()):
            if type(dropout) is torch.nn.Dropout and dropout.p > 0:
                replacement = cpu_lora_dropout(dropout.p)
                replacement.train(dropout.training)
                dropouts[name] = replacement
                replaced += 1
    return replaced
