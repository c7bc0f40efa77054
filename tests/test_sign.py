"""sign: numpy MinHash that is datasketch's affine32 MinHash of the same shingle hashes."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedup
from dedup.normalize import normalize, tokenize_batch
from dedup.segment import Passages, segment_batch
from dedup.sign import Scheme, document_anchors, from_lean_minhash, shingle_hashes, sign_batch, to_lean_minhash

TEXTS = [
    "The United Nations Office of Counter-Terrorism was established through the adoption of a resolution.",
    ("Caf\u00e9 owners in S\u00e3o Paulo said on Monday that prices rose for the third month in a row.\n\n"
     "They blamed the weather, the currency and the cost of transport for the rise in prices."),
    "東京都は日本の首都であり、人口が最も多い都市です。",
]


def _identity(x):
    return x


def _whole_documents(tokens) -> Passages:
    """One passage per document, all its tokens (documents need >= ngram tokens)."""
    n = len(tokens)
    lo, hi = tokens.doc_offsets[:-1], tokens.doc_offsets[1:]
    zeros = np.zeros(n, np.int64)
    return Passages(np.arange(n, dtype=np.int64), zeros, zeros, lo.copy(), hi.copy(), np.zeros(n, np.uint8))


def _signed(texts, scheme=None, **options):
    scheme = scheme or Scheme()
    tokens = tokenize_batch([normalize(t) for t in texts])
    passages = segment_batch(texts, tokens, min_tokens=max(8, scheme.ngram), **options)
    return tokens, passages, sign_batch(tokens, passages, scheme)


def _shingle_set(tokens, start: int, end: int, ngram: int) -> np.ndarray:
    return shingle_hashes(tokens, ngram)[start : end - ngram + 1]


def _datasketch(shingles: np.ndarray, scheme: Scheme) -> MinHash:
    m = MinHash(num_perm=scheme.num_perm, seed=scheme.seed, scheme="affine32", hashfunc=_identity)
    m.update_batch(shingles.tolist())
    return m


AFFINE = {"permutation": "affine32"}


@pytest.mark.parametrize("scheme", [Scheme(**AFFINE), Scheme(num_perm=64, seed=7, ngram=3, **AFFINE),
                                    Scheme(num_perm=256, seed=0, **AFFINE)])
def test_signatures_are_datasketch_affine32_minhashes(scheme):
    tokens, passages, signatures = _signed(TEXTS, scheme)
    assert len(signatures) == len(passages) >= 4 and signatures.values.dtype == np.uint32
    for i in range(len(passages)):
        shingles = _shingle_set(tokens, passages.token_start[i], passages.token_end[i], scheme.ngram)
        assert signatures.sizes[i] == len(shingles)
        assert np.array_equal(_datasketch(shingles, scheme).hashvalues, signatures.values[i])


def test_round_trip_through_lean_minhash_and_its_bytes():
    scheme = Scheme(num_perm=64, seed=11, **AFFINE)
    tokens, passages, signatures = _signed(TEXTS, scheme)
    for i, row in enumerate(signatures.values):
        lean = to_lean_minhash(row, scheme)
        assert isinstance(lean, LeanMinHash) and lean.scheme == "affine32" and lean.seed == 11
        shingles = _shingle_set(tokens, passages.token_start[i], passages.token_end[i], scheme.ngram)
        assert lean == LeanMinHash(_datasketch(shingles, scheme))
        buffer = bytearray(lean.bytesize())
        lean.serialize(buffer)
        values, back = from_lean_minhash(LeanMinHash.deserialize(buffer), **AFFINE)
        assert np.array_equal(values, row) and back == scheme


def test_from_lean_minhash_refuses_other_schemes():
    legacy = MinHash(num_perm=16, scheme="legacy")
    with pytest.raises(dedup.ParameterError, match="affine32"):
        from_lean_minhash(legacy)
    with pytest.raises(dedup.ParameterError, match="num_perm"):
        to_lean_minhash(np.zeros(8, np.uint32), Scheme(num_perm=16))


def test_deterministic_for_a_seed_and_different_across_seeds():
    first = _signed(TEXTS, Scheme(seed=5))[2].values
    assert np.array_equal(first, _signed(TEXTS, Scheme(seed=5))[2].values)
    assert not np.array_equal(first, _signed(TEXTS, Scheme(seed=6))[2].values)


def test_a_passage_signs_the_same_in_any_batch():
    alone = _signed([TEXTS[1]])[2].values
    for texts, at in (([TEXTS[0], TEXTS[1]], 1), ([TEXTS[2], "filler " * 30, TEXTS[1]], 2)):
        _, passages, signatures = _signed(texts)
        assert np.array_equal(signatures.values[passages.doc == at], alone)


def test_shingles_are_character_ngrams_in_cjk():
    tokens = tokenize_batch([normalize(TEXTS[2])])
    assert len(tokens.hashes) == len(TEXTS[2]) - 2  # every character but the two full-width stops
    signatures = sign_batch(tokens, _whole_documents(tokens))
    assert signatures.sizes.tolist() == [len(tokens.hashes) - 4]


def test_fewer_tokens_than_ngram_in_the_whole_batch():
    tokens = tokenize_batch([normalize("two words")])
    assert len(shingle_hashes(tokens, 5)) == 2
    empty = _signed(["two words"])[2]
    assert empty.values.shape == (0, 128) and len(empty.sizes) == 0


def test_short_passages_are_refused():
    tokens = tokenize_batch([normalize("only three words")])
    with pytest.raises(dedup.ParameterError, match="ngram"):
        sign_batch(tokens, _whole_documents(tokens), Scheme(ngram=5))


@pytest.mark.parametrize("options", [{"num_perm": 0}, {"num_perm": 5000}, {"ngram": 0}, {"ngram": 33}, {"seed": -1},
                                     {"seed": 2**32}])
def test_scheme_checks_its_parameters(options):
    with pytest.raises(dedup.ParameterError):
        Scheme(**options)


def test_permutations_are_drawn_as_datasketch_draws_them():
    a, b = Scheme(num_perm=32, seed=3).permutations()
    expected = MinHash(num_perm=32, seed=3, scheme="affine32").permutations
    assert np.array_equal(a, expected[0]) and np.array_equal(b, expected[1])
    assert np.all(a % 2 == 1)


def test_document_anchors_are_distinct_shingles_per_document():
    texts = ["a b c d e a b c d e", "x y z w v", "a b c d e"]
    tokens = tokenize_batch([normalize(t) for t in texts])
    docs, hashes = document_anchors(tokens, 5)
    assert np.bincount(docs).tolist() == [5, 1, 1]
    shared = set(hashes[docs == 0].tolist()) & set(hashes[docs == 2].tolist())
    assert len(shared) == 1


# ---------------------------------------------------------------------------
# Properties

_WORDS = st.lists(st.sampled_from([f"w{i}" for i in range(30)]), min_size=5, max_size=60)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_WORDS, min_size=1, max_size=4), st.integers(0, 2**32 - 1), st.integers(1, 5))
def test_signatures_deterministic_and_datasketch_equal(docs, seed, ngram):
    texts = [" ".join(words) for words in docs]
    scheme = Scheme(num_perm=32, seed=seed, ngram=ngram, **AFFINE)
    tokens = tokenize_batch([normalize(t) for t in texts])
    passages = _whole_documents(tokens)
    signatures = sign_batch(tokens, passages, scheme)
    # Deterministic, and independent of the batch around a passage.
    reversed_tokens = tokenize_batch([normalize(t) for t in reversed(texts)])
    again = sign_batch(reversed_tokens, _whole_documents(reversed_tokens), scheme)
    assert np.array_equal(signatures.values, again.values[::-1])
    assert np.array_equal(signatures.sizes, again.sizes[::-1])
    for i in range(len(texts)):
        shingles = _shingle_set(tokens, tokens.doc_offsets[i], tokens.doc_offsets[i + 1], ngram)
        assert np.array_equal(_datasketch(shingles, scheme).hashvalues, signatures.values[i])
        values, back = from_lean_minhash(to_lean_minhash(signatures.values[i], scheme), ngram=ngram, **AFFINE)
        assert np.array_equal(values, signatures.values[i]) and back == scheme


@pytest.mark.parametrize("permutation", ["oph32", "affine32"])
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_WORDS, st.lists(st.sampled_from([f"w{i}" for i in range(30)]), max_size=40), st.integers(0, 60),
       st.integers(0, 2**32 - 1))
def test_estimate_is_close_to_exact_jaccard(permutation, common, extra, cut, seed):
    """|estimate - exact| < 0.15 with 256 permutations (about five standard deviations)."""
    left = common + extra[: cut % (len(extra) + 1)]
    right = extra[cut % (len(extra) + 1) :] + common
    texts = [" ".join(left), " ".join(right)]
    scheme = Scheme(num_perm=256, seed=seed, ngram=2, permutation=permutation)
    tokens = tokenize_batch([normalize(t) for t in texts])
    signatures = sign_batch(tokens, _whole_documents(tokens), scheme)
    a = set(_shingle_set(tokens, tokens.doc_offsets[0], tokens.doc_offsets[1], 2).tolist())
    b = set(_shingle_set(tokens, tokens.doc_offsets[1], tokens.doc_offsets[2], 2).tolist())
    exact = len(a & b) / len(a | b)
    estimate = float(np.mean(signatures.values[0] == signatures.values[1]))
    assert abs(estimate - exact) < 0.15


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_WORDS, min_size=1, max_size=5), st.integers(0, 2**32 - 1), st.sampled_from([16, 100, 128]))
def test_one_permutation_hashing_fills_every_bin_and_round_trips(docs, seed, num_perm):
    texts = [" ".join(words) for words in docs]
    scheme = Scheme(num_perm=num_perm, seed=seed, ngram=3, permutation="oph32")
    tokens = tokenize_batch([normalize(t) for t in texts])
    signatures = sign_batch(tokens, _whole_documents(tokens), scheme)
    # Densification leaves no bin at its empty marker (a real hash can be 2**32-1, but not in every bin).
    assert not (signatures.values == 0xFFFFFFFF).all(axis=1).any()
    reversed_tokens = tokenize_batch([normalize(t) for t in reversed(texts)])
    again = sign_batch(reversed_tokens, _whole_documents(reversed_tokens), scheme)
    assert np.array_equal(signatures.values, again.values[::-1])
    for row in signatures.values:
        values, back = from_lean_minhash(to_lean_minhash(row, scheme), ngram=3, permutation="oph32")
        assert np.array_equal(values, row) and back == scheme


def test_identical_passages_have_identical_oph_signatures_and_disjoint_ones_share_little():
    scheme = Scheme(num_perm=128, permutation="oph32")
    texts = [TEXTS[0], TEXTS[0], "completely different words about weather farming and rain in the valley today"]
    tokens = tokenize_batch([normalize(t) for t in texts])
    values = sign_batch(tokens, _whole_documents(tokens), scheme).values
    assert np.array_equal(values[0], values[1])
    assert np.mean(values[0] == values[2]) < 0.05


def test_bbit_signatures_keep_equal_values_equal_and_refuse_what_they_cannot_be():
    scheme = Scheme(num_perm=128)
    texts = [TEXTS[0], TEXTS[0], TEXTS[1]]
    tokens = tokenize_batch([normalize(t) for t in texts])
    full = sign_batch(tokens, _whole_documents(tokens), scheme)
    for bits, dtype in ((8, np.uint8), (16, np.uint16)):
        narrow = full.bbit(bits)
        assert narrow.values.dtype == dtype and narrow.scheme == scheme and narrow.sizes is full.sizes
        assert np.array_equal(narrow.values[0], narrow.values[1])
        # Agreement grows only by chance: never lost where full values agree.
        assert np.all((narrow.values[0] == narrow.values[2]) >= (full.values[0] == full.values[2]))
    with pytest.raises(dedup.ParameterError, match="8 or 16"):
        full.bbit(4)
    with pytest.raises(dedup.ParameterError, match="32-bit"):
        full.bbit(8).bbit(8)
    with pytest.raises(dedup.ParameterError, match="b-bit"):
        to_lean_minhash(full.bbit(8).values[0], scheme)
