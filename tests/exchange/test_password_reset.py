"""Password reset requests: the same answer for known and unknown emails, the mail through the
outbox (sent by Celery, the link made at send time in the recipient's language), rate limits."""

import pytest
from django.conf import settings
from django.urls import reverse

from exchange.models import Notification
from exchange.notifications import services
from tests.factories import ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db


def request_reset(client, email, **extra):
    return client.post(reverse("password_reset"), {"email": email}, **extra)


def test_known_and_unknown_emails_get_the_same_answer_and_only_the_known_a_notice(
    client, mailoutbox
):
    user = UserFactory(email="known@example.org")
    known = request_reset(client, "Known@example.org")
    unknown = request_reset(client, "nobody@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("password_reset_done")
    assert mailoutbox == []  # nothing is sent inside the request
    (row,) = Notification.objects.filter(kind="password_reset")
    assert row.recipient == user
    assert row.status == Notification.Status.PENDING
    assert row.context == {}  # no token is stored in the outbox


def test_the_sent_mail_carries_a_working_link_in_the_recipients_language(client, mailoutbox):
    official = ParticipantFactory(user=UserFactory(email="lam@example.org"))
    official.preferred_language = "zh-hant"
    official.save()
    request_reset(client, "lam@example.org")
    row = Notification.objects.get(kind="password_reset")
    assert row.language == "zh-hant"
    assert services.notification_send(notification_id=row.pk).status == "sent"
    (mail,) = mailoutbox
    assert mail.to == ["lam@example.org"]
    assert mail.subject == "重設密碼"
    link = next(word for word in mail.body.split() if "/accounts/reset/" in word)
    path = link.removeprefix(settings.SITE_URL.rstrip("/"))
    page = client.get(path, follow=True)
    assert page.status_code == 200
    assert "new_password1" in page.content.decode()


def test_the_rate_limit_refuses_the_next_request_for_an_email_known_or_not(client):
    UserFactory(email="known@example.org")
    limit = settings.PASSWORD_RESET_RATE_PER_EMAIL
    for email in ("known@example.org", "nobody@example.org"):
        for _ in range(limit):
            assert request_reset(client, email).status_code == 302
        refused = request_reset(client, email)
        assert refused.status_code == 429
        assert "Too many password reset requests" in refused.content.decode()
    assert Notification.objects.filter(kind="password_reset").count() == limit


def test_the_rate_limit_refuses_an_address_asking_for_many_emails(client):
    limit = settings.PASSWORD_RESET_RATE_PER_ADDRESS
    for n in range(limit):
        assert request_reset(client, f"person{n}@example.org").status_code == 302
    assert request_reset(client, "one-more@example.org").status_code == 429
    other = request_reset(client, "one-more-again@example.org", REMOTE_ADDR="10.1.2.3")
    assert other.status_code == 302
