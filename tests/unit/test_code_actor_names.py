"""Actor names once the country is known: ACLED patterns, regime periods, affiliates, inter codes."""
from datetime import date

import pytest

from pipeline.code_events import actor_name, interaction_text


@pytest.fixture(scope="module")
def lex(resources):
    return resources.lexicons


@pytest.mark.parametrize("kind, iso2, country, expected, inter", [
    ("civilians", "PK", "Pakistan", "Civilians (Pakistan)", 7),
    ("unidentified", "NG", "Nigeria", "Unidentified Armed Group (Nigeria)", 3),
    ("protesters", "KE", "Kenya", "Protesters (Kenya)", 6),
    ("rioters", "IN", "India", "Rioters (India)", 5),
])
def test_code_actor_names_collectives(lex, kind, iso2, country, expected, inter):
    assert actor_name(kind, "", lex, iso2, country, date(2023, 2, 17)) == (expected, inter)


def test_code_actor_names_state_forces_by_regime_period(lex):
    name, inter = actor_name("police", "", lex, "PK", "Pakistan", date(2023, 2, 17))
    assert name == "Police Forces of Pakistan (2022-)" and inter == 1
    older, _ = actor_name("police", "", lex, "PK", "Pakistan", date(2019, 6, 1))
    assert older != name and older.startswith("Police Forces of Pakistan (2018")


def test_code_actor_names_foreign_forces_are_external(lex):
    name, inter = actor_name("military", "", lex, "UA", "Ukraine", date(2023, 5, 1), state_iso2="RU")
    assert name.startswith("Military Forces of Russia") and inter == 8


def test_code_actor_names_islamic_state_by_province(lex):
    assert actor_name("group", "Islamic State", lex, "CD", "Democratic Republic of Congo", None)[0].startswith("ISCAP")
    assert actor_name("group", "Islamic State", lex, "SY", "Syria", None)[0] == "Islamic State"
    assert actor_name("group", "Taliban", lex, "AF", "Afghanistan", None)[0] == "Taliban"  # factions stay the parent


@pytest.mark.parametrize("i1, i2, expected", [(2, 1, "State forces-Rebel group"), (3, 7, "Political militia-Civilians"),
                                              (6, None, "Protesters only")])
def test_code_actor_names_interaction_lower_code_first(i1, i2, expected):
    assert interaction_text(i1, i2) == expected
