"""Hashing and integer-key primitives every stage shares, vectorised over numpy arrays.

Finalisers (splitmix64, MurmurHash3's fmix32), the 64-bit hash of byte strings
that tokens are hashed with, a sorting ``unique``, and the packing of pairs of
numbers into one sortable 64-bit code. They are part of the signature scheme:
changing any of them changes every signature, so :data:`dedup.sign.SHINGLE_HASH`
must change with them.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

__all__ = [
    "xorshift_multiply", "splitmix64", "fmix32", "byte_string_hashes", "sorted_unique", "pair_codes",
    "split_pair_codes",
]

_P = np.uint64(0x100000001B3)  # odd: the base of the polynomial over a long token's tail
_K = np.uint64(0x9E3779B97F4A7C15)
# _LOW_BYTES[n] keeps the low n bytes of a little-endian 64-bit word.
_ALL_BYTES = np.uint64((1 << 64) - 1)
_LOW_BYTES = np.array([(1 << (8 * n)) - 1 for n in range(8)] + [(1 << 64) - 1], dtype=np.uint64)


def xorshift_multiply(x: np.ndarray, shifts: tuple[int, int, int], multipliers: tuple[int, int]) -> np.ndarray:
    """``x ^= x >> s0; x *= m0; x ^= x >> s1; x *= m1; x ^= x >> s2`` on a copy
    of ``x``: the shape of the splitmix64 and MurmurHash3 finalisers.

    In place on two buffers: on arrays of millions, fresh temporaries (and
    their page faults) cost more than the arithmetic.
    """
    kind = x.dtype.type
    z = x >> kind(shifts[0])
    z ^= x
    z *= kind(multipliers[0])
    t = z >> kind(shifts[1])
    z ^= t
    z *= kind(multipliers[1])
    np.right_shift(z, kind(shifts[2]), out=t)
    z ^= t
    return z


def splitmix64(x: np.ndarray) -> np.ndarray:
    """The splitmix64 finaliser: an avalanching bijection on uint64 arrays."""
    return xorshift_multiply(x, (30, 27, 31), (0xBF58476D1CE4E5B9, 0x94D049BB133111EB))


def fmix32(h: np.ndarray) -> np.ndarray:
    """The MurmurHash3 finaliser on uint32 arrays."""
    return xorshift_multiply(h, (16, 13, 16), (0x85EBCA6B, 0xC2B2AE35))


@lru_cache(maxsize=1)
def _powers(n: int) -> np.ndarray:
    out = np.full(n, _P, dtype=np.uint64)
    out[0] = 1
    return np.cumprod(out, dtype=np.uint64)


def _power_table(n: int) -> np.ndarray:
    """``_P ** i`` for ``i < n``; one table, grown by doubling, serves every batch."""
    size = 1 << max(10, (n - 1).bit_length())
    return _powers(size)[:n]


def byte_string_hashes(buf: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """64-bit hashes of the byte strings ``buf[s:s+length]``.

    The work is per token, not per byte: a token's first 16 bytes are read as
    two little-endian words (almost every word of almost every language fits),
    and only the tail of a longer token is folded in, eight bytes at a time.
    """
    padded = np.zeros(len(buf) + 16, dtype=np.uint8)
    padded[: len(buf)] = buf
    # The little-endian word that starts at every byte: an overlapping view.
    words = np.ndarray((len(buf) + 9,), dtype="<u8", buffer=padded, strides=(1,))
    first = words[starts] & (_ALL_BYTES >> (np.uint64(64) - np.uint64(8) * np.minimum(lengths, 8).astype(np.uint64)))
    # Token bytes are never zero, so ``first`` alone tells the length of a
    # short token; longer ones mix in their second word and their tail.
    mixed = lengths.astype(np.uint64) * _K
    longer = np.flatnonzero(lengths > 8)
    if len(longer):
        second = words[starts[longer] + 8] & _LOW_BYTES[np.minimum(lengths[longer] - 8, 8)]
        tail = splitmix64(second ^ mixed[longer])
        longest = np.flatnonzero(lengths[longer] > 16)
        if len(longest):
            picked = longer[longest]
            tail[longest] ^= _tails(words, starts[picked] + 16, lengths[picked] - 16)
        mixed[longer] = tail
    return splitmix64(first * _K + mixed)


def _tails(words: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """A polynomial hash, over mixed 8-byte words, of the ``lengths[i]`` bytes from ``starts[i]``."""
    chunks = (lengths + 7) // 8
    offsets = np.zeros(len(chunks) + 1, dtype=np.int64)
    np.cumsum(chunks, out=offsets[1:])
    within = np.arange(offsets[-1], dtype=np.int64) - np.repeat(offsets[:-1], chunks)
    left = np.repeat(lengths, chunks) - 8 * within
    values = splitmix64(words[np.repeat(starts, chunks) + 8 * within] & _LOW_BYTES[np.minimum(left, 8)])
    return np.add.reduceat(values * _power_table(int(chunks.max()))[within], offsets[:-1])


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` by sorting: numpy 2's default hashes instead, which
    is over ten times slower on the large integer arrays of this pipeline."""
    values = np.sort(values)
    keep = np.empty(len(values), dtype=bool)
    keep[:1] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def pair_codes(left: np.ndarray, right: np.ndarray, n: int) -> np.ndarray:
    """Unordered pairs of numbers below ``n`` as one int64 each, ``low * n + high``:
    sorting the codes sorts the pairs, and equal pairs get equal codes."""
    left, right = left.astype(np.int64), right.astype(np.int64)
    return np.minimum(left, right) * n + np.maximum(left, right)


def split_pair_codes(codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The (low, high) numbers of :func:`pair_codes`."""
    return codes // n, codes % n
