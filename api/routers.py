"""The routers mounted by the app factory, in order (first match wins)."""

from api.graph_store import router as graph_store_router
from api.assets import router as assets_router
from api.catalog import router as catalog_router
from api.home import router as home_router
from api.metrics import router as metrics_router
from api.ontology_pages import router as vocabulary_router
from api.pages import router as pages_router
from api.quality import router as quality_router
from api.search import router as search_router
from api.query_ui import router as query_ui_router
from api.sparql import router as sparql_router
from api.void import router as void_router

ROUTERS = [sparql_router, metrics_router, graph_store_router, void_router, catalog_router, query_ui_router, home_router, quality_router, pages_router, search_router, vocabulary_router, assets_router]
