"""``dedup archive``: the archive's commands, a thin layer over :class:`dedup.Archive`."""

from __future__ import annotations

import json
import sys

import click

from ..output import check_output, open_output
from ..report import PROVENANCE_FORMATS, write_provenance
from .archive import Archive, read_inputs
from .output import write_archive_result

__all__ = ["archive"]


def _cli():
    """The main command's helpers (progress, jobs, errors), imported when a
    command runs: ``dedup.cli`` imports this module to register the group."""
    from .. import cli

    return cli

_MATCHING = [
    ("--threshold", "threshold", float, "Estimated Jaccard similarity two passages need to match [0.5]."),
    ("--containment", "containment_threshold", float,
     "Estimated containment of a shorter passage in a longer one that also counts as a match [0.8]."),
    ("--num-perm", "num_perm", int, "MinHash permutations [128]."),
    ("--ngram", "ngram", int, "Tokens per shingle [5]."),
    ("--seed", "seed", int, "Seed of the MinHash permutations [1]."),
    ("--boilerplate", "boilerplate_documents", int, "Text carried by this many documents or outlets is boilerplate [5]."),
    ("--min-words", "align_min_tokens", int, "Shortest reused stretch reported, in words [12]."),
]
_MATCHING_NAMES = [name for _, name, _, _ in _MATCHING]


def _file(command):
    return click.argument("archive_path", metavar="ARCHIVE", type=click.Path(dir_okay=False))(command)


def _inputs(command):
    """Inputs, matching options (fixed in the archive) and the run's options, as for `dedup provenance`."""
    options = [click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")]
    options += [click.option(flag, name, type=kind, default=None,
                             help=f"{text} Fixed when the archive is created; a different value later is an error.")
                for flag, name, kind, text in _MATCHING]
    options += [
        click.option("--format", "fmt", type=click.Choice(PROVENANCE_FORMATS), default="markdown", show_default=True,
                     help="Output format, as for `dedup provenance`."),
        click.option("-o", "--output", type=str, default=None, help="Write the report here instead of stdout."),
        click.option("--jobs", type=click.IntRange(min=1), default=None, help="Worker processes [default: all cores]."),
        click.option("--skip-bad", is_flag=True, help="Skip (and report) malformed records instead of stopping."),
        click.option("-q", "--quiet", is_flag=True, help="No progress or summary on stderr."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group()
def archive() -> None:
    """Keep articles in one SQLite file: add each day's, get their provenance against everything before."""


def _given(values: dict) -> dict:
    return {name: values[name] for name in _MATCHING_NAMES if values.get(name) is not None}


def _add_or_query(values: dict, create: bool) -> None:
    check_output(values["output"], [*values["inputs"], values["archive_path"]])
    quiet = values["quiet"]
    progress = None if quiet else _cli()._Progress(sys.stderr)
    with Archive(values["archive_path"], _given(values), create=create) as opened:
        documents, ingest = read_inputs(values["inputs"], values["skip_bad"])
        run = opened.add if create else opened.query
        options = {"inputs": [str(i) for i in values["inputs"]]} if create else {}
        result = run(documents, ingest=ingest, skip_bad=values["skip_bad"], jobs=_cli()._jobs(values["jobs"], quiet),
                     progress=progress, **options)
    if progress:
        progress.close()
    with open_output(values["output"]) as out:
        write_archive_result(result, out, values["fmt"])
    if not quiet:
        _cli()._summary(result.provenance, sys.stderr)
        if create and result.unchanged:
            click.echo(f"dedup: {len(result.unchanged):,} articles were archived already, unchanged", err=True)


@archive.command()
@_file
@_inputs
def add(**values) -> None:
    """Add articles to ARCHIVE (made when missing) in one transaction and report
    their provenance against it, with the revisions they made to archived articles.

    Takes the inputs and formats of `dedup provenance`. An article already
    archived unchanged is left as it is.
    """
    _cli()._run(lambda: _add_or_query(values, create=True))


@archive.command()
@_file
@_inputs
def query(**values) -> None:
    """Report the provenance of articles against ARCHIVE without adding them."""
    _cli()._run(lambda: _add_or_query(values, create=False))


@archive.command()
@_file
@click.option("--format", "fmt", type=click.Choice(PROVENANCE_FORMATS), default="markdown", show_default=True,
              help="Output format, as for `dedup provenance`.")
@click.option("-o", "--output", type=str, default=None, help="Write the report here instead of stdout.")
@click.option("--jobs", type=click.IntRange(min=1), default=None, help="Worker processes [default: all cores].")
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary on stderr.")
def report(archive_path, fmt, output, jobs, quiet) -> None:
    """Report the provenance of every archived article, as `dedup provenance` gives it for them."""
    def action() -> None:
        check_output(output, [archive_path])
        progress = None if quiet else _cli()._Progress(sys.stderr)
        with Archive(archive_path) as opened:
            result = opened.report(jobs=_cli()._jobs(jobs, quiet), progress=progress)
        if progress:
            progress.close()
        with open_output(output) as out:
            write_provenance(result, out, fmt)
        if not quiet:
            _cli()._summary(result, sys.stderr)

    _cli()._run(action)


@archive.command()
@_file
@click.argument("ids", nargs=-1, required=True, metavar="ID...")
def remove(archive_path, ids) -> None:
    """Remove articles and everything derived from them from ARCHIVE."""
    def action() -> None:
        with Archive(archive_path) as opened:
            removed = opened.remove(ids)
        click.echo(f"dedup: removed {removed:,} articles", err=True)

    _cli()._run(action)


@archive.command()
@_file
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary on stderr.")
def compact(archive_path, quiet) -> None:
    """Merge ARCHIVE's postings into one sorted run per kind, so that queries read fewer blocks.

    `add` merges only small runs (its cost follows its batch); run this between
    days. One transaction: readers keep working, an interrupted compaction leaves
    the archive as it was. No result changes.
    """
    def action() -> None:
        progress = None if quiet else _cli()._Progress(sys.stderr)
        with Archive(archive_path) as opened:
            before, after = opened.compact(progress=progress)
        if progress:
            progress.close()
        if not quiet:
            click.echo(f"dedup: {before:,} runs of postings compacted into {after:,}", err=True)

    _cli()._run(action)


@archive.command()
@_file
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def info(archive_path, as_json) -> None:
    """Print ARCHIVE's format, parameters, counts, size and last batch."""
    def action() -> None:
        with Archive(archive_path) as opened:
            figures = opened.info().to_dict()
        if as_json:
            click.echo(json.dumps(figures, indent=1))
            return
        for key, value in figures.items():
            if isinstance(value, dict):
                value = ", ".join(f"{k}={v}" for k, v in value.items())
            click.echo(f"{key}: {value}")

    _cli()._run(action)
