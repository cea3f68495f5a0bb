"""Scoring: compare predicted events with hand-coded gold events.

Pure logic. Nothing here runs the pipeline: the caller injects `predict(articles) -> events`, a function
that takes a frame of articles (`doc_id`, `text`, `published`, `source_name`, `title`) and returns event
rows in the release's column names plus `doc_id`. The caller also injects `canonical_actor(name)`,
usually built from `data/dictionaries/actors.csv`. The only file this module reads is the gold file
(`load_gold`); it writes nothing.

Two gold formats:

* the project's own gold (`tests/gold/*.jsonl`, see `tests/gold/GUIDELINES.md`): one article a line with
  `expected_events` (a list, `[]` = no event) or DESIGN.md's single `expected`. `evaluate` aligns the
  predicted events of each article with its gold events and reports detection precision/recall/F1 and
  per-field accuracy over the aligned pairs.
* the UCDP GED development set (`/work/shared/eval`, records with id `ucdp:...` or a `meta` object):
  headlines only, so `evaluate_ucdp` scores each field only on the items whose headline supports it, by
  stratum, never pooled (see that set's README, "How to score against it").

`evaluate_file` reads a gold file and picks the right scorer; `format_report` renders a report for the
terminal; `check_floors` lists the figures below their floors (for CI).

Conventions of the project gold (GUIDELINES.md: "leave a key out only when the rule says null"):
a field is scored for a file when any gold event of the file has it, and a gold event without that key
expects null. Derived figures replace some raw keys: `claimed` is scored as `claim_status` (tri-state,
null == null is correct), `fatalities` as `fatalities_exact` and `fatalities_in_range`, `latitude` and
`longitude` as `location_25km`, and `admin1_current` is an accepted alternative for `admin1`.
"""
from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import E_GOLD, E_SCHEMA, PipelineError

ARTICLE_COLUMNS = ["doc_id", "text", "published", "source_name", "title"]

ACTOR_FIELDS = frozenset({"actor1", "actor2", "perpetrator", "claimed_by"})
DATE_FIELDS = frozenset({"event_date", "published"})
INT_FIELDS = frozenset({
    "time_precision", "geo_precision", "fatalities", "fatalities_low", "fatalities_high", "wounded",
    "inter1", "inter2", "interaction", "year", "iso", "n_sources",
})
BOOL_FIELDS = frozenset({"claimed", "perpetrator_suspected"})
PLACE_FIELDS = frozenset({"admin2", "admin3"})  # names compared with the place fold
# Keys of a gold event that are annotations about the coding, not coded values.
NON_FIELDS = frozenset({"notes", "note", "comment", "comments", "evidence", "id", "doc_id", "annotator"})

# Report order for the usual fields; anything else follows alphabetically.
FIELD_ORDER = [
    "event_date", "time_precision", "country", "iso", "admin1", "admin2", "admin3", "location",
    "location_25km", "geo_precision", "event_type", "sub_event_type", "disorder_type", "actor1", "actor2",
    "perpetrator", "perpetrator_suspected", "claim_status", "claimed_by", "claim_mode", "target_type",
    "attack_type", "fatalities_exact", "fatalities_in_range", "fatalities_low", "fatalities_high", "wounded",
]

LOCATION_RADIUS_KM = 25.0
MAX_ERRORS = 200
MIN_SIMILARITY = 0.2  # an aligned pair needs at least this similarity; below it: one fp and one fn

# Words that say what kind of place a name is, dropped before names are compared
# ("Mir Ali town" == "Mir Ali", "Kurram agency" == "Kurram", "Quetta District" == "Quetta").
FEATURE_WORDS = frozenset({
    "district", "districts", "town", "city", "village", "area", "agency", "tehsil", "province", "region",
    "county", "municipality", "subdistrict", "governorate", "prefecture", "oblast", "state", "division",
    "department", "departamento",
})

# Country names that pycountry does not resolve (or resolves wrongly) -> ISO 3166-1 alpha-3.
COUNTRY_ALIASES = {
    "dr congo": "COD", "drc": "COD", "democratic republic of congo": "COD",
    "democratic republic of the congo": "COD", "congo-kinshasa": "COD", "congo kinshasa": "COD",
    "republic of congo": "COG", "republic of the congo": "COG", "congo-brazzaville": "COG",
    "congo brazzaville": "COG", "ivory coast": "CIV", "cote d'ivoire": "CIV", "turkey": "TUR",
    "burma": "MMR", "cape verde": "CPV", "kosovo": "XKX", "palestine": "PSE", "swaziland": "SWZ",
    "east timor": "TLS", "macedonia": "MKD", "north macedonia": "MKD", "russia": "RUS",
    "syria": "SYR", "iran": "IRN", "laos": "LAO", "vietnam": "VNM", "south korea": "KOR",
    "north korea": "PRK", "us": "USA", "usa": "USA", "united states of america": "USA", "uk": "GBR",
    "britain": "GBR", "great britain": "GBR", "vatican": "VAT", "eswatini": "SWZ", "czechia": "CZE",
    "gaza": "PSE", "west bank": "PSE", "bosnia": "BIH", "micronesia": "FSM", "the gambia": "GMB",
}

# UCDP: coordinate threshold by `geo_precision_ucdp` (1 exact place: a few km; 2 within about 25 km of a
# named place; 3 only the district known: a district's radius). The dev set's README fixes the idea,
# these numbers are ours.
UCDP_COORD_THRESHOLD_KM = {1: 5.0, 2: 25.0, 3: 50.0}
UCDP_PLACE_STRATA = {
    "admin1": frozenset({"location", "admin2", "admin1"}),
    "admin2": frozenset({"location", "admin2"}),
    "location": frozenset({"location"}),
}
# UCDP dyad sides are not ACLED actors. Predicted actors (after `canonical_actor` and dropping ACLED's
# period suffix) are mapped to UCDP's side names by the first pattern that matches; state forces become
# the government. Anything unmatched is compared as it is (case-folded). A soft metric: see README.
UCDP_SIDE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(ttp|tehr[ei]+k[- ]?[ei]?[- ]?taliban[- ]?(e[- ])?pakistan|pakistani taliban)\b"), "TTP"),
    (re.compile(r"\b(uba|united baloch army)\b"), "UBA"),
    (re.compile(r"\b(bras|bla|blf|bra|baloch (raaji|liberation|republican)|balochistan liberation)\b"), "BRAS"),
    (re.compile(r"\b(lej|lashkar[- ]?e[- ]?jhangvi)\b"), "LeJ"),
    (re.compile(r"\b(is|isis|isil|iskp|is-?k|islamic state|daesh)\b"), "IS"),
    (re.compile(r"\b(al[- ]?qa'?[ei]?da|aqis)\b"), "al-Qaida"),
    (re.compile(r"\b(taliban|taleban)\b"), "Taleban"),
    (re.compile(r"^civilians\b"), "Civilians"),
]
_UCDP_GOVERNMENT = re.compile(
    r"^(?:(?:military|police|armed|security|government)(?: forces)?|government) of (?:the )?(?P<c>.+)$"
)
_UCDP_COUNTRY_NAMES = {"USA": "United States of America"}

_PERIOD_SUFFIX = re.compile(r"\s*\(\s*\d{4}\s*-\s*(?:\d{4})?\s*\).*$")
_ACRONYM_PREFIX = re.compile(r"^([A-Za-z0-9-]{2,10}):\s+\S")


# ----------------------------------------------------------------------------------------------- gold


def load_gold(path: str | Path) -> list[dict]:
    """Read a gold JSONL file; each record gets `expected_events` (a list) whichever form it used.

    Raises `PipelineError(E009)` naming the line of the first malformed record.
    """
    p = Path(path)
    if not p.is_file():
        raise PipelineError(E_GOLD, f"gold file {p} not found")
    records: list[dict] = []
    seen: dict[str, int] = {}
    with p.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise PipelineError(E_GOLD, f"{p} line {n}: not valid JSON ({exc.msg})") from None
            rec = _validate_record(raw, where=f"{p} line {n}")
            if rec["id"] in seen:
                raise PipelineError(
                    E_GOLD, f"{p} line {n}: id {rec['id']!r} already used on line {seen[rec['id']]}")
            seen[rec["id"]] = n
            records.append(rec)
    if not records:
        raise PipelineError(E_GOLD, f"{p}: no gold records in the file")
    return records


def _validate_record(raw: Any, where: str) -> dict:
    if not isinstance(raw, dict):
        raise PipelineError(E_GOLD, f"{where}: a record must be a JSON object")
    for key in ("id", "text", "published"):
        value = raw.get(key)
        if not isinstance(value, str) or not value.strip():
            raise PipelineError(E_GOLD, f"{where}: missing or empty {key!r} (a non-empty string)")
    if _iso_date(raw["published"]) is None:
        raise PipelineError(E_GOLD, f"{where}: 'published' {raw['published']!r} is not an ISO 8601 date")
    has_list, has_single = "expected_events" in raw, "expected" in raw
    if has_list == has_single:
        raise PipelineError(
            E_GOLD, f"{where}: give exactly one of 'expected_events' (a list) or 'expected' (an object)")
    events = raw["expected_events"] if has_list else [raw["expected"]]
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise PipelineError(E_GOLD, f"{where}: 'expected_events' must be a list of objects"
                            if has_list else f"{where}: 'expected' must be an object")
    for i, ev in enumerate(events):
        if ev.get("event_date") is not None and _iso_date(ev["event_date"]) is None:
            raise PipelineError(
                E_GOLD, f"{where}: event {i} event_date {ev['event_date']!r} is not an ISO 8601 date")
    rec = dict(raw)
    rec["expected_events"] = [dict(e) for e in events]
    return rec


def _expected_events(rec: dict) -> list[dict]:
    if "expected_events" in rec:
        return list(rec["expected_events"] or [])
    if rec.get("expected") is not None:
        return [rec["expected"]]
    return []


def is_ucdp_record(rec: dict) -> bool:
    """A record of the UCDP GED development set (id `ucdp:...` or a `meta` object)."""
    return str(rec.get("id", "")).startswith("ucdp:") or isinstance(rec.get("meta"), dict)


# ------------------------------------------------------------------------------------- normalisation


def _is_null(v: Any) -> bool:
    if v is None:
        return True
    if isinstance(v, (list, tuple, dict, set)):
        return False
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _clean(v: Any) -> Any:
    """numpy / pandas scalars -> Python values; every kind of missing -> None."""
    if _is_null(v):
        return None
    if hasattr(v, "item") and not isinstance(v, (str, bytes, pd.Timestamp)):
        try:
            return v.item()
        except (ValueError, AttributeError):
            return v
    return v


def _fold(v: Any) -> str | None:
    """Case and whitespace fold."""
    if _is_null(v):
        return None
    text = unicodedata.normalize("NFKC", str(v)).casefold()
    text = " ".join(text.split())
    return text or None


def _place_key(v: Any) -> str | None:
    """Fold case and diacritics, drop punctuation and feature words: 'Mīr Ali town' -> 'mirali'."""
    if _is_null(v):
        return None
    text = unicodedata.normalize("NFKD", str(v))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    words = re.sub(r"[^\w]+", " ", text).split()
    kept = [w for w in words if w not in FEATURE_WORDS]
    return "".join(kept or words) or None


def _iso_date(v: Any) -> str | None:
    if _is_null(v):
        return None
    if isinstance(v, datetime):  # pd.Timestamp too
        return v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    text = str(v).strip()
    try:
        return datetime.fromisoformat(text).date().isoformat()
    except ValueError:
        pass
    m = re.match(r"^(\d{4}-\d{2}-\d{2})(?:[T ]|$)", text)
    if m:
        try:
            return date.fromisoformat(m.group(1)).isoformat()
        except ValueError:
            return None
    return None


def _date_value(v: Any) -> str | None:
    """ISO date string, or the folded text when it is not a date (so it compares unequal)."""
    return _iso_date(v) or _fold(v)


def _int(v: Any) -> Any:
    v = _clean(v)
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return int(round(v)) if math.isfinite(v) else None
    try:
        return int(round(float(str(v).strip())))
    except ValueError:
        return _fold(v)


def _float(v: Any) -> float | None:
    v = _clean(v)
    if v is None or isinstance(v, bool):
        return None
    try:
        out = float(v)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _bool(v: Any) -> Any:
    v = _clean(v)
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, (int, float)) and v in (0, 1):
        return bool(v)
    folded = _fold(v)
    return {"true": True, "false": False, "null": None, "none": None}.get(folded, folded)


def _generic(v: Any) -> Any:
    v = _clean(v)
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return _int(v)
    if isinstance(v, (list, tuple, set)):
        return tuple(sorted(str(_generic(x)) for x in v))
    return _fold(v)


def strip_period_suffix(name: str) -> str:
    """ACLED's period suffix and what follows it: 'Police Forces of Pakistan (2022-) Prison Guards' ->
    'Police Forces of Pakistan'. A country qualifier such as '(Pakistan)' is kept."""
    return _PERIOD_SUFFIX.sub("", name).strip()


def _default_canonical(name: str) -> str | None:
    return name.casefold()


def _actor_key(v: Any, canonical: Callable[[str], str | None]) -> str | None:
    if _is_null(v):
        return None
    raw = " ".join(str(v).split())
    stripped = strip_period_suffix(raw)
    name = canonical(stripped) or canonical(raw) or stripped
    return _fold(strip_period_suffix(str(name)))


def country_key(v: Any) -> str | None:
    """ISO 3166-1 alpha-3 when the name resolves ('DR Congo' -> 'COD'), else the folded name."""
    folded = _fold(v)
    if folded is None:
        return None
    text = folded.replace("’", "'")
    if text in COUNTRY_ALIASES:
        return COUNTRY_ALIASES[text]
    try:
        import pycountry
    except ImportError:  # pragma: no cover - pycountry is a dependency
        return text
    try:
        return pycountry.countries.lookup(text).alpha_3
    except LookupError:
        pass
    try:
        hits = pycountry.countries.search_fuzzy(text)
    except LookupError:
        return text
    # search_fuzzy also matches subdivisions ('Kosovo' -> Serbia); trust it only when the name is in
    # the country's own names.
    for hit in hits[:1]:
        names = [getattr(hit, a, "") or "" for a in ("name", "official_name", "common_name")]
        if any(text in _fold(n) or _fold(n) in text for n in names if n):
            return hit.alpha_3
    return text


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r1, r2 = math.radians(lat1), math.radians(lat2)
    dlat, dlon = r2 - r1, math.radians(lon2 - lon1)
    a = math.sin(dlat / 2) ** 2 + math.cos(r1) * math.cos(r2) * math.sin(dlon / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def _distance_km(gold: dict, pred: dict) -> float | None:
    g = (_float(gold.get("latitude")), _float(gold.get("longitude")))
    p = (_float(pred.get("latitude")), _float(pred.get("longitude")))
    if None in g or None in p:
        return None
    return haversine_km(g[0], g[1], p[0], p[1])


def _location_match(gold: dict, pred: dict, radius_km: float = LOCATION_RADIUS_KM) -> bool:
    g, p = _place_key(gold.get("location")), _place_key(pred.get("location"))
    if g is not None and g == p:
        return True
    dist = _distance_km(gold, pred)
    return dist is not None and dist <= radius_km


def _admin1_match(gold: dict, pred: dict) -> bool | None:
    accepted = {_place_key(gold.get(k)) for k in ("admin1", "admin1_current")} - {None}
    if not accepted:
        return None
    if gold.get("_admin1_ids") and pred.get("_admin1_ids") and gold["_admin1_ids"] & pred["_admin1_ids"]:
        return True  # two spellings of one province ("Nangarhar"/"Nangarhor", "Anbar"/"Al-Anbar")
    return _place_key(pred.get("admin1")) in accepted


def _attach_admin1_ids(gold_by_doc: dict, preds: dict, admin1_ids) -> None:
    """Mark every gold and predicted event with the gazetteer ids its province names resolve to."""
    if admin1_ids is None:
        return
    for events in gold_by_doc.values():
        for ev in events:
            ev["_admin1_ids"] = frozenset().union(*(admin1_ids(ev.get(k), ev.get("country"))
                                                    for k in ("admin1", "admin1_current") if not _is_null(ev.get(k))))
    for events in preds.values():
        for ev in events:
            name = ev.get("admin1")
            ev["_admin1_ids"] = frozenset() if _is_null(name) else admin1_ids(name, ev.get("country"))


# ------------------------------------------------------------------------------------------ alignment


def _similarity(gold: dict, pred: dict) -> float:
    """0..1: how likely `pred` is the incident `gold` describes (date, place, event type, fatalities).
    Components the gold does not give are left out; with none at all, any prediction aligns."""
    parts: list[tuple[float, float]] = []
    gd = _iso_date(gold.get("event_date"))
    if gd is not None:
        pdate = _iso_date(pred.get("event_date"))
        score = 0.0
        if pdate is not None:
            diff = abs((date.fromisoformat(gd) - date.fromisoformat(pdate)).days)
            score = 1.0 if diff == 0 else 0.7 if diff == 1 else 0.4 if diff <= 3 else 0.2 if diff <= 7 else 0.0
        parts.append((0.3, score))
    has_place = any(not _is_null(gold.get(k)) for k in ("location", "latitude", "admin1", "admin1_current"))
    if has_place:
        score = 1.0 if _location_match(gold, pred) else 0.5 if _admin1_match(gold, pred) else 0.0
        parts.append((0.3, score))
    if not _is_null(gold.get("event_type")):
        parts.append((0.25, 1.0 if _fold(gold["event_type"]) == _fold(pred.get("event_type")) else 0.0))
    gf = _int(gold.get("fatalities"))
    if isinstance(gf, int) and not isinstance(gf, bool):
        pf = _int(pred.get("fatalities"))
        low, high = _fatality_range(gold)
        score = 0.0
        if isinstance(pf, int) and not isinstance(pf, bool):
            score = 1.0 if pf == gf else 0.8 if low <= pf <= high else 0.0
        parts.append((0.15, score))
    if not parts:
        return 1.0
    return sum(w * s for w, s in parts) / sum(w for w, _ in parts)


def _assign(sim: list[list[float]], threshold: float) -> list[tuple[int, int]]:
    """Maximum-similarity one-to-one assignment (Hungarian method); pairs below `threshold` dropped."""
    n = len(sim)
    m = len(sim[0]) if n else 0
    if n == 0 or m == 0:
        return []
    work = [[s if s >= threshold else 0.0 for s in row] for row in sim]
    transposed = n > m
    if transposed:
        work = [list(col) for col in zip(*work)]
        n, m = m, n
    inf = float("inf")
    u, v = [0.0] * (n + 1), [0.0] * (m + 1)
    p, way = [0] * (m + 1), [0] * (m + 1)
    for i in range(1, n + 1):
        p[0], j0 = i, 0
        minv, used = [inf] * (m + 1), [False] * (m + 1)
        while True:
            used[j0] = True
            i0, delta, j1 = p[j0], inf, 0
            for j in range(1, m + 1):
                if not used[j]:
                    cur = -work[i0 - 1][j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j], way[j] = cur, j0
                    if minv[j] < delta:
                        delta, j1 = minv[j], j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
    pairs = [(p[j] - 1, j - 1) for j in range(1, m + 1) if p[j]]
    if transposed:
        pairs = [(b, a) for a, b in pairs]
    return sorted((a, b) for a, b in pairs if sim[a][b] >= threshold and sim[a][b] > 0)


# ------------------------------------------------------------------------------------------ predicting


def _articles_frame(records: list[dict]) -> pd.DataFrame:
    rows = [{
        "doc_id": str(r["id"]),
        "text": r.get("text"),
        "published": r.get("published"),
        "source_name": r.get("source", r.get("outlet", r.get("source_name"))),
        "title": r.get("title"),
    } for r in records]
    return pd.DataFrame(rows, columns=ARTICLE_COLUMNS).astype("string")


def _predictions_by_doc(predict: Callable[[pd.DataFrame], pd.DataFrame], records: list[dict]) -> dict[str, list[dict]]:
    articles = _articles_frame(records)
    out = predict(articles.copy())
    if out is None or not isinstance(out, pd.DataFrame):
        raise PipelineError(E_SCHEMA, f"predict must return a pandas DataFrame, got {type(out).__name__}")
    by_doc: dict[str, list[dict]] = {}
    if out.empty:
        return by_doc
    if "doc_id" not in out.columns:
        raise PipelineError(E_SCHEMA, "predict's events frame has no 'doc_id' column: say which article each "
                                      "event came from")
    for row in out.to_dict("records"):
        clean = {k: _clean(v) for k, v in row.items()}
        by_doc.setdefault(str(clean["doc_id"]), []).append(clean)
    return by_doc


def _jsonable(v: Any) -> Any:
    v = _clean(v)
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if isinstance(v, tuple):
        return list(v)
    if v is None or isinstance(v, (str, int, float, bool, list, dict)):
        return v
    return str(v)


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


# ------------------------------------------------------------------------------------- project gold


def _field_plan(events: Iterable[dict]) -> list[str]:
    wanted: set[str] = set()
    for ev in events:
        for key in ev:
            if key in NON_FIELDS or key.startswith("_"):
                continue
            if key == "claimed":
                wanted.add("claim_status")
            elif key == "fatalities":
                wanted.update({"fatalities_exact", "fatalities_in_range"})
            elif key in ("latitude", "longitude"):
                wanted.add("location_25km")
            elif key == "admin1_current":
                wanted.add("admin1")
            else:
                wanted.add(key)
    ordered = [f for f in FIELD_ORDER if f in wanted]
    return ordered + sorted(wanted - set(ordered))


def _fatality_range(gold: dict) -> tuple[int, int]:
    best = _int(gold.get("fatalities"))
    low, high = _int(gold.get("fatalities_low")), _int(gold.get("fatalities_high"))
    low = low if isinstance(low, int) else best
    high = high if isinstance(high, int) else best
    return low, high


def _score_field(field: str, gold: dict, pred: dict, canonical: Callable[[str], str | None]):
    """-> None when the field is not scored on this pair, else (correct, expected, predicted)."""
    if field == "claim_status":
        e, p = _bool(gold.get("claimed")), _bool(pred.get("claimed"))
        return e == p and type(e) is type(p), e, p
    if field == "fatalities_exact":
        e, p = _int(gold.get("fatalities")), _int(pred.get("fatalities"))
        return e == p, e, p
    if field == "fatalities_in_range":
        low, high = _fatality_range(gold)
        if not isinstance(low, int) or not isinstance(high, int):
            return None
        p = _int(pred.get("fatalities"))
        ok = isinstance(p, int) and not isinstance(p, bool) and low <= p <= high
        return ok, [low, high], p
    if field == "location_25km":
        if _float(gold.get("latitude")) is None or _float(gold.get("longitude")) is None:
            return None
        dist = _distance_km(gold, pred)
        e = [gold.get("latitude"), gold.get("longitude")]
        return dist is not None and dist <= LOCATION_RADIUS_KM, e, [pred.get("latitude"), pred.get("longitude")]
    if field == "location":
        e, p = gold.get("location"), pred.get("location")
        if _is_null(e):
            return _is_null(p), None, p
        return _location_match(gold, pred), e, p
    if field == "admin1":
        ok = _admin1_match(gold, pred)
        e = gold.get("admin1") if not _is_null(gold.get("admin1")) else gold.get("admin1_current")
        if ok is None:
            return _is_null(pred.get("admin1")), None, pred.get("admin1")
        return ok, e, pred.get("admin1")
    e, p = gold.get(field), pred.get(field)
    if field in ACTOR_FIELDS:
        return _actor_key(e, canonical) == _actor_key(p, canonical), e, p
    if field == "country":
        return country_key(e) == country_key(p), e, p
    if field in PLACE_FIELDS:
        return _place_key(e) == _place_key(p), e, p
    if field in DATE_FIELDS or field.endswith("_date"):
        return _date_value(e) == _date_value(p), e, p
    if field in BOOL_FIELDS or isinstance(e, bool):
        be, bp = _bool(e), _bool(p)
        return be == bp and type(be) is type(bp), e, p
    if field in INT_FIELDS or (isinstance(e, (int, float)) and not isinstance(e, bool)):
        return _int(e) == _int(p), e, p
    return _generic(e) == _generic(p), e, p


def evaluate(records: list[dict], predict: Callable[[pd.DataFrame], pd.DataFrame], *,
             canonical_actor: Callable[[str], str | None] | None = None,
             min_similarity: float = MIN_SIMILARITY, max_errors: int = MAX_ERRORS,
             admin1_ids: Callable[[str, str | None], frozenset] | None = None) -> dict:
    """Score `predict` against project gold records (as `load_gold` returns them).

    `predict` is called once with every record. Per record, predicted events are aligned one-to-one with
    the gold events (Hungarian method on a date/place/type/fatalities similarity; pairs below
    `min_similarity` are not aligned). Detection counts every unaligned prediction as a false positive
    (also on records with no event) and every unaligned gold event as a false negative. Field accuracy is
    computed over the aligned pairs, for every field any gold event of the set has.
    """
    canonical = canonical_actor or _default_canonical
    records = list(records)
    gold_by_doc = {str(r["id"]): _expected_events(r) for r in records}
    preds = _predictions_by_doc(predict, records) if records else {}
    _attach_admin1_ids(gold_by_doc, preds, admin1_ids)
    plan = _field_plan(ev for evs in gold_by_doc.values() for ev in evs)

    tp = fp = fn = 0
    no_event_docs = no_event_ok = 0
    counts = {f: [0, 0] for f in plan}  # field -> [correct, n]
    errors: list[dict] = []

    def note(doc_id: str, field: str, expected: Any, predicted: Any) -> None:
        if len(errors) < max_errors:
            errors.append({"id": doc_id, "field": field, "expected": _jsonable(expected),
                           "predicted": _jsonable(predicted)})

    for doc_id, gold_events in gold_by_doc.items():
        pred_events = preds.get(doc_id, [])
        if not gold_events:
            no_event_docs += 1
            no_event_ok += not pred_events
        sim = [[_similarity(g, p) for p in pred_events] for g in gold_events]
        pairs = _assign(sim, min_similarity)
        tp += len(pairs)
        fn += len(gold_events) - len(pairs)
        fp += len(pred_events) - len(pairs)
        gi_done, pi_done = {a for a, _ in pairs}, {b for _, b in pairs}
        for gi, ev in enumerate(gold_events):
            if gi not in gi_done:
                note(doc_id, "event", _event_summary(ev), None)
        for pi, ev in enumerate(pred_events):
            if pi not in pi_done:
                note(doc_id, "event", None, _event_summary(ev))
        for gi, pi in pairs:
            gold, pred = gold_events[gi], pred_events[pi]
            for field in plan:
                res = _score_field(field, gold, pred, canonical)
                if res is None:
                    continue
                ok, e, p = res
                counts[field][1] += 1
                if ok:
                    counts[field][0] += 1
                else:
                    note(doc_id, field, e, p)

    unknown = sorted(set(preds) - set(gold_by_doc))
    fp += sum(len(preds[d]) for d in unknown)
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = (2 * precision * recall / (precision + recall)
          if precision is not None and recall is not None and precision + recall > 0 else
          (0.0 if precision is not None and recall is not None else None))
    return {
        "format": "gold",
        "n_records": len(records),
        "n_gold_events": sum(len(v) for v in gold_by_doc.values()),
        "n_predicted_events": sum(len(v) for v in preds.values()),
        "n_predictions_unknown_doc": sum(len(preds[d]) for d in unknown),
        "detection": {
            "precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn,
            "doc_no_event_accuracy": _ratio(no_event_ok, no_event_docs), "n_no_event_docs": no_event_docs,
        },
        "fields": {f: {"accuracy": _ratio(c, n), "n": n, "correct": c} for f, (c, n) in counts.items()},
        "errors": errors,
    }


def _event_summary(ev: dict) -> dict:
    keys = ("event_date", "event_type", "location", "admin1", "fatalities", "actor1", "actor2")
    return {k: _jsonable(ev.get(k)) for k in keys if k in ev}


# ------------------------------------------------------------------------------------------------ UCDP


def ucdp_side(name: Any, canonical_actor: Callable[[str], str | None] | None = None) -> str | None:
    """Map a predicted actor to UCDP's side name (folded): 'Military Forces of Pakistan (2022-)' ->
    'government of pakistan', 'TTP: Tehreek-i-Taliban Pakistan' -> 'ttp'. See UCDP_SIDE_PATTERNS."""
    if _is_null(name):
        return None
    canonical = canonical_actor or _default_canonical
    raw = strip_period_suffix(" ".join(str(name).split()))
    resolved = strip_period_suffix(str(canonical(raw) or raw))
    for candidate in (resolved, raw):
        text = _fold(candidate) or ""
        gov = _UCDP_GOVERNMENT.match(text)
        if gov:
            ck = country_key(re.sub(r"\s*\(.*\)$", "", gov.group("c")))
            country = _UCDP_COUNTRY_NAMES.get(ck or "")
            if country is None:
                try:
                    import pycountry
                    country = pycountry.countries.get(alpha_3=ck).name if ck and len(ck) == 3 else None
                except (ImportError, AttributeError, KeyError):
                    country = None
            return _fold(f"Government of {country or gov.group('c')}")
        for pattern, side in UCDP_SIDE_PATTERNS:
            if pattern.search(text):
                return _fold(side)
    return _fold(resolved)


def _ucdp_gold_view(expected: dict) -> dict:
    """The UCDP expected event under the release's names (for alignment and shared comparisons)."""
    view = dict(expected)
    view["fatalities"] = expected.get("fatalities_best")
    return view


def _pick_prediction(gold: dict, preds: list[dict]) -> dict | None:
    if not preds:
        return None
    scores = [_similarity(gold, p) for p in preds]
    return preds[max(range(len(preds)), key=lambda i: (scores[i], -i))]


def _acc(correct: int, n: int) -> dict:
    return {"accuracy": _ratio(correct, n), "n": n, "correct": correct}


def _ucdp_strata(items: list[tuple[dict, dict, dict | None]], canonical, thresholds, note) -> dict:
    date_n = date_exact = date_1 = base_exact = base_1 = 0
    country = [0, 0]
    place = {k: [0, 0] for k in ("admin1", "admin2", "location", "coordinates")}
    fat_n = fat_range = fat_exact = 0
    sides_n = sides_pair = sides_one = 0
    no_place = Counter()
    unstated: dict[str, Counter] = {"reports_killing": Counter(), "no_killing": Counter()}
    tov: dict[str, Counter] = {}

    for rec, gold, pred in items:
        rid, meta = str(rec["id"]), rec.get("meta") or {}
        p = pred or {}
        # date
        gd = _iso_date(gold.get("event_date"))
        if gd is not None:
            date_n += 1
            pdv = _iso_date(p.get("event_date"))
            diff = abs((date.fromisoformat(gd) - date.fromisoformat(pdv)).days) if pdv else None
            date_exact += diff == 0
            date_1 += diff is not None and diff <= 1
            if diff != 0:
                note(rid, "event_date", gd, p.get("event_date"))
            pub = _iso_date(rec.get("published"))
            bdiff = abs((date.fromisoformat(gd) - date.fromisoformat(pub)).days) if pub else None
            base_exact += bdiff == 0
            base_1 += bdiff is not None and bdiff <= 1
        # country: every item
        country[1] += 1
        if country_key(gold.get("country")) == country_key(p.get("country")):
            country[0] += 1
        else:
            note(rid, "country", gold.get("country"), p.get("country"))
        # places: only where the headline names that level or a finer one
        named = meta.get("headline_names")
        if named in UCDP_PLACE_STRATA["admin1"]:
            ok = bool(_admin1_match(gold, p))
            place["admin1"][1] += 1
            place["admin1"][0] += ok
            if not ok:
                note(rid, "admin1", gold.get("admin1"), p.get("admin1"))
        if named in UCDP_PLACE_STRATA["admin2"]:
            ok = _place_key(gold.get("admin2")) is not None and _place_key(gold.get("admin2")) == _place_key(p.get("admin2"))
            place["admin2"][1] += 1
            place["admin2"][0] += ok
            if not ok:
                note(rid, "admin2", gold.get("admin2"), p.get("admin2"))
        if named in UCDP_PLACE_STRATA["location"]:
            radius = thresholds.get(_int(gold.get("geo_precision_ucdp")), LOCATION_RADIUS_KM)
            dist = _distance_km(gold, p)
            near = dist is not None and dist <= radius
            ok = near or (_place_key(gold.get("location")) is not None
                          and _place_key(gold.get("location")) == _place_key(p.get("location")))
            place["location"][1] += 1
            place["location"][0] += ok
            if not ok:
                note(rid, "location", gold.get("location"), p.get("location"))
            if _float(gold.get("latitude")) is not None:
                place["coordinates"][1] += 1
                place["coordinates"][0] += near
                if not near:
                    note(rid, "coordinates", [gold.get("latitude"), gold.get("longitude")],
                         [p.get("latitude"), p.get("longitude")])
        elif named is None:
            no_place["n"] += 1
            level = ("no_prediction" if pred is None else
                     "location" if not _is_null(p.get("location")) else
                     "admin2" if not _is_null(p.get("admin2")) else
                     "admin1" if not _is_null(p.get("admin1")) else "country")
            no_place[level] += 1
            if level == "location":
                gp = _int(p.get("geo_precision"))
                if gp == 1 or gp is None:
                    no_place["town_level_confident"] += 1
                    note(rid, "no_place_named", None, p.get("location"))
        # fatalities: only where the headline states a number of deaths
        pf = _int(p.get("fatalities"))
        pf = pf if isinstance(pf, int) and not isinstance(pf, bool) else None
        if meta.get("headline_states_death_count"):
            fat_n += 1
            low, high = _int(gold.get("fatalities_low")), _int(gold.get("fatalities_high"))
            in_range = pf is not None and low is not None and high is not None and low <= pf <= high
            fat_range += in_range
            fat_exact += pf is not None and pf == _int(gold.get("fatalities_best"))
            if not in_range:
                note(rid, "fatalities_in_range", [low, high], pf)
        else:
            key = "reports_killing" if meta.get("headline_reports_killing") else "no_killing"
            unstated[key]["no_prediction" if pred is None else str(pf) if pf is not None else "null"] += 1
        # sides: soft, unordered
        gs = sorted(s for s in (_fold(gold.get("side_a")), _fold(gold.get("side_b"))) if s)
        if gs:
            sides_n += 1
            ps = [ucdp_side(p.get("actor1"), canonical), ucdp_side(p.get("actor2"), canonical)]
            pair = sorted(s for s in ps if s) == gs
            sides_pair += pair
            sides_one += any(s in gs for s in ps if s)
            if not pair:
                note(rid, "sides", [gold.get("side_a"), gold.get("side_b")], [p.get("actor1"), p.get("actor2")])
        # type of violence: informational cross-tab against the predicted event type
        if gold.get("type_of_violence") is not None:
            tov.setdefault(str(gold["type_of_violence"]), Counter())[
                "no_prediction" if pred is None else str(_clean(p.get("event_type")) or "null")] += 1

    n_no = no_place.get("n", 0)
    return {
        "n": len(items),
        "detection": {"n_with_prediction": sum(p is not None for _, _, p in items)},
        "date": {"n": date_n, "exact": _ratio(date_exact, date_n), "within_1_day": _ratio(date_1, date_n),
                 "baseline_published_exact": _ratio(base_exact, date_n),
                 "baseline_published_within_1_day": _ratio(base_1, date_n)},
        "country": _acc(*country),
        "admin1": _acc(*place["admin1"]),
        "admin2": _acc(*place["admin2"]),
        "location": _acc(*place["location"]),
        "coordinates": _acc(*place["coordinates"]),
        "fatalities": {"n": fat_n, "within_range": _ratio(fat_range, fat_n), "exact_best": _ratio(fat_exact, fat_n)},
        "sides": {"n": sides_n, "accuracy": _ratio(sides_pair, sides_n), "at_least_one": _ratio(sides_one, sides_n)},
        "no_place_named": {
            "n": n_no,
            "accuracy": _ratio(n_no - no_place.get("town_level_confident", 0), n_no),
            **{k: no_place.get(k, 0) for k in ("country", "admin1", "admin2", "location",
                                                "town_level_confident", "no_prediction")},
        },
        "fatalities_unstated": {k: dict(sorted(v.items())) for k, v in unstated.items()},
        "type_of_violence": {k: dict(sorted(v.items())) for k, v in sorted(tov.items())},
    }


def evaluate_ucdp(records: list[dict], predict: Callable[[pd.DataFrame], pd.DataFrame], *,
                  canonical_actor: Callable[[str], str | None] | None = None,
                  coord_threshold_km: dict[int, float] | None = None, max_errors: int = MAX_ERRORS,
                  admin1_ids: Callable[[str, str | None], frozenset] | None = None) -> dict:
    """Score `predict` on the UCDP GED headline set the way its README says: by stratum, never pooled.

    Each record has one expected event; of several predictions for a headline the most similar one is
    scored (`n_with_several_predictions` says how often that happened). A headline with no prediction
    counts as wrong in every stratum it belongs to. Figures are given for all items (`subsets.all`) and
    for the single-source items the README describes (`subsets.single_source`, `meta.ucdp_sources` = 1).
    """
    canonical = canonical_actor or _default_canonical
    thresholds = {**UCDP_COORD_THRESHOLD_KM, **(coord_threshold_km or {})}
    records = list(records)
    preds = _predictions_by_doc(predict, records) if records else {}
    errors: list[dict] = []

    def note(rid: str, field: str, expected: Any, predicted: Any) -> None:
        if len(errors) < max_errors:
            errors.append({"id": rid, "field": field, "expected": _jsonable(expected),
                           "predicted": _jsonable(predicted)})

    items = []
    for rec in records:
        events = _expected_events(rec)
        if len(events) != 1:
            raise PipelineError(E_GOLD, f"UCDP record {rec.get('id')!r} must have exactly one expected event")
        gold = _ucdp_gold_view(events[0])
        _attach_admin1_ids({"": [gold]}, {str(rec["id"]): preds.get(str(rec["id"]), [])}, admin1_ids)
        items.append((rec, gold, _pick_prediction(gold, preds.get(str(rec["id"]), []))))
    single = [it for it in items if (it[0].get("meta") or {}).get("ucdp_sources") == 1]
    subsets = {"all": _ucdp_strata(items, canonical, thresholds, note)}
    if single:
        subsets["single_source"] = _ucdp_strata(single, canonical, thresholds, lambda *a: None)
    known = {str(r["id"]) for r in records}
    return {
        "format": "ucdp",
        "n_records": len(records),
        "n_gold_events": len(records),
        "n_predicted_events": sum(len(v) for v in preds.values()),
        "n_predictions_unknown_doc": sum(len(v) for d, v in preds.items() if d not in known),
        "n_with_several_predictions": sum(len(preds.get(str(r["id"]), [])) > 1 for r in records),
        "coord_threshold_km": {str(k): v for k, v in sorted(thresholds.items())},
        "subsets": subsets,
        "errors": errors,
    }


def evaluate_file(path: str | Path, predict: Callable[[pd.DataFrame], pd.DataFrame],
                  canonical_actor: Callable[[str], str | None] | None = None) -> dict:
    """Load a gold file and score it with `evaluate_ucdp` (UCDP dev set) or `evaluate` (project gold)."""
    records = load_gold(path)
    ucdp = [is_ucdp_record(r) for r in records]
    if all(ucdp):
        report = evaluate_ucdp(records, predict, canonical_actor=canonical_actor)
    elif not any(ucdp):
        report = evaluate(records, predict, canonical_actor=canonical_actor)
    else:
        raise PipelineError(E_GOLD, f"{path}: mixes UCDP records (id 'ucdp:...' or 'meta') with project gold "
                                    "records; score them as two files")
    report["gold_file"] = str(path)
    return report


# ------------------------------------------------------------------------------------------ reporting


def _fmt(v: Any) -> str:
    if v is None:
        return "  n/a"
    if isinstance(v, float):
        return f"{v:5.3f}"
    return str(v)


def format_report(report: dict) -> str:
    """A plain-text table of the report for the terminal."""
    lines: list[str] = []
    if report.get("format") == "ucdp":
        lines.append(f"UCDP dev set: {report['n_records']} headlines, {report['n_predicted_events']} "
                     f"predicted events ({report.get('n_with_several_predictions', 0)} headlines with several)")
        for name, strata in report["subsets"].items():
            lines.append("")
            lines.append(f"[{name}] {strata['n']} items, {strata['detection']['n_with_prediction']} with a prediction")
            lines.append(f"  {'stratum':<22} {'n':>4}  figures")
            for stratum, body in strata.items():
                if not isinstance(body, dict) or "n" not in body or stratum == "detection":
                    continue
                figs = "  ".join(f"{k}={_fmt(v)}" for k, v in body.items() if k not in ("n", "correct"))
                lines.append(f"  {stratum:<22} {body['n']:>4}  {figs}")
            for stratum in ("fatalities_unstated", "type_of_violence"):
                if strata.get(stratum):
                    lines.append(f"  {stratum:<22}       {json.dumps(strata[stratum], sort_keys=True)}")
        return "\n".join(lines)
    det = report["detection"]
    lines.append(f"{report['n_records']} records, {report['n_gold_events']} gold events, "
                 f"{report['n_predicted_events']} predicted events")
    lines.append(f"detection  precision {_fmt(det['precision'])}  recall {_fmt(det['recall'])}  "
                 f"F1 {_fmt(det['f1'])}  (tp {det['tp']}, fp {det['fp']}, fn {det['fn']})")
    lines.append(f"no-event records left empty: {_fmt(det.get('doc_no_event_accuracy'))} "
                 f"(of {det.get('n_no_event_docs', 0)})")
    lines.append("")
    width = max([len("field")] + [len(f) for f in report["fields"]])
    lines.append(f"{'field':<{width}}  accuracy     n")
    lines.append(f"{'-' * width}  --------  ----")
    for field, body in report["fields"].items():
        lines.append(f"{field:<{width}}  {_fmt(body['accuracy']):>8}  {body['n']:>4}")
    if report.get("errors"):
        lines.append("")
        lines.append(f"{len(report['errors'])} mismatches listed in the JSON report (first 200 at most)")
    return "\n".join(lines)


def _flatten(floors: dict, prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for k, v in floors.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = v
    return out


def _lookup(report: dict, path: str) -> Any:
    node: Any = report
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    if isinstance(node, dict):
        node = node.get("accuracy")
    return node


def check_floors(report: dict, floors: dict) -> list[str]:
    """The figures below their floor, one line each; [] when all pass.

    `floors` maps dotted paths into the report to minimum values, e.g. `{"detection.precision": 0.9,
    "fields.perpetrator": 0.85, "subsets.all.date.within_1_day": 0.7}`; a path ending at a field means
    its `accuracy`. A floor whose figure was not measured (unknown path, or n = 0) is listed too:
    a floor that cannot fail is no floor.
    """
    failures: list[str] = []
    for path, floor in _flatten(floors).items():
        value = _lookup(report, path)
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            failures.append(f"{path}: not measured (floor {floor})")
        elif value < float(floor):
            failures.append(f"{path}: {value:.3f} < floor {float(floor):.3f}")
    return failures
