"""The shipped coding dictionaries (data/dictionaries/*.csv) validate, are big enough, resolve the groups the
coder must know, and a broken dictionary stops the run with a coded error that names the file."""
from __future__ import annotations

import csv
import io
import shutil
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import E_DICTIONARY, PipelineError
from schemas.dictionaries import (
    DICTIONARIES,
    GTD_TARGET_TYPES,
    actor_surface_forms,
    alias_index,
    alias_key,
    dictionaries_version,
    load_dictionaries,
    read_dictionary,
    split_aliases,
    validate_dictionary,
)

DICT_DIR = Path(__file__).resolve().parents[2] / "data" / "dictionaries"

MINIMUM_ROWS = {
    "actors": 220,
    "generic_actors": 150,
    "target_types": 200,
    "attack_types": 150,
    "triggers": 120,
    "nonviolent_contexts": 80,
}

# Countries whose state-force periods must cover 2015-01-01 .. today without a gap.
CONTINUOUS_COUNTRIES = ["PK", "AF", "IN", "NG", "SO", "ML", "BF", "CO", "MX", "PH", "MM", "IQ", "SY", "YE", "UA"]

# Surface form -> actor_id it must resolve to (exactly one actor).
REQUIRED_ALIASES = {
    "Tehreek-e-Taliban Pakistan": "ttp",
    "Tehrik-i-Taliban Pakistan": "ttp",
    "Tehreek e Taliban Pakistan": "ttp",
    "Pakistani Taliban": "ttp",
    "TTP": "ttp",
    "IS-K": "iskp",
    "ISKP": "iskp",
    "ISIS-K": "iskp",
    "Islamic State Khorasan": "iskp",
    "BLA": "bla",
    "Baloch Liberation Army": "bla",
    "BLF": "blf",
    "BRAS": "bras",
    "LeJ": "lej",
    "JeM": "jem",
    "Jaish-e-Mohammed": "jem",
    "Lashkar-e-Taiba": "let",
    "TRF": "trf",
    "Hizbul Mujahideen": "hizbul_mujahideen",
    "CPI (Maoist)": "cpi_maoist",
    "Naxals": "cpi_maoist",
    "ULFA": "ulfa_i",
    "Boko Haram": "boko_haram",
    "JAS": "boko_haram",
    "ISWAP": "iswap",
    "al-Shabaab": "al_shabaab",
    "Shabaab": "al_shabaab",
    "al-Shabab": "al_shabaab",
    "JNIM": "jnim",
    "IS Sahel": "is_sahel",
    "ADF": "adf",
    "M23": "m23",
    "CODECO": "codeco",
    "Houthis": "houthis",
    "Ansar Allah": "houthis",
    "Hamas": "hamas",
    "PIJ": "pij",
    "Hezbollah": "hezbollah",
    "HTS": "hts",
    "PKK": "pkk",
    "ELN": "eln",
    "EMC": "emc",
    "Segunda Marquetalia": "segunda_marquetalia",
    "FARC dissidents": "farc_dissidents",
    "Clan del Golfo": "clan_del_golfo",
    "CJNG": "cjng",
    "Sinaloa Cartel": "sinaloa_cartel",
    "Shining Path": "shining_path",
    "NPA": "npa",
    "Abu Sayyaf": "abu_sayyaf",
    "BIFF": "biff",
    "Maute group": "maute_group",
    "Arakan Army": "arakan_army",
    "KIA": "kia",
    "People's Defence Force": "pdf_myanmar",
    "BRN": "brn",
    "TPNPB": "tpnpb",
    "Taliban": "taliban",
    "Afghan Taliban": "taliban",
    "al-Qaeda": "al_qaeda",
    "AQAP": "aqap",
    "AQIM": "aqim",
    "Islamic State": "islamic_state",
    "ISIS": "islamic_state",
    "RSF": "rsf",
    "Fano": "fano",
    "OLA": "ola",
    "Ambazonian separatists": "ambazonian_separatists",
    "Viv Ansanm": "viv_ansanm",
    "Wagner Group": "wagner_group",
}

# Forms that would turn ordinary English into an actor under case-insensitive matching.
_ORDINARY_WORDS = {
    "let", "hum", "may", "can", "will", "fact", "mend", "amal", "is", "it", "us", "aa", "pdf", "the", "army", "police",
    "militants", "rebels", "gunmen", "state", "front", "forces", "movement", "group", "party", "resistance", "islamic",
    "liberation", "brigade", "brigades", "militia", "separatists", "insurgents", "jihadists", "taliban fighters",
}


@pytest.fixture(scope="module")
def dictionaries() -> dict[str, pd.DataFrame]:
    return load_dictionaries(DICT_DIR)


@pytest.fixture(scope="module")
def index(dictionaries) -> dict[str, list[str]]:
    return alias_index(dictionaries["actors"])


def _copy_dictionaries(tmp_path: Path) -> Path:
    target = tmp_path / "dictionaries"
    target.mkdir(parents=True)
    for filename, _ in DICTIONARIES.values():
        shutil.copy(DICT_DIR / filename, target / filename)
    return target


def _rewrite(path: Path, edit) -> None:
    """Rewrite a CSV through `edit(rows) -> rows` (rows are lists of strings, header first)."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(edit(rows))
    path.write_text(buf.getvalue(), encoding="utf-8")


# --- the shipped files ---------------------------------------------------------------------------------------

def test_dictionaries_valid_shipped_files_load(dictionaries):
    assert set(dictionaries) == set(DICTIONARIES)
    for key, frame in dictionaries.items():
        assert len(frame) > 0, key
    assert dictionaries["actors"]["inter"].dtype.kind == "i"


@pytest.mark.parametrize("key,minimum", sorted(MINIMUM_ROWS.items()))
def test_dictionaries_valid_minimum_rows(dictionaries, key, minimum):
    assert len(dictionaries[key]) >= minimum


@pytest.mark.parametrize("key", sorted(DICTIONARIES))
def test_dictionaries_valid_files_are_clean_sorted_csv(key):
    filename, model = DICTIONARIES[key]
    raw = (DICT_DIR / filename).read_bytes()
    text = raw.decode("utf-8")  # UTF-8, no BOM
    assert not text.startswith("\ufeff")
    assert "\r" not in text and text.endswith("\n")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(model.to_schema().columns), "exact header, in order"
    assert all(len(r) == len(rows[0]) for r in rows[1:])
    body = [tuple(r) for r in rows[1:]]
    sort_cols = {"state_forces": [0, 1, 2], "generic_actors": [0, 2], "triggers": [0, 1]}.get(key, [0])
    keys = [tuple(r[i] for i in sort_cols) for r in body]
    assert keys == sorted(keys), f"{filename} is not sorted by columns {sort_cols}"
    # Round trip through the csv module gives the same bytes: quoting is minimal and consistent.
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    assert buf.getvalue() == text


def test_dictionaries_valid_empty_cells_stay_empty_strings(dictionaries):
    actors = dictionaries["actors"]
    assert (actors["parent"] == "").any() and not actors["parent"].isna().any()
    assert (dictionaries["state_forces"]["end"] == "").any()


# --- actors -----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("form,actor_id", sorted(REQUIRED_ALIASES.items()))
def test_dictionaries_valid_required_group_resolves_to_one_actor(index, form, actor_id):
    assert index.get(alias_key(form)) == [actor_id]


def test_dictionaries_valid_no_alias_maps_to_two_actors(index):
    clashes = {form: ids for form, ids in index.items() if len(ids) > 1}
    assert clashes == {}


def test_dictionaries_valid_aliases_are_not_ordinary_words(dictionaries):
    bad = []
    for row in dictionaries["actors"].itertuples():
        for form in actor_surface_forms(row.name, row.aliases):
            if form.isupper():
                continue  # acronyms match case-sensitively
            if alias_key(form) in _ORDINARY_WORDS:
                bad.append((row.actor_id, form))
    assert bad == []


def test_dictionaries_valid_no_short_risky_acronyms(dictionaries):
    for row in dictionaries["actors"].itertuples():
        for alias in split_aliases(row.aliases):
            assert len(alias) >= 3, (row.actor_id, alias)
        assert "PDF" not in split_aliases(row.aliases)


def test_dictionaries_valid_iskp_is_a_branch_of_islamic_state(dictionaries):
    actors = dictionaries["actors"].set_index("actor_id")
    assert actors.loc["iskp", "parent"] == "islamic_state"
    assert actors.loc["iskp", "name"] == "Islamic State Khorasan Province (ISKP)"
    assert actors.loc["ttp", "name"] == "TTP: Tehreek-i-Taliban Pakistan"
    assert actors.loc["islamic_state", "country"] == "" and actors.loc["al_qaeda", "country"] == ""
    assert actors.loc["wagner_group", "inter"] == 8


def test_dictionaries_valid_coded_as_must_be_an_ancestor(dictionaries):
    actors = dictionaries["actors"].copy()
    assert actors.set_index("actor_id").loc["katiba_macina", "coded_as"] == "jnim"
    actors.loc[actors["actor_id"] == "emc", "coded_as"] = "pij"  # not an ancestor of the EMC
    with pytest.raises(PipelineError):
        validate_dictionary("actors", actors)


def test_dictionaries_valid_generic_terms_are_not_actor_aliases(dictionaries, index):
    overlap = [t for t in dictionaries["generic_actors"]["term"] if alias_key(t) in index]
    assert overlap == []


# --- state forces ------------------------------------------------------------------------------------------------

def test_dictionaries_valid_state_forces_cover_sixty_countries(dictionaries):
    forces = dictionaries["state_forces"]
    assert forces["country"].nunique() >= 60
    # every period has the three forces
    per_period = forces.groupby(["country", "start"])["force"].apply(frozenset)
    assert (per_period == frozenset({"military", "police", "government"})).all()


@pytest.mark.parametrize("iso2", CONTINUOUS_COUNTRIES)
def test_dictionaries_valid_state_forces_cover_2015_to_now_without_gaps(dictionaries, iso2):
    forces = dictionaries["state_forces"]
    for force in ("military", "police"):
        rows = forces[(forces["country"] == iso2) & (forces["force"] == force)].sort_values("start")
        assert not rows.empty, (iso2, force)
        assert rows.iloc[0]["start"] <= "2015-01-01", (iso2, force)
        assert rows.iloc[-1]["end"] == "", (iso2, force, "the last period is current")
        for prev, nxt in zip(rows.itertuples(), rows.iloc[1:].itertuples()):
            assert date.fromisoformat(prev.end) + timedelta(days=1) == date.fromisoformat(nxt.start), (iso2, force)


def test_dictionaries_valid_state_force_names_follow_acled(dictionaries):
    names = set(dictionaries["state_forces"]["name"])
    assert {"Military Forces of Pakistan (2022-)", "Police Forces of Pakistan (2018-2022)",
            "Military Forces of India (2014-)"} <= names


# --- lexicons ----------------------------------------------------------------------------------------------------

def test_dictionaries_valid_target_types_use_all_main_gtd_labels(dictionaries):
    used = set(dictionaries["target_types"]["target_type"])
    assert used <= set(GTD_TARGET_TYPES)
    assert {"Police", "Military", "Private Citizens & Property", "Religious Figures/Institutions",
            "Educational Institution", "Journalists & Media", "Transportation", "Utilities",
            "Government (General)", "Government (Diplomatic)", "Business", "NGO"} <= used


@pytest.mark.parametrize("term,target_type", [
    ("police station", "Police"), ("checkpoint", "Military"), ("mosque", "Religious Figures/Institutions"),
    ("school", "Educational Institution"), ("market", "Private Citizens & Property"), ("bus", "Transportation"),
    ("journalist", "Journalists & Media"), ("embassy", "Government (Diplomatic)"), ("pipeline", "Utilities"),
    ("telecom tower", "Telecommunication"), ("aid workers", "NGO"), ("refugee camp", "Other"),
])
def test_dictionaries_valid_target_examples(dictionaries, term, target_type):
    table = dictionaries["target_types"].set_index("term")
    assert table.loc[term, "target_type"] == target_type


@pytest.mark.parametrize("term,tactic", [
    ("suicide bomber", "suicide_bomb"), ("roadside bomb", "remote_explosive"), ("ied", "remote_explosive"),
    ("grenade", "grenade"), ("drone strike", "air_strike"), ("mortar", "shelling"), ("opened fire", "firearms"),
    ("machete", "melee"), ("abducted", "kidnapping"), ("siege", "hostage_barricade"), ("torched", "arson"),
    ("hijacked", "hijacking"), ("lynched", "unarmed"), ("chemical attack", "chemical"),
])
def test_dictionaries_valid_attack_examples(dictionaries, term, tactic):
    assert dictionaries["attack_types"].set_index("term").loc[term, "tactic"] == tactic


def test_dictionaries_valid_trigger_strengths(dictionaries):
    trig = dictionaries["triggers"].set_index(["lemma", "pos"])
    for key in [("attack", "NOUN"), ("attack", "VERB"), ("bombing", "NOUN"), ("ambush", "VERB"), ("explode", "VERB")]:
        assert trig.loc[key, "strength"] == "strong", key
    for key in [("kill", "VERB"), ("die", "VERB"), ("wound", "VERB"), ("shoot", "VERB"), ("fire", "VERB")]:
        assert trig.loc[key, "strength"] == "weak", key


def test_dictionaries_valid_nonviolent_examples(dictionaries):
    ctx = dictionaries["nonviolent_contexts"].set_index("term")["context"]
    assert ctx["heart attack"] == "disease" and ctx["striker"] == "sport" and ctx["cyber attack"] == "metaphor"
    assert ctx["road accident"] == "accident" and ctx["verdict"] == "court" and ctx["anniversary"] == "commemoration"


# --- broken dictionaries -----------------------------------------------------------------------------------------

def test_dictionaries_valid_bad_inter_code_raises_naming_the_file(tmp_path):
    folder = _copy_dictionaries(tmp_path)
    _rewrite(folder / "actors.csv", lambda rows: [rows[0], [*rows[1][:2], "9", *rows[1][3:]], *rows[2:]])
    with pytest.raises(PipelineError) as info:
        load_dictionaries(folder)
    assert info.value.code == E_DICTIONARY
    assert "actors.csv" in str(info.value) and "line 2" in str(info.value) and "inter" in str(info.value)


def test_dictionaries_valid_bad_target_label_raises_naming_the_file(tmp_path):
    folder = _copy_dictionaries(tmp_path)
    _rewrite(folder / "target_types.csv", lambda rows: [rows[0], [rows[1][0], "Policemen", ""], *rows[2:]])
    with pytest.raises(PipelineError) as info:
        load_dictionaries(folder)
    assert info.value.code == E_DICTIONARY
    assert "target_types.csv" in str(info.value) and "Policemen" in str(info.value)


def test_dictionaries_valid_alias_clash_raises(tmp_path):
    folder = _copy_dictionaries(tmp_path)

    def add_clash(rows):
        header, body = rows[0], rows[1:]
        col = header.index("aliases")
        body[0][col] += "|Pakistani Taliban"  # already TTP's
        return [header, *body]

    _rewrite(folder / "actors.csv", add_clash)
    with pytest.raises(PipelineError, match=r"actors\.csv.*surface_forms_unique"):
        load_dictionaries(folder)


def test_dictionaries_valid_bad_period_and_missing_column_raise(tmp_path):
    folder = _copy_dictionaries(tmp_path)
    _rewrite(folder / "state_forces.csv", lambda rows: [rows[0], [*rows[1][:4], "Military Forces of Nowhere (1999-)"],
                                                         *rows[2:]])
    with pytest.raises(PipelineError, match=r"state_forces\.csv.*name_matches_period"):
        load_dictionaries(folder)
    folder = _copy_dictionaries(tmp_path / "again")
    _rewrite(folder / "triggers.csv", lambda rows: [r[:3] for r in rows])
    with pytest.raises(PipelineError, match=r"triggers\.csv"):
        load_dictionaries(folder)


def test_dictionaries_valid_missing_file_raises(tmp_path):
    folder = _copy_dictionaries(tmp_path)
    (folder / "triggers.csv").unlink()
    with pytest.raises(PipelineError, match=r"triggers\.csv"):
        load_dictionaries(folder)
    with pytest.raises(PipelineError, match=r"triggers\.csv"):
        dictionaries_version(folder)


def test_dictionaries_valid_validate_dictionary_does_not_mutate_input():
    frame = read_dictionary(DICT_DIR / "actors.csv")
    before = frame.copy()
    validate_dictionary("actors", frame)
    pd.testing.assert_frame_equal(frame, before)


# --- version -----------------------------------------------------------------------------------------------------

def test_dictionaries_valid_version_is_stable_and_content_based(tmp_path):
    version = dictionaries_version(DICT_DIR)
    assert len(version) == 12 and int(version, 16) >= 0
    assert dictionaries_version(DICT_DIR) == version
    folder = _copy_dictionaries(tmp_path)
    for extra in sorted(DICT_DIR.glob("*.csv")):  # companions such as place_aliases.csv count too
        shutil.copy(extra, folder / extra.name)
    assert dictionaries_version(folder) == version
    with (folder / "nonviolent_contexts.csv").open("a", encoding="utf-8") as fh:
        fh.write("zzz test term,sport\n")
    assert dictionaries_version(folder) != version
