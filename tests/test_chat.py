"""engine.chat with a real adapter: the tiny random model trained (in a real `tunewiz train`
subprocess) to memorise one reply. Base and tuned share one load; the base side is the adapter
disabled, and must be exactly the base model."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from test_chat_support import (ANSWER, MESSAGES, QUESTION, SYSTEM, cli, local_chat, memorised_run,  # noqa: F401
                               one_torch_thread, run_copy)

from engine import chat as engine_chat
from engine.chat import (ChatError, Conversation, LocalBackend, LocalChat, Reply, Sampling, Stopper,
                         locate_run_model, run_columns, save_transcript, transcript_path)
from engine import runs
from engine.runs import process_start_ticks

GREEDY = Sampling(temperature=0, max_new_tokens=24)


def answer(chat: LocalChat, adapter: bool, sampling: Sampling = GREEDY, messages=MESSAGES) -> Reply:
    reply = Reply()
    for _ in chat.stream(messages, sampling, adapter=adapter, reply=reply):
        pass
    return reply


def test_base_and_tuned_answers_differ_after_memorisation(local_chat):
    tuned = answer(local_chat, adapter=True)
    base = answer(local_chat, adapter=False)
    assert tuned.text.startswith("The parcel was delayed by the courier"), tuned.text
    assert tuned.finish == "stop" and not tuned.stopped
    assert not base.text.startswith("The parcel"), base.text
    assert tuned.tokens > 5 and tuned.first_token_s is not None and tuned.seconds >= tuned.first_token_s


def test_disabled_adapter_reproduces_the_base_exactly(local_chat, tiny_model_dir):
    import torch
    from transformers import AutoModelForCausalLM

    plain = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()
    inputs, _ = local_chat.encode(MESSAGES)
    with torch.inference_mode():
        expected = plain(**inputs).logits
    base = local_chat.logits(MESSAGES, adapter=False)
    tuned = local_chat.logits(MESSAGES, adapter=True)
    assert torch.equal(base, expected)  # bit for bit: the adapter off is the base model
    with torch.inference_mode(), local_chat.model.disable_adapter():  # and it is what peft's own switch gives
        assert torch.equal(local_chat.model(**inputs).logits, expected)
    assert torch.equal(local_chat.logits(MESSAGES, adapter=True), tuned)  # switched back on afterwards
    assert not torch.allclose(tuned, expected, atol=1e-3)  # and the adapter does change the model
    # Greedy answers agree too: same tokens from the pane's base column and from the plain model.
    with torch.inference_mode():
        out = plain.generate(**inputs, max_new_tokens=GREEDY.max_new_tokens, do_sample=False,
                             eos_token_id=local_chat.end_ids, pad_token_id=local_chat.tokenizer.pad_token_id)
    text = local_chat.tokenizer.decode(out[0][inputs["input_ids"].shape[1]:], skip_special_tokens=True)
    assert answer(local_chat, adapter=False).text == text


def test_one_copy_of_the_weights_serves_both_sides(local_chat):
    # The base side is the same module tree with LoRA switched off, not a second model.
    assert local_chat.base_model is None
    lora_layers = [m for m in local_chat.model.modules() if hasattr(m, "lora_A")]
    assert lora_layers and all(hasattr(m, "base_layer") for m in lora_layers)


def test_streaming_yields_pieces_while_generating(local_chat):
    sampling = Sampling(temperature=0, max_new_tokens=40)
    reply = Reply()
    tokens_at_piece = []
    pieces = []
    for piece in local_chat.stream(MESSAGES, sampling, adapter=False, reply=reply):
        pieces.append(piece)
        tokens_at_piece.append(reply.tokens)
    assert len(pieces) > 5
    assert "".join(pieces) == reply.text
    # The first piece arrived when only a few of the tokens existed: streamed, not delivered at the end.
    assert tokens_at_piece[0] <= 3 < reply.tokens


def test_stop_ends_a_generation_at_the_next_token(local_chat):
    stopper = Stopper()
    reply = Reply()
    local_chat.generate_kwargs["min_new_tokens"] = 400  # it cannot end by itself before the stop
    try:
        for index, _ in enumerate(local_chat.stream(MESSAGES, Sampling(0.8, 0.95, 500, seed=1), stopper,
                                                    adapter=False, reply=reply)):
            if index == 2:
                stopper.stop()
    finally:
        local_chat.generate_kwargs.clear()
    assert reply.stopped and reply.finish == "stopped"
    assert reply.tokens < 20
    # The model is free again at once: the next answer works.
    assert answer(local_chat, adapter=True).text.startswith("The parcel")


def test_a_seed_makes_sampling_reproducible_and_both_sides_share_it(local_chat):
    sampling = Sampling(temperature=1.0, top_p=0.95, max_new_tokens=16, seed=1234)
    assert answer(local_chat, False, sampling).text == answer(local_chat, False, sampling).text
    jobs = [(side, LocalBackend(local_chat, adapter=side == "tuned"), MESSAGES) for side in ("base", "tuned")]
    replies = run_columns(jobs, Sampling(1.0, 0.95, 8), Stopper())
    assert replies["base"].seed == replies["tuned"].seed is not None


def test_multi_turn_history_goes_through_the_chat_template(local_chat):
    conversation = Conversation(SYSTEM)
    jobs = [(side, LocalBackend(local_chat, adapter=side == "tuned"), conversation.messages(side, QUESTION))
            for side in ("base", "tuned")]
    conversation.add(QUESTION, run_columns(jobs, GREEDY, Stopper()), GREEDY)
    follow_up = conversation.messages("tuned", "Thanks. When will it arrive?")
    assert [m["role"] for m in follow_up] == ["system", "user", "assistant", "user"]
    assert follow_up[2]["content"].startswith("The parcel")
    # Each column keeps its own answers as its history.
    assert conversation.messages("base", "x")[2]["content"] == conversation.turns[0].replies["base"].text
    rendered = local_chat.tokenizer.apply_chat_template(follow_up, tokenize=False, add_generation_prompt=True)
    assert rendered.count("<|im_start|>assistant") == 2 and rendered.endswith("<|im_start|>assistant\n")
    reply = answer(local_chat, True, messages=follow_up)
    assert reply.error is None


def test_a_prompt_longer_than_the_context_is_a_clear_error_and_the_chat_stays_usable(local_chat):
    too_long = [{"role": "user", "content": "parcel " * 3000}]
    with pytest.raises(ChatError) as caught:
        answer(local_chat, True, messages=too_long)
    assert "reads at most 2048" in caught.value.message and "Clear the conversation" in caught.value.advice
    # Nearly full: max new tokens shrinks to what fits, with a note.
    nearly = [{"role": "user", "content": "parcel " * 2000}]
    length = int(local_chat.encode(nearly)[0]["input_ids"].shape[1])
    assert 2048 - 256 < length < 2048
    reply = answer(local_chat, False, Sampling(0, 1.0, 256), messages=nearly)
    assert reply.note and f"lowered to {2048 - length}" in reply.note and reply.tokens <= 2048 - length
    assert answer(local_chat, True).text.startswith("The parcel")


def test_run_columns_reports_errors_per_column_without_raising(local_chat):
    class Broken:
        exclusive = None

        def label(self) -> str:
            return "broken"

        def describe(self) -> dict:
            return {"kind": "broken"}

        def stream(self, messages, sampling, stopper, reply):
            raise ChatError("the endpoint is down", "start it")
            yield ""  # pragma: no cover

    jobs = [("base", Broken(), MESSAGES), ("tuned", LocalBackend(local_chat, True), MESSAGES)]
    done = []
    replies = run_columns(jobs, GREEDY, Stopper(), on_done=lambda c, r: done.append(c))
    assert replies["base"].error.message == "the endpoint is down" and replies["base"].finish == "error"
    assert replies["tuned"].text.startswith("The parcel")
    assert sorted(done) == ["base", "tuned"]


def test_transcript_is_jsonl_in_the_run_dir_and_holds_no_secret(local_chat, memorised_run, monkeypatch):
    monkeypatch.setenv("TUNEWIZ_TEST_KEY", "sk-very-secret-value")
    conversation = Conversation(SYSTEM)
    remote = engine_chat.RemoteBackend("ft:gpt-4o-mini-2024-07-18:acme::x1", "http://127.0.0.1:9/v1",
                                       api_key_env="TUNEWIZ_TEST_KEY")
    jobs = [("base", LocalBackend(local_chat, False), conversation.messages("base", QUESTION)),
            ("tuned", LocalBackend(local_chat, True), conversation.messages("tuned", QUESTION))]
    conversation.add(QUESTION, run_columns(jobs, GREEDY, Stopper()), GREEDY)
    path = transcript_path(memorised_run, conversation.started)
    assert path.parent == memorised_run / "transcripts" and path.suffix == ".jsonl"
    columns = {"base": LocalBackend(local_chat, False).describe(), "tuned": remote.describe()}
    save_transcript(path, conversation, columns)
    save_transcript(path, conversation, columns)  # saving again rewrites, it does not duplicate
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["type"] for line in lines] == ["session", "turn"]
    assert lines[0]["system"] == SYSTEM and lines[0]["columns"]["tuned"]["api_key_env"] == "TUNEWIZ_TEST_KEY"
    assert lines[1]["user"] == QUESTION and lines[1]["replies"]["tuned"]["text"].startswith("The parcel")
    assert lines[1]["sampling"]["temperature"] == 0
    assert "sk-very-secret-value" not in path.read_text()
    path.unlink()


# -- finding the weights and the base ------------------------------------------------------------
def _set_status(run_dir: Path, **fields) -> None:
    """Rewrites status.json; a `pid` comes with its start time, as the real trainer writes them."""
    status = json.loads((run_dir / "status.json").read_text())
    if "pid" in fields:
        fields["pid_start"] = process_start_ticks(fields["pid"])
    status.update(fields)
    (run_dir / "status.json").write_text(json.dumps(status))


def test_a_running_run_without_adapter_uses_its_latest_checkpoint(run_copy):
    import shutil
    shutil.rmtree(run_copy / "adapter")
    _set_status(run_copy, state="running", pid=os.getpid(), step=7, total_steps=12)
    target = locate_run_model(run_copy)
    assert target.checkpoint == "checkpoint-12" and target.weights == run_copy / "checkpoints" / "checkpoint-12"
    assert "latest checkpoint" in target.notes[0]
    assert locate_run_model(run_copy, checkpoint="6").weights.name == "checkpoint-6"
    with pytest.raises(ChatError) as caught:
        locate_run_model(run_copy, checkpoint="99")
    assert "checkpoint-6, checkpoint-12" in caught.value.advice


def test_a_run_without_any_adapter_yet_says_so(run_copy):
    import shutil
    shutil.rmtree(run_copy / "adapter")
    shutil.rmtree(run_copy / "checkpoints")
    _set_status(run_copy, state="running", pid=os.getpid(), step=3, total_steps=12)
    with pytest.raises(ChatError) as caught:
        locate_run_model(run_copy)
    assert "has no adapter yet" in caught.value.message
    assert "running at step 3 of 12" in caught.value.message and "every 6 steps" in caught.value.message
    _set_status(run_copy, state="failed", pid=None, error="CUDA out of memory", advice="Lower batch_size.")
    with pytest.raises(ChatError) as caught:
        locate_run_model(run_copy)
    assert "failed" in caught.value.message and caught.value.advice == "Lower batch_size."


def test_a_run_that_failed_before_saving_says_its_ending_in_the_user_s_language(run_copy):
    # (the error was English under --lang zh: built from status.json's English error and advice)
    from tui.i18n import set_language
    from tui.messages import error_parts
    shutil.rmtree(run_copy / "adapter")
    shutil.rmtree(run_copy / "checkpoints")
    log = str(run_copy / "train.log")
    error, advice = "RuntimeError: boom", f"This looks like a bug or an environment problem; the full traceback is in {log}."
    _set_status(run_copy, state="failed", pid=None, error=error, advice=advice)
    with open(run_copy / "events.jsonl", "a") as f:
        f.write(json.dumps({"type": "end", "time": time.time(), "status": "failed", "error": error, "advice": advice,
                            "code": "failed", "params": {"exception": "RuntimeError", "detail": "boom", "log": log}}) + "\n")
    with pytest.raises(ChatError) as caught:
        locate_run_model(run_copy)
    assert caught.value.message == f"Run {run_copy.name} ended (failed) before saving an adapter. {error}"
    assert caught.value.advice == advice                       # the English as before
    set_language("zh")
    try:
        message, said = error_parts(caught.value)
    finally:
        set_language("en")
    assert message == f"运行 {run_copy.name} 在保存适配器之前就结束了（failed）。RuntimeError：boom"
    assert said == f"这看起来是程序缺陷或环境问题；完整的回溯信息在 {log}。"
    # an ending whose code this tunewiz does not know (another version wrote it): the stored English
    with open(run_copy / "events.jsonl", "a") as f:
        f.write(json.dumps({"type": "end", "time": time.time(), "status": "failed", "error": error, "advice": advice,
                            "code": "from-the-future", "params": {}}) + "\n")
    with pytest.raises(ChatError) as caught:
        locate_run_model(run_copy)
    set_language("zh")
    try:
        message, said = error_parts(caught.value)
    finally:
        set_language("en")
    assert message.endswith("RuntimeError: boom") and said == advice


def test_a_base_that_cannot_be_found_names_where_it_looked(run_copy, tmp_path, tiny_model_dir):
    config = yaml.safe_load((run_copy / "config.yaml").read_text())
    config["model"] = str(tmp_path / "moved" / "tiny")
    (run_copy / "config.yaml").write_text(yaml.safe_dump(config))
    adapter_config = json.loads((run_copy / "adapter" / "adapter_config.json").read_text())
    adapter_config["base_model_name_or_path"] = str(tmp_path / "elsewhere")
    (run_copy / "adapter" / "adapter_config.json").write_text(json.dumps(adapter_config))
    with pytest.raises(ChatError) as caught:
        locate_run_model(run_copy)
    message = caught.value.message
    assert str(tmp_path / "moved" / "tiny") in message and "config.yaml `model`" in message
    assert str(tmp_path / "elsewhere") in message and "base_model_name_or_path" in message
    assert "--base" in caught.value.advice
    target = locate_run_model(run_copy, base=str(tiny_model_dir))
    assert target.base == str(Path(tiny_model_dir).resolve()) and target.base_source == "--base"


def test_an_adapter_on_the_wrong_base_is_a_mismatch_error(memorised_run, tmp_path):
    sys.path.insert(0, str(Path(__file__).parent))
    from tiny_model import build_tiny_model
    other = build_tiny_model(tmp_path / "other", hidden=32)
    chat = LocalChat(locate_run_model(memorised_run, base=str(other)))
    with pytest.raises(ChatError) as caught:
        chat.load()
    assert "does not fit the base model" in caught.value.message
    assert "--base" in caught.value.advice
    # Same shapes but another model (one more layer): it loads, with a note naming both models.
    deeper = build_tiny_model(tmp_path / "deeper", layers=3)
    notes = LocalChat(locate_run_model(memorised_run, base=str(deeper))).load()
    assert any("the adapter was trained on" in note and str(deeper) in note for note in notes)


# -- sharing the GPU with training -------------------------------------------------------------
class FakeGPU:
    def __init__(self, uuid: str, index: int = 0) -> None:
        self.uuid, self.index, self.name, self.free_gb = uuid, index, "NVIDIA A10", 3.5


def test_gpu_sharing_warning_compares_cards_as_each_process_sees_them():
    trainer = runs.Trainer(pid=4242, run="qwen-lora", cuda_visible="1")
    cards = {"0": FakeGPU("GPU-aaa"), "1": FakeGPU("GPU-bbb")}

    def gpus_for(visible_of_us: str):
        def gpus(env: dict) -> list:
            visible = env.get("CUDA_VISIBLE_DEVICES", visible_of_us)
            return [cards[i] for i in visible.split(",")] if visible else list(cards.values())
        return gpus

    os.environ.pop("CUDA_VISIBLE_DEVICES", None)
    warning = engine_chat.gpu_sharing_warning(trainers=[trainer], gpus_for=gpus_for("1"))
    assert warning and "qwen-lora (pid 4242)" in warning and "same GPU" in warning
    assert engine_chat.gpu_sharing_warning(trainers=[trainer], gpus_for=gpus_for("0")) is None
    assert engine_chat.gpu_sharing_warning(trainers=[], gpus_for=gpus_for("0")) is None
    cpu_only = engine_chat.gpu_sharing_warning(trainers=[trainer], gpus_for=lambda env: [])
    assert "share the CPU" in cpu_only


def test_a_live_trainer_process_is_found(runs_dir):
    # Any process whose command line runs engine.train.run counts, wherever its run lives.
    fake = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)", "engine.train.run",
                             "/somewhere/runs/far-away"])
    try:
        deadline = time.monotonic() + 10
        found = []
        while time.monotonic() < deadline and not found:
            found = [t for t in runs.active_trainers(runs_dir) if t.pid == fake.pid]
            time.sleep(0.05)
        assert found and found[0].run == "far-away" and found[0].env_known
        assert "far-away" in engine_chat.gpu_sharing_warning(runs_dir)
    finally:
        fake.kill()
        fake.wait()


def test_running_out_of_memory_is_told_apart_from_other_failures():
    # One test for chat and the trainer: both end an out-of-memory failure with its own advice.
    import torch

    from engine.train.errors import is_oom

    class OutOfMemoryError(RuntimeError):  # a library's own class of that name
        pass

    assert is_oom(torch.OutOfMemoryError("Tried to allocate 2.00 GiB"))  # torch's class, whatever the text
    assert is_oom(RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB"))
    assert is_oom(OutOfMemoryError("boom"))
    assert not is_oom(RuntimeError("expected all tensors to be on the same device"))
    assert not is_oom(ValueError("memory_format must be contiguous"))


def test_sampling_problems_are_reported_together():
    problems = Sampling(temperature=3, top_p=0, max_new_tokens=0).problems()
    assert len(problems) == 3 and problems[0].startswith("temperature")


@pytest.mark.slow
def test_demo_model_streams_chinese_without_broken_characters(tmp_path):
    """The real demo model (SmolLM2-135M-Instruct) with a LoRA adapter: pieces of CJK text are whole
    characters, the streamed text equals a plain decode, and adapter-off equals the plain model."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    from engine.demo import demo_model_dir
    run_dir = tmp_path / "runs" / "demo-lora"
    base = AutoModelForCausalLM.from_pretrained(demo_model_dir())
    peft_model = get_peft_model(base, LoraConfig(r=8, target_modules="all-linear", init_lora_weights=False))
    peft_model.save_pretrained(run_dir / "adapter")
    (run_dir / "config.yaml").write_text(yaml.safe_dump({"model": "demo", "method": "lora"}))
    (run_dir / "status.json").write_text(json.dumps({"state": "completed"}))
    chat = LocalChat(locate_run_model(run_dir))
    chat.load()
    messages = [{"role": "user", "content": "用一句话介绍北京。"}]
    reply = Reply()
    pieces = list(chat.stream(messages, Sampling(0, 1.0, 40), adapter=False, reply=reply))
    assert len(pieces) > 5 and not any("\ufffd" in p for p in pieces)
    plain = AutoModelForCausalLM.from_pretrained(demo_model_dir()).eval()
    inputs, _ = chat.encode(messages)
    with torch.inference_mode():
        out = plain.generate(**inputs, max_new_tokens=40, do_sample=False, eos_token_id=chat.end_ids)
        assert torch.equal(chat.logits(messages, adapter=False), plain(**inputs).logits)
    assert reply.text == chat.tokenizer.decode(out[0][inputs["input_ids"].shape[1]:], skip_special_tokens=True)


def test_cli_one_shot_compare_json_and_bad_input(memorised_run):
    env = {"TUNEWIZ_RUNS_DIR": str(memorised_run.parent)}
    result = cli("chat", memorised_run.name, "--prompt", QUESTION, "--system", SYSTEM, "--compare", "--json",
                 "-t", "0", "-n", "24", env=env)
    assert result.exit_code == 0, result.stderr
    answers = json.loads(result.stdout)
    assert set(answers) == {"base", "tuned"}
    assert answers["tuned"].startswith("The parcel was delayed") and not answers["base"].startswith("The parcel")
    bad = cli("chat", memorised_run.name, "-p", "x", "-t", "9", env=env)
    assert bad.exit_code == 2 and "temperature: 9 is outside 0–2" in bad.stderr
    missing = cli("chat", "nope", "-p", "x", env=env)
    assert missing.exit_code == 2 and "No run 'nope'" in missing.stderr and memorised_run.name in missing.stderr
    no_adapter = cli("chat", str(memorised_run), "--checkpoint", "99", "-p", "x", env=env)
    assert no_adapter.exit_code == 2 and "no checkpoint '99'" in no_adapter.stderr


def test_cli_repl_keeps_history_clears_and_saves(memorised_run):
    from cli_runner import CliRunner

    from tui.cli import app
    script = f"/system {SYSTEM}\n{QUESTION}\n/clear\n{QUESTION}\n/save\n/quit\n"
    result = CliRunner(env={"TUNEWIZ_RUNS_DIR": str(memorised_run.parent)}).invoke(
        app, ["chat", memorised_run.name, "-t", "0", "-n", "16"], input=script, catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.count("The parcel was delayed") == 2
    assert "conversation cleared" in result.stderr and "transcript:" in result.stderr
    saved = Path(result.stderr.split("transcript: ")[1].split()[0])
    lines = saved.read_text().splitlines()
    assert len(lines) == 2 and json.loads(lines[0])["system"] == SYSTEM  # after /clear: one turn
    saved.unlink()


def test_cli_repl_speaks_chinese_under_lang_zh(memorised_run):
    from cli_runner import CliRunner

    from tui.cli import app
    from tui.i18n import set_language
    script = f"/system {SYSTEM}\n{QUESTION}\n/clear\n/save\n/quit\n"
    try:
        result = CliRunner(env={"TUNEWIZ_RUNS_DIR": str(memorised_run.parent)}).invoke(
            app, ["--lang", "zh", "chat", memorised_run.name, "-t", "0", "-n", "16"], input=script,
            catch_exceptions=False)
        empty = CliRunner().invoke(app, ["--lang", "zh", "chat", memorised_run.name, "-p", " "], catch_exceptions=False)
    finally:
        set_language("en")
    assert result.exit_code == 0, result.stderr
    for said in ("命令：/clear（清空对话）", "已设置系统提示词", "对话已清空", "对话记录：", "… 正在加载"):
        assert said in result.stderr, (said, result.stderr)
    assert "conversation cleared" not in result.stderr and "loading the base model" not in result.stderr
    assert empty.exit_code == 2 and "提示词是空的" in empty.stderr


def test_a_run_s_loading_errors_are_said_in_chinese_with_their_english_unchanged(memorised_run, tmp_path):
    from cli_runner import CliRunner

    from tui.cli import app
    from tui.i18n import set_language
    env = {"TUNEWIZ_RUNS_DIR": str(memorised_run.parent)}
    moved = tmp_path / "runs" / "moved"
    shutil.copytree(memorised_run, moved)
    config = yaml.safe_load((moved / "config.yaml").read_text())
    config["model"] = str(tmp_path / "gone")                       # the base model was moved away
    (moved / "config.yaml").write_text(yaml.safe_dump(config))
    adapter = json.loads((moved / "adapter" / "adapter_config.json").read_text())
    adapter["base_model_name_or_path"] = str(tmp_path / "gone")
    (moved / "adapter" / "adapter_config.json").write_text(json.dumps(adapter))
    try:
        zh = [CliRunner(env=env).invoke(app, ["--lang", "zh", "chat", *args, "-p", "x"], catch_exceptions=False)
              for args in ([memorised_run.name, "--checkpoint", "99"], [str(moved)])]
    finally:
        set_language("en")
    en = CliRunner(env=env).invoke(app, ["chat", memorised_run.name, "--checkpoint", "99", "-p", "x"])
    assert zh[0].exit_code == 2 and f"运行 {memorised_run.name} 没有检查点 '99'" in zh[0].stderr, zh[0].stderr
    assert "这个运行的检查点：checkpoint-6、checkpoint-12。" in zh[0].stderr
    assert f"找不到运行 moved 的基座模型。查找过：\n  - {tmp_path / 'gone'}（config.yaml `model`）：不存在" in zh[1].stderr, \
        zh[1].stderr
    assert "Checkpoints of this run: checkpoint-6, checkpoint-12." in en.stderr and "no checkpoint '99'" in en.stderr


def test_a_full_fine_tune_run_compares_two_whole_models(tmp_path, tiny_model_dir):
    import shutil

    import torch
    run_dir = tmp_path / "runs" / "tiny-full"
    shutil.copytree(tiny_model_dir, run_dir / "model")
    from safetensors.torch import load_file, save_file
    weights = load_file(str(run_dir / "model" / "model.safetensors"))
    weights = {k: v * 1.5 if "mlp" in k else v for k, v in weights.items()}  # "fine-tuned": other weights
    save_file(weights, str(run_dir / "model" / "model.safetensors"), metadata={"format": "pt"})
    (run_dir / "config.yaml").write_text(yaml.safe_dump({"model": str(tiny_model_dir), "method": "full"}))
    (run_dir / "status.json").write_text(json.dumps({"state": "completed"}))
    chat = LocalChat(locate_run_model(run_dir))
    notes = chat.load()
    assert chat.base_model is not None and any("two models" in n for n in notes)
    assert not torch.equal(chat.logits(MESSAGES, adapter=False), chat.logits(MESSAGES, adapter=True))
    assert answer(chat, adapter=False).error is None and answer(chat, adapter=True).error is None


CHAT_ENGINE_MODULES = ("engine.chat", "engine.chat.session", "engine.chat.local", "engine.chat.remote",
                       "engine.run_model", "engine.export")


def test_chat_modules_stay_light_and_the_engine_headless():
    engine_modules = ", ".join(CHAT_ENGINE_MODULES)
    code = (f"import sys, {engine_modules}, tui.commands.chat, tui.screens.chat\n"
            "print(' '.join(m for m in ('torch', 'transformers', 'peft', 'openai', 'textual') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == ["textual"]  # only the screen brings textual; nothing heavy before a model is asked for
    headless = subprocess.run([sys.executable, "-c", f"import sys, {engine_modules}; "
                               "print('textual' in sys.modules)"], capture_output=True, text=True, check=True)
    assert headless.stdout.strip() == "False"


def test_the_chat_package_keeps_the_names_its_callers_use():
    # The TUI, the CLI, the benchmarks and these tests reach everything through `engine.chat`.
    for name in ("ChatError", "Sampling", "Reply", "Stopper", "Backend", "Turn", "Conversation", "run_columns",
                 "transcript_path", "save_transcript", "TRANSCRIPTS_DIR", "LocalChat", "LocalBackend",
                 "end_token_ids", "render_messages", "END_OF_TURN_TOKENS", "gpu_sharing_warning", "RemoteBackend",
                 "remote_error", "DEFAULT_TIMEOUT_S", "OPENAI_KEY_ENV", "RunModel", "Progress", "locate_run_model",
                 "available_weights"):
        assert hasattr(engine_chat, name), name
    # Loading errors and chat errors are one type: `except ChatError` catches a run that cannot load.
    from engine.run_model import ModelLoadError
    assert engine_chat.ChatError is ModelLoadError
    with pytest.raises(ChatError):
        locate_run_model("/nonexistent/run")
