"""The advisor's reasons (`advice.<rule>[.<variant>]`) and the parts they are built from (`advice.part.*`,
`advice.wd.*`, `advice.azure.*`) in Chinese; the English is the engine's registry (engine/advice_rules.py,
engine/advice_messages.py). docs/messages.md shows both side by side."""
from engine.messages import templates

EN = templates("advice")
ZH = {
    "advice.knowledge-goal": "你的目标是让模型从文档中获得新知识：请用检索增强（RAG），不要微调。微调改变的是模型怎么写，"
                             "而不是它能可靠地知道什么（指南 B4.1）。",
    "advice.no-reliable-facts": "微调不能让法律结论、诊断或记住的事实变得可靠（指南 B4.2）；检索能让模型直接引用原文。",
    "advice.domain-corpus": "原始的领域语料（新词汇或新语言）适合继续预训练：在原始文本上训练全部权重。"
                            "它是所有方法中最耗显存的。",
    "advice.domain-pairs": "领域目标，数据是问答对而不是原始文本：在这些问答对上做有监督微调。",
    "advice.preference-dpo": "让模型更偏好回答 A 而不是 B 是偏好训练：在你的 chosen/rejected 对上做 DPO（TRL 的 DPOTrainer，"
                             "beta {beta}）。它训练一个适配器，参照模型就是关掉适配器的同一个基座，所以不会加载第二份模型。",
    "advice.preference-needs-pairs": "偏好训练从成对数据中学习：每个提示有一个被选中的回答和一个被拒绝的回答。你的数据只有单个回答，"
                                     "所以请收集成对数据（例如每个提示采样两次，标出较好的那个），或者先做有监督微调；"
                                     "下面的方案就是这个微调。",
    "advice.preference-sft-first": "{model} 是基座模型：DPO 在已经能答好的模型上效果最好，所以先用示范数据做有监督微调（SFT），"
                                   "再从那个适配器开始 DPO（dpo.from_adapter），或者换一个指令模型。",
    "advice.few-examples": "{examples} 条样本低于微调通常需要的约 {few} 条干净样本（指南 B4.5）：请收集更多数据，"
                           "或预期变化不大。保留一个验证集来观察效果。",
    "advice.openai-minimum": "OpenAI 要求至少 {minimum} 条训练样本；你只有 {examples} 条，所以不走这条路。",
    "advice.short-texts": "约 {tokens} 个 token 的回答是标签而不是文本：分类模型（例如微调过的 BERT 类编码器）更便宜、更快，"
                          "通常也更准（指南 B4.4）。",
    "advice.forgetting": "{epochs} 轮并保留验证集：在小数据上训练太久会过拟合，并忘掉模型原来会的东西（指南 B4.6）。",
    "advice.own-weights": "你需要拥有权重，所以不走 OpenAI：ft: 模型只存在于 OpenAI 的服务器上。",
    "advice.openai-closed": "OpenAI 已于 {date} 对所有组织停止接受新的微调任务。你已有的微调模型仍可调用：gpt-4o/gpt-4.1 "
                            "系列到 {shut_down}（还有 {days} 天），其他模型到其基座模型退役为止。",
    "advice.openai-closed.shut": "OpenAI 已于 {date} 对所有组织停止接受新的微调任务，gpt-4o/gpt-4.1 的微调模型已于 {shut_down} "
                                 "停止服务；其他微调模型可用到其基座模型退役为止。",
    "advice.openai-path": "你的数据可以发给 OpenAI，而且你还能在那里创建任务：微调 {model} 最省事（不需要 GPU）。",
    "advice.openai-wind-down": "{wind_down}之后仍需继续工作的东西，需要一个你拥有权重的开放模型。",
    "advice.openai-wind-down.open-path": "走 OpenAI 最省事，但权重不归你，而且：{wind_down}",
    "advice.openai-eligibility": "只有在你的组织以前在 OpenAI 上微调过、并且过去 {days} 天内调用过微调模型时才行"
                                 "（OpenAI 自 {inactive_since} 起的规则）；其他组织创建任务时会收到 403 {error}。",
    "advice.openai-eligibility.never-fine-tuned": "只有在你的组织以前在 OpenAI 上微调过时才行（OpenAI 自 {never_since} 起的规则；"
                                                  "自 {inactive_since} 起还必须在过去 {days} 天内调用过微调模型）；"
                                                  "其他组织创建任务时会收到 403 {error}。",
    "advice.openai-azure": "Azure OpenAI 的现有客户可以在那里微调，按 Azure 自己的时间表。{schedule}",
    "advice.open-alternative": "无论 OpenAI 是否允许，你都可以用同一个文件训练开放模型：tunewiz 能读取 OpenAI JSONL"
                               "（`tunewiz lint FILE` 检查，`tunewiz train` 训练），权重归你所有。",
    "advice.openai-cost": "训练约需 ${cost:,.2f}：{tokens:,} 个 token × {epochs} 轮 × ${price:.2f}/百万 token"
                          "（{as_of} 的价格；请查看定价页面）。",
    "advice.openai-example-limit": "样本平均 {avg_tokens} 个 token，但 {model} 每条样本最多接受 {limit} 个。",
    "advice.no-gpu": "没有可用于训练的 GPU：{note}。",
    "advice.gpu-busy": "{gpu} 的 {total:.1f} GB 中只有 {free:.1f} GB 空闲（其余被其他进程占用）：按空闲的部分来规划。",
    "advice.no-bf16": "{gpu} 不支持 bf16（计算能力 {major}.{minor}）：训练以 fp16 运行，只有适配器（LoRA/QLoRA）能可靠训练。",
    "advice.cpt-needs-bf16": "继续预训练会更新每个权重，需要 bf16；改为在原始文本上做 LoRA。",
    "advice.rent-gpu": "要训练 {model}，请租一张至少 {size} GB 的 GPU：{method} 在 max_length {max_length}、batch 1 "
                       "并打开梯度检查点时需要 {need:.1f} GB。",
    "advice.cpu-demo": "同时，内置的演示模型（SmolLM2-135M-Instruct）可以在这台 CPU 上训练 LoRA（{cores} 核，约需 "
                       "{need:.1f} GB 内存），走完整个流程。它用来展示流程，太小，达不到生产质量。",
    "advice.cpu-demo.dpo": "同时，内置的演示模型（SmolLM2-135M-Instruct）可以在这台 CPU 上用 LoRA 做 DPO（{cores} 核，约需 "
                           "{need:.1f} GB 内存），用你的成对数据走完整个流程。它用来展示流程，太小，达不到生产质量。",
    "advice.cpu-demo.with-time": "同时，内置的演示模型（SmolLM2-135M-Instruct）可以在这台 CPU 上训练 LoRA（{cores} 核，约需 "
                                 "{need:.1f} GB 内存），走完整个流程；你的数据约需 {duration}，速度约 {tokens_per_s} "
                                 "token/秒（2 核 CPU）。它用来展示流程，太小，达不到生产质量。",
    "advice.low-ram": "即使是演示模型也需要 {need:.1f} GB 内存；目前空闲 {ram:.1f} GB。",
    "advice.memory-fit": "用 {method} 训练 {model} 需要 {need:.1f} GB（max_length {max_length}，batch {batch}，{checkpointing}），"
                         "可用 {vram:.0f} GB：还剩 {spare:.1f} GB。",
    "advice.memory-fit.skipped": "用 {method} 训练 {model} 需要 {need:.1f} GB（max_length {max_length}，batch {batch}，"
                                 "{checkpointing}），可用 {vram:.0f} GB：还剩 {spare:.1f} GB（{skipped}）。",
    "advice.multi-gpu-shard": "用 {method} 训练 {model} 需要 {single:.1f} GB，一张 {gpu}（{vram:.0f} GB）放不下。{mode} 在 {n} 张 GPU "
                              "之间切分{divided}：每张 GPU {need:.1f} GB（max_length {max_length}，每张 GPU batch {batch}，"
                              "{checkpointing}），每张还剩 {spare:.1f} GB。",
    "advice.multi-gpu-shard.lighter": "用 {method} 训练 {model} 需要 {single:.1f} GB，一张 {gpu}（{vram:.0f} GB）放不下；单张 GPU "
                                      "只能改用 {lighter}。{mode} 在 {n} 张 GPU 之间切分{divided}：每张 GPU {need:.1f} GB"
                                      "（max_length {max_length}，每张 GPU batch {batch}，{checkpointing}），"
                                      "每张还剩 {spare:.1f} GB。",
    "advice.multi-gpu-ddp": "{n} 张 GPU 用 DDP 一起训练：每张都放一整份（{need:.1f} GB，和单卡一样），所以只有速度提升，"
                            "每步处理的样本约为 {n} 倍；grad_accum {grad_accum} 让有效 batch 保持在 {effective} 左右。",
    "advice.gradient-checkpointing": "梯度检查点已打开：反向传播时重新计算激活值（约慢 30%），让一步训练放得进显存。",
    "advice.cpt-too-big": "{model} 的继续预训练：{why_not}。在原始文本上做 {method} 能更省地适配模型"
                          "（记住的新知识比训练全部权重少）。",
    "advice.smaller-model": "{model} 放不进 {gpu}（{vram:.1f} GB）：{why_not}。{smaller} 可以。",
    "advice.smaller-model.with-note": "{model} 放不进 {gpu}（{vram:.1f} GB）：{why_not}。{smaller} 可以。（{note}。）",
    "advice.too-small-gpu": "目录中没有模型能在这个长度（{max_length} 个 token）下放进 {vram:.1f} GB：{why_not}。",
    "advice.todays-default": "默认模型是 {model}：指南首选（Qwen）的当代版本，Apache-2.0 许可，中英文都强。指南里的模型"
                             "（Qwen2.5、GLM4、Baichuan2、Llama-3）仍可用 --model 选择；下面的备选说明何时仍值得选它们。",
    "advice.trust-remote-code": "{model} 会运行来自 Hub 的自带 Python 代码：请先阅读，再在配置中设置 "
                                "`trust_remote_code: true`（tunewiz 从不替你设置）。",
    "advice.gated-model": "{model} 需要授权：请先在 huggingface.co 上接受其许可并登录（`hf auth login`），再训练。",
    "advice.license": "{model} 的许可证：{license}。",
    "advice.alt.classifier": "分类模型：把一个小的编码器（例如 bert-base-chinese / xlm-roberta）微调成分类器",
    "advice.alt.rag-style": "风格 + 事实：用微调（LoRA）学语气和格式，事实仍放在 RAG 里",
    "advice.alt.deepspeed": "deepspeed：ZeRO-3 切分同样的状态（distributed: deepspeed，deepspeed_stage: 3；"
                            "需要自己安装 deepspeed）",
    "advice.alt.openai": "openai：{model} 最省事，但{wind_down}",
    "advice.alt.own-weights": "拥有权重：租一张 {size} GB 的 GPU，在 {model} 上运行 {method}（需要 {need:.1f} GB）",
    "advice.alt.rent": "租一张 {size} GB 的 GPU：在 {model} 上做 {method}",
    "advice.alt.full-dpo": "全量 DPO（dpo.tuning: full）训练每个权重，并保留一份冻结的参照副本：batch 1 时需要 {need:.0f} GB",
    "advice.next.rag-chunks": "把文档切成约 300-800 个 token 的块，块之间有些重叠，并保留标题和来源 id。",
    "advice.next.rag-embed": "用多语言嵌入模型为这些块生成向量（例如中英文都适用的 BAAI/bge-m3）。",
    "advice.next.rag-index": "把它们存进向量索引（FAISS、Chroma、pgvector），每个问题检索前 3-8 个块。",
    "advice.next.rag-prompt": "把检索到的块放进提示，要求模型只根据它们回答，并注明来源。",
    "advice.next.rag-measure": "写 30-50 个有已知答案的真实问题，衡量检索命中率和回答准确率。",
    "advice.next.rag-style": "如果语气或格式仍然不对，之后再为风格做微调：`tunewiz advise --goal style`。",
    "advice.next.lint": "tunewiz lint {data}",
    "advice.next.lint-model": "tunewiz lint {data} --model {model}",
    "advice.next.lint-pairs": "tunewiz lint {data} --model {model}（chosen/rejected 成对数据）",
    "advice.next.lint-openai": "tunewiz lint {data} --target openai --model {model}（OpenAI 的规则、token 数、费用）",
    "advice.next.config": "把这些设置和 `data: {data}` 写进 CONFIG.yaml，然后运行 tunewiz train CONFIG.yaml",
    "advice.next.config-detach": "把这些设置和 `data: {data}` 写进 CONFIG.yaml，然后运行 tunewiz train CONFIG.yaml --detach",
    "advice.next.openai-before": "在 {date} 之前创建微调任务",
    "advice.next.openai-403": "如果因 403 training_not_available 失败：{refused}",
    "advice.alt.guide.qwen2.5": "{model}：指南的首选；没有思考模式，所以不用处理推理过程",
    "advice.alt.guide.glm4": "{model}：指南里的 GLM4（远程代码）；THUDM/GLM-4-9B-0414 是它的原生后继",
    "advice.alt.guide.baichuan2": "{model}：指南里的 Baichuan2（远程代码，4k 上下文）",
    "advice.alt.guide.llama3": "{model}：指南里的 Llama-3，以英文为主（需授权）",
    "advice.part.method.full": "全参数 SFT",
    "advice.part.method.lora": "LoRA（16 位基座）",
    "advice.part.method.qlora": "QLoRA（4 位基座）",
    "advice.part.method.cpt": "继续预训练",
    "advice.part.method.dpo-lora": "DPO + LoRA（16 位基座）",
    "advice.part.method.dpo-qlora": "DPO + QLoRA（4 位基座）",
    "advice.part.method.dpo-full": "全部权重的 DPO",
    "advice.part.name.full": "全参数 SFT",
    "advice.part.name.lora": "LoRA",
    "advice.part.name.qlora": "QLoRA",
    "advice.part.name.cpt": "继续预训练",
    "advice.part.name.dpo-qlora": "DPO + QLoRA",
    "advice.part.checkpointing.on": "打开梯度检查点",
    "advice.part.checkpointing.off": "不用梯度检查点",
    "advice.part.would-need": "{method} 需要 {need:.1f} GB",
    "advice.part.why-not": "{method} 即使 batch 为 1 并打开梯度检查点也需要 {need:.1f} GB（> {vram:.0f} GB）",
    "advice.part.needs": "{method} 需要 {need:.1f} GB",
    "advice.part.lighter": "{method}，{need:.1f} GB",
    "advice.part.divides.all": "权重、梯度和优化器状态",
    "advice.part.divides.grads": "梯度和优化器状态",
    "advice.part.divides.nothing": "任何东西都不",
    "advice.part.none-detected": "没有检测到",
    "advice.part.minutes": "{minutes} 分钟",
    "advice.part.hours": "{hours:.1f} 小时",
    "advice.part.days": "{days:.0f} 天",
    "advice.wd.sentence": "OpenAI 正在关停自助微调（{notice} 的公告）：{facts}。",
    "advice.wd.never-since": "从未微调过的组织自 {date} 起不能创建任务",
    "advice.wd.never-from": "从未微调过的组织自 {date} 起将不能创建任务",
    "advice.wd.inactive-since": "自 {date} 起，过去 {days} 天内没有调用过微调模型的组织也被禁止",
    "advice.wd.inactive-from": "自 {date} 起，过去 {days} 天内没有调用过微调模型的组织也将被禁止",
    "advice.wd.jobs-end": "{date} 起所有人都不能创建新任务（还有 {days} 天）",
    "advice.wd.jobs-ended": "自 {date} 起所有人都不能创建新的微调任务",
    "advice.wd.model-shut": "{model} 及其微调模型已于 {date} 停止服务",
    "advice.wd.model-shut-ahead": "{model} 及其微调模型将于 {date} 停止服务（还有 {days} 天）",
    "advice.wd.shut-ahead": "gpt-4o/gpt-4.1 的微调模型将于 {date} 停止服务（还有 {days} 天）；在此之前已有的微调模型仍可调用"
                            "（推理可持续到其基座模型退役）",
    "advice.wd.shut-past": "gpt-4o/gpt-4.1 的微调模型已于 {date} 停止服务；其他微调模型可用到其基座模型退役为止",
    "advice.azure.azure-ft-open": "Azure OpenAI：现有客户的 {models} 微调至少可用到 {training_until}（还有 {days} 天），"
                                  "其微调部署可运行到 {deployments_until}（Azure 退役页面，截至 {as_of}）。",
    "advice.azure.azure-ft-training-may-have-ended": "Azure OpenAI：{models} 的微调可能自 {training_until} 起结束"
                                                     "（Azure 退役页面，截至 {as_of}），请确认是否还能训练；"
                                                     "其微调部署可运行到 {deployments_until}。",
}
