"""Reads of participants, scoped to who is asking."""

from django.db.models import Count, Q, QuerySet

from exchange.models import Cohort
from exchange.roles import is_coordinator, is_liaison

from .models import NominationImport, Participant
from .notices import ParticipantKind


def participants_visible_to(*, user) -> QuerySet[Participant]:
    """Coordinators see everyone; a liaison the officials with a confirmed (published)
    attachment at their departments (drafts are the coordinators' alone); a participant only
    themself."""
    if not user.is_authenticated:
        return Participant.objects.none()
    if is_coordinator(user):
        return Participant.objects.all()
    scope = Q(user=user)
    if is_liaison(user):
        scope |= Q(
            pk__in=Participant.objects.filter(
                attachments__department__liaisons=user,
                attachments__status="confirmed",
            ).values("pk")
        )
    return Participant.objects.filter(scope)


def nomination_imports_visible_to(*, user) -> QuerySet[NominationImport]:
    """Uploaded nominations files: coordinators and admins see them all, nobody else any."""
    if not is_coordinator(user):
        return NominationImport.objects.none()
    return NominationImport.objects.all()


def orientation_notice_audience(*, cohort: Cohort) -> dict[str, int]:
    """Confirmed officials of the cohort, with and without an account (one query)."""
    return Participant.objects.filter(cohort=cohort, status=Participant.Status.CONFIRMED).aggregate(
        confirmed=Count("pk", distinct=True),
        without_account=Count("pk", filter=Q(user__isnull=True), distinct=True),
        notified=Count(
            "pk",
            filter=Q(
                user__notifications__kind=ParticipantKind.ORIENTATION_NOTICE,
                user__notifications__cohort=cohort,
            ),
            distinct=True,
        ),
    )
