from django.conf import settings
from django.utils import translation


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
