"""conflict-events: news articles -> ACLED/GTD-style event dataset.

Stages (one module each, a pure `run` function plus a CLI shell in `__main__`):
ingest -> nlp -> code_events (extract + code) -> geocode -> merge -> validate -> release.
"""
__version__ = "0.1.0"
