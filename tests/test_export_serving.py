"""Export for where models are served: an Ollama Modelfile whose TEMPLATE renders, in Go's real
text/template, the same prompt as the model's Jinja chat template (thinking on and off) and whose stops
are the end-of-turn tokens; templates it cannot reproduce are refused with a code; a GGUF file from
llama.cpp's own converter, loaded back and compared with the merged model (the demo model, `slow`); the
k-quants and a missing converter are explained, never half-written.

The Go renderer is tests/data/ollama_render/main.go, built once with the `go` toolchain (Debian's
golang-go); without `go` only the tests that render with it are skipped, with that reason.
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from test_chat_support import cli, one_torch_thread  # noqa: F401
from tiny_model import CHATML, QWEN3_LIKE

from engine import ollama

HERE = Path(__file__).resolve().parent

# A Llama-3-style template: BOS, header tokens, <|eot_id|> closing every turn, no default system prompt.
LLAMA3_LIKE = (
    "{{- bos_token }}{%- for message in messages %}"
    "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}"
    "{%- endfor %}{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}"
)
# SmolLM2's: a default system prompt when the conversation has none.
DEFAULT_SYSTEM = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful AI assistant.<|im_end|>\\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
# Gemma-style: the system prompt folded into the first user turn (no system turn of its own).
FOLDS_SYSTEM = (
    "{%- if messages[0]['role'] == 'system' %}{%- set first = messages[0]['content'] + '\\n\\n' %}"
    "{%- set loop_messages = messages[1:] %}{%- else %}{%- set first = '' %}{%- set loop_messages = messages %}"
    "{%- endif %}{%- for message in loop_messages %}"
    "{{- '<start_of_turn>' + ('model' if message['role'] == 'assistant' else 'user') + '\\n' + "
    "(first if loop.first else '') + message['content'] + '<end_of_turn>\\n' }}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<start_of_turn>model\\n' }}{%- endif %}"
)
# Rewrites the content (newlines become spaces): Ollama passes content through as it is.
REWRITES_CONTENT = (
    "{%- for message in messages %}{{- '<|im_start|>' + message['role'] + '\\n' }}"
    "{{- message['content'] | replace('\\n', ' ') }}{{- '<|im_end|>\\n' }}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)

CONVERSATIONS = {
    "system and question": [{"role": "system", "content": "You are the parcel desk."},
                            {"role": "user", "content": "Where is order 42?"}],
    "question only": [{"role": "user", "content": "Hi"}],
    "multi-turn, CJK, newlines": [
        {"role": "user", "content": "你好"}, {"role": "assistant", "content": "您好！\n有什么可以帮您？"},
        {"role": "user", "content": "Refund, please."}, {"role": "assistant", "content": "Done."},
        {"role": "user", "content": "Thanks {{ not a template }}"}],
}


@pytest.fixture(scope="module")
def go_render(tmp_path_factory):
    """A function rendering an Ollama TEMPLATE for messages with Go's text/template (skips without `go`)."""
    go = shutil.which("go")
    if go is None:
        pytest.skip("the Go toolchain is absent (apt-get install golang-go): the Modelfile TEMPLATE is not "
                    "rendered with Go's text/template here")
    folder = tmp_path_factory.mktemp("go-render")
    binary = folder / "render"
    build = subprocess.run([go, "build", "-o", str(binary), str(HERE / "data" / "ollama_render" / "main.go")],
                           capture_output=True, text=True, timeout=300, cwd=folder,
                           env={**__import__("os").environ, "GO111MODULE": "off", "GOCACHE": str(folder / "cache")})
    assert build.returncode == 0, build.stderr

    def render(template: str, messages: list[dict[str, str]], **legacy: str) -> str:
        """Ollama's chat path (.Messages), or with no messages its generate path (.System, .Prompt)."""
        path = folder / "template.tmpl"
        path.write_text(template, encoding="utf-8")
        data = {"Messages": [{"Role": m["role"], "Content": m["content"]} for m in messages], **legacy}
        done = subprocess.run([str(binary), str(path)], input=json.dumps(data), capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    return render


def tokenizer_with(template: str, tiny_model_dir: Path, extra_specials: tuple[str, ...] = ()):
    from transformers import AutoTokenizer
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    if extra_specials:
        tokenizer.add_special_tokens({"additional_special_tokens": list(extra_specials)})
    tokenizer.chat_template = template
    return tokenizer


@pytest.mark.parametrize("template,thinking,specials,stop", [
    (CHATML, None, (), "<|im_end|>"),
    (DEFAULT_SYSTEM, None, (), "<|im_end|>"),
    (QWEN3_LIKE, False, (), "<|im_end|>"),
    (QWEN3_LIKE, True, (), "<|im_end|>"),
    (LLAMA3_LIKE, None, ("<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"), "<|eot_id|>"),
], ids=["chatml", "default-system", "qwen3-thinking-off", "qwen3-thinking-on", "llama3"])
def test_the_modelfile_template_renders_what_the_jinja_template_renders(go_render, tiny_model_dir, template,
                                                                       thinking, specials, stop):
    tokenizer = tokenizer_with(template, tiny_model_dir, specials)
    made = ollama.modelfile(tokenizer, "./model", thinking)
    for name, messages in CONVERSATIONS.items():
        want = ollama.jinja_prompt(tokenizer, messages, thinking)
        assert go_render(made.template, messages) == want, name
    # Ollama's generate path (.System / .Prompt) renders a one-question conversation the same way.
    want = ollama.jinja_prompt(tokenizer, CONVERSATIONS["system and question"], thinking)
    assert go_render(made.template, [], System="You are the parcel desk.", Prompt="Where is order 42?") == want
    want = ollama.jinja_prompt(tokenizer, CONVERSATIONS["question only"], thinking)
    assert go_render(made.template, [], Prompt="Hi") == want
    assert made.stops[0] == stop  # the end-of-turn token first: the model stops where training ended answers
    assert f'PARAMETER stop "{stop}"' in made.text and "FROM ./model" in made.text
    prompt = go_render(made.template, CONVERSATIONS["question only"])
    if thinking is False:
        assert prompt.endswith("<|im_start|>assistant\n<think>\n\n</think>\n\n")  # the empty think block kept
    elif thinking is True:
        assert prompt.endswith("<|im_start|>assistant\n")  # the model opens <think> itself: nothing stripped


@pytest.mark.parametrize("template,code", [(FOLDS_SYSTEM, ollama.NOT_SEPARABLE), (REWRITES_CONTENT, ollama.MISMATCH)],
                         ids=["system-folded-into-user", "content-rewritten"])
def test_a_template_ollama_cannot_reproduce_is_refused_with_a_code(tiny_model_dir, template, code):
    tokenizer = tokenizer_with(template, tiny_model_dir)
    with pytest.raises(ollama.OllamaTemplateError) as caught:
        ollama.modelfile(tokenizer, "./model", None)
    assert caught.value.code == code and caught.value.params and "--ollama" in caught.value.advice


def lora_run(root: Path, model_dir: Path, name: str, thinking: bool | None = None) -> Path:
    """A completed LoRA run on MODEL_DIR with a random (non-zero) adapter and, when given, the thinking setting
    training recorded (chat_template.json): what export reads, without a training run."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(model_dir)
    adapted = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"],
                                               init_lora_weights=False))
    with torch.no_grad():
        for key, parameter in adapted.named_parameters():
            if "lora_B" in key:
                parameter.mul_(0.01)  # a small change: the model still answers like itself
    run_dir = root / "runs" / name
    adapted.save_pretrained(run_dir / "adapter")
    (run_dir / "config.yaml").write_text(yaml.safe_dump({"model": str(model_dir), "method": "lora"}))
    (run_dir / "status.json").write_text(json.dumps({"state": "completed"}))
    if thinking is not None:
        (run_dir / "chat_template.json").write_text(json.dumps({"enable_thinking": thinking}))
    return run_dir


@pytest.fixture(scope="module")
def thinking_model(tiny_model_dir, tmp_path_factory) -> Path:
    from tiny_model import build_thinking_model
    return build_thinking_model(tmp_path_factory.mktemp("thinking-model"), tiny_model_dir)


@pytest.mark.parametrize("thinking", [False, True], ids=["thinking-off", "thinking-on"])
def test_export_ollama_writes_the_model_and_a_modelfile_that_prompts_like_training(go_render, thinking_model,
                                                                                  tmp_path, thinking):
    from transformers import AutoTokenizer

    run_dir = lora_run(tmp_path, thinking_model, "think", thinking)
    out = tmp_path / "exports" / "Support Bot"
    result = cli("export", str(run_dir), "--ollama", str(out))
    assert result.exit_code == 0, result.stderr
    modelfile = out / "Modelfile"
    assert result.stdout.strip() == f"ollama create support-bot -f {modelfile}"
    text = modelfile.read_text()
    assert "FROM ./model" in text and 'PARAMETER stop "<|im_end|>"' in text
    assert (out / "model" / "model.safetensors").is_file() and (out / "tunewiz-ollama.json").is_file()
    assert not [p for p in out.parent.iterdir() if ".partial" in p.name]
    # The Modelfile's TEMPLATE (as Ollama would read it) renders what the exported tokenizer renders by
    # default, i.e. with the thinking setting the run trained with.
    template = text.split('TEMPLATE """', 1)[1].split('"""', 1)[0]
    exported = AutoTokenizer.from_pretrained(out / "model")
    for name, messages in CONVERSATIONS.items():
        want = exported.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        assert go_render(template, messages) == want, name
    assert ("<think>\\n\\n</think>" in template) is (not thinking)


def test_export_ollama_refuses_an_untranslatable_template_before_merging(tiny_model_dir, tmp_path):
    base = tmp_path / "gemma-like"
    shutil.copytree(tiny_model_dir, base)
    tokenizer = tokenizer_with(FOLDS_SYSTEM, base)
    tokenizer.save_pretrained(base)
    run_dir = lora_run(tmp_path, base, "folded")
    out = tmp_path / "exports" / "folded"
    result = cli("export", str(run_dir), "--ollama", str(out))
    assert result.exit_code == 2
    assert ollama.NOT_SEPARABLE in result.stderr and "first user turn" in result.stderr
    assert not out.parent.exists() or not list(out.parent.iterdir())  # refused before anything was written


def test_gguf_k_quants_say_which_types_there_are(memorised_free_run):
    result = cli("export", str(memorised_free_run), "--gguf", str(memorised_free_run.parent / "x.gguf"),
                 "--quant", "q4_k_m")
    assert result.exit_code == 2
    assert "gguf.quant-needs-llama-quantize" in result.stderr
    assert "f16" in result.stderr and "q8_0" in result.stderr and "llama-quantize" in result.stderr
    assert not (memorised_free_run.parent / "x.gguf").exists()


@pytest.fixture
def memorised_free_run(tiny_model_dir, tmp_path) -> Path:
    return lora_run(tmp_path, tiny_model_dir, "tiny")


def test_a_missing_converter_names_the_command_that_installs_it(memorised_free_run, tmp_path, monkeypatch):
    monkeypatch.setenv("TUNEWIZ_HOME", str(tmp_path / "empty-home"))
    out = tmp_path / "exports" / "tiny.gguf"
    result = cli("export", str(memorised_free_run), "--gguf", str(out), "--quant", "f16")
    assert result.exit_code == 2
    assert "gguf.converter-missing" in result.stderr and "-m engine.gguf_export install" in result.stderr
    assert not out.exists()


def test_a_tokenizer_the_converter_does_not_know_is_explained(memorised_free_run, tmp_path):
    """llama.cpp's real converter on the tiny model (its BPE tokenizer is not one llama.cpp knows): a clear
    error with a code, no GGUF file and no scratch folder left behind."""
    from engine.gguf_export import find_converter
    find_converter()  # installed by scripts/setup.sh; a missing one fails here, naming the command
    out = tmp_path / "exports" / "tiny.gguf"
    result = cli("export", str(memorised_free_run), "--gguf", str(out), "--quant", "f16")
    assert result.exit_code == 2, result.stderr
    assert "gguf.unknown-pre-tokenizer" in result.stderr and "--merge" in result.stderr
    assert not out.exists() and not list(out.parent.iterdir())


@pytest.mark.slow
def test_the_demo_model_exports_to_gguf_and_ollama(go_render, tmp_path):
    from engine.demo import demo_model_dir
    from engine.gguf_export import find_converter

    find_converter()
    run_dir = lora_run(tmp_path, demo_model_dir(), "demo-lora")
    out = tmp_path / "exports" / "demo-q8_0.gguf"
    result = cli("export", str(run_dir), "--gguf", str(out), "--quant", "q8_0", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert out.is_file() and out.stat().st_size > 100 * 2**20 and data["quant"] == "q8_0"
    assert json.loads((tmp_path / "exports" / "demo-q8_0.gguf.json").read_text()) == data
    assert data["verified"] and len(data["comparisons"]) == 3
    # Loaded back, the GGUF answers like the merged model, token for token (q8_0 keeps these 16 tokens).
    assert data["tokens_equal"], [(c["merged_text"], c["gguf_text"]) for c in data["comparisons"]]
    assert "greedy tokens equal on every prompt" in result.stderr
    assert sorted(p.name for p in out.parent.iterdir()) == ["demo-q8_0.gguf", "demo-q8_0.gguf.json"]

    folder = tmp_path / "exports" / "demo-ollama"
    result = cli("export", str(run_dir), "--ollama", str(folder))
    assert result.exit_code == 0, result.stderr
    text = (folder / "Modelfile").read_text()
    assert 'PARAMETER stop "<|im_end|>"' in text
    template = text.split('TEMPLATE """', 1)[1].split('"""', 1)[0]
    from transformers import AutoTokenizer
    exported = AutoTokenizer.from_pretrained(folder / "model")
    for name, messages in CONVERSATIONS.items():  # SmolLM2's default system prompt included
        want = exported.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        assert go_render(template, messages) == want, name
