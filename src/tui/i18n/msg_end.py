"""How runs end (`end.<code>` the error, `end.<code>.advice` what to do) and their parts (`end.part.*`,
`end.plan.*`, `end.lever.*`) in Chinese; the English is the engine's registry (engine/train/end_messages.py).
docs/messages.md shows both side by side."""
from engine.messages import templates

EN = templates("end")
ZH = {
    "end.failed": "{exception}：{detail}",
    "end.failed.advice": "这看起来是程序缺陷或环境问题；完整的回溯信息在 {log}。",
    "end.stopped.advice": "已按请求在保存检查点后停止；用 `tunewiz resume {name}` 继续。",
    "end.interrupted.advice": "用 `tunewiz resume {name}` 继续。",
    "end.config-invalid": "{header}\n  - {problems}",
    "end.config-invalid.advice": "请修改配置文件后重新开始。",
    "end.workers-unconnected": "{exception}：{detail}",
    "end.workers-unconnected.advice": "训练进程之间无法连接；请查看 {log}。",
    "end.oom": "CUDA 显存不足：{detail}",
    "end.oom.advice": "GPU 显存不足：{levers}。",
    "end.oom-retry": "CUDA 显存不足：{detail}",
    "end.oom-retry.advice": "GPU 显存不足；{lead}：{plan}。用这些设置重新开始：tunewiz train {config} {sets}。"
                            "其他办法：{levers}。",
    "end.part.lead-fits": "估算器给出的下一组设置",
    "end.part.lead-lightest": "tunewiz 能给出的最省显存的设置",
    "end.part.on": "开",
    "end.part.off": "关",
    "end.lever.batch": "调小 batch_size（现在是 {batch_size}；调大 grad_accum 以保持有效 batch）",
    "end.lever.length": "调小 max_length（现在是 {max_length}）",
    "end.lever.checkpointing": "打开 gradient_checkpointing",
    "end.lever.qlora": "改用 method: qlora（4 位基座权重）",
    "end.lever.estimate": "用 `tunewiz estimate` 查看什么能放进你的 GPU",
    "end.plan.none": "tunewiz 能调整的设置都无法降低估算",
    "end.plan": "{changes}{kept}：约 {after:.1f} GB，原来是 {before:.1f} GB{device}",
    "end.plan.change": "{key} {before} → {after}",
    "end.plan.kept": "（有效 batch 不变）",
    "end.plan.about-same": "（有效 batch 大致不变）",
    "end.plan.device": "，GPU 为 {vram:g} GB",
    "end.plan.device-too-small": "，GPU 为 {vram:g} GB（仍然太多：换更小的模型或用更多 GPU）",
}
