"""Release: write an immutable, versioned release folder `releases/<version>/`.

Reads
    the validated `events` and `event_sources`, every stage's `rejects`, the `no_event` documents
    (doc_id, article_id, reason), the QA lines of the soft checks, the previous release (for the changelog)
    and the facts that go into the manifest (`manifest_fields`, see `write_release`).

Writes
    `events.parquet`, `event_sources.parquet`, `rejects.parquet`, `no_event.parquet` (deterministic: fixed
    row order, no timestamps in the metadata, so the same data gives the same bytes; the file metadata key
    `conflict_events` carries the release, schema and package versions and the config hash),
    `CHANGELOG.md` (events added, updated, merged, removed since the previous release), `codebook.md`
    (generated from the schemas), `qa.md` (soft-check warnings) and `manifest.json` (versions, input
    document hashes, counts per stage, document accounting, rejects by reason, sha256 of every file).
    The folder is written under a temporary name and renamed into place (atomic), its files are made
    read-only, and `releases/LATEST` then names the newest version.

Rejects
    nothing: a release either is written whole or not at all. An existing version is never overwritten
    (E005); counts that do not add up (a stage that lost documents or rows silently) raise E007, as do
    tables that fail their schema.

The pure helpers (`next_version`, `changelog`, `document_accounting`, `build_manifest`) do no I/O.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterable, Mapping

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from pandera.errors import SchemaError, SchemaErrors

from schemas import (
    SCHEMA_VERSION,
    EventSourcesSchema,
    EventsSchema,
    NoEventSchema,
    RejectsSchema,
    to_event_sources_dtypes,
    to_events_dtypes,
    to_no_event_dtypes,
    to_rejects_dtypes,
)
from schemas.codebook import codebook_markdown
from schemas.events import EVENT_COLUMNS

from . import __version__
from .errors import E_CONFIG, E_RELEASE_EXISTS, E_SCHEMA, E_TABLE_MISSING, PipelineError

STAGE = "release"
STAGE_VERSION = "1"

VERSION_RE = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")
LATEST = "LATEST"
TABLE_FILES = {
    "events": "events.parquet",
    "event_sources": "event_sources.parquet",
    "rejects": "rejects.parquet",
    "no_event": "no_event.parquet",
}
PARQUET_META_KEY = b"conflict_events"
DOCUMENT_KEYS = ("documents_in", "documents_in_events", "documents_no_event", "documents_rejected")
# Columns that record bookkeeping rather than coding: a change alone is not an "update".
_NOT_CODED = {"event_id_cnty", "timestamp", "n_sources"}

REQUIRED_MANIFEST_FIELDS = (
    "created_utc",
    "code_version",
    "model",
    "gazetteer_version",
    "dictionaries_version",
    "config_hash",
    "stage_versions",
    "input_hashes",
    "stage_counts",
)
OPTIONAL_MANIFEST_FIELDS = ("documents", "documents_in", "prev_version", "build_fingerprint")


# --------------------------------------------------------------------------------------------------
# versions
# --------------------------------------------------------------------------------------------------


def _semver(name: str) -> tuple[int, int, int] | None:
    m = VERSION_RE.match(name)
    return (int(m[1]), int(m[2]), int(m[3])) if m else None


def next_version(existing: Iterable[str]) -> str:
    """'v1.0.0' when there is no release yet, else the newest 'vX.Y.Z' with the minor bumped
    (v1.3.2 -> v1.4.0). Names that are not 'vX.Y.Z' are ignored."""
    versions = [v for v in (_semver(str(n)) for n in existing) if v is not None]
    if not versions:
        return "v1.0.0"
    major, minor, _ = max(versions)
    return f"v{major}.{minor + 1}.0"


def code_version(git_sha: str | None = None) -> dict[str, str | None]:
    """The package version and (when the caller found one) the git commit of the code."""
    return {"package": __version__, "git_sha": git_sha}


# --------------------------------------------------------------------------------------------------
# changelog
# --------------------------------------------------------------------------------------------------


def provenance_fields(versions: Mapping[str, Any], *, created_utc: str, input_hashes: Mapping[str, str],
                      stage_counts: Mapping[str, Any], build_fingerprint: str | None = None) -> dict[str, Any]:
    """The manifest's provenance from `Resources.versions()`: one place for the release command and the bench."""
    model_name, _, model_version = str(versions["model"]).rpartition("-")
    fields = {
        "created_utc": created_utc,
        "code_version": code_version(versions["git_sha"]),
        "model": {"name": model_name, "version": model_version},
        "gazetteer_version": versions["gazetteer_version"],
        "dictionaries_version": versions["dictionaries_version"],
        "config_hash": versions["config_hash"],
        "stage_versions": versions["stage_versions"],
        "input_hashes": dict(input_hashes),
        "stage_counts": stage_counts,
    }
    if build_fingerprint is not None:
        fields["build_fingerprint"] = build_fingerprint
    return fields


def _id_key(event_id: str) -> tuple:
    m = re.match(r"^([A-Za-z]*)(\d+)$", str(event_id))
    return (m[1], int(m[2]), "") if m else (str(event_id), -1, str(event_id))


def _norm(value: Any) -> Any:
    if value is None:
        return None
    if not isinstance(value, (list, tuple, dict)) and pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _rows_by_id(events: pd.DataFrame) -> dict[str, dict[str, Any]]:
    frame = to_events_dtypes(events)
    frame = frame.drop_duplicates("event_id_cnty", keep="first")
    cols = [c for c in EVENT_COLUMNS if c in frame.columns and c not in _NOT_CODED]
    return {
        str(eid): {c: _norm(v) for c, v in zip(cols, vals)}
        for eid, vals in zip(frame["event_id_cnty"], frame[cols].itertuples(index=False, name=None))
    }


def _docs_by_id(sources: pd.DataFrame | None) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    if sources is None or len(sources) == 0:
        return out
    for eid, doc in zip(sources["event_id_cnty"], sources["doc_id"]):
        out.setdefault(str(eid), set()).add(str(doc))
    return out


def changelog(
    prev_events: pd.DataFrame | None,
    prev_sources: pd.DataFrame | None,
    events: pd.DataFrame,
    event_sources: pd.DataFrame,
    version: str,
    prev_version: str | None,
) -> str:
    """Markdown: events added, updated (which coded columns changed), merged (new documents linked to an
    existing event), and removed since `prev_version`, each listed by event_id_cnty."""
    new = _rows_by_id(events)
    old = _rows_by_id(prev_events) if prev_events is not None else {}
    new_docs, old_docs = _docs_by_id(event_sources), _docs_by_id(prev_sources)

    added = sorted(set(new) - set(old), key=_id_key)
    removed = sorted(set(old) - set(new), key=_id_key)
    updated: list[tuple[str, list[str]]] = []
    merged: list[tuple[str, list[str]]] = []
    unlinked: list[tuple[str, list[str]]] = []
    for eid in sorted(set(new) & set(old), key=_id_key):
        changed = [c for c in new[eid] if new[eid][c] != old[eid].get(c)]
        if changed:
            updated.append((eid, changed))
        gained = sorted(new_docs.get(eid, set()) - old_docs.get(eid, set()))
        lost = sorted(old_docs.get(eid, set()) - new_docs.get(eid, set()))
        if gained:
            merged.append((eid, gained))
        if lost:
            unlinked.append((eid, lost))

    lines = [f"# Changelog: {version}", ""]
    if prev_events is None:
        lines.append("First release.")
    else:
        lines.append(f"Changes since {prev_version or 'the previous release'}.")
    lines += [
        "",
        f"{len(new)} events: {len(added)} added, {len(updated)} updated, {len(merged)} merged, "
        f"{len(removed)} removed.",
    ]

    def section(title: str, items: list[str]) -> None:
        lines.extend(["", f"## {title} ({len(items)})", ""])
        lines.extend(items if items else ["(none)"])

    section("Added", [f"- {eid}" for eid in added])
    section("Updated", [f"- {eid}: {', '.join(cols)}" for eid, cols in updated])
    section("Merged (new documents linked to an existing event)", [f"- {eid}: {', '.join(d)}" for eid, d in merged])
    if unlinked:
        section("Documents no longer linked", [f"- {eid}: {', '.join(d)}" for eid, d in unlinked])
    section("Removed", [f"- {eid}" for eid in removed])
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------------
# manifest
# --------------------------------------------------------------------------------------------------


def document_accounting(
    documents_in: Iterable[str],
    event_sources: pd.DataFrame,
    no_event: pd.DataFrame,
    rejects: pd.DataFrame,
) -> dict[str, int]:
    """Place every input document in exactly one of: in an event, no event found, rejected (in that order
    of precedence: a document with one kept event and one rejected event counts as in an event).

    Raises PipelineError(E007) when a document is in none of them (lost silently) or when a table names a
    document that was never input."""
    docs_in = {str(d) for d in documents_in}
    in_events = {str(d) for d in event_sources["doc_id"].dropna()} if len(event_sources) else set()
    no_ev = {str(d) for d in no_event["doc_id"].dropna()} - in_events if len(no_event) else set()
    rejected: set[str] = set()
    for doc, key, stage in zip(rejects["doc_id"], rejects["row_key"], rejects["stage"]):
        if isinstance(doc, str):
            rejected.add(doc)
        elif stage == "ingest" and isinstance(key, str):
            rejected.add(key)  # ingest rejects are keyed by doc_id
    rejected -= in_events | no_ev
    placed = in_events | no_ev | rejected
    lost, unknown = sorted(docs_in - placed), sorted(placed - docs_in)
    if lost or unknown:
        parts = []
        if lost:
            parts.append(f"{len(lost)} input document(s) in no event, no_event or rejects (e.g. {', '.join(lost[:5])})")
        if unknown:
            parts.append(f"{len(unknown)} document(s) that were never input (e.g. {', '.join(unknown[:5])})")
        raise PipelineError(E_SCHEMA, "document accounting does not add up: " + "; ".join(parts))
    return {
        "documents_in": len(docs_in),
        "documents_in_events": len(in_events),
        "documents_no_event": len(no_ev),
        "documents_rejected": len(rejected),
    }


def count_by_reason(rejects: pd.DataFrame) -> dict[str, int]:
    """Reject rows per reason, sorted by reason."""
    if len(rejects) == 0:
        return {}
    counts = rejects["reason"].astype(str).value_counts()
    return {str(k): int(counts[k]) for k in sorted(counts.index)}


def geo_precision_counts(events: pd.DataFrame) -> dict[str, int]:
    """Events per ACLED geo_precision ("1", "2", "3") and "country_only" (null: only the country is known)."""
    precision = events["geo_precision"] if "geo_precision" in events else pd.Series([], dtype="Int64")
    out = {str(k): int((precision == k).fillna(False).sum()) for k in (1, 2, 3)}
    out["country_only"] = int(precision.isna().sum())
    return out


def _check_counts(stage_counts: Mapping[str, Mapping[str, int]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for stage, c in stage_counts.items():
        try:
            n_in, n_out, n_rej = int(c["in"]), int(c["out"]), int(c["rejected"])
        except (KeyError, TypeError, ValueError) as exc:
            raise PipelineError(E_SCHEMA, f"stage_counts[{stage!r}] needs integer in, out, rejected") from exc
        if n_in != n_out + n_rej:
            raise PipelineError(
                E_SCHEMA, f"stage {stage}: in ({n_in}) != out ({n_out}) + rejected ({n_rej}); a stage lost rows silently"
            )
        out[str(stage)] = {"in": n_in, "out": n_out, "rejected": n_rej}
    return out


def build_manifest(
    *,
    version: str,
    created_utc: str,
    code_version: Mapping[str, Any],
    model: Mapping[str, Any],
    gazetteer_version: str,
    dictionaries_version: str,
    config_hash: str,
    stage_versions: Mapping[str, str],
    input_hashes: Mapping[str, str],
    stage_counts: Mapping[str, Mapping[str, int]],
    documents: Mapping[str, int],
    rejects_by_reason: Mapping[str, int],
    row_counts: Mapping[str, int],
    files: Mapping[str, str],
    prev_version: str | None = None,
    build_fingerprint: str | None = None,
    schema_version: str = SCHEMA_VERSION,
    events_by_geo_precision: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The manifest as a JSON-ready dict. Pure: `created_utc` is an argument so tests are deterministic.

    Raises PipelineError(E007) when a stage's in != out + rejected or the document accounting does not add
    up (documents_in == documents_in_events + documents_no_event + documents_rejected)."""
    if _semver(version) is None:
        raise PipelineError(E_CONFIG, f"release version {version!r} must look like v1.2.0")
    if "name" not in model or "version" not in model:
        raise PipelineError(E_CONFIG, "model needs a name and a version, e.g. {'name': 'en_core_web_sm', 'version': '3.8.0'}")
    if "package" not in code_version:
        raise PipelineError(E_CONFIG, "code_version needs the package version (and git_sha when known)")
    missing = [k for k in DOCUMENT_KEYS if k not in documents]
    if missing:
        raise PipelineError(E_SCHEMA, f"document accounting lacks {', '.join(missing)}")
    docs = {k: int(documents[k]) for k in DOCUMENT_KEYS}
    if docs["documents_in"] != docs["documents_in_events"] + docs["documents_no_event"] + docs["documents_rejected"]:
        raise PipelineError(
            E_SCHEMA,
            "document accounting does not add up: documents_in ({documents_in}) != in events "
            "({documents_in_events}) + no event ({documents_no_event}) + rejected ({documents_rejected})".format(**docs),
        )
    return {
        "version": version,
        "prev_version": prev_version,
        "build_fingerprint": build_fingerprint,
        "created_utc": created_utc,
        "code_version": dict(code_version),
        "model": {"name": model["name"], "version": model["version"]},
        "gazetteer_version": gazetteer_version,
        "dictionaries_version": dictionaries_version,
        "config_hash": config_hash,
        "schema_version": schema_version,
        "stage_versions": {str(k): str(v) for k, v in sorted(stage_versions.items())},
        "input_hashes": {str(k): str(v) for k, v in sorted(input_hashes.items())},
        "stage_counts": _check_counts(stage_counts),
        "documents": docs,
        "rejects_by_reason": {str(k): int(v) for k, v in sorted(rejects_by_reason.items())},
        "row_counts": {str(k): int(v) for k, v in sorted(row_counts.items())},
        "events_by_geo_precision": {str(k): int(v) for k, v in sorted((events_by_geo_precision or {}).items())},
        "files": {str(k): str(v) for k, v in sorted(files.items())},
    }


# --------------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------------


def _sorted_events(df: pd.DataFrame) -> pd.DataFrame:
    df = to_events_dtypes(df)
    order = sorted(range(len(df)), key=lambda i: _id_key(df["event_id_cnty"].iat[i]))
    return df.iloc[order].reset_index(drop=True)


def _sorted_sources(df: pd.DataFrame) -> pd.DataFrame:
    df = to_event_sources_dtypes(df)
    keys = [(_id_key(e), str(d), str(r), i) for i, (e, d, r) in enumerate(zip(df["event_id_cnty"], df["doc_id"], df["report_id"]))]
    return df.iloc[[k[-1] for k in sorted(keys)]].reset_index(drop=True)


def _sorted_text(df: pd.DataFrame, dtypes_fn, by: list[str]) -> pd.DataFrame:
    df = dtypes_fn(df)
    if len(df) == 0:
        return df.reset_index(drop=True)
    cols = [[(0, "") if pd.isna(v) else (1, str(v)) for v in df[c]] for c in by]  # nulls first
    order = sorted(range(len(df)), key=lambda i: tuple(col[i] for col in cols))
    return df.iloc[order].reset_index(drop=True)


def _validated(model, df: pd.DataFrame, table: str) -> pd.DataFrame:
    try:
        return model.validate(df, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases.head(5).to_dict("records")
        raise PipelineError(E_SCHEMA, f"{table} fails {model.__name__}; run validate first: {cases}") from exc
    except SchemaError as exc:  # pragma: no cover
        raise PipelineError(E_SCHEMA, f"{table} fails {model.__name__}: {exc}") from exc


def _write_parquet(df: pd.DataFrame, path: Path, meta: Mapping[str, str]) -> None:
    """Deterministic Parquet: no index, fixed compression, our metadata without timestamps."""
    table = pa.Table.from_pandas(df, preserve_index=False)
    schema_meta = dict(table.schema.metadata or {})
    schema_meta[PARQUET_META_KEY] = json.dumps(dict(meta), sort_keys=True).encode()
    table = table.replace_schema_metadata(schema_meta)
    pq.write_table(table, path, compression="zstd", write_statistics=True)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _qa_markdown(version: str, qa_lines: Iterable[str]) -> str:
    lines = [f"# QA report: {version}", "", "Soft checks: warnings that did not reject anything.", ""]
    items = [str(x).strip() for x in qa_lines if str(x).strip()]
    lines += [f"- {x}" if not x.startswith(("- ", "#")) else x for x in items] or ["No warnings."]
    return "\n".join(lines) + "\n"


def _existing_versions(releases_dir: Path) -> list[str]:
    if not releases_dir.is_dir():
        return []
    return [p.name for p in releases_dir.iterdir() if p.is_dir() and _semver(p.name) is not None]


def _write_text_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_release(
    releases_dir: str | Path,
    version: str,
    *,
    events: pd.DataFrame,
    event_sources: pd.DataFrame,
    rejects: pd.DataFrame,
    no_event: pd.DataFrame,
    manifest_fields: Mapping[str, Any],
    qa_lines: Iterable[str] = (),
    prev: Mapping[str, pd.DataFrame] | None = None,
) -> Path:
    """Write `releases_dir/<version>/` atomically and point `releases_dir/LATEST` at the newest version.

    `manifest_fields` holds what only the caller knows: created_utc, code_version ({package, git_sha}),
    model ({name, version}), gazetteer_version, dictionaries_version, config_hash, stage_versions,
    input_hashes (doc_id -> input_sha256 of every accepted document), stage_counts ({stage: {in, out,
    rejected}}); optionally build_fingerprint (a hash of inputs + versions, to skip rebuilding an unchanged
    release), documents_in (every input doc_id; default: the input_hashes keys plus the
    doc_ids rejected at ingest), documents (precomputed accounting) and prev_version. `prev` is the
    previous release as `load_release` returns it (None for the first release).
    Returns the release folder."""
    if _semver(version) is None:
        raise PipelineError(E_CONFIG, f"release version {version!r} must look like v1.2.0")
    root = Path(releases_dir)
    final = root / version
    if final.exists():
        raise PipelineError(E_RELEASE_EXISTS, f"release {final} exists; releases are immutable: choose a new version")
    fields = dict(manifest_fields)
    missing = [k for k in REQUIRED_MANIFEST_FIELDS if k not in fields]
    unknown = [k for k in fields if k not in REQUIRED_MANIFEST_FIELDS + OPTIONAL_MANIFEST_FIELDS]
    if missing or unknown:
        raise PipelineError(
            E_CONFIG,
            "manifest_fields: "
            + "; ".join(p for p in (f"missing {', '.join(missing)}" if missing else "",
                                    f"unknown {', '.join(unknown)}" if unknown else "") if p),
        )

    ev = _validated(EventsSchema, _sorted_events(events), "events")
    src = _validated(EventSourcesSchema, _sorted_sources(event_sources), "event_sources")
    rej = _validated(RejectsSchema, _sorted_text(rejects, to_rejects_dtypes,
                                                 ["stage", "row_key", "doc_id", "reason", "detail", "value"]), "rejects")
    noev = _validated(NoEventSchema, _sorted_text(no_event, to_no_event_dtypes, ["doc_id"]), "no_event")

    documents_in = fields.get("documents_in")
    if documents_in is None:
        ingest_rejected = [
            d if isinstance(d, str) else k
            for d, k, s in zip(rej["doc_id"], rej["row_key"], rej["stage"])
            if s == "ingest"
        ]
        documents_in = set(fields["input_hashes"]) | {d for d in ingest_rejected if isinstance(d, str)}
    documents = fields.get("documents") or document_accounting(documents_in, src, noev, rej)

    prev_version = fields.get("prev_version")
    prev_events = prev_sources = None
    if prev is not None:
        prev_events, prev_sources = prev.get("events"), prev.get("event_sources")
        if prev_version is None and prev_events is not None:
            prev_version = prev_events.attrs.get("release_version")

    package = str(fields["code_version"].get("package", __version__)) if isinstance(fields["code_version"], Mapping) else str(fields["code_version"])
    pq_meta = {
        "release_version": version,
        "schema_version": SCHEMA_VERSION,
        "package_version": package,
        "config_hash": str(fields["config_hash"]),
    }

    root.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=root, prefix=f".{version}.tmp-"))
    try:
        for name, frame in (("events", ev), ("event_sources", src), ("rejects", rej), ("no_event", noev)):
            _write_parquet(frame, tmp / TABLE_FILES[name], {**pq_meta, "table": name})
        (tmp / "CHANGELOG.md").write_text(
            changelog(prev_events, prev_sources, ev, src, version, prev_version), encoding="utf-8"
        )
        (tmp / "codebook.md").write_text(codebook_markdown(), encoding="utf-8")
        (tmp / "qa.md").write_text(_qa_markdown(version, qa_lines), encoding="utf-8")
        files = {p.name: _sha256(p) for p in sorted(tmp.iterdir())}
        manifest = build_manifest(
            version=version,
            created_utc=str(fields["created_utc"]),
            code_version=fields["code_version"] if isinstance(fields["code_version"], Mapping) else {"package": package},
            model=fields["model"],
            gazetteer_version=fields["gazetteer_version"],
            dictionaries_version=fields["dictionaries_version"],
            config_hash=fields["config_hash"],
            stage_versions=fields["stage_versions"],
            input_hashes=fields["input_hashes"],
            stage_counts=fields["stage_counts"],
            documents=documents,
            rejects_by_reason=count_by_reason(rej),
            row_counts={name: len(f) for name, f in (("events", ev), ("event_sources", src), ("rejects", rej), ("no_event", noev))},
            events_by_geo_precision=geo_precision_counts(ev),
            files=files,
            prev_version=prev_version,
            build_fingerprint=fields.get("build_fingerprint"),
        )
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        for p in tmp.iterdir():
            p.chmod(0o444)
        tmp.chmod(0o755)
        try:
            os.rename(tmp, final)
        except OSError as exc:
            raise PipelineError(E_RELEASE_EXISTS, f"release {final} appeared while writing; releases are immutable") from exc
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise

    newest = max(_existing_versions(root), key=_semver)
    _write_text_atomic(root / LATEST, newest + "\n")
    return final


def latest_version(releases_dir: str | Path) -> str | None:
    """The version named in `releases_dir/LATEST`, or None when there is no release yet."""
    p = Path(releases_dir) / LATEST
    if not p.exists():
        return None
    name = p.read_text(encoding="utf-8").strip()
    return name or None


def load_manifest(releases_dir: str | Path, version: str | None = None) -> dict[str, Any] | None:
    """The manifest of a release (`version=None` means LATEST); None when there is no release yet."""
    root = Path(releases_dir)
    version = version or latest_version(root)
    if version is None:
        return None
    path = root / version / "manifest.json"
    if not path.exists():
        raise PipelineError(E_TABLE_MISSING, f"release {root / version} not found (or has no manifest.json)")
    return json.loads(path.read_text(encoding="utf-8"))


def load_release(releases_dir: str | Path, version: str | None = None) -> dict[str, pd.DataFrame] | None:
    """The tables of a release ({"events", "event_sources", "rejects", "no_event"}), each with
    `attrs["release_version"]` set; `version=None` means LATEST, and None is returned when there is no
    release yet. Files are checked against the manifest's sha256 (E007 when they differ)."""
    root = Path(releases_dir)
    if version is None:
        version = latest_version(root)
        if version is None:
            return None
    folder = root / version
    manifest_path = folder / "manifest.json"
    if not manifest_path.exists():
        raise PipelineError(E_TABLE_MISSING, f"release {folder} not found (or has no manifest.json)")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    out: dict[str, pd.DataFrame] = {}
    for name, filename in TABLE_FILES.items():
        path = folder / filename
        if not path.exists():
            raise PipelineError(E_TABLE_MISSING, f"release {folder} lacks {filename}")
        expected = manifest.get("files", {}).get(filename)
        if expected is not None and _sha256(path) != expected:
            raise PipelineError(E_SCHEMA, f"{path} does not match the sha256 in its manifest; the release was altered")
        frame = pq.read_table(path).to_pandas()
        frame.attrs["release_version"] = version
        out[name] = frame
    return out
