"""Does each report name its sources? The four attribution sets of issue 10,
scored for `dedup provenance` and the datasketch baseline.

    python -m benchmarks.attribution [--seed 0] [--sets popular subject reflow reuters]

Also run by ``python -m benchmarks.quality`` (see there). Targets (issue 10):
popular texts >= 97% of copies name the source on the copied stretch;
one-subject recall >= 0.95 with no drop when same-subject stories are added;
real wire re-sends near-duplicate recall >= 0.98 with at most 2% of reported
pairs sharing less than half of their 5-grams, partial reuse matched >= 0.95,
the earlier story named as origin or first seen for >= 0.97 of reused pairs.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from dedup import Document, Params, find_provenance
from dedup.provenance import DocumentReport, ProvenanceReport, ReusedSpan

from . import baseline_datasketch
from .attribution_sets import (
    as_sent,
    build_one_subject_set,
    build_popular_set,
    build_reflow_set,
    reuters_truth,
)
from .reuters import load_articles
from .score import near_duplicate_recall, score

TARGETS = {"popular_named": 0.97, "subject_recall": 0.95, "subject_recall_more": 0.95,
           "reflow_near_duplicate_recall": 0.98, "reflow_end_to_end": 0.98,
           "reuters_near_duplicate_recall": 0.98, "reuters_template_share": -0.02,
           "reuters_partial_matched": 0.95, "reuters_earlier_named": 0.97}
SETS = ("popular", "subject", "reflow", "reuters")


def named(span: ReusedSpan) -> set[str]:
    """Every document a span names as carrying its text."""
    return {m.doc for m in span.matches} | {c.doc for c in getattr(span, "carriers", ())}


def first_seen_doc(span: ReusedSpan) -> str | None:
    seen = getattr(span, "first_seen", None)
    return seen.doc if seen is not None else None


def _provenance(records: Sequence[Mapping[str, str]], params: Params) -> tuple[ProvenanceReport, float]:
    started = time.perf_counter()
    result = find_provenance([Document(r["id"], r["text"], date=r["date"], source=r.get("source"),
                                       title=r.get("title")) for r in records], params)
    return result.report, time.perf_counter() - started


def _spans_on(doc: DocumentReport, start: int, end: int) -> list[ReusedSpan]:
    return [s for s in doc.spans if s.start < end and start < s.end]


def popular(seed: int, params: Params) -> dict[str, Any]:
    records, truth = build_popular_set(seed=seed)
    report, seconds = _provenance(records, params)
    by_id = {d.id: d for d in report.documents}
    hits: dict[str, list[bool]] = defaultdict(list)
    first: list[bool] = []
    for case in truth["cases"]:
        spans = _spans_on(by_id[case["target"]], case["target_start"], case["target_end"])
        hits[case["kind"]].append(any(case["source"] in named(s) for s in spans))
        first.append(any(case["source"] in (s.origin, first_seen_doc(s)) for s in spans))
    theirs = baseline_datasketch.detect(records)
    found = {(d["target"], d["source"]) for d in theirs}
    every = [h for v in hits.values() for h in v]
    out = {"popular_copies": len(every), "popular_named": _share(every),
           "popular_origin_or_first_seen": _share(first), "popular_seconds": seconds}
    out.update({f"popular_named_{k}": _share(v) for k, v in sorted(hits.items())})
    base = {"popular_named": _share([(c["target"], c["source"]) in found for c in truth["cases"]])}
    return {"dedup": out, "datasketch": base}


def _share(flags: Iterable[bool]) -> float:
    flags = list(flags)
    return sum(flags) / len(flags) if flags else float("nan")


def _subject_figures(report: ProvenanceReport, truth: Mapping[str, Any], base_ids: set[str],
                     dates: Mapping[str, str]) -> dict[str, float]:
    from .quality import dedup_detections

    detections = [d for d in dedup_detections(report, dates) if d["target"] in base_ids and d["source"] in base_ids]
    s = score(truth["cases"], detections)
    out = {"precision": s.precision, "recall": s.recall, "plagdet": s.plagdet}
    out.update({f"recall_{k}": v.recall for k, v in s.per_kind.items()})
    return out


def one_subject(seed: int, params: Params) -> dict[str, Any]:
    records, extra, truth = build_one_subject_set(seed=seed)
    base_ids = {r["id"] for r in records}
    dates = {r["id"]: r["date"] for r in records + extra}
    alone, seconds = _provenance(records, params)
    more, _ = _provenance(records + extra, params)
    a, m = _subject_figures(alone, truth, base_ids, dates), _subject_figures(more, truth, base_ids, dates)
    out = {"subject_articles": len(records), "subject_extra": len(extra), "subject_cases": len(truth["cases"]),
           "subject_seconds": seconds}
    out.update({f"subject_{k}": v for k, v in a.items()})
    out.update({f"subject_{k}_more": v for k, v in m.items()})
    theirs = baseline_datasketch.detect(records)
    s = score(truth["cases"], theirs)
    base = {"subject_precision": s.precision, "subject_recall": s.recall,
            "subject_recall_heavy": s.per_kind["heavy"].recall if "heavy" in s.per_kind else float("nan")}
    return {"dedup": out, "datasketch": base}


def _coverage(doc: DocumentReport, other: str, text: str) -> float:
    """Share of a document's non-space characters in spans that name ``other``."""
    covered = [False] * len(text)
    for s in doc.spans:
        if other in named(s):
            covered[s.start:s.end] = [True] * (s.end - s.start)
    solid = [c for c, ch in zip(covered, text) if not ch.isspace()]
    return sum(solid) / len(solid) if solid else 0.0


def reflow(seed: int, params: Params) -> dict[str, Any]:
    records, truth = build_reflow_set(seed=seed)
    report, seconds = _provenance(records, params)
    by_id, texts = {d.id: d for d in report.documents}, {r["id"]: r["text"] for r in records}
    pairs = [(p["a"], p["b"]) for p in truth["near_duplicates"]]
    found = [(d.id, n.doc) for d in report.documents for n in d.near_duplicates]
    cover = [min(_coverage(by_id[b], a, texts[b]), _coverage(by_id[a], b, texts[a])) for a, b in pairs]
    theirs = baseline_datasketch.near_duplicate_pairs(records, baseline_datasketch.detect(records))
    return {"dedup": {"reflow_resends": len(pairs), "reflow_near_duplicate_recall": near_duplicate_recall(pairs, found),
                      "reflow_mean_coverage": sum(cover) / len(cover),
                      "reflow_end_to_end": _share(c >= 0.95 for c in cover), "reflow_seconds": seconds},
            "datasketch": {"reflow_near_duplicate_recall": near_duplicate_recall(pairs, theirs)}}


def _pair_figures(pairs: Iterable[tuple[str, str]], truth: Mapping[str, Any]) -> dict[str, float]:
    reported = {(a, b) if a < b else (b, a) for a, b in pairs}
    shared = truth["shared"]
    resends = {(a, b) if a < b else (b, a) for a, b in truth["resends"]}
    return {"reuters_reported_pairs": len(reported),
            "reuters_near_duplicate_recall": _share(p in reported for p in resends),
            "reuters_template_share": _share(shared.get(p, 0.0) < 0.5 for p in reported)}


def _names_earlier(span: ReusedSpan, early: str, late: str, dates: Mapping[str, str]) -> bool:
    """Whether a span of ``late`` says its text came from ``early`` or from a
    story no later than ``early`` (which ``early`` copied too)."""
    named = [d for d in (span.origin, first_seen_doc(span)) if d is not None and d != late]
    return any(d == early or dates[d] <= dates[early] for d in named)


def reuters(params: Params) -> dict[str, Any]:
    records = as_sent(load_articles())
    truth = reuters_truth(records)
    report, seconds = _provenance(records, params)
    by_id, dates = {d.id: d for d in report.documents}, {r["id"]: r["date"] for r in records}
    ours = _pair_figures(((d.id, n.doc) for d in report.documents for n in d.near_duplicates), truth)
    partial = [any(b in named(s) for s in by_id[a].spans) or any(a in named(s) for s in by_id[b].spans)
               for a, b in truth["partial"]]
    earlier = []
    for a, b in truth["resends"] + truth["partial"]:
        if dates[a] == dates[b]:
            continue
        early, late = (a, b) if dates[a] < dates[b] else (b, a)
        earlier.append(any(_names_earlier(s, early, late, dates) for s in by_id[late].spans))
    ours.update({"reuters_articles": len(records), "reuters_resends": len(truth["resends"]),
                 "reuters_partial": len(truth["partial"]), "reuters_partial_matched": _share(partial),
                 "reuters_earlier_named": _share(earlier), "reuters_seconds": seconds})
    theirs = _pair_figures(baseline_datasketch.near_duplicate_pairs(records, baseline_datasketch.detect(records)),
                           truth)
    return {"dedup": ours, "datasketch": theirs}


def run(seed: int = 0, params: Params = Params(), sets: Sequence[str] = SETS) -> dict[str, Any]:
    results: dict[str, Any] = {"dedup": {}, "datasketch": {}}
    for name in sets:
        got = {"popular": lambda: popular(seed, params), "subject": lambda: one_subject(seed, params),
               "reflow": lambda: reflow(seed, params), "reuters": lambda: reuters(params)}[name]()
        results["dedup"].update(got["dedup"])
        results["datasketch"].update(got["datasketch"])
    return results


def table(results: Mapping[str, Any]) -> str:
    lines = [f"{'measure':<34}{'dedup':>10}{'datasketch':>12}{'target':>9}  met", "-" * 70]
    for row, ours in results["dedup"].items():
        theirs = results["datasketch"].get(row)
        target = TARGETS.get(row)
        met = ""
        if target is not None:
            met = "yes" if (ours <= -target if target < 0 else ours >= target) else "NO"
        target_text = "" if target is None else (f"<={-target:.2f}" if target < 0 else f">={target:.2f}")
        theirs_text = f"{theirs:>12.3f}" if theirs is not None else " " * 12
        ours_text = f"{ours:>10.3f}" if isinstance(ours, float) else f"{ours:>10}"
        lines.append(f"{row:<34}{ours_text}{theirs_text}{target_text:>9}  {met}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sets", nargs="+", choices=SETS, default=list(SETS))
    args = parser.parse_args(argv)
    print(table(run(args.seed, sets=args.sets)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
