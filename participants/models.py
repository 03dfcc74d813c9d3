"""Officials taking part in a cohort."""

import base64
import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from exchange.models import City, Cohort, FocusArea, HostDepartment

# An official's own details: what coordinators edit and nominations imports fill in (cohort and
# status change through their own services).
DETAIL_FIELDS = (
    "name_en",
    "name_zh",
    "home_city",
    "home_organisation",
    "post_title",
    "rank",
    "email",
    "phone",
    "preferred_language",
)


def new_calendar_secret() -> str:
    return secrets.token_urlsafe(32)


# Migration 0001's default for the token column it created (the secret's column since 0007).
new_calendar_token = new_calendar_secret


def calendar_token_for(secret: str) -> str:
    """The feed token of a row's secret: an HMAC keyed by the site's SECRET_KEY. The database
    keeps the secret and the token's hash, never the token, so a copy of the database alone
    opens no feed; the owner's page can still show their address again (a new phone)."""
    digest = salted_hmac("participants.calendar_feed", secret, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def calendar_token_digest(token: str) -> str:
    """The SHA-256 hex digest the feed is looked up by."""
    return hashlib.sha256(token.encode()).hexdigest()


class Sha256Hex(models.Func):
    """SHA-256 hex of a text column, as PostgreSQL computes it (used by migration 0004, which
    kept the hash of a stored token in a generated column)."""

    template = "ENCODE(SHA256((%(expressions)s)::bytea), 'hex')"
    output_field = models.CharField(max_length=64)

    def as_sqlite(self, compiler, connection, **extra_context):
        # `make run`'s SQLite file: Django gives each connection a deterministic SHA256() (hex).
        return super().as_sql(
            compiler, connection, template="SHA256(%(expressions)s)", **extra_context
        )


class CalendarTokenHashField(models.CharField):
    """The hash of the row's feed token, computed from its secret whenever the row is written by
    the ORM (`save()` and `bulk_create()` both call `pre_save`), so the two never drift."""

    def pre_save(self, model_instance, add):
        value = calendar_token_digest(calendar_token_for(model_instance.calendar_secret))
        setattr(model_instance, self.attname, value)
        return value


class Participant(models.Model):
    """One official in one cohort (an official who comes twice has two rows, one per cohort)."""

    class Rank(models.TextChoices):
        DIVISION_DIRECTOR = "division_director", _("Division director")
        DEPUTY_DIVISION_DIRECTOR = "deputy_division_director", _("Deputy division director")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        NOMINATED = "nominated", _("Nominated")
        CONFIRMED = "confirmed", _("Confirmed")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        COMPLETED = "completed", _("Completed")

    cohort = models.ForeignKey(
        Cohort, on_delete=models.PROTECT, related_name="participants", verbose_name=_("cohort")
    )
    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=100, blank=True)
    home_city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="participants", verbose_name=_("home city")
    )
    home_organisation = models.CharField(_("home organisation"), max_length=200)
    post_title = models.CharField(_("post title"), max_length=200, blank=True)
    rank = models.CharField(_("rank"), max_length=30, choices=Rank.choices, default=Rank.OTHER)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="zh-hans"
    )
    focus_areas = models.ManyToManyField(
        FocusArea, blank=True, related_name="participants", verbose_name=_("focus areas")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NOMINATED
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="participations",
        verbose_name=_("user account"),
    )
    # The feed address is derived from this secret (`calendar_token_for`); the feed is looked up
    # by the hash of the address.
    calendar_secret = models.CharField(
        _("calendar feed secret"),
        max_length=64,
        unique=True,
        default=new_calendar_secret,
        editable=False,
    )
    calendar_token_hash = CalendarTokenHashField(
        _("calendar feed token hash"), max_length=64, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["cohort", "home_city__code", "name_en"]
        constraints = [
            models.UniqueConstraint(
                "cohort",
                Lower("email"),
                name="participant_unique_email_per_cohort",
                violation_error_message=_("An official with this email is already in the cohort."),
            ),
            models.UniqueConstraint(
                fields=["cohort", "user"], name="participant_one_per_user_per_cohort"
            ),
            models.UniqueConstraint(
                fields=["calendar_token_hash"], name="participant_calendar_token_hash_unique"
            ),
        ]
        indexes = [models.Index(fields=["cohort", "status"], name="participant_cohort_status")]

    def __str__(self):
        if self.name_zh:
            return f"{self.name_en} {self.name_zh}"
        return self.name_en

    def get_absolute_url(self):
        return reverse("placements:participant_detail", kwargs={"pk": self.pk})

    @property
    def display_name(self) -> str:
        """The name to show: the Chinese name on a Chinese page (when there is one), else the
        English name."""
        if self.name_zh and (translation.get_language() or "").startswith("zh"):
            return self.name_zh
        return self.name_en

    @property
    def calendar_token(self) -> str:
        """The secret part of the official's feed address."""
        return calendar_token_for(self.calendar_secret) if self.calendar_secret else ""

    @property
    def calendar_token_masked(self) -> str:
        """Enough of the token to tell two addresses apart, never enough to open one."""
        return f"{self.calendar_token[:4]}…" if self.calendar_token else ""


class HostPreference(models.Model):
    """An official's ranked wish for a host department (1 = first choice)."""

    participant = models.ForeignKey(
        Participant,
        on_delete=models.CASCADE,
        related_name="preferences",
        verbose_name=_("participant"),
    )
    department = models.ForeignKey(
        HostDepartment,
        on_delete=models.CASCADE,
        related_name="preferred_by",
        verbose_name=_("host department"),
    )
    rank = models.PositiveSmallIntegerField(_("rank"))

    class Meta:
        verbose_name = _("host preference")
        verbose_name_plural = _("host preferences")
        ordering = ["participant", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "rank"], name="hostpreference_unique_rank"
            ),
            models.UniqueConstraint(
                fields=["participant", "department"], name="hostpreference_unique_department"
            ),
            models.CheckConstraint(
                condition=models.Q(rank__gte=1), name="hostpreference_rank_positive"
            ),
        ]

    def __str__(self):
        return f"{self.rank}. {self.department.abbreviation}"


class NominationImport(models.Model):
    """An uploaded nominations spreadsheet, parsed and validated, waiting for the coordinator's
    confirmation. Keeping the parsed rows here (not the file) means confirm applies exactly what
    the preview showed, and re-validates it against the cohort as it is then."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Awaiting confirmation")
        APPLIED = "applied", _("Applied")
        DISCARDED = "discarded", _("Discarded")

    cohort = models.ForeignKey(
        Cohort,
        on_delete=models.CASCADE,
        related_name="nomination_imports",
        verbose_name=_("cohort"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    filename = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64)
    # [{"line": 2, "values": {"name_en": "...", ...}}, ...]: the file's cells as text.
    rows = models.JSONField(_("rows"), default=list)
    # A CSV file's encoding is a guess the coordinator may correct: its bytes are kept (at most
    # the upload limit) so that the preview can read them again. Both are empty for XLSX.
    encoding = models.CharField(_("encoding"), max_length=20, blank=True, editable=False)
    content = models.BinaryField(_("CSV file"), blank=True, default=b"", editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PREVIEW
    )
    created_count = models.PositiveIntegerField(_("officials added"), default=0)
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)

    class Meta:
        verbose_name = _("nominations import")
        verbose_name_plural = _("nominations imports")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.filename} → {self.cohort}"

    def get_absolute_url(self):
        return reverse("participants:nominationimport_detail", kwargs={"pk": self.pk})


class AccessLog(models.Model):
    """One read of officials' personal data by someone other than the officials themselves: who,
    what, when, from which address, and which officials.

    One row per request and one link per official, written in a fixed number of queries however
    many officials the page or export holds (`participants.services.access_log_create`). An
    official reading their own data is not an access by someone else and is not recorded.
    """

    class Kind(models.TextChoices):
        OFFICIAL_PAGE = "official_page", _("Official's page")
        SCHEDULE = "schedule", _("Official's schedule")
        CONTACTS = "contacts", _("Contact details")
        EXPORT = "export", _("Export")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("read by"),
    )
    # The username at the time, so the entry still names the reader after the account is gone.
    username = models.CharField(_("username"), max_length=150)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(_("read at"), auto_now_add=True, db_index=True)
    address = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    path = models.CharField(_("address read"), max_length=500)
    participants = models.ManyToManyField(
        Participant, blank=True, related_name="access_logs", verbose_name=_("officials")
    )
    # Kept apart from the links: it still tells how many were read after an official is deleted.
    official_count = models.PositiveIntegerField(_("officials read"), default=0)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["kind", "created_at"], name="accesslog_kind_created")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.username} · {self.created_at:%Y-%m-%d %H:%M}"
