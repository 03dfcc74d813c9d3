from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacementsConfig(AppConfig):
    name = "placements"
    verbose_name = _("Placements")

    def ready(self):
        # The placements' kinds of notice and reminder plans, told to the engine below.
        from exchange.cohort_rules import register_cohort_rule

        from . import notices, services, tasks  # noqa: F401 (tasks: register them with Celery)

        notices.register()
        register_cohort_rule(services.check_cohort_keeps_its_placements)
