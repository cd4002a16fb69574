"""`tunewiz openai validate | start | watch | cancel | list | chat`: OpenAI's and Azure OpenAI's
fine-tuning from the terminal (the guide's path A with today's API), headless twin of the wizard's
OpenAI branch. A job is a run directory under the same runs directory as local runs, so `tunewiz
runs`, `tunewiz watch` and the app's monitor show it like a local run.

Exit codes: validate as `tunewiz lint` (0 fine, 1 errors, 2 unreadable file); start / watch as `tunewiz
watch` (0 completed, 1 failed, 3 cancelled, ...); 2 for bad arguments, a missing key or a service
refusal before a job exists.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

from tui import clikit

from rich.console import Console
from rich.markup import escape

from tui.cli_args import whole_number, whole_number_in
from tui.i18n import t

err = Console(stderr=True, soft_wrap=True, highlight=False)

openai_app = clikit.App(name="openai", no_args_is_help=True,
                        help="OpenAI / Azure OpenAI fine-tuning: validate, start, watch, cancel, list, chat.")

SERVICE_HELP = "openai | azure | compatible (default: azure when --azure-endpoint or $AZURE_OPENAI_ENDPOINT is set)"


def _fail(message: str, advice: str | None = None, code: int = 2) -> "clikit.Exit":
    err.print(f"[bold red]{t('openai_cli.error')}[/]{escape(message)}")
    if advice:
        err.print(f"  {escape(advice)}")
    return clikit.Exit(code)


def _fail_with(error: Any, code: int = 2) -> "clikit.Exit":
    """A FineTuneError in the --lang language (its code and params), or its English message and advice."""
    from tui.i18n import language
    if language() == "en":
        return _fail(error.message, error.advice, code)
    from tui.messages import fine_tune_error_text
    first, _, rest = fine_tune_error_text(error, cli=True).partition("\n")
    return _fail(first, rest or None, code)


def _service(service: Optional[str], base_url: Optional[str], azure_endpoint: Optional[str],
             api_version: Optional[str]) -> Any:
    from engine.openai_ft import SERVICE_KINDS, Service
    if service is not None and service not in SERVICE_KINDS:
        from tui.message_parts import join_list
        raise _fail(t("openai_cli.bad-service", value=repr(service), choices=join_list(SERVICE_KINDS)))
    found = Service.from_env(service, base_url=base_url, azure_endpoint=azure_endpoint, api_version=api_version)
    problems = found.problems()
    if problems:
        raise _fail("; ".join(problems) + ".")
    return found


def _client(service: Any, check: bool = True) -> Any:
    """The client with the key from the environment; `check`: one cheap request proves the key first."""
    from engine.openai_ft import FineTuneError, check_key, make_client, no_key_error
    key = service.key()
    if key is None:
        raise _fail_with(no_key_error(service))
    client = make_client(service, key)
    if check:
        try:
            check_key(client, service)
        except FineTuneError as error:
            raise _fail_with(error)
        err.print(t("openai_cli.key-works", masked=key.masked(), source=key.source, service=service.label))
    return client


def _run_dir(run: str, runs_dir: Optional[Path]) -> tuple[Path, dict]:
    from engine import runs
    from engine.openai_ft import read_job
    try:
        run_dir = runs.resolve_run(run, runs_dir)
    except runs.RunNotFound as exc:
        from tui.messages import text_of
        raise _fail(text_of(exc))
    job = read_job(run_dir)
    if job is None and (run_dir / runs.REMOTE_JOB_FILE).exists():
        raise _fail(t("openai_cli.job-record-damaged", path=run_dir / runs.REMOTE_JOB_FILE),
                    t("openai_cli.job-record-damaged-advice"))
    if job is None:
        raise _fail(t("openai_cli.local-run", run=run_dir.name), t("openai_cli.local-run-advice", run=run_dir.name))
    return run_dir, job


def _print_validation(v: Any) -> None:
    from tui.commands.data import print_findings
    from tui.messages import model_problem_text, text_of
    out = Console(highlight=False, soft_wrap=True)
    report = v.report
    if report.fatal is not None:
        err.print(t("openai_cli.cannot-read", detail=escape(text_of(report.fatal))))
        return
    sev = report.severities
    out.print(f"[bold]{escape(str(report.file))}[/]  " + escape(t(
        "openai_cli.head", method=v.method, model=v.model, rows=report.rows, examples=v.examples,
        errors=sev.get("error", 0), warnings=sev.get("warning", 0))))
    print_findings(out, report)
    if v.validation_report is not None:
        vr = v.validation_report
        out.print(f"[bold]{t('openai_cli.validation-file')}[/] {escape(str(vr.file))}" + t(
            "openai_cli.validation-value", rows=vr.rows, errors=vr.severities.get("error", 0),
            warnings=vr.severities.get("warning", 0)))
        print_findings(out, vr)
    for problem in v.problems:
        out.print(f"[red]{t('openai_cli.problem')}[/] [bold]{problem.code}[/]: {escape(model_problem_text(problem))}")
    if v.cost_usd is not None:
        out.print(f"[bold]{t('openai_cli.cost')}[/]" + escape(t(
            "openai_cli.cost-value" if v.exact else "openai_cli.cost-value-estimate", cost=v.cost_usd,
            tokens=v.tokens_per_epoch, epochs=v.epochs, price=v.price.value, source=v.price.source,
            as_of=v.price.as_of)))


def _validate(file: Path, model: Optional[str], method: str, epochs: Optional[int],
              validation: Optional[Path], quiet: bool = False) -> Any:
    from engine.openai_ft.validate import validate_file
    from tui.messages import text_of
    say = (lambda m: None) if quiet else (lambda m: err.print(f"… {escape(text_of(m))}"))
    return validate_file(file, model=model, method=method, epochs=epochs, validation=validation, progress=say)


@openai_app.command("validate")
def validate(
    file: Path = clikit.Argument(..., help="Training file: OpenAI chat JSONL (or preference JSONL with --method dpo)."),
    model: Optional[str] = clikit.Option(None, "--model", help="The model to fine-tune (default: the catalog's default on today's date)."),
    method: str = clikit.Option("supervised", "--method", help="supervised | dpo"),
    epochs: Optional[int] = clikit.Option(None, "--epochs", parser=whole_number_in(1, 50), help="Epochs for the cost, 1-50 (default: OpenAI's rule for the file's size)."),
    validation: Optional[Path] = clikit.Option(None, "--validation", help="A validation file, checked the same way (and for overlap)."),
    as_json: bool = clikit.Option(False, "--json", help="One JSON object."),
    strict: bool = clikit.Option(False, "--strict", help="Exit 1 on warnings too."),
) -> None:
    """Check a file against the service's rules: structure, quality, tokens with the model's own encoding, cost."""
    v = _validate(file, model, method, epochs, validation, quiet=as_json)
    if as_json:
        sys.stdout.write(json.dumps(v.to_json(), ensure_ascii=False, indent=1) + "\n")
    else:
        _print_validation(v)
    raise clikit.Exit(v.exit_code(strict))


@openai_app.command("start")
def start(
    file: Path = clikit.Argument(..., help="Training file (validated first; files with errors are refused)."),
    model: str = clikit.Option(..., "--model", help="The model to fine-tune, e.g. gpt-4o-mini-2024-07-18 (or an ft: model to continue)."),
    validation: Optional[Path] = clikit.Option(None, "--validation", help="A validation file (its loss becomes the eval curve)."),
    method: str = clikit.Option("supervised", "--method", help="supervised | dpo"),
    epochs: Optional[int] = clikit.Option(None, "--epochs", parser=whole_number_in(1, 50), help="1-50. Default: the service picks (auto)."),
    suffix: Optional[str] = clikit.Option(None, "--suffix", help="Up to 64 characters in the fine-tuned model's name."),
    name: Optional[str] = clikit.Option(None, "--name", help="The run's name (default: openai-MODEL-DATE-TIME)."),
    detach: bool = clikit.Option(False, "--detach", help="Return once the job exists; a background process follows it."),
    runs_dir: Optional[Path] = clikit.Option(None, "--runs-dir", help="Default: $TUNEWIZ_RUNS_DIR or ./runs"),
    service: Optional[str] = clikit.Option(None, "--service", help=SERVICE_HELP),
    base_url: Optional[str] = clikit.Option(None, "--base-url", help="Another service with OpenAI's fine-tuning API (its …/v1 root)."),
    azure_endpoint: Optional[str] = clikit.Option(None, "--azure-endpoint", help="https://NAME.openai.azure.com (or $AZURE_OPENAI_ENDPOINT)."),
    api_version: Optional[str] = clikit.Option(None, "--api-version", help="Azure's api-version (default: $OPENAI_API_VERSION or 2024-10-21)."),
) -> None:
    """Validate, upload, create the job, and follow it to its end; prints the run directory last."""
    from engine import runs
    from engine.openai_ft import FineTuneError, retry_notices, spawn_follower, start_job
    from tui.messages import text_of

    if suffix is not None and not (0 < len(suffix) <= 64):
        raise _fail(t("openai_cli.suffix"))
    svc = _service(service, base_url, azure_endpoint, api_version)
    v = _validate(file, model, method, epochs, validation)
    if v.exit_code() != 0:
        _print_validation(v)
        raise _fail(t("openai_cli.not-sent", file=file), t("openai_cli.not-sent-advice", file=file), 1)
    if v.cost_usd is not None:
        err.print(escape(t("openai_cli.estimated-cost" if v.exact else "openai_cli.estimated-cost-estimate",
                           cost=v.cost_usd, examples=v.examples, tokens=v.tokens_per_epoch, epochs=v.epochs)))
    client = _client(svc)
    say = lambda m: err.print(f"… {escape(text_of(m))}")  # noqa: E731  (coded notices in the --lang language)
    last = {"pct": -1}

    def uploaded(label: str, sent: int, total: int) -> None:
        pct = 100 * sent // max(total, 1)
        if pct >= last["pct"] + 10 or sent >= total:
            last["pct"] = pct
            err.print(escape(t("openai_cli.uploaded", label=label, sent=sent / 1e6, total=total / 1e6, pct=pct)))
    estimate = {"examples": v.examples, "tokens_per_epoch": v.tokens_per_epoch, "epochs": v.epochs,
                "cost_usd": v.cost_usd, "exact": v.exact}
    try:
        with retry_notices(say):
            run_dir, job = start_job(client, svc, runs_dir or runs.default_runs_dir(), training=file,
                                     validation=validation, model=model, method=method, epochs=epochs, suffix=suffix,
                                     name=name, estimate=estimate, say=say, upload_progress=uploaded)
    except FineTuneError as error:
        raise _fail_with(error, 1 if error.code in ("file-rejected",) else 2)
    err.print(t("openai_cli.job", run=run_dir.name, job=job.id, status=job.status, service=svc.label))
    process = spawn_follower(run_dir)
    err.print(t("openai_cli.following", pid=process.pid, log=run_dir / runs.LOG_FILE))
    if detach:
        print(run_dir)
        return
    code = _watch(run_dir, out=sys.stderr)  # as `tunewiz train`: progress on stderr, the run directory on stdout
    print(run_dir)
    raise clikit.Exit(code)


def _watch(run_dir: Path, plain: bool = True, interval: float = 1.0, timeout: float | None = None,
           out: Any = None) -> int:
    import signal

    from tui.commands.watch import follow
    signal.signal(signal.SIGINT, signal.default_int_handler)  # Ctrl-C stops watching, even if SIGINT came in ignored
    return follow(run_dir, plain or not (out or sys.stdout).isatty(), interval, False, timeout, out=out)


def ensure_followed(run_dir: Path) -> None:
    """Starts a background follower for a remote run that has none (after a reboot, a lost
    connection, a follower stopped by a bad key); the key comes from the environment."""
    from engine import runs
    from engine.openai_ft import Service, follower_alive, read_job, spawn_follower
    status = runs.read_status(run_dir) or {}
    if status.get("state") not in runs.ACTIVE_STATES or follower_alive(run_dir):
        return
    job = read_job(run_dir) or {}
    if not job.get("job_id"):
        return
    svc = Service.from_record(job.get("service") or {})
    if svc.key() is None:
        from engine.openai_ft import no_key_error
        raise _fail_with(no_key_error(svc))
    process = spawn_follower(run_dir)
    err.print(t("openai_cli.following-again", job=job["job_id"], pid=process.pid))


@openai_app.command("watch")
def watch(
    run: str = clikit.Argument(..., help="The run (name or directory) of an OpenAI / Azure job."),
    runs_dir: Optional[Path] = clikit.Option(None, "--runs-dir"),
    plain: bool = clikit.Option(False, "--plain", help="Plain lines even on a terminal."),
    interval: float = clikit.Option(1.0, "--interval", min=0.05),
    timeout: Optional[float] = clikit.Option(None, "--timeout", help="Give up after SECONDS (exit 124)."),
) -> None:
    """Follow a job: its status, events and loss curve (resumes from the job id, no step twice)."""
    run_dir, job = _run_dir(run, runs_dir)
    ensure_followed(run_dir)
    for ckpt in job.get("checkpoints") or []:
        err.print(t("openai_cli.checkpoint", step=ckpt.get("step"), model=ckpt.get("model")))
    raise clikit.Exit(_watch(run_dir, plain, interval, timeout))


@openai_app.command("cancel")
def cancel(
    run: str = clikit.Argument(..., help="The run (name or directory) of an OpenAI / Azure job."),
    runs_dir: Optional[Path] = clikit.Option(None, "--runs-dir"),
) -> None:
    """Cancel the job at the service (its run ends as `stopped`)."""
    from engine.openai_ft import FineTuneError, Service, cancel as cancel_job
    run_dir, job = _run_dir(run, runs_dir)
    if not job.get("job_id"):
        raise _fail(t("openai_cli.no-job", run=run_dir.name))
    svc = Service.from_record(job.get("service") or {})
    client = _client(svc, check=False)
    try:
        result = cancel_job(client, svc, job["job_id"])
    except FineTuneError as error:
        raise _fail_with(error, 1)
    err.print(f"{job['job_id']}: {result.status}")
    ensure_followed(run_dir)  # the follower records the end (`stopped`) with the service's events
    print(run_dir)


@openai_app.command("list")
def list_jobs(
    limit: int = clikit.Option(20, "--limit", parser=whole_number_in(1, 100), help="How many jobs, 1-100."),
    as_json: bool = clikit.Option(False, "--json"),
    runs_dir: Optional[Path] = clikit.Option(None, "--runs-dir"),
    service: Optional[str] = clikit.Option(None, "--service", help=SERVICE_HELP),
    base_url: Optional[str] = clikit.Option(None, "--base-url"),
    azure_endpoint: Optional[str] = clikit.Option(None, "--azure-endpoint"),
    api_version: Optional[str] = clikit.Option(None, "--api-version"),
) -> None:
    """The account's recent jobs, with the tunewiz run that follows each (if any)."""
    from rich.table import Table

    from engine import runs
    from engine.openai_ft import FineTuneError, list_jobs as jobs_of, read_job
    svc = _service(service, base_url, azure_endpoint, api_version)
    client = _client(svc, check=False)
    try:
        jobs = jobs_of(client, svc, limit)
    except FineTuneError as error:
        raise _fail_with(error)
    local = {}
    for info in runs.list_runs(runs_dir):
        record = read_job(info.path) or {}
        if record.get("job_id"):
            local[record["job_id"]] = info.name
    rows = [{"id": j.id, "status": j.status, "model": j.model, "fine_tuned_model": j.fine_tuned_model,
             "created_at": j.created_at, "run": local.get(j.id)} for j in jobs]
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    if not rows:
        Console().print(t("openai_cli.no-jobs", service=svc.label))
        return
    table = Table(*(t(f"openai_cli.col.{col}") for col in ("job", "status", "model", "fine-tuned", "run")))
    for r in rows:
        table.add_row(r["id"], r["status"], r["model"], r["fine_tuned_model"] or "-", r["run"] or "-")
    Console(soft_wrap=True).print(table)


@openai_app.command("chat")
def chat(
    run: str = clikit.Argument(..., help="The run (name or directory) of a finished OpenAI / Azure job."),
    prompt: Optional[str] = clikit.Option(None, "--prompt", "-p", help="Answer this one prompt and exit. Without it: "
                                                                     "the app's chat pane."),
    compare: bool = clikit.Option(False, "--compare", help="The fine-tuned model beside its base model."),
    checkpoint: Optional[str] = clikit.Option(None, "--checkpoint", help="Chat with the checkpoint of this step instead."),
    deployment: Optional[str] = clikit.Option(None, "--deployment", help="Azure: the fine-tuned model's deployment name."),
    base_deployment: Optional[str] = clikit.Option(None, "--base-deployment", help="Azure: the base model's deployment name."),
    temperature: float = clikit.Option(0.7, "--temperature", "-t", help="0 = greedy."),
    max_new_tokens: int = clikit.Option(256, "--max-new-tokens", "-n", parser=whole_number, help="Longest answer, in tokens."),
    as_json: bool = clikit.Option(False, "--json", help="With --prompt: one JSON object per column."),
    runs_dir: Optional[Path] = clikit.Option(None, "--runs-dir"),
) -> None:
    """Chat with the fine-tuned model (streamed), alone or against its base."""
    from engine import chat as engine_chat
    from tui.commands.chat import converse, remote_columns
    run_dir, job = _run_dir(run, runs_dir)
    columns = remote_columns(run_dir, compare, checkpoint, deployment, base_deployment)
    if prompt is None:
        from tui.app import run_app
        run_app(runs_dir=runs_dir, start="chat", start_args={"backends": columns})
        return
    sampling = engine_chat.Sampling(temperature=temperature, max_new_tokens=max_new_tokens)
    problems = sampling.problems()
    if problems:
        raise _fail("; ".join(problems))
    converse(columns, run_dir, runs_dir, prompt, sampling, as_json=as_json)


def register(app: clikit.App) -> None:
    app.add_group(openai_app)
