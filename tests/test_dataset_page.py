"""The quality part of a dataset page: the MQA score of the latest build, what to fix, and the SHACL problems."""

from __future__ import annotations

import re

import pytest
from babel.numbers import format_decimal
from fastapi.testclient import TestClient
from pyoxigraph import BlankNode, Literal, NamedNode, Quad

from api.iri import page_href
from graph.i18n import translate
from graph.metadata_quality import DIMENSIONS, DQV, PROV
from graph.store import open_current, write_transaction
from tests.conftest import BASE, make_settings

MQA_GRAPH = f"<{BASE}/graph/metadata-quality>"
QUALITY_GRAPH = f"<{BASE}/graph/quality>"
DTQ = BASE + "/def#"
XSD = "http://www.w3.org/2001/XMLSchema#"
RATINGS = {"mqaExcellent": "Excellent", "mqaGood": "Good", "mqaSufficient": "Sufficient", "mqaBad": "Bad"}


def number(value: str, language: str = "en") -> str:
    return format_decimal(float(value), locale=language)


@pytest.fixture(scope="module")
def scored(bundled_store):
    """The bundled dataset with the most SHACL problems that misses MQA points, with its stored total and rating."""
    rows = list(
        bundled_store.query(
            f"SELECT ?dataset ?total ?rating (COUNT(?result) AS ?problems) WHERE {{ "
            f"GRAPH {MQA_GRAPH} {{ ?m <{DQV}computedOn> ?dataset ; <{DQV}isMeasurementOf> <{DTQ}mqaScore> ; "
            f"<{DQV}value> ?total ; <{DTQ}mqaRating> ?rating FILTER(?total < 405) }} "
            f"GRAPH {QUALITY_GRAPH} {{ ?result <{DTQ}dataset> ?dataset }} }} "
            "GROUP BY ?dataset ?total ?rating ORDER BY DESC(?problems) ?dataset LIMIT 1"
        )
    )
    if not rows:
        pytest.skip("no bundled dataset misses MQA points and has a SHACL problem")
    row = rows[0]
    return {
        "iri": row["dataset"].value,
        "total": row["total"].value,
        "rating": RATINGS[row["rating"].value.removeprefix(DTQ)],
        "problems": int(row["problems"].value),
    }


def page_of(client, iri: str, language: str) -> str:
    response = client.get(f"{page_href(iri, BASE)}?lang={language}")
    assert response.status_code == 200
    return response.text


def test_score_total_and_band(client, scored):
    text = page_of(client, scored["iri"], "en")
    assert f"{number(scored['total'])} points out of 405: {scored['rating']}" in text


def test_score_band_french(client, scored):
    text = page_of(client, scored["iri"], "fr")
    rating = translate(scored["rating"], "fr")
    assert rating != scored["rating"]
    assert f"{number(scored['total'], 'fr')} points sur 405 : {rating}" in text


def test_score_dimensions(client, bundled_store, scored):
    text = page_of(client, scored["iri"], "en")
    for dimension in DIMENSIONS:
        metric = f"<{DTQ}mqa{dimension.capitalize()}>"
        row = next(
            iter(
                bundled_store.query(
                    f"SELECT ?value ?max WHERE {{ GRAPH {MQA_GRAPH} {{ ?m <{DQV}computedOn> <{scored['iri']}> ; "
                    f"<{DQV}isMeasurementOf> {metric} ; <{DQV}value> ?value . {metric} <{DTQ}maxPoints> ?max }} }}"
                )
            )
        )
        expected = f"<td>{number(row['value'].value)}</td><td>{number(row['max'].value)}</td>"
        rows = re.findall(rf'<tr class="dimension-{dimension}">.*?</tr>', text)
        assert len(rows) == 1
        assert expected in rows[0]


def test_score_advice_missing_points(client, bundled_store, scored):
    text = page_of(client, scored["iri"], "en")
    rows = list(
        bundled_store.query(
            f"SELECT ?metric ?value ?max ?advice WHERE {{ GRAPH {MQA_GRAPH} {{ ?m <{DQV}computedOn> <{scored['iri']}> ; "
            f"<{DQV}isMeasurementOf> ?metric ; <{DQV}value> ?value . ?metric <{DTQ}maxPoints> ?max ; <{DTQ}advice> ?advice "
            f'FILTER(LANG(?advice) = "en" && ?value < ?max) }} }}'
        )
    )
    assert rows
    for row in rows:
        gain = float(row["max"].value) - float(row["value"].value)
        item = re.search(rf'<li class="advice-{row["metric"].value.removeprefix(DTQ)}">(.*?)</li>', text, re.S)
        assert item is not None
        assert f"(+{number(str(gain))} points)" in item.group(1)
        assert row["advice"].value.replace("'", "&#39;") in item.group(1)


def test_score_full_indicator_no_advice(client, bundled_store, scored):
    text = page_of(client, scored["iri"], "en")
    rows = list(
        bundled_store.query(
            f"SELECT ?metric WHERE {{ GRAPH {MQA_GRAPH} {{ ?m <{DQV}computedOn> <{scored['iri']}> ; "
            f"<{DQV}isMeasurementOf> ?metric ; <{DQV}value> ?value . ?metric <{DTQ}advice> ?advice ; <{DTQ}maxPoints> ?max "
            f"FILTER(?value = ?max) }} }}"
        )
    )
    for row in rows:
        assert f'class="advice-{row["metric"].value.removeprefix(DTQ)}"' not in text


def test_shacl_problems_section(client, scored):
    text = page_of(client, scored["iri"], "en")
    assert "Validation of the metadata" in text
    assert text.count('<tr class="severity-') == scored["problems"]
    assert text.count("<dt>Violations</dt>") == 1


def test_measurements_not_repeated(client, scored):
    text = page_of(client, scored["iri"], "en")
    assert text.count('id="metadata-score-heading"') == 1
    assert text.count('id="dataset-quality-heading"') == 1
    advice_items = re.findall(r'<li class="advice-(\w+)">', text)
    assert len(advice_items) == len(set(advice_items))
    # The build's own measurements are not listed again among those the source states.
    assert "Number of violations" not in text
    assert "Quality score (out of 100)" not in text


def _older_build_quads(dataset: str) -> list[Quad]:
    """Measurements of an earlier build: a bad MQA score and a SHACL count no longer linked from the dataset."""
    mqa = NamedNode(f"{BASE}/graph/metadata-quality")
    quality = NamedNode(f"{BASE}/graph/quality")
    old_time = Literal("2000-01-01T00:00:00Z", datatype=NamedNode(XSD + "dateTime"))
    quads = []
    for metric, value in (("mqaScore", "1"), ("mqaFindability", "1"), ("mqaKeyword", "0")):
        node = BlankNode()
        quads += [
            Quad(node, NamedNode(DQV + "computedOn"), NamedNode(dataset), mqa),
            Quad(node, NamedNode(DQV + "isMeasurementOf"), NamedNode(DTQ + metric), mqa),
            Quad(node, NamedNode(DQV + "value"), Literal(value, datatype=NamedNode(XSD + "decimal")), mqa),
            Quad(node, NamedNode(PROV + "generatedAtTime"), old_time, mqa),
        ]
    old = NamedNode(f"{BASE}/build/20000101T000000Z-000000/old/measurement/violationCount")
    quads += [
        Quad(old, NamedNode(DQV + "computedOn"), NamedNode(dataset), quality),
        Quad(old, NamedNode(DQV + "isMeasurementOf"), NamedNode(DTQ + "violationCount"), quality),
        Quad(old, NamedNode(DQV + "value"), Literal("987", datatype=NamedNode(XSD + "integer")), quality),
        Quad(old, NamedNode(PROV + "generatedAtTime"), old_time, quality),
    ]
    return quads


def test_older_build_ignored(bundled_store, scored, tmp_path):
    from api.app import create_app

    keyword = bundled_store.query(
        f"ASK {{ GRAPH {MQA_GRAPH} {{ ?m <{DQV}computedOn> <{scored['iri']}> ; "
        f"<{DQV}isMeasurementOf> <{DTQ}mqaKeyword> ; <{DQV}value> ?value FILTER(?value < 30) }} }}"
    )
    keyword_missed = bool(keyword)
    settings = make_settings(tmp_path / "store")
    dataset = NamedNode(scored["iri"])
    with write_transaction(settings.store) as (_, store):
        for graph in (f"{BASE}/graph/metadata-quality", f"{BASE}/graph/quality"):
            store.extend(bundled_store.quads_for_pattern(None, None, None, NamedNode(graph)))
        store.extend(bundled_store.quads_for_pattern(dataset, None, None, None))
        store.extend(_older_build_quads(scored["iri"]))
    assert len(list(open_current(settings.store, read_only=True).quads_for_pattern(None, NamedNode(DQV + "computedOn"), dataset))) > 0

    with TestClient(create_app(settings), base_url=BASE) as client:
        text = client.get(f"{page_href(scored['iri'], BASE)}?lang=en").text
    assert f"{number(scored['total'])} points out of 405: {scored['rating']}" in text
    assert "987" not in text
    assert text.count('class="advice-mqaKeyword"') == (1 if keyword_missed else 0)
    assert len(re.findall(r'<tr class="dimension-findability">', text)) == 1
