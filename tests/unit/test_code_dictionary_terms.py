"""Dictionary terms read through the real NLP stage and coder: who a term names, and what it is coded as."""
import hashlib

import pandas as pd

from pipeline import runner


def _code(resources, text: str, published: str = "2024-03-12") -> pd.DataFrame:
    articles = pd.DataFrame([{
        "doc_id": "t1", "article_id": hashlib.sha256(text.encode()).hexdigest(), "text": text,
        "published": published, "source_name": "test", "source_url": None, "title": None,
    }])
    parsed = runner.parse(articles, resources)
    return runner.code(articles, parsed.extra, resources).rows


def test_code_regime_artillery_is_the_state_military(resources):
    rows = _code(resources, "On Monday, regime artillery shelling on the town of Ariha killed two women, "
                            "the Observatory said.", "2019-06-11")
    assert len(rows) == 1 and rows.iloc[0]["actor1_kind"] == "military"


def test_code_armed_wing_is_coded_as_its_organisation(resources):
    rows = _code(resources, "Militants from the Katiba Macina attacked an army post near Tenenkou on Sunday, "
                            "killing four soldiers, the army said.")
    assert len(rows) == 1 and rows.iloc[0]["actor1_group"].startswith("JNIM")
