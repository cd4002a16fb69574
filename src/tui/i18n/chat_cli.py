"""The printed words of `tunewiz chat` (tui/commands/chat.py): its refusals, notes and the interactive chat's
lines. The engine's loading stages are `chat.stage.*` (tui/i18n/chat.py, tui/chat_stages.py)."""

EN = {
    "chat_cli.run-and-model": "give a RUN (local adapter) or --model (an endpoint), not both; compare a run with an "
                              "endpoint in the app's chat pane",
    "chat_cli.run-or-model": "give a RUN (name or folder, see `tunewiz runs`) or --model NAME for an OpenAI-compatible "
                             "endpoint",
    "chat_cli.compare-model": "--compare with --model needs --compare-model NAME (the base model the endpoint also "
                              "serves, e.g. gpt-4o-mini-2024-07-18)",
    "chat_cli.checkpoint-step": "--checkpoint {checkpoint}: give the checkpoint's step (tunewiz openai watch lists them)",
    "chat_cli.json-needs-prompt": "--json needs --prompt (the interactive chat prints text)",
    "chat_cli.empty-prompt": "the prompt is empty",
    "chat_cli.warning": "warning: {text}",
    "chat_cli.note": "note: {text}",
    "chat_cli.stopped": "(stopped)",
    "chat_cli.transcript": "transcript: {path}",
    "chat_cli.help": "commands: /clear (forget the conversation)  /system TEXT (set the system prompt)  /save (write "
                     "the transcript)  /quit (or Ctrl-D)   Ctrl-C stops an answer",
    "chat_cli.cleared": "conversation cleared",
    "chat_cli.system-set": "system prompt set",
    "chat_cli.system-cleared": "system prompt cleared",
}

ZH = {
    "chat_cli.run-and-model": "RUN（本地适配器）和 --model（一个端点）只能给一个；要把训练结果和端点对比，请用应用里的对话界面",
    "chat_cli.run-or-model": "请给出 RUN（名称或目录，见 `tunewiz runs`），或用 --model NAME 指定一个兼容 OpenAI 的端点",
    "chat_cli.compare-model": "--model 加 --compare 需要 --compare-model NAME（端点同时提供的基座模型，例如 "
                              "gpt-4o-mini-2024-07-18）",
    "chat_cli.checkpoint-step": "--checkpoint {checkpoint}：请给出检查点的步数（tunewiz openai watch 会列出）",
    "chat_cli.json-needs-prompt": "--json 需要 --prompt（交互式对话输出的是文本）",
    "chat_cli.empty-prompt": "提示词是空的",
    "chat_cli.warning": "警告：{text}",
    "chat_cli.note": "注意：{text}",
    "chat_cli.stopped": "（已停止）",
    "chat_cli.transcript": "对话记录：{path}",
    "chat_cli.help": "命令：/clear（清空对话）  /system 文本（设置系统提示词）  /save（保存对话记录）  /quit（或 Ctrl-D）   "
                     "Ctrl-C 停止当前回答",
    "chat_cli.cleared": "对话已清空",
    "chat_cli.system-set": "已设置系统提示词",
    "chat_cli.system-cleared": "已清除系统提示词",
}
