"""Render a provenance report to HTML and take a PNG screenshot of it.

Usage, from the repository root::

    python docs/make_screenshot.py                       # the seeds fixture -> docs/report.png
    python docs/make_screenshot.py --report report.json --texts texts.json \\
        --article DOC_ID --cluster CLUSTER_ID -o docs/report.png

``--texts`` is a JSON object {doc id: text} or a folder of ``<doc id>.txt``
files. From Python::

    from docs.make_screenshot import screenshot   # or load the file by path
    screenshot(report, texts, "docs/report.png", article="doc-1", cluster="c-7")

Needs Playwright for Python and a Chromium (Debian's /usr/bin/chromium by
default; see .ci/install-browser.sh). The picture shows the overview and,
when an article is given, that article with one passage compared beside it.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def screenshot(report: Mapping[str, Any], texts: Mapping[str, str], out: str | Path, *,
               title: str = "dedup provenance report", article: str | None = None,
               cluster: str | None = None, width: int = 1280, chromium: str = CHROMIUM) -> Path:
    """Write a PNG of the report's overview (and of ``article`` with ``cluster``'s
    passage selected, stacked below it) to ``out``; returns the path."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from playwright.sync_api import sync_playwright

    from dedup.report_html import render_html

    out = Path(out)
    page_html = render_html(report, texts, title=title)
    doc_ids = [str(d.get("id")) for d in report.get("documents", [])]
    cluster_ids = [str(c.get("id")) for c in report.get("clusters", [])]
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        path = Path(tmp) / "report.html"
        path.write_text(page_html, encoding="utf-8")
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900}, device_scale_factor=1)
            page.goto(path.as_uri())
            page.wait_for_function("() => window.__dedupReady === true")
            shots = [page.screenshot(full_page=True)]
            if article is not None:
                i = doc_ids.index(article)
                page.evaluate("(h) => { location.hash = h; }", f"#/a/{i}")
                page.wait_for_selector("#doc-text")
                if cluster is not None:
                    # the page indexes clusters in report order
                    c = cluster_ids.index(cluster)
                    page.evaluate("(h) => { location.hash = h; }", f"#/a/{i}/c/{c}")
                    page.wait_for_selector("#compare .sbs")
                page.set_viewport_size({"width": width, "height": 1000})
                page.evaluate("() => { const m = document.querySelector('mark.selected');"
                              " if (m) m.scrollIntoView({block: 'center'}); document.activeElement.blur(); }")
                shots.append(page.screenshot(full_page=False))
            if len(shots) > 1:  # stack the pictures by screenshotting a page of them
                imgs = "".join(
                    f'<img src="data:image/png;base64,{base64.b64encode(s).decode()}" style="display:block">'
                    for s in shots)
                height = sum(int.from_bytes(s[20:24], "big") for s in shots)  # from the PNG headers
                page.set_viewport_size({"width": width, "height": height})
                page.set_content(f'<body style="margin:0;overflow:hidden">{imgs}</body>')
                shots = [page.screenshot()]
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(shots[0])
        finally:
            browser.close()
    return out


def _load_texts(arg: str) -> dict[str, str]:
    p = Path(arg)
    if p.is_dir():
        return {f.stem: f.read_text(encoding="utf-8") for f in sorted(p.glob("*.txt"))}
    return json.loads(p.read_text(encoding="utf-8"))


def _seed_fixture() -> tuple[dict[str, Any], dict[str, str]]:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "report_fixtures", ROOT / "tests" / "fixtures" / "report_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.seed_report(hostile=False)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--report", help="provenance report JSON (default: the seeds fixture)")
    ap.add_argument("--texts", help="JSON {id: text} or a folder of <id>.txt (needed with --report)")
    ap.add_argument("--article", help="also show this article (default with the seeds: 004_...)")
    ap.add_argument("--cluster", help="and select its passage of this cluster")
    ap.add_argument("--title", default="dedup provenance report")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("-o", "--out", default=str(ROOT / "docs" / "report.png"))
    args = ap.parse_args(argv)
    if args.report:
        if not args.texts:
            ap.error("--texts is needed with --report")
        report = json.loads(Path(args.report).read_text(encoding="utf-8"))
        texts = _load_texts(args.texts)
        article, cluster = args.article, args.cluster
    else:
        report, texts = _seed_fixture()
        article = args.article or next(d["id"] for d in report["documents"] if d["id"].startswith("004"))
        cluster = args.cluster or ("c-jpoa" if args.article is None else None)
    path = screenshot(report, texts, args.out, title=args.title, article=article, cluster=cluster,
                      width=args.width)
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
