"""Text files, and folders of them."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..errors import InputError
from .decode import decode_bytes, decode_with_bom, display, looks_binary
from .documents import Document, IngestReport, Skipped
from .records import read_failure


def text_file(path: Path, doc_id: str, report: IngestReport) -> Document | Skipped:
    data = path.read_bytes()
    report.bytes_read += len(data)
    return text_document(data, doc_id, display(path), report)


def text_document(data: bytes, doc_id: str, location: str, report: IngestReport) -> Document | Skipped:
    """The document of a text file's bytes (a binary file is skipped)."""
    text = decode_with_bom(data)
    if text is None:
        if looks_binary(data):
            return Skipped(location, "binary file")
        text, fallback = decode_bytes(data)
        if fallback:
            report.fallback_decoded.append(location)
    return Document(id=doc_id, text=text, location=location)


def strip_suffix(name: str, suffixes: Iterable[str]) -> str:
    for suffix in sorted(suffixes, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _listing(folder: Path) -> list[os.DirEntry[str]] | InputError:
    try:
        with os.scandir(folder) as listing:
            return sorted(listing, key=lambda e: e.name)
    except OSError as exc:
        return InputError(f"cannot read folder: {read_failure(exc).removeprefix('cannot read: ')}",
                          path=display(folder))


def _folder_files(root: Path) -> Iterator[Path | InputError]:
    """Every ``*.txt`` file (in any case) below ``root``, in path order,
    through symlinks; a folder that cannot be listed, a symlink to nothing and
    a loop come as errors, never as silence. A stack, not recursion: a tree
    may be deeper than Python's recursion limit."""
    try:
        info = root.stat()
    except OSError as exc:
        yield InputError(read_failure(exc), path=display(root))
        return
    first = _listing(root)
    if isinstance(first, InputError):
        yield first
        return
    stack = [(iter(first), frozenset({(info.st_dev, info.st_ino)}))]
    while stack:
        entries, ancestors = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        path = Path(entry.path)
        try:
            if entry.is_dir():
                found = entry.stat()
                key = (found.st_dev, found.st_ino)
                if key in ancestors:
                    yield InputError("symlink loop: the folder contains itself", path=display(path))
                    continue
                listed = _listing(path)
                if isinstance(listed, InputError):
                    yield listed
                else:
                    stack.append((iter(listed), ancestors | {key}))
            elif entry.name.lower().endswith(".txt"):
                if entry.is_file():
                    yield path
                elif entry.is_symlink():
                    yield InputError(f"symlink to nothing ({display(os.readlink(path))})", path=display(path))
                else:
                    yield InputError("not a regular file", path=display(path))
        except OSError as exc:
            yield InputError(read_failure(exc), path=display(path))


def folder_bytes(folder: Path) -> int:
    """Bytes of the files a folder contributes (what cannot be read counts nothing)."""
    total = 0
    for file in _folder_files(folder):
        try:
            total += file.stat().st_size if isinstance(file, Path) else 0
        except OSError:
            pass
    return total


def folder_items(folder: Path, report: IngestReport) -> Iterator[tuple[Any, str]]:
    for file in _folder_files(folder):
        if isinstance(file, InputError):
            yield file, ""
            continue
        doc_id = display(file.relative_to(folder).with_suffix("").as_posix())
        try:
            yield text_file(file, doc_id, report), display(file)
        except OSError as exc:
            yield InputError(read_failure(exc), path=display(file)), ""
