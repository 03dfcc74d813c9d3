"""The placement board's rows, each rendered once per state of what it shows.

A row is most of the board's rendering time, and between two requests almost every row is
unchanged. Its cache key is a digest of every value the row template reads (and of the
template and the translations themselves), taken from the objects the board has loaded
anyway: a changed official, preference or attachment is a new key, so a row is never stale
and nothing has to be invalidated. The form's CSRF token differs per reader; rows are kept
with a placeholder that each answer fills with its own token.
"""

import hashlib
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.cache import cache as fragment_cache
from django.middleware.csrf import get_token
from django.template.loader import get_template, render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

ROW_TEMPLATE = "placements/fragments/board_row.html"
# Were an official's name to spell it out, the reader would see their own token: harmless.
CSRF_PLACEHOLDER = "board-row-csrf-7f3c9a1e"
# Unused rows leave the cache on their own; a day covers a coordinator's working sessions.
ROW_TIMEOUT = 24 * 60 * 60


def row_state(official) -> tuple:
    """Every value `board_row.html` reads of an official shown without a form or a note."""
    return (
        official.pk,
        official.cohort_id,
        official.status,
        official.name_en,
        official.name_zh,
        official.home_organisation,
        str(official.home_city),
        official.rank,
        official.has_draft,
        tuple(area.name for area in official.focus_areas.all()),
        tuple(preference.department.abbreviation for preference in official.preferences.all()),
        tuple(
            (
                attachment.pk,
                attachment.status,
                attachment.start,
                attachment.end,
                attachment.department.abbreviation,
                attachment.department.name,
            )
            for attachment in official.live_attachments
        ),
    )


@cache
def template_version() -> str:
    """The row template's source and the compiled translations: a deployment that changes
    either renders every row afresh."""
    digest = hashlib.sha256(get_template(ROW_TEMPLATE).template.source.encode())
    for path in sorted(Path(p) for p in settings.LOCALE_PATHS):
        for catalogue in sorted(path.glob("*/LC_MESSAGES/django.mo")):
            digest.update(catalogue.read_bytes())
    return digest.hexdigest()[:16]


def row_key(official, language: str) -> str:
    state = repr((template_version(), language, row_state(official)))
    return "board-row:" + hashlib.sha256(state.encode()).hexdigest()


def render_board_rows(request, officials, cohort) -> SafeString:
    """The rows of `officials` (as `board_participants` loads them), from the cache where
    their state was rendered before; one cache read and at most one write for the page."""
    language = get_language()
    keys = [row_key(official, language) for official in officials]
    found = fragment_cache.get_many(keys)
    rendered = {}
    for official, key in zip(officials, keys, strict=True):
        if key not in found:
            rendered[key] = render_to_string(
                ROW_TEMPLATE,
                {"official": official, "cohort": cohort, "csrf_token": CSRF_PLACEHOLDER},
                request,
            )
    if rendered:
        fragment_cache.set_many(rendered, ROW_TIMEOUT)
    rows = "".join(found.get(key) or rendered[key] for key in keys)
    return mark_safe(rows.replace(CSRF_PLACEHOLDER, get_token(request)))  # noqa: S308
