"""What the run commands say when a run cannot be found (engine.runs.resolve_run), and while a remote run's
requests are retried (engine.openai_ft.retry_notices), in the one registry (engine.messages): `run.<name>` codes
with raw params, so `tunewiz watch / resume / stop / chat / export / openai` and the monitor say it in the user's
language (the Chinese: tui/i18n/msg_run.py). Pure data.
"""
from __future__ import annotations

from engine.messages import register

RUNS_MESSAGES: dict[str, str] = {
    # {runs}: the names of up to 10 runs under {root}, newest first
    "run.not-found": "No run '{run}': not a run directory and not a run name under {root}. Runs under {root}: {runs}.",
    "run.not-found.none": "No run '{run}': not a run directory and not a run name under {root}. There are no runs "
                           "under {root}.",
    # {detail}: the OpenAI client's own log line ("retrying request to /files in 0.4 seconds"), as it words it
    "run.service-retrying": "{detail} (rate limit or a busy service; the client waits and retries)",
}
register(RUNS_MESSAGES)
