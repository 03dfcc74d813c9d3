"""Activity pages for coordinators and liaisons, and the liaison's attachees."""

import datetime

import pytest
from django.urls import reverse

from exchange.models import Notification
from exchange.roles import Role
from placements.models import Activity
from tests.factories import (
    ActivityFactory,
    AttachmentFactory,
    CohortFactory,
    HostDepartmentFactory,
    ParticipantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort():
    return CohortFactory(orientation_start=datetime.date.today() - datetime.timedelta(days=10))


@pytest.fixture
def attachee(cohort, department):
    official = ParticipantFactory(
        cohort=cohort,
        name_en="Chen Minghui",
        phone="+86 131 1037 2053",
        home_organisation="Shenzhen Municipal Commerce Bureau",
        user=UserFactory(role=Role.PARTICIPANT),
    )
    AttachmentFactory(participant=official, department=department)
    return official


@pytest.fixture
def stranger(cohort):
    """An official attached to another department (TD)."""
    official = ParticipantFactory(cohort=cohort, name_en="Zhou Jingwen", phone="+86 139 0000")
    AttachmentFactory(participant=official, department=HostDepartmentFactory(abbreviation="TD"))
    return official


def form_data(day, **changes):
    return {
        "kind": "site_visit",
        "title": "Site visit: Tseung Kwan O data centre",
        "starts_at": f"{day.isoformat()}T10:00",
        "ends_at": f"{day.isoformat()}T12:30",
        "location": "Tseung Kwan O Industrial Estate",
        "audience": "department",
        "description": "",
        **changes,
    }


def test_liaison_sees_own_attachees_with_contact_details_only(client, liaison, attachee, stranger):
    client.force_login(liaison)
    response = client.get(reverse("placements:liaison_attachees"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Chen Minghui" in body
    assert attachee.email in body
    assert "+86 131 1037 2053" in body
    assert "Shenzhen Municipal Commerce Bureau" in body
    assert "Zhou Jingwen" not in body
    assert stranger.email not in body


def test_liaison_cannot_open_another_departments_attachee(client, liaison, stranger, attachee):
    client.force_login(liaison)
    url = reverse("placements:participant_detail", args=[stranger.pk])
    assert client.get(url).status_code == 404
    own = reverse("placements:participant_detail", args=[attachee.pk])
    assert client.get(own).status_code == 200


def test_liaison_adds_a_site_visit_that_lands_on_the_attachees_schedule(
    client, liaison, attachee, department
):
    day = attachee.attachments.get().start + datetime.timedelta(days=1)
    client.force_login(liaison)
    url = reverse("placements:activity_create", args=[attachee.cohort.pk])
    form = client.get(url).content.decode()
    assert "The whole cohort" not in form
    assert "Chen Minghui" in form
    response = client.post(url, form_data(day, department=department.pk))
    assert response.status_code == 302
    activity = Activity.objects.get()
    assert (activity.department, activity.created_by) == (department, liaison)
    assert activity.starts_at.astimezone(datetime.UTC).hour == 2  # 10:00 in Hong Kong
    client.force_login(attachee.user)
    assert activity.title in client.get(reverse("placements:my_schedule")).content.decode()


def test_liaison_cannot_plan_for_another_department(client, liaison, attachee, stranger):
    other = stranger.attachments.get().department
    day = attachee.attachments.get().start
    client.force_login(liaison)
    url = reverse("placements:activity_create", args=[attachee.cohort.pk])
    response = client.post(url, form_data(day, department=other.pk))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Activity.objects.exists()


def test_liaison_cannot_edit_or_cancel_another_departments_activity(client, liaison, stranger):
    other = stranger.attachments.get().department
    activity = ActivityFactory(cohort=stranger.cohort, department=other, audience="department")
    client.force_login(liaison)
    assert client.get(reverse("placements:activity_update", args=[activity.pk])).status_code == 404
    assert client.post(reverse("placements:activity_cancel", args=[activity.pk])).status_code == 404
    activity.refresh_from_db()
    assert activity.status == Activity.Status.SCHEDULED


def test_an_activity_ending_before_it_starts_is_a_form_error(client, coordinator, attachee):
    day = attachee.cohort.orientation_start
    client.force_login(coordinator)
    url = reverse("placements:activity_create", args=[attachee.cohort.pk])
    response = client.post(url, form_data(day, audience="cohort", ends_at=f"{day}T09:00"))
    assert response.status_code == 200
    assert "An activity must end after it starts." in response.content.decode()
    assert not Activity.objects.exists()


def test_named_official_outside_the_cohort_is_a_form_error(client, coordinator, attachee):
    outsider = ParticipantFactory(cohort=CohortFactory())
    day = attachee.cohort.orientation_start
    client.force_login(coordinator)
    url = reverse("placements:activity_create", args=[attachee.cohort.pk])
    response = client.post(url, form_data(day, audience="named", participants=[outsider.pk]))
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    response = client.post(url, form_data(day, audience="named"))
    assert "Name at least one official" in response.content.decode()
    assert not Activity.objects.exists()


def test_coordinator_edits_and_cancels_an_activity(client, coordinator, attachee):
    activity = ActivityFactory(cohort=attachee.cohort, title="Opening")
    day = activity.starts_at.date()
    client.force_login(coordinator)
    listing = client.get(reverse("placements:activity_list", args=[attachee.cohort.pk]))
    assert "Opening" in listing.content.decode()
    assert "1 official" in listing.content.decode()
    response = client.post(
        reverse("placements:activity_update", args=[activity.pk]),
        form_data(day, title="Opening session", audience="cohort", kind="orientation_session"),
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.title, activity.sequence) == ("Opening session", 1)
    assert Notification.objects.filter(recipient=attachee.user).count() == 1
    confirm = client.get(reverse("placements:activity_cancel", args=[activity.pk]))
    assert "Cancel the activity" in confirm.content.decode()
    response = client.post(reverse("placements:activity_cancel", args=[activity.pk]))
    assert response.status_code == 302
    activity.refresh_from_db()
    assert (activity.status, activity.sequence) == ("cancelled", 2)
    assert Notification.objects.filter(recipient=attachee.user).count() == 2


@pytest.mark.parametrize("fixture", ["participant_user", "liaison"])
def test_activity_pages_are_refused_to_others(client, request, fixture, cohort):
    client.force_login(request.getfixturevalue(fixture))
    response = client.get(reverse("placements:activity_list", args=[cohort.pk]))
    assert response.status_code in {403, 404}
    response = client.get(reverse("placements:activity_create", args=[cohort.pk]))
    assert response.status_code in {403, 404}
    assert not Activity.objects.exists()


@pytest.mark.parametrize("size", [5, 60])
def test_liaison_and_activity_pages_run_a_fixed_number_of_queries(
    client, coordinator, liaison, cohort, department, size, django_assert_max_num_queries
):
    for number in range(size):
        official = ParticipantFactory(cohort=cohort)
        attachment = AttachmentFactory(participant=official, department=department)
        ActivityFactory(
            cohort=cohort,
            audience="department",
            department=department,
            title=f"Visit {number}",
            starts_at=datetime.datetime.combine(
                attachment.start, datetime.time(1), tzinfo=datetime.UTC
            )
            + datetime.timedelta(days=number % 10),
            ends_at=datetime.datetime.combine(
                attachment.start, datetime.time(3), tzinfo=datetime.UTC
            )
            + datetime.timedelta(days=number % 10),
        )
    client.force_login(liaison)
    with django_assert_max_num_queries(9):
        body = client.get(reverse("placements:liaison_attachees")).content.decode()
    assert body.count("mailto:") >= size
    client.force_login(coordinator)
    with django_assert_max_num_queries(9):
        response = client.get(reverse("placements:activity_list", args=[cohort.pk]))
    assert response.content.decode().count("Visit ") >= min(size, 50)
