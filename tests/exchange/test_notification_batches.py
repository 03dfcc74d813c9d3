"""Sending the outbox in batches: how a dispatch is split, what one failure in a batch touches,
and how many queries a batch makes (Celery eager, mail in memory; the real worker and SMTP server
are in test_celery_worker.py)."""

import pytest
from django.utils import timezone

from exchange.models import Notification
from exchange.notifications import services
from participants.notices import ParticipantKind
from placements.notices import PlacementKind
from tests.exchange.notification_factories import make_notification
from tests.factories import ParticipantFactory, UserFactory

pytestmark = pytest.mark.django_db

KINDS = [
    ParticipantKind.ORIENTATION_NOTICE,
    PlacementKind.ATTACHMENT_CREATED,
    PlacementKind.ACTIVITY_REMINDER,
    PlacementKind.ATTACHMENT_END_REMINDER,
    PlacementKind.ATTACHMENT_CHANGED,
]


@pytest.mark.parametrize(
    ("count", "sizes"),
    [(1, [1]), (3, [1, 1, 1]), (8, [1] * 8), (20, [3] * 6 + [2]), (1000, [50] * 20)],
)
def test_a_dispatch_is_spread_over_tasks_then_batched(settings, count, sizes):
    settings.NOTIFICATION_SEND_BATCH_SIZE = 50
    settings.NOTIFICATION_SEND_SPREAD = 8
    ids = list(range(count))
    batches = services.send_batches(ids)
    assert [len(batch) for batch in batches] == sizes
    assert [pk for batch in batches for pk in batch] == ids


def test_a_refused_address_fails_only_its_own_notice(settings, mailoutbox):
    settings.EMAIL_BACKEND = "tests.exchange.mail_backends.RefusingSomeBackend"
    settings.NOTIFICATION_RETRY_BASE_SECONDS = 60
    notices = [make_notification() for _ in range(4)]
    refused = make_notification(
        participant=ParticipantFactory(user=UserFactory(email="refused@example.org"))
    )
    ids = sorted(n.pk for n in [*notices[:2], refused, *notices[2:]])

    results = services.notifications_send(notification_ids=ids)

    assert results[refused.pk].status == "pending"
    assert results[refused.pk].retry_in == 60
    assert {results[n.pk].status for n in notices} == {"sent"}
    assert sorted(m.to[0] for m in mailoutbox) == sorted(n.recipient.email for n in notices)
    refused.refresh_from_db()
    assert refused.status == "pending" and refused.attempts == 1
    assert "SMTPRecipientsRefused" in refused.last_error and "550" in refused.last_error
    assert refused.scheduled_at > timezone.now()
    sent = Notification.objects.filter(pk__in=[n.pk for n in notices])
    assert {(row.status, row.attempts, row.last_error) for row in sent} == {("sent", 1, "")}


@pytest.mark.allow_error_logs
def test_a_batch_skips_rows_that_are_final_gone_or_exhausted(settings, mailoutbox):
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    due = make_notification()
    sent = make_notification(status="sent")
    exhausted = make_notification(attempts=3)

    results = services.notifications_send(notification_ids=[due.pk, sent.pk, exhausted.pk, 999_999])

    assert {pk: r.status for pk, r in results.items()} == {
        due.pk: "sent",
        sent.pk: "sent",
        exhausted.pk: "failed",
        999_999: "missing",
    }
    assert [m.to[0] for m in mailoutbox] == [due.recipient.email]
    exhausted.refresh_from_db()
    assert exhausted.last_error == services.GAVE_UP
    sent.refresh_from_db()
    assert sent.attempts == 0


def test_a_batch_sent_twice_mails_each_notice_once(mailoutbox):
    ids = [make_notification(kind).pk for kind in KINDS]

    first = services.notifications_send(notification_ids=ids)
    second = services.notifications_send(notification_ids=ids)

    assert {r.status for r in first.values()} == {"sent"}
    assert {r.status for r in second.values()} == {"sent"}
    assert len(mailoutbox) == len(ids)
    assert set(Notification.objects.values_list("attempts", flat=True)) == {1}


# Committed transactions (not the test's savepoints, which would count as queries of their own):
# what a worker runs.
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("per_kind", [2, 10])
def test_a_batch_makes_at_most_three_queries_per_notice(
    per_kind, django_assert_max_num_queries, mailoutbox
):
    ids = [make_notification(kind).pk for kind in KINDS for _ in range(per_kind)]

    with django_assert_max_num_queries(3 * len(ids)):
        results = services.notifications_send(notification_ids=ids)

    assert {r.status for r in results.values()} == {"sent"}
    assert len(mailoutbox) == len(ids)
