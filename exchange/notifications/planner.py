"""The reminder planner (beat, hourly): records the reminders that have come due.

Which reminders exist is up to the apps: each registers a reminder plan (`registry.register_plan`)
for its events (the orientation, an attachment's start and end, an activity). The planner runs
them all in one transaction and records what they find.

A reminder is recorded when its time has come and the event is still ahead; when several offsets
have passed (the planner was not running, or an attachment was created late), only the nearest is
recorded, so nobody gets "in 7 days" the day before (`due_offset`). Each reminder's dedupe key
names the event's date and the offset, so running the planner twice records nothing new, and a
moved event gets reminders for its new date.

Reminders of things cancelled (an attachment, an activity, a withdrawn official, a completed
cohort) are not planned, and pending ones are cancelled. The whole run is a fixed number of
queries whatever the number of rows (two more per 2000 new reminders).
"""

import dataclasses
import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from exchange import notice_registry as registry
from exchange.models import Cohort, Notification
from exchange.notifications.outbox import notifications_record


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


def reminder_row(*, kind, related, user_id, language, cohort_id, key, context, now) -> Notification:
    """An unsaved reminder for one recipient; `key` names the event, its date and the offset."""
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


@transaction.atomic
def reminders_plan(*, now: datetime.datetime | None = None) -> PlanResult:
    """Record every reminder due at `now` (default: now) and cancel the obsolete pending ones.
    The new rows are dispatched after commit."""
    now = now or timezone.now()
    plans = registry.plans()
    cancelled = sum(plan.cancel_obsolete() for plan in plans)
    cohorts = list(Cohort.objects.exclude(status=Cohort.Status.COMPLETED))
    if not cohorts:
        return PlanResult(created=0, cancelled=cancelled)
    rows = [row for plan in plans for row in plan.due(cohorts=cohorts, now=now)]
    created = notifications_record(rows=rows)
    return PlanResult(created=len(created), cancelled=cancelled)
