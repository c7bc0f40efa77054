"""The order of the steps, and the in-process engine that runs them.

Each step is a public, pure function in the module of its stage, taking its
own options object (:mod:`dedup.options`):

==========================================  =======================================
:func:`dedup.corpus.sign_documents`         a batch of documents -> ``SignedBatch``
:func:`dedup.corpus.index_batch`            what the corpus-wide steps keep of it
:func:`dedup.corpus.gather_signed`          signed batches -> ``CorpusIndex``
:func:`dedup.index.find_candidates`         corpus index -> candidate passage pairs
:func:`dedup.cluster.verify_candidates`     candidates -> verified pairs
:func:`dedup.cluster.cluster_index`         verified pairs -> clusters
:func:`dedup.index.document_pairs`          candidates + anchors -> document pairs
:func:`align_documents`                     a batch of document pairs -> alignments
:func:`dedup.provenance.build_provenance`   alignments -> provenance report
==========================================  =======================================

:func:`find_clusters` and :func:`find_provenance` are short recipes over
them. The engine here runs the per-document and per-pair steps over batches,
in worker processes with ``jobs > 1``, and keeps documents in a
:class:`~dedup.store.DocumentStore` until the report needs them. Nothing in a
result depends on the batch size, ``jobs`` or the input order.
"""

from __future__ import annotations

import os
import pickle
from collections import OrderedDict, deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from itertools import chain, islice
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Protocol, Sequence, TypeVar

import numpy as np

from .align import AlignDoc, Alignment, align_pair
from .cluster import Cluster, cluster_index, verify_candidates
from .corpus import CorpusIndex, SignedBatch, SignOptions, gather_signed, index_batch, sign_documents
from .errors import ParameterError
from .garbage import collection_paused
from .index import Candidates, DocumentPairs, document_pairs, find_candidates
from .ingest import Document, IngestReport, check_documents, input_bytes, read_documents
from .normalize import texts_for_tokens, tokenize_batch
from .options import (
    AlignOptions, AnchorOptions, LshOptions, ProvenanceOptions, SegmentOptions, VerifyOptions, reject,
)
from .provenance import ProvenanceReport, build_provenance
from .sign import Scheme
from .store import DocumentStore

T = TypeVar("T")

__all__ = [
    "Params", "Progress", "ClusterResult", "ProvenanceResult", "align_documents", "find_clusters",
    "cluster_files", "find_provenance", "provenance_files", "default_jobs", "provenance_of_index",
]

class Progress(Protocol):
    """What the pipeline tells as it goes: ``progress(step, done, total)``.

    ``done`` items of ``step`` are finished, of ``total`` when that is known
    (else None); each step is first told with ``done=0``. Steps, in order:
    ``sign`` (documents), ``candidates`` (LSH bands), ``verify`` (candidate
    pairs), ``cluster`` (verified pairs), then for provenance ``pairs``,
    ``align`` (document pairs) and ``provenance``. Reading files of a known
    size (:func:`cluster_files`, :func:`provenance_files`), ``sign`` is told
    as ``read``: bytes of the input files read, of their total. The library
    never prints: the command line draws these on stderr.
    """

    def __call__(self, step: str, done: int, total: int | None) -> None: ...


@dataclass(frozen=True)
class Params:
    """Parameters of a run: the flat set a user chooses. Each step gets its own
    options object from them (``params.lsh``, ``params.align``, ...), all built,
    and so all checked, when ``Params`` is."""

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
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            reject(Params, "batch_size", "be at least 1", self.batch_size)
        for options in ("scheme", "segment", "lsh", "verify", "anchor", "align", "provenance"):
            getattr(self, options)

    @property
    def scheme(self) -> Scheme:
        return Scheme(num_perm=self.num_perm, seed=self.seed, ngram=self.ngram)

    @property
    def segment(self) -> SegmentOptions:
        return SegmentOptions(self.min_tokens, self.max_tokens, self.window, self.stride, self.bridges)

    def sign_options(self, anchors: bool = False) -> SignOptions:
        """Options of :func:`~dedup.corpus.sign_documents`; ``anchors`` for provenance."""
        return SignOptions(self.scheme, self.segment, anchors)

    @property
    def lsh(self) -> LshOptions:
        return LshOptions(self.threshold, self.num_perm, self.max_bucket)

    @property
    def verify(self) -> VerifyOptions:
        return VerifyOptions(self.threshold, self.containment_threshold)

    @property
    def anchor(self) -> AnchorOptions:
        return AnchorOptions(self.anchor_max_df, self.anchor_min_shared)

    @property
    def align(self) -> AlignOptions:
        return AlignOptions(self.seed_ngram, self.max_gap, self.align_min_tokens, self.align_min_density,
                            self.rescue_similarity)

    @property
    def provenance(self) -> ProvenanceOptions:
        return ProvenanceOptions(self.boilerplate_documents, self.near_duplicate_coverage,
                                 self.near_duplicate_similarity)


@dataclass(frozen=True, eq=False)
class ClusterResult:
    """Clusters of a run, the documents they point into, and run figures."""

    clusters: list[Cluster]
    documents: Mapping[str, Document]  # a DocumentStore: large corpora wait on disk
    stats: dict[str, int]
    ingest: IngestReport = field(default_factory=IngestReport)
    params: Params = Params()


@dataclass(frozen=True, eq=False)
class ProvenanceResult:
    """The provenance report of a run, with the documents behind it."""

    report: ProvenanceReport
    documents: Mapping[str, Document]
    stats: dict[str, int]
    ingest: IngestReport = field(default_factory=IngestReport)
    params: Params = Params()


# ---------------------------------------------------------------------------
# Steps that live here: they join other steps' outputs.


def align_documents(pairs: Sequence[tuple[Document, Document]], options: AlignOptions = AlignOptions()) -> list[Alignment]:
    """Step: align a batch of document pairs. Pure and picklable."""
    return [a for found in _align_each(pairs, options) for a in found]


class _Prepared(OrderedDict):
    """The documents a process aligned last, with what alignment worked out
    of them (tokens, sentences, facts): pairs in locality order meet the same
    documents again in the next batches. Keyed by id and text, so a document
    is never taken for another that has its id; least recently used go first."""

    SIZE = 4096

    def get(self, key: tuple[str, str], default: AlignDoc | None = None) -> AlignDoc | None:
        if key in self:
            self.move_to_end(key)
            return self[key]
        return default

    def __setitem__(self, key: tuple[str, str], value: AlignDoc) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.SIZE:
            self.popitem(last=False)


_PREPARED = _Prepared()


def _align_each(pairs: Sequence[tuple[Document, Document]], options: AlignOptions) -> list[list[Alignment]]:
    """The alignments of each pair of a batch. A document's tokens and the
    facts alignment reads from them are worked out once per batch, however
    many of its pairs the batch holds, and kept for the next batches (a
    bounded cache: it saved 9% of alignment CPU on the 100k dump's pairs)."""
    unique = {d.id: d for pair in pairs for d in pair}
    views = {i: view for i, d in unique.items() if (view := _PREPARED.get((i, d.text))) is not None}
    ids = sorted(i for i in unique if i not in views)
    if ids:
        tokens = tokenize_batch(texts_for_tokens([unique[i].text for i in ids]))
        views.update((i, AlignDoc.from_batch(i, unique[i].text, tokens, k)) for k, i in enumerate(ids))
    _PREPARED.update(((i, d.text), views[i]) for i, d in unique.items())
    return [
        align_pair(
            views[a.id], views[b.id], seed_ngram=options.seed_ngram, max_gap=options.max_gap,
            min_tokens=options.min_tokens, min_density=options.min_density, max_repeats=options.max_repeats,
            rescue_similarity=options.rescue_similarity,
        )
        for a, b in pairs
    ]


# ---------------------------------------------------------------------------
# The in-process engine


def _step(progress: Progress | None, name: str, done: int = 0, total: int | None = None) -> None:
    if progress is not None:
        progress(name, done, total)


def _check_jobs(jobs: int) -> int:
    """Worker processes to use: more than the cores would only cost memory,
    and no result depends on the number."""
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        raise ParameterError(f"--jobs must be at least 1, got {jobs!r}")
    return min(jobs, default_jobs())


def _batches(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _sign_for_index(documents: Sequence[Document], options: SignOptions) -> SignedBatch:
    signed = index_batch(sign_documents(documents, options))
    if signed.anchors is not None:
        # In (shingle, document) order, the order the corpus index keeps them
        # in: sorted here, on a worker, they need no sort in the one process
        # that gathers every batch (450 million keys at a million articles).
        docs, hashes = signed.anchors
        keys = (hashes.astype(np.uint64) << np.uint64(32)) | docs.astype(np.uint64)  # one sort, not a lexsort
        keys.sort(kind="stable")  # runs of one document's sorted shingles: a merge sort is faster
        signed = replace(signed, anchors=((keys & np.uint64(0xFFFFFFFF)).astype(docs.dtype),
                                          (keys >> np.uint64(32)).astype(hashes.dtype)))
    return signed


def _signed(
    documents: Iterable[Document], options: SignOptions, batch_size: int, jobs: int, store: DocumentStore,
    progress: Progress | None,
) -> Iterator[SignedBatch]:
    """Signed batches in input order; every document goes into ``store`` on its way."""
    def remember(batch: list[Document]) -> list[Document]:
        store.add(batch)
        return batch

    done = 0
    _step(progress, "sign")
    for signed in _parallel_map(_sign_for_index, (remember(b) for b in _batches(documents, batch_size)), jobs,
                                options):
        done += len(signed.doc_ids)
        _step(progress, "sign", done)
        yield signed


def _parallel_map(fn: Callable[..., T], items: Iterable[object], jobs: int, *args: object) -> Iterator[T]:
    """``fn(item, *args)`` for each item, in input order, on ``jobs`` processes."""
    items = iter(items)
    first = list(islice(items, 2))
    if jobs <= 1 or len(first) < 2:  # a pool costs more than it saves on one batch
        for item in chain(first, items):
            yield fn(item, *args)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        yield from _ordered_map(pool, jobs, fn, chain(first, items), *args)


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


def _index(documents: Iterable[Document], params: Params, jobs: int, progress: Progress | None,
           anchors: bool) -> tuple[CorpusIndex, DocumentStore]:
    store = DocumentStore()
    signed = _signed(check_documents(documents), params.sign_options(anchors), params.batch_size, jobs, store,
                     progress)
    return gather_signed(signed), store


def _clusters(index: CorpusIndex, params: Params,
              progress: Progress | None) -> tuple[list[Cluster], Candidates, dict[str, int]]:
    bands = params.lsh.bands[0]
    _step(progress, "candidates", 0, bands)
    candidates = find_candidates(index, params.lsh, progress=lambda done: _step(progress, "candidates", done, bands))
    _step(progress, "verify", 0, len(candidates))
    verified = verify_candidates(index, candidates, params.verify)
    _step(progress, "cluster", 0, len(verified))
    clusters = cluster_index(index, verified, params.verify)
    stats = {"documents": index.documents, "passages": len(index.passages), "candidates": len(candidates),
             "verified": len(verified), "clusters": len(clusters)}
    return clusters, candidates, stats


def find_clusters(
    documents: Iterable[Document],
    params: Params = Params(),
    *,
    jobs: int = 1,
    progress: Progress | None = None,
    ingest: IngestReport | None = None,
) -> ClusterResult:
    """Run the pipeline up to verified clusters of shared passages.

    >>> from dedup import Document, find_clusters
    >>> shared = "The Office aims to have a close relationship with Security Council bodies and Member States."
    >>> result = find_clusters([Document("a", "Intro one. " + shared), Document("b", shared + " Outro.")])
    >>> [(m.doc, m.start, m.end) for c in result.clusters for m in c.members]
    [('a', 0, 103), ('b', 0, 99)]
    """
    jobs = _check_jobs(jobs)
    index, store = _index(documents, params, jobs, progress, anchors=False)
    clusters, _, stats = _clusters(index, params, progress)
    return ClusterResult(clusters, store, stats, ingest or IngestReport(), params)


_PAIRS_PER_BATCH = 512


def _locality_order(pairs: DocumentPairs, documents: int) -> np.ndarray:
    """An order of the pairs in which a document's pairs come close together:
    documents in breadth-first order over the graph of pairs, pairs by their
    ends' places in it. A batch of pairs in this order holds about half as
    many distinct documents as in id order (each is read and tokenized once
    per batch). Alignments do not depend on the order: only the time does."""
    ends = np.concatenate((pairs.left, pairs.right))
    others = np.concatenate((pairs.right, pairs.left))
    by_end = np.argsort(ends, kind="stable")
    neighbours = others[by_end].tolist()
    first = np.searchsorted(ends[by_end], np.arange(documents + 1)).tolist()
    place = [-1] * documents
    seen = 0
    for root in np.unique(ends).tolist():
        if place[root] >= 0:
            continue
        place[root], seen = seen, seen + 1
        queue = deque([root])
        while queue:
            x = queue.popleft()
            for y in neighbours[first[x] : first[x + 1]]:
                if place[y] < 0:
                    place[y], seen = seen, seen + 1
                    queue.append(y)
    at = np.asarray(place, dtype=np.int64)
    a, b = at[pairs.left], at[pairs.right]
    return np.lexsort((np.maximum(a, b), np.minimum(a, b)))


#: Batches of pairs whose spilled documents the operating system is asked to read ahead.
_READ_AHEAD = 4


def _pair_batches(pairs: DocumentPairs, order: np.ndarray, doc_ids: Sequence[str], documents: Mapping[str, Document]
                  ) -> Iterator[tuple[list[Document | bytes], list[int], list[int]]]:
    """Batches of pairs for :func:`_align_batch`: the batch's distinct documents,
    and the places in that list of each pair's two ends."""
    prefetch = getattr(documents, "prefetch", None)
    packed = getattr(documents, "packed", documents.__getitem__)
    # Each batch's pairs and distinct documents, worked out once, _READ_AHEAD
    # batches before it is yielded: alignment reads a spilled document at
    # random places of the store's file, and where the page cache has let it
    # go, each read waits for the disk (47 s more of alignment in one
    # million-article run). Asked that far ahead, the reads overlap with alignment.
    batches = ((picked, np.unique(pairs.left[picked]).tolist() + np.unique(pairs.right[picked]).tolist())
               for picked in (order[lo : lo + _PAIRS_PER_BATCH] for lo in range(0, len(order), _PAIRS_PER_BATCH)))
    ahead: deque[tuple[np.ndarray, list[int]]] = deque()

    def read_ahead() -> None:
        for picked, ends in islice(batches, _READ_AHEAD - len(ahead)):
            if prefetch is not None:
                prefetch(doc_ids[k] for k in ends)
            ahead.append((picked, ends))

    read_ahead()
    while ahead:
        picked, ends = ahead.popleft()
        read_ahead()
        # One entry per document in a batch, however many of its pairs. A
        # document in the store's file goes as the bytes the file holds: the
        # worker unpickles it, where this process would unpickle it only to
        # pickle it again for the worker (at a million articles, most of what
        # this process did while two workers aligned).
        place: dict[int, int] = {}
        docs: list[Document | bytes] = []
        for k in ends:
            if k not in place:
                place[k] = len(docs)
                docs.append(packed(doc_ids[k]))
        yield (docs, [place[a] for a in pairs.left[picked].tolist()], [place[b] for b in pairs.right[picked].tolist()])


def _align_batch(batch: tuple[list[Document | bytes], list[int], list[int]], options: AlignOptions
                 ) -> list[list[Alignment]]:
    """:func:`_align_each` of a batch from :func:`_pair_batches` (on a worker)."""
    packed, left, right = batch
    docs = [pickle.loads(d) if isinstance(d, bytes) else d for d in packed]
    return _align_each([(docs[a], docs[b]) for a, b in zip(left, right)], options)


def find_provenance(
    documents: Iterable[Document],
    params: Params = Params(),
    *,
    jobs: int = 1,
    progress: Progress | None = None,
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
    jobs = _check_jobs(jobs)
    index, store = _index(documents, params, jobs, progress, anchors=True)
    return provenance_of_index(index, store, params, jobs=jobs, progress=progress, ingest=ingest)


@collection_paused()  # alignments come back by the million: see dedup.garbage
def provenance_of_index(
    index: CorpusIndex,
    store: Mapping[str, Document],
    params: Params = Params(),
    *,
    jobs: int = 1,
    progress: Progress | None = None,
    ingest: IngestReport | None = None,
    aligned: Mapping[tuple[str, str], Sequence[Alignment]] | None = None,
) -> ProvenanceResult:
    """:func:`find_provenance` from a gathered corpus index (with anchors) and
    its documents. ``aligned`` holds pairs (by document ids, in pair order)
    aligned before, with their alignments: alignment is a pure step of the two
    documents, so they are taken as they are (the archive keeps them)."""
    jobs = _check_jobs(jobs)
    _, candidates, stats = _clusters(index, params, progress)
    _step(progress, "pairs")
    index = replace(index, signatures=None, rank=index.rank[:0])  # 2 GB at a million articles, not needed now
    pairs = document_pairs(index, candidates, params.anchor)
    doc_ids = index.doc_ids
    del index, candidates  # alignment needs only the documents
    _step(progress, "align", 0, len(pairs))
    found: list[list[Alignment]] = [[] for _ in range(len(pairs))]
    todo = np.arange(len(pairs))
    if aligned:  # pairs aligned before are taken as they are: alignment is a pure step of the two documents
        known = []
        for k, (a, b) in enumerate(zip(pairs.left.tolist(), pairs.right.tolist())):
            if (before := aligned.get((doc_ids[a], doc_ids[b]))) is not None:
                found[k] = list(before)
                known.append(k)
        todo = np.setdiff1d(todo, np.asarray(known, dtype=np.int64))
    order = todo[_locality_order(DocumentPairs(pairs.left[todo], pairs.right[todo]), len(doc_ids))]
    done = len(pairs) - len(todo)
    for lo, each in zip(range(0, len(order), _PAIRS_PER_BATCH),
                        _parallel_map(_align_batch, _pair_batches(pairs, order, doc_ids, store), jobs, params.align)):
        for k, alignments_of_pair in zip(order[lo : lo + _PAIRS_PER_BATCH].tolist(), each):
            found[k] = alignments_of_pair
        done += len(each)
        _step(progress, "align", done, len(pairs))
    _PREPARED.clear()  # (with --jobs 1 it is this process's)
    alignments = [a for of_pair in found for a in of_pair]  # in the order of the pairs, whatever order aligned them
    del found
    _step(progress, "provenance")
    options = params.provenance
    report = build_provenance(store, alignments, boilerplate_documents=options.boilerplate_documents,
                              near_duplicate_coverage=options.near_duplicate_coverage,
                              near_duplicate_similarity=options.near_duplicate_similarity,
                              min_overlap=options.min_overlap)
    stats.update(document_pairs=len(pairs), alignments=len(alignments), reuse_clusters=len(report.clusters))
    return ProvenanceResult(report, store, stats, ingest or IngestReport(), params)


def _over_files(run: Callable[..., T], inputs: Iterable[str | Path], params: Params, skip_bad: bool, jobs: int,
                progress: Progress | None) -> T:
    """``run`` over the documents of ``inputs``, reading told in bytes of their total where it is known."""
    report, inputs = IngestReport(), list(inputs)
    documents = read_documents(inputs, skip_bad=skip_bad, report=report)
    total = input_bytes(inputs) if progress is not None else None
    told = progress if progress is None or not total else _ReadInBytes(progress, report, total)
    return run(documents, params, jobs=jobs, progress=told, ingest=report)


@dataclass(frozen=True)
class _ReadInBytes:
    """A :class:`Progress` that tells signing as bytes of the input files read, of their total."""

    progress: Progress
    report: IngestReport
    total: int

    def __call__(self, step: str, done: int, total: int | None) -> None:
        if step == "sign":
            self.progress("read", min(self.report.bytes_read, self.total), self.total)
        else:
            self.progress(step, done, total)


def cluster_files(
    inputs: Iterable[str | Path],
    params: Params = Params(),
    *,
    skip_bad: bool = False,
    jobs: int = 1,
    progress: Progress | None = None,
) -> ClusterResult:
    """:func:`find_clusters` over files, folders, JSON Lines/CSV dumps or ``-`` (stdin)."""
    return _over_files(find_clusters, inputs, params, skip_bad, jobs, progress)


def provenance_files(
    inputs: Iterable[str | Path],
    params: Params = Params(),
    *,
    skip_bad: bool = False,
    jobs: int = 1,
    progress: Progress | None = None,
) -> ProvenanceResult:
    """:func:`find_provenance` over files, folders, JSON Lines/CSV dumps or ``-`` (stdin)."""
    return _over_files(find_provenance, inputs, params, skip_bad, jobs, progress)


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
