"""The printed words of `tunewiz train | runs | stop | resume` (tui/commands/train.py) and the labels of the
closing lines `tunewiz watch` shares with them. What a run says (its log lines and ending) are engine messages
(tui/i18n/msg_log.py, msg_end.py)."""

EN = {
    "train_cli.error": "error: ",
    "train_cli.ending.error": "  error: {text}",
    "train_cli.ending.advice": "  advice: {text}",
    # `tunewiz watch`: its closing lines and what it says when it stops following (the step lines of --plain stay
    # one English log format, for scripts that read them)
    "train_cli.watch.deleted": "  error: the run directory {path} no longer exists",
    "train_cli.watch.nonfinite": "  warning: the loss was not finite at {count} steps (first at step {first})",
    "train_cli.watch.unknown-events": "  note: skipped {count} events of unknown type ({types})",
    "train_cli.watch.output": "  output: {path}",
    "train_cli.watch.timeout": "timeout: {name} is still {state} (step {step}); it keeps running",
    "train_cli.watch.interrupted": "stopped watching; {name} is {state} and keeps running",
    "train_cli.watch.trainer-memory": "trainer: allocated {alloc:.1f}  reserved {reserved:.1f}  peak {peak:.1f} GiB",
    "train_cli.watch.spark-loss": "loss",
    "train_cli.watch.spark-tps": "tokens/s",
    "train_cli.emit-unknown": "--emit {emit}: the one script tunewiz writes is `--emit slurm`",
    "train_cli.emit-needs-config": "--emit slurm needs a config file: every node reads the same one (a path on a "
                                   "shared disk)",
    "train_cli.wrote-sbatch": "wrote {script}: {nodes} node(s); submit it with: sbatch {script}",
    "train_cli.cannot-start": "{config}: cannot start",
    "train_cli.lint-errors": "{config}: not starting: the dataset has lint errors",
    "train_cli.started": "run {run}: trainer pid {pid}, log {log}",
    "train_cli.node-zero": "this is node 0 of {nodes}; it waits for the others. On each other node, run:",
    "train_cli.stopping": "stopping: the trainer writes a checkpoint first (Ctrl-C again to stop waiting; it finishes "
                          "stopping in the background)",
    "train_cli.left-running": "no longer waiting: the trainer finishes its checkpoint and stops in the background; "
                              "follow it with `tunewiz watch {run}` (pid {pid})",
    "train_cli.no-runs": "No runs under {folder}.",
    "train_cli.sent-stop": "sent SIGTERM to trainer {pid}; it writes a checkpoint, then stops",
    "train_cli.resuming": "resuming {run} from {checkpoint} (pid {pid})",
}

ZH = {
    "train_cli.error": "错误：",
    "train_cli.ending.error": "  错误：{text}",
    "train_cli.ending.advice": "  建议：{text}",
    "train_cli.watch.deleted": "  错误：运行目录 {path} 已不存在",
    "train_cli.watch.nonfinite": "  警告：有 {count} 步的损失不是有限值（最早在第 {first} 步）",
    "train_cli.watch.unknown-events": "  说明：跳过了 {count} 个未知类型的事件（{types}）",
    "train_cli.watch.output": "  输出：{path}",
    "train_cli.watch.timeout": "超时：{name} 仍处于 {state}（第 {step} 步），它会继续运行",
    "train_cli.watch.interrupted": "已停止跟踪；{name} 处于 {state}，会继续运行",
    "train_cli.watch.trainer-memory": "训练进程：已分配 {alloc:.1f}  已保留 {reserved:.1f}  峰值 {peak:.1f} GiB",
    "train_cli.watch.spark-loss": "损失",
    "train_cli.watch.spark-tps": "token/秒",
    "train_cli.emit-unknown": "--emit {emit}：tunewiz 只会写出一种脚本，即 `--emit slurm`",
    "train_cli.emit-needs-config": "--emit slurm 需要配置文件：每个节点都读同一份（放在共享磁盘上的路径）",
    "train_cli.wrote-sbatch": "已写出 {script}：{nodes} 个节点；用 sbatch {script} 提交",
    "train_cli.cannot-start": "{config}：无法开始",
    "train_cli.lint-errors": "{config}：不开始训练：数据集有检查错误",
    "train_cli.started": "运行 {run}：训练进程 pid {pid}，日志 {log}",
    "train_cli.node-zero": "这是 {nodes} 个节点中的 0 号节点；它会等待其他节点。请在其他每个节点上运行：",
    "train_cli.stopping": "正在停止：训练进程先写检查点（再按一次 Ctrl-C 不再等待；它会在后台完成停止）",
    "train_cli.left-running": "不再等待：训练进程会在后台写完检查点并停止；用 `tunewiz watch {run}` 跟踪（pid {pid}）",
    "train_cli.no-runs": "{folder} 下没有训练任务。",
    "train_cli.sent-stop": "已向训练进程 {pid} 发送 SIGTERM；它会先写检查点，然后停止",
    "train_cli.resuming": "从 {checkpoint} 继续 {run}（pid {pid}）",
}
