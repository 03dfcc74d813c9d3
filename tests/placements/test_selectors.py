import datetime

import pytest
from django.utils import timezone

from placements.schedule import ACTIVITY, ATTACHMENT, CANCELLED, ORIENTATION
from placements.selectors import activity_audience, activity_audiences, schedule_for_participant
from tests.factories import (
    ActivityFactory,
    AttachmentFactory,
    CohortFactory,
    HostDepartmentFactory,
    ParticipantFactory,
)
from tests.scheduling import fill_schedule

pytestmark = pytest.mark.django_db


def at(day, hour):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_audiences_of_each_kind(django_assert_max_num_queries):
    cohort = CohortFactory()
    other_cohort = CohortFactory()
    dpo, td = HostDepartmentFactory(), HostDepartmentFactory()
    alice, bob, carol = (ParticipantFactory(cohort=cohort) for _ in range(3))
    withdrawn = ParticipantFactory(cohort=cohort, status="withdrawn")
    ParticipantFactory(cohort=other_cohort)
    attachment = AttachmentFactory(participant=alice, department=dpo)
    AttachmentFactory(participant=bob, department=td)
    AttachmentFactory(participant=carol, department=dpo, status="cancelled")
    day = attachment.start + datetime.timedelta(days=2)

    whole = ActivityFactory(cohort=cohort)
    visit = ActivityFactory(
        cohort=cohort,
        audience="department",
        department=dpo,
        starts_at=at(day, 10),
        ends_at=at(day, 12),
    )
    too_late = ActivityFactory(
        cohort=cohort,
        audience="department",
        department=dpo,
        starts_at=at(attachment.end + datetime.timedelta(days=1), 10),
        ends_at=at(attachment.end + datetime.timedelta(days=1), 12),
    )
    named = ActivityFactory(cohort=cohort, audience="named")
    named.participants.set([bob, withdrawn])

    with django_assert_max_num_queries(3):
        audiences = activity_audiences(activities=[whole, visit, too_late, named])
    assert set(audiences[whole.pk]) == {alice, bob, carol}
    assert audiences[visit.pk] == [alice]
    assert audiences[too_late.pk] == []
    assert audiences[named.pk] == [bob]
    assert activity_audience(activity=visit) == [alice]


def test_schedule_holds_everything_meant_for_the_official_and_nothing_else():
    cohort = CohortFactory()
    dpo, td = HostDepartmentFactory(), HostDepartmentFactory()
    alice = ParticipantFactory(cohort=cohort)
    bob = ParticipantFactory(cohort=cohort)
    attachment = AttachmentFactory(participant=alice, department=dpo)
    old = AttachmentFactory(
        participant=alice,
        department=td,
        start=attachment.end + datetime.timedelta(days=1),
        end=attachment.end + datetime.timedelta(days=5),
        status="cancelled",
        published_at=timezone.now(),  # published, then cancelled: calendars must drop it
    )
    AttachmentFactory(  # a draft, and a cancelled draft: nobody told her of them
        participant=alice,
        department=td,
        start=old.end + datetime.timedelta(days=1),
        end=old.end + datetime.timedelta(days=3),
        status="proposed",
    )
    AttachmentFactory(
        participant=alice,
        department=dpo,
        start=old.end + datetime.timedelta(days=4),
        end=old.end + datetime.timedelta(days=6),
        status="cancelled",
    )
    day = attachment.start + datetime.timedelta(days=1)
    whole = ActivityFactory(cohort=cohort, title="Opening")
    at_dpo = ActivityFactory(
        cohort=cohort,
        audience="department",
        department=dpo,
        starts_at=at(day, 10),
        ends_at=at(day, 12),
    )
    ActivityFactory(  # DPO, but after Alice has left it
        cohort=cohort,
        audience="department",
        department=dpo,
        starts_at=at(attachment.end + datetime.timedelta(days=2), 10),
        ends_at=at(attachment.end + datetime.timedelta(days=2), 12),
    )
    ActivityFactory(  # at TD while her TD attachment is cancelled
        cohort=cohort,
        audience="department",
        department=td,
        starts_at=at(old.start, 10),
        ends_at=at(old.start, 12),
    )
    mine = ActivityFactory(cohort=cohort, audience="named", status="cancelled", sequence=3)
    mine.participants.set([alice, bob])
    ActivityFactory(cohort=cohort, audience="named").participants.set([bob])
    ActivityFactory(cohort=CohortFactory(), title="Other cohort")

    schedule = schedule_for_participant(participant=alice)

    by_uid = {item.uid.split("@")[0]: item for item in schedule.items}
    assert set(by_uid) == {
        f"orientation-cohort-{cohort.pk}",
        f"attachment-{attachment.pk}",
        f"attachment-{old.pk}",
        f"activity-{whole.pk}",
        f"activity-{at_dpo.pk}",
        f"activity-{mine.pk}",
    }
    orientation = by_uid[f"orientation-cohort-{cohort.pk}"]
    assert orientation.kind == ORIENTATION and orientation.all_day
    assert (orientation.start, orientation.end) == (
        cohort.orientation_start,
        cohort.orientation_end,
    )
    assert by_uid[f"attachment-{old.pk}"].status == CANCELLED
    assert by_uid[f"attachment-{attachment.pk}"].kind == ATTACHMENT
    assert by_uid[f"attachment-{attachment.pk}"].supervisor == "Ms Supervisor"
    cancelled = by_uid[f"activity-{mine.pk}"]
    assert (cancelled.kind, cancelled.status, cancelled.sequence) == (ACTIVITY, CANCELLED, 3)
    assert by_uid[f"activity-{at_dpo.pk}"].start.utcoffset() == datetime.timedelta(hours=8)
    assert [i.first_day for i in schedule.items] == sorted(i.first_day for i in schedule.items)


@pytest.mark.parametrize("activities", [5, 100])
def test_schedule_runs_two_queries_whatever_the_number_of_activities(
    activities, django_assert_max_num_queries
):
    participant = ParticipantFactory()
    fill_schedule(participant, HostDepartmentFactory(), activities=activities)
    participant = type(participant).objects.select_related("cohort").get(pk=participant.pk)
    with django_assert_max_num_queries(2):
        schedule = schedule_for_participant(participant=participant)
    assert len(schedule.items) == activities + 2
