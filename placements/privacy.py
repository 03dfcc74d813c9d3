"""Personal data, end to end: what the system holds on an official (subject access), and shredding
a cohort's once its retention period is over (Hong Kong's Personal Data (Privacy) Ordinance).

Subject access finds the official's rows by introspection, not by a list: every table whose foreign
key (or generic relation) points at the official, their account, or a row already found, is
followed until nothing new turns up, so a model added later is in the file without a change here.
Shredding replaces the personal columns it knows, table by table; the test suite searches every
text column of the database afterwards, so a new table holding names fails it until it is listed.
"""

import datetime
import io
import json
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When
from django.db.models.functions import Cast, Concat, ExtractYear
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext
from modeltranslation.utils import build_localized_fieldname

from exchange.models import Cohort, Notification
from exchange.translated import language_codes
from participants.models import (
    HostPreference,
    NominationImport,
    Participant,
    calendar_token_digest,
    new_calendar_secret,
)

from .exports import export_log_create, selection_filters
from .models import Activity, Attachment, ExportLog, PlanSuggestion, ShredLog
from .selectors import _localized, activities_for_participant

# Columns never handed out, even to their owner: a password hash, and the private calendar token
# (a coordinator producing the file must not learn the official's feed address).
SECRET_FIELDS = {
    ("auth", "user"): {"password"},
    ("api", "apitoken"): {"key_hash", "prefix"},
    ("authtoken", "token"): {"key"},
    ("authtoken", "tokenproxy"): {"key"},
    ("participants", "participant"): {"calendar_secret", "calendar_token_hash"},
}
# The ZIP is built in memory up to this size and spills to a temporary file beyond it.
SUBJECT_ACCESS_MEMORY_BYTES = 8 * 1024 * 1024
# How many rounds of "rows pointing at rows found" are followed: far more than the models' depth.
MAX_RELATION_DEPTH = 8


def table_name(model) -> str:
    return model._meta.db_table


def relation_edges(model) -> list[tuple[str, type[models.Model]]]:
    """(lookup, target model) for each way a row of `model` points at a row of another model:
    its concrete foreign keys and one-to-ones (history tables' too, which carry no database
    constraint), and its generic foreign keys as `ct:<content_type field>:<id field>`."""
    edges = []
    for model_field in model._meta.concrete_fields:
        if model_field.is_relation and model_field.related_model is not None:
            related = model_field.related_model
            if related == "self":
                related = model
            edges.append((model_field.attname, related))
    generic = [
        (private.ct_field, private.fk_field)
        for private in model._meta.private_fields
        if isinstance(private, GenericForeignKey)
    ]
    # The admin's log names its object the same way without declaring a generic foreign key.
    names = {model_field.name for model_field in model._meta.concrete_fields}
    if (
        not generic
        and {"content_type", "object_id"} <= names
        and model._meta.get_field("content_type").related_model is ContentType
    ):
        generic.append(("content_type", "object_id"))
    edges += [(f"ct:{ct_field}:{fk_field}", None) for ct_field, fk_field in generic]
    return edges


def models_referencing_people() -> set[type[models.Model]]:
    """Every model with a relation path to an official or a user account (M2M through tables and
    history tables included): the tables a subject-access file has one JSON file for."""
    User = get_user_model()
    reached = {Participant, User}
    everything = apps.get_models(include_auto_created=True)
    grew = True
    while grew:
        grew = False
        for model in everything:
            if model in reached:
                continue
            if any(target in reached for _lookup, target in relation_edges(model) if target):
                reached.add(model)
                grew = True
    return reached


@dataclass
class SubjectData:
    """The rows held on one official, table by table (models in a stable order)."""

    participant: Participant
    rows: dict[type[models.Model], list[dict]] = field(default_factory=dict)

    @property
    def row_count(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


def _row(instance, model) -> dict:
    secret = SECRET_FIELDS.get((model._meta.app_label, model._meta.model_name), set())
    values = {}
    for model_field in model._meta.concrete_fields:
        if model_field.name in secret or isinstance(model_field, models.BinaryField):
            continue
        values[model_field.attname] = model_field.value_from_object(instance)
    return values


def _people_pks(participant: Participant) -> dict[type[models.Model], set]:
    User = get_user_model()
    found: dict[type[models.Model], set] = defaultdict(set)
    found[Participant].add(participant.pk)
    if participant.user_id:
        found[User].add(participant.user_id)
    return found


def _unrelated_rows_about(participant: Participant) -> dict[type[models.Model], set]:
    """What concerns an official without pointing at them: the activities on their schedule,
    and exports that took their row out (their cohort's rosters, selections that named them)."""
    return {
        Activity: set(
            activities_for_participant(participant=participant).values_list("pk", flat=True)
        ),
        ExportLog: set(
            ExportLog.objects.filter(
                Q(cohort_id=participant.cohort_id)
                | Q(cohort__isnull=True, source=ExportLog.Source.ROSTER)
                | Q(filters__participants__contains=[participant.pk])
            ).values_list("pk", flat=True)
        ),
    }


def subject_data(*, participant: Participant) -> SubjectData:
    """Everything held on `participant` (and on their account): the rows found by following every
    relation back to them, round after round, until a round finds nothing new."""
    User = get_user_model()
    found = _people_pks(participant)
    referencing = models_referencing_people()
    content_types = ContentType.objects.get_for_models(*referencing, *found)
    new = {model: set(pks) for model, pks in found.items()}
    for _round in range(MAX_RELATION_DEPTH):
        if not new:
            break
        fresh: dict[type[models.Model], set] = defaultdict(set)
        for model in referencing:
            conditions = Q()
            for lookup, target in relation_edges(model):
                if target is None:
                    _ct, ct_field, fk_field = lookup.split(":")
                    for generic_target, pks in new.items():
                        if generic_target in content_types:
                            conditions |= Q(
                                **{
                                    f"{ct_field}_id": content_types[generic_target].pk,
                                    f"{fk_field}__in": [str(pk) for pk in pks]
                                    if isinstance(model._meta.get_field(fk_field), models.TextField)
                                    else list(pks),
                                }
                            )
                elif target in new:
                    conditions |= Q(**{f"{lookup}__in": list(new[target])})
            if not conditions:
                continue
            pks = set(model._base_manager.filter(conditions).values_list("pk", flat=True))
            pks -= found[model]
            if pks:
                found[model] |= pks
                fresh[model] |= pks
        new = fresh
    for model, pks in _unrelated_rows_about(participant).items():
        found[model] |= pks
    data = SubjectData(participant=participant)
    for model in sorted(referencing | set(found), key=table_name):
        pks = found.get(model, set())
        rows = model._base_manager.filter(pk__in=list(pks)).order_by("pk") if pks else []
        data.rows[model] = [_row(instance, model) for instance in rows]
    # Their account's own row is theirs only if it is; another official's account is not listed.
    data.rows.setdefault(User, [])
    return data


def _report_sections(data: SubjectData) -> dict:
    participant = data.participant
    participations = Participant.objects.filter(
        pk__in=[row["id"] for row in data.rows.get(Participant, [])]
    ).select_related("cohort", "home_city")
    attachment_ids = [row["id"] for row in data.rows.get(Attachment, [])]
    notification_ids = [row["id"] for row in data.rows.get(Notification, [])]
    activity_ids = [row["id"] for row in data.rows.get(Activity, [])]
    export_ids = [row["id"] for row in data.rows.get(ExportLog, [])]
    return {
        "participant": participant,
        "participations": participations.prefetch_related("focus_areas"),
        "preferences": HostPreference.objects.filter(participant__in=participations)
        .select_related("department", "participant__cohort")
        .order_by("participant", "rank"),
        "attachments": Attachment.objects.filter(pk__in=attachment_ids)
        .select_related("department", "participant__cohort")
        .order_by("start", "pk"),
        "history": Attachment.history.filter(id__in=attachment_ids)
        .select_related("department")
        .order_by("history_date", "history_id"),
        "activities": Activity.objects.filter(pk__in=activity_ids)
        .select_related("department")
        .order_by("starts_at", "pk"),
        "notifications": Notification.objects.filter(pk__in=notification_ids).order_by(
            "scheduled_at", "pk"
        ),
        "exports": ExportLog.objects.filter(pk__in=export_ids)
        .select_related("user", "cohort")
        .order_by("created_at", "pk"),
        "tables": [
            (f"{table_name(model)}.json", model._meta.verbose_name_plural, len(rows))
            for model, rows in data.rows.items()
        ],
        "generated_at": timezone.now(),
    }


def subject_access_filename(participant: Participant, today: datetime.date) -> str:
    stem = slugify(participant.name_en) or f"official-{participant.pk}"
    return f"personal-data-{stem}-{today.isoformat()}.zip"


def subject_access_export(
    *, participant: Participant, by, address: str | None = None, path: str = ""
) -> tuple[io.IOBase, str]:
    """The ZIP of everything held on `participant`: one JSON file per table that references
    them (empty tables too, so the official sees where nothing is held) and `report.html`, a
    readable summary in the official's language. Logged in the export log before it is returned,
    whoever asks (the official, or a coordinator on their behalf); the log entry is in the file."""
    data = subject_data(participant=participant)
    entry = export_log_create(
        user=by,
        cohort=participant.cohort,
        source=ExportLog.Source.SUBJECT_ACCESS,
        filters=selection_filters([participant.pk]),
        export_format=ExportLog.Format.ZIP,
        row_count=data.row_count + 1,
        # In the access log too when someone else produces it (the official's own is not an
        # access by someone else: `access_log_create` leaves them out).
        officials=Participant.objects.filter(pk=participant.pk),
        address=address,
        path=path,
    )
    data.rows.setdefault(ExportLog, []).append(_row(entry, ExportLog))
    target = tempfile.SpooledTemporaryFile(max_size=SUBJECT_ACCESS_MEMORY_BYTES)  # noqa: SIM115
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for model, rows in data.rows.items():
            archive.writestr(
                f"{table_name(model)}.json",
                json.dumps(
                    {"table": table_name(model), "model": model._meta.label, "rows": rows},
                    cls=DjangoJSONEncoder,
                    ensure_ascii=False,
                    indent=1,
                ),
            )
        with translation.override(participant.preferred_language):
            report = render_to_string(
                "placements/subject_access_report.html", _report_sections(data)
            )
        archive.writestr("report.html", report)
    target.seek(0)
    return target, subject_access_filename(participant, timezone.localdate())


# --- Retention and shredding -------------------------------------------------------------------


def cohorts_past_retention(*, today: datetime.date | None = None) -> list[Cohort]:
    """Cohorts not yet shredded whose retention period has ended, oldest first. The period
    depends on a setting and an optional per-cohort value, so it is computed here; the programme
    has a few cohorts a year."""
    today = today or timezone.localdate()
    cohorts = Cohort.objects.filter(shredded_at__isnull=True).order_by("orientation_start", "pk")
    return [cohort for cohort in cohorts if cohort.retention_ends <= today]


def _marker(prefix: str, column: str = "pk"):
    """`<prefix><id>`, computed by the database, so that each row keeps a distinct value."""
    return Concat(Value(prefix), Cast(column, output_field=CharField()))


@dataclass
class ShredStep:
    table: str
    queryset: QuerySet
    changes: dict
    delete: bool = False

    def count(self) -> int:
        return self.queryset.count()

    def apply(self) -> int:
        if self.delete:
            return self.queryset.delete()[0]
        queryset = self.queryset
        if hasattr(queryset, "rewrite"):
            # modeltranslation would turn `description` into the active language's column only;
            # the changes name every column themselves (`_in_every_language`).
            queryset = queryset.rewrite(False)
        return queryset.update(**self.changes)


def _history_model(model):
    history = getattr(model, "history", None)
    return getattr(history, "model", None)


def _departing_users(cohort: Cohort) -> QuerySet:
    """Accounts of the cohort's officials that no other (unshredded) cohort still needs: these
    are deactivated and emptied. An official who came again later keeps their account for that
    cohort; it is only unlinked from this one."""
    User = get_user_model()
    kept = Participant.objects.filter(cohort__shredded_at__isnull=True).exclude(cohort=cohort)
    return User.objects.filter(participations__cohort=cohort).exclude(
        pk__in=kept.filter(user__isnull=False).values("user_id")
    )


def _shred_steps(cohort: Cohort) -> list[ShredStep]:
    User = get_user_model()
    officials = Participant.objects.filter(cohort=cohort)
    attachments = Attachment.objects.filter(participant__cohort=cohort)
    # Read now: the first step unlinks the accounts these are found through.
    user_ids = list(_departing_users(cohort).values_list("pk", flat=True))
    users = User.objects.filter(pk__in=user_ids)
    official_ids = list(officials.values_list("pk", flat=True))
    attachment_ids = list(attachments.values_list("pk", flat=True))
    usernames = list(users.values_list("username", flat=True))
    official_keys = [str(pk) for pk in official_ids]
    attachment_keys = [str(pk) for pk in attachment_ids]
    user_keys = [str(pk) for pk in user_ids]
    content_types = ContentType.objects.get_for_models(Participant, Attachment, User)
    steps = [
        ShredStep(
            table_name(Participant),
            officials,
            {
                "name_en": _marker("Official #"),
                "name_zh": "",
                **_in_every_language(Participant, "home_organisation", ""),
                **_in_every_language(Participant, "post_title", ""),
                "email": Concat(
                    Value("shredded-"), Cast("pk", output_field=CharField()), Value("@invalid")
                ),
                "phone": "",
                "user": None,
            },
        ),
    ]
    attachment_changes = {"supervisor": "", "supervisor_email": "", "notes": ""}
    steps.append(ShredStep(table_name(Attachment), attachments, attachment_changes))
    history = _history_model(Attachment)
    if history is not None:
        steps.append(
            ShredStep(
                table_name(history),
                history.objects.filter(id__in=attachment_ids),
                {**attachment_changes, "history_change_reason": None},
            )
        )
    # An activity's description is free text a coordinator may have written names into.
    described = Q()
    for column in _in_every_language(Activity, "description", ""):
        described |= ~Q(**{column: ""})
    activities = Activity.objects.filter(cohort=cohort).filter(described)
    steps.append(
        ShredStep(table_name(Activity), activities, _in_every_language(Activity, "description", ""))
    )
    activity_history = _history_model(Activity)
    if activity_history is not None:
        steps.append(
            ShredStep(
                table_name(activity_history),
                activity_history.objects.filter(cohort_id=cohort.pk),
                {
                    **_in_every_language(activity_history, "description", ""),
                    "history_change_reason": None,
                },
            )
        )
    steps += [
        ShredStep(
            table_name(Notification),
            Notification.objects.filter(
                Q(cohort=cohort)
                | Q(recipient__in=user_ids)
                | Q(content_type=content_types[Participant], object_id__in=official_ids)
                | Q(content_type=content_types[Attachment], object_id__in=attachment_ids)
            ),
            {
                "context": {},
                # What the notice said when recorded names the official and their contacts.
                "snapshot": {},
                "last_error": "",
                # A notice not yet sent would go out empty: it is not sent at all.
                "status": Case(
                    When(status=Notification.Status.PENDING, then=Value("cancelled")),
                    default=F("status"),
                ),
            },
        ),
        ShredStep(
            table_name(NominationImport),
            NominationImport.objects.filter(cohort=cohort),
            {"rows": [], "content": b"", "filename": "", "encoding": ""},
        ),
        ShredStep(
            table_name(PlanSuggestion),
            PlanSuggestion.objects.filter(cohort=cohort),
            {"rows": [], "unplaced": [], "error": ""},
        ),
        ShredStep(
            table_name(LogEntry),
            LogEntry.objects.filter(
                Q(content_type=content_types[Participant], object_id__in=official_keys)
                | Q(content_type=content_types[Attachment], object_id__in=attachment_keys)
                | Q(content_type=content_types[User], object_id__in=user_keys)
            ),
            {"object_repr": _marker("#", "object_id"), "change_message": ""},
        ),
        ShredStep(
            table_name(User),
            users,
            {
                "username": _marker("shredded-"),
                "first_name": "",
                "last_name": "",
                "email": "",
                "is_active": False,
                "is_staff": False,
                "is_superuser": False,
                # Django's mark for an unusable password ("!" and nothing that could match).
                "password": Concat(Value("!shredded-"), Cast("pk", output_field=CharField())),
            },
        ),
        ShredStep(
            table_name(User.groups.through),
            User.groups.through.objects.filter(user_id__in=user_ids),
            {},
            delete=True,
        ),
    ]
    # An emptied account keeps no API token: the project's API tokens (found through the app
    # registry: the API sits above this app) and Django REST framework's, when installed.
    installed = {config.label for config in apps.get_app_configs()}
    for app_label, model_name in (("api", "ApiToken"), ("authtoken", "Token")):
        if app_label in installed:
            token = apps.get_model(app_label, model_name)
            steps.append(
                ShredStep(table_name(token), token.objects.filter(user_id__in=user_ids), {}, True)
            )
    # Login throttling keeps usernames (and what was typed) of recent attempts.
    if apps.is_installed("axes"):
        for model_name in ("AccessAttempt", "AccessFailureLog", "AccessLog"):
            model = apps.get_model("axes", model_name)
            steps.append(
                ShredStep(table_name(model), model.objects.filter(username__in=usernames), {}, True)
            )
    return steps


def _in_every_language(model, name: str, value) -> dict:
    """`name` and each of its language columns the model has (`<name>_en`, `<name>_zh_hant`,
    ...): an update of `name` alone would reach only the active language's column."""
    columns = {field.name for field in model._meta.concrete_fields}
    names = [name, *(build_localized_fieldname(name, code) for code in language_codes())]
    return {column: value for column in names if column in columns}


def shred_plan(*, cohort: Cohort) -> dict[str, int]:
    """The dry run: how many rows of each table shredding `cohort` would change."""
    counts: dict[str, int] = defaultdict(int)
    for step in _shred_steps(cohort):
        counts[step.table] += step.count()
    return dict(counts)


def _reset_calendar_tokens(officials: Iterable[Participant]) -> None:
    officials = list(officials)
    for official in officials:
        official.calendar_secret = new_calendar_secret()
        # bulk_update() does not run the hash field's pre_save: keep the two in step here.
        official.calendar_token_hash = calendar_token_digest(official.calendar_token)
    Participant.objects.bulk_update(
        officials, ["calendar_secret", "calendar_token_hash"], batch_size=500
    )


@transaction.atomic
def cohort_shred(*, cohort: Cohort, by, confirm_name: str, today=None) -> ShredLog:
    """Shred the personal data of a cohort past its retention period, irreversibly, in one
    transaction: names, emails, phones, posts, organisations, notes and activity descriptions
    replaced; the officials'
    accounts (those no later cohort needs) emptied, deactivated and unlinked; notices' contexts
    (what their subjects and bodies are written from) emptied; attachment history scrubbed;
    calendar tokens reset. What the statistics count (cities, departments, focus areas, years)
    is not personal and stays. The admin types the cohort's name to confirm."""
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if cohort.is_shredded:
        raise ValidationError(gettext("This cohort has already been shredded."))
    today = today or timezone.localdate()
    if cohort.retention_ends > today:
        raise ValidationError(
            gettext("This cohort's personal data is kept until {day}.").format(
                day=cohort.retention_ends.isoformat()
            )
        )
    if confirm_name.strip() != cohort.name:
        raise ValidationError(
            {"confirm_name": gettext("Type the cohort's name exactly as shown to confirm.")}
        )
    officials = Participant.objects.select_for_update().filter(cohort=cohort)
    _reset_calendar_tokens(officials.only("pk", "calendar_secret"))
    counts: dict[str, int] = defaultdict(int)
    for step in _shred_steps(cohort):
        counts[step.table] += step.apply()
    cohort.shredded_at = timezone.now()
    cohort.save(update_fields=["shredded_at"])
    return ShredLog.objects.create(
        cohort=cohort, cohort_name=cohort.name, user=by, counts=dict(counts)
    )


# --- Anonymous statistics ----------------------------------------------------------------------


@dataclass
class StatisticsRow:
    year: int
    label: str
    count: int


@dataclass
class ProgrammeStatistics:
    years: list[StatisticsRow]
    cities: list[StatisticsRow]
    departments: list[StatisticsRow]
    focus_areas: list[StatisticsRow]

    def as_tuples(self) -> dict[str, list[tuple]]:
        return {
            name: [(row.year, row.label, row.count) for row in getattr(self, name)]
            for name in ("years", "cities", "departments", "focus_areas")
        }


def programme_statistics() -> ProgrammeStatistics:
    """Officials per year, home city and focus area, and confirmed attachments per host
    department and year, for the reciprocity record. Read only from columns that are not
    personal (the cohort's year, the city, the department, the focus area), which shredding
    leaves alone: the counts are the same before and after. Withdrawn officials are not counted.
    Four queries."""
    officials = Participant.objects.exclude(status=Participant.Status.WITHDRAWN).annotate(
        year=ExtractYear("cohort__orientation_start")
    )

    def rows(queryset, label):
        return [
            StatisticsRow(year=row["year"], label=row[label], count=row["count"])
            for row in queryset.annotate(count=Count("pk", distinct=True)).order_by("-year", label)
        ]

    return ProgrammeStatistics(
        years=[
            StatisticsRow(year=row["year"], label="", count=row["count"])
            for row in officials.values("year").annotate(count=Count("pk")).order_by("-year")
        ],
        cities=rows(
            officials.annotate(label=_localized("home_city")).values("year", "label"), "label"
        ),
        departments=rows(
            Attachment.objects.filter(status=Attachment.Status.CONFIRMED)
            .annotate(
                year=ExtractYear("participant__cohort__orientation_start"),
                label=_localized("department"),
            )
            .values("year", "label"),
            "label",
        ),
        focus_areas=rows(
            officials.filter(focus_areas__isnull=False)
            .annotate(label=_localized("focus_areas"))
            .values("year", "label"),
            "label",
        ),
    )
