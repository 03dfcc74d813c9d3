"""Writes of the notification system: dispatching the outbox, sending one notice, re-sending,
marking read, a cohort's reminder settings.

Delivery is at-least-once with the narrowest window we can give it, and exactly once in every
case the tests exercise:

- A send takes its rows in batches (`notifications_send`): one statement locks each pending row
  (`SELECT ... FOR UPDATE SKIP LOCKED`, then a session-level PostgreSQL advisory lock that outlives
  the statement) and counts the attempt. The advisory lock is held from before the send talks to
  the SMTP server until the row says `sent`; another send of the same row (two dispatchers, two
  copies of a task, a retry racing a re-send) skips it meanwhile and finds it final afterwards.
  So nothing is mailed twice.
- If the worker dies while sending (killed, out of memory, machine lost), PostgreSQL drops its
  locks with the connection, and the rows it had not sent are still `pending`: the redelivered
  task (`acks_late` + `reject_on_worker_lost`) or, after the lease, the dispatcher sends them.
  Each sent row was committed as `sent` right after the server accepted it, so a death in the
  middle of a batch repeats none of the notices sent before it.
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
import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from exchange.models import Cohort, Notification
from exchange.notice_registry import type_for
from exchange.validators import normalise_reminder_days

from . import outgoing, queue
from .messages import build_email
from .selectors import with_related

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


def send_batches(ids: list[int]) -> list[list[int]]:
    """Split a dispatch into the batches one send task takes: at most
    `NOTIFICATION_SEND_BATCH_SIZE` notices each, and spread over at least
    `NOTIFICATION_SEND_SPREAD` tasks while there are that many notices, so that a few notices go
    out side by side (one stalled SMTP exchange holds up only its own batch) and a wave goes out
    in batches that share a connection and their queries."""
    size = max(
        1,
        min(
            settings.NOTIFICATION_SEND_BATCH_SIZE,
            math.ceil(len(ids) / settings.NOTIFICATION_SEND_SPREAD),
        ),
    )
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def _queue_sends(ids: list[int]) -> None:
    batches = send_batches(ids)
    for position, batch in enumerate(batches):
        if not queue.publish(queue.SEND_BATCH_TASK, batch):
            # The broker is down: give the rest back to the next dispatch instead of waiting for
            # their leases to run out.
            rest = [pk for later in batches[position:] for pk in later]
            Notification.objects.filter(pk__in=rest, status=Notification.Status.PENDING).update(
                leased_until=None
            )
            return


def _send_inline(ids: list[int]) -> None:
    size = settings.NOTIFICATION_SEND_BATCH_SIZE
    for start in range(0, len(ids), size):
        notifications_send(notification_ids=ids[start : start + size])


def notifications_dispatch(*, batch_size: int | None = None, sync: bool = False) -> list[int]:
    """Hand one batch of due pending notices to the workers; returns their ids.

    Rows are locked with SKIP LOCKED, so dispatchers running at once take disjoint rows and skip
    a row a send is holding; each taken row is leased so that the next run does not queue it again
    while its send is waiting in the queue. The sends are queued after commit in batches
    (`send_batches`), or run here with `sync`, for cron-less setups. Two queries per batch,
    whatever its size.
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


# Session-level advisory locks of PostgreSQL name the notices being sent: one key per row, in a
# range of their own. Unlike a row lock they outlast a commit, so each notice's `sent` commits on
# its own while the batch still holds the rest; like a row lock they die with the connection.
LOCK_SPACE = 0x4E4F54 << 32

CLAIM_SQL = """
WITH candidates AS (
    SELECT id, attempts FROM {table}
    WHERE id = ANY(%(ids)s) AND status = %(pending)s
    FOR UPDATE SKIP LOCKED
), held AS MATERIALIZED (
    SELECT id, attempts FROM candidates WHERE pg_try_advisory_lock(%(space)s + id)
)
UPDATE {table} AS n SET
    attempts = CASE WHEN held.attempts >= %(max)s THEN n.attempts ELSE n.attempts + 1 END,
    status = CASE WHEN held.attempts >= %(max)s THEN %(failed)s ELSE n.status END,
    last_error = CASE WHEN held.attempts >= %(max)s THEN %(gave_up)s ELSE n.last_error END,
    last_attempt_at = CASE WHEN held.attempts >= %(max)s THEN n.last_attempt_at ELSE %(now)s END,
    leased_until = CASE WHEN held.attempts >= %(max)s THEN NULL ELSE %(lease)s END
FROM held WHERE n.id = held.id
RETURNING n.id, n.status
"""

RELEASE_SQL = """
SELECT pg_advisory_unlock(%(space)s + id), set_config('synchronous_commit', 'on', false)
FROM unnest(%(ids)s::bigint[]) AS id
"""


def _locks_available() -> bool:
    return connection.vendor == "postgresql"


def _claim_rows(notification_ids: list[int]) -> list[tuple[int, str]]:
    """Lock and count an attempt of the batch's pending rows that no other send holds, in one
    committed statement; rows whose earlier attempts all died are failed instead. Returns each
    taken row's id and new status (`pending`: to be sent; `failed`: gave up)."""
    now = timezone.now()
    if not _locks_available():
        # Without PostgreSQL (the SQLite of `make run`) there is one process and no lock to take.
        with transaction.atomic():
            rows = list(
                Notification.objects.filter(
                    pk__in=notification_ids, status=Notification.Status.PENDING
                ).values_list("pk", "attempts")
            )
            exhausted = [pk for pk, n in rows if n >= settings.NOTIFICATION_MAX_ATTEMPTS]
            Notification.objects.filter(pk__in=exhausted).update(
                status=Notification.Status.FAILED, last_error=GAVE_UP, leased_until=None
            )
            Notification.objects.filter(pk__in=[pk for pk, _n in rows]).exclude(
                pk__in=exhausted
            ).update(attempts=F("attempts") + 1, last_attempt_at=now, leased_until=now + _lease())
        return [(pk, "failed" if pk in exhausted else "pending") for pk, _n in rows]
    with connection.cursor() as cursor:
        cursor.execute(
            CLAIM_SQL.format(table=connection.ops.quote_name(Notification._meta.db_table)),
            {
                "ids": list(notification_ids),
                "pending": Notification.Status.PENDING,
                "failed": Notification.Status.FAILED,
                "space": LOCK_SPACE,
                "max": settings.NOTIFICATION_MAX_ATTEMPTS,
                "gave_up": GAVE_UP,
                "now": now,
                "lease": now + _lease(),
            },
        )
        return list(cursor.fetchall())


def _release(notification_ids: list[int]) -> None:
    if notification_ids and _locks_available():
        with connection.cursor() as cursor:
            cursor.execute(RELEASE_SQL, {"space": LOCK_SPACE, "ids": list(notification_ids)})


def _try_lock_for_transaction(notification_id: int) -> bool:
    """Take the row's advisory lock until the transaction ends; False if a send holds it."""
    if not _locks_available():
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [LOCK_SPACE + notification_id])
        return cursor.fetchone()[0]


def _claim(notification_ids: list[int]) -> tuple[list[int], list[int], dict[int, SendResult]]:
    """Take the batch (`_claim_rows`); returns the ids to send, the ids whose locks this process
    now holds, and the outcome of every other id: final rows, rows gone, rows another send holds
    right now (skipped, not waited for: that send records them), and rows given up."""
    rows = _claim_rows(notification_ids)
    taken = dict(rows)
    results: dict[int, SendResult] = {}
    exhausted = [pk for pk, status in rows if status == Notification.Status.FAILED]
    if exhausted:
        logger.error(
            "Notifications %s: gave up after %s attempts that did not finish",
            exhausted,
            settings.NOTIFICATION_MAX_ATTEMPTS,
        )
        results.update((pk, SendResult(Notification.Status.FAILED)) for pk in exhausted)
    others = [pk for pk in notification_ids if pk not in taken]
    if others:
        statuses = dict(Notification.objects.filter(pk__in=others).values_list("pk", "status"))
        results.update((pk, SendResult(statuses.get(pk, "missing"))) for pk in others)
    claimed = [pk for pk, status in rows if status == Notification.Status.PENDING]
    return claimed, list(taken), results


def notifications_send(*, notification_ids: list[int]) -> dict[int, SendResult]:
    """Send a batch of notices by email over one SMTP connection and record each outcome on its
    row (see the module docstring); returns the outcome of every id.

    The batch is taken in one statement (its attempts counted and committed, each row locked for
    this process until the batch ends), and its rows and what they are about are loaded in one
    query per kind of object. Each notice's outcome is then committed on its own as soon as it is
    known, so a worker killed in the middle of a batch leaves the notices it sent recorded and the
    others pending, for the next send once its locks died with its connection (a redelivered
    task) or once the lease ran out (the dispatcher). One query per notice, besides what its
    kind's text reads.

    A notice about something cancelled or changed since it was recorded is cancelled instead of
    sent. A failed attempt records the error and fails only its own notice: below
    `NOTIFICATION_MAX_ATTEMPTS` it asks for a retry after an exponential back-off (the row's
    `scheduled_at` moves there too, so the dispatcher does not retry it early); at the bound the
    row is marked failed.
    """
    claimed, held, results = _claim(notification_ids)
    try:
        if claimed:
            _commit_without_waiting_for_disk()
            rows = with_related(
                Notification.objects.filter(pk__in=claimed)
                .select_related("recipient")
                .order_by("pk")
            )
            rows = list(rows)
            readable = _readable(rows)
            mailer = outgoing.connection()
            for notification in rows:
                results[notification.pk] = _send_one(
                    notification, mailer, readable=notification.pk in readable
                )
    finally:
        _release(held)
    return results


def _commit_without_waiting_for_disk() -> None:
    """Each `sent` commits on its own; waiting for the disk at every one would take most of the
    batch's time. With `synchronous_commit` off for this transaction-less stretch, a commit is
    seen at once by every other session (the other workers, the dispatcher) and reaches the disk
    within a fraction of a second: a worker's death loses nothing; only a crash of PostgreSQL
    itself could forget the last `sent`s, whose notices would then go out again, the one repeat
    that at-least-once allows (module docstring). Reset when the batch's locks are released."""
    if _locks_available() and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO off")


def _readable(rows: list[Notification]) -> set[int]:
    """The notices whose recipients may still see what they are about: one check per kind in
    the batch (`NoticeType.readable`), not one per notice."""
    by_kind: dict[str, list[Notification]] = {}
    for notification in rows:
        by_kind.setdefault(notification.kind, []).append(notification)
    readable: set[int] = set()
    for kind, notices in by_kind.items():
        readable |= set(type_for(kind).readable(notices))
    return readable


def _send_one(notification: Notification, mailer, *, readable: bool) -> SendResult:
    related = notification.related_object
    if related is None and notification.object_id is not None:
        return _cancel(notification, RELATED_GONE)
    obsolete = type_for(notification.kind).obsolete_reason(notification, related)
    if obsolete:
        return _cancel(notification, obsolete)
    # A recipient who may no longer see the object gets what the notice said when it was
    # recorded, without a link; a notice that kept nothing is not worth sending them.
    if not readable and not notification.snapshot:
        return _cancel(notification, NOT_YOURS_NOW)
    if not notification.recipient.email:
        notification.status = Notification.Status.FAILED
        notification.last_error = NO_EMAIL
        notification.leased_until = None
        notification.save(update_fields=["status", "last_error", "leased_until"])
        return SendResult(notification.status)
    try:
        outgoing.send(mailer, build_email(notification, related, readable=readable))
    except Exception as error:  # every failure, SMTP or not, is recorded on the row
        return _record_failure(notification, error)
    # Committed at once (autocommit): the narrow window between the server's accept and this.
    Notification.objects.filter(pk=notification.pk).update(
        status=Notification.Status.SENT, sent_at=timezone.now(), last_error="", leased_until=None
    )
    return SendResult(Notification.Status.SENT)


def notification_send(*, notification_id: int) -> SendResult:
    """Send one notice: a batch of one (`notifications_send`)."""
    return notifications_send(notification_ids=[notification_id])[notification_id]


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
        being_sent = not _try_lock_for_transaction(notification.pk)
    except DatabaseError as error:
        raise ValidationError(_("This notice is being sent right now.")) from error
    if being_sent:
        raise ValidationError(_("This notice is being sent right now."))
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
