"""Reuters-21578 loader and text helpers for the benchmarks.

The corpus is SGML in latin-1/cp1252 bytes with numeric entities for wire
control characters (``&#3;`` ends every story).  Bodies are hard-wrapped at
about 70 columns; a line that starts with whitespace opens a new paragraph.
"""

from __future__ import annotations

import html
import os
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np

Span = tuple[int, int]

_REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = _REPO_ROOT.parent / "shared" / "data" / "reuters21578"
ENV_VAR = "DEDUP_REUTERS_DIR"


@dataclass(frozen=True)
class Article:
    id: str  # "reuters-<NEWID>"
    date: str  # ISO 8601, millisecond precision, no zone (the corpus gives none)
    title: str
    body: str  # wire hard wraps kept, sign-off and control characters removed
    topics: tuple[str, ...] = ()  # the corpus's TOPICS categories ("money-fx", "earn")


def reuters_dir(path: str | os.PathLike[str] | None = None) -> Path:
    """Explicit path, else ``$DEDUP_REUTERS_DIR``, else ``../shared/data/reuters21578``."""
    if path is not None:
        return Path(path)
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else DEFAULT_DIR


# --------------------------------------------------------------------------
# Loading

_DOC_RE = re.compile(r'<REUTERS\b[^>]*\bNEWID="(\d+)"[^>]*>(.*?)</REUTERS>', re.S)
_DATE_RE = re.compile(r"<DATE>(.*?)</DATE>", re.S)
_TITLE_RE = re.compile(r"<TITLE>(.*?)</TITLE>", re.S)
_BODY_RE = re.compile(r"<BODY>(.*?)</BODY>", re.S)
_TOPICS_RE = re.compile(r"<TOPICS>(.*?)</TOPICS>", re.S)
_D_RE = re.compile(r"<D>(.*?)</D>", re.S)
_DAY_RE = re.compile(r"(\d{1,2})-([A-Za-z]{3})-(\d{4})")
# Searched, not anchored: one record reads "605:12:19.12" and the last two
# hour digits are the plausible reading.
_TIME_RE = re.compile(r"(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?")
_MONTHS = {m: i for i, m in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"], 1)}
# Sign-off variants seen in the corpus: "Reuter", "REUTER", "reuter", "REUTER...",
# "REUTER^M" (a literal caret-M from the original capture), "REUTERS".
_SIGNOFF_RE = re.compile(r"\s*\breuters?\b(?:\s*\.\.\.)?(?:\s*\^M)?\s*\Z", re.I)
# DEL sits between words ("dlr&#127;untied"), so it becomes a space; the other
# controls (STX, ETX, SYN, ...) are framing and vanish.
_DEL_RE = re.compile("\x7f")
_CTRL_RE = re.compile("[\x00-\x08\x0b-\x1f]")


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:  # cp1252 leaves five bytes undefined
        return raw.decode("latin-1")


def _clean(fragment: str) -> str:
    text = html.unescape(fragment)
    text = _DEL_RE.sub(" ", text)
    text = text.replace("\r", "")
    return _CTRL_RE.sub("", text)


def _iso_date(raw: str) -> str:
    day = _DAY_RE.search(raw)
    if day is None:
        raise ValueError(f"unparseable DATE {raw!r}")
    tail = raw[day.end():]
    tm = _TIME_RE.search(tail)
    hh, mm, ss, frac = (tm.groups() if tm else ("00", "00", "00", None))
    micro = int((frac or "0").ljust(3, "0")[:3]) * 1000
    dt = datetime(int(day.group(3)), _MONTHS[day.group(2).upper()], int(day.group(1)),
                  int(hh), int(mm), int(ss), micro)
    return dt.isoformat(timespec="milliseconds")


def _clean_body(fragment: str) -> str:
    text = _clean(fragment)
    lines = [line.rstrip() for line in text.split("\n")]
    text = "\n".join(lines).strip("\n").rstrip()
    text = _SIGNOFF_RE.sub("", text)
    return text.rstrip()


def _parse_file(text: str) -> Iterable[tuple[int, Article]]:
    for m in _DOC_RE.finditer(text):
        newid, inner = int(m.group(1)), m.group(2)
        body_m = _BODY_RE.search(inner)
        if body_m is None:  # TYPE="BRIEF"/"UNPROC" stories carry no BODY
            continue
        body = _clean_body(body_m.group(1))
        if not body.strip():
            continue
        date_m = _DATE_RE.search(inner)
        title_m = _TITLE_RE.search(inner)
        title = " ".join(_clean(title_m.group(1)).split()) if title_m else ""
        topics_m = _TOPICS_RE.search(inner)
        topics = tuple(_D_RE.findall(topics_m.group(1))) if topics_m else ()
        yield newid, Article(f"reuters-{newid}", _iso_date(date_m.group(1) if date_m else ""),
                             title, body, topics)


def load_articles(path: str | os.PathLike[str] | None = None) -> list[Article]:
    """All Reuters stories with a non-empty body, ordered by NEWID."""
    root = reuters_dir(path)
    files = sorted(root.glob("reut2-*.sgm"))
    if not files:
        raise FileNotFoundError(f"no reut2-*.sgm files under {root} (set ${ENV_VAR})")
    found: list[tuple[int, Article]] = []
    for f in files:
        found.extend(_parse_file(_decode(f.read_bytes())))
    found.sort(key=lambda pair: pair[0])
    return [a for _, a in found]


# --------------------------------------------------------------------------
# Paragraphs and sentences


def paragraphs(body: str) -> list[Span]:
    """Paragraph spans: a blank line or an indented line opens a new paragraph.

    Spans start at the first non-blank character (indent excluded) and end
    after the last one.

    >>> t = "First line\\nwraps here.\\n    Second para.\\n\\nThird."
    >>> [t[a:b] for a, b in paragraphs(t)]
    ['First line\\nwraps here.', 'Second para.', 'Third.']
    """
    spans: list[Span] = []
    start = end = -1
    pos = 0
    for line in body.split("\n"):
        stripped = line.strip()
        if not stripped:
            if start >= 0:
                spans.append((start, end))
                start = -1
        else:
            lead = len(line) - len(line.lstrip())
            if start >= 0 and lead > 0:
                spans.append((start, end))
                start = -1
            if start < 0:
                start = pos + lead
            end = pos + len(line.rstrip())
        pos += len(line) + 1
    if start >= 0:
        spans.append((start, end))
    return spans


# Titles that always precede a name, so a following capital never starts a sentence.
_NEVER_FINAL = frozenset(
    "mr mrs ms messrs dr prof sen rep gov gen col lt sgt capt cmdr adm rev hon "
    "st ft mt no nos vs v approx dept fig".split())
# Acronyms and company suffixes end sentences only before a typical sentence opener.
_MAYBE_FINAL = frozenset("inc corp co ltd plc bros jr sr cos".split())
_OPENERS = frozenset(
    "the a an it he she they we i in on at but and this that these those its his "
    "their there however meanwhile also analysts officials earlier last under "
    "while when if as for after according separately traders dealers".split())
_CANDIDATE_RE = re.compile(r"[.!?][\"')\]]*(?=\s)")
_HARD_BREAK_RE = re.compile(r"\n[ \t]*\n|\n(?=[ \t]+\S)")
_ACRONYM_RE = re.compile(r"(?:[A-Za-z]\.){2,}")


def _is_boundary(text: str, punct_at: int, after: int) -> bool:
    nxt = re.match(r"\s+([\"'(]?)(\S*)", text[after:])
    if nxt is None or not nxt.group(2):
        return False
    following = nxt.group(2)
    first = following[0]
    if not (first.isupper() or first.isdigit() or nxt.group(1)):
        return False
    if text[punct_at] != ".":
        return True
    word_start = max(text.rfind(" ", 0, punct_at), text.rfind("\n", 0, punct_at)) + 1
    word = text[word_start:punct_at + 1].lstrip("\"'([")
    core = word[:-1].lower().rsplit("-", 1)[-1]  # "Minneapolis-St. Paul"
    if core in _NEVER_FINAL:
        return False
    if len(core) == 1 and core.isalpha():  # an initial: "J. Smith"
        return False
    opener = re.sub(r"\W+$", "", following).lower()
    if core in _MAYBE_FINAL or _ACRONYM_RE.fullmatch(word):
        return opener in _OPENERS
    return True


def sentences(text: str) -> list[Span]:
    """Sentence spans for wire text, trimmed of surrounding whitespace.

    Paragraph breaks are always boundaries; "U.S." and company suffixes end a
    sentence only before a typical opener; decimals never split.

    >>> t = ("Output rose 5.93 pct in the U.S. economy, Mr. Smith said. "
    ...      "It fell 2 mln dlrs.\\n    New para")
    >>> [t[a:b] for a, b in sentences(t)]
    ['Output rose 5.93 pct in the U.S. economy, Mr. Smith said.', 'It fell 2 mln dlrs.', 'New para']
    >>> t = "Sales went to the U.S. The rest went to Japan."
    >>> [t[a:b] for a, b in sentences(t)]
    ['Sales went to the U.S.', 'The rest went to Japan.']
    """
    cuts = {m.start() for m in _HARD_BREAK_RE.finditer(text)}
    for m in _CANDIDATE_RE.finditer(text):
        if _is_boundary(text, m.start(), m.end()):
            cuts.add(m.end())
    spans: list[Span] = []
    prev = 0
    for cut in sorted(cuts) + [len(text)]:
        seg = text[prev:cut]
        stripped = seg.strip()
        if stripped:
            a = prev + (len(seg) - len(seg.lstrip()))
            spans.append((a, a + len(stripped)))
        prev = cut
    return spans


# --------------------------------------------------------------------------
# Disjoint selection

_WORD_RE = re.compile(r"\w+")
_MULT = np.uint64(0x9E3779B97F4A7C15)


def words(text: str) -> list[str]:
    """Lowercased word tokens, the unit every benchmark n-gram is built from."""
    return _WORD_RE.findall(text.lower())


def _ngram_keys(ids: np.ndarray, n: int) -> np.ndarray:
    # A polynomial hash over word ids in wrapping uint64: deterministic across
    # processes, unlike hash(str) under PYTHONHASHSEED.
    if len(ids) < n:
        return np.empty(0, dtype=np.uint64)
    acc = np.zeros(len(ids) - n + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(n):
            acc = acc * _MULT + ids[j:len(ids) - n + 1 + j]
    return acc


def select_disjoint(articles: Sequence[Article], n: int | None, ngram: int = 8,
                    seed: int = 0) -> list[Article]:
    """Up to ``n`` articles (all that qualify when None), in a seeded random
    order, no two of which share a run of ``ngram`` lowercased words.

    Reuters itself re-sends and corrects stories; dropping those makes every
    reuse in a built benchmark a planted one.  Stories that repeat a run
    within themselves (a lead pasted twice) are dropped too: a copy of either
    occurrence would match both.  Greedy, so the result is a maximal (not
    maximum) disjoint set.
    """
    order = list(range(len(articles)))
    random.Random(seed).shuffle(order)
    vocab: dict[str, int] = {}
    seen: set[int] = set()
    picked: list[Article] = []
    for i in order:
        if n is not None and len(picked) >= n:
            break
        toks = words(articles[i].body)
        ids = np.fromiter((vocab.setdefault(t, len(vocab) + 1) for t in toks),
                          dtype=np.uint64, count=len(toks))
        grams = _ngram_keys(ids, ngram).tolist()
        keys = set(grams)
        if len(keys) == len(grams) and keys.isdisjoint(seen):
            seen |= keys
            picked.append(articles[i])
    return picked
