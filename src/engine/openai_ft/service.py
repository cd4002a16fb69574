"""Where fine-tuning jobs go (OpenAI, Azure OpenAI, or another service with OpenAI's fine-tuning API
by base URL), the API key, the client, and every failure of the service as a message a user can act on.

Keys: read from the environment (OPENAI_API_KEY / AZURE_OPENAI_API_KEY) or typed into the app and
held in memory only (`ApiKey`, whose repr is masked). A run directory records the service's
`describe()`, which names the variable a key comes from and never holds the key.
The `openai` package is imported inside the functions that need it (start-up stays fast).
"""
from __future__ import annotations

import logging
import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Iterator, Literal

from engine import catalog
from engine.chat.remote import server_message, short_error

ServiceKind = Literal["openai", "azure", "compatible"]
SERVICE_KINDS: tuple[str, ...] = ("openai", "azure", "compatible")
OPENAI_KEY_ENV = "OPENAI_API_KEY"
AZURE_KEY_ENV = "AZURE_OPENAI_API_KEY"
AZURE_ENDPOINT_ENV = "AZURE_OPENAI_ENDPOINT"
API_VERSION_ENV = "OPENAI_API_VERSION"          # the variable the openai client itself reads for Azure
DEFAULT_AZURE_API_VERSION = "2024-10-21"        # Azure OpenAI's GA data-plane version with fine-tuning
BASE_URL_ENV = "OPENAI_BASE_URL"
ORG_ENV, PROJECT_ENV = "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"
DEFAULT_TIMEOUT_S = 120.0                        # an upload of a large file takes a while
DEFAULT_RETRIES = 4                              # the client's own retries (429 and 5xx, with back-off)


class ApiKey:
    """An API key held in memory only: its repr and str never show it (so it cannot reach a log, a
    transcript or a screenshot by accident). `reveal()` is for the client."""

    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str) -> None:
        self._value = value.strip()
        self.source = source          # "OPENAI_API_KEY" (a variable's name) or "typed"

    def reveal(self) -> str:
        return self._value

    def masked(self) -> str:
        v = self._value
        return f"{v[:3]}…{v[-4:]}" if len(v) > 12 else "…"

    def __repr__(self) -> str:
        return f"ApiKey({self.masked()}, from {self.source})"

    __str__ = __repr__


@dataclass(frozen=True)
class Service:
    """A fine-tuning service: OpenAI itself, Azure OpenAI (endpoint + api-version, `AzureOpenAI`), or
    any service exposing OpenAI's fine-tuning API at `base_url` ("compatible")."""

    kind: str = "openai"
    base_url: str | None = None          # openai / compatible: the API root (…/v1)
    azure_endpoint: str | None = None    # azure: https://NAME.openai.azure.com
    api_version: str | None = None       # azure: the api-version query parameter
    organization: str | None = None
    project: str | None = None
    key_env: str = OPENAI_KEY_ENV        # the variable the key is read from (its name is recorded, never its value)

    @classmethod
    def from_env(cls, kind: str | None = None, *, base_url: str | None = None, azure_endpoint: str | None = None,
                 api_version: str | None = None, environ: dict[str, str] | None = None) -> "Service":
        """The service the options and the environment describe: Azure when an endpoint is given (or
        AZURE_OPENAI_ENDPOINT is set and no base URL is), else OpenAI (or a compatible service at --base-url)."""
        env = os.environ if environ is None else environ
        endpoint = azure_endpoint or (env.get(AZURE_ENDPOINT_ENV) if kind in (None, "azure") and not base_url else None)
        if kind == "azure" or (kind is None and endpoint):
            return cls(kind="azure", azure_endpoint=(endpoint or "").rstrip("/") or None,
                       api_version=api_version or env.get(API_VERSION_ENV) or DEFAULT_AZURE_API_VERSION,
                       key_env=AZURE_KEY_ENV)
        url = base_url or env.get(BASE_URL_ENV) or None
        resolved = kind or ("compatible" if url and "api.openai.com" not in url else "openai")
        return cls(kind=resolved, base_url=url.rstrip("/") if url else None,
                   organization=env.get(ORG_ENV) or None, project=env.get(PROJECT_ENV) or None)

    @property
    def where(self) -> str:
        if self.kind == "azure":
            return self.azure_endpoint or "Azure OpenAI"
        return self.base_url or "api.openai.com"

    @property
    def label(self) -> str:
        return {"openai": "OpenAI", "azure": "Azure OpenAI"}.get(self.kind, f"the service at {self.where}")

    def problems(self) -> list[str]:
        out = []
        if self.kind not in SERVICE_KINDS:
            out.append(f"service {self.kind!r}: use one of {', '.join(SERVICE_KINDS)}")
        if self.kind == "azure" and not self.azure_endpoint:
            out.append(f"Azure needs its endpoint: --azure-endpoint https://NAME.openai.azure.com or {AZURE_ENDPOINT_ENV}")
        for name, url in (("base URL", self.base_url), ("Azure endpoint", self.azure_endpoint)):
            if url and not url.startswith(("http://", "https://")):
                out.append(f"{name} {url!r} must start with http:// or https://")
        if self.kind == "compatible" and not self.base_url:
            out.append("a compatible service needs --base-url (its API root, e.g. https://host/v1)")
        return out

    def describe(self) -> dict[str, Any]:
        """What a run directory records: where, and the *name* of the key's variable, never the key."""
        return {"kind": self.kind, "base_url": self.base_url, "azure_endpoint": self.azure_endpoint,
                "api_version": self.api_version, "organization": self.organization, "project": self.project,
                "key_env": self.key_env}

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> "Service":
        fields = {k: record.get(k) for k in ("kind", "base_url", "azure_endpoint", "api_version", "organization",
                                              "project", "key_env") if isinstance(record.get(k), str)}
        return cls(**fields)

    def key(self, typed: str | None = None, environ: dict[str, str] | None = None) -> ApiKey | None:
        """The key typed into the app (held in memory), else the one in the environment; None if neither."""
        if typed and typed.strip():
            return ApiKey(typed, "typed")
        value = (os.environ if environ is None else environ).get(self.key_env, "")
        return ApiKey(value, self.key_env) if value.strip() else None


class FineTuneError(Exception):
    """A failure of the fine-tuning path, as a message a user can act on. `code` and `params` let the
    app show it in Chinese; `message` and `advice` are the English text."""

    def __init__(self, code: str, message: str, advice: str, **params: Any) -> None:
        super().__init__(message)
        self.code, self.message, self.advice, self.params = code, message, advice, params

    def __str__(self) -> str:
        return f"{self.message} {self.advice}".strip()

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "advice": self.advice, "params": self.params}


def no_key_error(service: Service) -> FineTuneError:
    return FineTuneError("no-key", f"No API key for {service.label}: {service.key_env} is not set.",
                         f"Export it in the shell that starts tunewiz (export {service.key_env}=...), or type it in "
                         "the app's key field; tunewiz keeps it in memory only and never writes it to disk.",
                         key_env=service.key_env)


def make_client(service: Service, key: ApiKey, *, timeout: float = DEFAULT_TIMEOUT_S,
                max_retries: int = DEFAULT_RETRIES) -> Any:
    """The official client for `service` (`AzureOpenAI` for Azure)."""
    problems = service.problems()
    if problems:
        raise FineTuneError("service-settings", "The service settings are incomplete: " + "; ".join(problems) + ".",
                            "Fix the options (or the environment variables) and try again.", problems=problems)
    if service.kind == "azure":
        from openai import AzureOpenAI
        return AzureOpenAI(api_key=key.reveal(), azure_endpoint=service.azure_endpoint,
                           api_version=service.api_version or DEFAULT_AZURE_API_VERSION,
                           timeout=timeout, max_retries=max_retries)
    from openai import OpenAI
    return OpenAI(api_key=key.reveal(), base_url=service.base_url, organization=service.organization,
                  project=service.project, timeout=timeout, max_retries=max_retries)


@contextmanager
def retry_notices(say: Callable[[str], None]) -> Iterator[None]:
    """Shows the client's own retries (rate limits, busy servers) while the block runs: the client logs
    "Retrying request in N seconds (retry i of n)" at INFO on its `openai._base_client` logger (a log
    line, not an API: when its wording changes the notice still shows whatever it says)."""
    logger = logging.getLogger("openai._base_client")

    class Relay(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            text = record.getMessage()
            if text.startswith("Retrying request"):
                from engine import run_messages  # noqa: F401  (the notice's template)
                from engine.messages import Coded
                say(Coded("run.service-retrying", detail=f"{text[0].lower()}{text[1:]}"))

    handler, level = Relay(logging.INFO), logger.level
    logger.addHandler(handler)
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def check_key(client: Any, service: Service) -> int:
    """One cheap request (list models) that proves the key works; returns the number of models seen."""
    try:
        return sum(1 for _ in client.models.list())
    except Exception as exc:
        raise explain(exc, service) from None


def explain(exc: BaseException, service: Service, *, model: str | None = None, today: date | None = None,
            doing: str = "the request") -> FineTuneError:
    """An openai/httpx exception as a FineTuneError: what happened, in one sentence, and what to do."""
    if isinstance(exc, FineTuneError):
        return exc
    import openai
    where = service.where
    names = {cls.__name__ for cls in type(exc).__mro__}
    if isinstance(exc, openai.APITimeoutError) or any("Timeout" in n for n in names):
        return FineTuneError("timeout", f"{where} did not answer {doing} in time.",
                             "Check the network and try again; a running job is not affected.", where=where)
    if isinstance(exc, openai.APIConnectionError) or names & {"ConnectError", "TransportError", "NetworkError"} \
            or isinstance(exc, ConnectionError):
        cause = exc.__cause__ or exc.__context__ or exc
        return FineTuneError("network", f"Cannot reach {where}: {short_error(cause)}.",
                             "Check the network (and the base URL / endpoint); a job already created goes on at the "
                             "service, and `tunewiz openai watch RUN` picks it up again.", where=where)
    if not isinstance(exc, openai.APIStatusError):
        return FineTuneError("request-failed", f"{doing.capitalize()} to {where} failed: {short_error(exc)}.",
                             "Try again; if it keeps failing, check the service settings.", where=where)
    status, code, text = exc.status_code, _error_code(exc), server_message(exc)
    params = {"where": where, "status": status, "service_code": code, "service_message": text}
    if status == 401:
        return FineTuneError("auth", f"{service.label} did not accept the API key (401): {text}",
                             f"Set {service.key_env} to a valid key for {where} (or type it again in the app).", **params)
    if code == "training_not_available":
        sentence, coded = catalog.OPENAI_WIND_DOWN.training_not_available(today)
        return FineTuneError("training-not-available", sentence,
                             "Train an open model on the same file instead: tunewiz reads OpenAI JSONL "
                             "(the wizard's open-model branch, or tunewiz advise then tunewiz train).",
                             **{**params, **coded["params"], "rule": coded["code"]})
    if status == 403:
        return FineTuneError("permission", f"{service.label} refused {doing} (403 forbidden): {text}",
                             "The key's organisation or project has no access to this: check its permissions "
                             "(fine-tuning needs a key with write access to files and fine-tuning jobs).", **params)
    if status == 429:
        return FineTuneError("rate-limited", f"{service.label} kept refusing {doing}: rate limit or quota (429), "
                             f"even after the client's retries. {text}",
                             "Wait a few minutes and try again, or check the account's quota and billing.", **params)
    if status in (400, 404) and _about_model(code, text) and model:
        names_ok = ", ".join(m.id for m in catalog.openai_models() if m.fine_tunable(today))
        return FineTuneError("model-not-fine-tunable", f"{service.label} cannot fine-tune {model}: {text}",
                             f"Choose a model it can fine-tune ({names_ok or 'none are left on this date'}), or "
                             "train an open model on the same file instead.", model=model, **params)
    if status >= 500:
        return FineTuneError("server-error", f"{service.label} failed with a server error ({status}) during {doing}. {text}",
                             "Try again in a few minutes; a job already created is not affected.", **params)
    return FineTuneError("rejected", f"{service.label} rejected {doing} ({status}): {text}",
                         "Change what the message names and try again.", **params)


def _about_model(code: str | None, text: str) -> bool:
    low = text.lower()
    return (code or "").startswith("model_") or "not available for fine-tuning" in low or "does not exist" in low \
        or "cannot be fine-tuned" in low or ("model" in low and "fine-tun" in low)


def _error_code(exc: Any) -> str | None:
    code = getattr(exc, "code", None)
    if code:
        return str(code)
    body = getattr(exc, "body", None)
    inner = body.get("error", body) if isinstance(body, dict) else None
    return str(inner["code"]) if isinstance(inner, dict) and inner.get("code") else None
