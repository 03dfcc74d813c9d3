"""An official's schedule as an iCalendar (RFC 5545) feed, built with the icalendar library.

Orientation and attachments are all-day events (DTEND the day after the last day, as the RFC
wants); activities are timed events in Hong Kong time with the zone's VTIMEZONE. UIDs never change,
SEQUENCE grows with each change, and cancelled items stay in the feed with STATUS:CANCELLED so that
subscribed calendars remove or strike them instead of keeping a stale copy.
"""

import datetime

import icalendar
from django.utils import timezone
from django.utils.translation import gettext as _

from .schedule import CANCELLED, CONFIRMED, TENTATIVE, ScheduleItem
from .selectors import Schedule

PRODUCT_ID = "-//Civil Service Exchange Programme//Exchange placements//EN"
ICAL_STATUS = {CONFIRMED: "CONFIRMED", TENTATIVE: "TENTATIVE", CANCELLED: "CANCELLED"}


def _event(item: ScheduleItem, *, stamp: datetime.datetime) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", item.uid)
    event.add("dtstamp", stamp)
    event.add("summary", item.title)
    if item.all_day:
        event.add("dtstart", item.start)
        event.add("dtend", item.end + datetime.timedelta(days=1))
        # An official is busy all day at a department, but the calendar should not block the
        # whole day against their own activities.
        event.add("transp", "TRANSPARENT")
    else:
        event.add("dtstart", item.start)
        event.add("dtend", item.end)
    event.add("sequence", item.sequence)
    event.add("status", ICAL_STATUS[item.status])
    event.add("categories", [item.kind_label])
    if item.location:
        event.add("location", item.location)
    description = [item.description] if item.description else []
    if item.audience_label:
        description.append(_("For: %(audience)s") % {"audience": item.audience_label})
    if description:
        event.add("description", "\n".join(description))
    if item.last_modified:
        event.add("last-modified", item.last_modified.astimezone(datetime.UTC))
    return event


def schedule_calendar(schedule: Schedule) -> bytes:
    """The feed of one official's schedule; call it inside their language."""
    participant = schedule.participant
    stamp = timezone.now().astimezone(datetime.UTC).replace(microsecond=0)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    name = _("Exchange programme: %(name)s") % {"name": participant.display_name}
    calendar.add("name", name)
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Hong_Kong")
    # Ask subscribed clients to look again every few hours: plans change during a stay.
    calendar.add("refresh-interval", datetime.timedelta(hours=4), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT4H")
    for item in schedule.items:
        calendar.add_component(_event(item, stamp=stamp))
    calendar.add_missing_timezones()
    return calendar.to_ical()
