"""An official's schedule as one list of items, and the ways the pages lay it out.

The schedule page (list, month, week, print) and the calendar feed are drawn from the same
`ScheduleItem`s, so they cannot disagree about what is on it or when. Every time is Hong Kong time,
whatever the server's or the browser's zone.
"""

import datetime
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext as _

from exchange.models import Cohort, HostDepartment

from .models import Activity, Attachment

HONG_KONG = ZoneInfo("Asia/Hong_Kong")
# A short label ending in a colon (ASCII or full-width) at the start of a title.
SHORT_TITLE_LABEL = re.compile(r"^[^:：]{1,20}[:：]\s*")

ORIENTATION = "orientation"
ATTACHMENT = "attachment"
ACTIVITY = "activity"

CONFIRMED = "confirmed"
TENTATIVE = "tentative"
CANCELLED = "cancelled"


def uid_domain() -> str:
    """The right-hand side of every UID: the site's host, unique across installations."""
    return urlsplit(settings.SITE_URL).hostname or "exchange.invalid"


@dataclass(frozen=True)
class ScheduleItem:
    """One thing on a schedule: the orientation week, an attachment or an activity.

    All-day items have `start` and `end` as dates, both days included; timed items have aware
    datetimes in Hong Kong time.
    """

    uid: str
    kind: str
    kind_label: str
    title: str
    start: datetime.date | datetime.datetime
    end: datetime.date | datetime.datetime
    all_day: bool
    status: str = CONFIRMED
    location: str = ""
    description: str = ""
    department: HostDepartment | None = None
    supervisor: str = ""
    supervisor_email: str = ""
    audience_label: str = ""
    sequence: int = 0
    last_modified: datetime.datetime | None = None

    @property
    def short_title(self) -> str:
        """The title without a leading label such as "Briefing: ", for the month's small cells,
        where three briefings on a day would otherwise all read "Briefing: th…"."""
        match = SHORT_TITLE_LABEL.match(self.title)
        return self.title[match.end() :] if match and match.end() < len(self.title) else self.title

    @property
    def first_day(self) -> datetime.date:
        return self.start if self.all_day else self.start.date()

    @property
    def last_day(self) -> datetime.date:
        if self.all_day:
            return self.end
        # An activity that ends at midnight does not occupy the day that starts then.
        return (self.end - datetime.timedelta(microseconds=1)).date()

    @property
    def is_cancelled(self) -> bool:
        return self.status == CANCELLED

    @property
    def is_tentative(self) -> bool:
        return self.status == TENTATIVE

    @property
    def spans_days(self) -> bool:
        return self.last_day > self.first_day

    @property
    def sort_key(self) -> tuple:
        start = self.start if not self.all_day else datetime.datetime.min.replace(tzinfo=HONG_KONG)
        return (self.first_day, not self.all_day, start, self.uid)

    def covers(self, day: datetime.date) -> bool:
        return self.first_day <= day <= self.last_day


def orientation_item(cohort: Cohort) -> ScheduleItem:
    return ScheduleItem(
        uid=f"orientation-cohort-{cohort.pk}@{uid_domain()}",
        kind=ORIENTATION,
        kind_label=_("Orientation"),
        title=_("Orientation week"),
        start=cohort.orientation_start,
        end=cohort.orientation_end,
        all_day=True,
        location=cohort.orientation_venue,
        description=_("Orientation programme of %(cohort)s.") % {"cohort": cohort.name},
        sequence=cohort.orientation_sequence,
        last_modified=cohort.orientation_revised_at,
    )


def attachment_item(attachment: Attachment) -> ScheduleItem:
    department = attachment.department
    status = {
        Attachment.Status.CONFIRMED: CONFIRMED,
        Attachment.Status.PROPOSED: TENTATIVE,
        Attachment.Status.CANCELLED: CANCELLED,
    }[attachment.status]
    description = ""
    if attachment.supervisor:
        description = _("Host supervisor: %(name)s") % {"name": attachment.supervisor}
        if attachment.supervisor_email:
            description += f" <{attachment.supervisor_email}>"
    return ScheduleItem(
        uid=f"attachment-{attachment.pk}@{uid_domain()}",
        kind=ATTACHMENT,
        kind_label=_("Attachment"),
        title=_("Attachment: %(department)s") % {"department": department.name},
        start=attachment.start,
        end=attachment.end,
        all_day=True,
        status=status,
        location=department.address,
        description=description,
        department=department,
        supervisor=attachment.supervisor,
        supervisor_email=attachment.supervisor_email,
        sequence=attachment.sequence,
        last_modified=attachment.revised_at,
    )


def activity_item(activity: Activity) -> ScheduleItem:
    if activity.audience == Activity.Audience.DEPARTMENT:
        audience = _("Attachees of %(department)s") % {
            "department": activity.department.abbreviation
        }
    else:
        audience = activity.get_audience_display()
    return ScheduleItem(
        uid=f"activity-{activity.pk}@{uid_domain()}",
        kind=ACTIVITY,
        kind_label=activity.get_kind_display(),
        title=activity.title,
        start=activity.starts_at.astimezone(HONG_KONG),
        end=activity.ends_at.astimezone(HONG_KONG),
        all_day=False,
        status=CANCELLED if activity.status == Activity.Status.CANCELLED else CONFIRMED,
        location=activity.location,
        description=activity.description,
        department=activity.department,
        audience_label=audience,
        sequence=activity.sequence,
        last_modified=activity.updated_at,
    )


def today_in_hong_kong() -> datetime.date:
    return datetime.datetime.now(HONG_KONG).date()


# Layouts ------------------------------------------------------------------------------------------


@dataclass
class ScheduleDay:
    day: datetime.date
    items: list[ScheduleItem]
    is_today: bool = False


@dataclass
class ScheduleList:
    today: ScheduleDay
    upcoming: list[ScheduleDay]
    past: list[ScheduleDay]


def _group(items: list[ScheduleItem], *, key) -> list[ScheduleDay]:
    days: dict[datetime.date, list[ScheduleItem]] = {}
    for item in items:
        days.setdefault(key(item), []).append(item)
    return [ScheduleDay(day=day, items=day_items) for day, day_items in days.items()]


def schedule_list(items: list[ScheduleItem], *, today: datetime.date) -> ScheduleList:
    """Today first (with what is going on, such as the attachment), then each coming day with what
    starts on it, then the past days, most recent first."""
    ordered = sorted(items, key=lambda item: item.sort_key)
    return ScheduleList(
        today=ScheduleDay(day=today, items=[i for i in ordered if i.covers(today)], is_today=True),
        upcoming=_group([i for i in ordered if i.first_day > today], key=lambda i: i.first_day),
        past=list(
            reversed(_group([i for i in ordered if i.last_day < today], key=lambda i: i.first_day))
        ),
    )


def schedule_by_day(items: list[ScheduleItem]) -> list[ScheduleDay]:
    """Every item under the day it starts, in order: the printed schedule."""
    return _group(sorted(items, key=lambda item: item.sort_key), key=lambda i: i.first_day)


@dataclass
class CalendarEntry:
    """An item as drawn in one day cell; `starts_here`/`ends_here` shape multi-day bars."""

    item: ScheduleItem
    starts_here: bool = True
    ends_here: bool = True
    top: float = 0.0
    height: float = 0.0
    lane: int = 0
    left: float = 0.0
    width: float = 100.0


@dataclass
class CalendarDay:
    day: datetime.date
    in_range: bool = True
    is_today: bool = False
    all_day: list[CalendarEntry] = field(default_factory=list)
    timed: list[CalendarEntry] = field(default_factory=list)

    @property
    def entries(self) -> list[CalendarEntry]:
        return self.all_day + self.timed


@dataclass
class CalendarPage:
    start: datetime.date
    end: datetime.date
    anchor: datetime.date
    previous: datetime.date
    next: datetime.date
    weeks: list[list[CalendarDay]]
    hours: list[int] = field(default_factory=list)


def _days(start: datetime.date, end: datetime.date):
    day = start
    while day <= end:
        yield day
        day += datetime.timedelta(days=1)


def _fill(days: list[CalendarDay], items: list[ScheduleItem]) -> dict[datetime.date, CalendarDay]:
    by_day = {cell.day: cell for cell in days}
    first, last = days[0].day, days[-1].day
    for item in sorted(items, key=lambda i: i.sort_key):
        for day in _days(max(item.first_day, first), min(item.last_day, last)):
            entry = CalendarEntry(
                item=item,
                starts_here=day == item.first_day,
                ends_here=day == item.last_day,
            )
            target = by_day[day].all_day if item.all_day or item.spans_days else by_day[day].timed
            target.append(entry)
    return by_day


def default_anchor(items: list[ScheduleItem], *, today: datetime.date) -> datetime.date:
    """Today while the programme runs; before it, its first day; after it, its last day."""
    if not items:
        return today
    first = min(i.first_day for i in items)
    last = max(i.last_day for i in items)
    return min(max(today, first), last)


def month_page(
    items: list[ScheduleItem], *, anchor: datetime.date, today: datetime.date
) -> CalendarPage:
    """Whole weeks, Monday first, covering the anchor's month."""
    first = anchor.replace(day=1)
    next_month = (first + datetime.timedelta(days=32)).replace(day=1)
    last = next_month - datetime.timedelta(days=1)
    grid_start = first - datetime.timedelta(days=first.weekday())
    grid_end = last + datetime.timedelta(days=6 - last.weekday())
    days = [
        CalendarDay(day=day, in_range=day.month == anchor.month, is_today=day == today)
        for day in _days(grid_start, grid_end)
    ]
    _fill(days, items)
    return CalendarPage(
        start=first,
        end=last,
        anchor=anchor,
        previous=(first - datetime.timedelta(days=1)).replace(day=1),
        next=next_month,
        weeks=[days[i : i + 7] for i in range(0, len(days), 7)],
    )


def _minutes(moment: datetime.datetime, day: datetime.date) -> int:
    """Minutes from the start of `day` (Hong Kong) to `moment`; 1440 for the next midnight."""
    midnight = datetime.datetime.combine(day, datetime.time.min, tzinfo=HONG_KONG)
    return int((moment - midnight).total_seconds() // 60)


def week_page(
    items: list[ScheduleItem], *, anchor: datetime.date, today: datetime.date
) -> CalendarPage:
    """Monday to Sunday around the anchor; timed items placed on an hour scale (8:00 to 19:00,
    widened to fit), side by side where they overlap."""
    start = anchor - datetime.timedelta(days=anchor.weekday())
    end = start + datetime.timedelta(days=6)
    days = [CalendarDay(day=day, is_today=day == today) for day in _days(start, end)]
    _fill(days, items)
    timed = [(cell.day, e) for cell in days for e in cell.timed]
    first_hour = min([8, *(_minutes(e.item.start, day) // 60 for day, e in timed)])
    last_hour = max([19, *(-(-_minutes(e.item.end, day) // 60) for day, e in timed)])
    span = (last_hour - first_hour) * 60
    for cell in days:
        lane_ends: list[datetime.datetime] = []
        for entry in cell.timed:
            begin = _minutes(entry.item.start, cell.day) - first_hour * 60
            finish = _minutes(entry.item.end, cell.day) - first_hour * 60
            entry.top = round(100 * begin / span, 3)
            entry.height = round(100 * max(finish - begin, 20) / span, 3)
            for lane, busy_until in enumerate(lane_ends):
                if busy_until <= entry.item.start:
                    entry.lane = lane
                    lane_ends[lane] = entry.item.end
                    break
            else:
                entry.lane = len(lane_ends)
                lane_ends.append(entry.item.end)
        for entry in cell.timed:
            entry.width = round(100 / len(lane_ends), 3)
            entry.left = round(entry.lane * entry.width, 3)
    return CalendarPage(
        start=start,
        end=end,
        anchor=anchor,
        previous=start - datetime.timedelta(days=7),
        next=start + datetime.timedelta(days=7),
        weeks=[days],
        hours=list(range(first_hour, last_hour)),
    )
