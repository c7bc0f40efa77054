"""Near-duplicates: two articles that are one story (a re-send, a correction)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Mapping, Sequence

from .align import Alignment
from .align.doc import figures_agree, written_figures
from .spans import merge_spans
from .ingest import Document

__all__ = ["NearDuplicate", "near_duplicates"]


@dataclass(frozen=True)
class NearDuplicate:
    """Another document that is nearly all the same text (a re-send, a correction)."""

    doc: str
    similarity: float


# Share of either article's distinct figures the other must have for the two
# to be one story: a re-send that corrects a figure keeps the others, a form
# filled in again for another market or hour changes most of them.
NEAR_DUPLICATE_FIGURES = 0.5


def _same_figures(a: str, b: str) -> bool:
    """Whether two articles with two figures or more share at least half of them."""
    fa, fb = ({f for _, f in written_figures(t)} for t in (a, b))
    return figures_agree(fa, fb, NEAR_DUPLICATE_FIGURES, fewest=2)


def near_duplicates(
    documents: Mapping[str, Document], alignments: Sequence[Alignment], coverage: float, min_similarity: float,
    text_sizes: Mapping[str, int] | None = None,
) -> dict[str, list[NearDuplicate]]:
    """Pairs whose aligned text covers most of both documents and is at least
    ``min_similarity`` alike. ``text_sizes`` (each document's length without
    surrounding space), where given, spares reading the texts of pairs that
    cover too little."""
    if text_sizes is None:
        text_sizes = {d: len(documents[d].text.strip()) for al in alignments for d in (al.a, al.b)}
    by_pair: dict[tuple[str, str], list[int]] = defaultdict(list)
    for k, al in enumerate(alignments):
        by_pair[(al.a, al.b) if al.a < al.b else (al.b, al.a)].append(k)
    out: dict[str, list[NearDuplicate]] = defaultdict(list)
    for (x, y), ks in sorted(by_pair.items()):
        cover = {x: [], y: []}  # type: dict[str, list[tuple[int, int]]]
        weighted, total = 0.0, 0
        for k in ks:
            al = alignments[k]
            cover[al.a].append((al.a_start, al.a_end))
            cover[al.b].append((al.b_start, al.b_end))
            size = (al.a_end - al.a_start) + (al.b_end - al.b_start)
            weighted, total = weighted + al.similarity * size, total + size
        fractions = []
        for d in (x, y):
            text_size = text_sizes[d] or 1
            fractions.append(sum(e - s for s, e in merge_spans(cover[d])) / text_size)
        # Two fills of one form (a rates table at noon and at two, two hog
        # markets) cover each other whole but differ in their figures.
        if min(fractions) >= coverage and weighted / total >= min_similarity and _same_figures(
                documents[x].text, documents[y].text):
            similarity = round(min(1.0, sum(fractions) / 2) * (weighted / total), 4)
            out[x].append(NearDuplicate(y, similarity))
            out[y].append(NearDuplicate(x, similarity))
    return out
