"""The wizard hands its dataset step to the real dataset screen and takes the file back.

Walked as a user walks it, by keys and on-screen text only (the wizard's internals are free to
change): home → `w` → the questions → the dataset step → Ctrl+O opens the dataset screen on the
file typed so far → another file is opened there and checked → Esc returns to the wizard, which
now shows that file with the dataset screen's findings → the config review trains on it.
"""
from __future__ import annotations

import json
import re
import time

import pytest
from textual.widgets import Input, OptionList

from tui.app import TunewizApp
from tui.i18n import set_language, t

@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # no hub in tests
    yield
    set_language("en")


def screen_text(app) -> str:
    """What a user reads: every shown Static and Label of the screen on top."""
    return "\n".join(str(w.render()) for w in app.screen.query("Static, Label") if w.display)


def footer(app) -> list[str]:
    return [b.binding.description for b in app.screen.active_bindings.values() if b.binding.show]


async def until(pilot, condition, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; on screen:\n{screen_text(pilot.app)}")
        await pilot.pause(0.05)


async def shows(pilot, text: str, timeout: float = 30.0) -> None:
    await until(pilot, lambda: text in screen_text(pilot.app), timeout, what=repr(text))


async def choose(pilot, label: str) -> None:
    """Moves the highlight of the question's list to the option that reads `label`, then Enter."""
    options = pilot.app.screen.query_one(OptionList)
    for _ in range(options.option_count):
        if label in str(options.get_option_at_index(options.highlighted).prompt):
            break
        await pilot.press("down")
    assert label in str(options.get_option_at_index(options.highlighted).prompt), label
    await pilot.press("enter")


def dataset_screen_summary(app) -> str:
    return str(app.screen.query_one("#summary").render())


async def test_the_dataset_step_hands_the_file_to_the_dataset_screen_and_takes_back_its_choice(tmp_path, monkeypatch):
    # The file the user will pick on the dataset screen: 6 conversations, two of them the same (a finding).
    rows = [{"messages": [{"role": "user", "content": f"Where is parcel {i % 5}?"},
                          {"role": "assistant", "content": f"Parcel {i % 5} is on its way."}]} for i in range(6)]
    picked = tmp_path / "picked.jsonl"
    picked.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    typed = tmp_path / "typed.jsonl"  # the file typed into the wizard first
    typed.write_text("".join(json.dumps(r) + "\n" for r in rows[:3]), encoding="utf-8")

    monkeypatch.chdir(tmp_path)  # paths are typed relative to here, as in a shell
    app = TunewizApp(lang="en", runs_dir=tmp_path / "runs")
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "HomeScreen" == type(app.screen).__name__, what="home")
        await pilot.press("w")
        await shows(pilot, t("wizard.hw.heading"))
        await pilot.press("ctrl+n")
        await shows(pilot, t("wizard.q.goal.title"))
        await choose(pilot, t("wizard.q.goal.task"))
        await shows(pilot, t("wizard.q.examples.title"))
        await pilot.press(*"600", "enter")
        await shows(pilot, t("wizard.q.length.title"))
        await choose(pilot, t("wizard.q.length.short"))
        await shows(pilot, t("wizard.q.cloud.title"))
        await choose(pilot, t("wizard.q.cloud.no"))
        await shows(pilot, t("wizard.step.recommend"))
        await pilot.press("ctrl+n")
        await shows(pilot, t("wizard.step.model"))
        await pilot.press("ctrl+n")
        await shows(pilot, t("wizard.data.title"))
        wizard_step = app.screen
        assert t("wizard.key.lint") in footer(app)

        # A file typed into the wizard gets the quick check.
        await pilot.press(*typed.name)
        await shows(pilot, t("wizard.data.source.quick"))
        assert t("wizard.data.rows", rows=3, examples=3) in screen_text(app)

        # Ctrl+O: the real dataset screen opens on that file and checks it.
        await pilot.press("ctrl+o")
        await until(pilot, lambda: app.screen is not wizard_step and app.screen.query("#summary"), what="the dataset screen")
        dataset_screen = app.screen
        assert dataset_screen.query_one("#path", Input).value == typed.name
        await until(pilot, lambda: "3 rows" in dataset_screen_summary(app) and "✖" in dataset_screen_summary(app),
                    timeout=90, what="the typed file checked on the dataset screen")

        # The user opens another file there (o: the path field) and waits for its findings.
        await pilot.press("o")
        assert dataset_screen.query_one("#path", Input).has_focus
        await pilot.press(*picked.name, "enter")
        await until(pilot, lambda: "6 rows" in dataset_screen_summary(app) and "✖" in dataset_screen_summary(app)
                    and "⟳" not in dataset_screen_summary(app), timeout=90, what="the picked file checked")
        summary = dataset_screen_summary(app)
        assert "openai" in summary and "▲ 0" not in summary  # the repeated conversations are a warning
        errors, warnings = (int(n) for n in re.search(r"✖ (\d+) ▲ (\d+)", summary).groups())

        # Esc: back on the wizard's dataset step, with the dataset screen's file and its findings.
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is wizard_step, what="back on the wizard")
        await shows(pilot, t("wizard.data.source.screen"))
        assert app.screen.query_one(Input).value == picked.name
        step_text = screen_text(app)
        assert t("wizard.data.format", format="openai") in step_text
        assert t("wizard.data.rows", rows=6, examples=6) in step_text
        assert t("wizard.data.findings", errors=errors, warnings=warnings) in step_text  # the screen's own findings
        assert t("wizard.data.source.quick") not in step_text

        # Next: the config review trains on that file.
        await pilot.press("ctrl+n")
        await until(pilot, lambda: t("wizard.key.start") in footer(app), what="the config review")
        await pilot.press("ctrl+y")
        await until(pilot, lambda: str(picked) in screen_text(app), what="the picked file in the YAML")
