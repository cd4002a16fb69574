"""Attention for packed rows without flash-attention: each packed sequence attends on its own.

A packed row holds several sequences (their position ids restart at 0). With SDPA and a
block-diagonal mask the kernel still computes every query against every key of the row and masks
most of it away: a 1,024-token row of three 340-token sequences costs ~3x the attention it needs,
and a masked kernel cannot use the causal fast path. Here the row is cut at its sequence starts and
each piece goes through SDPA with `is_causal=True` alone, as flash-attention's varlen kernels do
natively. Same numbers as the mask (tests/test_packing.py), a fraction of the work.

It is registered with transformers' AttentionInterface under `ATTENTION_NAME` (with SDPA's mask
builder) and only used when tunewiz packs; batches that are not packed, and generation with a
cache, go through plain SDPA unchanged. The transformers names it relies on are checked first
(engine/upstream.py, "transformers.attention_interface").
"""
from __future__ import annotations

from typing import Any

ATTENTION_NAME = "tunewiz_packed_sdpa"


# Every layer of one forward pass gets the same position_ids tensor: the cuts are computed once for
# it (on a GPU, `.tolist()` is a device-to-host sync; once a forward, not once a layer).
_last_cuts: tuple[Any, list[list[tuple[int, int]]] | None] | None = None


def _segments(position_ids: Any) -> list[list[tuple[int, int]]] | None:
    """Per row, the (start, end) of each run of consecutive positions; None when no row is packed."""
    global _last_cuts
    if _last_cuts is not None and _last_cuts[0] is position_ids:
        return _last_cuts[1]
    rows = _find_segments(position_ids)
    _last_cuts = (position_ids, rows)
    return rows


def _find_segments(position_ids: Any) -> list[list[tuple[int, int]]] | None:
    import torch
    starts = torch.diff(position_ids, dim=-1, prepend=position_ids[:, :1] - 1) != 1
    if not bool(starts.any()):
        return None
    starts[:, 0] = True
    batch, length = position_ids.shape
    cuts: list[list[int]] = [[] for _ in range(batch)]
    for row, column in starts.nonzero().tolist():  # one transfer for the whole batch
        cuts[row].append(column)
    return [list(zip(row, row[1:] + [length])) for row in cuts]


def packed_sdpa_attention(module: Any, query: Any, key: Any, value: Any, attention_mask: Any, dropout: float = 0.0,
                          scaling: float | None = None, **kwargs: Any) -> tuple[Any, None]:
    import torch
    from transformers.integrations.sdpa_attention import sdpa_attention_forward

    position_ids = kwargs.pop("position_ids", None)
    rows = None
    if (position_ids is not None and position_ids.dim() == 2 and query.shape[2] == key.shape[2] == position_ids.shape[-1]
            and position_ids.shape[0] == query.shape[0]):
        rows = _segments(position_ids)
    if rows is None:
        return sdpa_attention_forward(module, query, key, value, attention_mask, dropout=dropout, scaling=scaling,
                                      **kwargs)
    # torch.split, not slicing: the backward of a split is one concatenation, while each slice's
    # backward would fill a zero tensor the size of the whole batch (per piece, per layer).
    outputs = []
    for q_row, k_row, v_row, segments in zip(query.split(1), key.split(1), value.split(1), rows):
        lengths = [end - start for start, end in segments]
        pieces = [sdpa_attention_forward(module, q, k, v, None, dropout=dropout, scaling=scaling, is_causal=True,
                                         **kwargs)[0]
                  for q, k, v in zip(q_row.split(lengths, dim=2), k_row.split(lengths, dim=2), v_row.split(lengths, dim=2))]
        outputs.append(torch.cat(pieces, dim=1))  # [1, L, heads, head_dim]
    return torch.cat(outputs, dim=0), None


def register() -> str:
    """Makes `ATTENTION_NAME` a valid attn_implementation (idempotent); returns the name."""
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, sdpa_mask
    AttentionInterface.register(ATTENTION_NAME, packed_sdpa_attention)
    AttentionMaskInterface.register(ATTENTION_NAME, sdpa_mask)
    return ATTENTION_NAME


def use_packed_sdpa(model: Any) -> bool:
    """Switches a model that uses SDPA to the packed variant. False (and unchanged) for any other
    attention (eager, flash, remote-code models that do not use transformers' attention interface),
    and where transformers' names no longer look as used here (upstream.py says why)."""
    from engine import upstream
    if upstream.mismatch("transformers.attn_implementation") or upstream.mismatch("transformers.attention_interface"):
        return False
    config = getattr(model, "config", None)
    if getattr(config, "_attn_implementation", None) != "sdpa":
        return False
    register()
    try:
        model.set_attn_implementation(ATTENTION_NAME)
    except (ValueError, AttributeError, TypeError):
        return False
    return getattr(model.config, "_attn_implementation", None) == ATTENTION_NAME
