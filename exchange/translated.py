"""Content kept in each language of the site (django-modeltranslation's `<field>_<lang>` columns).

Services take a translated text either as a plain string, which is the English text (what
imports and scripts give), or as a mapping of language code to text, which sets every language
at once (what the forms' language tabs give). An empty Chinese text falls back to the other
script, then to English (`MODELTRANSLATION_FALLBACK_LANGUAGES`).
"""

from collections.abc import Mapping

from django.conf import settings
from modeltranslation.utils import build_localized_fieldname

DEFAULT_LANGUAGE = "en"

# A translated text as services take it: the English text, or the text of each language.
Translated = str | Mapping[str, str]


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def translated_values(name: str, value: str | Mapping[str, str]) -> dict[str, str]:
    """The model fields to set for the translated field `name`: `{"title_en": ..., ...}`."""
    if isinstance(value, Mapping):
        # Only the languages given: one left out keeps its text.
        return {
            build_localized_fieldname(name, code): (value.get(code) or "").strip()
            for code in language_codes()
            if code in value
        }
    return {build_localized_fieldname(name, DEFAULT_LANGUAGE): value}


def translations_of(instance, name: str) -> dict[str, str]:
    """The texts of `name` stored on `instance`, by language code (empty where none)."""
    return {
        code: getattr(instance, build_localized_fieldname(name, code), None) or ""
        for code in language_codes()
    }


def set_translated(instance, name: str, value: str | Mapping[str, str]) -> bool:
    """Set the translated field `name` of `instance`; True if a stored text changed."""
    changed = False
    for field, text in translated_values(name, value).items():
        if (getattr(instance, field, None) or "") != text:
            setattr(instance, field, text)
            changed = True
    return changed
