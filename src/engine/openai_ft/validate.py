"""`tunewiz openai validate`: is this file, for this model and method, a fine-tuning job OpenAI will take,
and what will it cost?

`validate_file(path, model=..., method=..., epochs=..., validation=..., today=...) -> Validation`.
Supervised files go through the linter (`lint_file` with `--target openai`), preference (DPO) files through
`preference.lint_preference_file`; both give a `LintReport`. On top: the model and method asked for, checked
against the catalog on `today` (problems with a stable code and params), the billed tokens and the cost.

Cost = billed tokens per epoch x epochs x the catalog's training price. Billed tokens: each example's tokens
capped at the model's per-example limit (OpenAI truncates longer ones); a preference pair counts input +
preferred + non_preferred. Only the training file is billed, not the validation file. Without tiktoken's
encoding files (they are downloaded once) the counts are the labelled estimate, and `exact` is False.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable

from engine import catalog
from engine.data import rules as R
from engine.data.lint import LintOptions, LintReport, lint_file
from engine.data.records import iter_records
from engine.data.stats import TokenCounter, load_counter, openai_default_epochs

from .preference import TOP_KEYS as PREF_TOP_KEYS
from .preference import lint_preference_file

METHODS = ("supervised", "dpo")
EPOCHS_RANGE = (1, 50)          # OpenAI's accepted n_epochs
NOT_FOR_VALIDATION = ("openai-too-few", "few-rows")   # a training file's size rules


@dataclass
class ModelProblem:
    """Something wrong with the job asked for (not with a row): a stable code, its params, and English."""
    code: str
    params: dict[str, Any]
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "severity": R.CODES[self.code][0], "params": self.params, "message": self.message}


@dataclass
class Validation:
    """What `tunewiz openai validate` found: the file's report, the job's problems, the tokens and the cost."""
    file: str
    method: str
    model: str                       # the resolved base snapshot id (the name as given when it is unknown)
    requested_model: str | None      # the name as given (None: the default was used)
    report: LintReport
    validation_report: LintReport | None = None
    examples: int = 0
    tokens_per_epoch: int | None = None      # billed: each example capped at the per-example limit
    epochs: int = 3
    epochs_given: bool = False               # False: OpenAI's default ("auto") for this many examples
    cost_usd: float | None = None            # billed tokens x epochs x price; None for an unknown model
    price: catalog.Fact | None = None        # USD per 1M training tokens, with as_of and source
    exact: bool = False                      # tokens counted with tiktoken (else the labelled estimate)
    counter: str = ""                        # the counter's label
    notice: str | None = None                # why the counts are an estimate, said once
    problems: list[ModelProblem] = field(default_factory=list)

    def exit_code(self, strict: bool = False) -> int:
        """0: fine (warnings allowed unless strict); 1: errors in a file or a model/method problem;
        2: a file cannot be read at all."""
        reports = [self.report] + ([self.validation_report] if self.validation_report is not None else [])
        codes = [r.exit_code(strict) for r in reports]
        if 2 in codes:
            return 2
        return 1 if self.problems or 1 in codes else 0

    def to_json(self) -> dict[str, Any]:
        """The stable `--json` object (reports as `tunewiz lint --json` prints them)."""
        return {
            "file": self.file, "method": self.method, "model": self.model, "requested_model": self.requested_model,
            "examples": self.examples, "tokens_per_epoch": self.tokens_per_epoch, "epochs": self.epochs,
            "epochs_given": self.epochs_given, "cost_usd": self.cost_usd,
            "price_per_1m_tokens_usd": self.price.to_dict() if self.price else None,
            "exact": self.exact, "counter": self.counter, "notice": self.notice,
            "problems": [p.to_dict() for p in self.problems],
            "exit_code": self.exit_code(),
            "report": self.report.to_json(),
            "validation_report": self.validation_report.to_json() if self.validation_report is not None else None,
        }


def validate_file(path: str | Path, *, model: str | None = None, method: str = "supervised",
                  epochs: int | None = None, validation: str | Path | None = None,
                  today: date | None = None, counter: TokenCounter | None = None,
                  counter_notice: str | None = None,
                  progress: Callable[[str], None] | None = None) -> Validation:
    """Checks a fine-tuning file for OpenAI: its rows (for `method`), the model and method on `today`, and
    the cost. Never raises for the file's content or for a bad model name. `counter` counts tokens (None:
    tiktoken with the model's encoding, or the labelled estimate offline, with `notice` saying why)."""
    say = progress or (lambda m: None)
    today = today or date.today()
    method = (method or "supervised").strip().lower()
    problems: list[ModelProblem] = []
    entry, name = _resolve_model(model, today, problems)
    base = entry.id if entry is not None else name
    if entry is not None:
        _check_model(entry, model or entry.id, method, today, problems)
    if method not in METHODS:
        problems.append(ModelProblem("openai-method-unsupported", {"method": method, "model": base, "methods": list(METHODS)},
                                     f"unknown fine-tuning method {method!r}; use one of {', '.join(METHODS)}."))
    if epochs is not None and not EPOCHS_RANGE[0] <= epochs <= EPOCHS_RANGE[1]:
        problems.append(ModelProblem("openai-bad-epochs", {"epochs": epochs, "min": EPOCHS_RANGE[0], "max": EPOCHS_RANGE[1]},
                                     f"--epochs {epochs} is outside OpenAI's range {EPOCHS_RANGE[0]}-{EPOCHS_RANGE[1]}; "
                                     "pick a number in it, or leave it out for OpenAI's default."))
    if counter is None:
        counter, counter_notice = load_counter("openai", base, progress=say)
    if counter_notice:
        say(counter_notice)   # once: the validation file's report does not repeat it

    def check(p: str | Path, notice: str | None, eval_path: str | Path | None) -> LintReport:
        if method == "dpo":
            return lint_preference_file(p, model=base, counter=counter, counter_notice=notice, progress=say,
                                        eval_path=eval_path)
        opts = LintOptions(target="openai", model=base, eval_path=str(eval_path) if eval_path is not None else None)
        return lint_file(p, opts, counter=counter, counter_notice=notice, progress=say)

    report = check(path, counter_notice, validation)
    if method == "supervised" and report.fatal is not None and report.fatal.code == "unknown-format" and _looks_dpo(path):
        report.fatal.message += (" It looks like a preference (DPO) file (input, preferred_output, "
                                 "non_preferred_output): validate it with --method dpo.")
    vreport = _as_validation_file(check(validation, None, None)) if validation is not None else None
    oa = report.stats.get("openai") or {}
    n = int(report.stats.get("examples") or 0)
    billed = oa.get("billed_tokens_per_epoch")
    n_epochs = epochs if epochs is not None else openai_default_epochs(n)
    price = entry.training_price_per_1m if entry is not None else None
    cost = (billed * n_epochs * float(price.value) / 1e6
            if price is not None and billed is not None and report.fatal is None else None)
    return Validation(file=str(path), method=method, model=base, requested_model=model, report=report,
                      validation_report=vreport, examples=n, tokens_per_epoch=billed, epochs=n_epochs,
                      epochs_given=epochs is not None, cost_usd=cost, price=price, exact=counter.exact,
                      counter=counter.label, notice=counter_notice, problems=problems)


def _looks_dpo(path: str | Path) -> bool:
    """Whether the file's first record is a preference pair (for a hint; never raises)."""
    try:
        for _, obj in iter_records(path):
            return isinstance(obj, dict) and any(k in obj for k in PREF_TOP_KEYS)
    except Exception:  # noqa: BLE001 - only a hint
        return False
    return False


def _as_validation_file(report: LintReport) -> LintReport:
    """Drops the findings about a training file's size: a validation file has no minimum."""
    drop = {code for code in NOT_FOR_VALIDATION if report.counts.get(code)}
    if not drop:
        return report
    for code in drop:
        sev = R.CODES[code][0]
        report.severities[sev] -= report.counts.pop(code)
    report.findings = [f for f in report.findings if f.code not in drop]
    st = report.stats
    if st:
        st["findings_by_code"] = {k: v for k, v in st.get("findings_by_code", {}).items() if k not in drop}
        st.update(errors=report.severities.get(R.ERROR, 0), warnings=report.severities.get(R.WARNING, 0),
                  infos=report.severities.get(R.INFO, 0))
    return report


def _resolve_model(model: str | None, today: date, problems: list[ModelProblem]) -> tuple[catalog.OpenAIModel | None, str]:
    """The catalog entry of `model` (an id, family alias or ft: name; None: the default on `today`)."""
    if model is None or not str(model).strip():
        entry = catalog.default_openai_model(today)
        if entry is None:
            problems.append(ModelProblem("openai-jobs-ended", {"date": catalog.OPENAI_WIND_DOWN.new_jobs_end.value,
                                                               "today": today.isoformat()},
                                         f"no OpenAI model can be fine-tuned on {today.isoformat()}: "
                                         f"{catalog.OPENAI_WIND_DOWN.sentence(today)} Train an open model on the "
                                         "same file instead: tunewiz reads OpenAI JSONL (tunewiz advise)."))
            return None, catalog.OPENAI_DEFAULT_ORDER[0]
        return entry, entry.id
    name = str(model).strip()
    entry = catalog.get_openai_model(name)
    if entry is None:
        usable = [m.id for m in catalog.openai_models() if m.fine_tunable(today)]
        problems.append(ModelProblem("openai-unknown-model", {"model": name, "fine_tunable": usable},
                                     f"{name!r} is not an OpenAI model that can be fine-tuned"
                                     + (f"; use one of {', '.join(usable)} (or an ft: model made from one)."
                                        if usable else f": none can be on {today.isoformat()}; train an open model "
                                        "on the same file instead (tunewiz advise).")))
        return None, catalog.openai_base_model(name)
    return entry, name


def _check_model(entry: catalog.OpenAIModel, name: str, method: str, today: date, problems: list[ModelProblem]) -> None:
    """Problems of `entry` on `today` for `method`: shut down, jobs ended, method not offered."""
    wind = catalog.OPENAI_WIND_DOWN
    # An ft: name is allowed as the base of a new job (continued fine-tuning): its base model decides.
    cont = f"{name} is fine-tuned from {entry.id}; " if name.lower().startswith("ft:") else ""
    others = [m.id for m in catalog.openai_models() if m.fine_tunable(today) and method in m.methods]
    alt = (f"use {' or '.join(others[:3])}" if others else
           "train an open model on the same file instead: tunewiz reads OpenAI JSONL (tunewiz advise)")
    if entry.shut_down is not None and date.fromisoformat(entry.shut_down.value) <= today:
        problems.append(ModelProblem("openai-model-shut-down", {"model": entry.id, "requested": name,
                                                                "date": entry.shut_down.value, "today": today.isoformat()},
                                     f"{cont}{entry.id} and its fine-tunes shut down on {entry.shut_down.value} "
                                     f"(as of {entry.shut_down.as_of}): no new jobs on it; {alt}."))
    elif not entry.fine_tunable(today):
        problems.append(ModelProblem("openai-jobs-ended", {"model": entry.id, "date": wind.new_jobs_end.value,
                                                           "today": today.isoformat()},
                                     f"{cont}OpenAI takes no new fine-tuning jobs since {wind.new_jobs_end.value}, so "
                                     f"{entry.id} cannot be fine-tuned on {today.isoformat()}; train an open model "
                                     "on the same file instead: tunewiz reads OpenAI JSONL (tunewiz advise)."))
    if method in METHODS and method not in entry.methods:
        problems.append(ModelProblem("openai-method-unsupported", {"method": method, "model": entry.id,
                                                                   "methods": list(entry.methods)},
                                     f"OpenAI offers {', '.join(entry.methods)} fine-tuning for {entry.id}, not "
                                     f"{method}; {alt} for {method}, or use --method {entry.methods[0]}."))
