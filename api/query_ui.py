"""The query page of /sparql for browsers: YASGUI with example queries, served offline, in the site's layout.

YASGUI's files are vendored in api/static/yasgui/ (see its README) and
served by this router, so the page loads nothing from another host.
"""

from __future__ import annotations

from pathlib import Path

from babel.numbers import get_decimal_symbol
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse

from api.rendering import render, request_language
from api.sparql_examples import EXAMPLES
from api.void import VOID_PATH
from graph.i18n import N_, translate

router = APIRouter()

API_DIR = Path(__file__).resolve().parent
YASGUI_DIR = API_DIR / "static" / "yasgui"
YASGUI_PATH = "/static/yasgui"
YASGUI_FILES = {"yasgui.min.js": "text/javascript", "yasgui.min.css": "text/css"}
#: Browsers may keep the vendored files a day; their names do not change with their version.
STATIC_MAX_AGE = 86400

#: YASGUI interface words that the page translates (YASGUI 4.6 has no translation option):
#: the tab name (its `tabName` setting), the labels of the table and response
#: views (set by relabelling their plugins) and the DataTables words of the table
#: view (its `tableConfig.language` setting).
YASGUI_WORDS = {
    "tab": N_("Query"),
    "table": N_("Table"),
    "response": N_("Response"),
    "search": N_("Filter results:"),
    "info": N_("Rows _START_ to _END_ of _TOTAL_"),
    "empty": N_("No results"),
    "zero": N_("No matching rows"),
}


#: Other words that YASGUI 4.6 writes in English, in its text, titles, ARIA labels and placeholders. The page
#: replaces each one that is the whole text of a node or attribute by its translation, as YASGUI adds them.
YASGUI_LABELS = (
    N_("Settings"), N_("Request method"), N_("Accept Headers"), N_("Ask / Select"), N_("Construct / Describe"),
    N_("Arguments"), N_("Header Arguments"), N_("Default Graphs"), N_("Named Graphs"), N_("Page size:"),
    N_("Simple view"), N_("Ellipse"), N_("Add a new tab"), N_("Add tab"), N_("Close tab"), N_("Close settings"),
    N_("Open settings"), N_("Clear endpoint"), N_("Share query"), N_("Run query"), N_("Download Results"),
    N_("Download result"), N_("Filter query results"), N_("First"), N_("Last"), N_("Next"), N_("Previous"),
    N_("pagination"), N_("All"),
)
#: YASGUI words with a value in them: a JavaScript regular expression, and the translation with `%s` where each
#: captured value goes (decimal numbers are written with the language's decimal symbol).
YASGUI_PATTERNS = (
    ("^Shows (.+) view$", N_("Shows the %s view")),
    ("^View documentation of (.+)$", N_("Documentation of the %s view")),
    ("^(.+): Activate to sort$", N_("%s: sort by this column")),
    ("^(\\d+) results in ([\\d.]+) seconds?$", N_("%s results in %s s")),
    ("^(\\d+) result in ([\\d.]+) seconds?$", N_("%s result in %s s")),
)


def render_query_page(request: Request) -> HTMLResponse:
    """Render the YASGUI page of the endpoint in the site's layout and the request's language."""
    settings = request.app.state.settings
    language = request_language(request)
    examples = [{"title": example.title, "query": example.render(settings.base_uri)} for example in EXAMPLES]
    context = {
        "endpoint": str(request.url.replace(query="", fragment="")).rstrip("?"),
        "void_url": settings.base_uri + VOID_PATH,
        "static_url": YASGUI_PATH,
        "examples": examples,
        "yasgui_words": {key: translate(word, language) for key, word in YASGUI_WORDS.items()},
        "yasgui_labels": {label: translate(label, language) for label in YASGUI_LABELS},
        "yasgui_patterns": [(pattern, translate(template, language)) for pattern, template in YASGUI_PATTERNS],
        "decimal_symbol": get_decimal_symbol(language),
    }
    description = settings.base_uri + "/sparql"
    headers = {
        "Vary": "Accept, Accept-Language, Cookie",
        "Content-Language": language,
        "Link": f'<{description}>; rel="alternate"; type="text/turtle", '
        f'<{settings.base_uri}{VOID_PATH}>; rel="describedby"; type="text/turtle"',
    }
    return render(request, "sparql.html", context, headers=headers)


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
