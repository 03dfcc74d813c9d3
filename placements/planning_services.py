"""Suggest a plan, keep it, and accept it (whole or row by row) as draft attachments.

- `plan_suggest` computes a plan for a cohort now and returns it (`planning.PlanSuggestion`);
- `plan_suggestion_request` records a `PlanSuggestion` and queues the `placements.suggest_plan`
  task, which runs `plan_suggestion_run` and records progress on the row for a page to show
  (eager under `make run` and in tests);
- `plan_accept` writes suggested rows as `proposed` attachments through
  `services.attachment_create`, so the same rules and locks apply: a row a rule refuses (another
  coordinator took the seat meanwhile) is reported with the rule's message and nothing of that
  official is written; `plan_suggestion_accept` does it for a stored suggestion and records each
  row's outcome on it.

Only coordinators (and admins) suggest and accept plans. Published (`confirmed`) attachments are
never moved; drafts are replaced only by a suggestion made with `replan=True`.
"""

import datetime
import logging
import time
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from kombu.exceptions import OperationalError as BrokerError

from exchange.celery import app
from exchange.models import Cohort, HostCapacity, HostDepartment
from exchange.roles import is_coordinator
from participants.models import Participant

from . import plan_rows, planning
from .models import Attachment, PlanSuggestion
from .planning_selectors import planning_instance
from .services import _period, attachment_cancel, attachment_create

logger = logging.getLogger(__name__)

SUGGEST_TASK = "placements.suggest_plan"
MAX_TIME_LIMIT = 120
REPLACED = _("replaced by the suggested plan")


def _require_coordinator(by: AbstractBaseUser | None) -> None:
    # `None` is the system itself (a task acting for the coordinator who asked).
    if by is not None and not is_coordinator(by):
        raise PermissionDenied(_("Only coordinators suggest and accept plans."))


def _check_time_limit(time_limit: float) -> None:
    if not 0 < time_limit <= MAX_TIME_LIMIT:
        raise ValidationError(
            {
                "time_limit": gettext("Give the solver between 1 and {max} seconds.").format(
                    max=MAX_TIME_LIMIT
                )
            }
        )


def plan_suggest(
    *,
    cohort: Cohort,
    by: AbstractBaseUser | None,
    replan: bool = False,
    time_limit: float = 10,
    progress: planning.Progress | None = None,
) -> planning.PlanSuggestion:
    """The best plan for the cohort's unplaced officials (with `replan`, also for those whose
    placements are all drafts), keeping every published attachment and every other draft in its
    seat. Reads only; the rules and the score are those of `placements.planning`."""
    _require_coordinator(by)
    _check_time_limit(time_limit)
    return _solve(cohort=cohort, replan=replan, time_limit=time_limit, progress=progress)[0]


def _solve(*, cohort, replan, time_limit, progress=None):
    """(suggestion, instance). A re-plan frees the drafts' seats; an official whose drafts the
    best plan would drop without placing them again keeps the drafts instead (accepting the plan
    must not take a placement away): the plan is then solved again with those drafts in place."""
    deadline = time.monotonic() + time_limit
    keep: frozenset[int] = frozenset()
    while True:
        instance = planning_instance(cohort=cohort, replan=replan, keep=keep).instance
        result = planning.solve(
            instance, time_limit=max(deadline - time.monotonic(), 1.0), progress=progress
        )
        drafted = {o.key for o in instance.officials if o.replaces}
        dropped = {item.official for item in result.unplaced} & drafted
        if not dropped:
            return result, instance
        keep |= dropped


@transaction.atomic
def plan_suggestion_request(
    *,
    cohort: Cohort,
    by: AbstractBaseUser | None,
    replan: bool = False,
    time_limit: float = 10,
) -> PlanSuggestion:
    """Record a suggestion to compute and queue its task once the transaction commits. The page
    follows `status` and `progress` on the returned row."""
    _require_coordinator(by)
    _check_time_limit(time_limit)
    suggestion = PlanSuggestion.objects.create(
        cohort=cohort,
        requested_by=by,
        replan=replan,
        time_limit=time_limit,
        weights=dict(cohort.plan_weights),
    )
    cohort_id, suggestion_id = cohort.pk, suggestion.pk
    transaction.on_commit(lambda: _queue(cohort_id, suggestion_id))
    return suggestion


def _queue(cohort_id: int, suggestion_id: int) -> None:
    try:
        app.tasks[SUGGEST_TASK].delay(cohort_id, suggestion_id)
    except BrokerError as error:
        logger.warning("Could not queue the plan suggestion %s: %s", suggestion_id, error)
        PlanSuggestion.objects.filter(pk=suggestion_id, status=PlanSuggestion.Status.QUEUED).update(
            status=PlanSuggestion.Status.FAILED,
            step=PlanSuggestion.Step.QUEUE_DOWN,
            error=str(error)[:500],
            finished_at=timezone.now(),
        )


def plan_suggestion_run(*, cohort_id: int, suggestion_id: int) -> str:
    """Compute a recorded suggestion (what the task does). Idempotent: a suggestion already done
    or failed is left as it is; a run that died half-way is run again. Progress is written as it
    goes, each step in its own transaction, so a page can show it meanwhile."""
    with transaction.atomic():
        suggestion = (
            PlanSuggestion.objects.select_for_update()
            .select_related("cohort")
            .filter(pk=suggestion_id, cohort_id=cohort_id)
            .first()
        )
        if suggestion is None:
            return "missing"
        if suggestion.is_final:
            return suggestion.status
        suggestion.status = PlanSuggestion.Status.RUNNING
        suggestion.started_at = timezone.now()
        suggestion.progress = 5
        suggestion.step = PlanSuggestion.Step.LOADING
        suggestion.save(update_fields=["status", "started_at", "progress", "step"])

    def progress(percent: int, step: str) -> None:
        PlanSuggestion.objects.filter(
            pk=suggestion_id, status=PlanSuggestion.Status.RUNNING
        ).update(progress=percent, step=step)

    cohort = suggestion.cohort
    try:
        result, instance = _solve(
            cohort=cohort,
            replan=suggestion.replan,
            time_limit=suggestion.time_limit,
            progress=progress,
        )
    except Exception as error:
        logger.exception("The plan suggestion %s failed", suggestion_id)
        PlanSuggestion.objects.filter(pk=suggestion_id).exclude(
            status__in=PlanSuggestion.FINAL_STATUSES
        ).update(
            status=PlanSuggestion.Status.FAILED,
            error=(
                "; ".join(_messages(error)) if isinstance(error, ValidationError) else str(error)
            )[:2000],
            finished_at=timezone.now(),
        )
        return PlanSuggestion.Status.FAILED

    with transaction.atomic():
        suggestion = PlanSuggestion.objects.select_for_update().get(pk=suggestion_id)
        if suggestion.is_final:  # another run of the same task finished first
            return suggestion.status
        suggestion.rows = plan_rows.rows_json(result.rows)
        suggestion.unplaced = plan_rows.unplaced_json(result, min_weeks=instance.min_weeks)
        suggestion.placed = result.placed
        suggestion.total_score = result.total_score
        suggestion.score_bound = result.score_bound
        suggestion.gap = result.gap
        suggestion.solver_status = result.status
        suggestion.solve_seconds = result.solve_seconds
        suggestion.weights = dict(cohort.plan_weights)
        suggestion.status = PlanSuggestion.Status.DONE
        suggestion.progress = 100
        suggestion.step = ""
        suggestion.finished_at = timezone.now()
        suggestion.save()
    return suggestion.status


@dataclass
class AcceptResult:
    """What `plan_accept` did: attachments written, rows already in place, rows refused."""

    created: list[Attachment] = field(default_factory=list)
    kept: list[tuple[dict, Attachment]] = field(default_factory=list)  # there already
    refused: list[tuple[dict, list[str]]] = field(default_factory=list)  # (row, messages)
    cancelled: list[Attachment] = field(default_factory=list)  # drafts replaced


def _date(value) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)


def _key(department_id: int, start, end) -> tuple[int, datetime.date, datetime.date]:
    return int(department_id), _date(start), _date(end)


def _messages(error: ValidationError) -> list[str]:
    return [str(message) for message in error.messages]


@transaction.atomic
def plan_accept(
    *, cohort: Cohort, suggestion_rows: list, by: AbstractBaseUser | None
) -> AcceptResult:
    """Write suggested rows (stored dicts or `planning.PlanRow`s) as draft attachments.

    First, per official: their live attachments must still be what the suggestion assumed (none;
    with a re-plan, the drafts it replaces; or rows of this plan accepted before, which stay),
    and the drafts it replaces are cancelled, everyone's before any row is written, so officials
    can take each other's seats. Then each official's rows are created by `attachment_create`,
    the later part of a rotation first (the stay is then long enough at every step). A rule that
    refuses rolls that official's rows back, gives them back their drafts if it can, and reports
    the rows. Locks: the officials' rows in key order, then the departments' capacity rows in key
    order, then what `attachment_create` locks again, so two acceptances never deadlock.
    """
    _require_coordinator(by)
    plan_row = planning.PlanRow
    rows = [row for row in suggestion_rows if not isinstance(row, plan_row)]
    rows += plan_rows.rows_json([row for row in suggestion_rows if isinstance(row, plan_row)])
    result = AcceptResult()
    wanted = {int(row["participant"]) for row in rows}
    participants = {
        p.pk: p
        for p in Participant.objects.select_for_update(of=("self",))
        .select_related("cohort")
        .filter(cohort=cohort, pk__in=wanted)
        .order_by("pk")
    }
    department_ids = {int(row["department"]) for row in rows}
    list(
        HostCapacity.objects.select_for_update()
        .filter(cohort=cohort, department_id__in=department_ids)
        .order_by("pk")
    )
    departments = HostDepartment.objects.in_bulk(department_ids)
    live: dict[int, list[Attachment]] = {}
    for attachment in Attachment.objects.filter(
        participant_id__in=list(participants), status__in=Attachment.LIVE_STATUSES
    ).select_related("participant", "department"):
        live.setdefault(attachment.participant_id, []).append(attachment)

    by_official: dict[int, list[dict]] = {}
    for row in rows:
        by_official.setdefault(int(row["participant"]), []).append(row)
    ready = []
    for participant_id, theirs in sorted(by_official.items()):
        participant = participants.get(participant_id)
        if participant is None:
            message = gettext("{name} is not an official of {cohort}.").format(
                name=theirs[0]["name"], cohort=cohort.name
            )
            result.refused.extend((row, [message]) for row in theirs)
            continue
        try:
            with transaction.atomic():
                cancelled = _clear(participant, theirs, live.get(participant_id, []), by)
        except ValidationError as error:
            result.refused.extend((row, _messages(error)) for row in theirs)
            continue
        ready.append((participant, theirs, cancelled))

    for participant, theirs, cancelled in ready:
        created, kept = [], []
        gone = {a.pk for a in cancelled}
        in_place = {
            _key(a.department_id, a.start, a.end): a
            for a in live.get(participant.pk, [])
            if a.pk not in gone
        }
        try:
            with transaction.atomic():
                for row in sorted(theirs, key=lambda r: r["start"], reverse=True):
                    key = _key(row["department"], row["start"], row["end"])
                    if key in in_place:
                        kept.append((row, in_place[key]))
                        continue
                    if key[0] not in departments:
                        raise ValidationError(gettext("The suggested department no longer exists."))
                    created.append(
                        attachment_create(
                            participant=participant,
                            department=departments[key[0]],
                            start=key[1],
                            end=key[2],
                            by=by,
                        )
                    )
        except ValidationError as error:
            messages = _messages(error)
            if cancelled:
                messages.append(_restore(cancelled, by=by))
            result.refused.extend((row, messages) for row in theirs)
            continue
        result.created.extend(created)
        result.kept.extend(kept)
        result.cancelled.extend(cancelled)
    return result


def _clear(participant, rows, current, by) -> list[Attachment]:
    """Check that the official's live attachments are what the suggestion assumed, and cancel
    the drafts it replaces (returned)."""
    published = [a for a in current if a.status == Attachment.Status.CONFIRMED]
    if published:
        raise ValidationError(
            gettext(
                "{name}'s placement at {dept} ({period}) has been published; the suggestion "
                "does not move it."
            ).format(
                name=participant.name_en,
                dept=published[0].department.abbreviation,
                period=_period(published[0].start, published[0].end),
            )
        )
    plan = {_key(*part) for row in rows for part in row.get("plan", [])}
    plan |= {_key(row["department"], row["start"], row["end"]) for row in rows}
    replaces = {int(pk) for row in rows for pk in row.get("replaces", [])}
    stale = [a for a in current if _key(a.department_id, a.start, a.end) not in plan]
    for attachment in stale:
        if attachment.pk not in replaces:
            raise ValidationError(
                gettext(
                    "{name} was placed at {dept} ({period}) after the plan was suggested; "
                    "suggest it again."
                ).format(
                    name=participant.name_en,
                    dept=attachment.department.abbreviation,
                    period=_period(attachment.start, attachment.end),
                )
            )
    return [attachment_cancel(attachment=a, by=by, reason=str(REPLACED)) for a in stale]


def _restore(cancelled: list[Attachment], *, by) -> str:
    """Give an official whose new rows were refused their drafts back, as new drafts."""
    try:
        with transaction.atomic():
            for attachment in sorted(cancelled, key=lambda a: a.start, reverse=True):
                attachment_create(
                    participant=attachment.participant,
                    department=attachment.department,
                    start=attachment.start,
                    end=attachment.end,
                    by=by,
                )
    except ValidationError:
        return gettext("Their draft placement could not be kept: its seats were taken.")
    return gettext("Their draft placement was kept.")


@transaction.atomic
def plan_suggestion_accept(
    *, suggestion: PlanSuggestion, by: AbstractBaseUser | None, row_ids: list[int] | None = None
) -> AcceptResult:
    """Accept a stored suggestion whole (`row_ids` None) or the rows named, and record on each
    row whether it was accepted (with the attachment written) or refused (with why). Rows
    accepted before are skipped."""
    _require_coordinator(by)
    locked = (
        PlanSuggestion.objects.select_for_update().select_related("cohort").get(pk=suggestion.pk)
    )
    if locked.status != PlanSuggestion.Status.DONE:
        raise ValidationError(gettext("This suggestion has not been computed yet."))
    chosen = set(row_ids) if row_ids is not None else None
    rows = [
        row
        for row in locked.rows
        if row["state"] != plan_rows.ACCEPTED and (chosen is None or row["id"] in chosen)
    ]
    result = plan_accept(cohort=locked.cohort, suggestion_rows=rows, by=by)
    made = {
        (a.participant_id, a.department_id, a.start.isoformat(), a.end.isoformat()): a.pk
        for a in result.created
    }
    made.update(
        {(r["participant"], r["department"], r["start"], r["end"]): a.pk for r, a in result.kept}
    )
    refused = {row["id"]: messages for row, messages in result.refused}
    for row in locked.rows:
        key = (row["participant"], row["department"], row["start"], row["end"])
        if key in made:
            row.update(state=plan_rows.ACCEPTED, attachment=made[key], errors=[])
        elif row["id"] in refused:
            row.update(state=plan_rows.REFUSED, errors=refused[row["id"]])
    locked.save(update_fields=["rows"])
    suggestion.rows = locked.rows
    return result
