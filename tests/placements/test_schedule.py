"""Laying a schedule out: the day list, the month grid and the week's hour scale."""

import datetime

from placements.schedule import (
    ACTIVITY,
    HONG_KONG,
    ORIENTATION,
    ScheduleItem,
    default_anchor,
    month_page,
    schedule_by_day,
    schedule_list,
    week_page,
)

D = datetime.date


def all_day(uid, start, end):
    return ScheduleItem(
        uid=uid, kind=ORIENTATION, kind_label="", title=uid, start=start, end=end, all_day=True
    )


def timed(uid, day, start, end, end_day=None):
    begin = datetime.datetime.combine(day, datetime.time(*start), tzinfo=HONG_KONG)
    finish = datetime.datetime.combine(end_day or day, datetime.time(*end), tzinfo=HONG_KONG)
    return ScheduleItem(
        uid=uid, kind=ACTIVITY, kind_label="", title=uid, start=begin, end=finish, all_day=False
    )


WEEK = all_day("orientation", D(2026, 12, 7), D(2026, 12, 11))
OPENING = timed("opening", D(2026, 12, 7), (10, 0), (11, 0))
BRIEFING = timed("briefing", D(2026, 12, 9), (9, 30), (12, 30))
OVERLAP = timed("overlap", D(2026, 12, 9), (11, 0), (12, 0))
LATE = timed("late", D(2026, 12, 10), (20, 0), (0, 0), end_day=D(2026, 12, 11))
ITEMS = [LATE, OVERLAP, BRIEFING, OPENING, WEEK]


def test_list_has_today_then_coming_days_then_past_most_recent_first():
    days = schedule_list(ITEMS, today=D(2026, 12, 9))
    assert [i.uid for i in days.today.items] == ["orientation", "briefing", "overlap"]
    assert [(d.day, [i.uid for i in d.items]) for d in days.upcoming] == [
        (D(2026, 12, 10), ["late"])
    ]
    assert [(d.day, [i.uid for i in d.items]) for d in days.past] == [(D(2026, 12, 7), ["opening"])]


def test_an_item_ending_at_midnight_stays_on_its_day():
    assert (LATE.first_day, LATE.last_day, LATE.spans_days) == (
        D(2026, 12, 10),
        D(2026, 12, 10),
        False,
    )


def test_printed_days_are_in_order():
    assert [d.day for d in schedule_by_day(ITEMS)] == [
        D(2026, 12, 7),
        D(2026, 12, 9),
        D(2026, 12, 10),
    ]


def test_month_grid_is_whole_weeks_with_bars_across_days():
    page = month_page(ITEMS, anchor=D(2026, 12, 9), today=D(2026, 12, 9))
    assert page.weeks[0][0].day == D(2026, 11, 30)  # Monday before 1 December
    assert page.weeks[-1][-1].day == D(2027, 1, 3)
    assert all(len(week) == 7 for week in page.weeks)
    cells = {cell.day: cell for week in page.weeks for cell in week}
    assert [e.item.uid for e in cells[D(2026, 12, 9)].all_day] == ["orientation"]
    middle = cells[D(2026, 12, 9)].all_day[0]
    assert (middle.starts_here, middle.ends_here) == (False, False)
    assert [e.item.uid for e in cells[D(2026, 12, 9)].timed] == ["briefing", "overlap"]
    assert cells[D(2026, 12, 9)].is_today and not cells[D(2026, 11, 30)].in_range
    assert (page.previous, page.next) == (D(2026, 11, 1), D(2027, 1, 1))


def test_week_puts_timed_items_on_the_hour_scale_side_by_side():
    page = week_page(ITEMS, anchor=D(2026, 12, 9), today=D(2026, 12, 9))
    assert page.hours == list(range(8, 24))  # widened to fit the evening item
    wednesday = page.weeks[0][2]
    briefing, overlap = wednesday.timed
    assert briefing.top == round(100 * 90 / (16 * 60), 3)
    assert briefing.height == round(100 * 180 / (16 * 60), 3)
    assert (briefing.left, briefing.width) == (0, 50)
    assert (overlap.left, overlap.width) == (50, 50)
    assert page.weeks[0][3].timed[0].top + page.weeks[0][3].timed[0].height == 100


def test_default_anchor_stays_within_the_programme():
    assert default_anchor(ITEMS, today=D(2026, 1, 1)) == D(2026, 12, 7)
    assert default_anchor(ITEMS, today=D(2026, 12, 8)) == D(2026, 12, 8)
    assert default_anchor(ITEMS, today=D(2027, 6, 1)) == D(2026, 12, 11)
    assert default_anchor([], today=D(2027, 6, 1)) == D(2027, 6, 1)
