"""Content negotiation by RFC 9110 §12.5.1 (Accept, q-values, wildcards, specificity).

>>> best_match("text/html;q=0.9, text/turtle", ["text/html", "text/turtle"])
'text/turtle'
>>> best_match("application/*;q=0.5, text/*", ["application/ld+json", "text/turtle"])
'text/turtle'
>>> best_match("image/png", ["text/html"]) is None
True
>>> best_match(None, ["application/sparql-results+json", "text/csv"])
'application/sparql-results+json'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence


@dataclass(frozen=True)
class MediaRange:
    """One element of an Accept header."""

    type: str
    subtype: str
    quality: float = 1.0
    parameters: dict[str, str] = field(default_factory=dict)

    @property
    def specificity(self) -> int:
        """3 for type/subtype with parameters, 2 for type/subtype, 1 for type/*, 0 for */*."""
        if self.type == "*":
            return 0
        if self.subtype == "*":
            return 1
        return 3 if self.parameters else 2

    def matches(self, media_type: str, parameters: dict[str, str] | None = None) -> bool:
        main, _, sub = media_type.partition("/")
        if self.type not in ("*", main) or self.subtype not in ("*", sub):
            return False
        offered = parameters or {}
        return all(offered.get(key) == value for key, value in self.parameters.items())


def _split_parameters(text: str) -> tuple[str, dict[str, str]]:
    head, *raw_parameters = text.split(";")
    parameters = {}
    for raw in raw_parameters:
        key, _, value = raw.strip().partition("=")
        if key:
            parameters[key.strip().lower()] = value.strip().strip('"')
    return head.strip().lower(), parameters


def parse_accept(header: str | None) -> list[MediaRange]:
    """Parse an Accept header; an absent or empty header accepts everything.

    Malformed elements are skipped, as RFC 9110 lets a server do.

    >>> [(r.type, r.subtype, r.quality) for r in parse_accept("text/*;q=0.3, text/html")]
    [('text', '*', 0.3), ('text', 'html', 1.0)]
    """
    if not header or not header.strip():
        return [MediaRange("*", "*")]
    ranges = []
    for element in header.split(","):
        media, parameters = _split_parameters(element)
        main, slash, sub = media.partition("/")
        if not slash or not main or not sub:
            continue
        quality = 1.0
        if "q" in parameters:
            try:
                quality = min(max(float(parameters.pop("q")), 0.0), 1.0)
            except ValueError:
                continue
        ranges.append(MediaRange(main, sub, quality, parameters))
    return ranges


def quality_of(media_type: str, ranges: Sequence[MediaRange]) -> float:
    """Return the quality the client gives a media type: that of the most specific matching range."""
    offered, parameters = _split_parameters(media_type)
    matching = [r for r in ranges if r.matches(offered, parameters)]
    if not matching:
        return 0.0
    return max(matching, key=lambda r: r.specificity).quality


def best_match(header: str | None, offers: Sequence[str]) -> str | None:
    """Return the offer the client prefers, or None when none is acceptable.

    Ties go to the earlier offer, so list the server's default first.
    """
    ranges = parse_accept(header)
    best, best_quality = None, 0.0
    for offer in offers:
        quality = quality_of(offer, ranges)
        if quality > best_quality:
            best, best_quality = offer, quality
    return best
