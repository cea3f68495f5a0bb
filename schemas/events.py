"""`events`: one row per real-world event, ACLED's columns first, then GTD-style fields.

Column names and value conventions follow ACLED's export wherever ACLED has the field
(`/work/shared/reference/codebooks.md` 1.1-1.7), so code written for ACLED exports runs unchanged; the
GTD-style fields follow GTD's labels (2.2, 2.3, 2.5).

Dtypes (what `EventsSchema.validate` returns, what `to_events_dtypes` produces, and what a Parquet round
trip gives back exactly):

    text columns            pandas "str" (StringDtype, NaN as missing value: pandas 3's default and what
                            pandera coerces `str` to)
    event_date              datetime64[ns], midnight (day resolution; pandera's naive datetime is [ns])
    non-null integers       int64
    nullable integers       Int64 (`wounded`, `geo_precision`)
    nullable booleans       boolean (`perpetrator_suspected`, `claimed`)
    coordinates             float64 (NaN for a country-level event)

Cross-column rules are registered pandera checks (serialisable, named), so a failing row is quarantined
with `reason = "schema:<check name>"`.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np
import pandas as pd
import pandera.extensions as extensions
import pandera.pandas as pa
from pandera.typing import Series

# --------------------------------------------------------------------------------------------------
# Vocabularies (codebooks.md)
# --------------------------------------------------------------------------------------------------

PV, DEM, SD = "Political violence", "Demonstrations", "Strategic developments"
PV_DEM = "Political violence; Demonstrations"
DISORDER_TYPES = (PV, DEM, SD, PV_DEM)

# event_type -> {sub_event_type: disorder_type}, in ACLED's precedence order (codebooks.md 1.2).
EVENT_TYPES: dict[str, dict[str, str]] = {
    "Battles": {
        "Government regains territory": PV,
        "Non-state actor overtakes territory": PV,
        "Armed clash": PV,
    },
    "Protests": {
        "Excessive force against protesters": PV_DEM,
        "Protest with intervention": DEM,
        "Peaceful protest": DEM,
    },
    "Riots": {
        "Violent demonstration": DEM,
        "Mob violence": PV,
    },
    "Explosions/Remote violence": {
        "Chemical weapon": PV,
        "Air/drone strike": PV,
        "Suicide bomb": PV,
        "Shelling/artillery/missile attack": PV,
        "Remote explosive/landmine/IED": PV,
        "Grenade": PV,
    },
    "Violence against civilians": {
        "Sexual violence": PV,
        "Attack": PV,
        "Abduction/forced disappearance": PV,
    },
    "Strategic developments": {
        "Agreement": SD,
        "Arrests": SD,
        "Change to group/activity": SD,
        "Disrupted weapons use": SD,
        "Headquarters or base established": SD,
        "Looting/property destruction": SD,
        "Non-violent transfer of territory": SD,
        "Other": SD,
    },
}
SUB_EVENT_TYPES: dict[str, str] = {s: e for e, subs in EVENT_TYPES.items() for s in subs}
DISORDER_OF_SUB_EVENT: dict[str, str] = {s: d for subs in EVENT_TYPES.values() for s, d in subs.items()}

# ACLED inter codes 1-8 as text (codebooks.md 1.3); position + 1 = the legacy numeric code.
INTER_TYPES = (
    "State forces",
    "Rebel group",
    "Political militia",
    "Identity militia",
    "Rioters",
    "Protesters",
    "Civilians",
    "External/Other forces",
)
INTER_CODE = {label: i + 1 for i, label in enumerate(INTER_TYPES)}

CIVILIAN_TARGETING = ("Civilians targeted",)
SOURCE_SCALES = ("Local partner", "Subnational", "National", "Regional", "International", "New media", "Other")

# GTD labels (codebooks.md 2.2, 2.3, 2.5), in code order.
ATTACK_TYPES = (
    "Assassination",
    "Armed Assault",
    "Bombing/Explosion",
    "Hijacking",
    "Hostage Taking (Barricade Incident)",
    "Hostage Taking (Kidnapping)",
    "Facility/Infrastructure Attack",
    "Unarmed Assault",
    "Unknown",
)
TARGET_TYPES = (
    "Business",
    "Government (General)",
    "Police",
    "Military",
    "Abortion Related",
    "Airports & Aircraft",
    "Government (Diplomatic)",
    "Educational Institution",
    "Food or Water Supply",
    "Journalists & Media",
    "Maritime",
    "NGO",
    "Other",
    "Private Citizens & Property",
    "Religious Figures/Institutions",
    "Telecommunication",
    "Terrorists/Non-State Militia",
    "Tourists",
    "Transportation",
    "Unknown",
    "Utilities",
    "Violent Political Party",
)
CLAIM_MODES = (
    "Letter",
    "Call (post-incident)",
    "Call (pre-incident)",
    "E-mail",
    "Note left at scene",
    "Video",
    "Posted to website, blog, etc.",
    "Personal claim",
    "Other",
    "Unknown",
)

EVENT_ID_PATTERN = r"^[A-Z]{3}[0-9]+$"


def interaction_label(inter1: Any, inter2: Any) -> Optional[str]:
    """ACLED's `interaction` text for two inter labels: lower code first ("State forces-Rebel group");
    one-sided events (no inter2) are "<inter1> only". None when inter1 is missing or unknown."""
    if not isinstance(inter1, str) or inter1 not in INTER_CODE:
        return None
    if inter2 is None or (not isinstance(inter2, str) and pd.isna(inter2)):
        return f"{inter1} only"
    if inter2 not in INTER_CODE:
        return None
    a, b = sorted((inter1, inter2), key=INTER_CODE.__getitem__)
    return f"{a}-{b}"


INTERACTIONS = tuple(
    [f"{a} only" for a in INTER_TYPES]
    + [f"{a}-{b}" for i, a in enumerate(INTER_TYPES) for b in INTER_TYPES[i:]]
)

# --------------------------------------------------------------------------------------------------
# Registered checks (named, serialisable; their names become reject reasons `schema:<name>`)
# --------------------------------------------------------------------------------------------------

# check name -> one-line rule, read by schemas.codebook. Other schema modules add their checks here.
CHECK_DESCRIPTIONS: dict[str, str] = {}


def register_check(description: str, statistics: tuple[str, ...] = (), check_type: str = "vectorized"):
    """Register `fn` as a pandera check method once (re-imports are harmless) and record its rule."""

    def deco(fn: Callable) -> Callable:
        CHECK_DESCRIPTIONS[fn.__name__] = description
        if not hasattr(pa.Check, fn.__name__):
            extensions.register_check_method(statistics=list(statistics), check_type=check_type)(fn)
        return fn

    return deco


@register_check("every value is a date at midnight (day resolution)")
def day_resolution(series: pd.Series) -> pd.Series:
    values = pd.to_datetime(series, errors="coerce")
    return values.notna() & (values == values.dt.normalize())


@register_check("ACLED scales (Local partner, Subnational, National, Regional, International, New media, Other), "
                "several joined by '-', each at most once")
def acled_source_scale(series: pd.Series) -> pd.Series:
    def ok(v: Any) -> bool:
        if not isinstance(v, str):
            return True  # nulls are governed by `nullable`
        parts = _split_scales(v)
        return parts is not None and len(parts) == len(set(parts))

    return series.map(ok).astype(bool)


def _split_scales(value: str) -> Optional[list[str]]:
    """Split 'Local partner-National' into known scales (greedy, scale names contain no '-')."""
    parts = value.split("-")
    return parts if all(p in SOURCE_SCALES for p in parts) else None


@register_check("sub_event_type is one of the sub-event types of event_type (ACLED 1.2)",
                statistics=("event_type", "sub_event_type"))
def sub_event_type_in_event_type(df: pd.DataFrame, *, event_type: str, sub_event_type: str) -> pd.Series:
    expected = df[sub_event_type].map(lambda s: SUB_EVENT_TYPES.get(s) if isinstance(s, str) else None)
    return (expected == df[event_type]).fillna(False).astype(bool)


@register_check("disorder_type is the one ACLED gives sub_event_type (Excessive force against protesters: "
                "'Political violence; Demonstrations')", statistics=("sub_event_type", "disorder_type"))
def disorder_type_fits(df: pd.DataFrame, *, sub_event_type: str, disorder_type: str) -> pd.Series:
    expected = df[sub_event_type].map(lambda s: DISORDER_OF_SUB_EVENT.get(s) if isinstance(s, str) else None)
    return (expected == df[disorder_type]).fillna(False).astype(bool)


@register_check("interaction is built from inter1 and inter2: lower code first joined by '-', "
                "'<inter1> only' when there is no actor2", statistics=("inter1", "inter2", "interaction"))
def interaction_matches_inters(df: pd.DataFrame, *, inter1: str, inter2: str, interaction: str) -> pd.Series:
    expected = [interaction_label(a, b) for a, b in zip(df[inter1], df[inter2])]
    return pd.Series([e is not None and e == v for e, v in zip(expected, df[interaction])], index=df.index)


@register_check("actor2 and inter2 are both set or both null; assoc_actor_2 only with an actor2",
                statistics=("actor2", "inter2", "assoc_actor_2"))
def actor2_consistent(df: pd.DataFrame, *, actor2: str, inter2: str, assoc_actor_2: str) -> pd.Series:
    has_actor = df[actor2].notna()
    return (has_actor == df[inter2].notna()) & (has_actor | df[assoc_actor_2].isna())


@register_check("claimed_by is null unless claimed is true", statistics=("claimed", "claimed_by"))
def claimed_by_requires_claim(df: pd.DataFrame, *, claimed: str, claimed_by: str) -> pd.Series:
    is_claimed = df[claimed].astype("boolean").fillna(False).astype(bool)
    return (is_claimed | df[claimed_by].isna()).astype(bool)


@register_check("claim_mode is null unless claimed is true", statistics=("claimed", "claim_mode"))
def claim_mode_requires_claim(df: pd.DataFrame, *, claimed: str, claim_mode: str) -> pd.Series:
    is_claimed = df[claimed].astype("boolean").fillna(False).astype(bool)
    return (is_claimed | df[claim_mode].isna()).astype(bool)


@register_check("perpetrator_suspected is null when there is no perpetrator",
                statistics=("perpetrator", "perpetrator_suspected"))
def suspected_requires_perpetrator(df: pd.DataFrame, *, perpetrator: str, perpetrator_suspected: str) -> pd.Series:
    return (df[perpetrator].notna() | df[perpetrator_suspected].isna()).astype(bool)


@register_check("fatalities_low <= fatalities <= fatalities_high", statistics=("low", "best", "high"))
def fatalities_within_range(df: pd.DataFrame, *, low: str, best: str, high: str) -> pd.Series:
    return ((df[low] <= df[best]) & (df[best] <= df[high])).fillna(False).astype(bool)


@register_check("year is the year of event_date", statistics=("year", "event_date"))
def year_matches_event_date(df: pd.DataFrame, *, year: str, event_date: str) -> pd.Series:
    dates = pd.to_datetime(df[event_date], errors="coerce")
    return (dates.dt.year == df[year]).fillna(False).astype(bool)


@register_check("geo_precision and coordinates are null together (a country-level event, GTD specificity 5), "
                "and a country-level event names no admin1, admin2, admin3 or location",
                statistics=("geo_precision", "latitude", "longitude", "admin1", "admin2", "admin3", "location"))
def country_level_consistent(df: pd.DataFrame, *, geo_precision: str, latitude: str, longitude: str, admin1: str,
                             admin2: str, admin3: str, location: str) -> pd.Series:
    unplaced = df[geo_precision].isna()
    same = (unplaced == df[latitude].isna()) & (unplaced == df[longitude].isna())
    finer = df[admin1].notna() | df[admin2].notna() | df[admin3].notna() | df[location].notna()
    return (same & ~(unplaced & finer)).astype(bool)


# --------------------------------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------------------------------

DateTime = pa.DateTime  # naive datetime64[ns] (pandera's only naive unit)


class EventsSchema(pa.DataFrameModel):
    """One row per event: ACLED's 31 export columns, then GTD-style perpetrator, claim, target,
    attack and casualty fields, then the number of input documents behind the event."""

    event_id_cnty: Series[str] = pa.Field(
        str_matches=EVENT_ID_PATTERN,
        unique=True,
        description="Event id: ISO 3166 alpha-3 country code + number (e.g. PAK1). Assigned once and kept "
        "from release to release however the event's reports change.",
    )
    event_date: Series[DateTime] = pa.Field(
        day_resolution=(),
        description="Day the event took place (day resolution; datetime64[ns] at midnight).",
    )
    year: Series[int] = pa.Field(in_range={"min_value": 1900, "max_value": 2100}, description="Year of event_date.")
    time_precision: Series[int] = pa.Field(
        isin=[1, 2, 3],
        description="ACLED time precision: 1 = exact date; 2 = within a week (its middle); 3 = within a month "
        "(mid-month).",
    )
    disorder_type: Series[str] = pa.Field(
        isin=list(DISORDER_TYPES),
        description="ACLED disorder type, fixed by sub_event_type.",
    )
    event_type: Series[str] = pa.Field(isin=list(EVENT_TYPES), description="ACLED event type (6 values).")
    sub_event_type: Series[str] = pa.Field(
        isin=list(SUB_EVENT_TYPES),
        description="ACLED sub-event type (25 values), one of those of event_type.",
    )
    actor1: Series[str] = pa.Field(
        description="First main actor, ACLED-style canonical name, e.g. 'TTP: Tehreek-i-Taliban Pakistan', "
        "'Unidentified Armed Group (Pakistan)'.",
    )
    assoc_actor_1: Series[str] = pa.Field(
        nullable=True, description="Allies or identity labels of actor1, ';'-separated; null when none."
    )
    inter1: Series[str] = pa.Field(isin=list(INTER_TYPES), description="ACLED actor type of actor1 (text form).")
    actor2: Series[str] = pa.Field(
        nullable=True,
        description="Second main actor (the victim in Violence against civilians); null for one-sided events.",
    )
    assoc_actor_2: Series[str] = pa.Field(
        nullable=True, description="Allies or identity labels of actor2, ';'-separated; null when none."
    )
    inter2: Series[str] = pa.Field(
        nullable=True, isin=list(INTER_TYPES), description="ACLED actor type of actor2; null when no actor2."
    )
    interaction: Series[str] = pa.Field(
        isin=list(INTERACTIONS),
        description="Pair of actor types, lower inter code first (e.g. 'State forces-Rebel group'); "
        "'<inter1> only' for one-sided events (e.g. 'Rebel group only').",
    )
    civilian_targeting: Series[str] = pa.Field(
        nullable=True,
        isin=list(CIVILIAN_TARGETING),
        description="'Civilians targeted' when civilians were the main target; null otherwise.",
    )
    iso: Series[int] = pa.Field(in_range={"min_value": 0, "max_value": 999}, description="ISO 3166-1 numeric code of the country (586 = Pakistan).")
    region: Series[str] = pa.Field(description="ACLED world region, e.g. 'Southern Asia'.")
    country: Series[str] = pa.Field(description="Country or territory where the event took place.")
    admin1: Series[str] = pa.Field(nullable=True, description="First-order administrative division (province).")
    admin2: Series[str] = pa.Field(nullable=True, description="Second-order administrative division (district).")
    admin3: Series[str] = pa.Field(nullable=True, description="Third-order administrative division.")
    location: Series[str] = pa.Field(nullable=True, description="Named place (town, city or city district).")
    latitude: Series[float] = pa.Field(
        nullable=True,
        in_range={"min_value": -90.0, "max_value": 90.0},
        description="Latitude of the location (WGS84 / EPSG:4326, decimal degrees); null for a country-level "
        "event (never a country centroid).",
    )
    longitude: Series[float] = pa.Field(
        nullable=True,
        in_range={"min_value": -180.0, "max_value": 180.0},
        description="Longitude of the location (WGS84 / EPSG:4326, decimal degrees); null for a country-level "
        "event.",
    )
    geo_precision: Series[pd.Int64Dtype] = pa.Field(
        nullable=True,
        isin=[1, 2, 3],
        description="ACLED geo precision: 1 = the named town/place; 2 = near a town or part of a region; "
        "3 = a larger region only (provincial capital or natural feature); null = only the country is known "
        "(GTD specificity 5: admin1, admin2, location and coordinates null).",
    )
    source: Series[str] = pa.Field(description="Names of the outlets that contributed details, ';'-separated.")
    source_scale: Series[str] = pa.Field(
        nullable=True,
        acled_source_scale=(),
        description="ACLED source scale(s), several joined by '-' (e.g. 'Subnational-National').",
    )
    notes: Series[str] = pa.Field(description="Short narrative of the event.")
    fatalities: Series[int] = pa.Field(
        ge=0,
        description="Reported deaths, ACLED-conservative: the lowest credible figure when reports conflict; "
        "0 = none reported.",
    )
    tags: Series[str] = pa.Field(nullable=True, description="Structured tags, ';'-separated (ACLED style).")
    timestamp: Series[int] = pa.Field(
        ge=0, description="Unix time (seconds) of the last change to this row; rises when the event is edited."
    )
    perpetrator: Series[str] = pa.Field(
        nullable=True, description="GTD-style perpetrator group (canonical actor name); null when unattributed."
    )
    perpetrator_suspected: Series[pd.BooleanDtype] = pa.Field(
        nullable=True,
        description="True when the perpetrator is only suspected (GTD guncertain); null when no perpetrator.",
    )
    claimed: Series[pd.BooleanDtype] = pa.Field(
        nullable=True,
        description="Responsibility claimed: true; false = reported as unclaimed; null = not reported.",
    )
    claimed_by: Series[str] = pa.Field(
        nullable=True, description="Group that claimed responsibility; null unless claimed is true."
    )
    claim_mode: Series[str] = pa.Field(
        nullable=True, isin=list(CLAIM_MODES), description="How the claim was made (GTD claimmode labels)."
    )
    target_type: Series[str] = pa.Field(
        nullable=True, isin=list(TARGET_TYPES), description="Target/victim type (GTD targtype labels, 22 values)."
    )
    attack_type: Series[str] = pa.Field(
        nullable=True, isin=list(ATTACK_TYPES), description="Attack type (GTD attacktype labels, 9 values)."
    )
    fatalities_low: Series[int] = pa.Field(ge=0, description="Lowest reported death toll across reports.")
    fatalities_high: Series[int] = pa.Field(ge=0, description="Highest reported death toll across reports.")
    wounded: Series[pd.Int64Dtype] = pa.Field(
        nullable=True, ge=0, description="Reported non-fatal injuries (lowest credible figure); null = not reported."
    )
    n_sources: Series[int] = pa.Field(ge=1, description="Number of input documents reporting the event.")

    class Config:
        strict = True
        coerce = True
        ordered = True
        description = "One row per event (ACLED columns + GTD-style fields)."
        sub_event_type_in_event_type = {"event_type": "event_type", "sub_event_type": "sub_event_type"}
        disorder_type_fits = {"sub_event_type": "sub_event_type", "disorder_type": "disorder_type"}
        actor2_consistent = {"actor2": "actor2", "inter2": "inter2", "assoc_actor_2": "assoc_actor_2"}
        interaction_matches_inters = {"inter1": "inter1", "inter2": "inter2", "interaction": "interaction"}
        claimed_by_requires_claim = {"claimed": "claimed", "claimed_by": "claimed_by"}
        claim_mode_requires_claim = {"claimed": "claimed", "claim_mode": "claim_mode"}
        suspected_requires_perpetrator = {"perpetrator": "perpetrator", "perpetrator_suspected": "perpetrator_suspected"}
        fatalities_within_range = {"low": "fatalities_low", "best": "fatalities", "high": "fatalities_high"}
        year_matches_event_date = {"year": "year", "event_date": "event_date"}
        country_level_consistent = {"geo_precision": "geo_precision", "latitude": "latitude", "longitude": "longitude",
                                    "admin1": "admin1", "admin2": "admin2", "admin3": "admin3",
                                    "location": "location"}


# --------------------------------------------------------------------------------------------------
# Explicit dtypes
# --------------------------------------------------------------------------------------------------

STR = "str"  # pandas 3: StringDtype(na_value=nan), pyarrow storage
DATETIME = "datetime64[ns]"


def _dtype_name(dtype: Any) -> str:
    name = str(dtype)
    if name.startswith("string"):
        return STR
    return name


def schema_dtypes(model: type[pa.DataFrameModel]) -> dict[str, str]:
    """Column -> the pandas dtype name `model.validate` produces, in column order."""
    return {name: _dtype_name(col.dtype) for name, col in model.to_schema().columns.items()}


def to_event_date(values: Any) -> pd.Series:
    """Parse dates explicitly to datetime64[ns] at day resolution.

    pandas 3 infers the unit (`[s]`, `[us]`) from the input, and pandera's naive datetime is `[ns]`: this
    converts once, on purpose. Strings (`2023-02-17`), dates, datetimes and Timestamps are accepted; a time
    of day is dropped (the event's calendar day is kept); a timezone-aware value keeps its local date.
    Unparseable values become NaT (validation then rejects the row)."""
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_localize(None)
    elif not pd.api.types.is_datetime64_dtype(s.dtype):
        parsed = []
        for v in s:
            try:
                ts = pd.Timestamp(v) if v is not None and not (isinstance(v, float) and np.isnan(v)) else pd.NaT
            except (ValueError, TypeError):
                ts = pd.NaT
            if ts is not pd.NaT and ts.tzinfo is not None:
                ts = ts.tz_localize(None)
            parsed.append(ts)
        s = pd.Series(pd.DatetimeIndex(parsed), index=s.index, name=s.name)
    return s.astype(DATETIME).dt.normalize()


def coerce_dtypes(df: pd.DataFrame, dtypes: dict[str, str], *, order: bool = True) -> pd.DataFrame:
    """Return a copy of `df` with each known column converted to its dtype (columns in `dtypes` order
    first, unknown columns after). A column that cannot be converted is left as it is, so validation can
    quarantine the offending rows instead of failing here."""
    out = df.copy()
    for col, dtype in dtypes.items():
        if col not in out.columns:
            continue
        s = out[col]
        try:
            if dtype == DATETIME:
                out[col] = to_event_date(s) if col == "event_date" else _to_datetime_ns(s)
            elif dtype == "int64":
                out[col] = pd.to_numeric(s).astype("int64")
            elif dtype == "Int64":
                out[col] = pd.to_numeric(s).astype("Int64")
            elif dtype == "float64":
                out[col] = pd.to_numeric(s).astype("float64")
            elif dtype == "boolean":
                out[col] = s.astype("boolean")
            elif dtype == STR:
                out[col] = s.astype(STR)
            else:
                out[col] = s.astype(dtype)
        except (ValueError, TypeError, OverflowError):
            pass
    if order:
        known = [c for c in dtypes if c in out.columns]
        out = out[known + [c for c in out.columns if c not in dtypes]]
    return out


def _to_datetime_ns(s: pd.Series) -> pd.Series:
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_convert("UTC").dt.tz_localize(None)
    elif not pd.api.types.is_datetime64_dtype(s.dtype):
        s = pd.to_datetime(s, utc=True, format="mixed").dt.tz_localize(None)
    return s.astype(DATETIME)


EVENTS_DTYPES = schema_dtypes(EventsSchema)
EVENT_COLUMNS = list(EVENTS_DTYPES)


def to_events_dtypes(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of `df` with the events dtypes (see module docstring), columns in schema order, so that
    validation changes nothing and a Parquet round trip is exact."""
    return coerce_dtypes(df, EVENTS_DTYPES)
