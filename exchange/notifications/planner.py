"""The reminder planner (beat, hourly): records the reminders that have come due.

Reminders go out a cohort's offsets before orientation starts, before an attachment starts and
ends, and before each activity. A reminder is recorded when its time has come and the event is
still ahead; when several offsets have passed (the planner was not running, or an attachment was
created late), only the nearest is recorded, so nobody gets "in 7 days" the day before. Each
reminder's dedupe key names the event's date and the offset, so running the planner twice records
nothing new, and a moved event gets reminders for its new date.

Reminders of things cancelled (an attachment, an activity, a withdrawn official, a completed
cohort) are not planned, and pending ones are cancelled. The whole run is a fixed number of
queries whatever the number of rows (two more per 2000 new reminders).
"""

import dataclasses
import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from exchange.models import Cohort, Notification
from exchange.outbox import notifications_record
from participants.models import Participant
from placements.models import Activity, Attachment
from placements.selectors import activity_audiences

REMINDER_KINDS = (
    Notification.Kind.ORIENTATION_REMINDER,
    Notification.Kind.ATTACHMENT_START_REMINDER,
    Notification.Kind.ATTACHMENT_END_REMINDER,
    Notification.Kind.ACTIVITY_REMINDER,
)
ATTACHMENT_NO_LONGER_CONFIRMED = gettext_noop("The attachment is no longer confirmed.")
ACTIVITY_CANCELLED = gettext_noop("The activity was cancelled.")
OFFICIAL_NOT_CONFIRMED = gettext_noop("The official is no longer confirmed in the cohort.")


@dataclasses.dataclass(frozen=True)
class PlanResult:
    created: int
    cancelled: int


def due_offset(*, event_at: datetime.datetime, offsets, now: datetime.datetime) -> int | None:
    """The offset (days before the event) whose reminder is due now, or None: the smallest offset
    whose time has come, while the event is still ahead."""
    if now >= event_at:
        return None
    passed = [d for d in offsets if event_at - datetime.timedelta(days=d) <= now]
    return min(passed) if passed else None


def at_reminder_hour(day: datetime.date) -> datetime.datetime:
    """Date-only events are reminded at the same hour of the day (local time)."""
    return timezone.make_aware(
        datetime.datetime.combine(day, datetime.time(settings.NOTIFICATION_REMINDER_HOUR))
    )


def _row(*, kind, related, user_id, language, cohort_id, key, context, now) -> Notification:
    return Notification(
        recipient_id=user_id,
        kind=kind,
        content_type=ContentType.objects.get_for_model(related),
        object_id=related.pk,
        cohort_id=cohort_id,
        language=language,
        scheduled_at=now,
        dedupe_key=f"{key}:user:{user_id}",
        context=context,
    )


def _orientation_reminders(cohorts, now) -> list[Notification]:
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
            _row(
                kind=Notification.Kind.ORIENTATION_REMINDER,
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


def _attachment_reminders(cohorts, now) -> list[Notification]:
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
        .select_related("participant")
    )
    by_pk = {cohort.pk: cohort for cohort in cohorts}
    rows = []
    for attachment in attachments:
        participant = attachment.participant
        cohort = by_pk[participant.cohort_id]
        events = (
            (Notification.Kind.ATTACHMENT_START_REMINDER, attachment.start, "start"),
            (Notification.Kind.ATTACHMENT_END_REMINDER, attachment.end, "end"),
        )
        for kind, day, which in events:
            offsets = [getattr(cohort, f"attachment_{which}_reminder_days")]
            offset = due_offset(event_at=at_reminder_hour(day), offsets=offsets, now=now)
            if offset is None:
                continue
            rows.append(
                _row(
                    kind=kind,
                    related=attachment,
                    user_id=participant.user_id,
                    language=participant.preferred_language,
                    cohort_id=cohort.pk,
                    key=f"{kind}:attachment:{attachment.pk}:{day.isoformat()}:d{offset}",
                    context={"event_date": day.isoformat(), "days_before": offset},
                    now=now,
                )
            )
    return rows


def _activity_reminders(cohorts, now) -> list[Notification]:
    horizon = max(c.activity_reminder_days for c in cohorts)
    by_pk = {cohort.pk: cohort for cohort in cohorts}
    candidates = Activity.objects.filter(
        cohort__in=cohorts,
        status=Activity.Status.SCHEDULED,
        starts_at__gt=now,
        starts_at__lte=now + datetime.timedelta(days=horizon),
    )
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
    for activity, offset in due.values():
        when = activity.starts_at.isoformat()
        for participant in audiences[activity.pk]:
            if participant.user_id is None or participant.status != Participant.Status.CONFIRMED:
                continue
            rows.append(
                _row(
                    kind=Notification.Kind.ACTIVITY_REMINDER,
                    related=activity,
                    user_id=participant.user_id,
                    language=participant.preferred_language,
                    cohort_id=activity.cohort_id,
                    key=f"activity_reminder:activity:{activity.pk}:{when}:d{offset}",
                    context={"event_at": when, "days_before": offset},
                    now=now,
                )
            )
    return rows


def _cancel_obsolete() -> int:
    """Cancel pending reminders whose event was cancelled or whose official left (three updates)."""
    pending = Notification.objects.filter(status=Notification.Status.PENDING)
    types = ContentType.objects.get_for_models(Attachment, Activity, Participant)
    cancelled = pending.filter(
        kind__in=[
            Notification.Kind.ATTACHMENT_START_REMINDER,
            Notification.Kind.ATTACHMENT_END_REMINDER,
        ],
        content_type=types[Attachment],
        object_id__in=Attachment.objects.filter(
            ~Q(status=Attachment.Status.CONFIRMED)
            | ~Q(participant__status=Participant.Status.CONFIRMED)
        ).values("pk"),
    ).update(status=Notification.Status.CANCELLED, last_error=ATTACHMENT_NO_LONGER_CONFIRMED)
    cancelled += pending.filter(
        kind=Notification.Kind.ACTIVITY_REMINDER,
        content_type=types[Activity],
        object_id__in=Activity.objects.filter(status=Activity.Status.CANCELLED).values("pk"),
    ).update(status=Notification.Status.CANCELLED, last_error=ACTIVITY_CANCELLED)
    cancelled += pending.filter(
        kind=Notification.Kind.ORIENTATION_REMINDER,
        content_type=types[Participant],
        object_id__in=Participant.objects.filter(
            ~Q(status=Participant.Status.CONFIRMED) | Q(cohort__status=Cohort.Status.COMPLETED)
        ).values("pk"),
    ).update(status=Notification.Status.CANCELLED, last_error=OFFICIAL_NOT_CONFIRMED)
    return cancelled


@transaction.atomic
def reminders_plan(*, now: datetime.datetime | None = None) -> PlanResult:
    """Record every reminder due at `now` (default: now) and cancel the obsolete pending ones.
    The new rows are dispatched after commit."""
    now = now or timezone.now()
    cancelled = _cancel_obsolete()
    cohorts = list(Cohort.objects.exclude(status=Cohort.Status.COMPLETED))
    if not cohorts:
        return PlanResult(created=0, cancelled=cancelled)
    rows = [
        *_orientation_reminders(cohorts, now),
        *_attachment_reminders(cohorts, now),
        *_activity_reminders(cohorts, now),
    ]
    created = notifications_record(rows=rows)
    return PlanResult(created=len(created), cancelled=cancelled)
