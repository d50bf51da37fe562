"""The routers mounted by the app factory, in order (first match wins)."""

from api.home import router as home_router

ROUTERS = [home_router]
