"""The Textual app: a home screen and lazily imported screens for each area.

Screens are imported only when first opened (the first frame must not wait for them, and none of
them may import torch at import time). Every screen module lives in `tui/screens/<name>.py` with
its styles in `tui/styles/<name>.tcss` (the screen's own `CSS_PATH`).
"""
from __future__ import annotations

import importlib
from functools import partial
from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.command import Hit, Hits, Provider

from tui.i18n import t

# name -> "module:Class". A screen's constructor takes keyword arguments only.
SCREENS_LAZY: dict[str, str] = {
    "home": "tui.screens.home:HomeScreen",
    "wizard": "tui.screens.wizard:WizardScreen",
    "dataset": "tui.screens.dataset:DatasetScreen",
    "runs": "tui.screens.runs:RunsScreen",
    "monitor": "tui.screens.monitor:MonitorScreen",
    "chat": "tui.screens.chat:ChatScreen",
}
# Title keys for the command palette and messages.
SCREEN_TITLES = {"home": "common.home", "wizard": "home.wizard", "dataset": "home.dataset",
                 "runs": "home.runs", "chat": "home.chat"}


def load_screen_class(name: str) -> type | None:
    module_name, _, class_name = SCREENS_LAZY[name].partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:  # the screen itself is not there (yet); anything else is a bug
            return None
        raise
    return getattr(module, class_name)


class ScreenCommands(Provider):
    """The command palette (ctrl+p) lists every area of the app."""

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        app = self.app
        for name, key in SCREEN_TITLES.items():
            title = t(key)
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), partial(app.open_screen, name), help=name)


class TunewizApp(App):
    TITLE = "tunewiz"
    CSS_PATH = "styles/app.tcss"
    COMMANDS = App.COMMANDS | {ScreenCommands}
    BINDINGS = [
        Binding("ctrl+q", "quit", "key.quit", priority=True, show=False),
        Binding("f1", "open('home')", "Home", show=False),
    ]

    def __init__(self, lang: str = "en", runs_dir: Path | None = None, start: str = "home",
                 start_args: dict[str, Any] | None = None, lang_note: str | None = None) -> None:
        from tui.i18n import set_language
        set_language(lang)
        super().__init__()
        from tui.screens.base import localize_bindings
        localize_bindings(self)
        self.lang = lang
        self.runs_dir = runs_dir
        self.start = start
        self.start_args = start_args or {}
        self.lang_note = lang_note

    def on_mount(self) -> None:
        self.title = t("app.title")
        self.sub_title = t("app.subtitle")
        home = load_screen_class("home")
        self.push_screen(home())
        if self.start != "home":
            self.open_screen(self.start, **self.start_args)
        if self.lang_note:
            self.notify(t("common.lang_note"), severity="warning")

    def open_screen(self, name: str, **kwargs: Any) -> bool:
        """Pushes the named screen; says so (instead of crashing) when it is not available."""
        screen_class = load_screen_class(name) if name in SCREENS_LAZY else None
        if screen_class is None:
            self.notify(t("common.not_available", screen=t(SCREEN_TITLES.get(name, name))), severity="warning")
            return False
        self.push_screen(screen_class(**kwargs))
        return True

    def action_open(self, name: str) -> None:
        self.open_screen(name)


def run_app(lang: str | None = None, runs_dir: Path | None = None, start: str = "home",
            start_args: dict[str, Any] | None = None) -> None:
    from tui.i18n import detect_language
    language, note = detect_language(lang)
    TunewizApp(lang=language, runs_dir=runs_dir, start=start, start_args=start_args, lang_note=note).run()
