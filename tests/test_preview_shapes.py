"""The dataset screen's preview shows today's shapes: an assistant's reasoning (dim, before the answer), its
tool calls as `→ name(args)`, and the media a row would lose, in English and Chinese."""
from __future__ import annotations

from pathlib import Path

import pytest

from test_dataset_screen import open_app, wait_loaded
from tui.i18n import set_language

DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    set_language("en")


def cells(table) -> list[tuple[str, str]]:
    """(role, content) of every preview row, as plain text."""
    out = []
    for i in range(table.row_count):
        _line, role, content = table.get_row_at(i)
        out.append((str(role), content.plain))
    return out


@pytest.mark.parametrize("lang, thinking, media", [("en", "thinking:", "image dropped"), ("zh", "思考：", "媒体（image）将被丢弃")])
async def test_preview_shows_reasoning_tool_calls_and_dropped_media(lang, thinking, media):
    app = open_app(DATA / "shapes_v1.jsonl", lang=lang)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_loaded(pilot)
        rows = cells(app.screen.query_one("#preview"))
        call = next(c for r, c in rows if r == "assistant" and "get_order_status" in c)
        assert call.startswith(f"{thinking} 用户询问订单 2024112300187")
        assert '→ get_order_status({"order_id": "2024112300187"})' in call
        answer = next(c for r, c in rows if r == "assistant" and "已打包" in c)
        assert answer.index(thinking) < answer.index("您的订单 2024112300187 已打包")
        dropped = [c for r, c in rows if r == "media"]
        assert len(dropped) == 1 and media in dropped[0] and "messages[0].content[1]" in dropped[0]
