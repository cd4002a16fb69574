"""What `tunewiz train` and the wizard refuse before a run starts (`preflight.*`), in Chinese; the English is
the engine's registry (engine/launch_messages.py). docs/messages.md shows both side by side."""
from engine.messages import templates

EN = templates("preflight")
ZH = {
    "preflight.path": "{key}：{problem}",
    "preflight.data-none": "data：没有给出数据集；请在配置中设置 `data:`，或传入 --set data=FILE",
    "preflight.data-not-found": "data：找不到文件：{path}",
    "preflight.data-is-folder": "data：{path} 是一个文件夹；请给出其中的数据集文件",
    "preflight.model-path-missing": "model：路径 {path} 不存在；请给出本地模型文件夹、Hub 上的模型 id"
                                    "（例如 Qwen/Qwen2.5-0.5B-Instruct）或 'demo'",
    "preflight.model-no-config": "model：{path} 中没有 config.json，所以不是 transformers 模型文件夹",
    "preflight.remote-code": "model：{where} 自带 Python 代码（config.json 中的 auto_map），训练时会运行它；"
                             "请先阅读那些代码，再在配置中设置 `trust_remote_code: true`（或 --set trust_remote_code=true）",
    "preflight.paths-unreadable": "无法检查配置中的路径：{detail}",
    "preflight.not-pairs": "data：{path} 不是偏好数据（它的前几行没有 chosen 和 rejected 回答），而 dpo 方法在成对数据上训练："
                           "{shapes}。对话或文本数据请使用 lora、qlora、full 或 cpt 方法",
    "preflight.pairs-need-dpo": "data：{path} 是偏好数据（chosen 和 rejected 回答）：请使用 method: dpo"
                                "（--set method=dpo）；{method} 方法从对话或文本中学习",
}
