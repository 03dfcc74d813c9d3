"""An official's schedule as an iCalendar (RFC 5545) feed, built with the icalendar library.

Orientation and attachments are all-day events (DTEND the day after the last day, as the RFC
wants); activities are timed events in Hong Kong time with the zone's VTIMEZONE. UIDs never change,
SEQUENCE grows by one with each change of what the event shows (the rows count their revisions,
`exchange.revisions`), LAST-MODIFIED and DTSTAMP are the time of that change, and cancelled items
stay in the feed with STATUS:CANCELLED so that subscribed calendars remove or strike them instead of
keeping a stale copy. The same schedule therefore always gives the same bytes, which is what lets
the feed answer a conditional request with 304 Not Modified.
"""

import datetime

import icalendar
from django.utils.translation import gettext as _

from .schedule import CANCELLED, CONFIRMED, TENTATIVE, ScheduleItem
from .selectors import Schedule

PRODUCT_ID = "-//Civil Service Exchange Programme//Exchange placements//EN"
ICAL_STATUS = {CONFIRMED: "CONFIRMED", TENTATIVE: "TENTATIVE", CANCELLED: "CANCELLED"}
EPOCH = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def _utc_seconds(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC).replace(microsecond=0)


def _event(item: ScheduleItem) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", item.uid)
    # Stable: the time of the event's last revision, not the time the feed was fetched.
    event.add("dtstamp", _utc_seconds(item.last_modified or EPOCH))
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
        event.add("last-modified", _utc_seconds(item.last_modified))
    return event


def schedule_calendar(schedule: Schedule) -> bytes:
    """The feed of one official's schedule; call it inside their language."""
    participant = schedule.participant
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
        calendar.add_component(_event(item))
    calendar.add_missing_timezones()
    return calendar.to_ical()


def schedule_last_modified(schedule: Schedule) -> datetime.datetime:
    """When the feed last changed, to the second (HTTP dates have no finer grain): its latest
    event revision, or the official's own (their name is the calendar's)."""
    moments = [item.last_modified for item in schedule.items if item.last_modified]
    return _utc_seconds(max([schedule.participant.updated_at, *moments]))
