"""Scanning a whole file: in this process, or, for a large JSONL file, cut at line boundaries into ranges
that this process and forked workers take from a shared queue, their scans merged in file order.

Forking is automatic only where it is safe and pays: a single-threaded process, no progress
callback, a large file, and CPUs that look idle (`plan_workers`). A worker that cannot be started
or fails has its range scanned here: the result is the same.
"""
from __future__ import annotations

import os
import threading
from collections import Counter
from typing import Callable

import orjson

from ...cpu_busy import busy_elsewhere
from ..canonical import Problem
from ..records import FileInfo, iter_records_of
from .dupes import partition_bits, rmtree
from .model import MAX_WORKERS, LintOptions, Tick
from .scan import TICK_EVERY, Scan, merge, scan_jsonl_range


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
        return max(1, min(opts.workers, MAX_WORKERS))
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


MAX_CHUNKS = 255   # the queue hands out one byte per range


def _chunks(path: str, size: int, workers: int) -> list[tuple[int, int]]:
    """Byte ranges, starting at line starts, for `workers` processes that take them in turn from a queue:
    large first, then smaller (each a 2*workers-th of what is left, down to a 16*workers-th of the file), so
    the processes end together even when one runs slower (rows of different cost, a busy CPU): the last
    ranges are short. At most MAX_CHUNKS."""
    cuts, pos, floor = [], 0, max(1, size // (16 * workers))
    while True:
        pos += max((size - pos) // (2 * workers), floor)
        if pos >= size or len(cuts) >= MAX_CHUNKS - 1:
            break
        cuts.append(pos)
    bounds = [0]
    with open(path, "rb") as f:
        for cut in cuts:
            if cut <= bounds[-1]:
                continue
            f.seek(cut)
            f.readline()
            p = f.tell()
            if bounds[-1] < p < size:
                bounds.append(p)
    bounds.append(size)
    return [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def _scan_shared(path: str, bom: bool, ranges: list[tuple[int, int]], workers: int,
                 new_scan: Callable[[], Scan]) -> list[Scan]:
    """Scans `ranges` in this process and `workers - 1` forked children, each taking the next range from a
    shared queue (a pipe holding one byte per range index: a read of one byte takes one range) until it is
    empty; a child sends its pickled scans back through a pipe of its own. A range whose scan does not come
    back (no pipe or fork available, a child that failed) is scanned here: the result is the same. (Temp
    files of the scans live under the caller's folder, which it removes on an exception.)"""
    import pickle
    assert len(ranges) <= MAX_CHUNKS
    done: dict[int, Scan] = {}

    def take_all(queue: int, into: dict[int, Scan]) -> None:
        # A process takes its ranges in file order, so once its earlier ranges keep `cap` findings of a code, no
        # later range of its own can add one to the merged report: its ranges share one budget of kept findings
        # (fewer to send back), and each range's own count is set after its scan, for `merge`.
        kept_here: Counter = Counter()
        while token := os.read(queue, 1):
            a, b = ranges[token[0]]
            scan = new_scan()
            scan.kept_per_code = kept_here
            into[token[0]] = scan = scan_jsonl_range(path, a, b, bom, scan)
            scan.kept_per_code = Counter(f.code for f in scan.kept)

    children: list[tuple[int, int]] = []
    queue = -1
    try:
        try:
            queue, fill = os.pipe()
            os.write(fill, bytes(range(len(ranges))))   # at most 255 bytes: one write, never blocks
            os.close(fill)
        except OSError:  # no pipe: every range is scanned here below
            if queue >= 0:
                os.close(queue)
            queue = -1
        for _ in range(min(workers, len(ranges)) - 1 if queue >= 0 else 0):   # (more would find the queue empty)
            try:
                r, w = os.pipe()
            except OSError:
                break
            try:
                pid = os.fork()
            except OSError:  # no room for another process: those here take more ranges
                os.close(r)
                os.close(w)
                break
            if pid == 0:  # the child: never returns, never runs the parent's cleanup
                code = 1
                try:
                    os.close(r)
                    mine: dict[int, Scan] = {}
                    take_all(queue, mine)
                    data = pickle.dumps(mine, pickle.HIGHEST_PROTOCOL)
                    with os.fdopen(w, "wb") as fw:
                        fw.write(data)
                    code = 0
                except BaseException:  # noqa: BLE001 - reported by the exit code; the parent redoes its ranges
                    pass
                finally:
                    os._exit(code)
            os.close(w)
            children.append((pid, r))
        if queue >= 0:
            take_all(queue, done)
        while children:
            pid, r = children[0]
            with os.fdopen(r, "rb") as fr:
                data = fr.read()
            children.pop(0)
            try:
                status = os.waitpid(pid, 0)[1]
            except ChildProcessError:  # already reaped (SIGCHLD ignored): the data tells
                status = 0
            if status == 0 and data:
                try:
                    done.update(pickle.loads(data))
                except Exception:  # noqa: BLE001 - its ranges are scanned below
                    pass
        for i, (a, b) in enumerate(ranges):
            if i not in done:
                done[i] = scan_jsonl_range(path, a, b, bom, new_scan())
        return [done[i] for i in range(len(ranges))]
    finally:
        if queue >= 0:
            os.close(queue)
        for pid, r in children:  # only after an exception here: stop and reap the children
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
            ranges = _chunks(path, info.size, workers)
            if len(ranges) > 1:
                import tempfile
                base = tempfile.mkdtemp(prefix="tunewiz-lint-")
                try:
                    parts = _scan_shared(path, info.bom, ranges, workers,
                                         lambda: Scan(src, fmt, detected, opts, bits, tmp_base=base))
                except BaseException:
                    rmtree(base)
                    raise
                scan = merge(parts)
                scan.tmp_dirs.append(base)
                return scan
        return scan_jsonl_range(path, 0, info.size, info.bom, Scan(src, fmt, detected, opts, bits), tick)
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
