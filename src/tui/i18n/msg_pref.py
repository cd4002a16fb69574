"""What the OpenAI preference-file check says (`lint.<code>.openai-pref*`), in Chinese; the English is the engine's
registry (engine/openai_pref_messages.py). docs/messages.md shows both side by side (in the lint table)."""
from engine.openai_pref_messages import PREF_MESSAGES

EN = dict(PREF_MESSAGES)
ZH = {
    "lint.bom.openai-pref": "文件以 UTF-8 字节顺序标记（BOM）开头，OpenAI 会拒绝它。请另存为不带 BOM 的 'UTF-8'。",
    "lint.json-array.openai-pref": "文件是一个 JSON 数组；OpenAI 只接受 JSONL（每行一对）。请每行写一个 "
                                   "json.dumps(pair, ensure_ascii=False) 重新保存，或用 `jq -c '.[]' FILE`。",
    "lint.json-pretty-printed.openai-pref": "文件中是分散在多行的格式化 JSON 对象；OpenAI 要求每行一整对：用 "
                                            "`jq -c . FILE` 重新保存。",
    "lint.blank-lines.openai-pref": "{count} 个空行（首个在第 {lines} 行）；OpenAI 会拒绝它们。请删除。",
    "lint.openai-too-few.openai-pref": "可用的偏好对只有 {examples} 个；OpenAI 至少需要 {minimum} 个（要看到效果建议多得多）。"
                                       "请添加偏好对，或修正有错误的行。",
    "lint.openai-token-limit.openai-pref": "{tokens} 个 token（输入加两个输出），超过 {model} 每个样本 {limit} 的上限；"
                                           "OpenAI 会拒绝或截断它。请缩短输入或输出。",
    "lint.openai-token-limit.openai-pref-estimated": "约 {tokens} 个 token（输入加两个输出），超过 {model} 每个样本 "
                                                     "{limit} 的上限；OpenAI 会拒绝或截断它。请缩短输入或输出。",
    "lint.eval-problems.openai-pref": "无法读取验证文件：{error}",
    "lint.train-eval-overlap.openai-pref": "也出现在验证文件 {eval_file} 中（第 {eval_line} 行）；两边都有的偏好对会让验证损失"
                                           "看起来比模型实际更好。请从其中一个文件删掉它。",
    "lint.not-an-object.openai-pref": "这一行是 JSON {got}，不是对象；每行必须是一个偏好对：{shape}。",
    "lint.pref-format.openai-pref-sft": "这是带 'messages' 的监督（SFT）对话行，不是偏好对；这个文件请用 --method "
                                        "supervised，或把偏好对写成 {shape}。",
    "lint.pref-format.openai-pref": "不是偏好对（它有 {keys}）；每行必须是 {shape}。",
    "lint.pref-format.openai-pref-empty": "不是偏好对（它没有任何键）；每行必须是 {shape}。",
    "lint.openai-unsupported-key.openai-pref": "OpenAI 不接受偏好对中的键 {keys}；请删除——偏好对只能包含 input、"
                                               "preferred_output、non_preferred_output。",
    "lint.openai-unsupported-key.openai-pref-input": "OpenAI 不接受 'input' 中的键 {keys}；它只能包含 messages、tools、"
                                                     "parallel_tool_calls。",
    "lint.openai-unsupported-key.openai-pref-message": "OpenAI 不接受这里的消息键 {keys}；请删除。",
    "lint.pref-identical.openai-pref": "偏好输出和非偏好输出完全相同，这对数据什么也教不了（还要计费）；请把一个更差的回答写成 "
                                       "non_preferred_output，或删掉这一对。",
    "lint.duplicate.openai-pref": "与第 {first} 行的偏好对完全重复；重复会加重某一偏好的权重（且计费两次）。请删掉。",
    "lint.duplicate.openai-pref-short": "与第 {first} 行重复",
    "lint.missing-key.openai-pref-input": "这一对没有 'input'；请加上 {{\"input\": {{\"messages\": [...]}}}}，放入到用户最后"
                                          "一轮为止的对话。",
    "lint.mistyped-key.openai-pref-input": "'input' 是 {got}，不是对象。",
    "lint.mistyped-key.openai-pref-input-list": "'input' 是列表，不是对象——消息要放在对象里：{{\"input\": {{\"messages\": "
                                                "[...]}}}}。",
    "lint.mistyped-key.openai-pref-tools": "'tools' 是 {got}；它必须是工具定义的列表。",
    "lint.mistyped-key.openai-pref-parallel": "'parallel_tool_calls' 必须是 true 或 false。",
    "lint.missing-key.openai-pref-messages": "'input' 没有 'messages'；请加上到用户最后一轮为止的对话，写成 "
                                             "{{\"role\": ..., \"content\": ...}} 的列表。",
    "lint.mistyped-key.openai-pref-messages": "'messages' 是 {got}；它必须是消息列表。",
    "lint.empty-conversation.openai-pref": "'messages' 是空的；请放入到用户最后一轮为止的对话。",
    "lint.pref-last-turn.openai-pref": "输入以 {role} 回合结尾；它必须以输出所回答的用户回合（或工具结果）结尾。请把助手的回答"
                                       "移到 preferred_output，或删掉末尾这一轮。",
    "lint.mistyped-key.openai-pref-message": "有一条消息是 {got}；每条消息都必须是对象 {{\"role\": ..., \"content\": ...}}。",
    "lint.missing-key.openai-pref-role": "这条消息没有 'role'；请使用 {roles} 之一。",
    "lint.unknown-role.openai-pref": "角色 {role!r} 在这里不被 OpenAI 接受；请使用 {roles} 之一。",
    "lint.mistyped-key.openai-pref-tool-calls": "'tool_calls' 必须是调用的列表。",
    "lint.missing-key.openai-pref-content": "这条 {role} 消息没有 'content'；请加上它的文本。",
    "lint.mistyped-key.openai-pref-content-null": "这条 {role} 消息的 content 是 null；请以字符串给出它的文本。",
    "lint.empty-content.openai-pref": "这个 {role} 回合没有文本；请填写或删掉这一轮。",
    "lint.missing-key.openai-pref-output": "这一对没有 {key!r}；请加上 [{{\"role\": \"assistant\", \"content\": \"...\"}}]。",
    "lint.mistyped-key.openai-pref-output-object": "{key!r} 是单个对象；OpenAI 需要只含一条消息的列表：用 [ ] 包起来。",
    "lint.mistyped-key.openai-pref-output": "{key!r} 是 {got}；它必须是只含一条助手消息的列表 "
                                            "[{{\"role\": \"assistant\", \"content\": \"...\"}}]。",
    "lint.pref-output-count.openai-pref": "{key!r} 有 {count} 条消息；它必须正好有一条助手消息（多轮回答无法比较）。只保留对输入"
                                          "最后一轮的回答。",
    "lint.pref-output-role.openai-pref": "输出消息来自 {role!r}；它必须是助手的回答（role \"assistant\"）。",
    "lint.empty-answer.openai-pref": "输出没有文本；请写出回答（空回答无法被偏好或拒绝）。",
}
