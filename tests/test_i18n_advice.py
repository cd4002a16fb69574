"""The advisor's reasons in Chinese (issue 16): each reason carries a code and raw params (its parts
included), `tunewiz --lang zh advise` says them in Chinese, `--json` keeps the English beside the code,
and the English rebuilt from the code is the reason's own text, for every reason the tree gives."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from engine.advisor import advise
from engine.message_parts import codes_in
from engine.messages import registered
from test_advisor import sweep_answers
from tui.i18n import set_language
from tui.message_parts import render_item
from pilot_support import until

ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "COLUMNS": "200"}
QUOTED = {"license", "note", "gpu"}   # and a GPU's name
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def recommendations():
    """Every recommendation of the advisor's sweep (enough answers to reach every rule)."""
    return [advise(answers, hw, today=today, profile=profile) for answers, hw, today, profile in sweep_answers()]


@pytest.fixture(scope="module")
def reasons(recommendations):
    return [reason for rec in recommendations for reason in rec.reasons]


def tunewiz(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tui.cli", *args], capture_output=True, text=True, env=ENV, timeout=60)


def test_every_reason_is_a_registered_code_with_raw_params_that_survive_json(reasons):
    codes = registered()
    for reason in reasons:
        data = json.loads(json.dumps(reason.to_dict()))
        assert data["code"] in codes and all(code in codes for code in codes_in(data["params"])), data["code"]
        # no English sentence hides in a param: strings are ids, dates, model names, numbers; only data quoted
        # as it is (the catalog's licence text, the hardware's or the estimator's own note) may be words
        for name, value in data["params"].items():
            if name not in QUOTED:
                assert not (isinstance(value, str) and len(value.split()) > 3), (data["code"], name, value)
        set_language("en")
        assert render_item(data) == reason.text                      # the English, rebuilt from code + params
        set_language("zh")
        try:
            chinese = render_item(data)
        finally:
            set_language("en")
        assert CJK.search(chinese) and "{" not in chinese, (data["code"], chinese)


def test_every_alternative_and_next_step_is_coded_and_reads_in_both_languages(recommendations):
    from tui.i18n import tables
    seen = set()
    for rec in recommendations:
        data = json.loads(json.dumps(rec.to_dict()))
        assert [m["text"] for m in data["alternative_messages"]] == data["alternatives"]
        assert [m["text"] for m in data["next_step_messages"]] == data["next_steps"]
        for item in data["alternative_messages"] + data["next_step_messages"]:
            assert item["code"].startswith(("advice.alt.", "advice.next.")), item
            seen.add(item["code"])
            set_language("en")
            assert render_item(item) == item["text"]
            set_language("zh")
            try:
                chinese = render_item(item)
            finally:
                set_language("en")
            # a bare command (tunewiz lint FILE) reads the same in both; every sentence reads in Chinese
            assert CJK.search(chinese) or not CJK.search(tables()["zh"][item["code"]]), item
    assert seen == {code for code in registered() if code.startswith(("advice.alt.", "advice.next."))}


def test_advise_says_its_reasons_in_chinese_and_json_stays_english():
    args = ("advise", "--goal", "task", "--examples", "3000", "--avg-tokens", "200", "--vram-gb", "12",
            "--model", "Qwen/Qwen2.5-14B-Instruct")
    zh = tunewiz("--lang", "zh", *args)
    assert zh.returncode == 0, zh.stderr
    assert "放不进" in zh.stdout and "QLoRA 即使 batch 为 1" in zh.stdout          # smaller-model, with its why-not part
    assert "用 QLoRA（4 位基座） 训练 Qwen/Qwen2.5-7B-Instruct 需要" in zh.stdout    # memory-fit, its method part
    assert "does not fit" not in zh.stdout
    en = tunewiz(*args)
    assert "does not fit" in en.stdout and "放不进" not in en.stdout
    data = json.loads(tunewiz("--lang", "zh", *args, "--json").stdout)
    smaller = next(r for r in data["reasons"] if r["rule"] == "smaller-model")
    assert smaller["code"] == "advice.smaller-model" and "does not fit" in smaller["text"]
    assert smaller["params"]["why_not"]["code"] == "advice.part.why-not"
    assert smaller["params"]["why_not"]["params"]["method"] == {"code": "advice.part.name.qlora", "params": {}}


async def test_the_wizards_recommendation_gives_its_reasons_and_alternatives_in_chinese():
    from pilot_support import answer_goal_questions
    from test_wizard import FakeNVML, open_wizard, recommendation
    from tui.app import TunewizApp
    app = TunewizApp(lang="zh")
    async with app.run_test(size=(120, 60)) as pilot:
        await open_wizard(pilot, nvml=FakeNVML(), env={})
        await until(pilot, lambda: app.screen.state.detected is not None, what="detection")
        await pilot.press("ctrl+n")
        await answer_goal_questions(pilot, "task", 2000, length="long")
        rec = await recommendation(pilot)
        reasons = str(app.screen.query_one("#wz-rec-reasons").render())
        alternatives = str(app.screen.query_one("#wz-rec-alternatives").render())
    fit = next(r for r in rec.reasons if r.rule == "memory-fit")
    assert f"用 LoRA（16 位基座） 训练 {rec.model} 需要 {fit.params['need']:.1f} GB" in reasons
    assert "梯度检查点已打开" in reasons and "needs" not in reasons
    assert "Qwen/Qwen2.5-7B-Instruct：指南的首选" in alternatives and "the guide's" not in alternatives
