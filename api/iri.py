"""Map Cool URIs to request paths and back: `/id/…` names, `/page/…` and `/data/…` describe.

The stored IRI of `/id/commune/56260` is `{base_uri}/id/commune/56260`, whatever
host and port served the request, so the app works behind a proxy. Paths are
taken raw (still percent-encoded) from the ASGI scope and never decoded, so an
IRI that contains `%20` is looked up exactly as it was stored.

>>> base = "http://example.org"
>>> iri_of_path(base, "/page/commune/56260")
'http://example.org/id/commune/56260'
>>> page_href("http://example.org/id/commune/2A004", base)
'/page/commune/2A004'
>>> data_href("http://example.org/id/commune/2A004", base, "ttl")
'/data/commune/2A004.ttl'
>>> page_href("http://id.insee.fr/geo/commune/56260", base)
'/page?iri=http%3A%2F%2Fid.insee.fr%2Fgeo%2Fcommune%2F56260'
"""

from __future__ import annotations

from urllib.parse import quote, unquote

#: Path prefixes of the three forms of a resource.
ID, PAGE, DATA = "/id/", "/page/", "/data/"

#: File suffixes of the RDF documents, with their media types, in server preference order.
RDF_SUFFIXES = {
    "ttl": "text/turtle",
    "jsonld": "application/ld+json",
    "nt": "application/n-triples",
    "rdf": "application/rdf+xml",
}


def raw_path(scope: dict) -> str:
    """Return the request path as the client sent it (percent-encoded), from the ASGI scope."""
    raw = scope.get("raw_path")
    if raw:
        return raw.decode("latin-1").split("?", 1)[0]
    return quote(scope["path"], safe="/:@!$&'()*+,;=-._~%")


def iri_of_path(base_uri: str, path: str) -> str:
    """Return the stored IRI named by a `/id/`, `/page/` or `/data/` path (suffix removed by the caller)."""
    for prefix in (ID, PAGE, DATA):
        if path.startswith(prefix):
            return base_uri + ID + path[len(prefix):]
    raise ValueError(f"path {path!r} is not under {ID}, {PAGE} or {DATA}")


def split_suffix(path: str) -> tuple[str, str | None]:
    """Split a known RDF suffix off a `/data/` path.

    >>> split_suffix("/data/commune/56260.ttl")
    ('/data/commune/56260', 'ttl')
    >>> split_suffix("/data/commune/56260")
    ('/data/commune/56260', None)
    """
    stem, dot, suffix = path.rpartition(".")
    if dot and suffix in RDF_SUFFIXES and "/" not in suffix:
        return stem, suffix
    return path, None


def alternative_iris(iri: str) -> list[str]:
    """Return the IRI as sent, then its percent-decoded form when that differs.

    A browser percent-encodes non-ASCII characters of a link, so an IRI stored
    with a raw `é` is requested as `%C3%A9`. The raw form is tried first.

    >>> alternative_iris("http://example.org/id/lieu/%C3%A9cole")
    ['http://example.org/id/lieu/%C3%A9cole', 'http://example.org/id/lieu/école']
    """
    decoded = unquote(iri)
    return [iri, decoded] if decoded != iri else [iri]


def is_local(iri: str, base_uri: str) -> bool:
    """Tell whether an IRI is a Cool URI of this Datathèque (`{base}/id/…`)."""
    return iri.startswith(base_uri + ID)


def _as_uri_path(path: str) -> str:
    """Percent-encode what a URI path cannot hold (non-ASCII, spaces), keeping existing escapes.

    >>> _as_uri_path("lieu/médiathèque")
    'lieu/m%C3%A9diath%C3%A8que'
    """
    return quote(path, safe="/%:@!$&'()*+,;=-._~")


def page_href(iri: str, base_uri: str) -> str:
    """Return the path of the HTML page that describes an IRI."""
    if is_local(iri, base_uri):
        return PAGE + _as_uri_path(iri[len(base_uri + ID):])
    if iri.startswith(base_uri + "/def#") or iri == base_uri + "/def":
        return iri[len(base_uri):]
    return "/page?iri=" + quote(iri, safe="")


def data_href(iri: str, base_uri: str, suffix: str) -> str:
    """Return the path of the RDF document of an IRI in the format of `suffix` (a key of RDF_SUFFIXES)."""
    if is_local(iri, base_uri):
        return DATA + _as_uri_path(iri[len(base_uri + ID):]) + "." + suffix
    return "/data?iri=" + quote(iri, safe="") + "&format=" + suffix
