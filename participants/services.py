"""Writes of officials (participants) and their ranked host preferences.

The rule kept here: a home city never has more non-withdrawn officials in a cohort than its seats
(`CityQuota`). The quota row is locked before counting, so two coordinators adding the last
official of a city at once cannot both succeed. Withdrawing, which cancels the official's live
attachments, is `placements.services.participant_withdraw`: it stands above this app.

Writes of participants' own settings: their calendar-feed token and their language.

The access log: every read of officials' personal data by someone else is recorded
(`access_log_create`), in a fixed number of queries however many officials were read.
"""

import dataclasses
import ipaddress
import logging
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connection, transaction
from django.db.models import F, Func, QuerySet, Subquery
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from exchange.http import client_address
from exchange.models import City, CityQuota, Cohort, FocusArea, HostDepartment
from exchange.translated import Translated, set_translated

from . import notices
from .models import DETAIL_FIELDS, AccessLog, HostPreference, Participant, new_calendar_secret

logger = logging.getLogger(__name__)


@transaction.atomic
def participant_calendar_token_reset(*, participant: Participant) -> str:
    """Give the official a new private feed address; the old one stops answering at once."""
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    locked.calendar_secret = new_calendar_secret()
    # The token's hash follows the secret (`CalendarTokenHashField.pre_save`).
    locked.save(update_fields=["calendar_secret", "calendar_token_hash", "updated_at"])
    participant.calendar_secret = locked.calendar_secret
    participant.calendar_token_hash = locked.calendar_token_hash
    return locked.calendar_token


@transaction.atomic
def participant_language_update(*, user, language: str) -> int:
    """Set the language an official's mail and calendar feed come in, on each of their
    participations (the same person across cohorts reads one language). Returns rows changed."""
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(
            {"preferred_language": _("Choose one of the languages the programme uses.")}
        )
    participations = list(Participant.objects.select_for_update().filter(user=user))
    changed = 0
    for participant in participations:
        if participant.preferred_language != language:
            participant.preferred_language = language
            participant.save(update_fields=["preferred_language", "updated_at"])
            changed += 1
    return changed


EDITABLE_FIELDS = DETAIL_FIELDS
# Given as English text or texts by language (`exchange.translated`).
TRANSLATED_FIELDS = ("home_organisation", "post_title")


def city_quota_check(
    *, cohort: Cohort, city: City, exclude: Participant | None = None, lock: bool = True
) -> None:
    """Refuse if the city's seats in the cohort are all taken. With `lock` (inside a service's
    transaction) the quota row is locked first, so two writers cannot both take the last seat."""
    quotas = CityQuota.objects.filter(cohort=cohort, city=city)
    quota = (quotas.select_for_update() if lock else quotas).first()
    if quota is None:
        raise ValidationError(
            {
                "home_city": gettext(
                    "{city} has no quota in {cohort}: add one to the cohort first."
                ).format(city=city.name, cohort=cohort.name)
            }
        )
    taken = Participant.objects.filter(cohort=cohort, home_city=city).exclude(
        status=Participant.Status.WITHDRAWN
    )
    if exclude is not None and exclude.pk:
        taken = taken.exclude(pk=exclude.pk)
    count = taken.count()
    if count >= quota.seats:
        raise ValidationError(
            {
                "home_city": gettext(
                    "{city}'s quota of {seats} seat(s) in {cohort} is full ({count} officials "
                    "not withdrawn)."
                ).format(city=city.name, seats=quota.seats, cohort=cohort.name, count=count)
            }
        )


def participant_lock(participant: Participant) -> Participant:
    """The official's row, locked for the rest of the caller's transaction."""
    return (
        Participant.objects.select_for_update(of=("self",))
        .select_related("cohort", "home_city")
        .get(pk=participant.pk)
    )


@transaction.atomic
def participant_create(
    *,
    cohort: Cohort,
    by: AbstractBaseUser | None,
    name_en: str,
    home_city: City,
    home_organisation: Translated,
    email: str,
    name_zh: str = "",
    post_title: Translated = "",
    rank: str = Participant.Rank.OTHER,
    phone: str = "",
    preferred_language: str = "zh-hans",
    focus_areas: Iterable[FocusArea] = (),
    confirmed: bool = False,
    user: AbstractBaseUser | None = None,
) -> Participant:
    """Add an official to a cohort (nominated, or confirmed at once), within the city quota.
    A confirmed official is sent the orientation notice. Organisation and post are English text
    or texts by language (`exchange.translated`)."""
    city_quota_check(cohort=cohort, city=home_city)
    participant = Participant(
        cohort=cohort,
        name_en=name_en,
        name_zh=name_zh,
        home_city=home_city,
        rank=rank,
        email=email,
        phone=phone,
        preferred_language=preferred_language,
        status=Participant.Status.CONFIRMED if confirmed else Participant.Status.NOMINATED,
        user=user,
    )
    set_translated(participant, "home_organisation", home_organisation)
    set_translated(participant, "post_title", post_title)
    participant.full_clean()
    participant.save()
    participant.focus_areas.set(list(focus_areas))
    if confirmed:
        notices.notices_for_participant_confirmed(participant=participant)
    return participant


@transaction.atomic
def participant_update(
    *,
    participant: Participant,
    by: AbstractBaseUser | None,
    focus_areas: Iterable[FocusArea] | None = None,
    **fields,
) -> Participant:
    """Change an official's details (see `EDITABLE_FIELDS`) and interests. Moving a
    non-withdrawn official to another home city takes a seat of that city's quota."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"participant_update() cannot change {sorted(unknown)}")
    current = participant_lock(participant)
    new_city = fields.get("home_city", current.home_city)
    if new_city.pk != current.home_city_id and current.status != Participant.Status.WITHDRAWN:
        city_quota_check(cohort=current.cohort, city=new_city, exclude=current)
    for name, value in fields.items():
        if name in TRANSLATED_FIELDS:
            set_translated(current, name, value)
        else:
            setattr(current, name, value)
    current.full_clean()
    current.save()
    if focus_areas is not None:
        current.focus_areas.set(list(focus_areas))
    return current


@transaction.atomic
def participant_confirm(*, participant: Participant, by: AbstractBaseUser | None) -> Participant:
    """Confirm a nominated official; they are sent the orientation notice."""
    current = participant_lock(participant)
    if current.status == Participant.Status.CONFIRMED:
        return current
    if current.status != Participant.Status.NOMINATED:
        raise ValidationError(
            gettext("Only a nominated official can be confirmed; {name} is {status}.").format(
                name=current.name_en, status=current.get_status_display().lower()
            )
        )
    current.status = Participant.Status.CONFIRMED
    current.save(update_fields=["status", "updated_at"])
    notices.notices_for_participant_confirmed(participant=current)
    return current


@transaction.atomic
def participant_set_withdrawn(
    *, participant: Participant, by: AbstractBaseUser | None
) -> Participant:
    """Mark an official withdrawn, which frees their city seat. Their attachments are the
    placements' business: withdraw through `placements.services.participant_withdraw`, which
    cancels them first and then calls this."""
    current = participant_lock(participant)
    if current.status != Participant.Status.WITHDRAWN:
        current.status = Participant.Status.WITHDRAWN
        current.save(update_fields=["status", "updated_at"])
    return current


@transaction.atomic
def participant_reinstate(*, participant: Participant, by: AbstractBaseUser | None) -> Participant:
    """Bring a withdrawn official back as nominated, if their city still has a seat."""
    current = participant_lock(participant)
    if current.status != Participant.Status.WITHDRAWN:
        return current
    city_quota_check(cohort=current.cohort, city=current.home_city, exclude=current)
    current.status = Participant.Status.NOMINATED
    current.save(update_fields=["status", "updated_at"])
    return current


@transaction.atomic
def participant_set_preferences(
    *,
    participant: Participant,
    departments: Sequence[HostDepartment],
    by: AbstractBaseUser | None,
) -> list[HostPreference]:
    """Replace an official's ranked wishes: `departments[0]` is the first choice."""
    current = participant_lock(participant)
    seen: set[int] = set()
    for department in departments:
        if department.pk in seen:
            raise ValidationError(
                gettext("{dept} is chosen more than once.").format(dept=department.abbreviation)
            )
        seen.add(department.pk)
    HostPreference.objects.filter(participant=current).delete()
    return HostPreference.objects.bulk_create(
        HostPreference(participant=current, department=department, rank=rank)
        for rank, department in enumerate(departments, start=1)
    )


@dataclasses.dataclass(frozen=True)
class OrientationNoticesResult:
    recorded: int
    already: int
    without_account: int


@transaction.atomic
def orientation_notices_send(*, cohort: Cohort, by) -> OrientationNoticesResult:
    """Record the orientation notice for every confirmed official of the cohort who has an account
    and has not had it yet (the same dedupe key as the notice recorded on confirmation), and
    dispatch them after commit. Officials without an account cannot be notified here."""
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if cohort.status == Cohort.Status.COMPLETED:
        raise ValidationError(_("This cohort is completed; its orientation is over."))
    confirmed = list(
        Participant.objects.filter(cohort=cohort, status=Participant.Status.CONFIRMED).only(
            "pk", "user_id", "preferred_language", "cohort_id"
        )
    )
    recorded, with_account = notices.orientation_notices_record(participants=confirmed)
    logger.info("Orientation notices for %s recorded by %s: %s", cohort, by, recorded)
    return OrientationNoticesResult(
        recorded=recorded,
        already=with_account - recorded,
        without_account=len(confirmed) - with_account,
    )


def _client_address(address: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((address or "").strip()))
    except ValueError:
        return None


def _link_officials_by_query(entry: AccessLog, officials: QuerySet[Participant]) -> int:
    """Link the entry to every official of the queryset in one INSERT … SELECT, whatever their
    number: the ids never travel through Python. Returns how many were linked."""
    through = AccessLog.participants.through
    quote = connection.ops.quote_name
    ids_sql, params = officials.order_by().values("pk").query.sql_with_params()
    entry_column = quote(through._meta.get_field("accesslog").column)
    official_column = quote(through._meta.get_field("participant").column)
    pk_column = quote(Participant._meta.pk.column)
    # Table and column names come from the models; the values are bound parameters.
    sql = (
        f"INSERT INTO {quote(through._meta.db_table)} ({entry_column}, {official_column}) "  # noqa: S608
        f"SELECT %s, {pk_column} FROM {quote(Participant._meta.db_table)} "
        f"WHERE {pk_column} IN ({ids_sql})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [entry.pk, *params])
        return cursor.rowcount


@transaction.atomic(savepoint=False)
def access_log_create(
    *,
    user,
    kind: str,
    address: str | None,
    path: str,
    officials: QuerySet[Participant] | Iterable[Participant] = (),
    details: dict | None = None,
) -> AccessLog | None:
    """Record that `user` read the personal data of `officials` (loaded instances, or a queryset
    for exports, which may hold any number of them).

    An official reading their own data is not an access by someone else: they are left out, and
    a page that showed nobody else writes nothing. An export is recorded even when empty.
    Queries: the entry, and one bulk insert of its links, whatever the number of officials; no
    savepoint of its own (inside a request's transaction an error fails the request anyway).
    """
    reader_id = getattr(user, "pk", None)
    ids = None
    if isinstance(officials, QuerySet):
        # Any queryset of officials' rows (sliced, or roster rows as dicts) becomes a subquery.
        officials = Participant.objects.filter(pk__in=officials.values("pk"))
        if reader_id:
            officials = officials.exclude(user_id=reader_id)
        try:
            officials.query.sql_with_params()  # compiled only, not run
        except EmptyResultSet:  # `.none()`, `pk__in=[]`, a slice of no rows: nobody to link
            ids = []
    else:
        ids = sorted({o.pk for o in officials if reader_id is None or o.user_id != reader_id})
    if ids is not None and not ids and kind != AccessLog.Kind.EXPORT:
        return None
    if ids is None:
        # Counted by the entry's own INSERT, so that no UPDATE has to follow the links.
        count = Subquery(
            officials.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
        )
    else:
        count = len(ids)
    entry = AccessLog.objects.create(
        user=user if reader_id else None,
        username=getattr(user, "get_username", lambda: "")(),
        kind=kind,
        address=_client_address(address),
        path=path[: AccessLog._meta.get_field("path").max_length],
        official_count=count,
        details=details or {},
    )
    if ids is None:
        entry.official_count = _link_officials_by_query(entry, officials)
    elif ids:
        AccessLog.participants.through.objects.bulk_create(
            [AccessLog.participants.through(accesslog_id=entry.pk, participant_id=pk) for pk in ids]
        )
    return entry


def access_log_for_request(
    request,
    *,
    kind: str,
    officials: QuerySet[Participant] | Iterable[Participant] = (),
    details: dict | None = None,
) -> AccessLog | None:
    """`access_log_create` with the reader, address and path of the request (for views)."""
    return access_log_create(
        user=request.user,
        kind=kind,
        address=client_address(request),
        path=request.get_full_path(),
        officials=officials,
        details=details,
    )
