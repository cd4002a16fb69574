"""Every action has a key (issue 16): some SSH clients and terminals pass no mouse.

- Every `action_*` a screen or dialog defines is bound to a key (its own BINDINGS or the app's).
- On each main screen at 80x24 (an SSH window's default): every key the footer offers is drawn whole
  inside the window (a footer cut at 80 columns hides actions), every button is on the Tab chain (Tab
  reaches it, Enter presses it), and every clickable text (`[@click=...]`) has a binding for the same
  action whose key is written in that text (so a keyboard user reads which key to press)."""
from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import pytest
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Footer, Static

import tui.screens
import tui.widgets
from monitor_synth import SyntheticRun
from pilot_support import until
from tui.app import TunewizApp

SIZE = (80, 24)


def action_name(action: str) -> str:
    """`screen.show_pane('files')` -> `show_pane`."""
    return re.sub(r"\(.*", "", action).split(".")[-1]


def bindings_of(cls: type) -> list[Binding]:
    found: list[Binding] = []
    for klass in cls.__mro__:
        for binding in vars(klass).get("BINDINGS", []):
            found.append(binding if isinstance(binding, Binding) else Binding(*binding))
    return found


def ui_classes() -> list[type]:
    classes = []
    for package in (tui.screens, tui.widgets):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            classes += [c for c in vars(module).values() if inspect.isclass(c) and c.__module__ == module.__name__
                        and issubclass(c, (Screen, Widget))]
    return classes


def test_every_action_of_a_screen_or_dialog_has_a_key():
    app_actions = {action_name(b.action) for b in bindings_of(TunewizApp)}
    classes = ui_classes()
    assert len(classes) > 15  # the walk found the screens and dialogs
    unbound = []
    for cls in classes:
        bound = {action_name(b.action) for b in bindings_of(cls)} | app_actions
        unbound += [f"{cls.__module__}.{cls.__name__}.action_{name}" for name in vars(cls)
                    if name.startswith("action_") and name[7:] not in bound]
    assert not unbound, "actions no key reaches: " + ", ".join(unbound)


def clickables(screen: Screen) -> list[tuple[str, str]]:
    """(action, the text that is clicked) for every `[@click=...]` in a Static's markup."""
    found = []
    for widget in screen.query(Static):
        content = widget.content
        if widget.display and isinstance(content, str):
            for action, text in re.findall(r"\[@click=([^\]]+)\](.*?)\[/\]", content):
                found.append((action, re.sub(r"\[[^\]]*\]", "", text)))
    return found


def check_keys(app: TunewizApp) -> list[str]:
    """What a keyboard-only user at 80x24 cannot reach on the screen on top (empty: nothing)."""
    screen = app.screen
    problems = []
    width = app.size.width
    footers = list(screen.query(Footer))
    shown = {b.binding.key for b in screen.active_bindings.values() if b.binding.show}
    if footers:
        keys = [key for key in footers[0].query("FooterKey") if key.display]
        assert len(keys) >= min(len(shown), 1), "the footer shows no key"
        for key in keys:
            if key.region.width == 0 or key.region.right > width:
                problems.append(f"footer key {key.key!r} ({key.description}) cut off at {width} columns")
    chain = screen.focus_chain
    for button in screen.query(Button):
        if button.display and button not in chain:
            problems.append(f"button {button.id or button.label} is not on the Tab chain")
    bindings = [b.binding for b in screen.active_bindings.values()]
    for action, text in clickables(screen):
        wanted = action.split(".", 1)[1] if action.startswith(("screen.", "app.")) else action
        keys = [b.key for b in bindings if b.action.split(".", 1)[-1] == wanted]
        if not keys:
            problems.append(f"clickable {text.strip()!r} ({action}) has no key")
        elif not any(re.search(rf"(^|\W){re.escape(key)}(\W|$)", text) for key in keys):
            problems.append(f"clickable {text.strip()!r} does not say its key ({', '.join(keys)})")
    return problems


async def open_and_check(app: TunewizApp, *screens: tuple[str, str | None]) -> list[str]:
    """Checks each screen in turn: (its class name, the key that leaves it for the next one)."""
    problems = []
    async with app.run_test(size=SIZE) as pilot:
        for screen_name, leave in screens:
            await until(pilot, lambda: type(app.screen).__name__ == screen_name and app.screen.is_mounted,
                        what=screen_name)
            # Back from a dialog the footer is composed afresh: wait until it draws its keys again.
            await until(pilot, lambda: not app.screen.query(Footer)
                        or any(key.display for key in app.screen.query(Footer).first().query("FooterKey")),
                        what=f"{screen_name}'s footer")
            await pilot.pause(0.3)
            problems += [f"{screen_name}: {problem}" for problem in check_keys(app)]
            if leave:
                await pilot.press(leave)
    return problems


@pytest.mark.parametrize("start, screens", [
    ("home", [("HomeScreen", None)]),
    ("dataset", [("DatasetScreen", None)]),
    ("runs", [("RunsScreen", "s"), ("ConfirmScreen", "escape"), ("RunsScreen", None)]),  # s asks first
    ("chat", [("RunPickerScreen", "escape"), ("ChatScreen", None)]),  # with no run, chat asks which first
    ("wizard", [("HardwareStep", None)]),  # the wizard opens on its first step
])
async def test_each_main_screen_at_80x24_offers_every_action_by_key(start, screens, runs_dir, repo, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    run = SyntheticRun(runs_dir, "listed")
    run.start(total_steps=4)
    run.step(1, loss=2.0)
    args = {"path": str(repo / "sample_data" / "support_openai.jsonl")} if start == "dataset" else None
    app = TunewizApp(lang="en", runs_dir=runs_dir, start=start, start_args=args)
    assert await open_and_check(app, *screens) == []


async def test_the_monitor_at_80x24_offers_every_action_by_key(runs_dir):
    run = SyntheticRun(runs_dir, "watched")
    run.start(total_steps=4)
    run.step(1, loss=2.0)
    app = TunewizApp(lang="en", runs_dir=runs_dir, start="monitor", start_args={"run_dir": str(run.dir)})
    assert await open_and_check(app, ("MonitorScreen", None)) == []


async def test_the_dataset_panes_switch_by_the_keys_their_tabs_show(runs_dir, repo):
    """The pane tabs at 80 columns are clickable text; their digit keys do the same."""
    app = TunewizApp(lang="en", runs_dir=runs_dir, start="dataset",
                     start_args={"path": str(repo / "sample_data" / "support_openai.jsonl")})
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "DatasetScreen", what="the dataset screen")
        screen = app.screen
        tabs = clickables(screen)
        assert len(tabs) == 4, tabs
        for action, text in tabs:
            key = re.search(r"\d", text).group(0)
            await pilot.press(key)
            await pilot.pause(0.2)
            assert f"show_pane('{screen.active_pane}')" in action, (key, action, screen.active_pane)


async def test_every_wizard_step_at_80x24_offers_every_action_by_key(tmp_path, monkeypatch):
    """The local path from the hardware question to the review, then back to the goal and on to the
    retrieval (RAG) ending: each step checked as it shows."""
    from engine.hardware import Hardware
    from pilot_support import answer, at_step, step

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    data = tmp_path / "chat.jsonl"
    data.write_text('{"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]}\n')
    no_gpu = Hardware(gpus=[], cpu_cores=2, ram_gb=7.8, ram_available_gb=5.0, note="no NVIDIA GPU (test)")
    app = TunewizApp(lang="en", runs_dir=tmp_path / "runs")
    problems: list[str] = []
    seen: list[str] = []

    async def check(name: str) -> None:
        await at_step(pilot, name)
        await until(pilot, lambda: app.screen.query(Footer).first().query("FooterKey"), what=f"{name}'s footer")
        await pilot.pause(0.2)
        seen.append(step(app))
        problems.extend(f"wizard step {name}: {problem}" for problem in check_keys(app))

    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.open_screen("wizard", hardware=no_gpu)
        await check("hardware")
        await pilot.press("ctrl+n")
        await check("goal")
        await answer(pilot, "task")
        await check("examples")
        app.screen.query_one("#wz-answer").value = "300"
        await pilot.press("enter")
        await check("length")
        await answer(pilot, "short")
        await check("cloud")
        await answer(pilot, "no")
        await check("recommend")
        await until(pilot, lambda: app.screen.state.rec is not None, what="the recommendation")
        await pilot.press("ctrl+n")
        await check("model")
        await until(pilot, lambda: app.screen.spec is not None, what="the model")
        await pilot.press("ctrl+n")
        await check("dataset")
        app.screen.query_one("#wz-data-path").value = str(data)
        await until(pilot, lambda: app.screen.state.data is not None, what="the quick check")
        await pilot.press("ctrl+n")
        await check("review")
        for _ in range(8):  # back to the goal question, answers kept
            if step(app) == "goal":
                break
            await pilot.press("escape")
            await pilot.pause(0.2)
        await check("goal")
        await answer(pilot, "knowledge")  # new knowledge: the wizard ends on retrieval, not fine-tuning
        await answer_goal_questions_rest(pilot)
        await check("recommend")
        await pilot.press("ctrl+n")
        await pilot.pause(0.5)
        seen.append(step(app))
        problems.extend(f"wizard step {step(app)}: {problem}" for problem in check_keys(app))
    assert seen == ["hardware", "goal", "examples", "length", "cloud", "recommend", "model", "dataset", "review",
                    "goal", "recommend", "rag_end"], seen
    assert problems == []


async def answer_goal_questions_rest(pilot) -> None:
    """After the goal: the examples, length and cloud questions, as answered before (Enter keeps each)."""
    from pilot_support import at_step
    for name in ("examples", "length", "cloud"):
        await at_step(pilot, name)
        await pilot.press("enter")
