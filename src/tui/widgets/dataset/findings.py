"""The findings of a lint report: a tree grouped by severity and code, and the full text of the highlighted one.

Selecting a finding (enter) asks the screen to jump the preview to its row; moving the cursor over
findings lets a wide screen follow along in the preview without leaving the list.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from engine.data import rules as R
from tui.i18n import t
from tui.messages import text_of

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
ICONS = {"error": "✖", "warning": "▲", "info": "●"}
COLOURS = {"error": "error", "warning": "warning", "info": "secondary"}
EXPAND_ALL_UP_TO = 60


class FindingsView(Vertical):
    """Tree of findings plus a detail box."""

    class Jump(Message):
        """Show the row of a finding in the preview. `follow`: only the cursor moved (do not switch panes)."""

        def __init__(self, line: int, field: str | None, follow: bool) -> None:
            super().__init__()
            self.line = line
            self.field = field
            self.follow = follow

    def compose(self) -> ComposeResult:
        tree: Tree[Any] = Tree("findings", id="findings-tree")
        tree.show_root = False
        tree.guide_depth = 2
        yield tree
        with VerticalScroll(id="finding-detail-box"):
            yield Static("", id="finding-detail", markup=False)

    @property
    def tree(self) -> Tree:
        return self.query_one("#findings-tree", Tree)

    def _style(self, severity: str) -> Style:
        return Style(color=self.app.theme_variables.get(COLOURS[severity]) or None)

    def clear(self, note: str = "") -> None:
        self.tree.clear()
        self.query_one("#finding-detail", Static).update(note)

    def show_report(self, report: Any) -> None:
        """Fills the tree from a LintReport (errors first, then warnings, then notes)."""
        tree = self.tree
        tree.clear()
        groups: "OrderedDict[str, list]" = OrderedDict()
        for f in sorted(report.findings, key=lambda f: (SEVERITY_ORDER.get(f.severity, 3), f.code, f.line or 0)):
            groups.setdefault(f.code, []).append(f)
        expand = len(report.findings) <= EXPAND_ALL_UP_TO
        for code, items in groups.items():
            sev = items[0].severity
            total = report.counts.get(code, len(items))
            label = Text.assemble((ICONS.get(sev, "?") + " ", self._style(sev)), (code, "bold"), f" ×{total}")
            node = tree.root.add(label, data=("group", code, total, len(items)), expand=expand)
            for f in items:
                node.add_leaf(self._leaf_label(f), data=("finding", f))
            if total > len(items):
                node.add_leaf(Text(t("dataset.findings.more", n=total - len(items)), style="dim italic"),
                              data=("more", code))
        detail = self.query_one("#finding-detail", Static)
        if not groups:
            detail.update(t("dataset.findings.none"))
        else:
            detail.update(t("dataset.findings.hint"))
        if tree.root.children:
            tree.move_cursor(tree.root.children[0])

    def _leaf_label(self, f: Any) -> Text:
        where = t("dataset.findings.line", line=f.line) if f.line is not None else t("dataset.findings.file_wide")
        text = Text(where, style="bold")
        if f.field:
            text.append(f" {f.field}", style="italic")
        text.append("  " + text_of(f).replace("\n", " "), style="dim")
        return text

    # -- events
    def _detail_for(self, node: TreeNode) -> str:
        data = node.data
        if not data:
            return ""
        if data[0] == "group":
            _, code, total, kept = data
            sev, meaning = R.CODES.get(code, ("", ""))
            text = f"{code} ×{total}: {meaning}."
            if total > kept:
                text += " " + t("dataset.findings.kept", kept=kept, total=total)
            return text
        if data[0] == "finding":
            f = data[1]
            where = t("dataset.findings.line", line=f.line) if f.line is not None else t("dataset.findings.file_wide")
            return f"{f.severity} · {f.code} · {where}" + (f" · {f.field}" if f.field else "") + f"\n{text_of(f)}"
        return t("dataset.findings.more_detail")

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted) -> None:
        event.stop()
        self.query_one("#finding-detail", Static).update(self._detail_for(event.node))
        data = event.node.data
        if data and data[0] == "finding" and data[1].line is not None:
            self.post_message(self.Jump(data[1].line, data[1].field, follow=True))

    def on_tree_node_selected(self, event: Tree.NodeSelected) -> None:
        event.stop()
        data = event.node.data
        if data and data[0] == "finding" and data[1].line is not None:
            self.post_message(self.Jump(data[1].line, data[1].field, follow=False))
