"""The engine's loading, merging and exporting stages (its English progress messages) in the user's language:
the chat pane, the export dialog and `tunewiz chat` show the known stages translated, keeping paths and
numbers, and anything else as it came."""
from __future__ import annotations

import re

from tui.i18n import language, t

# (pattern of the engine's English message, key of its translation: tui/i18n/chat.py `chat.stage.*`)
_STAGES = [
    (re.compile(r"loading libraries"), "chat.stage.libraries"),
    (re.compile(r"reading the tokenizer and chat template"), "chat.stage.template"),
    (re.compile(r"reading the tokenizer"), "chat.stage.tokenizer"),
    (re.compile(r"converting the demo model"), "chat.stage.demo"),
    (re.compile(r"loading the base model (?P<what>.+)"), "chat.stage.base"),
    (re.compile(r"loading (?P<name>.+): (?P<pct>\d+%) of the weights"), "chat.stage.weights"),
    (re.compile(r"attaching the adapter (?P<what>.+)"), "chat.stage.adapter"),
    (re.compile(r"loading the tuned model (?P<what>\S+)"), "chat.stage.tuned"),
    (re.compile(r"ready in (?P<seconds>[\d.]+) s"), "chat.stage.ready"),
    (re.compile(r"loading (?:a 16-bit copy of the base \(not the 4-bit weights\)|the base): (?P<what>.+)"),
     "chat.stage.export_base"),
    (re.compile(r"merging layer (?P<i>\d+) of (?P<n>\d+)"), "chat.stage.merging"),
    (re.compile(r"writing safetensors to (?P<what>.+)"), "chat.stage.writing"),
    (re.compile(r"moving the finished folder into place"), "chat.stage.moving"),
    (re.compile(r"done: (?P<what>.+)"), "chat.stage.done"),
]


def stage_text(message: str) -> str:
    """An engine progress message in the current language (known stages), else as it is."""
    if language() == "en":
        return message
    for pattern, key in _STAGES:
        match = pattern.match(message)
        if match:
            return t(key, **match.groupdict())
    return message
