"""Ingest: what is rejected and why; nothing is silently dropped; `run` is pure."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest

from pipeline.errors import E_INPUT_MISSING, PipelineError
from pipeline.ingest import IngestConfig, RawDocument, discover, read_articles, run
from pipeline.stage import REJECT_COLUMNS

BODY = "Gunmen attacked a police station in Karachi on Friday, officials said."
CFG = IngestConfig()


def _write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def _reasons(result) -> list[tuple[str, str]]:
    return list(zip(result.rejects["row_key"], result.rejects["reason"]))


def _check_invariant(result):
    assert result.stats["in"] == result.stats["out"] + result.stats["rejected"]
    assert result.stats["out"] == len(result.rows) and result.stats["rejected"] == len(result.rejects)


@pytest.mark.parametrize(
    "content, detail",
    [
        (b"", "no text left"),
        (b"   \n\t\r\n  \n", "no text left"),
        (b"\xef\xbb\xbf\n\n", "no text left"),
        (b"date 2023-02-17 Fast News\n\n", "no text left"),
        (b"Too short.", "10 characters < min_chars 20"),
    ],
)
def test_ingest_empty_text(tmp_path, content, detail):
    _write(tmp_path / "e.txt", content)
    _write(tmp_path / "ok.txt", BODY)
    result = read_articles([tmp_path])
    _check_invariant(result)
    assert list(result.rows["doc_id"]) == ["ok.txt"]
    assert _reasons(result) == [("e.txt", "empty_text")]
    assert detail in result.rejects["detail"].iloc[0]


def test_ingest_min_chars_setting(tmp_path):
    _write(tmp_path / "s.txt", "Too short.")
    assert len(read_articles([tmp_path], IngestConfig(min_chars=5)).rows) == 1


@pytest.mark.parametrize(
    "content",
    [
        b"\x81\x8d\x8f\x90\x9d" * 20,  # invalid UTF-8 and undefined in cp1252
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",  # binary: NUL bytes
        bytes(range(1, 32)) * 10 + b"some words",  # valid UTF-8 but mostly control characters
        b"\xff\xfe" + b"\x00\xd8",  # a UTF-16 BOM with an unpaired surrogate
    ],
)
def test_ingest_undecodable(tmp_path, content):
    _write(tmp_path / "bin.txt", content)
    result = read_articles([tmp_path])
    _check_invariant(result)
    assert _reasons(result) == [("bin.txt", "undecodable")]


def test_ingest_bad_json_line_is_one_reject(tmp_path):
    lines = [json.dumps({"id": "a", "text": BODY}), "{not json", json.dumps([1, 2]), "",
             json.dumps({"id": "b", "text": BODY + " Again."})]
    path = _write(tmp_path / "c.jsonl", "\n".join(lines) + "\n")
    result = read_articles([path])
    _check_invariant(result)
    assert list(result.rows["doc_id"]) == ["a", "b"]
    assert _reasons(result) == [("c.jsonl:2", "unreadable"), ("c.jsonl:3", "unreadable")]
    assert "bad JSON line" in result.rejects["detail"].iloc[0]


def test_ingest_row_without_id_is_keyed_by_file_and_line(tmp_path):
    path = _write(tmp_path / "c.jsonl", json.dumps({"id": "a", "text": BODY}) + "\n" + json.dumps({"text": BODY}) + "\n")
    result = read_articles([path])
    assert _reasons(result) == [("c.jsonl:2", "unreadable")]
    assert "no 'id'" in result.rejects["detail"].iloc[0]


def test_ingest_csv_row_without_id_and_ragged_row(tmp_path):
    path = _write(tmp_path / "c.csv", f'id,text\na,"{BODY}"\n,"{BODY} x"\nb,"{BODY} y",extra\n')
    result = read_articles([path])
    _check_invariant(result)
    assert _reasons(result) == [("c.csv:3", "unreadable"), ("c.csv:4", "unreadable")]


@pytest.mark.parametrize(
    "fields, reason",
    [
        ({"id": "x", "title": "No text here"}, "missing_field"),
        ({"id": "x", "text": None}, "missing_field"),
        ({"id": "x", "text": 12345}, "missing_field"),
        ({"id": "x", "text": ""}, "empty_text"),
        ({"id": "x", "text": "  \n "}, "empty_text"),
    ],
)
def test_ingest_row_text(fields, reason):
    result = run([RawDocument(doc_id="x", input_path="c.jsonl", fmt="row", fields=fields, location="c.jsonl:1")], CFG)
    _check_invariant(result)
    assert _reasons(result) == [("x", reason)]


def test_ingest_csv_without_text_column(tmp_path):
    path = _write(tmp_path / "c.csv", "id,title\na,Attack\nb,Blast\n")
    result = read_articles([path])
    assert _reasons(result) == [("a", "missing_field"), ("b", "missing_field")]


def test_ingest_duplicate_content_keeps_first_doc_id(tmp_path):
    _write(tmp_path / "b.txt", BODY)
    _write(tmp_path / "a.txt", "date 2023-02-17 Fast News\n" + BODY + "  \r\n")  # same text once normalised
    _write(tmp_path / "c.txt", BODY + " Different.")
    result = read_articles([tmp_path])
    _check_invariant(result)
    assert list(result.rows["doc_id"]) == ["a.txt", "c.txt"]
    assert _reasons(result) == [("b.txt", "duplicate")]
    assert "a.txt" in result.rejects["detail"].iloc[0]


def test_ingest_duplicate_content_across_formats(tmp_path):
    _write(tmp_path / "a.txt", BODY)
    _write(tmp_path / "rows.jsonl", json.dumps({"id": "z", "text": BODY}) + "\n")
    result = read_articles([tmp_path])
    assert list(result.rows["doc_id"]) == ["a.txt"] and _reasons(result) == [("z", "duplicate")]


def test_ingest_duplicate_id(tmp_path):
    rows = [{"id": "a", "text": BODY}, {"id": "a", "text": BODY + " Other story."}, {"id": "b", "text": BODY + " B."}]
    path = _write(tmp_path / "c.jsonl", "\n".join(json.dumps(r) for r in rows))
    result = read_articles([path])
    _check_invariant(result)
    assert list(result.rows["doc_id"]) == ["a", "b"]
    assert result.rows["text"].iloc[0] == BODY  # the first one is kept
    assert _reasons(result) == [("a", "duplicate")]
    assert "c.jsonl:1" in result.rejects["detail"].iloc[0] and "c.jsonl:2" in result.rejects["detail"].iloc[0]


def test_ingest_duplicate_id_across_inputs(tmp_path):
    _write(tmp_path / "one" / "a.txt", BODY)
    _write(tmp_path / "two" / "a.txt", BODY + " Another.")
    result = read_articles([tmp_path / "one", tmp_path / "two"])
    assert list(result.rows["doc_id"]) == ["a.txt"] and _reasons(result) == [("a.txt", "duplicate")]
    assert result.rows["input_path"].iloc[0].endswith(str(Path("one") / "a.txt"))


def test_ingest_unreadable_documents():
    docs = [
        RawDocument(doc_id="broken.parquet", input_path="broken.parquet", fmt="row", error="cannot parse parquet file"),
        RawDocument(doc_id="locked.txt", input_path="locked.txt", fmt="txt", error="cannot read file: Permission denied"),
    ]
    result = run(docs, CFG)
    _check_invariant(result)
    assert _reasons(result) == [("broken.parquet", "unreadable"), ("locked.txt", "unreadable")]
    assert result.rejects["detail"].iloc[1] == "cannot read file: Permission denied"


@pytest.mark.parametrize("name, content", [("broken.parquet", b"not parquet"), ("broken.json", b"[{"),
                                           ("notes.docx", b"PK")])
def test_ingest_unparseable_file_is_one_reject(tmp_path, name, content):
    path = _write(tmp_path / name, content)
    result = read_articles([path])
    assert _reasons(result) == [(name, "unreadable")]


def test_ingest_rejects_frame_shape(tmp_path):
    _write(tmp_path / "e.txt", "")
    rejects = read_articles([tmp_path]).rejects
    assert list(rejects.columns) == REJECT_COLUMNS
    assert rejects.iloc[0][["row_key", "doc_id", "stage", "reason"]].tolist() == ["e.txt", "e.txt", "ingest", "empty_text"]


@pytest.mark.parametrize(
    "inputs",
    [["does/not/exist"], ["nowhere/*.txt"], []],
)
def test_ingest_missing_input_raises(tmp_path, monkeypatch, inputs):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(PipelineError) as info:
        discover(inputs)
    assert info.value.code == E_INPUT_MISSING == "E003"
    assert str(info.value).startswith("[E003]")


def test_ingest_missing_input_among_good_ones(tmp_path):
    good = _write(tmp_path / "a.txt", BODY)
    with pytest.raises(PipelineError, match="missing.txt"):
        read_articles([good, tmp_path / "missing.txt"])


def test_ingest_bad_date_is_kept_with_warning():
    doc = RawDocument(doc_id="r", input_path="c.jsonl", fmt="row", fields={"id": "r", "text": BODY, "published": "soon"})
    result = run([doc], CFG)
    _check_invariant(result)
    assert len(result.rows) == 1 and pd.isna(result.rows["published"].iloc[0])
    assert result.stats["warnings"][0]["code"] == "bad_date" and result.stats["warnings"][0]["doc_id"] == "r"


def test_ingest_invariant_on_mixed_corpus(tmp_path):
    _write(tmp_path / "a.txt", BODY)
    _write(tmp_path / "b.txt", BODY)
    _write(tmp_path / "c.txt", "")
    _write(tmp_path / "d.txt", b"\x81\x8d\x8f\x90")
    _write(tmp_path / "e.jsonl", '{"id": "e1", "text": "x"}\n{bad\n{"id": "e2"}\n')
    result = read_articles([tmp_path])
    _check_invariant(result)
    assert result.stats["rejected_by_reason"] == {
        "duplicate": 1, "empty_text": 2, "missing_field": 1, "undecodable": 1, "unreadable": 1
    }


def test_ingest_run_does_not_mutate_input():
    docs = [
        RawDocument(doc_id="b", input_path="c.jsonl", fmt="row", fields={"id": "b", "text": BODY + " B.", "source_name": "Dawn"},
                    sidecar={"url": "https://x.example"}),
        RawDocument(doc_id="a.txt", input_path="a.txt", fmt="txt", content=b"date 2023-02-17 X\n" + BODY.encode(),
                    sidecar={"published": "bad"}),
        RawDocument(doc_id="a.txt", input_path="a2.txt", fmt="txt", content=b""),
    ]
    before = copy.deepcopy(docs)
    ids = [id(d) for d in docs]
    result = run(docs, CFG)
    assert docs == before and [id(d) for d in docs] == ids
    assert len(result.rows) == 2
