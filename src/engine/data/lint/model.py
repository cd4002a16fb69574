"""What the linter takes and gives: `LintOptions`, `Finding`, `LintReport` (and the progress callback `Tick`)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

from .. import rules as R

PARALLEL_MIN_BYTES = 48 << 20   # below this, forking workers costs more than it saves
MAX_WORKERS = 256               # processes one lint forks at most, even when asked for more
LARGE_LINE = 1_000_000          # bytes: one example this large is almost surely several, or a whole file

# Progress callback: (phase, done, total); total 0 means unknown. It may raise to abandon the lint.
Tick = Callable[[str, int, int], None]


def row_key(line: int, place: int = 0) -> int:
    """Which record a duplicate record (and a `LintReport.reject_lines` key) means: its 1-based line, plus
    its place among the records that start on that line (0 for the first) in the high 32 bits. JSONL and
    text rows are alone on their line, so their key is the line; a one-line JSON array is not."""
    return line | place << 32


LINE_MASK = 0xFFFFFFFF   # a row_key's line bits


def key_line(key: int) -> int:
    """The line of a `row_key`."""
    return key & LINE_MASK


@dataclass
class Finding:
    """One lint finding. `line` is the 1-based line in the file (None for file-wide findings). `message` is
    the English; `message_code` (`lint.<code>[.<variant>]`, engine/data/lint_messages.py) and `params` (raw
    values) let the TUI say it in another language (tui.messages.text_of); None where only English exists."""
    code: str
    severity: str
    line: int | None
    field: str | None
    message: str
    params: dict[str, Any] = field(default_factory=dict)
    message_code: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.message, str):   # an EngineMessage: keep its code and params beside the English
            m = self.message
            self.message, self.params, self.message_code = m.text, dict(m.params), m.code

    @classmethod
    def of(cls, code: str, severity: str, line: int | None, fld: str | None, msg: Any) -> "Finding":
        """A finding whose message is an EngineMessage (or plain English text)."""
        if isinstance(msg, str):
            return cls(code, severity, line, fld, msg)
        return cls(code, severity, line, fld, msg.text, dict(msg.params), msg.code)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity, "line": self.line, "field": self.field, "message": self.message,
                "message_code": self.message_code, "params": self.params}


@dataclass
class LintOptions:
    """What to lint for. `format` "auto" detects; `target` "open" (local training) or "openai"."""
    format: str = "auto"
    target: str = "open"
    model: str | None = None
    max_length: int | None = None
    eval_path: str | None = None
    columns: dict[str, str] | None = None
    tags: dict[str, str] | None = None
    # Findings kept per code (all are counted); the JSON report lists the kept ones.
    max_per_code: int = 1000
    # Worker processes for large JSONL files (None = one per CPU, at most 8; 1 = no workers; at most MAX_WORKERS).
    workers: int | None = None
    parallel_min_bytes: int = PARALLEL_MIN_BYTES
    # Collect every erroring line (needed by --fix); cheap, on by default.
    track_rows: bool = True


@dataclass
class LintReport:
    """Everything the linter found out about one file."""
    file: str
    format: str | None
    rows: int
    findings: list[Finding]
    stats: dict[str, Any]
    counts: Counter = field(default_factory=Counter)       # every finding by code, kept or not
    severities: Counter = field(default_factory=Counter)   # every finding by severity
    fatal: Finding | None = None                            # set when the file cannot be read at all
    layout: str = ""
    # Rows to drop in --fix by `row_key` (for JSONL, the line): error rows, and later copies of duplicates /
    # eval-overlap rows.
    reject_lines: dict[int, list[tuple[str, str]]] = field(default_factory=dict)

    def exit_code(self, strict: bool = False) -> int:
        """0: no errors (warnings allowed unless strict); 1: errors; 2: the file cannot be read."""
        if self.fatal is not None:
            return 2
        if self.severities.get(R.ERROR):
            return 1
        if strict and self.severities.get(R.WARNING):
            return 1
        return 0

    def to_json(self) -> dict[str, Any]:
        """The stable `--json` object: file, format, rows, findings, stats."""
        return {"file": self.file, "format": self.format, "rows": self.rows,
                "findings": [f.to_dict() for f in self.findings], "stats": self.stats}
