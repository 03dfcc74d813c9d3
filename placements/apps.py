from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacementsConfig(AppConfig):
    name = "placements"
    verbose_name = _("Placements")

    def ready(self):
        # The placements' kinds of notice and reminder plans, told to the engine below.
        from . import notices, tasks  # noqa: F401 (tasks: register them with the Celery app)

        notices.register()
