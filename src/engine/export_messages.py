"""What exporting a run and tracking a run can say, in the one registry (engine.messages): the English
templates of `ollama.*` (engine/ollama.py: a chat template an Ollama TEMPLATE cannot reproduce),
`gguf.*` (engine/gguf_export.py: llama.cpp's converter), `export.*` (engine/export.py: merging) and
`tracking.*` (engine/train/tracking.py: `report_to`). An error's message is `<code>` and what to do is
`<code>.advice`, both filled with the error's `params`, so `tunewiz --lang zh export ...` says them in
Chinese (tui/i18n/msg_export.py) and `--json` / stderr keep the code. Pure data: no heavy imports.
"""
from __future__ import annotations

from engine.messages import register

EXPORT_MESSAGES: dict[str, str] = {
    # engine/ollama.py: OllamaTemplateError (code = the first part of these codes)
    "ollama.template-render-failed": "The chat template failed to render the {conversation} conversation: {error}",
    "ollama.template-render-failed.advice": "Export without --ollama (the safetensors folder works with "
                                            "transformers and vLLM).",
    "ollama.template-drops-content": "The chat template does not render a {role} message's content as given (or "
                                     "reorders turns), so its turns cannot be cut into Ollama pieces.",
    "ollama.template-drops-content.advice": "Export without --ollama.",
    "ollama.template-not-separable.prefix": "The chat template's {part} does not start with {expected!r} (found "
                                            "{found!r}): its turns are not the same text in every position.",
    "ollama.template-not-separable.prefix.advice": "Export without --ollama.",
    "ollama.template-not-separable": "The chat template's {part} does not end with {expected!r} (found {found!r}): "
                                     "it folds one turn into another (e.g. the system prompt into the first user "
                                     "turn), which a per-message Ollama TEMPLATE cannot reproduce.",
    "ollama.template-not-separable.advice": "Export without --ollama.",
    "ollama.template-mismatch": "An Ollama TEMPLATE cut from this chat template renders the {conversation!r} "
                                "conversation differently from the template itself (from character {position}: "
                                "template {jinja!r}, Modelfile {modelfile!r}).",
    "ollama.template-mismatch.advice": "The template renders turns depending on their position or content; export "
                                       "without --ollama, or write the TEMPLATE by hand.",
    "ollama.no-end-of-turn-token": "The model has no end-of-turn token (no eos token, and the template closes an "
                                   "answer with nothing), so an Ollama model would never stop.",
    "ollama.no-end-of-turn-token.advice": "Set eos_token in the tokenizer config, or export without --ollama.",
    "ollama.template-has-triple-quote": 'The chat template holds """, which ends a Modelfile TEMPLATE block.',
    "ollama.template-has-triple-quote.advice": "Export without --ollama.",
    "ollama.tools-not-translated": "The model's template renders tools; this Modelfile does not pass tool schemas "
                                   "or tool calls (Ollama writes them as JSON differently from the template). Plain "
                                   "chat works as trained.",
    # engine/gguf_export.py: GGUFError
    "gguf.converter-missing": "llama.cpp's GGUF converter is not installed (looked in {path}).",
    "gguf.converter-missing.advice": "Install it (about 80 MB download, nothing compiled): {command}",
    "gguf.quant-needs-llama-quantize": "--quant {quant} needs llama.cpp's C++ tool llama-quantize; the converter "
                                       "writes {available}.",
    "gguf.quant-needs-llama-quantize.advice": "Export --quant f16 (or bf16), then: llama-quantize OUT.gguf "
                                              "OUT-{quant}.gguf {type}  (llama-quantize comes with llama.cpp's "
                                              "releases and packages, e.g. `brew install llama.cpp`).",
    "gguf.unknown-quant": "--quant {quant!r} is not a GGUF type tunewiz knows.",
    "gguf.unknown-quant.advice": "Use one of {available}.",
    "gguf.bad-output.not-gguf": "{out}: not a .gguf file name.",
    "gguf.bad-output.not-gguf.advice": "Give the file to write, e.g. exports/my-model-q8_0.gguf.",
    "gguf.bad-output.folder": "{out}: is a folder.",
    "gguf.bad-output.folder.advice": "Give a file name ending in .gguf.",
    "gguf.bad-output.exists": "{out}: exists.",
    "gguf.bad-output.exists.advice": "Give a new file name, or add --force to replace it.",
    "gguf.bad-output.inside-run": "{out}: is inside the run directory.",
    "gguf.bad-output.inside-run.advice": "Write it elsewhere, e.g. exports/.",
    "gguf.unknown-pre-tokenizer": "llama.cpp's converter does not know this model's tokenizer (its BPE "
                                  "pre-tokenizer is not in the converter's list), so llama.cpp could not tokenize "
                                  "like transformers.",
    "gguf.unknown-pre-tokenizer.advice": "Models from the catalog convert; a custom tokenizer needs support added to "
                                         "llama.cpp (convert_hf_to_gguf_update.py). The safetensors export (--merge) "
                                         "still works.",
    "gguf.unsupported-architecture": "llama.cpp's converter does not support the architecture {architecture}.",
    "gguf.unsupported-architecture.advice": "Export safetensors with --merge and serve with vLLM or transformers.",
    "gguf.converter-needs-module": "The converter needs the Python module {module!r}.",
    "gguf.converter-needs-module.advice": "Install it: {python} -m pip install {module}",
    "gguf.converter-failed": "llama.cpp's converter failed: {line}",
    "gguf.converter-failed.advice": "The converter's last lines:\n{log}",
    "gguf.install-failed.download": "pip could not download {package}=={version}: {reason}",
    "gguf.install-failed.download.advice": "Check the network, then run it again.",
    "gguf.install-failed.sha256": "{sdist} is not the pinned {package} {version} sdist (sha256 differs).",
    "gguf.install-failed.sha256.advice": "Download it again.",
    "gguf.install-failed.no-converter": "{sdist} holds no vendor/llama.cpp/convert_hf_to_gguf.py.",
    "gguf.install-failed.no-converter.advice": "Report this.",
    # engine/export.py: ExportError
    "export.bad-dtype": "--dtype {dtype!r} is not one of {allowed}.",
    "export.bad-dtype.advice": "Use auto, bf16, fp16 or fp32.",
    "export.out-overlaps-weights": "{out} is inside or around the run's weights ({protected}).",
    "export.out-overlaps-weights.advice": "Export to a new folder elsewhere, e.g. exports/<run>-merged.",
    "export.out-overlaps-run": "{out} is inside or around the run directory ({protected}).",
    "export.out-overlaps-run.advice": "Export to a new folder elsewhere, e.g. exports/<run>-merged.",
    "export.out-overlaps-base": "{out} is inside or around the base model ({protected}).",
    "export.out-overlaps-base.advice": "Export to a new folder elsewhere, e.g. exports/<run>-merged.",
    "export.out-is-file": "{out} exists and is a file.",
    "export.out-is-file.advice": "Give a folder path for the merged model.",
    "export.out-not-empty": "{out} exists and is not empty.",
    "export.out-not-empty.advice": "Give a new folder, or add --force to replace what is there.",
    "export.no-space": "The merged model needs about {need_gib:.1f} GiB and {parent} has {free_gib:.1f} GiB free.",
    "export.no-space.advice": "Free some space or export to another disk.",
    "export.base-unloadable": "Cannot load {source}: {detail}",
    "export.base-unloadable.advice": "Point --base at the base model folder the run was trained from.",
    "export.broken-weights": "Merging produced broken weights: {detail}",
    "export.broken-weights.advice": "The adapter holds NaN/inf values (training diverged?); pick an earlier "
                                    "checkpoint with --checkpoint.",
    # engine/train/tracking.py: what launch.preflight refuses before a run directory exists
    "tracking.package-missing": "report_to: {tracker} needs the Python package '{package}', which is not "
                                "installed; {install} (or remove {tracker} from report_to)",
}
register(EXPORT_MESSAGES)   # imported by engine.messages.load_all (DOMAIN_MODULES), not by the modules using it
