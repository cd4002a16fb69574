"""The dataset screen: a real file in, format/preview/findings/statistics out, the Fix dialog, bad files,
a large file that loads with progress while the UI keeps answering, and the layout at 80×24 in both
languages. Driven with Textual's Pilot on the files of sample_data/ (tokenizer off: seconds, not minutes)."""
from __future__ import annotations

import asyncio
import hashlib
import io
import json
import shutil
import time
from pathlib import Path

import pytest
from rich.console import Console
from textual import events

from tui.app import TunewizApp
from tui.i18n import set_language, t

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data"
BROKEN = SAMPLE / "broken"


def open_app(path: Path | str | None, lang: str = "en", **kwargs) -> TunewizApp:
    args = {"tokenizer": False, **kwargs}
    if path is not None:
        args["path"] = str(path)
    return TunewizApp(lang=lang, start="dataset", start_args=args)


async def wait_for(pilot, condition, timeout: float = 20.0) -> None:
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError("timed out waiting for the screen")
        await pilot.pause(0.05)


async def wait_loaded(pilot) -> None:
    screen = pilot.app.screen
    await wait_for(pilot, lambda: not screen.checking and (screen.report is not None or screen.load_error is not None))
    await wait_for(pilot, lambda: screen.load_error is not None or bool(screen.query_one("#preview").row_meta))
    await pilot.pause()


def plain(renderable, width: int = 100) -> str:
    console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text()


def widget_text(widget) -> str:
    """The text a widget shows (a Static's whole text; a drawn widget at its width)."""
    rendered = widget.render()
    if hasattr(rendered, "plain"):
        return rendered.plain
    return plain(rendered, widget.size.width or 100)


def digest(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


# --------------------------------------------------------------------------- a clean file

async def test_clean_file_shows_format_rows_preview_and_statistics():
    app = open_app(SAMPLE / "support_openai.jsonl")
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_loaded(pilot)
        screen = app.screen
        assert type(screen).__name__ == "DatasetScreen"
        summary = widget_text(screen.query_one("#summary"))
        assert "openai" in summary and "784 rows" in summary
        table = screen.query_one("#preview")
        assert table.row_count >= 100 * 3  # the first page: 100 conversations, a row per message
        assert table.row_meta[0] == (0, 0) and table.row_meta[-1][0] == 99
        stats = widget_text(screen.query_one("#stats"))
        assert "784 (784 usable" in stats
        assert "min" in stats and "median" in stats and "p95" in stats and "max" in stats
        assert "tokens per example" in stats and "█" in stats
        assert "OpenAI cost" not in stats
        # Paging: down at the last row of the page brings the next page.
        table.focus()
        table.move_cursor(row=table.row_count - 1)
        await pilot.press("down")
        await wait_for(pilot, lambda: screen.page == 1)
        assert table.cursor_location_meta() == (100, 0)
        # The OpenAI target: the cost appears, from the catalog's prices. The focus stays where it was
        # (not in the path field, where the next key would be typed).
        await pilot.press("4")
        assert screen.query_one("#stats").has_focus
        await pilot.press("t")
        await wait_loaded(pilot)
        assert screen.query_one("#stats").has_focus
        stats = widget_text(screen.query_one("#stats"))
        assert screen.target == "openai" and "OpenAI cost" in stats and "$" in stats
        assert "target openai" in widget_text(screen.query_one("#summary"))


# --------------------------------------------------------------------------- findings → preview

async def test_broken_file_lists_findings_and_selecting_one_moves_the_preview():
    app = open_app(BROKEN / "role_order.jsonl")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        screen = app.screen
        tree = screen.query_one("#findings-tree")
        groups = {n.data[1]: n for n in tree.root.children}
        assert {"system-not-first", "unknown-role", "no-assistant", "role-order", "tool-order"} <= set(groups)
        await pilot.press("3")
        assert screen.active_pane == "findings" and tree.has_focus
        leaf = next(n for n in groups["unknown-role"].children if n.data[0] == "finding")
        assert leaf.data[1].line == 6
        tree.move_cursor(leaf)
        await pilot.pause()
        await pilot.press("enter")
        table = screen.query_one("#preview")
        await wait_for(pilot, lambda: table.cursor_location_meta() is not None
                       and table.cursor_location_meta()[0] == screen.source.index_of_line(6))
        assert screen.active_pane == "preview"  # narrow: the preview comes to the front
        assert "line 6" in widget_text(screen.query_one("#preview-info"))
        # Rows with findings are marked in the line column (✖ error, ▲ warning), also after a check
        # that finished while the preview was hidden behind another pane.
        assert "✖" in table.get_row_at(0)[0].plain
        await pilot.press("3", "t")
        await wait_loaded(pilot)
        await pilot.press("2")
        await wait_for(pilot, lambda: table.row_meta and "✖" in table.get_row_at(0)[0].plain)


async def test_selecting_a_finding_on_a_later_page_loads_that_page(tmp_path):
    rows = [{"messages": [{"role": "user", "content": f"问题 {i}"}, {"role": "assistant", "content": f"回答 {i}"}]}
            for i in range(250)]
    rows[230] = {"messages": [{"role": "user", "content": "没有回答"}]}
    path = tmp_path / "paged.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    app = open_app(path)
    async with app.run_test(size=(160, 40)) as pilot:  # wide: every pane at once
        await wait_loaded(pilot)
        screen = app.screen
        assert not screen.narrow and screen.page == 0
        tree = screen.query_one("#findings-tree")
        group = next(n for n in tree.root.children if n.data[1] == "no-assistant")
        leaf = group.children[0]
        assert leaf.data[1].line == 231
        tree.focus()
        tree.move_cursor(leaf)
        await pilot.press("enter")
        table = screen.query_one("#preview")
        await wait_for(pilot, lambda: screen.page == 2 and table.cursor_location_meta() == (230, 0))
        assert tree.has_focus  # wide: the list keeps the focus, the preview follows


# --------------------------------------------------------------------------- fix

async def test_fix_dialog_shows_the_plan_and_writes_only_after_confirmation(tmp_path):
    src = tmp_path / "role_order.jsonl"
    shutil.copy(BROKEN / "role_order.jsonl", src)
    before = digest(src)
    app = open_app(src)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        screen = app.screen
        await pilot.press("f")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "FixDialog")
        dialog = app.screen
        await wait_for(pilot, lambda: dialog._plan is not None)
        await pilot.pause()
        plan = widget_text(dialog.query_one("#fix-plan"))
        out = tmp_path / "role_order.clean.jsonl"
        rejected = tmp_path / "role_order.clean.jsonl.rejected.jsonl"
        assert "keep 3 and reject 5 of 8 rows" in plan
        assert str(out) in plan.replace("\n", "") and "(openai)" in plan
        assert not out.exists() and not rejected.exists()  # nothing written yet
        assert dialog.query_one("#fix-write").has_focus
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.last_fix is not None)
        assert type(app.screen).__name__ == "DatasetScreen"
        kept = out.read_text(encoding="utf-8").splitlines()
        removed = rejected.read_text(encoding="utf-8").splitlines()
        assert len(kept) + len(removed) == 8 == screen.report.rows
        assert (len(kept), len(removed)) == (3, 5)
        assert all("reasons" in json.loads(line) for line in removed)
        assert digest(src) == before
        assert "kept 3 of 8 rows" in widget_text(screen.query_one("#stats"))


async def test_fix_dialog_cancel_writes_nothing_and_refuses_the_input_as_output(tmp_path):
    src = tmp_path / "dups.jsonl"
    shutil.copy(BROKEN / "duplicates.jsonl", src)
    app = open_app(src)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        await pilot.press("f")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "FixDialog")
        dialog = app.screen
        await wait_for(pilot, lambda: dialog._plan is not None)
        dialog.query_one("#fix-out").value = str(src)
        await pilot.pause()
        assert dialog.query_one("#fix-write").disabled
        assert "overwrite the input" in widget_text(dialog.query_one("#fix-plan"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "DatasetScreen")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["dups.jsonl"]


# --------------------------------------------------------------------------- files that cannot be read

@pytest.mark.parametrize("name, expected", [
    ("gbk_encoded.jsonl", "iconv -f GB18030 -t UTF-8"),
    ("compressed.jsonl", "gzip"),
    ("empty.jsonl", "empty"),
])
async def test_unreadable_files_show_a_clear_message(name, expected):
    app = open_app(BROKEN / name)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        screen = app.screen
        assert screen.load_error and expected in screen.load_error
        message = screen.query_one("#preview-message")
        assert message.display and expected in widget_text(message).replace("\n", " ")
        assert t("dataset.status.unreadable") in widget_text(screen.query_one("#summary"))
        await pilot.press("f")  # nothing to fix: a notice, no dialog
        await pilot.pause()
        assert type(app.screen).__name__ == "DatasetScreen"


async def test_typing_a_path_opens_it_and_a_missing_path_is_a_message():
    app = TunewizApp(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "DatasetScreen")
        screen = app.screen
        assert screen.query_one("#path").has_focus
        screen.tokenizer = False
        await pilot.press(*"nope.jsonl", "enter")
        await wait_loaded(pilot)
        assert "no such file" in screen.load_error
        await pilot.press("o")  # o from the preview: back to the path field
        assert screen.query_one("#path").has_focus
        # The old path is selected, so typing replaces it; → takes the completion (support_alpaca.json).
        await pilot.press(*"sample_data/support_a")
        await wait_for(pilot, lambda: screen.query_one("#path")._suggestion.endswith("support_alpaca.json"))
        await pilot.press("right", "enter")
        await wait_loaded(pilot)
        assert screen.load_error is None and screen.report.format == "alpaca"
        await pilot.press("escape")
        assert type(app.screen).__name__ == "HomeScreen"


# --------------------------------------------------------------------------- tokenizer, reload, file tree

def preview_text(screen) -> str:
    table = screen.query_one("#preview")
    return "\n".join(" ".join(str(cell) for cell in table.get_row_at(i)) for i in range(table.row_count))


def chat_rows(question: str, answer: str, n: int) -> list[dict]:
    return [{"messages": [{"role": "user", "content": f"{question} #{i}"},
                          {"role": "assistant", "content": answer}]} for i in range(n)]


def write_rows(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


async def test_tokenizer_key_switches_between_the_estimate_and_the_models_exact_counts(tmp_path, tiny_model_dir):
    from transformers import AutoTokenizer
    rows = chat_rows("Where is my parcel? It was due on Monday and has not come.", "The courier delayed it; sorry.", 5)
    path = write_rows(tmp_path / "chat.jsonl", rows)
    tok = AutoTokenizer.from_pretrained(str(tiny_model_dir))
    exact_total = sum(len(tok(tok.apply_chat_template(r["messages"], tokenize=False), add_special_tokens=False)["input_ids"])
                      for r in rows)
    app = open_app(path, model=str(tiny_model_dir))  # the tokenizer starts off
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_loaded(pilot)
        screen = app.screen
        summary = lambda: widget_text(screen.query_one("#summary"))  # noqa: E731
        stats = lambda: widget_text(screen.query_one("#stats"))  # noqa: E731
        assert t("dataset.status.tokens_off") in summary()
        assert "estimate" in stats() and str(tiny_model_dir) not in stats()
        assert screen.report.stats["tokens"]["exact"] is False
        estimated = screen.report.stats["tokens"]["total"]
        await pilot.press("k")
        await wait_for(pilot, lambda: not screen.checking and screen.report is not None, timeout=60)
        await pilot.pause()
        assert t("dataset.status.tokens_on") in summary()
        assert screen.report.stats["tokens"]["exact"] is True
        assert screen.report.stats["tokens"]["total"] == exact_total != estimated
        assert screen.report.stats["tokens"]["counter"] == f"tokenizer of {tiny_model_dir}" and "tokenizer of" in stats()
        assert f"{exact_total:,}" in stats() and t("dataset.stats.estimate") not in stats()
        await pilot.press("k")  # and off again: the estimate, labelled
        await wait_for(pilot, lambda: not screen.checking and screen.report is not None)
        await pilot.pause()
        assert t("dataset.status.tokens_off") in summary()
        assert screen.report.stats["tokens"]["total"] == estimated and t("dataset.stats.estimate") in stats()


async def test_reload_key_shows_the_file_as_it_is_now_on_disk(tmp_path):
    path = write_rows(tmp_path / "changing.jsonl", chat_rows("First question", "First answer.", 3))
    app = open_app(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_loaded(pilot)
        screen = app.screen
        assert "3 rows" in widget_text(screen.query_one("#summary")) and "First question #2" in preview_text(screen)
        # The file changes on disk: other rows, more of them, and a broken line.
        write_rows(path, chat_rows("Second question", "Second answer.", 7))
        with open(path, "a", encoding="utf-8") as handle:
            handle.write('{"messages": [\n')
        await pilot.pause(0.2)
        assert "First question #2" in preview_text(screen)  # nothing reloads by itself
        await pilot.press("r")
        await wait_loaded(pilot)
        await wait_for(pilot, lambda: "Second question #0" in preview_text(screen))
        assert "First question" not in preview_text(screen)
        assert screen.report.rows == 8 and "8 rows" in widget_text(screen.query_one("#summary"))
        assert any(f.line == 8 for f in screen.report.findings)  # the broken line is found
        assert t("dataset.status.none") not in widget_text(screen.query_one("#summary"))


async def test_file_tree_lists_dataset_files_and_picking_one_loads_it(tmp_path, monkeypatch):
    shutil.copyfile(SAMPLE / "support_openai.jsonl", tmp_path / "a_chat.jsonl")
    (tmp_path / "sub").mkdir()
    write_rows(tmp_path / "sub" / "b_alpaca.jsonl",
               [{"instruction": "Say hello", "output": "Hello there!"}, {"instruction": "Say bye", "output": "Bye now!"}])
    (tmp_path / "notes.md").write_text("not a dataset\n")
    (tmp_path / ".hidden.jsonl").write_text("{}\n")
    monkeypatch.chdir(tmp_path)  # the tree starts in the working directory
    app = TunewizApp(lang="en", start="dataset", start_args={"tokenizer": False})
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: type(app.screen).__name__ == "DatasetScreen")
        screen = app.screen
        tree = screen.query_one("#files-tree")
        await wait_for(pilot, lambda: len(tree.root.children) > 0)
        assert [str(n.label) for n in tree.root.children] == ["sub", "a_chat.jsonl"]  # folders, then data files
        assert screen.path is None and screen.query_one("#path").has_focus
        await pilot.press("tab")  # from the path field to the tree, as a user does
        assert tree.has_focus
        await pilot.press("down", "enter")  # open the folder
        await wait_for(pilot, lambda: tree.cursor_node is not None and len(tree.cursor_node.children) == 1)
        await pilot.press("down")
        assert str(tree.cursor_node.label) == "b_alpaca.jsonl"
        await pilot.press("enter")  # pick the file
        await wait_loaded(pilot)
        assert screen.path == str(Path("sub") / "b_alpaca.jsonl") and screen.query_one("#path").value == screen.path
        assert screen.load_error is None and screen.report.format == "alpaca" and screen.report.rows == 2
        assert "alpaca" in widget_text(screen.query_one("#summary"))
        assert screen.active_pane == "preview" and "Say bye" in preview_text(screen)
        # back to the tree, another file: it replaces the first
        await pilot.press("1")
        await wait_for(pilot, lambda: tree.has_focus)
        await pilot.press("down")
        assert str(tree.cursor_node.label) == "a_chat.jsonl"
        await pilot.press("enter")
        await wait_loaded(pilot)
        assert screen.path == "a_chat.jsonl" and screen.report.format == "openai" and screen.report.rows == 784


# --------------------------------------------------------------------------- a large file

async def test_large_file_loads_with_progress_and_the_ui_keeps_responding(tmp_path, monkeypatch):
    path = tmp_path / "large.jsonl"
    line = '{"messages": [{"role": "user", "content": "订单 %d 什么时候发货？"}, {"role": "assistant", "content": "您好，订单 %d 会在 48 小时内发出。"}]}\n'
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(line % (i, i) for i in range(50_000))

    from engine.data.stats import TokenCounter
    import tui.screens.dataset as dataset_screen

    class SlowExactCounter(TokenCounter):
        """Stands in for a real tokenizer: exact, and slow enough that the load takes a while."""
        exact = True
        label = "test tokenizer"

        def count_chats(self, convs, tools=None):
            time.sleep(0.01)
            return super().count_chats(convs, tools)

    monkeypatch.setattr(dataset_screen, "token_counter", lambda target, model, tokenizer: (SlowExactCounter(), None))
    progress = []

    def hook(message):
        if type(message).__name__ == "LoadProgress":
            progress.append((message.phase, message.done, message.total))

    app = open_app(path, tokenizer=True)
    async with app.run_test(size=(80, 24), message_hook=hook) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: any(p[0] == "tokens" and p[1] > 0 for p in progress))
        assert screen.checking and screen.query_one("#progress").display
        # Keys pressed while the worker runs are handled while it runs. (Sent straight to the app:
        # Pilot.press also waits for the CPU to go idle, which it does not while a file loads.)
        for key, pane in (("4", "stats"), ("2", "preview")):
            sent = time.monotonic()
            app.post_message(events.Key(key, key))
            while screen.active_pane != pane:
                await asyncio.sleep(0.005)
            latency = time.monotonic() - sent
            assert screen.checking, "the load finished before the key was handled"
            assert latency < 2.0, latency  # typically well under 0.2 s; generous for a busy CI box
        assert screen.source is not None and len(screen.source) == 50_000  # the preview came first
        await wait_loaded(pilot)
        assert screen.report.rows == 50_000 and screen.report.stats["tokens"]["exact"]
        assert not screen.query_one("#progress").display
        assert any(p[0] == "scan" and p[2] > 0 for p in progress)  # a determinate bar while scanning
        phases = [p[0] for p in progress]
        assert phases.index("index") < phases.index("scan") < phases.index("tokens")


async def test_leaving_the_screen_cancels_the_load(tmp_path, monkeypatch):
    import threading

    import tui.screens.dataset as dataset_screen
    release = threading.Event()
    original = dataset_screen.token_counter

    def slow_tokenizer(target, model, tokenizer):
        release.wait(10)  # a tokenizer that takes its time to load
        return original(target, model, False)

    monkeypatch.setattr(dataset_screen, "token_counter", slow_tokenizer)
    app = open_app(SAMPLE / "support_openai.jsonl", tokenizer=True)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await wait_for(pilot, lambda: screen.source is not None)
        worker = next(w for w in app.workers if w.group == "dataset-load")
        await pilot.press("escape")
        assert type(app.screen).__name__ == "HomeScreen"
        assert worker.is_cancelled
        release.set()
        await wait_for(pilot, lambda: worker.is_finished)
        assert screen.report is None  # it stopped at its next tick instead of linting for a gone screen


# --------------------------------------------------------------------------- layout

@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_layout_at_80x24_in_both_languages(lang):
    app = open_app(SAMPLE / "support_sharegpt.json", lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        screen = app.screen
        assert screen.narrow
        for widget_id in ("#path", "#summary", "#pane-bar"):
            w = screen.query_one(widget_id)
            assert w.region.width > 0 and w.region.height == 1, widget_id
        bar = widget_text(screen.query_one("#pane-bar"))
        for key in ("files", "preview", "findings", "stats"):
            assert t(f"dataset.pane.{key}") in bar
        for key, pane, inner in (("1", "#files-pane", "#files-tree"), ("2", "#preview-pane", "#preview"),
                                 ("3", "#findings-pane", "#findings-tree"), ("4", "#stats-pane", "#stats")):
            await pilot.press(key)
            region = screen.query_one(pane).region
            assert region.width == 80 and region.height >= 15, (pane, region)
            assert screen.query_one(inner).region.height > 0, inner
            for other in ("#files-pane", "#preview-pane", "#findings-pane", "#stats-pane"):
                if other != pane:
                    assert screen.query_one(other).region.width == 0 or not screen.query_one(other).display \
                        or not screen.query_one("#side").display
        # The preview's content column fits the screen: rich wrapped the text by cells, CJK included.
        await pilot.press("2")
        await pilot.pause()
        table = screen.query_one("#preview")
        for strip in table.render_lines(table.region.reset_offset):
            assert strip.cell_length <= table.region.width
        footer = [b.binding.description for b in screen.active_bindings.values() if b.binding.show]
        for key in ("dataset.key.open", "dataset.key.target", "dataset.key.fix", "key.back"):
            assert t(key) in footer
        stats = widget_text(screen.query_one("#stats"))
        assert t("dataset.stats.histogram") in stats


async def test_wide_layout_shows_every_pane_at_200x60():
    app = open_app(SAMPLE / "support_openai.jsonl", lang="zh")
    async with app.run_test(size=(200, 60)) as pilot:
        await wait_loaded(pilot)
        screen = app.screen
        assert not screen.narrow and not screen.query_one("#pane-bar").display
        regions = {p: screen.query_one(p).region for p in ("#files-pane", "#preview-pane", "#findings-pane", "#stats-pane")}
        assert all(r.width >= 20 and r.height >= 10 for r in regions.values()), regions
        assert regions["#files-pane"].x < regions["#preview-pane"].x < regions["#findings-pane"].x
        assert regions["#findings-pane"].y < regions["#stats-pane"].y
        table = screen.query_one("#preview")
        assert table.content_width() >= regions["#preview-pane"].width - 30  # wrapped to the room there is


# --------------------------------------------------------------------------- engine hooks used by the screen

def test_lint_tick_reports_progress_and_can_abandon(tmp_path):
    from engine.data.lint import LintOptions, lint_file
    path = tmp_path / "t.jsonl"
    path.write_text("".join(json.dumps({"messages": [{"role": "user", "content": f"q{i}"},
                                                      {"role": "assistant", "content": f"a{i}"}]}) + "\n"
                            for i in range(3000)), encoding="utf-8")
    ticks = []
    report = lint_file(path, LintOptions(workers=1), tick=lambda *a: ticks.append(a))
    assert report.rows == 3000 and ticks and all(a[0] == "scan" and 0 < a[1] <= a[2] == path.stat().st_size for a in ticks)

    class Stop(Exception):
        pass

    def stop(*a):
        raise Stop

    with pytest.raises(Stop):
        lint_file(path, LintOptions(workers=1), tick=stop)


def test_fix_dry_run_writes_nothing_and_matches_the_real_run(tmp_path):
    from engine.data.fix import fix_file
    from engine.data.lint import LintOptions, lint_file
    src = BROKEN / "alpaca_problems.json"
    opts = LintOptions()
    report = lint_file(src, opts)
    out = tmp_path / "out.jsonl"
    planned = fix_file(src, report, out, "openai", opts, dry_run=True)
    assert list(tmp_path.iterdir()) == []
    done = fix_file(src, report, out, "openai", opts)
    assert (planned.kept, planned.rejected, planned.rows) == (done.kept, done.rejected, done.rows)
    assert planned.kept + planned.rejected == report.rows
