"""The wizard for "make it prefer answer A over B" (Pilot, a faked 24 GB GPU): the goal question offers it,
the recommendation is DPO with its fit bar and tuning, the model step shows the DPO bar, the review shows
dpo.tuning / beta / loss_type and the reference the estimate assumes — at 80×24 and 200×60, in both
languages, with a screenshot of each step and every key widget drawn inside the terminal."""
from __future__ import annotations

from pathlib import Path

import pytest

from pilot_support import answer_goal_questions, at_step, data_to_review, until, visible
from test_wizard import FakeNVML, open_wizard, recommendation, screen_text
from tui.app import TunewizApp
from tui.i18n import set_language, t

PAIRS = Path(__file__).resolve().parents[1] / "sample_data" / "support_preference.jsonl"


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    yield
    set_language("en")


@pytest.mark.parametrize("lang, size", [("en", (80, 24)), ("zh", (80, 24)), ("en", (200, 60))])
async def test_preference_goal_recommends_dpo_through_to_the_review(lang, size, tmp_path):
    app = TunewizApp(lang=lang)
    async with app.run_test(size=size) as pilot:
        await open_wizard(pilot, nvml=FakeNVML(), env={})
        await until(pilot, lambda: app.screen.state.detected is not None, what="detection")
        await pilot.press("ctrl+n")
        await at_step(pilot, "goal")
        options = [o.id for o in app.screen.query_one("#wz-options").options]
        assert options[-1] == "preference"
        await answer_goal_questions(pilot, "preference", 3000)
        rec = await recommendation(pilot)
        assert (rec.path, rec.method, rec.model) == ("open", "dpo", "Qwen/Qwen3-8B")
        assert rec.settings["dpo"]["tuning"] == "lora"
        bar = app.screen.query_one("#wz-fit-dpo")
        assert bar.marked and bar.state in ("fits", "tight") and bar.label == "DPO·LoRA"
        assert visible(app, "#wz-fit-dpo") and not app.screen.query_one("#wz-fit-full").display
        assert t("wizard.method.dpo", tuning="LoRA") in str(app.screen.query_one("#wz-rec-head").render())
        app.save_screenshot(path=str(tmp_path), filename=f"recommend-{lang}-{size[0]}.svg")

        await pilot.press("ctrl+n")
        await at_step(pilot, "model")
        screen = app.screen
        await until(pilot, lambda: "dpo" in screen.estimates, what="the DPO estimate")
        assert screen.query_one("#wz-method").value == "dpo"
        assert screen.query_one("#wz-mfit-dpo").marked and visible(app, "#wz-mfit-dpo")
        # the DPO bar prices chosen and rejected together: more than LoRA SFT at the same batch
        assert screen.estimates["dpo"].total_gb > screen.estimates["lora"].total_gb
        app.save_screenshot(path=str(tmp_path), filename=f"model-{lang}-{size[0]}.svg")

        await pilot.press("ctrl+n")
        await at_step(pilot, "dataset")
        await data_to_review(pilot, PAIRS)
        review = app.screen
        assert review.config is not None and review.config.method == "dpo"
        assert (review.values["dpo.tuning"], review.values["dpo.beta"], review.values["dpo.loss_type"]) == \
            ("lora", "0.1", "sigmoid")
        assert review.estimate.reference == "adapter disabled"
        text = screen_text(app)
        assert t("wizard.review.dpo_reference.adapter_disabled", beta=0.1, loss="sigmoid") in text
        for selector in ("#wz-review-fit", "#wz-review-breakdown"):
            assert visible(app, selector), selector
        app.save_screenshot(path=str(tmp_path), filename=f"review-{lang}-{size[0]}.svg")
        if lang != "en" or size != (80, 24):
            return
        # full DPO on the review: the reference becomes a frozen copy, and the estimate grows by it
        lora_gb = review.estimate.total_gb
        review.row("dpo.tuning").value = "full"
        await until(pilot, lambda: review.estimate is not None and review.estimate.reference == "frozen copy",
                    what="the full-DPO estimate")
        assert review.estimate.total_gb > lora_gb + 15          # a second 16-bit copy of an 8B model
        assert t("wizard.review.dpo_reference.frozen_copy", beta=0.1, loss="sigmoid") in screen_text(app)


async def test_the_catalog_list_shows_moe_sizes_and_todays_families():
    app = TunewizApp(lang="en")
    async with app.run_test(size=(120, 40)) as pilot:
        await open_wizard(pilot, nvml=FakeNVML(), env={})
        await until(pilot, lambda: app.screen.state.detected is not None, what="detection")
        await pilot.press("ctrl+n")
        await answer_goal_questions(pilot, "task", 2000)
        await recommendation(pilot)
        await pilot.press("ctrl+n")
        await at_step(pilot, "model")
        prompts = {o.id: str(o.prompt) for o in app.screen.query_one("#wz-catalog").options}
        assert "30.5B (3.4B active)" in prompts["Qwen/Qwen3-30B-A3B"]
        assert "thinks" in prompts["Qwen/Qwen3-8B"] and "thinks" not in prompts["Qwen/Qwen2.5-7B-Instruct"]
        assert {"google/gemma-3-12b-it", "meta-llama/Llama-3.3-70B-Instruct", "THUDM/GLM-4-9B-0414"} <= set(prompts)
