"""Parquet in and out: a dump moves between the engines without JSON."""

from __future__ import annotations

import io
import json

import pytest

from dedup import cluster_files, provenance_files, read_documents
from dedup.errors import InputError
from dedup.report import write_clusters, write_provenance

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


def _records():
    shared = ("The Office aims to have a close relationship with Security Council bodies and Member States, "
              "strengthening existing and developing new partnerships.")
    return [
        {"id": "a", "text": "First report. " + shared, "date": "2018-05-01", "source": "wire", "lang": "en"},
        {"id": "b", "text": shared + " Later words.", "date": "2018-05-03", "source": None, "lang": "en"},
        {"id": "c", "text": "Nothing in common with the others at all, just words.", "date": None,
         "source": "paper", "lang": None},
    ]


def test_parquet_dump_reads_as_its_json_lines(tmp_path):
    records = _records()
    jsonl = tmp_path / "dump.jsonl"
    jsonl.write_text("".join(json.dumps({k: v for k, v in r.items() if v is not None}) + "\n" for r in records))
    parquet = tmp_path / "dump.parquet"
    pq.write_table(pa.Table.from_pylist(records), parquet)
    from_json, from_parquet = list(read_documents([jsonl])), list(read_documents([parquet]))
    assert from_parquet == from_json
    assert [d.extra for d in from_parquet] == [d.extra for d in from_json]
    assert from_parquet[1].location == f"{parquet}:2"


def test_bad_parquet_row_is_named_by_file_and_row(tmp_path):
    path = tmp_path / "bad.parquet"
    pq.write_table(pa.Table.from_pylist([{"id": "a", "text": "x"}, {"id": "b", "text": None}]), path)
    with pytest.raises(InputError, match=r"bad\.parquet:2: record has no 'text'"):
        list(read_documents([path]))


def test_corrupt_parquet_file_is_an_input_error(tmp_path):
    path = tmp_path / "corrupt.parquet"
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(InputError, match="corrupt.parquet: cannot read"):
        list(read_documents([path]))


def _parquet(write, result) -> pa.Table:
    buffer = io.BytesIO()
    stream = io.TextIOWrapper(buffer, encoding="utf-8")
    write(result, stream, "parquet")
    return pq.read_table(io.BytesIO(buffer.getvalue()))


def test_parquet_reports_hold_what_the_json_reports_hold(seeds_dir):
    result = provenance_files([seeds_dir])
    table = _parquet(write_provenance, result)
    assert table.to_pylist() == json.loads(json.dumps(result.report.to_dict()["documents"]))
    assert json.loads(table.schema.metadata[b"dedup.ingest"])["documents"] == 5
    clusters = cluster_files([seeds_dir])
    rows = _parquet(write_clusters, clusters).to_pylist()
    assert len(rows) == sum(c.size for c in clusters.clusters)
    assert rows[0]["cluster"] == "c000001" and rows[0]["text"]


def test_parquet_report_needs_a_file(seeds_dir):
    with pytest.raises(Exception, match="give one with -o"):
        write_clusters(cluster_files([seeds_dir]), io.StringIO(), "parquet")
