"""A generated news corpus for the archive's tests: articles of their own
words, copies of earlier articles' paragraphs (verbatim or lightly edited),
a few boilerplate paragraphs many outlets carry, whole re-sends, undated
articles and articles that arrive after later-dated ones."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import dedup

_WORDS = [f"{a}{b}" for a in ("ka", "lo", "mi", "nu", "pe", "ra", "si", "to", "vu", "ze", "bo", "da")
          for b in ("r", "n", "s", "t", "l", "m", "k", "p", "d", "g", "ve", "ta", "so", "ri", "lu", "ne")]
_FUNCTION = ["the", "of", "and", "to", "in", "said", "on", "for", "a", "was", "by", "with"]
_OUTLETS = [f"Outlet {c}" for c in "ABCDEFGHIJKL"]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) if rng.random() < 0.7 else rng.choice(_FUNCTION) for _ in range(rng.randint(9, 22))]
    if rng.random() < 0.3:
        words.insert(rng.randrange(len(words)), f"{rng.randint(2, 9999):,}")
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 4)))


def _edited(paragraph: str, rng: random.Random) -> str:
    words = paragraph.split(" ")
    for _ in range(max(1, len(words) // 25)):
        words[rng.randrange(len(words))] = rng.choice(_WORDS)
    return " ".join(words)


def generated_corpus(n: int = 2000, seed: int = 12) -> list[dedup.Document]:
    """``n`` articles in date order (ids do not follow it)."""
    rng = random.Random(seed)
    boilerplate = [_paragraph(rng) for _ in range(3)]
    start = datetime(2026, 11, 1)
    docs: list[dedup.Document] = []
    paragraphs: list[str] = []
    for i in range(n):
        when = start + timedelta(minutes=7 * i + rng.randint(0, 5))
        if docs and rng.random() < 0.04:  # a re-send of a recent article
            text = docs[-rng.randint(1, min(30, len(docs)))].text
        else:
            parts = [_paragraph(rng) for _ in range(rng.randint(2, 5))]
            for _ in range(rng.choice((0, 0, 1, 1, 2))):
                if paragraphs:
                    copied = paragraphs[-rng.randint(1, min(400, len(paragraphs)))]
                    parts.insert(rng.randrange(len(parts) + 1), _edited(copied, rng) if rng.random() < 0.4 else copied)
            if rng.random() < 0.15:
                parts.append(rng.choice(boilerplate))
            paragraphs.extend(parts)
            text = "\n\n".join(parts)
        date = None if rng.random() < 0.05 else when.strftime("%Y-%m-%dT%H:%M:%S")
        docs.append(dedup.Document(f"art-{rng.randrange(10**8):08d}-{i}", text, date=date, source=rng.choice(_OUTLETS)))
    return docs


def in_batches(docs: list[dedup.Document], count: int, late: int = 5, seed: int = 3) -> list[list[dedup.Document]]:
    """``count`` consecutive batches; ``late`` articles of each batch arrive one batch late."""
    rng = random.Random(seed)
    size = -(-len(docs) // count)
    batches = [docs[k : k + size] for k in range(0, len(docs), size)]
    for k in range(len(batches) - 1):
        moved = set(rng.sample(range(len(batches[k])), min(late, len(batches[k]))))
        batches[k + 1] = [d for j, d in enumerate(batches[k]) if j in moved] + batches[k + 1]
        batches[k] = [d for j, d in enumerate(batches[k]) if j not in moved]
    return batches
