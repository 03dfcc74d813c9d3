"""Writes of placements: every change goes through a function here, which enforces the rules.

Activities: coordinators plan them for any department or the whole cohort; a liaison plans them
only for their own department(s), for that department's attachees or named attachees. Each change
bumps `Activity.sequence` (calendar clients then replace the event) and tells the audience.
"""

import datetime
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from exchange.models import Cohort, HostDepartment
from exchange.outbox import notices_for_activity_changed
from exchange.roles import is_coordinator, is_liaison
from exchange.selectors import departments_of_liaison
from participants.models import Participant

from .models import Activity, Attachment
from .selectors import activity_audience


def _audience_users(*, activity: Activity) -> list:
    """The user accounts of the officials an activity is for, in one query after the audience."""
    user_ids = {p.user_id for p in activity_audience(activity=activity) if p.user_id}
    return list(get_user_model().objects.filter(pk__in=user_ids))


def _check_activity(
    *,
    cohort: Cohort,
    by,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    department: HostDepartment | None,
    audience: str,
    participants: list[Participant],
) -> None:
    """The rules of an activity, raised together so that a form can show every problem at once."""
    errors: dict[str, list[str]] = {}
    if starts_at and ends_at and ends_at <= starts_at:
        errors.setdefault("ends_at", []).append(_("An activity must end after it starts."))
    if audience == Activity.Audience.DEPARTMENT and department is None:
        errors.setdefault("department", []).append(
            _("Choose the host department whose attachees the activity is for.")
        )
    if audience == Activity.Audience.NAMED:
        if not participants:
            errors.setdefault("participants", []).append(
                _("Name at least one official, or choose another audience.")
            )
        outside = [p for p in participants if p.cohort_id != cohort.pk]
        if outside:
            errors.setdefault("participants", []).append(
                _("Not in the cohort %(cohort)s: %(names)s.")
                % {"cohort": cohort.name, "names": ", ".join(p.name_en for p in outside)}
            )
        withdrawn = [
            p
            for p in participants
            if p.cohort_id == cohort.pk and p.status == Participant.Status.WITHDRAWN
        ]
        if withdrawn:
            errors.setdefault("participants", []).append(
                _("Withdrawn from the programme: %(names)s.")
                % {"names": ", ".join(p.name_en for p in withdrawn)}
            )

    if not is_coordinator(by):
        if not is_liaison(by):
            raise PermissionDenied(_("Only coordinators and liaison officers plan activities."))
        own = set(departments_of_liaison(user=by).values_list("pk", flat=True))
        if department is None or department.pk not in own:
            errors.setdefault("department", []).append(
                _("As a liaison officer you can plan activities only for your own department.")
            )
        if audience == Activity.Audience.COHORT:
            errors.setdefault("audience", []).append(
                _(
                    "Only a coordinator can plan an activity for the whole cohort; choose your "
                    "department's attachees or named officials."
                )
            )
        if audience == Activity.Audience.NAMED and department is not None and participants:
            attached = set(
                Attachment.objects.filter(
                    department=department,
                    participant__in=participants,
                    status__in=Attachment.LIVE_STATUSES,
                ).values_list("participant_id", flat=True)
            )
            strangers = [p for p in participants if p.pk not in attached]
            if strangers:
                errors.setdefault("participants", []).append(
                    _("Not attached to %(department)s: %(names)s.")
                    % {
                        "department": department.abbreviation,
                        "names": ", ".join(p.name_en for p in strangers),
                    }
                )
    if errors:
        raise ValidationError(errors)


def _check_may_edit(*, activity: Activity, by) -> None:
    if is_coordinator(by):
        return
    if (
        not is_liaison(by)
        or not departments_of_liaison(user=by).filter(pk=activity.department_id).exists()
    ):
        raise PermissionDenied(_("This activity belongs to another department."))


@transaction.atomic
def activity_create(
    *,
    cohort: Cohort,
    by,
    kind: str,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    location: str = "",
    description: str = "",
    department: HostDepartment | None = None,
    audience: str = Activity.Audience.COHORT,
    participants: Iterable[Participant] = (),
) -> Activity:
    """Plan an activity. It must end after it starts; a department audience needs the department;
    named officials must belong to the cohort; a liaison plans only for their own department."""
    participants = list(participants) if audience == Activity.Audience.NAMED else []
    _check_activity(
        cohort=cohort,
        by=by,
        starts_at=starts_at,
        ends_at=ends_at,
        department=department,
        audience=audience,
        participants=participants,
    )
    activity = Activity(
        cohort=cohort,
        kind=kind,
        title=title,
        description=description,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        department=department,
        audience=audience,
        created_by=by,
    )
    activity.full_clean()
    activity._history_user = by
    activity.save()
    activity.participants.set(participants)
    return activity


@transaction.atomic
def activity_update(
    *,
    activity: Activity,
    by,
    kind: str,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    location: str,
    description: str,
    department: HostDepartment | None,
    audience: str,
    participants: Iterable[Participant] = (),
) -> Activity:
    """Change an activity under the rules of `activity_create`. A real change bumps its sequence
    and tells everyone it was or now is meant for; saving it unchanged does neither."""
    locked = Activity.objects.select_for_update().select_related("cohort").get(pk=activity.pk)
    _check_may_edit(activity=locked, by=by)
    if locked.status == Activity.Status.CANCELLED:
        raise ValidationError(_("This activity was cancelled and can no longer be changed."))
    participants = list(participants) if audience == Activity.Audience.NAMED else []
    _check_activity(
        cohort=locked.cohort,
        by=by,
        starts_at=starts_at,
        ends_at=ends_at,
        department=department,
        audience=audience,
        participants=participants,
    )
    new_values = {
        "kind": kind,
        "title": title,
        "description": description,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "location": location,
        "department": department,
        "audience": audience,
    }
    old_named = set(locked.participants.values_list("pk", flat=True))
    changed = any(getattr(locked, name) != value for name, value in new_values.items())
    if not changed and old_named == {p.pk for p in participants}:
        return locked

    told_before = _audience_users(activity=locked)
    for name, value in new_values.items():
        setattr(locked, name, value)
    locked.sequence += 1
    locked.full_clean()
    locked._history_user = by
    locked.save()
    locked.participants.set(participants)
    told_now = _audience_users(activity=locked)
    notices_for_activity_changed(activity=locked, recipients=[*told_before, *told_now])
    return locked


@transaction.atomic
def activity_cancel(*, activity: Activity, by) -> Activity:
    """Cancel an activity: it stays on schedules and feeds as cancelled, and its audience is told.
    Cancelling twice changes nothing."""
    locked = Activity.objects.select_for_update().select_related("cohort").get(pk=activity.pk)
    _check_may_edit(activity=locked, by=by)
    if locked.status == Activity.Status.CANCELLED:
        return locked
    locked.status = Activity.Status.CANCELLED
    locked.sequence += 1
    locked.full_clean()
    locked._history_user = by
    locked.save()
    notices_for_activity_changed(activity=locked, recipients=_audience_users(activity=locked))
    return locked
