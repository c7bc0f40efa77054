"""Writing results: clusters as text, JSON Lines, JSON or CSV.

Writers stream to any text stream and produce the same bytes for the same
result: keys in a fixed order, no timestamps, no floating-point noise.
"""

from __future__ import annotations

import csv
import json
from typing import Any, Iterator, Mapping, TextIO

from .cluster import Cluster
from .errors import ParameterError
from .ingest import Document
from .pipeline import ClusterResult

__all__ = ["CLUSTER_FORMATS", "cluster_records", "write_clusters", "run_summary"]

CLUSTER_FORMATS = ("text", "jsonl", "json", "csv")


def cluster_records(clusters: list[Cluster], documents: Mapping[str, Document]) -> Iterator[dict[str, Any]]:
    """One JSON-ready dict per cluster, members carrying their exact text."""
    for c in clusters:
        yield {
            "cluster": c.id,
            "size": c.size,
            "documents": c.documents,
            "similarity": c.similarity,
            "members": [
                {"doc": m.doc, "start": m.start, "end": m.end, "text": documents[m.doc].text[m.start : m.end]}
                for m in c.members
            ],
        }


def run_summary(result: ClusterResult) -> dict[str, Any]:
    """Figures of a run, including everything reading skipped or repaired."""
    return {**result.stats, **{f"ingest_{k}": v for k, v in result.ingest.as_dict().items()}}


def _preview(text: str, width: int = 160) -> str:
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    half = (width - 5) // 2
    return f"{flat[:half]} ... {flat[-half:]}"


def _write_text(result: ClusterResult, out: TextIO) -> None:
    s = result.stats
    out.write(
        f"{s['documents']} documents, {s['passages']} passages, {s['clusters']} clusters of shared passages\n"
    )
    for record in cluster_records(result.clusters, result.documents):
        out.write(
            f"\n{record['cluster']}  {record['documents']} documents, {record['size']} passages, "
            f"similarity {record['similarity']:.2f}\n"
        )
        for m in record["members"]:
            out.write(f"  {m['doc']} [{m['start']}:{m['end']}]\n    {_preview(m['text'])}\n")


def write_clusters(result: ClusterResult, out: TextIO, fmt: str = "text") -> None:
    """Write the clusters of ``result`` to ``out`` in ``fmt`` (one of CLUSTER_FORMATS)."""
    if fmt == "text":
        _write_text(result, out)
    elif fmt == "jsonl":
        for record in cluster_records(result.clusters, result.documents):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    elif fmt == "json":
        payload = {"summary": run_summary(result), "clusters": list(cluster_records(result.clusters, result.documents))}
        json.dump(payload, out, ensure_ascii=False, indent=1)
        out.write("\n")
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["cluster", "size", "documents", "similarity", "doc", "start", "end", "text"])
        for r in cluster_records(result.clusters, result.documents):
            for m in r["members"]:
                writer.writerow([r["cluster"], r["size"], r["documents"], r["similarity"],
                                 m["doc"], m["start"], m["end"], m["text"]])
    else:
        raise ParameterError(f"unknown format {fmt!r}; choose one of {', '.join(CLUSTER_FORMATS)}")
