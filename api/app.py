"""The application factory: one FastAPI app with the routers of each concern."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from graph.settings import Settings, load_settings
from graph.store import StoreHandle

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app for the given settings (default: the loaded configuration).

    The store handle is kept in `app.state.store` and the settings in
    `app.state.settings`; routers read them from the request.
    """
    settings = settings or load_settings()
    app = FastAPI(title="Datathèque", docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json")
    app.state.settings = settings
    app.state.store = StoreHandle(settings.store)

    from api import routers

    for router in routers.ROUTERS:
        app.include_router(router)
    log.info("app ready for %s, store %s", settings.base_uri, settings.store)
    return app
