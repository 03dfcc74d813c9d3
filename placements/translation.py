"""Activities in English, Traditional and Simplified Chinese (django-modeltranslation).

The activity history (django-simple-history) is registered too, so that every version keeps the
text of each language."""

from modeltranslation.translator import TranslationOptions, register

from .models import Activity


class ActivityTranslation(TranslationOptions):
    fields = ("title", "location", "description")


@register(Activity)
class ActivityContentTranslation(ActivityTranslation):
    required_languages = {"en": ("title",)}


register(Activity.history.model)(ActivityTranslation)
