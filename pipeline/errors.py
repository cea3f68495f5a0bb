"""Coded errors (tier 1 of the error policy in STYLE.md).

A `PipelineError` is a configuration or programming fault: the run stops and the CLI prints the
coded message. Bad *rows* are never raised; they go to rejects with a `RejectReason`.
"""
from __future__ import annotations

from enum import Enum


class PipelineError(Exception):
    """A fault that stops the run. `code` is stable (E001...), the message says what to do next."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(f"[{code}] {message}")


class RejectReason(str, Enum):
    """Why a document or row left the pipeline. Renaming a value is a breaking change."""

    EMPTY_TEXT = "empty_text"
    UNDECODABLE = "undecodable"
    DUPLICATE = "duplicate"
    UNREADABLE = "unreadable"
    MISSING_FIELD = "missing_field"
    BAD_METADATA = "bad_metadata"
    NOT_ENGLISH = "not_english"
    NLP_FAILED = "nlp_failed"
    GEOCODE_NO_MATCH = "geocode_no_match"
    GEOCODE_SERVICE_ERROR = "geocode_service_error"
    GEOCODE_COUNTRY_ONLY = "geocode_country_only"  # placed only in a country, with geocode.country_only = "reject"
    NO_EVENT_DATE = "no_event_date"
    SCHEMA = "schema"  # written as "schema:<check>"


# The catalogue: one place to read every coded message.
E_MODEL_MISSING = "E001"
E_GAZETTEER_MISSING = "E002"
E_INPUT_MISSING = "E003"
E_TABLE_MISSING = "E004"
E_RELEASE_EXISTS = "E005"
E_CONFIG = "E006"
E_SCHEMA = "E007"
E_DICTIONARY = "E008"
E_GOLD = "E009"
E_GEOCODER_SERVICE = "E010"
