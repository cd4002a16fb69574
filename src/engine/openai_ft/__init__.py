"""The OpenAI / Azure OpenAI fine-tuning path (the guide's path A, with today's API): validate a file
against the service's rules with the model's own token counts and a dated cost, upload it, create the
job, follow it into a run directory like a local run, cancel it, list jobs.

- `service`: where jobs go (`Service`), the key (`ApiKey`, memory only), the client, `FineTuneError`
  (every failure of the service as a coded message with what to do).
- `validate`: `validate_file` → `Validation` (lint rules for OpenAI, SFT or DPO, tokens, cost).
- `jobs`: the run directory's `remote_job.json` (`RemoteJob`), upload with progress, `start_job`.
- `follow`: `Follower` (metrics → step/eval events, resumable without duplicates), `spawn_follower`.

The `openai` package is imported only inside functions (start-up stays fast).
"""
from engine.openai_ft.follow import FOLLOWER_MODULE, Follower, follower_alive, spawn_follower
from engine.openai_ft.jobs import (JOB_STATES, METHODS, RemoteJob, cancel, list_jobs, read_job, start_job)
from engine.openai_ft.service import (SERVICE_KINDS, ApiKey, FineTuneError, Service, check_key, explain, make_client,
                                      no_key_error, retry_notices)

__all__ = ["FOLLOWER_MODULE", "Follower", "follower_alive", "spawn_follower", "JOB_STATES", "METHODS", "RemoteJob",
           "cancel", "list_jobs", "read_job", "start_job", "SERVICE_KINDS", "ApiKey", "FineTuneError", "Service",
           "check_key", "explain", "make_client", "no_key_error", "retry_notices"]
