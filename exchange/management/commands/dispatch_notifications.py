from django.conf import settings
from django.core.management.base import BaseCommand
from django.db.models import Count

from exchange.models import Notification
from exchange.notifications.services import notifications_dispatch


class Command(BaseCommand):
    help = (
        "Send the due notices of the outbox (what beat runs every minute; for cron-less setups). "
        "By default each notice is queued for the Celery workers; --sync sends them here."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--sync", action="store_true", help="Send in this process instead of queueing."
        )
        parser.add_argument("--batch-size", type=int, default=settings.NOTIFICATION_BATCH_SIZE)

    def handle(self, *args, sync=False, batch_size=None, **options):
        ids = []
        while True:
            batch = notifications_dispatch(batch_size=batch_size, sync=sync)
            ids += batch
            if len(batch) < batch_size:
                break
        if not sync:
            self.stdout.write(self.style.SUCCESS(f"{len(ids)} notices queued."))
            return
        outcome = dict(
            Notification.objects.filter(pk__in=ids)
            .values_list("status")
            .annotate(n=Count("pk"))
            .values_list("status", "n")
        )
        summary = ", ".join(f"{count} {status}" for status, count in sorted(outcome.items()))
        self.stdout.write(self.style.SUCCESS(f"{len(ids)} notices tried: {summary or 'none'}."))
