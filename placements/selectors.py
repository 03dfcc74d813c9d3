"""Reads of attachments and activities, scoped to who is asking."""

from django.db.models import Q, QuerySet

from exchange.roles import is_coordinator, is_liaison

from .models import Attachment


def attachments_visible_to(*, user) -> QuerySet[Attachment]:
    """Coordinators see every attachment; a liaison those at their departments; a participant
    their own."""
    if not user.is_authenticated:
        return Attachment.objects.none()
    if is_coordinator(user):
        return Attachment.objects.all()
    scope = Q(participant__user=user)
    if is_liaison(user):
        scope |= Q(department__liaisons=user)
    return Attachment.objects.filter(scope).distinct()
