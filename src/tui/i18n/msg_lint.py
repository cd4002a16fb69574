"""Lint findings (`lint.<code>[.<variant>]`) in Chinese; the English is the engine's registry
(engine/data/lint_messages.py). docs/messages.md shows both side by side."""
from engine.messages import templates

EN = templates("lint")
ZH = {
    "lint.bom": "文件开头有 UTF-8 字节顺序标记（BOM）；有些加载器（以及 OpenAI）会拒收。"
                "请另存为不带 BOM 的 UTF-8，或用 --fix 去掉它。",
}
