"""`tunewiz lint`: the dataset linter's command line (the engine is engine.data.lint).

Exit codes are stable for CI: 0 no errors (warnings allowed unless --strict), 1 errors found,
2 the file cannot be read at all or the arguments are wrong. Heavy libraries (transformers,
tiktoken) are imported only when a tokenizer is actually loaded.
"""
from __future__ import annotations

import sys
from collections import OrderedDict
from pathlib import Path
from typing import Any, Optional

from tui import clikit

from engine.data.lint.model import MAX_WORKERS
from tui.cli_args import whole_number_in

FORMAT_CHOICES = ("auto", "openai", "alpaca", "sharegpt", "conversation", "text")
# Preference-pair (DPO) formats: engine.data.preference.PAIR_FORMATS (spelled out so --help stays light).
PAIR_FORMAT_CHOICES = ("trl", "sharegpt-pairs", "alpaca-pairs", "llamafactory-v1-pairs", "openai-preference")
TARGET_CHOICES = ("open", "openai")
TO_CHOICES = ("openai", "alpaca", "sharegpt")
SEV_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def _bad_args(message: str) -> None:
    clikit.echo(f"tunewiz lint: {message}", err=True)
    raise clikit.Exit(2)


def lint(
    file: Path = clikit.Argument(..., help="Dataset file: JSONL, a JSON array, or .txt raw text.", show_default=False),
    eval_file: Optional[Path] = clikit.Argument(None, help="Optional eval file: also checks train/eval overlap.",
                                               show_default=False),
    format: str = clikit.Option("auto", "--format", "-f", help="auto | openai | alpaca | sharegpt | conversation | text; "
                               "preference pairs: trl | sharegpt-pairs | alpaca-pairs | llamafactory-v1-pairs | openai-preference"),
    target: str = clikit.Option("open", "--target", help="open (train locally) | openai (OpenAI's fine-tuning rules, tiktoken, cost)"),
    model: Optional[str] = clikit.Option(None, "--model", help="Tokenizer to count with: demo (default), a local folder or hub id; "
                                        "with --target openai the OpenAI model (price and per-example limit)."),
    max_length: Optional[int] = clikit.Option(None, "--max-length", parser=whole_number_in(1), help="Report examples longer than this many tokens (truncated in training; at least 1)."),
    as_json: bool = clikit.Option(False, "--json", help="Print one JSON object (file, format, rows, findings, stats)."),
    fix: Optional[Path] = clikit.Option(None, "--fix", help="Write a cleaned copy to OUT and every removed row to OUT.rejected.jsonl."),
    to: Optional[str] = clikit.Option(None, "--to", help="With --fix: convert to openai | alpaca | sharegpt."),
    strict: bool = clikit.Option(False, "--strict", help="Exit 1 on warnings too."),
    no_tokenizer: bool = clikit.Option(False, "--no-tokenizer", help="Do not load a tokenizer; use the labelled estimate (fastest)."),
    workers: Optional[int] = clikit.Option(None, "--workers", parser=whole_number_in(1, MAX_WORKERS), help="Processes for large JSONL files, 1-256 (default: one per CPU that other processes leave idle)."),
) -> None:
    """Check a dataset before spending GPU hours or API money: structure, quality, personal data, length, cost."""
    if format not in FORMAT_CHOICES and format not in PAIR_FORMAT_CHOICES:
        _bad_args(f"--format {format!r}: use one of {', '.join(FORMAT_CHOICES + PAIR_FORMAT_CHOICES)}.")
    if target not in TARGET_CHOICES:
        _bad_args(f"--target {target!r}: use one of {', '.join(TARGET_CHOICES)}.")
    if to is not None and to not in TO_CHOICES:
        _bad_args(f"--to {to!r}: use one of {', '.join(TO_CHOICES)}.")
    if to is not None and fix is None:
        _bad_args("--to only applies with --fix OUT.")

    from engine.data.lint import LintOptions, lint_file
    from engine.data.stats import EstimateCounter, load_counter
    if as_json:  # (nothing to say: tui.messages, the rendering in the user's language, is not even imported)
        def say(m: Any) -> None:
            pass
    else:
        from tui.messages import text_of

        def say(m: Any) -> None:
            clikit.echo(f"… {text_of(m)}", err=True)
    opts = LintOptions(format=format, target=target, model=model, max_length=max_length,
                       eval_path=str(eval_file) if eval_file else None, workers=workers)
    notice = None
    if no_tokenizer:
        from engine.messages import Coded
        counter = EstimateCounter(Coded("lint.counter.why.no-tokenizer"))
        notice = Coded("lint.notice.no-tokenizer")
    else:
        # --target openai: the model picks tiktoken's encoding (o200k_base / cl100k_base) as well as the price.
        counter, notice = load_counter(target, model, progress=say)
        if notice:
            say(notice)
    # Everything alive now (modules, the command line) lives until this command exits. Frozen, the scan's
    # garbage collections (it allocates a few containers per row) no longer walk it each time: ~2-5% of a
    # lint's CPU (bench/RESULTS.md, sixth round). The forked workers inherit it.
    import gc
    gc.freeze()
    report = lint_file(file, opts, counter=counter, counter_notice=notice, progress=say)

    fix_info = None
    pairs = report.format in PAIR_FORMAT_CHOICES
    if pairs and to is not None:
        _bad_args(f"--to converts chat files; {file} holds preference pairs ({report.format}), which --fix keeps in "
                  "their own format.")
    if fix is not None and report.fatal is None:
        from engine.data.fix import fix_file
        from engine.data.pair_lint import fix_pair_file
        from engine.data.records import DatasetError
        from tui.messages import text_of
        try:
            fix_info = fix_pair_file(file, report, fix, opts) if pairs else fix_file(file, report, fix, to, opts)
        except DatasetError as e:
            clikit.echo(f"tunewiz lint: {text_of(e)}", err=True)
            raise clikit.Exit(2)
        report.stats["fix"] = fix_info.to_dict()

    if as_json:
        import orjson

        from engine.data.jsonsafe import scrub
        doc = report.to_json()
        try:
            text = orjson.dumps(doc, option=orjson.OPT_INDENT_2)
        except orjson.JSONEncodeError:  # a file name (or a quoted value) that is not valid UTF-8
            text = orjson.dumps(scrub(doc), option=orjson.OPT_INDENT_2)
        out = getattr(sys.stdout, "buffer", None)   # (bytes as they are: ~1 MB for a large file's report)
        if out is None:
            sys.stdout.write(text.decode() + "\n")
        else:
            sys.stdout.flush()
            out.write(text + b"\n")
    else:
        _print_report(report, strict, fix_info)
    raise clikit.Exit(report.exit_code(strict))


def _printable(report: Any, fix_info: Any) -> tuple[Any, Any]:
    """The report (and fix result) with every text made printable: a file name that is not valid UTF-8
    holds lone surrogates, which a strict UTF-8 stdout refuses."""
    from dataclasses import replace

    from engine.data.jsonsafe import safe_text, scrub
    findings = [replace(f, message=safe_text(f.message), field=safe_text(f.field) if f.field else f.field)
                for f in report.findings]
    report = replace(report, file=safe_text(report.file), findings=findings, stats=scrub(report.stats))
    if fix_info is not None:
        fix_info = replace(fix_info, out=safe_text(fix_info.out), rejected_path=safe_text(fix_info.rejected_path))
    return report, fix_info


def _print_report(report: Any, strict: bool, fix_info: Any) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from engine.data.jsonsafe import safe_text
    from tui.i18n import language, t
    from tui.messages import text_of
    report, fix_info = _printable(report, fix_info)

    if report.fatal is not None:
        # Plain stderr, unwrapped: the message holds a path and a command to copy.
        clikit.echo(t("lint_cli.cannot-read", detail=safe_text(text_of(report.fatal))), err=True)
        return
    con = Console(highlight=False)
    st = report.stats
    sev = report.severities
    head = Text()
    head.append(f"{report.file}", style="bold")
    head.append(t("lint_cli.head", format=report.format, layout=st["layout"], rows=report.rows, examples=st["examples"]))
    head.append(t("lint_cli.errors", count=sev.get("error", 0)), style=SEV_STYLE["error"] if sev.get("error") else "green")
    head.append(", " if language() == "en" else "，")
    head.append(t("lint_cli.warnings", count=sev.get("warning", 0)),
                style=SEV_STYLE["warning"] if sev.get("warning") else "green")
    head.append(t("lint_cli.notes", count=sev.get("info", 0)))
    con.print(head)

    print_findings(con, report)

    tok = st["tokens"]
    dist = tok["per_example"]
    turns = st["turns"]
    est = "" if tok["exact"] else " " + t("lint_cli.estimate")
    s = Table(title=t("lint_cli.statistics"), title_justify="left", show_header=False, box=None)
    s.add_column(style="bold")
    s.add_column(overflow="fold")   # (Chinese has no spaces: a long value breaks between characters, never cut off)
    s.add_row(t("lint_cli.rows"), t("lint_cli.rows-value", rows=st["rows"], examples=st["examples"],
                                    rejected=st["rejected_rows"], blank=st["blank_lines"]))
    for label, value in _pair_rows(st):
        s.add_row(label, value)
    if turns["max"] is not None:
        s.add_row(t("lint_cli.turns"), f"min {turns['min']} · median {turns['median']} · p95 {turns['p95']} · max {turns['max']}")
    if dist["max"] is not None:
        s.add_row(t("lint_cli.tokens"), f"min {dist['min']} · median {dist['median']} · p95 {dist['p95']} · max {dist['max']}"
                  + (" " + est if est else ""))
        s.add_row(t("lint_cli.total-tokens"), f"{tok['total']:,}" + est)
    s.add_row(t("lint_cli.counted-with"), text_of(tok.get("counter_message") or tok["counter"]))
    s.add_row(t("lint_cli.duplicates"), t("lint_cli.duplicates-value", exact=st["duplicates"]["exact"],
                                          near=st["duplicates"]["near"]))
    if "eval" in st:
        e = st["eval"]
        s.add_row(t("lint_cli.eval"), t("lint_cli.eval-value", file=e.get("file"), rows=e.get("rows"),
                                        overlap=e.get("overlap")))
    oa = st.get("openai")
    if oa:
        if "cost_per_epoch_usd" in oa:
            s.add_row(t("lint_cli.openai-cost"), t(
                "lint_cli.openai-cost-value", model=oa["model"], per_epoch=oa["cost_per_epoch_usd"],
                total=oa["cost_default_epochs_usd"], epochs=oa["default_epochs"], billed=oa["billed_tokens_per_epoch"],
                price=oa["price_per_1m_tokens_usd"], estimated=t("lint_cli.estimated") if oa.get("estimated") else ""))
        else:
            s.add_row(t("lint_cli.openai-cost"), text_of(oa.get("note_message") or oa.get("note", "")))
        if oa.get("wind_down"):
            from tui.messages import wind_down_text   # the catalog's dates, in the current language
            s.add_row(t("lint_cli.note"), oa["wind_down"] if language() == "en" else wind_down_text())
    con.print(s)
    hist = tok.get("histogram") or []
    if hist:
        peak = max(b["count"] for b in hist) or 1
        con.print(Text(t("lint_cli.histogram"), style="bold"))
        for b in hist:
            label = f"{b['from']:>6}–{b['to'] - 1:<6}" if b["to"] else f"{b['from']:>6}+      "
            bar = "█" * max(1 if b["count"] else 0, round(30 * b["count"] / peak))
            con.print(f"  {label} {bar} {b['count']}")
    if fix_info is not None:
        con.print(Text(t("lint_cli.fixed", kept=fix_info.kept, rows=fix_info.rows, out=fix_info.out,
                         format=fix_info.format, rejected=fix_info.rejected, rejected_path=fix_info.rejected_path),
                       style="green"))
    con.print(Text(t("lint_cli.next"), style="bold"))
    for step in _next_steps(report, strict, fix_info):
        con.print(f"  • {step}")


def _pair_rows(st: dict[str, Any]) -> list[tuple[str, str]]:
    """The statistics only a preference-pair file has: tokens of each part and the length-bias figures."""
    if "pairs" not in st:
        return []
    from tui.i18n import t
    tok = st["tokens"]
    est = "" if tok["exact"] else "  " + t("lint_cli.estimate")
    out = [(t("lint_cli.pairs"), t("lint_cli.pairs-value", pairs=st["pairs"], identical=st.get("identical", 0)))]
    for part in ("prompt", "chosen", "rejected"):
        d = tok.get(part) or {}
        if d.get("max") is not None:
            out.append((t(f"lint_cli.part-tokens.{part}"),
                        f"min {d['min']} · median {d['median']} · p95 {d['p95']} · max {d['max']}{est}"))
    lb = st.get("length_bias") or {}
    if lb.get("chosen_longer_share") is not None:
        out.append((t("lint_cli.length-bias"), t(
            "lint_cli.length-bias-value", longer=lb["chosen_longer"], pairs=lb["chosen_longer"] + lb["rejected_longer"],
            share=lb["chosen_longer_share"], ratio=lb["median_ratio"])))
    return out


def print_findings(con: Any, report: Any) -> None:
    """The report's findings, grouped by code (worst first), with their first lines and message (in the current
    language: tui.messages.text_of)."""
    from rich.text import Text

    from engine.data.jsonsafe import safe_text
    from tui.i18n import language, t
    from tui.messages import text_of

    groups: "OrderedDict[str, list]" = OrderedDict()
    order = {"error": 0, "warning": 1, "info": 2}
    for f in sorted(report.findings, key=lambda f: (order[f.severity], f.code, f.line or 0)):
        groups.setdefault(f.code, []).append(f)
    if groups:
        # Blocks rather than a table: a long message stays readable at 80 columns over SSH.
        con.print(Text(t("lint_cli.findings"), style="bold"))
        for code, fs in groups.items():
            # Each line once (a row can have a finding of one code in two fields); "…": lines not shown, or
            # findings not kept (LintOptions.max_per_code), whose lines are not known here.
            every_line = list(dict.fromkeys(f.line for f in fs if f.line is not None))
            lines = [str(n) for n in every_line[:5]]
            total = report.counts.get(code, len(fs))
            more = len(every_line) > len(lines) or total > len(fs)
            first = fs[0]
            row = Text("  ")
            row.append(f"{first.severity:<7}", style=SEV_STYLE[first.severity])
            row.append(f" {code}", style="bold")
            row.append(f" ×{total}")
            if lines:
                row.append(f"  line{'s' if len(lines) > 1 else ''} {', '.join(lines)}{' …' if more else ''}",
                           style="dim")
            con.print(row)
            # Chinese has no spaces to wrap at: let the terminal wrap it by character (rich would move the whole
            # sentence to the next line as one long word).
            con.print(Text("      " + (f"{first.field}: " if first.field else "") + safe_text(text_of(first))),
                      soft_wrap=language() == "zh")
        con.print()


def _next_steps(report: Any, strict: bool, fix_info: Any) -> list[str]:
    """What to do next, in the current language (tui/i18n/lint_cli.py)."""
    from tui.i18n import t
    c = report.counts
    steps = []
    if c.get("encoding"):
        steps.append(t("lint_cli.step.encoding"))
    row_errors = report.stats.get("rejected_rows", 0)
    dups = report.stats["duplicates"]["exact"] + report.stats["duplicates"]["near"]
    if (row_errors or dups) and fix_info is None:
        # (only what there is to drop: "the 0 row(s) with errors" said nothing)
        key = "lint_cli.step.fix" if row_errors and dups else "lint_cli.step.fix.errors" if row_errors else "lint_cli.step.fix.dups"
        steps.append(t(key, file=report.file, errors=row_errors, dups=dups))
    if c.get("secret") or c.get("pii-email") or c.get("pii-phone") or c.get("pii-id-number"):
        steps.append(t("lint_cli.step.private"))
    if c.get("placeholder"):
        steps.append(t("lint_cli.step.placeholder", example="{{name}}"))
    if c.get("pref-length-bias"):
        steps.append(t("lint_cli.step.length-bias"))
    if c.get("pref-identical"):
        steps.append(t("lint_cli.step.identical"))
    if c.get("few-rows") or c.get("openai-too-few") or c.get("pref-too-few"):
        steps.append(t("lint_cli.step.few"))
    if c.get("short-answers"):
        steps.append(t("lint_cli.step.short"))
    if c.get("too-long"):
        steps.append(t("lint_cli.step.too-long"))
    if c.get("token-estimate"):
        steps.append(t("lint_cli.step.estimate"))
    if not report.severities.get("error") and not (strict and report.severities.get("warning")):
        steps.append(t("lint_cli.step.ready-warnings" if report.severities.get("warning") else "lint_cli.step.ready"))
    return steps


def register(app: clikit.App) -> None:
    """Adds this module's commands to the app."""
    app.command("lint", help=lint.__doc__)(lint)
