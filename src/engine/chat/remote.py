"""Chat with any OpenAI-compatible chat-completions endpoint: OpenAI itself (including `ft:` models),
vLLM, Ollama, llama.cpp's server, ... through the official `openai` client.

The only code of tunewiz that imports `openai`, and only when a request is made (start-up stays fast).
API keys are read from the environment when a request is made and are never stored: transcripts
record the endpoint's URL, model and the *name* of the variable that held the key.
"""
from __future__ import annotations

import os
import queue
import threading
import time
from typing import Any, Iterator

from engine.chat.session import ChatError, Reply, Sampling, Stopper

DEFAULT_TIMEOUT_S = 60.0
OPENAI_KEY_ENV = "OPENAI_API_KEY"


class RemoteBackend:
    """Any OpenAI-compatible chat-completions endpoint through the official `openai` client: OpenAI
    itself (including `ft:` models), vLLM, Ollama, llama.cpp's server, ..."""

    exclusive = None

    def __init__(self, model: str, base_url: str | None = None, api_key_env: str = OPENAI_KEY_ENV,
                 timeout: float = DEFAULT_TIMEOUT_S, *, azure_endpoint: str | None = None,
                 api_version: str | None = None, api_key: Any = None) -> None:
        """`azure_endpoint` + `api_version`: Azure OpenAI (`model` is then the deployment's name);
        `api_key`: a key typed into the app (an object with `reveal()`, held in memory), else the
        environment's `api_key_env`."""
        self.model = model.strip()
        self.base_url = (base_url or "").strip() or None
        self.api_key_env = api_key_env.strip() or OPENAI_KEY_ENV
        self.timeout = timeout
        self.azure_endpoint = (azure_endpoint or "").strip() or None
        self.api_version = api_version
        self._typed_key = api_key

    def problems(self) -> list[str]:
        out = []
        if not self.model:
            out.append("model: give the model name the endpoint serves (e.g. ft:gpt-4o-mini-2024-07-18:org::id)")
        if self.base_url and not self.base_url.startswith(("http://", "https://")):
            out.append(f"base URL: {self.base_url!r} must start with http:// or https:// "
                       "(e.g. http://localhost:8000/v1)")
        if not (0 < self.timeout <= 3600):
            out.append(f"timeout: {self.timeout:g} s must be between 0 and 3600")
        return out

    @property
    def where(self) -> str:
        return self.azure_endpoint or self.base_url or "api.openai.com"

    def label(self) -> str:
        return f"{self.model} @ {self.where}"

    def describe(self) -> dict[str, Any]:
        # The key's *name* only: the value never leaves the environment.
        described = {"kind": "openai-compatible", "base_url": self.base_url, "model": self.model,
                     "api_key_env": self.api_key_env if self._typed_key is None else "typed (not stored)"}
        if self.azure_endpoint:
            described.update(kind="azure-openai", azure_endpoint=self.azure_endpoint, api_version=self.api_version)
        return described

    def _client(self) -> Any:
        from openai import AzureOpenAI, OpenAI
        key = self._typed_key.reveal() if self._typed_key is not None else os.environ.get(self.api_key_env)
        if self.azure_endpoint:
            if not key:
                raise ChatError.coded("no-key-azure", key_env=self.api_key_env)
            return AzureOpenAI(api_key=key, azure_endpoint=self.azure_endpoint, api_version=self.api_version,
                               timeout=self.timeout, max_retries=0)
        if not key:
            if self.base_url is None:
                raise ChatError.coded("no-key-openai", key_env=self.api_key_env)
            key = "unused"  # local servers (vLLM, Ollama, llama.cpp) accept any key unless started with one
        return OpenAI(api_key=key, base_url=self.base_url, timeout=self.timeout, max_retries=0)

    def stream(self, messages: list[dict[str, str]], sampling: Sampling, stopper: Stopper,
               reply: Reply) -> Iterator[str]:
        problems = self.problems()
        if problems:
            raise ChatError.coded("endpoint-incomplete", problems="; ".join(problems))
        client = self._client()
        started = time.perf_counter()
        params: dict[str, Any] = {"model": self.model, "messages": messages, "stream": True,
                                  "max_tokens": sampling.max_new_tokens, "top_p": sampling.top_p,
                                  "temperature": sampling.temperature}
        if sampling.seed is not None:
            params["seed"] = sampling.seed
        reply.seed = sampling.seed
        try:
            response = client.chat.completions.create(**params)
        except Exception as exc:
            raise self._error(exc) from None
        # The response is read in a helper thread: a blocked socket read cannot be interrupted from
        # outside (closing the response does not wake it), so Stop must not wait for the server.
        items: queue.Queue = queue.Queue()
        done, stop_signal = object(), object()

        def read() -> None:
            try:
                for chunk in response:
                    items.put(chunk)
                    if stopper.stopped:
                        break
            except BaseException as exc:  # handed to the consumer
                items.put(exc)
            finally:
                items.put(done)
                try:
                    response.close()
                except Exception:
                    pass

        remove = stopper.on_stop(lambda: items.put(stop_signal))
        threading.Thread(target=read, name="tunewiz-endpoint-read", daemon=True).start()
        try:
            while True:
                item = items.get()
                if item is done or item is stop_signal or stopper.stopped:
                    break
                if isinstance(item, BaseException):
                    raise self._error(item) from None
                for choice in item.choices or []:
                    delta = choice.delta
                    piece = (getattr(delta, "content", None) or "") if delta else ""
                    refusal = getattr(delta, "refusal", None) if delta else None
                    if refusal:
                        piece += refusal
                    if choice.finish_reason:
                        reply.finish = "length" if choice.finish_reason == "length" else "stop"
                    if piece:
                        if reply.first_token_s is None:
                            reply.first_token_s = time.perf_counter() - started
                        reply.text += piece
                        reply.tokens += 1  # one streamed piece is one token on the servers we know
                        yield piece
        finally:
            remove()
            if stopper.stopped:
                try:
                    response.close()  # best effort: lets the server notice the client went away
                except Exception:
                    pass
            reply.seconds = time.perf_counter() - started
        if stopper.stopped:
            reply.stopped, reply.finish = True, "stopped"
        elif reply.finish is None:
            reply.finish = "stop"

    def _error(self, exc: BaseException) -> ChatError:
        return remote_error(exc, self.where, self.model, self.timeout, self.api_key_env)


def remote_error(exc: BaseException, where: str, model: str, timeout: float, key_env: str) -> ChatError:
    """An openai/httpx exception as a message a user can act on."""
    import openai
    if isinstance(exc, ChatError):
        return exc
    # Errors raised while reading a stream come from the client's HTTP library (httpx, or httpx2 in
    # newer openai releases) unwrapped; they are recognised by class name so either works.
    names = {cls.__name__ for cls in type(exc).__mro__}
    if isinstance(exc, (openai.APITimeoutError, TimeoutError)) or any("Timeout" in n for n in names):
        return ChatError.coded("timeout", where=where, timeout=timeout)
    if isinstance(exc, (openai.APIConnectionError, ConnectionError)) or names & {"TransportError", "NetworkError"}:
        cause = exc.__cause__ or exc.__context__ or exc
        return ChatError.coded("no-connection", where=where, error=short_error(cause))
    if isinstance(exc, openai.APIStatusError):
        status, text = exc.status_code, server_message(exc)
        if status == 401:
            return ChatError.coded("refused-401", where=where, text=text, key_env=key_env)
        if status == 403:
            return ChatError.coded("refused-403", where=where, text=text)
        if status == 404:
            return ChatError.coded("no-model", where=where, model=model, text=text)
        if status == 429:
            return ChatError.coded("rate-limited", where=where, text=text)
        if status == 400 and ("context" in text.lower() or "too long" in text.lower() or "maximum" in text.lower()):
            return ChatError.coded("remote-context", model=model, text=text)
        if status >= 500:
            return ChatError.coded("server-error", where=where, status=status, text=text)
        return ChatError.coded("refused", where=where, status=status, text=text)
    return ChatError.coded("request-failed", where=where, error=short_error(exc))


def short_error(exc: BaseException) -> str:
    """An exception as "Type: its first line"."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def server_message(exc: Any) -> str:
    """The message an OpenAI-style error body carries (`error.message`), else the exception's own."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        message = inner.get("message") if isinstance(inner, dict) else inner
        if message:
            return str(message)
    return str(getattr(exc, "message", "") or "").strip()
