"""The dataset linter: every rule of docs/lint-codes.md in one streaming pass, plus token statistics.

`lint_file(path, LintOptions(...)) -> LintReport` is the entry point; the modules, in the order a lint
runs through them:
- `model`: LintOptions, Finding, LintReport (what the linter takes and gives).
- `parallel`: scanning a whole file, in this process or over forked workers.
- `scan`: the per-row checks and counters (`Scan`) and the hot loop over JSONL lines.
- `rows`: a row's texts and field names, and the structure checks made through the reader.
- `quality`: the multi-pattern scan and the exact quality rules behind it.
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
- Quality rules: one Hyperscan scan per row over its joined texts (the patterns, `rules.SCAN_PATTERNS`,
  each match a superset of its rule's exact `re` pattern); each match is placed in the text it ends
  in, and only those texts run the exact `re` patterns of the rules their matches name
  (`quality.py`), so the findings are those of Python's `re`. The compiled scanner is cached.
- Duplicates: each example leaves one record (hash of its normalised text, hash of its bytes, line
  number) in 2**k hash partitions; at most DUP_CHUNK records stay in memory, the rest goes to temp
  files. At the end one partition at a time is loaded, repeated hashes are found with a dict, and
  exactness is decided by the bytes' hashes. Statistics are kept as value counts. So memory is
  nearly constant in the file size.
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
