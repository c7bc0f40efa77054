"""The archive's postings (LSH band keys, anchors) as a few sorted runs: an LSM layout.

A single B-tree ordered by key made every ``add`` rewrite most of its pages,
since a day's keys land all over it: the cost of an add grew with the
archive. Here each ``add`` writes its postings as a run of its own, sorted by
(key, document), in blocks of about :data:`BLOCK` postings; so an add writes
in proportion to its batch. When the newest run holds at least half as many
postings as the one before it, the two are merged (a streaming merge: memory
is a few thousand blocks, not the runs), as long as the merged run holds at
most :data:`ADD_MERGE` times the add's own postings: what an add rewrites is
bounded by its batch, never the archive's largest run. Larger merges are left
to :func:`compact` (``dedup archive compact``, run between days), which merges
every run of a kind into one, so that a query meets one run per kind.

Tables::

    runs(id INTEGER PRIMARY KEY, kind INTEGER, postings INTEGER)
        kind 0: LSH band keys, 1: anchors; ``postings``: the (key, document) pairs it holds;
        ids grow with time (a merged run takes a new id)
    blocks(run INTEGER, first INTEGER, keys BLOB, docs BLOB, PRIMARY KEY (run, first)) WITHOUT ROWID
        keys: ascending, int64 LE for band keys (their high 48 bits), int32 LE for anchors
              (the shingle's 32-bit hash less 2**31); docs: int32 LE archive numbers of
              documents, ascending within a key. All postings of a key in a run are in one
              block; every key of a block is >= its ``first`` and < the next block's ``first``.

A lookup of a few keys (``query``) finds each key's block per run through the
primary key, one statement per run; a lookup of many (an ``add``) reads the runs' blocks in key order
and meets them with the sorted keys in numpy. Either way the result is the
same: the carriers of each key, the ``cap`` last added.
"""

from __future__ import annotations

import json
import sqlite3
from operator import itemgetter
from typing import Iterator, Sequence

import numpy as np

__all__ = ["BAND", "ANCHOR", "TABLES", "write_run", "compact", "run_sizes", "carriers", "remove_postings",
           "all_postings"]

BAND, ANCHOR = 0, 1
_KEY = {BAND: np.dtype("<i8"), ANCHOR: np.dtype("<i4")}
_DOC = np.dtype("<i4")
#: Postings a block aims at: a query reads one block per key and run, an add
#: reads them all; about 1.5 KB, so a block stays inside a page.
BLOCK = 128
#: Blocks read at once when a run is read in key order.
_CHUNK = 4096
#: Merge the newest run into the one before it once that one holds at most this many times as many postings.
RATIO = 2
#: An add merges runs only into a run of at most this many times its own postings, so that
#: what it rewrites follows its batch: merging the archive's largest run inside an add (458 s
#: of the store step of a 100,000-article add into 100,000, f9c5199, niced at load 11) is
#: ``compact``'s work, off the add's clock.
ADD_MERGE = 4
#: A lookup of more keys than a run's blocks over this reads the run in key order instead of block by block.
_PROBE_SHARE = 2

TABLES = """
CREATE TABLE runs(id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, postings INTEGER NOT NULL);
CREATE TABLE blocks(run INTEGER NOT NULL, first INTEGER NOT NULL, keys BLOB NOT NULL, docs BLOB NOT NULL,
                    PRIMARY KEY (run, first)) WITHOUT ROWID
"""


def write_run(db: sqlite3.Connection, kind: int, keys: np.ndarray, docs: np.ndarray) -> None:
    """Store (key, document) postings, sorted and distinct, as a new run; merge the newest
    runs as the layout asks, into a run of at most ``ADD_MERGE`` times these postings."""
    if not len(keys):
        return
    run = db.execute("INSERT INTO runs(kind, postings) VALUES (?, ?)", (kind, len(keys))).lastrowid
    db.executemany("INSERT INTO blocks VALUES (?, ?, ?, ?)", _block_rows(run, kind, keys, docs))
    while True:
        last = db.execute("SELECT id, postings FROM runs WHERE kind = ? ORDER BY id DESC LIMIT 2", (kind,)).fetchall()
        if (len(last) < 2 or last[1][1] > RATIO * last[0][1]
                or last[0][1] + last[1][1] > ADD_MERGE * len(keys)):
            return
        _merge(db, kind, [last[1][0], last[0][0]])


def compact(db: sqlite3.Connection, kind: int) -> None:
    """Merge every run of a kind into one (streaming, as an add merges two)."""
    runs = [run for run, _ in _runs(db, kind)]
    if len(runs) > 1:
        _merge(db, kind, runs)


def run_sizes(db: sqlite3.Connection, kind: int) -> list[int]:
    """Postings of each run of a kind, oldest first."""
    return [postings for _, postings in _runs(db, kind)]


def _block_rows(run: int, kind: int, keys: np.ndarray, docs: np.ndarray) -> Iterator[tuple[int, int, bytes, bytes]]:
    """Rows of ``blocks`` for sorted postings: cut about every BLOCK postings, at a key's first posting."""
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    at = np.searchsorted(starts, np.arange(0, len(keys), BLOCK))
    cuts = np.unique(starts[at[at < len(starts)]]).tolist() + [len(keys)]
    packed_keys = keys.astype(_KEY[kind]).tobytes()
    packed_docs = docs.astype(_DOC).tobytes()
    width = _KEY[kind].itemsize
    firsts = keys[cuts[:-1]].tolist()
    for first, lo, hi in zip(firsts, cuts[:-1], cuts[1:]):
        yield run, first, packed_keys[lo * width : hi * width], packed_docs[lo * 4 : hi * 4]


def _decode(kind: int, rows: Sequence[tuple]) -> tuple[np.ndarray, np.ndarray]:
    """(keys, docs) of blocks given in key order, as int64."""
    keys = np.frombuffer(b"".join(map(itemgetter(-2), rows)), dtype=_KEY[kind]).astype(np.int64)
    docs = np.frombuffer(b"".join(map(itemgetter(-1), rows)), dtype=_DOC).astype(np.int64)
    return keys, docs


def _pages(db: sqlite3.Connection, run: int) -> Iterator[list[tuple]]:
    """A run's blocks in key order, ``_CHUNK`` at a time (each page a statement of its own,
    so writing to the table between pages is safe)."""
    after = None
    while True:
        if after is None:
            rows = db.execute("SELECT first, keys, docs FROM blocks WHERE run = ? ORDER BY first LIMIT ?",
                              (run, _CHUNK)).fetchall()
        else:
            rows = db.execute("SELECT first, keys, docs FROM blocks WHERE run = ? AND first > ? ORDER BY first "
                              "LIMIT ?", (run, after, _CHUNK)).fetchall()
        if not rows:
            return
        yield rows
        after = rows[-1][0]


def _touched(db: sqlite3.Connection, run: int, postings: int, keys: np.ndarray) -> Iterator[list[tuple]]:
    """The run's blocks that may hold ``keys`` (sorted, distinct), in key order, in pages
    of (first, keys, docs) rows: found block by block for a few keys, read in order for many."""
    if _scans(postings, keys):
        yield from _pages(db, run)
        return
    # One statement per run: SQLite finds each key's block (the last whose first
    # key is <= it) and reads the distinct blocks, in C. A statement per key
    # cost about twice the CPU (900 keys in two runs: 27 against 13 ms).
    rows = db.execute("SELECT first, keys, docs FROM blocks WHERE run = ?1 AND first IN "
                      "(SELECT (SELECT first FROM blocks WHERE run = ?1 AND first <= k.value ORDER BY first DESC "
                      "LIMIT 1) FROM json_each(?2) AS k) ORDER BY first", (run, json.dumps(keys.tolist()))).fetchall()
    if rows:
        yield rows


def _scans(postings: int, keys: np.ndarray) -> bool:
    """Whether a lookup of ``keys`` reads the run in key order rather than block by block."""
    return len(keys) * _PROBE_SHARE > postings // BLOCK + 1


def _holding(db: sqlite3.Connection, kind: int, run: int, postings: int, keys: np.ndarray) -> Iterator[list[tuple]]:
    """As :func:`_touched`, in pages of (keys, docs) rows, for a lookup: block by block,
    each key's block is read as it is found, one descent of the primary key per key
    (the block's keys and documents as one BLOB, cut where the documents start). The
    statement of :func:`_touched`, which finds the block's ``first`` and then the block,
    cost 13.0 against 8.6 ms of CPU at p50 for the ~800 keys of a query at 300,000 articles."""
    if _scans(postings, keys):
        for rows in _pages(db, run):
            yield [row[1:] for row in rows]
        return
    width = _KEY[kind].itemsize
    found, last = [], None
    for (blob,) in db.execute(
            "SELECT (SELECT CAST(keys || docs AS BLOB) FROM blocks WHERE run = ?1 AND first <= k.value "
            "ORDER BY first DESC LIMIT 1) FROM json_each(?2) AS k", (run, json.dumps(keys.tolist()))):
        # Sorted keys meet their blocks in key order; keys sharing a block follow each other.
        if blob is None or blob == last:
            continue
        last = blob
        cut = len(blob) // (width + _DOC.itemsize) * width
        found.append((blob[:cut], blob[cut:]))
    if found:
        yield found


def _runs(db: sqlite3.Connection, kind: int) -> list[tuple[int, int]]:
    return db.execute("SELECT id, postings FROM runs WHERE kind = ? ORDER BY id", (kind,)).fetchall()


def carriers(db: sqlite3.Connection, kind: int, keys: np.ndarray, cap: int) -> np.ndarray:
    """(key, document) rows, in that order, of the archived carriers of ``keys``
    (sorted, distinct int64): the ``cap`` last added (highest numbers) of each key."""
    found = np.zeros((0, 2), dtype=np.int64)
    if not len(keys):
        return found
    same = keys.astype(_KEY[kind])  # searched in the stored type: no copy of the blocks
    for run, postings in _runs(db, kind):
        pieces = [found]
        for rows in _holding(db, kind, run, postings, keys):
            have = np.frombuffer(b"".join(map(itemgetter(0), rows)), dtype=_KEY[kind])
            # Only the keys within the page's range can be in it.
            wanted = same[np.searchsorted(same, have[0]) : np.searchsorted(same, have[-1], side="right")]
            start = np.searchsorted(have, wanted, side="left")
            count = np.searchsorted(have, wanted, side="right") - start
            if not count.any():
                continue
            # A key's documents ascend within a run: its ``cap`` last are its last
            # postings here. Taking only those keeps a common shingle (thousands of
            # carriers) from costing thousands of rows for ``cap`` to be kept.
            start += np.maximum(count - cap, 0)
            count = np.minimum(count, cap)
            at = np.repeat(start - np.cumsum(count) + count, count) + np.arange(count.sum())
            docs = np.frombuffer(b"".join(map(itemgetter(1), rows)), dtype=_DOC)
            pieces.append(np.stack([have[at].astype(np.int64), docs[at].astype(np.int64)], axis=1))
        found = _last(np.concatenate(pieces), cap)
    return found


def _last(rows: np.ndarray, cap: int) -> np.ndarray:
    """Of (key, doc) rows, the ``cap`` highest docs of each key, sorted by (key, doc)."""
    if not len(rows):
        return rows
    rows = rows[np.lexsort((-rows[:, 1], rows[:, 0]))]
    new_key = np.r_[True, rows[1:, 0] != rows[:-1, 0]]
    place = np.arange(len(rows))
    rank = place - np.maximum.accumulate(np.where(new_key, place, 0))
    rows = rows[rank < cap]
    return rows[np.lexsort((rows[:, 1], rows[:, 0]))]


def remove_postings(db: sqlite3.Connection, kind: int, keys: np.ndarray, nums: np.ndarray) -> None:
    """Delete every posting of the documents ``nums``, which carry ``keys`` (sorted, distinct)."""
    for run, postings in _runs(db, kind):
        removed = 0
        for rows in _touched(db, run, postings, keys):
            for first, packed_keys, packed_docs in rows:
                docs = np.frombuffer(packed_docs, dtype=_DOC)
                keep = ~np.isin(docs, nums)
                if keep.all():
                    continue
                removed += int((~keep).sum())
                if keep.any():
                    kept_keys = np.frombuffer(packed_keys, dtype=_KEY[kind])[keep]
                    db.execute("UPDATE blocks SET keys = ?, docs = ? WHERE run = ? AND first = ?",
                               (kept_keys.tobytes(), docs[keep].tobytes(), run, first))
                else:
                    db.execute("DELETE FROM blocks WHERE run = ? AND first = ?", (run, first))
        if removed == postings:
            db.execute("DELETE FROM runs WHERE id = ?", (run,))
        elif removed:
            db.execute("UPDATE runs SET postings = postings - ? WHERE id = ?", (removed, run))


def all_postings(db: sqlite3.Connection, kind: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Every (keys, docs) posting of a kind, run by run, a page at a time (each page in key order)."""
    for run, _ in _runs(db, kind):
        for rows in _pages(db, run):
            yield _decode(kind, rows)


def _merge(db: sqlite3.Connection, kind: int, old: Sequence[int]) -> None:
    """Merge runs into one new run (streaming: what is buffered is a few pages of
    blocks; each page of the old runs is deleted once read)."""
    new = db.execute("INSERT INTO runs(kind, postings) VALUES (?, 0)", (kind,)).lastrowid
    count = 0
    for keys, docs in _merged(db, kind, old):
        db.executemany("INSERT INTO blocks VALUES (?, ?, ?, ?)", _block_rows(new, kind, keys, docs))
        count += len(keys)
    db.execute(f"DELETE FROM runs WHERE id IN ({','.join('?' * len(old))})", tuple(old))
    db.execute("UPDATE runs SET postings = ? WHERE id = ?", (count, new))


def _merged(db: sqlite3.Connection, kind: int, runs: Sequence[int]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The postings of ``runs`` (oldest first) in (key, doc) order, in pieces that never split a key.

    A run's unread blocks hold keys at or above its next block's ``first``; so
    once every run has been read up to some point, the buffered postings below
    the least of those firsts are final. The run furthest behind is read next.
    Each run's postings are buffered apart, so that a final piece is the runs'
    sorted pieces, oldest first.
    """
    pages = {run: _pages(db, run) for run in runs}
    ahead: dict[int, list[tuple]] = {}
    heads: dict[int, int] = {}
    for run in runs:
        rows = next(pages[run], None)
        if rows:
            ahead[run], heads[run] = rows, rows[0][0]
    empty = np.zeros(0, np.int64)
    buffered = {run: (empty, empty) for run in runs}
    while heads:
        run = min(heads, key=lambda r: (heads[r], r))
        page = ahead.pop(run)
        more_keys, more_docs = _decode(kind, page)
        # Gone as soon as read: the merged run's blocks take the pages they free
        # (in the same transaction), so a merge does not leave the file bigger by the runs it merged.
        db.execute("DELETE FROM blocks WHERE run = ? AND first BETWEEN ? AND ?", (run, page[0][0], page[-1][0]))
        keys, docs = buffered[run]
        buffered[run] = np.concatenate([keys, more_keys]), np.concatenate([docs, more_docs])
        rows = next(pages[run], None)
        if rows:
            ahead[run], heads[run] = rows, rows[0][0]
        else:
            del heads[run]
        bound = min(heads.values()) if heads else None
        final_keys, final_docs = [], []
        for one in runs:
            keys, docs = buffered[one]
            cut = len(keys) if bound is None else int(np.searchsorted(keys, bound))
            if cut:
                final_keys.append(keys[:cut])
                final_docs.append(docs[:cut])
                buffered[one] = keys[cut:], docs[cut:]
        if final_keys:
            yield _by_key_and_doc(np.concatenate(final_keys), np.concatenate(final_docs))


def _by_key_and_doc(keys: np.ndarray, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Postings sorted by (key, doc), given as a few pieces each so sorted.

    A stable sort by key alone (timsort, which takes the sorted pieces as they
    are) is enough when each key's documents then ascend, as they do when the
    pieces come oldest run first: a run's documents were all added after the
    older runs' (and ``lexsort`` by both took most of a merge's time)."""
    order = np.argsort(keys, kind="stable")
    keys, docs = keys[order], docs[order]
    if np.all((keys[1:] != keys[:-1]) | (docs[1:] > docs[:-1])):
        return keys, docs
    order = np.lexsort((docs, keys))
    return keys[order], docs[order]
