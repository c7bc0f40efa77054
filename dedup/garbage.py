"""Pausing Python's cyclic garbage collector while a step makes many objects.

A full collection walks every object of the process, and one comes each
time the objects that survived earlier collections grow by a quarter. A step
that makes hundreds of thousands of small objects (clusters and their
members, a provenance report) in a process that already holds a corpus
sets off several, each walking the whole corpus again: a third of the time
of building a 100,000-article provenance report went to them, 2 of 5 s of
CPU. The steps paused here make few reference cycles, if any; those wait
for the next collection after the pause. The collector's state is given back
as it was found. Worker processes forked inside a pause (alignment's) keep
it for their short lives: alignment makes no cycles either.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator

__all__ = ["collection_paused"]


@contextmanager
def collection_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block; enabled again after it
    if it was enabled before (an exception included)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
