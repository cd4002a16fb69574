"""What chat says when a model cannot answer (engine.chat: the local model and OpenAI-compatible endpoints), in
the one registry (engine.messages): `load.<name>` with its `.advice`, raw params, so the chat pane and
`tunewiz chat` say it in the user's language (the Chinese: tui/i18n/msg_load.py). Pure data.

An error is made with `ModelLoadError.coded(name, **params)` (engine/run_model.py); its `message` and `advice`
stay the English, as before.
"""
from __future__ import annotations

from engine.messages import register

LOAD_MESSAGES: dict[str, str] = {
    # finding a run's weights and base (engine/run_model.py)
    "load.config-unreadable": "Cannot read {path}: {error}",
    "load.config-unreadable.advice": "The run directory is damaged; pick another run.",
    "load.config-not-mapping": "{path} does not hold a mapping of keys",
    "load.config-not-mapping.advice": "The run directory is damaged; pick another run.",
    "load.no-checkpoint": "Run {run} has no checkpoint '{checkpoint}' (looked for {folder}).",
    "load.no-checkpoint.advice": "Checkpoints of this run: {listed}.",
    "load.no-checkpoint-none": "Run {run} has no checkpoint '{checkpoint}' (looked for {folder}).",
    "load.no-checkpoint-none.advice": "Checkpoints of this run: none.",
    "load.no-adapter-weights": "{weights} holds no adapter weights.",
    "load.no-adapter-weights.advice": "Pick another checkpoint, or the final weights (no --checkpoint).",
    "load.no-model-weights": "{weights} holds no model weights.",
    "load.no-model-weights.advice": "Pick another checkpoint, or the final weights (no --checkpoint).",
    "load.not-a-run": "{path} is not a run directory (no {config}).",
    "load.not-a-run.advice": "Give a run name from `tunewiz runs` or the path of a folder under runs/.",
    # no weights yet: {at} is load.part.at-step or at-step-of, {every} load.part.every (-plain: no save_steps)
    "load.no-adapter-yet": "Run {run} has no adapter yet: it is {state} at {at} and has not written a checkpoint{every}.",
    "load.no-adapter-yet.advice": "Chat with it once its first checkpoint is written, or when it ends.",
    "load.no-model-yet": "Run {run} has no saved model yet: it is {state} at {at} and has not written a "
                         "checkpoint{every}.",
    "load.no-model-yet.advice": "Chat with it once its first checkpoint is written, or when it ends.",
    "load.part.at-step": "step {step}",
    "load.part.at-step-of": "step {step} of {total}",
    "load.part.every": " (every {steps} steps)",
    "load.no-adapter-yet-plain": "Run {run} has no adapter yet: it is {state} at {at} and has not written a checkpoint.",
    "load.no-adapter-yet-plain.advice": "Chat with it once its first checkpoint is written, or when it ends.",
    "load.no-model-yet-plain": "Run {run} has no saved model yet: it is {state} at {at} and has not written a "
                               "checkpoint.",
    "load.no-model-yet-plain.advice": "Chat with it once its first checkpoint is written, or when it ends.",
    # a run that failed before saving: {error} is the ending's message (end.<code>, a part) or the stored English,
    # {advice} its advice or load.part.see-log (-plain: no error recorded)
    "load.ended-before-adapter": "Run {run} ended ({state}) before saving an adapter. {error}",
    "load.ended-before-adapter.advice": "{advice}",
    "load.ended-before-adapter-plain": "Run {run} ended ({state}) before saving an adapter.",
    "load.ended-before-adapter-plain.advice": "{advice}",
    "load.ended-before-model": "Run {run} ended ({state}) before saving its model. {error}",
    "load.ended-before-model.advice": "{advice}",
    "load.ended-before-model-plain": "Run {run} ended ({state}) before saving its model.",
    "load.ended-before-model-plain.advice": "{advice}",
    "load.part.see-log": "See {log}; fix the cause and resume or start it again.",
    "load.no-adapter": "Run {run} has no adapter: {final} is missing and there is no checkpoint.",
    "load.no-adapter.advice": "Train it (`tunewiz resume {run_dir}` continues a stopped run) or pick another run.",
    "load.no-model": "Run {run} has no saved model: {final} is missing and there is no checkpoint.",
    "load.no-model.advice": "Train it (`tunewiz resume {run_dir}` continues a stopped run) or pick another run.",
    # converting the demo model on first use (engine/demo.py; one per CONVERSION_PARTS)
    "load.demo.start": "converting the demo model {name} from GGUF (once, about 30 s)",
    "load.demo.tokenizer": "1/3 reading the tokenizer",
    "load.demo.weights": "2/3 de-quantising the weights",
    "load.demo.safetensors": "3/3 writing safetensors",
    "load.demo.ready": "demo model ready in {target}",
    "load.demo-missing": "The base of run {run} is the demo model, which is not installed.",
    "load.demo-missing.advice": "{detail}",
    # {where}: load.part.looked-* parts, one line each
    "load.base-not-found": "The base model of run {run} was not found. Looked at:\n{where}",
    "load.base-not-found.advice": "Point at the base model folder: `tunewiz chat RUN --base /path/to/model` (in the "
                                  "app: Settings → base model path). It must be the model the run was trained from.",
    "load.part.looked-missing": "  - {path} ({source}): does not exist",
    "load.part.looked-no-config": "  - {path} ({source}): no config.json there",
    "load.remote-code": "{source} needs its own Python code and the run has trust_remote_code off.",
    "load.remote-code.advice": "Read that code, then set trust_remote_code: true in the run's config.yaml.",
    # {base_source}: where the base model's name was taken from (a file and its key, or an option)
    "load.cannot-load": "Cannot load {source}: {error}",
    "load.cannot-load.advice": "Check the path or hub id (offline: download the model and give its folder with "
                               "`tunewiz chat RUN --base /path/to/model`; in the app: Settings → base model path). It "
                               "was taken from {base_source}.",
    "load.cannot-load-model": "Cannot load the model {source}: {error}",
    "load.cannot-load-model.advice": "Check the path or hub id (offline: download the model and give its folder with "
                                     "`tunewiz chat RUN --base /path/to/model`; in the app: Settings → base model "
                                     "path). It was taken from {base_source}.",
    "load.cannot-load-tokenizer": "Cannot load the tokenizer of {source}: {error}",
    "load.cannot-load-tokenizer.advice": "Check the path or hub id (offline: download the model and give its folder "
                                         "with `tunewiz chat RUN --base /path/to/model`; in the app: Settings → base "
                                         "model path). It was taken from {base_source}.",
    "load.oom-loading": "Out of memory loading {source}.",
    "load.oom-loading.advice": "Close other programs on the GPU (a training run?), or chat on the CPU.",
    # {error}: the first line of peft's refusal
    "load.adapter-mismatch": "The adapter {weights} does not fit the base model {base}: {error}",
    "load.adapter-mismatch.advice": "The adapter was trained on {trained_on} (adapter_config.json); point --base "
                                    "(Settings → base model path) at that model.",
    "load.adapter-mismatch-unknown": "The adapter {weights} does not fit the base model {base}: {error}",
    "load.adapter-mismatch-unknown.advice": "The adapter was trained on another model (adapter_config.json); point "
                                            "--base (Settings → base model path) at that model.",
    "load.adapter-layers-missing": "The adapter {weights} does not fit the base model {base}: {missing} of the "
                                   "base's LoRA layers have no weights in the adapter (e.g. {example}).",
    "load.adapter-layers-missing.advice": "The adapter was trained on {trained_on} (adapter_config.json); point --base "
                                          "(Settings → base model path) at that model.",
    "load.adapter-layers-missing-unknown": "The adapter {weights} does not fit the base model {base}: {missing} of the "
                                           "base's LoRA layers have no weights in the adapter (e.g. {example}).",
    "load.adapter-layers-missing-unknown.advice": "The adapter was trained on another model (adapter_config.json); "
                                                  "point --base (Settings → base model path) at that model.",
    # the local model (engine/chat/local.py)
    "load.template-rejected": "The model's chat template rejected the conversation: {error}",
    "load.template-rejected.advice": "Clear the conversation; if it persists the template needs alternating "
                                     "user/assistant turns.",
    "load.context": "The conversation is {tokens} tokens; this model reads at most {context}.",
    "load.context.advice": "Clear the conversation, or shorten the prompt or the system prompt.",
    "load.not-loaded": "The model is not loaded.",
    "load.not-loaded.advice": "Wait for loading to finish, or pick a run.",
    "load.oom-generating": "Out of memory while generating on the {device}.",
    "load.oom-generating.advice": "Lower max new tokens, clear the conversation, or free the GPU (a training run?).",
    "load.generation-failed": "Generation failed: {error}",
    "load.generation-failed.advice": "Clear the conversation and try again; the log has details.",
    # an OpenAI-compatible endpoint (engine/chat/remote.py); {where}: the model at its service
    "load.no-key-azure": "{key_env} is not set, and Azure OpenAI needs an API key.",
    "load.no-key-azure.advice": "Export it in the shell that starts tunewiz: export {key_env}=... (tunewiz reads it "
                                "from the environment and never stores it).",
    "load.no-key-openai": "{key_env} is not set, and OpenAI needs an API key.",
    "load.no-key-openai.advice": "Export it in the shell that starts tunewiz: export {key_env}=sk-... (tunewiz reads "
                                 "it from the environment and never stores it).",
    "load.endpoint-incomplete": "The endpoint settings are incomplete: {problems}",
    "load.endpoint-incomplete.advice": "Fix them in Settings (or the --model / --base-url options).",
    "load.timeout": "{where} did not answer within {timeout:g} s (timed out).",
    "load.timeout.advice": "Check that the server is up and not overloaded, or raise the timeout (Settings, or "
                           "--timeout).",
    "load.no-connection": "Cannot connect to {where}: {error}.",
    "load.no-connection.advice": "Is the server running and the base URL right? vLLM: `vllm serve MODEL` → "
                                 "http://localhost:8000/v1; Ollama → http://localhost:11434/v1; llama.cpp → "
                                 "http://localhost:8080/v1.",
    "load.refused-401": "{where} refused the request: the API key was not accepted (401). {text}",
    "load.refused-401.advice": "Set {key_env} in the environment to a valid key for this endpoint.",
    "load.refused-403": "{where} refused the request (403 forbidden). {text}",
    "load.refused-403.advice": "The key has no access to this model; check the organisation or project.",
    "load.no-model": "{where} has no model '{model}' (404). {text}",
    "load.no-model.advice": "Check the model name: for a fine-tuned OpenAI model use the job's fine_tuned_model "
                            "(ft:…); for vLLM the --served-model-name.",
    "load.rate-limited": "{where} refused the request: rate limit or quota reached (429). {text}",
    "load.rate-limited.advice": "Wait a moment and try again, or check the account's quota.",
    "load.remote-context": "The conversation is longer than {model}'s context. {text}",
    "load.remote-context.advice": "Clear the conversation, or shorten the prompt or system prompt.",
    "load.server-error": "{where} failed with a server error ({status}). {text}",
    "load.server-error.advice": "Try again; if it persists, check the server's log.",
    "load.refused": "{where} refused the request ({status}). {text}",
    "load.refused.advice": "Check the model name and the sampling settings.",
    "load.request-failed": "The request to {where} failed: {error}",
    "load.request-failed.advice": "Try again; check the endpoint settings.",
}
register(LOAD_MESSAGES)
