"""What the OpenAI preference-file check (engine/openai_ft/preference.py) says about a file, in the one registry
(engine.messages): lint codes of docs/lint-codes.md with the variant `openai-pref` (`lint.<code>.openai-pref[-...]`),
so `tunewiz openai validate` and the wizard's file check say them in the user's language (the Chinese:
tui/i18n/msg_pref.py). Parameters are raw values; `{shape}` is the JSON of one pair. Pure data."""
from __future__ import annotations

from engine.data import lint_messages  # noqa: F401  (the lint domain's own codes first: a fixed order in the docs)
from engine.messages import register

PREF_MESSAGES: dict[str, str] = {
    "lint.bom.openai-pref": "the file starts with a UTF-8 byte-order mark (BOM), which OpenAI rejects. Save it as "
                            "'UTF-8' without BOM.",
    "lint.json-array.openai-pref": "the file is one JSON array; OpenAI only accepts JSONL (one pair per line). Re-save "
                                   "it with one json.dumps(pair, ensure_ascii=False) per line, or `jq -c '.[]' FILE`.",
    "lint.json-pretty-printed.openai-pref": "the file holds pretty-printed JSON objects spread over several lines; "
                                            "OpenAI needs one whole pair per line: re-save with `jq -c . FILE`.",
    "lint.blank-lines.openai-pref": "{count} blank line(s) (first at line(s) {lines}); OpenAI rejects them. Delete them.",
    "lint.openai-too-few.openai-pref": "{examples} usable preference pair(s); OpenAI requires at least {minimum} (and "
                                       "suggests far more to see an effect). Add pairs, or fix the rows with errors.",
    "lint.openai-token-limit.openai-pref": "{tokens} tokens (input + both outputs), over {model}'s limit of {limit} per "
                                           "example; OpenAI would reject or truncate it. Shorten the input or the outputs.",
    "lint.openai-token-limit.openai-pref-estimated": "about {tokens} tokens (input + both outputs), over {model}'s limit "
                                                     "of {limit} per example; OpenAI would reject or truncate it. "
                                                     "Shorten the input or the outputs.",
    "lint.eval-problems.openai-pref": "the validation file cannot be read: {error}",
    "lint.train-eval-overlap.openai-pref": "also in the validation file {eval_file} (line {eval_line}); a pair in both "
                                           "makes the validation loss look better than the model is. Remove it from "
                                           "one of them.",
    "lint.not-an-object.openai-pref": "the line is a JSON {got}, not an object; each line must be one preference pair: "
                                      "{shape}.",
    "lint.pref-format.openai-pref-sft": "this is a supervised (SFT) chat row with 'messages', not a preference pair; "
                                        "use --method supervised for this file, or write pairs as {shape}.",
    "lint.pref-format.openai-pref": "not a preference pair (it has {keys}); each line must be {shape}.",
    "lint.pref-format.openai-pref-empty": "not a preference pair (it has no keys); each line must be {shape}.",
    "lint.openai-unsupported-key.openai-pref": "OpenAI rejects the key(s) {keys} in a preference pair; remove them — a "
                                               "pair holds only input, preferred_output, non_preferred_output.",
    "lint.openai-unsupported-key.openai-pref-input": "OpenAI rejects the key(s) {keys} in 'input'; it may hold only "
                                                     "messages, tools, parallel_tool_calls.",
    "lint.openai-unsupported-key.openai-pref-message": "OpenAI rejects the message key(s) {keys} here; remove them.",
    "lint.pref-identical.openai-pref": "the preferred and non-preferred outputs are the same, so the pair teaches "
                                       "nothing (and is billed); write a worse answer as non_preferred_output, or drop "
                                       "the pair.",
    "lint.duplicate.openai-pref": "exact duplicate of the pair on line {first}; duplicates over-weight one preference "
                                  "(and are billed twice). Drop it.",
    "lint.duplicate.openai-pref-short": "duplicate of line {first}",
    "lint.missing-key.openai-pref-input": "the pair has no 'input'; add {{\"input\": {{\"messages\": [...]}}}} holding "
                                          "the conversation up to the user's last turn.",
    "lint.mistyped-key.openai-pref-input": "'input' is a {got}, not an object.",
    "lint.mistyped-key.openai-pref-input-list": "'input' is a list, not an object — the messages go inside an object: "
                                                "{{\"input\": {{\"messages\": [...]}}}}.",
    "lint.mistyped-key.openai-pref-tools": "'tools' is a {got}; it must be a list of tool definitions.",
    "lint.mistyped-key.openai-pref-parallel": "'parallel_tool_calls' must be true or false.",
    "lint.missing-key.openai-pref-messages": "'input' has no 'messages'; add the conversation up to the user's last "
                                             "turn as a list of {{\"role\": ..., \"content\": ...}}.",
    "lint.mistyped-key.openai-pref-messages": "'messages' is a {got}; it must be a list of messages.",
    "lint.empty-conversation.openai-pref": "'messages' is empty; put the conversation up to the user's last turn in it.",
    "lint.pref-last-turn.openai-pref": "the input ends with a {role} turn; it must end with the user's turn (or a tool "
                                       "result) that the outputs answer. Move the assistant's answer into "
                                       "preferred_output, or drop the trailing turn.",
    "lint.mistyped-key.openai-pref-message": "a message is a {got}; each must be an object "
                                             "{{\"role\": ..., \"content\": ...}}.",
    "lint.missing-key.openai-pref-role": "the message has no 'role'; use one of {roles}.",
    "lint.unknown-role.openai-pref": "role {role!r} is not one OpenAI accepts here; use one of {roles}.",
    "lint.mistyped-key.openai-pref-tool-calls": "'tool_calls' must be a list of calls.",
    "lint.missing-key.openai-pref-content": "the {role} message has no 'content'; add its text.",
    "lint.mistyped-key.openai-pref-content-null": "the {role} message's content is null; give its text as a string.",
    "lint.empty-content.openai-pref": "the {role} turn has no text; fill it in or drop the turn.",
    "lint.missing-key.openai-pref-output": "the pair has no {key!r}; add [{{\"role\": \"assistant\", \"content\": "
                                           "\"...\"}}].",
    "lint.mistyped-key.openai-pref-output-object": "{key!r} is one object; OpenAI wants a list of one message: wrap it "
                                                   "in [ ].",
    "lint.mistyped-key.openai-pref-output": "{key!r} is a {got}; it must be a list of one assistant message "
                                            "[{{\"role\": \"assistant\", \"content\": \"...\"}}].",
    "lint.pref-output-count.openai-pref": "{key!r} holds {count} messages; it must hold exactly one assistant message "
                                          "(a multi-turn answer cannot be compared). Keep only the answer to the "
                                          "input's last turn.",
    "lint.pref-output-role.openai-pref": "the output message is from {role!r}; it must be the assistant's answer (role "
                                         "\"assistant\").",
    "lint.empty-answer.openai-pref": "the output has no text; write the answer (an empty answer cannot be preferred or "
                                     "rejected).",
}
register(PREF_MESSAGES)
