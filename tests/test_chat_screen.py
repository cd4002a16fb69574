"""The chat pane under Pilot: streaming into the columns, stop while generating, settings, saving,
clearing, the run picker, a load that fails, and the layout at 80×24 and 200×60 in both languages.

Scripted backends make the pace of generation a test's choice; the real tiny model with its
memorised adapter shows the whole path (load with progress → stream → stop) works end to end."""
from __future__ import annotations

import json
import os
import shutil
import threading
import time
from typing import Any

import pytest

from test_chat_support import ANSWER, QUESTION, SYSTEM, memorised_run, one_torch_thread, run_copy  # noqa: F401

from engine.chat import ChatError
from engine.runs import process_start_ticks
from tui.app import TunewizApp
from tui.i18n import t
from tui.screens.chat import ChatScreen, LoadProgress
from tui.widgets.chat_column import ChatColumn, ChatMessage
from tui.widgets.chat_dialogs import ExportScreen, RunPickerScreen
from tui.widgets.chat_settings import ChatSettingsScreen


class Scripted:
    """A backend that yields the given pieces; with a `gate`, every piece after the first waits for it;
    `endless` keeps yielding until stopped."""

    exclusive = None

    def __init__(self, pieces: list[str], gate: threading.Event | None = None, endless: bool = False,
                 name: str = "scripted") -> None:
        self.pieces, self.gate, self.endless, self.name = pieces, gate, endless, name
        self.seen: list[list[dict]] = []

    def label(self) -> str:
        return self.name

    def describe(self) -> dict:
        return {"kind": "scripted", "name": self.name}

    def stream(self, messages, sampling, stopper, reply):
        self.seen.append(messages)
        started = time.perf_counter()
        for index, piece in enumerate(self.pieces):
            while index and self.gate is not None and not self.gate.wait(0.01):
                if stopper.stopped:
                    break
            if stopper.stopped:
                break
            reply.text += piece
            reply.tokens += 1
            reply.first_token_s = reply.first_token_s or time.perf_counter() - started
            yield piece
        while self.endless and not stopper.stopped:
            reply.text += " more"
            reply.tokens += 1
            yield " more"
            time.sleep(0.02)
        reply.seconds = time.perf_counter() - started
        reply.stopped = stopper.stopped
        reply.finish = "stopped" if reply.stopped else "stop"


async def until(pilot, predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the pane")
        await pilot.pause(0.02)


async def ask(pilot, text: str) -> None:
    pilot.app.screen.query_one("#chat-prompt").value = text
    await pilot.press("enter")


def column(app, name: str) -> ChatColumn:
    return app.screen.query_one(f"#col-{name}", ChatColumn)


def notices(app, name: str) -> list[str]:
    return [m.text for m in column(app, name).scroll.query(ChatMessage) if m.role == "notice"]


async def open_chat(pilot, **kwargs: Any) -> ChatScreen:
    pilot.app.open_screen("chat", **kwargs)
    await until(pilot, lambda: isinstance(pilot.app.screen, ChatScreen))
    await pilot.pause()
    return pilot.app.screen


async def test_tokens_reach_the_widget_while_the_answer_is_still_being_generated(tmp_path):
    gate = threading.Event()
    tuned = Scripted(["The parcel", " was", " delayed."], gate=gate)
    app = TunewizApp(lang="en", runs_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_chat(pilot, backends={"base": Scripted(["I do not know."]), "tuned": tuned})
        await ask(pilot, QUESTION)
        await until(pilot, lambda: column(app, "tuned").answer_text == "The parcel")
        assert screen.generating  # the rest is not generated yet, and the first piece is already shown
        assert column(app, "base").answer_text == "I do not know."
        gate.set()
        await until(pilot, lambda: not screen.generating)
        assert column(app, "tuned").answer_text == "The parcel was delayed."
        # Multi-turn: the second prompt carries each column's own history.
        await ask(pilot, "When will it come?")
        await until(pilot, lambda: not screen.generating and len(tuned.seen) == 2)
        assert [m["role"] for m in tuned.seen[1]] == ["user", "assistant", "user"]
        assert tuned.seen[1][1]["content"] == "The parcel was delayed."


async def test_stop_while_generating_keeps_the_pane_and_a_second_esc_goes_back(tmp_path):
    app = TunewizApp(lang="en", runs_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_chat(pilot, backends={"tuned": Scripted(["Counting"], endless=True)})
        footer = lambda: [b.binding.description for b in screen.active_bindings.values()  # noqa: E731
                          if b.binding.show and screen.check_action(b.binding.action, ()) is not False]
        assert t("key.back") in footer() and t("chat.key.stop") not in footer()
        await ask(pilot, "count forever")
        await until(pilot, lambda: column(app, "tuned").answer_text.count("more") > 3)
        assert t("chat.key.stop") in footer() and t("key.back") not in footer()
        await pilot.press("escape")
        await until(pilot, lambda: not screen.generating, timeout=5)
        assert isinstance(app.screen, ChatScreen)
        assert t("chat.stopped") in notices(app, "tuned")
        await pilot.press("escape")  # right after a stop: part of the same gesture, the pane stays
        assert isinstance(app.screen, ChatScreen)
        screen.stopped_at -= 5
        await ask(pilot, "again")  # still usable after a stop
        await pilot.press("escape")
        await until(pilot, lambda: not screen.generating, timeout=5)
        screen.stopped_at -= 5
        await pilot.press("escape")
        await until(pilot, lambda: not isinstance(app.screen, ChatScreen), timeout=5)


async def test_the_real_model_loads_with_progress_streams_both_sides_stops_and_exports(memorised_run, tmp_path):
    progress: list[float] = []

    def hook(message: Any) -> None:
        if isinstance(message, LoadProgress) and message.fraction is not None:
            progress.append(message.fraction)

    app = TunewizApp(lang="en", runs_dir=memorised_run.parent)
    async with app.run_test(size=(100, 30), message_hook=hook) as pilot:
        screen = await open_chat(pilot, run_dir=str(memorised_run))
        await until(pilot, lambda: screen.local is not None or screen.load_error is not None)
        assert screen.load_error is None
        await pilot.pause(0.2)
        assert progress and progress == sorted(progress) and progress[-1] == 1.0 and len(progress) > 5
        assert "adapter off" in column(app, "base").border_title and "memorise" in column(app, "tuned").border_title

        await pilot.press("ctrl+o")  # settings through the dialog, as a user would
        await until(pilot, lambda: isinstance(app.screen, ChatSettingsScreen))
        app.screen.query_one("#set-temperature").value = "0"
        app.screen.query_one("#set-max-new").value = "24"
        app.screen.query_one("#set-system").text = SYSTEM
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ChatScreen))
        assert screen.settings.sampling.temperature == 0 and screen.conversation.system == SYSTEM

        await ask(pilot, QUESTION)
        await until(pilot, lambda: not screen.generating)
        assert column(app, "tuned").answer_text.startswith("The parcel was delayed by the courier")
        assert not column(app, "base").answer_text.startswith("The parcel")
        assert "tok/s" in str(column(app, "tuned").query_one(".chat-stats").render())

        # Stop on the real model: a long sampled answer ends at the next token. (min_new_tokens keeps the
        # random base from ending by itself before the stop arrives.)
        await pilot.press("ctrl+l")
        sampling = screen.settings.sampling
        sampling.temperature, sampling.top_p, sampling.max_new_tokens = 1.0, 0.9, 2000
        screen.local.generate_kwargs["min_new_tokens"] = 1500
        await ask(pilot, "Tell me everything about parcels.")
        await until(pilot, lambda: len(column(app, "base").answer_text) > 20)
        await pilot.press("escape")
        await until(pilot, lambda: not screen.generating, timeout=10)
        last = screen.conversation.turns[-1].replies
        assert last["base"].stopped and last["base"].tokens < 2000
        assert last["tuned"].stopped and last["tuned"].tokens == 0  # it was waiting its turn
        assert isinstance(app.screen, ChatScreen)

        # Merge and export from the pane, with progress, while the chat keeps its model.
        await pilot.press("ctrl+t")
        await until(pilot, lambda: isinstance(app.screen, ExportScreen))
        out = tmp_path / "pane-export"
        app.screen.query_one("#export-out").value = str(out)
        await pilot.press("enter")
        await until(pilot, lambda: not app.screen.running and "MiB" in str(app.screen.query_one("#export-status").render()))
        assert (out / "model.safetensors").is_file() and (out / "README.md").is_file()
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ChatScreen))


async def test_a_run_without_an_adapter_shows_why_and_the_pane_stays_usable(run_copy):
    shutil.rmtree(run_copy / "adapter")
    shutil.rmtree(run_copy / "checkpoints")
    status = json.loads((run_copy / "status.json").read_text())
    status.update(state="running", pid=os.getpid(), pid_start=process_start_ticks(os.getpid()), step=2, total_steps=12)
    (run_copy / "status.json").write_text(json.dumps(status))
    app = TunewizApp(lang="zh", runs_dir=run_copy.parent)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_chat(pilot, run_dir=str(run_copy))
        await until(pilot, lambda: screen.load_error is not None)
        panel = screen.query_one("#chat-error")
        # the reason in Chinese (load.no-adapter-yet, its step and checkpoint interval as parts)
        assert panel.display and f"运行 {run_copy.name} 还没有适配器：它在第 2/12 步处于 running 状态，还没有写出检查点（每 6 步一个）。" \
            in str(panel.render()), str(panel.render())
        assert t("chat.load_failed", run=run_copy.name) in str(panel.render())
        await ask(pilot, "hello")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen) and not screen.generating
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, ChatSettingsScreen))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, ChatScreen))


async def test_settings_report_every_problem_and_show_endpoint_fields(tmp_path):
    app = TunewizApp(lang="en", runs_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_chat(pilot, backends={"tuned": Scripted(["ok"])})
        await pilot.press("ctrl+o")
        await until(pilot, lambda: isinstance(app.screen, ChatSettingsScreen))
        dialog = app.screen
        dialog.query_one("#set-temperature").value = "warm"
        dialog.query_one("#set-top-p").value = "0.5"
        dialog.query_one("#set-max-new").value = "0"
        await pilot.press("ctrl+s")
        await pilot.pause()
        problems = str(dialog.query_one("#set-problems").render())
        assert isinstance(app.screen, ChatSettingsScreen) and "'warm' is not a number" in problems
        dialog.query_one("#set-temperature").value = "0.3"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "max_new_tokens" in str(dialog.query_one("#set-problems").render())
        dialog.query_one("#set-max-new").value = "64"
        assert not dialog.query_one("#set-left-url").display
        dialog.query_one("#set-left-kind").value = "endpoint"
        await pilot.pause()
        assert dialog.query_one("#set-left-url").display and dialog.query_one("#set-left-model").display
        dialog.query_one("#set-left-url").value = "localhost:8000"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "must start with http" in str(dialog.query_one("#set-problems").render())
        dialog.query_one("#set-left-url").value = "http://127.0.0.1:9/v1"
        dialog.query_one("#set-left-model").value = "served-model"
        await pilot.press("ctrl+s")
        await until(pilot, lambda: isinstance(app.screen, ChatScreen))
        assert screen.settings.sampling.temperature == 0.3 and screen.settings.sampling.max_new_tokens == 64
        assert "served-model" in column(app, "base").border_title
        assert "T 0.3" in str(screen.query_one("#chat-status").render())
        # The endpoint is down: its column says so, the other column answers.
        await ask(pilot, "hello")
        await until(pilot, lambda: not screen.generating, timeout=20)
        assert any("Cannot connect" in n for n in notices(app, "base"))
        assert column(app, "tuned").answer_text == "ok"


async def test_save_writes_jsonl_and_clear_starts_over(tmp_path):
    app = TunewizApp(lang="en", runs_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_chat(pilot, backends={"base": Scripted(["A"]), "tuned": Scripted(["B"])})
        await pilot.press("ctrl+s")  # nothing yet: a notice, no file
        assert not (tmp_path / "transcripts").exists()
        await ask(pilot, "question")
        await until(pilot, lambda: not screen.generating)
        await pilot.press("ctrl+s")
        saved = list((tmp_path / "transcripts").glob("chat-*.jsonl"))
        assert len(saved) == 1
        lines = [json.loads(line) for line in saved[0].read_text().splitlines()]
        assert lines[1]["replies"]["base"]["text"] == "A" and lines[1]["replies"]["tuned"]["text"] == "B"
        assert lines[0]["columns"]["tuned"] == {"kind": "scripted", "name": "scripted"}
        assert lines[1]["columns"] == lines[0]["columns"]  # each turn records what answered it
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert not screen.conversation.turns
        assert column(app, "tuned").answer_text == "" and column(app, "base").answer_text == ""


async def test_without_a_run_the_picker_lists_runs_and_loads_the_choice(memorised_run, monkeypatch):
    import engine.chat
    monkeypatch.setattr(engine.chat, "gpu_sharing_warning",
                        lambda runs_dir=None: "Training run qwen-lora (pid 4242) is using the same GPU")
    app = TunewizApp(lang="zh", runs_dir=memorised_run.parent)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_screen("chat")
        await until(pilot, lambda: isinstance(app.screen, RunPickerScreen))
        options = app.screen.query_one("#pick-list")
        assert memorised_run.name in str(options.get_option_at_index(0).prompt)
        assert t("chat.pick.adapter") in str(options.get_option_at_index(0).prompt)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ChatScreen))
        screen = app.screen
        await until(pilot, lambda: screen.local is not None or screen.load_error is not None)
        assert screen.local is not None and screen.run_dir == memorised_run
        warning = screen.query_one("#chat-warning")
        assert warning.display and warning.has_class("warning") and "qwen-lora" in str(warning.render())


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_layout_fits_80x24_and_200x60_in_both_languages(tmp_path, lang, size):
    app = TunewizApp(lang=lang, runs_dir=tmp_path)
    async with app.run_test(size=size) as pilot:
        screen = await open_chat(pilot, backends={"base": Scripted(["甲乙丙 " * 40]), "tuned": Scripted(["ok"])})
        await ask(pilot, "问题 question")
        await until(pilot, lambda: not screen.generating)
        width, height = size
        left, right = column(app, "base").region, column(app, "tuned").region
        prompt = screen.query_one("#chat-prompt").region
        assert left.width >= 30 and right.width >= 30 and left.right <= right.x and right.right <= width
        assert left.height >= height - 10 and prompt.bottom <= height - 1  # the footer keeps the last row
        keys = [b.binding.description for b in screen.active_bindings.values() if b.binding.show]
        for key in ("chat.key.settings", "chat.key.clear", "chat.key.save", "chat.key.run", "key.back"):
            assert t(key) in keys


def test_engine_stages_are_shown_in_the_users_language():
    from tui.i18n import set_language
    from tui.chat_stages import stage_text
    try:
        set_language("zh")
        assert stage_text("merging layer 3 of 14") == "正在合并第 3 / 14 层"
        assert stage_text("loading tiny: 45% of the weights") == "正在加载 tiny：权重 45%"
        assert stage_text("an unknown stage /path") == "an unknown stage /path"
        set_language("en")
        assert stage_text("merging layer 3 of 14") == "merging layer 3 of 14"
    finally:
        set_language("en")


async def test_switching_runs_loads_the_other_runs_model_and_the_pane_says_so(memorised_run, tmp_path):
    """Ctrl+R picks another run: its own weights load (here an adapter with lora_B zeroed, which answers as
    the base does), the conversation starts over, and the titles and status line name the new run."""
    import yaml
    from safetensors.torch import load_file, save_file

    runs_root = tmp_path / "runs"
    for name in ("alpha", "beta"):
        shutil.copytree(memorised_run, runs_root / name)
        status = json.loads((runs_root / name / "status.json").read_text())
        status["name"] = name
        (runs_root / name / "status.json").write_text(json.dumps(status))
        config = yaml.safe_load((runs_root / name / "config.yaml").read_text())
        config["name"] = name
        (runs_root / name / "config.yaml").write_text(yaml.safe_dump(config))
    shutil.rmtree(runs_root / "beta" / "checkpoints")
    weights = runs_root / "beta" / "adapter" / "adapter_model.safetensors"
    tensors = load_file(str(weights))
    assert any("lora_B" in k for k in tensors)
    save_file({k: v.zero_() if "lora_B" in k else v for k, v in tensors.items()}, str(weights))
    alpha, beta = (runs_root / "alpha").resolve(), (runs_root / "beta").resolve()

    app = TunewizApp(lang="en", runs_dir=runs_root)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_chat(pilot, run_dir=str(alpha))
        await until(pilot, lambda: screen.local is not None or screen.load_error is not None)
        assert screen.load_error is None and screen.local.target.run_dir == alpha
        screen.settings.sampling.temperature, screen.settings.sampling.max_new_tokens = 0, 24
        screen.conversation.system = SYSTEM
        await ask(pilot, QUESTION)
        await until(pilot, lambda: not screen.generating)
        base_answer = column(app, "base").answer_text
        assert column(app, "tuned").answer_text.startswith("The parcel was delayed by the courier")
        assert "alpha" in column(app, "tuned").border_title and "alpha" in str(screen.query_one("#chat-status").render())

        await pilot.press("ctrl+r")
        await until(pilot, lambda: isinstance(app.screen, RunPickerScreen))
        options = app.screen.query_one("#pick-list")
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        assert str(alpha) in ids and str(beta) in ids
        while options.get_option_at_index(options.highlighted).id != str(beta):
            await pilot.press("down")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(app.screen, ChatScreen))
        await until(pilot, lambda: screen.local is not None or screen.load_error is not None)
        assert screen.load_error is None and screen.run_dir == beta
        assert screen.local.target.run_dir == beta and screen.local.target.weights == beta / "adapter"
        await pilot.pause(0.2)
        assert "beta" in column(app, "tuned").border_title and "alpha" not in column(app, "tuned").border_title
        status_line = str(screen.query_one("#chat-status").render())
        assert "beta" in status_line and "alpha" not in status_line
        assert any(str(n.message).startswith("beta ready in") for n in app._notifications)
        assert not screen.conversation.turns and column(app, "tuned").answer_text == ""  # a new conversation
        await ask(pilot, QUESTION)
        await until(pilot, lambda: not screen.generating)
        # beta's adapter adds nothing: its tuned column answers exactly as the base does, not as alpha did
        assert column(app, "tuned").answer_text == column(app, "base").answer_text == base_answer
        assert not column(app, "tuned").answer_text.startswith("The parcel was delayed by the courier")


async def test_reasoning_is_shown_dimmed_apart_from_the_answer_and_left_out_of_the_history(tmp_path):
    tuned = Scripted(["<think>\nThe courier", " is late.\n</think>\n\n", "The parcel was delayed."])
    app = TunewizApp(lang="zh", runs_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_chat(pilot, backends={"base": Scripted(["I do not know."]), "tuned": tuned})
        await ask(pilot, QUESTION)
        await until(pilot, lambda: not screen.generating)
        message = [m for m in column(app, "tuned").scroll.query(ChatMessage) if m.role == "assistant"][-1]
        shown = message.render()
        plain = shown.plain
        assert plain.startswith(t("chat.thinking") + ": The courier is late.") and "思考过程" in plain
        assert plain.rstrip().endswith("The parcel was delayed.") and "<think>" not in plain
        dim = "".join(plain[s.start:s.end] for s in shown.spans if "dim" in str(s.style))
        assert "The courier is late." in dim and "The parcel" not in dim
        await ask(pilot, "When will it come?")
        await until(pilot, lambda: not screen.generating and len(tuned.seen) == 2)
        assert tuned.seen[1][1] == {"role": "assistant", "content": "The parcel was delayed."}
