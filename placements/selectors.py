"""Reads of attachments and activities, scoped to who is asking."""

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils import timezone

from exchange.roles import is_coordinator, is_liaison
from participants.models import Participant

from .models import Activity, Attachment
from .schedule import HONG_KONG, ScheduleItem, activity_item, attachment_item, orientation_item


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


def activities_editable_by(*, user) -> QuerySet[Activity]:
    """Coordinators may change every activity; a liaison those of their own department(s)."""
    if not user.is_authenticated:
        return Activity.objects.none()
    if is_coordinator(user):
        return Activity.objects.all()
    if is_liaison(user):
        return Activity.objects.filter(department__liaisons=user)
    return Activity.objects.none()


def attachees_of_liaison(*, user, today: datetime.date) -> QuerySet[Attachment]:
    """Live attachments at the liaison's departments that have not ended: now and upcoming, with
    what is needed to contact the official."""
    if not user.is_authenticated:
        return Attachment.objects.none()
    return (
        Attachment.objects.filter(
            department__liaisons=user, status__in=Attachment.LIVE_STATUSES, end__gte=today
        )
        .exclude(participant__status=Participant.Status.WITHDRAWN)
        .select_related("participant__home_city", "participant__cohort", "department")
        .order_by("department__abbreviation", "start", "participant__name_en")
    )


@dataclass
class Schedule:
    participant: Participant
    attachments: list[Attachment]
    items: list[ScheduleItem]


def _midnight(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=HONG_KONG)


def schedule_for_participant(*, participant: Participant) -> Schedule:
    """Everything on an official's schedule: orientation week, attachments (cancelled ones too, so
    that calendars drop them) and every activity meant for them, cancelled ones included.

    Two queries whatever the number of activities (load `participant` with its cohort). Who an
    activity is for follows `activity_audiences`: the whole cohort, the officials named on it, or
    the officials live-attached to its department on one of its days.
    """
    cohort = participant.cohort
    attachments = list(participant.attachments.select_related("department").order_by("start", "pk"))
    audience = Q(audience=Activity.Audience.COHORT) | Q(
        audience=Activity.Audience.NAMED,
        pk__in=Activity.participants.through.objects.filter(participant=participant).values(
            "activity_id"
        ),
    )
    for attachment in attachments:
        if attachment.is_live:
            audience |= Q(
                audience=Activity.Audience.DEPARTMENT,
                department_id=attachment.department_id,
                starts_at__lt=_midnight(attachment.end + datetime.timedelta(days=1)),
                ends_at__gte=_midnight(attachment.start),
            )
    activities = (
        Activity.objects.filter(audience, cohort_id=participant.cohort_id)
        .select_related("department")
        .order_by("starts_at", "pk")
    )
    items = [
        orientation_item(cohort),
        *(attachment_item(a) for a in attachments),
        *(activity_item(a) for a in activities),
    ]
    items.sort(key=lambda item: item.sort_key)
    return Schedule(participant=participant, attachments=attachments, items=items)
