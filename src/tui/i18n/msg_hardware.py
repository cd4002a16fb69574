"""Why tunewiz sees no GPU, or what to be careful about (`hardware.*`), in Chinese; the English is the engine's
registry (engine/hardware_messages.py). docs/messages.md shows both side by side."""
from engine.messages import templates

EN = templates("hardware")
ZH = {
    "hardware.no-nvml-package": "没有 NVIDIA GPU：没有安装 nvidia-ml-py 包，无法查询 NVML",
    "hardware.nvml-unavailable": "没有 NVIDIA GPU：NVML 不可用（{reason}）",
    "hardware.nvml-list-failed": "没有 NVIDIA GPU：NVML 列出设备失败（{reason}）",
    "hardware.no-devices": "没有 NVIDIA GPU：驱动已加载，但没有报告任何设备",
    "hardware.none-visible": "这个进程看不到任何 NVIDIA GPU",
    "hardware.gpu-unreadable": "GPU {index} 无法读取（{reason}），已略过",
    "hardware.cvd-empty": "CUDA_VISIBLE_DEVICES 被设为空值，这会隐藏所有 GPU",
    "hardware.cvd-mig": "CUDA_VISIBLE_DEVICES 指定了 MIG 实例 {entry}；这里不单独列出 MIG 切片，请用 `nvidia-smi -L` 查看",
    "hardware.cvd-unmatched": "CUDA_VISIBLE_DEVICES={entries!r}：条目 {entry!r} 不对应任何 GPU，它和它之后的条目都被隐藏",
    "hardware.cvd-twice": "CUDA_VISIBLE_DEVICES={entries!r} 把同一块 GPU 列了两次；CUDA 运行时会拒绝",
    "hardware.device-order": "除非设置 CUDA_DEVICE_ORDER=PCI_BUS_ID，CUDA_VISIBLE_DEVICES 中的序号按 CUDA 的“最快优先”顺序；"
                             "请设置它（或使用 GPU- UUID），确保指的是哪块卡",
    "hardware.nvml-failed": "NVML 出错：{error}",
    "hardware.assumed-none": "假定没有 GPU（--vram-gb 0）",
    "hardware.not-detected": "尚未检测硬件",
    "hardware.reason.no-library": "没有安装 NVIDIA 驱动库 libnvidia-ml.so",
    "hardware.reason.no-driver": "NVIDIA 内核驱动没有加载",
}
