"""Paraphrase rescue: a chain too short to stand on its own, kept when the
sentences around it are similar as a whole."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

import numpy as np

from ..normalize import normalize
from .doc import AlignDoc, Alignment, _figures_in, _is_template, _token_span, figures_agree


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


# A paraphrase restates its source's figures; two sentences on one subject
# with other figures (this month's deficit and last year's, two tenders)
# are two reports, however alike their wording.
PARAPHRASE_FIGURE_SHARE = 0.5


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
    ta, tb = _token_span(a, a0, a1), _token_span(b, b0, b1)
    if _is_template(a, b, *ta, *tb) or not figures_agree(_figures_in(a, *ta), _figures_in(b, *tb),
                                                         PARAPHRASE_FIGURE_SHARE):
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


# A sentence beside stretches the pair already shares, in both texts, is part
# of the same reuse when it is this alike as a whole (character ratio of the
# normalised sentences, 0..1) and has this many words on both sides: an
# edited copy with its sentences moved keeps long runs in some and only
# scattered words in others. On its own such a sentence is not enough.
SUPPORTED_SIMILARITY = 0.6
SUPPORTED_MIN_WORDS = 6
SUPPORTED_ROUNDS = 3  # a sentence found this way supports its neighbours in turn


def _token_range(doc: AlignDoc, span: tuple[int, int]) -> tuple[int, int]:
    lo, hi = np.searchsorted(doc.starts, span)
    return int(lo), int(hi)


def _tokens_apart(t0: int, t1: int, ranges: list[tuple[int, int]]) -> int:
    """Tokens between a token range and the nearest of ``ranges`` (0 where they touch or overlap)."""
    return min((max(r0 - t1, t0 - r1, 0) for r0, r1 in ranges), default=1 << 30)


# Sentences are looked for only around chains this many tokens from shared
# text or nearer (beyond the ``gap``): a sentence is rarely longer, and
# finding sentences is most of the cost of this step.
SENTENCE_REACH = 64


def _rescue_supported(
    a: AlignDoc, b: AlignDoc, chains: Sequence[Sequence[int]], found: list[Alignment], gap: int,
) -> list[Alignment]:
    """Sentences of a reordered, edited copy that its stretches missed: a
    chain's sentences, when both lie within ``gap`` tokens of text the pair
    shares and are alike as a whole."""
    from rapidfuzz import fuzz

    shared_a = [(f.a_start, f.a_end) for f in found]
    shared_b = [(f.b_start, f.b_end) for f in found]
    tokens_a = [_token_range(a, x) for x in shared_a]
    tokens_b = [_token_range(b, x) for x in shared_b]
    tried: set[tuple[tuple[int, int], tuple[int, int]]] = set()
    rescued: list[Alignment] = []
    for _ in range(SUPPORTED_ROUNDS):
        before = len(rescued)
        for chain in chains:
            # A chain inside shared text is in a sentence that overlaps it
            # (most chains of a long copy are); one far from it is in none beside it.
            if (_tokens_apart(chain[0], chain[0] + 1, tokens_a) > gap + SENTENCE_REACH or
                    _tokens_apart(chain[2], chain[2] + 1, tokens_b) > gap + SENTENCE_REACH or
                    any(r0 <= chain[0] < r1 for r0, r1 in tokens_a) or any(r0 <= chain[2] < r1 for r0, r1 in tokens_b)):
                continue
            sa, sb = _sentence_at(a, chain[0]), _sentence_at(b, chain[2])
            if (sa, sb) in tried or any(sa[0] < e and s < sa[1] for s, e in shared_a) or any(
                    sb[0] < e and s < sb[1] for s, e in shared_b):
                continue
            ra, rb = _token_range(a, sa), _token_range(b, sb)
            if _tokens_apart(*ra, tokens_a) > gap or _tokens_apart(*rb, tokens_b) > gap:
                continue  # not beside the shared text (yet: a later round may bring it closer)
            tried.add((sa, sb))
            na, nb = normalize(a.text[sa[0] : sa[1]]).text, normalize(b.text[sb[0] : sb[1]]).text
            if min(len(na.split()), len(nb.split())) < SUPPORTED_MIN_WORDS:
                continue
            score = fuzz.ratio(na, nb)
            if score < SUPPORTED_SIMILARITY * 100:
                continue
            a0, a1 = _trim_to_words(a.text, *sa)
            b0, b1 = _trim_to_words(b.text, *sb)
            if _is_template(a, b, *_token_span(a, a0, a1), *_token_span(b, b0, b1)):
                continue
            rescued.append(Alignment(a.id, a0, a1, b.id, b0, b1, round(score / 100.0, 4), chain[1] - chain[0]))
            shared_a.append((a0, a1))
            shared_b.append((b0, b1))
            tokens_a.append(_token_range(a, (a0, a1)))
            tokens_b.append(_token_range(b, (b0, b1)))
        if len(rescued) == before:
            break
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
