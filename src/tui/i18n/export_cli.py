"""`tunewiz export`'s own printed lines (tui/commands/export.py); its errors and notices are engine messages
(tui/i18n/msg_export.py)."""

EN = {
    "export_cli.choose-one": "give one of --merge OUT, --ollama OUT or --gguf OUT.gguf",
    "export_cli.not-both": "give one of --merge OUT, --ollama OUT or --gguf OUT.gguf (not {flags})",
    "export_cli.interrupted": "tunewiz: export interrupted; nothing half-written was left",
    "export_cli.merged": "merged {layers} LoRA layers into a {dtype} copy of {base}; {mib:.1f} MiB in {seconds:.1f} s. "
                         "See {readme}.",
    "export_cli.modelfile": "Modelfile: {modelfile} (FROM ./model; stops {stops}; thinking {thinking}, the answer "
                            "starts after {prompt})",
    "export_cli.thinking.none": "not recorded",
    "export_cli.thinking.on": "on",
    "export_cli.thinking.off": "off",
    "export_cli.note": "note: {text} [{code}]",
    "export_cli.create": "Create the Ollama model with:",
    "export_cli.gguf-done": "GGUF {quant}: {mib:.1f} MiB in {seconds:.1f} s; {summary}. Details: {details}",
    "export_cli.drift": "  (a quantised file may drift from the merged model after some tokens; f16/bf16 should not)",
}
ZH = {
    "export_cli.choose-one": "请给出 --merge OUT、--ollama OUT 或 --gguf OUT.gguf 中的一个",
    "export_cli.not-both": "请给出 --merge OUT、--ollama OUT 或 --gguf OUT.gguf 中的一个（不能同时用 {flags}）",
    "export_cli.interrupted": "tunewiz：导出已中断；没有留下写了一半的文件",
    "export_cli.merged": "已把 {layers} 个 LoRA 层合并进 {base} 的 {dtype} 副本；{mib:.1f} MiB，用时 {seconds:.1f} 秒。"
                         "见 {readme}。",
    "export_cli.modelfile": "Modelfile：{modelfile}（FROM ./model；停止符 {stops}；思考模式 {thinking}，回答从 {prompt} "
                            "之后开始）",
    "export_cli.thinking.none": "未记录",
    "export_cli.thinking.on": "开",
    "export_cli.thinking.off": "关",
    "export_cli.note": "注意：{text} [{code}]",
    "export_cli.create": "用以下命令创建 Ollama 模型：",
    "export_cli.gguf-done": "GGUF {quant}：{mib:.1f} MiB，用时 {seconds:.1f} 秒；{summary}。详情：{details}",
    "export_cli.drift": "  （量化后的文件在若干 token 之后可能与合并模型不同；f16/bf16 不应如此）",
}
