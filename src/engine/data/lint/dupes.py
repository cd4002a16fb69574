"""Duplicates and train/eval overlap in bounded memory: the records the scan leaves, and the pass over them.

Each example leaves one record (hash of its normalised text, exact key, line) in a `DupStore`: in
2**bits hash partitions, at most DUP_CHUNK records in memory, the rest in temp files. After the
scan, `duplicate_pairs` loads one partition at a time, finds repeated hashes with a dict and decides
exactness by the exact keys (a hash of the row's bytes);
`overlap_pairs` does the same between a training file's stores and its eval file's. So memory is
nearly constant in the file size.
"""
from __future__ import annotations

import os
from array import array
from typing import Iterator

from ..records import FileInfo

DUP_CHUNK = 1 << 16             # duplicate records held in memory (24 bytes each) before they go to a temp file
DUP_PART_ROWS = 1 << 15         # records per partition aimed at when duplicates are looked for
DUP_SPLIT_ROWS = 1 << 18        # a partition larger than this (row estimate far off) is split again in memory

# The normalised text of a row, for near-duplicates: lower-cased (ASCII), all ASCII whitespace removed
# (`blob_bytes.translate(LOWER, WS_DELETE)`), then hashed with h64.
WS_DELETE = b" \t\n\r\x0b\x0c"
LOWER = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", b"abcdefghijklmnopqrstuvwxyz")
# xxh3: ~10x faster than hash() on long bytes; same use (a 64-bit key within one run)
from xxhash import xxh3_64_intdigest as h64

# The exact key of a row is h64(its bytes) - SIGNED: the records are signed 64-bit (array "q").
SIGNED = 1 << 63


# ------------------------------------------------------------------------------------------------
# the records, in bounded memory (picklable: a forked worker sends its store back)

class DupStore:
    """One record per example, (hash of its normalised text, exact key, line), for duplicates and overlap.

    Records go to 2**bits partitions by the hash's low bits. At most DUP_CHUNK records are held in
    memory; then they are appended to one temp file per partition. Looking for duplicates loads one
    partition at a time, so memory stays near DUP_CHUNK + one partition whatever the file size. The
    exact key is `h64(bytes) - SIGNED` of the row's bytes (a JSONL line stripped, else the row as orjson
    writes it): two rows whose normalised texts match are exact copies when their keys are equal. (Until
    the sixth lint round the key was the line's offset and the two lines were read back and compared: ~25 ms
    of serial work at the end of a 60 MB lint against ~2 ms of hashing spread over the workers.) Picklable:
    a forked worker sends its store back.
    """

    def __init__(self, bits: int = 0, tmp_base: str | None = None) -> None:
        self.bits = bits
        self.mask = (1 << bits) - 1
        self.tmp_base = tmp_base
        # Per partition, records flattened: h0, key0, line0, h1, key1, line1, ...
        self.parts = [array("q") for _ in range(1 << bits)]
        self.held = 0
        # Records held before a spill (DUP_CHUNK when the store is made; the scan loop reads it here).
        self.chunk = DUP_CHUNK
        self.dir: str | None = None

    def add(self, h: int, key: int, line: int) -> None:
        self.parts[h & self.mask].fromlist([h, key, line])   # (fromlist: ~0.2 us less than extend of a tuple)
        self.held += 1
        if self.held >= self.chunk:
            self.spill()

    def spill(self) -> None:
        if self.dir is None:
            import tempfile
            self.dir = tempfile.mkdtemp(prefix="tunewiz-lint-", dir=self.tmp_base)
        for p, a in enumerate(self.parts):
            if a:
                with open(os.path.join(self.dir, f"{p}.bin"), "ab") as f:
                    a.tofile(f)
                del a[:]
        self.held = 0

    def partition(self, p: int) -> array:
        """Every record of partition p, in the order they were added."""
        out = array("q")
        if self.dir is not None:
            try:
                with open(os.path.join(self.dir, f"{p}.bin"), "rb") as f:
                    out.frombytes(f.read())
            except FileNotFoundError:
                pass
        out.extend(self.parts[p])
        return out

    def cleanup(self) -> None:
        if self.dir is not None:
            rmtree(self.dir)
            self.dir = None


def rmtree(path: str) -> None:
    """Removes a temp folder and whatever is left in it (errors ignored: it is only ever a temp folder)."""
    import shutil
    shutil.rmtree(path, ignore_errors=True)


def _partition(stores: list[tuple[DupStore, int]], p: int) -> tuple[array, array, array]:
    """(hashes, exact keys, lines) of partition p over consecutive stores, lines shifted by each store's offset."""
    hs, ks, ls = array("q"), array("q"), array("q")
    for store, offset in stores:
        a = store.partition(p)
        hs.extend(a[0::3])
        ks.extend(a[1::3])
        lines = a[2::3]
        ls.extend(array("q", [x + offset for x in lines]) if offset else lines)
    return hs, ks, ls


def partition_bits(info: FileInfo) -> int:
    """Partition bits for the duplicate records of this file: about DUP_PART_ROWS records each (rows estimated)."""
    try:
        with open(info.path, "rb") as f:
            head = f.read(1 << 20)
    except OSError:
        return 0
    lines = head.count(b"\n") + 1
    rows = info.size * lines / max(1, len(head))
    bits = 0
    while rows > DUP_PART_ROWS << bits and bits < 10:
        bits += 1
    return bits


# ------------------------------------------------------------------------------------------------
# the pass: duplicates and train/eval overlap, one hash partition at a time

def _dup_pairs(hs: array, shift: int) -> Iterator[tuple[int, int]]:
    """(index, index of the first record with the same hash) for every later record, by partition."""
    if len(hs) > DUP_SPLIT_ROWS and shift < 60:
        # Far more records than planned (the row estimate was off): split by the next hash bits.
        subs: list[tuple[array, array]] = [(array("q"), array("q")) for _ in range(16)]
        for i, h in enumerate(hs):
            sh, si = subs[(h >> shift) & 15]
            sh.append(h)
            si.append(i)
        for sh, si in subs:
            yield from ((si[i], si[j]) for i, j in _dup_pairs(sh, shift + 4))
        return
    first: dict[int, int] = {}
    setdefault = first.setdefault
    for i, h in enumerate(hs):
        j = setdefault(h, i)
        if j != i:
            yield i, j


def duplicate_pairs(stores: list[tuple[DupStore, int]]) -> list[tuple[int, int, bool]]:
    """(line, line of first copy, exact?) for every later copy, sorted. `stores`: a scan's stores with their
    line offsets (its own first, then those of the ranges merged into it)."""
    out: list[tuple[int, int, bool]] = []
    bits = stores[0][0].bits
    for p in range(1 << bits):
        hs, ks, ls = _partition(stores, p)
        if len(hs) < 2:
            continue
        out.extend((ls[i], ls[j], ks[i] == ks[j]) for i, j in _dup_pairs(hs, bits))
    out.sort()
    return out


def overlap_pairs(train: list[tuple[DupStore, int]], evals: list[tuple[DupStore, int]]) -> list[tuple[int, int]]:
    """(training line, first eval line with the same normalised text) for every training row also in the eval
    file. `train`, `evals`: the two scans' stores with their line offsets (partitioned with the same bits)."""
    hits: list[tuple[int, int]] = []
    for p in range(1 << train[0][0].bits):
        eh, _, el = _partition(evals, p)
        if not eh:
            continue
        first_eval: dict[int, int] = {}
        for h, line in zip(eh, el):
            first_eval.setdefault(h, line)
        del eh, el
        th, _, tl = _partition(train, p)
        get = first_eval.get
        for h, line in zip(th, tl):
            e = get(h)
            if e is not None:
                hits.append((line, e))
    hits.sort()
    return hits
