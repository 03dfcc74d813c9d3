"""Attachments of officials to host departments, and the activities on their schedules."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from exchange.models import Cohort, HostDepartment
from exchange.revisions import FeedRevisionMixin
from exchange.validators import (
    END_MOMENT,
    FIRST_DAY,
    FIRST_MOMENT,
    LAST_DAY,
    is_programme_date,
    validate_programme_date,
)
from participants.models import Participant

from . import plan_rows


class AttachmentQuerySet(models.QuerySet):
    def published(self):
        """What the official and the liaisons may see: attachments that were published (confirmed
        at least once), including those cancelled since. Drafts never were."""
        return self.filter(published_at__isnull=False)


class Attachment(FeedRevisionMixin, models.Model):
    """An official at a host department from `start` to `end` (both days included).

    `proposed` attachments are the cohort's draft: only coordinators see them, and they send
    nothing. Publishing confirms them (`published_at` is set once, the first time) and tells the
    official and the liaisons. The rules between attachments (orientation first, stay bounds, no
    overlap, capacity, quotas) live in `placements.services`, which every path uses; the database
    backs the local ones; drafts hold their seats like published attachments do.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")

    LIVE_STATUSES = (Status.PROPOSED, Status.CONFIRMED)
    # What the official's calendar feed shows of an attachment.
    FEED_FIELDS = (
        "department_id",
        "start",
        "end",
        "status",
        "supervisor",
        "supervisor_email",
        "published_at",
    )

    participant = models.ForeignKey(
        Participant,
        on_delete=models.PROTECT,
        related_name="attachments",
        verbose_name=_("participant"),
    )
    department = models.ForeignKey(
        HostDepartment,
        on_delete=models.PROTECT,
        related_name="attachments",
        verbose_name=_("host department"),
    )
    start = models.DateField(_("start"), validators=[validate_programme_date])
    end = models.DateField(_("end"), validators=[validate_programme_date])
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    supervisor = models.CharField(_("host supervisor"), max_length=200, blank=True)
    supervisor_email = models.EmailField(_("supervisor email"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned by"),
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # Revisions of what the calendar feed shows (`exchange.revisions`): SEQUENCE and LAST-MODIFIED.
    sequence = models.PositiveIntegerField(_("revision"), default=0, editable=False)
    revised_at = models.DateTimeField(_("revised"), default=timezone.now, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(verbose_name=_("attachment history"))

    objects = AttachmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["start", "pk"]
        permissions = [("export_roster", _("Can export rosters"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lte=F("end")),
                name="attachment_start_before_end",
                violation_error_message=_("An attachment must end on or after the day it starts."),
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(published_at__isnull=False),
                name="attachment_confirmed_is_published",
            ),
            models.CheckConstraint(
                condition=Q(start__gte=FIRST_DAY, end__lte=LAST_DAY),
                name="attachment_within_programme_years",
            ),
        ]
        indexes = [
            models.Index(fields=["department", "start", "end"], name="attachment_dept_period"),
        ]

    def __str__(self):
        return (
            f"{self.participant.name_en} @ {self.department.abbreviation} "
            f"({self.start} – {self.end})"
        )

    @property
    def is_live(self) -> bool:
        return self.status in self.LIVE_STATUSES

    def feed_revision_counts(self, loaded: dict) -> bool:
        # A draft is in no feed: its changes, and its first publication, are revision 0.
        return loaded.get("published_at") is not None

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.PROPOSED

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class Activity(FeedRevisionMixin, models.Model):
    """Something on officials' schedules: a session, a briefing, a visit, a project."""

    class Kind(models.TextChoices):
        ORIENTATION_SESSION = "orientation_session", _("Orientation session")
        DEPARTMENTAL_BRIEFING = "departmental_briefing", _("Departmental briefing")
        WORKING_MEETING = "working_meeting", _("Working meeting")
        INDUSTRY_FORUM = "industry_forum", _("Industry forum")
        SITE_VISIT = "site_visit", _("Site visit")
        SPECIALISED_PROJECT = "specialised_project", _("Specialised project")
        OTHER = "other", _("Other")

    class Audience(models.TextChoices):
        COHORT = "cohort", _("The whole cohort")
        DEPARTMENT = "department", _("The department's attachees")
        NAMED = "named", _("Named officials")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")

    # What the calendar feed shows of an activity (`exchange.revisions`). The services count a
    # change of the named officials themselves; `updated_at` is the time of the last revision.
    FEED_FIELDS = (
        "kind",
        "title",
        "description",
        "starts_at",
        "ends_at",
        "location",
        "department_id",
        "audience",
        "status",
    )
    FEED_REVISED_FIELD = "updated_at"

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="activities", verbose_name=_("cohort")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts"), validators=[validate_programme_date])
    ends_at = models.DateTimeField(_("ends"), validators=[validate_programme_date])
    location = models.CharField(_("location"), max_length=300, blank=True)
    department = models.ForeignKey(
        HostDepartment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
        verbose_name=_("host department"),
    )
    audience = models.CharField(
        _("audience"), max_length=12, choices=Audience.choices, default=Audience.COHORT
    )
    participants = models.ManyToManyField(
        Participant, blank=True, related_name="named_activities", verbose_name=_("named officials")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    # Bumped on every change so calendar clients replace the event (RFC 5545 SEQUENCE).
    sequence = models.PositiveIntegerField(_("revision"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(verbose_name=_("activity history"))

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")),
                name="activity_starts_before_it_ends",
                violation_error_message=_("An activity must end after it starts."),
            ),
            # With the constraint above, both moments fall within the programme's years.
            models.CheckConstraint(
                condition=Q(starts_at__gte=FIRST_MOMENT, ends_at__lte=END_MOMENT),
                name="activity_within_programme_years",
            ),
            models.CheckConstraint(
                condition=~Q(audience="department") | Q(department__isnull=False),
                name="activity_department_audience_has_department",
                violation_error_message=_(
                    "An activity for a department's attachees needs a host department."
                ),
            ),
        ]
        indexes = [models.Index(fields=["cohort", "starts_at"], name="activity_cohort_start")]

    def __str__(self):
        return self.title

    def clean(self):
        """An activity takes place during its cohort's stay: from the first day of orientation to
        the last day an official may still be attached (`Cohort.latest_end`)."""
        if self.cohort_id is None or self.starts_at is None or self.ends_at is None:
            return
        # Moments outside the programme's years are explained by the field validators.
        if not (is_programme_date(self.starts_at) and is_programme_date(self.ends_at)):
            return
        stay = self.cohort.stay_moments()
        if stay is None:
            return
        opens, closes = stay
        first_day, last_day = self.cohort.orientation_start, self.cohort.latest_end
        message = gettext(
            "An activity takes place during the cohort's stay, from {first} to {last}."
        ).format(
            first=formats.date_format(first_day, "DATE_FORMAT"),
            last=formats.date_format(last_day, "DATE_FORMAT"),
        )
        errors = {}
        if not opens <= self.starts_at < closes:
            errors["starts_at"] = message
        if not opens < self.ends_at <= closes:
            errors["ends_at"] = message
        if errors:
            raise ValidationError(errors)


class ExportLog(models.Model):
    """One export of personal data: who took which rows out, when, in what format.

    Written by every export path (roster pages and the admin action) before the file leaves, so
    an export that fails half-way is still on record.
    """

    class Format(models.TextChoices):
        CSV = "csv", _("CSV")
        XLSX = "xlsx", _("Excel (XLSX)")
        HTML = "html", _("Printable roster (HTML)")
        ZIP = "zip", _("Personal data (ZIP)")

    class Source(models.TextChoices):
        ROSTER = "roster", _("Roster")
        ADMIN_SELECTION = "admin_selection", _("Selected in the admin")
        SUBJECT_ACCESS = "subject_access", _("Subject access request")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("exported by"),
    )
    created_at = models.DateTimeField(_("exported at"), auto_now_add=True, db_index=True)
    # Empty for an export of all cohorts (or of a selection spanning cohorts).
    cohort = models.ForeignKey(
        Cohort,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="export_logs",
        verbose_name=_("cohort"),
    )
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.ROSTER
    )
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    format = models.CharField(_("format"), max_length=10, choices=Format.choices)
    row_count = models.PositiveIntegerField(_("rows"))

    class Meta:
        verbose_name = _("export log entry")
        verbose_name_plural = _("export log")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_format_display()} · {self.created_at:%Y-%m-%d %H:%M} · {self.row_count}"

    FILTER_LABELS = {
        "home_city": _("Home city"),
        "department": _("Host department"),
        "status": _("Status"),
    }

    @property
    def filter_items(self) -> list[tuple[str, str]]:
        """The roster filters as (label, value), for people reading the log."""
        return [
            (str(self.FILTER_LABELS.get(key, key)), str(value))
            for key, value in self.filters.items()
            if key != "participants"
        ]

    @property
    def selected_count(self) -> int | None:
        """How many officials were picked by hand, for an export of an admin selection."""
        selected = self.filters.get("participants")
        return None if selected is None else len(selected)


class ShredLog(models.Model):
    """A cohort's personal data shredded: who did it, when, and how many rows of each table were
    changed. Evidence: never edited or deleted, and itself holds no personal data."""

    cohort = models.ForeignKey(
        Cohort,
        on_delete=models.SET_NULL,
        null=True,
        related_name="shred_logs",
        verbose_name=_("cohort"),
    )
    cohort_name = models.CharField(_("cohort name"), max_length=200)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("shredded by"),
    )
    created_at = models.DateTimeField(_("shredded at"), auto_now_add=True, db_index=True)
    # {"participants_participant": 30, ...}: rows changed per table.
    counts = models.JSONField(_("rows changed per table"), default=dict)

    class Meta:
        verbose_name = _("shred log entry")
        verbose_name_plural = _("shred log")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.cohort_name} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class PlanSuggestion(models.Model):
    """A plan the solver suggested for a cohort, kept so that a coordinator can accept it whole or
    row by row later (`placements.planning_services`), and so that a page can follow the
    `placements.suggest_plan` task computing it (`status`, `progress`, `message`).

    `rows` holds one JSON object per suggested attachment and `unplaced` one per official left
    out; `placements.plan_rows` documents their keys and writes their reasons in the reader's
    language. Each row keeps its own state (suggested, accepted or refused, with the errors)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    FINAL_STATUSES = (Status.DONE, Status.FAILED)

    class Step(models.TextChoices):
        """Where a run is (or why it failed), shown in the reader's language by `message`."""

        LOADING = "loading", _("Loading the cohort")
        MODEL = "model", _("Building the model")
        SCORE = "score", _("Best placements found; choosing the dates")
        DATES = "dates", _("Writing the plan")
        QUEUE_DOWN = (
            "queue_down",
            _("The task queue is not available; suggest the plan again later."),
        )

    class SolverStatus(models.TextChoices):
        OPTIMAL = "optimal", _("Best possible (proven)")
        FEASIBLE = "feasible", _("Within the rules, not proven best")
        NOT_SOLVED = "not_solved", _("No plan found in the time given")

    cohort = models.ForeignKey(
        Cohort,
        on_delete=models.CASCADE,
        related_name="plan_suggestions",
        verbose_name=_("cohort"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    replan = models.BooleanField(
        _("full re-plan"),
        default=False,
        help_text=_("Also re-plan officials whose placements are drafts, replacing the drafts."),
    )
    time_limit = models.FloatField(_("time limit (seconds)"), default=10)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    step = models.CharField(_("step"), max_length=12, choices=Step.choices, blank=True)
    error = models.TextField(_("error"), blank=True)
    weights = models.JSONField(_("weights used"), default=dict, blank=True)
    rows = models.JSONField(_("suggested attachments"), default=list, blank=True)
    unplaced = models.JSONField(_("officials not placed"), default=list, blank=True)
    placed = models.PositiveIntegerField(_("officials placed"), null=True, blank=True)
    total_score = models.FloatField(_("score"), null=True, blank=True)
    score_bound = models.FloatField(_("best possible score"), null=True, blank=True)
    gap = models.FloatField(_("optimality gap"), null=True, blank=True)
    solver_status = models.CharField(
        _("solver result"), max_length=12, choices=SolverStatus.choices, blank=True
    )
    solve_seconds = models.FloatField(_("solve time (seconds)"), null=True, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("plan suggestion")
        verbose_name_plural = _("plan suggestions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="plansuggestion_progress_percent"
            ),
            models.CheckConstraint(
                condition=Q(time_limit__gt=0), name="plansuggestion_time_limit_positive"
            ),
        ]
        indexes = [models.Index(fields=["cohort", "-created_at"], name="plansuggestion_cohort")]

    def __str__(self):
        return f"{self.cohort} · {self.created_at:%Y-%m-%d %H:%M} · {self.get_status_display()}"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATUSES

    @property
    def message(self) -> str:
        """What a page says about the run, in the active language ("" when there is nothing)."""
        if self.step == self.Step.QUEUE_DOWN:
            return self.get_step_display()
        if self.status == self.Status.FAILED:
            return gettext("The suggestion failed: {error}").format(error=self.error)
        if self.status == self.Status.RUNNING and self.step:
            return self.get_step_display()
        return ""

    def rows_with_reasons(self) -> list[dict]:
        """The suggested rows, each with `reason` written in the active language."""
        return [{**row, "reason": plan_rows.row_reason(row)} for row in self.rows]

    def unplaced_with_reasons(self) -> list[dict]:
        """The officials left out, each with `reason` written in the active language."""
        return [{**item, "reason": plan_rows.unplaced_reason(item)} for item in self.unplaced]

    @property
    def accepted_count(self) -> int:
        return sum(1 for row in self.rows if row["state"] == plan_rows.ACCEPTED)
