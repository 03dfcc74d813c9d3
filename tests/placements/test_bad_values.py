"""Bad input never breaks anything (issue 9): values that used to be accepted and then broke the
pages that read them are refused where they come in (forms, services, the admin), with a clear
message, and nothing changes.

The cohort of `conftest`: orientation 1 to 5 March 2027, stays of 28 to 91 days, so an official's
stay (and every activity) lies within 1 March to 30 May 2027.
"""

import datetime
import time

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from exchange.models import CityQuota, Cohort, HostCapacity
from placements.models import Activity, Attachment
from placements.services import activity_create, activity_update, attachment_create, cohort_save
from tests.factories import CityFactory
from tests.placements.conftest import day
from tests.placements.test_views import assign_data, cohort_form_data, formset_data

pytestmark = pytest.mark.django_db

YEARS = "Choose a date from 1 January 2000 to 31 December 2100."
STAY = "An activity takes place during the cohort's stay, from 1 March 2027 to 30 May 2027."


def at(value: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time(hour)))


def activity_form(start: str, end: str, **changes) -> dict:
    return {
        "kind": "site_visit",
        "title": "Site visit",
        "starts_at": start,
        "ends_at": end,
        "location": "",
        "audience": "cohort",
        "description": "",
        **changes,
    }


def cohort_state() -> tuple:
    """Every value a cohort form can change, to show that a refusal changes nothing."""
    return (
        list(Cohort.objects.order_by("pk").values()),
        list(CityQuota.objects.order_by("pk").values()),
        list(HostCapacity.objects.order_by("pk").values()),
    )


# 1. Dates: activities


@pytest.mark.parametrize(
    ("start", "end", "errors"),
    [
        ("0001-01-01T00:00", "0001-01-01T02:00", {"starts_at": [YEARS], "ends_at": [YEARS]}),
        ("9999-12-31T10:00", "9999-12-31T12:00", {"starts_at": [YEARS], "ends_at": [YEARS]}),
        ("2027-02-26T10:00", "2027-02-26T12:00", {"starts_at": [STAY], "ends_at": [STAY]}),
        ("2027-05-30T22:00", "2027-05-31T01:00", {"ends_at": [STAY]}),
    ],
)
def test_coordinator_cannot_plan_an_activity_outside_the_years_or_the_stay(
    client, coordinator, cohort, start, end, errors
):
    client.force_login(coordinator)
    response = client.post(
        reverse("placements:activity_create", args=[cohort.pk]), activity_form(start, end)
    )
    assert response.status_code == 200
    assert response.context["form"].errors == errors
    assert Activity.objects.count() == 0
    # The pages that read activities are fine (a year-1 row used to make all of them fail).
    assert client.get(reverse("placements:activity_list", args=[cohort.pk])).status_code == 200


def test_an_activity_on_the_last_day_of_the_stay_is_accepted(client, coordinator, cohort):
    client.force_login(coordinator)
    response = client.post(
        reverse("placements:activity_create", args=[cohort.pk]),
        activity_form("2027-05-30T22:00", "2027-05-31T00:00"),
    )
    assert response.status_code == 302
    assert Activity.objects.count() == 1


def test_liaison_cannot_plan_an_activity_in_year_one(client, liaison, official, dpo):
    attachment_create(
        participant=official,
        department=dpo,
        start=day(3, 8),
        end=day(4, 9),
        by=None,
        confirmed=True,
    )
    client.force_login(liaison)
    response = client.post(
        reverse("placements:activity_create", args=[official.cohort.pk]),
        activity_form(
            "0001-01-01T00:00",
            "0001-01-01T02:00",
            audience="department",
            department=dpo.pk,
        ),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["starts_at"] == [YEARS]
    assert Activity.objects.count() == 0
    assert client.get(reverse("placements:liaison_attachees")).status_code == 200


def test_the_activity_services_refuse_dates_outside_the_years_and_the_stay(coordinator, cohort):
    fields = dict(cohort=cohort, by=coordinator, kind="site_visit", title="Visit")
    year_one = datetime.datetime(1, 1, 1, 0, 0, tzinfo=datetime.UTC)
    with pytest.raises(ValidationError) as raised:
        activity_create(
            **fields, starts_at=year_one, ends_at=year_one + datetime.timedelta(hours=2)
        )
    assert raised.value.message_dict["starts_at"] == [YEARS]
    with pytest.raises(ValidationError) as raised:
        activity_create(**fields, starts_at=at(day(6, 1), 10), ends_at=at(day(6, 1), 12))
    assert raised.value.message_dict["starts_at"] == [STAY]
    assert Activity.objects.count() == 0

    activity = activity_create(**fields, starts_at=at(day(3, 2), 10), ends_at=at(day(3, 2), 12))
    with pytest.raises(ValidationError) as raised:
        activity_update(
            activity=activity,
            by=coordinator,
            kind="site_visit",
            title="Visit",
            starts_at=at(datetime.date(2101, 1, 1), 10),
            ends_at=at(datetime.date(2101, 1, 1), 12),
            location="",
            description="",
            department=None,
            audience="cohort",
        )
    assert raised.value.message_dict["ends_at"] == [YEARS]
    activity.refresh_from_db()
    assert (activity.starts_at, activity.sequence) == (at(day(3, 2), 10), 0)


def admin_activity_data(cohort, start_day: str, end_day: str) -> dict:
    return {
        "cohort": cohort.pk,
        "kind": "site_visit",
        "title_en": "Visit",
        "description_en": "",
        "starts_at_0": start_day,
        "starts_at_1": "10:00",
        "ends_at_0": end_day,
        "ends_at_1": "12:00",
        "location_en": "",
        "audience": "cohort",
        "status": "scheduled",
        "sequence": "0",
    }


@pytest.mark.parametrize(
    ("start_day", "end_day", "field", "message"),
    [
        ("0001-01-01", "0001-01-01", "starts_at", YEARS),
        ("2027-07-01", "2027-07-01", "starts_at", STAY),
    ],
)
def test_the_admin_refuses_activities_outside_the_years_and_the_stay(
    client, admin_user, cohort, start_day, end_day, field, message
):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:placements_activity_add"),
        admin_activity_data(cohort, start_day, end_day),
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors[field] == [message]
    assert Activity.objects.count() == 0


def test_the_admin_still_saves_an_activity_within_the_stay(client, admin_user, cohort):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:placements_activity_add"),
        admin_activity_data(cohort, "2027-03-02", "2027-03-02"),
    )
    assert response.status_code == 302
    assert Activity.objects.count() == 1


# 1. Dates: attachments


def test_the_board_refuses_attachment_dates_outside_the_years(coordinator, client, official, dpo):
    client.force_login(coordinator)
    response = client.post(
        reverse("placements:attachment_create", args=[official.pk]),
        assign_data(official, dpo, start="0001-01-01", end="9999-12-31"),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["start"] == [YEARS]
    assert response.context["form"].errors["end"] == [YEARS]
    assert not Attachment.objects.exists()


def test_the_attachment_service_refuses_dates_outside_the_years(official, dpo):
    with pytest.raises(ValidationError) as raised:
        attachment_create(
            participant=official,
            department=dpo,
            start=datetime.date(1, 1, 1),
            end=datetime.date(9999, 12, 31),
            by=None,
        )
    assert raised.value.message_dict == {"start": [YEARS], "end": [YEARS]}
    assert not Attachment.objects.exists()


def test_the_admin_refuses_attachment_dates_outside_the_years(client, admin_user, official, dpo):
    client.force_login(admin_user)
    data = {
        "participant": official.pk,
        "department": dpo.pk,
        "start": "2027-03-08",
        "end": "9999-12-31",
        "status": "proposed",
        "supervisor": "",
        "supervisor_email": "",
        "notes": "",
    }
    response = client.post(reverse("admin:placements_attachment_add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["end"] == [YEARS]
    assert not Attachment.objects.exists()


# 1, 2 and 4. The cohort form: dates, reminder offsets, stays and seats


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def edit_data(cohort, shenzhen, dpo, quota_seats="3", capacity_seats="2", **overrides):
    quota, capacity = cohort.city_quotas.get(), cohort.host_capacities.get()
    fields = {
        "cohort-name": cohort.name,
        "cohort-orientation_start": "2027-03-01",
        "cohort-orientation_end": "2027-03-05",
    }
    return {
        **cohort_form_data(**{**fields, **overrides}),
        **formset_data(
            "quotas", [{"id": quota.pk, "city": shenzhen.pk, "seats": quota_seats}], initial=1
        ),
        **formset_data(
            "capacities",
            [{"id": capacity.pk, "department": dpo.pk, "seats": capacity_seats}],
            initial=1,
        ),
    }


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {
                "cohort-orientation_start": "9999-12-25",
                "cohort-orientation_end": "9999-12-31",
            },
            "orientation_start",
            YEARS,
        ),
        ({"cohort-orientation_start": "0001-01-01"}, "orientation_start", YEARS),
        (
            {"cohort-orientation_reminder_days": "99999999999,1"},
            "orientation_reminder_days",
            "Give at most five reminders, each between 1 and 60 days before.",
        ),
        (
            {"cohort-orientation_reminder_days": "7,x"},
            "orientation_reminder_days",
            "Give one or more whole numbers of days, separated by commas, e.g. 7,1.",
        ),
        (
            {"cohort-attachment_start_reminder_days": "32767"},
            "attachment_start_reminder_days",
            "Give a number of days between 1 and 60.",
        ),
        (
            {"cohort-max_stay_days": "32767"},
            "max_stay_days",
            "Give a number of days between 1 and 366.",
        ),
        (
            {"cohort-orientation_end": "2027-06-30"},
            "max_stay_days",
            "The longest stay includes orientation (122 days) and must leave time for an "
            "attachment after it: make it longer than 122 days.",
        ),
    ],
)
def test_the_cohort_form_refuses_values_that_break_pages(
    coordinator_client, cohort, shenzhen, dpo, overrides, field, message
):
    before = cohort_state()
    response = coordinator_client.post(
        reverse("placements:cohort_update", args=[cohort.pk]),
        edit_data(cohort, shenzhen, dpo, **overrides),
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [message]
    assert cohort_state() == before
    # The cohort's pages (and the planner that reads its offsets) still work.
    for page in ("cohort_dashboard", "cohort_timeline"):
        url = reverse(f"placements:{page}", args=[cohort.pk])
        assert coordinator_client.get(url).status_code == 200


def test_the_cohort_form_saves_reminders_as_typed_people_type_them(
    coordinator_client, cohort, shenzhen, dpo
):
    response = coordinator_client.post(
        reverse("placements:cohort_update", args=[cohort.pk]),
        edit_data(cohort, shenzhen, dpo, **{"cohort-orientation_reminder_days": " 1, 14,7"}),
    )
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert cohort.orientation_reminder_days == "14,7,1"


@pytest.mark.parametrize(
    ("quota", "capacity", "prefix"), [("32767", "2", "quotas"), ("3", "201", "capacities")]
)
def test_the_cohort_form_refuses_huge_seats(
    coordinator_client, cohort, shenzhen, dpo, quota, capacity, prefix
):
    before = cohort_state()
    response = coordinator_client.post(
        reverse("placements:cohort_update", args=[cohort.pk]),
        edit_data(cohort, shenzhen, dpo, quota_seats=quota, capacity_seats=capacity),
    )
    assert response.status_code == 200
    formset = response.context[prefix]
    assert formset.errors[0]["seats"] == ["Give a number of seats between 0 and 200."]
    assert cohort_state() == before


def test_cohort_save_refuses_a_cohort_outside_the_years(coordinator):
    cohort = Cohort(
        name="Far future",
        orientation_start=datetime.date(9999, 12, 25),
        orientation_end=datetime.date(9999, 12, 31),
    )
    with pytest.raises(ValidationError) as raised:
        cohort_save(cohort=cohort, quotas={}, capacities={}, by=coordinator)
    assert raised.value.message_dict["orientation_start"] == [YEARS]
    assert not Cohort.objects.exists()


# 3. Formsets that trusted TOTAL_FORMS


@pytest.mark.parametrize("prefix", ["quotas", "capacities"])
def test_a_huge_total_forms_is_answered_quickly_with_a_form_error(
    coordinator_client, cohort, shenzhen, dpo, prefix, django_assert_max_num_queries
):
    data = edit_data(cohort, shenzhen, dpo, **{"cohort-name": "Renamed"})
    data[f"{prefix}-TOTAL_FORMS"] = "999999999"
    before = cohort_state()
    started = time.monotonic()
    # Each form's select of cities or departments is one query: the bound is the row limit.
    with django_assert_max_num_queries(150):
        response = coordinator_client.post(
            reverse("placements:cohort_update", args=[cohort.pk]), data
        )
    assert time.monotonic() - started < 10
    assert response.status_code == 200
    formset = response.context[prefix]
    limit = 50 if prefix == "quotas" else 100
    assert len(formset.forms) == limit
    assert formset.non_form_errors() == [f"Please submit at most {limit} forms."]
    assert cohort_state() == before


def test_the_row_limit_grows_with_the_reference_data(coordinator_client, cohort):
    """More cities than the limit (some day): every one still gets its row."""
    for number in range(55):
        CityFactory(code=f"X{number:02d}")
    page = coordinator_client.get(reverse("placements:cohort_update", args=[cohort.pk]))
    assert len(page.context["quotas"].forms) == 55


def test_cohort_save_refuses_huge_seats_given_as_numbers(coordinator, cohort, shenzhen, dpo):
    """Callers other than the form (the demo seed, a shell) pass seats as plain numbers."""
    before = cohort_state()
    with pytest.raises(ValidationError) as raised:
        cohort_save(cohort=cohort, quotas={shenzhen: 32767}, capacities={dpo: 201}, by=coordinator)
    assert raised.value.messages == [
        "Shenzhen: Give a number of seats between 0 and 200.",
        "DPO: Give a number of seats between 0 and 200.",
    ]
    assert cohort_state() == before
