"""HTML rendering: the Jinja2 environment, the page language and the language switch.

Templates are autoescaped. Interface text goes through the translation
catalogue: templates call `_()` (msgids extracted by `make messages`), which
translates into the language of the request. The language is chosen by, in
order, a `lang` query parameter (which also sets the `lang` cookie), the
`lang` cookie, then `Accept-Language`; French is the default.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

from babel.numbers import format_decimal
from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from graph.i18n import DEFAULT_LANGUAGE, LANGUAGES, gettext_for, negotiate_language

TEMPLATE_DIR = Path(__file__).parent / "templates"
LANGUAGE_COOKIE = "lang"
LANGUAGE_NAMES = {"fr": "Français", "en": "English"}

environment = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def request_language(request: Request) -> str:
    """Return the language of a request: `?lang=`, then the `lang` cookie, then Accept-Language."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(LANGUAGE_COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return negotiate_language(request.headers.get("accept-language"), DEFAULT_LANGUAGE)


def url_with(request: Request, **changes: object) -> str:
    """Return the request's path and query with some parameters changed (None removes one)."""
    parameters = dict(request.query_params)
    for name, value in changes.items():
        if value is None:
            parameters.pop(name, None)
        else:
            parameters[name] = str(value)
    query = urlencode(parameters)
    return request.url.path + ("?" + query if query else "")


def render(
    request: Request,
    template: str,
    context: dict[str, object],
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a template in the request's language into an HTML response.

    A `lang` query parameter is remembered in a cookie, so the chosen language stays on later pages.
    """
    language = request_language(request)
    other = "en" if language == "fr" else "fr"
    values = {
        "request": request,
        "language": language,
        "_": gettext_for(language),
        "number": lambda value: format_decimal(value, locale=language),
        "url_with": lambda **changes: url_with(request, **changes),
        "switch_language": {"code": other, "name": LANGUAGE_NAMES[other], "href": url_with(request, lang=other)},
        **context,
    }
    body = environment.get_template(template).render(values)
    response = HTMLResponse(body, status_code=status_code, headers=headers)
    response.headers.setdefault("Content-Language", language)
    chosen = request.query_params.get("lang")
    if chosen in LANGUAGES and request.cookies.get(LANGUAGE_COOKIE) != chosen:
        response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="lax")
    return response
