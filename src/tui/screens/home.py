"""Home: the hardware line and the areas of the app, each one key away."""
from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from rich.text import Text
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from tui.i18n import t
from tui.screens.base import TunewizScreen

ENTRIES = (("wizard", "w", "home.wizard"), ("dataset", "d", "home.dataset"), ("runs", "r", "home.runs"),
           ("chat", "c", "home.chat"))


class HomeScreen(TunewizScreen):
    CSS_PATH = "../styles/home.tcss"
    BINDINGS = [Binding(key, f"app.open('{name}')", f"home.key.{name}") for name, key, _ in ENTRIES] + [
        Binding("q", "app.quit", "key.quit"),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="home-body"):
            yield Static(t("home.hardware", summary=t("home.detecting")), id="hardware-line", classes="muted")
            yield Static(t("home.heading"), classes="heading")
            yield OptionList(*[Option(Text.assemble((key, "bold"), "  ", t(label)), id=name)
                               for name, key, label in ENTRIES], id="home-menu")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#home-menu", OptionList).focus()
        self.detect_hardware()

    @work(thread=True, exclusive=True, exit_on_error=False, group="hardware")
    def detect_hardware(self) -> None:
        try:
            from engine.hardware import detect
            hardware = detect()
        except Exception:  # the home screen must come up whatever NVML does
            return
        if hardware.gpus:
            gpu = hardware.gpus[0]
            summary = t("home.gpus", count=len(hardware.gpus), name=gpu.name, total=gpu.total_gb)
        else:
            summary = t("home.no_gpu", cores=hardware.cpu_cores, ram=hardware.ram_gb)
        self.app.call_from_thread(self._show_hardware, summary)

    def _show_hardware(self, summary: str) -> None:
        self.query_one("#hardware-line", Static).update(t("home.hardware", summary=summary))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.app.open_screen(event.option.id)
