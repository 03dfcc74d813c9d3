import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from demo.seed import DEMO_PASSWORD, default_cohort_start, seed_demo


class Command(BaseCommand):
    help = "Build the demo cohort of the press release (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--cohort-start",
            help="Orientation start date, YYYY-MM-DD (default: first Monday of December).",
        )
        parser.add_argument("--quiet-logins", action="store_true", help="Do not print the logins.")

    def handle(self, *args, cohort_start=None, quiet_logins=False, **options):
        if cohort_start:
            try:
                start = datetime.date.fromisoformat(cohort_start)
            except ValueError as error:
                raise CommandError(f"--cohort-start must be YYYY-MM-DD: {error}") from error
        else:
            start = default_cohort_start(timezone.localdate())
        cohort, logins = seed_demo(start=start)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo cohort “{cohort.name}”: orientation {cohort.orientation_start} – "
                f"{cohort.orientation_end}, {cohort.participants.count()} officials."
            )
        )
        if quiet_logins:
            return
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for role, username, detail in logins.rows:
            self.stdout.write(f"  {role:<12} {username:<16} {detail}")
