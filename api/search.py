"""`/recherche?q=`: search by name or code, as an HTML page or JSON (Accept or `format=json`)."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from pathlib import Path

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from api import http_cache
from api.iri import page_href
from api.negotiation import best_match
from api.rendering import render, request_language
from api.vocabulary import capitalized, load_vocabulary
from graph.i18n import N_, translate
from graph.search_index import Hit, build_in_memory, label_keys, open_index, search

log = logging.getLogger(__name__)
router = APIRouter()

MAX_RESULTS = 50
#: Values of `format=`; without it the format follows Accept.
FORMATS = ("html", "json")
#: Note shown on a hit about what matched, by the kind of the matched code or label.
MATCH_MESSAGES = {
    "code": N_("code %(value)s"),
    "siren": N_("SIREN %(value)s"),
    "postal code": N_("postal code %(value)s"),
    "former code": N_("former code %(value)s"),
    "label": N_("also named “%(value)s”"),
}


class SearchIndexes:
    """The search index of the generation being served, opened once per generation.

    A generation written without an index (by a write other than a build)
    gets one built in memory on first use.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation: Path | None = None
        self._connection: sqlite3.Connection | None = None

    def _current(self, request: Request) -> sqlite3.Connection:
        """Return the connection to the served generation's index; the caller holds the lock."""
        handle = request.app.state.store
        store = handle.get()
        if self._connection is None or handle.generation != self._generation:
            connection = open_index(handle.generation)
            if connection is None:
                log.warning("generation %s has no search index: building one in memory", handle.generation)
                connection = build_in_memory(store, request.app.state.settings.base_uri)
            self._connection, self._generation = connection, handle.generation
        return self._connection

    def search(self, request: Request, query: str) -> list[Hit]:
        """Search the index of the served generation; one query at a time shares the connection."""
        with self._lock:
            return search(self._current(request), query, MAX_RESULTS)

    def label_keys(self, request: Request, iris: list[str]) -> dict[str, str]:
        """Return the normalized labels of indexed IRIs, used to sort long lists on pages."""
        with self._lock:
            return label_keys(self._current(request), iris)


def search_indexes(request: Request) -> SearchIndexes:
    state = request.app.state
    if not hasattr(state, "search_indexes"):
        state.search_indexes = SearchIndexes()
    return state.search_indexes


def hit_view(hit: Hit, base_uri: str, language: str) -> dict[str, str | None]:
    vocabulary = load_vocabulary(base_uri)
    return {
        "iri": hit.iri,
        "label": hit.label,
        "type": hit.type,
        "type_label": capitalized(vocabulary.label(hit.type, language)) if hit.type else None,
        "code": hit.code,
        "match": translate(MATCH_MESSAGES[hit.matched_kind], language, {"value": hit.matched}) if hit.matched_kind else None,
        "href": page_href(hit.iri, base_uri),
    }


@router.api_route("/recherche", methods=["GET", "HEAD"])
def search_page(request: Request, q: str = "", format: str | None = None) -> Response:
    """Search labels, codes and dataset titles; JSON when asked by `format=json` or Accept."""
    started = time.perf_counter()
    settings = request.app.state.settings
    language = request_language(request)
    if format is not None and format.lower() not in FORMATS:
        log.info("search rejected: unknown format %r", format)
        message = N_("Unknown format “%(format)s”: use format=html or format=json, or leave it out to follow the Accept header.")
        return PlainTextResponse(translate(message, language, {"format": format}) + "\n", status_code=400)
    format = format.lower() if format else None
    wants_json = format == "json" or (
        format is None and best_match(request.headers.get("accept"), ["text/html", "application/json"]) == "application/json"
    )
    query = q.strip()
    hits = search_indexes(request).search(request, query) if query else []
    results = [hit_view(hit, settings.base_uri, language) for hit in hits]
    log.info("search %r: %d hits in %.1f ms", query, len(results), (time.perf_counter() - started) * 1000)
    headers = {"Vary": "Accept, Accept-Language, Cookie"}
    if wants_json:
        response: Response = JSONResponse({"query": query, "results": results}, headers=headers)
    else:
        response = render(request, "search.html", {"query": query, "results": results}, headers=headers)
    return http_cache.for_method(request, response)
