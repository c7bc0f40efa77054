"""The order of the stages, and nothing else.

``sign_documents`` is the pure, batch-shaped part (normalise, tokenise, cut
passages, sign) that runs anywhere: in-process, in worker processes, or as a
map over partitions on a cluster engine. ``find_clusters`` gathers the signed
batches and runs the global part (index, verify, cluster).
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import chain, islice
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence, TypeVar

import numpy as np

from .align import AlignDoc, Alignment, align_pair
from .cluster import Cluster, build_clusters, group_passages, verify_pairs
from .errors import ParameterError
from .index import lsh_candidates, optimal_bands, packed_anchor_pairs
from .ingest import Document, IngestReport, read_documents
from .normalize import sorted_unique, texts_for_tokens, tokenize_batch
from .provenance import ProvenanceReport, build_provenance
from .segment import Passages, segment_batch
from .sign import Scheme, Signatures, document_anchors, sign_batch
from .store import DocumentStore

T = TypeVar("T")

__all__ = [
    "Params", "SignedBatch", "ClusterResult", "ProvenanceResult", "sign_documents", "index_batch", "gather_signed",
    "passage_rank", "align_documents", "find_clusters", "cluster_files", "find_provenance",
    "provenance_files",
]


@dataclass(frozen=True)
class Params:
    """Parameters of a run. Stages take the ones they need as keywords."""

    threshold: float = 0.5
    containment_threshold: float = 0.8
    num_perm: int = 128
    ngram: int = 5
    seed: int = 1
    min_tokens: int = 8
    max_tokens: int = 120
    window: int = 3
    stride: int = 2
    bridges: bool = False
    max_bucket: int = 32
    batch_size: int = 256
    # Provenance: alignment and reporting.
    align_min_tokens: int = 12
    seed_ngram: int = 3
    max_gap: int = 8
    align_min_density: float = 0.5
    rescue_similarity: float = 0.65
    boilerplate_documents: int = 5
    near_duplicate_coverage: float = 0.8
    near_duplicate_similarity: float = 0.96
    anchor_max_df: int = 50
    anchor_min_shared: int = 4

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold < 1.0:
            raise ParameterError(f"threshold must be strictly between 0 and 1, got {self.threshold}")
        if not 0.0 < self.containment_threshold <= 1.0:
            raise ParameterError(f"containment_threshold must be in (0, 1], got {self.containment_threshold}")
        if self.batch_size < 1 or self.max_bucket < 1:
            raise ParameterError("batch_size and max_bucket must be at least 1")
        Scheme(num_perm=self.num_perm, seed=self.seed, ngram=self.ngram)  # checks them

    @property
    def scheme(self) -> Scheme:
        return Scheme(num_perm=self.num_perm, seed=self.seed, ngram=self.ngram)


@dataclass(frozen=True, eq=False)
class SignedBatch:
    """What the per-document stages make of one batch of documents."""

    doc_ids: tuple[str, ...]
    passages: Passages
    signatures: Signatures
    anchors: tuple[np.ndarray, np.ndarray] | None = None  # (document index, shingle hash)


def sign_documents(documents: Sequence[Document], params: Params = Params(), anchors: bool = False) -> SignedBatch:
    """Normalise, tokenise, segment and sign one batch. Pure and picklable.

    With ``anchors``, also every document's distinct shingle hashes, which
    provenance uses to find document pairs that share less than a passage.
    """
    tokens = tokenize_batch(texts_for_tokens([d.text for d in documents]))
    passages = segment_batch(
        [d.text for d in documents],
        tokens,
        min_tokens=max(params.min_tokens, params.ngram),
        max_tokens=params.max_tokens,
        window=params.window,
        stride=params.stride,
        bridges=params.bridges,
    )
    signatures = sign_batch(tokens, passages, params.scheme)
    found = document_anchors(tokens, params.ngram) if anchors else None
    return SignedBatch(tuple(d.id for d in documents), passages, signatures, found)


@dataclass(frozen=True, eq=False)
class ClusterResult:
    """Clusters of a run, the documents they point into, and run figures."""

    clusters: list[Cluster]
    documents: Mapping[str, Document]  # a DocumentStore: large corpora wait on disk
    stats: dict[str, int]
    ingest: IngestReport = field(default_factory=IngestReport)
    params: Params = Params()


def _batches(documents: Iterable[Document], size: int) -> Iterator[list[Document]]:
    iterator = iter(documents)
    while batch := list(islice(iterator, size)):
        yield batch


def index_batch(signed: SignedBatch) -> SignedBatch:
    """What the corpus-wide stages keep of a signed batch: 8-bit signatures
    (see :meth:`Signatures.bbit`) and 32-bit passage columns, about 150 bytes
    a passage instead of 560. Pure, so it runs where the batch was signed."""
    p = signed.passages
    narrow = np.int32 if len(p) == 0 or int(p.end.max()) < 2**31 else np.int64
    passages = Passages(*(getattr(p, f).astype(narrow) for f in ("doc", "start", "end", "token_start", "token_end")),
                        p.kind)
    narrowed = signed.signatures.bbit(8)
    return replace(signed, passages=passages, signatures=replace(narrowed, sizes=narrowed.sizes.astype(np.int32)))


def _sign_for_index(documents: Sequence[Document], params: Params, anchors: bool) -> SignedBatch:
    return index_batch(sign_documents(documents, params, anchors))


def _signed(
    documents: Iterable[Document], params: Params, jobs: int, store: DocumentStore,
    progress: Callable[[int], None] | None, anchors: bool,
) -> Iterator[SignedBatch]:
    def remember(batch: list[Document]) -> list[Document]:
        store.add(batch)
        return batch

    batches = (remember(b) for b in _batches(documents, params.batch_size))
    first = list(islice(batches, 2))
    batches = chain(first, batches)
    if jobs <= 1 or len(first) < 2:  # a pool costs more than it saves on one batch
        for batch in batches:
            signed = _sign_for_index(batch, params, anchors)
            if progress:
                progress(len(signed.doc_ids))
            yield signed
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for signed in _ordered_map(pool, jobs, _sign_for_index, batches, params, anchors):
            if progress:
                progress(len(signed.doc_ids))
            yield signed


def _ordered_map(pool: ProcessPoolExecutor, jobs: int, fn: Callable[..., T], items: Iterable[object],
                 *args: object) -> Iterator[T]:
    """``pool.map(fn, items, *args)``, in input order (so --jobs N gives the
    same bytes as --jobs 1), with only a few items in flight: ``Executor.map``
    submits every item at once, which would read the whole corpus into memory."""
    pending: deque[Future[T]] = deque()
    for item in items:
        pending.append(pool.submit(fn, item, *args))
        if len(pending) >= 2 * jobs:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


_PASSAGE_FIELDS = ("doc", "start", "end", "token_start", "token_end", "kind")


class _Columns:
    """The corpus's passage columns and signatures, gathered batch by batch.

    A million articles make gigabytes of signatures, which must not be held
    twice: batches are merged into blocks of about 64 MiB as they arrive, and
    at the end each block is copied into the final arrays and released (a
    block that large has its own memory map, which goes back to the system
    at once).
    """

    _BLOCK_BYTES = 64 << 20

    def __init__(self) -> None:
        self.doc_ids: list[str] = []
        self.scheme: Scheme | None = None
        self._batches: list[dict[str, np.ndarray]] = []
        self._batch_bytes = 0
        self._blocks: list[dict[str, np.ndarray]] = []

    def add(self, signed: SignedBatch) -> None:
        columns = {f: getattr(signed.passages, f) for f in _PASSAGE_FIELDS}
        columns["doc"] = columns["doc"] + len(self.doc_ids)
        columns["values"] = signed.signatures.values
        columns["sizes"] = signed.signatures.sizes
        self.doc_ids.extend(signed.doc_ids)
        self.scheme = signed.signatures.scheme
        self._batches.append(columns)
        self._batch_bytes += sum(c.nbytes for c in columns.values())
        if self._batch_bytes >= self._BLOCK_BYTES:
            self._merge()

    def _merge(self) -> None:
        if self._batches:
            self._blocks.append({f: np.concatenate([b[f] for b in self._batches]) for f in self._batches[0]})
        self._batches, self._batch_bytes = [], 0

    def finish(self) -> tuple[list[str], Passages, Signatures | None]:
        self._merge()
        if not self._blocks or not sum(len(b["doc"]) for b in self._blocks):
            return self.doc_ids, Passages(*([np.zeros(0, np.int64)] * 5), np.zeros(0, np.uint8)), None
        n = sum(len(b["doc"]) for b in self._blocks)
        first = self._blocks[0]
        # A batch may have needed wider columns than the others (a document of
        # over 2**31 characters): the widest dtype wins.
        out = {f: np.empty((n, *a.shape[1:]), dtype=np.result_type(*(b[f] for b in self._blocks)))
               for f, a in first.items()}
        at = 0
        while self._blocks:
            block = self._blocks.pop(0)
            size = len(block["doc"])
            for f, column in block.items():
                out[f][at : at + size] = column
            at += size
            del block
        assert self.scheme is not None
        passages = Passages(*(out[f] for f in _PASSAGE_FIELDS))
        return self.doc_ids, passages, Signatures(out["values"], out["sizes"], self.scheme)


def gather_signed(batches: Iterable[SignedBatch]) -> tuple[list[str], Passages, Signatures | None]:
    """The corpus-wide columns of signed batches (best made by :func:`index_batch`):
    document ids, passages with corpus document numbers, and signatures (None
    when no passage was cut). Each batch is dropped as soon as it is copied."""
    columns = _Columns()
    for b in batches:
        columns.add(b)
    return columns.finish()


def passage_rank(doc_ids: Sequence[str], passages: Passages) -> np.ndarray:
    """Rank of each passage by (document id, start, end, kind): input order plays no part.

    Passages arrive grouped by document and, within one, in (start, end,
    kind) order (as :func:`segment_batch` cuts them), so only the documents
    need sorting.
    """
    n_docs = len(doc_ids)
    doc = passages.doc.astype(np.int64)
    counts = np.bincount(doc, minlength=n_docs)
    first_index = np.zeros(n_docs, dtype=np.int64)
    np.cumsum(counts[:-1], out=first_index[1:])
    by_id = np.argsort(np.asarray(doc_ids, dtype=object), kind="stable")
    first_rank = np.zeros(n_docs, dtype=np.int64)
    first_rank[by_id] = np.concatenate(([0], np.cumsum(counts[by_id])[:-1]))
    return first_rank[doc] + (np.arange(len(doc), dtype=np.int64) - first_index[doc])


def find_clusters(
    documents: Iterable[Document],
    params: Params = Params(),
    *,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    ingest: IngestReport | None = None,
) -> ClusterResult:
    """Run the whole pipeline up to verified clusters of shared passages.

    ``progress`` is called with the number of documents in each signed batch.

    >>> from dedup import Document, find_clusters
    >>> shared = "The Office aims to have a close relationship with Security Council bodies and Member States."
    >>> result = find_clusters([Document("a", "Intro one. " + shared), Document("b", shared + " Outro.")])
    >>> [(m.doc, m.start, m.end) for c in result.clusters for m in c.members]
    [('a', 0, 103), ('b', 0, 99)]
    """
    return _cluster_run(documents, params, jobs, progress, ingest, anchors=False)[0]


def _cluster_run(
    documents: Iterable[Document], params: Params, jobs: int,
    progress: Callable[[int], None] | None, ingest: IngestReport | None, *, anchors: bool,
) -> tuple[ClusterResult, list[tuple[str, str]]]:
    """Clusters, and the document pairs worth aligning (those with an LSH
    candidate passage pair and, with ``anchors``, those sharing rare
    shingles)."""
    if jobs < 1:
        raise ParameterError(f"jobs must be at least 1, got {jobs}")
    kept = DocumentStore()
    columns = _Columns()
    anchor_keys: list[np.ndarray] = []  # for provenance: anchor << 32 | document, 8 bytes each
    for signed in _signed(documents, params, jobs, kept, progress, anchors):
        if anchors:
            anchor_keys.append(_packed_anchors(signed, len(columns.doc_ids)))
        columns.add(signed)
    anchor_codes = _anchor_pair_codes(anchor_keys, len(columns.doc_ids), params) if anchors else np.zeros(0, np.int64)
    doc_ids, passages, signatures = columns.finish()
    stats = {"documents": len(doc_ids), "passages": len(passages), "candidates": 0, "verified": 0, "clusters": 0}
    if signatures is None or len(passages) == 0:
        return ClusterResult([], kept, stats, ingest or IngestReport(), params), _pairs(doc_ids, anchor_codes)
    bands, rows = optimal_bands(params.threshold, params.num_perm)
    rank = passage_rank(doc_ids, passages)
    candidates = lsh_candidates(
        signatures.values, bands, rows, groups=passages.doc, rank=rank, max_bucket=params.max_bucket
    )
    verified = verify_pairs(
        signatures.values, signatures.sizes, candidates,
        threshold=params.threshold, containment_threshold=params.containment_threshold,
    )
    labels = group_passages(
        signatures.values, signatures.sizes, verified, rank=rank,
        threshold=params.threshold, containment_threshold=params.containment_threshold,
    )
    clusters = build_clusters(
        labels, doc=passages.doc, start=passages.start, end=passages.end, doc_ids=doc_ids, verified=verified
    )
    stats.update(candidates=len(candidates), verified=len(verified), clusters=len(clusters))
    left, right = passages.doc[candidates.left].astype(np.int64), passages.doc[candidates.right].astype(np.int64)
    lsh_codes = np.minimum(left, right) * len(doc_ids) + np.maximum(left, right)
    pairs = _pairs(doc_ids, np.concatenate([lsh_codes, anchor_codes]))
    return ClusterResult(clusters, kept, stats, ingest or IngestReport(), params), pairs


def _packed_anchors(signed: SignedBatch, offset: int) -> np.ndarray:
    """A batch's anchors as keys ``shingle hash << 32 | corpus document number``."""
    if signed.anchors is None:
        return np.zeros(0, np.uint64)
    if offset + len(signed.doc_ids) > 2**32:
        raise ParameterError("provenance takes at most 2**32 documents per run")
    docs, hashes = signed.anchors
    return (hashes.astype(np.uint64) << np.uint64(32)) | (docs + offset).astype(np.uint64)


def _anchor_pair_codes(keys: list[np.ndarray], documents: int, params: Params) -> np.ndarray:
    if not keys:
        return np.zeros(0, np.int64)
    joined = np.concatenate(keys)
    keys.clear()  # the caller's list: each batch's keys go as soon as they are joined
    found = packed_anchor_pairs(joined, documents, max_df=params.anchor_max_df, min_shared=params.anchor_min_shared)
    return found.left * documents + found.right


def _pairs(doc_ids: Sequence[str], codes: np.ndarray) -> list[tuple[str, str]]:
    """Document id pairs from codes ``low * n + high``, each once, sorted by id."""
    n = len(doc_ids)
    out = set()
    for c in sorted_unique(codes).tolist():
        a, b = doc_ids[c // n], doc_ids[c % n]
        out.add((a, b) if a < b else (b, a))
    return sorted(out)


def cluster_files(
    inputs: Iterable[str | Path],
    params: Params = Params(),
    *,
    skip_bad: bool = False,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> ClusterResult:
    """:func:`find_clusters` over files, folders, JSON Lines/CSV dumps or ``-`` (stdin)."""
    report = IngestReport()
    documents = read_documents(inputs, skip_bad=skip_bad, report=report)
    return find_clusters(documents, params, jobs=jobs, progress=progress, ingest=report)


def align_documents(pairs: Sequence[tuple[Document, Document]], params: Params = Params()) -> list[Alignment]:
    """Align a batch of document pairs. Pure and picklable, like :func:`sign_documents`."""
    unique = {d.id: d for pair in pairs for d in pair}
    ids = sorted(unique)
    tokens = tokenize_batch(texts_for_tokens([unique[i].text for i in ids]))
    views = {i: AlignDoc.from_batch(i, unique[i].text, tokens, k) for k, i in enumerate(ids)}
    out: list[Alignment] = []
    for a, b in pairs:
        out.extend(
            align_pair(
                views[a.id], views[b.id], seed_ngram=params.seed_ngram, max_gap=params.max_gap,
                min_tokens=params.align_min_tokens, min_density=params.align_min_density,
                rescue_similarity=params.rescue_similarity,
            )
        )
    return out


@dataclass(frozen=True, eq=False)
class ProvenanceResult:
    """The provenance report of a run, with the clusters and documents behind it."""

    report: ProvenanceReport
    documents: dict[str, Document]
    stats: dict[str, int]
    ingest: IngestReport = field(default_factory=IngestReport)
    params: Params = Params()


_PAIRS_PER_BATCH = 512


def find_provenance(
    documents: Iterable[Document],
    params: Params = Params(),
    *,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    ingest: IngestReport | None = None,
) -> ProvenanceResult:
    """Every reused span of every document, what it matches and where it came from.

    >>> from dedup import Document, find_provenance
    >>> shared = ("The Office aims to have a close relationship with Security Council bodies and "
    ...           "Member States, strengthening existing and developing new partnerships.")
    >>> result = find_provenance([
    ...     Document("a", "First report. " + shared, date="2018-05-01"),
    ...     Document("b", shared + " Later words.", date="2018-05-03")])
    >>> [(s.start, s.end, s.role, s.origin) for s in result.report.documents[1].spans]
    [(0, 148, 'copy', 'a')]
    """
    clustered, pairs = _cluster_run(documents, params, jobs, progress, ingest, anchors=True)
    docs = clustered.documents
    batches = (
        [(docs[a], docs[b]) for a, b in pairs[i : i + _PAIRS_PER_BATCH]]
        for i in range(0, len(pairs), _PAIRS_PER_BATCH)
    )
    alignments: list[Alignment] = []
    if jobs > 1 and len(pairs) > _PAIRS_PER_BATCH:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for found in _ordered_map(pool, jobs, align_documents, batches, params):
                alignments.extend(found)
    else:
        for batch in batches:
            alignments.extend(align_documents(batch, params))
    report = build_provenance(
        docs, alignments, boilerplate_documents=params.boilerplate_documents,
        near_duplicate_coverage=params.near_duplicate_coverage,
        near_duplicate_similarity=params.near_duplicate_similarity,
    )
    stats = {**clustered.stats, "document_pairs": len(pairs), "alignments": len(alignments),
             "reuse_clusters": len(report.clusters)}
    return ProvenanceResult(report, docs, stats, clustered.ingest, params)


def provenance_files(
    inputs: Iterable[str | Path],
    params: Params = Params(),
    *,
    skip_bad: bool = False,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
) -> ProvenanceResult:
    """:func:`find_provenance` over files, folders, JSON Lines/CSV dumps or ``-`` (stdin)."""
    report = IngestReport()
    documents = read_documents(inputs, skip_bad=skip_bad, report=report)
    return find_provenance(documents, params, jobs=jobs, progress=progress, ingest=report)


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
