"""ingest: files, folders, JSON Lines, CSV/TSV and stdin to Documents."""

from __future__ import annotations

import csv
import gzip
import inspect
import json
import os
import sys

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
        ([RECORDS[1], {"id": "b"}], 2, "record has no 'text'"),
        ([RECORDS[0], {"id": "a", "text": "again"}], 2, "duplicate id 'a'"),
        ([RECORDS[1], "[1, 2]"], 2, "record is not a JSON object"),
        ([RECORDS[1], {"id": "a", "text": 5}], 2, "'text' a string"),
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
        data = gzip.compress(_jsonl(RECORDS[1:] * 50))
        path.write_bytes(gzip.compress(_jsonl(RECORDS[:1])) + data[: len(data) // 2])  # a whole member, half a member
    else:
        if name.endswith(".zst"):
            pytest.importorskip("zstandard")
        path.write_bytes(b"this is not compressed data")
    with pytest.raises(dedup.InputError, match="cannot read") as info:
        _read(path)
    assert info.value.path == str(path)
    good = tmp_path / "good.jsonl"
    good.write_bytes(_jsonl([RECORDS[1]]))
    docs, report = _read(path, good, skip_bad=True)
    (skipped,) = report.skipped
    assert skipped.location.startswith(str(path)) and report.documents == len(docs)
    if name.startswith("cut"):  # what came before the break was read, and the message says where it broke
        assert [d.id for d in docs] == ["a", "7"]
        assert skipped.location == f"{path}:2" and "breaks off after line 1" in skipped.reason


def test_non_utf8_json_line_is_decoded_and_counted(tmp_path):
    path = tmp_path / "dump.jsonl"
    path.write_bytes(b'{"id": "a", "text": "caf\xe9"}\n' + _jsonl([RECORDS[1]]))
    docs, report = _read(path)
    assert docs[0].text == "caf\u00e9"
    assert report.fallback_decoded == [f"{path}:1"]


def test_document_equality_ignores_extra_and_location():
    assert Document("a", "t", extra={"x": 1}, location="f:1") == Document("a", "t")


# ---------------------------------------------------------------------------
# Hostile input (issue 11): an error naming file and line, or a counted skip


def _raises_at(path, line, reason, *inputs):
    with pytest.raises(dedup.InputError) as info:
        _read(*(inputs or (path,)))
    assert (info.value.path, info.value.line) == (str(path), line), str(info.value)
    assert reason in info.value.reason, info.value.reason
    return info.value


def test_csv_unclosed_quote_costs_one_record_not_the_rest(tmp_path):
    path = tmp_path / "q.csv"
    path.write_text('id,text\na,first doc\nb,"stray quote\nc,third doc\nd,fourth doc\n', encoding="utf-8")
    _raises_at(path, 3, "malformed CSV: unclosed quote")
    docs, report = _read(path, skip_bad=True)
    assert [(d.id, d.text) for d in docs] == [("a", "first doc"), ("c", "third doc"), ("d", "fourth doc")]
    assert [(s.location, s.reason) for s in report.skipped] == [
        (f"{path}:3", "malformed CSV: unclosed quote: the record runs to the end of the file")]


def test_csv_errors_name_the_first_line_of_a_multiline_record(tmp_path):
    path = tmp_path / "multi.csv"
    path.write_text('id,text\n\na,"line one\nline two"\nb,"one\ntwo" and more\nc,fine\n', encoding="utf-8")
    _raises_at(path, 5, "malformed CSV")
    docs, report = _read(path, skip_bad=True)
    assert [d.id for d in docs] == ["a", "c"] and docs[0].location == f"{path}:3"
    assert report.skipped[0].location == f"{path}:5"  # and what follows the break is reported too
    assert all(s.location.startswith(f"{path}:") for s in report.skipped)


def test_truncated_zstd_is_an_error_not_a_short_corpus(tmp_path):
    zstandard = pytest.importorskip("zstandard")
    data = zstandard.ZstdCompressor().compress(_jsonl(RECORDS * 200))
    path = tmp_path / "cut.jsonl.zst"
    path.write_bytes(data[: len(data) - 10])
    with pytest.raises(dedup.InputError, match="truncated") as info:
        _read(path)
    assert info.value.path == str(path)
    empty = tmp_path / "empty.jsonl.zst"
    empty.write_bytes(b"")
    (tmp_path / "one.jsonl").write_bytes(_jsonl(RECORDS[:1]))
    assert [d.id for d in _read(empty, tmp_path / "one.jsonl")[0]] == ["a"]  # an empty file is no truncation


@pytest.mark.parametrize("field", ["text", "id", "source", "title"])
def test_a_lone_surrogate_is_bad_input_wherever_it_is(tmp_path, field):
    path = tmp_path / "dump.jsonl"
    bad = {"id": "b", "text": "fine", field: "half an emoji \ud83d here"}
    path.write_text(json.dumps(RECORDS[0]) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    error = _raises_at(path, 2, f"'{field}' has a lone surrogate \\ud83d at character 14")
    assert "\ud83d" not in str(error)  # the message itself can be printed
    docs, report = _read(path, skip_bad=True)
    assert [d.id for d in docs] == ["a"] and report.skipped[0].location == f"{path}:2"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"id": "b", "text": "t", "n": ' + "7" * 5000 + "}", "malformed JSON: Exceeds the limit"),
        ('{"id": "b", "text": "t", "deep": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
        ('{"id": "b", "text": "t", "x": nope}', "malformed JSON: Expecting value (column 31)"),
        ('{"id": "b", "text": "t", "deep": ' + "[" * 101 + "]" * 101 + "}", "nested more than 100 levels deep"),
        ('{"id": "b", "text": "t", "title": {"a": 1}}', "'title' must be a string, got a JSON object"),
    ],
)
def test_json_lines_that_python_cannot_hold_are_bad_records(tmp_path, line, reason):
    path = tmp_path / "dump.jsonl"
    path.write_text(json.dumps(RECORDS[0]) + "\n" + line + "\n", encoding="utf-8")
    _raises_at(path, 2, reason)
    docs, report = _read(path, skip_bad=True)
    assert [d.id for d in docs] == ["a"] and len(report.skipped) == 1


def test_an_unreadable_subfolder_is_an_error_or_a_skip(tmp_path, monkeypatch):
    (tmp_path / "ok.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "x.txt").write_text(TEXT, encoding="utf-8")
    scandir = os.scandir

    def denied(path):  # root reads any folder: refuse this one by hand
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", denied)
    _raises_at(tmp_path / "locked", None, "cannot read folder: Permission denied", tmp_path)
    docs, report = _read(tmp_path, skip_bad=True)
    assert [d.id for d in docs] == ["ok"]
    assert [s.location for s in report.skipped] == [str(tmp_path / "locked")]


def test_a_folder_tree_deeper_than_the_recursion_limit(tmp_path):
    deep = tmp_path.joinpath(*["d"] * 300)
    deep.mkdir(parents=True)
    (deep / "end.txt").write_text(TEXT, encoding="utf-8")
    # A limit below the tree's depth (rather than a tree deeper than the usual
    # limit, which shutil.rmtree, and so pytest's cleanup, could not remove).
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 100)
    try:
        (doc,), _ = _read(tmp_path)
    finally:
        sys.setrecursionlimit(limit)
    assert doc.id == "d/" * 300 + "end" and doc.text == TEXT


def test_file_names_that_are_not_utf8_give_escaped_ids(tmp_path):
    folder = os.fsencode(tmp_path)
    with open(os.path.join(folder, b"caf\xe9.txt"), "wb") as handle:
        handle.write(TEXT.encode("utf-8"))
    (doc,), _ = _read(tmp_path)
    assert doc.id == "caf\\xe9" and doc.location == f"{tmp_path}/caf\\xe9.txt"
    doc.id.encode("utf-8")  # writable anywhere


def test_txt_in_any_case_and_symlinks_are_read_or_reported(tmp_path):
    (tmp_path / "UPPER.TXT").write_text("upper", encoding="utf-8")
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "inner.txt").write_text("inner", encoding="utf-8")
    (tmp_path / "linked").symlink_to(tmp_path / "real")
    (tmp_path / "real" / "up").symlink_to(tmp_path)  # a loop
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    (tmp_path / "a.txt").symlink_to(tmp_path / "b.txt")
    (tmp_path / "b.txt").symlink_to(tmp_path / "a.txt")  # a loop of files
    _raises_at(tmp_path / "a.txt", None, "cannot read", tmp_path)
    docs, report = _read(tmp_path, skip_bad=True)
    assert [(d.id, d.text) for d in docs] == [("UPPER", "upper"), ("linked/inner", "inner"), ("real/inner", "inner")]
    reasons = {s.location.removeprefix(f"{tmp_path}/"): s.reason for s in report.skipped}
    assert set(reasons) == {"a.txt", "b.txt", "dangling.txt", "linked/up", "real/up"}
    assert "symlink to nothing" in reasons["dangling.txt"] and "loop" in reasons["real/up"]


@pytest.mark.parametrize("layout", ["array", "lines", "one"])
def test_json_files_hold_records(tmp_path, layout):
    path = tmp_path / "dump.json"
    if layout == "array":
        path.write_text(json.dumps(RECORDS, indent=2), encoding="utf-8")
    elif layout == "lines":
        path.write_bytes(_jsonl(RECORDS))
    else:
        path.write_text(json.dumps(RECORDS[0], indent=2), encoding="utf-8")
    docs, report = _read(path)
    if layout == "one":
        assert [d.id for d in docs] == ["a"] and docs[0].location == f"{path}:1"
        return
    _check_records(docs)
    assert [d.location for d in docs] == [f"{path}:{n}" for n in ((2, 15) if layout == "array" else (1, 2))]


def test_a_broken_json_array_names_the_line_and_says_the_rest_was_not_read(tmp_path):
    path = tmp_path / "dump.json"
    path.write_text('[\n {"id": "a", "text": "t"},\n {"id": "b", "text": oops},\n {"id": "c", "text": "t"}\n]',
                    encoding="utf-8")
    error = _raises_at(path, 3, "malformed JSON: Expecting value (column 22)")
    assert "the rest of the file was not read" in error.reason
    docs, report = _read(path, skip_bad=True)
    assert [d.id for d in docs] == ["a"] and report.skipped[0].location == f"{path}:3"


def test_errors_in_pretty_printed_json_are_placed_exactly(tmp_path):
    path = tmp_path / "dump.json"
    path.write_text('[\n {"id": "a",\n  "text": "t"},\n {"id": "b",\n  "text": oops}\n]', encoding="utf-8")
    _raises_at(path, 5, "malformed JSON: Expecting value (column 11); the rest of the file was not read")
    path.write_text('{\n "id": "a",\n "text": oops\n}\n', encoding="utf-8")
    _raises_at(path, 3, "malformed JSON: Expecting value (column 10)")
    path.write_text('[{"id": "a", "text": "t"},\n {"id": "b", "text": "t", "n": ' + "1" * 5000 + "}]", encoding="utf-8")
    _raises_at(path, 2, "value has 5000 digits (column 32)")


def test_odd_paths_are_reported_not_raised(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "ok.txt").write_text(TEXT, encoding="utf-8")
    _raises_at(tmp_path / "pipe.txt", None, "not a regular file", tmp_path)
    with pytest.raises(dedup.InputError, match=r"^\\ud800.txt: no such file or folder"):
        _read("\ud800.txt")


def test_utf16_with_a_bom_is_text_and_a_stray_byte_costs_one_character(tmp_path):
    (tmp_path / "wide.txt").write_bytes(b"\xff\xfe" + "Caf\u00e9 \u2013 \u65e5\u672c".encode("utf-16-le"))
    (tmp_path / "stray.txt").write_bytes("na\u00efve \u201cquoted\u201d ".encode("utf-8") + b"\xff" + b" tail")
    docs, report = _read(tmp_path)
    texts = {d.id: d.text for d in docs}
    assert texts["wide"] == "Caf\u00e9 \u2013 \u65e5\u672c"
    assert texts["stray"] == "na\u00efve \u201cquoted\u201d \ufffd tail"
    assert report.fallback_decoded == [str(tmp_path / "stray.txt")]


def test_record_dates_that_are_not_dates_are_counted_and_reported(tmp_path):
    path = tmp_path / "dump.jsonl"
    path.write_bytes(_jsonl([RECORDS[0], {"id": "b", "text": "t", "date": "last Tuesday"}]))
    docs, report = _read(path)
    assert [d.id for d in docs] == ["a", "b"]
    assert [(s.location, s.reason) for s in report.ignored_dates] == [
        (f"{path}:2", "'last Tuesday' is not a date this reads")]
    assert report.as_dict()["ignored_dates"] == [{"location": f"{path}:2", "reason": report.ignored_dates[0].reason}]
    assert "ignored_dates" not in IngestReport().as_dict()


@pytest.mark.parametrize("value", [
    "2018-05-03", "2018-02-29", "2016-02-29", "2018-13-01", "2018-00-10", "0000-01-01", "2018-05-03T18:53",
    "2018-05-03T24:00", "2018-05-03T23:60", "2018-05-03T18:53:59", "2018-05-03T18:53:60", "2018-5-3",
    "2018-05-03 18:53", "2018-05-03T18:53Z", "3 May 2018", "last Tuesday", "٢٠١٨-05-03",
])
def test_the_quick_date_check_agrees_with_parse_date(value):
    from dedup.dates import parse_date
    from dedup.ingest import _is_date

    assert _is_date(value) == (parse_date(value) is not None)


def test_nothing_read_is_an_error(tmp_path):
    (tmp_path / "empty").mkdir()
    _raises_at(tmp_path / "empty", None, "nothing was read")
    (tmp_path / "bad.jsonl").write_text("{oops\n", encoding="utf-8")
    _raises_at(tmp_path / "bad.jsonl", 1, "malformed JSON")
    with pytest.raises(dedup.InputError, match=r"bad.jsonl: nothing was read \(1 skipped: .*bad.jsonl:1: malformed"):
        _read(tmp_path / "bad.jsonl", skip_bad=True)


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        (Document("a", None), "'text' must be a string, got NoneType"),
        (Document("a", b"bytes"), "'text' must be a string, got bytes (decode it first)"),
        (Document("a", 5), "'text' must be a string, got int"),
        (Document(None, "t"), "'id' must be a string, got NoneType"),
        (Document(7, "t"), "'id' must be a string, got int"),
        (Document("a", "t", source="\udc80"), "'source' has a lone surrogate"),
        ({"id": "a", "text": "t"}, "item 2 is a dict, not a dedup.Document"),
        ("text", "item 2 is a str, not a dedup.Document"),
    ],
)
def test_the_library_checks_what_it_is_given(doc, reason):
    good = Document("z", TEXT)
    for run in (dedup.find_clusters, dedup.find_provenance):
        with pytest.raises(dedup.InputError) as info:
            run([good, doc])
        assert reason in str(info.value)
        if isinstance(doc, Document):
            assert (info.value.path, info.value.line) == ("<documents>", 2)
    with pytest.raises(dedup.InputError, match=r"^<documents>:1: 'text' must be a string"):
        dedup.find_clusters([Document("a", None, location=7)])  # a location that is no place
    located = Document("a", None, location="dump.jsonl:9")
    with pytest.raises(dedup.InputError, match=r"^dump.jsonl:9: 'text' must be a string"):
        dedup.find_clusters([located])


def test_the_library_leaves_the_csv_field_limit_alone_and_names_it(tmp_path):
    previous = csv.field_size_limit(1000)  # whatever the process had, a small limit for this test
    try:
        path = tmp_path / "long.csv"
        path.write_text("id,text\na," + "x" * 1010 + "\n", encoding="utf-8")
        with pytest.raises(dedup.InputError, match=r"long.csv:2: .*longer than csv.field_size_limit\(\) \(1,000"):
            list(dedup.read_documents([path]))
        assert csv.field_size_limit() == 1000
    finally:
        csv.field_size_limit(previous)


def test_the_command_reads_csv_fields_longer_than_the_default_limit(tmp_path):
    from click.testing import CliRunner

    from dedup.cli import main

    path = tmp_path / "long.csv"
    path.write_text("id,text\na,\"" + "word " * 40000 + "\"\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["cluster", str(path), "-q"])
    assert result.exit_code == 0, result.output
