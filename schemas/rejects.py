"""`rejects` (quarantine) and `no_event`: every input document or row that did not become part of an event.

`rejects` has one row per rejected row or document, with the stage that rejected it and why. `reason` is
a value of `pipeline.errors.RejectReason` (snake_case; renaming one is a breaking change) or
`schema:<check>` for a row that failed a schema check at validation.

`no_event` lists documents that were read and processed correctly but in which no event was found: they
are not errors, so they are kept apart from `rejects`.
"""
from __future__ import annotations

import re

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from pipeline.errors import RejectReason

from .events import coerce_dtypes, register_check, schema_dtypes

SCHEMA_REASON_PATTERN = re.compile(r"^schema:[a-z][a-z0-9_]*$")
REASONS = tuple(r.value for r in RejectReason if r is not RejectReason.SCHEMA)


def is_reject_reason(value: object) -> bool:
    """True for a `RejectReason` value (other than the bare "schema") or `schema:<check>`."""
    return isinstance(value, str) and (value in REASONS or bool(SCHEMA_REASON_PATTERN.match(value)))


@register_check("a pipeline.errors.RejectReason value (" + ", ".join(REASONS) + ") or schema:<check>")
def reject_reason(series: pd.Series) -> pd.Series:
    return series.map(is_reject_reason).astype(bool)


class RejectsSchema(pa.DataFrameModel):
    """One row per rejected document or row: what, where, why."""

    row_key: Series[str] = pa.Field(
        description="Key of the rejected row in its own table (doc_id for documents, event_id_cnty for events)."
    )
    doc_id: Series[str] = pa.Field(
        nullable=True, description="Input document the row came from; null when it cannot be traced to one."
    )
    stage: Series[str] = pa.Field(description="Stage that rejected the row (ingest, nlp, code, geocode, merge, validate).")
    reason: Series[str] = pa.Field(
        reject_reason=(), description="Why: a snake_case reason code, or schema:<check> for a failed schema check."
    )
    detail: Series[str] = pa.Field(description="Human-readable explanation (for schema checks: column and check).")
    value: Series[str] = pa.Field(description="The offending value, as text (at most 500 characters; may be empty).")

    class Config:
        strict = True
        coerce = True
        ordered = True
        description = "Quarantine: rows and documents that did not become part of an event, with the reason."


class NoEventSchema(pa.DataFrameModel):
    """One row per document that was processed without error but in which no event was found."""

    doc_id: Series[str] = pa.Field(unique=True, description="Input document id.")
    article_id: Series[str] = pa.Field(
        nullable=True, description="sha256 (hex) of the article's normalised text."
    )
    reason: Series[str] = pa.Field(
        description="Why no event came out of it (e.g. no_event_mention, background_only)."
    )

    class Config:
        strict = True
        coerce = True
        ordered = True
        description = "Documents read without error in which no event was found."


REJECTS_DTYPES = schema_dtypes(RejectsSchema)
NO_EVENT_DTYPES = schema_dtypes(NoEventSchema)
NO_EVENT_COLUMNS = list(NO_EVENT_DTYPES)


def to_rejects_dtypes(df: pd.DataFrame) -> pd.DataFrame:
    return coerce_dtypes(df, REJECTS_DTYPES)


def to_no_event_dtypes(df: pd.DataFrame) -> pd.DataFrame:
    return coerce_dtypes(df, NO_EVENT_DTYPES)
