"""An official's organisation and post in English, Traditional and Simplified Chinese."""

from modeltranslation.translator import TranslationOptions, register

from .models import Participant


@register(Participant)
class ParticipantTranslation(TranslationOptions):
    fields = ("home_organisation", "post_title")
    required_languages = {"en": ("home_organisation",)}
