"""On a CPU, LoRA's input dropout is tunewiz's CpuLoraDropout (engine/train/lora_dropout.py): the same
dropout as nn.Dropout — drop rate, independence, scaling, gradients, seeding — from fewer random draws."""
from __future__ import annotations

import pytest
import torch

from engine.train.config import RunConfig
from engine.train.lora_dropout import CpuLoraDropout
from engine.train.context import RunContext
from engine.train.trainer import load_model


def test_it_drops_at_rate_p_independently_and_scales_what_it_keeps():
    torch.manual_seed(0)
    dropout = CpuLoraDropout(0.1)
    y = dropout(torch.ones(2000, 501))  # an odd count: the last 64-bit draw is only partly used
    dropped = y == 0
    assert abs(dropped.float().mean().item() - 0.1) < 0.003  # 1,002,000 elements: sd 0.0003
    assert torch.allclose(y[~dropped], torch.full_like(y[~dropped], 1 / 0.9))
    flat = dropped.flatten()
    # neighbours share a 64-bit draw: they must still be independent (both dropped at rate p²)
    for gap in (1, 2, 3, 4):
        both = (flat[:-gap] & flat[gap:]).float().mean().item()
        assert abs(both - 0.01) < 0.001, gap
    assert abs(y.mean().item() - 1.0) < 0.004


def test_the_gradient_goes_through_kept_elements_only_scaled_like_the_output():
    x = torch.randn(64, 96, requires_grad=True)
    y = CpuLoraDropout(0.3)(x)
    y.backward(torch.ones_like(y))
    kept = y != 0
    assert torch.equal(x.grad, kept.float() / 0.7)
    assert torch.allclose(y, x.detach() * kept / 0.7)


def test_the_global_seed_decides_the_mask_and_eval_or_p0_is_the_identity():
    x = torch.randn(32, 40)
    dropout = CpuLoraDropout(0.2)
    torch.manual_seed(7)
    first = dropout(x)
    torch.manual_seed(7)
    assert torch.equal(dropout(x), first)
    assert not torch.equal(dropout(x), first)
    assert torch.equal(dropout.eval()(x), x)
    assert torch.equal(CpuLoraDropout(0.0)(x), x)
    assert CpuLoraDropout(0.2)(x.to(torch.bfloat16)).dtype == torch.bfloat16
    with pytest.raises(ValueError):
        CpuLoraDropout(1.0)


@pytest.mark.parametrize("p", [0.05, 0.0])
def test_the_trainer_gives_every_lora_layer_on_a_cpu_the_cpu_dropout(tiny_model_dir, tmp_path, p):
    config = RunConfig(model=str(tiny_model_dir), method="lora", lora={"dropout": p}, runs_dir=str(tmp_path))
    model = load_model(RunContext(tmp_path, config), str(tiny_model_dir), "fp32", on_gpu=False)
    lora_layers = [m for m in model.modules() if isinstance(getattr(m, "lora_dropout", None), torch.nn.ModuleDict)]
    dropouts = [m.lora_dropout["default"] for m in lora_layers]
    assert lora_layers
    if p:
        assert all(isinstance(d, CpuLoraDropout) and d.p == p for d in dropouts)
    else:  # peft's Identity stays: nothing to draw
        assert all(isinstance(d, torch.nn.Identity) for d in dropouts)
