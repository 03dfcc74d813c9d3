"""The notification pages: each user's own notices, and a cohort's outbox for coordinators."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from exchange import notice_registry as registry
from exchange.models import Cohort, Notification
from tests.exchange.notification_factories import make_notification
from tests.factories import CohortFactory, ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def own(participant):
    return make_notification(participant=participant)


def test_a_participant_sees_their_notices_with_subjects(client, participant_user, own):
    make_notification()  # someone else's
    client.force_login(participant_user)
    response = client.get(reverse("notifications:notification_list"))
    assert response.status_code == 200
    assert [n.pk for n, _subject in response.context["rows"]] == [own.pk]
    assert f"Orientation notice: {own.cohort.name}" in response.content.decode()


def test_anonymous_users_are_sent_to_log_in_and_role_less_users_are_refused(client):
    response = client.get(reverse("notifications:notification_list"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    client.force_login(UserFactory())
    assert client.get(reverse("notifications:notification_list")).status_code == 403


@pytest.mark.parametrize("size", [5, 50])
def test_the_list_runs_a_fixed_number_of_queries(
    client, participant, size, django_assert_max_num_queries
):
    kinds = registry.kinds()
    for number in range(size):
        make_notification(
            kinds[number % len(kinds)], participant=participant, dedupe_key=f"k{number}"
        )
    client.force_login(participant.user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("notifications:notification_list"))
    assert len(response.context["rows"]) == min(size, 25)


def test_opening_a_notice_shows_it_and_marks_it_read(client, participant_user, own):
    client.force_login(participant_user)
    response = client.get(reverse("notifications:notification_detail", args=[own.pk]))
    assert response.status_code == 200
    assert own.cohort.name in response.content.decode()
    own.refresh_from_db()
    assert own.read_at is not None


def test_someone_elses_notice_is_not_found(client, participant_user):
    other = make_notification()
    client.force_login(participant_user)
    assert (
        client.get(reverse("notifications:notification_detail", args=[other.pk])).status_code == 404
    )
    response = client.post(reverse("notifications:notification_read", args=[other.pk]))
    assert response.status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_mark_one_and_all_read(client, participant, participant_user, own):
    second = make_notification(participant=participant, dedupe_key="second")
    client.force_login(participant_user)
    response = client.post(
        reverse("notifications:notification_read", args=[own.pk]),
        {"next": "https://evil.example.org/"},
    )
    assert response["Location"] == reverse("notifications:notification_list")
    own.refresh_from_db()
    second.refresh_from_db()
    assert own.read_at and not second.read_at
    client.post(reverse("notifications:notification_read_all"))
    second.refresh_from_db()
    assert second.read_at is not None


@pytest.mark.parametrize("next_url", ["NaN", "//evil.example.org/", "/notifications/\r\n"])
def test_mark_read_with_a_bad_next_goes_to_the_list(client, participant_user, own, next_url):
    client.force_login(participant_user)
    response = client.post(
        reverse("notifications:notification_read", args=[own.pk]), {"next": next_url}
    )
    assert response["Location"] == reverse("notifications:notification_list")
    own.refresh_from_db()
    assert own.read_at is not None


def test_login_follows_only_a_local_next(client, coordinator, password):
    login = {"username": coordinator.username, "password": password}
    response = client.post(reverse("login") + "?next=NaN", login)
    assert response["Location"] == reverse("home")
    client.logout()
    response = client.post(reverse("login"), {**login, "next": "/cohorts/"})
    assert response["Location"] == "/cohorts/"


@pytest.mark.parametrize("unread", [1, 30])
def test_the_unread_badge_counts_in_one_query(
    client, participant, participant_user, unread, django_assert_max_num_queries
):
    for number in range(unread):
        make_notification(participant=participant, dedupe_key=f"u{number}")
    make_notification(participant=participant, dedupe_key="read", read_at=timezone.now())
    client.force_login(participant_user)
    # session, user, roles, and the count
    with django_assert_max_num_queries(4):
        response = client.get(reverse("notifications:notification_badge"))
    assert f">{unread}<" in response.content.decode()


def test_the_bell_is_in_the_navigation(client, participant_user):
    client.force_login(participant_user)
    body = client.get(reverse("placements:my_schedule")).content.decode()
    assert 'id="notification-bell"' in body
    assert reverse("notifications:notification_badge") in body


def test_no_badge_without_unread_notices(client, participant_user):
    client.force_login(participant_user)
    response = client.get(reverse("notifications:notification_badge"))
    assert response.status_code == 200
    assert "badge" not in response.content.decode()


def outbox_url(cohort, **query):
    url = reverse("notifications:notification_outbox", args=[cohort.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_outbox_shows_statuses_reasons_and_resend_buttons(client, coordinator):
    cohort = CohortFactory()
    failed = make_notification(
        participant=ParticipantFactory(cohort=cohort, user=UserFactory()),
        status="failed",
        attempts=5,
        last_error="SMTPDataError: (554, b'Refused')",
    )
    sent = make_notification(
        participant=ParticipantFactory(cohort=cohort, user=UserFactory()), status="sent"
    )
    client.force_login(coordinator)
    response = client.get(outbox_url(cohort))
    body = response.content.decode()
    assert response.status_code == 200
    assert "SMTPDataError: (554, b&#x27;Refused&#x27;)" in body
    assert reverse("notifications:notification_resend", args=[failed.pk]) in body
    assert reverse("notifications:notification_resend", args=[sent.pk]) not in body
    assert response.context["counts"]["failed"] == 1
    filtered = client.get(outbox_url(cohort, status="sent"))
    assert list(filtered.context["notifications"]) == [sent]


def test_the_outbox_marks_stuck_notices(client, coordinator):
    cohort = CohortFactory()
    stuck = make_notification(
        participant=ParticipantFactory(cohort=cohort, user=UserFactory()),
        scheduled_at=timezone.now() - datetime.timedelta(hours=2),
    )
    client.force_login(coordinator)
    response = client.get(outbox_url(cohort))
    assert response.context["stuck_ids"] == {stuck.pk}


@pytest.mark.parametrize("size", [5, 60])
def test_the_outbox_runs_a_fixed_number_of_queries(
    client, coordinator, size, django_assert_max_num_queries
):
    cohort = CohortFactory()
    participant = ParticipantFactory(cohort=cohort, user=UserFactory())
    for number in range(size):
        make_notification(participant=participant, dedupe_key=f"o{number}", status="failed")
    client.force_login(coordinator)
    with django_assert_max_num_queries(8):
        response = client.get(outbox_url(cohort))
    assert response.status_code == 200


@pytest.mark.parametrize("user", ["liaison", "participant_user"])
def test_only_coordinators_see_the_outbox(client, request, user):
    cohort = CohortFactory()
    client.force_login(request.getfixturevalue(user))
    assert client.get(outbox_url(cohort)).status_code == 403
    url = reverse("participants:cohort_orientation_notices", args=[cohort.pk])
    assert client.post(url).status_code == 403
    assert (
        client.get(reverse("notifications:cohort_reminders", args=[cohort.pk])).status_code == 403
    )


def test_an_unknown_cohort_is_not_found(client, coordinator):
    client.force_login(coordinator)
    assert client.get(reverse("notifications:notification_outbox", args=[999])).status_code == 404


def test_a_coordinator_resends_a_failed_notice(
    client, coordinator, django_capture_on_commit_callbacks, mailoutbox
):
    failed = make_notification(status="failed", attempts=5, last_error="SMTPDataError")
    client.force_login(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("notifications:notification_resend", args=[failed.pk]))
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == "sent"
    assert len(mailoutbox) == 1


def test_resending_a_sent_notice_is_refused_with_a_reason(client, coordinator):
    sent = make_notification(status="sent")
    client.force_login(coordinator)
    response = client.post(
        reverse("notifications:notification_resend", args=[sent.pk]), follow=True
    )
    assert "already been sent" in response.content.decode()
    sent.refresh_from_db()
    assert sent.status == "sent"


def test_a_liaison_cannot_resend(client, liaison):
    failed = make_notification(status="failed")
    client.force_login(liaison)
    assert (
        client.post(reverse("notifications:notification_resend", args=[failed.pk])).status_code
        == 403
    )
    failed.refresh_from_db()
    assert failed.status == "failed"


def test_send_orientation_notices_now(
    client, coordinator, django_capture_on_commit_callbacks, mailoutbox
):
    cohort = CohortFactory()
    officials = [ParticipantFactory(cohort=cohort, user=UserFactory()) for _ in range(3)]
    ParticipantFactory(cohort=cohort, user=None)
    url = reverse("participants:cohort_orientation_notices", args=[cohort.pk])
    client.force_login(coordinator)

    page = client.get(url)
    assert page.status_code == 200
    assert page.context["audience"] == {"confirmed": 4, "without_account": 1, "notified": 0}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, follow=True)
    assert "3 queued now" in response.content.decode()
    assert {m.to[0] for m in mailoutbox} == {o.user.email for o in officials}
    assert Notification.objects.filter(status="sent").count() == 3


def test_the_reminder_settings_form(client, coordinator):
    cohort = CohortFactory()
    url = reverse("notifications:cohort_reminders", args=[cohort.pk])
    client.force_login(coordinator)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "orientation_reminder_days": "10, 3",
            "attachment_start_reminder_days": 2,
            "attachment_end_reminder_days": 5,
            "activity_reminder_days": 1,
        },
    )
    assert response.status_code == 302
    cohort.refresh_from_db()
    assert (cohort.orientation_reminder_days, cohort.attachment_end_reminder_days) == ("10,3", 5)


def test_bad_reminder_settings_get_field_errors_and_change_nothing(client, coordinator):
    cohort = CohortFactory()
    client.force_login(coordinator)
    response = client.post(
        reverse("notifications:cohort_reminders", args=[cohort.pk]),
        {
            "orientation_reminder_days": "7,90",
            "attachment_start_reminder_days": 0,
            "attachment_end_reminder_days": 5,
            "activity_reminder_days": 1,
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "orientation_reminder_days" in errors
    assert "attachment_start_reminder_days" in errors
    assert Cohort.objects.get(pk=cohort.pk).orientation_reminder_days == "7,1"
