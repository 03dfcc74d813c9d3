from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipantsConfig(AppConfig):
    name = "participants"
    verbose_name = _("Participants")

    def ready(self):
        # The participants' kinds of notice and reminder plans, told to the engine below.
        from . import notices

        notices.register()
