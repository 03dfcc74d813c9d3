"""Celery tasks: thin, named, taking ids. The work and its rules live in
`exchange.notifications` (services and planner); see there for the delivery guarantees. The
names are stable (queued messages carry them); `notifications.queue` publishes by name."""

from django.conf import settings

from .celery import app
from .notifications import planner, services


@app.task(
    name="exchange.send_notification",
    bind=True,
    # A send is idempotent (it locks its row and returns at once if the row is final), so the
    # message is acknowledged only after the task ran, and handed to another worker if this one
    # dies in the middle.
    acks_late=True,
    reject_on_worker_lost=True,
    # The bound on attempts is kept on the row (NOTIFICATION_MAX_ATTEMPTS), not in the message.
    max_retries=None,
    soft_time_limit=settings.EMAIL_TIMEOUT * 2,
    time_limit=settings.EMAIL_TIMEOUT * 2 + 30,
)
def send_notification(self, notification_id: int) -> str:
    result = services.notification_send(notification_id=notification_id)
    # Run eagerly (no broker), a retry would block the request that queued it: the row waits for
    # the next dispatch instead, at its back-off time.
    if result.retry_in is not None and not self.request.is_eager:
        raise self.retry(countdown=result.retry_in)
    return result.status


@app.task(
    name="exchange.send_notifications",
    bind=True,
    # As for one send: acknowledged after it ran, handed to another worker if this one dies. The
    # redelivered batch skips what was sent (those rows are final) and sends the rest.
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=None,
    soft_time_limit=settings.EMAIL_TIMEOUT * 4,
    time_limit=settings.EMAIL_TIMEOUT * 4 + 30,
)
def send_notifications(self, notification_ids: list[int]) -> dict[str, int]:
    """Send a batch of notices over this process's SMTP connection; the failed ones that may be
    tried again are queued again, together, after their back-off."""
    results = services.notifications_send(notification_ids=notification_ids)
    retries: dict[float, list[int]] = {}
    for notification_id, result in results.items():
        if result.retry_in is not None:
            retries.setdefault(result.retry_in, []).append(notification_id)
    if not self.request.is_eager:
        for delay, ids in sorted(retries.items()):
            self.apply_async((ids,), countdown=delay)
    outcome: dict[str, int] = {}
    for result in results.values():
        outcome[result.status] = outcome.get(result.status, 0) + 1
    return outcome


@app.task(name="exchange.dispatch_notifications", soft_time_limit=60, time_limit=90)
def dispatch_notifications(max_batches: int = 20) -> int:
    """Queue the sends of every due notice, batch by batch (bounded per run; beat runs it again)."""
    total = 0
    for _batch in range(max_batches):
        ids = services.notifications_dispatch()
        total += len(ids)
        if len(ids) < settings.NOTIFICATION_BATCH_SIZE:
            break
    return total


@app.task(name="exchange.plan_reminders", soft_time_limit=300, time_limit=360)
def plan_reminders() -> int:
    return planner.reminders_plan().created
