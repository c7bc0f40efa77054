"""The archive under an interrupted add and under concurrent use: killed at any
moment, an add leaves the file whole and without a trace of its batch, and
running it again gives what an uninterrupted run gives; readers see the last
committed state while an add runs; a second writer waits a bounded time."""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

import dedup
from dedup import Archive
from dedup.report import write_provenance

from archive_corpus import generated_corpus
from conftest import ROOT

CORPUS = generated_corpus(2400, seed=31)
BASE, DAY = CORPUS[:1200], CORPUS[1200:]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """An archive of the first articles (closed, so the file holds everything), and the next day as JSON Lines."""
    root = tmp_path_factory.mktemp("safety")
    with Archive(root / "base.db", create=True) as archive:
        archive.add(BASE, jobs=2)
    day = root / "day.jsonl"
    day.write_text("".join(json.dumps({"id": d.id, "text": d.text, "date": d.date, "source": d.source}) + "\n"
                           for d in DAY), encoding="utf-8")
    return root


def _add(db, day, out, quiet: bool = True) -> subprocess.Popen:
    args = [sys.executable, "-m", "dedup.cli", "archive", "add", str(db), str(day), "--format", "json",
            "--jobs", "1", "-o", str(out)] + (["-q"] if quiet else [])
    return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def _report(db) -> str:
    with Archive(db) as archive:
        out = io.StringIO()
        write_provenance(archive.report(jobs=2), out, "json")
        return out.getvalue()


@pytest.fixture(scope="module")
def uninterrupted(files):
    db = files / "whole.db"
    shutil.copy(files / "base.db", db)
    done = _add(db, files / "day.jsonl", files / "whole.json")
    assert done.wait(timeout=600) == 0, done.stderr.read()
    return _report(db)


def _kill_when(running: subprocess.Popen, ready) -> bool:
    """Kill the add (SIGKILL) once ``ready()``; False when it ended first."""
    while not ready():
        if running.poll() is not None:
            return False
        time.sleep(0.001)
    os.kill(running.pid, signal.SIGKILL)
    running.wait()
    return True


def _kill_after_step(running: subprocess.Popen, step: str) -> bool:
    """Kill the add as soon as it tells (on stderr) that ``step`` has ended; False when it ended first."""
    for line in running.stderr:
        if line.startswith(f"dedup: {step}:"):
            os.kill(running.pid, signal.SIGKILL)
            running.wait()
            return True
    return False


@pytest.mark.parametrize("moment", ["sign", "align", "committing"])
def test_an_add_killed_at_any_moment_leaves_the_archive_whole_and_the_rerun_equals_an_uninterrupted_one(
        files, uninterrupted, moment):
    """Killed when signing has ended (pairs are looked up), when alignment has ended (the
    report is made and the batch written), and as the commit reaches the write-ahead log."""
    whole_report = uninterrupted
    db = files / f"killed-{moment}.db"
    shutil.copy(files / "base.db", db)
    running = _add(db, files / "day.jsonl", files / f"killed-{moment}.json", quiet=moment == "committing")
    wal = f"{db}-wal"
    if moment == "committing":
        _kill_when(running, lambda: os.path.exists(wal) and os.path.getsize(wal) > 0)
    else:
        assert _kill_after_step(running, moment), "the add ended before it could be killed"
    with sqlite3.connect(db) as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        count = check.execute("SELECT count(*) FROM documents").fetchone()[0]
        batches = check.execute("SELECT count(*) FROM batches").fetchone()[0]
    # All of the batch or nothing of it; nothing when the kill came before the commit could end.
    assert (count, batches) in {(len(BASE), 1), (len(CORPUS), 2)}
    if moment != "committing":
        assert (count, batches) == (len(BASE), 1)
    again = _add(db, files / "day.jsonl", files / f"rerun-{moment}.json")
    assert again.wait(timeout=600) == 0, again.stderr.read()
    if count == len(BASE):
        assert (files / f"rerun-{moment}.json").read_bytes() == (files / "whole.json").read_bytes()
    assert _report(db) == whole_report


def _locked(db) -> bool:
    probe = sqlite3.connect(db, timeout=0)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        probe.close()


def test_readers_work_while_an_add_runs_and_a_second_writer_fails_after_a_bounded_wait(files):
    db = files / "busy.db"
    shutil.copy(files / "base.db", db)
    running = _add(db, files / "day.jsonl", files / "busy.json")
    try:
        deadline = time.monotonic() + 60
        while not _locked(db):
            assert running.poll() is None and time.monotonic() < deadline, "the add never took the write lock"
            time.sleep(0.02)
        with Archive(db) as reader:
            assert reader.info().documents == len(BASE)
            found = reader.query([DAY[0]])
            assert [d.id for d in found.provenance.report.documents] == [DAY[0].id]
        info = subprocess.run([sys.executable, "-m", "dedup.cli", "archive", "info", str(db), "--json"], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        assert info.returncode == 0 and json.loads(info.stdout)["documents"] == len(BASE)
        started = time.monotonic()
        with Archive(db, wait=0.5) as writer:
            with pytest.raises(dedup.WriteError, match="another process is writing to the archive; waited 0.5 s"):
                writer.add([DAY[0]])
        assert time.monotonic() - started < 5
        assert running.poll() is None, "the add ended before the second writer tried"
    finally:
        assert running.wait(timeout=600) == 0, running.stderr.read()
    with Archive(db) as reader:
        assert reader.info().documents == len(CORPUS)


# -- compaction: the same guarantees as an add

#: A compaction in a process of its own that stops inside its transaction once it has merged
#: the kinds named on its command line (and writes a line saying so), and goes on to commit
#: when the file named last appears: a kill -9, a reader or a second writer then meets it
#: at a known moment.
_PAUSING_COMPACT = """
import os, sys, time
from dedup import Archive
from dedup.archive import postings
merge = postings.compact
def pausing(db, kind):
    merge(db, kind)
    if kind in {int(k) for k in sys.argv[2].split(",")}:
        print("merged", kind, flush=True)
        while not os.path.exists(sys.argv[3]):
            time.sleep(0.01)
postings.compact = pausing
with Archive(sys.argv[1]) as archive:
    archive.compact()
"""


@pytest.fixture(scope="module")
def several_runs(files):
    """The base archive with the day added in three adds: several runs of postings of each kind."""
    db = files / "runs.db"
    shutil.copy(files / "base.db", db)
    with Archive(db) as archive:
        for k in range(3):
            archive.add(DAY[k * 400 : (k + 1) * 400], jobs=2)
    return db


def _layout(db) -> tuple[list[list[int]], list[list[int]]]:
    """Each kind's run sizes, and its postings in (key, doc) order."""
    from dedup.archive import postings

    with Archive(db) as archive:
        sizes = [postings.run_sizes(archive._db, kind) for kind in (postings.BAND, postings.ANCHOR)]
        every = []
        for kind in (postings.BAND, postings.ANCHOR):
            pairs = sorted((k, d) for keys, docs in postings.all_postings(archive._db, kind)
                           for k, d in zip(keys.tolist(), docs.tolist()))
            every.append(pairs)
    return sizes, every


def _pausing_compact(db, kinds: str, go) -> subprocess.Popen:
    running = subprocess.Popen([sys.executable, "-c", _PAUSING_COMPACT, str(db), kinds, str(go)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = running.stdout.readline()
    assert line.startswith("merged"), running.stderr.read()
    return running


@pytest.mark.parametrize("kinds", ["0", "1"])
def test_a_compaction_killed_inside_its_transaction_leaves_the_archive_as_it_was(files, several_runs, kinds):
    """Killed after merging the band keys, and after merging both kinds (before the commit)."""
    db = files / f"compact-killed-{kinds}.db"
    shutil.copy(several_runs, db)
    before = _layout(db)
    assert sum(len(s) for s in before[0]) > 2
    running = _pausing_compact(db, kinds, files / "never")
    os.kill(running.pid, signal.SIGKILL)
    running.wait()
    with sqlite3.connect(db) as check:
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert _layout(db) == before
    with Archive(db) as archive:
        archive.compact()
    sizes, every = _layout(db)
    assert every == before[1] and sizes == [[sum(s)] for s in before[0]]
    assert _report(db) == _report(several_runs)


def test_readers_work_while_a_compaction_runs_and_a_second_writer_fails_after_a_bounded_wait(files, several_runs):
    db = files / "compact-busy.db"
    shutil.copy(several_runs, db)
    go = files / "compact-go"
    with Archive(db) as archive:
        asked = archive.query(DAY[:3] + BASE[:2])
        runs_before = archive._run_count()
    running = _pausing_compact(db, "1", go)  # both kinds merged, not committed
    try:
        with Archive(db) as reader:
            assert reader.info().documents == len(BASE) + 1200
            assert reader._run_count() == runs_before  # the last committed state
            assert _json(reader.query(DAY[:3] + BASE[:2])) == _json(asked)
        started = time.monotonic()
        with Archive(db, wait=0.5) as writer:
            with pytest.raises(dedup.WriteError, match="another process is writing to the archive; waited 0.5 s"):
                writer.compact()
            with pytest.raises(dedup.WriteError, match="another process is writing"):
                writer.add([DAY[-1]])
        assert time.monotonic() - started < 5
        assert running.poll() is None
    finally:
        go.touch()
        assert running.wait(timeout=600) == 0, running.stderr.read()
    with Archive(db) as reader:
        assert reader._run_count() == 2
        assert _json(reader.query(DAY[:3] + BASE[:2])) == _json(asked)


def _json(result) -> str:
    out = io.StringIO()
    write_provenance(result.provenance, out, "json")
    return out.getvalue()
