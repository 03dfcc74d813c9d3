"""Parts of a page rendered once per state of what they show, and kept in the cache.

A fragment's key is a digest of its template's source, the compiled translations, the
language and its state: every value the fragment's template reads, taken from objects the
page has loaded anyway. A change is a new key, so a fragment is never stale and nothing has
to be invalidated (keys no longer asked for expire). A fragment with a form is kept with a
placeholder for the CSRF token, which each answer fills in with its reader's own.
"""

import hashlib
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from django.conf import settings
from django.core.cache import cache as fragment_cache
from django.middleware.csrf import get_token
from django.template.loader import get_template, render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

# Were a name shown in a fragment to spell it out, the reader would see their own token.
CSRF_PLACEHOLDER = "fragment-csrf-7f3c9a1e"
# A day covers a coordinator's working sessions; unused fragments leave the cache on their own.
FRAGMENT_TIMEOUT = 24 * 60 * 60


def template_version(template_name: str) -> str:
    """The template's source and the compiled translations: a deployment that changes either
    renders every fragment afresh. (A fragment template includes no other template.) Read
    once per process, but on every request under DEBUG, where templates are being edited."""
    if settings.DEBUG:
        return _template_version.__wrapped__(template_name)
    return _template_version(template_name)


@cache
def _template_version(template_name: str) -> str:
    digest = hashlib.sha256(get_template(template_name).template.source.encode())
    for path in sorted(Path(p) for p in settings.LOCALE_PATHS):
        for catalogue in sorted(path.glob("*/LC_MESSAGES/django.mo")):
            digest.update(catalogue.read_bytes())
    return digest.hexdigest()[:16]


def fragment_key(template_name: str, state: tuple, language: str) -> str:
    described = repr((template_name, template_version(template_name), language, state))
    return "fragment:" + hashlib.sha256(described.encode()).hexdigest()


def render_fragments(
    request, template_name: str, fragments: Iterable[tuple[tuple, dict]]
) -> SafeString:
    """Each (state, context) of `fragments` rendered with `template_name`, from the cache where
    that state was rendered before; one cache read and at most one write for them all."""
    language = get_language()
    fragments = [(fragment_key(template_name, state, language), ctx) for state, ctx in fragments]
    found = fragment_cache.get_many([key for key, _context in fragments])
    rendered = {}
    for key, context in fragments:
        if key not in found and key not in rendered:
            rendered[key] = render_to_string(
                template_name, {**context, "csrf_token": CSRF_PLACEHOLDER}, request
            )
    if rendered:
        fragment_cache.set_many(rendered, FRAGMENT_TIMEOUT)
    html = "".join(found.get(key) or rendered[key] for key, _context in fragments)
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, get_token(request))
    return mark_safe(html)  # noqa: S308 (rendered by the template engine, escaped there)
