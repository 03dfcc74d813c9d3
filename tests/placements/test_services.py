"""The placement rules of `placements.services`, each with the message the coordinator reads."""

import pytest
from django.core.exceptions import ValidationError

from exchange.models import HostCapacity, Notification
from placements.models import Attachment
from placements.services import (
    attachment_cancel,
    attachment_confirm,
    attachment_create,
    attachment_update,
)
from tests.factories import HostDepartmentFactory
from tests.placements.conftest import day

pytestmark = pytest.mark.django_db


def assign(official, department, start, end, by=None, **kwargs):
    return attachment_create(
        participant=official, department=department, start=start, end=end, by=by, **kwargs
    )


def refusal(official, department, start, end, **kwargs) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        assign(official, department, start, end, **kwargs)
    return caught.value.messages


def test_assigning_records_a_draft_with_its_history_and_tells_nobody(
    official, dpo, coordinator, liaison
):
    attachment = assign(official, dpo, day(3, 8), day(4, 9), by=coordinator, supervisor="Ms Lee")
    assert attachment.status == "proposed"
    assert attachment.published_at is None
    assert attachment.assigned_by == coordinator
    record = attachment.history.get()
    assert record.history_type == "+"
    assert record.history_change_reason == "Assigned"
    assert record.history_user == coordinator
    # A draft is the coordinators' alone: no mail to the official or the liaisons.
    assert not Notification.objects.exists()


def test_assigning_confirmed_publishes_at_once_and_tells_the_official_and_the_liaison(
    official, dpo, coordinator, liaison
):
    attachment = assign(official, dpo, day(3, 8), day(4, 9), by=coordinator, confirmed=True)
    assert attachment.published_at is not None
    told = {(n.kind, n.recipient) for n in Notification.objects.all()}
    assert told == {("placement_published", official.user), ("attachees_digest", liaison)}


def test_assign_confirmed_at_once(official, dpo):
    assert assign(official, dpo, day(3, 8), day(4, 9), confirmed=True).status == "confirmed"


def test_attachment_starts_after_orientation(official, dpo):
    assert refusal(official, dpo, day(3, 5), day(4, 9)) == [
        "An attachment starts after orientation, which ends on 5 March 2027; "
        "this one starts on 5 March 2027."
    ]
    assert not Attachment.objects.exists()


def test_whole_stay_is_at_most_the_longest(official, dpo):
    assert refusal(official, dpo, day(5, 3), day(5, 31)) == [
        "The stay would last longer than 91 days (orientation included): "
        "the last possible day is 30 May 2027."
    ]
    assert assign(official, dpo, day(5, 3), day(5, 30)).end == day(5, 30)


def test_whole_stay_is_at_least_the_shortest(official, dpo, td):
    assert refusal(official, dpo, day(3, 8), day(3, 27)) == [
        "The stay would be shorter than 28 days (orientation included): "
        "the last attachment must end on or after 28 March 2027."
    ]
    # A short attachment is fine when a later one already makes the stay long enough.
    assign(official, td, day(3, 29), day(4, 30))
    assert assign(official, dpo, day(3, 8), day(3, 19)).department == dpo


def test_no_overlap_with_another_live_attachment(official, dpo, td):
    assign(official, td, day(3, 8), day(4, 9))
    assert refusal(official, dpo, day(4, 9), day(4, 30)) == [
        "Chen Minghui is already attached to TD from 8 March 2027 to 9 April 2027, "
        "which overlaps this period."
    ]
    assert assign(official, dpo, day(4, 10), day(4, 30)).department == dpo


def test_capacity_is_checked_on_every_day(make_official, dpo, cohort):
    HostCapacity.objects.filter(department=dpo).update(seats=1)
    early, late, third = (make_official(n) for n in ("Early Bird", "Late Comer", "Third One"))
    assign(early, dpo, day(3, 8), day(3, 31))
    # No day in common with the first: the one seat is free again.
    assign(late, dpo, day(4, 1), day(4, 30))
    # Overlapping the first on a single day is already too much.
    assert refusal(third, dpo, day(3, 31), day(4, 2)) == [
        "DPO is full on 31 March 2027: its 1 seat(s) are taken by Early Bird."
    ]


def test_capacity_counts_officials_present_together(make_official, dpo):
    one, two, three = (make_official(n) for n in ("Official One", "Official Two", "Official 3"))
    assign(one, dpo, day(3, 8), day(3, 31))
    assign(two, dpo, day(3, 22), day(4, 9))
    assert refusal(three, dpo, day(3, 29), day(4, 30)) == [
        "DPO is full on 29 March 2027: its 2 seat(s) are taken by Official One, Official Two."
    ]
    assert assign(three, dpo, day(4, 1), day(4, 30)).start == day(4, 1)


def test_withdrawn_officials_cannot_be_assigned(make_official, dpo):
    gone = make_official("Gone Away", status="withdrawn")
    assert refusal(gone, dpo, day(3, 8), day(4, 9)) == [
        "Gone Away has withdrawn from the programme and cannot be assigned."
    ]


def test_a_department_without_seats_in_the_cohort(official):
    elsewhere = HostDepartmentFactory(abbreviation="EPD")
    assert refusal(official, elsewhere, day(3, 8), day(4, 9)) == [
        "EPD has no seats for Spring 2027."
    ]


def test_an_inactive_department(official, dpo):
    dpo.is_active = False
    dpo.save()
    assert refusal(official, dpo, day(3, 8), day(4, 9)) == ["DPO is not an active host department."]


def test_end_before_start(official, dpo):
    with pytest.raises(ValidationError) as caught:
        assign(official, dpo, day(4, 9), day(3, 8))
    assert caught.value.message_dict == {
        "end": ["The attachment must end on or after the day it starts."]
    }


def test_several_broken_rules_are_all_named(make_official, dpo):
    gone = make_official("Gone Away", status="withdrawn")
    messages = refusal(gone, dpo, day(3, 3), day(6, 30))
    assert len(messages) == 3
    assert any("withdrawn" in m for m in messages)
    assert any("after orientation" in m for m in messages)
    assert any("longer than 91 days" in m for m in messages)


def test_cancelling_frees_the_seat(make_official, dpo, coordinator, liaison):
    HostCapacity.objects.filter(department=dpo).update(seats=1)
    first, second = make_official("First One"), make_official("Second One")
    attachment = assign(first, dpo, day(3, 8), day(4, 9), confirmed=True)
    assert "DPO is full" in refusal(second, dpo, day(3, 8), day(4, 9))[0]
    cancelled = attachment_cancel(attachment=attachment, by=coordinator, reason="ill")
    assert cancelled.status == "cancelled"
    assert cancelled.history.first().history_change_reason == "Cancelled: ill"
    # The official is told of the cancellation; DPO's liaison that the official has left.
    told = Notification.objects.values_list("kind", "recipient_id")
    assert set(told.filter(kind__in=["attachment_cancelled", "attachee_left"])) == {
        ("attachment_cancelled", first.user_id),
        ("attachee_left", liaison.pk),
    }
    assert assign(second, dpo, day(3, 8), day(4, 9)).participant == second
    # A cancelled attachment is history: it cannot be changed or cancelled again.
    with pytest.raises(ValidationError, match="was cancelled"):
        attachment_cancel(attachment=attachment, by=coordinator)


def test_reassigning_and_moving_dates_keep_the_rules_and_the_history(
    official, dpo, td, coordinator, liaison
):
    attachment = assign(official, dpo, day(3, 8), day(4, 9), by=coordinator, confirmed=True)
    # The attachment does not overlap itself.
    moved = attachment_update(
        attachment=attachment, by=coordinator, department=dpo, start=day(3, 15), end=day(4, 16)
    )
    assert (moved.start, moved.end) == (day(3, 15), day(4, 16))
    reassigned = attachment_update(
        attachment=moved, by=coordinator, department=td, start=day(3, 15), end=day(4, 16)
    )
    assert reassigned.department == td
    reasons = list(attachment.history.values_list("history_change_reason", flat=True))
    assert reasons == [
        "Reassigned from DPO to TD",
        "Dates changed from 8 March 2027 to 9 April 2027 to 15 March 2027 to 16 April 2027",
        "Assigned",
    ]
    assert Notification.objects.filter(kind="attachment_changed", object_id=attachment.pk).exists()
    with pytest.raises(ValidationError) as caught:
        attachment_update(
            attachment=reassigned, by=coordinator, department=td, start=day(3, 1), end=day(4, 16)
        )
    assert "after orientation" in caught.value.messages[0]
    reassigned.refresh_from_db()
    assert reassigned.start == day(3, 15)


def test_only_a_change_of_place_or_dates_is_news(official, dpo, coordinator):
    attachment = assign(official, dpo, day(3, 8), day(4, 9), by=coordinator)
    attachment_update(
        attachment=attachment,
        by=coordinator,
        department=dpo,
        start=day(3, 8),
        end=day(4, 9),
        supervisor="Mr Wong",
    )
    assert not Notification.objects.filter(kind="attachment_changed").exists()
    assert attachment.history.first().history_change_reason == "Changed"


def test_confirming_checks_the_rules_again(official, dpo, coordinator, cohort):
    attachment = assign(official, dpo, day(3, 8), day(4, 9), by=coordinator)
    confirmed = attachment_confirm(attachment=attachment, by=coordinator)
    assert confirmed.status == "confirmed"
    assert confirmed.history.first().history_change_reason == "Published"
    assert Notification.objects.filter(kind="placement_published").count() == 1

    other = assign(official, dpo, day(4, 12), day(4, 30), by=coordinator)
    # The cohort's orientation was moved after the assignment (outside the cohort service).
    type(cohort).objects.filter(pk=cohort.pk).update(max_stay_days=50)
    with pytest.raises(ValidationError, match="longer than 50 days"):
        attachment_confirm(attachment=other, by=coordinator)
    other.refresh_from_db()
    assert other.status == "proposed"
