"""The pairs a batch of new documents makes with the archive, found through
the archive's postings (band keys, anchors), never by loading them whole.

A new document is paired as :func:`dedup.index.document_pairs` would pair it
in a batch run over the archive and the batch together:

- through anchors, exactly: an anchor counts when at most ``anchor_max_df``
  documents carry it in the archive and the batch together (the archive's
  carriers are counted up to ``anchor_max_df + 1`` through the index), and a
  pair needs ``anchor_min_shared`` such anchors;
- through LSH, exactly where a band's bucket holds at most ``max_bucket``
  passages. In a larger bucket (boilerplate carried by hundreds of articles)
  a batch run pairs each passage with its ``max_bucket`` neighbours in the
  order of document ids, which depends on the whole corpus; here the new
  passages meet the bucket's ``max_bucket`` last added carriers instead. The archive's report runs the corpus-wide steps again, so it is
  exact either way; the difference shows only in what ``add`` reports.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from typing import Sequence

import numpy as np

from ..corpus import SignedBatch, gather_signed
from ..hashing import pair_codes, sorted_unique, split_pair_codes
from ..index import anchor_pairs, band_keys, find_candidates
from ..pipeline import Params
from . import postings
from .rows import anchor_postings, band_postings

__all__ = ["BatchPairs", "batch_pairs", "band_keys_of", "lsh_carriers", "anchor_carriers", "new_anchors"]

@dataclass(frozen=True, eq=False)
class BatchPairs:
    """Document pairs of a batch: ``(left[i], right[i])`` index ``ids`` (the new
    documents first, then archived ones); each pair has a new document."""

    ids: tuple[str, ...]
    nums: tuple[int, ...]  # archive number of each archived document of ``ids`` (new ones: -1)
    left: np.ndarray
    right: np.ndarray


def band_keys_of(signed: SignedBatch, params: Params) -> np.ndarray:
    """(passages x bands) band keys of an indexed batch, as :func:`dedup.index.find_candidates` makes them."""
    bands, rows = params.lsh.bands
    return band_keys(signed.signatures.values, bands, rows)


def _carriers(db: sqlite3.Connection, kind: int, keys: np.ndarray, cap: int) -> np.ndarray:
    """(key, doc) of the archived carriers of ``keys``: the ``cap`` last added of each key.

    The last added, not the first: pairing every new carrier of a common text
    with the same first few would make those few hubs whose stored pairs, and
    so every later add's neighbourhood, grow with the archive.
    """
    return postings.carriers(db, kind, sorted_unique(keys).astype(np.int64), cap)


def lsh_carriers(db: sqlite3.Connection, new: Sequence[SignedBatch], params: Params) -> np.ndarray:
    """(band key, archive number) of the archived carriers of the new passages' LSH
    band keys, the ``max_bucket`` last added of each: the archive's LSH candidates."""
    keys = np.concatenate([band_keys_of(b, params).ravel() for b in new]) if new else np.zeros(0, np.uint64)
    return _carriers(db, postings.BAND, band_postings(keys), params.max_bucket)


def anchor_carriers(db: sqlite3.Connection, hashes: np.ndarray, params: Params) -> np.ndarray:
    """(anchor, archive number) of the archived carriers of shingle ``hashes``,
    counted up to ``anchor_max_df + 1`` (enough to tell a rare anchor)."""
    return _carriers(db, postings.ANCHOR, anchor_postings(hashes), params.anchor_max_df + 1)


def batch_pairs(db: sqlite3.Connection, new: Sequence[SignedBatch], params: Params, load_signed,
                exclude: set[int] = frozenset()) -> BatchPairs:  # type: ignore[assignment]
    """The pairs of the new documents (indexed batches, with anchors) with each
    other and with the archive. ``load_signed(nums)`` gives archived documents'
    ids and indexed batch; archived documents in ``exclude`` take no part."""
    new_ids = tuple(i for b in new for i in b.doc_ids)
    n_new = len(new_ids)
    lsh = lsh_carriers(db, new, params)
    lsh_docs = sorted(set(lsh[:, 1].tolist()) - exclude)
    anchors_new = new_anchors(new)
    stored = anchor_carriers(db, anchors_new[1], params)
    stored = stored[~np.isin(stored[:, 1], list(exclude))] if exclude else stored
    anchor_docs = sorted(set(stored[:, 1].tolist()) - set(lsh_docs))
    archived = np.array(lsh_docs + anchor_docs, dtype=np.int64)
    n = n_new + len(archived)
    stored_ids, stored_signed = load_signed(lsh_docs)
    codes = [_lsh_codes(new, stored_signed, params, n_new, n)]
    by_num = np.argsort(archived)
    carrier = n_new + by_num[np.searchsorted(archived[by_num], stored[:, 1])] if len(archived) else stored[:, 1]
    groups = np.concatenate([anchors_new[0], carrier])
    hashes = np.concatenate([anchor_postings(anchors_new[1]), stored[:, 0]])
    # An anchor the archive's carriers (counted up to anchor_max_df + 1) and the
    # batch together carry more than anchor_max_df times is none: anchor_pairs
    # drops it, as a batch run does.
    found = anchor_pairs(groups, hashes, max_df=params.anchor_max_df, min_shared=params.anchor_min_shared)
    codes.append(pair_codes(found.left, found.right, n))
    left, right = split_pair_codes(sorted_unique(np.concatenate(codes)), n)
    with_new = (left < n_new) | (right < n_new)
    left, right = left[with_new], right[with_new]
    # Only the archived documents paired take part from here: most of those
    # the lookups met share a few rare shingles and no more.
    used = sorted_unique(np.concatenate([left, right, np.arange(n_new)]))
    renumber = np.full(n, -1, dtype=np.int64)
    renumber[used] = np.arange(len(used))
    met = used[used >= n_new] - n_new
    from_lsh = met[met < len(lsh_docs)]
    anchor_ids = load_signed(archived[met[met >= len(lsh_docs)]].tolist(), ids_only=True)[0]
    ids = new_ids + tuple(stored_ids[k] for k in from_lsh.tolist()) + tuple(anchor_ids)
    nums = tuple([-1] * n_new + archived[met].tolist())
    return BatchPairs(ids, nums, renumber[left], renumber[right])


def new_anchors(new: Sequence[SignedBatch]) -> tuple[np.ndarray, np.ndarray]:
    """(local document, shingle) of every new document's anchors."""
    docs, hashes, offset = [], [], 0
    for b in new:
        assert b.anchors is not None
        docs.append(b.anchors[0] + offset)
        hashes.append(b.anchors[1])
        offset += len(b.doc_ids)
    if not docs:
        return np.zeros(0, np.int64), np.zeros(0, np.uint32)
    return np.concatenate(docs).astype(np.int64), np.concatenate(hashes)


def _lsh_codes(new: Sequence[SignedBatch], stored: SignedBatch | None, params: Params, n_new: int, n: int) -> np.ndarray:
    """Codes of the document pairs with an LSH candidate passage pair, in local numbering."""
    batches = [replace(b, anchors=None) for b in new]
    if stored is not None and stored.doc_ids:
        batches.append(replace(stored, anchors=None))
    index = gather_signed(batches)
    candidates = find_candidates(index, params.lsh)
    doc = index.passages.doc.astype(np.int64)
    return pair_codes(doc[candidates.left], doc[candidates.right], n)
