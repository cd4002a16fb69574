"""A real headless Chromium driven through the DevTools protocol (CDP), for the browser tests.

No selenium or playwright: Chromium is started with `--remote-debugging-port=0`, prints the
browser's websocket address on stderr, and this module speaks CDP over that websocket with aiohttp
(which textual-serve needs anyway). A page is one CDP session (Target.attachToTarget, flatten).

Reading what the user sees: textual-serve draws the terminal with xterm.js on a canvas (WebGL or 2D),
so there is no text in the DOM, and its page keeps the xterm `Terminal` in a closure. A script that
runs before the page's own (`Page.addScriptToEvaluateOnNewDocument`) catches the Terminal when the
page assigns it (`this.terminal = new Terminal(...)`, through a setter on Object.prototype that
turns itself into the ordinary property at once); `screen_text()` then reads xterm's public buffer
API (`buffer.active.getLine(y).translateToString()`), the characters the canvas shows.
Keys go in as real key events (Input.dispatchKeyEvent), the way a user's keyboard reaches xterm.
"""
from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

import aiohttp

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

CATCH_TERMINAL = """
(() => {
  Object.defineProperty(Object.prototype, "terminal", {
    configurable: true,
    get() { return undefined; },
    set(value) {
      Object.defineProperty(this, "terminal", {value, writable: true, configurable: true, enumerable: true});
      if (value && value.buffer && typeof value.write === "function") { window.__xterm = value; }
    },
  });
})();
"""

SCREEN_TEXT = """
(() => {
  const term = window.__xterm;
  if (!term) { return null; }
  const buffer = term.buffer.active, lines = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    lines.push(line ? line.translateToString(true) : "");
  }
  return lines.join("\\n");
})()
"""

# key name -> the fields of a real key event (what a keyboard gives the page).
SPECIAL_KEYS = {
    "enter": {"key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r"},
    "escape": {"key": "Escape", "code": "Escape", "windowsVirtualKeyCode": 27},
    "down": {"key": "ArrowDown", "code": "ArrowDown", "windowsVirtualKeyCode": 40},
    "up": {"key": "ArrowUp", "code": "ArrowUp", "windowsVirtualKeyCode": 38},
    "tab": {"key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9},
}


def find_chromium() -> str | None:
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


class CDPError(RuntimeError):
    pass


class Browser:
    """One headless Chromium process and its DevTools websocket. Use `async with Browser(binary, profile):`."""

    def __init__(self, binary: str, profile_dir: Path, width: int = 1280, height: int = 800) -> None:
        self.binary, self.profile_dir, self.size = binary, Path(profile_dir), (width, height)
        self.process: asyncio.subprocess.Process | None = None
        self.http: aiohttp.ClientSession | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.ids = itertools.count(1)
        self.pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self.reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Browser:
        args = [self.binary, "--headless", "--remote-debugging-port=0", f"--user-data-dir={self.profile_dir}",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--mute-audio",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                f"--window-size={self.size[0]},{self.size[1]}", "about:blank"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        self.process = await asyncio.create_subprocess_exec(*args, stdin=asyncio.subprocess.DEVNULL,
                                                            stdout=asyncio.subprocess.DEVNULL,
                                                            stderr=asyncio.subprocess.PIPE)
        url = await self._devtools_url()
        self.http = aiohttp.ClientSession()
        self.ws = await self.http.ws_connect(url, max_msg_size=0)
        self.reader = asyncio.create_task(self._read())
        return self

    async def _devtools_url(self, timeout: float = 30.0) -> str:
        assert self.process is not None and self.process.stderr is not None
        seen: list[str] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                raw = await asyncio.wait_for(self.process.stderr.readline(), deadline - time.monotonic())
            except asyncio.TimeoutError:
                break
            if not raw:
                break
            line = raw.decode("utf-8", "replace")
            seen.append(line)
            found = re.search(r"DevTools listening on (ws://\S+)", line)
            if found:
                asyncio.get_running_loop().create_task(self._drain_stderr())
                return found.group(1)
        raise CDPError("Chromium did not start its DevTools endpoint:\n" + "".join(seen[-20:]))

    async def _drain_stderr(self) -> None:
        assert self.process is not None and self.process.stderr is not None
        while await self.process.stderr.read(65536):
            pass

    async def _read(self) -> None:
        assert self.ws is not None
        async for message in self.ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                continue
            data = json.loads(message.data)
            future = self.pending.pop(data.get("id", -1), None)
            if future is not None and not future.done():
                future.set_result(data)  # a reply; events (no id) are not needed here

    async def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
                   timeout: float = 30.0) -> dict[str, Any]:
        assert self.ws is not None
        ident = next(self.ids)
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.pending[ident] = future
        await self.ws.send_str(json.dumps(message))
        reply = await asyncio.wait_for(future, timeout)
        if "error" in reply:
            raise CDPError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    async def new_page(self) -> Page:
        target = await self.send("Target.createTarget", {"url": "about:blank"})
        attached = await self.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True})
        page = Page(self, attached["sessionId"])
        await page.send("Page.enable")
        await page.send("Runtime.enable")
        await page.send("Page.addScriptToEvaluateOnNewDocument", {"source": CATCH_TERMINAL})
        return page

    async def __aexit__(self, *exc: object) -> None:
        try:
            if self.ws is not None:
                try:
                    await asyncio.wait_for(self.send("Browser.close"), 5)
                except Exception:
                    pass
                await self.ws.close()
            if self.http is not None:
                await self.http.close()
        finally:
            if self.reader is not None:
                self.reader.cancel()
            if self.process is not None and self.process.returncode is None:
                try:
                    await asyncio.wait_for(self.process.wait(), 5)
                except asyncio.TimeoutError:
                    self.process.kill()
                    await self.process.wait()


class Page:
    """One tab: navigate, evaluate JavaScript, type keys, read the terminal's text."""

    def __init__(self, browser: Browser, session: str) -> None:
        self.browser, self.session = browser, session

    async def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return await self.browser.send(method, params, session=self.session)

    async def goto(self, url: str) -> None:
        await self.send("Page.navigate", {"url": url})

    async def evaluate(self, expression: str) -> Any:
        result = await self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise CDPError(f"JavaScript failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def screen_text(self) -> str:
        """The terminal's rows as text ('' before the page has made its terminal)."""
        return await self.evaluate(SCREEN_TEXT) or ""

    async def wait_for_text(self, *needles: str, timeout: float = 20.0) -> str:
        """Waits until every needle is on the terminal; fails with the last screen seen."""
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = await self.screen_text()
            if all(needle in text for needle in needles):
                return text
            await asyncio.sleep(0.2)
        raise AssertionError(f"not on the browser's terminal after {timeout:.0f}s: {needles!r}\n--- screen ---\n{text}")

    async def press(self, *keys: str) -> None:
        """Real key events: single characters as typed, or names from SPECIAL_KEYS."""
        await self.evaluate("window.__xterm && window.__xterm.focus()")
        for key in keys:
            fields = SPECIAL_KEYS.get(key) or {"key": key, "text": key}
            await self.send("Input.dispatchKeyEvent", {"type": "keyDown", **fields})
            await self.send("Input.dispatchKeyEvent", {"type": "keyUp", **{k: v for k, v in fields.items() if k != "text"}})
            await asyncio.sleep(0.05)
