"""The dataset screen on preference pairs (DPO data): the sample pair file previews as pairs (the prompt's turns,
then the chosen and the rejected answer), with the pair lint's findings and statistics (pairs, tokens of each
part, length bias) in English and Chinese at 80x24, and the Fix dialog writes the pairs in their own format."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from test_dataset_screen import open_app, wait_for, wait_loaded, widget_text
from tui.i18n import set_language

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data" / "support_preference.jsonl"


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


def roles_of(table, index: int) -> list[str]:
    """The role column of every table row of record `index`."""
    return [table.get_row_at(k)[1].plain for k, (i, _) in enumerate(table.row_meta) if i == index]


def contents_of(table, index: int) -> list[str]:
    return [table.get_row_at(k)[2].plain for k, (i, _) in enumerate(table.row_meta) if i == index]


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_the_sample_pair_file_previews_as_pairs_with_pair_statistics(lang):
    first = json.loads(SAMPLE.read_text("utf-8").splitlines()[0])
    app = open_app(SAMPLE, lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        screen = app.screen
        assert screen.source.pairs and screen.source.format == "trl" and screen.report.format == "trl"
        summary = widget_text(screen.query_one("#summary"))
        assert "trl" in summary and "96" in summary
        table = screen.query_one("#preview")
        # each pair: its prompt (system, user), then the chosen answer, then the rejected one
        assert roles_of(table, 0) == ["system", "user", "chosen", "rejected"]
        body = contents_of(table, 0)
        assert body[2].replace("\n", "")[:30] == first["chosen"][0]["content"][:30]
        assert body[3].replace("\n", "")[:30] == first["rejected"][0]["content"][:30]
        assert screen.query_one("#preview").row_meta[-1][0] == 95  # all 96 pairs on the first page
        await pilot.press("4")
        stats = widget_text(screen.query_one("#stats"))
        flat = " ".join(stats.split())
        if lang == "en":
            assert "pairs 96 (0 with identical answers)" in flat
            assert "prompt tokens" in flat and "chosen tokens" in flat and "rejected tokens" in flat
            assert "chosen longer in 49 of 95 pairs (52%)" in flat
        else:
            assert "偏好对 96（两个回答相同 0）" in flat
            assert "选中回答 token 数" in flat and "拒绝回答 token 数" in flat
            assert "95 对中选中回答更长的 49 对（52%）" in flat
        tree = screen.query_one("#findings-tree")
        groups = {n.data[1]: n for n in tree.root.children}
        assert {"pii-email", "pref-too-few"} <= set(groups) and "pref-length-bias" not in groups
        # choosing a finding on an answer moves the preview to that answer's row
        leaf = next(n for n in groups["pii-email"].children if n.data[0] == "finding" and n.data[1].field == "rejected")
        await pilot.press("3")
        groups["pii-email"].expand()
        await pilot.pause()
        tree.move_cursor(leaf)
        await pilot.pause()
        await pilot.press("enter")
        index = screen.source.index_of_line(leaf.data[1].line)
        await wait_for(pilot, lambda: table.cursor_location_meta() is not None
                       and table.cursor_location_meta()[0] == index)
        assert table.get_row_at(table.cursor_row)[1].plain == "rejected"


async def test_a_bad_pair_is_marked_shown_with_its_reason_and_fixed_in_its_own_format(tmp_path):
    rows = [json.loads(x) for x in SAMPLE.read_text("utf-8").splitlines()[:30]]
    rows[4]["rejected"] = [{"role": "assistant", "content": "   "}]            # line 5: an empty side
    rows.append(json.loads(json.dumps(rows[0])))                                # line 31: a duplicate
    src = tmp_path / "pairs.jsonl"
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    before = hashlib.sha256(src.read_bytes()).hexdigest()
    app = open_app(src)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        screen = app.screen
        table = screen.query_one("#preview")
        # the unreadable pair is shown raw, marked in the line and role columns, with the reader's reason
        bad = next(k for k, (i, _) in enumerate(table.row_meta) if i == 4)
        assert "✖" in table.get_row_at(bad)[0].plain and table.get_row_at(bad)[1].plain == "✖"
        assert [p.code for p in screen.source.read(4, 5)[0].problems] == ["pref-empty-side"]
        tree = screen.query_one("#findings-tree")
        groups = {n.data[1]: n for n in tree.root.children}
        assert {"pref-empty-side", "duplicate"} <= set(groups)
        await pilot.press("f")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "FixDialog")
        dialog = app.screen
        await wait_for(pilot, lambda: dialog._plan is not None)
        await pilot.pause()
        assert "keep 29 and reject 2 of 31 rows" in widget_text(dialog.query_one("#fix-plan"))
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.last_fix is not None)
        out = tmp_path / "pairs.clean.jsonl"
        kept = [json.loads(x) for x in out.read_text("utf-8").splitlines()]
        assert kept == rows[:4] + rows[5:30]                                    # the pairs as they were
        removed = [json.loads(x) for x in Path(str(out) + ".rejected.jsonl").read_text("utf-8").splitlines()]
        assert [(r["line"], r["reasons"][0]["code"]) for r in removed] == [(5, "pref-empty-side"), (31, "duplicate")]
        assert hashlib.sha256(src.read_bytes()).hexdigest() == before


async def test_an_openai_preference_file_uses_openai_rules_on_the_openai_target(tmp_path):
    rows = [json.loads(x) for x in SAMPLE.read_text("utf-8").splitlines()[:12]]
    oa = [{"input": {"messages": r["prompt"]}, "preferred_output": r["chosen"], "non_preferred_output": r["rejected"]}
          for r in rows]
    oa[3]["preferred_output"] = oa[3]["preferred_output"] * 2                   # OpenAI: exactly one message
    src = tmp_path / "oa.jsonl"
    shutil.copy(SAMPLE, tmp_path / "unused.jsonl")
    src.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in oa), encoding="utf-8")
    app = open_app(src)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_loaded(pilot)
        screen = app.screen
        assert screen.report.format == "openai-preference" and "pref-output-count" not in screen.report.counts
        assert roles_of(screen.query_one("#preview"), 3) == ["system", "user", "chosen", "chosen", "rejected"]
        await pilot.press("t")
        await wait_loaded(pilot)
        assert screen.target == "openai" and screen.report.counts["pref-output-count"] == 1
        assert "OpenAI cost" in widget_text(screen.query_one("#stats"))
