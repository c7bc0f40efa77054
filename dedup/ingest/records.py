"""Files of records: JSON Lines, ``.json``, CSV/TSV, compressed or not.

Each reader yields ``(record, location)`` pairs; a record it cannot make is an
:class:`~dedup.errors.InputError` in the record's place, so that the caller
decides between stopping and a reported skip.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
import sys
import zlib
from pathlib import Path
from typing import Any, BinaryIO, Iterator

from ..errors import InputError
from .decode import decode_bytes, display
from .documents import IngestReport


class _ZstdFrames(io.RawIOBase):
    """The decompressed bytes of every zstd frame in a file, in order. Unlike
    zstandard's stream reader, a file that ends inside a frame (a truncated
    download) raises EOFError instead of ending quietly."""

    def __init__(self, raw: BinaryIO, zstandard: Any) -> None:
        self._raw, self._context = raw, zstandard.ZstdDecompressor()
        self._frame: Any = None
        self._input = b""
        self._output, self._at = b"", 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while self._at >= len(self._output):
            if not self._input:
                self._input = self._raw.read(1 << 17)
                if not self._input:
                    if self._frame is not None:
                        raise EOFError("the file ends inside a zstd frame (truncated)")
                    return 0
            if self._frame is None:
                self._frame = self._context.decompressobj()
            data, self._input = self._input, b""
            self._output, self._at = self._frame.decompress(data), 0
            if self._frame.eof:
                self._input, self._frame = self._frame.unused_data, None
        n = min(len(buffer), len(self._output) - self._at)
        buffer[:n] = self._output[self._at : self._at + n]
        self._at += n
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


class _Counted(io.RawIOBase):
    """A file that adds the bytes read from it to ``report.bytes_read``: how far
    through its inputs a run is, counted before decompression."""

    def __init__(self, raw: BinaryIO, report: IngestReport) -> None:
        self._raw, self._report = raw, report

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        self._report.bytes_read += n or 0
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


class _Gzip(gzip.GzipFile):
    """A gzip stream over an open file that it closes too (GzipFile closes
    only files it opened itself)."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__(fileobj=raw, mode="rb")
        self._raw = raw

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._raw.close()


def open_binary(path: Path, report: IngestReport | None = None) -> BinaryIO:
    """The bytes of a file, decompressed by its suffix; ``report`` counts them as read."""
    name = path.name.lower()
    raw: BinaryIO = open(path, "rb")
    if report is not None:
        raw = io.BufferedReader(_Counted(raw, report))  # type: ignore[assignment]
    if name.endswith(".gz"):
        return _Gzip(raw)  # type: ignore[return-value]
    if name.endswith(".zst"):
        try:
            import zstandard
        except ImportError:
            raw.close()
            raise InputError("reading .zst needs the 'zstandard' package (pip install 'dedup-provenance[zstd]')",
                             path=display(path)) from None
        return io.BufferedReader(_ZstdFrames(raw, zstandard))  # type: ignore[return-value]
    return raw


def read_errors() -> tuple[type[BaseException], ...]:
    """What reading a file can raise: unreadable, or a corrupt or truncated archive."""
    errors: tuple[type[BaseException], ...] = (OSError, EOFError, zlib.error)
    zstandard = sys.modules.get("zstandard")  # imported only once a .zst file was opened
    errors += (zstandard.ZstdError,) if zstandard is not None else ()
    pyarrow = sys.modules.get("pyarrow")  # likewise, once a .parquet file was opened
    return errors + ((pyarrow.ArrowException,) if pyarrow is not None else ())


def read_failure(exc: BaseException) -> str:
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"cannot read: {reason}"


def _parse_json(text: str, name: str, line: int) -> Any:
    """A JSON value, or the InputError that says why it is none, placed in
    the file (``text`` starts on ``line``)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        return InputError(f"malformed JSON: {exc.msg} (column {exc.colno})", path=name, line=line + exc.lineno - 1)
    except RecursionError:
        return InputError("malformed JSON: nested too deeply", path=name, line=line)
    except ValueError as exc:  # an integer of more digits than Python converts
        limit = getattr(sys, "get_int_max_str_digits", lambda: 4300)()  # the limit came in 3.11
        long = re.search(r"\d{%d,}" % (limit + 1), text)
        reason = f"malformed JSON: {str(exc).split(';')[0]}"
        if long is None:
            return InputError(reason, path=name, line=line)
        column = long.start() - text.rfind("\n", 0, long.start())
        return InputError(f"{reason} (column {column})", path=name, line=line + text.count("\n", 0, long.start()))


def jsonl_line(raw: bytes, name: str, number: int, report: IngestReport) -> tuple[Any, str] | None:
    """The (record, location) of line ``number`` of a JSON Lines file, None for a blank line.
    One line at a time, so that an engine reading the lines itself parses them the same way."""
    if not raw.strip():
        return None
    line, fallback = decode_bytes(raw)
    if fallback:
        report.fallback_decoded.append(f"{name}:{number}")
    # Without its line end, so that an error at the end of the line stays on it.
    return _parse_json(line.rstrip("\r\n"), name, number), f"{name}:{number}"


def jsonl_records(stream: BinaryIO, name: str, report: IngestReport) -> Iterator[tuple[Any, str]]:
    number = 0
    try:
        for number, raw in enumerate(stream, 1):
            item = jsonl_line(raw, name, number, report)
            if item is not None:
                yield item
    except read_errors() as exc:
        if number == 0:
            yield InputError(read_failure(exc), path=name), ""
        else:
            yield InputError(f"{read_failure(exc)}; the file breaks off after line {number}", path=name,
                             line=number + 1), ""


_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def json_records(stream: BinaryIO, name: str, report: IngestReport) -> Iterator[tuple[Any, str]]:
    """A ``.json`` file: an array of records, one record, or JSON Lines saved as ``.json``."""
    data, fallback = decode_bytes(stream.read())
    if fallback:
        report.fallback_decoded.append(name)
    start = _JSON_SPACE.match(data).end()  # type: ignore[union-attr]
    if data.startswith("[", start):
        yield from _json_array(data, start + 1, name)
        return
    lines = data.split("\n")  # only "\n": U+2028 and friends may stand raw inside JSON strings
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is not None and isinstance(_parse_json(lines[first], name, first + 1), InputError):
        whole = _parse_json(data, name, 1)
        if isinstance(whole, dict):  # one pretty-printed record
            yield whole, f"{name}:{first + 1}"
            return
        if lines[first].strip() == "{":  # a pretty-printed record, broken: say where
            yield whole if isinstance(whole, InputError) else InputError("record is not a JSON object", path=name,
                                                                         line=first + 1), ""
            return
    for number, line in enumerate(lines, 1):
        if line.strip():
            yield _parse_json(line, name, number), f"{name}:{number}"


def _json_array(data: str, at: int, name: str) -> Iterator[tuple[Any, str]]:
    decoder = json.JSONDecoder()
    seen = [1, 0]  # the line at a position already counted up to

    def line_of(position: int) -> int:
        seen[0] += data.count("\n", seen[1], position)
        seen[1] = position
        return seen[0]

    at = _JSON_SPACE.match(data, at).end()  # type: ignore[union-attr]
    if data.startswith("]", at):
        at += 1
    else:
        while True:
            record_line = line_of(at)
            try:
                record, at = decoder.raw_decode(data, at)
            except RecursionError:
                yield InputError("malformed JSON: nested too deeply; the rest of the file was not read", path=name,
                                 line=record_line), ""
                return
            except ValueError:
                # The whole text fails first where this record does (those before it
                # parsed): its message places the error exactly.
                error = _parse_json(data, name, 1)
                reason = error.reason if isinstance(error, InputError) else "malformed JSON"
                yield InputError(f"{reason}; the rest of the file was not read", path=name,
                                 line=error.line if isinstance(error, InputError) else record_line), ""
                return
            yield record, f"{name}:{record_line}"
            at = _JSON_SPACE.match(data, at).end()  # type: ignore[union-attr]
            if data.startswith(",", at):
                at = _JSON_SPACE.match(data, at + 1).end()  # type: ignore[union-attr]
                continue
            if data.startswith("]", at):
                at += 1
                break
            yield InputError("malformed JSON: expected ',' or ']' after a record; the rest of the file was not read",
                             path=name, line=line_of(at)), ""
            return
    if _JSON_SPACE.match(data, at).end() != len(data):  # type: ignore[union-attr]
        yield InputError("malformed JSON: more after the closing ']'", path=name, line=line_of(at)), ""


_CSV_ERRORS = {"unexpected end of data": "unclosed quote: the record runs to the end of the file"}


def _csv_rows(lines: list[str], delimiter: str) -> Iterator[tuple[int, list[str] | csv.Error]]:
    """(first physical line, cells) of every record. A malformed record gives
    its csv.Error, and reading resumes on the line after that record's first,
    so one stray quote costs one record, not the rest of the file."""
    at = 0

    def feed() -> Iterator[str]:
        nonlocal at
        while at < len(lines):
            at += 1
            yield lines[at - 1]

    while at < len(lines):
        reader = csv.reader(feed(), delimiter=delimiter, strict=True)
        while True:
            start = at
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield start + 1, exc
                at = start + 1
                break
            if row:  # a blank line
                yield start + 1, row


def csv_records(stream: BinaryIO, name: str, delimiter: str, report: IngestReport) -> Iterator[tuple[Any, str]]:
    data, fallback = decode_bytes(stream.read())
    if fallback:
        report.fallback_decoded.append(name)
    header: list[str] | None = None
    for line, row in _csv_rows(io.StringIO(data, newline="").readlines(), delimiter):
        if isinstance(row, csv.Error):
            reason = _CSV_ERRORS.get(str(row), str(row))
            if str(row).startswith("field larger than field limit"):
                # A process-wide setting: the command line raises it, a library caller decides.
                reason = f"a field is longer than csv.field_size_limit() ({csv.field_size_limit():,} characters)"
            yield InputError(f"malformed CSV: {reason}", path=name, line=line), ""
        elif header is None:
            header = row
            if "id" not in header or "text" not in header:
                yield InputError(f"needs 'id' and 'text' columns, found {header}", path=name, line=line), ""
                return
        elif len(row) > len(header):
            yield InputError("row has more cells than the header", path=name, line=line), ""
        else:
            yield dict(zip(header, row + [None] * (len(header) - len(row)))), f"{name}:{line}"
    if header is None:
        yield InputError("needs 'id' and 'text' columns, found an empty file", path=name, line=1), ""


def parquet_record(record: dict[str, Any]) -> dict[str, Any]:
    """A Parquet row as the record a JSON line would be: a null is a field left out."""
    return {k: v for k, v in record.items() if v is not None}


def parquet_records(path: Path, name: str, report: IngestReport) -> Iterator[tuple[Any, str]]:
    """A Parquet file of records (columns ``id``, ``text``, optional ``date``,
    ``source``, ``url``, ``title``, others are extra fields), a row at a time;
    the location of a record is its row number, from 1."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError("reading .parquet needs the 'pyarrow' package (pip install 'dedup-provenance[parquet]')",
                         path=name) from None
    row = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=1024):
        for record in batch.to_pylist():
            row += 1
            yield parquet_record(record), f"{name}:{row}"
    report.bytes_read += path.stat().st_size
