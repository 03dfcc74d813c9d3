from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from .accounts import OutboxPasswordResetForm, password_reset_allowed
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

    def form_valid(self, form):
        response = super().form_valid(form)
        participation = self.request.user.participations.order_by(
            "-cohort__orientation_start"
        ).first()
        if participation is not None:
            self.request.session["preferred_language"] = participation.preferred_language
        return response


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for an email; the same "check your mail" page follows whether or not it is known.
    Too many requests for one email or from one address are refused (known or not, alike)."""

    form_class = OutboxPasswordResetForm
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        if not password_reset_allowed(
            email=form.cleaned_data["email"], address=self.request.META.get("REMOTE_ADDR")
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
    return HttpResponseServerError(loader.render_to_string("500.html"))
