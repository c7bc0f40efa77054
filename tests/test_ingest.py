"""ingest: files, folders, JSON Lines, CSV/TSV and stdin to Documents."""

from __future__ import annotations

import csv
import gzip
import json

import pytest
from click.testing import CliRunner

import dedup
from dedup.ingest import Document, IngestReport, decode_bytes, read_documents

TEXT = "The Office aims to have a close relationship with Security Council bodies and Member States."


def _read(*inputs, skip_bad=False):
    report = IngestReport()
    docs = list(read_documents([str(i) for i in inputs], skip_bad=skip_bad, report=report))
    return docs, report


def _jsonl(records) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")


RECORDS = [
    {"id": "a", "text": TEXT, "date": "2018-05-01", "source": "UN", "url": "https://un.org/a", "title": "A",
     "lang": "en", "tags": ["x", "y"]},
    {"id": 7, "text": "Second.", "date": "", "title": None},
]


def _check_records(docs):
    assert [d.id for d in docs] == ["a", "7"]
    a, b = docs
    assert (a.text, a.date, a.source, a.url, a.title) == (TEXT, "2018-05-01", "UN", "https://un.org/a", "A")
    assert dict(a.extra) == {"lang": "en", "tags": ["x", "y"]}
    assert (b.date, b.title, dict(b.extra)) == (None, None, {})


# ---------------------------------------------------------------------------
# Folders and text files


def test_folder_ids_are_relative_paths_without_suffix_sorted(tmp_path):
    for name in ("b.txt", "a.txt", "sub/c.txt", "sub/deeper/a.txt", "notes.md", "sub/data.csv"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"text of {name}", encoding="utf-8")
    docs, report = _read(tmp_path)
    assert [d.id for d in docs] == ["a", "b", "sub/c", "sub/deeper/a"]
    assert docs[2].text == "text of sub/c.txt"
    assert report.documents == 4 and not report.skipped


def test_single_text_file_id_is_its_name(tmp_path):
    (tmp_path / "story.txt").write_text(TEXT, encoding="utf-8")
    docs, _ = _read(tmp_path / "story.txt")
    assert [(d.id, d.text) for d in docs] == [("story", TEXT)]


def test_text_keeps_crlf_and_bom_is_dropped(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"\xef\xbb\xbfLine one\r\nLine two")
    (doc,), report = _read(tmp_path)
    assert doc.text == "Line one\r\nLine two" and not report.fallback_decoded


def test_binary_files_are_skipped_and_reported(tmp_path):
    (tmp_path / "good.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    docs, report = _read(tmp_path)
    assert [d.id for d in docs] == ["good"]
    assert [(s.location.endswith("image.txt"), s.reason) for s in report.skipped] == [(True, "binary file")]


def test_non_utf8_bytes_are_decoded_by_fallback_and_counted(tmp_path):
    (tmp_path / "cp1252.txt").write_bytes("\u201cCaf\u00e9\u201d cr\u00e8me \u2013 na\u00efve".encode("cp1252"))
    (tmp_path / "utf8.txt").write_text("Caf\u00e9", encoding="utf-8")
    docs, report = _read(tmp_path)
    assert docs[0].text == "\u201cCaf\u00e9\u201d cr\u00e8me \u2013 na\u00efve"
    assert len(report.fallback_decoded) == 1 and report.fallback_decoded[0].endswith("cp1252.txt")
    assert report.as_dict()["fallback_decoded"] == 1


def test_decode_bytes():
    assert decode_bytes("na\u00efve".encode("utf-8")) == ("na\u00efve", False)
    assert decode_bytes("na\u00efve".encode("latin-1")) == ("na\u00efve", True)
    text, fallback = decode_bytes(b"\x81\x8d bytes cp1252 leaves undefined")
    assert fallback and text.endswith("bytes cp1252 leaves undefined")


def test_empty_document_is_kept_and_yields_no_passages(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "full.txt").write_text(TEXT, encoding="utf-8")
    docs, _ = _read(tmp_path)
    assert [(d.id, d.text) for d in docs] == [("empty", ""), ("full", TEXT)]
    signed = dedup.sign_documents(docs)
    assert signed.doc_ids == ("empty", "full")
    assert 0 not in signed.passages.doc.tolist()


# ---------------------------------------------------------------------------
# Records: JSON Lines, compressed, CSV, TSV, stdin


def test_jsonl_records_carry_metadata_and_extra_fields(tmp_path):
    path = tmp_path / "dump.jsonl"
    path.write_bytes(_jsonl(RECORDS) + b"\n   \n")  # blank lines are ignored
    docs, report = _read(path)
    _check_records(docs)
    assert docs[0].location == f"{path}:1" and report.documents == 2


def test_jsonl_gz(tmp_path):
    path = tmp_path / "dump.jsonl.gz"
    path.write_bytes(gzip.compress(_jsonl(RECORDS)))
    _check_records(_read(path)[0])


def test_jsonl_zst_in_one_and_several_frames(tmp_path):
    zstandard = pytest.importorskip("zstandard")
    one = tmp_path / "one.jsonl.zst"
    one.write_bytes(zstandard.ZstdCompressor().compress(_jsonl(RECORDS)))
    _check_records(_read(one)[0])
    several = tmp_path / "several.jsonl.zst"
    several.write_bytes(b"".join(zstandard.ZstdCompressor().compress(_jsonl([r])) for r in RECORDS))
    _check_records(_read(several)[0])


@pytest.mark.parametrize(("suffix", "delimiter"), [(".csv", ","), (".tsv", "\t")])
def test_csv_and_tsv(tmp_path, suffix, delimiter):
    path = tmp_path / f"dump{suffix}"
    rows = [["id", "text", "date", "source", "lang"],
            ["a", 'Line one\nline "two"', "2018-05-01", "UN", "en"],
            ["b", "Second.", "", "", ""]]
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    docs, _ = _read(path)
    assert [(d.id, d.text, d.date, d.source) for d in docs] == [
        ("a", 'Line one\nline "two"', "2018-05-01", "UN"), ("b", "Second.", None, None),
    ]
    assert dict(docs[0].extra) == {"lang": "en"}


def test_csv_needs_id_and_text_columns(tmp_path):
    path = tmp_path / "dump.csv"
    path.write_text("name,body\na,b\n", encoding="utf-8")
    with pytest.raises(dedup.InputError) as info:
        _read(path)
    assert (info.value.path, info.value.line) == (str(path), 1)


def test_stdin_dash_reads_json_lines():
    with CliRunner().isolation(input=_jsonl(RECORDS)):
        docs, _ = _read("-")
    _check_records(docs)
    assert docs[0].location == "<stdin>:1"


def test_inputs_stream_in_order(tmp_path):
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "x.txt").write_text("x", encoding="utf-8")
    (tmp_path / "dump.jsonl").write_bytes(_jsonl(RECORDS))
    docs, report = _read(tmp_path / "dump.jsonl", tmp_path / "folder")
    assert [d.id for d in docs] == ["a", "7", "x"] and report.documents == 3


# ---------------------------------------------------------------------------
# Bad input: an error naming file and line, or a counted skip


@pytest.mark.parametrize(
    ("lines", "line", "reason"),
    [
        ([RECORDS[0], '{"id": "b", "text":'], 2, "malformed JSON"),
        ([RECORDS[0], {"text": "no id"}], 2, "record has no 'id'"),
        ([{"id": "b"}], 1, "record has no 'text'"),
        ([RECORDS[0], {"id": "a", "text": "again"}], 2, "duplicate id 'a'"),
        (["[1, 2]"], 1, "record is not a JSON object"),
        ([{"id": "a", "text": 5}], 1, "'text' a string"),
    ],
)
def test_bad_records_raise_or_are_skipped(tmp_path, lines, line, reason):
    path = tmp_path / "bad.jsonl"
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in lines), encoding="utf-8")
    with pytest.raises(dedup.InputError) as info:
        _read(path)
    assert (info.value.path, info.value.line) == (str(path), line)
    assert reason in str(info.value) and str(info.value).startswith(f"{path}:{line}: ")

    docs, report = _read(path, skip_bad=True)
    assert len(docs) == len(lines) - 1 == report.documents
    (skipped,) = report.skipped
    assert skipped.location == f"{path}:{line}" and reason in skipped.reason


def test_duplicate_ids_across_files_name_the_second(tmp_path):
    (tmp_path / "one.jsonl").write_bytes(_jsonl([RECORDS[0]]))
    (tmp_path / "two.csv").write_text("id,text\nb,x\na,y\n", encoding="utf-8")
    with pytest.raises(dedup.InputError) as info:
        _read(tmp_path / "one.jsonl", tmp_path / "two.csv")
    assert (info.value.path, info.value.line) == (str(tmp_path / "two.csv"), 3)


def test_missing_input_is_an_error_even_with_skip_bad(tmp_path):
    for skip_bad in (False, True):
        with pytest.raises(dedup.InputError, match="no such file or folder"):
            _read(tmp_path / "missing.jsonl", skip_bad=skip_bad)


@pytest.mark.parametrize("name", ["bad.jsonl.gz", "cut.jsonl.gz", "bad.jsonl.zst"])
def test_corrupt_archives_are_bad_input(tmp_path, name):
    path = tmp_path / name
    if name.startswith("cut"):
        data = gzip.compress(_jsonl(RECORDS * 50))
        path.write_bytes(data[: len(data) // 2])
    else:
        if name.endswith(".zst"):
            pytest.importorskip("zstandard")
        path.write_bytes(b"this is not compressed data")
    with pytest.raises(dedup.InputError, match="cannot read") as info:
        _read(path)
    assert info.value.path == str(path)
    _, report = _read(path, skip_bad=True)
    assert [s.location for s in report.skipped] == [str(path)]


def test_non_utf8_json_line_is_decoded_and_counted(tmp_path):
    path = tmp_path / "dump.jsonl"
    path.write_bytes(b'{"id": "a", "text": "caf\xe9"}\n' + _jsonl([RECORDS[1]]))
    docs, report = _read(path)
    assert docs[0].text == "caf\u00e9"
    assert report.fallback_decoded == [f"{path}:1"]


def test_document_equality_ignores_extra_and_location():
    assert Document("a", "t", extra={"x": 1}, location="f:1") == Document("a", "t")
