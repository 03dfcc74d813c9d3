"""Reference data (cities, focus areas, host departments), cohorts and the notification outbox."""

import datetime

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .cohort_rules import check_cohort
from .notice_registry import kind_choices
from .plan_weights import default_plan_weights, validate_plan_weights
from .revisions import FeedRevisionMixin
from .validators import (
    FIRST_DAY,
    LAST_DAY,
    MAX_STAY_DAYS,
    is_programme_date,
    validate_orientation_reminder_days,
    validate_programme_date,
    validate_reminder_days,
    validate_seats,
    validate_stay_days,
)

CSC_VENUE = "Civil Service College"
CSC_VENUE_TRANSLATIONS = {"zh_hant": "公務員學院", "zh_hans": "公务员学院"}


def days_after(day: datetime.date, days: int) -> datetime.date:
    """`day` plus `days`, held at the calendar's ends rather than overflowing: a cohort read
    from bad data still shows its pages."""
    try:
        return day + datetime.timedelta(days=days)
    except OverflowError:
        return datetime.date.max if days > 0 else datetime.date.min


class City(models.Model):
    """A city on either side of the exchange; Hong Kong itself is the one `is_home` city."""

    code = models.CharField(_("code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=100)
    region = models.CharField(_("region"), max_length=100, blank=True)
    in_gba = models.BooleanField(_("in the Greater Bay Area"), default=False)
    is_home = models.BooleanField(_("home (hosting) city"), default=False)

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["-is_home", "code"]

    def __str__(self):
        return self.name


class FocusArea(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("focus area")
        verbose_name_plural = _("focus areas")
        ordering = ["name"]

    def __str__(self):
        return self.name


class HostDepartment(models.Model):
    """A government department that hosts attached officials; liaisons are its contact officers."""

    abbreviation = models.CharField(_("abbreviation"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=200)
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="departments", verbose_name=_("city")
    )
    focus_areas = models.ManyToManyField(
        FocusArea, blank=True, related_name="departments", verbose_name=_("focus areas")
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    liaisons = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="liaison_departments",
        verbose_name=_("liaison officers"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("host department")
        verbose_name_plural = _("host departments")
        ordering = ["abbreviation"]

    def __str__(self):
        return f"{self.name} ({self.abbreviation})"


class Cohort(FeedRevisionMixin, models.Model):
    """One round of the programme: its orientation week, the bounds on each stay, its status."""

    class Direction(models.TextChoices):
        INBOUND = "inbound", _("Inbound (partner officials come to Hong Kong)")
        OUTBOUND = "outbound", _("Outbound (Hong Kong officers go out)")

    class Status(models.TextChoices):
        PLANNING = "planning", _("Planning")
        NOMINATING = "nominating", _("Nominating")
        ORIENTATION = "orientation", _("Orientation")
        ATTACHMENT = "attachment", _("Attachment")
        COMPLETED = "completed", _("Completed")

    # What the officials' calendar feeds show of the orientation week.
    FEED_FIELDS = ("orientation_start", "orientation_end", "orientation_venue")
    FEED_SEQUENCE_FIELD = "orientation_sequence"
    FEED_REVISED_FIELD = "orientation_revised_at"

    name = models.CharField(_("name"), max_length=200, unique=True)
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.INBOUND
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNING
    )
    orientation_start = models.DateField(
        _("orientation starts"), validators=[validate_programme_date]
    )
    orientation_end = models.DateField(_("orientation ends"), validators=[validate_programme_date])
    orientation_venue = models.CharField(_("orientation venue"), max_length=200, default=CSC_VENUE)
    min_stay_days = models.PositiveSmallIntegerField(
        _("shortest stay (days)"),
        default=28,
        validators=[validate_stay_days],
        help_text=_("Orientation included. The press release says four weeks to three months."),
    )
    max_stay_days = models.PositiveSmallIntegerField(
        _("longest stay (days)"),
        default=91,
        validators=[validate_stay_days],
        help_text=_("Orientation included."),
    )
    # Reminder offsets, in days before the event; the notification planner reads them.
    orientation_reminder_days = models.CharField(
        _("orientation reminders (days before)"),
        max_length=50,
        default="7,1",
        validators=[validate_orientation_reminder_days],
        help_text=_("Comma-separated, e.g. 7,1"),
    )
    attachment_start_reminder_days = models.PositiveSmallIntegerField(
        _("reminder before an attachment starts (days)"),
        default=3,
        validators=[validate_reminder_days],
    )
    attachment_end_reminder_days = models.PositiveSmallIntegerField(
        _("reminder before an attachment ends (days)"),
        default=7,
        validators=[validate_reminder_days],
    )
    activity_reminder_days = models.PositiveSmallIntegerField(
        _("reminder before an activity (days)"),
        default=1,
        validators=[validate_reminder_days],
    )
    # What "Suggest a plan" maximises and may do (placements.planning documents the score).
    plan_weights = models.JSONField(
        _("plan suggestion weights"),
        default=default_plan_weights,
        validators=[validate_plan_weights],
        help_text=_(
            "Score of a suggested placement at the official's 1st to 5th choice, at a department "
            "sharing one of their focus areas, and elsewhere; from the 1st choice down, no weight "
            'may be higher than the one before. Default: {"1": 100, "2": 60, "3": 40, "4": 25, '
            '"5": 15, "focus": 10, "none": 0}.'
        ),
    )
    allow_rotations = models.BooleanField(
        _("rotations allowed"),
        default=False,
        help_text=_(
            "A suggested plan may split an official's stay into two consecutive attachments of "
            "equal length at two departments they ranked."
        ),
    )
    # Personal data is kept RETENTION_YEARS (a setting) after the cohort's last possible day,
    # unless the cohort says otherwise; then shredded, once (`placements.privacy`).
    retention_years = models.PositiveSmallIntegerField(
        _("retention (years)"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(100)],
        help_text=_("Years personal data is kept after the cohort ends. Empty: the default."),
    )
    shredded_at = models.DateTimeField(_("shredded"), null=True, blank=True, editable=False)

    # Revisions of the orientation week in the calendar feeds (`exchange.revisions`).
    orientation_sequence = models.PositiveIntegerField(
        _("orientation revision"), default=0, editable=False
    )
    orientation_revised_at = models.DateTimeField(
        _("orientation revised"), default=timezone.now, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        ordering = ["-orientation_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(orientation_start__lte=F("orientation_end")),
                name="cohort_orientation_start_before_end",
                violation_error_message=_("Orientation must end on or after the day it starts."),
            ),
            models.CheckConstraint(
                condition=Q(min_stay_days__lte=F("max_stay_days")),
                name="cohort_min_stay_within_max",
                violation_error_message=_("The shortest stay cannot be longer than the longest."),
            ),
            # With the constraint above, both days fall within the programme's years; the field
            # validators say so to people first.
            models.CheckConstraint(
                condition=Q(orientation_start__gte=FIRST_DAY, orientation_end__lte=LAST_DAY),
                name="cohort_orientation_within_programme_years",
            ),
        ]

    # What the reminder planner reads; `exchange.notifications` changes them together.
    REMINDER_FIELDS = (
        "orientation_reminder_days",
        "attachment_start_reminder_days",
        "attachment_end_reminder_days",
        "activity_reminder_days",
    )

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("placements:cohort_dashboard", kwargs={"pk": self.pk})

    @property
    def orientation_reminder_offsets(self) -> list[int]:
        return sorted({int(d) for d in self.orientation_reminder_days.split(",") if d.strip()})

    @property
    def latest_end(self) -> datetime.date:
        """The last day an official of this cohort may still be attached."""
        return days_after(self.orientation_start, self.max_stay_days - 1)

    @property
    def retention_period_years(self) -> int:
        if self.retention_years is None:
            return settings.RETENTION_YEARS
        return self.retention_years

    @property
    def retention_ends(self) -> datetime.date:
        """The first day on which the cohort's personal data may be shredded."""
        end = self.latest_end
        years = self.retention_period_years
        try:
            return end.replace(year=end.year + years) + datetime.timedelta(days=1)
        except ValueError:
            # 29 February, or past the calendar's end.
            try:
                return end.replace(year=end.year + years, day=28) + datetime.timedelta(days=1)
            except (ValueError, OverflowError):
                return datetime.date.max

    @property
    def is_shredded(self) -> bool:
        return self.shredded_at is not None

    @property
    def earliest_end(self) -> datetime.date:
        """The first day on which an official's stay reaches the shortest allowed length."""
        return days_after(self.orientation_start, self.min_stay_days - 1)

    def clean(self):
        start, end, longest = self.orientation_start, self.orientation_end, self.max_stay_days
        if not (start and end):
            return
        if end < start:
            raise ValidationError(
                {"orientation_end": _("Orientation must end on or after the day it starts.")}
            )
        # Checked only on values the field validators accept; they explain the others.
        valid = (
            is_programme_date(start)
            and is_programme_date(end)
            and isinstance(longest, int)
            and 1 <= longest <= MAX_STAY_DAYS
        )
        if valid and end >= self.latest_end:
            raise ValidationError(
                {
                    "max_stay_days": gettext(
                        "The longest stay includes orientation ({days} days) and must leave "
                        "time for an attachment after it: make it longer than {days} days."
                    ).format(days=(end - start).days + 1)
                }
            )
        if valid and self.pk:
            # What the other apps hang on a saved cohort must still fit it.
            check_cohort(self)

    def stay_moments(self) -> tuple[datetime.datetime, datetime.datetime] | None:
        """The cohort's stay as aware moments: from the first moment of orientation to the end
        of `latest_end`; None when the stay reaches past the last representable day."""
        last_day = self.latest_end
        if last_day >= datetime.date.max:
            return None
        opens = timezone.make_aware(
            datetime.datetime.combine(self.orientation_start, datetime.time.min)
        )
        closes = timezone.make_aware(
            datetime.datetime.combine(last_day + datetime.timedelta(days=1), datetime.time.min)
        )
        return opens, closes


class CityQuota(models.Model):
    """Seats a home city has in a cohort (Shenzhen 10, the others 4 in the press release)."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="city_quotas", verbose_name=_("cohort")
    )
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="quotas", verbose_name=_("city")
    )
    seats = models.PositiveSmallIntegerField(_("seats"), validators=[validate_seats])

    class Meta:
        verbose_name = _("city quota")
        verbose_name_plural = _("city quotas")
        ordering = ["cohort", "city__code"]
        constraints = [
            models.UniqueConstraint(fields=["cohort", "city"], name="cityquota_one_per_city"),
        ]

    def __str__(self):
        return f"{self.city}: {self.seats}"


class HostCapacity(models.Model):
    """How many officials of a cohort a host department can take at the same time."""

    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, related_name="host_capacities", verbose_name=_("cohort")
    )
    department = models.ForeignKey(
        HostDepartment,
        on_delete=models.PROTECT,
        related_name="capacities",
        verbose_name=_("host department"),
    )
    seats = models.PositiveSmallIntegerField(_("seats"), validators=[validate_seats])

    class Meta:
        verbose_name = _("host capacity")
        verbose_name_plural = _("host capacities")
        ordering = ["cohort", "department__abbreviation"]
        constraints = [
            models.UniqueConstraint(
                fields=["cohort", "department"], name="hostcapacity_one_per_department"
            ),
        ]

    def __str__(self):
        return f"{self.department.abbreviation}: {self.seats}"


class Notification(models.Model):
    """The outbox: a notice is recorded here first, in the transaction of the change that causes
    it, and sent later by the dispatcher. The dedupe key makes planning it twice impossible."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    # The kinds are declared by the apps above and registered with the engine.
    kind = models.CharField(_("kind"), max_length=40, choices=kind_choices)
    content_type = models.ForeignKey(
        ContentType,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("related object type"),
    )
    object_id = models.PositiveBigIntegerField(_("related object id"), null=True, blank=True)
    related_object = GenericForeignKey("content_type", "object_id")
    cohort = models.ForeignKey(
        Cohort,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
        verbose_name=_("cohort"),
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    # The admin may edit these times: a year-1 value could not be read back, and would stop the
    # dispatcher and every page that lists notices.
    scheduled_at = models.DateTimeField(
        _("send at"), db_index=True, validators=[validate_programme_date]
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    # The dispatcher leaves a row alone until its lease runs out: a queued send (or a queued retry)
    # owns it until then. A send that died without recording anything is picked up again after.
    leased_until = models.DateTimeField(
        _("leased until"), null=True, blank=True, validators=[validate_programme_date]
    )
    last_attempt_at = models.DateTimeField(
        _("last attempt"), null=True, blank=True, validators=[validate_programme_date]
    )
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    context = models.JSONField(_("context"), default=dict, blank=True)
    # What the notice said when it was recorded (subject, intro, facts, in the recipient's
    # language): shown instead of the object as it is now once the reader may no longer see it.
    snapshot = models.JSONField(_("snapshot"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(
        _("read"), null=True, blank=True, validators=[validate_programme_date]
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-scheduled_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "scheduled_at"], name="notification_due_idx"),
            models.Index(fields=["recipient", "read_at"], name="notification_unread_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="sent", sent_at__isnull=False) | ~Q(status="sent"),
                name="notification_sent_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {self.recipient} ({self.get_status_display()})"

    @property
    def is_final(self) -> bool:
        return self.status in {self.Status.SENT, self.Status.CANCELLED}
