"""Writing to the archive: a batch's rows, and removing articles with all that derives from them.

Both run inside the caller's transaction. Postings are written and deleted
in key order: a B-tree takes sorted keys page by page.
"""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Mapping, Sequence

import numpy as np

from ..align import Alignment
from ..corpus import SignedBatch, index_batch, sign_documents
from ..ingest import Document, IngestReport
from ..pipeline import Params
from .lookup import band_keys_of
from .rows import DOCUMENT_COLUMNS, alignments_blob, anchor_postings, band_postings, document_row, signed_rows

__all__ = ["store_batch", "delete_documents", "band_rows"]


def store_batch(db: sqlite3.Connection, params: Params, signed: Sequence[SignedBatch],
                documents: Mapping[str, Document], inputs: Sequence[str], ingest: IngestReport,
                archived: Mapping[str, int], pairs: Sequence[tuple[Document, Document]],
                alignments: Sequence[Alignment]) -> None:
    """Store new documents (their indexed batches), their postings, and the
    aligned pairs (``archived``: archive number of each archived document met)."""
    (last,) = db.execute("SELECT coalesce(max(num), 0) FROM documents").fetchone()
    figures = {"fallback_decoded": ingest.fallback_decoded,
               "skipped": [[s.location, s.reason] for s in ingest.skipped],
               "ignored_dates": [[s.location, s.reason] for s in ingest.ignored_dates]}
    batch = db.execute("INSERT INTO batches(added, inputs, documents, ingest) VALUES (?, ?, ?, ?)",
                       (time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), json.dumps(list(inputs)),
                        sum(len(b.doc_ids) for b in signed), json.dumps(figures, ensure_ascii=False))).lastrowid
    nums = dict(archived)
    num = last
    for one in signed:
        rows = []
        for blobs, doc_id in zip(signed_rows(one), one.doc_ids):
            num += 1
            nums[doc_id] = num
            rows.append((num, batch, *document_row(documents[doc_id]), *blobs))
        db.executemany(f"INSERT INTO documents(num, batch, {', '.join(DOCUMENT_COLUMNS)}, passages, signatures, "
                       f"sizes) VALUES ({','.join('?' * (5 + len(DOCUMENT_COLUMNS)))})", rows)
        first = num - len(one.doc_ids) + 1
        db.executemany("INSERT INTO band_keys VALUES (?, ?)",
                       band_rows(band_keys_of(one, params), one.passages.doc.astype(np.int64) + first))
        anchor_docs, hashes = one.anchors  # type: ignore[misc]
        order = np.lexsort((anchor_docs, hashes))
        db.executemany("INSERT INTO anchors VALUES (?, ?)",
                       zip(anchor_postings(hashes[order]).tolist(), (anchor_docs[order] + first).tolist()))
    by_pair: dict[tuple[str, str], list[Alignment]] = {(a.id, b.id): [] for a, b in pairs}
    for al in alignments:
        by_pair[(al.a, al.b)].append(al)
    db.executemany("INSERT INTO pairs VALUES (?, ?, ?)",
                   ((nums[a], nums[b], alignments_blob(found)) for (a, b), found in by_pair.items()))


def delete_documents(db: sqlite3.Connection, params: Params, nums: Sequence[int],
                     documents: Sequence[Document]) -> None:
    """Delete archived documents (by number, with the documents themselves) and
    everything derived from them; their postings are derived again from their texts."""
    signed = index_batch(sign_documents(documents, params.sign_options(anchors=True)))
    numbers = np.asarray(nums, dtype=np.int64)
    db.executemany("DELETE FROM band_keys WHERE key = ? AND doc = ?",
                   band_rows(band_keys_of(signed, params), numbers[signed.passages.doc.astype(np.int64)]))
    docs, hashes = signed.anchors  # type: ignore[misc]
    db.executemany("DELETE FROM anchors WHERE shingle = ? AND doc = ?",
                   zip(anchor_postings(hashes).tolist(), numbers[docs].tolist()))
    db.executemany("DELETE FROM pairs WHERE a = ?", ((n,) for n in nums))
    db.executemany("DELETE FROM pairs WHERE b = ?", ((n,) for n in nums))
    db.executemany("DELETE FROM documents WHERE num = ?", ((n,) for n in nums))


def band_rows(keys: np.ndarray, docs: np.ndarray) -> list[tuple[int, int]]:
    """Distinct (band key, document) rows of a (passages x bands) key matrix, sorted;
    ``docs`` numbers each passage's document."""
    k = band_postings(keys).ravel()
    d = np.repeat(docs.astype(np.int64), keys.shape[1]) if keys.size else np.zeros(0, np.int64)
    order = np.lexsort((d, k))
    k, d = k[order], d[order]
    keep = np.ones(len(k), dtype=bool)
    keep[1:] = (k[1:] != k[:-1]) | (d[1:] != d[:-1])
    return list(zip(k[keep].tolist(), d[keep].tolist()))
