"""Who may open the board, the dashboard, the timeline and every write URL: coordinators (and
admins) on any cohort; participants and liaisons never (403), anonymous users go to login."""

import datetime

import pytest
from django.urls import reverse

from placements.models import Attachment
from placements.services import attachment_confirm, attachment_create
from tests.factories import CohortFactory, HostCapacityFactory, ParticipantFactory
from tests.placements.conftest import day

pytestmark = pytest.mark.django_db


@pytest.fixture
def attachment(official, dpo):
    return attachment_create(
        participant=official, department=dpo, start=day(3, 8), end=day(4, 9), by=None
    )


def urls(cohort, official, attachment):
    return [
        ("get", reverse("placements:cohort_dashboard", args=[cohort.pk])),
        ("get", reverse("placements:cohort_board", args=[cohort.pk])),
        ("get", reverse("placements:cohort_timeline", args=[cohort.pk])),
        ("get", reverse("placements:attachment_history", args=[cohort.pk])),
        ("get", reverse("placements:cohort_create")),
        ("post", reverse("placements:cohort_create")),
        ("get", reverse("placements:cohort_update", args=[cohort.pk])),
        ("post", reverse("placements:cohort_update", args=[cohort.pk])),
        ("get", reverse("placements:board_row", args=[official.pk])),
        ("get", reverse("placements:attachment_create", args=[official.pk])),
        ("post", reverse("placements:attachment_create", args=[official.pk])),
        ("get", reverse("placements:attachment_update", args=[attachment.pk])),
        ("post", reverse("placements:attachment_update", args=[attachment.pk])),
        ("post", reverse("placements:attachment_confirm", args=[attachment.pk])),
        ("get", reverse("placements:attachment_cancel", args=[attachment.pk])),
        ("post", reverse("placements:attachment_cancel", args=[attachment.pk])),
        ("get", reverse("participants:participant_list")),
        ("get", reverse("participants:participant_create")),
        ("post", reverse("participants:participant_create")),
        ("get", reverse("participants:participant_update", args=[official.pk])),
        ("post", reverse("participants:participant_update", args=[official.pk])),
        ("get", reverse("participants:hostpreference_update", args=[official.pk])),
        ("post", reverse("participants:hostpreference_update", args=[official.pk])),
        ("get", reverse("placements:participant_withdraw", args=[official.pk])),
        ("post", reverse("placements:participant_withdraw", args=[official.pk])),
        ("post", reverse("participants:participant_confirm", args=[official.pk])),
        ("post", reverse("participants:participant_reinstate", args=[official.pk])),
    ]


@pytest.mark.parametrize("role", ["participant_user", "liaison"])
def test_participants_and_liaisons_are_refused_everywhere(
    client, request, role, cohort, official, attachment
):
    # The liaison's own department hosts this official, and the participant is one too: still no.
    official.user = request.getfixturevalue("participant_user")
    official.save()
    client.force_login(request.getfixturevalue(role))
    for method, url in urls(cohort, official, attachment):
        response = getattr(client, method)(url)
        assert response.status_code == 403, (method, url, response.status_code)
    attachment.refresh_from_db()
    official.refresh_from_db()
    assert (attachment.status, official.status) == ("proposed", "confirmed")
    assert Attachment.objects.count() == 1


def test_anonymous_users_are_sent_to_login(client, cohort, official, attachment):
    for method, url in urls(cohort, official, attachment):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("role", ["coordinator", "admin_user"])
def test_coordinators_and_admins_open_every_page(
    client, request, role, cohort, official, attachment
):
    client.force_login(request.getfixturevalue(role))
    for method, url in urls(cohort, official, attachment):
        if method == "get":
            assert client.get(url).status_code == 200, url


def test_a_coordinator_acts_on_any_cohort(client, coordinator, cohort, official, dpo):
    other = CohortFactory(name="Another cohort")
    HostCapacityFactory(cohort=other, department=dpo, seats=1)
    stranger = ParticipantFactory(cohort=other, name_en="Other Cohort Official")
    client.force_login(coordinator)
    for participant in (official, stranger):
        start = participant.cohort.orientation_end + datetime.timedelta(days=3)
        end = participant.cohort.earliest_end + datetime.timedelta(days=7)
        response = client.post(
            reverse("placements:attachment_create", args=[participant.pk]),
            {
                f"assign-{participant.pk}-department": dpo.pk,
                f"assign-{participant.pk}-start": start.isoformat(),
                f"assign-{participant.pk}-end": end.isoformat(),
            },
        )
        assert response.status_code == 302, response.content.decode()
    assert set(Attachment.objects.values_list("participant", flat=True)) == {
        official.pk,
        stranger.pk,
    }


def test_a_liaison_sees_their_attachee_but_not_the_others(
    client, liaison, attachment, make_official
):
    client.force_login(liaison)
    # A draft is the coordinators' alone: not even the department's liaison sees it.
    assert client.get(attachment.participant.get_absolute_url()).status_code == 404
    attachment_confirm(attachment=attachment, by=None)
    detail = client.get(attachment.participant.get_absolute_url())
    assert detail.status_code == 200
    body = detail.content.decode()
    assert "DPO" in body and "Published" in body
    # The draft's own versions stay out of the liaison's history.
    assert "Assigned" not in body
    assert reverse("placements:attachment_cancel", args=[attachment.pk]) not in body
    assert client.get(make_official("Not Theirs").get_absolute_url()).status_code == 404
