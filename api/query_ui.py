"""The query page of /sparql for browsers: YASGUI with example queries, served offline.

YASGUI's files are vendored in api/static/yasgui/ (see its README) and
served by this router, so the page loads nothing from another host.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.sparql_examples import EXAMPLES
from api.void import VOID_PATH
from graph.i18n import gettext_for, negotiate_language

router = APIRouter()

API_DIR = Path(__file__).resolve().parent
YASGUI_DIR = API_DIR / "static" / "yasgui"
YASGUI_PATH = "/static/yasgui"
YASGUI_FILES = {"yasgui.min.js": "text/javascript", "yasgui.min.css": "text/css"}
#: Browsers may keep the vendored files a day; their names do not change with their version.
STATIC_MAX_AGE = 86400

TEMPLATES = Environment(
    loader=FileSystemLoader(API_DIR / "templates"),
    autoescape=select_autoescape(["html"]),
)


def render_query_page(request: Request) -> HTMLResponse:
    """Render the YASGUI page of the endpoint in the language of the Accept-Language header."""
    settings = request.app.state.settings
    language = negotiate_language(request.headers.get("accept-language"))
    examples = [{"title": example.title, "query": example.render(settings.base_uri)} for example in EXAMPLES]
    html = TEMPLATES.get_template("sparql.html").render(
        _=gettext_for(language),
        language=language,
        endpoint=str(request.url.replace(query="", fragment="")).rstrip("?"),
        void_url=settings.base_uri + VOID_PATH,
        static_url=YASGUI_PATH,
        examples=examples,
    )
    description = settings.base_uri + "/sparql"
    headers = {
        "Vary": "Accept, Accept-Language",
        "Content-Language": language,
        "Link": f'<{description}>; rel="alternate"; type="text/turtle", '
        f'<{settings.base_uri}{VOID_PATH}>; rel="describedby"; type="text/turtle"',
    }
    return HTMLResponse(html, headers=headers)


@router.get(YASGUI_PATH + "/{name}")
def yasgui_file(name: str) -> FileResponse:
    """Serve one of the vendored YASGUI files."""
    if name not in YASGUI_FILES:
        raise HTTPException(404)
    return FileResponse(
        YASGUI_DIR / name,
        media_type=YASGUI_FILES[name],
        headers={"Cache-Control": f"public, max-age={STATIC_MAX_AGE}"},
    )
