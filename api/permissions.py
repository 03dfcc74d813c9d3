from rest_framework.permissions import SAFE_METHODS, BasePermission

from exchange.roles import is_admin, is_coordinator


class CoordinatorWrites(BasePermission):
    """Anyone signed in reads what their selectors let them see; only coordinators (and admins)
    write, as on the placement board."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in SAFE_METHODS or is_coordinator(request.user)


class AdminOnly(BasePermission):
    """The API's documentation pages are for admins."""

    def has_permission(self, request, view):
        return bool(request.user and is_admin(request.user))
