"""The archive: adding in batches gives the batch run's report byte for byte;
the file keeps its parameters and format; add is one transaction; remove
undoes an article; duplicate ids and bad input follow the batch commands."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3

import numpy as np
import pytest
from click.testing import CliRunner

import dedup
from dedup import Archive, Document
from dedup.archive import postings, write_archive_result
from dedup.cli import main
from dedup.report import PROVENANCE_FORMATS, write_provenance

from archive_corpus import generated_corpus, in_batches
from conftest import SEEDS


def _batch(docs):
    """The batch run of ``docs`` as the command line makes it: reading counted every document."""
    return dedup.find_provenance(docs, ingest=dedup.IngestReport(documents=len(docs)))


def _written(result, fmt: str) -> bytes:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")  # a binary buffer under it, as a file has: Parquet needs one
    write_provenance(result, out, fmt)
    out.flush()
    return raw.getvalue()


def _cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


# -- equality with the batch run


@pytest.fixture(scope="module")
def seeds_in_two(tmp_path_factory):
    """seeds/ added in two batches through the command line; the batch run's files beside."""
    root = tmp_path_factory.mktemp("seeds")
    files = sorted(SEEDS.glob("*.txt"))
    for part, chosen in (("p1", files[:3]), ("p2", files[3:])):
        (root / part).mkdir()
        for f in chosen:
            shutil.copy(f, root / part / f.name)
    db = str(root / "seeds.db")
    for part in ("p1", "p2"):
        done = _cli("archive", "add", db, str(root / part), "-q", "--jobs", "1", "-o", str(root / f"{part}.md"))
        assert done.exit_code == 0, done.output
    return root, db


@pytest.mark.parametrize("fmt", PROVENANCE_FORMATS)
def test_seeds_in_two_batches_report_the_bytes_of_the_batch_run(seeds_in_two, fmt):
    root, db = seeds_in_two
    assert _cli("archive", "report", db, "--format", fmt, "-q", "-o", str(root / f"archive.{fmt}")).exit_code == 0
    assert _cli("provenance", str(SEEDS), "--format", fmt, "-q", "--jobs", "1",
                "-o", str(root / f"batch.{fmt}")).exit_code == 0
    assert (root / f"archive.{fmt}").read_bytes() == (root / f"batch.{fmt}").read_bytes()


CORPUS = generated_corpus(2000)


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """The generated corpus added in five date-ordered batches (some articles a batch late)."""
    path = tmp_path_factory.mktemp("generated") / "news.db"
    results = []
    with Archive(path, create=True) as archive:
        for batch in in_batches(CORPUS, 5):
            results.append(archive.add(batch, jobs=2))
    return path, results


@pytest.fixture(scope="module")
def batch_run():
    # As the command line runs it: reading counted every document.
    return dedup.find_provenance(CORPUS, jobs=2, ingest=dedup.IngestReport(documents=len(CORPUS)))


@pytest.fixture(scope="module")
def archive_report(generated):
    with Archive(generated[0]) as archive:
        return archive.report(jobs=2)


@pytest.mark.parametrize("fmt", PROVENANCE_FORMATS)
def test_five_batches_report_the_bytes_of_the_batch_run(archive_report, batch_run, fmt):
    assert _written(archive_report, fmt) == _written(batch_run, fmt)


def _archive_result_json(result) -> str:
    out = io.StringIO()
    write_archive_result(result, out, "json")
    return out.getvalue()


def test_compacting_the_postings_changes_no_result(batch_run, tmp_path):
    """Compaction merges each kind's runs into one: the report keeps the batch run's
    bytes, and a query or an add after it gives what it gives without it."""
    batches = in_batches(CORPUS, 8)
    plain, compacted = tmp_path / "plain.db", tmp_path / "compacted.db"
    with Archive(plain, create=True) as archive:
        for batch in batches[:-1]:
            archive.add(batch, jobs=2)
        runs = [len(postings.run_sizes(archive._db, kind)) for kind in (postings.BAND, postings.ANCHOR)]
    assert min(runs) > 1  # the adds left several runs of each kind
    shutil.copy(plain, compacted)
    done = _cli("archive", "compact", str(compacted))
    assert done.exit_code == 0 and f"{sum(runs)} runs of postings compacted into 2" in done.output, done.output
    with Archive(compacted) as archive:
        assert [len(postings.run_sizes(archive._db, k)) for k in (postings.BAND, postings.ANCHOR)] == [1, 1]
        assert archive.compact() == (2, 2)  # nothing left to merge
    seen = {}
    for path in (plain, compacted):
        with Archive(path) as archive:
            queried = archive.query(batches[-1][:40] + batches[0][:5])
            added = archive.add(batches[-1], jobs=2)
            seen[path] = [_archive_result_json(queried), _archive_result_json(added)]
    assert seen[plain] == seen[compacted]
    with Archive(compacted) as archive:
        assert _written(archive.report(jobs=2), "json") == _written(batch_run, "json")


def test_add_reports_every_new_article_and_late_arrivals_revise_origins(generated, batch_run):
    path, results = generated
    for batch, result in zip(in_batches(CORPUS, 5), results):
        assert [d.id for d in result.provenance.report.documents] == sorted(d.id for d in batch)
    revisions = [r for result in results for r in result.revisions]
    assert {r.kind for r in revisions} >= {"carrier", "origin"}
    # A revision of an origin names the origin the whole corpus gives that text.
    final = {d.id: d for d in batch_run.report.documents}
    for r in (r for r in revisions if r.kind == "origin" and r.after is not None):
        spans = [s for s in final[r.doc].spans if s.start < r.end and r.start < s.end]
        assert any(s.origin == r.after for s in spans), r


def test_the_last_add_reports_its_articles_as_the_batch_run_does(generated, batch_run):
    """The last batch's add against the batch run of the whole corpus (nothing came after it):
    every reused stretch found, and nearly every span the same (the add sees a neighbourhood,
    not the whole archive: see dedup.archive.neighbourhood)."""
    final = {d.id: d for d in batch_run.report.documents}
    same = covered = total = 0
    for doc in generated[1][-1].provenance.report.documents:
        found = {(s.start, s.end, s.role, s.origin, s.boilerplate) for s in doc.spans}
        for span in final[doc.id].spans:
            total += 1
            same += (span.start, span.end, span.role, span.origin, span.boilerplate) in found
            covered += any(s.start < span.end and span.start < s.end for s in doc.spans)
    assert total > 100 and covered == total and same >= 0.95 * total, (same, covered, total)


def test_every_format_of_an_add_report_carries_its_revisions(generated):
    result = next(r for r in generated[1] if r.revisions)
    first = result.revisions[0]
    for fmt in PROVENANCE_FORMATS:
        raw = io.BytesIO()
        out = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
        write_archive_result(result, out, fmt)
        out.flush()
        if fmt == "parquet":
            import pyarrow.parquet as pq

            meta = pq.read_schema(io.BytesIO(raw.getvalue())).metadata
            assert json.loads(meta[b"dedup.revisions"])[0]["doc"] == first.doc
            continue
        text = raw.getvalue().decode("utf-8")
        assert first.doc in text.split("evision", 1)[1], fmt
    payload = io.StringIO()
    write_archive_result(result, payload, "json")
    assert len(json.loads(payload.getvalue())["revisions"]) == len(result.revisions)


# -- idempotence, duplicates, remove


def _small(path, docs=None) -> Archive:
    archive = Archive(path, create=True)
    archive.add(docs if docs is not None else CORPUS[:300])
    return archive


def test_adding_the_same_input_twice_adds_nothing_the_second_time(tmp_path):
    with _small(tmp_path / "a.db") as archive:
        before = archive.info()
        again = archive.add(CORPUS[:300])
        after = archive.info()
    assert again.added == () and len(again.unchanged) == 300
    assert (after.documents, after.passages, after.aligned_pairs, after.batches) == (
        before.documents, before.passages, before.aligned_pairs, before.batches)


def test_an_id_archived_for_another_text_is_a_duplicate_id(tmp_path):
    changed = Document(CORPUS[0].id, CORPUS[0].text + " A correction.", location="day2.jsonl:7")
    with _small(tmp_path / "a.db", CORPUS[:50]) as archive:
        with pytest.raises(dedup.InputError, match=r"day2.jsonl:7: duplicate id"):
            archive.add([CORPUS[60], changed])
        assert archive.info().documents == 50  # the whole batch was refused
        report = dedup.IngestReport()
        result = archive.add([CORPUS[60], changed], skip_bad=True, ingest=report)
        assert result.added == (CORPUS[60].id,) and "duplicate id" in report.skipped[0].reason
    with pytest.raises(dedup.ParameterError, match="duplicate document id"):
        with Archive(tmp_path / "b.db", create=True) as other:
            other.add([CORPUS[1], CORPUS[1]])


def test_remove_then_report_equals_the_batch_run_without_the_article_and_it_can_come_back(tmp_path):
    docs = CORPUS[:400]
    gone = next(d for d in docs if d.id in {m.doc for c in dedup.find_provenance(docs).report.clusters
                                             for m in c.members})
    rest = [d for d in docs if d.id != gone.id]
    with _small(tmp_path / "a.db", docs) as archive:
        assert archive.remove([gone.id]) == 1
        assert _written(archive.report(), "json") == _written(_batch(rest), "json")
        with pytest.raises(dedup.ParameterError, match="no article"):
            archive.remove([gone.id])
        archive.add([gone])
        assert _written(archive.report(), "json") == _written(_batch(docs), "json")


def test_remove_leaves_no_posting_or_pair_of_the_article(tmp_path):
    with _small(tmp_path / "a.db", CORPUS[:100]) as archive:
        (num,) = archive._db.execute("SELECT num FROM documents WHERE id = ?", (CORPUS[5].id,)).fetchone()
        before = {kind: _postings(archive, kind) for kind in (postings.BAND, postings.ANCHOR)}
        assert all((docs == num).any() for docs in before.values())
        archive.remove([CORPUS[5].id])
        for kind, docs in before.items():
            after = _postings(archive, kind)
            assert not (after == num).any() and len(after) == (docs != num).sum()
            # each run's count is what its blocks hold
            for run, count in archive._db.execute("SELECT id, postings FROM runs WHERE kind = ?", (kind,)):
                held = sum(len(d) // 4 for (d,) in archive._db.execute("SELECT docs FROM blocks WHERE run = ?", (run,)))
                assert held == count
        assert archive._db.execute("SELECT count(*) FROM pairs WHERE a = ? OR b = ?", (num, num)).fetchone()[0] == 0


def _postings(archive, kind):
    return np.concatenate([docs for _, docs in postings.all_postings(archive._db, kind)])


# -- parameters and format


def test_parameters_are_fixed_when_the_archive_is_created(tmp_path):
    path = tmp_path / "a.db"
    Archive(path, {"threshold": 0.6}, create=True).close()
    with pytest.raises(dedup.ParameterError, match=r"--threshold.*holds 0\.6, got 0\.5"):
        Archive(path, dedup.Params())
    with Archive(path) as archive:
        assert archive.params.threshold == 0.6
    done = _cli("archive", "add", str(path), str(SEEDS), "--num-perm", "64", "-q")
    assert done.exit_code == 1 and "--num-perm" in done.output and "128" in done.output and "64" in done.output


def test_a_newer_format_or_a_file_that_is_no_archive_is_refused(tmp_path):
    path = tmp_path / "a.db"
    Archive(path, create=True).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE key = 'format'")
    with pytest.raises(dedup.InputError, match="format 99 is newer"):
        Archive(path)
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '1' WHERE key = 'format'")
    with pytest.raises(dedup.InputError, match="format 1 is older than this dedup reads .*new archive"):
        Archive(path)
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t(x)")
    with pytest.raises(dedup.InputError, match="not a dedup archive"):
        Archive(other)
    text = tmp_path / "notes.txt"
    text.write_text("just some words, long enough to fill a header of a database page " * 3)
    done = _cli("archive", "info", str(text))
    assert done.exit_code == 1 and "not an archive" in done.output and "Traceback" not in done.output
    done = _cli("archive", "report", str(tmp_path / "missing.db"))
    assert done.exit_code == 1 and "no such archive" in done.output


def test_the_file_holds_no_pickle_and_runs_in_wal_mode(tmp_path):
    with _small(tmp_path / "a.db", CORPUS[:50]) as archive:
        assert archive._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        blobs = archive._db.execute("SELECT passages, signatures, sizes FROM documents").fetchall()
    assert not any(b.startswith(b"\x80") and b.endswith(b".") for row in blobs for b in row if len(b) > 2)


# -- bad input and the command line


def test_bad_input_is_an_error_naming_file_and_line_and_adds_nothing(tmp_path):
    db = str(tmp_path / "a.db")
    assert _cli("archive", "add", db, str(SEEDS), "-q").exit_code == 0
    bad = tmp_path / "day.jsonl"
    bad.write_text('{"id": "x1", "text": "Some words here for a record."}\n{"id": "x2", "text": \n', encoding="utf-8")
    done = _cli("archive", "add", db, str(bad), "-q")
    assert done.exit_code == 1 and f"{bad}:2" in done.output and "Traceback" not in done.output
    with Archive(db) as archive:
        assert archive.info().documents == 5
    done = _cli("archive", "add", db, str(bad), "-q", "--skip-bad", "--format", "json")
    assert done.exit_code == 0 and json.loads(done.output)["summary"]["ingest_skipped"][0]["location"] == f"{bad}:2"


def test_query_adds_nothing_and_info_tells_the_counts(tmp_path):
    db = str(tmp_path / "a.db")
    assert _cli("archive", "add", db, str(SEEDS), "-q").exit_code == 0
    suspect = tmp_path / "suspect.txt"
    suspect.write_text((SEEDS / sorted(p.name for p in SEEDS.glob("*.txt"))[0]).read_text(encoding="utf-8"))
    done = _cli("archive", "query", db, str(suspect), "--format", "json", "-q")
    assert done.exit_code == 0
    (doc,) = json.loads(done.output)["documents"]
    assert doc["id"] == "suspect" and doc["near_duplicates"]
    info = json.loads(_cli("archive", "info", db, "--json").output)
    assert info["documents"] == 5 and info["format"] == dedup.archive.FORMAT and info["params"]["threshold"] == 0.5
    assert _cli("archive", "remove", db, "nope").exit_code == 1


def test_a_failed_first_add_leaves_no_archive_behind_and_an_existing_one_stays(tmp_path):
    db = tmp_path / "new.db"
    bad = tmp_path / "day.jsonl"
    bad.write_text('{"id": "x1", "text": "Some words here for a record."}\n{"id": "x2", "text": \n', encoding="utf-8")
    done = _cli("archive", "add", str(db), str(bad), "-q")
    assert done.exit_code == 1 and f"{bad}:2" in done.output
    assert not list(tmp_path.glob("new.db*"))
    with pytest.raises(dedup.InputError):
        with Archive(db, create=True) as archive:
            archive.add(dedup.read_documents([bad]))
    assert not list(tmp_path.glob("new.db*"))
    assert _cli("archive", "add", str(db), str(SEEDS), "-q").exit_code == 0
    assert _cli("archive", "add", str(db), str(bad), "-q").exit_code == 1
    with Archive(db) as archive:
        assert archive.info().documents == 5


def test_remove_takes_its_records_out_of_what_reading_noted(tmp_path):
    db = str(tmp_path / "a.db")
    assert _cli("archive", "add", db, str(SEEDS), "-q").exit_code == 0
    day = tmp_path / "day.jsonl"
    words = " ".join(f"word{i}" for i in range(40))
    day.write_bytes(b'{"id": "x1", "text": "Caf\xe9 ' + words.encode() + b'"}\n{"id": "x2", "text": \n'
                    b'{"id": "x3", "text": "Another ' + words.encode() + b'", "date": "not a date"}\n')
    assert _cli("archive", "add", db, str(day), "-q", "--skip-bad").exit_code == 0

    def summary():
        return json.loads(_cli("archive", "report", db, "--format", "json", "-q").output)["summary"]

    before = summary()
    assert before["ingest_fallback_decoded"] == 1 and [s["location"] for s in before["ingest_skipped"]] == [f"{day}:2"]
    assert [s["location"] for s in before["ingest_ignored_dates"]] == [f"{day}:3"]
    assert _cli("archive", "remove", db, "x1").exit_code == 0
    after = summary()
    assert after["ingest_fallback_decoded"] == 0 and after["ingest_skipped"] == before["ingest_skipped"]
    assert after["ingest_ignored_dates"] == before["ingest_ignored_dates"]
    assert _cli("archive", "remove", db, "x3").exit_code == 0  # the batch has no article left: its notes go
    last = summary()
    assert last["ingest_skipped"] == [] and "ingest_ignored_dates" not in last and last["ingest_documents"] == 5
    assert last == summary() and _cli("archive", "info", db, "--json").exit_code == 0
