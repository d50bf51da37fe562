"""Show RDF literals to people: numbers and dates in the page's language (Babel).

>>> from pyoxigraph import Literal, NamedNode
>>> format_literal(Literal("55790", datatype=NamedNode(XSD + "integer")), "fr")
'55\\u202f790'
>>> format_literal(Literal("2024-03-01", datatype=NamedNode(XSD + "date")), "fr")
'1 mars 2024'
>>> format_literal(Literal("2024-03-01", datatype=NamedNode(XSD + "date")), "en")
'March 1, 2024'
>>> format_literal(Literal("not a number", datatype=NamedNode(XSD + "integer")), "fr")
'not a number'
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from pyoxigraph import Literal

from graph.i18n import N_, translate

XSD = "http://www.w3.org/2001/XMLSchema#"

NUMBER_TYPES = {
    XSD + name
    for name in (
        "integer", "decimal", "double", "float", "long", "int", "short", "byte",
        "nonNegativeInteger", "positiveInteger", "negativeInteger", "nonPositiveInteger",
        "unsignedLong", "unsignedInt", "unsignedShort", "unsignedByte",
    )
}


def format_literal(literal: Literal, language: str) -> str:
    """Return the text of a literal for a page: numbers, dates and booleans formatted, other values as stored.

    A value that does not parse as its datatype is shown as stored.
    """
    datatype = literal.datatype.value if literal.datatype is not None else ""
    value = literal.value
    try:
        if datatype in NUMBER_TYPES:
            return format_decimal(Decimal(value), locale=language)
        if datatype == XSD + "date":
            return format_date(datetime.date.fromisoformat(value[:10]), format="long", locale=language)
        if datatype == XSD + "dateTime":
            moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
            return format_datetime(moment, format="medium", locale=language)
        if datatype == XSD + "boolean":
            if value in ("true", "1"):
                return translate(N_("yes"), language)
            if value in ("false", "0"):
                return translate(N_("no"), language)
    except (InvalidOperation, ValueError):
        return value
    return value
