"""Reads of participants, scoped to who is asking."""

from django.db.models import Q, QuerySet

from exchange.roles import is_coordinator, is_liaison

from .models import NominationImport, Participant


def participants_visible_to(*, user) -> QuerySet[Participant]:
    """Coordinators see everyone; a liaison the officials ever attached (live) to their
    departments; a participant only themself."""
    if not user.is_authenticated:
        return Participant.objects.none()
    if is_coordinator(user):
        return Participant.objects.all()
    scope = Q(user=user)
    if is_liaison(user):
        scope |= Q(
            pk__in=Participant.objects.filter(
                attachments__department__liaisons=user,
                attachments__status__in=["proposed", "confirmed"],
            ).values("pk")
        )
    return Participant.objects.filter(scope)


def nomination_imports_visible_to(*, user) -> QuerySet[NominationImport]:
    """Uploaded nominations files: coordinators and admins see them all, nobody else any."""
    if not is_coordinator(user):
        return NominationImport.objects.none()
    return NominationImport.objects.all()
