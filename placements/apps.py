from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacementsConfig(AppConfig):
    name = "placements"
    verbose_name = _("Placements")

    def ready(self):
        # The placements' kinds of notice and reminder plans, told to the engine below.
        from . import notices

        notices.register()
