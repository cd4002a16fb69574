"""An Ollama Modelfile for an exported model, derived from the model's own chat template.

Nothing here guesses from the model's name. `derive_pieces` renders the Jinja chat template
(tokenizer.apply_chat_template) on sentinel conversations and cuts the text around the sentinels into
pieces: what opens and closes a system, user and assistant turn, what the template puts first when there
is no system message (a default system prompt, a BOS token), and the generation prompt, rendered with the
thinking setting the run recorded (off: Qwen3-style templates add an empty `<think></think>` block; on:
whatever the template renders, `<think>` included). `assemble` is the same assembly in Python; it is
checked against the Jinja rendering of several conversations, and a template the pieces cannot reproduce
raises `OllamaTemplateError` with a code and params instead of writing a wrong Modelfile.

`go_template` writes the pieces as an Ollama TEMPLATE (Go text/template over .Messages, with a
.System / .Prompt / .Response branch for the legacy generate path). Every piece is a Go string literal
action and every structural action trims the template's own line breaks, so only the pieces reach the
prompt. `stop_tokens` takes the end-of-turn token(s): the special tokens that close an assistant turn plus
the tokenizer's and generation_config's eos tokens (`<|im_end|>`, `<|eot_id|>`, `<end_of_turn>`, ...), so
the model stops where it was trained to.

Not translated (said in `notices`): tool schemas and tool calls (Ollama's .Tools / .ToolCalls are JSON
that Go writes differently from Jinja's `tojson`), and reasoning in history turns (Ollama passes an
assistant's `<think>` text back as content; the Jinja template may drop it from older turns).

Nothing here imports torch or textual; the tokenizer is handed in.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from engine.messages import english
from engine.run_model import ModelLoadError

# Stable codes of what can go wrong or be noted (OllamaTemplateError.code, OllamaResult.notices).
RENDER_FAILED = "ollama.template-render-failed"      # params: conversation, error
NO_SENTINEL = "ollama.template-drops-content"        # params: role (the template did not render the content)
NOT_SEPARABLE = "ollama.template-not-separable"      # params: part, expected, found
MISMATCH = "ollama.template-mismatch"                # params: conversation, position, jinja, modelfile
NO_STOP = "ollama.no-end-of-turn-token"              # params: assistant_suffix
TRIPLE_QUOTE = "ollama.template-has-triple-quote"    # params: {}
TOOLS_NOT_TRANSLATED = "ollama.tools-not-translated"  # notice; params: {}

_S, _U1, _A1, _U2, _A2, _U3 = ("TWSYSa7f3", "TWUSRb1c9", "TWASTc4d2", "TWUSRd8e5", "TWASTe2f6", "TWUSRf5a1")


class OllamaTemplateError(ModelLoadError):
    """The chat template cannot be written as a faithful Ollama TEMPLATE; `code` and `params` say why."""

    def __init__(self, code: str, params: dict[str, Any], message_code: str | None = None) -> None:
        self.message_code = message_code or code   # the registry's text (engine/export_messages.py)
        super().__init__(english(self.message_code, params), english(f"{self.message_code}.advice", params))
        self.code = code
        self.params = params


@dataclass
class ChatPieces:
    """The literal text a chat template puts around each turn (see the module docstring)."""
    head: str            # before the first message when it is not a system message (default system, BOS)
    system_prefix: str
    system_suffix: str
    user_prefix: str
    user_suffix: str
    assistant_prefix: str
    assistant_suffix: str
    generation_prompt: str  # after the last message when the model is to answer
    enable_thinking: bool | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _render(tokenizer: Any, messages: list[dict[str, str]], generation: bool, thinking: bool | None,
            name: str) -> str:
    extra = {} if thinking is None else {"enable_thinking": thinking}
    try:
        return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=generation, **extra)
    except Exception as exc:  # noqa: BLE001 - a template raises what it likes (TemplateError, ValueError...)
        raise OllamaTemplateError(
            RENDER_FAILED, {"conversation": name, "error": str(exc).splitlines()[0] if str(exc) else type(exc).__name__}
        ) from None


def _between(text: str, start: str | None, end: str | None, part: str) -> str:
    begin = 0 if start is None else text.find(start)
    if begin < 0:
        raise OllamaTemplateError(NO_SENTINEL, {"role": part})
    begin = 0 if start is None else begin + len(start)
    if end is None:
        return text[begin:]
    stop = text.find(end, begin)
    if stop < 0:
        raise OllamaTemplateError(NO_SENTINEL, {"role": part})
    return text[begin:stop]


def _strip_prefix(text: str, prefix: str, part: str) -> str:
    if not text.startswith(prefix):
        raise OllamaTemplateError(NOT_SEPARABLE, {"part": part, "expected": prefix, "found": text},
                                  f"{NOT_SEPARABLE}.prefix")
    return text[len(prefix):]


def _strip_suffix(text: str, suffix: str, part: str) -> str:
    if not text.endswith(suffix):
        raise OllamaTemplateError(NOT_SEPARABLE, {"part": part, "expected": suffix, "found": text})
    return text[:len(text) - len(suffix)] if suffix else text


def derive_pieces(tokenizer: Any, thinking: bool | None) -> ChatPieces:
    """Cuts the template's rendering of sentinel conversations into ChatPieces (raises OllamaTemplateError)."""
    user = lambda text: {"role": "user", "content": text}  # noqa: E731
    assistant = lambda text: {"role": "assistant", "content": text}  # noqa: E731
    talk = _render(tokenizer, [user(_U1), assistant(_A1), user(_U2), assistant(_A2), user(_U3)], False, thinking,
                   "multi-turn")
    closed = _render(tokenizer, [user(_U1), assistant(_A1), user(_U2), assistant(_A2)], False, thinking,
                     "ending with an answer")
    with_system = _render(tokenizer, [{"role": "system", "content": _S}, user(_U1)], False, thinking, "system")
    asked = _render(tokenizer, [user(_U1)], False, thinking, "one question")
    prompted = _render(tokenizer, [user(_U1)], True, thinking, "generation prompt")

    user_suffix = _between(talk, _U3, None, "user")
    assistant_prefix = _strip_prefix(_between(talk, _U1, _A1, "assistant"), user_suffix, "assistant prefix")
    assistant_suffix = _between(closed, _A2, None, "assistant")
    user_prefix = _strip_prefix(_between(talk, _A1, _U2, "user"), assistant_suffix, "user prefix")
    head = _strip_suffix(_between(talk, None, _U1, "user"), user_prefix, "start")
    system_prefix = _between(with_system, None, _S, "system")
    system_suffix = _strip_suffix(_between(with_system, _S, _U1, "system"), user_prefix, "system suffix")
    generation_prompt = _strip_prefix(prompted, asked, "generation prompt")
    pieces = ChatPieces(head, system_prefix, system_suffix, user_prefix, user_suffix, assistant_prefix,
                        assistant_suffix, generation_prompt, thinking)
    check(tokenizer, pieces)
    return pieces


def assemble(pieces: ChatPieces, messages: list[dict[str, str]]) -> str:
    """The prompt the Modelfile TEMPLATE renders for `messages` (Ollama's Messages path), in Python. The last
    assistant message stays open (Ollama continues it); otherwise the generation prompt follows."""
    out = [] if messages and messages[0]["role"] == "system" else [pieces.head]
    for index, message in enumerate(messages):
        role, content, last = message["role"], message["content"], index == len(messages) - 1
        if role == "system":
            out += [pieces.system_prefix, content, pieces.system_suffix]
        elif role == "user":
            out += [pieces.user_prefix, content, pieces.user_suffix]
        elif role == "assistant":
            out += [pieces.assistant_prefix, content, "" if last else pieces.assistant_suffix]
    if not messages or messages[-1]["role"] != "assistant":
        out.append(pieces.generation_prompt)
    return "".join(out)


# Conversations the pieces must reproduce exactly (each ends with a user turn and the generation prompt, as
# Ollama renders a chat request). Plain words, newlines and CJK, no sentinels.
PROBES: dict[str, list[dict[str, str]]] = {
    "one question": [{"role": "user", "content": "Where is my parcel?"}],
    "system": [{"role": "system", "content": "You are the support desk.\nBe brief."},
               {"role": "user", "content": "Where is my parcel?"}],
    "multi-turn": [{"role": "system", "content": "You answer in one line."},
                   {"role": "user", "content": "Hello"}, {"role": "assistant", "content": "Hi! How can I help?"},
                   {"role": "user", "content": "我的包裹在哪里？"},
                   {"role": "assistant", "content": "It left the depot.\nTomorrow."},
                   {"role": "user", "content": "Thanks"}],
    "no system, two turns": [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"},
                             {"role": "user", "content": "c"}],
}


def jinja_prompt(tokenizer: Any, messages: list[dict[str, str]], thinking: bool | None) -> str:
    """The Jinja template's prompt for a chat request (generation prompt on)."""
    return _render(tokenizer, messages, True, thinking, "probe")


def check(tokenizer: Any, pieces: ChatPieces) -> None:
    """Raises OllamaTemplateError(MISMATCH) when the pieces render any probe differently from the Jinja template."""
    for name, messages in PROBES.items():
        want = _render(tokenizer, messages, True, pieces.enable_thinking, name)
        got = assemble(pieces, messages)
        if got != want:
            at = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
            params = {"conversation": name, "position": at, "jinja": want[max(0, at - 20):at + 40],
                      "modelfile": got[max(0, at - 20):at + 40]}
            raise OllamaTemplateError(MISMATCH, params)


def _lit(text: str) -> str:
    """A Go template action printing `text` (empty for empty text)."""
    return "{{ " + json.dumps(text, ensure_ascii=False) + " }}" if text else ""


def go_template(pieces: ChatPieces) -> str:
    """The Ollama TEMPLATE (Go text/template) that renders like `assemble` (Messages path) and, for the
    legacy generate path, .System / .Prompt / .Response."""
    p = pieces
    return "\n".join([
        "{{- if .Messages }}",
        "{{- if ne (index .Messages 0).Role \"system\" }}" + _lit(p.head) + "{{ end }}",
        "{{- range $i, $m := .Messages }}",
        "{{- $last := eq (len (slice $.Messages $i)) 1 }}",
        "{{- if eq .Role \"system\" }}" + _lit(p.system_prefix) + "{{ .Content }}" + _lit(p.system_suffix),
        "{{- else if eq .Role \"user\" }}" + _lit(p.user_prefix) + "{{ .Content }}" + _lit(p.user_suffix),
        "{{- else if eq .Role \"assistant\" }}" + _lit(p.assistant_prefix) + "{{ .Content }}"
        + "{{ if not $last }}" + _lit(p.assistant_suffix) + "{{ end }}",
        "{{- end }}",
        "{{- if and $last (ne .Role \"assistant\") }}" + _lit(p.generation_prompt) + "{{ end }}",
        "{{- end }}",
        "{{- else }}",
        "{{- if .System }}" + _lit(p.system_prefix) + "{{ .System }}" + _lit(p.system_suffix)
        + "{{ else }}" + _lit(p.head) + "{{ end }}",
        "{{- if .Prompt }}" + _lit(p.user_prefix) + "{{ .Prompt }}" + _lit(p.user_suffix) + "{{ end }}",
        "{{- " + json.dumps(p.generation_prompt, ensure_ascii=False) + " }}{{ .Response }}"
        + "{{ if .Response }}" + _lit(p.assistant_suffix) + "{{ end }}",
        "{{- end }}",
    ])


def _token_text(tokenizer: Any, token_id: Any) -> str | None:
    try:
        text = tokenizer.convert_ids_to_tokens(int(token_id))
    except (TypeError, ValueError, IndexError):
        return None
    return text if isinstance(text, str) and text else None


def stop_tokens(tokenizer: Any, pieces: ChatPieces, eos_ids: list[int] | None = None) -> list[str]:
    """The end-of-turn token(s): the special tokens in the assistant suffix, then the eos token(s) of the
    tokenizer and generation_config (`eos_ids`). Raises NO_STOP when there are none."""
    specials = sorted({str(t) for t in getattr(tokenizer, "all_special_tokens", [])} |
                      {str(getattr(t, "content", t)) for t in getattr(tokenizer, "added_tokens_decoder", {}).values()},
                      key=len, reverse=True)
    stops: list[str] = []
    rest = pieces.assistant_suffix
    for token in specials:
        if token and token in rest:
            stops.append(token)
            rest = rest.replace(token, "")
    stops.sort(key=pieces.assistant_suffix.find)
    if not stops and pieces.assistant_suffix.strip():
        stops.append(pieces.assistant_suffix.strip())
    candidates = [getattr(tokenizer, "eos_token", None)] + [_token_text(tokenizer, i) for i in (eos_ids or [])]
    for token in candidates:
        if token and token not in stops:
            stops.append(str(token))
    if not stops:
        raise OllamaTemplateError(NO_STOP, {"assistant_suffix": pieces.assistant_suffix})
    return stops


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


@dataclass
class Modelfile:
    text: str
    template: str
    stops: list[str]
    pieces: ChatPieces
    notices: list[dict[str, Any]] = field(default_factory=list)


def modelfile(tokenizer: Any, source: str, thinking: bool | None, eos_ids: list[int] | None = None,
              tools: bool = False) -> Modelfile:
    """The Modelfile for the model at `source` (the FROM line as given, e.g. "./model")."""
    pieces = derive_pieces(tokenizer, thinking)
    template = go_template(pieces)
    if '"""' in template:
        raise OllamaTemplateError(TRIPLE_QUOTE, {})
    stops = stop_tokens(tokenizer, pieces, eos_ids)
    notices = []
    if tools:
        notices.append({"code": TOOLS_NOT_TRANSLATED, "params": {}, "message": english(TOOLS_NOT_TRANSLATED)})
    lines = [f"# Made by tunewiz from the model's own chat template (enable_thinking="
             f"{'unset' if thinking is None else str(thinking).lower()}).",
             f"FROM {source}", "", f'TEMPLATE """{template}"""', ""]
    lines += [f"PARAMETER stop {_quote(stop)}" for stop in stops]
    return Modelfile("\n".join(lines) + "\n", template, stops, pieces, notices)


def create_command(name: str, modelfile_path: str | Path) -> str:
    return f"ollama create {name} -f {modelfile_path}"


__all__ = ["ChatPieces", "OllamaTemplateError", "Modelfile", "derive_pieces", "assemble", "check", "go_template",
           "stop_tokens", "modelfile", "create_command", "jinja_prompt", "PROBES"]
