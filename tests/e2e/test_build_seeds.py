"""End to end: `conflict-events build` on the bundled seed articles with the real model and gazetteer.

The golden expectations are the acceptance criteria of the first issue: one event for the 17 February 2023
attack on the Karachi police office, reconciled from two outlets that disagree.
"""
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from pipeline.__main__ import main

REPO = Path(__file__).resolve().parents[2]


def _km(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 12742 * math.asin(math.sqrt(h))


def _build(data_dir: Path, *inputs: str) -> tuple[str, Path]:
    result = CliRunner().invoke(main, ["build", *inputs, "--data-dir", str(data_dir)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    version = (data_dir / "releases" / "LATEST").read_text().strip()
    return result.output, data_dir / "releases" / version


@pytest.fixture(scope="module")
def seed_release(tmp_path_factory, resources):
    data_dir = tmp_path_factory.mktemp("data")
    output, release = _build(data_dir, str(REPO / "data" / "raw"))
    return data_dir, release, output


def test_e2e_seeds_give_exactly_one_event(seed_release):
    _, release, _ = seed_release
    events = pd.read_parquet(release / "events.parquet")
    assert len(events) == 1, events[["event_date", "location", "event_type", "fatalities"]]
    e = events.iloc[0]
    assert str(pd.Timestamp(e["event_date"]).date()) == "2023-02-17" and e["time_precision"] == 1
    assert (e["country"], e["iso"], e["admin1"], e["location"]) == ("Pakistan", 586, "Sindh", "Karachi")
    assert _km(e["latitude"], e["longitude"], 24.86, 67.01) <= 10 and e["geo_precision"] == 1
    assert (e["event_type"], e["sub_event_type"], e["attack_type"]) == ("Battles", "Armed clash", "Armed Assault")
    assert e["perpetrator"] == e["actor1"] == "TTP: Tehreek-i-Taliban Pakistan"
    assert e["actor2"].startswith("Police Forces of Pakistan")
    assert e["target_type"] == "Police"
    assert bool(e["claimed"]) is True and e["claimed_by"] == "TTP: Tehreek-i-Taliban Pakistan"
    assert e["fatalities"] == 2 and e["wounded"] >= 1 and e["n_sources"] == 2


def test_e2e_no_background_events_leak(seed_release):
    _, release, _ = seed_release
    events = pd.read_parquet(release / "events.parquet")
    assert "Afghanistan" not in set(events["country"])
    assert 80 not in set(events["fatalities"])


def test_e2e_both_documents_linked_with_evidence(seed_release):
    _, release, _ = seed_release
    sources = pd.read_parquet(release / "event_sources.parquet")
    assert set(sources["doc_id"]) == {"000_58124fa2f3126a17.txt", "004_356259250ba00526.txt"}
    from pipeline.ingest import read_articles

    texts = dict(zip(*[read_articles([REPO / "data" / "raw"]).rows[c] for c in ("doc_id", "text")]))
    for row in sources.itertuples():
        evidence = json.loads(row.evidence)
        assert {"event_type", "fatalities"} <= set(evidence) or "claimed" in evidence, row.doc_id
        for field, ev in evidence.items():
            # every coded value points at the characters it was read from
            assert texts[row.doc_id][ev["char_start"]:ev["char_end"]] == ev["text"], (row.doc_id, field)


def test_e2e_manifest_counts_add_up(seed_release):
    _, release, _ = seed_release
    manifest = json.loads((release / "manifest.json").read_text())
    docs = manifest["documents"]
    assert docs["documents_in"] == docs["documents_in_events"] + docs["documents_no_event"] + docs["documents_rejected"]
    assert docs["documents_in"] == 2
    for name in ("events.parquet", "event_sources.parquet", "rejects.parquet", "manifest.json", "CHANGELOG.md",
                 "codebook.md"):
        assert (release / name).exists(), name
    assert manifest["model"]["name"] and manifest["model"]["version"] and manifest["gazetteer_version"]
    assert manifest["dictionaries_version"] and manifest["config_hash"]


def test_e2e_second_build_does_no_nlp_and_same_data(seed_release):
    data_dir, release, _ = seed_release
    output, again = _build(data_dir, str(REPO / "data" / "raw"))
    assert "parsed 0 new" in output
    assert again == release  # nothing changed: the current release stands, no new version
    assert "unchanged" in output


def test_e2e_third_article_other_country_same_path(tmp_path, resources):
    _, release = _build(tmp_path, str(REPO / "tests" / "fixtures" / "third"))
    events = pd.read_parquet(release / "events.parquet")
    assert len(events) == 1, events[["event_date", "location", "fatalities"]]
    e = events.iloc[0]
    assert (e["country"], e["admin1"]) == ("Nigeria", "Borno")
    assert str(pd.Timestamp(e["event_date"]).date()) == "2024-03-10"
    assert e["event_type"] == "Violence against civilians"
    assert e["perpetrator"].startswith("Boko Haram") and bool(e["perpetrator_suspected"])
    assert bool(e["claimed"]) is False
    assert e["fatalities"] == 12 and e["wounded"] == 5
    assert e["actor2"] == "Civilians (Nigeria)"
    assert 32 not in set(events["fatalities"])  # the Gwoza bombing is background


COUNTRY_ONLY_ARTICLE = {
    "id": "country-only-1", "published": "2023-03-03", "source": "Wire",
    "text": "Gunmen shot dead three policemen at a checkpoint in Pakistan on Friday, officials said. "
            "No group claimed responsibility for the attack.",
}


@pytest.mark.parametrize("policy", ["keep", "reject"])
def test_e2e_article_naming_only_a_country(tmp_path, resources, policy):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text(json.dumps(COUNTRY_ONLY_ARTICLE) + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(corpus), "--data-dir", str(tmp_path / "data"),
                                       "--set", f"geocode.country_only={policy}"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    release = tmp_path / "data" / "releases" / (tmp_path / "data" / "releases" / "LATEST").read_text().strip()
    events = pd.read_parquet(release / "events.parquet")
    rejects = pd.read_parquet(release / "rejects.parquet")
    manifest = json.loads((release / "manifest.json").read_text())
    if policy == "reject":  # ACLED's practice
        assert events.empty and list(rejects["reason"]) == ["geocode_country_only"]
        assert manifest["rejects_by_reason"] == {"geocode_country_only": 1}
        return
    # GTD's specificity 5: the country, and nothing finer, never a centroid
    assert len(events) == 1 and rejects.empty
    e = events.iloc[0]
    assert (e["event_id_cnty"], e["country"], e["iso"], e["region"]) == ("PAK1", "Pakistan", 586, "Southern Asia")
    assert all(pd.isna(e[c]) for c in ("admin1", "admin2", "location", "latitude", "longitude", "geo_precision"))
    assert str(events["geo_precision"].dtype) == "Int64" and e["actor2"].startswith("Police Forces of Pakistan")
    assert manifest["documents"]["documents_in_events"] == 1 and manifest["row_counts"]["events"] == 1
    assert "located only in a country" in (release / "qa.md").read_text()


def test_e2e_report_export_diff_commands(seed_release, tmp_path):
    data_dir, release, _ = seed_release
    runner = CliRunner()
    report = runner.invoke(main, ["report", "--data-dir", str(data_dir)])
    assert report.exit_code == 0 and "1 events" in report.output and "documents_in 2" in report.output
    out = tmp_path / "events.csv"
    export = runner.invoke(main, ["export", "--format", "acled-csv", "--out", str(out), "--data-dir", str(data_dir)])
    assert export.exit_code == 0
    frame = pd.read_csv(out)
    assert list(frame.columns)[:3] == ["event_id_cnty", "event_date", "year"] and len(frame) == 1
    diff = runner.invoke(main, ["diff", release.name, release.name, "--data-dir", str(data_dir)])
    assert diff.exit_code == 0 and "0 added" in diff.output


def test_e2e_dask_engine_gives_the_same_bytes(seed_release, tmp_path):
    _, release, _ = seed_release
    result = CliRunner().invoke(main, ["build", str(REPO / "data" / "raw"), "--engine", "dask", "--workers", "2",
                                       "--data-dir", str(tmp_path)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    dask_release = tmp_path / "releases" / (tmp_path / "releases" / "LATEST").read_text().strip()
    for name in ("events.parquet", "event_sources.parquet"):
        assert (dask_release / name).read_bytes() == (release / name).read_bytes(), name
