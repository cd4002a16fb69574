EN = {
    "home.heading": "What would you like to do?",
    "home.wizard": "Start the wizard: should I fine-tune, and how?",
    "home.dataset": "Check a dataset",
    "home.runs": "Runs: watch, re-attach, compare",
    "home.chat": "Chat with a tuned adapter",
    "home.hardware": "Hardware: {summary}",
    "home.no_gpu": "no NVIDIA GPU, CPU only ({cores} cores, {ram:.0f} GiB RAM)",
    "home.gpus": "{count} × {name} ({total:.0f} GiB)",
    "home.detecting": "detecting hardware…",
}
ZH = {
    "home.heading": "想做什么？",
    "home.wizard": "开始向导：要不要微调、怎么微调？",
    "home.dataset": "检查数据集",
    "home.runs": "训练任务：查看、重新连接、比较",
    "home.chat": "与微调后的适配器对话",
    "home.hardware": "硬件：{summary}",
    "home.no_gpu": "没有 NVIDIA GPU，仅 CPU（{cores} 核，{ram:.0f} GiB 内存）",
    "home.gpus": "{count} × {name}（{total:.0f} GiB）",
    "home.detecting": "正在检测硬件…",
}

EN.update({"home.key.wizard": "Wizard", "home.key.dataset": "Dataset", "home.key.runs": "Runs", "home.key.chat": "Chat"})
ZH.update({"home.key.wizard": "向导", "home.key.dataset": "数据集", "home.key.runs": "训练任务", "home.key.chat": "对话"})
