"""On a CPU tunewiz computes the loss of TRL's fused LM head itself (engine/train/lm_head.py): only at
labelled positions and in fewer passes. Same loss, entropy, accuracy and gradients as TRL's kernel."""
from __future__ import annotations

import pytest
import torch
from transformers import AutoModelForCausalLM

import trl.trainer.utils as trl_utils
from engine.train.lm_head import LogProbDispatch, use_fast_cpu_lm_head
from trl.kernels import ChunkedLogProbFunction

OUTPUTS = ("log_probs", "entropy", "is_top1")


@pytest.fixture
def restore_trl():
    saved = trl_utils._use_triton, trl_utils._ChunkedLogProbFunction
    yield
    trl_utils._use_triton, trl_utils._ChunkedLogProbFunction = saved


@pytest.mark.parametrize("keep_probs", [True, False])  # kept for the backward, or recomputed there
@pytest.mark.parametrize("weight_grad", [False, True])  # LoRA (frozen head) and full fine-tuning
def test_the_cpu_head_matches_trls_kernel(weight_grad, keep_probs, monkeypatch):
    import engine.train.lm_head as lm_head
    if not keep_probs:
        monkeypatch.setattr(lm_head, "KEEP_PROBS_BYTES", 0)
    generator = torch.Generator().manual_seed(0)
    tokens, width, vocab = 1100, 48, 3000  # more than one chunk of tokens
    hidden = torch.randn(tokens, width, generator=generator, requires_grad=True)
    weight = (torch.randn(vocab, width, generator=generator) * 0.3).requires_grad_(weight_grad)
    targets = torch.randint(0, vocab, (tokens,), generator=generator)
    targets[:50] = torch.mm(hidden[:50], weight.t()).argmax(1)  # some tokens the model gets right

    def run(function):
        hidden.grad = weight.grad = None
        log_probs, entropy, _, _, top1 = function.apply(hidden, weight, None, targets, 1.0, 1024, None, 1.0, OUTPUTS)
        (-(log_probs * torch.linspace(0.5, 1.5, tokens)).sum()).backward()
        return log_probs.detach(), entropy.detach(), top1, hidden.grad.clone(), (
            weight.grad.clone() if weight_grad else None)

    theirs, ours = run(ChunkedLogProbFunction), run(LogProbDispatch(ChunkedLogProbFunction))
    assert ours[2].sum() >= 50 and torch.equal(ours[2], theirs[2])
    for mine, reference in zip(ours[:2] + ours[3:], theirs[:2] + theirs[3:]):
        if reference is not None:
            torch.testing.assert_close(mine, reference, rtol=1e-4, atol=1e-5)


def test_calls_it_cannot_do_exactly_go_to_trl():
    calls = []

    class Recording:
        @staticmethod
        def apply(*args):
            calls.append(args)
            return "trl"

    dispatch = LogProbDispatch(Recording)
    hidden, weight, targets = torch.randn(4, 8), torch.randn(16, 8), torch.zeros(4, dtype=torch.long)
    assert dispatch.apply(hidden, weight, torch.zeros(16), targets, 1.0, 8, None, 1.0, OUTPUTS) == "trl"  # a bias
    assert dispatch.apply(hidden, weight, None, targets, 0.7, 8, None, 1.0, OUTPUTS) == "trl"  # a temperature
    assert dispatch.apply(hidden.bfloat16(), weight.bfloat16(), None, targets, 1.0, 8, None, 1.0, OUTPUTS) == "trl"
    assert dispatch.apply(hidden, weight, None, targets, 1.0, 8, None, 1.0, ("log_probs", "mean_logits")) == "trl"
    assert len(calls) == 4
    assert dispatch.apply(hidden, weight, None, targets, 1.0, 8, None, 1.0, OUTPUTS)[0].shape == (4,)


def test_a_model_scores_labelled_positions_only_with_the_same_loss_and_gradients(tiny_model_dir, restore_trl):
    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir, attn_implementation="sdpa")
    trl_utils.add_fused_lm_head(model, outputs=OUTPUTS)
    ids = torch.randint(3, 200, (2, 12), generator=torch.Generator().manual_seed(0))
    labels = ids.clone()
    labels[:, :7] = -100  # the prompt
    labels[1, 10:] = -100  # padding
    batch = {"input_ids": ids, "attention_mask": (labels != -100) | (torch.arange(12) < 7), "labels": labels}
    projected: list[int] = []

    def loss_and_grads():
        model.zero_grad()
        function = trl_utils._ChunkedLogProbFunction

        class Counting:
            @staticmethod
            def apply(hidden, *args):
                projected.append(hidden.shape[0])
                return function.apply(hidden, *args)

        trl_utils._ChunkedLogProbFunction = Counting
        try:
            out = model(**batch, fused_lm_head=True)
        finally:
            trl_utils._ChunkedLogProbFunction = function
        out.loss.backward()
        grads = [p.grad.clone() for p in model.parameters() if p.grad is not None]
        return out.loss.detach(), out.entropy.detach(), out.is_top1, grads

    trl_loss, trl_entropy, trl_top1, trl_grads = loss_and_grads()
    assert use_fast_cpu_lm_head() and use_fast_cpu_lm_head()  # idempotent
    assert isinstance(trl_utils._ChunkedLogProbFunction, LogProbDispatch)
    loss, entropy, top1, grads = loss_and_grads()
    assert projected == [2 * 11, 5 + 3]  # every shifted position, then only the labelled ones
    torch.testing.assert_close(loss, trl_loss)
    torch.testing.assert_close(entropy, trl_entropy)
    assert torch.equal(top1, trl_top1)
    assert len(grads) == len(trl_grads)
    for mine, reference in zip(grads, trl_grads):
        torch.testing.assert_close(mine, reference)
