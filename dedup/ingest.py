"""Reading documents: folders of text files, JSON Lines, CSV/TSV, stdin.

Everything streams: a multi-gigabyte dump is read one record at a time. Bad
input either raises :class:`~dedup.errors.InputError` naming the file and line,
or, with ``skip_bad=True``, is counted and recorded in an :class:`IngestReport`
so that no document is ever lost silently.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Iterable, Iterator, Mapping

from .errors import InputError

__all__ = ["Document", "IngestReport", "Skipped", "read_documents", "decode_bytes", "document_from_record"]

METADATA_FIELDS = ("date", "source", "url", "title")
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".ndjson", ".ndjson.gz", ".ndjson.zst")
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

    def as_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready data: counts, and every skip with its reason."""
        return {
            "documents": self.documents,
            "fallback_decoded": len(self.fallback_decoded),
            "skipped": [{"location": s.location, "reason": s.reason} for s in self.skipped],
        }


def decode_bytes(data: bytes) -> tuple[str, bool]:
    """Decode as UTF-8, else through charset detection; return (text, used_fallback)."""
    try:
        return data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), True
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # only paid for on bad bytes

    best = from_bytes(data).best()
    if best is not None:
        return str(best), True
    return data.decode("latin-1"), True


def _looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return bool(head) and controls / len(head) > 0.1


def document_from_record(record: Any, location: str) -> Document:
    """Build a Document from one JSON/CSV record, or raise InputError."""
    path, _, line = location.rpartition(":")
    if not isinstance(record, dict):
        raise InputError("record is not a JSON object", path=path, line=int(line))
    missing = [k for k in ("id", "text") if record.get(k) is None]
    if missing:
        raise InputError(f"record has no {' or '.join(repr(m) for m in missing)}", path=path, line=int(line))
    doc_id, text = record["id"], record["text"]
    if not isinstance(doc_id, (str, int)) or isinstance(doc_id, bool) or not isinstance(text, str):
        raise InputError("'id' must be a string or integer and 'text' a string", path=path, line=int(line))
    meta = {}
    for key in METADATA_FIELDS:
        value = record.get(key)
        meta[key] = None if value in (None, "") else str(value)
    extra = {k: v for k, v in record.items() if k not in ("id", "text", *METADATA_FIELDS)}
    return Document(id=str(doc_id), text=text, extra=extra, location=location, **meta)


def _open_binary(path: Path) -> BinaryIO:
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if name.endswith(".zst"):
        try:
            import zstandard
        except ImportError:
            raise InputError("reading .zst needs the 'zstandard' package (pip install 'dedup-provenance[zstd]')",
                             path=str(path)) from None
        # The raw zstd reader cannot be iterated line by line (io.UnsupportedOperation),
        # hence the buffer; files written in several frames (pzstd, appends) are read whole.
        raw = zstandard.ZstdDecompressor().stream_reader(open(path, "rb"), read_across_frames=True)
        return io.BufferedReader(raw)  # type: ignore[arg-type]
    return open(path, "rb")


def _read_errors() -> tuple[type[BaseException], ...]:
    """What reading a file can raise: unreadable, or a corrupt or truncated archive."""
    errors: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error)
    zstandard = sys.modules.get("zstandard")  # imported only once a .zst file was opened
    return errors + ((zstandard.ZstdError,) if zstandard is not None else ())


def _read_failure(exc: BaseException) -> str:
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"cannot read: {reason}"


def _jsonl_records(stream: BinaryIO, name: str, report: IngestReport) -> Iterator[tuple[Any, str]]:
    for number, raw in enumerate(stream, 1):
        if not raw.strip():
            continue
        line, fallback = decode_bytes(raw)
        if fallback:
            report.fallback_decoded.append(f"{name}:{number}")
        try:
            yield json.loads(line), f"{name}:{number}"
        except json.JSONDecodeError as exc:
            yield InputError(f"malformed JSON: {exc.msg} (column {exc.colno})", path=name, line=number), ""


def _csv_records(stream: BinaryIO, name: str, delimiter: str, report: IngestReport) -> Iterator[tuple[Any, str]]:
    data, fallback = decode_bytes(stream.read())
    if fallback:
        report.fallback_decoded.append(name)
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    reader = csv.DictReader(io.StringIO(data, newline=""), delimiter=delimiter)
    fields = reader.fieldnames or []
    if "id" not in fields or "text" not in fields:
        yield InputError(f"needs 'id' and 'text' columns, found {fields}", path=name, line=1), ""
        return
    try:
        for row in reader:
            if None in row:  # more cells than header columns
                yield InputError("row has more cells than the header", path=name, line=reader.line_num), ""
                continue
            yield row, f"{name}:{reader.line_num}"
    except csv.Error as exc:
        yield InputError(f"malformed CSV: {exc}", path=name, line=reader.line_num), ""


def _text_file(path: Path, doc_id: str, report: IngestReport) -> Document | Skipped:
    data = path.read_bytes()
    if _looks_binary(data):
        return Skipped(str(path), "binary file")
    text, fallback = decode_bytes(data)
    if fallback:
        report.fallback_decoded.append(str(path))
    return Document(id=doc_id, text=text, location=str(path))


def _strip_suffix(name: str, suffixes: Iterable[str]) -> str:
    for suffix in sorted(suffixes, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _items_of(source: str | Path, report: IngestReport) -> Iterator[tuple[Any, str]]:
    """(record, location) pairs; a record may be a Document, a dict, a Skipped or an InputError."""
    if str(source) == "-":
        yield from _jsonl_records(sys.stdin.buffer, "<stdin>", report)
        return
    path = Path(source)
    if path.is_dir():
        for file in sorted(p for p in path.rglob("*.txt") if p.is_file()):
            doc_id = file.relative_to(path).with_suffix("").as_posix()
            try:
                yield _text_file(file, doc_id, report), str(file)
            except OSError as exc:
                yield InputError(_read_failure(exc), path=str(file)), ""
        return
    if not path.exists():
        yield InputError("no such file or folder", path=str(path)), ""
        return
    # A file that cannot be read, or a corrupt or truncated .gz/.zst, is bad
    # input like a malformed record: an error naming the file, or a skip.
    try:
        yield from _file_items(path, report)
    except _read_errors() as exc:
        yield InputError(_read_failure(exc), path=str(path)), ""


def _file_items(path: Path, report: IngestReport) -> Iterator[tuple[Any, str]]:
    name = path.name.lower()
    if name.endswith(JSONL_SUFFIXES):
        with _open_binary(path) as stream:
            yield from _jsonl_records(stream, str(path), report)
        return
    for suffix, delimiter in CSV_SUFFIXES.items():
        if name.endswith(suffix):
            with _open_binary(path) as stream:
                yield from _csv_records(stream, str(path), delimiter, report)
            return
    yield _text_file(path, _strip_suffix(path.name, [".txt", ".text", ".md"]), report), str(path)


def read_documents(
    inputs: Iterable[str | Path], *, skip_bad: bool = False, report: IngestReport | None = None
) -> Iterator[Document]:
    """Stream the documents of every input, in order.

    A folder contributes every ``*.txt`` below it (id: path relative to the
    folder, without suffix); ``.jsonl``/``.jsonl.gz``/``.jsonl.zst`` and
    ``.csv``/``.tsv`` files contribute one document per record, with ``id``,
    ``text`` and optional ``date``, ``source``, ``url``, ``title`` (other
    fields land in ``Document.extra``); ``-`` reads JSON Lines from stdin; any
    other file is read as one text document.

    Malformed records, records without ``id`` or ``text`` and duplicate ids
    raise :class:`InputError`, unless ``skip_bad`` is true, in which case each
    is recorded in ``report.skipped``. Binary files are always skipped and
    recorded. Bytes that are not UTF-8 are decoded by fallback and counted.

    >>> docs = list(read_documents(["seeds/"]))  # doctest: +SKIP
    """
    report = report if report is not None else IngestReport()
    seen: set[str] = set()
    for source in inputs:
        for item, location in _items_of(source, report):
            if isinstance(item, Skipped):
                report.skipped.append(item)
                continue
            try:
                if isinstance(item, InputError):
                    raise item
                doc = item if isinstance(item, Document) else document_from_record(item, location)
                if doc.id in seen:
                    path, _, line = doc.location.rpartition(":")
                    if not line.isdigit():
                        path, line = doc.location, ""
                    raise InputError(f"duplicate id {doc.id!r}", path=path, line=int(line) if line else None)
            except InputError as exc:
                if not skip_bad or exc.reason == "no such file or folder":
                    raise
                where = exc.path or "<input>"
                report.skipped.append(Skipped(f"{where}:{exc.line}" if exc.line else where, exc.reason))
                continue
            seen.add(doc.id)
            report.documents += 1
            yield doc
