"""Reads of attachments and activities, scoped to who is asking."""

from django.db.models import Q, QuerySet
from django.utils import timezone

from exchange.roles import is_coordinator, is_liaison
from participants.models import Participant

from .models import Activity, Attachment


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


def activity_audiences(*, activities) -> dict[int, list[Participant]]:
    """Who each activity is for, in three queries whatever the number of activities.

    - whole cohort: every official of the cohort who has not withdrawn;
    - department: officials with a live attachment at the activity's department on its day;
    - named: the officials named on it (withdrawn ones excluded).
    """
    activities = list(activities)
    cohort_ids = {a.cohort_id for a in activities if a.audience == Activity.Audience.COHORT}
    department_activities = [a for a in activities if a.audience == Activity.Audience.DEPARTMENT]
    named_ids = [a.pk for a in activities if a.audience == Activity.Audience.NAMED]
    active = ~Q(status=Participant.Status.WITHDRAWN)

    by_cohort: dict[int, list[Participant]] = {}
    if cohort_ids:
        for participant in Participant.objects.filter(active, cohort_id__in=cohort_ids):
            by_cohort.setdefault(participant.cohort_id, []).append(participant)

    attachments: list[Attachment] = []
    if department_activities:
        first = min(timezone.localdate(a.starts_at) for a in department_activities)
        last = max(timezone.localdate(a.ends_at) for a in department_activities)
        attachments = list(
            Attachment.objects.filter(
                department_id__in={a.department_id for a in department_activities},
                status__in=Attachment.LIVE_STATUSES,
                start__lte=last,
                end__gte=first,
            )
            .exclude(participant__status=Participant.Status.WITHDRAWN)
            .select_related("participant")
        )

    by_named: dict[int, list[Participant]] = {}
    if named_ids:
        links = Activity.participants.through.objects.filter(activity_id__in=named_ids).filter(
            ~Q(participant__status=Participant.Status.WITHDRAWN)
        )
        for link in links.select_related("participant"):
            by_named.setdefault(link.activity_id, []).append(link.participant)

    audiences: dict[int, list[Participant]] = {}
    for activity in activities:
        if activity.audience == Activity.Audience.COHORT:
            audiences[activity.pk] = by_cohort.get(activity.cohort_id, [])
        elif activity.audience == Activity.Audience.DEPARTMENT:
            start, end = (
                timezone.localdate(activity.starts_at),
                timezone.localdate(activity.ends_at),
            )
            audiences[activity.pk] = list(
                {
                    a.participant_id: a.participant
                    for a in attachments
                    if a.department_id == activity.department_id
                    and a.participant.cohort_id == activity.cohort_id
                    and a.start <= end
                    and a.end >= start
                }.values()
            )
        else:
            audiences[activity.pk] = by_named.get(activity.pk, [])
    return audiences


def activity_audience(*, activity) -> list[Participant]:
    return activity_audiences(activities=[activity])[activity.pk]
