"""Progress: every long step tells how far it is; the command line shows it, never with -q."""

from __future__ import annotations

import io

import dedup
from dedup.cli import _Progress

from test_cli import GOOD, _write, invoke
from test_cut_independence import CORPUS


def _record(run, params: dedup.Params = dedup.Params()) -> tuple[list[tuple[str, int, int | None]], object]:
    calls: list[tuple[str, int, int | None]] = []
    result = run(CORPUS, params, progress=lambda step, done, total: calls.append((step, done, total)))
    return calls, result


def test_provenance_reports_every_step_in_order_with_its_count():
    calls, result = _record(dedup.find_provenance, dedup.Params(batch_size=5))
    steps = list(dict.fromkeys(step for step, _, _ in calls))
    assert steps == ["sign", "candidates", "verify", "cluster", "pairs", "align", "provenance"]
    signed = [done for step, done, _ in calls if step == "sign"]
    assert signed[0] == 0 and signed == sorted(signed) and signed[-1] == len(CORPUS)
    bands = dedup.Params().lsh.bands[0]
    assert [c for c in calls if c[0] == "candidates"][-1] == ("candidates", bands, bands)
    aligned = [(done, total) for step, done, total in calls if step == "align"]
    assert aligned[0] == (0, result.stats["document_pairs"]) and aligned[-1][0] == result.stats["document_pairs"]


def test_clusters_report_the_steps_they_run():
    calls, _ = _record(dedup.find_clusters)
    assert list(dict.fromkeys(step for step, _, _ in calls)) == ["sign", "candidates", "verify", "cluster"]


def test_plain_lines_off_a_terminal_with_share_and_time_left():
    stream = io.StringIO()
    progress = _Progress(stream, every=0.0)
    progress("sign", 0, None)  # a step's start says nothing yet
    progress("sign", 256, None)
    progress("align", 0, 1000)
    progress("align", 250, 1000)
    progress.close()
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("dedup: sign: 256 documents")
    assert any(line.startswith("dedup: align: 250/1,000 pairs (25%, about ") and "s left" in line for line in lines)
    assert lines[-1].startswith("dedup: align: 1,000/1,000 pairs (100%)")  # a step that ended is complete


def test_reading_files_is_told_in_bytes_of_their_total(tmp_path):
    path = _write(tmp_path, "dump.jsonl", GOOD)
    calls = []
    dedup.cluster_files([path], progress=lambda step, done, total: calls.append((step, done, total)))
    size = (tmp_path / "dump.jsonl").stat().st_size
    read = [c for c in calls if c[0] == "read"]
    assert read and read[-1] == ("read", size, size) and not any(c[0] == "sign" for c in calls)


def test_the_command_shows_progress_on_stderr_unless_quiet(tmp_path):
    path = _write(tmp_path, "dump.jsonl", GOOD)
    shown = invoke("provenance", path, "--format", "json")
    size = (tmp_path / "dump.jsonl").stat().st_size / 1e6
    assert shown.exit_code == 0 and "dedup: align: " in shown.stderr
    assert f"dedup: read: {size:,.1f}/{size:,.1f} MB (100%)" in shown.stderr
    quiet = invoke("provenance", path, "--format", "json", "-q")
    assert quiet.exit_code == 0 and quiet.stderr == ""
