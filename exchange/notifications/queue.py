"""Queueing the engine's Celery tasks by their stable names.

The tasks (`exchange/tasks.py`) stand above the services they run; the services and the outbox
queue them by name through here instead of importing them, so no import runs back up.
"""

import logging

from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

from exchange.celery import app

logger = logging.getLogger(__name__)

DISPATCH_TASK = "exchange.dispatch_notifications"
SEND_TASK = "exchange.send_notification"
SEND_BATCH_TASK = "exchange.send_notifications"


def publish(task_name: str, *args) -> bool:
    """Queue a task; when the broker is down, log it and return False. The outbox row is already
    committed, so nothing is lost: the next dispatch (by beat or by hand) picks it up."""
    try:
        app.tasks[task_name].delay(*args)
    except BrokerError as error:
        logger.warning(
            "Could not queue %s: the broker is unavailable (%s); the outbox keeps the notice "
            "pending for the next dispatch.",
            task_name,
            error,
        )
        return False
    return True


def dispatch_on_commit() -> None:
    """Queue a dispatch once the current transaction commits (at once outside a transaction)."""
    transaction.on_commit(lambda: publish(DISPATCH_TASK))
