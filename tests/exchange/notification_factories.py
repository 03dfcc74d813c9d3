"""Outbox rows for the notification tests, one per kind, about real related objects."""

import datetime

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from exchange.models import HostDepartment, Notification
from participants.notices import ParticipantKind
from placements.models import Attachment
from placements.notices import PlacementKind
from tests.factories import (
    ActivityFactory,
    AttachmentFactory,
    HostDepartmentFactory,
    ParticipantFactory,
    UserFactory,
)

ATTACHMENT_KINDS = {
    PlacementKind.ATTACHMENT_CREATED,
    PlacementKind.ATTACHMENT_CHANGED,
    PlacementKind.ATTACHMENT_CANCELLED,
    PlacementKind.ATTACHMENT_START_REMINDER,
    PlacementKind.ATTACHMENT_END_REMINDER,
    PlacementKind.ATTACHEE_LEFT,
}
ACTIVITY_KINDS = {PlacementKind.ACTIVITY_REMINDER, PlacementKind.ACTIVITY_CHANGED}


def related_for(kind, participant):
    if kind in ATTACHMENT_KINDS:
        return AttachmentFactory(participant=participant)
    if kind in ACTIVITY_KINDS:
        return ActivityFactory(cohort=participant.cohort)
    if kind == PlacementKind.PLACEMENT_PUBLISHED:
        AttachmentFactory(participant=participant)
    if kind == PlacementKind.ATTACHEES_DIGEST:
        return participant.cohort
    return participant


def event_context(kind, related) -> dict:
    """The context the planner records with a reminder (the event it is for)."""
    if kind == ParticipantKind.ORIENTATION_REMINDER:
        return {"event_date": related.cohort.orientation_start.isoformat(), "days_before": 7}
    if kind == PlacementKind.ATTACHMENT_START_REMINDER:
        return {"event_date": related.start.isoformat(), "days_before": 3}
    if kind == PlacementKind.ATTACHMENT_END_REMINDER:
        return {"event_date": related.end.isoformat(), "days_before": 7}
    if kind == PlacementKind.ACTIVITY_REMINDER:
        return {"event_at": related.starts_at.isoformat(), "days_before": 1}
    if kind == PlacementKind.ATTACHEES_DIGEST:
        coming = AttachmentFactory(participant__cohort=related)
        return {"attachments": [coming.pk], "officials": [str(coming.participant)]}
    if kind == PlacementKind.ATTACHEE_LEFT:
        left = HostDepartmentFactory()
        return {
            "department": left.pk,
            "start": related.start.isoformat(),
            "end": related.end.isoformat(),
        }
    return {}


def make_liaison_of_context(notification: Notification) -> None:
    """The notices told to liaisons are theirs to read while they are liaisons of the
    departments they name: make the recipient one."""
    context = notification.context
    if notification.kind == PlacementKind.ATTACHEES_DIGEST:
        for attachment in Attachment.objects.filter(pk__in=context.get("attachments", [])):
            attachment.department.liaisons.add(notification.recipient)
    if notification.kind == PlacementKind.ATTACHEE_LEFT and context.get("department"):
        HostDepartment.objects.get(pk=context["department"]).liaisons.add(notification.recipient)


def make_notification(
    kind=ParticipantKind.ORIENTATION_NOTICE,
    *,
    participant=None,
    recipient=None,
    related=None,
    language="en",
    status=Notification.Status.PENDING,
    scheduled_at=None,
    **fields,
) -> Notification:
    participant = participant or ParticipantFactory(user=UserFactory(), preferred_language=language)
    related = related or related_for(kind, participant)
    recipient = recipient or participant.user
    extra = {"sent_at": timezone.now()} if status == Notification.Status.SENT else {}
    notification = Notification.objects.create(
        recipient=recipient,
        kind=kind,
        content_type=ContentType.objects.get_for_model(related),
        object_id=related.pk,
        cohort=participant.cohort,
        language=language,
        scheduled_at=scheduled_at or timezone.now() - datetime.timedelta(seconds=1),
        status=status,
        dedupe_key=fields.pop("dedupe_key", f"test:{kind}:{related.pk}:{recipient.pk}"),
        context=fields.pop("context", event_context(kind, related)),
        **extra,
        **fields,
    )
    make_liaison_of_context(notification)
    return notification
