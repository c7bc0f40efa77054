"""Date reading for provenance.

Two entry points:

``parse_date(value)``
    Normalise a record's ``date`` field (ISO 8601 date / datetime, RFC 2822,
    or a plain written date such as ``"3 May 2018"``) to a canonical, sortable
    ISO string.

``find_dateline(text)``
    Find the publication date printed in the *dateline area* of an article
    (its first few lines; as a fallback its last few lines) and return it as
    a :class:`Dateline` with character offsets into ``text``.

Canonical form (shared by both)::

    "YYYY-MM-DD"            only a date is known
    "YYYY-MM-DDTHH:MM"      a time is known (seconds are zero or absent)
    "YYYY-MM-DDTHH:MM:SS"   a time with non-zero seconds is known

Every field is zero-padded, so plain string comparison orders the values
chronologically, and a date-only value sorts before any time on that day.
Values that carry a timezone (``Z``, ``+03:00``, ``GMT``...) are converted
to UTC; values without one are kept exactly as written (local time).

Rules for reading dates from text (``find_dateline``):

* Years must have four digits; a day and month without a year
  (Reuters' ``"SALVADOR, Feb 26 -"``) is never completed by guessing.
* Calendar dates are validated (no 31 April, no 29 February 2019).
* All-numeric dates: year-first (``2018-05-03``, ``2018/05/03``) is read as
  Y-M-D. Dotted day-first dates (``21.09.2017``) are read as D.M.Y, the
  convention of every language that writes them. With ``/`` or ``-``
  (``03/05/2018``) D/M and M/D are both in use, so such a date is accepted
  only when it is unambiguous: one part is greater than 12, or both parts
  are equal.
* Only the dateline area is searched: the first ``HEAD_LINES`` non-empty
  lines that start within ``HEAD_CHARS`` characters of the start of the
  text, and, when nothing date-like is found there, the last ``TAIL_LINES``
  non-empty lines. In a long line (a paragraph rather than a dateline) a
  date counts only if it starts within ``LINE_PREFIX`` characters of the
  line's start (``"Ashgabat, 30 April 2018 - The ..."``), so dates inside
  body sentences (``"resolution 71/291 on June 15, 2017"``) are ignored.
* The first date-like expression found decides: if it is invalid or
  ambiguous the result is ``None`` rather than a later (probably body) date.
"""

from __future__ import annotations

import re
import unicodedata
from collections import deque
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

__all__ = [
    "Dateline",
    "parse_date",
    "find_dateline",
    "HEAD_LINES",
    "HEAD_CHARS",
    "TAIL_LINES",
    "LINE_PREFIX",
    "SHORT_LINE",
]

#: Number of leading non-empty lines searched for a dateline.
HEAD_LINES = 6
#: A head line must start within this many characters of the first
#: non-whitespace character of the text (and a date must start there too).
HEAD_CHARS = 400
#: Number of trailing non-empty lines searched when the head has no date.
TAIL_LINES = 3
#: Lines up to this length (stripped) are treated as dateline/title lines:
#: a date anywhere in them counts.
SHORT_LINE = 120
#: In longer lines (paragraphs) a date counts only if it starts within this
#: many characters of the line's first non-whitespace character.
LINE_PREFIX = 80


@dataclass(frozen=True, slots=True)
class Dateline:
    """A publication date found in an article's text.

    ``iso`` is the canonical date string (see module docstring);
    ``text[start:end]`` is the matched date expression (half-open offsets).
    """

    iso: str
    start: int
    end: int


# ---------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------

_MONTH_NAMES: dict[int, tuple[str, ...]] = {
    1: (
        "january", "jan",  # en
        "января", "янв",  # ru
        "січня",  # uk
        "janvier", "janv",  # fr
        "januar", "jänner", "jän",  # de
        "enero", "ene",  # es
        "janeiro",  # pt
        "gennaio", "gen",  # it
        "ocak", "oca",  # tr
    ),
    2: (
        "february", "feb",
        "февраля", "фев", "февр",
        "лютого",
        "février", "févr", "fév",
        "februar", "feber",
        "febrero",
        "fevereiro", "fev",
        "febbraio",
        "şubat", "şub",
    ),
    3: (
        "march", "mar",
        "марта", "мар",
        "березня",
        "mars",
        "märz", "maerz", "mär",
        "marzo",
        "março",
        "mart",
    ),
    4: (
        "april", "apr",
        "апреля", "апр",
        "квітня",
        "avril", "avr",
        "abril", "abr",
        "aprile",
        "nisan", "nis",
    ),
    5: (
        "may",
        "мая",
        "травня",
        "mai",
        "mayo",
        "maio",
        "maggio", "mag",
        "mayıs", "may",
    ),
    6: (
        "june", "jun",
        "июня", "июн",
        "червня",
        "juin",
        "juni",
        "junio",
        "junho",
        "giugno", "giu",
        "haziran", "haz",
    ),
    7: (
        "july", "jul",
        "июля", "июл",
        "липня",
        "juillet", "juil",
        "juli",
        "julio",
        "julho",
        "luglio", "lug",
        "temmuz", "tem",
    ),
    8: (
        "august", "aug",
        "августа", "авг",
        "серпня",
        "août", "aout",
        "agosto", "ago",
        "ağustos", "ağu",
    ),
    9: (
        "september", "sept", "sep",
        "сентября", "сент", "сен",
        "вересня",
        "septembre",
        "septiembre", "setiembre",
        "setembro", "set",
        "settembre",
        "eylül", "eyl",
    ),
    10: (
        "october", "oct",
        "октября", "окт",
        "жовтня",
        "octobre",
        "oktober", "okt",
        "octubre",
        "outubro", "out",
        "ottobre", "ott",
        "ekim", "eki",
    ),
    11: (
        "november", "nov",
        "ноября", "нояб", "ноя",
        "листопада",
        "novembre",
        "noviembre",
        "novembro",
        "kasım", "kas",
    ),
    12: (
        "december", "dec",
        "декабря", "дек",
        "грудня",
        "décembre", "déc",
        "dezember", "dez",
        "diciembre", "dic",
        "dezembro",
        "dicembre",
        "aralık", "ara",
    ),
}

_WEEKDAY_NAMES: tuple[str, ...] = (
    # en
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday",
    "sunday", "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri",
    "sat", "sun",
    # ru
    "понедельник", "вторник", "среда", "четверг", "пятница", "суббота",
    "воскресенье", "пн", "вт", "ср", "чт", "пт", "сб", "вс",
    # uk
    "понеділок", "вівторок", "середа", "четвер", "пʼятниця", "п'ятниця",
    "субота", "неділя",
    # fr
    "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche",
    # de
    "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag",
    "sonnabend", "sonntag",
    # es
    "lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo",
    # pt
    "segunda-feira", "terça-feira", "quarta-feira", "quinta-feira",
    "sexta-feira", "segunda", "terça", "quarta", "quinta", "sexta",
    # it
    "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato",
    "domenica",
    # tr
    "pazartesi", "salı", "çarşamba", "perşembe", "cuma", "cumartesi", "pazar",
)


def _fold(token: str) -> str:
    """Lookup key: case-folded, accents and dots removed, Turkish dotless i."""
    s = unicodedata.normalize("NFKD", token.casefold())
    s = "".join(ch for ch in s if not unicodedata.combining(ch))
    return s.replace("ı", "i").replace(".", "").replace("ʼ", "'")


def _variants(name: str) -> set[str]:
    """Surface spellings a regex should accept for ``name``."""
    out = {name, unicodedata.normalize("NFD", name), _fold(name)}
    return {v for v in out if v}


def _alternation(names) -> str:
    spellings: set[str] = set()
    for name in names:
        spellings |= _variants(name)
    # Longest first so that "sept" wins over "sep", "сентября" over "сен".
    ordered = sorted(spellings, key=lambda s: (-len(s), s))
    return "|".join(re.escape(s) for s in ordered)


_MONTHS: dict[str, int] = {}
for _num, _names in _MONTH_NAMES.items():
    for _name in _names:
        _key = _fold(_name)
        assert _MONTHS.get(_key, _num) == _num, _name  # no cross-language clash
        _MONTHS[_key] = _num
del _num, _names, _name, _key

_RFC_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_RFC_ZONES = {  # RFC 2822 section 4.3 (obsolete zones), in minutes east of UTC
    "ut": 0, "utc": 0, "gmt": 0, "z": 0,
    "est": -300, "edt": -240, "cst": -360, "cdt": -300,
    "mst": -420, "mdt": -360, "pst": -480, "pdt": -420,
}

# ---------------------------------------------------------------------------
# Regex building blocks
# ---------------------------------------------------------------------------

_FLAGS = re.IGNORECASE | re.UNICODE

# Horizontal whitespace only (incl. NBSP and friends): a date never spans lines.
_WS = r"[^\S\r\n\x0b\x0c\x1c-\x1e\x85\u2028\u2029]"
_NOT_LETTER_AHEAD = r"(?![^\W\d_])"
_MONTH_ALT = _alternation(n for names in _MONTH_NAMES.values() for n in names)
_WEEKDAY_ALT = _alternation(_WEEKDAY_NAMES)
_DAY_SUFFIX = r"(?:st|nd|rd|th|er|re|ᵉʳ|º|ª|°|\.º)"
_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\u2015|/\u2022\u00b7"


def _weekday(p: str) -> str:
    return (
        rf"(?:(?<!\w)(?P<{p}wd>{_WEEKDAY_ALT}){_NOT_LETTER_AHEAD}\.?"
        rf"(?:{_WS}{{0,3}},{_WS}{{0,3}}|{_WS}{{1,3}}))?"
    )


def _time(p: str) -> str:
    """HH:MM[:SS[.fff]] [am|pm] [timezone]; French 18h53 too."""
    return (
        rf"(?P<{p}H>[01]?\d|2[0-3])[:hH](?P<{p}M>[0-5]\d)(?!\d)"
        rf"(?::(?P<{p}S>[0-5]\d)(?:[.,]\d{{1,9}})?(?!\d))?"
        rf"(?:{_WS}?(?P<{p}ap>[ap])\.?m\b\.?)?"
        rf"(?:{_WS}?(?:"
        rf"(?P<{p}tzn>z|utc|gmt)"
        rf"(?:(?P<{p}tzs>[+\-\u2212])(?P<{p}tzh>[01]?\d|2[0-3])"
        rf"(?::?(?P<{p}tzm>[0-5]\d))?)?(?![\w:])"
        rf"|(?P<{p}tzs2>[+\-\u2212])(?P<{p}tzh2>[01]\d|2[0-3]):?"
        rf"(?P<{p}tzm2>[0-5]\d)(?!\d)"
        rf"))?"
    )


def _trailing_time(p: str) -> str:
    """Optional time after the year: "2018 18:53", "2018 г., 18:53",
    "2018 à 18h53", "2018 - 18:53", "2018T18:53"."""
    words = rf"(?:at|à|a{_WS}{{1,3}}las|a{_WS}{{1,3}}la|às|as|alle|ore|um|saat|в|во|о|kl)"
    return (
        rf"(?:(?:"
        rf"{_WS}{{0,3}}(?:г\.|года|р\.|року)?,?{_WS}{{0,3}}"
        rf"(?:{words}\.?{_WS}{{1,3}})?"
        rf"|{_WS}{{0,3}}[{_DASHES}]{_WS}{{0,3}}"
        rf"|[Tt]"
        rf"){_time(p)})?"
    )


def _leading_time(p: str) -> str:
    """Optional time before a day-first date: "18:53 03.05.2018"."""
    return rf"(?:(?<![\w:.]){_time(p)}{_WS}{{0,3}}[,{_DASHES}]?{_WS}{{0,3}})?"


_YEAR = r"(?P<{p}y>\d{{4}})(?!\d)"
_DIGIT_START = r"(?<![\w.:/+\-\u2212])"

# Each alternative is a function of a group-name prefix so that the combined
# pattern has unique group names; the prefix also says which kind matched.


def _alt_iso(p: str) -> str:
    # 2018-05-03, 2018/05/03, 2018.05.03, 2018-05-03T18:53:00Z
    return (
        rf"{_DIGIT_START}(?P<{p}y>\d{{4}})(?P<{p}sep>[-/.])(?P<{p}m>\d{{1,2}})"
        rf"(?P={p}sep)(?P<{p}d>\d{{1,2}})(?!\d)(?![.,/]\d)"
        + _trailing_time(p)
    )


def _alt_num(p: str) -> str:
    # 21.09.2017, 03/05/2018, 3-5-2018 (ambiguity resolved later)
    return (
        _leading_time(p + "L")
        + rf"{_DIGIT_START}(?P<{p}a>\d{{1,2}})(?P<{p}sep>[./\-])"
        rf"(?P<{p}b>\d{{1,2}})(?P={p}sep)" + _YEAR.format(p=p)
        + _trailing_time(p)
    )


def _alt_dmy(p: str) -> str:
    # 3 May 2018, 3 мая, 2018 18:53, 3. Mai 2018, 3 de mayo de 2018, 1er mai 2018
    return (
        _weekday(p)
        + _leading_time(p + "L")
        + rf"{_DIGIT_START}(?P<{p}d>\d{{1,2}})(?!\d){_DAY_SUFFIX}?"
        rf"(?:\.?{_WS}{{0,3}}(?:(?:de|of){_WS}{{1,3}})?|[-/])"
        rf"(?P<{p}mon>{_MONTH_ALT}){_NOT_LETTER_AHEAD}\.?"
        rf"(?:,?{_WS}{{0,3}}(?:del?{_WS}{{1,3}})?|[-/])"
        + _YEAR.format(p=p)
        + _trailing_time(p)
    )


def _alt_mdy(p: str) -> str:
    # May 3, 2018; Thursday, May 3, 2018 6:53 pm; Sept. 3 2018
    return (
        _weekday(p)
        + rf"(?<!\w)(?P<{p}mon>{_MONTH_ALT}){_NOT_LETTER_AHEAD}\.?{_WS}{{1,3}}"
        rf"(?P<{p}d>\d{{1,2}})(?!\d)(?:st|nd|rd|th)?{_NOT_LETTER_AHEAD}"
        rf"(?:,{_WS}{{0,3}}|{_WS}{{1,3}})"
        + _YEAR.format(p=p)
        + _trailing_time(p)
    )


def _alt_cjk(p: str) -> str:
    # 2018年5月3日 18:53, 2018년 5월 3일
    return (
        rf"(?<!\d)(?P<{p}y>\d{{4}}){_WS}?[年년]{_WS}?(?P<{p}m>\d{{1,2}})"
        rf"{_WS}?[月월]{_WS}?(?P<{p}d>\d{{1,2}}){_WS}?[日일]"
        rf"(?:{_WS}{{0,3}}{_time(p)})?"
    )


_KINDS = ("iso", "cjk", "num", "dmy", "mdy")
_BUILDERS = {
    "iso": _alt_iso,
    "cjk": _alt_cjk,
    "num": _alt_num,
    "dmy": _alt_dmy,
    "mdy": _alt_mdy,
}
_DATE_RE = re.compile(
    "|".join(rf"(?P<{k}>{_BUILDERS[k](k + '_')})" for k in _KINDS), _FLAGS
)

# parse_date: strict whole-string formats.
_ISO_VALUE_RE = re.compile(
    r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:(?:T|\s+)(?P<H>\d{1,2}):(?P<M>\d{2})"
    r"(?::(?P<S>\d{2})(?:[.,]\d{1,9})?)?"
    r"\s*(?:(?P<tzn>z|utc|gmt)"
    r"|(?P<tzs>[+\-\u2212])(?P<tzh>\d{2}):?(?P<tzm>\d{2})?)?)?",
    re.IGNORECASE | re.ASCII,
)
_RFC2822_RE = re.compile(
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun),?\s*)?"
    r"(?P<d>\d{1,2})\s+(?P<mon>jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)"
    r"\s+(?P<y>\d{4})\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?"
    r"(?:\s*(?:(?P<tzs>[+-])(?P<tzh>\d{2})(?P<tzm>\d{2})"
    r"|(?P<tzn>ut|utc|gmt|z|est|edt|cst|cdt|mst|mdt|pst|pdt)))?"
    r"(?:\s*\([^()]*\))?",
    re.IGNORECASE | re.ASCII,
)
# Upper bound (with margin) on the length of a _DATE_RE match plus the one
# character of look-ahead it needs; checked in the tests.
_MAX_MATCH = 256
_BREAK_CHARS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_RE = re.compile(rf"[^{_BREAK_CHARS}]+")

# ---------------------------------------------------------------------------
# Canonical formatting
# ---------------------------------------------------------------------------


def _fmt_date(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


def _fmt_datetime(dt: datetime) -> str:
    """Canonical string; aware datetimes are converted to UTC first."""
    if dt.tzinfo is not None and dt.utcoffset() is not None:
        dt = dt.astimezone(timezone.utc)
    out = f"{_fmt_date(dt)}T{dt.hour:02d}:{dt.minute:02d}"
    if dt.second:
        out += f":{dt.second:02d}"
    return out


def _build(
    y: int,
    mo: int,
    d: int,
    hh: int | None = None,
    mi: int | None = None,
    ss: int | None = None,
    offset_min: int | None = None,
) -> str | None:
    """Validate and format; ``offset_min`` is the UTC offset, None if naive."""
    try:
        day = date(y, mo, d)
        if hh is None or mi is None:
            return _fmt_date(day)
        dt = datetime(y, mo, d, hh, mi, ss or 0)
        if offset_min is not None:
            dt = dt - timedelta(minutes=offset_min)
        return _fmt_datetime(dt)
    except (ValueError, OverflowError):
        return None


def _offset(sign: str | None, hh: str | None, mm: str | None) -> int | None:
    if not sign or hh is None:
        return None
    h, m = int(hh), (int(mm) if mm else 0)
    minutes = h * 60 + m
    if m >= 60 or minutes >= 24 * 60:
        raise ValueError("offset out of range")
    return -minutes if sign in "-\u2212" else minutes


# ---------------------------------------------------------------------------
# Reading a regex match
# ---------------------------------------------------------------------------


def _time_parts(g: dict, p: str):
    """(hour, minute, second, offset_min) from time groups with prefix p,
    or None when that time is absent."""
    if g.get(p + "H") is None:
        return None
    hh, mi = int(g[p + "H"]), int(g[p + "M"])
    ss = int(g[p + "S"]) if g.get(p + "S") else 0
    ap = g.get(p + "ap")
    if ap and 1 <= hh <= 12:
        hh = hh % 12 + (12 if ap.lower() == "p" else 0)
    off = None
    if g.get(p + "tzn"):
        off = _offset(g.get(p + "tzs") or "+", g.get(p + "tzh") or "0", g.get(p + "tzm"))
    elif g.get(p + "tzs2"):
        off = _offset(g[p + "tzs2"], g[p + "tzh2"], g[p + "tzm2"])
    return hh, mi, ss, off


def _iso_from_match(m: re.Match) -> str | None:
    """Canonical string for a ``_DATE_RE`` match, None when invalid/ambiguous."""
    g = m.groupdict()
    kind = next(k for k in _KINDS if g[k] is not None)
    p = kind + "_"
    try:
        y = int(g[p + "y"])
        if kind in ("iso", "cjk"):
            mo, d = int(g[p + "m"]), int(g[p + "d"])
        elif kind == "num":
            a, b = int(g[p + "a"]), int(g[p + "b"])
            if g[p + "sep"] == ".":
                d, mo = a, b  # dotted numeric dates are day-first
            elif a == b or (a > 12 and b <= 12):
                d, mo = a, b
            elif b > 12 and a <= 12:
                mo, d = a, b
            else:
                return None  # ambiguous (both <= 12) or impossible
        else:  # dmy / mdy
            mo = _MONTHS.get(_fold(g[p + "mon"]))
            if mo is None:  # pragma: no cover - regex only admits known names
                return None
            d = int(g[p + "d"])
        t = _time_parts(g, p)
        if t is None and kind in ("num", "dmy"):
            t = _time_parts(g, p + "L")  # time written before the date
    except ValueError:
        return None
    if t is None:
        return _build(y, mo, d)
    hh, mi, ss, off = t
    return _build(y, mo, d, hh, mi, ss, off)


# ---------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------


def parse_date(value: str) -> str | None:
    """Normalise a record's date field to the canonical sortable ISO string.

    Accepts ISO 8601 dates and datetimes (``"2018-05-03"``,
    ``"2018-05-03T18:53:00Z"``, ``"2018-05-03 18:53"``, basic and week-date
    forms), RFC 2822 (``"Thu, 03 May 2018 18:53:00 +0000"``) and, as a last
    resort, a whole-string written date in the languages ``find_dateline``
    reads (``"3 мая 2018"``, ``"May 3, 2018"``). Timezone-aware values are
    converted to UTC. Anything else (including non-strings) gives ``None``;
    never raises.
    """
    if not isinstance(value, str):
        return None
    s = value.strip()
    if not s or len(s) > 200:
        return None

    m = _ISO_VALUE_RE.fullmatch(s)
    if m:
        try:
            if m["tzn"]:
                off = 0
            else:
                off = _offset(m["tzs"], m["tzh"], m["tzm"])
        except ValueError:
            return None
        if m["H"] is None:
            return _build(int(m["y"]), int(m["m"]), int(m["d"]))
        return _build(
            int(m["y"]), int(m["m"]), int(m["d"]),
            int(m["H"]), int(m["M"]), int(m["S"] or 0), off,
        )

    if s.isascii():
        iso = s.upper()
        try:
            return _fmt_date(date.fromisoformat(iso))
        except ValueError:
            pass
        try:
            return _fmt_datetime(datetime.fromisoformat(iso))
        except (ValueError, OverflowError):
            pass

    m = _RFC2822_RE.fullmatch(s)
    if m:
        try:
            if m["tzn"]:
                off = _RFC_ZONES[m["tzn"].lower()]
            else:
                off = _offset(m["tzs"], m["tzh"], m["tzm"])
        except ValueError:
            return None
        return _build(
            int(m["y"]), _RFC_MONTHS[m["mon"].lower()], int(m["d"]),
            int(m["H"]), int(m["M"]), int(m["S"] or 0), off,
        )

    m = _DATE_RE.fullmatch(s)
    if m:
        return _iso_from_match(m)
    return None


def _candidate(
    text: str, start: int, end: int, limit: int | None
) -> re.Match | None:
    """First date-like match that counts in the line ``text[start:end]``."""
    body = text[start:end]
    lead = len(body) - len(body.lstrip())
    content_start = start + lead
    short = len(body.strip()) <= SHORT_LINE
    # A counting match must start before ``bound``; date expressions are at
    # most _MAX_MATCH long, so nothing past bound + _MAX_MATCH is needed
    # (a match cut short there would start at or after bound and not count).
    bound = end if short else content_start + LINE_PREFIX + 1
    if limit is not None:
        bound = min(bound, limit)
    for m in _DATE_RE.finditer(text, start, min(end, bound + _MAX_MATCH)):
        if limit is not None and m.start() >= limit:
            return None
        if not short and m.start() - content_start > LINE_PREFIX:
            return None  # later matches are deeper in the paragraph still
        return m
    return None


def _decide(m: re.Match) -> Dateline | None:
    iso = _iso_from_match(m)
    if iso is None:
        return None
    return Dateline(iso=iso, start=m.start(), end=m.end())


def find_dateline(text: str) -> Dateline | None:
    """Find the publication date in the dateline area of ``text``.

    Searches the first ``HEAD_LINES`` non-empty lines within ``HEAD_CHARS``
    characters of the text's start, then (only if no date-like expression was
    found there) the last ``TAIL_LINES`` non-empty lines. The first date-like
    expression decides: a valid one gives a :class:`Dateline` whose
    ``text[start:end]`` is the expression, an invalid or ambiguous one gives
    ``None``. Never raises for a ``str`` argument.
    """
    if not isinstance(text, str) or not text:
        return None

    first = len(text) - len(text.lstrip())
    limit = first + HEAD_CHARS
    seen = 0
    tail: deque[tuple[int, int]] = deque(maxlen=TAIL_LINES)
    for lm in _LINE_RE.finditer(text):
        s, e = lm.span()
        if not text[s:e].strip():
            continue
        seen += 1
        if seen <= HEAD_LINES and s < limit:
            m = _candidate(text, s, e, limit)
            if m is not None:
                return _decide(m)
        else:  # not searched as head: may be one of the last lines
            tail.append((s, e))

    for s, e in tail:
        m = _candidate(text, s, e, None)
        if m is not None:
            return _decide(m)
    return None
