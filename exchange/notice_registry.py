"""What the notice engine knows of the apps above it: only what they register here.

The engine (outbox, dispatcher, sends, planner, pages) stands at the ground and imports no app.
Each app declares its kinds of notice and its reminder plans in its own `notices` module and
registers them from its `AppConfig.ready()`, the way `admin.site.register` works:

- a **notice type** (`register_type`, used as a class decorator) renders one kind of notice and
  says when a queued one has become obsolete; its `kind` is the value stored in
  `Notification.kind`, its `label` what the pages and subjects call it;
- a **reminder plan** (`register_plan`) finds the reminders due at a moment and cancels the queued
  ones whose event went away;
- **related loaders** (`register_related`) give the queryset that loads what a notice is about,
  so a list of notices loads them in one query per kind of object;
- one **language resolver** (`register_language_resolver`) says which language a user reads
  (default: the site's).

Nothing here imports a model, so `exchange.models` can take its choices from `kind_choices`.
"""

import datetime
from collections.abc import Callable
from typing import Any, Protocol

from django.conf import settings

# A notice type is an `exchange.notifications.types.NotificationType`; not imported here, so that
# this module stands below everything that uses it.
NotificationType = Any


class ReminderPlan(Protocol):
    """Reminders of one kind of event (an orientation, an attachment's start, an activity…)."""

    def due(self, *, cohorts: list, now: datetime.datetime) -> list:
        """The unsaved `Notification` rows due at `now` for these (not completed) cohorts."""

    def cancel_obsolete(self) -> int:
        """Cancel the pending reminders whose event was cancelled or whose official left."""


_types: dict[str, NotificationType] = {}
_plans: list[ReminderPlan] = []
_related: dict[str, Callable[[], Any]] = {}
_language_resolver: list[Callable] = []


def register_type(cls: type[NotificationType]) -> type[NotificationType]:
    """Class decorator: one instance of the type renders every notice of its kind. An app above
    may register a subclass for a kind declared below it, to say more than the lower app knows."""
    _types[str(cls.kind)] = cls()
    return cls


def type_for(kind: str) -> NotificationType:
    return _types[kind]


def kinds() -> list[str]:
    return list(_types)


def kind_choices() -> list[tuple[str, str]]:
    """`Notification.kind`'s choices (Django evaluates a callable lazily, after the apps are
    ready, and a migration refers to this function rather than copying the list)."""
    return [(kind, notice_type.label) for kind, notice_type in _types.items()]


def kind_label(kind: str) -> str:
    notice_type = _types.get(kind)
    return str(notice_type.label) if notice_type is not None else kind


def register_plan(plan: ReminderPlan) -> ReminderPlan:
    """One plan of each class: registering again (a second `ready()`) replaces it."""
    _plans[:] = [known for known in _plans if type(known) is not type(plan)]
    _plans.append(plan)
    return plan


def plans() -> list[ReminderPlan]:
    return list(_plans)


def register_related(model_label: str, queryset: Callable[[], Any]) -> None:
    """How to load the objects of `model_label` ("app_label.model") that notices are about."""
    _related[model_label] = queryset


def related_querysets() -> list[Any]:
    return [queryset() for queryset in _related.values()]


def register_language_resolver(resolver: Callable) -> None:
    """`resolver(user)` returns the language code the user reads, or None if it does not know."""
    _language_resolver[:] = [resolver]


def language_of(user) -> str:
    for resolver in _language_resolver:
        language = resolver(user)
        if language:
            return language
    return settings.LANGUAGE_CODE
