"""A fake OpenAI / Azure OpenAI fine-tuning service on 127.0.0.1 that the real `openai` client drives.

    with FakeOpenAI() as fake:
        client = OpenAI(api_key=fake.api_key, base_url=fake.base_url)
        azure = AzureOpenAI(api_key=fake.api_key, azure_endpoint=fake.azure_endpoint, api_version="2025-04-01-preview")

Routes (OpenAI under /v1, Azure under /openai with a required `api-version` query parameter):
  GET  /models, /models/{id}                    base models (`fine_tunable`) and the ft: models of succeeded jobs
  POST /files (multipart: purpose, file)        purpose must be "fine-tune"; the file starts "uploaded"
  GET  /files, /files/{id}, /files/{id}/content  each GET of /files/{id} processes it: uploaded -> processed|error
  DELETE /files/{id}
  POST /fine_tuning/jobs                        GET /fine_tuning/jobs (newest first, after=JOB_ID, limit=20)
  GET  /fine_tuning/jobs/{id}                   with auto_advance, every GET moves the job on by one tick
  POST /fine_tuning/jobs/{id}/cancel
  GET  /fine_tuning/jobs/{id}/events            newest first, after=EVENT_ID, limit (default 20), has_more
  GET  /fine_tuning/jobs/{id}/checkpoints       newest first, after=CHECKPOINT_ID, limit (default 10)
  POST /chat/completions, Azure /openai/deployments/{deployment}/chat/completions (streamed or not)

A job's ticks: validating_files -> queued -> running -> (2 training steps per tick) -> succeeded. The
result file of a succeeded job holds step_metrics.csv base64-encoded, as the real service's does.

Auth: OpenAI paths need `Authorization: Bearer KEY`, Azure paths `api-key: KEY`. Azure's refusals use
Azure's own shapes (401 code "401", 404 code "DeploymentNotFound", 400 "MissingApiVersionParameter").

State lives on the FakeOpenAI object (`jobs`, `files`, `events`, `checkpoints`, `requests`) and survives
`restart()`; `jobs` and `files` hold exactly the objects the API returns.
"""
from __future__ import annotations

import base64
import json
import random
import re
import socket
import string
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator
from urllib.parse import parse_qsl, unquote, urlsplit

DEFAULT_KEY = "sk-test-fake-KEY-0123456789"
FINE_TUNABLE = ("gpt-4o-mini-2024-07-18", "gpt-4o-2024-08-06", "gpt-4.1-2025-04-14", "gpt-4.1-mini-2025-04-14",
                "gpt-3.5-turbo-0125")
ORGANIZATION = "fake-org"
DROP = object()  # a handler result: close the connection without an answer


class Reply:
    """What the HTTP layer writes: a status, headers and either bytes or an iterator of SSE chunks."""

    def __init__(self, status: int, body: Any = None, headers: dict[str, str] | None = None,
                 raw: bytes | None = None, stream: Iterator[bytes] | None = None) -> None:
        self.status, self.headers, self.stream = status, dict(headers or {}), stream
        if raw is not None:
            self.data = raw
            self.headers.setdefault("Content-Type", "application/octet-stream")
        elif stream is not None:
            self.data = b""
            self.headers.update({"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        else:
            self.data = json.dumps(body).encode()
            self.headers.setdefault("Content-Type", "application/json")


class ApiError(Exception):
    def __init__(self, status: int, message: str, code: str | None = None, param: str | None = None,
                 type_: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param, self.type = status, message, code, param, type_

    def reply(self) -> Reply:
        return Reply(self.status, {"error": {"message": self.message, "type": self.type, "param": self.param,
                                             "code": self.code}})


def redact(key: str) -> str:
    """sk-...abcd: enough to recognise a key, never the key."""
    return f"{key[:3]}...{key[-4:]}" if len(key) >= 12 else "***"


def parse_multipart(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """name -> (filename or None, bytes) for a multipart/form-data body."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        raise ApiError(400, "The request body must be multipart/form-data with a boundary.")
    fields: dict[str, tuple[str | None, bytes]] = {}
    for part in body.split(b"--" + match.group(1).encode())[1:]:
        if part.startswith(b"--"):
            break
        head, _, content = part.lstrip(b"\r\n").partition(b"\r\n\r\n")
        if content.endswith(b"\r\n"):
            content = content[:-2]
        disposition = next((line for line in head.decode("utf-8", "replace").split("\r\n")
                            if line.lower().startswith("content-disposition")), "")
        name = re.search(r'\bname="([^"]*)"', disposition)
        filename = re.search(r'\bfilename="([^"]*)"', disposition)
        if name:
            fields[name.group(1)] = (filename.group(1) if filename else None, content)
    return fields


class FakeOpenAI:
    """The fake service. Failure switches (set them on the object, any time):

    training_not_available: POST /fine_tuning/jobs answers 403 code "training_not_available".
    rate_limit_next(n, retry_after_s): the next n requests answer 429 with retry-after-ms / retry-after.
    drop_next(n): the next n requests are read, then the connection is closed without an answer.
    reject_file_reason: uploaded files end in status "error" with this status_details when processed.
    fail_at_step / fail_error: a running job fails right after that step with `error` = fail_error.
    """

    def __init__(self, api_key: str = DEFAULT_KEY, *, total_steps: int = 6,
                 fine_tunable: tuple[str, ...] = FINE_TUNABLE, auto_advance: bool = True) -> None:
        self.api_key, self.total_steps, self.fine_tunable = api_key, total_steps, tuple(fine_tunable)
        self.auto_advance = auto_advance
        self.training_not_available = False
        self.reject_file_reason: str | None = None
        self.fail_at_step: int | None = None
        self.fail_error: dict = {"code": "internal_error", "param": None,
                                 "message": "The job failed due to an internal error. Please try again."}
        self.stream_delay_s = 0.002
        self.requests: list[dict] = []
        self.jobs: dict[str, dict] = {}
        self.files: dict[str, dict] = {}
        self.file_contents: dict[str, bytes] = {}
        self.events: dict[str, list[dict]] = {}        # job id -> events, oldest first
        self.checkpoints: dict[str, list[dict]] = {}   # job id -> checkpoints, oldest first
        self.steps_done: dict[str, int] = {}
        self._rate_limited, self._retry_after_s, self._dropped = 0, 0.2, 0
        self._random = random.Random(20261201)
        self._lock = threading.RLock()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._port = 0

    # ---------------------------------------------------------------- lifecycle
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}/v1"

    @property
    def azure_endpoint(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    def start(self) -> "FakeOpenAI":
        self._server = _Server(("127.0.0.1", self._port), self)
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening and cut every open connection (a stream in flight sees the drop)."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.cut_connections()
        self._server.server_close()
        self._server = None

    def restart(self) -> None:
        """A network drop and recovery: stop, then listen again on the same port with the same state."""
        self.stop()
        self.start()

    __enter__ = start

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # ---------------------------------------------------------------- switches
    def rate_limit_next(self, n: int, retry_after_s: float = 0.2) -> None:
        """The next n requests answer 429 rate_limit_exceeded with retry-after-ms and retry-after headers."""
        with self._lock:
            self._rate_limited, self._retry_after_s = n, retry_after_s

    def drop_next(self, n: int) -> None:
        """The next n requests are read, then their connection is closed without an answer."""
        with self._lock:
            self._dropped = n

    def advance(self, job_id: str, ticks: int = 1) -> None:
        """Move a job on by hand (for auto_advance=False): one status change or two training steps a tick."""
        with self._lock:
            for _ in range(ticks):
                self._tick(self.jobs[job_id])

    # ---------------------------------------------------------------- dispatch
    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply | object:
        url = urlsplit(target)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        record: dict[str, Any] = {"method": method, "path": url.path, "query": query, "headers": headers,
                                  "json": None, "form": None, "status": None}
        with self._lock:
            self.requests.append(record)
        try:
            reply = self._answer(record, body)
        except ApiError as error:
            reply = error.reply()
        record["status"] = "dropped" if reply is DROP else reply.status
        return reply

    def _answer(self, record: dict, body: bytes) -> Reply | object:
        content_type, fields = record["headers"].get("content-type", ""), {}
        if content_type.startswith("multipart/form-data"):
            fields = parse_multipart(content_type, body)
            record["form"] = {name: (filename if filename is not None else value.decode("utf-8", "replace"))
                              for name, (filename, value) in fields.items()}
        elif body:
            try:
                record["json"] = json.loads(body)
            except ValueError:
                raise ApiError(400, "We could not parse the JSON body of your request. The OpenAI API "
                                    "expects a JSON payload.") from None
        with self._lock:
            if self._dropped > 0:
                self._dropped -= 1
                return DROP
            if self._rate_limited > 0:
                self._rate_limited -= 1
                wait = self._retry_after_s
                return Reply(429, {"error": {
                    "message": f"Rate limit reached for requests. Please try again in {int(wait * 1000)}ms.",
                    "type": "requests", "param": None, "code": "rate_limit_exceeded"}},
                    headers={"retry-after-ms": str(int(wait * 1000)), "retry-after": str(max(1, round(wait)))})
        return self._route(record["method"], record["path"], record["query"], record["headers"], record["json"],
                           fields)

    def _route(self, method: str, path: str, query: dict, headers: dict, body: Any,
               fields: dict) -> Reply:
        if path.startswith("/v1/"):
            rest = path[3:]
            if headers.get("authorization") != f"Bearer {self.api_key}":
                given = headers.get("authorization", "").removeprefix("Bearer ").strip()
                message = (f"Incorrect API key provided: {redact(given)}." if given else
                           "You didn't provide an API key. You need to provide your API key in an Authorization "
                           "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).")
                raise ApiError(401, message, "invalid_api_key")
            azure = False
        elif path.startswith("/openai/"):
            rest = path[len("/openai"):]
            if not query.get("api-version"):
                return Reply(400, {"error": {"code": "MissingApiVersionParameter", "message":
                             "The api-version query parameter (?api-version=) is required for all requests."}})
            if headers.get("api-key") != self.api_key:
                return Reply(401, {"error": {"code": "401", "message":
                             "Access denied due to invalid subscription key or wrong API endpoint. Make sure to "
                             "provide a valid key for an active subscription and use a correct regional API "
                             "endpoint for your resource."}})
            azure = True
        else:
            raise ApiError(404, f"Invalid URL ({method} {path})")
        with self._lock:
            return self._dispatch(method, rest, query, body, fields, azure)

    def _dispatch(self, method: str, rest: str, query: dict, body: Any, fields: dict, azure: bool) -> Reply:
        body = body if isinstance(body, dict) else {}
        parts = [unquote(p) for p in rest.strip("/").split("/")]
        route = (method, len(parts), parts[0] if parts else "")
        if route == ("GET", 1, "models"):
            return Reply(200, {"object": "list", "data": [self._model(m) for m in self._known_models()]})
        if route == ("GET", 2, "models"):
            if parts[1] not in self._known_models():
                raise ApiError(404, f"The model '{parts[1]}' does not exist", "model_not_found", "model")
            return Reply(200, self._model(parts[1]))
        if route == ("POST", 2, "chat") and parts[1] == "completions" and not azure:
            return self._chat(body, body.get("model", ""), azure=False)
        if method == "POST" and len(parts) == 4 and parts[0] == "deployments" and parts[2:] == ["chat",
                                                                                                 "completions"]:
            return self._chat(body, parts[1], azure=True)
        if route == ("POST", 1, "files"):
            return self._upload(fields)
        if route == ("GET", 1, "files"):
            items = [f for f in reversed(self.files.values())
                     if not query.get("purpose") or f["purpose"] == query["purpose"]]
            return Reply(200, page(items, query, 10000, "file"))
        if parts[0] == "files" and len(parts) in (2, 3):
            return self._file_route(method, parts[1:])
        if parts[:2] == ["fine_tuning", "jobs"]:
            return self._job_route(method, parts[2:], query, body)
        raise ApiError(404, f"Invalid URL ({method} {'/openai' if azure else '/v1'}{rest})")

    # ---------------------------------------------------------------- models and chat
    def _known_models(self) -> list[str]:
        tuned = [j["fine_tuned_model"] for j in self.jobs.values() if j["fine_tuned_model"]]
        ckpts = [c["fine_tuned_model_checkpoint"] for cs in self.checkpoints.values() for c in cs]
        return list(self.fine_tunable) + tuned + ckpts

    def _model(self, name: str) -> dict:
        return {"id": name, "object": "model", "created": 1721172741,
                "owned_by": ORGANIZATION if name.startswith("ft:") else "system"}

    def _chat(self, body: dict, model: str, azure: bool) -> Reply:
        if model not in self._known_models():
            if azure:
                return Reply(404, {"error": {"code": "DeploymentNotFound", "message":
                             f"The API deployment {model} for this resource does not exist. If you created the "
                             "deployment within the last 5 minutes, please wait a moment and try again."}})
            raise ApiError(404, f"The model `{model}` does not exist or you do not have access to it.",
                           "model_not_found", "model")
        messages = body.get("messages") or []
        if not messages:
            raise ApiError(400, "Missing required parameter: 'messages'.", "missing_required_parameter", "messages")
        last = next((m.get("content") for m in reversed(messages) if m.get("role") == "user"), "")
        if isinstance(last, list):
            last = " ".join(p.get("text", "") for p in last if isinstance(p, dict))
        who = "Tuned" if model.startswith("ft:") else "Base"
        words = f"{who} model here: {last}".split(" ")
        cap = body.get("max_completion_tokens") or body.get("max_tokens")
        finish = "stop"
        if cap and len(words) > int(cap):
            words, finish = words[:int(cap)], "length"
        pieces = [w if i == 0 else " " + w for i, w in enumerate(words)]
        prompt_tokens = sum(len(str(m.get("content", "")).split()) + 3 for m in messages)
        usage = {"prompt_tokens": prompt_tokens, "completion_tokens": len(pieces),
                 "total_tokens": prompt_tokens + len(pieces)}
        ident, created = "chatcmpl-" + self._id(24), int(time.time())
        if not body.get("stream"):
            return Reply(200, {"id": ident, "object": "chat.completion", "created": created, "model": model,
                               "choices": [{"index": 0, "message": {"role": "assistant", "content": "".join(pieces),
                                                                   "refusal": None},
                                            "finish_reason": finish, "logprobs": None}],
                               "usage": usage, "system_fingerprint": "fp_fake"})
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return Reply(200, stream=self._sse(ident, created, model, pieces, finish, usage if include_usage else None))

    def _sse(self, ident: str, created: int, model: str, pieces: list[str], finish: str,
             usage: dict | None) -> Iterator[bytes]:
        def chunk(choices: list, **extra: Any) -> bytes:
            data = {"id": ident, "object": "chat.completion.chunk", "created": created, "model": model,
                    "system_fingerprint": "fp_fake", "choices": choices, **extra}
            return f"data: {json.dumps(data)}\n\n".encode()

        yield chunk([{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}])
        for piece in pieces:
            time.sleep(self.stream_delay_s)
            yield chunk([{"index": 0, "delta": {"content": piece}, "finish_reason": None}])
        yield chunk([{"index": 0, "delta": {}, "finish_reason": finish}])
        if usage is not None:
            yield chunk([], usage=usage)
        yield b"data: [DONE]\n\n"

    # ---------------------------------------------------------------- files
    def _upload(self, fields: dict) -> Reply:
        purpose = fields.get("purpose", (None, b""))[1].decode("utf-8", "replace")
        if "file" not in fields:
            raise ApiError(400, "Missing required parameter: 'file'.", "missing_required_parameter", "file")
        if purpose != "fine-tune":
            raise ApiError(400, f"Invalid purpose '{purpose}': this service only accepts purpose 'fine-tune'.",
                           "invalid_value", "purpose")
        filename, content = fields["file"]
        return Reply(200, self._add_file(filename or "upload", content, "fine-tune", "uploaded"))

    def _add_file(self, filename: str, content: bytes, purpose: str, status: str) -> dict:
        file_id = "file-" + self._id(22)
        self.files[file_id] = {"id": file_id, "object": "file", "bytes": len(content), "created_at": int(time.time()),
                               "filename": filename, "purpose": purpose, "status": status, "status_details": None,
                               "expires_at": None}
        self.file_contents[file_id] = content
        return self.files[file_id]

    def _file_route(self, method: str, parts: list[str]) -> Reply:
        file = self.files.get(parts[0])
        if file is None:
            raise ApiError(404, f"No such File object: {parts[0]}", "file_not_found", "id")
        if len(parts) == 2 and parts[1] == "content" and method == "GET":
            return Reply(200, raw=self.file_contents[file["id"]])
        if len(parts) == 1 and method == "DELETE":
            del self.files[file["id"]], self.file_contents[file["id"]]
            return Reply(200, {"id": file["id"], "object": "file", "deleted": True})
        if len(parts) == 1 and method == "GET":
            if file["status"] == "uploaded":
                problem = self.reject_file_reason or jsonl_problem(self.file_contents[file["id"]])
                if problem:
                    file.update(status="error", status_details=problem)
                else:
                    file["status"] = "processed"
            return Reply(200, file)
        raise ApiError(404, f"Invalid URL ({method} /files/{'/'.join(parts)})")

    # ---------------------------------------------------------------- fine-tuning jobs
    def _job_route(self, method: str, parts: list[str], query: dict, body: dict) -> Reply:
        if not parts:
            if method == "POST":
                return Reply(200, self._create_job(body))
            if method == "GET":
                jobs = [j for j in reversed(self.jobs.values()) if all(
                    (j["metadata"] or {}).get(key[9:-1]) == value for key, value in query.items()
                    if key.startswith("metadata[") and key.endswith("]"))]
                return Reply(200, page(jobs, query, 20, "job"))
            raise ApiError(404, f"Invalid URL ({method} /fine_tuning/jobs)")
        job = self.jobs.get(parts[0])
        if job is None:
            raise ApiError(404, f"No fine-tuning job found with id '{parts[0]}'.", "fine_tuning_job_not_found",
                           "fine_tuning_job_id")
        tail = (method, parts[1] if len(parts) > 1 else "")
        if tail == ("GET", "") and len(parts) == 1:
            if self.auto_advance:
                self._tick(job)
            return Reply(200, job)
        if tail == ("POST", "cancel"):
            if job["status"] not in ("validating_files", "queued", "running"):
                raise ApiError(400, f"Job {job['id']} has already {job['status']}; only a job that is validating "
                                    "files, queued or running can be cancelled.", "invalid_request", None)
            job.update(status="cancelled", estimated_finish=None)
            self._event(job, "Fine-tuning job cancelled")
            return Reply(200, job)
        if tail == ("GET", "events"):
            return Reply(200, page(list(reversed(self.events[job["id"]])), query, 20, "event"))
        if tail == ("GET", "checkpoints"):
            return Reply(200, page(list(reversed(self.checkpoints[job["id"]])), query, 10, "checkpoint"))
        raise ApiError(404, f"Invalid URL ({method} /fine_tuning/jobs/{'/'.join(parts)})")

    def _create_job(self, body: dict) -> dict:
        if self.training_not_available:
            raise ApiError(403, "Fine-tuning is not available for your organization. Contact your account team or "
                                "check your plan's access to model training.", "training_not_available",
                           type_="invalid_request_error")
        model = body.get("model")
        if not model:
            raise ApiError(400, "Missing required parameter: 'model'.", "missing_required_parameter", "model")
        if model not in self.fine_tunable:
            raise ApiError(400, f"Model {model} is not available for fine-tuning or does not exist.",
                           "model_not_available", "model")
        for param in ("training_file", "validation_file"):
            file_id = body.get(param)
            if param == "training_file" and not file_id:
                raise ApiError(400, "Missing required parameter: 'training_file'.", "missing_required_parameter",
                               param)
            if file_id is None:
                continue
            file = self.files.get(file_id)
            if file is None:
                raise ApiError(400, f"Invalid {param}: file {file_id} does not exist.", "invalid_file", param)
            if file["status"] != "processed":
                detail = f": {file['status_details']}" if file["status_details"] else ""
                raise ApiError(400, f"Invalid {param}: file {file_id} is {file['status']}, not processed{detail}. "
                                    "Wait for it to be processed (or fix it and upload it again).",
                               "invalid_file", param)
        method = body.get("method") or {"type": "supervised",
                                        "supervised": {"hyperparameters": body.get("hyperparameters") or {}}}
        kind = method.get("type")
        if kind not in ("supervised", "dpo", "reinforcement"):
            raise ApiError(400, f"Invalid method.type '{kind}': expected 'supervised', 'dpo' or 'reinforcement'.",
                           "invalid_value", "method.type")
        method = json.loads(json.dumps(method))
        hyper = method.setdefault(kind, {}).setdefault("hyperparameters", {})
        for name in ("batch_size", "learning_rate_multiplier", "n_epochs") + (("beta",) if kind == "dpo" else ()):
            hyper.setdefault(name, "auto")
        job_id = "ftjob-" + self._id(24)
        suffix = body.get("suffix")
        job = {"id": job_id, "object": "fine_tuning.job", "created_at": int(time.time()), "finished_at": None,
               "model": model, "fine_tuned_model": None, "organization_id": "org-" + ORGANIZATION,
               "status": "validating_files", "training_file": body["training_file"],
               "validation_file": body.get("validation_file"), "result_files": [], "trained_tokens": None,
               "error": None, "hyperparameters": dict(hyper), "method": method,
               "seed": body["seed"] if body.get("seed") is not None else self._random.randrange(1, 2 ** 31),
               "estimated_finish": None, "suffix": suffix, "user_provided_suffix": suffix,
               "integrations": body.get("integrations") or [], "metadata": body.get("metadata")}
        self.jobs[job_id], self.events[job_id], self.checkpoints[job_id] = job, [], []
        self.steps_done[job_id] = 0
        self._event(job, f"Validating training file: {job['training_file']}" + (
            f" and validation file: {job['validation_file']}" if job["validation_file"] else ""))
        return job

    # ---------------------------------------------------------------- progression
    def _tick(self, job: dict) -> None:
        status = job["status"]
        if status == "validating_files":
            job["status"] = "queued"
            self._event(job, "Files validated, moving job to queued state")
        elif status == "queued":
            job["status"] = "running"
            hyper = job["method"][job["method"]["type"]]["hyperparameters"]  # "auto" resolves once running
            for name, value in {"batch_size": 1, "learning_rate_multiplier": 1.8, "n_epochs": 3, "beta": 0.1}.items():
                if hyper.get(name) == "auto":
                    hyper[name] = value
            job["hyperparameters"] = {k: v for k, v in hyper.items() if k != "beta"}
            job["estimated_finish"] = int(time.time()) + 60 * self.total_steps
            self._event(job, "Fine-tuning job started")
        elif status == "running":
            for _ in range(2):
                if job["status"] == "running":
                    self._step(job)

    def _epochs(self, job: dict) -> int:
        epochs = job["hyperparameters"].get("n_epochs")
        return epochs if isinstance(epochs, int) and epochs > 0 else 3

    def _step(self, job: dict) -> None:
        total, job_id = self.total_steps, job["id"]
        step = self.steps_done[job_id] = self.steps_done[job_id] + 1
        data = metrics(step, total, job["validation_file"] is not None)
        message = f"Step {step}/{total}: training loss={data['train_loss']:.4f}"
        if "valid_loss" in data:
            message += f", validation loss={data['valid_loss']:.4f}"
        self._event(job, message, type_="metrics", data=data)
        epochs = self._epochs(job)
        boundaries = {round(total * e / epochs) for e in range(max(1, epochs - 2), epochs + 1)}
        if step in boundaries:
            name = f"ft:{job['model']}:{ORGANIZATION}:{job['suffix'] or ''}:{job_id[6:14]}:ckpt-step-{step}"
            full = metrics(step, total, job["validation_file"] is not None, full=True)
            self.checkpoints[job_id].append({
                "id": "ftckpt_" + self._id(24), "object": "fine_tuning.job.checkpoint",
                "created_at": int(time.time()), "fine_tuned_model_checkpoint": name, "fine_tuning_job_id": job_id,
                "step_number": step, "metrics": {k: v for k, v in full.items() if k != "total_steps"}})
            self._event(job, f"Checkpoint created at step {step}")
        if self.fail_at_step is not None and step >= self.fail_at_step:
            error = {"code": self.fail_error.get("code"), "message": self.fail_error.get("message"),
                     "param": self.fail_error.get("param")}
            job.update(status="failed", error=error, finished_at=int(time.time()), estimated_finish=None)
            self._event(job, error["message"] or "The job failed", level="error")
        elif step >= total:
            self._succeed(job)

    def _succeed(self, job: dict) -> None:
        job_id = job["id"]
        rows = ["step,train_loss,train_accuracy,valid_loss,valid_mean_token_accuracy"]
        for step in range(1, self.total_steps + 1):
            m = metrics(step, self.total_steps, job["validation_file"] is not None)
            rows.append(",".join(str(x) for x in (step, m["train_loss"], m["train_mean_token_accuracy"],
                                                  m.get("valid_loss", ""), m.get("valid_mean_token_accuracy", ""))))
        csv = base64.b64encode(("\n".join(rows) + "\n").encode())
        result = self._add_file("step_metrics.csv", csv, "fine-tune-results", "processed")
        tokens = max(1, self.files[job["training_file"]]["bytes"] // 4) * self._epochs(job)
        job.update(status="succeeded", finished_at=int(time.time()), estimated_finish=None,
                   fine_tuned_model=f"ft:{job['model']}:{ORGANIZATION}:{job['suffix'] or ''}:{job_id[6:14]}",
                   trained_tokens=tokens, result_files=[result["id"]])
        self._event(job, f"New fine-tuned model created: {job['fine_tuned_model']}")
        self._event(job, "The job has successfully completed")

    def _event(self, job: dict, message: str, *, level: str = "info", type_: str = "message",
               data: dict | None = None) -> None:
        self.events[job["id"]].append({"id": "ftevent-" + self._id(24), "object": "fine_tuning.job.event",
                                       "created_at": int(time.time()), "level": level, "message": message,
                                       "type": type_, "data": data or {}})

    def _id(self, n: int) -> str:
        return "".join(self._random.choice(string.ascii_letters + string.digits) for _ in range(n))


def metrics(step: int, total: int, validation: bool, full: bool = False) -> dict:
    """Deterministic, falling loss: train_loss = 2.0 * 0.8**step."""
    loss = round(2.0 * 0.8 ** step, 4)
    data: dict[str, Any] = {"step": step, "train_loss": loss,
                            "train_mean_token_accuracy": round(min(0.99, 0.5 + 0.05 * step), 4),
                            "total_steps": total}
    if validation and (step % 2 == 0 or full):
        data["valid_loss"] = round(loss * 1.1 + 0.05, 4)
        data["valid_mean_token_accuracy"] = round(min(0.98, 0.45 + 0.05 * step), 4)
    if validation and (step == total or full):
        data["full_valid_loss"] = round(loss * 1.1 + 0.06, 4)
        data["full_valid_mean_token_accuracy"] = round(min(0.98, 0.44 + 0.05 * step), 4)
    return data


def jsonl_problem(content: bytes) -> str | None:
    """Why a fine-tune file is not JSONL of objects, naming the first bad line, or None."""
    for number, line in enumerate(content.decode("utf-8", "replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as error:
            return f"Invalid file format. Line {number}: not valid JSON ({error.msg})."
        if not isinstance(value, dict):
            return f"Invalid file format. Line {number}: expected a JSON object, got {type(value).__name__}."
    return None


def page(items: list[dict], query: dict, default_limit: int, what: str) -> dict:
    """One cursor page the way the API pages: `after` is the id of the last item already seen."""
    try:
        limit = int(query.get("limit", default_limit))
    except ValueError:
        raise ApiError(400, f"Invalid limit '{query['limit']}': expected a whole number.", "invalid_value",
                       "limit") from None
    if not 1 <= limit <= 10000:
        raise ApiError(400, f"Invalid limit {limit}: expected a whole number from 1 up.", "invalid_value", "limit")
    after = query.get("after")
    if after:
        ids = [item["id"] for item in items]
        if after not in ids:
            raise ApiError(400, f"Invalid 'after': no {what} with id '{after}' in this list.", "invalid_value",
                           "after")
        items = items[ids.index(after) + 1:]
    return {"object": "list", "data": items[:limit], "has_more": len(items) > limit}


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {name.lower(): value for name, value in self.headers.items()}
        reply = self.server.fake.handle(self.command, self.path, headers, body)
        if reply is DROP:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        assert isinstance(reply, Reply)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.stream is None:
            self.send_header("Content-Length", str(len(reply.data)))
        self.end_headers()
        if reply.stream is None:
            self.wfile.write(reply.data)
            return
        for chunk in reply.stream:
            self.wfile.write(chunk)
            self.wfile.flush()

    do_GET = do_POST = do_DELETE = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], fake: FakeOpenAI) -> None:
        self.fake = fake
        self.open_connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.open_connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.open_connections.discard(request)
        super().shutdown_request(request)

    def cut_connections(self) -> None:
        with self.connections_lock:
            for connection in list(self.open_connections):
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up mid-stream, or a connection cut by stop(), is expected here
