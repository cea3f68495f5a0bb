"""Ingest invariants over random corpora: nothing lost, nothing doubled, same answer every time."""
from __future__ import annotations

import copy

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.ingest import IngestConfig, RawDocument, normalise_text, run

CFG = IngestConfig()

_texts = st.one_of(
    st.just(""),
    st.sampled_from([" ", "\n\n", "\t \r\n", "short", "date 2023-02-17 Fast News\n"]),
    st.sampled_from([
        "Gunmen attacked a police station in Karachi on Friday.",
        "Boko Haram fighters raided a village in Borno state overnight.",
        "date 2023-02-17 Fast News\nGunmen attacked a police station in Karachi on Friday.",
    ]),
    st.text(max_size=200),
)
_raw_bytes = st.one_of(_texts.map(lambda t: t.encode("utf-8")), st.binary(max_size=60))


@st.composite
def _corpus(draw) -> list[RawDocument]:
    n = draw(st.integers(min_value=0, max_value=25))
    ids = draw(st.lists(st.sampled_from([f"doc{i}" for i in range(30)]), min_size=n, max_size=n))
    docs = []
    for i, doc_id in enumerate(ids):
        kind = draw(st.sampled_from(["txt", "row", "error"]))
        if kind == "txt":
            docs.append(RawDocument(doc_id=f"{doc_id}.txt", input_path=f"in/{doc_id}.txt", fmt="txt",
                                    content=draw(_raw_bytes)))
        elif kind == "row":
            fields = {"id": doc_id}
            if draw(st.booleans()):
                fields["text"] = draw(_texts)
            if draw(st.booleans()):
                fields["published"] = draw(st.sampled_from(["2023-02-17", "2023-02-17T23:00:00-05:00", "nonsense", ""]))
            docs.append(RawDocument(doc_id=doc_id, input_path="in/c.jsonl", fmt="row", fields=fields,
                                    location=f"c.jsonl:{i + 1}"))
        else:
            docs.append(RawDocument(doc_id=f"c.jsonl:{i + 1}", input_path="in/c.jsonl", fmt="row", error="bad JSON line"))
    return docs


@settings(max_examples=150, deadline=None)
@given(_corpus())
def test_ingest_in_equals_out_plus_rejected(docs):
    before = copy.deepcopy(docs)
    result = run(docs, CFG)
    assert docs == before  # never mutates its input
    stats = result.stats
    assert stats["in"] == len(docs) == stats["out"] + stats["rejected"]
    assert stats["out"] == len(result.rows) and stats["rejected"] == len(result.rejects)
    rows = result.rows
    assert rows["doc_id"].is_unique and rows["article_id"].is_unique
    assert list(rows["doc_id"]) == sorted(rows["doc_id"])
    assert (rows["text"].str.len() >= CFG.min_chars).all()
    assert set(rows["doc_id"]) | set(result.rejects["row_key"]) <= {d.doc_id for d in docs}
    # every distinct doc_id reaches the output or the rejects
    assert {d.doc_id for d in docs} <= set(rows["doc_id"]) | set(result.rejects["row_key"])


@settings(max_examples=75, deadline=None)
@given(_corpus(), st.randoms(use_true_random=False))
def test_ingest_same_result_whatever_the_order(docs, rnd):
    shuffled = list(docs)
    rnd.shuffle(shuffled)
    a, b = run(docs, CFG), run(shuffled, CFG)
    pd.testing.assert_frame_equal(a.rows, b.rows)
    pd.testing.assert_frame_equal(a.rejects, b.rejects)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_ingest_normalise_is_idempotent(text):
    once = normalise_text(text)
    assert normalise_text(once) == once
    assert once == once.strip() and "\r" not in once and "\n\n\n" not in once
