"""The exceptions ``dedup`` raises, in one place.

Every error a user can cause derives from :class:`DedupError` and carries the
exit code the command line uses for it, so the CLI never has to guess::

    DedupError                  exit 1: anything the library refuses
    |-- InputError              the input is bad: names the file and, where there is one, the line
    |-- ParameterError          a parameter or an argument is out of range (also a ValueError):
    |                           names the command-line option where one sets it
    `-- WriteError              the outside world failed us: a full disk or an unwritable output,
                                for a report file, standard output or the temporary files

Usage errors of the command line itself (an unknown option, a missing
argument) are click's and exit with 2. Anything else that escapes is a bug.
"""

from __future__ import annotations

__all__ = ["DedupError", "InputError", "ParameterError", "WriteError"]


class DedupError(Exception):
    """Base class of every error caused by input or parameters."""

    exit_code = 1


class InputError(DedupError):
    """Bad input: names the file and, where there is one, the line."""

    def __init__(self, message: str, *, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        self.reason = message
        where = path or "<input>"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}")


class ParameterError(DedupError, ValueError):
    """A parameter is out of range; the message says what would be valid."""


class WriteError(DedupError):
    """Writing failed where the input is not to blame: an output file, standard
    output, or the temporary file documents wait in (a full disk, no permission)."""
