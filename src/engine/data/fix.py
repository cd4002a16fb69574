"""`--fix OUT`: a cleaned copy of a dataset and `OUT.rejected.jsonl` with every removed row and why.

Kept + rejected always equals the input's rows; the input is only read. A rejected row is
`{"line", "reasons": [{"code", "message"}], "row"}` (`"error"` instead of `"row"` for a record that is
not JSON; `"row_text"`, the row as ASCII JSON text, for one that no JSONL writer can hold: a lone
surrogate, an integer beyond 64 bits, nesting deeper than orjson writes). Cleaning drops rows with
errors, later copies of duplicates and rows also in the eval file, trims surrounding whitespace of
every text, drops a BOM and blank lines, and (with `to`) converts to another format through the
canonical form (`writers.to_format_dict`, the one writer of each format). Without `to` a row keeps its
shape (a LLaMA-Factory v1 row stays v1: parts, reasoning, tool calls, loss_weight); `--to openai` turns
v1 rows into OpenAI's form (reasoning_content, tool_calls, weight 0/1).
"""
from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson

from . import rules as R
from .canonical import Problem
from .formats import parse_row
from .parts import is_v1_row, msg as coded
from .jsonsafe import scrub, to_json_text
from .writers import to_format_dict
from .lint import OPENAI_MSG_KEYS, OPENAI_TOP_KEYS, LintOptions, LintReport, row_findings, row_key
from .records import DatasetError, iter_records_of, sniff

WRITE_FORMATS = ("openai", "alpaca", "sharegpt")


@dataclass
class FixResult:
    """What --fix wrote."""
    out: str
    rejected_path: str
    rows: int
    kept: int
    rejected: int
    format: str

    def to_dict(self) -> dict[str, Any]:
        return {"out": self.out, "rejected_file": self.rejected_path, "rows": self.rows, "kept": self.kept,
                "rejected": self.rejected, "format": self.format}


def rejected_path_for(out: str | Path) -> Path:
    """OUT.rejected.jsonl beside OUT."""
    return Path(str(out) + ".rejected.jsonl")


def _trim(obj: Any, fmt: str) -> Any:
    """Strips surrounding whitespace from every text of a freshly parsed row (never the input file)."""
    if isinstance(obj, str):
        return obj.strip()
    if not isinstance(obj, dict):
        return obj
    for key in ("messages", "conversation", "conversations"):
        msgs = obj.get(key)
        if isinstance(msgs, list):
            for m in msgs:
                if isinstance(m, dict):
                    for k in ("content", "value"):
                        if isinstance(m.get(k), str):
                            m[k] = m[k].strip()
    for k in ("instruction", "input", "output", "system", "text"):
        if isinstance(obj.get(k), str):
            obj[k] = obj[k].strip()
    h = obj.get("history")
    if isinstance(h, list):
        obj["history"] = [[t.strip() if isinstance(t, str) else t for t in p] if isinstance(p, list) else p for p in h]
    return obj


class _NullSink:
    """Stands in for the output files in a dry run."""

    def __enter__(self) -> "_NullSink":
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def write(self, data: bytes) -> int:
        return len(data)


@contextmanager
def fix_outputs(out_p: Path, rej_p: Path, dry_run: bool) -> Iterator[tuple[Any, Any]]:
    """(cleaned file, rejected file), binary: each written beside its final name and renamed into place only
    when the whole pass succeeded, so an interrupted fix leaves no half file; nothing is written in a dry run.
    An OSError (disk full, no permission) becomes a DatasetError naming `out_p`."""
    tmp_out = out_p.with_name(f".{out_p.name}.tmp-{os.getpid()}")
    tmp_rej = rej_p.with_name(f".{rej_p.name}.tmp-{os.getpid()}")
    try:
        if not dry_run:
            out_p.parent.mkdir(parents=True, exist_ok=True)
        with (_NullSink() if dry_run else open(tmp_out, "wb")) as fo, \
                (_NullSink() if dry_run else open(tmp_rej, "wb")) as fr:
            yield fo, fr
        if not dry_run:
            os.replace(tmp_out, out_p)
            os.replace(tmp_rej, rej_p)
    except OSError as e:
        raise DatasetError(coded("lint.fix.unwritable", path=str(out_p), error=e.strerror), code="file-unreadable") from None
    finally:
        for t in (() if dry_run else (tmp_out, tmp_rej)):
            if t.exists():
                t.unlink()


def fix_file(path: str | Path, report: LintReport, out: str | Path, to: str | None = None,
             opts: LintOptions | None = None, *, dry_run: bool = False,
             tick: Callable[[str, int, int], None] | None = None) -> FixResult:
    """Writes the cleaned copy to `out` (JSONL; plain lines for raw text to a .txt) and the rejects beside it.

    Raises DatasetError when `out` would overwrite the input or cannot be written. `dry_run` does
    every check and conversion but writes nothing: the result says what a real run would write
    (a UI shows it before asking). `tick("fix", rows done, rows in the report)` reports progress
    now and then; whatever it raises propagates (and nothing is left behind).
    """
    opts = opts or LintOptions()
    src = Path(path)
    out_p = Path(out)
    rej_p = rejected_path_for(out_p)
    if report.fatal is not None or report.format is None:
        raise DatasetError(coded("lint.fix.unreadable", path=str(src), error=report.fatal.message if report.fatal else ""),
                           code="file-unreadable")
    for p in (out_p, rej_p):
        if p.resolve() == src.resolve():
            raise DatasetError(coded("lint.fix.overwrite", path=str(p)), code="bad-argument")
    if to is not None and to not in WRITE_FORMATS:
        raise DatasetError(coded("lint.fix.bad-to", to=to, formats=list(WRITE_FORMATS)), code="bad-argument")
    fmt = report.format
    target_fmt = to or fmt
    if target_fmt == "text" and to is not None:
        raise DatasetError(coded("lint.fix.text-to-chat"), code="bad-argument")
    plain_text = target_fmt == "text" and out_p.suffix.lower() == ".txt"
    info = sniff(src)
    drop_openai_keys = opts.target == "openai"
    kept = rejected = rows = 0
    truncated = {f.line: (f.code, f.message) for f in report.findings if f.code == "truncated-last-line"}
    with fix_outputs(out_p, rej_p, dry_run) as (fo, fr):
        prev = place = 0
        for n, rec in iter_records_of(info):
            rows += 1
            place = place + 1 if n == prev else 0  # records sharing a line (a one-line array), as the scan
            prev = n
            if tick is not None and not rows & 1023:
                tick("fix", rows, report.rows)
            reasons: list[tuple[str, str]] = []
            if isinstance(rec, Problem):
                reasons.append(truncated.get(n) or (rec.code or "json-invalid", rec.message))
            else:
                # The same row checks as the lint pass, so the reasons are the findings a user saw.
                found = row_findings(str(src), fmt, opts.format == "auto", LintOptions(
                    format=opts.format, target=opts.target, columns=opts.columns, tags=opts.tags, track_rows=False), n, rec)
                reasons += [(f.code, f.message) for f in found if f.severity == R.ERROR]
                reasons += [r for r in report.reject_lines.get(row_key(n, place), []) if r[0] != "error"]
            line_out: bytes | None = None
            if not reasons:
                try:
                    line_out = _write_row(rec, n, fmt, target_fmt, str(src), opts, drop_openai_keys, plain_text,
                                          convert_v1=to == "openai")
                except (ValueError, RecursionError, orjson.JSONEncodeError) as e:
                    why = "it is nested too deeply" if isinstance(e, RecursionError) else str(e)
                    reasons.append(("convert", f"cannot be written as {target_fmt}: {why}"))
            if reasons:
                rejected += 1
                fr.write(rejected_line(n, rec, reasons))
            else:
                kept += 1
                fo.write(line_out + b"\n")
    return FixResult(out=str(out_p), rejected_path=str(rej_p), rows=rows, kept=kept, rejected=rejected, format=target_fmt)


def rejected_line(n: int, rec: Any, reasons: list[tuple[str, str]]) -> bytes:
    """One line of a rejected file: the row's line, its reasons (code, message) and the row as read (or, for a
    row that could not be read, the reader's error); a row orjson cannot write is kept whole as ASCII JSON text."""
    row: dict[str, Any] = {"line": n, "reasons": [{"code": c, "message": str(m)} for c, m in reasons]}
    if isinstance(rec, Problem):
        row["error"] = str(rec)
    else:
        row["row"] = rec
    try:
        return orjson.dumps(row) + b"\n"
    except orjson.JSONEncodeError:
        if "row" in row:
            row["row_text"] = to_json_text(row.pop("row"))
        return orjson.dumps(scrub(row)) + b"\n"


def _write_row(rec: Any, n: int, fmt: str, target_fmt: str, src: str, opts: LintOptions,
               drop_openai_keys: bool, plain_text: bool, convert_v1: bool = False) -> bytes:
    rec = _trim(rec, fmt)
    # LLaMA-Factory v1 rows read as "openai" (the same message shape); `--to openai` writes them in OpenAI's own form.
    if target_fmt == fmt and not (convert_v1 and fmt == "openai" and is_v1_row(rec)):
        if fmt == "text":
            text = rec if isinstance(rec, str) else rec.get((opts.columns or {}).get("text") or (opts.columns or {}).get("prompt") or "text")
            return text.replace("\n", " ").encode() if plain_text else orjson.dumps({"text": text})
        if drop_openai_keys and fmt == "openai" and isinstance(rec, dict):
            rec = {k: v for k, v in rec.items() if k in OPENAI_TOP_KEYS}
            rec["messages"] = [{k: v for k, v in m.items() if k in OPENAI_MSG_KEYS} for m in rec["messages"]]
        return orjson.dumps(rec)
    ex, probs = parse_row(rec, fmt, src, n, columns=opts.columns, tags=opts.tags)
    if ex is None:
        raise ValueError("; ".join(p.message for p in probs) or "unreadable row")
    return orjson.dumps(to_format_dict(ex, target_fmt))
