"""Measure toponym detection + resolution on the UCDP GED headlines dev set (shared/eval/README.md).

Each headline is one report: every place mention in it gets the role "event" (a dateline-style opening,
"Quetta: ...", keeps the role "dateline"). Scores follow the README's strata, never pooled:
  * country: all items;
  * admin1: items whose headline names the location, district or province (`meta.headline_names` set),
    accepting `admin1` or `admin1_current` (FATA -> Khyber Pakhtunkhwa);
  * admin2: items naming the location or district (names compared without UCDP's feature words);
  * location: items naming the location: our coordinates within 25 km of UCDP's;
  * on items naming no coded place, a town-level answer (precision 1) counts as an overconfident guess.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from .gazetteer import Gazetteer, haversine_km, normalize
from .geocode import GeocodeConfig, OfflineGeocoder, resolve_event_location
from .toponyms import find_toponyms

_FEATURE_WORDS = re.compile(r"\b(town|village|area|district|agency|tehsil|city|province|tribal)\b")


def _name(text: str | None) -> str:
    return " ".join(_FEATURE_WORDS.sub(" ", normalize(text or "")).split())


def evaluate_geocoding(jsonl_path, gazetteer: Gazetteer, nlp, cfg: GeocodeConfig | None = None) -> dict:
    """Run detection + resolution over the headlines in `jsonl_path`; per-stratum figures and failures."""
    cfg = cfg or GeocodeConfig()
    geocoder = OfflineGeocoder(gazetteer, country_bias=cfg.country_bias)
    items = [json.loads(line) for line in Path(jsonl_path).read_text(encoding="utf-8").splitlines() if line.strip()]
    strata = {k: {"n": 0, "correct": 0} for k in ("country", "admin1", "admin2", "location_25km")}
    overconfident = {"n": 0, "town_level": 0}
    failures = []
    for it in items:
        exp, meta = it["expected"], it.get("meta", {})
        doc = nlp(it["text"])
        mentions = [dict(m, role="dateline" if m["source"] == "dateline" else "event")
                    for m in find_toponyms(doc, gazetteer)]
        got = resolve_event_location(mentions, geocoder, gazetteer, cfg) or {}
        named = meta.get("headline_names")
        checks = {"country": got.get("country") == exp.get("country")}
        if named in ("location", "admin2", "admin1"):
            checks["admin1"] = _name(got.get("admin1")) in {_name(exp.get("admin1")), _name(exp.get("admin1_current"))}
        if named in ("location", "admin2"):
            checks["admin2"] = bool(got.get("admin2")) and _name(got.get("admin2")) == _name(exp.get("admin2"))
        if named == "location":
            ok = got.get("latitude") is not None and haversine_km(
                got["latitude"], got["longitude"], exp["latitude"], exp["longitude"]) <= 25.0
            checks["location_25km"] = ok
        if named is None:
            overconfident["n"] += 1
            overconfident["town_level"] += int(got.get("geo_precision") == 1)
        for k, ok in checks.items():
            key = k
            strata[key]["n"] += 1
            strata[key]["correct"] += int(ok)
        if not all(checks.values()):
            failures.append({
                "id": it["id"], "text": it["text"], "failed": [k for k, ok in checks.items() if not ok],
                "expected": {k: exp.get(k) for k in ("country", "admin1", "admin1_current", "admin2", "location")},
                "got": {k: got.get(k) for k in ("country", "admin1", "admin2", "location", "geo_precision",
                                                "geo_note")},
                "mentions": [(m["text"], m["source"], m["cue"]) for m in mentions],
            })
    for v in strata.values():
        v["accuracy"] = round(v["correct"] / v["n"], 4) if v["n"] else None
    return {
        "items": len(items),
        "config": {"country_bias": list(cfg.country_bias), "default_country": cfg.default_country},
        "gazetteer_version": gazetteer.version,
        **strata,
        "no_coded_place_named": overconfident,
        "failures": failures,
    }
