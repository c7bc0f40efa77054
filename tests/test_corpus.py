"""corpus: the compact form the corpus-wide steps keep, the corpus index, and ranks that ignore input order."""

from __future__ import annotations

import numpy as np
import pytest

import dedup


def _docs() -> list[dedup.Document]:
    para = "Reuters reported the deal on Monday after talks in London with the bank and its advisers."
    return [
        dedup.Document(f"doc-{i:02d}", "\n\n".join([f"Story {i} opens with its own words here today."] + [para] * (i % 3)
                                                     + [" ".join([para] * 9)]))
        for i in range(12)
    ]


def test_index_batch_keeps_what_the_corpus_wide_stages_need():
    docs = _docs()
    signed = dedup.sign_documents(docs)
    compact = dedup.index_batch(signed)
    assert compact.signatures.values.dtype == np.uint8 and compact.signatures.scheme == signed.signatures.scheme
    assert np.array_equal(compact.signatures.values, signed.signatures.bbit(8).values)
    for field in ("doc", "start", "end", "token_start", "token_end"):
        column = getattr(compact.passages, field)
        assert column.dtype == np.int32 and np.array_equal(column, getattr(signed.passages, field))
    assert compact.doc_ids == signed.doc_ids


def test_passage_rank_is_the_order_of_document_id_start_end_kind():
    docs = _docs()
    rng = np.random.default_rng(3)
    shuffled = [docs[i] for i in rng.permutation(len(docs))]
    batches = [dedup.index_batch(dedup.sign_documents(shuffled[i : i + 5])) for i in range(0, len(shuffled), 5)]
    index = dedup.gather_signed(batches)
    doc_ids, passages, rank = index.doc_ids, index.passages, index.rank
    assert np.array_equal(rank, dedup.passage_rank(doc_ids, passages))
    keys = [(doc_ids[d], s, e, k) for d, s, e, k in
            zip(passages.doc.tolist(), passages.start.tolist(), passages.end.tolist(), passages.kind.tolist())]
    assert sorted(range(len(keys)), key=keys.__getitem__) == np.argsort(rank).tolist()
    assert sorted(rank.tolist()) == list(range(len(keys)))
    assert set(passages.kind.tolist()) == {0, 1}  # windows of long paragraphs are ranked too


def test_gather_signed_concatenates_batches_and_numbers_documents_across_them(monkeypatch):
    docs = _docs()
    batches = [dedup.index_batch(dedup.sign_documents(docs[i : i + 4])) for i in range(0, len(docs), 4)]
    expected_values = np.concatenate([b.signatures.values for b in batches])
    expected_docs = np.concatenate([b.passages.doc + 4 * i for i, b in enumerate(batches)])
    monkeypatch.setattr("dedup.corpus._Columns._BLOCK_BYTES", 1)  # a block per batch
    index = dedup.gather_signed(iter(batches))
    doc_ids, passages, signatures = index.doc_ids, index.passages, index.signatures
    assert doc_ids == tuple(d.id for d in docs) and index.documents == len(docs)
    assert np.array_equal(passages.doc, expected_docs) and np.array_equal(signatures.values, expected_values)
    assert signatures.scheme == batches[0].signatures.scheme and len(signatures.sizes) == len(passages)


def test_gather_signed_of_nothing():
    index = dedup.gather_signed([dedup.index_batch(dedup.sign_documents([dedup.Document("a", "")]))])
    assert index.doc_ids == ("a",) and len(index.passages) == 0 and index.signatures is None
    assert dedup.find_candidates(index).left.size == 0


def test_gather_signed_refuses_a_document_id_twice_and_mixed_schemes():
    docs = _docs()
    twice = [dedup.sign_documents(docs[:3]), dedup.sign_documents(docs[2:4])]
    with pytest.raises(dedup.ParameterError, match="duplicate document id 'doc-02'"):
        dedup.gather_signed(twice)
    other = dedup.SignOptions(scheme=dedup.Scheme(seed=2))
    with pytest.raises(dedup.ParameterError, match="different schemes"):
        dedup.gather_signed([dedup.sign_documents(docs[:3]), dedup.sign_documents(docs[3:6], other)])


def test_workers_get_only_a_few_batches_ahead_of_the_results():
    """Executor.map would read the whole corpus before the first result: memory would grow with it."""
    from concurrent.futures import ProcessPoolExecutor

    from dedup.pipeline import _ordered_map

    pulled = []

    def items():
        for i in range(40):
            pulled.append(i)
            yield i

    with ProcessPoolExecutor(max_workers=2) as pool:
        results = _ordered_map(pool, 2, abs, items())
        first = next(results)
        ahead = len(pulled)
        rest = list(results)
    assert first == 0 and rest == list(range(1, 40))  # in input order
    assert ahead <= 4


@pytest.mark.parametrize("shift", [0, 20, 60])
def test_key_partitions_give_every_key_sorted_in_order_also_from_their_files(shift):
    from dedup.corpus import KeyPartitions

    rng = np.random.default_rng(shift)
    batches = [rng.integers(0, 2**63, 5000, dtype=np.uint64) >> np.uint64(63 - min(shift + 8, 63))
               for _ in range(12)]
    spilled = KeyPartitions(shift=shift, memory_limit=0)
    spilled._FLUSH_BYTES = 1  # every piece goes to its part's file
    for b in batches:
        spilled.add(b)
    assert len(spilled) == 12 * 5000 and any(f is not None for f in spilled._files)
    assert np.array_equal(np.concatenate(list(spilled.partitions())), np.sort(np.concatenate(batches)))
    assert list(spilled.partitions()) == []  # given once


def test_document_pairs_are_the_same_when_anchors_and_pair_counts_spill(monkeypatch):
    docs = _docs()
    options = dedup.SignOptions(anchors=True)
    index = dedup.gather_signed([dedup.index_batch(dedup.sign_documents(docs, options))])
    expected = dedup.document_pairs(index, dedup.find_candidates(index))
    monkeypatch.setattr("dedup.corpus.KeyPartitions._FLUSH_BYTES", 1)
    monkeypatch.setattr("dedup.corpus.KeyPartitions.__init__.__defaults__", (60, 0))
    index = dedup.gather_signed([dedup.index_batch(dedup.sign_documents(docs, options))])
    assert any(f is not None for f in index.anchors._files)
    found = dedup.document_pairs(index, dedup.find_candidates(index))
    assert np.array_equal(found.left, expected.left) and np.array_equal(found.right, expected.right)
    assert len(expected) > 0
