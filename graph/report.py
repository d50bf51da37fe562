"""Problems found while building, collected as data rather than raised."""

from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field

from graph.i18n import N_, translate

SENTENCE_ENDINGS = (".", "!", "?", "…")


class Severity(str, enum.Enum):
    """Severity of a problem, named after SHACL's severities."""

    VIOLATION = "violation"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Problem:
    """One problem, with where it was found and how to fix it.

    `code` is stable (tests and exports rely on it); `message` and `fix` are
    English msgids of the translation catalogue, formatted with `params`.
    """

    code: str
    source: str
    message: str
    location: str = ""
    fix: str = ""
    severity: Severity = Severity.VIOLATION
    params: dict[str, str] = field(default_factory=dict)
    #: The message already written per language ("fr", "en"), used instead of
    #: translating `message`: SHACL shapes carry their own `sh:message`s.
    texts: dict[str, str] = field(default_factory=dict)

    def text(self, language: str) -> str:
        """Return the message in a language, translated and formatted."""
        return self.texts.get(language) or translate(self.message, language, self.params)

    def fix_text(self, language: str) -> str:
        """Return how to fix the problem in a language, translated and formatted, or ""."""
        return translate(self.fix, language, self.params) if self.fix else ""

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["severity"] = self.severity.value
        return data


def join_fix(message: str, fix: str, language: str) -> str:
    """Join a problem message and its fix hint into two sentences, or return the message alone.

    >>> join_fix("the rows are kept", "Fill the column.", "en")
    'the rows are kept. Fix: Fill the column.'
    >>> join_fix("Les lignes sont gardées.", "Remplissez la colonne.", "fr")
    'Les lignes sont gardées. Correction : Remplissez la colonne.'
    """
    message = message.strip()
    if not fix:
        return message
    if not message.endswith(SENTENCE_ENDINGS):
        message += "."
    return translate(N_("%(message)s Fix: %(fix)s"), language, {"message": message, "fix": fix.strip()})


class SourceError(Exception):
    """A source cannot be lifted at all; its previous graph is kept.

    Carries a Problem so the report and the CLI show the same text.
    """

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message % problem.params if problem.params else problem.message)
        self.problem = problem
