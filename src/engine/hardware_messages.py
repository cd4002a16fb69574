"""Why tunewiz sees no GPU, or what to be careful about with the ones it sees (engine.hardware's notes), in
the one registry (engine.messages): `hardware.<name>` codes with raw params, so the wizard, `tunewiz advise`,
the monitor and the advisor's reasons say them in the user's language (the Chinese: tui/i18n/msg_hardware.py).
Pure data.
"""
from __future__ import annotations

from engine.messages import register

HARDWARE_MESSAGES: dict[str, str] = {
    "hardware.no-nvml-package": "no NVIDIA GPU: the nvidia-ml-py package is not installed, so NVML cannot be asked",
    # {reason}: the part hardware.reason.* below, or the NVML error's own text
    "hardware.nvml-unavailable": "no NVIDIA GPU: NVML is unavailable ({reason})",
    "hardware.nvml-list-failed": "no NVIDIA GPU: NVML failed to list devices ({reason})",
    "hardware.no-devices": "no NVIDIA GPU: the driver is loaded but reports no devices",
    "hardware.none-visible": "no NVIDIA GPU is visible to this process",
    "hardware.gpu-unreadable": "GPU {index} could not be read ({reason}) and is left out",
    "hardware.cvd-empty": "CUDA_VISIBLE_DEVICES is set to an empty value, which hides every GPU",
    "hardware.cvd-mig": "CUDA_VISIBLE_DEVICES names MIG instance {entry}; MIG slices are not listed separately here, "
                        "check `nvidia-smi -L`",
    "hardware.cvd-unmatched": "CUDA_VISIBLE_DEVICES={entries!r}: entry {entry!r} matches no GPU, so it and every entry "
                              "after it are hidden",
    "hardware.cvd-twice": "CUDA_VISIBLE_DEVICES={entries!r} lists a GPU twice; the CUDA runtime refuses that",
    "hardware.device-order": "indices in CUDA_VISIBLE_DEVICES follow CUDA's fastest-first order unless "
                             "CUDA_DEVICE_ORDER=PCI_BUS_ID; set it (or use GPU- UUIDs) to be sure which card is meant",
    "hardware.nvml-failed": "NVML failed: {error}",
    "hardware.assumed-none": "no GPU assumed (--vram-gb 0)",
    "hardware.not-detected": "hardware not detected yet",
    # parts: {reason} of the messages above
    "hardware.reason.no-library": "the NVIDIA driver library libnvidia-ml.so is not installed",
    "hardware.reason.no-driver": "the NVIDIA kernel driver is not loaded",
}
register(HARDWARE_MESSAGES)
