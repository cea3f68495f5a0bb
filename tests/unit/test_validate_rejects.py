"""validate: bad rows go to quarantine with `schema:<check>`, table-level faults raise E007."""
from __future__ import annotations

import hashlib
import json

import pandas as pd
import pytest

from pipeline import validate
from pipeline.errors import E_SCHEMA, PipelineError
from schemas.events import EVENTS_DTYPES
from schemas.event_sources import EVENT_SOURCES_DTYPES
from fixtures.event_rows import event_row


def make_event(**over) -> dict:
    return event_row(**over)


def make_source(event_id: str, doc_id: str, **over) -> dict:
    text = "Militants attacked the Karachi Police Office on Friday."
    row = dict(
        event_id_cnty=event_id, doc_id=doc_id, article_id=hashlib.sha256(doc_id.encode()).hexdigest(),
        report_id=f"r-{event_id}-{doc_id}", source_name="Fast News", source_url=None, published="2023-02-17",
        title=None, sentence_idx=0, char_start=0, char_end=len(text), evidence_text=text,
        evidence=json.dumps({"event_type": {"sentence_idx": 0, "char_start": 10, "char_end": 18, "text": "attacked"}}),
    )
    row.update(over)
    return row


def frames(bad: dict | None = None, n_good: int = 3) -> tuple[pd.DataFrame, pd.DataFrame]:
    """n_good valid events (PAK1..), plus a bad one PAK99 linked to two documents."""
    events = [make_event(event_id_cnty=f"PAK{i}") for i in range(1, n_good + 1)]
    sources = [make_source(f"PAK{i}", f"doc{i}.txt") for i in range(1, n_good + 1)]
    if bad is not None:
        events.append(make_event(**{"event_id_cnty": "PAK99", "n_sources": 2, **bad}))
        sources += [make_source("PAK99", "bad_a.txt"), make_source("PAK99", "bad_b.txt")]
    return pd.DataFrame(events), pd.DataFrame(sources)


BAD_ROWS = [
    ({"sub_event_type": "Grenade"}, "schema:sub_event_type_in_event_type"),
    ({"fatalities": -1, "fatalities_low": -1}, "schema:greater_than_or_equal_to"),
    ({"claimed": False, "claim_mode": None}, "schema:claimed_by_requires_claim"),
    ({"latitude": 200.0}, "schema:in_range"),
    ({"fatalities": "many"}, "schema:coerce_dtype"),
    ({"event_date": "2023-02-17 10:30"}, "schema:day_resolution"),
    ({"interaction": "State forces-Civilians"}, "schema:interaction_matches_inters"),
    ({"disorder_type": "Demonstrations"}, "schema:disorder_type_fits"),
    ({"fatalities": 9}, "schema:fatalities_within_range"),
    ({"actor1": None}, "schema:not_nullable"),
    ({"actor2": None, "interaction": "State forces only"}, "schema:actor2_consistent"),
    ({"event_id_cnty": "pak-99"}, "schema:str_matches"),
    ({"geo_precision": None}, "schema:country_level_consistent"),  # coordinates without a precision
    ({"geo_precision": None, "latitude": None, "longitude": None}, "schema:country_level_consistent"),  # admin1 left
]


@pytest.mark.parametrize("bad,reason", BAD_ROWS, ids=[r for _, r in BAD_ROWS])
def test_validate_bad_row_goes_to_rejects(bad, reason):
    events, sources = frames(bad)
    bad_id = bad.get("event_id_cnty", "PAK99")
    if bad_id != "PAK99":
        sources.loc[sources["event_id_cnty"] == "PAK99", "event_id_cnty"] = bad_id
    result = validate.run(events, sources, validate.ValidateConfig())

    assert result.rows["event_id_cnty"].tolist() == ["PAK1", "PAK2", "PAK3"]
    assert set(result.rejects["reason"]) == {reason}
    # one reject row per linked document: no document is lost silently
    assert sorted(result.rejects["doc_id"]) == ["bad_a.txt", "bad_b.txt"]
    assert set(result.rejects["row_key"]) == {bad_id}
    assert set(result.rejects["stage"]) == {"validate"}
    assert all(result.rejects["detail"].str.len() > 0)
    # the rejected event's sources are gone, the others kept
    assert sorted(result.extra["event_sources"]["doc_id"]) == ["doc1.txt", "doc2.txt", "doc3.txt"]
    s = result.stats
    assert (s["in"], s["out"], s["rejected"]) == (4, 3, 1)
    assert s["in"] == s["out"] + s["rejected"]
    assert s["sources_in"] == s["sources_out"] + s["sources_rejected"]


def test_validate_several_bad_rows_at_once():
    events, sources = frames()
    bad = [
        make_event(event_id_cnty="PAK10", sub_event_type="Grenade"),
        make_event(event_id_cnty="PAK11", fatalities=-1, fatalities_low=-1),
        make_event(event_id_cnty="PAK12", claimed=False),
        make_event(event_id_cnty="PAK13", latitude=200.0),
    ]
    events = pd.concat([events, pd.DataFrame(bad)], ignore_index=True)
    sources = pd.concat(
        [sources, pd.DataFrame([make_source(b["event_id_cnty"], f"d{b['event_id_cnty']}") for b in bad])],
        ignore_index=True,
    )
    result = validate.run(events, sources)
    reasons = dict(zip(result.rejects["row_key"], result.rejects["reason"]))
    assert reasons == {
        "PAK10": "schema:sub_event_type_in_event_type",
        "PAK11": "schema:greater_than_or_equal_to",
        "PAK12": "schema:claimed_by_requires_claim",
        "PAK13": "schema:in_range",
    }
    # the detail names every failed check of the row
    detail = result.rejects.set_index("row_key").at["PAK12", "detail"]
    assert "claimed_by_requires_claim" in detail and "claim_mode_requires_claim" in detail
    assert result.stats["in"] == result.stats["out"] + result.stats["rejected"] == 7
    assert result.stats["out"] == 3


def test_validate_output_has_schema_dtypes():
    events, sources = frames()
    result = validate.run(events, sources)
    assert {c: str(t) for c, t in result.rows.dtypes.items()} == EVENTS_DTYPES
    assert {c: str(t) for c, t in result.extra["event_sources"].dtypes.items()} == EVENT_SOURCES_DTYPES
    assert list(result.rows.index) == [0, 1, 2]
    assert result.stats["warnings"] == []


@pytest.mark.parametrize("table", ["events", "event_sources"])
def test_validate_missing_column_raises_e007(table):
    events, sources = frames()
    if table == "events":
        events = events.drop(columns=["fatalities"])
    else:
        sources = sources.drop(columns=["evidence"])
    with pytest.raises(PipelineError) as err:
        validate.run(events, sources)
    assert err.value.code == E_SCHEMA == "E007"
    assert "missing column" in str(err.value)


def test_validate_unexpected_column_raises_e007():
    events, sources = frames()
    with pytest.raises(PipelineError) as err:
        validate.run(events.assign(extra=1), sources)
    assert err.value.code == "E007"


def test_validate_does_not_mutate_inputs():
    events, sources = frames({"latitude": 200.0})
    events.index = [10, 5, 7, 3]  # a non-default index is not assumed
    before_e, before_s = events.copy(deep=True), sources.copy(deep=True)
    validate.run(events, sources)
    pd.testing.assert_frame_equal(events, before_e)
    pd.testing.assert_frame_equal(sources, before_s)


def test_validate_duplicate_event_ids_are_both_rejected():
    events, sources = frames()
    events = pd.concat([events, events.iloc[[0]]], ignore_index=True)
    result = validate.run(events, sources)
    assert set(result.rejects["reason"]) == {"schema:field_uniqueness"}
    assert result.stats["rejected"] == 2 and result.stats["out"] == 2
    assert "PAK1" not in set(result.rows["event_id_cnty"])


def test_validate_bad_source_row_is_rejected_and_event_kept():
    events, sources = frames()
    extra = make_source("PAK1", "doc_extra.txt", char_start=50, char_end=10)
    sources = pd.concat([sources, pd.DataFrame([extra])], ignore_index=True)
    result = validate.run(events, sources)
    assert result.stats["out"] == 3
    assert result.rejects["reason"].tolist() == ["schema:char_span_ordered"]
    assert result.rejects["doc_id"].tolist() == ["doc_extra.txt"]
    assert result.stats["sources_in"] == 4 and result.stats["sources_rejected"] == 1


def test_validate_bad_evidence_json_is_rejected():
    events, sources = frames()
    extra = make_source("PAK2", "doc_extra.txt", evidence='{"event_type": {"char_start": 3}}')
    sources = pd.concat([sources, pd.DataFrame([extra])], ignore_index=True)
    result = validate.run(events, sources)
    assert result.rejects["reason"].tolist() == ["schema:evidence_json"]


def test_validate_orphan_source_and_event_without_sources():
    events, sources = frames()
    sources = sources[sources["event_id_cnty"] != "PAK2"]
    orphan = make_source("PAK42", "orphan.txt")
    sources = pd.concat([sources, pd.DataFrame([orphan])], ignore_index=True)
    result = validate.run(events, sources)
    reasons = dict(zip(result.rejects["row_key"], result.rejects["reason"]))
    assert reasons["PAK2"] == "schema:has_sources"
    assert reasons["PAK42/orphan.txt/r-PAK42-orphan.txt"] == "schema:event_exists"
    assert result.rejects.set_index("row_key").at["PAK2", "doc_id"] is pd.NA
    assert result.stats["out"] == 2 and result.stats["rejected"] == 1


def test_validate_soft_checks_warn_without_rejecting():
    events, sources = frames()
    events.loc[0, ["fatalities", "fatalities_low", "fatalities_high"]] = [600, 600, 700]
    events.loc[1, "geo_precision"] = 3
    events.loc[2, "n_sources"] = 2

    def point_in_admin1(lat, lon, admin1, iso):
        return lat > 30  # Karachi is not in this toy Sindh

    result = validate.run(events, sources, validate.ValidateConfig(), point_in_admin1=point_in_admin1)
    assert result.stats["out"] == 3 and len(result.rejects) == 0
    warnings = "\n".join(result.stats["warnings"])
    assert "PAK1: 600 fatalities" in warnings
    assert "geo_precision >= 3" in warnings and "PAK2" in warnings
    assert "PAK3: n_sources is 2" in warnings
    assert warnings.count("not inside admin1") == 3

    quiet = validate.run(events, sources, validate.ValidateConfig(check_admin1_coordinates=False),
                         point_in_admin1=point_in_admin1)
    assert "not inside admin1" not in "\n".join(quiet.stats["warnings"])


COUNTRY_LEVEL = dict(admin1=None, admin2=None, location=None, latitude=None, longitude=None, geo_precision=None)


def test_validate_country_level_event_is_valid_and_skips_the_admin1_check():
    events, sources = frames()
    for col, value in COUNTRY_LEVEL.items():
        events[col] = events[col].astype(object)
        events.loc[1, col] = value
    seen = []

    def point_in_admin1(lat, lon, admin1, iso):
        seen.append((lat, lon))
        return True

    result = validate.run(events, sources, validate.ValidateConfig(), point_in_admin1=point_in_admin1)
    assert result.stats["out"] == 3 and len(result.rejects) == 0
    row = result.rows.set_index("event_id_cnty").loc["PAK2"]
    assert row["country"] == "Pakistan" and pd.isna(row["latitude"]) and row["geo_precision"] is pd.NA
    assert str(result.rows["geo_precision"].dtype) == "Int64"
    assert len(seen) == 2  # the country-level event has no point to check
    warnings = "\n".join(result.stats["warnings"])
    assert "1 event(s) located only in a country" in warnings and "PAK2" in warnings
