"""Arrow batches in, numpy out, and sorted streams cut where a step needs them.

A Spark partition reaches Python as a stream of Arrow record batches whose
size is a setting (``spark.sql.execution.arrow.maxRecordsPerBatch``); no step
may see that size. The helpers here regroup a sorted stream so that a step
gets whole runs of a key (:func:`complete_runs`) or a window that reaches
back far enough (:func:`with_lead`), in memory bounded by the batch size.
"""

from __future__ import annotations

from typing import Iterable, Iterator

import numpy as np
import pyarrow as pa

__all__ = ["column", "fixed_rows", "complete_runs", "with_lead", "table_batches"]


def column(batch: pa.RecordBatch | pa.Table, name: str, dtype: type | None = None) -> np.ndarray:
    """A numeric column as numpy (nulls are not expected here)."""
    values = batch.column(name)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    out = values.to_numpy(zero_copy_only=False)
    return out if dtype is None else out.astype(dtype, copy=False)


def fixed_rows(batch: pa.RecordBatch | pa.Table, name: str, width: int, dtype: type = np.uint8) -> np.ndarray:
    """A binary column whose every value is ``width`` items of ``dtype``, as one (rows x width) array."""
    values = batch.column(name)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if len(values) == 0:
        return np.zeros((0, width), dtype=dtype)
    values = values.cast(pa.large_binary()) if values.type == pa.binary() else values
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int64)[values.offset : values.offset + len(values) + 1]
    data = np.frombuffer(values.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return data.view(dtype).reshape(len(values), width)


def table_batches(batches: Iterable[pa.RecordBatch]) -> Iterator[pa.Table]:
    for batch in batches:
        if batch.num_rows:
            yield pa.Table.from_batches([batch])


def _run_key(table: pa.Table, keys: tuple[str, ...]) -> list[np.ndarray]:
    return [column(table, k) for k in keys]


def complete_runs(batches: Iterable[pa.RecordBatch], keys: tuple[str, ...], cap: int | None = None
                  ) -> Iterator[pa.Table]:
    """Tables of rows, each holding only whole runs of equal ``keys``, from a
    stream sorted by them. The last run of a batch waits for the next; a run
    longer than ``cap`` rows keeps only its first ``cap + 1`` (for steps that
    drop such runs anyway, so that one huge run cannot fill memory)."""
    pending: pa.Table | None = None
    dropping: tuple | None = None  # the key of a run past its cap, still streaming by
    for table in table_batches(batches):
        if dropping is not None:
            first = tuple(k[0] for k in _run_key(table, keys))
            if first == dropping:
                same = np.ones(table.num_rows, dtype=bool)
                for k, v in zip(_run_key(table, keys), dropping):
                    same &= k == v
                cut = int(np.argmin(same)) if not same.all() else table.num_rows
                table = table.slice(cut)
                if not table.num_rows:
                    continue
            dropping = None
        if pending is not None:
            table = pa.concat_tables([pending, table])
            pending = None
        values = _run_key(table, keys)
        last = np.ones(table.num_rows, dtype=bool)
        for k in values:
            last &= k == k[-1]
        start = int(np.argmax(last))  # rows of the last run are the tail of a sorted table
        if start:
            yield table.slice(0, start)
        pending = table.slice(start)
        if cap is not None and pending.num_rows > cap + 1:
            dropping = tuple(v[-1] for v in values)
            pending = pending.slice(0, cap + 1)
    if pending is not None and pending.num_rows:
        yield pending


def with_lead(batches: Iterable[pa.RecordBatch], lead: int) -> Iterator[tuple[pa.Table, int]]:
    """(table, first) pairs from a sorted stream: each table is a batch led by
    the last ``lead`` rows of the stream before it, ``first`` of them."""
    tail: pa.Table | None = None
    for table in table_batches(batches):
        first = 0
        if tail is not None:
            first = tail.num_rows
            table = pa.concat_tables([tail, table])
        yield table, first
        tail = table.slice(max(0, table.num_rows - lead))
