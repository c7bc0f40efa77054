"""Alignment: reused stretches as exact character spans of both originals."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import normalize, tokenize_batch
from dedup.normalize import texts_for_tokens
from dedup.align import AlignDoc, align_pair

REUSED = (
    "The central bank said on Tuesday it would keep its benchmark lending rate unchanged for a third "
    "consecutive month, citing slowing inflation and a weaker outlook for exports."
)
OTHER_A = (
    "Farmers in the northern province reported heavy rainfall this week. Officials expect the harvest "
    "to start late, and several roads remain closed after the storms."
)
OTHER_B = (
    "The football club announced a new coach after a disappointing season. Supporters gathered outside "
    "the stadium to welcome him before the first training session."
)
SECOND = (
    "Analysts polled by the news agency had widely expected the decision, although two of them had "
    "forecast a small cut to support the struggling manufacturing sector."
)


def _docs(*texts: str) -> list[AlignDoc]:
    tokens = tokenize_batch([normalize(t) for t in texts])
    return [AlignDoc.from_batch(f"d{i}", t, tokens, i) for i, t in enumerate(texts)]


def _spans(a: str, b: str, **options):
    da, db = _docs(a, b)
    return align_pair(da, db, **options)


def test_verbatim_copy_gives_exact_spans_in_both_texts():
    a = f"{OTHER_A}\n\n{REUSED}\n\n{OTHER_A[:40]}"
    b = f"{OTHER_B}\n\n{REUSED} {OTHER_B[:60]}"
    (al,) = _spans(a, b)
    assert a[al.a_start : al.a_end] == REUSED
    assert b[al.b_start : al.b_end] == REUSED
    assert al.similarity == 1.0


def test_light_edits_case_punctuation_and_rewrapping_still_align():
    edited = (
        "THE CENTRAL BANK said on Tuesday it would keep its key lending rate unchanged for a third\n"
        "    consecutive month -- citing slowing inflation and a weaker outlook for exports."
    )
    (al,) = _spans(f"{OTHER_A} {REUSED}", f"{OTHER_B}\n{edited}")
    a = f"{OTHER_A} {REUSED}"
    assert a[al.a_start : al.a_end].startswith("The central bank")
    assert a[al.a_start : al.a_end].endswith("exports.")
    assert 0.8 < al.similarity < 1.0


def test_mojibake_and_dagger_artefacts_do_not_break_a_match():
    damaged = REUSED.replace(" it ", "\u2020it\u2020").replace("a third", "a\u00c2\u00a0third")
    (al,) = _spans(f"{OTHER_A} {REUSED}", f"{damaged} {OTHER_B}")
    assert al.b_start == 0 and al.b_end == len(damaged)


def test_transposed_stretches_are_found_separately():
    a = f"{REUSED} {OTHER_A} {SECOND}"
    b = f"{SECOND} {OTHER_B} {REUSED}"
    found = _spans(a, b)
    pairs = {(a[al.a_start : al.a_end], b[al.b_start : al.b_end]) for al in found}
    assert (REUSED, REUSED) in pairs and (SECOND, SECOND) in pairs


def test_single_reused_sentence_inside_a_different_paragraph():
    sentence = "Exports of palm oil rose by twelve percent in the first quarter compared with last year."
    a = f"{OTHER_A} {sentence} {OTHER_A}"
    b = f"{OTHER_B[:80]} {sentence} {OTHER_B[80:]}"
    (al,) = _spans(a, b)
    assert a[al.a_start : al.a_end] == sentence
    assert b[al.b_start : al.b_end] == sentence


def test_unrelated_texts_share_nothing():
    assert _spans(OTHER_A, OTHER_B) == []


def test_short_common_phrase_is_not_reuse():
    phrase = "said in a statement on Tuesday"
    assert _spans(f"{OTHER_A} The ministry {phrase}.", f"{OTHER_B} The club {phrase}.") == []


def test_paraphrase_is_rescued_at_lower_similarity():
    a = ("The United Nations Office of Counter-Terrorism was established through the adoption of "
         "General Assembly resolution 71/291 on June 15, 2017.")
    b = ("The UN Counter-Terrorism Office is a new UN body established by General Assembly resolution "
         "71/291 of 15 June 2017, which has wide powers.")
    (al,) = _spans(f"{OTHER_A} {a}", f"{OTHER_B} {b}")
    assert 0.5 < al.similarity < 0.9
    assert "resolution 71/291" in f"{OTHER_B} {b}"[al.b_start : al.b_end]


def test_two_sentences_naming_the_same_body_are_not_a_paraphrase():
    a = "Mr. Vladimir Voronkov was appointed as Under-Secretary-General of the Office on 21 June 2017."
    b = ("Aslov met here with Vladimir Voronkov, Under-Secretary-General of the United Nations Office of "
         "Counter-Terrorism, on the sidelines of the conference.")
    assert _spans(a, b) == []


words = st.sampled_from("alpha beta gamma delta rain bank rate month export wheat oil said".split())


@settings(max_examples=60, deadline=None)
@given(
    st.lists(words, min_size=0, max_size=40),
    st.lists(words, min_size=0, max_size=40),
    st.lists(words, min_size=12, max_size=30),
)
def test_alignments_are_valid_spans_of_both_texts(prefix_a, prefix_b, shared):
    a = " ".join(prefix_a + ["zzz"] + shared)
    b = " ".join(shared + ["qqq"] + prefix_b)
    for al in _spans(a, b):
        assert 0 <= al.a_start < al.a_end <= len(a)
        assert 0 <= al.b_start < al.b_end <= len(b)
        assert 0.0 <= al.similarity <= 1.0


BOND = (
    "{name} is raising {amount} mln dlrs via an offering of convertible subordinated debentures due 2012 "
    "with a {coupon} pct coupon and par pricing, said lead manager {manager}. The debentures are convertible "
    "into the company's common stock at {price} dlrs per share, representing a premium of {premium} pct over "
    "the stock price when terms on the debt were set. Non-callable for two years, the issue is rated {rating} "
    "by Moody's Investors Service Inc."
)
SILICON = dict(name="Silicon Graphics Inc", amount="35", coupon="5-3/4", manager="Morgan Stanley and Co Inc",
               price="30.35", premium="25.15", rating="B-2")
# Two real fills of the template (Reuters, 1987): many of their figures agree.
THERMO = dict(name="Thermo Electron Corp", amount="75", coupon="5-3/4", manager="Shearson Lehman Brothers Inc",
              price="30.50", premium="25.77", rating="Ba-3")


def test_one_template_filled_with_other_facts_is_not_reuse():
    assert _spans(BOND.format(**SILICON), BOND.format(**THERMO)) == []


def test_one_template_with_the_same_facts_is_reuse_whatever_the_number_format():
    resent = BOND.format(**{**SILICON, "amount": "35.0"}).replace("2012", "2,012").replace("Inc.", "Inc")
    (al,) = _spans(BOND.format(**SILICON), resent)
    assert (al.a_start, al.b_start) == (0, 0)
    assert al.a_end >= len(BOND.format(**SILICON)) - 4


def test_a_heavily_edited_copy_keeps_enough_facts():
    original = BOND.format(**SILICON)
    edited = (original.replace("is raising", "plans to raise").replace("said lead manager", "according to")
              .replace("Non-callable for two years, the issue", "The issue, non-callable for two years,")
              .replace("Moody's Investors Service Inc", "Moody's"))
    (al,) = _spans(original, edited)
    assert al.b_end - al.b_start > 0.9 * len(edited)


def test_a_copy_whose_editor_put_words_where_names_were_is_still_a_copy():
    # The edited side has names its source never had ("Retaliatory", "Dole"),
    # so it keeps under 60% of its facts; the source keeps all of its own.
    source = ("Other disputes include Japanese prevention of U.S. firms from taking part in building a new "
              "eight billion dlr airport near Osaka and selling a wide variety of goods in Japan. A new trade "
              "row has now arisen over a Japanese decision to limit foreign participation in its "
              "telecommunication market. Officials said the American market is open to foreign firms, as "
              "officials in Tokyo had agreed.")
    edited = (source.replace("selling", "contingent").replace("now arisen", "economists now arisen")
              .replace("a Japanese decision", "a Retaliatory decision").replace("foreign participation",
                                                                                "author participation")
              .replace("Officials said", "Officials from Dole said").replace("open to", "open alberta")
              .replace("Japan.", "Hokkaido."))
    (al,) = _spans(f"{OTHER_A} {source}", f"{OTHER_B} {edited}")
    assert al.b_end - al.b_start > 0.9 * len(edited)


def test_both_fills_losing_their_facts_is_a_template_even_if_one_side_has_few():
    # Each side has facts of its own; neither keeps enough of the other's.
    a = BOND.format(**SILICON)
    b = BOND.format(**{**THERMO, "coupon": "6-1/4", "name": "Cray Research Inc"})
    assert _spans(a, b) == []


MOVED = [
    "West German sugar stocks rose to 2.60 mln tonnes, white value, at the end of February from 2.50 mln "
    "at the same time a year earlier, the sugar industry association WVZ said.",
    "However, stocks were well below the 2.82 mln held at the end of January.",
    "The association expects stocks to fall further in the spring as exports to third countries pick up.",
]


def test_a_short_edited_sentence_moved_within_a_copy_is_part_of_it():
    source = f"{OTHER_A} {' '.join(MOVED)} {OTHER_B}"
    # Reordered, and the moved sentence edited too much to stand on its own.
    moved = "Removed, stocks were well patrick the 2.82 zhou held at the end of Responsible."
    copy = f"{SECOND} {moved} {MOVED[0]} {MOVED[2]}"
    spans = _spans(copy, source)
    start = copy.index(moved)
    assert any(al.a_start <= start and al.a_end >= start + len(moved) for al in spans)
    # On its own, beside no other shared text, the same sentence is nothing.
    assert _spans(f"{SECOND} {moved}", f"{OTHER_A} {MOVED[1]} {OTHER_B}") == []


def test_a_paraphrase_with_other_figures_is_another_report():
    # Two days' money-market tenders (Reuters, 1987): one subject, one
    # wording, too few facts for the template test, other figures.
    a = ("The Bundesbank allotted only 6.1 billion marks yesterday in new liquidity in a repurchase pact at an "
         "unchanged rate of 3.80 pct, thus subtracting some 8.8 billion marks from the market.")
    b = ("The Bundesbank accepted bids for 6.5 billion marks at today's tender for a 28-day securities "
         "repurchase pact at a rate of 3.80 pct, a central bank spokesman said.")
    assert _spans(f"{OTHER_A} {a}", f"{OTHER_B} {b}") == []
    # Restating the same tender, the same wording is a paraphrase.
    (al,) = _spans(f"{OTHER_A} {a}", f"{OTHER_B} {b.replace('6.5', '6.1')}")
    assert al.similarity < 0.9


def test_a_reflowed_lightly_edited_whole_article_aligns_end_to_end():
    from pathlib import Path

    seeds = Path(__file__).resolve().parent.parent / "seeds"
    original = "\n\n".join(p.read_text(encoding="utf-8").strip() for p in sorted(seeds.glob("*.txt"))[3:])
    words = " ".join(original.split("\n\n")).split(" ")  # paragraph breaks become spaces
    for k in range(7, len(words), 33):  # 3% of the words changed
        words[k] = "revised"
    for k in range(5, len(words), len(words) // 4):  # a few non-breaking spaces
        words[k] += "\u00a0" + words.pop(k + 1)
    resent = " ".join(words)
    found = _spans(original, resent)
    assert len(found) == 1
    (al,) = found
    assert al.a_end - al.a_start > 0.95 * len(original.strip())
    assert al.b_end - al.b_start > 0.95 * len(resent)


def _names_and_numbers_token_by_token(doc: AlignDoc) -> tuple[list[bool], list[bool]]:
    """The rule of AlignDoc.names and .numbers, written as a loop over tokens."""
    text, names, numbers = doc.text, [], []
    for s, e in zip(doc.starts.tolist(), doc.ends.tolist()):
        numbers.append(text[s:e].isdigit())
        name = False
        if text[s].isupper() and not text[s:e].isupper():
            p = s - 1
            while p >= 0 and (text[p].isspace() or text[p] in "\"'(<"):
                p -= 1
            name = p >= 0 and text[p] not in ".!?:"
        names.append(name)
    return names, numbers


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(list("aZ7 .:!?\"'(<\n\t") + ["McD", "ǅ", "Ünited", "é", "Ⅻ", "３", "٣", "½",
                                                               "\u00a0", "“", "\x1c", "İ", "ß"]), max_size=40).map("".join))
def test_names_and_numbers_are_the_token_by_token_rule(text):
    # Vectorised over characters: must agree with str.isupper/isdigit of each token.
    tokens = tokenize_batch(texts_for_tokens([text]))
    doc = AlignDoc.from_batch("d", text, tokens, 0)
    names, numbers = _names_and_numbers_token_by_token(doc)
    assert doc.names.tolist() == names
    assert doc.numbers.tolist() == numbers


def test_a_document_met_again_with_the_same_id_and_other_text_is_aligned_as_it_is_now():
    """Alignment keeps the documents it prepared for the next batches: by id
    and text, so an id that comes back with another text (another run in the
    same process) is not aligned as the old text."""
    from dedup import Document
    from dedup.pipeline import _PREPARED, align_documents

    first = [(Document("x", OTHER_A + " " + REUSED), Document("y", REUSED + " " + OTHER_B))]
    again = [(Document("x", SECOND + " " + OTHER_B), Document("y", REUSED + " " + OTHER_B))]
    found_first = align_documents(first)
    assert [(al.a_start, al.b_start) for al in found_first] == [(len(OTHER_A) + 1, 0)]
    found_again = align_documents(again)
    _PREPARED.clear()
    assert found_again == align_documents(again) and found_again[0].b_start == len(REUSED) + 1
    assert align_documents(first) == found_first
