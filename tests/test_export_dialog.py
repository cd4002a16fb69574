"""The chat pane's export dialog, driven by keys as a user does: it writes what `tunewiz export` writes —
merged safetensors, an Ollama folder (Modelfile + model) or a GGUF file — proposes a path for each, keeps a
path the user typed, and explains a refusal in the user's language (with llama.cpp's real converter)."""
from __future__ import annotations

from pathlib import Path

from pilot_support import until
from test_chat_support import one_torch_thread  # noqa: F401
from test_export_serving import lora_run, thinking_model  # noqa: F401

from tui.app import TunewizApp
from tui.i18n import t
from tui.widgets.chat_dialogs import ExportScreen


def status(app) -> str:
    return str(app.screen.query_one("#export-status").render())


async def open_dialog(pilot, app, run_dir: Path) -> ExportScreen:
    await pilot.pause()
    app.push_screen(ExportScreen(run_dir, None, None))
    await until(pilot, lambda: isinstance(app.screen, ExportScreen), what="the export dialog")
    return app.screen


async def pick(pilot, dialog: ExportScreen, steps: int) -> None:
    """Shift+Tab until the choice of format has the focus, then → `steps` times, and Enter picks it."""
    choice = dialog.query_one("#export-format")
    for _ in range(4):
        if dialog.focused is choice or choice.has_focus_within:
            break
        await pilot.press("shift+tab")
        await pilot.pause()
    await until(pilot, lambda: dialog.focused is choice or choice.has_focus_within, what="the format choice")
    await pilot.press(*(["right"] * steps), "enter")


async def test_the_dialog_writes_an_ollama_folder_and_proposes_a_path_per_format(thinking_model, tmp_path):
    run_dir = lora_run(tmp_path, thinking_model, "think", False)
    app = TunewizApp(lang="en", runs_dir=run_dir.parent)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_dialog(pilot, app, run_dir)
        field = dialog.query_one("#export-out")
        assert field.value.endswith("exports/think-merged")
        await pick(pilot, dialog, 2)
        await until(pilot, lambda: dialog.format == "gguf", what="GGUF chosen")
        assert field.value.endswith("exports/think-q8_0.gguf") and dialog.query_one("#export-quant-row").display
        await pick(pilot, dialog, 2)            # GGUF → (wraps to) merged → Ollama
        await until(pilot, lambda: dialog.format == "ollama", what="Ollama chosen")
        assert field.value.endswith("exports/think-ollama") and not dialog.query_one("#export-quant-row").display
        out = tmp_path / "exports" / "Support Bot"
        field.value = str(out)                  # the user's own path stays when the format changes
        field.focus()
        await pilot.press("enter")
        await until(pilot, lambda: not dialog.running and "ollama create" in status(app), timeout=120,
                    what="the Ollama export")
        assert f"ollama create support-bot -f {out / 'Modelfile'}" in status(app)
        text = (out / "Modelfile").read_text()
        assert "FROM ./model" in text and 'PARAMETER stop "<|im_end|>"' in text
        assert "<think>\\n\\n</think>" in text               # trained without thinking: the empty think block stays
        assert (out / "model" / "model.safetensors").is_file()


async def test_a_gguf_the_converter_refuses_is_explained_in_chinese_and_nothing_is_left(tiny_model_dir, tmp_path):
    from engine.gguf_export import find_converter
    find_converter()  # installed by scripts/setup.sh; a missing one fails here, naming the command
    run_dir = lora_run(tmp_path, tiny_model_dir, "tiny")
    app = TunewizApp(lang="zh", runs_dir=run_dir.parent)
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await open_dialog(pilot, app, run_dir)
        await pick(pilot, dialog, 2)
        await until(pilot, lambda: dialog.format == "gguf", what="GGUF chosen")
        await pilot.press("tab")                 # to the GGUF type: f16
        await until(pilot, lambda: dialog.focused is dialog.query_one("#export-quant"), what="the type")
        await pilot.press("enter", "down", "enter")
        await until(pilot, lambda: dialog.query_one("#export-out").value.endswith("tiny-f16.gguf"), what="f16")
        out = Path(dialog.query_one("#export-out").value)
        dialog.query_one("#export-out").focus()
        await pilot.press("enter")
        await until(pilot, lambda: not dialog.running and t("chat.export.failed") in status(app), timeout=180,
                    what="the converter's refusal")
        said = status(app)
        # said in Chinese (gguf.unknown-pre-tokenizer), with what still works
        assert said.startswith("导出失败：") and "分词器" in said and "--merge" in said and "Traceback" not in said, said
        assert not out.exists() and not [p for p in out.parent.glob(".*partial*")]


def test_the_dialog_offers_only_types_the_converter_writes():
    from engine.gguf_export import CONVERTER_TYPES
    from tui.widgets.chat_dialogs import GGUF_TYPES
    assert set(GGUF_TYPES) <= set(CONVERTER_TYPES) and GGUF_TYPES[0] == "q8_0"   # the CLI's default first
