"""PAN text-alignment measures at character level (Potthast et al., 2010).

A case (truth) and a detection both name a target document range and a
source document range; their characters are the union of both ranges as
(document, offset) references.  A detection *detects* a case when both name
the same target and source documents and overlap the case in the target range
and in the source range.  Micro-averaged:

    precision   = |U over detecting pairs (s & r)| / |U r|
    recall      = |U over detecting pairs (s & r)| / |U s|
    granularity = mean, over detected cases, of the number of detections of each
    plagdet     = F1 / log2(1 + granularity)

Everything is computed on merged intervals, so a million-document dump scores
without materialising characters.

    python -m benchmarks.score --truth truth.json --detections detections.jsonl
    python -m benchmarks.score --self-check
"""

from __future__ import annotations

import argparse
import doctest
import json
import math
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

Case = Mapping[str, Any]
Detection = Mapping[str, Any]
_Chars = dict[str, list[tuple[int, int]]]  # document -> intervals


def _add(chars: _Chars, doc: str, a: int, b: int) -> None:
    if a < b:
        chars[doc].append((a, b))


def _union_len(chars: _Chars) -> int:
    total = 0
    for spans in chars.values():
        end = -1
        for a, b in sorted(spans):
            if b <= end:
                continue
            total += b - max(a, end)
            end = b
    return total


def _span_chars(items: Iterable[Mapping[str, Any]]) -> _Chars:
    chars: _Chars = defaultdict(list)
    for x in items:
        _add(chars, x["target"], x["target_start"], x["target_end"])
        _add(chars, x["source"], x["source_start"], x["source_end"])
    return chars


def _overlap(a0: int, a1: int, b0: int, b1: int) -> bool:
    return a0 < b1 and b0 < a1


def detecting_pairs(cases: Sequence[Case], detections: Sequence[Detection]
                    ) -> list[tuple[int, int]]:
    """(case index, detection index) for every detection that detects a case."""
    by_docs: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, c in enumerate(cases):
        by_docs[(c["target"], c["source"])].append(i)
    pairs = []
    for j, r in enumerate(detections):
        for i in by_docs.get((r["target"], r["source"]), ()):
            c = cases[i]
            if (_overlap(c["target_start"], c["target_end"], r["target_start"], r["target_end"])
                    and _overlap(c["source_start"], c["source_end"],
                                 r["source_start"], r["source_end"])):
                pairs.append((i, j))
    return pairs


@dataclass(frozen=True)
class KindScores:
    n_cases: int
    detected_cases: int  # cases detected by at least one detection
    recall: float
    granularity: float


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    granularity: float
    f1: float
    plagdet: float
    n_cases: int
    n_detections: int
    detected_cases: int
    per_kind: dict[str, KindScores] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _recall_granularity(cases: Sequence[Case], detections: Sequence[Detection],
                        pairs: Sequence[tuple[int, int]], keep: set[int]
                        ) -> tuple[float, float, int]:
    hit: _Chars = defaultdict(list)
    per_case: dict[int, int] = defaultdict(int)
    for i, j in pairs:
        if i not in keep:
            continue
        per_case[i] += 1
        _intersect_into(hit, cases[i], detections[j])
    denom = _union_len(_span_chars(cases[i] for i in keep))
    recall = _union_len(hit) / denom if denom else 0.0
    gran = sum(per_case.values()) / len(per_case) if per_case else 1.0
    return recall, gran, len(per_case)


def _intersect_into(chars: _Chars, c: Case, r: Detection) -> None:
    _add(chars, c["target"], max(c["target_start"], r["target_start"]),
         min(c["target_end"], r["target_end"]))
    _add(chars, c["source"], max(c["source_start"], r["source_start"]),
         min(c["source_end"], r["source_end"]))


def plagdet_score(precision: float, recall: float, granularity: float) -> float:
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return f1 / math.log2(1 + granularity)


def score(cases: Sequence[Case], detections: Sequence[Detection]) -> Scores:
    """Micro-averaged PAN measures, overall and (recall, granularity) per kind.

    >>> case = {"kind": "verbatim", "target": "t", "target_start": 10, "target_end": 20,
    ...         "source": "s", "source_start": 0, "source_end": 10}
    >>> exact = {k: case[k] for k in case if k != "kind"}
    >>> s = score([case], [exact]); (s.precision, s.recall, s.granularity, s.plagdet)
    (1.0, 1.0, 1.0, 1.0)

    Two halves: perfect precision and recall, granularity 2.

    >>> halves = [dict(exact, target_end=15, source_end=5),
    ...           dict(exact, target_start=15, source_start=5)]
    >>> s = score([case], halves); (s.precision, s.recall, s.granularity, round(s.plagdet, 4))
    (1.0, 1.0, 2.0, 0.6309)

    Shifted target range: 5 of the detection's 10 target characters are right.

    >>> s = score([case], [dict(exact, target_start=5, target_end=15)])
    >>> (s.precision, s.recall)
    (0.75, 0.75)

    Overlap in the target only (wrong source range, or wrong source document)
    does not detect the case.

    >>> score([case], [dict(exact, source_start=50, source_end=60)]).plagdet
    0.0
    >>> score([case], [dict(exact, source="x")]).recall
    0.0
    """
    pairs = detecting_pairs(cases, detections)
    hit: _Chars = defaultdict(list)
    for i, j in pairs:
        _intersect_into(hit, cases[i], detections[j])
    det_len = _union_len(_span_chars(detections))
    precision = _union_len(hit) / det_len if det_len else 0.0
    recall, gran, n_detected = _recall_granularity(cases, detections, pairs,
                                                   set(range(len(cases))))
    per_kind: dict[str, KindScores] = {}
    kinds: dict[str, set[int]] = defaultdict(set)
    for i, c in enumerate(cases):
        kinds[c.get("kind", "")].add(i)
    for kind in sorted(kinds):
        r, g, n = _recall_granularity(cases, detections, pairs, kinds[kind])
        per_kind[kind] = KindScores(len(kinds[kind]), n, r, g)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, gran, f1, plagdet_score(precision, recall, gran),
                  len(cases), len(detections), n_detected, per_kind)


def origin_accuracy(cases: Sequence[Case], predicted_origins: Iterable[Mapping[str, Any]]
                    ) -> float:
    """Share of cases whose predicted origin is the case's source document.

    A prediction names ``target``, ``target_start``, ``target_end`` and the
    attributed ``origin`` document (``source`` is accepted instead, so
    detections can be passed as they are).  For each case the prediction
    overlapping its target range the most decides; a case nothing overlaps
    counts as wrong.

    >>> case = {"target": "t", "target_start": 0, "target_end": 10, "source": "a"}
    >>> near = {"target": "t", "target_start": 0, "target_end": 3, "origin": "a"}
    >>> far = {"target": "t", "target_start": 2, "target_end": 10, "origin": "b"}
    >>> origin_accuracy([case], [near, far])
    0.0
    >>> origin_accuracy([case, dict(case, target="u")],
    ...                 [{"target": "t", "target_start": 5, "target_end": 9, "source": "a"}])
    0.5
    """
    by_target: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for p in predicted_origins:
        origin = p["origin"] if "origin" in p else p["source"]
        by_target[p["target"]].append((p["target_start"], p["target_end"], origin))
    if not cases:
        return 0.0
    correct = 0
    for c in cases:
        best: tuple[int, str] | None = None
        for a, b, origin in by_target.get(c["target"], ()):
            ov = min(b, c["target_end"]) - max(a, c["target_start"])
            # Ties go to the alphabetically first origin: deterministic.
            if ov > 0 and (best is None or ov > best[0] or (ov == best[0] and origin < best[1])):
                best = (ov, origin)
        correct += best is not None and best[1] == c["source"]
    return correct / len(cases)


def _pair_key(p: Mapping[str, str] | Sequence[str]) -> frozenset[str]:
    a, b = (p["a"], p["b"]) if isinstance(p, Mapping) else p
    return frozenset((a, b))


def near_duplicate_recall(truth_pairs: Iterable[Mapping[str, str] | Sequence[str]],
                          predicted_pairs: Iterable[Mapping[str, str] | Sequence[str]]) -> float:
    """Share of true near-duplicate pairs predicted, order ignored.

    >>> near_duplicate_recall([{"a": "x", "b": "y"}, ("p", "q")], [("y", "x"), ("x", "z")])
    0.5
    """
    truth = {_pair_key(p) for p in truth_pairs}
    predicted = {_pair_key(p) for p in predicted_pairs}
    return len(truth & predicted) / len(truth) if truth else 0.0


def pairs_from_clusters(clusters: Iterable[Sequence[str]]) -> list[tuple[str, str]]:
    """All pairs within each cluster, for pipelines that report clusters.

    >>> pairs_from_clusters([["a", "b", "c"], ["d"]])
    [('a', 'b'), ('a', 'c'), ('b', 'c')]
    """
    out = []
    for cl in clusters:
        members = sorted(set(cl))
        out.extend((x, y) for k, x in enumerate(members) for y in members[k + 1:])
    return out


def format_scores(s: Scores, origin_acc: float | None = None,
                  near_dup_recall: float | None = None) -> str:
    lines = [
        f"cases {s.n_cases}  detections {s.n_detections}  detected cases {s.detected_cases}",
        f"precision {s.precision:.3f}  recall {s.recall:.3f}  granularity {s.granularity:.3f}  "
        f"F1 {s.f1:.3f}  plagdet {s.plagdet:.3f}",
    ]
    if origin_acc is not None:
        lines.append(f"origin accuracy {origin_acc:.3f}")
    if near_dup_recall is not None:
        lines.append(f"near-duplicate pair recall {near_dup_recall:.3f}")
    lines.append(f"{'kind':<12}{'cases':>7}{'detected':>10}{'recall':>9}{'gran':>7}")
    for kind, k in s.per_kind.items():
        lines.append(f"{kind:<12}{k.n_cases:>7}{k.detected_cases:>10}{k.recall:>9.3f}"
                     f"{k.granularity:>7.2f}")
    return "\n".join(lines)


def load_detections(path: Path) -> list[dict[str, Any]]:
    """A JSON list or JSON lines of detection objects."""
    text = path.read_text(encoding="utf-8").strip()
    if text.startswith("["):
        return json.loads(text)
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _self_check() -> None:
    failed, _ = doctest.testmod(sys.modules[__name__])
    assert failed == 0, f"{failed} doctest(s) failed"
    # Two cases of different kinds, one found exactly, plus a stray detection.
    a = {"kind": "light", "target": "t", "target_start": 0, "target_end": 10,
         "source": "s", "source_start": 0, "source_end": 10}
    b = {"kind": "heavy", "target": "u", "target_start": 0, "target_end": 10,
         "source": "s", "source_start": 20, "source_end": 30}
    stray = {"target": "v", "target_start": 0, "target_end": 20,
             "source": "w", "source_start": 0, "source_end": 20}
    s = score([a, b], [a, stray])
    assert s.recall == 0.5 and s.precision == 20 / 60, s
    assert s.per_kind["light"].recall == 1.0 and s.per_kind["heavy"].recall == 0.0
    assert s.detected_cases == 1 and s.granularity == 1.0
    # A shared source range (boilerplate-like) is counted once in the union.
    c = dict(a, target="x")
    s = score([a, c], [a, c])
    assert (s.precision, s.recall, s.granularity) == (1.0, 1.0, 1.0), s
    # No detections at all.
    s = score([a], [])
    assert (s.precision, s.recall, s.plagdet, s.granularity) == (0.0, 0.0, 0.0, 1.0)
    assert origin_accuracy([a, b], [a, dict(b, source="s2")]) == 0.5


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Score detections against planted truth.")
    ap.add_argument("--truth", type=Path)
    ap.add_argument("--detections", type=Path, help="JSON list or JSON lines")
    ap.add_argument("--near-duplicates", type=Path,
                    help="predicted pairs: JSON list of [a, b] or {a, b}")
    ap.add_argument("--json", action="store_true", help="print the scores as JSON")
    ap.add_argument("--self-check", action="store_true")
    args = ap.parse_args(argv)
    if args.self_check:
        _self_check()
        print("score self-check passed")
        return 0
    if args.truth is None or args.detections is None:
        ap.error("--truth and --detections are required (or --self-check)")
    truth = json.loads(args.truth.read_text(encoding="utf-8"))
    detections = load_detections(args.detections)
    s = score(truth["cases"], detections)
    acc = origin_accuracy(truth["cases"], detections)
    ndr = None
    if args.near_duplicates:
        pairs = json.loads(args.near_duplicates.read_text(encoding="utf-8"))
        ndr = near_duplicate_recall(truth["near_duplicates"], pairs)
    if args.json:
        print(json.dumps({**s.as_dict(), "origin_accuracy": acc, "near_duplicate_recall": ndr},
                         indent=1))
    else:
        print(format_scores(s, acc, ndr))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
