"""Hostile input and hostile surroundings (issue 11): every case ends in an
error naming the file and line, or with --skip-bad in a counted, reported
skip; output is written whole or not at all."""

from __future__ import annotations

import errno
import html
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli import GOOD, SHARED, invoke  # the command's harness and two stories sharing a paragraph
from test_cli import _lines as _jsonl

import dedup
from dedup.output import check_output, open_output

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def dump(tmp_path) -> Path:
    path = tmp_path / "dump.jsonl"
    path.write_text(_jsonl(GOOD), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------
# 7, 11, 15: output is written whole or not at all, never over an input


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("failure", [KeyboardInterrupt, dedup.InputError])
def test_a_failed_write_leaves_the_previous_file_untouched(tmp_path, failure):
    target = tmp_path / "report.txt"
    target.write_text("the previous report\n", encoding="utf-8")
    with pytest.raises(failure):
        with open_output(target) as out:
            out.write("half a report")
            raise failure("stop")
    assert target.read_text(encoding="utf-8") == "the previous report\n"
    assert _leftovers(tmp_path) == []


def test_a_full_disk_is_a_write_error_and_the_previous_file_stays(tmp_path, monkeypatch):
    target = tmp_path / "report.txt"
    target.write_text("the previous report\n", encoding="utf-8")

    def full(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("dedup.output.os.fsync", full)
    with pytest.raises(dedup.WriteError, match=r"report.txt: No space left on device \(the previous file is untouched\)"):
        with open_output(target) as out:
            out.write("a new report")
    assert target.read_text(encoding="utf-8") == "the previous report\n"
    assert _leftovers(tmp_path) == []


def test_a_complete_write_replaces_the_file_keeping_its_mode_and_symlink(tmp_path):
    target = tmp_path / "report.txt"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    link = tmp_path / "latest.txt"
    link.symlink_to(target)
    with open_output(link) as out:
        out.write("new \u00e9")
    assert link.is_symlink() and target.read_bytes() == "new \u00e9".encode("utf-8")
    assert (target.stat().st_mode & 0o777) == 0o640 and _leftovers(tmp_path) == []


def test_nothing_reaches_stdout_before_the_report_is_complete(capfdbinary):
    with pytest.raises(RuntimeError):
        with open_output(None) as out:
            out.write("a first line\n")
            raise RuntimeError("the writer failed")
    with open_output("-") as out:
        out.write("whole \u00e9\n")
    assert capfdbinary.readouterr().out == "whole \u00e9\n".encode("utf-8")


def test_a_report_for_stdout_that_cannot_be_held_is_an_error(monkeypatch, capfdbinary):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("dedup.output.SPOOL_BYTES", 4)
    monkeypatch.setattr("tempfile.TemporaryFile", full)
    with pytest.raises(dedup.WriteError, match="No space left on device; set TMPDIR .* or write to a file with -o"):
        with open_output(None) as out:
            out.write("more than four bytes")
    assert capfdbinary.readouterr().out == b""


def test_output_equal_to_an_input_is_refused(tmp_path, dump):
    before = dump.read_bytes()
    result = invoke("cluster", dump, "--jobs", "1", "-o", dump)
    assert result.exit_code == 1 and "is also an input" in result.stderr
    assert dump.read_bytes() == before
    other = tmp_path / "via" / ".." / dump.name
    (tmp_path / "via").mkdir()
    with pytest.raises(dedup.ParameterError):
        check_output(other, [str(dump)])
    check_output(tmp_path / "new.txt", [str(dump), "-"])  # a new file is no input


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("to_file", [False, True])
def test_a_full_stdout_or_output_device_is_an_error_not_a_traceback(to_file):
    args = [sys.executable, "-m", "dedup.cli", "cluster", "seeds/", "--jobs", "1", "-q"]
    with open("/dev/full", "wb") as full:
        done = subprocess.run(args + (["-o", "/dev/full"] if to_file else []), cwd=ROOT, stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "No space left on device" in done.stderr and done.stderr.startswith("Error: ")


def test_a_reader_that_stops_reading_is_no_error():
    args = [sys.executable, "-m", "dedup.cli", "cluster", "seeds/", "--jobs", "1", "-q"]
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.close()  # like `| head` having seen enough before the report comes
    stderr = process.stderr.read().decode()
    assert process.wait(timeout=120) == 0 and stderr == ""


# ---------------------------------------------------------------------------
# 16: --jobs beyond the cores


def test_jobs_beyond_the_cores_is_clamped_and_said(dump):
    result = invoke("cluster", dump, "--jobs", "1000", "--format", "jsonl")
    assert result.exit_code == 0
    assert "--jobs 1000 is more than the" in result.stderr and "cores available; using" in result.stderr
    assert result.stdout == invoke("cluster", dump, "--jobs", "1", "--format", "jsonl").stdout


# ---------------------------------------------------------------------------
# 10: a full $TMPDIR while documents wait on disk


def test_a_full_tmpdir_is_an_error_not_a_traceback(dump, monkeypatch):
    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("dedup.store.MEMORY_LIMIT", 0)
    monkeypatch.setattr("dedup.store.tempfile.TemporaryFile", full)
    result = invoke("provenance", dump, "--jobs", "1")
    assert result.exit_code == 1 and result.stdout == ""
    assert "cannot keep documents in a temporary file" in result.stderr and "No space left" in result.stderr


# ---------------------------------------------------------------------------
# 12, 17: every format says what reading left out (and only then changes)


@pytest.fixture()
def flawed(tmp_path) -> Path:
    path = tmp_path / "flawed.jsonl"
    records = [GOOD[0], "{oops", {**GOOD[1], "date": "last Tuesday"}]
    path.write_text(_jsonl(records), encoding="utf-8")
    return path


SKIP_LINE = "skipped {path}:2: malformed JSON: Expecting property name enclosed in double quotes (column 2)"
DATE_LINE = "date ignored {path}:3: 'last Tuesday' is not a date this reads"


@pytest.mark.parametrize(("command", "fmt"), [
    ("cluster", "text"), ("cluster", "jsonl"), ("cluster", "json"), ("cluster", "csv"),
    ("provenance", "markdown"), ("provenance", "json"), ("provenance", "jsonl"), ("provenance", "html"),
])
def test_every_format_says_what_was_skipped(tmp_path, flawed, command, fmt):
    result = invoke(command, flawed, "--jobs", "1", "--skip-bad", "-q", "--format", fmt)
    assert result.exit_code == 0 and result.stderr == ""
    out = result.stdout
    skipped = {"location": f"{flawed}:2", "reason": SKIP_LINE.format(path=flawed).split(": ", 1)[1]}
    dated = {"location": f"{flawed}:3", "reason": "'last Tuesday' is not a date this reads"}
    if fmt == "json":
        summary = json.loads(out)["summary"]
        assert summary["ingest_skipped"] == [skipped] and summary["ingest_ignored_dates"] == [dated]
    elif fmt == "jsonl":
        assert json.loads(out.splitlines()[-1]) == {"skipped": [skipped], "ignored_dates": [dated]}
    elif fmt == "csv":
        assert out.splitlines()[-2:] == [f"skipped,,,,{flawed}:2,,,{skipped['reason']}",
                                         f"date ignored,,,,{flawed}:3,,,{dated['reason']}"]
    else:
        escape = html.escape if fmt == "html" else str
        for line in (SKIP_LINE, DATE_LINE):
            assert escape(line.format(path=flawed)) in out
    clean = tmp_path / "clean.jsonl"
    clean.write_text(_jsonl(GOOD), encoding="utf-8")
    clean_out = invoke(command, clean, "--jobs", "1", "-q", "--format", fmt).stdout
    assert str(tmp_path) not in clean_out and 'id="skipped"' not in clean_out and "ignored_dates" not in clean_out


def test_the_summary_on_stderr_lists_skips_and_ignored_dates(flawed):
    result = invoke("cluster", flawed, "--jobs", "1", "--skip-bad")
    assert "1 skipped; 1 record dates ignored" in result.stderr
    assert f"dedup: {SKIP_LINE.format(path=flawed)}" in result.stderr
    assert f"dedup: {DATE_LINE.format(path=flawed)}" in result.stderr


# ---------------------------------------------------------------------------
# 19: ids and texts that attack a format


def _hostile(tmp_path) -> Path:
    path = tmp_path / "hostile.jsonl"
    records = [
        {"id": '=HYPERLINK("http://evil","x")', "text": "An opening paragraph.\n\n-2+3 " + SHARED},
        {"id": "line\n## forged heading", "text": "-2+3 " + SHARED + "\n\nA closing paragraph."},
        {"id": "abc\u202edcba\u2069", "text": GOOD[0]["text"] + " More."},
    ]
    path.write_text(_jsonl(records), encoding="utf-8")
    return path


def test_csv_cells_that_would_be_formulas_are_text(tmp_path):
    import csv
    import io

    out = invoke("cluster", _hostile(tmp_path), "--jobs", "1", "-q", "--format", "csv").stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    docs = {r["doc"] for r in rows}
    assert "'=HYPERLINK(\"http://evil\",\"x\")" in docs
    assert all(not cell.startswith(("=", "+", "-", "@")) for r in rows for cell in (r["doc"], r["text"]))
    assert any(r["text"].startswith("'-2+3 ") for r in rows)


def test_markdown_and_text_keep_each_id_on_its_line(tmp_path):
    path = _hostile(tmp_path)
    markdown = invoke("provenance", path, "--jobs", "1", "-q").stdout
    assert "## forged heading" not in markdown.splitlines()
    assert "## line\\u000a## forged heading" in markdown
    assert "abc\\u202edcba\\u2069" in markdown and "\u202e" not in markdown
    text = invoke("cluster", path, "--jobs", "1", "-q").stdout
    assert "\u202e" not in text and not any(line.startswith("## forged") for line in text.splitlines())


def test_html_isolates_ids_that_carry_bidi_marks(tmp_path):
    from dedup.report_html import _isolated

    assert _isolated("plain") == "plain"
    assert _isolated("abc\u202edcba") == "\u2068abc\u202edcba\u2069"
    # A stray PDI would close the isolate early: it goes; an unclosed isolate is closed.
    assert _isolated("\u2069\u202ex\u2067y") == "\u2068\u202ex\u2067y\u2069\u2069"
    page = invoke("provenance", _hostile(tmp_path), "--jobs", "1", "-q", "--format", "html").stdout
    payload = page.split('id="dedup-data">', 1)[1].split("</script>", 1)[0]
    ids = [d["id"] for d in json.loads(payload)["documents"]]
    assert "\u2068abc\u202edcba\u2069" in ids


# ---------------------------------------------------------------------------
# The reproductions through the command: exit 1 naming file and line,
# or with --skip-bad exit 0 and a reported skip; never a half-written file


def _good_lines() -> str:
    return _jsonl(GOOD)


REPRODUCTIONS = {
    "csv stray quote": ("q.csv", 'id,text\na,first doc\nb,"stray quote\nc,third doc\nd,fourth doc\n', 3),
    "surrogate in text": ("s.jsonl", _good_lines() + '{"id": "c", "text": "\\ud800"}\n', 3),
    "surrogate in id": ("s.jsonl", _good_lines() + '{"id": "\\ud800", "text": "t"}\n', 3),
    "surrogate in source": ("s.jsonl", _good_lines() + '{"id": "c", "text": "t", "source": "\\udfff"}\n', 3),
    "huge integer": ("n.jsonl", _good_lines() + '{"id": "c", "text": "t", "n": ' + "9" * 5000 + "}\n", 3),
    "deep nesting": ("d.jsonl", _good_lines() + '{"id": "c", "text": "t", "x": ' + "[" * 100_000 + "]" * 100_000
                     + "}\n", 3),
}


@pytest.mark.parametrize("case", sorted(REPRODUCTIONS))
def test_reproductions_end_in_an_error_or_a_reported_skip(tmp_path, case):
    name, content, line = REPRODUCTIONS[case]
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    target = tmp_path / "report.md"
    target.write_text("previous\n", encoding="utf-8")
    result = invoke("provenance", path, "--jobs", "1", "-o", target)
    assert result.exit_code == 1 and result.stderr.startswith(f"Error: {path}:{line}: ")
    assert target.read_text(encoding="utf-8") == "previous\n" and _leftovers(tmp_path) == []
    result = invoke("provenance", path, "--jobs", "1", "-o", target, "--skip-bad")
    assert result.exit_code == 0 and f"dedup: skipped {path}:{line}: " in result.stderr
    assert f"- skipped {path}:{line}: " in target.read_text(encoding="utf-8")


def test_non_utf8_file_names_are_written_escaped(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for name, record in zip((b"caf\xe9", b"b"), GOOD):
        with open(os.path.join(os.fsencode(folder), name + b".txt"), "wb") as handle:
            handle.write(record["text"].encode("utf-8"))
    target = tmp_path / "clusters.jsonl"
    result = invoke("cluster", folder, "--jobs", "1", "--format", "jsonl", "-o", target, "-q")
    assert result.exit_code == 0
    assert {m["doc"] for m in json.loads(target.read_text(encoding="utf-8"))["members"]} == {"caf\\xe9", "b"}


@pytest.mark.parametrize("skip_bad", [[], ["--skip-bad"]])
def test_nothing_read_exits_1(tmp_path, skip_bad):
    (tmp_path / "empty").mkdir()
    result = invoke("cluster", tmp_path / "empty", *skip_bad)
    assert result.exit_code == 1 and result.stderr == f"Error: {tmp_path / 'empty'}: nothing was read\n"
    (tmp_path / "scan.txt").write_bytes(b"\x00\x01binary" * 10)
    result = invoke("cluster", tmp_path / "scan.txt", *skip_bad)
    assert result.exit_code == 1 and "nothing was read (1 skipped:" in result.stderr and "binary file" in result.stderr
