"""The recipe of :mod:`dedup.pipeline`, on Spark.

Stage by stage (every Python function named is a partition function of
:mod:`.steps` calling the public step of its stage):

=========================  =====================================================  ===========================
stage                      Spark                                                   Python per partition
=========================  =====================================================  ===========================
read                       text / binaryFile / parquet scan                       the in-process record reader
duplicate ids              groupBy(id) on ids only                                 -
sign                       global sort by id (range partitions)                   sign_documents, index_batch
numbers                    counts per partition -> offsets (a few rows)           -
candidates                 band rows, shuffle by (key, band), sort                 band_keys, bucket_pairs
verify                     distinct pairs, two joins with signatures              verify_pairs
components                 driver union-find, or large-star/small-star rounds     -
group                      shuffle by component, sort                             group_passages
clusters                   grouped passages to the driver                         build_clusters (driver)
document pairs             anchors shuffled by shingle, codes by pair             sharing_codes, runs_at_least
align                      two joins with the texts                               align_documents
provenance                 alignments and documents streamed to the driver        build_provenance (driver)
report (JSON Lines,        connected parts of documents, cluster numbers by a     reuse_drafts, build_provenance
Parquet: :mod:`.records`)  global sort, each part to one task                     on each part
=========================  =====================================================  ===========================

Document numbers and passage ranks come from a global sort by document id
(the partitions of a range-partitioned sort are in key order, and their
counts, a few numbers, give each partition's first number): never from
partition-dependent ids. Each stage's output is written as Parquet under the
work folder, which is what later stages read.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np

from ...cluster import Cluster, build_clusters
from ...errors import InputError, ParameterError
from ...ingest import Document, IngestReport, Skipped, nothing_read
from ...ingest.decode import display
from ...pipeline import ClusterResult, Params, Progress, ProvenanceResult
from ...align import Alignment
from ...provenance import build_provenance
from ...store import DocumentStore
from . import steps
from .components import DRIVER_PAIRS, components
from .read import DOC, ERROR, FALLBACK, SKIPPED, Note, line_starts, list_sources, read_rows

__all__ = ["cluster_files", "provenance_files", "SparkOptions"]


@dataclass(frozen=True)
class SparkOptions:
    """How the Spark engine runs (never what it finds).

    ``work_dir``: where stages leave their Parquet, in a folder of the run's
    own (a folder Spark's executors share: HDFS or S3 on a cluster; default a
    temporary folder, in local mode only); the run's folder is removed at the
    end unless ``keep_work``. ``driver_pairs``: verified pairs up to which
    connected components are found on the driver.
    """

    work_dir: str | None = None
    driver_pairs: int = DRIVER_PAIRS
    keep_work: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.driver_pairs, int) or self.driver_pairs < 0:
            raise ParameterError(f"driver_pairs must be at least 0, got {self.driver_pairs!r}")


class _Run:
    """One run's Spark session, work folder and progress."""

    def __init__(self, spark, params: Params, options: SparkOptions, progress: Progress | None) -> None:
        self.spark, self.params, self.options, self.progress = spark, params, options, progress
        self.own_work = options.work_dir is None
        if self.own_work and not spark.sparkContext.master.startswith("local"):
            raise ParameterError(f"Spark master {spark.sparkContext.master}: give a work folder every executor "
                                 f"reaches (--spark-work-dir hdfs://..., SparkOptions(work_dir=...))")
        self.work = options.work_dir or tempfile.mkdtemp(prefix="dedup-spark-")
        self.work = self.work.rstrip("/") + "/" + uuid.uuid4().hex[:12] if not self.own_work else self.work

    def step(self, name: str, done: int = 0, total: int | None = None) -> None:
        # Spark's UI (and its REST API, which benchmarks.spark_speed reads) lists jobs by step.
        self.spark.sparkContext.setJobGroup(f"dedup {name}", f"dedup: {name}")
        if self.progress is not None:
            self.progress(name, done, total)

    def saved(self, frame, name: str):
        """``frame`` written as Parquet and read back: a stage's output, computed once."""
        path = f"{self.work}/{name}"
        frame.write.mode("overwrite").parquet(path)
        return self.spark.read.parquet(path)

    def close(self) -> None:
        if self.options.keep_work:
            return
        if self.own_work:
            shutil.rmtree(self.work, ignore_errors=True)
            return
        jvm = self.spark.sparkContext._jvm
        path = jvm.org.apache.hadoop.fs.Path(self.work)
        path.getFileSystem(self.spark.sparkContext._jsc.hadoopConfiguration()).delete(path, True)


# ---------------------------------------------------------------------------
# Reading


def _read(run: _Run, inputs: Sequence[str | os.PathLike[str]], skip_bad: bool):
    """Documents (file, block, index, id, text, date, source, url, title) and what reading saw."""
    from pyspark.sql import functions as F

    spark = run.spark
    run.step("read")
    sources = list_sources(spark, inputs)
    names = [display(os.fspath(a)) for a in inputs]
    report = IngestReport()
    if not sources:
        raise nothing_read(names, [])
    rows = run.saved(read_rows(spark, sources), "read")
    place = ("file", "block", "index")
    docs = rows.where(F.col("row") == DOC)
    twice = (docs.groupBy("id").agg(F.count("*").alias("n"), F.min(F.struct(*place)).alias("first"))
             .where(F.col("n") > 1))
    losers = (docs.join(twice, "id").where(F.struct(*place) != F.col("first")).select("id", *place).collect())
    notes = [Note(r["row"], (r["file"], r["block"], r["index"]), r["location"] or "", r["reason"])
             for r in rows.where((F.col("row") != DOC)).select("row", *place, "location", "reason").collect()]
    lost = {(r["file"], r["block"], r["index"]) for r in losers}
    dated = [Note(-1, (r["file"], r["block"], r["index"]), "", r["date_note"])
             for r in docs.where(F.col("date_note").isNotNull()).select(*place, "date_note").collect()
             if (r["file"], r["block"], r["index"]) not in lost]
    duplicates = [Note(ERROR, (r["file"], r["block"], r["index"]), "", f"duplicate id {r['id']!r}") for r in losers]
    starts = line_starts(spark, sources, notes + dated + duplicates)

    def where(note: Note) -> tuple[str | None, int | None]:
        file, block, index = note.place
        source = sources[file]
        if note.kind == SKIPPED:
            return note.location, None
        if source.kind == "jsonl":
            return source.shown, starts.get((file, block), 0) + index + 1
        if source.kind == "parquet":
            return source.shown, index + 1
        return source.shown, None

    def location(note: Note) -> str:
        path, line = where(note)
        return f"{path}:{line}" if line is not None else str(path)

    failures = sorted((n for n in notes + duplicates if n.kind in (ERROR, SKIPPED)), key=lambda n: n.place)
    for note in failures:
        if note.kind == ERROR and not skip_bad:
            path, line = where(note)
            raise InputError(note.reason or "", path=path, line=line)
        report.skipped.append(Skipped(location(note), note.reason or ""))
    report.fallback_decoded.extend(location(n) for n in sorted((n for n in notes if n.kind == FALLBACK),
                                                               key=lambda n: n.place))
    report.ignored_dates.extend(Skipped(location(n), n.reason or "") for n in sorted(dated, key=lambda n: n.place))
    kept = docs.select(*place, "id", "text", "date", "source", "url", "title")
    if losers:
        gone = spark.createDataFrame([tuple(r[c] for c in place) for r in losers], "file int, block long, index long")
        kept = kept.join(F.broadcast(gone), list(place), "left_anti")
    return kept, report, names


# ---------------------------------------------------------------------------
# Signing, numbers


@dataclass
class _Index:
    """What the corpus-wide stages read: documents, passages, anchors, and their counts."""

    documents: object  # DataFrame (doc, id, text, date, source, url, title)
    passages: object  # DataFrame (passage, doc, start, end, kind, values, size)
    anchors: object  # DataFrame (doc, anchors)
    n_documents: int
    n_passages: int


def _offsets(spark, counts: dict[int, int], name: str):
    """A small DataFrame (part, ``name``): the first number of each partition."""
    rows, at = [], 0
    for part in sorted(counts):
        rows.append((part, at))
        at += counts[part]
    return spark.createDataFrame(rows, f"part int, {name} long"), at


def _sign(run: _Run, docs, anchors: bool) -> _Index:
    from pyspark.sql import functions as F

    spark, params = run.spark, run.params
    run.step("sign")
    options, batch_size = params.sign_options(anchors), params.batch_size
    by_id = docs.select("id", "text", "date", "source", "url", "title").orderBy("id")
    signed = run.saved(by_id.mapInArrow(lambda b: steps.sign_partition(b, options, batch_size), steps.SIGNED),
                       "signed")
    counts = (signed.groupBy("part")
              .agg(F.sum((F.col("row") == steps.DOC_ROW).cast("long")).alias("docs"),
                   F.sum((F.col("row") == steps.PASSAGE_ROW).cast("long")).alias("passages")).collect())
    doc_first, n_documents = _offsets(spark, {r["part"]: r["docs"] for r in counts}, "doc_first")
    passage_first, n_passages = _offsets(spark, {r["part"]: r["passages"] for r in counts}, "passage_first")
    numbered = (signed.join(F.broadcast(doc_first), "part").join(F.broadcast(passage_first), "part")
                .withColumn("doc", F.col("doc") + F.col("doc_first"))
                .withColumn("passage", F.col("passage") + F.col("passage_first")))
    # Documents and passages are read from the signed Parquet each time (a column scan and a
    # join with a few rows), not written again: the copy cost more than the reads it served.
    doc_rows = numbered.where(F.col("row") == steps.DOC_ROW)
    documents = doc_rows.select("doc", "id", "text", "date", "source", "url", "title")
    passages = (numbered.where(F.col("row") == steps.PASSAGE_ROW)
                .select("passage", "doc", "start", "end", "kind", "values", "size"))
    return _Index(documents, passages, doc_rows.select("doc", "anchors"), n_documents, n_passages)


def _shared(frame, key: tuple[str, ...], order: str):
    """Rows of ``frame`` whose ``key`` at least one other row has, sorted by
    (key, order) within partitions of the key. A row alone in its bucket can
    pair with nothing, and most are alone: they stay in the JVM."""
    from pyspark.sql import Window, functions as F

    window = Window.partitionBy(*key).orderBy(order).rowsBetween(Window.unboundedPreceding,
                                                                 Window.unboundedFollowing)
    counted = frame.repartition(*key).withColumn("_carriers", F.count(F.lit(1)).over(window))
    return counted.where(F.col("_carriers") > 1).drop("_carriers").sortWithinPartitions(*key, order)


# ---------------------------------------------------------------------------
# Candidates, verification, clusters


def _candidates(run: _Run, index: _Index):
    params = run.params
    bands, rows = params.lsh.bands
    num_perm, max_bucket = params.num_perm, params.lsh.max_bucket
    n_passages, n_documents = index.n_passages, index.n_documents
    run.step("candidates", 0, bands)
    keyed = index.passages.select("passage", "doc", "values").mapInArrow(
        lambda b: steps.band_partition(b, bands, rows, num_perm), steps.BANDS)
    # Sorted by key first, then band: Spark sorts on a 64-bit prefix of the first column, and
    # with the band (32 values) there every comparison fell through to whole rows (40% of
    # the step's CPU at 20,000 articles). Runs of one (band, key) stay contiguous either way.
    buckets = _shared(keyed, ("key", "band"), "passage")
    found = buckets.mapInArrow(lambda b: steps.bucket_partition(b, n_passages, n_documents, max_bucket),
                               steps.CANDIDATES)
    return run.saved(found.dropDuplicates(["pair"]), "candidates")


def _verify(run: _Run, index: _Index, candidates):
    from pyspark.sql import functions as F

    n, num_perm, options = index.n_passages, run.params.num_perm, run.params.verify
    run.step("verify")
    signatures = index.passages.select("passage", "values", "size")
    joined = (candidates.select("pair", _low("pair", n).alias("l"), (F.col("pair") % F.lit(n)).alias("r"))
              .join(signatures.select(F.col("passage").alias("l"), F.col("values").alias("values_l"),
                                      F.col("size").alias("size_l")), "l")
              .join(signatures.select(F.col("passage").alias("r"), F.col("values").alias("values_r"),
                                      F.col("size").alias("size_r")), "r"))
    return run.saved(joined.select("pair", "values_l", "size_l", "values_r", "size_r").mapInArrow(
        lambda b: steps.verify_partition(b, n, num_perm, options), steps.VERIFIED), "verified")


def _clusters(run: _Run, index: _Index, verified) -> list[Cluster]:
    from pyspark.sql import functions as F

    spark, num_perm, options = run.spark, run.params.num_perm, run.params.verify
    run.step("cluster")
    component = run.saved(components(spark, verified, run.work, run.options.driver_pairs), "components")
    node_rows = (component.join(index.passages.select(F.col("passage").alias("node"), "values", "size"), "node")
                 .select("component", F.lit(steps.NODE_ROW).cast("byte").alias("row"), F.col("node").alias("left"),
                         F.lit(None).cast("long").alias("right"), F.lit(None).cast("double").alias("jaccard"),
                         F.lit(None).cast("double").alias("containment"), "values", "size"))
    edge_rows = (verified.join(component.select(F.col("node").alias("left"), "component"), "left")
                 .select("component", F.lit(steps.EDGE_ROW).cast("byte").alias("row"), "left", "right", "jaccard",
                         "containment", F.lit(None).cast("binary").alias("values"),
                         F.lit(None).cast("int").alias("size")))
    grouped = (node_rows.unionByName(edge_rows).repartition("component")
               .sortWithinPartitions("component", "row", "left", "right")
               .mapInArrow(lambda b: steps.group_partition(b, num_perm, options), steps.GROUPED))
    placed = (grouped.join(index.passages.select(F.col("passage"), "doc", "start", "end"), "passage")
              .join(index.documents.select("doc", "id"), "doc")
              .orderBy("passage").toArrow())
    if placed.num_rows == 0:
        return []
    passage = placed.column("passage").to_numpy()
    label = np.searchsorted(passage, placed.column("label").to_numpy())
    doc_ids = sorted(set(placed.column("id").to_pylist()))
    doc = np.searchsorted(np.asarray(doc_ids, dtype=object), np.asarray(placed.column("id").to_pylist(), dtype=object))
    weakest = dict(zip(label.tolist(), placed.column("weakest").to_pylist()))
    return build_clusters(label, doc=doc, start=placed.column("start").to_numpy(), end=placed.column("end").to_numpy(),
                          doc_ids=doc_ids, weakest=weakest)


def _low(code: str, n: int):
    """The low number of the pair codes in column ``code`` (``low * n + high``): an integer
    division, exact for every code (a division of doubles is not, past 2**53)."""
    from pyspark.sql import functions as F

    return F.expr(f"`{code}` div {int(n)}")


def _cluster_stage(run: _Run, index: _Index):
    candidates = _candidates(run, index)
    verified = _verify(run, index, candidates)
    clusters = _clusters(run, index, verified)
    stats = {"documents": index.n_documents, "passages": index.n_passages, "candidates": candidates.count(),
             "verified": verified.count(), "clusters": len(clusters)}
    return clusters, candidates, stats


def _store(frame, order: str) -> DocumentStore:
    """Documents streamed to the driver into a store (which spills past its memory limit)."""
    store = DocumentStore()
    batch: list[Document] = []
    for r in frame.orderBy(order).toLocalIterator():
        batch.append(Document(r["id"], r["text"], r["date"], r["source"], r["url"], r["title"]))
        if len(batch) >= 1024:
            store.add(batch)
            batch = []
    store.add(batch)
    return store


# ---------------------------------------------------------------------------
# Document pairs, alignment


def _document_pairs(run: _Run, index: _Index, candidates):
    from pyspark.sql import functions as F

    options, n = run.params.anchor, index.n_documents
    run.step("pairs")
    # One packed column, sorted alone: Spark radix-sorts a single 64-bit key, where a sort on
    # (shingle, doc) compares rows. Shingles of one document (most) go through to the step,
    # which skips them, rather than a window counting carriers first (a sort on two columns).
    rows = index.anchors.mapInArrow(steps.anchor_partition, steps.ANCHORS)
    shared = (rows.repartition(F.shiftright("key", 32)).sortWithinPartitions("key")
              .mapInArrow(lambda b: steps.sharing_partition(b, n, options.max_df), steps.SHARED))
    counted = (shared.repartition("docs").sortWithinPartitions("docs")
               .mapInArrow(lambda b: steps.counted_partition(b, options.min_shared), steps.SHARED))
    pairs = candidates.select("docs").unionByName(counted).distinct()
    return run.saved(pairs.select(_low("docs", n).alias("left"), (F.col("docs") % F.lit(n)).alias("right")),
                     "pairs")


def _aligned(run: _Run, index: _Index, pairs):
    """The alignments of the document pairs (left, right, seq, then an Alignment's fields):
    in (left, right, seq) order, the in-process run's."""
    from pyspark.sql import functions as F

    options = run.params.align
    texts = index.documents.select("doc", "id", "text")
    joined = (pairs.join(texts.select(F.col("doc").alias("left"), F.col("id").alias("id_l"),
                                      F.col("text").alias("text_l")), "left")
              .join(texts.select(F.col("doc").alias("right"), F.col("id").alias("id_r"),
                                 F.col("text").alias("text_r")), "right"))
    return run.saved(joined.select("left", "right", "id_l", "text_l", "id_r", "text_r")
                     .mapInArrow(lambda b: steps.align_partition(b, options), steps.ALIGNED), "alignments")


def _align(run: _Run, index: _Index, pairs) -> list[Alignment]:
    aligned = _aligned(run, index, pairs)
    return [Alignment(r["a"], r["a_start"], r["a_end"], r["b"], r["b_start"], r["b_end"], r["similarity"],
                      r["tokens"])
            for r in aligned.orderBy("left", "right", "seq").toLocalIterator()]


# ---------------------------------------------------------------------------
# Entry points


def _indexed(run: _Run, inputs: Iterable[str | os.PathLike[str]], skip_bad: bool,
             anchors: bool) -> tuple[_Index, IngestReport]:
    docs, report, names = _read(run, list(inputs), skip_bad)
    index = _sign(run, docs, anchors)
    report.documents = index.n_documents
    if not index.n_documents:
        raise nothing_read(names, report.skipped)
    return index, report


def _paired(run: _Run, inputs: Iterable[str | os.PathLike[str]], skip_bad: bool):
    """What provenance needs before alignment: the index, what reading saw, the
    figures so far and the document pairs to align."""
    index, report = _indexed(run, inputs, skip_bad, anchors=True)
    _, candidates, stats = _cluster_stage(run, index)
    pairs = _document_pairs(run, index, candidates)
    stats["document_pairs"] = pairs.count()
    run.step("align", 0, stats["document_pairs"])
    return index, report, stats, pairs


def cluster_files(
    spark,
    inputs: Iterable[str | os.PathLike[str]],
    params: Params = Params(),
    *,
    skip_bad: bool = False,
    progress: Progress | None = None,
    options: SparkOptions = SparkOptions(),
) -> ClusterResult:
    """:func:`dedup.cluster_files` on a :class:`pyspark.sql.SparkSession`: the same clusters, byte for byte."""
    run = _Run(spark, params, options, progress)
    try:
        index, report = _indexed(run, inputs, skip_bad, anchors=False)
        clusters, _, stats = _cluster_stage(run, index)
        members = sorted({m.doc for c in clusters for m in c.members})
        from pyspark.sql import functions as F

        wanted = spark.createDataFrame([(d,) for d in members], "id string") if members else None
        store = _store(index.documents.join(F.broadcast(wanted), "id"), "doc") if wanted is not None else DocumentStore()
        return ClusterResult(clusters, store, stats, report, params)
    finally:
        run.close()


def provenance_files(
    spark,
    inputs: Iterable[str | os.PathLike[str]],
    params: Params = Params(),
    *,
    skip_bad: bool = False,
    progress: Progress | None = None,
    options: SparkOptions = SparkOptions(),
) -> ProvenanceResult:
    """:func:`dedup.provenance_files` on a :class:`pyspark.sql.SparkSession`: the same report, byte for byte.

    The report is assembled on the driver: every document streams into a
    :class:`~dedup.store.DocumentStore` (on local disk past 256 MB of text),
    and the alignments are held in memory."""
    run = _Run(spark, params, options, progress)
    try:
        index, report, stats, pairs = _paired(run, inputs, skip_bad)
        alignments = _align(run, index, pairs)
        run.step("provenance")
        store = _store(index.documents, "doc")
        o = params.provenance
        result = build_provenance(store, alignments, boilerplate_documents=o.boilerplate_documents,
                                  near_duplicate_coverage=o.near_duplicate_coverage,
                                  near_duplicate_similarity=o.near_duplicate_similarity, min_overlap=o.min_overlap)
        stats.update(alignments=len(alignments), reuse_clusters=len(result.clusters))
        return ProvenanceResult(result, store, stats, report, params)
    finally:
        run.close()
