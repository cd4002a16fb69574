"""`tunewiz serve`: the app in a browser (textual-serve), on 127.0.0.1, behind a printed token.

textual_serve and aiohttp are imported inside the command, so `tunewiz --help` stays light.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

from tui import clikit

from tui.cli_args import whole_number_in

DEFAULT_PORT = 8000


def register(app: clikit.App) -> None:
    @app.command()
    def serve(
        ctx: clikit.Context,
        port: int = clikit.Option(DEFAULT_PORT, "--port", parser=whole_number_in(0, 65535), help="Port to listen on, 0-65535 (0: any free port)."),
        host: str = clikit.Option("127.0.0.1", "--host", help="Address to listen on. Anything but this machine "
                                 "(127.0.0.1, ::1, localhost) also needs --allow-remote."),
        allow_remote: bool = clikit.Option(False, "--allow-remote", help="Allow a --host other machines can reach "
                                          "(anyone with the token then drives tunewiz, which trains on this machine)."),
        lang: Optional[str] = clikit.Option(None, "--lang", help="en or zh for the app in the browser "
                                           "(default: tunewiz --lang, else $TUNEWIZ_LANG, else the locale)."),
        runs_dir: Optional[Path] = clikit.Option(None, "--runs-dir", help="Default: tunewiz --runs-dir, else "
                                                "$TUNEWIZ_RUNS_DIR or ./runs"),
    ) -> None:
        """Serve the app to a browser: one tunewiz per tab, on 127.0.0.1, behind a token printed once.

        From a laptop: ssh -L PORT:127.0.0.1:PORT USER@BOX, then open the printed URL there."""
        from tui.i18n import t
        from tui.serve import ServeError, TokenServer, app_command, is_loopback, serve_forever

        parent = ctx.parent.params if ctx.parent is not None else {}
        lang = lang or parent.get("lang")
        runs_dir = runs_dir or parent.get("runs_dir")
        if not is_loopback(host) and not allow_remote:
            print(t("serve.needs-allow-remote", host=host, port=port or DEFAULT_PORT), file=sys.stderr)
            raise clikit.Exit(2)
        server = TokenServer(app_command(lang, runs_dir), host=host, port=port)
        try:
            serve_forever(server, emit=lambda line: print(line, flush=True))
        except ServeError as exc:
            print(t("serve.error", error=exc), file=sys.stderr)
            raise clikit.Exit(1)
