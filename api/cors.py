"""Cross-origin access to the SPARQL and Graph Store endpoints.

Queries are public, so any origin may send them from a browser. Writes
need a bearer token, which a page from another origin can send only when
its user pasted the token there. Credentials (cookies) are never allowed.
"""

from __future__ import annotations

from fastapi import Response

#: Headers added to every response of the protocol endpoints.
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "Content-Type, Content-Length, Location, Retry-After, Vary",
}

#: How long a browser may cache the response to a preflight request, in seconds.
PREFLIGHT_MAX_AGE = 86400


def preflight_response(allowed_methods: str) -> Response:
    """Build the response to an OPTIONS request: the methods of the resource and the CORS preflight headers."""
    headers = {
        **CORS_HEADERS,
        "Allow": allowed_methods,
        "Access-Control-Allow-Methods": allowed_methods,
        "Access-Control-Allow-Headers": "Accept, Accept-Language, Authorization, Content-Type",
        "Access-Control-Max-Age": str(PREFLIGHT_MAX_AGE),
    }
    return Response(status_code=204, headers=headers)
