"""Fuzzy alignment: every reused stretch of a document pair, as exact spans.

Works on the documents' token streams (so case, punctuation, line wrapping,
accents and mojibake never get in the way), in three steps:

1. *seeds*: positions where both documents have the same run of
   ``seed_ngram`` tokens;
2. *chains*: seeds on (nearly) the same diagonal, close together, become one
   stretch; seeds on different diagonals stay apart, which is how stretches
   transposed relative to each other are found separately;
3. *refinement*: rapidfuzz's LCS alignment of each stretch's tokens (with a
   margin, so a stretch can grow) trims it to where the texts stop matching
   and splits it where a long gap shows two separate reuses.

A stretch must match in its content words, not only in grammar (the function
words of the document's language, from fixed lists: see :mod:`dedup.grammar`), and one whose words match while most of its
figures differ is a filled-in template (earnings tables), not a copy.
Stretches close together in both documents are one reuse, in whatever order
(a copy whose sentences were reordered).

A chain too short to stand on its own (a paraphrase keeps only a few words in
a row: "General Assembly resolution 71/291") is *rescued* when the sentences
around it are similar as a whole: they must share several content words
besides the chain itself (two sentences that merely name the same
organisation share nothing else), and rapidfuzz's ``partial_ratio_alignment``
of the two sentences gives the span and the (lower) similarity.

Token spans become character spans of the original texts; the similarity of
a stretch is rapidfuzz's normalised Indel similarity of its normalised text.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np

from .errors import ParameterError
from .grammar import function_word_mask
from .normalize import TokenBatch, normalize
from .segment import sentence_spans

__all__ = ["AlignDoc", "Alignment", "align_pair"]


@dataclass(frozen=True, eq=False)
class AlignDoc:
    """One document as alignment sees it: original text and its tokens."""

    id: str
    text: str
    starts: np.ndarray  # token start offsets in ``text``
    ends: np.ndarray
    hashes: np.ndarray  # uint64 token hashes

    @classmethod
    def from_batch(cls, doc_id: str, text: str, tokens: TokenBatch, index: int) -> "AlignDoc":
        lo, hi = int(tokens.doc_offsets[index]), int(tokens.doc_offsets[index + 1])
        return cls(doc_id, text, tokens.starts[lo:hi], tokens.ends[lo:hi], tokens.hashes[lo:hi])

    # Computed once per document, however many pairs it is aligned in.
    @cached_property
    def sentences(self) -> list[tuple[int, int]]:
        return sentence_spans(self.text)

    @cached_property
    def numbers(self) -> np.ndarray:
        """Which tokens are numbers."""
        return np.fromiter(
            (self.text[s:e].isdigit() for s, e in zip(self.starts.tolist(), self.ends.tolist())),
            dtype=bool, count=len(self.starts),
        )

    @cached_property
    def names(self) -> np.ndarray:
        """Which tokens are names: capitalised words, not all capitals, that
        do not start a sentence."""
        text = self.text
        out = np.zeros(len(self.starts), dtype=bool)
        for k, (s, e) in enumerate(zip(self.starts.tolist(), self.ends.tolist())):
            if text[s].isupper() and not text[s:e].isupper():
                p = s - 1
                while p >= 0 and (text[p].isspace() or text[p] in "\"'(<"):
                    p -= 1
                out[k] = p >= 0 and text[p] not in ".!?:"
        return out

    @cached_property
    def figures(self) -> tuple[np.ndarray, list[str]]:
        """Every figure as written ("7-3/4", "1.6190", "2,000" as "2000"), with its start offset."""
        found = [(m.start(), m.group().replace(",", "")) for m in _FIGURE.finditer(self.text)]
        return np.array([f[0] for f in found], dtype=np.int64), [f[1] for f in found]

    @cached_property
    def content(self) -> np.ndarray:
        """Which tokens are content words: four characters or more, or a number,
        and not a function word of the document's language."""
        return (((self.ends - self.starts) >= 4) | self.numbers) & ~function_word_mask(self.hashes)


@dataclass(frozen=True)
class Alignment:
    """A stretch of ``a`` reused in ``b``: half-open character spans of both originals."""

    a: str
    a_start: int
    a_end: int
    b: str
    b_start: int
    b_end: int
    similarity: float
    tokens: int  # matched tokens (for a rescued paraphrase: the chain that found it)


def _ngram_hashes(hashes: np.ndarray, n: int) -> np.ndarray:
    count = len(hashes) - n + 1
    if count <= 0:
        return np.zeros(0, np.uint64)
    acc = hashes[:count].copy()
    with np.errstate(over="ignore"):
        for j in range(1, n):
            acc = acc * np.uint64(0x9E3779B97F4A7C15) + hashes[j : j + count]
    return acc


def _seeds(a: np.ndarray, b: np.ndarray, n: int, max_repeats: int) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) with the same n-gram at token i of a and j of b."""
    ga, gb = _ngram_hashes(a, n), _ngram_hashes(b, n)
    if not len(ga) or not len(gb):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    order = np.argsort(gb, kind="stable")
    sorted_b = gb[order]
    lo = np.searchsorted(sorted_b, ga, side="left")
    hi = np.searchsorted(sorted_b, ga, side="right")
    counts = hi - lo
    # An n-gram repeated many times in b ("in the", lists) says nothing about where a copy is.
    counts[counts > max_repeats] = 0
    i = np.repeat(np.arange(len(ga)), counts)
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    j = order[np.repeat(lo, counts) + within]
    return i.astype(np.int64), j.astype(np.int64)


def _chains(i: np.ndarray, j: np.ndarray, n: int, max_gap: int) -> list[list[int]]:
    """Group seeds into stretches [a0, a1, b0, b1, seeds] of token indices."""
    if not len(i):
        return []
    diag = j - i
    order = np.lexsort((i, diag))
    runs: list[list[int]] = []
    for k in order.tolist():
        ii, jj, dd = int(i[k]), int(j[k]), int(diag[k])
        last = runs[-1] if runs else None
        if last is not None and last[5] == dd and ii <= last[1] + max_gap:
            last[1], last[3], last[4] = max(last[1], ii + n), max(last[3], jj + n), last[4] + 1
        else:
            runs.append([ii, ii + n, jj, jj + n, 1, dd])
    # Runs on nearby diagonals that follow each other are one stretch with an
    # insertion or deletion in between.
    runs.sort(key=lambda r: (r[0], r[2]))
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


# A stretch whose wording matches while its facts (figures and names) differ
# is a form filled in twice (earnings tables, dividend notices, two companies'
# bond issues), not a copy: it needs this many distinct facts to tell, and
# a copy, even a heavily edited one, keeps at least this share of them.
TEMPLATE_MIN_FACTS = 5
TEMPLATE_FACT_SHARE = 0.6
_FIGURE = re.compile(r"\d+(?:[.,/-]\d+)*")


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


def _figures_in(doc: AlignDoc, t0: int, t1: int) -> set[str]:
    if t1 <= t0:
        return set()
    starts, values = doc.figures
    lo, hi = np.searchsorted(starts, [int(doc.starts[t0]), int(doc.ends[t1 - 1])])
    return set(values[int(lo) : int(hi)])


def _is_template(a: AlignDoc, b: AlignDoc, ta0: int, ta1: int, tb0: int, tb1: int) -> bool:
    """Whether two stretches share their wording but not their facts: the
    distinct names and figures of either that the other's stretch has
    anywhere (so moved sentences and a name written in capitals do not count
    against a copy; a figure counts whole, "1.6190" is not "1.6195")."""
    for x, x0, x1, y, y0, y1 in ((a, ta0, ta1, b, tb0, tb1), (b, tb0, tb1, a, ta0, ta1)):
        names = np.unique(x.hashes[x0:x1][x.names[x0:x1]])
        figures = _figures_in(x, x0, x1)
        total = len(names) + len(figures)
        if total >= TEMPLATE_MIN_FACTS:
            kept = int(np.isin(names, y.hashes[y0:y1]).sum()) + len(figures & _figures_in(y, y0, y1))
            if kept < TEMPLATE_FACT_SHARE * total:
                return True
    return False


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
    (0..1) that rescues a short chain (0 disables rescue). Returned sorted
    by position in ``a``.
    """
    _check(seed_ngram, max_gap, min_tokens)
    i, j = _seeds(a.hashes, b.hashes, seed_ngram, max_repeats)
    margin = max_gap
    found: list[Alignment] = []
    short_chains = []
    for a0, a1, b0, b1, seeds, _ in _chains(i, j, seed_ngram, max_gap):
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
    return _merge_neighbours(_drop_overlaps(found, a, b), a, b, 2 * max_gap)


def _to_alignment(a: AlignDoc, b: AlignDoc, ta0: int, ta1: int, tb0: int, tb1: int, matched: int) -> Alignment:
    a0, a1, b0, b1 = _grow_punctuation(
        a.text, b.text, int(a.starts[ta0]), int(a.ends[ta1 - 1]), int(b.starts[tb0]), int(b.ends[tb1 - 1])
    )
    return Alignment(a.id, a0, a1, b.id, b0, b1, _similarity(a.text[a0:a1], b.text[b0:b1]), matched)


def _similarity(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    return round(fuzz.ratio(normalize(a).text, normalize(b).text) / 100.0, 4)


def _sentence_at(doc: AlignDoc, token: int) -> tuple[int, int]:
    offset = int(doc.starts[token])
    spans = doc.sentences
    k = bisect_right(spans, (offset, len(doc.text) + 1)) - 1
    if k >= 0 and spans[k][0] <= offset < spans[k][1]:
        return spans[k]
    return offset, int(doc.ends[token])


# Content words a paraphrase keeps besides the chain it was found by; fewer
# do when the chain itself is long (a heavily edited sentence keeps a run of
# eight words or more, a sentence that merely names the same body does not).
RESCUE_SHARED_WORDS = 5
RESCUE_LONG_CHAIN = 8
RESCUE_LONG_CHAIN_SHARED_WORDS = 2


def _content_words(doc: AlignDoc, span: tuple[int, int], chain: tuple[int, int]) -> set[int]:
    """Hashes of the content words of a sentence, outside the chain."""
    lo, hi = (int(x) for x in np.searchsorted(doc.starts, span))
    keep = doc.content[lo:hi].copy()
    keep[max(chain[0] - lo, 0) : max(chain[1] - lo, 0)] = False
    return set(doc.hashes[lo:hi][keep].tolist())


def _rescue(
    a: AlignDoc, b: AlignDoc, chain: tuple[int, int, int, int], sa: tuple[int, int], sb: tuple[int, int],
    min_tokens: int, min_similarity: float,
) -> Alignment | None:
    """A paraphrased sentence: the sentences around a short chain, if similar enough."""
    shared = _content_words(a, sa, chain[:2]) & _content_words(b, sb, chain[2:])
    long_chain = min(chain[1] - chain[0], chain[3] - chain[2]) >= RESCUE_LONG_CHAIN
    if len(shared) < (RESCUE_LONG_CHAIN_SHARED_WORDS if long_chain else RESCUE_SHARED_WORDS):
        return None
    na, nb = normalize(a.text[sa[0] : sa[1]]), normalize(b.text[sb[0] : sb[1]])
    if min(len(na.text.split()), len(nb.text.split())) < min_tokens:
        return None
    from rapidfuzz import fuzz

    a_shorter = len(na.text) <= len(nb.text)
    short, long_ = (na, nb) if a_shorter else (nb, na)
    found = fuzz.partial_ratio_alignment(short.text, long_.text, score_cutoff=min_similarity * 100)
    if found is None:
        return None
    # partial_ratio aligns the whole shorter sentence with a window of the longer one.
    ls, le = long_.span_to_original(found.dest_start, found.dest_end)
    if a_shorter:
        a0, a1, b0, b1 = sa[0], sa[1], sb[0] + ls, sb[0] + le
    else:
        a0, a1, b0, b1 = sa[0] + ls, sa[0] + le, sb[0], sb[1]
    a0, a1 = _trim_to_words(a.text, a0, a1)
    b0, b1 = _trim_to_words(b.text, b0, b1)
    if _is_template(a, b, *_token_span(a, a0, a1), *_token_span(b, b0, b1)):
        return None
    return Alignment(a.id, a0, a1, b.id, b0, b1, round(found.score / 100.0, 4), chain[1] - chain[0])


def _rescue_all(
    a: AlignDoc, b: AlignDoc, chains: list[tuple[int, int, int, int]], found: list[Alignment],
    min_tokens: int, min_similarity: float,
) -> list[Alignment]:
    """Rescue short chains, once per sentence pair, where no alignment is already."""
    tried: set[tuple[tuple[int, int], tuple[int, int]]] = set()
    rescued: list[Alignment] = []
    for chain in chains:
        sa, sb = _sentence_at(a, chain[0]), _sentence_at(b, chain[2])
        if (sa, sb) in tried or any(
            sa[0] < f.a_end and f.a_start < sa[1] and sb[0] < f.b_end and f.b_start < sb[1] for f in found
        ):
            continue
        tried.add((sa, sb))
        alignment = _rescue(a, b, chain, sa, sb, min_tokens, min_similarity)
        if alignment is not None:
            rescued.append(alignment)
    return rescued


def _trim_to_words(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen a span cut inside a word to the whole word, then drop edge spaces."""
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and end > 0 and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _continues(x: Alignment, y: Alignment) -> bool:
    """Whether two overlapping stretches are one copy found in two pieces (a
    long copy's chain breaks at an edit; the margins make the pieces overlap):
    in the same order in both texts, overlapping by about as much in each."""
    same_order = (x.a_start <= y.a_start) == (x.b_start <= y.b_start) and (x.a_end <= y.a_end) == (
        x.b_end <= y.b_end)
    in_a = min(x.a_end, y.a_end) - max(x.a_start, y.a_start)
    in_b = min(x.b_end, y.b_end) - max(x.b_start, y.b_start)
    return same_order and abs(in_a - in_b) <= max(in_a, in_b) // 2 + 8


def _drop_overlaps(found: list[Alignment], a: AlignDoc, b: AlignDoc) -> list[Alignment]:
    """Margins let neighbouring stretches find the same text twice: pieces of
    one copy join (and are measured whole), otherwise the larger stays."""
    kept: list[Alignment] = []
    for al in sorted(found, key=lambda x: (-x.tokens, x.a_start, x.b_start)):
        hit = [k for k in kept if al.a_start < k.a_end and k.a_start < al.a_end and al.b_start < k.b_end
               and k.b_start < al.b_end]
        if not hit:
            kept.append(al)
        elif all(_continues(k, al) for k in hit):
            joined = _hull(sorted(hit + [al], key=lambda x: x.a_start))
            similarity = _similarity(a.text[joined.a_start : joined.a_end], b.text[joined.b_start : joined.b_end])
            kept = [k for k in kept if k not in hit] + [replace(joined, similarity=similarity)]
    return sorted(kept, key=lambda x: (x.a_start, x.b_start))


# How much larger than its region in ``a`` the region in ``b`` of one
# reordered copy may be (edits change lengths a little).
REORDER_SLACK = 1.25


def _token_span(doc: AlignDoc, start: int, end: int) -> tuple[int, int]:
    """The tokens that start inside a character span."""
    return int(np.searchsorted(doc.starts, start)), int(np.searchsorted(doc.starts, end))


def _tokens_in(doc: AlignDoc, start: int, end: int) -> int:
    return int(np.searchsorted(doc.starts, end) - np.searchsorted(doc.starts, start))


def _a_gap(x: Alignment, y: Alignment, a: AlignDoc) -> int:
    """Tokens of ``a`` between two stretches (negative when they overlap)."""
    lo, hi = min(x.a_start, y.a_start), max(x.a_end, y.a_end)
    return _tokens_in(a, lo, hi) - _tokens_in(a, x.a_start, x.a_end) - _tokens_in(a, y.a_start, y.a_end)


def _one_reuse(group: list[Alignment], a: AlignDoc, b: AlignDoc, gap: int) -> bool:
    """Whether stretches that follow each other in ``a`` are one reuse: their
    parts in ``b``, in any order, fill a region no larger than theirs in ``a``
    (a copy with its sentences reordered), or lie within ``gap`` tokens."""
    a_size = _tokens_in(a, min(x.a_start for x in group), max(x.a_end for x in group))
    b_lo, b_hi = min(x.b_start for x in group), max(x.b_end for x in group)
    b_size = _tokens_in(b, b_lo, b_hi)
    b_parts = sum(_tokens_in(b, x.b_start, x.b_end) for x in group)
    return b_size <= REORDER_SLACK * a_size + gap or b_size - b_parts <= gap


def _merge_neighbours(found: list[Alignment], a: AlignDoc, b: AlignDoc, gap: int) -> list[Alignment]:
    """One reuse, not several: stretches close together in ``a`` merge when
    they are one reuse in ``b`` too, whatever their order there."""
    ordered = sorted(found, key=lambda x: (x.a_start, x.b_start))
    runs: list[list[Alignment]] = []
    for al in ordered:
        if runs and _a_gap(runs[-1][-1], al, a) <= gap:
            runs[-1].append(al)
        else:
            runs.append([al])
    merged: list[Alignment] = []
    for run in runs:
        i = 0
        while i < len(run):
            # The longest window from i that is one reuse; a window of one always is.
            j = next(j for j in range(len(run), i, -1) if j == i + 1 or _one_reuse(run[i:j], a, b, gap))
            merged.append(_hull(run[i:j]))
            i = j
    return merged


def _hull(group: list[Alignment]) -> Alignment:
    if len(group) == 1:
        return group[0]
    sizes = [x.a_end - x.a_start for x in group]
    similarity = sum(x.similarity * n for x, n in zip(group, sizes)) / sum(sizes)
    first = group[0]
    return Alignment(
        first.a, min(x.a_start for x in group), max(x.a_end for x in group), first.b,
        min(x.b_start for x in group), max(x.b_end for x in group), round(similarity, 4),
        sum(x.tokens for x in group),
    )
