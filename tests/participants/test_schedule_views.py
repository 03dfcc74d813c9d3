"""The schedule pages, the profile, and who may open them."""

import datetime
import re

import pytest
from django.urls import reverse

from exchange.models import Notification
from participants.models import Participant
from participants.notices import notices_for_participant_confirmed
from tests.factories import (
    ActivityFactory,
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
    response = client.get(reverse("placements:my_schedule"))
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
    response = client.get(reverse("placements:my_schedule"), {"view": view, "date": day})
    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="schedule-calendar"' in body
    assert f"attachment-{attachment.pk}@" in body
    assert f"activity-{activities[0].pk}@" in body


@pytest.mark.parametrize("date", ["soon", "9999-12-31", "0001-01-01", "2026-02-30"])
@pytest.mark.parametrize("view", ["month", "week", "nonsense"])
def test_a_nonsense_date_or_view_falls_back_instead_of_failing(client, participant, date, view):
    client.force_login(participant.user)
    response = client.get(reverse("placements:my_schedule"), {"view": view, "date": date})
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
    body = client.get(reverse("placements:my_schedule")).content.decode()
    assert body.index('id="schedule-today"') < body.index('id="schedule-upcoming"')
    past = body[body.index('id="schedule-past"') :]
    assert "<details" in body[body.index('id="schedule-upcoming"') :]
    assert "Long ago" in past


def test_another_participants_schedule_is_404(client, participant):
    other = ParticipantFactory(cohort=participant.cohort)
    client.force_login(participant.user)
    assert (
        client.get(reverse("placements:participant_schedule", args=[other.pk])).status_code == 404
    )
    assert (
        client.get(reverse("placements:participant_schedule_print", args=[other.pk])).status_code
        == 404
    )
    own = client.get(reverse("placements:participant_schedule", args=[participant.pk]))
    assert own.status_code == 200


def test_coordinator_sees_any_schedule_and_prints_it(client, coordinator, participant, department):
    attachment, activities = fill_schedule(participant, department, activities=3)
    client.force_login(coordinator)
    response = client.get(reverse("placements:participant_schedule", args=[participant.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert f"Schedule of {participant.name_en}" in body
    assert participant.calendar_token not in body  # the feed address is the official's secret
    printed = client.get(
        reverse("placements:participant_schedule_print", args=[participant.pk])
    ).content.decode()
    assert "data-print" in printed
    assert len(uids(printed)) == 5
    assert "Ms Supervisor" in printed


@pytest.mark.parametrize("fixture", ["liaison", "participant_user"])
def test_other_roles_cannot_open_a_coordinator_schedule_view(client, request, fixture, participant):
    other = ParticipantFactory()
    client.force_login(request.getfixturevalue(fixture))
    response = client.get(reverse("placements:participant_schedule", args=[other.pk]))
    assert response.status_code in {403, 404}


def test_anonymous_users_are_sent_to_login(client, participant):
    response = client.get(reverse("placements:participant_schedule", args=[participant.pk]))
    assert response.status_code == 302


@pytest.mark.parametrize("activities", [5, 100])
def test_schedule_pages_run_a_fixed_number_of_queries(
    client, participant, department, activities, django_assert_max_num_queries
):
    fill_schedule(participant, department, activities=activities)
    client.force_login(participant.user)
    for params in [{}, {"view": "month"}, {"view": "week"}]:
        with django_assert_max_num_queries(6):
            response = client.get(reverse("placements:my_schedule"), params)
        assert response.status_code == 200
    with django_assert_max_num_queries(6):
        response = client.get(
            reverse("placements:participant_schedule_print", args=[participant.pk])
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
    assert "我的日程" in client.get(reverse("placements:my_schedule")).content.decode()


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
    body = client.get(reverse("placements:my_schedule")).content.decode()
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
    body = client.get(reverse("placements:my_schedule")).content.decode()
    assert visit.title in body
    assert f'data-start="{day.isoformat()}T09:30:00+08:00"' in body  # 01:30 UTC in Hong Kong
    client.force_login(elsewhere.user)
    assert visit.title not in client.get(reverse("placements:my_schedule")).content.decode()
