"""A fit bar: one training configuration's estimated memory against the GPU (or RAM) it must fit.

    ▶ LoRA       ███████████████░░░░░░   17.4 / 24 GB  6.6 GB spare

Green when it fits with room, yellow when it fits with less than the advisor's headroom (5 %),
red when it does not fit. The bar takes whatever width is left after the label and the numbers.
"""
from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.markup import escape
from textual.widget import Widget

from tui.i18n import t

HEADROOM = 0.05   # engine.advisor.HEADROOM_FRACTION: what the recommendation keeps free


NUMBERS_WIDTH = 17   # "  61.7 / 24 GB"
STATUS_WIDTH = 20    # "tight: 0.8 GB spare"


def gb_text(value: float) -> str:
    """24 -> "24", 23.54 -> "23.5", 7.8 -> "7.8": capacities read as the card's size."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cell_len(text))


def _fit(text: str, width: int) -> str:
    """Pads or cuts (with …) to exactly `width` cells."""
    if cell_len(text) <= width:
        return _pad(text, width)
    out = ""
    for char in text:
        if cell_len(out + char) > width - 1:
            break
        out += char
    return _pad(out + "…", width)


class FitBar(Widget):
    """Estimate vs capacity for one method; `update_fit` sets the figures."""

    def __init__(self, label: str = "", *, label_width: int = 12, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.label = label
        self.label_width = label_width
        self.need_gb: float | None = None
        """Estimated peak memory (GB)."""
        self.capacity_gb: float | None = None
        """What it has to fit in (GB); None: nothing to compare with."""
        self.marked = False
        """The configuration that is chosen (drawn with ▶)."""
        self.note = ""

    def update_fit(self, need_gb: float | None, capacity_gb: float | None, *, marked: bool = False,
                   label: str | None = None, note: str = "") -> None:
        self.need_gb, self.capacity_gb, self.marked, self.note = need_gb, capacity_gb, marked, note
        if label is not None:
            self.label = label
        self.refresh()

    @property
    def state(self) -> str:
        """fits | tight | over | unknown."""
        if self.need_gb is None or not self.capacity_gb:
            return "unknown"
        if self.need_gb > self.capacity_gb:
            return "over"
        if self.need_gb + HEADROOM * self.capacity_gb > self.capacity_gb:
            return "tight"
        return "fits"

    def status_text(self) -> str:
        state = self.state
        if self.need_gb is None:
            return self.note or t("wizard.fit.unknown")
        if state == "unknown":
            return t("wizard.fit.needs", need=self.need_gb)
        margin = self.capacity_gb - self.need_gb
        if state == "over":
            return t("wizard.fit.over", over=-margin)
        if state == "tight":
            return t("wizard.fit.tight", spare=margin)
        return t("wizard.fit.spare", spare=margin)

    def render(self) -> Content:
        # mark | label (fixed) | bar (what is left) | numbers (fixed) | status (reserved): the bars of
        # one group line up whatever their figures.
        width = max(30, self.size.width)
        mark = "▶ " if self.marked else "  "
        label = _fit(self.label, self.label_width)
        state = self.state
        colour = {"fits": "$success", "tight": "$warning", "over": "$error", "unknown": "$text-muted"}[state]
        style = "bold" if self.marked else "not bold"
        head = f"[{style}]{escape(mark + label)}[/]"
        if self.need_gb is None:
            return Content.from_markup(f"{head} [$text-muted]{escape(self.status_text())}[/]")
        numbers = (f"{self.need_gb:6.1f} / {gb_text(self.capacity_gb)} GB" if self.capacity_gb
                   else f"{self.need_gb:6.1f} GB")
        numbers = _pad(numbers, NUMBERS_WIDTH)
        bar_width = max(6, min(48, width - 2 - self.label_width - 2 - NUMBERS_WIDTH - 1 - STATUS_WIDTH))
        if self.capacity_gb:
            share = min(1.0, self.need_gb / self.capacity_gb)
            filled = max(1, round(share * bar_width)) if self.need_gb > 0 else 0
            bar = f"[{colour}]{'█' * filled}[/][$text-muted]{'░' * (bar_width - filled)}[/]"
        else:
            bar = f"[$text-muted]{'░' * bar_width}[/]"
        return Content.from_markup(f"{head} {bar} {escape(numbers)} [{colour}]{escape(self.status_text())}[/]")
