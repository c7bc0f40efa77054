"""The hand-built baseline: paragraph MinHash + LSH with datasketch.

What a user would write in an afternoon: split every record into paragraphs,
MinHash each paragraph's word 5-gram shingles (128 permutations), index them
in ``MinHashLSH(threshold=0.5)``, query every paragraph, and report each
matching paragraph pair from two different documents as a detection, the
later-dated document being the target.

    python -m benchmarks.baseline_datasketch [--data benchmarks/data/planted]
    python -m benchmarks.baseline_datasketch --data benchmarks/data/dump-10k.jsonl.gz
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from datasketch import MinHash, MinHashLSH

from benchmarks.make_dump import default_truth_path, read_dump
from benchmarks.planted import build_planted_set, read_set
from benchmarks.reuters import paragraphs, words
from benchmarks.score import (
    format_scores,
    near_duplicate_recall,
    origin_accuracy,
    score,
)

NUM_PERM = 128
THRESHOLD = 0.5
NGRAM = 5


def shingles(text: str, n: int = NGRAM) -> list[bytes]:
    """Distinct word n-grams; a paragraph shorter than n words yields none."""
    toks = words(text)
    return sorted({" ".join(toks[i:i + n]).encode() for i in range(len(toks) - n + 1)})


def detect(records: Sequence[Mapping[str, str]], threshold: float = THRESHOLD,
           num_perm: int = NUM_PERM, ngram: int = NGRAM) -> list[dict[str, Any]]:
    """Matching paragraph pairs across documents, as detection dicts."""
    keys: list[tuple[int, int, int]] = []  # (record index, start, end)
    bags: list[list[bytes]] = []
    for d, rec in enumerate(records):
        for a, b in paragraphs(rec["text"]):
            sh = shingles(rec["text"][a:b], ngram)
            if sh:  # empty sets would all collide with one another
                keys.append((d, a, b))
                bags.append(sh)
    sigs = MinHash.bulk(bags, num_perm=num_perm)
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    with lsh.insertion_session() as session:
        for k, sig in enumerate(sigs):
            session.insert(k, sig, check_duplication=False)
    found: set[tuple[int, int]] = set()
    for k, sig in enumerate(sigs):
        for other in lsh.query(sig):
            if keys[other][0] != keys[k][0]:
                found.add((min(k, other), max(k, other)))
    return sorted((_detection(records, keys[i], keys[j]) for i, j in found),
                  key=lambda r: (r["target"], r["target_start"], r["source"], r["source_start"]))


def _detection(records: Sequence[Mapping[str, str]], x: tuple[int, int, int],
               y: tuple[int, int, int]) -> dict[str, Any]:
    rx, ry = records[x[0]], records[y[0]]
    if (rx["date"], rx["id"]) < (ry["date"], ry["id"]):
        x, y, rx, ry = y, x, ry, rx
    return {"target": rx["id"], "target_start": x[1], "target_end": x[2],
            "source": ry["id"], "source_start": y[1], "source_end": y[2]}


def near_duplicate_pairs(records: Sequence[Mapping[str, str]],
                         detections: Sequence[Mapping[str, Any]], cover: float = 0.5
                         ) -> list[tuple[str, str]]:
    """Document pairs whose matched paragraphs cover ``cover`` of the target."""
    length = {r["id"]: len(r["text"]) for r in records}
    spans: dict[tuple[str, str], set[tuple[int, int]]] = defaultdict(set)
    for r in detections:
        spans[(r["source"], r["target"])].add((r["target_start"], r["target_end"]))
    return sorted(pair for pair, s in spans.items()
                  if sum(b - a for a, b in s) >= cover * length[pair[1]])


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Score the datasketch paragraph baseline.")
    ap.add_argument("--data", type=Path, default=Path("benchmarks/data/planted"),
                    help="planted-set directory (records.jsonl, truth.json) or a dump file")
    ap.add_argument("--truth", type=Path, help="a dump's truth (default: beside the dump)")
    ap.add_argument("--n", type=int, default=2000, help="build this size if --data is absent")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, help="write detections here as JSON lines")
    args = ap.parse_args(argv)
    if args.data.is_file():
        records = list(read_dump(args.data))
        truth_path = args.truth or default_truth_path(args.data)
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
    elif (args.data / "records.jsonl").exists():
        records, truth = read_set(args.data)
    else:
        print(f"{args.data} not found: building a planted set in memory", file=sys.stderr)
        records, truth = build_planted_set(args.n, args.seed)
    t0 = time.perf_counter()
    detections = detect(records)
    secs = time.perf_counter() - t0
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text("".join(json.dumps(d) + "\n" for d in detections), encoding="utf-8")
    s = score(truth["cases"], detections)
    print(f"datasketch MinHashLSH baseline on {len(records)} records: {secs:.1f}s")
    print(format_scores(s, origin_accuracy(truth["cases"], detections),
                        near_duplicate_recall(truth["near_duplicates"],
                                              near_duplicate_pairs(records, detections))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
