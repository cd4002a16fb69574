"""The command line's declarations (tui/clikit.py) parsed by argparse: what a user typing `tunewiz ...` relies on,
on a small app declared as tunewiz's commands are."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import List, Optional

import pytest

from cli_runner import CliRunner
from tui import clikit
from tui.cli_args import whole_number_in

seen: list[dict] = []


def make_app() -> clikit.App:
    app = clikit.App(name="tool", help="A tool.")
    group = clikit.App(name="cloud", help="Cloud things.", no_args_is_help=True)

    @app.callback()
    def root(ctx: clikit.Context, lang: Optional[str] = clikit.Option(None, "--lang", help="en or zh.")) -> None:
        seen.append({"root": lang, "command": ctx.invoked_subcommand})

    @app.command()
    def run(
        ctx: clikit.Context,
        file: Path = clikit.Argument(..., help="A file."),
        other: Optional[Path] = clikit.Argument(None, help="Another."),
        sets: List[str] = clikit.Option([], "--set", help="KEY=VALUE, repeatable."),
        wait: bool = clikit.Option(True, "--wait/--no-wait", help="Wait."),
        cloud_ok: bool = clikit.Option(False, "--cloud-ok/--no-cloud", help="Cloud."),
        workers: Optional[int] = clikit.Option(None, "--workers", parser=whole_number_in(1, 8), help="1-8."),
        every: float = clikit.Option(1.0, "--every", min=0.05, help="Seconds, 100% sure."),
        lang: Optional[str] = clikit.Option(None, "--lang", help="This command's own --lang."),
        model: str = clikit.Option(..., "--model", "-m", help="Required."),
    ) -> None:
        """Run a thing.

        Second paragraph."""
        seen.append({"file": file, "other": other, "sets": sets, "wait": wait, "cloud_ok": cloud_ok,
                     "workers": workers, "every": every, "lang": lang, "model": model,
                     "root_lang": ctx.parent.params["lang"] if ctx.parent else None})
        if model == "fail":
            raise clikit.Exit(3)
        if model == "interrupt":
            raise KeyboardInterrupt

    @group.command("list")
    def list_jobs(limit: int = clikit.Option(10, "--limit", help="How many.")) -> None:
        """List jobs."""
        seen.append({"limit": limit})

    app.add_group(group)
    return app


def invoke(*args: str):
    seen.clear()
    return CliRunner().invoke(make_app(), list(args))


def test_options_arguments_and_the_root_reach_the_command():
    r = invoke("--lang", "zh", "run", "a.txt", "--set", "x=1", "--set", "y=2", "--no-wait", "--cloud-ok",
               "--workers", "3", "--every", "0.5", "--lang", "en", "-m", "demo")
    assert r.exit_code == 0, r.stderr
    assert seen == [{"root": "zh", "command": "run"},
                    {"file": Path("a.txt"), "other": None, "sets": ["x=1", "y=2"], "wait": False, "cloud_ok": True,
                     "workers": 3, "every": 0.5, "lang": "en", "model": "demo", "root_lang": "zh"}]
    # defaults, and a repeatable option that starts empty each time (never the previous run's values)
    r = invoke("run", "a.txt", "b.txt", "--model", "demo")
    assert r.exit_code == 0, r.stderr
    assert seen[1] | {} == {"file": Path("a.txt"), "other": Path("b.txt"), "sets": [], "wait": True,
                            "cloud_ok": False, "workers": None, "every": 1.0, "lang": None, "model": "demo",
                            "root_lang": None}


@pytest.mark.parametrize("args, said", [
    (("run", "a.txt"), "the following arguments are required: --model/-m"),
    (("run", "a.txt", "-m", "x", "--workers", "9"), "argument --workers: 9 is more than 8."),
    (("run", "a.txt", "-m", "x", "--every", "0.01"), "argument --every: 0.01 is less than 0.05."),
    (("run", "a.txt", "-m", "x", "--every", "nan"), "argument --every: nan is less than 0.05."),
    (("run", "a.txt", "-m", "x", "--every", "inf"), "argument --every: inf is not a finite number."),
    (("run", "a.txt", "-m", "x", "--wor", "2"), "unrecognized arguments: --wor 2"),   # no abbreviations
    (("nope",), "invalid choice: 'nope'"),
])
def test_a_usage_error_says_what_is_wrong_on_stderr_with_exit_2(args, said):
    r = invoke(*args)
    assert r.exit_code == 2 and r.stdout == "" and not seen
    assert said in r.stderr and "Try 'tool" in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_exit_codes_and_ctrl_c():
    assert invoke("run", "a", "-m", "fail").exit_code == 3
    r = invoke("run", "a", "-m", "interrupt")
    assert r.exit_code == 1 and "Aborted!" in r.stderr and "Traceback" not in r.stderr


def test_groups_and_help():
    r = invoke("cloud", "list", "--limit", "4")
    assert r.exit_code == 0 and seen[-1] == {"limit": 4}
    r = invoke("cloud")   # a group without its command: its help
    assert r.exit_code == 2 and "list" in r.stdout and "List jobs." in r.stdout and not seen[1:]
    r = invoke("run", "--help")
    assert r.exit_code == 0
    flat = " ".join(r.stdout.split())
    for said in ("Run a thing.", "Second paragraph.", "--wait, --no-wait", "--cloud-ok", "--no-cloud",
                 "Seconds, 100% sure. (default: 1.0)", "--model TEXT, -m TEXT", "--workers INTEGER", "FILE", "[OTHER]"):
        assert said in flat, (said, flat)
    r = invoke("--help")
    assert r.exit_code == 0 and "run" in r.stdout and "cloud" in r.stdout and "Cloud things." in r.stdout


def test_a_closed_pipe_ends_quietly(tmp_path):
    # `tunewiz ... | head -1`: the reader is gone before the output is written.
    script = tmp_path / "spam.py"
    script.write_text(f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
                      "from test_clikit import make_app\n"
                      "app = make_app()\n"
                      "@app.command()\n"
                      "def spam() -> None:\n"
                      "    for i in range(100000):\n"
                      "        print('line', i)\n"
                      "app(args=['spam'])\n")
    r = subprocess.run(["bash", "-c", f"set -o pipefail; {sys.executable} {script} | head -1"], capture_output=True,
                       text=True, timeout=60)
    assert r.stdout == "line 0\n"
    assert "Traceback" not in r.stderr and "BrokenPipe" not in r.stderr and "Exception ignored" not in r.stderr, \
        r.stderr
