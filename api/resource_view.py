"""The template context of a resource page: label, types, description, property groups and typed sections."""

from __future__ import annotations

from fastapi import Request
from pyoxigraph import NamedNode

from api.describe import Describer, capitalized_view, description_of, preferred_label, types_of
from api.iri import RDF_SUFFIXES, data_href, is_local
from api.quality import dataset_quality
from api.search import search_indexes
from api.typed_views import DCAT, TypedViews
from api.vocabulary import load_vocabulary

DCAT_DATASET = DCAT + "Dataset"


def distinct_by_text(views: list) -> list:
    """Keep the first view of each label, so that org:Organization and foaf:Organization show once."""
    seen: set[str] = set()
    kept = []
    for view in views:
        if view.text not in seen:
            seen.add(view.text)
            kept.append(view)
    return kept


def group_pages(request: Request) -> dict[str, int]:
    """Return the page asked for one group (`?group=KEY&page=N`); the other groups show their first page."""
    key = request.query_params.get("group")
    try:
        page = int(request.query_params.get("page", "1"))
    except ValueError:
        page = 1
    return {key: page} if key else {}


def resource_context(request: Request, node: NamedNode, language: str) -> dict[str, object]:
    """Collect everything the page of a resource shows, in the request's language."""
    settings = request.app.state.settings
    store = request.app.state.store.get()
    indexes = search_indexes(request)
    describer = Describer(
        store, load_vocabulary(settings.base_uri), settings.base_uri, language, lambda iris: indexes.label_keys(request, iris)
    )
    pages = group_pages(request)
    types = types_of(store, node)
    is_dataset = DCAT_DATASET in types
    return {
        "iri": node.value,
        "local": is_local(node.value, settings.base_uri),
        "label": preferred_label(store, node, language) or node.value,
        "types": distinct_by_text([capitalized_view(describer.value(NamedNode(iri))) for iri in types]),
        "description": description_of(store, node, language),
        "groups": describer.outgoing_groups(node, pages),
        "incoming": describer.incoming_groups(node, pages),
        "sections": TypedViews(describer, node, types, pages).sections(),
        "dataset_quality": dataset_quality(request, node.value) if is_dataset else None,
        "alternates": [(suffix, media, data_href(node.value, settings.base_uri, suffix)) for suffix, media in RDF_SUFFIXES.items()],
    }
