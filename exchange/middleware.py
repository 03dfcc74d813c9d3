from django.conf import settings
from django.utils import translation

from .http import UnreadableRequest, request_problem


class UserLanguageMiddleware:
    """Use a participant's preferred language unless they picked one with the switcher.

    Runs before LocaleMiddleware: it only sets the language cookie default for the request, so the
    switcher (which sets the cookie) always wins.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            language = request.session.get("preferred_language")
            if language and translation.check_for_language(language):
                request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = language
        return self.get_response(request)


class MalformedRequestMiddleware:
    """Refuse, with a translated 400, a request no page could read: a NUL byte in the address or
    in a form (PostgreSQL cannot store it, so it used to surface as a 500 from the first query),
    text that is not UTF-8, or a form posted in another charset.

    It runs before the session and CSRF middleware, so nothing has read the request yet and
    the 400 page (`exchange.views.error_400`) reads nothing of it that could fail again. A cookie
    holding a NUL byte is dropped instead: it was never typed by the user, and without it the
    request is simply an anonymous one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name in [name for name, value in request.COOKIES.items() if "\x00" in value]:
            del request.COOKIES[name]
        problem = request_problem(request)
        if problem is not None:
            raise UnreadableRequest(problem)
        return self.get_response(request)


# No page of the app uses these browser features; the header says so for every response.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "interest-cohort",
    )
)


class PermissionsPolicyMiddleware:
    """Sets `Permissions-Policy` on every response that has none."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        return response
