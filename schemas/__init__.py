"""pandera DataFrameModels for every table the pipeline writes; the codebook is generated from them.

`SCHEMA_VERSION` changes whenever a column is added, removed, renamed or retyped, or a rule tightens;
it is recorded in every release's manifest and Parquet metadata.
"""
from .articles import ArticlesSchema, to_articles_dtypes
from .event_sources import EVENT_SOURCES_COLUMNS, EventSourcesSchema, to_event_sources_dtypes
from .events import EVENT_COLUMNS, EventsSchema, interaction_label, to_event_date, to_events_dtypes
from .rejects import NoEventSchema, RejectsSchema, to_no_event_dtypes, to_rejects_dtypes

SCHEMA_VERSION = "2"  # 2: country-level events (geo_precision Int64 and coordinates nullable)

__all__ = [
    "SCHEMA_VERSION",
    "ArticlesSchema",
    "EventsSchema",
    "EventSourcesSchema",
    "RejectsSchema",
    "NoEventSchema",
    "EVENT_COLUMNS",
    "EVENT_SOURCES_COLUMNS",
    "interaction_label",
    "to_event_date",
    "to_events_dtypes",
    "to_event_sources_dtypes",
    "to_rejects_dtypes",
    "to_no_event_dtypes",
    "to_articles_dtypes",
]
