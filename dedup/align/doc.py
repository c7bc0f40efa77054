"""What alignment sees of a document, what it returns, and how two stretches
compare: their facts (is it a filled-in form?) and their similarity."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..grammar import function_word_mask
from ..normalize import TokenBatch, normalize
from ..segment import sentence_spans


@dataclass(frozen=True, eq=False)
class AlignDoc:
    """One document as alignment sees it: original text and its tokens."""

    id: str
    text: str
    starts: np.ndarray  # token start offsets in ``text``
    ends: np.ndarray
    hashes: np.ndarray  # uint64 token hashes

    @classmethod
    def from_batch(cls, doc_id: str, text: str, tokens: TokenBatch, index: int) -> "AlignDoc":
        lo, hi = int(tokens.doc_offsets[index]), int(tokens.doc_offsets[index + 1])
        return cls(doc_id, text, tokens.starts[lo:hi], tokens.ends[lo:hi], tokens.hashes[lo:hi])

    # Computed once per document, however many pairs it is aligned in.
    def ngrams(self, n: int) -> "NgramIndex":
        """The document's token n-grams, hashed, and where each distinct one occurs."""
        found = self._ngram_indexes.get(n)
        if found is None:
            found = self._ngram_indexes[n] = NgramIndex.of(self.hashes, n)
        return found

    @cached_property
    def _ngram_indexes(self) -> dict[int, "NgramIndex"]:
        return {}

    @cached_property
    def sentences(self) -> list[tuple[int, int]]:
        return sentence_spans(self.text)

    @cached_property
    def _codes(self) -> tuple[np.ndarray, np.ndarray | None, list[str], np.ndarray | None]:
        """The text's characters as codes below 128 (others as 127); where
        there are others, where they are, the distinct ones, and which of
        those each one is."""
        if self.text.isascii():
            return np.frombuffer(self.text.encode("ascii"), dtype=np.uint8), None, [], None
        codes = np.frombuffer(self.text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        wide = codes >= 128
        distinct, which = np.unique(codes[wide], return_inverse=True)
        return np.minimum(codes, 127).astype(np.uint8), wide, [chr(c) for c in distinct.tolist()], which

    def _flags(self, test: str) -> np.ndarray:
        """``_CHAR_TESTS[test]`` of every character of the text, as a bool array."""
        ascii_codes, wide, distinct, which = self._codes
        out = _ASCII_FLAGS[test][ascii_codes]
        if distinct:
            # A text has few distinct characters outside ASCII: each is tested once.
            check = _CHAR_TESTS[test]
            out[wide] = np.array([check(c) for c in distinct], dtype=bool)[which]
        return out

    @cached_property
    def numbers(self) -> np.ndarray:
        """Which tokens are numbers (``str.isdigit`` of the token)."""
        nondigit = np.concatenate(([0], np.cumsum(~self._flags("isdigit"))))
        return (nondigit[self.ends] == nondigit[self.starts]) & (self.ends > self.starts)

    @cached_property
    def names(self) -> np.ndarray:
        """Which tokens are names: capitalised words, not all capitals, that
        do not start a sentence."""
        starts, ends, flags = self.starts, self.ends, self._flags
        if not len(starts):
            return np.zeros(0, dtype=bool)
        # ``str.isupper`` of a token: no lower- or title-case letter, and an upper-case one.
        lower = np.concatenate(([0], np.cumsum(flags("islower") | flags("istitle_only"))))
        capitalised = flags("isupper")[starts] & (lower[ends] > lower[starts])
        # The character before the token, past spaces and opening quotes.
        passed = flags("isspace") | flags("opens")
        before = np.maximum.accumulate(np.where(passed, -1, np.arange(len(passed))))
        previous = np.where(starts > 0, before[np.maximum(starts - 1, 0)], -1)
        ends_sentence = flags("ends_sentence")
        return capitalised & (previous >= 0) & ~ends_sentence[np.maximum(previous, 0)]

    @cached_property
    def figures(self) -> tuple[np.ndarray, list[str]]:
        """Every figure as written ("7-3/4", "1.6190", "2,000" as "2000"), with its start offset."""
        found = written_figures(self.text)
        return np.array([f[0] for f in found], dtype=np.int64), [f[1] for f in found]

    @cached_property
    def content(self) -> np.ndarray:
        """Which tokens are content words: four characters or more, or a number,
        and not a function word of the document's language."""
        return (((self.ends - self.starts) >= 4) | self.numbers) & ~function_word_mask(self.hashes)


@dataclass(frozen=True, eq=False)
class NgramIndex:
    """A document's token n-grams: ``hashes[k]`` is the n-gram at token k;
    ``distinct`` (ascending) occurs ``counts`` times, at tokens
    ``order[first:first + counts]`` (ascending)."""

    hashes: np.ndarray
    distinct: np.ndarray
    counts: np.ndarray
    first: np.ndarray
    order: np.ndarray

    @classmethod
    def of(cls, tokens: np.ndarray, n: int) -> "NgramIndex":
        count = len(tokens) - n + 1
        if count <= 0:
            empty = np.zeros(0, np.int64)
            return cls(np.zeros(0, np.uint64), np.zeros(0, np.uint64), empty, empty, empty)
        grams = tokens[:count].copy()
        with np.errstate(over="ignore"):
            for k in range(1, n):
                grams = grams * np.uint64(0x9E3779B97F4A7C15) + tokens[k : k + count]
        order = np.argsort(grams, kind="stable")
        ranked = grams[order]
        first = np.flatnonzero(np.concatenate(([True], ranked[1:] != ranked[:-1])))
        counts = np.diff(np.append(first, count))
        return cls(grams, ranked[first], counts, first, order)


@dataclass(frozen=True)
class Alignment:
    """A stretch of ``a`` reused in ``b``: half-open character spans of both originals."""

    a: str
    a_start: int
    a_end: int
    b: str
    b_start: int
    b_end: int
    similarity: float
    tokens: int  # matched tokens (for a rescued paraphrase: the chain that found it)


# A stretch whose wording matches while its facts (figures and names) differ
# is a form filled in twice (earnings tables, dividend notices, two companies'
# bond issues), not a copy: it needs this many distinct facts to tell, and
# a copy, even a heavily edited one, keeps at least this share of them.
TEMPLATE_MIN_FACTS = 5
TEMPLATE_FACT_SHARE = 0.6
_FIGURE = re.compile(r"\d+(?:[.,/-]\d+)*")


def written_figures(text: str) -> list[tuple[int, str]]:
    """(start offset, figure) for every figure as written ("7-3/4", "1.6190"; "2,000" as "2000")."""
    return [(m.start(), m.group().replace(",", "")) for m in _FIGURE.finditer(text)]


def figures_agree(fa: set[str], fb: set[str], share: float, fewest: int = 1) -> bool:
    """Whether each side with at least ``fewest`` figures finds ``share`` of them in the other."""
    shared = len(fa & fb)
    return all(len(f) < fewest or shared >= share * len(f) for f in (fa, fb))


def _figures_in(doc: AlignDoc, t0: int, t1: int) -> set[str]:
    """The figures written within tokens ``t0:t1``."""
    if t1 <= t0:
        return set()
    starts, values = doc.figures
    lo, hi = np.searchsorted(starts, [int(doc.starts[t0]), int(doc.ends[t1 - 1])])
    return set(values[int(lo) : int(hi)])


def _is_template(a: AlignDoc, b: AlignDoc, ta0: int, ta1: int, tb0: int, tb1: int) -> bool:
    """Whether two stretches share their wording but not their facts: the
    distinct names and figures of either that the other's stretch has
    anywhere (so moved sentences and a name written in capitals do not count
    against a copy; a figure counts whole, "1.6190" is not "1.6195").

    A form filled in twice loses its facts both ways. An edited copy can
    lose them one way only: the words an editor put in (a capitalised word
    where a name was, a figure retyped) are facts the source never had, while
    the source's own facts are still in the copy. So one side that keeps its
    facts clears the pair; with too few facts on it to tell, the other side
    decides alone."""
    lost = False
    for x, x0, x1, y, y0, y1 in ((a, ta0, ta1, b, tb0, tb1), (b, tb0, tb1, a, ta0, ta1)):
        # Sets, not np.unique/np.isin: a stretch has a few dozen names, and
        # this runs for every stretch found.
        names = set(x.hashes[x0:x1][x.names[x0:x1]].tolist())
        figures = _figures_in(x, x0, x1)
        total = len(names) + len(figures)
        if total >= TEMPLATE_MIN_FACTS:
            kept = len(names.intersection(y.hashes[y0:y1].tolist())) + len(figures & _figures_in(y, y0, y1))
            if kept >= TEMPLATE_FACT_SHARE * total:
                return False
            lost = True
    return lost


def _similarity(a: str, b: str) -> float:
    from rapidfuzz import fuzz

    return round(fuzz.ratio(normalize(a).text, normalize(b).text) / 100.0, 4)


def _token_span(doc: AlignDoc, start: int, end: int) -> tuple[int, int]:
    """The tokens that start inside a character span."""
    return int(np.searchsorted(doc.starts, start)), int(np.searchsorted(doc.starts, end))


def _tokens_in(doc: AlignDoc, start: int, end: int) -> int:
    return int(np.searchsorted(doc.starts, end) - np.searchsorted(doc.starts, start))


# Per-character tests, as ``str`` methods of one character, for every
# character of a text at once: token tests (``str.isdigit`` of a token, or
# ``str.isupper``, which is "no lower- or title-case character and an
# upper-case one") become sums over runs of characters, not a Python loop.
_CHAR_TESTS = {
    "isdigit": str.isdigit,
    "isupper": str.isupper,
    "islower": str.islower,
    "istitle_only": lambda c: c.istitle() and not c.isupper(),
    "isspace": str.isspace,
    "opens": lambda c: c in "\"'(<",
    "ends_sentence": lambda c: c in ".!?:",
}
_ASCII_FLAGS = {name: np.array([test(chr(c)) for c in range(128)], dtype=bool) for name, test in _CHAR_TESTS.items()}

