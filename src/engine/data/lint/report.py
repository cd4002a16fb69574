"""The report: `lint_file` scans a file, then adds the file-wide, duplicate, eval-overlap and token
findings, and the statistics of `--json`."""
from __future__ import annotations

import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable

# (registers lint.*; else the first message made, the progress line, imports every domain's templates: ~10 ms)
from .. import lint_messages  # noqa: F401
from .. import rules as R
from ..canonical import Problem
from ...messages import Coded, template
from ..parts import msg
from ..formats import FORMAT_HELP, detect_from_info, parse_row
from ..records import DatasetError, FileInfo, iter_records_of, sniff
from ..stats import (EstimateCounter, TokenCounter, coded_dict, counter_fields, distribution, histogram,
                     openai_cost_stats, openai_model_info)
from ...message_parts import as_part
from .dupes import duplicate_pairs, overlap_pairs
from .model import LARGE_LINE, LINE_MASK, Finding, LintOptions, LintReport, Tick, key_line
from .parallel import scan_file
from .quality import LazyMessage
from .scan import SHORT_ANSWER_TOKENS, Scan
from .shapes import FIRST_LINES, multimodal_finding, reasoning_mix_finding
from .tokens import count_tokens

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
        return _fatal(str(path), DatasetError(msg("lint.unknown-format.pairs-for-openai", path=str(path), format=pair_format),
                                              path=str(path), code="unknown-format"))
    say = progress or (lambda m: None)
    src = str(path)
    t0 = time.perf_counter()
    try:
        info = sniff(path)
        detected = opts.format == "auto"
        fmt = detect_from_info(info) if detected else opts.format
        if fmt not in FORMAT_HELP:
            raise DatasetError(msg("lint.unknown-format.option", format=repr(opts.format)[:60], formats=list(FORMAT_HELP)),
                               code="unknown-format")
    except DatasetError as e:
        return _fatal(src, e)
    say(Coded("lint.progress.scanning", file=src, mb=info.size / 1e6, format=fmt, layout=info.layout))
    try:
        scan = scan_file(info, fmt, detected, opts, src, tick)
    except DatasetError as e:  # an array read whole with a given format: bad UTF-8 past the sniffed head
        return _fatal(src, e)
    scan_seconds = time.perf_counter() - t0
    # Duplicate pairs (and the eval file's overlap) now, while the records' temp files exist; the
    # findings are added below, in their usual place.
    try:
        dups = duplicate_pairs(scan.dup_stores)
        ev = _eval_overlap(scan, opts) if opts.eval_path else None
    finally:
        scan.cleanup()

    _file_findings(scan, info, fmt, src)
    # Lines to drop in --fix, with their reasons: later copies, eval overlap, then rows with errors.
    reject: dict[int, list[tuple[str, str]]] = {}
    n_exact, n_near = _duplicate_findings(scan, dups, reject)
    eval_stats = _overlap(scan, opts, ev, reject) if opts.eval_path else None
    counter = counter or EstimateCounter(Coded("lint.counter.why.not-requested"))
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
    fatal = Finding.of(e.code if e.code in R.CODES else "file-unreadable", R.ERROR, None, None, e.engine_message())
    return LintReport(file=src, format=None, rows=0, findings=[fatal], stats={}, fatal=fatal,
                      counts=Counter({fatal.code: 1}), severities=Counter({R.ERROR: 1}))


def _file_findings(scan: Scan, info: FileInfo, fmt: str, src: str) -> None:
    """Findings about the file as a whole: its encoding and layout, blank and huge lines, mixed formats,
    ignored keys, label-like answers, too few examples, and what OpenAI requires."""
    if info.bom:
        scan.add("bom", 1, None, msg("lint.bom"))
    suffix = info.path.suffix.lower()
    if info.layout == "array":
        sev = R.ERROR if scan.openai else (R.WARNING if suffix == ".jsonl" else R.INFO)
        scan.add("json-array", 1, None, msg("lint.json-array" + (".jsonl" if suffix == ".jsonl" else "")), severity=sev)
    if info.layout == "concatenated":
        scan.add("json-pretty-printed", 1, None, msg("lint.json-pretty-printed"))
    if scan.blank:
        scan.add("blank-lines", scan.blank_first[0], None, msg("lint.blank-lines", count=scan.blank, lines=list(scan.blank_first)))
    if scan.max_line > LARGE_LINE:
        scan.add("line-too-large", scan.max_line_at, None, msg("lint.line-too-large", line=scan.max_line_at, mb=scan.max_line / 1e6))
    if len(scan.formats) > 1:
        main = fmt
        others = {k: v for k, v in scan.formats.items() if k != main}
        if others and not scan.counts.get("mixed-formats"):
            scan.add("mixed-formats", None, None, msg("lint.mixed-formats", formats=[f"{v} {k}" for k, v in scan.formats.most_common()]),
                     severity=R.WARNING)
    _shape_findings(scan, info, fmt)
    if scan.ignored:
        keys = [f"{k} ({v})" for k, v in scan.ignored.most_common(8)]
        scan.add("ignored-keys", None, None, msg("lint.ignored-keys", format=fmt, keys=keys))
    if scan.answers >= 20 and scan.short * 2 >= scan.answers:
        scan.add("short-answers", scan.short_first[0] if scan.short_first else None, None,
                 msg("lint.short-answers", short=scan.short, answers=scan.answers, tokens=SHORT_ANSWER_TOKENS,
                     lines=list(scan.short_first)))
    if scan.examples < FEW_ROWS:
        scan.add("few-rows", None, None, msg("lint.few-rows", examples=scan.examples, minimum=FEW_ROWS))
    if scan.openai:
        if fmt != "openai":
            scan.add("openai-format", None, None, msg("lint.openai-format", format=fmt, row=OPENAI_ROW, file=src))
        if scan.examples < OPENAI_MIN_ROWS:
            scan.add("openai-too-few", None, None, msg("lint.openai-too-few", examples=scan.examples, minimum=OPENAI_MIN_ROWS))


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
    """A finding and a --fix reason for every later copy of a row; returns the (exact, near) copies. (Thousands in
    a large file, after the scan: each reason's text comes straight from its template, a finding's message is made
    only if the finding is kept, and copies past LintOptions.max_per_code are only counted, in one step.)"""
    n_exact = n_near = 0
    templates = {c: template(c) for c in ("lint.duplicate", "lint.duplicate.same-line", "lint.near-duplicate",
                                          "lint.near-duplicate.same-line")}
    add, setdefault = scan.add, reject.setdefault
    # Findings each code can still keep; a code whose findings are errors is never only counted (each error line is
    # kept for --fix).
    room = {c: scan.cap - scan.kept_per_code[c] if scan.severity_of(c) != R.ERROR else len(dups)
            for c in ("duplicate", "near-duplicate")}
    unkept = dict.fromkeys(room, 0)
    for key, first_key, exact in dups:
        line, first = key & LINE_MASK, first_key & LINE_MASK   # (key_line, inline: thousands of pairs)
        if exact:
            n_exact += 1
            code, mcode = "duplicate", "lint.duplicate.same-line" if first == line else "lint.duplicate"
        else:
            n_near += 1
            code, mcode = "near-duplicate", "lint.near-duplicate.same-line" if first == line else "lint.near-duplicate"
        if room[code] > 0:
            room[code] -= 1
            add(code, line, None, LazyMessage(mcode, first=first))
        else:
            unkept[code] += 1
        setdefault(key, []).append((code, templates[mcode].format(first=first)))
    for code, copies in unkept.items():
        scan.count_unkept(code, copies)
    return n_exact, n_near


def _token_findings(scan: Scan, info: FileInfo, fmt: str, opts: LintOptions, counter: TokenCounter,
                    counter_notice: str | None, say: Callable[[str], None], tick: Tick | None,
                    ) -> tuple[Counter, int, str | None, dict | None]:
    """Counts tokens (the tokenizer's pass, or the scan's estimate) and finds rows over --max-length or
    OpenAI's per-example limit; returns (tokens per example as value counts, rows over --max-length,
    the OpenAI model's name and catalog entry)."""
    token_lines: list[tuple[int, int]] | None = None
    if counter.exact:
        say(Coded("lint.progress.tokens", counter=as_part(counter.label)))
        skip = set(scan.error_lines)
        token_tick = (lambda k: tick("tokens", k, scan.examples)) if tick is not None else None
        reasoning_lines: list[int] = []
        token_lines = count_tokens(info, fmt, opts, counter, skip, progress=token_tick, reasoning_lines=reasoning_lines)
        tokens = Counter(n for _, n in token_lines)
        tokenizer = getattr(counter, "tok", None)
        if reasoning_lines and tokenizer is not None:
            from engine.train.template import probe_template
            if not probe_template(tokenizer).reasoning:
                scan.add("template-drops-reasoning", reasoning_lines[0], None,
                         msg("lint.template-drops-reasoning", rows=len(reasoning_lines), lines=reasoning_lines[:5],
                             model=opts.model or as_part(counter.label)))
    else:
        tokens = scan.tokens
        scan.add("token-estimate", None, None, msg("lint.token-estimate", why=as_part(counter_notice or counter.label)))
    over = 0
    limit_name, limit_entry = openai_model_info(opts.model) if scan.openai else (None, None)
    if token_lines is not None:
        for line, n in token_lines:
            if opts.max_length and n > opts.max_length:
                over += 1
                scan.add("too-long", line, None, msg("lint.too-long", tokens=n, max_length=opts.max_length))
            if limit_entry and n > limit_entry["example_limit"]:
                scan.add("openai-token-limit", line, None, msg("lint.openai-token-limit", tokens=n, model=limit_name,
                                                                   limit=limit_entry["example_limit"]))
    elif opts.max_length or limit_entry:
        # Estimated lengths are per value, not per line: report counts, not lines.
        over = sum(c for v, c in tokens.items() if opts.max_length and v > opts.max_length)
        if over:
            scan.add("too-long", None, None, msg("lint.too-long.estimated", count=over, max_length=opts.max_length))
        if limit_entry:
            n_lim = sum(c for v, c in tokens.items() if v > limit_entry["example_limit"])
            if n_lim:
                scan.add("openai-token-limit", None, None, msg("lint.openai-token-limit.estimated", count=n_lim,
                                                               model=limit_name, limit=limit_entry["example_limit"]))
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
        scan.add("eval-problems", None, None, msg("lint.eval-problems.unreadable", error=unreadable), severity=R.ERROR)
        return {"file": opts.eval_path, "rows": 0, "overlap": 0}
    n = 0
    for key, first_eval in hits:
        n += 1
        m = msg("lint.train-eval-overlap", eval_file=str(opts.eval_path), eval_line=key_line(first_eval))
        scan.add("train-eval-overlap", key_line(key), None, m)
        reject.setdefault(key, []).append(("train-eval-overlap", m.text))
    e_err = escan.sev.get(R.ERROR, 0)
    if e_err:
        scan.add("eval-problems", None, None, msg("lint.eval-problems", eval_file=str(opts.eval_path), errors=e_err))
    return {"file": str(opts.eval_path), "format": efmt, "rows": escan.rows, "examples": escan.examples, "overlap": n,
            "errors": e_err}


def _stats(scan: Scan, info: FileInfo, fmt: str, tokens: Counter, counter: TokenCounter, notice: str | None,
           over: int, n_exact: int, n_near: int, limit_name: str | None, limit_entry: dict | None) -> dict[str, Any]:
    total = int(sum(v * c for v, c in tokens.items()))
    st: dict[str, Any] = {
        "format": fmt, "layout": info.layout, "bytes": info.size, "rows": scan.rows, "examples": scan.examples,
        "rejected_rows": len(set(scan.error_lines)), "blank_lines": scan.blank,
        "turns": distribution(scan.turns),
        "tokens": {**counter_fields(counter, notice), "per_example": distribution(tokens), "total": total,
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
    if limit_name is not None:
        n = scan.examples
        oa: dict[str, Any] = {"model": limit_name}
        if limit_entry:
            oa.update(openai_cost_stats(tokens, n, limit_entry, counter.exact))
            if limit_entry.get("wind_down"):
                oa["wind_down"] = limit_entry["wind_down"]
        else:
            from engine import catalog
            note = Coded("lint.stats.openai-not-in-catalog", model=limit_name,
                         models=[m.id for m in catalog.openai_models()])
            oa["note"], oa["note_message"] = str(note), coded_dict(note)
        st["openai"] = oa
    return st
