"""Command line: `conflict-events` == `python -m pipeline`.

The only module that touches files and the environment. Every command builds its collaborators, calls one
pure stage function (through `pipeline.runner`) and writes its outputs atomically; a `PipelineError` becomes
one clear message and a non-zero exit.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import hashlib
import json
import os
import re
import sys
import time
from pathlib import Path

import click
import pandas as pd

from . import __version__, config, runner
from .errors import E_TABLE_MISSING, PipelineError

INTERIM_FILES = {
    "articles": "articles.parquet",
    "tokens": "nlp/tokens.parquet",
    "entities": "nlp/entities.parquet",
    "toponyms": "nlp/toponyms.parquet",
    "reports": "reports.parquet",
    "no_event": "no_event.parquet",
    "geocoded": "geocoded.parquet",
    "events": "merged/events.parquet",
    "event_sources": "merged/event_sources.parquet",
    "valid_events": "validated/events.parquet",
    "valid_sources": "validated/event_sources.parquet",
}


def _handle_errors(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except PipelineError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


def _common(fn):
    fn = click.option("--data-dir", default="data", show_default=True, type=click.Path(path_type=Path),
                      help="Folder holding interim/, external/ and releases/.")(fn)
    fn = click.option("--config", "config_path", default=None, type=click.Path(path_type=Path),
                      help="TOML settings file (default: ./config.toml if present).")(fn)
    fn = click.option("--set", "overrides", multiple=True, metavar="SECTION.KEY=VALUE",
                      help="Override one setting, e.g. --set geocode.min_delay_s=2 (repeatable).")(fn)
    return fn


def _resources(data_dir: Path, config_path, overrides) -> runner.Resources:
    raw = config.load(config_path, overrides)
    return runner.Resources(raw, runner.Paths(Path(data_dir)))


def _path(data_dir: Path, key: str) -> Path:
    return Path(data_dir) / "interim" / INTERIM_FILES[key]


def _read(data_dir: Path, key: str, hint: str) -> pd.DataFrame:
    p = _path(data_dir, key)
    if not p.exists():
        raise PipelineError(E_TABLE_MISSING, f"{p} is missing; run `{hint}` first")
    return pd.read_parquet(p)


def _write(frame: pd.DataFrame, path: Path) -> None:
    """Write-then-rename so a crash never leaves a half-written table behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _write_stage(data_dir: Path, stage: str, result, extra_tables: dict | None = None) -> None:
    interim = Path(data_dir) / "interim"
    _write(result.rejects, interim / f"{stage}.rejects.parquet")
    for key, frame in (extra_tables or {}).items():
        _write(frame, _path(data_dir, key))
    stats = {k: v for k, v in result.stats.items()}
    (interim / f"{stage}.stats.json").write_text(json.dumps(stats, indent=2, sort_keys=True, default=str))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="conflict-events")
def main():
    """Build an ACLED/GTD-style dataset of political-violence events from news articles."""


# --- the main job ------------------------------------------------------------------------------------

@main.command()
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@click.option("--version", "version", default=None, help="Release name (default: next vX.Y.0).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Run the NLP stage in this process pool or on a Dask cluster.")
@click.option("--workers", type=int, default=1, show_default=True, help="Processes for the NLP stage.")
@_common
@_handle_errors
def build(inputs, version, engine, workers, data_dir, config_path, overrides):
    """Run every stage on INPUT files/folders/globs (default data/raw) and write a release."""
    overrides = list(overrides) + [f"nlp.n_process={workers}"] if workers > 1 and engine == "local" else overrides
    inputs = list(inputs) or ["data/raw"]
    started = time.time()
    ctx = click.get_current_context()
    ctx.invoke(ingest_cmd, inputs=inputs, data_dir=data_dir, config_path=config_path, overrides=overrides)
    ctx.invoke(nlp_cmd, engine=engine, workers=workers, data_dir=data_dir, config_path=config_path,
               overrides=overrides)
    for cmd in (code_cmd, geocode_cmd, merge_cmd, validate_cmd):
        ctx.invoke(cmd, data_dir=data_dir, config_path=config_path, overrides=overrides)
    ctx.invoke(release_cmd, version=version, data_dir=data_dir, config_path=config_path, overrides=overrides)
    click.echo(f"build finished in {time.time() - started:.1f}s")


# --- stage commands ----------------------------------------------------------------------------------

@main.command("ingest")
@click.argument("inputs", nargs=-1, type=click.Path(path_type=Path))
@_common
@_handle_errors
def ingest_cmd(inputs, data_dir, config_path, overrides):
    """Read articles (txt, md, html, jsonl, csv, parquet) into data/interim/articles.parquet."""
    from . import ingest

    raw = config.load(config_path, overrides)
    cfg = config.section(raw, "ingest", ingest.IngestConfig)
    result = ingest.read_articles(list(inputs) or ["data/raw"], cfg)
    _write_stage(data_dir, "ingest", result, {"articles": result.rows})
    click.echo(f"ingest: {result.stats['out']} articles, {result.stats['rejected']} rejected")


@main.command("nlp")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True)
@click.option("--workers", type=int, default=1, show_default=True)
@_common
@_handle_errors
def nlp_cmd(engine, workers, data_dir, config_path, overrides):
    """Parse new articles with spaCy (cached per article content hash)."""
    res = _resources(data_dir, config_path, overrides)
    articles = _read(data_dir, "articles", "conflict-events ingest")
    stamp = Path(data_dir) / "interim" / "nlp" / "fingerprint.txt"
    fingerprint = res.nlp_fingerprint()
    cached = None
    if stamp.exists() and stamp.read_text().strip() == fingerprint:
        cached = {k: pd.read_parquet(_path(data_dir, k)) for k in ("tokens", "entities", "toponyms")
                  if _path(data_dir, k).exists()}
    if engine == "dask":
        from .distributed import parse_with_dask

        result = parse_with_dask(articles, res, workers=workers, cached=cached)
    else:
        result = runner.parse(articles, res, cached=cached)
    _write_stage(data_dir, "nlp", result, {k: result.extra[k] for k in ("tokens", "entities", "toponyms")})
    stamp.write_text(fingerprint + "\n")
    click.echo(f"nlp: parsed {result.stats['parsed_now']} new, reused {result.stats['reused_from_cache']} "
               f"({res.model_version})")


@main.command("code")
@_common
@_handle_errors
def code_cmd(data_dir, config_path, overrides):
    """Extract event reports and code them (types, actors, claim, casualties, date)."""
    res = _resources(data_dir, config_path, overrides)
    articles = _read(data_dir, "articles", "conflict-events ingest")
    tables = {k: _read(data_dir, k, "conflict-events nlp") for k in ("tokens", "entities", "toponyms")}
    result = runner.code(articles, tables, res)
    _write_stage(data_dir, "code", result, {"reports": result.rows, "no_event": result.extra["no_event"]})
    click.echo(f"code: {len(result.rows)} reports, {len(result.extra['no_event'])} articles with no event")


@main.command("geocode")
@_common
@_handle_errors
def geocode_cmd(data_dir, config_path, overrides):
    """Resolve each report's place against the offline GeoNames gazetteer; name the actors."""
    res = _resources(data_dir, config_path, overrides)
    reports = _read(data_dir, "reports", "conflict-events code")
    result = runner.locate(reports, res)
    _write_stage(data_dir, "geocode", result, {"geocoded": result.rows})
    click.echo(f"geocode: {result.stats['out']} located, {result.stats['rejected']} rejected")


@main.command("merge")
@_common
@_handle_errors
def merge_cmd(data_dir, config_path, overrides):
    """Merge reports of the same incident into events; keep event ids stable across releases."""
    from .release import load_release

    res = _resources(data_dir, config_path, overrides)
    reports = _read(data_dir, "geocoded", "conflict-events geocode")
    previous = load_release(Path(data_dir) / "releases")
    result = runner.merge_reports(reports, res, previous["event_sources"] if previous else None)
    _write_stage(data_dir, "merge", result, {"events": result.rows, "event_sources": result.extra["event_sources"]})
    click.echo(f"merge: {result.stats['in']} reports -> {len(result.rows)} events")


@main.command("validate")
@_common
@_handle_errors
def validate_cmd(data_dir, config_path, overrides):
    """Validate events against the pandera schemas; failing rows go to rejects with the failed check."""
    res = _resources(data_dir, config_path, overrides)
    events = _read(data_dir, "events", "conflict-events merge")
    sources = _read(data_dir, "event_sources", "conflict-events merge")
    result = runner.validate_events(events, sources, res)
    _write_stage(data_dir, "validate", result,
                 {"valid_events": result.rows, "valid_sources": result.extra["event_sources"]})
    qa = Path(data_dir) / "interim" / "qa.md"
    lines = ["# QA warnings", ""] + [f"- {w}" for w in result.stats.get("warnings", [])]
    qa.write_text("\n".join(lines) + "\n")
    click.echo(f"validate: {len(result.rows)} valid events, {result.stats['rejected']} rejected")


@main.command("release")
@click.option("--version", "version", default=None, help="Release name (default: next vX.Y.0).")
@_common
@_handle_errors
def release_cmd(version, data_dir, config_path, overrides):
    """Write an immutable release folder from the validated tables and update releases/LATEST."""
    from . import release

    res = _resources(data_dir, config_path, overrides)
    interim = Path(data_dir) / "interim"
    releases = Path(data_dir) / "releases"
    articles = _read(data_dir, "articles", "conflict-events ingest")
    events = _read(data_dir, "valid_events", "conflict-events validate")
    sources = _read(data_dir, "valid_sources", "conflict-events validate")
    no_event = _read(data_dir, "no_event", "conflict-events code")
    stages = ["ingest", "nlp", "code", "geocode", "merge", "validate"]
    rejects = pd.concat([pd.read_parquet(interim / f"{s}.rejects.parquet") for s in stages
                         if (interim / f"{s}.rejects.parquet").exists()], ignore_index=True)
    counts = {}
    for s in stages:
        if (interim / f"{s}.stats.json").exists():
            st = json.loads((interim / f"{s}.stats.json").read_text())
            counts[s] = {"in": st["in"], "out": st["out"], "rejected": st["rejected"]}
    versions = res.versions()
    input_hashes = dict(zip(articles["doc_id"].astype(str), articles["input_sha256"].astype(str)))
    fingerprint = hashlib.sha256(json.dumps(
        {"inputs": input_hashes, "versions": {k: v for k, v in versions.items() if k != "git_sha"}},
        sort_keys=True, default=str).encode()).hexdigest()[:16]
    previous_manifest = release.load_manifest(releases)
    if version is None and previous_manifest and previous_manifest.get("build_fingerprint") == fingerprint:
        (releases / "LATEST").touch()  # tell make the release is up to date
        click.echo(f"release: unchanged inputs, code and config; {releases / previous_manifest['version']} is current")
        return
    existing = [p.name for p in releases.iterdir() if p.is_dir()] if releases.exists() else []
    version = version or release.next_version(existing)
    qa_path = interim / "qa.md"
    qa_lines = [ln[2:] for ln in qa_path.read_text().splitlines() if ln.startswith("- ")] if qa_path.exists() else []
    epoch = os.environ.get("SOURCE_DATE_EPOCH")  # reproducible builds may pin the creation time
    created = (pd.Timestamp(int(epoch), unit="s", tz="UTC") if epoch else pd.Timestamp.now(tz="UTC")).isoformat()
    out = release.write_release(
        releases, version, events=events, event_sources=sources, rejects=rejects, no_event=no_event,
        manifest_fields=release.provenance_fields(versions, created_utc=created, input_hashes=input_hashes,
                                                  stage_counts=counts, build_fingerprint=fingerprint),
        qa_lines=qa_lines, prev=release.load_release(releases),
    )
    click.echo(f"release: {len(events)} events written to {out}")


# --- resources ---------------------------------------------------------------------------------------

@main.command("gazetteer")
@click.option("--out", "out_dir", default="data/external/gazetteer", type=click.Path(path_type=Path),
              show_default=True)
@click.option("--aliases", default="data/dictionaries/place_aliases.csv", type=click.Path(path_type=Path),
              show_default=True)
@_handle_errors
def gazetteer_cmd(out_dir, aliases):
    """Build the offline GeoNames gazetteer from registry packages (plus our alias table)."""
    from .gazetteer import build as build_gazetteer

    started = time.time()
    manifest = build_gazetteer(Path(out_dir), Path(aliases))
    click.echo(f"gazetteer {manifest.get('version')} built in {out_dir} in {time.time() - started:.1f}s")


# --- evaluation and reporting -----------------------------------------------------------------------------

@main.command("evaluate")
@click.option("--gold", "gold_paths", multiple=True, required=True, type=click.Path(exists=True, path_type=Path),
              help="Gold JSONL file (repeatable): project gold or the UCDP dev set.")
@click.option("--report", "report_path", default=None, type=click.Path(path_type=Path),
              help="Write the JSON report here (default: data/interim/evaluation/<name>.json).")
@click.option("--floors", "floors_path", default=None, type=click.Path(exists=True, path_type=Path),
              help="JSON floors; exit non-zero if a figure falls below its floor.")
@_common
@_handle_errors
def evaluate_cmd(gold_paths, report_path, floors_path, data_dir, config_path, overrides):
    """Score the coder against hand-annotated articles: per-field accuracy and event detection P/R."""
    from . import evaluate

    res = _resources(data_dir, config_path, overrides)
    records = []
    for p in gold_paths:
        records.extend(evaluate.load_gold(p))
    all_ucdp = bool(records) and all(evaluate.is_ucdp_record(r) for r in records)
    score = evaluate.evaluate_ucdp if all_ucdp else evaluate.evaluate
    report = score(records, predictor(res), canonical_actor=canonical_actor(res), admin1_ids=admin1_ids(res))
    click.echo(evaluate.format_report(report))
    name = "+".join(p.stem for p in gold_paths)
    out = report_path or Path(data_dir) / "interim" / "evaluation" / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, sort_keys=True, default=str))
    click.echo(f"report written to {out}")
    if floors_path:
        failures = evaluate.check_floors(report, json.loads(Path(floors_path).read_text()))
        if failures:
            raise click.ClickException("below floor: " + "; ".join(failures))


def predictor(res: runner.Resources):
    """Gold records -> predicted event rows (one doc per event here: nothing is merged across records)."""

    def predict(articles: pd.DataFrame) -> pd.DataFrame:
        frame = articles.copy()
        frame["article_id"] = frame["doc_id"].map(lambda d: hashlib.sha256(str(d).encode()).hexdigest())
        for col in ("source_url", "title", "source_name"):
            if col not in frame:
                frame[col] = None
        # Gold records are separate articles: never merge them with one another.
        res.merge_cfg = dataclasses.replace(res.merge_cfg, min_score_dated=math.inf, min_score_undated=math.inf)
        out = runner.build_events(frame, res)
        events, sources = out["events"], out["event_sources"]
        if events.empty:
            return pd.DataFrame(columns=["doc_id"])
        first_doc = sources.groupby("event_id_cnty")["doc_id"].first()
        events = events.copy()
        events["doc_id"] = events["event_id_cnty"].map(first_doc)
        events["event_date"] = pd.to_datetime(events["event_date"]).dt.strftime("%Y-%m-%d")
        return events

    return predict


def admin1_ids(res: runner.Resources):
    """(province name, country name) -> the gazetteer ids that name resolves to: spellings of one province
    ("Nangarhar"/"Nangarhor", "Deir ez-Zor"/"Dayr az Zawr") score as the same province."""
    gaz = res.gazetteer
    iso_of: dict[str, str | None] = {}

    def ids(name: str, country: str | None) -> frozenset:
        if country and country not in iso_of:
            found = gaz.candidates(str(country), features=["country"])
            iso_of[country] = found[0].country_iso2 if found else None
        iso = iso_of.get(country) if country else None
        codes = [iso] if iso else None
        ids = frozenset(p.place_id for p in gaz.candidates(str(name), country_codes=codes, features=["admin1"]))
        if ids:
            return ids
        # "Belgorod Oblast", "Odessa": a province called by its capital's name
        bare = re.sub(r"\s+(oblast|region|province|governorate|department|state)$", "", str(name), flags=re.I)
        ids = frozenset(p.place_id for p in gaz.candidates(bare, country_codes=codes, features=["admin1"]))
        return ids or frozenset(p.admin1_id for p in gaz.candidates(bare, country_codes=codes, features=["city"])
                                if p.admin1_id is not None)

    return ids


def canonical_actor(res: runner.Resources):
    from .nlp import actor_aliases_from

    aliases = {}
    for alias, name in actor_aliases_from(res.dictionaries["actors"]):
        aliases.setdefault(alias.casefold(), name)
    # for scoring only: a name's own acronym ("People's Defense Force (PDF)" -> "PDF"), which the matcher
    # does not use when it is too ambiguous in running text
    for name in set(aliases.values()):
        m = re.search(r"\(([A-Z][A-Za-z-]{1,9})\)$", name)
        if m:
            aliases.setdefault(m.group(1).casefold(), name)

    def canon(name: str | None) -> str | None:
        if name is None:
            return None
        key = str(name).strip().casefold()
        return aliases.get(key, str(name).strip())

    return canon


@main.command("bench")
@click.option("--docs", default=200, show_default=True, help="Documents for the throughput benchmark.")
@click.option("--repeats", default=3, show_default=True,
              help="Alternating runs of raw spaCy and the pipeline; the fastest of each is reported.")
@_common
@_handle_errors
def bench_cmd(docs, repeats, data_dir, config_path, overrides):
    """Measure throughput (docs/s, raw spaCy vs full pipeline), gazetteer load time, memory, lookups/s."""
    from .bench import run_benchmarks

    res = _resources(data_dir, config_path, overrides)
    report = run_benchmarks(res, n_docs=docs, repeats=repeats)
    click.echo(json.dumps(report, indent=2, sort_keys=True))
    out = Path(data_dir) / "interim" / "bench.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, sort_keys=True))


@main.command("report")
@click.option("--version", "version", default=None, help="Release to describe (default: LATEST).")
@click.option("--data-dir", default="data", show_default=True, type=click.Path(path_type=Path))
@_handle_errors
def report_cmd(version, data_dir):
    """Summarise a release: events by country, type and perpetrator; fatalities; rejects by reason."""
    from .release import load_manifest, load_release

    rel = load_release(Path(data_dir) / "releases", version)
    if rel is None:
        raise PipelineError(E_TABLE_MISSING, "no release found; run `make build` first")
    manifest = load_manifest(Path(data_dir) / "releases", version)
    ev = rel["events"]
    click.echo(f"release {manifest['version']}: {len(ev)} events, {int(ev['fatalities'].sum()) if len(ev) else 0} "
               "fatalities; documents: " + ", ".join(f"{k} {v}" for k, v in manifest["documents"].items()))
    for col in ("country", "event_type", "perpetrator"):
        if len(ev):
            click.echo(f"\nby {col}:\n" + ev[col].fillna("(none)").value_counts().to_string())
    rej = rel["rejects"]
    if len(rej):
        click.echo("\nrejects by reason:\n" + rej["reason"].value_counts().to_string())


@main.command("diff")
@click.argument("old")
@click.argument("new")
@click.option("--data-dir", default="data", show_default=True, type=click.Path(path_type=Path))
@_handle_errors
def diff_cmd(old, new, data_dir):
    """Show events added, removed and changed between two releases."""
    from .release import changelog, load_release

    releases = Path(data_dir) / "releases"
    a, b = load_release(releases, old), load_release(releases, new)
    if a is None or b is None:
        raise PipelineError(E_TABLE_MISSING, f"release {old if a is None else new} not found in {releases}")
    click.echo(changelog(a["events"], a["event_sources"], b["events"], b["event_sources"], new, old))


@main.command("export")
@click.option("--version", "version", default=None, help="Release to export (default: LATEST).")
@click.option("--format", "fmt", type=click.Choice(["csv", "acled-csv", "jsonl"]), default="csv", show_default=True)
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path))
@click.option("--data-dir", default="data", show_default=True, type=click.Path(path_type=Path))
@_handle_errors
def export_cmd(version, fmt, out_path, data_dir):
    """Export a release's events as CSV (all columns), ACLED-only CSV, or JSON lines."""
    from .release import load_release

    rel = load_release(Path(data_dir) / "releases", version)
    if rel is None:
        raise PipelineError(E_TABLE_MISSING, "no release found; run `make build` first")
    ev = rel["events"].copy()
    if fmt == "acled-csv":
        ev = ev[[c for c in ACLED_COLUMNS if c in ev.columns]]
        ev["event_date"] = pd.to_datetime(ev["event_date"]).dt.strftime("%Y-%m-%d")
    if fmt == "jsonl":
        ev.to_json(out_path, orient="records", lines=True, date_format="iso")
    else:
        ev.to_csv(out_path, index=False)
    click.echo(f"{len(ev)} events written to {out_path}")


ACLED_COLUMNS = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
    "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision",
    "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
]


if __name__ == "__main__":
    sys.exit(main())
