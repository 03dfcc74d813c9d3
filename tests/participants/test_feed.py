"""The private calendar feed: who it answers, what it holds, and that two parsers agree."""

import datetime
import re
from email.utils import parsedate_to_datetime

import icalendar
import pytest
import vobject
from django.urls import reverse
from django.utils.http import http_date

from participants.models import Participant
from placements.services import (
    activity_cancel,
    activity_update,
    attachment_cancel,
    attachment_confirm,
    attachment_update,
    cohort_save,
)
from tests.factories import (
    ActivityFactory,
    AttachmentFactory,
    CityQuotaFactory,
    HostCapacityFactory,
    ParticipantFactory,
)
from tests.scheduling import fill_schedule

pytestmark = pytest.mark.django_db
HKT = datetime.timedelta(hours=8)


def feed_url(participant):
    return reverse("placements:calendar_feed", kwargs={"token": participant.calendar_token})


def events(body: bytes) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_feed_needs_no_login_and_parses_with_two_parsers(client, participant, department):
    attachment, activities = fill_schedule(participant, department, activities=4)
    response = client.get(feed_url(participant))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    parsed = events(response.content)
    assert len(parsed) == 6

    second = vobject.readOne(response.content.decode())
    assert sorted(e.uid.value for e in second.vevent_list) == sorted(parsed)
    for event in second.vevent_list:
        assert event.dtstart.value == parsed[event.uid.value].decoded("DTSTART")
        assert event.dtend.value == parsed[event.uid.value].decoded("DTEND")

    cohort = participant.cohort
    orientation = next(e for uid, e in parsed.items() if uid.startswith("orientation-"))
    assert orientation.decoded("DTSTART") == cohort.orientation_start
    assert orientation.decoded("DTEND") == cohort.orientation_end + datetime.timedelta(days=1)
    stay = parsed[next(uid for uid in parsed if uid.startswith(f"attachment-{attachment.pk}@"))]
    assert stay.decoded("DTSTART") == attachment.start
    assert stay.decoded("DTEND") == attachment.end + datetime.timedelta(days=1)
    assert "Ms Supervisor" in str(stay["DESCRIPTION"])
    for activity in activities:
        event = parsed[next(uid for uid in parsed if uid.startswith(f"activity-{activity.pk}@"))]
        start = event.decoded("DTSTART")
        assert start == activity.starts_at
        assert start.utcoffset() == HKT
        assert str(event["SUMMARY"]) == activity.title
        assert event["STATUS"] == "CONFIRMED"
    assert "TZID:Asia/Hong_Kong" in response.content.decode()


def test_feed_events_and_times_match_the_schedule_page(client, participant, department):
    fill_schedule(participant, department, activities=6)
    feed = events(client.get(feed_url(participant)).content)
    client.force_login(participant.user)
    page = client.get(reverse("placements:my_schedule")).content.decode()
    shown = dict(re.findall(r'data-uid="([^"]+)" data-start="([^"]+)"', page))
    assert set(shown) == set(feed)
    for uid, start in shown.items():
        value = feed[uid].decoded("DTSTART")
        assert value.isoformat() == start


def test_updates_keep_the_uid_and_raise_the_sequence_and_cancel(
    client, coordinator, participant, department
):
    fill_schedule(participant, department, activities=0)
    activity = ActivityFactory(cohort=participant.cohort, title="Briefing on Budget")
    uid = next(u for u in events(client.get(feed_url(participant)).content) if "activity" in u)
    activity_update(
        activity=activity,
        by=coordinator,
        kind=activity.kind,
        title="Briefing on the Budget",
        starts_at=activity.starts_at + datetime.timedelta(hours=1),
        ends_at=activity.ends_at + datetime.timedelta(hours=1),
        location=activity.location,
        description="",
        department=None,
        audience="cohort",
    )
    event = events(client.get(feed_url(participant)).content)[uid]
    assert str(event["SUMMARY"]) == "Briefing on the Budget"
    assert event["SEQUENCE"] == 1
    activity_cancel(activity=activity, by=coordinator)
    after = events(client.get(feed_url(participant)).content)
    assert len([u for u in after if "activity" in u]) == 1
    assert after[uid]["STATUS"] == "CANCELLED"
    assert after[uid]["SEQUENCE"] == 2


def test_cancelled_attachment_is_sent_as_cancelled(client, participant, department):
    attachment, _ = fill_schedule(participant, department, activities=0)
    attachment.status = "cancelled"
    attachment.save()
    parsed = events(client.get(feed_url(participant)).content)
    assert parsed[f"attachment-{attachment.pk}@testserver"]["STATUS"] == "CANCELLED"


def test_feed_comes_in_the_officials_language(client, participant, department):
    fill_schedule(participant, department, activities=0)
    participant.preferred_language = "zh-hant"
    participant.save()
    department.name_zh_hant = "數字政策辦公室"
    department.save()
    body = client.get(feed_url(participant)).content.decode()
    assert "數字政策辦公室" in body


@pytest.mark.parametrize(
    "path",
    [
        "/calendar/short.ics",
        "/calendar/" + "x" * 43 + ".ics",
        "/calendar/" + "%20" * 40 + ".ics",
        "/calendar/" + "a" * 43 + "!.ics",
    ],
)
def test_wrong_or_malformed_tokens_are_404(client, participant, path):
    response = client.get(path)
    assert response.status_code == 404
    assert b"BEGIN:VCALENDAR" not in response.content


def test_reset_gives_a_new_address_and_the_old_one_is_404(client, participant):
    old = feed_url(participant)
    client.force_login(participant.user)
    response = client.post(reverse("participants:calendar_token_reset", args=[participant.pk]))
    assert response.status_code == 302
    participant.refresh_from_db()
    assert client.get(old).status_code == 404
    assert client.get(feed_url(participant)).status_code == 200
    assert feed_url(participant) != old
    page = client.get(reverse("placements:my_schedule")).content.decode()
    assert participant.calendar_token in page


def test_only_the_official_resets_their_address(client, participant, coordinator):
    other = ParticipantFactory(cohort=participant.cohort)
    token = other.calendar_token
    client.force_login(participant.user)
    url = reverse("participants:calendar_token_reset", args=[other.pk])
    assert client.post(url).status_code == 404
    client.force_login(coordinator)
    assert client.post(url).status_code == 403
    assert Participant.objects.get(pk=other.pk).calendar_token == token
    client.logout()
    assert client.post(url).status_code == 302
    assert Participant.objects.get(pk=other.pk).calendar_token == token


@pytest.mark.parametrize("activities", [5, 100])
def test_feed_runs_a_fixed_number_of_queries(
    client, participant, department, activities, django_assert_max_num_queries
):
    fill_schedule(participant, department, activities=activities)
    with django_assert_max_num_queries(3):
        response = client.get(feed_url(participant))
    assert len(events(response.content)) == activities + 2


def _seats(participant, department):
    """Seats for the official at the department, so that the services accept changes."""
    HostCapacityFactory(cohort=participant.cohort, department=department, seats=2)
    CityQuotaFactory(cohort=participant.cohort, city=participant.home_city, seats=4)


def event_starting(parsed: dict, prefix: str) -> icalendar.Event:
    return next(event for uid, event in parsed.items() if uid.startswith(prefix))


def _change_activity(activity, by, **changes):
    values = {
        "kind": activity.kind,
        "title": activity.title,
        "starts_at": activity.starts_at,
        "ends_at": activity.ends_at,
        "location": activity.location,
        "description": activity.description,
        "department": activity.department,
        "audience": activity.audience,
        **changes,
    }
    return activity_update(activity=activity, by=by, **values)


def _save_cohort(cohort, coordinator):
    quotas = {quota.city: quota.seats for quota in cohort.city_quotas.select_related("city")}
    capacities = {
        c.department: c.seats for c in cohort.host_capacities.select_related("department")
    }
    return cohort_save(cohort=cohort, quotas=quotas, capacities=capacities, by=coordinator)


def test_sequence_counts_each_change_of_orientation_attachment_and_activity(
    client, coordinator, participant, department
):
    attachment, (activity,) = fill_schedule(participant, department, activities=1)
    cohort = participant.cohort
    _seats(participant, department)

    def sequences():
        parsed = events(client.get(feed_url(participant)).content)
        return {
            kind: event_starting(parsed, f"{kind}-")["SEQUENCE"]
            for kind in ("orientation", "attachment", "activity")
        }

    assert sequences() == {"orientation": 0, "attachment": 0, "activity": 0}

    # Saved unchanged, or changed where the feed shows nothing: no new revision.
    cohort = type(cohort).objects.get(pk=cohort.pk)
    cohort.min_stay_days = cohort.min_stay_days + 1
    _save_cohort(cohort, coordinator)
    attachment_update(
        attachment=attachment,
        by=coordinator,
        department=department,
        start=attachment.start,
        end=attachment.end,
        notes="Internal note only",
    )
    _change_activity(activity, coordinator)
    assert sequences() == {"orientation": 0, "attachment": 0, "activity": 0}

    cohort = type(cohort).objects.get(pk=cohort.pk)
    cohort.orientation_venue = "Central Government Offices"
    _save_cohort(cohort, coordinator)
    attachment_update(
        attachment=attachment,
        by=coordinator,
        department=department,
        start=attachment.start,
        end=attachment.end - datetime.timedelta(days=1),
    )
    _change_activity(activity, coordinator, location="Room 1")
    assert sequences() == {"orientation": 1, "attachment": 1, "activity": 1}

    cohort = type(cohort).objects.get(pk=cohort.pk)
    cohort.orientation_end = cohort.orientation_end - datetime.timedelta(days=1)
    _save_cohort(cohort, coordinator)
    attachment_cancel(attachment=attachment, by=coordinator)
    activity_cancel(activity=activity, by=coordinator)
    assert sequences() == {"orientation": 2, "attachment": 2, "activity": 2}


def test_a_draft_is_revision_0_when_published_and_its_draft_changes_do_not_count(
    client, coordinator, participant, department
):
    _seats(participant, department)
    draft = AttachmentFactory(participant=participant, department=department, status="proposed")
    attachment_update(
        attachment=draft,
        by=coordinator,
        department=department,
        start=draft.start,
        end=draft.end - datetime.timedelta(days=2),
    )
    draft.refresh_from_db()
    assert draft.sequence == 0
    attachment_confirm(attachment=draft, by=coordinator)
    event = event_starting(events(client.get(feed_url(participant)).content), "attachment-")
    assert event["SEQUENCE"] == 0
    assert event["STATUS"] == "CONFIRMED"


def test_each_event_has_last_modified_and_a_stable_dtstamp(
    client, coordinator, participant, department
):
    attachment, _ = fill_schedule(participant, department, activities=3)
    _seats(participant, department)
    first = client.get(feed_url(participant)).content
    for event in events(first).values():
        assert event.decoded("LAST-MODIFIED").tzinfo is not None
        assert event.decoded("DTSTAMP") == event.decoded("LAST-MODIFIED")
    # Fetched again later, the same schedule is the same bytes.
    assert client.get(feed_url(participant)).content == first

    attachment_update(
        attachment=attachment,
        by=coordinator,
        department=department,
        start=attachment.start,
        end=attachment.end - datetime.timedelta(days=1),
    )
    attachment.refresh_from_db()
    stay = events(client.get(feed_url(participant)).content)[
        f"attachment-{attachment.pk}@testserver"
    ]
    assert stay.decoded("LAST-MODIFIED") == attachment.revised_at.replace(microsecond=0)


def test_feed_answers_conditional_requests_with_304(client, coordinator, participant, department):
    attachment, _ = fill_schedule(participant, department, activities=2)
    _seats(participant, department)
    url = feed_url(participant)
    response = client.get(url)
    etag, last_modified = response["ETag"], response["Last-Modified"]
    assert etag.startswith('"') and etag.endswith('"')
    assert parsedate_to_datetime(last_modified) >= attachment.revised_at.replace(microsecond=0)

    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200

    # A change answers the old validators with the new feed.
    attachment_update(
        attachment=attachment,
        by=coordinator,
        department=department,
        start=attachment.start,
        end=attachment.end - datetime.timedelta(days=1),
    )
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed["ETag"] != etag
    assert event_starting(events(changed.content), "attachment-")["SEQUENCE"] == 1
    earlier = http_date(parsedate_to_datetime(last_modified).timestamp() - 1)
    assert client.get(url, headers={"If-Modified-Since": earlier}).status_code == 200


def test_a_wrong_token_is_404_even_with_validators(client, participant):
    etag = client.get(feed_url(participant))["ETag"]
    response = client.get("/calendar/" + "x" * 43 + ".ics", headers={"If-None-Match": etag})
    assert response.status_code == 404


def test_a_304_runs_the_same_fixed_number_of_queries(
    client, participant, department, django_assert_max_num_queries
):
    fill_schedule(participant, department, activities=20)
    etag = client.get(feed_url(participant))["ETag"]
    with django_assert_max_num_queries(3):
        response = client.get(feed_url(participant), headers={"If-None-Match": etag})
    assert response.status_code == 304


def test_saves_by_any_path_count_one_revision_per_change(participant, department):
    """The Django admin and the seed save rows without the services: the rows count themselves,
    once per change, and a service that counted a revision itself is not counted twice."""
    attachment, (activity,) = fill_schedule(participant, department, activities=1)
    cohort = type(participant.cohort).objects.get(pk=participant.cohort_id)
    cohort.orientation_venue = "Elsewhere"
    cohort.save()
    cohort.save()
    assert cohort.orientation_sequence == 1

    attachment = type(attachment).objects.get(pk=attachment.pk)
    attachment.supervisor = "Mr Someone Else"
    attachment.save(update_fields=["supervisor"])
    attachment.notes = "not in the feed"
    attachment.save()
    attachment.refresh_from_db()
    assert attachment.sequence == 1

    activity = type(activity).objects.get(pk=activity.pk)
    activity.title = "A new title"
    activity.save()
    activity.location = "Room 2"
    activity.sequence += 1
    activity.save()
    activity.refresh_from_db()
    assert activity.sequence == 2


def test_a_change_of_one_language_alone_is_a_revision(client, participant, department):
    """Translated texts live in a column per language (issue 12): the admin may change the
    Simplified Chinese title alone, and a Chinese reader's calendar must see it."""
    _attachment, (activity,) = fill_schedule(participant, department, activities=1)
    activity = type(activity).objects.get(pk=activity.pk)
    before = activity.sequence
    activity.title_zh_hans = "新的简报"
    activity.save()
    activity = type(activity).objects.get(pk=activity.pk)
    assert activity.sequence == before + 1
    activity.save()  # saved unchanged: no new revision
    assert type(activity).objects.get(pk=activity.pk).sequence == before + 1
