"""Random access to the rows of a dataset file, for the preview table (no Textual here).

The preview shows one page of rows at a time and jumps to the row of a finding, so it needs any
row by index without holding the file in memory. For JSONL and .txt files an index of byte
offsets is built in one pass (12 bytes a row); a row is read back with a seek. JSON arrays and
pretty-printed files cannot be read from the middle: their records are kept in memory when the
file is small, and re-read from the start (in a worker) when it is large.

Rows are converted to the canonical form with the engine's own reader (`formats.parse_row`), so
the preview shows exactly what training would see, and rows that cannot be read show the reason.
A preference-pair file (DPO data) is read with the pair reader (`preference.parse_pair`) and each pair
shown as its prompt's turns, then the chosen answer's, then the rejected answer's, labelled as such.
"""
from __future__ import annotations

import itertools
import re
from array import array
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import orjson

from engine.data.canonical import Example, Message, PreferencePair, Problem
from engine.data.formats import detect_from_info, parse_row
from engine.data.preference import detect_pair_file, looks_like_pair_file, parse_pair
from engine.data.records import BOM, FileInfo, iter_records_of, line_problem, sniff

# Above this size a JSON array's records are not kept in memory (they are re-read per page).
KEEP_RECORDS_BYTES = 64 << 20
TICK_LINES = 8191
RAW_PREVIEW_CHARS = 400

Tick = Callable[[str, int, int], None]
# The role shown for each side's turns of a preference pair (the preview's role column, 9 cells).
CHOSEN, REJECTED = "chosen", "rejected"


def pair_example(pair: PreferencePair) -> Example:
    """A pair as one Example for the preview: the prompt's turns, then the chosen answer's turns (role
    "chosen"), then the rejected answer's (role "rejected"); tool results inside an answer keep their role."""
    def side(msgs: list[Message], label: str) -> list[Message]:
        return [Message(label if m.role == "assistant" else m.role, m.content, tool_calls=m.tool_calls, name=m.name,
                        tool_call_id=m.tool_call_id, reasoning=m.reasoning) for m in msgs]
    return Example(pair.source, pair.line, messages=[*pair.prompt, *side(pair.chosen, CHOSEN), *side(pair.rejected, REJECTED)],
                   tools=pair.tools, extra=pair.extra)


@dataclass
class PreviewRow:
    """One record of the file as the preview shows it."""
    index: int                      # 0-based record index (rows as the linter counts them)
    line: int                       # 1-based line where the record starts
    example: Example | None         # None when the row cannot be read
    problems: list[Problem] = field(default_factory=list)
    raw: str = ""                   # the start of the raw record, shown for unreadable rows


_PAIR_FIELD = re.compile(r"^(?:(prompt|input\.messages|conversations|messages)|(chosen|preferred_output|chosen_messages)"
                         r"|(rejected|non_preferred_output|rejected_messages))(?:\[(\d+)\])?")


def pair_message_index(example: Example, field: str | None) -> int | None:
    """The preview message (index into `pair_example(...).messages`) that a pair finding's field names:
    prompt[i] / input.messages[i], chosen[i] / preferred_output[i], rejected[i] / non_preferred_output[i]."""
    m = _PAIR_FIELD.match(field or "")
    if m is None or not example.messages:
        return None
    k = int(m.group(4) or 0)
    if m.group(1):
        return min(k, len(example.messages) - 1)
    label = CHOSEN if m.group(2) else REJECTED
    start = next((i for i, msg in enumerate(example.messages) if msg.role == label), None)
    return None if start is None else min(start + k, len(example.messages) - 1)


class RowSource:
    """The records of one dataset file, by index. Build it with `RowSource.open` (in a worker)."""

    def __init__(self, info: FileInfo, fmt: str, lines: array, offsets: array | None,
                 records: list[Any] | None) -> None:
        self.info = info
        self.path: Path = info.path
        self.format = fmt
        self.layout = info.layout
        self._lines = lines
        self._offsets = offsets
        self._records = records
        self.pairs = False
        """A preference-pair file: rows are read with the pair reader."""

    # -- building
    @classmethod
    def open(cls, path: str | Path, tick: Tick | None = None) -> "RowSource":
        """Sniffs, detects the format and indexes every record. Raises DatasetError (message for the user)."""
        info = sniff(path)
        pair_fmt = detect_pair_file(info) if looks_like_pair_file(info.path) else None
        fmt = pair_fmt or detect_from_info(info)
        source = cls._index(info, fmt, tick)
        source.pairs = pair_fmt is not None
        return source

    @classmethod
    def _index(cls, info: FileInfo, fmt: str, tick: Tick | None) -> "RowSource":
        lines = array("I")
        if info.layout in ("jsonl", "text"):
            offsets = array("Q")
            pos = 0
            with open(info.path, "rb", buffering=1 << 20) as f:
                for n, raw in enumerate(f, 1):
                    if raw.strip() and not (n == 1 and raw.strip() == BOM):
                        offsets.append(pos)
                        lines.append(n)
                    pos += len(raw)
                    if tick is not None and not n & TICK_LINES:
                        tick("index", pos, info.size)
            return cls(info, fmt, lines, offsets, None)
        keep = info.size <= KEEP_RECORDS_BYTES
        records: list[Any] | None = [] if keep else None
        for k, (n, rec) in enumerate(iter_records_of(info), 1):
            lines.append(n)
            if records is not None:
                records.append(rec)
            if tick is not None and not k & TICK_LINES:
                tick("index", 0, 0)
        return cls(info, fmt, lines, None, records)

    # -- access
    def __len__(self) -> int:
        return len(self._lines)

    def line_of(self, index: int) -> int:
        return self._lines[index]

    def index_of_line(self, line: int) -> int | None:
        """The record that holds `line` (the last record starting at or before it)."""
        k = bisect_right(self._lines, line) - 1
        return k if k >= 0 else None

    def read(self, start: int, stop: int) -> list[PreviewRow]:
        """Records [start, stop) converted for the preview."""
        start = max(0, start)
        stop = min(len(self), stop)
        if start >= stop:
            return []
        if self._offsets is not None:
            return self._read_indexed(start, stop)
        if self._records is not None:
            recs = self._records[start:stop]
        else:
            recs = [r for _, r in itertools.islice(iter_records_of(self.info), start, stop)]
        return [self._row(start + i, self._lines[start + i], rec, None) for i, rec in enumerate(recs)]

    def _read_indexed(self, start: int, stop: int) -> list[PreviewRow]:
        out: list[PreviewRow] = []
        with open(self.path, "rb") as f:
            for i in range(start, stop):
                off = self._offsets[i]
                f.seek(off)
                raw = f.readline().rstrip(b"\r\n")
                if off == 0 and raw.startswith(BOM):
                    raw = raw[3:]
                n = self._lines[i]
                rec: Any
                if self.layout == "text":
                    try:
                        rec = raw.decode("utf-8").strip()
                    except UnicodeDecodeError as e:
                        rec = line_problem(self.path, n, raw, e)
                else:
                    try:
                        rec = orjson.loads(raw)
                    except orjson.JSONDecodeError as e:
                        rec = line_problem(self.path, n, raw, e)
                out.append(self._row(i, n, rec, raw))
        return out

    def _row(self, index: int, line: int, rec: Any, raw: bytes | None) -> PreviewRow:
        snippet = ""
        if raw is not None:
            snippet = raw[:RAW_PREVIEW_CHARS * 4].decode("utf-8", "replace")[:RAW_PREVIEW_CHARS]
        if isinstance(rec, Problem):
            return PreviewRow(index, line, None, [rec], snippet)
        try:
            if self.pairs:
                pair, problems = parse_pair(rec, self.format, str(self.path), line)
                ex = pair_example(pair) if pair is not None else None
            else:
                ex, problems = parse_row(rec, self.format, str(self.path), line, file_format_detected=True)
        except Exception as e:  # noqa: BLE001 - a preview row must never take the screen down
            ex, problems = None, [Problem(str(self.path), line, None, f"cannot be shown: {e}")]
        if ex is None and not snippet:
            try:
                snippet = orjson.dumps(rec).decode()[:RAW_PREVIEW_CHARS]
            except (TypeError, orjson.JSONEncodeError):
                snippet = repr(rec)[:RAW_PREVIEW_CHARS]
        return PreviewRow(index, line, ex, problems, snippet)
