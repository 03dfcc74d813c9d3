"""The one permission mixin used on every class-based view."""

from django.contrib.auth.mixins import AccessMixin

from .roles import roles_of


class RoleRequiredMixin(AccessMixin):
    """Allow a view only to users holding one of `allowed_roles` (admins always pass).

    Anonymous users are sent to the login page; logged-in users of another role get 403. This is
    the coarse gate: objects must still be loaded through a selector scoped to `request.user`, so
    that an object outside the user's reach is a 404.
    """

    allowed_roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        roles = roles_of(request.user)
        if "admin" not in roles and not roles.intersection(self.allowed_roles):
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)
