from django.core.management.base import BaseCommand

from exchange.notifications.planner import reminders_plan


class Command(BaseCommand):
    help = (
        "Record the reminders that have come due and cancel obsolete ones (what beat runs hourly; "
        "for cron-less setups). Safe to run any number of times."
    )

    def handle(self, *args, **options):
        result = reminders_plan()
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.created} reminders recorded, {result.cancelled} obsolete ones cancelled."
            )
        )
