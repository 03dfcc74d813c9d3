"""Reads of attachments and activities, scoped to who is asking."""

from django.db.models import CharField, F, FilteredRelation, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone, translation
from modeltranslation.utils import build_localized_fieldname

from exchange.roles import is_coordinator, is_liaison
from participants.models import Participant
from participants.selectors import participants_visible_to

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


def _localized(path: str, field: str = "name"):
    """`path__field` in the active language, falling back to English where it is empty."""
    language = translation.get_language() or "en"
    english = F(f"{path}__{build_localized_fieldname(field, 'en')}")
    if language.startswith("en"):
        return english
    localized = F(f"{path}__{build_localized_fieldname(field, language)}")
    return Coalesce(NullIf(localized, Value("")), english, output_field=CharField())


def roster_rows(
    *,
    user,
    cohort=None,
    home_city=None,
    department=None,
    status: str = "",
    participants: QuerySet[Participant] | None = None,
) -> QuerySet:
    """The rows of a roster as dicts: one per live (proposed or confirmed) attachment, and one for
    each official with none, so nobody nominated is left off the list.

    One query however many rows; callers stream it with `.iterator()`. Cancelled attachments are
    not rows: an official whose only attachment was cancelled appears as not yet attached. Names
    of cities and departments come in the active language.
    """
    officials = participants_visible_to(user=user)
    if cohort is not None:
        officials = officials.filter(cohort=cohort)
    if participants is not None:
        officials = officials.filter(pk__in=participants.values("pk"))
    if home_city is not None:
        officials = officials.filter(home_city=home_city)
    if status:
        officials = officials.filter(status=status)
    officials = officials.annotate(
        live=FilteredRelation(
            "attachments", condition=Q(attachments__status__in=Attachment.LIVE_STATUSES)
        )
    )
    if department is not None:
        officials = officials.filter(live__department=department)
    return officials.values(
        "pk",
        "name_en",
        "name_zh",
        "home_organisation",
        "post_title",
        "rank",
        "status",
        "email",
        "phone",
        cohort_name=F("cohort__name"),
        home_city_name=_localized("home_city"),
        department_abbreviation=F("live__department__abbreviation"),
        department_name=_localized("live__department"),
        attachment_start=F("live__start"),
        attachment_end=F("live__end"),
        attachment_status=F("live__status"),
        supervisor=F("live__supervisor"),
    ).order_by(
        "-cohort__orientation_start",
        "cohort__pk",
        F("live__department__abbreviation").asc(nulls_last=True),
        "home_city__code",
        "name_en",
        "pk",
        "live__start",
    )
