"""The app shell: opens on the home screen in both languages, every area reachable by key."""
from __future__ import annotations

import pytest

from tui.app import TunewizApp
from tui.i18n import AREAS, detect_language, t, tables


def test_both_string_tables_are_complete():
    merged = tables()
    missing_zh = set(merged["en"]) - set(merged["zh"])
    missing_en = set(merged["zh"]) - set(merged["en"])
    assert not missing_zh and not missing_en, (missing_zh, missing_en)
    assert all(merged["zh"][k].strip() for k in merged["zh"])


def test_language_detection_and_fallback(monkeypatch):
    monkeypatch.delenv("TUNEWIZ_LANG", raising=False)
    monkeypatch.setenv("LC_ALL", "zh_CN.UTF-8")
    assert detect_language() == ("zh", None)
    assert detect_language("en") == ("en", None)
    language, note = detect_language("fr_FR.UTF-8")
    assert language == "en" and "fr_FR" in note


@pytest.mark.parametrize("lang, expected", [("en", "What would you like to do?"), ("zh", "想做什么？")])
async def test_home_screen_in_each_language_at_80x24(lang, expected):
    app = TunewizApp(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert type(screen).__name__ == "HomeScreen"
        text = "\n".join(str(w.render()) for w in screen.query("Static"))
        assert expected in text
        footer = [b.binding.description for b in screen.active_bindings.values() if b.binding.show]
        assert t("key.quit") in footer


async def test_a_missing_screen_is_a_notice_not_a_crash(monkeypatch):
    import tui.app as app_module
    monkeypatch.setitem(app_module.SCREENS_LAZY, "nowhere", "tui.screens.nowhere:Nothing")
    app = TunewizApp(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.open_screen("nowhere") is False
        assert type(app.screen).__name__ == "HomeScreen"
