"""Ingest: turn an input corpus into one clean `articles` table.

Reads (via `discover`, the only part that touches the file system)
    files, folders (walked recursively, hidden entries skipped, sorted) and glob patterns, several at once:
    - `.txt` / `.md`: `doc_id` = path relative to the input root (a file given directly: its name). An optional
      leading header line such as `date 2023-02-17 Fast News` (also `Date: 2023-02-17 | Fast News`,
      `published 2023-02-17T10:00Z - Fast News`, ...) or a `---` front-matter block (`date:`/`published:`,
      `source:`, `url:`, `title:`, `language:`) gives metadata and is removed from the text. A Markdown file's
      leading `# heading` gives the title (the heading stays in the text).
    - `.html` / `.htm`: main text, title, date, url and outlet extracted with trafilatura; when trafilatura
      finds no main text the tags are stripped instead (and a warning is recorded).
    - `.jsonl` (one object a line), `.json` (a list of objects, or one object), `.csv`, `.parquet`: one document
      per row; fields `id`, `text`, optional `published`, `source`, `url`, `title`, `language`.
    - `<file>.meta.json` sidecars (never documents themselves) with any of `published`, `source`, `url`,
      `title`, `language`: for txt/md/html they override what the document says; for a row file they give
      defaults for rows that lack the field.

Writes (`run`, pure: no I/O, never mutates its input)
    `articles`: one row per accepted document, sorted by `doc_id`, columns `ARTICLE_COLUMNS`, all pandas
    "string" dtype: `doc_id`, `article_id` (sha256 of the normalised text: the cache key), `input_sha256`
    (sha256 of the file bytes; for a row, of its fields as canonical JSON), `input_path`, `text`, `title`,
    `published` (`YYYY-MM-DD`; datetimes with a timezone are converted to the UTC date), `source_name`,
    `source_url`, `language` (lower-case primary subtag, `default_language` when none is given) and
    `published_origin` (`header`, `sidecar`, `field` or `html`).

    Text normalisation: decode (below), drop control characters other than tab and newline, `\\r\\n`/`\\r` and
    Unicode line separators -> `\\n`, Unicode NFC, trailing whitespace stripped per line, runs of blank lines
    collapsed to a single blank line, leading/trailing whitespace stripped. The function is idempotent.

    Decoding: a UTF-8 BOM is stripped and a UTF-16 BOM honoured; otherwise the bytes are read as UTF-8, and
    only the bytes that are not valid UTF-8 are read as cp1252 (so a cp1252 file, or a UTF-8 file with a few
    stray cp1252 bytes, decodes correctly; a warning counts the bytes). For HTML a declared `<meta charset>`
    is tried before cp1252. Bytes that are not "clearly text" (NUL bytes, bytes undefined in cp1252, or more
    than 1% control characters) are rejected as `undecodable`.

Rejects (stage "ingest", row_key = doc_id)
    `unreadable` (the file or row could not be read: `RawDocument.error`), `undecodable`, `missing_field`
    (a row without `text`), `empty_text` (nothing, or fewer than `min_chars` characters, left after
    normalising), `duplicate` (a `doc_id` seen before, or the same normalised text as an earlier document; in
    `doc_id` order the first is kept and the detail names it).

    A bad date or a bad sidecar never loses a document: the value is left null and a soft warning goes to
    `stats["warnings"]` (dicts with `doc_id`, `code`, `detail`). `stats["in"] == out + rejected` always.
"""
from __future__ import annotations

import codecs
import csv
import glob as _glob
import hashlib
import io
import json
import math
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Iterable, Sequence

import pandas as pd

from .errors import E_INPUT_MISSING, PipelineError, RejectReason
from .stage import StageResult, make_rejects, reject

STAGE = "ingest"
STAGE_VERSION = "1"

ARTICLE_COLUMNS = [
    "doc_id",
    "article_id",
    "input_sha256",
    "input_path",
    "text",
    "title",
    "published",
    "source_name",
    "source_url",
    "language",
    "published_origin",
]

FILE_FORMATS = {".txt": "txt", ".md": "md", ".markdown": "md", ".html": "html", ".htm": "html"}
ROW_FORMATS = (".jsonl", ".json", ".csv", ".parquet")
METADATA_KEYS = ("published", "source", "url", "title", "language")
# Output column names are accepted as aliases in rows and sidecars, so an articles table can be fed back in.
_ALIASES = {"source_name": "source", "source_url": "url"}


@dataclass(frozen=True)
class IngestConfig:
    min_chars: int = 20
    extensions: tuple[str, ...] = (".txt", ".md", ".html", ".htm", ".jsonl", ".json", ".csv", ".parquet")
    default_language: str = "en"  # "" = leave `language` null when a document does not say
    sidecar_suffix: str = ".meta.json"
    fallback_encoding: str = "cp1252"  # for the bytes that are not valid UTF-8
    max_control_ratio: float = 0.01  # more control characters than this = binary, `undecodable`


@dataclass(frozen=True)
class RawDocument:
    doc_id: str
    input_path: str
    fmt: str  # "txt", "md", "html", "row"
    content: bytes | None = None  # file bytes (txt/md/html)
    fields: dict | None = None  # one row of jsonl/json/csv/parquet
    sidecar: dict | None = None  # parsed `<file>.meta.json`
    error: str | None = None  # why it could not be read
    location: str | None = None  # `<file>:<line>` for a row, to find it again
    warnings: tuple[str, ...] = ()  # soft problems found while reading (e.g. a bad sidecar)


# --------------------------------------------------------------------------------------------------
# discover: the I/O part
# --------------------------------------------------------------------------------------------------


def discover(inputs: Sequence[str | Path] | str | Path, cfg: IngestConfig | None = None) -> list[RawDocument]:
    """Read files, folders and globs into `RawDocument`s (rows of table files become one each).

    Raises `PipelineError(E003)` when an input does not exist or a glob matches nothing. A file reached twice
    (e.g. a folder and a file inside it) is read once.
    """
    cfg = cfg or IngestConfig()
    if isinstance(inputs, (str, Path)):
        inputs = [inputs]
    if not inputs:
        raise PipelineError(E_INPUT_MISSING, "no input given: name one or more files, folders or glob patterns")
    exts = tuple(e.lower() for e in cfg.extensions)
    docs: list[RawDocument] = []
    seen: set[str] = set()
    for item in inputs:
        for path, rel in _expand(item, exts, cfg.sidecar_suffix):
            key = os.path.realpath(path)
            if key in seen:
                continue
            seen.add(key)
            docs.extend(_read_file(path, rel, exts, cfg))
    return docs


def _expand(item: str | Path, exts: tuple[str, ...], sidecar_suffix: str) -> list[tuple[Path, str]]:
    """(path, doc_id-relative name) for every document file an input names."""
    p = Path(item)
    if p.is_dir():
        return _walk(p, p, exts, sidecar_suffix)
    if p.is_file():
        if p.name.endswith(sidecar_suffix):
            return []  # a sidecar is read with its file
        return [(p, p.name)]
    text = str(item)
    if _glob.has_magic(text):
        root = _glob_root(text)
        found: list[tuple[Path, str]] = []
        for match in sorted(_glob.glob(text, recursive=True)):
            m = Path(match)
            if m.is_dir():
                found.extend(_walk(m, root, exts, sidecar_suffix))
            elif m.is_file() and not m.name.endswith(sidecar_suffix) and m.name.lower().endswith(exts):
                found.append((m, _rel(m, root)))  # like a folder walk: only supported extensions
        if not found:
            raise PipelineError(E_INPUT_MISSING, f"input pattern {text!r} matches no file of a supported type "
                                f"({', '.join(exts)})")
        return sorted(set(found), key=lambda x: x[1])
    raise PipelineError(
        E_INPUT_MISSING, f"input {text!r} does not exist (give a file, a folder or a glob pattern such as 'data/raw/*.txt')"
    )


def _walk(folder: Path, root: Path, exts: tuple[str, ...], sidecar_suffix: str) -> list[tuple[Path, str]]:
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.startswith(".") or name.endswith(sidecar_suffix):
                continue
            if not name.lower().endswith(exts):
                continue
            path = Path(dirpath) / name
            found.append((path, _rel(path, root)))
    return sorted(found, key=lambda x: x[1])


def _glob_root(pattern: str) -> Path:
    parts = Path(pattern).parts
    fixed = []
    for part in parts:
        if _glob.has_magic(part):
            break
        fixed.append(part)
    return Path(*fixed) if fixed else Path(".")


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.name


def _read_file(path: Path, rel: str, exts: tuple[str, ...], cfg: IngestConfig) -> list[RawDocument]:
    suffix = path.suffix.lower()
    fmt = FILE_FORMATS.get(suffix, "row" if suffix in ROW_FORMATS else "txt")
    sidecar, warns = _read_sidecar(path, cfg.sidecar_suffix)
    base = {"input_path": str(path), "sidecar": sidecar, "warnings": warns}
    if suffix not in exts or (suffix not in FILE_FORMATS and suffix not in ROW_FORMATS):
        supported = ", ".join(exts)
        return [RawDocument(doc_id=rel, fmt=fmt, error=f"unsupported file type {suffix or '(none)'!r} (supported: {supported})", **base)]
    try:
        data = path.read_bytes()
    except OSError as exc:
        return [RawDocument(doc_id=rel, fmt=fmt, error=f"cannot read file: {exc.strerror or exc}", **base)]
    if fmt != "row":
        return [RawDocument(doc_id=rel, fmt=fmt, content=data, **base)]
    try:
        records = list(_ROW_READERS[suffix](data))
    except Exception as exc:  # a table file that cannot be parsed at all is one unreadable document
        return [RawDocument(doc_id=rel, fmt="row", error=f"cannot parse {suffix[1:]} file: {exc}", **base)]
    docs = []
    for line, record, error in records:
        location = f"{rel}:{line}"
        if error is None:
            doc_id = _row_id(record)
            if doc_id is None:
                error = "row has no 'id' field"
        if error is not None:
            docs.append(RawDocument(doc_id=location, fmt="row", error=error, location=location, **base))
        else:
            docs.append(RawDocument(doc_id=doc_id, fmt="row", fields=record, location=location, **base))
    return docs


def _read_sidecar(path: Path, suffix: str) -> tuple[dict | None, tuple[str, ...]]:
    side = path.with_name(path.name + suffix)
    if not side.is_file():
        return None, ()
    try:
        value = json.loads(side.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return None, (f"bad_sidecar: {side.name} ignored: {exc}",)
    if not isinstance(value, dict):
        return None, (f"bad_sidecar: {side.name} ignored: expected a JSON object, got {type(value).__name__}",)
    return value, ()


def _row_id(record: dict) -> str | None:
    value = record.get("id")
    if _is_missing(value):
        return None
    text = str(value).strip()
    return text or None


def _read_jsonl(data: bytes) -> Iterable[tuple[int, dict | None, str | None]]:
    for n, raw in enumerate(data.split(b"\n"), start=1):
        if n == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8):]
        if not raw.strip():
            continue
        try:
            value = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            yield n, None, f"bad JSON line: {exc}"
            continue
        if not isinstance(value, dict):
            yield n, None, f"bad JSON line: expected an object, got {type(value).__name__}"
            continue
        yield n, value, None


def _read_json(data: bytes) -> Iterable[tuple[int, dict | None, str | None]]:
    value = json.loads(data.decode("utf-8-sig"))
    items = [value] if isinstance(value, dict) else value
    if not isinstance(items, list):
        raise ValueError(f"expected a list of objects or one object, got {type(value).__name__}")
    for n, item in enumerate(items, start=1):
        if isinstance(item, dict):
            yield n, item, None
        else:
            yield n, None, f"item {n} is not an object but {type(item).__name__}"


def _read_csv(data: bytes) -> Iterable[tuple[int, dict | None, str | None]]:
    """All cells stay strings (no type guessing: an id "007" stays "007"); line = where the record starts."""
    text = data.decode("utf-8-sig")
    old_limit = csv.field_size_limit()
    csv.field_size_limit(max(old_limit, 2**31 - 1))  # articles are longer than csv's 128 KiB default
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        if header is None:
            return []
        header = [h.strip() for h in header]
        rows = []
        start = reader.line_num + 1
        for cells in reader:
            if not any(c.strip() for c in cells):
                start = reader.line_num + 1
                continue
            if len(cells) != len(header):
                rows.append((start, None, f"row has {len(cells)} cells but the header has {len(header)}"))
            else:
                rows.append((start, dict(zip(header, cells)), None))
            start = reader.line_num + 1
        return rows
    finally:
        csv.field_size_limit(old_limit)


def _read_parquet(data: bytes) -> Iterable[tuple[int, dict | None, str | None]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    import pyarrow.compute as pc

    table = pq.read_table(pa.BufferReader(data))
    # Timestamps become ISO strings here, in UTC for zoned ones: to_pylist's datetime objects depend on
    # which time-zone libraries happen to be loaded, so the same file could give different dates.
    for i, fld in enumerate(table.schema):
        if pa.types.is_timestamp(fld.type):
            col = table.column(i)
            if fld.type.tz is not None:
                col = pc.strftime(col.cast(pa.timestamp(fld.type.unit, "UTC")), format="%Y-%m-%dT%H:%M:%S+00:00")
            else:
                col = pc.strftime(col, format="%Y-%m-%dT%H:%M:%S")
            table = table.set_column(i, fld.name, col)
    return [(n, row, None) for n, row in enumerate(table.to_pylist(), start=1)]


_ROW_READERS = {".jsonl": _read_jsonl, ".json": _read_json, ".csv": _read_csv, ".parquet": _read_parquet}


# --------------------------------------------------------------------------------------------------
# run: pure
# --------------------------------------------------------------------------------------------------


class _Rejected(Exception):
    def __init__(self, reason: RejectReason, detail: str, value: str = ""):
        super().__init__(detail)
        self.reason, self.detail, self.value = reason, detail, value


def run(raw_docs: Sequence[RawDocument], cfg: IngestConfig) -> StageResult:
    """Normalise, describe and deduplicate `raw_docs`. No I/O; `raw_docs` is not changed."""
    order = sorted(range(len(raw_docs)), key=lambda i: _sort_key(raw_docs[i]))
    rows: list[dict] = []
    rejects: list[dict] = []
    warnings: list[dict] = []
    seen_ids: dict[str, str] = {}  # doc_id -> where it was first seen
    seen_texts: dict[str, str] = {}  # article_id -> doc_id kept

    for i in order:
        doc = raw_docs[i]
        where = doc.location or doc.input_path
        for w in doc.warnings:
            code, _, detail = w.partition(": ")
            warnings.append({"doc_id": doc.doc_id, "code": code, "detail": detail})
        if doc.doc_id in seen_ids:
            rejects.append(
                reject(doc.doc_id, doc.doc_id, STAGE, RejectReason.DUPLICATE,
                       f"doc_id already used by {seen_ids[doc.doc_id]}; kept that one, dropped {where}")
            )
            continue
        seen_ids[doc.doc_id] = where
        doc_warnings: list[tuple[str, str]] = []
        try:
            row = _process(doc, cfg, doc_warnings)
        except _Rejected as rej:
            rejects.append(reject(doc.doc_id, doc.doc_id, STAGE, rej.reason, rej.detail, rej.value))
            row = None
        warnings.extend({"doc_id": doc.doc_id, "code": c, "detail": d} for c, d in doc_warnings)
        if row is None:
            continue
        kept = seen_texts.get(row["article_id"])
        if kept is not None:
            rejects.append(
                reject(doc.doc_id, doc.doc_id, STAGE, RejectReason.DUPLICATE,
                       f"same text as {kept} (article_id {row['article_id'][:12]}); kept {kept}", row["text"][:200])
            )
            continue
        seen_texts[row["article_id"]] = doc.doc_id
        rows.append(row)

    articles = pd.DataFrame.from_records(rows, columns=ARTICLE_COLUMNS).astype({c: "string" for c in ARTICLE_COLUMNS})
    articles = articles.reset_index(drop=True)
    reject_frame = make_rejects(rejects)
    by_reason: dict[str, int] = {}
    for r in rejects:
        by_reason[r["reason"]] = by_reason.get(r["reason"], 0) + 1
    stats = {
        "in": len(raw_docs),
        "out": len(articles),
        "rejected": len(reject_frame),
        "rejected_by_reason": dict(sorted(by_reason.items())),
        "warnings": warnings,
    }
    return StageResult(rows=articles, rejects=reject_frame, stats=stats)


def _sort_key(doc: RawDocument) -> tuple:
    """doc_id order decides which of two duplicates is kept; full ties fall back to the content itself,
    so the result never depends on the order of `raw_docs`."""
    fields = json.dumps(doc.fields, sort_keys=True, default=str) if doc.fields is not None else ""
    return (doc.doc_id, doc.input_path, doc.location or "", doc.fmt, doc.error or "", doc.content or b"", fields)


def read_articles(inputs: Sequence[str | Path] | str | Path, cfg: IngestConfig | None = None) -> StageResult:
    """`run(discover(inputs, cfg), cfg)`."""
    cfg = cfg or IngestConfig()
    return run(discover(inputs, cfg), cfg)


def _process(doc: RawDocument, cfg: IngestConfig, warns: list[tuple[str, str]]) -> dict:
    if doc.error is not None:
        raise _Rejected(RejectReason.UNREADABLE, doc.error)
    if doc.fmt == "row":
        text, meta, origin, input_sha = _from_row(doc, warns)
    elif doc.fmt in ("txt", "md", "html"):
        if doc.content is None:
            raise _Rejected(RejectReason.UNREADABLE, f"no content for {doc.fmt} document")
        input_sha = hashlib.sha256(doc.content).hexdigest()
        if doc.fmt == "html":
            text, meta, origin = _from_html(doc, cfg, warns)
        else:
            text, meta, origin = _from_text(doc, cfg, warns)
    else:
        raise _Rejected(RejectReason.UNREADABLE, f"unknown document format {doc.fmt!r}")

    text = normalise_text(text)
    if not text:
        raise _Rejected(RejectReason.EMPTY_TEXT, "no text left after normalising")
    if len(text) < cfg.min_chars:
        raise _Rejected(RejectReason.EMPTY_TEXT, f"{len(text)} characters < min_chars {cfg.min_chars}", text)

    language = meta.get("language") or (cfg.default_language or None)
    return {
        "doc_id": doc.doc_id,
        "article_id": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "input_sha256": input_sha,
        "input_path": doc.input_path,
        "text": text,
        "title": meta.get("title"),
        "published": meta.get("published"),
        "source_name": meta.get("source"),
        "source_url": meta.get("url"),
        "language": _language(language),
        "published_origin": origin if meta.get("published") else None,
    }


# ---- rows ---------------------------------------------------------------------------------------


def _from_row(doc: RawDocument, warns: list) -> tuple[str, dict, str | None, str]:
    fields = doc.fields or {}
    input_sha = hashlib.sha256(
        json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
    ).hexdigest()
    text = fields.get("text")
    if "text" not in fields or _is_missing(text):
        raise _Rejected(RejectReason.MISSING_FIELD, f"row has no 'text' field ({doc.location or doc.input_path})")
    if not isinstance(text, str):
        raise _Rejected(RejectReason.MISSING_FIELD, f"field 'text' is {type(text).__name__}, not a string", str(text))
    # Text is taken as given; control characters etc. are handled by normalise_text.
    own = _metadata(fields, warns, "field")
    defaults = _metadata(doc.sidecar or {}, warns, "sidecar") if doc.sidecar else {}
    meta, origin = {}, None
    for key in METADATA_KEYS:
        if own.get(key) is not None:
            meta[key] = own[key]
        elif defaults.get(key) is not None:
            meta[key] = defaults[key]
    if own.get("published"):
        origin = "field"
    elif defaults.get("published"):
        origin = "sidecar"
    return text, meta, origin, input_sha


# ---- txt / md -----------------------------------------------------------------------------------

_HEADER_RE = re.compile(
    r"""^[ \t]*(?:date[d]?|published(?:[ _-]?(?:at|on))?)[ \t]*[:=]?[ \t]*
    (?P<date>\d{4}[-/.]\d{1,2}[-/.]\d{1,2}
        (?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[ \t]?(?:Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?))?)?)
    (?:[ \t]*[|,;:\u2013\u2014-]?[ \t]*(?P<source>.*?))?[ \t]*$""",
    re.IGNORECASE | re.VERBOSE,
)
_SOURCE_PREFIX_RE = re.compile(r"^(?:source|outlet|publisher|via)[ \t]*[:=][ \t]*", re.IGNORECASE)
_FRONT_KEYS = {
    "date": "published", "published": "published", "published_at": "published",
    "source": "source", "source_name": "source", "outlet": "source", "publisher": "source",
    "url": "url", "source_url": "url", "link": "url",
    "title": "title", "language": "language", "lang": "language",
}
_MD_TITLE_RE = re.compile(r"^#[ \t]+(.+?)[ \t#]*$")


def _from_text(doc: RawDocument, cfg: IngestConfig, warns: list) -> tuple[str, dict, str | None]:
    text = _decode(doc.content, cfg, warns)
    text = _pre_normalise(text)
    found: dict[str, Any] = {}
    text = _strip_front_matter(text, found)
    text = _strip_header_line(text, found)
    if doc.fmt == "md" and "title" not in found:
        first = next((line for line in text.split("\n") if line.strip()), "")
        m = _MD_TITLE_RE.match(first.strip())
        if m:
            found["title"] = m.group(1)
    header = _metadata(found, warns, "header")
    meta, origin = _overlay(header, "header", doc.sidecar, warns)
    return text, meta, origin


def _strip_front_matter(text: str, found: dict) -> str:
    lines = text.split("\n")
    start = 0
    while start < len(lines) and not lines[start].strip():
        start += 1
    if start >= len(lines) or lines[start].strip() != "---":
        return text
    pairs = {}
    for j in range(start + 1, min(len(lines), start + 52)):
        line = lines[j].strip()
        if line == "---" or line == "...":
            for k, v in pairs.items():
                found.setdefault(k, v)
            return "\n".join(lines[j + 1:])
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep or not re.fullmatch(r"[A-Za-z_][\w-]*", key.strip()):
            return text  # not a front-matter block after all
        name = _FRONT_KEYS.get(key.strip().lower())
        value = value.strip().strip("\"'")
        if name and value:
            pairs.setdefault(name, value)
    return text


def _strip_header_line(text: str, found: dict) -> str:
    lines = text.split("\n")
    for j, line in enumerate(lines):
        if not line.strip():
            continue
        m = _HEADER_RE.match(line)
        if not m:
            return text
        found.setdefault("published", m.group("date"))
        source = _SOURCE_PREFIX_RE.sub("", (m.group("source") or "").strip())
        if source:
            found.setdefault("source", source)
        return "\n".join(lines[:j] + lines[j + 1:])
    return text


# ---- html ---------------------------------------------------------------------------------------

_META_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HTML_LANG_RE = re.compile(r"""<html\b[^>]*?\blang\s*=\s*["']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)""", re.IGNORECASE)
_TRAFILATURA_DATES = {"extensive_search": False, "original_date": True, "max_date": "2999-12-31"}


def _from_html(doc: RawDocument, cfg: IngestConfig, warns: list) -> tuple[str, dict, str | None]:
    m = _META_CHARSET_RE.search(doc.content[:4096])
    declared = m.group(1).decode("ascii", "replace") if m else None
    html = _decode(doc.content, cfg, warns, declared=declared)
    found: dict[str, Any] = {}
    text = ""
    if html.strip():
        import trafilatura

        # Fixed date settings: no guessing from free text, and no "today" cap that would change with the clock.
        try:
            result = trafilatura.bare_extraction(
                html, with_metadata=True, include_comments=False, date_extraction_params=dict(_TRAFILATURA_DATES)
            )
        except Exception as exc:  # a parser crash on one page must not stop the corpus
            warns.append(("html_extraction_failed", f"trafilatura failed ({exc}); tags stripped instead"))
            result = None
        if result is not None:
            text = result.text or ""
            found = {"title": result.title, "published": result.date, "url": result.url, "source": result.sitename}
        if not text.strip():
            fallback_title, text = _strip_tags(html)
            if not found.get("title"):
                found["title"] = fallback_title
            if text.strip():
                warns.append(("html_fallback", "trafilatura found no main text; all tags stripped instead"))
    lang = _HTML_LANG_RE.search(html[:4096])
    if lang:
        found["language"] = lang.group(1)
    meta, origin = _overlay(_metadata(found, warns, "html"), "html", doc.sidecar, warns)
    return text, meta, origin


class _TagStripper(HTMLParser):
    _SKIP = {"script", "style", "noscript", "template", "svg", "head"}
    _BLOCK = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "table",
              "section", "article", "header", "footer", "blockquote", "pre", "hr", "dd", "dt", "figcaption"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self._in_title = True
        elif tag in self._SKIP:
            self._skip += 1
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag in self._SKIP and self._skip:
            self._skip -= 1
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if self._in_title:
            self.title.append(data)
        elif not self._skip:
            self.parts.append(data)


def _strip_tags(html: str) -> tuple[str | None, str]:
    parser = _TagStripper()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    title = " ".join("".join(parser.title).split()) or None
    return title, "\n".join(line for line in lines if line)  # one line per block, as trafilatura does


# ---- metadata -----------------------------------------------------------------------------------


def _overlay(base: dict, base_origin: str, sidecar: dict | None, warns: list) -> tuple[dict, str | None]:
    """Sidecar values override the document's own; a bad sidecar date falls back to the document's."""
    meta = dict(base)
    origin = base_origin if base.get("published") else None
    if sidecar:
        side = _metadata(sidecar, warns, "sidecar", check_keys=True)
        for key in METADATA_KEYS:
            if side.get(key) is not None:
                meta[key] = side[key]
        if side.get("published"):
            origin = "sidecar"
    return meta, origin


def _metadata(values: dict, warns: list, origin: str, *, check_keys: bool = False) -> dict:
    """Clean the optional metadata fields of `values` (a row, sidecar or header); bad dates -> warning."""
    values = dict(values)
    for alias, key in _ALIASES.items():
        if _is_missing(values.get(key)) and alias in values:
            values[key] = values[alias]
    if check_keys:
        known = set(METADATA_KEYS) | set(_ALIASES) | {"id"}
        unknown = sorted(str(k) for k in values if k not in known)
        if unknown:
            warns.append(("unknown_sidecar_keys", f"ignored sidecar key(s): {', '.join(unknown)}"))
    out: dict[str, Any] = {}
    for key in ("source", "url", "title", "language"):
        out[key] = _clean(values.get(key))
    raw_date = values.get("published")
    out["published"] = None
    if not _is_missing(raw_date) and not (isinstance(raw_date, str) and not raw_date.strip()):
        try:
            out["published"] = parse_published(raw_date)
        except ValueError as exc:
            warns.append(("bad_date", f"{origin} published {str(raw_date)[:80]!r} not understood ({exc}); left null"))
    return out


def _clean(value: Any) -> str | None:
    if _is_missing(value):
        return None
    text = unicodedata.normalize("NFC", " ".join(str(value).split()))
    return text or None


def _language(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip().lower()
    m = re.fullmatch(r"([a-z]{2,3})(?:[-_][a-z0-9]+)*", value)
    return m.group(1) if m else value


_ISO_DATE_RE = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$")
_MONTH_RE = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\b", re.IGNORECASE)


def parse_published(value: Any) -> str:
    """An ISO date string `YYYY-MM-DD` from an ISO date/datetime (string or object); aware -> UTC date.

    Also accepted: `YYYY/MM/DD`, and dates written with an English month name and a four-digit year
    ("17 February 2023", "Feb 17, 2023"). Anything else raises ValueError.
    """
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            value = value.astimezone(timezone.utc)
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 date string, got {type(value).__name__}")
    text = value.strip()
    m = _ISO_DATE_RE.match(text)
    if m:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    iso = re.sub(r"\s*(?:UTC|GMT)$", "+00:00", text, flags=re.IGNORECASE)
    iso = re.sub(r"^(\d{4})/(\d{1,2})/(\d{1,2})", r"\1-\2-\3", iso)
    try:
        return parse_published(datetime.fromisoformat(iso))
    except ValueError:
        pass
    if re.search(r"\b\d{4}\b", text) and _MONTH_RE.search(text):
        import dateparser

        parsed = dateparser.parse(
            text,
            languages=["en"],
            settings={"STRICT_PARSING": True, "RELATIVE_BASE": datetime(2000, 1, 1), "TIMEZONE": "UTC", "TO_TIMEZONE": "UTC",
                      "RETURN_AS_TIMEZONE_AWARE": False},
        )
        if parsed is not None:
            return parsed.date().isoformat()
    raise ValueError("not an ISO 8601 date or datetime")


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return value is pd.NaT


# ---- decoding and normalising -------------------------------------------------------------------


def _decode(data: bytes, cfg: IngestConfig, warns: list, declared: str | None = None) -> str:
    for bom, codec in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(codec)
            except UnicodeDecodeError as exc:
                raise _Rejected(RejectReason.UNDECODABLE, f"{codec} BOM but invalid {codec}: {exc.reason}") from None
            return _check_text(text, cfg, codec)
    if b"\x00" in data:
        raise _Rejected(RejectReason.UNDECODABLE, "contains NUL bytes: a binary file, not text")
    try:
        return _check_text(data.decode("utf-8"), cfg, "utf-8")
    except UnicodeDecodeError:
        pass
    if declared and _codec_name(declared) not in (None, "utf-8"):
        try:
            text = data.decode(_codec_name(declared))
            warns.append(("decoded_declared_charset", f"not UTF-8; decoded as declared charset {declared}"))
            return _check_text(text, cfg, declared)
        except UnicodeDecodeError:
            pass
    # Only the bytes that are not valid UTF-8 are read with the fallback codec (surrogateescape keeps them
    # apart as U+DC80..U+DCFF), so a UTF-8 file with a few stray cp1252 bytes keeps its UTF-8 characters.
    fallback = cfg.fallback_encoding
    text = data.decode("utf-8", errors="surrogateescape")
    n_bad = 0

    def _redecode(m: re.Match) -> str:
        nonlocal n_bad
        raw = bytes(ord(ch) - 0xDC00 for ch in m.group())
        n_bad += len(raw)
        return raw.decode(fallback)

    try:
        text = _ESCAPED_RE.sub(_redecode, text)
    except UnicodeDecodeError as exc:
        raise _Rejected(RejectReason.UNDECODABLE, f"neither UTF-8 nor {fallback}: byte {exc.object[exc.start:exc.end]!r} "
                        "cannot be decoded") from None
    text = _check_text(text, cfg, f"utf-8 + {fallback}")
    warns.append(("decoded_fallback", f"not valid UTF-8; {n_bad} byte(s) read as {fallback}"))
    return text


_ESCAPED_RE = re.compile("[\udc80-\udcff]+")


def _codec_name(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


_BAD_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f]")


def _check_text(text: str, cfg: IngestConfig, codec: str) -> str:
    if not text:
        return text
    controls = len(_BAD_CONTROL_RE.findall(text))
    if "\x00" in text or controls > cfg.max_control_ratio * len(text):
        raise _Rejected(RejectReason.UNDECODABLE, f"decoded as {codec} but {controls} control characters: not text")
    return text


_LINE_SEPARATORS = {0x2028: "\n", 0x2029: "\n", 0x85: "\n", 0x0B: "\n", 0x0C: "\n"}
_CONTROL_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufeff]")


def _pre_normalise(text: str) -> str:
    """Line endings and control characters only (so header lines can be found)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_LINE_SEPARATORS)
    return _CONTROL_RE.sub("", text)


def normalise_text(text: str) -> str:
    """The canonical form the rest of the pipeline sees (and `article_id` hashes). Idempotent."""
    text = unicodedata.normalize("NFC", _pre_normalise(text))
    text = "\n".join(line.rstrip() for line in text.split("\n"))
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()
