"""Requests no page can read are a translated 400 before any view runs (the middleware), and the
error pages themselves never read what could fail again (issue 9)."""

import pytest
from django.test import Client
from django.urls import reverse

from exchange.views import error_403, error_404, error_500
from placements.models import Attachment
from tests.factories import AttachmentFactory, HostCapacityFactory

pytestmark = pytest.mark.django_db

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def attachment(department):
    attachment = AttachmentFactory(department=department, status="proposed")
    HostCapacityFactory(cohort=attachment.participant.cohort, department=department)
    return attachment


@pytest.fixture
def csrf_client(coordinator):
    """A client that checks CSRF tokens as a browser's requests are checked."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(coordinator)
    client.get(reverse("placements:cohort_list"))
    return client


def test_a_form_posted_in_utf16_is_a_400_not_a_500(csrf_client, attachment):
    """Django refuses such a form with BadRequest, and its 400 view read the form again for the
    CSRF token: the refusal became a 500."""
    token = csrf_client.cookies["csrftoken"].value
    body = f"csrfmiddlewaretoken={token}&cancel-{attachment.pk}-reason=x".encode("utf-16")
    response = csrf_client.generic(
        "POST",
        reverse("placements:attachment_cancel", args=[attachment.pk]),
        body,
        content_type=f"{FORM}; charset=utf-16",
    )
    assert response.status_code == 400
    assert "Forms must be sent in UTF-8; this one was sent as “utf-16”" in response.content.decode()
    attachment.refresh_from_db()
    assert attachment.status == "proposed"


def test_a_utf8_form_with_its_charset_named_still_works(csrf_client, attachment):
    token = csrf_client.cookies["csrftoken"].value
    response = csrf_client.generic(
        "POST",
        reverse("placements:attachment_cancel", args=[attachment.pk]),
        f"csrfmiddlewaretoken={token}&cancel-{attachment.pk}-reason=ill".encode(),
        content_type=f"{FORM}; charset=UTF-8",
    )
    assert response.status_code == 302
    attachment.refresh_from_db()
    assert attachment.status == "cancelled"


@pytest.mark.parametrize(
    "url",
    [
        "/cohorts/{cohort}/timeline/?department=%00",
        "/cohorts/{cohort}/board/?q=a%00b",
        "/participants/?q=%00",
        "/admin/placements/attachment/?status=%00",
        "/admin/participants/participant/?q=%00",
        "/cohorts/{cohort}/timeline/?department=%ff%fe",  # not UTF-8
    ],
)
def test_a_nul_byte_or_broken_utf8_in_the_address_is_a_400(client, admin_user, attachment, url):
    client.force_login(admin_user)
    response = client.get(url.format(cohort=attachment.participant.cohort_id))
    assert response.status_code == 400
    body = response.content.decode()
    assert "NUL character" in body or "not valid UTF-8" in body
    assert "Open the page without its parameters" in body


@pytest.mark.parametrize("content_type", [FORM, "multipart"])
def test_a_nul_byte_in_a_form_is_a_400_and_changes_nothing(
    client, coordinator, attachment, content_type
):
    client.force_login(coordinator)
    url = reverse("placements:attachment_cancel", args=[attachment.pk])
    data = {f"cancel-{attachment.pk}-reason": "ill\x00"}
    if content_type == FORM:
        response = client.post(url, f"cancel-{attachment.pk}-reason=ill%00", content_type=FORM)
    else:
        response = client.post(url, data)
    assert response.status_code == 400
    assert "NUL character" in response.content.decode()
    attachment.refresh_from_db()
    assert attachment.status == "proposed"
    assert not Attachment.history.filter(history_change_reason__startswith="Cancelled").exists()


def test_the_400_page_speaks_the_language_of_the_request(client, coordinator, attachment):
    client.force_login(coordinator)
    client.cookies["django_language"] = "zh-hant"
    url = reverse("placements:cohort_board", args=[attachment.participant.cohort_id])
    response = client.get(url + "?q=%00")
    assert response.status_code == 400
    assert "NUL 字元" in response.content.decode()


def test_a_session_cookie_holding_a_nul_byte_is_ignored(client):
    """PostgreSQL refused the session key in the session lookup: a 500 on every page."""
    client.cookies["sessionid"] = "abcdefgh\x00ijklmnop"  # sent quoted, as \000
    response = client.get(reverse("placements:cohort_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("handler", [error_403, error_404])
def test_403_and_404_pages_render_for_a_request_no_middleware_has_seen(rf, handler):
    response = handler(rf.get("/somewhere/"))
    assert response.status_code in {403, 404}
    assert "Back to the start" in response.content.decode()


def test_the_500_page_renders_in_the_language_asked_for(rf):
    response = error_500(rf.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans"))
    assert response.status_code == 500
    assert "系统出错" in response.content.decode()
