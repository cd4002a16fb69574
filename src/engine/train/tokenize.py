"""Turns canonical examples into `input_ids` + `assistant_masks` with the model's own chat template.

TRL's `assistant_only_loss` needs `{% generation %}` markers that most chat templates (SmolLM2,
Qwen2.5, Llama-3) lack, so tunewiz computes the mask itself, for any template: the characters of
assistant turn i are those between the rendering of `messages[:i]` with the generation prompt and
the rendering of `messages[:i+1]`. That span includes the turn's reasoning (when thinking is on),
its tool calls and its end-of-turn token, so the model learns to think, call and stop. Tokens whose
characters fall in a span get mask 1 (every assistant turn with weight > 0 is trained; tool results,
user and system turns, and weight-0 turns are not). TRL then turns the mask into labels and packs if
asked. Templates that render earlier turns differently (Qwen3) are handled in `render_chat`.
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
    template_fallbacks: int = 0  # examples whose generation prompt differs from how the template opens a turn
    split: int = 0              # conversations trained as several sequences (the template rewrites history)
    tokens: int = 0             # tokens kept (all rows)
    target_tokens: int = 0      # tokens that carry loss

    def summary(self) -> str:
        parts = [f"{len(self.rows)} sequences, {self.tokens} tokens ({self.target_tokens} with loss)"]
        if self.truncated:
            parts.append(f"{self.truncated} truncated at max_length")
        if self.chunked:
            parts.append(f"{self.chunked} long texts split into max_length chunks")
        if self.split:
            parts.append(f"{self.split} conversations trained as one sequence per turn group, because the chat "
                         "template renders earlier turns differently (e.g. drops their reasoning)")
        if self.no_target:
            parts.append(f"{self.no_target} dropped: no assistant token left to learn from")
        return "; ".join(parts)


def ensure_chat_template(tokenizer: Any) -> bool:
    """Gives a template-less tokenizer ChatML. Returns True when it had to."""
    if getattr(tokenizer, "chat_template", None):
        return False
    tokenizer.chat_template = CHATML_TEMPLATE
    return True


def _common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    while i < n and a[i] == b[i]:
        i += 1
    return i


@dataclass
class ChatRendering:
    """One conversation as the sequences it trains: (text, character spans that carry loss) each."""
    sequences: list[tuple[str, list[tuple[int, int]]]]
    fallback: bool = False      # some turn's rendering did not extend the generation prompt (spans approximated)

    @property
    def split(self) -> bool:
        return len(self.sequences) > 1


def render_chat(tokenizer: Any, example: Example, train_on: str = "assistant",
                enable_thinking: bool | None = None) -> ChatRendering:
    """Renders an example and finds the characters every trained assistant turn contributes.

    Turn i's span is what the template renders for it when it is the newest turn: the text between
    the rendering of `messages[:i]` with the generation prompt and the rendering of `messages[:i+1]`
    (its reasoning, tool calls and end-of-turn token included). Where the whole conversation renders
    that turn differently (Qwen3 drops the reasoning of turns before the last user query, and renders
    an empty `<think></think>` only in the newest turn), the turn is trained in a sequence of its own:
    the conversation up to it, as the template renders it then. Turns rendered alike share a sequence,
    so a template that never rewrites history (ChatML, Llama-3) gives one sequence per conversation.
    A template's refusal (its `raise_exception`) is a TrainingError naming the row's file and line.
    """
    try:
        return _render_chat(tokenizer, example, train_on, enable_thinking)
    except Exception as exc:  # noqa: BLE001 - jinja2 errors, TypeError/KeyError from the template's own code
        from engine.train.errors import coded_failure
        detail = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise coded_failure("template-rejects-row", where=example.where(), detail=detail) from None


def _render_chat(tokenizer: Any, example: Example, train_on: str, enable_thinking: bool | None) -> ChatRendering:
    from engine.train.template import render, template_messages

    thinking = bool(enable_thinking)
    messages = template_messages(example.messages or [], thinking)
    tools = example.tools
    full = render(tokenizer, messages, tools, False, enable_thinking)
    if train_on == "all":
        return ChatRendering([(full, [(0, len(full))])])
    sequences: list[tuple[str, list[tuple[int, int]]]] = []
    text, spans = full, []
    fallback = False
    for i in reversed(range(len(messages))):
        if not example.trains_on((example.messages or [])[i]):
            continue
        start_text = render(tokenizer, messages[:i], tools, True, enable_thinking)
        end_text = render(tokenizer, messages[: i + 1], tools, False, enable_thinking)
        start = len(start_text)
        if not end_text.startswith(start_text):
            # The generation prompt is not how this template opens a rendered turn: the turn starts
            # where the two renderings part.
            fallback = True
            start = _common_prefix(start_text, end_text)
        if len(end_text) <= start:
            continue
        if not text.startswith(end_text):
            if spans:
                sequences.append((text, spans))
            text, spans = end_text, []
        spans.append((start, len(end_text)))
    if spans:
        sequences.append((text, spans))
    sequences.reverse()
    for _, found in sequences:
        found.reverse()
    return ChatRendering(sequences or [(full, [])], fallback)


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
                      chunk_text: bool = True, batch_size: int = 256,
                      enable_thinking: bool | None = None) -> TokenizedSet:
    """Tokenizes chat examples (with assistant masks) and raw texts (loss on every token).

    Chat examples longer than `max_length` are truncated (and counted). Raw texts are split into
    `max_length` chunks instead when `chunk_text` (continual pretraining should lose nothing).
    `enable_thinking` (the run's resolved setting, engine.train.template.setup_run): reasoning traces
    are rendered and trained when True and left out when False; the template receives the flag too.
    None decides as RunConfig does: on when any of these examples has a reasoning trace.
    """
    if enable_thinking is None:
        from engine.train.template import data_traits, resolve
        examples = list(examples)
        enable_thinking = resolve(None, data_traits(examples))
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
            rendering = render_chat(tokenizer, example, train_on, enable_thinking)
            result.template_fallbacks += int(rendering.fallback)
            result.split += int(rendering.split)
            pending.extend((text, spans, False) for text, spans in rendering.sequences)
        else:
            text = example.text or ""
            pending.append((text, [(0, len(text))], True))
        if len(pending) >= batch_size:
            flush()
    flush()
    return result
