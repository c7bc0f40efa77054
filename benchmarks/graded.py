"""Real graded reuse: does the share of each short text attributed to its own
source separate reuse from non-reuse? (issue 10, target AUC >= 0.97)

The set is the Clough & Stevenson corpus of plagiarised short answers
(University of Sheffield, 2009; research use, not bundled): five Wikipedia
texts ``orig_task{a..e}.txt`` and answers ``g*p*_task*.txt`` written from them
(``cut``, ``light``, ``heavy`` revision) or without them (``non``), labelled in
``file_information.csv``.

    python -m benchmarks.graded --corpus DIR [--out benchmarks/out/graded.json]

Also run by ``python -m benchmarks.quality --graded DIR``.

All texts of the corpus run together through :func:`dedup.find_provenance`
with default parameters; the sources are dated a day before the answers. An
answer's *share* is the share of its non-space characters inside reported
spans that name its task's source (in ``matches``, ``carriers`` or
``first_seen``). The baseline, computed in the same run, is word 3-gram
containment of the answer in its source (lower-cased words). Both are scored
by the AUC of reuse (cut, light, heavy) against non-reuse, and per grade.
Answers whose source text is missing from DIR run with the rest but are not
scored; files the CSV lists but DIR lacks are counted and reported.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from dedup import Document, Params, find_provenance
from dedup.provenance import DocumentReport, ReusedSpan

from .attribution import first_seen_doc, named

TARGET_AUC = 0.97
GRADES = ("cut", "light", "heavy")
SOURCE_DATE, ANSWER_DATE = "2009-01-01", "2009-01-02"


@dataclass(frozen=True)
class Text:
    name: str  # file name, also the document id
    task: str
    category: str  # "orig", "non", "cut", "light" or "heavy"
    text: str
    encoding: str  # how the file was decoded


def decode(data: bytes) -> tuple[str, str]:
    """Text of a corpus file and the encoding that read it.

    The corpus was written on Windows machines: most files are cp1252 (curly
    quotes, dashes), a few ASCII, copies found online are often UTF-8. UTF-8 is
    tried first because cp1252 text is almost never valid UTF-8 once it holds a
    byte above 0x7f; a byte cp1252 leaves undefined falls back to latin-1, which
    maps every byte, so no file is ever refused for its encoding."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def read_corpus(folder: Path) -> tuple[list[Text], list[str]]:
    """The texts ``file_information.csv`` lists that are in ``folder``, in the
    CSV's order, and the names it lists that are missing."""
    info = folder / "file_information.csv"
    if not info.is_file():
        raise SystemExit(f"{info}: not found (give the folder of the Clough & Stevenson corpus)")
    texts, missing = [], []
    with info.open(encoding="utf-8-sig", newline="") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            name, task, category = row.get("File"), row.get("Task"), row.get("Category")
            if not (name and task and category):
                raise SystemExit(f"{info}:{line}: expected File, Task and Category (got {row})")
            path = folder / name
            if not path.is_file():
                missing.append(name)
                continue
            text, encoding = decode(path.read_bytes())
            texts.append(Text(name, task, category, text, encoding))
    return texts, missing


def names_source(span: ReusedSpan, source: str) -> bool:
    return source in named(span) or first_seen_doc(span) == source


def attributed_share(doc: DocumentReport, source: str, text: str) -> float:
    """Share of ``text``'s non-space characters inside ``doc``'s spans that name ``source``."""
    covered = np.zeros(len(text), dtype=bool)
    for span in doc.spans:
        if names_source(span, source):
            covered[span.start:span.end] = True
    solid = np.array([not ch.isspace() for ch in text], dtype=bool)
    return float(covered[solid].mean()) if solid.any() else 0.0


_WORD = re.compile(r"\w+")


def trigrams(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i:i + 3]) for i in range(len(words) - 2)}


def containment(answer: str, source: str) -> float:
    """|3-grams(answer) & 3-grams(source)| / |3-grams(answer)|, lower-cased words."""
    mine = trigrams(answer)
    return len(mine & trigrams(source)) / len(mine) if mine else 0.0


def auc(positive: Iterable[float], negative: Iterable[float]) -> float:
    """Probability that a positive scores above a negative, ties counted half
    (the Mann-Whitney U statistic over |P| |N|, from average ranks)."""
    pos, neg = np.asarray(list(positive), dtype=float), np.asarray(list(negative), dtype=float)
    if not len(pos) or not len(neg):
        return float("nan")
    scores = np.concatenate([pos, neg])
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    # equal scores share the mean of the ranks they span
    values, inverse = np.unique(scores, return_inverse=True)
    mean_rank = np.bincount(inverse, weights=ranks) / np.bincount(inverse)
    ranks = mean_rank[inverse]
    u = ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2
    return float(u / (len(pos) * len(neg)))


def score_answers(texts: Sequence[Text], reports: Mapping[str, DocumentReport]) -> list[dict[str, Any]]:
    """One row per answer whose source is present: share attributed to the source and 3-gram containment."""
    sources = {t.task: t for t in texts if t.category == "orig"}
    rows = []
    for t in texts:
        if t.category == "orig" or t.task not in sources:
            continue
        source = sources[t.task]
        rows.append({"file": t.name, "task": t.task, "category": t.category,
                     "share": attributed_share(reports[t.name], source.name, t.text),
                     "containment": containment(t.text, source.text)})
    return rows


def figures(rows: Sequence[Mapping[str, Any]], key: str) -> dict[str, float]:
    by_grade = {g: [r[key] for r in rows if r["category"] == g] for g in ("non", *GRADES)}
    reuse = [v for g in GRADES for v in by_grade[g]]
    out = {"auc": auc(reuse, by_grade["non"])}
    out.update({f"auc_{g}": auc(by_grade[g], by_grade["non"]) for g in GRADES})
    out.update({f"mean_{g}": float(np.mean(v)) if v else float("nan") for g, v in by_grade.items()})
    return out


def run(corpus: Path, params: Params = Params()) -> dict[str, Any]:
    texts, missing = read_corpus(corpus)
    present_tasks = {t.task for t in texts if t.category == "orig"}
    documents = [Document(t.name, t.text, date=SOURCE_DATE if t.category == "orig" else ANSWER_DATE)
                 for t in texts]
    started = time.perf_counter()
    report = find_provenance(documents, params).report
    seconds = time.perf_counter() - started
    rows = score_answers(texts, {d.id: d for d in report.documents})
    encodings: dict[str, int] = {}
    for t in texts:
        encodings[t.encoding] = encodings.get(t.encoding, 0) + 1
    counts = {g: sum(r["category"] == g for r in rows) for g in ("non", *GRADES)}
    return {
        "set": {"corpus": str(corpus), "texts": len(texts), "missing_files": missing,
                "sources": sorted(present_tasks),
                "unscored_answers": sum(t.category != "orig" and t.task not in present_tasks for t in texts),
                "scored": counts, "encodings": encodings, "seconds": seconds},
        "dedup": figures(rows, "share"),
        "containment": figures(rows, "containment"),
        "answers": rows,
    }


def table(results: Mapping[str, Any]) -> str:
    s = results["set"]
    scored = ", ".join(f"{g} {n}" for g, n in s["scored"].items())
    lines = [f"graded reuse: {s['texts']} texts read ({s['encodings']}), sources of tasks {','.join(s['sources'])}; "
             f"scored answers: {scored}; {s['unscored_answers']} answers without their source run unscored; "
             f"{len(s['missing_files'])} listed files missing",
             f"{'measure':<24}{'dedup share':>12}{'3-gram':>10}{'target':>9}  met", "-" * 60]
    for key in results["dedup"]:
        ours, theirs = results["dedup"][key], results["containment"][key]
        target = f">={TARGET_AUC:.2f}" if key == "auc" else ""
        met = ("yes" if ours >= TARGET_AUC else "NO") if key == "auc" else ""
        lines.append(f"{key:<24}{ours:>12.3f}{theirs:>10.3f}{target:>9}  {met}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True,
                        help="folder with file_information.csv and the corpus's .txt files")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/out"),
                        help="folder for graded.json (default benchmarks/out)")
    args = parser.parse_args(argv)
    results = run(args.corpus)
    print(table(results))
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "graded.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
