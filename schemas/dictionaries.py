"""Schemas of the curated coding dictionaries in `data/dictionaries/`, and their loader.

Seven CSV files (UTF-8, header row, comma-separated, sorted) drive the rule-based coder:

    actors.csv               named non-state armed groups: canonical ACLED-style name, inter code, aliases
    state_forces.csv         ACLED regime-period names of state forces (`Military Forces of Pakistan (2022-)`)
    generic_actors.csv       unnamed actors ("gunmen", "villagers", "Rangers") -> role, country, unit
    target_types.csv         what was hit ("police station") -> GTD target type and subtype
    attack_types.csv         how ("roadside bomb") -> tactic and GTD weapon type
    triggers.csv             event trigger lemmas -> event class and strength
    nonviolent_contexts.csv  phrases that make "attack"/"shot"/"killed" not political violence

`load_dictionaries(directory)` reads them with `keep_default_na=False` (an empty cell stays ""), validates each
lazily and raises `PipelineError(E_DICTIONARY)` naming the file and the failing lines. A broken dictionary is a
configuration fault, never a reason to skip rows. `dictionaries_version(directory)` fingerprints the folder.

Actor aliases: the matcher (pipeline/nlp.py) matches all-uppercase aliases case-sensitively and everything
else case-insensitively, and also matches the canonical name and, for `ACRONYM: Full name` names, each half.
`actor_surface_forms` lists exactly those forms; no form may belong to two actors (compared case-folded).
"""
from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pycountry
from pandera.typing import Series

from pipeline.errors import E_DICTIONARY, PipelineError

# --- enumerations -------------------------------------------------------------------------------------------

#: ACLED inter codes a named non-state actor can take (codebooks.md 1.3); 1 (state forces) lives in state_forces.
INTER_CODES: dict[int, str] = {2: "Rebel group", 3: "Political militia", 4: "Identity militia", 8: "External/Other forces"}

ISO2_CODES: tuple[str, ...] = tuple(sorted({c.alpha_2 for c in pycountry.countries} | {"XK"}))

STATE_FORCES = ("military", "police", "government")
_FORCE_PREFIX = {"military": "Military Forces of ", "police": "Police Forces of ", "government": "Government of "}

GENERIC_ROLES = ("armed_group", "military", "police", "paramilitary", "government", "civilians", "protesters",
                 "rioters", "mob")
_ROLES_WITH_UNIT = ("military", "police", "paramilitary", "government")

#: GTD `targtype` labels (codebooks.md 2.3) and their `targsubtype` labels (GTD codebook).
GTD_TARGET_SUBTYPES: dict[str, tuple[str, ...]] = {
    "Business": (
        "Gas/Oil/Electric", "Restaurant/Bar/Café", "Bank/Commerce", "Multinational Corporation",
        "Industrial/Textiles/Factory", "Medical/Pharmaceutical", "Retail/Grocery/Bakery", "Hotel/Resort",
        "Farm/Ranch", "Mining", "Entertainment/Cultural/Stadium/Casino", "Construction",
        "Private Security Company/Firm"),
    "Government (General)": (
        "Judge/Attorney/Court", "Politician or Political Party Movement/Meeting/Rally", "Royalty", "Head of State",
        "Government Personnel (excluding police, military)", "Election-related", "Intelligence",
        "Government Building/Facility/Office"),
    "Police": (
        "Police Building (headquarters, station, school)", "Police Patrol (including vehicles and convoys)",
        "Police Checkpoint", "Police Security Forces/Officers", "Prison/Jail"),
    "Military": (
        "Military Barracks/Base/Headquarters/Checkpost", "Military Recruiting Station/Academy",
        "Military Unit/Patrol/Convoy", "Military Weaponry", "Military Aircraft", "Military Maritime",
        "Non-combatant Personnel", "Military Personnel (soldiers, troops, officers, forces)",
        "Military Transportation/Vehicle (excluding convoys)", "Military Checkpoint",
        "North Atlantic Treaty Organization (NATO)", "Paramilitary"),
    "Abortion Related": ("Clinics", "Personnel"),
    "Airports & Aircraft": ("Aircraft (not at an airport)", "Airline Officer/Personnel", "Airport"),
    "Government (Diplomatic)": (
        "Diplomatic Personnel (outside of embassy, consulate)", "Embassy/Consulate",
        "International Organization (peacekeeper, aid agency, compound)"),
    "Educational Institution": ("Teacher/Professor/Instructor", "School/University/Educational Building",
                                "Other Personnel"),
    "Food or Water Supply": ("Food Supply", "Water Supply"),
    "Journalists & Media": (
        "Newspaper Journalist/Staff/Facility", "Radio Journalist/Staff/Facility",
        "Television Journalist/Staff/Facility", "Other (including online news agencies)"),
    "Maritime": ("Civilian Maritime", "Commercial Maritime", "Oil Tanker", "Port"),
    "NGO": ("Domestic NGO", "International NGO"),
    "Other": ("Ambulance", "Fire Fighter/Truck", "Refugee Camp", "Demilitarized Zone (including Border Areas)"),
    "Private Citizens & Property": (
        "Unnamed Civilian/Unspecified", "Named Civilian", "Religion Identified", "Student",
        "Race/Ethnicity Identified", "Farmer", "Vehicles/Transportation", "Marketplace/Plaza/Square",
        "Village/City/Town/Suburb", "House/Apartment/Residence", "Laborer (General)/Occupation Identified",
        "Procession/Gathering (funeral, wedding, birthday, religious)",
        "Public Areas (e.g., Public garden, parking lot, garage, beach, public buildings, camps)",
        "Memorial/Cemetery/Monument", "Museum/Cultural Center/Cultural House", "Labor Union Related", "Protester",
        "Political Party Member/Rally"),
    "Religious Figures/Institutions": ("Religious Figure", "Place of Worship", "Affiliated Institution"),
    "Telecommunication": ("Radio", "Television", "Telephone/Telegraph", "Internet Infrastructure",
                          "Multiple Telecommunication Targets"),
    "Terrorists/Non-State Militia": ("Terrorist Organization", "Non-State Militia"),
    "Tourists": ("Tourism Travel Agency", "Tour Bus/Van/Vehicle", "Tourist", "Other Facility"),
    "Transportation": (
        "Bus (excluding tourists)", "Train/Train Tracks/Trolley", "Bus Station/Stop", "Subway", "Bridge/Car Tunnel",
        "Highway/Road/Toll/Traffic Signal", "Taxi/Rickshaw"),
    "Unknown": (),
    "Utilities": ("Gas", "Electricity", "Oil"),
    "Violent Political Party": ("Party Official/Candidate/Other Personnel", "Party Office/Facility", "Rally"),
}
GTD_TARGET_TYPES: tuple[str, ...] = tuple(GTD_TARGET_SUBTYPES)

#: GTD `weaptype` labels (codebooks.md 2.6).
GTD_WEAPON_TYPES: tuple[str, ...] = (
    "Biological", "Chemical", "Radiological", "Nuclear", "Firearms", "Explosives", "Fake Weapons", "Incendiary",
    "Melee", "Vehicle (not to include vehicle-borne explosives, i.e., car or truck bombs)", "Sabotage Equipment",
    "Other", "Unknown")

TACTICS = ("suicide_bomb", "remote_explosive", "grenade", "air_strike", "shelling", "firearms", "melee", "kidnapping",
           "hostage_barricade", "arson", "hijacking", "unarmed", "chemical")
EVENT_CLASSES = ("attack", "clash", "kill", "wound", "explode", "shoot", "bomb", "strike", "shell", "abduct", "hostage",
                 "burn", "protest", "riot", "arrest", "defuse", "seize_weapons", "capture", "retake", "hijack", "lynch",
                 "assassinate")
TRIGGER_POS = ("VERB", "NOUN")
TRIGGER_STRENGTHS = ("strong", "weak")
NONVIOLENT_CONTEXTS = ("sport", "accident", "disaster", "disease", "court", "commemoration", "crime", "metaphor",
                       "animal")

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TERM = r"^\S(?:.*\S)?$"  # no leading/trailing whitespace
_PERIOD = re.compile(r"^(?P<prefix>.+) \((?P<start>\d{4})-(?P<end>\d{4})?\)$")


# --- helpers shared with the matcher and the tests ----------------------------------------------------------

def split_aliases(aliases: str) -> list[str]:
    """The pipe-separated `aliases` cell as a list (empty parts dropped)."""
    return [a for a in str(aliases).split("|") if a != ""]


def actor_surface_forms(name: str, aliases: str) -> list[str]:
    """Every string the actor matcher looks for: the name, its halves (`TTP: Tehreek-i-Taliban Pakistan` also as
    `TTP` and `Tehreek-i-Taliban Pakistan`) and the aliases; forms under 3 characters are never matched."""
    forms = [name, *split_aliases(aliases)]
    if ": " in name:
        forms.extend(part.strip() for part in name.split(": ", 1))
    out: list[str] = []
    for form in forms:
        if len(form) >= 3 and form not in out:
            out.append(form)
    return out


def alias_key(form: str) -> str:
    """Comparison key of a surface form: case-folded, whitespace collapsed."""
    return " ".join(form.casefold().split())


def alias_index(actors: pd.DataFrame) -> dict[str, list[str]]:
    """alias_key(form) -> actor_ids of the actors that have that surface form (one id when the dictionary is valid)."""
    index: dict[str, list[str]] = {}
    for actor_id, name, aliases in zip(actors["actor_id"], actors["name"], actors["aliases"]):
        for form in actor_surface_forms(str(name), str(aliases)):
            ids = index.setdefault(alias_key(form), [])
            if actor_id not in ids:
                ids.append(str(actor_id))
    return index


def _is_date(value: str) -> bool:
    if not _DATE.match(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _lowercase_term(series: pd.Series) -> pd.Series:
    return series == series.str.lower()


# --- models -------------------------------------------------------------------------------------------------

class ActorsSchema(pa.DataFrameModel):
    """actors.csv: one row per named non-state armed group, with the surface forms news uses for it."""

    actor_id: Series[str] = pa.Field(unique=True, str_matches=r"^[a-z0-9]+(?:_[a-z0-9]+)*$",
                                     description="Stable snake_case slug of the actor; never reused or renamed.")
    name: Series[str] = pa.Field(unique=True, str_length={"min_value": 3, "max_value": 120}, str_matches=_TERM,
                                 description="Canonical ACLED-style actor name, e.g. `TTP: Tehreek-i-Taliban Pakistan`, "
                                             "`Islamic State Khorasan Province (ISKP)`; what `actor1`/`actor2` carry.")
    inter: Series[int] = pa.Field(isin=list(INTER_CODES),
                                  description="ACLED inter code: 2 rebel group, 3 political militia (incl. gangs and "
                                              "pro-government militias), 4 identity militia, 8 external/other forces.")
    country: Series[str] = pa.Field(isin=["", *ISO2_CODES],
                                    description="ISO 3166-1 alpha-2 code of the main theatre; empty for transnational "
                                                "groups (Islamic State, al-Qaeda, Wagner Group).")
    aliases: Series[str] = pa.Field(str_length={"min_value": 1},
                                    description="`|`-separated surface forms as news writes them (spellings, "
                                                "transliterations, acronyms, translations). All-uppercase aliases match "
                                                "case-sensitively, the rest case-insensitively; each is >= 3 characters.")
    parent: Series[str] = pa.Field(description="actor_id of the parent organisation (ISKP -> islamic_state), or empty.")
    coded_as: Series[str] = pa.Field(description="actor_id of the organisation ACLED codes this group's actions as: "
                                                 "set for an armed wing or component (Al Quds Brigades -> pij, Katiba "
                                                 "Macina -> jnim), whose names then code as that organisation; "
                                                 "empty for affiliates (ISKP) and splinters (EMC), coded as themselves.")

    class Config:
        strict = True
        coerce = True
        ordered = True
        description = "Named non-state armed groups and their aliases (data/dictionaries/actors.csv)."

    @pa.check("aliases", name="aliases_well_formed",
              error="every alias is >= 3 characters, has no surrounding spaces, and appears once in its row")
    def _aliases_well_formed(cls, aliases: Series[str]) -> Series[bool]:
        def ok(cell: str) -> bool:
            parts = str(cell).split("|")
            keys = [alias_key(p) for p in parts]
            return (all(len(p) >= 3 and p == p.strip() and "\n" not in p for p in parts)
                    and len(set(keys)) == len(keys))
        return aliases.map(ok).astype(bool)

    @pa.dataframe_check(name="parent_is_known_actor", error="parent is empty or another row's actor_id")
    def _parent_is_known_actor(cls, df: pd.DataFrame) -> Series[bool]:
        known = set(df["actor_id"])
        return ((df["parent"] == "") | (df["parent"].isin(known) & (df["parent"] != df["actor_id"]))).astype(bool)

    @pa.dataframe_check(name="coded_as_is_an_ancestor",
                        error="coded_as is empty or an ancestor by `parent` that codes as itself")
    def _coded_as_is_an_ancestor(cls, df: pd.DataFrame) -> Series[bool]:
        parent = dict(zip(df["actor_id"], df["parent"]))
        coded = dict(zip(df["actor_id"], df["coded_as"]))

        def ok(actor_id: str, target: str) -> bool:
            if target == "":
                return True
            seen, p = 0, parent.get(actor_id, "")
            while p and seen < 10:
                if p == target:
                    return coded.get(target, "") == ""
                p, seen = parent.get(p, ""), seen + 1
            return False
        return pd.Series([ok(a, t) for a, t in zip(df["actor_id"], df["coded_as"])], index=df.index)

    @pa.dataframe_check(name="surface_forms_unique",
                        error="no name, name half or alias (case-folded) belongs to two actors")
    def _surface_forms_unique(cls, df: pd.DataFrame) -> Series[bool]:
        index = alias_index(df)
        clashing = {key for key, ids in index.items() if len(ids) > 1}
        return pd.Series(
            [not any(alias_key(f) in clashing for f in actor_surface_forms(str(n), str(a)))
             for n, a in zip(df["name"], df["aliases"])],
            index=df.index, dtype=bool)


class StateForcesSchema(pa.DataFrameModel):
    """state_forces.csv: ACLED's regime-period names for a country's military, police and government."""

    country: Series[str] = pa.Field(isin=list(ISO2_CODES), description="ISO 3166-1 alpha-2 code of the state.")
    force: Series[str] = pa.Field(isin=list(STATE_FORCES),
                                  description="military (`Military Forces of X`), police (`Police Forces of X`) or "
                                              "government (`Government of X`).")
    start: Series[str] = pa.Field(str_matches=_DATE.pattern,
                                  description="ISO date the regime period starts (a new head of state or government, "
                                              "as ACLED dates it); inclusive.")
    end: Series[str] = pa.Field(str_matches=r"^$|^\d{4}-\d{2}-\d{2}$",
                                description="ISO date of the period's last day (inclusive); empty = current period.")
    name: Series[str] = pa.Field(unique=True, str_matches=r"^(Military Forces of|Police Forces of|Government of) .+ "
                                                          r"\(\d{4}-(\d{4})?\)$",
                                 description="ACLED actor name, e.g. `Military Forces of Pakistan (2022-)`, "
                                             "`Police Forces of Pakistan (2018-2022)`; units are appended after it.")

    class Config:
        strict = True
        coerce = True
        ordered = True
        unique = ["country", "force", "start"]
        description = "State forces by regime period (data/dictionaries/state_forces.csv)."

    @pa.dataframe_check(name="period_dates_valid", error="start and end are real dates and end >= start")
    def _period_dates_valid(cls, df: pd.DataFrame) -> Series[bool]:
        starts = df["start"].map(_is_date)
        ends = df["end"].map(lambda v: v == "" or _is_date(v))
        ordered = (df["end"] == "") | (df["end"] >= df["start"])
        return (starts & ends & ordered).astype(bool)

    @pa.dataframe_check(name="name_matches_period",
                        error="name is '<Military Forces of|Police Forces of|Government of> <Country> (<start year>-"
                              "<end year or empty>)' for the row's force and dates")
    def _name_matches_period(cls, df: pd.DataFrame) -> Series[bool]:
        def ok(force: str, start: str, end: str, name: str) -> bool:
            m = _PERIOD.match(name)
            return bool(m and m["prefix"].startswith(_FORCE_PREFIX.get(force, "\0")) and m["start"] == start[:4]
                        and (m["end"] or "") == end[:4])
        return pd.Series([ok(*r) for r in zip(df["force"], df["start"], df["end"], df["name"])],
                         index=df.index, dtype=bool)

    @pa.dataframe_check(name="one_country_name_per_code", error="every row of a country names it the same way")
    def _one_country_name_per_code(cls, df: pd.DataFrame) -> Series[bool]:
        def country_name(force: str, name: str) -> str:
            m = _PERIOD.match(name)
            prefix = _FORCE_PREFIX.get(force, "")
            return m["prefix"][len(prefix):] if m and m["prefix"].startswith(prefix) else name
        names = pd.Series([country_name(f, n) for f, n in zip(df["force"], df["name"])], index=df.index)
        return (names.groupby(df["country"]).transform("nunique") == 1).astype(bool)

    @pa.dataframe_check(name="periods_do_not_overlap",
                        error="a country's periods of one force do not overlap and only the last is open-ended")
    def _periods_do_not_overlap(cls, df: pd.DataFrame) -> Series[bool]:
        ok = pd.Series(True, index=df.index, dtype=bool)
        for _, group in df.groupby(["country", "force"], sort=False):
            group = group.sort_values("start")
            previous = None
            for idx, row in group.iterrows():
                if previous is not None and (previous["end"] == "" or previous["end"] >= row["start"]):
                    ok[idx] = False
                previous = row
        return ok


class GenericActorsSchema(pa.DataFrameModel):
    """generic_actors.csv: words for unnamed actors ("gunmen", "villagers", "Rangers") and who they are."""

    term: Series[str] = pa.Field(unique=True, str_matches=_TERM,
                                 description="Lowercase surface term as found in news (matched on form and lemma).")
    role: Series[str] = pa.Field(isin=list(GENERIC_ROLES),
                                 description="armed_group (-> Unidentified Armed Group (<Country>)), military, police, "
                                             "paramilitary (a state paramilitary: coded under the country's Military "
                                             "Forces with `unit`), government, civilians, protesters, rioters or mob.")
    country: Series[str] = pa.Field(isin=["", *ISO2_CODES],
                                    description="ISO2 code when the term names one country's force or group (Rangers "
                                                "-> PK); empty for generic words.")
    unit: Series[str] = pa.Field(description="Unit appended after the state force name (`Rangers`, `Frontier Corps`, "
                                             "`Assam Rifles`); empty when none.")

    class Config:
        strict = True
        coerce = True
        ordered = True
        description = "Generic (unnamed) actor terms (data/dictionaries/generic_actors.csv)."

    @pa.check("term", name="term_is_lowercase", error="terms are lowercase")
    def _term_is_lowercase(cls, term: Series[str]) -> Series[bool]:
        return _lowercase_term(term)

    @pa.dataframe_check(name="unit_only_for_state_roles", error="only military, police, paramilitary and government "
                                                                "terms carry a unit")
    def _unit_only_for_state_roles(cls, df: pd.DataFrame) -> Series[bool]:
        return ((df["unit"] == "") | df["role"].isin(_ROLES_WITH_UNIT)).astype(bool)


class TargetTypesSchema(pa.DataFrameModel):
    """target_types.csv: what was hit -> GTD target type (22 labels) and subtype."""

    term: Series[str] = pa.Field(unique=True, str_matches=_TERM,
                                 description="Lowercase noun or phrase naming what was attacked (\"police station\").")
    target_type: Series[str] = pa.Field(isin=list(GTD_TARGET_TYPES), description="GTD `targtype1_txt` label.")
    target_subtype: Series[str] = pa.Field(description="GTD `targsubtype1_txt` label belonging to `target_type`, or "
                                                       "empty when the term does not say.")

    class Config:
        strict = True
        coerce = True
        ordered = True
        description = "Target lexicon (data/dictionaries/target_types.csv)."

    @pa.check("term", name="term_is_lowercase", error="terms are lowercase")
    def _term_is_lowercase(cls, term: Series[str]) -> Series[bool]:
        return _lowercase_term(term)

    @pa.dataframe_check(name="subtype_belongs_to_type", error="target_subtype is empty or a GTD subtype of target_type")
    def _subtype_belongs_to_type(cls, df: pd.DataFrame) -> Series[bool]:
        return pd.Series([s == "" or s in GTD_TARGET_SUBTYPES.get(t, ())
                          for t, s in zip(df["target_type"], df["target_subtype"])], index=df.index, dtype=bool)


class AttackTypesSchema(pa.DataFrameModel):
    """attack_types.csv: phrases that reveal the tactic and the GTD weapon type."""

    term: Series[str] = pa.Field(unique=True, str_matches=_TERM,
                                 description="Lowercase phrase revealing how the attack was carried out (\"roadside bomb\").")
    tactic: Series[str] = pa.Field(isin=list(TACTICS),
                                   description="Tactic; it decides the ACLED sub-event type (suicide_bomb -> Suicide "
                                               "bomb, remote_explosive -> Remote explosive/landmine/IED, ...) and the "
                                               "GTD attack type.")
    weapon_type: Series[str] = pa.Field(isin=list(GTD_WEAPON_TYPES), description="GTD `weaptype1_txt` label.")

    class Config:
        strict = True
        coerce = True
        ordered = True
        description = "Tactic lexicon (data/dictionaries/attack_types.csv)."

    @pa.check("term", name="term_is_lowercase", error="terms are lowercase")
    def _term_is_lowercase(cls, term: Series[str]) -> Series[bool]:
        return _lowercase_term(term)


class TriggersSchema(pa.DataFrameModel):
    """triggers.csv: spaCy lemmas that trigger an event mention."""

    lemma: Series[str] = pa.Field(str_matches=r"^[a-z][a-z'-]*$",
                                  description="Lowercase spaCy lemma, one token (\"attack\", \"kill\", \"gunbattle\").")
    pos: Series[str] = pa.Field(isin=list(TRIGGER_POS), description="Coarse part of speech the lemma triggers as.")
    event_class: Series[str] = pa.Field(isin=list(EVENT_CLASSES), description="Kind of event the trigger signals.")
    strength: Series[str] = pa.Field(isin=list(TRIGGER_STRENGTHS),
                                     description="strong: enough on its own (attack, bombing, ambush, clash, explode); "
                                                 "weak: needs a violent context (kill, die, wound, shoot, fire), because "
                                                 "accidents, disease, sport and courts use them too.")

    class Config:
        strict = True
        coerce = True
        ordered = True
        unique = ["lemma", "pos"]
        description = "Event trigger lexicon (data/dictionaries/triggers.csv)."


class NonviolentContextsSchema(pa.DataFrameModel):
    """nonviolent_contexts.csv: phrases that make an "attack"/"shot"/"killed" sentence not political violence."""

    term: Series[str] = pa.Field(unique=True, str_matches=_TERM,
                                 description="Lowercase phrase (\"heart attack\", \"striker\", \"road accident\").")
    context: Series[str] = pa.Field(isin=list(NONVIOLENT_CONTEXTS), description="Which non-violent reading it signals.")

    class Config:
        strict = True
        coerce = True
        ordered = True
        description = "Non-violent context lexicon (data/dictionaries/nonviolent_contexts.csv)."

    @pa.check("term", name="term_is_lowercase", error="terms are lowercase")
    def _term_is_lowercase(cls, term: Series[str]) -> Series[bool]:
        return _lowercase_term(term)


#: key in `load_dictionaries`' result -> (file name, model)
DICTIONARIES: dict[str, tuple[str, type[pa.DataFrameModel]]] = {
    "actors": ("actors.csv", ActorsSchema),
    "state_forces": ("state_forces.csv", StateForcesSchema),
    "generic_actors": ("generic_actors.csv", GenericActorsSchema),
    "target_types": ("target_types.csv", TargetTypesSchema),
    "attack_types": ("attack_types.csv", AttackTypesSchema),
    "triggers": ("triggers.csv", TriggersSchema),
    "nonviolent_contexts": ("nonviolent_contexts.csv", NonviolentContextsSchema),
}

_MAX_REPORTED = 20


# --- loading ------------------------------------------------------------------------------------------------

def _check_names(model: type[pa.DataFrameModel]) -> dict[str, str]:
    """error text -> check name, so that a report shows both (pandera reports a check by its error text)."""
    schema = model.to_schema()
    checks = list(schema.checks) + [c for col in schema.columns.values() for c in col.checks]
    return {str(c.error): str(c.name) for c in checks if getattr(c, "error", None) and getattr(c, "name", None)}


def _short(value: object, limit: int = 60) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe_failures(exc: pa.errors.SchemaErrors, model: type[pa.DataFrameModel]) -> tuple[int, list[str]]:
    """One line per failing (line, check), CSV line numbers counted with the header as line 1."""
    names = _check_names(model)
    groups: dict[tuple[int, str], dict[str, str]] = {}
    for rec in exc.failure_cases.to_dict("records"):
        index = rec.get("index")
        line = -1 if index is None or pd.isna(index) else int(index) + 2
        check = str(rec.get("check"))
        label = f"{names[check]}: {check}" if check in names else check
        values = groups.setdefault((line, label), {})
        column = rec.get("column")
        if column is not None and not (isinstance(column, float) and pd.isna(column)):
            values[str(column)] = _short(rec.get("failure_case"))
    lines = []
    for (line, label), values in sorted(groups.items(), key=lambda kv: kv[0]):
        where = "file" if line < 0 else f"line {line}"
        detail = ", ".join(f"{c}={v!r}" for c, v in values.items())
        lines.append(f"{where}: {label}" + (f" ({detail})" if detail else ""))
    return len(lines), lines


def validate_dictionary(key: str, frame: pd.DataFrame, source: str | Path | None = None) -> pd.DataFrame:
    """Validate one dictionary frame (read as strings) against its model; PipelineError(E_DICTIONARY) if invalid."""
    if key not in DICTIONARIES:
        raise PipelineError(E_DICTIONARY, f"unknown dictionary {key!r}; known: {', '.join(DICTIONARIES)}")
    filename, model = DICTIONARIES[key]
    label = str(source) if source is not None else filename
    frame = frame.reset_index(drop=True)
    try:
        return model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        n, lines = _describe_failures(exc, model)
        shown = "; ".join(lines[:_MAX_REPORTED]) + (f"; ... and {n - _MAX_REPORTED} more" if n > _MAX_REPORTED else "")
        raise PipelineError(
            E_DICTIONARY,
            f"dictionary {filename} ({label}) is invalid, {n} problem(s): {shown}. Fix the file; a broken dictionary "
            "is never skipped.",
        ) from exc


def read_dictionary(path: str | Path) -> pd.DataFrame:
    """Read one dictionary CSV as strings; an empty cell stays ""."""
    path = Path(path)
    if not path.is_file():
        raise PipelineError(E_DICTIONARY, f"dictionary {path.name} not found at {path}; restore it from version control")
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise PipelineError(E_DICTIONARY, f"dictionary {path.name} ({path}) is unreadable: {exc}") from exc


def load_dictionaries(directory: str | Path) -> dict[str, pd.DataFrame]:
    """Read and validate all seven dictionaries; keys as in `DICTIONARIES` (actors, state_forces, ...)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise PipelineError(E_DICTIONARY, f"dictionary folder {directory} not found")
    return {key: validate_dictionary(key, read_dictionary(directory / filename), source=directory / filename)
            for key, (filename, _) in DICTIONARIES.items()}


def dictionaries_version(directory: str | Path) -> str:
    """First 12 hex characters of the sha256 of the dictionary files' bytes, files in sorted name order.

    Every `*.csv` in the folder counts (the seven coding dictionaries plus companions such as
    place_aliases.csv), so any edit to any dictionary changes the version and invalidates caches.
    """
    directory = Path(directory)
    missing = [f for f, _ in DICTIONARIES.values() if not (directory / f).is_file()]
    if missing:
        raise PipelineError(E_DICTIONARY, f"dictionary folder {directory} lacks {', '.join(sorted(missing))}")
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.csv"), key=lambda p: p.name):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


__all__ = [
    "ActorsSchema", "StateForcesSchema", "GenericActorsSchema", "TargetTypesSchema", "AttackTypesSchema",
    "TriggersSchema", "NonviolentContextsSchema", "DICTIONARIES", "INTER_CODES", "GTD_TARGET_TYPES",
    "GTD_TARGET_SUBTYPES", "GTD_WEAPON_TYPES", "TACTICS", "EVENT_CLASSES", "GENERIC_ROLES", "STATE_FORCES",
    "NONVIOLENT_CONTEXTS", "load_dictionaries", "dictionaries_version", "validate_dictionary", "read_dictionary",
    "actor_surface_forms", "alias_key", "alias_index", "split_aliases",
]
