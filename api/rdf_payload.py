"""RDF documents sent to the Graph Store: their syntax, and the parts of a multipart upload.

A part of a `multipart/form-data` upload is read by its own Content-Type,
or by its file name extension when that type is missing or generic.

>>> payload_format("text/turtle; charset=utf-8", "")
<RdfFormat Turtle>
>>> payload_format("application/octet-stream", "lieux.nt")
<RdfFormat N-Triples>
"""

from __future__ import annotations

from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP

from pyoxigraph import RdfFormat

from api.protocol_errors import ProtocolError
from api.request_body import parse_content_type
from graph.i18n import N_

GENERIC_TYPES = ("", "application/octet-stream", "text/plain")
#: Graph syntaxes accepted in uploads (datasets such as TriG or N-Quads are not: a request writes one graph).
ACCEPTED_TYPES = "text/turtle, application/n-triples, application/ld+json, application/rdf+xml, text/n3"


@dataclass(frozen=True)
class Payload:
    """One RDF document to load: its bytes, syntax and name (a multipart file name, or "")."""

    data: bytes
    format: RdfFormat
    name: str = ""


def payload_format(content_type: str | None, filename: str) -> RdfFormat:
    """Return the graph syntax of a document. Raises ProtocolError 415 for anything else."""
    media_type, parameters = parse_content_type(content_type)
    charset = parameters.get("charset")
    if charset and charset.replace("-", "") != "utf8":
        raise ProtocolError(415, N_("The charset %(charset)s is not supported: send the request in UTF-8."), charset=charset)
    rdf_format = RdfFormat.from_media_type(media_type) if media_type not in GENERIC_TYPES else None
    if rdf_format is None and media_type in GENERIC_TYPES and "." in filename:
        rdf_format = RdfFormat.from_extension(filename.rsplit(".", 1)[1].lower())
    if rdf_format is None or rdf_format.supports_datasets:
        raise ProtocolError(
            415,
            N_("Unsupported RDF syntax “%(media_type)s”%(where)s: send one of %(formats)s."),
            media_type=media_type or "-",
            where=f" ({filename})" if filename else "",
            formats=ACCEPTED_TYPES,
        )
    return rdf_format


def read_payloads(body: bytes, content_type: str | None) -> list[Payload]:
    """Split a request body into the RDF documents it carries (one, or one per multipart part)."""
    media_type, _ = parse_content_type(content_type)
    if media_type != "multipart/form-data":
        return [Payload(body, payload_format(content_type, ""))]

    header = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=HTTP).parsebytes(header + body)
    if not message.is_multipart():
        raise ProtocolError(400, N_("The multipart body cannot be read: check its boundary."))
    payloads = []
    for part in message.iter_parts():
        filename = part.get_filename() or ""
        part_type = part.get("Content-Type")
        data = part.get_payload(decode=True) or b""
        payloads.append(Payload(data, payload_format(part_type, filename), filename))
    if not payloads:
        raise ProtocolError(400, N_("The multipart body has no part: send at least one RDF document."))
    return payloads
