"""Writes of the notification system: dispatching the outbox, sending one notice, re-sending,
marking read, a cohort's reminder settings.

Delivery is at-least-once with the narrowest window we can give it, and exactly once in every
case the tests exercise:

- A send holds its row's lock (`SELECT ... FOR UPDATE`) from before it talks to the SMTP server
  until the row says `sent`; a second send of the same row waits for that lock and then finds the
  row final. So two dispatchers, two copies of a task, or a retry racing a re-send never mail twice.
- If the worker dies while sending (killed, out of memory, machine lost), PostgreSQL drops the lock
  with the connection and the row is still `pending`: the redelivered task (`acks_late` +
  `reject_on_worker_lost`) or, after the lease, the dispatcher sends it again. A death before the
  SMTP server accepted the message therefore loses nothing and duplicates nothing.
- The one window left is between the server's acceptance and the commit of `sent` (a few
  milliseconds). A death exactly there sends the notice again: we chose at-least-once, because a
  missed notice costs a wasted trip while a rare repeat costs little, and the repeat carries the
  same `Message-ID` so mail clients that deduplicate show it once. At-most-once would instead mark
  the row sent before talking to the server and lose the notice whenever that send fails.
- Each attempt is counted in its own committed transaction before the send, so a notice that kills
  its worker every time still reaches the bound and is marked failed instead of looping.
"""

import contextlib
import dataclasses
import datetime
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from exchange.models import Cohort, Notification
from exchange.notice_registry import type_for
from exchange.validators import normalise_reminder_days

from . import queue
from .messages import build_email

logger = logging.getLogger(__name__)

# Reasons stored in `last_error`; marked for translation and shown through `{% translate %}`.
NO_EMAIL = gettext_noop("The recipient has no email address.")
GAVE_UP = gettext_noop("Gave up: the earlier attempts did not finish.")
RELATED_GONE = gettext_noop("What this notice was about has been deleted.")
NOT_YOURS_NOW = gettext_noop("The recipient may no longer see what this notice was about.")


@dataclasses.dataclass(frozen=True)
class SendResult:
    status: str
    retry_in: float | None = None


def _lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)


def backoff_seconds(attempts: int) -> float:
    """Exponential back-off after the given number of attempts: base, 2×base, 4×base, … capped."""
    delay = settings.NOTIFICATION_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return min(delay, settings.NOTIFICATION_RETRY_MAX_SECONDS)


def _queue_sends(ids: list[int]) -> None:
    for position, notification_id in enumerate(ids):
        if not queue.publish(queue.SEND_TASK, notification_id):
            # The broker is down: give the rest back to the next dispatch instead of waiting for
            # their leases to run out.
            Notification.objects.filter(
                pk__in=ids[position:], status=Notification.Status.PENDING
            ).update(leased_until=None)
            return


def _send_inline(ids: list[int]) -> None:
    for notification_id in ids:
        notification_send(notification_id=notification_id)


def notifications_dispatch(*, batch_size: int | None = None, sync: bool = False) -> list[int]:
    """Hand one batch of due pending notices to the workers; returns their ids.

    Rows are locked with SKIP LOCKED, so dispatchers running at once take disjoint rows and skip
    a row a send is holding; each taken row is leased so that the next run does not queue it again
    while its send is waiting in the queue. One send per row is queued after commit (or run here
    with `sync`, for cron-less setups). Two queries per batch, whatever its size.
    """
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update(skip_locked=True)
            .filter(status=Notification.Status.PENDING, scheduled_at__lte=now)
            .filter(Q(leased_until__isnull=True) | Q(leased_until__lte=now))
            .order_by("scheduled_at", "pk")
            .values_list("pk", flat=True)[: batch_size or settings.NOTIFICATION_BATCH_SIZE]
        )
        if ids:
            Notification.objects.filter(pk__in=ids).update(leased_until=now + _lease())
            transaction.on_commit(lambda: _send_inline(ids) if sync else _queue_sends(ids))
    return ids


def _claim(notification_id: int) -> SendResult | None:
    """Count the attempt, committed before anything is sent; None when the send may go ahead."""
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None:
            return SendResult("missing")
        if notification.status != Notification.Status.PENDING:
            return SendResult(notification.status)
        now = timezone.now()
        if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
            notification.status = Notification.Status.FAILED
            notification.last_error = GAVE_UP
            notification.save(update_fields=["status", "last_error"])
            logger.error(
                "Notification %s: gave up after %s attempts that did not finish",
                notification.pk,
                notification.attempts,
            )
            return SendResult(notification.status)
        notification.attempts += 1
        notification.last_attempt_at = now
        notification.leased_until = now + _lease()
        notification.save(update_fields=["attempts", "last_attempt_at", "leased_until"])
    return None


def notification_send(*, notification_id: int) -> SendResult:
    """Send one notice by email and record the outcome on its row (see the module docstring).

    Returns at once if the row is final, failed or gone. A notice about something cancelled or
    changed since it was recorded is cancelled instead of sent. A failed attempt records the error
    and, below `NOTIFICATION_MAX_ATTEMPTS`, asks for a retry after an exponential back-off (the
    row's `scheduled_at` moves there too, so the dispatcher does not retry it early); at the bound
    the row is marked failed.
    """
    claimed = _claim(notification_id)
    if claimed is not None:
        return claimed
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.status != Notification.Status.PENDING:
            return SendResult(notification.status if notification else "missing")
        related = notification.related_object
        if related is None and notification.object_id is not None:
            return _cancel(notification, RELATED_GONE)
        notice_type = type_for(notification.kind)
        obsolete = notice_type.obsolete_reason(notification, related)
        if obsolete:
            return _cancel(notification, obsolete)
        # A recipient who may no longer see the object gets what the notice said when it was
        # recorded, without a link; a notice that kept nothing is not worth sending them.
        readable = notification.pk in notice_type.readable([notification])
        if not readable and not notification.snapshot:
            return _cancel(notification, NOT_YOURS_NOW)
        if not notification.recipient.email:
            notification.status = Notification.Status.FAILED
            notification.last_error = NO_EMAIL
            notification.save(update_fields=["status", "last_error"])
            return SendResult(notification.status)
        try:
            build_email(notification, related, readable=readable).send()
        except Exception as error:  # every failure, SMTP or not, is recorded on the row
            return _record_failure(notification, error)
        notification.status = Notification.Status.SENT
        notification.sent_at = timezone.now()
        notification.last_error = ""
        notification.leased_until = None
        notification.save(update_fields=["status", "sent_at", "last_error", "leased_until"])
    return SendResult(Notification.Status.SENT)


def _cancel(notification: Notification, reason: str) -> SendResult:
    notification.status = Notification.Status.CANCELLED
    notification.last_error = reason
    notification.leased_until = None
    notification.save(update_fields=["status", "last_error", "leased_until"])
    return SendResult(notification.status)


def _record_failure(notification: Notification, error: Exception) -> SendResult:
    notification.last_error = f"{type(error).__name__}: {error}"[:2000]
    if notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS:
        notification.status = Notification.Status.FAILED
        notification.leased_until = None
        notification.save(update_fields=["status", "last_error", "leased_until"])
        logger.error(
            "Notification %s failed for good after %s attempts: %s",
            notification.pk,
            notification.attempts,
            notification.last_error,
        )
        return SendResult(notification.status)
    delay = backoff_seconds(notification.attempts)
    now = timezone.now()
    notification.scheduled_at = now + datetime.timedelta(seconds=delay)
    # The retry task owns the row until it fires; the dispatcher takes over only if it is lost.
    notification.leased_until = notification.scheduled_at + _lease()
    notification.save(update_fields=["last_error", "scheduled_at", "leased_until"])
    logger.warning(
        "Notification %s: attempt %s failed (%s); retrying in %.1f s",
        notification.pk,
        notification.attempts,
        notification.last_error,
        delay,
    )
    return SendResult(notification.status, retry_in=delay)


def notification_is_stuck(notification: Notification, *, now=None) -> bool:
    """Pending well past its time: its sends were lost or keep dying."""
    now = now or timezone.now()
    limit = now - datetime.timedelta(seconds=settings.NOTIFICATION_STUCK_AFTER_SECONDS)
    return notification.status == Notification.Status.PENDING and notification.scheduled_at <= limit


@transaction.atomic
def notification_resend(*, notification: Notification, by) -> Notification:
    """Put a failed or stuck notice back in the queue, with a fresh count of attempts, and
    dispatch it after commit. Sent and cancelled notices are final; a notice being sent right now
    is left to that send."""
    try:
        notification = Notification.objects.select_for_update(nowait=True).get(pk=notification.pk)
    except DatabaseError as error:
        raise ValidationError(_("This notice is being sent right now.")) from error
    if notification.status == Notification.Status.SENT:
        raise ValidationError(_("This notice has already been sent."))
    if notification.status == Notification.Status.CANCELLED:
        raise ValidationError(_("This notice was cancelled; it is not sent."))
    if notification.status == Notification.Status.PENDING and not notification_is_stuck(
        notification
    ):
        raise ValidationError(_("This notice is still queued; it goes out shortly."))
    notification.status = Notification.Status.PENDING
    notification.attempts = 0
    notification.scheduled_at = timezone.now()
    notification.leased_until = None
    notification.full_clean()
    notification.save(update_fields=["status", "attempts", "scheduled_at", "leased_until"])
    logger.info("Notification %s re-sent by %s", notification.pk, by)
    queue.dispatch_on_commit()
    return notification


def notification_mark_read(*, notification: Notification, user) -> None:
    """Mark the user's own notice read (once: the first reading time is kept)."""
    if notification.recipient_id != user.pk:
        raise ValidationError(_("This notice is not yours."))
    Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def cohort_reminders_update(
    *,
    cohort: Cohort,
    by,
    orientation_reminder_days: str,
    attachment_start_reminder_days: int,
    attachment_end_reminder_days: int,
    activity_reminder_days: int,
) -> Cohort:
    """Change when a cohort's reminders go out: each offset is between 1 and 60 days before the
    event; orientation may have up to five (`exchange.validators`). Reminders already recorded
    stay as they are."""
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    # Stored as "14,7,1"; a value that cannot be read is left for full_clean() to refuse.
    with contextlib.suppress(ValidationError):
        orientation_reminder_days = normalise_reminder_days(orientation_reminder_days)
    cohort.orientation_reminder_days = orientation_reminder_days
    cohort.attachment_start_reminder_days = attachment_start_reminder_days
    cohort.attachment_end_reminder_days = attachment_end_reminder_days
    cohort.activity_reminder_days = activity_reminder_days
    # Only these fields change, so only they are judged (and the cohort's own rules).
    cohort.full_clean(
        exclude=[f.name for f in Cohort._meta.fields if f.name not in Cohort.REMINDER_FIELDS]
    )
    cohort.save(update_fields=list(Cohort.REMINDER_FIELDS))
    logger.info("Reminder offsets of %s changed by %s", cohort, by)
    return cohort
