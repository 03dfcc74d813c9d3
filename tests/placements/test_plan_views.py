"""The coordinator's plan pages: ask for a suggestion, follow it, accept it into the draft."""

import pytest
from django.urls import reverse

from exchange.models import Notification
from participants.models import HostPreference
from placements.models import Attachment, PlanSuggestion
from tests.placements.conftest import day

pytestmark = pytest.mark.django_db


@pytest.fixture
def wishing(make_official, dpo, td):
    officials = [make_official(name) for name in ("Chen Minghui", "Lin Xiaoyan", "Wang Lei")]
    for official in officials:
        HostPreference.objects.create(participant=official, department=td, rank=1)
        HostPreference.objects.create(participant=official, department=dpo, rank=2)
    return officials


def suggest(client, cohort, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("placements:plansuggestion_create", args=[cohort.pk]), data)
    assert response.status_code == 302
    return PlanSuggestion.objects.latest("pk"), response


def test_the_coordinator_suggests_follows_and_accepts_a_plan(
    client, coordinator, cohort, wishing, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    suggestion, response = suggest(client, cohort, django_capture_on_commit_callbacks)
    assert response["Location"] == reverse("placements:plansuggestion_detail", args=[suggestion.pk])
    suggestion.refresh_from_db()
    assert suggestion.status == "done" and suggestion.placed == 3

    page = client.get(response["Location"]).content.decode()
    # TD has two seats for three officials who all want it first: the best plan gives all three
    # their first choice, one after another in the second seat.
    assert page.count('<td class="small">1st choice</td>') == 3
    assert "08/03/2027 – 30/05/2027" in page
    assert "Accept the whole plan" in page

    accepted = client.post(
        reverse("placements:plansuggestion_accept", args=[suggestion.pk]),
        {"scope": "all"},
        follow=True,
    )
    body = accepted.content.decode()
    assert "attachments added to the draft" in body
    assert Attachment.objects.filter(status="proposed").count() == 3
    # Into the draft: nothing sent until it is published.
    assert not Notification.objects.exists()
    assert accepted.redirect_chain[-1][0] == reverse("placements:plan_publish", args=[cohort.pk])


def test_rows_are_accepted_one_by_one(
    client, coordinator, cohort, wishing, django_capture_on_commit_callbacks
):
    client.force_login(coordinator)
    suggestion, _response = suggest(client, cohort, django_capture_on_commit_callbacks)
    suggestion.refresh_from_db()
    first = suggestion.rows[0]
    url = reverse("placements:plansuggestion_accept", args=[suggestion.pk])
    nothing = client.post(url, {"scope": "rows"}, follow=True)
    assert "Tick the rows to accept" in nothing.content.decode()
    assert not Attachment.objects.exists()
    client.post(url, {"scope": "rows", "row": [str(first["id"])]})
    (attachment,) = Attachment.objects.all()
    assert (attachment.participant_id, attachment.department_id) == (
        first["participant"],
        first["department"],
    )
    assert attachment.start == day(3, 8)


def test_others_may_not_ask_follow_or_accept(
    client,
    liaison,
    participant_user,
    cohort,
    wishing,
    coordinator,
    django_capture_on_commit_callbacks,
):
    client.force_login(coordinator)
    suggestion, _response = suggest(client, cohort, django_capture_on_commit_callbacks)
    for user in (liaison, participant_user):
        client.force_login(user)
        create = reverse("placements:plansuggestion_create", args=[cohort.pk])
        assert client.post(create).status_code == 403
        detail = reverse("placements:plansuggestion_detail", args=[suggestion.pk])
        assert client.get(detail).status_code == 403
        accept = reverse("placements:plansuggestion_accept", args=[suggestion.pk])
        assert client.post(accept, {"scope": "all"}).status_code == 403
    assert PlanSuggestion.objects.count() == 1
    assert not Attachment.objects.exists()
    client.force_login(coordinator)
    assert client.get(reverse("placements:plansuggestion_detail", args=[999999])).status_code == 404
