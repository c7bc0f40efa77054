"""Where documents wait while a corpus is indexed.

The index needs only compact arrays; reports and alignment need some
documents' text at the end. Holding every text in memory would make a run's
memory grow with the corpus (2.5 GB of text for a million articles), so once
the texts held pass ``memory_limit`` characters, the store pickles further
documents to an unnamed temporary file (in ``$TMPDIR``) and reads them back on
demand. The operating system's page cache keeps rereading cheap; the file is
gone when the store is closed or collected.

This is also the shape of the persistent index to come: documents added in
batches, looked up by id.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from array import array
from typing import IO, Iterable, Iterator, Mapping

from .errors import ParameterError, WriteError
from .ingest import Document

__all__ = ["DocumentStore"]

#: Characters of text kept in memory before documents go to the temporary file.
MEMORY_LIMIT = 256 << 20
#: Read-ahead advice, where the system has it (not on Windows or macOS).
_WILLNEED = getattr(os, "POSIX_FADV_WILLNEED", None) if hasattr(os, "posix_fadvise") else None


class DocumentStore(Mapping[str, Document]):
    """Documents by id, in the order they were added; a read-only mapping.

    >>> store = DocumentStore(memory_limit=10)
    >>> store.add([Document("a", "short"), Document("b", "spilled to the file")])
    >>> store["b"].text, list(store), store.spilled
    ('spilled to the file', ['a', 'b'], 1)
    """

    def __init__(self, memory_limit: int | None = None) -> None:
        memory_limit = MEMORY_LIMIT if memory_limit is None else memory_limit
        if memory_limit < 0:
            raise ParameterError(f"memory_limit must be at least 0, got {memory_limit}")
        self.memory_limit = memory_limit
        self._held = 0
        self._slots: dict[str, int] = {}
        self._memory: list[Document | None] = []  # None: the document is in the file
        self._offsets = array("q")
        self._lengths = array("q")
        self._file: IO[bytes] | None = None
        self._end = 0
        self._spilled = 0

    def add(self, documents: Iterable[Document]) -> None:
        """Add documents; an id already in the store is an error."""
        for doc in documents:
            if doc.id in self._slots:
                raise ParameterError(f"duplicate document id {doc.id!r}" + (f" at {doc.location}" if doc.location else ""))
            if self._held + len(doc.text) <= self.memory_limit:
                self._held += len(doc.text)
                self._memory.append(doc)
                self._offsets.append(-1)
                self._lengths.append(0)
            else:
                self._spill(doc)
            self._slots[doc.id] = len(self._memory) - 1

    def _spill(self, doc: Document) -> None:
        blob = pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="dedup-documents-")
            self._file.seek(self._end)  # a read may have moved the position
            self._file.write(blob)
        except OSError as exc:
            raise WriteError(
                f"cannot keep documents in a temporary file in {tempfile.gettempdir()}: {exc.strerror or exc}; "
                f"set TMPDIR to a folder with room for the corpus's text"
            ) from None
        self._memory.append(None)
        self._offsets.append(self._end)
        self._lengths.append(len(blob))
        self._end += len(blob)
        self._spilled += 1

    @property
    def spilled(self) -> int:
        """How many documents live in the temporary file."""
        return self._spilled

    def __getitem__(self, doc_id: str) -> Document:
        found = self.packed(doc_id)
        return pickle.loads(found) if isinstance(found, bytes) else found

    def packed(self, doc_id: str) -> Document | bytes:
        """The document, or, if it is in the temporary file, its bytes there
        (``pickle.loads`` gives the document): for handing it to another
        process, which would get it pickled anyway."""
        slot = self._slots[doc_id]
        doc = self._memory[slot]
        if doc is not None:
            return doc
        if self._file is None:
            raise ParameterError(f"document {doc_id!r} was in the temporary file of a closed store")
        try:
            self._file.seek(self._offsets[slot])
            return self._file.read(self._lengths[slot])
        except OSError as exc:
            raise WriteError(f"cannot read document {doc_id!r} back from the temporary file: {exc.strerror or exc}") from None

    def prefetch(self, doc_ids: Iterable[str]) -> None:
        """Ask the operating system to start reading these documents from the
        temporary file (those that are there), so that a later lookup finds
        them in the page cache instead of waiting for the disk. Only a hint:
        nothing is read here, and unknown ids are passed over."""
        if self._file is None or _WILLNEED is None:
            return
        self._file.flush()  # the hint is for bytes on the file, not in its buffer
        fd, memory, slots = self._file.fileno(), self._memory, self._slots
        for doc_id in doc_ids:
            slot = slots.get(doc_id)
            if slot is not None and memory[slot] is None:
                os.posix_fadvise(fd, self._offsets[slot], self._lengths[slot], _WILLNEED)

    def __iter__(self) -> Iterator[str]:
        return iter(self._slots)

    def __len__(self) -> int:
        return len(self._slots)

    def __contains__(self, doc_id: object) -> bool:
        return doc_id in self._slots

    def close(self) -> None:
        """Delete the temporary file; spilled documents can no longer be read."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> DocumentStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __reduce__(self) -> tuple[object, ...]:
        # A copy for another process holds every document in memory: the file
        # handle cannot travel.
        return (_rebuilt, (dict(self.items()),))


def _rebuilt(documents: Mapping[str, Document]) -> DocumentStore:
    store = DocumentStore(memory_limit=sum(len(d.text) for d in documents.values()))
    store.add(documents.values())
    return store
