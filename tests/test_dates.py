"""Tests for dedup.dates: parse_date and find_dateline."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dedup.dates import Dateline, find_dateline, parse_date

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"


def _seed(prefix: str) -> str:
    if not SEEDS.is_dir():
        pytest.skip("seeds/ folder missing")
    found = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not found:
        pytest.skip(f"seed {prefix} missing")
    return found[0].read_text(encoding="utf-8")


def _iso(text: str) -> str | None:
    d = find_dateline(text)
    if d is not None:
        assert 0 <= d.start < d.end <= len(text)
    return None if d is None else d.iso


def _span(text: str) -> str | None:
    d = find_dateline(text)
    return None if d is None else text[d.start : d.end]


# ---------------------------------------------------------------------------
# Seeds
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "prefix, iso, matched",
    [
        ("000", "2018-05-03T18:53", "3 мая, 2018 18:53"),
        ("001", None, None),
        ("002", "2017-09-21T13:22", "21.09.2017 13:22"),
        ("003", None, None),
        ("004", "2018-04-30", "30 April 2018"),
    ],
)
def test_seeds(prefix, iso, matched):
    text = _seed(prefix)
    d = find_dateline(text)
    if iso is None:
        assert d is None
    else:
        assert d == Dateline(iso, d.start, d.end)
        assert text[d.start : d.end] == matched


def test_seed_000_dateline_is_on_line_3():
    text = _seed("000")
    d = find_dateline(text)
    assert text[: d.start].count("\n") == 2


def test_seed_000_tail_fallback():
    # Drop the head dateline: the timestamp repeated at the end is found.
    text = _seed("000")
    head, _, rest = text.partition("3 мая, 2018 18:53")
    d = find_dateline(head + rest)
    assert d is not None and d.iso == "2018-05-03T18:53"
    assert d.start > len(head) + 400


# ---------------------------------------------------------------------------
# Dateline: the dataclass
# ---------------------------------------------------------------------------


def test_dateline_is_frozen():
    d = Dateline("2018-05-03", 0, 10)
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.iso = "x"  # type: ignore[misc]
    assert (d.iso, d.start, d.end) == ("2018-05-03", 0, 10)


# ---------------------------------------------------------------------------
# Languages and formats
# ---------------------------------------------------------------------------

RUSSIAN_MONTHS = [
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
]


@pytest.mark.parametrize("month", range(1, 13))
def test_russian_genitive_all_months(month):
    text = f"Заголовок\n\n5 {RUSSIAN_MONTHS[month - 1]}, 2018 18:53\n\nТекст."
    assert _iso(text) == f"2018-{month:02d}-05T18:53"
    assert _span(text) == f"5 {RUSSIAN_MONTHS[month - 1]}, 2018 18:53"


@pytest.mark.parametrize(
    "line, iso",
    [
        # English
        ("May 3, 2018", "2018-05-03"),
        ("3 May 2018", "2018-05-03"),
        ("Thursday, May 3, 2018", "2018-05-03"),
        ("Thu, 3 May 2018 18:53", "2018-05-03T18:53"),
        ("Sept. 14, 2018", "2018-09-14"),
        ("Sep 14 2018", "2018-09-14"),
        ("14 Sept 2018", "2018-09-14"),
        ("May 3rd, 2018", "2018-05-03"),
        ("3rd of May 2018", "2018-05-03"),
        ("Thursday, May 3, 2018 6:53 PM", "2018-05-03T18:53"),
        ("Dec. 1, 2018 12:05 a.m.", "2018-12-01T00:05"),
        ("MAY 3, 2018", "2018-05-03"),
        ("3-May-2018", "2018-05-03"),
        # Russian / Ukrainian
        ("3 мая 2018 г., 18:53", "2018-05-03T18:53"),
        ("Четверг, 3 мая 2018", "2018-05-03"),
        ("3 МАЯ 2018", "2018-05-03"),
        ("3 травня 2018 о 18:53", "2018-05-03T18:53"),
        # French
        ("jeudi 3 mai 2018", "2018-05-03"),
        ("1er mai 2018 à 18h53", "2018-05-01T18:53"),
        ("3 février 2018", "2018-02-03"),
        ("3 fevrier 2018", "2018-02-03"),
        ("15 août 2018", "2018-08-15"),
        ("3 décembre 2018", "2018-12-03"),
        # German
        ("Donnerstag, 3. Mai 2018, 18:53 Uhr", "2018-05-03T18:53"),
        ("3. März 2018", "2018-03-03"),
        ("3. Oktober 2018", "2018-10-03"),
        ("3. Dezember 2018", "2018-12-03"),
        # Spanish
        ("jueves, 3 de mayo de 2018", "2018-05-03"),
        ("3 de septiembre del 2018", "2018-09-03"),
        ("3 de diciembre de 2018 a las 18:53", "2018-12-03T18:53"),
        # Portuguese
        ("quinta-feira, 3 de maio de 2018", "2018-05-03"),
        ("3 de março de 2018 às 18:53", "2018-03-03T18:53"),
        ("3 de outubro de 2018", "2018-10-03"),
        # Italian
        ("giovedì 3 maggio 2018", "2018-05-03"),
        ("3 settembre 2018 alle 18:53", "2018-09-03T18:53"),
        ("3 gennaio 2018", "2018-01-03"),
        # Turkish
        ("3 Mayıs 2018 Perşembe", "2018-05-03"),
        ("03 MAYIS 2018, 18:53", "2018-05-03T18:53"),
        ("31 Ağustos 2018", "2018-08-31"),
        ("1 Şubat 2018", "2018-02-01"),
        ("5 Kasım 2018", "2018-11-05"),
        ("5 Aralık 2018", "2018-12-05"),
        # Numeric / ISO
        ("2018-05-03", "2018-05-03"),
        ("2018/05/03", "2018-05-03"),
        ("2018-05-03 18:53", "2018-05-03T18:53"),
        ("2018-05-03T18:53:00Z", "2018-05-03T18:53"),
        ("2018-05-03T18:53:09+03:00", "2018-05-03T15:53:09"),
        ("21.09.2017 13:22", "2017-09-21T13:22"),
        ("13:22 21.09.2017", "2017-09-21T13:22"),
        ("3.5.2018", "2018-05-03"),
        ("3 May 2018 18:53 GMT", "2018-05-03T18:53"),
        ("3 May 2018 01:00 GMT+3", "2018-05-02T22:00"),
        ("Dec 31, 2018 11:30 pm -0500", "2019-01-01T04:30"),
        # CJK
        ("2018年5月3日 18:53", "2018-05-03T18:53"),
    ],
)
def test_formats_and_languages(line, iso):
    text = f"Some headline here\n{line}\n\nBody text follows."
    assert _iso(text) == iso
    # The span starts at the date expression and lies inside the line.
    span = _span(text)
    assert span and span in line and span[0] == line[0]


@pytest.mark.parametrize(
    "line, span",
    [
        ("Ashgabat, 30 April 2018 – The Under-Secretary-General", "30 April 2018"),
        ("Updated: Thursday, 3 May 2018 18:53 | News", "Thursday, 3 May 2018 18:53"),
        ("3 Mayıs 2018 Perşembe", "3 Mayıs 2018"),
        ("Donnerstag, 3. Mai 2018, 18:53 Uhr", "Donnerstag, 3. Mai 2018, 18:53"),
        ("Posted 2018-05-03T18:53:00Z by staff", "2018-05-03T18:53:00Z"),
    ],
)
def test_offsets_slice_matched_text(line, span):
    text = f"\n\nHeadline\n\n{line}\nMore."
    d = find_dateline(text)
    assert d is not None
    assert text[d.start : d.end] == span


def test_case_insensitive_and_unicode():
    assert _iso("3 SEPTEMBER 2018") == "2018-09-03"
    assert _iso("3 ДЕКАБРЯ 2018") == "2018-12-03"
    assert _iso("3 MARÇO 2018") == "2018-03-03"
    # Decomposed accents (NFD) are recognised too.
    assert _iso("3 fe\u0301vrier 2018") == "2018-02-03"
    # Non-breaking spaces as separators.
    assert _iso("3\u00a0мая\u00a02018") == "2018-05-03"


# ---------------------------------------------------------------------------
# Ambiguity, missing years, invalid dates
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line, iso",
    [
        ("03/05/2018", None),  # d/m or m/d: never guess
        ("3-5-2018", None),
        ("12/11/2018", None),
        ("13/05/2018", "2018-05-13"),  # only d/m works
        ("05/13/2018", "2018-05-13"),  # only m/d works
        ("05/05/2018", "2018-05-05"),  # both readings agree
        ("31/12/2018", "2018-12-31"),
        ("13/13/2018", None),  # neither works
        ("03.05.2018", "2018-05-03"),  # dotted numeric dates are day-first
    ],
)
def test_numeric_ambiguity(line, iso):
    assert _iso(f"Title\n{line}\nBody") == iso


@pytest.mark.parametrize(
    "text",
    [
        "SALVADOR, Feb 26 (Reuters) - Brazilian police said on Monday ...",
        "On Thursday May 3, Tajik Foreign Minister met ...",
        "3 мая 18:53",
        "May 2018",
        "03.05.18",  # two-digit year
        "3 May 18",
        "May 3, 18",
    ],
)
def test_no_year_no_date(text):
    assert find_dateline(text) is None


@pytest.mark.parametrize(
    "line",
    [
        "31 April 2018",
        "April 31, 2018",
        "29 February 2019",
        "30 февраля 2018",
        "31.04.2018",
        "2018-02-30",
        "2018-13-01",
        "00.05.2018",
        "2018年2月30日",
    ],
)
def test_invalid_calendar_dates(line):
    assert _iso(f"Title\n{line}\nBody") is None


def test_leap_day_valid():
    assert _iso("29 February 2020") == "2020-02-29"


def test_invalid_first_date_is_not_replaced_by_a_later_one():
    text = "Title\n31 April 2018\nOn 3 May 2018 the minister said ..."
    assert find_dateline(text) is None


def test_invalid_time_is_not_part_of_the_match():
    text = "3 May 2018 25:99 something"
    d = find_dateline(text)
    assert d is not None and d.iso == "2018-05-03"
    assert text[d.start : d.end] == "3 May 2018"


# ---------------------------------------------------------------------------
# Dateline area: body dates are ignored
# ---------------------------------------------------------------------------

BODY = (
    "The United Nations Office of Counter-Terrorism was established through "
    "the adoption of General Assembly resolution 71/291 on June 15, 2017. "
    "Mr. Vladimir Voronkov was appointed as Under-Secretary-General of the "
    "Office on 21 June 2017."
)


def test_body_dates_in_paragraph_ignored():
    text = "Headline\n\nThe minister held talks on Thursday.\n\n" + BODY
    assert find_dateline(text) is None


def test_resolution_number_is_not_a_date():
    assert find_dateline("Title\nresolution 71/291\nBody") is None


def test_first_date_in_area_wins():
    text = "Headline\n21.09.2017 13:22\n\nOn 20 September 2017, the SG met ..."
    assert _iso(text) == "2017-09-21T13:22"


def test_date_beyond_head_lines_ignored():
    lines = [f"Line number {i} of the article body." for i in range(1, 7)]
    lines += ["3 May 2018"] + [f"More body {i}." for i in range(5)]
    assert find_dateline("\n".join(lines)) is None


def test_date_beyond_head_chars_ignored():
    text = "Title\n" + "x" * 450 + "\n3 May 2018\n" + "\n".join(
        f"Body {i}." for i in range(10)
    )
    assert find_dateline(text) is None


def test_leading_whitespace_does_not_eat_head_budget():
    text = " \n" * 300 + "Title\n\n30 April 2018\nBody"
    assert _iso(text) == "2018-04-30"


def test_dateline_prefix_of_long_paragraph():
    text = "Title\n\nAshgabat, 30 April 2018 – " + BODY
    assert _iso(text) == "2018-04-30"


def test_tail_fallback_short_line():
    body = "\n\n".join([BODY] * 8)
    text = "Title\n\n" + body + "\n\nPublished: 3 May 2018 18:53\n\nOther news"
    d = find_dateline(text)
    assert d is not None and d.iso == "2018-05-03T18:53"
    assert text[d.start : d.end] == "3 May 2018 18:53"


def test_tail_ignores_body_dates_deep_in_paragraphs():
    body = "\n\n".join([BODY] * 8)
    assert find_dateline("Title\n\n" + body) is None


def test_head_wins_over_tail():
    body = "\n\n".join([BODY] * 8)
    text = "Title\n1 May 2018\n\n" + body + "\n\n3 May 2018"
    assert _iso(text) == "2018-05-01"


@pytest.mark.parametrize("text", ["", "   ", "\n\n\n", "no dates at all"])
def test_empty_and_dateless(text):
    assert find_dateline(text) is None


def test_crlf_lines():
    assert _iso("Title\r\n\r\n3 мая, 2018 18:53\r\nBody") == "2018-05-03T18:53"


# ---------------------------------------------------------------------------
# parse_date
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, iso",
    [
        ("2018-05-03", "2018-05-03"),
        ("  2018-05-03  ", "2018-05-03"),
        ("2018-05-03T18:53:00Z", "2018-05-03T18:53"),
        ("2018-05-03T18:53:00", "2018-05-03T18:53"),
        ("2018-05-03T18:53", "2018-05-03T18:53"),
        ("2018-05-03 18:53", "2018-05-03T18:53"),
        ("2018-05-03T18:53:07", "2018-05-03T18:53:07"),
        ("2018-05-03T18:53:07.123456Z", "2018-05-03T18:53:07"),
        ("2018-05-03T18:53:00+03:00", "2018-05-03T15:53"),
        ("2018-05-03T18:53:00+0300", "2018-05-03T15:53"),
        ("2018-05-03T00:30:00+01:00", "2018-05-02T23:30"),
        ("2018-05-03T22:30:00-04:00", "2018-05-04T02:30"),
        ("2018-05-03 18:53 UTC", "2018-05-03T18:53"),
        ("2018-05-03t18:53z", "2018-05-03T18:53"),
        ("20180503", "2018-05-03"),
        ("20180503T185300Z", "2018-05-03T18:53"),
        ("Thu, 03 May 2018 18:53:00 +0000", "2018-05-03T18:53"),
        ("Thu, 03 May 2018 18:53:00 +0300", "2018-05-03T15:53"),
        ("Thu, 03 May 2018 18:53:00 GMT", "2018-05-03T18:53"),
        ("Thu, 03 May 2018 18:53:00 EST", "2018-05-03T23:53"),
        ("Thu, 3 May 2018 18:53 -0000", "2018-05-03T18:53"),
        ("3 May 2018 18:53:00 +0000 (UTC)", "2018-05-03T18:53"),
        ("Thu, 03 May 2018 18:53:00", "2018-05-03T18:53"),
        # Written dates are read by the same rules as datelines.
        ("3 мая 2018", "2018-05-03"),
        ("May 3, 2018", "2018-05-03"),
        ("21.09.2017 13:22", "2017-09-21T13:22"),
    ],
)
def test_parse_date(value, iso):
    assert parse_date(value) == iso


@pytest.mark.parametrize(
    "value",
    [
        "", "   ", "garbage", "2018-02-30", "2018-13-01", "2018-05-03T24:00",
        "2018-05-03T18:60", "2018-05-03T18:53+24:00", "2018-05-03T18:53+05:75",
        "03/05/2018", "May 2018", "Feb 26", "18-05-03", "Thu, 03 May 18 18:53:00 +0000",
        "0001-01-01T00:00+01:00", "9999-12-31T23:59-01:00",
        "3 May 2018 is the date",
    ],
)
def test_parse_date_rejects(value):
    assert parse_date(value) is None


def test_parse_date_non_string():
    assert parse_date(None) is None  # type: ignore[arg-type]
    assert parse_date(20180503) is None  # type: ignore[arg-type]


def test_canonical_strings_sort_chronologically():
    values = [
        "Thu, 03 May 2018 18:53:00 +0000",
        "2018-05-03",
        "2018-05-03T18:53:07",
        "2017-12-31T23:59:59Z",
        "2018-05-04T00:00:00+03:00",  # 2018-05-03T21:00 UTC
    ]
    ordered = sorted(parse_date(v) for v in values)
    assert ordered == [
        "2017-12-31T23:59:59",
        "2018-05-03",
        "2018-05-03T18:53",
        "2018-05-03T18:53:07",
        "2018-05-03T21:00",
    ]


# ---------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------

_ALPHABET = st.sampled_from(
    list("0123456789 \n\t\r.,:/-–+年月日")
    + ["May", "мая", "2018", "31", "12", "T", "Z", "GMT", "de", "der", "Mayıs",
       "18:53", "\u00a0", "\u2028", "1er", "3.", "Sept.", "pm", "г.", "é", "İ"]
)
_TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(_ALPHABET, max_size=80).map("".join),
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT)
def test_find_dateline_never_raises_and_offsets_in_bounds(text):
    d = find_dateline(text)
    if d is not None:
        assert isinstance(d, Dateline)
        assert 0 <= d.start < d.end <= len(text)
        assert text[d.start : d.end].strip()
        # The iso string is canonical, so parse_date reads it back unchanged.
        assert parse_date(d.iso) == d.iso


@settings(max_examples=300)
@given(st.one_of(st.text(max_size=60), st.lists(_ALPHABET, max_size=30).map("".join)))
def test_parse_date_never_raises(value):
    out = parse_date(value)
    if out is not None:
        assert parse_date(out) == out


_EN = ["January", "February", "March", "April", "May", "June", "July",
       "August", "September", "October", "November", "December"]
_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet",
       "août", "septembre", "octobre", "novembre", "décembre"]
_DE = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli",
       "August", "September", "Oktober", "November", "Dezember"]
_ES = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio",
       "agosto", "septiembre", "octubre", "noviembre", "diciembre"]
_PT = ["janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho",
       "agosto", "setembro", "outubro", "novembro", "dezembro"]
_IT = ["gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio",
       "agosto", "settembre", "ottobre", "novembre", "dicembre"]
_TR = ["Ocak", "Şubat", "Mart", "Nisan", "Mayıs", "Haziran", "Temmuz",
       "Ağustos", "Eylül", "Ekim", "Kasım", "Aralık"]

_FORMATS = [
    lambda d: f"{d.day} {_EN[d.month - 1]} {d.year}",
    lambda d: f"{_EN[d.month - 1]} {d.day}, {d.year}",
    lambda d: f"{_EN[d.month - 1][:3]}. {d.day}, {d.year}",
    lambda d: f"{d.day} {RUSSIAN_MONTHS[d.month - 1]} {d.year}",
    lambda d: f"{d.day} {_FR[d.month - 1]} {d.year}",
    lambda d: f"{d.day}. {_DE[d.month - 1]} {d.year}",
    lambda d: f"{d.day} de {_ES[d.month - 1]} de {d.year}",
    lambda d: f"{d.day} de {_PT[d.month - 1]} de {d.year}",
    lambda d: f"{d.day} {_IT[d.month - 1]} {d.year}",
    lambda d: f"{d.day} {_TR[d.month - 1]} {d.year}",
    lambda d: f"{d.day:02d}.{d.month:02d}.{d.year}",
    lambda d: d.isoformat(),
]


@settings(max_examples=300)
@given(
    st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)),
    st.sampled_from(range(len(_FORMATS))),
    st.booleans(),
    st.integers(0, 23),
    st.integers(0, 59),
)
def test_roundtrip_written_dates(day, fmt, with_time, hh, mm):
    written = _FORMATS[fmt](day)
    if with_time:
        written += f" {hh:02d}:{mm:02d}"
        expected = f"{day.isoformat()}T{hh:02d}:{mm:02d}"
    else:
        expected = day.isoformat()
    text = f"Headline\n\n{written}\n\nBody text."
    d = find_dateline(text)
    assert d is not None, written
    assert d.iso == expected
    assert text[d.start : d.end] == written
    assert parse_date(written) == expected


@settings(max_examples=200)
@given(
    st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2100, 12, 30)),
    st.integers(-14 * 60, 14 * 60),
)
def test_parse_date_converts_offsets_to_utc(dt, offset_min):
    dt = dt.replace(microsecond=0)
    sign = "+" if offset_min >= 0 else "-"
    a = abs(offset_min)
    value = f"{dt.isoformat()}{sign}{a // 60:02d}:{a % 60:02d}"
    utc = dt - timedelta(minutes=offset_min)
    expected = utc.strftime("%Y-%m-%dT%H:%M")
    if utc.second:
        expected += f":{utc.second:02d}"
    assert parse_date(value) == expected


# ---------------------------------------------------------------------------
# Boundaries of the dateline area
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("pad, found", [(98, True), (99, False)])
def test_head_char_limit_boundary(pad, found):
    # Three 100-char lines, then a short line whose date starts at 399 / 400.
    text = ("x" * 99 + "\n") * 3 + "y" * pad + " 3 May 2018 18:53\nBody"
    d = find_dateline(text)
    if found:
        assert d is not None and d.start == 399
        assert d.iso == "2018-05-03T18:53"  # the time past the limit is kept
    else:
        assert d is None


@pytest.mark.parametrize("pad, found", [(79, True), (80, False)])
def test_long_line_prefix_boundary(pad, found):
    from dedup.dates import LINE_PREFIX

    line = "z" * pad + " 3 May 2018 18:53 " + "w" * 200
    text = "Title\n" + line
    d = find_dateline(text)
    if found:
        assert d is not None and d.start - len("Title\n") == LINE_PREFIX
        assert text[d.start : d.end] == "3 May 2018 18:53"
    else:
        assert d is None


def test_max_match_bound_holds_for_long_expressions():
    from dedup.dates import _MAX_MATCH

    longest = (
        "segunda-feira,   23:59:59.123456789 p.m. GMT+23:59,   31 de   "
        "dezembro.,   del   2018   г.,   a las   23:59:59.123456789 p.m. GMT+23:59"
    )
    d = find_dateline(longest)
    assert d is not None and (d.start, d.end) == (0, len(longest))
    assert d.end - d.start < _MAX_MATCH


def test_pathological_inputs_are_fast():
    import time

    for text in ("1" * 200_000, "3 May " * 40_000, "3" + " " * 200_000 + "May",
                 "Thursday, " * 40_000, "\n".join(["3 May"] * 100_000)):
        t0 = time.perf_counter()
        assert find_dateline(text) is None
        assert time.perf_counter() - t0 < 1.0


def test_tail_includes_lines_past_the_head_char_limit():
    # Few lines, but the first is long: line 3 is past the head budget and is
    # searched as one of the last lines.
    text = "Title\n" + "word " * 100 + "\n18:53 03.05.2018\n"
    d = find_dateline(text)
    assert d is not None and d.iso == "2018-05-03T18:53"
    assert text[d.start : d.end] == "18:53 03.05.2018"


def test_month_tables_cover_every_language():
    from dedup.dates import _MONTHS, _fold

    for table in (_EN, _FR, _DE, _ES, _PT, _IT, _TR, RUSSIAN_MONTHS):
        assert [_MONTHS[_fold(name)] for name in table] == list(range(1, 13))
