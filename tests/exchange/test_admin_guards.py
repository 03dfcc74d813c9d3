"""The admin site answers malformed requests with a 4xx (issue 9): every ModelAdmin registered on
it, the project's and third-party ones, is guarded (`exchange.admin_site`)."""

import pytest
from django.contrib import admin
from django.urls import reverse
from django_celery_beat.models import ClockedSchedule, PeriodicTask

from exchange.admin_site import ExchangeAdminSite, GuardedModelAdminMixin
from placements.models import Attachment
from tests.factories import AttachmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client, admin_user):
    client.force_login(admin_user)
    return client


def test_every_registered_model_admin_is_guarded():
    assert isinstance(admin.site._wrapped, ExchangeAdminSite)
    unguarded = [
        model._meta.label
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, GuardedModelAdminMixin)
    ]
    assert not unguarded
    assert {"auth.User", "django_celery_beat.PeriodicTask", "placements.Attachment"} <= {
        model._meta.label for model in admin.site._registry
    }


@pytest.mark.parametrize(
    "query",
    [
        "start__year=99999999999",  # the date hierarchy overflowed: a 500
        "start__year=9999",  # and had no next year to end the period at: a 500
        "start__year=9999&start__month=12",
        "start__year=2027&start__month=13",
        "participant__id__exact=abc",
        "start__gte=not-a-date",
    ],
)
def test_a_filter_the_list_cannot_apply_is_a_400_with_the_reason(admin_client_, query):
    response = admin_client_.get(f"/admin/placements/attachment/?{query}")
    assert response.status_code == 400
    body = response.content.decode()
    assert "The list cannot be filtered this way" in body
    assert 'href="/admin/placements/attachment/"' in body


@pytest.mark.parametrize("changelist", ["placements/attachment", "auth/user", "exchange/cohort"])
def test_selected_ids_that_are_not_ids_are_a_400_and_nothing_happens(admin_client_, changelist):
    attachment = AttachmentFactory(status="proposed")
    action = {"placements/attachment": "cancel_selected"}.get(changelist, "delete_selected")
    response = admin_client_.post(
        f"/admin/{changelist}/",
        {"action": action, "index": "0", "_selected_action": [str(attachment.pk), "abc"]},
    )
    assert response.status_code == 400
    assert "The selected items are not valid identifiers" in response.content.decode()
    attachment.refresh_from_db()
    assert attachment.status == "proposed"


def test_real_selections_still_run_the_action(admin_client_):
    attachment = AttachmentFactory(status="proposed")
    response = admin_client_.post(
        "/admin/placements/attachment/",
        {"action": "cancel_selected", "index": "0", "_selected_action": [str(attachment.pk)]},
    )
    assert response.status_code == 302
    assert Attachment.objects.get().status == "cancelled"


@pytest.mark.parametrize(
    ("app_label", "model_name", "field_name"),
    [("auth", "user", "participations"), ("exchange", "cohort", "participants")],
)
def test_autocomplete_of_a_reverse_relation_is_refused(
    admin_client_, app_label, model_name, field_name
):
    """Django let a reverse relation through its checks and then failed with AttributeError."""
    query = f"app_label={app_label}&model_name={model_name}&field_name={field_name}&term=1"
    assert admin_client_.get(f"{reverse('admin:autocomplete')}?{query}").status_code == 403


def test_autocomplete_of_a_declared_field_still_answers(admin_client_):
    attachment = AttachmentFactory()
    query = (
        "app_label=placements&model_name=attachment&field_name=participant"
        f"&term={attachment.participant.name_en}"
    )
    response = admin_client_.get(f"{reverse('admin:autocomplete')}?{query}")
    assert response.status_code == 200
    assert response.json()["results"][0]["id"] == str(attachment.participant.pk)


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/admin/exchange/hostdepartment/add/", {"abbreviation": "X", "city": "abc"}),
        ("/admin/exchange/hostdepartment/add/", {"abbreviation": "X", "liaisons": ["1", "x"]}),
        (
            "/admin/exchange/cohort/add/",  # an inline's autocomplete
            {
                "name": "Spring",
                "city_quotas-TOTAL_FORMS": "1",
                "city_quotas-INITIAL_FORMS": "0",
                "city_quotas-0-city": "abc",
                "city_quotas-0-seats": "3",
                "host_capacities-TOTAL_FORMS": "0",
                "host_capacities-INITIAL_FORMS": "0",
            },
        ),
    ],
)
def test_a_form_with_an_autocomplete_value_that_is_no_id_is_shown_again(admin_client_, url, data):
    """Django's autocomplete widget looked the posted value up as it was: ValueError, a 500."""
    response = admin_client_.post(url, data)
    assert response.status_code == 200
    assert 'class="errornote"' in response.content.decode()


@pytest.mark.parametrize(
    ("url", "data"),
    [
        # Celery beat's own models bound no date: a year-1 clocked time was stored, and the list
        # and the beat scheduler then failed reading it back ("timestamp too small").
        (
            "/admin/django_celery_beat/clockedschedule/add/",
            {"clocked_time_0": "0001-01-01", "clocked_time_1": "00:00:00"},
        ),
        (
            "/admin/django_celery_beat/clockedschedule/add/",
            {"clocked_time_0": "9999-12-31", "clocked_time_1": "23:59:59"},
        ),
        (
            "/admin/django_celery_beat/periodictask/add/",
            {
                "name": "far away",
                "task": "exchange.plan_notifications",
                "enabled": "on",
                "start_time_0": "0001-01-01",
                "start_time_1": "00:00:00",
                "expires_0": "9999-12-31",
                "expires_1": "23:59:59",
                "args": "[]",
                "kwargs": "{}",
                "headers": "{}",
                "priority": "",
            },
        ),
    ],
)
def test_third_party_admin_dates_stay_within_the_programme_years(admin_client_, url, data):
    before = (ClockedSchedule.objects.count(), PeriodicTask.objects.count())
    response = admin_client_.post(url, data)
    assert response.status_code == 200
    assert "Choose a date from" in response.content.decode()
    assert (ClockedSchedule.objects.count(), PeriodicTask.objects.count()) == before


def test_third_party_admin_dates_within_the_years_are_saved(admin_client_):
    response = admin_client_.post(
        "/admin/django_celery_beat/clockedschedule/add/",
        {
            "clocked_time_0": "2027-03-01",
            "clocked_time_1": "09:00:00",
            "periodictask_set-TOTAL_FORMS": "0",
            "periodictask_set-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302
    assert ClockedSchedule.objects.get().clocked_time.year == 2027
