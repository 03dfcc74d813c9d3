"""Notification types: one small class per kind (in the manner of ephios), instead of a big
if/else. A type turns an outbox row and the object it is about into a `Message` (subject, a line of
introduction, the facts that matter, a link), and says when the row has become obsolete.

Everything here runs inside `translation.override(<language>)`: the mail in the recipient's
language, the in-app page in the reader's.
"""

import dataclasses
import datetime
from typing import ClassVar

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from exchange.models import Cohort, Notification
from participants.models import Participant
from placements.models import Activity, Attachment

DATE_CHANGED = gettext_noop("The date changed; a reminder for the new date replaces this one.")
NO_LONGER_CONFIRMED = gettext_noop("The official is no longer confirmed in the cohort.")
ATTACHMENT_NOT_CONFIRMED = gettext_noop("The attachment is no longer confirmed.")
ACTIVITY_CANCELLED = gettext_noop("The activity was cancelled.")


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
    kind: ClassVar[str]

    def subject(self, notification: Notification, related) -> str:
        """The label of the kind and what it is about, e.g. "Activity reminder: Site visit"."""
        return _("{kind}: {about}").format(
            kind=Notification.Kind(self.kind).label, about=self.about(related)
        )

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
        return reverse("participants:my_schedule")

    def link_label(self, notification: Notification, related) -> str:
        return _("Open my schedule")

    def obsolete_reason(self, notification: Notification, related) -> str | None:
        """Why the row should be cancelled rather than sent, or None to send it."""
        return None


NOTIFICATION_TYPES: dict[str, NotificationType] = {}


def register(cls: type[NotificationType]) -> type[NotificationType]:
    NOTIFICATION_TYPES[cls.kind] = cls()
    return cls


def type_for(kind: str) -> NotificationType:
    return NOTIFICATION_TYPES[kind]


def orientation_facts(cohort: Cohort) -> list[tuple[str, str]]:
    return [
        (_("Cohort"), cohort.name),
        (_("Orientation"), period(cohort.orientation_start, cohort.orientation_end)),
        (_("Venue"), cohort.orientation_venue),
    ]


def attachment_facts(attachment: Attachment, *, for_liaison: bool) -> list[tuple[str, str]]:
    department = attachment.department
    supervisor = attachment.supervisor
    if supervisor and attachment.supervisor_email:
        supervisor = f"{supervisor} <{attachment.supervisor_email}>"
    facts = [(_("Official"), str(attachment.participant))] if for_liaison else []
    return [
        *facts,
        (_("Host department"), department.name),
        (_("Address"), department.address),
        (_("Period"), period(attachment.start, attachment.end)),
        (_("Host supervisor"), supervisor),
    ]


class ParticipantNotice(NotificationType):
    """About a participant's place in a cohort (related object: the Participant)."""

    def about(self, related: Participant) -> str:
        return related.cohort.name

    def obsolete_reason(self, notification, related: Participant) -> str | None:
        if related.status != Participant.Status.CONFIRMED:
            return NO_LONGER_CONFIRMED
        return None


@register
class OrientationNotice(ParticipantNotice):
    kind = Notification.Kind.ORIENTATION_NOTICE

    def intro(self, notification, related: Participant) -> str:
        return _(
            "You are confirmed as a participant of {cohort}. Your programme starts with "
            "orientation; please be at the venue on the first morning."
        ).format(cohort=related.cohort.name)

    def facts(self, notification, related: Participant) -> list[tuple[str, str]]:
        facts = orientation_facts(related.cohort)
        live = related.attachments.filter(status=Attachment.Status.CONFIRMED).select_related(
            "department", "participant"
        )
        for attachment in live:
            facts += attachment_facts(attachment, for_liaison=False)
        return facts


@register
class OrientationReminder(ParticipantNotice):
    kind = Notification.Kind.ORIENTATION_REMINDER

    def about(self, related: Participant) -> str:
        return day(related.cohort.orientation_start)

    def intro(self, notification, related: Participant) -> str:
        start = related.cohort.orientation_start
        days = days_until(start)
        if days == 0:
            return _("Orientation starts today, {date}.").format(date=day(start))
        return ngettext(
            "Orientation starts in %(days)d day, on %(date)s.",
            "Orientation starts in %(days)d days, on %(date)s.",
            days,
        ) % {"days": days, "date": day(start)}

    def facts(self, notification, related: Participant) -> list[tuple[str, str]]:
        return orientation_facts(related.cohort)

    def obsolete_reason(self, notification, related: Participant) -> str | None:
        if related.cohort.orientation_start.isoformat() != notification.context.get("event_date"):
            return DATE_CHANGED
        return super().obsolete_reason(notification, related)


class AttachmentNotice(NotificationType):
    """About an attachment (related object: the Attachment); also sent to the department's
    liaisons, who get the official's name and a link to their attachees."""

    def for_liaison(self, notification, related: Attachment) -> bool:
        return notification.recipient_id != related.participant.user_id

    def about(self, related: Attachment) -> str:
        return f"{related.department.abbreviation}, {period(related.start, related.end)}"

    def facts(self, notification, related: Attachment) -> list[tuple[str, str]]:
        return attachment_facts(related, for_liaison=self.for_liaison(notification, related))

    def link(self, notification, related: Attachment) -> str:
        if self.for_liaison(notification, related):
            return reverse("placements:liaison_attachees")
        return super().link(notification, related)

    def link_label(self, notification, related: Attachment) -> str:
        if self.for_liaison(notification, related):
            return _("Open my attachees")
        return super().link_label(notification, related)

    def names(self, related: Attachment) -> dict[str, str]:
        return {
            "official": str(related.participant),
            "department": related.department.name,
            "start": day(related.start),
            "end": day(related.end),
        }


@register
class AttachmentCreated(AttachmentNotice):
    kind = Notification.Kind.ATTACHMENT_CREATED

    def intro(self, notification, related: Attachment) -> str:
        if self.for_liaison(notification, related):
            text = _("{official} is to be attached to {department} from {start} to {end}.")
        else:
            text = _("You are to be attached to {department} from {start} to {end}.")
        return text.format(**self.names(related))


@register
class AttachmentChanged(AttachmentNotice):
    kind = Notification.Kind.ATTACHMENT_CHANGED

    def intro(self, notification, related: Attachment) -> str:
        if self.for_liaison(notification, related):
            text = _(
                "The attachment of {official} to {department} has changed. "
                "These are the current details."
            )
        else:
            text = _("Your attachment to {department} has changed. These are the current details.")
        return text.format(**self.names(related))


@register
class AttachmentCancelled(AttachmentNotice):
    kind = Notification.Kind.ATTACHMENT_CANCELLED

    def intro(self, notification, related: Attachment) -> str:
        if self.for_liaison(notification, related):
            text = _(
                "The attachment of {official} to {department} from {start} to {end} "
                "has been cancelled."
            )
        else:
            text = _("Your attachment to {department} from {start} to {end} has been cancelled.")
        return text.format(**self.names(related))


class AttachmentReminder(AttachmentNotice):
    field: ClassVar[str]

    def about(self, related: Attachment) -> str:
        return f"{related.department.abbreviation}, {day(getattr(related, self.field))}"

    def obsolete_reason(self, notification, related: Attachment) -> str | None:
        if (
            related.status != Attachment.Status.CONFIRMED
            or related.participant.status != Participant.Status.CONFIRMED
        ):
            return ATTACHMENT_NOT_CONFIRMED
        if getattr(related, self.field).isoformat() != notification.context.get("event_date"):
            return DATE_CHANGED
        return None


@register
class AttachmentStartReminder(AttachmentReminder):
    kind = Notification.Kind.ATTACHMENT_START_REMINDER
    field = "start"

    def intro(self, notification, related: Attachment) -> str:
        days = days_until(related.start)
        values = {**self.names(related), "days": days}
        if days == 0:
            return _("Your attachment to {department} starts today.").format(**values)
        return (
            ngettext(
                "Your attachment to %(department)s starts in %(days)d day, on %(start)s.",
                "Your attachment to %(department)s starts in %(days)d days, on %(start)s.",
                days,
            )
            % values
        )


@register
class AttachmentEndReminder(AttachmentReminder):
    kind = Notification.Kind.ATTACHMENT_END_REMINDER
    field = "end"

    def intro(self, notification, related: Attachment) -> str:
        days = days_until(related.end)
        values = {**self.names(related), "days": days}
        if days == 0:
            return _("Your attachment to {department} ends today.").format(**values)
        return (
            ngettext(
                "Your attachment to %(department)s ends in %(days)d day, on %(end)s.",
                "Your attachment to %(department)s ends in %(days)d days, on %(end)s.",
                days,
            )
            % values
        )


class ActivityNotice(NotificationType):
    """About an activity on the recipient's schedule (related object: the Activity)."""

    def about(self, related: Activity) -> str:
        return related.title

    def facts(self, notification, related: Activity) -> list[tuple[str, str]]:
        when = "{start} – {end}".format(
            start=moment(related.starts_at),
            end=formats.time_format(timezone.localtime(related.ends_at), "TIME_FORMAT"),
        )
        department = related.department
        return [
            (_("Activity"), f"{related.title} ({related.get_kind_display()})"),
            (_("When"), when),
            (_("Location"), related.location),
            (_("Host department"), department.name if department else ""),
            (_("Address"), department.address if department else ""),
            (_("Details"), related.description),
        ]


@register
class ActivityReminder(ActivityNotice):
    kind = Notification.Kind.ACTIVITY_REMINDER

    def intro(self, notification, related: Activity) -> str:
        return _("A reminder: {title} is on {when}.").format(
            title=related.title, when=moment(related.starts_at)
        )

    def obsolete_reason(self, notification, related: Activity) -> str | None:
        if related.status == Activity.Status.CANCELLED:
            return ACTIVITY_CANCELLED
        planned = notification.context.get("event_at")
        if planned is None or datetime.datetime.fromisoformat(planned) != related.starts_at:
            return DATE_CHANGED
        return None


@register
class ActivityChanged(ActivityNotice):
    kind = Notification.Kind.ACTIVITY_CHANGED

    def intro(self, notification, related: Activity) -> str:
        if related.status == Activity.Status.CANCELLED:
            return _("{title} on {when} has been cancelled.").format(
                title=related.title, when=moment(related.starts_at)
            )
        return _("{title} has changed. These are the current details.").format(title=related.title)
