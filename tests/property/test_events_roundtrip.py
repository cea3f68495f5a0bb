"""Property: any valid events table survives a Parquet round trip unchanged, and validating it twice gives
the same result.

Strategies are built by hand: pandera's `EventsSchema.strategy()` can only satisfy the cross-column rules
(sub_event_type within event_type, interaction from inter1/inter2, claims, fatality ranges) by filtering,
which is far too slow to be useful.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline import release, validate
from schemas import EventsSchema, to_event_date, to_event_sources_dtypes, to_events_dtypes
from schemas.events import (
    ATTACK_TYPES,
    CLAIM_MODES,
    DISORDER_OF_SUB_EVENT,
    EVENT_COLUMNS,
    EVENTS_DTYPES,
    INTER_TYPES,
    SOURCE_SCALES,
    SUB_EVENT_TYPES,
    TARGET_TYPES,
    interaction_label,
)

COUNTRIES = [("PAK", 586, "Pakistan", "Southern Asia"), ("NGA", 566, "Nigeria", "Western Africa"),
             ("AFG", 4, "Afghanistan", "Southern Asia")]
text = st.text(max_size=25)
maybe_text = st.none() | text


def maybe(strategy):
    return st.none() | strategy


@st.composite
def event_rows(draw, number: int):
    iso3, iso, country, region = draw(st.sampled_from(COUNTRIES))
    day = draw(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31)))
    sub = draw(st.sampled_from(sorted(SUB_EVENT_TYPES)))
    inter1 = draw(st.sampled_from(INTER_TYPES))
    inter2 = draw(maybe(st.sampled_from(INTER_TYPES)))
    actor2 = None if inter2 is None else draw(text)
    low, best, high = sorted(draw(st.lists(st.integers(0, 10_000), min_size=3, max_size=3)))
    claimed = draw(st.none() | st.booleans())
    perpetrator = draw(maybe_text)
    scales = draw(st.lists(st.sampled_from(SOURCE_SCALES), unique=True, max_size=3))
    country_level = draw(st.booleans())  # placed only in its country: no admin1, no coordinates, no precision
    return {
        "event_id_cnty": f"{iso3}{number}",
        "event_date": pd.Timestamp(day),
        "year": day.year,
        "time_precision": draw(st.integers(1, 3)),
        "disorder_type": DISORDER_OF_SUB_EVENT[sub],
        "event_type": SUB_EVENT_TYPES[sub],
        "sub_event_type": sub,
        "actor1": draw(text),
        "assoc_actor_1": draw(maybe_text),
        "inter1": inter1,
        "actor2": actor2,
        "assoc_actor_2": None if actor2 is None else draw(maybe_text),
        "inter2": inter2,
        "interaction": interaction_label(inter1, inter2),
        "civilian_targeting": draw(maybe(st.just("Civilians targeted"))),
        "iso": iso,
        "region": region,
        "country": country,
        "admin1": None if country_level else draw(maybe_text),
        "admin2": None if country_level else draw(maybe_text),
        "admin3": None if country_level else draw(maybe_text),
        "location": None if country_level else draw(maybe_text),
        "latitude": None if country_level else draw(st.floats(-90, 90, allow_nan=False)),
        "longitude": None if country_level else draw(st.floats(-180, 180, allow_nan=False)),
        "geo_precision": None if country_level else draw(st.integers(1, 3)),
        "source": draw(text),
        "source_scale": "-".join(scales) or None,
        "notes": draw(text),
        "fatalities": best,
        "tags": draw(maybe_text),
        "timestamp": draw(st.integers(0, 2**40)),
        "perpetrator": perpetrator,
        "perpetrator_suspected": None if perpetrator is None else draw(st.none() | st.booleans()),
        "claimed": claimed,
        "claimed_by": draw(maybe_text) if claimed else None,
        "claim_mode": draw(maybe(st.sampled_from(CLAIM_MODES))) if claimed else None,
        "target_type": draw(maybe(st.sampled_from(TARGET_TYPES))),
        "attack_type": draw(maybe(st.sampled_from(ATTACK_TYPES))),
        "fatalities_low": low,
        "fatalities_high": high,
        "wounded": draw(maybe(st.integers(0, 5_000))),
        "n_sources": draw(st.integers(1, 5)),
    }


@st.composite
def events_frames(draw, max_rows: int = 6):
    numbers = draw(st.lists(st.integers(1, 10**6), unique=True, max_size=max_rows))
    rows = [draw(event_rows(n)) for n in numbers]
    return to_events_dtypes(pd.DataFrame(rows, columns=EVENT_COLUMNS))


def _sources_for(events: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for eid, n in zip(events["event_id_cnty"], events["n_sources"]):
        for k in range(int(n)):
            doc = f"{eid}-{k}.txt"
            rows.append(dict(
                event_id_cnty=eid, doc_id=doc, article_id=hashlib.sha256(doc.encode()).hexdigest(),
                report_id=f"r{k}", source_name=None, source_url=None, published=None, title=None,
                sentence_idx=0, char_start=0, char_end=5, evidence_text="Five.",
                evidence=json.dumps({"event_type": {"sentence_idx": 0, "char_start": 0, "char_end": 4, "text": "Five"}}),
            ))
    cols = ["event_id_cnty", "doc_id", "article_id", "report_id", "source_name", "source_url", "published", "title",
            "sentence_idx", "char_start", "char_end", "evidence_text", "evidence"]
    return to_event_sources_dtypes(pd.DataFrame(rows, columns=cols))


PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(events_frames())
def test_events_parquet_round_trip_is_exact(tmp_path_factory, events):
    assert {c: str(t) for c, t in events.dtypes.items()} == EVENTS_DTYPES
    validated = EventsSchema.validate(events)
    pd.testing.assert_frame_equal(validated, events, check_exact=True)  # validation changes nothing

    path = tmp_path_factory.mktemp("rt") / "events.parquet"
    release._write_parquet(events, path, {"table": "events"})
    back = pd.read_parquet(path)
    pd.testing.assert_frame_equal(back, events, check_exact=True)
    pd.testing.assert_frame_equal(EventsSchema.validate(back), validated, check_exact=True)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events_frames(max_rows=4))
def test_validate_twice_gives_the_same_result(events):
    sources = _sources_for(events)
    first = validate.run(events, sources)
    second = validate.run(first.rows, first.extra["event_sources"])
    assert first.stats["rejected"] == 0 and len(first.rejects) == 0
    assert first.stats["in"] == first.stats["out"] + first.stats["rejected"]
    pd.testing.assert_frame_equal(first.rows, second.rows, check_exact=True)
    pd.testing.assert_frame_equal(first.extra["event_sources"], second.extra["event_sources"], check_exact=True)
    assert {k: v for k, v in first.stats.items()} == {k: v for k, v in second.stats.items()}
    pd.testing.assert_frame_equal(first.rows, events.reset_index(drop=True), check_exact=True)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)), max_size=5))
def test_to_event_date_is_day_resolution_ns(values):
    out = to_event_date(pd.Series(values, dtype=object))
    assert str(out.dtype) == "datetime64[ns]"
    assert list(out) == [pd.Timestamp(v.date()) for v in values]
    assert to_event_date(out.astype("datetime64[s]")).equals(out)
    assert list(to_event_date([v.date().isoformat() for v in values])) == list(out)
