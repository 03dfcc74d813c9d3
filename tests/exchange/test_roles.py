import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

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
