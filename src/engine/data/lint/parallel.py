"""Scanning a whole file: in this process, or, for a large JSONL file, split at line boundaries over
forked workers whose scans are merged.

Forking is automatic only where it is safe and pays: a single-threaded process, no progress
callback, a large file, and CPUs that look idle (`plan_workers`). A worker that cannot be started
or fails has its range scanned here: the result is the same.
"""
from __future__ import annotations

import os
import threading
import time
from typing import Callable

import orjson

from ..canonical import Problem
from ..records import FileInfo, iter_records_of
from .dupes import partition_bits, rmtree
from .model import LintOptions, Tick
from .scan import TICK_EVERY, Scan, merge, scan_jsonl_range


def _split(path: str, size: int, parts: int) -> list[tuple[int, int]]:
    """Byte ranges that start at line starts."""
    bounds = [0]
    with open(path, "rb") as f:
        for k in range(1, parts):
            f.seek(size * k // parts)
            f.readline()
            p = f.tell()
            if p > bounds[-1] and p < size:
                bounds.append(p)
    bounds.append(size)
    return [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]



def _count_lines(path: str) -> int:
    n = 0
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            n += chunk.count(b"\n")
    return n + 1


def usable_cpus() -> int:
    """CPUs this process may run on: its affinity, capped by a cgroup CPU quota (containers)."""
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    try:
        with open("/sys/fs/cgroup/cpu.max") as f:
            quota, period = f.read().split()[:2]
        if quota != "max":
            n = min(n, max(1, -(-int(quota) // int(period))))
    except (OSError, ValueError):
        pass
    return n


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


_last_sample = _cpu_sample()  # taken at import: `tunewiz lint` plans its workers ~50 ms later


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


def plan_workers(opts: LintOptions, size: int, tick: Tick | None) -> int:
    """How many processes scan a JSONL file of `size` bytes (1: this one alone).

    Automatic (opts.workers None), for a file of at least opts.parallel_min_bytes: one process per
    CPU that other processes leave idle (`busy_elsewhere`; where it cannot tell, the usable CPUs minus the
    1-minute load average, plus this one; at most 8), and only when forking is safe: no other thread in this
    process (a fork copies locks held by other threads). Measured on a shared 2-CPU box: with a CPU idle,
    two processes nearly halve the wall time; with the CPUs busy they gain nothing (the kernel shares CPU
    time between sessions, not processes) and cost 3-20% more CPU. With a progress callback the scan stays
    in this process (forked workers cannot report back)."""
    if tick is not None or size < opts.parallel_min_bytes or not hasattr(os, "fork"):
        return 1
    if opts.workers is not None:
        return max(1, opts.workers)
    if threading.active_count() > 1:
        return 1
    cpus = usable_cpus()
    elsewhere = busy_elsewhere()
    if elsewhere is not None:
        return max(1, min(8, cpus, int((os.cpu_count() or 1) - elsewhere + 0.5)))
    try:
        busy = os.getloadavg()[0]
    except (AttributeError, OSError):
        busy = 0.0
    return max(1, min(8, cpus, int(cpus - busy + 1.5)))


def _scan_forked(path: str, bom: bool, ranges: list[tuple[int, int]], new_scan: Callable[[], Scan]) -> list[Scan]:
    """Scans ranges[0] here and every other range in a forked child, which sends its pickled scan
    back through a pipe. A range whose child cannot be started or fails is scanned here: same result.
    (Temp files of the scans live under the caller's folder, which it removes on an exception.)"""
    import pickle
    children: list[tuple[int, int, int, int]] = []
    here: list[tuple[int, int]] = []  # ranges this process scans after all (no pipe or fork available)
    try:
        for a, b in ranges[1:]:
            try:
                r, w = os.pipe()
            except OSError:
                here.append((a, b))
                continue
            try:
                pid = os.fork()
            except OSError:  # no room for another process: this one scans the range
                os.close(r)
                os.close(w)
                here.append((a, b))
                continue
            if pid == 0:  # the child: never returns, never runs the parent's cleanup
                code = 1
                try:
                    os.close(r)
                    scan = new_scan()
                    data = pickle.dumps(scan_jsonl_range(path, a, b, bom, scan), pickle.HIGHEST_PROTOCOL)
                    with os.fdopen(w, "wb") as fw:
                        fw.write(data)
                    code = 0
                except BaseException:  # noqa: BLE001 - reported by the exit code; the parent redoes the range
                    pass
                finally:
                    os._exit(code)
            os.close(w)
            children.append((pid, r, a, b))
        parts = {ranges[0]: scan_jsonl_range(path, ranges[0][0], ranges[0][1], bom, new_scan())}
        while children:
            pid, r, a, b = children[0]
            with os.fdopen(r, "rb") as fr:
                data = fr.read()
            children.pop(0)
            try:
                status = os.waitpid(pid, 0)[1]
            except ChildProcessError:  # already reaped (SIGCHLD ignored): the data tells
                status = 0
            part = None
            if status == 0 and data:
                try:
                    part = pickle.loads(data)
                except Exception:  # noqa: BLE001
                    part = None
            parts[(a, b)] = part if part is not None else scan_jsonl_range(path, a, b, bom, new_scan())
        for a, b in here:
            parts[(a, b)] = scan_jsonl_range(path, a, b, bom, new_scan())
        return [parts[rg] for rg in ranges]
    finally:
        for pid, r, _, _ in children:  # only after an exception here: stop and reap the children
            try:
                os.kill(pid, 15)
            except OSError:
                pass
            try:
                os.close(r)
            except OSError:
                pass
            try:
                os.waitpid(pid, 0)
            except OSError:
                pass


def scan_file(info: FileInfo, fmt: str, detected: bool, opts: LintOptions, src: str, tick: Tick | None = None,
               dup_bits: int | None = None) -> Scan:
    """Scans a whole file. `dup_bits`: partition bits of the duplicate records (default: from the size;
    an eval file gets the training file's, so that their partitions match)."""
    path = str(info.path)
    bits = partition_bits(info) if dup_bits is None else dup_bits
    if info.layout == "jsonl":
        workers = plan_workers(opts, info.size, tick)
        if workers > 1:
            ranges = _split(path, info.size, workers)
            if len(ranges) > 1:
                import tempfile
                base = tempfile.mkdtemp(prefix="tunewiz-lint-")
                try:
                    parts = _scan_forked(path, info.bom, ranges,
                                         lambda: Scan(src, fmt, detected, opts, bits, by_offset=True, tmp_base=base))
                except BaseException:
                    rmtree(base)
                    raise
                scan = merge(parts)
                scan.tmp_dirs.append(base)
                return scan
        return scan_jsonl_range(path, 0, info.size, info.bom, Scan(src, fmt, detected, opts, bits, by_offset=True), tick)
    scan = Scan(src, fmt, detected, opts, bits)
    try:
        total_lines = _count_lines(path) if tick is not None else 0
        prev = 0
        for n, rec in iter_records_of(info):
            # Several records can start on one line (a one-line array): their place on it tells them apart.
            scan.cur_occ = scan.cur_occ + 1 if n == prev else 0
            prev = n
            try:
                raw = None if isinstance(rec, (Problem, str)) else orjson.dumps(rec)
            except orjson.JSONEncodeError:
                raw = None  # the scan says why the row cannot be written
            scan.record(n, raw, rec)
            scan.last_line = n
            if tick is not None and not scan.rows & TICK_EVERY:
                tick("scan", n, total_lines)
    except BaseException:
        scan.cleanup()
        raise
    return scan
