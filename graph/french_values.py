"""Read the values of French administrative files: dates, numbers, SIRET numbers.

Each parser returns the normalised value, or raises ValueError with a
message that names the expected form, so the caller can report the record.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

_DAY_FIRST = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)?")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


def parse_french_date(text: str) -> date:
    """Parse `jj/mm/aaaa` (always day first) or ISO `aaaa-mm-jj`, with an optional time.

    An impossible date raises ValueError; it is never shifted to a valid one.

    >>> parse_french_date("04/12/2023")
    datetime.date(2023, 12, 4)
    >>> parse_french_date("2023-12-14 00:00:00")
    datetime.date(2023, 12, 14)
    >>> parse_french_date("31/02/2021")
    Traceback (most recent call last):
    ...
    ValueError: '31/02/2021' is not a valid date: day is out of range for month
    """
    value = text.strip()
    match = _DAY_FIRST.fullmatch(value)
    if match:
        day, month, year = (int(part) for part in match.groups())
    else:
        match = _ISO.fullmatch(value)
        if not match:
            raise ValueError(f"{text!r} is not a date: expected jj/mm/aaaa or aaaa-mm-jj")
        year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError as error:
        raise ValueError(f"{text!r} is not a valid date: {error}") from None


def parse_french_decimal(text: str) -> Decimal:
    """Parse an amount written the French way or with a decimal point.

    Spaces, non-breaking spaces and apostrophes separate thousands. When both
    `,` and `.` occur, the last one is the decimal separator. A lone `,` is a
    decimal comma; a lone `.` is a decimal point, as in SCDL exports.
    Repeated separators of one kind are thousands separators.

    >>> parse_french_decimal("1 234,50")
    Decimal('1234.50')
    >>> parse_french_decimal("1.234.567,8")
    Decimal('1234567.8')
    >>> parse_french_decimal("39095.98")
    Decimal('39095.98')
    >>> parse_french_decimal("-12,5")
    Decimal('-12.5')
    """
    value = _SPACES.sub("", text)
    if "," in value and "." in value:
        decimal_mark = "," if value.rfind(",") > value.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        value = value.replace(thousands, "").replace(decimal_mark, ".")
    elif value.count(",") > 1 or value.count(".") > 1:
        value = value.replace(",", "").replace(".", "")
    else:
        value = value.replace(",", ".")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a number: expected e.g. 1 234,56 or 1234.56") from None
    if not number.is_finite():
        raise ValueError(f"{text!r} is not a finite number")
    return number


def siren_of_siret(text: str) -> str:
    """Return the SIREN (first 9 digits) of a SIRET, after checking its Luhn key.

    >>> siren_of_siret("21560046100010")
    '215600461'
    >>> siren_of_siret("2156004610001")
    Traceback (most recent call last):
    ...
    ValueError: '2156004610001' is not a SIRET: expected 14 digits
    """
    value = text.strip().replace(" ", "")
    if not re.fullmatch(r"\d{14}", value):
        raise ValueError(f"{text!r} is not a SIRET: expected 14 digits")
    if not luhn_valid(value) and not value.startswith("356000000"):
        # La Poste's establishments (SIREN 356000000) do not follow the Luhn key.
        raise ValueError(f"{text!r} is not a SIRET: its check digit is wrong (Luhn key)")
    return value[:9]


def luhn_valid(digits: str) -> bool:
    """Return whether a digit string passes the Luhn check used by SIREN and SIRET.

    >>> luhn_valid("215600461")
    True
    >>> luhn_valid("215600462")
    False
    """
    total = 0
    for position, character in enumerate(reversed(digits)):
        digit = int(character)
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0
