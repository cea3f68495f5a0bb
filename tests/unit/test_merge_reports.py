"""Merge: reports of one incident become one event; figures reconciled by ACLED's rules; ids kept."""
import json

import pandas as pd
import pytest

from pipeline import merge


def _report(**kw):
    base = {
        "report_id": "r1", "doc_id": "a.txt", "article_id": "h1", "incident_idx": 0, "published": "2023-02-17",
        "source_name": "Outlet A", "source_url": None, "title": None, "event_date": "2023-02-17",
        "time_precision": 1, "disorder_type": "Political violence", "event_type": "Battles",
        "sub_event_type": "Armed clash", "actor1": "Unidentified Armed Group (Pakistan)", "inter1": "Political militia",
        "actor2": "Police Forces of Pakistan (2022-)", "inter2": "State forces", "interaction": "",
        "civilian_targeting": None, "perpetrator": "Unidentified Armed Group (Pakistan)", "perpetrator_group": "",
        "perpetrator_suspected": False, "claimed": None, "claimed_by": None, "claim_mode": None,
        "target_type": "Police", "attack_type": "Armed Assault", "fatalities": 0, "fatalities_low": 0,
        "fatalities_high": 0, "fatalities_reported": False, "fatalities_revised": False, "wounded": None,
        "sentence_idx": 0, "char_start": 0, "char_end": 5, "evidence_text": "Gunmen attacked.", "evidence": "{}",
        "persons": json.dumps(["Javed Alam Odho"]), "target_terms": json.dumps(["police station"]),
        "iso": 586, "region": "Southern Asia", "country": "Pakistan", "admin1": "Sindh", "admin2": None,
        "admin3": None, "location": "Karachi", "latitude": 24.8608, "longitude": 67.0104, "geo_precision": 1,
        "location_evidence": None,
    }
    base.update(kw)
    return base


def _frame(*rows):
    return pd.DataFrame(list(rows))


def test_merge_undated_report_joins_dated_one_on_strong_evidence():
    claimed = _report(report_id="r0", doc_id="000.txt", published=None, event_date=None, time_precision=None,
                      actor1="TTP: Tehreek-i-Taliban Pakistan", inter1="Rebel group",
                      perpetrator="TTP: Tehreek-i-Taliban Pakistan", perpetrator_group="TTP: Tehreek-i-Taliban Pakistan",
                      claimed=True, claimed_by="TTP: Tehreek-i-Taliban Pakistan", claim_mode="Other",
                      fatalities=2, fatalities_low=2, fatalities_high=2, fatalities_reported=True, wounded=1)
    unclaimed = _report(report_id="r4", doc_id="004.txt", claimed=False)
    result = merge.run(_frame(claimed, unclaimed), merge.MergeConfig())
    events = result.rows
    assert len(events) == 1
    e = events.iloc[0]
    assert e["n_sources"] == 2 and str(e["event_date"].date()) == "2023-02-17"
    assert e["claimed"] is True or e["claimed"] == True  # noqa: E712 - a claim beats "no claim so far"
    assert e["actor1"] == "TTP: Tehreek-i-Taliban Pakistan" and e["fatalities"] == 2 and e["wounded"] == 1
    assert set(result.extra["event_sources"]["doc_id"]) == {"000.txt", "004.txt"}


def test_merge_lowest_figure_unless_revised():
    a = _report(report_id="a", doc_id="a", fatalities=10, fatalities_low=10, fatalities_high=10, fatalities_reported=True)
    b = _report(report_id="b", doc_id="b", fatalities=12, fatalities_low=12, fatalities_high=12, fatalities_reported=True)
    e = merge.run(_frame(a, b), merge.MergeConfig()).rows.iloc[0]
    assert (e["fatalities"], e["fatalities_low"], e["fatalities_high"]) == (10, 10, 12)
    c = _report(report_id="c", doc_id="c", published="2023-02-18", fatalities=15, fatalities_low=15,
                fatalities_high=15, fatalities_reported=True, fatalities_revised=True)
    e = merge.run(_frame(a, b, c), merge.MergeConfig()).rows.iloc[0]
    assert e["fatalities"] == 15


@pytest.mark.parametrize("change", [{"location": "Quetta", "latitude": 30.18, "longitude": 66.99},
                                    {"event_date": "2023-02-10"}, {"iso": 356}])
def test_merge_keeps_different_incidents_apart(change):
    a = _report(report_id="a", doc_id="a")
    b = _report(report_id="b", doc_id="b", **change)
    assert len(merge.run(_frame(a, b), merge.MergeConfig()).rows) == 2


def test_merge_never_joins_incidents_of_one_article():
    a = _report(report_id="a", doc_id="same", incident_idx=0)
    b = _report(report_id="b", doc_id="same", incident_idx=1)
    assert len(merge.run(_frame(a, b), merge.MergeConfig()).rows) == 2


def test_merge_undated_and_alone_is_rejected_with_reason():
    lone = _report(report_id="x", doc_id="x", event_date=None, published=None, time_precision=None)
    result = merge.run(_frame(lone), merge.MergeConfig())
    assert result.rows.empty
    assert list(result.rejects["reason"]) == ["no_event_date"]
    assert result.stats["in"] == result.stats["out"] + result.stats["rejected"]


def test_merge_event_ids_kept_across_releases():
    a = _report(report_id="a", doc_id="a")
    first = merge.run(_frame(a), merge.MergeConfig())
    assert list(first.rows["event_id_cnty"]) == ["PAK1"]
    newer = _report(report_id="n", doc_id="n", location="Quetta", latitude=30.18, longitude=66.99,
                    event_date="2023-02-16", published="2023-02-16")
    second = merge.run(_frame(newer, a), merge.MergeConfig(), previous_sources=first.extra["event_sources"])
    ids = dict(zip(second.rows["location"], second.rows["event_id_cnty"]))
    assert ids["Karachi"] == "PAK1" and ids["Quetta"] == "PAK2"


def test_merge_does_not_mutate_input():
    frame = _frame(_report(report_id="a", doc_id="a"), _report(report_id="b", doc_id="b"))
    before = frame.copy(deep=True)
    merge.run(frame, merge.MergeConfig())
    pd.testing.assert_frame_equal(frame, before)


COUNTRY_LEVEL = dict(admin1=None, admin2=None, location=None, latitude=None, longitude=None, geo_precision=None)


def test_merge_country_level_reports_stay_apart_without_a_shared_person():
    # two "in Pakistan" reports of the same day and type: nothing says they are one incident
    a = _report(report_id="a", doc_id="a", persons="[]", **COUNTRY_LEVEL)
    b = _report(report_id="b", doc_id="b", persons="[]", **COUNTRY_LEVEL)
    located = _report(report_id="c", doc_id="c", persons="[]")
    result = merge.run(_frame(a, b, located), merge.MergeConfig())
    events = result.rows
    assert len(events) == 3 and sorted(events["event_id_cnty"]) == ["PAK1", "PAK2", "PAK3"]
    level = events[events["location"].isna()]
    assert len(level) == 2 and level["latitude"].isna().all() and level["geo_precision"].isna().all()
    assert (level["country"] == "Pakistan").all() and level["admin1"].isna().all()
    assert str(events["geo_precision"].dtype) == "Int64"


def test_merge_country_level_report_joins_located_one_through_a_named_person():
    vague = _report(report_id="a", doc_id="a", **COUNTRY_LEVEL)  # persons: Javed Alam Odho, as the default
    located = _report(report_id="b", doc_id="b", geo_precision=2)
    result = merge.run(_frame(vague, located), merge.MergeConfig())
    assert len(result.rows) == 1
    e = result.rows.iloc[0]
    # the event takes the most precise place of its reports
    assert (e["location"], e["admin1"], e["geo_precision"], e["n_sources"]) == ("Karachi", "Sindh", 2, 2)
    # and keeps its id when the country-level report is seen again
    again = merge.run(_frame(vague, located), merge.MergeConfig(), previous_sources=result.extra["event_sources"])
    assert list(again.rows["event_id_cnty"]) == list(result.rows["event_id_cnty"]) == ["PAK1"]


def test_merge_country_level_ids_are_stable_across_runs():
    a = _report(report_id="a", doc_id="a", persons="[]", **COUNTRY_LEVEL)
    first = merge.run(_frame(a), merge.MergeConfig())
    b = _report(report_id="b", doc_id="b", persons="[]", event_date="2023-02-16", published="2023-02-16")
    second = merge.run(_frame(b, a), merge.MergeConfig(), previous_sources=first.extra["event_sources"])
    ids = dict(zip(second.extra["event_sources"]["report_id"], second.extra["event_sources"]["event_id_cnty"]))
    assert ids["a"] == first.rows.iloc[0]["event_id_cnty"] == "PAK1" and ids["b"] == "PAK2"
