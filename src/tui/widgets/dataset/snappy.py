"""Keeps the UI snappy while a pure-Python worker thread holds the GIL (no Textual here)."""
from __future__ import annotations

import sys
import threading
from typing import Any


class SnappyThreads:
    """Shortens the interpreter's thread switch interval while a CPU-bound worker runs.

    The linter is pure Python and holds the GIL; every time the UI's event loop waits for input it
    gives the GIL away and needs up to one switch interval (5 ms by default) to get it back. A key
    press takes dozens of such round trips, so 5 ms each adds up to a sluggish screen. At 1 ms the
    UI answers at once while the worker loses little. Counted, so overlapping workers restore the
    original value only when the last one ends.
    """

    _lock = threading.Lock()
    _active = 0
    _saved = 0.005
    INTERVAL = 0.001

    def __enter__(self) -> None:
        with self._lock:
            if SnappyThreads._active == 0:
                SnappyThreads._saved = sys.getswitchinterval()
                sys.setswitchinterval(min(self.INTERVAL, SnappyThreads._saved))
            SnappyThreads._active += 1

    def __exit__(self, *exc: Any) -> None:
        with self._lock:
            SnappyThreads._active -= 1
            if SnappyThreads._active == 0:
                sys.setswitchinterval(SnappyThreads._saved)
