"""`event_sources`: one row per (event, input document, report): where each event came from.

A report is one event mention coded from one article; several reports (from several articles, or
several sentences of one article) may be merged into one event. Each row keeps the provenance of its
report: the input document, its outlet, url and date, the sentence the event was found in, and for
every coded field the sentence and characters that support it (`evidence`, JSON).

Dtypes: text "str", `published` datetime64[ns] (nullable: NaT), integers int64.
"""
from __future__ import annotations

import json
from typing import Any

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from .events import EVENT_ID_PATTERN, coerce_dtypes, register_check, schema_dtypes

SHA256_PATTERN = r"^[0-9a-f]{64}$"
EVIDENCE_KEYS = ("sentence_idx", "char_start", "char_end", "text")


def evidence_problem(value: Any) -> str | None:
    """Why an `evidence` value is malformed, or None when it is well formed.

    Well formed: a JSON object {field: {"sentence_idx": int >= 0, "char_start": int >= 0,
    "char_end": int > char_start, "text": str}, ...} (an empty object is allowed)."""
    if not isinstance(value, str):
        return "not a string"
    try:
        obj = json.loads(value)
    except ValueError:
        return "not valid JSON"
    if not isinstance(obj, dict):
        return "not a JSON object"
    for field, ev in obj.items():
        if not field:
            return "empty field name"
        if not isinstance(ev, dict) or set(ev) != set(EVIDENCE_KEYS):
            return f"{field}: needs exactly the keys {', '.join(EVIDENCE_KEYS)}"
        ints = [ev["sentence_idx"], ev["char_start"], ev["char_end"]]
        if not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in ints):
            return f"{field}: offsets must be integers >= 0"
        if ev["char_end"] <= ev["char_start"]:
            return f"{field}: char_end must be > char_start"
        if not isinstance(ev["text"], str):
            return f"{field}: text must be a string"
    return None


@register_check("a JSON object {field: {sentence_idx, char_start, char_end, text}} with integer offsets "
                "(char_end > char_start >= 0)")
def evidence_json(series: pd.Series) -> pd.Series:
    return series.map(lambda v: evidence_problem(v) is None).astype(bool)


@register_check("char_end > char_start", statistics=("start", "end"))
def char_span_ordered(df: pd.DataFrame, *, start: str, end: str) -> pd.Series:
    return (df[end] > df[start]).fillna(False).astype(bool)


class EventSourcesSchema(pa.DataFrameModel):
    """One row per (event, input document, report) with the report's provenance and evidence."""

    event_id_cnty: Series[str] = pa.Field(
        str_matches=EVENT_ID_PATTERN, description="The event (events.event_id_cnty) this report belongs to."
    )
    doc_id: Series[str] = pa.Field(description="Input document id (the corpus `id`, or the path of a text file).")
    article_id: Series[str] = pa.Field(
        str_matches=SHA256_PATTERN, description="sha256 (hex) of the article's normalised text: the cache key."
    )
    report_id: Series[str] = pa.Field(
        description="Report id: a hash of (article_id, sentence_idx, char_start, event code), never a counter."
    )
    source_name: Series[str] = pa.Field(nullable=True, description="Outlet that published the article.")
    source_url: Series[str] = pa.Field(nullable=True, description="URL of the article.")
    published: Series[pa.DateTime] = pa.Field(
        nullable=True, description="Publication date of the article (datetime64[ns], UTC date; null if unknown)."
    )
    title: Series[str] = pa.Field(nullable=True, description="Headline of the article.")
    sentence_idx: Series[int] = pa.Field(
        ge=0, description="Index (0-based) of the sentence in which the event was found."
    )
    char_start: Series[int] = pa.Field(
        ge=0, description="Offset of the first character of the event's evidence in the article text."
    )
    char_end: Series[int] = pa.Field(
        ge=1, description="Offset one past the last character of the event's evidence (char_end > char_start)."
    )
    evidence_text: Series[str] = pa.Field(description="Text of the sentence the event was found in.")
    evidence: Series[str] = pa.Field(
        evidence_json=(),
        description="Evidence for each coded field, JSON: {field: {sentence_idx, char_start, char_end, text}}.",
    )

    class Config:
        strict = True
        coerce = True
        ordered = True
        unique = ["event_id_cnty", "doc_id", "report_id"]
        description = "One row per (event, input document, report): provenance and evidence."
        char_span_ordered = {"start": "char_start", "end": "char_end"}


EVENT_SOURCES_DTYPES = schema_dtypes(EventSourcesSchema)
EVENT_SOURCES_COLUMNS = list(EVENT_SOURCES_DTYPES)


def to_event_sources_dtypes(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of `df` with the event_sources dtypes and column order (a Parquet round trip is exact)."""
    return coerce_dtypes(df, EVENT_SOURCES_DTYPES)
