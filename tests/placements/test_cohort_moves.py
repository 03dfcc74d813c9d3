"""A cohort whose dates change keeps what hangs on it within its stay, from every door: the
service, the cohort form and the admin (through `exchange.cohort_rules`)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from exchange.models import Cohort
from placements.models import Activity
from placements.services import activity_cancel, attachment_create, cohort_save
from tests.exchange.test_validators import admin_cohort_data
from tests.factories import ActivityFactory
from tests.placements.conftest import day

pytestmark = pytest.mark.django_db


def at(month, day_of_month, hour=10):
    return timezone.make_aware(datetime.datetime(2027, month, day_of_month, hour))


def save(cohort, coordinator, **changes):
    for name, value in changes.items():
        setattr(cohort, name, value)
    quotas = {quota.city: quota.seats for quota in cohort.city_quotas.all()}
    capacities = {c.department: c.seats for c in cohort.host_capacities.all()}
    return cohort_save(cohort=cohort, quotas=quotas, capacities=capacities, by=coordinator)


def test_moving_orientation_past_an_activity_is_refused(cohort, coordinator):
    ActivityFactory(cohort=cohort, title="Welcome lunch", starts_at=at(3, 1), ends_at=at(3, 1, 12))
    with pytest.raises(ValidationError) as refused:
        save(cohort, coordinator, orientation_start=day(3, 8), orientation_end=day(3, 12))
    assert refused.value.message_dict["orientation_start"] == [
        "The activity \u201cWelcome lunch\u201d on 1 March 2027 would fall outside the cohort's "
        "stay (8 March 2027 to 6 June 2027). Move or cancel it first."
    ]
    cohort.refresh_from_db()
    assert cohort.orientation_start == day(3, 1)


def test_shortening_the_stay_below_an_activity_is_refused(cohort, coordinator):
    ActivityFactory(cohort=cohort, title="Farewell", starts_at=at(5, 20), ends_at=at(5, 20, 12))
    with pytest.raises(ValidationError) as refused:
        save(cohort, coordinator, max_stay_days=60)
    assert "\u201cFarewell\u201d on 20 May 2027" in refused.value.message_dict["max_stay_days"][0]
    cohort.refresh_from_db()
    assert cohort.max_stay_days == 91


def test_a_cancelled_activity_does_not_hold_the_cohort(cohort, coordinator):
    activity = ActivityFactory(cohort=cohort, starts_at=at(3, 1), ends_at=at(3, 1, 12))
    activity_cancel(activity=activity, by=coordinator)
    save(cohort, coordinator, orientation_start=day(3, 8), orientation_end=day(3, 12))
    cohort.refresh_from_db()
    assert cohort.orientation_start == day(3, 8)
    assert Activity.objects.get().status == Activity.Status.CANCELLED


def test_moving_a_cohort_whose_activities_still_fit_is_saved(cohort, coordinator):
    ActivityFactory(cohort=cohort, starts_at=at(3, 9), ends_at=at(3, 9, 12))
    save(cohort, coordinator, orientation_start=day(3, 2), orientation_end=day(3, 6))
    cohort.refresh_from_db()
    assert cohort.orientation_start == day(3, 2)


def admin_change_data(cohort, **overrides):
    current = {
        "name": cohort.name,
        "orientation_start": cohort.orientation_start.isoformat(),
        "orientation_end": cohort.orientation_end.isoformat(),
        "min_stay_days": str(cohort.min_stay_days),
        "max_stay_days": str(cohort.max_stay_days),
    }
    return admin_cohort_data(**{**current, **overrides})


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_admin_refuses_a_move_that_strands_an_activity(admin_client_, cohort):
    ActivityFactory(cohort=cohort, title="Welcome lunch", starts_at=at(3, 1), ends_at=at(3, 1, 12))
    url = reverse("admin:exchange_cohort_change", args=[cohort.pk])
    response = admin_client_.post(
        url, admin_change_data(cohort, orientation_start="2027-03-08", orientation_end="2027-03-12")
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "\u201cWelcome lunch\u201d on 1 March 2027" in errors["orientation_start"][0]
    assert Cohort.objects.get().orientation_start == day(3, 1)


def test_the_admin_refuses_a_shorter_stay_that_strands_an_attachment(
    admin_client_, cohort, official, dpo
):
    attachment_create(
        participant=official, department=dpo, start=day(3, 8), end=day(5, 20), by=None
    )
    url = reverse("admin:exchange_cohort_change", args=[cohort.pk])
    response = admin_client_.post(url, admin_change_data(cohort, max_stay_days="60"))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["max_stay_days"] == [
        "Chen Minghui's attachment to DPO ends on 20 May 2027, after the longest stay would end "
        "(29 April 2027). Move or cancel it first."
    ]
    assert Cohort.objects.get().max_stay_days == 91


def test_the_admin_saves_a_move_that_keeps_everything_within_the_stay(admin_client_, cohort):
    ActivityFactory(cohort=cohort, starts_at=at(3, 9), ends_at=at(3, 9, 12))
    url = reverse("admin:exchange_cohort_change", args=[cohort.pk])
    response = admin_client_.post(url, admin_change_data(cohort, max_stay_days="80"))
    assert response.status_code == 302
    assert Cohort.objects.get().max_stay_days == 80
