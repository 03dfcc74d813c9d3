"""The plan check: every finding of a cohort's placements before the draft is published.

Two severities. **Errors** are the hard rules of `placements.services` (orientation first, stay
bounds, no overlap, seats per day, inactive department): the services refuse them on every write,
so an error here means the cohort changed under the draft (a capacity lowered, the orientation
moved) and publishing would be refused; `plan_publish` checks them again under the locks.
**Warnings** never block: not among the official's wishes, no shared focus area, a department
whose officials all come from one city, a stay left below the minimum by a cancellation, a
department without a liaison officer, an attachment without a host supervisor.

One read of the cohort's live attachments and of what the rules need, computed in Python: a fixed
number of queries whatever the cohort's size.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext

from exchange.models import Cohort, HostCapacity, HostDepartment
from exchange.notifications.types import day as format_day
from participants.models import HostPreference, Participant

from .models import Attachment

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Finding:
    severity: str
    message: str
    participant_id: int | None = None
    attachment_id: int | None = None

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


@dataclass
class PlanCheck:
    """The draft of a cohort and what publishing it will send."""

    drafts: list[Attachment]
    findings: list[Finding]
    liaison_ids: set[int] = field(default_factory=set)

    @property
    def officials(self) -> int:
        return len({a.participant_id for a in self.drafts})

    @property
    def notices(self) -> int:
        """One notice per official with an account."""
        return len({a.participant_id for a in self.drafts if a.participant.user_id})

    @property
    def digests(self) -> int:
        return len(self.liaison_ids)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.is_error]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if not f.is_error]


def plan_check(*, cohort: Cohort, participants=None) -> PlanCheck:
    """The findings of every live attachment of the cohort (or of the given officials), and the
    draft that publishing would confirm. Seven queries."""
    live = list(
        Attachment.objects.filter(participant__cohort=cohort, status__in=Attachment.LIVE_STATUSES)
        .exclude(participant__status=Participant.Status.WITHDRAWN)
        .select_related("participant__home_city", "department")
        .order_by("participant_id", "start", "pk")
    )
    seats = {
        c.department_id: c.seats for c in HostCapacity.objects.filter(cohort=cohort).order_by()
    }
    wishes = defaultdict(set)
    for participant_id, department_id in HostPreference.objects.filter(
        participant__cohort=cohort
    ).values_list("participant_id", "department_id"):
        wishes[participant_id].add(department_id)
    interests = defaultdict(set)
    for participant_id, area_id in Participant.focus_areas.through.objects.filter(
        participant__cohort=cohort
    ).values_list("participant_id", "focusarea_id"):
        interests[participant_id].add(area_id)
    department_ids = {a.department_id for a in live}
    areas = defaultdict(set)
    for department_id, area_id in HostDepartment.focus_areas.through.objects.filter(
        hostdepartment_id__in=department_ids
    ).values_list("hostdepartment_id", "focusarea_id"):
        areas[department_id].add(area_id)
    liaisons = defaultdict(set)
    for department_id, user_id in HostDepartment.liaisons.through.objects.filter(
        hostdepartment_id__in=department_ids
    ).values_list("hostdepartment_id", "user_id"):
        liaisons[department_id].add(user_id)

    selected = None if participants is None else {p.pk for p in participants}
    findings: list[Finding] = []
    findings += _hard_findings(cohort, live, seats)
    findings += _soft_findings(cohort, live, wishes, interests, areas, liaisons)
    if selected is not None:
        findings = [f for f in findings if f.participant_id in selected]
    drafts = [
        a
        for a in live
        if a.status == Attachment.Status.PROPOSED
        and (selected is None or a.participant_id in selected)
    ]
    return PlanCheck(
        drafts=drafts,
        findings=findings,
        liaison_ids={user for a in drafts for user in liaisons[a.department_id]},
    )


def _hard_findings(cohort: Cohort, live: list[Attachment], seats: dict) -> list[Finding]:
    findings = []
    by_official = defaultdict(list)
    for attachment in live:
        by_official[attachment.participant_id].append(attachment)
        name, dept = attachment.participant.name_en, attachment.department.abbreviation
        if attachment.start <= cohort.orientation_end:
            findings.append(
                Finding(
                    ERROR,
                    gettext("{name} at {dept} starts before orientation ends.").format(
                        name=name, dept=dept
                    ),
                    attachment.participant_id,
                    attachment.pk,
                )
            )
        if not attachment.department.is_active:
            findings.append(
                Finding(
                    ERROR,
                    gettext("{dept} is no longer active, but {name} is attached to it.").format(
                        name=name, dept=dept
                    ),
                    attachment.participant_id,
                    attachment.pk,
                )
            )
    for attachments in by_official.values():
        name = attachments[0].participant.name_en
        for earlier, later in zip(attachments, attachments[1:], strict=False):
            if later.start <= earlier.end:
                findings.append(
                    Finding(
                        ERROR,
                        gettext("{name}'s attachments to {a} and {b} overlap.").format(
                            name=name,
                            a=earlier.department.abbreviation,
                            b=later.department.abbreviation,
                        ),
                        later.participant_id,
                        later.pk,
                    )
                )
        last = max(a.end for a in attachments)
        if last > cohort.latest_end:
            findings.append(
                Finding(
                    ERROR,
                    gettext("{name}'s stay would end on {day}, after the last day {last}.").format(
                        name=name, day=format_day(last), last=format_day(cohort.latest_end)
                    ),
                    attachments[0].participant_id,
                )
            )
    # Seats per department per day: count each day an attachment covers.
    taken = defaultdict(lambda: defaultdict(list))
    for attachment in live:
        day = attachment.start
        while day <= attachment.end:
            taken[attachment.department_id][day].append(attachment)
            day += datetime.timedelta(days=1)
    for department_id, days in taken.items():
        limit = seats.get(department_id, 0)
        for day in sorted(days):
            there = days[day]
            if len(there) > limit:
                findings.append(
                    Finding(
                        ERROR,
                        gettext(
                            "{dept} has {count} officials on {day} but {seats} seat(s)."
                        ).format(
                            dept=there[0].department.abbreviation,
                            count=len(there),
                            day=format_day(day),
                            seats=limit,
                        ),
                        there[-1].participant_id,
                        there[-1].pk,
                    )
                )
                break  # one finding per department is enough to act on
    return findings


def _soft_findings(cohort, live, wishes, interests, areas, liaisons) -> list[Finding]:
    findings = []
    last_end = {}
    cities_at = defaultdict(set)
    officials_at = defaultdict(set)
    for attachment in live:
        participant, department = attachment.participant, attachment.department
        name, dept = participant.name_en, department.abbreviation
        last_end[participant.pk] = max(attachment.end, last_end.get(participant.pk, attachment.end))
        cities_at[department.pk].add(participant.home_city.name)
        officials_at[department.pk].add(participant.pk)
        if wishes[participant.pk] and department.pk not in wishes[participant.pk]:
            findings.append(
                Finding(
                    WARNING,
                    gettext("{dept} is not among {name}'s wishes.").format(name=name, dept=dept),
                    participant.pk,
                    attachment.pk,
                )
            )
        elif (
            interests[participant.pk]
            and areas[department.pk]
            and not (interests[participant.pk] & areas[department.pk])
        ):
            findings.append(
                Finding(
                    WARNING,
                    gettext("{name} shares no focus area with {dept}.").format(
                        name=name, dept=dept
                    ),
                    participant.pk,
                    attachment.pk,
                )
            )
        if not attachment.supervisor:
            findings.append(
                Finding(
                    WARNING,
                    gettext("No host supervisor is named for {name} at {dept}.").format(
                        name=name, dept=dept
                    ),
                    participant.pk,
                    attachment.pk,
                )
            )
    departments = {a.department_id: a.department for a in live}
    for department_id, officials in officials_at.items():
        dept = departments[department_id].abbreviation
        if len(officials) >= 2 and len(cities_at[department_id]) == 1:
            findings.append(
                Finding(
                    WARNING,
                    gettext("All {count} officials at {dept} come from {city}.").format(
                        count=len(officials), dept=dept, city=next(iter(cities_at[department_id]))
                    ),
                )
            )
        if not liaisons[department_id]:
            findings.append(
                Finding(
                    WARNING,
                    gettext("{dept} has no liaison officer: nobody there will be told.").format(
                        dept=dept
                    ),
                )
            )
    names = {a.participant_id: a.participant.name_en for a in live}
    for participant_id, end in last_end.items():
        if end < cohort.earliest_end:
            findings.append(
                Finding(
                    WARNING,
                    gettext(
                        "{name}'s stay ends on {day}, before the shortest stay ({earliest})."
                    ).format(
                        name=names[participant_id],
                        day=format_day(end),
                        earliest=format_day(cohort.earliest_end),
                    ),
                    participant_id,
                )
            )
    return findings
