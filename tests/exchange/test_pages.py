"""The layout, the account pages, the language switcher, the error pages and the admin."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from demo.seed import DEMO_COHORT_NAME

pytestmark = pytest.mark.django_db


def test_login_page_is_served_with_vendored_assets(client):
    response = client.get(reverse("login"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "/static/vendor/bootstrap/bootstrap.min.css" in body
    # Every script and stylesheet comes from this site: no address with a host of its own.
    # (Not a substring test on the page: a random CSRF token can spell "cdn".)
    assets = re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', body)
    assert assets
    assert [a for a in assets if not a.startswith("/") or a.startswith("//")] == []


def test_login_with_the_form_then_logout(client, coordinator, password):
    response = client.post(
        reverse("login"), {"username": coordinator.username, "password": password}
    )
    assert response.status_code == 302
    assert client.get(reverse("account")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("account")).status_code == 302


def test_wrong_password_gets_a_form_error(client, coordinator):
    response = client.post(reverse("login"), {"username": coordinator.username, "password": "no"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_password_reset_sends_a_mail(
    client, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    # Recorded in the outbox; the dispatch queued on commit sends it (Celery runs eagerly here).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": coordinator.email})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/reset/" in mailoutbox[0].body


def test_language_switcher_translates_the_page(client):
    client.post(reverse("set_language"), {"language": "zh-hant", "next": "/accounts/login/"})
    assert "登入" in client.get(reverse("login")).content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/accounts/login/"})
    assert "登录" in client.get(reverse("login")).content.decode()


def test_unknown_page_gets_the_friendly_404(client, coordinator):
    client.force_login(coordinator)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


ADMIN_CHANGELISTS = [
    "exchange/city",
    "exchange/focusarea",
    "exchange/hostdepartment",
    "exchange/cohort",
    "exchange/notification",
    "participants/participant",
    "placements/attachment",
    "placements/activity",
    "auth/user",
]


@pytest.mark.parametrize("changelist", ADMIN_CHANGELISTS)
def test_admin_changelists_render_with_bounded_queries(
    client, admin_user, changelist, django_assert_max_num_queries
):
    call_command("seed_demo", "--cohort-start", "2026-12-07", "--quiet-logins")
    client.force_login(admin_user)
    with django_assert_max_num_queries(15):
        response = client.get(f"/admin/{changelist}/")
    assert response.status_code == 200


def test_admin_cohort_change_page_has_quota_and_capacity_inlines(client, admin_user):
    call_command("seed_demo", "--cohort-start", "2026-12-07", "--quiet-logins")
    from exchange.models import Cohort

    client.force_login(admin_user)
    body = client.get(
        f"/admin/exchange/cohort/{Cohort.objects.get(name_en=DEMO_COHORT_NAME).pk}/change/"
    ).content.decode()
    assert "city_quotas-TOTAL_FORMS" in body
    assert "host_capacities-TOTAL_FORMS" in body


def test_password_change_form_changes_the_password(client, coordinator, password):
    client.force_login(coordinator)
    page = client.get(reverse("password_change"))
    assert "Password change" in page.content.decode()
    response = client.post(
        reverse("password_change"),
        {
            "old_password": password,
            "new_password1": "a-new-Secret-42",
            "new_password2": "a-new-Secret-42",
        },
    )
    assert response.status_code == 302
    coordinator.refresh_from_db()
    assert coordinator.check_password("a-new-Secret-42")


def test_password_change_mismatch_is_a_field_error(client, coordinator, password):
    client.force_login(coordinator)
    response = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": "a-new-Secret-42", "new_password2": "x"},
    )
    assert response.status_code == 200
    assert "The two password fields didn" in response.content.decode()
    coordinator.refresh_from_db()
    assert coordinator.check_password(password)


def test_the_500_page_renders_without_a_request_context(rf):
    from exchange.views import error_500

    response = error_500(rf.get("/cohorts/"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


@pytest.mark.allow_error_logs
def test_a_failing_view_gets_the_friendly_500(client, coordinator, monkeypatch):
    """An unexpected error shows the styled page (and is logged; the log is the point here)."""
    from placements import views

    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(views.CohortListView, "get_queryset", broken)
    client.raise_request_exception = False
    client.force_login(coordinator)
    response = client.get(reverse("placements:cohort_list"))
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
