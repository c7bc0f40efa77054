"""Function words come from fixed lists, chosen per document, never from the corpus."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dedup import Document, find_provenance, function_word_mask, normalize, tokenize_batch
from dedup.grammar import LANGUAGES, function_word_hashes


def _masked(text: str) -> list[str]:
    tokens = tokenize_batch([normalize(text)])
    mask = function_word_mask(tokens.hashes)
    return [text[s:e] for s, e, m in zip(tokens.starts.tolist(), tokens.ends.tolist(), mask.tolist()) if m]


def test_every_language_has_a_list():
    for language in LANGUAGES:
        assert len(function_word_hashes(language)) >= 50
    with pytest.raises(ValueError):
        function_word_hashes("xx")


@pytest.mark.parametrize("text, grammar, content", [
    ("The dollar fell against the yen after the central bank said it would not intervene.",
     {"The", "the", "after", "said", "would", "not"}, {"dollar", "yen", "central", "bank", "intervene"}),
    ("Der Dollar fiel gegen den Yen, nachdem die Zentralbank sagte, sie werde nicht eingreifen.",
     {"Der", "den", "die", "sagte", "sie", "werde", "nicht", "gegen"}, {"Dollar", "Zentralbank", "eingreifen"}),
    ("Le dollar a reculé face au yen après que la banque centrale a déclaré qu'elle n'interviendrait pas.",
     {"Le", "a", "au", "après", "que", "la", "déclaré", "pas"}, {"dollar", "reculé", "banque", "centrale"}),
    ("Доллар упал по отношению к иене после того, как центральный банк заявил, что не будет вмешиваться.",
     {"по", "к", "после", "того", "как", "заявил", "что", "не", "будет"}, {"Доллар", "банк", "иене"}),
])
def test_each_document_gets_its_own_languages_function_words(text, grammar, content):
    masked = set(_masked(text))
    assert grammar <= masked
    assert not content & masked


def test_a_table_of_figures_has_no_function_words():
    assert _masked("Shr 1.20 dlrs vs 1.05 dlrs Net 4,346,000 vs 4,202,000 Revs 232.0 mln vs 223.2 mln") == []


SUBJECT = ("dollar yen mark sterling franc currency exchange rates dealers central bank intervention "
           "market trading tokyo london frankfurt treasury minister finance baker miyazawa stoltenberg "
           "louvre accord paris group seven nations stability monetary policy interest deficit surplus "
           "trade japan germany united states fed bundesbank").split()
# A copy that keeps the subject's words and changes most of the others: it
# shares its content with the original only if the subject's words count as
# content, whatever else the corpus is about.
ORIGINAL = (
    "Weather was fine in the capital.\n\nThe dollar and the yen in Tokyo markets steadied on Monday after the "
    "central bank of Japan bought dollars, dealers said, and the Bundesbank in Frankfurt watched the currency "
    "exchange closely as the finance ministers of the group of seven nations prepared for talks in Paris on the "
    "Louvre accord."
)
EDITED = (
    "The dollar and the yen in Tokyo markets recovered on Tuesday after the central bank of Japan purchased "
    "dollars, dealers said, and the Bundesbank in Frankfurt monitored the currency exchange carefully as the "
    "finance ministers of the group of seven nations readied for meetings in Paris on the Louvre accord.\n\n"
    "Shares rose in quiet trade."
)


def _subject_story(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randint(3, 6)):
        words = [rng.choice(SUBJECT) for _ in range(rng.randint(8, 16))]
        sentences.append("The " + " the ".join(" ".join(words[i:i + 2]) for i in range(0, len(words), 2)) + ".")
    return " ".join(sentences)


def _matches(documents: list[Document]) -> set[tuple[int, int, str, int, int, float]]:
    report = find_provenance(documents).report
    edited = next(d for d in report.documents if d.id == "edited")
    return {(s.start, s.end, m.doc, m.start, m.end, m.similarity)
            for s in edited.spans for m in s.matches if m.doc == "original"}


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(60, 120))
def test_adding_stories_on_the_same_subject_never_changes_a_pairs_alignment(seed, extra):
    pair = [Document("original", ORIGINAL, date="1987-03-02"), Document("edited", EDITED, date="1987-03-03")]
    alone = _matches(pair)
    assert alone  # the edited copy is found at all
    rng = random.Random(seed)
    more = pair + [Document(f"story-{k:03d}", _subject_story(rng), date="1987-03-04") for k in range(extra)]
    assert _matches(more) == alone


def test_function_words_do_not_depend_on_other_documents():
    text = "The dollar fell against the yen after the central bank said it would not intervene."
    alone = tokenize_batch([normalize(text)])
    among = tokenize_batch([normalize(t) for t in ("Der Dollar fiel.", text, "Le dollar a reculé.")])
    lo, hi = int(among.doc_offsets[1]), int(among.doc_offsets[2])
    assert np.array_equal(function_word_mask(alone.hashes), function_word_mask(among.hashes[lo:hi]))
