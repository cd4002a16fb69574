"""The token pass: exact token counts per row with a real tokenizer, in batches (without one, the scan's
estimate is used and this pass does not run)."""
from __future__ import annotations

from typing import Any, Callable, Iterator

from ..canonical import Problem
from ..formats import parse_row
from ..records import FileInfo, iter_records_of
from ..stats import TokenCounter
from .model import LintOptions


def _iter_token_items(info: FileInfo, fmt: str, opts: LintOptions, skip: set[int]) -> Iterator[tuple[int, Any, Any]]:
    """(line, conversation as template dicts or text, tools) for every readable row."""
    src = str(info.path)
    for n, rec in iter_records_of(info):
        if isinstance(rec, Problem) or n in skip:
            continue
        if fmt == "openai" and type(rec) is dict and len(rec) == 1:
            msgs = rec.get("messages")
            if type(msgs) is list and all(type(m) is dict and len(m) == 2 and type(m.get("content")) is str
                                          and "</think>" not in m["content"] for m in msgs):
                yield n, msgs, None
                continue
        ex, _ = parse_row(rec, fmt, src, n, columns=opts.columns, tags=opts.tags)
        if ex is None:
            continue
        if ex.messages is None:
            yield n, ex.text or "", None
        else:
            yield n, [m.to_template_dict() for m in ex.messages], ex.tools


def count_tokens(info: FileInfo, fmt: str, opts: LintOptions, counter: TokenCounter, skip: set[int],
                 progress: Callable[[int], None] | None = None, batch: int = 256,
                 reasoning_lines: list[int] | None = None) -> list[tuple[int, int]]:
    """(line, tokens) for every readable row, counted in batches. Lines of rows with a reasoning trace
    are appended to `reasoning_lines` when given (lint checks the template renders them)."""
    out: list[tuple[int, int]] = []
    chats: list[tuple[int, Any, Any]] = []
    texts: list[tuple[int, str]] = []

    def flush() -> None:
        if chats:
            lens = counter.count_chats([c for _, c, _ in chats], [t for _, _, t in chats])
            out.extend(zip((n for n, _, _ in chats), lens))
            chats.clear()
        if texts:
            lens = counter.count_texts([t for _, t in texts])
            out.extend(zip((n for n, _ in texts), lens))
            texts.clear()
        if progress:
            progress(len(out))

    for n, item, tools in _iter_token_items(info, fmt, opts, skip):
        if isinstance(item, str):
            texts.append((n, item))
        else:
            chats.append((n, item, tools))
            if reasoning_lines is not None and any(m.get("reasoning_content") for m in item):
                reasoning_lines.append(n)
        if len(chats) + len(texts) >= batch:
            flush()
    flush()
    out.sort()
    return out
