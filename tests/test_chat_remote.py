"""OpenAI-compatible endpoints through the real `openai` client against a real HTTP server on
127.0.0.1 that speaks the chat-completions API with streaming (server-sent events), as vLLM,
Ollama and llama.cpp's server do. Also the refusals and timeouts a user meets."""
from __future__ import annotations

import json
import os
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from test_chat_support import cli

from engine.chat import (ChatError, Conversation, RemoteBackend, Reply, Sampling, Stopper, run_columns,
                         save_transcript)

FT_MODEL = "ft:gpt-4o-mini-2024-07-18:acme::9xYz42"
GOOD_KEY = "sk-test-good-key-123"


class CompletionsHandler(BaseHTTPRequestHandler):
    """Models: `echo`/`ft:…` stream "You said: <last message>" word by word; `secure` needs GOOD_KEY;
    `slow` answers after 5 s; `stall` sends one piece then goes quiet; `tiny-context` rejects with
    context_length_exceeded; anything else is 404."""

    server: "FakeServer"

    def log_message(self, *args: Any) -> None:  # keep test output clean
        pass

    def _json(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, code: str | None = None) -> None:
        self._json(status, {"error": {"message": message, "type": "invalid_request_error", "code": code}})

    def do_GET(self) -> None:
        if self.path.endswith("/models"):
            self._json(200, {"object": "list", "data": [{"id": "echo", "object": "model"}]})
        else:
            self._error(404, "not found")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        self.server.requests.append({"path": self.path, "body": body,
                                     "authorization": self.headers.get("Authorization")})
        if self.path != "/v1/chat/completions":
            return self._error(404, f"no route {self.path}")
        model = body.get("model", "")
        if model == "secure" and self.headers.get("Authorization") != f"Bearer {GOOD_KEY}":
            return self._error(401, "Incorrect API key provided.", "invalid_api_key")
        if model == "slow":
            time.sleep(5)
        if model == "tiny-context":
            return self._error(400, "This model's maximum context length is 16 tokens. However, your messages "
                                    "resulted in 40 tokens.", "context_length_exceeded")
        if model not in ("echo", "secure", "slow", "stall") and not model.startswith("ft:"):
            return self._error(404, f"The model `{model}` does not exist.", "model_not_found")
        last = body["messages"][-1]["content"]
        words = f"You said: {last}".split(" ")
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        for index, word in enumerate(words):
            piece = word if index == 0 else " " + word
            chunk = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": int(time.time()),
                     "model": model, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
            self.wfile.flush()
            if model == "stall":
                time.sleep(30)
                return
            time.sleep(0.01)
        end = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
               "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
        self.wfile.write(f"data: {json.dumps(end)}\n\ndata: [DONE]\n\n".encode())
        self.wfile.flush()


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), CompletionsHandler)
        self.requests: list[dict] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up mid-stream (Stop) is expected here, not a server error

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


@pytest.fixture(scope="module")
def server():
    srv = FakeServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


def stream(backend: RemoteBackend, text: str = "hello there", sampling: Sampling | None = None,
           stopper: Stopper | None = None) -> tuple[list[str], Reply]:
    reply = Reply()
    messages = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": text}]
    pieces = list(backend.stream(messages, sampling or Sampling(0.5, 0.8, 64, seed=7), stopper or Stopper(), reply))
    return pieces, reply


def test_streams_pieces_from_a_fine_tuned_model_through_the_openai_client(server):
    pieces, reply = stream(RemoteBackend(FT_MODEL, server.url), "where is my parcel")
    assert pieces == ["You", " said:", " where", " is", " my", " parcel"]
    assert reply.text == "You said: where is my parcel" and reply.finish == "stop" and reply.tokens == 6
    request = server.requests[-1]
    assert request["path"] == "/v1/chat/completions"
    body = request["body"]
    assert body["model"] == FT_MODEL and body["stream"] is True  # the ft: name goes through untouched
    assert (body["temperature"], body["top_p"], body["max_tokens"], body["seed"]) == (0.5, 0.8, 64, 7)
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}


def test_the_api_key_comes_from_the_environment_and_is_never_written(server, tmp_path, monkeypatch):
    monkeypatch.setenv("TUNEWIZ_ENDPOINT_KEY", GOOD_KEY)
    backend = RemoteBackend("secure", server.url, api_key_env="TUNEWIZ_ENDPOINT_KEY")
    pieces, reply = stream(backend)
    assert reply.error is None and server.requests[-1]["authorization"] == f"Bearer {GOOD_KEY}"
    conversation = Conversation("Be brief.")
    conversation.add("hello there", {"tuned": reply}, Sampling())
    path = save_transcript(tmp_path / "t.jsonl", conversation, {"tuned": backend.describe()})
    text = path.read_text()
    assert GOOD_KEY not in text and "TUNEWIZ_ENDPOINT_KEY" in text


def test_a_refused_key_is_a_clear_error(server, monkeypatch):
    monkeypatch.setenv("TUNEWIZ_ENDPOINT_KEY", "sk-wrong")
    with pytest.raises(ChatError) as caught:
        stream(RemoteBackend("secure", server.url, api_key_env="TUNEWIZ_ENDPOINT_KEY"))
    assert "refused" in caught.value.message and "401" in caught.value.message
    assert "Incorrect API key" in caught.value.message and "TUNEWIZ_ENDPOINT_KEY" in caught.value.advice


def test_a_refused_connection_is_a_clear_error():
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(ChatError) as caught:
        stream(RemoteBackend("echo", f"http://127.0.0.1:{port}/v1", timeout=5))
    assert f"Cannot connect to http://127.0.0.1:{port}/v1" in caught.value.message
    assert "vllm serve" in caught.value.advice and time.monotonic() - started < 5


def test_an_endpoint_that_does_not_answer_times_out(server):
    started = time.monotonic()
    with pytest.raises(ChatError) as caught:
        stream(RemoteBackend("slow", server.url, timeout=0.5))
    assert "did not answer within 0.5 s" in caught.value.message and "timeout" in caught.value.advice
    assert time.monotonic() - started < 4


def test_an_unknown_model_and_an_overlong_prompt_are_clear_errors(server):
    with pytest.raises(ChatError) as caught:
        stream(RemoteBackend("ft:gpt-4o-mini:nobody", server.url.replace("/v1", "/v2")))
    assert "404" in caught.value.message
    with pytest.raises(ChatError) as caught:
        stream(RemoteBackend("gpt-nonexistent", server.url))
    assert "has no model 'gpt-nonexistent'" in caught.value.message and "ft:" in caught.value.advice
    with pytest.raises(ChatError) as caught:
        stream(RemoteBackend("tiny-context", server.url))
    assert "longer than tiny-context's context" in caught.value.message and "Clear" in caught.value.advice


def test_the_endpoint_errors_are_coded_and_said_in_chinese_too(server, monkeypatch):
    # The same errors as above, by their codes (engine/load_messages.py): the English stays the message, the
    # chat pane and `tunewiz chat` say them in the user's language.
    from tui.i18n import set_language
    from tui.messages import error_parts
    monkeypatch.setenv("TUNEWIZ_ENDPOINT_KEY", "sk-wrong")
    caught = []
    for backend in (RemoteBackend("secure", server.url, api_key_env="TUNEWIZ_ENDPOINT_KEY"),
                    RemoteBackend("gpt-nonexistent", server.url), RemoteBackend("tiny-context", server.url),
                    RemoteBackend("slow", server.url, timeout=0.5)):
        with pytest.raises(ChatError) as error:
            stream(backend)
        caught.append(error.value)
    assert [e.message_code for e in caught] == ["load.refused-401", "load.no-model", "load.remote-context",
                                                "load.timeout"]
    set_language("zh")
    try:
        said = [error_parts(e) for e in caught]
    finally:
        set_language("en")
    assert "拒绝了请求：API 密钥不被接受（401）" in said[0][0] and "TUNEWIZ_ENDPOINT_KEY" in said[0][1]
    assert "没有模型 'gpt-nonexistent'（404）" in said[1][0] and "ft:" in said[1][1]
    assert "超过了 tiny-context 的上下文长度" in said[2][0] and "0.5 秒内没有回答" in said[3][0]


def test_every_coded_chat_error_is_registered_with_its_advice():
    import re
    from pathlib import Path

    from engine import load_messages
    src = Path(__file__).resolve().parents[1] / "src" / "engine"
    names = {m for path in src.rglob("*.py") for m in re.findall(r"\.coded\(\s*\"([a-z0-9-]+)\"", path.read_text())}
    assert len(names) >= 15, names
    for name in names:
        assert f"load.{name}" in load_messages.LOAD_MESSAGES and f"load.{name}.advice" in load_messages.LOAD_MESSAGES, name


def test_stop_closes_a_stalled_stream_at_once(server):
    stopper = Stopper()
    backend = RemoteBackend("stall", server.url, timeout=30)
    reply = Reply()
    started = time.monotonic()
    pieces = []
    for piece in backend.stream([{"role": "user", "content": "x"}], Sampling(), stopper, reply):
        pieces.append(piece)
        threading.Timer(0.2, stopper.stop).start()  # the server now says nothing for 30 s
    assert pieces == ["You"] and reply.stopped and reply.finish == "stopped" and reply.error is None
    assert time.monotonic() - started < 5


def test_openai_without_a_key_says_how_to_set_it_before_any_request(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ChatError) as caught:
        stream(RemoteBackend(FT_MODEL))  # no base URL: api.openai.com, which must not be contacted
    assert "OPENAI_API_KEY is not set" in caught.value.message and "export OPENAI_API_KEY" in caught.value.advice


def test_only_the_remote_chat_and_the_fine_tuning_service_modules_import_openai():
    # Two places speak to the service: chat (engine/chat/remote.py) and fine-tuning
    # (engine/openai_ft/service.py, which makes every fine-tuning client); a third importer of
    # `openai` would be a third client to keep right.
    import ast
    from pathlib import Path

    import engine.chat.remote
    src = Path(engine.chat.remote.__file__).resolve().parents[2]
    importers = set()
    for path in src.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(name == "openai" or name.startswith("openai.") for name in names):
                importers.add(path.relative_to(src).as_posix())
    assert importers == {"engine/chat/remote.py", "engine/openai_ft/service.py"}


def test_endpoint_columns_answer_side_by_side(server):
    jobs = [("base", RemoteBackend("echo", server.url), [{"role": "user", "content": "one"}]),
            ("tuned", RemoteBackend(FT_MODEL, server.url), [{"role": "user", "content": "two"}])]
    replies = run_columns(jobs, Sampling(), Stopper())
    assert replies["base"].text == "You said: one" and replies["tuned"].text == "You said: two"


def test_cli_one_shot_json_against_the_endpoint(server):
    env = {"OPENAI_API_KEY": "sk-unused"}
    endpoint = ["chat", "--base-url", server.url, "--model", FT_MODEL]
    result = cli(*endpoint, "-p", "hi", "--json", env=env)
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {"tuned": "You said: hi"}
    result = cli(*endpoint, "-p", "hi", "--compare", "--compare-model", "echo", "--json", env=env)
    assert json.loads(result.stdout) == {"base": "You said: hi", "tuned": "You said: hi"}
    result = cli(*endpoint, "-p", "hi", "--compare", env=env)
    assert result.exit_code == 2 and "--compare-model" in result.stderr
    result = cli("chat", "--base-url", server.url, "--model", "slow", "--timeout", "0.5", "-p", "hi", "--json",
                 env=env)
    assert result.exit_code == 1 and "did not answer within 0.5 s" in result.stderr and not result.stdout


async def test_the_pane_chats_with_a_fine_tuned_endpoint(server, tmp_path, monkeypatch):
    """The chat pane opened on an `ft:` model (as the OpenAI screen would): real HTTP, real client."""
    from tui.app import TunewizApp
    from tui.screens.chat import ChatScreen
    from tui.widgets.chat_column import ChatColumn

    monkeypatch.setenv("OPENAI_API_KEY", "sk-unused")
    app = TunewizApp(lang="en", runs_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        app.open_screen("chat", endpoint={"model": FT_MODEL, "base_url": server.url})
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        tuned = screen.query_one("#col-tuned", ChatColumn)
        assert FT_MODEL in tuned.border_title and screen.query_one("#col-base", ChatColumn).border_title == "—"
        screen.query_one("#chat-prompt").value = "is it shipped"
        await pilot.press("enter")
        deadline = time.monotonic() + 20
        while screen.generating or not tuned.answer_text:
            assert time.monotonic() < deadline
            await pilot.pause(0.05)
        assert tuned.answer_text == "You said: is it shipped"
        assert server.requests[-1]["body"]["model"] == FT_MODEL
