"""What reading makes: documents, what was left out, and the checks every document passes."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping

from ..errors import InputError

METADATA_FIELDS = ("date", "source", "url", "title")


@dataclass(frozen=True)
class Document:
    """One article. ``text`` is the original text every offset refers to.

    ``id`` and ``text`` are strings of Unicode text (no lone surrogates), so
    are ``date``, ``source``, ``url`` and ``title`` when given: the pipeline
    checks (:func:`check_documents`) and raises InputError otherwise."""

    id: str
    text: str
    date: str | None = None
    source: str | None = None
    url: str | None = None
    title: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict, compare=False, hash=False)
    location: str = field(default="", compare=False)  # "file:line", for messages


@dataclass(frozen=True)
class Skipped:
    """A record or file left out, and why."""

    location: str
    reason: str


@dataclass
class IngestReport:
    """What reading saw: filled in while documents stream past."""

    documents: int = 0
    fallback_decoded: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    ignored_dates: list[Skipped] = field(default_factory=list)  # records whose date is not a date
    bytes_read: int = 0  # of the input files as stored (compressed), for progress

    def as_dict(self) -> dict[str, Any]:
        """The figures as JSON-ready data: counts, and every skip with its reason
        (``ignored_dates`` only when a record's date was not understood)."""
        figures: dict[str, Any] = {
            "documents": self.documents,
            "fallback_decoded": len(self.fallback_decoded),
            "skipped": [{"location": s.location, "reason": s.reason} for s in self.skipped],
        }
        if self.ignored_dates:
            figures["ignored_dates"] = [{"location": s.location, "reason": s.reason} for s in self.ignored_dates]
        return figures


_SURROGATE = re.compile("[\ud800-\udfff]")


def _field_problem(name: str, value: object, optional: bool = False) -> str | None:
    """Why ``value`` cannot be a Document's ``name``, or None."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        hint = " (decode it first)" if isinstance(value, (bytes, bytearray)) else ""
        return f"'{name}' must be a string, got {type(value).__name__}{hint}"
    if not value.isascii():
        found = _SURROGATE.search(value)
        if found:
            return (f"'{name}' has a lone surrogate \\u{ord(found.group()):04x} at character {found.start()}: "
                    f"not Unicode text (an emoji cut in half?)")
    return None


#: Levels of nesting allowed in a document's extra fields: documents travel
#: pickled (to worker processes, to the spill file), and pickle recurses.
MAX_NESTING = 100


def _too_deep(value: object) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, Mapping):
            item = list(item.values())
        if isinstance(item, (list, tuple)):
            if depth > MAX_NESTING:
                return True
            stack.extend((child, depth + 1) for child in item)
    return False


_CHECKED_FIELDS = (("id", False), ("text", False), *((name, True) for name in METADATA_FIELDS))


def document_problem(doc: Document) -> str | None:
    """Why ``doc`` cannot go through the pipeline, or None (the common case, kept cheap)."""
    if doc.extra and _too_deep(doc.extra):
        return f"extra fields nested more than {MAX_NESTING} levels deep"
    for name, optional in _CHECKED_FIELDS:
        value = getattr(doc, name)
        if (value is None and optional) or (type(value) is str and value.isascii()):
            continue
        problem = _field_problem(name, value, optional)
        if problem:
            return problem
    return None


def split_location(location: str) -> tuple[str, int | None]:
    path, _, line = location.rpartition(":")
    return (path, int(line)) if path and line.isdigit() else (location, None)


def check_documents(documents: Iterable[object]) -> Iterator[Document]:
    """The documents, each checked as it streams past: every item must be a
    :class:`Document` whose id and text are strings of Unicode text (so are
    date, source, url and title, or None); else :class:`InputError` at the
    document's place in its file, or its position in ``documents``."""
    for number, doc in enumerate(documents, 1):
        if not isinstance(doc, Document):
            raise InputError(f"item {number} is a {type(doc).__name__}, not a dedup.Document", path="<documents>")
        problem = document_problem(doc)
        if problem:
            placed = isinstance(doc.location, str) and doc.location
            path, line = split_location(doc.location) if placed else ("<documents>", number)
            raise InputError(problem, path=path, line=line)
        yield doc


def _record_error(message: str, location: str) -> InputError:
    path, line = split_location(location)
    return InputError(message, path=path, line=line)


def document_from_record(record: Any, location: str) -> Document:
    """Build a Document from one JSON/CSV record, or raise InputError."""
    if not isinstance(record, dict):
        raise _record_error("record is not a JSON object", location)
    missing = [k for k in ("id", "text") if record.get(k) is None]
    if missing:
        raise _record_error(f"record has no {' or '.join(repr(m) for m in missing)}", location)
    doc_id, text = record["id"], record["text"]
    if not isinstance(doc_id, (str, int)) or isinstance(doc_id, bool) or not isinstance(text, str):
        raise _record_error("'id' must be a string or integer and 'text' a string", location)
    meta = {}
    for key in METADATA_FIELDS:
        value = record.get(key)
        if isinstance(value, (dict, list)):
            kind = "object" if isinstance(value, dict) else "array"
            raise _record_error(f"'{key}' must be a string, got a JSON {kind}", location)
        meta[key] = None if value in (None, "") else str(value)
    extra = {k: v for k, v in record.items() if k not in ("id", "text", *METADATA_FIELDS)}
    doc = Document(id=str(doc_id), text=text, extra=extra, location=location, **meta)
    problem = document_problem(doc)
    if problem:
        raise _record_error(problem, location)
    return doc
