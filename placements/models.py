"""Attachments of officials to host departments, and the activities on their schedules."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from exchange.models import Cohort, HostDepartment
from participants.models import Participant


class Attachment(models.Model):
    """An official at a host department from `start` to `end` (both days included).

    The rules between attachments (orientation first, stay bounds, no overlap, capacity, quotas)
    live in `placements.services`, which every path uses; the database backs the local ones.
    """

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        CONFIRMED = "confirmed", _("Confirmed")
        CANCELLED = "cancelled", _("Cancelled")

    LIVE_STATUSES = (Status.PROPOSED, Status.CONFIRMED)

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
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
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
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(verbose_name=_("attachment history"))

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


class Activity(models.Model):
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

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="activities", verbose_name=_("cohort")
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
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
