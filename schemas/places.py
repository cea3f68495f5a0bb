"""Schemas of the curated place dictionaries: `data/dictionaries/place_aliases.csv` and `admin_changes.csv`.

Each row maps a spelling found in news (`alias`) to the place it names: a GeoNames place (`name`, looked up
within `country`, `feature` and, where given, `admin1`), or a place GeoNames lacks, which the row then
defines (a `city` with `latitude`/`longitude`, or a `region` that stands at its admin2's or admin1's town).
Former names map to the current unit (NWFP and FATA -> Khyber Pakhtunkhwa); `demonym` rows are country
evidence only ("Pakistani" -> PK).

`admin_changes.csv` moves a GeoNames district or town to the province it belongs to today, where the
packaged data are out of date or wrong (Basilan joined the Muslim Mindanao region in 2001; GeoNames puts
Konta, Sukma district, in Telangana though its coordinates are in Chhattisgarh). A district's towns move with it.
"""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipeline.errors import E_DICTIONARY, PipelineError

PLACE_FEATURES = ["country", "admin1", "admin2", "city", "region", "demonym"]


class PlaceAliasSchema(pa.DataFrameModel):
    alias: Series[str] = pa.Field(
        str_length={"min_value": 1, "max_value": 80},
        description="Spelling as found in news text (matched after case, accent and punctuation folding).")
    name: Series[str] = pa.Field(
        str_length={"min_value": 1, "max_value": 120},
        description="Canonical name of the place it refers to (GeoNames name, or the new place's name).")
    country: Series[str] = pa.Field(
        str_matches=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code of the place's country.")
    feature: Series[str] = pa.Field(
        isin=PLACE_FEATURES,
        description="Kind of place: country, admin1, admin2, city, region, or demonym (country evidence only).")
    admin1: Series[str] = pa.Field(
        description="Current first-order division containing the place (GeoNames name); blank if none.")
    note: Series[str] = pa.Field(
        description="Why the alias exists (former name, abbreviation, merger date, source of coordinates).")
    admin2: Series[str] = pa.Field(
        description="Second-order division (GeoNames name) of a place the row defines; else blank.")
    latitude: Series[str] = pa.Field(
        str_matches=r"^$|^-?\d{1,2}(\.\d+)?$", description="WGS84 latitude of a town GeoNames lacks; else blank.")
    longitude: Series[str] = pa.Field(
        str_matches=r"^$|^-?\d{1,3}(\.\d+)?$", description="WGS84 longitude of a town GeoNames lacks; else blank.")

    class Config:
        strict = True
        coerce = True
        unique = ["alias", "country", "feature"]
        description = "Curated place aliases: news spellings, former names and demonyms mapped to places."

    @pa.dataframe_check(error="region and admin2 rows need an admin1; latitude and longitude come together")
    def _consistent(cls, df: pd.DataFrame) -> Series[bool]:
        needs_admin1 = df["feature"].isin(["admin2", "region"])
        paired = (df["latitude"] == "") == (df["longitude"] == "")
        return (~needs_admin1 | (df["admin1"] != "")) & paired

    @pa.dataframe_check(error="latitude in [-90, 90] and longitude in [-180, 180]")
    def _in_range(cls, df: pd.DataFrame) -> Series[bool]:
        lat = pd.to_numeric(df["latitude"].replace("", "0"), errors="coerce")
        lon = pd.to_numeric(df["longitude"].replace("", "0"), errors="coerce")
        return lat.between(-90, 90) & lon.between(-180, 180)


def _validate(schema, frame: pd.DataFrame, filename: str) -> pd.DataFrame:
    """A bad dictionary is a configuration fault (E008), not a row to skip."""
    try:
        return schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases[["column", "check", "failure_case", "index"]].head(10).to_dict("records")
        raise PipelineError(E_DICTIONARY, f"{filename} fails its schema: {cases}") from exc


def validate_place_aliases(frame: pd.DataFrame) -> pd.DataFrame:
    """Validate the alias table."""
    return _validate(PlaceAliasSchema, frame, "place_aliases.csv")


class AdminChangeSchema(pa.DataFrameModel):
    country: Series[str] = pa.Field(str_matches=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code.")
    feature: Series[str] = pa.Field(isin=["admin2", "city"],
                                    description="What moves: a district (with its towns) or one town.")
    name: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 120},
                                 description="GeoNames name of the place.")
    admin1: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 120},
                                   description="The province the packaged data put it in (GeoNames name).")
    new_admin1: Series[str] = pa.Field(str_length={"min_value": 1, "max_value": 120},
                                       description="The province it belongs to (GeoNames name).")
    new_admin2: Series[str] = pa.Field(
        description="For a town: its district in the new province (GeoNames name); else blank.")
    note: Series[str] = pa.Field(str_length={"min_value": 1},
                                 description="Why, with the date of the change or the evidence.")

    class Config:
        strict = True
        coerce = True
        unique = ["country", "feature", "name", "admin1"]
        description = "Districts and towns whose province the packaged GeoNames data get wrong or out of date."


def validate_admin_changes(frame: pd.DataFrame) -> pd.DataFrame:
    """Validate the admin-change table."""
    return _validate(AdminChangeSchema, frame, "admin_changes.csv")
