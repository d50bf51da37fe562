"""Every problem of a build on /qualite: lifting problems beside SHACL results, producers apart from sources."""

from __future__ import annotations

import csv
import io
import re
import shutil
from collections import Counter

import pytest
from fastapi.testclient import TestClient
from pyoxigraph import Literal, NamedNode, Quad, Store

from graph.build import build
from graph.quality_producers import ProducerKeys, producer_name, slug
from graph.quality_queries import QualityQueries
from graph.quality import public_text
from graph.settings import PROJECT_ROOT, SourceConfig
from graph.sources import LiftContext, lift_function
from graph.store import open_current
from tests.conftest import BASE, FIXTURES, make_settings

BROKEN = FIXTURES / "quality" / "build" / "broken.ttl"
#: Bundled sources whose lifting reports problems of their own (budget checks, statistics, plans).
LIFTING_SOURCES = ("budgets", "insee-stats", "plans")
FOAF_NAME = "http://xmlns.com/foaf/0.1/name"


def lifted_problems(settings, name):
    """Lift a bundled source again over the bundled store and return its problems."""
    source = settings.source(name)
    context = LiftContext(settings, open_current(settings.store, read_only=True))
    return lift_function(source.kind)(source, context).problems


@pytest.fixture(scope="module")
def one_build(tmp_path_factory):
    """A store built once from a flagged source and a source whose file is missing."""
    tmp_path = tmp_path_factory.mktemp("quality-problems")
    folder = tmp_path / "input"
    folder.mkdir()
    shutil.copy(BROKEN, folder / "broken.ttl")
    sources = (
        SourceConfig("notes", "skos-turtle", str(folder)),
        SourceConfig("missing", "skos-turtle", str(tmp_path / "absent.ttl")),
    )
    settings = make_settings(tmp_path / "store", sources=sources)
    report = build(settings)
    from api.app import create_app

    with TestClient(create_app(settings), base_url=BASE) as client:
        yield report, client


@pytest.mark.parametrize("name", LIFTING_SOURCES)
def test_lifting_problems_exported(bundled_settings, client, name):
    expected = lifted_problems(bundled_settings, name)
    assert expected
    document = client.get(f"/qualite/{name}.json?lang=en").json()
    found = [p for p in document["problems"] if not p["code"].startswith("shacl-")]
    assert Counter((p["code"], p["severity"], p["location"]) for p in found) == Counter(
        (p.code, p.severity.value, public_text(p.location)) for p in expected
    )
    assert {p["message"] for p in found} == {public_text(p.text("en")) for p in expected}
    assert not any(str(PROJECT_ROOT) in p["message"] or str(PROJECT_ROOT) in p["location"] for p in found)
    for problem in found:
        match = re.fullmatch(r"(.+):(\d+)", problem["location"])
        if match and not problem["location"].startswith("http"):
            assert (problem["file"], problem["line"]) == (match[1], match[2])
    rows = list(csv.DictReader(io.StringIO(client.get(f"/qualite/{name}.csv").text)))
    assert len([row for row in rows if not row["code"].startswith("shacl-")]) == len(expected)


def test_source_counts_include_lifting(bundled_settings, bundled_store):
    queries = QualityQueries(bundled_store, bundled_settings)
    problems = Counter((p.source, p.severity) for p in queries.problems("fr"))
    for item in queries.sources():
        for severity, metric in (("violation", "violationCount"), ("warning", "warningCount"), ("info", "infoCount")):
            assert item.measurements.count(metric) == problems[(item.source, severity)], (item.source, severity)
    for name in LIFTING_SOURCES:
        assert sum(problems[(name, severity)] for severity in ("violation", "warning", "info")) >= len(lifted_problems(bundled_settings, name))


def test_producer_counts_match_export(client):
    page = client.get("/qualite").text
    keys = sorted(set(re.findall(r'href="/qualite/([^".?]+)"', page)))
    assert keys
    for key in keys:
        document = client.get(f"/qualite/{key}.json").json()
        severities = Counter(problem["severity"] for problem in document["problems"])
        assert document["counts"] == {severity: severities[severity] for severity in ("violation", "warning", "info")}, key


def test_producer_keys_readable(bundled_settings, bundled_store):
    producers = QualityQueries(bundled_store, bundled_settings).producers()
    keys = [producer.key for producer in producers]
    assert len(keys) == len(set(keys))
    sources = {source.name for source in bundled_settings.sources}
    named = [producer for producer in producers if not producer.source_itself]
    assert named
    for producer in named:
        name = slug(producer_name(bundled_store, producer.iri))
        assert name, producer.iri
        assert producer.key == name or re.fullmatch(re.escape(name) + r"-[0-9a-f]{6}", producer.key), producer
        assert producer.key not in sources
    assert {producer.key for producer in producers if producer.source_itself} <= sources


def test_producer_key_unique_stable():
    store = Store()
    quality = f"{BASE}/graph/quality"
    vanves, other = NamedNode("http://example.org/org/67b7c3b0e2714e0e9de260a3"), NamedNode("http://example.org/org/x")
    store.add(Quad(vanves, NamedNode(FOAF_NAME), Literal("Ville de Vanves"), NamedNode(f"{BASE}/graph/vanves")))
    store.add(Quad(other, NamedNode(FOAF_NAME), Literal("Ville de Vanves"), NamedNode(f"{BASE}/graph/other")))
    store.add(Quad(other, NamedNode(f"{BASE}/def#producerKey"), Literal("ville-de-vanves"), NamedNode(quality)))
    first = ProducerKeys(store, quality, f"{BASE}/def#producerKey", {"vanves"}).key(vanves.value)
    again = ProducerKeys(store, quality, f"{BASE}/def#producerKey", {"vanves"}).key(vanves.value)
    assert first == again
    assert re.fullmatch(r"ville-de-vanves-[0-9a-f]{6}", first)
    assert ProducerKeys(store, quality, f"{BASE}/def#producerKey", {"vanves"}).key(other.value) == "ville-de-vanves"


def test_failed_source_recorded(one_build):
    report, client = one_build
    (missing,) = [source for source in report.sources if source.name == "missing"]
    assert missing.status == "failed"
    document = client.get("/qualite/missing.json?lang=en").json()
    assert [(p["code"], p["location"]) for p in document["problems"]] == [(p.code, p.location) for p in missing.problems]
    assert document["counts"]["violation"] == len(missing.problems)
    assert "the source could not be read" in client.get("/qualite?lang=en").text


def test_trend_title_plural(one_build, quality_two_builds):
    _, client = one_build
    french = client.get("/qualite?lang=fr").text
    assert "Score de la dernière construction de notes" in french
    assert "Score des 1 " not in french
    assert "Score of the last build of notes" in client.get("/qualite?lang=en").text
    assert "Score des 2 dernières constructions de notes" in quality_two_builds.get("/qualite?lang=fr").text


@pytest.fixture(scope="module")
def quality_two_builds(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("quality-twice")
    folder = tmp_path / "input"
    folder.mkdir()
    shutil.copy(BROKEN, folder / "broken.ttl")
    settings = make_settings(tmp_path / "store", sources=(SourceConfig("notes", "skos-turtle", str(folder)),))
    build(settings)
    build(settings)
    from api.app import create_app

    with TestClient(create_app(settings), base_url=BASE) as client:
        yield client


def test_unknown_producer_french(one_build):
    _, client = one_build
    page = client.get("/qualite/nope?lang=fr", headers={"accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Aucun producteur nope dans les rapports de qualité" in page.text
    export = client.get("/qualite/nope.csv")
    assert export.status_code == 404
    assert export.headers["content-type"].startswith("text/plain")
    assert export.text.startswith("Aucun producteur nope.csv")
    document = client.get("/qualite/nope.json")
    assert document.status_code == 404
    assert document.json()["detail"].startswith("Aucun producteur nope.json")
    english = client.get("/qualite/nope.json?lang=en")
    assert english.json()["detail"].startswith("No producer nope.json")
    assert client.get("/qualite/notes?format=xml").text.startswith("Format xml inconnu")
