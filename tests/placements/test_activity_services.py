import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from exchange.models import Notification
from exchange.roles import Role
from placements.models import Activity
from placements.notices import PlacementKind
from placements.services import activity_cancel, activity_create, activity_update
from tests.factories import (
    ActivityFactory,
    AttachmentFactory,
    CohortFactory,
    HostDepartmentFactory,
    ParticipantFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def at(day, hour, minute=0):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


@pytest.fixture
def cohort():
    return CohortFactory()


@pytest.fixture
def attachee(cohort, department):
    """An official of `cohort` attached to the liaison's department (DPO), with an account."""
    official = ParticipantFactory(cohort=cohort, user=UserFactory(role=Role.PARTICIPANT))
    AttachmentFactory(participant=official, department=department)
    return official


def visit_values(attachee, department, **changes):
    day = attachee.attachments.get().start + datetime.timedelta(days=1)
    values = {
        "kind": Activity.Kind.SITE_VISIT,
        "title": "Site visit: cyberport",
        "starts_at": at(day, 10),
        "ends_at": at(day, 12),
        "location": "Cyberport",
        "department": department,
        "audience": Activity.Audience.DEPARTMENT,
    }
    return {**values, **changes}


def test_coordinator_plans_a_session_for_the_whole_cohort(coordinator, cohort):
    day = cohort.orientation_start
    activity = activity_create(
        cohort=cohort,
        by=coordinator,
        kind=Activity.Kind.ORIENTATION_SESSION,
        title="Opening session",
        starts_at=at(day, 10),
        ends_at=at(day, 11),
        location="Civil Service College",
    )
    assert activity.audience == Activity.Audience.COHORT
    assert activity.sequence == 0
    assert activity.created_by == coordinator
    assert activity.history.get().history_user == coordinator
    assert not Notification.objects.exists()


def test_liaison_plans_a_site_visit_for_their_attachees(liaison, attachee, department):
    activity = activity_create(
        cohort=attachee.cohort, by=liaison, **visit_values(attachee, department)
    )
    assert activity.department == department
    assert activity.participants.count() == 0


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends_at": "starts"}, "ends_at", "must end after it starts"),
        ({"department": None}, "department", "Choose the host department"),
        ({"audience": "named"}, "participants", "Name at least one official"),
    ],
)
def test_bad_activities_are_refused_and_nothing_is_saved(
    coordinator, attachee, department, changes, field, message
):
    values = visit_values(attachee, department)
    if changes.get("ends_at") == "starts":
        changes = {"ends_at": values["starts_at"] - datetime.timedelta(minutes=30)}
    with pytest.raises(ValidationError) as error:
        activity_create(cohort=attachee.cohort, by=coordinator, **{**values, **changes})
    assert message in " ".join(error.value.message_dict[field])
    assert not Activity.objects.exists()


def test_named_officials_must_belong_to_the_cohort(coordinator, attachee, department):
    stranger = ParticipantFactory(name_en="Stranger Official")
    withdrawn = ParticipantFactory(cohort=attachee.cohort, name_en="Gone Away", status="withdrawn")
    with pytest.raises(ValidationError) as error:
        activity_create(
            cohort=attachee.cohort,
            by=coordinator,
            **visit_values(attachee, department, audience="named"),
            participants=[attachee, stranger, withdrawn],
        )
    messages = " ".join(error.value.message_dict["participants"])
    assert "Stranger Official" in messages
    assert "Gone Away" in messages
    assert attachee.name_en not in messages
    assert not Activity.objects.exists()


def test_a_liaison_cannot_use_another_department(liaison, attachee, department):
    other = HostDepartmentFactory(abbreviation="TD")
    with pytest.raises(ValidationError) as error:
        activity_create(cohort=attachee.cohort, by=liaison, **visit_values(attachee, other))
    assert "only for your own department" in error.value.message_dict["department"][0]
    assert not Activity.objects.exists()


def test_a_liaison_cannot_plan_for_the_whole_cohort_or_name_strangers(
    liaison, attachee, department
):
    with pytest.raises(ValidationError) as error:
        activity_create(
            cohort=attachee.cohort,
            by=liaison,
            **visit_values(attachee, department, audience="cohort"),
        )
    assert "audience" in error.value.message_dict
    elsewhere = ParticipantFactory(cohort=attachee.cohort, name_en="Elsewhere Official")
    AttachmentFactory(participant=elsewhere, department=HostDepartmentFactory())
    with pytest.raises(ValidationError) as error:
        activity_create(
            cohort=attachee.cohort,
            by=liaison,
            **visit_values(attachee, department, audience="named"),
            participants=[attachee, elsewhere],
        )
    assert "Not attached to DPO: Elsewhere Official." in error.value.message_dict["participants"]
    assert not Activity.objects.exists()


def test_only_coordinators_and_liaisons_plan(participant_user, attachee, department):
    with pytest.raises(PermissionDenied):
        activity_create(
            cohort=attachee.cohort, by=participant_user, **visit_values(attachee, department)
        )
    assert not Activity.objects.exists()


def test_a_change_bumps_the_sequence_and_tells_old_and_new_audience(
    coordinator, attachee, department
):
    cohort = attachee.cohort
    named = ParticipantFactory(cohort=cohort, user=UserFactory(role=Role.PARTICIPANT))
    activity = activity_create(cohort=cohort, by=coordinator, **visit_values(attachee, department))
    values = visit_values(attachee, department, audience="named", title="Visit: Cyberport")
    updated = activity_update(
        activity=activity, by=coordinator, description="", participants=[named], **values
    )
    assert updated.sequence == 1
    assert list(updated.participants.all()) == [named]
    notices = Notification.objects.filter(kind=PlacementKind.ACTIVITY_CHANGED)
    assert {n.recipient for n in notices} == {attachee.user, named.user}
    assert all(
        n.dedupe_key.startswith(f"activity_changed:activity:{activity.pk}:seq1") for n in notices
    )
    assert activity.history.count() == 2


def test_saving_an_activity_unchanged_neither_bumps_nor_tells(coordinator, attachee, department):
    activity = activity_create(
        cohort=attachee.cohort, by=coordinator, **visit_values(attachee, department)
    )
    again = activity_update(
        activity=activity, by=coordinator, description="", **visit_values(attachee, department)
    )
    assert again.sequence == 0
    assert not Notification.objects.exists()


def test_an_update_ending_before_it_starts_changes_nothing(coordinator, attachee, department):
    activity = activity_create(
        cohort=attachee.cohort, by=coordinator, **visit_values(attachee, department)
    )
    values = visit_values(attachee, department)
    values["ends_at"] = values["starts_at"] - datetime.timedelta(hours=1)
    with pytest.raises(ValidationError):
        activity_update(activity=activity, by=coordinator, description="", **values)
    activity.refresh_from_db()
    assert activity.sequence == 0
    assert activity.ends_at > activity.starts_at
    assert not Notification.objects.exists()


def test_a_liaison_cannot_change_another_departments_activity(liaison, attachee):
    other = HostDepartmentFactory(abbreviation="EPD")
    activity = ActivityFactory(cohort=attachee.cohort, department=other, audience="department")
    with pytest.raises(PermissionDenied):
        activity_update(
            activity=activity,
            by=liaison,
            description="",
            **visit_values(attachee, other, title="Hijacked"),
        )
    with pytest.raises(PermissionDenied):
        activity_cancel(activity=activity, by=liaison)
    activity.refresh_from_db()
    assert activity.title != "Hijacked"
    assert (activity.status, activity.sequence) == (Activity.Status.SCHEDULED, 0)


def test_cancel_keeps_the_activity_bumps_and_tells_once(liaison, attachee, department):
    activity = activity_create(
        cohort=attachee.cohort, by=liaison, **visit_values(attachee, department)
    )
    cancelled = activity_cancel(activity=activity, by=liaison)
    assert cancelled.status == Activity.Status.CANCELLED
    assert cancelled.sequence == 1
    assert activity_cancel(activity=activity, by=liaison).sequence == 1
    notice = Notification.objects.get()
    assert notice.recipient == attachee.user
    assert notice.kind == PlacementKind.ACTIVITY_CHANGED
    with pytest.raises(ValidationError):
        activity_update(
            activity=activity, by=liaison, description="", **visit_values(attachee, department)
        )
