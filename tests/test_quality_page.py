"""The quality pages over a store with a flagged source built twice, through the real app."""

from __future__ import annotations

import csv
import io
import re
import shutil
from html.parser import HTMLParser

import pytest
from fastapi import Request
from fastapi.testclient import TestClient

from graph.build import build
from graph.settings import SourceConfig
from graph.store import open_current
from tests.conftest import BASE, FIXTURES, make_settings

BROKEN = FIXTURES / "quality" / "build" / "broken.ttl"
COMMUNE = f"{BASE}/id/commune/6260"


class SvgParser(HTMLParser):
    """Collects the polylines and circles of the inline SVG charts."""

    def __init__(self) -> None:
        super().__init__()
        self.polylines: list[str] = []
        self.circles = 0

    def handle_starttag(self, tag, attrs):
        if tag == "polyline":
            self.polylines.append(dict(attrs)["points"])
        elif tag == "circle":
            self.circles += 1


@pytest.fixture(scope="module")
def quality_app(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("quality-page")
    folder = tmp_path / "input"
    folder.mkdir()
    shutil.copy(BROKEN, folder / "broken.ttl")
    settings = make_settings(tmp_path / "store", sources=(SourceConfig("notes", "skos-turtle", str(folder)),))
    build(settings)
    build(settings)
    from api.app import create_app

    with TestClient(create_app(settings), base_url=BASE) as client:
        yield settings, client


def stored_results(settings) -> int:
    """Count the results of the latest report of the source, straight from the quality graph."""
    store = open_current(settings.store, read_only=True)
    rows = store.query(
        "PREFIX sh: <http://www.w3.org/ns/shacl#> PREFIX dct: <http://purl.org/dc/terms/> "
        f"SELECT ?report (COUNT(?result) AS ?count) WHERE {{ GRAPH <{BASE}/graph/quality> {{ "
        "?report a sh:ValidationReport ; dct:created ?created ; sh:result ?result }} GROUP BY ?report ?created ORDER BY DESC(?created) LIMIT 1"
    )
    return int(next(iter(rows))["count"].value)


def test_page_french_default(quality_app):
    _, client = quality_app
    response = client.get("/qualite")
    assert response.status_code == 200
    assert '<html lang="fr">' in response.text
    assert "Qualité des données" in response.text
    assert COMMUNE in response.text
    assert "Comment corriger" in response.text


def test_page_english_switch(quality_app):
    _, client = quality_app
    response = client.get("/qualite?lang=en")
    assert '<html lang="en">' in response.text
    assert "Data quality" in response.text
    assert "How to fix it" in response.text


def test_page_trend_chart(quality_app):
    _, client = quality_app
    parser = SvgParser()
    parser.feed(client.get("/qualite").text)
    assert len(parser.polylines) == 1
    assert len(parser.polylines[0].split()) == 2
    assert parser.circles == 2


def test_page_scores_below_full(quality_app):
    _, client = quality_app
    text = client.get("/qualite?lang=en").text
    scores = re.findall(r"<dt>Score</dt><dd>([\d.,]+)<", text)
    assert scores
    assert all(float(score.replace(",", ".")) < 100 for score in scores)


def test_producer_csv_export(quality_app):
    settings, client = quality_app
    response = client.get("/qualite/notes.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == stored_results(settings)
    assert COMMUNE in {row["resource"] for row in rows}
    assert {row["severity"] for row in rows} <= {"violation", "warning", "info"}


def test_producer_json_export(quality_app):
    settings, client = quality_app
    document = client.get("/qualite/notes?format=json&lang=en").json()
    assert document["producer"]["key"] == "notes"
    assert len(document["problems"]) == stored_results(settings)
    commune = [p for p in document["problems"] if p["resource"] == COMMUNE]
    assert commune
    assert all(p["message"] and p["fix"] for p in commune)
    assert client.get("/qualite/notes.json").json() == client.get("/qualite/notes?format=json").json()


def test_producer_page_trend(quality_app):
    _, client = quality_app
    parser = SvgParser()
    parser.feed(client.get("/qualite/notes").text)
    assert len(parser.polylines) == 1
    assert len(parser.polylines[0].split()) == 2


def test_producer_page_html(quality_app):
    _, client = quality_app
    response = client.get("/qualite/notes")
    assert response.status_code == 200
    assert 'href="/qualite/notes.csv"' in response.text
    assert COMMUNE in response.text


def test_producer_unknown_404(quality_app):
    _, client = quality_app
    assert client.get("/qualite/nobody").status_code == 404
    assert client.get("/qualite/notes?format=xml").status_code == 400


def test_dataset_quality_partial(bundled_settings):
    from api.app import create_app
    from api.quality import dataset_quality
    from api.rendering import render

    store = open_current(bundled_settings.store, read_only=True)
    rows = list(
        store.query(
            f"SELECT ?dataset (COUNT(?result) AS ?count) WHERE {{ GRAPH <{BASE}/graph/quality> {{ ?result <{BASE}/def#dataset> ?dataset }} }} "
            "GROUP BY ?dataset ORDER BY DESC(?count) LIMIT 1"
        )
    )
    if not rows:
        pytest.skip("no bundled dataset has a quality problem")
    dataset = rows[0]["dataset"].value
    app = create_app(bundled_settings)

    @app.get("/test/dataset-quality")
    def page(request: Request):
        return render(request, "quality_dataset.html", {"dataset_quality": dataset_quality(request, dataset)})

    with TestClient(app, base_url=BASE) as client:
        text = client.get("/test/dataset-quality?lang=en").text
    assert "Validation of the metadata" in text
    assert text.count('<tr class="severity-') == int(rows[0]["count"].value)
