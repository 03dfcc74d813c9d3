"""The outbox against a real Celery worker on Redis and a real SMTP server.

Each test starts `celery -A exchange worker` as a subprocess on the test database (committed rows:
`transactional_db`) and a test-only Redis database, with mail going over SMTP to an aiosmtpd server
in this process. Delivery is asserted on what that server accepted.
"""

import datetime
import email.utils
import os
import signal
import threading
from collections import Counter

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from exchange.celery import app
from exchange.models import Notification
from exchange.notifications import planner, services
from exchange.tasks import dispatch_notifications
from participants import notices as participant_notices
from placements.models import Activity
from tests.exchange.celery_harness import (
    SmtpSink,
    Workers,
    broker,
    broker_url,
    flush_broker,
    free_port,
    wait_until,
)
from tests.factories import ActivityFactory, CohortFactory, ParticipantFactory, UserFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def smtp_server():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="module")
def workers(smtp_server):
    """Every worker the module starts is killed at its end, whatever happened."""
    flush_broker()
    registry = Workers(smtp_server)
    yield registry
    registry.stop_all()
    flush_broker()


@pytest.fixture
def smtp(smtp_server):
    smtp_server.reset()
    return smtp_server


@pytest.fixture
def live(workers):
    """This process publishes to the test broker (not eagerly) for the test's duration."""
    with broker(app, broker_url()):
        yield workers


def confirmed_officials(count, *, cohort=None, language="en"):
    cohort = cohort or CohortFactory()
    return [
        ParticipantFactory(cohort=cohort, user=UserFactory(), preferred_language=language)
        for _ in range(count)
    ]


def all_sent(ids) -> bool:
    return Notification.objects.filter(pk__in=ids, status="sent").count() == len(ids)


def assert_each_delivered_once(smtp, ids):
    delivered = Counter(smtp.notification_ids())
    assert set(delivered) == set(ids)
    assert all(count == 1 for count in delivered.values()), delivered
    rows = Notification.objects.filter(pk__in=ids)
    assert all(row.status == "sent" and row.sent_at for row in rows)


def test_an_orientation_notice_and_a_reminder_are_delivered_and_marked_sent(smtp, live):
    worker = live.shared()
    (official,) = confirmed_officials(1)
    activity = ActivityFactory(
        cohort=official.cohort,
        title="Site visit to the Northern Metropolis",
        starts_at=timezone.now() + datetime.timedelta(hours=5),
        ends_at=timezone.now() + datetime.timedelta(hours=7),
        audience=Activity.Audience.COHORT,
    )

    # What the confirmation service does: the notice is written in the change's transaction and
    # dispatched when it commits.
    with transaction.atomic():
        participant_notices.notices_for_participant_confirmed(participant=official)
    planner.reminders_plan()

    rows = Notification.objects.filter(recipient=official.user)
    ids = list(rows.values_list("pk", flat=True))
    assert sorted(rows.values_list("kind", flat=True)) == [
        "activity_reminder",
        "orientation_notice",
    ]
    wait_until(lambda: all_sent(ids), what="both notices sent", worker=worker)
    assert_each_delivered_once(smtp, ids)
    subjects = sorted(message["Subject"] for message in smtp.accepted)
    assert subjects[0] == f"Activity reminder: {activity.title}"
    assert subjects[1] == f"Orientation notice: {official.cohort.name}"
    assert {message["To"] for message in smtp.accepted} == {official.user.email}
    # Sent by the worker process, whatever its own time zone: automatic, in English, dated in
    # Hong Kong time.
    for message in smtp.accepted:
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["X-Auto-Response-Suppress"] == "All"
        assert message["Content-Language"] == "en"
        sent = email.utils.parsedate_to_datetime(message["Date"])
        assert sent.utcoffset() == datetime.timedelta(hours=8)
        assert abs(sent - timezone.now()) < datetime.timedelta(minutes=5)


def test_planning_twice_sends_each_reminder_once(smtp, live):
    worker = live.shared()
    cohort = CohortFactory(
        orientation_start=timezone.localdate() + datetime.timedelta(days=3),
        orientation_reminder_days="7",
    )
    confirmed_officials(4, cohort=cohort)

    first = planner.reminders_plan()
    second = planner.reminders_plan()

    assert (first.created, second.created) == (4, 0)
    ids = list(Notification.objects.values_list("pk", flat=True))
    wait_until(lambda: all_sent(ids), what="the reminders sent", worker=worker)
    planner.reminders_plan()
    assert_each_delivered_once(smtp, ids)
    assert Notification.objects.count() == 4


def test_two_dispatchers_at_once_queue_each_notice_once(smtp, live):
    worker = live.shared()
    officials = confirmed_officials(20)
    # Recorded without the dispatch-on-commit, so that only the two dispatchers below queue them.
    Notification.objects.bulk_create(
        participant_notices.orientation_notice_row(participant=official) for official in officials
    )
    ids = list(Notification.objects.values_list("pk", flat=True))
    barrier = threading.Barrier(2)
    taken: list[list[int]] = []

    def dispatcher():
        try:
            barrier.wait(timeout=10)
            while batch := services.notifications_dispatch(batch_size=3):
                taken.append(batch)
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatcher) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    queued = [pk for batch in taken for pk in batch]
    assert sorted(queued) == sorted(ids)  # every row taken once, by one of the two
    wait_until(lambda: all_sent(ids), what="all 20 notices sent", worker=worker)
    assert_each_delivered_once(smtp, ids)


def test_a_refusing_smtp_server_is_retried_then_failed_and_a_coordinator_resends(
    smtp, live, client, coordinator
):
    smtp.mode = "refuse"
    worker = live.shared()
    (official,) = confirmed_officials(1)
    with transaction.atomic():
        participant_notices.notices_for_participant_confirmed(participant=official)
    notice = Notification.objects.get()

    wait_until(
        lambda: Notification.objects.filter(status="failed").exists(),
        what="the notice marked failed",
        worker=worker,
    )
    notice.refresh_from_db()
    assert notice.attempts == 3
    assert smtp.refused == 3
    assert "554" in notice.last_error and "Refused by the test sink" in notice.last_error
    assert smtp.accepted == []

    smtp.mode = "accept"
    client.force_login(coordinator)
    response = client.post(reverse("notifications:notification_resend", args=[notice.pk]))
    assert response.status_code == 302

    wait_until(lambda: all_sent([notice.pk]), what="the re-sent notice", worker=worker)
    assert_each_delivered_once(smtp, [notice.pk])
    notice.refresh_from_db()
    assert notice.last_error == ""


def test_nothing_is_lost_when_redis_is_down_at_the_moment_of_the_change(
    smtp, live, client, coordinator, caplog
):
    worker = live.shared()
    cohort = CohortFactory()
    confirmed_officials(2, cohort=cohort)
    client.force_login(coordinator)

    with broker(app, f"redis://127.0.0.1:{free_port()}/14"):  # nothing listens there
        response = client.post(reverse("participants:cohort_orientation_notices", args=[cohort.pk]))

    assert response.status_code == 302
    assert "the broker is unavailable" in caplog.text
    ids = list(Notification.objects.values_list("pk", flat=True))
    assert len(ids) == 2
    assert set(Notification.objects.values_list("status", flat=True)) == {"pending"}
    assert smtp.accepted == []

    # Redis is back: the next scheduled dispatch sends what waited.
    dispatch_notifications.delay()
    wait_until(lambda: all_sent(ids), what="the waiting notices sent", worker=worker)
    assert_each_delivered_once(smtp, ids)


def test_a_pool_process_killed_mid_send_is_redelivered_and_sends_once(smtp, live):
    """acks_late + reject_on_worker_lost: the message goes back to the queue at once."""
    smtp.mode = "stall_first"
    worker = live.shared()
    (official,) = confirmed_officials(1)
    with transaction.atomic():
        participant_notices.notices_for_participant_confirmed(participant=official)
    notice = Notification.objects.get()

    assert smtp.stalled.wait(timeout=30), worker.output()
    # The pool process that holds the send is one of these; the idle one is simply replaced.
    for child in worker.pool_processes():
        os.kill(child, signal.SIGKILL)
    smtp.release.set()

    wait_until(lambda: all_sent([notice.pk]), what="the redelivered send", worker=worker)
    assert_each_delivered_once(smtp, [notice.pk])
    notice.refresh_from_db()
    assert notice.attempts == 2


def test_a_worker_killed_mid_send_leaves_the_notice_to_be_sent_once_by_the_next(smtp, live):
    """The whole worker is SIGKILLed; its message stays unacknowledged in Redis (for the visibility
    timeout), and the dispatcher hands the notice to the next worker once the lease runs out."""
    smtp.mode = "stall_first"
    first = live.fresh()
    with transaction.atomic():
        for official in confirmed_officials(3):
            participant_notices.notices_for_participant_confirmed(participant=official)
    ids = list(Notification.objects.values_list("pk", flat=True))

    assert smtp.stalled.wait(timeout=30), first.output()
    wait_until(
        lambda: Notification.objects.filter(status="sent").count() == 2,
        what="the two other notices sent",
        worker=first,
    )
    first.kill()  # SIGKILL while the SMTP server holds one message unanswered
    smtp.release.set()
    (stalled,) = Notification.objects.filter(status="pending")
    assert stalled.attempts == 1
    assert sorted(smtp.notification_ids()) == sorted(set(ids) - {stalled.pk})

    second = live.fresh()

    def redispatched():
        # What beat does every minute; the killed send's lease runs out after two seconds.
        services.notifications_dispatch()
        return all_sent(ids)

    wait_until(redispatched, what="the stalled notice sent by the new worker", worker=second)
    assert_each_delivered_once(smtp, ids)
    stalled.refresh_from_db()
    assert stalled.attempts == 2


def recorded_orientation_notices(officials) -> list[int]:
    """Rows recorded without the dispatch-on-commit: the test dispatches them itself."""
    Notification.objects.bulk_create(
        participant_notices.orientation_notice_row(participant=official) for official in officials
    )
    return sorted(Notification.objects.values_list("pk", flat=True))


def test_a_refused_address_in_a_batch_fails_only_its_notice(smtp, live, settings):
    settings.NOTIFICATION_SEND_SPREAD = 1  # the whole dispatch is one batch, one task
    worker = live.shared()
    officials = confirmed_officials(6)
    refused = officials[2].user
    smtp.refused_addresses = {refused.email}
    ids = recorded_orientation_notices(officials)

    assert services.notifications_dispatch() == ids
    others = [pk for pk in ids if pk != Notification.objects.get(recipient=refused).pk]
    wait_until(
        lambda: (
            all_sent(others)
            and Notification.objects.filter(recipient=refused, status="failed").exists()
        ),
        what="five notices sent and the refused one failed",
        worker=worker,
    )
    assert_each_delivered_once(smtp, others)
    failed = Notification.objects.get(recipient=refused)
    # Retried after its back-off (NOTIFICATION_MAX_ATTEMPTS is 3 for the worker), then failed.
    assert failed.attempts == 3
    assert smtp.refused == 3
    assert "550" in failed.last_error and "No such mailbox" in failed.last_error


def test_a_worker_killed_mid_batch_sends_the_rest_once_after_the_lease(smtp, live, settings):
    """Four of a batch of seven are accepted and recorded, the fifth stalls, the worker dies: the
    next worker sends the three left, and none of the four again."""
    settings.NOTIFICATION_SEND_SPREAD = 1
    smtp.mode = "stall_first"
    smtp.stall_after = 4
    first = live.fresh()
    ids = recorded_orientation_notices(confirmed_officials(7))

    assert services.notifications_dispatch() == ids
    assert smtp.stalled.wait(timeout=30), first.output()
    wait_until(
        lambda: Notification.objects.filter(status="sent").count() == 4,
        what="the first four notices recorded as sent",
        worker=first,
    )
    first.kill()
    smtp.release.set()
    left = list(Notification.objects.filter(status="pending").order_by("pk"))
    assert len(left) == 3
    assert {row.attempts for row in left} == {1}
    assert sorted(smtp.notification_ids()) == sorted(set(ids) - {row.pk for row in left})

    second = live.fresh()

    def redispatched():
        services.notifications_dispatch()
        return all_sent(ids)

    wait_until(redispatched, what="the rest sent by the next worker", worker=second)
    assert_each_delivered_once(smtp, ids)
    assert sorted(
        Notification.objects.filter(pk__in=[r.pk for r in left]).values_list("attempts", flat=True)
    ) == [2, 2, 2]
