"""What a model's chat template does with reasoning and tools, found by trying it, and the run's record
of how training rendered its data (so chat and export render the same way).

A template's abilities are never assumed from the model's name: `probe_template` renders small probe
conversations and looks at the text. A template that drops `reasoning_content` (ChatML, Qwen2.5,
Llama-3) cannot train reasoning traces; a template whose generation prompt does not change with
`enable_thinking` has no thinking switch (Qwen3's adds an empty `<think></think>` when it is false).

Training resolves the thinking setting once per run (`RunConfig.enable_thinking`; None = on when the
data has reasoning traces), renders every example with it, and writes `chat_template.json` into the
run directory (`runs.RENDER_FILE`, fields in `RenderRecord`). `engine.chat.local` and `engine.export`
read it back: the chat pane, `tunewiz chat` and the exported tokenizer render with the same setting.

Nothing here imports torch or transformers (the tokenizer is handed in).
"""
from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, TypedDict

from engine import runs

REASONING_PROBE = "tunewiz-reasoning-probe-7f3a"
TOOL_PROBE = "tunewiz_probe_tool"
CALL_PROBE = "tunewiz_probe_call"

# Codes of the render notices (train.log / `log` events and `RenderRecord.notices`), stable for readers.
DROPS_REASONING = "template-drops-reasoning"
THINKING_OFF = "thinking-off-drops-reasoning"
DROPS_TOOLS = "template-drops-tools"
DROPS_TOOL_CALLS = "template-drops-tool-calls"


@dataclass(frozen=True)
class TemplateAbilities:
    """What the template renders, found by rendering probes (`probe_template`)."""
    reasoning: bool        # an assistant turn's `reasoning_content` appears (in the newest turn at least)
    thinking_switch: bool  # `enable_thinking` changes the generation prompt (Qwen3-style)
    tools: bool            # schemas passed as `tools=` appear in the prompt
    tool_calls: bool       # an assistant turn's `tool_calls` appear


class RenderRecord(TypedDict, total=False):
    """`<run>/chat_template.json`: how training rendered the conversations. Written once per start by the
    trainer (rank 0); read by chat and export. Fields may be missing in a file from another version."""
    enable_thinking: bool          # the thinking setting every conversation was rendered with (resolved)
    requested: bool | None         # RunConfig.enable_thinking as given (None = decided from the data)
    examples_with_reasoning: int   # conversations with at least one reasoning trace
    reasoning_trained: bool        # reasoning traces are in the trained tokens (thinking on and rendered)
    supports_reasoning: bool       # TemplateAbilities.reasoning
    thinking_switch: bool          # TemplateAbilities.thinking_switch
    supports_tools: bool           # TemplateAbilities.tools
    supports_tool_calls: bool      # TemplateAbilities.tool_calls
    template_sha256: str           # template_hash() of the template training used
    template_source: str           # "model" (its own) or "chatml" (tunewiz's fallback for template-less models)
    notices: list[dict[str, Any]]  # {"code", "level", "message", "params"} as logged at the start


def template_text(tokenizer: Any) -> str:
    template = getattr(tokenizer, "chat_template", None) or ""
    return template if isinstance(template, str) else json.dumps(template, sort_keys=True)


def template_hash(tokenizer: Any) -> str:
    """sha256 of the tokenizer's chat template (a dict of named templates is hashed as sorted JSON)."""
    return hashlib.sha256(template_text(tokenizer).encode("utf-8")).hexdigest()


def render(tokenizer: Any, messages: list[dict[str, Any]], tools: Any = None, generation_prompt: bool = False,
           enable_thinking: bool | None = None) -> str:
    """The template's text for `messages`; `enable_thinking` goes to the template's context when given."""
    if not messages:
        return ""
    if isinstance(tools, str):  # LLaMA-Factory keeps `tools` as a JSON string
        try:
            tools = json.loads(tools)
        except ValueError:
            tools = None
    extra = {} if enable_thinking is None else {"enable_thinking": enable_thinking}
    return tokenizer.apply_chat_template(messages, tools=tools or None, tokenize=False,
                                         add_generation_prompt=generation_prompt, **extra)


def _safe(tokenizer: Any, *args: Any, **kwargs: Any) -> str:
    try:
        return render(tokenizer, *args, **kwargs)
    except Exception:  # noqa: BLE001 - a template may raise on what it does not support: it does not render it
        return ""


def probe_template(tokenizer: Any) -> TemplateAbilities:
    """Renders probe conversations and reports what the template kept."""
    user = {"role": "user", "content": "Hello?"}
    thought = _safe(tokenizer, [user, {"role": "assistant", "content": "Hi.", "reasoning_content": REASONING_PROBE}],
                    enable_thinking=True)
    on = _safe(tokenizer, [user], generation_prompt=True, enable_thinking=True)
    off = _safe(tokenizer, [user], generation_prompt=True, enable_thinking=False)
    schema = [{"type": "function", "function": {"name": TOOL_PROBE, "description": "probe",
                                                 "parameters": {"type": "object", "properties": {}}}}]
    with_tools = _safe(tokenizer, [user], tools=schema, generation_prompt=True)
    call = {"role": "assistant", "content": "",
            "tool_calls": [{"type": "function", "id": "call_1",
                            "function": {"name": CALL_PROBE, "arguments": {"q": 1}}}]}
    called = _safe(tokenizer, [user, call, {"role": "tool", "content": "1", "tool_call_id": "call_1"}])
    return TemplateAbilities(reasoning=REASONING_PROBE in thought, thinking_switch=bool(on) and on != off,
                             tools=TOOL_PROBE in with_tools, tool_calls=CALL_PROBE in called)


# -- the messages handed to the template --------------------------------------------------------
def _arguments(value: Any) -> Any:
    """A tool call's arguments as a dict where the file gave a JSON string (templates `tojson` them)."""
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            return value
        return parsed if isinstance(parsed, dict) else value
    return value


def template_messages(messages: Iterable[Any], thinking: bool) -> list[dict[str, Any]]:
    """The canonical messages as template dicts: reasoning kept only when `thinking`, tool-call arguments
    as dicts. Copies; the examples are never changed."""
    out = []
    for message in messages:
        entry = message.to_template_dict()
        if not thinking:
            entry.pop("reasoning_content", None)
        if entry.get("tool_calls"):
            calls = copy.deepcopy(entry["tool_calls"])
            for call in calls:
                holder = call.get("function") if isinstance(call.get("function"), dict) else call
                if isinstance(holder, dict) and "arguments" in holder:
                    holder["arguments"] = _arguments(holder["arguments"])
            entry["tool_calls"] = calls
        out.append(entry)
    return out


def _turns(item: Any) -> list[Any]:
    """Every message of an Example or a PreferencePair."""
    out: list[Any] = []
    for name in ("messages", "prompt", "chosen", "rejected"):
        value = getattr(item, name, None)
        if isinstance(value, list):
            out.extend(value)
    return out


@dataclass
class DataTraits:
    reasoning: int = 0    # examples with a reasoning trace
    tool_calls: int = 0   # examples with an assistant tool call
    tools: int = 0        # examples with tool schemas


def data_traits(examples: Iterable[Any]) -> DataTraits:
    traits = DataTraits()
    for example in examples:
        turns = _turns(example)
        traits.reasoning += any(getattr(m, "reasoning", None) for m in turns)
        traits.tool_calls += any(getattr(m, "tool_calls", None) for m in turns)
        traits.tools += bool(getattr(example, "tools", None))
    return traits


# -- resolving and recording the setting --------------------------------------------------------
def resolve(requested: bool | None, traits: DataTraits) -> bool:
    """The thinking setting: as asked, else on exactly when the data has reasoning traces."""
    return requested if requested is not None else traits.reasoning > 0


def plan_render(tokenizer: Any, examples: list[Any], requested: bool | None, model: str,
                template_source: str = "model") -> RenderRecord:
    """Resolves the thinking setting for this data and template; the record says what happens, with
    notices for everything the template cannot render (each with a code, a sentence and what to do)."""
    traits = data_traits(examples)
    abilities = probe_template(tokenizer)
    thinking = resolve(requested, traits)
    notices: list[dict[str, Any]] = []

    def notice(code: str, level: str, **params: Any) -> None:
        # the English of `log.<code>` (engine/train/end_messages.py); the code and params travel with it
        from engine.train.end_messages import notice_text
        notices.append({"code": code, "level": level, "message": notice_text(code, **params), "params": params})

    if traits.reasoning and thinking and not abilities.reasoning:
        notice(DROPS_REASONING, "warning", model=model, examples=traits.reasoning)
    elif traits.reasoning and not thinking:
        notice(THINKING_OFF, "info", model=model, examples=traits.reasoning)
    if traits.tool_calls and not abilities.tool_calls:
        notice(DROPS_TOOL_CALLS, "warning", model=model, examples=traits.tool_calls)
    if traits.tools and not abilities.tools:
        notice(DROPS_TOOLS, "warning", model=model, examples=traits.tools)
    return RenderRecord(enable_thinking=thinking, requested=requested, examples_with_reasoning=traits.reasoning,
                        reasoning_trained=thinking and abilities.reasoning and traits.reasoning > 0,
                        supports_reasoning=abilities.reasoning, thinking_switch=abilities.thinking_switch,
                        supports_tools=abilities.tools, supports_tool_calls=abilities.tool_calls,
                        template_sha256=template_hash(tokenizer), template_source=template_source, notices=notices)


def write_record(run_dir: str | Path, record: RenderRecord) -> Path:
    path = Path(run_dir) / runs.RENDER_FILE
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def read_record(run_dir: str | Path) -> RenderRecord | None:
    """The run's record, or None (a run from before it existed, a remote job, a damaged file)."""
    try:
        data = json.loads((Path(run_dir) / runs.RENDER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("enable_thinking"), bool):
        return None
    return RenderRecord(**data)  # type: ignore[typeddict-item]


def setup_run(ctx: Any, tokenizer: Any, examples: list[Any]) -> bool:
    """The trainer's one call: resolves the thinking setting, logs every notice (with its code) to the
    run's events and train.log, writes chat_template.json (rank 0). Returns the setting to render with."""
    from engine.train.tokenize import CHATML_TEMPLATE
    source = "chatml" if getattr(tokenizer, "chat_template", None) == CHATML_TEMPLATE else "model"
    record = plan_render(tokenizer, examples, ctx.config.enable_thinking, ctx.config.model, source)
    for item in record.get("notices", []):
        ctx.log(item["message"], item["level"], code=item["code"], params=item["params"])
    switch = "with a thinking switch" if record["thinking_switch"] else "without a thinking switch"
    ctx.log(f"chat template: enable_thinking={str(record['enable_thinking']).lower()} ({switch}; reasoning "
            f"{'rendered' if record['supports_reasoning'] else 'not rendered'}; tools "
            f"{'rendered' if record['supports_tools'] else 'not rendered'}); recorded in {runs.RENDER_FILE}")
    if getattr(ctx, "is_writer", True):
        write_record(ctx.run_dir, record)
    return record["enable_thinking"]


# -- export ------------------------------------------------------------------------------------
DEFAULT_MARK = "{#- tunewiz: the default thinking setting of the run this model was trained in -#}"


def with_thinking_default(template: Any, thinking: bool) -> Any:
    """The template with `enable_thinking` defaulting to the training setting: rendered with no
    `enable_thinking` it behaves as training rendered; a caller's explicit value still wins."""
    if isinstance(template, dict):
        return {name: with_thinking_default(text, thinking) for name, text in template.items()}
    if not isinstance(template, str) or not template or template.startswith(DEFAULT_MARK):
        return template
    value = "true" if thinking else "false"
    return (f"{DEFAULT_MARK}\n{{%- if enable_thinking is not defined %}}{{%- set enable_thinking = {value} %}}"
            f"{{%- endif %}}\n{template}")


def describe(record: RenderRecord | None) -> dict[str, Any]:
    """The record's facts for notes and exports (an empty dict without a record)."""
    if not record:
        return {}
    return {k: v for k, v in record.items() if k != "notices"}


__all__ = ["TemplateAbilities", "RenderRecord", "DataTraits", "probe_template", "template_messages", "render",
           "plan_render", "setup_run", "write_record", "read_record", "with_thinking_default", "template_hash",
           "data_traits", "resolve", "describe", "DROPS_REASONING", "THINKING_OFF", "DROPS_TOOLS", "DROPS_TOOL_CALLS"]
