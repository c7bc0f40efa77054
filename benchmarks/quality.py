"""Quality of `dedup provenance` on planted reuse, beside a hand-built datasketch baseline.

Builds the planted-reuse set from Reuters-21578 (articles that share no 8-word
run, so every reuse is planted: verbatim, light and heavy edits, single
sentences, boilerplate, re-sends), runs both systems in the same process and
scores them with the PAN text-alignment measures (character precision, recall,
granularity, plagdet), origin accuracy and near-duplicate recall.

    python -m benchmarks.quality [--n 2000] [--seed 0] [--out benchmarks/out/quality.json]
    python -m benchmarks.quality --dump benchmarks/data/dump-20000.jsonl.gz   # a generated dump and its truth
    python -m benchmarks.quality --sets planted popular   # only some of the sets
    python -m benchmarks.quality --graded DIR   # also the graded-reuse corpus (not bundled)

Beside the planted set it scores the four attribution sets of issue 10
(popular texts, one subject, reflowed re-sends, Reuters as sent: see
``benchmarks.attribution``), and, given ``--graded DIR``, the real graded reuse
of the Clough & Stevenson corpus (see ``benchmarks.graded``).

Targets (issue 10): plagdet >= 0.97; precision >= 0.98; recall >= 0.95 for
verbatim, light, single, boilerplate and heavy edits, >= 0.98 for re-sends;
origin accuracy >= 0.98; near-duplicate recall >= 0.98.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from dedup import Document, Params, find_provenance
from dedup.provenance import ProvenanceReport

from . import attribution, baseline_datasketch, graded
from .make_dump import default_truth_path, read_dump
from .planted import build_planted_set
from .score import near_duplicate_recall, origin_accuracy, score

TARGETS = {"plagdet": 0.97, "precision": 0.98, "origin_accuracy": 0.98, "near_duplicate_recall": 0.98,
           "recall_verbatim": 0.95, "recall_light": 0.95, "recall_single": 0.95, "recall_boilerplate": 0.95,
           "recall_heavy": 0.95, "recall_resend": 0.98}


def dedup_detections(report: ProvenanceReport, dates: Mapping[str, str | None]) -> list[dict[str, Any]]:
    """PAN detections from a provenance report: each reused span of a later
    document against its origin's stretch (the match in the origin, else the
    origin's member of the cluster), or, where the origin is unknown, against
    every earlier-dated match."""
    out = []
    for doc in report.documents:
        for span in doc.spans:
            if span.origin == doc.id:
                continue
            sources = [(m.doc, m.start, m.end) for m in span.matches if m.doc == span.origin]
            if not sources and span.origin is not None:
                sources = [(span.origin, span.origin_start, span.origin_end)]
            if span.origin is None:
                sources = [(m.doc, m.start, m.end) for m in span.matches
                           if dates.get(m.doc) and dates.get(doc.id) and dates[m.doc] < dates[doc.id]]
            for source, start, end in sources:
                out.append({"target": doc.id, "target_start": span.start, "target_end": span.end,
                            "source": source, "source_start": start, "source_end": end,
                            "origin": span.origin})
    return out


def _figures(cases: Sequence[Mapping[str, Any]], detections: Sequence[Mapping[str, Any]],
             near_truth: Iterable[Any], near_found: Iterable[Any], origins: Sequence[Mapping[str, Any]]
             ) -> dict[str, float]:
    s = score(cases, detections)
    copy_cases = [c for c in cases if c["kind"] != "resend"]
    figures = {"precision": s.precision, "recall": s.recall, "granularity": s.granularity, "plagdet": s.plagdet,
               "origin_accuracy": origin_accuracy(copy_cases, origins),
               "near_duplicate_recall": near_duplicate_recall(near_truth, near_found)}
    for kind, k in s.per_kind.items():
        figures[f"recall_{kind}"] = k.recall
    return figures


def run(n: int = 2000, seed: int = 0, params: Params = Params(), dump: Path | None = None) -> dict[str, Any]:
    if dump is None:
        records, truth = build_planted_set(n_articles=n, seed=seed)
    else:
        records = list(read_dump(dump))
        truth = json.loads(default_truth_path(dump).read_text(encoding="utf-8"))
    cases, near_truth = truth["cases"], truth["near_duplicates"]
    near_truth_pairs = [(p["a"], p["b"]) for p in near_truth]
    dates = {r["id"]: r["date"] for r in records}

    started = time.perf_counter()
    result = find_provenance(
        [Document(r["id"], r["text"], date=r["date"], source=r.get("source"), title=r.get("title")) for r in records],
        params,
    )
    ours_seconds = time.perf_counter() - started
    ours = dedup_detections(result.report, dates)
    ours_near = [(d.id, n.doc) for d in result.report.documents for n in d.near_duplicates]

    started = time.perf_counter()
    theirs = baseline_datasketch.detect(records)
    theirs_seconds = time.perf_counter() - started
    theirs_near = baseline_datasketch.near_duplicate_pairs(records, theirs)
    theirs_origins = [{**d, "origin": d["source"]} for d in theirs]

    return {
        "set": {"articles": len(records), "seed": seed, "cases": len(cases), "kinds": truth.get("kind_counts")},
        "dedup": {**_figures(cases, ours, near_truth_pairs, ours_near, ours), "seconds": ours_seconds},
        "datasketch": {**_figures(cases, theirs, near_truth_pairs, theirs_near, theirs_origins),
                       "seconds": theirs_seconds},
    }


def table(results: Mapping[str, Any]) -> str:
    rows = ["precision", "recall", "granularity", "plagdet"] + sorted(
        k for k in results["dedup"] if k.startswith("recall_")) + ["origin_accuracy", "near_duplicate_recall",
                                                                   "seconds"]
    lines = [f"{'measure':<24}{'dedup':>10}{'datasketch':>12}{'target':>9}  met",
             "-" * 60]
    for row in rows:
        ours, theirs = results["dedup"].get(row), results["datasketch"].get(row)
        target = TARGETS.get(row)
        met = "" if target is None or ours is None else ("yes" if ours >= target else "NO")
        target_text = f">={target:.2f}" if target is not None else ""
        lines.append(f"{row:<24}{ours if ours is not None else float('nan'):>10.3f}"
                     f"{theirs if theirs is not None else float('nan'):>12.3f}{target_text:>9}  {met}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="articles in the planted set")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dump", type=Path, help="score a dump from benchmarks.make_dump (truth beside it) instead")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out/quality.json"))
    parser.add_argument("--sets", nargs="+", choices=("planted", *attribution.SETS),
                        default=["planted", *attribution.SETS])
    parser.add_argument("--graded", type=Path, metavar="DIR",
                        help="also score the Clough & Stevenson corpus of graded reuse in DIR (not bundled)")
    args = parser.parse_args(argv)
    results: dict[str, Any] = {}
    if "planted" in args.sets or args.dump:
        results = run(args.n, args.seed, dump=args.dump)
        where = args.dump or f"planted set, seed {args.seed}"
        print(f"{where}: {results['set']['articles']} articles, {results['set']['cases']} cases")
        print(table(results))
    chosen = [s for s in args.sets if s in attribution.SETS]
    if chosen and not args.dump:
        results["attribution"] = attribution.run(args.seed, sets=chosen)
        print(f"\nattribution sets, seed {args.seed}")
        print(attribution.table(results["attribution"]))
    if args.graded:
        results["graded"] = graded.run(args.graded)
        print()
        print(graded.table(results["graded"]))
    else:
        print("\ngraded reuse: skipped (give --graded DIR, the Clough & Stevenson corpus of plagiarised "
              "short answers; it is not bundled)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
