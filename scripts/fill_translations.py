"""Fill empty msgstr entries of the zh_Hant and zh_Hans catalogues from a JSON glossary.

Usage: python scripts/fill_translations.py GLOSSARY.json
The glossary maps each English msgid to [Traditional, Simplified]. Existing translations are kept,
so translators' edits in the .po files are never overwritten. Prints what is still missing.
"""

import json
import sys
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = {"zh_Hant": 0, "zh_Hans": 1}


def main(glossary_path: str) -> int:
    glossary = json.loads(Path(glossary_path).read_text(encoding="utf-8"))
    missing = 0
    for locale, column in CATALOGUES.items():
        path = ROOT / "locale" / locale / "LC_MESSAGES" / "django.po"
        catalogue = polib.pofile(str(path), wrapwidth=100)
        for entry in catalogue:
            if entry.obsolete:
                continue
            if "fuzzy" in entry.flags:
                # A fuzzy match is a guess from another msgid: start again from the glossary.
                entry.flags.remove("fuzzy")
                entry.msgstr = ""
                entry.msgstr_plural = dict.fromkeys(entry.msgstr_plural, "")
            if entry.msgid_plural:
                if not any(entry.msgstr_plural.values()) and entry.msgid in glossary:
                    # Chinese has one plural form.
                    entry.msgstr_plural = {0: glossary[entry.msgid][column]}
                if not any(entry.msgstr_plural.values()):
                    missing += 1
                    print(f"{locale}: missing plural: {entry.msgid!r}")
                continue
            if not entry.msgstr and entry.msgid in glossary:
                entry.msgstr = glossary[entry.msgid][column]
            if not entry.msgstr:
                missing += 1
                print(f"{locale}: missing: {entry.msgid!r}")
        catalogue.metadata_is_fuzzy = False
        catalogue.metadata["Content-Type"] = "text/plain; charset=UTF-8"
        catalogue.metadata["Language"] = locale.replace("_", "-")
        catalogue.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
        catalogue.save(str(path))
        catalogue.save_as_mofile(str(path.with_suffix(".mo")))
    print(f"{missing} entries still untranslated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
