import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from django.utils import timezone

from exchange.roles import ROLE_PERMISSIONS, Role

pytestmark = pytest.mark.django_db


def perms(role):
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Group.objects.get(name=role).permissions.select_related("content_type")
    }


def test_the_four_role_groups_exist_with_their_permissions():
    assert set(Group.objects.values_list("name", flat=True)) >= {r.value for r in Role}
    assert perms("admin") == {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.select_related("content_type")
    }
    coordinator = perms("coordinator")
    assert {
        "placements.add_attachment",
        "placements.change_attachment",
        "participants.add_participant",
        "exchange.change_cohort",
    } <= coordinator
    assert "auth.add_user" not in coordinator
    assert "exchange.change_hostdepartment" not in coordinator
    liaison = perms("liaison")
    assert {
        "placements.add_activity",
        "placements.change_activity",
        "placements.view_attachment",
    } <= liaison
    assert "placements.change_attachment" not in liaison
    assert perms("participant") == {"placements.view_activity", "placements.view_attachment"}
    for role, wanted in ROLE_PERMISSIONS.items():
        if wanted is not None:
            assert perms(role.value) == {f"{a}.{c}" for a, c in wanted}


@pytest.mark.parametrize(
    ("fixture", "landing"),
    [
        ("admin_user", "placements:cohort_list"),
        ("coordinator", "placements:cohort_list"),
        ("liaison", "placements:liaison_attachees"),
        ("participant_user", "placements:my_schedule"),
    ],
)
def test_each_role_lands_on_its_main_page(client, request, fixture, landing):
    client.force_login(request.getfixturevalue(fixture))
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url == reverse(landing)
    assert client.get(response.url).status_code == 200


@pytest.mark.parametrize(
    ("fixture", "url_name"),
    [
        ("participant_user", "placements:cohort_list"),
        ("liaison", "placements:cohort_list"),
        ("participant_user", "placements:liaison_attachees"),
        ("coordinator", "placements:my_schedule"),
    ],
)
def test_other_roles_are_refused_with_403(client, request, fixture, url_name):
    client.force_login(request.getfixturevalue(fixture))
    response = client.get(reverse(url_name))
    assert response.status_code == 403
    assert "You may not open this page." in response.content.decode()


def test_anonymous_users_are_sent_to_login(client):
    response = client.get(reverse("placements:cohort_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_admin_pages_only_for_staff(client, participant_user, admin_user):
    client.force_login(participant_user)
    assert client.get("/admin/").status_code == 302
    client.force_login(admin_user)
    assert client.get("/admin/").status_code == 200


# The API (api/), URL × role: what each role gets from each pattern, signed in with a session (the
# token scheme gives the same answers, tests/api). Reads are scoped (an object out of reach is a
# 404, tests/api/test_views.py); writes are the coordinators' and admins'; the documentation pages
# the admins'. Anonymous callers get 401 from every one.
READ_ALL = {"participant": 200, "liaison": 200, "coordinator": 200, "admin": 200}
ADMINS_READ = {**READ_ALL, "participant": 403, "liaison": 403, "coordinator": 403}
COORDINATORS_WRITE = {"participant": 403, "liaison": 403, "coordinator": 400, "admin": 400}
API_CASES = {
    "api:cohort-list": ("get", "", READ_ALL),
    "api:cohort-detail": ("get", "cohort", READ_ALL),
    "api:department-list": ("get", "", READ_ALL),
    "api:department-detail": ("get", "department", READ_ALL),
    "api:participant-list": ("get", "", READ_ALL),
    "api:participant-detail": ("get", "official", READ_ALL),
    "api:activity-list": ("get", "", READ_ALL),
    "api:activity-detail": ("get", "activity", READ_ALL),
    "api:attachment-list": ("post", "", COORDINATORS_WRITE),
    "api:attachment-detail": ("patch", "cancelled", COORDINATORS_WRITE),
    "api:attachment-cancel": ("post", "cancelled", COORDINATORS_WRITE),
    "api:attachment-confirm": ("post", "cancelled", COORDINATORS_WRITE),
    "api:schema": ("get", "", READ_ALL),
    "api:swagger": ("get", "", ADMINS_READ),
    "api:not_found": ("get", "", dict.fromkeys(READ_ALL, 404)),
}


@pytest.fixture
def api_objects(participant, department, liaison):
    """One of each object, in reach of every role: the participant's cohort, their published
    attachment at the liaison's department (and a cancelled one), its briefing."""
    from tests.factories import ActivityFactory, AttachmentFactory, HostCapacityFactory

    cohort = participant.cohort
    HostCapacityFactory(cohort=cohort, department=department, seats=2)
    attachment = AttachmentFactory(participant=participant, department=department)
    cancelled = AttachmentFactory(
        participant=participant,
        department=department,
        start=attachment.end + datetime.timedelta(days=1),
        end=attachment.end + datetime.timedelta(days=5),
        status="cancelled",
        published_at=attachment.published_at,
    )
    activity = ActivityFactory(
        cohort=cohort,
        department=department,
        audience="department",
        starts_at=timezone.make_aware(
            datetime.datetime.combine(attachment.start, datetime.time(10))
        ),
        ends_at=timezone.make_aware(datetime.datetime.combine(attachment.start, datetime.time(12))),
    )
    return {
        "cohort": cohort,
        "department": department,
        "official": participant,
        "activity": activity,
        "attachment": attachment,
        "cancelled": cancelled,
    }


def test_every_api_pattern_has_its_role_expectations():
    from api.urls import urlpatterns

    assert {f"api:{p.name}" for p in urlpatterns} == set(API_CASES)


@pytest.mark.parametrize("url_name", sorted(API_CASES))
@pytest.mark.parametrize(
    "fixture", [None, "participant_user", "liaison", "coordinator", "admin_user"]
)
def test_each_role_gets_its_answer_from_every_api_url(
    client, request, api_objects, fixture, url_name
):
    method, target, expected = API_CASES[url_name]
    kwargs = {"pk": api_objects[target].pk} if target else {}
    url = reverse(url_name, kwargs=kwargs)
    if fixture is not None:
        client.force_login(request.getfixturevalue(fixture))
    role = {
        None: "anonymous",
        "participant_user": "participant",
        "admin_user": "admin",
    }.get(fixture, fixture)
    response = getattr(client, method)(url, {}, content_type="application/json")
    anonymous = 404 if url_name == "api:not_found" else 401
    assert response.status_code == (anonymous if role == "anonymous" else expected[role]), (
        role,
        response.content[:300],
    )
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/json"
        assert response.json()["detail"]
