"""cluster: verification, union-find with the representative check, deterministic ids."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedup
from dedup.cluster import Cluster, ClusterMember, build_clusters, estimate, group_passages, verify_pairs
from dedup.index import Candidates

NUM_PERM = 100


def _pairs(*pairs) -> Candidates:
    left, right = zip(*pairs) if pairs else ((), ())
    return Candidates(np.array(left, dtype=np.int64), np.array(right, dtype=np.int64))


def _chain():
    """A, B, C: B is half A and half C; A and C share nothing."""
    rng = np.random.default_rng(0)
    a, c = rng.integers(0, 2**32, (2, NUM_PERM), dtype=np.uint32)
    b = np.concatenate([a[: NUM_PERM // 2], c[NUM_PERM // 2 :]])
    return np.stack([a, b, c]), np.array([40, 40, 40])


# ---------------------------------------------------------------------------
# Verification


def test_verification_rejects_dissimilar_pairs_and_keeps_similar_ones():
    rng = np.random.default_rng(1)
    values = rng.integers(0, 2**32, (4, NUM_PERM), dtype=np.uint32)
    values[1, :70] = values[0, :70]  # Jaccard 0.7
    values[3, :30] = values[2, :30]  # Jaccard 0.3
    sizes = np.array([50, 50, 50, 50])
    verified = verify_pairs(values, sizes, _pairs((0, 1), (2, 3), (0, 2)), threshold=0.5)
    assert list(zip(verified.left.tolist(), verified.right.tolist())) == [(0, 1)]
    assert verified.jaccard.tolist() == [0.7]


def test_containment_of_a_short_passage_in_a_long_one_counts():
    rng = np.random.default_rng(2)
    values = rng.integers(0, 2**32, (2, NUM_PERM), dtype=np.uint32)
    values[1, :25] = values[0, :25]  # Jaccard 0.25 ...
    sizes = np.array([20, 80])  # ... but the 20 shingles of 0 all lie inside 1: 0.25 * 100 / 1.25 = 20
    verified = verify_pairs(values, sizes, _pairs((0, 1)), threshold=0.5, containment_threshold=0.8)
    assert len(verified) == 1 and verified.containment[0] == pytest.approx(1.0)
    assert len(verify_pairs(values, np.array([80, 80]), _pairs((0, 1)), threshold=0.5)) == 0


@pytest.mark.parametrize("options", [{"threshold": 0.0}, {"threshold": 1.5}, {"containment_threshold": 0.0}])
def test_verification_thresholds_are_checked(options):
    values, sizes = _chain()
    with pytest.raises(dedup.ParameterError):
        verify_pairs(values, sizes, _pairs((0, 1)), **options)


# ---------------------------------------------------------------------------
# Grouping


def test_representative_check_stops_chaining_through_partial_overlaps():
    values, sizes = _chain()
    verified = verify_pairs(values, sizes, _pairs((0, 1), (0, 2), (1, 2)), threshold=0.5)
    assert list(zip(verified.left.tolist(), verified.right.tolist())) == [(0, 1), (1, 2)]  # A~B, B~C, not A~C
    labels = group_passages(values, sizes, verified, rank=np.array([0, 1, 2]), threshold=0.5)
    assert labels[0] == labels[1] >= 0 and labels[2] == -1
    # Without the representative check, plain union-find would have joined all three.
    labels = group_passages(values, sizes, verified, rank=np.array([2, 1, 0]), threshold=0.5)
    assert labels[2] == labels[1] >= 0 and labels[0] == -1


def test_groups_do_not_depend_on_passage_order():
    values, sizes = _chain()
    values = np.concatenate([values, values[:1]])  # D is a copy of A
    sizes = np.append(sizes, 40)
    rank = np.array([0, 1, 2, 3])
    candidates = _pairs((0, 1), (1, 2), (0, 3), (1, 3))
    expected = _partition(group_passages(values, sizes, verify_pairs(values, sizes, candidates), rank=rank))
    for seed in range(5):
        perm = np.random.default_rng(seed).permutation(4)  # new i holds old perm[i]
        inverse = np.argsort(perm)
        moved = _pairs(*[tuple(sorted((int(inverse[a]), int(inverse[b]))))
                         for a, b in zip(candidates.left, candidates.right)])
        labels = group_passages(values[perm], sizes[perm], verify_pairs(values[perm], sizes[perm], moved),
                                rank=rank[perm])
        assert {frozenset(int(perm[i]) for i in g) for g in _partition(labels)} == expected


def _connected(nodes: frozenset[int], edges: list[tuple[int, int]]) -> bool:
    seen, todo = set(), [min(nodes)]
    while todo:
        x = todo.pop()
        if x not in seen:
            seen.add(x)
            todo += [b if a == x else a for a, b in edges if x in (a, b)]
    return seen == set(nodes)


def _partition(labels: np.ndarray) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for i, label in enumerate(labels.tolist()):
        if label >= 0:
            groups.setdefault(label, set()).add(i)
    return {frozenset(g) for g in groups.values()}


# ---------------------------------------------------------------------------
# Clusters


def test_build_clusters_merges_overlaps_and_numbers_by_first_member():
    labels = np.array([5, 5, 5, 2, 2, -1])
    doc = np.array([1, 1, 0, 2, 0, 0])
    start = np.array([0, 10, 50, 0, 0, 80])
    end = np.array([20, 30, 90, 40, 30, 95])
    verified = dedup.Verified(np.array([0, 1, 3]), np.array([2, 2, 4]), np.array([0.9, 0.6, 0.7]),
                              np.array([0.9, 0.6, 0.7]))
    clusters = build_clusters(labels, doc=doc, start=start, end=end, doc_ids=["a", "b", "c"], verified=verified)
    assert clusters == [
        Cluster("c000001", (ClusterMember("a", 0, 30), ClusterMember("c", 0, 40)), 0.7),
        Cluster("c000002", (ClusterMember("a", 50, 90), ClusterMember("b", 0, 30)), 0.6),
    ]
    assert clusters[1].size == 2 and clusters[1].documents == 2


def _corpus(n_docs: int = 24, seed: int = 0) -> tuple[list[dedup.Document], list[str]]:
    """Documents of their own opening paragraph and two of six shared ones."""
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(400)]
    shared = [" ".join(rng.choice(words) for _ in range(25)) + "." for _ in range(6)]
    docs = []
    for i in range(n_docs):
        own = [f"Story {i} begins " + " ".join(rng.choice(words) for _ in range(20)) + "."]
        docs.append(dedup.Document(f"doc{i:03d}", "\n\n".join(own + rng.sample(shared, 2))))
    return docs, shared


def test_cluster_ids_do_not_depend_on_input_order():
    docs, _ = _corpus()
    expected = dedup.find_clusters(docs).clusters
    assert len(expected) >= 3
    assert [c.id for c in expected] == [f"c{i:06d}" for i in range(1, len(expected) + 1)]
    for seed in range(3):
        shuffled = docs[:]
        random.Random(seed).shuffle(shuffled)
        assert dedup.find_clusters(shuffled, dedup.Params(batch_size=7)).clusters == expected


def test_clusters_are_verified_shared_text():
    docs, shared = _corpus()
    result = dedup.find_clusters(docs)
    texts = {d.id: d.text for d in docs}
    assert {p for c in result.clusters for m in c.members for p in shared if p in texts[m.doc][m.start : m.end]} \
        == set(shared)
    for c in result.clusters:
        assert c.documents >= 2 and 0.5 <= c.similarity <= 1.0
        assert list(c.members) == sorted(c.members, key=lambda m: (m.doc, m.start, m.end))
        # Members are shared paragraphs (with a neighbour sentence where a bridge
        # passage joined): each holds a shared paragraph another member holds too.
        held = [{p for p in shared if p in texts[m.doc][m.start : m.end]} for m in c.members]
        for k, mine in enumerate(held):
            assert any(mine & other for j, other in enumerate(held) if j != k)


# ---------------------------------------------------------------------------
# Property: group_passages partitions its input


@st.composite
def _signatures_and_candidates(draw):
    n = draw(st.integers(2, 14))
    # Few distinct values per column make partial overlaps common.
    values = np.array(draw(st.lists(st.lists(st.integers(0, 2), min_size=16, max_size=16), min_size=n, max_size=n)),
                      dtype=np.uint32)
    sizes = np.array(draw(st.lists(st.integers(1, 60), min_size=n, max_size=n)))
    pairs = draw(st.sets(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] < p[1])))
    rank = np.array(draw(st.permutations(range(n))))
    return values, sizes, sorted(pairs), rank


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_signatures_and_candidates(), st.sampled_from([0.4, 0.5, 0.8]))
def test_group_passages_partitions_its_input(case, threshold):
    values, sizes, pairs, rank = case
    n = len(values)
    verified = verify_pairs(values, sizes, _pairs(*pairs), threshold=threshold)
    labels = group_passages(values, sizes, verified, rank=rank, threshold=threshold)
    assert labels.shape == (n,)
    groups = _partition(labels)
    # Every passage is in at most one group; groups have two members or more.
    assert sum(len(g) for g in groups) == int((labels >= 0).sum())
    assert all(len(g) >= 2 for g in groups)
    # Each group is held together by verified pairs inside it.
    edges = list(zip(verified.left.tolist(), verified.right.tolist()))
    for g in groups:
        assert _connected(g, [(a, b) for a, b in edges if a in g and b in g])

    # Relabelling the passages (and their ranks) gives the same partition.
    perm = np.random.default_rng(0).permutation(n)
    inverse = np.argsort(perm)
    moved = _pairs(*[tuple(sorted((int(inverse[a]), int(inverse[b])))) for a, b in pairs])
    relabelled = group_passages(values[perm], sizes[perm], verify_pairs(values[perm], sizes[perm], moved,
                                threshold=threshold), rank=rank[perm], threshold=threshold)
    assert {frozenset(int(perm[i]) for i in g) for g in _partition(relabelled)} == groups


def test_real_wire_copy_clusters_are_deterministic_and_slice_back(reuters_docs):
    expected = dedup.find_clusters(reuters_docs)
    assert len(expected.clusters) > 50
    shuffled = reuters_docs[:]
    random.Random(0).shuffle(shuffled)
    assert dedup.find_clusters(shuffled, dedup.Params(batch_size=100)).clusters == expected.clusters
    seen: dict[tuple[str, int, int], str] = {}
    for c in expected.clusters:
        assert c.documents >= 2
        for m in c.members:
            text = expected.documents[m.doc].text[m.start : m.end]
            assert text == text.strip() != ""
            assert seen.setdefault((m.doc, m.start, m.end), c.id) == c.id


@pytest.mark.parametrize("jaccard", [0.3, 0.5, 0.8, 1.0])
def test_bbit_estimates_take_out_chance_agreement(jaccard):
    """8-bit values of unrelated passages agree 1 time in 256; the estimate
    corrects for it and stays close to the full 32-bit estimate."""
    rng = np.random.default_rng(7)
    n, num_perm = 400, 128
    left = rng.integers(0, 2**32, (n, num_perm), dtype=np.uint32)
    right = rng.integers(0, 2**32, (n, num_perm), dtype=np.uint32)
    same = rng.random((n, num_perm)) < jaccard
    right[same] = left[same]
    full = dedup.Signatures(np.concatenate([left, right]), np.full(2 * n, 60), dedup.Scheme(num_perm=num_perm))
    narrow = full.bbit(8)
    rows = np.arange(n)
    exact, _ = estimate(full.values, full.sizes, rows, rows + n)
    found, _ = estimate(narrow.values, narrow.sizes, rows, rows + n)
    # Uncorrected, the mean would sit (1 - J) / 256 high: 0.002 at J = 0.5.
    assert abs(found.mean() - exact.mean()) < 0.0006
    assert np.abs(found - exact).max() < 0.05


def test_estimate_of_many_pairs_is_the_share_of_equal_values_pair_by_pair():
    """Past one chunk the pairs are estimated on threads, chunk by chunk:
    every pair still gets its own share of equal values, in its own place."""
    rng = np.random.default_rng(3)
    values = rng.integers(0, 4, (500, 16), dtype=np.uint32)
    sizes = rng.integers(1, 90, 500)
    count = 3 * (1 << 16) + 17
    left, right = rng.integers(0, 500, count), rng.integers(0, 500, count)
    jaccard, containment = estimate(values, sizes, left, right)
    sample = rng.integers(0, count, 2000)
    for i in sample.tolist():
        assert jaccard[i] == (values[left[i]] == values[right[i]]).mean()
    one, one_containment = estimate(values, sizes, left[sample], right[sample])
    assert np.array_equal(one, jaccard[sample]) and np.array_equal(one_containment, containment[sample])


@pytest.mark.parametrize("enabled", [True, False])
def test_building_clusters_leaves_garbage_collection_as_it_found_it(enabled):
    import gc

    labels = np.array([0, 0, 2, 2, -1])
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        clusters = build_clusters(labels, doc=np.array([0, 1, 0, 2, 1]), start=np.array([0, 0, 50, 10, 60]),
                                  end=np.array([40, 40, 90, 50, 99]), doc_ids=["a", "b", "c"], weakest={0: 0.9, 2: 0.7})
        assert gc.isenabled() is enabled
        assert [[(m.doc, m.start, m.end) for m in c.members] for c in clusters] == [
            [("a", 0, 40), ("b", 0, 40)], [("a", 50, 90), ("c", 10, 50)]]
    finally:
        gc.enable() if was else gc.disable()


_any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30) | st.sampled_from(
    ["", "\"quoted\" \\ back", "line\nbreak\ttab\x00nul", "\u2028\u2029 separators", "日本語 ümlaut 😀"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_any_text, _any_text), min_size=1, max_size=4),
       st.floats(min_value=0.0, max_value=1.0), _any_text)
def test_a_cluster_line_is_json_dumps_of_its_record(members, similarity, cluster_id):
    # JSON Lines output writes the record out by hand for speed: it must be the same bytes.
    from dedup.ingest import Document
    from dedup.report import _cluster_line, cluster_records

    documents = {f"{k}{doc_id}": Document(f"{k}{doc_id}", "pre " + text) for k, (doc_id, text) in enumerate(members)}
    cluster = Cluster(cluster_id, tuple(ClusterMember(d, 4, len(doc.text)) for d, doc in documents.items()),
                      similarity)
    (record,) = cluster_records([cluster], documents)
    assert _cluster_line(cluster, documents) == json.dumps(record, ensure_ascii=False) + "\n"
