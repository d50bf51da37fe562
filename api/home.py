"""The home page: what Datathèque is, a search box and entry points (territories, catalogue, SPARQL, quality)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from pyoxigraph import NamedNode

from api import http_cache
from api.describe import preferred_label
from api.iri import page_href
from api.rendering import render, request_language

router = APIRouter()

#: Territories offered on the home page: the région Bretagne and its départements.
HOME_TERRITORIES = ("id/region/53", "id/departement/22", "id/departement/29", "id/departement/35", "id/departement/56")


@router.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
def home(request: Request) -> Response:
    base_uri = request.app.state.settings.base_uri
    language = request_language(request)
    store = request.app.state.store.get()
    territories = []
    for path in HOME_TERRITORIES:
        iri = f"{base_uri}/{path}"
        label = preferred_label(store, NamedNode(iri), language)
        if label is not None:
            territories.append({"href": page_href(iri, base_uri), "text": label, "note": path.rsplit("/", 1)[-1]})
    headers = {"Vary": "Accept-Language, Cookie"}
    return http_cache.for_method(request, render(request, "home.html", {"territories": territories}, headers=headers))
