"""The command line's declarations, parsed by argparse.

A command is a function whose parameters default to `Option(...)` or `Argument(...)` and are typed by their
annotations (str, int, float, bool, Path, Optional[...], List[str]), as Typer reads them; `App` registers such
functions (and groups of them) and turns them into one `argparse` parser. Each option is declared once, in the
signature of the function that receives it.

Why not Typer, whose declarations these mirror: importing it took ~35 ms of every command's start (its vendored
click, `subprocess`, `platform`, `difflib`, ... before any command runs; 356 M -> 292 M instructions for a one-row
`tunewiz lint`), ~3% of `tunewiz lint`'s wall time on a 60 MB file (bench/RESULTS.md, "Lint on realistic data",
eighth round). argparse, the standard library's, imports in ~6 ms; this module imports nothing else heavier.

The help (and the usage errors) can be said in another language: `set_help_translations` takes a table from the
English, as declared, to the translation (tui/i18n/cli_help.py), and `wrap` lays the texts out by terminal columns.
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import unicodedata
from pathlib import Path
from typing import Any, Callable

REQUIRED = ...   # the default of a required option or argument (Typer's `...`)

# The help in another language: English text -> its translation (gettext's model: the English, as declared, is the
# key), for every description, option help and the framework's few words (FRAMEWORK_TEXTS). None: English.
_translations: dict[str, str] | None = None
# argparse's usage errors this command line can produce (Python 3.10-3.13), as patterns over its English message and
# the template each is said again with; the last is the general "argument X: problem".
ARGPARSE_ERRORS = (
    (r"the following arguments are required: (?P<names>.+)", "the following arguments are required: {names}"),
    (r"unrecognized arguments: (?P<words>.+)", "unrecognized arguments: {words}"),
    (r"argument (?P<name>\S+): invalid choice: (?P<value>.+?) \(choose from (?P<choices>.+)\)",
     "argument {name}: invalid choice: {value} (choose from {choices})"),
    (r"argument (?P<name>\S+): expected one argument", "argument {name}: expected one argument"),
    (r"argument (?P<name>\S+): invalid (?P<kind>\S+) value: (?P<value>.+)", "argument {name}: invalid {kind} value: {value}"),
    (r"argument (?P<name>\S+): (?P<problem>.+)", "argument {name}: {problem}"),
)
FRAMEWORK_TEXTS = ("show this help message and exit", "positional arguments", "options", "commands",
                   "(default: {default})", "Not {flag}.", "Error: {message}", "Try '{prog} --help' for help.",
                   "{value} is not a number.", "{value} is less than {low}.", "{value} is not a finite number.",
                   *(template for _, template in ARGPARSE_ERRORS))


def set_help_translations(table: dict[str, str] | None) -> None:
    """Help texts from now on in the language of `table` (English text -> translation); None: English."""
    global _translations
    _translations = table


def tr(text: str) -> str:
    """`text` in the help's language (as declared where no translation is known)."""
    return _translations.get(text, text) if _translations else text


class Exit(Exception):
    """Ends the command with this exit code (raise it; the app exits with the code)."""

    def __init__(self, code: int = 0) -> None:
        super().__init__(code)
        self.exit_code = code


class BadParameter(argparse.ArgumentTypeError):
    """Raised by an option's `parser` for a value it refuses: an English template and its values, said in the help's
    language (a template a translation table lacks is said in English)."""

    def __init__(self, template: str, **values: Any) -> None:
        super().__init__(template)
        self.template, self.values = template, values

    def __str__(self) -> str:
        return tr(self.template).format(**self.values)


def echo(message: str = "", err: bool = False) -> None:
    """Prints a line to stdout (or stderr); a text the stream cannot encode (a file name that is not valid UTF-8)
    is printed with escapes rather than failing."""
    stream = sys.stderr if err else sys.stdout
    try:
        print(message, file=stream, flush=err)
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "utf-8"
        print(message.encode(encoding, "backslashreplace").decode(encoding), file=stream, flush=err)


class Param:
    """An option or argument as declared: its default (REQUIRED: none), its flags (an option's, e.g. "--json",
    "-f", or "--wait/--no-wait" for a boolean pair), its help, and `parser` (the text to value, raising
    BadParameter), else the annotation's type."""
    __slots__ = ("default", "names", "help", "parser", "positional", "show_default")

    def __init__(self, default: Any, names: tuple[str, ...], help: str | None, parser: Callable[[str], Any] | None,
                 positional: bool, show_default: bool = True) -> None:
        self.default, self.names, self.help, self.parser, self.positional = default, names, help, parser, positional
        self.show_default = show_default


def Option(default: Any = REQUIRED, *names: str, help: str | None = None, parser: Callable[[str], Any] | None = None,
           show_default: bool = True, min: float | None = None) -> Any:
    """An option of a command: `name: type = Option(default, "--flag", "-f", help=...)`; `min`: the least number
    a float option takes."""
    if min is not None:
        parser = _at_least(min)
    return Param(default, names, help, parser, positional=False, show_default=show_default)


def _at_least(low: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise BadParameter("{value} is not a number.", value=repr(text[:200])) from None
        if not value >= low:   # (also refuses nan)
            raise BadParameter("{value} is less than {low}.", value=text[:200], low=f"{low:g}")
        if value == float("inf"):   # (a wait of that long: time.sleep refuses it)
            raise BadParameter("{value} is not a finite number.", value=text[:200])
        return value
    return parse


def Argument(default: Any = REQUIRED, *, help: str | None = None, parser: Callable[[str], Any] | None = None,
             show_default: bool = True) -> Any:
    """A positional argument of a command (REQUIRED, or optional with a default)."""
    return Param(default, (), help, parser, positional=True, show_default=show_default)


class Context:
    """What a command taking a `ctx: Context` parameter learns: the root's parameters (`parent.params`) and, for the
    root, which command runs (None: none)."""

    def __init__(self, params: dict[str, Any], invoked_subcommand: str | None = None,
                 parent: "Context | None" = None) -> None:
        self.params, self.invoked_subcommand, self.parent = params, invoked_subcommand, parent


def _base_type(annotation: str) -> str:
    """"str" | "int" | "float" | "bool" | "Path" | "List[str]" | "Context" of a string annotation (Optional[...]
    or "... | None" unwrapped: a missing value is the default either way)."""
    text = annotation.replace(" ", "")
    if text.startswith("Optional[") and text.endswith("]"):
        text = text[len("Optional["):-1]
    elif text.endswith("|None"):
        text = text[:-len("|None")]
    return text.rpartition(".")[2] if text.endswith("Context") else text


CONVERTERS: dict[str, Callable[[str], Any]] = {"str": str, "int": int, "float": float, "Path": Path}


def _params(func: Callable) -> list[tuple[str, str, Any]]:
    """(name, annotation, default) of each parameter of `func`, in order (without importing `inspect`)."""
    code = func.__code__
    names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    defaults = func.__defaults__ or ()
    positional = code.co_varnames[:code.co_argcount]
    values = dict(zip(positional[len(positional) - len(defaults):], defaults))
    values.update(func.__kwdefaults__ or {})
    annotations = func.__annotations__
    return [(name, str(annotations.get(name, "str")), values.get(name)) for name in names]


METAVARS = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "Path": "PATH"}


HELP_COLUMN = 30   # where option help starts at most (argparse's max_help_position)


class HelpFormatter(argparse.RawTextHelpFormatter):
    """Help texts as `wrap` laid them out (argparse's own wrapping counts characters, and a Chinese character
    takes two columns and has no space to break at)."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=HELP_COLUMN)


# Chinese punctuation that never starts a line (it stays with the character before it).
NO_LINE_START = set("，。、；：）」』！？…%”’》")


def _cells(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def wrap(text: str, width: int) -> str:
    """`text` in lines of at most `width` terminal columns (a word longer than that on a line of its own). Blank
    lines separate paragraphs; the line breaks inside one are reflowed. A line may break at a space, or between two
    wide (CJK) characters, but not before closing punctuation."""
    out: list[str] = []
    for paragraph in text.split("\n\n"):
        # A line break beside a wide character joins without a space (Chinese has none between words).
        pieces = [piece.strip() for piece in paragraph.split("\n")]
        joined = pieces[0]
        for piece in pieces[1:]:
            beside_wide = joined and piece and (_cells(joined[-1]) == 2 or _cells(piece[0]) == 2)
            joined += ("" if beside_wide else " ") + piece
        # tokens: (text, space before it?)
        tokens: list[tuple[str, bool]] = []
        for word in joined.split():
            first = True
            run = ""
            for c in word:
                wide = unicodedata.east_asian_width(c) in "WF"
                if wide and c not in NO_LINE_START or (run and _cells(run[-1:]) == 2 and not wide and c not in NO_LINE_START):
                    if run:
                        tokens.append((run, first))
                        first = False
                    run = c
                else:
                    run += c
            if run:
                tokens.append((run, first))
        lines: list[str] = []
        line, used = "", 0
        for token, spaced in tokens:
            size = _cells(token) + (1 if spaced and line else 0)
            if line and used + size > width:
                lines.append(line)
                line, used = token, _cells(token)
            else:
                line += (" " if spaced and line else "") + token
                used += size
        if line:
            lines.append(line)
        out.append("\n".join(lines))
    return "\n\n".join(out)


def _columns() -> int:
    return shutil.get_terminal_size().columns - 2   # (argparse's width)


# Whether the parser being built will print help: only then are the texts laid out (`wrap`, ~1-2 ms of every
# command's start otherwise). Set by App.__call__.
_printing_help = True


def _laid_out(text: str, width: int) -> str:
    return wrap(text, width) if _printing_help else text


def _help_width() -> int:
    return max(20, _columns() - HELP_COLUMN)


def _help_text(declared: Param, default: Any) -> str | None:
    """An option's help in the help's language, with its default where one is worth saying (escaped for argparse,
    which formats help with %)."""
    text = tr(declared.help) if declared.help else ""
    if declared.show_default and not (default is None or isinstance(default, bool) or default in ([], "")):
        said = tr("(default: {default})").format(default=default)
        text = (text + ("" if _cells(said[:1]) == 2 else " ") + said) if text else said
    return _laid_out(text, _help_width()).replace("%", "%%") or None


def _with_sections(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """`parser` (made with add_help=False) with -h and its sections in the help's language: its own groups
    (`arguments`, `options`), not argparse's titled ones."""
    parser.arguments = parser.add_argument_group(tr("positional arguments"))   # type: ignore[attr-defined]
    parser.options = parser.add_argument_group(tr("options"))   # type: ignore[attr-defined]
    parser.options.add_argument("-h", "--help", action="help", help=tr("show this help message and exit"))
    return parser


class Parser(argparse.ArgumentParser):
    """argparse's parser, whose errors end with a pointer to --help."""

    def error(self, message: str) -> Any:
        self.print_usage(sys.stderr)
        self.exit(2, tr("Error: {message}").format(message=said_again(message)) + "\n"
                  + tr("Try '{prog} --help' for help.").format(prog=self.prog) + "\n")


def said_again(message: str) -> str:
    """argparse's English usage error in the help's language (as it is where no translation or pattern fits)."""
    if not _translations:
        return message
    import re
    for pattern, template in ARGPARSE_ERRORS:
        found = re.fullmatch(pattern, message, re.S)
        if found:
            return tr(template).format(**found.groupdict())
    return message


def _dest(func: Callable, name: str) -> str:
    # (each function's own: a command may have an option named like one of the root's, e.g. serve's --lang)
    return f"{func.__qualname__}:{id(func)}.{name}"


def _values(func: Callable, ns: dict[str, Any]) -> dict[str, Any]:
    return {name: ns.get(_dest(func, name)) for name, _, declared in _params(func) if isinstance(declared, Param)}


def _add_params(parser: argparse.ArgumentParser, func: Callable) -> None:
    arguments, options = parser.arguments, parser.options  # type: ignore[attr-defined]
    for name, annotation, declared in _params(func):
        kind = _base_type(annotation)
        if kind == "Context" or not isinstance(declared, Param):
            continue
        default = None if declared.default is REQUIRED else declared.default
        help_text = _help_text(declared, default)
        if declared.positional:
            arguments.add_argument(
                _dest(func, name), type=declared.parser or CONVERTERS.get(kind, str), help=help_text,
                metavar=name.upper(), **({} if declared.default is REQUIRED else {"nargs": "?", "default": default}))
            continue
        flags = declared.names or (f"--{name.replace('_', '-')}",)
        if kind == "bool":
            on, _, off = flags[0].partition("/")
            if off == "--no-" + on[2:]:   # --x/--no-x: one action, shown as "--x, --no-x"
                options.add_argument(on, *flags[1:], dest=_dest(func, name), action=argparse.BooleanOptionalAction,
                                     default=default, help=help_text)
                continue
            options.add_argument(on, *flags[1:], dest=_dest(func, name), action="store_true", default=default,
                                 help=help_text)
            if off:
                options.add_argument(off, dest=_dest(func, name), action="store_false",
                                     help=tr("Not {flag}.").format(flag=on))
            continue
        element = kind.removeprefix("List[").removesuffix("]")
        convert = declared.parser or CONVERTERS[element]
        extra: dict[str, Any] = {"action": "append"} if kind.startswith("List[") else {}
        if declared.default is REQUIRED:
            extra["required"] = True
        options.add_argument(*flags, dest=_dest(func, name), type=convert, default=default, help=help_text,
                             metavar=METAVARS.get(element, element.upper()), **extra)


def _doc(func: Callable, text: str | None = None) -> str:
    """A command's description as declared (its docstring, or the help it was registered with), dedented."""
    doc = ((func.__doc__ if text is None else text) or "").strip()
    lines = doc.splitlines()
    return "\n".join([lines[0]] + [line.strip() if line.startswith(" ") else line for line in lines[1:]]) if lines else ""


class App:
    """Commands and groups of commands (`add_group`), with a root callback (`callback`) that receives the options
    given before the command word. Calling the app parses the command line and runs the command."""

    def __init__(self, name: str | None = None, help: str | None = None, no_args_is_help: bool = False) -> None:
        self.name, self.help, self.no_args_is_help = name, help, no_args_is_help
        self.commands: dict[str, Callable] = {}
        self.helps: dict[str, str] = {}
        self.groups: dict[str, App] = {}
        self.root: Callable | None = None

    def command(self, name: str | None = None, help: str | None = None) -> Callable[[Callable], Callable]:
        """Registers a command (its name: `name`, else the function's; its help: `help`, else its docstring)."""
        def register(func: Callable) -> Callable:
            word = name or func.__name__.replace("_", "-")
            self.commands[word] = func
            if help is not None:
                self.helps[word] = help
            return func
        return register

    def callback(self) -> Callable[[Callable], Callable]:
        def register(func: Callable) -> Callable:
            self.root = func
            return func
        return register

    def add_group(self, group: "App") -> None:
        assert group.name
        self.groups[group.name] = group

    def parser(self, prog: str | None = None) -> argparse.ArgumentParser:
        parser = _with_sections(Parser(prog=prog or self.name or "", formatter_class=HelpFormatter, allow_abbrev=False,
                                       add_help=False,
                                       description=_laid_out(tr(self.help), _columns()) if self.help else None))
        if self.root is not None:
            _add_params(parser, self.root)
        self._add_commands(parser)
        return parser

    def _add_commands(self, parser: argparse.ArgumentParser) -> None:
        if not self.commands and not self.groups:
            return
        sub = parser.add_subparsers(dest=f"_command_{id(self)}", metavar="COMMAND", title=tr("commands"))
        for word, func in sorted(self.commands.items()):
            doc = tr(_doc(func, self.helps.get(word)))
            summary = _laid_out(doc.split("\n\n")[0], _help_width())
            p = _with_sections(sub.add_parser(word, help=summary.replace("%", "%%"), description=_laid_out(doc, _columns()),
                                              formatter_class=HelpFormatter, allow_abbrev=False, add_help=False))
            _add_params(p, func)
            p.set_defaults(**{f"_run_{id(self)}": func})
        for word, group in sorted(self.groups.items()):
            said = tr(group.help) if group.help else ""
            p = _with_sections(sub.add_parser(word, help=_laid_out(said, _help_width()).replace("%", "%%"),
                                              description=_laid_out(said, _columns()) or None,
                                              formatter_class=HelpFormatter, allow_abbrev=False, add_help=False))
            group._add_commands(p)
            p.set_defaults(**{f"_group_{id(self)}": group})

    def __call__(self, args: list[str] | None = None, prog: str | None = None) -> None:
        """Parses `args` (default: sys.argv[1:]), runs the root callback and the command, and exits (SystemExit) with
        the command's code: 0, a raised Exit's, 2 for a usage error (argparse's), 1 after Ctrl-C (as click did)."""
        global _printing_help
        argv = sys.argv[1:] if args is None else list(args)
        prog = prog or self.name or os.path.basename(sys.argv[0])
        _printing_help = "-h" in argv or "--help" in argv
        try:
            ns = vars(self.parser(prog).parse_args(argv))
        finally:
            _printing_help = True
        sys.exit(self._run(ns, prog))

    def _run(self, ns: dict[str, Any], prog: str) -> int:
        app, func = self, None
        names: list[str] = []
        while True:
            word = ns.get(f"_command_{id(app)}")
            if word is None:
                break
            names.append(word)
            group = ns.get(f"_group_{id(app)}")
            if group is None:
                func = ns.get(f"_run_{id(app)}")
                break
            if not group.commands and not group.groups:
                break
            if ns.get(f"_command_{id(group)}") is None and group.no_args_is_help:
                try:   # its help, laid out: the parser of the command line, asked for it
                    self.parser(prog).parse_args([*names, "--help"])
                except SystemExit:
                    pass
                return 2
            app = group
        command = " ".join(names) or None
        try:
            root_values = _values(self.root, ns) if self.root else {}
            root_ctx = Context(root_values, invoked_subcommand=command)
            if self.root is not None:
                self.root(**_call_values(self.root, root_values, root_ctx))
            if func is not None:
                values = _values(func, ns)
                func(**_call_values(func, values, Context(values, parent=root_ctx)))
        except Exit as done:
            return done.exit_code
        except KeyboardInterrupt:
            print("\nAborted!", file=sys.stderr)
            return 1
        except BrokenPipeError:   # (`tunewiz ... | head`): nothing more to say; quiet at exit too
            sys.stdout = open(os.devnull, "w")
            return 1
        return 0


def _call_values(func: Callable, values: dict[str, Any], ctx: Context) -> dict[str, Any]:
    out = dict(values)
    for name, annotation, _ in _params(func):
        if _base_type(annotation) == "Context":
            out[name] = ctx
    return out
