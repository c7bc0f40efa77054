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


def function_word_mask(hashes: np.ndarray) -> np.ndarray:
    """Which of one document's tokens (their hashes) are function words of its language."""
    best, best_count = None, MIN_EVIDENCE - 1
    for language in LANGUAGES:
        mask = np.isin(hashes, function_word_hashes(language))
        count = int(mask.sum())
        if count > best_count:  # ties keep the earlier language: the choice is deterministic
            best, best_count = mask, count
    return best if best is not None else np.zeros(len(hashes), dtype=bool)
