"""Demo attachments for `seed_demo`: most officials of the demo cohort placed, a few left for the
board, all through `placements.services` so the demo obeys the rules it shows.

The plan is computed from the cohort alone (dates, officials, preferences, capacities), so it is
the same on every run: an official whose live attachments already match it is left alone, which
makes the seed idempotent; one whose attachments differ (say, after `--cohort-start` moved the
cohort) has them cancelled and the planned ones created, so the demo follows the new dates.
"""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from exchange.models import Cohort, HostCapacity
from participants.models import Participant
from placements.models import Attachment
from placements.services import attachment_cancel, attachment_create

# Week offsets after orientation, as (first week, weeks) per attachment, cycling over officials:
# one long attachment, two four-week attachments at different departments, a later start.
PATTERNS = [[(0, 8)], [(0, 4), (4, 4)], [(1, 6)]]
# Officials left unassigned: the last of each home city, so the board has some to place.
UNASSIGNED_PER_CITY = 1
DEMO_RESET = _("demo data follows the cohort's new dates")


@dataclass(frozen=True)
class Planned:
    participant: Participant
    department_id: int
    start: datetime.date
    end: datetime.date
    confirmed: bool


def _first_monday_after(day: datetime.date) -> datetime.date:
    day += datetime.timedelta(days=1)
    return day + datetime.timedelta(days=(7 - day.weekday()) % 7)


def plan_attachments(cohort: Cohort) -> list[Planned]:
    """Which official goes where and when, respecting capacities on every day."""
    officials = list(
        Participant.objects.filter(cohort=cohort)
        .exclude(status=Participant.Status.WITHDRAWN)
        .select_related("home_city")
        .prefetch_related("preferences")
        .order_by("home_city__code", "pk")
    )
    by_city: dict[int, list[Participant]] = {}
    for official in officials:
        by_city.setdefault(official.home_city_id, []).append(official)
    placed = [
        official
        for group in by_city.values()
        for official in group[: max(len(group) - UNASSIGNED_PER_CITY, 0)]
    ]
    placed.sort(key=lambda p: p.pk)
    seats = dict(
        HostCapacity.objects.filter(cohort=cohort, department__is_active=True).values_list(
            "department_id", "seats"
        )
    )
    taken: dict[tuple[int, datetime.date], int] = {}
    monday = _first_monday_after(cohort.orientation_end)
    plan = []
    for index, official in enumerate(placed):
        wishes = [p.department_id for p in sorted(official.preferences.all(), key=lambda p: p.rank)]
        candidates = [d for d in wishes if d in seats] + sorted(d for d in seats if d not in wishes)
        used: set[int] = set()
        for first_week, weeks in PATTERNS[index % len(PATTERNS)]:
            start = monday + datetime.timedelta(weeks=first_week)
            end = start + datetime.timedelta(weeks=weeks, days=-3)  # ends on a Friday
            if end > cohort.latest_end:
                continue
            days = [start + datetime.timedelta(days=n) for n in range((end - start).days + 1)]
            for department_id in candidates:
                if department_id in used:
                    continue
                if all(taken.get((department_id, day), 0) < seats[department_id] for day in days):
                    for day in days:
                        taken[(department_id, day)] = taken.get((department_id, day), 0) + 1
                    used.add(department_id)
                    plan.append(Planned(official, department_id, start, end, index % 4 != 3))
                    break
    return plan


def seed_attachments(cohort: Cohort) -> int:
    """Bring the demo cohort's attachments to the plan; returns how many attachments changed."""
    plan = plan_attachments(cohort)
    coordinator = get_user_model().objects.filter(username="coordinator").first()
    wanted: dict[int, set[tuple[int, datetime.date, datetime.date]]] = {}
    for item in plan:
        wanted.setdefault(item.participant.pk, set()).add(
            (item.department_id, item.start, item.end)
        )
    live = Attachment.objects.filter(
        participant_id__in=list(wanted), status__in=Attachment.LIVE_STATUSES
    ).select_related("participant", "department")
    have: dict[int, list[Attachment]] = {}
    for attachment in live:
        have.setdefault(attachment.participant_id, []).append(attachment)
    stale = {
        pk
        for pk, periods in wanted.items()
        if {(a.department_id, a.start, a.end) for a in have.get(pk, [])} != periods
    }
    changes = 0
    # Cancel every stale attachment first, so that the new ones find their seats free.
    for pk in sorted(stale):
        for attachment in have.get(pk, []):
            attachment_cancel(attachment=attachment, by=coordinator, reason=str(DEMO_RESET))
            changes += 1
    departments = {
        c.department_id: c.department for c in cohort.host_capacities.select_related("department")
    }
    for item in plan:
        if item.participant.pk not in stale:
            continue
        try:
            attachment_create(
                participant=item.participant,
                department=departments[item.department_id],
                start=item.start,
                end=item.end,
                by=coordinator,
                confirmed=item.confirmed,
            )
        except ValidationError:
            # A coordinator's own demo change holds the seat; the demo keeps theirs.
            continue
        changes += 1
    return changes
