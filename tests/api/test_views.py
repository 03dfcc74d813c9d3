"""The API scoped like the pages, writing through the same services: who sees what, who may
write, the rules' messages as 400 bodies in the caller's language, and fixed query counts."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from api.models import ApiToken
from api.pagination import ApiPagination
from api.services import api_token_create, api_token_revoke
from exchange.models import Cohort, HostDepartment, Notification
from exchange.roles import Role
from participants.models import Participant
from placements.models import Activity, Attachment
from placements.services import attachment_check
from tests.api.conftest import auth_headers
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def get(client, world, role, url, **headers):
    return client.get(url, headers={**auth_headers(world, role), **headers})


def send(client, world, role, method, url, data, **headers):
    return getattr(client, method)(
        url, data, content_type="application/json", headers={**auth_headers(world, role), **headers}
    )


def names(response):
    return sorted(row["name_en"] for row in response.json()["results"])


def obj(world, model, **match):
    return next(
        o for o in world.objects[model] if all(getattr(o, k) == v for k, v in match.items())
    )


def test_a_liaison_sees_only_their_departments_published_attachees(client, api_world):
    response = get(client, api_world, "liaison", "/api/participants/")
    assert response.status_code == 200
    assert names(response) == ["Li Wei"]
    attachments = get(client, api_world, "liaison", "/api/attachments/").json()["results"]
    assert [(a["participant"], a["status"]) for a in attachments] == [
        (obj(api_world, Participant, name_en="Li Wei").pk, "confirmed")
    ]
    departments = get(client, api_world, "liaison", "/api/departments/").json()["results"]
    assert [d["abbreviation"] for d in departments] == ["DPO"]
    # The draft of another official at the same department is the coordinators' alone.
    draft = obj(api_world, Attachment, status="proposed")
    assert get(client, api_world, "liaison", f"/api/attachments/{draft.pk}/").status_code == 404
    own = obj(api_world, Participant, name_en="Chen Minghui")
    assert get(client, api_world, "liaison", f"/api/participants/{own.pk}/").status_code == 404


def test_a_participant_sees_only_themself_and_their_schedule(client, api_world):
    assert names(get(client, api_world, "participant", "/api/participants/")) == ["Chen Minghui"]
    # Their only attachment is a draft: not theirs to see yet.
    assert get(client, api_world, "participant", "/api/attachments/").json()["count"] == 0
    activities = get(client, api_world, "participant", "/api/activities/").json()["results"]
    # The cohort's and the one naming them; not the DPO briefing (no published attachment) nor
    # the other cohort's.
    assert sorted(a["title"] for a in activities) == [
        "Called-off forum",
        "Site visit",
        "Welcome session",
    ]
    cohorts = get(client, api_world, "participant", "/api/cohorts/").json()["results"]
    assert [c["name"] for c in cohorts] == ["Spring 2027"]
    other = obj(api_world, Participant, name_en="Li Wei")
    response = get(client, api_world, "participant", f"/api/participants/{other.pk}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Nothing with this id is in your reach."}


def test_coordinators_see_everything_drafts_included_filtered_by_cohort_and_department(
    client, api_world
):
    everyone = get(client, api_world, "coordinator", "/api/participants/").json()
    assert everyone["count"] == 5
    spring = obj(api_world, Cohort, name="Spring 2027")
    dpo = obj(api_world, HostDepartment, abbreviation="DPO")
    response = get(
        client,
        api_world,
        "coordinator",
        f"/api/participants/?cohort={spring.pk}&department={dpo.pk}",
    )
    assert names(response) == ["Chen Minghui", "Li Wei"]
    attachments = get(
        client, api_world, "coordinator", f"/api/attachments/?department={dpo.pk}&status=proposed"
    ).json()["results"]
    assert [a["participant"] for a in attachments] == [
        obj(api_world, Participant, name_en="Chen Minghui").pk
    ]
    activities = get(
        client, api_world, "coordinator", f"/api/activities/?cohort={spring.pk}"
    ).json()
    assert activities["count"] == 4
    assert get(client, api_world, "coordinator", "/api/cohorts/").json()["count"] == 2


def test_a_bad_filter_or_page_is_a_4xx_with_a_reason(client, api_world):
    response = get(client, api_world, "coordinator", "/api/attachments/?cohort=abc&status=x")
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == {
        "cohort": ["A valid integer is required."],
        "status": ['"x" is not a valid choice.'],
    }
    assert body["detail"] == 'A valid integer is required. "x" is not a valid choice.'
    response = get(client, api_world, "coordinator", "/api/cohorts/?page=99")
    assert response.status_code == 404
    assert response.json() == {"detail": "Invalid page."}
    big = get(client, api_world, "coordinator", "/api/cohorts/99999999999999999999999/")
    assert big.status_code == 404


def test_lists_are_paginated(client, api_world, monkeypatch):
    monkeypatch.setattr(ApiPagination, "page_size", 2)
    first = get(client, api_world, "coordinator", "/api/participants/").json()
    assert first["count"] == 5
    assert len(first["results"]) == 2
    assert first["next"].endswith("/api/participants/?page=2")


@pytest.mark.parametrize(
    ("url", "most"),
    [
        ("/api/cohorts/", 4),
        ("/api/departments/", 4),
        ("/api/participants/", 4),
        ("/api/attachments/", 4),
        ("/api/activities/", 4),
    ],
)
@pytest.mark.parametrize("role", ["coordinator", "liaison", "participant"])
def test_lists_read_a_fixed_number_of_queries(
    client, api_world, django_assert_max_num_queries, url, most, role
):
    # The token and its user, the groups, then count and page (the activities of anyone but a
    # coordinator read their participations first, and their attachments if they have any).
    extra = {"participant": 2, "liaison": 1}.get(role, 0) if url == "/api/activities/" else 0
    with django_assert_max_num_queries(most + extra):
        assert get(client, api_world, role, url).status_code == 200


def test_a_coordinator_assigns_through_the_service_with_its_history_and_notices(client, api_world):
    official = obj(api_world, Participant, name_en="Wang Fang")
    official.user = UserFactory(role=Role.PARTICIPANT)
    official.save()
    itc = obj(api_world, HostDepartment, abbreviation="ITC")
    response = send(
        client,
        api_world,
        "coordinator",
        "post",
        "/api/attachments/",
        {
            "participant": official.pk,
            "department": itc.pk,
            "start": "2027-03-08",
            "end": "2027-04-09",
            "confirmed": True,
            "supervisor": "Mr Ho",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["start"], body["supervisor"]) == (
        "confirmed",
        "2027-03-08",
        "Mr Ho",
    )
    attachment = Attachment.objects.get(pk=body["id"])
    record = attachment.history.get()
    assert record.history_user == api_world.users["coordinator"]
    assert record.history_change_reason == "Assigned"
    assert Notification.objects.filter(recipient=official.user).exists()


def test_a_rule_refuses_with_the_services_message_in_the_callers_language(client, api_world):
    official = obj(api_world, Participant, name_en="Wang Fang")
    itc = obj(api_world, HostDepartment, abbreviation="ITC")
    payload = {
        "participant": official.pk,
        "department": itc.pk,
        "start": "2027-03-03",
        "end": "2027-04-09",
    }
    before = Attachment.objects.count()
    details = {}
    for language in ("en", "zh-hant", "zh-hans"):
        with translation.override(language), pytest.raises(ValidationError) as refused:
            attachment_check(
                participant=official,
                department=itc,
                start=datetime.date(2027, 3, 3),
                end=datetime.date(2027, 4, 9),
            )
        response = send(
            client,
            api_world,
            "coordinator",
            "post",
            "/api/attachments/",
            payload,
            **{"Accept-Language": language},
        )
        assert response.status_code == 400
        assert response.json()["errors"]["start"] == refused.value.message_dict["start"]
        details[language] = response.json()["detail"]
    # Three languages, three texts: the message is translated, not passed through.
    assert len(set(details.values())) == 3
    assert Attachment.objects.count() == before


def test_unknown_ids_in_a_body_are_400s_naming_the_field(client, api_world):
    response = send(
        client,
        api_world,
        "coordinator",
        "post",
        "/api/attachments/",
        {"participant": 999999, "department": 999999, "start": "2027-03-08", "end": "2027-04-09"},
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "participant": ["No official with this id is in your reach."]
    }
    official = obj(api_world, Participant, name_en="Wang Fang")
    old = HostDepartment.objects.get(abbreviation="OLD")
    response = send(
        client,
        api_world,
        "coordinator",
        "post",
        "/api/attachments/",
        {
            "participant": official.pk,
            "department": old.pk,
            "start": "2027-03-08",
            "end": "2027-04-09",
        },
    )
    assert response.json()["errors"] == {
        "department": ["This host department has no seats in the official's cohort."]
    }
    assert (
        send(client, api_world, "coordinator", "post", "/api/attachments/", [1]).status_code == 400
    )


def test_a_coordinator_changes_and_cancels_an_attachment(client, api_world):
    attachment = obj(api_world, Attachment, status="confirmed")
    url = f"/api/attachments/{attachment.pk}/"
    response = send(client, api_world, "coordinator", "patch", url, {"end": "2027-05-21"})
    assert response.status_code == 200, response.json()
    assert response.json()["end"] == "2027-05-21"
    attachment.refresh_from_db()
    assert attachment.end == datetime.date(2027, 5, 21)
    assert attachment.history.latest().history_change_reason.startswith("Dates changed from")

    response = send(client, api_world, "coordinator", "post", url + "cancel/", {"reason": "Ill"})
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert attachment.history.latest().history_change_reason == "Cancelled: Ill"
    again = send(client, api_world, "coordinator", "post", url + "cancel/", {})
    assert again.status_code == 400
    assert again.json()["detail"] == (
        "This attachment was cancelled; assign a new one instead of changing it."
    )
    changed = send(client, api_world, "coordinator", "patch", url, {"notes": "x"})
    assert changed.status_code == 400


def test_a_coordinator_publishes_a_draft(client, api_world):
    draft = obj(api_world, Attachment, status="proposed")
    response = send(
        client, api_world, "coordinator", "post", f"/api/attachments/{draft.pk}/confirm/", {}
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "confirmed"


@pytest.mark.parametrize("role", ["participant", "liaison"])
def test_only_coordinators_write(client, api_world, role):
    attachment = obj(api_world, Attachment, status="confirmed")
    official = obj(api_world, Participant, name_en="Wang Fang")
    before = list(Attachment.objects.order_by("pk").values())
    for method, url, data in [
        ("post", "/api/attachments/", {"participant": official.pk}),
        ("patch", f"/api/attachments/{attachment.pk}/", {"end": "2027-05-21"}),
        ("post", f"/api/attachments/{attachment.pk}/cancel/", {}),
        ("post", f"/api/attachments/{attachment.pk}/confirm/", {}),
    ]:
        response = send(client, api_world, role, method, url, data)
        assert response.status_code == 403
        assert response.json() == {"detail": "You do not have permission to perform this action."}
    assert list(Attachment.objects.order_by("pk").values()) == before


def test_reads_only_elsewhere(client, api_world):
    for url in ("/api/cohorts/", "/api/participants/", "/api/activities/"):
        assert send(client, api_world, "coordinator", "post", url, {}).status_code == 405
    cohort = obj(api_world, Cohort, name="Spring 2027")
    response = send(client, api_world, "admin", "delete", f"/api/cohorts/{cohort.pk}/", {})
    assert response.status_code == 405
    assert Cohort.objects.filter(pk=cohort.pk).exists()
    activity = api_world.objects[Activity][0]
    response = send(client, api_world, "admin", "put", f"/api/activities/{activity.pk}/", {})
    assert response.status_code == 405


def test_tokens_that_are_unknown_revoked_or_of_a_deactivated_user_are_refused(client, api_world):
    assert client.get("/api/cohorts/", headers={"Authorization": "Token nope"}).status_code == 401
    assert client.get("/api/cohorts/", headers={"Authorization": "Token"}).status_code == 401
    user = api_world.users["coordinator"]
    token, key = api_token_create(user=user, name="finance")
    headers = {"Authorization": f"Token {key}"}
    assert client.get("/api/cohorts/", headers=headers).status_code == 200
    assert ApiToken.objects.get(pk=token.pk).key_hash != key
    assert not ApiToken.objects.filter(key_hash=key).exists()
    api_token_revoke(token=token)
    response = client.get("/api/cohorts/", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or revoked token."}
    other, other_key = api_token_create(user=api_world.users["liaison"], name="hr")
    api_world.users["liaison"].is_active = False
    api_world.users["liaison"].save()
    try:
        response = client.get("/api/cohorts/", headers={"Authorization": f"Token {other_key}"})
        assert response.status_code == 401
    finally:
        api_world.users["liaison"].is_active = True
        api_world.users["liaison"].save()


def test_a_session_reads_and_writes_with_its_csrf_token(api_world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(api_world.users["coordinator"])
    assert client.get("/api/attachments/").status_code == 200
    attachment = obj(api_world, Attachment, status="confirmed")
    url = f"/api/attachments/{attachment.pk}/cancel/"
    response = client.post(url, {}, content_type="application/json")
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed")
    csrf = "a" * 32
    client.cookies["csrftoken"] = csrf
    response = client.post(url, {}, content_type="application/json", headers={"X-CSRFToken": csrf})
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["anonymous", "participant", "coordinator"])
@pytest.mark.parametrize(
    "url", ["/api/", "/api/nothing/", "/api/cohorts/1/2/", "/api/cohorts/1.5/", "/api/cohorts/x/"]
)
def test_every_other_address_under_the_api_is_a_json_404(client, api_world, role, url):
    response = get(client, api_world, role, url)
    # A malformed id without a dot reaches its operation, which asks who is calling first.
    operation = url == "/api/cohorts/x/"
    assert response.status_code == (401 if operation and role == "anonymous" else 404)
    assert response["Content-Type"] == "application/json"
    assert response.json()["detail"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hant", "未提供身份驗證憑證。"), ("zh-hans", "身份认证信息未提供。")],
)
def test_the_frameworks_own_refusals_are_translated_too(client, language, expected):
    response = client.get("/api/cohorts/", headers={"Accept-Language": language})
    assert response.status_code == 401
    assert response.json() == {"detail": expected}
