"""LSH banding over signatures: which passages are worth comparing.

The (bands, rows) split is chosen from a Jaccard threshold the way datasketch
chooses it: minimise the weighted area of false positives below the threshold
and false negatives above it. Band keys are 64-bit hashes of each band's rows,
kept as one numpy array, and candidate pairs come from sorting them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

import numpy as np

from .corpus import CorpusIndex, KeyPartitions
from .errors import ParameterError
from .options import AnchorOptions, LshOptions
from .hashing import pair_codes, sorted_unique, split_pair_codes, splitmix64

__all__ = [
    "optimal_bands", "band_keys", "candidate_pairs", "lsh_candidates", "bucket_pairs", "anchor_pairs",
    "packed_anchor_pairs", "sharing_codes", "runs_at_least", "Candidates", "find_candidates", "DocumentPairs",
    "document_pairs",
]


_LOW = np.uint64(0xFFFFFFFF)


@lru_cache(maxsize=256)
def optimal_bands(
    threshold: float, num_perm: int, false_positive_weight: float = 0.5, false_negative_weight: float = 0.5
) -> tuple[int, int]:
    """(bands, rows) with bands * rows <= num_perm that best separate at ``threshold``.

    >>> optimal_bands(0.5, 128)
    (25, 5)
    """
    if not 0.0 < threshold < 1.0:
        raise ParameterError(f"threshold must be strictly between 0 and 1, got {threshold}")
    if abs(false_positive_weight + false_negative_weight - 1.0) > 1e-9:
        raise ParameterError("false_positive_weight and false_negative_weight must sum to 1")
    best, best_error = (1, 1), float("inf")
    below = np.linspace(0.0, threshold, 2001)
    above = np.linspace(threshold, 1.0, 2001)
    for b in range(1, num_perm + 1):
        for r in range(1, num_perm // b + 1):
            fp = np.trapezoid(1 - (1 - below**r) ** b, below)
            fn = np.trapezoid((1 - above**r) ** b, above)
            error = fp * false_positive_weight + fn * false_negative_weight
            if error < best_error - 1e-12:
                best, best_error = (b, r), error
    return best


def band_keys(values: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """A (passages x bands) uint64 array: one hash per band of each signature."""
    _check_bands(values, bands, rows)
    keys = np.empty((values.shape[0], bands), dtype=np.uint64)
    for band in range(bands):
        keys[:, band] = _band_key(values, band, rows)
    return keys


def _check_bands(values: np.ndarray, bands: int, rows: int) -> None:
    if bands * rows > values.shape[1]:
        raise ParameterError(f"bands*rows = {bands * rows} exceeds num_perm = {values.shape[1]}")


def _band_key(values: np.ndarray, band: int, rows: int) -> np.ndarray:
    """One band's key for every signature: its rows, hashed with the band number."""
    block = values[:, band * rows : (band + 1) * rows]
    with np.errstate(over="ignore"):
        salt = np.uint64(band + 1) * np.uint64(0x9E3779B97F4A7C15)
        width = block.dtype.itemsize * rows
        if width <= 8:
            # Narrow values (b-bit signatures) pack into one word exactly.
            first = band * width
            if len(values) and values.flags.c_contiguous and first + 8 <= values.strides[0]:
                # One unaligned 8-byte read per row (little-endian, as the
                # shifts below pack it) instead of a pass per row of the band.
                words = np.ndarray((len(values),), dtype="<u8", buffer=values, offset=first, strides=(values.strides[0],))
                packed = words & np.uint64((1 << (8 * width)) - 1 if width < 8 else (1 << 64) - 1)
            else:
                packed = np.zeros(len(block), dtype=np.uint64)
                for row in range(rows):
                    packed |= block[:, row].astype(np.uint64) << np.uint64(8 * block.dtype.itemsize * row)
            return splitmix64(packed ^ salt)
        acc = np.full(len(block), salt, dtype=np.uint64)
        for row in block.T:
            acc = splitmix64(acc ^ row.astype(np.uint64))
        return acc


@dataclass(frozen=True, eq=False)
class Candidates:
    """Candidate passage pairs ``(left[i], right[i])`` with ``left < right``, sorted."""

    left: np.ndarray
    right: np.ndarray

    def __len__(self) -> int:
        return len(self.left)


def candidate_pairs(
    keys: np.ndarray, *, groups: np.ndarray, rank: np.ndarray | None = None, max_bucket: int = 32
) -> Candidates:
    """Pairs of passages that share a band key, across different ``groups``.

    ``groups`` (one id per passage, usually the document) keeps a document's
    passages from matching each other. In a bucket larger than ``max_bucket``
    (boilerplate carried by thousands of documents) each passage is paired
    only with its ``max_bucket`` neighbours in ``rank`` order: enough to
    connect the bucket without a quadratic number of pairs. ``rank`` orders
    passages independently of input order, which keeps results deterministic.
    """
    return _candidates(lambda band: keys[:, band], keys.shape[1], len(keys), groups, rank, max_bucket)


def lsh_candidates(
    values: np.ndarray, bands: int, rows: int, *,
    groups: np.ndarray, rank: np.ndarray | None = None, max_bucket: int = 32,
    progress: Callable[[int], None] | None = None,
) -> Candidates:
    """:func:`candidate_pairs` of ``band_keys(values, bands, rows)``, one band at a time.

    Only two bands' keys exist at once: a million articles' passages would
    need gigabytes for the whole key matrix. ``progress`` is told how many
    bands are done after each.
    """
    _check_bands(values, bands, rows)
    return _candidates(lambda band: _band_key(values, band, rows), bands, len(values), groups, rank, max_bucket,
                       progress)


def _candidates(
    key_of: Callable[[int], np.ndarray], bands: int, n: int, groups: np.ndarray, rank: np.ndarray | None,
    max_bucket: int, progress: Callable[[int], None] | None = None,
) -> Candidates:
    if n < 2:
        return Candidates(np.zeros(0, np.int64), np.zeros(0, np.int64))
    if n > _LOW:
        raise ParameterError(f"LSH takes at most 2**32 passages at once, got {n:,}")
    by_rank = _by_rank(n, rank)
    ranks = np.empty(n, dtype=np.uint64)
    ranks[by_rank] = np.arange(n, dtype=np.uint64)

    seen = _SeenBuckets()
    found = np.zeros(0, np.int64)  # sorted pair codes
    # Bands' buckets are sorted on two threads (the sorts release the GIL);
    # pairs come from buckets this thread has not seen in an earlier band,
    # in band order. Where passages are copies of each other, most bands
    # bucket them the same way again, and their pairs would be found again.
    # A few passages (an archive's query) are sorted in this thread: handing
    # each band to another thread and back cost more than its sort (2 ms of CPU
    # for 200 passages either way, but 40-50 ms of wall time on a loaded machine).
    with ThreadPoolExecutor(max_workers=2) if n >= _THREADS_FROM else _InThisThread() as pool:
        pending: deque[Future[tuple[np.ndarray, np.ndarray]]] = deque()

        def take() -> np.ndarray:
            keys, members = pending.popleft().result()
            keys, members = seen.new_buckets(keys, members)
            return _merge_sorted(found, bucket_pairs(keys, members, groups[members], n, max_bucket))

        for band in range(bands):
            pending.append(pool.submit(lambda b: _band_buckets(key_of(b), ranks, by_rank), band))
            if len(pending) >= 2:
                found = take()
                if progress is not None:
                    progress(band)
        while pending:
            found = take()
    if progress is not None:
        progress(bands)
    return Candidates(*split_pair_codes(found, n))


#: Passages from which a band's sort is worth a thread of its own.
_THREADS_FROM = 50_000


class _InThisThread:
    """The part of an executor ``_candidates`` uses, running each task at once in this thread."""

    def __enter__(self) -> _InThisThread:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def submit(self, task: Callable[..., Any], *args: Any) -> Future[Any]:
        done: Future[Any] = Future()
        done.set_result(task(*args))
        return done


def _band_buckets(column: np.ndarray, ranks: np.ndarray, by_rank: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One band's buckets of two or more passages: (keys, members), bucket
    after bucket, each bucket's members in rank order."""
    # A band key's high 32 bits and the passage's rank share one 64-bit
    # word, so a plain sort (far faster than a stable argsort of the keys)
    # finds the keys carried twice. The same fixed split for any corpus
    # size keeps buckets, and so the result, independent of how many
    # passages there are.
    packed = (column & ~_LOW) | ranks
    packed.sort()
    in_run = _equal_to_a_neighbour(packed >> np.uint64(32))
    members = by_rank[(packed[in_run] & _LOW).astype(np.int64)]
    del packed
    # Within those few, buckets are the exact 64-bit keys, each in rank
    # order: a stable sort of keys that are sorted by their high half
    # already, rank within it.
    keys = column[members]
    order = np.argsort(keys, kind="stable")
    keys, members = keys[order], members[order]
    shared = _equal_to_a_neighbour(keys)
    return keys[shared], members[shared]


class _SeenBuckets:
    """Buckets (as sets of passages) met in earlier bands: a bucket's pairs
    depend only on its members, so a bucket met again adds no pair.

    A bucket is known by two independent 64-bit sums of its members' hashes
    (any order gives the same sums); it counts as seen only when both match,
    so a false match needs a 128-bit coincidence. A missed match costs time,
    never a pair: the pairs are merged into a set."""

    def __init__(self) -> None:
        self.first = np.zeros(0, np.uint64)  # sorted
        self.second = np.zeros(0, np.uint64)

    def new_buckets(self, keys: np.ndarray, members: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The (keys, members) of the buckets not met before; remembers them."""
        if not len(keys):
            return keys, members
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        sizes = np.diff(np.append(starts, len(keys)))
        m = members.astype(np.uint64)
        with np.errstate(over="ignore"):
            first = np.add.reduceat(splitmix64(m), starts) + splitmix64(sizes.astype(np.uint64))
            second = np.add.reduceat(splitmix64(m ^ np.uint64(0x9E3779B97F4A7C15)), starts)
        at = np.minimum(np.searchsorted(self.first, first), max(len(self.first) - 1, 0))
        met = (self.first[at] == first) & (self.second[at] == second) if len(self.first) else np.zeros(len(first), bool)
        fresh = ~met
        if fresh.any():
            first_all = np.concatenate((self.first, first[fresh]))
            order = np.argsort(first_all, kind="stable")
            self.first = first_all[order]
            self.second = np.concatenate((self.second, second[fresh]))[order]
        keep = np.repeat(fresh, sizes)
        return keys[keep], members[keep]


def bucket_pairs(keys: np.ndarray, members: np.ndarray, member_groups: np.ndarray, n: int, max_bucket: int, *,
                 first: int = 0) -> np.ndarray:
    """Sorted codes of the pairs within ``max_bucket`` of each other in runs of equal ``keys``.

    ``members`` are passage numbers (below ``n``), in rank order within each
    run, ``member_groups`` their groups (documents): members of one group never
    pair. Only pairs whose later member is at position ``first`` or beyond are
    made, so a bucket can stream through in sorted slices, each led by the
    last ``max_bucket`` entries of the one before (``first`` of them), and
    every pair is made once, in bounded memory, however large the bucket.
    """
    found = []
    for distance in range(1, max_bucket + 1):
        same = keys[distance:] == keys[:-distance]
        same[: max(0, first - distance)] = False
        # No pair at this distance means none further: runs are contiguous.
        if not same.any():
            break
        a = members[:-distance][same]
        b = members[distance:][same]
        keep = member_groups[:-distance][same] != member_groups[distance:][same]
        found.append(pair_codes(a[keep], b[keep], n))
    # Each pair comes once (a passage is in one run of a band, and a pair of
    # it at one distance): a sort, not a unique, would do; this is as fast.
    return np.sort(np.concatenate(found)) if found else np.zeros(0, np.int64)


def _merge_sorted(known: np.ndarray, more: np.ndarray) -> np.ndarray:
    """The union of two sorted arrays of unique codes, sorted. Where passages
    are copies of each other every band finds the same pairs again: only the
    new ones are merged in (a stable sort of two sorted runs is a linear merge)."""
    if not len(known):
        return more
    at = np.searchsorted(known, more)
    new = more[(at == len(known)) | (known[np.minimum(at, len(known) - 1)] != more)]
    return np.sort(np.concatenate((known, new)), kind="stable") if len(new) else known


def _by_rank(n: int, rank: np.ndarray | None) -> np.ndarray:
    """Passages in rank order."""
    if rank is None:
        return np.arange(n, dtype=np.int64)
    rank = np.asarray(rank, dtype=np.int64)
    if n and rank.min() == 0 and rank.max() == n - 1 and np.bincount(rank, minlength=n).max() == 1:
        by_rank = np.empty(n, dtype=np.int64)  # a permutation: invert it without sorting
        by_rank[rank] = np.arange(n, dtype=np.int64)
        return by_rank
    return np.argsort(rank, kind="stable")


def anchor_pairs(groups: np.ndarray, hashes: np.ndarray, *, max_df: int = 50, min_shared: int = 2) -> Candidates:
    """Pairs of groups (documents) sharing at least ``min_shared`` distinct anchors.

    ``hashes[i]`` is an anchor (a shingle hash) of group ``groups[i]``; each
    group should list each anchor once. Anchors carried by more than
    ``max_df`` groups are common phrases or boilerplate and are ignored here
    (LSH buckets pair boilerplate carriers in bounded numbers). This finds
    what passage-level LSH cannot: one reused sentence inside otherwise
    different text, or a paraphrase that keeps a few phrases.
    """
    AnchorOptions(max_df, min_shared)  # checks them
    if len(hashes) < 2:
        return Candidates(np.zeros(0, np.int64), np.zeros(0, np.int64))
    n = int(groups.max()) + 1
    if n <= 2**32 and int(np.max(hashes)) < 2**32:
        return packed_anchor_pairs((hashes.astype(np.uint64) << np.uint64(32)) | groups.astype(np.uint64), n,
                                   max_df=max_df, min_shared=min_shared)
    order = np.lexsort((groups, hashes))
    h, g = hashes[order], groups[order].astype(np.int64)
    keep = _shared_by_a_few(h, max_df)
    return _counted(_run_pairs(h[keep], g[keep], n, max_df), n, min_shared)


def packed_anchor_pairs(keys: np.ndarray, groups: int, *, max_df: int = 50, min_shared: int = 2) -> Candidates:
    """:func:`anchor_pairs` of 64-bit keys ``anchor << 32 | group`` (32-bit
    anchors, fewer than 2**32 groups), which are sorted in place: one sort, no
    index array, and the groups are split off only for the few anchors kept."""
    AnchorOptions(max_df, min_shared)  # checks them
    keys.sort()
    return _counted(sharing_codes(keys, groups, max_df), groups, min_shared)


def sharing_codes(sorted_keys: np.ndarray, n: int, max_df: int) -> np.ndarray:
    """A pair code for every anchor two groups share, from sorted keys ``anchor << 32 | group``."""
    keys = sorted_keys[_shared_by_a_few(sorted_keys >> np.uint64(32), max_df)]
    return _run_pairs(keys >> np.uint64(32), (keys & _LOW).astype(np.int64), n, max_df)


def _run_pairs(h: np.ndarray, g: np.ndarray, n: int, max_df: int) -> np.ndarray:
    """Pair codes of the groups ``g`` in each run of equal ``h`` (sorted; runs of at most ``max_df``)."""
    found = [np.zeros(0, np.int64)]
    for distance in range(1, max_df):
        if distance >= len(h):
            break
        same = h[distance:] == h[:-distance]
        if not same.any():
            break
        a, b = g[:-distance][same], g[distance:][same]
        differ = a != b
        found.append(pair_codes(a[differ], b[differ], n))
    return np.concatenate(found)


def runs_at_least(sorted_codes: np.ndarray, count: int) -> np.ndarray:
    """The values that come at least ``count`` times in a sorted array, once each."""
    if not len(sorted_codes):
        return sorted_codes
    starts = np.flatnonzero(np.concatenate(([True], sorted_codes[1:] != sorted_codes[:-1])))
    sizes = np.diff(np.append(starts, len(sorted_codes)))
    return sorted_codes[starts[sizes >= count]]


def _counted(codes: np.ndarray, n: int, min_shared: int) -> Candidates:
    """The pairs whose code comes at least ``min_shared`` times."""
    return Candidates(*split_pair_codes(runs_at_least(np.sort(codes), min_shared), n))


def _shared_by_a_few(sorted_hashes: np.ndarray, max_df: int) -> np.ndarray:
    """Mask of the anchors that 2 to ``max_df`` entries carry (input sorted)."""
    # Most anchors belong to one document: measure runs only among the shared.
    mask = _equal_to_a_neighbour(sorted_hashes)
    shared = np.flatnonzero(mask)
    runs = sorted_hashes[shared]
    starts = np.flatnonzero(np.concatenate(([True], runs[1:] != runs[:-1])))
    sizes = np.diff(np.append(starts, len(runs)))
    mask[shared[~np.repeat(sizes <= max_df, sizes)]] = False
    return mask


def _equal_to_a_neighbour(sorted_values: np.ndarray) -> np.ndarray:
    """Mask of the entries of a sorted array that are in runs of two or more."""
    mask = np.zeros(len(sorted_values), dtype=bool)
    if len(sorted_values) > 1:
        equal = sorted_values[1:] == sorted_values[:-1]
        mask[1:] = equal
        mask[:-1] |= equal
    return mask


def find_candidates(index: CorpusIndex, options: LshOptions = LshOptions(), *,
                    progress: Callable[[int], None] | None = None) -> Candidates:
    """Step: candidate passage pairs of a corpus index, from LSH over its signatures.

    Pairs are passage numbers of ``index``; passages of one document never pair.
    """
    if index.signatures is None:
        return Candidates(np.zeros(0, np.int64), np.zeros(0, np.int64))
    if index.signatures.scheme.num_perm != options.num_perm:
        raise ParameterError(f"the index was signed with num_perm={index.signatures.scheme.num_perm}, "
                             f"the LSH options say {options.num_perm}")
    bands, rows = options.bands
    return lsh_candidates(index.signatures.values, bands, rows, groups=index.passages.doc, rank=index.rank,
                          max_bucket=options.max_bucket, progress=progress)


@dataclass(frozen=True, eq=False)
class DocumentPairs:
    """Document pairs worth aligning: ``(left[i], right[i])`` are document
    numbers of a corpus index, ``doc_ids[left[i]] < doc_ids[right[i]]``, in
    order of (left id, right id)."""

    left: np.ndarray
    right: np.ndarray

    def __len__(self) -> int:
        return len(self.left)


def document_pairs(index: CorpusIndex, candidates: Candidates, options: AnchorOptions = AnchorOptions()) -> DocumentPairs:
    """Step: the document pairs to align: those with an LSH candidate passage
    pair, and (when the index holds anchors) those sharing ``min_shared`` rare
    shingles. Consumes ``index.anchors``."""
    n = index.documents
    doc = index.passages.doc
    codes = [pair_codes(doc[candidates.left], doc[candidates.right], n)]
    if index.anchors is not None:
        # Part by part: an anchor's carriers are all in one part of the
        # anchors, and a pair's shared anchors are all in one part of the
        # pairs. A million articles share hundreds of millions of anchors.
        shared = KeyPartitions(shift=max(0, (n * n).bit_length() - 4))
        for found in index.anchors.map_partitions(lambda part: sharing_codes(part, n, options.max_df), threads=2):
            shared.add(found.astype(np.uint64))
        codes.extend(shared.map_partitions(lambda part: runs_at_least(part, options.min_shared).astype(np.int64),
                                           threads=2))
    left, right = split_pair_codes(sorted_unique(np.concatenate(codes)), n)
    # Order by document ids, never by document numbers (which follow input order).
    by_id = np.empty(n, dtype=np.int64)
    by_id[np.argsort(np.asarray(index.doc_ids, dtype=object), kind="stable")] = np.arange(n, dtype=np.int64)
    swap = by_id[left] > by_id[right]
    left, right = np.where(swap, right, left), np.where(swap, left, right)
    order = np.lexsort((by_id[right], by_id[left]))
    return DocumentPairs(left[order], right[order])
