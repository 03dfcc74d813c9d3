from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseServerError
from django.shortcuts import redirect, render
from django.template import loader

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


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    # Rendered without the request context: the failure may be in what that context needs.
    return HttpResponseServerError(loader.render_to_string("500.html"))
