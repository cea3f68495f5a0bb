"""Validate: check the merged events and their sources against the release schemas.

Reads
    `events` (one row per event, `schemas.EventsSchema` columns) and `event_sources` (one row per
    (event, document, report), `schemas.EventSourcesSchema` columns), as the merge stage wrote them.

Writes (`run`, pure: no I/O, never mutates its inputs)
    `rows`: the events that pass every check, with the schema's dtypes (see `schemas.events`), in input
    order, on a fresh RangeIndex. `extra["event_sources"]`: the valid source rows of those events.

Rejects (stage "validate")
    An event row that fails a row-level check (a value out of range, a null in a required column, a value
    that cannot be converted to the column's dtype, a cross-column rule such as sub_event_type belonging to
    event_type) goes to quarantine with `reason = "schema:<check>"` (the first failing check; `detail`
    lists every failure of the row as `column: check (value)`), `row_key = event_id_cnty` and one reject
    row per document linked to the event in `event_sources` (so that no document is lost silently; `doc_id`
    is null when the event has no source row). Source rows that fail their own schema, or point at an
    event that is not in `events` (`schema:event_exists`), are rejected with `row_key =
    "<event_id_cnty>/<doc_id>/<report_id>"`. With `require_sources`, an event left without any valid source
    row is rejected as `schema:has_sources` (no value without evidence).

    Schema-level failures (a missing or unexpected column, a check that cannot run at all) are not row
    problems: they raise `PipelineError(E007)`.

Soft checks (never reject; `stats["warnings"]`, a list of strings that go to qa.md)
    coordinates outside the event's admin1 (when a `point_in_admin1(lat, lon, admin1, iso)` callable is
    given; it returns True, False, or None for "cannot tell"), more than `max_fatalities_per_event`
    deaths in one event, events located only at region level (`geo_precision` >= `warn_geo_precision`),
    events located only in a country (`geo_precision` null; the admin1 check skips them), and `n_sources`
    that differs from the number of documents linked to the event.

Stats
    `in`, `out`, `rejected` count events (`in == out + rejected`); `sources_in`, `sources_out`,
    `sources_rejected` count source rows (`sources_in == sources_out + sources_rejected`, where rejected
    includes the rows of rejected events); `reject_rows` is the number of rows in `rejects`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Optional

import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaError, SchemaErrors

from schemas import EventSourcesSchema, EventsSchema

from .errors import E_SCHEMA, PipelineError
from .stage import StageResult, make_rejects, reject

STAGE = "validate"
STAGE_VERSION = "1"

# pandera checks that describe the table as a whole: never a row problem.
_SCHEMA_LEVEL_CHECKS = {
    "column_in_dataframe",
    "column_in_schema",
    "column_ordered",
    "dataframe_column_labels_unique",
}

PointInAdmin1 = Callable[[float, float, str, int], Optional[bool]]


@dataclass(frozen=True)
class ValidateConfig:
    check_admin1_coordinates: bool = True  # use `point_in_admin1` when the caller gives one
    max_fatalities_per_event: int = 500  # more than this in one event: a warning
    warn_geo_precision: int = 3  # geo_precision at or above this: a warning (0 = off)
    require_sources: bool = True  # an event without a valid source row is rejected
    check_n_sources: bool = True  # warn when n_sources differs from the documents linked


def run(
    events: pd.DataFrame,
    event_sources: pd.DataFrame,
    cfg: ValidateConfig | None = None,
    *,
    point_in_admin1: PointInAdmin1 | None = None,
) -> StageResult:
    """Validate `events` and `event_sources`; failing rows go to rejects (see the module docstring)."""
    cfg = cfg or ValidateConfig()
    if not isinstance(events, pd.DataFrame) or not isinstance(event_sources, pd.DataFrame):
        raise PipelineError(E_SCHEMA, "validate.run needs two DataFrames: events and event_sources")

    ev = _prepare(events, EventsSchema, "events")
    src = _prepare(event_sources, EventSourcesSchema, "event_sources")

    ev_failures, ev_checked = _row_failures(ev, EventsSchema, "events")
    src_failures, src_checked = _row_failures(src, EventSourcesSchema, "event_sources")

    # Source rows whose event is not in the events table at all.
    known_ids = set(ev["event_id_cnty"].dropna().astype(str))
    for idx, eid in src["event_id_cnty"].items():
        if idx not in src_failures and (not isinstance(eid, str) or eid not in known_ids):
            src_failures[idx] = [_Failure("event_exists", "event_id_cnty", eid, "no such event in events")]

    bad_events = set(ev_failures)
    good_src = src.drop(index=list(src_failures))
    if cfg.require_sources:
        linked = set(good_src["event_id_cnty"].astype(str))
        for idx, eid in ev["event_id_cnty"].items():
            if idx not in bad_events and str(eid) not in linked:
                ev_failures[idx] = [_Failure("has_sources", "event_id_cnty", eid, "no valid event_sources row")]
        bad_events = set(ev_failures)

    # Documents of each event, from the source rows as given (valid or not), so every document is named.
    docs_of: dict[str, list[str]] = {}
    for eid, doc in zip(src["event_id_cnty"], src["doc_id"]):
        if isinstance(eid, str) and isinstance(doc, str) and doc not in docs_of.setdefault(eid, []):
            docs_of[eid].append(doc)

    records: list[dict] = []
    for idx in sorted(ev_failures):
        eid = ev.at[idx, "event_id_cnty"]
        key = eid if isinstance(eid, str) and eid else f"row {idx}"
        first, detail, value = _summarise(ev_failures[idx])
        for doc in docs_of.get(key, []) or [None]:
            records.append(reject(key, doc, STAGE, f"schema:{first}", detail, value))
    rejected_ids = {ev.at[i, "event_id_cnty"] for i in bad_events}
    for idx in sorted(src_failures):
        row = src.loc[idx]
        if row["event_id_cnty"] in rejected_ids:
            continue  # dropped with its event, whose reject rows name this document
        key = "/".join(str(row[c]) for c in ("event_id_cnty", "doc_id", "report_id"))
        first, detail, value = _summarise(src_failures[idx])
        doc = row["doc_id"] if isinstance(row["doc_id"], str) else None
        records.append(reject(key, doc, STAGE, f"schema:{first}", detail, value))
    rejects = make_rejects(records)

    good_ev = ev.drop(index=list(bad_events))
    good_src = good_src[~good_src["event_id_cnty"].isin(rejected_ids)]
    # Remaining duplicates of a rejected id (e.g. both rows of a duplicated id) are rejected too, above.
    # a table that lost no row was validated (and coerced) whole above: that result is the final one
    valid_events = ev_checked if len(good_ev) == len(ev) else _final(good_ev, EventsSchema, "events")
    valid_sources = src_checked if len(good_src) == len(src) else _final(good_src, EventSourcesSchema, "event_sources")

    warnings = _soft_checks(valid_events, valid_sources, cfg, point_in_admin1)
    stats = {
        "in": len(ev),
        "out": len(valid_events),
        "rejected": len(bad_events),
        "sources_in": len(src),
        "sources_out": len(valid_sources),
        "sources_rejected": len(src) - len(valid_sources),
        "reject_rows": len(rejects),
        "warnings": warnings,
    }
    return StageResult(rows=valid_events, rejects=rejects, stats=stats, extra={"event_sources": valid_sources})


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Failure:
    check: str
    column: str
    value: object
    note: str = ""
    order: tuple = ()
    label: str = ""  # the check as pandera names it, with its arguments (column checks)


def _prepare(df: pd.DataFrame, model: type[pa.DataFrameModel], table: str) -> pd.DataFrame:
    """A copy with the schema's columns in order and a unique RangeIndex; missing or extra columns raise."""
    columns = list(model.to_schema().columns)
    missing = [c for c in columns if c not in df.columns]
    extra = [str(c) for c in df.columns if c not in columns]
    if missing or extra or df.columns.duplicated().any():
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if extra:
            parts.append(f"unexpected column(s) {', '.join(extra)}")
        if df.columns.duplicated().any():
            parts.append("duplicated column names")
        raise PipelineError(
            E_SCHEMA, f"{table} table does not match {model.__name__}: {'; '.join(parts)}; fix the stage that wrote it"
        )
    return df[columns].reset_index(drop=True).copy()


def _base_check(name: object) -> str:
    text = str(name).split("(", 1)[0].strip().lower()
    return re.sub(r"[^a-z0-9_]+", "_", text).strip("_") or "check"


def _check_columns(model: type[pa.DataFrameModel]) -> dict[str, set[str]]:
    """Dataframe-level check name -> the columns it reads (from its statistics), for readable details."""
    schema = model.to_schema()
    out: dict[str, set[str]] = {}
    for check in schema.checks:
        stats = getattr(check, "statistics", None) or {}
        cols = {v for v in stats.values() if isinstance(v, str) and v in schema.columns}
        out[_base_check(check.name)] = cols
    return out


def _row_failures(df: pd.DataFrame, model: type[pa.DataFrameModel],
                  table: str) -> tuple[dict[int, list[_Failure]], pd.DataFrame | None]:
    """Row index -> its failures. Rows that fail are set aside and the rest re-validated until it passes
    (a value that cannot be coerced hides the column's other checks until its row is gone).
    Also returns the validated (coerced) table when every row passes at once, else None."""
    col_pos = {c: i for i, c in enumerate(model.to_schema().columns)}
    df_check_cols = _check_columns(model)
    failures: dict[int, list[_Failure]] = {}
    remaining = df
    while True:
        try:
            checked = model.validate(remaining, lazy=True)
            return failures, (checked.reset_index(drop=True) if not failures else None)
        except SchemaErrors as exc:
            fc = exc.failure_cases
        except SchemaError as exc:  # pragma: no cover - lazy=True reports through SchemaErrors
            raise PipelineError(E_SCHEMA, f"{table}: {exc}") from exc
        has_index = fc["index"].notna()
        base = fc["check"].map(_base_check)
        table_level = fc[~has_index | base.isin(_SCHEMA_LEVEL_CHECKS)]
        if base[~has_index].isin(_SCHEMA_LEVEL_CHECKS).any() or not has_index.any():
            lines = "; ".join(
                f"{r.column}: {r.check} ({r.failure_case})" for r in table_level.itertuples(index=False)
            )
            raise PipelineError(E_SCHEMA, f"{table} table fails {model.__name__} as a whole: {lines}")
        new = 0
        for r, b in zip(fc[has_index].itertuples(index=False), base[has_index]):
            idx = int(r.index)
            if r.schema_context == "DataFrameSchema":
                cols = df_check_cols.get(b)
                if cols and r.column not in cols:
                    continue
                order = (1, int(r.check_number) if pd.notna(r.check_number) else 0, col_pos.get(r.column, 0))
            else:
                order = (0, col_pos.get(r.column, 0), 0)
            if idx not in failures:
                new += 1
            label = str(r.check) if r.schema_context != "DataFrameSchema" else b
            failures.setdefault(idx, []).append(_Failure(b, str(r.column), r.failure_case, order=order, label=label))
        if not new:  # pragma: no cover - defensive: the loop must shrink the frame
            raise PipelineError(E_SCHEMA, f"{table}: validation does not converge; report this as a bug")
        remaining = remaining.drop(index=[i for i in failures if i in remaining.index])


def _summarise(failures: list[_Failure]) -> tuple[str, str, str]:
    """(first check, detail listing every failure, value of the first failure)."""
    ordered = sorted(failures, key=lambda f: f.order)
    coerce_failed = {f.column for f in ordered if f.check == "coerce_dtype"}
    ordered = [f for f in ordered if not (f.check == "dtype" and f.column in coerce_failed)]  # same fault twice
    first = ordered[0].check
    parts: list[str] = []
    by_check: dict[str, list[str]] = {}
    for f in ordered:
        if f.order and f.order[0] == 1:  # dataframe check: one entry listing the columns it reads
            by_check.setdefault(f.check, []).append(f"{f.column}={_show(f.value)}")
        else:
            parts.append(f"{f.column}: {f.label or f.check} failed for {_show(f.value)}")
    parts += [f"{check}: {', '.join(vals)}" for check, vals in by_check.items()]
    detail = "; ".join(parts)
    if ordered[0].note:
        detail = f"{detail} ({ordered[0].note})"
    value = ", ".join(f"{f.column}={_show(f.value)}" for f in ordered if f.check == first)
    return first, detail, value


def _show(value: object) -> str:
    if value is None or (not isinstance(value, (list, tuple, dict)) and pd.isna(value)):
        return "null"
    return repr(value) if isinstance(value, str) else str(value)


def _final(df: pd.DataFrame, model: type[pa.DataFrameModel], table: str) -> pd.DataFrame:
    try:
        out = model.validate(df.reset_index(drop=True), lazy=True)
    except SchemaErrors as exc:  # pragma: no cover - the rows that fail were removed above
        raise PipelineError(E_SCHEMA, f"{table}: rows still fail after quarantine: {exc.failure_cases}") from exc
    return out.reset_index(drop=True)


def _soft_checks(
    events: pd.DataFrame,
    sources: pd.DataFrame,
    cfg: ValidateConfig,
    point_in_admin1: PointInAdmin1 | None,
) -> list[str]:
    warnings: list[str] = []
    if cfg.check_admin1_coordinates and point_in_admin1 is not None:
        for r in events.itertuples(index=False):
            if not isinstance(r.admin1, str) or pd.isna(r.latitude) or pd.isna(r.longitude):
                continue  # a country-level event has no point to check
            inside = point_in_admin1(float(r.latitude), float(r.longitude), r.admin1, int(r.iso))
            if inside is False:
                warnings.append(
                    f"{r.event_id_cnty}: coordinates ({r.latitude}, {r.longitude}) are not inside admin1 "
                    f"{r.admin1!r} (iso {r.iso}); check the geocoding"
                )
    for r in events.itertuples(index=False):
        if r.fatalities > cfg.max_fatalities_per_event:
            warnings.append(
                f"{r.event_id_cnty}: {r.fatalities} fatalities in one event (more than "
                f"{cfg.max_fatalities_per_event}); check the figure and the aggregation"
            )
    if cfg.warn_geo_precision:
        regional = (events["geo_precision"] >= cfg.warn_geo_precision).fillna(False).astype(bool)
        vague = events.loc[regional, "event_id_cnty"].tolist()
        if vague:
            warnings.append(
                f"{len(vague)} event(s) located at region level only (geo_precision >= {cfg.warn_geo_precision}): "
                + ", ".join(vague)
            )
    country_level = events.loc[events["geo_precision"].isna(), "event_id_cnty"].tolist()
    if country_level:
        warnings.append(
            f"{len(country_level)} event(s) located only in a country (geo_precision null, no admin1 or "
            "coordinates): " + ", ".join(country_level)
        )
    if cfg.check_n_sources:
        n_docs = sources.groupby("event_id_cnty")["doc_id"].nunique()
        for eid, n in zip(events["event_id_cnty"], events["n_sources"]):
            linked = int(n_docs.get(eid, 0))
            if linked != int(n):
                warnings.append(f"{eid}: n_sources is {n} but {linked} document(s) are linked in event_sources")
    return warnings
