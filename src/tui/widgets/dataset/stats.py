"""The statistics of a lint report: rows, turns, tokens per example, totals, the histogram and,
for the OpenAI target, the cost; for a preference-pair file also its pairs, the tokens of prompt /
chosen / rejected and the length bias. Drawn at the widget's width, so the histogram bars use the room
there is (rich measures labels in terminal cells, so Chinese labels line up)."""
from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from tui.i18n import t
from tui.messages import text_of


def money(usd: float) -> str:
    """Dollars with cents, or with four decimals below one cent (a small file costs fractions of a cent)."""
    return f"${usd:,.2f}" if usd >= 0.01 or usd == 0 else f"${usd:.4f}"


def _dist(d: dict[str, Any]) -> str:
    if not d or d.get("max") is None:
        return "—"
    return t("dataset.stats.dist", min=d["min"], median=d["median"], p95=d["p95"], max=d["max"])


class StatsPanel(Widget, can_focus=True):
    """Renders `report.stats` (and the last fix result) at its current width.

    Focusable itself, so that key 4 has something to focus whatever the length of the text; the
    scrolling parent's keys still work.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._stats: dict[str, Any] | None = None
        self._target = "open"
        self._note = t("dataset.stats.empty")
        self._fix: Any = None

    def show(self, stats: dict[str, Any] | None, target: str, note: str = "") -> None:
        self._stats = stats
        self._target = target
        self._note = note
        # Back to the top: a shorter text must not leave the panel scrolled out of view (a hidden
        # widget loses the focus).
        if self.parent is not None and hasattr(self.parent, "scroll_home"):
            self.parent.scroll_home(animate=False)
        self.refresh(layout=True)

    def show_fix(self, result: Any) -> None:
        self._fix = result
        self.refresh(layout=True)

    def _colour(self, name: str) -> Style:
        return Style(color=self.app.theme_variables.get(name) or None)

    def render(self) -> RenderableType:
        width = max(20, self.size.width or 60)
        parts: list[RenderableType] = []
        st = self._stats
        if not st:
            parts.append(Text(self._note or t("dataset.stats.empty"), style="dim"))
            if self._fix is not None:
                parts.append(self._fix_text())
            return Group(*parts)
        tok = st.get("tokens", {})
        grid = Table.grid(padding=(0, 1))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        grid.add_row(t("dataset.stats.rows"), t("dataset.stats.rows_value", rows=st["rows"], examples=st["examples"],
                                                 rejected=st["rejected_rows"], blank=st["blank_lines"]))
        if "pairs" in st:
            self._pair_rows(grid, st)
        grid.add_row(t("dataset.stats.turns"), _dist(st.get("turns", {})))
        per = _dist(tok.get("per_example", {}))
        est = Text(per)
        if not tok.get("exact"):
            est.append(" " + t("dataset.stats.estimate"), style=self._colour("warning"))
        grid.add_row(t("dataset.stats.tokens"), est)
        total = Text(f"{tok.get('total', 0):,}")
        if not tok.get("exact"):
            total.append(" " + t("dataset.stats.estimate"), style=self._colour("warning"))
        grid.add_row(t("dataset.stats.total"), total)
        if tok.get("over_max_length"):
            grid.add_row(t("dataset.stats.over"), str(tok["over_max_length"]))
        grid.add_row(t("dataset.stats.counter"), Text(text_of(tok.get("counter_message") or tok.get("counter", "")), style="dim"))
        dup = st.get("duplicates", {})
        grid.add_row(t("dataset.stats.duplicates"), t("dataset.stats.dup_value", exact=dup.get("exact", 0),
                                                       near=dup.get("near", 0)))
        grid.add_row(t("dataset.stats.findings"), t("dataset.stats.findings_value", errors=st.get("errors", 0),
                                                     warnings=st.get("warnings", 0), infos=st.get("infos", 0)))
        if "seconds" in st:
            grid.add_row(t("dataset.stats.seconds"), f"{st['seconds']:.2f} s" if st["seconds"] < 10 else f"{st['seconds']:.0f} s")
        oa = st.get("openai")
        if oa:
            if "cost_per_epoch_usd" in oa:
                cost = Text(t("dataset.stats.cost_value", model=oa["model"], epoch=money(oa["cost_per_epoch_usd"]),
                              total=money(oa["cost_default_epochs_usd"]), epochs=oa["default_epochs"],
                              billed=oa["billed_tokens_per_epoch"], price=oa["price_per_1m_tokens_usd"]))
                if oa.get("estimated"):
                    cost.append(" " + t("dataset.stats.estimate"), style=self._colour("warning"))
                grid.add_row(t("dataset.stats.cost"), cost)
            else:
                grid.add_row(t("dataset.stats.cost"), oa.get("note", ""))
            if oa.get("wind_down"):
                grid.add_row(t("dataset.stats.note"), Text(oa["wind_down"], style=self._colour("warning")))
        parts.append(grid)
        if self._target != "openai":
            parts.append(Text(t("dataset.stats.cost_hint"), style="dim italic"))
        hist = tok.get("histogram") or []
        if hist:
            parts.append(Text(""))
            parts.append(Text(t("dataset.stats.histogram") + (" " + t("dataset.stats.estimate") if not tok.get("exact") else ""),
                              style="bold"))
            parts.append(self._histogram(hist, width))
        if self._fix is not None:
            parts.append(Text(""))
            parts.append(self._fix_text())
        return Group(*parts)

    def _pair_rows(self, grid: Table, st: dict[str, Any]) -> None:
        """What only a preference-pair file has: its pairs, the tokens of each part, the length bias."""
        tok = st.get("tokens", {})
        grid.add_row(t("dataset.stats.pairs"), t("dataset.stats.pairs_value", pairs=st["pairs"],
                                                  identical=st.get("identical", 0)))
        for part in ("prompt", "chosen", "rejected"):
            value = Text(_dist(tok.get(part, {})))
            if not tok.get("exact"):
                value.append(" " + t("dataset.stats.estimate"), style=self._colour("warning"))
            grid.add_row(t(f"dataset.stats.{part}_tokens"), value)
        lb = st.get("length_bias") or {}
        if lb.get("chosen_longer_share") is not None:
            share = lb["chosen_longer_share"]
            biased = share > 0.8 or share < 0.2
            grid.add_row(t("dataset.stats.length_bias"), Text(t(
                "dataset.stats.length_bias_value", longer=lb["chosen_longer"], pairs=lb["chosen_longer"] + lb["rejected_longer"],
                share=share, ratio=lb["median_ratio"]), style=self._colour("warning") if biased else ""))

    def _histogram(self, hist: list[dict[str, Any]], width: int) -> Text:
        labels = [f"{b['from']}–{b['to'] - 1}" if b["to"] else f"{b['from']}+" for b in hist]
        label_w = max(cell_len(x) for x in labels)
        counts = [f"{b['count']:,}" for b in hist]
        count_w = max(len(c) for c in counts)
        # Two cells spare: a scrollbar may appear after this was measured.
        bar_w = max(4, width - label_w - count_w - 5)
        peak = max(b["count"] for b in hist) or 1
        bar_style = self._colour("primary")
        out = Text(no_wrap=True, overflow="crop")
        for i, (label, b, c) in enumerate(zip(labels, hist, counts)):
            n = b["count"]
            cells = max(1 if n else 0, round(bar_w * n / peak))
            out.append(label.rjust(label_w) + " ")
            out.append("█" * cells, style=bar_style)
            out.append(" " * (bar_w - cells) + " " + c.rjust(count_w))
            if i < len(hist) - 1:
                out.append("\n")
        return out

    def _fix_text(self) -> Text:
        r = self._fix
        return Text(t("dataset.fix.done", kept=r.kept, rows=r.rows, out=r.out, rejected=r.rejected,
                      rejected_path=r.rejected_path, format=r.format), style=self._colour("success"))
