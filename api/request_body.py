"""Reading request bodies of the protocol endpoints: size cap, media type, UTF-8 text, forms.

>>> parse_content_type("application/sparql-query; charset=UTF-8")
('application/sparql-query', {'charset': 'utf-8'})
>>> parse_form(b"query=ASK%20%7B%7D&default-graph-uri=http%3A%2F%2Fex%2Fg")
[('query', 'ASK {}'), ('default-graph-uri', 'http://ex/g')]
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import Request
from pyoxigraph import NamedNode

from api.protocol_errors import ProtocolError
from graph.i18n import N_


def parse_content_type(header: str | None) -> tuple[str, dict[str, str]]:
    """Split a Content-Type header into its lower-case media type and parameters."""
    if not header:
        return "", {}
    media_type, *raw_parameters = header.split(";")
    parameters = {}
    for raw in raw_parameters:
        key, _, value = raw.strip().partition("=")
        if key:
            parameters[key.strip().lower()] = value.strip().strip('"').lower()
    return media_type.strip().lower(), parameters


async def read_body(request: Request, limit: int) -> bytes:
    """Read a request body of at most `limit` bytes. Raises ProtocolError 413 beyond it.

    A Content-Length above the limit is rejected before reading; a body
    without one is read until it passes the limit.
    """
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(size, limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(size: int, limit: int) -> ProtocolError:
    return ProtocolError(
        413,
        N_("The request body is too large (%(size)d bytes, at most %(limit)d): split it into smaller requests."),
        size=size,
        limit=limit,
    )


def decode_text(body: bytes, charset: str | None) -> str:
    """Decode a body that must be UTF-8. Raises ProtocolError 400 or 415."""
    if charset and charset.replace("-", "").replace("_", "") != "utf8":
        raise ProtocolError(
            415,
            N_("The charset %(charset)s is not supported: send the request in UTF-8."),
            charset=charset,
        )
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ProtocolError(
            400,
            N_("The request body is not valid UTF-8 (byte %(position)d): send it in UTF-8."),
            position=error.start,
        ) from None


def parse_form(body: bytes) -> list[tuple[str, str]]:
    """Parse an `application/x-www-form-urlencoded` body. Raises ProtocolError 400 when it is not UTF-8."""
    try:
        return parse_qsl(body.decode("ascii"), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeError:
        raise ProtocolError(
            400,
            N_("The form is not valid URL-encoded UTF-8: encode its fields in UTF-8 and percent-encode them."),
        ) from None


def single_value(parameters: list[tuple[str, str]], name: str) -> str | None:
    """Return the one value of a parameter, or None. Raises ProtocolError 400 when it is repeated."""
    values = [value for key, value in parameters if key == name]
    if len(values) > 1:
        raise ProtocolError(
            400,
            N_("The parameter “%(name)s” is given %(count)d times: send exactly one."),
            name=name,
            count=len(values),
        )
    return values[0] if values else None


def all_values(parameters: list[tuple[str, str]], name: str) -> list[str]:
    """Return every value of a repeatable parameter (e.g. default-graph-uri), in order."""
    return [value for key, value in parameters if key == name]


def graph_iris(parameters: list[tuple[str, str]], name: str) -> list[str]:
    """Return the IRIs of a repeatable dataset parameter. Raises ProtocolError 400 for an invalid IRI."""
    iris = all_values(parameters, name)
    for iri in iris:
        try:
            NamedNode(iri)
        except ValueError as error:
            raise ProtocolError(
                400,
                N_("The %(name)s “%(iri)s” is not a valid absolute IRI: %(error)s"),
                name=name,
                iri=iri,
                error=str(error),
            ) from None
    return iris
