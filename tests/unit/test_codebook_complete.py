"""codebook: every column of every table is documented, and README's column table is generated."""
from __future__ import annotations

import re

import pytest

from pipeline.errors import PipelineError
from schemas import codebook
from schemas.events import CHECK_DESCRIPTIONS


def _sections(markdown: str) -> dict[str, str]:
    parts = re.split(r"^## (.+)$", markdown, flags=re.M)
    return {title.strip(): body for title, body in zip(parts[1::2], parts[2::2])}


def _rows(body: str) -> dict[str, list[str]]:
    rows = {}
    for line in body.splitlines():
        m = re.match(r"^\| `([^`]+)` \|", line)
        if m:
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            rows[m.group(1)] = cells
    return rows


TABLES = codebook.tables()


def test_codebook_has_a_section_for_every_table():
    sections = _sections(codebook.codebook_markdown())
    assert [t for t, _, _ in TABLES] == list(sections)
    assert {"events", "event_sources", "rejects", "no_event", "articles"} <= set(sections)


@pytest.mark.parametrize("title,filename,model", TABLES, ids=[t for t, _, _ in TABLES])
def test_codebook_every_column_has_a_description(title, filename, model):
    rows = _rows(_sections(codebook.codebook_markdown())[title])
    columns = list(model.to_schema().columns)
    assert list(rows) == columns  # every column, in schema order, nothing else
    for name in columns:
        column_type, nullable, description = rows[name][1], rows[name][2], rows[name][3]
        assert column_type, name
        assert nullable in {"yes", "no"}, name
        assert description, f"{title}.{name} has no description"
        assert model.to_schema().columns[name].description, f"{title}.{name}: Field(description=...) missing"


def test_codebook_shows_allowed_values_and_rules():
    text = codebook.codebook_markdown()
    events = _rows(_sections(text)["events"])
    assert "`Armed clash`" in events["sub_event_type"][4]
    assert "`Civilians targeted`" in events["civilian_targeting"][4]
    assert events["latitude"][4] == "-90.0 to 90.0"
    assert events["event_date"][1] == "datetime64[ns]" and events["wounded"][1] == "Int64"
    assert events["claimed"][1] == "boolean" and events["claimed"][2] == "yes"
    for name in ("sub_event_type_in_event_type", "claimed_by_requires_claim", "fatalities_within_range"):
        assert CHECK_DESCRIPTIONS[name] in text
    assert codebook.codebook_markdown() == text  # deterministic


def test_readme_columns_update_and_staleness(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# conflict-events\n\n{codebook.README_START}\nold table\n{codebook.README_END}\n\nHow to cite.\n")
    assert not codebook.readme_is_current(readme)
    assert codebook.update_readme(readme) is True
    assert codebook.readme_is_current(readme)
    assert codebook.update_readme(readme) is False  # idempotent
    text = readme.read_text()
    assert text.startswith("# conflict-events\n") and text.endswith("How to cite.\n")
    for name in codebook.EventsSchema.to_schema().columns:
        assert f"| `{name}` |" in codebook.readme_columns_markdown()
    assert "| `event_id_cnty` |" in text


def test_readme_without_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text("# conflict-events\n")
    assert not codebook.readme_is_current(readme)
    assert not codebook.readme_is_current(tmp_path / "missing.md")
    with pytest.raises(PipelineError):
        codebook.update_readme(readme)
