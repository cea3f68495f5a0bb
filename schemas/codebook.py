"""Generate the codebook (codebook.md in every release) and README's column table from the schemas.

The field descriptions and checks of the pandera models are the single source: `codebook_markdown()`
has one section per table and one row per column (name, type, nullable, description, allowed values),
plus the table's cross-column rules. The dictionaries' models (`schemas.dictionaries`, when that module
exists) get sections too. README.md embeds the events table between `<!-- columns:start -->` and
`<!-- columns:end -->`; `update_readme` rewrites it and `readme_is_current` lets CI fail when it is stale.
"""
from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pandera.pandas as pa

from pipeline.errors import E_CONFIG, PipelineError

from .articles import ArticlesSchema
from .event_sources import EventSourcesSchema
from .events import CHECK_DESCRIPTIONS, EventsSchema
from .rejects import NoEventSchema, RejectsSchema

README_START = "<!-- columns:start -->"
README_END = "<!-- columns:end -->"

# (section title, file in the release or None, model)
RELEASE_TABLES: tuple[tuple[str, str | None, type[pa.DataFrameModel]], ...] = (
    ("events", "events.parquet", EventsSchema),
    ("event_sources", "event_sources.parquet", EventSourcesSchema),
    ("rejects", "rejects.parquet", RejectsSchema),
    ("no_event", "no_event.parquet", NoEventSchema),
    ("articles", None, ArticlesSchema),
)
OPTIONAL_MODULES = ("schemas.dictionaries",)


def tables() -> list[tuple[str, str | None, type[pa.DataFrameModel]]]:
    """Every documented table: the release tables, then the models of optional schema modules."""
    out = list(RELEASE_TABLES)
    for name in OPTIONAL_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue  # not written yet: tolerated
            raise
        for obj in vars(module).values():
            if (
                isinstance(obj, type)
                and issubclass(obj, pa.DataFrameModel)
                and obj is not pa.DataFrameModel
                and obj.__module__ == module.__name__
            ):
                out.append((f"{name.rsplit('.', 1)[-1]}: {obj.__name__}", None, obj))
    return out


def _cell(text: Any) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


def _type(dtype: Any) -> str:
    name = str(dtype)
    return "string" if name.startswith("string") or name == "str" else name


def _check_text(check: Any) -> str:
    name = getattr(check, "name", "") or ""
    stats = getattr(check, "statistics", None) or {}
    if name == "isin":
        return ", ".join(f"`{v}`" for v in stats.get("allowed_values", []))
    if name == "notin":
        return "not " + ", ".join(f"`{v}`" for v in stats.get("forbidden_values", []))
    if name == "in_range":
        return f"{stats.get('min_value')} to {stats.get('max_value')}"
    if name == "greater_than_or_equal_to":
        return f">= {stats.get('min_value')}"
    if name == "greater_than":
        return f"> {stats.get('min_value')}"
    if name == "less_than_or_equal_to":
        return f"<= {stats.get('max_value')}"
    if name == "less_than":
        return f"< {stats.get('max_value')}"
    if name == "equal_to":
        return f"= {stats.get('value')}"
    if name == "str_matches":
        return f"matches `{stats.get('pattern')}`"
    if name == "str_startswith":
        return f"starts with `{stats.get('string')}`"
    if name == "str_length":
        lo, hi = stats.get("min_value"), stats.get("max_value")
        return f"length {lo if lo is not None else 0} to {hi}" if hi is not None else f"length >= {lo}"
    if name in CHECK_DESCRIPTIONS:
        return CHECK_DESCRIPTIONS[name]
    return getattr(check, "description", None) or getattr(check, "error", None) or name


def _columns(model: type[pa.DataFrameModel]) -> list[dict[str, str]]:
    schema = model.to_schema()
    rows = []
    for name, col in schema.columns.items():
        allowed = [_check_text(c) for c in col.checks]
        if col.unique:
            allowed.append("unique")
        rows.append(
            {
                "name": str(name),
                "type": _type(col.dtype),
                "nullable": "yes" if col.nullable else "no",
                "description": col.description or "",
                "allowed": "; ".join(a for a in allowed if a),
            }
        )
    return rows


def _rules(model: type[pa.DataFrameModel]) -> list[str]:
    schema = model.to_schema()
    rules = [_check_text(c) for c in schema.checks]
    if schema.unique:
        cols = schema.unique if isinstance(schema.unique, list) else [schema.unique]
        rules.append(f"unique combination of {', '.join(cols)}")
    return rules


def table_markdown(model: type[pa.DataFrameModel], *, allowed: bool = True) -> str:
    """One markdown table, one row per column of `model`."""
    head = ["column", "type", "nullable", "description"] + (["allowed values"] if allowed else [])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in _columns(model):
        cells = [f"`{r['name']}`", r["type"], r["nullable"], r["description"]] + ([r["allowed"]] if allowed else [])
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def codebook_markdown() -> str:
    """The whole codebook, deterministic (same schemas -> same text)."""
    from . import SCHEMA_VERSION

    out = [
        "# Codebook",
        "",
        f"Schema version {SCHEMA_VERSION}. Generated from the pandera models in `schemas/`; do not edit by hand.",
        "Column names and values follow ACLED wherever ACLED has the field; the perpetrator, claim, target and",
        "attack fields follow GTD's labels. Text columns are strings (null = not reported), `event_date` is a",
        "date at day resolution, nullable integers and booleans are nullable types.",
    ]
    for title, filename, model in tables():
        out += ["", f"## {title}", ""]
        doc = (model.Config.description if hasattr(model, "Config") else None) or (model.__doc__ or "")
        if filename:
            doc = f"`{filename}`: {doc}"
        if doc.strip():
            out += [" ".join(doc.split()), ""]
        out.append(table_markdown(model))
        rules = _rules(model)
        if rules:
            out += ["", "Rules across columns:", ""] + [f"- {_cell(r)}" for r in rules]
    return "\n".join(out) + "\n"


def readme_columns_markdown() -> str:
    """The events table for README.md (what goes between the column markers)."""
    return (
        "Columns of `events.parquet` (generated from `schemas/events.py`; the full codebook with allowed values "
        "is `codebook.md` in every release):\n\n" + table_markdown(EventsSchema, allowed=False)
    )


def _split(text: str) -> tuple[str, str, str] | None:
    start = text.find(README_START)
    end = text.find(README_END, start + len(README_START)) if start >= 0 else -1
    if start < 0 or end < 0:
        return None
    return text[: start + len(README_START)], text[start + len(README_START) : end], text[end:]


def _block() -> str:
    return "\n" + readme_columns_markdown() + "\n"


def update_readme(path: str | Path) -> bool:
    """Rewrite the column table between the markers in `path`; True when the file changed."""
    p = Path(path)
    text = p.read_text(encoding="utf-8")
    parts = _split(text)
    if parts is None:
        raise PipelineError(E_CONFIG, f"{p} lacks the markers {README_START} and {README_END}; add them where "
                            "the column table belongs")
    new = parts[0] + _block() + parts[2]
    if new == text:
        return False
    p.write_text(new, encoding="utf-8")
    return True


def readme_is_current(path: str | Path) -> bool:
    """True when `path` has the markers and the table between them is what the schemas generate."""
    p = Path(path)
    if not p.exists():
        return False
    parts = _split(p.read_text(encoding="utf-8"))
    return parts is not None and parts[1] == _block()
