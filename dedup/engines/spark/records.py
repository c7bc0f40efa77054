"""The provenance report built and written by the executors, a connected part at a time.

:func:`~dedup.engines.spark.provenance_files` brings every alignment and
every document to the driver to assemble the report there, which a corpus
of tens of millions of articles does not allow. For the formats that are a
record per document (JSON Lines, Parquet), :func:`write_provenance` builds
the records on the executors, with the library's own
:func:`~dedup.provenance.build_provenance`, and never brings them together:

- documents joined by alignments form connected parts (found as the
  passages' are, :mod:`.components`); nothing in a document's report depends
  on a document outside its part except its clusters' numbers;
- each part's reuse clusters (:func:`~dedup.provenance.reuse_drafts`) are
  numbered by one global sort of their members, as the in-process run
  numbers them; the numbers are joined back to their parts;
- each part, with its documents, its alignments in the run's order and its
  clusters' numbers, goes to one task, which calls ``build_provenance`` on
  it and gives its documents' JSON Lines records; documents without any
  alignment get theirs in batches of any size;
- the records, sorted by document id, are written by Spark as part files
  to any Hadoop path (the concatenation of the files, in name order, is the
  in-process report) or streamed to the driver into a local file (the
  in-process report's bytes).

What grows on the driver with the corpus: nothing but the edges between
documents while they fit (``driver_pairs``), as for passages. What does
not stream is a connected part: one task holds its documents' texts and
alignments (a boilerplate paragraph carried by every article would make
one part of the whole corpus, as it is one reuse cluster in-process).
"""

from __future__ import annotations

import io
import json
import os
from dataclasses import dataclass, field
from typing import Iterable, TextIO

from ...errors import ParameterError
from ...ingest import IngestReport
from ...ingest.decode import display
from ...pipeline import Params, Progress
from ...report import RECORD_FORMATS, summary_of, write_provenance_rows, write_trace_record
from . import steps
from .components import components
from .run import SparkOptions, _aligned, _offsets, _paired, _Run

__all__ = ["ReportWritten", "write_provenance", "is_directory"]


@dataclass(frozen=True)
class ReportWritten:
    """What :func:`write_provenance` wrote: the figures of the run and what reading saw."""

    stats: dict[str, int]
    ingest: IngestReport = field(default_factory=IngestReport)
    params: Params = Params()


def is_directory(target: str | os.PathLike[str]) -> bool:
    """Whether ``-o target`` names a folder of part files for Spark to write
    (a URI such as ``hdfs:///out/``, or a path ending in ``/``) rather than one local file."""
    text = os.fspath(target)
    return "://" in text or text.endswith("/")


def write_provenance(
    spark,
    inputs: Iterable[str | os.PathLike[str]],
    target: TextIO | str,
    fmt: str = "jsonl",
    params: Params = Params(),
    *,
    skip_bad: bool = False,
    progress: Progress | None = None,
    options: SparkOptions = SparkOptions(),
) -> ReportWritten:
    """The provenance report of ``inputs`` in ``fmt`` (``jsonl`` or ``parquet``), its
    records built by the executors.

    ``target`` a text stream (a local file, as :func:`dedup.output.open_output`
    gives): the records stream to the driver into it, the in-process report's
    bytes. ``target`` a path (a folder, on any file system Hadoop reaches;
    it must not exist): Spark writes the records there as part files, in id
    order across the files' names. JSON Lines: the files' concatenation is
    the in-process report, byte for byte. Parquet: the rows and columns of
    the in-process file, and what it keeps in its metadata (``dedup.ingest``)
    in ``_dedup.json`` beside the parts.
    """
    if fmt not in RECORD_FORMATS:
        raise ParameterError(f"the executors write {', '.join(RECORD_FORMATS)}, not {fmt!r}")
    folder = None if hasattr(target, "write") else os.fspath(target).rstrip("/")  # type: ignore[arg-type]
    if folder is not None:
        _refuse_existing(spark, folder)
    run = _Run(spark, params, options, progress)
    try:
        index, ingest, stats, pairs = _paired(run, inputs, skip_bad)
        aligned = _aligned(run, index, pairs)
        run.step("provenance")
        lines, reuse_clusters = _report_lines(run, index, aligned)
        stats.update(alignments=aligned.count(), reuse_clusters=reuse_clusters)
        if folder is None:
            _stream(lines, target, fmt, stats, ingest)  # type: ignore[arg-type]
        else:
            _write_folder(run, lines, folder, fmt, stats, ingest)
        return ReportWritten(stats, ingest, params)
    finally:
        run.close()


def _filesystem(spark, path: str):
    jvm = spark.sparkContext._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    return hadoop_path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()), hadoop_path


def _refuse_existing(spark, folder: str) -> None:
    fs, path = _filesystem(spark, folder)
    if fs.exists(path):
        raise ParameterError(f"-o {display(folder)!r} exists; the report's part files go to a new folder")


# Columns of the report stage's rows (steps.report_partition): keys, then a document's, then an alignment's.
_KEYS = (("component", "long"), ("row", "byte"), ("k1", "long"), ("k2", "long"), ("k3", "long"))
_DOCUMENT = tuple((f, "string") for f in ("id", "text", "date", "source", "url", "title"))
_ALIGNMENT = (("a", "string"), ("a_start", "long"), ("a_end", "long"), ("b", "string"), ("b_start", "long"),
              ("b_end", "long"), ("similarity", "double"), ("tokens", "long"))


def _report_rows(frame, row: int, **named):
    """``frame`` in the report stage's columns: ``named`` maps a column to one of
    ``frame``'s (keys) or is True (a column of that name); the rest null."""
    from pyspark.sql import functions as F

    columns = []
    for name, kind in _KEYS + _DOCUMENT + _ALIGNMENT:
        if name == "row":
            columns.append(F.lit(row).cast(kind).alias(name))
        elif name in named:
            columns.append(F.col(name if named[name] is True else named[name]).cast(kind).alias(name))
        else:
            columns.append(F.lit(None).cast(kind).alias(name))
    return frame.select(*columns)


def _report_lines(run: _Run, index, aligned):
    """(id, line) of every document's JSON Lines record, and the number of reuse clusters."""
    from pyspark.sql import functions as F

    spark, o = run.spark, run.params.provenance
    edges = aligned.select("left", "right").distinct()
    part = run.saved(components(spark, edges, run.work, run.options.driver_pairs, name="report-components"),
                     "report-components").select(F.col("node").alias("doc"), "component")
    alignments = aligned.join(part.withColumnRenamed("doc", "left"), "left")
    drafts = run.saved(alignments.repartition("component").sortWithinPartitions("component", "left", "right", "seq")
                       .mapInArrow(lambda b: steps.draft_partition(b, o.min_overlap), steps.DRAFTS), "drafts")
    # A cluster's number is its rank by members among all the run's (ties only within a part, by its order).
    placed = run.saved(drafts.orderBy("members", "component", "local")
                       .mapInArrow(steps.position_partition, steps.POSITIONS), "drafts-placed")
    first, reuse_clusters = _offsets(spark, {r["part"]: r["count"] for r in placed.groupBy("part").count().collect()},
                                     "first")
    numbers = (placed.join(F.broadcast(first), "part")
               .select("component", "local", (F.col("first") + F.col("position") + 1).alias("number")))
    documents = index.documents.join(part, "doc")
    rows = (_report_rows(documents, steps.REPORT_DOC, component=True, k1="doc", **dict.fromkeys(dict(_DOCUMENT), True))
            .unionByName(_report_rows(alignments, steps.REPORT_ALIGNMENT, component=True, k1="left", k2="right",
                                      k3="seq", **dict.fromkeys(dict(_ALIGNMENT), True)))
            .unionByName(_report_rows(numbers, steps.REPORT_NUMBER, component=True, k1="local", k2="number")))
    joined = (rows.repartition("component").sortWithinPartitions("component", "row", "k1", "k2", "k3")
              .mapInArrow(lambda b: steps.report_partition(b, o), steps.LINES))
    alone = (index.documents.join(part, "doc", "left_anti").select(*dict(_DOCUMENT))
             .mapInArrow(lambda b: steps.alone_partition(b, o), steps.LINES))
    return run.saved(joined.unionByName(alone), "report"), reuse_clusters


def _stream(lines, out: TextIO, fmt: str, stats: dict[str, int], ingest: IngestReport) -> None:
    """The records, in id order, to the driver and into ``out``."""
    ordered = lines.orderBy("id").toLocalIterator(prefetchPartitions=True)
    if fmt == "jsonl":
        for r in ordered:
            out.write(r["line"] + "\n")
        write_trace_record(ingest, out)
    else:
        write_provenance_rows((json.loads(r["line"]) for r in ordered), stats, ingest, out, fmt)


def _write_folder(run: _Run, lines, folder: str, fmt: str, stats: dict[str, int], ingest: IngestReport) -> None:
    """The records, in id order, written by Spark as part files under ``folder``."""
    from pyspark.sql import functions as F

    spark = run.spark
    run.step("write")
    if fmt == "jsonl":
        trace = io.StringIO()
        write_trace_record(ingest, trace)
        rows = lines.select(F.lit(0).alias("tail"), "id", "line")
        if trace.getvalue():  # the report's last line, after every document's
            rows = rows.unionByName(spark.createDataFrame([(1, "", trace.getvalue()[:-1])],
                                                          "tail int, id string, line string"))
        rows.orderBy("tail", "id").select("line").write.text(folder)
        return
    from pyspark.sql.pandas.types import from_arrow_schema

    from ...report_parquet import provenance_schema

    (lines.orderBy("id").mapInArrow(steps.parquet_rows_partition, from_arrow_schema(provenance_schema()))
     .write.parquet(folder))
    fs, path = _filesystem(spark, f"{folder}/_dedup.json")
    stream = fs.create(path, False)
    try:
        summary = {"dedup.ingest": summary_of(stats, ingest)}
        stream.write(bytearray(json.dumps(summary, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n"))
    finally:
        stream.close()
