"""Verified clusters of shared passages.

Every candidate pair is verified on the full signature before it may join
anything: estimated Jaccard similarity at least ``threshold``, or estimated
containment of the smaller passage in the larger at least
``containment_threshold`` (a paragraph quoted inside a longer one).
Signatures may be b-bit (see :meth:`dedup.sign.Signatures.bbit`); the
estimate allows for their chance agreements. Verified pairs are merged with
union-find, strongest first, and two groups merge only if their
representatives verify against each other too, which stops most chains
through a series of partial overlaps (A~B and B~C, but A and C share
nothing). It is not complete linkage: when the middle passage B is itself
the representative of its group, A and C both verify against it and join.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Mapping, Sequence

import numpy as np

from .corpus import CorpusIndex
from .errors import ParameterError
from .garbage import collection_paused
from .index import Candidates
from .options import VerifyOptions
from .spans import UnionFind

__all__ = [
    "Verified", "ClusterMember", "Cluster", "verify_pairs", "group_passages", "weakest_links", "build_clusters",
    "verify_candidates", "cluster_index",
]

_CHUNK = 1 << 16


@dataclass(frozen=True, eq=False)
class Verified:
    """Candidate pairs that passed verification, with their estimated similarity."""

    left: np.ndarray
    right: np.ndarray
    jaccard: np.ndarray
    containment: np.ndarray

    def __len__(self) -> int:
        return len(self.left)


@dataclass(frozen=True)
class ClusterMember:
    """A stretch of one document in a cluster: ``text[start:end]`` of the original."""

    doc: str
    start: int
    end: int


@dataclass(frozen=True)
class Cluster:
    """Passages several documents share. ``id`` depends only on content."""

    id: str
    members: tuple[ClusterMember, ...]
    similarity: float  # the weakest verified link that holds it together

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def documents(self) -> int:
        return len({m.doc for m in self.members})


def estimate(values: np.ndarray, sizes: np.ndarray, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Estimated (Jaccard, containment of the smaller in the larger) of pairs."""
    jaccard = np.empty(len(left), dtype=np.float64)
    width = values.shape[1]

    def chunk(lo: int) -> None:
        a, b = left[lo : lo + _CHUNK], right[lo : lo + _CHUNK]
        # A count, then one division: the same float as ``.mean`` (an exact
        # integer over the same width), without a float per compared value.
        jaccard[lo : lo + _CHUNK] = np.count_nonzero(values[a] == values[b], axis=1) / width

    if len(left) > _CHUNK:
        # Gathering rows is most of the cost and numpy does it without the
        # GIL: chunks on two threads take about half the time (1.4 million
        # pairs: 0.55 against 0.24 s). Each chunk writes its own slice.
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(chunk, range(0, len(left), _CHUNK)))
    elif len(left):
        chunk(0)
    if values.dtype.itemsize < 4:
        # b-bit values also agree by chance: P(equal) = J + (1 - J) * 2**-bits.
        chance = 2.0 ** (-8 * values.dtype.itemsize)
        jaccard = np.clip((jaccard - chance) / (1.0 - chance), 0.0, 1.0)
    size_a, size_b = sizes[left].astype(np.float64), sizes[right].astype(np.float64)
    intersection = jaccard * (size_a + size_b) / (1.0 + jaccard)
    containment = np.minimum(intersection / np.maximum(np.minimum(size_a, size_b), 1.0), 1.0)
    return jaccard, containment


def verify_pairs(
    values: np.ndarray,
    sizes: np.ndarray,
    candidates: Candidates,
    *,
    threshold: float = 0.5,
    containment_threshold: float = 0.8,
) -> Verified:
    """Keep the candidate pairs whose full signatures agree enough."""
    VerifyOptions(threshold, containment_threshold)  # checks them
    jaccard, containment = estimate(values, sizes, candidates.left, candidates.right)
    ok = (jaccard >= threshold) | (containment >= containment_threshold)
    return Verified(candidates.left[ok], candidates.right[ok], jaccard[ok], containment[ok])


def group_passages(
    values: np.ndarray,
    sizes: np.ndarray,
    verified: Verified,
    *,
    rank: np.ndarray,
    threshold: float = 0.5,
    containment_threshold: float = 0.8,
) -> np.ndarray:
    """Union-find over verified pairs; returns a group label per passage (-1: alone).

    Pairs are merged strongest first, ties broken by ``rank``, so the result
    does not depend on input order. Each group's representative is its
    lowest-ranked passage; two groups merge only if their representatives
    pass the same test as a candidate pair.
    """
    VerifyOptions(threshold, containment_threshold)  # checks them
    n = len(values)
    # Only passages in some verified pair can join a group: union-find runs
    # over those alone (a corpus has millions of passages, few of them shared).
    in_pair = np.zeros(n, dtype=bool)
    in_pair[verified.left] = in_pair[verified.right] = True
    nodes = np.flatnonzero(in_pair)
    node_of = np.cumsum(in_pair, dtype=np.int64) - 1  # passage -> its number among the nodes
    strength = np.maximum(verified.jaccard, verified.containment)
    # Ties are broken by the ranks of the pair's ends, lower rank first: not by
    # which end is ``left``, since that follows the passages' input order.
    rank_left, rank_right = rank[verified.left].astype(np.int64), rank[verified.right].astype(np.int64)
    low, high = np.minimum(rank_left, rank_right), np.maximum(rank_left, rank_right)
    span = int(high.max(initial=0)) + 1
    if low.min(initial=0) >= 0 and span < 2**31:
        # Two stable sorts (ranks packed in one key, then strength) do what a
        # three-key lexsort does, in half the time.
        by_ranks = np.argsort(low * span + high, kind="stable")
        order = by_ranks[np.argsort(-strength[by_ranks], kind="stable")]
    else:
        order = np.lexsort((high, low, -strength))
    node_rank = rank[nodes].tolist()
    sets = UnionFind(len(nodes))
    parent = sets.parent  # the loop below finds inline: a method call per pair costs too much
    representative = list(range(len(nodes)))
    # The hot loop of a reuse-heavy corpus (millions of pairs, most of them
    # inside a group already): pairs in order as two plain lists, finds
    # inlined with path halving.
    ordered_left, ordered_right = node_of[verified.left[order]].tolist(), node_of[verified.right[order]].tolist()
    for x, y in zip(ordered_left, ordered_right):
        a, b = parent[x], parent[y]
        if a == b:  # one parent, one group: most pairs of copies, once their group has formed
            continue
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        while parent[b] != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        if a == b:
            continue
        ra, rb = representative[a], representative[b]
        if not ((ra == x and rb == y) or (ra == y and rb == x)):
            j, c = estimate(values, sizes, nodes[[ra]], nodes[[rb]])
            if j[0] < threshold and c[0] < containment_threshold:
                continue
        parent[b] = a
        representative[a] = ra if node_rank[ra] <= node_rank[rb] else rb
    roots = np.array(parent, dtype=np.int64)
    while not np.array_equal(up := roots[roots], roots):  # every node straight to its root
        roots = up
    labels = np.full(n, -1, dtype=np.int64)
    labels[nodes] = nodes[roots]  # a group is named by one of its passages
    counts = np.bincount(roots, minlength=len(nodes))
    labels[nodes[counts[roots] < 2]] = -1
    return labels


def build_clusters(
    labels: np.ndarray,
    *,
    doc: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    doc_ids: Sequence[str],
    verified: Verified | None = None,
    weakest: Mapping[int, float] | None = None,
) -> list[Cluster]:
    """Clusters from group labels: overlapping passages of one document merge
    into one member; clusters are numbered in order of their first member.
    A cluster's similarity is its group's weakest verified pair, from
    ``verified`` or given as ``weakest`` (label -> strength, see
    :func:`weakest_links`) by an engine that grouped passages piece by piece.

    Vectorised: a reuse-heavy corpus has millions of verified pairs and
    hundreds of thousands of clustered passages.
    """
    if weakest is None:
        if verified is None:
            raise ParameterError("build_clusters needs verified pairs or the weakest link of each group")
        weakest = weakest_links(labels, verified)
    picked = np.flatnonzero(labels >= 0)
    if not len(picked):
        return []
    by_id = np.empty(len(doc_ids), dtype=np.int64)
    by_id[np.argsort(np.asarray(doc_ids, dtype=object), kind="stable")] = np.arange(len(doc_ids))
    label, d, s, e = labels[picked], doc[picked].astype(np.int64), start[picked].astype(np.int64), end[picked].astype(np.int64)
    order = np.lexsort((e, s, by_id[d], label))
    label, d, s, e = label[order], d[order], s[order], e[order]
    # One member per run of overlapping or touching spans of one document in
    # one cluster (what merge_spans does, for all of them at once).
    group = np.concatenate(([True], (label[1:] != label[:-1]) | (d[1:] != d[:-1])))
    group_id = np.cumsum(group) - 1
    reach = np.maximum.accumulate(e + group_id * (int(e.max()) + 1)) - group_id * (int(e.max()) + 1)
    new_member = group.copy()
    new_member[1:] |= s[1:] > reach[:-1]
    first = np.flatnonzero(new_member)
    member_end = np.maximum.reduceat(e, first)
    member_label, member_doc, member_start = label[first], d[first], s[first]
    bounds = np.flatnonzero(np.concatenate(([True], member_label[1:] != member_label[:-1], [True])))
    member_key = np.stack((by_id[member_doc], member_start, member_end), axis=1)  # doc id order, start, end
    los, his = bounds[:-1].tolist(), bounds[1:].tolist()
    # Clusters are numbered in order of their members, compared as sequences:
    # the first members decide, but for the rare clusters that begin at the
    # same stretch.
    order = np.lexsort(member_key[bounds[:-1]].T[::-1]).tolist()
    first = member_key[bounds[:-1]][order]
    tied = np.flatnonzero((first[1:] == first[:-1]).all(axis=1))
    if len(tied):
        runs = np.split(tied, np.flatnonzero(np.diff(tied) > 1) + 1)
        for run in runs:
            lo, hi = int(run[0]), int(run[-1]) + 2
            order[lo:hi] = sorted(order[lo:hi], key=lambda c: member_key[los[c] : his[c]].tolist())
    with collection_paused():
        members = [ClusterMember(doc_ids[x], a, b)
                   for x, a, b in zip(member_doc.tolist(), member_start.tolist(), member_end.tolist())]
        return [Cluster(f"c{i:06d}", tuple(members[los[c] : his[c]]),
                        round(weakest.get(int(member_label[los[c]]), 1.0), 6))
                for i, c in enumerate(order, 1)]


def weakest_links(labels: np.ndarray, verified: Verified) -> dict[int, float]:
    """The strength (the larger of Jaccard and containment) of the weakest
    verified pair inside each group, by label."""
    a, b = labels[verified.left], labels[verified.right]
    inside = (a >= 0) & (a == b)
    label = a[inside]
    if not len(label):
        return {}
    strength = np.maximum(verified.jaccard, verified.containment)[inside]
    order = np.argsort(label, kind="stable")
    label, strength = label[order], strength[order]
    starts = np.flatnonzero(np.concatenate(([True], label[1:] != label[:-1])))
    return dict(zip(label[starts].tolist(), np.minimum.reduceat(strength, starts).tolist()))


def verify_candidates(index: CorpusIndex, candidates: Candidates, options: VerifyOptions = VerifyOptions()) -> Verified:
    """Step: the candidate pairs of ``index`` whose full signatures agree enough."""
    if index.signatures is None:
        return verify_pairs(np.zeros((0, 1), np.uint8), np.zeros(0, np.int64), candidates)
    return verify_pairs(index.signatures.values, index.signatures.sizes, candidates,
                        threshold=options.threshold, containment_threshold=options.containment)


def cluster_index(index: CorpusIndex, verified: Verified, options: VerifyOptions = VerifyOptions()) -> list[Cluster]:
    """Step: clusters of shared passages from the verified pairs of ``index``,
    numbered by first member (see :func:`group_passages` and :func:`build_clusters`)."""
    if index.signatures is None or len(verified) == 0:
        return []
    labels = group_passages(index.signatures.values, index.signatures.sizes, verified, rank=index.rank,
                            threshold=options.threshold, containment_threshold=options.containment)
    p = index.passages
    return build_clusters(labels, doc=p.doc, start=p.start, end=p.end, doc_ids=index.doc_ids, verified=verified)
