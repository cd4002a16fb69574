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

import typer

from tui.cli_args import whole_number_in
from rich.console import Console
from rich.markup import escape

from tui.cli_args import whole_number

err = Console(stderr=True, soft_wrap=True, highlight=False)

openai_app = typer.Typer(name="openai", no_args_is_help=True, add_completion=False,
                         help="OpenAI / Azure OpenAI fine-tuning: validate, start, watch, cancel, list, chat.")

SERVICE_HELP = "openai | azure | compatible (default: azure when --azure-endpoint or $AZURE_OPENAI_ENDPOINT is set)"


def _fail(message: str, advice: str | None = None, code: int = 2) -> "typer.Exit":
    err.print(f"[bold red]error:[/] {escape(message)}")
    if advice:
        err.print(f"  {escape(advice)}")
    return typer.Exit(code)


def _service(service: Optional[str], base_url: Optional[str], azure_endpoint: Optional[str],
             api_version: Optional[str]) -> Any:
    from engine.openai_ft import SERVICE_KINDS, Service
    if service is not None and service not in SERVICE_KINDS:
        raise _fail(f"--service {service!r}: use one of {', '.join(SERVICE_KINDS)}.")
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
        error = no_key_error(service)
        raise _fail(error.message, error.advice)
    client = make_client(service, key)
    if check:
        try:
            check_key(client, service)
        except FineTuneError as error:
            raise _fail(error.message, error.advice)
        err.print(f"key {key.masked()} from {key.source} works with {service.label}")
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
        raise _fail(f"{run_dir / runs.REMOTE_JOB_FILE} cannot be read (not a JSON object): the job's record is damaged.",
                    "The job itself is safe at the service: tunewiz openai list shows its id and state.")
    if job is None:
        raise _fail(f"{run_dir.name} is a local run, not an OpenAI / Azure job.",
                    f"Use tunewiz watch / chat / stop {run_dir.name} for it.")
    return run_dir, job


def _print_validation(v: Any) -> None:
    from tui.commands.data import print_findings
    from tui.messages import text_of
    out = Console(highlight=False, soft_wrap=True)
    report = v.report
    if report.fatal is not None:
        err.print(f"tunewiz openai validate: cannot read the file: {escape(text_of(report.fatal))}")
        return
    sev = report.severities
    out.print(f"[bold]{escape(str(report.file))}[/]  {v.method} for {escape(v.model)} · {report.rows} rows · "
              f"{v.examples} usable · {sev.get('error', 0)} error(s), {sev.get('warning', 0)} warning(s)")
    print_findings(out, report)
    if v.validation_report is not None:
        vr = v.validation_report
        out.print(f"[bold]validation file[/] {escape(str(vr.file))}: {vr.rows} rows, "
                  f"{vr.severities.get('error', 0)} error(s), {vr.severities.get('warning', 0)} warning(s)")
        print_findings(out, vr)
    for problem in v.problems:
        out.print(f"[red]error[/] [bold]{problem.code}[/]: {escape(problem.message)}")
    if v.cost_usd is not None:
        tokens = "tokens" if v.exact else "tokens (estimate)"
        out.print(f"[bold]cost[/] ${v.cost_usd:,.2f}: {v.tokens_per_epoch:,} billed {tokens} per epoch × {v.epochs} "
                  f"epoch(s) at ${v.price.value}/1M ({escape(v.price.source)}, as of {v.price.as_of})")


def _validate(file: Path, model: Optional[str], method: str, epochs: Optional[int],
              validation: Optional[Path], quiet: bool = False) -> Any:
    from engine.openai_ft.validate import validate_file
    say = (lambda m: None) if quiet else (lambda m: err.print(f"… {escape(m)}"))
    return validate_file(file, model=model, method=method, epochs=epochs, validation=validation, progress=say)


@openai_app.command("validate")
def validate(
    file: Path = typer.Argument(..., help="Training file: OpenAI chat JSONL (or preference JSONL with --method dpo)."),
    model: Optional[str] = typer.Option(None, "--model", help="The model to fine-tune (default: the catalog's default on today's date)."),
    method: str = typer.Option("supervised", "--method", help="supervised | dpo"),
    epochs: Optional[int] = typer.Option(None, "--epochs", parser=whole_number_in(1, 50), help="Epochs for the cost, 1-50 (default: OpenAI's rule for the file's size)."),
    validation: Optional[Path] = typer.Option(None, "--validation", help="A validation file, checked the same way (and for overlap)."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object."),
    strict: bool = typer.Option(False, "--strict", help="Exit 1 on warnings too."),
) -> None:
    """Check a file against the service's rules: structure, quality, tokens with the model's own encoding, cost."""
    v = _validate(file, model, method, epochs, validation, quiet=as_json)
    if as_json:
        sys.stdout.write(json.dumps(v.to_json(), ensure_ascii=False, indent=1) + "\n")
    else:
        _print_validation(v)
    raise typer.Exit(v.exit_code(strict))


@openai_app.command("start")
def start(
    file: Path = typer.Argument(..., help="Training file (validated first; files with errors are refused)."),
    model: str = typer.Option(..., "--model", help="The model to fine-tune, e.g. gpt-4o-mini-2024-07-18 (or an ft: model to continue)."),
    validation: Optional[Path] = typer.Option(None, "--validation", help="A validation file (its loss becomes the eval curve)."),
    method: str = typer.Option("supervised", "--method", help="supervised | dpo"),
    epochs: Optional[int] = typer.Option(None, "--epochs", parser=whole_number_in(1, 50), help="1-50. Default: the service picks (auto)."),
    suffix: Optional[str] = typer.Option(None, "--suffix", help="Up to 64 characters in the fine-tuned model's name."),
    name: Optional[str] = typer.Option(None, "--name", help="The run's name (default: openai-MODEL-DATE-TIME)."),
    detach: bool = typer.Option(False, "--detach", help="Return once the job exists; a background process follows it."),
    runs_dir: Optional[Path] = typer.Option(None, "--runs-dir", help="Default: $TUNEWIZ_RUNS_DIR or ./runs"),
    service: Optional[str] = typer.Option(None, "--service", help=SERVICE_HELP),
    base_url: Optional[str] = typer.Option(None, "--base-url", help="Another service with OpenAI's fine-tuning API (its …/v1 root)."),
    azure_endpoint: Optional[str] = typer.Option(None, "--azure-endpoint", help="https://NAME.openai.azure.com (or $AZURE_OPENAI_ENDPOINT)."),
    api_version: Optional[str] = typer.Option(None, "--api-version", help="Azure's api-version (default: $OPENAI_API_VERSION or 2024-10-21)."),
) -> None:
    """Validate, upload, create the job, and follow it to its end; prints the run directory last."""
    from engine import runs
    from engine.openai_ft import FineTuneError, retry_notices, spawn_follower, start_job

    if suffix is not None and not (0 < len(suffix) <= 64):
        raise _fail("--suffix: 1 to 64 characters.")
    svc = _service(service, base_url, azure_endpoint, api_version)
    v = _validate(file, model, method, epochs, validation)
    if v.exit_code() != 0:
        _print_validation(v)
        raise _fail(f"{file}: not sent: it has errors the service would reject (above).",
                    f"Fix them (tunewiz lint {file} --target openai --fix CLEAN.jsonl drops bad rows), then start again.", 1)
    if v.cost_usd is not None:
        err.print(f"estimated cost ${v.cost_usd:,.2f} ({v.examples} examples, {v.tokens_per_epoch:,} tokens/epoch × "
                  f"{v.epochs} epochs{'' if v.exact else ', tokens estimated'})")
    client = _client(svc)
    say = lambda m: err.print(f"… {escape(m)}")  # noqa: E731
    last = {"pct": -1}

    def uploaded(label: str, sent: int, total: int) -> None:
        pct = 100 * sent // max(total, 1)
        if pct >= last["pct"] + 10 or sent >= total:
            last["pct"] = pct
            err.print(f"  {escape(label)}: {sent / 1e6:.1f} of {total / 1e6:.1f} MB ({pct}%)")
    estimate = {"examples": v.examples, "tokens_per_epoch": v.tokens_per_epoch, "epochs": v.epochs,
                "cost_usd": v.cost_usd, "exact": v.exact}
    try:
        with retry_notices(say):
            run_dir, job = start_job(client, svc, runs_dir or runs.default_runs_dir(), training=file,
                                     validation=validation, model=model, method=method, epochs=epochs, suffix=suffix,
                                     name=name, estimate=estimate, say=say, upload_progress=uploaded)
    except FineTuneError as error:
        raise _fail(error.message, error.advice, 1 if error.code in ("file-rejected",) else 2)
    err.print(f"run {run_dir.name}: job {job.id} ({job.status}) at {svc.label}")
    process = spawn_follower(run_dir)
    err.print(f"following it in the background (pid {process.pid}, log {run_dir / runs.LOG_FILE})")
    if detach:
        print(run_dir)
        return
    code = _watch(run_dir, out=sys.stderr)  # as `tunewiz train`: progress on stderr, the run directory on stdout
    print(run_dir)
    raise typer.Exit(code)


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
        error = no_key_error(svc)
        raise _fail(error.message, error.advice)
    process = spawn_follower(run_dir)
    err.print(f"following job {job['job_id']} again (pid {process.pid}); it resumes from the last event seen")


@openai_app.command("watch")
def watch(
    run: str = typer.Argument(..., help="The run (name or directory) of an OpenAI / Azure job."),
    runs_dir: Optional[Path] = typer.Option(None, "--runs-dir"),
    plain: bool = typer.Option(False, "--plain", help="Plain lines even on a terminal."),
    interval: float = typer.Option(1.0, "--interval", min=0.05),
    timeout: Optional[float] = typer.Option(None, "--timeout", help="Give up after SECONDS (exit 124)."),
) -> None:
    """Follow a job: its status, events and loss curve (resumes from the job id, no step twice)."""
    run_dir, job = _run_dir(run, runs_dir)
    ensure_followed(run_dir)
    for ckpt in job.get("checkpoints") or []:
        err.print(f"checkpoint step {ckpt.get('step')}: {ckpt.get('model')}")
    raise typer.Exit(_watch(run_dir, plain, interval, timeout))


@openai_app.command("cancel")
def cancel(
    run: str = typer.Argument(..., help="The run (name or directory) of an OpenAI / Azure job."),
    runs_dir: Optional[Path] = typer.Option(None, "--runs-dir"),
) -> None:
    """Cancel the job at the service (its run ends as `stopped`)."""
    from engine.openai_ft import FineTuneError, Service, cancel as cancel_job
    run_dir, job = _run_dir(run, runs_dir)
    if not job.get("job_id"):
        raise _fail(f"{run_dir.name} has no job at the service (it never got that far).")
    svc = Service.from_record(job.get("service") or {})
    client = _client(svc, check=False)
    try:
        result = cancel_job(client, svc, job["job_id"])
    except FineTuneError as error:
        raise _fail(error.message, error.advice, 1)
    err.print(f"{job['job_id']}: {result.status}")
    ensure_followed(run_dir)  # the follower records the end (`stopped`) with the service's events
    print(run_dir)


@openai_app.command("list")
def list_jobs(
    limit: int = typer.Option(20, "--limit", parser=whole_number_in(1, 100), help="How many jobs, 1-100."),
    as_json: bool = typer.Option(False, "--json"),
    runs_dir: Optional[Path] = typer.Option(None, "--runs-dir"),
    service: Optional[str] = typer.Option(None, "--service", help=SERVICE_HELP),
    base_url: Optional[str] = typer.Option(None, "--base-url"),
    azure_endpoint: Optional[str] = typer.Option(None, "--azure-endpoint"),
    api_version: Optional[str] = typer.Option(None, "--api-version"),
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
        raise _fail(error.message, error.advice)
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
        Console().print(f"No fine-tuning jobs at {svc.label}.")
        return
    table = Table("job", "status", "model", "fine-tuned model", "run")
    for r in rows:
        table.add_row(r["id"], r["status"], r["model"], r["fine_tuned_model"] or "-", r["run"] or "-")
    Console(soft_wrap=True).print(table)


@openai_app.command("chat")
def chat(
    run: str = typer.Argument(..., help="The run (name or directory) of a finished OpenAI / Azure job."),
    prompt: Optional[str] = typer.Option(None, "--prompt", "-p", help="Answer this one prompt and exit. Without it: "
                                                                     "the app's chat pane."),
    compare: bool = typer.Option(False, "--compare", help="The fine-tuned model beside its base model."),
    checkpoint: Optional[str] = typer.Option(None, "--checkpoint", help="Chat with the checkpoint of this step instead."),
    deployment: Optional[str] = typer.Option(None, "--deployment", help="Azure: the fine-tuned model's deployment name."),
    base_deployment: Optional[str] = typer.Option(None, "--base-deployment", help="Azure: the base model's deployment name."),
    temperature: float = typer.Option(0.7, "--temperature", "-t", help="0 = greedy."),
    max_new_tokens: int = typer.Option(256, "--max-new-tokens", "-n", parser=whole_number, help="Longest answer, in tokens."),
    as_json: bool = typer.Option(False, "--json", help="With --prompt: one JSON object per column."),
    runs_dir: Optional[Path] = typer.Option(None, "--runs-dir"),
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


def register(app: typer.Typer) -> None:
    app.add_typer(openai_app)
