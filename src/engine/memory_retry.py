"""Next settings after a run ran out of memory, priced by engine.memory.estimate (the `oom` end event's
retry_settings). Split from engine/memory.py, which re-exports every name."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.catalog import ModelSpec
from engine.memory import Device, Estimate, estimate
from engine.methods import WHOLE_MODEL_METHODS

# A run that ran out of memory gets concrete next settings (the `oom` end event's retry_settings). What
# ran out evidently needed more than the estimate said, so a proposal must both fit the device with
# OOM_HEADROOM_FRACTION to spare and need at most OOM_CUT_FRACTION of the estimate of what ran out.
OOM_HEADROOM_FRACTION = 0.10
OOM_CUT_FRACTION = 0.8
MIN_RETRY_LENGTH = 256          # max_length is halved down to this and no further


@dataclass(frozen=True)
class RetryPlan:
    """Next settings after an out-of-memory ending, priced by `estimate`.

    `settings`: the RunConfig keys to change and their new values (what `--set` takes); `changes`:
    (key, before, after) in the order they were tried; `before` / `after`: the estimates of what ran out
    and of the proposal; `fits`: whether the proposal meets the target (None: not judged, no device size)."""

    settings: dict[str, Any]
    changes: list[tuple[str, Any, Any]]
    before: Estimate
    after: Estimate
    vram_gb: float | None
    fits: bool | None
    target_gb: float

    def describe(self) -> str:
        """English, e.g. 'batch_size 4 → 2, grad_accum 4 → 8 (effective batch kept): about 5.1 GB
        instead of 7.9 GB, on a 8 GB device' (the English of `describe_part`)."""
        import engine.train.end_messages  # noqa: F401  (registers the end.* codes)
        from engine.message_parts import english_params
        from engine.messages import english
        whole = self.describe_part()
        return english(whole["code"], english_params(whole["params"]))

    def describe_part(self) -> dict[str, Any]:
        """The same as a part (engine.message_parts) of `end.*` codes, for the `oom-retry` ending's params."""
        from engine.message_parts import part, parts
        if not self.changes:
            return part("end.plan.none")
        changes = parts([part("end.plan.change", key=key, before=_shown(old), after=_shown(new))
                         for key, old, new in self.changes], sep=", ")
        keys = {key for key, _, _ in self.changes}
        kept = []
        if "batch_size" in keys:
            kept.append(part("end.plan.kept" if self._effective_kept() else "end.plan.about-same"))
        device = []
        if self.vram_gb is not None:
            device.append(part("end.plan.device" if self.fits else "end.plan.device-too-small", vram=self.vram_gb))
        return part("end.plan", changes=changes, kept=parts(kept, sep=""), after=self.after.total_gb,
                    before=self.before.total_gb, device=parts(device, sep=""))

    def _effective_kept(self) -> bool:
        old = dict((k, v) for k, v, _ in self.changes)
        new = dict((k, v) for k, _, v in self.changes)
        before = old.get("batch_size", 1) * old.get("grad_accum", 1)
        after = new.get("batch_size", 1) * new.get("grad_accum", 1)
        return before == after

    def to_params(self) -> dict[str, Any]:
        """The code+params form of describe() (JSON-ready)."""
        return {"changes": [{"key": k, "from": old, "to": new} for k, old, new in self.changes],
                "estimate_gb": self.after.total_gb, "before_gb": self.before.total_gb,
                "target_gb": self.target_gb, "vram_gb": self.vram_gb, "fits": self.fits}


def _shown(value: Any) -> Any:
    """A setting's value as a plan shows it: a switch as the part "on" / "off", anything else as it is."""
    from engine.message_parts import part
    return part("end.part.on" if value else "end.part.off") if isinstance(value, bool) else value


def propose_after_oom(spec: ModelSpec, method: str, batch_size: int, grad_accum: int, max_length: int,
                      gradient_checkpointing: bool, *, lora_r: int = 16,
                      lora_targets: list[str] | str | None = None, precision: str = "bf16",
                      vram_gb: float | None = None, lora_dropout: float = 0.05, padded: bool = True,
                      device: Device = "cuda") -> RetryPlan:
    """The smallest change, in this order, whose estimate meets the target: halve batch_size (doubling
    grad_accum, so the effective batch stays), turn on gradient checkpointing, a lighter method (full/cpt
    → lora, lora → qlora), halve max_length (not below MIN_RETRY_LENGTH). Each step keeps the earlier
    ones. The target: at most OOM_CUT_FRACTION of the estimate of what ran out and, with `vram_gb`,
    (1 - OOM_HEADROOM_FRACTION) of the device. When nothing meets it, the last (lightest) settings come
    back with fits=False."""
    current: dict[str, Any] = {"method": method, "batch_size": batch_size, "grad_accum": grad_accum,
                               "gradient_checkpointing": gradient_checkpointing, "max_length": max_length}

    def price(s: dict[str, Any]) -> Estimate:
        return estimate(spec, s["method"], s["max_length"], s["batch_size"], s["gradient_checkpointing"],
                        lora_r=lora_r, lora_targets=lora_targets, precision=precision, vram_gb=vram_gb,
                        lora_dropout=lora_dropout, padded=padded, device=device)

    def lighter(s: dict[str, Any]):
        s = dict(s)
        while s["batch_size"] > 1:
            effective = s["batch_size"] * s["grad_accum"]
            s["batch_size"] //= 2
            s["grad_accum"] = max(1, round(effective / s["batch_size"]))
            yield dict(s)
        if not s["gradient_checkpointing"]:
            s["gradient_checkpointing"] = True
            yield dict(s)
        if s["method"] in WHOLE_MODEL_METHODS:
            s["method"] = "lora"
            yield dict(s)
        if s["method"] == "lora":
            s["method"] = "qlora"
            yield dict(s)
        while s["max_length"] // 2 >= MIN_RETRY_LENGTH:
            s["max_length"] //= 2
            yield dict(s)

    before = price(current)
    target = before.total_gb * OOM_CUT_FRACTION
    if vram_gb is not None:
        target = min(target, vram_gb * (1 - OOM_HEADROOM_FRACTION))
    chosen, after, fits = current, before, False
    for candidate in lighter(current):
        chosen, after = candidate, price(candidate)
        if after.total_gb <= target:
            fits = True
            break
    changes = [(key, current[key], chosen[key]) for key in current if chosen[key] != current[key]]
    return RetryPlan(settings={key: new for key, _, new in changes}, changes=changes, before=before, after=after,
                     vram_gb=vram_gb, fits=fits if vram_gb is not None or changes else None,
                     target_gb=round(target, 2))
