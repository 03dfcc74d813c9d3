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

One cohort the planner cannot plan (offsets or dates that the validators now refuse, kept from
before they did) must not stop the reminders of every other: such a cohort is left out with a
warning, and a plan that fails for the cohorts together is run again for each alone, so only the
one it cannot plan is skipped. The first check reads nothing; the second costs one savepoint, and
more queries only when a plan fails.
"""

import dataclasses
import datetime
import logging

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation

from exchange import notice_registry as registry
from exchange.models import Cohort, Notification
from exchange.notifications.outbox import notifications_record

logger = logging.getLogger(__name__)

# The fields of a cohort that the plans read.
PLANNED_FIELDS = frozenset({"orientation_start", "orientation_end", *Cohort.REMINDER_FIELDS})


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


def reminder_row(
    *, kind, related, user_id, language, cohort_id, key, context, now, snapshot=None
) -> Notification:
    """An unsaved reminder for one recipient; `key` names the event, its date and the offset.
    A kind that keeps snapshots gets one: `snapshot` when the plan has it already (the same
    reminder to many in one language), else rendered from `related` as the plan loaded it (the
    plan loads what it says with it, so that this costs no query)."""
    row = Notification(
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
    notice_type = registry.type_for(str(kind))
    if snapshot is not None:
        row.snapshot = snapshot
    elif notice_type.snapshots:
        with translation.override(language):
            row.snapshot = notice_type.snapshot(row, related)
    return row


def plannable(cohorts: list[Cohort]) -> list[Cohort]:
    """The cohorts whose dates and offsets the validators accept; a warning names each other."""
    unplanned = [f.name for f in Cohort._meta.fields if f.name not in PLANNED_FIELDS]
    accepted = []
    for cohort in cohorts:
        try:
            cohort.clean_fields(exclude=unplanned)
        except ValidationError as error:
            logger.warning(
                "No reminders planned for cohort %s (pk %s) until its settings are corrected: %s",
                cohort,
                cohort.pk,
                "; ".join(f"{field}: {' '.join(m)}" for field, m in error.message_dict.items()),
            )
        else:
            accepted.append(cohort)
    return accepted


def _due(plans: list, *, cohorts: list[Cohort], now: datetime.datetime) -> list[Notification]:
    """The plans' reminders for these cohorts, all in one savepoint (which keeps the run's
    transaction usable after a database error). If that fails, each plan is run alone, then a
    failing plan for each cohort alone; what still fails is skipped with a warning."""
    try:
        with transaction.atomic():
            return [row for plan in plans for row in plan.due(cohorts=cohorts, now=now)]
    except Exception:  # Whatever breaks one cohort's reminders must not stop the others'.
        if len(plans) > 1:
            return [row for plan in plans for row in _due([plan], cohorts=cohorts, now=now)]
        if len(cohorts) > 1:
            return [row for cohort in cohorts for row in _due(plans, cohorts=[cohort], now=now)]
        logger.warning(
            "%s skipped cohort %s (pk %s): it cannot be planned.",
            type(plans[0]).__name__,
            cohorts[0],
            cohorts[0].pk,
            exc_info=True,
        )
        return []


@transaction.atomic
def reminders_plan(*, now: datetime.datetime | None = None) -> PlanResult:
    """Record every reminder due at `now` (default: now) and cancel the obsolete pending ones.
    The new rows are dispatched after commit. A cohort that cannot be planned is skipped with a
    warning; the others are planned as usual."""
    now = now or timezone.now()
    plans = registry.plans()
    cancelled = sum(plan.cancel_obsolete() for plan in plans)
    cohorts = plannable(list(Cohort.objects.exclude(status=Cohort.Status.COMPLETED)))
    if not cohorts:
        return PlanResult(created=0, cancelled=cancelled)
    rows = _due(plans, cohorts=cohorts, now=now)
    created = notifications_record(rows=rows)
    return PlanResult(created=len(created), cancelled=cancelled)
