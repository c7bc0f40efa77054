"""Half-open spans and the union-find that groups them: the arithmetic that
clustering, alignment and provenance share.

A span is ``(start, end)``, character offsets into one document's original
text, ``start <= end``.
"""

from __future__ import annotations

from typing import Iterable

__all__ = ["merge_spans", "subtract_spans", "UnionFind"]


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching half-open spans joined, sorted.

    >>> merge_spans([(5, 9), (0, 3), (3, 4), (8, 12)])
    [(0, 4), (5, 12)]
    """
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def subtract_spans(span: tuple[int, int], taken: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The non-empty pieces of ``span`` outside every span of ``taken``.

    >>> subtract_spans((0, 10), [(2, 4), (8, 20)])
    [(0, 2), (4, 8)]
    """
    pieces = [span]
    for ts, te in taken:
        pieces = [p for s, e in pieces for p in ((s, min(e, ts)), (max(s, te), e)) if p[1] > p[0]]
    return pieces


class UnionFind:
    """Disjoint sets over ``0..n-1``, grown one element at a time; the root of
    a set is its smallest element, so groups come out the same whatever order
    unions arrive in. (The union-find of :func:`dedup.cluster.group_passages`
    has its finds inlined in its loop, which millions of pairs go through.)

    >>> sets = UnionFind(4)
    >>> sets.union(3, 1); sets.union(1, 2)
    >>> [sets.find(x) for x in range(4)], sets.add()
    ([0, 1, 1, 1], 4)
    """

    def __init__(self, n: int = 0) -> None:
        self.parent = list(range(n))

    def __len__(self) -> int:
        return len(self.parent)

    def add(self) -> int:
        """A new element in a set of its own; returns it."""
        self.parent.append(len(self.parent))
        return len(self.parent) - 1

    def find(self, x: int) -> int:
        """The root of ``x``'s set (halving the path on the way)."""
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        """Join the sets of ``a`` and ``b`` under the smaller root."""
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)
