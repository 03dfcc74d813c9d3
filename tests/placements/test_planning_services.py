"""Suggesting a plan for a cohort in the database, keeping it, and accepting it as drafts.

The cohort of tests/placements/conftest.py: orientation 1–5 March 2027, stays of 28 to 91 days,
so attachments run whole weeks from Monday 8 March to Sunday 30 May, at least three weeks; DPO
and TD have two seats each.
"""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from demo.seed import DEMO_COHORT_NAME
from exchange.models import Cohort, HostCapacity
from participants.models import HostPreference, Participant
from placements import plan_rows, planning
from placements.models import Attachment, PlanSuggestion
from placements.planning_selectors import planning_instance
from placements.planning_services import (
    plan_accept,
    plan_suggest,
    plan_suggestion_accept,
    plan_suggestion_request,
    plan_suggestion_run,
)
from placements.services import attachment_create
from placements.tasks import suggest_plan
from tests.factories import FocusAreaFactory, HostCapacityFactory, HostDepartmentFactory
from tests.placements.conftest import day

pytestmark = pytest.mark.django_db

FIRST_MONDAY = day(3, 8)
LAST_SUNDAY = day(5, 30)


def wish(official, *departments):
    HostPreference.objects.bulk_create(
        HostPreference(participant=official, department=d, rank=rank)
        for rank, d in enumerate(departments, 1)
    )


def live(official):
    return list(
        Attachment.objects.filter(participant=official, status__in=Attachment.LIVE_STATUSES)
        .order_by("start")
        .values_list("department__abbreviation", "start", "end", "status")
    )


def test_the_instance_is_loaded_in_a_fixed_number_of_queries(
    cohort, dpo, td, make_official, django_assert_num_queries
):
    def load():
        with django_assert_num_queries(6):
            return planning_instance(cohort=cohort).instance

    wish(make_official("Chen"), dpo, td)
    assert len(load().officials) == 1
    area = FocusAreaFactory()
    for n in range(12):
        official = make_official(f"Official {n}")
        wish(official, td, dpo)
        official.focus_areas.add(area)
    attachment_create(
        participant=make_official("Placed"),
        department=dpo,
        start=FIRST_MONDAY,
        end=day(3, 28),
        by=None,
    )
    instance = load()
    assert len(instance.officials) == 13
    assert [d.abbreviation for d in instance.departments] == ["DPO", "TD"]


def test_the_instance_holds_who_may_be_planned_and_the_seats_left(
    cohort, dpo, td, make_official, coordinator
):
    free, draft, published, mixed = (make_official(n) for n in ("Free", "Draft", "Pub", "Mixed"))
    withdrawn = make_official("Gone", status=Participant.Status.WITHDRAWN)
    make_official("Done", status=Participant.Status.COMPLETED)
    closed = HostDepartmentFactory(abbreviation="EPD", is_active=False)
    HostCapacityFactory(cohort=cohort, department=closed, seats=3)
    wish(free, closed, dpo, HostDepartmentFactory(abbreviation="ITC"))
    draft_attachment = attachment_create(
        participant=draft, department=dpo, start=FIRST_MONDAY, end=day(3, 28), by=coordinator
    )
    attachment_create(
        participant=published,
        department=dpo,
        start=day(3, 15),
        end=day(4, 4),
        by=coordinator,
        confirmed=True,
    )
    attachment_create(
        participant=mixed,
        department=td,
        start=day(4, 5),
        end=day(4, 25),
        by=coordinator,
        confirmed=True,
    )
    attachment_create(
        participant=mixed, department=td, start=day(4, 26), end=day(5, 9), by=coordinator
    )

    loaded = planning_instance(cohort=cohort)
    instance = loaded.instance
    assert [o.name for o in instance.officials] == ["Free"]
    assert sorted(loaded.kept) == sorted([draft.pk, published.pk, mixed.pk])
    assert withdrawn.pk not in {o.key for o in instance.officials}
    assert len(instance.weeks) == 12 and instance.min_weeks == 3
    assert (instance.weeks[0].start, instance.weeks[-1].end) == (FIRST_MONDAY, LAST_SUNDAY)
    dpo_free = instance.departments[instance.index[dpo.pk]].free
    td_free = instance.departments[instance.index[td.pk]].free
    # DPO: the draft in weeks 1-3 and the published attachment in weeks 2-4.
    assert dpo_free[:5] == (1, 0, 0, 1, 2)
    assert td_free[3:10] == (2, 1, 1, 1, 1, 1, 2)
    assert {u.abbreviation: u.why for u in instance.unavailable.values()} == {
        "EPD": planning.INACTIVE,
        "ITC": planning.NO_SEATS,
    }

    replanned = planning_instance(cohort=cohort, replan=True)
    assert {o.name: o.replaces for o in replanned.instance.officials} == {
        "Free": (),
        "Draft": (draft_attachment.pk,),
    }
    assert replanned.instance.departments[0].free[:5] == (2, 1, 1, 1, 2)


def whole_stays(cohort):
    """Every stay the whole 12 weeks (13 with orientation): a department's seats then hold as
    many officials as it has seats, not more one after the other."""
    Cohort.objects.filter(pk=cohort.pk).update(min_stay_days=91)
    cohort.refresh_from_db()


def test_a_suggestion_is_accepted_as_drafts_within_every_rule(
    cohort, dpo, td, make_official, coordinator
):
    whole_stays(cohort)
    first, second, third = (make_official(n) for n in ("Chen", "Li", "Wang"))
    for official in (first, second, third):
        wish(official, dpo, td)
    suggestion = plan_suggest(cohort=cohort, by=coordinator)
    assert suggestion.status == planning.OPTIMAL and suggestion.placed == 3
    # DPO has two seats over the whole cohort, so one of the three goes to TD, their 2nd choice.
    assert suggestion.total_score == 100 + 100 + 60
    (second_choice,) = [row for row in suggestion.rows if row.abbreviation == "TD"]
    assert second_choice.blocked[0].abbreviation == "DPO"
    assert plan_rows.row_reason(plan_rows.rows_json([second_choice])[0]) == (
        "2nd choice: DPO full 8 March–14 March"
    )

    result = plan_accept(cohort=cohort, suggestion_rows=suggestion.rows, by=coordinator)
    assert result.refused == [] and len(result.created) == 3
    for official in (first, second, third):
        ((dept, start, end, status),) = live(official)
        assert (start, end, status) == (FIRST_MONDAY, LAST_SUNDAY, "proposed")
    assert {a.department.abbreviation for a in result.created} == {"DPO", "TD"}
    assert result.created[0].history.get().history_user == coordinator


def test_published_attachments_are_never_moved_and_drafts_only_with_a_replan(
    cohort, dpo, td, make_official, coordinator
):
    published, drafted, newcomer = (make_official(n) for n in ("Pub", "Draft", "New"))
    for official in (published, drafted, newcomer):
        wish(official, dpo, td)
    attachment_create(
        participant=published,
        department=td,
        start=FIRST_MONDAY,
        end=day(4, 4),
        by=coordinator,
        confirmed=True,
    )
    attachment_create(
        participant=drafted, department=td, start=FIRST_MONDAY, end=day(4, 4), by=coordinator
    )

    keep = plan_suggest(cohort=cohort, by=coordinator)
    assert {row.name for row in keep.rows} == {"New"}
    replan = plan_suggest(cohort=cohort, by=coordinator, replan=True)
    assert {row.name for row in replan.rows} == {"Draft", "New"}
    assert all(row.abbreviation == "DPO" for row in replan.rows)

    result = plan_accept(cohort=cohort, suggestion_rows=replan.rows, by=coordinator)
    assert result.refused == []
    assert [a.participant for a in result.cancelled] == [drafted]
    assert live(drafted) == [("DPO", FIRST_MONDAY, LAST_SUNDAY, "proposed")]
    assert live(published) == [("TD", FIRST_MONDAY, day(4, 4), "confirmed")]


def test_a_row_a_rule_refuses_is_reported_and_writes_nothing(
    cohort, dpo, make_official, coordinator
):
    chen, li = make_official("Chen"), make_official("Li")
    wish(chen, dpo)
    wish(li, dpo)
    suggestion = plan_suggest(cohort=cohort, by=coordinator)
    assert suggestion.placed == 2
    # Another coordinator fills DPO meanwhile, and places Li by hand.
    for name in ("Other 1", "Other 2"):
        attachment_create(
            participant=make_official(name),
            department=dpo,
            start=day(5, 17),
            end=LAST_SUNDAY,
            by=coordinator,
            confirmed=True,
        )
    attachment_create(
        participant=li, department=dpo, start=day(3, 8), end=day(4, 4), by=coordinator
    )

    result = plan_accept(cohort=cohort, suggestion_rows=suggestion.rows, by=coordinator)
    refused = {row["name"]: messages for row, messages in result.refused}
    assert "placed at DPO" in refused["Li"][0] and "suggest it again" in refused["Li"][0]
    assert refused["Chen"][0].startswith("DPO is full on 17 May 2027")
    assert result.created == []
    assert live(chen) == []


def test_a_stored_suggestion_is_computed_by_its_task_and_accepted_row_by_row(
    cohort, dpo, td, make_official, coordinator, django_capture_on_commit_callbacks
):
    whole_stays(cohort)
    officials = [make_official(n) for n in ("Chen", "Li", "Wang")]
    for official in officials:
        wish(official, td, dpo)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        stored = plan_suggestion_request(cohort=cohort, by=coordinator, time_limit=5)
        assert stored.status == PlanSuggestion.Status.QUEUED
    assert len(callbacks) == 1
    stored.refresh_from_db()
    assert (stored.status, stored.progress, stored.message) == ("done", 100, "")
    assert stored.step == "" and stored.error == ""
    assert stored.solver_status == "optimal" and stored.gap == 0
    assert (stored.placed, stored.total_score) == (3, 260)
    assert [row["state"] for row in stored.rows] == ["suggested"] * 3
    reasons = sorted(row["reason"] for row in stored.rows_with_reasons())
    assert reasons == ["1st choice", "1st choice", "2nd choice: TD full 8 March–14 March"]
    assert stored.unplaced_with_reasons() == [] and stored.accepted_count == 0
    assert stored.rows[0]["plan"] == [[stored.rows[0]["department"], "2027-03-08", "2027-05-30"]]
    assert stored.started_at <= stored.finished_at

    # Run again (a redelivered message): nothing changes.
    rows = stored.rows
    assert suggest_plan(cohort.pk, stored.pk) == "done"
    stored.refresh_from_db()
    assert stored.rows == rows

    first = plan_suggestion_accept(suggestion=stored, by=coordinator, row_ids=[0])
    assert len(first.created) == 1
    stored.refresh_from_db()
    assert [row["state"] for row in stored.rows] == ["accepted", "suggested", "suggested"]
    assert stored.accepted_count == 1
    assert stored.rows[0]["attachment"] == first.created[0].pk
    rest = plan_suggestion_accept(suggestion=stored, by=coordinator)
    assert len(rest.created) == 2 and rest.refused == []
    again = plan_suggestion_accept(suggestion=stored, by=coordinator)
    assert again.created == [] and again.refused == []
    assert Attachment.objects.filter(participant__cohort=cohort).count() == 3


def test_only_coordinators_suggest_and_accept(cohort, dpo, liaison, participant_user):
    for user in (liaison, participant_user):
        with pytest.raises(PermissionDenied):
            plan_suggest(cohort=cohort, by=user)
        with pytest.raises(PermissionDenied):
            plan_suggestion_request(cohort=cohort, by=user)
        with pytest.raises(PermissionDenied):
            plan_accept(cohort=cohort, suggestion_rows=[], by=user)


def test_an_official_of_another_cohort_is_refused(cohort, dpo, coordinator):
    from tests.factories import ParticipantFactory

    stranger = ParticipantFactory(name_en="Stranger")
    row = {
        "id": 0,
        "participant": stranger.pk,
        "name": "Stranger",
        "department": dpo.pk,
        "start": "2027-03-08",
        "end": "2027-05-30",
    }
    result = plan_accept(cohort=cohort, suggestion_rows=[row], by=coordinator)
    assert result.refused == [(row, ["Stranger is not an official of Spring 2027."])]
    assert not Attachment.objects.exists()


def test_a_rotation_is_written_later_part_first(cohort, dpo, td, make_official, coordinator):
    Cohort.objects.filter(pk=cohort.pk).update(allow_rotations=True)
    cohort.refresh_from_db()
    chen = make_official("Chen")
    wish(chen, dpo, td)
    # DPO is free only in the first two weeks, too short for a stay; TD (one seat) only after
    # them: its seat holder rotates to EPD.
    HostCapacity.objects.filter(department=td).update(seats=1)
    epd = HostDepartmentFactory(abbreviation="EPD")
    HostCapacityFactory(cohort=cohort, department=epd, seats=1)
    for name, department, start, end in [
        ("A", dpo, day(3, 22), LAST_SUNDAY),
        ("B", dpo, day(3, 22), LAST_SUNDAY),
        ("C", epd, day(3, 22), day(4, 4)),
        ("C", td, FIRST_MONDAY, day(3, 21)),
    ]:
        attachment_create(
            participant=Participant.objects.filter(name_en=name).first() or make_official(name),
            department=department,
            start=start,
            end=end,
            by=coordinator,
            confirmed=True,
        )
    suggestion = plan_suggest(cohort=cohort, by=coordinator)
    assert [(r.abbreviation, r.start, r.end, r.part) for r in suggestion.rows] == [
        ("DPO", FIRST_MONDAY, day(3, 21), 1),
        ("TD", day(3, 22), day(4, 4), 2),
    ]
    assert suggestion.total_score == 80
    # The first half alone ends before the shortest stay: it is written second.
    result = plan_accept(cohort=cohort, suggestion_rows=suggestion.rows, by=coordinator)
    assert result.refused == []
    assert [a.department for a in result.created] == [td, dpo]
    assert live(chen) == [
        ("DPO", FIRST_MONDAY, day(3, 21), "proposed"),
        ("TD", day(3, 22), day(4, 4), "proposed"),
    ]


def test_reasons_are_written_in_the_reader_s_language(cohort, dpo, td, make_official):
    row = {
        "choice": {"kind": "rank", "rank": 2},
        "parts": 1,
        "part": 1,
        "blocked": [
            {
                "abbreviation": "DPO",
                "choice": {"kind": "rank", "rank": 1},
                "why": "full",
                "week_start": "2026-12-14",
                "week_end": "2026-12-20",
            }
        ],
    }
    unplaced = {"why": "no_seat", "min_weeks": 3, "blocked": row["blocked"]}
    with translation.override("en"):
        assert plan_rows.row_reason(row) == "2nd choice: DPO full 14 December–20 December"
    with translation.override("zh-hant"):
        assert plan_rows.row_reason(row) == "第二志願：DPO 12月14日至12月20日額滿"
        assert plan_rows.unplaced_reason(unplaced).startswith("沒有部門")
    with translation.override("zh-hans"):
        assert plan_rows.row_reason(row) == "第二志愿：DPO 12月14日至12月20日额满"


def test_stored_rows_use_the_solver_s_words():
    assert (plan_rows.RANK, plan_rows.FOCUS) == (planning.Choice.RANK, planning.Choice.FOCUS)
    assert (plan_rows.FULL, plan_rows.INACTIVE) == (planning.FULL, planning.INACTIVE)
    assert (plan_rows.NO_WEEKS, plan_rows.STOPPED) == (planning.NO_WEEKS, planning.STOPPED)


def test_bad_weights_and_time_limits_are_refused(cohort, dpo, coordinator):
    with pytest.raises(ValidationError):
        plan_suggest(cohort=cohort, by=coordinator, time_limit=0)
    cohort.plan_weights = {"1": 10, "2": 60}
    with pytest.raises(ValidationError):
        cohort.full_clean()
    with pytest.raises(ValidationError):
        plan_suggest(cohort=cohort, by=coordinator)


@pytest.mark.allow_error_logs
def test_a_failed_run_is_recorded_on_the_suggestion(cohort, dpo, coordinator):
    stored = PlanSuggestion.objects.create(cohort=cohort, requested_by=coordinator)
    # Weights broken behind the model's validation: the run fails and says why.
    Cohort.objects.filter(pk=cohort.pk).update(plan_weights={"1": 1, "2": 50})
    assert plan_suggestion_run(cohort_id=cohort.pk, suggestion_id=stored.pk) == "failed"
    stored.refresh_from_db()
    assert stored.status == "failed" and "weights are not valid" in stored.error
    assert stored.message.startswith("The suggestion failed: The cohort's plan suggestion weights")
    with translation.override("zh-hans"):
        assert stored.message.startswith("建议方案失败：")
    assert stored.finished_at is not None
    with pytest.raises(ValidationError):
        plan_suggestion_accept(suggestion=stored, by=coordinator)


def test_the_demo_cohort_places_all_thirty_officials(coordinator):
    from django.core.management import call_command

    call_command("seed_demo", "--cohort-start", "2026-12-07", "--quiet-logins")
    cohort = Cohort.objects.get(name_en=DEMO_COHORT_NAME)
    placed_before = set(
        Attachment.objects.filter(status__in=Attachment.LIVE_STATUSES).values_list(
            "participant", flat=True
        )
    )
    assert len(placed_before) == 24

    # The demo's own placements kept: the six officials it leaves out get seats.
    fill = plan_suggest(cohort=cohort, by=coordinator)
    assert fill.status == planning.OPTIMAL and fill.placed == 6 and not fill.unplaced
    assert fill.total_score > 0
    result = plan_accept(cohort=cohort, suggestion_rows=fill.rows, by=coordinator)
    assert result.refused == []
    placed = Attachment.objects.filter(status__in=Attachment.LIVE_STATUSES)
    assert placed.values("participant").distinct().count() == 30

    # A full re-plan places everyone whose placement is not published, all at a first choice.
    replan = plan_suggest(cohort=cohort, by=coordinator, replan=True, time_limit=10)
    published = set(
        placed.filter(status="confirmed").values_list("participant", flat=True).distinct()
    )
    assert replan.status == planning.OPTIMAL and not replan.unplaced
    assert replan.placed == 30 - len(published)
    assert replan.total_score == 100 * replan.placed
    result = plan_accept(cohort=cohort, suggestion_rows=replan.rows, by=coordinator)
    assert result.refused == []
    assert placed.values("participant").distinct().count() == 30
