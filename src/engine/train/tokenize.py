"""Turns canonical examples into `input_ids` + `assistant_masks` with the model's own chat template.

TRL's `assistant_only_loss` needs `{% generation %}` markers that most chat templates (SmolLM2,
Qwen2.5, Llama-3) lack, so tunewiz computes the mask itself, for any template: the characters of
assistant turn i are those between the rendering of `messages[:i]` with the generation prompt and
the rendering of `messages[:i+1]`. That span includes the turn's end-of-turn token, so the model
learns to stop. Tokens whose characters fall in a span get mask 1 (every assistant turn of a
multi-turn conversation is trained). TRL then turns the mask into labels and packs if asked.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from engine.data.canonical import Example

# Used only when a model ships no chat template (base checkpoints such as Llama-3-8B).
CHATML_TEMPLATE = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + "
    "'<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


@dataclass
class TokenizedSet:
    rows: list[dict[str, list[int]]] = field(default_factory=list)
    truncated: int = 0          # examples longer than max_length (their tail was cut)
    chunked: int = 0            # raw texts split into several max_length pieces (nothing lost)
    no_target: int = 0          # examples with no trainable token left (dropped)
    template_fallbacks: int = 0  # examples whose template did not render prefixes consistently
    tokens: int = 0             # tokens kept (all rows)
    target_tokens: int = 0      # tokens that carry loss

    def summary(self) -> str:
        parts = [f"{len(self.rows)} sequences, {self.tokens} tokens ({self.target_tokens} with loss)"]
        if self.truncated:
            parts.append(f"{self.truncated} truncated at max_length")
        if self.chunked:
            parts.append(f"{self.chunked} long texts split into max_length chunks")
        if self.no_target:
            parts.append(f"{self.no_target} dropped: no assistant token left to learn from")
        return "; ".join(parts)


def ensure_chat_template(tokenizer: Any) -> bool:
    """Gives a template-less tokenizer ChatML. Returns True when it had to."""
    if getattr(tokenizer, "chat_template", None):
        return False
    tokenizer.chat_template = CHATML_TEMPLATE
    return True


def _render(tokenizer: Any, messages: list[dict], tools: Any, generation_prompt: bool) -> str:
    if not messages:
        return ""
    return tokenizer.apply_chat_template(messages, tools=tools or None, tokenize=False,
                                         add_generation_prompt=generation_prompt)


def chat_spans(tokenizer: Any, example: Example, train_on: str) -> tuple[str, list[tuple[int, int]], bool]:
    """Renders an example; returns (text, character spans that carry loss, used_fallback)."""
    messages = [m.to_template_dict() for m in example.messages or []]
    full = _render(tokenizer, messages, example.tools, False)
    if train_on == "all":
        return full, [(0, len(full))], False
    spans: list[tuple[int, int]] = []
    fallback = False
    cursor = 0
    for i, message in enumerate(example.messages or []):
        if not example.trains_on(message):
            continue
        start_text = _render(tokenizer, messages[:i], example.tools, True)
        end_text = _render(tokenizer, messages[: i + 1], example.tools, False)
        if full.startswith(start_text) and full.startswith(end_text) and len(end_text) > len(start_text):
            spans.append((len(start_text), len(end_text)))
            cursor = len(end_text)
            continue
        # Some templates rewrite earlier turns depending on what follows (e.g. drop reasoning);
        # then find the assistant text itself after the previous span.
        fallback = True
        found = full.find(message.content, cursor)
        if found >= 0:
            spans.append((found, found + len(message.content)))
            cursor = found + len(message.content)
    return full, spans, fallback


def _mask_from_offsets(offsets: list[tuple[int, int]], spans: list[tuple[int, int]]) -> list[int]:
    mask = [0] * len(offsets)
    if not spans:
        return mask
    span_index = 0
    for token_index, (start, end) in enumerate(offsets):
        if end <= start:  # special tokens added by the tokenizer have empty offsets
            continue
        while span_index < len(spans) and spans[span_index][1] <= start:
            span_index += 1
        if span_index == len(spans):
            break
        span_start, span_end = spans[span_index]
        if start < span_end and end > span_start:
            mask[token_index] = 1
    return mask


def tokenize_examples(tokenizer: Any, examples: Iterable[Example], max_length: int, train_on: str = "assistant",
                      chunk_text: bool = True, batch_size: int = 256) -> TokenizedSet:
    """Tokenizes chat examples (with assistant masks) and raw texts (loss on every token).

    Chat examples longer than `max_length` are truncated (and counted). Raw texts are split into
    `max_length` chunks instead when `chunk_text` (continual pretraining should lose nothing).
    """
    result = TokenizedSet()
    pending: list[tuple[str, list[tuple[int, int]], bool]] = []

    def flush() -> None:
        if not pending:
            return
        encoded = tokenizer([p[0] for p in pending], add_special_tokens=False, return_offsets_mapping=True)
        for (text, spans, is_raw), ids, offsets in zip(pending, encoded["input_ids"], encoded["offset_mapping"]):
            mask = _mask_from_offsets(offsets, spans)
            if is_raw:
                if tokenizer.eos_token_id is not None:
                    ids, mask = ids + [tokenizer.eos_token_id], mask + [1]
                pieces = [(ids[i:i + max_length], mask[i:i + max_length]) for i in range(0, len(ids), max_length)]
                if len(pieces) > 1:
                    if chunk_text:
                        result.chunked += 1
                    else:
                        result.truncated += 1
                        pieces = pieces[:1]
            else:
                if len(ids) > max_length:
                    result.truncated += 1
                    ids, mask = ids[:max_length], mask[:max_length]
                pieces = [(ids, mask)]
            for piece_ids, piece_mask in pieces:
                if not any(piece_mask):
                    result.no_target += 1
                    continue
                result.rows.append({"input_ids": list(piece_ids), "assistant_masks": list(piece_mask)})
                result.tokens += len(piece_ids)
                result.target_tokens += sum(piece_mask)
        pending.clear()

    for example in examples:
        if example.is_chat:
            text, spans, fallback = chat_spans(tokenizer, example, train_on)
            result.template_fallbacks += int(fallback)
            pending.append((text, spans, False))
        else:
            text = example.text or ""
            pending.append((text, [(0, len(text))], True))
        if len(pending) >= batch_size:
            flush()
    flush()
    return result
