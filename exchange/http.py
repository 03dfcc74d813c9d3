"""Reading what a request asks for without trusting it: where `next` may send the user, and
whether a request can be read at all. The ground holds these so that every app answers malformed
input the same way (see `exchange.middleware.MalformedRequestMiddleware`)."""

import codecs
import unicodedata
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import BadRequest
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

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


def client_address(request) -> str | None:
    """The client's address: REMOTE_ADDR, or, behind `TRUSTED_PROXY_COUNT` reverse proxies that
    each append the address they were called from to X-Forwarded-For, the entry the outermost of
    them wrote. Entries before it are the client's own word and are never used. One answer for
    the login lockout (django-axes), the password reset limit and the access log."""
    count = settings.TRUSTED_PROXY_COUNT
    if count > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if len(forwarded) >= count:
            return forwarded[-count]
    return request.META.get("REMOTE_ADDR")


class UnreadableRequest(BadRequest):
    """A request refused before any view runs; `reason` (translated) is shown on the 400 page."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


NUL_REASON = _(
    "The request contains a NUL character (%00), which no field accepts. Remove it and try again."
)
UNDECODABLE_REASON = _(
    "The request contains characters that are not valid UTF-8. Send the form again from the page."
)
CHARSET_REASON = _(
    "Forms must be sent in UTF-8; this one was sent as “{charset}”. Send it again from the page."
)


def _bytes_of(text: str) -> bytes:
    """The raw bytes behind a WSGI string (PEP 3333 carries them as Latin-1 text)."""
    try:
        return text.encode("iso-8859-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def urlencoded_problem(raw: bytes):
    """Why `name=value&...` bytes cannot be read (a NUL, or not UTF-8 once unquoted), or None."""
    for part in raw.split(b"&"):
        decoded = unquote_to_bytes(part.replace(b"+", b" "))
        if b"\x00" in decoded:
            return NUL_REASON
        try:
            decoded.decode("utf-8")
        except UnicodeDecodeError:
            return UNDECODABLE_REASON
    return None


def request_problem(request):
    """Why the request cannot be read as the site's pages expect, or None.

    Checks the path, the query string and, for a form post, the charset and every field: a NUL
    byte (PostgreSQL refuses it in text) or text that is not UTF-8 is refused before any view or
    query sees it. Parsing errors of the body itself (a broken multipart, too many fields) are
    left to Django, which answers them with a 400 too.
    """
    if "\x00" in request.path_info:
        return NUL_REASON
    problem = urlencoded_problem(_bytes_of(request.META.get("QUERY_STRING", "")))
    if problem is not None or request.method not in {"POST", "PUT", "PATCH"}:
        return problem
    if request.content_type == "application/x-www-form-urlencoded":
        charset = request.content_params.get("charset")
        if charset and charset.lower() != "utf-8" and _is_known_codec(charset):
            return format_lazy(CHARSET_REASON, charset=charset)
        return urlencoded_problem(request.body)
    if request.content_type == "multipart/form-data":
        # Larger than the largest upload the site takes (the nominations file): the page refuses
        # it from its Content-Length, unread; parsing it here would read it all first.
        largest = getattr(
            settings, "NOMINATIONS_IMPORT_MAX_BYTES", settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
        if _declared_length(request) > largest:
            return None
        for name, values in request.POST.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return NUL_REASON
        for upload in request.FILES.values():
            if "\x00" in (upload.name or ""):
                return NUL_REASON
    return None


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _is_known_codec(charset: str) -> bool:
    # Django reads a form in an unknown charset as UTF-8, and refuses a known one other than it.
    try:
        codecs.lookup(charset)
    except LookupError:
        return False
    return True
