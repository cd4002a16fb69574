"""What `tunewiz train` and the wizard refuse before a run directory exists (engine.launch.preflight), in
the one registry (engine.messages): `preflight.<name>` codes with raw params, so the plain-text command and
the wizard say them in the user's language (the Chinese: tui/i18n/msg_preflight.py). Pure data.
"""
from __future__ import annotations

from engine.messages import register

PREFLIGHT_MESSAGES: dict[str, str] = {
    # a path of the config that cannot name a file here; {problem}: engine.train.config.path_problem's words
    "preflight.path": "{key}: {problem}",
    "preflight.data-none": "data: no dataset given; set `data:` in the config or pass --set data=FILE",
    "preflight.data-not-found": "data: file not found: {path}",
    "preflight.data-is-folder": "data: {path} is a folder; give the dataset file inside it",
    "preflight.model-path-missing": "model: the path {path} does not exist; give a local model folder, a hub id "
                                    "(e.g. Qwen/Qwen2.5-0.5B-Instruct) or 'demo'",
    "preflight.model-no-config": "model: {path} has no config.json, so it is not a transformers model folder",
    "preflight.remote-code": "model: {where} ships its own Python code (auto_map in its config.json), which training "
                             "would run; read that code, then set `trust_remote_code: true` in the config (or --set "
                             "trust_remote_code=true)",
    "preflight.paths-unreadable": "cannot check the paths in the config: {detail}",
    # {shapes}: the part end.part.pair-shapes (engine/train/dpo.py PAIR_SHAPES_PART)
    "preflight.not-pairs": "data: {path} is not preference data (its first rows have no chosen and rejected "
                           "answers), and method dpo trains on pairs: {shapes}. For conversations or text, use "
                           "method lora, qlora, full or cpt",
    "preflight.pairs-need-dpo": "data: {path} is preference data (chosen and rejected answers): use method: dpo "
                                "(--set method=dpo); method {method} learns from conversations or text",
}
register(PREFLIGHT_MESSAGES)
