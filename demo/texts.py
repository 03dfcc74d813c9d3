"""The demo's data files, and its texts in English, Traditional and Simplified Chinese."""

import functools
import json
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"


def load_json(name: str) -> dict:
    return json.loads((DATA_DIR / name).read_text(encoding="utf-8"))


@functools.cache
def _translations() -> dict:
    return load_json("demo_translations.json")


def texts(english: str) -> dict[str, str]:
    """An English text of the demo with its Traditional and Simplified Chinese
    (`data/demo_translations.json`); every text of the demo has both."""
    hant, hans = _translations()["texts"][english]
    return {"en": english, "zh-hant": hant, "zh-hans": hans}


def department_address(abbreviation: str, english: str) -> dict[str, str]:
    hant, hans = _translations()["department_addresses"][abbreviation]
    return {"en": english, "zh-hant": hant, "zh-hans": hans}


def next_round_officials() -> list:
    return _translations()["next_round_officials"]
