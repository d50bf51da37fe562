"""The application factory: one FastAPI app with the routers of each concern."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from api.metrics import RequestMetricsMiddleware
from api.not_found import http_error_page
from api.sparql_fast_path import COMPRESSION_MINIMUM_SIZE, SparqlApp

from graph.settings import Settings, load_settings
from graph.store import StoreHandle

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for the given settings (default: the loaded configuration).

    The store handle is kept in `app.state.store` and the settings in
    `app.state.settings`; routers read them from the request.
    """
    settings = settings or load_settings()
    app = SparqlApp(title="Datathèque", docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json")
    app.state.settings = settings
    app.state.store = StoreHandle(settings.store)

    from api import routers

    for router in routers.ROUTERS:
        app.include_router(router)
    # Pages and RDF documents are compressed for clients that send Accept-Encoding: gzip.
    app.add_middleware(GZipMiddleware, minimum_size=COMPRESSION_MINIMUM_SIZE)
    # Counts the /sparql responses that go through the stack; SparqlApp counts the queries it takes itself.
    app.add_middleware(RequestMetricsMiddleware)
    app.add_exception_handler(StarletteHTTPException, http_error_page)
    log.info("app ready for %s, store %s", settings.base_uri, settings.store)
    return app
