"""`articles`: one row per accepted input document (the output of the ingest stage)."""
from __future__ import annotations

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from .events import coerce_dtypes, schema_dtypes

SHA256_PATTERN = r"^[0-9a-f]{64}$"
ISO_DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
PUBLISHED_ORIGINS = ("header", "sidecar", "field", "html")


class ArticlesSchema(pa.DataFrameModel):
    """One row per accepted input document, normalised text and metadata."""

    doc_id: Series[str] = pa.Field(
        unique=True, description="Input document id: the corpus `id`, or the path relative to the input root."
    )
    article_id: Series[str] = pa.Field(
        str_matches=SHA256_PATTERN, description="sha256 (hex) of the normalised text: the cache key."
    )
    input_sha256: Series[str] = pa.Field(
        str_matches=SHA256_PATTERN,
        description="sha256 (hex) of the input file's bytes (for a row of a table file, of its fields as "
        "canonical JSON).",
    )
    input_path: Series[str] = pa.Field(description="Path of the input file the document was read from.")
    text: Series[str] = pa.Field(str_length={"min_value": 1}, description="Normalised article text.")
    title: Series[str] = pa.Field(nullable=True, description="Headline, when the input gives one.")
    published: Series[str] = pa.Field(
        nullable=True,
        str_matches=ISO_DATE_PATTERN,
        description="Publication date, ISO 8601 YYYY-MM-DD (UTC date for datetimes with a timezone).",
    )
    source_name: Series[str] = pa.Field(nullable=True, description="Outlet that published the article.")
    source_url: Series[str] = pa.Field(nullable=True, description="URL of the article.")
    language: Series[str] = pa.Field(
        nullable=True, description="Language: lower-case primary subtag (e.g. 'en')."
    )
    published_origin: Series[str] = pa.Field(
        nullable=True,
        isin=list(PUBLISHED_ORIGINS),
        description="Where `published` came from: header line, sidecar file, input field, or HTML metadata.",
    )

    class Config:
        strict = True
        coerce = True
        ordered = True
        description = "One row per accepted input document."


ARTICLES_DTYPES = schema_dtypes(ArticlesSchema)


def to_articles_dtypes(df: pd.DataFrame) -> pd.DataFrame:
    return coerce_dtypes(df, ARTICLES_DTYPES)
