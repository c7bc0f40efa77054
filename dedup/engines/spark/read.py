"""Spark reads the corpus: JSON Lines (compressed or not), Parquet, folders of text files.

The driver only lists the files (through Hadoop's file system, so ``hdfs://``
and ``s3a://`` paths and globs work) and numbers them in the order the
in-process reader would read them; the executors read the records and turn
each into a :class:`~dedup.ingest.Document` with the in-process reader's own
per-record functions (:func:`~dedup.ingest.records.jsonl_line`,
:func:`~dedup.ingest.record_document`, ...), so a record means the same
thing to both engines.

Every row keeps its place in the input, ``(file, block, index)``: the file's
number, the byte where Spark's split of it starts, and the row's number
within that split. Notes about bad records (and the error a run without
``skip_bad`` stops on: the first in input order) name the file and line; a
line number past a split's start needs the lines of the splits before it,
counted only for the files that have such notes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Sequence
from urllib.parse import unquote

import pyarrow as pa

from ...errors import InputError, ParameterError
from ...ingest import (
    CSV_SUFFIXES, JSON_SUFFIXES, JSONL_SUFFIXES, PARQUET_SUFFIXES, Document, IngestReport, Skipped, ignored_date,
    record_document,
)
from ...ingest.decode import display
from ...ingest.folders import _folder_files, strip_suffix, text_document
from ...ingest.records import jsonl_line, parquet_record

__all__ = ["Source", "list_sources", "DOCUMENT_SCHEMA", "read_rows", "Note"]

# Kinds of the rows reading makes.
DOC, ERROR, SKIPPED, FALLBACK = 0, 1, 2, 3

DOCUMENT_SCHEMA = pa.schema([
    ("row", pa.int8()), ("file", pa.int32()), ("block", pa.int64()), ("index", pa.int64()),
    ("id", pa.string()), ("text", pa.string()), ("date", pa.string()), ("source", pa.string()),
    ("url", pa.string()), ("title", pa.string()), ("location", pa.string()),
    ("date_note", pa.string()), ("reason", pa.string()),
])
SPARK_DOCUMENT_SCHEMA = ("row byte, file int, block long, index long, id string, text string, date string, "
                         "source string, url string, title string, location string, date_note string, "
                         "reason string")


@dataclass(frozen=True)
class Source:
    """One input file: Spark's name for it, the name messages give, how to read it."""

    uri: str
    shown: str
    kind: str  # "jsonl" | "parquet" | "text"
    doc_id: str | None = None  # a text file's document id


def _key(uri: str, encoded: bool = False) -> tuple[str, str, str]:
    """A file's name, whether Hadoop spells it (``file:/a b``) or Spark's file
    metadata does (``encoded``: ``file:/a%20b``), made one."""
    scheme, rest = uri.split(":", 1) if ":" in uri.split("/", 1)[0] else ("file", uri)
    netloc, path = "", rest
    if rest.startswith("//"):
        netloc, _, path = rest[2:].partition("/")
        path = "/" + path
    return scheme, netloc if scheme != "file" else "", unquote(path) if encoded else path


def _kind(name: str) -> str:
    lower = name.lower()
    if lower.endswith(JSONL_SUFFIXES):
        if lower.endswith(".zst"):
            raise ParameterError(f"{name}: the Spark engine reads .jsonl and .jsonl.gz, not .zst "
                                 f"(Hadoop's zstd codec needs native libraries); recompress it with gzip")
        return "jsonl"
    if lower.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if lower.endswith(JSON_SUFFIXES) or lower.endswith(tuple(CSV_SUFFIXES)):
        raise ParameterError(f"{name}: the Spark engine reads JSON Lines, Parquet and text files; "
                             f"convert .json and .csv with the in-process engine (dedup ... --format parquet) first")
    return "text"


def _local_uri(path: Path) -> str:
    """A local file as Hadoop names it: ``file:`` and the absolute path, not percent-encoded."""
    return "file:" + os.fsdecode(path.resolve())


def _local_sources(arg: str) -> list[Source]:
    path = Path(arg)
    if path.is_dir():
        found = []
        for file in _folder_files(path):
            if isinstance(file, InputError):
                raise file
            doc_id = display(file.relative_to(path).with_suffix("").as_posix())
            found.append(Source(_local_uri(file), display(file), "text", doc_id))
        return found
    if not path.exists():
        raise InputError("no such file or folder", path=display(path))
    kind = _kind(path.name)
    doc_id = display(strip_suffix(path.name, [".txt", ".text", ".md"])) if kind == "text" else None
    return [Source(_local_uri(path), display(path), kind, doc_id)]


def _remote_sources(spark, arg: str) -> list[Source]:
    """The files of a URI (a file, a folder, or a glob) through Hadoop's file system."""
    jvm = spark.sparkContext._jvm
    conf = spark.sparkContext._jsc.hadoopConfiguration()
    hpath = jvm.org.apache.hadoop.fs.Path(arg)
    fs = hpath.getFileSystem(conf)
    matched = fs.globStatus(hpath)
    if not matched:
        raise InputError("no such file or folder", path=arg)
    found: list[Source] = []
    for status in sorted(matched, key=lambda s: s.getPath().toString()):
        if status.isDirectory():
            listing = fs.listFiles(status.getPath(), True)
            files = []
            while listing.hasNext():
                files.append(listing.next().getPath())
            base = status.getPath().toUri().getPath().rstrip("/") + "/"
            for p in sorted(files, key=lambda p: p.toString()):
                # A folder is a folder of text files, as for the in-process reader.
                if p.getName().lower().endswith(".txt"):
                    relative = p.toUri().getPath()[len(base):]
                    found.append(Source(p.toString(), p.toString(), "text", relative.rsplit(".", 1)[0]))
        else:
            uri = status.getPath().toString()
            kind = _kind(status.getPath().getName())
            doc_id = strip_suffix(status.getPath().getName(), [".txt", ".text", ".md"]) if kind == "text" else None
            found.append(Source(uri, uri, kind, doc_id))
    return found


def list_sources(spark, inputs: Sequence[str | os.PathLike[str]]) -> list[Source]:
    """Every input file, in the order the in-process reader reads them."""
    sources: list[Source] = []
    for arg in inputs:
        arg = os.fspath(arg)
        if arg == "-":
            raise ParameterError("the Spark engine cannot read standard input; give files")
        sources.extend(_remote_sources(spark, arg) if "://" in arg else _local_sources(arg))
    return sources


# ---------------------------------------------------------------------------
# On the executors


@dataclass(frozen=True)
class _Files:
    """What a reading task knows of the inputs: file numbers and names by Spark's name."""

    by_key: dict[tuple[str, str, str], tuple[int, Source]]

    def lookup(self, uri: str) -> tuple[int, Source]:
        return self.by_key[_key(uri, encoded=True)]


def _row(kind: int, file: int, block: int, index: int, doc: Document | None = None, *, location: str = "",
         date_note: str | None = None, reason: str | None = None) -> dict:
    out = {"row": kind, "file": file, "block": block, "index": index, "location": location,
           "date_note": date_note, "reason": reason, "id": None, "text": None, "date": None, "source": None,
           "url": None, "title": None}
    if doc is not None:
        out.update(id=doc.id, text=doc.text, date=doc.date, source=doc.source, url=doc.url, title=doc.title)
    return out


def _taken(item, location: str, place: tuple[int, int, int], rows: list[dict]) -> None:
    """The row an item of a reader makes: a document, or the error in its place."""
    if isinstance(item, Skipped):
        rows.append(_row(SKIPPED, *place, location=item.location, reason=item.reason))
        return
    try:
        doc = record_document(item, location)
    except InputError as exc:
        rows.append(_row(ERROR, *place, location=exc.path or "", reason=exc.reason))
        return
    note = ignored_date(item, doc, location)
    rows.append(_row(DOC, *place, doc, location=location, date_note=note.reason if note else None))


def _notes(report: IngestReport, place: tuple[int, int, int], rows: list[dict]) -> None:
    for where in report.fallback_decoded:
        rows.append(_row(FALLBACK, *place, location=where))
    report.fallback_decoded.clear()


def jsonl_rows(files: _Files, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Documents of JSON Lines, a line a row (``line`` binary, ``path``, ``block``)."""
    counters: dict[tuple[str, int], int] = {}
    report = IngestReport()
    for batch in batches:
        rows: list[dict] = []
        for raw, uri, block in zip(*(batch.column(c).to_pylist() for c in ("line", "path", "block"))):
            index = counters.get((uri, block), 0)
            counters[(uri, block)] = index + 1
            number, source = files.lookup(uri)
            # A line number is known here only in a split that starts the file;
            # the others are placed once their splits' lines are counted.
            line = index + 1 if block == 0 else 0
            item = jsonl_line(raw, source.shown, line, report)
            place = (number, block, index)
            _notes(report, place, rows)
            if item is not None:
                _taken(item[0], item[1], place, rows)
        yield pa.RecordBatch.from_pylist(rows, schema=DOCUMENT_SCHEMA)


def text_rows(files: _Files, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Documents of whole text files (``content`` binary, ``path``)."""
    report = IngestReport()
    for batch in batches:
        rows: list[dict] = []
        for data, uri in zip(batch.column("content").to_pylist(), batch.column("path").to_pylist()):
            number, source = files.lookup(uri)
            place = (number, 0, 0)
            item = text_document(data, source.doc_id or "", source.shown, report)
            _notes(report, place, rows)
            _taken(item, source.shown, place, rows)
        yield pa.RecordBatch.from_pylist(rows, schema=DOCUMENT_SCHEMA)


def parquet_rows(files: _Files, batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Documents of Parquet records (any columns, ``path`` and ``row_index`` added)."""
    for batch in batches:
        rows: list[dict] = []
        names = [n for n in batch.schema.names if n not in ("path", "row_index")]
        records = batch.select(names).to_pylist()
        for record, uri, index in zip(records, batch.column("path").to_pylist(), batch.column("row_index").to_pylist()):
            number, source = files.lookup(uri)
            location = f"{source.shown}:{index + 1}"
            _taken(parquet_record(record), location, (number, 0, index), rows)
        yield pa.RecordBatch.from_pylist(rows, schema=DOCUMENT_SCHEMA)


def read_rows(spark, sources: list[Source]):
    """One DataFrame of every input's rows: documents and notes (see :data:`DOCUMENT_SCHEMA`)."""
    from pyspark.sql import functions as F

    files = _Files({_key(s.uri): (n, s) for n, s in enumerate(sources)})
    frames = []
    jsonl = [s.uri for s in sources if s.kind == "jsonl"]
    if jsonl:
        lines = spark.read.option("lineSep", "\n").text(jsonl).select(
            F.col("value").cast("binary").alias("line"), F.col("_metadata.file_path").alias("path"),
            F.col("_metadata.file_block_start").alias("block"))
        frames.append(lines.mapInArrow(lambda b: jsonl_rows(files, b), SPARK_DOCUMENT_SCHEMA))
    texts = [s.uri for s in sources if s.kind == "text"]
    if texts:
        whole = spark.read.format("binaryFile").load(texts).select(
            "content", F.col("_metadata.file_path").alias("path"))
        frames.append(whole.mapInArrow(lambda b: text_rows(files, b), SPARK_DOCUMENT_SCHEMA))
    parquet = [s.uri for s in sources if s.kind == "parquet"]
    if parquet:
        table = spark.read.parquet(*parquet)
        table = table.select(*[F.col(f"`{c}`") for c in table.columns],
                             F.col("_metadata.file_path").alias("path"),
                             F.col("_metadata.row_index").alias("row_index"))
        frames.append(table.mapInArrow(lambda b: parquet_rows(files, b), SPARK_DOCUMENT_SCHEMA))
    out = frames[0]
    for frame in frames[1:]:
        out = out.unionByName(frame)
    return out


@dataclass(frozen=True)
class Note:
    """A row of reading that is not a document, placed in the input."""

    kind: int
    place: tuple[int, int, int]
    location: str
    reason: str | None


def line_starts(spark, sources: list[Source], notes: list[Note]) -> dict[tuple[int, int], int]:
    """Lines before each split that notes fall in, for the JSON Lines files that need them."""
    from pyspark.sql import functions as F

    wanted = sorted({n.place[0] for n in notes if n.place[1] > 0})
    if not wanted:
        return {}
    uris = [sources[f].uri for f in wanted]
    counts = (spark.read.option("lineSep", "\n").text(uris)
              .groupBy(F.col("_metadata.file_path").alias("path"), F.col("_metadata.file_block_start").alias("block"))
              .count().collect())
    number = {_key(s.uri): k for k, s in enumerate(sources)}
    by_file: dict[int, list[tuple[int, int]]] = {}
    for row in counts:
        by_file.setdefault(number[_key(row["path"], encoded=True)], []).append((row["block"], row["count"]))
    starts = {}
    for file, blocks in by_file.items():
        before = 0
        for block, count in sorted(blocks):
            starts[(file, block)] = before
            before += count
    return starts


def placed(note: Note, sources: list[Source], starts: dict[tuple[int, int], int]) -> Note:
    """A note whose location names its line, now that the lines before its split are known."""
    file, block, index = note.place
    if block == 0 or sources[file].kind != "jsonl":
        return note
    line = starts[(file, block)] + index + 1
    return Note(note.kind, note.place, f"{sources[file].shown}:{line}", note.reason)
