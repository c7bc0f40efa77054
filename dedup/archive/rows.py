"""Rows of the archive's tables to and from the pipeline's values.

The byte layouts are those :mod:`dedup.archive.schema` documents: little-endian
arrays, zlib texts, JSON for metadata. Nothing here touches the database.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from typing import Iterable, Sequence

import numpy as np

from ..align import Alignment
from ..corpus import SignedBatch
from ..ingest import Document
from ..segment import Passages
from ..sign import Scheme, Signatures

__all__ = ["digest", "document_row", "document_of", "signed_rows", "signed_of", "alignments_blob", "alignments_of",
           "band_postings", "anchor_postings", "ANCHOR_OFFSET", "DOCUMENT_COLUMNS"]

DOCUMENT_COLUMNS = ("id", "date", "source", "url", "title", "extra", "digest", "text")
_ALIGNMENT = np.dtype([("a_start", "<i8"), ("a_end", "<i8"), ("b_start", "<i8"), ("b_end", "<i8"),
                       ("tokens", "<i8"), ("similarity", "<f8")])


def digest(doc: Document) -> bytes:
    """What makes a record the same record: re-adding one with this digest adds nothing."""
    fields = [doc.id, doc.text, doc.date, doc.source, doc.url, doc.title]
    return hashlib.sha256(json.dumps(fields, ensure_ascii=False).encode("utf-8", "surrogatepass")).digest()


def document_row(doc: Document) -> tuple[object, ...]:
    """The document's columns, in :data:`DOCUMENT_COLUMNS` order."""
    extra = json.dumps(dict(doc.extra), ensure_ascii=False, sort_keys=True, default=str)
    return (doc.id, doc.date, doc.source, doc.url, doc.title, extra, digest(doc),
            zlib.compress(doc.text.encode("utf-8"), 6))


def document_of(row: Sequence[object]) -> Document:
    """A document back from its columns (:data:`DOCUMENT_COLUMNS` order)."""
    doc_id, date, source, url, title, extra, _, text = row
    return Document(doc_id, zlib.decompress(text).decode("utf-8"), date, source, url, title,  # type: ignore[arg-type]
                    json.loads(extra))  # type: ignore[arg-type]


def signed_rows(signed: SignedBatch) -> list[tuple[bytes, bytes, bytes]]:
    """(passages, signatures, sizes) BLOBs of each document of an indexed batch."""
    p, sig = signed.passages, signed.signatures
    n_docs = len(signed.doc_ids)
    bounds = np.searchsorted(p.doc, np.arange(n_docs + 1))
    triples = np.stack([p.start, p.end, p.kind.astype(np.int64)], axis=1).astype("<i4")
    values = np.ascontiguousarray(sig.values, dtype=np.uint8)
    sizes = sig.sizes.astype("<i4")
    return [(triples[lo:hi].tobytes(), values[lo:hi].tobytes(), sizes[lo:hi].tobytes())
            for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist())]


def signed_of(doc_ids: Sequence[str], rows: Iterable[Sequence[bytes]], scheme: Scheme) -> SignedBatch:
    """An indexed batch (as :func:`dedup.corpus.index_batch` makes it) from stored BLOBs.

    Token offsets are not kept (no corpus-wide step reads them): they come back
    as -1. Anchors live in their own table: the batch has none.
    """
    triples, values, sizes, docs = [], [], [], []
    for k, (passages, signatures, size) in enumerate(rows):
        t = np.frombuffer(passages, dtype="<i4").reshape(-1, 3)
        triples.append(t)
        values.append(np.frombuffer(signatures, dtype=np.uint8).reshape(len(t), scheme.num_perm))
        sizes.append(np.frombuffer(size, dtype="<i4"))
        docs.append(np.full(len(t), k, dtype=np.int32))
    t = np.concatenate(triples) if triples else np.zeros((0, 3), "<i4")
    column = t.astype(np.int32)
    unknown = np.full(len(t), -1, dtype=np.int32)
    passages = Passages(np.concatenate(docs) if docs else unknown, column[:, 0].copy(), column[:, 1].copy(),
                        unknown, unknown.copy(), column[:, 2].astype(np.uint8))
    signatures = Signatures(np.concatenate(values) if values else np.zeros((0, scheme.num_perm), np.uint8),
                            np.concatenate(sizes).astype(np.int32) if sizes else np.zeros(0, np.int32), scheme)
    return SignedBatch(tuple(doc_ids), passages, signatures)


def alignments_blob(alignments: Sequence[Alignment]) -> bytes:
    """The alignments of one document pair, in the order alignment gave them."""
    records = np.array([(al.a_start, al.a_end, al.b_start, al.b_end, al.tokens, al.similarity) for al in alignments],
                       dtype=_ALIGNMENT)
    return records.tobytes()


def alignments_of(a: str, b: str, blob: bytes) -> list[Alignment]:
    records = np.frombuffer(blob, dtype=_ALIGNMENT)
    return [Alignment(a, int(r["a_start"]), int(r["a_end"]), b, int(r["b_start"]), int(r["b_end"]),
                      float(r["similarity"]), int(r["tokens"])) for r in records]


def band_postings(keys: np.ndarray) -> np.ndarray:
    """What the postings keep of uint64 band keys (kind 0 runs): their high 48 bits,
    stored as int64 LE (format 1 saved 2 bytes a row by it; a lookup that meets
    another key of the same 48 bits costs an extra candidate, which LSH over the
    full keys drops)."""
    return (np.ascontiguousarray(keys, dtype=np.uint64) >> np.uint64(16)).astype(np.int64)


#: Anchors are stored less this (4 bytes a row instead of 6 for half of them), in the same order.
ANCHOR_OFFSET = 1 << 31


def anchor_postings(hashes: np.ndarray) -> np.ndarray:
    """What the ``anchors`` table keeps of 32-bit shingle hashes."""
    return hashes.astype(np.int64) - ANCHOR_OFFSET
