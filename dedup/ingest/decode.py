"""Bytes to text: UTF-8, UTF-16/32 with a byte order mark, or a counted fallback."""

from __future__ import annotations

import codecs
import os
import re


_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_NON_ASCII_DECODED = re.compile("[^\x00-\x7f\ufffd]")


def decode_with_bom(data: bytes) -> str | None:
    """Text that starts with a UTF-16 or UTF-32 byte order mark, or None."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    return None


def decode_bytes(data: bytes) -> tuple[str, bool]:
    """Decode as UTF-8 (or UTF-16/32 with a byte order mark), else through a
    fallback; return (text, used_fallback).

    UTF-8 with a few stray bytes keeps its UTF-8 and gets U+FFFD for each
    stray byte; text with no valid UTF-8 beyond ASCII is a legacy encoding,
    decoded as cp1252 or through charset detection.
    """
    try:  # first: no UTF-16/32 byte order mark is valid UTF-8
        return data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        pass
    with_bom = decode_with_bom(data)
    if with_bom is not None:
        return with_bom, False
    replaced = data.decode("utf-8-sig", "replace")
    stray = replaced.count("\ufffd") - data.count("\ufffd".encode("utf-8"))
    if len(_NON_ASCII_DECODED.findall(replaced)) > stray:
        return replaced, True
    try:
        return data.decode("cp1252"), True
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes  # only paid for on bad bytes

    best = from_bytes(data).best()
    if best is not None:
        return str(best), True
    return data.decode("latin-1"), True


def display(path: str | os.PathLike[str]) -> str:
    """A path for messages and ids: bytes of a file name that are not UTF-8 as ``\\xNN``."""
    try:
        return os.fsencode(path).decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a str no file system gave: lone surrogates of its own
        return os.fspath(path).encode("utf-8", "backslashreplace").decode("utf-8")


def looks_binary(data: bytes) -> bool:
    head = data[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return bool(head) and controls / len(head) > 0.1
