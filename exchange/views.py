from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.translation import gettext as _

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
