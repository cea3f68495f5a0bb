"""Composition of the stages: what `build`, `evaluate` and the stage commands share.

`Resources` holds the expensive collaborators (spaCy pipeline, lexicons, gazetteer, geocoder), built once.
Each function here calls one stage's pure `run`; only `pipeline.__main__` reads and writes files.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from . import __version__
from . import code_events, config, geocode, merge, nlp, validate
from .errors import E_GAZETTEER_MISSING, PipelineError, RejectReason
from .stage import StageResult, make_rejects, reject

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Paths:
    data_dir: Path

    @property
    def dictionaries(self) -> Path:
        own = self.data_dir / "dictionaries"
        return own if (own / "actors.csv").exists() else REPO_ROOT / "data" / "dictionaries"

    @property
    def gazetteer(self) -> Path:
        own = self.data_dir / "external" / "gazetteer"
        shared = REPO_ROOT / "data" / "external" / "gazetteer"
        return own if (own / "manifest.json").exists() or not (shared / "manifest.json").exists() else shared

    @property
    def interim(self) -> Path:
        return self.data_dir / "interim"

    @property
    def releases(self) -> Path:
        return self.data_dir / "releases"


class Resources:
    """Lazily built collaborators; a stage command builds only what it needs."""

    def __init__(self, raw_config: dict, paths: Paths):
        self.raw_config = raw_config
        self.paths = paths
        self.nlp_cfg = config.section(raw_config, "nlp", nlp.NlpConfig)
        self.code_cfg = config.section(raw_config, "code", code_events.CodeConfig)
        self.geocode_cfg = config.section(raw_config, "geocode", geocode.GeocodeConfig)
        self.merge_cfg = config.section(raw_config, "merge", merge.MergeConfig)
        self.validate_cfg = config.section(raw_config, "validate", validate.ValidateConfig)

    @cached_property
    def dictionaries(self) -> dict[str, pd.DataFrame]:
        from schemas.dictionaries import load_dictionaries

        return load_dictionaries(self.paths.dictionaries)

    @cached_property
    def dictionaries_version(self) -> str:
        from schemas.dictionaries import dictionaries_version

        return dictionaries_version(self.paths.dictionaries)

    @cached_property
    def spacy(self):
        return nlp.load_pipeline(self.nlp_cfg, nlp.actor_aliases_from(self.dictionaries["actors"]))

    @cached_property
    def model_version(self) -> str:
        return nlp.model_version(self.spacy)

    @cached_property
    def lexicons(self):
        from .lexicons import build_lexicons

        return build_lexicons(self.spacy, self.dictionaries, self.dictionaries_version)

    @cached_property
    def gazetteer(self):
        from .gazetteer import Gazetteer

        path = self.paths.gazetteer
        if not (path / "manifest.json").exists():
            raise PipelineError(E_GAZETTEER_MISSING,
                                f"gazetteer not built in {path}; run `make gazetteer` (or `conflict-events gazetteer`)")
        return Gazetteer.load(path)

    @cached_property
    def geocoder(self):
        return geocode.make_geocoder(self.geocode_cfg, self.gazetteer)

    @property
    def config_hash(self) -> str:
        return config.config_hash(self.raw_config)

    def nlp_fingerprint(self) -> str:
        return nlp.fingerprint(self.model_version, self.dictionaries_version, self.gazetteer.version)

    def versions(self) -> dict:
        return {
            "package_version": __version__,
            "git_sha": git_sha(),
            "model": self.model_version,
            "gazetteer_version": self.gazetteer.version,
            "dictionaries_version": self.dictionaries_version,
            "config_hash": self.config_hash,
            "stage_versions": {
                "nlp": nlp.STAGE_VERSION, "code": code_events.STAGE_VERSION, "geocode": geocode.STAGE_VERSION,
                "merge": merge.STAGE_VERSION, "validate": validate.STAGE_VERSION,
            },
        }


def git_sha() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                             text=True, timeout=5)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


# --- one function per stage ----------------------------------------------------------------------

def parse(articles: pd.DataFrame, res: Resources, cached: dict | None = None) -> StageResult:
    from .toponyms import find_toponyms

    gaz = res.gazetteer
    return nlp.run(articles, res.nlp_cfg, nlp=res.spacy, find_toponyms=lambda doc: find_toponyms(doc, gaz),
                   cached=cached)


def code(articles: pd.DataFrame, tables: dict[str, pd.DataFrame], res: Resources) -> StageResult:
    return code_events.run(articles, tables["tokens"], tables["entities"], tables["toponyms"], res.code_cfg,
                           lex=res.lexicons, vocab=res.spacy.vocab)


def locate(reports: pd.DataFrame, res: Resources) -> StageResult:
    """Geocode, then name the actors (their names depend on the country: Civilians (Pakistan)).

    A report placed only in a country (null coordinates) is kept as a country-level event when
    `geocode.country_only = "keep"` (GTD's specificity 5), or rejected as `geocode_country_only` with "reject"
    (ACLED's practice). A report without even a country was already rejected by the geocoder.
    """
    result = geocode.run(reports, res.geocode_cfg, geocoder=res.geocoder, gazetteer=res.gazetteer)
    rows = result.rows
    country_level = rows["latitude"].isna()
    vague_rejects = make_rejects([])
    if res.geocode_cfg.country_only == "reject":
        vague_rejects = make_rejects([
            reject(r["report_id"], r["doc_id"], "geocode", RejectReason.GEOCODE_COUNTRY_ONLY,
                   f"placed only in {r['country']}: not codable at ACLED's precision (geocode.country_only = reject)",
                   r["evidence_text"])
            for r in rows[country_level].to_dict("records")
        ])
        rows = rows[~country_level].reset_index(drop=True)
    named = code_events.name_actors(rows, res.lexicons)
    rejects = pd.concat([result.rejects, vague_rejects], ignore_index=True)
    stats = {**result.stats, "out": len(named), "rejected": len(rejects), "country_only": int(country_level.sum())}
    return StageResult(rows=named, rejects=rejects, stats=stats, extra=result.extra)


def merge_reports(reports: pd.DataFrame, res: Resources, previous_sources=None) -> StageResult:
    return merge.run(reports, res.merge_cfg, previous_sources=previous_sources)


def validate_events(events: pd.DataFrame, sources: pd.DataFrame, res: Resources) -> StageResult:
    from .geocode import point_in_admin1

    gaz = res.gazetteer

    def check(lat, lon, admin1, iso):
        return point_in_admin1(lat, lon, admin1, iso, gaz)

    return validate.run(events, sources, res.validate_cfg, point_in_admin1=check)


def build_events(articles: pd.DataFrame, res: Resources, previous_sources=None) -> dict:
    """Every stage after ingest, in memory: the tables a release is made of, plus per-stage stats."""
    parsed = parse(articles, res)
    coded = code(articles, parsed.extra, res)
    located = locate(coded.rows, res)
    merged = merge_reports(located.rows, res, previous_sources)
    valid = validate_events(merged.rows, merged.extra["event_sources"], res)
    rejects = pd.concat([parsed.rejects, located.rejects, merged.rejects, valid.rejects], ignore_index=True)
    return {
        "events": valid.rows,
        "event_sources": valid.extra["event_sources"],
        "rejects": rejects,
        "no_event": coded.extra["no_event"],
        "reports": located.rows,
        "stats": {"nlp": parsed.stats, "code": coded.stats, "geocode": located.stats, "merge": merged.stats,
                  "validate": valid.stats},
        "warnings": valid.stats.get("warnings", []),
    }
