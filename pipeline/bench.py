"""`make bench`: speed and memory, measured (never asserted in tests).

- throughput: raw spaCy (`nlp.pipe` of the bare model) vs our NLP stage (model + rule components + toponyms)
  vs the whole coding path (NLP + extract/code + geocode + merge + validate), on the same documents;
- the gazetteer: load time, memory, geocoder lookups per second (`pipeline.bench_geocode`).
Documents: the bundled corpus and the gold set, repeated to `n_docs`.
"""
from __future__ import annotations

import hashlib
import json
import resource
import time

import pandas as pd
import spacy

from . import runner


def _corpus(n_docs: int) -> pd.DataFrame:
    texts = []
    for path in sorted((runner.REPO_ROOT / "tests" / "gold").glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                rec = json.loads(line)
                texts.append((rec["text"], rec.get("published")))
    for path in sorted((runner.REPO_ROOT / "data" / "raw").glob("*.txt")):
        texts.append((path.read_text(), None))
    rows = []
    for i in range(n_docs):
        text, pub = texts[i % len(texts)]
        text = f"{text}\n\n(copy {i})"  # distinct content hashes: no cache hits
        rows.append({"doc_id": f"bench-{i}", "article_id": hashlib.sha256(text.encode()).hexdigest(), "text": text,
                     "published": pub, "source_name": "bench", "source_url": None, "title": None})
    return pd.DataFrame(rows)


def run_benchmarks(res: runner.Resources, n_docs: int = 200) -> dict:
    articles = _corpus(n_docs)
    words = int(articles["text"].str.split().str.len().sum())
    raw = spacy.load(res.nlp_cfg.model)
    t0 = time.perf_counter()
    for _ in raw.pipe(articles["text"].tolist(), batch_size=res.nlp_cfg.batch_size):
        pass
    raw_s = time.perf_counter() - t0
    _ = (res.spacy, res.lexicons, res.gazetteer)  # build them outside the timed sections
    t0 = time.perf_counter()
    parsed = runner.parse(articles, res)
    nlp_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    coded = runner.code(articles, parsed.extra, res)
    located = runner.locate(coded.rows, res)
    merged = runner.merge_reports(located.rows, res)
    runner.validate_events(merged.rows, merged.extra["event_sources"], res)
    rest_s = time.perf_counter() - t0
    report = {
        "documents": n_docs,
        "words_per_doc": round(words / max(n_docs, 1)),
        "raw_spacy_docs_per_s": round(n_docs / raw_s, 2),
        "nlp_stage_docs_per_s": round(n_docs / nlp_s, 2),
        "full_pipeline_docs_per_s": round(n_docs / (nlp_s + rest_s), 2),
        "full_vs_raw_slowdown_pct": round(100 * ((nlp_s + rest_s) / raw_s - 1), 1),
        "coding_after_nlp_s": round(rest_s, 2),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    try:
        from .bench_geocode import bench as bench_geocode

        report["geocode"] = bench_geocode(res.paths.gazetteer)
    except ImportError:
        report["geocode"] = "pipeline.bench_geocode not available"
    return report
