"""Hardware detection with a fake NVML: what a user on each kind of machine would see."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from engine.hardware import GPU, Hardware, assumed, detect, detect_cpu, detect_gpus

GIB = 1024 ** 3


class FakeNVML:
    """The pynvml calls hardware.py makes, answering from a list of cards."""

    def __init__(self, cards: list[dict], init_error: Exception | None = None, driver: str = "550.54.15"):
        self.cards = cards
        self.init_error = init_error
        self.driver = driver
        self.shutdowns = 0

    def nvmlInit(self) -> None:
        if self.init_error:
            raise self.init_error

    def nvmlShutdown(self) -> None:
        self.shutdowns += 1

    def nvmlSystemGetDriverVersion(self) -> bytes:
        return self.driver.encode()   # old nvidia-ml-py releases return bytes

    def nvmlDeviceGetCount(self) -> int:
        return len(self.cards)

    def nvmlDeviceGetHandleByIndex(self, index: int) -> int:
        return index

    def nvmlDeviceGetName(self, h: int) -> str:
        return self.cards[h]["name"]

    def nvmlDeviceGetUUID(self, h: int) -> str:
        return self.cards[h]["uuid"]

    def nvmlDeviceGetMemoryInfo(self, h: int) -> SimpleNamespace:
        card = self.cards[h]
        if card.get("broken"):
            raise RuntimeError("GPU is lost")
        return SimpleNamespace(total=int(card["total"] * GIB), free=int(card["free"] * GIB), used=0)

    def nvmlDeviceGetCudaComputeCapability(self, h: int) -> tuple[int, int]:
        return self.cards[h]["cc"]


H100 = {"name": "NVIDIA H100 80GB HBM3", "uuid": "GPU-aaaa1111-0000", "total": 79.65, "free": 79.1, "cc": (9, 0)}
T4 = {"name": "Tesla T4", "uuid": "GPU-bbbb2222-0000", "total": 15.0, "free": 14.6, "cc": (7, 5)}
RTX4090 = {"name": "NVIDIA GeForce RTX 4090", "uuid": "GPU-cccc3333-0000", "total": 23.99, "free": 22.0, "cc": (8, 9)}


def test_one_gpu_reports_name_memory_driver_and_bf16() -> None:
    nvml = FakeNVML([H100])
    gpus, note = detect_gpus(nvml, env={})
    assert note is None
    (gpu,) = gpus
    assert gpu.name == "NVIDIA H100 80GB HBM3"
    assert gpu.total_gb == pytest.approx(79.65, abs=0.01)
    assert gpu.free_gb == pytest.approx(79.1, abs=0.01)
    assert gpu.driver == "550.54.15"           # bytes from old pynvml decoded
    assert gpu.compute_capability == (9, 0) and gpu.bf16
    assert nvml.shutdowns == 1                 # NVML is released again


def test_pre_ampere_card_has_no_bf16() -> None:
    gpus, _ = detect_gpus(FakeNVML([T4]), env={})
    assert gpus[0].bf16 is False
    assert gpus[0].to_dict()["compute_capability"] == "7.5"


def test_no_nvml_library_is_a_clean_no_gpu_result() -> None:
    class LibraryNotFound(Exception):
        pass
    gpus, note = detect_gpus(FakeNVML([], init_error=LibraryNotFound("NVML Shared Library Not Found")), env={})
    assert gpus == []
    assert "libnvidia-ml.so" in str(note)
    # Coded (engine/hardware_messages.py): the wizard, `advise` and the monitor say it in the user's language.
    from tui.i18n import set_language
    from tui.messages import text_of
    set_language("zh")
    try:
        assert text_of(note) == "没有 NVIDIA GPU：NVML 不可用（没有安装 NVIDIA 驱动库 libnvidia-ml.so）"
    finally:
        set_language("en")
    assert text_of(note) == str(note)


def test_driver_without_devices_says_so() -> None:
    gpus, note = detect_gpus(FakeNVML([]), env={})
    assert gpus == [] and "no devices" in str(note)


@pytest.mark.parametrize("visible, expected", [
    ("1", ["NVIDIA GeForce RTX 4090"]),
    ("1,0", ["NVIDIA GeForce RTX 4090", "NVIDIA H100 80GB HBM3"]),
    ("GPU-cccc3333", ["NVIDIA GeForce RTX 4090"]),          # a unique UUID prefix is enough
    ("0,7,1", ["NVIDIA H100 80GB HBM3"]),                    # CUDA stops at the first bad entry
])
def test_cuda_visible_devices_selects_and_orders(visible: str, expected: list[str]) -> None:
    gpus, _ = detect_gpus(FakeNVML([H100, RTX4090]), env={"CUDA_VISIBLE_DEVICES": visible})
    assert [g.name for g in gpus] == expected
    assert [g.index for g in gpus] == list(range(len(expected)))   # renumbered from 0, as CUDA does


def test_cuda_visible_devices_empty_hides_every_gpu() -> None:
    gpus, note = detect_gpus(FakeNVML([H100]), env={"CUDA_VISIBLE_DEVICES": ""})
    assert gpus == [] and "empty" in str(note)


def test_cuda_visible_devices_minus_one_hides_every_gpu() -> None:
    gpus, note = detect_gpus(FakeNVML([H100]), env={"CUDA_VISIBLE_DEVICES": "-1"})
    assert gpus == [] and "-1" in str(note)


def test_a_broken_gpu_is_left_out_and_named() -> None:
    gpus, note = detect_gpus(FakeNVML([H100, {**T4, "broken": True}]), env={})
    assert [g.name for g in gpus] == ["NVIDIA H100 80GB HBM3"]
    assert "GPU 1" in str(note)


def test_detect_uses_the_largest_gpu_as_best() -> None:
    hw = detect(nvml=FakeNVML([T4, H100]), env={}, cpu=lambda: (16, 125.0, 120.0))
    assert hw.best_gpu.name.startswith("NVIDIA H100")
    assert hw.cpu_cores == 16 and hw.ram_gb == 125.0
    assert hw.to_dict()["gpus"][1]["bf16"] is True


def test_cpu_and_ram_from_meminfo_and_cgroup(tmp_path: Path) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       32000000 kB\nMemFree:  1000 kB\nMemAvailable:   16000000 kB\n")
    cgroup = tmp_path / "cg"
    cgroup.mkdir()
    cores, ram, available = detect_cpu(meminfo, cgroup)
    assert cores >= 1
    assert ram == pytest.approx(32000000 / 1024 / 1024, abs=0.01)
    assert available == pytest.approx(16000000 / 1024 / 1024, abs=0.01)
    (cgroup / "memory.max").write_text(str(8 * GIB))        # a container limited to 8 GiB
    _, ram, available = detect_cpu(meminfo, cgroup)
    assert ram == 8.0 and available == 8.0


def test_this_machine_detects_without_error() -> None:
    # Whatever this machine has, detection returns a Hardware and never raises.
    hw = detect()
    assert isinstance(hw, Hardware)
    assert hw.cpu_cores >= 1 and hw.ram_gb > 0
    assert hw.gpus or hw.note


def test_assumed_vram_for_what_if_questions() -> None:
    hw = assumed(24, Hardware(cpu_cores=8, ram_gb=64))
    assert isinstance(hw.best_gpu, GPU) and hw.best_gpu.total_gb == 24
    assert assumed(0).gpus == [] and assumed(None).note


def test_engine_modules_do_not_import_heavy_libraries() -> None:
    # Start-up rule: the hardware, catalog, estimator and advisor load without torch/transformers/textual.
    code = ("import sys, engine.hardware, engine.catalog, engine.memory, engine.advisor, tui.commands.advise; "
            "bad = [m for m in ('torch', 'transformers', 'textual', 'peft') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
