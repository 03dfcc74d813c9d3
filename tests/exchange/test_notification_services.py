"""Sending, dispatching and re-sending the outbox (Celery eager, mail in memory)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from exchange.models import Cohort, Notification
from exchange.notifications import services
from exchange.notifications.messages import message_id
from participants import notices as participant_notices
from participants import services as participant_services
from participants.models import Participant
from participants.notices import ParticipantKind
from placements.models import Activity
from placements.notices import PlacementKind
from tests.exchange.notification_factories import make_notification
from tests.factories import CohortFactory, ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db

REFUSING = "tests.exchange.mail_backends.RefusingBackend"


def test_a_send_mails_text_and_html_and_records_it(mailoutbox):
    notice = make_notification()

    result = services.notification_send(notification_id=notice.pk)

    notice.refresh_from_db()
    assert result.status == "sent"
    assert notice.status == "sent"
    assert notice.sent_at is not None
    assert notice.attempts == 1
    (mail,) = mailoutbox
    assert mail.to == [notice.recipient.email]
    assert mail.extra_headers["Message-ID"] == message_id(notice)
    assert mail.alternatives[0].mimetype == "text/html"


def test_a_final_row_is_not_sent_again(mailoutbox):
    sent = make_notification(status="sent")
    cancelled = make_notification(status="cancelled")

    assert services.notification_send(notification_id=sent.pk).status == "sent"
    assert services.notification_send(notification_id=cancelled.pk).status == "cancelled"
    assert services.notification_send(notification_id=999_999).status == "missing"
    assert mailoutbox == []
    sent.refresh_from_db()
    assert sent.attempts == 0


def test_a_failed_attempt_records_the_error_and_backs_off(settings, mailoutbox):
    settings.EMAIL_BACKEND = REFUSING
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60
    notice = make_notification()
    before = timezone.now()

    result = services.notification_send(notification_id=notice.pk)

    notice.refresh_from_db()
    assert result.retry_in == 60
    assert notice.status == "pending"
    assert notice.attempts == 1
    assert "SMTPDataError" in notice.last_error and "554" in notice.last_error
    assert notice.scheduled_at >= before + datetime.timedelta(seconds=60)
    # The dispatcher leaves it to the retry until it is due again.
    assert services.notifications_dispatch() == []


@pytest.mark.allow_error_logs
def test_the_last_allowed_attempt_failing_marks_the_row_failed(settings):
    settings.EMAIL_BACKEND = REFUSING
    settings.NOTIFICATION_MAX_ATTEMPTS = 2
    notice = make_notification(attempts=1)

    result = services.notification_send(notification_id=notice.pk)

    notice.refresh_from_db()
    assert result.retry_in is None
    assert (notice.status, notice.attempts) == ("failed", 2)
    assert "554" in notice.last_error


@pytest.mark.allow_error_logs
def test_attempts_that_never_finished_count_towards_the_bound(settings, mailoutbox):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    # Three claimed attempts whose workers died before recording anything.
    notice = make_notification(attempts=3)

    assert services.notification_send(notification_id=notice.pk).status == "failed"
    notice.refresh_from_db()
    assert notice.last_error == services.GAVE_UP
    assert mailoutbox == []


def test_backoff_doubles_up_to_the_cap(settings):
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 10
    settings.NOTIFICATION_RETRY_MAX_SECONDS = 50
    assert [services.backoff_seconds(n) for n in (1, 2, 3, 4)] == [10, 20, 40, 50]


def test_a_reminder_of_a_cancelled_activity_is_cancelled_not_sent(mailoutbox):
    notice = make_notification(PlacementKind.ACTIVITY_REMINDER)
    Activity.objects.filter(pk=notice.object_id).update(status=Activity.Status.CANCELLED)

    assert services.notification_send(notification_id=notice.pk).status == "cancelled"
    notice.refresh_from_db()
    assert notice.last_error == "The activity was cancelled."
    assert mailoutbox == []


def test_a_reminder_for_a_date_that_moved_is_cancelled(mailoutbox):
    notice = make_notification(ParticipantKind.ORIENTATION_REMINDER)
    Cohort.objects.filter(pk=notice.cohort_id).update(
        orientation_start=notice.cohort.orientation_start + datetime.timedelta(days=2)
    )

    assert services.notification_send(notification_id=notice.pk).status == "cancelled"
    assert mailoutbox == []


def test_a_recipient_without_email_fails_at_once(mailoutbox):
    user = UserFactory(email="")
    notice = make_notification(participant=ParticipantFactory(user=user))

    assert services.notification_send(notification_id=notice.pk).status == "failed"
    notice.refresh_from_db()
    assert notice.last_error == services.NO_EMAIL
    assert mailoutbox == []


def test_dispatch_takes_due_pending_unleased_rows_and_leases_them(
    django_capture_on_commit_callbacks,
):
    due = make_notification()
    make_notification(scheduled_at=timezone.now() + datetime.timedelta(hours=1))
    make_notification(status="sent")
    make_notification(leased_until=timezone.now() + datetime.timedelta(minutes=5))

    with django_capture_on_commit_callbacks() as callbacks:
        assert services.notifications_dispatch() == [due.pk]
    assert len(callbacks) == 1
    due.refresh_from_db()
    assert due.leased_until > timezone.now()
    # A second dispatcher (or the next run) finds nothing to do while the lease holds.
    assert services.notifications_dispatch() == []


@pytest.mark.parametrize("rows", [50, 500])
def test_dispatch_runs_a_fixed_number_of_queries_per_batch(
    rows, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    recipient = UserFactory()
    participant = ParticipantFactory(user=recipient)
    notices = [
        participant_notices.orientation_notice_row(participant=participant) for _ in range(rows)
    ]
    for number, notice in enumerate(notices):
        notice.dedupe_key = f"bulk:{number}"
    Notification.objects.bulk_create(notices)

    with django_capture_on_commit_callbacks(), django_assert_max_num_queries(4):
        taken = services.notifications_dispatch(batch_size=1000)
    assert len(taken) == rows


def test_sync_dispatch_sends_in_this_process(django_capture_on_commit_callbacks, mailoutbox):
    notices = [make_notification() for _ in range(3)]

    with django_capture_on_commit_callbacks(execute=True):
        services.notifications_dispatch(sync=True)

    assert len(mailoutbox) == 3
    assert Notification.objects.filter(status="sent").count() == len(notices)


def test_with_no_broker_a_recorded_notice_goes_out_when_the_change_commits(
    django_capture_on_commit_callbacks, mailoutbox
):
    participant = ParticipantFactory(user=UserFactory())

    with django_capture_on_commit_callbacks(execute=True):
        participant_notices.notices_for_participant_confirmed(participant=participant)

    assert Notification.objects.get().status == "sent"
    assert len(mailoutbox) == 1


def test_a_coordinator_resends_a_failed_notice(
    coordinator, django_capture_on_commit_callbacks, mailoutbox
):
    notice = make_notification(status="failed", attempts=5, last_error="SMTPDataError: 554")

    with django_capture_on_commit_callbacks(execute=True):
        services.notification_resend(notification=notice, by=coordinator)

    notice.refresh_from_db()
    assert notice.status == "sent"
    assert notice.attempts == 1
    assert len(mailoutbox) == 1


def test_a_stuck_pending_notice_can_be_resent_but_a_fresh_one_cannot(coordinator, settings):
    settings.NOTIFICATION_STUCK_AFTER_SECONDS = 900
    stuck = make_notification(scheduled_at=timezone.now() - datetime.timedelta(hours=1), attempts=2)
    fresh = make_notification()

    services.notification_resend(notification=stuck, by=coordinator)
    stuck.refresh_from_db()
    assert stuck.attempts == 0
    assert stuck.scheduled_at > timezone.now() - datetime.timedelta(minutes=1)
    with pytest.raises(ValidationError, match="still queued"):
        services.notification_resend(notification=fresh, by=coordinator)


@pytest.mark.parametrize(
    ("status", "message"), [("sent", "already been sent"), ("cancelled", "was cancelled")]
)
def test_final_notices_cannot_be_resent(coordinator, status, message):
    notice = make_notification(status=status)
    with pytest.raises(ValidationError, match=message):
        services.notification_resend(notification=notice, by=coordinator)
    notice.refresh_from_db()
    assert notice.status == status


def test_reading_marks_only_ones_own_notice():
    notice = make_notification()
    services.notification_mark_read(notification=notice, user=notice.recipient)
    notice.refresh_from_db()
    first = notice.read_at
    assert first is not None
    services.notification_mark_read(notification=notice, user=notice.recipient)
    notice.refresh_from_db()
    assert notice.read_at == first
    with pytest.raises(ValidationError):
        services.notification_mark_read(notification=notice, user=UserFactory())


def test_orientation_notices_go_to_confirmed_officials_with_accounts_once(coordinator):
    cohort = CohortFactory()
    notified = ParticipantFactory(cohort=cohort, user=UserFactory())
    participant_notices.notices_for_participant_confirmed(participant=notified)
    fresh = ParticipantFactory(cohort=cohort, user=UserFactory(), preferred_language="zh-hant")
    ParticipantFactory(cohort=cohort, user=None)
    ParticipantFactory(cohort=cohort, user=UserFactory(), status=Participant.Status.NOMINATED)

    result = participant_services.orientation_notices_send(cohort=cohort, by=coordinator)

    assert result == participant_services.OrientationNoticesResult(
        recorded=1, already=1, without_account=1
    )
    notices = Notification.objects.filter(kind="orientation_notice")
    assert {n.recipient_id for n in notices} == {notified.user_id, fresh.user_id}
    assert notices.get(recipient=fresh.user).language == "zh-hant"
    again = participant_services.orientation_notices_send(cohort=cohort, by=coordinator)
    assert (again.recorded, again.already) == (0, 2)


def test_no_orientation_notices_for_a_completed_cohort(coordinator):
    cohort = CohortFactory(status=Cohort.Status.COMPLETED)
    ParticipantFactory(cohort=cohort, user=UserFactory())
    with pytest.raises(ValidationError, match="completed"):
        participant_services.orientation_notices_send(cohort=cohort, by=coordinator)
    assert not Notification.objects.exists()


def test_reminder_offsets_are_saved_normalised(coordinator):
    cohort = CohortFactory()
    services.cohort_reminders_update(
        cohort=cohort,
        by=coordinator,
        orientation_reminder_days=" 1, 14,7 ,7",
        attachment_start_reminder_days=2,
        attachment_end_reminder_days=5,
        activity_reminder_days=1,
    )
    cohort.refresh_from_db()
    assert cohort.orientation_reminder_days == "14,7,1"
    assert cohort.orientation_reminder_offsets == [1, 7, 14]
    assert cohort.attachment_start_reminder_days == 2


@pytest.mark.parametrize(
    ("orientation", "start", "field"),
    [
        ("7,x", 3, "orientation_reminder_days"),
        ("", 3, "orientation_reminder_days"),
        ("90", 3, "orientation_reminder_days"),
        ("99999999999,1", 3, "orientation_reminder_days"),
        ("7,6,5,4,3,2", 3, "orientation_reminder_days"),
        ("7,1", 0, "attachment_start_reminder_days"),
        ("7,1", 61, "attachment_start_reminder_days"),
    ],
)
def test_bad_reminder_offsets_are_refused_and_nothing_changes(
    coordinator, orientation, start, field
):
    cohort = CohortFactory()
    with pytest.raises(ValidationError) as raised:
        services.cohort_reminders_update(
            cohort=cohort,
            by=coordinator,
            orientation_reminder_days=orientation,
            attachment_start_reminder_days=start,
            attachment_end_reminder_days=7,
            activity_reminder_days=1,
        )
    assert field in raised.value.message_dict
    cohort.refresh_from_db()
    assert (cohort.orientation_reminder_days, cohort.attachment_start_reminder_days) == ("7,1", 3)
