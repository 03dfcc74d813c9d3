"""Writing notices into the outbox (`Notification`).

Callers are services that change something people must hear about; they call these functions inside
their own transaction, so the notice exists exactly when the change does. Sending is the
dispatcher's job. Each row has a dedupe key, and a key already present is skipped, so calling a
function twice for the same event and version records one notice.
"""

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from .models import Notification


def language_of(user) -> str:
    """A participant's preferred language; everyone else gets the site default."""
    participation = user.participations.order_by("-cohort__orientation_start").first()
    if participation is not None:
        return participation.preferred_language
    return settings.LANGUAGE_CODE


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
        from .notifications.services import dispatch_on_commit

        dispatch_on_commit()
    return new


def orientation_notice_row(*, participant) -> Notification:
    """The unsaved orientation notice of a participant who has an account (for bulk recording);
    the same dedupe key as `notices_for_participant_confirmed`."""
    return Notification(
        recipient_id=participant.user_id,
        kind=Notification.Kind.ORIENTATION_NOTICE,
        content_type=ContentType.objects.get_for_model(participant),
        object_id=participant.pk,
        cohort_id=participant.cohort_id,
        language=participant.preferred_language,
        scheduled_at=timezone.now(),
        dedupe_key=f"orientation_notice:participant:{participant.pk}:user:{participant.user_id}",
    )


def notices_for_participant_confirmed(*, participant) -> int:
    """The orientation notice, once per participant, when they are confirmed into a cohort."""
    return notification_enqueue(
        recipients=[participant.user],
        kind=Notification.Kind.ORIENTATION_NOTICE,
        related=participant,
        cohort=participant.cohort,
        dedupe_stem=f"orientation_notice:participant:{participant.pk}",
    )


ATTACHMENT_KINDS = {
    "created": Notification.Kind.ATTACHMENT_CREATED,
    "changed": Notification.Kind.ATTACHMENT_CHANGED,
    "cancelled": Notification.Kind.ATTACHMENT_CANCELLED,
}


def notices_for_attachment(*, attachment, event: str) -> int:
    """Tell the official and the host department's liaisons that an attachment was created,
    changed or cancelled. `event` is one of `ATTACHMENT_KINDS`; each saved version is one notice."""
    participant = attachment.participant
    version = int(attachment.updated_at.timestamp() * 1_000_000)
    return notification_enqueue(
        recipients=[participant.user, *attachment.department.liaisons.all()],
        kind=ATTACHMENT_KINDS[event],
        related=attachment,
        cohort=participant.cohort,
        dedupe_stem=f"{event}:attachment:{attachment.pk}:v{version}",
    )


def notices_for_activity_changed(*, activity, recipients: Iterable) -> int:
    """Tell the activity's audience (users, resolved by the caller) that it changed or was
    cancelled; one notice per revision (`Activity.sequence`)."""
    return notification_enqueue(
        recipients=recipients,
        kind=Notification.Kind.ACTIVITY_CHANGED,
        related=activity,
        cohort=activity.cohort,
        dedupe_stem=f"activity_changed:activity:{activity.pk}:seq{activity.sequence}",
    )
