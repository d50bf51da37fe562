"""Bad input: a clear problem naming the file and line or record; the other sources
still build, and the graph served before is kept."""

import shutil
from pathlib import Path

import pytest
from pyoxigraph import NamedNode

from graph.build import build
from graph.cli import main
from graph.settings import load_settings
from graph.store import open_current
from tests.conftest import FIXTURES

GEO = FIXTURES / "geo"


def write_config(directory: Path, cog_options: str = "") -> Path:
    """Copy the territory fixtures into `directory` and declare them as two sources."""
    shutil.copytree(GEO / "etalab", directory / "etalab")
    shutil.copytree(GEO / "cog", directory / "cog")
    config = directory / "datatheque.toml"
    config.write_text(
        f"""store = "store"
[[sources]]
name = "etalab"
kind = "etalab-geo"
location = "etalab"

[[sources]]
name = "cog"
kind = "insee-cog"
location = "cog"
{cog_options}
""",
        "utf-8",
    )
    return config


def build_config(config: Path):
    settings = load_settings(config, environ={})
    return settings, build(settings)


def source_report(report, name):
    return next(source for source in report.sources if source.name == name)


def triple_count(settings, name: str) -> int:
    store = open_current(settings.store, read_only=True)
    return len(list(store.quads_for_pattern(None, None, None, NamedNode(settings.graph_iri(name)))))


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


def test_bad_unknown_encoding_option(tmp_path):
    settings, report = build_config(write_config(tmp_path, 'encoding = "klingon-8"'))
    cog = source_report(report, "cog")
    assert cog.status == "failed"
    assert [problem.code for problem in cog.problems] == ["encoding"]
    assert cog.problems[0].location.endswith("v_region_2026.csv")
    assert "klingon-8" in cog.problems[0].params["encodings"]
    assert source_report(report, "etalab").status == "built"
    assert triple_count(settings, "etalab") > 0


def test_bad_file_encoding(tmp_path):
    config = write_config(tmp_path)
    region = tmp_path / "cog" / "v_region_2026.csv"
    region.write_bytes(region.read_text("utf-8").encode("utf-16"))
    _, report = build_config(config)
    cog = source_report(report, "cog")
    assert cog.status == "failed"
    assert cog.problems[0].code == "encoding"
    assert cog.problems[0].location == str(region)
    assert source_report(report, "etalab").status == "built"


def test_bad_truncated_json(tmp_path):
    config = write_config(tmp_path)
    communes = tmp_path / "etalab" / "communes.json"
    text = communes.read_text("utf-8")
    communes.write_text(text[: len(text) // 2], "utf-8")
    settings, report = build_config(config)
    etalab = source_report(report, "etalab")
    assert etalab.status == "failed"
    assert [problem.code for problem in etalab.problems] == ["json-syntax"]
    line = text[: len(text) // 2].count("\n") + 1
    assert etalab.problems[0].location == f"{communes}:{line}"
    assert source_report(report, "cog").status == "built"
    assert triple_count(settings, "cog") > 0


def test_bad_csv_header(tmp_path):
    config = write_config(tmp_path)
    commune = tmp_path / "cog" / "v_commune_2026.csv"
    replace_in(commune, "TYPECOM,COM,", "TYPECOM,CODGEO,")
    _, report = build_config(config)
    cog = source_report(report, "cog")
    assert cog.status == "failed"
    assert cog.problems[0].code == "csv-header"
    assert cog.problems[0].location == f"{commune}:1"
    assert cog.problems[0].params["missing"] == "COM"
    assert source_report(report, "etalab").status == "built"


def test_bad_row_code(tmp_path):
    config = write_config(tmp_path)
    commune = tmp_path / "cog" / "v_commune_2026.csv"
    lines = commune.read_text("utf-8").splitlines()
    number = next(index for index, line in enumerate(lines, start=1) if ",56260," in line)
    replace_in(commune, "COM,56260,", "COM,5626,")
    settings, report = build_config(config)
    cog = source_report(report, "cog")
    assert cog.status == "built"
    invalid = [problem for problem in cog.problems if problem.code == "invalid-field"]
    assert len(invalid) == 1
    assert invalid[0].location == f"{commune}:{number}"
    assert invalid[0].params["value"] == "'5626'"
    assert cog.records == 5 + 6 + 6 + 14 - 1
    store = open_current(settings.store, read_only=True)
    graph = NamedNode(settings.graph_iri("cog"))
    assert not list(store.quads_for_pattern(NamedNode(f"{settings.base_uri}/id/commune/5626"), None, None, graph))
    assert list(store.quads_for_pattern(NamedNode(f"{settings.base_uri}/id/commune/56033"), None, None, graph))


def test_bad_rebuild_keeps_served_graph(tmp_path):
    config = write_config(tmp_path)
    settings, first = build_config(config)
    assert not first.failed
    before = triple_count(settings, "etalab")

    communes = tmp_path / "etalab" / "communes.json"
    communes.write_text(communes.read_text("utf-8")[:100], "utf-8")
    _, second = build_config(config)
    etalab = source_report(second, "etalab")
    assert etalab.status == "kept"
    assert etalab.problems[0].code == "json-syntax"
    assert second.failed
    assert triple_count(settings, "etalab") == before
    assert triple_count(settings, "cog") > 0


@pytest.fixture
def english(monkeypatch):
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)


def test_bad_cli_exit_codes(tmp_path, capfd, english):
    config = write_config(tmp_path)
    assert main(["build", "--config", str(config)]) == 0
    capfd.readouterr()

    region = tmp_path / "cog" / "v_region_2026.csv"
    replace_in(region, "REG,", "REGION,")
    assert main(["build", "--config", str(config)]) == 1
    output = capfd.readouterr().out
    assert "cog: failed, previous graph kept" in output
    assert f"{region}" in output
    assert "etalab: built" in output
