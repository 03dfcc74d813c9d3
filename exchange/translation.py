"""Reference data names in English, Traditional and Simplified Chinese (django-modeltranslation)."""

from modeltranslation.translator import TranslationOptions, register

from .models import City, FocusArea, HostDepartment


@register(City)
class CityTranslation(TranslationOptions):
    fields = ("name",)


@register(FocusArea)
class FocusAreaTranslation(TranslationOptions):
    fields = ("name",)


@register(HostDepartment)
class HostDepartmentTranslation(TranslationOptions):
    fields = ("name", "address")
