"""The participants' kinds of notice: the orientation notice and the orientation reminders.

Declared here, where their data lives, and registered with the engine from
`ParticipantsConfig.ready()`; the engine at the ground knows them only through its registry. The
stored values (`kind`, dedupe keys) must never change: queued rows carry them.
"""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext

from exchange import notice_registry as registry
from exchange.models import Cohort, Notification
from exchange.notifications.outbox import notification_enqueue, notifications_record
from exchange.notifications.planner import at_reminder_hour, due_offset, reminder_row
from exchange.notifications.types import DATE_CHANGED, NotificationType, day, days_until, period

from .models import Participant

NO_LONGER_CONFIRMED = gettext_noop("The official is no longer confirmed in the cohort.")


class ParticipantKind(models.TextChoices):
    ORIENTATION_NOTICE = "orientation_notice", gettext_lazy("Orientation notice")
    ORIENTATION_REMINDER = "orientation_reminder", gettext_lazy("Orientation reminder")


def orientation_facts(cohort: Cohort) -> list[tuple[str, str]]:
    return [
        (_("Cohort"), cohort.name),
        (_("Orientation"), period(cohort.orientation_start, cohort.orientation_end)),
        (_("Venue"), cohort.orientation_venue),
    ]


class ParticipantNotice(NotificationType):
    """About a participant's place in a cohort (related object: the Participant)."""

    def about(self, related: Participant) -> str:
        return related.cohort.name

    def link(self, notification, related) -> str:
        return reverse("placements:my_schedule")

    def link_label(self, notification, related) -> str:
        return _("Open my schedule")

    def obsolete_reason(self, notification, related: Participant) -> str | None:
        if related.status != Participant.Status.CONFIRMED:
            return NO_LONGER_CONFIRMED
        return None


@registry.register_type
class OrientationNotice(ParticipantNotice):
    kind = ParticipantKind.ORIENTATION_NOTICE

    def intro(self, notification, related: Participant) -> str:
        return _(
            "You are confirmed as a participant of {cohort}. Your programme starts with "
            "orientation; please be at the venue on the first morning."
        ).format(cohort=related.cohort.name)

    def facts(self, notification, related: Participant) -> list[tuple[str, str]]:
        return orientation_facts(related.cohort)


@registry.register_type
class OrientationReminder(ParticipantNotice):
    kind = ParticipantKind.ORIENTATION_REMINDER

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


# Recording: services call these inside their own transaction.


def orientation_notice_row(*, participant: Participant) -> Notification:
    """The unsaved orientation notice of a participant who has an account (for bulk recording);
    the same dedupe key as `notices_for_participant_confirmed`."""
    return Notification(
        recipient_id=participant.user_id,
        kind=ParticipantKind.ORIENTATION_NOTICE,
        content_type=ContentType.objects.get_for_model(participant),
        object_id=participant.pk,
        cohort_id=participant.cohort_id,
        language=participant.preferred_language,
        scheduled_at=timezone.now(),
        dedupe_key=f"orientation_notice:participant:{participant.pk}:user:{participant.user_id}",
    )


def notices_for_participant_confirmed(*, participant: Participant) -> int:
    """The orientation notice, once per participant, when they are confirmed into a cohort."""
    return notification_enqueue(
        recipients=[participant.user],
        kind=ParticipantKind.ORIENTATION_NOTICE,
        related=participant,
        cohort=participant.cohort,
        dedupe_stem=f"orientation_notice:participant:{participant.pk}",
    )


def orientation_notices_record(*, participants) -> tuple[int, int]:
    """Record the orientation notice of each participant with an account who has not had it;
    returns (recorded now, with an account)."""
    rows = [orientation_notice_row(participant=p) for p in participants if p.user_id]
    return len(notifications_record(rows=rows)), len(rows)


class OrientationReminderPlan:
    """Reminders the cohort's offsets before orientation starts, to its confirmed officials."""

    def due(self, *, cohorts, now: datetime.datetime) -> list[Notification]:
        due = {}
        for cohort in cohorts:
            offset = due_offset(
                event_at=at_reminder_hour(cohort.orientation_start),
                offsets=cohort.orientation_reminder_offsets,
                now=now,
            )
            if offset is not None:
                due[cohort.pk] = (cohort, offset)
        if not due:
            return []
        participants = Participant.objects.filter(
            cohort_id__in=due, status=Participant.Status.CONFIRMED, user__isnull=False
        ).only("pk", "cohort_id", "user_id", "preferred_language")
        rows = []
        for participant in participants:
            cohort, offset = due[participant.cohort_id]
            start = cohort.orientation_start.isoformat()
            rows.append(
                reminder_row(
                    kind=ParticipantKind.ORIENTATION_REMINDER,
                    related=participant,
                    user_id=participant.user_id,
                    language=participant.preferred_language,
                    cohort_id=cohort.pk,
                    key=f"orientation_reminder:participant:{participant.pk}:{start}:d{offset}",
                    context={"event_date": start, "days_before": offset},
                    now=now,
                )
            )
        return rows

    def cancel_obsolete(self) -> int:
        return Notification.objects.filter(
            status=Notification.Status.PENDING,
            kind=ParticipantKind.ORIENTATION_REMINDER,
            content_type=ContentType.objects.get_for_model(Participant),
            object_id__in=Participant.objects.filter(
                ~Q(status=Participant.Status.CONFIRMED) | Q(cohort__status=Cohort.Status.COMPLETED)
            ).values("pk"),
        ).update(status=Notification.Status.CANCELLED, last_error=NO_LONGER_CONFIRMED)


def language_of(user) -> str | None:
    """A participant reads the language of their latest participation."""
    return (
        Participant.objects.filter(user_id=user.pk)
        .order_by("-cohort__orientation_start")
        .values_list("preferred_language", flat=True)
        .first()
    )


def register() -> None:
    """Called from `ParticipantsConfig.ready()` (the types register on import)."""
    registry.register_plan(OrientationReminderPlan())
    registry.register_related("participants.participant", _participants_with_cohort)
    registry.register_language_resolver(language_of)


def _participants_with_cohort():
    return Participant.objects.select_related("cohort")
