"""Notices a run logs as it goes (`log.<code>`: what the chat template cannot render, examples cut at
max_length, ...) in Chinese; the English is the engine's registry (engine/train/end_messages.py)."""
from engine.messages import templates

EN = templates("log")
ZH = {
    "log.template-drops-reasoning": "{model} 的聊天模板不渲染推理内容（reasoning_content）：{examples} 条带推理过程的样本"
                                    "训练时不含推理（只训练回答）。请选择模板能渲染推理的模型（例如 Qwen3），"
                                    "或从数据中去掉推理过程以消除此提示",
    "log.thinking-off-drops-reasoning": "enable_thinking 为 false：{examples} 条样本的推理过程不参与训练（回答参与），"
                                        "对话和导出也不带思考",
    "log.template-drops-tool-calls": "{model} 的聊天模板不渲染工具调用：{examples} 条样本训练时会丢失调用。"
                                     "请选择模板支持工具的模型（例如 Qwen3、Qwen2.5、Llama-3.1+）",
    "log.template-drops-tools": "{model} 的聊天模板不渲染工具定义（tools）：{examples} 条样本训练时不含工具定义。"
                                "请选择模板支持工具的模型，或把工具定义放进系统提示",
    "log.lora-dropout-experts": "lora.dropout {dropout} 无法用于该模型堆叠的专家权重（peft：{detail}）；"
                                "改用 lora.dropout 0 训练",
    "log.template-generation-prompt-differs": "{examples} 条样本：聊天模板的生成提示与它开启助手回合的方式不同；"
                                              "每段训练内容从两种渲染开始不同的地方算起",
    "log.stop-received": "收到 {signal}：在第 {step} 步写入检查点，然后停止{where}",
    "log.part.mid-step": "（未完成那一步的微批次会在恢复时重做）",
    "log.processes-training": "{world_size} 个进程在训练：{what}",
    "log.part.sharding-fsdp": "FSDP，{modules} 个模块已分片（权重、梯度和优化器状态分摊到各进程）",
    "log.part.sharding-deepspeed": "DeepSpeed ZeRO-{stage}",
    "log.part.sharding-ddp": "DDP：每个进程都持有整个模型；每一步对梯度取平均",
    "log.part.sharding-fsdp-unsharded": "DDP：每个进程都持有整个模型；每一步对梯度取平均（要求了 FSDP，但什么也没有分片："
                                        "accelerate 只在 GPU 上分片）",
    "log.resuming": "从 {checkpoint} 恢复",
    "log.demo-convert": "{stage}",
    "log.distributed-world": "{world_size} 个进程（{nnodes} 个节点 x {nproc}），distributed：{distributed}；启动文件：{files}",
    "log.distributed-launching": "正在启动：{command}",
    "log.distributed-other-node": "节点 {node}（共 {nnodes} 个）：步数和最终模型由节点 0（{master}）报告",
    "log.distributed-cpu-shards": "distributed：{distributed} 只在 GPU 上分片（accelerate）；在 CPU 上每个进程都持有整个模型，"
                                  "和 ddp 一样",
    "log.examples-truncated": "{total} 条训练样本中有 {truncated} 条（{share:.1f}%）超过 max_length={max_length}，已被截断",
}
