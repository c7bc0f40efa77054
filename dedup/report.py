"""Writing results: clusters as text, JSON Lines, JSON or CSV; provenance as
Markdown, JSON or JSON Lines (and HTML, in :mod:`dedup.report_html`; Parquet
for either, in :mod:`dedup.report_parquet`).

Writers stream to any text stream and produce the same bytes for the same
result: keys in a fixed order, no timestamps, no floating-point noise.
"""

from __future__ import annotations

import csv
import json
import re
from json.encoder import encode_basestring as _json_string
from typing import Any, Iterable, Iterator, Mapping, TextIO

from .cluster import Cluster
from .errors import ParameterError
from .ingest import Document, IngestReport
from .pipeline import ClusterResult, ProvenanceResult
from .provenance import DocumentReport, ReusedSpan

__all__ = [
    "CLUSTER_FORMATS", "PROVENANCE_FORMATS", "cluster_records", "write_clusters", "write_provenance", "run_summary",
    "trace_lines", "provenance_line", "write_trace_record", "write_provenance_rows", "RECORD_FORMATS",
]

CLUSTER_FORMATS = ("text", "jsonl", "json", "csv", "parquet")
PROVENANCE_FORMATS = ("markdown", "json", "jsonl", "html", "parquet")
#: Provenance formats that are a record per document (:meth:`~dedup.provenance.ProvenanceReport.document_records`),
#: which an engine can build a document at a time.
RECORD_FORMATS = ("jsonl", "parquet")


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


def _cluster_line(c: Cluster, documents: Mapping[str, Document]) -> str:
    """``json.dumps(record, ensure_ascii=False)`` of one cluster's record, and a
    line break, written out: the same bytes at about twice the speed (the
    encoder's string escaping is json's own), for a dump has a cluster a line
    by the hundred thousand."""
    members = ", ".join(
        f'{{"doc": {_json_string(m.doc)}, "start": {int(m.start)}, "end": {int(m.end)}, '
        f'"text": {_json_string(documents[m.doc].text[m.start : m.end])}}}'
        for m in c.members
    )
    return (f'{{"cluster": {_json_string(c.id)}, "size": {c.size}, "documents": {c.documents}, '
            f'"similarity": {float(c.similarity)!r}, "members": [{members}]}}\n')


def run_summary(result: ClusterResult | ProvenanceResult) -> dict[str, Any]:
    """Figures of a run, including everything reading skipped or repaired."""
    return summary_of(result.stats, result.ingest)


def summary_of(stats: Mapping[str, int], ingest: IngestReport) -> dict[str, Any]:
    """:func:`run_summary` of a run's figures and what reading saw."""
    return {**stats, **{f"ingest_{k}": v for k, v in ingest.as_dict().items()}}


# Characters that would break a line-based report or reorder it on screen:
# line breaks and other controls, and the bidirectional formatting marks.
_UNSAFE_INLINE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _inline(value: str) -> str:
    """``value`` on one line as typed: unsafe characters as ``\\uXXXX``."""
    return _UNSAFE_INLINE.sub(lambda m: f"\\u{ord(m.group()):04x}", value)


def _cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text: one that would start a formula gets a leading ``'``."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def trace_lines(ingest: IngestReport) -> list[str]:
    """One line for every record or file reading skipped and every record date it ignored."""
    return ([f"skipped {_inline(s.location)}: {_inline(s.reason)}" for s in ingest.skipped]
            + [f"date ignored {_inline(s.location)}: {_inline(s.reason)}" for s in ingest.ignored_dates])


def _trace_record(ingest: IngestReport) -> dict[str, Any] | None:
    """The last line of a JSON Lines report when reading left something out."""
    figures = ingest.as_dict()
    trace = {key: figures[key] for key in ("skipped", "ignored_dates") if figures.get(key)}
    return trace or None


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
    out.write("".join(line + "\n" for line in trace_lines(result.ingest)))
    for record in cluster_records(result.clusters, result.documents):
        out.write(
            f"\n{record['cluster']}  {record['documents']} documents, {record['size']} passages, "
            f"similarity {record['similarity']:.2f}\n"
        )
        for m in record["members"]:
            out.write(f"  {_inline(m['doc'])} [{m['start']}:{m['end']}]\n    {_preview(m['text'])}\n")


def write_clusters(result: ClusterResult, out: TextIO, fmt: str = "text") -> None:
    """Write the clusters of ``result`` to ``out`` in ``fmt`` (one of CLUSTER_FORMATS)."""
    if fmt == "text":
        _write_text(result, out)
    elif fmt == "jsonl":
        for cluster in result.clusters:
            out.write(_cluster_line(cluster, result.documents))
        write_trace_record(result.ingest, out)
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
                                 _cell(m["doc"]), m["start"], m["end"], _cell(m["text"])])
        for kind, notes in (("skipped", result.ingest.skipped), ("date ignored", result.ingest.ignored_dates)):
            for note in notes:
                writer.writerow([kind, "", "", "", _cell(note.location), "", "", _cell(note.reason)])
    elif fmt == "parquet":
        from .report_parquet import cluster_schema, write_table

        rows = ({"cluster": r["cluster"], "size": r["size"], "documents": r["documents"],
                 "similarity": r["similarity"], **m}
                for r in cluster_records(result.clusters, result.documents) for m in r["members"])
        write_table(out, cluster_schema(), rows, run_summary(result))
    else:
        raise ParameterError(f"unknown format {fmt!r}; choose one of {', '.join(CLUSTER_FORMATS)}")


def provenance_line(record: dict[str, Any]) -> str:
    """One document's line of a JSON Lines provenance report (a record of
    :meth:`~dedup.provenance.ProvenanceReport.document_records`)."""
    return json.dumps(record, ensure_ascii=False) + "\n"


def write_trace_record(ingest: IngestReport, out: TextIO) -> None:
    """The JSON Lines report's last line, when reading left something out."""
    trace = _trace_record(ingest)
    if trace:
        out.write(json.dumps(trace, ensure_ascii=False) + "\n")


def _span_line(span: ReusedSpan, text: str, doc_id: str) -> list[str]:
    if span.boilerplate:
        role = "boilerplate"
    elif span.role == "shared":
        role = "shared (origin unknown)"
    elif span.role == "origin":
        role = "origin"
    else:
        role = f"copy of {_inline(str(span.origin))}"
    lines = [f"- [{span.start}:{span.end}] {span.cluster}, {role}, similarity {span.similarity:.2f}",
             f"  > {_preview(text[span.start:span.end])}"]
    seen = span.first_seen
    if seen is not None:
        where = "here" if seen.doc == doc_id else f"in {_inline(seen.doc)} [{seen.start}:{seen.end}]"
        lines.append(f"  first seen {where}, {seen.date}")
    lines += [f"  - {_inline(m.doc)} [{m.start}:{m.end}] similarity {m.similarity:.2f}" for m in span.matches]
    aligned = {m.doc for m in span.matches}
    others = [f"{_inline(c.doc)} ({c.date or 'undated'})" for c in span.carriers if c.doc not in aligned]
    if span.more_carriers:
        others.append(f"{span.more_carriers} more")
    if others:
        lines.append(f"  - also carried by {', '.join(others)}")
    return lines


def _document_markdown(doc: DocumentReport, text: str) -> list[str]:
    date = f"{doc.date} (from {doc.date_from})" if doc.date else "unknown"
    lines = [f"## {_inline(doc.id)}", "",
             f"date {date} · source {_inline(doc.source or 'unknown')} · {doc.length:,} characters · "
             f"{doc.reused_fraction:.0%} reused", ""]
    if doc.near_duplicates:
        near = ", ".join(f"{_inline(n.doc)} ({n.similarity:.2f})" for n in doc.near_duplicates)
        lines += [f"Near-duplicate of: {near}", ""]
    reused = [s for s in doc.spans if not s.boilerplate]
    boilerplate = [s for s in doc.spans if s.boilerplate]
    if not doc.spans:
        lines += ["No reused text found.", ""]
    for span in reused:
        lines += _span_line(span, text, doc.id)
    if boilerplate:
        lines += ["", "Boilerplate:" if reused else "Boilerplate only:"]
        for span in boilerplate:
            lines += _span_line(span, text, doc.id)
    return lines + [""] if doc.spans else lines


def _write_markdown(result: ProvenanceResult, out: TextIO) -> None:
    report = result.report
    total = sum(d.length for d in report.documents) or 1
    reused = sum(s.end - s.start for d in report.documents for s in d.spans)
    boilerplate = sum(1 for c in report.clusters if c.boilerplate)
    out.write(
        f"# dedup provenance: {len(report.documents)} articles, {len(report.clusters)} reuse clusters "
        f"({boilerplate} boilerplate), {reused / total:.0%} of all text reused\n\n"
    )
    trace = trace_lines(result.ingest)
    if trace:
        out.write("".join(f"- {line}\n" for line in trace) + "\n")
    for doc in report.documents:
        out.write("\n".join(_document_markdown(doc, result.documents[doc.id].text)) + "\n")


def write_provenance(result: ProvenanceResult, out: TextIO, fmt: str = "markdown") -> None:
    """Write a provenance report: a readable per-article summary, JSON, JSON Lines or
    a self-contained HTML page for review in a browser."""
    if fmt == "markdown":
        _write_markdown(result, out)
    elif fmt == "json":
        payload = {"summary": run_summary(result), **result.report.to_dict()}
        json.dump(payload, out, ensure_ascii=False, indent=1)
        out.write("\n")
    elif fmt in RECORD_FORMATS:
        write_provenance_rows(result.report.document_records(), result.stats, result.ingest, out, fmt)
    elif fmt == "html":
        from .report_html import render_html

        texts = {doc_id: doc.text for doc_id, doc in result.documents.items()}
        out.write(render_html(result.report.to_dict(), texts, notes=trace_lines(result.ingest)))
    else:
        raise ParameterError(f"unknown format {fmt!r}; choose one of {', '.join(PROVENANCE_FORMATS)}")


def write_provenance_rows(records: Iterable[dict[str, Any]], stats: Mapping[str, int], ingest: IngestReport,
                          out: TextIO, fmt: str) -> None:
    """A provenance report in one of RECORD_FORMATS from its document records, in id order
    (an engine that builds them a document at a time streams them here)."""
    if fmt == "jsonl":
        for record in records:
            out.write(provenance_line(record))
        write_trace_record(ingest, out)
    elif fmt == "parquet":
        from .report_parquet import provenance_schema, write_table

        write_table(out, provenance_schema(), records, summary_of(stats, ingest))
    else:
        raise ParameterError(f"unknown record format {fmt!r}; choose one of {', '.join(RECORD_FORMATS)}")
