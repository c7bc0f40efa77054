"""Writing what ``add`` and ``query`` found: the provenance report of the new
articles in any of :data:`dedup.report.PROVENANCE_FORMATS`, with the
revisions to archived articles after it (JSON: a ``revisions`` list; JSON
Lines: one ``{"revision": ...}`` line each; Markdown and HTML: a section;
Parquet: the file's metadata, key ``dedup.revisions``)."""

from __future__ import annotations

import html
import io
import json
from dataclasses import asdict
from typing import TextIO

from ..report import write_provenance
from .archive import ArchiveResult
from .neighbourhood import Revision

__all__ = ["write_archive_result", "revision_line"]


def revision_line(r: Revision) -> str:
    """One revision as a line of text."""
    what = {"carrier": f"now also carried by {r.after}", "boilerplate": "became boilerplate",
            "origin": f"origin {r.before or 'unknown'} -> {r.after or 'unknown'}"}[r.kind]
    return f"{r.doc} [{r.start}:{r.end}] {what}"


def write_archive_result(result: ArchiveResult, out: TextIO, fmt: str = "markdown") -> None:
    """Write the report of an ``add`` or ``query`` in ``fmt``."""
    if not result.revisions:
        write_provenance(result.provenance, out, fmt)
        return
    if fmt == "json":
        buffer = io.StringIO()
        write_provenance(result.provenance, buffer, fmt)
        payload = json.loads(buffer.getvalue())
        payload["revisions"] = [asdict(r) for r in result.revisions]
        json.dump(payload, out, ensure_ascii=False, indent=1)
        out.write("\n")
    elif fmt == "jsonl":
        write_provenance(result.provenance, out, fmt)
        for r in result.revisions:
            out.write(json.dumps({"revision": asdict(r)}, ensure_ascii=False) + "\n")
    elif fmt == "html":
        buffer = io.StringIO()
        write_provenance(result.provenance, buffer, fmt)
        items = "".join(f"<li>{html.escape(revision_line(r))}</li>\n" for r in result.revisions)
        section = (f'<section class="panel" aria-labelledby="revisions-title">\n<h2 id="revisions-title">'
                   f"Revisions to archived articles: {len(result.revisions)}</h2>\n<ul>\n{items}</ul>\n</section>\n")
        out.write(buffer.getvalue().replace("<main>\n", "<main>\n" + section, 1))
    elif fmt == "parquet":
        from ..report import run_summary
        from ..report_parquet import provenance_schema, write_table

        # A row per article, as `dedup provenance` writes them; the revisions
        # go into the file's metadata (key "dedup.revisions", a JSON list).
        write_table(out, provenance_schema(), result.provenance.report.document_records(),
                    run_summary(result.provenance), extra={"revisions": [asdict(r) for r in result.revisions]})
    else:
        write_provenance(result.provenance, out, fmt)
        out.write("\n## Revisions to archived articles\n\n")
        out.write("".join(f"- {revision_line(r)}\n" for r in result.revisions))
