"""The report: `lint_file` scans a file, then adds the file-wide, duplicate, eval-overlap and token
findings, and the statistics of `--json`."""
from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable

from .. import rules as R
from ..canonical import Problem
from ..formats import FORMAT_HELP, detect_from_info, parse_row
from ..records import DatasetError, FileInfo, iter_records_of, sniff
from ..stats import (EstimateCounter, TokenCounter, distribution, histogram, openai_cost_stats,
                     openai_model_info)
from .dupes import duplicate_pairs, overlap_pairs
from .model import Finding, LintOptions, LintReport, Tick, key_line
from .parallel import scan_file
from .scan import SHORT_ANSWER_TOKENS, Scan
from .shapes import FIRST_LINES, multimodal_finding, reasoning_mix_finding
from .tokens import count_tokens

LARGE_LINE = 1_000_000          # bytes: one example this large is almost surely several, or a whole file
FEW_ROWS = 500                  # the guide's minimum for fine-tuning to help
OPENAI_MIN_ROWS = 10
OPENAI_ROW = '{"messages": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}]}'


def lint_file(path: str | Path, opts: LintOptions | None = None, *, counter: TokenCounter | None = None,
              counter_notice: str | None = None, progress: Callable[[str], None] | None = None,
              tick: Tick | None = None) -> LintReport:
    """Lints one dataset file. Never raises for the file's content: an unreadable file gives a report
    with `fatal` set (exit code 2). `counter` counts tokens (None: the labelled estimate).

    `tick(phase, done, total)` reports progress now and then for a progress bar: phase "scan" (bytes
    of a JSONL file, else lines) and "tokens" (rows counted with the tokenizer); total 0 = unknown.
    Whatever `tick` raises propagates, which is how a caller (a UI worker) abandons a lint. With a
    `tick` the scan stays in this process (no forked workers: they could not report progress, and
    forking a multi-threaded UI process is unsafe)."""
    opts = opts or LintOptions()
    from ..pair_lint import (is_pair_lint, lint_pair_file,  # preference pairs (DPO data) have their own checks
                             openai_target_pair_format)
    if is_pair_lint(path, opts):
        return lint_pair_file(path, opts, counter=counter, counter_notice=counter_notice, progress=progress, tick=tick)
    pair_format = openai_target_pair_format(path, opts)
    if pair_format:
        return _fatal(str(path), DatasetError(
            f"{path}: holds preference pairs ({pair_format}), not OpenAI chat rows. For an OpenAI DPO job check it "
            f"with `tunewiz openai validate {path} --method dpo` (OpenAI's preference format: input, "
            f"preferred_output, non_preferred_output); to train it here, lint it without --target openai and "
            f"train with method: dpo.", path=str(path), code="unknown-format"))
    say = progress or (lambda m: None)
    src = str(path)
    t0 = time.perf_counter()
    try:
        info = sniff(path)
        detected = opts.format == "auto"
        fmt = detect_from_info(info) if detected else opts.format
        if fmt not in FORMAT_HELP:
            raise DatasetError(f"unknown format {opts.format!r}; use one of auto, {', '.join(FORMAT_HELP)}.", code="unknown-format")
    except DatasetError as e:
        return _fatal(src, e)
    say(f"scanning {src} ({info.size / 1e6:.1f} MB, {fmt}, {info.layout})")
    try:
        scan = scan_file(info, fmt, detected, opts, src, tick)
    except DatasetError as e:  # an array read whole with a given format: bad UTF-8 past the sniffed head
        return _fatal(src, e)
    scan_seconds = time.perf_counter() - t0
    # Duplicate pairs (and the eval file's overlap) now, while the records' temp files exist; the
    # findings are added below, in their usual place.
    try:
        dups = duplicate_pairs(scan.dup_stores, str(info.path))
        ev = _eval_overlap(scan, opts) if opts.eval_path else None
    finally:
        scan.cleanup()

    _file_findings(scan, info, fmt, src)
    # Lines to drop in --fix, with their reasons: later copies, eval overlap, then rows with errors.
    reject: dict[int, list[tuple[str, str]]] = {}
    n_exact, n_near = _duplicate_findings(scan, dups, reject)
    eval_stats = _overlap(scan, opts, ev, reject) if opts.eval_path else None
    counter = counter or EstimateCounter("no tokenizer requested")
    tokens, over, limit_name, limit_entry = _token_findings(scan, info, fmt, opts, counter, counter_notice, say, tick)
    for line in scan.error_lines:
        reject.setdefault(line, []).append(("error", "row has errors"))

    stats = _stats(scan, info, fmt, tokens, counter, counter_notice, over, n_exact, n_near, limit_name, limit_entry)
    if eval_stats is not None:
        stats["eval"] = eval_stats
    stats["seconds"] = round(time.perf_counter() - t0, 3)
    stats["scan_mb_per_s"] = round(info.size / 1e6 / scan_seconds, 1) if scan_seconds > 0 else None
    findings = sorted(scan.kept, key=lambda f: (f.line is not None, f.line or 0))
    return LintReport(file=src, format=fmt, rows=scan.rows, findings=findings, stats=stats, counts=scan.counts,
                      severities=scan.sev, layout=info.layout, reject_lines=reject)


def _fatal(src: str, e: DatasetError) -> LintReport:
    fatal = Finding(e.code if e.code in R.CODES else "file-unreadable", R.ERROR, None, None, e.message)
    return LintReport(file=src, format=None, rows=0, findings=[fatal], stats={}, fatal=fatal,
                      counts=Counter({fatal.code: 1}), severities=Counter({R.ERROR: 1}))


def _file_findings(scan: Scan, info: FileInfo, fmt: str, src: str) -> None:
    """Findings about the file as a whole: its encoding and layout, blank and huge lines, mixed formats,
    ignored keys, label-like answers, too few examples, and what OpenAI requires."""
    if info.bom:
        scan.add("bom", 1, None, "the file starts with a UTF-8 byte-order mark (BOM); some loaders (and OpenAI) reject it. "
                 "Save as 'UTF-8' without BOM, or let --fix drop it.")
    suffix = info.path.suffix.lower()
    if info.layout == "array":
        sev = R.ERROR if scan.openai else (R.WARNING if suffix == ".jsonl" else R.INFO)
        scan.add("json-array", 1, None, "the file is one JSON array" + (" although it is named .jsonl" if suffix == ".jsonl" else "")
                 + ". tunewiz reads it, but it is loaded whole into memory and OpenAI only accepts JSONL (one object per line); "
                 "--fix OUT writes JSONL.", severity=sev)
    if info.layout == "concatenated":
        scan.add("json-pretty-printed", 1, None, "the file holds pretty-printed JSON objects spread over several lines; "
                 "JSONL needs one whole object per line. tunewiz can read it, most tools cannot: re-save with one "
                 "json.dumps(obj, ensure_ascii=False) per line, `jq -c . FILE`, or --fix OUT.")
    if scan.blank:
        scan.add("blank-lines", scan.blank_first[0], None, f"{scan.blank} blank line(s) (first at line(s) "
                 f"{', '.join(map(str, scan.blank_first))}); strict JSONL readers fail on them. Delete them or use --fix.")
    if scan.max_line > LARGE_LINE:
        scan.add("line-too-large", scan.max_line_at, None, f"line {scan.max_line_at} is {scan.max_line / 1e6:.1f} MB: far "
                 "beyond any model's context, so it is probably several examples (or a whole file) on one line. Split it.")
    if len(scan.formats) > 1:
        main = fmt
        others = {k: v for k, v in scan.formats.items() if k != main}
        if others and not scan.counts.get("mixed-formats"):
            scan.add("mixed-formats", None, None, f"rows of several formats: {', '.join(f'{v} {k}' for k, v in scan.formats.most_common())}; "
                     "keep one format per file.", severity=R.WARNING)
    _shape_findings(scan, info, fmt)
    if scan.ignored:
        keys = ", ".join(f"{k} ({v})" for k, v in scan.ignored.most_common(8))
        scan.add("ignored-keys", None, None, f"keys no {fmt} reader uses are ignored: {keys}.")
    if scan.answers >= 20 and scan.short * 2 >= scan.answers:
        scan.add("short-answers", scan.short_first[0] if scan.short_first else None, None,
                 f"{scan.short} of {scan.answers} answers are {SHORT_ANSWER_TOKENS} tokens or fewer (e.g. lines "
                 f"{', '.join(map(str, scan.short_first))}): that is a labelling task, where a small classification model "
                 "is cheaper and more reliable than fine-tuning an LLM.")
    if scan.examples < FEW_ROWS:
        scan.add("few-rows", None, None, f"only {scan.examples} usable example(s); with fewer than {FEW_ROWS} clean "
                 "examples fine-tuning rarely helps (the guide's rule of thumb). Collect more, or try prompting / RAG first.")
    if scan.openai:
        if fmt != "openai":
            scan.add("openai-format", None, None, f"the file is {fmt}; OpenAI fine-tuning takes only chat JSONL "
                     f"({OPENAI_ROW}). Convert it: tunewiz lint {src} --fix OUT.jsonl --to openai.")
        if scan.examples < OPENAI_MIN_ROWS:
            scan.add("openai-too-few", None, None, f"{scan.examples} usable example(s); OpenAI requires at least "
                     f"{OPENAI_MIN_ROWS} (and suggests 50–100 to see an effect).")


def _shape_findings(scan: Scan, info: FileInfo, fmt: str) -> None:
    """File-wide findings of today's shapes: reasoning in some rows and not others, media that is dropped."""
    if fmt != "text" and scan.reasoning_rows:
        without = scan.examples - scan.reasoning_rows - scan.reasoning_empty_rows
        first_without = list(scan.no_reasoning_first)
        if without > len(first_without) and len(first_without) < FIRST_LINES and scan.fast_rows:
            first_without = _first_without_reasoning(scan, info, fmt)  # fast-path rows keep no lines
        mix = reasoning_mix_finding(scan.reasoning_rows, without, scan.reasoning_first, first_without)
        if mix:
            scan.add("reasoning-mixed", mix[0], None, mix[1])
    media = multimodal_finding(scan.media_rows, scan.media_kinds, scan.media_first)
    if media:
        scan.add("multimodal", media[0], None, media[1])


def _first_without_reasoning(scan: Scan, info: FileInfo, fmt: str, limit: int = 200_000) -> list[int]:
    """The first lines of readable chat rows without a reasoning trace (read again: the fast path keeps no lines)."""
    out: list[int] = []
    for seen, (line, rec) in enumerate(iter_records_of(info)):
        if seen >= limit or len(out) >= FIRST_LINES:
            break
        if isinstance(rec, Problem):
            continue
        ex, _ = parse_row(rec, fmt, scan.src, line, columns=scan.opts.columns, tags=scan.opts.tags)
        if ex is not None and ex.messages and all(m.reasoning is None for m in ex.messages if m.role == "assistant"):
            out.append(line)
    return out


def _duplicate_findings(scan: Scan, dups: list[tuple[int, int, bool]],
                        reject: dict[int, list[tuple[str, str]]]) -> tuple[int, int]:
    """A finding and a --fix reason for every later copy of a row; returns the (exact, near) copies."""
    n_exact = n_near = 0
    for key, first_key, exact in dups:
        code = "duplicate" if exact else "near-duplicate"
        line, first = key_line(key), key_line(first_key)
        of = f"line {first}" if first != line else "an earlier row on the same line"
        if exact:
            n_exact += 1
            msg = f"exact duplicate of {of}; duplicates over-weight one answer. Drop it (--fix does)."
        else:
            n_near += 1
            msg = f"same text as {of} apart from case/whitespace; drop one of them (--fix does)."
        scan.add(code, line, None, msg)
        reject.setdefault(key, []).append((code, msg))
    return n_exact, n_near


def _token_findings(scan: Scan, info: FileInfo, fmt: str, opts: LintOptions, counter: TokenCounter,
                    counter_notice: str | None, say: Callable[[str], None], tick: Tick | None,
                    ) -> tuple[Counter, int, str | None, dict | None]:
    """Counts tokens (the tokenizer's pass, or the scan's estimate) and finds rows over --max-length or
    OpenAI's per-example limit; returns (tokens per example as value counts, rows over --max-length,
    the OpenAI model's name and catalog entry)."""
    token_lines: list[tuple[int, int]] | None = None
    if counter.exact:
        say(f"counting tokens with {counter.label}")
        skip = set(scan.error_lines)
        token_tick = (lambda k: tick("tokens", k, scan.examples)) if tick is not None else None
        reasoning_lines: list[int] = []
        token_lines = count_tokens(info, fmt, opts, counter, skip, progress=token_tick, reasoning_lines=reasoning_lines)
        tokens = Counter(n for _, n in token_lines)
        tokenizer = getattr(counter, "tok", None)
        if reasoning_lines and tokenizer is not None:
            from engine.train.template import probe_template
            if not probe_template(tokenizer).reasoning:
                first = ", ".join(map(str, reasoning_lines[:5]))
                scan.add("template-drops-reasoning", reasoning_lines[0], None,
                         f"{len(reasoning_lines)} row(s) carry reasoning traces (first at line(s) {first}), but the "
                         f"chat template of {opts.model or counter.label} does not render reasoning: they would be "
                         "trained without it. Pick a model whose template renders reasoning (e.g. Qwen3), or strip "
                         "the traces.")
    else:
        tokens = scan.tokens
        scan.add("token-estimate", None, None, f"token counts are an estimate: {counter_notice or counter.label}.")
    over = 0
    limit_name, limit_entry = openai_model_info(opts.model) if scan.openai else (None, None)
    if token_lines is not None:
        for line, n in token_lines:
            if opts.max_length and n > opts.max_length:
                over += 1
                scan.add("too-long", line, None, f"{n} tokens, more than --max-length {opts.max_length}: the end would be cut "
                         "off in training (the answer, usually). Shorten it, split it, or raise max_length.")
            if limit_entry and n > limit_entry["example_limit"]:
                scan.add("openai-token-limit", line, None, f"{n} tokens, over {limit_name}'s limit of "
                         f"{limit_entry['example_limit']} per example; OpenAI would truncate or reject it.")
    elif opts.max_length or limit_entry:
        # Estimated lengths are per value, not per line: report counts, not lines.
        over = sum(c for v, c in tokens.items() if opts.max_length and v > opts.max_length)
        if over:
            scan.add("too-long", None, None, f"about {over} example(s) are estimated longer than --max-length "
                     f"{opts.max_length}; load a tokenizer (see token-estimate) to get their lines.")
        if limit_entry:
            n_lim = sum(c for v, c in tokens.items() if v > limit_entry["example_limit"])
            if n_lim:
                scan.add("openai-token-limit", None, None, f"about {n_lim} example(s) are estimated over {limit_name}'s "
                         f"limit of {limit_entry['example_limit']} tokens per example.")
    return tokens, over, limit_name, limit_entry


def _eval_overlap(scan: Scan, opts: LintOptions) -> tuple[Scan | None, str | None, list[tuple[int, int]], str | None]:
    """Scans the eval file: (its scan, its format, (training line, first eval line) overlap pairs, why it is unreadable)."""
    eopts = LintOptions(format="auto", target=opts.target, columns=opts.columns, tags=opts.tags, workers=opts.workers,
                        max_per_code=opts.max_per_code)
    try:
        einfo = sniff(opts.eval_path)
        efmt = detect_from_info(einfo)
    except DatasetError as e:
        return None, None, [], e.message
    escan = scan_file(einfo, efmt, True, eopts, str(opts.eval_path), dup_bits=scan.dups.bits)
    try:
        hits = overlap_pairs(scan.dup_stores, escan.dup_stores)
    finally:
        escan.cleanup()
    return escan, efmt, hits, None


def _overlap(scan: Scan, opts: LintOptions, ev: tuple, reject: dict[int, list[tuple[str, str]]]) -> dict[str, Any]:
    """Marks training rows whose normalised text is also in the eval file."""
    escan, efmt, hits, unreadable = ev
    if escan is None:
        scan.add("eval-problems", None, None, f"the eval file cannot be read: {unreadable}", severity=R.ERROR)
        return {"file": opts.eval_path, "rows": 0, "overlap": 0}
    n = 0
    for key, first_eval in hits:
        n += 1
        msg = (f"also in the eval file {opts.eval_path} (line {key_line(first_eval)}); a row in both makes the "
               "eval loss look better than the model is. Remove it from one of them (--fix drops it from training).")
        scan.add("train-eval-overlap", key_line(key), None, msg)
        reject.setdefault(key, []).append(("train-eval-overlap", msg))
    e_err = escan.sev.get(R.ERROR, 0)
    if e_err:
        scan.add("eval-problems", None, None, f"the eval file {opts.eval_path} has {e_err} error(s) of its own; "
                 f"run `tunewiz lint {opts.eval_path}` to see them.")
    return {"file": str(opts.eval_path), "format": efmt, "rows": escan.rows, "examples": escan.examples, "overlap": n,
            "errors": e_err}


def _stats(scan: Scan, info: FileInfo, fmt: str, tokens: Counter, counter: TokenCounter, notice: str | None,
           over: int, n_exact: int, n_near: int, limit_name: str | None, limit_entry: dict | None) -> dict[str, Any]:
    total = int(sum(v * c for v, c in tokens.items()))
    st: dict[str, Any] = {
        "format": fmt, "layout": info.layout, "bytes": info.size, "rows": scan.rows, "examples": scan.examples,
        "rejected_rows": len(set(scan.error_lines)), "blank_lines": scan.blank,
        "turns": distribution(scan.turns),
        "tokens": {"counter": counter.label, "exact": counter.exact, "per_example": distribution(tokens), "total": total,
                   "histogram": histogram(tokens), "over_max_length": over},
        "duplicates": {"exact": n_exact, "near": n_near},
        "short_answers": scan.short,
        # Today's shapes: rows with a reasoning trace (and with only empty <think></think>), rows with media.
        "reasoning_rows": scan.reasoning_rows, "reasoning_empty_rows": scan.reasoning_empty_rows,
        "media": {"rows": scan.media_rows, **dict(sorted(scan.media_kinds.items()))},
        # Rows of an openai-format file in LLaMA-Factory v1's shape ({"type", "value"} parts, loss_weight).
        "v1_rows": scan.v1_rows,
        "findings_by_code": dict(sorted(scan.counts.items())),
        "errors": scan.sev.get(R.ERROR, 0), "warnings": scan.sev.get(R.WARNING, 0), "infos": scan.sev.get(R.INFO, 0),
        "findings_truncated": any(scan.counts[c] > scan.kept_per_code[c] for c in scan.counts),
    }
    if notice:
        st["tokens"]["notice"] = notice
    if limit_name is not None:
        n = scan.examples
        oa: dict[str, Any] = {"model": limit_name}
        if limit_entry:
            oa.update(openai_cost_stats(tokens, n, limit_entry, counter.exact))
            if limit_entry.get("wind_down"):
                oa["wind_down"] = limit_entry["wind_down"]
        else:
            from engine import catalog
            oa["note"] = (f"{limit_name} is not a fine-tunable OpenAI model in the catalog; use one of "
                          f"{', '.join(m.id for m in catalog.openai_models())}")
        st["openai"] = oa
    return st
