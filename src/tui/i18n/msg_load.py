"""What chat says when a model cannot answer (`load.*`), in Chinese; the English is the engine's registry
(engine/load_messages.py). docs/messages.md shows both side by side."""
from engine.messages import templates

EN = templates("load")
ZH = {
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
