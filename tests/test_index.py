"""index: LSH bands as datasketch chooses them, candidate pairs by sorting band keys."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch.lsh import _optimal_param

import dedup
from dedup.index import anchor_pairs, band_keys, candidate_pairs, optimal_bands


def _components(n: int, left, right) -> int:
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in zip(left, right):
        parent[find(int(a))] = find(int(b))
    return len({find(x) for x in range(n)})


def _random_signatures(n: int, num_perm: int = 128, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2**32, (n, num_perm), dtype=np.uint32)


@pytest.mark.parametrize(
    ("threshold", "num_perm", "weights"),
    [(0.5, 128, (0.5, 0.5)), (0.8, 64, (0.5, 0.5)), (0.3, 256, (0.5, 0.5)), (0.9, 32, (0.5, 0.5)),
     (0.65, 200, (0.5, 0.5)), (0.5, 128, (0.3, 0.7)), (0.7, 100, (0.8, 0.2))],
)
def test_optimal_bands_equal_datasketch(threshold, num_perm, weights):
    bands, rows = optimal_bands(threshold, num_perm, *weights)
    assert (bands, rows) == _optimal_param(threshold, num_perm, *weights)
    assert bands * rows <= num_perm


@pytest.mark.parametrize("threshold", [0.0, 1.0, -0.5, 1.5])
def test_optimal_bands_threshold_must_be_inside_0_1(threshold):
    with pytest.raises(dedup.ParameterError, match="threshold"):
        optimal_bands(threshold, 128)


def test_optimal_bands_weights_must_sum_to_one():
    with pytest.raises(dedup.ParameterError, match="sum to 1"):
        optimal_bands(0.5, 128, 0.5, 0.6)


def test_band_keys_hash_each_band_of_rows():
    values = _random_signatures(3, 20)
    values[1, :4] = values[0, :4]  # same first band only
    values[2] = values[0]
    keys = band_keys(values, 5, 4)
    assert keys.shape == (3, 5) and keys.dtype == np.uint64
    assert keys[1, 0] == keys[0, 0] and np.all(keys[1, 1:] != keys[0, 1:])
    assert np.array_equal(keys[2], keys[0])
    # The band number is part of the key: identical rows in two bands differ.
    same_rows = np.zeros((1, 8), np.uint32)
    first, second = band_keys(same_rows, 2, 4)[0]
    assert first != second
    with pytest.raises(dedup.ParameterError, match="exceeds num_perm"):
        band_keys(values, 6, 4)


def test_candidate_pairs_share_a_band_and_skip_their_own_document():
    values = _random_signatures(6, 16)
    values[1, :4] = values[0, :4]  # 0 and 1 share band 0
    values[2, 4:8] = values[0, 4:8]  # 0 and 2 share band 1, but they are one document
    values[5] = values[3]  # 3 and 5 share every band
    groups = np.array([0, 1, 0, 2, 3, 4])
    found = candidate_pairs(band_keys(values, 4, 4), groups=groups)
    assert list(zip(found.left.tolist(), found.right.tolist())) == [(0, 1), (3, 5)]
    assert len(found) == 2


def test_no_pairs():
    found = candidate_pairs(band_keys(_random_signatures(5, 16), 4, 4), groups=np.arange(5))
    assert len(found) == 0
    found = candidate_pairs(np.zeros((0, 4), np.uint64), groups=np.zeros(0, np.int64))
    assert len(found) == 0


def test_large_buckets_are_bounded_by_max_bucket_yet_connected():
    n, max_bucket = 300, 8
    values = np.tile(_random_signatures(1, 16), (n, 1))  # one bucket of 300 in every band
    rank = np.random.default_rng(1).permutation(n)
    found = candidate_pairs(band_keys(values, 4, 4), groups=np.arange(n), rank=rank, max_bucket=max_bucket)
    assert len(found) <= n * max_bucket
    assert len(found) < n * (n - 1) // 2 // 4
    assert _components(n, found.left, found.right) == 1
    assert np.all(found.left < found.right)
    codes = found.left * n + found.right
    assert np.all(np.diff(codes) > 0)  # sorted, no repeats


def test_pairs_do_not_depend_on_input_order():
    n = 120
    base = _random_signatures(4, 16)
    values = base[np.random.default_rng(2).integers(0, 4, n)]
    values[:, 12:] = _random_signatures(n, 4, seed=3)  # last band unique
    groups = np.arange(n) // 3
    rank = np.arange(n)
    found = candidate_pairs(band_keys(values, 4, 4), groups=groups, rank=rank, max_bucket=5)
    expected = set(zip(found.left.tolist(), found.right.tolist()))

    perm = np.random.default_rng(4).permutation(n)  # new position i holds old passage perm[i]
    shuffled = candidate_pairs(band_keys(values[perm], 4, 4), groups=groups[perm], rank=rank[perm], max_bucket=5)
    back = {tuple(sorted((int(perm[a]), int(perm[b])))) for a, b in zip(shuffled.left, shuffled.right)}
    assert back == expected


def test_anchor_pairs_need_min_shared_rare_anchors():
    # group: anchors
    carried = {0: [1, 2, 3, 99], 1: [1, 2, 99], 2: [3, 99], 3: [99, 7]}
    groups = np.array([g for g, hs in carried.items() for _ in hs])
    hashes = np.array([h for hs in carried.values() for h in hs], dtype=np.uint32)
    found = anchor_pairs(groups, hashes, max_df=3, min_shared=2)
    assert list(zip(found.left.tolist(), found.right.tolist())) == [(0, 1)]  # 99 is in 4 groups: too common
    found = anchor_pairs(groups, hashes, max_df=3, min_shared=1)
    assert list(zip(found.left.tolist(), found.right.tolist())) == [(0, 1), (0, 2)]
    with pytest.raises(dedup.ParameterError):
        anchor_pairs(groups, hashes, max_df=1)


@pytest.mark.parametrize("dtype", [np.uint32, np.uint8])
def test_lsh_candidates_one_band_at_a_time_equal_candidate_pairs(dtype):
    n = 400
    rng = np.random.default_rng(5)
    base = rng.integers(0, 2**32, (30, 16), dtype=np.uint32)
    values = base[rng.integers(0, 30, n)]
    values[rng.random((n, 16)) < 0.3] = rng.integers(0, 2**32, dtype=np.uint32)  # partial agreement
    values = (values & 0xFF).astype(dtype) if dtype == np.uint8 else values
    groups, rank = np.arange(n) // 2, rng.permutation(n)
    expected = candidate_pairs(band_keys(values, 4, 4), groups=groups, rank=rank, max_bucket=6)
    found = dedup.lsh_candidates(values, 4, 4, groups=groups, rank=rank, max_bucket=6)
    assert len(expected) > 50
    assert np.array_equal(found.left, expected.left) and np.array_equal(found.right, expected.right)
    with pytest.raises(dedup.ParameterError, match="exceeds num_perm"):
        dedup.lsh_candidates(values, 5, 4, groups=groups)


def test_bands_sorted_in_this_thread_or_on_two_give_the_same_candidates(monkeypatch):
    """A few passages are bucketed without threads, many on two: the pairs are the same."""
    from dedup import index

    n = 600
    rng = np.random.default_rng(8)
    values = rng.integers(0, 2**32, (40, 16), dtype=np.uint32)[rng.integers(0, 40, n)]
    values[rng.random((n, 16)) < 0.3] = rng.integers(0, 2**32, dtype=np.uint32)
    groups, rank = np.arange(n) // 3, rng.permutation(n)
    found = []
    for threads_from in (0, n + 1):
        monkeypatch.setattr(index, "_THREADS_FROM", threads_from)
        found.append(dedup.lsh_candidates(values, 4, 4, groups=groups, rank=rank, max_bucket=5))
    assert len(found[0]) > 100
    assert np.array_equal(found[0].left, found[1].left) and np.array_equal(found[0].right, found[1].right)


def test_narrow_values_pack_into_band_keys_exactly():
    values = np.array([[1, 2, 3, 4], [1, 2, 3, 5], [1, 2, 3, 4]], dtype=np.uint8)
    keys = band_keys(values, 1, 4)[:, 0]
    assert keys[0] == keys[2] != keys[1]


def test_ranks_that_are_not_a_permutation_still_order_buckets():
    values = np.zeros((6, 4), np.uint32)  # one bucket of six
    found = candidate_pairs(band_keys(values, 1, 4), groups=np.arange(6), rank=np.array([50, 10, 40, 20, 30, 60]),
                            max_bucket=1)
    # Neighbours in rank order: 1-3, 3-4, 4-2, 2-0, 0-5.
    assert sorted(zip(found.left.tolist(), found.right.tolist())) == [(0, 2), (0, 5), (1, 3), (2, 4), (3, 4)]


def test_anchor_pairs_agree_on_packed_keys_and_on_wide_hashes():
    rng = np.random.default_rng(11)
    groups = rng.integers(0, 300, 20_000)
    hashes = rng.integers(0, 2_000, 20_000)  # many shared, some by more than max_df
    pairs = np.unique(np.stack([groups, hashes]), axis=1)  # each group lists an anchor once
    groups, hashes = pairs[0], pairs[1].astype(np.uint64)
    expected = anchor_pairs(groups, hashes, max_df=20, min_shared=3)
    assert len(expected) > 100
    packed = dedup.index.packed_anchor_pairs((hashes << np.uint64(32)) | groups.astype(np.uint64), 300,
                                             max_df=20, min_shared=3)
    wide = anchor_pairs(groups, hashes | np.uint64(1 << 40), max_df=20, min_shared=3)  # the unpacked path
    for found in (packed, wide):
        assert np.array_equal(found.left, expected.left) and np.array_equal(found.right, expected.right)
