"""A persistent archive of articles in one SQLite file (see :mod:`dedup.archive.schema`
for its tables): add each day's articles and get their provenance against
everything added before, without running the whole corpus again.

>>> import tempfile, os
>>> from dedup import Archive, Document
>>> shared = ("The Office aims to have a close relationship with Security Council bodies and "
...           "Member States, strengthening existing and developing new partnerships.")
>>> path = os.path.join(tempfile.mkdtemp(), "news.db")
>>> with Archive(path, create=True) as archive:
...     _ = archive.add([Document("a", "First report. " + shared, date="2018-05-01")])
...     found = archive.add([Document("b", shared + " Later words.", date="2018-05-03")])
>>> [(s.start, s.end, s.role, s.origin) for s in found.provenance.report.documents[0].spans]
[(0, 148, 'copy', 'a')]
"""

from .archive import Archive, ArchiveInfo, ArchiveResult
from .neighbourhood import Revision
from .output import write_archive_result
from .schema import FORMAT

__all__ = ["Archive", "ArchiveInfo", "ArchiveResult", "Revision", "write_archive_result", "FORMAT"]
