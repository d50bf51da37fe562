"""Quality records of builds: reports and measurements in the store, strict sources, `datatheque validate`."""

from __future__ import annotations

import json
import shutil

import pytest
from pyoxigraph import NamedNode, RdfFormat, parse

from graph.build import build
from graph.cli import main
from graph.quality_queries import QualityQueries
from graph.settings import SourceConfig
from graph.store import open_current
from tests.conftest import BASE, FIXTURES, make_settings

BUILD_FIXTURES = FIXTURES / "quality" / "build"
QUALITY_GRAPH = f"<{BASE}/graph/quality>"
PREFIXES = f"""
PREFIX sh: <http://www.w3.org/ns/shacl#>
PREFIX dqv: <http://www.w3.org/ns/dqv#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX dtq: <{BASE}/def#>
"""


def settings_for(tmp_path, strict: bool):
    folder = tmp_path / "input"
    folder.mkdir(exist_ok=True)
    source = SourceConfig("notes", "skos-turtle", str(folder), strict=strict)
    return make_settings(tmp_path / "store", sources=(source,)), folder


def build_with(settings, folder, fixture: str):
    for old in folder.glob("*.ttl"):
        old.unlink()
    shutil.copy(BUILD_FIXTURES / fixture, folder / fixture)
    return build(settings).sources[0]


@pytest.fixture(scope="module")
def strict_history(tmp_path_factory):
    """A strict source built clean, then broken: the second build keeps the first graph."""
    tmp_path = tmp_path_factory.mktemp("strict")
    settings, folder = settings_for(tmp_path, strict=True)
    first = build_with(settings, folder, "clean.ttl")
    second = build_with(settings, folder, "broken.ttl")
    return settings, first, second


def select(settings, sparql: str) -> list:
    store = open_current(settings.store, read_only=True)
    return list(store.query(PREFIXES + sparql))


def test_bundled_report_stored(bundled_settings):
    rows = select(
        bundled_settings,
        f"SELECT ?report ?conforms ?activity WHERE {{ GRAPH {QUALITY_GRAPH} {{ ?report a sh:ValidationReport ; "
        f'dtq:source "geo" ; sh:conforms ?conforms ; prov:wasGeneratedBy ?activity }} '
        f"GRAPH <{BASE}/graph/meta> {{ ?activity a prov:Activity }} }}",
    )
    assert len(rows) == 1
    assert rows[0]["conforms"].value == "true"
    assert rows[0]["activity"].value.startswith(BASE + "/build/")


def test_bundled_measurements_queryable(bundled_settings):
    rows = select(
        bundled_settings,
        f"SELECT ?metric ?value WHERE {{ GRAPH {QUALITY_GRAPH} {{ <{BASE}/graph/geo> dqv:hasQualityMeasurement ?m . "
        f"?m dqv:isMeasurementOf ?metric ; dqv:value ?value ; prov:wasGeneratedBy ?activity }} }}",
    )
    values = {row["metric"].value.rsplit("#", 1)[-1]: float(row["value"].value) for row in rows}
    assert values["violationCount"] == 0
    assert values["qualityScore"] == 100
    assert values["checkedResourceCount"] > 1000


def test_strict_source_keeps_graph(strict_history):
    settings, first, second = strict_history
    assert first.status == "built"
    assert second.status == "kept"
    store = open_current(settings.store, read_only=True)
    graph = NamedNode(settings.graph_iri("notes"))
    kept = sorted(str(quad.triple) for quad in store.quads_for_pattern(None, None, None, graph))
    clean = sorted(str(triple) for triple in parse(path=BUILD_FIXTURES / "clean.ttl", format=RdfFormat.TURTLE))
    assert kept == clean


def test_strict_source_report_stored(strict_history):
    settings, _, second = strict_history
    rows = select(
        settings,
        f"SELECT ?status ?path ?message WHERE {{ GRAPH {QUALITY_GRAPH} {{ ?report dtq:source \"notes\" ; dtq:status ?status ; "
        f"sh:conforms false ; sh:result ?result . ?result sh:focusNode <{BASE}/id/commune/6260> ; sh:resultPath ?path ; "
        f'sh:resultSeverity sh:Violation ; sh:resultMessage ?message FILTER(LANG(?message) = "fr") }} }}',
    )
    assert {row["status"].value for row in rows} == {"kept"}
    assert "http://rdf.insee.fr/def/geo#codeINSEE" in {row["path"].value for row in rows}
    assert any(problem.code == "shacl-pattern" for problem in second.problems)


def test_flagged_source_published(tmp_path):
    settings, folder = settings_for(tmp_path, strict=False)
    report = build_with(settings, folder, "broken.ttl")
    assert report.status == "flagged"
    store = open_current(settings.store, read_only=True)
    assert store.contains_named_graph(NamedNode(settings.graph_iri("notes")))


def test_history_follows_builds(strict_history):
    settings, _, _ = strict_history
    store = open_current(settings.store, read_only=True)
    (notes,) = QualityQueries(store, settings).sources()
    assert [point.violations > 0 for point in notes.history] == [False, True]
    assert notes.history[0].score == 100
    assert notes.history[1].score < 100
    assert notes.status == "kept"


def test_history_over_sparql(strict_history):
    settings, _, _ = strict_history
    rows = select(
        settings,
        f"SELECT ?time ?value WHERE {{ GRAPH {QUALITY_GRAPH} {{ ?m dqv:computedOn <{BASE}/graph/notes> ; "
        f"dqv:isMeasurementOf dtq:violationCount ; dqv:value ?value ; prov:generatedAtTime ?time "
        f"FILTER NOT EXISTS {{ ?m dtq:shape ?shape }} }} }} ORDER BY ?time",
    )
    assert [int(row["value"].value) > 0 for row in rows] == [False, True]


def test_current_measurements_latest_only(strict_history):
    settings, _, _ = strict_history
    rows = select(
        settings,
        f"SELECT ?metric ?value ?activity WHERE {{ GRAPH {QUALITY_GRAPH} {{ <{BASE}/graph/notes> dqv:hasQualityMeasurement ?m . "
        f"?m dqv:isMeasurementOf ?metric ; dqv:value ?value ; prov:wasGeneratedBy ?activity }} }}",
    )
    latest = QualityQueries(open_current(settings.store, read_only=True), settings).sources()[0].activity
    assert {row["activity"].value for row in rows} == {latest}
    assert len(rows) == len({row["metric"].value for row in rows})


def test_validate_cli_exit_codes(strict_history, tmp_path, capsys):
    settings, _, _ = strict_history
    assert main(["validate", "--store", str(settings.store), "--source", "notes"]) == 0
    assert main(["validate", "--store", str(tmp_path / "empty")]) == 2
    assert main(["validate", "--store", str(settings.store), "--source", "missing"]) == 2


def test_validate_cli_json(tmp_path, capsys):
    settings, folder = settings_for(tmp_path, strict=False)
    build_with(settings, folder, "broken.ttl")
    config = tmp_path / "datatheque.toml"
    config.write_text(f'[[sources]]\nname = "notes"\nkind = "skos-turtle"\nlocation = "{folder}"\n', "utf-8")
    capsys.readouterr()
    assert main(["validate", "--config", str(config), "--store", str(settings.store), "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["conforms"] is False
    (source,) = document["sources"]
    assert source["violations"] >= 1
    assert any(r["focus"] == f"<{BASE}/id/commune/6260>" for r in source["results"])


def test_validate_cli_turtle(tmp_path, capsys):
    settings, folder = settings_for(tmp_path, strict=False)
    build_with(settings, folder, "broken.ttl")
    capsys.readouterr()
    assert main(["validate", "--store", str(settings.store), "--source", "notes", "--format", "turtle"]) == 1
    triples = list(parse(capsys.readouterr().out.encode("utf-8"), format=RdfFormat.TURTLE))
    types = {t.object.value for t in triples if t.predicate.value.endswith("#type")}
    assert "http://www.w3.org/ns/shacl#ValidationReport" in types
    assert "http://www.w3.org/ns/dqv#QualityMeasurement" in types


def test_dataset_score_and_problems(bundled_settings):
    rows = select(
        bundled_settings,
        f"SELECT ?dataset (COUNT(?result) AS ?count) WHERE {{ GRAPH {QUALITY_GRAPH} {{ ?result dtq:dataset ?dataset }} }} "
        "GROUP BY ?dataset ORDER BY DESC(?count) LIMIT 1",
    )
    if not rows:
        pytest.skip("no bundled dataset has a quality problem")
    dataset = rows[0]["dataset"].value
    queries = QualityQueries(open_current(bundled_settings.store, read_only=True), bundled_settings)
    measurements = queries.dataset_measurements(dataset)
    problems = queries.problems("fr", dataset=dataset)
    assert measurements.score is not None
    assert measurements.score < 100
    assert len(problems) == int(rows[0]["count"].value)
    assert all(problem.message and problem.fix for problem in problems)
