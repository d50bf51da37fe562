"""Values of harvested metadata: IRIs, ISO 8601 dates, text without HTML, slugs of identifiers."""

from __future__ import annotations

import hashlib
import html
import re
from datetime import date, datetime
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

from pyoxigraph import Literal, NamedNode

from graph.dcat_vocabularies import fold

XSD = "http://www.w3.org/2001/XMLSchema#"

#: BCP 47 language tags, simplified: a primary subtag of 2 to 8 letters, then subtags of 1 to 8 characters.
LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{2,8}(-[a-zA-Z0-9]{1,8})*$")
_IRI = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:[^\s<>\"{}|\\^`]+$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$")


def valid_iri(value: str) -> bool:
    """Return whether a value is an absolute IRI (http(s) ones with a host).

    >>> valid_iri("https://example.org/a?b=c"), valid_iri("rel/path"), valid_iri("http://bad iri/")
    (True, False, False)
    """
    if not _IRI.match(value):
        return False
    parts = urlsplit(value)
    return bool(parts.netloc) if parts.scheme in ("http", "https") else True


def parse_date(value: str) -> Literal | None:
    """Return an `xsd:date` or `xsd:dateTime` literal, or None when the text is not one.

    Only ISO 8601 forms are read (a space may stand for `T`); "12/03/2021"
    is rejected rather than guessed.

    >>> parse_date("2019-04-19T12:21:56").datatype.value.rsplit("#", 1)[1]
    'dateTime'
    >>> parse_date("2022-07-29T10:07:13.000Z").value
    '2022-07-29T10:07:13.000Z'
    >>> parse_date("2022-02-14").value, parse_date("12/03/2021")
    ('2022-02-14', None)
    """
    text = value.strip()
    if _DATE.match(text):
        try:
            date.fromisoformat(text)
        except ValueError:
            return None
        return Literal(text, datatype=NamedNode(XSD + "date"))
    match = _DATETIME.match(text)
    if not match:
        return None
    day, clock, zone = match.group(1), match.group(2), match.group(3) or ""
    if len(clock) == 5:
        clock += ":00"
    if zone and zone != "Z" and ":" not in zone:
        zone = zone[:3] + ":" + zone[3:]
    try:
        datetime.fromisoformat(f"{day}T{clock}{'+00:00' if zone == 'Z' else zone}")
    except ValueError:
        return None
    return Literal(f"{day}T{clock}{zone}", datatype=NamedNode(XSD + "dateTime"))


class _TextExtractor(HTMLParser):
    BREAKS = {"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in self.BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def plain_text(value: str) -> str:
    """Return text without its HTML markup, paragraphs kept as blank-line-free line breaks.

    >>> plain_text('<DIV><P><SPAN>Emplacement des v&eacute;los</SPAN></P></DIV>')
    'Emplacement des vélos'
    """
    if "<" not in value:
        return html.unescape(value).strip()
    extractor = _TextExtractor()
    extractor.feed(value)
    extractor.close()
    lines = [" ".join(line.split()) for line in "".join(extractor.parts).split("\n")]
    return "\n".join(line for line in lines if line)


def slugify(text: str, max_length: int = 60) -> str:
    """Return a lowercase ASCII slug; long ones are cut and given a hash suffix.

    >>> slugify("Bureaux de vote – Vanves")
    'bureaux-de-vote-vanves'
    """
    slug = fold(text).replace("+", " ").replace(" ", "-") or "x"
    if len(slug) > max_length:
        digest = hashlib.sha1(text.encode("utf-8")).hexdigest()[:8]
        slug = slug[: max_length - 9].rstrip("-") + "-" + digest
    return slug


def identifier_slug(identifier: str) -> str:
    """Return the slug of an identifier: of a URL, its last path segment or its query values.

    >>> identifier_slug("https://vanves-seineouest.opendatasoft.com/explore/dataset/bureau-de-vote-vanves/")
    'bureau-de-vote-vanves'
    >>> identifier_slug("https://www.arcgis.com/home/item.html?id=f6565516d1354383b25793e630cf3f2b&sublayer=5")
    'f6565516d1354383b25793e630cf3f2b-5'
    """
    parts = urlsplit(identifier)
    if parts.scheme in ("http", "https") and parts.netloc:
        values = [value for _, value in parse_qsl(parts.query)]
        segments = [segment for segment in parts.path.split("/") if segment]
        if values:
            return slugify("-".join(values))
        return slugify(segments[-1] if segments else parts.netloc)
    return slugify(identifier)
