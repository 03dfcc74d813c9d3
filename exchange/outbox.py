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
    if not rows:
        return 0
    existing = set(
        Notification.objects.filter(dedupe_key__in=[row.dedupe_key for row in rows]).values_list(
            "dedupe_key", flat=True
        )
    )
    new = [row for row in rows if row.dedupe_key not in existing]
    # ignore_conflicts covers a concurrent writer of the same key between the read and the insert.
    Notification.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


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
