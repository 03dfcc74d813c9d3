"""Reads of attachments and activities, scoped to who is asking."""

import datetime
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Lower, NullIf
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from modeltranslation.utils import build_localized_fieldname, resolution_order

from exchange.models import City, CityQuota, Cohort, HostCapacity, HostDepartment
from exchange.roles import is_coordinator, is_liaison
from participants.models import HostPreference, Participant
from participants.selectors import participants_visible_to

from .models import Activity, Attachment
from .schedule import HONG_KONG, ScheduleItem, activity_item, attachment_item, orientation_item


def attachments_visible_to(*, user) -> QuerySet[Attachment]:
    """Coordinators see every attachment, drafts included; a liaison the published ones at their
    departments; a participant their own published ones."""
    if not user.is_authenticated:
        return Attachment.objects.none()
    if is_coordinator(user):
        return Attachment.objects.all()
    scope = Q(participant__user=user)
    if is_liaison(user):
        scope |= Q(department__liaisons=user)
    return Attachment.objects.published().filter(scope).distinct()


def departments_visible_to(*, user) -> QuerySet[HostDepartment]:
    """Host departments as reference data: coordinators see them all; a liaison their own; a
    participant those of their published attachments."""
    if not user.is_authenticated:
        return HostDepartment.objects.none()
    if is_coordinator(user):
        return HostDepartment.objects.all()
    scope = Q(pk__in=attachments_visible_to(user=user).values("department_id"))
    if is_liaison(user):
        scope |= Q(liaisons=user)
    return HostDepartment.objects.filter(scope).distinct()


def activities_visible_to(*, user) -> QuerySet[Activity]:
    """Coordinators see every activity; a liaison their department's (those they may edit); a
    participant the activities on their own schedule (see `schedule_for_participant`)."""
    if not user.is_authenticated:
        return Activity.objects.none()
    if is_coordinator(user):
        return Activity.objects.all()
    scope = Q(pk__in=activities_editable_by(user=user).values("pk"))
    officials = list(Participant.objects.filter(user=user))
    if officials:
        attachments = list(
            Attachment.objects.published().filter(participant__in=officials).order_by("pk")
        )
        for official in officials:
            own = [a for a in attachments if a.participant_id == official.pk]
            scope |= Q(
                pk__in=activities_for_participant(participant=official, attachments=own).values(
                    "pk"
                )
            )
    return Activity.objects.filter(scope)


def activity_audiences(*, activities) -> dict[int, list[Participant]]:
    """Who each activity is for, in three queries whatever the number of activities.

    - whole cohort: every official of the cohort who has not withdrawn;
    - department: officials with a confirmed attachment at the activity's department on its day
      (a draft is nobody's business but the coordinators');
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
                status=Attachment.Status.CONFIRMED,
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
    """Confirmed attachments at the liaison's departments that have not ended: now and upcoming,
    with what is needed to contact the official. Drafts are not shown."""
    if not user.is_authenticated:
        return Attachment.objects.none()
    return (
        Attachment.objects.filter(
            department__liaisons=user, status=Attachment.Status.CONFIRMED, end__gte=today
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
    """Everything on an official's schedule: orientation week, published attachments (cancelled
    ones too, so that calendars drop them; never drafts) and every activity meant for them,
    cancelled ones included.

    Two queries whatever the number of activities (load `participant` with its cohort). Who an
    activity is for follows `activity_audiences`: the whole cohort, the officials named on it, or
    the officials live-attached to its department on one of its days.
    """
    cohort = participant.cohort
    attachments = list(
        participant.attachments.published().select_related("department").order_by("start", "pk")
    )
    activities = activities_for_participant(participant=participant, attachments=attachments)
    items = [
        orientation_item(cohort),
        *(attachment_item(a) for a in attachments),
        *(activity_item(a) for a in activities),
    ]
    items.sort(key=lambda item: item.sort_key)
    return Schedule(participant=participant, attachments=attachments, items=items)


def activities_for_participant(
    *, participant: Participant, attachments: list[Attachment] | None = None
) -> QuerySet[Activity]:
    """The activities meant for an official (see `schedule_for_participant`); `attachments` are
    their published attachments, when the caller has them already."""
    if attachments is None:
        attachments = list(participant.attachments.published())
    audience = Q(audience=Activity.Audience.COHORT) | Q(
        audience=Activity.Audience.NAMED,
        pk__in=Activity.participants.through.objects.filter(participant=participant).values(
            "activity_id"
        ),
    )
    for attachment in attachments:
        if attachment.status == Attachment.Status.CONFIRMED:
            audience |= Q(
                audience=Activity.Audience.DEPARTMENT,
                department_id=attachment.department_id,
                starts_at__lt=_midnight(attachment.end + datetime.timedelta(days=1)),
                ends_at__gte=_midnight(attachment.start),
            )
    return (
        Activity.objects.filter(audience, cohort_id=participant.cohort_id)
        .select_related("department")
        .order_by("starts_at", "pk")
    )


# The placement board, the cohort dashboard and the department timelines. Each reads a fixed
# number of queries whatever the cohort's size; the figures are computed in Python from them.


def live_attachments() -> QuerySet[Attachment]:
    return Attachment.objects.filter(status__in=Attachment.LIVE_STATUSES)


def with_first_live_attachment(officials: QuerySet[Participant]) -> QuerySet[Participant]:
    """`officials` with `first_live` (an id, or None when the official has no live attachment)
    to filter on. A scalar subquery, probed per official through the participant index: as
    NOT EXISTS, PostgreSQL hashes the live attachments of every cohort since 2002 instead."""
    first = live_attachments().filter(participant=OuterRef("pk")).values("pk")[:1]
    return officials.alias(first_live=Subquery(first))


def board_participants(
    *,
    cohort: Cohort,
    user,
    q: str = "",
    city: City | None = None,
    department: HostDepartment | None = None,
    status: str = "",
    assignment: str = "",
) -> QuerySet[Participant]:
    """The officials of a cohort on the placement board, filtered, with everything a row shows
    (home city, interests, ranked preferences, live attachments) prefetched."""
    officials = participants_visible_to(user=user).filter(cohort=cohort)
    if q:
        officials = officials.filter(
            Q(name_en__icontains=q)
            | Q(name_zh__icontains=q)
            | Q(email__icontains=q)
            | Q(home_organisation__icontains=q)
        )
    if city is not None:
        officials = officials.filter(home_city=city)
    if department is not None:
        officials = officials.filter(
            Exists(live_attachments().filter(participant=OuterRef("pk"), department=department))
        )
    if status:
        officials = officials.filter(status=status)
    if assignment in ("unassigned", "assigned"):
        officials = with_first_live_attachment(officials).filter(
            first_live__isnull=assignment == "unassigned"
        )
    return (
        officials.select_related("home_city", "cohort")
        .annotate(
            has_draft=Exists(
                Attachment.objects.filter(
                    participant=OuterRef("pk"), status=Attachment.Status.PROPOSED
                )
            )
        )
        .prefetch_related(
            "focus_areas",
            Prefetch(
                "preferences",
                queryset=HostPreference.objects.select_related("department").order_by("rank"),
            ),
            Prefetch(
                "attachments",
                queryset=live_attachments().select_related("department").order_by("start"),
                to_attr="live_attachments",
            ),
        )
        .order_by("home_city__code", "name_en", "pk")
    )


def attachment_history(*, user, cohort: Cohort | None = None, participant=None, limit: int = 20):
    """The latest recorded versions of attachments (who changed what, when, and why), newest
    first, limited to the attachments the user may see."""
    records = Attachment.history.select_related("participant", "department", "history_user")
    if cohort is not None:
        records = records.filter(participant__cohort=cohort)
    if participant is not None:
        records = records.filter(participant=participant)
    if not is_coordinator(user):
        # Versions of the draft are the coordinators' alone.
        records = records.filter(id__in=attachments_visible_to(user=user).values("pk")).exclude(
            status=Attachment.Status.PROPOSED
        )
    return records.order_by("-history_date", "-history_id")[:limit]


@dataclass
class Bar:
    """A share of something, for a Bootstrap progress bar."""

    label: str
    value: int
    total: int
    detail: str = ""
    url: str = ""

    @property
    def percent(self) -> int:
        if self.total <= 0:
            return 100 if self.value else 0
        return min(100, round(100 * self.value / self.total))

    @property
    def level(self) -> str:
        if self.value > self.total:
            return "danger"
        if self.value == self.total:
            return "warning"
        return "success"


@dataclass
class CohortDashboard:
    cohort: Cohort
    cities: list[Bar]
    departments: list[Bar]
    status_counts: dict[str, int]
    assigned: int
    unassigned: list[Participant]
    unassigned_count: int
    starting: list[Attachment]
    ending: list[Attachment]
    week_start: datetime.date
    orientation_days: list[tuple[datetime.date, bool]]
    today: datetime.date
    short_stays: list[Participant] = field(default_factory=list)
    # How many of each were left out of the lists above.
    starting_more: int = 0
    ending_more: int = 0
    departments_more: int = 0
    drafts: int = 0
    draft_officials: int = 0
    draft_liaisons: int = 0

    @property
    def statuses(self) -> list[tuple[str, str, int]]:
        """(value, label, count) for every status, in the model's order."""
        return [
            (value, label, self.status_counts.get(value, 0))
            for value, label in Participant.Status.choices
        ]

    @property
    def assigned_bar(self) -> Bar:
        return Bar(
            label=gettext("Assigned"),
            value=self.assigned,
            total=self.assigned + self.unassigned_count,
        )


def week_of(day: datetime.date) -> tuple[datetime.date, datetime.date]:
    monday = day - datetime.timedelta(days=day.weekday())
    return monday, monday + datetime.timedelta(days=6)


def officials_per_day(attachments: list[Attachment]) -> dict[datetime.date, int]:
    """How many of the attachments are present on each day they cover."""
    counts: dict[datetime.date, int] = {}
    for attachment in attachments:
        day = attachment.start
        while day <= attachment.end:
            counts[day] = counts.get(day, 0) + 1
            day += datetime.timedelta(days=1)
    return counts


def peak(attachments: list[Attachment]) -> int:
    """The most attachments present on one day."""
    events = sorted(
        [(a.start, 1) for a in attachments]
        + [(a.end + datetime.timedelta(days=1), -1) for a in attachments]
    )
    most = present = 0
    for _day, change in events:
        present += change
        most = max(most, present)
    return most


def _group_by_department(attachments: list[Attachment]) -> dict[int, list[Attachment]]:
    """Attachments per department, in their order: one pass, so a cohort's pages stay linear in
    its size (picking them out department by department grew with the square of it)."""
    groups: dict[int, list[Attachment]] = {}
    for attachment in attachments:
        groups.setdefault(attachment.department_id, []).append(attachment)
    return groups


# What the dashboard lists at most of the departments' bars and of each of the week's movements
# (the timeline and the board have them all): a programme of thousands keeps a readable page.
DEPARTMENTS_SHOWN = 20
MOVEMENTS_SHOWN = 20


def cohort_dashboard(*, cohort: Cohort, today: datetime.date | None = None) -> CohortDashboard:
    """Seats by home city against the quota, by department against capacity (the most officials
    there on one day; the fullest 20 when there are more), officials still unassigned, this
    week's starts and ends (20 of each at most, and how many), and the orientation week. Seven
    queries, and one more when some stays are too short."""
    today = today or timezone.localdate()
    withdrawn = Participant.Status.WITHDRAWN
    taken = (
        Participant.objects.filter(cohort=cohort, home_city=OuterRef("city"))
        .exclude(status=withdrawn)
        .order_by()
        .values("home_city")
        .annotate(n=Count("pk"))
        .values("n")
    )
    quotas = (
        CityQuota.objects.filter(cohort=cohort)
        .select_related("city")
        .annotate(taken=Coalesce(Subquery(taken), 0))
        .order_by("-seats", "city__code")
    )
    cities = [Bar(label=q.city.name, value=q.taken, total=q.seats) for q in quotas]
    status_counts = dict(
        Participant.objects.filter(cohort=cohort)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    cohort_live = (
        live_attachments().filter(participant__cohort=cohort).exclude(participant__status=withdrawn)
    )
    # The figures need only these columns: plain rows, not thousands of model instances.
    live = list(
        cohort_live.order_by("start", "pk").values_list(
            "pk", "participant_id", "department_id", "start", "end", "status", named=True
        )
    )
    monday, sunday = week_of(today)
    this_week = list(
        cohort_live.filter(Q(start__range=(monday, sunday)) | Q(end__range=(monday, sunday)))
        .select_related("participant", "department")
        .order_by("start", "pk")
    )
    capacities = HostCapacity.objects.filter(cohort=cohort).select_related("department")
    by_department = _group_by_department(live)
    departments = []
    for capacity in capacities:
        here = by_department.get(capacity.department_id, [])
        officials = len({a.participant_id for a in here})
        departments.append(
            Bar(
                label=capacity.department.abbreviation,
                value=peak(here),
                total=capacity.seats,
                detail=ngettext(
                    "%(count)d official in all", "%(count)d officials in all", officials
                )
                % {"count": officials},
            )
        )
    assigned_ids = {a.participant_id for a in live}
    last_end: dict[int, datetime.date] = {}
    for attachment in live:
        last_end[attachment.participant_id] = max(
            attachment.end, last_end.get(attachment.participant_id, attachment.end)
        )
    not_withdrawn = sum(n for status, n in status_counts.items() if status != withdrawn)
    unassigned = list(
        with_first_live_attachment(Participant.objects.filter(cohort=cohort))
        .exclude(status=withdrawn)
        .filter(first_live__isnull=True)
        .select_related("home_city")
        .order_by("home_city__code", "name_en")[:UNASSIGNED_SHOWN]
    )
    short_ids = {a.participant_id for a in live if last_end[a.participant_id] < cohort.earliest_end}
    short = (
        Participant.objects.filter(pk__in=short_ids).order_by("name_en", "pk")[:UNASSIGNED_SHOWN]
        if short_ids
        else []
    )
    # The draft: what publishing would confirm, and whom it would tell.
    drafts = [a for a in live if a.status == Attachment.Status.PROPOSED]
    starting = [a for a in this_week if monday <= a.start <= sunday]
    ending = [a for a in this_week if monday <= a.end <= sunday]
    if len(departments) > DEPARTMENTS_SHOWN:
        # Folded: the fullest first (over, at, then nearest their seats); the timeline has all.
        departments.sort(key=lambda bar: (-bar.value / max(bar.total, 1), bar.label))
    first, _sunday = week_of(cohort.orientation_start)
    _monday, last = week_of(cohort.orientation_end)
    orientation_days = []
    day = first
    while day <= last:
        orientation_days.append((day, cohort.orientation_start <= day <= cohort.orientation_end))
        day += datetime.timedelta(days=1)
    return CohortDashboard(
        cohort=cohort,
        cities=cities,
        departments=departments[:DEPARTMENTS_SHOWN],
        status_counts=status_counts,
        assigned=len(assigned_ids),
        unassigned=unassigned,
        unassigned_count=not_withdrawn - len(assigned_ids),
        starting=starting[:MOVEMENTS_SHOWN],
        ending=ending[:MOVEMENTS_SHOWN],
        starting_more=max(len(starting) - MOVEMENTS_SHOWN, 0),
        ending_more=max(len(ending) - MOVEMENTS_SHOWN, 0),
        departments_more=max(len(departments) - DEPARTMENTS_SHOWN, 0),
        week_start=monday,
        orientation_days=orientation_days,
        today=today,
        short_stays=list(short),
        drafts=len(drafts),
        draft_officials=len({a.participant_id for a in drafts}),
        draft_liaisons=(
            HostDepartment.liaisons.through.objects.filter(
                hostdepartment_id__in={a.department_id for a in drafts}
            )
            .values("user_id")
            .distinct()
            .count()
            if drafts
            else 0
        ),
    )


UNASSIGNED_SHOWN = 40


@dataclass
class TimelineBar:
    attachment: Attachment
    left: float
    width: float


@dataclass
class TimelineWeek:
    start: datetime.date
    most: int
    seats: int
    left: float
    width: float

    @property
    def level(self) -> str:
        if self.most > self.seats:
            return "danger"
        if self.most == self.seats and self.seats:
            return "warning"
        return "success" if self.most else "light"


@dataclass
class DepartmentTimeline:
    department: HostDepartment
    seats: int
    lanes: list[list[TimelineBar]]
    weeks: list[TimelineWeek]


@dataclass
class CohortTimeline:
    start: datetime.date
    end: datetime.date
    weeks: list[tuple[datetime.date, float, float]]  # (monday, left %, width %)
    orientation: tuple[float, float]
    today: float | None
    departments: list[DepartmentTimeline]
    # The departments are shown a page at a time (a large programme has hundreds).
    page: Page | None = None


# Departments per page of the timeline: what a coordinator reads at once, and what keeps the
# page's size (and the time to draw it) the same for 30 officials or 3,000.
TIMELINE_DEPARTMENTS_PER_PAGE = 20


def cohort_timeline(
    *,
    cohort: Cohort,
    department: HostDepartment | None = None,
    today: datetime.date | None = None,
    page: int | str | None = 1,
) -> CohortTimeline:
    """Per host department of the cohort, its seats as lanes over the weeks of the cohort: each
    live attachment is a bar in the first lane free for its whole period, so overlaps, gaps and a
    full department show at a glance. The departments come a page at a time, in the order of
    their abbreviations (a page number out of range shows the last page). Three queries: the
    departments' count, the page's departments, their attachments."""
    today = today or timezone.localdate()
    capacities = (
        HostCapacity.objects.filter(cohort=cohort)
        .select_related("department")
        .order_by(Lower("department__abbreviation"), "pk")
    )
    live = live_attachments().filter(participant__cohort=cohort)
    if department is not None:
        capacities = capacities.filter(department=department)
    shown = Paginator(capacities, TIMELINE_DEPARTMENTS_PER_PAGE).get_page(page)
    capacities = list(shown.object_list)
    live = live.filter(department_id__in=[c.department_id for c in capacities])
    live = list(live.select_related("participant", "department").order_by("start", "end", "pk"))
    start, _sunday = week_of(cohort.orientation_start)
    _monday, end = week_of(max([cohort.latest_end, *(a.end for a in live)]))
    total = (end - start).days + 1

    def left(day: datetime.date) -> float:
        return round(100 * (day - start).days / total, 3)

    def width(first: datetime.date, last: datetime.date) -> float:
        return round(100 * ((last - first).days + 1) / total, 3)

    mondays = [start + datetime.timedelta(days=7 * i) for i in range(total // 7)]
    by_department = _group_by_department(live)
    timelines = []
    for capacity in capacities:
        here = by_department.get(capacity.department_id, [])
        lanes: list[list[TimelineBar]] = []
        for attachment in here:
            bar = TimelineBar(
                attachment, left(attachment.start), width(attachment.start, attachment.end)
            )
            for lane in lanes:
                if lane[-1].attachment.end < attachment.start:
                    lane.append(bar)
                    break
            else:
                lanes.append([bar])
        while len(lanes) < capacity.seats:
            lanes.append([])
        present = officials_per_day(here)
        weeks = [
            TimelineWeek(
                start=monday,
                most=max(present.get(monday + datetime.timedelta(days=i), 0) for i in range(7)),
                seats=capacity.seats,
                left=left(monday),
                width=width(monday, monday + datetime.timedelta(days=6)),
            )
            for monday in mondays
        ]
        timelines.append(DepartmentTimeline(capacity.department, capacity.seats, lanes, weeks))
    return CohortTimeline(
        start=start,
        end=end,
        weeks=[
            (monday, left(monday), width(monday, monday + datetime.timedelta(days=6)))
            for monday in mondays
        ],
        orientation=(
            left(cohort.orientation_start),
            width(cohort.orientation_start, cohort.orientation_end),
        ),
        today=left(today) if start <= today <= end else None,
        departments=timelines,
        page=shown,
    )


def _localized(path: str, field: str = "name"):
    """`path__field` (or the row's own `field` when `path` is empty) in the active language,
    falling back where it is empty as the pages do: to the other Chinese script, then English."""
    language = translation.get_language() or "en"
    prefix = f"{path}__" if path else ""
    columns = [
        F(f"{prefix}{build_localized_fieldname(field, code)}")
        for code in resolution_order(language)
    ]
    if len(columns) == 1:
        return columns[0]
    *preferred, last = columns
    return Coalesce(
        *(NullIf(column, Value("")) for column in preferred), last, output_field=CharField()
    )


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
    # A shredded cohort's officials are anonymous rows kept for the statistics: never exported.
    officials = participants_visible_to(user=user).filter(cohort__shredded_at__isnull=True)
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
        "rank",
        "status",
        "email",
        "phone",
        organisation=_localized("", "home_organisation"),
        post=_localized("", "post_title"),
        cohort_name=_localized("cohort"),
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
