"""Rules that other apps hold about a cohort, run by `Cohort.clean()`.

Moving a cohort's orientation or shortening its longest stay may strand what hangs on it
(attachments, activities), but those live in apps above this one, which the layers forbid
importing here. They register their checks at start-up instead, so the cohort form, the
services and the admin refuse such a change alike.
"""

from collections.abc import Callable

CohortRule = Callable[[object], None]

_rules: list[CohortRule] = []


def register_cohort_rule(rule: CohortRule) -> None:
    """Add a check that raises ValidationError when a changed (saved) cohort breaks it."""
    if rule not in _rules:
        _rules.append(rule)


def check_cohort(cohort) -> None:
    for rule in _rules:
        rule(cohort)
