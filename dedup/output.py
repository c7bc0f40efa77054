"""Writing a report whole or not at all.

A report file is written to a temporary file in the target's folder (the same
file system, so the rename cannot copy), flushed to disk, and renamed over the
target only once it is complete: a run that fails or is interrupted leaves the
previous file untouched, or no file. Standard output cannot be taken back, so
a report meant for it is first spooled (in memory, then in ``$TMPDIR``) and
copied out only once it is complete. Failures to write raise
:class:`~dedup.errors.WriteError`.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator, TextIO

from .errors import ParameterError, WriteError
from .ingest.decode import display

__all__ = ["check_output", "open_output"]

#: Bytes of a report for standard output held in memory before the spool moves to ``$TMPDIR``.
SPOOL_BYTES = 64 << 20


def check_output(output: str | os.PathLike[str] | None, inputs: Iterable[str | os.PathLike[str]]) -> None:
    """Refuse an output file that is one of the inputs: the report would replace the corpus."""
    if output is None or str(output) == "-" or not os.path.exists(output):
        return
    for source in inputs:
        if str(source) == "-":
            continue
        try:
            same = os.path.samefile(output, source)
        except OSError:  # the input is missing: reading it will say so
            continue
        if same:
            raise ParameterError(f"-o {display(output)!r} is also an input; write the report to another file")


@contextmanager
def open_output(path: str | os.PathLike[str] | None) -> Iterator[TextIO]:
    """A UTF-8 text stream for a report, written to ``path`` (``None`` or ``-``:
    standard output) only when the block completes without an exception."""
    if path is None or str(path) == "-":
        with _spooled_stdout() as handle:
            yield handle
        return
    target = Path(os.path.realpath(path))  # through a symlink, so the link stays a link
    if target.exists() and not target.is_file():  # /dev/null, a FIFO: cannot be replaced, only written
        with _direct(target, path) as handle:
            yield handle
        return
    with _replacing(target, path) as handle:
        yield handle


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


@contextmanager
def _direct(target: Path, shown: str | os.PathLike[str]) -> Iterator[TextIO]:
    try:
        with open(target, "w", encoding="utf-8", newline="") as handle:
            yield handle
    except OSError as exc:
        raise WriteError(f"cannot write {display(shown)}: {_reason(exc)}") from None


def _temporary_beside(target: Path) -> tuple[int, Path]:
    """A new file next to ``target``, created with the permissions a plain open would give."""
    for _ in range(100):
        candidate = target.with_name(f".{target.name}.{os.urandom(4).hex()}.tmp")
        try:
            return os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), candidate
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {target}")


@contextmanager
def _replacing(target: Path, shown: str | os.PathLike[str]) -> Iterator[TextIO]:
    temporary: Path | None = None
    try:
        fd, temporary = _temporary_beside(target)
        with open(fd, "w", encoding="utf-8", newline="") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if target.exists():  # the report takes the place of the old file, with its permissions
            os.chmod(temporary, stat.S_IMODE(target.stat().st_mode))
        os.replace(temporary, target)
        temporary = None
        _sync_folder(target.parent)
    except OSError as exc:
        kept = " (the previous file is untouched)" if target.exists() else ""
        raise WriteError(f"cannot write {display(shown)}: {_reason(exc)}{kept}") from None
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def _sync_folder(folder: Path) -> None:
    """Flush the rename to disk too, where the system lets a folder be synced."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def _spooled_stdout() -> Iterator[TextIO]:
    try:
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+", encoding="utf-8", newline="",
                                           prefix="dedup-report-") as spool:
            yield spool  # type: ignore[misc]
            spool.seek(0)
            _copy_to_stdout(spool)  # type: ignore[arg-type]
    except OSError as exc:
        raise WriteError(f"cannot hold the report for standard output: {_reason(exc)}; "
                         f"set TMPDIR to a folder with room, or write to a file with -o") from None


def _copy_to_stdout(spool: TextIO) -> None:
    try:
        sys.stdout.flush()
        out = getattr(sys.stdout, "buffer", None)  # bytes: UTF-8 whatever the locale says
        while chunk := spool.read(1 << 20):
            if out is None:
                sys.stdout.write(chunk)
            else:
                out.write(chunk.encode("utf-8"))
        sys.stdout.flush()
    except BrokenPipeError:  # the reader stopped reading (`| head`): its choice, not a failure
        _silence_stdout()
    except OSError as exc:
        _silence_stdout()
        raise WriteError(f"cannot write to standard output: {_reason(exc)}") from None


def _silence_stdout() -> None:
    """Point standard output at /dev/null: what is still buffered would fail
    again when the interpreter exits, with a message of its own."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, fd)
    os.close(null)
