"""The partition functions: the pipeline's public steps over Arrow batches.

Each function here is what one Spark stage runs in Python, on a whole
partition, and each calls the step of its stage module; none has logic of
its own beyond moving columns between Arrow and numpy and cutting the
sorted stream where the step needs it (:mod:`.arrow`). The JVM does every
shuffle, sort and join between them.
"""

from __future__ import annotations

from typing import Iterable, Iterator

import numpy as np
import pyarrow as pa

from ...align import Alignment
from ...cluster import Verified, group_passages, verify_pairs, weakest_links
from ...corpus import SignOptions, index_batch, sign_documents
from ...hashing import pair_codes
from ...index import Candidates, band_keys, bucket_pairs, runs_at_least, sharing_codes
from ...ingest import Document
from ...options import AlignOptions, ProvenanceOptions, VerifyOptions
from ...pipeline import align_documents
from ...provenance import build_provenance, reuse_drafts
from ...report import provenance_line
from .arrow import column, complete_runs, fixed_rows, table_batches, with_lead

# Rows of the signing stage.
DOC_ROW, PASSAGE_ROW = 0, 1

_FIELDS = ("id", "text", "date", "source", "url", "title")
SIGNED = ("row byte, part int, doc long, passage long, id string, text string, date string, source string, "
          "url string, title string, start long, end long, kind byte, values binary, size int, anchors binary")
_SIGNED = pa.schema([("row", pa.int8()), ("part", pa.int32()), ("doc", pa.int64()), ("passage", pa.int64()),
                     *((f, pa.string()) for f in _FIELDS), ("start", pa.int64()), ("end", pa.int64()),
                     ("kind", pa.int8()), ("values", pa.binary()), ("size", pa.int32()), ("anchors", pa.binary())])


def _task_partition() -> int:
    from pyspark import TaskContext

    context = TaskContext.get()
    return context.partitionId() if context is not None else 0


def sign_partition(batches: Iterable[pa.RecordBatch], options: SignOptions, batch_size: int
                   ) -> Iterator[pa.RecordBatch]:
    """:func:`~dedup.corpus.sign_documents` and :func:`~dedup.corpus.index_batch` over
    documents sorted by id (``id``, ``text``, ``date``, ``source``, ``url``,
    ``title``, which document rows carry on). Documents and passages are
    numbered within the partition, in order: with the partitions' counts they
    become the corpus's document numbers and passage ranks."""
    part = _task_partition()
    docs_before = passages_before = 0
    for table in table_batches(batches):
        fields = {f: table.column(f).to_pylist() for f in _FIELDS}
        ids, texts = fields["id"], fields["text"]
        for lo in range(0, len(ids), batch_size):
            documents = [Document(i, t) for i, t in zip(ids[lo : lo + batch_size], texts[lo : lo + batch_size])]
            signed = index_batch(sign_documents(documents, options))
            p, n_docs, n_passages = signed.passages, len(documents), len(signed.passages)
            anchors: list[bytes | None] = [None] * n_docs
            if signed.anchors is not None:
                docs, hashes = signed.anchors
                bounds = np.searchsorted(docs, np.arange(n_docs + 1))
                anchors = [hashes[a:b].tobytes() for a, b in zip(bounds[:-1], bounds[1:])]
            values = np.ascontiguousarray(signed.signatures.values)
            row = np.concatenate([np.full(n_docs, DOC_ROW, np.int8), np.full(n_passages, PASSAGE_ROW, np.int8)])
            width = values.shape[1] * values.itemsize if n_passages else 0
            offsets = np.concatenate([np.zeros(n_docs, np.int32), np.arange(n_passages + 1, dtype=np.int32) * width])
            passage_values = pa.Array.from_buffers(
                pa.binary(), n_docs + n_passages, [_validity(n_docs, n_passages), pa.py_buffer(offsets),
                                                   pa.py_buffer(values.tobytes())])
            null_ints = [None] * n_docs
            yield pa.RecordBatch.from_arrays([
                pa.array(row, pa.int8()),
                pa.array(np.full(n_docs + n_passages, part, np.int32)),
                pa.array(np.concatenate([np.arange(n_docs) + docs_before, p.doc.astype(np.int64) + docs_before])),
                pa.array(null_ints + (np.arange(n_passages) + passages_before).tolist(), pa.int64()),
                *(pa.array(fields[f][lo : lo + batch_size] + [None] * n_passages, pa.string()) for f in _FIELDS),
                pa.array(null_ints + p.start.astype(np.int64).tolist(), pa.int64()),
                pa.array(null_ints + p.end.astype(np.int64).tolist(), pa.int64()),
                pa.array(null_ints + p.kind.astype(np.int8).tolist(), pa.int8()),
                passage_values,
                pa.array(null_ints + signed.signatures.sizes.astype(np.int32).tolist(), pa.int32()),
                pa.array(anchors + [None] * n_passages, pa.binary()),
            ], schema=_SIGNED)
            docs_before += n_docs
            passages_before += n_passages


def _validity(docs: int, passages: int) -> pa.Buffer:
    return pa.array(np.concatenate([np.zeros(docs, bool), np.ones(passages, bool)])).buffers()[1]


BANDS = "band int, key long, passage long, doc long"


def band_partition(batches: Iterable[pa.RecordBatch], bands: int, rows: int, num_perm: int
                   ) -> Iterator[pa.RecordBatch]:
    """:func:`~dedup.index.band_keys` of passages (``passage``, ``doc``, ``values``): a row per band."""
    for table in table_batches(batches):
        keys = band_keys(fixed_rows(table, "values", num_perm), bands, rows)
        n = table.num_rows
        yield pa.RecordBatch.from_arrays([
            pa.array(np.tile(np.arange(bands, dtype=np.int32), n)),
            pa.array(keys.reshape(-1).view(np.int64)),
            pa.array(np.repeat(column(table, "passage", np.int64), bands)),
            pa.array(np.repeat(column(table, "doc", np.int64), bands)),
        ], names=["band", "key", "passage", "doc"])


CANDIDATES = "pair long, docs long"


def bucket_partition(batches: Iterable[pa.RecordBatch], passages: int, documents: int, max_bucket: int
                     ) -> Iterator[pa.RecordBatch]:
    """:func:`~dedup.index.bucket_pairs` over band rows sorted by (key, band,
    passage): candidate pair codes, with the codes of their documents. A bucket
    streams through with a lead of ``max_bucket`` rows, so a bucket of a
    million passages needs no more memory than a batch."""
    for table, first in with_lead(batches, max_bucket):
        band, key = column(table, "band"), column(table, "key")
        start = np.concatenate(([True], (band[1:] != band[:-1]) | (key[1:] != key[:-1])))
        run = np.cumsum(start)
        passage, doc = column(table, "passage", np.int64), column(table, "doc", np.int64)
        codes = bucket_pairs(run, passage, doc, passages, max_bucket, first=first)
        by_passage = np.argsort(passage, kind="stable")
        ordered = passage[by_passage]

        def doc_of(numbers: np.ndarray) -> np.ndarray:
            return doc[by_passage[np.searchsorted(ordered, numbers)]]

        docs = pair_codes(doc_of(codes // passages), doc_of(codes % passages), documents)
        yield pa.RecordBatch.from_arrays([pa.array(codes), pa.array(docs)], names=["pair", "docs"])


VERIFIED = "left long, right long, jaccard double, containment double"


def verify_partition(batches: Iterable[pa.RecordBatch], passages: int, num_perm: int, options: VerifyOptions
                     ) -> Iterator[pa.RecordBatch]:
    """:func:`~dedup.cluster.verify_pairs` of candidate pairs joined with both signatures."""
    for table in table_batches(batches):
        k = table.num_rows
        values = np.concatenate([fixed_rows(table, "values_l", num_perm), fixed_rows(table, "values_r", num_perm)])
        sizes = np.concatenate([column(table, "size_l"), column(table, "size_r")])
        found = verify_pairs(values, sizes, Candidates(np.arange(k), np.arange(k) + k),
                             threshold=options.threshold, containment_threshold=options.containment)
        pair = column(table, "pair", np.int64)
        yield pa.RecordBatch.from_arrays([
            pa.array(pair[found.left] // passages), pa.array(pair[found.left] % passages),
            pa.array(found.jaccard), pa.array(found.containment),
        ], names=["left", "right", "jaccard", "containment"])


# Rows of the grouping stage: a component's passages, then its verified pairs.
NODE_ROW, EDGE_ROW = 0, 1
GROUP_INPUT = ("component long, row byte, left long, right long, jaccard double, containment double, "
               "values binary, size int")
GROUPED = "passage long, label long, weakest double"


def group_partition(batches: Iterable[pa.RecordBatch], num_perm: int, options: VerifyOptions
                    ) -> Iterator[pa.RecordBatch]:
    """:func:`~dedup.cluster.group_passages` of whole connected components
    (rows sorted by component, then row kind and passage): components do not
    interact, so grouping several at once is grouping each alone. Each grouped
    passage gets its group's label (a passage rank) and weakest link."""
    for table in complete_runs(batches, ("component",)):
        row = column(table, "row")
        nodes_table, edges_table = table.filter(pa.array(row == NODE_ROW)), table.filter(pa.array(row == EDGE_ROW))
        nodes = column(nodes_table, "left", np.int64)
        order = np.argsort(nodes, kind="stable")
        nodes = nodes[order]
        values = fixed_rows(nodes_table, "values", num_perm)[order]
        sizes = column(nodes_table, "size", np.int64)[order]
        verified = Verified(np.searchsorted(nodes, column(edges_table, "left", np.int64)),
                            np.searchsorted(nodes, column(edges_table, "right", np.int64)),
                            column(edges_table, "jaccard", np.float64), column(edges_table, "containment", np.float64))
        labels = group_passages(values, sizes, verified, rank=nodes, threshold=options.threshold,
                                containment_threshold=options.containment)
        weakest = weakest_links(labels, verified)
        grouped = np.flatnonzero(labels >= 0)
        yield pa.RecordBatch.from_arrays([
            pa.array(nodes[grouped]), pa.array(nodes[labels[grouped]]),
            pa.array(np.array([weakest.get(int(x), 1.0) for x in labels[grouped].tolist()], np.float64)),
        ], names=["passage", "label", "weakest"])


ANCHORS = "key long"


def anchor_partition(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Each document's distinct shingles (``doc``, ``anchors``), a row each: the
    in-process key ``shingle << 32 | doc`` (as a signed 64-bit number, which
    keeps a shingle's rows together and in document order)."""
    for table in table_batches(batches):
        blobs = table.column("anchors").to_pylist()
        hashes = [np.frombuffer(b or b"", dtype=np.uint32) for b in blobs]
        docs = column(table, "doc", np.int64)
        counts = np.array([len(h) for h in hashes], np.int64)
        flat = np.concatenate(hashes) if hashes else np.zeros(0, np.uint32)
        keys = (flat.astype(np.uint64) << np.uint64(32)) | np.repeat(docs, counts).astype(np.uint64)
        yield pa.RecordBatch.from_arrays([pa.array(keys.view(np.int64))], names=["key"])


SHARED = "docs long"


def sharing_partition(batches: Iterable[pa.RecordBatch], documents: int, max_df: int) -> Iterator[pa.RecordBatch]:
    """:func:`~dedup.index.sharing_codes` over anchor keys sorted (a shingle's
    rows together, in document order)."""
    def with_shingle() -> Iterator[pa.RecordBatch]:
        for batch in batches:
            yield batch.append_column("shingle", pa.array(column(batch, "key") >> 32))

    for table in complete_runs(with_shingle(), ("shingle",), cap=max_df):
        keys = column(table, "key", np.int64).view(np.uint64)
        yield pa.RecordBatch.from_arrays([pa.array(sharing_codes(keys, documents, max_df))], names=["docs"])


def counted_partition(batches: Iterable[pa.RecordBatch], min_shared: int) -> Iterator[pa.RecordBatch]:
    """:func:`~dedup.index.runs_at_least` over document pair codes sorted."""
    for table in complete_runs(batches, ("docs",)):
        yield pa.RecordBatch.from_arrays([pa.array(runs_at_least(column(table, "docs", np.int64), min_shared))],
                                         names=["docs"])


ALIGNED = ("left long, right long, seq long, a string, a_start long, a_end long, b string, b_start long, "
           "b_end long, similarity double, tokens long")
_PAIRS_PER_CALL = 512


def align_partition(batches: Iterable[pa.RecordBatch], options: AlignOptions) -> Iterator[pa.RecordBatch]:
    """:func:`~dedup.pipeline.align_documents` of document pairs joined with both texts."""
    seq = 0
    for table in table_batches(batches):
        cols = {c: table.column(c).to_pylist() for c in ("left", "right", "id_l", "text_l", "id_r", "text_r")}
        for lo in range(0, table.num_rows, _PAIRS_PER_CALL):
            hi = min(lo + _PAIRS_PER_CALL, table.num_rows)
            pairs = [(Document(cols["id_l"][i], cols["text_l"][i]), Document(cols["id_r"][i], cols["text_r"][i]))
                     for i in range(lo, hi)]
            number = {}
            for i in range(lo, hi):
                number[(cols["id_l"][i], cols["id_r"][i])] = (cols["left"][i], cols["right"][i])
            found: list[Alignment] = align_documents(pairs, options)
            rows = []
            for al in found:
                left, right = number[(al.a, al.b)]
                rows.append({"left": left, "right": right, "seq": seq, "a": al.a, "a_start": al.a_start,
                             "a_end": al.a_end, "b": al.b, "b_start": al.b_start, "b_end": al.b_end,
                             "similarity": al.similarity, "tokens": al.tokens})
                seq += 1
            if rows:
                yield pa.RecordBatch.from_pylist(rows, schema=_ALIGNED)


_ALIGNED = pa.schema([("left", pa.int64()), ("right", pa.int64()), ("seq", pa.int64()), ("a", pa.string()),
                      ("a_start", pa.int64()), ("a_end", pa.int64()), ("b", pa.string()), ("b_start", pa.int64()),
                      ("b_end", pa.int64()), ("similarity", pa.float64()), ("tokens", pa.int64())])


# ---------------------------------------------------------------------------
# The report, a connected part at a time (documents joined by alignments).

_MEMBER = pa.struct([("doc", pa.string()), ("start", pa.int64()), ("end", pa.int64())])
DRAFTS = "component long, local int, members array<struct<doc: string, start: long, `end`: long>>"
_DRAFTS = pa.schema([("component", pa.int64()), ("local", pa.int32()), ("members", pa.list_(_MEMBER))])
_ALIGNMENT_FIELDS = ("a", "a_start", "a_end", "b", "b_start", "b_end", "similarity", "tokens")


def _parts(table: pa.Table, key: str) -> Iterator[tuple[int, pa.Table]]:
    """(key, rows) for each run of equal ``key`` in a table sorted by it."""
    values = column(table, key, np.int64)
    bounds = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1], [True])))
    for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        yield int(values[lo]), table.slice(lo, hi - lo)


def _alignments(table: pa.Table) -> list[Alignment]:
    cols = [table.column(c).to_pylist() for c in _ALIGNMENT_FIELDS]
    return [Alignment(*row) for row in zip(*cols)]


def draft_partition(batches: Iterable[pa.RecordBatch], min_overlap: float) -> Iterator[pa.RecordBatch]:
    """:func:`~dedup.provenance.reuse_drafts` of each connected part's
    alignments (rows sorted by component, then left, right, seq: the run's
    order): each reuse cluster's members, which give it its number."""
    for table in complete_runs(batches, ("component",)):
        components, locals_, members = [], [], []
        for component, part in _parts(table, "component"):
            for local, found in enumerate(reuse_drafts(_alignments(part), min_overlap)):
                components.append(component)
                locals_.append(local)
                members.append([{"doc": m.doc, "start": m.start, "end": m.end} for m in found])
        if components:
            yield pa.RecordBatch.from_arrays([pa.array(components, pa.int64()), pa.array(locals_, pa.int32()),
                                              pa.array(members, pa.list_(_MEMBER))], schema=_DRAFTS)


POSITIONS = "part int, position long, component long, local int"


def position_partition(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """Each row's partition and place in it, for a global number from the partitions' counts."""
    part, before = _task_partition(), 0
    for table in table_batches(batches):
        n = table.num_rows
        yield pa.RecordBatch.from_arrays([
            pa.array(np.full(n, part, np.int32)), pa.array(np.arange(before, before + n, dtype=np.int64)),
            table.column("component").combine_chunks(), table.column("local").combine_chunks(),
        ], names=["part", "position", "component", "local"])
        before += n


# Rows of the report stage: a part's documents, its alignments, its clusters' numbers.
REPORT_DOC, REPORT_ALIGNMENT, REPORT_NUMBER = 0, 1, 2
LINES = "id string, line string"
_LINES = pa.schema([("id", pa.string()), ("line", pa.string())])


def _report(documents: dict[str, Document], alignments: list[Alignment], options: ProvenanceOptions,
            numbers: list[int] | None) -> Iterator[tuple[str, str]]:
    report = build_provenance(documents, alignments, boilerplate_documents=options.boilerplate_documents,
                              near_duplicate_coverage=options.near_duplicate_coverage,
                              near_duplicate_similarity=options.near_duplicate_similarity,
                              min_overlap=options.min_overlap, cluster_numbers=numbers)
    for record in report.document_records():
        yield record["id"], provenance_line(record)[:-1]  # the line without its end: a row of text


def _documents(table: pa.Table) -> dict[str, Document]:
    fields = [table.column(f).to_pylist() for f in _FIELDS]
    return {row[0]: Document(*row) for row in zip(*fields)}


def report_partition(batches: Iterable[pa.RecordBatch], options: ProvenanceOptions) -> Iterator[pa.RecordBatch]:
    """:func:`~dedup.provenance.build_provenance` of each connected part (rows
    sorted by component, row kind, then document number; left, right, seq;
    or draft): its documents' JSON Lines records, with their clusters' numbers
    in the whole run."""
    for table in complete_runs(batches, ("component",)):
        lines: list[tuple[str, str]] = []
        for _, part in _parts(table, "component"):
            row = column(part, "row")
            documents = _documents(part.filter(pa.array(row == REPORT_DOC)))
            alignments = _alignments(part.filter(pa.array(row == REPORT_ALIGNMENT)))
            numbers = column(part.filter(pa.array(row == REPORT_NUMBER)), "k2", np.int64).tolist()
            lines.extend(_report(documents, alignments, options, numbers))
        if lines:
            yield pa.RecordBatch.from_pylist([{"id": i, "line": line} for i, line in lines], schema=_LINES)


def alone_partition(batches: Iterable[pa.RecordBatch], options: ProvenanceOptions) -> Iterator[pa.RecordBatch]:
    """:func:`~dedup.provenance.build_provenance` of documents no alignment
    touches (each a connected part of its own, without reuse)."""
    for table in table_batches(batches):
        lines = list(_report(_documents(table), [], options, None))
        yield pa.RecordBatch.from_pylist([{"id": i, "line": line} for i, line in lines], schema=_LINES)


def parquet_rows_partition(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """JSON Lines records as the rows of the Parquet report (its fixed schema)."""
    import json

    from ...report_parquet import provenance_schema

    schema = provenance_schema()
    for table in table_batches(batches):
        rows = [json.loads(line) for line in table.column("line").to_pylist()]
        yield from pa.Table.from_pylist(rows, schema=schema).to_batches()
