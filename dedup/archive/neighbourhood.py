"""The report of an ``add`` or a ``query``: provenance of the new articles in
their archived neighbourhood, and the revisions they make to archived articles.

The neighbourhood is the new articles, the archived articles paired with
them, and every article those were aligned with before on the text the new
articles reuse: enough for a new article's spans to name their carriers and
the text's first appearance, and for its origin to be judged among them. It is a bounded view, not the whole
archive: a reuse cluster that reaches further (a chain of copies of copies)
is complete only in ``report``, which also numbers clusters corpus-wide
(cluster ids here are numbered within the view).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace
from typing import Callable, Mapping, Sequence

from ..align import Alignment
from ..ingest import Document
from ..pipeline import Params
from ..provenance import DocumentReport, ProvenanceReport, ReusedSpan, build_provenance
from .lookup import BatchPairs
from .rows import alignments_of

__all__ = ["Revision", "neighbourhood_report"]


@dataclass(frozen=True)
class Revision:
    """A change a new article makes to an archived article's provenance, at
    ``[start:end]`` of its text: ``kind`` is ``"carrier"`` (``after`` is a new
    article that carries this text too), ``"origin"`` (the origin went from
    ``before`` to ``after``: an earlier-dated carrier arrived late) or
    ``"boilerplate"`` (so many carry the text now that it is boilerplate)."""

    doc: str
    start: int
    end: int
    kind: str
    before: str | None = None
    after: str | None = None


def neighbourhood_report(
    db: sqlite3.Connection, new_ids: Sequence[str], known: Mapping[str, Document], alignments: Sequence[Alignment],
    pairs: BatchPairs, params: Params, load: Callable[[Sequence[int]], list[Document]], *, revisions: bool,
) -> tuple[ProvenanceReport, list[Revision], int]:
    """(report of the new articles, revisions of archived ones, archived articles in the view)."""
    new = set(new_ids)
    met = sorted({pairs.nums[i] for i in (*pairs.left.tolist(), *pairs.right.tolist()) if pairs.nums[i] >= 0})
    stored, documents = _context(db, met, known, load, _reused(alignments, new))
    after = _provenance({**documents, **{i: known[i] for i in new_ids}}, [*stored, *alignments], params)
    changes: list[Revision] = []
    if revisions and met:
        before = _provenance(documents, stored, params)
        old = {d.id: d for d in before.documents}
        for doc in after.documents:
            if doc.id in old and doc.id not in new:
                changes.extend(_revisions(old[doc.id], doc, new))
    report = ProvenanceReport(tuple(d for d in after.documents if d.id in new),
                              tuple(c for c in after.clusters if any(m.doc in new for m in c.members)))
    return report, changes, len(documents)


def _context(db: sqlite3.Connection, met: Sequence[int], known: Mapping[str, Document],
             load: Callable[[Sequence[int]], list[Document]],
             reused: Mapping[str, Sequence[tuple[int, int]]]) -> tuple[list[Alignment], dict[str, Document]]:
    """Stored alignments of the archived articles met that cover text the new
    articles reuse (``reused``: stretches of each archived article aligned with
    a new one), and every archived article they name. An alignment elsewhere in
    an archived article cannot join the new articles' reuse clusters."""
    if not met:
        return [], {}
    db.execute("CREATE TEMP TABLE IF NOT EXISTS met(num INTEGER PRIMARY KEY)")
    db.execute("DELETE FROM temp.met")
    db.executemany("INSERT INTO temp.met VALUES (?)", ((n,) for n in met))
    rows = db.execute("SELECT a, b, alignments FROM pairs WHERE a IN temp.met UNION "
                      "SELECT a, b, alignments FROM pairs WHERE b IN temp.met").fetchall()
    ids = dict(zip(met, (d.id for d in load(met))))
    kept, named = [], set()
    for a, b, blob in rows:
        found = alignments_of(ids.get(a, ""), ids.get(b, ""), blob)
        relevant = [al for al in found if _overlaps(reused.get(al.a), al.a_start, al.a_end)
                    or _overlaps(reused.get(al.b), al.b_start, al.b_end)]
        if relevant:
            kept.append((a, b, relevant))
            named.update((a, b))
    nums = sorted(set(met) | named)
    docs = dict(zip(nums, load(nums)))
    stored = sorted((replace(al, a=docs[a].id, b=docs[b].id) for a, b, found in kept for al in found),
                    key=lambda al: (al.a, al.b, al.a_start, al.a_end, al.b_start, al.b_end))
    return stored, {d.id: d for d in docs.values()}


def _overlaps(stretches: Sequence[tuple[int, int]] | None, start: int, end: int) -> bool:
    return bool(stretches) and any(s < end and start < e for s, e in stretches)  # type: ignore[union-attr]


def _reused(alignments: Sequence[Alignment], new: set[str]) -> dict[str, list[tuple[int, int]]]:
    """Stretches of each archived article aligned with a new one."""
    out: dict[str, list[tuple[int, int]]] = {}
    for al in alignments:
        if al.a not in new:
            out.setdefault(al.a, []).append((al.a_start, al.a_end))
        if al.b not in new:
            out.setdefault(al.b, []).append((al.b_start, al.b_end))
    return out


def _provenance(documents: Mapping[str, Document], alignments: Sequence[Alignment], params: Params) -> ProvenanceReport:
    options = params.provenance
    return build_provenance(documents, alignments, boilerplate_documents=options.boilerplate_documents,
                            near_duplicate_coverage=options.near_duplicate_coverage,
                            near_duplicate_similarity=options.near_duplicate_similarity,
                            min_overlap=options.min_overlap)


def _revisions(before: DocumentReport, after: DocumentReport, new: set[str]) -> list[Revision]:
    out = []
    for span in after.spans:
        old = _most_overlapping(span, before.spans)
        had = set() if old is None else {m.doc for m in old.matches} | {c.doc for c in old.carriers}
        now = {m.doc for m in span.matches} | {c.doc for c in span.carriers}
        out.extend(Revision(after.id, span.start, span.end, "carrier", after=d) for d in sorted((now & new) - had))
        if old is not None and old.origin != span.origin:
            out.append(Revision(after.id, span.start, span.end, "origin", old.origin, span.origin))
        if span.boilerplate and (old is None or not old.boilerplate):
            out.append(Revision(after.id, span.start, span.end, "boilerplate"))
    return out


def _most_overlapping(span: ReusedSpan, spans: Sequence[ReusedSpan]) -> ReusedSpan | None:
    best, most = None, 0
    for other in spans:
        overlap = min(span.end, other.end) - max(span.start, other.start)
        if overlap > most:
            best, most = other, overlap
    return best
