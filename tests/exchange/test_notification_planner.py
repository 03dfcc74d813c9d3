"""The reminder planner: what is due when, once, and nothing for cancelled things."""

import datetime
import logging

import pytest
from django.db import connection
from django.utils import timezone

from exchange import notice_registry as registry
from exchange.models import Cohort, Notification
from exchange.notifications import planner
from participants.models import Participant
from participants.notices import ParticipantKind
from placements.models import Activity, Attachment
from placements.notices import PlacementKind
from tests.exchange.notification_factories import make_notification
from tests.factories import (
    ActivityFactory,
    AttachmentFactory,
    CohortFactory,
    HostDepartmentFactory,
    ParticipantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 30)


def at(day: datetime.date, hour: int = 12) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def kinds() -> list[str]:
    return sorted(Notification.objects.values_list("kind", flat=True))


def official(cohort, **kwargs):
    return ParticipantFactory(cohort=cohort, user=UserFactory(), **kwargs)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (at(TODAY - days(8)), None),  # before the first reminder
        (at(TODAY - days(7), 8), None),  # 7 days before, but before the reminder hour
        (at(TODAY - days(7), 9), 7),
        (at(TODAY - days(2)), 7),
        (at(TODAY - days(1)), 1),  # both passed: only the nearest
        (at(TODAY, 8), 1),
        (at(TODAY, 9), None),  # the event has begun
    ],
)
def test_due_offset_windows(now, expected):
    event = planner.at_reminder_hour(TODAY)
    assert planner.due_offset(event_at=event, offsets=[7, 1], now=now) == expected


def test_orientation_reminders_go_to_confirmed_officials_with_accounts():
    cohort = CohortFactory(orientation_start=TODAY, orientation_end=TODAY + days(4))
    confirmed = official(cohort, preferred_language="zh-hant")
    official(cohort, status=Participant.Status.WITHDRAWN)
    official(cohort, status=Participant.Status.NOMINATED)
    ParticipantFactory(cohort=cohort, user=None)

    result = planner.reminders_plan(now=at(TODAY - days(6)))

    assert result.created == 1
    reminder = Notification.objects.get()
    assert reminder.kind == "orientation_reminder"
    assert reminder.recipient == confirmed.user
    assert reminder.language == "zh-hant"
    assert reminder.related_object == confirmed
    assert reminder.context == {"event_date": TODAY.isoformat(), "days_before": 7}


def test_planning_twice_records_nothing_new_and_the_next_offset_later():
    cohort = CohortFactory(orientation_start=TODAY, orientation_end=TODAY + days(4))
    official(cohort)

    assert planner.reminders_plan(now=at(TODAY - days(6))).created == 1
    assert planner.reminders_plan(now=at(TODAY - days(6), 13)).created == 0
    assert planner.reminders_plan(now=at(TODAY - days(1))).created == 1
    assert planner.reminders_plan(now=at(TODAY - days(1), 20)).created == 0
    assert Notification.objects.count() == 2


def test_the_cohorts_own_offsets_are_used():
    cohort = CohortFactory(
        orientation_start=TODAY, orientation_end=TODAY + days(4), orientation_reminder_days="14"
    )
    official(cohort)
    assert planner.reminders_plan(now=at(TODAY - days(10))).created == 1
    assert Notification.objects.get().context["days_before"] == 14


def test_no_reminders_for_a_completed_cohort():
    cohort = CohortFactory(
        orientation_start=TODAY, orientation_end=TODAY + days(4), status=Cohort.Status.COMPLETED
    )
    official(cohort)
    assert planner.reminders_plan(now=at(TODAY - days(1))).created == 0


def test_attachment_start_and_end_reminders():
    cohort = CohortFactory(orientation_start=TODAY - days(30), orientation_end=TODAY - days(26))
    attachment = AttachmentFactory(
        participant=official(cohort), start=TODAY + days(2), end=TODAY + days(40)
    )
    ending = AttachmentFactory(
        participant=official(cohort), start=TODAY - days(20), end=TODAY + days(5)
    )

    planner.reminders_plan(now=at(TODAY))

    rows = {(n.kind, n.object_id) for n in Notification.objects.all()}
    assert rows == {
        ("attachment_start_reminder", attachment.pk),
        ("attachment_end_reminder", ending.pk),
    }


def test_no_reminders_for_proposed_or_cancelled_attachments():
    cohort = CohortFactory(orientation_start=TODAY - days(30), orientation_end=TODAY - days(26))
    for status in (Attachment.Status.PROPOSED, Attachment.Status.CANCELLED):
        AttachmentFactory(
            participant=official(cohort), start=TODAY + days(1), end=TODAY + days(30), status=status
        )
    assert planner.reminders_plan(now=at(TODAY)).created == 0


def test_activity_reminders_go_to_its_audience_only():
    cohort = CohortFactory(orientation_start=TODAY - days(30), orientation_end=TODAY - days(26))
    department = HostDepartmentFactory()
    attached = official(cohort)
    AttachmentFactory(
        participant=attached, department=department, start=TODAY - days(5), end=TODAY + days(20)
    )
    official(cohort)  # attached elsewhere: not in the audience
    visit = ActivityFactory(
        cohort=cohort,
        audience=Activity.Audience.DEPARTMENT,
        department=department,
        starts_at=at(TODAY + days(1), 10),
        ends_at=at(TODAY + days(1), 12),
    )
    ActivityFactory(
        cohort=cohort,
        status=Activity.Status.CANCELLED,
        starts_at=at(TODAY + days(1), 10),
        ends_at=at(TODAY + days(1), 12),
    )
    ActivityFactory(  # too far ahead for a one-day reminder
        cohort=cohort, starts_at=at(TODAY + days(3), 10), ends_at=at(TODAY + days(3), 12)
    )

    planner.reminders_plan(now=at(TODAY, 11))

    reminder = Notification.objects.get()
    assert (reminder.kind, reminder.object_id) == ("activity_reminder", visit.pk)
    assert reminder.recipient == attached.user


def test_pending_reminders_of_cancelled_things_are_cancelled():
    attachment_reminder = make_notification(PlacementKind.ATTACHMENT_START_REMINDER)
    activity_reminder = make_notification(PlacementKind.ACTIVITY_REMINDER)
    orientation_reminder = make_notification(ParticipantKind.ORIENTATION_REMINDER)
    kept = make_notification(PlacementKind.ATTACHMENT_END_REMINDER)
    Attachment.objects.filter(pk=attachment_reminder.object_id).update(status="cancelled")
    Activity.objects.filter(pk=activity_reminder.object_id).update(status="cancelled")
    Participant.objects.filter(pk=orientation_reminder.object_id).update(status="withdrawn")

    result = planner.reminders_plan()

    assert result.cancelled == 3
    statuses = dict(Notification.objects.values_list("pk", "status"))
    assert statuses == {
        attachment_reminder.pk: "cancelled",
        activity_reminder.pk: "cancelled",
        orientation_reminder.pk: "cancelled",
        kept.pk: "pending",
    }


def test_a_moved_orientation_gets_reminders_for_its_new_date():
    cohort = CohortFactory(orientation_start=TODAY, orientation_end=TODAY + days(4))
    official(cohort)
    planner.reminders_plan(now=at(TODAY - days(6)))
    Cohort.objects.filter(pk=cohort.pk).update(
        orientation_start=TODAY + days(2), orientation_end=TODAY + days(6)
    )
    assert planner.reminders_plan(now=at(TODAY - days(4))).created == 1
    dates = sorted(n.context["event_date"] for n in Notification.objects.all())
    assert dates == [TODAY.isoformat(), (TODAY + days(2)).isoformat()]


@pytest.mark.parametrize("size", [50, 500])
def test_the_planner_runs_a_fixed_number_of_queries(size, django_assert_max_num_queries):
    """A cohort of `size` officials, each attached, each with an activity due: 3 × size rows."""
    cohort = CohortFactory(orientation_start=TODAY, orientation_end=TODAY + days(4))
    department = HostDepartmentFactory()
    users = UserFactory.create_batch(size)
    participants = Participant.objects.bulk_create(
        ParticipantFactory.build(cohort=cohort, user=user, home_city=department.city)
        for user in users
    )
    Attachment.objects.bulk_create(
        AttachmentFactory.build(
            participant=p, department=department, start=TODAY + days(1), end=TODAY + days(40)
        )
        for p in participants
    )
    ActivityFactory(
        cohort=cohort, starts_at=at(TODAY - days(1), 20), ends_at=at(TODAY - days(1), 22)
    )

    with django_assert_max_num_queries(14):
        result = planner.reminders_plan(now=at(TODAY - days(1), 10))

    assert result.created == 3 * size
    assert set(kinds()) == {
        "orientation_reminder",
        "attachment_start_reminder",
        "activity_reminder",
    }


# A cohort the planner cannot plan is skipped; the others get their reminders (issue 9).


def warnings_of(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.get_records("call") if r.levelno == logging.WARNING]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("orientation_reminder_days", "99999999999,1"),
        ("orientation_reminder_days", "7,x"),
        ("activity_reminder_days", 32767),
        ("attachment_start_reminder_days", 0),
    ],
)
def test_a_cohort_with_offsets_from_before_the_validators_is_skipped_with_a_warning(
    caplog, field, value
):
    good = CohortFactory(name="Good", orientation_start=TODAY, orientation_end=TODAY + days(4))
    bad = CohortFactory(name="Bad", orientation_start=TODAY, orientation_end=TODAY + days(4))
    official(good)
    official(bad)
    # Stored as the cohort form used to accept it (an update writes past the validators).
    Cohort.objects.filter(pk=bad.pk).update(**{field: value})

    result = planner.reminders_plan(now=at(TODAY - days(1)))

    assert result.created == 1
    assert Notification.objects.get().cohort == good
    assert any("Bad" in message and field in message for message in warnings_of(caplog))


class FailsForOneCohort:
    """A plan, as an app would register it, that hits a database error for one cohort."""

    def __init__(self, cohort_pk: int):
        self.cohort_pk = cohort_pk

    def due(self, *, cohorts, now):
        if any(cohort.pk == self.cohort_pk for cohort in cohorts):
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1 / 0")
        return []

    def cancel_obsolete(self) -> int:
        return 0


def test_a_plan_that_fails_for_one_cohort_still_plans_the_others(caplog, monkeypatch):
    good = CohortFactory(name="Good", orientation_start=TODAY, orientation_end=TODAY + days(4))
    broken = CohortFactory(name="Broken", orientation_start=TODAY, orientation_end=TODAY + days(4))
    official(good)
    official(broken)
    monkeypatch.setattr(
        registry, "_plans", [*registry.plans(), FailsForOneCohort(cohort_pk=broken.pk)]
    )

    result = planner.reminders_plan(now=at(TODAY - days(1)))

    # The orientation plan still reminds both cohorts; the failing plan skips only Broken.
    assert result.created == 2
    assert set(Notification.objects.values_list("cohort__name", flat=True)) == {"Good", "Broken"}
    assert warnings_of(caplog) == [
        f"FailsForOneCohort skipped cohort Broken (pk {broken.pk}): it cannot be planned."
    ]
