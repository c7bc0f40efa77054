"""The archive's postings as sorted runs: whatever runs were written, merged or
thinned by removals, a lookup (block by block or in key order) gives what a
plain scan of every posting gives."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest

from dedup.archive import postings


def _db() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", isolation_level=None)
    for statement in postings.TABLES.strip().split(";\n"):
        db.execute(statement)
    return db


def _day(rng: np.random.Generator, first_doc: int, docs: int, kind: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted, distinct postings of ``docs`` documents: rare keys, and a few
    common ones that many documents carry (longer than a block)."""
    top = 1 << 40 if kind == postings.BAND else 1 << 30
    keys, owners = [], []
    for doc in range(first_doc, first_doc + docs):
        mine = np.unique(np.r_[rng.integers(-top, top, 40), rng.integers(0, 5, 3), rng.integers(0, 2000, 20)])
        keys.append(mine)
        owners.append(np.full(len(mine), doc))
    k, d = np.concatenate(keys), np.concatenate(owners)
    order = np.lexsort((d, k))
    return k[order], d[order]


def _expected(every: tuple[np.ndarray, np.ndarray], keys: np.ndarray, cap: int) -> list[tuple[int, int]]:
    k, d = every
    out = []
    for key in keys.tolist():
        docs = sorted(d[k == key].tolist())[-cap:]
        out.extend((key, doc) for doc in docs)
    return out


@pytest.mark.parametrize("kind", [postings.BAND, postings.ANCHOR])
def test_lookups_equal_a_scan_across_runs_merges_and_removals(kind, monkeypatch):
    rng = np.random.default_rng(kind)
    db = _db()
    everything = (np.zeros(0, np.int64), np.zeros(0, np.int64))
    doc = 1
    for docs in (300, 40, 40, 100, 10, 500, 7):
        k, d = _day(rng, doc, docs, kind)
        postings.write_run(db, kind, k, d)
        everything = (np.r_[everything[0], k], np.r_[everything[1], d])
        doc += docs
    sizes = postings.run_sizes(db, kind)
    assert len(sizes) < 7  # merged as they grew
    assert sum(sizes) == len(everything[0])
    assert db.execute("SELECT count(*) FROM blocks WHERE run NOT IN (SELECT id FROM runs)").fetchone()[0] == 0
    removed = np.array([3, 350, 351, doc - 1])
    mine = np.unique(everything[0][np.isin(everything[1], removed)])
    postings.remove_postings(db, kind, mine, removed)
    gone = np.isin(everything[1], removed)
    everything = (everything[0][~gone], everything[1][~gone])
    every_key = np.unique(everything[0])
    asked = [np.unique(np.r_[every_key[rng.integers(0, len(every_key), n)], rng.integers(-50, 2050, 5)])
             for n in (1, 3, 30, 2000)]
    for compacted in (False, True):
        if compacted:
            postings.compact(db, kind)
            assert postings.run_sizes(db, kind) == [len(everything[0])]
        for share in (0, 1 << 40):  # block by block; every run read in key order
            monkeypatch.setattr(postings, "_PROBE_SHARE", share)
            for keys in asked:
                for cap in (1, 4, 1000):
                    found = postings.carriers(db, kind, keys, cap)
                    assert [tuple(r) for r in found.tolist()] == _expected(everything, keys, cap)
        stored = [np.concatenate(p) for p in zip(*postings.all_postings(db, kind))]
        order = np.lexsort((stored[1], stored[0]))
        assert np.array_equal(stored[0][order], np.sort(everything[0]))
        assert db.execute("SELECT count(*) FROM blocks WHERE run NOT IN (SELECT id FROM runs)").fetchone()[0] == 0


def test_an_add_merges_runs_only_up_to_a_bound_of_its_own_postings():
    """Each write merges the newest runs only into a run of at most ADD_MERGE times its
    own postings: a small add never rewrites the large run a compaction made."""
    db = _db()
    rng = np.random.default_rng(7)
    k, d = _day(rng, 1, 2000, postings.BAND)
    postings.write_run(db, postings.BAND, k, d)
    doc, sizes = 2001, []
    for _ in range(12):
        k, d = _day(rng, doc, 20, postings.BAND)
        postings.write_run(db, postings.BAND, k, d)
        doc += 20
        sizes.append(len(k))
        runs = postings.run_sizes(db, postings.BAND)
        assert runs[0] > 50 * len(k)  # the large run was left as it was
        assert all(n <= postings.ADD_MERGE * max(sizes) for n in runs[1:])
    assert len(runs) < 12  # the small runs were merged among themselves


def test_a_key_never_spans_two_blocks_of_a_run():
    db = _db()
    keys = np.repeat(np.arange(10, dtype=np.int64), [1, 500, 3, 200, 1, 1, 130, 2, 127, 128])
    docs = np.concatenate([np.arange(n) for n in np.bincount(keys)])
    postings.write_run(db, postings.ANCHOR, keys, docs)
    seen = set()
    for first, packed in db.execute("SELECT first, keys FROM blocks ORDER BY first"):
        held = np.frombuffer(packed, "<i4")
        assert held[0] == first and not seen & set(held.tolist())
        seen |= set(held.tolist())
    assert seen == set(range(10))
