"""Helpers for driving the real app with Textual's Pilot, shared by the screen tests."""
from __future__ import annotations

import time
from typing import Callable

import pytest


async def until(pilot, predicate: Callable[[], object], timeout: float = 15.0, what: str = "condition") -> None:
    """Lets the app run until `predicate()` is true; fails the test naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        await pilot.pause(0.05)
        if predicate():
            return
    pytest.fail(f"timed out waiting for {what}")
