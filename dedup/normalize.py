"""Text for matching, with a map back to the original.

Matching wants text that ignores what copy-editing and broken pipelines change
(case, accents, quote and dash styles, line wrapping, mojibake); reporting wants
offsets into the text the user gave us. :func:`normalize` gives both: the
normalised string and, for every normalised character, the half-open span of
original characters it came from.

Tokens for signatures are cut from the normalised text by
:func:`tokenize_batch`, vectorised over many documents at once.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

from .hashing import byte_string_hashes

__all__ = [
    "NormalizedText", "normalize", "texts_for_tokens", "TokenBatch", "tokenize_batch",
    "repair_mojibake",
]


@dataclass(frozen=True, eq=False)
class NormalizedText:
    """A document's text as matched, and where each character came from.

    ``starts[i]:ends[i]`` is the span of the original text that produced
    normalised character ``i``. ``None`` arrays mean the identity map (pure
    ASCII text with single spaces, the common case, costs no memory).
    """

    text: str
    original_length: int
    starts: np.ndarray | None = None
    ends: np.ndarray | None = None

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        """Map a half-open span of normalised text to the original text."""
        if self.starts is None or self.ends is None:
            return start, end
        if start >= end:
            pos = int(self.starts[start]) if start < len(self.text) else self.original_length
            return pos, pos
        return int(self.starts[start]), int(self.ends[end - 1])


# Punctuation that news pipelines swap freely; folded so that matching (and
# later alignment) does not see a difference between the styles.
_PUNCT_FOLD = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2039": "'", "\u203a": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    # A dagger where a no-break space was is a mojibake artefact seen in real
    # scraped news ("on\u2020the sidelines"); a real dagger is noise for matching.
    "\u2020": " ", "\u2021": " ",
}

# cp1252 bytes 0x80-0x9f map to these characters; latin-1 covers the rest.
_CP1252_HIGH = bytes(range(0x80, 0xA0)).decode("cp1252", errors="replace")
_BYTE_OF = {c: 0x80 + i for i, c in enumerate(_CP1252_HIGH) if c != "\ufffd"}
_BYTE_OF.update({chr(b): b for b in range(0xA0, 0x100)})
for _b in (0x81, 0x8D, 0x8F, 0x90, 0x9D):  # undefined in cp1252: decoders pass them through as C1 controls
    _BYTE_OF[chr(_b)] = _b
_CONT = "".join(sorted(c for c, b in _BYTE_OF.items() if 0x80 <= b < 0xC0))
# UTF-8 read as cp1252/latin-1: a lead byte shown as \u00c2-\u00f4 followed by
# exactly as many continuation bytes as the lead announces. A greedy {1,3} would
# swallow a following continuation-like character ("\u00c5\x81\u00a1"), fail to
# decode and leave a valid sequence ("\u00c5\x81", "\u0142") unrepaired, so that a
# passage would normalise differently from the document it was cut from.
_CONT_CLASS = "[" + re.escape(_CONT) + "]"
_MOJIBAKE = re.compile(
    f"[\u00c2-\u00df]{_CONT_CLASS}|[\u00e0-\u00ef]{_CONT_CLASS}{{2}}|[\u00f0-\u00f4]{_CONT_CLASS}{{3}}"
)

# Runs of anything but printable ASCII: whitespace runs and non-ASCII text.
_SPECIAL = re.compile(r"[^\x21-\x7e]{2,}|[^\x21-\x7e ]")
_SPACE_OR_NOT = re.compile(r"\s+|\S+")
_SPACE_RUN = re.compile(" {2,}")


def _unmojibake(seq: str) -> str | None:
    """Decode one mojibake sequence, or None when it is not valid UTF-8."""
    try:
        decoded = bytes(_BYTE_OF[c] for c in seq).decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return None
    return decoded if len(decoded) == 1 else None


def repair_mojibake(text: str) -> str:
    """Return ``text`` with UTF-8-read-as-cp1252 sequences decoded (no offsets)."""
    return _MOJIBAKE.sub(lambda m: _unmojibake(m.group()) or m.group(), text)


@lru_cache(maxsize=65536)
def _fold_char(c: str) -> str:
    """The matching form of one non-ASCII or whitespace character."""
    if c in _PUNCT_FOLD:
        return _PUNCT_FOLD[c]
    category = unicodedata.category(c)
    if category[0] == "Z" or c.isspace():
        return " "
    if category in ("Cc", "Cf", "Mn", "Me"):
        # Zero-width and control characters are invisible injections; marks
        # are dropped so matching ignores diacritics consistently.
        return ""
    folded = unicodedata.normalize("NFKC", c).casefold()
    decomposed = unicodedata.normalize("NFKD", folded)
    if any(unicodedata.category(x) == "Mn" for x in decomposed):
        folded = "".join(x for x in decomposed if unicodedata.category(x) != "Mn")
    out = []
    for x in folded:
        x = _PUNCT_FOLD.get(x, x)
        cat = unicodedata.category(x)
        # Non-ASCII punctuation and symbols separate words, like ASCII ones.
        out.append(" " if ord(x) > 127 and cat[0] in "PSZC" else x)
    return "".join(out)


class _Builder:
    """Accumulates normalised pieces and the original spans they came from.

    A piece is either aligned character for character with the original
    (``origin`` given, span None) or replaces one original span as a whole.
    """

    def __init__(self) -> None:
        self.pieces: list[str] = []
        self.origins: list[int] = []
        self.span_ends: list[int] = []  # -1 for character-aligned pieces
        self.length = 0
        self.stretch: list[tuple[int, int]] = []  # (normalised index, new original end)

    def same_length(self, piece: str, origin: int) -> None:
        if piece:
            self.pieces.append(piece)
            self.origins.append(origin)
            self.span_ends.append(-1)
            self.length += len(piece)

    def replaced(self, piece: str, start: int, end: int) -> None:
        if piece:
            self.pieces.append(piece)
            self.origins.append(start)
            self.span_ends.append(end)
            self.length += len(piece)
        elif self.length:
            # A dropped character (combining mark, zero-width space) belongs
            # to the character before it, so spans ending there include it.
            self.stretch.append((self.length - 1, end))

    def build(self, original_length: int) -> NormalizedText:
        lengths = np.fromiter(map(len, self.pieces), dtype=np.int64, count=len(self.pieces))
        origins = np.repeat(np.asarray(self.origins, dtype=np.int64), lengths)
        span_ends = np.repeat(np.asarray(self.span_ends, dtype=np.int64), lengths)
        piece_first = np.repeat(np.cumsum(lengths) - lengths, lengths)
        aligned = span_ends < 0
        starts = origins + np.where(aligned, np.arange(len(origins)) - piece_first, 0)
        ends = np.where(aligned, starts + 1, span_ends)
        for index, end in self.stretch:
            ends[index] = max(ends[index], end)
        text = "".join(self.pieces)
        if "  " in text:
            # Characters that fold to a space (a dagger, a symbol) or vanish (a
            # zero-width space) next to whitespace leave runs of spaces; fold
            # them into one so that the output is normalised itself
            # (normalize(n.text).text == n.text). The kept space spans them all.
            chars = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
            space = chars == 32
            keep = np.flatnonzero(~(space & np.concatenate(([False], space[:-1]))))
            starts, ends = starts[keep], np.maximum.reduceat(ends, keep)
            text = _SPACE_RUN.sub(" ", text)
        return NormalizedText(text, original_length, starts, ends)


def _emit_special(b: _Builder, text: str, start: int, end: int) -> None:
    """Normalise one run of whitespace and non-ASCII characters."""
    for part in _SPACE_OR_NOT.finditer(text, start, end):
        if part.group().isspace():
            b.replaced(" ", part.start(), part.end())
        else:
            _emit_word_run(b, text, part.start(), part.end())


def _emit_word_run(b: _Builder, text: str, start: int, end: int) -> None:
    run = text[start:end]
    pos = start
    for m in _MOJIBAKE.finditer(run):
        fixed = _unmojibake(m.group())
        if fixed is None:
            continue
        _emit_chars(b, text, pos, start + m.start())
        b.replaced(_fold_char(fixed), start + m.start(), start + m.end())
        pos = start + m.end()
    _emit_chars(b, text, pos, end)


def _emit_chars(b: _Builder, text: str, start: int, end: int) -> None:
    folded = [_fold_char(c) for c in text[start:end]]
    if all(len(f) == 1 for f in folded):
        b.same_length("".join(folded), start)
        return
    for i, f in enumerate(folded, start):
        b.replaced(f, i, i + 1)


def normalize(text: str) -> NormalizedText:
    """Normalise ``text`` for matching and keep the map back to it.

    NFKC, case folding, diacritics removed, quotes and dashes folded to ASCII,
    runs of whitespace (including line breaks and no-break spaces) folded to
    one space, invisible characters dropped, and UTF-8 mojibake repaired
    (``â€™`` becomes ``'``).

    >>> n = normalize("The  Office\\u2019s \\u201cfive\\u201d")
    >>> n.text
    'the office\\'s "five"'
    >>> n.span_to_original(4, 10)
    (5, 11)
    """
    if text.isascii():
        return _normalize_ascii(text)
    result = _normalize_once(text)
    # Folding can bring characters together that read as mojibake themselves
    # ("\u00c6\u00c2\x81\u0192\u0192": the C1 control is dropped and "\u00e6\u0192\u0192"
    # is what a CJK character looks like in cp1252). Normalise again until
    # nothing changes (a few passes at most), so that the output is its own
    # normal form; real text almost never needs a second pass.
    for _ in range(3):
        if _MOJIBAKE.search(result.text) is None:
            break
        again = _normalize_once(result.text)
        if again.text == result.text:
            break
        assert result.starts is not None and result.ends is not None and again.starts is not None
        result = NormalizedText(again.text, len(text), result.starts[again.starts], result.ends[again.ends - 1])
    return result


_ASCII_LOWER = np.arange(256, dtype=np.uint8)
_ASCII_LOWER[ord("A") : ord("Z") + 1] += 32
_ASCII_SPACE = np.zeros(256, dtype=bool)
_ASCII_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32]] = True  # what str.isspace() calls space
_ASCII_DROPPED = np.zeros(256, dtype=bool)
_ASCII_DROPPED[[c for c in range(32) if not _ASCII_SPACE[c]] + [127]] = True


def _normalize_ascii(text: str) -> NormalizedText:
    """The common case, in a few byte-array passes: lower case, whitespace runs
    folded to one space, control characters dropped."""
    if _SPECIAL.search(text) is None:
        return NormalizedText(text.lower(), len(text))
    raw = np.frombuffer(text.encode("ascii"), dtype=np.uint8)
    if _ASCII_DROPPED[raw].any():
        return _normalize_vectorised(text)
    space = _ASCII_SPACE[raw]
    keep = np.flatnonzero(~(space & np.concatenate(([False], space[:-1]))))
    out = _ASCII_LOWER[raw[keep]]
    out[space[keep]] = 32
    # A kept character spans up to the next kept one: one character, or a whole whitespace run.
    ends = np.append(keep[1:], len(raw))
    return NormalizedText(out.tobytes().decode("ascii"), len(raw), keep, ends)


def _normalize_once(text: str) -> NormalizedText:
    if _MOJIBAKE.search(text) is None:
        return _normalize_vectorised(text)
    return _normalize_with_builder(text)


def _ascii_folds() -> list[str]:
    return [_fold_char(chr(c)) if c < 33 or c == 127 else chr(c).lower() for c in range(128)]


_ASCII_FOLDS = _ascii_folds()


def _normalize_vectorised(text: str) -> NormalizedText:
    """The same normal form as the builder, computed on code point arrays.

    Every character folds on its own (text without mojibake needs no
    lookahead), so a table of folds for the characters present, expanded
    with ``np.repeat``, gives the output and its map in a few numpy passes.
    """
    cp = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    n = len(cp)
    high = np.unique(cp[cp >= 128])
    folds = _ASCII_FOLDS + [_fold_char(chr(c)) for c in high.tolist()]
    key = np.where(cp < 128, cp, 128 + np.searchsorted(high, cp)).astype(np.int64)
    fold_len = np.fromiter(map(len, folds), dtype=np.int64, count=len(folds))
    fold_start = np.cumsum(fold_len) - fold_len
    table = np.frombuffer("".join(folds).encode("utf-32-le"), dtype=np.uint32)
    lengths = fold_len[key]
    source = np.repeat(np.arange(n, dtype=np.int64), lengths)
    within = np.arange(len(source), dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    out = table[np.repeat(fold_start[key], lengths) + within]
    # A character that folds to nothing (a control, a mark, a zero-width
    # space) belongs to the character before it: ends run to the next
    # character that produced output.
    producing = np.where(lengths > 0, np.arange(n, dtype=np.int64), n)
    next_producing = np.append(np.minimum.accumulate(producing[::-1])[::-1], n)
    ends = next_producing[source + 1]
    space = out == 32
    keep = np.flatnonzero(~(space & np.concatenate(([False], space[:-1]))))
    starts = source[keep]
    ends = np.maximum.reduceat(ends, keep) if len(keep) else ends[:0]
    return NormalizedText(out[keep].tobytes().decode("utf-32-le"), n, starts, ends)


def _normalize_with_builder(text: str) -> NormalizedText:
    b = _Builder()
    pos = 0
    for m in _SPECIAL.finditer(text):
        if m.start() > pos:
            b.same_length(text[pos : m.start()].lower(), pos)
        _emit_special(b, text, m.start(), m.end())
        pos = m.end()
    if pos < len(text):
        b.same_length(text[pos:].lower(), pos)
    return b.build(len(text))




def texts_for_tokens(texts: Sequence[str]) -> list[NormalizedText]:
    """What :func:`tokenize_batch` needs of each text, as cheaply as possible.

    Tokens ignore whitespace, so ASCII text without control characters needs
    only lower-casing (with the identity map); anything else goes through
    :func:`normalize`. The tokens are the same either way.
    """
    ascii_texts = [i for i, t in enumerate(texts) if t.isascii()]
    clean = np.zeros(len(texts), dtype=bool)
    if ascii_texts:
        # One pass over the batch's bytes instead of a regex per text.
        joined = np.frombuffer("\n".join(texts[i] for i in ascii_texts).encode("ascii"), dtype=np.uint8)
        control = (joined <= 0x08) | ((joined >= 0x0E) & (joined <= 0x1B)) | (joined == 0x7F)
        lengths = np.array([len(texts[i]) + 1 for i in ascii_texts], dtype=np.int64)
        ends = np.cumsum(lengths)
        dirty = np.unique(np.searchsorted(ends, np.flatnonzero(control), side="right"))
        clean[ascii_texts] = True
        clean[np.asarray(ascii_texts)[dirty]] = False
    return [NormalizedText(t.lower(), len(t)) if ok else normalize(t) for t, ok in zip(texts, clean.tolist())]


# ---------------------------------------------------------------------------
# Tokens


@dataclass(frozen=True, eq=False)
class TokenBatch:
    """Tokens of many documents, as flat arrays.

    Document ``d`` owns tokens ``doc_offsets[d]:doc_offsets[d+1]``. ``starts``
    and ``ends`` are half-open character offsets into each document's
    *original* text; ``hashes`` are 64-bit hashes of the normalised token,
    independent of the batch a document came in.
    """

    doc_offsets: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    hashes: np.ndarray

    def __len__(self) -> int:
        return len(self.doc_offsets) - 1


def tokenize_batch(texts: Sequence[NormalizedText]) -> TokenBatch:
    """Cut every normalised text into tokens and hash them, in one numpy pass.

    A token is a run of ASCII letters and digits or of non-ASCII letters; in
    scripts written without spaces (CJK ideographs, kana, hangul) every
    character is a token of its own, so n-gram shingles become character
    n-grams there.
    """
    encoded = [t.text.encode("utf-8") for t in texts]
    # A separator byte keeps tokens from running across documents.
    buf = np.frombuffer(b"\n".join(encoded) + b"\n", dtype=np.uint8)
    byte_doc_starts = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) + 1 for e in encoded], out=byte_doc_starts[1:])

    ascii_only = not (buf >= 0x80).any()
    with np.errstate(over="ignore"):
        starts_b, ends_b, hashes = _tokens_of_buffer(buf, ascii_only)
    doc_offsets = np.searchsorted(starts_b, byte_doc_starts)
    counts = np.diff(doc_offsets)
    if ascii_only:  # bytes are characters
        norm_starts = starts_b - np.repeat(byte_doc_starts[:-1], counts)
        norm_ends = ends_b - np.repeat(byte_doc_starts[:-1], counts)
    else:
        char_index = np.cumsum((buf & 0xC0) != 0x80, dtype=np.int64) - 1
        char_index = np.append(char_index, char_index[-1] + 1)
        doc_char_starts = np.repeat(char_index[byte_doc_starts[:-1]], counts)
        norm_starts = char_index[starts_b] - doc_char_starts
        norm_ends = char_index[ends_b] - doc_char_starts

    orig_starts, orig_ends = norm_starts, norm_ends
    if any(t.starts is not None for t in texts):
        orig_starts, orig_ends = norm_starts.copy(), norm_ends.copy()
        for d, t in enumerate(texts):
            if t.starts is not None:
                lo, hi = doc_offsets[d], doc_offsets[d + 1]
                orig_starts[lo:hi] = t.starts[norm_starts[lo:hi]]
                orig_ends[lo:hi] = t.ends[norm_ends[lo:hi] - 1]
    return TokenBatch(doc_offsets.astype(np.int64), orig_starts, orig_ends, hashes)


def _tokens_of_buffer(buf: np.ndarray, ascii_only: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Token byte spans and hashes of a UTF-8 buffer of normalised text."""
    n = len(buf)
    if n == 0:
        empty = np.zeros(0, np.int64)
        return empty, empty, np.zeros(0, np.uint64)
    word = ((buf >= 0x30) & (buf <= 0x39)) | ((buf >= 0x61) & (buf <= 0x7A)) | (buf >= 0x80)
    prev_word = np.concatenate(([False], word[:-1]))
    if ascii_only:
        start_mask = word & ~prev_word
        end_mask = np.concatenate((prev_word & ~word, [word[-1]]))
    else:
        is_char_start = (buf & 0xC0) != 0x80
        # Lead bytes 0xE3-0xED start the code points U+3000-U+DFFF: CJK, kana, hangul.
        char_id = np.cumsum(is_char_start) - 1
        lead = buf[is_char_start]
        cjk = ((lead >= 0xE3) & (lead <= 0xED))[char_id]
        prev_cjk = np.concatenate(([False], cjk[:-1]))
        splits_here = is_char_start & (cjk | prev_cjk)
        start_mask = word & is_char_start & (~prev_word | splits_here)
        end_mask = np.concatenate((prev_word & (~word | splits_here), [word[-1]]))
    starts = np.flatnonzero(start_mask)
    ends = np.flatnonzero(end_mask)
    return starts, ends, byte_string_hashes(buf, starts, ends - starts)
