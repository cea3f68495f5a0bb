"""`make bench`: the report's shape (its figures are machine-dependent and never asserted)."""
from __future__ import annotations

from pipeline.bench import run_benchmarks


def test_bench_report_alternates_raw_and_pipeline_runs(resources):
    r = run_benchmarks(resources, n_docs=3, repeats=2)
    assert r["documents"] == 3 and r["repeats"] == 2
    assert len(r["full_vs_raw_ratio_per_repeat"]) == 2
    assert all(x > 0 for x in r["full_vs_raw_ratio_per_repeat"])
    low, high = sorted(r["full_vs_raw_ratio_per_repeat"])
    assert low <= r["full_vs_raw_ratio"] <= high  # the median of the paired runs
    assert set(r["ms_per_doc"]) == {"raw_spacy", "ingest", "nlp", "code", "geocode", "merge", "validate", "release"}
    assert r["events"] > 0 and r["max_rss_mb"] > 0 and "load_s" in r["geocode"]
