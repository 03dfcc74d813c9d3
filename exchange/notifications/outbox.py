"""Writing notices into the outbox (`Notification`).

Callers are services that change something people must hear about; they call these functions inside
their own transaction, so the notice exists exactly when the change does. Sending is the
dispatcher's job. Each row has a dedupe key, and a key already present is skipped, so calling a
function twice for the same event and version records one notice.

What a notice is about is the caller's business: the kinds and their dedupe keys are declared
by the apps (`participants/notices.py`, `placements/notices.py`), which call down to these.
"""

import datetime
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation

from exchange.models import Notification
from exchange.notice_registry import language_of, type_for

from .queue import dispatch_on_commit


def notification_enqueue(
    *,
    recipients: Iterable,
    kind: str,
    related,
    cohort,
    dedupe_stem: str,
    scheduled_at: datetime.datetime | None = None,
    context: dict | None = None,
) -> int:
    """Record one notice per recipient; returns how many rows were new.

    The dedupe key is `dedupe_stem` plus the recipient, so the same event told twice is one row.
    A kind that keeps snapshots records what each notice says now, in its recipient's language.
    """
    content_type = ContentType.objects.get_for_model(related) if related is not None else None
    when = scheduled_at or timezone.now()
    rows = [
        Notification(
            recipient=user,
            kind=kind,
            content_type=content_type,
            object_id=related.pk if related is not None else None,
            cohort=cohort,
            language=language_of(user),
            scheduled_at=when,
            dedupe_key=f"{dedupe_stem}:user:{user.pk}",
            context=context or {},
        )
        for user in {user.pk: user for user in recipients if user is not None}.values()
    ]
    notice_type = type_for(str(kind))
    if notice_type.snapshots and related is not None:
        for row in rows:
            with translation.override(row.language):
                row.snapshot = notice_type.snapshot(row, related)
    return len(notifications_record(rows=rows))


def notifications_record(*, rows: list[Notification], chunk_size: int = 2000) -> list[Notification]:
    """Insert the rows whose dedupe key is new, in two queries per chunk whatever the number of
    rows; returns the new ones. When the caller's transaction commits, a dispatch is queued so that
    notices due now go out without waiting for the next scheduled run."""
    rows = list({row.dedupe_key: row for row in rows}.values())
    new: list[Notification] = []
    for start in range(0, len(rows), chunk_size):
        chunk = rows[start : start + chunk_size]
        existing = set(
            Notification.objects.filter(
                dedupe_key__in=[row.dedupe_key for row in chunk]
            ).values_list("dedupe_key", flat=True)
        )
        fresh = [row for row in chunk if row.dedupe_key not in existing]
        # ignore_conflicts covers a concurrent writer of the same key between the read and the
        # insert.
        Notification.objects.bulk_create(fresh, ignore_conflicts=True)
        new.extend(fresh)
    now = timezone.now()
    if any(row.scheduled_at <= now for row in new):
        dispatch_on_commit()
    return new
