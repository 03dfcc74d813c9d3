"""Reading what a request asks for without trusting it. The ground holds these so that every app
answers malformed input the same way."""

import unicodedata

from django.utils.http import url_has_allowed_host_and_scheme

# Longer than any page address of the site; a longer `next` is not one of ours.
MAX_NEXT_LENGTH = 2000


def is_local_path(url: str, *, request) -> bool:
    """Whether `url` is a path on this site that a redirect may safely send the user to.

    Only an absolute path is followed: one leading "/" (never "//" or "/\\", which browsers read
    as another host), no control characters (a newline would break the Location header), and
    Django's `url_has_allowed_host_and_scheme` for this host, HTTPS-only when the request is.
    A bare word such as `NaN` is refused: Django's `redirect()` would take it for a URL name.
    """
    if not isinstance(url, str) or not url or len(url) > MAX_NEXT_LENGTH:
        return False
    if not url.startswith("/") or url.startswith(("//", "/\\")):
        return False
    if any(unicodedata.category(char).startswith("C") for char in url):
        return False
    return url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def safe_next_url(request, default: str) -> str:
    """The page the request's `next` names (posted first, then in the address) if it is a local
    path (`is_local_path`), else `default`: the page the action came from. Views call it after
    their change is committed, so it never raises and never returns something `redirect()`
    could fail on."""
    for source in (request.POST, request.GET):
        candidate = source.get("next", "")
        if candidate and is_local_path(candidate, request=request):
            return candidate
    return default
