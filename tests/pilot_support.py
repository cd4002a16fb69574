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


# -- the wizard ----------------------------------------------------------------------------------------
def step(app) -> str:
    """The wizard step on show (its STEP name), else the screen's class name."""
    return getattr(app.screen, "STEP", type(app.screen).__name__)


async def at_step(pilot, name: str) -> None:
    """Waits until the wizard shows step `name`, mounted."""
    await until(pilot, lambda: step(pilot.app) == name and pilot.app.screen.is_mounted, what=f"step {name}")
    await pilot.pause()


def visible(app, selector: str) -> bool:
    """Shown, and drawn inside the terminal (not cut off below the footer or to the right)."""
    widget = app.screen.query_one(selector)
    region = widget.region
    width, height = app.size
    return widget.display and region.height > 0 and region.bottom <= height - 1 and region.right <= width


async def answer(pilot, option: str) -> None:
    """Picks an option of the question on screen (Enter on it)."""
    options = pilot.app.screen.query_one("#wz-options")
    options.highlighted = [o.id for o in options.options].index(option)
    await pilot.press("enter")


async def answer_goal_questions(pilot, goal: str, examples: int, length: str = "medium", cloud: str = "no") -> None:
    """From the goal question to the last one: the goal, how many examples, how long, whether the cloud may be used."""
    await at_step(pilot, "goal")
    await answer(pilot, goal)
    await at_step(pilot, "examples")
    pilot.app.screen.query_one("#wz-answer").value = str(examples)
    await pilot.press("enter")
    await at_step(pilot, "length")
    await answer(pilot, length)
    await at_step(pilot, "cloud")
    await answer(pilot, cloud)


async def data_to_review(pilot, path) -> None:
    """On the dataset step: types PATH, waits for its quick check, goes on to the review and waits for its estimate."""
    app = pilot.app
    app.screen.query_one("#wz-data-path").value = str(path)
    await until(pilot, lambda: app.screen.state.data is not None, what="the quick check")
    await pilot.press("ctrl+n")
    await at_step(pilot, "review")
    await until(pilot, lambda: app.screen.estimate is not None, what="the review's estimate")
