from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from .http import safe_next_url
from .roles import home_url_name, roles_of


@login_required
def home(request):
    """Send each role to its main page."""
    return redirect(home_url_name(request.user))


@login_required
def account(request):
    return render(request, "exchange/account.html", {"roles": sorted(roles_of(request.user))})


class LoginView(auth_views.LoginView):
    """Django's login, remembering a participant's preferred language for the session."""

    redirect_authenticated_user = True

    def get_redirect_url(self):
        # Only a local path: Django's own check lets a bare word through as a relative URL.
        return safe_next_url(self.request, default="")

    def form_valid(self, form):
        response = super().form_valid(form)
        participation = self.request.user.participations.order_by(
            "-cohort__orientation_start"
        ).first()
        if participation is not None:
            self.request.session["preferred_language"] = participation.preferred_language
        return response


# The error handlers answer requests that may be broken themselves: none of them reads the posted
# data, and the 400 and 500 pages are rendered without the request (no session, no user), in the
# language the request asks for. Django's own handlers take the CSRF token, which reads the
# posted form again: for a form posted in UTF-16 that raised once more, and the 400 became a 500.


def _plain_page(request, template_name: str, *, status: int, **context) -> HttpResponse:
    with translation.override(_language_of(request)):
        return HttpResponse(loader.render_to_string(template_name, context), status=status)


def _language_of(request) -> str:
    # LocaleMiddleware sets LANGUAGE_CODE; a request refused before it ran is read for the cookie
    # and Accept-Language only (never the session).
    return getattr(request, "LANGUAGE_CODE", None) or translation.get_language_from_request(request)


# What Django's own refusals mean, for the people who meet them.
_REASONS = [
    (RequestDataTooBig, _("The form is larger than the site accepts.")),
    (TooManyFieldsSent, _("The form has more fields than the site accepts.")),
    (TooManyFilesSent, _("The form has more files than the site accepts.")),
    (MultiPartParserError, _("The form could not be read: its data is incomplete or malformed.")),
]


def error_400(request, exception=None):
    reason = getattr(exception, "reason", None)
    if reason is None:
        reason = next(
            (text for kind, text in _REASONS if isinstance(exception, kind)),
            _("The request could not be read. Go back and try again from the page."),
        )
    # A link to the same page without its parameters: most refusals are of a filter.
    without_query = request.path if request.META.get("QUERY_STRING") else None
    return _plain_page(request, "400.html", status=400, reason=reason, without_query=without_query)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    # Rendered without the request context: the failure may be in what that context needs.
    return _plain_page(request, "500.html", status=500)
