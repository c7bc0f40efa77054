"""Provenance: who carries which reused text, and which copy came first.

Aligned stretches from every document pair are joined into reuse clusters:
two stretches of one document join when they cover nearly the same text (an
overlap of more than 80% of the longer), so the same press-release paragraph
found against ten other articles is one cluster, while a stretch that spans
two pasted paragraphs does not chain the clusters of both into one, and a
whole re-sent article does not swallow the boilerplate it contains.

For each cluster the *origin* is its earliest-dated carrier, and only when
that is a fact: every carrier has a date and exactly one is earliest (a day
without a time ties with any time on that day). Otherwise the origin is
``None`` and every carrier's role is ``"shared"``. Text carried by many
documents or outlets is *boilerplate*: reported, never proof of copying.
Every span also lists the other carriers of its text and where the text was
first seen (:mod:`dedup.carriers`), whatever its role.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, fields, is_dataclass, replace
from typing import Any, Iterator, Mapping, Sequence

from .align import Alignment
from .carriers import (
    MAX_CARRIERS, Carrier, FirstSeen, carriers_of, first_seen_of, known_before, order_key, stretches_in_date_order,
)
from .cluster import ClusterMember
from .spans import UnionFind, merge_spans, subtract_spans
from .dates import find_dateline, parse_date
from .errors import ParameterError
from .garbage import collection_paused
from .ingest import Document
from .near_duplicates import NearDuplicate, near_duplicates

__all__ = [
    "Match", "ReusedSpan", "NearDuplicate", "DocumentReport", "ReuseCluster", "ProvenanceReport",
    "document_date", "earliest", "build_provenance", "reuse_drafts",
]


@dataclass(frozen=True)
class Match:
    """A counterpart of a reused span in another document."""

    doc: str
    start: int
    end: int
    similarity: float


@dataclass(frozen=True)
class ReusedSpan:
    """A stretch of one document's text that other documents carry too."""

    start: int
    end: int
    cluster: str
    role: str  # "origin" | "copy" | "shared"
    origin: str | None
    boilerplate: bool
    similarity: float
    matches: tuple[Match, ...]
    # Where the origin carries this text (its member of the cluster), also
    # when the origin was not aligned with this document directly.
    origin_start: int | None = None
    origin_end: int | None = None
    # Every other document of the cluster, in date order (at most
    # MAX_CARRIERS; ``more_carriers`` counts the rest).
    carriers: tuple[Carrier, ...] = ()
    more_carriers: int = 0
    # The earliest-dated carrier, also for boilerplate and "shared" spans.
    first_seen: FirstSeen | None = None


@dataclass(frozen=True)
class DocumentReport:
    """Provenance of one document: every reused span, without overlaps."""

    id: str
    date: str | None
    source: str | None
    length: int
    reused_fraction: float
    near_duplicates: tuple[NearDuplicate, ...]
    spans: tuple[ReusedSpan, ...]
    date_from: str | None = None  # "record" | "dateline" | None


@dataclass(frozen=True)
class ReuseCluster:
    """One reused text and every document that carries it."""

    id: str
    boilerplate: bool
    origin: str | None
    members: tuple[ClusterMember, ...]

    @property
    def documents(self) -> int:
        return len({m.doc for m in self.members})


@dataclass(frozen=True)
class ProvenanceReport:
    """The report of a run: one entry per document, and the reuse clusters."""

    documents: tuple[DocumentReport, ...]
    clusters: tuple[ReuseCluster, ...]

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready dicts, in the documented shape."""
        return {
            "documents": list(self.document_records()),
            "clusters": [
                {"id": c.id, "boilerplate": c.boilerplate, "origin": c.origin, "documents": c.documents,
                 "members": [_plain(m) for m in c.members]}
                for c in self.clusters
            ],
        }

    def document_records(self) -> Iterator[dict[str, Any]]:
        """``to_dict()["documents"]`` one at a time, for writers that stream."""
        for d in self.documents:
            yield {
                "id": d.id, "date": d.date, "date_from": d.date_from, "source": d.source, "length": d.length,
                "reused_fraction": d.reused_fraction,
                "near_duplicates": [_plain(n) for n in d.near_duplicates],
                "spans": [_plain(s) for s in d.spans],
            }


def _plain(value: Any) -> Any:
    """``dataclasses.asdict`` for the report's types, several times faster: it
    neither deep-copies leaves nor recurses into them (a million articles'
    reports, with up to 50 carriers a span, are written through this)."""
    kind = type(value)
    if kind in _LEAVES:
        return value
    if kind is tuple:
        return tuple([v if type(v) in _LEAVES else _plain(v) for v in value])
    if kind is list:
        return [v if type(v) in _LEAVES else _plain(v) for v in value]
    names = _FIELD_NAMES.get(kind)
    if names is None:
        if not is_dataclass(value):
            return {k: _plain(v) for k, v in value.items()} if isinstance(value, dict) else value
        names = _FIELD_NAMES[kind] = tuple(f.name for f in fields(value))
    out = {}
    for name in names:
        v = getattr(value, name)
        out[name] = v if type(v) in _LEAVES else _plain(v)
    return out


_LEAVES = frozenset((str, int, float, bool, type(None)))
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def document_date(doc: Document) -> tuple[str | None, str | None]:
    """(ISO date, where it came from): the record's ``date``, else a dateline in the text."""
    if doc.date:
        parsed = parse_date(doc.date)
        if parsed:
            return parsed, "record"
    found = find_dateline(doc.text)
    return (found.iso, "dateline") if found else (None, None)


def earliest(dates: Mapping[str, str | None]) -> str | None:
    """The one document known to be earliest, or None (a tie or a missing date)."""
    if not dates or any(v is None for v in dates.values()):
        return None
    ordered = sorted(dates, key=lambda d: (dates[d], d))
    first = ordered[0]
    for other in ordered[1:]:
        if known_before(dates[first], dates[other]) is not True:  # type: ignore[arg-type]
            return None
    return first


class _Spans(UnionFind):
    """Union-find over (doc, start, end) stretches."""

    def __init__(self) -> None:
        super().__init__()
        self.nodes: list[tuple[str, int, int]] = []

    def add(self, doc: str, start: int, end: int) -> int:  # type: ignore[override]
        self.nodes.append((doc, start, end))
        return super().add()

    def join_overlapping(self, min_overlap: float) -> None:
        by_doc: dict[str, list[int]] = defaultdict(list)
        for i, (doc, _, _) in enumerate(self.nodes):
            by_doc[doc].append(i)
        for ids in by_doc.values():
            # A paragraph many documents carry is one stretch of each of them
            # many times over (one node per alignment): the same stretches
            # join at once, and only distinct ones are compared, pair by pair.
            by_span: dict[tuple[int, int], int] = {}
            for i in ids:
                _, s, e = self.nodes[i]
                if e > s and (first := by_span.setdefault((s, e), i)) != i:
                    self.union(first, i)
            # (An empty stretch overlaps nothing: it joins nothing either way.)
            distinct = sorted((s, e, i) for (s, e), i in by_span.items())
            for pos, (s1, e1, i) in enumerate(distinct):
                for q in range(pos + 1, len(distinct)):  # (not a slice: a copy per stretch)
                    s2, e2, j = distinct[q]
                    if s2 >= e1:
                        break
                    overlap = min(e1, e2) - s2
                    if overlap > min_overlap * max(e1 - s1, e2 - s2):
                        self.union(i, j)


@dataclass(frozen=True)
class _Draft:
    members: tuple[ClusterMember, ...]
    nodes: tuple[int, ...]
    # The members again, of only the stretches aligned as copies (see
    # COMPOSITE_SIMILARITY); None where that is every stretch.
    copies: tuple[ClusterMember, ...] | None = None


def _clusters(alignments: Sequence[Alignment], min_overlap: float) -> tuple[_Spans, list[_Draft], dict[int, list[int]]]:
    spans = _Spans()
    edges: dict[int, list[int]] = defaultdict(list)  # node -> alignment indices
    for k, al in enumerate(alignments):
        a, b = spans.add(al.a, al.a_start, al.a_end), spans.add(al.b, al.b_start, al.b_end)
        spans.union(a, b)
        edges[a].append(k)
        edges[b].append(k)
    spans.join_overlapping(min_overlap)
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(spans.nodes)):
        groups[spans.find(i)].append(i)
    copied = [al.similarity >= COMPOSITE_SIMILARITY for al in alignments]
    drafts = []
    for nodes in groups.values():
        by_doc: dict[str, list[tuple[int, int]]] = defaultdict(list)
        alike: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for i in nodes:
            doc, s, e = spans.nodes[i]
            by_doc[doc].append((s, e))
            if copied[i >> 1]:  # node 2k is alignment k's a side, 2k+1 its b side
                alike[doc].append((s, e))
        members = tuple(ClusterMember(d, s, e) for d in sorted(by_doc) for s, e in merge_spans(by_doc[d]))
        copies = None
        if sum(map(len, alike.values())) < len(nodes):
            copies = tuple(ClusterMember(d, s, e) for d in sorted(alike) for s, e in merge_spans(alike[d]))
        drafts.append(_Draft(members, tuple(sorted(nodes)), copies))
    drafts.sort(key=lambda d: [(m.doc, m.start, m.end) for m in d.members])
    return spans, drafts, edges


def reuse_drafts(alignments: Sequence[Alignment], min_overlap: float = 0.8) -> list[tuple[ClusterMember, ...]]:
    """The members of the reuse clusters :func:`build_provenance` makes of
    ``alignments``, in the order it numbers them (by their members)."""
    _, all_drafts, _ = _clusters(alignments, min_overlap)
    composite = _composite(all_drafts)
    return [d.members for i, d in enumerate(all_drafts) if i not in composite]


@collection_paused()  # a report is hundreds of thousands of small objects: see dedup.garbage
def build_provenance(
    documents: Mapping[str, Document],
    alignments: Sequence[Alignment],
    *,
    boilerplate_documents: int = 5,
    near_duplicate_coverage: float = 0.8,
    near_duplicate_similarity: float = 0.96,
    min_overlap: float = 0.8,
    cluster_numbers: Sequence[int] | None = None,
) -> ProvenanceReport:
    """Per-document provenance from the aligned stretches of all document pairs.

    ``documents`` must hold every document of the run (also those without
    reuse: they get a report with no spans). Deterministic: the result depends
    only on the documents and the set of alignments.

    It can also run on a part of the run closed under alignment: documents
    and every alignment touching them, with ``alignments`` in the run's order.
    Nothing in a document's report depends on documents it is not connected
    to through alignments, except its clusters' numbers: ``cluster_numbers``
    gives them (one for each of :func:`reuse_drafts`, in its order: their
    ranks among the whole run's drafts); by default they count from 1.
    """
    if boilerplate_documents < 2:
        raise ParameterError(f"boilerplate_documents must be at least 2, got {boilerplate_documents}")
    if not 0.0 < near_duplicate_coverage <= 1.0:
        raise ParameterError(f"near_duplicate_coverage must be in (0, 1], got {near_duplicate_coverage}")
    if not 0.0 <= near_duplicate_similarity <= 1.0:
        raise ParameterError(f"near_duplicate_similarity must be in [0, 1], got {near_duplicate_similarity}")
    # One read of each document for what the report needs of them all (most
    # documents of a large corpus have no span: their text is not read again).
    dates: dict[str, tuple[str | None, str | None]] = {}
    sources: dict[str, str | None] = {}
    lengths: dict[str, tuple[int, int]] = {}  # (length, length without surrounding space)
    for doc_id, doc in documents.items():
        dates[doc_id], sources[doc_id] = document_date(doc), doc.source
        lengths[doc_id] = (len(doc.text), len(doc.text.strip()))
    iso_dates = {doc_id: d[0] for doc_id, d in dates.items()}
    spans, all_drafts, edges = _clusters(alignments, min_overlap)
    composite = _composite(all_drafts)
    drafts = [d for i, d in enumerate(all_drafts) if i not in composite]
    clusters: list[ReuseCluster] = []
    per_doc: dict[str, list[tuple[ReusedSpan, int]]] = defaultdict(list)
    if cluster_numbers is None:
        cluster_numbers = range(1, len(drafts) + 1)
    elif len(cluster_numbers) != len(drafts):
        raise ParameterError(f"{len(cluster_numbers)} cluster numbers for {len(drafts)} reuse clusters")
    for number, draft in zip(cluster_numbers, drafts):
        cluster = _make_cluster(f"c{number:06d}", draft, sources, dates, boilerplate_documents)
        clusters.append(cluster)
        for doc_id, span, priority in _cluster_spans(cluster, draft, spans, edges, alignments, iso_dates):
            per_doc[doc_id].append((span, priority))
    # Every alignment counts, also those of composite or boilerplate clusters: an
    # article re-sent whole is the same article however widely its paragraphs
    # or its form are carried elsewhere (two fills of a form with other figures
    # are told apart by their figures, and by the similarity the pair needs).
    near = near_duplicates(documents, alignments, near_duplicate_coverage, near_duplicate_similarity,
                           text_sizes={doc_id: size[1] for doc_id, size in lengths.items()})
    reports = tuple(
        _document_report(doc_id, documents, lengths[doc_id][0], sources[doc_id], dates[doc_id],
                         per_doc.get(doc_id, []), near.get(doc_id, []))
        for doc_id in sorted(documents)
    )
    return ProvenanceReport(reports, tuple(clusters))


# A cluster whose every stretch is this well covered by clusters that more
# documents carry adds nothing: it is a coincidence of those (two boilerplate
# paragraphs pasted side by side in two articles), not a reuse of its own.
COMPOSITE_COVERAGE = 0.9

# ... covered, that is, by the same text: by stretches aligned at this
# similarity or more. A form filled in with other facts (a eurobond issue's
# standard wording around another issuer, amount and coupon) aligns with the
# story at 0.7-0.9; a story re-sent whole with its facts is a reuse of its own,
# however many stories carry the form.
COMPOSITE_SIMILARITY = 0.9


def _composite(drafts: Sequence[_Draft]) -> set[int]:
    """Indices of the drafts that are made of more widely carried drafts."""
    carriers = [len({m.doc for m in d.members}) for d in drafts]
    by_doc: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for i, draft in enumerate(drafts):
        for m in draft.members if draft.copies is None else draft.copies:
            by_doc[m.doc].append((m.start, m.end, carriers[i]))
    # A document of a reuse-heavy corpus has stretches in hundreds of
    # clusters: each member looks only at those that can reach it.
    stretches = {doc: _Stretches(found) for doc, found in by_doc.items()}
    none = _Stretches([])
    return {i for i, draft in enumerate(drafts)
            if all(stretches.get(m.doc, none).covered_by_wider(m, carriers[i]) >= COMPOSITE_COVERAGE
                   for m in draft.members)}


class _Stretches:
    """One document's cluster stretches (start, end, carriers), by start."""

    def __init__(self, found: list[tuple[int, int, int]]) -> None:
        self.found = sorted(found)
        self.starts = [s for s, _, _ in self.found]
        self.longest = max((e - s for s, e, _ in self.found), default=0)

    def covered_by_wider(self, member: ClusterMember, carriers: int) -> float:
        """Share of ``member`` that stretches carried by more documents cover."""
        # Only a stretch starting within ``longest`` before the member can end inside it.
        lo = bisect_right(self.starts, member.start - self.longest)
        hi = bisect_left(self.starts, member.end)
        pieces = [(max(s, member.start), min(e, member.end)) for s, e, k in self.found[lo:hi]
                  if k > carriers and s < member.end and member.start < e]
        return sum(e - s for s, e in merge_spans(pieces)) / max(member.end - member.start, 1)


def _make_cluster(
    cluster_id: str, draft: _Draft, sources_of: Mapping[str, str | None],
    dates: Mapping[str, tuple[str | None, str | None]], boilerplate_documents: int,
) -> ReuseCluster:
    carriers = sorted({m.doc for m in draft.members})
    sources = {sources_of[d] for d in carriers if sources_of[d]}
    boilerplate = len(carriers) >= boilerplate_documents or len(sources) >= boilerplate_documents
    origin = earliest({d: dates[d][0] for d in carriers})
    return ReuseCluster(cluster_id, boilerplate, origin, draft.members)


def _member_matches(
    member: ClusterMember, nodes: list[int], spans: _Spans, edges: Mapping[int, list[int]],
    alignments: Sequence[Alignment],
) -> dict[tuple[str, int, int], float]:
    """The directly aligned counterparts of one member: (document, start, end) -> similarity."""
    matches: dict[tuple[str, int, int], float] = {}
    for node in nodes:
        doc, s, e = spans.nodes[node]
        if not (member.start <= s and e <= member.end):
            continue
        for k in edges[node]:
            al = alignments[k]
            other = (al.b, al.b_start, al.b_end) if al.a == doc and (al.a_start, al.a_end) == (s, e) else (
                al.a, al.a_start, al.a_end)
            if other[0] != doc:
                matches[other] = max(matches.get(other, 0.0), al.similarity)
    return matches


def _cluster_spans(
    cluster: ReuseCluster, draft: _Draft, spans: _Spans, edges: Mapping[int, list[int]],
    alignments: Sequence[Alignment], dates: Mapping[str, str | None],
) -> list[tuple[str, ReusedSpan, int]]:
    """(document, span, priority) for every member; lower priority wins overlaps."""
    nodes_of: dict[str, list[int]] = defaultdict(list)
    for node in draft.nodes:
        nodes_of[spans.nodes[node][0]].append(node)
    matches = {m: _member_matches(m, nodes_of[m.doc], spans, edges, alignments) for m in cluster.members}
    best = {m: max(found.values(), default=0.0) for m, found in matches.items()}
    stretches = stretches_in_date_order(cluster.members, dates)
    if cluster.boilerplate or cluster.origin is None:
        roles = dict.fromkeys((m.doc for m in cluster.members), "shared")
    else:
        roles = {m.doc: "origin" if cluster.origin == m.doc else "copy" for m in cluster.members}
    out = []
    for member in cluster.members:
        ordered = tuple(Match(d, s, e, sim) for (d, s, e), sim in sorted(matches[member].items()))
        carriers, more = carriers_of(member, stretches, matches[member], best, dates)
        span = ReusedSpan(member.start, member.end, cluster.id, roles[member.doc], cluster.origin,
                          cluster.boilerplate, best[member], ordered, *_origin_member(cluster, member),
                          carriers, more, first_seen_of(member, carriers, dates.get(member.doc)))
        # Real reuse wins over boilerplate where spans of one document overlap.
        out.append((member.doc, span, 1 if cluster.boilerplate else 0))
    return out


def _origin_member(cluster: ReuseCluster, member: ClusterMember) -> tuple[int | None, int | None]:
    """The origin's stretch of the cluster (its longest one), unless this is the origin."""
    if cluster.origin is None or cluster.origin == member.doc:
        return None, None
    own = max((m for m in cluster.members if m.doc == cluster.origin), key=lambda m: (m.end - m.start, -m.start))
    return own.start, own.end


def _joined(kept: ReusedSpan, covered: ReusedSpan) -> ReusedSpan:
    """A span with the matches and carriers of a span it covers most of: they carry the same text."""
    matches = kept.matches + tuple(m for m in covered.matches if m not in kept.matches)
    known = {c.doc for c in kept.carriers}
    carriers = sorted(kept.carriers + tuple(c for c in covered.carriers if c.doc not in known),
                      key=lambda c: order_key(c.doc, c.date))
    first = kept.first_seen
    if first is not None and covered.first_seen is not None and known_before(covered.first_seen.date, first.date):
        first = covered.first_seen
    return replace(kept, matches=tuple(sorted(matches, key=lambda m: (m.doc, m.start, m.end))),
                   carriers=tuple(carriers[:MAX_CARRIERS]),
                   more_carriers=kept.more_carriers + max(0, len(carriers) - MAX_CARRIERS), first_seen=first)


def _document_report(
    doc_id: str, documents: Mapping[str, Document], length: int, source: str | None,
    date: tuple[str | None, str | None], spans: list[tuple[ReusedSpan, int]], near: list[NearDuplicate],
) -> DocumentReport:
    taken: list[tuple[int, int]] = []
    kept: list[ReusedSpan] = []
    text = documents[doc_id].text if spans else ""
    for span, _ in sorted(spans, key=lambda sp: (sp[1], -(sp[0].end - sp[0].start), sp[0].start, sp[0].cluster)):
        # Where a stronger span already covers most of this one, its matches
        # still belong to that text: they join the covering span's matches.
        for i, other in enumerate(kept):
            overlap = min(other.end, span.end) - max(other.start, span.start)
            if 2 * overlap >= span.end - span.start and not other.boilerplate:
                kept[i] = _joined(other, span)
        for s, e in subtract_spans((span.start, span.end), taken):
            if text[s:e].strip():
                kept.append(replace(span, start=s, end=e))
        taken = merge_spans(taken + [(span.start, span.end)])
    kept.sort(key=lambda s: (s.start, s.end))
    covered = sum(s.end - s.start for s in kept)
    return DocumentReport(
        doc_id, date[0], source, length, round(covered / length, 4) if length else 0.0,
        tuple(sorted(near, key=lambda n: (-n.similarity, n.doc))), tuple(kept), date[1],
    )
