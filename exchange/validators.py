"""The values people may give the programme: its dates, stays, seats and reminder offsets.

One validator for each kind of value, set on the model fields. Every path that writes goes through
`full_clean()` (the services, the ModelForms, the admin), so all of them refuse the same values
with the same message. The bounds are what a programme can have, and keep the date arithmetic of
the pages (stays, timelines, calendars, reminders) far from the limits of `datetime`.
"""

import datetime
import re
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext

FIRST_YEAR = 2000
LAST_YEAR = 2100
FIRST_DAY = datetime.date(FIRST_YEAR, 1, 1)
LAST_DAY = datetime.date(LAST_YEAR, 12, 31)
# The same years as moments of the site's time zone (Hong Kong): from the midnight that starts the
# first day to the midnight that ends the last one.
SITE_ZONE = ZoneInfo(settings.TIME_ZONE)
FIRST_MOMENT = datetime.datetime(FIRST_YEAR, 1, 1, tzinfo=SITE_ZONE)
END_MOMENT = datetime.datetime(LAST_YEAR + 1, 1, 1, tzinfo=SITE_ZONE)

MAX_STAY_DAYS = 366
MAX_SEATS = 200
MAX_REMINDER_DAYS = 60
MAX_ORIENTATION_REMINDERS = 5


def is_programme_date(value: datetime.date | datetime.datetime) -> bool:
    """Whether a day or a moment falls within the years a programme can have."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=SITE_ZONE)
        # Aware datetimes compare without converting, so even year 1 or 9999 cannot overflow.
        return FIRST_MOMENT <= value < END_MOMENT
    return FIRST_DAY <= value <= LAST_DAY


def validate_programme_date(value: datetime.date | datetime.datetime) -> None:
    """A day or a moment from 1 January 2000 to 31 December 2100 (Hong Kong time)."""
    if value is not None and not is_programme_date(value):
        raise ValidationError(
            gettext("Choose a date from {first} to {last}.").format(
                first=formats.date_format(FIRST_DAY, "DATE_FORMAT"),
                last=formats.date_format(LAST_DAY, "DATE_FORMAT"),
            ),
            code="outside_programme_years",
        )


def _days_up_to(value: int | None, limit: int) -> None:
    if value is not None and not 1 <= value <= limit:
        raise ValidationError(
            gettext("Give a number of days between 1 and {limit}.").format(limit=limit),
            code="days_out_of_range",
        )


def validate_stay_days(value: int) -> None:
    """The shortest or longest stay, orientation included: a day to a year."""
    _days_up_to(value, MAX_STAY_DAYS)


def validate_reminder_days(value: int) -> None:
    """One reminder offset: 1 to 60 days before the event."""
    _days_up_to(value, MAX_REMINDER_DAYS)


def validate_seats(value: int) -> None:
    """A city's quota or a department's capacity in one cohort."""
    if value is not None and not 0 <= value <= MAX_SEATS:
        raise ValidationError(
            gettext("Give a number of seats between 0 and {limit}.").format(limit=MAX_SEATS),
            code="seats_out_of_range",
        )


_WHOLE_NUMBER = re.compile(r"[0-9]+")


def _offset(digits: str) -> int:
    # Thousands of digits would make int() slow (or refuse); anything that long is too many days.
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= 6 else MAX_REMINDER_DAYS + 1


def parse_reminder_days(value: str) -> list[int]:
    """The orientation reminder offsets of "7, 1" (spaces and repeats allowed), largest first;
    at most five, each a whole number of days from 1 to 60."""
    parts = [part.strip() for part in (value or "").split(",")]
    parts = [part for part in parts if part]
    if not parts or not all(_WHOLE_NUMBER.fullmatch(part) for part in parts):
        raise ValidationError(
            gettext("Give one or more whole numbers of days, separated by commas, e.g. 7,1."),
            code="reminder_days_syntax",
        )
    offsets = sorted({_offset(part) for part in parts}, reverse=True)
    if len(offsets) > MAX_ORIENTATION_REMINDERS or not all(
        1 <= offset <= MAX_REMINDER_DAYS for offset in offsets
    ):
        raise ValidationError(
            gettext("Give at most five reminders, each between 1 and {limit} days before.").format(
                limit=MAX_REMINDER_DAYS
            ),
            code="reminder_days_range",
        )
    return offsets


def validate_orientation_reminder_days(value: str) -> None:
    parse_reminder_days(value)


def normalise_reminder_days(value: str) -> str:
    """The stored form of valid offsets: "1, 14,7 ,7" becomes "14,7,1"."""
    return ",".join(str(offset) for offset in parse_reminder_days(value))
