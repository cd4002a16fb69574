"""The wizard's keys as a fast user presses them (Pilot, no pause between keys): a model path typed
quickly into the model field is kept whole, Ctrl+N pressed while the recommendation or the model's
estimate is still being worked out is never swallowed, the stop dialog shows its keys, and the model
list's flags (tools, thinks) fit at 80x24 in both languages."""
from __future__ import annotations

import threading

import pytest

from engine.hardware import Hardware
from tui.app import TunewizApp
from tui.i18n import set_language, t
from pilot_support import answer_goal_questions, at_step, step, until

NO_GPU = Hardware(gpus=[], cpu_cores=2, ram_gb=7.8, ram_available_gb=5.0,
                  note="no NVIDIA GPU: NVML is unavailable (test)")


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    yield
    set_language("en")


async def to_model_step(pilot) -> None:
    await pilot.pause()
    pilot.app.open_screen("wizard", hardware=NO_GPU)
    await at_step(pilot, "hardware")
    await pilot.press("ctrl+n")
    await answer_goal_questions(pilot, "task", 2000)
    await at_step(pilot, "recommend")
    await until(pilot, lambda: pilot.app.screen.state.rec is not None, what="the recommendation")
    await pilot.press("ctrl+n")
    await at_step(pilot, "model")
    await until(pilot, lambda: pilot.app.screen.spec is not None, what="the model's spec")


def burst(app, text: str) -> None:
    """Keys as a fast typist (or a paste without bracketed paste) sends them: all queued at once, none
    waiting for the app to handle the one before (Pilot's own press waits after each key)."""
    from textual import events
    names = {"/": "slash", "-": "minus", ".": "full_stop", "_": "underscore"}
    for char in text:
        app.post_message(events.Key(char if char.isalnum() else names[char], char))


async def test_text_typed_quickly_into_the_model_field_is_never_rewritten_by_the_list(tiny_model_dir):
    app = TunewizApp(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await to_model_step(pilot)
        screen = app.screen
        field, catalog = screen.query_one("#wz-model-id"), screen.query_one("#wz-catalog")
        ids = [o.id for o in catalog.options]
        await pilot.press("shift+tab", "ctrl+u")       # from the catalog to the model field, emptied
        assert app.focused is field and field.value == ""
        # A local fine-tune named after a catalog model, in lower case: on the way the text names
        # Qwen/Qwen3-8B (the catalog is case-insensitive); the list follows, the text stays as typed.
        typed = "qwen/qwen3-8b-ft"
        burst(app, typed)
        await until(pilot, lambda: len(field.value) >= len(typed), what="the typed text")
        await pilot.pause(0.3)
        assert field.value == typed
        await pilot.press("ctrl+u")
        burst(app, "qwen/qwen3-8b")
        await until(pilot, lambda: screen.spec is not None and screen.spec.id == "Qwen/Qwen3-8B", what="the spec")
        await pilot.pause(0.3)
        assert field.value == "qwen/qwen3-8b" and catalog.highlighted == ids.index("Qwen/Qwen3-8B")
        # a path, every character at once, then Enter: read from its config.json
        await pilot.press("ctrl+u")
        path = str(tiny_model_dir)
        burst(app, path)
        await until(pilot, lambda: len(field.value) >= len(path), what="the typed path")
        await pilot.press("enter")
        await until(pilot, lambda: screen.spec is not None and screen.spec.id == path, what="the local model read")
        assert field.value == path
        # moving in the list still picks: the list writes into the field when the user moves in it
        await pilot.press("tab")
        assert app.focused is catalog
        before = catalog.highlighted
        await pilot.press("down")
        await until(pilot, lambda: field.value == ids[(before or 0) + 1], what="the next model written into the field")
        assert screen.plan.model == field.value


def gated(monkeypatch, module, name: str) -> threading.Event:
    """Makes `module.name` wait until the returned event is set: the engine still working it out, for
    as long as the test wants (a slow disk, a big catalog, a busy CPU)."""
    gate, real = threading.Event(), getattr(module, name)

    def slow(*args, **kwargs):
        assert gate.wait(30), "the test never let it finish"
        return real(*args, **kwargs)
    monkeypatch.setattr(module, name, slow)
    return gate


async def test_next_pressed_while_it_is_still_worked_out_says_so_and_goes_on(monkeypatch, tiny_model_dir):
    import engine.advisor
    import engine.catalog
    app = TunewizApp(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        advice = gated(monkeypatch, engine.advisor, "advise")
        app.open_screen("wizard", hardware=NO_GPU)
        await at_step(pilot, "hardware")
        await pilot.press("ctrl+n")
        await answer_goal_questions(pilot, "task", 2000)
        await at_step(pilot, "recommend")
        await pilot.press("ctrl+n")                    # the recommendation is still being worked out
        await pilot.pause(0.3)
        assert step(app) == "recommend"
        assert t("wizard.next_pending") in str(app.screen.query_one("#wz-rec-next").render())
        advice.set()                                   # ready: the wizard goes on by itself
        await at_step(pilot, "model")
        screen = app.screen
        await until(pilot, lambda: screen.spec is not None, what="the model's spec")
        lookup = gated(monkeypatch, engine.catalog, "resolve_model_spec")
        field = screen.query_one("#wz-model-id")
        field.value = str(tiny_model_dir)
        field.focus()
        await pilot.press("enter")                     # looking the folder up (held back by the test)
        await pilot.press("ctrl+n")
        await pilot.pause(0.3)
        assert step(app) == "model"
        message = str(screen.query_one("#wz-model-msg").render())
        assert t("wizard.model.next_pending", model=str(tiny_model_dir)) == message
        lookup.set()
        await at_step(pilot, "dataset")
        assert app.screen.state.plan.model == str(tiny_model_dir)


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_stop_dialog_shows_its_keys_and_they_do_what_it_says(lang, tmp_path):
    from tui.widgets.confirm import ConfirmScreen, ask_and_stop
    app = TunewizApp(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        home = app.screen
        ask_and_stop(home, tmp_path / "run-1")         # a run that is not running: "y" says it cannot stop
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the dialog")
        await pilot.pause()
        dialog = app.screen
        keys, box = dialog.query_one("#confirm-keys"), dialog.query_one("#confirm-box").region
        assert str(keys.render()) == t("confirm.keys") and "y" in t("confirm.keys") and "Esc" in t("confirm.keys")
        for widget in (keys, dialog.query_one("#confirm-yes"), dialog.query_one("#confirm-no")):
            region = widget.region     # drawn inside the dialog, inside 80x24
            assert region.height > 0 and box.x <= region.x and region.right <= box.right <= 80 and region.bottom <= 24
        assert str(dialog.query_one("#confirm-yes").label).endswith("(y)")
        assert str(dialog.query_one("#confirm-no").label).endswith("(n)")
        await pilot.press("n")
        await until(pilot, lambda: app.screen is home, what="the dialog closed by n")
        # a dialog whose caller wrote no keys into its labels gets them on its buttons too
        answers = []
        app.push_screen(ConfirmScreen(t("monitor.retry.title"), "body", t("monitor.retry.yes"), t("monitor.retry.no")),
                        answers.append)
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="the second dialog")
        assert str(app.screen.query_one("#confirm-yes").label) == f"{t('monitor.retry.yes')} (y)"
        assert str(app.screen.query_one("#confirm-no").label) == f"{t('monitor.retry.no')} (n)"
        await pilot.press("y")
        await until(pilot, lambda: answers == [True], what="y answering yes")


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_model_list_flags_thinking_and_tools_and_every_row_fits_at_80x24(lang):
    app = TunewizApp(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await to_model_step(pilot)
        catalog = app.screen.query_one("#wz-catalog")
        ids = [o.id for o in catalog.options]
        width = catalog.scrollable_content_region.width
        rows = {"Qwen/Qwen3.5-35B-A3B": ("thinks", "tools"), "zai-org/GLM-4.5-Air": ("thinks", "tools"),
                "meta-llama/Llama-3.3-70B-Instruct": ("gated", "tools"), "Qwen/Qwen2.5-7B": ()}
        for model, flags in rows.items():
            catalog.highlighted = ids.index(model)
            catalog.scroll_to_highlight(top=True)

            def drawn() -> list[str]:
                return [catalog.render_line(y).text for y in range(catalog.size.height)]

            # the scroll lands on a later frame; a loaded CI machine may need more than one
            await until(pilot, lambda: any(model in line for line in drawn()), what=f"{model} drawn in the list")
            shown = drawn()
            first = next(i for i, line in enumerate(shown) if model in line)
            # its flags, whole, on its own line or the one under it (before the next model's row)
            below = shown[first + 1] if first + 1 < len(shown) else ""
            rest = below if below[:20].strip() == "" else ""     # indented: the same row's second line
            text = shown[first] + "\n" + rest
            for flag in flags:
                assert t(f"wizard.model.flag.{flag}") in text, (model, flag, text)
            assert t("wizard.model.flag.tools") in text if "tools" in flags else t("wizard.model.flag.tools") not in text
            # nothing runs past the list: every prompt line fits the width it is drawn at
            prompt = catalog.options[ids.index(model)].prompt
            assert all(line.cell_len <= width for line in prompt.split("\n")), (model, prompt)
