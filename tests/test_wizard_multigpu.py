"""The wizard on a machine with two GPUs (Pilot, a faked NVML): the recommendation spreads a model that one card
cannot hold over both (FSDP, with the estimate per GPU), the model step follows every change, and the review
shows the distributed fields, the estimate per GPU and what the launch will run — at 80×24, in both languages."""
from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from conftest import memorise_rows, write_jsonl
from pilot_support import answer_goal_questions, at_step, data_to_review, step, until, visible
from tui.app import TunewizApp
from tui.i18n import set_language, t

GIB = 1024 ** 3
BIG = "Qwen/Qwen2.5-14B-Instruct"


class TwoCards:
    """The pynvml calls engine.hardware makes, answering for two RTX 4090s (24 GB each)."""

    def nvmlInit(self) -> None: ...
    def nvmlShutdown(self) -> None: ...
    def nvmlSystemGetDriverVersion(self) -> str: return "550.54.15"
    def nvmlDeviceGetCount(self) -> int: return 2
    def nvmlDeviceGetHandleByIndex(self, index: int) -> int: return index
    def nvmlDeviceGetName(self, handle: int) -> str: return "NVIDIA GeForce RTX 4090"
    def nvmlDeviceGetUUID(self, handle: int) -> str: return f"GPU-cccc3333-000{handle}"

    def nvmlDeviceGetMemoryInfo(self, handle: int) -> SimpleNamespace:
        return SimpleNamespace(total=int(23.99 * GIB), free=int(23.5 * GIB), used=0)

    def nvmlDeviceGetCudaComputeCapability(self, handle: int) -> tuple[int, int]:
        return (8, 9)


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    yield
    set_language("en")


def text_of(app, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


async def recommendation(pilot, model: str):
    await at_step(pilot, "recommend")
    await until(pilot, lambda: getattr(pilot.app.screen.state.rec, "model", None) == model, what=f"advice on {model}")
    await pilot.pause()
    return pilot.app.screen.state.rec


@pytest.mark.parametrize("lang", ["en", "zh"])
async def test_two_24gb_cards_spread_a_14b_model_over_both_and_the_review_shows_the_launch(lang, tmp_path):
    from engine.catalog import get_model
    from engine.memory import estimate
    data = write_jsonl(tmp_path / "chat.jsonl", memorise_rows(8))
    app = TunewizApp(lang=lang, runs_dir=tmp_path / "runs")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        app.open_screen("wizard", nvml=TwoCards(), env={})
        await at_step(pilot, "hardware")
        await until(pilot, lambda: app.screen.state.detected is not None, what="detection")
        assert len(app.screen.state.detected.gpus) == 2
        await pilot.press("ctrl+n")
        await answer_goal_questions(pilot, "task", 2000)
        # today's default 8B fits one card: every card trains it with DDP, and the reasons say so
        rec = await recommendation(pilot, "Qwen/Qwen3-8B")
        assert (rec.world_size, rec.sharding) == (2, "ddp")
        assert t("wizard.rule.multi-gpu-ddp") in text_of(app, "#wz-rec-reasons")
        await pilot.press("ctrl+n")
        await at_step(pilot, "model")
        screen = app.screen
        await until(pilot, lambda: screen.spec is not None, what="the model's spec")
        multi = screen.query_one("#wz-mfit-multi")
        assert visible(app, "#wz-mfit-multi") and multi.label == t("wizard.multi.label", mode="DDP", n=2)
        assert t("wizard.multi.ddp", n=2) in text_of(app, "#wz-model-notes")
        # a 14B model: LoRA needs 31 GB on one card, so the advice spreads it over both
        screen.query_one("#wz-model-id").value = BIG
        await until(pilot, lambda: screen.spec is not None and screen.spec.id == BIG, what="the 14B spec")
        await pilot.press("escape")
        rec = await recommendation(pilot, BIG)
        assert (rec.method, rec.world_size, rec.sharding) == ("lora", 2, "fsdp")
        per_gpu = estimate(get_model(BIG), "lora", rec.estimate.seq_len, rec.estimate.batch, True, sharding="fsdp",
                           world_size=2).total_gb
        assert rec.estimate.total_gb == per_gpu < 23.5 < rec.fit["lora"].total_gb
        chosen = text_of(app, "#wz-rec-chosen")
        assert f"{per_gpu:.1f}" in chosen and t("wizard.multi.mode.fsdp") in chosen
        assert t("wizard.rule.multi-gpu-shard") in text_of(app, "#wz-rec-reasons")
        assert visible(app, "#wz-rec-head")
        await pilot.press("ctrl+n")
        await at_step(pilot, "model")
        screen = app.screen
        await until(pilot, lambda: screen.spec is not None and screen.spec.id == BIG, what="the 14B spec")
        assert screen.query_one("#wz-mfit-lora").state == "over"
        multi = screen.query_one("#wz-mfit-multi")
        assert multi.label == t("wizard.multi.label", mode="FSDP", n=2) and multi.state in ("fits", "tight")
        assert multi.need_gb == per_gpu
        assert t("wizard.multi.shard", method=t("wizard.method_short.lora"), mode="FSDP", n=2, need=per_gpu,
                 distributed="fsdp") in text_of(app, "#wz-model-notes")
        for selector in ("#wz-model-id", "#wz-method", "#wz-mfit-lora", "#wz-mfit-multi"):
            assert visible(app, selector), selector
        if lang == "en":
            # full SFT does not fit even across both: said so, and the plan goes back to DDP
            screen.query_one("#wz-method").value = "full"
            await pilot.pause()
            full = estimate(get_model(BIG), "full", rec.estimate.seq_len, rec.estimate.batch, True, sharding="fsdp",
                            world_size=2).total_gb
            assert t("wizard.multi.none", mode="FSDP", n=2, need=full) in text_of(app, "#wz-model-notes")
            assert screen.plan.distributed == "ddp"
            screen.query_one("#wz-method").value = "lora"
            await pilot.pause()
            assert screen.plan.distributed == "fsdp" and screen.plan.nproc_per_node == 2
        await pilot.press("ctrl+n")
        await at_step(pilot, "dataset")
        await data_to_review(pilot, data)
        review = app.screen
        assert review.row("distributed").value == "fsdp" and review.row("nproc_per_node").value == "2"
        assert review.estimate.total_gb == per_gpu                       # per GPU, as the recommendation said
        assert t("wizard.review.per_gpu", n=2, mode="FSDP") in text_of(app, "#wz-est-title")
        launch = text_of(app, "#wz-launch")
        assert "-m torch.distributed.run --nnodes=1 --nproc-per-node=2" in launch and "--standalone" in launch
        assert "fsdp_config.json" in launch and '"auto_wrap_policy": "TRANSFORMER_BASED_WRAP"' in launch
        await pilot.press("ctrl+y")                 # at 80 columns the side pane (and the launch) replaces the form
        await pilot.pause()
        launch_view = app.screen.query_one("#wz-launch")             # long: it scrolls, its top is on screen
        assert launch_view.display and 0 < launch_view.region.y < 22 and visible(app, "#wz-est-title")
        await pilot.press("ctrl+y")
        await pilot.pause()
        if lang != "en":
            return
        # two machines: the command for the other one, with node 0's address
        review.row("nnodes").value = "2"
        review.row("master_addr").value = "10.0.0.5"
        review.row("name").value = "big-run"
        await pilot.pause()
        assert review.config is not None, review.problems
        launch = text_of(app, "#wz-launch")
        assert "--nnodes=2" in launch and "--node-rank=0 --master-addr=10.0.0.5 --master-port=29500" in launch
        assert t("wizard.review.launch_nodes") in launch
        other = f"tunewiz train {review.config.runs_dir}/big-run/config.yaml --node-rank 1 --master-addr 10.0.0.5"
        assert other in launch
        assert t("wizard.review.per_gpu", n=4, mode="FSDP") in text_of(app, "#wz-est-title")
        # DDP chosen here: the whole model per GPU (it no longer fits), and no sharding config to write
        review.row("nnodes").value = "1"
        review.row("distributed").value = "ddp"
        await pilot.pause()
        assert review.estimate.total_gb > 24 and t("wizard.review.warn_fit") in text_of(app, "#wz-review-warnings")
        assert "fsdp_config.json" not in text_of(app, "#wz-launch") and "--nproc-per-node=2" in text_of(app, "#wz-launch")
        # the review's choice is the user's: the model step keeps it
        await pilot.press("escape")
        await at_step(pilot, "dataset")
        await pilot.press("escape")
        await at_step(pilot, "model")
        assert app.screen.plan.distributed == "ddp" and not app.screen.plan.distributed_auto


def test_the_launch_preview_is_the_engines_own_command_and_config(tmp_path):
    from engine.train import distributed
    from engine.train.config import RunConfig
    from tui.screens.wizard.review import launch_preview
    set_language("en")
    base = RunConfig(model="demo", runs_dir=str(tmp_path), name="r1")
    assert launch_preview(base, 1) is None                       # one process: nothing to preview
    assert launch_preview(base.model_copy(update={"nproc_per_node": 1}), 4) is None
    config = base.model_copy(update={"distributed": "deepspeed", "deepspeed_stage": 3})
    text = launch_preview(config, 2)
    fixed = config.model_copy(update={"nproc_per_node": 2})      # the default: every GPU the wizard sees
    import shlex
    assert shlex.join(distributed.launcher_command(fixed, tmp_path / "r1")) in text
    assert json.dumps(distributed.deepspeed_config(fixed), indent=1) in text and '"stage": 3' in text
    assert t("wizard.review.launch_nodes") not in text
