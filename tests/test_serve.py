"""`tunewiz serve`: the app in a browser, behind a token. The server runs as a real subprocess on a
free port; the last test drives a real headless Chromium (tests/browser_support.py) through the home
screen, a wizard question and the monitor of a run that is training (a fake trainer writing events)."""
from __future__ import annotations

import asyncio
import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pytest

from browser_support import Browser, find_chromium

TESTS = Path(__file__).resolve().parent
URL = re.compile(r"http://\S+/\?token=(\S+)")


class Served:
    """`tunewiz ... serve ...` as a subprocess: its printed lines, URL, token and port."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "tui.cli", *args], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.lines: list[str] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.lines.append(line.rstrip("\n"))
            found = URL.search(line)
            if found:
                self.url, self.token = found.group(0), found.group(1)
                self.port = int(re.search(r":(\d+)/", self.url).group(1))
                self.base = f"http://127.0.0.1:{self.port}"
            if "Ctrl+C" in line:  # the last line of the instructions
                return
        self.stop()
        pytest.fail(f"tunewiz serve printed no URL:\n{self.lines}\n{self.process.stderr.read()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def app_output(ws: aiohttp.ClientWebSocketResponse, needle: str, timeout: float = 20.0) -> str:
    """What the app sent over the websocket (terminal bytes, decoded) until `needle` shows up."""
    seen = b""
    deadline = time.monotonic() + timeout
    while needle.encode() not in seen and time.monotonic() < deadline:
        try:
            message = await asyncio.wait_for(ws.receive(), max(0.1, deadline - time.monotonic()))
        except asyncio.TimeoutError:
            break
        if message.type == aiohttp.WSMsgType.BINARY:
            seen += message.data
        elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
            break
    text = seen.decode("utf-8", "replace")
    assert needle in text, f"the app never showed {needle!r}; it sent:\n{text[-2000:]}"
    return text


async def test_every_request_needs_the_token_and_the_app_runs_with_the_given_language(tmp_path):
    served = Served("serve", "--port", "0", "--lang", "zh", "--runs-dir", str(tmp_path / "runs"))
    try:
        assert served.url.startswith("http://127.0.0.1:")
        printed = "\n".join(served.lines)
        assert served.token in printed and len(served.token) >= 32
        assert f"ssh -L {served.port}:127.0.0.1:{served.port}" in printed
        async with aiohttp.ClientSession() as anonymous:
            for path in ("/", "/static/js/textual.js", "/download/x", "/?token=wrong"):
                async with anonymous.get(served.base + path, allow_redirects=False) as response:
                    body = await response.text()
                    assert response.status == 403, path
                    assert "token" in body and body.count("\n") == 1, body  # one line saying why
            for query in ("", "?token=wrong"):
                with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                    await anonymous.ws_connect(f"{served.base}/ws{query}")
                assert refused.value.status == 403
            # A cookie left by an earlier start of the server (another token) is refused too.
            async with anonymous.get(served.base + "/", headers={"Cookie": f"tunewiz-token-{served.port}=old"}) as response:
                assert response.status == 403 and "wrong token" in await response.text()

        # unsafe=True: aiohttp's cookie jar keeps no cookies for an IP address (127.0.0.1) otherwise.
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as browser:
            async with browser.get(served.url, allow_redirects=False) as first:
                assert first.status == 303 and first.headers["Location"] == "/"  # the token leaves the address bar
                cookie = first.headers["Set-Cookie"]
                assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
            async with browser.get(served.base + "/") as reload:  # the cookie carries the token
                page = await reload.text()
                assert reload.status == 200 and f'data-session-websocket-url="ws://127.0.0.1:{served.port}/ws"' in page
                # Nothing from another site: textual-serve's link to Google Fonts is left out (local fonts instead).
                assert "googleapis" not in page and "textual.js" in page, page
            # Through `ssh -L 9000:127.0.0.1:PORT` the browser says Host 127.0.0.1:9000: the page's URLs follow it.
            async with browser.get(served.base + "/", headers={"Host": "127.0.0.1:9000"}) as forwarded:
                assert 'data-session-websocket-url="ws://127.0.0.1:9000/ws"' in await forwarded.text()
            async with browser.get(served.base + "/static/js/textual.js") as script:
                assert script.status == 200
            with pytest.raises(aiohttp.WSServerHandshakeError) as cross_site:
                await browser.ws_connect(f"{served.base}/ws", headers={"Origin": "http://evil.example"})
            assert cross_site.value.status == 403
            async with browser.ws_connect(f"{served.base}/ws?width=100&height=30",
                                          headers={"Origin": served.base}) as ws:
                await app_output(ws, "想做什么")  # the home screen, in the --lang the server was given
    finally:
        served.stop()
    assert served.process.returncode is not None


def test_listening_beyond_this_machine_needs_allow_remote_and_warns(tmp_path):
    refused = subprocess.run([sys.executable, "-m", "tui.cli", "serve", "--host", "0.0.0.0", "--port", "0"],
                             capture_output=True, text=True, timeout=30)
    assert refused.returncode == 2 and "--allow-remote" in refused.stderr and "http://" not in refused.stdout
    served = Served("serve", "--host", "0.0.0.0", "--allow-remote", "--port", "0", "--runs-dir", str(tmp_path))
    try:
        warning = "\n".join(served.lines)
        assert "WARNING" in warning and "0.0.0.0" in warning and "token" in warning
    finally:
        served.stop()


def test_a_port_in_use_is_a_message_not_a_traceback(tmp_path):
    served = Served("serve", "--port", "0", "--runs-dir", str(tmp_path))
    try:
        second = subprocess.run([sys.executable, "-m", "tui.cli", "serve", "--port", str(served.port)],
                                capture_output=True, text=True, timeout=30)
    finally:
        served.stop()
    assert second.returncode == 1
    assert f"127.0.0.1:{served.port}" in second.stderr and "--port" in second.stderr
    assert "Traceback" not in second.stderr


def test_textual_serve_still_offers_what_the_server_builds_on():
    """tui/serve.py builds its web app from textual-serve's public handlers and fills its page
    template itself: a textual-serve that renames them or asks the template for more fails here."""
    import jinja2
    from jinja2 import meta
    from textual_serve.server import Server

    import tui.serve as serve_module
    from tui.serve import TokenServer

    for name in ("handle_websocket", "handle_download", "initialize_logging"):
        assert callable(getattr(Server, name, None)), name
    server = TokenServer("true", port=0)
    upstream = (server.upstream_templates / "app_index.html").read_text()
    template = (Path(server.templates_path) / "app_index.html").read_text()
    # the page is textual-serve's own, less its remote font link (which the upstream page still has)
    assert "fonts.googleapis.com" in upstream and "fonts.googleapis.com" not in template
    assert template == serve_module._REMOTE_FONT_LINK.sub("", upstream)
    assert (Path(server.statics_path) / "js" / "textual.js").is_file()
    asked = meta.find_undeclared_variables(jinja2.Environment().parse(template))
    # ping_url is optional upstream too (textual-serve never fills it: an empty attribute).
    assert asked <= {"font_size", "app_websocket_url", "config", "application", "ping_url"}, asked


def losses_written(events: Path) -> set[str]:
    from tui.formatting import format_loss
    shown = set()
    for line in events.read_text().splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if event.get("type") == "step" and event.get("loss") is not None:
            shown.add(format_loss(event["loss"]))
    return shown


async def test_in_chromium_home_wizard_and_a_running_runs_loss(tmp_path):
    chromium = find_chromium()
    if chromium is None:
        pytest.skip("no Chromium on this machine (Debian: apt-get install chromium; scripts/test.sh installs it)")
    from tui.i18n import set_language, t
    set_language("en")
    runs_dir = tmp_path / "runs"
    run_dir = runs_dir / "web-run"
    run_dir.mkdir(parents=True)
    trainer = subprocess.Popen([sys.executable, str(TESTS / "monitor_fake_trainer.py"), "engine.train.run", str(run_dir)],
                               stdin=subprocess.DEVNULL, start_new_session=True)
    served = Served("--lang", "en", "--runs-dir", str(runs_dir), "serve", "--port", "0")
    try:
        async with Browser(chromium, tmp_path / "chromium-profile") as browser:
            page = await browser.new_page()
            await page.goto(served.url)
            await page.wait_for_text(t("home.heading"), t("home.wizard"), timeout=40)

            await page.press("w")  # the wizard; its first question: how much GPU memory to plan for
            await page.wait_for_text("Step 1 of 9")
            await page.press("2", "4", "enter")
            await page.wait_for_text("Step 2 of 9", t("wizard.q.goal.title"))
            await page.press("down", "enter")  # the goal: style (a persona) → how many examples
            await page.wait_for_text("Step 3 of 9", t("wizard.q.examples.title"))

            # A reload is a new app; the cookie (not the URL: it has no token now) lets it in.
            assert "token=" not in await page.evaluate("location.href")
            await page.goto(served.base + "/")
            await page.wait_for_text(t("home.heading"), timeout=40)
            await page.press("r")
            await page.wait_for_text("web-run", t("runs.state.running"))
            await page.press("enter")  # attach: the monitor of the run
            screen = await page.wait_for_text("web-run", "loss ", t("monitor.chart.loss"))
            first = re.search(r"step (\d+)/10000", screen)
            shown = re.search(r"\bloss (\d+\.\d+)", screen)
            assert first and shown, screen
            assert shown.group(1) in losses_written(run_dir / "events.jsonl")  # a loss the run wrote
            await asyncio.sleep(1.5)
            later = re.search(r"step (\d+)/10000", await page.screen_text())
            assert later and int(later.group(1)) > int(first.group(1))  # and it follows the run live
    finally:
        served.stop()
        trainer.terminate()
        trainer.wait(15)
