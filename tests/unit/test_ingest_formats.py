"""Ingest: every input format, metadata conventions, normalisation and discovery."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipeline.ingest import (
    ARTICLE_COLUMNS,
    IngestConfig,
    RawDocument,
    discover,
    normalise_text,
    parse_published,
    read_articles,
    run,
)

RAW = Path(__file__).resolve().parents[2] / "data" / "raw"
HEADER_FILE = "004_356259250ba00526.txt"
PLAIN_FILE = "000_58124fa2f3126a17.txt"
BODY = "Gunmen attacked a police station in Karachi on Friday, officials said."
CFG = IngestConfig()


def _write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def _one(result) -> dict:
    assert len(result.rows) == 1, (result.rows, result.rejects)
    return result.rows.iloc[0].to_dict()


# ---- the bundled sample corpus ---------------------------------------------------------------------


def test_ingest_sample_corpus_reads_both_seed_articles():
    result = read_articles([RAW])
    assert list(result.rows.columns) == ARTICLE_COLUMNS
    assert list(result.rows["doc_id"]) == [PLAIN_FILE, HEADER_FILE]
    assert result.stats["in"] == 2 and result.stats["out"] == 2 and result.stats["rejected"] == 0
    assert all(str(result.rows[c].dtype) == "string" for c in ARTICLE_COLUMNS)


def test_ingest_sample_header_gives_date_and_outlet_and_is_removed():
    row = read_articles([RAW / HEADER_FILE]).rows.iloc[0]
    assert row["doc_id"] == HEADER_FILE
    assert row["published"] == "2023-02-17"
    assert row["source_name"] == "Fast News"
    assert row["published_origin"] == "header"
    assert "date 2023-02-17" not in row["text"]
    assert row["text"].startswith("Multiple explosions and continuous firing")


def test_ingest_sample_without_header_has_null_date():
    row = read_articles([RAW / PLAIN_FILE]).rows.iloc[0]
    assert pd.isna(row["published"]) and pd.isna(row["published_origin"]) and pd.isna(row["source_name"])
    assert row["text"].startswith("Hundreds of officers live inside the compound")
    assert row["language"] == "en"


def test_ingest_ids_are_content_hashes():
    import hashlib

    row = read_articles([RAW / HEADER_FILE]).rows.iloc[0]
    assert row["article_id"] == hashlib.sha256(row["text"].encode("utf-8")).hexdigest()
    assert row["input_sha256"] == hashlib.sha256((RAW / HEADER_FILE).read_bytes()).hexdigest()


# ---- txt / md header conventions -------------------------------------------------------------------


@pytest.mark.parametrize(
    "header, published, source",
    [
        ("date 2023-02-17 Fast News", "2023-02-17", "Fast News"),
        ("   date 2023-02-17 Fast News", "2023-02-17", "Fast News"),
        ("Date: 2023-02-17 | Fast News", "2023-02-17", "Fast News"),
        ("DATE 2023-02-17 - Dawn", "2023-02-17", "Dawn"),
        ("date: 2023-02-17, source: The Nation", "2023-02-17", "The Nation"),
        ("published 2023-02-17T23:30:00-05:00 Reuters", "2023-02-18", "Reuters"),
        ("date 2023/02/17", "2023-02-17", None),
        ("dated 2023-2-7 Geo TV", "2023-02-07", "Geo TV"),
    ],
)
def test_ingest_header_line_variants(tmp_path, header, published, source):
    _write(tmp_path / "a.txt", f"{header}\n\n{BODY}\n")
    row = _one(read_articles([tmp_path]))
    assert row["published"] == published
    assert (row["source_name"] if not pd.isna(row["source_name"]) else None) == source
    assert row["text"] == BODY


@pytest.mark.parametrize(
    "first_line",
    ["Date night in Karachi turned deadly on 2023-02-17.", "Police said on 2023-02-17 that the attack ended."],
)
def test_ingest_ordinary_first_line_is_not_a_header(tmp_path, first_line):
    _write(tmp_path / "a.txt", f"{first_line}\n{BODY}")
    row = _one(read_articles([tmp_path]))
    assert row["text"].startswith(first_line)
    assert pd.isna(row["published"])


def test_ingest_bad_header_date_keeps_document_and_warns(tmp_path):
    _write(tmp_path / "a.txt", f"date 2023-13-45 Fast News\n{BODY}")
    result = read_articles([tmp_path])
    row = _one(result)
    assert pd.isna(row["published"]) and row["source_name"] == "Fast News"
    assert row["text"] == BODY
    assert [w["code"] for w in result.stats["warnings"]] == ["bad_date"]
    assert result.stats["warnings"][0]["doc_id"] == "a.txt"


def test_ingest_markdown_front_matter_and_title(tmp_path):
    text = "---\ntitle: \"Attack in Karachi\"\ndate: 2023-02-17\nsource: Dawn\nurl: https://dawn.example/1\n---\n\n"
    _write(tmp_path / "a.md", text + "# Attack in Karachi\n\n" + BODY)
    row = _one(read_articles([tmp_path]))
    assert (row["title"], row["published"], row["source_name"], row["source_url"]) == (
        "Attack in Karachi", "2023-02-17", "Dawn", "https://dawn.example/1"
    )
    assert row["text"] == "# Attack in Karachi\n\n" + BODY


def test_ingest_markdown_heading_is_title(tmp_path):
    _write(tmp_path / "a.md", "# Gunmen storm police office\n\n" + BODY)
    row = _one(read_articles([tmp_path]))
    assert row["title"] == "Gunmen storm police office"
    assert row["text"].startswith("# Gunmen storm police office")


# ---- sidecars --------------------------------------------------------------------------------------


def test_ingest_sidecar_overrides_header(tmp_path):
    _write(tmp_path / "a.txt", f"date 2023-02-17 Fast News\n{BODY}")
    side = {"published": "2023-02-18T01:00:00+05:00", "source": "Dawn", "url": "https://dawn.example/a",
            "title": "Karachi attack", "language": "EN-gb"}
    _write(tmp_path / "a.txt.meta.json", json.dumps(side))
    result = read_articles([tmp_path])
    row = _one(result)
    assert row["published"] == "2023-02-17"  # 01:00 at +05:00 is the 17th in UTC
    assert row["published_origin"] == "sidecar"
    assert (row["source_name"], row["source_url"], row["title"], row["language"]) == (
        "Dawn", "https://dawn.example/a", "Karachi attack", "en"
    )
    assert row["text"] == BODY
    assert result.stats["in"] == 1  # the sidecar is not a document


def test_ingest_sidecar_fills_only_what_it_has(tmp_path):
    _write(tmp_path / "a.txt", f"date 2023-02-17 Fast News\n{BODY}")
    _write(tmp_path / "a.txt.meta.json", json.dumps({"url": "https://x.example"}))
    row = _one(read_articles([tmp_path]))
    assert (row["published"], row["source_name"], row["source_url"], row["published_origin"]) == (
        "2023-02-17", "Fast News", "https://x.example", "header"
    )


def test_ingest_bad_sidecar_date_falls_back_to_header_with_warning(tmp_path):
    _write(tmp_path / "a.txt", f"date 2023-02-17 Fast News\n{BODY}")
    _write(tmp_path / "a.txt.meta.json", json.dumps({"published": "last Friday", "colour": "red"}))
    result = read_articles([tmp_path])
    row = _one(result)
    assert (row["published"], row["published_origin"]) == ("2023-02-17", "header")
    assert sorted(w["code"] for w in result.stats["warnings"]) == ["bad_date", "unknown_sidecar_keys"]


def test_ingest_unparseable_sidecar_is_ignored_with_warning(tmp_path):
    _write(tmp_path / "a.txt", BODY)
    _write(tmp_path / "a.txt.meta.json", "{not json")
    result = read_articles([tmp_path])
    assert _one(result)["text"] == BODY
    assert [w["code"] for w in result.stats["warnings"]] == ["bad_sidecar"]


# ---- rows: jsonl, json, csv, parquet ---------------------------------------------------------------

RECORDS = [
    {"id": "r1", "text": BODY, "published": "2023-02-17T20:00:00Z", "source": "Dawn", "url": "https://d.example/1",
     "title": "Attack", "language": "en"},
    {"id": "r2", "text": "Boko Haram fighters attacked a village in Borno state, residents said.", "published": "",
     "source": "", "url": "", "title": "", "language": ""},
]


def _write_rows(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".jsonl":
        path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    elif path.suffix == ".json":
        path.write_text(json.dumps(records), encoding="utf-8")
    elif path.suffix == ".csv":
        pd.DataFrame(records).to_csv(path, index=False)
    else:
        pq.write_table(pa.Table.from_pylist(records), path)
    return path


@pytest.mark.parametrize("name", ["corpus.jsonl", "corpus.json", "corpus.csv", "corpus.parquet"])
def test_ingest_row_formats(tmp_path, name):
    path = _write_rows(tmp_path / name, RECORDS)
    result = read_articles([path])
    assert result.stats == {"in": 2, "out": 2, "rejected": 0, "rejected_by_reason": {}, "warnings": []}
    r1, r2 = (row.to_dict() for _, row in result.rows.iterrows())
    assert (r1["doc_id"], r1["published"], r1["source_name"], r1["source_url"], r1["title"], r1["published_origin"]) == (
        "r1", "2023-02-17", "Dawn", "https://d.example/1", "Attack", "field"
    )
    assert r1["input_path"] == str(path)
    assert r2["doc_id"] == "r2"
    assert all(pd.isna(r2[c]) for c in ("published", "source_name", "source_url", "title", "published_origin"))
    assert r2["language"] == "en"  # the default


def test_ingest_rows_keep_string_ids(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(f"id,text\n007,\"{BODY}\"\n", encoding="utf-8")
    assert _one(read_articles([path]))["doc_id"] == "007"


def test_ingest_parquet_timestamps(tmp_path):
    import datetime as dt

    table = pa.table({
        "id": ["p1", "p2"],
        "text": [BODY, BODY + " More."],
        # 23:00 at UTC-5 on 17 Feb is 04:00 UTC on 18 Feb; built from epoch microseconds because pyarrow's
        # conversion of aware datetime objects varies with the time-zone libraries already imported
        "published": pa.array([int(dt.datetime(2023, 2, 18, 4, 0, tzinfo=dt.timezone.utc).timestamp() * 1e6), None],
                              type=pa.timestamp("us", tz="UTC")),
    })
    pq.write_table(table, tmp_path / "c.parquet")
    rows = read_articles([tmp_path]).rows
    assert list(rows["published"].fillna("")) == ["2023-02-18", ""]


def test_ingest_row_file_sidecar_gives_defaults(tmp_path):
    path = _write_rows(tmp_path / "c.jsonl", [{"id": "a", "text": BODY}, {"id": "b", "text": BODY + "!", "source": "Geo"}])
    _write(tmp_path / "c.jsonl.meta.json", json.dumps({"source": "Dawn", "published": "2023-02-17"}))
    rows = read_articles([path]).rows.set_index("doc_id")
    assert rows.loc["a", "source_name"] == "Dawn" and rows.loc["b", "source_name"] == "Geo"
    assert rows.loc["a", "published_origin"] == "sidecar"


def test_ingest_multiline_csv_text(tmp_path):
    path = tmp_path / "c.csv"
    pd.DataFrame([{"id": "m", "text": "Line one of the story.\r\n\r\n\r\nLine two of the story."}]).to_csv(path, index=False)
    assert _one(read_articles([path]))["text"] == "Line one of the story.\n\nLine two of the story."


# ---- html ------------------------------------------------------------------------------------------

HTML = """<!doctype html><html lang="en-GB"><head><meta charset="utf-8">
<title>Gunmen attack Karachi police office - Fast News</title>
<meta property="og:title" content="Gunmen attack Karachi police office">
<meta property="og:site_name" content="Fast News">
<meta property="og:url" content="https://fast.example/karachi">
<meta property="article:published_time" content="2023-02-17T22:30:00+05:00">
</head><body><nav><a href="/">Home</a> | <a href="/world">World</a></nav>
<article><h1>Gunmen attack Karachi police office</h1>
<p>Multiple explosions and continuous firing were heard as armed men attacked a police station in Karachi.</p>
<p>Police sealed off traffic on the main road through the city as security forces arrived at the scene.</p>
</article><footer>Copyright 2023 Fast News. All rights reserved.</footer></body></html>"""


def test_ingest_html_extraction(tmp_path):
    _write(tmp_path / "page.html", HTML)
    row = _one(read_articles([tmp_path]))
    assert row["doc_id"] == "page.html"
    assert "armed men attacked a police station in Karachi" in row["text"]
    assert "<p>" not in row["text"] and "Copyright" not in row["text"] and "Home" not in row["text"]
    assert row["title"] == "Gunmen attack Karachi police office"
    assert (row["published"], row["published_origin"]) == ("2023-02-17", "html")
    assert row["source_url"] == "https://fast.example/karachi"
    assert row["source_name"] == "Fast News"
    assert row["language"] == "en"


def test_ingest_html_sidecar_overrides(tmp_path):
    _write(tmp_path / "page.htm", HTML)
    _write(tmp_path / "page.htm.meta.json", json.dumps({"published": "2023-02-18", "source": "Reuters"}))
    row = _one(read_articles([tmp_path]))
    assert (row["published"], row["published_origin"], row["source_name"]) == ("2023-02-18", "sidecar", "Reuters")


def test_ingest_html_fallback_strips_tags(tmp_path, monkeypatch):
    import trafilatura

    monkeypatch.setattr(trafilatura, "bare_extraction", lambda *a, **k: None)
    _write(tmp_path / "p.html", "<html><head><title>T</title><script>var x = 1;</script></head>"
                                "<body><div>First paragraph about the attack.</div><p>Second &amp; last one.</p></body></html>")
    result = read_articles([tmp_path])
    row = _one(result)
    assert row["text"] == "First paragraph about the attack.\nSecond & last one."
    assert row["title"] == "T"
    assert [w["code"] for w in result.stats["warnings"]] == ["html_fallback"]


# ---- discovery: folders, globs, several inputs -----------------------------------------------------


def _tree(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    _write(root / "b.txt", BODY + " B")
    _write(root / "a.md", BODY + " A")
    _write(root / "sub" / "c.txt", BODY + " C")
    _write(root / "sub" / "deeper" / "d.html", f"<html><body><p>{BODY} D</p></body></html>")
    _write(root / "sub" / "c.txt.meta.json", json.dumps({"source": "Dawn"}))
    _write(root / "notes.docx", b"PK\x03\x04 not an article")
    _write(root / ".hidden.txt", BODY + " hidden")
    _write(root / ".git" / "x.txt", BODY + " git")
    return root


def test_ingest_folder_is_walked_recursively_and_sorted(tmp_path):
    root = _tree(tmp_path)
    docs = discover([root])
    assert [d.doc_id for d in docs] == ["a.md", "b.txt", "sub/c.txt", "sub/deeper/d.html"]
    assert [d.fmt for d in docs] == ["md", "txt", "txt", "html"]
    assert docs[2].sidecar == {"source": "Dawn"}


def test_ingest_glob_and_several_inputs(tmp_path):
    root = _tree(tmp_path)
    other = _write(tmp_path / "other" / "e.txt", BODY + " E")
    rows = _write_rows(tmp_path / "rows.jsonl", [{"id": "j1", "text": BODY + " J"}])
    result = read_articles([str(root / "**" / "*.txt"), other, rows])
    assert list(result.rows["doc_id"]) == ["b.txt", "e.txt", "j1", "sub/c.txt"]
    assert result.stats["in"] == 4


def test_ingest_single_file_id_is_its_name(tmp_path):
    path = _write(tmp_path / "deep" / "x.txt", BODY)
    assert [d.doc_id for d in discover(path)] == ["x.txt"]


def test_ingest_same_file_twice_is_read_once(tmp_path):
    root = _tree(tmp_path)
    docs = discover([root, root / "b.txt", str(root / "*.txt")])
    assert [d.doc_id for d in docs].count("b.txt") == 1


def test_ingest_extensions_setting(tmp_path):
    root = _tree(tmp_path)
    docs = discover([root], IngestConfig(extensions=(".txt",)))
    assert [d.doc_id for d in docs] == ["b.txt", "sub/c.txt"]


def test_ingest_is_deterministic_and_order_free(tmp_path):
    root = _tree(tmp_path)
    shutil.copy(RAW / HEADER_FILE, root / HEADER_FILE)
    docs = discover([root])
    first = run(docs, CFG)
    again = run(list(reversed(docs)), CFG)
    pd.testing.assert_frame_equal(first.rows, again.rows)
    pd.testing.assert_frame_equal(first.rejects, again.rejects)
    assert list(first.rows["doc_id"]) == sorted(first.rows["doc_id"])


# ---- normalisation and decoding --------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("\ufeffHello there.\r\nSecond line.  \r\n", "Hello there.\nSecond line."),
        ("A\n\n\n\n\nB", "A\n\nB"),
        ("A\n  \n \t\n\nB", "A\n\nB"),
        ("  \n\n  Indented start\ttab  \n\n", "Indented start\ttab"),
        ("Cafe\u0301 in Pe\u0301shawar", "Caf\u00e9 in P\u00e9shawar"),
        ("old\rmac\u2028line", "old\nmac\nline"),
        ("bell\x07 and\x00 nul", "bell and nul"),
    ],
)
def test_ingest_normalise_text(raw, expected):
    assert normalise_text(raw) == expected
    assert normalise_text(expected) == expected


@pytest.mark.parametrize(
    "content, expected, warning",
    [
        ("Caf\u00e9 attack in Peshawar \u2013 police".encode("utf-8"), "Caf\u00e9 attack in Peshawar \u2013 police", None),
        (b"\xef\xbb\xbfBOM then the news about Quetta", "BOM then the news about Quetta", None),
        ("Caf\u00e9 attack in Peshawar \u2013 police".encode("cp1252"), "Caf\u00e9 attack in Peshawar \u2013 police",
         "decoded_fallback"),
        ("UTF-8 \u2019quote\u2019 and one stray ".encode("utf-8") + b"\x96 dash byte",
         "UTF-8 \u2019quote\u2019 and one stray \u2013 dash byte", "decoded_fallback"),
        ("UTF-16 text about Lahore".encode("utf-16"), "UTF-16 text about Lahore", None),
    ],
)
def test_ingest_decoding(content, expected, warning):
    result = run([RawDocument(doc_id="d.txt", input_path="d.txt", fmt="txt", content=content)], CFG)
    assert _one(result)["text"] == expected
    assert [w["code"] for w in result.stats["warnings"]] == ([warning] if warning else [])


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2023-02-17", "2023-02-17"),
        ("2023-02-17T10:00:00", "2023-02-17"),
        ("2023-02-17T22:00:00-05:00", "2023-02-18"),
        ("2023-02-17T02:00:00+05:00", "2023-02-16"),
        ("2023-02-17T10:00:00Z", "2023-02-17"),
        ("2023-02-17 10:00 UTC", "2023-02-17"),
        ("2023/02/17", "2023-02-17"),
        ("17 February 2023", "2023-02-17"),
        ("Feb 17, 2023", "2023-02-17"),
    ],
)
def test_ingest_parse_published(value, expected):
    assert parse_published(value) == expected


@pytest.mark.parametrize("value", ["yesterday", "last Friday", "2023-02-30", "17/02/2023", "soon", 20230217])
def test_ingest_parse_published_rejects_unclear_dates(value):
    with pytest.raises(ValueError):
        parse_published(value)


@pytest.mark.parametrize("language, expected", [("en", "en"), ("EN-us", "en"), ("pt_BR", "pt"), ("urd", "urd")])
def test_ingest_language_normalised(language, expected):
    doc = RawDocument(doc_id="r", input_path="c.jsonl", fmt="row", fields={"id": "r", "text": BODY, "language": language})
    assert _one(run([doc], CFG))["language"] == expected


def test_ingest_no_default_language(tmp_path):
    doc = RawDocument(doc_id="r", input_path="c.jsonl", fmt="row", fields={"id": "r", "text": BODY})
    assert pd.isna(_one(run([doc], IngestConfig(default_language="")))["language"])
