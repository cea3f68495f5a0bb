"""Time expressions: resolve what a sentence says about *when* against the publication date.

Used by the coder for two things: the event date with ACLED's time_precision (1 day, 2 week, 3 month),
and background detection (an incident dated weeks before publication is context, not news).

Weekdays are resolved by hand: dateparser with a Friday reference date and "prefer past" sends
"Friday" to the previous week, while news means the same day.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
MONTHS = [
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
    "november", "december",
]
_MONTH_ABBR = {m[:3]: i + 1 for i, m in enumerate(MONTHS)} | {"sept": 9}
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "several": 3, "few": 3, "a few": 3,
}


@dataclass(frozen=True)
class TimeRef:
    """A resolved time expression: the day, its precision, and where it was read."""

    day: date
    precision: int  # ACLED time_precision: 1 day, 2 week, 3 month
    char_start: int
    char_end: int
    text: str
    relative: bool  # read relative to the publication date (weekday, yesterday) vs explicit


_WEEKDAY_RE = re.compile(
    r"\b(?:(late|early)\s+)?(?:on\s+|last\s+|this\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
    r"(?:\s+(night|morning|evening|afternoon))?\b",
    re.I,
)
_YESTERDAY_RE = re.compile(r"\b(yesterday|last night|overnight|today|this morning|tonight|earlier today|"
                           r"this afternoon|this evening|on the night of)\b", re.I)
_AGO_RE = re.compile(
    r"\b(?:(\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|a few|few)\s+)?"
    r"(?:just\s+)?(day|week|month|year)(s?)\s+(ago|earlier|before|after|later|prior|since|on)\b",
    re.I,
)
_LAST_RE = re.compile(r"\b(last|past|previous)\s+(week|weekend|month|year)\b", re.I)
_EARLIER_THIS_RE = re.compile(r"\b(earlier|later)\s+this\s+(week|month|year)\b", re.I)
_YEAR_RE = re.compile(r"\b(?:in|since|during|of|from)\s+((?:19|20)\d\d)\b", re.I)
_MONTH_DAY_RE = re.compile(
    r"\b(?:(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?)?"
    r"(january|jan|february|feb|march|mar|april|apr|may|june|jun|july|jul|august|aug|september|sept|sep|"
    r"october|oct|november|nov|december|dec)\b\.?"
    r"(?:\s+(\d{1,2})(?:st|nd|rd|th)?\b)?(?:,?\s+((?:19|20)\d\d))?\b",
)
_ISO_RE = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")
_SINCE_RE = re.compile(r"\bsince\s+(?:last\s+)?(january|february|march|april|may|june|july|august|september|"
                       r"october|november|december|(?:19|20)\d\d|the\s+(?:start|beginning)\b)", re.I)


def _num(word: str) -> int:
    w = word.lower()
    return int(w) if w.isdigit() else NUMBER_WORDS.get(w, 1)


def _last_weekday(pub: date, weekday: int) -> date:
    """The most recent `weekday` on or before `pub` (news says "on Friday" on a Friday for the same day)."""
    return pub - timedelta(days=(pub.weekday() - weekday) % 7)


def _mid_week(day: date) -> date:
    """ACLED codes a week-precise event to the middle of that week (Wednesday)."""
    return day - timedelta(days=day.weekday()) + timedelta(days=2)


# every pattern above needs one of these: a digit, a month, a weekday or "to/yester-day", a part of the day, or a
# unit ("weeks ago", "last month", "earlier this year")
_ANY_TIME_WORD = re.compile(r"\d|day|night|week|month|year|morning|afternoon|evening|jan|feb|mar|apr|may|jun|jul|"
                            r"aug|sep|oct|nov|dec", re.I)


def find_time_refs(text: str, offset: int, pub: date | None) -> list[TimeRef]:
    """All time expressions in `text` (a sentence starting at char `offset`) resolved against `pub`.

    Without a publication date only explicit calendar dates resolve.
    """
    if not _ANY_TIME_WORD.search(text):
        return []  # most sentences name no time: one search instead of nine
    refs: list[TimeRef] = []

    def add(day, precision, m, relative):
        if day is not None:
            refs.append(TimeRef(day, precision, offset + m.start(), offset + m.end(), text[m.start():m.end()],
                                relative))

    for m in _ISO_RE.finditer(text):
        try:
            add(date(int(m.group(1)), int(m.group(2)), int(m.group(3))), 1, m, False)
        except ValueError:
            pass
    for m in _MONTH_DAY_RE.finditer(text.lower()):
        day_a, mon, day_b, year = m.groups()
        if mon == "may" and not (day_a or day_b or year):
            continue  # the modal verb
        month = _MONTH_ABBR[mon[:4] if mon.startswith("sept") else mon[:3]]
        # "March" alone needs a capital letter in the original text to count (not "march" the verb).
        if not text[m.start():m.start() + 1].isupper() and not day_a:
            if not text[m.start(2):m.start(2) + 1].isupper():
                continue
        day_n = day_a or day_b
        if year:
            y = int(year)
        elif pub:
            y = pub.year if (month, int(day_n or 1)) <= (pub.month, pub.day) else pub.year - 1
        else:
            continue
        try:
            if day_n:
                add(date(y, month, int(day_n)), 1, m, False)
            else:
                add(date(y, month, 15), 3, m, False)
        except ValueError:
            pass
    if pub is None:
        return refs
    for m in _WEEKDAY_RE.finditer(text):
        if re.search(r"\b(?:a|one|every|each)\s+$", text[max(0, m.start() - 8):m.start()], re.I):
            continue  # "on a Friday evening" names no particular Friday
        add(_last_weekday(pub, WEEKDAYS.index(m.group(2).lower())), 1, m, True)
    for m in _YESTERDAY_RE.finditer(text):
        word = m.group(1).lower()
        if word in ("yesterday", "last night", "overnight"):
            add(pub - timedelta(days=1), 1, m, True)
        elif word != "on the night of":
            add(pub, 1, m, True)
    for m in _AGO_RE.finditer(text):
        # "weeks after" without a number means at least two of them
        n = _num(m.group(1)) if m.group(1) else (2 if m.group(3) else 1)
        unit, direction = m.group(2).lower(), m.group(4).lower()
        days = {"day": 1, "week": 7, "month": 30, "year": 365}[unit] * n
        if direction in ("after", "later", "since", "on"):
            # "weeks after a bombing": the bombing lies that far in the past.
            direction = "ago"
        day = pub - timedelta(days=days)
        add(day, 1 if unit == "day" else 2 if unit == "week" else 3, m, True)
    for m in _LAST_RE.finditer(text):
        unit = m.group(2).lower()
        if unit in ("week", "weekend"):
            add(_mid_week(pub - timedelta(days=7)), 2, m, True)
        elif unit == "month":
            first = pub.replace(day=1) - timedelta(days=1)
            add(first.replace(day=15), 3, m, True)
        else:
            add(date(pub.year - 1, 7, 1), 3, m, True)
    for m in _EARLIER_THIS_RE.finditer(text):
        unit = m.group(2).lower()
        if unit == "week":
            add(_mid_week(pub), 2, m, True)
        elif unit == "month":
            add(pub.replace(day=min(15, pub.day)), 3, m, True)
        else:
            add(pub - timedelta(days=90), 3, m, True)
    for m in _YEAR_RE.finditer(text):
        y = int(m.group(1))
        if y < pub.year:
            add(date(y, 7, 1), 3, m, False)
    for m in _SINCE_RE.finditer(text):
        what = m.group(1).lower()
        if what in MONTHS:
            month = MONTHS.index(what) + 1
            y = pub.year if month <= pub.month else pub.year - 1
            add(date(y, month, 1), 3, m, False)
    return sorted(refs, key=lambda r: r.char_start)


def parse_published(value) -> date | None:
    """The article's publication date as a `date` (None when missing or unreadable).

    Ingest already normalised it to `YYYY-MM-DD`; anything else is read by `ingest.parse_published`, the one
    place that knows which date formats the corpus may carry.
    """
    if isinstance(value, date):
        return value
    if value is None or (isinstance(value, float) and value != value) or not str(value).strip():
        return None
    from .ingest import parse_published as iso_date

    try:
        return date.fromisoformat(iso_date(str(value).strip()))
    except ValueError:
        return None
