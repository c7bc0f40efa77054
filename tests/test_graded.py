"""The graded-reuse benchmark: its AUC, the share attributed to a source, reading the corpus."""

from __future__ import annotations

import itertools
import random

import pytest

from benchmarks import graded
from dedup.provenance import DocumentReport, Match, ReusedSpan


def _pairwise_auc(pos, neg):
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p, n in itertools.product(pos, neg))
    return wins / (len(pos) * len(neg))


def test_auc_by_hand():
    assert graded.auc([0.9, 0.8], [0.1, 0.2]) == 1.0
    assert graded.auc([0.1, 0.2], [0.9, 0.8]) == 0.0
    assert graded.auc([0.0, 0.0], [0.0, 0.0, 0.0]) == 0.5
    # one tie among four pairs: 3 wins + 1/2
    assert graded.auc([1.0, 0.5], [0.5, 0.0]) == 0.875


def test_auc_agrees_with_counting_pairs():
    rng = random.Random(3)
    for _ in range(50):
        pos = [rng.choice([0.0, 0.1, 0.2, 0.5, 1.0]) for _ in range(rng.randint(1, 9))]
        neg = [rng.choice([0.0, 0.1, 0.2, 0.5]) for _ in range(rng.randint(1, 9))]
        assert graded.auc(pos, neg) == pytest.approx(_pairwise_auc(pos, neg))


def _span(start, end, doc):
    return ReusedSpan(start=start, end=end, cluster="c1", role="copy", origin=doc, boilerplate=False,
                      similarity=1.0, matches=(Match(doc, 0, end - start, 1.0),))


def test_share_counts_non_space_characters_of_spans_naming_the_source():
    text = "abc   def\n\nghij"  # 10 non-space characters
    report = DocumentReport(id="x", date=None, source=None, length=len(text), reused_fraction=0.0,
                            near_duplicates=(), spans=(_span(0, 3, "src"), _span(6, 9, "other")))
    assert graded.attributed_share(report, "src", text) == pytest.approx(0.3)
    assert graded.attributed_share(report, "other", text) == pytest.approx(0.3)
    assert graded.attributed_share(report, "nobody", text) == 0.0


def test_containment_of_word_trigrams():
    assert graded.containment("The cat sat on the mat", "the CAT sat on a hat") == pytest.approx(2 / 4)
    assert graded.containment("two words", "two words") == 0.0


SOURCE = (
    "The harbour authority said on Tuesday that container traffic through the port rose by eleven percent "
    "in the first half of the year, helped by new routes to West Africa and South America. "
    "Officials expect the second terminal, built at a cost of four hundred million euros, to open next spring "
    "and to double the number of ships the port can handle at the same time. "
    "Local fishermen have complained that dredging for the new berths has driven fish away from the bay."
)
NON = ("Our town library will stay open late on Thursdays from next month, the council said, and it will "
       "lend board games and musical instruments as well as books to anyone who holds a card.")


def _write_corpus(folder):
    cut = "Port news. " + SOURCE[:SOURCE.index(" Local")] + " That is all."
    light = SOURCE.replace("eleven", "twelve").replace("Officials expect", "Officials hope")
    (folder / "orig_taska.txt").write_text(SOURCE, encoding="utf-8")
    (folder / "cut_a.txt").write_text(cut, encoding="utf-8")
    (folder / "light_a.txt").write_bytes(light.replace("said", "\u201csaid\u201d").encode("cp1252"))
    (folder / "non_a.txt").write_text(NON, encoding="utf-8")
    (folder / "non_b.txt").write_text(NON.replace("library", "pool"), encoding="utf-8")  # task b: no source
    (folder / "file_information.csv").write_text(
        "File,Task,Category\ncut_a.txt,a,cut\nlight_a.txt,a,light\nnon_a.txt,a,non\nnon_b.txt,b,non\n"
        "gone_a.txt,a,heavy\norig_taska.txt,a,orig\n", encoding="utf-8")


def test_run_on_a_tiny_corpus(tmp_path):
    _write_corpus(tmp_path)
    results = graded.run(tmp_path)
    rows = {r["file"]: r for r in results["answers"]}
    assert set(rows) == {"cut_a.txt", "light_a.txt", "non_a.txt"}  # non_b has no source: run, not scored
    assert rows["cut_a.txt"]["share"] > 0.8
    assert rows["light_a.txt"]["share"] > 0.8
    assert rows["non_a.txt"]["share"] == 0.0
    assert results["dedup"]["auc"] == 1.0
    assert results["set"]["missing_files"] == ["gone_a.txt"]
    assert results["set"]["unscored_answers"] == 1
    assert results["set"]["encodings"] == {"utf-8": 4, "cp1252": 1}


def test_decode_falls_back_to_cp1252_then_latin1():
    assert graded.decode("caf\u00e9".encode()) == ("caf\u00e9", "utf-8")
    assert graded.decode(b"\x93quoted\x94") == ("\u201cquoted\u201d", "cp1252")
    assert graded.decode(b"a\x81b") == ("a\x81b", "latin-1")
