"""`/def`: the project's own vocabulary (`ontology/*.ttl`), as an HTML page or as RDF.

Terms are hash IRIs (`{base}/def#population`), so the page has one anchor
per term and `/def#population` opens at its definition. `/def.ttl` (and
`.jsonld`, `.nt`, `.rdf`), `format=` or Accept give the RDF.
"""

from __future__ import annotations

from functools import lru_cache

from fastapi import APIRouter, Request, Response
from pyoxigraph import Literal, NamedNode, Store, serialize

from api import http_cache
from api.describe import PREFIXES
from api.iri import RDF_SUFFIXES
from api.not_found import not_found
from api.pages import RDF_FORMATS, FormatNotAcceptable, chosen_format, not_acceptable
from api.rendering import render, request_language
from api.vocabulary import load_ontology, load_vocabulary, local_name

router = APIRouter()

RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
CLASS_TYPES = {OWL + "Class", RDFS + "Class"}
PROPERTY_TYPES = {OWL + "ObjectProperty", OWL + "DatatypeProperty", OWL + "AnnotationProperty", "http://www.w3.org/1999/02/22-rdf-syntax-ns#Property"}


@lru_cache(maxsize=4)
def ontology_store(base_uri: str) -> Store:
    return load_ontology(base_uri)


def term_views(store: Store, base_uri: str, language: str) -> tuple[list[dict], list[dict]]:
    """Return the classes and the properties of the vocabulary, each with labels, definition, domain and range."""
    vocabulary = load_vocabulary(base_uri)
    namespace = base_uri + "/def#"
    classes, properties = [], []
    subjects = {q.subject.value for q in store.quads_for_pattern(None, RDF_TYPE, None) if isinstance(q.subject, NamedNode)}
    for iri in sorted(subjects):
        if not iri.startswith(namespace):
            continue
        types = {q.object.value for q in store.quads_for_pattern(NamedNode(iri), RDF_TYPE, None)}
        labels = {
            q.object.language or "": q.object.value
            for q in store.quads_for_pattern(NamedNode(iri), NamedNode(RDFS + "label"), None)
            if isinstance(q.object, Literal)
        }
        view = {
            "iri": iri,
            "anchor": iri[len(namespace):],
            "label": vocabulary.label(iri, language),
            "labels": labels,
            "definition": vocabulary.definition(iri, language),
            "domain": [_term(q.object.value, vocabulary, language) for q in store.quads_for_pattern(NamedNode(iri), NamedNode(RDFS + "domain"), None)],
            "range": [_term(q.object.value, vocabulary, language) for q in store.quads_for_pattern(NamedNode(iri), NamedNode(RDFS + "range"), None)],
        }
        if types & CLASS_TYPES:
            classes.append(view)
        elif types & PROPERTY_TYPES:
            properties.append(view)
    return classes, properties


def _term(iri: str, vocabulary, language: str) -> dict[str, str]:
    return {"iri": iri, "label": vocabulary.label(iri, language) if iri in vocabulary.labels else local_name(iri)}


@router.api_route("/def", methods=["GET", "HEAD"], include_in_schema=False)
def vocabulary_page(request: Request) -> Response:
    """Serve the vocabulary as HTML or, by Accept or `format=`, as RDF."""
    return serve_vocabulary(request, None)


@router.api_route("/def.{suffix}", methods=["GET", "HEAD"], include_in_schema=False)
def vocabulary_document(request: Request, suffix: str) -> Response:
    """Serve the vocabulary in the RDF format of a suffix (ttl, jsonld, nt, rdf)."""
    if suffix not in RDF_SUFFIXES:
        return not_found(request, request.app.state.settings.base_uri + "/def." + suffix, "html")
    return serve_vocabulary(request, suffix)


def serve_vocabulary(request: Request, suffix: str | None) -> Response:
    try:
        format_name = chosen_format(request, suffix)
    except FormatNotAcceptable:
        return not_acceptable(request)
    base_uri = request.app.state.settings.base_uri
    store = ontology_store(base_uri)
    links = ", ".join(f'</def.{name}>; rel="alternate"; type="{media}"' for name, media in RDF_SUFFIXES.items())
    headers = {"Vary": "Accept, Accept-Language, Cookie", "Link": links}
    if format_name != "html":
        body = serialize(store, format=RDF_FORMATS[format_name], prefixes=PREFIXES | {"dtq": base_uri + "/def#"})
        response = Response(body, media_type=RDF_SUFFIXES[format_name], headers=headers)
        return http_cache.for_method(request, response)
    language = request_language(request)
    classes, properties = term_views(store, base_uri, language)
    context = {
        "namespace": base_uri + "/def#",
        "classes": classes,
        "properties": properties,
        "alternates": [(name, media, f"/def.{name}") for name, media in RDF_SUFFIXES.items()],
    }
    return http_cache.for_method(request, render(request, "vocabulary.html", context, headers=headers))
