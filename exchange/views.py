from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .accounts import OutboxPasswordResetForm, password_reset_allowed
from .http import client_address, safe_next_url
from .roles import Role, home_url_name, roles_of


@login_required
def home(request):
    """Send each role to its main page."""
    return redirect(home_url_name(request.user))


@login_required
def account(request):
    # Each role by its translated name (a group outside the roles, by its own).
    names = [Role(r).label if r in Role.values else r for r in sorted(roles_of(request.user))]
    return render(request, "exchange/account.html", {"roles": names})


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
    (RequestDataTooBig, gettext_lazy("The form is larger than the site accepts.")),
    (TooManyFieldsSent, gettext_lazy("The form has more fields than the site accepts.")),
    (TooManyFilesSent, gettext_lazy("The form has more files than the site accepts.")),
    (
        MultiPartParserError,
        gettext_lazy("The form could not be read: its data is incomplete or malformed."),
    ),
]


def error_400(request, exception=None):
    reason = getattr(exception, "reason", None)
    if reason is None:
        reason = next(
            (text for kind, text in _REASONS if isinstance(exception, kind)),
            gettext_lazy("The request could not be read. Go back and try again from the page."),
        )
    # A link to the same page without its parameters: most refusals are of a filter.
    without_query = request.path if request.META.get("QUERY_STRING") else None
    return _plain_page(request, "400.html", status=400, reason=reason, without_query=without_query)


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for an email; the same "check your mail" page follows whether or not it is known.
    Too many requests for one email or from one address are refused (known or not, alike)."""

    form_class = OutboxPasswordResetForm
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        if not password_reset_allowed(
            email=form.cleaned_data["email"], address=client_address(self.request)
        ):
            form.add_error(
                None, _("Too many password reset requests. Please try again in an hour.")
            )
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


def login_locked_out(request, response=None, credentials=None):
    """django-axes' lockout answer: the login page again, with the reason in the reader's
    language. Known and unknown usernames get the same page, so it tells nothing about accounts."""
    form = AuthenticationForm(request, data=request.POST or None)
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    form.errors.clear()
    form.add_error(
        None,
        _(
            "Too many failed logins for this account from your address. "
            "Try again in {minutes} minutes, or ask an administrator to unlock it."
        ).format(minutes=minutes),
    )
    context = {"form": form, "next": request.POST.get("next", ""), "locked_out": True}
    return render(request, "registration/login.html", context, status=429)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    # Rendered without the request context: the failure may be in what that context needs.
    return _plain_page(request, "500.html", status=500)
