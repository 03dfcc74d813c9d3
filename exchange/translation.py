"""Reference data and cohorts in English, Traditional and Simplified Chinese (modeltranslation)."""

from modeltranslation.translator import TranslationOptions, register

from .models import CSC_VENUE_TRANSLATIONS, City, Cohort, FocusArea, HostDepartment


@register(City)
class CityTranslation(TranslationOptions):
    fields = ("name",)


@register(FocusArea)
class FocusAreaTranslation(TranslationOptions):
    fields = ("name",)


@register(HostDepartment)
class HostDepartmentTranslation(TranslationOptions):
    fields = ("name", "address")


@register(Cohort)
class CohortTranslation(TranslationOptions):
    fields = ("name", "orientation_venue")
    required_languages = {"en": ("name",)}
    # An empty venue in one script falls back (the field's default would otherwise count as
    # "no text" and an empty one as text).
    fallback_undefined = {"orientation_venue": ""}


# A new cohort meets at the Civil Service College, named in each language.
# (`_field_options_kwargs` is where modeltranslation keeps a translation field's own options, so
# that migrations see the same default.)
for _language, _venue in CSC_VENUE_TRANSLATIONS.items():
    _field = Cohort._meta.get_field(f"orientation_venue_{_language}")
    _field.default = _venue
    _field._field_options_kwargs = {
        **getattr(_field, "_field_options_kwargs", {}),
        "default": _venue,
    }
