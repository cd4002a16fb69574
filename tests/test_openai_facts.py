"""OpenAI's and Azure's fine-tuning facts as dated, sourced catalog entries, and what tunewiz says about
them on a given day: who may still create jobs, what has shut down, the 403 a blocked organisation
gets, Azure's own schedule, the tiktoken encoding of an ft: model, and the advice built on them."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from engine import catalog
from engine.advisor import Answers, advise
from engine.catalog import (AZURE_FINE_TUNING, OPENAI_MODELS, OPENAI_WIND_DOWN, Fact, azure_fine_tuning_message,
                            default_openai_model, get_openai_model, openai_base_model, openai_encoding)
from engine.hardware import GPU, Hardware

ROOT = Path(__file__).resolve().parents[1]
LAPTOP = Hardware(gpus=[], cpu_cores=2, ram_gb=16.0, ram_available_gb=12.0, note="no NVIDIA GPU: NVML is unavailable")
BEFORE_INACTIVE_RULE = date(2026, 6, 1)     # never-fine-tuned organisations blocked, inactive ones not yet
NANO_STILL_ON = date(2026, 10, 1)
TODAY = date(2026, 12, 1)
JOBS_ENDED = date(2027, 1, 7)
SHUT = date(2027, 1, 15)
NANO_FT = "ft:gpt-4.1-nano-2025-04-14:acme:support:9xYz42"


def card(gb: float) -> Hardware:
    gpu = GPU(index=0, nvml_index=0, name=f"{gb:g} GB card", uuid="GPU-x", total_gb=gb, free_gb=gb, driver="550",
              compute_capability=(8, 9))
    return Hardware(gpus=[gpu], cpu_cores=16, ram_gb=64.0)


# -- the facts ---------------------------------------------------------------------------------------
def new_facts() -> list[tuple[str, Fact]]:
    facts = [(f"wind_down.{k}", getattr(OPENAI_WIND_DOWN, k)) for k in OPENAI_WIND_DOWN.to_dict()]
    facts += [(f"{m.id}.shut_down", m.shut_down) for m in OPENAI_MODELS if m.shut_down is not None]
    for family, schedule in AZURE_FINE_TUNING.items():
        facts += [(f"azure.{family}.training_until", schedule.training_until),
                  (f"azure.{family}.deployments_until", schedule.deployments_until)]
    return facts


def test_every_new_fact_names_its_source_and_the_date_it_was_checked() -> None:
    facts = new_facts()
    assert len(facts) >= 14
    for name, fact in facts:
        assert date.fromisoformat(fact.as_of) <= TODAY, name
        assert "https://" in fact.source and len(fact.source) > 60, name
    for name, fact in facts:
        if name.startswith("azure."):
            assert fact.as_of == "2026-07-07" and "Azure OpenAI model retirement page" in fact.source, name
        else:
            assert "2026-05-07" in fact.source and "https://platform.openai.com/docs/deprecations" in fact.source, name
            assert name == "wind_down.blocked_error" or "Update to OpenAI's self-serve fine-tuning" in fact.source


def test_the_notice_dates_and_the_blocked_error_are_recorded() -> None:
    w = OPENAI_WIND_DOWN
    assert (w.notice.value, w.never_fine_tuned_blocked.value, w.inactive_blocked.value, w.inactive_days.value,
            w.new_jobs_end.value, w.models_shut_down.value) == (
        "2026-05-07", "2026-05-07", "2026-07-02", 60, "2027-01-06", "2027-01-14")
    assert w.blocked_error.value == {"status": 403, "code": "training_not_available"}
    assert AZURE_FINE_TUNING["gpt-4o"].training_until.value == "2027-04-01"
    assert AZURE_FINE_TUNING["gpt-4.1"].training_until.value == "2027-04-14"
    assert {s.deployments_until.value for s in AZURE_FINE_TUNING.values()} == {"2027-10"}


def test_the_4o_and_41_fine_tunes_share_one_shut_down_fact_with_the_wind_down() -> None:
    shared = [m.id for m in OPENAI_MODELS if m.shut_down is OPENAI_WIND_DOWN.models_shut_down]
    assert sorted(shared) == ["gpt-4.1-2025-04-14", "gpt-4.1-mini-2025-04-14", "gpt-4o-2024-08-06",
                              "gpt-4o-mini-2024-07-18"]


# -- fine-tunable on a day ---------------------------------------------------------------------------
def test_nano_is_shut_down_since_2026_10_23_but_its_ft_names_still_resolve_and_explain() -> None:
    nano = get_openai_model(NANO_FT)
    assert nano is not None and nano.id == "gpt-4.1-nano-2025-04-14"
    assert nano.fine_tunable(NANO_STILL_ON) and nano.fine_tunable(date(2026, 10, 22))
    assert not nano.fine_tunable(date(2026, 10, 23)) and not nano.fine_tunable(TODAY)
    assert nano.shut_down.value == "2026-10-23" and "gpt-4.1-nano" in nano.shut_down.source
    assert nano.to_dict(TODAY)["fine_tunable"] is False and nano.to_dict(NANO_STILL_ON)["fine_tunable"] is True
    assert "gpt-4.1-nano-2025-04-14 and its fine-tunes shut down on 2026-10-23" in OPENAI_WIND_DOWN.sentence(TODAY)


def test_no_model_is_fine_tunable_from_the_day_new_jobs_end() -> None:
    mini = get_openai_model("gpt-4o-mini")
    assert mini.fine_tunable(TODAY) and mini.fine_tunable(date(2027, 1, 5))
    for day in (date(2027, 1, 6), JOBS_ENDED, SHUT):
        assert not any(m.fine_tunable(day) for m in OPENAI_MODELS), day


def test_methods_dpo_where_openai_offers_it() -> None:
    dpo = {m.id for m in OPENAI_MODELS if "dpo" in m.methods}
    assert dpo == {"gpt-4o-2024-08-06", "gpt-4o-mini-2024-07-18", "gpt-4.1-2025-04-14", "gpt-4.1-mini-2025-04-14",
                   "gpt-4.1-nano-2025-04-14"}
    assert all("supervised" in m.methods for m in OPENAI_MODELS)
    assert get_openai_model("gpt-3.5-turbo").methods == ("supervised",)


@pytest.mark.parametrize("day", [date(2026, 3, 1), NANO_STILL_ON, TODAY, date(2027, 1, 5), JOBS_ENDED, SHUT,
                                 date(2027, 6, 1)])
def test_the_default_model_is_never_shut_down_on_the_day(day: date) -> None:
    model = default_openai_model(day)
    if model is None:
        assert day >= date(2027, 1, 14)
        return
    assert model.shut_down is None or day < date.fromisoformat(model.shut_down.value)
    assert model.fine_tunable(day) == (day < date(2027, 1, 6))


# -- ft: names and tiktoken encodings ---------------------------------------------------------------
@pytest.mark.parametrize("name, base", [
    ("ft:gpt-4.1-mini-2025-04-14:acme:support:9xYz42", "gpt-4.1-mini-2025-04-14"),
    ("ft:gpt-4o-mini-2024-07-18:acme::9xYz42:ckpt-step-40", "gpt-4o-mini-2024-07-18"),
    ("  ft:gpt-3.5-turbo-0125:acme::abc  ", "gpt-3.5-turbo-0125"),
    (" gpt-4o-mini ", "gpt-4o-mini"),
    ("gpt-4.1-2025-04-14", "gpt-4.1-2025-04-14"),
])
def test_ft_names_map_to_their_base_snapshot(name: str, base: str) -> None:
    assert openai_base_model(name) == base
    assert get_openai_model(name) is get_openai_model(base)


def test_tiktoken_sends_ft_gpt_4_1_names_to_cl100k_but_the_catalog_knows_o200k() -> None:
    from tiktoken.model import encoding_name_for_model     # a table lookup: no network
    name = "ft:gpt-4.1-mini-2025-04-14:acme:support:9xYz42"
    assert encoding_name_for_model(name) == "cl100k_base"  # tiktoken's "ft:gpt-4" prefix: wrong for 4.1
    assert openai_encoding(name) == "o200k_base"
    assert openai_encoding("ft:gpt-4o-mini-2024-07-18:acme::9xYz42:ckpt-step-40") == "o200k_base"
    assert openai_encoding("gpt-3.5-turbo") == "cl100k_base"
    assert openai_encoding("ft:gpt-3.5-turbo-0125:acme::abc") == "cl100k_base"
    assert openai_encoding("ft:gpt-3.5-turbo-0613:acme::abc") == "cl100k_base"   # another snapshot of the family
    assert openai_encoding("gpt-9-turbo") == "o200k_base"                         # unknown: today's encoding


class _RecordingTiktoken:
    """tiktoken.get_encoding offline: a byte-level Encoding under the requested name, and the names asked for."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, name: str):
        import tiktoken
        self.asked.append(name)
        return tiktoken.Encoding(name, pat_str=r"\S+|\s+", mergeable_ranks={bytes([i]): i for i in range(256)},
                                 special_tokens={})


@pytest.mark.parametrize("model, encoding", [
    (None, "o200k_base"), ("gpt-3.5-turbo-0125", "cl100k_base"), ("gpt-4o-mini", "o200k_base"),
    ("ft:gpt-4.1-mini-2025-04-14:acme:support:9xYz42", "o200k_base"), ("ft:gpt-3.5-turbo-0125:acme::x", "cl100k_base"),
])
def test_load_counter_loads_the_models_encoding(monkeypatch: pytest.MonkeyPatch, model: str | None,
                                                encoding: str) -> None:
    import tiktoken

    from engine.data.stats import load_counter
    fake = _RecordingTiktoken()
    monkeypatch.setattr(tiktoken, "get_encoding", fake)
    counter, notice = load_counter("openai", model)
    assert fake.asked == [encoding] and notice is None
    assert counter.label == f"tiktoken {encoding}" and counter.exact
    assert counter.count_texts(["abc"]) == [3]                   # byte-level: it really counts with it


def test_offline_load_counter_labels_the_estimate_with_the_encoding_and_says_why_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import tiktoken

    from engine.data.stats import load_counter

    def offline(name: str):
        raise ConnectionError(f"cannot fetch {name}.tiktoken")
    monkeypatch.setattr(tiktoken, "get_encoding", offline)
    counter, notice = load_counter("openai", "gpt-3.5-turbo")
    assert not counter.exact and "estimate" in counter.label and "cl100k_base unavailable offline" in counter.label
    assert notice.startswith("tiktoken's cl100k_base encoding could not be loaded (cannot fetch")
    assert "TIKTOKEN_CACHE_DIR" in notice and "o200k" not in notice


def test_tunewiz_lint_counts_an_openai_file_with_the_models_encoding() -> None:
    # No network here: tiktoken cannot fetch its files, so the estimate says which encoding it stands in for.
    env = {"PYTHONPATH": str(ROOT / "src"), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin",
           "TIKTOKEN_CACHE_DIR": "/nonexistent-tiktoken-cache"}
    counted = {}
    for model in ("gpt-3.5-turbo-0125", "gpt-4o-mini-2024-07-18"):
        result = subprocess.run([sys.executable, "-m", "tui.cli", "lint", "sample_data/support_openai.jsonl",
                                 "--target", "openai", "--model", model, "--json"], capture_output=True, text=True,
                                env=env, cwd=ROOT, timeout=300)
        assert result.returncode in (0, 1), result.stderr
        counted[model] = json.loads(result.stdout)["stats"]["tokens"]["counter"]
    assert "cl100k_base" in counted["gpt-3.5-turbo-0125"] and "o200k_base" in counted["gpt-4o-mini-2024-07-18"]


# -- what tunewiz says on a given day ----------------------------------------------------------------
def test_the_wind_down_sentence_tells_what_has_happened_and_what_comes() -> None:
    june = OPENAI_WIND_DOWN.sentence(BEFORE_INACTIVE_RULE)
    assert "cannot create jobs since 2026-05-07" in june and "from 2026-07-02, those without inference" in june
    assert "shut down on 2026-10-23 (144 days from now)" in june
    now = OPENAI_WIND_DOWN.sentence(TODAY)
    assert "since 2026-07-02, those without inference on a fine-tuned model in the past 60 days are blocked" in now
    assert "no new jobs for anyone from 2027-01-06 (36 days from now)" in now
    assert "2027-01-14 (44 days from now)" in now and "until their base model is retired" in now
    ended = OPENAI_WIND_DOWN.sentence(JOBS_ENDED)
    assert "no new fine-tuning jobs for anyone since 2027-01-06" in ended and "2027-01-14 (7 days from now)" in ended
    assert "blocked too" not in ended                          # moot once nobody can create jobs
    shut = OPENAI_WIND_DOWN.sentence(SHUT)
    assert "shut down on 2027-01-14;" in shut and "days from now" not in shut


@pytest.mark.parametrize("day, code, says", [
    (BEFORE_INACTIVE_RULE, "openai-403-never-fine-tuned", "organisations that never fine-tuned (since 2026-05-07)"),
    (TODAY, "openai-403-inactive", "no inference on a fine-tuned model in the past 60 days"),
    (date(2027, 1, 6), "openai-403-ended", "stopped all new fine-tuning jobs on 2027-01-06"),
    (SHUT, "openai-403-ended", "stopped all new fine-tuning jobs on 2027-01-06"),
])
def test_a_403_training_not_available_is_explained_in_one_sentence_with_the_way_out(day: date, code: str,
                                                                                     says: str) -> None:
    text, info = OPENAI_WIND_DOWN.training_not_available(day)
    assert info["code"] == code and says in text
    assert text.startswith("OpenAI answered 403 training_not_available:") and text.count(". ") == 0
    assert "train an open model on the same file" in text and "OpenAI JSONL" in text
    assert info["params"]["status"] == 403 and info["params"]["error"] == "training_not_available"
    assert info["params"]["new_jobs_end"] == "2027-01-06"


@pytest.mark.parametrize("day, code", [
    (TODAY, "azure-ft-open"), (date(2027, 4, 1), "azure-ft-training-may-have-ended"),
    (date(2027, 10, 31), "azure-ft-training-may-have-ended"), (date(2027, 11, 1), "azure-ft-ended"),
])
def test_azure_says_its_own_schedule_on_the_day(day: date, code: str) -> None:
    text, info = azure_fine_tuning_message("gpt-4o", day)
    assert info["code"] == code and "2027-10" in text and "2026-07-07" in text
    assert info["params"]["training_until"] == "2027-04-01"
    # the gpt-4.1 family trains a little longer; a model or ft: name finds its family
    text41, info41 = azure_fine_tuning_message("ft:gpt-4.1-mini-2025-04-14:acme::x", date(2027, 4, 5))
    assert info41["code"] == "azure-ft-open" and "2027-04-14 (9 days from now)" in text41
    assert azure_fine_tuning_message("gpt-3.5-turbo", TODAY) is None


# -- the advice ---------------------------------------------------------------------------------------
def texts(rec) -> str:
    return " ".join(r.text for r in rec.reasons)


def test_on_2026_12_01_openai_advice_states_the_rules_in_force_azure_and_the_open_model() -> None:
    rec = advise(Answers(goal="style", examples=800, avg_tokens=250, cloud_ok=True), LAPTOP, today=TODAY)
    assert rec.path == "openai" and rec.model == "gpt-4o-mini-2024-07-18"
    rules = rec.rules()
    assert {"openai-path", "openai-eligibility", "openai-wind-down", "openai-azure", "open-alternative"} <= set(rules)
    eligibility = next(r.text for r in rec.reasons if r.rule == "openai-eligibility")
    assert "past 60 days" in eligibility and "since 2026-07-02" in eligibility and "403" in eligibility
    text = texts(rec)
    assert "gpt-4.1-nano-2025-04-14 and its fine-tunes shut down on 2026-10-23" in text
    assert "2027-04-01" in text and "2027-04-14" in text and "2027-10" in text
    assert "tunewiz reads OpenAI JSONL" in text
    assert any("403 training_not_available" in step and "open model" in step for step in rec.next_steps)


def test_before_2026_07_02_only_never_fine_tuned_organisations_are_said_to_be_blocked() -> None:
    rec = advise(Answers(goal="style", examples=800, cloud_ok=True), LAPTOP, today=BEFORE_INACTIVE_RULE)
    eligibility = next(r.text for r in rec.reasons if r.rule == "openai-eligibility")
    assert "since 2026-05-07" in eligibility and "from 2026-07-02" in eligibility


@pytest.mark.parametrize("hardware", [LAPTOP, card(24), card(4)], ids=["no-gpu", "24gb", "4gb"])
def test_after_2027_01_06_advice_never_routes_to_openai_and_says_why(hardware: Hardware) -> None:
    for day in (date(2027, 1, 6), JOBS_ENDED, SHUT):
        rec = advise(Answers(goal="style", examples=800, avg_tokens=250, cloud_ok=True), hardware, today=day)
        assert rec.path != "openai", day
        closed = next(r.text for r in rec.reasons if r.rule == "openai-closed")
        assert "stopped accepting new fine-tuning jobs on 2027-01-06" in closed
        assert ("until 2027-01-14" in closed) == (day < date(2027, 1, 14))
        assert "open-alternative" in rec.rules() and "openai-azure" in rec.rules()
        assert not any(a.startswith("openai:") for a in rec.alternatives)


def test_once_azure_deployments_end_only_the_open_model_is_offered() -> None:
    rec = advise(Answers(goal="style", examples=800, cloud_ok=True), card(24), today=date(2027, 11, 2))
    assert "openai-azure" not in rec.rules() and rec.rules()[-1] == "open-alternative"


def test_no_openai_or_azure_statements_when_openai_is_not_an_option() -> None:
    for answers in (Answers(goal="style", examples=800), Answers(goal="style", examples=800, cloud_ok=True,
                                                                  needs_weights=True),
                    Answers(goal="style", examples=5, cloud_ok=True)):
        rules = advise(answers, LAPTOP, today=TODAY).rules()
        assert not {"openai-azure", "open-alternative", "openai-eligibility"} & set(rules), answers


def test_every_day_of_the_wind_down_gives_true_statements() -> None:
    # Walk the calendar: on each day the route agrees with the catalog's own dates.
    day = date(2026, 4, 1)
    while day < date(2027, 2, 1):
        rec = advise(Answers(goal="style", examples=800, cloud_ok=True), LAPTOP, today=day)
        jobs_open = day < date(2027, 1, 6)
        assert (rec.path == "openai") == jobs_open, day
        if jobs_open:
            assert get_openai_model(rec.model).fine_tunable(day)
        day += timedelta(days=9)


def test_catalog_has_no_second_copy_of_the_dates() -> None:
    # One source of truth: the notice's dates appear once each as a Fact value in the catalog (the
    # OpenAI part lives in openai_catalog.py, which catalog.py re-exports).
    from engine import openai_catalog
    source = "".join(Path(m.__file__).read_text(encoding="utf-8") for m in (catalog, openai_catalog))
    for value in ("2027-01-06", "2026-07-02", "2026-10-23", "2027-04-01", "2027-04-14"):
        assert source.count(f'Fact("{value}"') == 1, value
