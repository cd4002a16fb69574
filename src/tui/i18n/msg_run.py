"""What the run commands say when a run cannot be found (`run.*`), in Chinese; the English is the engine's
registry (engine/run_messages.py). docs/messages.md shows both side by side."""
from engine.messages import templates

EN = templates("run")
ZH = {
    "run.not-found": "没有名为 '{run}' 的运行：它既不是运行目录，也不是 {root} 下的运行名。{root} 下的运行：{runs}。",
    "run.service-retrying": "{detail}（触发了速率限制或服务繁忙；客户端会等待后重试）",
    "run.not-found.none": "没有名为 '{run}' 的运行：它既不是运行目录，也不是 {root} 下的运行名。{root} 下还没有任何运行。",
}
