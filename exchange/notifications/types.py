"""Notification types: one small class per kind (in the manner of ephios), instead of a big
if/else. A type turns an outbox row and the object it is about into a `Message` (subject, a line of
introduction, the facts that matter, a link), and says when the row has become obsolete.

This module holds the base class and the formatting helpers; the kinds themselves live with the
apps they are about (`participants/notices.py`, `placements/notices.py`) and reach the engine
through `registry.register_type`.

Everything here runs inside `translation.override(<language>)`: the mail in the recipient's
language, the in-app page in the reader's.
"""

import dataclasses
import datetime
from typing import ClassVar

from django.conf import settings
from django.utils import formats, timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from exchange.models import Notification

DATE_CHANGED = gettext_noop("The date changed; a reminder for the new date replaces this one.")


@dataclasses.dataclass
class Message:
    subject: str
    intro: str
    facts: list[tuple[str, str]]
    link_url: str
    link_label: str


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def day(value: datetime.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def period(start: datetime.date, end: datetime.date) -> str:
    return _("{start} to {end}").format(start=day(start), end=day(end))


def moment(value: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def days_until(value: datetime.date) -> int:
    return max((value - timezone.localdate()).days, 0)


class NotificationType:
    """One kind of notice. `kind` is the value stored in `Notification.kind` (never change it:
    queued rows carry it), best a member of the app's `TextChoices`, whose label names it."""

    kind: ClassVar[str]
    # Whether a recorded notice keeps what it said (`Notification.snapshot`): needed by the kinds
    # whose reader may lose sight of the object (a liaison after a reassignment, an official
    # taken off an activity's audience).
    snapshots: ClassVar[bool] = False

    @property
    def label(self) -> Promise | str:
        return getattr(self.kind, "label", self.kind)

    def subject(self, notification: Notification, related) -> str:
        """The label of the kind and what it is about, e.g. "Activity reminder: Site visit"."""
        return _("{kind}: {about}").format(kind=self.label, about=self.about(related))

    def about(self, related) -> str:
        return str(related)

    def message(self, notification: Notification, related) -> Message:
        return Message(
            subject=self.subject(notification, related),
            intro=self.intro(notification, related),
            facts=[(label, value) for label, value in self.facts(notification, related) if value],
            link_url=absolute(self.link(notification, related)),
            link_label=self.link_label(notification, related),
        )

    def intro(self, notification: Notification, related) -> str:
        raise NotImplementedError

    def facts(self, notification: Notification, related) -> list[tuple[str, str]]:
        return []

    def link(self, notification: Notification, related) -> str:
        """The page the notice leads to (a path)."""
        raise NotImplementedError

    def link_label(self, notification: Notification, related) -> str:
        raise NotImplementedError

    def obsolete_reason(self, notification: Notification, related) -> str | None:
        """Why the row should be cancelled rather than sent, or None to send it."""
        return None

    def readable(self, notifications: list[Notification]) -> set[int]:
        """The pks of these notices (all of this kind, `related_object` loaded) whose recipient
        may still see what each is about. The others show their snapshot only, without a link.
        Called once per kind for a whole page, so it must not query per row."""
        return {n.pk for n in notifications if n.object_id is None or n.related_object is not None}

    def snapshot(self, notification: Notification, related) -> dict:
        """What the notice says now, to keep with it (called inside the recipient's language)."""
        message = self.message(notification, related)
        return {
            "subject": message.subject,
            "intro": message.intro,
            "facts": [[str(label), str(value)] for label, value in message.facts],
        }
