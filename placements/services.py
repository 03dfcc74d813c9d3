"""Writes of attachments (and of cohorts, whose quotas and capacities bound them).

Every path that places an official (the board, the Django admin, imports, the demo seed) calls these
functions, so the rules of the programme hold whoever acts:

- an attachment starts after the cohort's orientation ends;
- the official's whole stay (orientation start to the end of their last live attachment) lasts
  between `Cohort.min_stay_days` and `Cohort.max_stay_days`;
- an official's live attachments never overlap;
- a host department never has more live attachments of a cohort on one day than its seats
  (`HostCapacity`);
- withdrawn officials cannot be placed; a cancelled attachment frees its seat.

Concurrency: each write locks the participant row first, then the department's `HostCapacity` row,
always in that order, and reads the rows it checks only after holding the locks. Two coordinators
who try to take the last seat, or to book one official twice, are therefore serialised: the second
sees the first one's attachment and is refused with the rule's message.

Writes of placements: every change goes through a function here, which enforces the rules.

Activities: coordinators plan them for any department or the whole cohort; a liaison plans them
only for their own department(s), for that department's attachees or named attachees. Each change
bumps `Activity.sequence` (calendar clients then replace the event) and tells the audience.
"""

import dataclasses
import datetime
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from exchange.models import City, CityQuota, Cohort, HostCapacity, HostDepartment
from exchange.roles import is_coordinator, is_liaison
from exchange.selectors import departments_of_liaison
from exchange.translated import Translated, set_translated, translated_values
from exchange.validators import validate_programme_date, validate_seats
from participants.models import Participant
from participants.services import participant_lock, participant_set_withdrawn

from .models import Activity, Attachment
from .notices import (
    notices_for_activity_changed,
    notices_for_attachee_left,
    notices_for_attachment,
    notices_for_publication,
)
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
                    status=Attachment.Status.CONFIRMED,
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
    title: Translated,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    location: Translated = "",
    description: Translated = "",
    department: HostDepartment | None = None,
    audience: str = Activity.Audience.COHORT,
    participants: Iterable[Participant] = (),
) -> Activity:
    """Plan an activity. It must end after it starts; a department audience needs the department;
    named officials must belong to the cohort; a liaison plans only for their own department.
    Title, location and description are English text or texts by language
    (`exchange.translated`)."""
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
        starts_at=starts_at,
        ends_at=ends_at,
        department=department,
        audience=audience,
        created_by=by,
    )
    for name, text in (("title", title), ("location", location), ("description", description)):
        set_translated(activity, name, text)
    activity.full_clean()
    activity._history_user = by
    activity.save()
    activity.participants.set(participants)
    return activity


def _stored(value):
    """A text as compared for a change: an empty translation is stored as NULL or as ""."""
    return "" if value is None else value


@transaction.atomic
def activity_update(
    *,
    activity: Activity,
    by,
    kind: str,
    title: Translated,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    location: Translated,
    description: Translated,
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
        **translated_values("title", title),
        **translated_values("description", description),
        "starts_at": starts_at,
        "ends_at": ends_at,
        **translated_values("location", location),
        "department": department,
        "audience": audience,
    }
    old_named = set(locked.participants.values_list("pk", flat=True))
    changed = any(
        _stored(getattr(locked, name)) != _stored(value) for name, value in new_values.items()
    )
    if not changed and old_named == {p.pk for p in participants}:
        return locked

    told_before = _audience_users(activity=locked)
    was = (locked.title, locked.starts_at)
    for name, value in new_values.items():
        setattr(locked, name, value)
    locked.sequence += 1
    locked.full_clean()
    locked._history_user = by
    locked.save()
    locked.participants.set(participants)
    told_now = _audience_users(activity=locked)
    staying = {user.pk for user in told_now}
    notices_for_activity_changed(
        activity=locked,
        recipients=told_now,
        removed=[user for user in told_before if user.pk not in staying],
        was=was,
    )
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


REASON_CREATED = _("Assigned")
REASON_CHANGED = _("Changed")
REASON_CONFIRMED = _("Confirmed")
REASON_PUBLISHED = _("Published")
REASON_CANCELLED = _("Cancelled")


def _day(value: datetime.date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def _period(start: datetime.date, end: datetime.date) -> str:
    return gettext("{start} to {end}").format(start=_day(start), end=_day(end))


def day_counts(
    attachments: Iterable[Attachment], start: datetime.date, end: datetime.date
) -> dict[datetime.date, list[Attachment]]:
    """For each day of [start, end], the attachments (of those given) present on it."""
    days: dict[datetime.date, list[Attachment]] = {}
    for attachment in attachments:
        day = max(attachment.start, start)
        while day <= min(attachment.end, end):
            days.setdefault(day, []).append(attachment)
            day += datetime.timedelta(days=1)
    return days


def attachment_check(
    *,
    participant: Participant,
    department: HostDepartment,
    start: datetime.date | None,
    end: datetime.date | None,
    exclude: Attachment | None = None,
) -> None:
    """Raise a `ValidationError` naming every rule the period would break.

    Reads only: callers that write hold the participant and capacity locks first (see
    `attachment_create`); the admin form calls it alone to show errors next to its fields.
    """
    if start is None or end is None:
        raise ValidationError(_("Give both the first and the last day of the attachment."))
    outside = {}
    for field, value in (("start", start), ("end", end)):
        try:
            validate_programme_date(value)
        except ValidationError as error:
            outside[field] = error.messages
    if outside:
        raise ValidationError(outside)
    if end < start:
        raise ValidationError(
            {"end": gettext("The attachment must end on or after the day it starts.")}
        )
    cohort = participant.cohort
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if participant.status == Participant.Status.WITHDRAWN:
        add(
            "__all__",
            gettext("{name} has withdrawn from the programme and cannot be assigned.").format(
                name=participant.name_en
            ),
        )
    if not department.is_active:
        add(
            "department",
            gettext("{dept} is not an active host department.").format(
                dept=department.abbreviation
            ),
        )
    if start <= cohort.orientation_end:
        add(
            "start",
            gettext(
                "An attachment starts after orientation, which ends on {day}; "
                "this one starts on {start}."
            ).format(day=_day(cohort.orientation_end), start=_day(start)),
        )
    if end > cohort.latest_end:
        add(
            "end",
            gettext(
                "The stay would last longer than {days} days (orientation included): "
                "the last possible day is {day}."
            ).format(days=cohort.max_stay_days, day=_day(cohort.latest_end)),
        )

    others = Attachment.objects.filter(
        participant=participant, status__in=Attachment.LIVE_STATUSES
    ).select_related("department")
    if exclude is not None and exclude.pk:
        others = others.exclude(pk=exclude.pk)
    others = list(others)
    last_end = max([end, *(a.end for a in others)])
    if last_end < cohort.earliest_end:
        add(
            "end",
            gettext(
                "The stay would be shorter than {days} days (orientation included): "
                "the last attachment must end on or after {day}."
            ).format(days=cohort.min_stay_days, day=_day(cohort.earliest_end)),
        )
    for other in others:
        if other.start <= end and other.end >= start:
            add(
                "__all__",
                gettext(
                    "{name} is already attached to {dept} from {period}, "
                    "which overlaps this period."
                ).format(
                    name=participant.name_en,
                    dept=other.department.abbreviation,
                    period=_period(other.start, other.end),
                ),
            )

    capacity = HostCapacity.objects.filter(cohort=cohort, department=department).first()
    if capacity is None:
        add(
            "department",
            gettext("{dept} has no seats for {cohort}.").format(
                dept=department.abbreviation, cohort=cohort.name
            ),
        )
    else:
        present = Attachment.objects.filter(
            department=department,
            participant__cohort=cohort,
            status__in=Attachment.LIVE_STATUSES,
            start__lte=end,
            end__gte=start,
        ).select_related("participant")
        if exclude is not None and exclude.pk:
            present = present.exclude(pk=exclude.pk)
        for day, there in sorted(day_counts(present, start, end).items()):
            if len(there) >= capacity.seats:
                add(
                    "department",
                    gettext(
                        "{dept} is full on {day}: its {seats} seat(s) are taken by {names}."
                    ).format(
                        dept=department.abbreviation,
                        day=_day(day),
                        seats=capacity.seats,
                        names=", ".join(sorted(a.participant.name_en for a in there)),
                    ),
                )
                break
        if capacity.seats == 0 and "department" not in errors:
            add(
                "department",
                gettext("{dept} has no seats for {cohort}.").format(
                    dept=department.abbreviation, cohort=cohort.name
                ),
            )
    if errors:
        raise ValidationError(errors)


def _lock(
    participant: Participant, department: HostDepartment | None = None
) -> tuple[Participant, HostDepartment | None]:
    """Lock the participant row, then the department's capacity row, in that order always."""
    locked = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("cohort")
        .get(pk=participant.pk)
    )
    if department is not None:
        # Lock the capacity row of this cohort (it may not exist: then there is nothing to take).
        list(
            HostCapacity.objects.select_for_update().filter(
                cohort_id=locked.cohort_id, department_id=department.pk
            )
        )
        department = HostDepartment.objects.get(pk=department.pk)
    return locked, department


def _save(attachment: Attachment, *, by, reason) -> None:
    attachment.full_clean()
    attachment._history_user = by
    # simple-history keeps at most 100 characters of a reason.
    attachment._change_reason = str(reason)[:100]
    attachment.save()


def _live_attachment(attachment: Attachment) -> Attachment:
    locked = (
        Attachment.objects.select_for_update(of=("self",))
        .select_related("participant", "department")
        .get(pk=attachment.pk)
    )
    if not locked.is_live:
        raise ValidationError(
            _("This attachment was cancelled; assign a new one instead of changing it.")
        )
    return locked


@transaction.atomic
def attachment_create(
    *,
    participant: Participant,
    department: HostDepartment,
    start: datetime.date,
    end: datetime.date,
    by: AbstractBaseUser | None,
    confirmed: bool = False,
    supervisor: str = "",
    supervisor_email: str = "",
    notes: str = "",
) -> Attachment:
    """Attach an official to a host department from `start` to `end` (both included), after
    checking every rule of the module docstring under the participant and capacity locks.
    Records history. A draft (`proposed`, the default) tells nobody; a `confirmed` one is
    published at once: the official and the department's liaisons are told."""
    participant, department = _lock(participant, department)
    attachment_check(participant=participant, department=department, start=start, end=end)
    attachment = Attachment(
        participant=participant,
        department=department,
        start=start,
        end=end,
        status=Attachment.Status.CONFIRMED if confirmed else Attachment.Status.PROPOSED,
        published_at=timezone.now() if confirmed else None,
        supervisor=supervisor,
        supervisor_email=supervisor_email,
        notes=notes,
        assigned_by=by,
    )
    _save(attachment, by=by, reason=REASON_CREATED)
    if confirmed:
        notices_for_publication(attachments=[attachment])
    return attachment


@transaction.atomic
def attachment_update(
    *,
    attachment: Attachment,
    by: AbstractBaseUser | None,
    department: HostDepartment,
    start: datetime.date,
    end: datetime.date,
    supervisor: str | None = None,
    supervisor_email: str | None = None,
    notes: str | None = None,
) -> Attachment:
    """Change a live attachment's dates, department (a reassignment) or details, under the same
    rules as `attachment_create`. Only a change of department or dates of a published attachment
    is news to the official and the liaisons, so only then is a notice recorded; a draft's changes
    stay in the draft."""
    participant, department = _lock(attachment.participant, department)
    current = _live_attachment(attachment)
    attachment_check(
        participant=participant, department=department, start=start, end=end, exclude=current
    )
    moved = (current.department_id, current.start, current.end) != (department.pk, start, end)
    left = current.department if current.department_id != department.pk else None
    left_period = (current.start, current.end)
    if current.department_id != department.pk:
        reason = gettext("Reassigned from {old} to {new}").format(
            old=current.department.abbreviation, new=department.abbreviation
        )
    elif moved:
        reason = gettext("Dates changed from {old} to {new}").format(
            old=_period(current.start, current.end), new=_period(start, end)
        )
    else:
        reason = REASON_CHANGED
    current.participant = participant
    current.department = department
    current.start, current.end = start, end
    if supervisor is not None:
        current.supervisor = supervisor
    if supervisor_email is not None:
        current.supervisor_email = supervisor_email
    if notes is not None:
        current.notes = notes
    _save(current, by=by, reason=reason)
    if moved and current.is_published:
        notices_for_attachment(attachment=current, event="changed")
        if left is not None:
            notices_for_attachee_left(
                attachment=current,
                department=left,
                start=left_period[0],
                end=left_period[1],
                reason="reassigned",
            )
    return current


@transaction.atomic
def attachment_confirm(*, attachment: Attachment, by: AbstractBaseUser | None) -> Attachment:
    """Publish one draft attachment (see `plan_publish`), checking the rules again (the cohort
    may have changed since it was drafted)."""
    _lock(attachment.participant, attachment.department)
    current = _live_attachment(attachment)
    if current.status == Attachment.Status.CONFIRMED:
        return current
    _publish([current], by=by)
    return current


@transaction.atomic
def attachment_cancel(
    *, attachment: Attachment, by: AbstractBaseUser | None, reason: str = ""
) -> Attachment:
    """Cancel a live attachment: its seat is free at once (only live attachments count), and the
    row stays, with its history. Always allowed: the official may have to leave."""
    _lock(attachment.participant)
    current = _live_attachment(attachment)
    current.status = Attachment.Status.CANCELLED
    full_reason = str(REASON_CANCELLED)
    if reason:
        full_reason = gettext("Cancelled: {reason}").format(reason=reason)
    _save(current, by=by, reason=full_reason)
    # A draft was never told to anyone: dropping it is news to nobody.
    if current.is_published:
        # The official hears of the cancellation; the department's liaisons that the official
        # has left them.
        notices_for_attachment(attachment=current, event="cancelled", liaisons=False)
        notices_for_attachee_left(
            attachment=current,
            department=current.department,
            start=current.start,
            end=current.end,
            reason="cancelled",
        )
    return current


def _publish(drafts: list[Attachment], *, by) -> None:
    """Check every draft again as a whole (the caller holds the locks), then confirm them all and
    record one notice per official and one digest per liaison; or refuse with every reason and
    change nothing."""
    errors = []
    for draft in drafts:
        try:
            attachment_check(
                participant=draft.participant,
                department=draft.department,
                start=draft.start,
                end=draft.end,
                exclude=draft,
            )
        except ValidationError as error:
            errors += [
                gettext("{name} at {dept}: {reason}").format(
                    name=draft.participant.name_en, dept=draft.department.abbreviation, reason=m
                )
                for m in error.messages
            ]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    for draft in drafts:
        draft.status = Attachment.Status.CONFIRMED
        draft.published_at = draft.published_at or now
        _save(draft, by=by, reason=REASON_PUBLISHED)
    notices_for_publication(attachments=drafts)


@dataclasses.dataclass(frozen=True)
class PublishResult:
    attachments: int
    officials: int
    notices: int


@transaction.atomic
def plan_publish(
    *,
    cohort: Cohort,
    by: AbstractBaseUser | None,
    participants: Iterable[Participant] | None = None,
) -> PublishResult:
    """Publish the cohort's draft (or the drafts of the given officials): every proposed
    attachment is checked again under the locks, as a whole, and all are confirmed in one
    transaction, or none is (the error names each refusal: say another coordinator took a seat
    meanwhile). Each official is told once, with their whole placement; each liaison gets one
    digest naming every official coming to them. Publishing again sends nothing more."""
    drafts = Attachment.objects.filter(
        participant__cohort=cohort, status=Attachment.Status.PROPOSED
    ).exclude(participant__status=Participant.Status.WITHDRAWN)
    if participants is not None:
        drafts = drafts.filter(participant__in=[p.pk for p in participants])
    officials = sorted(set(drafts.values_list("participant_id", flat=True)))
    # Locks in the services' order: the officials' rows first, then the capacity rows.
    list(
        Participant.objects.select_for_update(of=("self",)).filter(pk__in=officials).order_by("pk")
    )
    departments = sorted(set(drafts.values_list("department_id", flat=True)))
    list(
        HostCapacity.objects.select_for_update()
        .filter(cohort=cohort, department_id__in=departments)
        .order_by("department_id")
    )
    locked = list(
        drafts.select_for_update(of=("self",))
        .select_related("participant__cohort", "department")
        .order_by("participant_id", "start", "pk")
    )
    if not locked:
        return PublishResult(attachments=0, officials=0, notices=0)
    _publish(locked, by=by)
    return PublishResult(
        attachments=len(locked),
        officials=len({a.participant_id for a in locked}),
        notices=len({a.participant_id for a in locked if a.participant.user_id}),
    )


@transaction.atomic
def participant_withdraw(
    *, participant: Participant, by: AbstractBaseUser | None, reason: str = ""
) -> Participant:
    """Withdraw an official: their live attachments are cancelled (freeing the seats) and their
    city seat is free again."""
    current = participant_lock(participant)
    if current.status == Participant.Status.WITHDRAWN:
        return current
    live = Attachment.objects.filter(participant=current, status__in=Attachment.LIVE_STATUSES)
    for attachment in live.select_related("participant", "department"):
        attachment_cancel(
            attachment=attachment,
            by=by,
            reason=reason or gettext("the official withdrew"),
        )
    return participant_set_withdrawn(participant=current, by=by)


def _check_cohort_bounds(cohort: Cohort) -> None:
    """Live attachments must still fit a cohort whose orientation or longest stay changes."""
    if not cohort.pk:
        return
    live = Attachment.objects.filter(
        participant__cohort=cohort, status__in=Attachment.LIVE_STATUSES
    ).select_related("participant", "department")
    early = live.filter(start__lte=cohort.orientation_end).order_by("start").first()
    if early is not None:
        raise ValidationError(
            {
                "orientation_end": gettext(
                    "{name}'s attachment to {dept} starts on {day}, before this orientation "
                    "would end. Move or cancel it first."
                ).format(
                    name=early.participant.name_en,
                    dept=early.department.abbreviation,
                    day=_day(early.start),
                )
            }
        )
    late = live.filter(end__gt=cohort.latest_end).order_by("-end").first()
    if late is not None:
        raise ValidationError(
            {
                "max_stay_days": gettext(
                    "{name}'s attachment to {dept} ends on {day}, after the longest stay would "
                    "end ({last}). Move or cancel it first."
                ).format(
                    name=late.participant.name_en,
                    dept=late.department.abbreviation,
                    day=_day(late.end),
                    last=_day(cohort.latest_end),
                )
            }
        )


def _check_activities_within_stay(cohort: Cohort) -> None:
    """Activities still to happen must stay within a cohort whose orientation or longest stay
    changes (`Activity.clean` holds the same rule for one activity)."""
    stay = cohort.stay_moments()
    if stay is None:
        return
    opens, closes = stay
    planned = Activity.objects.filter(cohort=cohort).exclude(status=Activity.Status.CANCELLED)
    early = planned.filter(starts_at__lt=opens).order_by("starts_at").first()
    late = planned.filter(ends_at__gt=closes).order_by("-ends_at").first()
    for activity, field in ((early, "orientation_start"), (late, "max_stay_days")):
        if activity is not None:
            raise ValidationError(
                {
                    field: gettext(
                        "The activity “{title}” on {day} would fall outside the "
                        "cohort's stay ({first} to {last}). Move or cancel it first."
                    ).format(
                        title=activity.title,
                        day=_day(timezone.localdate(activity.starts_at)),
                        first=_day(cohort.orientation_start),
                        last=_day(cohort.latest_end),
                    )
                }
            )


def check_cohort_keeps_its_placements(cohort: Cohort) -> None:
    """The cohort rule placements registers (`exchange.cohort_rules`): a saved cohort's new
    dates must keep its live attachments and planned activities within its stay. Run by
    `Cohort.clean()`, so the cohort form, `cohort_save` and the admin refuse alike."""
    _check_cohort_bounds(cohort)
    _check_activities_within_stay(cohort)


def _check_capacities(cohort: Cohort, capacities: dict[HostDepartment, int]) -> None:
    if not cohort.pk:
        return
    live = list(
        Attachment.objects.filter(participant__cohort=cohort, status__in=Attachment.LIVE_STATUSES)
        .select_related("participant", "department")
        .order_by("start")
    )
    for department in {a.department for a in live}:
        seats = capacities.get(department, 0)
        here = [a for a in live if a.department_id == department.pk]
        start, end = min(a.start for a in here), max(a.end for a in here)
        for day, there in sorted(day_counts(here, start, end).items()):
            if len(there) > seats:
                raise ValidationError(
                    gettext(
                        "{dept} has {count} officials on {day}: its seats cannot go below "
                        "{count}. Move or cancel attachments first."
                    ).format(dept=department.abbreviation, count=len(there), day=_day(day))
                )


def _check_quotas(cohort: Cohort, quotas: dict[City, int]) -> None:
    if not cohort.pk:
        return
    counts = (
        Participant.objects.filter(cohort=cohort)
        .exclude(status=Participant.Status.WITHDRAWN)
        .values_list("home_city")
        .annotate(n=Count("pk"))
        .order_by()
    )
    seats = {city.pk: value for city, value in quotas.items()}
    cities = City.objects.in_bulk([city_id for city_id, _n in counts])
    for city_id, count in counts:
        if count > seats.get(city_id, 0):
            raise ValidationError(
                gettext(
                    "{city} already has {count} officials in this cohort: its quota cannot go "
                    "below {count}. Withdraw officials first."
                ).format(city=cities[city_id].name, count=count)
            )


def _check_seats(quotas: dict[City, int], capacities: dict[HostDepartment, int]) -> None:
    """The seats come as plain numbers, not as rows that full_clean() would judge."""
    named = [
        *((city.name, seats) for city, seats in quotas.items()),
        *((department.abbreviation, seats) for department, seats in capacities.items()),
    ]
    problems = []
    for name, seats in named:
        try:
            validate_seats(seats)
        except ValidationError as error:
            problems += [
                gettext("{name}: {problem}").format(name=name, problem=problem)
                for problem in error.messages
            ]
    if problems:
        raise ValidationError(problems)


@transaction.atomic
def cohort_save(
    *,
    cohort: Cohort,
    quotas: dict[City, int],
    capacities: dict[HostDepartment, int],
    by: AbstractBaseUser | None,
) -> Cohort:
    """Create or change a cohort with its city quotas and host capacities (the full sets: cities
    and departments left out lose their seats).

    A change may not strand what exists: live attachments must still start after orientation
    and end within the longest stay, no department may drop below the officials it holds on any
    day, and no city below its non-withdrawn officials. Every number of seats keeps the bounds
    of `exchange.validators`, as the cohort's own values do (`full_clean()`).
    """
    if cohort.pk:
        # Serialise with attachment writers, which read the capacity rows under lock.
        Cohort.objects.select_for_update().filter(pk=cohort.pk).first()
        list(HostCapacity.objects.select_for_update().filter(cohort=cohort))
        list(CityQuota.objects.select_for_update().filter(cohort=cohort))
    # full_clean() runs the cohort rules, `check_cohort_keeps_its_placements` among them.
    cohort.full_clean()
    _check_seats(quotas, capacities)
    _check_capacities(cohort, capacities)
    _check_quotas(cohort, quotas)
    cohort.save()
    CityQuota.objects.filter(cohort=cohort).exclude(city__in=list(quotas)).delete()
    for city, seats in quotas.items():
        CityQuota.objects.update_or_create(cohort=cohort, city=city, defaults={"seats": seats})
    HostCapacity.objects.filter(cohort=cohort).exclude(department__in=list(capacities)).delete()
    for department, seats in capacities.items():
        HostCapacity.objects.update_or_create(
            cohort=cohort, department=department, defaults={"seats": seats}
        )
    return cohort
