"""The canonical conversation form every dataset format is read into.

One `Example` per row of the input file. Chat rows carry `messages`; raw-text rows (continual
pretraining) carry `text`. Every example remembers the file and the 1-based line it came from so
that any later message (lint finding, tokenisation error) can point the user at it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Role = Literal["system", "user", "assistant", "tool"]
ROLES: tuple[str, ...] = ("system", "user", "assistant", "tool")
FORMATS: tuple[str, ...] = ("openai", "alpaca", "sharegpt", "conversation", "text")


@dataclass
class Message:
    role: str
    content: str
    # The per-message training weight: OpenAI's `weight` (0 or 1) or LLaMA-Factory v1's `loss_weight`
    # (a number >= 0; 0 = do not train on this assistant turn). None = default (train). A v1 prompt
    # turn's `loss_weight: 0` (v1 writes it on every non-assistant turn) is the default and reads as None.
    weight: float | None = None
    # Tool calls made by an assistant turn, in OpenAI's form: [{"id"?, "type": "function", "function":
    # {"name", "arguments": JSON text}}]. OpenAI `tool_calls` are kept as given; ShareGPT `function_call`
    # turns and LLaMA-Factory v1 `tool_call` parts ({"name", "arguments"}) are converted to this form
    # (their `content` is then ""). A ShareGPT function_call that is not valid JSON stays text in `content`.
    tool_calls: list[dict[str, Any]] | None = None
    name: str | None = None
    # OpenAI `tool_call_id` of a tool result (links it to the assistant's call).
    tool_call_id: str | None = None
    # The role as the file spelled it when it differs from `role` (ShareGPT `function_call`,
    # `observation`, `human`...). Lets lint check ShareGPT's own order rules and lets converters
    # write a ShareGPT function call back as a call rather than as plain assistant text.
    source_role: str | None = None
    # An assistant's reasoning trace, however the file gave it (a `reasoning_content` field, LLaMA-Factory
    # v1 `reasoning` parts, or `<think>...</think>` at the start of the content, lifted out of `content`).
    # None = the turn has no reasoning. The chat template decides how it is rendered (Qwen3-style
    # templates read `reasoning_content`).
    reasoning: str | None = None

    def to_template_dict(self) -> dict[str, Any]:
        """The dict handed to `tokenizer.apply_chat_template` (no tunewiz-only keys)."""
        out: dict[str, Any] = {"role": self.role, "content": self.content}
        if self.reasoning is not None:
            out["reasoning_content"] = self.reasoning
        if self.tool_calls:
            out["tool_calls"] = self.tool_calls
        if self.name:
            out["name"] = self.name
        if self.tool_call_id:
            out["tool_call_id"] = self.tool_call_id
        return out


@dataclass
class Example:
    source: str
    line: int | None
    messages: list[Message] | None = None
    text: str | None = None
    tools: list[dict[str, Any]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Media the row carries that a text model cannot train on, as (field, kind): kind is "image",
    # "audio", "video" or "file" (OpenAI `image_url` / `input_audio` / `file` parts, LLaMA-Factory v1
    # `image_url` / `video_url` / `audio_url` parts, LLaMA-Factory's `images` / `videos` / `audios`
    # columns). Training uses only the text; lint warns (`multimodal`) so nothing is dropped silently.
    media: list[tuple[str, str]] = field(default_factory=list)

    @property
    def is_chat(self) -> bool:
        return self.messages is not None

    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source

    def trains_on(self, message: Message) -> bool:
        """Whether `message` is a training target under assistant-only loss."""
        return message.role == "assistant" and (message.weight is None or message.weight > 0)


@dataclass
class PreferencePair:
    """One preference example (DPO), whatever format it came in: a shared prompt (the conversation up to
    the answer, system and tools included) and the two answers. `chosen` / `rejected` are the assistant
    turns of each side (usually one message each; several when a side continues with tool calls)."""
    source: str
    line: int | None
    prompt: list[Message]
    chosen: list[Message]
    rejected: list[Message]
    tools: list[dict[str, Any]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source


@dataclass
class Problem:
    """Something wrong with an input, said so that a user can find and fix it."""
    source: str
    line: int | None
    field: str | None
    message: str
    # Stable lint code (docs/lint-codes.md) and severity, so readers and the linter share one
    # vocabulary. Readers only report rows they could not read, hence "error" by default.
    code: str | None = None
    severity: str = "error"
    # The message as a coded engine message (engine/messages.py: `lint.<code>[.<variant>]` and its raw
    # params), so the TUI can say it in the user's language; None where only the English exists.
    message_code: str | None = None
    params: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.message, str):   # an EngineMessage: keep its code and params beside the English
            m = self.message
            self.message, self.params, self.message_code = m.text, dict(m.params), m.code

    @classmethod
    def of(cls, source: str, line: int | None, field: str | None, msg: Any, code: str | None = None,
           severity: str = "error") -> "Problem":
        """A problem whose message is an EngineMessage (or plain English text)."""
        if isinstance(msg, str):
            return cls(source, line, field, msg, code=code, severity=severity)
        return cls(source, line, field, msg.text, code=code, severity=severity, message_code=msg.code,
                   params=msg.params)

    def engine_message(self) -> Any:
        """The message as an EngineMessage when it has a code, else the English text."""
        if self.message_code is None:
            return self.message
        from engine.messages import EngineMessage
        return EngineMessage(self.message_code, dict(self.params or {}), self.message)

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.field + ': ' if self.field else ''}{self.message}"
