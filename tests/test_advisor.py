"""The decision tree: what a user with given answers and hardware is told to do, and why."""
from __future__ import annotations

import itertools
import re
from datetime import date
from pathlib import Path
from string import Formatter

import pytest

import engine.advisor as advisor
from engine import advice_rules
from engine.advice_rules import RULE_LIST, RULES
from engine.advisor import AdviceError, Answers, TrainerProfile, advise, pick_max_length
from engine.catalog import UnknownModelError, get_model
from engine.hardware import GPU, Hardware, assumed
from engine.memory import estimate

TODAY = date(2026, 11, 27)
LAPTOP = Hardware(gpus=[], cpu_cores=2, ram_gb=16.0, ram_available_gb=12.0, note="no NVIDIA GPU: NVML is unavailable")
TASK = Answers(goal="task", examples=2000, avg_tokens=300)


def gpu(gb: float, free: float | None = None) -> Hardware:
    card = GPU(index=0, nvml_index=0, name=f"{gb:g} GB card", uuid="GPU-x", total_gb=gb,
               free_gb=gb if free is None else free, driver="550", compute_capability=(8, 9))
    return Hardware(gpus=[card], cpu_cores=16, ram_gb=64.0)


def run(answers: Answers, hardware: Hardware, **kw) -> advisor.Recommendation:
    return advise(answers, hardware, today=TODAY, **kw)


def wind_down_stated(rec: advisor.Recommendation) -> bool:
    text = " ".join(r.text for r in rec.reasons)
    return "2027-01-06" in text and "2027-01-14" in text


# -- the paths the issue names ----------------------------------------------------------------------
def test_knowledge_goal_gets_rag_with_next_steps() -> None:
    rec = run(Answers(goal="knowledge", examples=5000, cloud_ok=True), gpu(80))
    assert rec.path == "rag" and rec.method is None and rec.model is None
    assert "knowledge-goal" in rec.rules() and "no-reliable-facts" in rec.rules()
    assert len(rec.next_steps) >= 4 and any("embed" in s.lower() for s in rec.next_steps)


def test_no_gpu_and_cloud_allowed_goes_to_openai_with_the_wind_down_dates() -> None:
    rec = run(Answers(goal="style", examples=800, avg_tokens=250, cloud_ok=True), LAPTOP)
    assert rec.path == "openai" and rec.model.startswith("gpt-")
    assert wind_down_stated(rec)
    assert rec.settings["estimated_cost_usd"] > 0
    assert any("rent" in alt for alt in rec.alternatives)          # the own-weights way out is offered


def test_no_gpu_without_cloud_gets_the_demo_model_or_a_rented_gpu() -> None:
    rec = run(TASK, LAPTOP)
    assert rec.path == "open" and rec.model == "demo" and rec.method == "lora" and rec.device == "cpu"
    assert "cpu-demo" in rec.rules() and "rent-gpu" in rec.rules()
    rent = next(r for r in rec.reasons if r.rule == "rent-gpu")
    # The card size comes from the estimator: the smallest rentable card that fits a method.
    size = int(rent.text.split("at least ")[1].split(" GB")[0])
    needed = estimate(get_model(advisor.DEFAULT_MODEL), "qlora", 1024, 1).total_gb
    assert needed < size and size in advisor.RENTABLE_GB


def test_8gb_runs_qlora_on_the_guides_7b_and_a_smaller_qwen3_by_default() -> None:
    # tunewiz's trainer keeps the frozen non-quantised weights in bf16 after prepare_model_for_kbit_training.
    rec = run(Answers(goal="task", examples=2000, avg_tokens=200, model="Qwen/Qwen2.5-7B-Instruct"), gpu(8))
    assert (rec.path, rec.method, rec.model) == ("open", "qlora", "Qwen/Qwen2.5-7B-Instruct")
    assert rec.settings["gradient_checkpointing"] is True
    assert rec.estimate.total_gb <= 8
    # Today's default, Qwen3-8B, is bigger (8.2B, untied 152k-vocabulary head): its QLoRA leaves less than
    # the headroom on 8 GB, so the advice is the largest Qwen3 that fits, and it says why.
    default = run(Answers(goal="task", examples=2000, avg_tokens=200), gpu(8))
    qlora_8b = estimate(get_model("Qwen/Qwen3-8B"), "qlora", 512, 1, vram_gb=8)
    assert qlora_8b.total_gb + advisor.HEADROOM_FRACTION * 8 > 8
    assert (default.method, default.model) == ("qlora", "Qwen/Qwen3-4B") and "smaller-model" in default.rules()


def test_8gb_with_a_trainer_that_upcasts_explains_the_fp32_embeddings_and_picks_a_smaller_model() -> None:
    # A plain peft script keeps what prepare_model_for_kbit_training upcast to fp32 (+2 GB on a
    # 152k-vocabulary 7B), so QLoRA on the 7B no longer fits 8 GB: the advisor says so, with numbers.
    rec = run(Answers(goal="task", examples=2000, avg_tokens=200), gpu(8),
              profile=TrainerProfile(kbit_upcast=True))
    assert rec.path == "open" and rec.model != "Qwen/Qwen2.5-7B-Instruct"
    assert get_model(rec.model).params < 7
    why = next(r.text for r in rec.reasons if r.rule == "smaller-model")
    assert "QLORA needs" in why and "fp32" in why


def test_24gb_runs_lora_on_a_7b_with_gradient_checkpointing() -> None:
    rec = run(TASK, gpu(24))
    assert (rec.path, rec.method, rec.model) == ("open", "lora", "Qwen/Qwen3-8B")
    assert rec.settings["gradient_checkpointing"] is True
    assert "gradient-checkpointing" in rec.rules()
    # The decision follows the estimator: full SFT does not fit, LoRA does (with headroom).
    assert estimate(get_model(rec.model), "full", 1024, 1, vram_gb=24).fits is False
    assert rec.estimate.total_gb + advisor.HEADROOM_FRACTION * 24 <= 24
    no_ckpt = estimate(get_model(rec.model), "lora", rec.settings["max_length"], 1, grad_checkpointing=False)
    assert no_ckpt.total_gb > 24 * (1 - advisor.HEADROOM_FRACTION)


def test_80gb_runs_full_sft_on_a_small_model() -> None:
    rec = run(Answers(goal="task", examples=20000, avg_tokens=300, model="Qwen/Qwen2.5-1.5B-Instruct"), gpu(80))
    assert (rec.path, rec.method, rec.model) == ("open", "full", "Qwen/Qwen2.5-1.5B-Instruct")
    assert rec.settings["learning_rate"] == 2e-5 and "lora" not in rec.settings
    assert rec.settings["epochs"] == 1                           # much data: one pass


def test_80gb_default_model_follows_the_estimator() -> None:
    rec = run(TASK, gpu(80))
    full = estimate(get_model(rec.model), "full", rec.settings["max_length"], 1, vram_gb=80)
    assert rec.method == ("full" if full.total_gb <= 80 * (1 - advisor.HEADROOM_FRACTION) else "lora")


def test_thresholds_come_from_the_estimator(monkeypatch: pytest.MonkeyPatch) -> None:
    # Make every estimate a third: the same 24 GB card now takes full SFT of the 7B. No table to edit.
    from engine import advice_core
    real = advice_core.estimate

    def a_third(*args, **kwargs):
        e = real(*args, **kwargs)
        return type(e)(**{**e.__dict__, "total_gb": round(e.total_gb / 3, 2)})

    monkeypatch.setattr(advice_core, "estimate", a_third)
    assert run(TASK, gpu(24)).method == "full"


# -- the other rules --------------------------------------------------------------------------------
def test_fewer_than_ten_examples_refuses_openai() -> None:
    rec = run(Answers(goal="style", examples=6, cloud_ok=True), LAPTOP)
    assert rec.path != "openai"
    assert "openai-minimum" in rec.rules() and "few-examples" in rec.rules()


def test_fewer_than_500_examples_warns() -> None:
    rec = run(Answers(goal="task", examples=120, avg_tokens=300), gpu(24))
    assert "few-examples" in rec.rules() and rec.path == "open"
    assert "few-examples" not in run(Answers(goal="task", examples=500), gpu(24)).rules()


def test_very_short_answers_suggest_a_classifier() -> None:
    rec = run(Answers(goal="task", examples=3000, avg_tokens=60, avg_output_tokens=2), gpu(24))
    assert "short-texts" in rec.rules()
    assert any(alt.startswith("classifier") for alt in rec.alternatives)


def test_domain_corpus_gets_continual_pretraining_when_it_fits() -> None:
    rec = run(Answers(goal="domain", examples=50000, avg_tokens=900), gpu(80))
    assert (rec.method, rec.model) == ("cpt", "Qwen/Qwen3-8B-Base") and rec.settings["epochs"] == 1
    assert "domain-corpus" in rec.rules()


def test_domain_corpus_on_a_small_gpu_falls_back_to_lora_on_the_raw_text() -> None:
    rec = run(Answers(goal="domain", examples=50000, avg_tokens=900), gpu(24))
    assert rec.method in ("lora", "qlora") and "cpt-too-big" in rec.rules()


def test_domain_with_qa_pairs_is_ordinary_fine_tuning() -> None:
    rec = run(Answers(goal="domain", examples=3000, raw_corpus=False), gpu(24))
    assert rec.method in ("lora", "qlora", "full") and "domain-pairs" in rec.rules()


def test_cloud_ok_with_a_good_gpu_trains_locally_and_still_states_the_dates() -> None:
    rec = run(Answers(goal="style", examples=2000, cloud_ok=True), gpu(24))
    assert rec.path == "open" and wind_down_stated(rec)
    assert any(alt.startswith("openai") for alt in rec.alternatives)


def test_needing_the_weights_rules_out_openai() -> None:
    rec = run(Answers(goal="style", examples=2000, cloud_ok=True, needs_weights=True), LAPTOP)
    assert rec.path == "open" and "own-weights" in rec.rules()


def test_after_the_wind_down_openai_is_not_offered() -> None:
    rec = advise(Answers(goal="style", examples=2000, cloud_ok=True), LAPTOP, today=date(2027, 2, 1))
    assert rec.path == "open" and "openai-closed" in rec.rules()


def test_gpu_too_small_for_everything_goes_to_openai_when_allowed() -> None:
    rec = run(Answers(goal="task", examples=2000, avg_tokens=300, cloud_ok=True), gpu(1))  # QLoRA of a 0.5B needs ~1.9 GB
    assert rec.path == "openai" and "too-small-gpu" in rec.rules() and wind_down_stated(rec)


def test_a_gpu_without_bf16_never_gets_full_sft() -> None:
    v100 = Hardware(gpus=[GPU(index=0, nvml_index=0, name="Tesla V100-SXM2-32GB", uuid="GPU-v", total_gb=32.0,
                              free_gb=32.0, driver="535", compute_capability=(7, 0))], cpu_cores=8, ram_gb=64)
    rec = run(Answers(goal="task", examples=2000, model="Qwen/Qwen2.5-0.5B-Instruct"), v100)
    assert rec.method == "lora" and "no-bf16" in rec.rules()       # full of 0.5B would fit 32 GB in bf16
    assert run(Answers(goal="task", examples=2000, model="Qwen/Qwen2.5-0.5B-Instruct"), gpu(32)).method == "full"
    domain = run(Answers(goal="domain", examples=9000, model="Qwen/Qwen2.5-0.5B"), v100)
    assert domain.method in ("lora", "qlora") and "cpt-needs-bf16" in domain.rules()


def test_a_busy_gpu_is_sized_by_its_free_memory() -> None:
    rec = run(TASK, gpu(24, free=12))
    assert "gpu-busy" in rec.rules() and rec.vram_gb == 12
    assert rec.estimate.total_gb <= 12


def test_remote_code_models_tell_the_user_to_opt_in() -> None:
    rec = run(Answers(goal="task", examples=2000, model="glm4"), gpu(48))
    assert rec.model == "THUDM/glm-4-9b-chat" and "trust-remote-code" in rec.rules()
    assert "trust_remote_code" not in rec.settings                # never set on the user's behalf


def test_settings_are_a_valid_run_config() -> None:
    from engine.train.config import RunConfig
    for answers, hw in ((TASK, gpu(24)), (TASK, gpu(80)), (TASK, LAPTOP),
                        (Answers(goal="domain", examples=9000, avg_tokens=900), gpu(80)),
                        (Answers(goal="preference", examples=3000), gpu(24)),
                        (Answers(goal="preference", examples=3000), gpu(8)), (Answers(goal="preference"), LAPTOP),
                        (Answers(goal="task", examples=2000, model="Qwen/Qwen3-30B-A3B"), gpu(141))):
        rec = run(answers, hw)
        config = RunConfig(**rec.settings)                       # every key and value is accepted
        assert config.method == rec.method and config.model == rec.model
        if rec.method == "dpo":
            assert config.dpo.tuning == rec.estimate.dpo_tuning and config.learning_rate == 5e-6


def test_max_length_covers_twice_the_average_and_the_model_context() -> None:
    assert pick_max_length(300, get_model("demo")) == 1024
    assert pick_max_length(None, None) == 1024
    assert pick_max_length(3000, get_model("baichuan2-7b")) == 4096     # its context


def test_nonsense_answers_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(AdviceError, match="goal"):
        run(Answers(goal="vibes"), gpu(24))
    with pytest.raises(AdviceError, match="examples"):
        run(Answers(goal="task", examples=-3), gpu(24))
    with pytest.raises(UnknownModelError):
        run(Answers(goal="task", model="nobody/nothing-at-all"), assumed(24))


def test_recommendation_to_dict_has_the_contract_keys() -> None:
    data = run(TASK, gpu(24)).to_dict()
    assert {"path", "method", "model", "settings", "reasons"} <= set(data)
    assert all(set(r) == {"rule", "text", "code", "params"} and r["code"].startswith(f"advice.{r['rule']}")
               for r in data["reasons"])


# -- the rule registry (engine.advice_rules) --------------------------------------------------------
def template_pattern(template: str) -> re.Pattern[str]:
    """A template as a regex: its literal text exactly, anything for each `{field}`."""
    parts = [re.escape(literal) + ("(.+?)" if name is not None else "")
             for literal, name, _, _ in Formatter().parse(template)]
    return re.compile("".join(parts), re.DOTALL)


def card(gb: float, cc: tuple[int, int] = (8, 9), free: float | None = None) -> Hardware:
    gpu_ = GPU(index=0, nvml_index=0, name=f"{gb:g} GB card sm{cc[0]}{cc[1]}", uuid="GPU-x", total_gb=gb,
               free_gb=gb if free is None else free, driver="550", compute_capability=cc)
    return Hardware(gpus=[gpu_], cpu_cores=16, ram_gb=64.0)


def cards(gb: float, n: int) -> Hardware:
    """n equal GPUs of `gb` (what NVML shows on a box with n cards)."""
    gpus = [GPU(index=i, nvml_index=i, name=f"{gb:g} GB card", uuid=f"GPU-{i}", total_gb=gb, free_gb=gb,
                driver="550", compute_capability=(8, 9)) for i in range(n)]
    return Hardware(gpus=gpus, cpu_cores=32, ram_gb=256.0)


TUNEWIZ = advisor.TUNEWIZ_TRAINER
SWEEP_HARDWARE = (LAPTOP, Hardware(gpus=[], cpu_cores=2, ram_gb=0.5, ram_available_gb=0.3, note=""),
                  card(1), card(8), card(24), card(80), card(16, cc=(7, 5)), card(24, free=10.0))


def sweep_answers() -> list[tuple[Answers, Hardware, date, TrainerProfile]]:
    """Enough inputs to reach every rule of the tree (checked below)."""
    cases = []
    for goal, hw, examples, avg_tokens, avg_output, cloud_ok, needs_weights in itertools.product(
            ("knowledge", "style", "domain"), SWEEP_HARDWARE, (5, 800), (300, 70000), (None, 2), (False, True),
            (False, True)):
        cases.append((Answers(goal=goal, examples=examples, avg_tokens=avg_tokens, avg_output_tokens=avg_output,
                              cloud_ok=cloud_ok, needs_weights=needs_weights), hw, TODAY, TUNEWIZ))
    for model, hw in itertools.product(("glm4", "meta-llama/Llama-3.1-8B-Instruct", "demo"), (card(8), card(48))):
        cases.append((Answers(goal="task", examples=800, model=model), hw, TODAY, TUNEWIZ))
    for hw in (card(8), card(24)):          # QLoRA with peft's fp32 upcast: a smaller model, with a note
        cases.append((TASK, hw, TODAY, TrainerProfile(kbit_upcast=True)))
    cases.append((Answers(goal="domain", raw_corpus=False, examples=800), card(24), TODAY, TUNEWIZ))
    # preference: pairs on a GPU, on a base model, without a GPU, and single answers instead of pairs
    for hw in (LAPTOP, card(8), card(24)):
        cases.append((Answers(goal="preference", examples=3000, avg_tokens=400), hw, TODAY, TUNEWIZ))
    cases.append((Answers(goal="preference", examples=3000, model="Qwen/Qwen3-8B-Base"), card(24), TODAY, TUNEWIZ))
    cases.append((Answers(goal="preference", examples=3000, pairs=False), card(24), TODAY, TUNEWIZ))
    cases.append((Answers(goal="task", examples=800, cloud_ok=True), LAPTOP, date(2027, 2, 1), TUNEWIZ))
    # OpenAI's wind-down on other days: before the 60-day rule, the day after new jobs end, after Azure's dates
    for day in (date(2026, 6, 1), date(2027, 1, 7), date(2027, 4, 5), date(2027, 11, 2)):
        for hw in (LAPTOP, card(24)):
            cases.append((Answers(goal="task", examples=800, cloud_ok=True), hw, day, TUNEWIZ))
    cases.append((Answers(goal="task", examples=None, cloud_ok=True), LAPTOP, TODAY, TUNEWIZ))
    # several GPUs: DDP when one card holds it, sharded when only all of them do (with and without a lighter way)
    for model, hw in (("qwen2.5-7b", cards(24, 2)), ("Qwen/Qwen2.5-14B-Instruct", cards(24, 2)),
                      ("Qwen/Qwen2.5-7B-Instruct", cards(10, 4))):
        cases.append((Answers(goal="task", examples=800, model=model), hw, TODAY, TUNEWIZ))
    return cases


def test_every_reason_the_advisor_gives_is_a_registered_rule_in_its_registered_words() -> None:
    patterns = {rule.id: [template_pattern(t) for t in rule.templates().values()] for rule in RULE_LIST}
    seen: set[str] = set()
    for answers, hw, today, profile in sweep_answers():
        for reason in advise(answers, hw, today=today, profile=profile).reasons:
            assert reason.rule in RULES, (reason.rule, answers)
            assert any(p.fullmatch(reason.text) for p in patterns[reason.rule]), (reason.rule, reason.text)
            seen.add(reason.rule)
    # ... and every registered rule is reachable: the docs list no rule the advisor never gives.
    assert seen == set(RULES), sorted(set(RULES) - seen)


def test_every_wording_of_the_openai_rules_is_reachable() -> None:
    # The wind-down rules have a wording per phase (before/after a date): each one is given on some day.
    openai_rules = {rule.id: rule for rule in RULE_LIST if rule.id.startswith(("openai-", "open-"))}
    unseen = {(rid, name) for rid, rule in openai_rules.items() for name in rule.templates()}
    for answers, hw, today, profile in sweep_answers():
        for reason in advise(answers, hw, today=today, profile=profile).reasons:
            for name, template in openai_rules.get(reason.rule, RULES[reason.rule]).templates().items():
                if reason.rule in openai_rules and template_pattern(template).fullmatch(reason.text):
                    unseen.discard((reason.rule, name))
    assert not unseen, sorted(unseen)


def test_the_rule_registry_is_consistent() -> None:
    assert len(RULES) == len(RULE_LIST) >= 25                     # ids are unique
    for rule in RULE_LIST:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.id), rule.id
        assert rule.when and (rule.guide or rule.basis), rule.id     # every rule says where it comes from
        assert rule.guide is None or re.fullmatch(r"A\d?|B\d(\.\d)?|C", rule.guide), rule.id
        # a section a text cites is the rule's own
        cited = {c for t in rule.templates().values() for c in re.findall(r"\(guide ([A-C][\d.]*)\)", t)}
        assert cited <= {rule.guide}, (rule.id, cited)


def test_docs_advice_rules_md_is_generated_from_the_registry() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "advice-rules.md").read_text(encoding="utf-8")
    assert doc == advice_rules.markdown(), \
        "docs/advice-rules.md is stale: python -m engine.advice_rules > docs/advice-rules.md"
    for rule in RULE_LIST:
        assert f"| `{rule.id}` |" in doc


# -- more than one GPU ---------------------------------------------------------------------------------
def test_two_24gb_cards_and_a_14b_model_train_lora_sharded_with_fsdp_not_qlora_on_one() -> None:
    from engine.train.config import RunConfig
    rec = run(Answers(goal="task", examples=2000, avg_tokens=300, model="Qwen/Qwen2.5-14B-Instruct"), cards(24, 2))
    assert (rec.method, rec.world_size, rec.sharding) == ("lora", 2, "fsdp")
    assert "multi-gpu-shard" in rec.rules() and "memory-fit" not in rec.rules()
    # the figure is the estimator's, per GPU, for the chosen batch
    e = rec.estimate
    per_gpu = estimate(get_model("Qwen/Qwen2.5-14B-Instruct"), "lora", e.seq_len, e.batch, e.gradient_checkpointing,
                       sharding="fsdp", world_size=2)
    assert e.total_gb == per_gpu.total_gb < 24 < rec.fit["lora"].total_gb
    text = next(r.text for r in rec.reasons if r.rule == "multi-gpu-shard")
    assert f"{per_gpu.total_gb:.1f} GB per GPU" in text and "QLoRA" in text    # the one-card way is named
    config = RunConfig(**rec.settings)
    assert (config.distributed, config.nproc_per_node) == ("fsdp", 2)
    assert config.batch_size * config.grad_accum * 2 == 16                     # the effective batch, over both
    assert rec.to_dict()["world_size"] == 2 and rec.to_dict()["sharding"] == "fsdp"
    # one card of the same size: QLoRA, nothing distributed
    single = run(Answers(goal="task", examples=2000, avg_tokens=300, model="Qwen/Qwen2.5-14B-Instruct"), cards(24, 1))
    assert (single.method, single.world_size) == ("qlora", 1) and "distributed" not in single.settings


def test_two_80gb_cards_give_a_14b_model_full_sft_across_both() -> None:
    rec = run(Answers(goal="task", examples=2000, avg_tokens=300, model="Qwen/Qwen2.5-14B-Instruct"), cards(80, 2))
    assert (rec.method, rec.sharding, rec.settings["distributed"]) == ("full", "fsdp", "fsdp")
    assert rec.fit["full"].total_gb > 80 > rec.estimate.total_gb


def test_what_fits_one_card_trains_with_ddp_on_every_card() -> None:
    rec = run(TASK, cards(24, 2))
    assert (rec.method, rec.model, rec.sharding) == ("lora", "Qwen/Qwen3-8B", "ddp")
    assert {"memory-fit", "multi-gpu-ddp"} <= set(rec.rules()) and "multi-gpu-shard" not in rec.rules()
    assert rec.settings["nproc_per_node"] == 2 and rec.settings["distributed"] == "ddp"
    assert rec.estimate.total_gb == run(TASK, cards(24, 1)).estimate.total_gb          # DDP divides nothing


def test_the_sharding_asked_for_is_the_one_given() -> None:
    answers = Answers(goal="task", examples=2000, avg_tokens=300, model="Qwen/Qwen2.5-14B-Instruct")
    zero3 = run(answers, cards(24, 2), sharding="zero3")
    assert zero3.settings["distributed"] == "deepspeed" and zero3.settings["deepspeed_stage"] == 3
    assert "ZeRO-3" in " ".join(zero3.rules() and [r.text for r in zero3.reasons])
    never = run(answers, cards(24, 2), sharding="ddp")
    assert never.method == "qlora" and never.sharding == "ddp" and "multi-gpu-shard" not in never.rules()
    with pytest.raises(AdviceError, match="sharding"):
        run(answers, cards(24, 2), sharding="zero9")


# -- today's models and preference tuning -------------------------------------------------------------
def test_the_default_is_todays_model_and_the_guides_models_stay_named_alternatives() -> None:
    rec = run(TASK, gpu(24))
    assert rec.model == "Qwen/Qwen3-8B" and "todays-default" in rec.rules()
    for guide_model, _ in advisor.GUIDE_MODELS:
        assert get_model(guide_model) is not None                       # each one still in the catalog
        assert any(alt.startswith(f"{guide_model}: ") for alt in rec.alternatives), guide_model
    # asking for a guide model by name gets it, without the default's reason
    guide = run(Answers(goal="task", examples=2000, avg_tokens=300, model="qwen2.5-7b-instruct"), gpu(24))
    assert guide.model == "Qwen/Qwen2.5-7B-Instruct" and "todays-default" not in guide.rules()


def test_preference_with_pairs_trains_dpo_with_an_adapter_sized_by_the_estimator() -> None:
    rec = run(Answers(goal="preference", examples=3000, avg_tokens=400), gpu(24))
    assert (rec.path, rec.method, rec.model) == ("open", "dpo", "Qwen/Qwen3-8B")
    assert rec.rules()[0] == "preference-dpo" and "memory-fit" in rec.rules()
    assert rec.settings["dpo"] == {"tuning": "lora", "beta": 0.1, "loss_type": "sigmoid"}
    assert rec.settings["learning_rate"] == 5e-6 and "lora" in rec.settings
    e = rec.estimate
    assert e.method == "dpo" and e.reference == "adapter disabled"
    assert e.total_gb + advisor.HEADROOM_FRACTION * 24 <= 24
    # the batch counts pairs (2 sequences each): the next batch size tried would not fit with the headroom
    assert e.gradient_checkpointing and e.batch < max(advisor.BATCH_SIZES)
    more = estimate(get_model(rec.model), "dpo", e.seq_len, min(b for b in advisor.BATCH_SIZES if b > e.batch),
                    vram_gb=24)
    assert more.total_gb + advisor.HEADROOM_FRACTION * 24 > 24
    assert set(rec.fit) == {"dpo"} and rec.fit["dpo"].dpo_tuning == "lora"
    assert any("full DPO" in alt for alt in rec.alternatives)


def test_preference_on_a_small_gpu_takes_qlora_then_a_smaller_model() -> None:
    rec = run(Answers(goal="preference", examples=3000, avg_tokens=400), gpu(12))
    lora = estimate(get_model(rec.model), "dpo", rec.estimate.seq_len, 1, dpo_tuning="lora")
    assert rec.method == "dpo" and rec.settings["dpo"]["tuning"] == "qlora"
    assert lora.total_gb + advisor.HEADROOM_FRACTION * 12 > 12          # LoRA did not fit: that is why
    tiny = run(Answers(goal="preference", examples=3000, avg_tokens=400), gpu(8))
    assert tiny.model != "Qwen/Qwen3-8B" and "smaller-model" in tiny.rules() and tiny.method == "dpo"


def test_preference_without_pairs_says_collect_pairs_or_do_sft_first() -> None:
    rec = run(Answers(goal="preference", examples=3000, pairs=False), gpu(24))
    assert rec.rules()[0] == "preference-needs-pairs" and rec.method == "lora" and "dpo" not in rec.settings
    text = rec.reasons[0].text
    assert "collect pairs" in text and "supervised fine-tuning first" in text


def test_preference_on_a_base_model_says_to_fine_tune_it_first() -> None:
    rec = run(Answers(goal="preference", examples=3000, model="Qwen/Qwen3-8B-Base"), gpu(24))
    assert rec.method == "dpo" and "preference-sft-first" in rec.rules()
    assert "preference-sft-first" not in run(Answers(goal="preference", examples=3000), gpu(24)).rules()


def test_preference_without_a_gpu_sizes_a_rented_one_and_runs_dpo_on_the_demo() -> None:
    rec = run(Answers(goal="preference", examples=3000), LAPTOP)
    assert (rec.model, rec.method, rec.device) == ("demo", "dpo", "cpu")
    assert {"no-gpu", "rent-gpu", "cpu-demo"} <= set(rec.rules())
    assert "DPO with LoRA" in next(r.text for r in rec.reasons if r.rule == "cpu-demo")


def test_an_moe_model_gets_lora_without_dropout() -> None:
    # peft refuses lora_dropout on an MoE model's expert stacks (which its all-linear adapts)
    rec = run(Answers(goal="task", examples=2000, model="Qwen/Qwen3-30B-A3B"), gpu(141))
    assert rec.method in ("lora", "qlora") and rec.settings["lora"]["dropout"] == 0.0
    dense = run(TASK, gpu(24))
    assert "dropout" not in dense.settings["lora"]
