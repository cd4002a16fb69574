"""OpenAI preference files (DPO): OpenAI's own rules for them, reported as a `LintReport` like `tunewiz lint`'s.

One JSON object a line:

    {"input": {"messages": [...], "tools": [...], "parallel_tool_calls": true},
     "preferred_output": [{"role": "assistant", "content": "..."}],
     "non_preferred_output": [{"role": "assistant", "content": "..."}]}

`lint_preference_file(path, ...)` never raises for the file's content: a file that cannot be read gives a
report with `fatal` set (exit code 2), every other problem a finding naming its line and field. Codes are
those of docs/lint-codes.md: the `pref-` ones are this format's own, the others mean what they mean for a
chat file (json-invalid, missing-key, unknown-role, duplicate, pii-email, secret, ...).

What every pair format shares is `engine.data`'s: the messages are read by the pair reader
(`pair_messages.read_message`, the one reader of the `openai-preference` format that training uses too),
identical answers, length bias and the JSONL records come from `pair_lint`. Kept here: OpenAI's contract
(the keys and roles it accepts, one output message, a JSON array / BOM / blank lines as errors, at least
10 pairs, the per-example token limit and the price).

Tokens per pair: input + preferred + non_preferred, counted as one conversation (each message with
OpenAI's per-message overhead when tiktoken is loaded). This is an estimate of what OpenAI bills: it
processes the input once with each output, and its pricing page gives no separate DPO rule.
"""
from __future__ import annotations

import hashlib
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson

from engine.data import rules as R
from engine.data.canonical import Message, PreferencePair, Problem
from engine.data.lint import OPENAI_MSG_KEYS, Finding, LintReport, quality_issues
from engine.data.lint.quality import gate, text_gate_hit
from engine.data.pair_lint import jsonl_records, length_bias, length_bias_message, same_answers
from engine.data.pair_messages import PairRow, read_message, side_text
from engine.data.records import DatasetError, iter_records_of, sniff
from engine.data.stats import (EstimateCounter, TokenCounter, counter_fields, distribution, histogram,
                               openai_cost_stats, openai_model_info)
from engine.message_parts import as_part
from engine.message_parts import composed
from engine.messages import Coded
from engine import openai_pref_messages  # noqa: F401  (registers this check's messages)


def _say(code: str, **params: Any) -> Any:
    """The coded message `lint.<code>` (engine/openai_pref_messages.py): English text, code and params."""
    return composed(f"lint.{code}", **params)

FORMAT = "openai-preference"
TOP_KEYS = ("input", "preferred_output", "non_preferred_output")
INPUT_KEYS = frozenset({"messages", "tools", "parallel_tool_calls"})
INPUT_ROLES = ("system", "developer", "user", "assistant", "tool")
LAST_INPUT_ROLES = ("user", "tool")
OUTPUTS = ("preferred_output", "non_preferred_output")
MIN_PAIRS = 10                      # OpenAI's minimum, as for supervised files
TOKEN_RULE = "input + preferred_output + non_preferred_output, counted as one conversation"
SHAPE = ('{"input": {"messages": [...]}, "preferred_output": [{"role": "assistant", "content": "..."}], '
         '"non_preferred_output": [{"role": "assistant", "content": "..."}]}')


class _Pairs:
    """The findings and counters of one pass over a preference file."""

    def __init__(self, src: str, max_per_code: int, counter: TokenCounter) -> None:
        self.src = src
        self.max_per_code = max_per_code
        self.kept: list[Finding] = []
        self.counts: Counter = Counter()
        self.sev: Counter = Counter()
        self.error_lines: set[int] = set()
        self.reject: dict[int, list[tuple[str, str]]] = {}
        self.rows = 0
        self.blank: list[int] = []
        self.turns: Counter = Counter()
        self.seen: dict[bytes, int] = {}
        self.dupes = 0
        self.counter = counter
        self.pending: list[tuple[int, list[dict[str, Any]], Any]] = []   # (line, conversation to count, tools)
        self.lens: list[tuple[int, int]] = []                           # (line, tokens) of every good pair
        self.side_lens: list[tuple[int, int]] = []                      # (preferred, non-preferred) characters

    def good(self, n: int, conv: list[dict[str, Any]], tools: Any) -> None:
        """A pair without errors: its tokens are counted in batches (so memory stays flat)."""
        self.pending.append((n, conv, tools))
        if len(self.pending) >= 256:
            self.flush()

    def flush(self) -> None:
        self.lens.extend(zip((n for n, _, _ in self.pending), _count(self.pending, self.counter)))
        self.pending.clear()

    def add(self, code: str, line: int | None, fld: str | None, message: Any) -> None:
        sev = R.OPENAI_SEVERITY.get(code) or R.CODES[code][0]
        self.counts[code] += 1
        self.sev[sev] += 1
        if self.counts[code] <= self.max_per_code:
            self.kept.append(Finding(code, sev, line, fld, message))
        if sev == R.ERROR and line is not None:
            self.error_lines.add(line)
            self.reject.setdefault(line, []).append((code, str(message)))

    def problem(self, p: Problem) -> None:
        code = p.code if p.code in R.CODES else "json-invalid"
        self.add(code, p.line, p.field, p.message)


def lint_preference_file(path: str | Path, *, model: str | None = None, counter: TokenCounter | None = None,
                         counter_notice: str | None = None, progress: Callable[[str], None] | None = None,
                         eval_path: str | Path | None = None, max_per_code: int = 1000) -> LintReport:
    """Checks an OpenAI preference (DPO) file for `model` (a catalog id; its per-example limit and price).
    `counter` counts tokens (None: the labelled estimate); `eval_path`, a validation file, is checked for
    pairs that are also in the training file. Never raises for the file's content."""
    say = progress or (lambda m: None)
    src = str(path)
    t0 = time.perf_counter()
    try:
        info = sniff(path)
    except DatasetError as e:
        return _unreadable(src, e)
    say(Coded("lint.progress.pairs-openai", file=src, mb=info.size / 1e6))
    counter = counter or EstimateCounter(Coded("lint.counter.why.not-requested"))
    say(Coded("lint.progress.tokens", counter=as_part(counter.label)))
    st = _Pairs(src, max_per_code, counter)
    if info.bom:
        st.add("bom", 1, None, _say("bom.openai-pref"))
    if info.layout in ("array", "concatenated"):
        if info.layout == "array":
            st.add("json-array", 1, None, _say("json-array.openai-pref"))
        else:
            st.add("json-pretty-printed", 1, None, _say("json-pretty-printed.openai-pref"))
        records = iter_records_of(info)
    else:
        records = jsonl_records(info.path, info.bom, st.blank)
    try:
        for n, obj in records:
            st.rows += 1
            if isinstance(obj, Problem):
                st.problem(obj)
            else:
                _check_pair(st, n, obj)
    except DatasetError as e:  # an array file that turns out not to be UTF-8 past the sniffed head
        return _unreadable(src, e)
    if st.blank:
        st.add("blank-lines", st.blank[0], None, _say("blank-lines.openai-pref", count=len(st.blank),
                                                     lines=st.blank[:5]))
    st.flush()
    examples = len(st.lens)
    bias = length_bias_message(length_bias(st.side_lens), openai=True)
    if bias:
        st.add("pref-length-bias", None, None, bias)
    if eval_path is not None:
        _eval_overlap(st, eval_path)
    if examples < MIN_PAIRS:
        st.add("openai-too-few", None, None, _say("openai-too-few.openai-pref", examples=examples, minimum=MIN_PAIRS))
    if not counter.exact:
        st.add("token-estimate", None, None, _say("token-estimate", why=as_part(counter_notice or counter.label)))
    limit_name, entry = openai_model_info(model)
    if entry:
        cap = entry["example_limit"]
        for line, k in st.lens:
            if k > cap:
                variant = "openai-pref" if counter.exact else "openai-pref-estimated"
                st.add("openai-token-limit", line, None, _say(f"openai-token-limit.{variant}", tokens=k,
                                                              model=limit_name, limit=cap))
    tokens = Counter(k for _, k in st.lens)
    stats = _stats(st, info, tokens, counter, counter_notice, limit_name, entry)
    stats["seconds"] = round(time.perf_counter() - t0, 3)
    findings = sorted(st.kept, key=lambda f: (f.line is not None, f.line or 0))
    return LintReport(file=src, format=FORMAT, rows=st.rows, findings=findings, stats=stats, counts=st.counts,
                      severities=st.sev, layout=info.layout, reject_lines=st.reject)


def _unreadable(src: str, e: DatasetError) -> LintReport:
    """The report of a file that cannot be read at all (exit code 2), as `lint_file` gives it."""
    fatal = Finding(e.code if e.code in R.CODES else "file-unreadable", R.ERROR, None, None, e.message)
    return LintReport(file=src, format=None, rows=0, findings=[fatal], stats={}, fatal=fatal,
                      counts=Counter({fatal.code: 1}), severities=Counter({R.ERROR: 1}))


def _eval_overlap(st: _Pairs, eval_path: str | Path) -> None:
    """Marks training pairs that are also in the validation file (after sorting keys)."""
    try:
        info = sniff(eval_path)
        first: dict[bytes, int] = {}
        for n, obj in iter_records_of(info):
            if isinstance(obj, dict):
                first.setdefault(_row_key(obj), n)
    except DatasetError as e:
        st.add("eval-problems", None, None, _say("eval-problems.openai-pref", error=e.engine_message().to_dict()))
        return
    for key, line in st.seen.items():
        if key in first:
            msg = _say("train-eval-overlap.openai-pref", eval_file=str(eval_path), eval_line=first[key])
            st.add("train-eval-overlap", line, None, msg)
            st.reject.setdefault(line, []).append(("train-eval-overlap", msg.text))


# ------------------------------------------------------------------------------------------------
# one pair

def _check_pair(st: _Pairs, n: int, obj: Any) -> None:
    before = st.sev[R.ERROR]
    if not isinstance(obj, dict):
        st.add("not-an-object", n, None, _say("not-an-object.openai-pref", shape=SHAPE,
                                              got=type(obj).__name__ if obj is not None else "null"))
        return
    if "input" not in obj and "preferred_output" not in obj and "non_preferred_output" not in obj:
        if "messages" in obj:
            st.add("pref-format", n, None, _say("pref-format.openai-pref-sft", shape=SHAPE))
        else:
            keys = [repr(k) for k in list(obj)[:5]]
            st.add("pref-format", n, None, _say("pref-format.openai-pref" if keys else "pref-format.openai-pref-empty",
                                                keys=keys, shape=SHAPE))
        return
    extra = [k for k in obj if k not in TOP_KEYS]
    if extra:
        st.add("openai-unsupported-key", n, str(extra[0])[:80], _say("openai-unsupported-key.openai-pref",
                                                                     keys=[repr(k) for k in extra[:5]]))
    texts: list[tuple[str, str]] = []
    conv = _check_input(st, n, obj, texts)
    outs = [_check_output(st, n, obj, key, texts) for key in OUTPUTS]
    pair = None
    if conv is not None and outs[0] is not None and outs[1] is not None:
        tools = obj["input"].get("tools") or None
        pair = PreferencePair(st.src, n, conv, [outs[0]], [outs[1]], tools=tools)
    if pair is not None and same_answers(pair):
        st.add("pref-identical", n, "non_preferred_output[0].content", _say("pref-identical.openai-pref"))
    for fld, text in texts:
        if text and text_gate_hit(text):
            for code, msg in quality_issues(text, gate(text)):
                st.add(code, n, fld, msg)
    if st.sev[R.ERROR] > before:
        return
    key = _row_key(obj)
    first = st.seen.get(key)
    if first is not None:
        st.dupes += 1
        st.add("duplicate", n, None, _say("duplicate.openai-pref", first=first))
        st.reject.setdefault(n, []).append(("duplicate", _say("duplicate.openai-pref-short", first=first).text))
        return
    st.seen[key] = n
    if pair is not None:
        st.turns[len(pair.prompt)] += 1
        st.side_lens.append((len(side_text(pair.chosen)), len(side_text(pair.rejected))))
        st.good(n, [_counted(m) for m in (*pair.prompt, *pair.chosen, *pair.rejected)], pair.tools)


def _row_key(obj: dict) -> bytes:
    try:
        data = orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):  # nested past orjson's depth limit: fall back to repr
        data = repr(obj).encode("utf-8", "surrogatepass")[:1 << 20]
    return hashlib.blake2b(data, digest_size=12).digest()


def _counted(m: Message) -> dict[str, Any]:
    """A message in the token counter's form: what OpenAI bills, a reasoning trace (a `<think>` block the
    reader lifted out) included as text."""
    out: dict[str, Any] = {"role": m.role, "content": f"{m.reasoning}\n{m.content}" if m.reasoning else m.content}
    if m.tool_calls:
        out["tool_calls"] = m.tool_calls
    if m.name:
        out["name"] = m.name
    return out


def _check_input(st: _Pairs, n: int, obj: dict, texts: list[tuple[str, str]]) -> list[Message] | None:
    """The input conversation, or None when it has errors (reported)."""
    if "input" not in obj:
        st.add("missing-key", n, "input", _say("missing-key.openai-pref-input"))
        return None
    inp = obj["input"]
    if not isinstance(inp, dict):
        st.add("mistyped-key", n, "input", _say("mistyped-key.openai-pref-input-list") if isinstance(inp, list)
               else _say("mistyped-key.openai-pref-input", got=_kind(inp)))
        return None
    extra = [k for k in inp if k not in INPUT_KEYS]
    if extra:
        st.add("openai-unsupported-key", n, f"input.{str(extra[0])[:80]}",
               _say("openai-unsupported-key.openai-pref-input", keys=[repr(k) for k in extra[:5]]))
    if "tools" in inp and not isinstance(inp["tools"], list):
        st.add("mistyped-key", n, "input.tools", _say("mistyped-key.openai-pref-tools", got=_kind(inp["tools"])))
    if "parallel_tool_calls" in inp and not isinstance(inp["parallel_tool_calls"], bool):
        st.add("mistyped-key", n, "input.parallel_tool_calls", _say("mistyped-key.openai-pref-parallel"))
    if "messages" not in inp:
        st.add("missing-key", n, "input.messages", _say("missing-key.openai-pref-messages"))
        return None
    msgs = inp["messages"]
    if not isinstance(msgs, list):
        st.add("mistyped-key", n, "input.messages", _say("mistyped-key.openai-pref-messages", got=_kind(msgs)))
        return None
    if not msgs:
        st.add("empty-conversation", n, "input.messages", _say("empty-conversation.openai-pref"))
        return None
    ok = True
    conv: list[Message] = []
    for i, m in enumerate(msgs):
        fld = f"input.messages[{i}]"
        msg = _message(st, n, fld, m, INPUT_ROLES, texts)
        if msg is None:
            ok = False
        else:
            conv.append(msg)
    if ok:
        last = conv[-1].role
        if last not in LAST_INPUT_ROLES:
            st.add("pref-last-turn", n, f"input.messages[{len(conv) - 1}].role",
                   _say("pref-last-turn.openai-pref", role=last))
            ok = False
    return conv if ok else None


def _message(st: _Pairs, n: int, fld: str, m: Any, roles: tuple[str, ...],
             texts: list[tuple[str, str]]) -> Message | None:
    """One message checked against OpenAI's rules (keys, roles) and read by the shared pair reader, or None
    when it has errors (reported)."""
    if not isinstance(m, dict):
        st.add("mistyped-key", n, fld, _say("mistyped-key.openai-pref-message", got=_kind(m)))
        return None
    extra = [k for k in m if k not in OPENAI_MSG_KEYS or k == "weight"]
    if extra:
        st.add("openai-unsupported-key", n, f"{fld}.{str(extra[0])[:80]}",
               _say("openai-unsupported-key.openai-pref-message", keys=[repr(k) for k in extra[:5]]))
    role = m.get("role")
    if "role" not in m:
        st.add("missing-key", n, f"{fld}.role", _say("missing-key.openai-pref-role", roles=list(roles)))
        return None
    if role not in roles:
        st.add("unknown-role", n, f"{fld}.role", _say("unknown-role.openai-pref", role=str(role)[:40], roles=list(roles)))
        return None
    calls = m.get("tool_calls")
    if calls is not None and not isinstance(calls, list):
        st.add("mistyped-key", n, f"{fld}.tool_calls", _say("mistyped-key.openai-pref-tool-calls"))
        return None
    if m.get("content") is None and not (role == "assistant" and calls):
        if "content" not in m:
            st.add("missing-key", n, f"{fld}.content", _say("missing-key.openai-pref-content", role=role))
        else:
            st.add("mistyped-key", n, f"{fld}.content", _say("mistyped-key.openai-pref-content-null", role=role))
        return None
    row = PairRow(st.src, n)
    msg = read_message(row, m, fld, [])
    for p in row.problems:
        if p.code != "multimodal":  # OpenAI takes images in preference inputs: nothing is dropped there
            st.add(p.code if p.code in R.CODES else "mistyped-key", n, p.field, p.message)
    if msg is None:
        return None
    text = _counted(msg)["content"]
    texts.append((f"{fld}.content", text))
    if not text.strip() and not calls and role != "assistant":
        st.add("empty-content", n, f"{fld}.content", _say("empty-content.openai-pref", role=role))
    return msg


def _check_output(st: _Pairs, n: int, obj: dict, key: str, texts: list[tuple[str, str]]) -> Message | None:
    """The one assistant message of `preferred_output` / `non_preferred_output`, or None (reported)."""
    if key not in obj:
        st.add("missing-key", n, key, _say("missing-key.openai-pref-output", key=key))
        return None
    out = obj[key]
    if isinstance(out, dict):
        st.add("mistyped-key", n, key, _say("mistyped-key.openai-pref-output-object", key=key))
        return None
    if not isinstance(out, list):
        st.add("mistyped-key", n, key, _say("mistyped-key.openai-pref-output", key=key, got=_kind(out)))
        return None
    if len(out) != 1:
        st.add("pref-output-count", n, key, _say("pref-output-count.openai-pref", key=key, count=len(out)))
        return None
    fld = f"{key}[0]"
    m = out[0]
    if isinstance(m, dict) and "role" in m and m["role"] != "assistant" and m["role"] in INPUT_ROLES:
        st.add("pref-output-role", n, f"{fld}.role", _say("pref-output-role.openai-pref", role=m["role"]))
        return None
    msg = _message(st, n, fld, m, ("assistant",), texts)
    if msg is None:
        return None
    if not msg.content.strip() and not msg.tool_calls:
        st.add("empty-answer", n, f"{fld}.content", _say("empty-answer.openai-pref"))
        return None
    return msg


def _kind(v: Any) -> str:
    return {dict: "object", list: "list", str: "string", bool: "true/false", int: "number", float: "number",
            type(None): "null"}.get(type(v), type(v).__name__)


# ------------------------------------------------------------------------------------------------
# tokens and statistics

def _count(good: list[tuple[int, list[dict[str, Any]], Any]], counter: TokenCounter, batch: int = 256) -> list[int]:
    """Tokens per good pair; a pair the counter cannot handle (odd tool JSON) falls back to the estimate."""
    out: list[int] = []
    fallback = EstimateCounter()
    for i in range(0, len(good), batch):
        part = good[i:i + batch]
        convs = [c for _, c, _ in part]
        tools = [t for _, _, t in part]
        try:
            out.extend(counter.count_chats(convs, tools))
        except Exception:  # noqa: BLE001 - one odd row must not lose the whole count
            for c, t in zip(convs, tools):
                try:
                    out.extend(counter.count_chats([c], [t]))
                except Exception:  # noqa: BLE001
                    out.extend(fallback.count_chats([c], [t]))
    return out


def _stats(st: _Pairs, info: Any, tokens: Counter, counter: TokenCounter, notice: str | None,
           limit_name: str, entry: dict[str, Any] | None) -> dict[str, Any]:
    """The statistics, with the keys of `tunewiz lint --json` where they mean the same."""
    total = int(sum(v * c for v, c in tokens.items()))
    n = len(st.lens)
    out: dict[str, Any] = {
        "format": FORMAT, "layout": info.layout, "bytes": info.size, "rows": st.rows, "examples": n,
        "rejected_rows": len(st.error_lines), "blank_lines": len(st.blank), "turns": distribution(st.turns),
        "tokens": {**counter_fields(counter, notice), "per_example": distribution(tokens), "total": total,
                   "histogram": histogram(tokens), "over_max_length": 0, "rule": TOKEN_RULE},
        "duplicates": {"exact": st.dupes, "near": 0},
        "length_bias": length_bias(st.side_lens),
        "findings_by_code": dict(sorted(st.counts.items())),
        "errors": st.sev.get(R.ERROR, 0), "warnings": st.sev.get(R.WARNING, 0), "infos": st.sev.get(R.INFO, 0),
        "findings_truncated": any(v > st.max_per_code for v in st.counts.values()),
    }
    oa: dict[str, Any] = {"model": limit_name, "method": "dpo"}
    if entry:
        oa.update(openai_cost_stats(tokens, n, entry, counter.exact))
    out["openai"] = oa
    return out
