"""Merge stage: reports are not events. Reports of one incident from several articles become one event.

Reads  geocoded, actor-named `reports` and, for stable ids, the previous release's `event_sources`.
Writes `events` (one row per real-world event, ACLED + GTD columns) and `event_sources` (one row per
       report linked to its event, with the evidence of every coded field).
Rejects reports that have no event date and match no dated report (`no_event_date`): ACLED does not code
       undated events, and without a date there is no way to say which day's event an article describes.

Two reports are the same incident when they share the country and place (same name or within
`same_place_km`), fall within `max_day_gap` days of each other and are compatible in type, and the
evidence agrees enough (named officials, target words, perpetrator, figures). An undated report needs
stronger evidence (a shared named person, or several shared details) to join a dated one. A country-level
report (placed only in a country: no location, no coordinates) joins another report of that country only
through a named person both share; the event then takes the most precise location of its reports.

Conflicting figures are reconciled by ACLED's rules: a revised toll ("rose to") from the latest report wins,
otherwise the lowest reported figure; "no word of casualties" is not a figure. A claim beats "no group has
claimed so far"; a named perpetrator beats an unidentified one.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import date, datetime, timezone

import pandas as pd
import pycountry

from schemas.events import interaction_label

from .errors import RejectReason
from .stage import StageResult, make_rejects, reject

STAGE, STAGE_VERSION = "merge", "1"

# ACLED precedence: when reports disagree on the type, the higher one is coded.
SUB_EVENT_PRECEDENCE = [
    "Government regains territory", "Non-state actor overtakes territory", "Armed clash",
    "Excessive force against protesters", "Protest with intervention", "Peaceful protest",
    "Violent demonstration", "Mob violence",
    "Chemical weapon", "Air/drone strike", "Suicide bomb", "Shelling/artillery/missile attack",
    "Remote explosive/landmine/IED", "Grenade",
    "Sexual violence", "Attack", "Abduction/forced disappearance",
    "Agreement", "Arrests", "Change to group/activity", "Disrupted weapons use", "Headquarters or base established",
    "Looting/property destruction", "Non-violent transfer of territory", "Other",
]
VIOLENT_TYPES = {"Battles", "Explosions/Remote violence", "Violence against civilians"}


@dataclass(frozen=True)
class MergeConfig:
    same_place_km: float = 25.0
    max_day_gap: int = 1
    min_score_dated: float = 4.0
    min_score_undated: float = 5.0


def _km(a_lat, a_lon, b_lat, b_lon) -> float:
    if any(v is None or v != v for v in (a_lat, a_lon, b_lat, b_lon)):
        return math.inf
    p1, p2 = math.radians(a_lat), math.radians(b_lat)
    dp, dl = p2 - p1, math.radians(b_lon - a_lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def _surnames(persons: list[str]) -> set[str]:
    return {p.split()[-1].lower() for p in persons if p.strip() and len(p.split()[-1]) > 2}


def _day(value) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _country_level(r: dict) -> bool:
    """A report the geocoder could place only in its country (no location, no coordinates)."""
    return not r.get("location") and (r.get("latitude") is None or r.get("latitude") != r.get("latitude"))


def _same_incident(a: dict, b: dict, cfg: MergeConfig) -> bool:
    if a["doc_id"] == b["doc_id"]:
        return False  # an article's separate incidents were separated on purpose
    if a.get("iso") != b.get("iso"):
        return False
    da, db = _day(a["event_date"]), _day(b["event_date"])
    dated = da is not None and db is not None
    if dated and abs((da - db).days) > cfg.max_day_gap:
        return False
    shared_people = _surnames(json.loads(a["persons"])) & _surnames(json.loads(b["persons"]))
    if _country_level(a) or _country_level(b):
        # "in Pakistan" neither agrees nor disagrees with a place in Pakistan: without the place's two points,
        # only a named person both reports share may tie such a report to another
        if not shared_people:
            return False
        score = 0.0
    else:
        same_name = bool(a.get("location")) and a.get("location") == b.get("location")
        near = _km(a.get("latitude"), a.get("longitude"), b.get("latitude"), b.get("longitude")) <= cfg.same_place_km
        if not (same_name or near):
            return False
        score = 2.0  # same place
    types_ok = a["event_type"] == b["event_type"] or {a["event_type"], b["event_type"]} <= VIOLENT_TYPES
    if not types_ok:
        return False
    score += 1.0 if dated and da == db else 0.0
    score += 1.0 if a["event_type"] == b["event_type"] else 0.0
    score += min(4.0, 2.0 * len(shared_people))
    shared_targets = set(json.loads(a["target_terms"])) & set(json.loads(b["target_terms"]))
    score += min(2.0, float(len(shared_targets)))
    score += 1.0 if a.get("target_type") and a.get("target_type") == b.get("target_type") else 0.0
    if a.get("perpetrator_group") and a.get("perpetrator_group") == b.get("perpetrator_group"):
        score += 1.0
    return score >= (cfg.min_score_dated if dated else cfg.min_score_undated)


def _clusters(rows: list[dict], cfg: MergeConfig) -> list[list[int]]:
    parent = list(range(len(rows)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # Block by country: reports in different countries are never compared. Within a country, dated reports
    # are compared only with those at most `max_day_gap` days away (a sorted window), and undated ones with all.
    by_country: dict = {}
    for i, r in enumerate(rows):
        by_country.setdefault(r.get("iso"), []).append(i)
    for members in by_country.values():
        dated = sorted((i for i in members if _day(rows[i]["event_date"])), key=lambda i: _day(rows[i]["event_date"]))
        undated = [i for i in members if not _day(rows[i]["event_date"])]
        pairs = []
        for a, i in enumerate(dated):
            for j in dated[a + 1:]:
                if (_day(rows[j]["event_date"]) - _day(rows[i]["event_date"])).days > cfg.max_day_gap:
                    break
                pairs.append((i, j))
        pairs += [(i, j) for i in undated for j in members if j != i and (j not in undated or i < j)]
        for i, j in sorted(pairs):
            if find(i) != find(j) and _same_incident(rows[min(i, j)], rows[max(i, j)], cfg):
                parent[find(max(i, j))] = find(min(i, j))
    groups: dict[int, list[int]] = {}
    for i in range(len(rows)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _precedence(sub: str) -> int:
    return SUB_EVENT_PRECEDENCE.index(sub) if sub in SUB_EVENT_PRECEDENCE else len(SUB_EVENT_PRECEDENCE)


def _first(rows: list[dict], key: str, prefer=None):
    vals = [r for r in rows if r.get(key) not in (None, "") and r.get(key) == r.get(key)]
    if prefer:
        vals = sorted(vals, key=prefer)
    return vals[0][key] if vals else None


def _reconcile(rows: list[dict]) -> dict:
    rows = sorted(rows, key=lambda r: (r["published"] or "", r["doc_id"], r["report_id"]))
    dated = [r for r in rows if r["event_date"]]
    best_time = sorted(dated, key=lambda r: (r["time_precision"] or 9, r["event_date"]))[0]
    best_geo = sorted(rows, key=lambda r: (r.get("geo_precision") or 9, r["doc_id"]))[0]
    typed = sorted(rows, key=lambda r: _precedence(r["sub_event_type"]))[0]
    named = [r for r in rows if r["perpetrator_group"]]
    claimed_rows = [r for r in rows if r["claimed"] is True]
    perp_row = claimed_rows[0] if claimed_rows and claimed_rows[0]["perpetrator_group"] else (
        sorted(named, key=lambda r: (bool(r["perpetrator_suspected"]), r["doc_id"]))[0] if named else typed)
    # figures: a revision from the latest report that revises, otherwise the lowest reported figure
    reported = [r for r in rows if r["fatalities_reported"]]
    revised = [r for r in reported if r["fatalities_revised"]]
    if revised:
        fatalities = revised[-1]["fatalities"]
    elif reported:
        fatalities = min(r["fatalities"] for r in reported)
    else:
        fatalities = 0
    low = min([r["fatalities_low"] for r in reported] + [fatalities])
    high = max([r["fatalities_high"] for r in reported] + [fatalities])
    wounded_vals = [r["wounded"] for r in rows if r["wounded"] is not None and r["wounded"] == r["wounded"]]
    if any(r["claimed"] is True for r in rows):
        claimed = True
    elif any(r["claimed"] is False for r in rows):
        claimed = False
    else:
        claimed = None
    claim_row = claimed_rows[0] if claimed_rows else None
    actor_row = perp_row if perp_row["event_type"] == typed["event_type"] else typed
    event = {
        "event_date": best_time["event_date"], "time_precision": int(best_time["time_precision"]),
        "disorder_type": typed["disorder_type"], "event_type": typed["event_type"],
        "sub_event_type": typed["sub_event_type"],
        "actor1": actor_row["actor1"], "inter1": actor_row["inter1"],
        "actor2": actor_row["actor2"] or _first(rows, "actor2"), "inter2": actor_row["inter2"] or _first(rows, "inter2"),
        "civilian_targeting": actor_row["civilian_targeting"],
        "perpetrator": perp_row["perpetrator"] if typed["event_type"] in VIOLENT_TYPES or typed["perpetrator"] else None,
        "perpetrator_suspected": perp_row["perpetrator_suspected"],
        "claimed": claimed, "claimed_by": claim_row["claimed_by"] if claim_row else None,
        "claim_mode": claim_row["claim_mode"] if claim_row else None,
        "target_type": _first(rows, "target_type", prefer=lambda r: r["target_type"] == "Unknown"),
        "attack_type": _first(rows, "attack_type", prefer=lambda r: r["attack_type"] == "Unknown"),
        "fatalities": int(fatalities), "fatalities_low": int(low), "fatalities_high": int(high),
        "wounded": min(wounded_vals) if wounded_vals else None,
        "n_sources": len({r["doc_id"] for r in rows}),
        "source": "; ".join(sorted({r["source_name"] for r in rows if r["source_name"]})) or "Unknown",
    }
    for col in ("iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude",
                "geo_precision"):
        event[col] = best_geo.get(col)
    if event["actor2"] == event["actor1"]:
        event["actor2"], event["inter2"] = None, None
    event["interaction"] = interaction_label(event["inter1"], event["inter2"]) or ""
    event["civilian_targeting"] = "Civilians targeted" if event["inter2"] == "Civilians" else None
    published = [r["published"] for r in rows if r["published"]]
    event["timestamp"] = int(datetime.fromisoformat(max(published)).replace(tzinfo=timezone.utc).timestamp()) \
        if published else 0
    tags = []
    if event["perpetrator_suspected"]:
        tags.append("suspected attribution")
    if len({r["claimed_by"] for r in claimed_rows if r["claimed_by"]}) > 1:
        tags.append("competing claims")
    if len({r["fatalities"] for r in reported}) > 1:
        tags.append("conflicting fatality reports")
    event["tags"] = "; ".join(tags) or None
    event["notes"] = notes_for(event)
    return event


def notes_for(e: dict) -> str:
    """An ACLED-style one-paragraph summary written from the coded fields."""
    day = date.fromisoformat(e["event_date"]).strftime("%-d %B %Y")
    place = ", ".join(p for p in (e.get("location"), e.get("admin1")) if p) or e.get("country") or "an unknown place"
    verb = {
        "Armed clash": "clashed with", "Attack": "attacked", "Abduction/forced disappearance": "abducted",
        "Air/drone strike": "carried out an air/drone strike on", "Suicide bomb": "carried out a suicide bombing against",
        "Remote explosive/landmine/IED": "detonated an explosive device targeting", "Grenade": "threw a grenade at",
        "Shelling/artillery/missile attack": "shelled", "Arrests": "arrested",
        "Disrupted weapons use": "disrupted an explosive device or weapons cache",
        "Peaceful protest": "demonstrated", "Protest with intervention": "demonstrated and were dispersed by",
        "Excessive force against protesters": "demonstrated and were met with lethal force by",
        "Violent demonstration": "rioted", "Mob violence": "carried out mob violence against",
    }.get(e["sub_event_type"], "were involved in an event with")
    target = e.get("actor2") or ""
    text = f"On {day}, {e['actor1']} {verb}{(' ' + target) if target and not verb.endswith('demonstrated') and verb != 'rioted' else ''} in {place}."
    if e.get("target_type"):
        text += f" Target: {e['target_type']}."
    text += f" {e['fatalities']} reported fatalities"
    if e.get("wounded") is not None:
        text += f", {e['wounded']} wounded"
    text += "."
    if e.get("claimed") is True:
        text += f" {e.get('claimed_by') or 'A group'} claimed responsibility."
    elif e.get("claimed") is False:
        text += " No group claimed responsibility."
    if e.get("perpetrator_suspected"):
        text += f" Attribution to {e['perpetrator']} is suspected."
    return text


def _iso3(iso_num) -> str:
    c = pycountry.countries.get(numeric=f"{int(iso_num):03d}") if iso_num is not None and iso_num == iso_num else None
    return c.alpha_3 if c else "XXX"


def run(reports: pd.DataFrame, cfg: MergeConfig, *, previous_sources: pd.DataFrame | None = None) -> StageResult:
    """Cluster reports into events and assign stable `event_id_cnty`s. Never mutates its inputs."""
    rows = reports.sort_values(["doc_id", "incident_idx"]).to_dict("records")
    for r in rows:
        for k, v in list(r.items()):
            if v is pd.NA or (isinstance(v, float) and v != v):
                r[k] = None
    clusters = _clusters(rows, cfg)
    events, sources, rejects = [], [], []
    kept: list[tuple[dict, list[dict]]] = []
    for members in clusters:
        group = [rows[i] for i in members]
        if not any(r["event_date"] for r in group):
            for r in group:
                rejects.append(reject(r["report_id"], r["doc_id"], STAGE, RejectReason.NO_EVENT_DATE,
                                      "the article gives no date and no dated report of the same incident was found",
                                      r["evidence_text"]))
            continue
        kept.append((_reconcile(group), group))
    ids = _assign_ids(kept, previous_sources)
    for (event, group), event_id in zip(kept, ids):
        events.append({"event_id_cnty": event_id, "year": int(event["event_date"][:4]), **event})
        for r in group:
            evidence = json.loads(r["evidence"])
            if r.get("location_evidence"):
                loc = r["location_evidence"]
                evidence["location"] = json.loads(loc) if isinstance(loc, str) else loc
            sources.append({
                "event_id_cnty": event_id, "doc_id": r["doc_id"], "article_id": r["article_id"],
                "report_id": r["report_id"], "source_name": r["source_name"], "source_url": r["source_url"],
                "published": r["published"], "title": r["title"], "sentence_idx": r["sentence_idx"],
                "char_start": r["char_start"], "char_end": r["char_end"], "evidence_text": r["evidence_text"],
                "evidence": json.dumps(evidence, sort_keys=True),
            })
    from schemas import to_event_sources_dtypes, to_events_dtypes
    from schemas.event_sources import EventSourcesSchema
    from schemas.events import EventsSchema

    ev = pd.DataFrame.from_records(events, columns=list(EventsSchema.to_schema().columns))
    if len(ev):
        ev = ev.sort_values("event_id_cnty", key=lambda s: s.map(_id_sort_key)).reset_index(drop=True)
    ev = to_events_dtypes(ev)
    src = pd.DataFrame.from_records(sources, columns=list(EventSourcesSchema.to_schema().columns))
    if len(src):
        src = src.sort_values(["event_id_cnty", "doc_id", "report_id"]).reset_index(drop=True)
    src = to_event_sources_dtypes(src)
    rej = make_rejects(rejects)
    stats = {"in": len(rows), "out": len(rows) - len(rej), "rejected": len(rej), "events": len(ev)}
    return StageResult(rows=ev, rejects=rej, stats=stats, extra={"event_sources": src})


def _id_sort_key(event_id: str):
    prefix = event_id.rstrip("0123456789")
    return (prefix, int(event_id[len(prefix):] or 0))


def _assign_ids(kept: list[tuple[dict, list[dict]]], previous: pd.DataFrame | None) -> list[str]:
    """Keep an event's id from release to release: reuse the id of the previous event that shared a report
    (or a document, for the same date and country); new events get the next number for their country."""
    by_report, by_doc = {}, {}
    used: dict[str, int] = {}
    if previous is not None and len(previous):
        for r in previous.to_dict("records"):
            by_report.setdefault(r["report_id"], r["event_id_cnty"])
            by_doc.setdefault(r["doc_id"], []).append(r["event_id_cnty"])
            prefix, num = _id_sort_key(r["event_id_cnty"])
            used[prefix] = max(used.get(prefix, 0), num)
    ids: list[str | None] = []
    taken: set[str] = set()
    for event, group in kept:
        found = sorted({by_report[r["report_id"]] for r in group if r["report_id"] in by_report} - taken,
                       key=_id_sort_key)
        if not found:
            prefix = _iso3(event["iso"])
            cands = {e for r in group for e in by_doc.get(r["doc_id"], []) if e.startswith(prefix)} - taken
            found = sorted(cands, key=_id_sort_key)[:1] if len(group) and len(cands) == 1 else []
        ids.append(found[0] if found else None)
        if found:
            taken.add(found[0])
    order = sorted(range(len(kept)), key=lambda i: (kept[i][0]["event_date"], kept[i][1][0]["doc_id"],
                                                     kept[i][1][0]["report_id"]))
    for i in order:
        if ids[i] is None:
            prefix = _iso3(kept[i][0]["iso"])
            used[prefix] = used.get(prefix, 0) + 1
            ids[i] = f"{prefix}{used[prefix]}"
    return [str(x) for x in ids]
