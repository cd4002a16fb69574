"""The printed words of `tunewiz openai …` (tui/commands/openai.py): its headers, progress lines, tables and
refusals. The service's errors are `openai.err.*` (tui/i18n/openai.py); where the app's text names a key of
the app (Ctrl+O), the command line says it with `openai.err.<code>.cli`."""

EN = {
    "openai_cli.error": "error: ",
    "openai_cli.key-works": "key {masked} from {source} works with {service}",
    "openai_cli.bad-service": "--service {value}: use one of {choices}.",
    "openai_cli.job-record-damaged": "{path} cannot be read (not a JSON object): the job's record is damaged.",
    "openai_cli.job-record-damaged-advice": "The job itself is safe at the service: tunewiz openai list shows its id "
                                            "and state.",
    "openai_cli.local-run": "{run} is a local run, not an OpenAI / Azure job.",
    "openai_cli.local-run-advice": "Use tunewiz watch / chat / stop {run} for it.",
    "openai_cli.cannot-read": "tunewiz openai validate: cannot read the file: {detail}",
    "openai_cli.head": "{method} for {model} · {rows} rows · {examples} usable · {errors} error(s), {warnings} "
                       "warning(s)",
    "openai_cli.validation-file": "validation file",
    "openai_cli.validation-value": ": {rows} rows, {errors} error(s), {warnings} warning(s)",
    "openai_cli.problem": "error",
    "openai_cli.cost": "cost",
    "openai_cli.cost-value": " ${cost:,.2f}: {tokens:,} billed tokens per epoch × {epochs} epoch(s) at ${price}/1M "
                             "({source}, as of {as_of})",
    "openai_cli.cost-value-estimate": " ${cost:,.2f}: {tokens:,} billed tokens (estimate) per epoch × {epochs} epoch(s) "
                                      "at ${price}/1M ({source}, as of {as_of})",
    "openai_cli.suffix": "--suffix: 1 to 64 characters.",
    "openai_cli.not-sent": "{file}: not sent: it has errors the service would reject (above).",
    "openai_cli.not-sent-advice": "Fix them (tunewiz lint {file} --target openai --fix CLEAN.jsonl drops bad rows), then "
                                  "start again.",
    "openai_cli.estimated-cost": "estimated cost ${cost:,.2f} ({examples} examples, {tokens:,} tokens/epoch × {epochs} "
                                 "epochs)",
    "openai_cli.estimated-cost-estimate": "estimated cost ${cost:,.2f} ({examples} examples, {tokens:,} tokens/epoch × "
                                          "{epochs} epochs, tokens estimated)",
    "openai_cli.uploaded": "  {label}: {sent:.1f} of {total:.1f} MB ({pct}%)",
    "openai_cli.job": "run {run}: job {job} ({status}) at {service}",
    "openai_cli.following": "following it in the background (pid {pid}, log {log})",
    "openai_cli.following-again": "following job {job} again (pid {pid}); it resumes from the last event seen",
    "openai_cli.checkpoint": "checkpoint step {step}: {model}",
    "openai_cli.no-job": "{run} has no job at the service (it never got that far).",
    "openai_cli.no-jobs": "No fine-tuning jobs at {service}.",
    "openai_cli.col.job": "job",
    "openai_cli.col.status": "status",
    "openai_cli.col.model": "model",
    "openai_cli.col.fine-tuned": "fine-tuned model",
    "openai_cli.col.run": "run",
    "openai.err.openai-403-never-fine-tuned.cli": "OpenAI answered {status} {error}: since {never_fine_tuned_since} it "
                                                  "refuses new fine-tuning jobs from organisations that never "
                                                  "fine-tuned, and from {new_jobs_end} from everyone.\nTrain an open "
                                                  "model on the same file instead: tunewiz reads OpenAI JSONL "
                                                  "(tunewiz advise, then tunewiz train).",
    "openai.err.openai-403-inactive.cli": "OpenAI answered {status} {error}: since {inactive_since} it refuses new jobs "
                                          "from organisations with no inference on a fine-tuned model in the past "
                                          "{inactive_days} days (since {never_fine_tuned_since} from those that never "
                                          "fine-tuned), and from {new_jobs_end} from everyone.\nTrain an open model on "
                                          "the same file instead: tunewiz reads OpenAI JSONL (tunewiz advise, then "
                                          "tunewiz train).",
    "openai.err.openai-403-ended.cli": "OpenAI answered {status} {error}: it stopped all new fine-tuning jobs on "
                                       "{new_jobs_end}.\nTrain an open model on the same file instead: tunewiz reads "
                                       "OpenAI JSONL (tunewiz advise, then tunewiz train).",
}

ZH = {
    "openai_cli.error": "错误：",
    "openai_cli.key-works": "来自 {source} 的密钥 {masked} 可以访问 {service}",
    "openai_cli.bad-service": "--service {value}：请用 {choices} 之一。",
    "openai_cli.job-record-damaged": "{path} 读不出来（不是 JSON 对象）：任务记录已损坏。",
    "openai_cli.job-record-damaged-advice": "任务本身在服务端安然无恙：tunewiz openai list 会显示它的 id 和状态。",
    "openai_cli.local-run": "{run} 是本地训练，不是 OpenAI / Azure 任务。",
    "openai_cli.local-run-advice": "请对它使用 tunewiz watch / chat / stop {run}。",
    "openai_cli.cannot-read": "tunewiz openai validate：读不了这个文件：{detail}",
    "openai_cli.head": "{method}，模型 {model} · {rows} 行 · {examples} 行可用 · {errors} 个错误，{warnings} 个警告",
    "openai_cli.validation-file": "验证文件",
    "openai_cli.validation-value": "：{rows} 行，{errors} 个错误，{warnings} 个警告",
    "openai_cli.problem": "错误",
    "openai_cli.cost": "费用",
    "openai_cli.cost-value": " ${cost:,.2f}：每轮计费 {tokens:,} 个 token × {epochs} 轮，单价 ${price}/1M（{source}，截至 "
                             "{as_of}）",
    "openai_cli.cost-value-estimate": " ${cost:,.2f}：每轮计费 {tokens:,} 个 token（估算）× {epochs} 轮，单价 ${price}/1M"
                                      "（{source}，截至 {as_of}）",
    "openai_cli.suffix": "--suffix：1 到 64 个字符。",
    "openai_cli.not-sent": "{file}：没有上传：它有服务端会拒绝的错误（见上）。",
    "openai_cli.not-sent-advice": "先修复（tunewiz lint {file} --target openai --fix CLEAN.jsonl 会去掉出错的行），再重新开始。",
    "openai_cli.estimated-cost": "预计费用 ${cost:,.2f}（{examples} 条样本，每轮 {tokens:,} 个 token × {epochs} 轮）",
    "openai_cli.estimated-cost-estimate": "预计费用 ${cost:,.2f}（{examples} 条样本，每轮 {tokens:,} 个 token × {epochs} "
                                          "轮，token 数为估算）",
    "openai_cli.uploaded": "  {label}：已上传 {sent:.1f} / {total:.1f} MB（{pct}%）",
    "openai_cli.job": "运行 {run}：任务 {job}（{status}），在 {service}",
    "openai_cli.following": "已在后台跟踪（pid {pid}，日志 {log}）",
    "openai_cli.following-again": "重新跟踪任务 {job}（pid {pid}）；从看到的最后一个事件接着往下",
    "openai_cli.checkpoint": "检查点 第 {step} 步：{model}",
    "openai_cli.no-job": "{run} 在服务端没有任务（它没走到那一步）。",
    "openai_cli.no-jobs": "{service} 上没有微调任务。",
    "openai_cli.col.job": "任务",
    "openai_cli.col.status": "状态",
    "openai_cli.col.model": "模型",
    "openai_cli.col.fine-tuned": "微调后的模型",
    "openai_cli.col.run": "运行",
    "openai.err.openai-403-never-fine-tuned.cli": "OpenAI 返回 {status} {error}：自 {never_fine_tuned_since} 起拒绝从未微调过的"
                                                  "组织创建新的微调任务，{new_jobs_end} 起拒绝所有人。\n请改用同一文件训练开源"
                                                  "模型：tunewiz 可直接读取 OpenAI JSONL（先 tunewiz advise，再 tunewiz "
                                                  "train）。",
    "openai.err.openai-403-inactive.cli": "OpenAI 返回 {status} {error}：自 {inactive_since} 起拒绝过去 {inactive_days} 天内"
                                          "没有调用过微调模型的组织创建新任务（自 {never_fine_tuned_since} 起拒绝从未微调过"
                                          "的组织），{new_jobs_end} 起拒绝所有人。\n请改用同一文件训练开源模型：tunewiz 可直接"
                                          "读取 OpenAI JSONL（先 tunewiz advise，再 tunewiz train）。",
    "openai.err.openai-403-ended.cli": "OpenAI 返回 {status} {error}：已于 {new_jobs_end} 停止所有新的微调任务。\n请改用同一"
                                       "文件训练开源模型：tunewiz 可直接读取 OpenAI JSONL（先 tunewiz advise，再 tunewiz "
                                       "train）。",
}
