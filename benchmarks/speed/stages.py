"""Inside a child: dedup's own recipe (``find_clusters`` / ``find_provenance``) on one
process, each step timed from the progress the pipeline reports as it enters it, so
the benchmark measures the steps the library runs, never a copy of them."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from dedup import Params, find_clusters, find_provenance, read_documents
from dedup.report import write_clusters, write_provenance

from .measure import Steps

#: The pipeline's steps in order (see :class:`dedup.Progress`), then writing the report.
#: ``sign`` includes reading: the reader is a generator that signing drains.
STEP_ORDER = ("sign", "candidates", "verify", "cluster", "pairs", "align", "provenance", "write")


class StepClock:
    """A :class:`dedup.Progress` that times each step from its first report to the next step's."""

    def __init__(self, steps: Steps) -> None:
        self.steps = steps
        self.current: Any = None
        self.step: str | None = None

    def __call__(self, step: str, done: int, total: int | None) -> None:
        if step != self.step:
            self.close()
            self.step = step
            self.current = self.steps(step)
            self.current.__enter__()

    def close(self) -> None:
        if self.current is not None:
            self.current.__exit__(None, None, None)
        self.current = self.step = None


def stage_chain(dump: Path, provenance: bool, params: Params = Params()) -> dict[str, Any]:
    """``dedup cluster`` (or ``provenance``) on ``dump`` with ``jobs=1``, step by step."""
    steps = Steps()
    clock = StepClock(steps)
    run = find_provenance if provenance else find_clusters
    started = time.perf_counter()
    result = run(read_documents([dump]), params, jobs=1, progress=clock)
    clock.close()
    with steps("write"), open(os.devnull, "w", encoding="utf-8") as sink:
        (write_provenance if provenance else write_clusters)(result, sink, "jsonl")
    documents = result.documents
    return {
        **result.stats,
        "articles": len(documents),
        "text_mb": sum(len(documents[i].text.encode()) for i in documents) / 1e6,
        "seconds": time.perf_counter() - started,
        "stage_parts": steps.as_list(),
    }
