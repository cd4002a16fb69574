"""Chat with a run: its base model and its tuned adapter side by side, or any OpenAI-compatible endpoint.

- `session`: what every chat shares: `Sampling`, `Reply`, `Stopper`, the `Backend` protocol, the
  `Conversation`, answering a turn in every column (`run_columns`) and transcripts.
- `local`: a run's own weights (`LocalChat`: one load serves the base and the tuned side).
- `remote`: OpenAI-compatible endpoints (`RemoteBackend`), the only code that imports `openai`.
- Finding and loading a run's weights is `engine.run_model`, shared with export.

Callers use this package's names (`from engine import chat as engine_chat`; `engine_chat.LocalChat`).
Nothing here imports torch, transformers, peft or openai at module level (start-up stays fast), and
nothing imports textual: the TUI and the command line both drive this package.
"""
from __future__ import annotations

from engine.chat.local import (END_OF_TURN_TOKENS, LocalBackend, LocalChat, end_token_ids, gpu_sharing_warning,
                               render_messages)
from engine.chat.remote import DEFAULT_TIMEOUT_S, OPENAI_KEY_ENV, RemoteBackend, remote_error
from engine.chat.session import (TRANSCRIPTS_DIR, Backend, ChatError, Conversation, Reply, Sampling, Stopper, Turn,
                                 run_columns, save_transcript, split_reasoning, transcript_path)
from engine.run_model import ModelLoadError, Progress, RunModel, available_weights, locate_run_model

__all__ = [
    "DEFAULT_TIMEOUT_S", "END_OF_TURN_TOKENS", "OPENAI_KEY_ENV", "TRANSCRIPTS_DIR",
    "Backend", "ChatError", "Conversation", "LocalBackend", "LocalChat", "ModelLoadError", "Progress", "RemoteBackend",
    "Reply", "RunModel", "Sampling", "Stopper", "Turn",
    "available_weights", "end_token_ids", "gpu_sharing_warning", "locate_run_model", "remote_error",
    "render_messages", "run_columns", "save_transcript", "split_reasoning", "transcript_path",
]
