"""The attribution sets of issue 10, built from Reuters-21578 with exact truth.

* *popular texts*: a few stories each copied by 15-50 later stories, whole or
  in part, verbatim, lightly or heavily edited;
* *one subject*: the planted-reuse set built from foreign-exchange stories
  only, and the same with a few hundred more foreign-exchange stories added;
* *reflowed re-sends*: whole stories re-sent with 3% of their words changed,
  paragraph breaks turned into spaces and a few non-breaking spaces;
* *Reuters as sent*: every story with its headline and timestamp; its own
  re-sends and partial reuse found by exact word 5-gram overlap.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np

from benchmarks.planted import (
    OUTLETS,
    Editor,
    Para,
    Piece,
    _dates,
    _is_prose,
    article_paras,
    build_planted_set,
    make_case,
    make_vocab,
    place,
    render,
    tag_spans,
)
from benchmarks.reuters import Article, _ngram_keys, load_articles, select_disjoint, words

Record = dict[str, str]
START = datetime(1987, 3, 2, 6, 0, 0)


def _record(doc_id: str, text: str, date: str, rng: random.Random, title: str) -> Record:
    return {"id": doc_id, "text": text, "date": date, "source": rng.choice(OUTLETS), "title": title}


def _disjoint_base(articles: Sequence[Article] | None, n: int, seed: int
                   ) -> tuple[random.Random, list[Article], Editor]:
    """A seeded generator, ``n`` prose stories sharing no 8-word run, and an editor of their words."""
    rng = random.Random(seed)
    pool = [a for a in (articles if articles is not None else load_articles()) if _is_prose(a)]
    base = select_disjoint(pool, n, seed=seed)
    return rng, base, Editor(make_vocab([a.body for a in base]), rng)


# --------------------------------------------------------------------------
# Popular texts


def _copy_groups(src_paras: Sequence[Para], rng: random.Random) -> tuple[str, list[tuple[int, int]]]:
    """Which part of a source to copy: ("whole", all pieces) or ("part", 2-5 consecutive pieces)."""
    flat = [(pi, k) for pi, para in enumerate(src_paras) for k in range(len(para))]
    if rng.random() < 0.4 or len(flat) < 4:
        return "whole", flat
    length = rng.randint(2, min(5, len(flat) - 1))
    first = rng.randrange(len(flat) - length + 1)
    return "part", flat[first:first + length]


def build_popular_set(n_articles: int = 1200, n_sources: int = 3, seed: int = 0,
                      articles: Sequence[Article] | None = None) -> tuple[list[Record], dict[str, Any]]:
    """Records and truth: ``n_sources`` early stories, each copied by 15-50 later ones."""
    rng, base, editor = _disjoint_base(articles, n_articles, seed)
    dates = _dates(len(base), rng, START)
    ids = [f"pop-{i:05d}" for i in rng.sample(range(1, len(base) + 1), len(base))]
    sources = list(range(n_sources))  # the earliest stories are the popular ones
    copiers = rng.sample(range(n_sources + 10, len(base)), sum(rng.randint(15, 50) for _ in sources))
    plan: dict[int, int] = {}
    at = 0
    for s in sources:
        k = rng.randint(15, 50)
        for c in copiers[at:at + k]:
            plan[c] = s
        at += k
    source_paras = {s: article_paras(base[s].body) for s in sources}
    source_text = {s: render(source_paras[s], False) for s in sources}
    records, cases = [], []
    for i, article in enumerate(base):
        if i in source_text:
            text = source_text[i][0]
        elif i in plan:
            text, case = _copy_into(article, plan[i], source_paras, source_text, editor, rng)
            cases.append({**case, "target": ids[i], "source": ids[plan[i]]})
        else:
            text = render(article_paras(article.body), rng.random() < 0.5)[0]
        records.append(_record(ids[i], text, dates[i], rng, article.title))
    records.sort(key=lambda r: r["id"])
    return records, {"cases": sorted(cases, key=lambda c: c["target"])}


def _copy_into(article: Article, source: int, source_paras: dict[int, list[Para]],
               source_text: dict[int, tuple[str, Any]], editor: Editor, rng: random.Random
               ) -> tuple[str, dict[str, Any]]:
    extent, picked = _copy_groups(source_paras[source], rng)
    groups: list[list[str]] = []
    last = -1
    for pi, k in picked:
        if pi != last:
            groups.append([])
            last = pi
        groups[-1].append(source_paras[source][pi][k].text)
    edit = rng.choice(("verbatim", "light", "heavy"))
    if edit == "light":
        groups = editor.light(groups)
    elif edit == "heavy" and sum(len(g) for g in groups) > 1:
        groups = editor.heavy(groups)
    elif edit == "heavy":
        groups = [editor.edit(groups[0], 0.2, Editor.HEAVY, min_ops=2)]
    placed_src = source_text[source][1]
    flat_index = {(pi, k): n for n, (pi, k) in enumerate(
        (pi, k) for pi, para in enumerate(source_paras[source]) for k in range(len(para)))}
    first, last_piece = placed_src[flat_index[picked[0]]], placed_src[flat_index[picked[-1]]]
    paras = article_paras(article.body)
    place(paras, groups, 0, "own", rng)
    text, placed = render(paras, rng.random() < 0.5)
    span = tag_spans(placed)[0]
    case = make_case(f"{edit}-{extent}", "", span, "", (first.start, last_piece.end))
    return text, case


# --------------------------------------------------------------------------
# One subject


def build_one_subject_set(n_base: int = 236, n_extra: int = 300, topic: str = "money-fx", seed: int = 0,
                          rate: float = 0.15, articles: Sequence[Article] | None = None
                          ) -> tuple[list[Record], list[Record], dict[str, Any]]:
    """The planted set built from one subject's stories (``n_base`` records),
    and up to ``n_extra`` other stories of that subject, dated among them."""
    every = articles if articles is not None else load_articles()
    subject = [a for a in every if topic in a.topics]
    records, truth = build_planted_set(n_base, seed=seed, rate=rate, articles=subject)
    # Stories that share a run of words with the set (Reuters' own re-sends of
    # its stories) would be reuse the truth does not know of.
    vocab: dict[str, int] = {}
    taken = set(np.concatenate([_eight_grams(r["text"], vocab) for r in records]).tolist())
    rest = [a for a in subject if taken.isdisjoint(_eight_grams(a.body, vocab).tolist())]
    rng = random.Random(seed + 1)
    rng.shuffle(rest)
    dates = sorted(r["date"] for r in records)
    extra = []
    for k, a in enumerate(rest[:n_extra]):
        date = dates[rng.randrange(len(dates))][:-2] + f"{rng.randrange(60):02d}"
        extra.append(_record(f"extra-{k:04d}", a.body, date, rng, a.title))
    return records, extra, truth


def _eight_grams(text: str, vocab: dict[str, int]) -> np.ndarray:
    toks = words(text)
    return _ngram_keys(np.fromiter((vocab.setdefault(t, len(vocab) + 1) for t in toks), dtype=np.uint64,
                                   count=len(toks)), 8)


# --------------------------------------------------------------------------
# Reflowed re-sends


def reflow(paras: Sequence[Para], editor: Editor, rng: random.Random, rate: float = 0.03,
           nbsp: int = 3) -> str:
    """A story re-sent: ``rate`` of its words edited, every paragraph break a
    space, and ``nbsp`` spaces made non-breaking."""
    flat = [p.text for para in paras for p in para]
    edited = editor.edit(flat, rate, Editor.LIGHT, min_ops=1)
    text = " ".join(edited)
    spaces = [i for i, c in enumerate(text) if c == " "]
    chars = list(text)
    for i in rng.sample(spaces, min(nbsp, len(spaces))):
        chars[i] = "\u00a0"
    return "".join(chars)


def build_reflow_set(n_articles: int = 1000, n_resends: int = 100, seed: int = 0,
                     articles: Sequence[Article] | None = None) -> tuple[list[Record], dict[str, Any]]:
    """Records and truth: ``n_resends`` of ``n_articles`` stories re-sent reflowed."""
    rng, base, editor = _disjoint_base(articles, n_articles, seed)
    originals = rng.sample(range(len(base) - 1), n_resends)
    dates = _dates(len(base) + n_resends, rng, START)
    ids = [f"rf-{i:05d}" for i in rng.sample(range(1, len(dates) + 1), len(dates))]
    records, pairs = [], []
    resend_at = len(base)
    for i, article in enumerate(base):
        paras = article_paras(article.body)
        records.append(_record(ids[i], render(paras, rng.random() < 0.5)[0], dates[i], rng, article.title))
    for i in originals:
        paras = article_paras(base[i].body)
        # Dates increase with position, so every re-send is later than its original.
        records.append(_record(ids[resend_at], reflow(paras, editor, rng), dates[resend_at], rng, base[i].title))
        pairs.append({"a": ids[i], "b": ids[resend_at]})
        resend_at += 1
    records.sort(key=lambda r: r["id"])
    return records, {"near_duplicates": pairs}


# --------------------------------------------------------------------------
# Reuters as sent


def as_sent(articles: Sequence[Article]) -> list[Record]:
    """Every story as the wire sent it: headline, body, timestamp."""
    return [{"id": a.id, "text": f"{a.title}\n{a.body}" if a.title else a.body, "date": a.date,
             "source": "Reuters", "title": a.title} for a in articles]


def shingle_sets(records: Sequence[Record], n: int = 5) -> list[np.ndarray]:
    """Each record's distinct lowercased word ``n``-grams, as sorted hashes."""
    vocab: dict[str, int] = {}
    out = []
    for r in records:
        toks = words(r["text"])
        ids = np.fromiter((vocab.setdefault(t, len(vocab) + 1) for t in toks), dtype=np.uint64, count=len(toks))
        out.append(np.unique(_ngram_keys(ids, n)))
    return out


def overlapping_pairs(sets: Sequence[np.ndarray], max_df: int = 100) -> dict[tuple[int, int], int]:
    """{(i, j): shared n-grams} for every pair sharing an n-gram that at most
    ``max_df`` records carry (the exact count covers all shared n-grams)."""
    keys = np.concatenate(sets)
    docs = np.concatenate([np.full(len(s), i, np.int64) for i, s in enumerate(sets)])
    order = np.argsort(keys, kind="stable")
    keys, docs = keys[order], docs[order]
    bounds = np.flatnonzero(np.diff(keys)) + 1
    starts, ends = np.concatenate(([0], bounds)), np.concatenate((bounds, [len(keys)]))
    candidates: set[tuple[int, int]] = set()
    for s, e in zip(starts.tolist(), ends.tolist()):
        if 1 < e - s <= max_df:
            group = docs[s:e].tolist()
            candidates.update((x, y) for k, x in enumerate(group) for y in group[k + 1:])
    return {(i, j): len(np.intersect1d(sets[i], sets[j], assume_unique=True)) for i, j in sorted(candidates)}


def reuters_truth(records: Sequence[Record]) -> dict[str, Any]:
    """Re-sends (5-gram Jaccard >= 0.8), partial reuse (half of the smaller
    story's 5-grams in the other) and, for every pair sharing a 5-gram, the
    share of the larger story's 5-grams they share."""
    sets = shingle_sets(records)
    resends, partial, shares = [], [], {}
    for (i, j), shared in overlapping_pairs(sets).items():
        union = len(sets[i]) + len(sets[j]) - shared
        jac = shared / union if union else 0.0
        a, b = records[i]["id"], records[j]["id"]
        shares[(a, b) if a < b else (b, a)] = shared / max(len(sets[i]), len(sets[j]), 1)
        if jac >= 0.8:
            resends.append((a, b))
        elif shared >= 0.5 * min(len(sets[i]), len(sets[j])) and min(len(sets[i]), len(sets[j])) >= 20:
            partial.append((a, b))
    return {"resends": resends, "partial": partial, "shared": shares}
