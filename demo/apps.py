from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo cohort of the press release (`manage.py seed_demo`). It stands on every other app
    and nothing imports it."""

    name = "demo"
    verbose_name = _("Demo data")
