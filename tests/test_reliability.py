"""Hostile input and hostile surroundings (issue 11): every case ends in an
error naming the file and line, or with --skip-bad in a counted, reported
skip; output is written whole or not at all."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import dedup
from dedup.cli import main
from dedup.output import check_output, open_output

ROOT = Path(__file__).resolve().parent.parent
SHARED = (
    "The Office aims to have a close relationship with Security Council bodies and Member States, "
    "strengthening existing and developing new partnerships."
)
GOOD = [
    {"id": "a", "text": "An opening paragraph of the first story.\n\n" + SHARED, "date": "2018-05-01"},
    {"id": "b", "text": SHARED + "\n\nA closing paragraph of the second story.", "date": "2018-05-03"},
]


def _jsonl(records) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def invoke(*args, input: str | bytes | None = None) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args], input=input)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


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
