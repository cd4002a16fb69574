"""Linting preference-pair files (DPO data), reported as the `LintReport` of `tunewiz lint`, and their `--fix`.

`lint_pair_file` reads every row through `preference.parse_pair` (the one reader of every pair format),
then checks what makes a pair useless or harmful for preference training:
- ``pref-identical``: the two answers are the same (the pair has no gradient).
- ``pref-empty-side`` / ``pref-no-prompt`` / ``pref-last-turn`` / ``pref-output-role`` / ``pref-prompt-mismatch``:
  a pair without two answers to one shared prompt (the reader's errors).
- ``pref-length-bias``: the chosen answer is the longer one in more than `LENGTH_BIAS_SHARE` of pairs (or
  the shorter one in as many): DPO then learns length, not quality (Park et al. 2024, "Disentangling
  Length from Quality in Direct Preference Optimization", arXiv:2403.19159).
- ``pref-too-few``: fewer than `FEW_PAIRS` pairs (the guide's 500-example rule of thumb, applied to pairs).
- ``duplicate``, the quality and personal-data rules (pii-email, secret, ...) on every text, and the
  file-level ones (bom, blank-lines, json-array, ...) with the same codes and meaning as for chat files.

Statistics: pairs, tokens of prompt / chosen / rejected (the counter's, or the labelled estimate), and the
length-bias figures. `fix_pair_file` writes the kept rows unchanged, in the file's own format, as JSONL, and
every removed row with its reasons to OUT.rejected.jsonl; the input is only read.
"""
from __future__ import annotations

import os
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterator

import orjson
from xxhash import xxh3_128_digest

from . import rules as R
from .canonical import Example, PreferencePair, Problem
from .fix import FixResult, fix_outputs, rejected_line, rejected_path_for
from .lint.model import LARGE_LINE, Finding, LintOptions, LintReport, Tick
from .lint.quality import gate, quality_issues, text_gate_hit
from .lint.shapes import reasoning_mix_finding, shape_findings
from .pair_messages import side_text
from .preference import PAIR_FORMATS, SIDE_KEYS, pair_example, detect_pair_file, iter_pairs, looks_like_pair_file, parse_pair
from .records import DatasetError, FileInfo, iter_lines, iter_records_of, line_problem, sniff
from .parts import msg as coded
from ..messages import Coded
from .stats import EstimateCounter, TokenCounter, counter_fields, distribution, histogram
from ..message_parts import as_part

FEW_PAIRS = 500                 # the guide: "数据量至少 500+ 样本，否则没意义" (at least 500 examples)
LENGTH_BIAS_SHARE = 0.8         # chosen longer (or shorter) in more than this share of pairs: a warning
LENGTH_BIAS_MIN_PAIRS = 20      # below this many pairs with different lengths the share says little
TOKEN_RULE = "prompt + the longer side, counted as one conversation"

__all__ = ["lint_pair_file", "fix_pair_file", "is_pair_lint", "jsonl_records", "length_bias", "length_bias_message",
           "same_answers", "FEW_PAIRS", "LENGTH_BIAS_SHARE"]


def is_pair_lint(path: str | Path, opts: LintOptions) -> bool:
    """Whether `lint_file` should lint `path` as preference pairs: a pair format was asked for, or (auto, for
    local training) the file's first rows are pairs. `--target openai` keeps OpenAI's supervised rules (its
    preference files are `tunewiz openai validate --method dpo`'s). Never raises: an unreadable file is left
    to the normal path's message."""
    if opts.format in PAIR_FORMATS:
        return True
    if opts.format != "auto" or opts.target == "openai" or not looks_like_pair_file(path):
        return False
    try:
        return detect_pair_file(sniff(path)) is not None
    except DatasetError:
        return False


def openai_target_pair_format(path: str | Path, opts: LintOptions) -> str | None:
    """The pair format of a file linted with `--target openai` (whose supervised rules do not read pairs), so
    the message can point to `tunewiz openai validate --method dpo`; None for anything else. Never raises."""
    if opts.target != "openai" or opts.format != "auto" or not looks_like_pair_file(path):
        return None
    try:
        return detect_pair_file(sniff(path))
    except DatasetError:
        return None


# ------------------------------------------------------------------------------------------------
# shared with engine.openai_ft.preference

def cut_last_line(path: Path) -> int | None:
    """The number of the file's last line when the file does not end with a newline (else None)."""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        if not f.tell():
            return None
        f.seek(-1, os.SEEK_END)
        if f.read(1) == b"\n":
            return None
        f.seek(0)
        return sum(chunk.count(b"\n") for chunk in iter(lambda: f.read(1 << 20), b"")) + 1


def jsonl_records(path: Path, bom: bool, blank: list[int], largest: list[int] | None = None
                  ) -> Iterator[tuple[int, Any]]:
    """(line, value or Problem) for each non-blank JSONL line; the numbers of blank lines go to `blank`, and
    `largest` (when given) holds [bytes, line] of the longest line."""
    last_cut = cut_last_line(path)
    for n, raw in iter_lines(path, bom):
        if largest is not None and len(raw) > largest[0]:
            largest[:] = [len(raw), n]
        body = raw.strip()
        if not body:
            blank.append(n)
            continue
        try:
            yield n, orjson.loads(body)
        except orjson.JSONDecodeError as e:
            if n == last_cut:
                yield n, Problem.of(str(path), n, None, coded("lint.truncated-last-line"), code="truncated-last-line")
            else:
                yield n, line_problem(path, n, body, e)


def same_answers(pair: PreferencePair) -> bool:
    """Whether the chosen and rejected answers are the same (apart from surrounding whitespace)."""
    return side_text(pair.chosen).strip() == side_text(pair.rejected).strip()


def length_bias(lengths: list[tuple[int, int]]) -> dict[str, Any]:
    """The length-bias figures of (chosen, rejected) lengths: pairs, how many have the longer side chosen
    (ties left out of the share), the share and the median chosen/rejected ratio."""
    differ = [(c, r) for c, r in lengths if c != r]
    longer = sum(c > r for c, r in differ)
    ratios = [c / r for c, r in lengths if r > 0]
    import statistics  # (here: ~9 ms to import, and every `tunewiz lint` imports this module)
    return {"pairs": len(lengths), "measured_in": "characters", "chosen_longer": longer,
            "rejected_longer": len(differ) - longer,
            "chosen_longer_share": round(longer / len(differ), 3) if differ else None,
            "median_ratio": round(statistics.median(ratios), 3) if ratios else None}


def length_bias_message(bias: dict[str, Any], openai: bool = False) -> Any:
    """The pref-length-bias message when the chosen side is systematically longer (or shorter), else None."""
    share = bias["chosen_longer_share"]
    n = bias["chosen_longer"] + bias["rejected_longer"]
    if share is None or n < LENGTH_BIAS_MIN_PAIRS or LENGTH_BIAS_SHARE >= share >= 1 - LENGTH_BIAS_SHARE:
        return None
    side, k = ("longer", bias["chosen_longer"]) if share > 0.5 else ("shorter", bias["rejected_longer"])
    return coded(f"lint.pref-length-bias.{side}" + (".openai" if openai else ""), count=k, pairs=n, share=k / n,
                 ratio=bias["median_ratio"])


# ------------------------------------------------------------------------------------------------
# the lint

class _State:
    def __init__(self, src: str, max_per_code: int) -> None:
        self.src = src
        self.max_per_code = max_per_code
        self.kept: list[Finding] = []
        self.counts: Counter = Counter()
        self.kept_per_code: Counter = Counter()
        self.sev: Counter = Counter()
        self.error_lines: set[int] = set()
        self.reject: dict[int, list[tuple[str, str]]] = {}
        self.rows = 0
        self.blank: list[int] = []
        self.largest = [0, 0]   # [bytes, line] of the longest JSONL line
        self.seen: dict[bytes, int] = {}
        self.dupes = 0
        self.lengths: list[tuple[int, int]] = []
        self.turns: Counter = Counter()
        self.pending: list[tuple[int, PreferencePair]] = []
        self.tokens: list[tuple[int, int, int, int]] = []   # (line, prompt, chosen, rejected)
        self.formats: Counter = Counter()
        self.reasoning: dict[bool, list[int]] = {True: [], False: []}   # sides with / without a trace: lines

    def add(self, code: str, line: int | None, fld: str | None, message: Any, severity: str | None = None) -> None:
        """One finding; `message` is an EngineMessage (engine/messages.py) or, where none exists yet, English."""
        if code not in R.CODES:
            code = "json-invalid"
        sev = severity or R.CODES[code][0]
        self.counts[code] += 1
        self.sev[sev] += 1
        if self.counts[code] <= self.max_per_code:
            self.kept_per_code[code] += 1
            self.kept.append(Finding.of(code, sev, line, fld, message))
        if sev == R.ERROR and line is not None:
            self.error_lines.add(line)
            self.reject.setdefault(line, []).append((code, str(message)))


def _pair_key(pair: PreferencePair) -> bytes:
    doc = [[m.to_template_dict() for m in part] for part in (pair.prompt, pair.chosen, pair.rejected)]
    try:
        data = orjson.dumps([doc, pair.tools], option=orjson.OPT_SORT_KEYS)
    except (TypeError, orjson.JSONEncodeError):
        data = repr(doc).encode("utf-8", "surrogatepass")
    return xxh3_128_digest(data)  # (a key within one run; hashlib's import costs every lint ~7 ms)


_MSG_FIELD = re.compile(r"^messages\[(\d+)\](.*)$")


def _shapes(pair: PreferencePair, keys: tuple[str, str]) -> dict[tuple[str, str | None], str]:
    """The reasoning and tool-call rules of chat rows (lint/shapes.py) on prompt + each answer, with the
    fields named as prompt[i] / chosen[i] / rejected[i] (a prompt's finding once, not once a side)."""
    out: dict[tuple[str, str | None], str] = {}
    k = len(pair.prompt)
    for key, side in zip(keys, (pair.chosen, pair.rejected)):
        msgs = [*pair.prompt, *side]
        obj = {"messages": [m.to_template_dict() for m in msgs]}
        fields: list[tuple[str | None, str]] = [(f"messages[{i}].content", m.content) for i, m in enumerate(msgs)]
        for code, fld, msg in shape_findings("openai", obj, Example(pair.source, pair.line, messages=msgs,
                                                                     tools=pair.tools), fields):
            m = _MSG_FIELD.match(fld or "")
            if m:
                i = int(m.group(1))
                fld = f"prompt[{i}]{m.group(2)}" if i < k else f"{key}[{i - k}]{m.group(2)}"
            out.setdefault((code, fld), msg)
    return out


def _conv(msgs: list[Any]) -> list[dict[str, Any]]:
    return [m.to_template_dict() for m in msgs]


def _count(st: _State, counter: TokenCounter) -> None:
    """Tokens of the pending pairs: prompt alone, prompt + chosen, prompt + rejected (in one batch)."""
    if not st.pending:
        return
    convs: list[list[dict[str, Any]]] = []
    tools: list[Any] = []
    for _, p in st.pending:
        prompt = _conv(p.prompt)
        convs += [prompt, prompt + _conv(p.chosen), prompt + _conv(p.rejected)]
        tools += [p.tools] * 3
    try:
        counts = counter.count_chats(convs, tools)
    except Exception:  # noqa: BLE001 - a template that cannot render one row must not lose the count
        counts = EstimateCounter().count_chats(convs, tools)
    for i, (line, _) in enumerate(st.pending):
        p, c, r = counts[3 * i:3 * i + 3]
        st.tokens.append((line, p, max(c - p, 0), max(r - p, 0)))
    st.pending.clear()


def _records(info: FileInfo, st: _State) -> Iterator[tuple[int, Any]]:
    if info.layout == "jsonl":
        return jsonl_records(info.path, info.bom, st.blank, st.largest)
    return iter_records_of(info)


def _check(st: _State, n: int, rec: Any, fmt: str, columns: dict | None, keys: tuple[str, str]) -> None:
    if isinstance(rec, Problem):
        st.add(rec.code or "json-invalid", n, rec.field, rec.engine_message())
        return
    pair, probs = parse_pair(rec, fmt, st.src, n, columns=columns)
    for p in probs:
        st.add(p.code or "json-invalid", n, p.field, p.engine_message(), p.severity)
    if pair is None:
        return
    st.formats[fmt] += 1
    texts = [("prompt", side_text(pair.prompt)), (keys[0], side_text(pair.chosen)), (keys[1], side_text(pair.rejected))]
    for fld, text in texts:
        if text and text_gate_hit(text):
            for code, msg in quality_issues(text, gate(text)):
                st.add(code, n, fld, msg)
    for (code, fld), msg in _shapes(pair, keys).items():
        st.add(code, n, fld, msg)
    for side in (pair.chosen, pair.rejected):
        st.reasoning[any(m.reasoning for m in side)].append(n)
    if n in st.error_lines:  # a secret: the row is rejected
        return
    if same_answers(pair):
        m = coded("lint.pref-identical", chosen=keys[0], rejected=keys[1])
        st.add("pref-identical", n, keys[1], m)
        st.reject.setdefault(n, []).append(("pref-identical", m.text))
        return
    key = _pair_key(pair)
    first = st.seen.get(key)
    if first is not None:
        st.dupes += 1
        m = coded("lint.duplicate.pair", first=first)
        st.add("duplicate", n, None, m)
        st.reject.setdefault(n, []).append(("duplicate", m.text))
        return
    st.seen[key] = n
    st.lengths.append((len(texts[1][1]), len(texts[2][1])))
    st.turns[len(pair.prompt)] += 1
    st.pending.append((n, pair))


def lint_pair_file(path: str | Path, opts: LintOptions | None = None, *, counter: TokenCounter | None = None,
                   counter_notice: str | None = None, progress: Callable[[str], None] | None = None,
                   tick: Tick | None = None) -> LintReport:
    """Lints a preference-pair file. Never raises for the file's content: an unreadable file gives a report
    with `fatal` set (exit code 2). `opts.format` is "auto" or one of PAIR_FORMATS; `opts.columns` a
    LLaMA-Factory column map; `opts.max_length` reports pairs longer than that (prompt + the longer side)."""
    opts = opts or LintOptions()
    say = progress or (lambda m: None)
    src = str(path)
    t0 = time.perf_counter()
    try:
        info = sniff(path)
        fmt = opts.format if opts.format in PAIR_FORMATS else detect_pair_file(info)
        if fmt is None:
            from engine.message_parts import parts
            raise DatasetError(coded("lint.unknown-format.pairs", path=src, examples=parts(
                [pair_example(f) for f in PAIR_FORMATS], "; ")), code="unknown-format")
    except DatasetError as e:
        return _fatal(src, e)
    say(Coded("lint.progress.pairs", file=src, mb=info.size / 1e6, format=fmt, layout=info.layout))
    counter = counter or EstimateCounter(Coded("lint.counter.why.not-requested"))
    st = _State(src, opts.max_per_code)
    keys = (opts.columns or {}).get("chosen", SIDE_KEYS[fmt][0]), (opts.columns or {}).get("rejected", SIDE_KEYS[fmt][1])
    try:
        for n, rec in _records(info, st):
            st.rows += 1
            _check(st, n, rec, fmt, opts.columns, keys)
            if len(st.pending) >= 256:
                _count(st, counter)
            if tick is not None and not st.rows & 255:
                tick("scan", st.rows, 0)
    except DatasetError as e:  # an array file that turns out not to be UTF-8 past the sniffed head
        return _fatal(src, e)
    _count(st, counter)
    _file_findings(st, info, fmt, counter, counter_notice, opts)
    eval_stats = _eval_overlap(st, opts) if opts.eval_path else None
    stats = _stats(st, info, fmt, counter, counter_notice, opts)
    if eval_stats is not None:
        stats["eval"] = eval_stats
    stats["seconds"] = round(time.perf_counter() - t0, 3)
    findings = sorted(st.kept, key=lambda f: (f.line is not None, f.line or 0))
    return LintReport(file=src, format=fmt, rows=st.rows, findings=findings, stats=stats, counts=st.counts,
                      severities=st.sev, layout=info.layout, reject_lines=st.reject)


def _eval_overlap(st: _State, opts: LintOptions) -> dict[str, Any]:
    """Marks training pairs that are also in the eval file (same prompt and answers, whatever its format)."""
    try:
        _, efmt, rows = iter_pairs(opts.eval_path, "auto", columns=opts.columns)
        first: dict[bytes, int] = {}
        erows = errors = 0
        for line, _rec, pair, probs in rows:
            erows += 1
            errors += any(p.severity == R.ERROR for p in probs)
            if pair is not None:
                first.setdefault(_pair_key(pair), line)
    except DatasetError as e:
        st.add("eval-problems", None, None, coded("lint.eval-problems.unreadable-pairs", error=e.message), severity=R.ERROR)
        return {"file": str(opts.eval_path), "rows": 0, "overlap": 0}
    n = 0
    for key, line in st.seen.items():
        if key in first:
            n += 1
            m = coded("lint.train-eval-overlap.pair", eval_file=str(opts.eval_path), eval_line=first[key])
            st.add("train-eval-overlap", line, None, m)
            st.reject.setdefault(line, []).append(("train-eval-overlap", m.text))
    if errors:
        st.add("eval-problems", None, None, coded("lint.eval-problems.pairs", eval_file=str(opts.eval_path), errors=errors))
    return {"file": str(opts.eval_path), "format": efmt, "rows": erows, "examples": len(first), "overlap": n,
            "errors": errors}


def _fatal(src: str, e: DatasetError) -> LintReport:
    fatal = Finding.of(e.code if e.code in R.CODES else "file-unreadable", R.ERROR, None, None, e.engine_message())
    return LintReport(file=src, format=None, rows=0, findings=[fatal], stats={}, fatal=fatal,
                      counts=Counter({fatal.code: 1}), severities=Counter({R.ERROR: 1}))


def _file_findings(st: _State, info: FileInfo, fmt: str, counter: TokenCounter, notice: str | None,
                   opts: LintOptions) -> None:
    if info.bom:
        st.add("bom", 1, None, coded("lint.bom.pairs"))
    if info.layout == "array":
        st.add("json-array", 1, None, coded("lint.json-array.pairs"))
    elif info.layout == "concatenated":
        st.add("json-pretty-printed", 1, None, coded("lint.json-pretty-printed.pairs"))
    if st.blank:
        st.add("blank-lines", st.blank[0], None, coded("lint.blank-lines", count=len(st.blank), lines=st.blank[:5]))
    size, line = st.largest
    if size > LARGE_LINE:
        st.add("line-too-large", line, None, coded("lint.line-too-large", line=line, mb=size / 1e6))
    pairs = len(st.lengths)
    if pairs < FEW_PAIRS:
        st.add("pref-too-few", None, None, coded("lint.pref-too-few", pairs=pairs, minimum=FEW_PAIRS))
    msg = length_bias_message(length_bias(st.lengths))
    if msg:
        st.add("pref-length-bias", None, None, msg)
    mix = reasoning_mix_finding(len(st.reasoning[True]), len(st.reasoning[False]), sorted(set(st.reasoning[True])),
                                sorted(set(st.reasoning[False])), answers=True)
    if mix:
        line, text = mix
        st.add("reasoning-mixed", line, None, text)
    if not counter.exact:
        st.add("token-estimate", None, None, coded("lint.token-estimate", why=as_part(notice or counter.label)))
    if opts.max_length:
        over = [(line, p + max(c, r)) for line, p, c, r in st.tokens if p + max(c, r) > opts.max_length]
        for line, k in over[:opts.max_per_code]:
            st.add("too-long", line, None, coded("lint.too-long.pair" + ("" if counter.exact else ".estimated"), tokens=k,
                                                 max_length=opts.max_length))


def _stats(st: _State, info: FileInfo, fmt: str, counter: TokenCounter, notice: str | None,
           opts: LintOptions) -> dict[str, Any]:
    per = Counter(p + max(c, r) for _, p, c, r in st.tokens)
    prompt, chosen, rejected = (Counter(t[i] for t in st.tokens) for i in (1, 2, 3))
    total = int(sum(p + c + r for _, p, c, r in st.tokens))
    n = len(st.tokens)
    out: dict[str, Any] = {
        "format": fmt, "layout": info.layout, "bytes": info.size, "rows": st.rows, "examples": n, "pairs": n,
        "rejected_rows": len(st.error_lines), "blank_lines": len(st.blank), "turns": distribution(st.turns),
        "tokens": {**counter_fields(counter, notice), "per_example": distribution(per), "total": total,
                   "histogram": histogram(per), "rule": TOKEN_RULE,
                   "over_max_length": sum(c for v, c in per.items() if opts.max_length and v > opts.max_length),
                   "prompt": distribution(prompt), "chosen": distribution(chosen), "rejected": distribution(rejected)},
        "length_bias": length_bias(st.lengths),
        "duplicates": {"exact": st.dupes, "near": 0},
        "identical": st.counts.get("pref-identical", 0),
        "findings_by_code": dict(sorted(st.counts.items())),
        "errors": st.sev.get(R.ERROR, 0), "warnings": st.sev.get(R.WARNING, 0), "infos": st.sev.get(R.INFO, 0),
        "findings_truncated": any(st.counts[c] > st.kept_per_code[c] for c in st.counts),
    }
    return out


# ------------------------------------------------------------------------------------------------
# --fix

def fix_pair_file(path: str | Path, report: LintReport, out: str | Path, opts: LintOptions | None = None, *,
                  dry_run: bool = False) -> FixResult:
    """Writes the pairs without errors, duplicates or identical answers to `out` (JSONL, each row as it was
    in the input, so the format stays the same) and every removed row with its reasons to OUT.rejected.jsonl.
    Raises DatasetError when `out` would overwrite the input or cannot be written."""
    opts = opts or LintOptions()
    src = Path(path)
    out_p, rej_p = Path(out), rejected_path_for(out)
    if report.fatal is not None or report.format not in PAIR_FORMATS:
        raise DatasetError(coded("lint.fix.unreadable-pairs", path=str(src)), code="file-unreadable")
    for p in (out_p, rej_p):
        if p.resolve() == src.resolve():
            raise DatasetError(coded("lint.fix.overwrite", path=str(p)), code="bad-argument")
    info = sniff(src)
    fmt = report.format
    kept = rejected = rows = 0
    with fix_outputs(out_p, rej_p, dry_run) as (fo, fr):
        for n, rec in iter_records_of(info):
            rows += 1
            # the lint's reasons (the reader's errors, secrets, duplicates, identical answers): what a user saw
            reasons = list(report.reject_lines.get(n, []))
            if isinstance(rec, Problem) and not reasons:
                reasons.append((rec.code or "json-invalid", rec.message))
            if reasons:
                rejected += 1
                fr.write(rejected_line(n, rec, reasons))
            else:
                kept += 1
                fo.write(orjson.dumps(rec) + b"\n")
    return FixResult(out=str(out_p), rejected_path=str(rej_p), rows=rows, kept=kept, rejected=rejected, format=fmt)
