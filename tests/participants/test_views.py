"""Participant management pages for coordinators: list and search, create, edit, preferences,
confirm, withdraw, reinstate; and what bad input gets.

The schedule pages, the profile, and who may open them.
"""

import datetime
import re

import pytest
from django.urls import reverse

from exchange.models import CityQuota, Notification
from exchange.outbox import notices_for_participant_confirmed
from participants.models import Participant
from tests.factories import (
    ActivityFactory,
    CityFactory,
    CohortFactory,
    FocusAreaFactory,
    HostCapacityFactory,
    HostDepartmentFactory,
    ParticipantFactory,
    UserFactory,
)
from tests.scheduling import fill_schedule

pytestmark = pytest.mark.django_db


def uids(body: str) -> list[str]:
    return re.findall(r'data-uid="([^"]+)"', body)


def test_my_schedule_shows_orientation_attachment_and_activities(client, participant, department):
    attachment, activities = fill_schedule(participant, department, activities=3)
    client.force_login(participant.user)
    response = client.get(reverse("participants:my_schedule"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Orientation week" in body
    assert "Attachment: Digital Policy Office" in body
    assert department.address in body
    assert "Ms Supervisor" in body
    assert all(activity.title in body for activity in activities)
    assert len(uids(body)) == 5
    assert "Hong Kong time" in body
    assert participant.calendar_token in body


@pytest.mark.parametrize("view", ["month", "week"])
def test_calendar_views_draw_the_items(client, participant, department, view):
    attachment, activities = fill_schedule(participant, department, activities=2)
    client.force_login(participant.user)
    day = attachment.start
    response = client.get(reverse("participants:my_schedule"), {"view": view, "date": day})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="schedule-calendar"' in body
    assert f"attachment-{attachment.pk}@" in body
    assert f"activity-{activities[0].pk}@" in body


@pytest.mark.parametrize("date", ["soon", "9999-12-31", "0001-01-01", "2026-02-30"])
@pytest.mark.parametrize("view", ["month", "week", "nonsense"])
def test_a_nonsense_date_or_view_falls_back_instead_of_failing(client, participant, date, view):
    client.force_login(participant.user)
    response = client.get(reverse("participants:my_schedule"), {"view": view, "date": date})
    assert response.status_code == 200
    assert "Orientation week" in response.content.decode()


def test_list_puts_today_first_and_collapses_the_past(client, participant, department):
    fill_schedule(participant, department, activities=0)
    ActivityFactory(
        cohort=participant.cohort,
        title="Long ago",
        starts_at=datetime.datetime(2020, 1, 6, 9, tzinfo=datetime.UTC),
        ends_at=datetime.datetime(2020, 1, 6, 10, tzinfo=datetime.UTC),
    )
    client.force_login(participant.user)
    body = client.get(reverse("participants:my_schedule")).content.decode()
    assert body.index('id="schedule-today"') < body.index('id="schedule-upcoming"')
    past = body[body.index('id="schedule-past"') :]
    assert "<details" in body[body.index('id="schedule-upcoming"') :]
    assert "Long ago" in past


def test_another_participants_schedule_is_404(client, participant):
    other = ParticipantFactory(cohort=participant.cohort)
    client.force_login(participant.user)
    assert (
        client.get(reverse("participants:participant_schedule", args=[other.pk])).status_code == 404
    )
    assert (
        client.get(reverse("participants:participant_schedule_print", args=[other.pk])).status_code
        == 404
    )
    own = client.get(reverse("participants:participant_schedule", args=[participant.pk]))
    assert own.status_code == 200


def test_coordinator_sees_any_schedule_and_prints_it(client, coordinator, participant, department):
    attachment, activities = fill_schedule(participant, department, activities=3)
    client.force_login(coordinator)
    response = client.get(reverse("participants:participant_schedule", args=[participant.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert f"Schedule of {participant.name_en}" in body
    assert participant.calendar_token not in body  # the feed address is the official's secret
    printed = client.get(
        reverse("participants:participant_schedule_print", args=[participant.pk])
    ).content.decode()
    assert "window.print()" in printed
    assert len(uids(printed)) == 5
    assert "Ms Supervisor" in printed


@pytest.mark.parametrize("fixture", ["liaison", "participant_user"])
def test_other_roles_cannot_open_a_coordinator_schedule_view(client, request, fixture, participant):
    other = ParticipantFactory()
    client.force_login(request.getfixturevalue(fixture))
    response = client.get(reverse("participants:participant_schedule", args=[other.pk]))
    assert response.status_code in {403, 404}


def test_anonymous_users_are_sent_to_login(client, participant):
    response = client.get(reverse("participants:participant_schedule", args=[participant.pk]))
    assert response.status_code == 302


@pytest.mark.parametrize("activities", [5, 100])
def test_schedule_pages_run_a_fixed_number_of_queries(
    client, participant, department, activities, django_assert_max_num_queries
):
    fill_schedule(participant, department, activities=activities)
    client.force_login(participant.user)
    for params in [{}, {"view": "month"}, {"view": "week"}]:
        with django_assert_max_num_queries(6):
            response = client.get(reverse("participants:my_schedule"), params)
        assert response.status_code == 200
    with django_assert_max_num_queries(6):
        response = client.get(
            reverse("participants:participant_schedule_print", args=[participant.pk])
        )
    assert len(uids(response.content.decode())) == activities + 2


def test_participant_sets_the_language_of_their_mail(client, participant):
    notices_for_participant_confirmed(participant=participant)
    client.force_login(participant.user)
    assert client.get(reverse("participants:my_profile")).status_code == 200
    response = client.post(reverse("participants:my_profile"), {"preferred_language": "zh-hant"})
    assert response.status_code == 302
    participant.refresh_from_db()
    assert participant.preferred_language == "zh-hant"
    assert response.cookies["django_language"].value == "zh-hant"
    Notification.objects.all().delete()
    notices_for_participant_confirmed(participant=participant)
    assert Notification.objects.get().language == "zh-hant"
    assert "我的日程" in client.get(reverse("participants:my_schedule")).content.decode()


def test_an_unknown_language_is_a_form_error_and_changes_nothing(client, participant):
    client.force_login(participant.user)
    response = client.post(reverse("participants:my_profile"), {"preferred_language": "fr"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Participant.objects.get(pk=participant.pk).preferred_language == "en"


def test_profile_is_only_for_participants(client, coordinator, liaison):
    for user in (coordinator, liaison):
        client.force_login(user)
        assert client.get(reverse("participants:my_profile")).status_code == 403


def test_participant_without_a_cohort_gets_a_clear_page(client):
    user = UserFactory(role="participant")
    client.force_login(user)
    body = client.get(reverse("participants:my_schedule")).content.decode()
    assert "You are not part of a cohort yet." in body
    assert client.get(reverse("participants:my_profile")).status_code == 404


def test_department_activity_shows_only_on_its_attachees_schedules(client, participant, department):
    attachment, _ = fill_schedule(participant, department, activities=0)
    elsewhere = ParticipantFactory(cohort=participant.cohort, user=UserFactory(role="participant"))
    fill_schedule(elsewhere, HostDepartmentFactory(abbreviation="TD"), activities=0)
    day = attachment.start + datetime.timedelta(days=2)
    visit = ActivityFactory(
        cohort=participant.cohort,
        title="Site visit: data centre",
        audience="department",
        department=department,
        starts_at=datetime.datetime.combine(day, datetime.time(1, 30), tzinfo=datetime.UTC),
        ends_at=datetime.datetime.combine(day, datetime.time(4, 0), tzinfo=datetime.UTC),
    )
    client.force_login(participant.user)
    body = client.get(reverse("participants:my_schedule")).content.decode()
    assert visit.title in body
    assert f'data-start="{day.isoformat()}T09:30:00+08:00"' in body  # 01:30 UTC in Hong Kong
    client.force_login(elsewhere.user)
    assert visit.title not in client.get(reverse("participants:my_schedule")).content.decode()


pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort():
    return CohortFactory(name="Pages cohort")


@pytest.fixture
def city(cohort):
    city = CityFactory(code="SH", name_en="Shanghai")
    CityQuota.objects.create(cohort=cohort, city=city, seats=2)
    return city


@pytest.fixture
def official(cohort, city):
    return ParticipantFactory(
        cohort=cohort, home_city=city, name_en="Sun Yuhan", status="nominated"
    )


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def details(city, **overrides):
    data = {
        "name_en": "Ma Junjie",
        "name_zh": "马俊杰",
        "home_city": city.pk,
        "home_organisation": "Shanghai Municipal Financial Regulatory Bureau",
        "post_title": "Deputy Director",
        "rank": "deputy_division_director",
        "email": "ma@example.org",
        "phone": "",
        "preferred_language": "zh-hans",
    }
    data.update(overrides)
    return data


def test_list_searches_and_paginates(coordinator_client, cohort, city, official):
    ParticipantFactory(cohort=cohort, home_city=city, name_en="Zhu Qingqing")
    url = reverse("participants:participant_list")
    response = coordinator_client.get(url, {"q": "sun"})
    assert [p.name_en for p in response.context["participants"]] == ["Sun Yuhan"]
    response = coordinator_client.get(url, {"cohort": cohort.pk, "status": "nominated"})
    assert [p.name_en for p in response.context["participants"]] == ["Sun Yuhan"]
    response = coordinator_client.get(url, {"cohort": "nope", "page": "1"})
    assert response.status_code == 200
    assert "cohort" in response.context["search"].errors
    assert response.context["paginator"].per_page == 25


def test_create_an_official(coordinator_client, cohort, city):
    area = FocusAreaFactory(code="trade", name_en="Trade and finance")
    response = coordinator_client.post(
        reverse("participants:participant_create"),
        {**details(city), "cohort": cohort.pk, "focus_areas": [area.pk], "confirmed": "on"},
    )
    official = Participant.objects.get(email="ma@example.org")
    assert response.url == official.get_absolute_url()
    assert official.status == "confirmed"
    assert list(official.focus_areas.all()) == [area]


def test_create_beyond_the_quota_is_a_field_error(coordinator_client, cohort, city, official):
    ParticipantFactory(cohort=cohort, home_city=city)
    response = coordinator_client.post(
        reverse("participants:participant_create"), {**details(city), "cohort": cohort.pk}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["home_city"] == [
        "Shanghai's quota of 2 seat(s) in Pages cohort is full (2 officials not withdrawn)."
    ]
    assert not Participant.objects.filter(email="ma@example.org").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("cohort", "999999"), ("home_city", "abc"), ("focus_areas", "999999"), ("email", "nope")],
)
def test_tampered_create_fields_are_field_errors(coordinator_client, cohort, city, field, value):
    data = {**details(city), "cohort": cohort.pk, field: value}
    response = coordinator_client.post(reverse("participants:participant_create"), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Participant.objects.exists()


def test_edit_details_and_interests(coordinator_client, official, city):
    area = FocusAreaFactory(code="gba", name_en="Greater Bay Area development")
    url = reverse("participants:participant_update", args=[official.pk])
    assert coordinator_client.get(url).context["participant"] == official
    response = coordinator_client.post(
        url,
        {**details(city, name_en="Sun Yuhan", email="sun@example.org"), "focus_areas": [area.pk]},
    )
    assert response.status_code == 302
    official.refresh_from_db()
    assert (official.post_title, official.email) == ("Deputy Director", "sun@example.org")
    assert list(official.focus_areas.all()) == [area]


def test_edit_cannot_take_an_email_already_in_the_cohort(
    coordinator_client, cohort, city, official
):
    ParticipantFactory(cohort=cohort, home_city=city, email="taken@example.org")
    response = coordinator_client.post(
        reverse("participants:participant_update", args=[official.pk]),
        details(city, email="Taken@example.org"),
    )
    assert response.status_code == 200
    assert "An official with this email is already in the cohort." in str(
        response.context["form"].errors
    )


def test_ranked_preferences(coordinator_client, cohort, official):
    dpo, td = HostDepartmentFactory(abbreviation="DPO"), HostDepartmentFactory(abbreviation="TD")
    for department in (dpo, td):
        HostCapacityFactory(cohort=cohort, department=department, seats=2)
    no_seats = HostDepartmentFactory(abbreviation="EPD")
    url = reverse("participants:hostpreference_update", args=[official.pk])
    response = coordinator_client.post(url, {"choice_1": td.pk, "choice_2": td.pk})
    assert response.context["form"].errors == {
        "choice_2": ["This department is already a higher choice."]
    }
    response = coordinator_client.post(url, {"choice_1": no_seats.pk})
    assert "choice_1" in response.context["form"].errors
    response = coordinator_client.post(url, {"choice_1": td.pk, "choice_3": dpo.pk})
    assert response.status_code == 302
    assert list(official.preferences.values_list("rank", "department__abbreviation")) == [
        (1, "TD"),
        (2, "DPO"),
    ]
    assert coordinator_client.get(url).context["form"].initial == {
        "choice_1": td.pk,
        "choice_2": dpo.pk,
    }


def test_confirm_withdraw_and_reinstate(coordinator_client, official):
    confirm = reverse("participants:participant_confirm", args=[official.pk])
    assert coordinator_client.get(confirm).status_code == 405
    coordinator_client.post(confirm)
    official.refresh_from_db()
    assert official.status == "confirmed"

    withdraw = reverse("participants:participant_withdraw", args=[official.pk])
    assert "no attachment to cancel" in coordinator_client.get(withdraw).content.decode()
    response = coordinator_client.post(withdraw, {"reason": "recalled"}, follow=True)
    assert "is withdrawn" in response.content.decode()
    official.refresh_from_db()
    assert official.status == "withdrawn"

    coordinator_client.post(reverse("participants:participant_reinstate", args=[official.pk]))
    official.refresh_from_db()
    assert official.status == "nominated"


def test_confirming_a_withdrawn_official_shows_why_not(coordinator_client, official):
    official.status = "withdrawn"
    official.save()
    response = coordinator_client.post(
        reverse("participants:participant_confirm", args=[official.pk]), follow=True
    )
    assert "Only a nominated official can be confirmed; Sun Yuhan is withdrawn." in (
        response.content.decode()
    )


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("participant_detail", "get"),
        ("participant_update", "get"),
        ("participant_update", "post"),
        ("hostpreference_update", "get"),
        ("hostpreference_update", "post"),
        ("participant_withdraw", "get"),
        ("participant_withdraw", "post"),
        ("participant_confirm", "post"),
        ("participant_reinstate", "post"),
    ],
)
def test_unknown_officials_are_404(coordinator_client, name, method):
    url = reverse(f"participants:{name}", args=[999999])
    assert getattr(coordinator_client, method)(url).status_code == 404
