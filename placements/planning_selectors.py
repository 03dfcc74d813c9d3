"""Reads for the plan suggestion: a cohort as the solver sees it (`planning.PlanningInstance`)."""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext

from exchange.models import Cohort, HostCapacity
from participants.models import HostPreference, Participant

from . import planning
from .models import Attachment

# Officials a plan may place; withdrawn and completed ones are never suggested.
PLANNED_STATUSES = (Participant.Status.NOMINATED, Participant.Status.CONFIRMED)


@dataclass
class LoadedInstance:
    instance: planning.PlanningInstance
    # Officials kept out of the plan because they hold a published (or, without a re-plan,
    # any live) attachment, by primary key.
    kept: list[int]


def planning_instance(
    *, cohort: Cohort, replan: bool = False, keep: frozenset[int] = frozenset()
) -> LoadedInstance:
    """The cohort as the solver sees it, in six queries whatever its size.

    Planned: officials nominated or confirmed without a live attachment, and, with `replan`,
    those whose live attachments are all drafts (`proposed`; the drafts are then replaced and
    their seats free), except the officials in `keep`. Every other live attachment of the
    cohort stays and holds its seat on its days. Departments: those with seats for the cohort
    and active; the others an official ranked are named in `unavailable`, so a reason can say
    why they were not given.
    """
    try:
        weights = planning.Weights.from_mapping(cohort.plan_weights)
    except (KeyError, TypeError, ValueError) as error:
        raise ValidationError(
            gettext("The cohort's plan suggestion weights are not valid: {error}").format(
                error=error
            )
        ) from error
    weeks, min_weeks = planning.week_grid(
        orientation_end=cohort.orientation_end,
        earliest_end=cohort.earliest_end,
        latest_end=cohort.latest_end,
    )
    officials = list(
        Participant.objects.filter(cohort=cohort, status__in=PLANNED_STATUSES)
        .prefetch_related(
            "focus_areas",
            Prefetch("preferences", queryset=HostPreference.objects.select_related("department")),
        )
        .order_by("pk")
    )
    live = list(
        Attachment.objects.filter(participant__cohort=cohort, status__in=Attachment.LIVE_STATUSES)
        .values_list("pk", "participant_id", "department_id", "start", "end", "status")
        .order_by("pk")
    )
    capacities = list(
        HostCapacity.objects.filter(cohort=cohort)
        .select_related("department")
        .prefetch_related("department__focus_areas")
        .order_by("department__abbreviation")
    )

    held: dict[int, list[tuple]] = {}
    for row in live:
        held.setdefault(row[1], []).append(row)
    planned: dict[int, tuple[int, ...]] = {}  # official → the drafts a re-plan replaces
    kept = []
    for official in officials:
        theirs = held.get(official.pk, [])
        if not theirs:
            planned[official.pk] = ()
        elif (
            replan
            and official.pk not in keep
            and all(row[5] == Attachment.Status.PROPOSED for row in theirs)
        ):
            planned[official.pk] = tuple(row[0] for row in theirs)
        else:
            kept.append(official.pk)
    replaced = {pk for drafts in planned.values() for pk in drafts}
    taken: dict[int, list[tuple[datetime.date, datetime.date]]] = {}
    for pk, _participant, department, start, end, _status in live:
        if pk not in replaced:
            taken.setdefault(department, []).append((start, end))

    departments = []
    unavailable: dict[int, planning.Unavailable] = {}
    for capacity in capacities:
        department = capacity.department
        if not department.is_active or capacity.seats == 0:
            why = planning.INACTIVE if not department.is_active else planning.NO_SEATS
            unavailable[department.pk] = planning.Unavailable(department.abbreviation, why)
            continue
        departments.append(
            planning.Department(
                key=department.pk,
                abbreviation=department.abbreviation,
                free=planning.free_seats(
                    seats=capacity.seats, weeks=weeks, taken=taken.get(department.pk, [])
                ),
                focus_areas=frozenset(area.pk for area in department.focus_areas.all()),
            )
        )
    in_plan = {d.key for d in departments}
    people = []
    for official in officials:
        if official.pk not in planned:
            continue
        for preference in official.preferences.all():
            department = preference.department
            if department.pk not in in_plan and department.pk not in unavailable:
                why = planning.INACTIVE if not department.is_active else planning.NO_SEATS
                unavailable[department.pk] = planning.Unavailable(department.abbreviation, why)
        people.append(
            planning.Official(
                key=official.pk,
                name=official.name_en,
                ranks={p.department_id: p.rank for p in official.preferences.all()},
                focus_areas=frozenset(area.pk for area in official.focus_areas.all()),
                replaces=planned[official.pk],
            )
        )
    instance = planning.PlanningInstance(
        weeks=weeks,
        min_weeks=min_weeks,
        departments=tuple(departments),
        officials=tuple(people),
        weights=weights,
        allow_rotations=cohort.allow_rotations,
        unavailable=unavailable,
    )
    return LoadedInstance(instance=instance, kept=kept)
