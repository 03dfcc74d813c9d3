"""A coordinator sends the orientation notices; an official sees the bell, reads the notice."""

from django.core import mail
from playwright.sync_api import expect

from exchange.models import Notification
from tests.factories import CohortFactory, ParticipantFactory, UserFactory


def test_coordinator_sends_orientation_notices_and_the_official_reads_one(
    page, login, coordinator, participant_user
):
    cohort = CohortFactory(name="Winter cohort")
    ParticipantFactory(cohort=cohort, user=participant_user, email=participant_user.email)
    ParticipantFactory(cohort=cohort, user=UserFactory())

    login(coordinator)
    page.goto(f"/cohorts/{cohort.pk}/")
    page.get_by_role("link", name="Outbox").click()
    page.get_by_role("link", name="Send orientation notices now").click()
    expect(page.get_by_text("2 confirmed officials")).to_be_visible()
    page.get_by_role("button", name="Send orientation notices now").click()
    expect(page.get_by_text("2 queued now")).to_be_visible()
    expect(page.locator("tbody .badge", has_text="Sent")).to_have_count(2)
    assert len(mail.outbox) == 2

    page.context.clear_cookies()
    login(participant_user)
    bell = page.locator("#notification-bell")
    expect(bell.locator("#notification-unread")).to_have_text("1 unread notices")
    bell.click()
    page.get_by_role("link", name="Orientation notice: Winter cohort").click()
    expect(page.get_by_role("heading", name="Orientation notice: Winter cohort")).to_be_visible()
    expect(page.get_by_text("Civil Service College")).to_be_visible()
    expect(bell.locator("#notification-unread")).to_have_count(0)
    assert Notification.objects.get(recipient=participant_user).read_at is not None
