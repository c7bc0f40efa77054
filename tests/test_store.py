"""DocumentStore: documents by id, in memory up to a limit and in a temporary file past it."""

from __future__ import annotations

import pickle

import pytest

import dedup
from dedup import Document, DocumentStore


def _docs(n: int) -> list[Document]:
    return [Document(f"d{i:03d}", f"text number {i} " * (i % 7 + 1), date="2020-01-02", extra={"i": i},
                     location=f"dump.jsonl:{i + 1}") for i in range(n)]


@pytest.mark.parametrize("limit", [0, 100, 10**9])
def test_every_document_comes_back_whole_in_insertion_order(limit):
    docs = _docs(50)
    with DocumentStore(memory_limit=limit) as store:
        store.add(docs[:20])
        store.add(docs[20:])
        assert list(store) == [d.id for d in docs] and len(store) == 50
        # Reads between writes must not disturb later writes.
        assert store["d003"] == docs[3]
        store.add([Document("late", "added after a read")])
        assert [store[d.id] for d in docs] == docs
        assert [store[d.id].extra for d in docs] == [d.extra for d in docs]
        assert store["late"].text == "added after a read"
        assert (store.spilled == 0) == (limit == 10**9)
        assert "d049" in store and "nope" not in store
        with pytest.raises(KeyError):
            store["nope"]


def test_duplicate_ids_are_an_error_naming_the_place():
    store = DocumentStore()
    store.add([Document("a", "one", location="x.jsonl:1")])
    with pytest.raises(dedup.ParameterError, match=r"duplicate document id 'a' at x.jsonl:2"):
        store.add([Document("a", "two", location="x.jsonl:2")])


def test_a_copy_for_another_process_holds_everything_in_memory():
    docs = _docs(10)
    store = DocumentStore(memory_limit=0)
    store.add(docs)
    copy = pickle.loads(pickle.dumps(store))
    store.close()
    assert copy.spilled == 0 and [copy[d.id] for d in docs] == docs


def test_a_closed_store_says_so():
    store = DocumentStore(memory_limit=0)
    store.add(_docs(2))
    store.close()
    with pytest.raises(dedup.ParameterError, match="closed"):
        store["d000"]


def test_the_pipeline_spills_and_reports_the_same(monkeypatch):
    shared = "The Office aims to have a close relationship with Security Council bodies and Member States."
    docs = [Document(f"n{i}", f"Intro {i} words here. {shared}" if i % 2 else f"{shared} Outro {i}.") for i in range(8)]
    expected = dedup.find_clusters(docs)
    monkeypatch.setattr("dedup.store.MEMORY_LIMIT", 0)
    spilled = dedup.find_clusters(docs)
    assert isinstance(spilled.documents, DocumentStore) and spilled.documents.spilled == len(docs)
    assert spilled.clusters == expected.clusters
    assert [spilled.documents[d.id] for d in docs] == docs


def test_a_full_temporary_folder_is_a_write_error_and_the_store_stays_whole(monkeypatch):
    store = DocumentStore(memory_limit=0)
    store.add(_docs(2))

    class Full:
        def seek(self, offset):
            pass

        def write(self, blob):
            raise OSError(28, "No space left on device")

    kept = store._file
    monkeypatch.setattr(store, "_file", Full())
    with pytest.raises(dedup.WriteError, match="No space left on device; set TMPDIR"):
        store.add([Document("late", "no room for this one")])
    monkeypatch.setattr(store, "_file", kept)
    assert "late" not in store and len(store) == store.spilled == 2
    assert [store[d.id] for d in _docs(2)] == _docs(2)


def test_read_ahead_advice_changes_nothing_that_is_read(monkeypatch):
    """``prefetch`` only advises the system: spilled documents read back the same,
    ids it does not hold or holds in memory are passed over, and the
    alignment batches are the same with the advice as from a plain mapping."""
    import numpy as np

    from dedup import pipeline
    from dedup.index import DocumentPairs

    docs = [Document(f"d{i}", f"text number {i} " * (i + 1)) for i in range(40)]
    store = DocumentStore(memory_limit=100)
    store.add(docs)
    assert store.spilled > 30
    store.prefetch(["d39", "nobody", "d0", "d39"])
    assert [store[d.id] for d in docs] == docs
    rng = np.random.default_rng(5)
    left, right = rng.integers(0, 40, 300), rng.integers(0, 40, 300)
    pairs = DocumentPairs(np.minimum(left, right), np.maximum(left, right))
    order = rng.permutation(300)
    monkeypatch.setattr(pipeline, "_PAIRS_PER_BATCH", 7)
    ids = [d.id for d in docs]

    def batches(documents):
        out = []
        for packed, left, right in pipeline._pair_batches(pairs, order, ids, documents):
            found = [pickle.loads(d) if isinstance(d, bytes) else d for d in packed]
            assert len({d.id for d in found}) == len(found)  # each document once in a batch
            out.append([(found[a], found[b]) for a, b in zip(left, right)])
        return out

    advised, plain = batches(store), batches(dict(store.items()))
    assert advised == plain and sum(map(len, advised)) == 300
    assert [(a.id, b.id) for batch in plain for a, b in batch] == [(ids[a], ids[b]) for a, b in
                                                                   zip(pairs.left[order], pairs.right[order])]
    assert any(isinstance(d, bytes) for packed, _, _ in pipeline._pair_batches(pairs, order, ids, store)
               for d in packed)  # spilled documents travel as the file's bytes
    store.close()
    store.prefetch(["d1"])  # a closed store has nothing to advise on


def test_provenance_with_every_document_spilled_on_two_workers_is_the_same(monkeypatch):
    """Spilled documents reach the alignment workers as the file's bytes."""
    shared = ("The Office aims to have a close relationship with Security Council bodies and Member States, "
              "strengthening existing and developing new partnerships with regional organisations.")
    docs = [Document(f"n{i}", f"Intro {i} words here. {shared}" if i % 2 else f"{shared} Outro {i}.",
                     date=f"2020-01-{i + 1:02d}") for i in range(8)]
    expected = dedup.find_provenance(docs)
    monkeypatch.setattr("dedup.store.MEMORY_LIMIT", 0)
    spilled = dedup.find_provenance(docs, jobs=2)
    assert spilled.documents.spilled == len(docs)
    assert spilled.report.to_dict() == expected.report.to_dict() and expected.stats["alignments"] > 0
