"""The monitor's GPU panel: per GPU a memory gauge, utilisation, temperature and power (sampled
through NVML by the app), plus what the trainer itself reports (`gpu_mem_*` of its last step)."""
from __future__ import annotations

from textual.markup import escape
from textual.widgets import Static

from engine.hardware import GpuSample
from engine.monitoring import Snapshot
from tui.i18n import t
from tui.messages import text_of


def gauge(fraction: float | None, width: int) -> str:
    """A memory gauge in theme colours: green, then yellow above 80 %, red above 95 %."""
    width = max(4, width)
    if fraction is None:
        return "[$text-muted]" + "░" * width + "[/]"
    fraction = max(0.0, min(1.0, fraction))
    filled = round(fraction * width)
    colour = "$text-error" if fraction > 0.95 else "$text-warning" if fraction > 0.8 else "$text-success"
    return f"[{colour}]{'█' * filled}[/][$text-muted]{'░' * (width - filled)}[/]"


def _fmt(value: float | None, pattern: str = "{:.1f}") -> str:
    return "-" if value is None else pattern.format(value)


class GpuPanel(Static):
    """Shows `update_gpus(samples, note, snapshot)`; one block of lines per GPU."""

    _shown: str | None = None

    def on_mount(self) -> None:
        self.border_title = t("monitor.gpu.title")

    def update_gpus(self, samples: list[GpuSample], note: str | None, snapshot: Snapshot | None) -> None:
        width = max(8, self.size.width - 4) if self.size.width else 24
        lines: list[str] = []
        for gpu in samples:
            lines.append(f"[b]{gpu.index}[/b] {escape(gpu.name)}")
            used = _fmt(gpu.mem_used_gb)
            total = _fmt(gpu.mem_total_gb)
            bar_width = max(4, width - len(used) - len(total) - 6)
            lines.append(f"{gauge(gpu.mem_fraction, bar_width)} {used}/{total} GiB")
            parts = [t("monitor.gpu.util", util=_fmt(gpu.util_pct, "{:.0f}%")), _fmt(gpu.temp_c, "{:.0f}°C")]
            if gpu.power_w is not None:
                parts.append(t("monitor.gpu.power", power=_fmt(gpu.power_w, "{:.0f}"),
                               limit=_fmt(gpu.power_limit_w, "{:.0f}")))
            if snapshot is not None and snapshot.pid in gpu.process_mem_gb:
                parts.append(t("monitor.gpu.this_run", gb=gpu.process_mem_gb[snapshot.pid]))
            lines.append("[$text-muted]" + escape(" · ".join(parts)) + "[/]")
        if not samples:
            lines.append("[$text-muted]" + escape(t("monitor.gpu.none")) + "[/]")
            if note and self.size.width >= 50:  # the why, where there is room for it
                lines.append("[$text-muted]" + escape(t("monitor.gpu.note", note=text_of(note))) + "[/]")
        if snapshot is not None and snapshot.gpu_mem_reserved_gb is not None:
            lines.append(escape(t("monitor.gpu.trainer", alloc=_fmt(snapshot.gpu_mem_alloc_gb),
                                  reserved=_fmt(snapshot.gpu_mem_reserved_gb), peak=_fmt(snapshot.gpu_mem_peak_gb))))
        if snapshot is not None and len(snapshot.gpu_mem_per_rank_gb) > 1:
            # More than one process trains: one row per rank, from the ranks' own step figures.
            for rank, reserved in enumerate(snapshot.gpu_mem_per_rank_gb):
                lines.append(escape(t("monitor.gpu.rank", rank=rank, reserved=_fmt(reserved))))
        text = "\n".join(lines)
        if text != self._shown:  # the same figures again: no repaint
            self._shown = text
            self.update(text, layout=False)  # its size is set by the layout, not by its text
