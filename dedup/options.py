"""The options of each step, and the one place where their bounds are checked.

Every step of the pipeline takes its own small frozen options object, checked
when it is built, so a bad value fails before any work is done. A field that
the command line sets names its option (``--min-words``) in the message, so
the same check serves the library and the CLI:

>>> AlignOptions(min_tokens=0)
Traceback (most recent call last):
...
dedup.errors.ParameterError: --min-words (AlignOptions.min_tokens) must be at least seed_ngram (3), got 0

:class:`dedup.pipeline.Params` is the flat bundle a user sets; it builds the
options of every step at construction, so it is checked whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, NoReturn

from .errors import ParameterError

__all__ = [
    "SegmentOptions", "LshOptions", "VerifyOptions", "AnchorOptions", "AlignOptions",
    "ProvenanceOptions", "option_field", "option_name", "reject",
]


def option_field(default: Any, flag: str | None = None) -> Any:
    """A field; ``flag`` is the command-line option that sets it."""
    return field(default=default, metadata={"flag": flag} if flag else {})


def option_name(owner: type, name: str) -> str:
    """How a message names a field: its command-line option first, where it has one."""
    flag = next((f.metadata.get("flag") for f in fields(owner) if f.name == name), None)
    qualified = f"{owner.__name__}.{name}"
    return f"{flag} ({qualified})" if flag else qualified


def reject(owner: type, name: str, rule: str, value: object) -> NoReturn:
    """Raise the :class:`ParameterError` for a value that breaks ``rule``."""
    raise ParameterError(f"{option_name(owner, name)} must {rule}, got {value!r}")


def _between(owner: object, name: str, low: float, high: float, *, low_open: bool = False,
             high_open: bool = False) -> None:
    value = getattr(owner, name)
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    if not (isinstance(value, (int, float)) and not isinstance(value, bool) and above and below):
        rule = f"be in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
        reject(type(owner), name, rule, value)


def _at_least(owner: object, name: str, low: int, what: str | None = None) -> None:
    value = getattr(owner, name)
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        reject(type(owner), name, f"be at least {what or low}", value)


@dataclass(frozen=True)
class SegmentOptions:
    """How documents are cut into passages (:func:`dedup.segment.segment_batch`).

    Paragraphs of ``min_tokens`` to ``max_tokens`` tokens are passages; longer
    ones become windows of ``window`` sentences every ``stride`` sentences;
    ``bridges`` adds a passage across each paragraph break.
    """

    min_tokens: int = 8
    max_tokens: int = 120
    window: int = 3
    stride: int = 2
    bridges: bool = False

    def __post_init__(self) -> None:
        _at_least(self, "min_tokens", 1)
        _at_least(self, "max_tokens", self.min_tokens, f"min_tokens ({self.min_tokens})")
        _at_least(self, "window", 1)
        _at_least(self, "stride", 1)
        if self.stride > self.window:
            reject(SegmentOptions, "stride", f"be at most window ({self.window})", self.stride)


@dataclass(frozen=True)
class LshOptions:
    """LSH banding (:func:`dedup.index.find_candidates`).

    (bands, rows) follow from ``threshold`` and ``num_perm``; a bucket larger
    than ``max_bucket`` pairs each passage with its ``max_bucket`` neighbours
    only (see :func:`dedup.index.candidate_pairs`).
    """

    threshold: float = option_field(0.5, "--threshold")
    num_perm: int = option_field(128, "--num-perm")
    max_bucket: int = 32

    def __post_init__(self) -> None:
        _between(self, "threshold", 0.0, 1.0, low_open=True, high_open=True)
        _at_least(self, "num_perm", 1)
        _at_least(self, "max_bucket", 1)

    @property
    def bands(self) -> tuple[int, int]:
        """(bands, rows) for this threshold, as datasketch chooses them."""
        from .index import optimal_bands  # the index imports these options

        return optimal_bands(self.threshold, self.num_perm)


@dataclass(frozen=True)
class VerifyOptions:
    """What a candidate pair needs to be verified (:func:`dedup.cluster.verify_candidates`):
    estimated Jaccard similarity ``threshold``, or estimated containment of the
    smaller passage in the larger ``containment``."""

    threshold: float = option_field(0.5, "--threshold")
    containment: float = option_field(0.8, "--containment")

    def __post_init__(self) -> None:
        _between(self, "threshold", 0.0, 1.0, low_open=True)
        _between(self, "containment", 0.0, 1.0, low_open=True)


@dataclass(frozen=True)
class AnchorOptions:
    """Document pairs from shared rare shingles (:func:`dedup.index.document_pairs`):
    pairs sharing ``min_shared`` distinct shingles that at most ``max_df``
    documents carry."""

    max_df: int = 50
    min_shared: int = 4

    def __post_init__(self) -> None:
        _at_least(self, "max_df", 2)
        _at_least(self, "min_shared", 1)


@dataclass(frozen=True)
class AlignOptions:
    """Alignment of a document pair (:func:`dedup.align.align_pair`).

    Seeds are shared runs of ``seed_ngram`` tokens, chained across gaps of up
    to ``max_gap`` tokens; a stretch needs ``min_tokens`` matched tokens and
    ``min_density`` of its tokens matched; ``rescue_similarity`` (0 disables)
    keeps a short chain inside two sentences that similar; a token repeated
    more than ``max_repeats`` times in one document seeds nothing.
    """

    seed_ngram: int = 3
    max_gap: int = 8
    min_tokens: int = option_field(12, "--min-words")
    min_density: float = 0.5
    rescue_similarity: float = 0.65
    max_repeats: int = 4

    def __post_init__(self) -> None:
        _at_least(self, "seed_ngram", 1)
        _at_least(self, "max_gap", 0)
        _at_least(self, "min_tokens", self.seed_ngram, f"seed_ngram ({self.seed_ngram})")
        _between(self, "min_density", 0.0, 1.0)
        _between(self, "rescue_similarity", 0.0, 1.0)
        _at_least(self, "max_repeats", 1)


@dataclass(frozen=True)
class ProvenanceOptions:
    """Provenance from alignments (:func:`dedup.provenance.build_provenance`).

    Text carried by ``boilerplate_documents`` documents or outlets is
    boilerplate; two articles whose aligned text covers
    ``near_duplicate_coverage`` of both, at a similarity of at least
    ``near_duplicate_similarity``, are near-duplicates; two stretches of
    one document join one reuse cluster when they overlap by more than
    ``min_overlap`` of the longer.
    """

    boilerplate_documents: int = option_field(5, "--boilerplate")
    near_duplicate_coverage: float = 0.8
    near_duplicate_similarity: float = 0.96
    min_overlap: float = 0.8

    def __post_init__(self) -> None:
        _at_least(self, "boilerplate_documents", 2)
        _between(self, "near_duplicate_coverage", 0.0, 1.0, low_open=True)
        _between(self, "near_duplicate_similarity", 0.0, 1.0)
        _between(self, "min_overlap", 0.0, 1.0, low_open=True)
