from django.contrib.auth.models import AnonymousUser
from django.utils.functional import lazy

from . import roles as role_module
from .people import display_name


def roles(request):
    """Role flags for the navigation (one cached query per request)."""
    # An error page may be rendered for a request refused before AuthenticationMiddleware ran.
    user = getattr(request, "user", None) or AnonymousUser()
    return {
        "is_admin": role_module.is_admin(user),
        "is_coordinator": role_module.is_coordinator(user),
        "is_liaison": role_module.is_liaison(user),
        "is_participant": role_module.is_participant(user),
        # Looked up only when a page shows it (the top bar), in the page's language.
        "user_display_name": lazy(display_name, str)(user),
    }
