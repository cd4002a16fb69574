"""The app shell: opens on the home screen in both languages, every area reachable by key."""
from __future__ import annotations


import pytest

from tui.app import TunewizApp
from tui.i18n import detect_language, set_language, t, tables
from pilot_support import until


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


def screen_text(screen) -> str:
    """Every Static's text on a screen (what a user reads)."""
    return "\n".join(str(w.render()) for w in screen.query("Static"))


# key on home -> what the screen it opens says on arrival (text, not class names: screens get refactored)
HOME_KEYS = {
    "w": "wizard.hw.heading",    # the wizard's first step: this machine's hardware
    "d": "dataset.status.none",  # the dataset screen, no file open yet
    "r": "runs.heading",         # the runs list
    "c": "chat.pick.title",      # the chat screen, asking which run to load first
}


@pytest.mark.parametrize("key", list(HOME_KEYS))
async def test_every_home_key_opens_its_screen(key, tmp_path, monkeypatch):
    monkeypatch.setenv("TUNEWIZ_RUNS_DIR", str(tmp_path / "runs"))
    monkeypatch.chdir(tmp_path)  # the dataset screen's file tree starts here: small
    app = TunewizApp(lang="en", runs_dir=tmp_path / "runs")  # sets the language t() speaks
    expected = t(HOME_KEYS[key], count=0, dir=tmp_path / "runs")
    others = [t(k, count=0, dir=tmp_path / "runs") for k in HOME_KEYS.values() if k != HOME_KEYS[key]]
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "HomeScreen", what="home")
        home = app.screen
        assert expected not in screen_text(home)
        await pilot.press(key)
        await until(pilot, lambda: app.screen is not home and expected in screen_text(app.screen),
                    what=f"{expected!r} after {key!r}")
        assert not any(other in screen_text(app.screen) for other in others)
        # escape goes back home
        for _ in range(3):
            if app.screen is home:
                break
            await pilot.press("escape")
            await pilot.pause(0.1)
        await until(pilot, lambda: app.screen is home, what="back home")


async def test_a_missing_screen_is_a_notice_not_a_crash(monkeypatch):
    import tui.app as app_module
    monkeypatch.setitem(app_module.SCREENS_LAZY, "chat", "tui.screens.nowhere:Nothing")
    app = TunewizApp(lang="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        home = app.screen
        assert type(home).__name__ == "HomeScreen"
        await pilot.press("c")  # the chat key, its screen not there
        notice = t("common.not_available", screen=t("home.chat"))
        await until(pilot, lambda: any(n.message == notice for n in app._notifications), what="the notice")
        assert app.screen is home
        assert [n.severity for n in app._notifications if n.message == notice] == ["warning"]
        await pilot.press("r")  # the app still answers: another key opens its screen
        await until(pilot, lambda: type(app.screen).__name__ == "RunsScreen", what="runs")
        assert app.open_screen("nowhere") is False  # a name no table knows: the same notice, no crash


# -- the real entry point: `tunewiz` and `tunewiz --lang zh` -----------------------------------------------

def started_by_cli(args: list[str], monkeypatch) -> TunewizApp:
    """Runs the `tunewiz` command line with `args`; returns the app it would have run (not run yet)."""
    from cli_runner import CliRunner

    from tui.cli import app as cli_app
    started: list[TunewizApp] = []
    monkeypatch.setattr(TunewizApp, "run", lambda self, *a, **k: started.append(self))
    result = CliRunner().invoke(cli_app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert len(started) == 1 and isinstance(started[0], TunewizApp)
    return started[0]


@pytest.mark.parametrize("args, env_lang, expected, unexpected", [
    ([], "C.UTF-8", "What would you like to do?", "想做什么？"),
    (["--lang", "zh"], "en_US.UTF-8", "想做什么？", "What would you like to do?"),
    ([], "zh_CN.UTF-8", "想做什么？", "What would you like to do?"),
], ids=["bare", "lang-zh", "zh-locale"])
async def test_bare_tunewiz_opens_the_home_screen_in_the_chosen_language(args, env_lang, expected, unexpected,
                                                                         monkeypatch):
    monkeypatch.delenv("TUNEWIZ_LANG", raising=False)
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.setenv(var, env_lang)
    try:
        app = started_by_cli(args, monkeypatch)
        async with app.run_test(size=(80, 24)) as pilot:
            await until(pilot, lambda: type(app.screen).__name__ == "HomeScreen", what="home")
            await pilot.pause()
            text = screen_text(app.screen)
            assert expected in text and unexpected not in text
            footer = [b.binding.description for b in app.screen.active_bindings.values() if b.binding.show]
            assert t("home.key.wizard") in footer and app.title == t("app.title")
    finally:
        set_language("en")
