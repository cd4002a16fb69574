"""The base class of every tunewiz screen: footer labels in the user's language.

Binding descriptions are written as string-table keys (`"home.key.wizard"`); they are translated
when the screen is created, so one process can show either language (tests show both).
"""
from __future__ import annotations

import dataclasses

from textual.dom import DOMNode
from textual.screen import Screen

from tui.i18n import t


def localize_bindings(node: DOMNode) -> None:
    for key, bindings in node._bindings.key_to_bindings.items():
        node._bindings.key_to_bindings[key] = [
            dataclasses.replace(b, description=t(b.description)) if b.description else b for b in bindings]


class TunewizScreen(Screen):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        localize_bindings(self)
