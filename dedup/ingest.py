"""Reading documents: folders of text files, JSON Lines, CSV/TSV, stdin.

Everything streams: a multi-gigabyte dump is read one record at a time. Bad
input either raises :class:`~dedup.errors.InputError` naming the file and line,
or, with ``skip_bad=True``, is counted and recorded in an :class:`IngestReport`
so that no document is ever lost silently.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
import re
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator, Mapping

from .dates import parse_date
from .errors import InputError

__all__ = [
    "Document", "IngestReport", "Skipped", "read_documents", "decode_bytes", "document_from_record", "check_documents",
]

METADATA_FIELDS = ("date", "source", "url", "title")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".ndjson", ".ndjson.gz", ".ndjson.zst")
JSON_SUFFIXES = (".json", ".json.gz", ".json.zst")
CSV_SUFFIXES = {".csv": ",", ".tsv": "\t", ".csv.gz": ",", ".tsv.gz": "\t"}


@dataclass(frozen=True)
class Document:
    """One article. ``text`` is the original text every offset refers to."""

    id: str
    text: str
    date: str | None = None
    source: str | None = None
    url: str | None = None
    title: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    location: str = field(default="", compare=False)  # "file:line", for messages


@dataclass(frozen=True)
class Skipped:
    """A record or file left out, and why."""

    location: str
    reason: str


@dataclass
class IngestReport:
    """What reading saw: filled in while documents stream past."""

    documents: int = 0
    fallback_decoded: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    ignored_dates: list[Skipped] = field(default_factory=list)  # records whose date is not a date

    def as_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready data: counts, and every skip with its reason
        (``ignored_dates`` only when a record's date was not understood)."""
        figures: dict[str, Any] = {
            "documents": self.documents,
            "fallback_decoded": len(self.fallback_decoded),
            "skipped": [{"location": s.location, "reason": s.reason} for s in self.skipped],
        }
        if self.ignored_dates:
            figures["ignored_dates"] = [{"location": s.location, "reason": s.reason} for s in self.ignored_dates]
        return figures

    def notes(self) -> list[Skipped]:
        """Everything reading left out, records and files first, then dates."""
        return [*self.skipped, *self.ignored_dates]


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_NON_ASCII_DECODED = re.compile("[^\x00-\x7f\ufffd]")


def _decode_with_bom(data: bytes) -> str | None:
    """Text that starts with a UTF-16 or UTF-32 byte order mark, or None."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


def decode_bytes(data: bytes) -> tuple[str, bool]:
    """Decode as UTF-8 (or UTF-16/32 with a byte order mark), else through a
    fallback; return (text, used_fallback).

    UTF-8 with a few stray bytes keeps its UTF-8 and gets U+FFFD for each
    stray byte; text with no valid UTF-8 beyond ASCII is a legacy encoding,
    decoded as cp1252 or through charset detection.
    """
    with_bom = _decode_with_bom(data)
    if with_bom is not None:
        return with_bom, False
    try:
        return data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        pass
    replaced = data.decode("utf-8-sig", "replace")
    stray = replaced.count("\ufffd") - data.count("\ufffd".encode("utf-8"))
    if len(_NON_ASCII_DECODED.findall(replaced)) > stray:
        return replaced, True
    try:
        return data.decode("cp1252"), True
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # only paid for on bad bytes

    best = from_bytes(data).best()
    if best is not None:
        return str(best), True
    return data.decode("latin-1"), True


def _display(path: str | os.PathLike[str]) -> str:
    """A path for messages and ids: bytes of a file name that are not UTF-8 as ``\\xNN``."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return bool(head) and controls / len(head) > 0.1


_SURROGATE = re.compile("[\ud800-\udfff]")


def _field_problem(name: str, value: object, optional: bool = False) -> str | None:
    """Why ``value`` cannot be a Document's ``name``, or None."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        hint = " (decode it first)" if isinstance(value, (bytes, bytearray)) else ""
        return f"'{name}' must be a string, got {type(value).__name__}{hint}"
    if not value.isascii():
        found = _SURROGATE.search(value)
        if found:
            return (f"'{name}' has a lone surrogate \\u{ord(found.group()):04x} at character {found.start()}: "
                    f"not Unicode text (an emoji cut in half?)")
    return None


#: Levels of nesting allowed in a document's extra fields: documents travel
#: pickled (to worker processes, to the spill file), and pickle recurses.
MAX_NESTING = 100


def _too_deep(value: object) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            item = list(item.values())
        if isinstance(item, (list, tuple)):
            if depth > MAX_NESTING:
                return True
            stack.extend((child, depth + 1) for child in item)
    return False


def _document_problem(doc: Document) -> str | None:
    if doc.extra and _too_deep(doc.extra):
        return f"extra fields nested more than {MAX_NESTING} levels deep"
    for name in ("id", "text"):
        problem = _field_problem(name, getattr(doc, name))
        if problem:
            return problem
    for name in METADATA_FIELDS:
        problem = _field_problem(name, getattr(doc, name), optional=True)
        if problem:
            return problem
    return None


def _split_location(location: str) -> tuple[str, int | None]:
    path, _, line = location.rpartition(":")
    return (path, int(line)) if path and line.isdigit() else (location, None)


def check_documents(documents: Iterable[object]) -> Iterator[Document]:
    """The documents, each checked as it streams past: every item must be a
    :class:`Document` whose id and text are strings of Unicode text (so are
    date, source, url and title, or None); else :class:`InputError` at the
    document's place in its file, or its position in ``documents``."""
    for number, doc in enumerate(documents, 1):
        if not isinstance(doc, Document):
            raise InputError(f"item {number} is a {type(doc).__name__}, not a dedup.Document", path="<documents>")
        problem = _document_problem(doc)
        if problem:
            path, line = _split_location(doc.location) if doc.location else ("<documents>", number)
            raise InputError(problem, path=path, line=line)
        yield doc


def document_from_record(record: Any, location: str) -> Document:
    """Build a Document from one JSON/CSV record, or raise InputError."""
    path, line = _split_location(location)
    if not isinstance(record, dict):
        raise InputError("record is not a JSON object", path=path, line=line)
    missing = [k for k in ("id", "text") if record.get(k) is None]
    if missing:
        raise InputError(f"record has no {' or '.join(repr(m) for m in missing)}", path=path, line=line)
    doc_id, text = record["id"], record["text"]
    if not isinstance(doc_id, (str, int)) or isinstance(doc_id, bool) or not isinstance(text, str):
        raise InputError("'id' must be a string or integer and 'text' a string", path=path, line=line)
    meta = {}
    for key in METADATA_FIELDS:
        value = record.get(key)
        if isinstance(value, (dict, list)):
            raise InputError(f"'{key}' must be a string, got a JSON {'object' if isinstance(value, dict) else 'array'}",
                             path=path, line=line)
        meta[key] = None if value in (None, "") else str(value)
    extra = {k: v for k, v in record.items() if k not in ("id", "text", *METADATA_FIELDS)}
    doc = Document(id=str(doc_id), text=text, extra=extra, location=location, **meta)
    problem = _document_problem(doc)
    if problem:
        raise InputError(problem, path=path, line=line)
    return doc


class _ZstdFrames(io.RawIOBase):
    """The decompressed bytes of every zstd frame in a file, in order. Unlike
    zstandard's stream reader, a file that ends inside a frame (a truncated
    download) raises EOFError instead of ending quietly."""

    def __init__(self, raw: BinaryIO, zstandard: Any) -> None:
        self._raw, self._context = raw, zstandard.ZstdDecompressor()
        self._frame: Any = None
        self._input = b""
        self._output, self._at = b"", 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self._at >= len(self._output):
            if not self._input:
                self._input = self._raw.read(1 << 17)
                if not self._input:
                    if self._frame is not None:
                        raise EOFError("the file ends inside a zstd frame (truncated)")
                    return 0
            if self._frame is None:
                self._frame = self._context.decompressobj()
            data, self._input = self._input, b""
            self._output, self._at = self._frame.decompress(data), 0
            if self._frame.eof:
                self._input, self._frame = self._frame.unused_data, None
        n = min(len(buffer), len(self._output) - self._at)
        buffer[:n] = self._output[self._at : self._at + n]
        self._at += n
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def _open_binary(path: Path) -> BinaryIO:
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if name.endswith(".zst"):
        try:
            import zstandard
        except ImportError:
            raise InputError("reading .zst needs the 'zstandard' package (pip install 'dedup-provenance[zstd]')",
                             path=_display(path)) from None
        return io.BufferedReader(_ZstdFrames(open(path, "rb"), zstandard))  # type: ignore[return-value]
    return open(path, "rb")


def _read_errors() -> tuple[type[BaseException], ...]:
    """What reading a file can raise: unreadable, or a corrupt or truncated archive."""
    errors: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error)
    zstandard = sys.modules.get("zstandard")  # imported only once a .zst file was opened
    return errors + ((zstandard.ZstdError,) if zstandard is not None else ())


def _read_failure(exc: BaseException) -> str:
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"cannot read: {reason}"


def _parse_json(text: str, name: str, line: int) -> Any:
    """A JSON value, or the InputError that says why it is none."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        return InputError(f"malformed JSON: {exc.msg} (column {exc.colno})", path=name, line=line)
    except RecursionError:
        return InputError("malformed JSON: nested too deeply", path=name, line=line)
    except ValueError as exc:  # an integer of more digits than Python converts
        long = re.search(r"\d{%d,}" % (sys.get_int_max_str_digits() + 1), text)
        where = f" (column {long.start() + 1})" if long else ""
        return InputError(f"malformed JSON: {str(exc).split(';')[0]}{where}", path=name, line=line)


def _jsonl_records(stream: BinaryIO, name: str, report: IngestReport) -> Iterator[tuple[Any, str]]:
    number = 0
    try:
        for number, raw in enumerate(stream, 1):
            if not raw.strip():
                continue
            line, fallback = decode_bytes(raw)
            if fallback:
                report.fallback_decoded.append(f"{name}:{number}")
            yield _parse_json(line, name, number), f"{name}:{number}"
    except _read_errors() as exc:
        if number == 0:
            yield InputError(_read_failure(exc), path=name), ""
        else:
            yield InputError(f"{_read_failure(exc)}; the file breaks off after line {number}", path=name,
                             line=number + 1), ""


_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def _json_records(stream: BinaryIO, name: str, report: IngestReport) -> Iterator[tuple[Any, str]]:
    """A ``.json`` file: an array of records, one record, or JSON Lines saved as ``.json``."""
    data, fallback = decode_bytes(stream.read())
    if fallback:
        report.fallback_decoded.append(name)
    start = _JSON_SPACE.match(data).end()  # type: ignore[union-attr]
    if data.startswith("[", start):
        yield from _json_array(data, start + 1, name)
        return
    lines = data.split("\n")  # only "\n": U+2028 and friends may stand raw inside JSON strings
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and isinstance(_parse_json(lines[first], name, first + 1), InputError):
        whole = _parse_json(data, name, first + 1)
        if isinstance(whole, dict):  # one pretty-printed record
            yield whole, f"{name}:{first + 1}"
            return
    for number, line in enumerate(lines, 1):
        if line.strip():
            yield _parse_json(line, name, number), f"{name}:{number}"


def _json_array(data: str, at: int, name: str) -> Iterator[tuple[Any, str]]:
    decoder = json.JSONDecoder()
    line, counted = 1, 0

    def line_of(position: int) -> int:
        nonlocal line, counted
        line, counted = line + data.count("\n", counted, position), position
        return line

    at = _JSON_SPACE.match(data, at).end()  # type: ignore[union-attr]
    if data.startswith("]", at):
        at += 1
    else:
        while True:
            record_line = line_of(at)
            try:
                record, at = decoder.raw_decode(data, at)
            except (ValueError, RecursionError):
                error = _parse_json(data, name, record_line)
                assert isinstance(error, InputError)  # the same text failed once already
                line = error.line if isinstance(error.line, int) else record_line
                yield InputError(f"{error.reason}; the rest of the file was not read", path=name, line=line), ""
                return
            yield record, f"{name}:{record_line}"
            at = _JSON_SPACE.match(data, at).end()  # type: ignore[union-attr]
            if data.startswith(",", at):
                at = _JSON_SPACE.match(data, at + 1).end()  # type: ignore[union-attr]
                continue
            if data.startswith("]", at):
                at += 1
                break
            yield InputError("malformed JSON: expected ',' or ']' after a record; the rest of the file was not read",
                             path=name, line=line_of(at)), ""
            return
    if _JSON_SPACE.match(data, at).end() != len(data):  # type: ignore[union-attr]
        yield InputError("malformed JSON: more after the closing ']'", path=name, line=line_of(at)), ""


_CSV_ERRORS = {"unexpected end of data": "unclosed quote: the record runs to the end of the file"}


def _csv_rows(lines: list[str], delimiter: str) -> Iterator[tuple[int, list[str] | csv.Error]]:
    """(first physical line, cells) of every record. A malformed record gives
    its csv.Error, and reading resumes on the line after that record's first,
    so one stray quote costs one record, not the rest of the file."""
    at = 0

    def feed() -> Iterator[str]:
        nonlocal at
        while at < len(lines):
            at += 1
            yield lines[at - 1]

    while at < len(lines):
        reader = csv.reader(feed(), delimiter=delimiter, strict=True)
        while True:
            start = at
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield start + 1, exc
                at = start + 1
                break
            if row:  # a blank line
                yield start + 1, row


def _csv_records(stream: BinaryIO, name: str, delimiter: str, report: IngestReport) -> Iterator[tuple[Any, str]]:
    data, fallback = decode_bytes(stream.read())
    if fallback:
        report.fallback_decoded.append(name)
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    header: list[str] | None = None
    for line, row in _csv_rows(io.StringIO(data, newline="").readlines(), delimiter):
        if isinstance(row, csv.Error):
            reason = _CSV_ERRORS.get(str(row), str(row))
            yield InputError(f"malformed CSV: {reason}", path=name, line=line), ""
        elif header is None:
            header = row
            if "id" not in header or "text" not in header:
                yield InputError(f"needs 'id' and 'text' columns, found {header}", path=name, line=line), ""
                return
        elif len(row) > len(header):
            yield InputError("row has more cells than the header", path=name, line=line), ""
        else:
            yield dict(zip(header, row + [None] * (len(header) - len(row)))), f"{name}:{line}"
    if header is None:
        yield InputError("needs 'id' and 'text' columns, found an empty file", path=name, line=1), ""


def _text_file(path: Path, doc_id: str, report: IngestReport) -> Document | Skipped:
    data = path.read_bytes()
    location = _display(path)
    text = _decode_with_bom(data)
    if text is None:
        if _looks_binary(data):
            return Skipped(location, "binary file")
        text, fallback = decode_bytes(data)
        if fallback:
            report.fallback_decoded.append(location)
    return Document(id=doc_id, text=text, location=location)


def _strip_suffix(name: str, suffixes: Iterable[str]) -> str:
    for suffix in sorted(suffixes, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _folder_files(folder: Path, ancestors: frozenset[tuple[int, int]]) -> Iterator[Path | InputError]:
    """Every ``*.txt`` file (in any case) below ``folder``, in path order,
    through symlinks; a folder that cannot be listed, a symlink to nothing and
    a loop come as errors, never as silence."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        yield InputError(f"cannot read folder: {_read_failure(exc).removeprefix('cannot read: ')}",
                         path=_display(folder))
        return
    for entry in entries:
        path = Path(entry.path)
        try:
            if entry.is_dir():
                info = entry.stat()
                key = (info.st_dev, info.st_ino)
                if key in ancestors:
                    yield InputError("symlink loop: the folder contains itself", path=_display(path))
                else:
                    yield from _folder_files(path, ancestors | {key})
            elif entry.name.lower().endswith(".txt"):
                if entry.is_file():
                    yield path
                elif entry.is_symlink():
                    yield InputError(f"symlink to nothing ({_display(os.readlink(path))})", path=_display(path))
        except OSError as exc:
            yield InputError(_read_failure(exc), path=_display(path))


def _folder_items(folder: Path, report: IngestReport) -> Iterator[tuple[Any, str]]:
    info = folder.stat()
    for file in _folder_files(folder, frozenset({(info.st_dev, info.st_ino)})):
        if isinstance(file, InputError):
            yield file, ""
            continue
        doc_id = _display(file.relative_to(folder).with_suffix("").as_posix())
        try:
            yield _text_file(file, doc_id, report), _display(file)
        except OSError as exc:
            yield InputError(_read_failure(exc), path=_display(file)), ""


def _items_of(source: str | Path, report: IngestReport) -> Iterator[tuple[Any, str]]:
    """(record, location) pairs; a record may be a Document, a dict, a Skipped or an InputError."""
    if str(source) == "-":
        yield from _jsonl_records(sys.stdin.buffer, "<stdin>", report)
        return
    path = Path(source)
    if path.is_dir():
        yield from _folder_items(path, report)
        return
    if not path.exists():
        yield InputError("no such file or folder", path=_display(path)), ""
        return
    # A file that cannot be read, or a corrupt or truncated .gz/.zst, is bad
    # input like a malformed record: an error naming the file, or a skip.
    try:
        yield from _file_items(path, report)
    except _read_errors() as exc:
        yield InputError(_read_failure(exc), path=_display(path)), ""


def _file_items(path: Path, report: IngestReport) -> Iterator[tuple[Any, str]]:
    name, shown = path.name.lower(), _display(path)
    readers = [(JSONL_SUFFIXES, _jsonl_records), (JSON_SUFFIXES, _json_records)]
    readers += [((suffix,), lambda s, n, r, d=delimiter: _csv_records(s, n, d, r))
                for suffix, delimiter in CSV_SUFFIXES.items()]
    for suffixes, reader in readers:
        if name.endswith(suffixes):
            with _open_binary(path) as stream:
                yield from reader(stream, shown, report)
            return
    yield _text_file(path, _display(_strip_suffix(path.name, [".txt", ".text", ".md"])), report), shown


def _nothing_read(names: list[str], skipped: list[Skipped]) -> InputError:
    reason = "nothing was read"
    if skipped:
        listed = "; ".join(f"{s.location}: {s.reason}" for s in skipped[:3])
        reason += f" ({len(skipped)} skipped: {listed}{'; ...' if len(skipped) > 3 else ''})"
    return InputError(reason, path=", ".join(names) or None)


def read_documents(
    inputs: Iterable[str | Path], *, skip_bad: bool = False, report: IngestReport | None = None
) -> Iterator[Document]:
    """Stream the documents of every input, in order.

    A folder contributes every ``*.txt`` below it (in any case; id: path
    relative to the folder, without suffix); ``.jsonl``/``.jsonl.gz``/
    ``.jsonl.zst`` and ``.csv``/``.tsv`` files contribute one document per
    record, with ``id``, ``text`` and optional ``date``, ``source``, ``url``,
    ``title`` (other fields land in ``Document.extra``); a ``.json`` file holds
    an array of such records, one record, or JSON Lines; ``-`` reads JSON
    Lines from stdin; any other file is read as one text document.

    Malformed records, records without ``id`` or ``text``, duplicate ids and
    files or folders that cannot be read raise :class:`InputError`, unless
    ``skip_bad`` is true, in which case each is recorded in
    ``report.skipped``. Binary files are always skipped and recorded. Bytes
    that are not UTF-8 are decoded by fallback and counted; record dates that
    are not dates are recorded in ``report.ignored_dates``. Inputs that give
    no document at all are an error.

    >>> docs = list(read_documents(["seeds/"]))  # doctest: +SKIP
    """
    report = report if report is not None else IngestReport()
    seen: set[str] = set()
    names: list[str] = []
    skipped_before = len(report.skipped)
    for source in inputs:
        names.append("-" if str(source) == "-" else _display(source))
        for item, location in _items_of(source, report):
            doc = _accepted(item, location, seen, skip_bad, report)
            if doc is not None:
                yield doc
    if len(seen) == 0:
        raise _nothing_read(names, report.skipped[skipped_before:])


def _accepted(item: Any, location: str, seen: set[str], skip_bad: bool, report: IngestReport) -> Document | None:
    """The document an item makes, or None when it was skipped (and recorded)."""
    if isinstance(item, Skipped):
        report.skipped.append(item)
        return None
    try:
        if isinstance(item, InputError):
            raise item
        doc = item if isinstance(item, Document) else document_from_record(item, location)
        if doc.id in seen:
            path, line = _split_location(doc.location)
            raise InputError(f"duplicate id {doc.id!r}", path=path, line=line)
    except InputError as exc:
        if not skip_bad or exc.reason == "no such file or folder":
            raise
        where = exc.path or "<input>"
        report.skipped.append(Skipped(f"{where}:{exc.line}" if exc.line else where, exc.reason))
        return None
    if doc.date is not None and not isinstance(item, Document) and parse_date(doc.date) is None:
        report.ignored_dates.append(Skipped(location, f"{doc.date!r} is not a date this reads"))
    seen.add(doc.id)
    report.documents += 1
    return doc
