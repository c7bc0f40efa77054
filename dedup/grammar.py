"""Function words: the grammar of a text, which two texts share without one
being a copy of the other.

The words come from fixed lists shipped with the package (``function_words/``,
one per language), never from the corpus being searched: a corpus where a
fifth of the stories are about one subject would otherwise count that
subject's words ("dollar", "yen") as grammar, and adding stories on the
subject would change which stretches two other articles share. Each document
uses the list of the language whose function words it uses most.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

from .normalize import texts_for_tokens, tokenize_batch

__all__ = ["LANGUAGES", "function_word_hashes", "function_word_mask"]

LANGUAGES = ("en", "de", "es", "fr", "it", "pt", "ru", "tr", "uk")

# A document needs this many function words of one language before that
# language's list applies: a table of figures or a headline has none.
MIN_EVIDENCE = 3


def _words(language: str) -> list[str]:
    text = resources.files(__package__).joinpath("function_words", f"{language}.txt").read_text(encoding="utf-8")
    return [w for line in text.splitlines() for w in line.split("#", 1)[0].split()]


@lru_cache(maxsize=None)
def function_word_hashes(language: str) -> np.ndarray:
    """Sorted token hashes (as :func:`tokenize_batch` makes them) of a language's function words."""
    if language not in LANGUAGES:
        raise ValueError(f"no function words for {language!r}; known: {', '.join(LANGUAGES)}")
    tokens = tokenize_batch(texts_for_tokens([" ".join(_words(language))]))
    return np.unique(tokens.hashes)


@lru_cache(maxsize=None)
def _all_languages() -> tuple[np.ndarray, np.ndarray]:
    """Every list's hashes, sorted, with a bit per language saying which lists hold each."""
    hashes = np.unique(np.concatenate([function_word_hashes(language) for language in LANGUAGES]))
    flags = np.zeros(len(hashes), dtype=np.uint32)
    for bit, language in enumerate(LANGUAGES):
        flags[np.searchsorted(hashes, function_word_hashes(language))] |= np.uint32(1 << bit)
    return hashes, flags


def function_word_mask(hashes: np.ndarray) -> np.ndarray:
    """Which of one document's tokens (their hashes) are function words of its language."""
    known, flags = _all_languages()
    at = np.minimum(np.searchsorted(known, hashes), len(known) - 1)
    token_flags = np.where(known[at] == hashes, flags[at], np.uint32(0))
    counts = [int(np.count_nonzero(token_flags & np.uint32(1 << bit))) for bit in range(len(LANGUAGES))]
    best = max(range(len(LANGUAGES)), key=lambda bit: (counts[bit], -bit))  # ties: the earlier language
    if counts[best] < MIN_EVIDENCE:
        return np.zeros(len(hashes), dtype=bool)
    return (token_flags & np.uint32(1 << best)) != 0
