"""Default messages of SHACL results, and how to fix them, for shapes without their own `sh:message`.

Each entry is a pair of English msgids of the translation catalogue (message, fix),
formatted with the result's `path`, `value`, `limit` (the constraint's parameter)
and `component`.
"""

from graph.i18n import N_

#: Default messages and fixes per constraint component, for shapes without `sh:message`.
DEFAULT_MESSAGES = {
    "MinCountConstraintComponent": (
        N_("The property %(path)s is missing or has too few values (minimum %(limit)s)."),
        N_("Fill %(path)s for this resource in the source file."),
    ),
    "MaxCountConstraintComponent": (
        N_("The property %(path)s has too many values (maximum %(limit)s)."),
        N_("Keep only the expected number of values of %(path)s, or split the record."),
    ),
    "DatatypeConstraintComponent": (
        N_("The value %(value)s of %(path)s is not a valid %(limit)s."),
        N_("Write the value in the expected format (%(limit)s)."),
    ),
    "ClassConstraintComponent": (
        N_("The value %(value)s of %(path)s is not a known %(limit)s."),
        N_("Point %(path)s to an existing resource of the right kind (%(limit)s)."),
    ),
    "NodeKindConstraintComponent": (
        N_("The value %(value)s of %(path)s has the wrong kind (%(limit)s expected)."),
        N_("Give %(path)s a link (IRI) or a text, as expected (%(limit)s)."),
    ),
    "PatternConstraintComponent": (
        N_("The value %(value)s of %(path)s does not have the expected form."),
        N_("Correct the value so that it matches the expected form (%(limit)s)."),
    ),
    "InConstraintComponent": (
        N_("The value %(value)s of %(path)s is not one of the allowed values."),
        N_("Use one of the allowed values: %(limit)s."),
    ),
    "HasValueConstraintComponent": (
        N_("The property %(path)s does not have the required value %(limit)s."),
        N_("Add the value %(limit)s to %(path)s."),
    ),
    "LanguageInConstraintComponent": (
        N_("The text %(value)s of %(path)s is not in an allowed language (%(limit)s)."),
        N_("Write the text in one of the allowed languages, with its language tag."),
    ),
    "UniqueLangConstraintComponent": (
        N_("The property %(path)s has several texts in the same language."),
        N_("Keep one text per language for %(path)s."),
    ),
    "MinLengthConstraintComponent": (
        N_("The value %(value)s of %(path)s is too short (minimum %(limit)s characters)."),
        N_("Complete the value of %(path)s."),
    ),
    "MaxLengthConstraintComponent": (
        N_("The value %(value)s of %(path)s is too long (maximum %(limit)s characters)."),
        N_("Shorten the value of %(path)s."),
    ),
    "MinInclusiveConstraintComponent": (
        N_("The value %(value)s of %(path)s is below the minimum %(limit)s."),
        N_("Check the value of %(path)s: it must be at least %(limit)s."),
    ),
    "MinExclusiveConstraintComponent": (
        N_("The value %(value)s of %(path)s must be greater than %(limit)s."),
        N_("Check the value of %(path)s: it must be greater than %(limit)s."),
    ),
    "MaxInclusiveConstraintComponent": (
        N_("The value %(value)s of %(path)s is above the maximum %(limit)s."),
        N_("Check the value of %(path)s: it must be at most %(limit)s."),
    ),
    "MaxExclusiveConstraintComponent": (
        N_("The value %(value)s of %(path)s must be less than %(limit)s."),
        N_("Check the value of %(path)s: it must be less than %(limit)s."),
    ),
}
GENERIC_MESSAGE = (
    N_("The value %(value)s of %(path)s does not meet the constraint %(component)s."),
    N_("Check the value of %(path)s in the source file against the shape's constraint."),
)
