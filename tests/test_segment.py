"""segment: paragraphs, sentences, windows and bridges, as numpy columns."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedup
from dedup.normalize import normalize, tokenize_batch
from dedup.segment import PASSAGE_KINDS, paragraph_spans, segment_batch, sentence_spans


def _paragraphs(text: str) -> list[str]:
    return [text[s:e] for s, e in paragraph_spans(text)]


def _sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def _segment(texts, **options):
    tokens = tokenize_batch([normalize(t) for t in texts])
    return tokens, segment_batch(texts, tokens, **options)


def _sentence(i: int) -> str:
    return f"Sentence number {i} says something about the subject at hand."


# ---------------------------------------------------------------------------
# Paragraphs


def test_blank_lines_separate_paragraphs():
    text = "\n\nFirst paragraph,\nstill first.\n\nSecond.\r\n\r\nThird.\n \t \nFourth.\n\n\n"
    assert _paragraphs(text) == ["First paragraph,\nstill first.", "Second.", "Third.", "Fourth."]


def test_wire_copy_hard_wrapped_with_indented_paragraph_starts():
    text = (
        "  WASHINGTON (AP) -- The first paragraph is hard wrapped\n"
        "at a narrow width and goes on\n"
        "on this line.\n"
        "  The second paragraph starts indented\n"
        "and continues here.\n"
        "\tA tab starts the third."
    )
    assert _paragraphs(text) == [
        "WASHINGTON (AP) -- The first paragraph is hard wrapped\nat a narrow width and goes on\non this line.",
        "The second paragraph starts indented\nand continues here.",
        "A tab starts the third.",
    ]


def test_windows_and_old_mac_line_breaks_wrap_lines_without_splitting_paragraphs():
    text = "First line\r\nwraps here.\r\n\r\nSecond\rwraps too.\r\rThird.\r\n  Indented fourth."
    assert _paragraphs(text) == [
        "First line\r\nwraps here.", "Second\rwraps too.", "Third.", "Indented fourth.",
    ]


def test_a_single_indent_space_is_not_a_paragraph_start():
    assert _paragraphs("one line\n continued after a space") == ["one line\n continued after a space"]


def test_no_text_no_paragraphs():
    assert paragraph_spans("") == [] and paragraph_spans(" \n\n \t") == []


# ---------------------------------------------------------------------------
# Sentences


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mr. Smith went to Washington. He met Dr. Jones.", ["Mr. Smith went to Washington.", "He met Dr. Jones."]),
        ("The U.S. Senate voted. The U.K. did not.", ["The U.S. Senate voted.", "The U.K. did not."]),
        ("J. K. Rowling wrote it. Then more.", ["J. K. Rowling wrote it.", "Then more."]),
        ("It rose 3.5 percent. The index fell.", ["It rose 3.5 percent.", "The index fell."]),
        ("Was it? Yes! 2018 was the year.", ["Was it?", "Yes!", "2018 was the year."]),
        ("“Yes,” he said. “No.” She left.", ["“Yes,” he said.", "“No.”", "She left."]),
        ("e.g. this stays whole. and so does this", ["e.g. this stays whole. and so does this"]),
        ("東京です。大阪です。", ["東京です。", "大阪です。"]),
        ("She left. 東京です。", ["She left.", "東京です。"]),
        ("\u0642\u0627\u0644 \u0627\u0644\u0648\u0632\u064a\u0631. \u0648\u0623\u0636\u0627\u0641.",
         ["\u0642\u0627\u0644 \u0627\u0644\u0648\u0632\u064a\u0631.", "\u0648\u0623\u0636\u0627\u0641."]),
    ],
)
def test_sentences(text, expected):
    assert _sentences(text) == expected


def test_sentence_spans_of_a_stretch():
    text = "Skip this. Mr. Smith spoke. He left. Skip that."
    start, end = text.index("Mr."), text.index(" Skip that")
    assert [text[s:e] for s, e in sentence_spans(text, start, end)] == ["Mr. Smith spoke.", "He left."]


# ---------------------------------------------------------------------------
# Passages


def test_paragraphs_become_passages_with_original_offsets():
    text = "  Caf\u00e9 owners in S\u00e3o Paulo said on Monday that prices rose.\r\n\r\nShort one.\r\n\r\n" \
           "Another paragraph with more than eight words of text in it."
    tokens, passages = _segment([text], bridges=False)
    got = [(text[s:e], PASSAGE_KINDS[k]) for s, e, k in zip(passages.start, passages.end, passages.kind)]
    assert got == [
        ("Caf\u00e9 owners in S\u00e3o Paulo said on Monday that prices rose.", "paragraph"),
        ("Another paragraph with more than eight words of text in it.", "paragraph"),
    ]
    # token_start/token_end index exactly the batch's tokens inside the passage.
    for s, e, t0, t1 in zip(passages.start, passages.end, passages.token_start, passages.token_end):
        inside = np.flatnonzero((tokens.starts >= s) & (tokens.ends <= e))
        assert inside.tolist() == list(range(t0, t1))
        assert tokens.starts[t0] == s


def test_long_paragraphs_become_overlapping_sentence_windows():
    text = " ".join(_sentence(i) for i in range(10))
    sentences = sentence_spans(text)
    assert len(sentences) == 10
    _, passages = _segment([text], max_tokens=40, window=3, stride=2)
    assert {PASSAGE_KINDS[k] for k in passages.kind} == {"window"}
    windows = list(zip(passages.start.tolist(), passages.end.tolist()))
    starts = [s for s, _ in sentences]
    ends = [e for _, e in sentences]
    # Windows of three sentences every two: each begins and ends on a sentence
    # boundary, consecutive windows share a sentence, and all are covered.
    assert [starts.index(s) for s, _ in windows] == [0, 2, 4, 6, 8]
    assert [ends.index(e) for _, e in windows] == [2, 4, 6, 8, 9]
    covered = set().union(*(range(s, e) for s, e in windows))
    assert all(i in covered for s, e in sentences for i in range(s, e))


def test_a_long_paragraph_of_few_sentences_stays_whole():
    text = "one two three four five six seven eight nine ten eleven twelve. And a second sentence here."
    _, passages = _segment([text], max_tokens=8, window=3)
    assert [(PASSAGE_KINDS[k], s, e) for s, e, k in zip(passages.start, passages.end, passages.kind)] == [
        ("paragraph", 0, len(text)),
    ]


def test_bridges_join_last_and_first_sentences_across_a_break():
    first = "An opening paragraph has a sentence. It ends with this closing sentence of words."
    second = "The next paragraph opens with this sentence of words. Then it goes on and on for a while."
    text = first + "\n\n" + second
    _, passages = _segment([text], bridges=True)
    kinds = [PASSAGE_KINDS[k] for k in passages.kind]
    bridges = [text[s:e] for s, e, kind in zip(passages.start, passages.end, kinds) if kind == "bridge"]
    assert bridges == [
        "It ends with this closing sentence of words.\n\nThe next paragraph opens with this sentence of words.",
    ]
    _, without = _segment([text], bridges=False)
    assert "bridge" not in {PASSAGE_KINDS[k] for k in without.kind}


def test_short_passages_are_dropped_and_duplicates_kept_once():
    text = "Too short.\n\nThis paragraph has exactly enough words to count here."
    _, passages = _segment([text], min_tokens=8, bridges=False)
    assert [text[s:e] for s, e in zip(passages.start, passages.end)] == [
        "This paragraph has exactly enough words to count here.",
    ]
    # A one-sentence paragraph's bridge would repeat passages already there.
    text = _sentence(1) + "\n\n" + _sentence(2)
    _, passages = _segment([text], min_tokens=4, bridges=True)
    spans = list(zip(passages.token_start.tolist(), passages.token_end.tolist()))
    assert len(spans) == len(set(spans)) == 3


def test_batch_columns_and_rows():
    texts = ["", _sentence(1), "tiny", _sentence(2) + "\n\n" + _sentence(3)]
    _, passages = _segment(texts, bridges=True)
    assert passages.doc.tolist() == [1, 3, 3, 3]
    assert passages.kind.dtype == np.uint8 and len(passages) == 4
    rows = list(passages.rows(["a", "b", "c", "d"]))
    assert rows[0] == dedup.Passage("b", 0, len(_sentence(1)), "paragraph")
    # In (document, start, end, kind) order: the bridge starts inside the first paragraph.
    assert [r.kind for r in rows[1:]] == ["paragraph", "bridge", "paragraph"]
    assert [(r.doc, r.start, r.end) for r in rows] == sorted((r.doc, r.start, r.end) for r in rows)
    for r in rows:
        text = texts["abcd".index(r.doc)]
        assert text[r.start : r.end] == text[r.start : r.end].strip() != ""


def test_empty_batch():
    _, passages = _segment([])
    assert len(passages) == 0


@pytest.mark.parametrize(
    "options",
    [{"min_tokens": 0}, {"min_tokens": 10, "max_tokens": 5}, {"window": 0}, {"window": 2, "stride": 3}, {"stride": 0}],
)
def test_bad_parameters(options):
    with pytest.raises(dedup.ParameterError):
        _segment(["text"], **options)


# ---------------------------------------------------------------------------
# Property: passages always slice back to trimmed text of their document

_PIECES = ["word", "Mr.", "U.S.", "Caf\u00e9", "\u6771\u4eac", ". ", "? ", "\u3002", " ", "  ", "\n", "\r\n",
           "\n\n", "\n  ", "\t", "\u201c", "\u201d", "\u00e2\u20ac\u2122", "e\u0301", "\u200b", "9"]
_TEXTS = st.lists(st.sampled_from(_PIECES), max_size=80).map("".join)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_TEXTS, max_size=4))
def test_passages_slice_back_to_their_text(texts):
    tokens, passages = _segment(texts, min_tokens=2, max_tokens=6, window=2, stride=1)
    for d, s, e, t0, t1 in zip(*(getattr(passages, f).tolist() for f in ("doc", "start", "end", "token_start",
                                                                          "token_end"))):
        text = texts[d]
        assert 0 <= s < e <= len(text)
        assert text[s:e] == text[s:e].strip()
        lo, hi = tokens.doc_offsets[d], tokens.doc_offsets[d + 1]
        assert lo <= t0 and t1 <= hi and t1 - t0 >= 2
        assert s <= tokens.starts[t0] and tokens.ends[t1 - 1] <= e


def test_real_wire_copy_paragraphs_start_at_indents(reuters_docs):
    checked = 0
    for doc in reuters_docs[:300]:
        text = doc.text
        indented = {m.end() - 1 for m in re.finditer(r"\n {2,}\S", text)}
        if not indented:
            continue
        spans = paragraph_spans(text)
        # Every indented line starts a paragraph (blank lines start others, such
        # as the "Reuter" sign-off), and no paragraph holds an indented line.
        assert indented <= {s for s, _ in spans}, doc.id
        for s, e in spans:
            assert not re.search(r"\n {2,}\S", text[s:e])
        checked += 1
    assert checked > 100


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(["a", "B", ".", " ", "\t", "\n", "\u3000", "\u00a0", "\u2028", "\x85"]),
               max_size=60))
def test_paragraphs_of_text_without_cr_are_those_of_the_general_rule(text):
    # Text without a CR takes a faster pattern of its own: it must break
    # exactly where the pattern for every kind of line break does.
    from dedup.segment import _PARAGRAPH_BREAK, _PARAGRAPH_BREAK_LF

    assert [m.span() for m in _PARAGRAPH_BREAK_LF.finditer(text)] == [m.span() for m in _PARAGRAPH_BREAK.finditer(text)]
