from datetime import date

import pytest

from pipeline.timex import find_time_refs, parse_published

FRIDAY = date(2023, 2, 17)


@pytest.mark.parametrize(
    "text, expected, precision",
    [
        ("Gunmen attacked the station on Friday.", date(2023, 2, 17), 1),  # same-day weekday is today
        ("Gunmen attacked the station late Sunday.", date(2023, 2, 12), 1),
        ("The blast happened yesterday.", date(2023, 2, 16), 1),
        ("Police raided the compound last week.", date(2023, 2, 8), 2),
        ("The attack on 3 February 2023 killed two.", date(2023, 2, 3), 1),
        ("The attack on Feb. 11 killed two.", date(2023, 2, 11), 1),
        ("It was on 2023-01-30.", date(2023, 1, 30), 1),
    ],
)
def test_timex_resolves_relative_and_explicit_dates(text, expected, precision):
    refs = find_time_refs(text, 0, FRIDAY)
    assert refs, text
    assert refs[0].day == expected
    assert refs[0].precision == precision


def test_timex_weeks_after_lies_in_the_past():
    refs = find_time_refs("This comes just weeks after a bomb blast killed 80.", 0, FRIDAY)
    assert refs and (FRIDAY - refs[0].day).days >= 14


def test_timex_without_publication_date_keeps_only_explicit_dates():
    assert find_time_refs("They attacked on Friday.", 0, None) == []
    assert find_time_refs("They attacked on 3 March 2021.", 0, None)[0].day == date(2021, 3, 3)


def test_timex_offsets_point_into_the_text():
    text = "Militants struck on Tuesday night."
    ref = find_time_refs(text, 100, FRIDAY)[0]
    assert text[ref.char_start - 100:ref.char_end - 100] == ref.text


@pytest.mark.parametrize("value, expected", [("2023-02-17", FRIDAY), ("2023-02-17T08:00:00Z", FRIDAY),
                                             (None, None), ("", None)])
def test_timex_parse_published(value, expected):
    assert parse_published(value) == expected
