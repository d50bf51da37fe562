"""The home page (placeholder until the page templates land)."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> str:
    return "<!doctype html><html lang=fr><title>Datathèque</title><h1>Datathèque</h1></html>"
