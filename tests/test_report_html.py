"""Tests of the self-contained HTML provenance report (dedup.report_html).

The pure-Python tests always run. The browser tests drive Debian's Chromium
(/usr/bin/chromium, or $DEDUP_CHROMIUM) with Playwright for Python and are
skipped, with the reason, when either is missing; `.ci/install-browser.sh`
installs both.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
import shutil
import time
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path

import pytest

from dedup.report_html import render_html

HERE = Path(__file__).resolve().parent


def _load_fixtures():
    spec = importlib.util.spec_from_file_location("report_fixtures", HERE / "fixtures" / "report_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


rf = _load_fixtures()


# ----------------------------------------------------------------- helpers


class _Page(HTMLParser):
    """Collects the tags, attributes and script bodies of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self._script: dict[str, str | None] | None = None
        self._body: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._script, self._body = dict(attrs), []

    def handle_data(self, data):
        if self._script is not None:
            self._body.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append((self._script, "".join(self._body)))
            self._script = None


def parse(page_html: str) -> _Page:
    p = _Page()
    p.feed(page_html)
    p.close()
    return p


def embedded(page_html: str) -> tuple[dict, list]:
    scripts = {attrs.get("id"): body for attrs, body in parse(page_html).scripts}
    return json.loads(scripts["dedup-data"]), json.loads(scripts["dedup-texts"])


def utf16_len(s: str) -> int:
    return len(s.encode("utf-16-le")) // 2


@pytest.fixture(scope="module")
def seeds():
    return rf.seed_report(hostile=True)


@pytest.fixture(scope="module")
def seeds_html(seeds):
    report, texts = seeds
    return render_html(report, texts)


# ------------------------------------------------------ pure-Python tests


def test_fixture_locates_the_shared_paragraphs(seeds):
    report, texts = seeds
    doc000 = next(d for d in report["documents"] if d["id"].startswith("000_"))
    doc001 = next(d for d in report["documents"] if d["id"].startswith("001_"))
    for doc in (doc000, doc001):
        text = texts[doc["id"]]
        starts = [text[sp["start"]:sp["end"]] for sp in doc["spans"] if sp["cluster"].startswith("c-un-office")]
        assert starts[0].startswith("The United Nations Office of Counter-Terrorism was established")
        assert starts[-1].endswith("counter-terrorism-related meetings.")
    assert {sp["role"] for sp in doc000["spans"] if not sp["boilerplate"]} == {"origin"}
    assert {sp["role"] for sp in doc001["spans"]} == {"copy"}


def test_page_is_one_document_with_three_scripts(seeds_html):
    page = parse(seeds_html)
    assert seeds_html.startswith("<!DOCTYPE html>")
    assert [attrs.get("type") for attrs, _ in page.scripts] == ["application/json", "application/json", None]
    assert seeds_html.count("<script") == 3 and seeds_html.count("</script>") == 3
    assert seeds_html.count("<style") == 1 and seeds_html.count("</style>") == 1


def test_hostile_text_is_escaped_and_round_trips(seeds, seeds_html):
    _, texts = seeds
    for needle in ("<script>window", "<img", "<iframe", "<svg onload", "</textarea>", "<textarea", "<b>powers",
                   "<!-- a comment", "\u2028", "\u2029", "]]>"):
        assert needle not in seeds_html, needle
    tags = {tag for tag, _ in parse(seeds_html).tags}
    assert not tags & {"img", "iframe", "textarea", "object", "embed", "b"}
    assert [attrs.get("id") for tag, attrs in parse(seeds_html).tags if tag == "svg"] == ["flow-svg"]
    data, text_list = embedded(seeds_html)
    ids = [d["id"] for d in data["documents"]]
    assert rf.HOSTILE_ID in ids
    hostile = data["documents"][ids.index(rf.HOSTILE_ID)]
    assert hostile["source"] == rf.HOSTILE_SOURCE and hostile["date"] == rf.HOSTILE_DATE
    assert text_list[ids.index(rf.HOSTILE_ID)] == rf.HOSTILE_TEXT
    assert rf.HOSTILE_CLUSTER in [c["id"] for c in data["clusters"]]
    assert set(text_list) == set(texts.values())  # every text embedded exactly as given...
    for text in texts.values():  # ...and once
        if len(text) > 200:
            assert seeds_html.count(json.dumps(text[:120], ensure_ascii=False)[1:-1].replace("<", "\\u003c")
                                    .replace(">", "\\u003e").replace("&", "\\u0026")) <= 2


def test_title_is_escaped():
    page_html = render_html({"documents": [], "clusters": []}, {}, title="</title><script>alert(1)</script>&")
    assert "<script>alert(1)" not in page_html
    assert "<title>&lt;/title&gt;&lt;script&gt;alert(1)&lt;/script&gt;&amp;</title>" in page_html
    data, _ = embedded(page_html)
    assert data["title"] == "</title><script>alert(1)</script>&"


def test_notes_on_what_reading_left_out_are_escaped_and_only_there_when_given():
    bare = render_html({"documents": [], "clusters": []}, {})
    assert 'id="skipped"' not in bare
    page_html = render_html({"documents": [], "clusters": []}, {},
                            notes=["skipped x.jsonl:3: <script>alert(1)</script>", "{title}"])
    assert 'id="skipped"' in page_html and "Left out while reading: 2" in page_html
    assert "<script>alert(1)" not in page_html and "&lt;script&gt;alert(1)&lt;/script&gt;" in page_html
    assert "<li>{title}</li>" in page_html  # a note is no template


def test_lone_surrogates_and_control_characters_survive():
    text = "bad \udcff byte \x00 nul \x1b esc and the rest"
    report = {"documents": [{"id": "x", "length": len(text), "reused_fraction": 0, "spans": []}], "clusters": []}
    page_html = render_html(report, {"x": text})
    page_html.encode("utf-8")  # writable as UTF-8
    assert embedded(page_html)[1] == [text]


def test_self_contained(seeds):
    report, texts = rf.seed_report(hostile=False)
    page_html = render_html(report, texts)
    assert "http://" not in page_html and "https://" not in page_html
    assert "@import" not in page_html and "url(" not in page_html.replace("url(#flow-arrow)", "")
    hostile_html = render_html(*seeds)
    for html_ in (page_html, hostile_html):
        for tag, attrs in parse(html_).tags:
            for name in ("src", "href", "action", "srcset", "poster", "data"):
                value = attrs.get(name)
                assert value is None or value.startswith(("data:", "#")), (tag, name, value)
        assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", html_)


def test_content_security_policy_matches_inline_code(seeds_html):
    import base64
    import hashlib

    page = parse(seeds_html)
    csp = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp
    js = page.scripts[-1][1]
    css = re.search(r"<style>(.*?)</style>", seeds_html, re.DOTALL).group(1)
    for code in (js, css):
        digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp


def test_offsets_become_utf16_for_astral_text():
    text = "🚀🚀 intro 𝕏 then the shared passage here. And 🧪 a second one."
    a_s = text.find("the shared")
    a_e = a_s + len("the shared passage here.")
    other = "Elsewhere: the shared passage here."
    b_s = other.find("the shared")
    report = {
        "documents": [
            {"id": "a", "length": len(text), "reused_fraction": 0.3, "spans": [
                {"start": a_s, "end": a_e, "cluster": "c1", "role": "copy", "origin": "b", "boilerplate": False,
                 "similarity": 1.0, "matches": [{"doc": "b", "start": b_s, "end": len(other), "similarity": 1.0}]}]},
            {"id": "b", "length": len(other), "reused_fraction": 0.7, "spans": []},
        ],
        "clusters": [{"id": "c1", "boilerplate": False, "origin": "b",
                      "members": [{"doc": "a", "start": a_s, "end": a_e}, {"doc": "b", "start": b_s, "end": len(other)}]}],
    }
    data, _ = embedded(render_html(report, {"a": text, "b": other}))
    span = data["documents"][0]["spans"][0]
    assert (span["s"], span["e"]) == (utf16_len(text[:a_s]), utf16_len(text[:a_e]))
    assert span["m"][0][1:3] == [b_s, len(other)]
    assert data["clusters"][0]["m"][0][1:] == [span["s"], span["e"]]


def test_tolerates_imperfect_reports():
    text = "0123456789" * 5
    report = {
        "documents": [
            {"id": "a", "date": None, "source": None, "length": 50, "reused_fraction": float("nan"),
             "near_duplicates": [{"doc": "ghost", "similarity": 0.9}],
             "spans": [
                 {"start": 30, "end": 45, "cluster": "k", "role": "copy", "origin": "ghost", "boilerplate": False,
                  "similarity": float("inf"), "matches": [{"doc": "ghost", "start": 0, "end": 15, "similarity": 0.8}]},
                 {"start": 10, "end": 35, "cluster": "k2", "role": "weird", "origin": None, "boilerplate": True,
                  "similarity": 0.5, "matches": []},
                 {"start": 48, "end": 900, "cluster": "k3", "role": "shared", "origin": None, "boilerplate": False,
                  "similarity": 0.5, "matches": []},
                 {"start": 7, "end": 7, "cluster": "k4", "role": "shared", "origin": None, "boilerplate": False,
                  "similarity": 0.5, "matches": []},
             ],
             "extra_field": {"ignored": True}},
            {"id": 42, "length": 3, "reused_fraction": 0.0, "spans": []},
        ],
        "clusters": [{"id": "k", "boilerplate": False, "origin": "ghost",
                      "members": [{"doc": "a", "start": 30, "end": 45}, {"doc": "ghost", "start": 0, "end": 15}]}],
        "something_new": [1, 2, 3],
    }
    before = copy.deepcopy(report)
    page_html = render_html(report, {"a": text})
    assert report.keys() == before.keys() and json.dumps(report, default=str) == json.dumps(before, default=str)
    data, text_list = embedded(page_html)
    docs = data["documents"]
    assert [d["id"] for d in docs] == ["a", "42", "ghost"] and docs[2]["stub"] is True
    assert text_list == [text, None, None]
    spans = docs[0]["spans"]
    assert [(sp["s"], sp["e"]) for sp in spans] == [(10, 35), (35, 45), (48, 50)]  # sorted, clipped, clamped
    assert spans[0]["r"] == "shared" and spans[1]["sim"] is None
    assert docs[0]["reused"] == pytest.approx((25 + 10 + 2) / 50)
    assert [c["id"] for c in data["clusters"]] == ["k", "k2", "k3"]  # clusters named only by spans are added
    assert "extra_field" not in page_html and "something_new" not in page_html
    assert render_html(report, {"a": text}) == page_html  # deterministic


def test_empty_report_renders():
    page_html = render_html({"documents": [], "clusters": []}, {})
    data, texts = embedded(page_html)
    assert data["documents"] == [] and texts == [] and data["stats"]["articles"] == 0


def test_size_grows_linearly_and_texts_are_embedded_once():
    base = len(render_html({"documents": [], "clusters": []}, {}).encode())
    sizes = {}
    for n in (200, 2000):
        report, texts = rf.synthetic_report(n)
        sizes[n] = len(render_html(report, texts).encode()) - base
        text_bytes = sum(len(t.encode()) for t in texts.values())
        assert text_bytes < sizes[n] < 2.0 * text_bytes  # texts once, plus a modest index
    assert 8.5 < sizes[2000] / sizes[200] < 11.5


def test_assets_load_through_importlib_resources():
    folder = resources.files("dedup").joinpath("report_assets")
    assert "render" in folder.joinpath("report.js").read_text(encoding="utf-8").lower()
    assert "mark.hl" in folder.joinpath("report.css").read_text(encoding="utf-8")


# ---------------------------------------------------------- browser tests

CHROMIUM = os.environ.get("DEDUP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright for Python is not installed (run .ci/install-browser.sh)")
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"no Chromium at {CHROMIUM} (run .ci/install-browser.sh or set DEDUP_CHROMIUM)")
    with sync_api.sync_playwright() as pw:
        try:
            b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as exc:  # a browser that cannot start here is an environment problem
            pytest.skip(f"Chromium at {CHROMIUM} does not start: {exc}")
        yield b
        b.close()


class Watched:
    """A page plus everything it complained about or tried to do."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("dialog", self._dialog)
        page.on("request", lambda r: self.requests.append(r.url))

    def _console(self, message):
        if message.type in ("error", "warning"):
            self.errors.append(f"console.{message.type}: {message.text}")

    def _dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def open(self, page_html: str, path: Path, timeout: float = 30_000) -> float:
        path.write_text(page_html, encoding="utf-8")
        t0 = time.perf_counter()
        self.page.goto(path.as_uri(), timeout=timeout)
        self.page.wait_for_function("() => window.__dedupReady === true", timeout=timeout)
        return time.perf_counter() - t0

    def assert_clean(self):
        assert self.errors == []
        assert self.dialogs == []
        assert [u for u in self.requests if not u.startswith(("file:", "data:"))] == []
        assert self.page.evaluate("typeof window.__dedupPwned") == "undefined"


@pytest.fixture
def watched(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield Watched(page)
    context.close()


def doc_index(report, prefix):
    return next(i for i, d in enumerate(report["documents"]) if d["id"].startswith(prefix))


def test_browser_loads_seed_report_cleanly(watched, seeds, seeds_html, tmp_path):
    report, _ = seeds
    watched.open(seeds_html, tmp_path / "report.html")
    page = watched.page
    assert page.locator("#stats .stat").count() >= 4
    assert page.locator("#stats").inner_text().startswith("6\narticles")
    assert page.locator("#articles-body tr").count() == len(report["documents"])
    content = [c for c in report["clusters"] if not c["boilerplate"]]
    assert page.locator("#clusters > li").count() == len(content)  # boilerplate hidden by default
    page.check("#bp-toggle")
    assert page.locator("#clusters > li").count() == len(report["clusters"])
    first = page.locator("#clusters > li").first
    assert first.locator(".members li").count() == 2
    assert page.locator("#flow-svg .node").count() == 6  # every outlet
    assert page.locator("#flow-svg path.edge").count() >= 2
    assert page.locator("#flow-list li").first.inner_text().startswith("tj-news.example → asia-wire.example")
    watched.assert_clean()


def test_browser_highlights_the_shared_paragraphs(watched, seeds, seeds_html, tmp_path):
    report, texts = seeds
    watched.open(seeds_html, tmp_path / "report.html")
    page = watched.page
    copy_id = report["documents"][doc_index(report, "001_")]["id"]
    page.get_by_role("link", name=copy_id, exact=True).first.click()
    page.wait_for_selector("#doc-text")
    assert page.locator("#article-title").inner_text() == copy_id
    text = texts[copy_id]
    marks = page.locator("#doc-text mark.hl")
    expected = [text[slice(*rf.locate(text, first, last))] for first, last in rf.SHARED_PARAGRAPHS]
    assert [marks.nth(k).text_content() for k in range(marks.count())] == expected
    assert all("role-copy" in marks.nth(k).get_attribute("class") for k in range(marks.count()))
    hues = {marks.nth(k).evaluate("m => m.style.getPropertyValue('--hue')") for k in range(3)}
    assert len(hues) == 3  # a colour per cluster
    assert marks.first.evaluate("m => getComputedStyle(m).backgroundColor") != "rgba(0, 0, 0, 0)"
    # the whole text is there, in order, exactly once
    assert page.locator("#doc-text").text_content() == text
    assert "Copied from" in page.locator(".article-head").inner_text()

    # the origin article marks its spans as origin and the footer as boilerplate
    page.locator(".back").click()
    page.wait_for_selector("#view-overview:not([hidden])")
    origin = report["documents"][doc_index(report, "000_")]["id"]
    page.get_by_role("link", name=origin, exact=True).first.click()
    # The article view renders after the click: wait for it rather than race it.
    page.locator("#article-title").filter(has_text=origin).wait_for()
    page.wait_for_selector("#doc-text mark.role-origin")
    assert page.locator("#doc-text mark.role-origin").count() == 3
    assert page.locator("#doc-text mark.boiler").count() == 1
    assert page.locator("#doc-text mark.boiler").evaluate("m => getComputedStyle(m).color") != \
        page.locator("#doc-text").evaluate("m => getComputedStyle(m).color")
    watched.assert_clean()


def test_browser_click_span_shows_side_by_side_word_diff(watched, seeds, seeds_html, tmp_path):
    report, texts = seeds
    watched.open(seeds_html, tmp_path / "report.html")
    page = watched.page
    i = doc_index(report, "004_")
    page.evaluate("i => { location.hash = '#/a/' + i; }", i)
    page.wait_for_selector("#doc-text")
    t4 = texts[report["documents"][i]["id"]]
    jpoa = page.locator("#doc-text mark.hl", has_text="initiative to implement")
    jpoa.click()
    sides = page.locator("#compare .sbs .side")
    assert sides.count() == 2
    other_id = report["documents"][doc_index(report, "003_")]["id"]
    assert other_id in sides.nth(1).inner_text()
    assert page.locator("#compare .side-this del.diff-del").count() >= 1
    assert page.locator("#compare .side-other ins.diff-ins").count() >= 1
    deleted = " ".join(page.locator("#compare .side-this del.diff-del").all_text_contents())
    inserted = " ".join(page.locator("#compare .side-other ins.diff-ins").all_text_contents())
    assert "initiative to implement" in deleted and "for Central Asia" in deleted
    assert "implementation of all four pillars of" in inserted
    core = page.locator("#compare .side-this .core").text_content()
    assert core == t4[slice(*rf.locate(t4, "initiative to implement the United Nations", "(JPoA)"))]
    assert jpoa.get_attribute("aria-pressed") == "true"

    # keyboard: Tab to a span, Enter opens its comparison; Escape closes it
    copy_i = doc_index(report, "001_")
    page.evaluate("i => { location.hash = '#/a/' + i; }", copy_i)
    page.wait_for_selector("#doc-text mark.hl")
    page.locator("#doc-text mark.hl").nth(1).focus()
    page.keyboard.press("Enter")
    assert page.locator("#compare .sbs").count() == 1
    assert "Same words in the same order" in page.locator("#compare .diff-summary").inner_text()
    page.keyboard.press("Escape")
    assert page.locator("#compare .sbs").count() == 0
    watched.assert_clean()


def test_browser_sorts_the_table(watched, tmp_path):
    watched.open(render_html(*rf.seed_report(hostile=False)), tmp_path / "report.html")
    page = watched.page

    def column(n):
        return page.locator(f"#articles-body tr td:nth-child({n})").all_inner_texts()

    shares = [float(x.rstrip("%")) for x in column(4)]
    assert shares == sorted(shares, reverse=True)  # default: most reused first
    page.locator("th[data-key=reused] button").click()
    assert [float(x.rstrip("%")) for x in column(4)] == sorted(shares)
    assert page.locator("th[data-key=reused]").get_attribute("aria-sort") == "ascending"

    page.locator("th[data-key=date] button").click()
    dates = column(3)
    known = [d for d in dates if d != "—"]
    assert known == sorted(known) and dates[len(known):] == ["—"] * (len(dates) - len(known))
    page.locator("th[data-key=date] button").click()
    dates = column(3)
    known = [d for d in dates if d != "—"]
    assert known == sorted(known, reverse=True) and dates[-1] == "—"
    assert page.locator("th[data-key=date]").get_attribute("aria-sort") == "descending"

    page.locator("th[data-key=source] button").click()
    outlets = column(2)
    assert outlets == sorted(outlets) and page.locator("#articles-body tr").count() == 5
    page.locator("th[data-key=id] button").click()
    assert column(1) == sorted(column(1))

    page.fill("#articles-filter", "un-")
    page.wait_for_function("() => document.querySelectorAll('#articles-body tr').length === 2")
    watched.assert_clean()


def test_browser_hostile_markup_runs_nothing(watched, seeds_html, tmp_path):
    watched.open(seeds_html, tmp_path / "report.html")
    page = watched.page
    page.check("#bp-toggle")
    # hostile id, outlet, date and cluster id show as text
    assert page.get_by_text(rf.HOSTILE_ID, exact=True).count() >= 1
    assert page.get_by_text(rf.HOSTILE_SOURCE, exact=True).count() >= 1
    assert page.get_by_text(rf.HOSTILE_DATE, exact=True).count() >= 1
    assert page.get_by_text(rf.HOSTILE_CLUSTER, exact=True).count() >= 1
    page.get_by_role("link", name=rf.HOSTILE_ID, exact=True).first.click()
    page.wait_for_selector("#doc-text")
    assert page.locator("#doc-text").text_content() == rf.HOSTILE_TEXT
    assert page.locator("#article-title").text_content() == rf.HOSTILE_ID
    for k in range(page.locator("#doc-text mark.hl").count()):
        page.locator("#doc-text mark.hl").nth(k).click()
        assert page.locator("#compare .sbs").count() == 1
    # the copied passage compared with 002 shows the injected words as differences, as text
    page.locator("#doc-text mark.hl").first.click()
    inserted = " ".join(page.locator("#compare del.diff-del").all_text_contents())
    assert "<b>powers</b>" in inserted and "</script><script>window.__dedupPwned='copy'</script>." in inserted
    # and then the article it copies, whose comparison shows the hostile text
    page.locator("#compare .side-other a.doc-ref").click()
    # The other article renders after the hash changes: wait for it rather than race it.
    page.wait_for_function("id => document.querySelector('#article-title').textContent !== id", arg=rf.HOSTILE_ID)
    page.wait_for_selector("#compare .sbs")
    assert "<b>powers</b>" in page.locator("#compare .side-other").text_content()
    page.wait_for_timeout(300)  # give any injected onerror/onload a chance to fire
    counts = page.evaluate("""() => ({
        img: document.querySelectorAll('img').length, iframe: document.querySelectorAll('iframe').length,
        textarea: document.querySelectorAll('textarea').length, b: document.querySelectorAll('b').length,
        script: document.querySelectorAll('script').length, svg: document.querySelectorAll('svg').length })""")
    assert counts == {"img": 0, "iframe": 0, "textarea": 0, "b": 0, "script": 3, "svg": 1}
    watched.assert_clean()


def test_browser_large_corpus_opens_fast(watched, tmp_path, record_property, capsys):
    n = 10_000
    t0 = time.perf_counter()
    report, texts = rf.synthetic_report(n)
    t1 = time.perf_counter()
    page_html = render_html(report, texts)
    t2 = time.perf_counter()
    load = watched.open(page_html, tmp_path / "big.html", timeout=60_000)
    page = watched.page
    js_ready = page.evaluate("performance.now()") / 1000
    assert page.locator("#articles-body tr").count() == 50
    assert "of 200" in page.locator("#page-info").inner_text()
    t3 = time.perf_counter()
    page.locator("#page-next").click()
    page.locator("th[data-key=date] button").click()
    dates = page.locator("#articles-body tr td:nth-child(3)").all_inner_texts()
    assert dates == sorted(dates)
    page.locator("#articles-body a.doc-ref").first.click()
    page.wait_for_selector("#doc-text")
    marks = page.locator("#doc-text mark.hl")
    assert marks.count() >= 1
    marks.first.click()
    page.wait_for_selector("#compare .sbs")
    interact = time.perf_counter() - t3
    size_mb = len(page_html.encode()) / 1e6
    record_property("report_10k_mb", round(size_mb, 1))
    record_property("report_10k_load_s", round(load, 2))
    with capsys.disabled():
        print(f"\n[report_html] {n} articles: build {t1 - t0:.1f}s, render_html {t2 - t1:.1f}s, "
              f"{size_mb:.1f} MB, browser load {load:.2f}s (page ready at {js_ready:.2f}s), "
              f"sort+open+compare {interact:.2f}s")
    assert load < 15, f"10k-article report took {load:.1f}s to open"
    assert interact < 10
    watched.assert_clean()
