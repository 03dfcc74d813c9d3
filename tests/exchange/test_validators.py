"""The ground's validators of the values people give (issue 9): the programme's years, stays,
seats and reminder offsets; the cohort's own rules on them; and the admin, which refuses alike."""

import datetime
import json
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from exchange import validators
from exchange.models import CityQuota, Cohort, HostCapacity, Notification
from exchange.plan_weights import default_plan_weights
from tests.exchange.notification_factories import make_notification
from tests.factories import CityFactory, CohortFactory, HostDepartmentFactory

HONG_KONG = ZoneInfo("Asia/Hong_Kong")
YEARS = "Choose a date from 1 January 2000 to 31 December 2100."


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        (datetime.date(2000, 1, 1), True),
        (datetime.date(2100, 12, 31), True),
        (datetime.date(1999, 12, 31), False),
        (datetime.date(2101, 1, 1), False),
        (datetime.date(1, 1, 1), False),
        (datetime.date.max, False),
        (datetime.datetime(2000, 1, 1, 0, 0, tzinfo=HONG_KONG), True),
        (datetime.datetime(2100, 12, 31, 23, 59, tzinfo=HONG_KONG), True),
        (datetime.datetime(1999, 12, 31, 23, 59, tzinfo=HONG_KONG), False),
        (datetime.datetime(2101, 1, 1, 0, 0, tzinfo=HONG_KONG), False),
        (datetime.datetime(1, 1, 1, 0, 0, tzinfo=HONG_KONG), False),
        # Hong Kong is eight hours ahead: comparing must not convert (and overflow).
        (datetime.datetime(9999, 12, 31, 23, 0, tzinfo=datetime.UTC), False),
        (datetime.datetime(1999, 12, 31, 16, 0, tzinfo=datetime.UTC), True),
    ],
)
def test_programme_dates_are_the_years_2000_to_2100_in_hong_kong(value, accepted):
    if accepted:
        validators.validate_programme_date(value)
    else:
        with pytest.raises(ValidationError) as raised:
            validators.validate_programme_date(value)
        assert raised.value.messages == [YEARS]


@pytest.mark.parametrize(
    ("value", "offsets"),
    [("7,1", [7, 1]), (" 1, 14,7 ,7", [14, 7, 1]), ("60", [60]), ("5,4,3,2,1", [5, 4, 3, 2, 1])],
)
def test_orientation_reminders_read_as_distinct_whole_days(value, offsets):
    assert validators.parse_reminder_days(value) == offsets


@pytest.mark.parametrize(
    "value",
    [
        *("99999999999,1", "9" * 5000, "0", "61", "7,6,5,4,3,2"),  # out of range
        *("", " , ", "7;1", "-1", "1.5", "7,x", "٣", "²"),  # not whole numbers of days
    ],
)
def test_orientation_reminders_refused(value):
    with pytest.raises(ValidationError):
        validators.validate_orientation_reminder_days(value)


@pytest.mark.parametrize(
    ("validator", "good", "bad"),
    [
        (validators.validate_reminder_days, [1, 60], [0, 61, 32767]),
        (validators.validate_stay_days, [1, 366], [0, 367, 32767]),
        (validators.validate_seats, [0, 200], [201, 32767]),
    ],
)
def test_number_bounds(validator, good, bad):
    for value in good:
        validator(value)
    for value in bad:
        with pytest.raises(ValidationError):
            validator(value)


def test_a_cohorts_stay_bounds_never_overflow():
    """Dates past the validators (an unsaved form, data from before them) give clamped ends,
    not an OverflowError on every page that reads them."""
    late = Cohort(orientation_start=datetime.date(9999, 12, 30), max_stay_days=91, min_stay_days=28)
    assert late.latest_end == late.earliest_end == datetime.date.max
    early = Cohort(orientation_start=datetime.date(1, 1, 1), max_stay_days=0, min_stay_days=0)
    assert early.latest_end == early.earliest_end == datetime.date.min


def cohort(**fields) -> Cohort:
    values = {
        "name": "Autumn 2027",
        "orientation_start": datetime.date(2027, 9, 6),
        "orientation_end": datetime.date(2027, 9, 10),
        **fields,
    }
    return Cohort(**values)


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {
                "orientation_start": datetime.date(9999, 12, 25),
                "orientation_end": datetime.date(9999, 12, 31),
            },
            "orientation_start",
            YEARS,
        ),
        ({"orientation_start": datetime.date(1, 1, 1)}, "orientation_start", YEARS),
        ({"max_stay_days": 32767}, "max_stay_days", "Give a number of days between 1 and 366."),
        ({"min_stay_days": 0}, "min_stay_days", "Give a number of days between 1 and 366."),
        (
            {"orientation_reminder_days": "99999999999,1"},
            "orientation_reminder_days",
            "Give at most five reminders, each between 1 and 60 days before.",
        ),
        (
            {"activity_reminder_days": 0},
            "activity_reminder_days",
            "Give a number of days between 1 and 60.",
        ),
        (
            {"orientation_end": datetime.date(2027, 12, 31)},
            "max_stay_days",
            "The longest stay includes orientation (117 days) and must leave time for an "
            "attachment after it: make it longer than 117 days.",
        ),
    ],
)
@pytest.mark.django_db
def test_a_cohorts_values_are_checked_by_full_clean(fields, field, message):
    with pytest.raises(ValidationError) as raised:
        cohort(**fields).full_clean()
    assert raised.value.message_dict[field] == [message]


# The admin refuses through the same validators (its ModelForm runs full_clean).


def admin_cohort_data(**overrides):
    data = {
        "name_en": "Autumn 2027",
        "direction": "inbound",
        "status": "planning",
        "orientation_start": "2027-09-06",
        "orientation_end": "2027-09-10",
        "orientation_venue_en": "Civil Service College",
        "min_stay_days": "28",
        "max_stay_days": "91",
        "orientation_reminder_days": "7,1",
        "attachment_start_reminder_days": "3",
        "attachment_end_reminder_days": "7",
        "activity_reminder_days": "1",
        # The plan suggestion's weights (issue 10), as the admin's form shows them by default.
        "plan_weights": json.dumps(default_plan_weights()),
    }
    for prefix in ("city_quotas", "host_capacities"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(overrides)
    return data


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


def test_the_admin_saves_a_good_cohort_with_normalised_reminders(admin_client_):
    url = reverse("admin:exchange_cohort_add")
    response = admin_client_.post(url, admin_cohort_data(orientation_reminder_days="1, 7"))
    assert response.status_code == 302
    assert Cohort.objects.get().orientation_reminder_days == "7,1"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"orientation_start": "0001-01-01"}, "orientation_start"),
        ({"orientation_start": "9999-12-25", "orientation_end": "9999-12-31"}, "orientation_end"),
        ({"orientation_reminder_days": "99999999999,1"}, "orientation_reminder_days"),
        ({"attachment_end_reminder_days": "32767"}, "attachment_end_reminder_days"),
        ({"max_stay_days": "32767"}, "max_stay_days"),
    ],
)
def test_the_admin_refuses_bad_cohort_values(admin_client_, overrides, field):
    response = admin_client_.post(
        reverse("admin:exchange_cohort_add"), admin_cohort_data(**overrides)
    )
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert Cohort.objects.count() == 0


def test_the_admin_refuses_huge_seats_and_a_huge_total_forms(admin_client_):
    existing = CohortFactory(name="Spring 2027")
    city, department = CityFactory(code="SZ"), HostDepartmentFactory()
    CityQuota.objects.create(cohort=existing, city=city, seats=10)
    url = reverse("admin:exchange_cohort_change", args=[existing.pk])
    quota = CityQuota.objects.get()
    data = admin_cohort_data(
        name=existing.name,
        orientation_start=existing.orientation_start.isoformat(),
        orientation_end=existing.orientation_end.isoformat(),
        **{
            "city_quotas-TOTAL_FORMS": "1",
            "city_quotas-INITIAL_FORMS": "1",
            "city_quotas-0-id": str(quota.pk),
            "city_quotas-0-cohort": str(existing.pk),
            "city_quotas-0-city": str(city.pk),
            "city_quotas-0-seats": "32767",
        },
    )
    response = admin_client_.post(url, data)
    assert response.status_code == 200
    quotas = response.context["inline_admin_formsets"][0].formset
    assert quotas.errors[0]["seats"] == ["Give a number of seats between 0 and 200."]

    huge = {
        **data,
        "city_quotas-0-seats": "4",
        "host_capacities-TOTAL_FORMS": "999999999",
        "host_capacities-0-department": str(department.pk),
        "host_capacities-0-seats": "2",
    }
    response = admin_client_.post(url, huge)
    assert response.status_code == 200
    capacities = response.context["inline_admin_formsets"][1].formset
    assert len(capacities.forms) <= 100
    assert capacities.non_form_errors() == ["Please submit at most 100 forms."]
    assert list(CityQuota.objects.values_list("seats", flat=True)) == [10]
    assert not HostCapacity.objects.exists()


def test_the_admin_refuses_a_notice_time_in_year_one(admin_client_):
    notification = make_notification()
    before = Notification.objects.values().get()
    data = {
        "recipient": notification.recipient_id,
        "kind": notification.kind,
        "content_type": notification.content_type_id,
        "object_id": notification.object_id,
        "cohort": "",
        "language": "en",
        "scheduled_at_0": "0001-01-01",
        "scheduled_at_1": "00:00",
        "status": "pending",
        "leased_until_0": "",
        "leased_until_1": "",
        "last_attempt_at_0": "",
        "last_attempt_at_1": "",
        "context": "{}",
        "read_at_0": "9999-12-31",
        "read_at_1": "23:00",
    }
    url = reverse("admin:exchange_notification_change", args=[notification.pk])
    response = admin_client_.post(url, data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["scheduled_at"] == errors["read_at"] == [YEARS]
    assert Notification.objects.values().get() == before
    assert admin_client_.get(reverse("admin:exchange_notification_changelist")).status_code == 200


def test_the_admin_refuses_a_user_who_joined_in_year_one(admin_client_, coordinator):
    url = reverse("admin:auth_user_change", args=[coordinator.pk])
    data = {
        "username": coordinator.username,
        "first_name": coordinator.first_name,
        "last_name": coordinator.last_name,
        "email": coordinator.email,
        "is_active": "on",
        "is_staff": "on",
        "groups": [group.pk for group in coordinator.groups.all()],
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "0001-01-01",
        "date_joined_1": "00:00",
    }
    response = admin_client_.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["date_joined"] == [YEARS]
    coordinator.refresh_from_db()
    assert coordinator.date_joined.year > 2000

    data["date_joined_0"] = "2026-12-01"
    assert admin_client_.post(url, data).status_code == 302
