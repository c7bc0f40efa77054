"""normalize and tokenize_batch: text for matching, and offsets back to the original."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.normalize import normalize, repair_mojibake, tokenize_batch

# ---------------------------------------------------------------------------
# A slow reference tokenizer, to hold the vectorised one against (the
# RapidFuzz habit: fast path checked against an obvious one).


def _is_word(c: str) -> bool:
    return "0" <= c <= "9" or "a" <= c <= "z" or ord(c) >= 128


def _is_cjk(c: str) -> bool:
    return 0x3000 <= ord(c) <= 0xDFFF


def reference_tokens(norm: str) -> list[tuple[int, int]]:
    """Spans of tokens in normalised text: runs of word characters, CJK one by one."""
    spans, i = [], 0
    while i < len(norm):
        if not _is_word(norm[i]):
            i += 1
        elif _is_cjk(norm[i]):
            spans.append((i, i + 1))
            i += 1
        else:
            j = i
            while j < len(norm) and _is_word(norm[j]) and not _is_cjk(norm[j]):
                j += 1
            spans.append((i, j))
            i = j
    return spans


def token_hash(token: str) -> int:
    """The hash a normalised token gets when it is the only text of a batch."""
    batch = tokenize_batch([normalize(token)])
    assert len(batch.hashes) == 1, token
    return int(batch.hashes[0])


def tokens_of(text: str) -> list[str]:
    """Original text of each token of ``text``."""
    batch = tokenize_batch([normalize(text)])
    return [text[s:e] for s, e in zip(batch.starts.tolist(), batch.ends.tolist())]


# ---------------------------------------------------------------------------
# normalize: what it folds


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        # NFKC: ligatures, full-width forms, circled and roman numerals.
        ("\ufb01nance", "finance"),
        ("\uff21\uff22\uff23 123", "abc 123"),
        ("\u2460 \u216b", "1 xii"),
        # Case folding, not just lower().
        ("Stra\u00dfe", "strasse"),
        ("\u0391\u0398\u0397\u039d\u0391", "\u03b1\u03b8\u03b7\u03bd\u03b1"),
        # Diacritics: precomposed and combining.
        ("Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e", "cafe creme brulee"),
        ("Cafe\u0301 nin\u0303o", "cafe nino"),
        ("S\u00e3o Paulo, Z\u00fcrich, \u0141\u00f3d\u017a", "sao paulo, zurich, \u0142odz"),
        # Quotes and dashes to ASCII.
        ("\u201cIt\u2019s\u201d \u2018ok\u2019 \u00abyes\u00bb", "\"it's\" 'ok' \"yes\""),
        ("2010\u20132020 \u2014 then\u2212now", "2010-2020 - then-now"),
        # Whitespace of every kind folded to one space.
        ("a \t b\r\nc\n\n\nd\u00a0e\u2003f\u3000g", "a b c d e f g"),
        # Invisible characters dropped.
        ("zero\u200bwidth\u200d joiner\ufeff", "zerowidth joiner"),
        # Mojibake: UTF-8 read as cp1252.
        ("it\u00e2\u20ac\u2122s", "it's"),
        ("caf\u00c3\u00a9", "cafe"),
        ("\u00e2\u20ac\u0153quoted\u00e2\u20ac\x9d", '"quoted"'),
        ("Gda\u00c5\u201esk", "gdansk"),
        # A valid sequence followed by a character that could continue one.
        ("\u00c5\x81\u00a1Hola", "\u0142 hola"),
        # ASCII fast path: lower case only.
        ("The Office", "the office"),
    ],
)
def test_normalize_folds(original, expected):
    assert normalize(original).text == expected


def test_mojibake_repair_without_offsets():
    assert repair_mojibake("it\u00e2\u20ac\u2122s caf\u00c3\u00a9") == "it\u2019s caf\u00e9"
    # Sequences that are not valid UTF-8 stay as they are.
    assert repair_mojibake("\u00c3 la carte") == "\u00c3 la carte"


def test_seed_002_daggers_match_plain_spaces(seeds_dir):
    """Seed 002 has "on\u2020the sidelines of\u2020the" where a no-break space was."""
    text = (seeds_dir / "002_00f4e87b33418616.txt").read_text(encoding="utf-8")
    damaged = "on\u2020the sidelines of\u2020the"
    start = text.index(damaged)
    assert "on the sidelines of the general debate" in normalize(text).text

    batch = tokenize_batch([normalize(text), normalize("on the sidelines of the")])
    first = batch.doc_offsets[0] + int(np.searchsorted(batch.starts[: batch.doc_offsets[1]], start))
    damaged_hashes = batch.hashes[first : first + 5].tolist()
    clean_hashes = batch.hashes[batch.doc_offsets[1] :].tolist()
    assert damaged_hashes == clean_hashes
    assert [text[s:e] for s, e in zip(batch.starts[first : first + 5], batch.ends[first : first + 5])] == [
        "on", "the", "sidelines", "of", "the",
    ]


def test_span_to_original_through_replacements():
    text = "The  Office\u2019s \u201cfive\u201d it\u00e2\u20ac\u2122s"
    n = normalize(text)
    assert n.text == "the office's \"five\" it's"
    assert n.span_to_original(4, 10) == (5, 11)  # "office" after a folded double space
    apostrophe = n.text.rindex("'")
    assert text[slice(*n.span_to_original(apostrophe, apostrophe + 1))] == "\u00e2\u20ac\u2122"
    assert n.span_to_original(0, len(n.text)) == (0, len(text))


def test_dropped_marks_belong_to_the_character_before():
    text = "Cafe\u0301 au lait"
    n = normalize(text)
    assert n.text == "cafe au lait"
    assert text[slice(*n.span_to_original(0, 4))] == "Cafe\u0301"


def test_ascii_text_costs_no_offset_arrays():
    n = normalize("plain ascii text, single spaces.")
    assert n.starts is None and n.span_to_original(6, 11) == (6, 11)


def test_empty_text():
    n = normalize("")
    assert n.text == "" and n.original_length == 0
    assert len(tokenize_batch([n]).hashes) == 0


@pytest.mark.parametrize(
    "text",
    [
        " \U00018d09",  # unassigned code point folds to a space beside a space
        "by \u2020 the",  # dagger beside spaces
        "a \u200b b",  # zero-width space between spaces
        "\u00c5\x81\u00a1",  # valid mojibake followed by a continuation-like character
        "\u00c6\u00c2\x81\u0192\u0192",  # folding leaves text that reads as mojibake
    ],
)
def test_normalize_is_idempotent_on_found_cases(text):
    once = normalize(text).text
    assert normalize(once).text == once


# ---------------------------------------------------------------------------
# tokenize_batch


def test_cjk_characters_are_single_tokens():
    text = "\u6771\u4eac\u90fd\u306f Tokyo \ud55c\uad6d\uc5b4"
    assert tokens_of(text) == ["\u6771", "\u4eac", "\u90fd", "\u306f", "Tokyo", "\ud55c", "\uad6d", "\uc5b4"]


def test_tokens_are_words_of_letters_and_digits():
    assert tokens_of("U.N. resolution 71/291, it's \u201cfine\u201d") == [
        "U", "N", "resolution", "71", "291", "it", "s", "fine",
    ]


def test_token_offsets_point_into_the_original():
    text = "Caf\u00e9\r\n\r\nna\u00efve it\u00e2\u20ac\u2122s \ufb01ne \u00c3\u00a9t\u00c3\u00a9"
    assert tokens_of(text) == ["Caf\u00e9", "na\u00efve", "it", "s", "\ufb01ne", "\u00c3\u00a9t\u00c3\u00a9"]


def test_token_hashes_do_not_depend_on_batch_or_position():
    docs = ["Reuters reported the deal on Monday.", "\u6771\u4eac caf\u00e9 deal", "", "deal deal"]
    alone = [tokenize_batch([normalize(d)]).hashes.tolist() for d in docs]
    for batch_docs in (docs, docs[::-1], ["padding words first"] * 3 + docs):
        batch = tokenize_batch([normalize(d) for d in batch_docs])
        for k, d in enumerate(batch_docs):
            got = batch.hashes[batch.doc_offsets[k] : batch.doc_offsets[k + 1]].tolist()
            if d in docs:
                assert got == alone[docs.index(d)]
    # The same word hashes the same wherever it is; different words differ.
    deal = token_hash("deal")
    assert alone[0][3] == alone[1][3] == alone[3][0] == alone[3][1] == deal
    assert len(set(alone[0])) == len(alone[0])


def test_token_hashes_tell_words_apart_at_every_length():
    # The hash reads a token's first 16 bytes as two words and folds in the
    # tail eight bytes at a time: differences in each part must show.
    base = "internationalisationalisms2024x"
    words = [base[:n] for n in range(1, len(base) + 1)]
    for i in range(len(base)):
        words.append(base[:i] + ("q" if base[i] != "q" else "z") + base[i + 1 :])
    words += ["\u043a\u043e\u043d\u0442\u0440\u0442\u0435\u0440\u0440\u043e\u0440\u0438\u0437\u043c",
              "\u043a\u043e\u043d\u0442\u0440\u0442\u0435\u0440\u0440\u043e\u0440\u0438\u0437\u043c\u0430",
              "9" * 200, "9" * 199 + "8", "8" + "9" * 199]
    hashes = tokenize_batch([normalize(" ".join(words))]).hashes.tolist()
    assert len(hashes) == len(words) == len(set(hashes))
    assert [token_hash(w) for w in words] == hashes


@given(st.lists(st.text(alphabet="ab9\u00e9\u0436\u6771", min_size=1, max_size=40), min_size=2, max_size=30))
def test_equal_hashes_mean_equal_tokens(words):
    text = " ".join(words)
    batch = tokenize_batch([normalize(text)])
    tokens = [normalize(text[s:e]).text for s, e in zip(batch.starts.tolist(), batch.ends.tolist())]
    by_hash: dict[int, str] = {}
    for h, t in zip(batch.hashes.tolist(), tokens):
        assert by_hash.setdefault(h, t) == t


def test_tokens_never_run_across_documents():
    batch = tokenize_batch([normalize("end"), normalize("start")])
    assert batch.doc_offsets.tolist() == [0, 1, 2]
    assert batch.hashes.tolist() == [token_hash("end"), token_hash("start")]


def test_empty_batch():
    batch = tokenize_batch([])
    assert len(batch) == 0 and batch.doc_offsets.tolist() == [0] and len(batch.hashes) == 0


# ---------------------------------------------------------------------------
# Properties over arbitrary Unicode

_PIECES = [
    *"abcXYZ019 .,;'\"-\t\n\r", "\r\n", "\u0301", "\u0308", "\u0327", "\u00e9", "\u00c9", "\u00df", "\ufb01",
    "\u6771", "\u4eac", "\ud55c", "\u30a2", "\u3002", "\u200b", "\u200d", "\ufeff", "\u00a0", "\u2020",
    "\u00e2\u20ac\u2122", "\u00c3\u00a9", "\u00e2\u20ac\u0153", "\u00c3", "\u00e2\u20ac", "\u00c5\x81",
    "\U0001f600", "\U0001f44d\U0001f3fd", "\u2019", "\u201c", "\u2014", "\u0130", "\u01c5", "\u216b",
    "\u2460", "\u0e01\u0e31", "\u0627\u0644", "\ufdfa",
]
TEXTS = st.one_of(
    st.lists(st.sampled_from(_PIECES), max_size=40).map("".join),
    st.text(max_size=40),
)
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(TEXTS)
def test_every_token_slices_back_to_text_that_normalises_to_it(text):
    n = normalize(text)
    batch = tokenize_batch([n])
    expected = reference_tokens(n.text)
    assert batch.doc_offsets.tolist() == [0, len(expected)]
    for (s, e), start, end, h in zip(expected, batch.starts.tolist(), batch.ends.tolist(), batch.hashes.tolist()):
        token = n.text[s:e]
        assert 0 <= start < end <= len(text)
        assert token in normalize(text[start:end]).text
        assert h == token_hash(token)


@PROPERTY
@given(TEXTS)
def test_span_to_original_gives_valid_bounds(text):
    n = normalize(text)
    length = len(n.text)
    if n.starts is not None:
        assert len(n.starts) == len(n.ends) == length
        assert np.all(np.diff(n.starts) >= 0) and np.all(n.ends > n.starts)
    for s in range(length + 1):
        for e in range(s, length + 1):
            a, b = n.span_to_original(s, e)
            assert 0 <= a <= b <= len(text)
            if e > s:
                assert b > a


@PROPERTY
@given(TEXTS)
def test_normalize_is_idempotent(text):
    once = normalize(text).text
    assert normalize(once).text == once


def test_real_wire_copy_tokens_slice_back(reuters_docs):
    texts = [d.text for d in reuters_docs[:200]]
    normalized = [normalize(t) for t in texts]
    batch = tokenize_batch(normalized)
    for k, (text, n) in enumerate(zip(texts, normalized)):
        lo, hi = batch.doc_offsets[k], batch.doc_offsets[k + 1]
        assert hi - lo == len(reference_tokens(n.text))
        for start, end in zip(batch.starts[lo:hi].tolist(), batch.ends[lo:hi].tolist()):
            piece = text[start:end]
            assert piece.strip() == piece != "" and normalize(piece).text.isalnum()
        assert normalize(n.text).text == n.text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.one_of(st.characters(max_codepoint=127), st.sampled_from("\u00e9\u00a0\u2019")),
                        max_size=80), min_size=1, max_size=6))
def test_texts_for_tokens_gives_the_tokens_of_normalize(texts):
    from dedup.normalize import texts_for_tokens

    fast, full = tokenize_batch(texts_for_tokens(texts)), tokenize_batch([normalize(t) for t in texts])
    for field in ("doc_offsets", "starts", "ends", "hashes"):
        assert np.array_equal(getattr(fast, field), getattr(full, field))
