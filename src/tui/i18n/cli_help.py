"""`tunewiz --help` in Chinese: each help text as declared in English (the key, as gettext keys by it) -> its
translation. tests/test_cli_help_zh.py checks that every help text of every command has one and that none is
left over; tui.cli loads this table only when the help is to be shown in Chinese (--lang zh, $TUNEWIZ_LANG, the
locale)."""
from __future__ import annotations

# The framework's own words (tui/clikit.py FRAMEWORK_TEXTS, tui/cli_args.py TEXTS), then each command's texts, in
# `tunewiz --help`'s order.
HELP_ZH: dict[str, str] = {
    'show this help message and exit':
        '显示此帮助并退出',
    'positional arguments':
        '参数',
    'options':
        '选项',
    'commands':
        '命令',
    '(default: {default})':
        '（默认：{default}）',
    'Not {flag}.':
        '与 {flag} 相反。',
    # usage errors (clikit.ARGPARSE_ERRORS, its BadParameter texts) and tui/cli_args.py's
    'Error: {message}':
        '错误：{message}',
    "Try '{prog} --help' for help.":
        "用 '{prog} --help' 查看帮助。",
    '{value} is not a number.':
        '{value} 不是数字。',
    '{value} is less than {low}.':
        '{value} 小于 {low}。',
    '{value} is not a finite number.':
        '{value} 不是有限的数。',
    'the following arguments are required: {names}':
        '缺少必需的参数：{names}',
    'unrecognized arguments: {words}':
        '无法识别的参数：{words}',
    'argument {name}: invalid choice: {value} (choose from {choices})':
        '参数 {name}：无效的选择 {value}（可选：{choices}）',
    'argument {name}: expected one argument':
        '参数 {name}：需要一个值',
    'argument {name}: invalid {kind} value: {value}':
        '参数 {name}：无效的 {kind} 值 {value}',
    'argument {name}: {problem}':
        '参数 {name}：{problem}',
    '{value} is not a whole number.':
        '{value} 不是整数。',
    '{value} is more than {high}.':
        '{value} 大于 {high}。',
    'a {digits}-digit number':
        '一个 {digits} 位的数',
    'a negative {digits}-digit number':
        '一个 {digits} 位的负数',
    "From 'should I fine-tune at all?' to a tested LLM adapter, in the terminal. Run without a command to open the app.":
        '从“该不该微调？”到一个测试过的 LLM 适配器，全在终端里完成。不带命令运行即打开应用。',
    'en or zh (default: $TUNEWIZ_LANG, else the locale).':
        'en 或 zh（默认：$TUNEWIZ_LANG，否则按系统区域设置）。',
    'Where runs live (default: $TUNEWIZ_RUNS_DIR or ./runs).':
        '运行目录所在位置（默认：$TUNEWIZ_RUNS_DIR 或 ./runs）。',
    'Which path (RAG, OpenAI or an open model), method, model and settings fit your goal and GPU.':
        '哪条路（RAG、OpenAI 还是开源模型）、哪种方法、哪个模型和哪些设置适合你的目标和 GPU。',
    'knowledge (facts from documents) | style (tone, format) | task (a narrow task, structured output, tools) | domain (raw domain text, new vocabulary) | preference (prefer answer A over B: DPO on chosen/rejected pairs)':
        'knowledge（文档里的事实）| style（语气、格式）| task（窄任务、结构化输出、工具调用）| domain（原始领域文本、新词汇）| preference（更偏好回答 A 而不是 B：在 chosen/rejected 对上做 DPO）',
    'Preference goal: the data is chosen/rejected pairs (default: assumed); --no-pairs: single answers only.':
        '偏好目标：数据是 chosen/rejected 对（默认：按是处理）；--no-pairs：只有单个回答。',
    'How many clean training examples you have.':
        '你有多少条干净的训练样本。',
    'Average tokens per example.':
        '每条样本的平均 token 数。',
    'Average tokens per answer (labels: 1-3).':
        '每个回答的平均 token 数（标签：1-3）。',
    'The data may go to OpenAI and your organisation can still create fine-tuning jobs there.':
        '数据可以发给 OpenAI，且你的组织仍可在那里创建微调任务。',
    'You must own/self-host the tuned weights.':
        '你必须拥有或自行托管微调后的权重。',
    'Domain goal: raw text (continual pretraining) or question/answer pairs.':
        '领域目标：原始文本（继续预训练）还是问答对。',
    'Assume one GPU with this much memory (GB) instead of detecting; 0 = no GPU.':
        '假定只有一块显存为这么多 GB 的 GPU，不做检测；0 = 没有 GPU。',
    'The model you want (catalog id, local folder or hub id). Default: Qwen/Qwen2.5-7B-Instruct.':
        '你想用的模型（目录 id、本地文件夹或 hub id）。默认：Qwen/Qwen2.5-7B-Instruct。',
    'GPUs to train on together (like the largest one). Default: every detected GPU; 1 with --vram-gb.':
        '一起训练的 GPU 数（按最大的那块计）。默认：检测到的全部 GPU；给了 --vram-gb 时为 1。',
    'How GPUs divide a model one cannot hold: fsdp (default), zero3 or zero2; ddp never divides it.':
        '单卡放不下模型时 GPU 之间怎么切分：fsdp（默认）、zero3 或 zero2；ddp 从不切分。',
    'Print one JSON object.':
        '输出一个 JSON 对象。',
    "Chat with a run's tuned adapter (and its base with --compare), or with an OpenAI-compatible endpoint.":
        '与某次运行微调出的适配器对话（加 --compare 同时与基座模型对话），或与 OpenAI 兼容的端点对话。',
    'Run name or folder (see `tunewiz runs`).':
        '运行名或文件夹（见 `tunewiz runs`）。',
    "Answer this one prompt and exit ('-' reads stdin). Without it: an interactive chat.":
        "只回答这一个提示词然后退出（'-' 从标准输入读取）。不给则进入交互式对话。",
    'Answer as the base (adapter off) and as the tuned model.':
        '分别以基座模型（关闭适配器）和微调后的模型回答。',
    'With --prompt: print one JSON object ({"base": ..., "tuned": ...} with --compare).':
        '与 --prompt 一起：输出一个 JSON 对象（加 --compare 时为 {"base": ..., "tuned": ...}）。',
    'System prompt.':
        '系统提示词。',
    '0 = greedy (deterministic).':
        '0 = 贪心解码（结果确定）。',
    'Nucleus sampling threshold (0-1].':
        '核采样阈值 (0-1]。',
    'Longest answer, in tokens.':
        '回答的最大长度（token 数）。',
    'Sampling seed (default: a new one per prompt, shared by both sides).':
        '采样种子（默认：每个提示词取一个新的，两边共用）。',
    "The base model folder or hub id, when the run's recorded base has moved.":
        '运行记录的基座模型被移走时，基座模型的文件夹或 hub id。',
    'Chat with checkpoint N (or its folder) instead of the final adapter.':
        '与第 N 个检查点（或其文件夹）对话，而不是最终的适配器。',
    "An OpenAI-compatible endpoint's model instead of a run, e.g. ft:gpt-4o-mini-2024-07-18:org::id.":
        '用 OpenAI 兼容端点上的模型代替某次运行，例如 ft:gpt-4o-mini-2024-07-18:org::id。',
    'Endpoint URL, e.g. http://localhost:8000/v1 (vLLM). Default: OpenAI.':
        '端点 URL，例如 http://localhost:8000/v1（vLLM）。默认：OpenAI。',
    "With --model --compare: the endpoint's base model to compare with.":
        '与 --model --compare 一起：端点上用来对比的基座模型。',
    "Environment variable holding the endpoint's API key (never stored).":
        '存放端点 API 密钥的环境变量（密钥从不保存）。',
    'Seconds to wait for an endpoint.':
        '等待端点的秒数。',
    "Write the transcript (JSONL) into the run's transcripts/.":
        '把对话记录（JSONL）写入该运行的 transcripts/。',
    'Default: $TUNEWIZ_RUNS_DIR or ./runs':
        '默认：$TUNEWIZ_RUNS_DIR 或 ./runs',
    'Peak GPU memory of one training step per GPU, with the breakdown and whether it fits (exit 1 if not).':
        '每块 GPU 上一个训练步的峰值显存，附明细以及是否放得下（放不下时退出码为 1）。',
    'Catalog id or alias (e.g. Qwen/Qwen2.5-7B-Instruct, demo), a local model folder, or a hub id (its config.json only).':
        '目录 id 或别名（例如 Qwen/Qwen2.5-7B-Instruct、demo）、本地模型文件夹，或 hub id（只读其 config.json）。',
    'lora | qlora | full | cpt | dpo (dpo: preference pairs, trained as --dpo-tuning)':
        'lora | qlora | full | cpt | dpo（dpo：偏好对，按 --dpo-tuning 训练）',
    'With --method dpo: lora | qlora | full (full keeps a frozen reference copy; an adapter needs none).':
        '与 --method dpo 一起：lora | qlora | full（full 要保留一份冻结的参考模型；适配器不需要）。',
    'Tokens per example (max_length).':
        '每条样本的 token 数（max_length）。',
    'Examples per step on the GPU (batch_size).':
        '每块 GPU 每步的样本数（batch_size）。',
    'Recompute activations in backward to save memory.':
        '反向传播时重新计算激活值以节省显存。',
    'LoRA rank.':
        'LoRA 的秩。',
    'Comma-separated module names (default: every linear layer).':
        '逗号分隔的模块名（默认：每个线性层）。',
    'adamw | adamw_8bit | paged_adamw_8bit':
        'adamw | adamw_8bit | paged_adamw_8bit',
    'GPU memory to check against (GB). Default: the largest detected GPU.':
        '用来对照的 GPU 显存（GB）。默认：检测到的最大那块 GPU。',
    "Estimate for a plain transformers Trainer (full logits in memory), not tunewiz's trainer.":
        '按普通 transformers Trainer 估算（完整 logits 驻留显存），而不是 tunewiz 的训练器。',
    'GPUs training together, one process each (--batch is per GPU). Default: the detected GPUs; 1 with --vram-gb or without a GPU.':
        '一起训练的 GPU 数，每块一个进程（--batch 按每块 GPU 计）。默认：检测到的 GPU；给了 --vram-gb 或没有 GPU 时为 1。',
    'What the GPUs divide among them: ddp nothing (a whole copy each), zero2 gradients and optimizer states, zero3 and fsdp the weights too.':
        'GPU 之间切分什么：ddp 不切分（每块一整份），zero2 切分梯度和优化器状态，zero3 和 fsdp 连权重也切分。',
    "Export a run: --merge OUT (safetensors + tokenizer + chat template, loadable with\nAutoModelForCausalLM.from_pretrained(OUT)), --ollama OUT (that plus a Modelfile) or --gguf OUT.gguf\n(llama.cpp's converter, checked against the merged model).":
        '导出一次运行：--merge OUT（safetensors + 分词器 + 对话模板，可用\nAutoModelForCausalLM.from_pretrained(OUT) 加载）、--ollama OUT（再加一个 Modelfile）或 --gguf OUT.gguf\n（llama.cpp 的转换器，并与合并后的模型核对）。',
    'Merge the adapter into its base and write the standalone model to this new folder.':
        '把适配器合并进基座模型，并把独立的模型写入这个新文件夹。',
    "Write the merged model and an Ollama Modelfile (template and stops from the model's own chat template) to this new folder.":
        '把合并后的模型和一个 Ollama Modelfile（模板和停止词取自模型自己的对话模板）写入这个新文件夹。',
    "Write a GGUF file (llama.cpp's converter), e.g. exports/model-q8_0.gguf.":
        '写出一个 GGUF 文件（llama.cpp 的转换器），例如 exports/model-q8_0.gguf。',
    "With --gguf: f16 | bf16 | f32 | q8_0 (the converter's types); q4_k_m and other k-quants need llama-quantize.":
        '与 --gguf 一起：f16 | bf16 | f32 | q8_0（转换器支持的类型）；q4_k_m 等 k-quant 需要 llama-quantize。',
    'With --gguf: skip loading the file back and comparing answers.':
        '与 --gguf 一起：不再把文件加载回来比对回答。',
    "With --ollama: the model name in the printed `ollama create` command (default: OUT's name).":
        '与 --ollama 一起：打印出的 `ollama create` 命令里的模型名（默认：OUT 的名字）。',
    'Export checkpoint N instead of the final adapter.':
        '导出第 N 个检查点，而不是最终的适配器。',
    "auto (the base's own dtype; 16-bit for QLoRA) | bf16 | fp16 | fp32":
        'auto（基座模型自己的精度；QLoRA 为 16 位）| bf16 | fp16 | fp32',
    'Replace OUT when it is not empty.':
        'OUT 不为空时替换它。',
    'Print one JSON object describing the export.':
        '输出一个描述这次导出的 JSON 对象。',
    'Show the NVIDIA GPUs (through NVML), CPU cores and RAM that training can use.':
        '显示训练可用的 NVIDIA GPU（通过 NVML）、CPU 核数和内存。',
    'Check a dataset before spending GPU hours or API money: structure, quality, personal data, length, cost.':
        '在花 GPU 时间或 API 费用之前检查数据集：结构、质量、个人信息、长度、费用。',
    'Dataset file: JSONL, a JSON array, or .txt raw text.':
        '数据集文件：JSONL、JSON 数组，或 .txt 原始文本。',
    'Optional eval file: also checks train/eval overlap.':
        '可选的评估文件：同时检查训练集与评估集的重叠。',
    'auto | openai | alpaca | sharegpt | conversation | text; preference pairs: trl | sharegpt-pairs | alpaca-pairs | llamafactory-v1-pairs | openai-preference':
        'auto | openai | alpaca | sharegpt | conversation | text；偏好对：trl | sharegpt-pairs | alpaca-pairs | llamafactory-v1-pairs | openai-preference',
    "open (train locally) | openai (OpenAI's fine-tuning rules, tiktoken, cost)":
        'open（在本地训练）| openai（OpenAI 的微调规则、tiktoken、费用）',
    'Tokenizer to count with: demo (default), a local folder or hub id; with --target openai the OpenAI model (price and per-example limit).':
        '用来计数的分词器：demo（默认）、本地文件夹或 hub id；与 --target openai 一起时为 OpenAI 模型（价格和单条样本上限）。',
    'Report examples longer than this many tokens (truncated in training; at least 1).':
        '报告超过这么多 token 的样本（训练时会被截断；至少为 1）。',
    'Print one JSON object (file, format, rows, findings, stats).':
        '输出一个 JSON 对象（file、format、rows、findings、stats）。',
    'Write a cleaned copy to OUT and every removed row to OUT.rejected.jsonl.':
        '把清理后的副本写到 OUT，把每条被删除的行写到 OUT.rejected.jsonl。',
    'With --fix: convert to openai | alpaca | sharegpt.':
        '与 --fix 一起：转换为 openai | alpaca | sharegpt。',
    'Exit 1 on warnings too.':
        '有警告时也以退出码 1 结束。',
    'Do not load a tokenizer; use the labelled estimate (fastest).':
        '不加载分词器；使用标明为估算的计数（最快）。',
    'Processes for large JSONL files, 1-256 (default: one per CPU that other processes leave idle).':
        '大 JSONL 文件用的进程数，1-256（默认：其他进程空出的每个 CPU 一个）。',
    "List the model catalog: ids, sizes, context, licence, and OpenAI's fine-tunable models.":
        '列出模型目录：id、规模、上下文长度、许可证，以及 OpenAI 可微调的模型。',
    'Print one JSON list.':
        '输出一个 JSON 列表。',
    'Continue a stopped, failed or crashed run from its last checkpoint (the step count continues).':
        '从最后一个检查点继续一次已停止、失败或崩溃的运行（步数接着算）。',
    'Run directory or run name.':
        '运行目录或运行名。',
    'Return at once.':
        '立即返回。',
    'List runs with their state (running, completed, stopped, failed, oom, crashed).':
        '列出各次运行及其状态（running、completed、stopped、failed、oom、crashed）。',
    'One JSON array of runs.':
        '输出一个包含各次运行的 JSON 数组。',
    'Serve the app to a browser: one tunewiz per tab, on 127.0.0.1, behind a token printed once.\n\nFrom a laptop: ssh -L PORT:127.0.0.1:PORT USER@BOX, then open the printed URL there.':
        '在浏览器里提供应用：每个标签页一个 tunewiz，监听 127.0.0.1，凭只打印一次的令牌访问。\n\n从笔记本电脑：ssh -L PORT:127.0.0.1:PORT USER@BOX，然后在那里打开打印出的 URL。',
    'Port to listen on, 0-65535 (0: any free port).':
        '监听的端口，0-65535（0：任意空闲端口）。',
    'Address to listen on. Anything but this machine (127.0.0.1, ::1, localhost) also needs --allow-remote.':
        '监听的地址。除本机（127.0.0.1、::1、localhost）以外的地址都还需要 --allow-remote。',
    'Allow a --host other machines can reach (anyone with the token then drives tunewiz, which trains on this machine).':
        '允许其他机器能访问的 --host（此后任何持有令牌的人都能操作 tunewiz，而它在这台机器上训练）。',
    'en or zh for the app in the browser (default: tunewiz --lang, else $TUNEWIZ_LANG, else the locale).':
        '浏览器里应用的语言 en 或 zh（默认：tunewiz --lang，否则 $TUNEWIZ_LANG，否则按系统区域设置）。',
    'Default: tunewiz --runs-dir, else $TUNEWIZ_RUNS_DIR or ./runs':
        '默认：tunewiz --runs-dir，否则 $TUNEWIZ_RUNS_DIR 或 ./runs',
    'Stop a run gracefully: checkpoint first, then end as `stopped` (resumable).':
        '优雅地停止一次运行：先写检查点，再以 `stopped` 结束（可恢复）。',
    'Wait for the checkpoint and the end event.':
        '等待检查点和结束事件。',
    'Seconds to wait.':
        '等待的秒数。',
    'Train in a subprocess; prints the run directory as its last line.\n\nExit codes: 0 completed (or stopped, or --detach), 1 the run ended failed/oom/crashed, 2 refused before\nstarting: a bad config, a missing file, or a dataset with lint errors (see `tunewiz lint FILE`; --force).':
        '在子进程中训练；最后一行打印运行目录。\n\n退出码：0 完成（或已停止，或 --detach），1 运行以 failed/oom/crashed 结束，2 开始前被拒绝：\n配置有误、缺少文件，或数据集有 lint 错误（见 `tunewiz lint FILE`；--force）。',
    'RunConfig YAML file (defaults apply when omitted).':
        'RunConfig YAML 文件（省略时使用默认值）。',
    'Override a key: --set max_steps=20 --set lora.r=8':
        '覆盖一个键：--set max_steps=20 --set lora.r=8',
    'Return at once; the trainer keeps running on its own.':
        '立即返回；训练进程自行继续运行。',
    'Train even when the dataset has lint errors.':
        '即使数据集有 lint 错误也开始训练。',
    "This machine's number in a run over nnodes machines (node 0 prints the command for the others).":
        '在 nnodes 台机器上运行时本机的编号（节点 0 会打印其他节点要执行的命令）。',
    'Address of node 0, reachable from every node (with --node-rank).':
        '节点 0 的地址，每个节点都要能访问到（与 --node-rank 一起）。',
    'slurm: write an sbatch script for this config instead of training here.':
        'slurm：为这份配置写出一个 sbatch 脚本，而不是在这里训练。',
    'Follow a run until it ends: live view on a terminal, plain lines in a pipe.\n\nExit code: 0 completed, 1 failed, 2 no such run, 3 stopped, 4 oom, 5 crashed,\n6 run directory deleted, 124 timeout, 130 interrupted (the run keeps going).':
        '跟踪一次运行直到结束：在终端上是实时视图，在管道里是纯文本行。\n\n退出码：0 完成，1 失败，2 没有这个运行，3 已停止，4 oom，5 崩溃，\n6 运行目录被删除，124 超时，130 被中断（运行继续进行）。',
    'Seconds between refreshes.':
        '两次刷新之间的秒数。',
    'Plain lines even on a terminal.':
        '即使在终端上也输出纯文本行。',
    'Plain lines: skip what the run wrote before now.':
        '纯文本行：跳过运行在此之前写下的内容。',
    'Give up after SECONDS (exit 124).':
        'SECONDS 秒后放弃（退出码 124）。',
    'OpenAI / Azure OpenAI fine-tuning: validate, start, watch, cancel, list, chat.':
        'OpenAI / Azure OpenAI 微调：validate、start、watch、cancel、list、chat。',
    'Cancel the job at the service (its run ends as `stopped`).':
        '在服务端取消任务（其运行以 `stopped` 结束）。',
    'The run (name or directory) of an OpenAI / Azure job.':
        '某个 OpenAI / Azure 任务的运行（名称或目录）。',
    'Chat with the fine-tuned model (streamed), alone or against its base.':
        '与微调后的模型对话（流式输出），单独对话或与其基座模型对比。',
    'The run (name or directory) of a finished OpenAI / Azure job.':
        '某个已完成的 OpenAI / Azure 任务的运行（名称或目录）。',
    "Answer this one prompt and exit. Without it: the app's chat pane.":
        '只回答这一个提示词然后退出。不给则打开应用的对话面板。',
    'The fine-tuned model beside its base model.':
        '微调后的模型与其基座模型并排。',
    'Chat with the checkpoint of this step instead.':
        '改为与这一步的检查点对话。',
    "Azure: the fine-tuned model's deployment name.":
        'Azure：微调后模型的部署名。',
    "Azure: the base model's deployment name.":
        'Azure：基座模型的部署名。',
    '0 = greedy.':
        '0 = 贪心解码。',
    'With --prompt: one JSON object per column.':
        '与 --prompt 一起：每一栏输出一个 JSON 对象。',
    "The account's recent jobs, with the tunewiz run that follows each (if any).":
        '账号最近的任务，以及跟踪每个任务的 tunewiz 运行（如果有）。',
    'How many jobs, 1-100.':
        '任务数，1-100。',
    'openai | azure | compatible (default: azure when --azure-endpoint or $AZURE_OPENAI_ENDPOINT is set)':
        'openai | azure | compatible（默认：设置了 --azure-endpoint 或 $AZURE_OPENAI_ENDPOINT 时为 azure）',
    'Validate, upload, create the job, and follow it to its end; prints the run directory last.':
        '校验、上传、创建任务并跟踪到结束；最后打印运行目录。',
    'Training file (validated first; files with errors are refused).':
        '训练文件（先校验；有错误的文件会被拒绝）。',
    'The model to fine-tune, e.g. gpt-4o-mini-2024-07-18 (or an ft: model to continue).':
        '要微调的模型，例如 gpt-4o-mini-2024-07-18（或一个 ft: 模型以继续微调）。',
    'A validation file (its loss becomes the eval curve).':
        '验证文件（它的 loss 成为评估曲线）。',
    'supervised | dpo':
        'supervised | dpo',
    '1-50. Default: the service picks (auto).':
        '1-50。默认：由服务决定（auto）。',
    "Up to 64 characters in the fine-tuned model's name.":
        '微调后模型名里最多 64 个字符的后缀。',
    "The run's name (default: openai-MODEL-DATE-TIME).":
        '运行的名字（默认：openai-MODEL-DATE-TIME）。',
    'Return once the job exists; a background process follows it.':
        '任务创建后立即返回；由一个后台进程跟踪它。',
    "Another service with OpenAI's fine-tuning API (its …/v1 root).":
        '另一个提供 OpenAI 微调 API 的服务（它的 …/v1 根地址）。',
    'https://NAME.openai.azure.com (or $AZURE_OPENAI_ENDPOINT).':
        'https://NAME.openai.azure.com（或 $AZURE_OPENAI_ENDPOINT）。',
    "Azure's api-version (default: $OPENAI_API_VERSION or 2024-10-21).":
        'Azure 的 api-version（默认：$OPENAI_API_VERSION 或 2024-10-21）。',
    "Check a file against the service's rules: structure, quality, tokens with the model's own encoding, cost.":
        '按服务的规则检查文件：结构、质量、用模型自己的编码计算的 token 数、费用。',
    'Training file: OpenAI chat JSONL (or preference JSONL with --method dpo).':
        '训练文件：OpenAI 对话 JSONL（与 --method dpo 一起时为偏好 JSONL）。',
    "The model to fine-tune (default: the catalog's default on today's date).":
        '要微调的模型（默认：按今天的日期取目录里的默认模型）。',
    "Epochs for the cost, 1-50 (default: OpenAI's rule for the file's size).":
        '用于计算费用的轮数，1-50（默认：按 OpenAI 针对文件大小的规则）。',
    'A validation file, checked the same way (and for overlap).':
        '验证文件，按同样的方式检查（并检查重叠）。',
    'One JSON object.':
        '输出一个 JSON 对象。',
    'Follow a job: its status, events and loss curve (resumes from the job id, no step twice).':
        '跟踪一个任务：状态、事件和 loss 曲线（从任务 id 接着跟踪，不会重复任何一步）。',
}
