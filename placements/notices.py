"""The placements' kinds of notice: attachments created, changed, cancelled, starting and ending;
activities changed and coming up. Declared here, where their data lives, and registered with the
engine from `PlacementsConfig.ready()`. The stored values (`kind`, dedupe keys) must never
change: queued rows carry them.
"""

import datetime
import hashlib
from collections.abc import Iterable
from typing import ClassVar

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from exchange import notice_registry as registry
from exchange.models import Cohort, HostDepartment, Notification
from exchange.notifications.outbox import notification_enqueue
from exchange.notifications.planner import at_reminder_hour, due_offset, reminder_row
from exchange.notifications.types import (
    DATE_CHANGED,
    NotificationType,
    day,
    days_until,
    moment,
    period,
)
from participants import notices as participant_notices
from participants.models import Participant

from .models import Activity, Attachment
from .selectors import activity_audiences

ATTACHMENT_NOT_CONFIRMED = gettext_noop("The attachment is no longer confirmed.")
ACTIVITY_CANCELLED = gettext_noop("The activity was cancelled.")


class PlacementKind(models.TextChoices):
    ATTACHMENT_START_REMINDER = "attachment_start_reminder", gettext_lazy("Attachment starts soon")
    ATTACHMENT_END_REMINDER = "attachment_end_reminder", gettext_lazy("Attachment ends soon")
    ACTIVITY_REMINDER = "activity_reminder", gettext_lazy("Activity reminder")
    ATTACHMENT_CREATED = "attachment_created", gettext_lazy("New attachment")
    ATTACHMENT_CHANGED = "attachment_changed", gettext_lazy("Attachment changed")
    ATTACHMENT_CANCELLED = "attachment_cancelled", gettext_lazy("Attachment cancelled")
    ACTIVITY_CHANGED = "activity_changed", gettext_lazy("Activity changed")
    PLACEMENT_PUBLISHED = "placement_published", gettext_lazy("Your placement")
    ATTACHEES_DIGEST = "attachees_digest", gettext_lazy("New attachees")
    ATTACHEE_LEFT = "attachee_left", gettext_lazy("Attachee left")


class PlacementNotice(NotificationType):
    """Every placements notice names its kind's label and leads to the official's schedule."""

    def link(self, notification, related) -> str:
        return reverse("placements:my_schedule")

    def link_label(self, notification, related) -> str:
        return _("Open my schedule")


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


def liaison_departments(user_ids) -> dict[int, set[int]]:
    """The departments each of these users is a liaison of, in one query (none for no users)."""
    departments: dict[int, set[int]] = {}
    if user_ids:
        links = HostDepartment.liaisons.through.objects.filter(user_id__in=set(user_ids))
        for user_id, department_id in links.values_list("user_id", "hostdepartment_id"):
            departments.setdefault(user_id, set()).add(department_id)
    return departments


@registry.register_type
class OrientationNotice(participant_notices.OrientationNotice):
    """The orientation notice, with the official's confirmed attachments: participants declares
    the kind; only placements knows the attachments."""

    def facts(self, notification, related: Participant) -> list[tuple[str, str]]:
        facts = super().facts(notification, related)
        live = related.attachments.filter(status=Attachment.Status.CONFIRMED).select_related(
            "department", "participant"
        )
        for attachment in live:
            facts += attachment_facts(attachment, for_liaison=False)
        return facts


class AttachmentNotice(PlacementNotice):
    """About an attachment (related object: the Attachment); also sent to the department's
    liaisons, who get the official's name and a link to their attachees. A liaison may read it
    as it is now only while their department still hosts the attachment: once the official is
    reassigned elsewhere, the liaison sees what the notice said, never the new department."""

    snapshots = True

    def for_liaison(self, notification, related: Attachment) -> bool:
        return notification.recipient_id != related.participant.user_id

    def about(self, related: Attachment) -> str:
        return f"{related.department.abbreviation}, {period(related.start, related.end)}"

    def subject(self, notification, related: Attachment) -> str:
        """A liaison's subject names the official it is about."""
        about = self.about(related)
        if self.for_liaison(notification, related):
            about = f"{related.participant}, {about}"
        return _("{kind}: {about}").format(kind=self.label, about=about)

    def readable(self, notifications) -> set[int]:
        present = [n for n in notifications if n.related_object is not None]
        liaisons = {n.recipient_id for n in present if self.for_liaison(n, n.related_object)}
        departments = liaison_departments(liaisons)
        return {
            n.pk
            for n in present
            if not self.for_liaison(n, n.related_object)
            or n.related_object.department_id in departments.get(n.recipient_id, ())
        }

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


@registry.register_type
class AttachmentCreated(AttachmentNotice):
    kind = PlacementKind.ATTACHMENT_CREATED

    def intro(self, notification, related: Attachment) -> str:
        if self.for_liaison(notification, related):
            text = _("{official} is to be attached to {department} from {start} to {end}.")
        else:
            text = _("You are to be attached to {department} from {start} to {end}.")
        return text.format(**self.names(related))


@registry.register_type
class AttachmentChanged(AttachmentNotice):
    kind = PlacementKind.ATTACHMENT_CHANGED

    def intro(self, notification, related: Attachment) -> str:
        if self.for_liaison(notification, related):
            text = _(
                "The attachment of {official} to {department} has changed. "
                "These are the current details."
            )
        else:
            text = _("Your attachment to {department} has changed. These are the current details.")
        return text.format(**self.names(related))


@registry.register_type
class AttachmentCancelled(AttachmentNotice):
    kind = PlacementKind.ATTACHMENT_CANCELLED

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


@registry.register_type
class AttachmentStartReminder(AttachmentReminder):
    kind = PlacementKind.ATTACHMENT_START_REMINDER
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


@registry.register_type
class AttachmentEndReminder(AttachmentReminder):
    kind = PlacementKind.ATTACHMENT_END_REMINDER
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


class ActivityNotice(PlacementNotice):
    """About an activity on the recipient's schedule (related object: the Activity). Read as it
    is now only while the recipient is still in its audience: an activity moved to other
    officials shows those who were told before only what they were told."""

    snapshots = True

    def readable(self, notifications) -> set[int]:
        present = [n for n in notifications if n.related_object is not None]
        if not present:
            return set()
        activities = {n.object_id: n.related_object for n in present}
        audiences = activity_audiences(activities=activities.values())
        users = {pk: {p.user_id for p in participants} for pk, participants in audiences.items()}
        return {n.pk for n in present if n.recipient_id in users.get(n.object_id, ())}

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


@registry.register_type
class ActivityReminder(ActivityNotice):
    kind = PlacementKind.ACTIVITY_REMINDER

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


@registry.register_type
class ActivityChanged(ActivityNotice):
    """Told to the audience before and after a change; those the change took off the audience
    learn only that the activity, as they knew it, is no longer on their schedule."""

    kind = PlacementKind.ACTIVITY_CHANGED

    def left_audience(self, notification) -> bool:
        return bool(notification.context.get("left_audience"))

    def was(self, notification) -> tuple[str, str]:
        starts_at = datetime.datetime.fromisoformat(notification.context["starts_at"])
        return notification.context.get("title", ""), moment(starts_at)

    def subject(self, notification, related: Activity) -> str:
        if self.left_audience(notification):
            return _("{kind}: {about}").format(kind=self.label, about=self.was(notification)[0])
        return super().subject(notification, related)

    def facts(self, notification, related: Activity) -> list[tuple[str, str]]:
        if self.left_audience(notification):
            return []
        return super().facts(notification, related)

    def intro(self, notification, related: Activity) -> str:
        if self.left_audience(notification):
            title, when = self.was(notification)
            return _("{title} on {when} is no longer on your schedule.").format(
                title=title, when=when
            )
        if related.status == Activity.Status.CANCELLED:
            return _("{title} on {when} has been cancelled.").format(
                title=related.title, when=moment(related.starts_at)
            )
        return _("{title} has changed. These are the current details.").format(title=related.title)


@registry.register_type
class PlacementPublished(PlacementNotice):
    """The official's placement, as published: every confirmed attachment of theirs (related
    object: the Participant). One per official per publication."""

    kind = PlacementKind.PLACEMENT_PUBLISHED

    def about(self, related: Participant) -> str:
        return related.cohort.name

    def intro(self, notification, related: Participant) -> str:
        return _(
            "Your placement in {cohort} is confirmed. These are your attachments; your schedule "
            "shows them with their activities."
        ).format(cohort=related.cohort.name)

    def facts(self, notification, related: Participant) -> list[tuple[str, str]]:
        facts = []
        for attachment in _confirmed_attachments(related):
            facts += attachment_facts(attachment, for_liaison=False)
        return facts

    def obsolete_reason(self, notification, related: Participant) -> str | None:
        if related.status == Participant.Status.WITHDRAWN:
            return participant_notices.NO_LONGER_CONFIRMED
        if not _confirmed_attachments(related):
            return ATTACHMENT_NOT_CONFIRMED
        return None


def _confirmed_attachments(participant: Participant) -> list[Attachment]:
    return list(
        participant.attachments.filter(status=Attachment.Status.CONFIRMED)
        .select_related("department", "participant")
        .order_by("start", "pk")
    )


@registry.register_type
class AttacheesDigest(PlacementNotice):
    """A liaison's digest of a publication: every official coming to their department(s)
    (related object: the Cohort; the attachments and the officials' names are in the context)."""

    kind = PlacementKind.ATTACHEES_DIGEST
    snapshots = True

    def readable(self, notifications) -> set[int]:
        """Read as it is now while every attachment it named is still confirmed at one of the
        recipient's departments; else what it said then (one query for a whole page)."""
        named = {pk for n in notifications for pk in n.context.get("attachments", [])}
        still = set(
            Attachment.objects.filter(
                pk__in=named,
                status=Attachment.Status.CONFIRMED,
                department__liaisons__in={n.recipient_id for n in notifications},
            ).values_list("pk", "department__liaisons")
        )
        return {
            n.pk
            for n in notifications
            if n.related_object is not None
            and all((pk, n.recipient_id) in still for pk in n.context.get("attachments", []))
        }

    def subject(self, notification, related) -> str:
        """Names the official, or the count when there are several."""
        names = self.official_names(notification)
        if len(names) == 1:
            about = names[0]
        else:
            about = ngettext("%(count)d official", "%(count)d officials", len(names)) % {
                "count": len(names)
            }
        return _("{kind}: {about}").format(kind=self.label, about=about)

    def official_names(self, notification) -> list[str]:
        return list(notification.context.get("officials", []))

    def attachments(self, notification) -> list[Attachment]:
        """The digest's attachments still confirmed at the recipient's own departments: one
        reassigned elsewhere since is not theirs to read about."""
        return list(
            Attachment.objects.filter(
                pk__in=notification.context.get("attachments", []),
                status=Attachment.Status.CONFIRMED,
                department__liaisons=notification.recipient_id,
            )
            .select_related("participant", "department")
            .order_by("department__abbreviation", "start", "participant__name_en")
        )

    def intro(self, notification, related) -> str:
        return ngettext(
            "%(count)d official of %(cohort)s is to be attached to your department:",
            "%(count)d officials of %(cohort)s are to be attached to your department(s):",
            len(self.official_names(notification)),
        ) % {"count": len(self.official_names(notification)), "cohort": related.name}

    def facts(self, notification, related) -> list[tuple[str, str]]:
        return [
            (
                str(a.participant),
                f"{a.department.abbreviation}, {period(a.start, a.end)}",
            )
            for a in self.attachments(notification)
        ]

    def link(self, notification, related) -> str:
        return reverse("placements:liaison_attachees")

    def link_label(self, notification, related) -> str:
        return _("Open my attachees")

    def obsolete_reason(self, notification, related) -> str | None:
        if not self.attachments(notification):
            return ATTACHMENT_NOT_CONFIRMED
        return None


@registry.register_type
class AttacheeLeft(PlacementNotice):
    """To the liaisons of a department an official has left, reassigned elsewhere or cancelled
    (related object: the Attachment, perhaps now elsewhere). It says only what their department
    had: the department, the period and the official, read from the context, never where the
    official went."""

    kind = PlacementKind.ATTACHEE_LEFT
    snapshots = True

    def department(self, notification) -> HostDepartment | None:
        return HostDepartment.objects.filter(pk=notification.context.get("department")).first()

    def about(self, related: Attachment) -> str:
        return str(related.participant)

    def intro(self, notification, related: Attachment) -> str:
        department = self.department(notification)
        values = {
            "official": related.participant,
            "department": department.name if department else "",
            "start": day(datetime.date.fromisoformat(notification.context["start"])),
            "end": day(datetime.date.fromisoformat(notification.context["end"])),
        }
        if notification.context.get("reason") == "cancelled":
            return _(
                "The attachment of {official} to {department} from {start} to {end} "
                "has been cancelled."
            ).format(**values)
        return _("{official} is no longer attached to {department}.").format(**values)

    def facts(self, notification, related: Attachment) -> list[tuple[str, str]]:
        department = self.department(notification)
        start = datetime.date.fromisoformat(notification.context["start"])
        end = datetime.date.fromisoformat(notification.context["end"])
        return [
            (_("Official"), str(related.participant)),
            (_("Host department"), department.name if department else ""),
            (_("Period"), period(start, end)),
        ]

    def link(self, notification, related) -> str:
        return reverse("placements:liaison_attachees")

    def link_label(self, notification, related) -> str:
        return _("Open my attachees")

    def readable(self, notifications) -> set[int]:
        departments = liaison_departments({n.recipient_id for n in notifications})
        return {
            n.pk
            for n in notifications
            if n.related_object is not None
            and n.context.get("department") in departments.get(n.recipient_id, ())
        }


# Recording: services call these inside their own transaction.

ATTACHMENT_KINDS = {
    "created": PlacementKind.ATTACHMENT_CREATED,
    "changed": PlacementKind.ATTACHMENT_CHANGED,
    "cancelled": PlacementKind.ATTACHMENT_CANCELLED,
}


def notices_for_attachment(*, attachment: Attachment, event: str, liaisons: bool = True) -> int:
    """Tell the official and (unless `liaisons` is false) the host department's liaisons that an
    attachment was created, changed or cancelled. `event` is one of `ATTACHMENT_KINDS`; each
    saved version is one notice."""
    participant = attachment.participant
    version = int(attachment.updated_at.timestamp() * 1_000_000)
    told = attachment.department.liaisons.all() if liaisons else []
    return notification_enqueue(
        recipients=[participant.user, *told],
        kind=ATTACHMENT_KINDS[event],
        related=attachment,
        cohort=participant.cohort,
        dedupe_stem=f"{event}:attachment:{attachment.pk}:v{version}",
    )


def notices_for_attachee_left(
    *,
    attachment: Attachment,
    department: HostDepartment,
    start: datetime.date,
    end: datetime.date,
    reason: str,
) -> int:
    """Tell `department`'s liaisons that the official attached to them from `start` to `end`
    is no longer theirs (`reason`: "reassigned" elsewhere, or "cancelled"); one notice per saved
    version."""
    participant = attachment.participant
    version = int(attachment.updated_at.timestamp() * 1_000_000)
    return notification_enqueue(
        recipients=department.liaisons.all(),
        kind=PlacementKind.ATTACHEE_LEFT,
        related=attachment,
        cohort=participant.cohort,
        dedupe_stem=f"attachee_left:attachment:{attachment.pk}:dept{department.pk}:v{version}",
        context={
            "department": department.pk,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "reason": reason,
        },
    )


def notices_for_activity_changed(
    *,
    activity: Activity,
    recipients: Iterable,
    removed: Iterable = (),
    was: tuple[str, datetime.datetime] | None = None,
) -> int:
    """Tell the activity's audience (users, resolved by the caller) that it changed or was
    cancelled; one notice per revision (`Activity.sequence`). The users in `removed` (taken off
    its audience by this revision) are told only that it is no longer on their schedule, under
    the title and start it had for them (`was`), never what it has become."""
    removed = {user.pk: user for user in removed}
    stem = f"activity_changed:activity:{activity.pk}:seq{activity.sequence}"
    recorded = notification_enqueue(
        recipients=[user for user in recipients if user.pk not in removed],
        kind=PlacementKind.ACTIVITY_CHANGED,
        related=activity,
        cohort=activity.cohort,
        dedupe_stem=stem,
    )
    if removed and was is not None:
        title, starts_at = was
        recorded += notification_enqueue(
            recipients=removed.values(),
            kind=PlacementKind.ACTIVITY_CHANGED,
            related=activity,
            cohort=activity.cohort,
            dedupe_stem=stem,
            context={"left_audience": True, "title": title, "starts_at": starts_at.isoformat()},
        )
    return recorded


def _version_key(attachments: list[Attachment]) -> str:
    """Names a publication by the attachments and the versions published: the same publication
    recorded twice is one notice; a later one is another."""
    parts = sorted(f"{a.pk}.{int(a.updated_at.timestamp() * 1_000_000)}" for a in attachments)
    return hashlib.sha256(",".join(parts).encode()).hexdigest()[:20]


def notices_for_publication(*, attachments: list[Attachment]) -> int:
    """Tell each official once of their published placement (all their confirmed attachments)
    and each liaison once of every official coming to their department(s)."""
    by_official: dict[int, list[Attachment]] = {}
    by_liaison: dict[int, tuple[object, list[Attachment]]] = {}
    for attachment in attachments:
        by_official.setdefault(attachment.participant_id, []).append(attachment)
        for liaison in attachment.department.liaisons.all():
            by_liaison.setdefault(liaison.pk, (liaison, []))[1].append(attachment)
    recorded = 0
    for published in by_official.values():
        participant = published[0].participant
        recorded += notification_enqueue(
            recipients=[participant.user],
            kind=PlacementKind.PLACEMENT_PUBLISHED,
            related=participant,
            cohort=participant.cohort,
            dedupe_stem=f"placement_published:participant:{participant.pk}:{_version_key(published)}",
        )
    for liaison, coming in by_liaison.values():
        cohort = coming[0].participant.cohort
        names = sorted({str(a.participant) for a in coming})
        recorded += notification_enqueue(
            recipients=[liaison],
            kind=PlacementKind.ATTACHEES_DIGEST,
            related=cohort,
            cohort=cohort,
            dedupe_stem=f"attachees_digest:cohort:{cohort.pk}:{_version_key(coming)}",
            context={"attachments": sorted(a.pk for a in coming), "officials": names},
        )
    return recorded


# Reminder plans, run by the engine's planner.


class AttachmentReminderPlan:
    """Reminders the cohort's offsets before a confirmed attachment starts and before it ends."""

    def due(self, *, cohorts, now: datetime.datetime) -> list[Notification]:
        today = timezone.localdate(now)
        horizon = max(
            max(c.attachment_start_reminder_days, c.attachment_end_reminder_days) for c in cohorts
        )
        last = today + datetime.timedelta(days=horizon)
        attachments = (
            Attachment.objects.filter(
                participant__cohort__in=cohorts,
                participant__user__isnull=False,
                participant__status=Participant.Status.CONFIRMED,
                status=Attachment.Status.CONFIRMED,
            )
            .filter(Q(start__range=(today, last)) | Q(end__range=(today, last)))
            .select_related("participant", "department")
        )
        by_pk = {cohort.pk: cohort for cohort in cohorts}
        rows = []
        for attachment in attachments:
            participant = attachment.participant
            cohort = by_pk[participant.cohort_id]
            events = (
                (PlacementKind.ATTACHMENT_START_REMINDER, attachment.start, "start"),
                (PlacementKind.ATTACHMENT_END_REMINDER, attachment.end, "end"),
            )
            for kind, day_, which in events:
                offsets = [getattr(cohort, f"attachment_{which}_reminder_days")]
                offset = due_offset(event_at=at_reminder_hour(day_), offsets=offsets, now=now)
                if offset is None:
                    continue
                rows.append(
                    reminder_row(
                        kind=kind,
                        related=attachment,
                        user_id=participant.user_id,
                        language=participant.preferred_language,
                        cohort_id=cohort.pk,
                        key=f"{kind}:attachment:{attachment.pk}:{day_.isoformat()}:d{offset}",
                        context={"event_date": day_.isoformat(), "days_before": offset},
                        now=now,
                    )
                )
        return rows

    def cancel_obsolete(self) -> int:
        return Notification.objects.filter(
            status=Notification.Status.PENDING,
            kind__in=[
                PlacementKind.ATTACHMENT_START_REMINDER,
                PlacementKind.ATTACHMENT_END_REMINDER,
            ],
            content_type=ContentType.objects.get_for_model(Attachment),
            object_id__in=Attachment.objects.filter(
                ~Q(status=Attachment.Status.CONFIRMED)
                | ~Q(participant__status=Participant.Status.CONFIRMED)
            ).values("pk"),
        ).update(status=Notification.Status.CANCELLED, last_error=ATTACHMENT_NOT_CONFIRMED)


class ActivityReminderPlan:
    """A reminder the cohort's offset before each scheduled activity, to its audience."""

    def due(self, *, cohorts, now: datetime.datetime) -> list[Notification]:
        horizon = max(c.activity_reminder_days for c in cohorts)
        by_pk = {cohort.pk: cohort for cohort in cohorts}
        candidates = Activity.objects.filter(
            cohort__in=cohorts,
            status=Activity.Status.SCHEDULED,
            starts_at__gt=now,
            starts_at__lte=now + datetime.timedelta(days=horizon),
        ).select_related("department")
        due = {}
        for activity in candidates:
            offsets = [by_pk[activity.cohort_id].activity_reminder_days]
            offset = due_offset(event_at=activity.starts_at, offsets=offsets, now=now)
            if offset is not None:
                due[activity.pk] = (activity, offset)
        if not due:
            return []
        audiences = activity_audiences(activities=[activity for activity, _offset in due.values()])
        rows = []
        # An activity's reminder says the same to everyone who reads its language.
        snapshots: dict[tuple[int, str], dict] = {}
        for activity, offset in due.values():
            when = activity.starts_at.isoformat()
            for participant in audiences[activity.pk]:
                if (
                    participant.user_id is None
                    or participant.status != Participant.Status.CONFIRMED
                ):
                    continue
                said = (activity.pk, participant.preferred_language)
                row = reminder_row(
                    kind=PlacementKind.ACTIVITY_REMINDER,
                    related=activity,
                    user_id=participant.user_id,
                    language=participant.preferred_language,
                    cohort_id=activity.cohort_id,
                    key=f"activity_reminder:activity:{activity.pk}:{when}:d{offset}",
                    context={"event_at": when, "days_before": offset},
                    now=now,
                    snapshot=snapshots.get(said),
                )
                snapshots[said] = row.snapshot
                rows.append(row)
        return rows

    def cancel_obsolete(self) -> int:
        return Notification.objects.filter(
            status=Notification.Status.PENDING,
            kind=PlacementKind.ACTIVITY_REMINDER,
            content_type=ContentType.objects.get_for_model(Activity),
            object_id__in=Activity.objects.filter(status=Activity.Status.CANCELLED).values("pk"),
        ).update(status=Notification.Status.CANCELLED, last_error=ACTIVITY_CANCELLED)


def register() -> None:
    """Called from `PlacementsConfig.ready()` (the types register on import)."""
    registry.register_plan(AttachmentReminderPlan())
    registry.register_plan(ActivityReminderPlan())
    registry.register_related(
        "placements.attachment",
        lambda: Attachment.objects.select_related("participant", "department"),
    )
    registry.register_related(
        "placements.activity", lambda: Activity.objects.select_related("department")
    )
    registry.register_related("exchange.cohort", lambda: Cohort.objects.all())
