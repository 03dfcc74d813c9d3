"""Property tests: whatever the cohort, a suggested plan never breaks a hard rule.

Hypothesis draws cohorts (orientation on any weekday, any stay bounds, departments with few or no
seats, inactive ones, withdrawn and completed officials, published and draft attachments already
there, rotations allowed or not, a full re-plan or not). Every suggested row is then checked by
the rule service itself, `attachment_check`, written in the order `plan_accept` writes it, and
the seats of every department on every day are counted again across all rows.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchange.models import Cohort, HostCapacity
from participants.models import HostPreference, Participant
from placements import planning
from placements.models import Attachment
from placements.planning_selectors import planning_instance
from placements.planning_services import plan_suggest
from placements.services import attachment_check, day_counts
from tests.factories import (
    CityFactory,
    FocusAreaFactory,
    HostDepartmentFactory,
    ParticipantFactory,
)

START = datetime.date(2027, 3, 1)
STATUSES = [
    Participant.Status.CONFIRMED,
    Participant.Status.CONFIRMED,
    Participant.Status.NOMINATED,
    Participant.Status.WITHDRAWN,
    Participant.Status.COMPLETED,
]

departments_st = st.lists(
    st.fixed_dictionaries(
        {
            "seats": st.sampled_from([0, 1, 1, 2, 2, 2]),
            "active": st.sampled_from([True, True, True, True, False]),
            "capacity": st.sampled_from([True, True, True, True, False]),
            "areas": st.sets(st.integers(0, 1)),
        }
    ),
    min_size=1,
    max_size=3,
)
officials_st = st.lists(
    st.fixed_dictionaries(
        {
            "status": st.sampled_from(STATUSES),
            "wishes": st.permutations(range(3)).flatmap(
                lambda order: st.integers(0, 3).map(lambda n: order[:n])
            ),
            "areas": st.sets(st.integers(0, 1)),
            # Held already: (department, days after orientation, days, published).
            "held": st.none()
            | st.tuples(st.integers(0, 2), st.integers(1, 20), st.integers(0, 40), st.booleans()),
        }
    ),
    min_size=1,
    max_size=6,
)
cohorts_st = st.fixed_dictionaries(
    {
        "weekday": st.integers(0, 6),
        "orientation_days": st.integers(0, 6),
        "min_stay": st.integers(7, 42),
        "extra_stay": st.integers(0, 56),
        "rotations": st.booleans(),
        "replan": st.booleans(),
        "departments": departments_st,
        "officials": officials_st,
    }
)


def build(spec) -> Cohort:
    start = START + datetime.timedelta(days=spec["weekday"])
    cohort = Cohort.objects.create(
        name="Drawn cohort",
        orientation_start=start,
        orientation_end=start + datetime.timedelta(days=spec["orientation_days"]),
        min_stay_days=spec["min_stay"],
        max_stay_days=spec["min_stay"] + spec["extra_stay"],
        allow_rotations=spec["rotations"],
    )
    areas = [FocusAreaFactory(code=f"drawn-{n}") for n in range(2)]
    departments = []
    for n, drawn in enumerate(spec["departments"]):
        department = HostDepartmentFactory(abbreviation=f"H{n}", is_active=drawn["active"])
        department.focus_areas.set([areas[a] for a in drawn["areas"]])
        if drawn["capacity"]:
            HostCapacity.objects.create(cohort=cohort, department=department, seats=drawn["seats"])
        departments.append(department)
    city = CityFactory(code="SZ")
    for n, drawn in enumerate(spec["officials"]):
        official = ParticipantFactory(
            cohort=cohort,
            name_en=f"Official {n}",
            home_city=city,
            status=Participant.Status.CONFIRMED,
        )
        official.focus_areas.set([areas[a] for a in drawn["areas"]])
        HostPreference.objects.bulk_create(
            HostPreference(participant=official, department=departments[d], rank=rank)
            for rank, d in enumerate(drawn["wishes"], 1)
            if d < len(departments)
        )
        if drawn["held"] is not None:
            d, offset, days, published = drawn["held"]
            first = cohort.orientation_end + datetime.timedelta(days=offset)
            # Mostly a stay long enough and not too long; sometimes not, and then refused.
            last = max(first + datetime.timedelta(days=days), cohort.earliest_end)
            attempt = dict(
                participant=official,
                department=departments[d % len(departments)],
                start=first,
                end=min(last, cohort.latest_end) if days % 5 else last,
            )
            try:
                attachment_check(**attempt)
            except ValidationError:
                pass  # a drawn attachment the rules refuse is simply not there
            else:
                Attachment.objects.create(
                    **attempt,
                    status=Attachment.Status.CONFIRMED if published else Attachment.Status.PROPOSED,
                    # Confirmed means published (issue 10's drafts).
                    published_at=timezone.now() if published else None,
                )
        # The status last: a withdrawn official may have held an attachment before (cancelled
        # on withdrawal, as `participant_withdraw` does).
        if drawn["status"] != Participant.Status.CONFIRMED:
            Participant.objects.filter(pk=official.pk).update(status=drawn["status"])
            if drawn["status"] == Participant.Status.WITHDRAWN:
                official.attachments.update(status=Attachment.Status.CANCELLED)
    return cohort


def check_every_row(cohort: Cohort, replan: bool) -> planning.PlanSuggestion:
    loaded = planning_instance(cohort=cohort, replan=replan)
    suggestion = plan_suggest(cohort=cohort, by=None, replan=replan, time_limit=5)
    assert suggestion.status == planning.OPTIMAL
    assert planning.plan_violations(loaded.instance, suggestion) == []
    officials = Participant.objects.in_bulk({row.official for row in suggestion.rows})
    planned = {o.key for o in loaded.instance.officials}
    rows_of: dict[int, list[planning.PlanRow]] = {}
    for row in suggestion.rows:
        rows_of.setdefault(row.official, []).append(row)
    # As `plan_accept` does: every replaced draft cancelled first, then each official's rows,
    # the later part of a rotation first, each checked by the rules as the rows before it stand.
    for key in rows_of:
        official = officials[key]
        assert key in planned
        assert official.status in (Participant.Status.NOMINATED, Participant.Status.CONFIRMED)
        held = official.attachments.filter(status__in=Attachment.LIVE_STATUSES)
        assert not held.filter(status=Attachment.Status.CONFIRMED).exists()
        if not replan:
            assert not held.exists()
        held.update(status=Attachment.Status.CANCELLED)
    for key, rows in rows_of.items():
        official = officials[key]
        for row in sorted(rows, key=lambda r: r.start, reverse=True):
            department = HostCapacity.objects.get(
                cohort=cohort, department_id=row.department
            ).department
            assert department.is_active
            attachment_check(
                participant=official, department=department, start=row.start, end=row.end
            )
            Attachment.objects.create(
                participant=official, department=department, start=row.start, end=row.end
            )
    # A re-plan never leaves an official of its own without the drafts it replaced.
    assert (
        not {item.official for item in suggestion.unplaced}
        & {o.key for o in loaded.instance.officials if o.replaces}
        or not replan
    )
    # The seats on every day, counted again over everything live now.
    seats = dict(HostCapacity.objects.filter(cohort=cohort).values_list("department_id", "seats"))
    live = list(
        Attachment.objects.filter(participant__cohort=cohort, status__in=Attachment.LIVE_STATUSES)
    )
    if live:
        first, last = min(a.start for a in live), max(a.end for a in live)
        for department_id, limit in seats.items():
            here = [a for a in live if a.department_id == department_id]
            for day, there in day_counts(here, first, last).items():
                assert len(there) <= limit, (department_id, day)
    return suggestion


class Rollback(Exception):
    pass


@pytest.mark.django_db
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=cohorts_st)
def test_no_suggested_row_breaks_a_rule(spec):
    try:
        with transaction.atomic():
            cohort = build(spec)
            check_every_row(cohort, spec["replan"])
            raise Rollback
    except Rollback:
        pass


def instances_st():
    """Random instances for the solver alone (no database): many more, and larger."""

    @st.composite
    def draw(draw_from):
        weeks_count = draw_from(st.integers(1, 8))
        min_weeks = draw_from(st.integers(1, weeks_count))
        first = datetime.date(2027, 3, 8)
        weeks = tuple(
            planning.Week(
                first + datetime.timedelta(weeks=n), first + datetime.timedelta(weeks=n, days=6)
            )
            for n in range(weeks_count)
        )
        count = draw_from(st.integers(1, 5))
        departments = tuple(
            planning.Department(
                key=d,
                abbreviation=f"D{d}",
                free=tuple(
                    draw_from(
                        st.lists(st.integers(0, 3), min_size=weeks_count, max_size=weeks_count)
                    )
                ),
                focus_areas=frozenset(draw_from(st.sets(st.integers(0, 2)))),
            )
            for d in range(count)
        )
        officials = tuple(
            planning.Official(
                key=100 + o,
                name=f"O{o}",
                ranks={
                    d: rank
                    for rank, d in enumerate(draw_from(st.permutations(range(count)))[:3], 1)
                },
                focus_areas=frozenset(draw_from(st.sets(st.integers(0, 2)))),
            )
            for o in range(draw_from(st.integers(0, 12)))
        )
        return planning.PlanningInstance(
            weeks, min_weeks, departments, officials, allow_rotations=draw_from(st.booleans())
        )

    return draw()


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(instance=instances_st())
def test_the_solver_alone_keeps_the_model_s_rules(instance):
    suggestion = planning.solve(instance, time_limit=5)
    assert suggestion.status == planning.OPTIMAL
    assert planning.plan_violations(instance, suggestion) == []
    assert suggestion.placed + len(suggestion.unplaced) == len(instance.officials)
