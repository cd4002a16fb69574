"""Low-level reading of dataset files: encoding, layout and one JSON value per record.

Everything here works on bytes first so that a broken file (wrong encoding, binary, a pretty-printed
object in a `.jsonl`, a truncated last line) becomes a precise message instead of a traceback.

Layouts:
- ``jsonl``: one JSON value per line (blank lines skipped). Streamed, so memory does not grow
  with the file.
- ``array``: one JSON array whose elements are the records. Read whole (JSON arrays cannot be
  streamed with the standard library); each record reports the line where its element starts.
- ``concatenated``: JSON values one after another spread over several lines, e.g. a
  pretty-printed object saved as ``.jsonl``. Read whole, like an array.
- ``text``: a ``.txt`` file, one record (a plain string) per non-blank line.
"""
from __future__ import annotations

import codecs
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import orjson

from .canonical import Problem
from .parts import msg

HEAD_BYTES = 64 * 1024
BOM = b"\xef\xbb\xbf"


class DatasetError(Exception):
    """A dataset file that cannot be read at all. `str(err)` is a message meant for the user."""

    def __init__(self, message: Any, *, path: str | None = None, code: str = "file-unreadable") -> None:
        # `message`: an EngineMessage (its code and params kept for other languages) or English text.
        self.coded = None if isinstance(message, str) else message
        message = message if isinstance(message, str) else message.text
        super().__init__(message)
        self.message = message
        self.path = path
        # Stable lint code for this kind of failure (see docs/lint-codes.md).
        self.code = code

    def engine_message(self) -> Any:
        """The EngineMessage when the error has a code, else the English text."""
        return self.coded if self.coded is not None else self.message

    def __str__(self) -> str:
        return self.message


@dataclass
class FileInfo:
    """What sniffing the start of a file found out."""
    path: Path
    size: int
    layout: str  # "jsonl" | "array" | "concatenated" | "text"
    bom: bool


# Magic numbers of files people hand over by mistake, with the fix to suggest.
# (magic bytes, kind): the message is lint.file-binary.<kind> (engine/data/lint_messages.py)
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x1f\x8b", "gzip"),
    (b"PK\x03\x04", "zip"),
    (b"PAR1", "parquet"),
    (b"SQLite format 3", "sqlite"),
    (b"\x89PNG", "png"),
    (b"%PDF", "pdf"),
)


def _where(path: Path | str, line: int | None = None) -> str:
    return f"{path}:{line}" if line else str(path)


def line_of_byte(data: bytes, offset: int) -> int:
    """1-based line number of byte `offset` in `data`."""
    return data.count(b"\n", 0, offset) + 1


def gbk_hint(path: Path | str, sample: bytes) -> str | None:
    """If `sample` decodes as GB18030 (a superset of GBK/GB2312), the iconv command that fixes it."""
    try:
        codecs.getincrementaldecoder("gb18030")().decode(sample, final=False)
    except UnicodeDecodeError:
        return None
    p = Path(path)
    out = p.with_name(p.stem + ".utf8" + p.suffix)
    return (f"it looks like GBK/GB18030 (common for files saved by Excel or Windows in Chinese). "
            f"Convert it: iconv -f GB18030 -t UTF-8 '{p}' > '{out}'")


def encoding_message(path: Path | str, data: bytes, err: UnicodeDecodeError, base_line: int = 1,
                     where: bool = True) -> Any:
    """A user-facing message (an EngineMessage) for bytes that are not UTF-8, naming the line (`where`: the
    text starts with "path:line: ", as for a whole file) and suggesting a fix."""
    line = base_line + data.count(b"\n", 0, err.start)
    bad = data[err.start:err.start + 4].hex(" ")
    gbk = gbk_hint(path, data) is not None
    p = Path(path)
    return msg("lint.encoding" + (".gbk" if gbk else "") + ("" if where else ".row"), where=_where(path, line), bytes=bad,
               path=str(p), converted=str(p.with_name(p.stem + ".utf8" + p.suffix)))


def sniff(path: str | Path) -> FileInfo:
    """Checks that `path` is a readable dataset file and finds its layout. Raises DatasetError."""
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise DatasetError(msg("lint.file-missing", path=str(p), cwd=os.getcwd()), path=str(p), code="file-missing") from None
    except OSError as e:
        raise DatasetError(msg("lint.file-unreadable.open", path=str(p), error=e.strerror), path=str(p),
                           code="file-unreadable") from None
    if p.is_dir():
        inside = sorted(x.name for x in p.iterdir() if x.suffix in (".jsonl", ".json", ".txt"))[:5]
        raise DatasetError(msg("lint.file-unreadable.folder" + (".inside" if inside else ""), path=str(p), inside=inside),
                           path=str(p), code="file-unreadable")
    try:
        with open(p, "rb") as f:
            head = f.read(HEAD_BYTES)
    except OSError as e:
        raise DatasetError(msg("lint.file-unreadable.read", path=str(p), error=e.strerror), path=str(p),
                           code="file-unreadable") from None
    size = st.st_size
    if size == 0 or not head:
        raise DatasetError(msg("lint.file-empty", path=str(p)), path=str(p), code="file-empty")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise DatasetError(msg("lint.encoding.utf16", path=str(p), converted=str(p.with_suffix('.utf8' + p.suffix))),
                           path=str(p), code="encoding")
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            raise DatasetError(msg(f"lint.file-binary.{kind}", path=str(p)), path=str(p), code="file-binary")
    if b"\x00" in head:
        raise DatasetError(msg("lint.file-binary", path=str(p)), path=str(p), code="file-binary")
    bom = head.startswith(BOM)
    body = head[3:] if bom else head
    try:
        # Incremental decoding tolerates a multi-byte character cut at the end of the sample.
        codecs.getincrementaldecoder("utf-8")().decode(body, final=len(head) >= size)
    except UnicodeDecodeError as e:
        raise DatasetError(encoding_message(p, body, e), path=str(p), code="encoding") from None
    stripped = body.lstrip()
    if not stripped:
        raise DatasetError(msg("lint.file-empty.blank", path=str(p)), path=str(p), code="file-empty")
    if p.suffix.lower() == ".txt":
        return FileInfo(p, size, "text", bom)
    first = stripped[:1]
    if first == b"[":
        return FileInfo(p, size, "array", bom)
    if first == b"{":
        # One complete object on the first line -> JSONL. Otherwise a value that spans lines is a
        # pretty-printed object (or several), which is still readable.
        first_line = stripped.split(b"\n", 1)[0]
        try:
            orjson.loads(first_line)
            return FileInfo(p, size, "jsonl", bom)
        except orjson.JSONDecodeError:
            pass
        if b"\n" in stripped[:len(first_line) + 1] and _starts_multiline_value(p, bom):
            return FileInfo(p, size, "concatenated", bom)
        return FileInfo(p, size, "jsonl", bom)
    if first == b'"' or first.isdigit():
        return FileInfo(p, size, "jsonl", bom)
    sample = stripped[:40].decode("utf-8", "replace").split("\n")[0]
    raise DatasetError(msg("lint.not-json", path=str(p), start=repr(sample)), path=str(p), code="not-json")


def _starts_multiline_value(p: Path, bom: bool) -> bool:
    """Whether the file begins with one JSON value that spans several lines."""
    text = _read_text(p, bom)
    start = len(text) - len(text.lstrip())
    try:
        _, end = _DECODER.raw_decode(text, start)
    except (ValueError, RecursionError):
        return False
    return "\n" in text[start:end]


def _no_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity; JSON (and orjson, which reads JSONL) does not.
    raise ValueError(f"{name} is not valid JSON (write null or a string)")


_DECODER = json.JSONDecoder(parse_constant=_no_constant)


def _read_text(p: Path, bom: bool) -> str:
    data = p.read_bytes()
    if bom:
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DatasetError(encoding_message(p, data, e), path=str(p), code="encoding") from None


def iter_lines(path: str | Path, bom: bool = False) -> Iterator[tuple[int, bytes]]:
    """Yields (1-based line number, raw line bytes without the newline), blank lines included."""
    with open(path, "rb", buffering=1 << 20) as f:
        for n, raw in enumerate(f, 1):
            if n == 1 and bom and raw.startswith(BOM):
                raw = raw[3:]
            yield n, raw.rstrip(b"\r\n")


def parse_line(path: str | Path, n: int, raw: bytes) -> Any | Problem:
    """Parses one JSONL line; a line that is not valid JSON becomes a Problem saying why."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        return line_problem(path, n, raw, e)


def line_problem(path: str | Path, n: int, raw: bytes, e: Exception) -> Problem:
    """The Problem for a JSONL line that orjson refused, with the likeliest cause."""
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as ue:
        return Problem.of(str(path), n, None, encoding_message(path, raw, ue, base_line=n, where=False),
                       code="encoding")
    why = str(e)
    if "recursion" in why.lower() or "depth limit" in why.lower():
        return Problem.of(str(path), n, None, msg("lint.json-too-deep"), code="json-too-deep")
    stripped = raw.strip()
    if stripped in (b"{", b"[", b"}", b"]", b"},", b"],") or stripped.endswith((b",", b"{", b"[")) and stripped[:1] in b'{["':
        return Problem.of(str(path), n, None, msg("lint.json-pretty-printed.line"), code="json-pretty-printed")
    return Problem.of(str(path), n, None, msg("lint.json-invalid", error=why), code="json-invalid")


def _value_problem(path: Path, text: str, pos: int, err: Exception, *, array: bool) -> Problem:
    line = text.count("\n", 0, pos) + 1
    if isinstance(err, RecursionError):
        return Problem.of(str(path), line, None, msg("lint.json-too-deep.element"), code="json-too-deep")
    why = err.msg if isinstance(err, json.JSONDecodeError) else str(err)
    at = err.lineno if isinstance(err, json.JSONDecodeError) else line
    return Problem.of(str(path), at, None, msg("lint.json-invalid.array" if array else "lint.json-invalid.value", error=why),
                      code="json-invalid")


def _iter_whole(p: Path, bom: bool, array: bool) -> Iterator[tuple[int, Any | Problem]]:
    """Records of an array or concatenated-values file, with the line each value starts on."""
    text = _read_text(p, bom)
    n = len(text)
    ws = " \t\r\n"
    i = 0
    line = 1
    last = 0

    def skip(j: int) -> int:
        while j < n and text[j] in ws:
            j += 1
        return j

    def line_at(j: int) -> int:
        # Counting newlines incrementally keeps this linear in the file size.
        nonlocal line, last
        line += text.count("\n", last, j)
        last = j
        return line

    i = skip(i)
    if array:
        i += 1  # the opening '['
        i = skip(i)
        if i < n and text[i] == "]":
            return
    # Indentation of the first element: used to find the next element after a broken one.
    line_start = text.rfind("\n", 0, i) + 1
    prefix = text[line_start:i]
    resync = "\n" + (prefix if not prefix.strip() else "") + "{"
    while i < n:
        start_line = line_at(i)
        try:
            value, end = _DECODER.raw_decode(text, i)
        except (ValueError, RecursionError) as e:
            pos = e.pos if isinstance(e, json.JSONDecodeError) else i
            yield start_line, _value_problem(p, text, max(pos, i), e, array=array)
            # Resume at the next line that starts an element at the same indentation, if any.
            nxt = text.find(resync, max(pos, i + 1))
            if nxt < 0:
                return
            i = nxt + len(resync) - 1
            continue
        yield start_line, value
        i = skip(end)
        if array:
            if i < n and text[i] == ",":
                i = skip(i + 1)
                if i < n and text[i] == "]":  # trailing comma: tolerated, it is harmless
                    return
            elif i < n and text[i] == "]":
                rest = skip(i + 1)
                if rest < n:
                    yield line_at(rest), Problem.of(str(p), line_at(rest), None, msg("lint.json-invalid.after-array"),
                                                    code="json-invalid")
                return
            elif i >= n:
                yield line_at(n - 1 if n else 0), Problem.of(str(p), line_at(n - 1 if n else 0), None,
                                                             msg("lint.truncated-last-line.array"), code="truncated-last-line")
                return
            else:
                yield line_at(i), Problem.of(str(p), line_at(i), None, msg("lint.json-invalid.separator", found=repr(text[i])),
                                             code="json-invalid")
                nxt = text.find(resync, i)
                if nxt < 0:
                    return
                i = nxt + len(resync) - 1
        elif i < n and text[i] == ",":
            i = skip(i + 1)


def iter_records(path: str | Path) -> Iterator[tuple[int, Any | Problem]]:
    """Yields (1-based line, parsed JSON value or Problem) for every record of a dataset file.

    JSONL: one record per non-blank line. JSON array: one per element, with the line where the
    element starts. `.txt`: one string per non-blank line. Raises DatasetError only when the file
    cannot be read at all (see `sniff`).
    """
    info = sniff(path)
    yield from iter_records_of(info)


def iter_records_of(info: FileInfo) -> Iterator[tuple[int, Any | Problem]]:
    """Like `iter_records` for a file already sniffed."""
    p = info.path
    if info.layout in ("array", "concatenated"):
        yield from _iter_whole(p, info.bom, array=info.layout == "array")
        return
    if info.layout == "text":
        for n, raw in iter_lines(p, info.bom):
            if not raw.strip():
                continue
            try:
                yield n, raw.decode("utf-8").strip()
            except UnicodeDecodeError as e:
                yield n, Problem.of(str(p), n, None, encoding_message(p, raw, e, base_line=n, where=False),
                                 code="encoding")
        return
    loads = orjson.loads
    for n, raw in iter_lines(p, info.bom):
        if not raw.strip():
            continue
        try:
            yield n, loads(raw)
        except orjson.JSONDecodeError as e:
            yield n, line_problem(p, n, raw, e)
