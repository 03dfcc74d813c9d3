from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipantsConfig(AppConfig):
    name = "participants"
    verbose_name = _("Participants")

    def ready(self):
        # The participants' kinds of notice and reminder plans, told to the engine below.
        from . import notices

        notices.register()
        # In Chinese, an official is named by their Chinese name.
        from exchange.people import register_name_provider

        from .people import chinese_name_of_user

        register_name_provider(chinese_name_of_user)
