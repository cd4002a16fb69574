"""The wizard, walked as a user walks it (Pilot): every branch to its end screen, back/forward
keeping answers, bad input answered inline, a real detached run started from the config review,
and the layout at 80×24 in both languages."""
from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from conftest import memorise_rows, write_jsonl
from engine.hardware import Hardware
from tui.app import TunewizApp
from tui.i18n import set_language, t
from tui.screens.wizard.state import parse_count, parse_vram
from pilot_support import answer, at_step, data_to_review, step, until, visible

GIB = 1024 ** 3
NO_GPU = Hardware(gpus=[], cpu_cores=2, ram_gb=7.8, ram_available_gb=5.0,
                  note="no NVIDIA GPU: NVML is unavailable (test)")


class FakeNVML:
    """The pynvml calls engine.hardware makes, answering for one RTX 4090."""

    card = {"name": "NVIDIA GeForce RTX 4090", "uuid": "GPU-cccc3333-0000", "total": 23.99, "free": 23.5,
            "cc": (8, 9)}

    def nvmlInit(self) -> None: ...
    def nvmlShutdown(self) -> None: ...
    def nvmlSystemGetDriverVersion(self) -> str: return "550.54.15"
    def nvmlDeviceGetCount(self) -> int: return 1
    def nvmlDeviceGetHandleByIndex(self, index: int) -> int: return index
    def nvmlDeviceGetName(self, handle: int) -> str: return self.card["name"]
    def nvmlDeviceGetUUID(self, handle: int) -> str: return self.card["uuid"]

    def nvmlDeviceGetMemoryInfo(self, handle: int) -> SimpleNamespace:
        return SimpleNamespace(total=int(self.card["total"] * GIB), free=int(self.card["free"] * GIB), used=0)

    def nvmlDeviceGetCudaComputeCapability(self, handle: int) -> tuple[int, int]:
        return self.card["cc"]


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    # No hub in tests: an unknown id must fail at once with the catalog's message.
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    yield
    set_language("en")


# -- helpers -------------------------------------------------------------------------------------------
def screen_text(app) -> str:
    """Every Static's text on the current screen (what a user reads)."""
    parts = []
    for widget in app.screen.query("Static, Label"):
        if widget.display:
            parts.append(str(widget.render()))
    return "\n".join(parts)


def footer_keys(app) -> list[str]:
    return [b.binding.description for b in app.screen.active_bindings.values() if b.binding.show]


async def open_wizard(pilot, **kwargs) -> None:
    await pilot.pause()
    pilot.app.open_screen("wizard", **kwargs)
    await at_step(pilot, "hardware")


async def through_questions(pilot, goal: str, examples: str, length: str, cloud: str | None) -> None:
    await pilot.press("ctrl+n")
    await at_step(pilot, "goal")
    await answer(pilot, goal)
    await at_step(pilot, "examples")
    pilot.app.screen.query_one("#wz-answer").value = examples
    await pilot.press("enter")
    await at_step(pilot, "length")
    await answer(pilot, length)
    await at_step(pilot, "cloud")
    if cloud is not None:
        await answer(pilot, cloud)


async def recommendation(pilot):
    await at_step(pilot, "recommend")
    await until(pilot, lambda: pilot.app.screen.state.rec is not None, what="the recommendation")
    await pilot.pause()
    return pilot.app.screen.state.rec


# -- pure helpers --------------------------------------------------------------------------------------
def test_typed_numbers_are_parsed_or_explained():
    assert parse_vram("24") == (24.0, None) and parse_vram(" 24 GB ") == (24.0, None)
    assert parse_vram("") == (None, None) and parse_vram("0") == (0.0, None)
    assert parse_vram("-8")[1] == "wizard.hw.err.negative"
    assert parse_vram("lots")[1] == "wizard.hw.err.number"
    assert parse_vram("nan")[1] == "wizard.hw.err.number"
    assert parse_vram("24000")[1] == "wizard.hw.err.too_big"
    assert parse_count("1,200") == (1200, None) and parse_count("2k") == (2000, None)
    assert parse_count("3万") == (30000, None) and parse_count("") == (None, None)
    assert parse_count("-3")[1] and parse_count("many")[1] and parse_count("2.5")[1]


def test_the_review_form_has_every_runconfig_field_and_the_engine_help():
    from engine.train.config import DataSource, DpoSettings, LoraSettings, RunConfig, config_field_help
    from tui.screens.wizard.review import form_fields
    set_language("en")
    keys = [f.key for f in form_fields()]
    expected = ([k for k in RunConfig.model_fields if k not in ("data", "lora", "dpo")]
                + [f"data.{k}" for k in DataSource.model_fields] + [f"lora.{k}" for k in LoraSettings.model_fields]
                + [f"dpo.{k}" for k in DpoSettings.model_fields])
    assert sorted(keys) == sorted(expected)
    helps = {**config_field_help(), **{f"data.{k}": f.description for k, f in DataSource.model_fields.items()},
             **{f"lora.{k}": f.description for k, f in LoraSettings.model_fields.items()},
             **{f"dpo.{k}": f.description for k, f in DpoSettings.model_fields.items()}}
    for key in keys:   # the English help is the engine's description, word for word
        assert t(f"wizard.field.{key}") == helps[key], key


def test_every_advisor_rule_has_a_label_in_both_languages():
    from engine.advice_rules import RULES
    from tui.i18n import tables
    rules = set(RULES)        # every id the advisor may give (tests/test_advisor.py checks that)
    assert len(rules) > 20
    for lang in ("en", "zh"):
        missing = [r for r in rules if f"wizard.rule.{r}" not in tables()[lang]]
        assert not missing, (lang, missing)


def test_the_wizard_screen_is_the_host_its_steps_expect():
    # Steps know the wizard only through base.WizardHost (so they never import flow.py); the real
    # wizard must keep offering every part of it.
    from tui.screens.wizard import WizardScreen
    from tui.screens.wizard.base import WizardHost
    wizard = WizardScreen(hardware=NO_GPU, runs_dir="/tmp/wz-runs")
    assert isinstance(wizard, WizardHost)
    assert wizard.resolved_runs_dir() == Path("/tmp/wz-runs").resolve()


# -- branches ------------------------------------------------------------------------------------------
async def test_rag_branch_ends_on_next_steps_and_offers_style_plus_rag():
    app = TunewizApp(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_wizard(pilot, hardware=NO_GPU)
        await through_questions(pilot, "knowledge", "", "medium", "no")
        rec = await recommendation(pilot)
        assert rec.path == "rag"
        assert t("wizard.rec.head.rag") in screen_text(app)
        assert "knowledge-goal" in screen_text(app)
        await pilot.press("ctrl+n")
        await at_step(pilot, "rag_end")
        text = screen_text(app)
        assert "bge-m3" in text and t("wizard.rag.combo") in text
        assert visible(app, "#wz-rag-steps")
        # "fine-tune for style + RAG for facts": the same answers, with style as the goal
        await pilot.press("s")
        rec = await recommendation(pilot)
        assert rec.path != "rag" and app.screen.state.goal == "style"
        await pilot.press("escape")
        await at_step(pilot, "cloud")
        await pilot.press("escape")
        await at_step(pilot, "length")
        # back on the RAG end page, Next finishes the wizard: home again
        app.screen.state.goal = "knowledge"
        await pilot.press("ctrl+n")
        await at_step(pilot, "cloud")
        await pilot.press("ctrl+n")
        await recommendation(pilot)
        await pilot.press("ctrl+n")
        await at_step(pilot, "rag_end")
        await pilot.press("ctrl+n")
        await until(pilot, lambda: type(app.screen).__name__ == "HomeScreen", what="home")


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_openai_branch_without_gpu_says_what_to_do_and_the_wind_down_dates(lang):
    from engine.catalog import OPENAI_WIND_DOWN
    app = TunewizApp(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_wizard(pilot, hardware=NO_GPU)
        await through_questions(pilot, "style", "1200", "medium", "yes")
        rec = await recommendation(pilot)
        assert rec.path == "openai"
        text = screen_text(app)
        assert OPENAI_WIND_DOWN.new_jobs_end.value in text and OPENAI_WIND_DOWN.models_shut_down.value in text
        assert visible(app, "#wz-rec-winddown")
        await pilot.press("ctrl+n")
        await at_step(pilot, "openai_key")
        text = screen_text(app)
        assert "2027-01-06" in text and "2027-01-14" in text      # the wind-down, dated, on the first OpenAI step
        assert app.screen.query_one("#oa-key").password              # a typed key shows as dots
        assert {t("wizard.key.next"), t("key.back"), t("key.quit"), t("openai.key.open_model")} <= set(footer_keys(app))
        await pilot.press("escape")
        await at_step(pilot, "recommend")


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_open_model_on_a_24gb_gpu_lora_7b_with_checkpointing_at_80x24(lang, tmp_path):
    """Detection through a fake NVML; every screen's key widgets and keys visible at 80×24."""
    app = TunewizApp(lang=lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_wizard(pilot, nvml=FakeNVML(), env={})
        await until(pilot, lambda: app.screen.state.detected is not None, what="detection")
        await pilot.pause()
        assert "RTX 4090" in screen_text(app)
        for selector in ("#wz-hw-gpus", "#wz-vram", "#wz-hw-plan"):
            assert visible(app, selector), selector
        assert {t("wizard.key.next"), t("key.back"), t("key.quit")} <= set(footer_keys(app))
        await pilot.press("ctrl+n")
        await at_step(pilot, "goal")
        assert visible(app, "#wz-options")
        await answer(pilot, "task")
        await at_step(pilot, "examples")
        app.screen.query_one("#wz-answer").value = "2000"
        await pilot.press("enter")
        await at_step(pilot, "length")
        assert visible(app, "#wz-options")        # six two-line answers fit
        await answer(pilot, "long")
        await at_step(pilot, "cloud")
        await answer(pilot, "no")
        rec = await recommendation(pilot)
        assert (rec.path, rec.method, rec.model) == ("open", "lora", "Qwen/Qwen3-8B")    # today's default
        assert rec.estimate.gradient_checkpointing
        fit = {m: app.screen.query_one(f"#wz-fit-{m}") for m in ("full", "lora", "qlora")}
        assert fit["lora"].marked and fit["lora"].state in ("fits", "tight") and fit["full"].state == "over"
        for selector in ("#wz-rec-head", "#wz-fit-full", "#wz-fit-lora", "#wz-fit-qlora"):
            assert visible(app, selector), selector

        await pilot.press("ctrl+n")
        await at_step(pilot, "model")
        screen = app.screen
        await until(pilot, lambda: screen.spec is not None, what="the model's spec")
        for selector in ("#wz-model-id", "#wz-catalog", "#wz-method", "#wz-length", "#wz-batch", "#wz-ckpt",
                         "#wz-mfit-lora", "#wz-mfit-qlora", "#wz-mfit-full", "#wz-breakdown"):
            assert visible(app, selector), selector
        if lang == "en":      # the interactions once; the layout in both languages
            lora = screen.estimates["lora"].total_gb
            # live re-estimate: longer sequences need more, checkpointing off needs more
            screen.query_one("#wz-length").value = "4096"
            await pilot.pause()
            assert screen.estimates["lora"].total_gb > lora
            screen.query_one("#wz-ckpt").value = False
            await pilot.pause()
            no_ckpt = screen.estimates["lora"].total_gb
            screen.query_one("#wz-ckpt").value = True
            await pilot.pause()
            assert no_ckpt > screen.estimates["lora"].total_gb
            screen.query_one("#wz-method").value = "qlora"
            await pilot.pause()
            assert screen.query_one("#wz-mfit-qlora").marked and not screen.query_one("#wz-mfit-lora").marked
            # nonsense batch: an inline message, Next refused
            screen.query_one("#wz-batch").value = "0"
            await pilot.pause()
            assert t("wizard.model.err.batch", value="0") in screen_text(app)
            await pilot.press("ctrl+n")
            await pilot.pause()
            assert step(app) == "model"
            screen.query_one("#wz-batch").value = "2"
            # an unknown id, offline: the catalog's own message, and the estimate waits
            model_input = screen.query_one("#wz-model-id")
            model_input.value = "nosuch-org/nosuch-model"
            model_input.focus()
            await pilot.press("enter")
            await until(pilot, lambda: "unknown model" in screen_text(app), what="the unknown-model message")
            assert screen.spec is None
            model_input.value = "Qwen/Qwen2.5-1.5B-Instruct"
            await until(pilot, lambda: screen.spec is not None and screen.spec.id == "Qwen/Qwen2.5-1.5B-Instruct")
        await pilot.press("ctrl+n")
        await at_step(pilot, "dataset")
        assert visible(app, "#wz-data-path")
        assert {t("wizard.key.lint"), t("wizard.key.next")} <= set(footer_keys(app))
        data = write_jsonl(tmp_path / "chat.jsonl", memorise_rows(4))
        await data_to_review(pilot, data)
        review = app.screen
        for selector in ("#wz-form", "#wz-review-fit", "#wz-review-time", "#wz-help"):
            assert visible(app, selector), selector
        expected = "Qwen/Qwen2.5-1.5B-Instruct" if lang == "en" else "Qwen/Qwen3-8B"
        assert review.config is not None and review.config.model == expected
        assert {t("wizard.key.start"), t("wizard.key.yaml"), t("key.back")} <= set(footer_keys(app))
        await pilot.press("ctrl+y")                       # the YAML in place of the form at 80 columns
        await pilot.pause()
        yaml_view = app.screen.query_one("#wz-yaml")                  # long: it scrolls, its top is on screen
        assert yaml_view.display and 0 < yaml_view.region.y < 23 and not app.screen.query_one("#wz-form").display
        assert f"model: {expected}" in str(app.screen.query_one("#wz-yaml").render())
        if lang != "en":
            return
        # an edit on the review shows on the earlier steps, and is still there coming back
        review.row("max_length").value = "2048"
        await pilot.pause()
        await pilot.press("escape")
        await at_step(pilot, "dataset")
        await pilot.press("escape")
        await at_step(pilot, "model")
        assert app.screen.query_one("#wz-length").value == "2048"
        await pilot.press("ctrl+n")
        await at_step(pilot, "dataset")
        await pilot.press("ctrl+n")
        await at_step(pilot, "review")
        assert app.screen.row("max_length").value == "2048" and app.screen.row("model").value.endswith("1.5B-Instruct")


async def test_back_and_forward_keep_every_answer_and_nonsense_vram_is_refused():
    app = TunewizApp(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_wizard(pilot, hardware=NO_GPU)
        vram = app.screen.query_one("#wz-vram")
        for bad, key in (("-5", "wizard.hw.err.negative"), ("lots", "wizard.hw.err.number"),
                         ("9000", "wizard.hw.err.too_big")):
            vram.value = bad
            await pilot.pause()
            assert t(key, value=bad) in screen_text(app)
            await pilot.press("ctrl+n")
            await pilot.pause()
            assert step(app) == "hardware"                 # refused, with the message on screen
        vram.value = "24"
        await pilot.pause()
        assert t("wizard.hw.plan_assumed", gb=24.0) in screen_text(app)
        await pilot.press("ctrl+n")
        await at_step(pilot, "goal")
        await answer(pilot, "domain")
        await at_step(pilot, "corpus")                     # the domain goal asks what kind of data
        await answer(pilot, "pairs")
        await at_step(pilot, "examples")
        app.screen.query_one("#wz-answer").value = "many"
        await pilot.press("enter")
        await pilot.pause()
        assert step(app) == "examples" and t("wizard.q.examples.err.number", value="many") in screen_text(app)
        app.screen.query_one("#wz-answer").value = "800"
        await pilot.press("enter")
        await at_step(pilot, "length")
        await answer(pilot, "short")
        await at_step(pilot, "cloud")
        # back, all the way: every answer is still there
        await pilot.press("escape")
        await at_step(pilot, "length")
        options = app.screen.query_one("#wz-options")
        assert options.options[options.highlighted].id == "short"
        await pilot.press("escape")
        await at_step(pilot, "examples")
        assert app.screen.query_one("#wz-answer").value == "800"
        await pilot.press("escape")
        await at_step(pilot, "corpus")
        await pilot.press("escape")
        await at_step(pilot, "goal")
        options = app.screen.query_one("#wz-options")
        assert options.options[options.highlighted].id == "domain"
        await pilot.press("escape")
        await at_step(pilot, "hardware")
        assert app.screen.query_one("#wz-vram").value == "24"
        # and forward again with Next alone
        for name in ("goal", "corpus", "examples", "length", "cloud"):
            await pilot.press("ctrl+n")
            await at_step(pilot, name)
        state = app.screen.state
        assert (state.goal, state.corpus, state.examples(), state.length) == ("domain", "pairs", 800, "short")
        assert state.hardware().best_gpu.total_gb == 24.0
        # the command palette jumps back to any step reached
        await pilot.press("ctrl+p")
        await pilot.pause(0.3)
        await pilot.press(*"go to step 3")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await at_step(pilot, "corpus")
        assert app.screen.query_one("#wz-options").options[app.screen.query_one("#wz-options").highlighted].id == "pairs"


async def test_cpu_without_cloud_gets_the_demo_and_starts_a_real_run(tmp_path, monkeypatch):
    """No GPU, no cloud → the demo model on the CPU; a bad config.json and a local model folder on
    the way, a bad config value, then a real detached trainer started from the review (ended at
    the end of the test, before it loads anything)."""
    monkeypatch.setenv("TUNEWIZ_HOME", str(tmp_path / "home"))    # the trainer's model cache: not the shared one
    runs = tmp_path / "runs"
    data = write_jsonl(tmp_path / "chat.jsonl", memorise_rows(16))
    broken = tmp_path / "broken-model"
    broken.mkdir()
    (broken / "config.json").write_text(json.dumps({"model_type": "llama", "num_hidden_layers": 2}))
    local = tmp_path / "local-model"
    local.mkdir()
    (local / "config.json").write_text(json.dumps({
        "model_type": "llama", "num_hidden_layers": 2, "hidden_size": 64, "intermediate_size": 128,
        "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 512, "tie_word_embeddings": True,
        "max_position_embeddings": 2048}))
    app = TunewizApp(lang="en", runs_dir=runs)
    process = None
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await open_wizard(pilot, hardware=NO_GPU)
            wizard = next(s for s in app.screen_stack if type(s).__name__ == "WizardScreen")
            assert "No NVIDIA GPU: CPU only." in screen_text(app)
            await through_questions(pilot, "task", "300", "short", "no")
            rec = await recommendation(pilot)
            assert (rec.path, rec.model, rec.device) == ("open", "demo", "cpu")
            assert app.screen.query_one("#wz-fit-lora").display          # RAM bar on the CPU
            await pilot.press("ctrl+n")
            await at_step(pilot, "model")
            screen = app.screen
            await until(pilot, lambda: screen.spec is not None and screen.spec.id == "demo")
            # a local config.json without the fields the estimator needs: the message says which
            model_input = screen.query_one("#wz-model-id")
            model_input.value = str(broken)
            model_input.focus()
            await pilot.press("enter")
            await until(pilot, lambda: "hidden_size" in screen_text(app), what="the config.json message")
            await pilot.press("ctrl+n")
            await pilot.pause(0.3)
            assert step(app) == "model"
            model_input.value = str(local)                         # a local folder: its config.json
            await pilot.press("enter")
            await until(pilot, lambda: screen.spec is not None and screen.spec.source != "catalog")
            assert "107K" in screen_text(app) and screen.estimates["lora"].total_gb > 0
            model_input.value = "demo"                             # back to the recommendation
            await until(pilot, lambda: screen.spec is not None and screen.spec.id == "demo")
            await pilot.press("ctrl+n")
            await at_step(pilot, "dataset")
            path_input = app.screen.query_one("#wz-data-path")
            path_input.value = str(tmp_path / "missing.jsonl")
            await pilot.press("ctrl+n")
            await pilot.pause()
            assert step(app) == "dataset" and "no such file" in screen_text(app)
            path_input.value = str(data)
            await until(pilot, lambda: app.screen.state.data is not None, what="the quick check")
            assert app.screen.state.data.format == "openai" and app.screen.state.data.rows == 16
            await pilot.press("ctrl+n")
            await at_step(pilot, "review")
            review = app.screen
            assert visible(app, "#wz-form") and visible(app, "#wz-review-fit")
            assert {t("wizard.key.start"), t("key.back"), t("key.quit")} <= set(footer_keys(app))
            # a bad value: the engine's validation message under the field, and Start refused
            epochs = review.row("epochs")
            epochs.value = "-1"
            await pilot.pause()
            assert epochs.has_class("-invalid") and "greater than 0" in screen_text(app)
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert step(app) == "review" and review.config is None
            review.row("max_length").value = "lots"
            await pilot.pause()
            assert review.row("max_length").has_class("-invalid")
            # Next never starts a run by accident
            epochs.value = "1"
            review.row("max_length").value = "64"
            review.row("max_steps").value = "1"
            review.row("save_steps").value = "1"
            review.row("name").value = "wizard-test"
            await pilot.pause()
            assert review.config is not None, review.problems
            assert "max_steps: 1" in str(review.query_one("#wz-yaml").render())
            await pilot.press("ctrl+n")
            await pilot.pause()
            assert step(app) == "review" and not runs.exists()
            await pilot.press("ctrl+s")
            await until(pilot, lambda: type(app.screen).__name__ == "MonitorScreen", timeout=20, what="the monitor")
            assert wizard.launched is not None
            run_dir, process = wizard.launched
            assert wizard not in app.screen_stack                   # the wizard made way for the monitor
            assert Path(app.screen.run_dir) == run_dir
            assert run_dir.parent == runs.resolve() and run_dir.name == "wizard-test"
            config = yaml.safe_load((run_dir / "config.yaml").read_text())
            assert config["model"] == "demo" and config["max_steps"] == 1 and config["method"] == "lora"
            assert config["data"][0]["path"] == str(data.resolve())
            # the detached trainer itself is up: it wrote its status with its own pid
            status = run_dir / "status.json"
            await until(pilot, lambda: status.exists() and json.loads(status.read_text() or "{}").get("pid"),
                        timeout=30, what="the trainer's status.json")
            assert json.loads(status.read_text())["pid"] == process.pid
            assert process.poll() is None
    finally:
        if process is not None:
            # The trainer is detached (its own session): end it and whatever it started. (A graceful
            # SIGTERM would checkpoint at the next step, after torch loads: too slow for this test.)
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(timeout=30)


def test_the_wizard_stays_light_no_torch_or_transformers():
    """Estimates are pure Python: opening every step must not import the training stack."""
    import subprocess
    import sys
    code = (
        "import sys\n"
        "from tui.screens.wizard import WizardScreen\n"
        "from tui.screens.wizard import questions, recommend, ends, model_step, dataset_step, review\n"
        "from tui.screens.wizard.state import WizardState, plan_estimate\n"
        "from engine.advisor import advise\n"
        "from engine.catalog import get_model\n"
        "from engine.hardware import Hardware, assumed\n"
        "state = WizardState(detected=assumed(24, Hardware()), goal='task', cloud='no')\n"
        "rec = advise(state.answers(), state.hardware())\n"
        "plan_estimate(get_model(rec.model), 'lora', 1024, 2, True, state.hardware())\n"
        "review.form_fields()\n"
        "heavy = [m for m in ('torch', 'transformers', 'trl', 'peft', 'datasets') if m in sys.modules]\n"
        "print(','.join(heavy) or 'none')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "none"


class FakeDatasetScreen(__import__("textual.screen", fromlist=["Screen"]).Screen):
    """Stands in for the dataset screen (its own tests cover it): picks the file named in
    $WZ_TEST_DATA, lints it, and goes back, leaving `path` and `report` as the real one does."""

    def __init__(self, path=None, target="open", model=None, **_):
        super().__init__()
        self.path, self.report, self.target = None, None, target

    def on_mount(self) -> None:
        from engine.data.lint import LintOptions, lint_file
        self.path = os.environ["WZ_TEST_DATA"]
        self.report = lint_file(self.path, LintOptions(workers=1))
        self.app.pop_screen()


async def wizard_at(pilot, step_name: str, **answers):
    """The wizard opened at a step, as if the earlier ones had been answered."""
    from engine.advisor import advise
    from tui.screens.wizard import WizardScreen
    wizard = WizardScreen(hardware=NO_GPU)
    state = wizard.state
    for key, value in {"goal": "task", "examples_text": "300", "length": "short", "cloud": "no", **answers}.items():
        setattr(state, key, value)
    state.rec = advise(state.answers(), state.hardware())
    state.seed_plan()
    wizard.index = state.steps().index(step_name)
    await pilot.pause()
    pilot.app.push_screen(wizard)
    await at_step(pilot, step_name)
    return wizard


async def test_dataset_step_takes_the_dataset_screens_file_or_a_typed_path(tmp_path, monkeypatch):
    import tui.app as app_module
    data = write_jsonl(tmp_path / "picked.jsonl", memorise_rows(6))
    monkeypatch.setenv("WZ_TEST_DATA", str(data))
    # the dataset screen is there: Ctrl+O opens it, and its file and findings come back
    monkeypatch.setitem(app_module.SCREENS_LAZY, "dataset", "test_wizard:FakeDatasetScreen")
    app = TunewizApp(lang="en")
    async with app.run_test(size=(80, 24)) as pilot:
        await wizard_at(pilot, "dataset")
        await pilot.press("ctrl+o")
        await until(pilot, lambda: app.screen.query_one("#wz-data-path").value == str(data), what="the picked file")
        state = app.screen.state
        assert state.data.source == "dataset-screen" and state.data.rows == 6 and state.data.format == "openai"
        assert t("wizard.data.source.screen") in screen_text(app)
        await pilot.press("ctrl+n")
        await at_step(pilot, "review")
        assert app.screen.row("data.path").value == str(data.resolve())
    # not there: a notice, and the path input does the job (checked with detect_format)
    monkeypatch.setitem(app_module.SCREENS_LAZY, "dataset", "tui.screens.no_such_screen:Nothing")
    bad = tmp_path / "notes.jsonl"
    bad.write_text('{"question": "a", "reply": "b"}\n', encoding="utf-8")
    app = TunewizApp(lang="zh")
    async with app.run_test(size=(80, 24)) as pilot:
        await wizard_at(pilot, "dataset")
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert step(app) == "dataset"
        assert any(t("wizard.data.no_screen") in str(n.message) for n in app._notifications)
        path_input = app.screen.query_one("#wz-data-path")
        path_input.value = str(tmp_path)
        await pilot.pause()
        path_input.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert t("wizard.data.err.folder", path=str(tmp_path)) in screen_text(app)
        path_input.value = str(bad)                    # rows of no known format: the reader's own message
        await pilot.pause()
        assert "match no known format" in screen_text(app)
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert step(app) == "dataset"
        path_input.value = str(data)
        await until(pilot, lambda: app.screen.state.data is not None and app.screen.state.data.rows == 6)
        await pilot.press("ctrl+n")
        await at_step(pilot, "review")
