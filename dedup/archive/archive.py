"""A persistent archive: each day's articles added to one SQLite file, and
their provenance against everything added before.

The archive calls the pipeline's steps, never other implementations of them:

- ``add`` signs the new batch (:func:`~dedup.corpus.sign_documents`,
  :func:`~dedup.corpus.index_batch`), finds its document pairs through the
  archive's postings (:mod:`dedup.archive.lookup`, which runs
  :func:`~dedup.index.find_candidates` and :func:`~dedup.index.anchor_pairs`
  over the batch and the archived documents it meets), aligns them
  (:func:`~dedup.pipeline.align_documents`) and stores all of it in one
  transaction; its report is :func:`~dedup.provenance.build_provenance` over
  the new articles and their archived neighbourhood;
- ``report`` gathers the stored index and runs the corpus-wide steps over it
  (:func:`~dedup.pipeline.provenance_of_index`), taking stored alignments for
  the pairs aligned before: the same bytes as ``dedup provenance`` over the
  same articles.

Concurrency is SQLite's: readers see the last committed state while an
``add`` runs (WAL); a second writer waits ``BUSY_TIMEOUT`` seconds, then fails.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Sequence

import numpy as np

from ..align import Alignment
from ..corpus import KeyPartitions, SignedBatch, gather_signed, index_batch, sign_documents
from ..errors import InputError, ParameterError
from ..ingest import Document, IngestReport, Skipped, check_documents, read_documents
from ..ingest.documents import split_location
from ..pipeline import (
    Params, Progress, ProvenanceResult, _batches, _check_jobs, _parallel_map, _step, align_documents,
    provenance_of_index,
)
from ..store import DocumentStore
from . import postings, schema, write
from .lookup import BatchPairs, batch_pairs
from .neighbourhood import Revision, neighbourhood_report
from .rows import ANCHOR_OFFSET, DOCUMENT_COLUMNS, alignments_of, digest, document_of, signed_of

__all__ = ["Archive", "ArchiveResult", "ArchiveInfo"]

_CHUNK = 4096  # documents read from the file at once


@dataclass(frozen=True, eq=False)
class ArchiveResult:
    """What ``add`` or ``query`` found: the provenance of the new articles
    (``provenance``, writable like any :class:`~dedup.pipeline.ProvenanceResult`),
    the revisions ``add`` made to archived articles, and which articles it
    added or found already archived."""

    provenance: ProvenanceResult
    revisions: tuple[Revision, ...] = ()
    added: tuple[str, ...] = ()
    unchanged: tuple[str, ...] = ()


@dataclass(frozen=True)
class ArchiveInfo:
    """What ``info`` tells: the file's format and parameters, its counts and size, the last batch."""

    path: str
    format: int
    params: dict[str, Any]
    documents: int
    passages: int
    aligned_pairs: int
    batches: int
    bytes: int
    last_batch: dict[str, Any] | None = field(default=None)

    def to_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready data."""
        return asdict(self)


class Archive:
    """An archive file, opened (and with ``create``, made when missing).

    ``params``: a :class:`Params` must equal the archive's matching parameters;
    a mapping names only some (``{"threshold": 0.6}``), which must equal the
    archive's too. A new archive is made with them. Use it as a context manager.
    """

    def __init__(self, path: str | os.PathLike[str], params: Params | Mapping[str, Any] | None = None, *,
                 create: bool = False, wait: float = schema.BUSY_TIMEOUT) -> None:
        self.path = str(path)
        given = ({n: getattr(params, n) for n in schema.MATCHING} if isinstance(params, Params)
                 else dict(params or {}))
        #: This object made the file: a failed first add takes it away again.
        self._made = create and not os.path.lexists(self.path)
        self._db = schema.connect(path, create_missing=create, wait=wait)
        self.wait = wait
        try:
            self.params = self._open(given, create)
        except BaseException:
            self._discard()
            raise

    def _open(self, given: dict[str, Any], create: bool) -> Params:
        if create and schema.is_empty(self._db):
            params = Params(**given)  # checked before the file is laid out
            with self._writing():
                if schema.is_empty(self._db):
                    schema.create(self._db, params)
        schema.check_format(self._db, self.path)
        return schema.matching_params(schema.stored_params(self._db), given)

    # -- transactions

    def _writing(self) -> schema.Transaction:
        return schema.Transaction(self._db, self.path, "BEGIN IMMEDIATE", self.wait)

    def _reading(self) -> schema.Transaction:
        return schema.Transaction(self._db, self.path, "BEGIN", self.wait)

    def close(self) -> None:
        """Close the file (a transaction in progress is rolled back)."""
        self._db.close()

    def _discard(self) -> None:
        """Close; and if this object made the file and it holds no article, remove it
        (with its log): a failed first add leaves no empty archive behind."""
        try:
            (held,) = self._db.execute("SELECT count(*) FROM documents").fetchone() if self._made else (1,)
        except sqlite3.Error:  # not laid out yet
            held = 0
        self._db.close()
        if not held:
            for name in (self.path, self.path + "-wal", self.path + "-shm"):
                if os.path.lexists(name):
                    os.unlink(name)

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading the file

    def _documents(self, nums: Sequence[int]) -> list[Document]:
        """Archived documents by number, in the order asked."""
        found = {}
        for lo in range(0, len(nums), _CHUNK):
            part = nums[lo : lo + _CHUNK]
            marks = ",".join("?" * len(part))
            for row in self._db.execute(f"SELECT num, {', '.join(DOCUMENT_COLUMNS)} FROM documents "
                                        f"WHERE num IN ({marks})", part):
                found[row[0]] = document_of(row[1:])
        return [found[n] for n in nums]

    def _signed(self, nums: Sequence[int], ids_only: bool = False) -> tuple[list[str], SignedBatch | None]:
        """Ids and indexed batch of archived documents by number, in the order asked."""
        rows: dict[int, tuple] = {}
        columns = "id" if ids_only else "id, passages, signatures, sizes"
        for lo in range(0, len(nums), _CHUNK):
            part = nums[lo : lo + _CHUNK]
            marks = ",".join("?" * len(part))
            for row in self._db.execute(f"SELECT num, {columns} FROM documents WHERE num IN ({marks})", part):
                rows[row[0]] = row[1:]
        ordered = [rows[n] for n in nums]
        ids = [r[0] for r in ordered]
        if ids_only:
            return ids, None
        return ids, signed_of(ids, (r[1:] for r in ordered), self.params.scheme)

    def _nums(self, ids: Iterable[str]) -> dict[str, tuple[int, bytes]]:
        """Archive number and digest of each of ``ids`` that the archive holds."""
        ids = list(ids)
        found = {}
        for lo in range(0, len(ids), _CHUNK):
            part = ids[lo : lo + _CHUNK]
            marks = ",".join("?" * len(part))
            for doc_id, num, dig in self._db.execute(f"SELECT id, num, digest FROM documents WHERE id IN ({marks})",
                                                     part):
                found[doc_id] = (num, dig)
        return found

    # -- add and query

    def add(self, documents: Iterable[Document], *, ingest: IngestReport | None = None, skip_bad: bool = False,
            inputs: Sequence[str] = (), jobs: int = 1, progress: Progress | None = None) -> ArchiveResult:
        """Add a batch of articles in one transaction; report their provenance
        against the archive and the revisions they made to archived articles.

        An article already archived with the same record is left as it is; an
        id the archive holds for a different record is a duplicate id
        (:class:`InputError`, or a reported skip with ``skip_bad``).
        """
        ingest = ingest if ingest is not None else IngestReport()
        try:
            with self._writing():
                docs, unchanged, _ = self._split(documents, ingest, skip_bad, keep_archived=False)
                result = self._run(docs, ingest, jobs, progress, store=True, exclude=set())
                _step(progress, "store")
                if docs:
                    self._store_batch(result, inputs, ingest)
        except BaseException:
            if self._made:
                self._discard()
            raise
        self._made = False
        return ArchiveResult(result.provenance, result.revisions, tuple(d.id for d in docs), tuple(unchanged))

    def query(self, documents: Iterable[Document], *, ingest: IngestReport | None = None, skip_bad: bool = False,
              jobs: int = 1, progress: Progress | None = None) -> ArchiveResult:
        """Provenance of ``documents`` against the archive; adds nothing. An
        archived article with the id of a queried one stands aside for it."""
        ingest = ingest if ingest is not None else IngestReport()
        with self._reading():
            docs, _, archived = self._split(documents, ingest, skip_bad, keep_archived=True)
            result = self._run(docs, ingest, jobs, progress, store=False, exclude=archived)
            return ArchiveResult(result.provenance)

    def _split(self, documents: Iterable[Document], ingest: IngestReport, skip_bad: bool,
               keep_archived: bool) -> tuple[list[Document], list[str], set[int]]:
        """(documents to take, ids archived unchanged, archive numbers of queried ids)."""
        docs, seen = [], set()
        for doc in check_documents(documents):
            if doc.id in seen:  # the batch commands' rule, for documents not read from files
                raise ParameterError(f"duplicate document id {doc.id!r}" + (f" at {doc.location}" if doc.location else ""))
            seen.add(doc.id)
            docs.append(doc)
        archived = self._nums(d.id for d in docs)
        if keep_archived:
            return docs, [], {num for num, _ in archived.values()}
        taken, unchanged = [], []
        for doc in docs:
            if doc.id not in archived:
                taken.append(doc)
            elif archived[doc.id][1] == digest(doc):
                unchanged.append(doc.id)
            else:
                path, line = split_location(doc.location) if doc.location else ("<documents>", None)
                error = InputError(f"duplicate id {doc.id!r} (the archive holds another article under it)",
                                   path=path, line=line)
                if not skip_bad:
                    raise error
                ingest.skipped.append(Skipped(f"{path}:{line}" if line else path, error.reason))
        return taken, unchanged, set()

    def _run(self, docs: list[Document], ingest: IngestReport, jobs: int, progress: Progress | None, *,
             store: bool, exclude: set[int]) -> _Run:
        jobs = _check_jobs(jobs)
        options = self.params.sign_options(anchors=True)
        _step(progress, "sign", 0, len(docs))
        signed, done = [], 0
        for batch in _parallel_map(_sign_for_archive, _batches(docs, self.params.batch_size), jobs, options):
            signed.append(batch)
            done += len(batch.doc_ids)
            _step(progress, "sign", done, len(docs))
        _step(progress, "pairs")
        pairs = batch_pairs(self._db, signed, self.params, self._signed, exclude)
        archived = [n for n in pairs.nums if n >= 0]
        known = dict(zip((d.id for d in docs), docs))
        known.update(zip(pairs.ids[len(docs):], self._documents(archived)))
        ordered = _ordered_pairs(pairs, known)
        _step(progress, "align", 0, len(ordered))
        alignments: list[Alignment] = []
        for lo, found in zip(range(0, len(ordered), 512),
                             _parallel_map(align_documents, _batches(ordered, 512), jobs, self.params.align)):
            alignments.extend(found)
            _step(progress, "align", min(len(ordered), lo + 512), len(ordered))
        _step(progress, "provenance")
        new_ids = [d.id for d in docs]
        report, revisions, context = neighbourhood_report(
            self._db, new_ids, known, alignments, pairs, self.params, self._documents, revisions=store)
        stats = {"documents": len(docs), "archived_neighbours": len(archived), "document_pairs": len(ordered),
                 "alignments": len(alignments), "context_documents": context, "revisions": len(revisions)}
        documents = DocumentStore()
        documents.add(docs)
        provenance = ProvenanceResult(report, documents, stats, ingest, self.params)
        return _Run(provenance, tuple(revisions), signed, pairs, ordered, alignments)

    def _store_batch(self, run: _Run, inputs: Sequence[str], ingest: IngestReport) -> None:
        write.store_batch(self._db, self.params, run.signed, run.provenance.documents, inputs, ingest,
                          dict(zip(run.pairs.ids, run.pairs.nums)), run.ordered, run.alignments)

    # -- compact, remove, report, info

    def compact(self, *, progress: Progress | None = None) -> tuple[int, int]:
        """Merge the postings' runs of each kind into one, in one transaction (killed
        at any moment, the archive is as it was); returns the runs before and after.

        An ``add`` merges only small runs, so that its cost follows its batch; the
        runs it leaves multiply the blocks a ``query`` reads (one per key and run).
        Run it between days: it rewrites the postings (streaming), and changes no result.
        """
        with self._writing():
            before = self._run_count()
            for kind, step in ((postings.BAND, "merge band keys"), (postings.ANCHOR, "merge anchors")):
                _step(progress, step)
                postings.compact(self._db, kind)
            _step(progress, "commit")
            after = self._run_count()
        return before, after

    def _run_count(self) -> int:
        return sum(len(postings.run_sizes(self._db, kind)) for kind in (postings.BAND, postings.ANCHOR))

    def remove(self, ids: Iterable[str]) -> int:
        """Remove articles and everything derived from them, in one transaction;
        an id the archive does not hold is an error, and nothing is removed."""
        ids = list(dict.fromkeys(ids))
        with self._writing():
            found = self._nums(ids)
            missing = [i for i in ids if i not in found]
            if missing:
                raise ParameterError(f"the archive holds no article {missing[0]!r}"
                                     + (f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""))
            nums = [found[i][0] for i in ids]
            write.delete_documents(self._db, self.params, nums, self._documents(nums))
        return len(nums)

    def report(self, *, jobs: int = 1, progress: Progress | None = None) -> ProvenanceResult:
        """The provenance of the whole archive, as ``dedup provenance`` gives it for the same articles."""
        with self._reading():
            store = DocumentStore()
            ids: dict[int, str] = {}
            _step(progress, "read")
            index = gather_signed(self._gathered(store, ids))
            index = replace(index, anchors=self._anchors(np.fromiter(ids, dtype=np.int64, count=len(ids))))
            aligned = {}
            for a, b, blob in self._db.execute("SELECT a, b, alignments FROM pairs"):
                aligned[(ids[a], ids[b])] = alignments_of(ids[a], ids[b], blob)
            ingest = self._ingest(len(ids))
        return provenance_of_index(index, store, self.params, jobs=jobs, progress=progress, ingest=ingest,
                                   aligned=aligned)

    def _gathered(self, store: DocumentStore, ids: dict[int, str]) -> Iterator[SignedBatch]:
        """The archived documents in the order they were added, as indexed batches; each goes into ``store``."""
        after = 0
        while True:
            rows = self._db.execute(f"SELECT num, {', '.join(DOCUMENT_COLUMNS)}, passages, signatures, sizes "
                                    f"FROM documents WHERE num > ? ORDER BY num LIMIT ?", (after, _CHUNK)).fetchall()
            if not rows:
                return
            after = rows[-1][0]
            width = len(DOCUMENT_COLUMNS) + 1
            store.add(document_of(r[1:width]) for r in rows)
            ids.update((r[0], r[1]) for r in rows)
            yield signed_of([r[1] for r in rows], (r[width:] for r in rows), self.params.scheme)

    def _anchors(self, nums: np.ndarray) -> KeyPartitions:
        """Every document's anchors as the corpus index holds them (keys ``shingle << 32 | document``,
        numbering documents by their place in ``nums``, which is ascending), read run by run."""
        parts = KeyPartitions()
        for shingles, docs in postings.all_postings(self._db, postings.ANCHOR):
            place = np.searchsorted(nums, docs).astype(np.uint64)
            parts.add(((shingles + ANCHOR_OFFSET).astype(np.uint64) << np.uint64(32)) | place)
        return parts

    def _ingest(self, documents: int) -> IngestReport:
        """What reading left out across the batches still archived, as one run's report."""
        report = IngestReport(documents=documents)
        for (raw,) in self._db.execute("SELECT ingest FROM batches ORDER BY id"):
            figures = json.loads(raw)
            report.fallback_decoded.extend(figures["fallback_decoded"])
            report.skipped.extend(Skipped(*s) for s in figures["skipped"])
            report.ignored_dates.extend(Skipped(*s) for s in figures["ignored_dates"])
        return report

    def info(self) -> ArchiveInfo:
        """Format, parameters, counts, size and the last batch."""
        with self._reading():
            db = self._db
            count = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
            passages = count("SELECT coalesce(sum(length(sizes)), 0) FROM documents") // 4
            last = db.execute("SELECT id, added, inputs, documents FROM batches ORDER BY id DESC LIMIT 1").fetchone()
            info = ArchiveInfo(
                self.path, int(dict(db.execute("SELECT key, value FROM meta"))["format"]),
                {n: getattr(self.params, n) for n in schema.MATCHING}, count("SELECT count(*) FROM documents"),
                passages, count("SELECT count(*) FROM pairs"), count("SELECT count(*) FROM batches"),
                sum(os.path.getsize(p) for p in (self.path, self.path + "-wal") if os.path.exists(p)),
                {"id": last[0], "added": last[1], "inputs": json.loads(last[2]), "documents": last[3]} if last else None)
        return info


@dataclass(frozen=True, eq=False)
class _Run:
    provenance: ProvenanceResult
    revisions: tuple[Revision, ...]
    signed: list[SignedBatch]
    pairs: BatchPairs
    ordered: list[tuple[Document, Document]]
    alignments: list[Alignment]


def _sign_for_archive(documents: Sequence[Document], options) -> SignedBatch:
    return index_batch(sign_documents(documents, options))


def _ordered_pairs(pairs: BatchPairs, documents: Mapping[str, Document]) -> list[tuple[Document, Document]]:
    """The pairs as documents, each (lower id, higher id), in order of ids, as a batch run aligns them."""
    named = sorted({tuple(sorted((pairs.ids[a], pairs.ids[b]))) for a, b in zip(pairs.left.tolist(), pairs.right.tolist())})
    return [(documents[a], documents[b]) for a, b in named]


def read_inputs(inputs: Sequence[str | Path], skip_bad: bool) -> tuple[Iterator[Document], IngestReport]:
    """The documents of input files as ``dedup provenance`` reads them, and the report reading fills in."""
    report = IngestReport()
    return read_documents(list(inputs), skip_bad=skip_bad, report=report), report
