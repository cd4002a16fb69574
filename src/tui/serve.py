"""`tunewiz serve`: the same app in a browser, through textual-serve, behind a token.

textual-serve (Textualize's own server for Textual apps) starts one `tunewiz` process per browser
tab and relays its screen to xterm.js over a websocket. It has no authentication of its own, and the
app it serves starts training on this machine, so every request here needs a token:

- `secrets.token_urlsafe` makes one per server start; it is printed once, in the URL to open
  (`http://127.0.0.1:PORT/?token=...`).
- The first request that carries it (`?token=`) gets an HttpOnly, SameSite=Strict cookie and is
  redirected to the same page without the token in the address bar; reloads and the websocket carry
  the cookie.
- Every other request is refused with HTTP 403 and a one-line reason: the page, the websocket, the
  downloads and the static files (those are textual-serve's public JavaScript, CSS and fonts and
  reveal nothing, but a browser holding the cookie sends it for them anyway, so nothing needs them
  open). A websocket whose Origin is another site is refused too.
- It listens on 127.0.0.1 unless the caller names another address *and* allows it (`allow_remote`).

textual-serve's `Server.serve()` builds its web application in a private method; instead of
overriding it this module builds the application from the server's public handlers
(`handle_index` is replaced: its URLs come from the request's Host, so they work through
`ssh -L LOCAL:127.0.0.1:PORT` with another local port and with `--port 0`).
"""
from __future__ import annotations

import asyncio
import ipaddress
import os
import re
import secrets
import shlex
import signal
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import web
from textual_serve.server import Server

from tui.i18n import t   # the printed lines in the current language (tui/i18n/serve.py)

TOKEN_PARAM = "token"
COOKIE_PREFIX = "tunewiz-token-"  # + the port: two servers on one host keep their own cookies
LOCAL_NAMES = ("localhost",)
REFUSED_NO_TOKEN = ("403 Forbidden: this tunewiz server needs the token it printed when it started: "
                    "open the URL it printed (http://HOST:PORT/?token=...).\n")
REFUSED_BAD_TOKEN = "403 Forbidden: wrong token: open the URL tunewiz serve printed when it started.\n"
REFUSED_ORIGIN = "403 Forbidden: a websocket opened from another site ({origin}); open tunewiz from its own URL.\n"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]


class ServeError(Exception):
    """A reason `tunewiz serve` cannot start, worded for the user."""


def is_loopback(host: str) -> bool:
    """True for the addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    if host.lower() in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def app_command(lang: str | None = None, runs_dir: Path | None = None) -> str:
    """The shell command textual-serve runs for each browser tab: this tunewiz, same --lang / --runs-dir."""
    argv = [sys.executable, "-m", "tui.cli"]
    if lang:
        argv += ["--lang", lang]
    if runs_dir is not None:
        argv += ["--runs-dir", str(Path(runs_dir).expanduser().resolve())]
    return shlex.join(argv)


def _same(a: str, b: str) -> bool:
    return secrets.compare_digest(a.encode("utf-8", "surrogateescape"), b.encode("utf-8", "surrogateescape"))


def token_middleware(token: str, cookie_name: Callable[[], str]) -> Middleware:
    """aiohttp middleware: the token in ?token= (then a cookie) or HTTP 403 with a one-line reason.

    `cookie_name()` is asked per request: the port it names is known only once the server is bound."""

    @web.middleware
    async def check_token(request: web.Request, handler: Handler) -> web.StreamResponse:
        supplied = request.query.get(TOKEN_PARAM)
        if supplied is not None and not _same(supplied, token):
            return web.Response(status=403, text=REFUSED_BAD_TOKEN)
        if supplied is None:
            cookie = request.cookies.get(cookie_name())
            if cookie is None:
                return web.Response(status=403, text=REFUSED_NO_TOKEN)
            if not _same(cookie, token):  # a cookie from an earlier start of the server
                return web.Response(status=403, text=REFUSED_BAD_TOKEN)
        origin = request.headers.get("Origin")
        if request.path == "/ws" and origin and urlsplit(origin).netloc != request.host:
            return web.Response(status=403, text=REFUSED_ORIGIN.format(origin=origin))
        if supplied is not None and request.method == "GET" and request.path == "/":
            # Keep the token out of the address bar and the history: the cookie carries it from now on.
            rest = [(k, v) for k, v in request.query.items() if k != TOKEN_PARAM]
            response: web.StreamResponse = web.HTTPSeeOther("/" + (f"?{urlencode(rest)}" if rest else ""))
        else:
            response = await handler(request)
        if supplied is not None:
            response.set_cookie(cookie_name(), token, path="/", httponly=True, samesite="Strict")
        return response

    return check_token


# textual-serve's page asks Google Fonts for "Roboto Mono": on a GPU box's browser tab that is a request to a
# third party on every load (and a stall where there is no internet); its CSS falls back to the local
# monospace fonts. The page is served without that link (`offline_templates`).
_REMOTE_FONT_LINK = re.compile(r"\s*<link\b[^>]*https://fonts\.googleapis\.com[^>]*>", re.IGNORECASE)


def offline_templates(upstream: Path) -> Path:
    """A templates folder with textual-serve's own app_index.html (from `upstream`, so it stays in step with
    the installed version) less its links to Google Fonts, in tunewiz's cache folder."""
    from engine.demo import tunewiz_home
    page = _REMOTE_FONT_LINK.sub("", (upstream / "app_index.html").read_text(encoding="utf-8"))
    folder = tunewiz_home() / "serve-templates"
    target = folder / "app_index.html"
    try:
        if not target.is_file() or target.read_text(encoding="utf-8") != page:
            folder.mkdir(parents=True, exist_ok=True)
            tmp = folder / f".app_index.{os.getpid()}.tmp"
            tmp.write_text(page, encoding="utf-8")
            os.replace(tmp, target)
    except OSError:   # a read-only cache: textual-serve's page as it is
        return upstream
    return folder


class TokenServer(Server):
    """textual-serve's server with a token in front of every route (and its page without remote fonts)."""

    def __init__(self, command: str, host: str = "127.0.0.1", port: int = 8000, token: str | None = None) -> None:
        super().__init__(command, host=host, port=port, title="tunewiz")
        self.token = token or secrets.token_urlsafe(24)
        self.bound_port = port  # the port listened on, once started (port 0 asks the system for a free one)
        self.upstream_templates = Path(self.templates_path)
        self.templates_path = offline_templates(self.upstream_templates)

    def make_app(self) -> web.Application:
        """The web application: textual-serve's routes and templates, the token middleware in front."""
        cookie_name = lambda: f"{COOKIE_PREFIX}{self.bound_port}"  # noqa: E731
        app = web.Application(middlewares=[token_middleware(self.token, cookie_name)])
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes([
            web.get("/", self.handle_index, name="index"),
            web.get("/ws", self.handle_websocket, name="websocket"),
            web.get("/download/{key}", self.handle_download, name="download"),
            web.static("/static", self.statics_path, show_index=False, name="static"),
        ])
        return app

    @aiohttp_jinja2.template("app_index.html")
    async def handle_index(self, request: web.Request) -> dict[str, Any]:
        """textual-serve's page, its URLs on the host the browser used (an ssh -L port, --port 0)."""
        base = f"{request.scheme}://{request.host}"
        websocket = ("wss" if request.scheme == "https" else "ws") + f"://{request.host}/ws"
        try:
            font_size = int(request.query.get("fontsize", "16"))
        except ValueError:
            font_size = 16
        return {"font_size": font_size, "app_websocket_url": websocket,
                "config": {"static": {"url": f"{base}/static/"}}, "application": {"name": self.title}}


@dataclass
class Started:
    """A listening server: where it listens, the URL to open (token included) and how to stop it."""
    port: int
    url: str
    runner: web.AppRunner


async def start(server: TokenServer) -> Started:
    """Binds and starts serving; the port is the one bound (so `port=0` picks a free one)."""
    server.initialize_logging()
    runner = web.AppRunner(server.make_app(), handle_signals=False, access_log=None)
    await runner.setup()
    # "localhost" may name two addresses (IPv4 and IPv6), and with port 0 each would get its own port.
    host = "127.0.0.1" if server.host.lower() in LOCAL_NAMES else server.host
    site = web.TCPSite(runner, host, server.port)
    try:
        await site.start()
    except OSError as exc:
        await runner.cleanup()
        raise ServeError(t("serve.cannot-listen", host=server.host, port=server.port,
                           reason=exc.strerror or exc)) from None
    port = server.bound_port = int(runner.addresses[0][1])
    name = _this_host() if _wildcard(server.host) else server.host  # 0.0.0.0 is no address to open
    shown = f"[{name}]" if ":" in name else name
    return Started(port=port, url=f"http://{shown}:{port}/?{TOKEN_PARAM}={server.token}", runner=runner)


def _wildcard(host: str) -> bool:
    return host in ("0.0.0.0", "::", "")


def _this_host() -> str:
    import socket
    return socket.getfqdn() or socket.gethostname()


def instructions(started: Started, host: str) -> list[str]:
    """What `tunewiz serve` prints once: the URL with its token, and how to reach it from a laptop."""
    lines = [t("serve.served-at", url=started.url), t("serve.open")]
    if is_loopback(host):
        lines += [t("serve.local-only"), f"    ssh -L {started.port}:127.0.0.1:{started.port} USER@THIS_BOX"]
    lines.append(t("serve.tabs"))
    return lines


def remote_warning(host: str) -> str:
    return t("serve.remote-warning", host=host)


def serve_forever(server: TokenServer, emit: Callable[[str], None] = print) -> None:
    """Starts the server, prints the instructions once and serves until SIGINT or SIGTERM."""

    async def main() -> None:
        started = await start(server)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        if not is_loopback(server.host):
            emit(remote_warning(server.host))
        for line in instructions(started, server.host):
            emit(line)
        sys.stdout.flush()
        try:
            await stop.wait()
        finally:
            emit(t("serve.stopping"))
            await started.runner.cleanup()

    asyncio.run(main())
