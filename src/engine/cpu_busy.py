"""What other processes keep the CPUs busy with *now*, for deciding whether forking workers pays
(engine/data/lint/parallel.py).

Importing this module takes the first sample: `tunewiz` imports it before anything else (tui/cli.py), so by the
time `tunewiz lint` plans its workers the window covers the command's whole start-up (~0.1 s: 20 ticks of /proc/stat
on 2 CPUs). Taken later (it was taken when the lint package was imported), the window shrank to ~10 ms as the start-up
got faster: too few ticks to tell, and the 1-minute load average decided instead, which a previous command leaves high.
Light on purpose: only os and time.
"""
from __future__ import annotations

import os
import time

# /proc/stat's first line: cpu user nice system idle iowait irq softirq steal (in clock ticks, all CPUs)
_BUSY_FIELDS = (0, 1, 2, 5, 6)   # user, nice, system, irq, softirq: what processes and the kernel ran
_IDLE_FIELDS = (3, 4)            # idle, iowait. (Steal, the hypervisor's, is left out: it comes in bursts.)
MIN_TICKS = 6                    # fewer ticks seen (10 ms each on Linux) are too few to tell busy from idle


def _cpu_sample() -> tuple[float, float, int, int] | None:
    """(monotonic time, this process's CPU seconds, busy ticks, busy + idle ticks of every CPU) now; None
    without /proc/stat (not Linux)."""
    try:
        with open("/proc/stat", "rb") as f:
            ticks = [int(x) for x in f.readline().split()[1:9]]
        busy = sum(ticks[i] for i in _BUSY_FIELDS)
        idle = sum(ticks[i] for i in _IDLE_FIELDS)
    except (OSError, ValueError, IndexError):
        return None
    # (this process's CPU time to the nanosecond: only the machine's side is counted in 10 ms ticks)
    return time.monotonic(), time.process_time(), busy, busy + idle


_last_sample = _cpu_sample()  # taken at import (see the module's docstring)


def busy_elsewhere() -> float | None:
    """How many CPUs other processes kept busy since the last call, or since this module was
    imported: the machine's busy ticks (/proc/stat) less this process's own CPU time. None when too little
    time has passed to tell, or without /proc/stat. Unlike the 1-minute load average it says what is busy now,
    not what ran (or what this command's previous run did) in the last minute."""
    global _last_sample
    start, now = _last_sample, _cpu_sample()
    if now is None:
        return None
    _last_sample = now
    if start is None or now[3] - start[3] < MIN_TICKS or now[0] <= start[0]:
        return None
    cpus = os.cpu_count() or 1   # /proc/stat's line sums every online CPU
    busy = (now[2] - start[2]) / (now[3] - start[3]) * cpus
    own = (now[1] - start[1]) / (now[0] - start[0])
    return max(0.0, busy - own)
