"""Writes of participants' own settings: their calendar-feed token and their language."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from .models import Participant, new_calendar_token


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
