"""`tunewiz train | runs | stop | resume`: the headless twins of the wizard's training steps."""
from __future__ import annotations

import json
import signal
import time
from pathlib import Path
from typing import List, Optional

from tui import clikit
from rich.console import Console
from rich.markup import escape

from tui.cli_args import whole_number
from tui.i18n import t

# soft_wrap: long paths and messages stay on one line in pipes and logs (easy to grep and copy).
err = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)


def _fail(message: str, code: int = 2) -> "clikit.Exit":
    # Messages quote paths and names as typed: `[old]` in one is text, not rich markup (was lost, or a traceback).
    err.print(f"[bold red]{t('train_cli.error')}[/]{escape(message)}", highlight=False)
    return clikit.Exit(code)


# How many of a dataset's lint errors the gate names; `tunewiz lint FILE` lists them all.
GATE_ERRORS_SHOWN = 3
# After Ctrl-C, SIGTERM again every this many seconds until the trainer says it is stopping (see _follow).
STOP_RESEND_S = 5.0


def lint_gate(run_config) -> list[str]:
    """Lines refusing the run when a dataset has lint errors (or cannot be read); [] when training may start.

    Fast: the linter runs with the labelled token estimate, never a tokenizer. Warnings pass."""
    from engine.data.lint import LintOptions, lint_file
    from engine.data.stats import EstimateCounter
    from engine.messages import Coded
    from tui.messages import text_of

    lines: list[str] = []
    for source in run_config.data:
        opts = LintOptions(format=source.format, target="open", max_per_code=GATE_ERRORS_SHOWN)
        report = lint_file(source.path, opts, counter=EstimateCounter(Coded("lint.counter.why.lint-gate")))
        errors = [report.fatal] if report.fatal is not None else [
            f for f in report.findings if f.severity == "error"]
        total = 1 if report.fatal is not None else report.severities.get("error", 0)
        if not total:
            continue
        lines.append(f"data: {source.path} has {total:,} lint error{'s' if total != 1 else ''}"
                     f"{'' if report.fatal is None else ' (the file cannot be read)'}:")
        for finding in sorted(errors, key=lambda f: (f.line or 0))[:GATE_ERRORS_SHOWN]:
            where = f"{source.path}:{finding.line}" if finding.line else str(source.path)
            lines.append(f"  {where}: [{finding.code}] {text_of(finding)}")
        lines.append(f"  see them all: tunewiz lint {source.path}   (write a clean copy: tunewiz lint "
                     f"{source.path} --fix CLEAN.jsonl)")
    if lines:
        lines.append("to train on it anyway, add --force")
    return lines


def _emit_slurm(run_config, config: Optional[Path], overrides: List[str]) -> None:
    """`tunewiz train CONFIG --emit slurm`: writes NAME.sbatch here and says how to submit it."""
    from engine.train.distributed import slurm_script

    if config is None:
        raise _fail(t("train_cli.emit-needs-config"))
    name = run_config.name or run_config.default_name()
    script = Path.cwd() / f"{name}.sbatch"
    script.write_text(slurm_script(run_config, str(config), overrides, name), encoding="utf-8")
    err.print(t("train_cli.wrote-sbatch", script=script, nodes=run_config.nnodes), highlight=False, markup=False,
              soft_wrap=True)
    print(script)


def _follow(run_dir: Path, process, only_new: bool = False) -> str:
    """Prints the run's events until it ends. Ctrl-C once: graceful stop; twice: leave it running."""
    from engine import runs
    from engine.events import EventReader
    from engine.history import RunHistory
    from tui.commands.watch import event_line

    reader = EventReader(run_dir / runs.EVENTS_FILE)
    history = RunHistory()  # what `tunewiz watch --plain` prints, from the same formatter

    def show(events: list[dict]) -> None:
        for event in events:
            history.ingest(event)
            line = event_line(event, history)
            if line:
                err.print(line, highlight=False, markup=False)
            if event.get("type") == "end":   # in the --lang language (by its code; an older run's English as stored)
                from tui.message_parts import ending_texts
                params = event.get("params") if isinstance(event.get("params"), dict) else None
                for label, said in zip(("error", "advice"), ending_texts(event.get("code"), params,
                                                                        event.get("error"), event.get("advice"))):
                    if said:
                        err.print(t(f"train_cli.ending.{label}", text=said), highlight=False, markup=False)

    if only_new:  # a resumed run: what earlier sessions of it printed is history
        reader.skip_existing()
    interrupts = {"count": 0, "sent_at": 0.0}

    def ask_to_stop() -> None:
        interrupts["sent_at"] = time.monotonic()
        try:
            process.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass

    def stop_unacknowledged() -> bool:
        # Asked, and the trainer still says `running` (it says `stopping` once its flag is set). SIGTERM only sets
        # that flag, so asking again is harmless; once a first SIGTERM was seen lost in CI (the trainer ran on).
        return interrupts["count"] > 0 and process.poll() is None and \
            (runs.read_status(run_dir) or {}).get("state") in ("starting", "running")

    def on_interrupt(signum, frame):
        interrupts["count"] += 1
        if interrupts["count"] == 1:
            err.print(t("train_cli.stopping"), soft_wrap=True)
            ask_to_stop()
        else:
            raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, on_interrupt)
    state = "starting"
    try:
        while True:
            show(reader.read_new())
            if process.poll() is not None:
                show(reader.read_new())
                state = runs.run_info(run_dir).state
                break
            if interrupts["count"] and time.monotonic() - interrupts["sent_at"] > STOP_RESEND_S and stop_unacknowledged():
                ask_to_stop()
            time.sleep(0.3)
    except KeyboardInterrupt:
        if stop_unacknowledged():  # leaving: make sure the stop asked for is on its way
            ask_to_stop()
        err.print(t("train_cli.left-running", run=run_dir.name, pid=process.pid), highlight=False, markup=False,
                  soft_wrap=True)
        state = "running"
    finally:
        signal.signal(signal.SIGINT, previous)
    return state


def register(app: clikit.App) -> None:
    @app.command()
    def train(
        config: Optional[Path] = clikit.Argument(None, help="RunConfig YAML file (defaults apply when omitted)."),
        set_: List[str] = clikit.Option([], "--set", help="Override a key: --set max_steps=20 --set lora.r=8"),
        detach: bool = clikit.Option(False, "--detach", help="Return at once; the trainer keeps running on its own."),
        force: bool = clikit.Option(False, "--force", help="Train even when the dataset has lint errors."),
        node_rank: Optional[int] = clikit.Option(None, "--node-rank", parser=whole_number, help="This machine's number in a run over "
                                                "nnodes machines (node 0 prints the command for the others)."),
        master_addr: Optional[str] = clikit.Option(None, "--master-addr", help="Address of node 0, reachable from "
                                                  "every node (with --node-rank)."),
        emit: Optional[str] = clikit.Option(None, "--emit", help="slurm: write an sbatch script for this config "
                                           "instead of training here."),
    ) -> None:
        """Train in a subprocess; prints the run directory as its last line.

        Exit codes: 0 completed (or stopped, or --detach), 1 the run ended failed/oom/crashed, 2 refused before
        starting: a bad config, a missing file, or a dataset with lint errors (see `tunewiz lint FILE`; --force)."""
        from engine import launch, runs
        from engine.train.config import ConfigError, load_config

        node_settings = ([f"node_rank={node_rank}"] if node_rank is not None else []) + (
            [f"master_addr={master_addr}"] if master_addr is not None else [])
        if emit not in (None, "slurm"):
            raise _fail(t("train_cli.emit-unknown", emit=emit))
        try:
            run_config = load_config(config, set_ + node_settings)
        except ConfigError as exc:
            from tui.messages import config_error_text
            raise _fail(config_error_text(exc))
        if emit == "slurm":
            return _emit_slurm(run_config, config, set_)
        from tui.messages import text_of
        problems = [text_of(m) for m in launch.preflight_messages(run_config)]   # in the --lang language
        if problems:
            raise _fail("\n  ".join([t("train_cli.cannot-start", config=config or "--set")] + problems))
        if not force:
            refusal = lint_gate(run_config)
            if refusal:
                raise _fail("\n  ".join([t("train_cli.lint-errors", config=config or "--set")] + refusal))
        run_dir, process = launch.start_run(run_config)
        err.print(t("train_cli.started", run=run_dir.name, pid=process.pid, log=run_dir / runs.LOG_FILE),
                  highlight=False, markup=False)
        if run_config.nnodes > 1 and run_config.node_rank == 0:
            from engine.train.distributed import other_node_commands
            err.print(t("train_cli.node-zero", nodes=run_config.nnodes), highlight=False, markup=False)
            for line in other_node_commands(run_config, str(config) if config else None, set_):
                err.print(f"  {line}", highlight=False, markup=False, soft_wrap=True)
        if detach:
            print(run_dir)
            return
        state = _follow(run_dir, process)
        print(run_dir)
        if state not in ("completed", "running", "stopped"):
            raise clikit.Exit(1)

    @app.command("runs")
    def list_runs_command(
        runs_dir: Optional[Path] = clikit.Option(None, "--runs-dir", help="Default: $TUNEWIZ_RUNS_DIR or ./runs"),
        as_json: bool = clikit.Option(False, "--json", help="One JSON array of runs."),
    ) -> None:
        """List runs with their state (running, completed, stopped, failed, oom, crashed)."""
        from engine import runs

        found = runs.list_runs(runs_dir)
        if as_json:
            print(json.dumps([r.to_dict() for r in found], ensure_ascii=False, indent=1))
            return
        if not found:
            out.print(t("train_cli.no-runs", folder=runs_dir or runs.default_runs_dir()), highlight=False, markup=False)
            return
        import os
        from tui.runs_table import runs_table
        # A pipe without $COLUMNS has no width to fit: every column, lines as long as they need.
        width = out.width if out.is_terminal or os.environ.get("COLUMNS") else None
        table, plan = runs_table(found, width)
        (out if plan.width <= out.width else Console(soft_wrap=True, width=plan.width)).print(table)

    @app.command()
    def stop(
        run: str = clikit.Argument(..., help="Run directory or run name."),
        runs_dir: Optional[Path] = clikit.Option(None, "--runs-dir"),
        wait: bool = clikit.Option(True, "--wait/--no-wait", help="Wait for the checkpoint and the end event."),
        timeout: float = clikit.Option(600, help="Seconds to wait."),
    ) -> None:
        """Stop a run gracefully: checkpoint first, then end as `stopped` (resumable)."""
        from engine import launch, runs

        try:
            run_dir = runs.resolve_run(run, runs_dir)
            pid = launch.request_stop(run_dir)
        except (runs.RunNotFound, launch.LaunchError) as exc:
            from tui.messages import text_of
            raise _fail(text_of(exc))  # (RunNotFound is coded: said in the user's language)
        err.print(t("train_cli.sent-stop", pid=pid))
        if wait:
            state = launch.wait_for_end(run_dir, timeout)
            err.print(f"{run_dir.name}: {state}", highlight=False, markup=False)
        print(run_dir)

    @app.command()
    def resume(
        run: str = clikit.Argument(..., help="Run directory or run name."),
        runs_dir: Optional[Path] = clikit.Option(None, "--runs-dir"),
        detach: bool = clikit.Option(False, "--detach", help="Return at once."),
    ) -> None:
        """Continue a stopped, failed or crashed run from its last checkpoint (the step count continues)."""
        from engine import launch, runs

        try:
            run_dir = runs.resolve_run(run, runs_dir)
            process = launch.resume_run(run_dir)
        except (runs.RunNotFound, launch.LaunchError) as exc:
            from tui.messages import text_of
            raise _fail(text_of(exc))  # (RunNotFound is coded: said in the user's language)
        err.print(t("train_cli.resuming", run=run_dir.name, checkpoint=runs.last_checkpoint(run_dir), pid=process.pid),
                  highlight=False, markup=False)
        if detach:
            print(run_dir)
            return
        state = _follow(run_dir, process, only_new=True)
        print(run_dir)
        if state not in ("completed", "running", "stopped"):
            raise clikit.Exit(1)

