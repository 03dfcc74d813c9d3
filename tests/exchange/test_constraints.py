"""The database itself refuses bad rows, whatever path (form, admin, import, shell) wrote them."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from exchange.models import CityQuota, HostCapacity, Notification
from participants.models import HostPreference
from tests.factories import (
    ActivityFactory,
    AttachmentFactory,
    CityFactory,
    CohortFactory,
    HostDepartmentFactory,
    ParticipantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def refused(callable_, constraint_name):
    with pytest.raises(IntegrityError) as error, transaction.atomic():
        callable_()
    assert constraint_name in str(error.value)


def test_cohort_orientation_must_not_end_before_it_starts():
    day = datetime.date(2026, 12, 7)
    refused(
        lambda: CohortFactory(orientation_start=day, orientation_end=day - datetime.timedelta(1)),
        "cohort_orientation_start_before_end",
    )


def test_cohort_shortest_stay_not_longer_than_longest():
    refused(
        lambda: CohortFactory(min_stay_days=100, max_stay_days=91), "cohort_min_stay_within_max"
    )


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (datetime.date(1, 1, 1), datetime.date(2027, 3, 5)),
        (datetime.date(1999, 12, 31), datetime.date(2000, 1, 5)),
        (datetime.date(2100, 12, 28), datetime.date(2101, 1, 1)),
        (datetime.date(9999, 12, 25), datetime.date(9999, 12, 31)),
    ],
)
def test_cohort_orientation_within_the_programmes_years(start, end):
    refused(
        lambda: CohortFactory(orientation_start=start, orientation_end=end),
        "cohort_orientation_within_programme_years",
    )


def test_attachment_and_activity_within_the_programmes_years():
    attachment = AttachmentFactory()
    attachment.start = datetime.date(1, 1, 1)
    refused(attachment.save, "attachment_within_programme_years")
    attachment.refresh_from_db()
    attachment.end = datetime.date(9999, 12, 31)
    refused(attachment.save, "attachment_within_programme_years")

    activity = ActivityFactory()
    activity.starts_at = datetime.datetime(1, 1, 1, tzinfo=datetime.UTC)
    refused(activity.save, "activity_within_programme_years")
    activity.refresh_from_db()
    # Midnight ending 31 December 2100 in Hong Kong is the last moment allowed.
    activity.ends_at = datetime.datetime(2100, 12, 31, 16, 0, 1, tzinfo=datetime.UTC)
    refused(activity.save, "activity_within_programme_years")


def test_one_quota_per_city_and_one_capacity_per_department():
    cohort = CohortFactory()
    city = CityFactory(code="SZ")
    department = HostDepartmentFactory()
    CityQuota.objects.create(cohort=cohort, city=city, seats=10)
    HostCapacity.objects.create(cohort=cohort, department=department, seats=3)
    refused(
        lambda: CityQuota.objects.create(cohort=cohort, city=city, seats=4),
        "cityquota_one_per_city",
    )
    refused(
        lambda: HostCapacity.objects.create(cohort=cohort, department=department, seats=1),
        "hostcapacity_one_per_department",
    )


def test_attachment_must_not_end_before_it_starts():
    attachment = AttachmentFactory()
    attachment.end = attachment.start - datetime.timedelta(days=1)
    refused(attachment.save, "attachment_start_before_end")


def test_activity_must_end_after_it_starts_and_department_audience_needs_department():
    activity = ActivityFactory()
    activity.ends_at = activity.starts_at
    refused(activity.save, "activity_starts_before_it_ends")
    refused(
        lambda: ActivityFactory(audience="department", department=None),
        "activity_department_audience_has_department",
    )


def test_participant_email_unique_within_cohort_case_insensitively():
    first = ParticipantFactory(email="Chen@Example.org")
    ParticipantFactory(email="chen@example.org")  # another cohort: allowed
    refused(
        lambda: ParticipantFactory(cohort=first.cohort, email="CHEN@example.org"),
        "participant_unique_email_per_cohort",
    )


def test_host_preferences_rank_unique_and_positive():
    participant = ParticipantFactory()
    first, second = HostDepartmentFactory(), HostDepartmentFactory()
    HostPreference.objects.create(participant=participant, department=first, rank=1)
    refused(
        lambda: HostPreference.objects.create(participant=participant, department=second, rank=1),
        "hostpreference_unique_rank",
    )
    refused(
        lambda: HostPreference.objects.create(participant=participant, department=first, rank=2),
        "hostpreference_unique_department",
    )
    refused(
        lambda: HostPreference.objects.create(participant=participant, department=second, rank=0),
        "hostpreference_rank_positive",
    )


def test_notification_dedupe_key_is_unique_and_sent_rows_have_a_time():
    user = UserFactory()
    fields = dict(recipient=user, kind="orientation_notice", language="en")
    Notification.objects.create(
        **fields, scheduled_at=datetime.datetime.now(datetime.UTC), dedupe_key="k1"
    )
    refused(
        lambda: Notification.objects.create(
            **fields, scheduled_at=datetime.datetime.now(datetime.UTC), dedupe_key="k1"
        ),
        "notification_dedupe_key",
    )
    refused(
        lambda: Notification.objects.create(
            **fields,
            scheduled_at=datetime.datetime.now(datetime.UTC),
            dedupe_key="k2",
            status="sent",
        ),
        "notification_sent_has_time",
    )
