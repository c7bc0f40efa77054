from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def reuters_docs():
    """The 925 stories of Reuters-21578's first file as Documents (shared data; skipped when absent).

    Real wire copy: hard-wrapped lines, paragraphs started by an indent, many
    near-repeated market reports.
    """
    import html
    import re

    from dedup import Document

    path = SHARED / "data" / "reuters21578" / "reut2-000.sgm"
    if not path.is_file():
        pytest.skip(f"{path} is not here")
    raw = path.read_bytes().decode("latin-1")
    found = re.findall(r'<REUTERS[^>]*NEWID="(\d+)"[^>]*>.*?<BODY>(.*?)</BODY>', raw, flags=re.DOTALL)
    return [Document(f"reuters/{newid}", html.unescape(body)) for newid, body in found]
