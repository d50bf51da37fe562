"""Labels of the classes and properties that pages show, over the bundled build."""

from __future__ import annotations

import re

from api.vocabulary import load_vocabulary
from tests.conftest import BASE

USED_TERMS = """
SELECT DISTINCT ?term WHERE {
  { GRAPH ?g { ?s ?term ?o } } UNION { ?s ?term ?o }
  UNION { GRAPH ?g { ?s a ?term } } UNION { ?s a ?term }
}
"""
DCAT_DATASET = "http://www.w3.org/ns/dcat#Dataset"
SDMX_REF_AREA = "http://purl.org/linked-data/sdmx/2009/dimension#refArea"


def test_used_terms_labelled(bundled_store):
    """Every property and class of the bundled graph has a French and an English label."""
    vocabulary = load_vocabulary(BASE)
    used = {row["term"].value for row in bundled_store.query(USED_TERMS)}
    assert len(used) > 100
    missing_french = sorted(term for term in used if "fr" not in vocabulary.labels.get(term, {}))
    missing_english = sorted(term for term in used if "en" not in vocabulary.labels.get(term, {}))
    assert missing_french == []
    assert missing_english == []


def test_incoming_heading_french_label(client):
    french_label = load_vocabulary(BASE).labels[SDMX_REF_AREA]["fr"]
    text = client.get("/page/commune/56260").text
    assert f"Ressources dont « {french_label} » est Vannes" in text
    assert "ref area" not in text


def test_type_labels_capitalised(client):
    french = load_vocabulary(BASE).labels[DCAT_DATASET]["fr"]
    text = client.get("/page/dataset/chaire-budgets-crach-2022").text
    badges = re.findall(r'<span class="type"><a [^>]*>([^<]*)<', text)
    assert badges == [french[0].upper() + french[1:]]
    hits = client.get("/recherche", params={"q": "budgets primitifs 2022", "format": "json"}).json()["results"]
    type_labels = {hit["type_label"] for hit in hits if hit["type_label"]}
    assert type_labels
    assert all(label[0].isupper() for label in type_labels)
