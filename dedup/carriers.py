"""Who else carries a reused text, and where it was first seen.

A document is aligned only with the documents the index pairs it with, so
the copies of one press release made by forty outlets are not all aligned
with each other, nor each with the release. The reuse cluster joins them: a
span's *carriers* are every other document of its cluster, each with its
own stretch, found either by a direct alignment (``via="aligned"``, with
that alignment's similarity) or through the cluster (``via="cluster"``: the
similarity is the lower of the two stretches' best similarities within the
cluster, since each matches some carrier of that text at least that well).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Sequence

from .cluster import ClusterMember

__all__ = [
    "Carrier", "FirstSeen", "MAX_CARRIERS", "carriers_of", "first_seen_of", "known_before", "order_key",
    "stretches_in_date_order",
]

# The earliest carriers listed on a span; the rest are only counted.
MAX_CARRIERS = 50


@dataclass(frozen=True)
class Carrier:
    """Another document carrying a span's text: where, how similar, and when."""

    doc: str
    start: int
    end: int
    similarity: float
    date: str | None
    via: str  # "aligned" | "cluster"


@dataclass(frozen=True)
class FirstSeen:
    """The earliest-dated carrier of a text (possibly the document itself)."""

    doc: str
    start: int
    end: int
    date: str


def order_key(doc: str, date: str | None) -> tuple[bool, str, str]:
    """Date order, undated documents last, ties by id."""
    return date is None, date or "", doc


def known_before(a: str, b: str) -> bool | None:
    """True/False when ``a`` is known to be earlier/not earlier than ``b``; None for a tie."""
    if a[:10] != b[:10]:
        return a[:10] < b[:10]
    if len(a) > 10 and len(b) > 10 and a != b:
        return a < b
    return None


def stretches_in_date_order(members: Sequence[ClusterMember], dates: Mapping[str, str | None]) -> list[ClusterMember]:
    """One stretch per document of a cluster (its longest), in date order."""
    longest: dict[str, ClusterMember] = {}
    for m in members:
        held = longest.get(m.doc)
        if held is None or m.end - m.start > held.end - held.start:
            longest[m.doc] = m
    return sorted(longest.values(), key=lambda m: order_key(m.doc, dates.get(m.doc)))


def carriers_of(
    member: ClusterMember, stretches: Sequence[ClusterMember], aligned: Mapping[tuple[str, int, int], float],
    best: Mapping[ClusterMember, float], dates: Mapping[str, str | None], limit: int = MAX_CARRIERS,
) -> tuple[tuple[Carrier, ...], int]:
    """The carriers of one member of a cluster, at most ``limit`` of them, and
    how many more there are.

    ``stretches`` are the cluster's, one per document in date order (see
    :func:`stretches_in_date_order`); ``aligned`` maps (document, start, end)
    of directly aligned counterparts to their similarity; ``best`` gives each
    member its best similarity in the cluster.
    """
    direct: dict[str, tuple[int, int, float]] = {}
    for (doc, start, end), similarity in sorted(aligned.items()):
        if doc not in direct or similarity > direct[doc][2]:
            direct[doc] = (start, end, similarity)
    out = []
    for m in stretches:
        if len(out) == limit:
            break
        if m.doc == member.doc:
            continue
        if m.doc in direct:
            start, end, similarity = direct[m.doc]
            out.append(Carrier(m.doc, start, end, similarity, dates.get(m.doc), "aligned"))
        else:
            similarity = round(min(best.get(member, 0.0), best.get(m, 0.0)), 4)
            out.append(Carrier(m.doc, m.start, m.end, similarity, dates.get(m.doc), "cluster"))
    return tuple(out), len(stretches) - 1 - len(out)


def first_seen_of(member: ClusterMember, carriers: Sequence[Carrier], own_date: str | None) -> FirstSeen | None:
    """The earliest-dated carrier of a text, this document included, when it
    is known to be earlier than every other dated carrier (undated ones
    cannot say); None on a tie."""
    dated = [FirstSeen(c.doc, c.start, c.end, c.date) for c in carriers if c.date is not None]
    if own_date is not None:
        dated.append(FirstSeen(member.doc, member.start, member.end, own_date))
    if not dated:
        return None
    dated.sort(key=lambda c: order_key(c.doc, c.date))
    first = dated[0]
    if any(known_before(first.date, c.date) is not True for c in dated[1:]):
        return None
    return first
