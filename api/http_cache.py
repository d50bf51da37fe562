"""Validators of served representations: ETag and Last-Modified from the store's build, 304 on revalidation.

Every page and RDF document is computed from one published generation, so
the generation's name and the representation's variant (path, query,
language, format) identify the bytes. ETags are weak because the gzip
middleware may re-encode the body.
"""

from __future__ import annotations

import hashlib
from email.utils import formatdate, parsedate_to_datetime

from fastapi import Request, Response

from graph.store import StoreHandle


def validators(handle: StoreHandle, variant: str) -> dict[str, str]:
    """Return the ETag and Last-Modified headers of a representation of the current generation."""
    last_modified = handle.last_modified()
    generation = handle.generation.name if handle.generation is not None else ""
    digest = hashlib.sha256(f"{generation}\n{variant}".encode("utf-8")).hexdigest()[:20]
    return {"ETag": f'W/"{digest}"', "Last-Modified": formatdate(last_modified, usegmt=True)}


def is_fresh(request: Request, headers: dict[str, str]) -> bool:
    """Tell whether the client's copy is still valid (If-None-Match, else If-Modified-Since)."""
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        etag = headers["ETag"].removeprefix("W/")
        candidates = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in candidates or etag in candidates
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
            modified = parsedate_to_datetime(headers["Last-Modified"])
        except (TypeError, ValueError):
            return False
        return modified <= since
    return False


def not_modified(headers: dict[str, str]) -> Response:
    """Return a 304 response carrying the representation's validators and Vary."""
    validator_headers = {name: value for name, value in headers.items() if name in ("ETag", "Last-Modified", "Vary", "Link")}
    return Response(status_code=304, headers=validator_headers)


def for_method(request: Request, response: Response) -> Response:
    """Drop the body of a HEAD response but keep its length and headers."""
    if request.method != "HEAD":
        return response
    headers = dict(response.headers)
    headers["content-length"] = str(len(response.body))
    return Response(b"", status_code=response.status_code, headers=headers)
