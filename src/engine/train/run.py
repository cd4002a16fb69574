"""The training subprocess: `python -m engine.train.run RUN_DIR [--resume]`.

It is the only writer of the run's `events.jsonl` and `status.json`. Its stdout/stderr go to
`train.log` (the launcher sets that up). It ends every run with an `end` event, whatever happens:
`completed`, `stopped` (SIGTERM/SIGINT: a checkpoint is written first), `oom` or `failed`.
This module is only the entry point; what the trainer's pieces share is in context.py.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from engine import runs
from engine.events import EventWriter
from engine.train.config import ConfigError, load_config
from engine.train import distributed
from engine.train.context import RunContext
from engine.train.end_messages import ending
from engine.train.errors import TrainingError, is_oom, oom_ending


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {runs.TRAINER_MODULE}")
    parser.add_argument("run_dir")
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint")
    parser.add_argument(distributed.WORKER_FLAG, action="store_true",
                        help="one of several ranks started by torchrun (engine/train/distributed.py)")
    args = parser.parse_args(argv)
    run_dir = Path(args.run_dir).resolve()
    try:
        config = load_config(run_dir / runs.CONFIG_FILE)
    except ConfigError as exc:
        # No valid config: still leave a readable ending in the run directory.
        writer = EventWriter(run_dir / runs.EVENTS_FILE)
        error, advice, fields = config_ending(exc)
        writer.write("end", status="failed", error=error, advice=advice, **fields)
        runs.write_status(run_dir, state="failed", pid=os.getpid(), error=error)
        print(exc, file=sys.stderr)
        return 1

    ctx = RunContext(run_dir, config)
    ctx.stop.install()
    if args.worker:  # a rank: the supervisor below wrote the status and writes the end
        try:
            distributed.prepare_worker(ctx)
        except Exception as exc:
            return _coded_end(ctx, "failed", "workers-unconnected", exc, exception=type(exc).__name__,
                              detail=str(exc), log=str(run_dir / runs.LOG_FILE))
    else:
        now = time.time()
        previous = runs.read_status(run_dir) or {}
        ctx.status(state="starting", pid=os.getpid(), pid_start=runs.process_start_ticks(os.getpid()), name=run_dir.name, model=config.model, method=config.method,
                   started_at=previous.get("started_at", now), error=None, advice=None)
        if distributed.world_of(config).is_distributed:  # this process supervises torchrun and its ranks
            status, error, advice, fields = distributed.supervise(ctx, resume=args.resume)
            return _end(ctx, status, error, advice, **fields)
    try:
        from engine.train.trainer import train
        outcome = train(ctx, resume=args.resume)
    except TrainingError as exc:
        coded = {"code": exc.code, "params": exc.params} if exc.code else {}
        return _end(ctx, "failed", str(exc), exc.advice, **coded)
    except BaseException as exc:  # every ending is recorded, whatever it was
        if is_oom(exc):
            first = (str(exc).splitlines() or [""])[0]
            error, advice, fields = oom_ending(config, run_dir / runs.CONFIG_FILE, first)  # the estimator's next settings
            return _end(ctx, "oom", error, advice, exc, **fields)
        if isinstance(exc, KeyboardInterrupt):
            return _coded_end(ctx, "stopped", "interrupted", None, name=run_dir.name)
        return _coded_end(ctx, "failed", "failed", exc, exception=type(exc).__name__, detail=str(exc),
                          log=str(run_dir / runs.LOG_FILE))
    if outcome == "stopped":
        return _coded_end(ctx, "stopped", "stopped", None, name=run_dir.name)
    return _end(ctx, "completed", None, None)


def _coded_end(ctx: RunContext, status: str, code: str, exc: BaseException | None, **params: Any) -> int:
    """Ends the run with the ending `code` (engine.train.end_messages: its error and advice from `params`)."""
    error, advice, fields = ending(code, **params)
    return _end(ctx, status, error.text if error else None, advice.text if advice else None, exc, **fields)


def config_ending(exc: ConfigError) -> tuple[str, str, dict[str, Any]]:
    """(error, advice, fields) of a run whose config cannot be used: every problem as its coded message."""
    from engine.message_parts import part, parts
    error, advice, fields = ending("config-invalid", header=part("config.invalid", source=exc.source),
                                   problems=parts([m.to_dict() for m in exc.messages],
                                                  sep="\n  - "))
    return str(error), str(advice), fields


def _end(ctx: RunContext, status: str, error: str | None, advice: str | None,
         exc: BaseException | None = None, **fields: Any) -> int:
    """Ends the run: the `end` event (with EndEvent's optional `fields`: code, params, retry_settings)."""
    if exc is not None:
        traceback.print_exception(exc)
    if error:
        print(f"[{status}] {error}", flush=True)
    if advice:
        print(f"[advice] {advice}", flush=True)
    if ctx.world_size > 1:  # a rank: the supervisor (distributed.supervise) ends the run from every rank's record
        distributed.record_rank_ending(ctx, status, error, advice, exc, fields)
        return {"completed": 0, "stopped": 0}.get(status, 1)
    try:
        ctx.events.write("end", status=status, error=error, advice=advice, **fields)
    except OSError as write_error:  # a disk still full: status.json (a few bytes, written apart) may fit
        print(f"[error] could not write the end event: {write_error}", file=sys.stderr, flush=True)
    ctx.status(state=status, error=error, advice=advice, ended_at=time.time())
    ctx.events.close()
    return {"completed": 0, "stopped": 0}.get(status, 1)


if __name__ == "__main__":
    sys.exit(main())
