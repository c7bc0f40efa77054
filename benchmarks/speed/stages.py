"""Inside a child: dedup's stages one after another, from public stage functions in
the pipeline's order, and a check that they still find what the pipeline finds."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from dedup import (
    Candidates, ClusterResult, Document, DocumentStore, Params, ProvenanceResult, SignedBatch, align_documents,
    anchor_pairs, build_clusters, build_provenance, document_anchors, find_clusters, find_provenance, gather_signed,
    group_passages, index_batch, lsh_candidates, optimal_bands, passage_rank, read_documents, segment_batch,
    sign_batch, tokenize_batch, verify_pairs,
)
from dedup.normalize import texts_for_tokens
from dedup.report import write_clusters, write_provenance

from .measure import Steps

PAIRS_PER_BATCH = 512  # document pairs per align_documents call, as the pipeline batches them


# --------------------------------------------------------------------------
# Inside a child: dedup's stages


@dataclass(frozen=True, eq=False)
class Index:
    """All passages of the run in one set of arrays, and their LSH candidate pairs."""

    doc_ids: list[str]
    doc: np.ndarray
    start: np.ndarray
    end: np.ndarray
    values: np.ndarray
    sizes: np.ndarray
    rank: np.ndarray
    candidates: Candidates


def _segment(batch: Sequence[Document], tokens: Any, params: Params) -> Any:
    return segment_batch(
        [d.text for d in batch], tokens, min_tokens=max(params.min_tokens, params.ngram),
        max_tokens=params.max_tokens, window=params.window, stride=params.stride, bridges=params.bridges,
    )


def _tokens(batch: Sequence[Document]) -> Any:
    """Tokens as the pipeline makes them (clean ASCII text skips full normalisation)."""
    return tokenize_batch(texts_for_tokens([d.text for d in batch]))


def build_index(signed: Iterable[SignedBatch], params: Params) -> Index:
    """Gather the compact batches, rank passages, and find LSH candidates one band at a time."""
    doc_ids, passages, signatures = gather_signed(signed)
    assert signatures is not None
    rank = passage_rank(doc_ids, passages)
    bands, rows = optimal_bands(params.threshold, params.num_perm)
    candidates = lsh_candidates(signatures.values, bands, rows, groups=passages.doc, rank=rank,
                                max_bucket=params.max_bucket)
    return Index(doc_ids, passages.doc, passages.start, passages.end, signatures.values, signatures.sizes, rank,
                 candidates)


def cluster_index(index: Index, params: Params) -> list[Any]:
    limits = {"threshold": params.threshold, "containment_threshold": params.containment_threshold}
    verified = verify_pairs(index.values, index.sizes, index.candidates, **limits)
    labels = group_passages(index.values, index.sizes, verified, rank=index.rank, **limits)
    return build_clusters(labels, doc=index.doc, start=index.start, end=index.end, doc_ids=index.doc_ids,
                          verified=verified)


def document_pairs(index: Index, signed: list[SignedBatch], params: Params) -> list[tuple[str, str]]:
    """Document id pairs worth aligning: an LSH candidate passage pair, or shared rare shingles."""
    n = len(index.doc_ids)
    left = index.doc[index.candidates.left].astype(np.int64)
    right = index.doc[index.candidates.right].astype(np.int64)
    offsets = np.cumsum([0] + [len(b.doc_ids) for b in signed])
    found = anchor_pairs(np.concatenate([b.anchors[0] + o for b, o in zip(signed, offsets)]),
                         np.concatenate([b.anchors[1] for b in signed]),
                         max_df=params.anchor_max_df, min_shared=params.anchor_min_shared)
    codes = np.unique(np.concatenate([np.minimum(left, right) * n + np.maximum(left, right),
                                      found.left * n + found.right]))
    pairs = {(index.doc_ids[c // n], index.doc_ids[c % n]) for c in codes.tolist()}
    return sorted({(a, b) if a < b else (b, a) for a, b in pairs})


def align_all(documents: Mapping[str, Document], pairs: list[tuple[str, str]], params: Params) -> list[Any]:
    alignments: list[Any] = []
    for i in range(0, len(pairs), PAIRS_PER_BATCH):
        batch = [(documents[a], documents[b]) for a, b in pairs[i : i + PAIRS_PER_BATCH]]
        alignments.extend(align_documents(batch, params))
    return alignments


def write_reports(documents: Mapping[str, Document], clusters: list[Any], report: Any) -> None:
    """Clusters (and provenance, if any) as JSON Lines, to nowhere: the cost of formatting them."""
    with open(os.devnull, "w", encoding="utf-8") as sink:
        write_clusters(ClusterResult(clusters, documents, {}), sink, "jsonl")
        if report is not None:
            write_provenance(ProvenanceResult(report, documents, {}), sink, "jsonl")


def _per_document_stages(dump: Path, step: Steps, provenance: bool, keep: DocumentStore | None,
                         params: Params) -> Iterator[SignedBatch]:
    """Read, normalise, segment and sign batch by batch (their times add up), keeping
    what the pipeline keeps of each batch (:func:`dedup.index_batch`); with
    ``provenance``, take anchors too. ``keep`` gets the documents."""
    documents = iter(read_documents([dump]))
    while True:
        with step("read"):
            batch = list(islice(documents, params.batch_size))
            if keep is not None:
                keep.add(batch)
        if not batch:
            return
        with step("normalise"):
            tokens = _tokens(batch)
        with step("segment"):
            passages = _segment(batch, tokens, params)
        with step("sign"):
            signatures = sign_batch(tokens, passages, params.scheme)
        anchors = None
        if provenance:
            with step("align/anchors"):  # the pipeline takes them while it holds the tokens
                anchors = document_anchors(tokens, params.ngram)
        with step("sign"):
            compact = index_batch(SignedBatch(doc_ids=tuple(d.id for d in batch), passages=passages,
                                              signatures=signatures, anchors=anchors))
        yield compact  # outside the timer: the consumer's work is not signing


def _timed_stages(dump: Path, step: Steps, provenance: bool, params: Params) -> tuple[DocumentStore, dict[str, Any]]:
    keep = DocumentStore()
    signed = list(_per_document_stages(dump, step, provenance, keep, params))
    with step("index"):
        # Without provenance, batches are dropped as they are gathered, as the pipeline drops them.
        index = build_index(iter(signed) if provenance else _draining(signed), params)
    with step("cluster"):
        clusters = cluster_index(index, params)
    figures = {"articles": len(keep), "text_mb": sum(len(keep[i].text.encode()) for i in keep) / 1e6,
               "passages": len(index.doc), "candidates": len(index.candidates), "clusters": len(clusters)}
    report = None
    if provenance:
        with step("align/pairs"):
            pairs = document_pairs(index, signed, params)
        del signed
        with step("align/rapidfuzz"):
            alignments = align_all(keep, pairs, params)
        with step("report/provenance"):
            report = build_provenance(keep, alignments, boilerplate_documents=params.boilerplate_documents,
                                      near_duplicate_coverage=params.near_duplicate_coverage)
        figures.update(document_pairs=len(pairs), alignments=len(alignments))
    with step("report/write"):
        write_reports(keep, clusters, report)
    return keep, figures


def _draining(items: list[SignedBatch]) -> Iterator[SignedBatch]:
    items.reverse()
    while items:
        yield items.pop()


def stage_chain(dump: Path, provenance: bool, check: bool, params: Params = Params()) -> dict[str, Any]:
    """dedup's stages over ``dump`` in the pipeline's order: reading keeps every document,
    the per-document stages go batch by batch, the global ones see everything at once.
    With ``check``, then (untimed) the pipeline itself, to compare what both found."""
    step = Steps()
    documents, figures = _timed_stages(dump, step, provenance, params)  # frees the run's arrays on return
    found = {**figures, "stage_parts": step.as_list()}
    if check:
        found["pipeline_check"] = pipeline_check(list(documents.values()), figures, provenance, params)
    return found


def pipeline_check(documents: list[Document], figures: Mapping[str, Any], provenance: bool,
                   params: Params = Params()) -> dict[str, Any]:
    """Whether the stage chain still finds what ``dedup.find_*`` finds: it re-states the
    pipeline's order from public stages, and the pipeline keeps changing."""
    run = find_provenance if provenance else find_clusters
    stats = run(documents, params).stats
    shared = [k for k in figures if k in stats]
    return {"matches": all(stats[k] == figures[k] for k in shared), "pipeline": {k: stats[k] for k in shared}}
