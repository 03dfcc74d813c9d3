"""Journeys 2 and 4: an official finds their week on the schedule; a liaison adds a site visit."""

import datetime

from playwright.sync_api import expect

from exchange.roles import Role
from tests.factories import (
    ActivityFactory,
    AttachmentFactory,
    CohortFactory,
    ParticipantFactory,
    UserFactory,
)


def first_monday_of_next_month() -> datetime.date:
    first = (datetime.date.today().replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    return first + datetime.timedelta(days=(7 - first.weekday()) % 7)


def test_participant_sees_orientation_attachment_and_activity(page, login, department):
    start = first_monday_of_next_month()
    cohort = CohortFactory(orientation_start=start)
    user = UserFactory(username="sz01", role=Role.PARTICIPANT)
    official = ParticipantFactory(cohort=cohort, user=user)
    AttachmentFactory(participant=official, department=department)
    ActivityFactory(cohort=cohort, title="Opening session with the Secretary")

    login(user)
    expect(page.get_by_role("heading", name="My schedule")).to_be_visible()
    schedule = page.locator("#schedule-upcoming")
    expect(schedule.get_by_text("Orientation week")).to_be_visible()
    expect(schedule.get_by_text("Attachment: Digital Policy Office")).to_be_visible()
    expect(schedule.get_by_text("Opening session with the Secretary")).to_be_visible()
    expect(page.locator("#feed-url")).to_have_value(
        f"{page.url.split('/me/')[0]}/calendar/{official.calendar_token}.ics"
    )

    page.get_by_role("link", name="Month").click()
    calendar = page.locator("#schedule-calendar")
    expect(calendar.locator(".cal-bar.sched-orientation").first).to_contain_text("Orientation week")
    expect(calendar.locator(".cal-bar.sched-attachment").first).to_contain_text(
        "Attachment: Digital Policy Office"
    )
    expect(calendar.locator(".cal-event")).to_contain_text("Opening session with the Secretary")


def test_liaison_adds_a_site_visit_that_shows_on_the_attachees_schedule(
    page, login, liaison, department
):
    cohort = CohortFactory(orientation_start=first_monday_of_next_month())
    user = UserFactory(username="bj01", role=Role.PARTICIPANT)
    official = ParticipantFactory(cohort=cohort, user=user, name_en="Wang Lei")
    attachment = AttachmentFactory(participant=official, department=department)
    day = attachment.start + datetime.timedelta(days=2)

    login(liaison)
    expect(page.get_by_text("Wang Lei")).to_be_visible()
    page.get_by_role("link", name="Add an activity").click()
    page.get_by_label("Kind").select_option("site_visit")
    page.get_by_label("Title").fill("Site visit: Cyberport smart city lab")
    page.get_by_label("Starts").fill(f"{day.isoformat()}T10:00")
    page.get_by_label("Ends").fill(f"{day.isoformat()}T12:00")
    page.get_by_label("Location").fill("Cyberport, Pok Fu Lam")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("alert")).to_contain_text("Site visit: Cyberport smart city lab")
    expect(page.locator("#activity-table")).to_contain_text("Site visit: Cyberport smart city lab")

    page.context.clear_cookies()
    login(user)
    item = page.locator(".sched-item", has_text="Site visit: Cyberport smart city lab")
    expect(item).to_be_visible()
    expect(item).to_contain_text("10:00")
    expect(item).to_contain_text("Cyberport, Pok Fu Lam")


def test_participant_subscribes_to_the_feed_and_switches_language(page, login, department):
    """The rest of journey 2: the feed address on the page answers with the same events, and the
    official reads the schedule in Simplified Chinese."""
    import icalendar

    cohort = CohortFactory(orientation_start=first_monday_of_next_month())
    user = UserFactory(username="bj01", role=Role.PARTICIPANT)
    official = ParticipantFactory(cohort=cohort, user=user)
    AttachmentFactory(participant=official, department=department)
    ActivityFactory(cohort=cohort, title="Briefing on the Basic Law")

    login(user)
    feed_url = page.locator("#feed-url").input_value()
    response = page.request.get(feed_url)
    assert response.ok
    assert response.headers["content-type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.body())
    summaries = {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}
    assert "Briefing on the Basic Law" in summaries
    assert len(summaries) == 3  # orientation week, the attachment, the briefing

    page.select_option("#language-select", "zh-hans")
    expect(page.get_by_role("heading", name="我的日程")).to_be_visible()
    expect(page.locator("#schedule-upcoming").get_by_text("入职导向周")).to_be_visible()
