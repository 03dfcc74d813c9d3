"""Drafts and publishing: a draft is the coordinators' alone and sends nothing; publishing checks
it as a whole, tells each official once and each liaison with one digest, and never twice."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse

from exchange.models import HostCapacity, Notification
from exchange.notifications.services import notification_send
from exchange.roles import Role
from participants.models import HostPreference
from placements.models import Attachment
from placements.plan_check import plan_check
from placements.services import attachment_cancel, attachment_create, plan_publish
from tests.factories import FocusAreaFactory, UserFactory
from tests.placements.conftest import day

pytestmark = pytest.mark.django_db


def send_all():
    """Send every recorded notice, as the workers would."""
    for pk in Notification.objects.values_list("pk", flat=True):
        notification_send(notification_id=pk)


@pytest.fixture
def make_participant(make_official):
    """An official who can log in as a participant."""

    def make(name):
        official = make_official(name)
        official.user.groups.add(Group.objects.get(name=Role.PARTICIPANT.value))
        return official

    return make


@pytest.fixture
def official(make_participant):
    return make_participant("Chen Minghui")


@pytest.fixture
def draft(official, dpo, coordinator):
    return attachment_create(
        participant=official, department=dpo, start=day(3, 8), end=day(4, 9), by=coordinator
    )


def test_a_draft_is_invisible_to_the_official_and_the_liaison_and_sends_nothing(
    client, draft, official, liaison, mailoutbox
):
    send_all()
    assert not Notification.objects.exists()
    assert mailoutbox == []

    client.force_login(official.user)
    schedule = client.get(reverse("placements:my_schedule")).content.decode()
    assert "Digital Policy Office" not in schedule
    feed = client.get(reverse("placements:calendar_feed", args=[official.calendar_token]))
    assert f"attachment-{draft.pk}@" not in feed.content.decode()

    client.force_login(liaison)
    attachees = client.get(reverse("placements:liaison_attachees")).content.decode()
    assert "Chen Minghui" not in attachees
    assert client.get(official.get_absolute_url()).status_code == 404


def test_publishing_tells_each_official_once_and_each_liaison_with_one_digest(
    client, make_participant, dpo, td, liaison, coordinator, mailoutbox
):
    td_liaison = UserFactory(username="td-liaison", role=Role.LIAISON, email="td@example.org")
    td.liaisons.add(td_liaison, liaison)  # the DPO liaison speaks for TD too
    first = make_participant("First Official")
    second = make_participant("Second Official")
    for start, end, department in ((day(3, 8), day(3, 31), dpo), (day(4, 1), day(4, 20), td)):
        attachment_create(
            participant=first, department=department, start=start, end=end, by=coordinator
        )
    attachment_create(
        participant=second, department=td, start=day(3, 8), end=day(4, 9), by=coordinator
    )

    result = plan_publish(cohort=first.cohort, by=coordinator)

    assert (result.attachments, result.officials) == (3, 2)
    assert set(Attachment.objects.values_list("status", flat=True)) == {"confirmed"}
    told = sorted((n.kind, n.recipient.username) for n in Notification.objects.all())
    assert told == sorted(
        [
            ("placement_published", first.user.username),
            ("placement_published", second.user.username),
            ("attachees_digest", liaison.username),
            ("attachees_digest", td_liaison.username),
        ]
    )
    send_all()
    by_recipient = {m.to[0]: m for m in mailoutbox}
    assert len(mailoutbox) == 4
    # The official's notice carries the whole placement: both attachments.
    first_mail = by_recipient[first.user.email]
    assert "Digital Policy Office" in first_mail.body and "Transport Department" in first_mail.body
    # A digest names every official coming; its subject gives the count or the name.
    assert by_recipient[liaison.email].subject == "New attachees: 2 officials"
    assert by_recipient[td_liaison.email].subject == "New attachees: 2 officials"
    assert "First Official" in by_recipient[liaison.email].body
    assert "Second Official" in by_recipient[liaison.email].body

    # Publishing again sends nothing more.
    again = plan_publish(cohort=first.cohort, by=coordinator)
    assert again.attachments == 0
    assert Notification.objects.count() == 4


def test_a_digest_for_one_official_names_them(draft, liaison, coordinator, mailoutbox):
    plan_publish(cohort=draft.participant.cohort, by=coordinator)
    send_all()
    digest = next(m for m in mailoutbox if m.to == [liaison.email])
    assert digest.subject.startswith("New attachees: Chen Minghui")


def test_a_publish_that_breaks_a_rule_publishes_nothing_and_says_why(
    make_official, dpo, td, coordinator
):
    first, second = make_official("First One"), make_official("Second One")
    kept = attachment_create(
        participant=first, department=td, start=day(3, 8), end=day(4, 9), by=coordinator
    )
    for official in (first, second):
        attachment_create(
            participant=official,
            department=dpo,
            start=day(4, 12),
            end=day(4, 30),
            by=coordinator,
        )
    # Meanwhile the department's seats were cut (say by another coordinator's cohort edit).
    HostCapacity.objects.filter(department=dpo).update(seats=1)

    with pytest.raises(ValidationError) as caught:
        plan_publish(cohort=first.cohort, by=coordinator)

    assert any("DPO is full" in message for message in caught.value.messages)
    assert not Attachment.objects.filter(status="confirmed").exists()
    assert not Notification.objects.exists()
    kept.refresh_from_db()
    assert kept.status == "proposed" and kept.published_at is None


def test_publishing_selected_officials_leaves_the_others_in_the_draft(
    make_official, dpo, coordinator
):
    first, second = make_official("First One"), make_official("Second One")
    for official in (first, second):
        attachment_create(
            participant=official, department=dpo, start=day(3, 8), end=day(4, 9), by=coordinator
        )
    plan_publish(cohort=first.cohort, by=coordinator, participants=[first])
    statuses = dict(Attachment.objects.values_list("participant__name_en", "status"))
    assert statuses == {"First One": "confirmed", "Second One": "proposed"}


def test_changes_to_a_draft_send_nothing_and_to_a_published_attachment_notify(
    draft, td, coordinator
):
    from placements.services import attachment_update

    attachment_update(
        attachment=draft, by=coordinator, department=td, start=day(3, 8), end=day(4, 9)
    )
    attachment_cancel(attachment=draft, by=coordinator)
    assert not Notification.objects.exists()

    published = attachment_create(
        participant=draft.participant,
        department=td,
        start=day(3, 8),
        end=day(4, 9),
        by=coordinator,
        confirmed=True,
    )
    attachment_update(
        attachment=published, by=coordinator, department=td, start=day(3, 9), end=day(4, 9)
    )
    attachment_cancel(attachment=published, by=coordinator)
    kinds = set(Notification.objects.values_list("kind", flat=True))
    assert {"placement_published", "attachment_changed", "attachment_cancelled"} <= kinds


def test_the_plan_check_lists_warnings_that_never_block(make_official, dpo, td, coordinator):
    transport = FocusAreaFactory(name_en="Transport management")
    td.focus_areas.add(transport)
    dpo.focus_areas.add(FocusAreaFactory(name_en="Innovation and technology"))
    wants_td = make_official("Wants TD")
    HostPreference.objects.create(participant=wants_td, department=td, rank=1)
    no_match = make_official("No Match")
    no_match.focus_areas.add(transport)
    for official in (wants_td, no_match):
        attachment_create(
            participant=official,
            department=dpo,
            start=day(3, 8),
            end=day(4, 9),
            by=coordinator,
        )

    check = plan_check(cohort=wants_td.cohort)

    messages = [f.message for f in check.warnings]
    assert "DPO is not among Wants TD's wishes." in messages
    assert "No Match shares no focus area with DPO." in messages
    assert "All 2 officials at DPO come from Shenzhen." in messages
    assert "No host supervisor is named for Wants TD at DPO." in messages
    assert "DPO has no liaison officer: nobody there will be told." in messages
    assert check.errors == []
    assert (len(check.drafts), check.notices) == (2, 2)
    # Warnings never block publishing.
    assert plan_publish(cohort=wants_td.cohort, by=coordinator).attachments == 2


def test_a_cancellation_that_leaves_a_stay_short_is_a_warning(make_official, dpo, coordinator):
    official = make_official("Short Stay")
    # Two attachments together make the stay long enough; the first alone would not.
    later = attachment_create(
        participant=official, department=dpo, start=day(3, 15), end=day(4, 9), by=coordinator
    )
    first = attachment_create(
        participant=official, department=dpo, start=day(3, 8), end=day(3, 14), by=coordinator
    )
    attachment_cancel(attachment=later, by=coordinator)
    messages = [f.message for f in plan_check(cohort=official.cohort).warnings]
    assert any(m.startswith("Short Stay's stay ends on 14 March 2027") for m in messages)
    assert first.pk in {f.attachment_id for f in plan_check(cohort=official.cohort).findings}


def test_the_plan_check_shows_errors_when_the_cohort_changed_under_the_draft(
    make_official, dpo, coordinator
):
    officials = [make_official(f"Official {n}") for n in range(2)]
    for official in officials:
        attachment_create(
            participant=official, department=dpo, start=day(3, 8), end=day(4, 9), by=coordinator
        )
    HostCapacity.objects.filter(department=dpo).update(seats=1)
    errors = [f.message for f in plan_check(cohort=officials[0].cohort).errors]
    assert errors == ["DPO has 2 officials on 8 March 2027 but 1 seat(s)."]


def test_the_publish_page_as_coordinator_and_refused_to_others(
    client, draft, coordinator, liaison, official
):
    url = reverse("placements:plan_publish", args=[draft.participant.cohort_id])
    for user in (liaison, official.user):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403
    assert Attachment.objects.get().status == "proposed"

    client.force_login(coordinator)
    page = client.get(url).content.decode()
    assert "Chen Minghui" in page and "Publish the whole draft" in page
    dashboard = client.get(
        reverse("placements:cohort_dashboard", args=[draft.participant.cohort_id])
    )
    assert "Draft: 1 change not yet published." in dashboard.content.decode()
    response = client.post(url, follow=True)
    assert "Published 1 attachment of 1 official(s)" in response.content.decode()
    assert Attachment.objects.get().status == "confirmed"


@pytest.mark.parametrize("size", [5, 40])
def test_the_plan_page_reads_a_fixed_number_of_queries(
    client, coordinator, make_official, dpo, size, django_assert_max_num_queries
):
    HostCapacity.objects.filter(department=dpo).update(seats=size)
    for n in range(size):
        attachment_create(
            participant=make_official(f"Official {n}"),
            department=dpo,
            start=day(3, 8),
            end=day(4, 9),
            by=coordinator,
        )
    client.force_login(coordinator)
    with django_assert_max_num_queries(16):
        response = client.get(
            reverse("placements:plan_publish", args=[dpo.capacities.get().cohort_id])
        )
    assert response.status_code == 200
