"""Login throttling (django-axes): five wrong passwords lock the account+address for a cool-off,
unknown usernames take the same path, and an admin can see the log and unlock."""

import re

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db

LOGIN = "login"
LOCKED = "Too many failed logins for this account from your address."


def attempt(client, username, password, **extra):
    return client.post(reverse(LOGIN), {"username": username, "password": password}, **extra)


def page(response, username):
    """The page with the username typed and the per-response CSRF masks taken out."""
    body = response.content.decode().replace(username, "NAME")
    return re.sub(r"[A-Za-z0-9]{64}", "CSRF", body)


def fail_five_times(client, username):
    for _ in range(4):
        response = attempt(client, username, "wrong-password")
        assert response.status_code == 200
        assert LOCKED not in response.content.decode()
    # The fifth failure is the one that locks.
    return attempt(client, username, "wrong-password")


def test_five_failures_lock_the_account_even_for_the_right_password(client, coordinator, password):
    fifth = fail_five_times(client, coordinator.username)
    assert fifth.status_code == 429
    sixth = attempt(client, coordinator.username, password)
    assert sixth.status_code == 429
    body = sixth.content.decode()
    assert LOCKED in body
    assert "15 minutes" in body
    assert '<form method="post"' in body  # still the login page
    assert "_auth_user_id" not in client.session


def test_the_lock_holds_only_for_that_account_and_address(client, coordinator, password):
    fail_five_times(client, coordinator.username)
    elsewhere = attempt(client, coordinator.username, password, REMOTE_ADDR="10.9.8.7")
    assert elsewhere.status_code == 302
    assert client.session["_auth_user_id"] == str(coordinator.pk)


def test_behind_a_trusted_proxy_the_lock_holds_for_the_client_not_the_proxy(
    client, coordinator, password, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    via_proxy = {"REMOTE_ADDR": "127.0.0.1"}
    for _ in range(5):
        attempt(
            client, coordinator.username, "wrong", HTTP_X_FORWARDED_FOR="198.51.100.7", **via_proxy
        )
    # The locked client cannot get round it by sending its own X-Forwarded-For first.
    forged = attempt(
        client,
        coordinator.username,
        password,
        HTTP_X_FORWARDED_FOR="10.1.1.1, 198.51.100.7",
        **via_proxy,
    )
    assert forged.status_code == 429
    # Another client behind the same proxy is not locked out.
    other = attempt(
        client, coordinator.username, password, HTTP_X_FORWARDED_FOR="203.0.113.5", **via_proxy
    )
    assert other.status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(client, coordinator, password):
    for _ in range(4):
        attempt(client, coordinator.username, "wrong-password")
    assert attempt(client, coordinator.username, password).status_code == 302
    client.logout()
    for _ in range(4):
        assert attempt(client, coordinator.username, "wrong-password").status_code == 200
    assert attempt(client, coordinator.username, password).status_code == 302


def test_unknown_usernames_take_the_same_path_and_get_the_same_message(client, coordinator):
    known = fail_five_times(client, coordinator.username)
    unknown = fail_five_times(client, "nobody-of-that-name")
    assert known.status_code == unknown.status_code == 429
    assert page(known, coordinator.username) == page(unknown, "nobody-of-that-name")
    sixth = attempt(client, "nobody-of-that-name", "anything")
    assert sixth.status_code == 429
    assert LOCKED in sixth.content.decode()


def test_the_lockout_message_is_in_the_readers_language(client, coordinator):
    fail_five_times(client, coordinator.username)
    with translation.override("zh-hant"):
        url = reverse(LOGIN)
    response = client.post(
        url,
        {"username": coordinator.username, "password": "x"},
        HTTP_ACCEPT_LANGUAGE="zh-hant",
        headers={"Cookie": "django_language=zh-hant"},
    )
    english = (
        "Too many failed logins for this account from your address. "
        "Try again in {minutes} minutes, or ask an administrator to unlock it."
    )
    with translation.override("zh-hant"):
        expected = translation.gettext(english).format(minutes=15)
    assert expected != english.format(minutes=15)
    assert expected in response.content.decode()


def test_the_admin_sees_the_log_and_unlocks(client, admin_user, coordinator, password):
    fail_five_times(client, coordinator.username)
    assert attempt(client, coordinator.username, password).status_code == 429
    lock = AccessAttempt.objects.get(username=coordinator.username)
    assert lock.failures_since_start >= 5
    assert AccessFailureLog.objects.filter(username=coordinator.username).count() >= 5

    admin_client = client.__class__()
    admin_client.force_login(admin_user)
    listing = admin_client.get(reverse("admin:axes_accessattempt_changelist"))
    assert coordinator.username in listing.content.decode()
    assert admin_client.get(reverse("admin:axes_accessfailurelog_changelist")).status_code == 200
    response = admin_client.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "unlock", "_selected_action": [lock.pk]},
        follow=True,
    )
    assert "1 login unlocked." in response.content.decode()
    assert not AccessAttempt.objects.filter(username=coordinator.username).exists()

    assert attempt(client, coordinator.username, password).status_code == 302
    assert client.session["_auth_user_id"] == str(coordinator.pk)
