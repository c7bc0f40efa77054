"""The Spark engine gives the in-process answer, byte for byte, however the work is cut.

One local[2] session serves every test. The tests skip (with the reason)
where PySpark, pandas, PyArrow or Java is missing, unless
DEDUP_SPARK_REQUIRED=1 (as CI sets it), which turns the skip into a failure.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import random
from pathlib import Path

import pytest

from dedup import Params, cluster_files, provenance_files
from dedup.engines import spark_available
from dedup.errors import InputError
from dedup.report import CLUSTER_FORMATS, PROVENANCE_FORMATS, write_clusters, write_provenance


@pytest.fixture(scope="session")
def spark():
    missing = spark_available()
    if missing:
        if os.environ.get("DEDUP_SPARK_REQUIRED") == "1":
            pytest.fail(f"DEDUP_SPARK_REQUIRED=1 but {missing}")
        pytest.skip(missing)
    from dedup.engines.spark import local_session

    session = local_session("local[2]", app_name="dedup-tests", config={
        "spark.sql.shuffle.partitions": "3",
        # Keep the partition counts the tests set: adaptive execution would merge them.
        "spark.sql.adaptive.coalescePartitions.enabled": "false",
        "spark.driver.memory": "1g",
    })
    yield session
    session.stop()


@pytest.fixture
def conf(spark):
    """Set runtime settings of the session for one test."""
    changed: dict[str, str | None] = {}

    def set_(key: str, value: str) -> None:
        changed.setdefault(key, spark.conf.get(key, None))
        spark.conf.set(key, value)
    yield set_
    for key, value in changed.items():
        if value is None:
            spark.conf.unset(key)
        else:
            spark.conf.set(key, value)


def _engine():
    from dedup.engines import spark as engine

    return engine


def _written(write, result, fmt: str) -> bytes:
    buffer = io.BytesIO()
    out = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
    write(result, out, fmt)
    out.flush()
    return buffer.getvalue()


def _clusters(result, fmt: str) -> bytes:
    return _written(write_clusters, result, fmt)


def _provenance(result, fmt: str) -> bytes:
    return _written(write_provenance, result, fmt)


def test_seeds_every_format_as_in_process(spark, seeds_dir):
    engine = _engine()
    local = cluster_files([seeds_dir])
    found = engine.cluster_files(spark, [seeds_dir])
    for fmt in CLUSTER_FORMATS:
        assert _clusters(found, fmt) == _clusters(local, fmt), fmt
    local = provenance_files([seeds_dir])
    found = engine.provenance_files(spark, [seeds_dir])
    assert found.stats == local.stats
    for fmt in PROVENANCE_FORMATS:
        assert _provenance(found, fmt) == _provenance(local, fmt), fmt


def _parts(folder: Path) -> bytes:
    """Part files written by Spark, concatenated in the order of their names."""
    return b"".join(p.read_bytes() for p in sorted(folder.glob("part-*")))


def _records(engine, spark, inputs, fmt: str, **kwargs) -> tuple[bytes, object]:
    """The report of ``write_provenance`` into a local file (the driver's stream)."""
    buffer = io.BytesIO()
    out = io.TextIOWrapper(buffer, encoding="utf-8", newline="")
    written = engine.write_provenance(spark, inputs, out, fmt, **kwargs)
    out.flush()
    return buffer.getvalue(), written


def test_seeds_records_written_by_the_executors(spark, seeds_dir, tmp_path):
    """The report built a connected part at a time on the executors: streamed into a
    local file, the in-process bytes; written by Spark to a folder, part files whose
    concatenation is those bytes (JSON Lines), or the same rows and summary (Parquet)."""
    pq = pytest.importorskip("pyarrow.parquet")
    from dedup.errors import ParameterError

    engine = _engine()
    local = provenance_files([seeds_dir])
    for fmt in ("jsonl", "parquet"):
        found, written = _records(engine, spark, [seeds_dir], fmt)
        assert found == _provenance(local, fmt), fmt
        assert written.stats == local.stats
    engine.write_provenance(spark, [seeds_dir], str(tmp_path / "jsonl") + "/", "jsonl")
    assert _parts(tmp_path / "jsonl") == _provenance(local, "jsonl")
    engine.write_provenance(spark, [seeds_dir], (tmp_path / "parquet").as_uri(), "parquet")
    expected = pq.read_table(io.BytesIO(_provenance(local, "parquet")))
    table = pq.read_table(tmp_path / "parquet")
    assert table.column_names == expected.column_names
    assert table.to_pylist() == expected.to_pylist()
    summary = json.loads((tmp_path / "parquet" / "_dedup.json").read_text(encoding="utf-8"))
    assert summary == {"dedup.ingest": json.loads(expected.schema.metadata[b"dedup.ingest"])}
    with pytest.raises(ParameterError, match="exists"):
        engine.write_provenance(spark, [seeds_dir], str(tmp_path / "jsonl") + "/", "jsonl")


def _generated(n: int, seed: int) -> list[dict]:
    """``n`` articles of made-up words with planted reuse: paragraphs copied
    whole or edited, whole re-sends, a boilerplate paragraph, dates and outlets
    (self-contained: the benchmark generator needs the shared Reuters data)."""
    rng = random.Random(seed)
    vocabulary = [f"{a}{b}{c}" for a in ("b", "d", "k", "l", "m", "p", "r", "s", "t", "v")
                  for b in ("a", "e", "i", "o", "u", "au", "ei") for c in ("n", "r", "s", "t", "l", "m", "nd", "rk")]

    def paragraph() -> str:
        return " ".join(rng.choice(vocabulary) for _ in range(rng.randint(25, 70))).capitalize() + "."

    boilerplate = paragraph()
    records: list[dict] = []
    for k in range(n):
        paragraphs = [paragraph() for _ in range(rng.randint(3, 6))]
        if records and rng.random() < 0.25:  # reuse from an earlier article
            source = rng.choice(records)["text"].split("\n\n")
            taken = rng.choice(source)
            if rng.random() < 0.4:  # edited on the way
                words = taken.split()
                for _ in range(3):
                    words[rng.randrange(len(words))] = rng.choice(vocabulary)
                taken = " ".join(words)
            paragraphs.insert(rng.randrange(len(paragraphs) + 1), taken)
        if records and rng.random() < 0.02:  # a re-send
            paragraphs = rng.choice(records)["text"].split("\n\n") + [paragraph()]
        if rng.random() < 0.05:
            paragraphs.append(boilerplate)
        record = {"id": f"n{k:05d}", "text": "\n\n".join(paragraphs), "source": f"outlet{rng.randrange(12)}"}
        if rng.random() < 0.9:
            record["date"] = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        records.append(record)
    return records


@pytest.fixture(scope="session")
def dump(tmp_path_factory) -> Path:
    """1,200 generated articles with planted reuse, as one .jsonl.gz."""
    out = tmp_path_factory.mktemp("dump") / "dump.jsonl.gz"
    with gzip.open(out, "wt", encoding="utf-8") as handle:
        handle.writelines(json.dumps(r) + "\n" for r in _generated(1200, 5))
    return out


@pytest.fixture(scope="session")
def dump_in_pieces(dump, tmp_path_factory) -> list[Path]:
    """The same records shuffled into 7 files, some compressed, some not."""
    lines = gzip.open(dump, "rt", encoding="utf-8").read().splitlines()
    random.Random(3).shuffle(lines)
    folder = tmp_path_factory.mktemp("pieces")
    paths = []
    for k in range(7):
        part = "".join(line + "\n" for line in lines[k::7])
        path = folder / (f"part {k}.jsonl.gz" if k % 2 else f"part-{k}%20.jsonl")  # names Hadoop must not mangle
        (gzip.open(path, "wt", encoding="utf-8") if k % 2 else open(path, "w", encoding="utf-8")).write(part)
        paths.append(path)
    return paths


@pytest.fixture(scope="session")
def dump_expected(dump) -> dict[str, str]:
    return {"clusters": _clusters(cluster_files([dump]), "jsonl"),
            "provenance": _provenance(provenance_files([dump]), "jsonl")}


@pytest.mark.parametrize("partitions, batch", [(1, 10_000), (8, 97)])
def test_dump_provenance_whatever_the_cut(spark, conf, dump, dump_in_pieces, dump_expected, partitions, batch,
                                          tmp_path):
    """Shuffle partitions, Arrow batch size, the number of input files and their order leave no trace."""
    conf("spark.sql.shuffle.partitions", str(partitions))
    conf("spark.sql.execution.arrow.maxRecordsPerBatch", str(batch))
    inputs = [dump] if partitions == 1 else dump_in_pieces[::-1]
    engine = _engine()
    found = engine.provenance_files(spark, inputs)
    assert _provenance(found, "jsonl") == dump_expected["provenance"]
    # Built on the executors: connected parts of documents found on the driver, or
    # (driver_pairs=0) by large-star/small-star rounds; written as part files.
    options = engine.SparkOptions(driver_pairs=0 if partitions > 1 else engine.SparkOptions().driver_pairs)
    engine.write_provenance(spark, inputs, str(tmp_path / "report") + "/", "jsonl", options=options)
    assert _parts(tmp_path / "report") == dump_expected["provenance"]


def test_dump_clusters_from_parquet(spark, conf, dump, dump_expected, tmp_path):
    """The dump as two Parquet files (written by pyarrow) gives the clusters of its JSON Lines."""
    pq = pytest.importorskip("pyarrow.parquet")
    pa = pytest.importorskip("pyarrow")
    records = [json.loads(line) for line in gzip.open(dump, "rt", encoding="utf-8")]
    paths = []
    for k in range(2):
        paths.append(tmp_path / f"dump-{k}.parquet")
        pq.write_table(pa.Table.from_pylist(records[k::2]), paths[-1], row_group_size=300)
    conf("spark.sql.shuffle.partitions", "3")
    found = _engine().cluster_files(spark, paths)
    assert _clusters(found, "jsonl") == dump_expected["clusters"]
    assert _clusters(found, "jsonl") == _clusters(cluster_files(paths), "jsonl")


def test_command_line_engine_spark(spark, seeds_dir, tmp_path):
    from click.testing import CliRunner

    from dedup.cli import main

    runner = CliRunner()
    for engine in ("in-process", "spark"):
        done = runner.invoke(main, ["cluster", str(seeds_dir), "--engine", engine, "--spark-master", "local[2]",
                                    "--format", "csv", "-q", "-o", str(tmp_path / f"{engine}.csv")])
        assert done.exit_code == 0, done.output
    assert (tmp_path / "spark.csv").read_bytes() == (tmp_path / "in-process.csv").read_bytes()
    # Provenance in a record format: built by the executors, into a local file or a folder.
    for engine, output in (("in-process", "in-process.jsonl"), ("spark", "spark.jsonl"), ("spark", "folder")):
        target = str(tmp_path / output) + ("/" if output == "folder" else "")
        done = runner.invoke(main, ["provenance", str(seeds_dir), "--engine", engine, "--spark-master", "local[2]",
                                    "--format", "jsonl", "-o", target])
        assert done.exit_code == 0, done.output
        assert "5 documents" in done.output and "reuse clusters" in done.output  # the summary on stderr
    assert (tmp_path / "spark.jsonl").read_bytes() == (tmp_path / "in-process.jsonl").read_bytes()
    assert _parts(tmp_path / "folder") == (tmp_path / "in-process.jsonl").read_bytes()


def test_missing_spark_is_a_clear_error(monkeypatch):
    import dedup.engines as engines
    from dedup.errors import ParameterError

    monkeypatch.setattr(engines, "spark_available", lambda: "pyspark is not installed (pip install ...)")
    with pytest.raises(ParameterError, match="--engine spark: pyspark is not installed"):
        engines.spark_engine()


def _words(rng: random.Random, n: int) -> str:
    vocabulary = [f"{a}{b}" for a in ("ka", "lo", "mi", "ne", "ru", "ta", "ve", "zo") for b in
                  ("bar", "cen", "dol", "fim", "gat", "hos", "jun", "kel", "lam", "mor", "nip", "pax")]
    return " ".join(rng.choice(vocabulary) for _ in range(n)).capitalize() + "."


def test_skew_pasted_paragraph_and_huge_bucket(spark, conf, tmp_path):
    """A paragraph pasted into 300 articles (a bucket ten times max_bucket) and
    components found by large-star/small-star rounds instead of on the driver,
    streamed in Arrow batches shorter than the bucket: the in-process answer."""
    rng = random.Random(11)
    pasted = _words(rng, 60)
    records = []
    for k in range(300):
        paragraphs = [_words(rng, 40), pasted if k % 7 else pasted.replace(".", " extra words here.", 1),
                      _words(rng, 50)]
        records.append({"id": f"a{k:03d}", "text": "\n\n".join(paragraphs), "date": f"2024-01-{k % 28 + 1:02d}"})
    path = tmp_path / "skew.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    conf("spark.sql.execution.arrow.maxRecordsPerBatch", "50")
    engine = _engine()
    found = engine.cluster_files(spark, [path], options=engine.SparkOptions(driver_pairs=0))
    local = cluster_files([path])
    assert found.stats == local.stats
    assert _clusters(found, "jsonl") == _clusters(local, "jsonl")
    assert max(c.documents for c in found.clusters) == 300


def _bad_dump(tmp_path: Path) -> Path:
    rng = random.Random(2)
    lines = [json.dumps({"id": f"d{k}", "text": _words(rng, 30), "date": "2024-02-30" if k == 40 else "2024-02-01"})
             for k in range(120)]
    lines[70] = '{"id": "broken", "text": '  # cut short
    lines[95] = json.dumps({"id": "d3", "text": "a second document with the id d3"})
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_bad_records_named_by_file_and_line_in_any_split(spark, conf, tmp_path):
    conf("spark.sql.files.maxPartitionBytes", "2000")  # many splits: lines must be counted across them
    path = _bad_dump(tmp_path)
    with pytest.raises(InputError) as local:
        cluster_files([path])
    with pytest.raises(InputError) as found:
        _engine().cluster_files(spark, [path])
    assert str(found.value) == str(local.value)
    assert ":71:" in str(found.value)
    local_result = cluster_files([path], skip_bad=True)
    found_result = _engine().cluster_files(spark, [path], skip_bad=True)
    assert found_result.ingest.as_dict() == local_result.ingest.as_dict()
    assert [s.location for s in found_result.ingest.skipped] == [f"{path}:71", f"{path}:96"]
    assert _clusters(found_result, "json") == _clusters(local_result, "json")
