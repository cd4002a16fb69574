"""A synthetic run directory writer: the edge cases a real trainer rarely produces on demand
(partial lines, unknown events, non-finite losses, a dead trainer), in seconds and without torch.

It writes through `engine.events.EventWriter`, so every event is what the real trainer would write;
`raw()` appends arbitrary bytes for the cases a writer must never produce but a reader must survive.
Used by the monitor tests and the monitor benchmarks.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from engine import runs
from engine.events import EventWriter, make_event


def dead_pid() -> int:
    """A pid that certainly belongs to no process (a child that has exited and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


class SyntheticRun:
    def __init__(self, runs_dir: Path, name: str, model: str = "tiny-test-model", method: str = "lora",
                 pid: int | None = None, state: str | None = "running") -> None:
        self.dir = Path(runs_dir) / name
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / runs.CONFIG_FILE).write_text(f"model: {model}\nmethod: {method}\nname: {name}\n")
        (self.dir / runs.LOG_FILE).touch()
        self.model, self.method = model, method
        self.writer = EventWriter(self.dir / runs.EVENTS_FILE)
        self.pid = os.getpid() if pid is None else pid  # our own pid: "the trainer is alive"
        self.update_status = True
        if state:
            self.status(state=state, started_at=time.time())

    def status(self, **fields: Any) -> None:
        fields.setdefault("pid", self.pid)
        runs.write_status(self.dir, name=self.dir.name, model=self.model, method=self.method, **fields)

    def start(self, total_steps: int = 100, **extra: Any) -> None:
        self.writer.write("start", model=self.model, method=self.method, world_size=1, total_steps=total_steps,
                          trainable_params=1000, total_params=100000, dataset_rows=64, dataset_tokens=4096, **extra)
        self.status(state="running", step=0, total_steps=total_steps)

    def step(self, step: int, loss: float | None = None, t: float | None = None, **extra: Any) -> None:
        if loss is None:
            loss = 2.5 / (1 + step / 20) + 0.05 * math.sin(step)
        fields = dict(step=step, epoch=round(step / 50, 4), loss=loss, lr=2e-4 * (1 - step / 10000),
                      grad_norm=1.0, tokens=512, tokens_per_s=400.0 + step % 7, samples_per_s=4.0)
        fields.update(extra)
        if t is None:
            self.writer.write("step", **fields)
            if self.update_status:  # what the real trainer does after each step
                self.status(state="running", step=step, last_loss=fields["loss"] if math.isfinite(fields["loss"] or 0) else None)
        else:
            event = make_event("step", **fields)
            event["t"] = t
            self.raw(json.dumps(event) + "\n")

    def eval(self, step: int, eval_loss: float) -> None:
        self.writer.write("eval", step=step, eval_loss=eval_loss)

    def log(self, message: str, level: str = "info") -> None:
        self.writer.write("log", level=level, message=message)

    def end(self, status: str, error: str | None = None, advice: str | None = None) -> None:
        self.writer.write("end", status=status, error=error, advice=advice)
        self.status(state=status, error=error, advice=advice, ended_at=time.time())

    def raw(self, data: str | bytes) -> None:
        with open(self.dir / runs.EVENTS_FILE, "ab") as handle:
            handle.write(data.encode() if isinstance(data, str) else data)

    def train_log(self, *lines: str) -> None:
        with open(self.dir / runs.LOG_FILE, "a") as handle:
            handle.write("".join(line + "\n" for line in lines))


_LONG_CACHE: dict[tuple[int, int, str], Path] = {}


def write_long_run(runs_dir: Path, name: str, steps: int, eval_every: int = 500, state: str = "completed") -> Path:
    """A finished (or still-running) run with `steps` step events, written fast (one buffered file).

    The events file is generated once per process and copied after that (100,000 steps: ~2 s, then ~50 ms)."""
    import shutil
    import tempfile
    key = (steps, eval_every, state)
    if key in _LONG_CACHE and _LONG_CACHE[key].is_file():
        run = SyntheticRun(runs_dir, name, state=None)
        (run.dir / runs.EVENTS_FILE).unlink(missing_ok=True)
        shutil.copyfile(_LONG_CACHE[key], run.dir / runs.EVENTS_FILE)
        t0 = time.time() - steps * 0.5
        run.status(state=state, step=steps, total_steps=steps, started_at=t0, last_loss=2.5 / (1 + steps / 2000))
        return run.dir
    run = SyntheticRun(runs_dir, name, state=None)
    t0 = time.time() - steps * 0.5
    lines = [json.dumps({**make_event("start", model=run.model, method=run.method, world_size=1, total_steps=steps,
                                      trainable_params=1000, total_params=100000, dataset_rows=64,
                                      dataset_tokens=4096), "t": t0})]
    for i in range(1, steps + 1):
        event = make_event("step", step=i, epoch=round(i / 1000, 4), loss=2.5 / (1 + i / 2000) + 0.05 * math.sin(i),
                           lr=2e-4 * (1 - i / (steps + 1)), grad_norm=1.0, tokens=512, tokens_per_s=400.0 + i % 7,
                           samples_per_s=4.0, gpu_mem_alloc_gb=None, gpu_mem_reserved_gb=None, gpu_mem_peak_gb=None)
        event["t"] = t0 + i * 0.5
        lines.append(json.dumps(event))
        if i % eval_every == 0:
            lines.append(json.dumps({**make_event("eval", step=i, eval_loss=2.6 / (1 + i / 2000)), "t": t0 + i * 0.5}))
    if state in ("completed", "stopped", "failed", "oom"):
        lines.append(json.dumps({**make_event("end", status=state, error=None, advice=None), "t": t0 + steps * 0.5}))
    run.raw("\n".join(lines) + "\n")
    run.status(state=state, step=steps, total_steps=steps, started_at=t0, last_loss=2.5 / (1 + steps / 2000))
    cache = Path(tempfile.mkdtemp(prefix="tunewiz-long-")) / "events.jsonl"
    shutil.copyfile(run.dir / runs.EVENTS_FILE, cache)
    _LONG_CACHE[key] = cache
    import atexit
    atexit.register(shutil.rmtree, cache.parent, True)
    return run.dir


class FakeNvml:
    """NVML with two GPUs; the second cannot report power (as on some boards). `run_pid` is shown
    as a process using 30 GiB on the first GPU."""

    def __init__(self, run_pid: int = 4242) -> None:
        self.inits = 0
        self.run_pid = run_pid

    def nvmlInit(self):
        self.inits += 1

    def nvmlShutdown(self):
        self.inits -= 1

    def nvmlSystemGetDriverVersion(self):
        return "550.54"

    def nvmlDeviceGetCount(self):
        return 2

    def nvmlDeviceGetHandleByIndex(self, index):
        return index

    def nvmlDeviceGetUUID(self, handle):
        return f"GPU-{handle}000"

    def nvmlDeviceGetName(self, handle):
        return b"NVIDIA A100-SXM4-80GB" if handle == 0 else "NVIDIA RTX 4090"

    def nvmlDeviceGetMemoryInfo(self, handle):
        total = (80 if handle == 0 else 24) * 2**30
        return SimpleNamespace(total=total, free=total // 2, used=total // 2)

    def nvmlDeviceGetCudaComputeCapability(self, handle):
        return (8, 0) if handle == 0 else (8, 9)

    def nvmlDeviceGetUtilizationRates(self, handle):
        return SimpleNamespace(gpu=97 if handle == 0 else 3, memory=40)

    def nvmlDeviceGetTemperature(self, handle, sensor):
        return 65

    def nvmlDeviceGetPowerUsage(self, handle):
        if handle == 1:
            raise RuntimeError("NVML_ERROR_NOT_SUPPORTED")
        return 350_000

    def nvmlDeviceGetEnforcedPowerLimit(self, handle):
        return 400_000

    def nvmlDeviceGetComputeRunningProcesses(self, handle):
        return [SimpleNamespace(pid=self.run_pid, usedGpuMemory=30 * 2**30)] if handle == 0 else []
