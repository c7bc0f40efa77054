"""The ``dedup`` command: parse options, call the library, report errors.

Exit codes: 0 done, 1 bad input or parameters, 2 usage.
"""

from __future__ import annotations

import csv
import sys
import time
from typing import Callable, TextIO

import click

from . import __version__
from .errors import DedupError
from .output import check_output, open_output
from .pipeline import Params, cluster_files, default_jobs, provenance_files
from .report import (
    CLUSTER_FORMATS, PROVENANCE_FORMATS, RECORD_FORMATS, trace_lines, write_clusters, write_provenance,
)


class _Failure(click.ClickException):
    """A library error, shown as ``Error: message``, with the exit code of its class."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class _Progress:
    """Each step's progress on stderr: a tqdm bar (count, percentage and time
    left where the total is known) on a terminal, otherwise a plain line every
    few seconds while a step runs and one when it ends."""

    def __init__(self, stream: TextIO, every: float = 10.0) -> None:
        self.stream, self.every = stream, every
        self.tty = stream.isatty()
        self.step: str | None = None
        self.bar = None
        self.done, self.total = 0, None
        self.started = self.shown = time.monotonic()

    def __call__(self, step: str, done: int, total: int | None) -> None:
        if step != self.step:
            self.close()
            self.step = step
            self.started = self.shown = time.monotonic()
            if self.tty:
                from tqdm import tqdm  # only a terminal pays for it

                counted = step == "read" or step in _UNITS
                self.bar = tqdm(total=total, desc=step, unit="B" if step == "read" else _UNITS.get(step, "it"),
                                file=self.stream, dynamic_ncols=True, leave=True, unit_scale=step == "read",
                                unit_divisor=1024, bar_format=None if counted else "{desc}: {elapsed}")
        self.done, self.total = done, total
        if self.bar is not None:
            if total is not None and self.bar.total != total:
                self.bar.total = total
            self.bar.update(done - self.bar.n)
        elif done and time.monotonic() - self.shown >= self.every:
            self._line()

    def _line(self) -> None:
        elapsed = time.monotonic() - self.started
        if self.total:
            share = self.done / self.total
            left = f", about {elapsed / share - elapsed:,.0f} s left" if 0 < share < 1 else ""
            count = (f"{self.done / 1e6:,.1f}/{self.total / 1e6:,.1f} MB" if self.step == "read"
                     else f"{self.done:,}/{self.total:,} {_UNITS.get(self.step or '', 'items')}")
            figures = f"{count} ({share:.0%}{left})"
        elif self.done:
            figures = f"{self.done:,} {_UNITS.get(self.step or '', 'items')}"
        else:  # a step that counts nothing: its time alone
            figures = "done"
        self.stream.write(f"dedup: {self.step}: {figures}, {elapsed:,.1f} s\n")
        self.stream.flush()
        self.shown = time.monotonic()

    def close(self) -> None:
        """End the current step: it is complete (a failed run never gets here)."""
        if self.total is not None:
            self.done = self.total
        if self.bar is not None:
            self.bar.update(self.done - self.bar.n)
            self.bar.close()
            self.bar = None
        elif self.step is not None:
            self._line()
        self.step = None


_UNITS = {"sign": "documents", "candidates": "bands", "verify": "pairs", "cluster": "pairs", "align": "pairs"}


def _summary(result, stream: TextIO) -> None:
    s, ingest = result.stats, result.ingest
    figures = ", ".join(f"{value:,} {name.replace('_', ' ')}" for name, value in s.items())
    dates = f"; {len(ingest.ignored_dates)} record dates ignored" if ingest.ignored_dates else ""
    click.echo(
        f"dedup: {figures}; {len(ingest.fallback_decoded)} decoded by fallback; {len(ingest.skipped)} skipped{dates}",
        file=stream,
    )
    for line in trace_lines(ingest):
        click.echo(f"dedup: {line}", file=stream)


def _run(action: Callable[[], None]) -> None:
    try:
        action()
    except DedupError as exc:
        raise _Failure(str(exc), exc.exit_code) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dedup")
def main() -> None:
    """Find reused passages in news text and tell where they came from."""
    # An article may be longer than the csv module's 128 KiB default field. The
    # limit is process-wide, so the command sets it, never the library.
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


def _common(command):
    """Options shared by every command that runs the pipeline."""
    options = [
        click.argument("inputs", nargs=-1, required=True, metavar="INPUT..."),
        click.option("--threshold", type=float, default=0.5, show_default=True,
                     help="Estimated Jaccard similarity two passages need to be clustered."),
        click.option("--containment", "containment_threshold", type=float, default=0.8, show_default=True,
                     help="Estimated containment of a shorter passage in a longer one that also counts as a match."),
        click.option("--num-perm", type=int, default=128, show_default=True, help="MinHash permutations."),
        click.option("--ngram", type=int, default=5, show_default=True, help="Tokens per shingle."),
        click.option("--seed", type=int, default=1, show_default=True, help="Seed of the MinHash permutations."),
        click.option("-o", "--output", type=str, default=None,
                     help="Write here instead of stdout. With --engine spark, provenance as jsonl or parquet "
                          "to a folder URI (hdfs:///out/) or a path ending in /: part files written by Spark."),
        click.option("--jobs", type=click.IntRange(min=1), default=None,
                     help="Worker processes [default: all cores]."),
        click.option("--skip-bad", is_flag=True, help="Skip (and report) malformed records instead of stopping."),
        click.option("-q", "--quiet", is_flag=True, help="No progress or summary on stderr."),
        click.option("--engine", type=click.Choice(ENGINES), default="in-process", show_default=True,
                     help="Where the steps run: this process (and --jobs workers), or Apache Spark "
                          "(pip install 'dedup-provenance[spark]'); the output is the same."),
        click.option("--spark-master", default="local[*]", show_default=True,
                     help="With --engine spark: the Spark master (local[N], yarn, spark://host:port, k8s://...)."),
        click.option("--spark-work-dir", default=None,
                     help="With --engine spark: where stages keep their Parquet; on a cluster, a folder every "
                          "executor reaches (hdfs://..., s3a://...) [default: a temporary folder, local mode only]."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _jobs(requested: int | None, quiet: bool) -> int:
    """Worker processes: more than the cores this process may use would only
    cost memory (the output is the same for any number)."""
    cores = default_jobs()
    if requested is None or requested <= cores:
        return cores if requested is None else requested
    if not quiet:
        click.echo(f"dedup: --jobs {requested} is more than the {cores} cores available; using {cores}", err=True)
    return cores


ENGINES = ("in-process", "spark")


def _on_spark(name: str, master: str, work_dir: str | None) -> Callable:
    """The Spark engine's ``name`` (cluster_files or provenance_files), called like the in-process one."""
    from .engines import spark_engine

    engine = spark_engine()

    def run(inputs, params, *, skip_bad, jobs, progress):
        return getattr(engine, name)(engine.local_session(master), inputs, params, skip_bad=skip_bad,
                                     progress=progress, options=engine.SparkOptions(work_dir=work_dir))
    return run


def _records_on_spark(inputs, params: Params, fmt: str, output, skip_bad: bool, progress, master: str,
                      work_dir: str | None):
    """``dedup provenance --engine spark`` in a record format: the executors build the
    records; Spark writes them as part files to a folder (a URI, or a path ending
    in ``/``), or they stream into a local file."""
    from .engines import spark_engine

    engine = spark_engine()
    session, options = engine.local_session(master), engine.SparkOptions(work_dir=work_dir)

    def write(target):
        return engine.write_provenance(session, inputs, target, fmt, params, skip_bad=skip_bad, progress=progress,
                                       options=options)
    if output is not None and str(output) != "-" and engine.is_directory(output):
        return write(str(output))
    with open_output(output) as out:
        return write(out)


def _execute(run, write, inputs, params: Callable[[], Params], output, jobs, skip_bad, quiet,
             engine: str = "in-process", master: str = "local[*]", work_dir: str | None = None,
             records: str | None = None) -> None:
    """Check the parameters and the output, run a pipeline and write its result;
    the caller wraps it in :func:`_run`. ``records``: the provenance record
    format, which the Spark engine writes from its executors."""
    checked = params()  # before any input is read: a bad value fails at once
    check_output(output, inputs)
    if getattr(write, "binary", False) and (output is None or str(output) == "-"):
        raise click.UsageError("--format parquet writes a file: give one with -o")
    progress = None if quiet else _Progress(sys.stderr)
    if engine == "spark" and records:
        result = _records_on_spark(inputs, checked, records, output, skip_bad, progress, master, work_dir)
        if progress:
            progress.close()
        if not quiet:
            _summary(result, sys.stderr)
        return
    if engine == "spark":
        run = _on_spark(run.__name__, master, work_dir)
    result = run(inputs, checked, skip_bad=skip_bad, jobs=_jobs(jobs, quiet), progress=progress)
    if progress:
        progress.close()
    with open_output(output) as out:
        write(result, out)
    if not quiet:
        _summary(result, sys.stderr)


def _writer(write: Callable, fmt: str) -> Callable:
    def out(result, stream) -> None:
        write(result, stream, fmt)
    out.binary = fmt == "parquet"  # type: ignore[attr-defined]
    return out


@main.command()
@_common
@click.option("--format", "fmt", type=click.Choice(CLUSTER_FORMATS), default="text", show_default=True,
              help="Output format (parquet: a row per cluster member, needs -o).")
def cluster(inputs, threshold, containment_threshold, num_perm, ngram, seed, fmt, output, jobs, skip_bad, quiet,
            engine, spark_master, spark_work_dir):
    """Cluster the passages that several documents share.

    INPUT is a folder (every *.txt below it), a text file, a JSON Lines file
    (.jsonl, .jsonl.gz, .jsonl.zst), Parquet or CSV/TSV with `id` and `text`,
    or `-` for JSON Lines on stdin. With --engine spark, INPUT may be a URI
    or a glob Spark reads (hdfs:///news/*.jsonl.gz).
    """
    _run(lambda: _execute(
        cluster_files, _writer(write_clusters, fmt), inputs,
        lambda: Params(threshold=threshold, containment_threshold=containment_threshold, num_perm=num_perm,
                       ngram=ngram, seed=seed),
        output, jobs, skip_bad, quiet, engine, spark_master, spark_work_dir,
    ))


@main.command()
@_common
@click.option("--format", "fmt", type=click.Choice(PROVENANCE_FORMATS), default="markdown", show_default=True,
              help="Output format: a readable per-article summary, JSON, JSON Lines (one article a line), "
                   "one self-contained HTML page for review in a browser, or Parquet (a row per article, "
                   "needs -o).")
@click.option("--boilerplate", "boilerplate_documents", type=int, default=5, show_default=True,
              help="Text carried by this many documents or outlets is boilerplate.")
@click.option("--min-words", "align_min_tokens", type=int, default=12, show_default=True,
              help="Shortest reused stretch reported, in words.")
def provenance(inputs, threshold, containment_threshold, num_perm, ngram, seed, fmt, boilerplate_documents,
               align_min_tokens, output, jobs, skip_bad, quiet, engine, spark_master, spark_work_dir):
    """Report, for every article, each reused span, what it matches and its likely origin.

    Takes the same inputs as `dedup cluster`. The origin of a reused span is
    its earliest-dated carrier (the record's `date`, else a dateline in the
    text); ties and unknown dates give no origin.
    """
    _run(lambda: _execute(
        provenance_files, _writer(write_provenance, fmt), inputs,
        lambda: Params(threshold=threshold, containment_threshold=containment_threshold, num_perm=num_perm,
                       ngram=ngram, seed=seed, boilerplate_documents=boilerplate_documents,
                       align_min_tokens=align_min_tokens),
        output, jobs, skip_bad, quiet, engine, spark_master, spark_work_dir,
        records=fmt if fmt in RECORD_FORMATS else None,
    ))


from .archive.cli import archive as _archive  # noqa: E402  (it builds on the helpers above)

main.add_command(_archive)


if __name__ == "__main__":  # pragma: no cover
    main()
