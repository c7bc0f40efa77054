"""Seeds, chains and refinement: every stretch two documents share."""

from __future__ import annotations

import numpy as np

from ..errors import ParameterError
from .doc import AlignDoc, Alignment, _is_template, _similarity, _tokens_in
from .merge import _drop_overlaps, _merge_neighbours
from .rescue import _rescue_all, _rescue_supported


def _seeds(a: AlignDoc, b: AlignDoc, n: int, max_repeats: int) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) with the same n-gram at token i of a and j of b, ordered by i, then j."""
    ga = a.ngrams(n).hashes
    index = b.ngrams(n)
    if not len(ga) or not len(index.distinct):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    at = np.minimum(np.searchsorted(index.distinct, ga), len(index.distinct) - 1)
    counts = np.where(index.distinct[at] == ga, index.counts[at], 0)
    # An n-gram repeated many times in b ("in the", lists) says nothing about where a copy is.
    counts[counts > max_repeats] = 0
    i = np.repeat(np.arange(len(ga)), counts)
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    j = index.order[np.repeat(index.first[at], counts) + within]
    return i.astype(np.int64), j.astype(np.int64)


def _chains(i: np.ndarray, j: np.ndarray, n: int, max_gap: int) -> list[list[int]]:
    """Group seeds into stretches [a0, a1, b0, b1, seeds] of token indices."""
    if not len(i):
        return []
    diag = j - i
    order = np.lexsort((i, diag))
    i, j, diag = i[order], j[order], diag[order]
    # A run is seeds on one diagonal, each within max_gap tokens of the end of
    # the n-gram before it. Seeds are distinct and ascend along a diagonal, so
    # a run ends where the diagonal changes or the next seed starts too far on.
    starts = np.flatnonzero(np.concatenate(([True], (diag[1:] != diag[:-1]) | (i[1:] > i[:-1] + n + max_gap))))
    ends = np.append(starts[1:], len(i)) - 1
    # Sorted by where they start in a, then in b: one diagonal and one start
    # are one run, so no two runs tie.
    by_start = np.lexsort((j[starts], i[starts]))
    runs = np.stack((i[starts], i[ends] + n, j[starts], j[ends] + n, ends - starts + 1, diag[starts]),
                    axis=1)[by_start].tolist()
    # Runs on nearby diagonals that follow each other are one stretch with an
    # insertion or deletion in between.
    stretches: list[list[int]] = []
    for r in runs:
        for s in reversed(stretches[-8:]):
            a_gap, b_gap = r[0] - s[1], r[2] - s[3]
            if -n <= a_gap <= max_gap and -n <= b_gap <= max_gap and abs(r[5] - s[5]) <= max_gap:
                s[1], s[3], s[4], s[5] = max(s[1], r[1]), max(s[3], r[3]), s[4] + r[4], r[5]
                break
        else:
            stretches.append(list(r))
    return stretches


def _matched_blocks(a: list[int], b: list[int]) -> list[tuple[int, int, int]]:
    """(a_start, b_start, length) of the LCS-equal blocks of two token lists."""
    from rapidfuzz.distance import LCSseq  # imported on use: `import dedup` stays light

    return [
        (op.src_start, op.dest_start, op.src_end - op.src_start)
        for op in LCSseq.opcodes(a, b)
        if op.tag == "equal"
    ]


def _split_blocks(blocks: list[tuple[int, int, int]], max_gap: int) -> list[list[tuple[int, int, int]]]:
    groups: list[list[tuple[int, int, int]]] = []
    for block in blocks:
        if groups:
            pa, pb, pl = groups[-1][-1]
            if block[0] - (pa + pl) <= max_gap and block[1] - (pb + pl) <= max_gap:
                groups[-1].append(block)
                continue
        groups.append([block])
    trimmed = []
    for g in groups:
        # A lone matching word at either edge is usually chance ("the", "said").
        while len(g) > 1 and g[0][2] < 2:
            g = g[1:]
        while len(g) > 1 and g[-1][2] < 2:
            g = g[:-1]
        trimmed.append(g)
    return trimmed


def _matched_mask(group: list[tuple[int, int, int]], offset: int, t0: int, t1: int) -> np.ndarray:
    """Which tokens of ``a[t0:t1]`` the LCS blocks matched (the grown edges count as matched)."""
    matched = np.zeros(t1 - t0, dtype=bool)
    for start, _, length in group:
        matched[max(offset + start - t0, 0) : max(offset + start + length - t0, 0)] = True
    first = offset + group[0][0]
    last = offset + group[-1][0] + group[-1][2]
    matched[: max(first - t0, 0)] = True
    matched[max(last - t0, 0) :] = True
    return matched


def _content_density(doc: AlignDoc, matched: np.ndarray, t0: int, t1: int) -> float:
    """Share of the content words (not "the", "of", "said") that match: text
    that shares only its grammar with another shares no content."""
    content = doc.content[t0:t1]
    total = int(content.sum())
    return 1.0 if total == 0 else int((content & matched).sum()) / total


def _extend_exact(
    a: np.ndarray, b: np.ndarray, ta0: int, ta1: int, tb0: int, tb1: int
) -> tuple[int, int, int, int, int]:
    """Grow a stretch over identical tokens at both ends.

    The LCS may pair an edge word with another occurrence of it (a "the"
    before the copy), which the edge trimming then drops; equal neighbours
    are part of the copy."""
    grown = 0
    while ta0 > 0 and tb0 > 0 and a[ta0 - 1] == b[tb0 - 1]:
        ta0, tb0, grown = ta0 - 1, tb0 - 1, grown + 1
    while ta1 < len(a) and tb1 < len(b) and a[ta1] == b[tb1]:
        ta1, tb1, grown = ta1 + 1, tb1 + 1, grown + 1
    return ta0, ta1, tb0, tb1, grown


def _grow_punctuation(a: str, b: str, a0: int, a1: int, b0: int, b1: int) -> tuple[int, int, int, int]:
    """Take in punctuation both texts have right at the edges ("meetings." and quotes)."""
    while a1 < len(a) and b1 < len(b) and a[a1] == b[b1] and not a[a1].isspace() and not a[a1].isalnum():
        a1, b1 = a1 + 1, b1 + 1
    while a0 > 0 and b0 > 0 and a[a0 - 1] == b[b0 - 1] and not a[a0 - 1].isspace() and not a[a0 - 1].isalnum():
        a0, b0 = a0 - 1, b0 - 1
    return a0, a1, b0, b1


def _check(seed_ngram: int, max_gap: int, min_tokens: int) -> None:
    if seed_ngram < 1 or max_gap < 0 or min_tokens < seed_ngram:
        raise ParameterError(
            f"need seed_ngram >= 1, max_gap >= 0 and min_tokens >= seed_ngram; "
            f"got {seed_ngram}, {max_gap}, {min_tokens}"
        )


def align_pair(
    a: AlignDoc,
    b: AlignDoc,
    *,
    seed_ngram: int = 3,
    max_gap: int = 8,
    min_tokens: int = 12,
    min_density: float = 0.5,
    max_repeats: int = 4,
    rescue_similarity: float = 0.65,
) -> list[Alignment]:
    """Every stretch of at least ``min_tokens`` matched tokens that ``a`` and ``b`` share.

    ``min_density`` is the share of a stretch's tokens (on the shorter side)
    that must be matched; ``max_gap`` is the longest run of unmatched tokens
    inside one stretch; ``rescue_similarity`` is the sentence similarity
    (0..1) that rescues a short chain (0 disables rescue, also that of
    sentences beside shared text). Returned sorted
    by position in ``a``.
    """
    _check(seed_ngram, max_gap, min_tokens)
    i, j = _seeds(a, b, seed_ngram, max_repeats)
    margin = max_gap
    found: list[Alignment] = []
    chains = _chains(i, j, seed_ngram, max_gap)
    short_chains = []
    for a0, a1, b0, b1, seeds, _ in chains:
        if min(a1 - a0, b1 - b0) < min_tokens:
            if seeds >= 2:
                short_chains.append((a0, a1, b0, b1))
            continue
        lo_a, hi_a = max(0, a0 - margin), min(len(a.hashes), a1 + margin)
        lo_b, hi_b = max(0, b0 - margin), min(len(b.hashes), b1 + margin)
        blocks = _matched_blocks(
            (a.hashes[lo_a:hi_a] >> np.uint64(1)).tolist(), (b.hashes[lo_b:hi_b] >> np.uint64(1)).tolist()
        )
        for group in _split_blocks(blocks, max_gap):
            matched = sum(length for _, _, length in group)
            ta0, tb0 = lo_a + group[0][0], lo_b + group[0][1]
            ta1, tb1 = lo_a + group[-1][0] + group[-1][2], lo_b + group[-1][1] + group[-1][2]
            ta0, ta1, tb0, tb1, grown = _extend_exact(a.hashes, b.hashes, ta0, ta1, tb0, tb1)
            matched += grown
            if matched < min_tokens or matched < min_density * max(ta1 - ta0, tb1 - tb0):
                continue
            matched_here = _matched_mask(group, lo_a, ta0, ta1)
            if _is_template(a, b, ta0, ta1, tb0, tb1) or _content_density(a, matched_here, ta0, ta1) < min_density:
                continue
            found.append(_to_alignment(a, b, ta0, ta1, tb0, tb1, matched))
    if rescue_similarity > 0:
        found.extend(_rescue_all(a, b, short_chains, found, min_tokens, rescue_similarity))
        if found:
            found.extend(_rescue_supported(a, b, chains, found, 2 * max_gap))
    merged = _merge_neighbours(_drop_overlaps(found, a, b), a, b, 2 * max_gap)
    return [al for al in merged if _stands_alone(al, a, b, 2 * min_tokens)]


# A short stretch that is not nearly verbatim is reuse only where it is most of
# a sentence in one text at least: copy desks take whole sentences (and may
# set one inside a longer one: a digest of items joined by "..."), while two
# reports in one house style share fragments ("mln dlrs, up 30 pct from ...
# It said") that start and stop mid-sentence in both.
FRAGMENT_SIMILARITY = 0.9
FRAGMENT_SENTENCE_SHARE = 0.8


def _sentence_share(doc: AlignDoc, start: int, end: int) -> float:
    """How much of the sentences it touches a character span covers."""
    touched = sum(e - s for s, e in doc.sentences if s < end and start < e)
    return (end - start) / touched if touched else 1.0


def _stands_alone(al: Alignment, a: AlignDoc, b: AlignDoc, short: int) -> bool:
    if al.similarity >= FRAGMENT_SIMILARITY or min(_tokens_in(a, al.a_start, al.a_end),
                                                   _tokens_in(b, al.b_start, al.b_end)) >= short:
        return True
    return max(_sentence_share(a, al.a_start, al.a_end), _sentence_share(b, al.b_start, al.b_end)) >= \
        FRAGMENT_SENTENCE_SHARE


def _to_alignment(a: AlignDoc, b: AlignDoc, ta0: int, ta1: int, tb0: int, tb1: int, matched: int) -> Alignment:
    a0, a1, b0, b1 = _grow_punctuation(
        a.text, b.text, int(a.starts[ta0]), int(a.ends[ta1 - 1]), int(b.starts[tb0]), int(b.ends[tb1 - 1])
    )
    return Alignment(a.id, a0, a1, b.id, b0, b1, _similarity(a.text[a0:a1], b.text[b0:b1]), matched)
