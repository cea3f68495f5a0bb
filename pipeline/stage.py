"""What every stage returns, and how rejects are shaped."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

REJECT_COLUMNS = ["row_key", "doc_id", "stage", "reason", "detail", "value"]


@dataclass(frozen=True)
class StageResult:
    rows: pd.DataFrame
    rejects: pd.DataFrame
    stats: dict = field(default_factory=dict)
    # Stages with several outputs (nlp: tokens, entities, toponyms; merge: events, sources) put them here.
    extra: dict = field(default_factory=dict)


def make_rejects(records: list[dict]) -> pd.DataFrame:
    """Build a rejects frame with the fixed columns; `records` hold some or all of REJECT_COLUMNS."""
    frame = pd.DataFrame.from_records(records, columns=REJECT_COLUMNS)
    return frame.astype({c: "string" for c in REJECT_COLUMNS})


def reject(row_key: str, doc_id: str | None, stage: str, reason, detail: str = "", value: str = "") -> dict:
    return {
        "row_key": str(row_key),
        "doc_id": None if doc_id is None else str(doc_id),
        "stage": stage,
        "reason": getattr(reason, "value", reason),
        "detail": detail,
        "value": (value or "")[:500],
    }
