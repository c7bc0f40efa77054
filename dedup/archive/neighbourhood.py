"""The report of an ``add`` or a ``query``: provenance of the new articles in
their archived neighbourhood, and the revisions they make to archived articles.

The neighbourhood is the new articles, the archived articles paired with
them, and every article those were aligned with before: enough for a new
article's spans to name their carriers and the text's first appearance, and
for its origin to be judged among them. It is a bounded view, not the whole
archive: a reuse cluster that reaches further (a chain of copies of copies)
is complete only in ``report``, which also numbers clusters corpus-wide
(cluster ids here are numbered within the view).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
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
    stored, documents = _context(db, met, known, load)
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
             load: Callable[[Sequence[int]], list[Document]]) -> tuple[list[Alignment], dict[str, Document]]:
    """Stored alignments of the archived articles met, and every archived article they name."""
    if not met:
        return [], {}
    db.execute("CREATE TEMP TABLE IF NOT EXISTS met(num INTEGER PRIMARY KEY)")
    db.execute("DELETE FROM temp.met")
    db.executemany("INSERT INTO temp.met VALUES (?)", ((n,) for n in met))
    rows = db.execute("SELECT a, b, alignments FROM pairs WHERE a IN temp.met UNION "
                      "SELECT a, b, alignments FROM pairs WHERE b IN temp.met").fetchall()
    nums = sorted(set(met) | {r[0] for r in rows} | {r[1] for r in rows})
    docs = dict(zip(nums, load(nums)))
    named = sorted((docs[a].id, docs[b].id, blob) for a, b, blob in rows)
    stored = [al for a, b, blob in named for al in alignments_of(a, b, blob)]
    return stored, {d.id: d for d in docs.values()}


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
