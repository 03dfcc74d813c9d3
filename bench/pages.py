"""Benchmark: time and SQL queries of today's pages and of the notification services, as cohorts
grow and decades of history pile up.

    python bench/pages.py [--database-url URL] [--output docs/benchmarks.md] [--runs N]

(or `make bench`, after the roster export). It uses the benchmark database (never the development
or test one) and adds to it with bulk_create, once (later runs reuse the data):
- twenty years of history: two completed cohorts a year of 300 officials each, with their
  attachments (and the attachments' history records), activities and the notices sent to them;
- three running cohorts of 30, 300 and 3,000 officials dated around this week (built again when
  the week changes), each at host departments of its own (4 to 8 seats each, as many departments
  as the cohort needs, one liaison officer each): officials with accounts, interests and ranked
  preferences, attachments that keep within the seats on every day, the orientation week, weekly
  forums, departmental briefings and visits, named workshops, and the notices sent so far.
Each measurement runs in a fresh process with the test settings (mail to locmem) pointed at that
database. Pages go through the real views with Django's test client, logged in as the role that
uses them (`force_login`): a warm-up, then N timed requests, each counting its SQL queries with
CaptureQueriesContext. The dispatcher sends batches of 500 due notices; the reminder planner plans
one cohort's reminders at a fixed moment, rolled back after each run. Results go to their own
section of docs/benchmarks.md.
"""

import argparse
import datetime
import json
import sys
import time
from pathlib import Path

from common import (
    DEFAULT_DATABASE_URL,
    DEFAULT_OUTPUT,
    ROOT,
    environment,
    median_p95,
    prepare_database,
    run,
    write_section,
)

SETTINGS = "exchange.settings.test"
SIZES = (30, 300, 3_000)
HISTORY_YEARS = 20
HISTORY_COHORT_SIZE = 300
# Bump when the shape of the data changes: data of another version is deleted and built again.
VERSION = 1
PREFIX = f"Bench pages v{VERSION}:"
COORDINATOR = "bench-coordinator"
PAGES = ("dashboard", "board", "timeline", "schedule", "feed", "liaison")
SERVICES = ("dispatch", "planner")
LABELS = {
    "dashboard": "Cohort dashboard (coordinator)",
    "board": "Placement board, first page (coordinator)",
    "timeline": "Department timeline (coordinator)",
    "schedule": "My schedule (participant)",
    "feed": "Calendar feed (.ics, by token)",
    "liaison": "Liaison's attachees (liaison)",
    "dispatch": "Dispatcher: batch of 500 due notices sent",
    "planner": "Reminder planner: one run",
}
SHORT_NAMES = {
    "dashboard": "cohort dashboard",
    "board": "placement board",
    "timeline": "department timeline",
    "schedule": "participant's schedule",
    "feed": "calendar feed",
    "liaison": "liaison's page",
}
DISPATCH_BATCH = 500
PAGE_RUNS = 20
SERVICE_RUNS = 5
# A measurement stops after this many seconds of timed runs, once it has its minimum of runs.
TIME_BUDGET = 10.0
PAGE_MIN_RUNS = 5
SERVICE_MIN_RUNS = 3
# Week offsets after the orientation week, as (first week, weeks) per attachment, cycling over
# officials like the demo seed: one long attachment, two of four weeks, a later start.
PATTERNS = ([(0, 8)], [(0, 4), (4, 4)], [(1, 6)])
# Home cities in the press release's proportions (Shenzhen 10 seats, the others 4 each).
CITY_SHARES = {"SZ": 10, "BJ": 4, "SH": 4, "CQ": 4, "WH": 4, "HZ": 4}
LANGUAGES = ("zh-hans", "en", "zh-hant")
# The orientation week's sessions each day: (hour, minute, minutes, title).
ORIENTATION_SESSIONS = (
    (9, 30, 90, "Opening and briefing"),
    (11, 15, 90, "The civil service system"),
    (14, 30, 120, "Policy making in practice"),
)
CHUNK = 5_000


def running_name(size: int) -> str:
    return f"{PREFIX} running cohort of {size:,} officials"


def history_name(year: int, season: str) -> str:
    return f"{PREFIX} {season} {year} cohort"


def department_code(size: int, number: int) -> str:
    return f"BP{size}-{number:03d}"


def seats_of(number: int) -> int:
    return 4 + number % 5


def departments_needed(size: int) -> int:
    """Enough departments that the seats cover the cohort with 5% to spare."""
    count = seats = 0
    while seats < size * 1.05:
        seats += seats_of(count)
        count += 1
    return count


def anchor_monday() -> datetime.date:
    """Monday of this week in Hong Kong: the running cohorts' attachments started a week before."""
    from placements.schedule import today_in_hong_kong

    today = today_in_hong_kong()
    return today - datetime.timedelta(days=today.weekday())


def first_monday(year: int, month: int) -> datetime.date:
    first = datetime.date(year, month, 1)
    return first + datetime.timedelta(days=(7 - first.weekday()) % 7)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    from placements.schedule import HONG_KONG

    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=HONG_KONG)


def planner_moment(cohort) -> datetime.datetime:
    """When the planner is run in the benchmark: Monday of the cohort's fourth attachment week,
    15:00, when the week's forum (Tuesday 14:30) and the four-week attachments ending on Friday
    are due for reminders. In the future, so that nothing has been recorded for it yet."""
    return at(cohort.orientation_start + datetime.timedelta(weeks=4), 15)


# Seeding -----------------------------------------------------------------------------------------


def purge(cohort_ids: list[int]) -> None:
    """Delete benchmark cohorts with everything hanging from them, in SQL (no history records
    for the deletion, no collecting rows in Python)."""
    from django.contrib.auth import get_user_model

    from exchange.models import CityQuota, Cohort, HostCapacity, Notification
    from participants.models import AccessLog, HostPreference, NominationImport, Participant
    from placements.models import Activity, Attachment, ExportLog

    if not cohort_ids:
        return
    using = "default"
    officials = Participant.objects.filter(cohort_id__in=cohort_ids)
    user_ids = list(officials.exclude(user=None).values_list("user_id", flat=True))
    activities = Activity.objects.filter(cohort_id__in=cohort_ids)
    User = get_user_model()
    for queryset in (
        Notification.objects.filter(cohort_id__in=cohort_ids),
        Notification.objects.filter(recipient_id__in=user_ids),
        Attachment.history.filter(participant_id__in=officials.values("pk")),
        Attachment.objects.filter(participant__cohort_id__in=cohort_ids),
        Activity.participants.through.objects.filter(activity_id__in=activities.values("pk")),
        Activity.history.filter(cohort_id__in=cohort_ids),
        activities,
        HostPreference.objects.filter(participant__cohort_id__in=cohort_ids),
        Participant.focus_areas.through.objects.filter(participant__cohort_id__in=cohort_ids),
        AccessLog.participants.through.objects.filter(participant__cohort_id__in=cohort_ids),
        officials,
        User.groups.through.objects.filter(user_id__in=user_ids),
        User.objects.filter(pk__in=user_ids),
        CityQuota.objects.filter(cohort_id__in=cohort_ids),
        HostCapacity.objects.filter(cohort_id__in=cohort_ids),
        NominationImport.objects.filter(cohort_id__in=cohort_ids),
        ExportLog.objects.filter(cohort_id__in=cohort_ids),
        Cohort.objects.filter(pk__in=cohort_ids),
    ):
        queryset._raw_delete(using)


def ensure_departments() -> dict[int, list]:
    """The host departments of each running cohort (kept across rebuilds), each with a liaison
    officer; returns them by cohort size."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from exchange.models import City, HostDepartment
    from exchange.roles import Role

    User = get_user_model()
    hong_kong = City.objects.get(code="HK")
    wanted = {
        department_code(size, number): (size, number)
        for size in SIZES
        for number in range(departments_needed(size))
    }
    known = HostDepartment.objects.filter(abbreviation__in=wanted)
    have = set(known.values_list("abbreviation", flat=True))
    HostDepartment.objects.bulk_create(
        HostDepartment(
            abbreviation=code,
            name_en=f"Benchmark Department {code}",
            name_zh_hant=f"基準部門 {code}",
            name_zh_hans=f"基准部门 {code}",
            city=hong_kong,
            address_en=f"{number + 1} Harbour Road, Wan Chai",
        )
        for code, (_size, number) in wanted.items()
        if code not in have
    )
    departments = {
        d.abbreviation: d for d in HostDepartment.objects.filter(abbreviation__in=wanted)
    }
    usernames = {f"bench-liaison-{code.lower()}": code for code in wanted}
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    created = User.objects.bulk_create(
        User(
            username=username,
            email=f"{username}@example.org",
            first_name="Liaison",
            last_name=code,
            password="!",  # noqa: S106 (an unusable password)
        )
        for username, code in usernames.items()
        if username not in existing
    )
    liaison_group = Group.objects.get(name=Role.LIAISON.value)
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=user.pk, group_id=liaison_group.pk) for user in created]
    )
    HostDepartment.liaisons.through.objects.bulk_create(
        [
            HostDepartment.liaisons.through(
                user_id=user.pk, hostdepartment_id=departments[usernames[user.username]].pk
            )
            for user in created
        ]
    )
    by_size: dict[int, list] = {size: [] for size in SIZES}
    for code, (size, _number) in sorted(wanted.items()):
        by_size[size].append(departments[code])
    return by_size


def plan_attachments(count: int, departments: list, seats: dict[int, int], skip: set[int]):
    """(official index, department, first week, weeks) for every official not in `skip`, each
    attachment at the first department, from a rotating start, with a free seat in every one of
    its weeks (attachments run Monday to Friday, so weeks are the unit of occupation)."""
    taken: dict[tuple[int, int], int] = {}
    plan = []
    for index in range(count):
        if index in skip:
            continue
        used: set[int] = set()
        for first, weeks in PATTERNS[index % len(PATTERNS)]:
            for step in range(len(departments)):
                department = departments[(index * 7 + step) % len(departments)]
                if department.pk in used:
                    continue
                span = [(department.pk, week) for week in range(first, first + weeks)]
                if all(taken.get(key, 0) < seats[department.pk] for key in span):
                    for key in span:
                        taken[key] = taken.get(key, 0) + 1
                    used.add(department.pk)
                    plan.append((index, department, first, weeks))
                    break
    return plan


def withdrawn(i: int) -> bool:
    return i % 50 == 49


def nominated(i: int) -> bool:
    return i % 25 == 24 and not withdrawn(i)


def unplaced(i: int) -> bool:
    return i % 20 == 19


def build_cohort(
    *,
    name: str,
    size: int,
    orientation_start: datetime.date,
    departments: list,
    seats: dict[int, int],
    username_stem: str,
    now: datetime.datetime,
    completed: bool,
    coordinator,
) -> None:
    """One cohort with everything a real one has, as of `now` (notices due before it are sent).
    Officials: 1 in 50 withdrew, 1 in 25 is still nominated, 1 in 20 is not placed yet."""
    from exchange.models import City, CityQuota, Cohort, HostCapacity

    cohort = Cohort.objects.create(
        name=name,
        status=Cohort.Status.COMPLETED if completed else Cohort.Status.ATTACHMENT,
        orientation_start=orientation_start,
        orientation_end=orientation_start + datetime.timedelta(days=4),
        min_stay_days=28,
        max_stay_days=91,
    )
    cities = {c.code: c for c in City.objects.filter(code__in=CITY_SHARES)}
    unit = sum(CITY_SHARES.values())
    CityQuota.objects.bulk_create(
        CityQuota(cohort=cohort, city=cities[code], seats=-(-share * size // unit))
        for code, share in CITY_SHARES.items()
    )
    HostCapacity.objects.bulk_create(
        HostCapacity(cohort=cohort, department=d, seats=seats[d.pk]) for d in departments
    )
    officials = add_officials(cohort, size, cities, departments, username_stem, completed)
    attachments = add_attachments(cohort, officials, departments, seats, coordinator)
    activities = add_activities(cohort, officials, departments, coordinator)
    add_notices(cohort, officials, attachments, activities, now)


def add_officials(cohort, size, cities, departments, username_stem, completed) -> list:
    """Officials with accounts, two interests and three ranked wishes each, from the home cities
    in the quotas' proportions."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from exchange.models import FocusArea
    from exchange.roles import Role
    from participants.models import HostPreference, Participant

    User = get_user_model()
    users = User.objects.bulk_create(
        (
            User(
                username=f"{username_stem}-{i:05d}",
                email=f"{username_stem}-{i:05d}@example.org",
                first_name=f"Official {i:05d}",
                last_name=username_stem,
                password="!",  # noqa: S106 (an unusable password)
            )
            for i in range(size)
        ),
        batch_size=CHUNK,
    )
    group = Group.objects.get(name=Role.PARTICIPANT.value)
    User.groups.through.objects.bulk_create(
        (User.groups.through(user_id=u.pk, group_id=group.pk) for u in users), batch_size=CHUNK
    )

    def status(i: int) -> str:
        if withdrawn(i):
            return Participant.Status.WITHDRAWN
        if completed:
            return Participant.Status.COMPLETED
        return Participant.Status.NOMINATED if nominated(i) else Participant.Status.CONFIRMED

    home_codes = [code for code, share in CITY_SHARES.items() for _n in range(share)]
    ranks = [value for value, _label in Participant.Rank.choices]
    officials = Participant.objects.bulk_create(
        (
            Participant(
                cohort=cohort,
                name_en=f"Official {username_stem} {i:05d}",
                name_zh=f"官员{i:05d}",
                home_city=cities[home_codes[i % len(home_codes)]],
                home_organisation="Municipal Development and Reform Commission",
                post_title="Division Director",
                rank=ranks[i % len(ranks)],
                email=user.email,
                phone=f"+86 755 {i:08d}",
                preferred_language=LANGUAGES[i % len(LANGUAGES)],
                status=status(i),
                user=user,
            )
            for i, user in enumerate(users)
        ),
        batch_size=CHUNK,
    )
    areas = list(FocusArea.objects.order_by("pk"))
    Participant.focus_areas.through.objects.bulk_create(
        (
            Participant.focus_areas.through(participant_id=p.pk, focusarea_id=area.pk)
            for i, p in enumerate(officials)
            for area in {areas[i % len(areas)], areas[(3 * i + 1) % len(areas)]}
        ),
        batch_size=CHUNK,
    )
    HostPreference.objects.bulk_create(
        (
            HostPreference(
                participant=p, department=departments[(i + n) % len(departments)], rank=n + 1
            )
            for i, p in enumerate(officials)
            for n in range(3)
        ),
        batch_size=CHUNK,
    )
    return officials


def add_attachments(cohort, officials, departments, seats, coordinator) -> list:
    """Live attachments within the seats (1 in 7 still proposed in a running cohort); a withdrawn
    official's attachment was cancelled. Each has its history record, as the services leave."""
    from django.utils import timezone

    from exchange.models import Cohort
    from placements.models import Attachment

    completed = cohort.status == Cohort.Status.COMPLETED
    now = timezone.now()
    week0 = cohort.orientation_start + datetime.timedelta(weeks=1)
    skip = {i for i in range(len(officials)) if withdrawn(i) or unplaced(i)}
    plan = plan_attachments(len(officials), departments, seats, skip=skip)
    plan += [
        (i, departments[i % len(departments)], 0, 4)
        for i in range(len(officials))
        if withdrawn(i) and not unplaced(i)
    ]
    rows = []
    for i, department, first, weeks in plan:
        start = week0 + datetime.timedelta(weeks=first)
        if withdrawn(i):
            status = Attachment.Status.CANCELLED
        elif i % 7 == 3 and not completed:
            status = Attachment.Status.PROPOSED
        else:
            status = Attachment.Status.CONFIRMED
        rows.append(
            Attachment(
                participant=officials[i],
                department=department,
                start=start,
                end=start + datetime.timedelta(weeks=weeks, days=-3),
                status=status,
                published_at=None if status == Attachment.Status.PROPOSED else now,
                supervisor="Ms Supervisor",
                supervisor_email="supervisor@example.org",
                assigned_by=coordinator,
            )
        )
    attachments = Attachment.objects.bulk_create(rows, batch_size=CHUNK)

    History = Attachment.history.model
    assigned_at = at(cohort.orientation_start - datetime.timedelta(days=21), 10)
    records = []
    for n, a in enumerate(attachments):
        fields = {
            "id": a.pk,
            "participant_id": a.participant_id,
            "department_id": a.department_id,
            "start": a.start,
            "end": a.end,
            "supervisor": a.supervisor,
            "supervisor_email": a.supervisor_email,
            "assigned_by_id": coordinator.pk,
            "created_at": a.created_at,
            "updated_at": a.updated_at,
            "history_user_id": coordinator.pk,
        }
        when = assigned_at + datetime.timedelta(seconds=n)
        first_status = (
            Attachment.Status.PROPOSED
            if a.status == Attachment.Status.PROPOSED
            else Attachment.Status.CONFIRMED
        )
        records.append(History(**fields, status=first_status, history_type="+", history_date=when))
        if a.status == Attachment.Status.CANCELLED:
            records.append(
                History(
                    **fields,
                    status=a.status,
                    history_type="~",
                    history_date=when + datetime.timedelta(days=10),
                    history_change_reason="withdrawn",
                )
            )
    History.objects.bulk_create(records, batch_size=CHUNK)
    return attachments


def add_activities(cohort, officials, departments, coordinator) -> list:
    """The orientation week (three sessions a day), a forum each Tuesday (one cancelled), a
    briefing at every department in the first week, a visit to one department in ten, and a
    workshop for ten named officials per 50."""
    from placements.models import Activity

    start = cohort.orientation_start
    week0 = start + datetime.timedelta(weeks=1)
    common = {"cohort": cohort, "created_by": coordinator}

    def activity(day: datetime.date, hour: int, minute: int, minutes: int, **fields):
        starts = at(day, hour, minute)
        ends = starts + datetime.timedelta(minutes=minutes)
        return Activity(**common, starts_at=starts, ends_at=ends, **fields)

    activities = [
        activity(
            start + datetime.timedelta(days=day),
            hour,
            minute,
            length,
            kind=Activity.Kind.ORIENTATION_SESSION,
            title=f"Orientation day {day + 1}: {title}",
            location="Civil Service College, lecture theatre",
        )
        for day in range(5)
        for hour, minute, length, title in ORIENTATION_SESSIONS
    ]
    activities += [
        activity(
            week0 + datetime.timedelta(weeks=week, days=1),
            14,
            30,
            120,
            kind=Activity.Kind.INDUSTRY_FORUM,
            title=f"Weekly forum {week + 1}",
            description="Officials share what they saw at their departments this week.",
            location="Civil Service College, seminar room 1",
            status=Activity.Status.CANCELLED if week == 6 else Activity.Status.SCHEDULED,
            sequence=1 if week == 6 else 0,
        )
        for week in range(8)
    ]
    for n, department in enumerate(departments):
        activities.append(
            activity(
                week0 + datetime.timedelta(days=2),
                10,
                0,
                90,
                kind=Activity.Kind.DEPARTMENTAL_BRIEFING,
                title=f"Welcome briefing at {department.abbreviation}",
                location=department.address_en,
                department=department,
                audience=Activity.Audience.DEPARTMENT,
            )
        )
        if n % 10 == 0:
            activities.append(
                activity(
                    week0 + datetime.timedelta(weeks=5, days=3),
                    14,
                    0,
                    180,
                    kind=Activity.Kind.SITE_VISIT,
                    title=f"Site visit with {department.abbreviation}",
                    location="Tseung Kwan O Industrial Estate",
                    department=department,
                    audience=Activity.Audience.DEPARTMENT,
                )
            )
    workshops = [
        activity(
            week0 + datetime.timedelta(weeks=2 + block // 50 % 5, days=3),
            9,
            30,
            150,
            kind=Activity.Kind.SPECIALISED_PROJECT,
            title=f"Specialised project workshop {block // 50 + 1}",
            location="Central Government Offices, conference room 3",
            audience=Activity.Audience.NAMED,
        )
        for block in range(0, len(officials), 50)
    ]
    Activity.objects.bulk_create([*activities, *workshops], batch_size=CHUNK)
    Activity.participants.through.objects.bulk_create(
        (
            Activity.participants.through(activity_id=w.pk, participant_id=officials[i].pk)
            for n, w in enumerate(workshops)
            for i in range(n * 50, min(n * 50 + 10, len(officials)))
        ),
        batch_size=CHUNK,
    )
    return [*activities, *workshops]


def add_notices(cohort, officials, attachments, activities, now: datetime.datetime) -> None:
    """The notices sent so far, as the services and the planner record them (same dedupe keys):
    orientation notice and reminders, new attachments (to the official and the liaison),
    attachment start and end reminders, reminders of the first session and of the forums."""
    from django.contrib.contenttypes.models import ContentType

    from exchange.models import HostCapacity, Notification
    from participants.models import Participant
    from participants.notices import ParticipantKind
    from placements.models import Activity, Attachment
    from placements.notices import PlacementKind

    types = ContentType.objects.get_for_models(Participant, Attachment, Activity)
    liaisons = dict(
        HostCapacity.objects.filter(cohort=cohort)
        .exclude(department__liaisons=None)
        .values_list("department_id", "department__liaisons")
    )
    by_official: dict[int, list] = {}
    for a in attachments:
        by_official.setdefault(a.participant_id, []).append(a)
    first_session = f"Orientation day 1: {ORIENTATION_SESSIONS[0][3]}"
    reminded = [
        a
        for a in activities
        if a.status == Activity.Status.SCHEDULED
        and (a.kind == Activity.Kind.INDUSTRY_FORUM or a.title == first_session)
    ]
    start = cohort.orientation_start
    assigned_at = at(start - datetime.timedelta(days=21), 10)

    def notice(kind, related, user_id, language, key, scheduled, context=None, read=True):
        return Notification(
            recipient_id=user_id,
            kind=kind,
            content_type=types[type(related)],
            object_id=related.pk,
            cohort=cohort,
            language=language,
            scheduled_at=scheduled,
            status=Notification.Status.SENT,
            attempts=1,
            last_attempt_at=scheduled,
            sent_at=scheduled + datetime.timedelta(seconds=30),
            read_at=scheduled + datetime.timedelta(hours=3) if read else None,
            dedupe_key=f"{key}:user:{user_id}",
            context=context or {},
        )

    def reminder(kind, related, p, key, event, offset, read):
        """The reminder `offset` days before `event` (a date or a datetime), if due by now."""
        if isinstance(event, datetime.datetime):
            event = event.astimezone(datetime.UTC)  # as it comes back from the database
            scheduled, context = event, {"event_at": event.isoformat()}
        else:
            scheduled, context = at(event, 9), {"event_date": event.isoformat()}
        scheduled -= datetime.timedelta(days=offset)
        if scheduled > now:
            return []
        context["days_before"] = offset
        key = f"{key}:{event.isoformat()}:d{offset}"
        return [
            notice(kind, related, p.user_id, p.preferred_language, key, scheduled, context, read)
        ]

    def notices():
        for i, p in enumerate(officials):
            read = i % 5 != 0
            yield notice(
                ParticipantKind.ORIENTATION_NOTICE,
                p,
                p.user_id,
                p.preferred_language,
                f"orientation_notice:participant:{p.pk}",
                at(start - datetime.timedelta(days=30), 11),
            )
            for a in by_official.get(p.pk, []):
                created = f"created:attachment:{a.pk}:v0"
                kind = PlacementKind.ATTACHMENT_CREATED
                yield notice(kind, a, p.user_id, p.preferred_language, created, assigned_at)
                if a.department_id in liaisons:
                    yield notice(kind, a, liaisons[a.department_id], "en", created, assigned_at)
                if a.status != Attachment.Status.CONFIRMED:
                    continue
                for kind, day, offset in (
                    (PlacementKind.ATTACHMENT_START_REMINDER, a.start, 3),
                    (PlacementKind.ATTACHMENT_END_REMINDER, a.end, 7),
                ):
                    yield from reminder(kind, a, p, f"{kind}:attachment:{a.pk}", day, offset, read)
            if p.status == Participant.Status.WITHDRAWN:
                continue
            for offset in (7, 1):
                yield from reminder(
                    ParticipantKind.ORIENTATION_REMINDER,
                    p,
                    p,
                    f"orientation_reminder:participant:{p.pk}",
                    start,
                    offset,
                    read,
                )
            for activity in reminded:
                kind = PlacementKind.ACTIVITY_REMINDER
                key = f"{kind}:activity:{activity.pk}"
                yield from reminder(kind, activity, p, key, activity.starts_at, 1, read)

    batch = []
    for row in notices():
        batch.append(row)
        if len(batch) == CHUNK:
            Notification.objects.bulk_create(batch)
            batch = []
    Notification.objects.bulk_create(batch)


def seed() -> None:
    """The history and the running cohorts, each built only when missing or out of date; prints
    the database's totals as JSON."""
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.db import connection, transaction
    from django.db.models import Count
    from django.utils import timezone

    from demo.seed import seed_reference_data
    from exchange.models import Cohort, HostDepartment, Notification
    from exchange.roles import Role
    from participants.models import Participant
    from placements.models import Activity, Attachment

    seed_reference_data()
    coordinator, _created = get_user_model().objects.get_or_create(
        username=COORDINATOR,
        defaults={"email": "bench-coordinator@example.org", "first_name": "Bench"},
    )
    coordinator.groups.add(Group.objects.get(name=Role.COORDINATOR.value))
    anchor = anchor_monday()
    expected = {running_name(size): ("running", size) for size in SIZES}
    for year in range(anchor.year - HISTORY_YEARS, anchor.year):
        for season, month in (("Spring", 3), ("Autumn", 9)):
            expected[history_name(year, season)] = ("history", (year, month))

    # Delete what is stale: other versions, other years, running cohorts of another week.
    stale = []
    counts = dict(
        Participant.objects.filter(cohort__name__startswith="Bench pages ")
        .values_list("cohort_id")
        .annotate(n=Count("pk"))
    )
    for cohort in Cohort.objects.filter(name__startswith="Bench pages "):
        kind, detail = expected.get(cohort.name, (None, None))
        if kind == "running":
            fresh = cohort.orientation_start == anchor - datetime.timedelta(weeks=2)
            fresh = fresh and counts.get(cohort.pk) == detail
        else:
            fresh = kind == "history" and counts.get(cohort.pk) == HISTORY_COHORT_SIZE
        if not fresh:
            stale.append(cohort.pk)
    with transaction.atomic():
        purge(stale)
    present = set(Cohort.objects.filter(name__in=expected).values_list("name", flat=True))
    missing = [name for name in expected if name not in present]

    by_size = ensure_departments()
    pool = [*HostDepartment.objects.exclude(abbreviation__startswith="BP"), *by_size[SIZES[-1]]]
    pool += [d for size in SIZES[:-1] for d in by_size[size]]
    seats = {d.pk: seats_of(n) for n, d in enumerate(pool)}
    for size in SIZES:
        seats.update({d.pk: seats_of(n) for n, d in enumerate(by_size[size])})
    now = timezone.now()
    for number, name in enumerate(sorted(missing)):
        kind, detail = expected[name]
        print(f"  building {name}", file=sys.stderr, flush=True)
        with transaction.atomic():
            if kind == "running":
                build_cohort(
                    name=name,
                    size=detail,
                    orientation_start=anchor - datetime.timedelta(weeks=2),
                    departments=by_size[detail],
                    seats=seats,
                    username_stem=f"bp{VERSION}-c{detail}",
                    now=now,
                    completed=False,
                    coordinator=coordinator,
                )
            else:
                year, month = detail
                # Past cohorts spread over all the departments, so every one has a history.
                needed = departments_needed(HISTORY_COHORT_SIZE)
                first = (number * 37) % len(pool)
                departments = [pool[(first + n) % len(pool)] for n in range(needed)]
                build_cohort(
                    name=name,
                    size=HISTORY_COHORT_SIZE,
                    orientation_start=first_monday(year, month),
                    departments=departments,
                    seats=seats,
                    username_stem=f"bp{VERSION}-h{year}{month:02d}",
                    now=now,
                    completed=True,
                    coordinator=coordinator,
                )
    if missing or stale:
        # As autovacuum would after such a load: the query planner needs fresh statistics.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    history = Cohort.objects.filter(name__startswith=PREFIX, status=Cohort.Status.COMPLETED)
    totals = {
        "cohorts": Cohort.objects.count(),
        "history_cohorts": history.count(),
        "history_officials": Participant.objects.filter(cohort__in=history).count(),
        "participants": Participant.objects.count(),
        "attachments": Attachment.objects.count(),
        "attachment_history": Attachment.history.count(),
        "activities": Activity.objects.count(),
        "notifications": Notification.objects.count(),
        "departments": HostDepartment.objects.count(),
        "built": len(missing),
    }
    print(json.dumps(totals))


# Measuring ---------------------------------------------------------------------------------------


def timed_runs(once, runs: int, min_runs: int) -> list[dict]:
    """Call `once` (which returns a dict with at least `seconds`) up to `runs` times, stopping
    early once TIME_BUDGET is spent and `min_runs` are done."""
    results = []
    started = time.perf_counter()
    for _n in range(runs):
        results.append(once())
        if len(results) >= min_runs and time.perf_counter() - started > TIME_BUDGET:
            break
    return results


class Measured:
    """A block's wall time, its SQL queries (CaptureQueriesContext, on an emptied query log: its
    count is wrong once the log, which keeps the last 9,000, is full) and the time spent in them
    (from the database's execute calls)."""

    def __enter__(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        connection.queries_log.clear()
        self.capture = CaptureQueriesContext(connection)
        self.wrapper = connection.execute_wrapper(self.timed)
        self.sql_seconds = 0.0
        self.capture.__enter__()
        self.wrapper.__enter__()
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc_info):
        self.seconds = time.perf_counter() - self.started
        self.wrapper.__exit__(*exc_info)
        self.capture.__exit__(*exc_info)

    def timed(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.sql_seconds += time.perf_counter() - started

    def result(self, *, skip: str = "", **extra) -> dict:
        """Seconds, queries (leaving out those containing `skip`) and SQL seconds."""
        queries = [q for q in self.capture.captured_queries if not skip or skip not in q["sql"]]
        return {
            "seconds": self.seconds,
            "queries": len(queries),
            "sql_seconds": self.sql_seconds,
            **extra,
        }


def summary(target: str, size: int, results: list[dict], **extra) -> dict:
    median, p95 = median_p95([r["seconds"] for r in results])
    queries = [r["queries"] for r in results]
    return {
        "target": target,
        "size": size,
        "runs": len(results),
        "median_ms": median * 1000,
        "p95_ms": p95 * 1000,
        "sql_ms": median_p95([r["sql_seconds"] for r in results])[0] * 1000,
        "queries_min": min(queries),
        "queries_max": max(queries),
        **extra,
    }


def measure_page(target: str, size: int, runs: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from exchange.models import Cohort, HostDepartment
    from participants.models import Participant

    User = get_user_model()
    cohort = Cohort.objects.get(name=running_name(size))
    official = Participant.objects.select_related("user").get(
        cohort=cohort, user__username=f"bp{VERSION}-c{size}-00001"
    )
    department = HostDepartment.objects.get(abbreviation=department_code(size, 0))
    client = Client()
    if target in ("dashboard", "board", "timeline"):
        client.force_login(User.objects.get(username=COORDINATOR))
        url = reverse(f"placements:cohort_{target}", args=[cohort.pk])
    elif target == "schedule":
        client.force_login(official.user)
        url = reverse("placements:my_schedule")
    elif target == "feed":
        url = reverse("placements:calendar_feed", kwargs={"token": official.calendar_token})
    else:
        client.force_login(department.liaisons.get())
        url = reverse("placements:liaison_attachees")

    def once() -> dict:
        with Measured() as measured:
            response = client.get(url)
            body = response.content
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        return measured.result(bytes=len(body))

    once()  # warm-up: templates, translations, content types
    results = timed_runs(once, runs, PAGE_MIN_RUNS)
    return summary(target, size, results, bytes=results[-1]["bytes"])


def due_batch(cohort, count: int, tag: str) -> list:
    """`count` pending notices about the cohort, due now and worth sending: orientation notices,
    new attachments (to the official and to the liaison), activity and attachment-end reminders,
    round the officials in turn, each in its recipient's language."""
    from django.contrib.contenttypes.models import ContentType
    from django.utils import timezone

    from exchange.models import Notification
    from participants.models import Participant
    from participants.notices import ParticipantKind
    from placements.models import Activity, Attachment
    from placements.notices import PlacementKind

    attachments = list(
        Attachment.objects.filter(
            participant__cohort=cohort,
            participant__status=Participant.Status.CONFIRMED,
            status=Attachment.Status.CONFIRMED,
        )
        .select_related("participant")
        .prefetch_related("department__liaisons")
        .order_by("participant__name_en", "start")
    )
    activities = list(
        Activity.objects.filter(
            cohort=cohort, audience=Activity.Audience.COHORT, status=Activity.Status.SCHEDULED
        ).order_by("starts_at")
    )
    types = ContentType.objects.get_for_models(Participant, Attachment, Activity)
    now = timezone.now()
    rows = []
    for n in range(count):
        attachment = attachments[(n // 5) % len(attachments)]
        official = attachment.participant
        kind, related, recipient, context = {
            0: (ParticipantKind.ORIENTATION_NOTICE, official, official.user_id, {}),
            1: (PlacementKind.ATTACHMENT_CREATED, attachment, official.user_id, {}),
            2: (
                PlacementKind.ATTACHMENT_CREATED,
                attachment,
                attachment.department.liaisons.all()[0].pk,
                {},
            ),
            3: (
                PlacementKind.ACTIVITY_REMINDER,
                activities[n % len(activities)],
                official.user_id,
                {"event_at": activities[n % len(activities)].starts_at.isoformat()},
            ),
            4: (
                PlacementKind.ATTACHMENT_END_REMINDER,
                attachment,
                official.user_id,
                {"event_date": attachment.end.isoformat(), "days_before": 7},
            ),
        }[n % 5]
        rows.append(
            Notification(
                recipient_id=recipient,
                kind=kind,
                content_type=types[type(related)],
                object_id=related.pk,
                cohort=cohort,
                language="en" if n % 5 == 2 else official.preferred_language,
                scheduled_at=now - datetime.timedelta(minutes=1),
                dedupe_key=f"bench-dispatch:{tag}:{n}",
                context=context,
            )
        )
    return Notification.objects.bulk_create(rows)


def measure_dispatch(size: int, runs: int) -> dict:
    from django.core import mail
    from django.utils import timezone

    from exchange.models import Cohort, Notification
    from exchange.notifications.services import notifications_dispatch

    cohort = Cohort.objects.get(name=running_name(size))
    Notification.objects.filter(dedupe_key__startswith="bench-dispatch:").delete()
    others = Notification.objects.filter(
        status=Notification.Status.PENDING, scheduled_at__lte=timezone.now()
    ).count()
    if others:
        raise SystemExit(f"{others} other notices are due: the batches would not be ours")
    counter = iter(range(10**6))

    def once(count: int = DISPATCH_BATCH) -> dict:
        batch = due_batch(cohort, count, f"{size}:{next(counter)}")
        mail.outbox = []
        try:
            with Measured() as measured:
                ids = notifications_dispatch(batch_size=count, sync=True)
            sent = Notification.objects.filter(
                pk__in=[n.pk for n in batch], status=Notification.Status.SENT
            ).count()
            if sorted(ids) != sorted(n.pk for n in batch) or sent != count:
                raise SystemExit(f"dispatch sent {sent} of {count}")
            if len(mail.outbox) != count:
                raise SystemExit(f"{len(mail.outbox)} mails for {count} notices")
            size_bytes = sum(len(m.message().as_bytes()) for m in mail.outbox)
        finally:
            Notification.objects.filter(pk__in=[n.pk for n in batch]).delete()
        return measured.result(bytes=size_bytes)

    once(20)  # warm-up
    results = timed_runs(once, runs, SERVICE_MIN_RUNS)
    return summary("dispatch", size, results, notices=DISPATCH_BATCH, bytes=results[-1]["bytes"])


def measure_planner(size: int, runs: int) -> dict:
    from django.db import transaction

    from exchange.models import Cohort
    from exchange.notifications.planner import reminders_plan

    cohort = Cohort.objects.get(name=running_name(size))
    moment = planner_moment(cohort)

    def once() -> dict:
        with transaction.atomic():
            # One cohort's reminders: the other running cohorts are set aside, for this run only.
            Cohort.objects.filter(name__startswith=PREFIX).exclude(pk=cohort.pk).exclude(
                status=Cohort.Status.COMPLETED
            ).update(status=Cohort.Status.COMPLETED)
            with Measured() as measured:
                result = reminders_plan(now=moment)
            transaction.set_rollback(True)
        if not result.created:
            raise SystemExit("the planner recorded no reminder")
        # The savepoint of the planner's atomic block inside this rolled-back one is not its own.
        return measured.result(skip="SAVEPOINT", created=result.created)

    once()  # warm-up
    results = timed_runs(once, runs, SERVICE_MIN_RUNS)
    return summary("planner", size, results, notices=results[-1]["created"])


def measure(target: str, size: int, runs: int) -> None:
    import django

    django.setup()
    if target == "dispatch":
        result = measure_dispatch(size, runs)
    elif target == "planner":
        result = measure_planner(size, runs)
    else:
        result = measure_page(target, size, runs)
    print(json.dumps(result))


# Report ------------------------------------------------------------------------------------------


# The goals of issue 13, at its largest cohort (3,000 officials).
GOALS = {"dashboard": "median < 300 ms", "timeline": "median < 300 ms", "board": "median < 100 ms"}


def goal_of(result: dict) -> str:
    if result["target"] == "dispatch":
        return "≤ 3 queries a notice"
    if result["size"] == SIZES[-1] and result["target"] in GOALS:
        return GOALS[result["target"]]
    return "flat queries"


def queries_text(result: dict) -> str:
    if result["queries_min"] == result["queries_max"]:
        return f"{result['queries_max']:,}"
    return f"{result['queries_min']:,}–{result['queries_max']:,}"


def findings(results: list[dict], totals: dict) -> str:
    """What the numbers show, worked out from them: whether each page makes the same queries at
    every size, and how much its time grows from the smallest cohort to the largest."""
    by = {(r["target"], r["size"]): r for r in results}
    small, middle, large = SIZES[0], SIZES[len(SIZES) // 2], SIZES[-1]
    factor = large // small

    def names(targets) -> str:
        words = [SHORT_NAMES[t] for t in targets]
        return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0]

    def counts(target) -> set[int]:
        return {by[target, s][k] for s in SIZES for k in ("queries_min", "queries_max")}

    def span(values, digits=0) -> str:
        low, high = f"{min(values):,.{digits}f}", f"{max(values):,.{digits}f}"
        return low if low == high else f"{low} to {high}"

    text = []
    varying = [t for t in PAGES if len(counts(t)) > 1]
    if varying:
        text.append(f"The number of queries changes with the size for the {names(varying)}.")
    else:
        text.append(
            f"Every page makes the same number of queries at {small}, {SIZES[1]:,} and "
            f"{large:,} officials ({span([q for t in PAGES for q in counts(t)])})."
        )
    dispatch = [by["dispatch", s]["queries_max"] / by["dispatch", s]["notices"] for s in SIZES]
    per_notice = [by["dispatch", s]["median_ms"] / by["dispatch", s]["notices"] for s in SIZES]
    planner = [by["planner", s] for s in SIZES]
    text.append(
        f"The dispatcher makes {span(dispatch, 1)} queries per notice at every size (a batch is "
        "taken in one statement, loaded in one query per kind of object, and each sent notice "
        f"recorded in one) and takes {span(per_notice, 1)} ms a notice; the planner makes "
        f"{planner[0]['queries_max']} queries for "
        f"{planner[0]['notices']:,} reminders and {planner[-1]['queries_max']} for "
        f"{planner[-1]['notices']:,} (two more per 2,000 recorded)."
    )
    ratio = {t: by[t, large]["median_ms"] / by[t, small]["median_ms"] for t in PAGES}
    flat = [t for t in PAGES if ratio[t] < 2]
    gentle = [t for t in PAGES if 2 <= ratio[t] < 10]
    steep = [t for t in PAGES if ratio[t] >= 10]
    if flat:
        text.append(
            f"From {small} to {large:,} officials ({factor} times as many) the {names(flat)} "
            "take about the same time: what they show (one official, one department) does not "
            "grow with the cohort."
        )
    if gentle:
        verb = "grows" if len(gentle) == 1 else "grow"
        growth = ", ".join(f"{ratio[t]:.1f}×" for t in gentle)
        text.append(f"The {names(gentle)} {verb} gently ({growth}).")
    if steep:
        growth = " and ".join(f"{ratio[t]:.0f}×" for t in steep)
        timings = " and ".join(
            f"{by[t, large]['median_ms'] / 1000:.1f} s (SQL {by[t, large]['sql_ms']:.0f} ms)"
            for t in steep
        )
        text.append(
            f"The {names(steep)} do not: {growth} for {factor} times the officials, {timings} "
            f"at {large:,}."
        )
        if {"dashboard", "timeline"} & set(steep):
            text.append(
                "Their queries are few and a small part of the time; the rest is Python laying "
                "out and rendering the page "
                f"({by['timeline', large]['bytes'] / 1024 / 1024:.1f} MB of timeline HTML at "
                f"{large:,}). Attachments "
                "are grouped by department in one pass (`_group_by_department` in "
                "placements/selectors.py), so neither picks them out department by department. "
                f"A real cohort has {small} officials; at {middle:,}, ten times that, these "
                "pages answer in "
                + " and ".join(f"{by[t, middle]['median_ms']:.0f} ms" for t in steep)
                + "."
            )
    text.append(
        f"Twenty years of history do not slow today's pages: with "
        f"{totals['history_officials']:,} past officials and {totals['notifications']:,} notices "
        f"in the same tables, the {small}-official cohort's pages answer in "
        f"{span([by[t, small]['median_ms'] for t in PAGES])} ms, of which SQL takes "
        f"{span([by[t, small]['sql_ms'] for t in PAGES], 1)} ms."
    )
    return wrap(" ".join(text))


def wrap(text: str, width: int = 95) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width=width, break_on_hyphens=False))


def write_report(results: list[dict], totals: dict, output: Path, database_url: str) -> None:
    import django

    lines = [
        "## Pages and notifications (`bench/pages.py`, `make bench`)",
        "",
        "{intro}",
        "",
        "| what | officials | runs | median (ms) | p95 (ms) | SQL (ms) | SQL queries | size (KB) "
        "| goal |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for result in results:
        what = LABELS[result["target"]]
        if result["target"] == "planner":
            what = f"Reminder planner: {result['notices']:,} reminders recorded"
        size = f"{result['bytes'] / 1024:,.1f}" if "bytes" in result else "–"
        lines.append(
            f"| {what} | {result['size']:,} | {result['runs']} | {result['median_ms']:,.1f} "
            f"| {result['p95_ms']:,.1f} | {result['sql_ms']:,.1f} | {queries_text(result)} "
            f"| {size} | {goal_of(result)} |"
        )
    lines += [
        "",
        "{summary}",
        "",
        "Measured {date} on {cpus} CPU(s) ({machine}), Python {python}, PostgreSQL {pg},",
        "Django {django}; the machine was shared with other work, so times are indicative.",
        "",
    ]
    intro = (
        "Today's pages requested through the real views with Django's test client, logged in "
        "as the role that uses them, for running cohorts of {sizes} officials (each at host "
        "departments of its own with 4 to 8 seats, attachments within the seats on every day, "
        "activities, and the notices sent so far), next to twenty years of history: "
        "{history_cohorts} completed cohorts with {history_officials:,} officials. The database "
        "then holds {participants:,} officials (with the roster benchmark's), {attachments:,} "
        "attachments, {activities:,} activities and {notifications:,} notices. Each measurement "
        "runs in a fresh process: a warm-up request, then up to {page_runs} timed ones (fewer "
        "once {budget:.0f} s are spent, at least {page_min}); each request's SQL queries are "
        "counted (session and user included) and timed (SQL column: the median time spent in "
        "them). The dispatcher sends batches of {batch} due notices of five kinds about the "
        "cohort (mail to locmem; the batch's lock and lease included; size: the mails), at least "
        "{service_min} batches after a warm-up. The planner plans one cohort's reminders at a "
        "fixed moment (a forum the next day, four-week attachments ending that week), rolled "
        "back after each run."
    ).format(
        **totals,
        sizes=", ".join(f"{s:,}" for s in SIZES[:-1]) + f" and {SIZES[-1]:,}",
        page_runs=PAGE_RUNS,
        budget=TIME_BUDGET,
        page_min=PAGE_MIN_RUNS,
        service_min=SERVICE_MIN_RUNS,
        batch=DISPATCH_BATCH,
    )
    text = "\n".join(lines).format(
        **environment(database_url),
        django=django.get_version(),
        intro=wrap(intro),
        summary=findings(results, totals),
    )
    write_section(output, text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT))
    parser.add_argument("--runs", type=int, default=PAGE_RUNS, help="timed requests per page")
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--measure", choices=PAGES + SERVICES, help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.seed:
        seed()
        return 0
    if args.measure:
        measure(args.measure, args.size, args.runs)
        return 0

    script = str(Path(__file__).relative_to(ROOT))
    print("Migrating and seeding the benchmark database (history once, this week's cohorts)...")
    prepare_database(args.database_url, SETTINGS)
    totals = json.loads(run([script, "--seed"], args.database_url, SETTINGS).splitlines()[-1])

    results = []
    for target in PAGES + SERVICES:
        runs = SERVICE_RUNS if target in SERVICES else args.runs
        for size in SIZES:
            command = [script, "--measure", target, "--size", str(size), "--runs", str(runs)]
            result = json.loads(run(command, args.database_url, SETTINGS))
            results.append(result)
            print(
                f"{target:>9} {size:>6,}: median {result['median_ms']:8.1f} ms, "
                f"p95 {result['p95_ms']:8.1f} ms, {queries_text(result):>7} queries "
                f"({result['runs']} runs)",
                flush=True,
            )
    write_report(results, totals, Path(args.output), args.database_url)
    print(f"Wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
