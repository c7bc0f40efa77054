"""MinHash signatures of passages, computed for a whole batch with numpy.

A shingle is ``ngram`` consecutive tokens (words; characters in scripts
written without spaces). Two schemes turn 32-bit shingle hashes into a
signature of ``num_perm`` values:

``oph32`` (the default): one-permutation hashing with optimal densification
(Shrivastava, 2017). Each shingle is hashed a few times (eight samples) and
each sample falls into one of ``num_perm`` bins; a bin keeps its smallest
hash, and an empty bin borrows the value of the first non-empty bin in its
own random probe sequence. The cost is eight hashes per shingle instead of
``num_perm``, which is where classic MinHash spends its time.

``affine32``: classic MinHash exactly as datasketch computes it: the
MurmurHash3 finaliser, then ``a * h + b`` modulo 2**32 for ``num_perm``
permutations drawn as datasketch draws them for a seed. A row is then a
datasketch MinHash of the same shingle hashes.

Either way a row converts to and from ``datasketch.LeanMinHash`` without loss
(the values are 32-bit), and the :class:`Scheme` travels with the signatures:
signatures of different schemes, seeds or shingle hashing are never compared.
:meth:`Signatures.bbit` cuts them to 8 or 16 bits a value for the corpus-wide
stages, where a million articles' signatures must fit in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ParameterError
from .hashing import fmix32, sorted_unique, splitmix64
from .normalize import TokenBatch
from .options import option_field, reject
from .segment import Passages

__all__ = [
    "Scheme", "Signatures", "shingle_hashes", "document_anchors", "sign_batch", "to_lean_minhash", "from_lean_minhash",
]

#: Names the token and shingle hashing; bump it whenever they change, since
#: signatures made under different schemes cannot be compared.
SHINGLE_HASH = "dedup-tokens-v2"
AFFINE32 = "affine32"
OPH32 = "oph32"
PERMUTATIONS = (OPH32, AFFINE32)
PERMUTATION = OPH32
# Bounds the temporary (shingles x permutations) matrix to about 32 MiB.
_CHUNK_CELLS = 1 << 23


@dataclass(frozen=True)
class Scheme:
    """Everything that must match for two signatures to be comparable."""

    num_perm: int = option_field(128, "--num-perm")
    seed: int = option_field(1, "--seed")
    ngram: int = option_field(5, "--ngram")
    shingle_hash: str = SHINGLE_HASH
    permutation: str = PERMUTATION

    def __post_init__(self) -> None:
        for name, low, high in (("num_perm", 1, 4096), ("ngram", 1, 32), ("seed", 0, 2**32 - 1)):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
                reject(Scheme, name, f"be between {low} and {high}", value)
        if self.permutation not in PERMUTATIONS:
            reject(Scheme, "permutation", f"be one of {', '.join(PERMUTATIONS)}", self.permutation)

    def permutations(self) -> tuple[np.ndarray, np.ndarray]:
        """The (a, b) parameters, drawn as datasketch draws them for ``seed``."""
        gen = np.random.RandomState(self.seed)
        a = gen.randint(0, 1 << 31, self.num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b = gen.randint(0, 1 << 32, self.num_perm, dtype=np.uint32)
        return a, b


@dataclass(frozen=True, eq=False)
class Signatures:
    """One MinHash signature per passage: a (passages x num_perm) uint32 matrix.

    ``sizes`` holds each passage's number of shingles, needed to estimate
    containment from the Jaccard estimate.
    """

    values: np.ndarray
    sizes: np.ndarray
    scheme: Scheme

    def __len__(self) -> int:
        return len(self.values)

    def bbit(self, bits: int = 8) -> Signatures:
        """b-bit minwise hashing (Li and K\u00f6nig, 2010): the low ``bits`` of
        each value, mixed first. A 128-value signature shrinks from 512 bytes
        to 128 at 8 bits; two values then also agree by chance, with
        probability ``2**-bits``, which :func:`dedup.cluster.estimate`
        takes out of the Jaccard estimate.
        """
        if bits not in (8, 16):
            raise ParameterError(f"bits must be 8 or 16, got {bits}")
        if self.values.dtype != np.uint32:
            raise ParameterError(f"only 32-bit signatures can be cut to {bits} bits, got {self.values.dtype}")
        with np.errstate(over="ignore"):
            mixed = fmix32(self.values)
        return Signatures(mixed.astype(np.uint8 if bits == 8 else np.uint16), self.sizes, self.scheme)


def shingle_hashes(tokens: TokenBatch, ngram: int) -> np.ndarray:
    """32-bit hash of the shingle starting at every token.

    Entry ``i`` hashes tokens ``i .. i+ngram-1``; entries whose shingle would
    run past the end of the document are meaningless and never read.
    """
    h = tokens.hashes
    n = len(h)
    if n == 0:
        return np.zeros(0, np.uint32)
    acc = h.copy()
    with np.errstate(over="ignore"):
        # Stop at n: with fewer tokens than ngram in the whole batch, acc[: n - j]
        # would slice from the end (n - j < 0) against an empty h[j:].
        for j in range(1, min(ngram, n)):
            rotated = (h[j:] << np.uint64(j)) | (h[j:] >> np.uint64(64 - j))
            acc[: n - j] = acc[: n - j] * np.uint64(0x9E3779B97F4A7C15) + rotated
        return (splitmix64(acc) >> np.uint64(32)).astype(np.uint32)


def document_anchors(tokens: TokenBatch, ngram: int) -> tuple[np.ndarray, np.ndarray]:
    """(document index, shingle hash) for every distinct shingle of every document."""
    shingles = shingle_hashes(tokens, ngram)
    counts = np.maximum(np.diff(tokens.doc_offsets) - ngram + 1, 0)
    starts = np.repeat(tokens.doc_offsets[:-1], counts)
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    docs = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    hashes = shingles[starts + within]
    codes = sorted_unique((docs.astype(np.uint64) << np.uint64(32)) | hashes.astype(np.uint64))
    return (codes >> np.uint64(32)).astype(np.int64), (codes & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def _shingle_index(passages: Passages, ngram: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of every passage's shingles, concatenated, and the passage sizes."""
    sizes = np.maximum(passages.token_end - passages.token_start - ngram + 1, 1)
    offsets = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    within = np.arange(offsets[-1], dtype=np.int64) - np.repeat(offsets[:-1], sizes)
    return np.repeat(passages.token_start, sizes) + within, sizes


def sign_batch(tokens: TokenBatch, passages: Passages, scheme: Scheme = Scheme()) -> Signatures:
    """MinHash signatures of every passage of a batch.

    A passage shorter than ``ngram`` tokens is one shingle of all its tokens
    (its first shingle hash, which starts there). Deterministic: depends only
    on the passage's tokens and ``scheme``.
    """
    ngram = scheme.ngram
    short = (passages.token_end - passages.token_start) < ngram
    if short.any():
        raise ParameterError(f"passages need at least ngram={ngram} tokens; segment with min_tokens >= ngram")
    shingles = shingle_hashes(tokens, ngram)
    index, sizes = _shingle_index(passages, ngram)
    if scheme.permutation == OPH32:
        values = _sign_oph(shingles[index], sizes, scheme)
    else:
        values = _sign_affine(shingles, index, sizes, scheme)
    return Signatures(values, sizes.astype(np.int64), scheme)


def _sign_affine(shingles: np.ndarray, index: np.ndarray, sizes: np.ndarray, scheme: Scheme) -> np.ndarray:
    a, b = scheme.permutations()
    values = np.empty((len(sizes), scheme.num_perm), dtype=np.uint32)
    per_chunk = max(1, _CHUNK_CELLS // scheme.num_perm)
    bounds = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=bounds[1:])
    first = 0
    while first < len(sizes):
        # Whole passages per chunk, so reduceat never splits one.
        last = int(np.searchsorted(bounds, bounds[first] + per_chunk, side="right")) - 1
        last = max(last, first + 1)
        hv = fmix32(shingles[index[bounds[first] : bounds[last]]])
        with np.errstate(over="ignore"):
            permuted = hv[:, None] * a[None, :] + b[None, :]
        values[first:last] = np.minimum.reduceat(permuted, bounds[first:last] - bounds[first], axis=0)
        first = last
    return values


_EMPTY = np.uint32(0xFFFFFFFF)
_ROTATION = np.uint32(0x9E3779B1)  # odd: distinct distances give distinct offsets
# Probes per empty bin before falling back to rotation; sets that sparse are
# shorter than any passage the segmenter emits.
_PROBES = 64


# Each shingle is sampled this many times (as the pairs (shingle, 1..8)): the
# Jaccard similarity of the expanded sets is that of the originals, and a
# passage of two dozen shingles then leaves about a fifth of 128 bins empty.
# Samples are cheap and densifying is not: eight beat four by 2x and sixteen
# by 1.3x on news passages.
SAMPLES_PER_SHINGLE = 8


def _sign_oph(hashes: np.ndarray, sizes: np.ndarray, scheme: Scheme) -> np.ndarray:
    """One-permutation hashing of passages whose shingle hashes are concatenated."""
    k, m = scheme.num_perm, SAMPLES_PER_SHINGLE
    with np.errstate(over="ignore"):
        salts = fmix32(np.arange(1, m + 1, dtype=np.uint32) * np.uint32(0x5BD1E995) ^ np.uint32(scheme.seed))
        h = fmix32(hashes[:, None] ^ salts[None, :]).ravel()
        if k & (k - 1) == 0:  # the top bits pick the bin: the same as the general case, cheaper
            bins = h >> np.uint32(32 - (k.bit_length() - 1)) if k > 1 else np.zeros(len(h), np.uint32)
        else:
            bins = ((h.astype(np.uint64) * np.uint64(k)) >> np.uint64(32)).astype(np.int64)
    # int64 cells: ``minimum.at`` has its fast path for them.
    cells = np.repeat(np.arange(len(sizes), dtype=np.int64) * k, sizes * m) + bins
    values = np.full(len(sizes) * k, _EMPTY, dtype=np.uint32)
    np.minimum.at(values, cells, h)
    return _densify(values.reshape(len(sizes), k), _probe_table(k, scheme.seed))


def _probe_table(k: int, seed: int) -> np.ndarray:
    """For each bin, the sequence of bins it borrows from when empty: the same
    for every passage, so two passages fill a bin alike when they agree."""
    gen = np.random.RandomState(seed)
    return gen.randint(0, k, size=(_PROBES, k)).astype(np.int64)


def _densify(values: np.ndarray, probes: np.ndarray) -> np.ndarray:
    """Optimal densification (Shrivastava, 2017): an empty bin takes the value
    of the first non-empty bin in its own random probe sequence. Unlike
    borrowing from the next bin, the donors of different empty bins are
    independent, which keeps the estimate's variance near classic MinHash."""
    empty = values == _EMPTY
    if not empty.any():
        return values
    k = values.shape[1]
    flat_values, flat_empty = values.ravel(), empty.ravel()
    filled = ~flat_empty
    out = flat_values.copy()
    # Indices fit in 32 bits for any batch the pipeline makes; halving their
    # width, and ``take`` rather than fancy indexing, each save much of the
    # time of this loop, which is memory-bound.
    index_type = np.int32 if values.size < 2**31 else np.int64
    cells = np.flatnonzero(flat_empty).astype(index_type)  # the empty cells still to fill
    column = cells % k
    row_base = cells - column
    for probe in probes.astype(index_type):
        donor = row_base + probe.take(column)
        found = filled.take(donor)
        hit = np.flatnonzero(found)
        out[cells.take(hit)] = flat_values.take(donor.take(hit))
        missing = np.flatnonzero(~found)
        if not len(missing):
            return out.reshape(values.shape)
        cells, row_base, column = cells.take(missing), row_base.take(missing), column.take(missing)
    need = np.zeros(values.size, dtype=bool)
    need[cells] = True
    return _rotate(out.reshape(values.shape), need.reshape(values.shape))


def _rotate(values: np.ndarray, need: np.ndarray) -> np.ndarray:
    """Fill what probing left from the next filled bin to the right, circularly."""
    k = values.shape[1]
    column = np.arange(k, dtype=np.int64)
    position = np.where(need, 2 * k, column[None, :])
    following = np.minimum.accumulate(position[:, ::-1], axis=1)[:, ::-1]
    following = np.where(following == 2 * k, following[:, :1] + k, following)
    distance = (following - column[None, :]).astype(np.uint32)
    donor = np.take_along_axis(values, following % k, axis=1)
    with np.errstate(over="ignore"):
        return np.where(need, donor + distance * _ROTATION, values)


def to_lean_minhash(signature: np.ndarray, scheme: Scheme):
    """One signature row as a ``datasketch.LeanMinHash``.

    datasketch labels 32-bit values ``affine32``; for ``affine32`` signatures
    that is exactly what they are, for ``oph32`` it names the value width and
    datasketch's Jaccard estimate (equal values / num_perm) is still the
    right one. Keep the :class:`Scheme` to know which it was.
    """
    from datasketch import LeanMinHash

    if np.asarray(signature).dtype.itemsize < 4:
        raise ParameterError("b-bit signatures keep too little of each value to become a LeanMinHash")
    if len(signature) != scheme.num_perm:
        raise ParameterError(f"signature has {len(signature)} values, scheme says num_perm={scheme.num_perm}")
    return LeanMinHash(seed=scheme.seed, hashvalues=np.asarray(signature, dtype=np.uint32), scheme=AFFINE32)


def from_lean_minhash(
    minhash, *, ngram: int = 5, shingle_hash: str = SHINGLE_HASH, permutation: str = PERMUTATION
) -> tuple[np.ndarray, Scheme]:
    """A datasketch (Lean)MinHash back to a signature row and its scheme.

    datasketch records neither how shingles were hashed nor (for 32-bit
    values) whether they came from one-permutation hashing, so ``ngram``,
    ``shingle_hash`` and ``permutation`` say it; ``seed`` and ``num_perm``
    come from the sketch.
    """
    if getattr(minhash, "scheme", None) != AFFINE32:
        raise ParameterError(f"only datasketch's 32-bit {AFFINE32!r} sketches are supported, got {minhash.scheme!r}")
    values = np.asarray(minhash.hashvalues, dtype=np.uint32)
    scheme = Scheme(num_perm=len(values), seed=int(minhash.seed), ngram=ngram, shingle_hash=shingle_hash,
                    permutation=permutation)
    return values, scheme
