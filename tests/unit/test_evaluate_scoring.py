"""Scoring logic of pipeline/evaluate.py, on tiny inline gold files and a fake `predict`."""
from __future__ import annotations

import copy
import json

import pandas as pd
import pytest

from pipeline.errors import E_GOLD, PipelineError
from pipeline.evaluate import (
    check_floors,
    evaluate,
    evaluate_file,
    evaluate_ucdp,
    format_report,
    load_gold,
    strip_period_suffix,
    ucdp_side,
)

KARACHI = {
    "event_date": "2023-02-17", "time_precision": 1, "country": "Pakistan", "admin1": "Sindh",
    "location": "Karachi", "latitude": 24.8608, "longitude": 67.0104, "geo_precision": 1,
    "event_type": "Battles", "sub_event_type": "Armed clash", "disorder_type": "Political violence",
    "actor1": "TTP: Tehreek-i-Taliban Pakistan", "actor2": "Police Forces of Pakistan (2022-)",
    "perpetrator": "TTP: Tehreek-i-Taliban Pakistan", "claimed": True,
    "claimed_by": "TTP: Tehreek-i-Taliban Pakistan", "claim_mode": "Other", "target_type": "Police",
    "attack_type": "Armed Assault", "fatalities": 7, "fatalities_low": 7, "fatalities_high": 9, "wounded": 19,
}
MAIDUGURI = {
    "event_date": "2023-03-01", "time_precision": 1, "country": "Nigeria", "admin1": "Borno",
    "location": "Maiduguri", "latitude": 11.8464, "longitude": 13.1603, "geo_precision": 1,
    "event_type": "Explosions/Remote violence", "sub_event_type": "Suicide bomb",
    "disorder_type": "Political violence", "actor1": "Boko Haram - Jamaatu Ahli is-Sunnah lid-Dawatai wal-Jihad",
    "actor2": "Civilians (Nigeria)", "perpetrator": "Boko Haram", "claimed": None, "claimed_by": None,
    "claim_mode": None, "target_type": "Private Citizens & Property", "attack_type": "Bombing/Explosion",
    "fatalities": 5, "fatalities_low": 5, "fatalities_high": 5, "wounded": None,
}
RAID = {
    "event_date": "2023-03-02", "time_precision": 1, "country": "Nigeria", "admin1": "Borno",
    "location": "Bama", "latitude": 11.5221, "longitude": 13.6856, "geo_precision": 1,
    "event_type": "Battles", "sub_event_type": "Armed clash", "disorder_type": "Political violence",
    "actor1": "Military Forces of Nigeria (2023-)", "actor2": "ISWAP",
    "perpetrator": "Military Forces of Nigeria (2023-)", "claimed": False, "claimed_by": None,
    "claim_mode": None, "target_type": "Terrorists/Non-State Militia", "attack_type": "Armed Assault",
    "fatalities": 12, "fatalities_low": 12, "fatalities_high": 15, "wounded": 0,
}

GOLD = [
    {"id": "g-1", "title": "Karachi police office attacked", "text": "Gunmen stormed ...", "published": "2023-02-17",
     "source": "Fast News", "expected_events": [KARACHI]},
    {"id": "g-2", "text": "A suicide bomber ... In a separate clash ...", "published": "2023-03-02",
     "expected_events": [MAIDUGURI, RAID]},
    {"id": "g-3", "text": "The court adjourned the trial ...", "published": "2023-03-05", "expected_events": []},
    {"id": "g-4", "text": "Protesters gathered ...", "published": "2023-03-06",
     "expected": {"event_date": "2023-03-06", "country": "DR Congo", "location": "Goma",
                  "event_type": "Protests", "actor1": "Protesters (DR Congo)", "actor2": None,
                  "claimed": None, "fatalities": 0}},
]

# Aliases as data/dictionaries/actors.csv would give them.
ALIASES = {
    "ttp": "TTP: Tehreek-i-Taliban Pakistan",
    "tehrik-e-taliban pakistan": "TTP: Tehreek-i-Taliban Pakistan",
    "ttp: tehreek-i-taliban pakistan": "TTP: Tehreek-i-Taliban Pakistan",
    "boko haram": "Boko Haram - Jamaatu Ahli is-Sunnah lid-Dawatai wal-Jihad",
    "jas": "Boko Haram - Jamaatu Ahli is-Sunnah lid-Dawatai wal-Jihad",
    "boko haram - jamaatu ahli is-sunnah lid-dawatai wal-jihad": "Boko Haram - Jamaatu Ahli is-Sunnah lid-Dawatai wal-Jihad",
    "iswap": "Islamic State West Africa Province (ISWAP)",
    "islamic state west africa province": "Islamic State West Africa Province (ISWAP)",
}


def fake_canonical(name: str) -> str | None:
    return ALIASES.get(name.casefold())


def write_gold(tmp_path, records, name="gold.jsonl"):
    path = tmp_path / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def predictor(events_by_doc: dict[str, list[dict]], calls: list | None = None):
    def predict(articles: pd.DataFrame) -> pd.DataFrame:
        if calls is not None:
            calls.append(articles.copy())
        rows = [{"doc_id": doc_id, **ev} for doc_id in articles["doc_id"] for ev in events_by_doc.get(doc_id, [])]
        return pd.DataFrame(rows)
    return predict


def perfect(records):
    return {r["id"]: copy.deepcopy(r.get("expected_events", [r.get("expected")] if "expected" in r else []))
            for r in records}


@pytest.fixture
def gold(tmp_path):
    return load_gold(write_gold(tmp_path, GOLD))


# --------------------------------------------------------------------------------------- load_gold


def test_evaluate_load_gold_accepts_both_forms(gold):
    assert [r["id"] for r in gold] == ["g-1", "g-2", "g-3", "g-4"]
    assert [len(r["expected_events"]) for r in gold] == [1, 2, 0, 1]


@pytest.mark.parametrize("bad_line, what", [
    ("{not json", "not valid JSON"),
    (json.dumps({"id": "x", "published": "2023-01-01", "expected_events": []}), "'text'"),
    (json.dumps({"text": "t", "published": "2023-01-01", "expected_events": []}), "'id'"),
    (json.dumps({"id": "x", "text": "t", "expected_events": []}), "'published'"),
    (json.dumps({"id": "x", "text": "t", "published": "last week", "expected_events": []}), "ISO 8601"),
    (json.dumps({"id": "x", "text": "t", "published": "2023-01-01"}), "exactly one"),
    (json.dumps({"id": "x", "text": "t", "published": "2023-01-01", "expected_events": {}}), "list"),
    (json.dumps({"id": "g-1", "text": "t", "published": "2023-01-01", "expected_events": []}), "already used"),
    (json.dumps([1, 2]), "JSON object"),
])
def test_evaluate_malformed_gold_line_raises_e009_with_line_number(tmp_path, bad_line, what):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(GOLD[0]) + "\n\n" + bad_line + "\n", encoding="utf-8")
    with pytest.raises(PipelineError) as info:
        load_gold(path)
    assert info.value.code == E_GOLD == "E009"
    assert "line 3" in str(info.value) and what in str(info.value)


def test_evaluate_missing_gold_file_raises_e009(tmp_path):
    with pytest.raises(PipelineError, match=r"\[E009\]"):
        load_gold(tmp_path / "nope.jsonl")


# --------------------------------------------------------------------------------------- evaluate


def test_evaluate_perfect_prediction_scores_one_everywhere(gold):
    calls: list = []
    report = evaluate(gold, predictor(perfect(gold), calls), canonical_actor=fake_canonical)
    assert len(calls) == 1  # predict is called once, with every record
    assert list(calls[0].columns) == ["doc_id", "text", "published", "source_name", "title"]
    assert list(calls[0]["doc_id"]) == ["g-1", "g-2", "g-3", "g-4"]
    assert calls[0]["source_name"].iloc[0] == "Fast News"
    det = report["detection"]
    assert (det["precision"], det["recall"], det["f1"]) == (1.0, 1.0, 1.0)
    assert (det["tp"], det["fp"], det["fn"]) == (4, 0, 0)
    assert det["doc_no_event_accuracy"] == 1.0
    assert report["n_records"] == 4 and report["n_gold_events"] == 4 and report["n_predicted_events"] == 4
    assert report["fields"], "fields present in gold are scored"
    for field, body in report["fields"].items():
        assert body["accuracy"] == 1.0, (field, body)
    for derived in ("claim_status", "fatalities_exact", "fatalities_in_range", "location_25km", "admin1"):
        assert derived in report["fields"]
    assert "claimed" not in report["fields"] and "latitude" not in report["fields"]
    assert report["errors"] == []
    assert set(report) >= {"n_records", "n_gold_events", "n_predicted_events", "detection", "fields", "errors"}
    json.dumps(report)  # the report is JSON-serialisable


def test_evaluate_does_not_mutate_records(gold):
    before = copy.deepcopy(gold)
    evaluate(gold, predictor(perfect(gold)), canonical_actor=fake_canonical)
    assert gold == before


def _drop_event(preds):
    preds["g-2"] = preds["g-2"][:1]


def _spurious_on_no_event_record(preds):
    preds["g-3"] = [copy.deepcopy(KARACHI)]


def _swap_order(preds):
    preds["g-2"] = preds["g-2"][::-1]


@pytest.mark.parametrize("mutate, expected", [
    (_drop_event, {"tp": 3, "fp": 0, "fn": 1, "precision": 1.0, "recall": 0.75, "doc_no_event_accuracy": 1.0}),
    (_spurious_on_no_event_record,
     {"tp": 4, "fp": 1, "fn": 0, "precision": 0.8, "recall": 1.0, "doc_no_event_accuracy": 0.0}),
    (_swap_order, {"tp": 4, "fp": 0, "fn": 0, "precision": 1.0, "recall": 1.0, "doc_no_event_accuracy": 1.0}),
], ids=["missed-event-lowers-recall", "no-event-record-lowers-precision", "order-does-not-matter"])
def test_evaluate_detection(gold, mutate, expected):
    preds = perfect(gold)
    mutate(preds)
    report = evaluate(gold, predictor(preds), canonical_actor=fake_canonical)
    det = report["detection"]
    for key, value in expected.items():
        assert det[key] == pytest.approx(value), key
    assert det["f1"] == pytest.approx(2 * det["precision"] * det["recall"] / (det["precision"] + det["recall"]))
    assert all(body["accuracy"] == 1.0 for body in report["fields"].values())  # aligned pairs still right
    if expected["fn"] or expected["fp"]:
        assert any(e["field"] == "event" for e in report["errors"])


def test_evaluate_unrelated_prediction_is_not_aligned(gold):
    preds = perfect(gold)
    preds["g-1"] = [{"event_date": "2022-01-01", "location": "Lahore", "latitude": 31.55, "longitude": 74.34,
                     "admin1": "Punjab", "event_type": "Protests", "fatalities": 0}]
    det = evaluate(gold, predictor(preds), canonical_actor=fake_canonical)["detection"]
    assert (det["tp"], det["fp"], det["fn"]) == (3, 1, 1)


def test_evaluate_no_predictions_at_all(gold):
    report = evaluate(gold, predictor({}), canonical_actor=fake_canonical)
    det = report["detection"]
    assert det["precision"] is None and det["recall"] == 0.0 and det["fn"] == 4
    assert all(body["n"] == 0 and body["accuracy"] is None for body in report["fields"].values())


def _one_event_gold(tmp_path, **fields):
    ev = {**KARACHI, **fields}
    return load_gold(write_gold(tmp_path, [{"id": "a", "text": "t", "published": "2023-02-17", "expected_events": [ev]}]))


@pytest.mark.parametrize("field, gold_value, predicted", [
    ("actor1", "TTP: Tehreek-i-Taliban Pakistan", "TTP"),
    ("actor1", "TTP: Tehreek-i-Taliban Pakistan", "Tehrik-e-Taliban Pakistan"),
    ("perpetrator", "Boko Haram", "JAS"),
    ("actor2", "ISWAP", "Islamic State West Africa Province (ISWAP)"),
    ("actor2", "Police Forces of Pakistan (2022-)", "police forces of pakistan"),
    ("actor2", "Police Forces of Pakistan", "Police Forces of Pakistan (2018-) Prison Guards"),
    ("actor2", "Military Forces of Nigeria (2015-2023)", "Military Forces of Nigeria (2023-)"),
    ("claimed_by", "TTP", "ttp: tehreek-i-taliban pakistan"),
])
def test_evaluate_actor_aliases_and_period_suffixes_compare_equal(tmp_path, field, gold_value, predicted):
    gold = _one_event_gold(tmp_path, **{field: gold_value})
    pred = {**gold[0]["expected_events"][0], field: predicted}
    report = evaluate(gold, predictor({"a": [pred]}), canonical_actor=fake_canonical)
    assert report["fields"][field] == {"accuracy": 1.0, "n": 1, "correct": 1}


@pytest.mark.parametrize("gold_value, predicted", [
    ("Unidentified Armed Group (Pakistan)", "Unidentified Armed Group (Afghanistan)"),
    ("TTP: Tehreek-i-Taliban Pakistan", "Boko Haram"),
    ("Police Forces of Pakistan", None),
])
def test_evaluate_different_actors_differ(tmp_path, gold_value, predicted):
    gold = _one_event_gold(tmp_path, actor1=gold_value)
    pred = {**gold[0]["expected_events"][0], "actor1": predicted}
    report = evaluate(gold, predictor({"a": [pred]}), canonical_actor=fake_canonical)
    assert report["fields"]["actor1"]["accuracy"] == 0.0
    assert report["errors"] == [{"id": "a", "field": "actor1", "expected": gold_value, "predicted": predicted}]


def test_evaluate_default_canonical_is_case_fold_identity(tmp_path):
    gold = _one_event_gold(tmp_path, actor1="Police Forces of Pakistan (2022-)", actor2="TTP")
    pred = {**gold[0]["expected_events"][0], "actor1": "POLICE FORCES OF PAKISTAN", "actor2": "Tehrik-e-Taliban Pakistan"}
    fields = evaluate(gold, predictor({"a": [pred]}))["fields"]
    assert fields["actor1"]["accuracy"] == 1.0 and fields["actor2"]["accuracy"] == 0.0


@pytest.mark.parametrize("gold_claimed, predicted, correct", [
    (None, None, True),
    (None, False, False),
    (False, None, False),
    (False, False, True),
    (True, True, True),
    (True, False, False),
    (None, "absent", True),   # predicted frame without the column = null
])
def test_evaluate_claim_status_is_tri_state(tmp_path, gold_claimed, predicted, correct):
    gold = _one_event_gold(tmp_path, claimed=gold_claimed)
    pred = dict(gold[0]["expected_events"][0])
    if predicted == "absent":
        pred.pop("claimed")
    else:
        pred["claimed"] = predicted
    report = evaluate(gold, predictor({"a": [pred]}), canonical_actor=fake_canonical)
    assert report["fields"]["claim_status"]["accuracy"] == (1.0 if correct else 0.0)


@pytest.mark.parametrize("location, lat, lon, location_ok, within_25km", [
    ("Karachi", 24.8608, 67.0104, True, True),
    ("Karachi city", None, None, True, False),             # feature word dropped, no coordinates
    ("Kemari", 24.83, 66.99, True, True),                    # another name, ~4 km away
    ("Thatta", 24.747, 67.924, False, False),                 # ~93 km away
    ("Karāchi", 30.0, 70.0, True, False),                    # diacritics folded, coordinates wrong
])
def test_evaluate_location_by_name_or_within_25km(tmp_path, location, lat, lon, location_ok, within_25km):
    gold = _one_event_gold(tmp_path)
    pred = {**gold[0]["expected_events"][0], "location": location, "latitude": lat, "longitude": lon}
    fields = evaluate(gold, predictor({"a": [pred]}), canonical_actor=fake_canonical)["fields"]
    assert fields["location"]["accuracy"] == (1.0 if location_ok else 0.0)
    assert fields["location_25km"]["accuracy"] == (1.0 if within_25km else 0.0)


@pytest.mark.parametrize("field, gold_value, predicted, ok", [
    ("country", "Democratic Republic of Congo", "DR Congo", True),
    ("country", "Democratic Republic of Congo", "Republic of Congo", False),
    ("country", "Turkey", "Türkiye", True),
    ("country", "Syria", "Syrian Arab Republic", True),
    ("admin1", "Khyber Pakhtunkhwa", "khyber pakhtunkhwa province", True),
    ("event_date", "2023-02-17", pd.Timestamp("2023-02-17 14:00"), True),
    ("event_date", "2023-02-17", "2023-02-16", False),
    ("fatalities_low", 7, 7.0, True),
    ("wounded", None, None, True),
    ("wounded", None, 0, False),
    ("event_type", "Battles", "  battles ", True),
])
def test_evaluate_field_normalisation(tmp_path, field, gold_value, predicted, ok):
    gold = _one_event_gold(tmp_path, **{field: gold_value})
    pred = {**gold[0]["expected_events"][0], field: predicted}
    report = evaluate(gold, predictor({"a": [pred]}), canonical_actor=fake_canonical)
    assert report["fields"][field]["accuracy"] == (1.0 if ok else 0.0)


def test_evaluate_admin1_accepts_admin1_current(tmp_path):
    gold = _one_event_gold(tmp_path, admin1="Federally Administered Tribal Areas", admin1_current="Khyber Pakhtunkhwa")
    for predicted in ("Khyber Pakhtunkhwa", "Federally Administered Tribal Areas"):
        pred = {**gold[0]["expected_events"][0], "admin1": predicted}
        fields = evaluate(gold, predictor({"a": [pred]}), canonical_actor=fake_canonical)["fields"]
        assert fields["admin1"]["accuracy"] == 1.0


@pytest.mark.parametrize("predicted, exact, in_range", [(7, True, True), (9, False, True), (6, False, False), (None, False, False)])
def test_evaluate_fatalities_exact_and_in_range(tmp_path, predicted, exact, in_range):
    gold = _one_event_gold(tmp_path)  # fatalities 7, range [7, 9]
    pred = {**gold[0]["expected_events"][0], "fatalities": predicted}
    fields = evaluate(gold, predictor({"a": [pred]}), canonical_actor=fake_canonical)["fields"]
    assert fields["fatalities_exact"]["accuracy"] == float(exact)
    assert fields["fatalities_in_range"]["accuracy"] == float(in_range)


def test_evaluate_missing_key_in_one_gold_event_expects_null(gold):
    # g-4's event has no `wounded`: GUIDELINES.md leaves a key out only when the rule says null.
    preds = perfect(gold)
    preds["g-4"][0]["wounded"] = 3
    report = evaluate(gold, predictor(preds), canonical_actor=fake_canonical)
    assert report["fields"]["wounded"]["n"] == 4 and report["fields"]["wounded"]["correct"] == 3


def test_evaluate_predictions_for_unknown_docs_are_false_positives(gold):
    preds = perfect(gold)
    preds["elsewhere"] = [dict(KARACHI)]
    predict = predictor(preds)

    def predict_with_extra(articles):
        out = predict(articles)
        return pd.concat([out, pd.DataFrame([{"doc_id": "elsewhere", **KARACHI}])], ignore_index=True)

    report = evaluate(gold, predict_with_extra, canonical_actor=fake_canonical)
    assert report["detection"]["fp"] == 1 and report["n_predictions_unknown_doc"] == 1


def test_evaluate_predict_without_doc_id_is_an_error(gold):
    with pytest.raises(PipelineError, match="doc_id"):
        evaluate(gold, lambda articles: pd.DataFrame([KARACHI]))


def test_evaluate_errors_are_capped(tmp_path):
    records = [{"id": f"r{i}", "text": "t", "published": "2023-02-17", "expected_events": [KARACHI]} for i in range(30)]
    gold = load_gold(write_gold(tmp_path, records))
    wrong = {**KARACHI, "event_type": "Riots", "sub_event_type": "Mob violence", "target_type": "Business",
             "attack_type": "Unknown", "claim_mode": "Letter", "wounded": 1, "time_precision": 2, "geo_precision": 2}
    report = evaluate(gold, predictor({r["id"]: [wrong] for r in records}), canonical_actor=fake_canonical)
    assert report["detection"]["tp"] == 30
    assert len(report["errors"]) == 200
    assert set(report["errors"][0]) == {"id", "field", "expected", "predicted"}


# ------------------------------------------------------------------------------- floors and report


def test_evaluate_check_floors_flags_figures_below_floor(gold):
    preds = perfect(gold)
    preds["g-1"][0]["perpetrator"] = "Unidentified Armed Group (Pakistan)"
    preds["g-3"] = [dict(KARACHI)]
    report = evaluate(gold, predictor(preds), canonical_actor=fake_canonical)
    floors = {"detection.precision": 0.9, "detection.recall": 0.9, "fields.perpetrator": 0.85,
              "fields.event_type": 0.8, "fields.no_such_field": 0.5}
    failures = check_floors(report, floors)
    assert len(failures) == 3
    assert any(f.startswith("detection.precision: 0.800") for f in failures)
    assert any(f.startswith("fields.perpetrator: 0.750") for f in failures)
    assert any(f.startswith("fields.no_such_field: not measured") for f in failures)
    assert check_floors(report, {"detection": {"recall": 1.0}, "fields.event_type": 1.0}) == []


def test_evaluate_format_report_lists_fields_and_detection(gold):
    report = evaluate(gold, predictor(perfect(gold)), canonical_actor=fake_canonical)
    text = format_report(report)
    assert "precision 1.000" in text and "recall 1.000" in text and "F1 1.000" in text
    assert "perpetrator" in text and "claim_status" in text


def test_evaluate_strip_period_suffix_keeps_country_qualifier():
    assert strip_period_suffix("Police Forces of Pakistan (2022-) Prison Guards") == "Police Forces of Pakistan"
    assert strip_period_suffix("Unidentified Armed Group (Pakistan)") == "Unidentified Armed Group (Pakistan)"


# -------------------------------------------------------------------------------------------- UCDP


def _ucdp(id_, names, states_count, sources=1, **expected):
    base = {"event_date": "2009-03-26", "country": "Pakistan", "admin1": "Federally Administered Tribal Areas",
            "admin1_current": "Khyber Pakhtunkhwa", "admin2": "North Waziristan", "location": "Mir Ali town",
            "latitude": 32.970219, "longitude": 70.2, "geo_precision_ucdp": 2,
            "side_a": "Government of United States of America", "side_b": "al-Qaida",
            "fatalities_best": 4, "fatalities_low": 4, "fatalities_high": 5, "type_of_violence": 1}
    return {"id": f"ucdp:{id_}", "text": "US drone attack kills 5 in N Waziristan", "published": "2009-03-26",
            "outlet": "Geo TV Pakistan", "expected": {**base, **expected},
            "meta": {"headline_names": names, "headline_states_death_count": states_count,
                     "headline_reports_killing": True, "ucdp_sources": sources, "headline_trimmed": False}}


UCDP = [
    _ucdp(1, "location", True),
    _ucdp(2, "admin2", True),
    _ucdp(3, "admin1", False),
    _ucdp(4, None, True, sources=3, event_date="2009-03-25"),
]

GOOD_UCDP_PRED = {"event_date": "2009-03-26", "country": "Pakistan", "admin1": "Khyber Pakhtunkhwa",
                  "admin2": "North Waziristan District", "location": "Mir Ali", "latitude": 32.97, "longitude": 70.21,
                  "geo_precision": 1, "actor1": "Military Forces of United States (2009-2017)",
                  "actor2": "al-Qaeda", "fatalities": 5, "event_type": "Explosions/Remote violence"}


def test_evaluate_ucdp_scores_by_stratum(tmp_path):
    path = write_gold(tmp_path, UCDP, "ucdp.jsonl")
    # every headline gets the same prediction, including a wrong admin1 on the admin1-only item
    preds = {r["id"]: [dict(GOOD_UCDP_PRED)] for r in UCDP}
    preds["ucdp:3"] = [{**GOOD_UCDP_PRED, "admin1": "Balochistan", "fatalities": 0}]
    report = evaluate_file(path, predictor(preds))
    assert report["format"] == "ucdp"
    s = report["subsets"]["all"]
    assert s["n"] == 4
    assert s["country"] == {"accuracy": 1.0, "n": 4, "correct": 4}
    # admin1 only where the headline names location/admin2/admin1 (3 items), admin1_current accepted
    assert s["admin1"]["n"] == 3 and s["admin1"]["correct"] == 2
    assert s["admin2"]["n"] == 2 and s["admin2"]["accuracy"] == 1.0
    assert s["location"]["n"] == 1 and s["location"]["accuracy"] == 1.0
    assert s["coordinates"]["n"] == 1 and s["coordinates"]["accuracy"] == 1.0
    # fatalities only where the headline states a count (3 items): 5 is within [4, 5], never exact 4
    assert s["fatalities"] == {"n": 3, "within_range": 1.0, "exact_best": 0.0}
    assert s["fatalities_unstated"]["reports_killing"] == {"0": 1}
    # date: item 4 happened the day before publication
    assert s["date"]["n"] == 4 and s["date"]["exact"] == 0.75 and s["date"]["within_1_day"] == 1.0
    assert s["date"]["baseline_published_exact"] == 0.75
    # sides: US forces -> Government of United States of America, al-Qaeda -> al-Qaida, unordered
    assert s["sides"]["accuracy"] == 1.0
    # headline names no place but the coder gave a confident town: counted as an error, descriptively
    assert s["no_place_named"]["n"] == 1 and s["no_place_named"]["town_level_confident"] == 1
    assert s["no_place_named"]["accuracy"] == 0.0
    # single-source subset leaves out item 4
    assert report["subsets"]["single_source"]["n"] == 3
    assert "pooled" not in report and "fields" not in report
    json.dumps(report)
    assert "admin1" in format_report(report)
    assert check_floors(report, {"subsets.all.admin2": 1.0, "subsets.all.fatalities.within_range": 0.9}) == []
    assert check_floors(report, {"subsets.all.admin1": 0.9}) == ["subsets.all.admin1: 0.667 < floor 0.900"]


def test_evaluate_ucdp_missing_prediction_counts_wrong_and_low_precision_is_fine(tmp_path):
    records = load_gold(write_gold(tmp_path, UCDP, "ucdp.jsonl"))
    preds = {"ucdp:4": [{**GOOD_UCDP_PRED, "location": "Mir Ali", "geo_precision": 2}]}
    report = evaluate_ucdp(records, predictor(preds))
    s = report["subsets"]["all"]
    assert s["detection"]["n_with_prediction"] == 1
    assert s["country"]["correct"] == 1 and s["admin1"]["correct"] == 0
    assert s["no_place_named"]["town_level_confident"] == 0 and s["no_place_named"]["accuracy"] == 1.0


@pytest.mark.parametrize("actor1, actor2, ok", [
    ("TTP: Tehreek-i-Taliban Pakistan", "Military Forces of Pakistan (2018-)", True),
    ("Police Forces of Pakistan (2022-)", "Tehrik-e-Taliban Pakistan", True),
    ("BLA: Baloch Liberation Army", "Military Forces of Pakistan (2018-)", False),  # BRAS, not TTP
    ("TTP", "Civilians (Pakistan)", False),
])
def test_evaluate_ucdp_sides_are_mapped_and_unordered(tmp_path, actor1, actor2, ok):
    rec = _ucdp(9, "admin2", True, side_a="Government of Pakistan", side_b="TTP")
    records = load_gold(write_gold(tmp_path, [rec], "ucdp.jsonl"))
    report = evaluate_ucdp(records, predictor({"ucdp:9": [{**GOOD_UCDP_PRED, "actor1": actor1, "actor2": actor2}]}))
    assert report["subsets"]["all"]["sides"]["accuracy"] == float(ok)


@pytest.mark.parametrize("name, side", [
    ("Military Forces of Pakistan (2018-)", "government of pakistan"),
    ("Military Forces of United States", "government of united states of america"),
    ("Military Forces of Afghanistan (2021-)", "government of afghanistan"),
    ("BLF: Balochistan Liberation Front", "bras"),
    ("Islamic State (Pakistan)", "is"),
    ("Taliban", "taleban"),
    ("Civilians (Pakistan)", "civilians"),
    (None, None),
])
def test_evaluate_ucdp_side_map(name, side):
    assert ucdp_side(name) == side


def test_evaluate_file_routes_project_gold_and_rejects_mixed(tmp_path):
    report = evaluate_file(write_gold(tmp_path, GOLD), predictor(perfect(GOLD)), fake_canonical)
    assert report["format"] == "gold" and report["detection"]["f1"] == 1.0
    with pytest.raises(PipelineError, match=r"\[E009\].*mixes"):
        evaluate_file(write_gold(tmp_path, GOLD + UCDP[:1], "mixed.jsonl"), predictor({}))
