"""Planted-reuse benchmark set built from real, mutually disjoint Reuters stories.

Every reuse in the set is planted and its ground truth is exact: half-open
character offsets into the final record text of both the target (later) and
the source (earlier) article.  Articles are processed in date order, so a
source is final before anything copies from it, and a copy is only ever taken
from an article's own text (never from something planted into it) and never
twice from the same place: no copy nests inside another.

Usage::

    python -m benchmarks.planted --n 2000 --seed 0 --out benchmarks/data/planted
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rapidfuzz.distance import Levenshtein

from benchmarks.reuters import (
    Article,
    load_articles,
    paragraphs,
    select_disjoint,
    sentences,
    words,
)

Record = dict[str, str]
Case = dict[str, Any]

KINDS = ("verbatim", "light", "heavy", "single", "boilerplate", "resend")
# Kinds that copy a run of an earlier article's own sentences into a later one.
COPY_KINDS = ("verbatim", "light", "heavy", "single")

OUTLETS = (
    "Harbor Ledger", "Midland Wire", "Coastal Dispatch", "Northgate Times",
    "Prairie Courier", "Summit Herald", "Riverside Post", "Eastbridge Journal",
    "Lakeshore Tribune", "Granite Gazette", "Meridian Daily", "Pinecrest Observer",
)

# Invented press-release tails; the names are made up so they occur nowhere else.
BOILERPLATE = (
    "About Norcastle Holdings: Norcastle Holdings is a diversified industrial group "
    "based in Hartwell, Ohio, with operations in specialty metals, packaging and "
    "freight logistics. The company employs about 4,200 people in eleven countries "
    "and its shares trade on the New York Stock Exchange under the symbol NCH.",
    "About Veridane Capital: Founded in 1974, Veridane Capital manages assets for "
    "pension funds, insurers and foundations across North America and Europe. "
    "Veridane has offices in Boston, Toronto, London and Zurich and is wholly owned "
    "by its senior partners.",
    "About Calloway Agritech: Calloway Agritech develops seed treatments and crop "
    "protection products for growers of corn, soybeans and wheat. The company was "
    "spun off from Calloway Chemical in 1981 and sells its products through a "
    "network of more than 300 independent dealers in the Midwest.",
    "About Ostrander Mutual: Ostrander Mutual is a policyholder-owned insurer "
    "providing life, health and annuity products to more than two million "
    "customers. Ostrander is rated A plus by leading agencies and has paid a "
    "dividend to its policyholders every year since 1921.",
)

WRAP_WIDTH = 70
INDENT = "    "


# --------------------------------------------------------------------------
# Document model: paragraphs of pieces, rendered wrapped or unwrapped.


@dataclass
class Piece:
    text: str  # single-spaced, no surrounding whitespace
    tag: int | None = None  # planted passage this belongs to; None = the article's own text


Para = list[Piece]


@dataclass(frozen=True)
class PlacedPiece:
    start: int
    end: int
    para: int
    tag: int | None


def wrap_paragraph(text: str, width: int = WRAP_WIDTH, first_indent: int = 0) -> str:
    """Greedy wrap that only turns spaces into newlines, so offsets survive.

    >>> wrap_paragraph("aa bb cc dd", width=5)
    'aa bb\\ncc dd'
    """
    lines: list[str] = []
    pos, room, n = 0, width - first_indent, len(text)
    while n - pos > room:
        cut = text.rfind(" ", pos, pos + room + 1)
        if cut <= pos:  # a word longer than the line stays whole
            cut = text.find(" ", pos + room)
            if cut < 0:
                break
        lines.append(text[pos:cut])
        pos, room = cut + 1, width
    lines.append(text[pos:])
    return "\n".join(lines)


def render(paras: Sequence[Para], wrapped: bool) -> tuple[str, list[PlacedPiece]]:
    """Final text plus every piece's span in it.

    Wrapped follows the wire: first paragraph flush (it follows the dateline),
    the rest on a new line with a 4-space indent, ~70 columns.  Unwrapped puts
    each paragraph on one line with a blank line between.
    """
    chunks: list[str] = []
    placed: list[PlacedPiece] = []
    pos = 0
    for pi, para in enumerate(paras):
        lead = ("\n" + INDENT if wrapped else "\n\n") if pi else ""
        pos += len(lead)
        body = " ".join(p.text for p in para)
        off = pos
        for p in para:
            placed.append(PlacedPiece(off, off + len(p.text), pi, p.tag))
            off += len(p.text) + 1
        if wrapped:
            body = wrap_paragraph(body, WRAP_WIDTH, len(INDENT) if pi else 0)
        chunks.append(lead + body)
        pos += len(body)
    return "".join(chunks), placed


def tag_spans(placed: Sequence[PlacedPiece]) -> dict[int, tuple[int, int]]:
    spans: dict[int, tuple[int, int]] = {}
    for p in placed:
        if p.tag is not None:
            a, b = spans.get(p.tag, (p.start, p.end))
            spans[p.tag] = (min(a, p.start), max(b, p.end))
    return spans


def article_paras(body: str) -> list[Para]:
    """A Reuters body as paragraphs of sentence pieces, wire wraps undone."""
    out: list[Para] = []
    for a, b in paragraphs(body):
        para_text = body[a:b]
        sents = [" ".join(para_text[s:e].split()) for s, e in sentences(para_text)]
        if sents:
            out.append([Piece(s) for s in sents])
    return out


# --------------------------------------------------------------------------
# Finalised documents, usable as copy sources.


@dataclass
class FinalDoc:
    id: str
    date: str
    text: str
    pieces: list[PlacedPiece]
    free: list[bool] = field(default_factory=list)  # own text not yet copied from

    def __post_init__(self) -> None:
        if not self.free:
            self.free = [p.tag is None for p in self.pieces]

    def runs(self, length: int, min_words: int = 0) -> list[int]:
        """Start indices of ``length`` consecutive free pieces."""
        ok = [f and (min_words == 0 or len(self.text[p.start:p.end].split()) >= min_words)
              for f, p in zip(self.free, self.pieces)]
        return [i for i in range(len(ok) - length + 1) if all(ok[i:i + length])]

    def take(self, start: int, length: int) -> tuple[tuple[int, int], list[list[str]]]:
        """Claim a run: its span and its sentences grouped by paragraph."""
        run = self.pieces[start:start + length]
        for i in range(start, start + length):
            self.free[i] = False
        groups: list[list[str]] = []
        last_para = -1
        for p in run:
            if p.para != last_para:
                groups.append([])
                last_para = p.para
            groups[-1].append(" ".join(self.text[p.start:p.end].split()))
        return (run[0].start, run[-1].end), groups


# --------------------------------------------------------------------------
# Edits

_TOKEN_RE = re.compile(r"^(\W*)(.*?)(\W*)$", re.S)
_NUM_RE = re.compile(r"\d")


class Editor:
    """Word-level edits that mimic a rewrite desk: swaps, insertions, deletions,
    and for light edits case and punctuation changes."""

    LIGHT = {"sub": 0.35, "ins": 0.15, "del": 0.2, "case": 0.15, "punct": 0.15}
    HEAVY = {"sub": 0.5, "ins": 0.25, "del": 0.25}

    def __init__(self, vocab: Sequence[str], rng: random.Random) -> None:
        self.vocab = list(vocab)
        self.rng = rng

    def _word_like(self, core: str) -> str:
        if _NUM_RE.search(core):
            return "".join(str(self.rng.randrange(10)) if c.isdigit() else c for c in core)
        new = self.rng.choice(self.vocab)
        if core.isupper() and len(core) > 1:
            return new.upper()
        return new.capitalize() if core[:1].isupper() else new

    def edit(self, sents: Sequence[str], rate: float, ops: Mapping[str, float],
             min_ops: int = 1) -> list[str]:
        """Apply ``max(min_ops, round(rate * words))`` edits at distinct tokens."""
        toks = [(si, t) for si, s in enumerate(sents) for t in s.split()]
        n_ops = min(len(toks), max(min_ops, round(rate * len(toks))))
        names, weights = zip(*ops.items())
        positions = sorted(self.rng.sample(range(len(toks)), n_ops), reverse=True)
        for pos in positions:  # right to left keeps earlier indices valid
            self._apply(toks, pos, self.rng.choices(names, weights)[0])
        out = [" ".join(t for si, t in toks if si == k) for k in range(len(sents))]
        return [s if s else orig for s, orig in zip(out, sents)]

    def _apply(self, toks: list[tuple[int, str]], pos: int, op: str) -> None:
        si, tok = toks[pos]
        pre, core, suf = _TOKEN_RE.match(tok).groups()  # type: ignore[union-attr]
        first_in_sent = pos == 0 or toks[pos - 1][0] != si
        last_in_sent = pos == len(toks) - 1 or toks[pos + 1][0] != si
        if op == "case" and core and core.lower() != core.upper():
            flipped = core.lower() if any(c.isupper() for c in core) else core.capitalize()
            toks[pos] = (si, pre + flipped + suf)
        elif op == "punct" and "," in suf:
            toks[pos] = (si, pre + core + suf.replace(",", "", 1))
        elif op == "punct" and not suf and not last_in_sent:
            toks[pos] = (si, pre + core + ",")
        elif op == "ins":
            new = self.rng.choice(self.vocab)
            # Before the token, so nothing lands after a sentence-final period.
            toks.insert(pos + (1 if first_in_sent and not last_in_sent else 0), (si, new))
        elif op == "del" and not (first_in_sent and last_in_sent):
            del toks[pos]
            if suf.strip() and not first_in_sent:  # keep the sentence's punctuation
                psi, prev = toks[pos - 1]
                toks[pos - 1] = (psi, prev + suf)
        else:  # "sub", and the fallback when another edit does not apply
            replacement = self._word_like(core) if core else self.rng.choice(self.vocab)
            for _ in range(5):
                if replacement != core:
                    break
                replacement = self._word_like(core)
            toks[pos] = (si, pre + replacement + suf)

    def light(self, groups: list[list[str]]) -> list[list[str]]:
        flat = self.edit([s for g in groups for s in g], 0.05, self.LIGHT)
        return _regroup(flat, groups)

    def heavy(self, groups: list[list[str]]) -> list[list[str]]:
        flat = [s for g in groups for s in g]
        order = list(range(len(flat)))
        while len(order) > 1 and order == sorted(order):
            self.rng.shuffle(order)
        flat = self.edit([flat[i] for i in order], 0.2, self.HEAVY, min_ops=2)
        return [flat]  # reordering across paragraphs leaves one block

    def tiny(self, sents: Sequence[str], n_ops: int) -> list[str]:
        return self.edit(sents, 0.0, self.LIGHT, min_ops=n_ops)


def _regroup(flat: list[str], like: list[list[str]]) -> list[list[str]]:
    out, i = [], 0
    for g in like:
        out.append(flat[i:i + len(g)])
        i += len(g)
    return out


def make_vocab(texts: Sequence[str], min_count: int = 3) -> list[str]:
    counts = Counter(w for t in texts for w in words(t) if w.isalpha() and len(w) >= 3)
    return sorted(w for w, c in counts.items() if c >= min_count)


# --------------------------------------------------------------------------
# Placement


def _own_para_slots(paras: Sequence[Para]) -> list[int]:
    """Indices where a new paragraph may go without splitting a planted block."""
    ok = []
    for k in range(len(paras) + 1):
        before = paras[k - 1][-1].tag if k > 0 else None
        after = paras[k][0].tag if k < len(paras) else None
        if before is None or before != after:
            ok.append(k)
    return ok


def _splice_slots(paras: Sequence[Para]) -> list[tuple[int, int]]:
    """(paragraph, piece index) points strictly inside or at the end of a paragraph
    of the article's own text; inside preferred by the caller."""
    return [(pi, k) for pi, para in enumerate(paras) for k in range(1, len(para) + 1)
            if para[k - 1].tag is None or k == len(para) or para[k - 1].tag != para[k].tag]


def place(paras: list[Para], groups: list[list[str]], tag: int, mode: str,
          rng: random.Random, at_end: bool = False) -> None:
    """Insert a copied block as its own paragraph(s) or spliced between two
    sentences of an existing paragraph."""
    if mode == "splice":
        slots = _splice_slots(paras)
        inside = [(pi, k) for pi, k in slots if k < len(paras[pi])]
        if slots:
            pi, k = rng.choice(inside or slots)
            paras[pi].insert(k, Piece(" ".join(s for g in groups for s in g), tag))
            return
    slots = _own_para_slots(paras)
    k = slots[-1] if at_end else rng.choice(slots)
    for j, g in enumerate(groups):
        paras.insert(k + j, [Piece(" ".join(g), tag)])


# --------------------------------------------------------------------------
# The planted set


def _is_prose(a: Article) -> bool:
    # Earnings tables and dot-leader statistics wrap badly and make poor copies.
    if "..." in a.body or "  " in a.body.replace("\n    ", "\n"):
        return False
    toks = a.body.split()
    if len(toks) < 80 or sum(t[0].isalpha() for t in toks) < 0.75 * len(toks):
        return False
    return sum(1 for s, e in sentences(a.body) if len(a.body[s:e].split()) >= 8) >= 4


@dataclass
class _Plan:
    kinds: list[str] = field(default_factory=list)
    boilerplates: list[int] = field(default_factory=list)


def _dates(n: int, rng: random.Random, start: datetime) -> list[str]:
    out, t = [], start
    for _ in range(n):
        t += timedelta(seconds=rng.randint(20, 900))
        out.append(t.isoformat(timespec="seconds"))
    return out


def build_planted_set(n_articles: int = 2000, seed: int = 0, rate: float = 0.06,
                      resend_rate: float = 0.025,
                      articles: Sequence[Article] | None = None
                      ) -> tuple[list[Record], dict[str, Any]]:
    """Records (sorted by id) and their ground truth.

    ``rate`` is the share of articles receiving a copy of each of the kinds
    verbatim/light/heavy/single; ``resend_rate`` the share of records that
    are re-sends.  ``n_articles`` counts every record, re-sends included.
    """
    rng = random.Random(seed)
    pool = [a for a in (articles if articles is not None else load_articles()) if _is_prose(a)]
    n_resend = round(resend_rate * n_articles)
    n_base = n_articles - n_resend
    base = select_disjoint(pool, n_base, seed=seed)
    if len(base) < n_base:
        raise ValueError(f"only {len(base)} disjoint prose articles, need {n_base}")
    editor = Editor(make_vocab([a.body for a in base]), rng)

    # Chronology: base stories in random order; each re-send slots in shortly
    # after its original.  Originals are reserved so they stay clean.
    warmup = min(30, n_base // 4)
    originals = rng.sample(range(warmup, n_base - 1), n_resend)
    timeline: list[tuple[float, str, int]] = [(float(i), "base", i) for i in range(n_base)]
    timeline += [(o + rng.randint(1, 30) - 0.5, "resend", o) for o in originals]
    timeline.sort()
    dates = _dates(len(timeline), rng, datetime(1987, 3, 2, 6, 0, 0))
    ids = [f"doc-{i:05d}" for i in rng.sample(range(1, len(timeline) + 1), len(timeline))]

    reserved = set(originals)
    plans = _plan(n_base, warmup, reserved, rate, rng)
    records: list[Record] = []
    cases: list[Case] = []
    near_dups: list[dict[str, str]] = []
    originals_done: dict[int, tuple[FinalDoc, list[Para]]] = {}
    sources: list[FinalDoc] = []  # finalised docs, date order, that may be copied from
    bp_origin: dict[int, tuple[str, int, int]] = {}

    for pos, (_, what, i) in enumerate(timeline):
        doc_id, date = ids[pos], dates[pos]
        wrapped = rng.random() < 0.5
        if what == "resend":
            orig, orig_paras = originals_done[i]
            text = _resend_text(orig_paras, wrapped, editor, rng)
            cases.append(make_case("resend", doc_id, (0, len(text)), orig.id, (0, len(orig.text))))
            near_dups.append({"a": orig.id, "b": doc_id})
            records.append(_record(doc_id, text, date, rng, base[i].title))
            continue

        paras = article_paras(base[i].body)
        plan = plans.get(i, _Plan())
        pending: dict[int, tuple[str, str, tuple[int, int]] | int] = {}
        for kind in plan.kinds:
            got = copy_into(paras, kind, len(pending), sources, editor, rng)
            if got is not None:
                pending[len(pending)] = (kind, *got)
        for b in plan.boilerplates:
            tag = len(pending)
            place(paras, [[BOILERPLATE[b]]], tag, "own", rng, at_end=rng.random() < 0.8)
            pending[tag] = b
        text, placed = render(paras, wrapped)
        spans = tag_spans(placed)
        cases.extend(cases_of(doc_id, pending, spans, bp_origin)[0])
        fd = FinalDoc(doc_id, date, text, placed)
        if i in reserved:
            originals_done[i] = (fd, paras)
        else:
            sources.append(fd)
        records.append(_record(doc_id, text, date, rng, base[i].title))

    records.sort(key=lambda r: r["id"])
    cases.sort(key=lambda c: (c["target"], c["target_start"]))
    truth = {
        "seed": seed,
        "n_records": len(records),
        "cases": cases,
        "near_duplicates": sorted(near_dups, key=lambda p: (p["a"], p["b"])),
        "boilerplate_origins": [{"boilerplate": b, "doc": d, "start": s, "end": e}
                                for b, (d, s, e) in sorted(bp_origin.items())],
        "kind_counts": dict(sorted(Counter(c["kind"] for c in cases).items())),
    }
    return records, truth


def _plan(n_base: int, warmup: int, reserved: set[int], rate: float,
          rng: random.Random) -> dict[int, _Plan]:
    eligible = [i for i in range(warmup, n_base) if i not in reserved]
    per_kind = round(rate * n_base)
    targets = rng.sample(eligible, min(len(eligible), per_kind * len(COPY_KINDS)))
    plans: dict[int, _Plan] = {}
    for k, i in enumerate(targets):
        plans.setdefault(i, _Plan()).kinds.append(COPY_KINDS[k % len(COPY_KINDS)])
    carriers_ok = [i for i in range(n_base) if i not in reserved]
    for b in range(len(BOILERPLATE)):
        for i in rng.sample(carriers_ok, rng.randint(5, 30)):
            plans.setdefault(i, _Plan()).boilerplates.append(b)
    return plans


_RUN_LENGTHS = {"verbatim": (1, 6), "light": (1, 6), "heavy": (2, 6), "single": (1, 1)}


def copy_into(paras: list[Para], kind: str, tag: int, sources: Sequence[FinalDoc],
               editor: Editor, rng: random.Random, tries: int = 50
               ) -> tuple[str, tuple[int, int]] | None:
    """Copy a run of an earlier article into ``paras``; (source id, source span)."""
    lo, hi = _RUN_LENGTHS[kind]
    length = rng.randint(lo, hi)
    min_words = 12 if kind == "single" else 0
    for _ in range(tries):
        if not sources:
            return None
        src = rng.choice(sources)
        starts = src.runs(length, min_words)
        if starts:
            break
    else:
        return None
    span, groups = src.take(rng.choice(starts), length)
    if kind == "light":
        groups = editor.light(groups)
    elif kind == "heavy":
        groups = editor.heavy(groups)
    mode = "splice" if kind == "single" or rng.random() < 0.5 else "own"
    place(paras, groups, tag, mode, rng)
    return src.id, span


def _resend_text(paras: Sequence[Para], wrapped: bool, editor: Editor,
                 rng: random.Random) -> str:
    """The original re-sent with one or two word edits, maybe re-wrapped."""
    copy = [[Piece(p.text) for p in para] for para in paras]
    flat = [p for para in copy for p in para]
    hit = rng.sample(range(len(flat)), min(len(flat), rng.randint(1, 2)))
    for k, new in zip(hit, editor.tiny([flat[k].text for k in hit], len(hit))):
        flat[k].text = new
    return render(copy, wrapped)[0]


def make_case(kind: str, target: str, tspan: tuple[int, int], source: str,
          sspan: tuple[int, int]) -> Case:
    return {"kind": kind, "target": target, "target_start": tspan[0], "target_end": tspan[1],
            "source": source, "source_start": sspan[0], "source_end": sspan[1]}


def cases_of(doc_id: str, pending: Mapping[int, Any], spans: Mapping[int, tuple[int, int]],
             bp_origin: dict[int, tuple[str, int, int]]) -> tuple[list[Case], list[int]]:
    """Truth cases for what was planted in one document, and the boilerplate
    paragraphs it is the first carrier of (it becomes their origin in ``bp_origin``)."""
    cases, first = [], []
    for tag, planted in pending.items():
        if isinstance(planted, int):  # boilerplate: the first carrier is the origin
            if planted not in bp_origin:
                bp_origin[planted] = (doc_id, *spans[tag])
                first.append(planted)
                continue
            src_id, s0, s1 = bp_origin[planted]
            cases.append(make_case("boilerplate", doc_id, spans[tag], src_id, (s0, s1)))
        else:
            kind, src_id, src_span = planted
            cases.append(make_case(kind, doc_id, spans[tag], src_id, src_span))
    return cases, first


def _record(doc_id: str, text: str, date: str, rng: random.Random, title: str) -> Record:
    return {"id": doc_id, "text": text, "date": date, "source": rng.choice(OUTLETS),
            "title": title}


# --------------------------------------------------------------------------
# Self-check and I/O


def _overlaps(spans: list[tuple[int, int]]) -> bool:
    spans = sorted(spans)
    return any(b[0] < a[1] for a, b in zip(spans, spans[1:]))


def check_truth(records: Mapping[str, Mapping[str, str]], truth: Mapping[str, Any]) -> list[str]:
    """Problems with a built set, empty when sound.

    Checks offsets are in range and non-empty, sources are dated earlier,
    verbatim kinds copy the same normalised words, edited kinds differ but stay
    close, no two planted passages overlap in a target, and a (non-boilerplate)
    source passage is the source article's own text and is copied only once.
    """
    problems: list[str] = []
    by_target: dict[str, list[tuple[int, int]]] = {}
    by_source: dict[str, list[tuple[int, int]]] = {}
    for n, c in enumerate(truth["cases"]):
        tgt, src = records.get(c["target"]), records.get(c["source"])
        if tgt is None or src is None:
            problems.append(f"case {n}: unknown document")
            continue
        t0, t1, s0, s1 = c["target_start"], c["target_end"], c["source_start"], c["source_end"]
        if not (0 <= t0 < t1 <= len(tgt["text"]) and 0 <= s0 < s1 <= len(src["text"])):
            problems.append(f"case {n}: offsets out of range or empty")
            continue
        if not src["date"] < tgt["date"]:
            problems.append(f"case {n}: source not dated earlier than target")
        tw, sw = words(tgt["text"][t0:t1]), words(src["text"][s0:s1])
        # Case and punctuation edits leave words() alone, so "edited" is judged
        # on the whitespace-normalised text.
        same_text = tgt["text"][t0:t1].split() == src["text"][s0:s1].split()
        kind = c["kind"]
        if kind in ("verbatim", "single", "boilerplate") and tw != sw:
            problems.append(f"case {n}: {kind} copy differs from its source")
        elif kind == "single" and len(sw) < 12:
            problems.append(f"case {n}: single sentence shorter than 12 words")
        elif kind in ("light", "resend"):
            sim = Levenshtein.normalized_similarity(tw, sw)
            if same_text or sim < (0.75 if kind == "light" else 0.95):
                problems.append(f"case {n}: {kind} edit similarity {sim:.2f}")
        elif kind == "heavy":
            shared = sum((Counter(tw) & Counter(sw)).values()) / max(len(tw), len(sw))
            if same_text or shared < 0.5:
                problems.append(f"case {n}: heavy word overlap {shared:.2f}")
        by_target.setdefault(c["target"], []).append((t0, t1))
        if kind != "boilerplate":
            by_source.setdefault(c["source"], []).append((s0, s1))
    for doc, spans in by_target.items():
        if _overlaps(spans):
            problems.append(f"{doc}: planted passages overlap")
    for doc, spans in by_source.items():
        if _overlaps(spans):
            problems.append(f"{doc}: a source passage is copied twice")
        for a, b in spans:
            if any(a < t1 and t0 < b for t0, t1 in by_target.get(doc, [])):
                problems.append(f"{doc}: source passage overlaps a planted passage")
    return problems


def write_set(records: Sequence[Record], truth: Mapping[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with (out / "records.jsonl").open("w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    (out / "truth.json").write_text(json.dumps(truth, indent=1) + "\n", encoding="utf-8")


def read_set(path: Path) -> tuple[list[Record], dict[str, Any]]:
    with (path / "records.jsonl").open(encoding="utf-8") as f:
        records = [json.loads(line) for line in f]
    return records, json.loads((path / "truth.json").read_text(encoding="utf-8"))


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=2000, help="records, re-sends included")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/data/planted"))
    args = ap.parse_args(argv)
    records, truth = build_planted_set(args.n, args.seed)
    problems = check_truth({r["id"]: r for r in records}, truth)
    for p in problems:
        print("self-check:", p, file=sys.stderr)
    write_set(records, truth, args.out)
    print(f"{len(records)} records, {len(truth['cases'])} cases {truth['kind_counts']}, "
          f"{len(truth['near_duplicates'])} near-duplicate pairs -> {args.out}")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
