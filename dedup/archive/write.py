"""Writing to the archive: a batch's rows, and removing articles with all that derives from them.

Both run inside the caller's transaction. A batch's postings become a run
of their own (:mod:`dedup.archive.postings`): an add writes in proportion to
its batch, not to the archive.
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
from ..ingest.documents import split_location
from ..pipeline import Params
from . import postings
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
    bands, anchors = [], []
    for one in signed:
        rows = []
        for blobs, doc_id in zip(signed_rows(one), one.doc_ids):
            num += 1
            nums[doc_id] = num
            doc = documents[doc_id]
            rows.append((num, batch, *document_row(doc), *blobs, doc.location))
        db.executemany(f"INSERT INTO documents(num, batch, {', '.join(DOCUMENT_COLUMNS)}, passages, signatures, "
                       f"sizes, location) VALUES ({','.join('?' * (6 + len(DOCUMENT_COLUMNS)))})", rows)
        first = num - len(one.doc_ids) + 1
        bands.append(band_rows(band_keys_of(one, params), one.passages.doc.astype(np.int64) + first))
        anchor_docs, hashes = one.anchors  # type: ignore[misc]
        anchors.append((anchor_postings(hashes), anchor_docs.astype(np.int64) + first))
    for kind, parts in ((postings.BAND, bands), (postings.ANCHOR, anchors)):
        if parts:
            keys = np.concatenate([k for k, _ in parts])
            docs = np.concatenate([d for _, d in parts])
            order = np.lexsort((docs, keys))
            postings.write_run(db, kind, keys[order], docs[order])
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
    keys, _ = band_rows(band_keys_of(signed, params), numbers[signed.passages.doc.astype(np.int64)])
    postings.remove_postings(db, postings.BAND, np.unique(keys), numbers)
    _, hashes = signed.anchors  # type: ignore[misc]
    postings.remove_postings(db, postings.ANCHOR, np.unique(anchor_postings(hashes)), numbers)
    db.executemany("DELETE FROM pairs WHERE a = ?", ((n,) for n in nums))
    db.executemany("DELETE FROM pairs WHERE b = ?", ((n,) for n in nums))
    placed = db.execute("SELECT batch, location FROM documents WHERE num IN (SELECT value FROM json_each(?))",
                        (json.dumps(numbers.tolist()),)).fetchall()
    db.executemany("DELETE FROM documents WHERE num = ?", ((n,) for n in nums))
    removed = {loc for _, loc in placed if loc}
    for batch in sorted({b for b, _ in placed}):
        _forget_read(db, batch, removed)


def _forget_read(db: sqlite3.Connection, batch: int, removed: set[str]) -> None:
    """Take removed articles out of what reading their batch noted: a batch left
    without articles goes (with the lines it skipped); otherwise the notes on
    the removed records go (a fallback decoding, an ignored date), and a whole
    file's fallback decoding once none of the file's articles is left."""
    left = [loc for (loc,) in db.execute("SELECT location FROM documents WHERE batch = ?", (batch,))]
    if not left:
        db.execute("DELETE FROM batches WHERE id = ?", (batch,))
        return
    files = {split_location(loc)[0] for loc in left if loc}
    (raw,) = db.execute("SELECT ingest FROM batches WHERE id = ?", (batch,)).fetchone()
    figures = json.loads(raw)
    figures["fallback_decoded"] = [loc for loc in figures["fallback_decoded"]
                                   if loc not in removed and split_location(loc)[0] in files]
    figures["ignored_dates"] = [s for s in figures["ignored_dates"] if s[0] not in removed]
    db.execute("UPDATE batches SET ingest = ? WHERE id = ?", (json.dumps(figures, ensure_ascii=False), batch))


def band_rows(keys: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (band key, document) postings of a (passages x bands) key matrix,
    sorted; ``docs`` numbers each passage's document."""
    k = band_postings(keys).ravel()
    d = np.repeat(docs.astype(np.int64), keys.shape[1]) if keys.size else np.zeros(0, np.int64)
    order = np.lexsort((d, k))
    k, d = k[order], d[order]
    keep = np.ones(len(k), dtype=bool)
    keep[1:] = (k[1:] != k[:-1]) | (d[1:] != d[:-1])
    return k[keep], d[keep]
