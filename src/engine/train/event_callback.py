"""The TrainerCallback that turns an HF Trainer's life into the run's events (engine/events.py):
start, step, eval and checkpoint events, status.json updates, and stop requests honoured at a step
end. It works on any HF Trainer: TRL's SFTTrainer (trainer.py) and DPOTrainer (dpo.py), whose
preference logs become the step event's reward fields.
"""
from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, Any

from engine import runs
from engine.train import checkpoints

if TYPE_CHECKING:
    from engine.train.context import RunContext
    from engine.train.trainer import TokenCounter


# TRL's DPOTrainer logs -> the step event's fields (engine/events.py StepEvent); eval_ + each for eval events.
PREFERENCE_LOG_FIELDS = {"rewards/margins": "reward_margin", "rewards/accuracies": "reward_accuracy",
                         "rewards/chosen": "reward_chosen", "rewards/rejected": "reward_rejected"}


def _eval_field(key: str) -> str:
    """An eval log key as an event field: DPO's eval_rewards/margins -> eval_reward_margin, other '/' -> '_'."""
    inner = key.removeprefix("eval_")
    return "eval_" + PREFERENCE_LOG_FIELDS.get(inner, inner.replace("/", "_"))


def make_event_callback(ctx: "RunContext", counter: "TokenCounter", dataset_rows: int, dataset_tokens: int,
                        model_name: str, start_fields: dict[str, Any] | None = None) -> Any:
    """The callback writing start/step/eval/checkpoint events; `start_fields` go into the start event
    (a DPO run's tuning and reference)."""
    import torch
    from transformers import TrainerCallback

    from engine.train.trainer import quantization_of

    class EventCallback(TrainerCallback):
        """Writes start/step/eval/checkpoint events and honours stop requests."""

        def __init__(self) -> None:
            self.last_time = time.perf_counter()
            self.last_tokens = 0
            self.last_samples = 0

        def on_train_begin(self, args, state, control, model=None, **kwargs):
            if not state.is_world_process_zero:
                return
            params = list(model.parameters()) if model is not None else []
            trainable = sum(p.numel() for p in params if p.requires_grad)
            total = sum(p.numel() for p in params)
            if hasattr(model, "get_nb_trainable_parameters"):
                trainable, total = model.get_nb_trainable_parameters()
            ctx.events.write("start", model=model_name, method=ctx.config.method, world_size=args.world_size,
                             total_steps=state.max_steps, trainable_params=int(trainable), total_params=int(total),
                             dataset_rows=dataset_rows, dataset_tokens=dataset_tokens,
                             resumed_from_step=state.global_step or None,
                             quantization=quantization_of(model) if model is not None else None,
                             **(start_fields or {}))
            ctx.status(state="running", step=state.global_step, total_steps=state.max_steps)
            self.last_time = time.perf_counter()
            self.last_tokens, self.last_samples = counter.tokens, counter.samples

        def _honour_stop(self, state, control, mid_step: bool):
            if ctx.stop.requested and not control.should_training_stop:
                # Mid-accumulation the half-summed gradients are dropped: the checkpoint holds the
                # last optimizer step, and resume replays this step's micro-batches from the start.
                from engine.message_parts import part, parts
                ctx.notice("stop-received", "info", signal=ctx.stop.signal_name or "stop", step=state.global_step,
                           where=parts([part("log.part.mid-step")] if mid_step else [], sep=""))
                ctx.status(state="stopping")
                control.should_save = True
                control.should_training_stop = True
            return control

        def on_step_end(self, args, state, control, **kwargs):
            return self._honour_stop(state, control, mid_step=False)

        def on_substep_end(self, args, state, control, **kwargs):
            # With grad_accum > 1 a stop need not wait for the whole optimizer step (minutes on a CPU).
            return self._honour_stop(state, control, mid_step=True)

        def on_log(self, args, state, control, logs=None, **kwargs):
            if not state.is_world_process_zero or not logs:
                return
            logs = dict(logs)
            if "eval_loss" in logs:
                extra = {_eval_field(k): v for k, v in logs.items() if k.startswith("eval_") and k != "eval_loss"
                         and isinstance(v, (int, float))}
                ctx.events.write("eval", step=state.global_step, eval_loss=logs["eval_loss"], **extra)
                return
            if "loss" not in logs:
                return  # the end-of-training summary (train_runtime etc.) is not a step
            now = time.perf_counter()
            elapsed = max(now - self.last_time, 1e-9)
            tokens = counter.tokens - self.last_tokens
            samples = counter.samples - self.last_samples
            self.last_time, self.last_tokens, self.last_samples = now, counter.tokens, counter.samples
            gpu = {"gpu_mem_alloc_gb": None, "gpu_mem_reserved_gb": None, "gpu_mem_peak_gb": None}
            if torch.cuda.is_available():
                gpu = {"gpu_mem_alloc_gb": round(torch.cuda.memory_allocated() / 2**30, 3),
                       "gpu_mem_reserved_gb": round(torch.cuda.memory_reserved() / 2**30, 3),
                       "gpu_mem_peak_gb": round(torch.cuda.max_memory_reserved() / 2**30, 3)}
            extra = {k: logs[k] for k in ("mean_token_accuracy", "entropy") if isinstance(logs.get(k), (int, float))}
            extra.update({field: logs[key] for key, field in PREFERENCE_LOG_FIELDS.items()
                          if isinstance(logs.get(key), (int, float))})
            loss = float(logs["loss"])
            ctx.events.write("step", step=state.global_step, epoch=round(float(logs.get("epoch") or state.epoch or 0), 4),
                             loss=loss, lr=logs.get("learning_rate"), grad_norm=logs.get("grad_norm"),
                             tokens=tokens, tokens_per_s=round(tokens / elapsed, 2),
                             samples_per_s=round(samples / elapsed, 3), **gpu, **extra, **ctx.rank_step_fields())
            ctx.status(state="stopping" if ctx.stop.requested else "running", step=state.global_step,
                       total_steps=state.max_steps, last_loss=loss if math.isfinite(loss) else None)

        def on_evaluate(self, args, state, control, **kwargs):
            self.last_time = time.perf_counter()  # the next step's tokens/s must not include the eval

        def on_save(self, args, state, control, **kwargs):
            self.last_time = time.perf_counter()  # nor the checkpoint's writing
            if torch.distributed.is_available() and torch.distributed.is_initialized():
                torch.distributed.barrier()  # every rank's part of the checkpoint is written
            if not args.should_save:
                return
            # The Trainer wrote it under a temporary name; one rename publishes it whole (checkpoints.py).
            path = checkpoints.publish(ctx.run_dir / runs.CHECKPOINTS_DIR, state, ctx.config.save_total_limit,
                                       best_by_eval=args.metric_for_best_model is not None)
            if state.is_world_process_zero:
                ctx.events.write("checkpoint", step=state.global_step, path=str(path))

    return EventCallback()
