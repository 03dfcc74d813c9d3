"""The four roles of the programme, as Django groups, and the model permissions each holds.

`sync_role_groups` is called by a data migration (and may be called again by later ones): it makes
the groups hold exactly the permissions listed here, so this dict is the one place to change them.
"""

from django.db.models import TextChoices
from django.utils.translation import gettext_lazy as _


class Role(TextChoices):
    ADMIN = "admin", _("Admin")
    COORDINATOR = "coordinator", _("Coordinator")
    LIAISON = "liaison", _("Liaison")
    PARTICIPANT = "participant", _("Participant")


def _crud(app_label, *models):
    return [
        (app_label, f"{verb}_{model}")
        for model in models
        for verb in ("add", "change", "delete", "view")
    ]


def _view(app_label, *models):
    return [(app_label, f"view_{model}") for model in models]


COORDINATOR_PERMISSIONS = [
    *_crud("exchange", "cohort", "cityquota", "hostcapacity"),
    *_view("exchange", "city", "focusarea", "hostdepartment", "notification"),
    ("exchange", "change_notification"),
    *_crud("participants", "participant", "hostpreference"),
    *_crud("placements", "attachment", "activity"),
    *_view("placements", "historicalattachment", "historicalactivity"),
]

ROLE_PERMISSIONS = {
    Role.ADMIN: None,  # every permission of every model
    Role.COORDINATOR: COORDINATOR_PERMISSIONS,
    Role.LIAISON: [
        *_view("exchange", "cohort", "hostdepartment"),
        *_view("participants", "participant"),
        *_view("placements", "attachment"),
        *_crud("placements", "activity"),
    ],
    Role.PARTICIPANT: [
        *_view("placements", "activity", "attachment"),
    ],
}


def sync_role_groups(apps):
    """Create the role groups and give each exactly its permissions. Idempotent."""
    from django.contrib.auth.management import create_permissions

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    # Permissions are normally created after migrate; make sure they exist now.
    for app_config in apps.get_app_configs():
        # Historical app configs have no models module, which create_permissions requires; the
        # project's own (after a flush) have one, which must stay.
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module

    for role, wanted in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role.value)
        if wanted is None:
            group.permissions.set(Permission.objects.all())
            continue
        perms = []
        for app_label, codename in wanted:
            perm = Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            ).first()
            if perm is not None:
                perms.append(perm)
        group.permissions.set(perms)


def roles_of(user) -> frozenset[str]:
    """The user's role names, read once per request object and cached on the user."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_exchange_roles", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        if user.is_superuser:
            cached = cached | {Role.ADMIN.value}
        user._exchange_roles = cached
    return cached


def is_admin(user) -> bool:
    return Role.ADMIN in roles_of(user)


def is_coordinator(user) -> bool:
    """Coordinators and admins run cohorts."""
    return bool(roles_of(user) & {Role.ADMIN, Role.COORDINATOR})


def is_liaison(user) -> bool:
    return Role.LIAISON in roles_of(user)


def is_participant(user) -> bool:
    return Role.PARTICIPANT in roles_of(user)


def home_url_name(user) -> str:
    """Where a role lands after login."""
    if is_coordinator(user):
        return "placements:cohort_list"
    if is_liaison(user):
        return "placements:liaison_attachees"
    if is_participant(user):
        return "placements:my_schedule"
    return "account"
