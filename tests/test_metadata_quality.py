"""Metadata quality scores (after data.europa.eu's MQA) of the bundled datasets, as DQV measurements."""

import csv

import pytest
from pyoxigraph import Literal, NamedNode, RdfFormat, parse

from graph.dcat_export import dataset_iris
from graph.metadata_quality import DIMENSIONS, INDICATORS, MAX_POINTS, ONTOLOGY, DatasetFacts, rating, score
from graph.settings import PROJECT_ROOT
from tests.conftest import BASE

DQV = "http://www.w3.org/ns/dqv#"
DTQ = f"{BASE}/def#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
GRAPH = f"<{BASE}/graph/metadata-quality>"
REGISTER = PROJECT_ROOT / "data" / "register" / "chaire-datasets.csv"


def measurements(store, target):
    query = f"""SELECT ?metric ?value {{ GRAPH {GRAPH} {{ ?m a <{DQV}QualityMeasurement> ; <{DQV}computedOn> <{target}> ;
        <{DQV}isMeasurementOf> ?metric ; <{DQV}value> ?value }} }}"""
    return {row["metric"].value.removeprefix(DTQ): float(row["value"].value) for row in store.query(query)}


def ontology_points():
    points = {}
    for quad in parse(path=str(ONTOLOGY), format=RdfFormat.TURTLE, base_iri=BASE + "/"):
        if quad.predicate.value == DTQ + "maxPoints":
            points[quad.subject.value.removeprefix(DTQ)] = int(quad.object.value)
    return points


def test_indicator_points_total_405():
    assert sum(weight for _, _, weight, _ in INDICATORS) == MAX_POINTS == 405


@pytest.mark.parametrize("dimension,points", [("findability", 100), ("accessibility", 100), ("interoperability", 110), ("reusability", 75), ("contextuality", 20)])
def test_dimension_points(dimension, points):
    assert sum(weight for _, d, weight, _ in INDICATORS if d == dimension) == points


def test_ontology_defines_metrics():
    points = ontology_points()
    for name, _, weight, _ in INDICATORS:
        assert points[name] == weight, name
    assert points["mqaScore"] == MAX_POINTS
    for dimension in DIMENSIONS:
        assert points["mqa" + dimension.capitalize()] == sum(w for _, d, w, _ in INDICATORS if d == dimension)


@pytest.mark.parametrize("points,expected", [(405, "Excellent"), (351, "Excellent"), (350, "Good"), (221, "Good"), (220, "Sufficient"), (121, "Sufficient"), (120, "Bad"), (0, "Bad")])
def test_rating_bands(points, expected):
    assert rating(points) == expected


def test_empty_dataset_scores_zero():
    assert score(DatasetFacts({}, []))["total"] == 0


def test_complete_dataset_scores_full():
    uri = NamedNode
    distribution = {
        DCAT + "accessURL": [uri("https://example.org/a")],
        DCAT + "downloadURL": [uri("https://example.org/a.csv")],
        DCT + "format": [uri("http://publications.europa.eu/resource/authority/file-type/CSV")],
        DCAT + "mediaType": [uri("http://www.iana.org/assignments/media-types/text/csv")],
        DCT + "license": [uri("http://publications.europa.eu/resource/authority/licence/ETALAB_2_0")],
        DCT + "rights": [Literal("Libre réutilisation")],
        DCAT + "byteSize": [Literal("10")],
    }
    properties = {
        DCT + name: [Literal("x")] for name in ("title", "description", "identifier", "spatial", "temporal", "issued", "modified", "publisher")
    }
    properties[DCAT + "keyword"] = [Literal("x")]
    properties[DCAT + "theme"] = [Literal("x")]
    properties[DCAT + "contactPoint"] = [Literal("x")]
    properties[DCT + "accessRights"] = [uri("http://publications.europa.eu/resource/authority/access-right/PUBLIC")]
    assert score(DatasetFacts(properties, [distribution]))["total"] == MAX_POINTS


def test_every_dataset_measured(bundled_store):
    for iri in dataset_iris(bundled_store):
        values = measurements(bundled_store, iri)
        assert set(values) == {name for name, *_ in INDICATORS} | {"mqa" + d.capitalize() for d in DIMENSIONS} | {"mqaScore"}, iri
        assert values["mqaScore"] == pytest.approx(sum(values["mqa" + d.capitalize()] for d in DIMENSIONS))
        assert 0 <= values["mqaScore"] <= MAX_POINTS


def test_register_dataset_score(bundled_store):
    # A register row with keywords, themes, territories and a period scores every findability point.
    # The register has no contact column, and etalab-2.0 is in the EU licence table.
    with REGISTER.open(encoding="utf-8", newline="") as text:
        row = next(
            row for row in csv.DictReader(text, delimiter=";")
            if row["mots_cles"] and row["themes"] and row["territoires"] and row["debut"] and row["licence"] == "etalab-2.0"
        )
    values = measurements(bundled_store, f"{BASE}/id/dataset/{row['identifiant']}")
    assert values["mqaFindability"] == 100
    assert values["mqaContactPoint"] == 0
    assert values["mqaLicenceVocabulary"] == 10


def test_catalog_score_and_rating(bundled_store):
    totals = [measurements(bundled_store, iri)["mqaScore"] for iri in dataset_iris(bundled_store)]
    catalog = measurements(bundled_store, f"{BASE}/catalog")
    assert catalog["mqaScore"] == pytest.approx(sum(totals) / len(totals), abs=0.01)
    rows = list(bundled_store.query(f"""SELECT ?label {{ GRAPH {GRAPH} {{ ?m <{DQV}computedOn> <{BASE}/catalog> ; <{DTQ}mqaRating> ?r .
        ?r <http://www.w3.org/2004/02/skos/core#prefLabel> ?label FILTER(LANG(?label) = "fr") }} }}"""))
    assert [row["label"].value for row in rows] == [{"Excellent": "excellente", "Good": "bonne", "Sufficient": "suffisante", "Bad": "insuffisante"}[rating(catalog["mqaScore"])]]


def test_advice_for_missing_points(bundled_store):
    rows = list(bundled_store.query(f"""SELECT ?advice {{ GRAPH {GRAPH} {{ <{DTQ}mqaContactPoint> <{DTQ}advice> ?advice FILTER(LANG(?advice) = "fr") }} }}"""))
    assert len(rows) == 1
    assert rows[0]["advice"].value
