"""Geocode stage: each report's place mentions -> one ACLED-style location, with honest precision.

Reads   a reports table with at least `report_id`, `doc_id` and `place_mentions`: a JSON list of toponym
        dicts from `toponyms.find_toponyms`, each with a `role`: "event" (tied to the event trigger: same
        sentence or attached), "dateline", or "article" (elsewhere in the article, not background).
Writes  the input columns plus `country` (ACLED's English short name), `iso` (ISO 3166 numeric),
        `region` (UN subregion, "Southern Asia"), `admin1` (current first-order division: "Khyber
        Pakhtunkhwa" also for places of the former FATA), `admin2`, `admin3` (always null: GeoNames'
        packages carry no third level), `location`, `latitude`, `longitude` (4 decimals), `geo_precision`
        (ACLED 1-3), `geonameid`, `location_evidence` (JSON: text, sentence_idx, char_start, char_end of the
        mention the location comes from) and `geo_note` (how it was resolved).
Rejects `geocode_no_match`: not even the country can be told (no place, or only ambiguous ones);
        `geocode_service_error`: an online geocoder failed (kept apart from "no match", never cached).

Precision follows ACLED (codebooks.md 1.6):
  1  the text names the town (or a district of a city) -> its coordinates;
  2  "near"/"outskirts of" a town, or only the district (admin2) or a sub-provincial area is known ->
     the named town, or the district's representative town (its namesake town, else its largest);
  3  only the province (admin1) or a larger region is known -> the provincial capital (approximated by the
     province's largest town: the packages carry no capital flags).
Country only: when the text places the event in a country but names no finer place (or only names that
stay ambiguous across provinces), the row keeps `country`, `iso` and `region` and leaves `admin1`, `admin2`,
`location`, `latitude`, `longitude` and `geo_precision` null: GTD's specificity 5, never a country centroid.
`geo_note` says "country only". Whether such a report becomes an event is the runner's `country_only`
policy (ACLED does not code them; GTD does).

Disambiguation uses the whole article: countries it names, demonyms ("Pakistani"), datelines, provinces
and districts it names (the admin hierarchy: "Lakki Marwat district, Khyber Pakhtunkhwa"), distance to its
other resolved places, and population/feature type as a prior. A name whose readings stay within a margin
of each other is not guessed: the mention is left unresolved (its common country or province, if any, is
still used). The event location is the most specific resolved place among the "event" mentions (an origin, "from X",
only when nothing else is named), else the dateline (a mention whose `source` is "dateline" is always
treated as the dateline, whatever its role), else the article's dominant place; failing all, the country
the evidence points to (demonyms, attributive names such as "Pakistan army"; with a `country_bias`, a
foreign nationality such as "US drone" is read as an actor, not the place), else `default_country`.

Online backends (`backend = "nominatim"` or `"geonames"`, off by default) go through `CachedGeocoder`: an
on-disk cache keyed by query, geopy's `RateLimiter` with errors re-raised, and the gazetteer for the admin
hierarchy of what the service returns.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
from geopy.exc import GeocoderServiceError
from geopy.extra.rate_limiter import RateLimiter
from geopy.geocoders.base import Geocoder
from geopy.location import Location
from geopy.point import Point

from .errors import E_CONFIG, E_GEOCODER_SERVICE, E_SCHEMA, PipelineError, RejectReason
from .gazetteer import Gazetteer, Place, normalize
from .stage import StageResult, make_rejects, reject

STAGE, STAGE_VERSION = "geocode", "1"

LOCATION_COLUMNS = [
    "country", "iso", "region", "admin1", "admin2", "admin3", "location", "latitude", "longitude",
    "geo_precision", "geonameid", "location_evidence", "geo_note",
]
ROLES = ("event", "dateline", "article")
COUNTRY_ONLY_POLICIES = ("keep", "reject")


@dataclass(frozen=True)
class GeocodeConfig:
    """Settings of the geocode stage ([geocode] in config.toml)."""

    backend: str = "offline"  # offline | nominatim | geonames
    user_agent: str = "conflict-events"
    min_delay_s: float = 1.0  # online: at least this long between requests (Nominatim's policy: 1 s)
    max_retries: int = 2  # online: retries after a service error before the report is rejected
    error_wait_s: float = 5.0  # online: wait after a service error
    timeout_s: float = 10.0
    cache_dir: str = "data/interim/geocode_cache"
    country_bias: tuple[str, ...] = ()  # ISO2 codes the corpus is about: a prior, never a filter
    default_country: str = ""  # ISO2 assumed when a report names no place at all (single-country corpora)
    geonames_username: str = ""  # GeoNames web service account (the CLI reads it from the environment)
    ambiguity_margin: float = 0.75  # a reading must beat the next by this much to be taken
    # a report placed only in a country: "keep" it as a country-level event (GTD specificity 5: no admin1,
    # no coordinates, geo_precision null; never a country centroid) or "reject" it (ACLED's practice)
    country_only: str = "keep"

    def __post_init__(self):
        if self.country_only not in COUNTRY_ONLY_POLICIES:
            raise PipelineError(E_CONFIG, f"geocode.country_only must be one of {', '.join(COUNTRY_ONLY_POLICIES)}, "
                                          f"not {self.country_only!r}")


class GeocodeServiceError(PipelineError):
    """An online geocoder failed after its retries (not the same as "no match")."""

    def __init__(self, message: str):
        super().__init__(E_GEOCODER_SERVICE, message)


# --------------------------------------------------------------------------------------------------
# geopy geocoders
# --------------------------------------------------------------------------------------------------

def place_raw(place: Place) -> dict:
    """The GeoNames fields of a place, as `Location.raw`."""
    return {
        "geonameid": place.geonameid,
        "place_id": place.place_id,
        "name": place.name,
        "feature": place.feature,
        "feature_class": place.feature_class,
        "feature_code": place.feature_code,
        "country_code": place.country_iso2,
        "iso_numeric": place.iso_numeric,
        "country": place.country,
        "region": place.region,
        "admin1": place.admin1,
        "admin2": place.admin2,
        "population": place.population,
        "match": place.match,
    }


def _prior(p: Place) -> float:
    """How likely a reading is before context: feature type, population, and how the name matched."""
    base = {"country": 3.0, "admin1": 2.5, "admin2": 2.0, "region": 2.0}.get(p.feature)
    if base is None:
        base = 0.5 + 0.35 * math.log10(max(p.population, 0) + 1)
    return base + {"alias": 1.5, "name": 0.5, "short": 0.3, "alternate": 0.0, "online": 1.5,
                   "online-other": 0.0}.get(p.match, 0.0)


class OfflineGeocoder(Geocoder):
    """A geopy geocoder over the offline gazetteer: no network, GeoNames fields in `Location.raw`."""

    def __init__(self, gazetteer: Gazetteer, *, country_bias: tuple[str, ...] = (), user_agent: str | None = None):
        super().__init__(user_agent=user_agent)
        self.gazetteer = gazetteer
        self.country_bias = tuple(c.upper() for c in country_bias)

    def _coords(self, p: Place) -> tuple[float, float]:
        if p.latitude is not None:
            return p.latitude, p.longitude
        for parent in (p.admin2_id, p.admin1_id, self.gazetteer.country_by_iso2.get(p.country_iso2)):
            if parent is not None:
                q = self.gazetteer.place(parent)
                if q.latitude is not None:
                    return q.latitude, q.longitude
        return 0.0, 0.0

    def location(self, p: Place) -> Location:
        parts = [p.name]
        for extra in (p.admin2, p.admin1, p.country):
            if extra and extra not in parts:
                parts.append(extra)
        lat, lon = self._coords(p)
        return Location(", ".join(parts), Point(lat, lon), place_raw(p))

    def geocode(self, query, exactly_one=True, country_codes=None, features=None, timeout=None):
        """Places called `query`, best first (feature type, population, kind of name, country bias)."""
        cands = self.gazetteer.candidates(str(query), country_codes or None, features)
        if not cands:
            return None
        ranked = sorted(cands, key=lambda p: -(_prior(p) + (1.0 if p.country_iso2 in self.country_bias else 0.0)))
        locs = [self.location(p) for p in ranked]
        return locs[0] if exactly_one else locs

    def reverse(self, query, exactly_one=True, max_km: float = 50.0, timeout=None):
        """The nearest town to a point (within `max_km`)."""
        pt = Point(query)
        p = self.gazetteer.nearest_city(pt.latitude, pt.longitude, max_km)
        if p is None:
            return None
        loc = self.location(p)
        return loc if exactly_one else [loc]


class CachedGeocoder(Geocoder):
    """Wraps an online geopy geocoder: on-disk cache by query, a rate limit, and errors kept apart.

    geopy's `RateLimiter` swallows service errors by default, which turns "service down" into "no match";
    here it re-raises them (after `max_retries`) as `GeocodeServiceError`. Answers, including "no match",
    are cached; errors are not.
    """

    def __init__(self, service: Geocoder, cfg: GeocodeConfig, *, backend: str | None = None):
        super().__init__(user_agent=cfg.user_agent)
        self.service = service
        self.backend = backend or cfg.backend
        self.cache_dir = Path(cfg.cache_dir) / self.backend
        self.calls = 0
        self._limited = RateLimiter(
            self._call, min_delay_seconds=cfg.min_delay_s, max_retries=cfg.max_retries,
            error_wait_seconds=max(cfg.error_wait_s, cfg.min_delay_s), swallow_exceptions=False,
        )

    def _call(self, *args, **kwargs):
        self.calls += 1
        return self.service.geocode(*args, **kwargs)

    def _service_kwargs(self, country_codes) -> dict:
        codes = [c.lower() for c in (country_codes or [])]
        if self.backend == "nominatim":
            kw = {"addressdetails": True, "language": "en"}
            if codes:
                kw["country_codes"] = codes
            return kw
        if self.backend == "geonames":
            return {"country": [c.upper() for c in codes]} if codes else {}
        return {"country_codes": codes} if codes else {}

    def _cache_path(self, query: str, country_codes) -> Path:
        key = json.dumps([self.backend, normalize(str(query)), sorted(c.upper() for c in (country_codes or []))])
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        return self.cache_dir / digest[:2] / f"{digest}.json"

    def geocode(self, query, exactly_one=True, country_codes=None, timeout=None, **_ignored):
        path = self._cache_path(query, country_codes)
        if path.exists():
            records = json.loads(path.read_text(encoding="utf-8"))
        else:
            try:
                result = self._limited(str(query), exactly_one=False, **self._service_kwargs(country_codes))
            except GeocoderServiceError as exc:
                raise GeocodeServiceError(f"{self.backend} geocoder failed for {str(query)!r}: {exc}") from exc
            locs = [] if result is None else (list(result) if isinstance(result, (list, tuple)) else [result])
            records = [{"address": loc.address, "latitude": loc.latitude, "longitude": loc.longitude,
                        "raw": loc.raw} for loc in locs]
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(records, default=str), encoding="utf-8")
            tmp.replace(path)
        if not records:
            return None
        locs = [Location(r["address"], Point(r["latitude"], r["longitude"]), r["raw"]) for r in records]
        return locs[0] if exactly_one else locs

    def reverse(self, query, exactly_one=True, timeout=None, **kwargs):
        try:
            return RateLimiter(self.service.reverse, min_delay_seconds=0, max_retries=0,
                               swallow_exceptions=False)(query, exactly_one=exactly_one)
        except GeocoderServiceError as exc:
            raise GeocodeServiceError(f"{self.backend} reverse geocoder failed for {query!r}: {exc}") from exc


def make_geocoder(cfg: GeocodeConfig, gazetteer: Gazetteer, *, service: Geocoder | None = None) -> Geocoder:
    """The geocoder `cfg.backend` names; `service` injects the online geocoder (tests use a fake one)."""
    if cfg.backend == "offline":
        return OfflineGeocoder(gazetteer, country_bias=cfg.country_bias, user_agent=cfg.user_agent)
    if cfg.backend == "nominatim":
        if service is None:
            from geopy.geocoders import Nominatim

            service = Nominatim(user_agent=cfg.user_agent, timeout=cfg.timeout_s)
        return CachedGeocoder(service, cfg)
    if cfg.backend == "geonames":
        if service is None:
            if not cfg.geonames_username:
                raise PipelineError(E_CONFIG, "geocode.backend = 'geonames' needs a GeoNames username "
                                              "(set GEONAMES_USERNAME or geocode.geonames_username)")
            from geopy.geocoders import GeoNames

            service = GeoNames(username=cfg.geonames_username, user_agent=cfg.user_agent, timeout=cfg.timeout_s)
        return CachedGeocoder(service, cfg)
    raise PipelineError(E_CONFIG, f"unknown geocode.backend {cfg.backend!r}; use offline, nominatim or geonames")


# --------------------------------------------------------------------------------------------------
# Candidates from any geocoder
# --------------------------------------------------------------------------------------------------

_GEONAMES_FEATURE = {"PCLI": "country", "PCLD": "country", "PCLS": "country", "PCLF": "country",
                     "ADM1": "admin1", "ADM2": "admin2", "ADM1H": "admin1", "ADM2H": "admin2"}
_NOMINATIM_FEATURE = {"country": "country", "state": "admin1", "province": "admin1", "region": "admin1",
                      "state_district": "admin2", "county": "admin2", "district": "admin2"}


def _place_from_location(loc: Location, gaz: Gazetteer) -> Place | None:
    """An online answer as a gazetteer-shaped Place: its own coordinates, the hierarchy from GeoNames."""
    raw = loc.raw or {}
    if "place_id" in raw and "feature" in raw and raw.get("match") != "online":  # our own offline raw
        return gaz.place(int(raw["place_id"]), match=raw.get("match", "name"))
    if "geonameId" in raw:  # GeoNames web service
        iso2 = (raw.get("countryCode") or "").upper()
        feature = _GEONAMES_FEATURE.get(raw.get("fcode", ""), "city" if raw.get("fcl") == "P" else "region")
        name = raw.get("name") or raw.get("toponymName") or loc.address.split(",")[0]
        gid = int(raw["geonameId"])
        pop = int(raw.get("population") or 0)
    else:  # Nominatim (addressdetails=True)
        addr = raw.get("address") or {}
        iso2 = (addr.get("country_code") or "").upper()
        kind = raw.get("addresstype") or raw.get("type") or ""
        feature = _NOMINATIM_FEATURE.get(kind, "city" if raw.get("class") in ("place", "boundary") else "region")
        name = raw.get("name") or loc.address.split(",")[0]
        gid = None
        pop = 0
    country = gaz.country(iso2) if iso2 else None
    if country is None:
        near = gaz.nearest_city(loc.latitude, loc.longitude, 100.0)
        if near is None:
            return None
        country = gaz.country(near.country_iso2)
    if feature in ("country", "admin1", "admin2"):
        same = gaz.candidates(name, [country.country_iso2], features=(feature,))
        if same:
            return replace(same[0], match="online")
        if feature == "country":
            return replace(country, match="online")
    near = gaz.nearest_city(loc.latitude, loc.longitude, 30.0)
    if near is not None and near.country_iso2 != country.country_iso2:
        near = None
    key = f"{name}|{loc.latitude:.4f}|{loc.longitude:.4f}".encode("utf-8")
    return Place(
        place_id=-1 - zlib.crc32(key), geonameid=gid, name=name, feature="city" if feature == "city" else "region",
        feature_class="P" if feature == "city" else "L", feature_code="PPL" if feature == "city" else "RGN",
        country_iso2=country.country_iso2, iso_numeric=country.iso_numeric, country=country.country,
        region=country.region, admin1_id=near.admin1_id if near else None, admin1=near.admin1 if near else None,
        admin2_id=near.admin2_id if near else None, admin2=near.admin2 if near else None,
        latitude=loc.latitude, longitude=loc.longitude, population=pop, rep_id=None, match="online",
    )


def _spelling_variants(key: str) -> list[str]:
    """Transliteration variants news and GeoNames disagree on: a final -a/-ah (Kabkabiya, Kabkabiyah), the
    Arabic article (Hawija, Al Hawijah), South Asian -pora/-pur/-pura/-pore (Awantipora, Awantipur)."""
    out = []
    bare = key[3:] if key.startswith(("al ", "el ")) else key
    for k in {key, bare}:
        if k.endswith("ah"):
            out.append(k[:-1])
        elif k.endswith(("a", "i", "e")):
            out.append(k + "h")
        for a in ("pora", "pura", "pore", "pur"):
            if k.endswith(a):
                out += [k[: -len(a)] + b for b in ("pora", "pura", "pore", "pur") if b != a]
    if bare == key:
        out += ["al " + v for v in [key] + out]
    else:
        out.append(bare)
    return [v for v in dict.fromkeys(out) if v != key and len(v) > 3]


def _candidates(text: str, geocoder: Geocoder, gaz: Gazetteer) -> list[Place]:
    if isinstance(geocoder, OfflineGeocoder):
        found = geocoder.gazetteer.candidates(text)
        if found or " " in normalize(text).removeprefix("al ").removeprefix("el "):
            return found
        seen = set()
        for variant in _spelling_variants(normalize(text)):  # only when the spelling itself is unknown
            for p in geocoder.gazetteer.candidates(variant):
                if p.feature in ("city", "admin2", "region") and p.place_id not in seen:
                    seen.add(p.place_id)
                    found.append(replace(p, match="alternate"))
        return found
    locs = geocoder.geocode(text, exactly_one=False)  # GeocodeServiceError propagates: it is not "no match"
    out = []
    for rank, loc in enumerate(locs or []):
        p = _place_from_location(loc, gaz)
        if p is not None:
            # the service's own ranking is its prior: its first answer is "online", the rest "online-other"
            out.append(p if rank == 0 or p.match != "online" else replace(p, match="online-other"))
    return out


# --------------------------------------------------------------------------------------------------
# Resolution
# --------------------------------------------------------------------------------------------------

_SPECIFIC = {"city": 4, "region": 3, "admin2": 2, "admin1": 1, "country": 0}
_LOCATIVE_CUES = {"in", "near", "outskirts", "district", "province", "town"}


@dataclass
class _Reading:
    """One reading of a mention: nested places with the same name collapse into one (Kabul city/province)."""

    place: Place
    members: list[Place]
    prior: float
    score: float = 0.0

    @property
    def country(self) -> str:
        return self.place.country_iso2

    @property
    def admin1_id(self) -> int | None:
        return self.place.place_id if self.place.feature == "admin1" else self.place.admin1_id

    @property
    def admin2_id(self) -> int | None:
        return self.place.place_id if self.place.feature == "admin2" else self.place.admin2_id


@dataclass
class _Mention:
    d: dict
    role: str
    readings: list[_Reading] = field(default_factory=list)
    chosen: _Reading | None = None
    plausible: list[_Reading] = field(default_factory=list)
    note: str = ""

    @property
    def cue(self) -> str | None:
        return self.d.get("cue")


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """`gazetteer.haversine_km` for one pair, in `math`: the same operations in the same order, which give the
    same float (numpy works out a single value with the C library's functions; checked bit for bit on 600,000
    pairs of gazetteer places), at a seventh of the cost of numpy's ufuncs on scalars (1 against 7 us): the
    resolver measures tens of thousands of pairs."""
    lat1, lon1, lat2, lon2 = math.radians(lat1), math.radians(lon1), math.radians(lat2), math.radians(lon2)
    a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(min(max(a, 0.0), 1.0)))


def _nested(a: Place, b: Place) -> bool:
    if a.country_iso2 != b.country_iso2 or a.place_id == b.place_id:
        return False
    if a.feature == b.feature == "city" and a.admin1_id == b.admin1_id and a.latitude is not None and \
            b.latitude is not None and haversine_km(a.latitude, a.longitude, b.latitude, b.longitude) < 10:
        return True  # one town twice in GeoNames (a town and its seat, an old and a new entry)
    for unit, other in ((a, b), (b, a)):
        if unit.feature in ("admin1", "admin2", "region"):
            if unit.rep_id is not None and unit.rep_id == other.place_id:
                return True
            if other.feature != unit.feature and unit.feature != "region" and \
                    (other.admin1_id == unit.place_id or other.admin2_id == unit.place_id):
                return True
            if unit.latitude is not None and other.latitude is not None and other.feature == "city" and \
                    normalize(unit.name) == normalize(other.name) and \
                    haversine_km(unit.latitude, unit.longitude, other.latitude, other.longitude) < 30:
                return True
            if unit.feature == "admin2" and other.feature == "city" and unit.admin1_id is not None and \
                    unit.admin1_id == other.admin1_id and normalize(unit.name) == normalize(other.name):
                return True  # a district and its namesake town in the same province (Jilib), coordinates or not
    return False


def _readings(cands: list[Place], cue: str | None) -> list[_Reading]:
    """Group nested candidates; pick each group's place by the cue (district -> admin2, else the town)."""
    n = len(cands)
    parent = list(range(n))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    # only places of one country can be nested: the pairs are tried in the same order, the others skipped
    same_country: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(cands):
        same_country[p.country_iso2].append(i)
    for i in range(n):
        for j in same_country[cands[i].country_iso2]:
            if j > i and _nested(cands[i], cands[j]):
                parent[find(i)] = find(j)
    groups: dict[int, list[Place]] = defaultdict(list)
    for i in range(n):
        groups[find(i)].append(cands[i])
    out = []
    order = {
        # "Lamu county" where the county is a province and Lamu also a town: the unit, not its namesake town
        "district": ("admin2", "region", "admin1", "city", "country"),
        "province": ("admin1", "admin2", "region", "city", "country"),
    }.get(cue or "", ("city", "region", "admin2", "admin1", "country"))
    for members in groups.values():
        def pick(feat):
            fm = [p for p in members if p.feature == feat]
            return max(fm, key=lambda p: (p.match == "alias", p.population)) if fm else None

        place = next(p for p in (pick(f) for f in order) if p is not None)
        prior = max(_prior(p) for p in members)
        if len({p.feature for p in members}) > 1:
            prior += 0.3  # a town that is also its district's or province's namesake is the better known
        if (cue == "district" and place.feature == "admin2") or (cue == "province" and place.feature == "admin1"):
            prior += 1.0
        elif cue == "town" and place.feature == "city":
            prior += 0.5
        out.append(_Reading(place=place, members=members, prior=prior))
    return out


def _share(votes: Counter, key) -> float:
    """The country's share of the evidence; weak evidence (less than one vote in all) counts for less."""
    total = sum(votes.values())
    return votes.get(key, 0.0) / max(total, 1.0)


def _resolve_mentions(ms: list[_Mention], evidence: Counter, cfg: GeocodeConfig, gaz: Gazetteer) -> None:
    """Two passes of context scoring; sets `chosen` (or leaves it None) and `plausible` on each mention."""
    margin = cfg.ambiguity_margin
    # what the loops below read again and again, read once: each mention's name key and whether it is a place
    # (not a nationality), each reading's country, province and district
    keys = [normalize(m.d["text"]) for m in ms]
    is_place = [o.cue != "modifier" and not o.d.get("is_demonym") for o in ms]
    units = {id(r): (r.country, r.admin1_id, r.admin2_id) for m in ms for r in m.readings}
    for pass_no in (1, 2):
        for mi, m in enumerate(ms):
            if not m.readings:
                continue
            votes = Counter(evidence)
            a1_ctx: Counter = Counter()
            a2_ctx: Counter = Counter()
            points = []
            place_votes: Counter = Counter()  # countries the article's other *places* lie in
            key = keys[mi]
            for oi, o in enumerate(ms):
                if o is m or not o.readings or keys[oi] == key:
                    continue
                pool = [o.chosen] if (pass_no == 2 and o.chosen is not None) else o.plausible or o.readings
                w = 1.0 / len(pool)
                counts = is_place[oi]
                for r in pool:
                    country, a1, a2 = units[id(r)]
                    votes[country] += w
                    if counts:
                        place_votes[country] += w
                    if a1 is not None:
                        a1_ctx[a1] += w
                    if a2 is not None:
                        a2_ctx[a2] += w
                if pass_no == 2 and o.chosen is not None and o.chosen.place.latitude is not None \
                        and o.chosen.place.feature in ("city", "admin2", "region"):
                    points.append((o.chosen.place.latitude, o.chosen.place.longitude))
            total = max(sum(votes.values()), 1.0)  # `_share`'s denominator, the same for every reading
            for r in m.readings:
                country, a1, a2 = units[id(r)]
                s = r.prior + 2.0 * (votes.get(country, 0.0) / total)
                # the province or district the article names elsewhere ("Hyderabad ... Sindh"), weighted by
                # how sure the other mention is of it
                if a1 is not None and a1_ctx.get(a1):
                    s += (2.0 if r.place.feature != "admin1" else 1.0) * min(1.0, a1_ctx[a1])
                if a2 is not None and a2_ctx.get(a2) and r.place.feature != "admin2":
                    s += 1.5 * min(1.0, a2_ctx[a2])
                if points and r.place.latitude is not None and r.place.feature != "country":
                    d = min(haversine_km(r.place.latitude, r.place.longitude, la, lo) for la, lo in points)
                    if d < 150:
                        s += 1.0
                r.score = s
            ranked = sorted(m.readings, key=lambda r: -r.score)
            top = ranked[0]
            m.plausible = [r for r in ranked if top.score - r.score < margin]
            m.chosen = top if len(m.plausible) == 1 else None
            # the article plainly places itself in one country: a homonym abroad (Barchi, Italy, in a story
            # datelined Kabul) is an unknown name, not a reason to move the event
            if place_votes and top.place.feature != "country" and sum(place_votes.values()) >= 2:
                lead = max(place_votes, key=lambda c: _share(place_votes, c))
                if _share(place_votes, lead) >= 0.6 and _share(place_votes, top.country) < 0.1:
                    m.plausible = [r for r in m.plausible if _share(place_votes, r.country) >= 0.1]
                    m.chosen = m.plausible[0] if len(m.plausible) == 1 else None
            # a bare or attributive name ("the Nasr Makka hotel") whose only readings lie in a country nothing
            # else in the text points to, while the nationalities and groups named point to one country
            if m.chosen is not None and m.role != "dateline" and m.cue in (None, "modifier") and evidence:
                lead = max(evidence, key=lambda c: (evidence[c], c))
                if evidence[lead] >= 1.5 and evidence.get(m.chosen.country, 0) == 0 \
                        and _share(place_votes, m.chosen.country) < 0.1:
                    m.plausible = [r for r in m.readings if r.country == lead]
                    m.chosen = m.plausible[0] if len(m.plausible) == 1 else None


# Nouns after a nationality that reach across borders ("US drone", "Israeli warplanes"): weak evidence of
# where the event is, unlike a state's troops or police, which act at home unless a place says otherwise.
_REMOTE_FORCES = {"drone", "strike", "airstrike", "jet", "warplane", "aircraft", "missile", "helicopter", "air",
                  "bombardment", "navy", "rocket", "artillery"}


def _nationality_weight(d: dict) -> float:
    """How much a demonym or attributive country name says about where the event is."""
    if d.get("cue") == "from":
        return 0.5  # "firing from the Afghan side": an origin
    head = d.get("force_head")
    if not _missing(head) and str(head).lower() in _REMOTE_FORCES:
        return 0.5
    return 1.0


def _is_location_candidate(m: _Mention) -> bool:
    if m.d.get("is_demonym") or m.d.get("force_origin") is True or m.chosen is None:
        return False
    if m.cue == "border":
        return False
    if m.cue == "modifier" and m.chosen.place.feature == "country":
        return False  # "US drone", "Pakistan army": a nationality, not a place
    return True


# How strongly a mention's wording ties it to the event: "in X" / "X town" most, a bare name less, an
# actor's affiliation ("Kunduz police") little, an origin ("militants from X") least.
_CUE_WEIGHT = {"in": 1.0, "town": 1.0, "district": 0.9, "near": 0.8, "outskirts": 0.8, "province": 0.6,
               None: 0.4, "modifier": 0.1, "from": -1.0}
_FEATURE_WEIGHT = {"city": 1.0, "region": 0.7, "admin2": 0.6, "admin1": 0.2, "country": -2.0}


def _pick(cands: list[_Mention], anchor: int | None = None) -> _Mention | None:
    """The event's place among the mentions tied to it: a weighed choice, not simply the first or the most
    specific. What counts: the cue ("in X" over a bare name over "X police" over "from X"), how specific the
    place is, the sentence (the event's own, the next ones, the headline), how often the place comes back,
    and whether a province or district named with the event contains it. A town named after another one
    as its reference point ("A, near X", "A lies 35 km from X") loses to that town. A province or district
    chosen this way is then refined to a town named inside it."""
    if not cands:
        return None
    cands = [_as_its_unit(m, cands) for m in cands]
    count = Counter(m.chosen.place.place_id for m in cands)
    units = {m.chosen.place.place_id for m in cands if m.chosen.place.feature in ("admin1", "admin2", "region")}
    countries = Counter(m.chosen.country for m in cands)

    def score(m: _Mention) -> float:
        p = m.chosen.place
        s = _CUE_WEIGHT.get(m.cue, 0.4) + _FEATURE_WEIGHT[p.feature]
        if anchor is not None:
            k = m.d["sentence_idx"] - anchor  # the story goes on after its event sentence, not before it
            s += {0: 1.2, 1: 0.6, 2: 0.4, -1: 0.4}.get(k, 0.3 if m.d["sentence_idx"] == 0 else 0.0)
        s += 0.25 * min(3, count[p.place_id] - 1)
        if countries[m.chosen.country] == count[p.place_id] and len(cands) - count[p.place_id] >= 2:
            s -= 0.8  # the only place of its country among the event's places (Catatumbo, Venezuela)
        if p.feature in ("city", "region", "admin2") and ({p.admin1_id, p.admin2_id} - {p.place_id, None}) & units:
            s += 0.5  # the town lies in the district or province named with the event
        if m.cue in ("near", "outskirts") and any(
                o.d["sentence_idx"] == m.d["sentence_idx"] and o.d["char_start"] < m.d["char_start"]
                and o.chosen.place.feature == "city" and o.chosen.place.place_id != p.place_id
                and o.cue in ("in", "town", None) for o in cands):
            s -= 0.8  # "in A, near X": X only says where A is
        return s

    scores = {id(m): score(m) for m in cands}
    best = max(cands, key=lambda m: (scores[id(m)], -m.d["char_start"]))
    while best.chosen.place.feature in ("admin1", "admin2", "region"):
        unit = best.chosen.place.place_id
        inside = [m for m in cands if m.chosen.place.place_id != unit and m.cue not in ("from", "modifier")
                  and unit in (m.chosen.place.admin1_id, m.chosen.place.admin2_id)
                  and _SPECIFIC[m.chosen.place.feature] > _SPECIFIC[best.chosen.place.feature]]
        if not inside:
            break
        best = max(inside, key=lambda m: (scores[id(m)], -m.d["char_start"]))
    return best


def _as_its_unit(m: _Mention, cands: list[_Mention]) -> _Mention:
    """A town that shares its name with its province or district ("Kunduz", "Kirkuk", "Narayanpur") is read as
    that unit when the event's places say so: "Kunduz checkpoint attack" beside "Kunduz province", or "In
    Kirkuk, ... in the Hawija district" (a district of the province named in the same sentence). The unit is
    then refined to a town inside it as usual."""
    p = m.chosen.place
    if p.feature != "city" or m.cue == "town":
        return m
    units = {u.place_id: u for u in m.chosen.members if u.feature in ("admin1", "admin2")
             and u.place_id in (p.admin1_id, p.admin2_id)}
    if not units:
        return m
    def elsewhere_inside(q: Place) -> bool:
        # a place of the unit away from the town itself (Sadr City is part of Baghdad, Hawija is not Kirkuk)
        return q.place_id != p.place_id and q.place_id not in units and q.feature in ("city", "admin2", "region") \
            and bool({q.admin1_id, q.admin2_id} & set(units)) and q.latitude is not None \
            and p.latitude is not None and haversine_km(p.latitude, p.longitude, q.latitude, q.longitude) > 15
    key = normalize(m.d.get("text") or "")
    others = [o for o in cands if elsewhere_inside(o.chosen.place)]
    if not others:
        return m  # nothing more precise to refine to: the town stands
    unit = None
    for o in cands:
        if o.chosen.place.place_id in units and o.cue in ("province", "district") \
                and normalize(o.d.get("text") or "") == key:
            unit = units[o.chosen.place.place_id]  # "Kunduz ... Kunduz province"
    same = [o.chosen.place for o in others if o.d["sentence_idx"] == m.d["sentence_idx"]]
    if unit is None and same:
        # "In Kirkuk, ... in the Hawija district": the smallest unit that holds the other place
        unit = max((u for u in units.values() if u.place_id in (same[0].admin1_id, same[0].admin2_id)),
                   key=lambda u: _SPECIFIC[u.feature])
    if unit is None:
        return m
    return _Mention(d=m.d, role=m.role, readings=m.readings,
                    chosen=_Reading(place=unit, members=m.chosen.members, prior=m.chosen.prior),
                    plausible=m.plausible, note=m.note)


def _dominant(cands: list[_Mention]) -> _Mention | None:
    if not cands:
        return None
    by_country = Counter(m.chosen.country for m in cands)
    top_country = by_country.most_common(1)[0][0]
    same = [m for m in cands if m.chosen.country == top_country]
    count = Counter(m.chosen.place.place_id for m in same)
    return min(same, key=lambda m: (m.chosen.place.feature == "country", -count[m.chosen.place.place_id],
                                    -_SPECIFIC[m.chosen.place.feature], m.d["char_start"]))


def _evidence_of(m: _Mention) -> dict:
    d = m.d
    return {"text": d.get("text"), "sentence_idx": d.get("sentence_idx"), "char_start": d.get("char_start"),
            "char_end": d.get("char_end")}


def _country_fields(gaz: Gazetteer, iso2: str) -> dict:
    c = gaz.country(iso2)
    return {"country": c.country, "iso": c.iso_numeric, "region": c.region}


def _empty_result() -> dict:
    return {k: None for k in LOCATION_COLUMNS}


def _result_for(m: _Mention, gaz: Gazetteer, how: str) -> dict:
    p = m.chosen.place
    out = _empty_result()
    out.update(_country_fields(gaz, p.country_iso2))
    out["geonameid"] = p.geonameid
    out["location_evidence"] = _evidence_of(m)
    near = m.cue in ("near", "outskirts")
    if p.feature == "country":
        out["geo_note"] = f"{how}: {m.d['text']!r} -> country only"
        return out
    rep = None
    if p.feature == "city":
        rep, precision = p, (2 if near or m.cue in ("district", "province") else 1)
        level = "town"
    elif p.feature == "admin2":
        rep = gaz.place(p.rep_id) if p.rep_id is not None else None
        precision, level = 2, "district"
        out["admin2"] = p.name
    elif p.feature == "region":
        rep = gaz.place(p.rep_id) if p.rep_id is not None else None
        precision, level = (2 if p.admin2_id is not None else 3), "area"
        if p.latitude is not None and p.rep_id is None:
            rep = p
    else:  # admin1
        rep = gaz.place(p.rep_id) if p.rep_id is not None else None
        precision, level = 3, "province"
    if rep is None:  # a district without towns in the data: fall back to the province's town
        a1 = gaz.place(p.admin1_id) if p.admin1_id is not None else None
        if a1 is not None and a1.rep_id is not None:
            rep = gaz.place(a1.rep_id)
            precision = 3
            level += " (coordinates of the province's town)"
    out["admin1"] = p.name if p.feature == "admin1" else p.admin1
    if out["admin2"] is None:
        out["admin2"] = p.admin2 if p.feature != "admin1" else (rep.admin2 if rep is not None else None)
    if rep is not None:
        out["location"] = rep.name
        out["latitude"] = round(rep.latitude, 4) if rep.latitude is not None else None
        out["longitude"] = round(rep.longitude, 4) if rep.longitude is not None else None
        if p.feature == "admin1" and out["admin1"] is None:
            out["admin1"] = rep.admin1
    out["geo_precision"] = precision if out["latitude"] is not None else None
    stands = "" if rep is None or rep.place_id == p.place_id else f", at {rep.name}"
    cue = f" ({m.cue})" if m.cue and m.cue not in ("in", "modifier") else ""
    out["geo_note"] = (f"{how}: {m.d['text']!r}{cue} -> {level} {p.name}, {p.country_iso2}{stands}; "
                       f"precision {out['geo_precision']}{m.note}")
    return out


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


def _clean(d: dict) -> dict:
    """Mentions that went through Parquet/JSON: NaN -> None, numpy scalars -> Python, offsets as ints."""
    out = dict(d)
    for k in ("cue", "country_hint", "role", "source"):
        out[k] = None if _missing(out.get(k)) else str(out[k])
    out["is_demonym"] = False if _missing(out.get("is_demonym")) else bool(out["is_demonym"])
    out["force_origin"] = False if _missing(out.get("force_origin")) else bool(out["force_origin"])
    for k in ("char_start", "char_end", "sentence_idx"):
        out[k] = 0 if _missing(out.get(k)) else int(out[k])
    out["text"] = "" if _missing(out.get("text")) else str(out["text"])
    return out


def resolve_event_location(mentions: list[dict], geocoder: Geocoder, gazetteer: Gazetteer,
                           cfg: GeocodeConfig, *, anchor_sentence: int | None = None) -> dict | None:
    """The event's location from its report's place mentions (see the module docstring), or None when not
    even the country can be told. `anchor_sentence` is the index of the sentence that states the event
    (the report's `sentence_idx`): places named there weigh more.

    Raises `GeocodeServiceError` when an online geocoder fails.
    """
    out = _locate(mentions, geocoder, gazetteer, cfg, anchor_sentence)
    if out is not None and (out["latitude"] is None or out["longitude"] is None):
        # no coordinates: a country-level row, whatever finer name was read (no half-located rows)
        for k in ("admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision"):
            out[k] = None
    return out


def _dateline_within(ms: list[_Mention], iso2: str, anchor_sentence: int | None) -> _Mention | None:
    """The resolved dateline place, when it lies in `iso2`: for an event the text places only in that country."""
    line = _pick([m for m in ms if m.role == "dateline" and _is_location_candidate(m)], anchor_sentence)
    return line if line is not None and line.chosen.country == iso2 else None


def _locate(mentions: list[dict], geocoder: Geocoder, gazetteer: Gazetteer, cfg: GeocodeConfig,
            anchor_sentence: int | None) -> dict | None:
    gaz = gazetteer
    evidence: Counter = Counter()
    for c in cfg.country_bias:
        evidence[c.upper()] += 0.5  # a prior: half a demonym
    ms: list[_Mention] = []
    demonym_votes: Counter = Counter()
    actor_votes: Counter = Counter()
    cache: dict[str, list[Place]] = {}
    groups: dict[tuple[str, str | None], list[tuple[Place, list[Place], float]]] = {}
    for d in sorted((_clean(x) for x in mentions), key=lambda d: d["char_start"]):
        role = d.get("role") or "article"
        if d.get("source") == "dateline":
            role = "dateline"  # where the reporter files from, even inside the event's sentence
        if role not in ROLES:
            continue
        if d.get("actor_home") is True:
            # a group that fights in one country: weak evidence for names, a last resort for the country
            if d.get("country_hint"):
                evidence[d["country_hint"]] += 0.5
                actor_votes[d["country_hint"]] += 1
            continue
        if d.get("country_hint"):
            evidence[d["country_hint"]] += 1.0 if d.get("is_demonym") else 2.0
        if d.get("is_demonym"):
            if d.get("country_hint"):
                demonym_votes[d["country_hint"]] += _nationality_weight(d)
            continue
        m = _Mention(d=d, role=role)
        key = normalize(d.get("text") or "")
        if key not in cache:
            cache[key] = _candidates(d.get("text") or "", geocoder, gaz)
        # a name repeated with the same cue groups its candidates the same way: group once, fresh readings each
        if (key, m.cue) not in groups:
            cands = cache[key]
            country = [p for p in cands if p.feature == "country" and normalize(p.name) == key]
            # "in Mexico's southern state of Guerrero": a country's own name is the country, not its capital's alias
            groups[(key, m.cue)] = [(r.place, r.members, r.prior)
                                    for r in _readings(country if country else cands, m.cue)]
        m.readings = [_Reading(place=p, members=list(mem), prior=prior) for p, mem, prior in groups[(key, m.cue)]]
        ms.append(m)
    _resolve_mentions(ms, evidence, cfg, gaz)
    # attributive country names ("US drone", "Pak Army") are nationality evidence like demonyms
    for m in ms:
        if (m.cue == "modifier" or m.d.get("force_origin") is True) and m.chosen is not None \
                and m.chosen.place.feature == "country":
            demonym_votes[m.chosen.country] += _nationality_weight(m.d)

    for role, how in (("event", "event place"), ("dateline", "dateline"), ("article", "article's main place")):
        group = [m for m in ms if m.role == role and _is_location_candidate(m)]
        chosen = _pick(group, anchor_sentence) if role != "article" else _dominant(group)
        if chosen is not None and role == "event" and chosen.chosen.place.feature == "country":
            # the event's sentences name only the country: a dateline inside it says where the news is from
            line = _dateline_within(ms, chosen.chosen.country, anchor_sentence)
            if line is not None:
                return _result_for(line, gaz, "dateline")
            return _result_for(chosen, gaz, how)
        if chosen is not None:
            # a country named beside an ambiguous town of the event: say so
            unresolved = [m for m in ms if m.role == role and m.chosen is None and m.readings]
            if unresolved and chosen.chosen.place.feature == "country":
                chosen.note = f"; {', '.join(repr(u.d['text']) for u in unresolved)} ambiguous"
            return _result_for(chosen, gaz, how)
        # ambiguous names of this role that agree on the country (or province) still say something
        amb = [m for m in ms if m.role == role and m.chosen is None and m.plausible and m.cue != "border"]
        for m in amb:
            countries = {r.country for r in m.plausible}
            if len(countries) == 1:
                out = _empty_result()
                out.update(_country_fields(gaz, countries.pop()))
                out["location_evidence"] = _evidence_of(m)
                a1 = {r.admin1_id for r in m.plausible}
                names = "/".join(sorted({f"{r.place.name} ({r.place.feature})" for r in m.plausible}))
                if len(a1) == 1 and None not in a1:
                    p = gaz.place(a1.pop())
                    fake = _Mention(d=m.d, role=m.role, chosen=_Reading(place=p, members=[p], prior=0.0))
                    fake.note = f"; {m.d['text']!r} ambiguous within {p.name}: {names}"
                    return _result_for(fake, gaz, how)
                out["geo_note"] = f"{how}: {m.d['text']!r} ambiguous ({names}) -> country only"
                line = _dateline_within(ms, m.plausible[0].country, anchor_sentence) if role == "event" else None
                return _result_for(line, gaz, "dateline") if line is not None else out

    # no place: the country the evidence points to (demonyms, attributive names, datelines, bias)
    ev = Counter(demonym_votes)
    bias = {c.upper() for c in cfg.country_bias}
    if ev:
        best = max(ev.values())
        tops = sorted(c for c, v in ev.items() if v == best)
        if bias and len(tops) > 1 and len(set(tops) & bias) == 1:
            tops = sorted(set(tops) & bias)
        # one nationality must carry at least one full vote: "US drone strikes" alone does not place the event
        if len(tops) == 1 and ((not bias and best >= 1.0) or tops[0] in bias):
            out = _empty_result()
            out.update(_country_fields(gaz, tops[0]))
            out["geo_note"] = f"no place named; country from demonyms/attributive names ({tops[0]}) -> country only"
            return out
        # with a country_bias, a demonym of another country names a foreign actor ("US drone"), not the place
    elif len(actor_votes) == 1:
        # no place and no nationality: the home country of the only groups named ("CTD kills seven BLF members")
        home = next(iter(actor_votes))
        if gaz.country(home) is not None:
            out = _empty_result()
            out.update(_country_fields(gaz, home))
            out["geo_note"] = f"no place or nationality named; country from the groups named ({home}) -> country only"
            return out
    if cfg.default_country and gaz.country(cfg.default_country) is not None:
        out = _empty_result()
        out.update(_country_fields(gaz, cfg.default_country.upper()))
        out["geo_note"] = f"no usable place; country from config default_country ({cfg.default_country.upper()})"
        return out
    return None


# --------------------------------------------------------------------------------------------------
# Stage
# --------------------------------------------------------------------------------------------------

def _parse_mentions(value) -> list[dict]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, list):
        return value
    data = json.loads(value)
    if not isinstance(data, list):
        raise ValueError("place_mentions is not a JSON list")
    return data


def run(reports: pd.DataFrame, cfg: GeocodeConfig, *, geocoder: Geocoder, gazetteer: Gazetteer) -> StageResult:
    """Geocode each report. No paths, env vars or globals; never mutates `reports`."""
    missing = [c for c in ("report_id", "doc_id", "place_mentions") if c not in reports.columns]
    if missing:
        raise PipelineError(E_SCHEMA, f"geocode input lacks column(s) {', '.join(missing)}; run the extract stage")
    results: list[dict] = []
    keep: list[int] = []
    rejects: list[dict] = []
    anchors = reports["sentence_idx"].tolist() if "sentence_idx" in reports.columns else [None] * len(reports)
    for pos, row in enumerate(reports[["report_id", "doc_id", "place_mentions"]].itertuples(index=False)):
        anchor = None if _missing(anchors[pos]) else int(anchors[pos])
        try:
            mentions = _parse_mentions(row.place_mentions)
        except (ValueError, TypeError) as exc:
            rejects.append(reject(row.report_id, row.doc_id, STAGE, RejectReason.GEOCODE_NO_MATCH,
                                  f"place_mentions unreadable: {exc}", str(row.place_mentions)))
            continue
        try:
            res = resolve_event_location(mentions, geocoder, gazetteer, cfg, anchor_sentence=anchor)
        except GeocodeServiceError as exc:
            rejects.append(reject(row.report_id, row.doc_id, STAGE, RejectReason.GEOCODE_SERVICE_ERROR, str(exc),
                                  "; ".join(m.get("text", "") for m in mentions)))
            continue
        if res is None:
            texts = "; ".join(str(m.get("text", "")) for m in mentions)
            rejects.append(reject(row.report_id, row.doc_id, STAGE, RejectReason.GEOCODE_NO_MATCH,
                                  "the places named tell no single country (unknown or ambiguous names)"
                                  if mentions else "no place and no country named: the event's country is unknown",
                                  texts))
            continue
        keep.append(pos)
        results.append(res)
    rows = reports.iloc[keep].copy()
    geo = pd.DataFrame.from_records(results, columns=LOCATION_COLUMNS) if results else \
        pd.DataFrame(columns=LOCATION_COLUMNS)
    geo.index = rows.index
    rows = rows.drop(columns=[c for c in LOCATION_COLUMNS if c in rows.columns])
    typed = {
        "country": geo["country"].astype("string"),
        "iso": pd.array(geo["iso"].tolist(), dtype="Int64"),
        "region": geo["region"].astype("string"),
        "admin1": geo["admin1"].astype("string"),
        "admin2": geo["admin2"].astype("string"),
        "admin3": geo["admin3"].astype("string"),
        "location": geo["location"].astype("string"),
        "latitude": pd.array(geo["latitude"].tolist(), dtype="Float64"),
        "longitude": pd.array(geo["longitude"].tolist(), dtype="Float64"),
        "geo_precision": pd.array(geo["geo_precision"].tolist(), dtype="Int64"),
        "geonameid": pd.array(geo["geonameid"].tolist(), dtype="Int64"),
        "location_evidence": pd.Series([json.dumps(v, sort_keys=True) if v else None
                                        for v in geo["location_evidence"]], index=geo.index, dtype="string"),
        "geo_note": geo["geo_note"].astype("string"),
    }
    for col in LOCATION_COLUMNS:
        vals = typed[col]
        rows[col] = vals if isinstance(vals, pd.Series) else pd.Series(vals, index=rows.index)
    rej = make_rejects(rejects)
    return StageResult(rows=rows, rejects=rej,
                       stats={"in": int(len(reports)), "out": int(len(rows)), "rejected": int(len(rej))})


# --------------------------------------------------------------------------------------------------
# Validation helper
# --------------------------------------------------------------------------------------------------

def point_in_admin1(lat: float, lon: float, admin1: str, iso2, gazetteer: Gazetteer,
                    margin_deg: float = 0.25, max_km: float = 75.0) -> bool | None:
    """Approximate check that (lat, lon) lies in `admin1` of the country `iso2` (ISO2 code, or ISO numeric).

    GeoNames' packages carry no boundaries, so "inside" means: within the bounding box of the province's
    towns (plus `margin_deg`) and within `max_km` of one of them. Returns None when it cannot tell (the
    country or province is not in the gazetteer, or has no towns).
    """
    if lat is None or lon is None or not admin1:
        return None
    code = gazetteer.iso2_of(iso2)
    if code is None:
        return None
    units = [u for u in gazetteer.candidates(admin1, [code], features=("admin1",)) if gazetteer.bbox(u.place_id)]
    if not units:
        return None
    for u in units:
        la0, la1, lo0, lo1 = gazetteer.bbox(u.place_id)
        if not (la0 - margin_deg <= lat <= la1 + margin_deg and lo0 - margin_deg <= lon <= lo1 + margin_deg):
            continue
        if gazetteer.min_distance_km(lat, lon, gazetteer.members(u.place_id)) <= max_km:
            return True
    return False
