"""Provenance: spans per article, origin by earliest date, boilerplate, near-duplicates."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

import dedup
from hypothesis import given, settings
from hypothesis import strategies as st
from dedup import Document, find_provenance
from dedup.provenance import earliest

A, B, C = "000_06ca5f3817816343", "001_379fe7a909cd7bd2", "002_00f4e87b33418616"

RELEASE = (
    "The company reported a net profit of 41 million dollars for the quarter, up from 29 million a year "
    "earlier, on sales that rose eight percent to 612 million dollars."
)
BOILERPLATE = (
    "About Northwind Traders: Northwind Traders is a specialty food importer founded in 1982 with offices "
    "in twelve countries and more than four thousand employees worldwide."
)
FILLERS = [
    "Rain fell across the valley on Monday, and farmers welcomed the change after months of drought.",
    "The city council voted to extend the tram line to the airport by the end of next year.",
    "A new museum of modern photography opened its doors in the old harbour warehouse district.",
    "Shares of mining companies fell sharply after copper prices dropped to a two year low.",
    "The national team named three new players for the qualifying match against the neighbours.",
    "Engineers began repairs on the old bridge, which has been closed to lorries since the spring.",
    "The ministry of health said vaccination rates among children had improved in rural areas.",
]


def _doc(i: int, body: str, date: str | None, source: str | None = None) -> Document:
    return Document(f"doc{i}", f"{FILLERS[i % len(FILLERS)]}\n\n{body}", date=date, source=source)


def _spans_of(result, doc_id):
    return next(d for d in result.report.documents if d.id == doc_id).spans


def test_copy_points_to_the_earliest_dated_carrier():
    docs = [
        _doc(0, RELEASE, "2020-03-02"),
        _doc(1, f"{FILLERS[3]} {RELEASE}", "2020-03-01T09:00"),
        _doc(2, f"{RELEASE}\n\n{FILLERS[4]}", "2020-03-05"),
    ]
    result = find_provenance(docs)
    roles = {d.id: [(s.role, s.origin) for s in d.spans] for d in result.report.documents}
    assert roles == {"doc0": [("copy", "doc1")], "doc1": [("origin", "doc1")], "doc2": [("copy", "doc1")]}
    for d in result.report.documents:
        text = docs[int(d.id[-1])].text
        (span,) = d.spans
        assert text[span.start : span.end] == RELEASE


def test_ties_and_missing_dates_give_no_origin():
    tied = find_provenance([_doc(0, RELEASE, "2020-03-01"), _doc(1, RELEASE, "2020-03-01T10:00")])
    missing = find_provenance([_doc(0, RELEASE, "2020-03-01"), _doc(1, RELEASE, None)])
    for result in (tied, missing):
        for d in result.report.documents:
            assert [(s.role, s.origin) for s in d.spans] == [("shared", None)]


def test_earliest_needs_every_date_and_a_strict_first():
    assert earliest({"a": "2020-01-01", "b": "2020-01-02"}) == "a"
    assert earliest({"a": "2020-01-01", "b": "2020-01-01T08:00"}) is None
    assert earliest({"a": "2020-01-01T07:00", "b": "2020-01-01T08:00"}) == "a"
    assert earliest({"a": "2020-01-01", "b": None}) is None


def test_text_in_many_documents_is_boilerplate_and_never_a_near_duplicate():
    docs = [_doc(i, BOILERPLATE, f"2021-01-0{i + 1}") for i in range(6)]
    result = find_provenance(docs)
    assert all(c.boilerplate for c in result.report.clusters)
    for d in result.report.documents:
        assert d.spans and all(s.boilerplate and s.role == "shared" for s in d.spans)
        assert d.near_duplicates == ()


def test_resend_is_a_near_duplicate_and_shared_paragraph_is_not():
    story = " ".join(FILLERS[:5])
    resend = story.replace("Monday", "Tuesday")
    one_shared = f"{FILLERS[6]} {FILLERS[5]} {RELEASE}"
    result = find_provenance([
        Document("first", story, date="2022-05-01"),
        Document("resend", resend, date="2022-05-02"),
        Document("quote", f"{RELEASE} {FILLERS[0]}", date="2022-05-03"),
        Document("other", one_shared, date="2022-05-04"),
    ])
    near = {d.id: [n.doc for n in d.near_duplicates] for d in result.report.documents}
    assert near["first"] == ["resend"] and near["resend"] == ["first"]
    assert near["quote"] == [] and near["other"] == []


def test_spans_do_not_overlap_and_slice_their_document(seeds_dir):
    result = dedup.provenance_files([seeds_dir])
    for d in result.report.documents:
        text = result.documents[d.id].text
        last_end = 0
        for s in d.spans:
            assert last_end <= s.start < s.end <= len(text)
            last_end = s.end
            for m in s.matches:
                assert 0 <= m.start < m.end <= len(result.documents[m.doc].text)


def test_json_shape_is_the_documented_one(seeds_dir):
    payload = dedup.provenance_files([seeds_dir]).report.to_dict()
    assert set(payload) == {"documents", "clusters"}
    doc = payload["documents"][0]
    assert {"id", "date", "source", "length", "reused_fraction", "near_duplicates", "spans"} <= set(doc)
    span = next(s for d in payload["documents"] for s in d["spans"])
    assert {"start", "end", "cluster", "role", "origin", "boilerplate", "similarity", "matches"} <= set(span)
    assert set(span["matches"][0]) == {"doc", "start", "end", "similarity"}
    cluster = payload["clusters"][0]
    assert {"id", "boilerplate", "origin", "members"} <= set(cluster)
    assert set(cluster["members"][0]) == {"doc", "start", "end"}


def test_report_is_the_same_for_any_input_order(seeds_dir):
    docs = list(dedup.read_documents([seeds_dir]))
    forward = json.dumps(find_provenance(docs).report.to_dict())
    backward = json.dumps(find_provenance(docs[::-1]).report.to_dict())
    assert forward == backward


# --- acceptance on seeds/ ----------------------------------------------------------


def test_seeds_office_description_is_reused_between_000_and_001(seeds_dir):
    result = dedup.provenance_files([seeds_dir])
    texts = {k: v.text for k, v in result.documents.items()}
    first = "The United Nations Office of Counter-Terrorism was established"
    last = "counter-terrorism-related meetings."
    for doc_id, other in ((A, B), (B, A)):
        start, end = texts[doc_id].index(first), texts[doc_id].index(last) + len(last)
        spans = [s for s in _spans_of(result, doc_id) if s.start <= start and end <= s.end]
        assert spans, f"{doc_id} does not report the Office description"
        assert other in {m.doc for m in spans[0].matches}
    near = {d.id: d.near_duplicates for d in result.report.documents}
    assert near[A] == () and near[B] == ()


def test_seed_002_paraphrase_matches_000_and_001_at_lower_similarity(seeds_dir):
    result = dedup.provenance_files([seeds_dir])
    text = result.documents[C].text
    last_paragraph = text.index("The UN Counter-Terrorism Office is a new UN body")
    spans = [s for s in _spans_of(result, C) if s.start >= last_paragraph]
    assert spans
    matched = {m.doc: m.similarity for s in spans for m in s.matches}
    assert {A, B} <= set(matched)
    verbatim = max(s.similarity for s in _spans_of(result, A) if B in {m.doc for m in s.matches})
    assert max(matched[A], matched[B]) < verbatim


def test_seed_dates_are_read_from_their_text(seeds_dir):
    result = dedup.provenance_files([seeds_dir])
    dates = {d.id[:3]: (d.date, d.date_from) for d in result.report.documents}
    assert dates["000"] == ("2018-05-03T18:53", "dateline")
    assert dates["002"] == ("2017-09-21T13:22", "dateline")
    assert dates["004"] == ("2018-04-30", "dateline")


OTHER_BOILERPLATE = (
    "Forward-looking statements: this release contains statements about future events that involve risks "
    "and uncertainties, and actual results may differ materially from those projected today."
)


def test_two_boilerplate_paragraphs_side_by_side_keep_their_own_origins():
    docs = [_doc(i, BOILERPLATE, f"2021-01-{i + 1:02d}") for i in range(6)]
    docs += [_doc(i, OTHER_BOILERPLATE, f"2021-02-{i + 1:02d}") for i in range(6, 12)]
    # Two later articles carry both, side by side: that pair is no reuse of its own.
    openings = ["The harbour authority opened a second container terminal on the northern pier this week.",
                "A regional airline ordered six turboprop aircraft to replace its ageing fleet of jets."]
    docs += [Document(f"both{i}", f"{openings[i]}\n\n{BOILERPLATE}\n\n{OTHER_BOILERPLATE}", date=f"2021-03-0{i + 1}")
             for i in range(2)]
    docs = [Document(f"doc{k:02d}" if d.id.startswith("doc") else d.id, d.text, date=d.date)
            for k, d in enumerate(docs)]
    result = find_provenance(docs)
    for doc_id in ("both0", "both1"):
        text = next(d.text for d in docs if d.id == doc_id)
        spans = _spans_of(result, doc_id)
        origins = {text[s.start : s.end]: s.origin for s in spans}
        assert origins == {BOILERPLATE: "doc00", OTHER_BOILERPLATE: "doc06"}
    near = {d.id: d.near_duplicates for d in result.report.documents}
    assert near["both0"] == () and near["both1"] == ()


def _chain_report(n: int, dates: list[str | None]):
    """``n`` documents carrying one text, each aligned only with the next (a
    release picked up by outlets that each copied the previous one)."""
    texts = {f"d{k:02d}": f"{FILLERS[k % len(FILLERS)]} {RELEASE}" for k in range(n)}
    docs = {d: Document(d, t, date=dates[k]) for k, (d, t) in enumerate(sorted(texts.items()))}
    ids = sorted(texts)
    alignments = []
    for a, b in zip(ids, ids[1:]):
        sa, sb = texts[a].index(RELEASE), texts[b].index(RELEASE)
        alignments.append(dedup.Alignment(a, sa, sa + len(RELEASE), b, sb, sb + len(RELEASE), 0.9, 30))
    return {d.id: d for d in dedup.build_provenance(docs, alignments, boilerplate_documents=1000).documents}


def test_every_carrier_is_named_also_when_not_aligned_directly():
    report = _chain_report(4, ["2020-03-04", "2020-03-01", "2020-03-03", "2020-03-02"])
    (span,) = report["d03"].spans
    assert [m.doc for m in span.matches] == ["d02"]  # aligned with its neighbour only
    assert [(c.doc, c.date, c.via) for c in span.carriers] == [
        ("d01", "2020-03-01", "cluster"), ("d02", "2020-03-03", "aligned"), ("d00", "2020-03-04", "cluster")]
    text = f"{FILLERS[1]} {RELEASE}"
    carried = span.carriers[0]
    assert text[carried.start : carried.end] == RELEASE
    assert span.first_seen is not None and (span.first_seen.doc, span.first_seen.date) == ("d01", "2020-03-01")
    assert (report["d01"].spans[0].first_seen.doc, report["d01"].spans[0].role) == ("d01", "origin")


def test_carriers_are_bounded_and_counted():
    report = _chain_report(60, [f"2020-03-01T{k // 60:02d}:{k % 60:02d}" for k in range(60)])
    (span,) = report["d59"].spans
    assert len(span.carriers) == 50 and span.more_carriers == 9
    assert [c.doc for c in span.carriers] == [f"d{k:02d}" for k in range(50)]  # the earliest, in date order


def test_first_seen_needs_a_known_earliest_and_ignores_undated_carriers():
    undated = _chain_report(3, [None, "2020-03-02", "2020-03-01"])
    for d in undated.values():
        (span,) = d.spans
        assert span.origin is None and span.role == "shared"  # origin needs every date
        assert span.first_seen is not None and span.first_seen.doc == "d02"
    tied = _chain_report(3, ["2020-03-01", "2020-03-01T10:00", "2020-03-05"])
    assert all(d.spans[0].first_seen is None for d in tied.values())


def test_boilerplate_spans_say_where_the_text_was_first_seen():
    docs = [_doc(i, BOILERPLATE, f"2020-03-{i + 1:02d}") for i in range(6)]
    result = find_provenance(docs)
    for d in result.report.documents:
        (span,) = [s for s in d.spans if s.boilerplate]
        assert span.role == "shared" and span.first_seen is not None
        assert (span.first_seen.doc, span.first_seen.date) == ("doc0", "2020-03-01")
        assert {c.doc for c in span.carriers} == {f"doc{i}" for i in range(6)} - {d.id}


NOTICE = (
    "FED ADDS RESERVES VIA CUSTOMER REPURCHASES\nThe Federal Reserve entered the U.S. Government securities "
    "market to arrange {amount} billion dlrs of customer repurchase agreements, a Fed spokesman said. Dealers "
    "said Federal funds were trading at {rate} pct when the Fed began its temporary and indirect supply of "
    "reserves to the banking system."
)
RATES = "HONG KONG EXCHS {at} - APR 7\n" + "\n".join(
    f" {pair:<10} {{{k}}}" for k, pair in enumerate(["uk", "us/uk", "us/w ger", "us/switz", "spore", "japan"]))


def test_a_notice_carried_by_many_is_a_near_duplicate_of_its_resend_and_two_tables_of_other_figures_are_not():
    fills = [("1.5", "6-3/16"), ("2.5", "6-3/16"), ("1.5", "6-1/16"), ("3.0", "6-1/4"), ("2.0", "6-3/8")]
    docs = [Document(f"fed{k}", NOTICE.format(amount=a, rate=r), date=f"1987-03-{k + 2:02d}")
            for k, (a, r) in enumerate(fills)]
    docs.append(Document("fed0-resend", NOTICE.format(amount="1.5", rate="6-3/16"), date="1987-03-02T12:00"))
    noon = ["12.622 - 12.634", "1.6180 - 1.6190", "1.8215 - 1.8225", "1.5140 - 1.5150", "3.6506 - 3.6534",
            "149.20 - 149.30"]
    later = ["12.601 - 12.613", "1.6195 - 1.6205", "1.8230 - 1.8240", "1.5128 - 1.5138", "3.6511 - 3.6539",
             "149.05 - 149.15"]
    docs += [Document("noon", RATES.format(*noon, at="NOON"), date="1987-04-07T04:00"),
             Document("1400", RATES.format(*later, at="1400"), date="1987-04-07T06:00")]
    near = {d.id: [n.doc for n in d.near_duplicates] for d in find_provenance(docs).report.documents}
    assert "fed0-resend" in near["fed0"] and "fed0" in near["fed0-resend"]  # boilerplate, yet the same story
    assert near["noon"] == near["1400"] == []


def test_markdown_says_where_a_text_was_first_seen_and_who_else_carries_it():
    import io

    from dedup.report import write_provenance

    docs = [_doc(0, RELEASE, "2020-03-02"), _doc(1, RELEASE, "2020-03-01"), _doc(2, RELEASE, None)]
    sink = io.StringIO()
    write_provenance(find_provenance(docs), sink, "markdown")
    section = sink.getvalue().split("## doc2")[1]
    start = docs[1].text.index(RELEASE)
    assert f"first seen in doc1 [{start}:{start + len(RELEASE)}], 2020-03-01" in section
    assert "first seen here, 2020-03-01" in sink.getvalue().split("## doc1")[1].split("## doc2")[0]


def test_html_page_carries_where_each_text_was_first_seen():
    import re

    from dedup.report_html import render_html

    docs = [_doc(0, RELEASE, "2020-03-02"), _doc(1, RELEASE, "2020-03-01")]
    result = find_provenance(docs)
    page = render_html(result.report.to_dict(), {d.id: d.text for d in docs})
    data = json.loads(re.search(r'<script[^>]*id="dedup-data"[^>]*>(.*?)</script>', page, re.S).group(1))
    ids = [d["id"] for d in data["documents"]]
    firsts = {ids[k]: [(ids[s["f"][0]], s["f"][1]) for s in d["spans"]] for k, d in enumerate(data["documents"])}
    assert firsts == {"doc0": [("doc1", "2020-03-01")], "doc1": [("doc1", "2020-03-01")]}


HOGS = ("{market} HOGS OPEN UP {up} DLR - PRIVATE\nHog prices opened {up} dlr higher, private sources said. Top "
        "{top} dlrs per cwt, with butcher hogs in good demand from packers at the opening of the session, and "
        "receipts were said to be light as farmers held back supplies after the recent gains in the cash market.")


def test_two_markets_on_one_form_are_not_near_duplicates_but_a_resend_is():
    docs = [Document("st-joseph", HOGS.format(market="ST JOSEPH", up="1.00", top="51.50"), date="1987-04-07T09:00"),
            Document("sioux-falls", HOGS.format(market="SIOUX FALLS", up="1.50", top="52.00"), date="1987-04-07T09:05"),
            Document("resent", HOGS.format(market="ST JOSEPH", up="1.00", top="51.50"), date="1987-04-07T09:30")]
    near = {d.id: [n.doc for n in d.near_duplicates] for d in find_provenance(docs).report.documents}
    assert near == {"st-joseph": ["resent"], "resent": ["st-joseph"], "sioux-falls": []}


def test_report_of_each_connected_part_with_the_runs_cluster_numbers_is_the_whole_report():
    """What an engine that builds the report a part at a time relies on: documents joined by
    alignments, given their clusters' ranks among all the run's, report as in the whole run."""
    from itertools import combinations

    from dedup.pipeline import align_documents
    from dedup.provenance import build_provenance, reuse_drafts
    from dedup.spans import UnionFind

    docs = [_doc(0, RELEASE, "2024-03-01"), _doc(1, RELEASE + " " + FILLERS[5], "2024-03-02"),
            _doc(2, BOILERPLATE, "2024-03-01", "a"), _doc(3, BOILERPLATE + " " + FILLERS[6], "2024-03-04", "b"),
            _doc(4, FILLERS[2] + " " + BOILERPLATE, None),
            Document("doc5", "Nothing in this short note is carried by any other article of the set.", "2024-03-05")]
    documents = {d.id: d for d in docs}
    alignments = align_documents(list(combinations(docs, 2)))
    whole = build_provenance(documents, alignments, boilerplate_documents=3)
    sets, number = UnionFind(len(docs)), {d.id: k for k, d in enumerate(docs)}
    for al in alignments:
        sets.union(number[al.a], number[al.b])
    parts: dict[int, list[str]] = {}
    for d in docs:
        parts.setdefault(sets.find(number[d.id]), []).append(d.id)
    assert len(parts) == 3  # the release's, the boilerplate's, and a document alone
    drafts = {root: reuse_drafts([al for al in alignments if al.a in ids]) for root, ids in parts.items()}
    ranked = sorted(([(x.doc, x.start, x.end) for x in m], root, k) for root, found in drafts.items()
                    for k, m in enumerate(found))
    rank = {(root, k): n for n, (_, root, k) in enumerate(ranked, 1)}
    records = {}
    for root, ids in parts.items():
        part = build_provenance({i: documents[i] for i in ids}, [al for al in alignments if al.a in ids],
                                boilerplate_documents=3,
                                cluster_numbers=[rank[(root, k)] for k in range(len(drafts[root]))])
        records.update((r["id"], r) for r in part.document_records())
    assert [records[i] for i in sorted(records)] == list(whole.document_records())
    assert len(ranked) == len(whole.clusters) >= 2


def _naive_join(nodes: list[tuple[str, int, int]], min_overlap: float) -> set[frozenset[int]]:
    """Every pair of stretches of one document compared: the rule itself."""
    from dedup.spans import UnionFind

    sets = UnionFind(len(nodes))
    for i, (d1, s1, e1) in enumerate(nodes):
        for j, (d2, s2, e2) in enumerate(nodes):
            if i < j and d1 == d2 and max(s1, s2) < min(e1, e2):
                if min(e1, e2) - max(s1, s2) > min_overlap * max(e1 - s1, e2 - s2):
                    sets.union(i, j)
    groups: dict[int, set[int]] = {}
    for i in range(len(nodes)):
        groups.setdefault(sets.find(i), set()).add(i)
    return {frozenset(g) for g in groups.values()}


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("ab"), st.integers(0, 30), st.integers(0, 12)), max_size=40),
       st.sampled_from([0.5, 0.8]))
def test_overlapping_stretches_join_as_the_pairwise_rule_says(stretches, min_overlap):
    """Stretches repeated many times over (one per alignment) join at once; the
    result is still that of comparing every two stretches of a document."""
    from dedup.provenance import _Spans

    nodes = [(doc, start, start + length) for doc, start, length in stretches]
    spans = _Spans()
    for node in nodes:
        spans.add(*node)
    spans.join_overlapping(min_overlap)
    groups: dict[int, set[int]] = {}
    for i in range(len(nodes)):
        groups.setdefault(spans.find(i), set()).add(i)
    assert {frozenset(g) for g in groups.values()} == _naive_join(nodes, min_overlap)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 25), st.integers(2, 6)), min_size=1, max_size=30),
       st.integers(0, 60), st.integers(0, 30), st.integers(2, 6))
def test_coverage_by_wider_clusters_counts_every_stretch_that_reaches_the_member(found, start, length, carriers):
    from dedup.cluster import ClusterMember
    from dedup.provenance import _Stretches
    from dedup.spans import merge_spans

    stretches = [(s, s + n, k) for s, n, k in found]
    member = ClusterMember("d", start, start + length)
    pieces = [(max(s, member.start), min(e, member.end)) for s, e, k in stretches
              if k > carriers and s < member.end and member.start < e]
    expected = sum(e - s for s, e in merge_spans(pieces)) / max(length, 1)
    assert _Stretches(stretches).covered_by_wider(member, carriers) == expected


@pytest.mark.parametrize("enabled", [True, False])
def test_provenance_leaves_garbage_collection_as_it_found_it(enabled):
    """Building a report pauses the collector (dedup.garbage); it comes back
    as it was, also when the step fails."""
    import gc

    from dedup.garbage import collection_paused

    shared = ("The Office aims to have a close relationship with Security Council bodies and "
              "Member States, strengthening existing and developing new partnerships.")
    docs = [Document("a", "First report. " + shared, date="2018-05-01"),
            Document("b", shared + " Later words.", date="2018-05-03")]
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        result = find_provenance(docs)
        assert gc.isenabled() is enabled
        assert [s.origin for s in result.report.documents[1].spans] == ["a"]
        with pytest.raises(ZeroDivisionError):
            with collection_paused():
                assert not gc.isenabled()
                1 / 0
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


def test_a_story_resent_whole_stays_a_reuse_and_a_near_duplicate_however_many_stories_fill_its_form():
    # A eurobond issue on the wire's standard form: other issues fill the form
    # with other issuers, amounts and coupons, and align with the story only
    # at 0.7-0.9, paragraph by paragraph; the story re-sent whole aligns at 1.
    bond = ("NORDVIK ISSUES 10 BILLION YEN BOND\nNordvik Finance is issuing a 10 billion yen eurobond due April 7, "
            "1994 with a five pct coupon and priced at 102-3/8 pct, Yamato International said.\n"
            "    The non-callable bonds will be issued in denominations of one mln yen and will be listed in "
            "Luxembourg. Total fees of 1-7/8 pct comprise 5/8 pct for management and underwriting.")
    lead, body = bond.index("\n") + 1, bond.index("    The")
    docs = {d: Document(d, bond, date=f"1987-03-{k + 10:02d}") for k, d in enumerate(
        ["story", "resend", "fill1", "fill2", "fill3", "fill4", "fill5", "fill6"])}
    fuzzy = [dedup.Alignment(x, s, e, f"fill{k}", s, e, 0.8, 12)
             for k in range(1, 7) for x in ("story", "resend") for s, e in ((lead, body), (body, len(bond)))]
    fuzzy += [dedup.Alignment(f"fill{k}", s, e, f"fill{k + 1}", s, e, 0.8, 12)
              for k in range(1, 6) for s, e in ((lead, body), (body, len(bond)))]
    whole = dedup.Alignment("story", 0, len(bond), "resend", 0, len(bond), 1.0, 60)
    report = dedup.build_provenance(docs, fuzzy + [whole])
    by_id = {d.id: d for d in report.documents}
    assert [n.doc for n in by_id["story"].near_duplicates] == ["resend"]
    assert [n.doc for n in by_id["resend"].near_duplicates] == ["story"]
    assert by_id["fill1"].near_duplicates == ()
    assert any(s.start == 0 and s.end == len(bond) for s in by_id["resend"].spans)  # the re-send's own cluster
    # The same stretches aligned as copies make the story a composite of the
    # wider paragraphs (two boilerplate paragraphs side by side): no cluster of its own.
    copies = [replace(al, similarity=1.0) for al in fuzzy]
    report = dedup.build_provenance(docs, copies + [whole])
    assert not any(s.start == 0 and s.end == len(bond) for d in report.documents for s in d.spans)


def test_a_resend_stays_a_near_duplicate_when_a_third_version_carries_most_of_it_in_pieces():
    story = f"{RELEASE} The board meets in May. {' '.join(FILLERS[2:6])}"
    cut = story.index(" The board") + 1, story.index(FILLERS[2])
    docs = {d: Document(d, story if d != "third" else story[: cut[0]] + story[cut[1]:], date=f"1987-10-19T09:1{k}")
            for k, d in enumerate(("first", "resend", "third"))}
    # "third" leaves out one sentence: it carries the story in two pieces.
    pieces = [(0, cut[0] - 1, 0), (cut[1], len(story), cut[1] - cut[0])]
    alignments = [dedup.Alignment(x, s, e, "third", s - shift, e - shift, 1.0, 20)
                  for x in ("first", "resend") for s, e, shift in pieces]
    alignments.append(dedup.Alignment("first", 0, len(story), "resend", 0, len(story), 1.0, 80))
    near = {d.id: [n.doc for n in d.near_duplicates] for d in dedup.build_provenance(docs, alignments).documents}
    assert "resend" in near["first"] and "first" in near["resend"]
