import datetime

import pytest
from django.utils import timezone

from placements.selectors import activity_audience, activity_audiences
from tests.factories import (
    ActivityFactory,
    AttachmentFactory,
    CohortFactory,
    HostDepartmentFactory,
    ParticipantFactory,
)

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
