"""The dataset linter: every rule of docs/lint-codes.md in one streaming pass, plus token statistics.

`lint_file(path, LintOptions(...)) -> LintReport` is the entry point; the modules, in the order a lint
runs through them:
- `model`: LintOptions, Finding, LintReport (what the linter takes and gives).
- `parallel`: scanning a whole file, in this process or over forked workers.
- `scan`: the per-row checks and counters (`Scan`) and the hot loop over JSONL lines.
- `rows`: a row's texts and field names, and the structure checks made through the reader.
- `quality`: the quality gate and the detailed quality rules behind it.
- `dupes`: duplicate records in bounded memory, and the duplicate and train/eval overlap pass.
- `tokens`: the token pass with a real tokenizer.
- `report`: `lint_file` itself: file-wide, duplicate and token findings, and the statistics.

Design for speed (a 200 MB file should lint at least as fast as a bare `json.loads` loop):
- JSONL is read as bytes and parsed with orjson; large files are split at line boundaries and
  scanned by forked processes (the parent scans the first part itself), whose results are merged.
  Forking is automatic only where it is safe and pays: a single-threaded process, no progress
  callback, a large file, and CPUs that look idle (see `parallel.plan_workers`).
- Plain chat rows take a fast path, written out inline in the scan loop, that checks shape and
  order with a few C-level operations; anything unusual falls back to the full reader
  (`formats.parse_row`), which is the reference semantics.
- Quality rules run behind cheap gates over each row: one memchr per rare ASCII/Latin-1 byte over
  its JSON line (or one `bytes.translate` of its text when escapes could hide one), a few `in`
  tests (memchr) for the rare wide characters, literal-prefix digit scans. Only rows that trip
  one get the exact gate (`quality.gate`) and then the detailed per-field regexes, so the findings
  are those of the exact gate.
- Duplicates: each example leaves one record (hash of its normalised text, byte offset of its
  line, line number) in 2**k hash partitions; at most DUP_CHUNK records stay in memory, the rest
  goes to temp files. At the end one partition at a time is loaded, repeated hashes are found with
  a dict, and exactness is decided by comparing the two lines' bytes. Statistics are kept as value
  counts. So memory is nearly constant in the file size.
"""
from __future__ import annotations

# The public API. Tuning constants (DUP_CHUNK, SYSTEM_CACHE_MIN, ...) live in the modules that read
# them, and are not re-exported: setting a copy here would change nothing.
from .model import Finding, LintOptions, LintReport, Tick, key_line, row_key
from .quality import ALL_QUALITY, quality_issues
from .report import lint_file
from .rows import KNOWN_TOP_KEYS, OPENAI_MSG_KEYS, OPENAI_TOP_KEYS, content_fields
from .scan import row_findings
from .tokens import count_tokens

__all__ = [
    "lint_file", "LintOptions", "LintReport", "Finding", "Tick", "count_tokens", "row_findings", "row_key", "key_line",
    "quality_issues", "ALL_QUALITY", "content_fields", "OPENAI_TOP_KEYS", "OPENAI_MSG_KEYS", "KNOWN_TOP_KEYS",
]
