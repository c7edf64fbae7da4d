"""The ``denksessie`` command on a SQLite file: migrate, load, export, import."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli
from tests.catalogue.factories import catalogue_document
from tests.conftest import TEST_SECRET

runner = CliRunner()


@pytest.fixture
def sqlite_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DENKSESSIE_DATABASE_URL", f"sqlite:///{tmp_path}/cli.sqlite3")
    monkeypatch.setenv("DENKSESSIE_SECRET_KEY", TEST_SECRET)
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    result = runner.invoke(cli, ["load-content"])
    assert result.exit_code == 0, result.output
    assert "25 waarden" in result.output
    return tmp_path


class TestHelp:
    @pytest.mark.parametrize(
        "command", ["serve", "migrate", "load-content", "export-catalogue", "import-catalogue"]
    )
    def test_every_command_has_help(self, command: str) -> None:
        result = runner.invoke(cli, [command, "--help"])
        assert result.exit_code == 0
        assert "Usage" in result.output


class TestCatalogueFiles:
    def test_export_then_import_under_another_slug(self, sqlite_env: Path) -> None:
        target = sqlite_env / "waardenkaart.yaml"
        result = runner.invoke(
            cli, ["export-catalogue", "waardenkaart-sociaal-domein", "-o", str(target)]
        )
        assert result.exit_code == 0, result.output
        text = target.read_text(encoding="utf-8")
        assert "Zelfbeschikking" in text
        target.write_text(
            text.replace("slug: waardenkaart-sociaal-domein", "slug: onze-kaart"), "utf-8"
        )
        result = runner.invoke(cli, ["import-catalogue", str(target)])
        assert result.exit_code == 0, result.output
        summary = json.loads(result.output)
        assert (summary["slug"], summary["n_values"], summary["builtin"]) == (
            "onze-kaart",
            25,
            False,
        )

    def test_broken_file_lists_problems_and_stores_nothing(self, sqlite_env: Path) -> None:
        broken = catalogue_document(
            values=[{"key": "a", "name": "A"}, {"key": "b", "name": "", "cluster": "nut"}]
        )
        path = sqlite_env / "broken.json"
        path.write_text(json.dumps(broken), "utf-8")
        result = runner.invoke(cli, ["import-catalogue", str(path)])
        assert result.exit_code == 1
        assert "values.0.cluster: waarde 'A' staat in geen cluster" in result.output
        assert "values.1.name" in result.output
        listing = runner.invoke(cli, ["export-catalogue", "eigen-waarden"])
        assert listing.exit_code == 1
        assert "bestaat niet" in listing.output

    def test_loading_twice_is_harmless(self, sqlite_env: Path) -> None:
        again = runner.invoke(cli, ["load-content"])
        assert again.exit_code == 0
        exported = runner.invoke(cli, ["export-catalogue", "waardenkaart-sociaal-domein"])
        assert len(json.loads(exported.output)["values"]) == 25


class TestMakeRun:
    def test_make_run_makes_no_account_with_a_known_password(self) -> None:
        """``make run HOST=0.0.0.0`` (the README's room recipe) migrates, loads and serves; the
        first-run link comes from ``serve`` (decision 0010), not a demo account."""
        root = Path(__file__).resolve().parents[1]
        dry = subprocess.run(
            ["make", "-n", "run", "HOST=0.0.0.0"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        commands = [line for line in dry.stdout.splitlines() if "denksessie" in line]
        assert [line.split("denksessie ", 1)[1] for line in commands] == [
            "migrate",
            "load-content",
            "serve",
        ]
        assert "SECRET_KEY" not in dry.stdout
