"""The README stays true: the generated column table is current, every CLI command has help and is documented."""
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline.__main__ import main
from schemas.codebook import readme_is_current

README = Path(__file__).resolve().parents[2] / "README.md"


def test_docs_readme_column_table_is_current():
    assert readme_is_current(README), "run: .venv/bin/python -c 'from schemas.codebook import update_readme; update_readme(\"README.md\")'"


def test_docs_quick_start_is_the_two_commands():
    text = README.read_text()
    block = text.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    assert [ln.strip() for ln in block.strip().splitlines()] == ["make build", "make test"]


@pytest.mark.parametrize("command", sorted(main.commands))
def test_docs_every_command_has_help_and_is_in_readme(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0 and main.commands[command].help
    assert f"`{command}`" in README.read_text()


def test_docs_pipeline_error_becomes_one_clear_message(tmp_path):
    result = CliRunner().invoke(main, ["ingest", str(tmp_path / "nowhere"), "--data-dir", str(tmp_path)])
    assert result.exit_code != 0
    assert "[E003]" in result.output
