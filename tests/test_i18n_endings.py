"""How a run ended, in the reader's language (issue 16): the trainer stores the ending without a language
(the `end` event's code + params beside the English), and `tunewiz watch` and the monitor say it in
English or Chinese from the same events.jsonl; an events.jsonl written before codes shows its English.

One real run on the tiny model runs out of memory at its first step (the test-only fault hook, as in
test_faults.py); everything else reads its run directory."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import os
from pathlib import Path

import pytest

from conftest import events_of
from engine.train.end_messages import END_MESSAGES
from pilot_support import until
from test_faults import faults, write_config
from test_train import tunewiz
from tui.app import TunewizApp

TUNEWIZ = [sys.executable, "-m", "tui.cli"]


@pytest.fixture(scope="module")
def oom_run(tmp_path_factory, tiny_model_dir) -> Path:
    tmp = tmp_path_factory.mktemp("oom")
    runs_dir = tmp / "runs"
    config = write_config(tmp, tiny_model_dir, runs_dir, "too-big", eval_split=0, batch_size=16, max_length=2048)
    result = tunewiz("train", str(config), env=faults("oom_at_step=1,vram_gb=1.0"))
    assert result.returncode == 1 and "Traceback" not in result.stdout + result.stderr
    return runs_dir.resolve() / "too-big"


def watch(run_dir: Path, *lang: str) -> subprocess.CompletedProcess:
    return subprocess.run(TUNEWIZ + [*lang, "watch", str(run_dir)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "COLUMNS": "200"})


def test_the_ending_is_stored_without_a_language(oom_run):
    end = events_of(oom_run)[-1]
    assert end["code"] == "oom-retry" and f"end.{end['code']}.advice" in END_MESSAGES
    # raw values and parts, never an English sentence: the plan is its changes, the levers are codes
    plan = end["params"]["plan"]
    assert plan["code"] == "end.plan"
    assert [c["params"] for c in plan["params"]["changes"]["parts"]] == [
        {"key": "batch_size", "before": 16, "after": 2}, {"key": "grad_accum", "before": 1, "after": 8}]
    assert [lever["code"] for lever in end["params"]["levers"]["parts"]][:2] == ["end.lever.batch", "end.lever.length"]
    assert "Out of GPU memory; the estimator's next settings: batch_size 16 → 2" in end["advice"]   # English beside


def test_watch_says_the_ending_in_chinese_and_in_english_from_the_same_file(oom_run):
    zh = watch(oom_run, "--lang", "zh")
    assert zh.returncode == 4, zh.stderr                                  # oom
    assert "CUDA 显存不足：CUDA out of memory. Tried to allocate 2.00 GiB" in zh.stdout
    assert "GPU 显存不足；估算器给出的下一组设置：batch_size 16 → 2，grad_accum 1 → 8（有效 batch 不变）" in zh.stdout
    assert f"tunewiz train {oom_run / 'config.yaml'} --set batch_size=2 --set grad_accum=8" in zh.stdout
    assert "调小 max_length（现在是 2048）" in zh.stdout
    assert "Out of GPU memory" not in zh.stdout and "  错误：CUDA 显存不足" in zh.stdout and "advice:" not in zh.stdout
    en = watch(oom_run, "--lang", "en")
    end = events_of(oom_run)[-1]
    assert f"  advice: {end['advice']}" in en.stdout.splitlines() and "显存" not in en.stdout


def test_an_events_file_without_codes_shows_its_english_in_chinese_too(oom_run, tmp_path):
    old = tmp_path / "old-run"
    shutil.copytree(oom_run, old)
    events = [json.loads(line) for line in (old / "events.jsonl").read_text().splitlines()]
    for key in ("code", "params", "retry_settings"):
        events[-1].pop(key)
    (old / "events.jsonl").write_text("".join(json.dumps(e) + "\n" for e in events))
    zh = watch(old, "--lang", "zh")
    assert f"  建议：{events[-1]['advice']}" in zh.stdout.splitlines()       # the stored English, a Chinese label


async def test_the_monitor_shows_the_ending_in_chinese(oom_run):
    app = TunewizApp(lang="zh", runs_dir=oom_run.parent, start="monitor",
                     start_args={"run_dir": str(oom_run), "poll_seconds": 0.05})
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "MonitorScreen", what="monitor")
        screen = app.screen
        banner = lambda: str(screen.query_one("#mon-banner").render())  # noqa: E731
        await until(pilot, lambda: "显存不足" in banner(), what="the Chinese ending")
        text = banner()
        assert "估算器给出的下一组设置" in text and "batch_size 16 → 2" in text and "Out of GPU memory" not in text


async def test_the_runs_screen_explains_the_ending_in_chinese(oom_run):
    app = TunewizApp(lang="zh", runs_dir=oom_run.parent, start="runs")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: type(app.screen).__name__ == "RunsScreen", what="the runs screen")
        detail = lambda: str(app.screen.query_one("#runs-detail").render())  # noqa: E731
        await until(pilot, lambda: "显存不足" in detail(), what="the Chinese ending of the only run")
        assert "估算器给出的下一组设置" in detail() and "Out of GPU memory" not in detail()


def test_notices_a_run_logs_are_said_in_the_watchers_language(tmp_path, runs_dir):
    from conftest import memorise_rows, write_jsonl
    from engine.launch import create_run_dir
    from engine.train.config import load_config
    from engine.train.context import RunContext
    data = write_jsonl(tmp_path / "d.jsonl", memorise_rows(2))
    config = load_config(None, [f"data={data}", f"runs_dir={runs_dir}", "max_length=64"])
    run_dir = create_run_dir(config)
    ctx = RunContext(run_dir, config)
    ctx.notice("examples-truncated", truncated=3, total=40, share=7.5, max_length=64)
    ctx.log("a plain line without a code")
    ctx.events.write("end", status="completed", error=None, advice=None)
    ctx.status(state="completed")
    ctx.events.close()
    notice = [e for e in events_of(run_dir) if e["type"] == "log"][0]
    assert notice["message"] == "3 of 40 training examples (7.5%) are longer than max_length=64 and were truncated"
    zh = watch(run_dir, "--lang", "zh").stdout.splitlines()
    assert "warning: 40 条训练样本中有 3 条（7.5%）超过 max_length=64，已被截断" in zh
    assert "info: a plain line without a code" in zh
    assert f"warning: {notice['message']}" in watch(run_dir, "--lang", "en").stdout.splitlines()


def test_a_refused_resume_ends_coded_and_watch_says_it_in_chinese(tmp_path, runs_dir, monkeypatch):
    from conftest import memorise_rows, write_jsonl
    from engine.launch import create_run_dir
    from engine.train import run as trainer_main
    from engine.train.config import load_config
    from engine.train.context import StopFlag
    monkeypatch.setattr(StopFlag, "install", lambda self: None)     # in-process: keep pytest's signal handlers
    data = write_jsonl(tmp_path / "d.jsonl", memorise_rows(2))
    run_dir = create_run_dir(load_config(None, [f"data={data}", f"runs_dir={runs_dir}"]))
    assert trainer_main.main([str(run_dir), "--resume"]) == 1
    end = events_of(run_dir)[-1]
    assert end["code"] == "resume-no-checkpoint" and "holds no complete checkpoint" in end["error"]
    zh = watch(run_dir, "--lang", "zh").stdout
    assert f"resume：{run_dir / 'checkpoints'} 中没有完整的检查点" in zh
    assert f"从头重新开始：tunewiz train {run_dir / 'config.yaml'}" in zh


def test_a_crashed_trainer_is_explained_in_chinese_by_watch(runs_dir):
    from monitor_synth import SyntheticRun, dead_pid
    run = SyntheticRun(runs_dir, "ghost", pid=dead_pid())        # a trainer that vanished without an end event
    run.start(total_steps=10)
    run.step(1)
    zh = watch(run.dir, "--lang", "zh")
    assert zh.returncode == 5, zh.stderr                          # crashed
    assert f"训练进程（pid {run.pid}）没有写出结束事件就退出了" in zh.stdout
    assert f"没有可恢复的检查点；用 `tunewiz train {run.dir / 'config.yaml'}` 重新开始" in zh.stdout
    en = watch(run.dir, "--lang", "en")
    assert f"The trainer (pid {run.pid}) ended without writing an end event" in en.stdout


def test_a_disk_too_small_for_one_checkpoint_reads_in_both_languages(tmp_path, monkeypatch):
    from engine.train import checkpoints
    from engine.train.errors import TrainingError
    from tui.i18n import set_language
    from tui.message_parts import ending_texts
    size = checkpoints.CheckpointSize(weights=100 << 20, optimizer=200 << 20, other=1 << 20)
    monkeypatch.setattr(checkpoints, "FREE_BYTES_HOOK", [4096])
    with pytest.raises(TrainingError) as refused:
        checkpoints.check_free_space(tmp_path, size, keep=2, best=True)
    exc = json.loads(json.dumps({"code": refused.value.code, "params": refused.value.params}))   # as stored
    assert str(refused.value) == (f"checkpoints: {tmp_path} has 4.0 KB free; one checkpoint of this run needs about "
                                  "301.0 MB (weights 100.0 MB, optimizer state 200.0 MB, tokenizer and trainer state 1.0 MB)")
    set_language("zh")
    try:
        error, advice = ending_texts(exc["code"], exc["params"], str(refused.value), refused.value.advice)
    finally:
        set_language("en")
    assert error == (f"checkpoints：{tmp_path} 只剩 4.0 KB 空闲；这个训练的一个检查点需要约 301.0 MB（权重 100.0 MB，"
                     "优化器状态 200.0 MB，分词器和训练器状态 1.0 MB）")
    assert advice.startswith("请在该磁盘上至少腾出 301.0 MB")
