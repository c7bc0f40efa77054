"""The archive file: its tables, its format version and the parameters it holds.

One SQLite file in WAL mode. Every value is an SQL column or a documented
little-endian array in a BLOB; texts are zlib-compressed UTF-8; nothing is
pickled. Tables (``FORMAT`` 2)::

    meta(key TEXT PRIMARY KEY, value TEXT)
        'format'  -> "2"; 'params' -> the matching parameters as JSON;
        'scheme'  -> the MinHash scheme as JSON (num_perm, seed, ngram, shingle hash)
    batches(id INTEGER PRIMARY KEY, added TEXT, inputs TEXT, documents INTEGER, ingest TEXT)
        one row per add that stored something; ``ingest``: what reading skipped, as JSON
    documents(num INTEGER PRIMARY KEY, id TEXT UNIQUE, batch INTEGER, date, source, url, title TEXT,
              extra TEXT, digest BLOB, text BLOB, passages BLOB, signatures BLOB, sizes BLOB, location TEXT)
        text:       zlib(UTF-8 text)
        passages:   int32 LE (start, end, kind) triples, one per passage, in (start, end, kind) order
        signatures: uint8 (passages x num_perm): the 8-bit signatures of the corpus index
        sizes:      int32 LE, shingles per passage
        digest:     SHA-256 of the record (id, text, date, source, url, title): re-adding it is a no-op
        location:   where reading found it (file:line), so that removing it takes its lines out of
                    its batch's ``ingest`` figures
    runs(id INTEGER PRIMARY KEY, kind INTEGER, postings INTEGER)
    blocks(run INTEGER, first INTEGER, keys BLOB, docs BLOB, PRIMARY KEY (run, first)) WITHOUT ROWID
        the postings, as sorted runs of packed blocks (:mod:`dedup.archive.postings` lays them out):
        kind 0, every LSH band key of every passage (its high 48 bits, uint64 key >> 16);
        kind 1, every distinct shingle of every document (its 32-bit hash less 2**31)
    pairs(a INTEGER, b INTEGER, alignments BLOB, PRIMARY KEY (a, b)) WITHOUT ROWID; index on b
        document pairs already aligned (``a``'s id < ``b``'s id), with their alignments as
        little-endian records of (a_start, a_end, b_start, b_end, tokens: int64; similarity: float64)

Postings (band keys, anchors) are found block by block, or met in key order
with the batch's sorted keys, never loaded whole by ``add`` or ``query``; the per-document BLOBs let a report
gather the corpus index without a row per passage.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import fields
from pathlib import Path

from ..errors import InputError, ParameterError, WriteError
from ..pipeline import Params
from .postings import TABLES

__all__ = ["FORMAT", "MATCHING", "connect", "create", "check_format", "stored_params", "matching_params", "Transaction"]

FORMAT = 2
#: How long a second writer waits for the one adding, in seconds.
BUSY_TIMEOUT = 10.0

#: Parameters that do not change a result, and so are not fixed by the archive.
_FREE = ("batch_size",)
MATCHING = tuple(f.name for f in fields(Params) if f.name not in _FREE)

_TABLES = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE batches(id INTEGER PRIMARY KEY, added TEXT NOT NULL, inputs TEXT NOT NULL,
                     documents INTEGER NOT NULL, ingest TEXT NOT NULL);
CREATE TABLE documents(num INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, batch INTEGER NOT NULL,
                       date TEXT, source TEXT, url TEXT, title TEXT, extra TEXT NOT NULL, digest BLOB NOT NULL,
                       text BLOB NOT NULL, passages BLOB NOT NULL, signatures BLOB NOT NULL, sizes BLOB NOT NULL,
                       location TEXT);
CREATE TABLE pairs(a INTEGER NOT NULL, b INTEGER NOT NULL, alignments BLOB NOT NULL, PRIMARY KEY (a, b))
    WITHOUT ROWID;
CREATE INDEX pairs_b ON pairs(b);
""" + TABLES


def connect(path: str | os.PathLike[str], *, create_missing: bool, wait: float = BUSY_TIMEOUT) -> sqlite3.Connection:
    """An open connection to an archive (created when missing and ``create_missing``)."""
    path = Path(path)
    if not path.exists() and not create_missing:
        raise InputError("no such archive", path=str(path))
    if path.exists() and not path.is_file():
        raise InputError("not an archive: not a file", path=str(path))
    try:
        db = sqlite3.connect(path, timeout=wait, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA page_size=8192")  # a document's row (text and signatures) fits a page more often
        db.execute("PRAGMA cache_size=-262144")  # 256 MiB: a query's blocks and the documents' index stay cached
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # WAL: a commit survives a killed process
        # Pages read through a memory map, not a read() into SQLite's cache each: a
        # query meets a block on a page of its own per key and run, and this took its
        # CPU at 100,000 articles from 16 to 10 ms (p50). SQLite caps the map (2 GiB in
        # this build); pages beyond it are read as before. The file never shrinks (no
        # VACUUM, no auto_vacuum), so a mapped page never goes away under a reader.
        db.execute(f"PRAGMA mmap_size={1 << 40}")
    except sqlite3.OperationalError as exc:  # no such folder, no permission
        raise InputError(f"cannot open the archive: {exc}", path=str(path)) from None
    except sqlite3.DatabaseError as exc:
        raise InputError(f"not an archive ({exc})", path=str(path)) from None
    return db


def create(db: sqlite3.Connection, params: Params) -> None:
    """Lay out an empty archive for ``params`` (inside the caller's transaction)."""
    for statement in _TABLES.strip().split(";\n"):
        db.execute(statement)
    db.executemany("INSERT INTO meta VALUES (?, ?)", [
        ("format", str(FORMAT)),
        ("params", json.dumps({name: getattr(params, name) for name in MATCHING}, sort_keys=True)),
        ("scheme", json.dumps({f.name: getattr(params.scheme, f.name) for f in fields(params.scheme)}, sort_keys=True)),
    ])


def is_empty(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0


def check_format(db: sqlite3.Connection, path: str) -> None:
    """Refuse a file that is not an archive, or one of a newer format."""
    try:
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        found = dict(db.execute("SELECT key, value FROM meta")) if "meta" in tables else {}
    except sqlite3.DatabaseError as exc:
        raise InputError(f"not an archive ({exc})", path=path) from None
    if "format" not in found or not found["format"].isdigit():
        raise InputError("not a dedup archive (an SQLite file without the archive's tables)", path=path)
    version = int(found["format"])
    if version > FORMAT:
        raise InputError(f"archive format {version} is newer than this dedup reads ({FORMAT}); upgrade dedup",
                         path=path)
    if version < FORMAT:
        raise InputError(f"archive format {version} is older than this dedup reads ({FORMAT}): format 2 keeps "
                         f"the postings as sorted runs instead of one B-tree; make a new archive and add the "
                         f"articles to it again", path=path)


def stored_params(db: sqlite3.Connection) -> Params:
    (raw,) = db.execute("SELECT value FROM meta WHERE key = 'params'").fetchone()
    values = json.loads(raw)
    return Params(**{k: v for k, v in values.items() if k in MATCHING})


def matching_params(stored: Params, given: dict[str, object]) -> Params:
    """``stored`` with ``given`` checked against it: a different value is an error naming both."""
    for name, value in given.items():
        if name not in MATCHING:
            continue
        have = getattr(stored, name)
        if value != have:
            raise ParameterError(f"{_flag(name)} is fixed when the archive is created: it holds {have!r}, "
                                 f"got {value!r}")
    return stored


#: The command-line options that set parameters, for messages.
FLAGS = {"threshold": "--threshold", "containment_threshold": "--containment", "num_perm": "--num-perm",
         "ngram": "--ngram", "seed": "--seed", "boilerplate_documents": "--boilerplate",
         "align_min_tokens": "--min-words"}


def _flag(name: str) -> str:
    return f"{FLAGS[name]} ({name})" if name in FLAGS else name


def write_error(exc: sqlite3.Error, path: str, waited: float) -> WriteError:
    """The error a failed write of the archive raises."""
    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        return WriteError(f"{path}: another process is writing to the archive; waited {waited:g} s, "
                          f"try again when it has finished")
    return WriteError(f"{path}: cannot write the archive: {exc}")


class Transaction:
    """One SQLite transaction (``begin``: ``BEGIN`` to read, ``BEGIN IMMEDIATE`` to
    write): committed when the block ends, rolled back when it raises."""

    def __init__(self, db: sqlite3.Connection, path: str, begin: str, wait: float) -> None:
        self.db, self.path, self.begin, self.wait = db, path, begin, wait

    def __enter__(self) -> Transaction:
        try:
            self.db.execute(self.begin)
        except sqlite3.OperationalError as exc:
            raise write_error(exc, self.path, self.wait) from None
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if kind is None:
            try:
                self.db.execute("COMMIT")
            except sqlite3.Error as error:
                self.db.execute("ROLLBACK")
                raise write_error(error, self.path, self.wait) from None
        elif self.db.in_transaction:
            self.db.execute("ROLLBACK")
