"""Results never depend on how the corpus was cut: batch size, input order, jobs,
or parts signed separately and gathered in any order."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedup
from dedup.report import write_clusters, write_provenance

_SHARED = [
    "The Office of Counter-Terrorism has five main functions, set out by the General Assembly in its resolution.",
    "Officials from the bank met the ministry on Monday to discuss the loan and the terms of its repayment.",
    "The company said its net profit rose sharply in the quarter on higher sales of cars in Europe and Asia.",
]


def _corpus(n: int = 24, seed: int = 7) -> list[dedup.Document]:
    """Articles of their own words plus shared paragraphs, some lightly edited, some dated."""
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(400)]
    docs = []
    for i in range(n):
        own = [" ".join(rng.choice(words) for _ in range(rng.randint(14, 40))) + "." for _ in range(rng.randint(1, 3))]
        shared = [p for k, p in enumerate(_SHARED) if (i >> k) & 1]
        if i % 5 == 0 and shared:
            shared[0] = shared[0].replace("the", "a", 1)
        paragraphs = own[:1] + shared + own[1:]
        date = f"2020-01-{1 + i % 20:02d}" if i % 4 else None
        docs.append(dedup.Document(f"doc-{(i * 37) % n:03d}", "\n\n".join(paragraphs), date=date))
    return docs


def _bytes(result) -> str:
    from io import StringIO

    out = StringIO()
    (write_provenance if isinstance(result, dedup.ProvenanceResult) else write_clusters)(result, out, "json")
    return out.getvalue()


CORPUS = _corpus()


@pytest.fixture(scope="module")
def reference() -> tuple[str, str]:
    return _bytes(dedup.find_clusters(CORPUS)), _bytes(dedup.find_provenance(CORPUS))


@pytest.mark.parametrize("batch_size", [1, 7, 256])
def test_batch_size_and_input_order_change_nothing(reference, batch_size):
    shuffled = random.Random(batch_size).sample(CORPUS, len(CORPUS))
    params = dedup.Params(batch_size=batch_size)
    assert _bytes(dedup.find_clusters(shuffled, params)) == reference[0]
    assert _bytes(dedup.find_provenance(shuffled, params)) == reference[1]


def test_jobs_change_nothing(reference):
    params = dedup.Params(batch_size=3)  # enough batches for the pool to be used
    assert _bytes(dedup.find_clusters(CORPUS, params, jobs=2)) == reference[0]
    assert _bytes(dedup.find_provenance(CORPUS, params, jobs=2)) == reference[1]


def _clusters_of(index: dedup.CorpusIndex) -> list[dedup.Cluster]:
    candidates = dedup.find_candidates(index)
    return dedup.cluster_index(index, dedup.verify_candidates(index, candidates))


def _pair_ids(index: dedup.CorpusIndex) -> list[tuple[str, str]]:
    pairs = dedup.document_pairs(index, dedup.find_candidates(index))
    return [(index.doc_ids[a], index.doc_ids[b]) for a, b in zip(pairs.left.tolist(), pairs.right.tolist())]


def _signed_parts(order: list[int], cuts: list[int]) -> list[dedup.SignedBatch]:
    docs = [CORPUS[i] for i in order]
    bounds = [0, *sorted(set(cuts)), len(docs)]
    options = dedup.SignOptions(anchors=True)
    return [dedup.index_batch(dedup.sign_documents(docs[lo:hi], options)) for lo, hi in zip(bounds, bounds[1:]) if hi > lo]


def _whole() -> tuple[list[dedup.Cluster], list[tuple[str, str]]]:
    whole = _signed_parts(list(range(len(CORPUS))), [])
    return _clusters_of(dedup.gather_signed(whole)), _pair_ids(dedup.gather_signed(whole))


WHOLE = _whole()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    order=st.permutations(range(len(CORPUS))),
    cuts=st.lists(st.integers(min_value=1, max_value=len(CORPUS) - 1), max_size=6),
    part_order=st.randoms(use_true_random=False),
)
def test_parts_signed_separately_and_gathered_in_any_order_give_the_same_result(order, cuts, part_order):
    parts = _signed_parts(list(order), cuts)
    part_order.shuffle(parts)
    assert _clusters_of(dedup.gather_signed(parts)) == WHOLE[0]
    parts = _signed_parts(list(order), cuts)  # document_pairs consumes the anchors it is given
    assert _pair_ids(dedup.gather_signed(parts)) == WHOLE[1]


def test_lsh_buckets_are_exact_keys_whatever_the_corpus_size():
    # Two keys that differ only in their lowest bit: no bucket, for two
    # passages or for a million. (Packing the rank into bits taken from the
    # key by corpus size once made them a pair in small corpora only.)
    key = np.uint64(0xDEADBEEF12345678)
    for extra in (0, 1000):
        keys = np.concatenate([[key, key ^ np.uint64(1)], np.arange(extra, dtype=np.uint64) * np.uint64(2**40 + 3)])
        found = dedup.candidate_pairs(keys[:, None], groups=np.arange(len(keys)))
        assert len(found) == 0
        same = keys.copy()
        same[1] = key
        found = dedup.candidate_pairs(same[:, None], groups=np.arange(len(keys)))
        assert list(zip(found.left.tolist(), found.right.tolist())) == [(0, 1)]


def test_unrelated_documents_leave_candidates_among_others_unchanged():
    index = dedup.gather_signed(_signed_parts(list(range(len(CORPUS))), []))
    rng = random.Random(3)
    noise = [dedup.Document(f"zz-{i}", " ".join(f"n{rng.randrange(10**6)}" for _ in range(60))) for i in range(300)]
    options = dedup.SignOptions(anchors=True)
    bigger = dedup.gather_signed(_signed_parts(list(range(len(CORPUS))), []) + [
        dedup.index_batch(dedup.sign_documents(noise[i : i + 50], options)) for i in range(0, 300, 50)])

    def passage_pairs(ix: dedup.CorpusIndex) -> set[tuple[tuple[str, int, int], tuple[str, int, int]]]:
        c = dedup.find_candidates(ix)
        p = ix.passages
        key = [(ix.doc_ids[d], s, e) for d, s, e in zip(p.doc.tolist(), p.start.tolist(), p.end.tolist())]
        return {(key[a], key[b]) for a, b in zip(c.left.tolist(), c.right.tolist())}

    assert passage_pairs(index) == {pair for pair in passage_pairs(bigger) if not pair[1][0].startswith("zz-")}
    assert json.dumps(WHOLE[1]) == json.dumps(_pair_ids(dedup.gather_signed(_signed_parts(list(range(len(CORPUS))), []))))
