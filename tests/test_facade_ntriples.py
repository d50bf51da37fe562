"""The N-Triples facade is the same graph as the term-by-term facade."""

import rdflib
from pyoxigraph import RdfFormat, serialize
from rdflib.compare import isomorphic

from graph.facade import Record, facade_ntriples, facade_quads

RECORDS = [
    Record({"code": "01001", "nom": "L'Abergement-Clémenciat", "population": 859, "actif": True}, "a.json#/0", index=0),
    Record({"code": "2A004", "codesPostaux": ["20000", "20090"], "vide": None, "imbriqué": [[1, 2]]}, "a.json#/1", index=1),
    Record({"code postal": 'guillemet " barre \\ ligne\nfin\ttab \x01 \u2028 ☃', "membres": [{"code": "56260", "siren": "215602608"}, {"code": "56003"}]}, "a.json#/2", index=2),
    Record({"COM": "56260", "__width__": "3/12"}, "v.csv:2", line=2),
]


def as_rdflib(data: bytes) -> rdflib.Graph:
    return rdflib.Graph().parse(data=data.decode("utf-8"), format="nt")


def test_ntriples_facade_isomorphic():
    by_terms = as_rdflib(serialize([quad.triple for quad in facade_quads(RECORDS)], format=RdfFormat.N_TRIPLES))
    by_text = as_rdflib(facade_ntriples(RECORDS))
    assert len(by_text) == len(by_terms)
    assert isomorphic(by_text, by_terms)


def test_ntriples_facade_keeps_values():
    graph = as_rdflib(facade_ntriples(RECORDS))
    values = {str(value) for value in graph.objects() if isinstance(value, rdflib.Literal)}
    assert 'guillemet " barre \\ ligne\nfin\ttab \x01 \u2028 ☃' in values
    assert {"01001", "2A004", "859", "true", "20090"} <= values


def test_ntriples_facade_empty():
    assert facade_ntriples([]) == b""
