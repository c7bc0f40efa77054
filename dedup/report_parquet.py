"""Reports as Parquet (``pip install 'dedup-provenance[parquet]'``).

Clusters are one row per member, the columns of the CSV report; provenance is
one row per document, the records of the JSON Lines report, with spans,
matches and carriers as nested lists. The schemas are fixed (built from the
report's dataclasses), never inferred from the data, so two runs give the same
columns whatever they found, and the file is the same bytes from either
engine. What reading skipped is in the file's metadata, under ``dedup.ingest``.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from typing import Any, BinaryIO, Iterable, Union

from .carriers import Carrier, FirstSeen
from .errors import ParameterError
from .near_duplicates import NearDuplicate
from .provenance import Match, ReusedSpan

__all__ = ["cluster_table", "provenance_table", "write_table"]

_ROWS_PER_GROUP = 10_000


def _arrow_type(hint: Any):
    import pyarrow as pa

    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        (inner,) = [a for a in typing.get_args(hint) if a is not type(None)]
        return _arrow_type(inner)
    if origin is tuple:
        return pa.list_(_arrow_type(typing.get_args(hint)[0]))
    if dataclasses.is_dataclass(hint):
        return _struct(hint)
    return {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}[hint]


def _struct(cls: type):
    import pyarrow as pa

    hints = typing.get_type_hints(cls, {"Carrier": Carrier, "FirstSeen": FirstSeen, "Match": Match})
    return pa.struct([(f.name, _arrow_type(hints[f.name])) for f in dataclasses.fields(cls)])


def provenance_schema():
    import pyarrow as pa

    return pa.schema([
        ("id", pa.string()), ("date", pa.string()), ("date_from", pa.string()), ("source", pa.string()),
        ("length", pa.int64()), ("reused_fraction", pa.float64()),
        ("near_duplicates", pa.list_(_struct(NearDuplicate))), ("spans", pa.list_(_struct(ReusedSpan))),
    ])


def cluster_schema():
    import pyarrow as pa

    return pa.schema([("cluster", pa.string()), ("size", pa.int64()), ("documents", pa.int64()),
                      ("similarity", pa.float64()), ("doc", pa.string()), ("start", pa.int64()),
                      ("end", pa.int64()), ("text", pa.string())])


def _pyarrow():
    try:
        import pyarrow  # noqa: F401
        import pyarrow.parquet  # noqa: F401
    except ImportError:
        raise ParameterError("--format parquet needs the 'pyarrow' package "
                             "(pip install 'dedup-provenance[parquet]')") from None


def write_table(out: Any, schema, rows: Iterable[dict[str, Any]], metadata: dict[str, Any],
                extra: dict[str, Any] | None = None) -> None:
    """Rows (dicts in ``schema``'s shape) as a Parquet file, a row group at a time, to a report stream;
    ``metadata`` (what reading skipped or repaired) and each of ``extra`` go into the file's
    key-value metadata as JSON, ``extra``'s under ``dedup.<key>``."""
    _pyarrow()
    import pyarrow as pa
    import pyarrow.parquet as pq

    binary: BinaryIO | None = getattr(out, "buffer", None)
    if binary is None:
        raise ParameterError("--format parquet writes a file: give one with -o")
    out.flush()
    schema = schema.with_metadata({
        "dedup.ingest": json.dumps(metadata, ensure_ascii=False, sort_keys=True),
        **{f"dedup.{key}": json.dumps(value, ensure_ascii=False, sort_keys=True) for key, value in (extra or {}).items()},
    })
    with pq.ParquetWriter(binary, schema) as writer:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= _ROWS_PER_GROUP:
                writer.write_table(pa.Table.from_pylist(batch, schema=schema))
                batch = []
        writer.write_table(pa.Table.from_pylist(batch, schema=schema))
    binary.flush()
