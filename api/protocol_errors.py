"""Errors of the SPARQL protocol endpoints, sent as plain text in the client's language.

SPARQL clients (YASGUI, SPARQLWrapper, Jena) show the body of an error
response as it is, so the message is one plain sentence in the language of
the request (`?lang=`, the `lang` cookie, then Accept-Language, French by
default, as on the HTML pages), with the parser's own message quoted
unchanged where there is one.
"""

from __future__ import annotations

import logging
from typing import Mapping

from fastapi import Request
from fastapi.responses import PlainTextResponse

from api.cors import CORS_HEADERS
from api.rendering import request_language
from graph.i18n import localized, translate

log = logging.getLogger(__name__)


class ProtocolError(Exception):
    """A request the endpoint rejects: an HTTP status and an English msgid formatted with `params`."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None, **params: object) -> None:
        super().__init__(message % localized(params, "en") if params else message)
        self.status = status
        self.message = message
        self.params = params
        self.headers = dict(headers or {})


def error_response(request: Request, error: ProtocolError) -> PlainTextResponse:
    """Build the response of a rejected request, translated into the request's language."""
    language = request_language(request)
    text = translate(error.message, language, error.params)
    log.info("%s %s rejected with %d: %s", request.method, request.url.path, error.status, error)
    # The message is in the language of the request, which Accept-Language or the `lang` cookie may choose.
    headers = {**CORS_HEADERS, "Vary": "Accept, Accept-Language, Cookie", "Content-Language": language, **error.headers}
    return PlainTextResponse(text + "\n", status_code=error.status, headers=headers)
