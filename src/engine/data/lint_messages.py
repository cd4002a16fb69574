"""English templates of lint findings (`lint.<code>` and, where one rule says different things,
`lint.<code>.<variant>`): the one source of each finding's English; `Finding.params` fill them.

The one-line meaning of each rule code stays in rules.CODES (docs/lint-codes.md); these are the messages a
finding carries. The Chinese is in tui/i18n/msg_lint.py; docs/messages.md shows both side by side.
Pure data: imported by engine.messages.registered() without the linter.
"""
from __future__ import annotations

from engine.messages import register

TEMPLATES: dict[str, str] = {
    # -- the file as a whole (lint/report.py) ---------------------------------------------------------
    "lint.bom": "the file starts with a UTF-8 byte-order mark (BOM); some loaders (and OpenAI) reject it. "
                "Save as 'UTF-8' without BOM, or let --fix drop it.",
}
register(TEMPLATES)
