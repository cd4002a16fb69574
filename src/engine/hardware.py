"""What this machine can train on: NVIDIA GPUs through NVML, CPU cores and RAM.

NVML (the `pynvml` module of `nvidia-ml-py`) is the library behind `nvidia-smi`. It is used instead
of `torch.cuda` because importing torch takes seconds and initialises a CUDA context (hundreds of MB
of GPU memory); the wizard's first screen must appear at once and must not hold GPU memory.

Every failure mode (no library, no driver, no GPU, a broken device) ends in a clean `Hardware`
with an empty GPU list and a `note` saying why, never in an exception. `GpuSampler` reads the
same devices live (memory, utilisation, temperature, power) for the monitor and `tunewiz watch`.

`CUDA_VISIBLE_DEVICES` is honoured the way the CUDA runtime reads it: a comma-separated list of
indices or `GPU-`/`MIG-` UUIDs (unique prefixes allowed), in that order; an entry that matches no
device hides it and every entry after it; an empty value hides all GPUs.
"""
from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol

import engine.hardware_messages  # noqa: F401 - registers the hardware.* codes
from engine.message_parts import part
from engine.messages import EngineMessage, message

GIB = 1024 ** 3


@dataclass(frozen=True)
class GPU:
    index: int                 # CUDA index as the training process will see it (after CUDA_VISIBLE_DEVICES)
    nvml_index: int            # index in NVML's (PCI bus) order, what nvidia-smi shows
    name: str
    uuid: str
    total_gb: float            # GiB, as torch and nvidia-smi report (a "24 GB" card shows ~23.99)
    free_gb: float
    driver: str
    compute_capability: tuple[int, int]

    @property
    def bf16(self) -> bool:
        """bf16 matmuls need Ampere (compute capability 8.0) or newer."""
        return self.compute_capability >= (8, 0)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["compute_capability"] = f"{self.compute_capability[0]}.{self.compute_capability[1]}"
        out["bf16"] = self.bf16
        return out


@dataclass(frozen=True)
class Hardware:
    gpus: list[GPU] = field(default_factory=list)
    cpu_cores: int = 1
    ram_gb: float = 0.0               # GiB of RAM this process may use (cgroup limit if lower than MemTotal)
    ram_available_gb: float | None = None
    # Why there is no GPU (or what to be careful about): a coded message (engine/hardware_messages.py), its
    # str() the English; plain text where a caller built the Hardware by hand.
    note: EngineMessage | str | None = None

    @property
    def has_gpu(self) -> bool:
        return bool(self.gpus)

    @property
    def best_gpu(self) -> GPU | None:
        """The GPU with the most memory: training runs on one device unless launched multi-GPU."""
        return max(self.gpus, key=lambda g: g.total_gb, default=None)

    def to_dict(self) -> dict[str, Any]:
        return {"gpus": [g.to_dict() for g in self.gpus], "cpu_cores": self.cpu_cores,
                "ram_gb": self.ram_gb, "ram_available_gb": self.ram_available_gb,
                "note": str(self.note) if self.note else None,
                **({"note_code": self.note.code, "note_params": self.note.params}
                   if isinstance(self.note, EngineMessage) else {})}


class NvmlLike(Protocol):
    """The part of `pynvml` used here, so tests can hand in a fake."""

    def nvmlInit(self) -> None: ...
    def nvmlShutdown(self) -> None: ...
    def nvmlDeviceGetCount(self) -> int: ...
    def nvmlDeviceGetHandleByIndex(self, index: int) -> Any: ...
    def nvmlDeviceGetName(self, handle: Any) -> str | bytes: ...
    def nvmlDeviceGetUUID(self, handle: Any) -> str | bytes: ...
    def nvmlDeviceGetMemoryInfo(self, handle: Any) -> Any: ...
    def nvmlDeviceGetCudaComputeCapability(self, handle: Any) -> tuple[int, int]: ...
    def nvmlSystemGetDriverVersion(self) -> str | bytes: ...


def _text(value: str | bytes) -> str:
    # Older nvidia-ml-py releases return bytes, newer ones str.
    return value.decode() if isinstance(value, bytes) else str(value)


def _load_pynvml() -> NvmlLike | None:
    try:
        import pynvml  # nvidia-ml-py; tiny, pure Python, loads libnvidia-ml.so lazily at nvmlInit
    except ImportError:
        return None
    return pynvml  # type: ignore[return-value]


def _visible(entries: str | None, devices: list[tuple[int, str]]) -> tuple[list[tuple[int, int]], EngineMessage | None]:
    """Maps CUDA_VISIBLE_DEVICES onto NVML devices.

    Returns ([(cuda_index, nvml_index)], note). `devices` is [(nvml_index, uuid)].
    """
    if entries is None:
        return [(i, n) for i, (n, _) in enumerate(devices)], None
    chosen: list[tuple[int, int]] = []
    note = None
    raw = [e.strip() for e in entries.split(",")]
    if raw == [""]:
        return [], message("hardware.cvd-empty")
    for entry in raw:
        match: int | None = None
        if entry.lstrip("-").isdigit():
            number = int(entry)
            if 0 <= number < len(devices):
                match = devices[number][0]
        elif entry.upper().startswith(("GPU-", "MIG-")):
            hits = [n for n, uuid in devices if uuid.upper().startswith(entry.upper())]
            if len(hits) == 1:
                match = hits[0]
            if entry.upper().startswith("MIG-") and match is None:
                note = message("hardware.cvd-mig", entry=entry)
        if match is None:
            # The CUDA runtime stops at the first entry it cannot resolve: later entries are invisible too.
            note = note or message("hardware.cvd-unmatched", entries=entries, entry=entry)
            break
        if match in [n for _, n in chosen]:
            note = message("hardware.cvd-twice", entries=entries)
            return [], note
        chosen.append((len(chosen), match))
    return chosen, note


def detect_gpus(nvml: NvmlLike | None = None, env: Mapping[str, str] | None = None
                ) -> tuple[list[GPU], EngineMessage | None]:
    """NVIDIA GPUs visible to a CUDA program started with `env`, and a note when there are none."""
    env = os.environ if env is None else env
    lib = nvml if nvml is not None else _load_pynvml()
    if lib is None:
        return [], message("hardware.no-nvml-package")
    try:
        lib.nvmlInit()
    except Exception as exc:  # NVMLError_LibraryNotFound, _DriverNotLoaded, ... all mean "no usable GPU"
        return [], message("hardware.nvml-unavailable", reason=_nvml_reason(exc))
    try:
        try:
            driver = _text(lib.nvmlSystemGetDriverVersion())
            count = int(lib.nvmlDeviceGetCount())
            handles = [lib.nvmlDeviceGetHandleByIndex(i) for i in range(count)]
            uuids = [_text(lib.nvmlDeviceGetUUID(h)) for h in handles]
        except Exception as exc:
            return [], message("hardware.nvml-list-failed", reason=_nvml_reason(exc))
        if count == 0:
            return [], message("hardware.no-devices")
        visible, note = _visible(env.get("CUDA_VISIBLE_DEVICES"), list(enumerate(uuids)))
        gpus = []
        for cuda_index, nvml_index in visible:
            handle = handles[nvml_index]
            try:
                mem = lib.nvmlDeviceGetMemoryInfo(handle)
                major, minor = lib.nvmlDeviceGetCudaComputeCapability(handle)
                name = _text(lib.nvmlDeviceGetName(handle))
            except Exception as exc:
                # A GPU that fell off the bus or is in a bad state: skip it, say so, keep the others.
                note = message("hardware.gpu-unreadable", index=nvml_index, reason=_nvml_reason(exc))
                continue
            gpus.append(GPU(index=cuda_index, nvml_index=nvml_index, name=name, uuid=uuids[nvml_index],
                            total_gb=round(mem.total / GIB, 2), free_gb=round(mem.free / GIB, 2),
                            driver=driver, compute_capability=(int(major), int(minor))))
        if not gpus and note is None:
            note = message("hardware.none-visible")
        if gpus and env.get("CUDA_VISIBLE_DEVICES") and env.get("CUDA_DEVICE_ORDER") != "PCI_BUS_ID" and count > 1:
            # NVML numbers GPUs in PCI bus order; CUDA numbers them fastest-first unless told otherwise,
            # so indices in CUDA_VISIBLE_DEVICES can mean different cards on mixed machines.
            note = note or message("hardware.device-order")
        return gpus, note
    finally:
        try:
            lib.nvmlShutdown()
        except Exception:
            pass


def _nvml_reason(exc: Exception) -> dict[str, Any] | str:
    """Why NVML failed: a part (engine.message_parts) for the two common causes, else NVML's own words."""
    text = str(exc) or type(exc).__name__
    if "LibraryNotFound" in type(exc).__name__ or "NVML Shared Library Not Found" in text:
        return part("hardware.reason.no-library")
    if "DriverNotLoaded" in type(exc).__name__ or "Driver Not Loaded" in text:
        return part("hardware.reason.no-driver")
    return text


# -- live readings (the monitor and `tunewiz watch`) ----------------------------------------------
@dataclass(frozen=True)
class GpuSample:
    """One GPU at one moment (GpuSampler.sample). A reading the GPU does not support is None."""

    index: int                      # CUDA index (after CUDA_VISIBLE_DEVICES)
    name: str
    mem_used_gb: float | None       # GiB in use on the device, by every process
    mem_total_gb: float | None      # GiB on the device
    util_pct: float | None          # % of the last sample period a kernel was running
    temp_c: float | None            # core temperature, °C
    power_w: float | None           # power draw, watts
    power_limit_w: float | None     # enforced power limit, watts
    process_mem_gb: dict[int, float] = field(default_factory=dict)  # pid -> GiB on this GPU

    @property
    def mem_fraction(self) -> float | None:
        if self.mem_used_gb is None or not self.mem_total_gb:
            return None
        return self.mem_used_gb / self.mem_total_gb

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "name": self.name, "mem_used_gb": self.mem_used_gb,
                "mem_total_gb": self.mem_total_gb, "util_pct": self.util_pct, "temp_c": self.temp_c,
                "power_w": self.power_w, "power_limit_w": self.power_limit_w,
                "process_mem_gb": {str(k): v for k, v in self.process_mem_gb.items()}}


class GpuSampler:
    """Samples memory, utilisation, temperature and power of each visible GPU through NVML.

    NVML is asked, not torch: no CUDA context, no GPU memory taken from the trainer. With no NVML
    or no GPU, `sample()` returns no GPUs and `note` says why; a GPU that fails one reading shows
    None for it. `nvml` is injectable (tests use a fake)."""

    def __init__(self, nvml: Any = None, env: Mapping[str, str] | None = None) -> None:
        self._nvml = nvml
        self._env = env
        self._devices: list[tuple[int, str, Any]] | None = None  # (cuda index, name, handle)
        self._initialised = False
        self.note: EngineMessage | None = None

    def _open(self) -> None:
        lib = self._nvml if self._nvml is not None else _load_pynvml()
        gpus, note = detect_gpus(lib, self._env)
        self._devices = []
        self.note = note
        if not gpus or lib is None:
            return
        try:
            lib.nvmlInit()
            self._initialised = True
            self._nvml = lib
            self._devices = [(g.index, g.name, lib.nvmlDeviceGetHandleByIndex(g.nvml_index)) for g in gpus]
        except Exception as exc:  # NVML went away between detection and now
            self.note = message("hardware.nvml-failed", error=str(exc))
            self._devices = []

    def sample(self) -> list[GpuSample]:
        if self._devices is None:
            self._open()
        lib = self._nvml
        out = []
        for index, name, handle in self._devices or []:
            used = total = util = temp = power = limit = None
            procs: dict[int, float] = {}
            try:
                mem = lib.nvmlDeviceGetMemoryInfo(handle)
                used, total = mem.used / 2**30, mem.total / 2**30
            except Exception:
                pass
            try:
                util = float(lib.nvmlDeviceGetUtilizationRates(handle).gpu)
            except Exception:
                pass
            try:
                temp = float(lib.nvmlDeviceGetTemperature(handle, 0))  # 0: NVML_TEMPERATURE_GPU
            except Exception:
                pass
            try:
                power = lib.nvmlDeviceGetPowerUsage(handle) / 1000.0  # milliwatts
            except Exception:
                pass
            try:
                limit = lib.nvmlDeviceGetEnforcedPowerLimit(handle) / 1000.0
            except Exception:
                pass
            try:
                for proc in lib.nvmlDeviceGetComputeRunningProcesses(handle):
                    memory = getattr(proc, "usedGpuMemory", None)
                    if isinstance(memory, int):
                        procs[int(proc.pid)] = memory / 2**30
            except Exception:
                pass
            out.append(GpuSample(index, name, used, total, util, temp, power, limit, procs))
        return out

    def close(self) -> None:
        if self._initialised:
            try:
                self._nvml.nvmlShutdown()
            except Exception:
                pass
            self._initialised = False
        self._devices = None


def _read_meminfo(path: Path) -> dict[str, int]:
    out: dict[str, int] = {}
    try:
        for line in path.read_text().splitlines():
            key, _, rest = line.partition(":")
            parts = rest.split()
            if parts and parts[0].isdigit():
                out[key] = int(parts[0]) * 1024  # the file says kB; it means KiB
    except OSError:
        pass
    return out


def _cgroup_limit(root: Path) -> int | None:
    # In a container the cgroup limit, not MemTotal, is what the OOM killer enforces.
    for candidate in (root / "memory.max", root / "memory" / "memory.limit_in_bytes"):
        try:
            text = candidate.read_text().strip()
        except OSError:
            continue
        if text.isdigit() and int(text) < 1 << 60:  # v1 reports "no limit" as a huge number
            return int(text)
    return None


def detect_cpu(meminfo: Path = Path("/proc/meminfo"),
               cgroup_root: Path = Path("/sys/fs/cgroup")) -> tuple[int, float, float | None]:
    """(usable CPU cores, RAM GiB, available RAM GiB or None)."""
    try:
        cores = len(os.sched_getaffinity(0))  # respects taskset/cpuset, unlike os.cpu_count()
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    info = _read_meminfo(meminfo)
    total = info.get("MemTotal")
    if total is None:
        try:
            total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        except (ValueError, OSError, AttributeError):
            total = 0
    limit = _cgroup_limit(cgroup_root)
    if limit is not None:
        total = min(total, limit) if total else limit
    available = info.get("MemAvailable")
    if available is not None and total:
        available = min(available, total)
    return cores, round(total / GIB, 2), (round(available / GIB, 2) if available is not None else None)


def detect(nvml: NvmlLike | None = None, env: Mapping[str, str] | None = None,
           cpu: Callable[[], tuple[int, float, float | None]] | None = None) -> Hardware:
    """The whole picture. `nvml`, `env` and `cpu` are injectable for tests and what-if questions."""
    gpus, note = detect_gpus(nvml, env)
    cores, ram, available = (cpu or detect_cpu)()
    return Hardware(gpus=gpus, cpu_cores=cores, ram_gb=ram, ram_available_gb=available, note=note)


def assumed(vram_gb: float | None, base: Hardware | None = None, name: str = "assumed GPU") -> Hardware:
    """Hardware with one GPU of `vram_gb` (or none for 0/None), for "what if I rent a 24 GB card?"."""
    base = base or Hardware()
    if not vram_gb:
        return Hardware(gpus=[], cpu_cores=base.cpu_cores, ram_gb=base.ram_gb,
                        ram_available_gb=base.ram_available_gb, note=message("hardware.assumed-none"))
    gpu = GPU(index=0, nvml_index=0, name=name, uuid="", total_gb=float(vram_gb), free_gb=float(vram_gb),
              driver="", compute_capability=(8, 0))
    return Hardware(gpus=[gpu], cpu_cores=base.cpu_cores, ram_gb=base.ram_gb,
                    ram_available_gb=base.ram_available_gb, note=None)
