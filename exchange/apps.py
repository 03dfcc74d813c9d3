from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _resync_role_groups(sender, using, apps=None, **kwargs):
    # The data migration creates the groups; re-syncing after every migrate keeps them exact when
    # later migrations add models or permissions (the admin group holds them all).
    # A flush (after each transactional test) sends no `apps`: the groups are re-made from the
    # project's models then.
    from django.apps import apps as global_apps

    from .roles import sync_role_groups

    sync_role_groups(apps if apps is not None else global_apps)


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("Exchange programme")

    def ready(self):
        post_migrate.connect(_resync_role_groups, sender=self, dispatch_uid="exchange_role_groups")
        # Register the engine's tasks with the Celery app, so they can be queued by name.
        # The ground's own kind of notice (password reset), registered like the apps' kinds.
        from . import (
            notices,  # noqa: F401
            tasks,  # noqa: F401
        )


class ExchangeAdminConfig(admin_apps.AdminConfig):
    """Django's admin on the project's site, which guards every ModelAdmin registered on it.
    Named in INSTALLED_APPS in place of `django.contrib.admin`."""

    default = False  # `exchange` itself is ExchangeConfig
    default_site = "exchange.admin_site.ExchangeAdminSite"
