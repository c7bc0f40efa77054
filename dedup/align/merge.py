"""One reuse, not several: pieces of one copy join, neighbours that are one
(reordered) reuse merge."""

from __future__ import annotations

from dataclasses import replace

from .doc import AlignDoc, Alignment, _similarity, _tokens_in


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
