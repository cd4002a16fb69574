"""What chat says when a model cannot answer (`load.*`), in Chinese; the English is the engine's registry
(engine/load_messages.py). docs/messages.md shows both side by side."""
from engine.messages import templates

EN = templates("load")
ZH = {
    "load.config-unreadable": "读不了 {path}：{error}",
    "load.config-unreadable.advice": "运行目录已损坏；请选择另一个运行。",
    "load.config-not-mapping": "{path} 里不是键值映射",
    "load.config-not-mapping.advice": "运行目录已损坏；请选择另一个运行。",
    "load.no-checkpoint": "运行 {run} 没有检查点 '{checkpoint}'（查找的是 {folder}）。",
    "load.no-checkpoint.advice": "这个运行的检查点：{listed}。",
    "load.no-checkpoint-none": "运行 {run} 没有检查点 '{checkpoint}'（查找的是 {folder}）。",
    "load.no-checkpoint-none.advice": "这个运行还没有任何检查点。",
    "load.no-adapter-weights": "{weights} 里没有适配器权重。",
    "load.no-adapter-weights.advice": "请选择另一个检查点，或最终权重（不加 --checkpoint）。",
    "load.no-model-weights": "{weights} 里没有模型权重。",
    "load.no-model-weights.advice": "请选择另一个检查点，或最终权重（不加 --checkpoint）。",
    "load.not-a-run": "{path} 不是运行目录（没有 {config}）。",
    "load.not-a-run.advice": "请给出 `tunewiz runs` 中的运行名，或 runs/ 下某个目录的路径。",
    "load.demo-missing": "运行 {run} 的基座是演示模型，但它没有安装。",
    "load.demo-missing.advice": "{detail}",
    "load.base-not-found": "找不到运行 {run} 的基座模型。查找过：\n{where}",
    "load.base-not-found.advice": "请指向基座模型目录：`tunewiz chat RUN --base /path/to/model`（在应用中：设置 → 基座模型路径）。"
                                  "它必须是训练这个运行时用的模型。",
    "load.part.looked-missing": "  - {path}（{source}）：不存在",
    "load.part.looked-no-config": "  - {path}（{source}）：那里没有 config.json",
    "load.remote-code": "{source} 需要运行它自带的 Python 代码，而这个运行的 trust_remote_code 是关闭的。",
    "load.remote-code.advice": "先阅读那段代码，再在运行的 config.yaml 中设置 trust_remote_code: true。",
    "load.cannot-load": "无法加载 {source}：{error}",
    "load.cannot-load.advice": "请检查路径或 hub id（离线时：先下载模型，再用 `tunewiz chat RUN --base /path/to/model` 指定"
                               "它的目录；在应用中：设置 → 基座模型路径）。它取自 {base_source}。",
    "load.cannot-load-model": "无法加载模型 {source}：{error}",
    "load.cannot-load-model.advice": "请检查路径或 hub id（离线时：先下载模型，再用 `tunewiz chat RUN --base /path/to/model` "
                                     "指定它的目录；在应用中：设置 → 基座模型路径）。它取自 {base_source}。",
    "load.cannot-load-tokenizer": "无法加载 {source} 的分词器：{error}",
    "load.cannot-load-tokenizer.advice": "请检查路径或 hub id（离线时：先下载模型，再用 `tunewiz chat RUN --base "
                                         "/path/to/model` 指定它的目录；在应用中：设置 → 基座模型路径）。它取自 {base_source}。",
    "load.oom-loading": "加载 {source} 时内存不足。",
    "load.oom-loading.advice": "请关闭占用 GPU 的其他程序（是否有训练在运行？），或在 CPU 上对话。",
    "load.adapter-mismatch": "适配器 {weights} 与基座模型 {base} 不匹配：{error}",
    "load.adapter-mismatch.advice": "这个适配器是在 {trained_on} 上训练的（adapter_config.json）；请用 --base（设置 → 基座模型路径）"
                                    "指向那个模型。",
    "load.adapter-mismatch-unknown": "适配器 {weights} 与基座模型 {base} 不匹配：{error}",
    "load.adapter-mismatch-unknown.advice": "这个适配器是在另一个模型上训练的（adapter_config.json）；请用 --base（设置 → "
                                            "基座模型路径）指向那个模型。",
    "load.adapter-layers-missing": "适配器 {weights} 与基座模型 {base} 不匹配：基座的 LoRA 层中有 {missing} 个在适配器里没有权重"
                                   "（例如 {example}）。",
    "load.adapter-layers-missing.advice": "这个适配器是在 {trained_on} 上训练的（adapter_config.json）；请用 --base（设置 → "
                                          "基座模型路径）指向那个模型。",
    "load.adapter-layers-missing-unknown": "适配器 {weights} 与基座模型 {base} 不匹配：基座的 LoRA 层中有 {missing} 个在适配器里"
                                           "没有权重（例如 {example}）。",
    "load.adapter-layers-missing-unknown.advice": "这个适配器是在另一个模型上训练的（adapter_config.json）；请用 --base（设置 → "
                                                  "基座模型路径）指向那个模型。",
    "load.template-rejected": "模型的对话模板拒绝了这段对话：{error}",
    "load.template-rejected.advice": "请清空对话；如果还不行，说明这个模板要求 user/assistant 轮流出现。",
    "load.context": "这段对话有 {tokens} 个 token；这个模型最多读 {context} 个。",
    "load.context.advice": "请清空对话，或缩短提示词或系统提示词。",
    "load.not-loaded": "模型还没有加载。",
    "load.not-loaded.advice": "请等加载完成，或选择一个训练任务。",
    "load.oom-generating": "在 {device} 上生成时内存不足。",
    "load.oom-generating.advice": "请调低最大新 token 数、清空对话，或腾出 GPU（是否有训练在运行？）。",
    "load.generation-failed": "生成失败：{error}",
    "load.generation-failed.advice": "请清空对话后重试；详情见日志。",
    "load.no-key-azure": "没有设置 {key_env}，而 Azure OpenAI 需要 API 密钥。",
    "load.no-key-azure.advice": "在启动 tunewiz 的 shell 里导出它：export {key_env}=...（tunewiz 从环境变量读取，从不保存）。",
    "load.no-key-openai": "没有设置 {key_env}，而 OpenAI 需要 API 密钥。",
    "load.no-key-openai.advice": "在启动 tunewiz 的 shell 里导出它：export {key_env}=sk-...（tunewiz 从环境变量读取，从不保存）。",
    "load.endpoint-incomplete": "端点设置不完整：{problems}",
    "load.endpoint-incomplete.advice": "请在设置中补全（或用 --model / --base-url 选项）。",
    "load.timeout": "{where} 在 {timeout:g} 秒内没有回答（超时）。",
    "load.timeout.advice": "请检查服务是否在运行、是否过载，或调大超时时间（设置，或 --timeout）。",
    "load.no-connection": "无法连接 {where}：{error}。",
    "load.no-connection.advice": "服务在运行吗？base URL 对吗？vLLM：`vllm serve MODEL` → http://localhost:8000/v1；"
                                 "Ollama → http://localhost:11434/v1；llama.cpp → http://localhost:8080/v1。",
    "load.refused-401": "{where} 拒绝了请求：API 密钥不被接受（401）。{text}",
    "load.refused-401.advice": "请在环境变量 {key_env} 中设置这个端点有效的密钥。",
    "load.refused-403": "{where} 拒绝了请求（403 禁止访问）。{text}",
    "load.refused-403.advice": "这个密钥无权访问该模型；请检查组织或项目。",
    "load.no-model": "{where} 没有模型 '{model}'（404）。{text}",
    "load.no-model.advice": "请检查模型名：OpenAI 微调模型用任务的 fine_tuned_model（ft:…）；vLLM 用 --served-model-name。",
    "load.rate-limited": "{where} 拒绝了请求：达到速率限制或配额（429）。{text}",
    "load.rate-limited.advice": "请稍等再试，或检查账户配额。",
    "load.remote-context": "这段对话超过了 {model} 的上下文长度。{text}",
    "load.remote-context.advice": "请清空对话，或缩短提示词或系统提示词。",
    "load.server-error": "{where} 出现服务器错误（{status}）。{text}",
    "load.server-error.advice": "请重试；如果一直出错，请查看服务器日志。",
    "load.refused": "{where} 拒绝了请求（{status}）。{text}",
    "load.refused.advice": "请检查模型名和采样设置。",
    "load.request-failed": "对 {where} 的请求失败：{error}",
    "load.request-failed.advice": "请重试；检查端点设置。",
}
