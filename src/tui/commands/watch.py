"""`tunewiz watch RUN`: the monitor's figures without Textual, for `ssh box tunewiz watch RUN` and scripts.

On a terminal it draws a rich live view (progress, loss with sparklines, lr, tokens/s, GPUs, log
tail); when stdout is not a terminal (a pipe, a CI log) it prints one plain line per event. It
reads the run directory only — watching never touches the trainer — and exits with the run's end
state, so a script can gate on it:

    0 completed · 1 failed · 2 no such run · 3 stopped · 4 oom · 5 crashed · 6 run directory deleted
    124 --timeout reached while the run was still going · 130 interrupted (the run goes on)
"""
from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from typing import Any, Optional

from tui import clikit

EXIT_CODES = {"completed": 0, "failed": 1, "stopped": 3, "oom": 4, "crashed": 5, "deleted": 6}
EXIT_NOT_FOUND = 2
EXIT_TIMEOUT = 124
EXIT_INTERRUPTED = 130
GPU_LINE_SECONDS = 30.0  # plain mode: one GPU line per GPU this often


def exit_code(state: str) -> int:
    return EXIT_CODES.get(state, 1)


# -- plain lines ----------------------------------------------------------------------------------
def _g(value: Any, pattern: str) -> str | None:
    from engine.history import num
    value = num(value)
    return None if value is None else pattern.format(value)


def event_line(event: dict[str, Any], history: Any) -> str | None:
    """One plain line for an event (None for the ones not worth a line, e.g. unknown types)."""
    from engine.history import integer, text
    from tui.formatting import format_loss
    kind = event.get("type")
    if kind == "step":
        step = integer(event.get("step"))
        if step is None:
            return None
        total = history.total_steps
        parts = [f"step {step}/{total}" if total else f"step {step}"]
        epoch = _g(event.get("epoch"), "epoch {:.2f}")
        if epoch:
            parts.append(epoch)
        if history.last_loss_nonfinite is not None and history.step == step:
            parts.append(f"loss {history.last_loss_nonfinite} (not finite)")
        else:
            parts.append(f"loss {format_loss(history.last_loss)}")
            if history.smoothed_loss is not None:
                parts.append(f"smoothed {format_loss(history.smoothed_loss)}")
        for field, pattern in (("reward_margin", "margin {:+.3f}"), ("reward_accuracy", "acc {:.0%}"),  # dpo
                               ("lr", "lr {:.2e}"), ("tokens_per_s", "{:.0f} tok/s"), ("grad_norm", "grad {:.3g}"),
                               ("gpu_mem_reserved_gb", "gpu {:.1f} GiB")):
            piece = _g(event.get(field), pattern)
            if piece:
                parts.append(piece)
        return "  ".join(parts)
    if kind == "eval":
        line = f"eval  step {event.get('step')}  eval_loss {format_loss(_num(event.get('eval_loss')), text(event.get('eval_loss_nonfinite')))}"
        for field, pattern in (("eval_reward_margin", "margin {:+.3f}"), ("eval_reward_accuracy", "acc {:.0%}")):
            piece = _g(event.get(field), pattern)
            line += f"  {piece}" if piece else ""
        return line
    if kind == "start":
        resumed = integer(event.get("resumed_from_step"))
        steps, world = integer(event.get("total_steps")), integer(event.get("world_size"))
        line = f"start  model {text(event.get('model'))}  method {text(event.get('method'))}"
        if event.get("tuning") is not None:  # dpo: how it trains and what it is compared with
            line += f" ({text(event.get('tuning'))}, reference {text(event.get('reference'))})"
        # A remote job knows neither until the service says (its steps come with the first metrics).
        line += f"  {steps} steps" if steps is not None else ""
        line += f"  world size {world}" if world is not None else ""
        trainable, total = integer(event.get("trainable_params")), integer(event.get("total_params"))
        if trainable is not None and total:
            line += f"  {trainable:,} of {total:,} params trainable"
        return line + (f"  (resumed from step {resumed})" if resumed else "")
    if kind == "checkpoint":
        return f"checkpoint  step {event.get('step')}  {text(event.get('path'))}"
    if kind == "log":   # a coded notice in the --lang language (log.<code>); a plain line as it was written
        from tui.message_parts import render
        code = text(event.get("code"))
        message = render(f"log.{code}" if code else None, event.get("params") if isinstance(event.get("params"), dict)
                         else {}, text(event.get("message")))
        return f"{text(event.get('level')) or 'info'}: {message}"
    if kind == "end":
        return f"end  {text(event.get('status'))}"
    return None


def _num(value: Any) -> float | None:
    from engine.history import num
    return num(value)


def gpu_line(gpu: Any) -> str:
    parts = [f"gpu{gpu.index} {gpu.name}"]
    if gpu.mem_used_gb is not None and gpu.mem_total_gb:
        parts.append(f"mem {gpu.mem_used_gb:.1f}/{gpu.mem_total_gb:.1f} GiB")
    if gpu.util_pct is not None:
        parts.append(f"util {gpu.util_pct:.0f}%")
    if gpu.temp_c is not None:
        parts.append(f"{gpu.temp_c:.0f}°C")
    if gpu.power_w is not None:
        parts.append(f"{gpu.power_w:.0f}/{gpu.power_limit_w or 0:.0f} W")
    return "  ".join(parts)


def summary_lines(s: Any) -> list[str]:
    """The closing lines: end state, figures, error and advice."""
    from tui.formatting import format_duration, format_loss
    step = f"step {s.step}/{s.total_steps}" if s.total_steps else f"step {s.step if s.step is not None else '-'}"
    line = f"{s.state}  {s.name}  {step}  elapsed {format_duration(s.elapsed_s)}  loss {format_loss(s.loss, s.loss_nonfinite)}"
    if s.smoothed_loss is not None:
        line += f"  smoothed {format_loss(s.smoothed_loss)}"
    if s.eval_loss is not None:
        line += f"  eval {format_loss(s.eval_loss)}"
    lines = [line]
    from tui.i18n import t
    if s.state == "deleted":
        lines.append(t("train_cli.watch.deleted", path=s.run_dir))
    from tui.message_parts import snapshot_ending
    error, advice = snapshot_ending(s)   # in the --lang language (the English of an older run as it was stored)
    if error:
        lines.append(t("train_cli.ending.error", text=error))
    if advice:
        lines.append(t("train_cli.ending.advice", text=advice))
    if s.nonfinite:
        lines.append(t("train_cli.watch.nonfinite", count=s.nonfinite, first=s.first_nonfinite_step))
    if s.unknown_types:
        lines.append(t("train_cli.watch.unknown-events", count=sum(s.unknown_types.values()),
                       types=", ".join(sorted(s.unknown_types))))
    if s.output:
        lines.append(t("train_cli.watch.output", path=s.output))
    return lines


# -- the rich live view ---------------------------------------------------------------------------
STATE_STYLE = {"starting": "cyan", "running": "cyan", "stopping": "yellow", "completed": "green",
               "stopped": "yellow", "failed": "red", "oom": "red", "crashed": "red", "deleted": "red"}


def _pad(label: str, cells: int) -> str:
    """`label` padded with spaces to `cells` terminal cells (a CJK character takes two)."""
    from rich.cells import cell_len
    return label + " " * max(1, cells - cell_len(label))


def live_view(s: Any, gpus: list[Any], width: int) -> Any:
    """The rich renderable for one snapshot."""
    from rich.console import Group
    from rich.panel import Panel
    from rich.progress_bar import ProgressBar
    from rich.table import Table
    from rich.text import Text

    from rich.cells import cell_len

    from tui.formatting import format_duration, format_loss, format_rate, sparkline
    from tui.i18n import t   # (the monitor screen's words for the same figures)

    now = time.time()
    rows: list[Any] = []
    head = Text.assemble((f"● {t(f'runs.state.{s.state}')}", f"bold {STATE_STYLE.get(s.state, 'white')}"), "  ",
                         (s.name, "bold"), f"  {Path(s.model).name if s.model and s.model.startswith(('/', '.', '~')) else s.model or '-'}"
                         f" · {s.method or '-'}")
    rows.append(head)
    step = s.step if s.step is not None else "-"
    parts = [t("monitor.step", step=step, total=s.total_steps) if s.total_steps else t("monitor.step_open", step=step)]
    if s.epoch is not None:
        parts.append(t("monitor.epoch", epoch=f"{s.epoch:.2f}"))
    parts.append(t("monitor.elapsed", elapsed=format_duration(s.elapsed_at(now))))
    if s.active:
        parts.append(t("monitor.eta", eta=format_duration(s.eta_at(now))))
    fraction = s.progress
    label = f"{fraction * 100:3.0f}%  " * (fraction is not None) + " · ".join(parts)
    progress = Table.grid(padding=(0, 1))
    progress.add_column(width=max(8, min(40, width - cell_len(label) - 7)))   # (cells: CJK takes two)
    progress.add_column(no_wrap=True)
    progress.add_row(ProgressBar(total=1.0, completed=fraction or 0.0, pulse=False), label)
    rows.append(progress)
    figures = [t("monitor.loss", loss=format_loss(s.loss, s.loss_nonfinite))]
    if s.smoothed_loss is not None:
        figures.append(t("monitor.smoothed", loss=format_loss(s.smoothed_loss)))
    if s.eval_loss is not None:
        figures.append(t("monitor.eval", loss=format_loss(s.eval_loss)))
    if s.lr is not None:
        figures.append(t("monitor.lr", lr=f"{s.lr:.2e}"))
    if s.tokens_per_s is not None:
        figures.append(t("monitor.tps", tps=format_rate(s.tokens_per_s)))
    if s.grad_norm is not None:
        figures.append(t("monitor.grad", grad=f"{s.grad_norm:.3g}"))
    rows.append(Text("  ".join(figures)))
    if s.series is not None:
        spark_width = max(10, width - 16)
        loss = s.series.loss_smooth[1]
        tps = s.series.tokens_per_s[1]
        if loss:
            rows.append(Text.assemble((_pad(t("train_cli.watch.spark-loss"), 10), "dim"), (sparkline(loss, spark_width), "cyan")))
        if tps:
            rows.append(Text.assemble((_pad(t("train_cli.watch.spark-tps"), 10), "dim"),
                                      (sparkline(tps, spark_width, floor=0.0), "blue")))
    for gpu in gpus:
        line = gpu_line(gpu)
        if s.pid in gpu.process_mem_gb:
            line += "  " + t("monitor.gpu.this_run", gb=gpu.process_mem_gb[s.pid])
        rows.append(Text(line))
    if s.gpu_mem_reserved_gb is not None:
        rows.append(Text(t("train_cli.watch.trainer-memory", alloc=s.gpu_mem_alloc_gb or 0, reserved=s.gpu_mem_reserved_gb,
                           peak=s.gpu_mem_peak_gb or 0), style="dim"))
    if not s.active or s.nonfinite:
        for line in summary_lines(s)[1:]:
            rows.append(Text(line.strip(), style="red" if s.state not in ("completed", "stopped") else "yellow"))
    if s.log_lines:
        rows.append(Text("\n".join(line[: width - 6] for line in s.log_lines[-6:]), style="dim"))
    return Panel(Group(*rows), title="tunewiz watch", title_align="left", border_style=STATE_STYLE.get(s.state, "white"))


# -- the command ----------------------------------------------------------------------------------
def follow(run_dir: Path, plain: bool, interval: float, only_new: bool, timeout: float | None,
           out: Any = None) -> int:
    """Follows `run_dir` until its run ends; returns the exit code."""
    from engine.hardware import GpuSampler
    from engine.monitoring import RunWatcher
    from engine.runs import ACTIVE_STATES

    out = out or sys.stdout
    deadline = None if timeout is None else time.monotonic() + timeout
    sampler = GpuSampler()
    printed = {"skip": only_new}

    def emit(line: str) -> None:
        # One write with its newline: print() writes the two apart, and a Ctrl-C between them (an
        # unbuffered stdout checks for signals after each write) glued the next line onto this one.
        out.write(line + "\n")
        out.flush()

    def on_event(event: dict[str, Any], history: Any) -> None:
        if printed["skip"]:
            return
        line = event_line(event, history)
        if line:
            emit(line)

    watcher = RunWatcher(run_dir, listener=on_event if plain else None)
    if plain and only_new:
        while True:  # fold the history without printing it
            watcher.poll()
            if not watcher.catching_up:
                break
        printed["skip"] = False
    live = None
    if not plain:
        from rich.console import Console
        from rich.live import Live
        console = Console()
        live = Live(console=console, auto_refresh=False, transient=False)
        live.start()
    last_gpu = float("-inf")
    gpus: list[Any] = []
    code = None
    try:
        while True:
            watcher.poll()
            if watcher.catching_up:
                continue
            now = time.monotonic()
            if now - last_gpu >= (interval * 2 if not plain else GPU_LINE_SECONDS):
                last_gpu = now
                gpus = sampler.sample()
                if plain:
                    for gpu in gpus:
                        emit(gpu_line(gpu))
            state = watcher.state
            if live is not None:  # every interval: elapsed and ETA move even without events
                width = live.console.width
                live.update(live_view(watcher.snapshot(max(20, width - 16)), gpus, width), refresh=True)
            if state not in ACTIVE_STATES:
                code = exit_code(state)
                break
            if deadline is not None and now > deadline:
                code = EXIT_TIMEOUT
                break
            time.sleep(interval)
    except KeyboardInterrupt:
        code = EXIT_INTERRUPTED
    finally:
        if live is not None:
            live.stop()
        sampler.close()
    snapshot = watcher.snapshot()
    from tui.i18n import t
    if code == EXIT_TIMEOUT:
        emit(t("train_cli.watch.timeout", name=snapshot.name, state=snapshot.state, step=snapshot.step))
    elif code == EXIT_INTERRUPTED:
        emit(t("train_cli.watch.interrupted", name=snapshot.name, state=snapshot.state))
    elif plain or snapshot.state != "completed":
        for line in summary_lines(snapshot):
            emit(line)
    return code


def register(app: clikit.App) -> None:
    @app.command()
    def watch(
        run: str = clikit.Argument(..., help="Run directory or run name."),
        runs_dir: Optional[Path] = clikit.Option(None, "--runs-dir", help="Default: $TUNEWIZ_RUNS_DIR or ./runs"),
        interval: float = clikit.Option(1.0, "--interval", min=0.05, help="Seconds between refreshes."),
        plain: bool = clikit.Option(False, "--plain", help="Plain lines even on a terminal."),
        only_new: bool = clikit.Option(False, "--only-new", help="Plain lines: skip what the run wrote before now."),
        timeout: Optional[float] = clikit.Option(None, "--timeout", help="Give up after SECONDS (exit 124)."),
    ) -> None:
        """Follow a run until it ends: live view on a terminal, plain lines in a pipe.

        Exit code: 0 completed, 1 failed, 2 no such run, 3 stopped, 4 oom, 5 crashed,
        6 run directory deleted, 124 timeout, 130 interrupted (the run keeps going)."""
        from engine import runs

        try:
            run_dir = runs.resolve_run(run, runs_dir)
        except runs.RunNotFound as exc:
            from tui.i18n import t
            from tui.messages import text_of
            print(t("train_cli.ending.error", text=text_of(exc)).strip(), file=sys.stderr)
            raise clikit.Exit(EXIT_NOT_FOUND)
        if runs.is_remote(runs.read_status(run_dir)):
            from tui.commands.openai import ensure_followed
            ensure_followed(run_dir)  # an OpenAI / Azure job whose follower is gone: follow it again
        # A closed pipe (`tunewiz watch RUN | head`) ends the watch quietly, not with a traceback.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
        # Ctrl-C (SIGINT) ends the watch (exit 130) even when whatever started tunewiz left SIGINT
        # ignored (a shell's background job passes SIG_IGN on, and Python keeps it). Watching holds
        # nothing to protect, and a background job never gets the terminal's Ctrl-C anyway.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        use_plain = plain or not sys.stdout.isatty()
        raise clikit.Exit(follow(run_dir, use_plain, interval, only_new, timeout))
