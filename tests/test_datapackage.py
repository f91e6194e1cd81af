"""The whole dataset as a Frictionless Data Package, over HTTP and on disk."""

import csv
import io
from pathlib import Path

import frictionless
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app.cli import cli
from app.config import get_settings


def test_the_package_describes_every_table_with_its_csv_url_and_schema(client: TestClient) -> None:
    package = client.get("/v1/datapackage.json").json()
    assert package["licenses"][0]["name"] == "CC-BY-4.0"
    assert package["sources"] == [
        {"title": "Khmer Times: Cambodia committed to repatriation of US deportees (2018-02)"}
    ]
    resources = {r["name"]: r for r in package["resources"]}
    assert set(resources) == {"figures", "measures", "sources", "derived"}
    for name, resource in resources.items():
        assert resource["path"] == f"http://testserver/v1/{name}?format=csv"
        csv_text = client.get(resource["path"]).text
        header = next(csv.reader(io.StringIO(csv_text)))
        assert header == [field["name"] for field in resource["schema"]["fields"]]
    # The descriptor itself is valid, by frictionless's own reading.
    report = frictionless.Package.validate_descriptor(package)
    assert report.valid, report.flatten(["type", "note"])


def test_the_exported_package_validates_with_frictionless(
    tmp_path: Path, settings, monkeypatch
) -> None:
    monkeypatch.setenv("DEPSTATS_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["export", str(tmp_path / "package")])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "8 figures, 6 measures, 1 sources, 3 derived" in result.output
    report = frictionless.validate(tmp_path / "package" / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert [task.stats["rows"] for task in report.tasks] == [8, 6, 1, 3]
    rows = list(csv.DictReader((tmp_path / "package" / "figures.csv").open(newline="")))
    assert {r["id"]: r["display"] for r in rows}[
        "final-removal-orders-2017-12"
    ] == "more than 1,900"
