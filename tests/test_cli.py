"""The dedup command through click's CliRunner: exit codes, messages, formats, help."""

from __future__ import annotations

import csv
import io
import json
import random
import re

import click
import pytest
from click.testing import CliRunner, Result

from dedup.cli import main

SHARED = (
    "The Office aims to have a close relationship with Security Council bodies and Member States, "
    "strengthening existing and developing new partnerships."
)
GOOD = [
    {"id": "a", "text": "An opening paragraph of the first story.\n\n" + SHARED, "date": "2018-05-01"},
    {"id": "b", "text": SHARED + "\n\nA closing paragraph of the second story.", "date": "2018-05-03"},
]


def _lines(records) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def _write(tmp_path, name: str, records) -> str:
    path = tmp_path / name
    path.write_text(_lines(records), encoding="utf-8")
    return str(path)


def invoke(*args: str, input: str | bytes | None = None) -> Result:
    result = CliRunner().invoke(main, [str(a) for a in args], input=input)
    # Bad input never ends in a traceback, whatever the exit code.
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


# ---------------------------------------------------------------------------
# Bad input: exit 1 with file:line, or exit 0 with --skip-bad and a summary


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ('{"id": "c", "text": "unterminated', "malformed JSON"),
        ({"text": "a record without an id"}, "record has no 'id'"),
        ({"id": "c"}, "record has no 'text'"),
        ({"id": "a", "text": "a second record with id a"}, "duplicate id 'a'"),
    ],
)
def test_bad_records_stop_with_file_and_line_or_are_skipped(tmp_path, bad, reason):
    path = _write(tmp_path, "dump.jsonl", [*GOOD, bad])
    result = invoke("cluster", path, "--jobs", "1")
    assert result.exit_code == 1
    assert f"{path}:3: {reason}" in result.stderr and result.stdout == ""

    result = invoke("cluster", path, "--jobs", "1", "--skip-bad")
    assert result.exit_code == 0
    assert "2 documents" in result.stdout
    assert "1 skipped" in result.stderr
    assert f"skipped {path}:3: {reason}" in result.stderr


def test_bad_record_in_the_middle_of_stdin(tmp_path):
    result = invoke("cluster", "-", "--jobs", "1", input=_lines([GOOD[0], "{oops", GOOD[1]]))
    assert result.exit_code == 1 and "<stdin>:2: malformed JSON" in result.stderr


def test_binary_file_is_skipped_and_reported(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    for record in GOOD:
        (folder / f"{record['id']}.txt").write_text(record["text"], encoding="utf-8")
    (folder / "scan.txt").write_bytes(b"\x00\x01\x02\x03 not text \xff\xfe" * 20)
    result = invoke("cluster", folder, "--jobs", "1")
    assert result.exit_code == 0
    assert result.stdout.startswith("2 documents")
    assert "1 skipped" in result.stderr and f"skipped {folder / 'scan.txt'}: binary file" in result.stderr


def test_non_utf8_file_is_decoded_and_counted(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("Caf\u00e9 cr\u00e8me, \u201cna\u00efve\u201d \u2013 ".encode("cp1252") + SHARED.encode("ascii"))
    other = _write(tmp_path, "dump.jsonl", GOOD)
    result = invoke("cluster", path, other, "--jobs", "1", "--format", "jsonl")
    assert result.exit_code == 0
    assert "1 decoded by fallback" in result.stderr
    members = [m for line in result.stdout.splitlines() for m in json.loads(line)["members"]]
    assert {m["doc"] for m in members} == {"latin", "a", "b"}


def test_missing_input_path(tmp_path):
    for extra in ([], ["--skip-bad"]):
        result = invoke("cluster", tmp_path / "nowhere.jsonl", *extra)
        assert result.exit_code == 1 and "nowhere.jsonl: no such file or folder" in result.stderr


def test_corrupt_archive(tmp_path):
    path = tmp_path / "dump.jsonl.gz"
    path.write_bytes(b"not gzip")
    result = invoke("cluster", path)
    assert result.exit_code == 1 and f"{path}: cannot read" in result.stderr


@pytest.mark.parametrize(
    ("command", "option", "value"),
    [
        ("cluster", "--threshold", "3"),
        ("cluster", "--threshold", "0"),
        ("cluster", "--num-perm", "0"),
        ("cluster", "--ngram", "0"),
        ("cluster", "--seed", "-1"),
        ("cluster", "--containment", "0"),
        ("provenance", "--boilerplate", "1"),
        ("provenance", "--min-words", "0"),
        ("provenance", "--threshold", "1"),
    ],
)
def test_bad_parameters_exit_1_naming_the_option_before_reading_input(tmp_path, command, option, value):
    # The input does not exist: the parameter is checked before it is looked for.
    result = invoke(command, tmp_path / "missing.jsonl", option, value)
    assert result.exit_code == 1 and result.stderr.startswith(f"Error: {option} ")
    assert "missing.jsonl" not in result.stderr


def test_unwritable_output_exits_1(tmp_path):
    path = _write(tmp_path, "dump.jsonl", GOOD)
    result = invoke("cluster", path, "--jobs", "1", "-o", tmp_path / "no" / "such" / "dir.txt")
    assert result.exit_code == 1 and "cannot write" in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["cluster", "x.jsonl", "--bogus"],
        ["cluster", "x.jsonl", "--num-perm", "x"],
        ["cluster", "x.jsonl", "--threshold", "half"],
        ["cluster", "x.jsonl", "--format", "xml"],
        ["cluster"],
        ["nonsense"],
        ["provenance", "x.jsonl", "--boilerplate", "many"],
    ],
)
def test_usage_errors_exit_2(args):
    result = invoke(*args)
    assert result.exit_code == 2 and "Usage:" in result.stderr


# ---------------------------------------------------------------------------
# Help


def test_help_for_the_group_and_every_command():
    result = invoke("--help")
    assert result.exit_code == 0
    for name, command in main.commands.items():
        assert name in result.stdout
        assert command.help and command.help.strip()
        page = invoke(name, "-h")
        assert page.exit_code == 0 and page.stdout.startswith(f"Usage: main {name}")
        for param in command.params:
            if isinstance(param, click.Option):
                assert param.help and param.help.strip(), f"{name} {param.opts} has no help"
                assert param.opts[-1] in page.stdout


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and "dedup" in result.stdout


# ---------------------------------------------------------------------------
# Output


@pytest.fixture()
def dump(tmp_path) -> str:
    return _write(tmp_path, "dump.jsonl", GOOD)


def _texts() -> dict[str, str]:
    return {r["id"]: r["text"] for r in GOOD}


def test_text_format(dump):
    result = invoke("cluster", dump, "--jobs", "1")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"2 documents, \d+ passages, 1 clusters of shared passages", lines[0])
    assert re.fullmatch(r"c000001  2 documents, 2 passages, similarity \d\.\d\d", lines[2])
    assert re.fullmatch(r"  a \[\d+:\d+\]", lines[3]) and lines[4].startswith("    ")
    assert lines[4].endswith("developing new partnerships.")  # the preview: start ... end
    assert "dedup: 2 documents" in result.stderr


def test_jsonl_format_members_slice_the_original(dump):
    result = invoke("cluster", dump, "--jobs", "1", "--format", "jsonl")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["cluster"] for r in records] == ["c000001"]
    (record,) = records
    assert list(record) == ["cluster", "size", "documents", "similarity", "members"]
    assert (record["size"], record["documents"]) == (2, 2) and 0.5 <= record["similarity"] <= 1.0
    assert [m["doc"] for m in record["members"]] == ["a", "b"]
    for m in record["members"]:
        assert list(m) == ["doc", "start", "end", "text"]
        assert m["text"] == _texts()[m["doc"]][m["start"] : m["end"]] and SHARED in m["text"]


def test_json_format(dump):
    payload = json.loads(invoke("cluster", dump, "--jobs", "1", "--format", "json").stdout)
    assert payload["summary"]["documents"] == 2 and payload["summary"]["clusters"] == 1
    assert payload["summary"]["ingest_skipped"] == []
    assert SHARED in payload["clusters"][0]["members"][0]["text"]


def test_csv_format(dump):
    rows = list(csv.DictReader(io.StringIO(invoke("cluster", dump, "--jobs", "1", "--format", "csv").stdout)))
    assert [(r["cluster"], r["doc"]) for r in rows] == [("c000001", "a"), ("c000001", "b")]
    assert all(_texts()[r["doc"]][int(r["start"]) : int(r["end"])] == r["text"] for r in rows)
    assert all(SHARED in r["text"] for r in rows)


def test_output_file(tmp_path, dump):
    target = tmp_path / "clusters.jsonl"
    result = invoke("cluster", dump, "--jobs", "1", "--format", "jsonl", "-o", target, "-q")
    assert result.exit_code == 0 and result.output == ""
    assert json.loads(target.read_text(encoding="utf-8"))["cluster"] == "c000001"


def test_stdin(dump):
    with open(dump, encoding="utf-8") as handle:
        from_stdin = invoke("cluster", "-", "--jobs", "1", "--format", "jsonl", input=handle.read())
    assert from_stdin.exit_code == 0
    assert from_stdin.stdout == invoke("cluster", dump, "--jobs", "1", "--format", "jsonl").stdout


def test_quiet_writes_nothing_to_stderr(dump):
    result = invoke("cluster", dump, "--jobs", "1", "-q")
    assert result.exit_code == 0 and result.stderr == ""


def test_provenance_runs(dump):
    result = invoke("provenance", dump, "--jobs", "1", "--format", "jsonl")
    assert result.exit_code == 0
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["a", "b"]


def _many_documents(n: int = 600) -> str:
    rng = random.Random(0)
    words = [f"w{i}" for i in range(300)]
    shared = [" ".join(rng.choice(words) for _ in range(30)) + "." for _ in range(40)]
    records = []
    for i in range(n):
        own = f"Story {i} opens " + " ".join(rng.choice(words) for _ in range(12)) + "."
        records.append({"id": f"d{i:04d}", "text": "\n\n".join([own, *rng.sample(shared, 3)])})
    return _lines(records)


def test_jobs_2_gives_the_same_bytes_as_jobs_1(tmp_path):
    # 600 documents: three batches of 256, so the pool really is used.
    path = tmp_path / "many.jsonl"
    path.write_text(_many_documents(), encoding="utf-8")
    one = invoke("cluster", path, "--jobs", "1", "--format", "jsonl", "-q")
    two = invoke("cluster", path, "--jobs", "2", "--format", "jsonl", "-q")
    assert one.exit_code == two.exit_code == 0
    assert one.stdout_bytes == two.stdout_bytes and one.stdout.count("\n") > 10


def test_provenance_jobs_2_gives_the_same_bytes_as_jobs_1(tmp_path):
    # 40 shared paragraphs over 600 documents give thousands of pairs to align:
    # several alignment batches go through the pool.
    path = tmp_path / "many.jsonl"
    path.write_text(_many_documents(), encoding="utf-8")
    one = invoke("provenance", path, "--jobs", "1", "--format", "json", "-q")
    two = invoke("provenance", path, "--jobs", "2", "--format", "json", "-q")
    assert one.exit_code == two.exit_code == 0
    assert one.stdout_bytes == two.stdout_bytes
    assert json.loads(one.stdout)["summary"]["document_pairs"] > 512
