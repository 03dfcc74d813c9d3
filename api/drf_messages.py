"""Django REST framework's own messages that the API passes on to callers, listed here so that
`make messages` keeps them in the project's catalogues: DRF's Traditional Chinese catalogue lacks
some, and the project's catalogues (LOCALE_PATHS) come first when a message is translated."""

from django.utils.translation import gettext_noop

DRF_MESSAGES = [
    gettext_noop("Authentication credentials were not provided."),
    gettext_noop('Unsupported media type "{media_type}" in request.'),
    gettext_noop("Could not satisfy the request Accept header."),
    gettext_noop("JSON parse error - {detail}"),
    gettext_noop("Date has wrong format. Use one of these formats instead: {format}."),
    gettext_noop("Must be a valid boolean."),
    gettext_noop("Null characters are not allowed."),
    gettext_noop("Surrogate characters are not allowed: U+{code_point:X}."),
    gettext_noop("Not a valid string."),
    gettext_noop("Invalid token header. No credentials provided."),
    gettext_noop("Invalid token header. Token string should not contain spaces."),
    gettext_noop("Invalid token header. Token string should not contain invalid characters."),
    gettext_noop("CSRF Failed: {reason}"),
]
