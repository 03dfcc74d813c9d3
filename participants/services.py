"""Writes of officials (participants) and their ranked host preferences.

The rule kept here: a home city never has more non-withdrawn officials in a cohort than its seats
(`CityQuota`). The quota row is locked before counting, so two coordinators adding the last
official of a city at once cannot both succeed. Withdrawing, which cancels the official's live
attachments, is `placements.services.participant_withdraw`: it stands above this app.

Writes of participants' own settings: their calendar-feed token and their language.
"""

import dataclasses
import logging
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from exchange.models import City, CityQuota, Cohort, FocusArea, HostDepartment
from exchange.translated import Translated, set_translated

from . import notices
from .models import DETAIL_FIELDS, HostPreference, Participant, new_calendar_token

logger = logging.getLogger(__name__)


@transaction.atomic
def participant_calendar_token_reset(*, participant: Participant) -> str:
    """Give the official a new private feed address; the old one stops answering at once."""
    locked = Participant.objects.select_for_update().get(pk=participant.pk)
    locked.calendar_token = new_calendar_token()
    locked.save(update_fields=["calendar_token", "updated_at"])
    participant.calendar_token = locked.calendar_token
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
