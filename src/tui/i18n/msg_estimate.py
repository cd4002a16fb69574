"""What the memory estimator notes beside its number (`estimate.*`, parts `estimate.part.*`), in Chinese; the
English is the engine's registry (engine/estimate_messages.py). docs/messages.md shows both side by side."""
from engine.messages import templates

EN = templates("estimate")
ZH = {
    "estimate.qlora-fp32-kept": "QLoRA 把{kept}保留为 fp32（{size:.2f} GB），因为 prepare_model_for_kbit_training 会把它们"
                                "升为 fp32；用 bf16 只占一半",
    "estimate.part.kept": "嵌入层和 lm_head",
    "estimate.part.kept-moe": "嵌入层、lm_head 和堆叠的专家",
    "estimate.qlora-moe-unquantised": "bitsandbytes 只量化 nn.Linear 层：这个模型的专家是堆叠的参数，所以 QLoRA 不量化它们"
                                      "（它的大部分权重）",
    "estimate.hybrid": "混合注意力：{layers} 个块中有 {linear} 个使用 Gated DeltaNet 线性注意力（内存随长度线性增长，没有 KV "
                       "缓存）；它们的激活是按 flash-linear-attention 的内核估算的，未经实测{cpu}",
    "estimate.part.hybrid-cpu": "；在 CPU 上 transformers 的 PyTorch 回退实现占用更多（约两倍，在一个很小的模型上实测）",
    "estimate.moe-dropout": "peft 不接受在专家堆叠上使用 lora_dropout > 0（它的 ParamWrapper）：请把 lora.dropout 设为 0，"
                            "或只把注意力层作为目标",
    "estimate.moe-merged": "专家上的 LoRA：peft 在每次前向时把每个块的专家堆叠与其适配器合并（每块 {size:.2f} GB，为反向保留"
                           "{how}",
    "estimate.part.merged-checkpointing": "，开启梯度检查点时一次一个块）",
    "estimate.part.merged-all": "，不开梯度检查点时全部 {layers} 个专家块）",
    "estimate.sharded": "{sharding} 分布在 {world_size} 个进程上：每个进程持有 1/{world_size} 的权重、梯度和优化器状态，"
                        "另加正在计算的块所收集的 {gathered:.2f} GB 权重",
    "estimate.zero2": "ZeRO-2 分布在 {world_size} 个进程上：每个进程持有 1/{world_size} 的梯度和优化器状态，以及全部权重",
    "estimate.dpo-frozen-adapter": "DPO 参考模型：基座加上它起步时那个 SFT 适配器的冻结副本（{size:.2f} GB；基座没有第二份副本）",
    "estimate.dpo-adapter-off": "DPO 参考模型：同一份权重，关闭适配器（没有第二份副本）",
    "estimate.dpo-frozen-copy": "DPO 参考模型：模型的一份冻结的 {dtype} 副本（{size:.1f} GB，没有梯度和优化器状态）",
    "estimate.dpo-pairs": "DPO：每步 {pairs} 对 = {batch} 条序列（chosen 和 rejected 一起）",
    "estimate.seq-too-long": "seq_len {seq_len} 超过了模型的上下文长度（{context}）",
    "estimate.paged": "GPU 满时，分页的优化器状态可以移到 CPU 内存（更慢，但不会显存不足）",
    "estimate.cpu-checkpointing": "在 CPU 上开启梯度检查点时，峰值 RSS 可达本估算的 1.4-2.5 倍（glibc 保留已释放的内存）；"
                                  "在那里检查点省不了多少内存",
    "estimate.fp16-full": "在 HF Trainer 中对 fp16 权重做全量微调会失败（它无法对 fp16 梯度做 unscale）；请在 Ampere 或更新的"
                          " GPU 上用 bf16，或用 fp32",
    "estimate.qlora-cpu-fp32": "QLoRA 在这里（CPU）用 fp32 计算；在 GPU 上用 bf16 计算",
    "estimate.verdict.needs": "{where}约需 {total:.1f} GB",
    "estimate.part.of-ram": "内存",
    "estimate.part.on-one-gpu": "单块 GPU 上",
    "estimate.verdict.fits": "放得进 {vram:g} GB，还剩 {margin:.1f} GB（占用 {used:.0%}）",
    "estimate.verdict.fits-paging": "只有把 {paged:.1f} GB 优化器状态换页到 CPU 内存才放得进 {vram:g} GB（较慢）",
    "estimate.verdict.no-fit": "放不进 {vram:g} GB：需要 {total:.1f} GB（超出 {over:.1f} GB）；{tips}",
    "estimate.part.tips-one": "{first}",
    "estimate.part.tips-two": "{first}，或{second}",
    "estimate.part.tip-checkpointing": "打开梯度检查点",
    "estimate.part.tip-batch": "批大小用 1，加大梯度累积",
    "estimate.part.tip-full": "改用 LoRA",
    "estimate.part.tip-cpt": "在原始文本上改用 LoRA",
    "estimate.part.tip-lora": "改用 QLoRA",
    "estimate.part.tip-qlora": "缩短 --seq-len 或换更小的模型",
    "estimate.spec-context": "config.json 给出的上下文长度是 {context:.3g} 个 token，没有模型有这么长；按 4096 估算",
    "estimate.spec-type": "model_type '{model_type}' 没有精确建模；按 Llama 式解码器估算",
    "estimate.spec-moe": "混合专家模型 model_type '{model_type}' 按 Qwen3-MoE 的结构估算（每个块都有路由器和堆叠的专家）",
    "estimate.spec-linear": "{layers} 层中有 {linear} 层使用线性注意力（Gated DeltaNet），其结构 tunewiz 没有为 model_type "
                            "'{model_type}' 建模：按每层都用完整注意力估算",
    "estimate.spec-linear-some": "{layers} 层中有一些使用线性注意力（Gated DeltaNet），其结构 tunewiz 没有为 model_type "
                                 "'{model_type}' 建模：按每层都用完整注意力估算",
    "estimate.term.weights": "加载后的基座模型（bf16；QLoRA 为 NF4）",
    "estimate.term.lora_params": "LoRA 适配器矩阵（fp32，另加 autocast 的 bf16 副本）",
    "estimate.term.gradients": "每个可训练参数一个梯度",
    "estimate.term.optimizer": "AdamW 为每个可训练参数保存的两个矩估计",
    "estimate.term.activations": "前向传播为反向传播保留的张量",
    "estimate.term.logits": "词表投影和损失",
    "estimate.term.cuda_overhead": "CUDA 上下文和显存分配器碎片",
    "estimate.term.runtime_overhead": "导入 torch 后的 Python 进程，以及 malloc 没有归还的内存（CPU）",
    "estimate.term.reference": "DPO 的参考模型：全参数 DPO 是一份冻结的 16 位副本；用适配器时是同一份权重关闭适配器（没有第二份副本），"
                               "或加上它起步时那个 SFT 适配器的冻结副本",
}
