"""Helpers for schedule tests: an official with an attachment and a given number of activities."""

import datetime

from django.utils import timezone

from tests.factories import ActivityFactory, AttachmentFactory


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def fill_schedule(participant, department, *, activities: int):
    """An attachment at `department` and `activities` activities meant for `participant`: whole
    cohort, department (during the attachment) and named ones in turn."""
    attachment = AttachmentFactory(participant=participant, department=department)
    cohort = participant.cohort
    made = []
    for number in range(activities):
        day = attachment.start + datetime.timedelta(days=number % 20)
        kind = number % 3
        activity = ActivityFactory(
            cohort=cohort,
            title=f"Activity {number}",
            starts_at=at(day, 9 + number % 8),
            ends_at=at(day, 10 + number % 8),
            audience=["cohort", "department", "named"][kind],
            department=department if kind else None,
        )
        if kind == 2:
            activity.participants.add(participant)
        made.append(activity)
    return attachment, made
