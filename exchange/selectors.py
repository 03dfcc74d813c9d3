"""Reads of reference data and cohorts, scoped to who is asking."""

from django.db.models import QuerySet

from .models import Cohort, HostDepartment
from .roles import is_coordinator


def cohorts_visible_to(*, user) -> QuerySet[Cohort]:
    """Coordinators and admins see every cohort; liaisons the cohorts with (published) attachees in
    their departments; participants their own cohorts."""
    if is_coordinator(user):
        return Cohort.objects.all()
    if not user.is_authenticated:
        return Cohort.objects.none()
    return Cohort.objects.filter(
        pk__in=Cohort.objects.filter(participants__user=user).values("pk")
    ) | Cohort.objects.filter(
        pk__in=Cohort.objects.filter(
            participants__attachments__department__liaisons=user,
            participants__attachments__status="confirmed",
        ).values("pk")
    )


def departments_of_liaison(*, user) -> QuerySet[HostDepartment]:
    """The host departments a liaison officer speaks for."""
    if not user.is_authenticated:
        return HostDepartment.objects.none()
    return HostDepartment.objects.filter(liaisons=user)


def departments_for_cohort(cohort: Cohort) -> QuerySet[HostDepartment]:
    """Departments an official of `cohort` may be attached to: active, with seats in it."""
    return HostDepartment.objects.filter(
        is_active=True, capacities__cohort=cohort, capacities__seats__gt=0
    ).order_by("abbreviation")
