"""A provenance report as one self-contained HTML file.

:func:`render_html` turns a provenance report (the dict described below) and
the original texts into a single HTML page that opens from disk, offline: CSS
and JavaScript are inline (read from ``dedup/report_assets/``), there are no
fonts, images or other files to fetch, and a Content-Security-Policy forbids
any that hostile text might try to bring in.

The report::

    {"documents": [{"id", "date", "source", "length", "reused_fraction",
                    "near_duplicates": [{"doc", "similarity"}],
                    "spans": [{"start", "end", "cluster", "role", "origin",
                               "boilerplate", "similarity",
                               "matches": [{"doc", "start", "end", "similarity"}],
                               "first_seen": {"doc", "date"}}]}],
     "clusters": [{"id", "boilerplate", "origin", "members": [{"doc", "start", "end"}]}]}

Offsets are half-open Python ``str`` indices into each document's text. The
page shows an overview (corpus figures, a sortable and paginated table of
articles, the most reused passages, a diagram of who copies from whom) and, on
demand, each article with its reused spans highlighted; selecting a span puts
the matching text of another article beside it with word-level differences.

Safety: data travels only as JSON inside ``<script type="application/json">``
with ``<``, ``>``, ``&``, U+2028 and U+2029 escaped, and the page script puts
it into the document with ``textContent``, never as markup.

Size: each text is embedded once; the page parses the texts only when an
article is opened, so a corpus of 10,000 articles opens in about a second.
Fields the report may add beyond those above are not embedded; at most
:data:`MAX_MATCHES_PER_SPAN` matches and :data:`MAX_NEAR_DUPLICATES`
near-duplicates are kept per span and per article (the cluster still lists
every member).
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import math
import re
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["MAX_MATCHES_PER_SPAN", "MAX_NEAR_DUPLICATES", "render_html"]

MAX_MATCHES_PER_SPAN = 50
MAX_NEAR_DUPLICATES = 50
EXCERPT_CHARS = 280

_ROLES = ("origin", "copy", "shared")
_ASSET_DIR = "report_assets"

# Characters that must not appear raw inside an inline <script>: "<" (so no
# "</script" or "<!--"), ">" and "&" for good measure, U+2028/U+2029 (line
# terminators in old JavaScript), and lone surrogates (not encodable as UTF-8).
_JSON_UNSAFE = re.compile("[<>&\u2028\u2029\ud800-\udfff]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


# --------------------------------------------------------------------- assets


@cache
def _assets() -> tuple[str, str]:
    """The page's CSS and JavaScript, from ``dedup/report_assets``."""
    folder = resources.files(__package__ or "dedup").joinpath(_ASSET_DIR)
    css = folder.joinpath("report.css").read_text(encoding="utf-8")
    js = folder.joinpath("report.js").read_text(encoding="utf-8")
    if "</style" in css.lower() or "</script" in js.lower() or "<!--" in js:
        raise RuntimeError("report assets must not contain closing tags")
    return css, js


def _csp_hash(source: str) -> str:
    digest = hashlib.sha256(source.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


# ----------------------------------------------------------------- JSON embed


def _script_json(value: Any) -> str:
    """JSON that is safe as the body of a ``<script type="application/json">``."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    # "<", ">" and "&" only ever occur inside JSON strings, where \uXXXX is an
    # exact equivalent, so a global substitution keeps the JSON identical.
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# ------------------------------------------------------------------- coercion


def _opt_str(value: Any) -> str | None:
    return None if value is None else _isolated(str(value))


_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_ISOLATE_OPEN, _ISOLATE_CLOSE = "\u2066\u2067\u2068", "\u2069"


def _isolated(value: str) -> str:
    """``value`` between FSI and PDI when it carries bidirectional formatting
    marks, so that a right-to-left override in an id cannot reorder the text
    around it (what <bdi> does, also where the page shows text without
    markup: the window title, the diagram). A PDI without its opener inside
    ``value`` would close the outer isolate early: it is dropped."""
    if not _BIDI.search(value):
        return value
    depth, kept = 0, []
    for ch in value:
        if ch in _ISOLATE_OPEN:
            depth += 1
        elif ch == _ISOLATE_CLOSE:
            if depth == 0:
                continue
            depth -= 1
        kept.append(ch)
    return "\u2068" + "".join(kept) + _ISOLATE_CLOSE * (depth + 1)


def _float(value: Any, default: float | None = None) -> float | None:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return default
    if not math.isfinite(x):
        return default
    return round(x, 4)


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return default


class _Text:
    """One document's text: clamps Python offsets and turns them into UTF-16 ones.

    The browser indexes strings by UTF-16 code unit, so every character beyond
    the Basic Multilingual Plane (emoji, some CJK) shifts later offsets by one.
    """

    __slots__ = ("_extra", "limit", "text")

    def __init__(self, text: str | None, length: int) -> None:
        self.text = text
        self.limit = len(text) if text is not None else (length if length > 0 else None)
        self._extra: list[int] | None = None
        if text is not None and not text.isascii() and _ASTRAL.search(text):
            self._extra = list(itertools.accumulate((ord(c) > 0xFFFF for c in text), initial=0))

    def clamp(self, offset: Any) -> int:
        i = max(0, _int(offset))
        return i if self.limit is None else min(i, self.limit)

    def js(self, i: int) -> int:
        return i if self._extra is None else i + self._extra[i]


# -------------------------------------------------------------------- payload


class _Builder:
    """Normalises a report into the compact, index-based form the page reads."""

    def __init__(self, report: Mapping[str, Any], texts: Mapping[str, str]) -> None:
        self.texts = texts
        self.docs: list[dict[str, Any]] = []
        self.doc_text: list[_Text] = []
        self.doc_index: dict[str, int] = {}
        self.clusters: list[dict[str, Any]] = []
        self.cluster_index: dict[str, int] = {}
        self.raw_docs = [d for d in (report.get("documents") or []) if isinstance(d, Mapping)]
        self.raw_clusters = [c for c in (report.get("clusters") or []) if isinstance(c, Mapping)]

    # documents

    def _text_for(self, doc_id: str) -> str | None:
        text = self.texts.get(doc_id)
        return text if isinstance(text, str) else None

    def _add_doc(self, doc_id: str, raw: Mapping[str, Any] | None) -> int:
        text = self._text_for(doc_id)
        if raw is None:
            entry = {"id": _isolated(doc_id), "date": None, "source": None,
                     "length": len(text) if text is not None else 0, "reused": 0.0,
                     "near": [], "spans": [], "stub": True}
        else:
            length = _int(raw.get("length"), -1)
            if length < 0:
                length = len(text) if text is not None else 0
            entry = {"id": _isolated(doc_id), "date": _opt_str(raw.get("date")), "source": _opt_str(raw.get("source")),
                     "length": length, "reused": None, "near": [], "spans": []}
        self.doc_index[doc_id] = len(self.docs)
        self.docs.append(entry)
        self.doc_text.append(_Text(text, entry["length"]))
        return len(self.docs) - 1

    def ref(self, doc_id: Any) -> int:
        """Index of a document, adding a stub for ids the report does not describe."""
        key = str(doc_id)
        index = self.doc_index.get(key)
        return index if index is not None else self._add_doc(key, None)

    def opt_ref(self, doc_id: Any) -> int | None:
        return None if doc_id is None else self.ref(doc_id)

    # clusters

    def _cluster(self, cluster_id: Any, boilerplate: bool, origin: int | None) -> int:
        key = str(cluster_id)
        index = self.cluster_index.get(key)
        if index is None:  # a span names a cluster the report does not list
            index = len(self.clusters)
            self.cluster_index[key] = index
            self.clusters.append({"id": key, "b": boilerplate, "o": origin, "m": [], "implicit": True})
        return index

    def _register_clusters(self) -> None:
        for raw in self.raw_clusters:
            key = str(raw.get("id"))
            if key in self.cluster_index:
                continue
            members = []
            for m in raw.get("members") or []:
                if not isinstance(m, Mapping) or m.get("doc") is None:
                    continue
                j = self.ref(m["doc"])
                t = self.doc_text[j]
                s, e = t.clamp(m.get("start")), t.clamp(m.get("end"))
                if e > s:
                    members.append((j, s, e))
            self.cluster_index[key] = len(self.clusters)
            self.clusters.append({"id": key, "b": bool(raw.get("boilerplate")),
                                  "o": self.opt_ref(raw.get("origin")), "m": members})

    # spans

    def _spans(self, i: int, raw_spans: Any) -> list[dict[str, Any]]:
        t = self.doc_text[i]
        spans = []
        for raw in raw_spans or []:
            if not isinstance(raw, Mapping):
                continue
            s, e = t.clamp(raw.get("start")), t.clamp(raw.get("end"))
            if e <= s:
                continue
            spans.append((s, e, raw))
        spans.sort(key=lambda x: (x[0], x[1]))
        out = []
        end = 0
        for s, e, raw in spans:
            s = max(s, end)  # spans must not overlap: keep the earlier one whole
            if e <= s:
                continue
            end = e
            role = raw.get("role")
            if role not in _ROLES:
                role = "shared"
            boilerplate = bool(raw.get("boilerplate"))
            origin = self.opt_ref(raw.get("origin"))
            c = self._cluster(raw.get("cluster"), boilerplate, origin)
            if self.clusters[c].get("implicit"):
                self.clusters[c]["m"].append((i, s, e))
            matches = []
            for m in raw.get("matches") or []:
                if not isinstance(m, Mapping) or m.get("doc") is None:
                    continue
                j = self.ref(m["doc"])
                tj = self.doc_text[j]
                ms, me = tj.clamp(m.get("start")), tj.clamp(m.get("end"))
                if me > ms:
                    matches.append([j, tj.js(ms), tj.js(me), _float(m.get("similarity"))])
            matches.sort(key=lambda m: -(m[3] if m[3] is not None else -1.0))
            seen = raw.get("first_seen")
            first = [self.ref(seen["doc"]), seen.get("date")] if isinstance(seen, Mapping) and seen.get("doc") else None
            out.append({"s": t.js(s), "e": t.js(e), "c": c, "r": role, "o": origin, "b": boilerplate,
                        "sim": _float(raw.get("similarity")), "m": matches[:MAX_MATCHES_PER_SPAN],
                        "more": max(0, len(matches) - MAX_MATCHES_PER_SPAN), "f": first, "_len": e - s})
        return out

    # excerpts

    def _excerpt(self, cluster: dict[str, Any]) -> str:
        members = sorted(cluster["m"], key=lambda m: m[0] != cluster["o"])
        for j, s, e in members:
            text = self.doc_text[j].text
            if text is not None:
                flat = " ".join(text[s:e].split())
                if len(flat) > EXCERPT_CHARS:
                    cut = flat[:EXCERPT_CHARS]
                    flat = (cut.rsplit(" ", 1)[0] if " " in cut[EXCERPT_CHARS // 2:] else cut) + " …"
                return flat
        return ""

    # all together

    def build(self) -> tuple[dict[str, Any], list[str | None]]:
        for raw in self.raw_docs:
            doc_id = str(raw.get("id"))
            if doc_id not in self.doc_index:
                self._add_doc(doc_id, raw)
        described = [(self.doc_index[str(raw.get("id"))], raw) for raw in self.raw_docs]
        seen: set[int] = set()
        described = [(i, raw) for i, raw in described if not (i in seen or seen.add(i))]

        self._register_clusters()

        stats = {"articles": len(described), "with_reuse": 0, "chars": 0, "reused_chars": 0.0,
                 "content_chars": 0, "spans": 0, "boilerplate_spans": 0}
        for i, raw in described:
            doc = self.docs[i]
            spans = self._spans(i, raw.get("spans"))
            near = []
            for nd in raw.get("near_duplicates") or []:
                if isinstance(nd, Mapping) and nd.get("doc") is not None:
                    near.append([self.ref(nd["doc"]), _float(nd.get("similarity"))])
            near.sort(key=lambda n: -(n[1] if n[1] is not None else -1.0))
            doc["near"] = near[:MAX_NEAR_DUPLICATES]
            length = doc["length"]
            reused = _float(raw.get("reused_fraction"))
            if reused is None:
                covered = sum(sp["_len"] for sp in spans)
                reused = covered / length if length else 0.0
            doc["reused"] = round(min(1.0, max(0.0, reused)), 4)
            content = sum(sp["_len"] for sp in spans if not sp["b"])
            stats["content_chars"] += min(content, length) if length else content
            stats["chars"] += length
            stats["reused_chars"] += doc["reused"] * length
            stats["with_reuse"] += bool(spans)
            stats["spans"] += len(spans)
            stats["boilerplate_spans"] += sum(sp["b"] for sp in spans)
            for sp in spans:
                del sp["_len"]
            doc["spans"] = spans

        for cluster in self.clusters:
            members = cluster["m"]
            cluster["n"] = len({j for j, _, _ in members})
            cluster["len"] = max((e - s for _, s, e in members), default=0)
            cluster["ex"] = self._excerpt(cluster)
            cluster["m"] = [[j, self.doc_text[j].js(s), self.doc_text[j].js(e)] for j, s, e in members]
            cluster.pop("implicit", None)

        sources = {self.docs[i]["source"] for i, _ in described if self.docs[i]["source"] is not None}
        stats["reused_chars"] = round(stats["reused_chars"])
        stats["clusters"] = len(self.clusters)
        stats["boilerplate_clusters"] = sum(c["b"] for c in self.clusters)
        stats["outlets"] = len(sources)
        payload = {"stats": stats, "hasSources": bool(sources), "documents": self.docs, "clusters": self.clusters}
        return payload, [t.text for t in self.doc_text]


# ------------------------------------------------------------------------ page

_BODY = """\
<header class="top">
<h1 id="report-title">{title}</h1>
<span class="tagline">reused passages, their matches and likely origin</span>
</header>
<main>
<div id="loading">Loading report&hellip;</div>
<noscript><p class="panel">This report needs JavaScript to display.</p></noscript>
{notes}
<div id="view-overview" hidden>
<section id="stats" class="stats" aria-label="Corpus figures"></section>

<section id="articles" class="panel" aria-labelledby="articles-title">
<h2 id="articles-title">Articles</h2>
<p class="sub">Click a column header to sort. Open an article to see its reused passages.</p>
<div class="table-tools">
<label>Filter <input type="search" id="articles-filter" placeholder="article, outlet or date" autocomplete="off"></label>
</div>
<div class="table-wrap">
<table class="articles" id="articles-table">
<thead id="articles-head"></thead>
<tbody id="articles-body"></tbody>
</table>
</div>
<div class="pager">
<button type="button" id="page-prev">&larr; Previous</button>
<span id="page-info" class="meta" aria-live="polite"></span>
<button type="button" id="page-next">Next &rarr;</button>
</div>
</section>

<div class="overview-grid">
<section id="passages" class="panel" aria-labelledby="passages-title">
<h2 id="passages-title">Most reused passages</h2>
<p class="sub">Passages found in the most articles, each with every article that carries it.
<label class="toggle"><input type="checkbox" id="bp-toggle"> include boilerplate <span id="bp-count"></span></label></p>
<ol id="clusters" class="clusters"></ol>
<button type="button" id="clusters-more" class="more" hidden></button>
</section>

<section id="flows" class="panel" aria-labelledby="flows-title">
<h2 id="flows-title">Who copies from whom</h2>
<p class="sub" id="flow-caption"></p>
<svg id="flow-svg" role="img" aria-labelledby="flows-title flow-caption"></svg>
<ol id="flow-list" class="flow-list" aria-label="Strongest copy relations"></ol>
</section>
</div>
</div>

<div id="view-article" hidden></div>
</main>
<footer>Generated by dedup. This file is self-contained and works offline.</footer>
"""


def _notes_panel(notes: Sequence[str]) -> str:
    """What reading left out, as a static panel above the report."""
    if not notes:
        return ""
    items = "".join(f"<li>{html.escape(note)}</li>\n" for note in notes)
    return (f'<section id="skipped" class="panel" aria-labelledby="skipped-title">\n'
            f'<h2 id="skipped-title">Left out while reading: {len(notes)}</h2>\n<ul>\n{items}</ul>\n</section>\n')


def render_html(report: Mapping[str, Any], texts: Mapping[str, str], *,
                title: str = "dedup provenance report", notes: Sequence[str] = ()) -> str:
    """Render a provenance report and its texts as one self-contained HTML page.

    ``report`` is the provenance report (see the module docstring), ``texts``
    maps each document id to its original text (the one the offsets index).
    Documents without a text are listed but show no text; ids referenced by
    the report but not described in it appear as plain names. ``notes`` (what
    reading skipped, one line each) are listed above the report. The result is a
    complete HTML document (write it as UTF-8); the function has no side effects.
    """
    payload, text_list = _Builder(report, texts).build()
    payload = {"title": str(title), **payload}
    css, js = _assets()
    fills = {"title": html.escape(str(title)), "notes": _notes_panel(notes)}
    csp = ("default-src 'none'; script-src " + _csp_hash(js) + "; style-src " + _csp_hash(css) +
           "; img-src data:; base-uri 'none'; form-action 'none'")
    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        '<meta http-equiv="Content-Security-Policy" content="', csp, '">\n',
        '<meta name="generator" content="dedup">\n',
        "<title>", html.escape(str(title)), "</title>\n",
        '<link rel="icon" href="data:,">\n',
        "<style>", css, "</style>\n</head>\n<body>\n",
        re.sub(r"\{(title|notes)\}", lambda m: fills[m.group(1)], _BODY),
        '<script type="application/json" id="dedup-data">', _script_json(payload), "</script>\n",
        '<script type="application/json" id="dedup-texts">', _script_json(text_list), "</script>\n",
        "<script>", js, "</script>\n</body>\n</html>\n",
    ]
    return "".join(parts)
