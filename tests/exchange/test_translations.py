"""The UI ships complete in Traditional and Simplified Chinese."""

from pathlib import Path

import polib
import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale"


@pytest.mark.parametrize("locale", ["zh_Hant", "zh_Hans"])
def test_every_message_is_translated_and_compiled(locale):
    po_path = LOCALE / locale / "LC_MESSAGES" / "django.po"
    catalogue = polib.pofile(str(po_path))
    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    assert not untranslated, untranslated[:10]
    assert not fuzzy, fuzzy[:10]
    compiled = polib.mofile(str(po_path.with_suffix(".mo")))
    assert {e.msgid: e.msgstr for e in compiled if not e.msgid_plural} == {
        e.msgid: e.msgstr for e in catalogue if not e.msgid_plural and e.msgid
    }, "django.mo is older than django.po: run `make messages`"


@pytest.mark.parametrize(
    ("language", "expected"),
    [("zh-hant", "實習安排"), ("zh-hans", "实习安排"), ("en", "attachments")],
)
def test_model_names_follow_the_language(language, expected):
    from placements.models import Attachment

    with translation.override(language):
        assert str(Attachment._meta.verbose_name_plural) == expected
