"""Reading documents: folders of text files, JSON Lines, JSON, CSV/TSV, stdin.

Everything streams: a multi-gigabyte dump is read one record at a time. Bad
input either raises :class:`~dedup.errors.InputError` naming the file and line,
or, with ``skip_bad=True``, is counted and recorded in an :class:`IngestReport`
so that no document is ever lost silently.
"""

from __future__ import annotations

import re
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..dates import parse_date
from ..errors import InputError
from .decode import decode_bytes, display
from .documents import Document, IngestReport, Skipped, check_documents, document_from_record, split_location
from .folders import folder_bytes, folder_items, strip_suffix, text_file
from .records import (
    csv_records, json_records, jsonl_records, open_binary, parquet_records, read_errors, read_failure,
)

__all__ = [
    "Document", "IngestReport", "Skipped", "read_documents", "input_bytes", "decode_bytes", "document_from_record", "check_documents",
    "record_document", "ignored_date", "nothing_read",
]

JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".jsonl.zst", ".ndjson", ".ndjson.gz", ".ndjson.zst")
JSON_SUFFIXES = (".json", ".json.gz", ".json.zst")
CSV_SUFFIXES = {".csv": ",", ".tsv": "\t", ".csv.gz": ",", ".tsv.gz": "\t"}
PARQUET_SUFFIXES = (".parquet", ".parq")


def _items_of(source: str | Path, report: IngestReport) -> Iterator[tuple[Any, str]]:
    """(record, location) pairs; a record may be a Document, a dict, a Skipped or an InputError."""
    if str(source) == "-":
        yield from jsonl_records(sys.stdin.buffer, "<stdin>", report)
        return
    path = Path(source)
    if path.is_dir():
        yield from folder_items(path, report)
        return
    if not path.exists():
        yield InputError("no such file or folder", path=display(path)), ""
        return
    # A file that cannot be read, or a corrupt or truncated .gz/.zst, is bad
    # input like a malformed record: an error naming the file, or a skip.
    try:
        yield from _file_items(path, report)
    except read_errors() as exc:
        yield InputError(read_failure(exc), path=display(path)), ""


def _file_items(path: Path, report: IngestReport) -> Iterator[tuple[Any, str]]:
    name, shown = path.name.lower(), display(path)
    readers = [(JSONL_SUFFIXES, jsonl_records), (JSON_SUFFIXES, json_records)]
    readers += [((suffix,), lambda s, n, r, d=delimiter: csv_records(s, n, d, r))
                for suffix, delimiter in CSV_SUFFIXES.items()]
    if name.endswith(PARQUET_SUFFIXES):
        yield from parquet_records(path, shown, report)
        return
    for suffixes, reader in readers:
        if name.endswith(suffixes):
            with open_binary(path, report) as stream:
                yield from reader(stream, shown, report)
            return
    yield text_file(path, display(strip_suffix(path.name, [".txt", ".text", ".md"])), report), shown


# Most dumps write plain ISO dates. For exactly these forms parse_date comes
# down to constructing date/datetime from the fields, which fromisoformat does
# in C; every other form goes through parse_date itself.
_PLAIN_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?", re.ASCII)


def _is_date(value: str) -> bool:
    """Whether :func:`~dedup.dates.parse_date` understands ``value``, cheaply."""
    plain = _PLAIN_ISO.fullmatch(value)
    if plain is None:
        return parse_date(value) is not None
    try:
        (datetime if plain.group(1) else date).fromisoformat(value)
    except ValueError:
        return False
    return True


def input_bytes(inputs: Iterable[str | Path]) -> int | None:
    """Bytes of all inputs as stored, which :attr:`IngestReport.bytes_read`
    counts up to as they are read; None when one is stdin (no end known)."""
    total = 0
    for source in inputs:
        if str(source) == "-":
            return None
        path = Path(source)
        try:
            total += folder_bytes(path) if path.is_dir() else path.stat().st_size
        except OSError:
            pass  # reading it will say what is wrong
    return total


def nothing_read(names: list[str], skipped: list[Skipped]) -> InputError:
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
        names.append("-" if str(source) == "-" else display(source))
        for item, location in _items_of(source, report):
            doc = _accepted(item, location, seen, skip_bad, report)
            if doc is not None:
                yield doc
    if len(seen) == 0:
        raise nothing_read(names, report.skipped[skipped_before:])


def _accepted(item: Any, location: str, seen: set[str], skip_bad: bool, report: IngestReport) -> Document | None:
    """The document an item makes, or None when it was skipped (and recorded)."""
    if isinstance(item, Skipped):
        report.skipped.append(item)
        return None
    try:
        doc = record_document(item, location)
        if doc.id in seen:
            path, line = split_location(doc.location)
            raise InputError(f"duplicate id {doc.id!r}", path=path, line=line)
    except InputError as exc:
        if not skip_bad or exc.reason == "no such file or folder":
            raise
        where = exc.path or "<input>"
        report.skipped.append(Skipped(f"{where}:{exc.line}" if exc.line else where, exc.reason))
        return None
    note = ignored_date(item, doc, location)
    if note is not None:
        report.ignored_dates.append(note)
    seen.add(doc.id)
    report.documents += 1
    return doc


def record_document(item: Any, location: str) -> Document:
    """The document a reader's item makes (a Document, a record, or the InputError in its place); else InputError."""
    if isinstance(item, InputError):
        raise item
    return item if isinstance(item, Document) else document_from_record(item, location)


def ignored_date(item: Any, doc: Document, location: str) -> Skipped | None:
    """The note for a record whose ``date`` is not a date this reads (the document keeps no date from it)."""
    if doc.date is not None and not isinstance(item, Document) and not _is_date(doc.date):
        return Skipped(location, f"{doc.date!r} is not a date this reads")
    return None
