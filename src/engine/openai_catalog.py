"""OpenAI's and Azure OpenAI's fine-tuning facts, each dated and sourced: the fine-tunable models (limits,
prices, tiktoken encodings, methods, shut-down dates), OpenAI's wind-down and Azure's schedule. Part of
the catalog (engine.catalog re-exports every name), kept apart from the open-model presets.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

# -- OpenAI ------------------------------------------------------------------------------------------
OPENAI_PRICING_SOURCE = "OpenAI API pricing page, fine-tuning section (https://openai.com/api/pricing/)"
OPENAI_DOCS_SOURCE = "OpenAI fine-tuning guide (https://platform.openai.com/docs/guides/fine-tuning)"
OPENAI_CHECKED = "2025-06-01"
OPENAI_CHECKED_NOTE = ("as published by OpenAI, checked 2025-06-01 from the tunewiz maintainers' reading of the page; "
                       "not re-fetched since (no network in the build) — check the page before spending money")


@dataclass(frozen=True)
class Fact:
    """A number or date with where it comes from and when it was checked."""
    value: Any
    as_of: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "as_of": self.as_of, "source": self.source}


def _day(fact: Fact) -> date:
    return date.fromisoformat(fact.value)


def _days(fact: Fact, today: date) -> int:
    """Days from `today` to the fact's date (negative once it is past)."""
    return (_day(fact) - today).days


# OpenAI's deprecations page, "Update to OpenAI's self-serve fine-tuning" (notice dated 2026-05-07).
_NOTICE_RECORDED = "2026-12-01"
_NOTICE_SOURCE = ("OpenAI deprecations page, notice 'Update to OpenAI's self-serve fine-tuning' dated 2026-05-07 "
                  "(https://platform.openai.com/docs/deprecations), recorded 2026-12-01 for tunewiz issue 13 "
                  "(not fetched by the build: no network) — check the page for changes")
_BLOCKED_ERROR_SOURCE = ("OpenAI API's answer when an organisation the 2026-05-07 notice blocks creates a fine-tuning "
                         "job (HTTP 403, error code training_not_available), recorded 2026-12-01 for tunewiz issue 13; "
                         "see https://platform.openai.com/docs/deprecations")
OPENAI_FT_SHUT_DOWN = Fact("2027-01-14", _NOTICE_RECORDED, _NOTICE_SOURCE + "; the gpt-4o, gpt-4o-mini, gpt-4.1 "
                           "and gpt-4.1-mini fine-tunes shut down on this date")
"""The day the gpt-4o/gpt-4.1 fine-tunes stop answering (one fact: the models and the wind-down share it)."""
OPENAI_NANO_SHUT_DOWN = Fact("2026-10-23", _NOTICE_RECORDED, _NOTICE_SOURCE + "; gpt-4.1-nano-2025-04-14 and its "
                             "fine-tunes shut down on this date")


@dataclass(frozen=True)
class AzureSchedule:
    """Azure OpenAI's own fine-tuning schedule for one model family (for existing Azure customers)."""
    family: str
    training_until: Fact     # training retires no earlier than this date
    deployments_until: Fact  # deployments of fine-tuned models run until this month ("2027-10")
    label: str = ""          # the models it covers, in words ("gpt-4o and gpt-4o-mini")

    def message(self, today: date | None = None) -> tuple[str, dict[str, Any]]:
        """What Azure offers for this family on `today`: (English sentence, {"code", "params"})."""
        today = today or date.today()
        train, deploy = self.training_until, self.deployments_until
        year, month = (int(x) for x in deploy.value.split("-"))
        deploy_end = date(year + month // 12, month % 12 + 1, 1)   # "until 2027-10": through that month
        label = self.label or self.family
        params: dict[str, Any] = {"family": self.family, "models": label, "training_until": train.value,
                                  "deployments_until": deploy.value, "as_of": train.as_of,
                                  "days": _days(train, today)}
        page = f"Azure's retirement page as of {train.as_of}"
        if today >= deploy_end:
            code = "azure-ft-ended"
            text = (f"Azure OpenAI: deployments of fine-tuned {label} models were to end in {deploy.value} "
                    f"({page}); check whether any still run.")
        elif today >= _day(train):
            code = "azure-ft-training-may-have-ended"
            text = (f"Azure OpenAI: {label} fine-tuning could end from {train.value} on ({page}), so check "
                    f"whether it still trains; their fine-tuned deployments run until {deploy.value}.")
        else:
            code = "azure-ft-open"
            text = (f"Azure OpenAI: {label} fine-tuning for existing customers until no earlier than "
                    f"{train.value} ({params['days']} days from now), their fine-tuned deployments until "
                    f"{deploy.value} ({page}).")
        return text, {"code": code, "params": params}

    def to_dict(self) -> dict[str, Any]:
        return {"family": self.family, "models": self.label or self.family,
                "training_until": self.training_until.to_dict(), "deployments_until": self.deployments_until.to_dict()}


_AZURE_AS_OF = "2026-07-07"
_AZURE_SOURCE = ("Azure OpenAI model retirement page, fine-tuning section "
                 "(https://learn.microsoft.com/azure/ai-foundry/openai/concepts/model-retirements), as of 2026-07-07, "
                 "recorded 2026-12-01 for tunewiz issue 13 (not fetched by the build: no network)")
AZURE_FINE_TUNING: dict[str, AzureSchedule] = {
    "gpt-4o": AzureSchedule("gpt-4o", Fact("2027-04-01", _AZURE_AS_OF, _AZURE_SOURCE + "; gpt-4o and gpt-4o-mini "
                                           "training retires no earlier than this date"),
                            Fact("2027-10", _AZURE_AS_OF, _AZURE_SOURCE + "; deployments of fine-tuned models until "
                                 "this month (the page gives the month only)"), "gpt-4o and gpt-4o-mini"),
    "gpt-4.1": AzureSchedule("gpt-4.1", Fact("2027-04-14", _AZURE_AS_OF, _AZURE_SOURCE + "; gpt-4.1 family training "
                                             "retires no earlier than this date"),
                             Fact("2027-10", _AZURE_AS_OF, _AZURE_SOURCE + "; deployments of fine-tuned models until "
                                  "this month (the page gives the month only)"), "gpt-4.1 family"),
}
"""Azure OpenAI's fine-tuning schedule by model family."""


def azure_fine_tuning_message(family: str, today: date | None = None) -> tuple[str, dict[str, Any]] | None:
    """What Azure OpenAI offers for `family` (or a model id / ft: name of it) on `today`; None if it has no schedule."""
    schedule = AZURE_FINE_TUNING.get(family)
    if schedule is None:
        model = get_openai_model(family)
        schedule = model.azure if model is not None else None
    return schedule.message(today) if schedule is not None else None


@dataclass(frozen=True)
class OpenAIModel:
    id: str
    context_tokens: Fact             # the model's context window
    example_tokens: Fact             # the longest training example accepted
    training_price_per_1m: Fact      # USD per 1M training tokens (tokens x epochs are billed)
    default_epochs: Fact             # "auto": OpenAI picks from the dataset size
    min_examples: Fact
    family: str
    wind_down: bool = True           # covered by the fine-tuning wind-down notices
    methods: tuple[str, ...] = ("supervised",)   # fine-tuning methods OpenAI offers for it ("supervised", "dpo")
    encoding: str = "o200k_base"     # tiktoken encoding of the model (and of its ft: models)
    shut_down: Fact | None = None    # the day the model and its fine-tunes stop (None: no date recorded)
    azure: AzureSchedule | None = None   # Azure OpenAI's own schedule for the family, if it has one

    def fine_tunable(self, today: date | None = None) -> bool:
        """Whether a new fine-tuning job on it can be created on `today`: not once shut down, nor once
        OpenAI's new jobs end for everyone (whether *your* organisation may is OPENAI_WIND_DOWN's rules)."""
        today = today or date.today()
        if self.shut_down is not None and _days(self.shut_down, today) <= 0:
            return False
        return not (self.wind_down and _days(OPENAI_WIND_DOWN.new_jobs_end, today) <= 0)

    def to_dict(self, today: date | None = None) -> dict[str, Any]:
        return {"id": self.id, "family": self.family, "wind_down": self.wind_down,
                **{k: getattr(self, k).to_dict() for k in
                   ("context_tokens", "example_tokens", "training_price_per_1m", "default_epochs", "min_examples")},
                "methods": list(self.methods), "encoding": self.encoding,
                "shut_down": self.shut_down.to_dict() if self.shut_down else None,
                "fine_tunable": self.fine_tunable(today),
                "azure": self.azure.to_dict() if self.azure else None}


_DPO = ("supervised", "dpo")


def _oa(id: str, family: str, context: int, example: int, price: float, methods: tuple[str, ...] = ("supervised",),
        encoding: str = "o200k_base", shut_down: Fact | None = OPENAI_FT_SHUT_DOWN) -> OpenAIModel:
    src = f"{OPENAI_DOCS_SOURCE}; {OPENAI_CHECKED_NOTE}"
    return OpenAIModel(
        id=id, family=family,
        context_tokens=Fact(context, OPENAI_CHECKED, src),
        example_tokens=Fact(example, OPENAI_CHECKED, src),
        training_price_per_1m=Fact(price, OPENAI_CHECKED, f"{OPENAI_PRICING_SOURCE}; {OPENAI_CHECKED_NOTE}"),
        # OpenAI's default is n_epochs="auto" (chosen from the dataset size); tunewiz assumes 3 for cost estimates.
        default_epochs=Fact("auto", OPENAI_CHECKED, src),
        min_examples=Fact(10, OPENAI_CHECKED, src),
        methods=methods, encoding=encoding, shut_down=shut_down, azure=AZURE_FINE_TUNING.get(family))


OPENAI_MODELS: tuple[OpenAIModel, ...] = (
    _oa("gpt-4.1-2025-04-14", "gpt-4.1", 1_047_576, 65_536, 25.00, _DPO),
    _oa("gpt-4.1-mini-2025-04-14", "gpt-4.1", 1_047_576, 65_536, 5.00, _DPO),
    # Shut down early (2026-10-23); kept so ft:gpt-4.1-nano-... names resolve and explain themselves.
    _oa("gpt-4.1-nano-2025-04-14", "gpt-4.1", 1_047_576, 65_536, 1.50, _DPO, shut_down=OPENAI_NANO_SHUT_DOWN),
    _oa("gpt-4o-2024-08-06", "gpt-4o", 128_000, 65_536, 25.00, _DPO),
    _oa("gpt-4o-mini-2024-07-18", "gpt-4o", 128_000, 65_536, 3.00, _DPO),
    # No shut-down date recorded for gpt-3.5-turbo's fine-tunes; new jobs end with everyone's.
    _oa("gpt-3.5-turbo-0125", "gpt-3.5-turbo", 16_385, 16_385, 8.00, encoding="cl100k_base", shut_down=None),
)
OPENAI_EPOCHS_ASSUMED = 3  # what tunewiz assumes for "auto" when estimating cost
OPENAI_DEFAULT_ORDER = ("gpt-4o-mini-2024-07-18", "gpt-4.1-mini-2025-04-14", "gpt-4o-2024-08-06", "gpt-4.1-2025-04-14")
"""The default OpenAI model, in order of preference: the guide's own example (section A2), cheapest first."""


@dataclass(frozen=True)
class WindDown:
    """OpenAI's self-serve fine-tuning wind-down, as sourced dates."""
    closed_to_new_users: Fact
    new_jobs_end: Fact               # from this day no new jobs for anyone
    models_shut_down: Fact           # the gpt-4o/gpt-4.1 fine-tunes stop (OPENAI_FT_SHUT_DOWN)
    notice: Fact                     # the date of OpenAI's notice
    never_fine_tuned_blocked: Fact   # from this day organisations that never fine-tuned cannot create jobs
    inactive_blocked: Fact           # from this day organisations without recent fine-tuned inference are blocked
    inactive_days: Fact              # ... "recent": inference on a fine-tuned model in this many past days
    existing_models: Fact            # what existing fine-tuned models can still do
    blocked_error: Fact              # what OpenAI answers a blocked organisation: {"status": 403, "code": ...}

    def days_left(self, today: date | None = None) -> tuple[int, int]:
        """(days until new jobs end, days until the fine-tuned gpt-4o/4.1 models stop answering)."""
        today = today or date.today()
        return _days(self.new_jobs_end, today), _days(self.models_shut_down, today)

    def sentence(self, today: date | None = None) -> str:
        """What has happened by `today` and what comes, one sentence with the dates (and days left)."""
        today = today or date.today()
        jobs, shut = self.days_left(today)
        never, inactive = self.never_fine_tuned_blocked.value, self.inactive_blocked.value
        window = self.inactive_days.value
        parts = []
        if _days(self.never_fine_tuned_blocked, today) <= 0:
            parts.append(f"organisations that never fine-tuned cannot create jobs since {never}")
        else:
            parts.append(f"organisations that never fine-tuned cannot create jobs from {never}")
        if jobs > 0:
            if _days(self.inactive_blocked, today) <= 0:
                parts.append(f"since {inactive}, those without inference on a fine-tuned model in the past "
                             f"{window} days are blocked too")
            else:
                parts.append(f"from {inactive}, those without inference on a fine-tuned model in the past "
                             f"{window} days are blocked too")
            parts.append(f"no new jobs for anyone from {self.new_jobs_end.value} ({jobs} days from now)")
        else:
            parts.append(f"no new fine-tuning jobs for anyone since {self.new_jobs_end.value}")
        for m in OPENAI_MODELS:
            if m.shut_down is not None and m.shut_down is not self.models_shut_down:
                left = _days(m.shut_down, today)
                parts.append(f"{m.id} and its fine-tunes shut down on {m.shut_down.value}"
                             + (f" ({left} days from now)" if left > 0 else ""))
        if shut > 0:
            parts.append(f"the gpt-4o/gpt-4.1 fine-tunes shut down on {self.models_shut_down.value} "
                         f"({shut} days from now); until then existing fine-tuned models keep answering "
                         f"(inference continues until their base model is retired)")
        else:
            parts.append(f"the gpt-4o/gpt-4.1 fine-tunes shut down on {self.models_shut_down.value}; other "
                         f"fine-tuned models answer until their base model is retired")
        return (f"OpenAI is winding down self-serve fine-tuning (notice of {self.notice.value}): "
                + "; ".join(parts) + ".")

    def training_not_available(self, today: date | None = None) -> tuple[str, dict[str, Any]]:
        """Why OpenAI answered 403 training_not_available on `today`, and the way out:
        (one English sentence, {"code": ..., "params": {...}}) — the screens translate by code."""
        today = today or date.today()
        error = self.blocked_error.value
        params: dict[str, Any] = {"status": error["status"], "error": error["code"],
                                  "never_fine_tuned_since": self.never_fine_tuned_blocked.value,
                                  "inactive_since": self.inactive_blocked.value,
                                  "inactive_days": self.inactive_days.value,
                                  "new_jobs_end": self.new_jobs_end.value, "days": _days(self.new_jobs_end, today)}
        head = f"OpenAI answered {error['status']} {error['code']}"
        tail = "train an open model on the same file instead: tunewiz reads OpenAI JSONL (tunewiz advise)."
        if params["days"] <= 0:
            code = "openai-403-ended"
            why = f"OpenAI stopped all new fine-tuning jobs on {self.new_jobs_end.value}"
        elif _days(self.inactive_blocked, today) <= 0:
            code = "openai-403-inactive"
            why = (f"since {self.inactive_blocked.value} OpenAI refuses new fine-tuning jobs from organisations "
                   f"with no inference on a fine-tuned model in the past {self.inactive_days.value} days (and since "
                   f"{self.never_fine_tuned_blocked.value} from those that never fine-tuned), and from "
                   f"{self.new_jobs_end.value} from everyone")
        else:
            code = "openai-403-never-fine-tuned"
            why = (f"OpenAI refuses new fine-tuning jobs from organisations that never fine-tuned (since "
                   f"{self.never_fine_tuned_blocked.value}), and from {self.new_jobs_end.value} from everyone")
        return f"{head}: {why}; {tail}", {"code": code, "params": params}

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k).to_dict() for k in
                ("closed_to_new_users", "new_jobs_end", "models_shut_down", "notice", "never_fine_tuned_blocked",
                 "inactive_blocked", "inactive_days", "existing_models", "blocked_error")}


OPENAI_WIND_DOWN = WindDown(
    closed_to_new_users=Fact(True, _NOTICE_RECORDED, _NOTICE_SOURCE + "; closed to organisations that never "
                             "fine-tuned since 2026-05-07"),
    new_jobs_end=Fact("2027-01-06", _NOTICE_RECORDED, _NOTICE_SOURCE + "; no new fine-tuning jobs for anyone "
                      "from this date"),
    models_shut_down=OPENAI_FT_SHUT_DOWN,
    notice=Fact("2026-05-07", _NOTICE_RECORDED, _NOTICE_SOURCE),
    never_fine_tuned_blocked=Fact("2026-05-07", _NOTICE_RECORDED, _NOTICE_SOURCE + "; organisations that never "
                                  "fine-tuned can no longer create jobs from this date"),
    inactive_blocked=Fact("2026-07-02", _NOTICE_RECORDED, _NOTICE_SOURCE + "; organisations with no inference on a "
                          "fine-tuned model in the past 60 days are blocked from this date"),
    inactive_days=Fact(60, _NOTICE_RECORDED, _NOTICE_SOURCE),
    existing_models=Fact("inference continues until the base model is retired", _NOTICE_RECORDED, _NOTICE_SOURCE),
    blocked_error=Fact({"status": 403, "code": "training_not_available"}, _NOTICE_RECORDED, _BLOCKED_ERROR_SOURCE),
)


def openai_models() -> list[OpenAIModel]:
    """OpenAI's models in the catalog, newest family first (shut-down ones too: see `fine_tunable`)."""
    return list(OPENAI_MODELS)


def default_openai_model(today: date | None = None) -> OpenAIModel | None:
    """The default model for a new OpenAI job on `today`: the first of OPENAI_DEFAULT_ORDER that is
    fine-tunable, else the first not shut down (jobs have ended, models still answer), else None."""
    today = today or date.today()
    order = [m for key in OPENAI_DEFAULT_ORDER if (m := get_openai_model(key)) is not None]
    for m in order:
        if m.fine_tunable(today):
            return m
    return next((m for m in order if m.shut_down is None or _days(m.shut_down, today) > 0), None)


def openai_base_model(name: str) -> str:
    """The base snapshot of an `ft:` model name ("ft:gpt-4o-mini-2024-07-18:acme::9xYz42:ckpt-step-40" ->
    "gpt-4o-mini-2024-07-18"); any other name unchanged (stripped)."""
    text = name.strip()
    if text[:3].lower() == "ft:":
        return text.split(":")[1].strip()
    return text


def get_openai_model(model_id: str) -> OpenAIModel | None:
    """An OpenAI model by exact snapshot id, by its family alias (gpt-4o-mini -> snapshot), or by the
    name of a model fine-tuned from it (ft:gpt-4o-mini-2024-07-18:org::id -> its base)."""
    if not isinstance(model_id, str):
        return None
    key = openai_base_model(model_id).lower()
    for m in OPENAI_MODELS:
        if m.id == key:
            return m
    for m in OPENAI_MODELS:
        # "gpt-4o-mini" -> gpt-4o-mini-2024-07-18, "gpt-3.5-turbo" -> gpt-3.5-turbo-0125
        if re.sub(r"-(\d{4}-\d{2}-\d{2}|\d{4})$", "", m.id) == key:
            return m
    return None


def openai_encoding(name: str) -> str:
    """tiktoken's encoding for an OpenAI model or ft: name, from its base model (tiktoken's own prefix
    table sends "ft:gpt-4.1-..." to cl100k_base, which is wrong). Another snapshot of a catalog family
    takes the family's encoding; unknown names o200k_base (every current model's)."""
    model = get_openai_model(name) if isinstance(name, str) else None
    if model is not None:
        return model.encoding
    base = openai_base_model(name).lower() if isinstance(name, str) else ""
    families = sorted({m.family: m.encoding for m in OPENAI_MODELS}.items(), key=lambda kv: -len(kv[0]))
    return next((enc for family, enc in families if base.startswith(family)), "o200k_base")


def openai_training_cost(model: OpenAIModel, tokens: int, epochs: int | None = None) -> float:
    """USD for training `tokens` tokens (all examples, one pass) for `epochs` passes."""
    return round(tokens * (epochs or OPENAI_EPOCHS_ASSUMED) * model.training_price_per_1m.value / 1e6, 2)
