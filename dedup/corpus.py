"""Signed batches and the corpus index they gather into.

:func:`sign_documents` is the per-document step (normalise, tokenise, cut
passages, sign, and for provenance take each document's distinct shingles):
pure and picklable, so it runs in-process, in worker processes, or on the
partitions of a cluster engine. :func:`index_batch` keeps what the
corpus-wide steps need of a batch, and :func:`gather_signed` joins any number
of batches, signed anywhere and in any order, into one :class:`CorpusIndex`.

How the corpus was cut into batches leaves no trace in the index's content:
passages are ranked by (document id, start, end, kind), and every later step
orders its work by those ranks and by document ids, never by batch or input
position.
"""

from __future__ import annotations

import tempfile
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import IO, Callable, Iterable, Iterator, Sequence, TypeVar

import numpy as np

from .errors import ParameterError
from .ingest import Document
from .normalize import texts_for_tokens, tokenize_batch
from .options import SegmentOptions
from .segment import Passages, segment_batch
from .sign import Scheme, Signatures, document_anchors, sign_batch

T = TypeVar("T")

__all__ = ["SignOptions", "SignedBatch", "KeyPartitions", "CorpusIndex", "sign_documents", "index_batch", "gather_signed",
           "passage_rank"]

_PASSAGE_FIELDS = ("doc", "start", "end", "token_start", "token_end", "kind")


@dataclass(frozen=True)
class SignOptions:
    """Options of :func:`sign_documents`: the MinHash scheme, how to cut
    passages, and whether to take anchors (each document's distinct shingles,
    which provenance needs to find pairs sharing less than a passage)."""

    scheme: Scheme = field(default_factory=Scheme)
    segment: SegmentOptions = field(default_factory=SegmentOptions)
    anchors: bool = False


@dataclass(frozen=True, eq=False)
class SignedBatch:
    """What the per-document steps make of one batch of documents.

    ``passages.doc`` numbers documents within the batch (``doc_ids[k]``).
    """

    doc_ids: tuple[str, ...]
    passages: Passages
    signatures: Signatures
    anchors: tuple[np.ndarray, np.ndarray] | None = None  # (document number, shingle hash), grouped by document


def sign_documents(documents: Sequence[Document], options: SignOptions = SignOptions()) -> SignedBatch:
    """Normalise, tokenise, segment and sign one batch. Pure and picklable.

    >>> batch = sign_documents([Document("a", "Twelve words that make up one passage of text for this example.")])
    >>> batch.doc_ids, len(batch.passages), batch.signatures.values.shape
    (('a',), 1, (1, 128))
    """
    texts = [d.text for d in documents]
    tokens = tokenize_batch(texts_for_tokens(texts))
    seg = options.segment
    # A passage needs at least one whole shingle.
    shortest = max(seg.min_tokens, options.scheme.ngram)
    passages = segment_batch(texts, tokens, min_tokens=shortest, max_tokens=max(seg.max_tokens, shortest),
                             window=seg.window, stride=seg.stride, bridges=seg.bridges)
    signatures = sign_batch(tokens, passages, options.scheme)
    anchors = document_anchors(tokens, options.scheme.ngram) if options.anchors else None
    return SignedBatch(tuple(d.id for d in documents), passages, signatures, anchors)


def index_batch(signed: SignedBatch) -> SignedBatch:
    """What the corpus-wide steps keep of a signed batch: 8-bit signatures
    (see :meth:`Signatures.bbit`) and 32-bit passage columns, about 150 bytes
    a passage instead of 560. Pure, so it runs where the batch was signed."""
    p = signed.passages
    narrow = np.int32 if len(p) == 0 or int(p.end.max()) < 2**31 else np.int64
    passages = Passages(*(getattr(p, f).astype(narrow) for f in _PASSAGE_FIELDS[:-1]), p.kind)
    narrowed = signed.signatures.bbit(8)
    return replace(signed, passages=passages, signatures=replace(narrowed, sizes=narrowed.sizes.astype(np.int32)))


@dataclass(frozen=True, eq=False)
class CorpusIndex:
    """Everything the corpus-wide steps need, as columns over the whole corpus.

    ``doc_ids[k]`` is document number ``k``; ``passages`` carry corpus
    document numbers; ``signatures`` has one row per passage (None when no
    passage was cut); ``rank`` orders passages by (document id, start, end,
    kind), whatever order they were gathered in. For provenance, ``anchors``
    holds every document's distinct shingles as :class:`KeyPartitions` of
    keys ``shingle << 32 | document``.
    """

    doc_ids: tuple[str, ...]
    passages: Passages
    signatures: Signatures | None
    rank: np.ndarray
    anchors: KeyPartitions | None = None

    @property
    def documents(self) -> int:
        return len(self.doc_ids)


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
        if self.scheme is not None and signed.signatures.scheme != self.scheme:
            raise ParameterError(f"batches signed under different schemes: {self.scheme} and {signed.signatures.scheme}")
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

    def finish(self) -> tuple[Passages, Signatures | None]:
        self._merge()
        if not self._blocks or not sum(len(b["doc"]) for b in self._blocks):
            return Passages(*([np.zeros(0, np.int64)] * 5), np.zeros(0, np.uint8)), None
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
        return Passages(*(out[f] for f in _PASSAGE_FIELDS)), Signatures(out["values"], out["sizes"], self.scheme)


class KeyPartitions:
    """Many unsigned 64-bit keys, split by their bits from ``shift`` up into
    :attr:`PARTITIONS` parts that can be treated one at a time; past
    ``memory_limit`` bytes, each part waits in a temporary file (in ``$TMPDIR``)
    of its own. :meth:`partitions` gives the parts in key order, each sorted,
    and then they are gone.

    A corpus index holds every document's distinct shingles this way, as keys
    ``shingle << 32 | document`` (a million articles carry 450 million of
    them, 3.6 GB); document pairs are counted the same way.
    """

    PARTITIONS = 16
    _FLUSH_BYTES = 8 << 20

    def __init__(self, shift: int = 60, memory_limit: int = 256 << 20) -> None:
        if not 0 <= shift <= 60:
            raise ParameterError(f"shift must be between 0 and 60, got {shift}")
        self.shift, self.memory_limit = shift, memory_limit
        self._pending: list[list[np.ndarray]] = [[] for _ in range(self.PARTITIONS)]
        self._pending_bytes = [0] * self.PARTITIONS
        self._files: list[IO[bytes] | None] = [None] * self.PARTITIONS
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, keys: np.ndarray) -> None:
        """Add keys (any order; sorted ones are not sorted again)."""
        keys = keys.astype(np.uint64)  # a copy: the parts keep views of it
        if len(keys) > 1 and not (keys[1:] >= keys[:-1]).all():
            keys.sort()
        # Keys at or above the last boundary all go to the last part.
        bounds = np.searchsorted(keys, np.arange(1, self.PARTITIONS, dtype=np.uint64) << np.uint64(self.shift))
        self._count += len(keys)
        for part, piece in enumerate(np.split(keys, bounds)):
            if len(piece):
                self._pending[part].append(piece)
                self._pending_bytes[part] += piece.nbytes
                if self._count * 8 > self.memory_limit and self._pending_bytes[part] >= self._FLUSH_BYTES:
                    self._flush(part)

    def _flush(self, part: int) -> None:
        if self._files[part] is None:
            self._files[part] = tempfile.TemporaryFile(prefix="dedup-keys-")
        handle = self._files[part]
        for piece in self._pending[part]:
            handle.write(piece.tobytes())  # type: ignore[union-attr]
        self._pending[part], self._pending_bytes[part] = [], 0

    def partitions(self) -> Iterator[np.ndarray]:
        """Each part's keys, sorted; every part is released once given."""
        return self.map_partitions(lambda keys: keys)

    def map_partitions(self, fn: Callable[[np.ndarray], T], threads: int = 1) -> Iterator[T]:
        """``fn`` of each part's sorted keys, in part order, with up to
        ``threads`` parts read, sorted and worked on at once (numpy's sorts
        and array operations release the GIL). Every part is released once
        worked on."""
        def work(part: int) -> T | None:
            keys = self._take(part)
            return None if keys is None else fn(keys)

        with ThreadPoolExecutor(max_workers=max(1, threads)) as pool:
            pending: deque[Future[T | None]] = deque()
            for part in range(self.PARTITIONS):
                pending.append(pool.submit(work, part))
                if len(pending) >= max(1, threads):
                    if (done := pending.popleft().result()) is not None:
                        yield done
            while pending:
                if (done := pending.popleft().result()) is not None:
                    yield done

    def _take(self, part: int) -> np.ndarray | None:
        """One part's keys, sorted, and gone from here."""
        pieces = self._pending[part]
        handle = self._files[part]
        if handle is not None:
            handle.seek(0)
            pieces = [np.frombuffer(handle.read(), dtype=np.uint64), *pieces]
            handle.close()
        self._pending[part], self._files[part] = [], None
        if not pieces:
            return None
        keys = np.concatenate(pieces)
        del pieces
        # The pieces are mostly sorted runs (batches sort their keys): a merge
        # sort takes about half the time of numpy's default quicksort on them.
        keys.sort(kind="stable")
        return keys


def gather_signed(batches: Iterable[SignedBatch]) -> CorpusIndex:
    """The corpus index of signed batches (best made by :func:`index_batch`).

    Each batch is dropped as soon as it is copied. Batches may come in any
    order and be cut any way: the index differs only in document numbers,
    which no later step lets show in its results. A document id seen twice is
    an error.
    """
    columns, anchors = _Columns(), None
    for b in batches:
        offset = len(columns.doc_ids)
        columns.add(b)
        if b.anchors is not None:
            if offset + len(b.doc_ids) > 2**32:
                raise ParameterError("provenance takes at most 2**32 documents per run")
            anchors = anchors or KeyPartitions()
            docs, hashes = b.anchors
            anchors.add((hashes.astype(np.uint64) << np.uint64(32)) | (docs + offset).astype(np.uint64))
    passages, signatures = columns.finish()
    doc_ids = tuple(columns.doc_ids)
    if len(set(doc_ids)) != len(doc_ids):
        ordered = sorted(doc_ids)
        twice = next(a for a, b in zip(ordered, ordered[1:]) if a == b)
        raise ParameterError(f"duplicate document id {twice!r}")
    return CorpusIndex(doc_ids, passages, signatures, passage_rank(doc_ids, passages), anchors)


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
