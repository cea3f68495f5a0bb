"""`make bench`: speed and memory, measured (never asserted in tests).

- throughput, on the same documents, one process on each side (`nlp.n_process`, 1 by default, for both):
  * raw spaCy: `spacy.load(model).pipe(texts)`, the bare model, nothing done with the Docs;
  * our NLP stage: `runner.parse` (model + rule components + toponyms + the flat tables);
  * the full pipeline, as `build` runs it: ingest (reading the corpus from a JSONL file), the NLP stage, code
    (its Docs rebuilt from the token table, as the file-based `code` stage does), geocode, merge, validate,
    and writing the release (Parquet, manifest, changelog, codebook) to a temporary folder.
  The two sides alternate `repeats` times (3 by default). The ratio quoted is the median over the repeats of
  raw/full for the two runs made back to back: on a shared machine one run of either side varies by 10% or more,
  and pairing the two sides of one repeat cancels slow drift, where comparing each side's fastest run (also
  reported) does not. Stage times are from the fastest full run.
  Not timed: loading the model, dictionaries and gazetteer (once per process, for both sides), and the
  reading and writing of `data/interim/*.parquet` between the stage commands of `make build`.
  Both pipelines first parse one short warm-up text (not from the corpus), so neither pays spaCy's
  first-call set-up inside its timing; nothing else is shared or cached between the timed runs.
- the gazetteer: load time, memory, geocoder lookups per second (`pipeline.bench_geocode`).
Documents: the gold set and the bundled corpus, repeated to `n_docs`, each copy made distinct (its own
content hash), so no per-article cache is hit.
"""
from __future__ import annotations

import hashlib
import json
import resource
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd
import spacy

from . import runner

_WARM_UP = "Police said two people were killed on Monday."


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


def _write_corpus(articles: pd.DataFrame, path: Path) -> None:
    with path.open("w") as fh:
        for r in articles.itertuples(index=False):
            rec = {"id": r.doc_id, "text": r.text, "source": r.source_name}
            if r.published is not None:
                rec["published"] = r.published
            fh.write(json.dumps(rec) + "\n")


def _release(out: dict, articles: pd.DataFrame, ingest_result, res: runner.Resources, releases: Path) -> Path:
    """Write a release of `out` (build_events' tables) as `conflict-events release` does."""
    from . import release

    versions = res.versions()
    rejects = pd.concat([ingest_result.rejects, out["rejects"]], ignore_index=True)
    counts = {"ingest": ingest_result.stats}
    counts.update(out["stats"])
    counts = {k: {"in": v["in"], "out": v["out"], "rejected": v["rejected"]} for k, v in counts.items()}
    return release.write_release(
        releases, "v1.0.0", events=out["events"], event_sources=out["event_sources"], rejects=rejects,
        no_event=out["no_event"],
        manifest_fields=release.provenance_fields(
            versions, created_utc=pd.Timestamp.now(tz="UTC").isoformat(), stage_counts=counts,
            input_hashes=dict(zip(articles["doc_id"].astype(str), articles["input_sha256"].astype(str)))),
        qa_lines=out["warnings"], prev=None,
    )


def _timed_pipeline(corpus: Path, ingest_cfg, res: runner.Resources, releases: Path) -> tuple[dict, dict]:
    """One run of the full pipeline as `build` runs it; (seconds per stage, the release's tables)."""
    from .ingest import read_articles

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    ingested = read_articles([corpus], ingest_cfg)
    articles = ingested.rows
    timings["ingest"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    parsed = runner.parse(articles, res)
    timings["nlp"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    coded = runner.code(articles, parsed.extra, res)
    timings["code"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    located = runner.locate(coded.rows, res)
    timings["geocode"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    merged = runner.merge_reports(located.rows, res)
    timings["merge"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    valid = runner.validate_events(merged.rows, merged.extra["event_sources"], res)
    timings["validate"] = time.perf_counter() - t0
    out = {
        "events": valid.rows, "event_sources": valid.extra["event_sources"], "no_event": coded.extra["no_event"],
        "rejects": pd.concat([parsed.rejects, located.rejects, merged.rejects, valid.rejects], ignore_index=True),
        "stats": {"nlp": parsed.stats, "code": coded.stats, "geocode": located.stats, "merge": merged.stats,
                  "validate": valid.stats},
        "warnings": valid.stats.get("warnings", []),
    }
    t0 = time.perf_counter()
    _release(out, articles, ingested, res, releases)
    timings["release"] = time.perf_counter() - t0
    return timings, out


def run_benchmarks(res: runner.Resources, n_docs: int = 200, repeats: int = 3) -> dict:
    from .ingest import IngestConfig

    from . import config

    bench_articles = _corpus(n_docs)
    texts = bench_articles["text"].tolist()
    words = int(bench_articles["text"].str.split().str.len().sum())
    ingest_cfg = config.section(res.raw_config, "ingest", IngestConfig)
    with tempfile.TemporaryDirectory(prefix="conflict-bench-") as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        _write_corpus(bench_articles, corpus)

        raw = spacy.load(res.nlp_cfg.model)
        _ = (res.spacy, res.lexicons, res.gazetteer, res.geocoder)  # loaded once, outside the timed sections
        list(raw.pipe([_WARM_UP]))
        list(res.spacy.pipe([_WARM_UP]))

        raw_runs: list[float] = []
        runs: list[dict[str, float]] = []
        for _ in range(repeats):
            # raw spaCy and our pipeline alternate, so a slow spell of the machine hits both sides alike
            t0 = time.perf_counter()
            for _doc in raw.pipe(texts, batch_size=res.nlp_cfg.batch_size, n_process=res.nlp_cfg.n_process):
                pass
            raw_runs.append(time.perf_counter() - t0)
            timings, out = _timed_pipeline(corpus, ingest_cfg, res, Path(tmp) / f"releases-{len(runs)}")
            runs.append(timings)

    ratios = [r / sum(t.values()) for r, t in zip(raw_runs, runs)]
    # stage times from the fastest run of each side: the least disturbed by other work on the machine
    raw_s = min(raw_runs)
    timings = min(runs, key=lambda r: sum(r.values()))
    full_s = sum(timings.values())
    report = {
        "documents": n_docs,
        "processes": res.nlp_cfg.n_process,
        "words_per_doc": round(words / max(n_docs, 1)),
        "raw_spacy_docs_per_s": round(n_docs / raw_s, 2),
        "nlp_stage_docs_per_s": round(n_docs / timings["nlp"], 2),
        "full_pipeline_docs_per_s": round(n_docs / full_s, 2),
        # each repeat's ratio compares two runs made back to back; their median is the figure to quote
        "full_vs_raw_ratio": round(statistics.median(ratios), 3),
        "full_vs_raw_ratio_per_repeat": [round(x, 3) for x in ratios],
        "full_vs_raw_ratio_fastest_runs": round(raw_s / full_s, 3),
        "full_vs_raw_slowdown_pct": round(100 * (1 / statistics.median(ratios) - 1), 1),
        "repeats": repeats,
        "coding_after_nlp_s": round(full_s - timings["nlp"] - timings["ingest"], 2),
        "ms_per_doc": {"raw_spacy": round(1000 * raw_s / n_docs, 2),
                       **{k: round(1000 * v / n_docs, 2) for k, v in timings.items()}},
        "events": len(out["events"]),
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    try:
        from .bench_geocode import bench as bench_geocode

        report["geocode"] = bench_geocode(res.paths.gazetteer)
    except ImportError:
        report["geocode"] = "pipeline.bench_geocode not available"
    return report
