"""Fuzzy alignment: every reused stretch of a document pair, as exact spans.

Works on the documents' token streams (so case, punctuation, line wrapping,
accents and mojibake never get in the way), in three steps:

1. *seeds*: positions where both documents have the same run of
   ``seed_ngram`` tokens;
2. *chains*: seeds on (nearly) the same diagonal, close together, become one
   stretch; seeds on different diagonals stay apart, which is how stretches
   transposed relative to each other are found separately;
3. *refinement*: rapidfuzz's LCS alignment of each stretch's tokens (with a
   margin, so a stretch can grow) trims it to where the texts stop matching
   and splits it where a long gap shows two separate reuses.

A stretch must match in its content words, not only in grammar (the function
words of the document's language, from fixed lists: see :mod:`dedup.grammar`),
and one whose wording matches while its names and figures differ is a
filled-in form (earnings tables, two companies' notices), not a copy. Pieces
of one long copy found apart (its chain broken at an edit) join; stretches
close together in both documents are one reuse, in whatever order (a copy
whose sentences were reordered).

A chain too short to stand on its own (a paraphrase keeps only a few words in
a row: "General Assembly resolution 71/291") is *rescued* when the sentences
around it are similar as a whole: they must share several content words
besides the chain itself (two sentences that merely name the same
organisation share nothing else; fewer when the chain is eight words or
more), rapidfuzz's ``partial_ratio_alignment``
of the two sentences gives the span and the (lower) similarity, and they must
state the same figures (two days' tenders in one wording are two reports).
Beside text the pair already shares, in both documents, a sentence needs
less: alike as a whole is enough, for it is part of the same copy (a heavily
edited copy with its sentences reordered keeps long runs in some sentences and
only scattered words in others).

A form filled in twice loses its facts both ways; an edited copy only one
way (the editor's words where names were are facts its source never had), so
a side that keeps its facts clears a stretch of the template test.

Token spans become character spans of the original texts; the similarity of
a stretch is rapidfuzz's normalised Indel similarity of its normalised text.
"""

from __future__ import annotations

from .doc import AlignDoc, Alignment
from .pair import align_pair

__all__ = ["AlignDoc", "Alignment", "align_pair"]
