"""Fuzzing (issue 11): arbitrary bytes and arbitrary JSON values, fed to every
reader, to the pipeline and to every writer, end in documents or in the
library's own errors (DedupError), never in anything else.

The examples are derandomised so that the suite is the same on every run;
``DEDUP_FUZZ_EXAMPLES`` asks for more of them (a longer hunt, by hand)."""

from __future__ import annotations

import gzip
import io
import json
import os
import sys
import tempfile
from pathlib import Path
from unittest import mock

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import dedup  # noqa: E402
from dedup.report import CLUSTER_FORMATS, PROVENANCE_FORMATS, write_clusters, write_provenance  # noqa: E402

EXAMPLES = int(os.environ.get("DEDUP_FUZZ_EXAMPLES", "200"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

SUFFIXES = [".txt", ".md", ".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".jsonl.gz", ".json.gz", ".csv.gz",
            ".jsonl.zst", "-", "/"]  # "-": stdin; "/": a folder holding a .txt file

# Any character, lone surrogates included: json.dumps writes them as \ud800 escapes.
ANY_TEXT = st.text(st.characters(blacklist_categories=()), max_size=40)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | ANY_TEXT
JSON_VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(ANY_TEXT, inner, max_size=4), max_leaves=12)
WORDS = st.lists(st.sampled_from(["the", "office", "aims", "to", "have", "a", "close", "bond", "\n\n", ".",
                                  "\u00e9t\u00e9", "\u65e5\u672c", "\ud83d\ude00", "\ud83d", "\udc80", "\u202e", "\x00",
                                  "\r\n", '"', ",", "="]),
                 max_size=60).map(" ".join)
RECORDS = st.lists(
    st.fixed_dictionaries(
        {"id": st.one_of(WORDS, ANY_TEXT, st.integers(), JSON_VALUES), "text": st.one_of(WORDS, ANY_TEXT, JSON_VALUES)},
        optional={"date": st.one_of(ANY_TEXT, JSON_VALUES, st.just("2018-05-03")), "source": JSON_VALUES,
                  "title": st.one_of(WORDS, ANY_TEXT), "extra": JSON_VALUES},
    ) | JSON_VALUES,
    max_size=6,
)


def _compress(suffix: str, data: bytes) -> bytes:
    if suffix.endswith(".gz"):
        return gzip.compress(data, mtime=0)
    if suffix.endswith(".zst"):
        zstandard = pytest.importorskip("zstandard")
        return zstandard.ZstdCompressor().compress(data)
    return data


def _write_all(result, writer, formats) -> None:
    for fmt in formats:  # a byte stream under the text: parquet writes to it
        writer(result, io.TextIOWrapper(io.BytesIO(), encoding="utf-8"), fmt)


def _read_and_run(folder: Path, suffix: str, data: bytes) -> None:
    """Read one input made of ``data`` and, when documents came out, run both commands and every writer."""
    if suffix == "-":
        source, stdin = "-", io.TextIOWrapper(io.BytesIO(data))
    elif suffix == "/":
        source, stdin = str(folder), sys.stdin
        (folder / "sub").mkdir()
        (folder / "sub" / "story.TXT").write_bytes(data)
    else:
        source, stdin = str(folder / f"input{suffix}"), sys.stdin
        Path(source).write_bytes(data)
    for skip_bad in (False, True):
        with mock.patch("sys.stdin", stdin):
            try:
                documents = list(dedup.read_documents([source], skip_bad=skip_bad))
            except dedup.DedupError:
                continue
        _write_all(dedup.find_clusters(documents), write_clusters, CLUSTER_FORMATS)
        _write_all(dedup.find_provenance(documents), write_provenance, PROVENANCE_FORMATS)
        stdin.seek(0) if suffix == "-" else None


@FUZZ
@given(suffix=st.sampled_from(SUFFIXES), data=st.binary(max_size=600), compressed=st.booleans())
def test_arbitrary_bytes_to_every_reader(suffix, data, compressed):
    with tempfile.TemporaryDirectory() as folder:
        _read_and_run(Path(folder), suffix, _compress(suffix, data) if compressed else data)


@FUZZ
@given(suffix=st.sampled_from([".jsonl", ".json", ".csv", ".jsonl.gz", ".jsonl.zst", "-"]), records=RECORDS,
       layout=st.sampled_from(["lines", "array", "one"]), ascii=st.booleans())
def test_arbitrary_json_values_to_every_reader(suffix, records, layout, ascii):
    if suffix == ".csv":
        keys = sorted({k for r in records if isinstance(r, dict) for k in r})
        lines = [",".join(keys)] + [",".join(json.dumps(r.get(k), ensure_ascii=ascii) if isinstance(r, dict) else ""
                                             for k in keys) for r in records]
        text = "\n".join(lines)
    elif layout == "array" and suffix != "-":
        text = json.dumps(records, ensure_ascii=ascii, indent=1)
    elif layout == "one" and suffix != "-" and records:
        text = json.dumps(records[0], ensure_ascii=ascii, indent=1)
    else:
        text = "".join(json.dumps(r, ensure_ascii=ascii) + "\n" for r in records)
    data = text.encode("utf-8", "surrogatepass")  # raw lone surrogates too: not UTF-8, decoded by fallback
    with tempfile.TemporaryDirectory() as folder:
        _read_and_run(Path(folder), suffix, _compress(suffix, data))


DOCUMENT_FIELDS = st.one_of(WORDS, ANY_TEXT, JSON_VALUES, st.binary(max_size=8))


@FUZZ
@given(items=st.lists(st.one_of(
    st.builds(dedup.Document, id=st.one_of(ANY_TEXT, st.integers(), st.none()), text=DOCUMENT_FIELDS,
              date=st.one_of(st.none(), ANY_TEXT, st.just("2018-05-03")),
              source=st.one_of(st.none(), ANY_TEXT, JSON_VALUES), extra=JSON_VALUES,
              location=st.one_of(st.just(""), ANY_TEXT, st.integers())),
    JSON_VALUES), max_size=6))
def test_arbitrary_documents_to_find_provenance(items):
    try:
        result = dedup.find_provenance(items)
    except dedup.DedupError:
        return
    _write_all(result, write_provenance, PROVENANCE_FORMATS)
